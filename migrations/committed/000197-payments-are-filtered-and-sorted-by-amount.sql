--! Previous: sha1:ccc61397c2f74a9ed658396b9f2320a7fb732a76
--! Hash: sha1:c64a84b2b9cc003a415593a29b6a74d961918063
--! Message: Payments are filtered and sorted by amount

-- A till's question "which payment was the 15,000 one?" (a card slip to match, a customer's receipt) could not be
-- asked: payments had no filter nor order by amount (PostGraphile offers them on indexed columns only). The
-- index leads with the clinic, as every list is one clinic's.
create index if not exists payment_clinic_amount_idx on app_public.payment (clinic_id, amount);
comment on index app_public.payment_clinic_amount_idx is 'A clinic''s payments by amount: payments filtered or ordered by amount (the payment of a card slip or a receipt).';
