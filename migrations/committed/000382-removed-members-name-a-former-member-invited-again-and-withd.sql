--! Previous: sha1:5afeabda3fcd308c324ff811f20f710919e8cca6
--! Hash: sha1:cd232624801a9d4b9f5b86f880cdb3328dd4a031
--! Message: Removed members name a former member invited again and withdrawn

-- Removed members name a former member invited again and withdrawn
--
-- removed_members named a removed row only while its accepted_at was set: a member the clinic removed, invited again
-- (invite_again clears accepted_at) and whose new invitation it then withdrew was listed with no name, as an invitee
-- who never consented is, while the audit log names them for every entry of their years as a member (000379): the
-- clinic's owner read a nameless row to restore beside entries naming the person. Both now read one rule,
-- app_private.accepted_once (000379's test: accepted now, or the clinic's chain has the membership's row accepted before
-- or after a change); an invitation never accepted, withdrawn, still names no one.

create or replace function app_private.accepted_once(m app_public.membership) returns boolean
  language sql stable
  set search_path to pg_catalog, public, pg_temp
as $$
  select accepted_once.m.accepted_at is not null
         or exists (select from app_public.audit_log a
                    where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = accepted_once.m.clinic_id
                      and a.table_name = 'membership' and a.record_id = accepted_once.m.id
                      and (a.new_values ->> 'accepted_at' is not null or a.old_values ->> 'accepted_at' is not null));
$$;
revoke all on function app_private.accepted_once(app_public.membership) from public;
comment on function app_private.accepted_once(app_public.membership) is 'Whether the membership `m` was accepted once: accepted now, or an entry of its clinic''s audit chain has its row accepted before or after a change (its insert as an accepted member, its acceptance, a restore), so a member removed and invited again since (pending, declined, withdrawn) was. A person invited who never accepted was not: the clinic is not told their name. Read as the owner role (it reads every audit entry), by audit_log_actor_name and removed_members.';

create or replace function app_public.audit_log_actor_name(entry app_public.audit_log) returns text
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
set clinicops.every_clinic = 'off'
set clinicops.reinvitation = 'off'
as $$
begin
  -- the entry is read again, and named only if it is of the chain the session reads (select_chain's
  -- audit_chain_in_view: this function runs as the owner role, which reads every entry), so a row made
  -- up by the caller names no one; a clinic's entry names a person who is or was a member of that
  -- clinic (removed ones too, and those invited again since: app_private.accepted_once), the platform's chain
  -- anyone; PL/pgSQL, so its plan is kept for the connection (decision 012)
  return (
    select u.full_name
    from app_public.audit_log seen
    join app_public."user" u on u.id = seen.actor_user_id
    where seen.id = entry.id
      and coalesce(seen.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = app_hidden.audit_chain_in_view()
      and (seen.clinic_id is null
           or exists (select from app_public.membership m where m.clinic_id = seen.clinic_id and m.user_id = u.id
                      and app_private.accepted_once(m))));
end;
$$;
revoke all on function app_public.audit_log_actor_name(app_public.audit_log) from public;
grant execute on function app_public.audit_log_actor_name(app_public.audit_log) to :DATABASE_VISITOR;
comment on function app_public.audit_log_actor_name(entry app_public.audit_log) is E'@behavior -resource:aggregate -filterBy -orderBy\nThe name of who acted, also once they have left the clinic (a removed member is hidden from `user`), or were invited again since (pending, or declined); null for no one (the worker, a failed login of an unknown phone) and for a person who was never a member of the clinic (an invitation they never accepted).';

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
    select m.id, case when app_private.accepted_once(m) then u.full_name end, m.role, m.deleted_at
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
comment on function app_public.removed_members() is 'The members removed from the current clinic and the invitations it withdrew, newest first, to restore one with restoreMember(membershipId); invitations their person declined are not listed (they cannot be restored), those withdrawn with no one named as removing them (the operator''s) are. A row names its person when the membership was accepted once (a member invited again since and withdrawn too, as the audit log names them); an invitation never accepted shows no name. Owners and admins (FORBIDDEN otherwise).';
