--! Previous: sha1:17db15ee25e0086b4225b4e4452b756addf39e1e
--! Hash: sha1:430aa2d13a875786440f9186993c36129b2d5741
--! Message: device-cookies-let-a-browser-past-the-throttle-and-the-lock

-- A browser its person logged in from is let through the address throttle and the account's lock (device cookies)
--
-- The address throttle refuses an address for 15 minutes after 20 failed logins from it, and a clinic's staff and its
-- waiting room's guest wifi usually share one public address: a patient on the wifi sending 20 bad logins a quarter of an
-- hour kept every member of the staff from logging in (the morning's logins, a shift change), the right password too, and
-- 000312's known networks open the account's lock alone, not the throttle (which is what holds a guesser on that network).
-- A login that opens a session now gives its browser a device cookie (OWASP's "device cookie"): the account and a random
-- secret, of which PostgreSQL keeps the SHA-256 alone (app_private.login_device). An attempt presenting a device cookie of
-- the account it logs in to is judged by its device: neither the address throttle nor the account's lock refuse it, and
-- its failures count against that device alone (not the address, not the account); 5 of them within 15 minutes and the
-- device is no longer trusted (its row deleted), and its attempts follow the address's and the account's rules again, as
-- every attempt without such a cookie (none, another account's, a forged or garbled one) always does. A login with it
-- gives the device a new secret; an account keeps its 10 devices last logged in from, and those not logged in from for
-- 90 days are deleted at its next login. A password given anew forgets its devices, as it forgets its networks (000318):
-- a reset all of them, its holder's change all but the device it is made from. Login entries of the audit log say whether
-- a device cookie of the account was presented (deviceCookie), never its secret.
create table if not exists app_private.login_device (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references app_public."user" (id) on delete cascade,
  secret_hash bytea not null unique,
  created_at timestamptz not null default now(),
  last_login_at timestamptz not null default now(),
  failed_login_count integer not null default 0,
  first_failed_login_at timestamptz
);
create index if not exists login_device_user_idx on app_private.login_device (user_id, last_login_at);
alter table app_private.login_device enable row level security;
alter table app_private.login_device force row level security;
drop policy if exists owner_only on app_private.login_device;
create policy owner_only on app_private.login_device to :DATABASE_OWNER using (true);
revoke all on table app_private.login_device from public;
comment on table app_private.login_device is 'The browsers (devices) each account logged in from with the password it has now, as their device cookies name them: a login presenting the cookie of one of them is judged by that device, not refused by the address throttle nor the account''s lock (app_private.trusted_device), until 5 of its own failures within 15 minutes delete it. At most 10 an account, none unused for 90 days; a password given anew forgets them (replace_password), but the device its holder changed it from (change_password).';
comment on column app_private.login_device.id is 'The device.';
comment on column app_private.login_device.user_id is 'The account whose logins the device''s cookie is for.';
comment on column app_private.login_device.secret_hash is 'The SHA-256 of the secret in the device''s cookie (the secret itself is kept by the browser alone), made anew at each login with it.';
comment on column app_private.login_device.created_at is 'When the account first logged in from the device.';
comment on column app_private.login_device.last_login_at is 'When the account last logged in from the device: one not logged in from for 90 days is trusted no longer, and deleted at the account''s next login.';
comment on column app_private.login_device.failed_login_count is 'Wrong passwords given with the device''s cookie since first_failed_login_at: the 5th within 15 minutes deletes the device.';
comment on column app_private.login_device.first_failed_login_at is 'When the first of failed_login_count was given.';

create or replace function app_private.trusted_device(user_id uuid, device_secrets text[]) returns uuid
  language sql stable
  set search_path to pg_catalog, public, pg_temp
as $$
  select d.id from app_private.login_device d
  where d.secret_hash = any (array(select sha256(convert_to(s, 'UTF8')) from unnest(trusted_device.device_secrets) s))
    and d.user_id = trusted_device.user_id and d.last_login_at > now() - interval '90 days'
  limit 1;
$$;
revoke all on function app_private.trusted_device(uuid, text[]) from public;
comment on function app_private.trusted_device(user_id uuid, device_secrets text[]) is 'The account''s device (login_device) whose cookie''s secret is one of device_secrets and that it logged in from within 90 days: a login presenting it is judged by that device. Null for none (no secrets, another account''s, a forged one, one deleted after 5 failures).';

create or replace function app_private.count_device_failure(device_id uuid) returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_count integer;
begin
  update app_private.login_device d set
    failed_login_count = case when d.first_failed_login_at > now() - interval '15 minutes' then d.failed_login_count + 1 else 1 end,
    first_failed_login_at = case when d.first_failed_login_at > now() - interval '15 minutes' then d.first_failed_login_at else now() end
  where d.id = count_device_failure.device_id
  returning d.failed_login_count into v_count;
  if v_count >= 5 then
    delete from app_private.login_device d where d.id = count_device_failure.device_id;
  end if;
end;
$$;
revoke all on function app_private.count_device_failure(uuid) from public;
comment on function app_private.count_device_failure(device_id uuid) is 'Counts a wrong password given with the device''s cookie against that device (not the address nor the account): the 5th within 15 minutes of the first deletes it, its cookie trusted no longer.';

create or replace function app_private.note_login_device(user_id uuid, device_id uuid) returns text
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_secret text := translate(encode(gen_random_bytes(32), 'base64'), '+/=', '-_');
begin
  delete from app_private.login_device d
  where d.user_id = note_login_device.user_id and d.last_login_at <= now() - interval '90 days';
  update app_private.login_device d set secret_hash = sha256(convert_to(v_secret, 'UTF8')), last_login_at = now(),
    failed_login_count = 0, first_failed_login_at = null
  where d.id = note_login_device.device_id and d.user_id = note_login_device.user_id;
  if not found then
    insert into app_private.login_device (user_id, secret_hash) values (note_login_device.user_id, sha256(convert_to(v_secret, 'UTF8')));
  end if;
  delete from app_private.login_device d
  where d.user_id = note_login_device.user_id and d.id not in (
    select k.id from app_private.login_device k where k.user_id = note_login_device.user_id order by k.last_login_at desc, k.created_at desc limit 10);
  return v_secret;
end;
$$;
revoke all on function app_private.note_login_device(uuid, uuid) from public;
comment on function app_private.note_login_device(user_id uuid, device_id uuid) is 'Notes that the account logged in from a device now: the device given (the trusted one its cookie named) gets a new secret and its failures cleared, else a new device is added; the account keeps its 10 devices last logged in from, and forgets those not logged in from for 90 days. Answers the new secret, for the device''s cookie (only its SHA-256 is kept). Called by app_hidden.login once it has opened a session.';

drop function if exists app_private.audit_session_opened(text, jsonb, inet);
create or replace function app_private.audit_session_opened(action text, opened jsonb, ip inet, extra jsonb default '{}') returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := (opened -> 'user' ->> 'id')::uuid;
begin
  perform app_private.audit_sessions_ended((opened -> 'clinic' ->> 'id')::uuid, audit_session_opened.action, 'user', v_user_id,
    jsonb_build_object('ip', audit_session_opened.ip, 'sessionId', opened ->> 'sessionId') || audit_session_opened.extra, false,
    opened -> 'endedSessions', audit_session_opened.action, v_user_id);
end;
$$;
revoke all on function app_private.audit_session_opened(text, jsonb, inet, jsonb) from public;
comment on function app_private.audit_session_opened(action text, opened jsonb, ip inet, extra jsonb) is 'Audits a session opened by a login or a switch (action login or switch_clinic; opened as open_session returned it, a switch adding the session it came from to its endedSessions), by the person: its entry, in its clinic''s chain (the platform''s without one), gives the client''s address, the session opened (sessionId), the sessions of that clinic the opening ended (endedSessions) and anything in extra (a login''s deviceCookie); each other chain whose sessions it ended gets an entry sessions_ended naming those alone (endedSessions) and what ended them (endedBy: login or switch_clinic), the chains written in the order of their ids (audit_sessions_ended).';

drop function if exists app_hidden.login(text, text, uuid, inet, text, interval);
create or replace function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[] default null) RETURNS jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
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
    -- An unknown phone, or a busy account, still pays for one bcrypt (password_matches of no hash), so timing tells nothing.
    v_password_ok := app_private.password_matches(password, case when not v_busy then v_secret.password_hash end);
    v_reason := case
      when v_address_refused then 'address_throttled'
      when v_busy then 'attempt_in_flight'
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
    -- one with a device cookie of the account counts against that device alone
    if v_device is not null then
      perform app_private.count_device_failure(v_device);
    elsif not v_busy then
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
      when v_refusal is null then jsonb_build_object('status', 'invalid')
      else jsonb_build_object('status', 'refused', 'error', v_refusal) end;
  end if;

  begin
    v_result := app_private.open_session(v_user.id, login.clinic_id, login.ip, login.user_agent, login.ttl);
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
revoke all on function app_hidden.login(text, text, uuid, inet, text, interval, text[]) from public;
grant execute on function app_hidden.login(text, text, uuid, inet, text, interval, text[]) to :DATABASE_VISITOR;
comment on function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[]) IS 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session, which ends the account''s live sessions beyond the newest 10), notes the client''s network (note_login_network) and device (note_login_device) and returns it with status "ok" and deviceSecret, the secret of the device''s new cookie. An attempt with the secret of a device cookie of the account (device_secrets, those the browser holds: trusted_device) is judged by that device: the address throttle and the account''s lock do not refuse it, and its failures count against the device alone, 5 in 15 minutes deleting it (count_device_failure). An account locked by 5 wrong passwords is locked against the right one too, but from a network it logged in from within the last 30 days (logged_in_from) or with its device''s cookie. A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; one made while another attempt on the phone is in flight (an account''s or not) is {"status": "busy"}, its password not checked, and not counted against the client''s address; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, naming the sessions of its clinic the cap ended as endedSessions, those of other clinics, or of none, each in its own chain as sessions_ended: audit_session_opened; or login_failed with the reason; each saying whether a device cookie of the account was presented, deviceCookie), but those from an address the throttle refuses, those refused for their input too (still answered for it), audited once (as address_throttled) for as long as the address keeps being refused; every failure but not_a_member, busy and those with a device cookie counts against the client''s address. Called by POST /auth/login.';

