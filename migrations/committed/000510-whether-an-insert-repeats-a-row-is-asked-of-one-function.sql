--! Previous: sha1:35c37d97845217bfd346fcd2d7455d597adcb1b4
--! Hash: sha1:c5a3d6095a61cc55001fd5b1d5a9d66c8ade883d
--! Message: whether an insert repeats a row is asked of one function

-- Enter migration here

-- One question for the rules that meet a row an insert will not make: does it repeat a row there?
--
-- An import run again with ON CONFLICT proposes rows its first run made. Five rules asked of each such row whether it has
-- the id or the idempotency key of a row of its table and clinic, each with its own copy of the query: the number given
-- back (tg__number_given_back, a branch per table), the closed day (tg__money_day, for payments and refunds), a deleted
-- patient's invoice (tg_payment__invoice_issued) and a called-off visit (tg_invoice__defaults). It is asked of one
-- function now, insert_repeats_a_row, which holds the row found for key share as the number's rule did; the others'
-- rows were held by it already, the same row (the number's rule runs first), so nothing waits longer.

create or replace function app_private.insert_repeats_a_row(of_table text, of_clinic uuid, of_id uuid, of_key text) returns boolean
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'on'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
begin
  -- a query per table, not one made by format(): each planned once per connection (decision 012); the row found held
  -- for key share, so that it keeps its id and key until the insert asking ends
  case of_table
    when 'patient' then
      perform from app_public.patient t
      where t.clinic_id = of_clinic and (t.id = of_id or t.idempotency_key = of_key) for key share;
    when 'service' then
      perform from app_public.service t
      where t.clinic_id = of_clinic and (t.id = of_id or t.idempotency_key = of_key) for key share;
    when 'visit' then
      perform from app_public.visit t
      where t.clinic_id = of_clinic and (t.id = of_id or t.idempotency_key = of_key) for key share;
    when 'payment' then
      perform from app_public.payment t
      where t.clinic_id = of_clinic and (t.id = of_id or t.idempotency_key = of_key) for key share;
    when 'refund' then
      perform from app_public.refund t
      where t.clinic_id = of_clinic and (t.id = of_id or t.idempotency_key = of_key) for key share;
    when 'invoice' then
      perform from app_public.invoice t
      where t.clinic_id = of_clinic and (t.id = of_id or t.idempotency_key = of_key) for key share;
  end case;
  return found;
end;
$$;

revoke all on function app_private.insert_repeats_a_row(of_table text, of_clinic uuid, of_id uuid, of_key text) from public;

comment on function app_private.insert_repeats_a_row(of_table text, of_clinic uuid, of_id uuid, of_key text) is 'Whether a row an insert proposes into app_public.`of_table` (patient, service, visit, payment, refund or invoice) has the id or the idempotency key of a row of that table and of clinic `of_clinic` (a deleted one too): a row the insert does not make (ON CONFLICT skips it or updates that row; a plain insert fails on the id''s or the key''s constraint), an import run again. The row found is locked FOR KEY SHARE, so that it keeps them until the insert ends: a change of its id or key in flight is waited for, and a row that then no longer has them is not found. Asked by tg__number_given_back (the number given back) and by the rules that would refuse the row as a new one (tg__money_day, tg_payment__invoice_issued, tg_invoice__defaults).';

create or replace function app_private.tg__number_given_back() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- its number stays on the row, which is not made: a plain insert fails on the id's or the key's constraint as before;
  -- the row found is held as it is (its id and key), so that the insert cannot make its row after all
  if app_private.insert_repeats_a_row(tg_table_name, new.clinic_id, new.id, new.idempotency_key) then
    update app_private.code_counter c set last_value = c.last_value - 1 where c.clinic_id = new.clinic_id and c.prefix = tg_argv[0];
  end if;
  return new;
end;
$$;

revoke all on function app_private.tg__number_given_back() from public;

COMMENT ON FUNCTION app_private.tg__number_given_back() IS 'BEFORE INSERT on patients, services, visits, payments, refunds and invoices, just after the code is taken (tg__assign_code, its prefix the argument): a row with the id or the idempotency key of a row of its table and clinic (a deleted one too), which the insert does not make (ON CONFLICT skips it or updates that row; a plain insert fails), gives its number back to the clinic''s counter (locked by next_code until commit, the number the last taken), so an import run again leaves no gap; the row keeps the number, a plain insert of it failing on the id''s or the key''s constraint as before. The row found (insert_repeats_a_row) is locked FOR KEY SHARE: a change of its id or key in flight is waited for, and a row that then no longer has them gives nothing back (the row is made, with its number), so the counter is never left below a number a row holds. Invoices too, which had a function of their own.';


create or replace function app_private.tg__money_day() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_at timestamptz := coalesce(v_row ->> 'received_at', v_row ->> 'refunded_at')::timestamptz;
  v_clinic uuid := (v_row ->> 'clinic_id')::uuid;
  v_days date[];
  v_moved boolean := tg_op = 'INSERT'
    or (tg_op = 'UPDATE' and v_at is distinct from coalesce(to_jsonb(old) ->> 'received_at', to_jsonb(old) ->> 'refunded_at')::timestamptz);
  v_closed app_public.daily_reconciliation;
begin
  -- the day the money moved, in the clinic's time zone then; a later change of the zone, or of the
  -- method, leaves it on that day (which a reconciliation may have counted)
  if v_moved then
    new.business_date := app_hidden.business_date(new.clinic_id, v_at);
  elsif tg_op = 'UPDATE' then
    new.business_date := old.business_date;
  end if;
  -- a row saved back as it is (a form that sends every field back, its reference as kept: tg_payment__guard ran
  -- first) changes nothing a day counted, nor anything else: no closed day refuses it, and it waits for no close
  -- (000459: a cashier saving a payment of a day since closed, unchanged, was told the day is closed). Compared as
  -- tg__audit compares, the stamps and the generated columns (null in `new` before the row is written) left out
  if tg_op = 'UPDATE' and app_hidden.changes_nothing_but_stamps(to_jsonb(new), to_jsonb(old), app_hidden.generated_columns(tg_relid)) then
    return new;
  end if;
  v_days := array_remove(array[
    case when tg_op <> 'DELETE' then new.business_date end,
    case when tg_op <> 'INSERT' then old.business_date end], null);
  -- Waits for a close of these days in flight; once we hold the lock, no close starts until we commit.
  perform app_private.lock_business_day(v_clinic, d, false) from unnest(v_days) d;
  -- in one read: a closed day of these days, first, or (money moved or dated) one whose hours, as the zone it
  -- was closed in reads them, hold its time (a zone changes the date of a moment by two days at most): its date
  -- there, not a range from the day's midnight to the next, which reads a midnight that comes twice (summer time
  -- ending at 01:00, the Azores) as its second pass
  select * into v_closed from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.status = 'closed'
    and (d.business_date = any (v_days)
      or (v_moved and d.business_date between new.business_date - 2 and new.business_date + 2
          and (v_at at time zone d.closed_in_time_zone)::date = d.business_date
          -- before the count: money of its hours taken after it (the day closed at its evening's cash-up, then the
          -- zone moved east) was never in the drawer counted, and belongs to the open day it falls on now
          and (d.closed_at is null or v_at < d.closed_at)))
  order by d.business_date = any (v_days) desc
  limit 1;
  -- not a row with the id or idempotency key of one of its table's rows of the clinic, which this insert does not make
  -- (ON CONFLICT skips it, or it fails on the key or id: an import run again once its day was closed); that row is
  -- held for key share by tg__number_given_back, so it keeps them until this insert ends. Read only for a row the day
  -- refuses: a payment of an open day reads nothing more
  if found and tg_op = 'INSERT' and app_private.insert_repeats_a_row(tg_table_name, new.clinic_id, new.id, new.idempotency_key) then
    return new;
  end if;
  -- naming the day, and who reopens it (it said neither)
  if found and v_closed.business_date = any (v_days) then
    raise exception 'The business day % is closed: its payments and refunds can no longer change, unless an owner reopens it.', v_closed.business_date
      using errcode = 'CDAYC';
  elsif found then
    raise exception 'That time is within the business day of % (in %, the time zone it was closed in), which is closed: its payments and refunds can no longer change, unless an owner reopens it.',
      v_closed.business_date, v_closed.closed_in_time_zone using errcode = 'CDAYC';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;

