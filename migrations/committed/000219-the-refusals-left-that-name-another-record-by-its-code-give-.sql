--! Previous: sha1:bc81f9a861b93d40128075778ad1b8e155e1fe1e
--! Hash: sha1:66d6151da2b35f22a205b8e2c69267be5a7e6429
--! Message: The refusals left that name another record by its code give its id: visitId of a line billing a visit's service, serviceId of a currency the catalog's prices do not fit

-- The two refusals left that name another record by its code give its id too, as 000213's do: a
-- line that bills a visit's service changed (the visit, visitId) and a currency change the catalog's
-- prices do not fit (the service, serviceId). The functions are restated whole; only their reads of
-- the id, their raise statements and comments changed.

create or replace function app_private.tg_invoice_line__bills_the_visit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_visit_code text;
  v_visit_id uuid;
begin
  if (new.service_id, new.quantity, new.unit_price, new.discount) is not distinct from (old.service_id, old.quantity, old.unit_price, old.discount) then
    return new;
  end if;
  select v.code, v.id into v_visit_code, v_visit_id from app_public.visit_service s
  join app_public.visit v on v.clinic_id = s.clinic_id and v.id = s.visit_id
  where s.clinic_id = old.clinic_id and s.id = old.visit_service_id;
  raise exception 'This line bills a service of %: its quantity, price and discount are the visit''s (change them on the visit, or take the line off and type one by hand).',
    coalesce(v_visit_code, 'a visit')
    using errcode = 'CINVL', detail = json_build_object('visitId', v_visit_id)::text;
end;
$$;

COMMENT ON FUNCTION app_private.tg_invoice_line__bills_the_visit() IS 'Trigger: refuses (INVALID_INPUT, naming the visit, its id in the error''s DETAIL, extensions.visitId, when the caller sees it) to change the service, quantity, unit price or discount of a line that bills a visit''s service: they are the visit''s, so the invoice bills the visit''s value.';

create or replace function app_private.tg_clinic__currency_kept() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $$
declare
  v_code text;
  v_id uuid;
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
  select s.code, s.id, s.price, s.deleted_at is not null into v_code, v_id, v_price, v_deleted from app_public.service s
  where s.clinic_id = new.id and s.price <> round(s.price, app_public.currency_decimals(new.currency))
  order by s.deleted_at is not null, s.code limit 1;
  if found then
    raise exception 'The price of % (%) has more decimals than % has (%): change it first%.', v_code, trim_scale(v_price), new.currency,
      app_public.currency_decimals(new.currency), case when v_deleted then ' (a deleted service: restore it, change its price, delete it again)' else '' end
      using errcode = 'CINVL', detail = json_build_object('serviceId', v_id)::text;
  end if;
  return new;
end;
$$;

COMMENT ON FUNCTION app_private.tg_clinic__currency_kept() IS 'Trigger: refuses a change of currency once the clinic has invoices, services on visits or a counted day, or to a currency its catalog''s prices (deleted services'' too: a restore brings them back) have too many decimals for (INVALID_INPUT, naming the service, its id in the error''s DETAIL, extensions.serviceId); waits for what is being written in the currency (its lock, which new invoices and check_in_clinic_currency share).';
