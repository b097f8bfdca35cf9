--! Previous: sha1:4c73d7edf0ccb3d09359ae7595c98a8252df6d3f
--! Hash: sha1:8b1837beeb3bed8e1c1d399edfde7d0b023b1457
--! Message: A payment of a closed day saved back unchanged is taken; an invoice's issue and void stamps are their steps'

-- A payment or refund of a closed day saved back as it is answers it, where it was refused DAY_CLOSED
--
-- tg__money_day refused every update of a closed day's payment or refund, one that changed nothing too: a cashier
-- opening a payment of a day since closed and saving it without changing anything (updatePayment with its method and
-- reference as they are, as a client that sends every field back does; the reference as typed, kept without the white
-- space around it) was told "The business day … is closed", where nothing would change, and so was an operator's
-- `update … set reference = reference`. Such an update now goes through, writing nothing a day counted (no audit
-- entry, the stamps kept: _999_unchanged_keeps_stamps, 000452, compares as this does), and takes no lock of the day.
-- Every change is still refused on a closed day, a reference's or a method's too.
create or replace function app_private.tg__money_day() returns trigger
  language plpgsql security definer
  set search_path to 'pg_catalog', 'public', 'pg_temp'
  set "clinicops.include_deleted" to 'off'
  set "clinicops.every_clinic" to 'off'
  set "clinicops.reinvitation" to 'off'
  as $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_at timestamptz := coalesce(v_row ->> 'received_at', v_row ->> 'refunded_at')::timestamptz;
  v_clinic uuid := (v_row ->> 'clinic_id')::uuid;
  v_days date[];
  v_moved boolean := tg_op = 'INSERT'
    or (tg_op = 'UPDATE' and v_at is distinct from coalesce(to_jsonb(old) ->> 'received_at', to_jsonb(old) ->> 'refunded_at')::timestamptz);
  v_closed app_public.daily_reconciliation;
  v_generated text[] := case when tg_op = 'UPDATE' then array(
    select a.attname::text from pg_catalog.pg_attribute a where a.attrelid = tg_relid and a.attgenerated <> '' and not a.attisdropped) end;
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
  if tg_op = 'UPDATE' and (to_jsonb(new) - 'updated_at' - 'updated_by' - v_generated) = (to_jsonb(old) - 'updated_at' - 'updated_by' - v_generated) then
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

comment on function app_private.tg__money_day() is 'BEFORE INSERT/UPDATE/DELETE on payments and refunds: sets the business day in the clinic''s time zone when the money moves (kept by later updates unless its time is corrected), locks the day against a concurrent close, and refuses any change to a closed day (DAY_CLOSED), and money moved or dated within the hours of a day closed in another time zone, as that zone reads them, before the day was closed (money of those hours taken after its count is the open day''s it falls on). An update that changes nothing (a form saved back as it is; compared without the stamps and the generated columns) goes through on any day, and locks none (000459).';
revoke all on function app_private.tg__money_day() from public;

