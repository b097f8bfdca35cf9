--! Previous: sha1:37bc2eafa3b04a1978d4d2256f4809f7c997a8c9
--! Hash: sha1:12d617da5e07d8584a1bb9057ba66669e63c84c9
--! Message: sessions opened and ended take turns

--------------------------------------------------------------------------------
-- What opens a user's sessions (a login, a clinic switch) and what ends or changes them (a logout,
-- a password change, a deactivation, a change of a membership) take turns.
--
-- A switch revoked its session and opened another with no lock in common with what ends sessions,
-- and a session took its clinic and role from the memberships as open_session read them, so what
-- ended or changed sessions meanwhile missed the new one, or a switch went on from a session just
-- ended (reviews of 000112 and of the first versions of this migration):
-- - someone holding a stolen cookie and switching clinics in a loop kept a live session through
--   the victim's password change in 18 of 20 rounds;
-- - a switch of a session being logged out, or being switched at the same moment, opened a new
--   session all the same (one cookie became two live sessions);
-- - a session opened by a switch or a login while the account was deactivated stayed live;
-- - a removed member kept a live session in the clinic, and a demoted one their old role, until it
--   expired (this predates 000116).
-- Now:
-- - a switch, a login and a logout hold the account's row (shared: they need not wait for each
--   other), which a password change and a deactivation update, so those take turns with them;
-- - open_session, a switch, a logout and a password change hold the user's sessions' turn (shared,
--   session_turn_key) before they touch a session, and a change of a membership's role, activity or
--   deletion holds it exclusively, before any other trigger of the change: a membership change writes
--   its audit entry and then locks the sessions, the others lock a session and then write their entry,
--   and taken later the turn deadlocked them (a removal waiting on the clinic's audit log and a
--   switch; a deactivation and a logout);
-- - a switch checks its session once it has the locks and ends only a live one, and a password
--   change asked from a session ended meanwhile is told so.
-- (A first version held the account's secret, which a login takes without waiting: a login during a
-- switch was refused as an attempt in flight.)

create or replace function app_private.secret_lock_key(name text) returns bigint
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select coalesce(
    ('x' || left(app_private.secret_hash('account_lock', convert_to(secret_lock_key.name, 'UTF8')), 16))::bit(64)::bigint,
    -- without the key (a restore that lost it), the lock of before: still one per name
    hashtextextended(secret_lock_key.name, 0));
$$;
comment on function app_private.secret_lock_key(text) is 'An advisory lock key that pg_locks, which every role reads, shows without telling what it locks: 64 bits of a SHA-256 of the account_lock secret key (secret_key) and the name.';
revoke all on function app_private.secret_lock_key(text) from public;

create or replace function app_private.account_lock_key(phone text) returns bigint
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select app_private.secret_lock_key('user:' || account_lock_key.phone);
$$;
comment on function app_private.account_lock_key(text) is 'The advisory lock key of the account of a phone (secret_lock_key of ''user:'' || phone), which pg_locks shows without telling the phone.';

create or replace function app_private.session_turn_key(user_id uuid) returns bigint
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select app_private.secret_lock_key('sessions:' || session_turn_key.user_id::text);
$$;
comment on function app_private.session_turn_key(uuid) is 'The advisory lock on which opening a session of a user (shared) and changing one of their memberships (exclusive) take turns (secret_lock_key of ''sessions:'' || the user''s id).';
revoke all on function app_private.session_turn_key(uuid) from public;

comment on table app_private.secret_key is 'The database''s secrets, one per purpose, which only the owner reads: live_queue names the clinics'' live queue channels (visit_queue_channel), account_lock the advisory locks of accounts and of their sessions'' turns (secret_lock_key). A new key (update … set key = default where purpose = …) renames every channel, so subscriptions made before hear nothing until they subscribe again; an account_lock key is changed safely only while no account is being made nor any session opened.';

create or replace function app_private.tg_membership__session_turn() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  if (new.role, new.is_active, new.deleted_at) is distinct from (old.role, old.is_active, old.deleted_at) then
    perform pg_advisory_xact_lock(app_private.session_turn_key(new.user_id));
  end if;
  return new;
