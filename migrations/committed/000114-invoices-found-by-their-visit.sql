--! Previous: sha1:533fe489a0be0b653d6c54f0c5ebc5717550804f
--! Hash: sha1:82909544b3f439bba0075cfeaa07038d120cfccc
--! Message: invoices found by their visit

--------------------------------------------------------------------------------
-- A visit lists its invoices, and invoices are found by their visit.
--
-- The one index on an invoice's visit was the partial one that keeps one live invoice per visit,
-- which PostGraphile does not count as an index of the relation: `Visit` had no `invoices`, and
-- `Invoice` no condition or order on `visitId`, so a cashier's "completed visits not yet billed"
-- had to download every invoice (an exploratory tester, as a frontend developer).

create index if not exists invoice_clinic_visit_idx on app_public.invoice (clinic_id, visit_id);
comment on index app_public.invoice_clinic_visit_idx is 'Invoices by visit: Visit.invoices, and invoices found or ordered by their visit.';
