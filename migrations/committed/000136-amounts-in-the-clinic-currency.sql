--! Previous: sha1:4c4a895bad43a6d3b165645538db522c6ce3790d
--! Hash: sha1:28579feb56e009e15d1fd12b3f8efdef6daa8739
--! Message: amounts in the clinic currency

-- A clinic's amounts are in its currency: a service's price, a visit's discount and a day's counts
-- have no more decimals than the currency has (a half-yen discount made one visit worth 2330.500 on
-- the visit, 2331 on the dashboard and 2330 on its invoice), and the currency no longer changes once
-- the clinic has charged for a visit or counted its cash (15,000 yen counted read as 15,000 dinars,
-- a visit priced in dinars was billed in yen), nor to one its catalog's prices do not fit. Each
-- check takes the currency's lock shared, as a new invoice does: a change of the currency under way
-- finishes first, and one that comes after sees what was written.

create or replace function app_private.check_in_clinic_currency(clinic_id uuid, what text, variadic amounts numeric[]) returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_currency text;
begin
  perform app_private.lock_clinic_setting(check_in_clinic_currency.clinic_id, 'currency', false);
  select c.currency into v_currency from app_public.clinic c where c.id = check_in_clinic_currency.clinic_id;
  if exists (select from unnest(amounts) a where a <> round(a, app_public.currency_decimals(v_currency))) then
    raise exception '% has no more decimals than the clinic''s currency (%: %).', what, v_currency, app_public.currency_decimals(v_currency)
      using errcode = 'CINVL';
  end if;
end;
$$;
comment on function app_private.check_in_clinic_currency(uuid, text, numeric[]) is 'INVALID_INPUT "<what> has no more decimals than the clinic''s currency" unless every amount fits the clinic''s currency, read under the currency''s lock (shared: a change of it under way finishes first, and one that comes after sees this amount written). Take it before any audited write of the transaction (lock_clinic_setting).';

create or replace function app_private.tg__amounts_in_currency() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  -- an update is judged on the amounts it changes: a form that sends an older, finer price back as it was saves the rest
  v_amounts numeric[] := array(select (to_jsonb(new) ->> c)::numeric from unnest(tg_argv[1:]) c
                               where tg_op = 'INSERT' or (to_jsonb(new) -> c) is distinct from (to_jsonb(old) -> c));
begin
  if cardinality(v_amounts) > 0 then
    perform app_private.check_in_clinic_currency(new.clinic_id, tg_argv[0], variadic v_amounts);
  end if;
  return new;
end;
$$;
comment on function app_private.tg__amounts_in_currency() is 'BEFORE INSERT or UPDATE trigger: the row''s amounts, the columns named after the first argument, fit the clinic''s currency (check_in_clinic_currency), the first argument naming them in the refusal ("A price"); an update''s, those it changes.';

drop trigger if exists _150_price_in_currency on app_public.service;
create trigger _150_price_in_currency before insert or update of price on app_public.service
  for each row execute function app_private.tg__amounts_in_currency('A price', 'price');
comment on trigger _150_price_in_currency on app_public.service is 'A price in the decimals of the clinic''s currency (tg__amounts_in_currency).';

-- as the price it comes off: the visit's value is then the one its invoice bills
drop trigger if exists _095_discount_in_currency on app_public.visit_service;
create trigger _095_discount_in_currency before insert or update of discount on app_public.visit_service
  for each row execute function app_private.tg__amounts_in_currency('A discount', 'discount');
comment on trigger _095_discount_in_currency on app_public.visit_service is 'A discount in the decimals of the clinic''s currency (tg__amounts_in_currency).';

-- closeDay checks them first against the currency it read; this, as it is once a change of it under way is done
drop trigger if exists _150_counts_in_currency on app_public.daily_reconciliation;
create trigger _150_counts_in_currency
  before insert or update of counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance on app_public.daily_reconciliation
  for each row execute function app_private.tg__amounts_in_currency('A counted amount',
    'counted_cash', 'counted_card', 'counted_bank_transfer', 'counted_mobile_money', 'counted_insurance');
comment on trigger _150_counts_in_currency on app_public.daily_reconciliation is 'Counts in the decimals of the clinic''s currency (tg__amounts_in_currency).';

create or replace function app_private.tg_clinic__currency_kept() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'on'
as $$
declare
  v_code text;
  v_price numeric;
  v_deleted boolean;
begin
  if not app_public.is_valid_currency(new.currency) then
    return new; -- told so by clinic_currency_check ("Unknown currency"), not that it would be added to the old one
  end if;
  perform app_private.lock_clinic_setting(new.id, 'currency', true);
  -- read after the lock: an invoice, a visit's service or a count made meanwhile has committed (the manager who changes it sees them all)
  if exists (select from app_public.invoice i where i.clinic_id = new.id) then
    raise exception 'The currency cannot change once the clinic has invoices: its totals would add % to %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  if exists (select from app_public.visit_service s where s.clinic_id = new.id) then
    raise exception 'The currency cannot change once the clinic has charged for visits: their values in % would read as %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  if exists (select from app_public.daily_reconciliation d where d.clinic_id = new.id and d.counted_total is not null) then
    raise exception 'The currency cannot change once the clinic has counted its cash: its counts in % would read as %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  -- deleted services too: a restore brings a service back with its price
  select s.code, s.price, s.deleted_at is not null into v_code, v_price, v_deleted from app_public.service s
  where s.clinic_id = new.id and s.price <> round(s.price, app_public.currency_decimals(new.currency))
  order by s.deleted_at is not null, s.code limit 1;
  if found then
    raise exception 'The price of % (%) has more decimals than % has (%): change it first%.', v_code, trim_scale(v_price), new.currency,
      app_public.currency_decimals(new.currency), case when v_deleted then ' (a deleted service: restore it, change its price, delete it again)' else '' end
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_clinic__currency_kept() is 'Trigger: refuses a change of currency once the clinic has invoices, services on visits or a counted day, or to a currency its catalog''s prices (deleted services'' too: a restore brings them back) have too many decimals for (INVALID_INPUT); waits for what is being written in the currency (its lock, which new invoices and check_in_clinic_currency share).';
