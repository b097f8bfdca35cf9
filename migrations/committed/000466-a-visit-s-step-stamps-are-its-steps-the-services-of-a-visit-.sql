--! Previous: sha1:5b1da9a3c23963c5068788f677ce1621252bee5e
--! Hash: sha1:a7023c5e6b0c3fd1572c1f63463ba7bf691ad7ed
--! Message: A visit's step stamps are its steps'; the services of a visit called off leave the index of those left to bill

-- A visit's step stamps are its steps': written otherwise they are kept, and a new visit has none
--
-- tg_visit__lifecycle stamps checked_in_at / by, started_at / by, completed_at / by, cancelled_at / by and no_show_at / by
-- as the visit takes each step, but left whatever else was written to them while the visit was under way (a finished
-- visit refuses any change): an operator's psql (or a script) could move a waiting patient's check-in to 2020 (first in
-- the waiting room, and not checked in today for a walk-in), stamp a completion or a cancellation on a visit still in the
-- consultation (which the live queue then believes it took), and an insert could book a visit stamped as checked in,
-- seen and cancelled. The API's roles may write none of them (not granted). The stamps are now kept as an invoice's
-- issue and void are (000459): written otherwise than by their step they keep what they were, silently (the row then
-- unchanged, no audit entry), and a new visit has none.
create or replace function app_private.tg_visit__lifecycle() RETURNS trigger
  language plpgsql
  as $$
declare
  v_actor uuid := app_public.current_user_id();
  v_is_own_doctor boolean := new.doctor_id = app_public.current_membership_id() and app_hidden.current_role_in('doctor');
  v_front_desk boolean := app_hidden.current_role_in('owner', 'admin', 'receptionist') or v_actor is null;
