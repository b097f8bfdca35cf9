--! Previous: sha1:051c9222968e5be6985648d0dad900f874a76572
--! Hash: sha1:c63ba30a2040886ffe98ab5a87b0320e9e91d5f9
--! Message: Money written by hand is dated as recordPayment and refundPayment date it

-- Money dated by hand is dated as recordPayment and refundPayment date it: a payment from its invoice's issue to now, a refund from its payment to now
--
-- recordPayment takes a payment no more than 5 minutes before its invoice was issued, nor more than 5 minutes ahead
-- (000067, 000138), and refundPayment gives a refund back now: so no money falls on a day before the clinic existed,
-- which no reconciliation closes, on a day no one could pay the invoice, or on a day not started. A payment or refund
-- written other than by them (an operator's psql, a script importing a till's records) was held to their other rules
-- (of an issued invoice, 000374; of its payment, in its method, at most what is left of it, 000373) but not to these:
-- a payment dated 2021 of an invoice issued today, one dated next week, and a refund dated before the payment it gave
-- back (money given back years before it was taken, counted on that day's expected cash) were all written. The
-- payment's and the refund's BEFORE INSERT triggers, which read its invoice and its payment already, now hold them
-- whoever writes: outside the window, INVALID_INPUT in recordPayment's words (and their like for a refund); within its 5
-- minutes, the time is taken as recordPayment takes it (the invoice's issue, or now), and a refund is never before its
-- payment (a refund whose transaction began a moment before its payment was taken is given back as the payment was
-- received). What recordPayment and refundPayment write is within the window already, unchanged. The rule is one
-- function, app_private.money_moved_at, which recordPayment calls too (after a retry's lookup and the invoice's
-- state, as before; a payment dated ahead on a draft or void invoice is now told of the invoice first).
create or replace function app_private.money_moved_at(clinic_id uuid, at timestamptz, earliest timestamptz, what text)
 returns timestamptz
 language plpgsql
 stable
 set search_path to pg_catalog, public, pg_temp
as $function$
begin
  -- what: 'payment' (earliest: when its invoice was issued) or 'refund' (earliest: when its payment was received)
  if at > now() + interval '5 minutes' then
    raise exception '%', case what when 'payment' then 'A payment cannot be received in the future.'
                                   else 'A refund cannot be given back in the future.' end
      using errcode = 'CINVL';
  end if;
  if at < earliest - interval '5 minutes' then
    raise exception '%', format(case what when 'payment' then 'A payment cannot be received before its invoice was issued (%s).'
                                          else 'A refund cannot be given back before its payment was received (%s).' end,
                                app_hidden.local_time_text(money_moved_at.clinic_id, earliest))
      using errcode = 'CINVL';
  end if;
  -- within the 5 minutes before: at that time, on its business day; within the 5 minutes ahead (a till's clock ahead of
  -- the database's): now, on today's
  return greatest(least(at, now()), earliest);
end;
$function$;
revoke all on function app_private.money_moved_at(uuid, timestamptz, timestamptz, text) from public;
comment on function app_private.money_moved_at(clinic_id uuid, at timestamptz, earliest timestamptz, what text) is
  'When a payment or refund (`what`) dated `at` moved, as the database takes it whoever writes it (record_payment, an operator''s psql; 000449): INVALID_INPUT more than 5 minutes ahead of now, or more than 5 minutes before `earliest` (a payment''s invoice''s issue, a refund''s payment''s receipt, named in the clinic''s local time); within those minutes, now or `earliest`.';

create or replace function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text DEFAULT NULL::text, idempotency_key text DEFAULT NULL::text, received_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS app_public.payment
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_invoice app_public.invoice;
  v_payment app_public.payment;
  v_received timestamptz; -- when it was received, as money_moved_at takes it
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
         is distinct from (v_invoice.id, record_payment.amount, record_payment.method, app_hidden.text_or_null(record_payment.reference)) then
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
  -- after a retry's lookup (a retry answers its payment whatever time its till's clock now gives): now() when not
  -- given; a payment is not backdated past its invoice's issue (to a day before the clinic opened, say, or while the
  -- invoice was a draft no one could pay: days no one closes, the drawer's cash kept out of today's count), nor
  -- dated ahead, with 5 minutes of clocks apart (app_private.money_moved_at, the rule tg_payment__invoice_issued holds
  -- whoever writes a payment)
  v_received := app_private.money_moved_at(v_clinic, coalesce(record_payment.received_at, now()),
    coalesce(v_invoice.issued_at, v_invoice.created_at), 'payment');
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
  values (v_clinic, v_invoice.id, amount, method, app_hidden.text_or_null(reference), idempotency_key,
          v_received, app_public.current_user_id())
  returning * into v_payment;
  return v_payment;
end;
$$;
comment on function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone) IS 'Takes a payment against an issued invoice: never more than its balance (OVERPAYMENT, with the balance in the error''s extensions.balance); with an idempotency key, a retry returns the first payment instead of charging again (the same key with another invoice, amount, method or reference is CONFLICT; a key of white space alone is INVALID_INPUT); refused on a closed day (DAY_CLOSED). The reference is kept without the white space of any kind around it, none when nothing else is left (app_hidden.text_or_null). receivedAt defaults to now, and is neither more than 5 minutes ahead (within them it is now: a till''s clock ahead) nor more than 5 minutes before the invoice was issued (within them, the invoice''s issue) (INVALID_INPUT). Owners, admins and cashiers.';
revoke all on function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone) from public;
grant all on function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone) to :DATABASE_VISITOR;

