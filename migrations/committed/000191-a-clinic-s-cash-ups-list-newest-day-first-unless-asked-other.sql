--! Previous: sha1:4f93a5895d6d65c1a28e9e058c9d7e90278522fc
--! Hash: sha1:dfd72b3a40321e923f6a5163b392967fa0a3c6a0
--! Message: A clinic's cash-ups list newest day first unless asked otherwise

-- A clinic's cash-ups list newest day first unless asked otherwise: without an orderBy they came in the order
-- of their random keys (12-02, 11-28, 12-03, …; a frontend developer's cash-up history).
comment on table app_public.daily_reconciliation is E'@behavior -insert -delete\n@defaultOrderBy BUSINESS_DATE_DESC\nThe cash-up of one business day: expected per method (payments minus refunds), counted, difference. Opened by the worker; closeDay / reopenDay. Listed newest day first unless asked otherwise.';