drop function if exists app_hidden.change_password(text, text, inet);
create or replace function app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[] default null) returns jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_session app_private.session := app_private.live_session();
  v_secret app_private.user_secret;
  v_ended jsonb;
  v_throttled boolean;
  v_first_throttled boolean;
  v_device uuid;
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
  -- an address the throttle refuses logins from is refused here too, as a login is: its password not checked,
  -- counted against the address (so it stays refused), audited at the first refusal the throttle makes
  select t.refused, t.first_refusal into v_throttled, v_first_throttled from app_private.address_throttle(change_password.ip) t;
  if v_throttled then
    if v_first_throttled then
      perform app_private.audit_failed_login(u.phone, change_password.ip, 'address_throttled', u.id)
      from app_public."user" u where u.id = v_session.user_id;
    end if;
    insert into app_private.login_failure (ip, phone, throttled)
    select app_hidden.throttled_network(change_password.ip), u.phone, true from app_public."user" u where u.id = v_session.user_id;
    return jsonb_build_object('status', 'invalid');
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
     or not app_private.password_matches(current_password, v_secret.password_hash) then
    -- the same as a login's failure: audited, counted against the account and the client's address
    insert into app_private.login_failure (ip, phone)
    select app_hidden.throttled_network(change_password.ip), u.phone from app_public."user" u where u.id = v_session.user_id;
    perform app_private.count_password_failure(v_session.user_id);
    perform app_private.audit_failed_login(u.phone, change_password.ip, 'password_change_refused', u.id)
    from app_public."user" u where u.id = v_session.user_id;
    return jsonb_build_object('status', 'invalid');
  end if;
  update app_private.user_secret s set password_hash = app_private.hash_password(new_password),
    failed_login_count = 0, first_failed_login_at = null, locked_until = null, password_set_by_holder = true
  where s.user_id = v_session.user_id;
  -- the networks the old password logged in from are no longer the account's, but the one its holder changed it from
  delete from app_private.login_network n where n.user_id = v_session.user_id;
  perform app_private.note_login_network(v_session.user_id, change_password.ip);
  -- and so the devices, but the one its holder changed it from (whose cookie stays good)
  v_device := app_private.trusted_device(v_session.user_id, change_password.device_secrets);
  delete from app_private.login_device d where d.user_id = v_session.user_id and d.id is distinct from v_device;
  v_ended := app_private.end_sessions_of(v_session.user_id, v_session.id);
  -- the change in the chain of the session that asked, counting the sessions of that chain it ended, and in the chain of
  -- each other clinic the person is of, saying what it was alone (not the address nor the session it was asked from)
  perform app_private.audit_sessions_ended(v_session.clinic_id, 'update', 'user_secret', v_session.user_id,
    jsonb_build_object('passwordChanged', true, 'ip', change_password.ip, 'sessionId', v_session.id), true,
    v_ended, 'password_change', v_session.user_id, jsonb_build_object('passwordChanged', true));
  return jsonb_build_object('status', 'ok', 'sessionsEnded', jsonb_array_length(v_ended));
