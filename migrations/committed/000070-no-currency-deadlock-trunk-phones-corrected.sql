--! Previous: sha1:23e5a2ae5d195ffe396dc511dcdc719b791862a3
--! Hash: sha1:da3d445567f0ec4e689b0e21e618d02ae6edbd18
--! Message: Review of 000068 and 000069

-- From a review of 000068 and 000069.

-- Phones saved before 000066 with their national trunk prefix kept after the code ("8 495 123-45-67"
-- at a clinic of calling code 7 made +784951234567, "1 212 555 0100" at one of 1 made +112125550100)
-- are what their people typed: corrected first, before this migration's locks. A row that cannot take
-- the corrected phone (another account has it, or the row breaks a newer rule) is left and counted.
create or replace function app_private.trunk_phone_corrected(phone text) returns text
  language sql immutable strict parallel safe
as $$
  -- +7 8 and ten digits; +1 1 and a whole North American number (area code and exchange from 2 to 9)
  select substr(phone, 1, 2) || substr(phone, 4)
  where phone ~ '^\+78[0-9]{10}$' or phone ~ '^\+11[2-9][0-9]{2}[2-9][0-9]{6}$';
$$;
comment on function app_private.trunk_phone_corrected(text) is 'The phone without the national trunk prefix saved after its code before 000066 (+784951234567 → +74951234567, +112125550100 → +12125550100), or null when it has none.';

create or replace function app_private.correct_trunk_phones() returns integer
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_row record;
  v_left integer := 0;
begin
  for v_row in
    select 'user' as kind, u.id from app_public."user" u where app_private.trunk_phone_corrected(u.phone) is not null
    union all select 'patient', p.id from app_public.patient p where app_private.trunk_phone_corrected(p.phone) is not null
    union all select 'clinic', c.id from app_public.clinic c where app_private.trunk_phone_corrected(c.phone) is not null
  loop
    begin
      case v_row.kind
        when 'user' then update app_public."user" u set phone = app_private.trunk_phone_corrected(u.phone) where u.id = v_row.id;
        when 'patient' then update app_public.patient p set phone = app_private.trunk_phone_corrected(p.phone) where p.id = v_row.id;
        else update app_public.clinic c set phone = app_private.trunk_phone_corrected(c.phone) where c.id = v_row.id;
      end case;
    exception when others then
      v_left := v_left + 1;
    end;
  end loop;
  return v_left;
end;
$$;
comment on function app_private.correct_trunk_phones() is 'Corrects the users'', patients'' and clinics'' phones saved with their national trunk prefix after the code (trunk_phone_corrected), each change audited; answers how many such phones were left (another account has the corrected phone, or the row breaks a newer rule). Run by 000070; an operator may run it again.';
revoke all on function app_private.correct_trunk_phones() from public;


do $$
declare
  v_left integer := app_private.correct_trunk_phones();
begin
  if v_left > 0 then
    raise warning '% phones saved with their trunk prefix after the code could not be corrected (another account has the corrected phone, or the row breaks a newer rule): docs/operations.md', v_left;
  end if;
end;
$$;

-- A new invoice takes its turn with a change of currency before its number is allocated: taken after
-- (in the defaults trigger), it waited for a change whose own invoice waited for its number's
-- counter row: a deadlock, when a transaction changed the currency and then made an invoice.
create or replace function app_private.tg_invoice__currency_turn() returns trigger language plpgsql as $$
begin
  -- shared with other new invoices; a change of the clinic's currency takes it alone (tg_clinic__currency_kept)
  perform pg_advisory_xact_lock_shared(hashtextextended('currency:' || new.clinic_id, 0));
  return new;
end;
$$;
comment on function app_private.tg_invoice__currency_turn() is 'Trigger: a new invoice waits for a change of its clinic''s currency in flight (and holds one off), before anything else about it is decided.';
drop trigger if exists _050_currency_turn on app_public.invoice;
create trigger _050_currency_turn before insert on app_public.invoice
  for each row execute function app_private.tg_invoice__currency_turn();
create or replace function app_private.tg_invoice__defaults() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  select c.currency, c.tax_rate into new.currency, new.tax_rate from app_public.clinic c where c.id = new.clinic_id;
  new.status := 'draft';
  new.amount_paid := 0;
  if new.visit_id is not null then
    select v.patient_id, v.doctor_id into new.patient_id, new.doctor_id
    from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id;
  end if;
  return new;
end;
$$;

