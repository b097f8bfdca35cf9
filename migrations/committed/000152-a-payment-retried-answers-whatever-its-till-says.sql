--! Previous: sha1:1572ce6cbd7526ae9adf43b1faa601b1136762a8
--! Hash: sha1:b88223856bc93a20a2de03cc95ebde2308d05e40
--! Message: a payment retried answers whatever its till says

-- A retry of a payment answers the payment it took, whatever time the till now gives: one whose
-- clock had moved more than 5 minutes ahead since (a clock set right meanwhile, a form that stamps
-- receivedAt at each send) was refused as a payment in the future before its key was looked up, and
-- the cashier, told it failed, took it again by hand.

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

comment on function app_public.record_payment(uuid, numeric, app_public.payment_method, text, text, timestamptz) is 'Takes a payment against an issued invoice: never more than its balance (OVERPAYMENT, with the balance in the error''s extensions.balance); with an idempotency key, a retry returns the first payment instead of charging again; refused on a closed day (DAY_CLOSED). receivedAt defaults to now, and is neither more than 5 minutes ahead (within them it is now: a till''s clock ahead) nor more than 5 minutes before the invoice was made (within them, the invoice''s time) (INVALID_INPUT). Owners, admins and cashiers.';