-- An invoice keeps the stamps of its issue and void unless the step is taken, and is made without them
--
-- tg_invoice__lifecycle stamps issued_at / issued_by as a draft leaves draft and voided_at / voided_by as an invoice is
-- voided (000437), but left whatever else was written to them: an operator's psql (or a script) could move an issued
-- invoice's issued_at after its payments, or before the clinic existed, stamp a void on an invoice that is not void
-- (voided in 2019, before it was issued), or give a draft voided as made in error an issue it never had, and an insert
-- could make a draft stamped as issued and voided. What keys on issued_at (the PDF, reports, the analysts' views, the
-- payments' earliest date) read them. The API's roles may write none of them (not granted). The stamps are now kept as
-- created_at is (tg__timestamps): written otherwise than by their step they keep what they were, silently, and a new
-- invoice, a draft, has none.
create or replace function app_private.tg_invoice__lifecycle() returns trigger
  language plpgsql
  as $$
begin
  if old.status = 'void' then
    raise exception 'A void invoice cannot change.' using errcode = 'CTRAN';
  end if;
  -- the stamps of a step are the step's, set below as it is taken: written otherwise (an operator's psql moving an
  -- issue after its payments, or stamping a void on an invoice not void) they are kept as they were, as created_at
  -- is (tg__timestamps; 000459)
  new.issued_at := old.issued_at;
  new.issued_by := old.issued_by;
  new.voided_at := old.voided_at;
  new.voided_by := old.voided_by;
  if (new.patient_id, new.visit_id, new.currency) is distinct from (old.patient_id, old.visit_id, old.currency)
     and old.status <> 'draft' then
    raise exception 'An issued invoice cannot change its patient, visit or currency.' using errcode = 'CTRAN';
  end if;
  if new.status = 'void' then
    -- whoever writes it (void_invoice, an operator's psql): a reason that says something, and who voided it, when
    new.void_reason := app_hidden.reason_or_null(new.void_reason);
    if new.void_reason is null then
      raise exception 'A reason is required to void an invoice.' using errcode = 'CINVL';
    end if;
    if new.amount_paid > 0 then
      raise exception 'Refund the payments of this invoice before voiding it.' using errcode = 'CINVL';
    end if;
    new.voided_at := now();
    new.voided_by := app_public.current_user_id();
    return new;
  end if;
  -- a draft leaving draft is issued (as paid, when there is nothing to pay), whoever writes it (issue_invoice, an
  -- operator's psql): with a line, and stamped
  if old.status = 'draft' and new.status <> 'draft' then
    if not exists (select from app_public.invoice_line l where l.clinic_id = new.clinic_id and l.invoice_id = new.id) then
      raise exception 'An invoice needs at least one line to be issued.' using errcode = 'CINVL';
    end if;
    new.issued_at := now();
    new.issued_by := app_public.current_user_id();
  end if;
  -- Once issued, the payments decide the status; nothing left to pay (a total of 0 too) is paid.
  if old.status <> 'draft' or new.status <> 'draft' then
    new.status := case
      when new.amount_paid >= new.total then 'paid'
      when new.amount_paid = 0 then 'issued'
      else 'partially_paid'
    end::app_public.invoice_status;
  end if;
  return new;
end;
$$;

comment on function app_private.tg_invoice__lifecycle() is 'BEFORE UPDATE: void is final and needs a reason that says something (kept without the white space around it) and nothing paid; a draft is issued with at least one line (INVALID_INPUT otherwise); issuing stamps issued_at / issued_by and voiding voided_at / voided_by, whoever writes the status (now() and the session''s user, null outside a session: 000437), and those stamps are kept as they were by any other write of them (000459); after issue the status follows amount_paid (issued, partially_paid, paid; an invoice with nothing to pay, a total of 0, is paid).';
revoke all on function app_private.tg_invoice__lifecycle() from public;

create or replace function app_private.tg_invoice__defaults() returns trigger
  language plpgsql security definer
  set search_path to 'pg_catalog', 'public', 'pg_temp'
  set "clinicops.include_deleted" to 'off'
  set "clinicops.every_clinic" to 'off'
  set "clinicops.reinvitation" to 'off'
  as $$
declare
  v_visit app_public.visit;
  v_live app_public.invoice;
begin
  select c.currency, c.tax_rate into new.currency, new.tax_rate from app_public.clinic c where c.id = new.clinic_id;
  new.status := 'draft';
  new.amount_paid := 0;
  -- a draft has taken no step: none of the stamps of its issue or void (an operator's insert giving them made a draft
  -- that read as issued in 2020, or voided: 000459); tg_invoice__lifecycle stamps them as the steps are taken
  new.issued_at := null;
  new.issued_by := null;
  new.voided_at := null;
  new.voided_by := null;
  -- checked for those who may invoice: another role's insert is refused by the policies (FORBIDDEN,
  -- saying who may), whatever visit it names
  if new.visit_id is not null and (app_hidden.may_invoice() or app_hidden.in_system_context()) then
    select * into v_visit from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id;
    if not found then
      raise exception 'No such visit in this clinic.' using errcode = 'CNOTF';
    elsif v_visit.status in ('cancelled', 'no_show') then
      raise exception 'A % visit is not invoiced.', app_hidden.visit_status_words(v_visit.status) using errcode = 'CINVL';
    elsif new.patient_id is distinct from v_visit.patient_id then
      if new.patient_id is not null and not exists (select from app_public.patient p where p.clinic_id = new.clinic_id and p.id = new.patient_id) then
        raise exception 'No such patient in your clinic.' using errcode = 'CNOTF';
      end if;
      raise exception 'This visit is another patient''s: bill the patient of the visit.' using errcode = 'CINVL';
    end if;
    select * into v_live from app_public.invoice i where i.clinic_id = new.clinic_id and i.visit_id = new.visit_id and i.status <> 'void' limit 1;
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

comment on function app_private.tg_invoice__defaults() is 'BEFORE INSERT: a new invoice is a draft in the clinic''s currency and tax rate, without the stamps of an issue or a void (000459); one that bills a visit (made from it, or by hand with its visit) bills the visit''s patient and records its doctor: a visit not in the clinic is NOT_FOUND, a cancelled or no-show visit INVALID_INPUT, another patient''s INVALID_INPUT unless that patient is not in the clinic (NOT_FOUND), one with a live invoice CONFLICT naming it (its id in the error''s DETAIL, extensions.invoiceId) (invoice_one_live_per_visit refuses two made at the same moment).';
revoke all on function app_private.tg_invoice__defaults() from public;
