--! Previous: sha1:33c6ffaeb3101440e8990ddc7c52a6565f549577
--! Hash: sha1:de9319db8e09dfd9f7b84b98d9341750beea330b
--! Message: A national number at a login naming its clinic is read in that clinic's country

-- A login naming its clinic reads a national number in that clinic's country
--
-- A login completed a phone typed without its country code with the deployment's DEFAULT_CALLING_CODE alone, also when
-- it named its clinic (clinicId, as a clinic's own login page sends it), though that clinic's invitations complete the
-- same form with the clinic's calling code. A Kenyan clinic on a deployment whose default is Tanzania's invited its
-- receptionist as "0712 345 678", saved as +254712345678; typed so at the clinic's login, it was read as +255712345678:
-- refused, and, when that number is a stranger's account in Tanzania, counted as a wrong password against the stranger,
-- whose account 5 such attempts locked. A login naming a clinic now completes a national number with that clinic's
-- calling code (app_private.login_calling_code, which reads the clinic whatever the session, as the login has none);
-- naming none, or a clinic of no calling code or no clinic, with the deployment's, as before. A number typed with its
-- country code is read as it was.
create or replace function app_private.login_calling_code(clinic_id uuid) returns app_public.calling_code
  language plpgsql stable security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'on'
  set clinicops.reinvitation = 'off'
as $$
begin
  -- the clinic whatever the session (every_clinic): a login has none yet
  return app_hidden.calling_code_for(login_calling_code.clinic_id);
end;
$$;
revoke all on function app_private.login_calling_code(uuid) from public;
comment on function app_private.login_calling_code(clinic_id uuid) is 'The country calling code a login completes a phone typed without its country code with: the calling code of the clinic it names (clinic_id), as that clinic''s invitations complete the same form, else the deployment''s (DEFAULT_CALLING_CODE: calling_code_for). Reads the clinic whatever the session (clinicops.every_clinic on, for its own duration). For app_hidden.login.';

create or replace function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[] default null, replaced_session_id uuid default null) returns jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_phone app_public.e164_phone;
  v_user app_public."user";
  v_secret app_private.user_secret;
  v_password_ok boolean;
  v_reason text;
  v_refusal jsonb;
  v_result jsonb;
  v_busy boolean := false;
  v_throttled boolean;
  v_first_throttled boolean;
  v_device uuid;
  v_address_refused boolean;
  -- refused for the address's attempts in flight: with its failures, they would take it past its 20
  v_address_busy boolean := false;
  v_in_flight integer;
