--! Previous: sha1:be3a31022121ee8cb7565623c12031ca2b6f2ce9
--! Hash: sha1:97c70329fc607d425cb54a04ddc791a3f84c9a07
--! Message: what a clinic is owed, read from an index of the invoices that owe

-- What a clinic is owed, read from an index of the invoices that owe.
--
-- The dashboard's outstanding balance sums the balance of a clinic's issued and partly paid
-- invoices. Planned for any clinic (a generic plan), it read every invoice of the clinic through
-- another index and filtered on the status: 90 ms of a large clinic's dashboard (338,000 invoices,
-- five years; a tester of a large clinic's screens), whatever its period. A partial index of the
-- invoices that owe, carrying their balance, answers it from the index alone (7 ms for the 30-day
-- dashboard), and the invoice list filtered on those statuses with the sum of their balance too.

create index if not exists invoice_clinic_owed_idx on app_public.invoice (clinic_id) include (balance)
  where status in ('issued', 'partially_paid');
comment on index app_public.invoice_clinic_owed_idx is
  'A clinic''s invoices that owe (issued, partly paid) with their balance: the dashboard''s outstanding balance, read from the index alone.';
