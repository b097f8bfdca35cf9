--! Previous: sha1:766f6ec1250b99ce4c7cb7090660951515db5932
--! Hash: sha1:be5762c8a369b09a5a5bf1b05dcec704e6a64d90
--! Message: daily_revenue's comment names its currency

-- daily_revenue's comment names its currency
--
-- The view's comment (analysts read it in psql's \d+ and docs/analysts.md) said a row is per clinic, business day and
-- method, where it is per currency too: the payments and refunds of an invoice left in its clinic's old currency
-- (changed before 000066) are summed on rows of their own, in the invoice's currency. Comment only.
comment on view reporting.daily_revenue is 'Per clinic, business day, method and currency (the invoice''s: the payments of an invoice left in its clinic''s old currency are on rows of their own): payments, refunds and net revenue.';
