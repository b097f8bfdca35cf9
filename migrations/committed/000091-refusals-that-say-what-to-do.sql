--! Previous: sha1:3990df26d60c23ab9d085787bff95276764ea7b1
--! Hash: sha1:efad4f3fd204afbe235fccf39f5ca8a13db7a885
--! Message: refusals that say what to do

--------------------------------------------------------------------------------
-- Refusals that say what to do.
--
-- From a walk through a clinic's day: an invoice PDF asked for without an invoice was told "No such
-- invoice in this clinic." (NOT_FOUND) and is now INVALID_INPUT naming invoiceId; a payment on an
-- invoice paid in full was told it was more than a balance of 0.00, and a payment above the balance
-- printed its amount as typed next to the balance in the currency's decimals (50000 against
-- 19501.00): both amounts are now in the currency's decimals, and a paid invoice is told so. Times
-- in refusals are the clinic's wall clock (app_hidden.local_time_text): a no-show marked early
-- printed PostgreSQL's timestamp (2026-12-02 09:00:00+03), and a payment dated before its invoice
-- the invoice's time on the database's clock. (A missing value is named by server/errors.ts.)

create or replace function app_hidden.local_time_text(clinic_id uuid, at timestamptz) returns text
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  return (select to_char(at at time zone c.timezone, 'YYYY-MM-DD HH24:MI') from app_public.clinic c where c.id = local_time_text.clinic_id);
end;
$$;
revoke all on function app_hidden.local_time_text(uuid, timestamptz) from public;
grant execute on function app_hidden.local_time_text(uuid, timestamptz) to :DATABASE_VISITOR; -- the visit lifecycle trigger runs as the session
comment on function app_hidden.local_time_text(uuid, timestamptz) is 'A moment on the clinic''s wall clock, as refusals print it (2026-12-02 09:00); business_date gives its date.';

create or replace function app_public.request_export(kind app_public.export_kind, from_date date DEFAULT NULL::date, to_date date DEFAULT NULL::date, invoice_id uuid DEFAULT NULL::uuid) RETURNS app_public.report_export
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_from date := from_date;
  v_to date := to_date;
  v_export app_public.report_export;
  v_most_unfinished constant int := 10;
  v_most_unfinished_in_clinic constant int := 30;
  v_mine bigint;
  v_clinics bigint;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can export.' using errcode = 'CFORB';
  end if;
  -- a clinic's requests take turns here, so requests at once cannot all pass the counts
  perform pg_advisory_xact_lock(hashtextextended('request_export:' || v_clinic, 0));
  select count(*) filter (where e.requested_by = app_public.current_user_id()), count(*)
  into v_mine, v_clinics
  from app_public.report_export e
  where e.clinic_id = v_clinic and e.status in ('queued', 'running');
  if v_mine >= v_most_unfinished then
    raise exception 'You have % exports waiting or in progress: ask for more once one of them is done.', v_most_unfinished
      using errcode = 'CLIMT';
  end if;
  if v_clinics >= v_most_unfinished_in_clinic then
    raise exception 'Your clinic has % exports waiting or in progress: ask for more once some of them are done.', v_most_unfinished_in_clinic
      using errcode = 'CLIMT';
  end if;
  if kind is null then
    raise exception 'Say what to export.' using errcode = 'CINVL';
  elsif kind::text = 'invoice_pdf' then
    if request_export.invoice_id is null then
      raise exception 'Give the invoice (invoiceId) to print.' using errcode = 'CINVL';
    end if;
    select (i.created_at at time zone c.timezone)::date into v_from
    from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id
    where i.clinic_id = v_clinic and i.id = request_export.invoice_id;
    if v_from is null then
      raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
    end if;
    v_to := v_from;
  elsif kind::text = 'reconciliation_pdf' then
    if from_date is null then
      raise exception 'Give the business day (fromDate) of the reconciliation sheet.' using errcode = 'CINVL';
    end if;
    v_to := from_date;
  elsif kind::text = 'monthly_summary_pdf' then
    if from_date is null then
      raise exception 'Give a day of the month (fromDate) to summarise.' using errcode = 'CINVL';
    end if;
    v_from := date_trunc('month', from_date)::date;
    v_to := (date_trunc('month', from_date) + interval '1 month - 1 day')::date;
  elsif from_date is null or to_date is null or to_date < from_date or to_date - from_date > 3660 then
    raise exception 'Give a period of at most ten years, fromDate before toDate.' using errcode = 'CINVL';
  end if;
  insert into app_public.report_export (clinic_id, kind, from_date, to_date, invoice_id, requested_by)
  values (v_clinic, kind, v_from, v_to, case when kind::text = 'invoice_pdf' then request_export.invoice_id end, app_public.current_user_id())
  returning * into v_export;
  perform graphile_worker.add_job('report_export__produce', json_build_object('clinicId', v_export.clinic_id, 'id', v_export.id),
    job_key := 'report_export:' || v_export.id, max_attempts := 3);
  return v_export;