end;
$$;
comment on function app_private.tg_membership__session_turn() is 'BEFORE UPDATE, first: a change of a membership''s role, activity or deletion waits for the sessions of its user being opened, and sessions opened meanwhile wait for it (session_turn_key), so that tg_membership__sync_sessions reaches them all.';
revoke all on function app_private.tg_membership__session_turn() from public;
drop trigger if exists _050_session_turn on app_public.membership;
create trigger _050_session_turn before update on app_public.membership
  for each row execute function app_private.tg_membership__session_turn();
comment on trigger _050_session_turn on app_public.membership is 'A change of a membership and the opening of its user''s sessions take turns (tg_membership__session_turn).';

create or replace function app_private.hold_account(user_id uuid) returns void
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  perform from app_public."user" u where u.id = hold_account.user_id for share;
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(hold_account.user_id));
end;
$$;
comment on function app_private.hold_account(uuid) is 'Holds, until commit, the account''s row (shared: a password change and a deactivation, which update it, wait, and wait for) and its sessions'' turn (shared: a membership change waits, and is waited for), before a session of the user is touched. Taken by a clinic switch and a logout.';
revoke all on function app_private.hold_account(uuid) from public;

create or replace function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_session app_private.session;
  v_user app_public."user";
  v_clinics jsonb;
  v_clinic_id uuid := open_session.clinic_id;
  v_role app_public.member_role;
begin
  -- a change of the user's memberships in flight (a removal, a suspension, a new role) first: what
  -- this session gets is read once it has committed, and one after it finds this session to end
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(open_session.user_id));
  select * into v_user from app_public."user" u where u.id = open_session.user_id;
  insert into app_private.session (user_id, is_platform_admin, expires_at, ip, user_agent)
  values (v_user.id, v_user.is_platform_admin, now() + ttl, open_session.ip, left(open_session.user_agent, 500))
  returning * into v_session;
  -- From here on this transaction acts as the new session, so the member sees
  -- their own memberships through the ordinary policies (and their invitations, with the inviting
  -- clinics' names, through own_invitations / invited_clinics, which only this owner role has).
  perform set_config('jwt.claims.session_id', v_session.id::text, true);

  select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'role', m.role, 'pending', m.accepted_at is null)
                            order by c.name), '[]')
  into v_clinics
  from app_public.membership m join app_public.clinic c on c.id = m.clinic_id
  where m.user_id = v_user.id and m.is_active and m.deleted_at is null;

  -- the only clinic the user is a member of, not counting invitations (accepted only by
  -- accept_invitation, never by default)
  if v_clinic_id is null and (select count(*) from jsonb_array_elements(v_clinics) e where not (e ->> 'pending')::boolean) = 1 then
    v_clinic_id := (select (e ->> 'id')::uuid from jsonb_array_elements(v_clinics) e where not (e ->> 'pending')::boolean);
  end if;
  if v_clinic_id is not null then
    select (e ->> 'role')::app_public.member_role into v_role
    from jsonb_array_elements(v_clinics) e where (e ->> 'id')::uuid = v_clinic_id and not (e ->> 'pending')::boolean;
    if v_role is null then
      -- an invitation too: accept_invitation first, a step of its own, never a side effect of a login
      raise exception 'You are not a member of that clinic.' using errcode = 'CFORB';
    end if;
    update app_private.session s set clinic_id = v_clinic_id, role = v_role where s.id = v_session.id;
  end if;

  return jsonb_build_object(
    'sessionId', v_session.id,
    'expiresAt', v_session.expires_at,
    'user', jsonb_build_object('id', v_user.id, 'phone', v_user.phone, 'fullName', v_user.full_name,
                               'isPlatformAdmin', v_user.is_platform_admin),
    'clinic', (select jsonb_build_object('id', c.id, 'name', c.name, 'timezone', c.timezone, 'currency', c.currency)
               from app_public.clinic c where c.id = v_clinic_id),
    'role', v_role,
    'clinics', v_clinics
  );
end;
$$;

create or replace function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid;
  v_result jsonb;