end;
$$;

revoke all on function app_hidden.change_password(text, text, inet, text[]) from public;
grant execute on function app_hidden.change_password(text, text, inet, text[]) to :DATABASE_VISITOR;
comment on function app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[]) is 'Changes the session''s user''s password, given the current one: no current password (or one over 1,024 characters) or the same one again is INVALID_INPUT, a new one breaking the password rule WEAK_PASSWORD (check_password); a wrong current one, or an account locked, is {"status": "invalid"}, counted and audited as a failed login (reason password_change_refused); so is one from an address the login throttle refuses (20 failures in 15 minutes), its password not checked, counted against the address alone and audited (address_throttled) at the throttle''s first refusal, as login does. On success the account''s other sessions end, in every clinic, the networks it logged in from (login_network) are forgotten but the one of `ip`, which the new password is noted from, and so are its devices (login_device) but the one whose cookie asked (device_secrets: trusted_device), and the change is audited (update of user_secret, without the hash) in the chain of the session that asked, counting the sessions of that chain it ended (sessionsEnded), and in the chain of each other clinic the person is of (passwordChanged alone, not the address nor the session, and the sessions of that chain it ended: audit_sessions_ended), each other chain whose sessions it ended getting sessions_ended (endedBy password_change): {"status": "ok", "sessionsEnded": n}, n the sessions it ended in every clinic. Called by POST /auth/password.';

