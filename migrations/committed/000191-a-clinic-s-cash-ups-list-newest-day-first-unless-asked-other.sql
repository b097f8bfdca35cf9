--! Previous: sha1:6fbdb262babdcaca14e005809bfd4efaea195493
--! Hash: sha1:cdd291b42d67a49a1b05ce868e64e6b07d8ba0c1
--! Message: A clinic's cash-ups list newest day first unless asked otherwise

-- A clinic's cash-ups list newest day first unless asked otherwise: without an orderBy they came in the order
-- of their random keys (12-02, 11-28, 12-03, …; a frontend developer's cash-up history).
comment on table app_public.daily_reconciliation is E'@behavior -insert -delete\n@defaultOrderBy BUSINESS_DATE_DESC\nThe cash-up of one business day: expected per method (payments minus refunds), counted, difference. Opened by the worker; closeDay / reopenDay. Listed newest day first unless asked otherwise.';