revoke all on function app_private.tg__money_day() from public;

COMMENT ON FUNCTION app_private.tg__money_day() IS 'BEFORE INSERT/UPDATE/DELETE on payments and refunds: sets the business day in the clinic''s time zone when the money moves (kept by later updates unless its time is corrected), locks the day against a concurrent close, and refuses any change to a closed day (DAY_CLOSED), and money moved or dated within the hours of a day closed in another time zone, as that zone reads them, before the day was closed (money of those hours taken after its count is the open day''s it falls on). An update that changes nothing (a form saved back as it is: changes_nothing_but_stamps) goes through on any day, and locks none (000459). An insert of a row with the id or idempotency key of a payment or refund of its clinic, which it does not make (ON CONFLICT skips it, or it fails on the key: an import run again once its day was closed), is not refused DAY_CLOSED.';


create or replace function app_private.tg_payment__invoice_issued() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_invoice app_public.invoice;
begin
  select * into v_invoice from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  if v_invoice.status = 'draft' then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  end if;
  if found then
    -- its patient not deleted (the patient read with the deleted ones, as refuse_deleted_patient reads it; no invoice
    -- is deleted); not a payment with the id or idempotency key of one of the clinic's, which this insert does not make
    -- (ON CONFLICT skips it, or it fails on the key or id: an import run again once the patient was deleted), read only
    -- for a deleted patient's invoice
    if (select p.deleted_at is not null from app_public.patient p where p.clinic_id = v_invoice.clinic_id and p.id = v_invoice.patient_id)
       and not app_private.insert_repeats_a_row('payment', new.clinic_id, new.id, new.idempotency_key) then
      perform app_private.refuse_deleted_patient(v_invoice.clinic_id, v_invoice.patient_id);
    end if;
    -- dated as record_payment dates it, whoever writes it (000449); one issued before issued_at was kept: when it was made
    new.received_at := app_private.money_moved_at(new.clinic_id, new.received_at, coalesce(v_invoice.issued_at, v_invoice.created_at), 'payment');
  end if;
  return new;
