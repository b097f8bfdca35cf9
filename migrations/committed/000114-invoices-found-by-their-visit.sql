--! Previous: sha1:35521f3450a7f9ea00a49fff79de8257a99a7d09
--! Hash: sha1:00ae332a3e9086c371fbbbf62ad077092f8890cd
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
