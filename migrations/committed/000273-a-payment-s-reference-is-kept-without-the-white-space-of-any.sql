--! Previous: sha1:48b057e005ba1cd8ca0cc33504296cc624767d3f
--! Hash: sha1:9d3d9544d60ed993f17f3e25e29f6e434798d84c
--! Message: A payment's reference is kept without the white space of any kind around it

-- A payment's reference is kept without the white space of any kind around it
--
-- recordPayment and a correction (updatePayment) trimmed a reference of spaces only (btrim): one pasted from a
-- spreadsheet or a bank's page with a tab, a line break or a no-break space around it kept them, so a search or a
-- match of the slip's number missed it, and a reference of such white space alone was kept as one that says
-- nothing instead of none. A reference is now kept as the codebase keeps free text (app_hidden.text_or_null:
-- without the white space of any kind around it, none when nothing else is left), when taken, when corrected and
-- when a retry of the payment is compared with it; the references kept before are trimmed so (each audited), on
-- a closed day too: a reference's white space is no money, and the day's amounts, methods and times stay as counted.
-- A refund has no reference, and its reason is kept through text_or_null since 000169 (refundPayment is the only
-- way a refund is written).
create or replace function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text DEFAULT NULL::text, idempotency_key text DEFAULT NULL::text, received_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS app_public.payment
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_invoice app_public.invoice;
  v_payment app_public.payment;
  v_issued timestamptz; -- when the invoice was issued (one issued before issued_at was kept: when it was made)
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

  -- after a retry's lookup: a retry answers its payment whatever time its till's clock now gives
  if record_payment.received_at > now() + interval '5 minutes' then
    raise exception 'A payment cannot be received in the future.' using errcode = 'CINVL';
  end if;
  if v_invoice.status = 'draft' then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  elsif v_invoice.status = 'void' then
    raise exception 'A void invoice cannot be paid.' using errcode = 'CINVL';
  end if;
  v_issued := coalesce(v_invoice.issued_at, v_invoice.created_at);
  -- now() when not given; a payment is not backdated past its invoice's issue (to a day before the clinic opened,
  -- say, or while the invoice was a draft no one could pay: days no one closes, the drawer's cash kept out of
  -- today's count), with the future's 5 minutes of clocks apart
  if record_payment.received_at < v_issued - interval '5 minutes' then
    raise exception 'A payment cannot be received before its invoice was issued (%).', app_hidden.local_time_text(v_clinic, v_issued)
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
  values (v_clinic, v_invoice.id, amount, method, app_hidden.text_or_null(reference), idempotency_key,
          -- within the 5 minutes before its invoice was issued: at that time, on the invoice's business day;
          -- within the 5 minutes ahead (a till's clock ahead of the database's): now, on today's
          greatest(least(coalesce(record_payment.received_at, now()), now()), v_issued), app_public.current_user_id())
  returning * into v_payment;
  return v_payment;
end;
$$;

comment on function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone) is 'Takes a payment against an issued invoice: never more than its balance (OVERPAYMENT, with the balance in the error''s extensions.balance); with an idempotency key, a retry returns the first payment instead of charging again (the same key with another invoice, amount, method or reference is CONFLICT; a key of white space alone is INVALID_INPUT); refused on a closed day (DAY_CLOSED). The reference is kept without the white space of any kind around it, none when nothing else is left (app_hidden.text_or_null). receivedAt defaults to now, and is neither more than 5 minutes ahead (within them it is now: a till''s clock ahead) nor more than 5 minutes before the invoice was issued (within them, the invoice''s issue) (INVALID_INPUT). Owners, admins and cashiers.';

create or replace function app_private.tg_payment__guard() returns trigger
  language plpgsql
  as $$
begin
  if (new.invoice_id, new.amount, new.received_at, new.idempotency_key) is distinct from
     (old.invoice_id, old.amount, old.received_at, old.idempotency_key) then
    raise exception 'A payment''s invoice, amount and time never change: refund it instead.' using errcode = 'CINVL';
  end if;
  -- as record_payment keeps it: without the white space of any kind around it, none when nothing else is left
  new.reference := app_hidden.text_or_null(new.reference);
  return new;
end;
$$;

comment on function app_private.tg_payment__guard() is 'BEFORE UPDATE: only the method and reference of a payment may be corrected; the reference kept as record_payment keeps it (app_hidden.text_or_null: without the white space of any kind around it, none when nothing else is left).';

-- the references kept before with white space of any kind around them, or of white space alone, kept as a
-- reference is now (each audited); run again, it finds none
create or replace function app_private.trim_payment_references() returns integer
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_trimmed integer;
begin
  -- on a closed day too, past its freeze (tg__money_day, the one trigger that refuses it): the reference is
  -- no money, and the guard (tg_payment__guard) keeps amount, invoice and time as they were counted. The
  -- table is held for the statement (a trigger disabled), as a migration holds what it changes
  alter table app_public.payment disable trigger _300_money_day;
  -- one statement: the audit chains of its clinics are taken in the order of their ids (tg__audit_chains_in_order)
  update app_public.payment p set reference = app_hidden.text_or_null(p.reference)
  where p.reference is distinct from app_hidden.text_or_null(p.reference);
  get diagnostics v_trimmed = row_count;
  alter table app_public.payment enable trigger _300_money_day;
  return v_trimmed;
end;
$$;
comment on function app_private.trim_payment_references() is 'Keeps the payments'' references written before 000273 as a reference is kept now (app_hidden.text_or_null: without the white space of any kind around them, none when nothing else is left), each change audited, on closed days too (their amounts, methods and times untouched). Returns how many. Run by 000273; an operator may run it again (it holds the payments table while it runs).';
revoke all on function app_private.trim_payment_references() from public;
select app_private.trim_payment_references();