begin
  -- the account's row and its sessions' turn before this session is checked, which a statement
  -- after them reads as it is once they are had
  perform app_private.hold_account((select s.user_id from app_private.session s where s.id = app_public.current_session_id()));
  v_user_id := app_public.current_user_id();
  if v_user_id is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  -- a logout or another switch of this session that committed while this one waited has ended it
  update app_private.session s set revoked_at = now() where s.id = app_public.current_session_id() and s.revoked_at is null;
  if not found then
    raise exception 'Your session has ended: log in again.' using errcode = 'CAUTH';
  end if;
  v_result := app_private.open_session(v_user_id, switch_clinic.clinic_id, switch_clinic.ip, switch_clinic.user_agent, switch_clinic.ttl);
  perform app_private.write_audit(switch_clinic.clinic_id, 'switch_clinic', 'user', v_user_id, null, null,
    jsonb_build_object('ip', switch_clinic.ip, 'sessionId', v_result ->> 'sessionId'), v_user_id);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;
comment on function app_hidden.switch_clinic(uuid, inet, text, interval) is 'Ends the current session and opens one scoped to another clinic of the same user, holding the account''s row (shared), so that a password change or a deactivation ends the session a switch opens, and a switch after them, or after a logout or another switch of the same session, is told its session has ended (UNAUTHENTICATED). Called by POST /auth/switch-clinic.';

create or replace function app_hidden.change_password(current_password text, new_password text, ip inet) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_session app_private.session := app_private.live_session();
  v_secret app_private.user_secret;
  v_ended integer;
