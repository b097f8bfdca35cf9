--! Previous: sha1:860778ecfc9c5633fb96d08b24d2587283ee6beb
--! Hash: sha1:fd0dc5a1d05c85763171c672133fd788ced025e4
--! Message: each clinic's audit chain records the ending of its own sessions

-- Each clinic's audit chain records the ending of its own sessions by an account's cap, and no other's.
--
-- 000223's cap of 10 live sessions wrote the sessions a login (or a switch) ended into that login's entry, in the
-- chain of the clinic logged into: sessions of the account's other clinics (and of none) ended there too, so their
-- clinics' chains never learnt those sessions had ended, and the clinic logged into learnt their ids, each the
-- sessionId of a login entry in another clinic's chain. Now the login's (or switch's) entry names the sessions of its
-- own clinic it ended, and each other chain whose sessions it ended gets a sessions_ended entry naming those alone.
-- The chains' heads are locked in the order of their ids (the platform's, the nil uuid, first), as every opening that
-- ends sessions of several clinics takes them: two logins ending each other's clinics' sessions cannot each hold the
-- head the other waits for.

alter table app_public.audit_log drop constraint if exists audit_log_action_check;
alter table app_public.audit_log add constraint audit_log_action_check check (action in (
  'insert', 'update', 'delete', 'soft_delete', 'restore',
  'login', 'login_failed', 'logout', 'switch_clinic', 'sessions_ended', 'export', 'export_cut_short'
));
comment on column app_public.audit_log.action is 'insert, update, delete, soft_delete, restore, login, login_failed, logout, switch_clinic, sessions_ended (sessions of the clinic ended by the person''s login or switch in another, beyond their 10 live sessions), export (a download begun) or export_cut_short (that download ended before the whole file was sent).';

create or replace function app_private.audit_session_opened(action text, opened jsonb, ip inet) returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := (opened -> 'user' ->> 'id')::uuid;
  v_clinic_id uuid := (opened -> 'clinic' ->> 'id')::uuid;
  v_chain record;
begin
  -- the chain of the session opened, and those of the sessions it ended, one entry each, in the order of the chains'
  -- ids: write_audit locks each chain's head until commit, and every opening takes them in this order
  for v_chain in
    select c.clinic_id, jsonb_agg(e.session -> 'id' order by e.session ->> 'id') filter (where e.session is not null) as ended
    from (select v_clinic_id as clinic_id
          union
          select (s ->> 'clinicId')::uuid from jsonb_array_elements(opened -> 'endedSessions') s) c
    left join jsonb_array_elements(opened -> 'endedSessions') e(session)
      on (e.session ->> 'clinicId')::uuid is not distinct from c.clinic_id
    group by c.clinic_id
    order by coalesce(c.clinic_id, '00000000-0000-0000-0000-000000000000')
  loop
    if v_chain.clinic_id is not distinct from v_clinic_id then
      perform app_private.write_audit(v_clinic_id, audit_session_opened.action, 'user', v_user_id, null, null,
        jsonb_build_object('ip', audit_session_opened.ip, 'sessionId', opened ->> 'sessionId')
          || jsonb_strip_nulls(jsonb_build_object('endedSessions', v_chain.ended)), v_user_id);
    else
      -- nothing of the opening but that there was one (what it was, not where, nor which session it opened)
      perform app_private.write_audit(v_chain.clinic_id, 'sessions_ended', 'user', v_user_id, null, null,
        jsonb_build_object('endedSessions', v_chain.ended, 'endedBy', audit_session_opened.action), v_user_id);
    end if;
  end loop;
end;
$$;
comment on function app_private.audit_session_opened(action text, opened jsonb, ip inet) is 'Audits a session opened by a login or a switch (action login or switch_clinic; opened as open_session returned it): its entry, in its clinic''s chain (the platform''s without one), gives the client''s address, the session opened (sessionId) and the sessions of that clinic its cap ended (endedSessions); each other chain whose sessions the cap ended gets an entry sessions_ended naming those alone (endedSessions) and what ended them (endedBy: login or switch_clinic), so that no clinic learns another''s session ids. The chains are written in the order of their ids, which every opening follows: two at once that end sessions of each other''s clinics lock no chain head the other holds while waiting for it.';
revoke all on function app_private.audit_session_opened(text, jsonb, inet) from public;

create or replace function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_session app_private.session;
  v_user app_public."user";
  v_clinics jsonb;
  v_clinic_id uuid := open_session.clinic_id;
  v_role app_public.member_role;
  v_ended jsonb;
  -- the live sessions an account keeps at most (docs/auth.md says why 10)
  c_live_sessions constant integer := 10;
