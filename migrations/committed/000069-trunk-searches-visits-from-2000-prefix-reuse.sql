--! Previous: sha1:604b61cecc2bfec35d555a23eaa0b5078eb62c02
--! Hash: sha1:23e5a2ae5d195ffe396dc511dcdc719b791862a3
--! Message: Exploratory test of 000066-000068

-- From an exploratory test of 000066-000068.

-- A whole national number of +7 typed with its trunk 8 ("8 (495) 765-43-21"), as registration takes
-- it since 000068, finds its patient; +1's trunk 1 alike (found before only because "1212…" is in
-- "+1212…"). A part of one ("8 495 765") is still matched as typed: 8 also begins Russian area codes.
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
        when n11.trunk then '+' || calling_code -- a whole national number of +1 or +7 with its trunk 1 or 8
        when t.digits like '0%' and calling_code is not null then '+' || calling_code -- national: trunk 0 for the country
        else ''
      end as prefix,
      case
        when t.digits like '00%' then substr(t.digits, 3)
        when n11.trunk or t.digits like '0%' then substr(t.digits, 2)
        else t.digits
      end as own
    from (select (calling_code = '1' and t.digits ~ '^1[0-9]{10}$') or (calling_code = '7' and t.digits ~ '^8[0-9]{10}$') as trunk) n11
  ) n;
$$;

-- Visits are booked from 2000: before time zones kept whole minutes (Dar es Salaam's +02:37:08 until
-- 1931, Monrovia's until 1972), a time came back with its offset cut to minutes, 8 seconds off in
-- Dar es Salaam, and a frontend saving it back moved the visit.
create or replace function app_private.tg_visit__booked_in_range() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  -- infinity is left to visit_scheduled_at_is_finite's message
  if isfinite(new.scheduled_at) and (new.scheduled_at < '2000-01-01 00:00+00' or new.scheduled_at >= '2200-01-01 00:00+00') then
    raise exception 'A visit is booked from 2000 to 2199.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__booked_in_range() is 'Trigger: a visit is booked from 2000 to 2199 (INVALID_INPUT): times whose offset in the clinic''s zone had seconds, or whose year had 5 digits, came back as other instants or not as RFC 3339 times.';

-- Which kinds of code of a clinic have codes with this prefix (whatever prefix each kind has now).
create or replace function app_private.kinds_with_codes(clinic_id uuid, prefix text) returns text[]
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'on'
as $$
  select array_remove(array[
    case when exists (select from app_public.patient t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'PAT' end,
    case when exists (select from app_public.service t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'SRV' end,
    case when exists (select from app_public.visit t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'VIS' end,
    case when exists (select from app_public.invoice t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'INV' end,
    case when exists (select from app_public.payment t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'PAY' end,
    case when exists (select from app_public.refund t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'REF' end
  ], null);
$$;
comment on function app_private.kinds_with_codes(uuid, text) is 'The kinds (PAT, SRV, VIS, INV, PAY, REF) of which the clinic has codes beginning with this prefix and a dash, deleted rows included; as seen by the session (its own clinic).';
revoke all on function app_private.kinds_with_codes(uuid, text) from public;

-- A kind's new prefix is not one another kind has codes under: swapping PAT and INV made the next
-- invoice PAT-000011 beside patient PAT-000011 (the prefixes were distinct, the codes were not).
create or replace function app_private.tg_clinic__code_prefixes_distinct() returns trigger
  language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  v_kind text;
  v_prefix text;
  v_others text[];
begin
  if tg_op = 'UPDATE' and new.code_prefixes is not distinct from old.code_prefixes then
    return new;
  end if;
  -- each kind keeps a prefix of its own: {"PAT": "PT", "INV": "PT"} numbered patients and invoices alike
  if (select count(distinct upper(coalesce(new.code_prefixes ->> k, k)))
      from unnest(array['PAT', 'SRV', 'VIS', 'INV', 'PAY', 'REF']) k) < 6 then
    raise exception 'Code prefixes replace PAT, SRV, VIS, INV, PAY or REF, each with 1 to 8 letters or digits that no other kind of code has.'
      using errcode = 'CINVL';
  end if;
  if tg_op = 'UPDATE' then
    for v_kind, v_prefix in
      select k, coalesce(new.code_prefixes ->> k, k) from unnest(array['PAT', 'SRV', 'VIS', 'INV', 'PAY', 'REF']) k
      where upper(coalesce(new.code_prefixes ->> k, k)) <> upper(coalesce(old.code_prefixes ->> k, k))
    loop
      v_others := array_remove(app_private.kinds_with_codes(new.id, v_prefix), v_kind);
      if cardinality(v_others) > 0 then
        raise exception 'The prefix % is already on codes of another kind (%): choose one that no other kind of code has had.', v_prefix, array_to_string(v_others, ', ')
          using errcode = 'CINVL';
      end if;
    end loop;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_clinic__code_prefixes_distinct() is 'Trigger: every kind of code keeps a prefix no other kind has, its own default included, nor has had codes under (INVALID_INPUT); checked when the prefixes change.';

-- A currency that is not one ("kwd") is told so by its check, in a clinic with invoices too (it was
-- told its totals would add KWD to kwd).
create or replace function app_private.tg_clinic__currency_kept() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if not app_public.is_valid_currency(new.currency) then
    return new; -- told so by clinic_currency_check ("Unknown currency"), not that it would be added to the old one
  end if;
  perform pg_advisory_xact_lock(hashtextextended('currency:' || new.id, 0));
  -- read after the lock: an invoice made meanwhile has committed (the manager who changes it sees invoices)
  if exists (select from app_public.invoice i where i.clinic_id = new.id) then
    raise exception 'The currency cannot change once the clinic has invoices: its totals would add % to %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
