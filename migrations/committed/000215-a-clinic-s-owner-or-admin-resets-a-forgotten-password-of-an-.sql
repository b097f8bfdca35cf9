--! Previous: sha1:4c409f85dbb84f4977eb6645eb0b198b82d04751
--! Hash: sha1:645597f0bacc9ef39928ab63fbd7398aa1d1ee8b
--! Message: a clinic's owner or admin resets a forgotten password of an account that is the clinic's alone

-- A clinic's owner or admin resets the password of a member below them whose account is the clinic's alone
-- (every membership of the person, accepted, pending or suspended, in this clinic): a receptionist locked
-- out at 8 am waited for the platform operator (npm run superuser). The new password is not the person's
-- own (password_set_by_holder false), every session of theirs ends, a lockout ends, and the reset is in
-- the clinic's audit chain (by whom, of whom; never the password or its hash).

-- Whether the person has a membership in another clinic reads memberships the session's clinic does not
-- see: the owner role sees every clinic's while a function has clinicops.every_clinic on in its definition
-- (db/setup.ts grants the owner role SET on it, as on clinicops.include_deleted: decision 010).
drop policy if exists every_clinic on app_public.membership;
create policy every_clinic on app_public.membership for select to :DATABASE_OWNER
  using ((select current_setting('clinicops.every_clinic', true) = 'on'));
comment on policy every_clinic on app_public.membership is 'Owner role only: every clinic''s memberships, while a function has clinicops.every_clinic on in its definition (app_private.member_elsewhere).';

create or replace function app_private.member_elsewhere(user_id uuid, clinic_id uuid) returns boolean
  language plpgsql stable security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.every_clinic = 'on'
as $$
begin
  return exists (select from app_public.membership m
                 where m.user_id = member_elsewhere.user_id and m.clinic_id <> member_elsewhere.clinic_id and m.deleted_at is null);
end;
$$;
comment on function app_private.member_elsewhere(user_id uuid, clinic_id uuid) is 'Whether the person belongs to a clinic other than this one, or is invited to one: a membership there not removed (accepted, pending or suspended), whichever clinic the session is of (clinicops.every_clinic).';

create or replace function app_public.reset_member_password(membership_id uuid, password text) returns integer
  language plpgsql security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_hash text;
  v_member app_public.membership;
  v_user app_public."user";
  v_secret app_private.user_secret;
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
  -- as the operator's reset takes them (create_platform_admin): the phone's lock, which an invitation to the
  -- person from any clinic takes (find_or_create_user), so one in flight is read below, committed, and a login
  -- at this moment is told to retry; then a password change's (change_password): the secret, the account's row
  -- and the sessions' turn
  select * into v_user from app_public."user" u where u.id = v_member.user_id;
  perform pg_advisory_xact_lock(app_private.account_lock_key(v_user.phone));
  select * into v_secret from app_private.user_secret s where s.user_id = v_user.id for update;
  select * into v_user from app_public."user" u where u.id = v_user.id for no key update;
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(v_user.id));
  if v_user.is_platform_admin then
    raise exception 'This person is a platform administrator: only the platform operator resets their password.' using errcode = 'CFORB';
  end if;
  -- the reset hands whoever knows the new password the person's access everywhere: only where it is this clinic's alone
  if app_private.member_elsewhere(v_user.id, v_clinic) then
    raise exception 'This person also belongs to another clinic, or is invited to one: only the platform operator resets their password.'
      using errcode = 'CFORB';
  end if;
  update app_private.user_secret s set password_hash = v_hash, failed_login_count = 0, first_failed_login_at = null,
    locked_until = null, password_set_by_holder = false
  where s.user_id = v_user.id;
  update app_private.session s set revoked_at = now() where s.user_id = v_user.id and s.revoked_at is null;
  get diagnostics v_ended = row_count;
  perform app_private.write_audit(v_clinic, 'update', 'user_secret', v_user.id, null, null,
    jsonb_build_object('passwordChanged', true, 'by', 'resetMemberPassword', 'membershipId', v_member.id,
      'unlocked', coalesce(v_secret.locked_until > now(), false), 'sessionsEnded', v_ended));
  return v_ended;
end;
$$;
comment on function app_public.reset_member_password(membership_id uuid, password text) is 'Gives a member of the current clinic a new password, for one who forgot theirs; answers how many of their sessions it ended. Owners reset admins, doctors, receptionists and cashiers; admins reset doctors, receptionists and cashiers; never their own (POST /auth/password), an owner''s, a platform administrator''s, or that of a person who also belongs to another clinic or is invited to one (the platform operator resets those: npm run superuser), all FORBIDDEN; nor a pending invitation''s (FORBIDDEN: the account is not the clinic''s until the person accepts). The password follows the rule of every password (check_password). The person must choose their own at their next chance (currentUserPasswordSetByHolder false: they answer no invitation before), every session of theirs ends, an account locked by wrong passwords is unlocked, and the reset is audited in the clinic''s chain (an update of user_secret by the caller, without the password or its hash). NOT_FOUND for a membership not of the clinic, or removed.';
