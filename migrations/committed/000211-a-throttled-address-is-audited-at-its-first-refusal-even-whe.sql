--! Previous: sha1:63e3b67271df91dda53ff817313187a32be6f23b
--! Hash: sha1:e58cb442fe544651151c7b075bbc9fec85dbebc5
--! Message: a throttled address is audited at its first refusal, even when attempts at once took its count past 20

-- A throttled address is audited at its first refusal even when attempts at once took its count past 20
-- without landing on it: each failure says whether the throttle refused it, and the first refusal is the
-- one that finds none such in the window (it was the one that read exactly 20, which three attempts at 19
-- each passed by: the address was refused from then on, and never audited).
alter table app_private.login_failure add column if not exists throttled boolean not null default false;
comment on column app_private.login_failure.throttled is 'Whether the address throttle refused this attempt (app_hidden.login audits the first such in the window).';

CREATE OR REPLACE FUNCTION app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
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
  v_first_throttled boolean;
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
    -- the address's first refusal by the throttle: none of its failures in the window was one (attempts at once
    -- can take its count past 20 without landing on it, which left a throttled address never audited)
    v_first_throttled := v_reason = 'address_throttled' and not exists (
      select from app_private.login_failure f
      where f.ip = app_hidden.throttled_network(login.ip) and f.attempted_at > now() - interval '15 minutes' and f.throttled);
    -- an attempt refused for another in flight is no guess (its password is not checked): not counted
    -- against the address, so a double click behind one address does not bring it nearer the throttle
    if not v_busy then
      insert into app_private.login_failure (ip, phone, throttled) values (app_hidden.throttled_network(login.ip), v_phone, v_reason = 'address_throttled');
    end if;
    if v_secret.user_id is not null and not v_busy then
      perform app_private.count_password_failure(v_secret.user_id);
    end if;
    -- an address the throttle refuses is audited at the first attempt it refuses (its 20 failures
    -- counted), not at those after it while it keeps trying (still counted, so it stays refused): each
    -- wrote an entry, and a client refused at every request grew the platform's chain without end
    if v_reason <> 'address_throttled' or v_first_throttled then
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
