--! Previous: sha1:33dbbbae55b202d99350048ec9af8dc33544d7e9
--! Hash: sha1:341d04b86f9860d55bbb8085a4148d59f9e59555
--! Message: doctors refused saying why

-- A visit booked with a member who cannot take it says why, of the clinic's own members: a doctor
-- invited who has not accepted yet (the booking screen's query lists invitations too), a doctor
-- suspended, a member who is not a doctor. Any other id (another clinic's member, none) keeps the
-- one message, so that it tells nothing of other clinics.

create or replace function app_private.tg_visit__check_doctor() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
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
        else 'This doctor is suspended in this clinic: book another doctor.' -- what is_practising_doctor has left
      end
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__check_doctor() is 'BEFORE INSERT OR UPDATE OF doctor_id: the doctor is an active doctor of the same clinic who accepted the membership (not a pending invitation); INVALID_INPUT saying which of these a member of the clinic is not, one message for any other id.';
