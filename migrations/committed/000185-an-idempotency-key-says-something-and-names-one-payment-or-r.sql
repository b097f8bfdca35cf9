--! Previous: sha1:183c57218ea4f05cd1b6c9283162a3bce11286f3
--! Hash: sha1:c0928c69aa1aecf0ffe9adcebe87d93f82e360b2
--! Message: An idempotency key says something, and names one payment or refund: a key of white space alone is refused before it is looked up (a client's blank field answered every later payment as its first), and the same key with another reference (a payment) or reason (a refund) is CONFLICT, where it answered the first as a retry

-- An idempotency key names one intended payment or refund, and says something: a key of white space alone
-- (a client's field left blank) was taken, so distinct payments sent with it would have been answered as the
-- first. record_payment and refund_payment refuse one before they look it up (so a clinic holding such a key
-- from before answers INVALID_INPUT, not the payment it names, nor CONFLICT), and payments and refunds kept
-- with one from before stay as they are, their methods and references still corrected (a check constraint,
-- even one not validated, is checked again at every update of the row).
create or replace function app_private.check_idempotency_key(key text, what text) returns void
language plpgsql immutable set search_path = pg_catalog, public, pg_temp
as $$
begin
  if key is not null and app_hidden.name_as_meant(key) = '' then
    raise exception 'An idempotency key cannot be white space alone: send one per % you mean, or none.', what using errcode = 'CINVL';
  end if;
end;
$$;
comment on function app_private.check_idempotency_key(text, text) is
  'Refuses an idempotency key with nothing visible in it (INVALID_INPUT, naming `what`: payment, refund), before the key is looked up; none at all is none.';

-- A retry is the same request again. The same key with another reference (a payment) or reason (a refund)
-- answered the first, as a retry, where it names another payment or refund (CONFLICT).
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
  perform app_private.check_money_amount(amount, 'payment');
  if method is null then
    raise exception 'A payment method is required.' using errcode = 'CINVL';
  end if;
  perform app_private.check_idempotency_key(record_payment.idempotency_key, 'payment');

  -- The invoice's row lock orders concurrent payments: each sees the balance the previous left.
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = v_clinic and i.id = record_payment.invoice_id for update;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;

  if idempotency_key is not null then
    select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.idempotency_key = record_payment.idempotency_key;
    if v_payment.id is not null then
      -- the reference as it is kept: a retry sends the same; another (a second card slip) is another payment
      if (v_payment.invoice_id, v_payment.amount, v_payment.method, v_payment.reference)
         is distinct from (v_invoice.id, record_payment.amount, record_payment.method, nullif(btrim(record_payment.reference), '')) then
        raise exception 'This idempotency key was already used for a different payment.' using errcode = 'CCONF';
      end if;
      return v_payment; -- a retry: the same payment, charged once
    end if;
  end if;

  -- after a retry's lookup: a retry answers its payment whatever time its till's clock now gives
  if record_payment.received_at > now() + interval '5 minutes' then
    raise exception 'A payment cannot be received in the future.' using errcode = 'CINVL';
  end if;
  if v_invoice.status = 'draft' then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  elsif v_invoice.status = 'void' then
    raise exception 'A void invoice cannot be paid.' using errcode = 'CINVL';
  end if;
  -- now() when not given; a payment is not backdated past its invoice (to a day before the clinic opened, say,
  -- which no one closes, the drawer's cash kept out of today's count), with the future's 5 minutes of clocks apart
  if record_payment.received_at < v_invoice.created_at - interval '5 minutes' then
    raise exception 'A payment cannot be received before its invoice was made (%).', app_hidden.local_time_text(v_clinic, v_invoice.created_at)
      using errcode = 'CINVL';
  end if;
  -- as typed: stored in numeric(16,3), 1.0004 would be 1.000 before any trigger could tell; after a retry's
  -- lookup (a payment of the whole balance, finer than the currency, leaves a balance of 0 behind it)
  perform app_private.check_currency_decimals(amount, v_invoice.currency, v_invoice.balance);
  if amount > v_invoice.balance then
    -- the balance as data too (extensions.balance), in the API's money form: the text of numeric(16,3);
    -- both amounts in the currency's decimals (1000 was printed as typed next to a balance of 999.00)
    raise exception '%', case when v_invoice.balance = 0 then 'This invoice is paid in full: nothing is left to pay.'
        else format('This payment of %s is more than the balance of %s.', app_private.money_text(amount, v_invoice.currency),
                    app_private.money_text(v_invoice.balance, v_invoice.currency)) end
      using errcode = 'COVPY', detail = json_build_object('balance', v_invoice.balance::numeric(16,3)::text)::text;
  end if;

  insert into app_public.payment (clinic_id, invoice_id, amount, method, reference, idempotency_key, received_at, received_by)
  values (v_clinic, v_invoice.id, amount, method, nullif(btrim(reference), ''), idempotency_key,
          -- within the 5 minutes before its invoice was made: at that time, on the invoice's business day;
          -- within the 5 minutes ahead (a till's clock ahead of the database's): now, on today's
          greatest(least(coalesce(record_payment.received_at, now()), now()), v_invoice.created_at), app_public.current_user_id())
  returning * into v_payment;
  return v_payment;
end;
$$;

comment on function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone) is 'Takes a payment against an issued invoice: never more than its balance (OVERPAYMENT, with the balance in the error''s extensions.balance); with an idempotency key, a retry returns the first payment instead of charging again (the same key with another invoice, amount, method or reference is CONFLICT; a key of white space alone is INVALID_INPUT); refused on a closed day (DAY_CLOSED). receivedAt defaults to now, and is neither more than 5 minutes ahead (within them it is now: a till''s clock ahead) nor more than 5 minutes before the invoice was made (within them, the invoice''s time) (INVALID_INPUT). Owners, admins and cashiers.';

create or replace function app_public.refund_payment(payment_id uuid, amount numeric, reason text, idempotency_key text DEFAULT NULL::text) RETURNS app_public.refund
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
  perform app_private.check_idempotency_key(refund_payment.idempotency_key, 'refund');
  select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.id = refund_payment.payment_id for update;
  if v_payment.id is null then
    raise exception 'No such payment in this clinic.' using errcode = 'CNOTF';
  end if;
  -- The payment's row lock (above) orders concurrent refunds of it, a retry after its first attempt too.
  if refund_payment.idempotency_key is not null then
    select * into v_refund from app_public.refund r where r.clinic_id = v_clinic and r.idempotency_key = refund_payment.idempotency_key;
    if v_refund.id is not null then
      -- the reason as it is kept: a retry sends the same; another is another refund
      if (v_refund.payment_id, v_refund.amount, v_refund.reason)
         is distinct from (v_payment.id, refund_payment.amount, app_hidden.text_or_null(refund_payment.reason)) then
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

comment on function app_public.refund_payment(payment_id uuid, amount numeric, reason text, idempotency_key text) is 'Gives money back from a payment (never more than is left of it, REFUND_EXCEEDS_PAYMENT, with what is left in the error''s extensions.refundable), moving the invoice back to partially_paid or issued; with an idempotency key, a retry returns the first refund instead of paying out again (the same key with another payment, amount or reason is CONFLICT; a key of white space alone is INVALID_INPUT); refused on a closed day. Owners, admins and cashiers.';