begin
  begin
    -- a national number in the country of the clinic the login names, as that clinic's invitations read it; naming
    -- none, the deployment's (login_calling_code)
    v_phone := app_public.normalize_phone(phone, app_private.login_calling_code(login.clinic_id));
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

  -- every attempt asks the throttle, one refused for its input too: from an address it refuses, that one is still
  -- answered for its input and counted, but audited only as the throttle's first refusal, as any other attempt is
  select t.refused, t.first_refusal into v_throttled, v_first_throttled from app_private.address_throttle(login.ip) t;
  -- but an attempt with a device cookie of the account, judged by its device (read again below, under the account's lock)
  v_address_refused := v_throttled and (v_refusal is not null
    or app_private.trusted_device((select u.id from app_public."user" u where u.phone = v_phone), login.device_secrets) is null);

  if v_refusal is not null then
    null; -- refused for its input: no account is looked at
  elsif v_address_refused then
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
    -- the device as it is once the account's attempts take turns (its failures are counted under that lock): one
    -- deleted meanwhile by its 5th failure leaves the attempt to the address's rule
    if not v_busy then
      v_device := app_private.trusted_device(v_user.id, login.device_secrets);
      v_address_refused := v_throttled and v_device is null;
    end if;
    -- an attempt the address's rule judges is in flight from here until its transaction ends, and counts as a failure
    -- meanwhile: one that finds the address's failures and the attempts in flight before it at 20 is refused without its
    -- password checked (attempts sent at once each read the failures of those before them, none of those in flight, and
    -- a burst had 39 passwords checked where the rule allows 20). The attempts in flight are read first, the failures
    -- then: one that has ended meanwhile is read as a failure, if it was one. One refused is not in flight: its block is
    -- undone, the address's lock with it, before its audit entry is written (it is never counted, and held until its
    -- transaction ended it refused the address's next attempts, right passwords too, once those it was refused for had
    -- ended)
    if not v_busy and v_device is null and not v_address_refused then
      begin
        v_in_flight := app_private.enter_address_attempt(login.ip);
        if (select t.refused from app_private.address_throttle(login.ip, v_in_flight) t) then
          raise exception 'The address''s attempts in flight and failures are at 20.' using errcode = 'CADBY';
        end if;
      exception when sqlstate 'CADBY' then
        v_address_busy := true; -- the lock let go: only attempts whose password is checked are in flight
      end;
    end if;
    -- An unknown phone still pays for one bcrypt (password_matches of no hash), so timing tells nothing; an attempt refused
    -- for another in flight on the phone, or for the address's in flight, does not: its answer (RETRY) says nothing of the
    -- phone, an account's or not, and it is counted against nothing, so a bcrypt each let a burst at one phone run as many
    -- as it sent while the address counted one (none, behind an account's right password)
    if not v_busy and not v_address_busy then
      v_password_ok := app_private.password_matches(password, v_secret.password_hash);
    end if;
    v_reason := case
      when v_address_refused then 'address_throttled'
      when v_busy then 'attempt_in_flight'
      when v_address_busy then 'address_attempts_in_flight'
      when v_user.id is null then 'unknown_phone'
      when not v_password_ok then 'wrong_password'
      -- the lock keeps out guesses, not the person: a device or a network they logged in from lately is let through
      when v_secret.locked_until > now() and v_device is null and not app_private.logged_in_from(v_user.id, login.ip) then 'locked'
      when not v_user.is_active then 'inactive'
    end;
  end if;

  if v_reason is not null then
    -- an attempt refused for another in flight is no guess (its password is not checked): not counted
    -- against the address, so a double click behind one address does not bring it nearer the throttle;
    -- one with a device cookie of the account counts against that device alone; one refused for the address's attempts
    -- in flight is no guess either (those attempts are counted, as they end)
    if v_device is not null then
      perform app_private.count_device_failure(v_device);
    elsif not v_busy and not v_address_busy then
      insert into app_private.login_failure (ip, phone, throttled) values (app_hidden.throttled_network(login.ip), v_phone, v_throttled);
      if v_secret.user_id is not null and not v_address_refused then
        perform app_private.count_password_failure(v_secret.user_id);
      end if;
    end if;
    -- an address the throttle refuses is audited at the first attempt it refuses (its 20 failures
    -- counted), not at those after it while it keeps trying (still counted, so it stays refused): each
    -- wrote an entry, and a client refused at every request grew the platform's chain without end;
    -- an attempt refused for its input (no password, not a phone) from such an address too
    if not v_address_refused or v_first_throttled then
      perform app_private.audit_failed_login(v_phone, login.ip, case when v_address_refused then 'address_throttled' else v_reason end,
        v_user.id, jsonb_build_object('deviceCookie', v_device is not null));
    end if;
    return case when v_busy then jsonb_build_object('status', 'busy')
      when v_address_busy then jsonb_build_object('status', 'address_busy')
      when v_refusal is null then jsonb_build_object('status', 'invalid')
      else jsonb_build_object('status', 'refused', 'error', v_refusal) end;
  end if;

  begin
    v_result := app_private.open_session(v_user.id, login.clinic_id, login.ip, login.user_agent, login.ttl, login.replaced_session_id);
  exception when sqlstate 'CFORB' then
    -- the right password, for a clinic the user is not (or no longer) an active member of: a failed
    -- login, audited in the platform's chain (the clinic's managers are not shown a stranger's phone)
    perform app_private.audit_failed_login(v_phone, login.ip, 'not_a_member', v_user.id,
      jsonb_build_object('clinicId', login.clinic_id, 'deviceCookie', v_device is not null));
    return jsonb_build_object('status', 'not_a_member', 'message', app_private.not_a_member_message(v_user.id, login.clinic_id));
  end;
  -- a login that opened its session (not one refused above) clears the failures and is the last
  update app_private.user_secret s set failed_login_count = 0, first_failed_login_at = null, locked_until = null,
    last_login_at = now() where s.user_id = v_user.id;
  perform app_private.note_login_network(v_user.id, login.ip);
  perform app_private.audit_session_opened('login', v_result, login.ip, jsonb_build_object('deviceCookie', v_device is not null));
  -- the device's cookie, with a new secret (never audited)
  return v_result || jsonb_build_object('status', 'ok', 'deviceSecret', app_private.note_login_device(v_user.id, v_device));
end;
$$;

revoke all on function app_hidden.login(text, text, uuid, inet, text, interval, text[], uuid) from public;
grant execute on function app_hidden.login(text, text, uuid, inet, text, interval, text[], uuid) to :DATABASE_VISITOR;
comment on function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[], replaced_session_id uuid) is 'Checks a phone and password with lockout and throttling, a phone typed without its country code read in the country of the clinic named (clinic_id), else the deployment''s (login_calling_code); on success opens a session (see open_session, which ends the account''s live sessions beyond the newest 10, and first replaced_session_id, the session of the cookie the login replaces, when it is the account''s: a session of another account is ended by the server once the login is answered ok, naming the session opened (app_hidden.logout(replaced_by)), which audits it as ended by this login, sessions_ended, not as its person''s logout; a login that fails leaves it), notes the client''s network (note_login_network) and device (note_login_device) and returns it with status "ok" and deviceSecret, the secret of the device''s new cookie. An attempt with the secret of a device cookie of the account (device_secrets, those the browser holds: trusted_device) is judged by that device: the address throttle and the account''s lock do not refuse it, and its failures count against the device alone, the 5th since its last login deleting it (count_device_failure). An account locked by 5 wrong passwords is locked against the right one too, but from a network it logged in from within the last 30 days (logged_in_from) or with its device''s cookie. A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; one made while another attempt on the phone is in flight (an account''s or not) is {"status": "busy"}, its password not checked, and not counted against the client''s address; one that finds the address''s failures and its attempts in flight at 20 (enter_address_attempt, address_throttle''s in_flight) is {"status": "address_busy"}, its password not checked, no longer in flight itself, and not counted; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, naming the sessions of its clinic the cap ended as endedSessions, those of other clinics, or of none, each in its own chain as sessions_ended: audit_session_opened; or login_failed with the reason; each saying whether a device cookie of the account was presented, deviceCookie), but those from an address the throttle refuses, those refused for their input too (still answered for it), audited once (as address_throttled) for as long as the address keeps being refused; every failure but not_a_member, busy, address_busy and those with a device cookie counts against the client''s address. Called by POST /auth/login.';
