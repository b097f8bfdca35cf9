--! Previous: sha1:56bf4b043204e8094bc408085c8206ef82817f21
--! Hash: sha1:68e490a5d70e673932574e196d6294919bc2881a
--! Message: Invoices are sorted and filtered by what is owed, their total and when they were issued, each through an index of the clinic's invoices

-- The cash drawer's invoice lists: who owes most (balance), the largest bills (total), and what was issued today
-- (issued_at), sorted and filtered by in the API. PostGraphile offers orders and filters on indexed columns only,
-- and each index leads with the clinic, as every list is one clinic's.
create index if not exists invoice_clinic_issued_idx on app_public.invoice (clinic_id, issued_at);
comment on index app_public.invoice_clinic_issued_idx is 'A clinic''s invoices by when they were issued: invoices filtered or ordered by issuedAt (those issued today).';
create index if not exists invoice_clinic_balance_idx on app_public.invoice (clinic_id, balance);
comment on index app_public.invoice_clinic_balance_idx is 'A clinic''s invoices by what is still owed: invoices filtered or ordered by balance (who owes most).';
create index if not exists invoice_clinic_total_idx on app_public.invoice (clinic_id, total);
comment on index app_public.invoice_clinic_total_idx is 'A clinic''s invoices by their total: invoices filtered or ordered by total.';
