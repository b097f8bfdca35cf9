--! Previous: sha1:a239194c97d7a7befaa8a69ee928007d63628239
--! Hash: sha1:ca683761ff111db3032eac78b2f0fde0abc898c1
--! Message: Removed members list an invitation withdrawn with no one in deleted_by

-- Removed members list an invitation withdrawn without a name in deleted_by
--
-- removedMembers hid the declined invitations with `not (accepted_at is null and deleted_by = user_id)`, which is null,
-- and so hid the row, when deleted_by is null: an invitation withdrawn from the operator's shell (a `delete` without a
-- session stamps no one), though restoreMember brings it back (tg_membership__declined_stays_declined reads a declined
-- invitation as one its own person removed, and a null deleted_by as not declined). It now reads the same rule: an
-- invitation is declined when deleted_by is its person; one removed by no one named is listed, and restorable.
create or replace function app_public.removed_members()
returns table (membership_id uuid, full_name text, role app_public.member_role, removed_at timestamptz)
language plpgsql stable security definer
set search_path to pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
set clinicops.every_clinic = 'off'
set clinicops.reinvitation = 'off'
as $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can list removed members.' using errcode = 'CFORB';
  end if;
  return query
    select m.id, case when m.accepted_at is not null then u.full_name end, m.role, m.deleted_at
    from app_public.membership m join app_public."user" u on u.id = m.user_id
    where m.clinic_id = app_public.current_clinic_id() and m.deleted_at is not null
      -- an invitation its person declined stays declined (restoreMember refuses it): not listed; one removed by no one
      -- named (deleted_by null: the operator's delete) was not declined, as restoreMember reads it too
      and (m.accepted_at is not null or m.deleted_by is distinct from m.user_id)
    order by m.deleted_at desc, m.id;
end;
$$;
revoke all on function app_public.removed_members() from public;
grant execute on function app_public.removed_members() to :DATABASE_VISITOR;
comment on function app_public.removed_members() is 'The members removed from the current clinic and the invitations it withdrew, newest first, to restore one with restoreMember(membershipId); invitations their person declined are not listed (they cannot be restored), those withdrawn with no one named as removing them (the operator''s) are. An invitation never accepted shows no name. Owners and admins (FORBIDDEN otherwise).';
