--! Previous: sha1:51c8fef4899d828dabca1cc3e3cc146507127867
--! Hash: sha1:9185d59949be29aba5dc0367ae3cc42129cc2675
--! Message: code prefixes are short codes; a NaN payment or refund is invalid input

--! split: 360-code-prefixes-are-short-codes
-- A clinic's prefix overrides become part of every code, of file names and of
-- the download's Content-Disposition header: letters and digits only, 1 to 8
-- of them, for the prefixes ClinicOps hands out.
create or replace function app_hidden.code_prefixes_are_valid(prefixes jsonb) returns boolean
language sql immutable
as $$
  select jsonb_typeof(prefixes) = 'object'
    and not exists (
      select 1 from jsonb_each(prefixes) p
      where p.key not in ('PAT', 'SRV', 'VIS', 'INV', 'PAY', 'REF')
         or jsonb_typeof(p.value) <> 'string'
         or p.value #>> '{}' !~ '^[A-Za-z0-9]{1,8}$');
$$;
comment on function app_hidden.code_prefixes_are_valid(jsonb) is 'Whether a clinic''s code prefix overrides name known prefixes (PAT, SRV, VIS, INV, PAY, REF) and replace each with 1 to 8 letters or digits.';
-- NOT VALID: a clinic whose prefixes were accepted before keeps them (its codes
-- do not change under it); any change to its settings must bring them in line.
alter table app_public.clinic add constraint code_prefixes_are_valid check (app_hidden.code_prefixes_are_valid(code_prefixes)) not valid;

--! split: 370-a-nan-payment-or-refund-is-invalid-input
-- numeric NaN is neither <= 0 nor a number: a NaN payment or refund went on
-- to its balance check and was refused as OVERPAYMENT or REFUND_EXCEEDS_PAYMENT.
-- It is INVALID_INPUT, like zero or a negative amount.
create or replace function app_public.record_payment(
  invoice_id uuid, amount numeric, method app_public.payment_method,
  reference text default null, idempotency_key text default null, received_at timestamptz default null
) returns app_public.payment
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_invoice app_public.invoice;
  v_payment app_public.payment;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can take payments.' using errcode = 'CFORB';
  end if;
  if amount is null or amount <= 0 or amount = 'NaN' then
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
  if amount > v_invoice.balance then
    raise exception 'This payment of % is more than the balance of %.', amount, v_invoice.balance using errcode = 'COVPY';
  end if;

  insert into app_public.payment (clinic_id, invoice_id, amount, method, reference, idempotency_key, received_at, received_by)
  values (v_clinic, v_invoice.id, amount, method, nullif(btrim(reference), ''), idempotency_key,
          coalesce(record_payment.received_at, now()), app_public.current_user_id())
  returning * into v_payment;
  return v_payment;
end;
$$;

create or replace function app_public.refund_payment(payment_id uuid, amount numeric, reason text) returns app_public.refund
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_payment app_public.payment;
  v_refund app_public.refund;
  v_left numeric;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can refund.' using errcode = 'CFORB';
  end if;
  if amount is null or amount <= 0 or amount = 'NaN' then
    raise exception 'A refund must be a number more than zero.' using errcode = 'CINVL';
  end if;
  if nullif(btrim(reason), '') is null then
    raise exception 'A reason is required to refund.' using errcode = 'CINVL';
  end if;
  select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.id = refund_payment.payment_id for update;
  if v_payment.id is null then
    raise exception 'No such payment in this clinic.' using errcode = 'CNOTF';
  end if;
  -- The payment's row lock (above) orders concurrent refunds of it.
  v_left := v_payment.amount - app_public.payment_refunded_amount(v_payment);
  if amount > v_left then
    raise exception 'A refund of % is more than the % left of this payment.', amount, v_left using errcode = 'CRFND';
  end if;
  perform 1 from app_public.invoice i where i.clinic_id = v_clinic and i.id = v_payment.invoice_id for update;
  insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason, refunded_by)
  values (v_clinic, v_payment.id, v_payment.invoice_id, amount, v_payment.method, btrim(reason), app_public.current_user_id())
  returning * into v_refund;
  return v_refund;
end;
$$;
