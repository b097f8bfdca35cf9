--! Previous: sha1:37bc2eafa3b04a1978d4d2256f4809f7c997a8c9
--! Hash: sha1:ed6a5b15042318550af1993cf07c86f613f7c4cc
--! Message: switches take turns with what ends sessions

--------------------------------------------------------------------------------
-- A password change, a logout and an account's deactivation each end the session a clinic switch
-- in flight opens, and a login in flight does not open one on an account just deactivated; one
-- session is switched once.
--
-- A switch revoked its session and opened another with no lock in common with what ends sessions,
-- so what ended them meanwhile missed the new one, or the switch went on from a session just ended:
-- - someone holding a stolen cookie and switching clinics in a loop kept a live session through
--   the victim's password change in 18 of 20 rounds (a review of 000112);
-- - a switch of a session being logged out, or being switched at the same moment, opened a new
--   session all the same (one cookie became two live sessions);
-- - a session opened by a switch while the account was deactivated stayed live.
-- A switch now holds the account's row (shared; a password change and a deactivation update it, so
-- they take turns with it, while a login, which only refers to it, does not wait), checks its
-- session once it has it, and ends only a session still live, else it is told its session ended.
-- A login holds the same row (shared): it waits for a deactivation or a password change in flight
-- and reads their outcome, where it opened a session on an account just deactivated; and a password
-- change asked from a session that a switch ended meanwhile is told so. (A first version held the
-- account's secret instead, which a login takes without waiting: a login during a switch was
-- refused as an attempt in flight, another review found.)

create or replace function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) returns jsonb
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_user_id uuid;
  v_result jsonb;
begin
  -- the account's row, shared (switches of one account need not wait for each other), before the
  -- session is checked: a statement after it reads the session as it is once the lock is had
  perform from app_public."user" u
  where u.id = (select s.user_id from app_private.session s where s.id = app_public.current_session_id())
  for share;
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
