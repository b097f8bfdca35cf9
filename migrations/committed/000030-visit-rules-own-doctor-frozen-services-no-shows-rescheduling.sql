--! Previous: sha1:39a0b57e465e0af5344cead41adc7dc952c3a3d1
--! Hash: sha1:f942defd7574d6de95e788741604be58ffb8598e
--! Message: visit rules: own doctor is a doctor, frozen services locked, no-shows after their time, no rescheduling once under way

--------------------------------------------------------------------------------
-- A visit's own doctor is a doctor: a member whose role changed from doctor (to cashier, to
-- receptionist) keeps their visits until the front desk reassigns them, and with them kept the
-- doctor's rights over their services: a cashier could add, discount and remove the lines they
-- then invoiced. The "own visit" branch of these policies now asks for the doctor role too, as the
-- lifecycle trigger already did for starting and completing a visit.

do $$
declare
  v_policy record;
begin
  for v_policy in
    select * from (values ('insert_clinicians', 'insert', 'with check'), ('update_clinicians', 'update', 'using'),
                          ('delete_clinicians', 'delete', 'using')) p(name, command, clause)
  loop
    execute format('drop policy if exists %I on app_public.visit_service', v_policy.name);
    execute format($policy$
      create policy %I on app_public.visit_service for %s %s (
        clinic_id = (select app_public.current_clinic_id())
        and ((select app_hidden.current_role_in('owner', 'admin'))
             or ((select app_hidden.current_role_in('doctor'))
                 and exists (select 1 from app_public.visit v
                             where v.clinic_id = visit_service.clinic_id and v.id = visit_service.visit_id
                               and v.doctor_id = (select app_public.current_membership_id()))))
      )$policy$, v_policy.name, v_policy.command, v_policy.clause);
  end loop;
end;
$$;

drop policy if exists update_front_desk_and_doctor on app_public.visit;
create policy update_front_desk_and_doctor on app_public.visit for update using (
  clinic_id = (select app_public.current_clinic_id())
  and ((select app_hidden.current_role_in('owner', 'admin', 'receptionist'))
       or ((select app_hidden.current_role_in('doctor')) and doctor_id = (select app_public.current_membership_id())))
);

--------------------------------------------------------------------------------
-- The services of a finished visit are frozen, also against a line added, changed or removed at the
-- moment the visit is completed (or cancelled): the check read the visit's status without a lock,
-- so a line added while the completion was in flight saw "in_progress" and was kept on the
-- completed visit, outside the day's completed value. The check now reads the visit FOR SHARE,
-- which waits for a status change in flight and then sees it (INVALID_TRANSITION), and makes a
-- completion that comes second wait for the line, which its rollup then counts.

create or replace function app_private.tg_visit_service__snapshot() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_line app_public.visit_service := case when tg_op = 'DELETE' then old else new end;
  v_status app_public.visit_status;
begin
  select v.status into v_status from app_public.visit v
  where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id
  for share;
  if v_status in ('completed', 'cancelled', 'no_show') then
    raise exception 'The services of a % visit are frozen.', v_status using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'INSERT' then
    select s.price into new.unit_price from app_public.service s
    where s.clinic_id = new.clinic_id and s.id = new.service_id and s.is_active and s.deleted_at is null;
    if not found then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  else
    new.unit_price := old.unit_price;
    if (new.visit_id, new.service_id) is distinct from (old.visit_id, old.service_id) then
      raise exception 'Remove the line and add another instead of changing its visit or service.' using errcode = 'CINVL';
    end if;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit_service__snapshot() is 'BEFORE INSERT/UPDATE/DELETE: copies the catalog price at insert, keeps it afterwards, and freezes the services of finished visits; reads the visit FOR SHARE, so a line and a completion of its visit at once take turns.';

--------------------------------------------------------------------------------
-- A no-show is a patient who did not come: a visit can be marked one only once its time has come.
-- The front desk could mark tomorrow's visit a no-show (a slip of the list, or the wrong row),
-- which ended it for good (a finished visit never changes) and counted it in the no-show figures.
-- Refused with INVALID_TRANSITION until the visit's scheduled time; cancel a future visit instead.
--
-- Rescheduling is for visits still to come: once the patient has checked in, the visit's time and
-- patient no longer change (they moved a visit under way to another day of the queue and the
-- rollups, or its consultation and services to another patient), and once the consultation has
-- started, nor does its doctor (a waiting patient can still be handed to another doctor).
-- INVALID_TRANSITION; a visit booked for the wrong patient is cancelled and booked again.

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
    raise exception 'A % visit cannot change any more.', old.status using errcode = 'CTRAN';
  end if;
  if (new.patient_id, new.doctor_id, new.scheduled_at, new.reason) is distinct from (old.patient_id, old.doctor_id, old.scheduled_at, old.reason)
     and not v_front_desk then
    raise exception 'Only the front desk can reschedule a visit.' using errcode = 'CFORB';
  end if;
  if (new.patient_id, new.scheduled_at) is distinct from (old.patient_id, old.scheduled_at) and old.status <> 'scheduled' then
    raise exception 'A % visit keeps its time and patient: the patient is already here (cancel it and book another for a mistake).', old.status
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
      raise exception 'A visit cannot go from % to %.', old.status, new.status using errcode = 'CTRAN';
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
          raise exception 'This visit''s time has not yet come: it cannot be a no-show before %; cancel it instead.', new.scheduled_at
            using errcode = 'CTRAN';
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
comment on function app_private.tg_visit__lifecycle() is 'BEFORE INSERT OR UPDATE: enforces the visit lifecycle and who may take each step (INVALID_TRANSITION, FORBIDDEN), and stamps the step''s time and actor; a no-show only once the visit''s scheduled time has come; its time and patient change only while it is scheduled, its doctor until the consultation starts.';
