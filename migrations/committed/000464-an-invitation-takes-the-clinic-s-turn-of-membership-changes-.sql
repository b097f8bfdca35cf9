--! Previous: sha1:ca39fe6a87a30a9fef03391fa0d06358bea7109d
--! Hash: sha1:929145a1876b026546aa271b714bbc9db308d13c
--! Message: An invitation takes the clinic's turn of membership changes first

-- An invitation takes the clinic's turn of membership changes before anything else
--
-- invite_member took the clinic's turn of membership changes (take_members_turn) last, in the insert of the membership
-- (_150_managers_take_turns) or invite_again's update, having taken the clinic's invitations' lock, the phone's lock and,
-- for a new phone, the platform's audit chain's head (the new account's entry) first; a manager's change of a membership
-- takes that turn first. Two sessions running their own SQL, which take no API turn to write (an operator's psql as a
-- clinic's manager), deadlocked: a manager holding the turn (a removal under way) who then reset a member's password
-- (ending a session in no clinic, written in the platform's chain) or invited someone waited for the invitation, which
-- waited for the turn. And the invitation read whether the person was already the clinic's member before it waited: a
-- restore of their removed membership committed meanwhile was not read, and invite_again's update, finding the row
-- restored, was refused FORBIDDEN "An accepted membership cannot become an invitation again." where CONFLICT is meant.
-- invite_member now takes the turn once its refusals that read nothing are passed, before any other lock, so it holds
-- nothing a manager's change waits for, and reads the memberships as committed by the change it waited for.
create or replace function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text default null) returns app_public.membership
  language plpgsql security definer
  set search_path to 'pg_catalog', 'public', 'pg_temp'
  set "clinicops.include_deleted" to 'off'
  set "clinicops.every_clinic" to 'off'
  set "clinicops.reinvitation" to 'off'
  as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_phone app_public.e164_phone;
  v_user record;
  v_membership app_public.membership;
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can invite members.' using errcode = 'CFORB';
  end if;
  if role is null then
    raise exception 'A role is required.' using errcode = 'CINVL';
  end if;
  -- Every refusal comes before the phone is looked up, the same whether it has an account or not:
  -- a refusal only a new phone got (no password, a weak one, a bad name) or only a registered one
  -- got (an admin inviting an owner, refused at insert) told which, for free and unaudited.
  if role = 'owner' and not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  perform app_private.check_person_name(full_name);
  perform app_private.check_password(password);
  -- the clinic's turn of membership changes first, as a manager's change takes it, before any other lock or chain head
  -- (the invitation's lock, the phone's, the platform's chain for a new account): a manager holding it goes on
  -- without waiting for this invitation, and what it committed (a restore of this person's membership) is read below
  perform app_private.take_members_turn(v_clinic);
  -- a clinic's invitations take turns here, so requests at once cannot all pass the count; removed
  -- memberships count too (an invitation withdrawn at once still told whether the phone is registered)
  perform pg_advisory_xact_lock(hashtextextended('invite_member:' || v_clinic, 0));
  if app_private.memberships_added_lately(v_clinic) >= 50 then
    raise exception 'Your clinic has added 50 people in the past hour: wait before inviting more.' using errcode = 'CLIMT';
  end if;
  v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(v_clinic));
  -- looked up once, under the phone's lock: created only for the request that made the account
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  if exists (select 1 from app_public.membership m where m.clinic_id = v_clinic and m.user_id = v_user.user_id) then
    raise exception 'This person is already a member of the clinic, or invited to it.' using errcode = 'CCONF';
  end if;
  -- someone the clinic removed is asked again on their membership of before, which the visits booked with them name:
  -- pending, as below, until they accept
  if not v_user.created then
    v_membership := app_private.invite_again(v_clinic, v_user.user_id, invite_member.role);
    if v_membership.id is not null then
      return v_membership;
    end if;
  end if;
  -- someone who already had an account agrees first (accept_invitation): until then the membership
  -- is pending, and the clinic sees neither their name nor their phone
  insert into app_public.membership (clinic_id, user_id, role, accepted_at)
  values (v_clinic, v_user.user_id, invite_member.role, case when v_user.created then now() end)
  returning * into v_membership;
  return v_membership;
end;
$$;


comment on function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) is 'Adds a person to the current clinic with a role. A name and a password (8 to 128 characters, not of white space alone: check_password) are always required: a new phone creates their user with them and they are a member at once; a phone that already has a user makes a pending invitation (acceptedAt null; the name and password are ignored): it shows the clinic neither their name nor their phone and gives them no access until they accept it (acceptInvitation) or decline it. Someone the clinic removed (or whose invitation was withdrawn or declined) is asked again so on their membership of before, the one the visits booked with them name, with the new role. Someone already a member, or invited, is a CONFLICT, as is inviting again within 30 days someone who declined; a clinic adds or asks again at most 50 people an hour (LIMIT_EXCEEDED). Owners and admins; only owners add owners.';
revoke all on function app_public.invite_member(text, text, app_public.member_role, text) from public;
grant all on function app_public.invite_member(text, text, app_public.member_role, text) to :DATABASE_VISITOR;
comment on function app_private.take_members_turn(clinic_id uuid) is 'Takes, until commit, the clinic''s turn of changes to its memberships by its owners and admins (tg_membership__managers_take_turns, remove_member, invite_member), before any membership row is locked: two at once take turns, and the second is judged by the role its caller has once the first has committed (tg_membership__changed_by_a_manager). invite_member takes it before any other lock or audit chain head of its own, and reads the clinic''s memberships after it.';

-- A removed membership invited again is one still removed when it is updated
--
-- invite_again chose the person's removed membership on its statement's snapshot and updated it by its id alone: a
-- restore of it committed while the update waited for its row (the operator's update of deleted_at by hand, which takes
-- no turn of the clinic's) was updated all the same, as a restored, accepted membership made pending again, and refused
-- FORBIDDEN "An accepted membership cannot become an invitation again." where the person is a member again. The update
-- now takes the row only while it is still removed: one restored meanwhile is left as it is, and invite_member's insert
-- finds the person a member (membership_one_live_per_user: CONFLICT).
create or replace function app_private.invite_again(clinic_id uuid, user_id uuid, role app_public.member_role) returns app_public.membership
  language plpgsql security definer
  set search_path to 'pg_catalog', 'public', 'pg_temp'
  set "clinicops.include_deleted" to 'on'
  set "clinicops.reinvitation" to 'on'
  as $$
declare
  v_membership app_public.membership;
begin
  -- removed rows are read with include_deleted, and the membership's triggers take this update for an invitation, not
  -- restoreMember's restore, with reinvitation (both on in this function's definition). The row is one still removed
  -- when it is updated: one restored meanwhile (by the operator, who takes no turn of the clinic's) is left as it is,
  -- and invite_member's insert then finds the person a member (CONFLICT)
  update app_public.membership m
  set deleted_at = null, deleted_by = null, accepted_at = null, role = invite_again.role, is_active = true
  where m.clinic_id = invite_again.clinic_id and m.deleted_at is not null
    and m.id = (
      select o.id from app_public.membership o
      where o.clinic_id = invite_again.clinic_id and o.user_id = invite_again.user_id and o.deleted_at is not null
      order by o.accepted_at is not null desc, o.deleted_at desc, o.id
      limit 1)
  returning * into v_membership;
  if v_membership.id is not null then
    -- counted in the clinic's hourly limit (memberships_added_lately), under invite_member's turn of the clinic, which
    -- also prunes what the limit no longer reads
    delete from app_private.reinvitation r where r.clinic_id = invite_again.clinic_id and r.invited_at <= now() - interval '1 hour';
    insert into app_private.reinvitation (clinic_id, membership_id) values (invite_again.clinic_id, v_membership.id);
  end if;
  return v_membership;
end;
$$;


comment on function app_private.invite_again(clinic_id uuid, user_id uuid, role app_public.member_role) is 'invite_member''s invitation of someone the clinic removed (or whose invitation was withdrawn or declined): their removed membership of the clinic (the newest they had accepted, else the newest) made pending again with the new role, active, so that the visits booked with them are theirs once they accept; null when they have none. Each one is kept in app_private.reinvitation for the clinic''s hourly limit (memberships_added_lately). Sets clinicops.reinvitation in its definition, which the membership''s triggers read (app_private.invited_again) as an invitation.';
revoke all on function app_private.invite_again(uuid, uuid, app_public.member_role) from public;