end;
$$;


create or replace function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text DEFAULT NULL::text, idempotency_key text DEFAULT NULL::text, received_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS app_public.payment
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
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
          -- within the 5 minutes before its invoice was made: at that time, on the invoice's business day
          greatest(coalesce(record_payment.received_at, now()), v_invoice.created_at), app_public.current_user_id())
  returning * into v_payment;
  return v_payment;
end;
$$;


create or replace function app_private.tg_visit__lifecycle() RETURNS trigger
language plpgsql as $$
declare
  v_actor uuid := app_public.current_user_id();
  v_is_own_doctor boolean := new.doctor_id = app_public.current_membership_id() and app_hidden.current_role_in('doctor');
  v_front_desk boolean := app_hidden.current_role_in('owner', 'admin', 'receptionist') or v_actor is null;
begin
  if tg_op = 'INSERT' then
    if new.status <> 'scheduled' then
      raise exception 'A new visit starts as scheduled.' using errcode = 'CTRAN';
    end if;
    return new;
  end if;

  if old.status in ('completed', 'cancelled', 'no_show')
     and (to_jsonb(new) - 'updated_at' - 'updated_by') <> (to_jsonb(old) - 'updated_at' - 'updated_by') then
    raise exception 'A % visit cannot change any more.', app_hidden.visit_status_words(old.status) using errcode = 'CTRAN';
  end if;
  if (new.patient_id, new.doctor_id, new.scheduled_at, new.reason) is distinct from (old.patient_id, old.doctor_id, old.scheduled_at, old.reason)
     and not v_front_desk then
    raise exception 'Only the front desk can change a visit''s patient, doctor, time or reason.' using errcode = 'CFORB';
  end if;
  if (new.patient_id, new.scheduled_at) is distinct from (old.patient_id, old.scheduled_at) and old.status <> 'scheduled' then
    raise exception 'This visit is % and keeps its time and patient: the patient is already here (cancel it and book another for a mistake).', app_hidden.visit_status_words(old.status)
      using errcode = 'CTRAN';
  end if;
  if new.doctor_id is distinct from old.doctor_id and old.status not in ('scheduled', 'checked_in') then
    raise exception 'A visit keeps its doctor once the consultation has started.' using errcode = 'CTRAN';
  end if;

  if new.status is distinct from old.status then
    if not ((old.status, new.status) in (
      ('scheduled'::app_public.visit_status, 'checked_in'::app_public.visit_status),
      ('checked_in', 'in_progress'), ('in_progress', 'completed'),
      ('scheduled', 'cancelled'), ('checked_in', 'cancelled'), ('scheduled', 'no_show')
    )) then
      raise exception 'A visit cannot go from % to %.', app_hidden.visit_status_words(old.status), app_hidden.visit_status_words(new.status) using errcode = 'CTRAN';
    end if;
    if new.status in ('in_progress', 'completed') and not (v_is_own_doctor or app_hidden.current_role_in('owner', 'admin') or v_actor is null) then
      raise exception 'Only the visit''s doctor, an owner or an admin can start or complete it.' using errcode = 'CFORB';
    end if;
    if new.status in ('checked_in', 'cancelled', 'no_show') and not v_front_desk then
      raise exception 'Only the front desk can check in, cancel or mark a no-show.' using errcode = 'CFORB';
    end if;
    case new.status
      when 'checked_in' then new.checked_in_at := now(); new.checked_in_by := v_actor;
      when 'in_progress' then new.started_at := now(); new.started_by := v_actor;
      when 'completed' then new.completed_at := now(); new.completed_by := v_actor;
      when 'cancelled' then
        if nullif(btrim(new.cancel_reason), '') is null then
          raise exception 'A reason is required to cancel a visit.' using errcode = 'CINVL';
        end if;
        new.cancelled_at := now(); new.cancelled_by := v_actor;
      when 'no_show' then
        if new.scheduled_at > now() then
          raise exception 'This visit''s time has not yet come: it cannot be a no-show before %; cancel it instead.',
            app_hidden.local_time_text(new.clinic_id, new.scheduled_at) using errcode = 'CTRAN';
        end if;
        new.no_show_at := now(); new.no_show_by := v_actor;
      else null;
    end case;
  elsif new.cancel_reason is distinct from old.cancel_reason then
    raise exception 'A cancel reason goes with cancelling the visit.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
