--! Previous: sha1:b0b487dbaaf4ad0d6263fe520b1be781827e655d
--! Hash: sha1:540ff54e58edb4f722741dbba22f98c9094b8de3
--! Message: A clinic's cash-ups list newest day first unless asked otherwise

-- A clinic's cash-ups list newest day first unless asked otherwise: without an orderBy they came in the order
-- of their random keys (12-02, 11-28, 12-03, …; a frontend developer's cash-up history).
comment on table app_public.daily_reconciliation is E'@behavior -insert -delete\n@defaultOrderBy BUSINESS_DATE_DESC\nThe cash-up of one business day: expected per method (payments minus refunds), counted, difference. Opened by the worker; closeDay / reopenDay. Listed newest day first unless asked otherwise.';
