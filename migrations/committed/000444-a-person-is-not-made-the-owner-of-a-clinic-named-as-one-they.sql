--! Previous: sha1:99ccd292b5b32b495a36c51d7b11bc919585132c
--! Hash: sha1:61af3cf421d687c0e0f7ea1ef9ba90ae13a727be
--! Message: A person is not made the owner of a clinic named as one they own; a platform admin's invitation judged as a manager's

-- Enter migration here

-- A person is not made the owner of a clinic named as one they own
--
-- createClinicWithOwner makes no second clinic of one name for an owner (000045), and updateClinic renames no clinic to
-- the name of its owner's other clinic (000399: two clinics of one name are told apart nowhere the person picks one, the
-- login's `clinics`, myClinics, the switch). But a person came to own a clinic named as one they owned in every other
-- way: accepting an owner invitation (acceptInvitation), made an owner by an owner (updateMembership's role), an owner
-- membership made active again or restored (restoreMember), an operator's insert. Now a membership that becomes an owner's
-- (role owner, active, accepted, not removed, where it was not) of a clinic whose name, compared as creation compares it
-- (clinic_name_key), is that of another clinic the person owns, is a CONFLICT "This person already owns a clinic named
-- …: one of the two is renamed first (updateClinic), …" ("You already own …" to the person accepting), nothing changed.
-- It takes the person's phone's lock first (account_lock_key), as creation and a rename take their owners', so that a
-- creation, a rename and this at once take turns and the second reads what the first committed. Pairs made before stay
-- until one is renamed.

create or replace function app_private.tg_membership__one_clinic_of_a_name_per_owner() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set clinicops.include_deleted = 'off'
    set clinicops.every_clinic = 'on'
    set clinicops.reinvitation = 'off'
    as $$
declare
  v_name text;
begin
  -- owned before this change already: nothing new (the trigger's condition says it is owned after)
  if tg_op = 'UPDATE' and old.role = 'owner' and old.is_active and old.deleted_at is null and old.accepted_at is not null then
    return new;
  end if;
  -- the phone's lock, as create_clinic_with_owner takes it for its owner and a rename for the clinic's owners: what they
  -- committed meanwhile is read below
  perform pg_advisory_xact_lock(app_private.account_lock_key(u.phone)) from app_public."user" u where u.id = new.user_id;
  -- this clinic's name, which the refusal names (not the other clinic's, which the caller may not know)
  select c.name into v_name from app_public.clinic c where c.id = new.clinic_id;
  -- the person's other clinics (by their memberships' index), not every clinic's name
  if exists (
    select from app_public.membership o join app_public.clinic c on c.id = o.clinic_id
    where o.user_id = new.user_id and o.clinic_id <> new.clinic_id and o.role = 'owner'
      and o.deleted_at is null and o.is_active and o.accepted_at is not null
      and app_private.clinic_name_key(c.name) = app_private.clinic_name_key(v_name)
  ) then
    if new.user_id = app_public.current_user_id() then
      raise exception 'You already own a clinic named %: one of the two is renamed first (updateClinic), so that you tell them apart where you pick a clinic.', v_name
        using errcode = 'CCONF';
    end if;
    raise exception 'This person already owns a clinic named %: one of the two is renamed first (updateClinic), so that they tell them apart where they pick a clinic.', v_name
      using errcode = 'CCONF';
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_membership__one_clinic_of_a_name_per_owner() from public;
comment on function app_private.tg_membership__one_clinic_of_a_name_per_owner() is 'BEFORE INSERT or UPDATE, for each row, of a membership owned after it (role owner, active, accepted, not removed): one that was not (an owner invitation accepted, a member made an owner, an owner membership made active again or restored, an operator''s insert) is refused (CONFLICT) when the person owns another clinic whose name is this clinic''s as clinic_name_key compares them, as create_clinic_with_owner makes none and tg_clinic__name_not_an_owners_other renames none so; under the person''s phone''s lock (account_lock_key), which they take too.';

drop trigger if exists _220_one_clinic_of_a_name_per_owner on app_public.membership;
create trigger _220_one_clinic_of_a_name_per_owner
  before insert or update on app_public.membership
  for each row
  when (new.role = 'owner' and new.is_active and new.deleted_at is null and new.accepted_at is not null)
  execute function app_private.tg_membership__one_clinic_of_a_name_per_owner();
comment on trigger _220_one_clinic_of_a_name_per_owner on app_public.membership is 'A person owns no two clinics of one name (tg_membership__one_clinic_of_a_name_per_owner).';

-- A platform administrator who is also a clinic's manager is judged by their role as it is now, as any manager
--
-- tg_membership__changed_by_a_manager judges a membership written in a member's session by the writer's role as it is
-- once the clinic's turn is theirs (000369), but let every insert of a platform administrator through unjudged, for the
-- owner of a clinic they create. That insert is of a clinic no session is of, which the function already leaves alone
-- (new.clinic_id is not the session's clinic); the exemption only let an admin of a clinic who is also a platform
-- administrator, demoted (or suspended, removed) by an owner while their inviteMember waited for the clinic's turn, add
-- the person all the same. Now their insert is judged as every manager's: FORBIDDEN (UNAUTHENTICATED, their session
-- ended), nothing added; createClinicWithOwner's owner is still not judged here.

create or replace function app_private.tg_membership__changed_by_a_manager() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set clinicops.include_deleted = 'off'
    set clinicops.every_clinic = 'off'
    as $$
begin
  -- no session (the operator, the worker), another clinic's or none (a person answering an invitation, a platform
  -- administrator creating a clinic, whose new clinic no session is of), and a person answering their own invitation:
  -- not judged here
  if app_public.current_user_id() is null or new.clinic_id is distinct from app_public.current_clinic_id()
     or (tg_op = 'UPDATE' and old.accepted_at is null and old.user_id = app_public.current_user_id()) then
    return new;
  end if;
  -- the caller's role as it is now, under the clinic's turn (a statement of a function of its own reads what has
  -- committed): the policies judged it as it was when the statement began (a session ended meanwhile: CAUTH); a
  -- platform administrator who is a manager of this clinic too, as any manager
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin adds, changes or removes a member: your role in this clinic has changed.'
      using errcode = 'CFORB';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_membership__changed_by_a_manager() is 'BEFORE INSERT or UPDATE (a removal is a soft delete''s update), for each row: a membership of the session''s clinic written in a member''s session is written by an owner or admin as their role is once the clinic''s turn is theirs (tg_membership__managers_take_turns), not as the statement''s snapshot had it: of two managers demoting, suspending or removing each other at once, the second is FORBIDDEN (or UNAUTHENTICATED, its session ended), and so is an invitation of a manager demoted meanwhile, a platform administrator''s too. A person answering their own invitation, and the owner of a clinic a platform administrator creates (a clinic no session is of), are not judged here.';
