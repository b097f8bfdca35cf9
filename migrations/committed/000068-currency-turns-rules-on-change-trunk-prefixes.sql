--! Previous: sha1:cb6a335c16088d5124d2834efddc5db38e3656da
--! Hash: sha1:604b61cecc2bfec35d555a23eaa0b5078eb62c02
--! Message: Review of 000066 and 000067

-- Review of 000066 and 000067.

-- A currency change and a new invoice take turns: an invoice made while a change was not yet
-- committed kept the old currency (its trigger read the clinic without waiting), and the change,
-- seeing no invoice yet, went through: shillings and dollars again. Each new invoice takes a shared
-- lock of the clinic's currency, a change takes it alone and only then looks for invoices.
create or replace function app_private.tg_invoice__defaults() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- shared with other new invoices; a change of the clinic's currency takes it alone (tg_clinic__currency_kept)
  perform pg_advisory_xact_lock_shared(hashtextextended('currency:' || new.clinic_id, 0));
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
create or replace function app_private.tg_clinic__currency_kept() returns trigger language plpgsql as $$
begin
  perform pg_advisory_xact_lock(hashtextextended('currency:' || new.id, 0));
  -- read after the lock: an invoice made meanwhile has committed (the manager who changes it sees invoices)
  if exists (select from app_public.invoice i where i.clinic_id = new.id) then
    raise exception 'The currency cannot change once the clinic has invoices: its totals would add % to %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_clinic__currency_kept() is 'Trigger: refuses a change of currency once the clinic has invoices (INVALID_INPUT); waits for invoices being made (a lock new invoices share).';

