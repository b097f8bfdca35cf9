--! Previous: sha1:2d7b4290e1063b21da5fa30c207cd35cc90f7ba5
--! Hash: sha1:d7a63609be7b735b6a971580fec4e5d5c4259e08
--! Message: every character of a password counts

-- Every character of a password counts, and a client the address throttle refuses writes the
-- platform's audit chain once, not at every request.
--
-- bcrypt reads the first 72 bytes of what it is given: a password of 72 letters and any tail logged
-- in with any other tail, and one of 36 accented letters (2 bytes each) and a tail with the 36 alone,
-- where the rule allows 128 characters. A password is now hashed as the base64 of its SHA-256 (44
-- characters), marked so in the stored hash ('sha256$' and bcrypt's own); a hash made before is read
-- as it was made (its first 72 bytes) until its password is changed: made again at a login, it would
-- keep whatever tail was typed, never checked, and a typo past byte 72 would be the new password.

create or replace function app_private.password_key(password text) returns text
  language sql immutable strict
  set search_path to pg_catalog, public, pg_temp
  return encode(digest(password, 'sha256'), 'base64');
comment on function app_private.password_key(text) is 'What bcrypt is given of a password: the base64 of its SHA-256, 44 characters, so that all of it counts (bcrypt reads 72 bytes).';

create or replace function app_private.password_hash_of(password text) returns text
  language sql volatile strict
  set search_path to pg_catalog, public, pg_temp
  return 'sha256$' || crypt(app_private.password_key(password), gen_salt('bf', 10));
comment on function app_private.password_hash_of(text) is 'The hash kept of a password: sha256$ and the bcrypt (cost 10) of its password_key. No rule checked: hash_password checks it first.';

create or replace function app_private.hash_password(password text) returns text
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  perform app_private.check_password(password);
  return app_private.password_hash_of(password);
end;
$$;
comment on function app_private.hash_password(text) is 'The hash kept of a new password (password_hash_of), once it follows the password rule (check_password).';

create or replace function app_private.password_matches(password text, hash text) returns boolean
  language plpgsql volatile
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if hash is null then
    perform crypt(app_private.password_key(coalesce(password, '')), gen_salt('bf', 10)); -- as long as a check
    return false;
  elsif hash like 'sha256$%' then
    return crypt(app_private.password_key(password), substr(hash, 8)) = substr(hash, 8);
  end if;
  return crypt(password, hash) = hash; -- made before 000154: the password's first 72 bytes
end;
$$;
comment on function app_private.password_matches(text, text) is 'Whether a password is the one a hash was made of (password_hash_of, or a bcrypt of the password itself made before 000154); with no hash (an unknown phone, a busy account) false, after as long as a check takes.';

comment on column app_private.user_secret.password_hash is 'The password''s hash (password_hash_of: sha256$ and a bcrypt of its SHA-256; before 000154 a bcrypt of the password itself, whose first 72 bytes count until the password is changed); never leaves the database.';


create or replace function app_private.prune_login_failures() returns integer
  language sql
  set search_path to pg_catalog, public, pg_temp
begin atomic
  with pruned as (delete from app_private.login_failure f where f.attempted_at < now() - interval '1 hour' returning 1)
  select count(*)::integer from pruned;
end;
comment on function app_private.prune_login_failures() is 'Deletes failed logins older than an hour, past the throttle''s 15 minutes (the audit log keeps them): nothing did, and a client sending failed logins grew the table without end. Run hourly (login_failure__prune). Answers how many.';

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
    begin
      select * into v_secret from app_private.user_secret s where s.user_id = v_user.id for update nowait;
    exception when lock_not_available then
      v_busy := true;
    end;
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
    insert into app_private.login_failure (ip, phone) values (app_hidden.throttled_network(login.ip), v_phone);
    if v_secret.user_id is not null and not v_busy then
      perform app_private.count_password_failure(v_secret.user_id);
    end if;
    -- an address the throttle refuses is audited at the first attempt it refuses (its 20 failures
    -- counted), not at those after it while it keeps trying (still counted, so it stays refused): each
    -- wrote an entry, and a client refused at every request grew the platform's chain without end
    if v_reason <> 'address_throttled' or v_failures = 20 then
      perform app_private.audit_failed_login(v_phone, login.ip, v_reason, v_user.id);
    end if;
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

create or replace function app_hidden.change_password(current_password text, new_password text, ip inet) RETURNS jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
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
  update app_private.session s set revoked_at = now()
  where s.user_id = v_session.user_id and s.id <> v_session.id and s.revoked_at is null;
  get diagnostics v_ended = row_count;
  perform app_private.write_audit(v_session.clinic_id, 'update', 'user_secret', v_session.user_id, null, null,
    jsonb_build_object('passwordChanged', true, 'ip', change_password.ip, 'sessionId', v_session.id, 'sessionsEnded', v_ended),
    v_session.user_id);
  return jsonb_build_object('status', 'ok', 'sessionsEnded', v_ended);
end;
$$;


comment on function app_hidden.login(text, text, uuid, inet, text, interval) is
  'Checks a phone and password with lockout and throttling; on success opens a session (see open_session) and returns it with status "ok". A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, or login_failed with the reason), but those the address throttle refuses, audited once for as long as the address keeps being refused; every failure but not_a_member counts against the client''s address. Called by POST /auth/login.';