create or replace function app_private.tg_payment__invoice_issued()
 returns trigger
 language plpgsql
 security definer
 set search_path to pg_catalog, public, pg_temp
 set clinicops.include_deleted = 'off'
 set clinicops.every_clinic = 'off'
 set clinicops.reinvitation = 'off'
as $function$
declare
  v_invoice app_public.invoice;
begin
  select * into v_invoice from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  if v_invoice.status = 'draft' then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  end if;
  if found then
    perform app_private.refuse_deleted_patient(v_invoice.clinic_id, v_invoice.patient_id);
    -- dated as record_payment dates it, whoever writes it (000449); one issued before issued_at was kept: when it was made
    new.received_at := app_private.money_moved_at(new.clinic_id, new.received_at, coalesce(v_invoice.issued_at, v_invoice.created_at), 'payment');
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_payment__invoice_issued() from public;
comment on function app_private.tg_payment__invoice_issued() is
  'BEFORE INSERT on payments, the invoice read once: it is not a draft (INVALID_INPUT, as record_payment tells first; the rule held for a payment written other than by record_payment, an operator''s psql), its patient is not deleted (INVALID_INPUT, refuse_deleted_patient), and the payment is dated as record_payment dates it (000449): not more than 5 minutes ahead nor more than 5 minutes before the invoice was issued (INVALID_INPUT), and within those minutes received now, or when the invoice was issued.';
comment on trigger _120_invoice_issued on app_public.payment is 'A payment is of an issued invoice of a patient not deleted, dated from the invoice''s issue to now (tg_payment__invoice_issued).';

create or replace function app_private.tg_refund__of_its_payment()
 returns trigger
 language plpgsql
as $function$
declare
  v_payment app_public.payment;
begin
  -- locked, as refund_payment locks it: refunds of one payment take turns (a payment not found is the foreign key's to report)
  select * into v_payment from app_public.payment p where p.clinic_id = new.clinic_id and p.id = new.payment_id for update;
  if found and ((new.invoice_id, new.method) is distinct from (v_payment.invoice_id, v_payment.method)
      or new.amount > v_payment.amount - (select coalesce(sum(r.amount), 0) from app_public.refund r
                                           where r.clinic_id = new.clinic_id and r.payment_id = new.payment_id)) then
    raise exception 'A refund is of its payment''s invoice, in its method, and at most what is left of the payment.' using errcode = 'CINVL';
  end if;
  -- given back after the money was taken, and not ahead of now, whoever writes it (000449): refund_payment gives it now
  if found then
    new.refunded_at := app_private.money_moved_at(new.clinic_id, new.refunded_at, v_payment.received_at, 'refund');
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_refund__of_its_payment() from public;
comment on function app_private.tg_refund__of_its_payment() is
  'BEFORE INSERT: a refund is of its payment''s invoice, in its method, and at most what is left of the payment, the payment locked (INVALID_INPUT; refund_payment tells REFUND_EXCEEDS_PAYMENT first, with what is left): the rule held for a refund written other than by refund_payment (an operator''s psql); and it is given back from its payment''s receipt to now (000449): not more than 5 minutes ahead nor more than 5 minutes before the payment was received (INVALID_INPUT), and within those minutes given back now, or when the payment was received.';