-- Rules added to rows that exist are checked when their value changes, not by NOT VALID constraints:
-- PostgreSQL checks those on every update of the row, so a clinic whose prefixes clash could change
-- none of its settings, and a visit booked in the year 9999 could not be cancelled.
create or replace function app_hidden.code_prefixes_are_valid(prefixes jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $_$
  select jsonb_typeof(prefixes) = 'object'
    and not exists (
      select 1 from jsonb_each(prefixes) p
      where p.key not in ('PAT', 'SRV', 'VIS', 'INV', 'PAY', 'REF')
         or jsonb_typeof(p.value) <> 'string'
         or p.value #>> '{}' !~ '^[A-Za-z0-9]{1,8}$');
$_$;
comment on function app_hidden.code_prefixes_are_valid(jsonb) is 'Whether a clinic''s code prefix overrides name known prefixes (PAT, SRV, VIS, INV, PAY, REF) and replace each with 1 to 8 letters or digits.';

create or replace function app_private.tg_clinic__code_prefixes_distinct() returns trigger language plpgsql as $$
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
  return new;
end;
$$;
comment on function app_private.tg_clinic__code_prefixes_distinct() is 'Trigger: every kind of code keeps a prefix no other kind has, its own default included (INVALID_INPUT); checked when the prefixes change.';
drop trigger if exists _160_code_prefixes_distinct on app_public.clinic;
create trigger _160_code_prefixes_distinct before insert or update of code_prefixes on app_public.clinic
  for each row execute function app_private.tg_clinic__code_prefixes_distinct();

alter table app_public.visit drop constraint if exists visit_scheduled_at_in_range;
create or replace function app_private.tg_visit__booked_in_range() returns trigger language plpgsql as $$
begin
  -- infinity is left to visit_scheduled_at_is_finite's message
  if isfinite(new.scheduled_at) and (new.scheduled_at < '1900-01-01 00:00+00' or new.scheduled_at >= '2200-01-01 00:00+00') then
    raise exception 'A visit is booked from 1900 to 2199.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__booked_in_range() is 'Trigger: a visit is booked from 1900 to 2199 (INVALID_INPUT): 9999-12-31 23:59 UTC came back as the year 10000 in the clinic''s time zone, not an RFC 3339 time.';
drop trigger if exists _160_booked_in_range on app_public.visit;
create trigger _160_booked_in_range before insert or update of scheduled_at on app_public.visit
  for each row when (new.scheduled_at is not null) execute function app_private.tg_visit__booked_in_range();

-- National numbers of +1 and +7 are typed with their own trunk prefix: "1 212 555 0100" in New York,
-- "8 495 123-45-67" in Moscow (made +784951234567 before 000066, refused since).
create or replace function app_public.normalize_phone(raw text, default_calling_code app_public.calling_code DEFAULT NULL::text) RETURNS app_public.e164_phone
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
declare
  v_text text := btrim(raw);
  v_digits text;
begin
  if v_text is null or v_text = '' then
    raise exception 'A phone number is required.' using errcode = 'CINPH';
  end if;
  -- Separators people type: spaces, dashes, dots, slashes and brackets.
  v_digits := regexp_replace(v_text, '[[:space:]()./-]', '', 'g');
  if length(v_text) > 32 or v_digits !~ '^\+?[0-9]+$' then
    raise exception 'This is not a phone number: use digits, spaces, dashes or brackets, optionally starting with + or 00.'
      using errcode = 'CINPH';
  end if;

  if v_digits like '+%' or v_digits like '00%' then
    -- International form; "(0)" is the national trunk prefix some people add.
    v_digits := regexp_replace(replace(v_text, '(0)', ''), '[^0-9]', '', 'g');
    if v_digits like '00%' and v_text !~ '^[[:space:](]*\+' then
      v_digits := substr(v_digits, 3);
    end if;
  else
    if default_calling_code is null then
      raise exception 'This phone number has no country code: start it with + and the country code.'
        using errcode = 'CINPH';
    end if;
    -- National form: drop the trunk prefix (1 in North America and 8 in Russia and Kazakhstan before
    -- their 10 digits, 0 elsewhere) and add the country code.
    v_digits := default_calling_code || case
      when default_calling_code = '1' and v_digits ~ '^1[0-9]{10}$' then substr(v_digits, 2)
      when default_calling_code = '7' and v_digits ~ '^8[0-9]{10}$' then substr(v_digits, 2)
      else regexp_replace(v_digits, '^0', '')
    end;
  end if;

  if v_digits !~ '^[1-9][0-9]{6,14}$' then
    raise exception 'This is not a phone number: it must have 7 to 15 digits including the country code.'
      using errcode = 'CINPH';
  end if;
  -- The two one-digit country codes number every phone with 10 digits after them: 1 (North America,
  -- area code and exchange never starting with 0 or 1) and 7 (Russia, Kazakhstan).
  if v_digits ~ '^1' and v_digits !~ '^1[2-9][0-9]{2}[2-9][0-9]{6}$' then
    raise exception 'This is not a phone number: a number of country code +1 has 10 digits after it, the first and the fourth from 2 to 9.'
      using errcode = 'CINPH';
  end if;
  if v_digits ~ '^7' and v_digits !~ '^7[0-9]{10}$' then
    raise exception 'This is not a phone number: a number of country code +7 has 10 digits after it.'
      using errcode = 'CINPH';
  end if;
  return '+' || v_digits;
end;
$_$;
comment on function app_public.normalize_phone(text, app_public.calling_code) is 'Turns a phone number as typed ("0712 345-678", "(+255) 712 345 678", "00255712345678", "8 495 123-45-67" with calling code 7) into E.164, using `default_calling_code` for national numbers (their trunk prefix dropped: 0, or 1 and 8 for the codes 1 and 7); 7 to 15 digits with the country code, exactly 10 after +1 or +7; raises INVALID_PHONE for anything that is not a phone number.';

-- Phones kept before 000066 that it no longer accepts: their people cannot log in with them (the phone
-- typed at login is normalised first), nor be found by them. Counted for the operator.
do $$
declare
  v_users int := (select count(*) from app_public."user" u where u.phone ~ '^\+(1|7)' and u.phone !~ '^\+(1[2-9][0-9]{2}[2-9][0-9]{6}|7[0-9]{10})$');
  v_patients int := (select count(*) from app_public.patient p where p.phone ~ '^\+(1|7)' and p.phone !~ '^\+(1[2-9][0-9]{2}[2-9][0-9]{6}|7[0-9]{10})$');
begin
  if v_users + v_patients > 0 then
    raise warning '% users and % patients have a +1 or +7 phone that is not 10 digits after the code: correct them (docs/operations.md)', v_users, v_patients;
  end if;
end;
$$;

-- A payment's time may be up to 5 minutes before its invoice was made, as it may be 5 minutes ahead:
-- the clocks of a till and of the database are not the same.
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
          coalesce(record_payment.received_at, now()), app_public.current_user_id())
  returning * into v_payment;
  return v_payment;
end;
$$;
comment on function app_public.record_payment(uuid, numeric, app_public.payment_method, text, text, timestamptz) is 'Takes a payment against an issued invoice: never more than its balance (OVERPAYMENT, with the balance in the error''s extensions.balance); with an idempotency key, a retry returns the first payment instead of charging again; refused on a closed day (DAY_CLOSED). receivedAt defaults to now, and is neither more than 5 minutes ahead nor more than 5 minutes before the invoice was made (INVALID_INPUT). Owners, admins and cashiers.';

-- A tax rate has at most 6 decimals as written: 0.18 followed by 5,000 zeros passed
-- round(tax_rate, 6) = tax_rate and came back 5,004 characters long.
alter table app_public.clinic drop constraint if exists clinic_tax_rate_check,
  add constraint clinic_tax_rate_check check (tax_rate >= 0 and tax_rate < 1 and scale(tax_rate) <= 6);
alter table app_public.invoice drop constraint if exists invoice_tax_rate_check,
  add constraint invoice_tax_rate_check check (tax_rate >= 0 and tax_rate < 1 and scale(tax_rate) <= 6);
alter table app_public.invoice_line drop constraint if exists invoice_line_tax_rate_check,
  add constraint invoice_line_tax_rate_check check (tax_rate >= 0 and tax_rate < 1 and scale(tax_rate) <= 6);
