--! Previous: sha1:0800ec79d326be96ed53d2ed5d45a1c13efdf5de
--! Hash: sha1:413b1269dd37ba1cf7e58dc4a5c713c475442e54
--! Message: members change their own password

--------------------------------------------------------------------------------
-- A member changes their own password.
--
-- A password was set when the account was made (by whoever invited the member, or created the
-- clinic) and could never change: the owner who invited a doctor knew the doctor's password for
-- good (an audit against the product contract). POST /auth/password changes it, given the
-- current one: the new one follows the password rule (check_password), a wrong current one counts
-- towards the account's lockout as a wrong login does (5 in 15 minutes lock it for 15), and the
-- change ends the account's other sessions, in every clinic, keeping the one that asked.

create or replace function app_private.count_password_failure(user_id uuid) returns void
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_secret app_private.user_secret;
begin
  update app_private.user_secret s set
    failed_login_count = case when s.first_failed_login_at > now() - interval '15 minutes' then s.failed_login_count + 1 else 1 end,
    first_failed_login_at = case when s.first_failed_login_at > now() - interval '15 minutes' then s.first_failed_login_at else now() end
  where s.user_id = count_password_failure.user_id
  returning * into v_secret;
  if v_secret.failed_login_count >= 5 and not coalesce(v_secret.locked_until > now(), false) then
    update app_private.user_secret s set locked_until = now() + interval '15 minutes' where s.user_id = count_password_failure.user_id;
  end if;
end;
$$;
comment on function app_private.count_password_failure(uuid) is 'Counts a wrong password against an account (a login''s, or a password change''s current one): the 5th within 15 minutes of the first locks the account for 15 minutes.';
revoke all on function app_private.count_password_failure(uuid) from public;

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
    select * into v_user from app_public."user" u where u.phone = v_phone;
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

create or replace function app_hidden.change_password(current_password text, new_password text, ip inet) returns jsonb
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
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
comment on function app_hidden.change_password(text, text, inet) is 'Changes the session''s user''s password, given the current one: no current password (or one over 1,024 characters) or the same one again is INVALID_INPUT, a new one breaking the password rule WEAK_PASSWORD (check_password); a wrong current one, or an account locked, is {"status": "invalid"}, counted and audited as a failed login (reason password_change_refused). On success the account''s other sessions end, in every clinic, and the change is audited (update of user_secret, without the hash): {"status": "ok", "sessionsEnded": n}. Called by POST /auth/password.';
revoke all on function app_hidden.change_password(text, text, inet) from public;
grant execute on function app_hidden.change_password(text, text, inet) to :DATABASE_VISITOR;
