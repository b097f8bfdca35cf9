--! Previous: sha1:792dca17617f774c12016fe316323f7bce737dd2
--! Hash: sha1:3b245306ad7e3e8c7e2622d30bfb69e708ad0fe9
--! Message: invoice lines round to the currency's decimals

--------------------------------------------------------------------------------
-- Invoice lines round to their currency's decimals: 3 for the Kuwaiti dinar,
-- 0 for the yen, 2 for most. They rounded to 2 whatever the currency, so a
-- KWD 1.125 service was billed 1.130. A discount is written in those decimals
-- too (a TZS discount of 10.005 left a line of 0.005). Lines written before
-- keep 2 decimals, as they were charged.

create or replace function app_public.currency_decimals(code text) returns smallint
language sql immutable parallel safe
as $$
  select case
    when code = any ('{BIF,CLP,DJF,GNF,ISK,JPY,KMF,KRW,PYG,RWF,UGX,VND,VUV,XAF,XOF,XPF}'::text[]) then 0
    when code = any ('{BHD,IQD,JOD,KWD,LYD,OMR,TND}'::text[]) then 3
    else 2
  end::smallint;
$$;
comment on function app_public.currency_decimals(text) is 'How many decimals amounts in this ISO 4217 currency have (its minor unit): 0 for JPY, 3 for KWD, 2 for most.';

alter table app_public.invoice_line add column decimals smallint not null default 2 check (decimals between 0 and 3);
comment on column app_public.invoice_line.decimals is 'Decimals of the invoice''s currency, which the line''s subtotal and tax are rounded to; set when the line is written (lines from before 000022 keep 2).';

create or replace function app_private.tg_invoice_line__decimals() returns trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
begin
  select app_public.currency_decimals(i.currency) into new.decimals
  from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  new.decimals := coalesce(new.decimals, 2); -- an invoice not found is the foreign key's to report
  return new;
end;
$$;
comment on function app_private.tg_invoice_line__decimals() is 'BEFORE INSERT on invoice lines: decimals from the invoice''s currency.';
create trigger _150_decimals before insert on app_public.invoice_line
  for each row execute function app_private.tg_invoice_line__decimals();

-- The generated amounts, again with the line's decimals (PostgreSQL 15 cannot change a generated
-- column's expression in place; lines from before have 2, so every stored amount stays the same).
alter table app_public.invoice_line drop constraint invoice_line_check;
alter table app_public.invoice_line
  drop column line_total,
  drop column line_tax,
  drop column line_subtotal;
alter table app_public.invoice_line
  add column line_subtotal numeric(16,3) generated always as (round(quantity * unit_price, decimals)) stored,
  add column line_tax numeric(16,3) generated always as (round((round(quantity * unit_price, decimals) - discount) * tax_rate, decimals)) stored,
  add column line_total numeric(16,3) generated always as (
    round(quantity * unit_price, decimals) - discount + round((round(quantity * unit_price, decimals) - discount) * tax_rate, decimals)) stored;
comment on column app_public.invoice_line.line_subtotal is 'quantity × unit_price, rounded to the currency''s decimals.';
comment on column app_public.invoice_line.line_tax is '(line_subtotal - discount) × tax_rate, rounded to the currency''s decimals.';
comment on column app_public.invoice_line.line_total is 'line_subtotal - discount + line_tax.';
alter table app_public.invoice_line add constraint invoice_line_check check (discount <= round(quantity * unit_price, decimals));
-- NOT VALID: a line written before may hold a finer discount; new and changed lines may not
alter table app_public.invoice_line add constraint invoice_line_discount_decimals_check check (discount = round(discount, decimals)) not valid;
comment on column app_public.invoice_line.discount is 'Discount on the line, in the currency''s decimals, at most quantity × unit price.';