begin
  if tg_op = 'INSERT' then
    if new.status <> 'scheduled' then
      raise exception 'A new visit starts as scheduled.' using errcode = 'CTRAN';
    end if;
    -- booked, it has taken no step: none of their stamps (an operator's insert giving them booked a visit that read as
    -- checked in, seen and cancelled in 2020); they are stamped below as the steps are taken
    new.checked_in_at := null; new.checked_in_by := null;
    new.started_at := null; new.started_by := null;
    new.completed_at := null; new.completed_by := null;
    new.cancelled_at := null; new.cancelled_by := null;
    new.no_show_at := null; new.no_show_by := null;
    return new;
  end if;

  if old.status in ('completed', 'cancelled', 'no_show')
     and not app_hidden.changes_nothing_but_stamps(to_jsonb(new), to_jsonb(old), app_hidden.generated_columns(tg_relid)) then
    raise exception 'A % visit cannot change any more%', app_hidden.visit_status_words(old.status),
      case when old.status in ('cancelled', 'no_show') and new.status = 'checked_in'
        then ': a patient who came after all is checked in as a walk-in.' else '.' end
      using errcode = 'CTRAN';
  end if;
  -- the stamps of a step are the step's, set below as it is taken: written otherwise (an operator's psql moving a
  -- waiting patient's check-in to another day, or stamping a completion on a visit still under way) they are kept as
  -- they were, as created_at is (tg__timestamps), and as an invoice's issue and void are (000459). A finished
  -- visit's were kept already: any change of it is refused, above
  new.checked_in_at := old.checked_in_at; new.checked_in_by := old.checked_in_by;
  new.started_at := old.started_at; new.started_by := old.started_by;
  new.completed_at := old.completed_at; new.completed_by := old.completed_by;
  new.cancelled_at := old.cancelled_at; new.cancelled_by := old.cancelled_by;
  new.no_show_at := old.no_show_at; new.no_show_by := old.no_show_by;
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
      -- what to do instead, for the steps staff take by mistake (each one refused, as every step not above)
      raise exception 'A visit cannot go from % to %', app_hidden.visit_status_words(old.status), app_hidden.visit_status_words(new.status) ||
        case
          when old.status = 'scheduled' then ': the front desk checks the patient in first.'
          when old.status = 'checked_in' and new.status = 'completed' then ': start the consultation first.'
          when old.status = 'checked_in' and new.status = 'no_show' then ': a patient who left before being seen is cancelled, with a reason.'
          when old.status = 'checked_in' then ': a check-in is not undone; cancel the visit, with a reason, and book another.'
          when old.status = 'in_progress' then ': a consultation under way is completed by the doctor.'
          else '.'
        end
        using errcode = 'CTRAN';
    end if;
    if new.status in ('in_progress', 'completed') and not (v_is_own_doctor or app_hidden.current_role_in('owner', 'admin') or v_actor is null) then
      raise exception 'Only the visit''s doctor, an owner or an admin can start or complete it.' using errcode = 'CFORB';
    end if;
    if new.status in ('checked_in', 'cancelled', 'no_show') and not v_front_desk then
      raise exception 'Only the front desk can check in, cancel or mark a no-show.' using errcode = 'CFORB';
    end if;
    case new.status
      when 'checked_in' then
        -- a visit of a later day checked in by mistake (the patient's other visit) kept that day for
        -- good: a checked-in visit keeps its time and patient (trusted connections load history)
        if v_actor is not null
           and app_hidden.business_date(new.clinic_id, new.scheduled_at) > app_hidden.business_date(new.clinic_id, now()) then
          raise exception 'This visit is booked for %: a patient is checked in on the day of their visit (move it to today first).',
            app_hidden.local_time_text(new.clinic_id, new.scheduled_at) using errcode = 'CTRAN';
        end if;
        new.checked_in_at := now(); new.checked_in_by := v_actor;
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
  end if;
  -- with any step but cancelling too (a check-in or a start sent with the form's cancel reason): it was kept, and the visit,
  -- seen and completed, read as cancelled for that reason for good
  if new.cancel_reason is distinct from old.cancel_reason and new.status <> 'cancelled' then
    raise exception 'A cancel reason goes with cancelling the visit.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;

comment on function app_private.tg_visit__lifecycle() IS 'BEFORE INSERT OR UPDATE: enforces the visit lifecycle and who may take each step (INVALID_TRANSITION, FORBIDDEN; a step refused says what to do instead), and stamps the step''s time and actor, those stamps kept as they were by any other write of them and none given to a new visit; a check-in on or after the visit''s day (for a session), a no-show only once the visit''s scheduled time has come; its time and patient change only while it is scheduled, its doctor until the consultation starts; a cancel reason only with cancelling (INVALID_INPUT).';
revoke all on function app_private.tg_visit__lifecycle() from public;

-- The services of a visit called off leave the index of the services left to bill
--
-- unbilled_visit_services reads app_private.visit_service_bills from its partial index of the services counted at none
-- (visit_service_bills_unbilled_idx), then each service and its visit, and keeps those of visits in progress or
-- completed. The services of a visit cancelled or marked a no-show (given before it was called off: a visit called off is
-- never invoiced, and its services are frozen) stayed in that index for good, each read with its service and its visit
-- at every call and left out by the visit's status: 3,000 of them made the list of 10 read 3,010 rows and 36,000
-- buffers, 100 ms where it took 2.5 ms without them (about 33 µs each, linear: 30,000 a second, 150,000 the API's
-- statement timeout), a clinic's called-off visits adding up over the years. Each count now says whether its service's
-- visit was called off (called_off, set by the visit's trigger _660_called_off_bills as it is cancelled or marked a
-- no-show, and here for those called off before), and the index holds the services counted at none of visits not called
-- off, the two columns' common values read together by the planner (statistics visit_service_bills_left_to_bill) so that
-- it plans the few left to bill from that index; the count itself, what VisitService.billed reads, is kept as before.
alter table app_private.visit_service_bills add column if not exists called_off boolean not null default false;
comment on column app_private.visit_service_bills.called_off is 'Whether the service''s visit was cancelled or marked a no-show (never to be billed: set by tg_visit__called_off_bills), left out of visit_service_bills_unbilled_idx.';
comment on table app_private.visit_service_bills is 'Each visit''s service with the number of lines of live invoices that bill it (a line in visit_service_line whose invoice is in visit_bill), kept by the triggers on visits'' services, invoice lines and invoices, and whether its visit was called off (cancelled or a no-show): what VisitService.billed, unbilled_visit_services and bill_visit_services read.';

update app_private.visit_service_bills b set called_off = true
from app_public.visit_service s join app_public.visit v on v.clinic_id = s.clinic_id and v.id = s.visit_id
where s.clinic_id = b.clinic_id and s.id = b.visit_service_id and v.status in ('cancelled', 'no_show') and not b.called_off;

drop index if exists app_private.visit_service_bills_unbilled_idx;
create index visit_service_bills_unbilled_idx on app_private.visit_service_bills (clinic_id, visit_service_id) where live_lines = 0 and not called_off;
comment on index app_private.visit_service_bills_unbilled_idx is 'The services no live invoice bills, of visits not called off (cancelled or a no-show): unbilled_visit_services.';
-- the two columns read together, so that the planner counts the services left to bill as few as they are (counted at none
-- and not called off), not as the share of each alone (a clinic's called-off services at none made it read the clinic's
-- visits done, probing the count of each, rather than the index)
create statistics if not exists app_private.visit_service_bills_left_to_bill (mcv) on live_lines, called_off from app_private.visit_service_bills;
comment on statistics app_private.visit_service_bills_left_to_bill is 'live_lines and called_off read together (their common values): the services left to bill (counted at none, of visits not called off) planned as few as they are, so unbilled_visit_services reads visit_service_bills_unbilled_idx.';
analyze app_private.visit_service_bills;

create or replace function app_private.tg_visit__called_off_bills() returns trigger
  language plpgsql security definer
  set search_path to 'pg_catalog', 'public', 'pg_temp'
  set "clinicops.include_deleted" to 'off'
  set "clinicops.every_clinic" to 'off'
  set "clinicops.reinvitation" to 'off'
  as $$
begin
  -- its services, frozen now and never billed (a visit called off is not invoiced), leave what is left to bill
  update app_private.visit_service_bills b set called_off = true
  from app_public.visit_service s
  where s.clinic_id = new.clinic_id and s.visit_id = new.id
    and b.clinic_id = s.clinic_id and b.visit_service_id = s.id and not b.called_off;
  return null;
end;
$$;
comment on function app_private.tg_visit__called_off_bills() is 'AFTER UPDATE OF status to cancelled or no_show: marks the counts of the visit''s services in app_private.visit_service_bills called off, so the index of the services left to bill (visit_service_bills_unbilled_idx) no longer holds them.';
revoke all on function app_private.tg_visit__called_off_bills() from public;

drop trigger if exists _660_called_off_bills on app_public.visit;
create trigger _660_called_off_bills after update of status on app_public.visit for each row
  when (new.status in ('cancelled', 'no_show') and old.status is distinct from new.status)
  execute function app_private.tg_visit__called_off_bills();
comment on trigger _660_called_off_bills on app_public.visit is 'The services of a visit cancelled or marked a no-show leave the index of those left to bill (tg_visit__called_off_bills).';

create or replace function app_public.unbilled_visit_services() RETURNS SETOF app_public.visit_service
  language plpgsql stable security definer
  set search_path to 'pg_catalog', 'public', 'pg_temp'
  set "clinicops.include_deleted" to 'off'
  set "clinicops.every_clinic" to 'off'
  set "clinicops.reinvitation" to 'off'
  as $$
begin
  -- the kept rows counted at none, of visits not called off (the index's: a cancelled or no-show visit's services were
  -- read and left out at every call), each service and visit read as the session sees them (the policies: a doctor's
  -- own visits); PL/pgSQL, so its plan is kept for the connection (decision 012)
  return query select s.* from app_private.visit_service_bills b
    join app_public.visit_service s on s.clinic_id = b.clinic_id and s.id = b.visit_service_id
    join app_public.visit v on v.clinic_id = s.clinic_id and v.id = s.visit_id
    where b.clinic_id = app_public.current_clinic_id() and b.live_lines = 0 and not b.called_off
      and v.status in ('in_progress', 'completed')
    order by s.visit_id, s.position;
end;
$$;
comment on function app_public.unbilled_visit_services() IS 'The services no live invoice bills (VisitService.billed false) of the visits in progress or completed, by visit and in the visit''s order: what is left to bill. Read from a count kept per service (of visits not called off), so it reads these services alone, not every service the clinic gave (visitServices with the same filter does). As visitServices, each role sees the services of the visits it sees: a doctor those of their own visits.';
revoke all on function app_public.unbilled_visit_services() from public;
grant all on function app_public.unbilled_visit_services() TO :DATABASE_VISITOR;

comment on function app_hidden.changes_nothing_but_stamps(jsonb, jsonb, text[]) is 'Whether an update (the row as it will be, the row as it was, the table''s generated columns: generated_columns) changes nothing but the stamps, updated_at and updated_by: a form saved back as it is. Compared as tg__audit compares, the generated columns through the columns they are made of. The one rule of tg__unchanged_keeps_stamps, tg__money_day, tg_daily_reconciliation__closed_is_final and tg_visit__lifecycle (a finished visit saved back as it is).';
