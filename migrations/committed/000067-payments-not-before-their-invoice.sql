--! Previous: sha1:fb2939c53c548e8b10366d8635ea20eef7af937d
--! Hash: sha1:cb6a335c16088d5124d2834efddc5db38e3656da
--! Message: A payment is not dated before its invoice was made

-- A payment's receivedAt is not before its invoice was made: it could be backdated to any day, one
-- before the clinic existed (0001-01-01), which no reconciliation ever closes, its cash kept out of
-- the day's count. A deposit taken before the invoice was issued can still be dated when it was taken.
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
  -- which no one closes, the drawer's cash kept out of today's count)
  if record_payment.received_at < v_invoice.created_at then
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