end;
$$;

revoke all on function app_private.tg_payment__invoice_issued() from public;

COMMENT ON FUNCTION app_private.tg_payment__invoice_issued() IS 'BEFORE INSERT on payments, the invoice read once: it is not a draft (INVALID_INPUT, as record_payment tells first; the rule held for a payment written other than by record_payment, an operator''s psql), its patient is not deleted (INVALID_INPUT, refuse_deleted_patient; not for a payment with the id or idempotency key of one of the clinic''s, which the insert does not make: an import run again), and the payment is dated as record_payment dates it (000449): not more than 5 minutes ahead nor more than 5 minutes before the invoice was issued (INVALID_INPUT), and within those minutes received now, or when the invoice was issued.';


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
    -- not the invoice of this one's id or idempotency key, which this insert does not make (ON CONFLICT skips it, or it
    -- fails on the key or id: an import run again once the visit was called off, its invoice voided first); that
    -- invoice held for key share by tg__number_given_back. Read only where check_visit_billable would refuse it
    if tg_op = 'INSERT' and (v_visit.id is null or v_visit.status in ('cancelled', 'no_show') or new.patient_id is distinct from v_visit.patient_id)
       and app_private.insert_repeats_a_row('invoice', new.clinic_id, new.id, new.idempotency_key) then
      return new;
    end if;
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

COMMENT ON FUNCTION app_private.tg_invoice__defaults() IS 'BEFORE INSERT, and UPDATE OF patient_id or visit_id of a draft (an issued invoice''s are tg_invoice__lifecycle''s to refuse): a new invoice is a draft in the clinic''s currency and tax rate, without the stamps of an issue or a void (000459); one that bills a visit (made from it, or by hand with its visit, or a draft given one) bills the visit''s patient and records its doctor: one with another live invoice CONFLICT naming it (not the invoice of its idempotency key, which the insert does not make: ON CONFLICT skips it, or it fails on the key) (its id in the error''s DETAIL, extensions.invoiceId) (invoice_one_live_per_visit refuses two made at the same moment); a visit not in the clinic is NOT_FOUND, a cancelled or no-show visit INVALID_INPUT, another patient''s INVALID_INPUT unless that patient is not in the clinic (NOT_FOUND) (check_visit_billable, checked again after the invoice''s audit entry by tg_invoice__visit_billable, a change of the visit in flight committed; not for an insert of the id or idempotency key of an invoice of the clinic, which it does not make: an import run again once the visit was called off). A draft whose lines bill the services of its visit keeps that visit (INVALID_INPUT), and a draft''s doctor follows its visit (none once it bills none): the API''s roles write neither column, an operator''s psql does. The doctor of an invoice that bills a visit, issued or draft, is written as the visit''s alone (UPDATE OF doctor_id; INVALID_INPUT otherwise).';
