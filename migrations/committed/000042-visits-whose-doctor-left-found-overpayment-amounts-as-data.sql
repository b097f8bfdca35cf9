--! Previous: sha1:94aec40dc7535c0b7306f5d3d9a21d50beca9660
--! Hash: sha1:deb5ecdd7a83f0efd2d76dbee993ea95b508e136
--! Message: visits whose doctor left found; overpayment amounts as data

--------------------------------------------------------------------------------
-- Visits whose doctor no longer practises in the clinic: removed (membership soft-deleted),
-- suspended (is_active false) or moved to another role. Their visits keep doctor_id (history, and
-- the trigger _150_check_doctor only checks a doctor when one is set), so the front desk finds the
-- ones still to come with `visits(filter: { doctorIsAvailable: { equalTo: false }, status: … })`
-- and hands them to another doctor (updateVisit with doctorId).
--
-- Security invoker: the membership it reads passes through RLS, so it answers only for the
-- session's clinic (a visitor sees no other clinic's visits nor their doctors' memberships; a
-- deleted membership is invisible, hence false). Not inlined (its `exists` is a subquery): one lookup
-- by membership_pkey per visit the other filters leave, and only when the field is selected or filtered on.

create or replace function app_public.visit_doctor_is_available(v app_public.visit) returns boolean
language sql stable
as $$
  select exists (
    select 1 from app_public.membership m
    where m.clinic_id = v.clinic_id and m.id = v.doctor_id
      and m.role = 'doctor' and m.is_active and m.deleted_at is null
  );
$$;
comment on function app_public.visit_doctor_is_available(app_public.visit) is E'@behavior +filterBy -resource:aggregate\nTrue while the visit''s doctor practises in the clinic: an active, not removed member with the doctor role (as a new booking requires). False once they are removed, suspended or moved to another role: filter the visits still to come on false to give them to another doctor.';

--------------------------------------------------------------------------------
-- OVERPAYMENT and REFUND_EXCEEDS_PAYMENT carry the amount as data: the balance (what a payment may
-- be at most) and what is left of the payment to refund, in the error's DETAIL as JSON built here
-- from the database's own values (never from the caller's input). server/errors.ts reads it for
-- these two SQLSTATEs only, into extensions.balance / extensions.refundable. The functions are as
-- they were (000017) but for that.

create or replace function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text default null, idempotency_key text default null, received_at timestamptz default null) returns app_public.payment
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
    -- what is left as data too (extensions.refundable), in the API's money form: the text of numeric(16,3)
    raise exception 'A refund of % is more than the % left of this payment.', amount, v_left
      using errcode = 'CRFND', detail = json_build_object('refundable', v_left::numeric(16,3)::text)::text;
  end if;
  perform 1 from app_public.invoice i where i.clinic_id = v_clinic and i.id = v_payment.invoice_id for update;
  insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason, refunded_by)
  values (v_clinic, v_payment.id, v_payment.invoice_id, amount, v_payment.method, btrim(reason), app_public.current_user_id())
  returning * into v_refund;
  return v_refund;
end;
$$;
comment on function app_public.record_payment(uuid, numeric, app_public.payment_method, text, text, timestamptz) is 'Takes a payment against an issued invoice: never more than its balance (OVERPAYMENT, with the balance in the error''s extensions.balance); with an idempotency key, a retry returns the first payment instead of charging again; refused on a closed day (DAY_CLOSED). Owners, admins and cashiers.';
comment on function app_public.refund_payment(uuid, numeric, text) is 'Gives money back from a payment (never more than is left of it, REFUND_EXCEEDS_PAYMENT, with what is left in the error''s extensions.refundable), moving the invoice back to partially_paid or issued; refused on a closed day. Owners, admins and cashiers.';
