--! Previous: sha1:7ed18376ddc253dd2ab168444b671e63bfce3f65
--! Hash: sha1:8d0752f54c0a74a63ab462fc720ca4d1b036d14d
--! Message: an import run again skips the visits invoices and refunds it made

-- A visit or invoice an import run again does not make is no double booking, nor a second invoice of its visit
--
-- An operator's import of visits or invoices, keyed by the old system's numbers as idempotency keys, run again with ON
-- CONFLICT on the key (the way tg__number_given_back gives the numbers of such rows back) failed at the first upcoming
-- visit it had made already: tg_visit__booked_once found that visit (the same patient, doctor and minute: the row
-- itself) and refused the row as a double booking (CONFLICT, "open VIS-... instead"), and tg_invoice__defaults refused
-- an invoice of a visit as its second one, before ON CONFLICT could skip either. Neither counts now the row of the new
-- row's idempotency key: the insert cannot make a row with that key while that row holds it (it is skipped, or fails on
-- the key's constraint), and visit_patient_booked_once and invoice_one_live_per_visit still refuse two made at once.
create or replace function app_private.tg_visit__booked_once() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_code text;
  v_id uuid;
begin
  -- the minute as the index bins it; not the visit of this one's idempotency key, which this insert does not make (ON
  -- CONFLICT skips it, or it fails on the key: an import run again), nor this one
  select v.code, v.id into v_code, v_id from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.patient_id and v.doctor_id = new.doctor_id
    and v.status in ('scheduled', 'checked_in', 'in_progress') and v.id <> new.id
    and (v.idempotency_key = new.idempotency_key) is not true
    and date_bin('00:01:00', v.scheduled_at, '2000-01-01 00:00:00+00') = date_bin('00:01:00', new.scheduled_at, '2000-01-01 00:00:00+00')
  limit 1;
  if found then
    raise exception 'This patient is already booked with this doctor at this time: open % instead.', v_code
      using errcode = 'CCONF', detail = json_build_object('visitId', v_id)::text;
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_visit__booked_once() from public;
comment on function app_private.tg_visit__booked_once() IS 'BEFORE INSERT or UPDATE of the patient, doctor or time of an open visit (a status never opens a visit again): CONFLICT naming the open visit of that patient with that doctor in that minute, if there is one, other than the visit of its idempotency key, which the insert does not make (ON CONFLICT skips it, or it fails on the key: an import run again) (its id in the error''s DETAIL, the API''s extensions.visitId) (visit_patient_booked_once refuses two made at the same moment).';

create or replace function app_private.tg_invoice__defaults() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_visit app_public.visit;
  v_live app_public.invoice;
