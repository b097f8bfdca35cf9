--! Previous: sha1:17e1245504f6c026b429830160587b99a7d3f83d
--! Hash: sha1:efab38bbed50a39ae6a74e4edc5ab43c5475d87a
--! Message: A doctor whose account is deactivated is no practising doctor

-- A doctor whose account is deactivated is no practising doctor
--
-- is_practising_doctor (000054) read the doctor's membership alone: a doctor whose account the operator deactivated
-- (user.is_active false: they log in nowhere) was still booked (createVisit, a visit handed to them), their patients
-- checked in to them, and `doctorIsAvailable` said true, so the front desk filled the day of a doctor who could not
-- open it. A practising doctor's account is active too; a booking with one whose account is not is refused saying
-- so, and the visits already booked with them are checked in once given to another doctor, as those of a doctor
-- suspended in the clinic are.
create or replace function app_hidden.is_practising_doctor(clinic_id uuid, membership_id uuid) returns boolean
  language plpgsql stable
as $$
begin
  return exists (
    select 1 from app_public.membership m join app_public."user" u on u.id = m.user_id
    where m.clinic_id = is_practising_doctor.clinic_id and m.id = is_practising_doctor.membership_id
      and m.role = 'doctor' and m.is_active and m.deleted_at is null and m.accepted_at is not null and u.is_active
  );
end;
$$;
comment on function app_hidden.is_practising_doctor(uuid, uuid) is 'Whether the membership is an active, not removed, accepted member of the clinic with the doctor role, whose account is active (000411): who a visit may be booked with. Reads the membership and the account as the caller may.';
grant execute on function app_hidden.is_practising_doctor(uuid, uuid) to :DATABASE_VISITOR;

create or replace function app_private.tg_visit__check_doctor() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'off'
  set clinicops.every_clinic to 'off'
  set clinicops.reinvitation to 'off'
as $$
declare
  v_member app_public.membership;
begin
  if (tg_op = 'INSERT' or new.doctor_id is distinct from old.doctor_id)
     and not app_hidden.is_practising_doctor(new.clinic_id, new.doctor_id) then
    select * into v_member from app_public.membership m
    where m.clinic_id = new.clinic_id and m.id = new.doctor_id and m.deleted_at is null;
    raise exception '%', case
        when v_member.id is null then 'The doctor must be an active member of this clinic with the doctor role.'
        when v_member.role <> 'doctor' then 'This member is not a doctor of the clinic: book a doctor.'
        when v_member.accepted_at is null then 'This doctor has not accepted the clinic''s invitation yet: book them once they have.'
        when not v_member.is_active then 'This doctor is suspended in this clinic: book another doctor.'
        else 'This doctor''s account is deactivated: book another doctor.' -- what is_practising_doctor has left
      end
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__check_doctor() is 'BEFORE INSERT OR UPDATE OF doctor_id: the doctor is an active doctor of the same clinic who accepted the membership (not a pending invitation) and whose account is active (000411); INVALID_INPUT saying which of these a member of the clinic is not, one message for any other id.';
revoke all on function app_private.tg_visit__check_doctor() from public;
