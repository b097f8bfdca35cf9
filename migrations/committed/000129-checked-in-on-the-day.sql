--! Previous: sha1:9114848ea65502dcb4a6a63f07988494c1a3c706
--! Hash: sha1:8bf56b18b4a17ad82fafb1faa082cb2d1424254f
--! Message: checked in on the day

-- A patient is checked in on the day of their visit: a visit of a later day (the patient's other
-- visit, clicked by mistake) could be checked in and started, and a checked-in visit keeps its time
-- and patient, so the mistake could not be undone. A visit of an earlier day (a patient come late,
-- the day after) is still checked in, and trusted connections (operators, data loads) check in any.

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
  elsif new.cancel_reason is distinct from old.cancel_reason then
    raise exception 'A cancel reason goes with cancelling the visit.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__lifecycle() is 'BEFORE INSERT OR UPDATE: enforces the visit lifecycle and who may take each step (INVALID_TRANSITION, FORBIDDEN), and stamps the step''s time and actor; a check-in on or after the visit''s day (for a session), a no-show only once the visit''s scheduled time has come; its time and patient change only while it is scheduled, its doctor until the consultation starts.';