begin
  if tg_op = 'UPDATE' then
    -- the doctor of an invoice that bills a visit is the visit's (revenue per doctor reads it), whoever writes it: an
    -- operator's psql setting it credited another doctor with the visit's payments; a void invoice's is
    -- tg_invoice__lifecycle's to refuse, and one of no visit is its writer's to say (an import of another system's)
    if new.doctor_id is distinct from old.doctor_id and new.visit_id is not null and new.visit_id is not distinct from old.visit_id
       and old.status <> 'void'
       and new.doctor_id is distinct from (select v.doctor_id from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id) then
      raise exception 'An invoice''s doctor is the doctor of the visit it bills: change the visit''s doctor (its invoice voided first), not the invoice''s.'
        using errcode = 'CINVL';
    end if;
    -- a draft's patient or visit changed (an operator's psql: the API's roles write neither), held to the rules below as
    -- a new invoice is; an issued invoice's is tg_invoice__lifecycle's to refuse
    if old.status <> 'draft' or (new.patient_id, new.visit_id) is not distinct from (old.patient_id, old.visit_id) then
      return new;
    end if;
    -- its lines billing its visit's services would be billed under another visit, or none
    if exists (select from app_public.invoice_line l
               join app_public.visit_service s on s.clinic_id = l.clinic_id and s.id = l.visit_service_id
               where l.clinic_id = new.clinic_id and l.invoice_id = new.id and s.visit_id is distinct from new.visit_id) then
      raise exception '% has lines billing the services of its visit: take them off the draft before it bills another visit, or none.', old.code
        using errcode = 'CINVL';
    end if;
    -- the doctor is the visit's: none once it bills none
    if new.visit_id is distinct from old.visit_id then
      new.doctor_id := null;
    end if;
  else
    select c.currency, c.tax_rate into new.currency, new.tax_rate from app_public.clinic c where c.id = new.clinic_id;
    new.status := 'draft';
    new.amount_paid := 0;
    -- a draft has taken no step: none of the stamps of its issue or void (an operator's insert giving them made a draft
    -- that read as issued in 2020, or voided: 000459); tg_invoice__lifecycle stamps them as the steps are taken
    new.issued_at := null;
    new.issued_by := null;
    new.voided_at := null;
    new.voided_by := null;
  end if;
  -- checked for those who may invoice: another role's insert is refused by the policies (FORBIDDEN,
  -- saying who may), whatever visit it names
  if new.visit_id is not null and (app_hidden.may_invoice() or app_hidden.in_system_context()) then
    -- read again once the invoice has written the clinic's audit chain (tg_invoice__visit_billable): a change of the
    -- visit in flight is waited for there
    select * into v_visit from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id;
    perform app_private.check_visit_billable(new, v_visit);
    -- another than this one (a draft's update names its own), nor the invoice of this one's idempotency key, which this
    -- insert does not make (ON CONFLICT skips it, or it fails on the key: an import run again)
    select * into v_live from app_public.invoice i
    where i.clinic_id = new.clinic_id and i.visit_id = new.visit_id and i.status <> 'void' and i.id <> new.id
      and (i.idempotency_key = new.idempotency_key) is not true limit 1;
    if found then
      raise exception 'This visit already has an invoice, % (%): %', v_live.code, replace(v_live.status::text, '_', ' '),
        case when v_live.status = 'draft' then 'bill the visit''s services added since on it (billUnbilledServices), or add lines to it.' else 'to bill the visit again, void that one first, its payments refunded.' end
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_live.id)::text;
    end if;
    new.doctor_id := v_visit.doctor_id;
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_invoice__defaults() from public;
comment on function app_private.tg_invoice__defaults() IS 'BEFORE INSERT, and UPDATE OF patient_id or visit_id of a draft (an issued invoice''s are tg_invoice__lifecycle''s to refuse): a new invoice is a draft in the clinic''s currency and tax rate, without the stamps of an issue or a void (000459); one that bills a visit (made from it, or by hand with its visit, or a draft given one) bills the visit''s patient and records its doctor: one with another live invoice CONFLICT naming it (not the invoice of its idempotency key, which the insert does not make: ON CONFLICT skips it, or it fails on the key) (its id in the error''s DETAIL, extensions.invoiceId) (invoice_one_live_per_visit refuses two made at the same moment); a visit not in the clinic is NOT_FOUND, a cancelled or no-show visit INVALID_INPUT, another patient''s INVALID_INPUT unless that patient is not in the clinic (NOT_FOUND) (check_visit_billable, checked again after the invoice''s audit entry by tg_invoice__visit_billable, a change of the visit in flight committed). A draft whose lines bill the services of its visit keeps that visit (INVALID_INPUT), and a draft''s doctor follows its visit (none once it bills none): the API''s roles write neither column, an operator''s psql does. The doctor of an invoice that bills a visit, issued or draft, is written as the visit''s alone (UPDATE OF doctor_id; INVALID_INPUT otherwise).';

-- A refund an import run again does not make is not counted against itself
--
-- An operator's import of refunds, run again with ON CONFLICT on their idempotency keys, failed at the first refund it
-- had made of all that was left of its payment: tg_refund__of_its_payment counted the refund already there, the row
-- itself, in what its payment had left, and refused the row as more than that (INVALID_INPUT) before ON CONFLICT
-- could skip it. The refund of the new row's id or key is not counted now: the insert cannot make a row with them
-- while that refund holds them (its key never changes, tg_refund__guard; a change of its id in flight is waited for
-- by tg__number_given_back, which locks the refund it finds for key share).
create or replace function app_private.tg_refund__of_its_payment() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
declare
  v_payment app_public.payment;
begin
  -- locked, as refund_payment locks it: refunds of one payment take turns (a payment not found is the foreign key's to report)
  select * into v_payment from app_public.payment p where p.clinic_id = new.clinic_id and p.id = new.payment_id for update;
  if found and ((new.invoice_id, new.method) is distinct from (v_payment.invoice_id, v_payment.method)
      or new.amount > v_payment.amount - (select coalesce(sum(r.amount), 0) from app_public.refund r
                                           where r.clinic_id = new.clinic_id and r.payment_id = new.payment_id
                                             -- not the refund of this one's id or idempotency key, which this insert
                                             -- does not make (ON CONFLICT skips it, or it fails on the key or id)
                                             and (r.id = new.id or r.idempotency_key = new.idempotency_key) is not true)) then
    raise exception 'A refund is of its payment''s invoice, in its method, and at most what is left of the payment.' using errcode = 'CINVL';
  end if;
  -- given back after the money was taken, and not ahead of now, whoever writes it (000449): refund_payment gives it now
  if found then
    new.refunded_at := app_private.money_moved_at(new.clinic_id, new.refunded_at, v_payment.received_at, 'refund');
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_refund__of_its_payment() from public;
comment on function app_private.tg_refund__of_its_payment() IS 'BEFORE INSERT: a refund is of its payment''s invoice, in its method, and at most what is left of the payment (the refund of its id or idempotency key not counted: the insert does not make it, an import run again skips it), the payment locked (INVALID_INPUT; refund_payment tells REFUND_EXCEEDS_PAYMENT first, with what is left): the rule held for a refund written other than by refund_payment (an operator''s psql); and it is given back from its payment''s receipt to now (000449): not more than 5 minutes ahead nor more than 5 minutes before the payment was received (INVALID_INPUT), and within those minutes given back now, or when the payment was received.';