begin
  -- a change of the user's memberships in flight (a removal, a suspension, a new role) first: what
  -- this session gets is read once it has committed, and one after it finds this session to end
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(open_session.user_id));
  -- then the account's other openings (a login, a switch) are waited for, so that the cap below counts
  -- the sessions they open and end: two at once each counted without the other's, and left one too many
  perform pg_advisory_xact_lock(app_private.session_opening_key(open_session.user_id));
  select * into v_user from app_public."user" u where u.id = open_session.user_id;
  insert into app_private.session (user_id, is_platform_admin, expires_at, ip, user_agent)
  values (v_user.id, v_user.is_platform_admin, now() + ttl, open_session.ip, left(open_session.user_agent, 500))
  returning * into v_session;
  -- From here on this transaction acts as the new session, so the member sees
  -- their own memberships through the ordinary policies (and their invitations, with the inviting
  -- clinics' names, through own_invitations / invited_clinics, which only this owner role has).
  perform set_config('jwt.claims.session_id', v_session.id::text, true);

  -- the clinics as the session lists them at any time (my_clinics), in its order
  select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'role', c.role, 'pending', c.pending) order by c.place), '[]')
  into v_clinics
  from app_public.my_clinics() with ordinality c(id, name, role, pending, place);

  -- the only clinic the user is a member of, not counting invitations (accepted only by
  -- accept_invitation, never by default); not for a platform administrator, whose session without a
  -- clinic is where they read the platform's audit chain (audit_chain_in_view)
  if v_clinic_id is null and not v_user.is_platform_admin
     and (select count(*) from jsonb_array_elements(v_clinics) e where not (e ->> 'pending')::boolean) = 1 then
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

  -- the account's live sessions beyond the newest 10, this one among them, end as a logout ends them (their
  -- tokens UNAUTHENTICATED, their websockets closed): a script or a person logging in again and again kept
  -- every session it opened, each a cookie good until it expired; one ended meanwhile (a logout) is left as it is
  with ended as (
    update app_private.session s set revoked_at = now()
    where s.revoked_at is null and s.id in (
      select o.id from app_private.session o
      where o.user_id = open_session.user_id and o.id <> v_session.id and o.revoked_at is null and o.expires_at > now()
      order by o.created_at desc, o.id desc
      offset c_live_sessions - 1)
    returning s.id, s.clinic_id
  )
  -- each with its clinic, whose audit chain records its end (audit_session_opened)
  select jsonb_agg(jsonb_build_object('id', e.id, 'clinicId', e.clinic_id) order by e.id) into v_ended from ended e;

  return jsonb_build_object(
    'sessionId', v_session.id,
    'expiresAt', v_session.expires_at,
    'user', jsonb_build_object('id', v_user.id, 'phone', v_user.phone, 'fullName', v_user.full_name,
                               'isPlatformAdmin', v_user.is_platform_admin),
    'clinic', (select jsonb_build_object('id', c.id, 'name', c.name, 'timezone', c.timezone, 'currency', c.currency)
               from app_public.clinic c where c.id = v_clinic_id),
    'role', v_role,
    'clinics', v_clinics,
    'endedSessions', coalesce(v_ended, '[]')
  );
end;
$$;

comment on function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) is 'Starts a session for a user, scoped to the chosen clinic (one they are a member of: an invitation is accepted with accept_invitation first), or to the only clinic they are a member of (invitations not counted; not for a platform administrator, who logs in to the platform unless they name a clinic), or to none, and ends the user''s live sessions beyond the newest 10, this one among them (the account''s openings taking turns on session_opening_key); returns what /auth/login answers, `clinics` listing the user''s active memberships and invitations (`pending: true`; of those only the clinic''s id and name and the role offered), and `endedSessions` the sessions it ended, each its id and clinic (`{id, clinicId}`; none, an empty array), which audit_session_opened records each in its clinic''s chain.';

create or replace function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
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
  perform app_private.audit_session_opened('login', v_result, login.ip);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;

comment on function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) is 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session, which ends the account''s live sessions beyond the newest 10) and returns it with status "ok". A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; one made while another attempt on the phone is in flight (an account''s or not) is {"status": "busy"}, its password not checked, and not counted against the client''s address; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, with the sessions of its clinic the cap ended as endedSessions, those of other clinics in theirs: audit_session_opened; or login_failed with the reason), but those the address throttle refuses, audited once for as long as the address keeps being refused; every failure but not_a_member and busy counts against the client''s address. Called by POST /auth/login.';

create or replace function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
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
  -- the account's openings' turn (open_session's) before this session is touched: a login holding it may
  -- be ending this session as one of the oldest, and would wait for this switch, which waited for it
  perform pg_advisory_xact_lock(app_private.session_opening_key(v_user_id));
  begin
    -- a logout or another switch of this session that committed while this one waited has ended it
    update app_private.session s set revoked_at = now() where s.id = app_public.current_session_id() and s.revoked_at is null;
    if not found then
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
    return jsonb_build_object('status', 'not_a_member');
  end;
  perform app_private.audit_session_opened('switch_clinic', v_result, switch_clinic.ip);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;

comment on function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) is 'Ends the current session and opens one scoped to another clinic of the same user, ending when the one ended would have (a switch is no login: at most ttl from now), holding the account''s row (shared), so that a password change or a deactivation ends the session a switch opens, and a switch after them, or after a logout or another switch of the same session, is told its session has ended (UNAUTHENTICATED); it takes its turn among the account''s openings (session_opening_key) before it ends its session. A clinic the user is not an active member of answers status not_a_member, the session kept, and is audited (audit_failed_login, switch_not_a_member) once a quarter of an hour per session. Audited as switch_clinic, with the sessions of the clinic entered that open_session''s cap ended (endedSessions), if any, those of other clinics in theirs (audit_session_opened). Called by POST /auth/switch-clinic.';
