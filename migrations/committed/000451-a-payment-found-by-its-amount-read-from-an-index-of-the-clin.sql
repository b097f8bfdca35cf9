--! Previous: sha1:832e8857204a4b71376eba46bbecc225484a0812
--! Hash: sha1:6c3038d8a216409eb5b44003363c4bf406793831
--! Message: A payment found by its amount read from an index of the clinic's payments of that amount

-- A payment found by its amount (a card slip, a receipt) read from an index of the clinic's payments of that amount
--
-- `payments(filter: { amount: { equalTo: "15000" } })` (billing.md's `thatSlip`, 000197) read every payment of the
-- clinic and kept those of the amount: under row-level security PostgreSQL checks a condition it does not hold
-- leakproof after the policy's, never as an index condition, and no comparison of a numeric is leakproof
-- (`numeric_eq`), so `payment_clinic_amount_idx` served the order by amount alone (19,995 payments read for 5 among
-- 20,000). A bigint's equality is leakproof: `amount_thousandths`, the amount in thousandths
-- (`app_hidden.money_thousandths`: every amount has at most three decimals and is at most 9999999999999.999), is kept
-- beside it, and the API adds the comparison of the value's thousandths, by the same function, to the amount's
-- (server/money-keys.ts, the column named by the amount's `@keyedBy` tag), which `payment_clinic_amount_key_idx` reads:
-- the payments of the amount in the order they came, as `thatSlip` lists them.
create or replace function app_hidden.money_thousandths(amount numeric) returns bigint
  language sql immutable parallel safe
  as $$ select case when abs(amount) < 10000000000000 then (amount * 1000)::bigint end $$;
comment on function app_hidden.money_thousandths(numeric) is 'An amount of money in thousandths of its currency''s unit, as a bigint, whose equality is leakproof where a numeric''s is not: the key of a column tagged `@keyedBy` (payment.amount_thousandths) and of the value the API compares it with (server/money-keys.ts). Null for an amount beyond any kept (more than 9999999999999.999, NaN, Infinity); an amount of more than three decimals has the key of its rounding, so the key narrows a search and the amount''s own comparison decides.';
revoke all on function app_hidden.money_thousandths(numeric) from public;
grant execute on function app_hidden.money_thousandths(numeric) to :DATABASE_VISITOR;
alter table app_public.payment add column if not exists amount_thousandths bigint
  generated always as (app_hidden.money_thousandths(amount)) stored;
comment on column app_public.payment.amount_thousandths is E'@behavior -*\nThe amount in thousandths of its currency''s unit (app_hidden.money_thousandths), kept by PostgreSQL: a bigint''s equality is leakproof, so under row-level security a comparison of it is an index condition where the amount''s is not (payment_clinic_amount_key_idx). Not in the API; the API compares it beside the amount (server/money-keys.ts).';
comment on column app_public.payment.amount is E'@keyedBy amount_thousandths\nAmount received, in the invoice''s currency; more than zero.';
create index if not exists payment_clinic_amount_key_idx on app_public.payment (clinic_id, amount_thousandths, received_at);
comment on index app_public.payment_clinic_amount_key_idx is 'A clinic''s payments of one amount in the order they came: the payment of a card slip or a receipt (`payments(filter: { amount: { equalTo: … } })`), read by the amount in thousandths, whose equality is leakproof, where the amount''s is not and is checked after the policy''s.';
