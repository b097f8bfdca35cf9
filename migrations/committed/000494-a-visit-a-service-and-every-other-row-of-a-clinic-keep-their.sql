--! Previous: sha1:7cd4dda50362860c70cf1213fe8839b6cc2dadc2
--! Hash: sha1:14ea1a6851a1b0b5cc61b48576c64ce32b25d0ea
--! Message: A visit, a service and every other row of a clinic keep their clinic; a visit is booked without a cancel reason

-- Enter migration here

-- Every row of a clinic keeps its clinic: an operator's psql moves no visit, patient, service or other row to another clinic
--
-- Only a day's reconciliation kept its clinic (000487). An operator's psql could move any other row of a clinic to
-- another by setting its clinic_id (with its patient and doctor there, for a visit): the row kept its code, VIS-000001
-- of the clinic it left, which the clinic it entered then gave its own next visit, refused CONFLICT at every booking
-- after (the counter, given back by each refusal, stayed on that number); its audit entry, in the chain of the clinic it
-- entered, told that clinic the row as it was in the other (that clinic's patient, doctor and reason), while the chain
-- of the clinic it left never told it went; and the live queue of the clinic it left, notified on the other clinic's
-- channel alone, listed it for good. Each table of a clinic's rows (but the audit log, append-only, and the day's row,
-- kept by _125_day_kept) now refuses a change of its clinic_id, INVALID_INPUT, whoever writes it: a row is made anew
-- in the other clinic.
create or replace function app_private.tg__clinic_kept() returns trigger
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  raise exception 'This % keeps its clinic: make it anew in the other clinic instead.', replace(tg_table_name, '_', ' ')
    using errcode = 'CINVL';
end;
$$;
revoke all on function app_private.tg__clinic_kept() from public;
comment on function app_private.tg__clinic_kept() is 'BEFORE UPDATE OF clinic_id that changes it, on every table of a clinic''s rows but the audit log (append-only) and the day''s reconciliation (tg_daily_reconciliation__day_kept): refused (INVALID_INPUT), whoever writes it. A row moved to another clinic kept its code, which that clinic then gave again (its next booking refused), and told its old clinic''s data in the other''s audit chain.';
do $$
declare
  v_table text;
begin
  foreach v_table in array array['invoice', 'invoice_line', 'membership', 'patient', 'payment', 'refund', 'report_export',
                                 'service', 'service_price', 'visit', 'visit_service'] loop
    execute format('drop trigger if exists _010_clinic_kept on app_public.%I', v_table);
    execute format('create trigger _010_clinic_kept before update of clinic_id on app_public.%I for each row '
                   'when (new.clinic_id is distinct from old.clinic_id) execute function app_private.tg__clinic_kept()', v_table);
    execute format('comment on trigger _010_clinic_kept on app_public.%I is %L', v_table,
                   'A row keeps its clinic (tg__clinic_kept): INVALID_INPUT.');
  end loop;
end;
$$;

-- A visit is booked without a cancel reason, written from an operator's psql too
--
-- A cancel reason goes with cancelling alone (000321), but only an update was held to it: an operator's insert of a
-- visit with a cancel reason (a load of bookings from another system, its column mapped by mistake) booked it with
-- one, and the visit, checked in, seen and completed, read as cancelled for that reason for good. A new visit's cancel
-- reason is now INVALID_INPUT, as a step's is (a blank one, which is none, goes: tg_visit__reasons_trimmed runs first).
create or replace function app_private.tg_visit__lifecycle() returns trigger
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
    -- nor cancelled for a reason: a visit booked with one (an operator's insert) was checked in, seen and completed
    -- with it, read as cancelled for that reason for good, as a step sent with one was until 000321
    if new.cancel_reason is not null then
      raise exception 'A cancel reason goes with cancelling the visit.' using errcode = 'CINVL';
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
comment on function app_private.tg_visit__lifecycle() is 'BEFORE INSERT OR UPDATE: enforces the visit lifecycle and who may take each step (INVALID_TRANSITION, FORBIDDEN; a step refused says what to do instead), and stamps the step''s time and actor, those stamps kept as they were by any other write of them and none given to a new visit; a check-in on or after the visit''s day (for a session), a no-show only once the visit''s scheduled time has come; its time and patient change only while it is scheduled, its doctor until the consultation starts; a cancel reason only with cancelling, a new visit none (INVALID_INPUT).';
