--! Previous: sha1:dc8ccb770f11177d5224ff1a584374b6af78cea8
--! Hash: sha1:7b8e1d134d0625091fe5464b8f05da8011bc62ae
--! Message: refunds retried given once

-- A refund retried is given once, as a payment is: refundPayment takes an idempotencyKey.
-- A cashier's double click, or a retry after a timeout whose first attempt had committed, made a second
-- refund whenever enough of the payment was left (a payment of 100 gave two refunds of 50), and the
-- drawer paid out twice. The same key again returns the first refund; the same key for another refund
-- is CONFLICT.

alter table app_public.refund add column if not exists idempotency_key text;
comment on column app_public.refund.idempotency_key is 'A key chosen by the client per intended refund: the same key again returns the same refund.';
alter table app_public.refund drop constraint if exists refund_idempotency_key_check;
alter table app_public.refund add constraint refund_idempotency_key_check check (char_length(idempotency_key) between 1 and 200);
alter table app_public.refund drop constraint if exists refund_clinic_id_idempotency_key_key;
alter table app_public.refund add constraint refund_clinic_id_idempotency_key_key unique (clinic_id, idempotency_key);

drop function if exists app_public.refund_payment(uuid, numeric, text);
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
  if nullif(btrim(reason), '') is null then
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
  values (v_clinic, v_payment.id, v_payment.invoice_id, amount, v_payment.method, btrim(reason), refund_payment.idempotency_key, app_public.current_user_id())
  returning * into v_refund;
  return v_refund;
end;
$$;
comment on function app_public.refund_payment(uuid, numeric, text, text) is 'Gives money back from a payment (never more than is left of it, REFUND_EXCEEDS_PAYMENT, with what is left in the error''s extensions.refundable), moving the invoice back to partially_paid or issued; with an idempotency key, a retry returns the first refund instead of paying out again (the same key for another refund is CONFLICT); refused on a closed day. Owners, admins and cashiers.';
revoke all on function app_public.refund_payment(uuid, numeric, text, text) from public;
grant execute on function app_public.refund_payment(uuid, numeric, text, text) to :DATABASE_VISITOR;
