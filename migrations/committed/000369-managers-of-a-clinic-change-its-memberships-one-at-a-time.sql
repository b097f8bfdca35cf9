--! Previous: sha1:c5a28dfef8ae6da6310a207ac4e86bca2b752e21
--! Hash: sha1:2536b8b50c338bf4d121c81ff5a15b1b06299961
--! Message: Managers of a clinic change its memberships one at a time

-- Owners and admins changing memberships take turns, each judged by their role as it is then
--
-- Two admins of a clinic demoting each other at once (each `updateMembership` of the other to doctor), suspending or
-- removing each other, both succeeded: each change was judged by the policies on the snapshot its statement began
-- with, in which the other had not committed yet and both were still admins, and the clinic was left with neither,
-- where one after the other the second would have been refused (the three owners of a clinic too: two stepping each
-- other down at once left the third alone). Now a change of memberships made in an owner's or admin's session takes
-- the clinic's turn (app_private.take_members_turn, before any membership row is locked: a statement trigger, and
-- remove_member before it locks the row it removes), and each row it writes is judged again by the caller's role as
-- it is once the turn is theirs (tg_membership__changed_by_a_manager): the second of two at once waits for the first
-- to commit, and is refused, FORBIDDEN (or, removed or suspended meanwhile, told to log in again), not a deadlock.
create or replace function app_private.take_members_turn(clinic_id uuid) returns void
  language plpgsql volatile
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  perform pg_advisory_xact_lock(hashtextextended('members:' || take_members_turn.clinic_id, 0));
end;
$$;
comment on function app_private.take_members_turn(clinic_id uuid) is
  'Takes, until commit, the clinic''s turn of changes to its memberships by its owners and admins (tg_membership__managers_take_turns, remove_member), before any membership row is locked: two at once take turns, and the second is judged by the role its caller has once the first has committed (tg_membership__changed_by_a_manager).';

create or replace function app_private.tg_membership__managers_take_turns() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'off'
  set clinicops.every_clinic to 'off'
as $$
begin
  -- the role as it is now (a statement of a function of its own): one who is no longer a manager takes no turn, and
  -- is refused at the row by tg_membership__changed_by_a_manager
  if app_hidden.current_role_in('owner', 'admin') then
    perform app_private.take_members_turn(app_public.current_clinic_id());
  end if;
  return null;
end;
$$;
comment on function app_private.tg_membership__managers_take_turns() is
  'BEFORE INSERT, UPDATE or DELETE, for each statement: a statement of a session whose role is owner or admin takes its clinic''s turn of membership changes (take_members_turn) before it locks any membership row, so that owners and admins changing memberships at once (demoting, suspending, removing each other) take turns.';
drop trigger if exists _150_managers_take_turns on app_public.membership;
create trigger _150_managers_take_turns before insert or update or delete on app_public.membership
  for each statement execute function app_private.tg_membership__managers_take_turns();
comment on trigger _150_managers_take_turns on app_public.membership is
  'Owners and admins changing memberships take turns, the clinic''s turn taken before any row is locked (tg_membership__managers_take_turns).';

create or replace function app_private.tg_membership__changed_by_a_manager() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'off'
  set clinicops.every_clinic to 'off'
as $$
begin
  -- no session (the operator, the worker), another clinic's or none (a person answering an invitation, a platform
  -- administrator creating a clinic), a person answering their own invitation, and a platform administrator's
  -- insert, which the policies let through whatever their role: not judged here
  if app_public.current_user_id() is null or new.clinic_id is distinct from app_public.current_clinic_id()
     or (tg_op = 'UPDATE' and old.accepted_at is null and old.user_id = app_public.current_user_id())
     or (tg_op = 'INSERT' and app_public.current_user_is_platform_admin()) then
    return new;
  end if;
  -- the caller's role as it is now, under the clinic's turn (a statement of a function of its own reads what has
  -- committed): the policies judged it as it was when the statement began (a session ended meanwhile: CAUTH)
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin adds, changes or removes a member: your role in this clinic has changed.'
      using errcode = 'CFORB';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_membership__changed_by_a_manager() is
  'BEFORE INSERT or UPDATE (a removal is a soft delete''s update), for each row: a membership of the session''s clinic written in a member''s session is written by an owner or admin as their role is once the clinic''s turn is theirs (tg_membership__managers_take_turns), not as the statement''s snapshot had it: of two managers demoting, suspending or removing each other at once, the second is FORBIDDEN (or UNAUTHENTICATED, its session ended). A person answering their own invitation, and a platform administrator''s insert, are not judged here.';
drop trigger if exists _190_changed_by_a_manager on app_public.membership;
create trigger _190_changed_by_a_manager before insert or update on app_public.membership
  for each row execute function app_private.tg_membership__changed_by_a_manager();
comment on trigger _190_changed_by_a_manager on app_public.membership is
  'A membership written in a member''s session is written by an owner or admin as their role is now (tg_membership__changed_by_a_manager).';

create or replace function app_public.remove_member(membership_id uuid) returns app_public.membership
  language sql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'off'
  set clinicops.every_clinic to 'off'
  set clinicops.reinvitation to 'off'
as $$
  -- the clinic's turn before soft_delete locks the row: a change of the same member in flight waits for this one, not
  -- each for the other
  select app_private.take_members_turn(app_public.current_clinic_id())
  where app_hidden.current_role_in('owner', 'admin');
  select app_private.soft_delete(null::app_public.membership, app_public.current_clinic_id(), membership_id);
$$;
comment on function app_public.remove_member(membership_id uuid) is
  'Removes a member from the current clinic (soft delete: the membership is kept, hidden, and their sessions end). Owners and admins; only owners remove owners. Taking turns with the clinic''s other membership changes (take_members_turn), it is judged by the caller''s role as it is then.';
