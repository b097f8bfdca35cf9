--! Previous: sha1:b94ffa7916430e7a99682b07639dae8033c6cabf
--! Hash: sha1:6ce8cd3b351bf5fdc803744f815ff40e6f24cf9e
--! Message: An attempt refused for its address's attempts in flight is no longer one of them

-- An attempt refused for its address's attempts in flight is no longer one of them
--
-- An attempt the address's rule judges took its address's shared lock (enter_address_attempt) and kept it until its
-- transaction ended, refused or not: one refused for the attempts in flight (address_busy), which is never counted,
-- stayed in flight, a failure to come for every attempt of the address after it, while it wrote its audit entry (behind
-- every other failed login on the platform's chain) and its transaction ended. Once the attempts it was refused for had
-- ended as right passwords, a colleague's right password from the address was refused too, 503 RETRY, for attempts that
-- could no longer fail; and each refusal, in flight, refused the next. Now the lock is taken, and the attempts in
-- flight and the failures read, in a block of its own, which a refusal undoes: the lock goes with it, before its audit
-- entry is written, and only attempts that will have their password checked are in flight.
create or replace function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[] default null, replaced_session_id uuid default null) RETURNS jsonb
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
    -- An unknown phone, or a busy account, still pays for one bcrypt (password_matches of no hash), so timing tells nothing;
    -- an attempt refused for the address's in flight does not (its answer says nothing of the phone)
    if not v_address_busy then
      v_password_ok := app_private.password_matches(password, case when not v_busy then v_secret.password_hash end);
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

comment on function app_private.enter_address_attempt(ip inet) is 'Marks this transaction''s login attempt as in flight from the client address `ip` (its network, throttled_network) until the transaction ends, by a shared advisory lock (secret_lock_key of ''address:'' and the network, which pg_locks shows without telling the address), and returns how many other attempts of it are in flight, which address_throttle counts as failures (read in a statement after this one, READ COMMITTED, so that an attempt ended meanwhile is read as its failure). 0 for a null address, which is not throttled. For login, which calls it in a block of its own and undoes that block, the lock with it, when the attempt is refused for those in flight (address_busy): only attempts whose password is checked are in flight.';