begin
  if v_session.id is null then
    raise exception 'Log in first.' using errcode = 'CAUTH';
  end if;
  if current_password is null or current_password = '' or char_length(current_password) > 1024 then
    raise exception 'Give your current password (currentPassword).' using errcode = 'CINVL';
  end if;
  perform app_private.check_password(new_password);
  if new_password = current_password then
    raise exception 'The new password is the one you have: choose another.' using errcode = 'CINVL';
  end if;
  -- locked until this attempt is counted, so guesses through several sessions take turns
  select * into v_secret from app_private.user_secret s where s.user_id = v_session.user_id for update;
  -- and the account's row, which a clinic switch holds (shared) while it opens a session: a switch
  -- before the change has its session ended by it, one after finds its own ended
  perform from app_public."user" u where u.id = v_session.user_id for no key update;
  -- and the sessions' turn, before any session is touched: a change of a membership ends or changes
  -- sessions after its audit entry, this change writes its entry after ending them
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(v_session.user_id));
  -- the session this change was asked from, as it is once those are had: one a switch of it ended
  -- meanwhile is ended (the change went on from it, and ended the switch's new session too)
  if not exists (select from app_private.session s where s.id = v_session.id and s.revoked_at is null) then
    raise exception 'Your session has ended: log in again.' using errcode = 'CAUTH';
  end if;
  if coalesce(v_secret.locked_until > now(), false)
     or crypt(current_password, v_secret.password_hash) is distinct from v_secret.password_hash then
    -- the same as a login's failure: audited, counted against the account and the client's address
    insert into app_private.login_failure (ip, phone)
    select app_hidden.throttled_network(change_password.ip), u.phone from app_public."user" u where u.id = v_session.user_id;
    perform app_private.count_password_failure(v_session.user_id);
    perform app_private.audit_failed_login(u.phone, change_password.ip, 'password_change_refused', u.id)
    from app_public."user" u where u.id = v_session.user_id;
    return jsonb_build_object('status', 'invalid');
  end if;
  update app_private.user_secret s set password_hash = app_private.hash_password(new_password),
    failed_login_count = 0, first_failed_login_at = null, locked_until = null
  where s.user_id = v_session.user_id;
  update app_private.session s set revoked_at = now()
  where s.user_id = v_session.user_id and s.id <> v_session.id and s.revoked_at is null;
  get diagnostics v_ended = row_count;
  perform app_private.write_audit(v_session.clinic_id, 'update', 'user_secret', v_session.user_id, null, null,
    jsonb_build_object('passwordChanged', true, 'ip', change_password.ip, 'sessionId', v_session.id, 'sessionsEnded', v_ended),
    v_session.user_id);
  return jsonb_build_object('status', 'ok', 'sessionsEnded', v_ended);
end;
$$;

create or replace function app_hidden.logout() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_session app_private.session;
begin
  -- as a switch: the account's row and its sessions' turn before the session is touched
  perform app_private.hold_account((select s.user_id from app_private.session s where s.id = app_public.current_session_id()));
  update app_private.session s set revoked_at = now()
  where s.id = app_public.current_session_id() and s.revoked_at is null
  returning * into v_session;
  if v_session.id is null then
    return false;
  end if;
  perform app_private.write_audit(v_session.clinic_id, 'logout', 'user', v_session.user_id, null, null,
    jsonb_build_object('sessionId', v_session.id), v_session.user_id);
  return true;
end;
$$;

create or replace function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_phone app_public.e164_phone;
  v_user app_public."user";
  v_secret app_private.user_secret;
  v_password_ok boolean;
  v_reason text;
  v_refusal jsonb;
  v_result jsonb;
  v_busy boolean := false;
begin
  begin
    v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  exception when sqlstate 'CINPH' then
    v_refusal := jsonb_build_object('code', 'CINPH', 'message', sqlerrm);
    v_reason := 'invalid_phone';
  end;
  if password is null or password = '' then
    v_refusal := jsonb_build_object('code', 'CINVL', 'message', 'A password is required.');
    v_reason := 'no_password';
  elsif char_length(password) > 1024 then
    v_refusal := jsonb_build_object('code', 'CINVL', 'message', 'The password is too long.');
    v_reason := 'password_too_long';
  end if;

  if v_refusal is not null then
    null; -- refused for its input: no account is looked at
  elsif ip is not null and (
    select count(*) from app_private.login_failure f
    where f.ip = app_hidden.throttled_network(login.ip) and f.attempted_at > now() - interval '15 minutes'
  ) >= 20 then
    v_reason := 'address_throttled';
  else
    -- the account's row, shared, as a clinic switch holds it: a deactivation or a password change
    -- in flight is waited for, and its outcome read (a login read the account as it was before
    -- and opened a session on an account just deactivated); a switch is not
    select * into v_user from app_public."user" u where u.phone = v_phone for share;
    -- Locked until this attempt is counted, so attempts cannot slip past the lockout by coming at
    -- once. One that finds another attempt on the account in flight is refused without checking
    -- its password (not queued: a burst of guesses would hold the API's connections in line).
    begin
      select * into v_secret from app_private.user_secret s where s.user_id = v_user.id for update nowait;
    exception when lock_not_available then
      v_busy := true;
    end;
    -- An unknown phone, or a busy account, still pays for one bcrypt, so timing tells nothing.
    v_password_ok := not v_busy
      and coalesce(crypt(password, coalesce(v_secret.password_hash, gen_salt('bf', 10))) = v_secret.password_hash, false);
    if v_busy then
      perform crypt(password, gen_salt('bf', 10));
    end if;
    v_reason := case
      when v_busy then 'attempt_in_flight'
      when v_user.id is null then 'unknown_phone'
      when not v_password_ok then 'wrong_password'
      when v_secret.locked_until > now() then 'locked'
      when not v_user.is_active then 'inactive'
    end;
  end if;

  if v_reason is not null then
    insert into app_private.login_failure (ip, phone) values (app_hidden.throttled_network(login.ip), v_phone);
    if v_secret.user_id is not null and not v_busy then
      perform app_private.count_password_failure(v_secret.user_id);
    end if;
    perform app_private.audit_failed_login(v_phone, login.ip, v_reason, v_user.id);
    return case when v_refusal is null then jsonb_build_object('status', 'invalid')
      else jsonb_build_object('status', 'refused', 'error', v_refusal) end;
  end if;

  begin
    v_result := app_private.open_session(v_user.id, login.clinic_id, login.ip, login.user_agent, login.ttl);
  exception when sqlstate 'CFORB' then
    -- the right password, for a clinic the user is not (or no longer) an active member of: a failed
    -- login, audited in the platform's chain (the clinic's managers are not shown a stranger's phone)
    perform app_private.audit_failed_login(v_phone, login.ip, 'not_a_member', v_user.id, jsonb_build_object('clinicId', login.clinic_id));
    return jsonb_build_object('status', 'not_a_member');
  end;
  -- a login that opened its session (not one refused above) clears the failures and is the last
  update app_private.user_secret s set failed_login_count = 0, first_failed_login_at = null, locked_until = null,
    last_login_at = now() where s.user_id = v_user.id;
  perform app_private.write_audit((v_result -> 'clinic' ->> 'id')::uuid, 'login', 'user', v_user.id, null, null,
    jsonb_build_object('ip', login.ip, 'sessionId', v_result ->> 'sessionId'), v_user.id);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;
