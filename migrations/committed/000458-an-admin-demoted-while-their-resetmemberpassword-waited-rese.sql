--! Previous: sha1:588187444b0a8ff4d936bb83f0f479fc209a3a22
--! Hash: sha1:4c73d7edf0ccb3d09359ae7595c98a8252df6d3f
--! Message: An admin demoted while their resetMemberPassword waited resets no password

-- A reset of a member's password judged by the caller's role as it is once the clinic's chain is the reset's
--
-- resetMemberPassword read the caller's role once, as its first statement saw it, before it waited for the member's
-- phone, secret, account and sessions' turn, and for the clinic's audit chain: an admin demoted to receptionist (or an
-- owner stepped down to admin) while the reset waited, the demotion committed first (by the operator, or by an owner in
-- a session that does not take the API's turn to write), still reset the member's password. Now, once replace_password
-- has written in the clinic's chain (whose head it holds until commit), the caller's role is read again: every change
-- of the caller's membership or account (a demotion, suspension, removal or deactivation) is audited in that chain, so
-- one committed meanwhile is read here, and one still under way waits for the reset to commit. No lock is added:
-- the order of what the reset takes is the one before.
create or replace function app_public.reset_member_password(membership_id uuid, password text) returns integer
  language plpgsql security definer
  set search_path to 'pg_catalog', 'public', 'pg_temp'
  set "clinicops.include_deleted" to 'off'
  set "clinicops.every_clinic" to 'off'
  set "clinicops.reinvitation" to 'off'
  as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_hash text;
  v_member app_public.membership;
  v_user app_public."user";
  v_ended integer;
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can reset a member''s password.' using errcode = 'CFORB';
  end if;
  -- the password rule first, and bcrypt before any lock is held
  v_hash := app_private.hash_password(reset_member_password.password);
  -- held until commit, so the member's role, suspension or removal waits for the reset, and a change of
  -- them first is read as committed (an admin's reset of a doctor made an owner meanwhile is refused)
  select * into v_member from app_public.membership m
  where m.clinic_id = v_clinic and m.id = reset_member_password.membership_id for share;
  if v_member.id is null then
    raise exception 'No such member in this clinic.' using errcode = 'CNOTF';
  end if;
  if v_member.user_id = app_public.current_user_id() then
    raise exception 'Your own password you change yourself, giving the current one (POST /auth/password).' using errcode = 'CFORB';
  end if;
  if v_member.accepted_at is null then
    raise exception 'This person has not accepted the invitation: their account is not the clinic''s, and only the platform operator resets its password.'
      using errcode = 'CFORB';
  end if;
  if v_member.role = 'owner' then
    raise exception 'An owner''s password is reset by the platform operator alone.' using errcode = 'CFORB';
  end if;
  if v_member.role = 'admin' and not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner resets an admin''s password.' using errcode = 'CFORB';
  end if;
  -- as the operator's reset takes them (reset_password): the phone's lock, which an invitation to the person
  -- from any clinic takes (find_or_create_user), so one in flight is read below, committed, and a login at this
  -- moment is told to retry; then a password change's (replace_password): the secret, the account's row and
  -- the sessions' turn
  select * into v_user from app_public."user" u where u.id = v_member.user_id;
  perform pg_advisory_xact_lock(app_private.account_lock_key(v_user.phone));
  perform app_private.hold_for_new_password(v_user.id);
  select * into v_user from app_public."user" u where u.id = v_user.id;
  if v_user.is_platform_admin then
    raise exception 'This person is a platform administrator: only the platform operator resets their password.' using errcode = 'CFORB';
  end if;
  -- the reset hands whoever knows the new password the person's access everywhere: only where it is this clinic's alone
  if app_private.member_elsewhere(v_user.id, v_clinic) then
    raise exception 'This person also belongs to another clinic, or is invited to one: only the platform operator resets their password.'
      using errcode = 'CFORB';
  end if;
  v_ended := app_private.replace_password(v_user.id, v_hash, v_clinic, jsonb_build_object('by', 'resetMemberPassword', 'membershipId', v_member.id));
  -- the caller's role as it is now that the clinic's audit chain is the reset's (replace_password wrote in it, its head
  -- held until commit): a change of the caller's membership or account is audited in that chain, so one committed while
  -- the reset waited is read here (a statement of its own), and one under way commits after the reset; refused, the
  -- reset is undone whole
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can reset a member''s password: your role in this clinic has changed.' using errcode = 'CFORB';
  end if;
  if v_member.role = 'admin' and not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner resets an admin''s password: your role in this clinic has changed.' using errcode = 'CFORB';
  end if;
  return v_ended;
end;
$$;
revoke all on function app_public.reset_member_password(membership_id uuid, password text) from public;
grant all on function app_public.reset_member_password(membership_id uuid, password text) to :DATABASE_VISITOR;
comment on function app_public.reset_member_password(membership_id uuid, password text) is
  'Gives a member of the current clinic a new password, for one who forgot theirs; answers how many of their sessions it ended. Owners reset admins, doctors, receptionists and cashiers; admins reset doctors, receptionists and cashiers; never their own (POST /auth/password), an owner''s, a platform administrator''s, or that of a person who also belongs to another clinic or is invited to one (the platform operator resets those: npm run password), all FORBIDDEN; nor a pending invitation''s (FORBIDDEN: the account is not the clinic''s until the person accepts). The caller''s role is read again once the clinic''s audit chain is the reset''s: a caller demoted, suspended, removed or deactivated while the reset waited is refused (FORBIDDEN "… your role in this clinic has changed.", or UNAUTHENTICATED, their session ended), the reset undone. The password follows the rule of every password (check_password); replaced by replace_password. The person must choose their own at their next chance (currentUserPasswordSetByHolder false: they answer no invitation before), every session of theirs ends, an account locked by wrong passwords is unlocked, and the reset is audited in the clinic''s chain (an update of user_secret by the caller, without the password or its hash, counting the sessions in the clinic it ended; those in no clinic in the platform''s chain, sessions_ended). NOT_FOUND for a membership not of the clinic, or removed.';
