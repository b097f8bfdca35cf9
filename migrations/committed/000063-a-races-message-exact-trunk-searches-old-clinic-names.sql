--! Previous: sha1:51073a61d4db68729177227d612dfb0d0136e3a3
--! Hash: sha1:db5b0849218a278671832a21a793accbfb99c2b4
--! Message: Review fixes: a race's message, exact trunk searches, old clinic names

-- From a review of 000060 and 000061.
-- * A line added by a receptionist while a cashier issued its invoice waited for the invoice, then
--   found no row it may lock (its policy is for drafts) and named the status read before the wait:
--   "The lines of a draft invoice never change". The guard reads the status again.
-- * A patient search dropped "( 0 )" anywhere, also from a national number ("(0) 71" searched any
--   phone containing 71): it drops "(0)" exactly, from an international number only, as
--   normalize_phone does.
-- * Clinic names saved before 000059 with white space at their ends are trimmed (one of white
--   space alone is named "Unnamed clinic", which the name's check requires).

create or replace function app_private.tg_invoice_line__guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_line app_public.invoice_line := case when tg_op = 'DELETE' then old else new end;
  v_invoice app_public.invoice;
  v_status app_public.invoice_status;
begin
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_line.clinic_id and i.id = v_line.invoice_id;
  if not found then
    raise exception 'No such invoice in your clinic.' using errcode = 'CNOTF';
  end if;
  -- locked until commit, so a line and the invoice's issue take turns; read again once locked
  select i.status into v_status from app_public.invoice i
  where i.clinic_id = v_line.clinic_id and i.id = v_line.invoice_id for update;
  if v_status is null then
    -- not to be locked by this session: no longer a draft (issued while we waited, for one); as it is now
    select i.status into v_status from app_public.invoice i where i.clinic_id = v_line.clinic_id and i.id = v_line.invoice_id;
  end if;
  if v_status is distinct from 'draft' then
    raise exception 'The lines of % invoice never change: void it and issue a new one.',
      case v_status when 'void' then 'a void' when 'issued' then 'an issued' else 'a ' || replace(v_status::text, '_', ' ') end
      using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'UPDATE' and new.invoice_id <> old.invoice_id then
    raise exception 'A line cannot move to another invoice.' using errcode = 'CINVL';
  end if;
  new.tax_rate := coalesce(new.tax_rate, v_invoice.tax_rate);
  if new.service_id is not null and (tg_op = 'INSERT' or new.service_id is distinct from old.service_id) then
    select coalesce(new.description, s.name), coalesce(new.unit_price, s.price) into new.description, new.unit_price
    from app_public.service s where s.clinic_id = new.clinic_id and s.id = new.service_id;
    if not found then
      raise exception 'No such service in this clinic.' using errcode = 'CNOTF';
    end if;
  end if;
  return new;
end;
$$;


create or replace function app_hidden.phone_search_term(query text, calling_code app_public.calling_code) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case
    when t.typed !~ '[0-9]' or t.typed ~ '[^0-9[:space:]()./+-]' then null -- not a phone: names and codes are matched as typed
    when char_length(regexp_replace(n.own, '[^0-9]', '', 'g')) < 2 then null -- no more than a prefix
    else n.prefix || n.own
  end
  -- (0): the trunk prefix some write after the country code, dropped from an international number
  -- exactly as normalize_phone drops it
  from (select btrim(query) as typed, regexp_replace(case when btrim(query) ~ '^[[:space:](]*(\+|00)' then replace(btrim(query), '(0)', '') else btrim(query) end, '[[:space:]()./-]', '', 'g') as digits) t
  cross join lateral (
    select
      case
        when t.digits like '00%' then '+' -- international, 00 for +
        when t.digits like '0%' and calling_code is not null then '+' || calling_code -- national: trunk 0 for the country
        else ''
      end as prefix,
      case
        when t.digits like '00%' then substr(t.digits, 3)
        when t.digits like '0%' then substr(t.digits, 2)
        else t.digits
      end as own
  ) n;
$$;


update app_public.clinic set name = coalesce(nullif(regexp_replace(name, '^\s+|\s+$', '', 'g'), ''), 'Unnamed clinic')
where name ~ '^\s|\s$';
