--! Previous: sha1:6afd4eedc54d2865147f503ceb907b098c33f49a
--! Hash: sha1:e9797e1b0e668a8d1f79a7cf6983dd7a10e67a51
--! Message: Logins at once on a phone without an account are answered as on one: every attempt takes the phone's lock first, so a burst no longer tells which phones have accounts

-- Two logins at once told whether a phone has an account: the second attempt on an account was refused as one
-- in flight ("busy", RETRY), found by the account's row lock, which a phone without an account has not, so
-- its attempts at once were all "invalid" (an attacker: 20 phones per 15 minutes per address, unseen by their
-- owners). Every attempt takes the phone's advisory lock (account_lock_key, as accounts are made under) first,
-- whether or not it has an account.
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
  v_failures bigint;
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

  if v_refusal is null and ip is not null then
    select count(*) into v_failures from app_private.login_failure f
    where f.ip = app_hidden.throttled_network(login.ip) and f.attempted_at > now() - interval '15 minutes';
  end if;

  if v_refusal is not null then
    null; -- refused for its input: no account is looked at
  elsif v_failures >= 20 then
    v_reason := 'address_throttled';
  else
    -- the account's row, shared, as a clinic switch holds it: a deactivation or a password change
    -- in flight is waited for, and its outcome read (a login read the account as it was before
    -- and opened a session on an account just deactivated); a switch is not
    select * into v_user from app_public."user" u where u.phone = v_phone for share;
    -- Locked until this attempt is counted, so attempts cannot slip past the lockout by coming at
    -- once. One that finds another attempt on the account in flight is refused without checking
    -- its password (not queued: a burst of guesses would hold the API's connections in line).
    -- The phone's lock first, whether or not it has an account: attempts at once on a phone without
    -- one were never in flight, so a burst answered "busy" for registered phones alone.
    v_busy := not pg_try_advisory_xact_lock(app_private.account_lock_key(v_phone));
    if not v_busy then
      begin
        select * into v_secret from app_private.user_secret s where s.user_id = v_user.id for update nowait;
      exception when lock_not_available then
        v_busy := true;
      end;
    end if;
    -- An unknown phone, or a busy account, still pays for one bcrypt (password_matches of no hash), so timing tells nothing.
    v_password_ok := app_private.password_matches(password, case when not v_busy then v_secret.password_hash end);
    v_reason := case
      when v_busy then 'attempt_in_flight'
      when v_user.id is null then 'unknown_phone'
      when not v_password_ok then 'wrong_password'
      when v_secret.locked_until > now() then 'locked'
      when not v_user.is_active then 'inactive'
    end;
  end if;

  if v_reason is not null then
    -- an attempt refused for another in flight is no guess (its password is not checked): not counted
    -- against the address, so a double click behind one address does not bring it nearer the throttle
    if not v_busy then
      insert into app_private.login_failure (ip, phone) values (app_hidden.throttled_network(login.ip), v_phone);
    end if;
    if v_secret.user_id is not null and not v_busy then
      perform app_private.count_password_failure(v_secret.user_id);
    end if;
    -- an address the throttle refuses is audited at the first attempt it refuses (its 20 failures
    -- counted), not at those after it while it keeps trying (still counted, so it stays refused): each
    -- wrote an entry, and a client refused at every request grew the platform's chain without end
    if v_reason <> 'address_throttled' or v_failures = 20 then
      perform app_private.audit_failed_login(v_phone, login.ip, v_reason, v_user.id);
    end if;
    return case when v_busy then jsonb_build_object('status', 'busy')
      when v_refusal is null then jsonb_build_object('status', 'invalid')
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

comment on function app_hidden.login(text, text, uuid, inet, text, interval) is 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session) and returns it with status "ok". A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; one made while another attempt on the phone is in flight (an account''s or not) is {"status": "busy"}, its password not checked, and not counted against the client''s address; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, or login_failed with the reason), but those the address throttle refuses, audited once for as long as the address keeps being refused; every failure but not_a_member and busy counts against the client''s address. Called by POST /auth/login.';
