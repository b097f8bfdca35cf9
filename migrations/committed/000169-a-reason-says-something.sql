--! Previous: sha1:d7863ad68b785f1cd54a25cb7863d5836a8b28df
--! Hash: sha1:c0f5d1aa48370f84e75ef3460065b06ee19342bf
--! Message: a reason says something

-- A reason says something.
--
-- A refund, a void and a reopened day need a reason, and the check read it through btrim, which
-- strips spaces alone: a reason of a tab and a line break, or of no-break and ideographic spaces,
-- was taken, and the refund recorded with a reason that said nothing (a fuzzer of the API). A reason
-- with nothing visible in it, as a name is read (name_as_meant: white space of any kind, control
-- characters, joiners, fillers), is no reason; one that says something is kept as a visit's cancel
-- reason is, through text_or_null: without the white space around it.

create or replace function app_public.void_invoice(invoice_id uuid, reason text) returns app_public.invoice
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_invoice app_public.invoice;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can void invoices.' using errcode = 'CFORB';
  end if;
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to void an invoice.' using errcode = 'CINVL';
  end if;
  update app_public.invoice i set status = 'void', voided_at = now(), voided_by = app_public.current_user_id(), void_reason = app_hidden.text_or_null(reason)
  where i.clinic_id = app_public.current_clinic_id() and i.id = void_invoice.invoice_id
  returning * into v_invoice;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_invoice;
end;
$$;

create or replace function app_public.reopen_day(business_date date, reason text) returns app_public.daily_reconciliation
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_day app_public.daily_reconciliation;
begin
  if not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner can reopen a closed day.' using errcode = 'CFORB';
  end if;
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to reopen a day.' using errcode = 'CINVL';
  end if;
  update app_public.daily_reconciliation d set status = 'open', reopened_at = now(), reopened_by = app_public.current_user_id(),
    reopen_reason = app_hidden.text_or_null(reason), closed_at = null, closed_by = null
  where d.clinic_id = app_public.current_clinic_id() and d.business_date = reopen_day.business_date and d.status = 'closed'
  returning * into v_day;
  if v_day.id is null then
    raise exception 'No closed day on that date in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_day;
end;
$$;

create or replace function app_public.refund_payment(payment_id uuid, amount numeric, reason text, idempotency_key text default null) RETURNS app_public.refund
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_payment app_public.payment;
  v_refund app_public.refund;
  v_left numeric;
  v_currency text;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can refund.' using errcode = 'CFORB';
  end if;
  perform app_private.check_money_amount(amount, 'refund');
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to refund.' using errcode = 'CINVL';
  end if;
  select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.id = refund_payment.payment_id for update;
  if v_payment.id is null then
    raise exception 'No such payment in this clinic.' using errcode = 'CNOTF';
  end if;
  -- The payment's row lock (above) orders concurrent refunds of it, a retry after its first attempt too.
  if refund_payment.idempotency_key is not null then
    select * into v_refund from app_public.refund r where r.clinic_id = v_clinic and r.idempotency_key = refund_payment.idempotency_key;
    if v_refund.id is not null then
      if (v_refund.payment_id, v_refund.amount) is distinct from (v_payment.id, refund_payment.amount) then
        raise exception 'This idempotency key was already used for a different refund.' using errcode = 'CCONF';
      end if;
      return v_refund; -- a retry: the same refund, paid out once
    end if;
  end if;
  v_left := v_payment.amount - app_public.payment_refunded_amount(v_payment);
  select i.currency into v_currency from app_public.invoice i where i.clinic_id = v_clinic and i.id = v_payment.invoice_id;
  -- as typed: stored in numeric(16,3), 1.0004 would be 1.000 before any trigger could tell
  perform app_private.check_currency_decimals(amount, v_currency, v_left);
  if amount > v_left then
    -- what is left as data too (extensions.refundable), in the API's money form: the text of numeric(16,3);
    -- both amounts printed in the currency's decimals, as OVERPAYMENT prints them (000078)
    raise exception '%', case when v_left <= 0 then 'This payment is refunded in full: nothing is left to refund.'
      else format('A refund of %s is more than the %s left of this payment.', app_private.money_text(amount, v_currency), app_private.money_text(v_left, v_currency)) end
      using errcode = 'CRFND', detail = json_build_object('refundable', v_left::numeric(16,3)::text)::text;
  end if;
  perform 1 from app_public.invoice i where i.clinic_id = v_clinic and i.id = v_payment.invoice_id for update;
  insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason, idempotency_key, refunded_by)
  values (v_clinic, v_payment.id, v_payment.invoice_id, amount, v_payment.method, app_hidden.text_or_null(reason), refund_payment.idempotency_key, app_public.current_user_id())
  returning * into v_refund;
  return v_refund;
end;
$$;