-- A visit booked outside the range before 000066 is cancelled even when the update names its time
-- unchanged (a frontend sending the whole form): the trigger fired on the column being named.
create or replace function app_private.tg_visit__booked_in_range() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if tg_op = 'UPDATE' and new.scheduled_at is not distinct from old.scheduled_at then
    return new; -- named in the update (a whole form sent back), not changed
  end if;
  -- infinity is left to visit_scheduled_at_is_finite's message
  if isfinite(new.scheduled_at) and (new.scheduled_at < '2000-01-01 00:00+00' or new.scheduled_at >= '2200-01-01 00:00+00') then
    raise exception 'A visit is booked from 2000 to 2199.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;

-- Prefixes that are not prefixes ("%", "P_T") are told so by their check, before anything is looked up.
create or replace function app_private.tg_clinic__code_prefixes_distinct() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_kind text;
  v_prefix text;
  v_others text[];
begin
  if tg_op = 'UPDATE' and new.code_prefixes is not distinct from old.code_prefixes
     or not app_hidden.code_prefixes_are_valid(new.code_prefixes) then
    return new; -- unchanged, or told what a prefix is by code_prefixes_are_valid ("%" was told it was on codes of another kind)
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

-- A payment dated within the 5 minutes before its invoice was made is received when the invoice was
-- made: an invoice of 00:02 took a payment of 23:58, on the day before the invoice existed.
create or replace function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text DEFAULT NULL::text, idempotency_key text DEFAULT NULL::text, received_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS app_public.payment
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_invoice app_public.invoice;
  v_payment app_public.payment;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can take payments.' using errcode = 'CFORB';
  end if;
  if amount is null or amount <= 0 or amount = 'NaN' or amount = 'Infinity' then
    raise exception 'A payment must be a number more than zero.' using errcode = 'CINVL';
  end if;
  if method is null then
    raise exception 'A payment method is required.' using errcode = 'CINVL';
  end if;
  if record_payment.received_at > now() + interval '5 minutes' then
    raise exception 'A payment cannot be received in the future.' using errcode = 'CINVL';
  end if;

  -- The invoice's row lock orders concurrent payments: each sees the balance the previous left.
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = v_clinic and i.id = record_payment.invoice_id for update;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;

  if idempotency_key is not null then
    select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.idempotency_key = record_payment.idempotency_key;
    if v_payment.id is not null then
      if (v_payment.invoice_id, v_payment.amount, v_payment.method) is distinct from (v_invoice.id, record_payment.amount, record_payment.method) then
        raise exception 'This idempotency key was already used for a different payment.' using errcode = 'CCONF';
      end if;
      return v_payment; -- a retry: the same payment, charged once
    end if;
  end if;

  if v_invoice.status = 'draft' then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  elsif v_invoice.status = 'void' then
    raise exception 'A void invoice cannot be paid.' using errcode = 'CINVL';
  end if;
  -- now() when not given; a payment is not backdated past its invoice (to a day before the clinic opened, say,
  -- which no one closes, the drawer's cash kept out of today's count), with the future's 5 minutes of clocks apart
  if record_payment.received_at < v_invoice.created_at - interval '5 minutes' then
    raise exception 'A payment cannot be received before its invoice was made (%).', to_char(v_invoice.created_at, 'YYYY-MM-DD HH24:MI')
      using errcode = 'CINVL';
  end if;
  if amount > v_invoice.balance then
    -- the balance as data too (extensions.balance), in the API's money form: the text of numeric(16,3)
    raise exception 'This payment of % is more than the balance of %.', amount, v_invoice.balance
      using errcode = 'COVPY', detail = json_build_object('balance', v_invoice.balance::numeric(16,3)::text)::text;
  end if;

  insert into app_public.payment (clinic_id, invoice_id, amount, method, reference, idempotency_key, received_at, received_by)
  values (v_clinic, v_invoice.id, amount, method, nullif(btrim(reference), ''), idempotency_key,
          -- within the 5 minutes before its invoice was made: at that time, on the invoice's business day
          greatest(coalesce(record_payment.received_at, now()), v_invoice.created_at), app_public.current_user_id())
  returning * into v_payment;
  return v_payment;
end;
$$;

comment on function app_hidden.phone_search_term(text, app_public.calling_code) is 'A patient search typed as a phone, or part of one, in the E.164 form phones are kept in, without separators (0712 345 678 → +255712345678 with calling code 255; 00255 712 → +255712; +255 (0) 713 → +255713, the (0) trunk prefix dropped as normalize_phone drops it; a whole national number of +1 or +7 with its trunk 1 or 8, 8 (495) 765-43-21 → +74957654321 with calling code 7; 345-678 → 345678); null when the query is not phone-like (it has letters, or no digit) or has fewer than 2 digits after its 00, + or trunk 0 (00, 0-, +2: every phone would match).';
