--! Previous: sha1:bf35a6837edbf60527453e0f6b91dbeb03ac4286
--! Hash: sha1:3990df26d60c23ab9d085787bff95276764ea7b1
--! Message: doctors named after they left removed members listed

--------------------------------------------------------------------------------
-- A visit names its doctor after they have left the clinic, and the clinic lists the members it
-- removed.
--
-- A removed member's membership is soft deleted, so it and the person behind it are hidden: the
-- visits still booked with a doctor who left, the very ones the front desk must give to another
-- doctor (doctorIsAvailable false), answered `doctor: null`, and `restoreMember` needed an id that
-- only the audit log showed. `Visit.doctorName` names the doctor whatever became of them, and
-- `removedMembers` lists the removed memberships (and withdrawn invitations, without the person's
-- name: an invitation not accepted shows the clinic no one; not declined ones, which stay declined)
-- for owners and admins.

create or replace function app_public.visit_doctor_name(v app_public.visit) returns text
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp set clinicops.include_deleted to on as $$
begin
  -- the visit is read again as the session sees it, so a row made up by the caller (another doctor's
  -- visit, another clinic's) names no one; PL/pgSQL, so its plan is kept for the connection (decision 012)
  return (
    select u.full_name
    from app_public.visit seen
    join app_public.membership m on m.clinic_id = seen.clinic_id and m.id = seen.doctor_id and m.accepted_at is not null
    join app_public."user" u on u.id = m.user_id
    where seen.clinic_id = v.clinic_id and seen.id = v.id);
end;
$$;
revoke all on function app_public.visit_doctor_name(app_public.visit) from public;
grant execute on function app_public.visit_doctor_name(app_public.visit) to :DATABASE_VISITOR;
comment on function app_public.visit_doctor_name(app_public.visit) is E'@behavior -resource:aggregate -filterBy -orderBy\nThe name of the visit''s doctor, also once they have left the clinic (a removed member is hidden, so `doctor` is then null).';

drop function if exists app_public.removed_members();
create function app_public.removed_members()
returns table (membership_id uuid, full_name text, role app_public.member_role, removed_at timestamptz)
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp set clinicops.include_deleted to on as $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can list removed members.' using errcode = 'CFORB';
  end if;
  return query
    select m.id, case when m.accepted_at is not null then u.full_name end, m.role, m.deleted_at
    from app_public.membership m join app_public."user" u on u.id = m.user_id
    where m.clinic_id = app_public.current_clinic_id() and m.deleted_at is not null
      -- an invitation its person declined stays declined (restoreMember refuses it): not listed
      and not (m.accepted_at is null and m.deleted_by = m.user_id)
    order by m.deleted_at desc, m.id;
end;
$$;
revoke all on function app_public.removed_members() from public;
grant execute on function app_public.removed_members() to :DATABASE_VISITOR;
comment on function app_public.removed_members() is 'The members removed from the current clinic and the invitations it withdrew, newest first, to restore one with restoreMember(membershipId); invitations their person declined are not listed (they cannot be restored). An invitation never accepted shows no name. Owners and admins (FORBIDDEN otherwise).';
