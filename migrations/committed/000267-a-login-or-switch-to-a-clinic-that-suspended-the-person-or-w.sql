--! Previous: sha1:5ee6fb36e964b9ed0319b95b4903c55f4ec1fd25
--! Hash: sha1:7f84d4eac32c475c3d9da5d74fd969656fc56a5b
--! Message: A login or switch to a clinic that suspended the person, or whose invitation they have not accepted, says so

-- A login or switch to a clinic that suspended the person, or whose invitation they have not accepted, says so
--
-- A receptionist the clinic had suspended, logging in to it (or switching to it), was told 403 FORBIDDEN "You are not
-- a member of that clinic.", as a stranger is, and took it that they had been removed; a person naming a clinic whose
-- invitation they had not accepted yet was told the same, and nothing of what to do. Both have the right password and
-- see these memberships of theirs anyway (currentUser's memberships lists the suspended one, myClinics the
-- invitation). The refusal is still FORBIDDEN, audited as before (not_a_member, switch_not_a_member), and opens no
-- session; its message now says which: "Your membership of that clinic is suspended: …" or "You have not accepted
-- that clinic's invitation: …" (app_private.not_a_member_message); anyone else, and a suspended invitation (which its
-- person is not shown), is told "You are not a member of that clinic." as before.

create or replace function app_private.not_a_member_message(user_id uuid, clinic_id uuid) returns text
  language plpgsql stable security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.every_clinic = 'on'
as $$
declare
  v_member app_public.membership;
begin
  select * into v_member from app_public.membership m
  where m.clinic_id = not_a_member_message.clinic_id and m.user_id = not_a_member_message.user_id and m.deleted_at is null;
  return case
    when v_member.accepted_at is not null and not v_member.is_active
      then 'Your membership of that clinic is suspended: its owner or an admin can make it active again.'
    when v_member.id is not null and v_member.accepted_at is null and v_member.is_active
      then 'You have not accepted that clinic''s invitation: you are its member once you accept it (acceptInvitation).'
    else 'You are not a member of that clinic.'
  end;
end;
$$;
comment on function app_private.not_a_member_message(user_id uuid, clinic_id uuid) is 'What a login or a switch naming a clinic that opened no session for the person is told: their membership there suspended, its invitation not accepted yet, or (anyone else, a suspended invitation too) not a member. Reads the person''s membership of that clinic whatever the session (clinicops.every_clinic, for its own duration); called once the password is right.';

comment on policy every_clinic on app_public.membership is 'Owner role only: every clinic''s memberships, while a function has clinicops.every_clinic on in its definition (app_private.member_elsewhere, app_private.soft_deleted_row, app_private.not_a_member_message).';

create or replace function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) returns jsonb
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

  if v_refusal is null then
    select t.refused, t.first_refusal into v_throttled, v_first_throttled from app_private.address_throttle(login.ip) t;
  end if;

  if v_refusal is not null then
    null; -- refused for its input: no account is looked at
  elsif v_throttled then
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
    return jsonb_build_object('status', 'not_a_member', 'message', app_private.not_a_member_message(v_user.id, login.clinic_id));
  end;
  -- a login that opened its session (not one refused above) clears the failures and is the last
  update app_private.user_secret s set failed_login_count = 0, first_failed_login_at = null, locked_until = null,
    last_login_at = now() where s.user_id = v_user.id;
  perform app_private.audit_session_opened('login', v_result, login.ip);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;


create or replace function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid;
  v_result jsonb;
  -- the session switched from, as open_session lists those it ended ({id, clinicId})
  v_left jsonb;
begin
  -- the account's row and its sessions' turn before this session is checked, which a statement
  -- after them reads as it is once they are had
  perform app_private.hold_account((select s.user_id from app_private.session s where s.id = app_public.current_session_id()));
  v_user_id := app_public.current_user_id();
  if v_user_id is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  -- the account's openings' turn (open_session's) before this session is touched: a login holding it may
  -- be ending this session as one of the oldest, and would wait for this switch, which waited for it
  perform pg_advisory_xact_lock(app_private.session_opening_key(v_user_id));
  begin
    -- a logout or another switch of this session that committed while this one waited has ended it
    update app_private.session s set revoked_at = now() where s.id = app_public.current_session_id() and s.revoked_at is null
    returning jsonb_build_object('id', s.id, 'clinicId', s.clinic_id) into v_left;
    if v_left is null then
      raise exception 'Your session has ended: log in again.' using errcode = 'CAUTH';
    end if;
    -- the new session ends when the one switched from would have: a switch is no login, and switching to
    -- the same clinic again and again kept a stolen cookie alive for good
    -- the time left as microseconds, not as the difference of the two times: that one comes in days and hours,
    -- and a day added on the clinic's clock (this session's time zone) with summer time is 23 or 25 hours
    v_result := app_private.open_session(v_user_id, switch_clinic.clinic_id, switch_clinic.ip, switch_clinic.user_agent,
      least(switch_clinic.ttl, interval '1 microsecond' *
        (select (extract(epoch from s.expires_at) - extract(epoch from now())) * 1000000 from app_private.session s where s.id = app_public.current_session_id())));
  exception when sqlstate 'CFORB' then
    -- a clinic the user is not (or no longer) an active member of: the session switched from goes on,
    -- and the attempt is audited as a login naming it is (not_a_member), in the platform's chain: once
    -- a quarter of an hour per session, so that a session trying id after id writes no entry a request
    update app_private.session s set switch_refused_at = now()
    where s.id = app_public.current_session_id() and (s.switch_refused_at is null or s.switch_refused_at < now() - interval '15 minutes');
    if found then
      perform app_private.audit_failed_login((select u.phone from app_public."user" u where u.id = v_user_id), switch_clinic.ip,
        'switch_not_a_member', v_user_id, jsonb_build_object('clinicId', switch_clinic.clinic_id));
    end if;
    return jsonb_build_object('status', 'not_a_member', 'message', app_private.not_a_member_message(v_user_id, switch_clinic.clinic_id));
  end;
  -- the session switched from ended as those the cap ended: its end in its clinic's chain, where a logout's would be
  perform app_private.audit_session_opened('switch_clinic',
    v_result || jsonb_build_object('endedSessions', (v_result -> 'endedSessions') || jsonb_build_array(v_left)), switch_clinic.ip);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;
