--! Previous: sha1:baec7382d4ccea225d092b8042d5814ffe508298
--! Hash: sha1:a58b8c386748505f5602c353e1e25a989f2b583d
--! Message: The latest issued invoices read a page

-- The latest issued invoices read a page, not the clinic's every invoice
--
-- invoices(orderBy: ISSUED_AT_DESC, first: 20), the newest issued first (a cashier's daily look), read and sorted every
-- invoice of the clinic for its page (40,000 for 20, 45 ms): `issued_at` is null until an invoice is issued, so the API
-- orders first by whether it is null (server/nullable-order.ts: the drafts first, newest first, as PostgreSQL puts
-- nulls first descending), which invoice_clinic_issued_idx does not hold. An index of the clinic's invoices in that
-- very order, the flag, the time and the key, serves ISSUED_AT_DESC (read backward) and ISSUED_AT_ASC: a page reads a
-- page. invoice_clinic_issued_idx stays: a filter on issuedAt (the invoices issued today) is a range of it.
create index if not exists invoice_clinic_issued_in_order_idx on app_public.invoice (clinic_id, (issued_at is null), issued_at, id);
comment on index app_public.invoice_clinic_issued_in_order_idx is 'A clinic''s invoices in the API''s order by issuedAt (the drafts, not issued, apart: server/nullable-order.ts), then their key: a page of ISSUED_AT_DESC (the newest issued) or ISSUED_AT_ASC reads a page.';
