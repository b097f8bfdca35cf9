--! Previous: sha1:5630ab522f57d9c969cdf69645dfa0177a572ca0
--! Hash: sha1:bc81f9a861b93d40128075778ad1b8e155e1fe1e
--! Message: The platform operator resets a forgotten password without making the account an admin (npm run password); one function replaces a password

-- The platform operator resets a forgotten password without making the account a platform administrator
-- (npm run password): npm run superuser, the one tool there was, also promoted whomever it reset, so an
-- account a clinic may not reset (an owner's, one of several clinics) was reset in SQL. A password given by
-- someone other than its holder (the operator's resets, a clinic's) is one function, replace_password.

create or replace function app_private.hold_for_new_password(user_id uuid) returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- the secret before the user row, as a login takes them (000052), then the sessions' turn, as a password
  -- change takes them (change_password)
  perform from app_private.user_secret s where s.user_id = hold_for_new_password.user_id for update;
  perform from app_public."user" u where u.id = hold_for_new_password.user_id for no key update;
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(hold_for_new_password.user_id));
end;
$$;
comment on function app_private.hold_for_new_password(user_id uuid) is 'Takes what a change of the person''s password holds until commit, in the order a password change takes them: their secret, their user row, and their sessions'' turn (shared), so a login, a switch of clinic or a membership change in flight takes turns with it.';
revoke all on function app_private.hold_for_new_password(uuid) from public;

create or replace function app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) returns integer
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_secret app_private.user_secret;
  v_ended integer;
begin
  perform app_private.hold_for_new_password(replace_password.user_id);
  select * into v_secret from app_private.user_secret s where s.user_id = replace_password.user_id;
  update app_private.user_secret s set password_hash = replace_password.password_hash, locked_until = null,
    failed_login_count = 0, first_failed_login_at = null, password_set_by_holder = false
  where s.user_id = replace_password.user_id;
  update app_private.session s set revoked_at = now() where s.user_id = replace_password.user_id and s.revoked_at is null;
  get diagnostics v_ended = row_count;
  perform app_private.write_audit(replace_password.clinic_id, 'update', 'user_secret', replace_password.user_id, null, null,
    jsonb_build_object('passwordChanged', true, 'unlocked', coalesce(v_secret.locked_until > now(), false), 'sessionsEnded', v_ended)
      || replace_password.detail);
  return v_ended;
end;
$$;
comment on function app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) is 'Gives the person a password someone else chose (its hash, made by hash_password): the person must choose their own at their next chance (password_set_by_holder false), a lockout ends, every session of theirs ends, and the change is audited in the chain of clinic_id (the platform''s when null) as an update of user_secret: passwordChanged, unlocked, sessionsEnded and the detail given (who did it), never the hash. Answers the sessions it ended. For the operator''s resets (npm run password, npm run superuser) and a clinic''s (reset_member_password).';
revoke all on function app_private.replace_password(uuid, text, uuid, jsonb) from public;

create or replace function app_private.reset_password(phone text, password text) returns integer
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_phone app_public.e164_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  v_hash text := app_private.hash_password(password);
  v_user uuid;
begin
  -- the phone's lock, as an invitation or a login to the account takes it
  perform pg_advisory_xact_lock(app_private.account_lock_key(v_phone));
  select u.id into v_user from app_public."user" u where u.phone = v_phone;
  if v_user is null then
    raise exception 'No account has the phone %.', v_phone using errcode = 'CNOTF';
  end if;
  return app_private.replace_password(v_user, v_hash, null, '{"by": "npm run password"}');
end;
$$;
comment on function app_private.reset_password(phone text, password text) is 'The platform operator''s reset of a forgotten password (npm run password), for any account, without making it a platform administrator (npm run superuser does): the phone as typed (INVALID_PHONE), the password by the rule of every password (WEAK_PASSWORD), an account of that phone or NOT_FOUND; then as replace_password, in the platform''s chain.';
revoke all on function app_private.reset_password(text, text) from public;

create or replace function app_private.create_platform_admin(phone text, full_name text, password text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_phone app_public.e164_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  v_user record;
begin
  perform app_private.check_person_name(full_name);
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  -- a new user's secret was made from this password; someone already registered gets it now
  if not v_user.created then
    perform app_private.replace_password(v_user.user_id, app_private.hash_password(password), null, '{"by": "npm run superuser"}');
  end if;
  update app_public."user" u set is_platform_admin = true, is_active = true where u.id = v_user.user_id;
  return v_user.user_id;
end;
$$;


create or replace function app_public.reset_member_password(membership_id uuid, password text) returns integer
  language plpgsql security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_hash text;
  v_member app_public.membership;
  v_user app_public."user";
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
  return app_private.replace_password(v_user.id, v_hash, v_clinic, jsonb_build_object('by', 'resetMemberPassword', 'membershipId', v_member.id));
end;
$$;
comment on function app_public.reset_member_password(membership_id uuid, password text) is 'Gives a member of the current clinic a new password, for one who forgot theirs; answers how many of their sessions it ended. Owners reset admins, doctors, receptionists and cashiers; admins reset doctors, receptionists and cashiers; never their own (POST /auth/password), an owner''s, a platform administrator''s, or that of a person who also belongs to another clinic or is invited to one (the platform operator resets those: npm run password), all FORBIDDEN; nor a pending invitation''s (FORBIDDEN: the account is not the clinic''s until the person accepts). The password follows the rule of every password (check_password); replaced by replace_password. The person must choose their own at their next chance (currentUserPasswordSetByHolder false: they answer no invitation before), every session of theirs ends, an account locked by wrong passwords is unlocked, and the reset is audited in the clinic''s chain (an update of user_secret by the caller, without the password or its hash). NOT_FOUND for a membership not of the clinic, or removed.';