create or replace function app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) returns integer
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_secret app_private.user_secret;
  v_ended jsonb;
  v_done jsonb;
begin
  perform app_private.hold_for_new_password(replace_password.user_id);
  select * into v_secret from app_private.user_secret s where s.user_id = replace_password.user_id;
  update app_private.user_secret s set password_hash = replace_password.password_hash, locked_until = null,
    failed_login_count = 0, first_failed_login_at = null, password_set_by_holder = false,
    password_given_by_clinic = replace_password.clinic_id
  where s.user_id = replace_password.user_id;
  -- the networks and devices the old password logged in from (a thief's too) are no longer let through the lock or the throttle
  delete from app_private.login_network n where n.user_id = replace_password.user_id;
  delete from app_private.login_device d where d.user_id = replace_password.user_id;
  v_ended := app_private.end_sessions_of(replace_password.user_id, null);
  -- in the chain of clinic_id with the detail given (a clinic's reset names the membership), and in the chain of each
  -- other clinic the person is of with what it was and by what alone
  v_done := jsonb_build_object('passwordChanged', true, 'unlocked', coalesce(v_secret.locked_until > now(), false));
  perform app_private.audit_sessions_ended(replace_password.clinic_id, 'update', 'user_secret', replace_password.user_id,
    v_done || replace_password.detail, true, v_ended, 'password_reset', app_public.current_user_id(),
    v_done || jsonb_build_object('by', replace_password.detail -> 'by'));
  return jsonb_array_length(v_ended);
end;
$$;

comment on function app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) is 'Gives the person a password someone else chose (its hash, made by hash_password): the person must choose their own at their next chance (password_set_by_holder false), a lockout ends, every session of theirs ends, the networks and devices they logged in from are forgotten (login_network, login_device: until they log in again, the lock holds everywhere and the address throttle refuses them as anyone), and the change is audited in the chain of clinic_id (the platform''s when null); a clinic''s reset keeps the account to that clinic until the operator''s next (password_given_by_clinic) as an update of user_secret: passwordChanged, unlocked, sessionsEnded (the sessions of that chain it ended) and the detail given (who did it), never the hash; the chain of each other clinic the person is of gets the same update with passwordChanged, unlocked and by alone, and the sessions of that chain it ended (endedSessions: audit_sessions_ended); each other chain whose sessions it ended gets sessions_ended (endedBy password_reset). Answers the sessions it ended, in every clinic. For the operator''s resets (npm run password, npm run superuser) and a clinic''s (reset_member_password).';

comment on column app_public.audit_log.detail is 'Extra facts, by action: null for a change of a row (insert, update, delete, soft_delete, restore), but an update of user_secret (below). login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the opening ended, if any: the session a switch came from, and those beyond the account''s cap of 10 live sessions); a login''s deviceCookie (whether a device cookie of the account judged it: app_private.login_device). sessions_ended: endedSessions (the sessions of this chain''s clinic, or of none in the platform''s, that were ended), endedBy (what ended them: login or switch_clinic, into another clinic or none; password_change, by the person; password_reset, by a clinic''s owner or admin or the operator; deactivation of the account, or platform_admin_change of its rights, by the operator). logout: sessionId. login_failed: phone (normalised; null when it was no phone number), ip, reason, clinicId (the clinic named, for not_a_member and switch_not_a_member), and deviceCookie for a login''s (whether a device cookie of the account judged it, its failure counted against that device alone). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many sessions of this chain''s clinic, or of none in the platform''s, it ended: those of other chains are in their own entries), and ip and sessionId when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it; in the chain of each other clinic the person is of, passwordChanged, and unlocked and by for a reset, with endedSessions (the sessions of that clinic it ended, if any) in place of sessionsEnded, and nothing of where it was done from. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry).';
