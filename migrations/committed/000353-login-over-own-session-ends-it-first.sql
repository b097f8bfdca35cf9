--! Previous: sha1:a6c1a402bdfe8e8f2d21dfed5c341c59e34b7b28
--! Hash: sha1:43a2a6681237ca7ab9b6449885eff638a162a0d5
--! Message: login-over-own-session-ends-it-first

-- A login over one's own live session ends it before the cap counts the account's sessions
--
-- A login over a live session ended it once the login had opened its own (server/auth-routes.ts, as its logout): the
-- cap of 10 live sessions, counted as the login opened its session, counted the one the login replaced, so a person
-- logging in again in a browser holding their own live session, with 10 live, had the oldest of their other sessions,
-- another device's, ended as well: 9 left, a desk or a phone told to log in again for nothing. Now the login is given
-- the session of the cookie it replaces (replaced_session_id) and, when that session is the account's and live, ends it
-- in its own transaction before the cap counts, as a switch ends the one it comes from: one session ended, named with
-- those the cap ended (the login's endedSessions in its clinic's chain, sessions_ended endedBy login in another's), and
-- left as it was when the login fails (a clinic not the person's). A colleague's session is still ended by the server,
-- as its logout, once the login is answered ok (it is not counted in this account's cap).
drop function if exists app_private.open_session(uuid, uuid, inet, text, interval);
drop function if exists app_hidden.login(text, text, uuid, inet, text, interval, text[]);
create or replace function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval, replaced_session_id uuid default null) RETURNS jsonb
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
  -- the session a login replaces, when the account's, ended as the cap ends them ({id, clinicId})
  v_replaced jsonb;
begin
  -- a change of the user's memberships in flight (a removal, a suspension, a new role) first: what
  -- this session gets is read once it has committed, and one after it finds this session to end
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(open_session.user_id));
  -- then the account's other openings (a login, a switch) are waited for, so that the cap below counts
  -- the sessions they open and end: two at once each counted without the other's, and left one too many
  perform pg_advisory_xact_lock(app_private.session_opening_key(open_session.user_id));
  -- the session of the cookie a login replaces (a browser holds one), when it is this account's and live, ended before
  -- the cap counts, as a switch ends the one it comes from: counted among the 10, it had the oldest, another device's,
  -- ended in its place; a colleague's is ended by the server, as its logout, once the login is answered ok
  update app_private.session s set revoked_at = now()
  where s.id = open_session.replaced_session_id and s.user_id = open_session.user_id and s.revoked_at is null and s.expires_at > now()
  returning jsonb_build_object('id', s.id, 'clinicId', s.clinic_id) into v_replaced;
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
    'endedSessions', coalesce(v_ended, '[]') || case when v_replaced is null then '[]' else jsonb_build_array(v_replaced) end
  );
end;
$$;

revoke all on function app_private.open_session(uuid, uuid, inet, text, interval, uuid) from public;
comment on function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval, replaced_session_id uuid) is 'Starts a session for a user, scoped to the chosen clinic (one they are a member of: an invitation is accepted with accept_invitation first), or to the only clinic they are a member of (invitations not counted; not for a platform administrator, who logs in to the platform unless they name a clinic), or to none, and ends the user''s live sessions beyond the newest 10, this one among them (the account''s openings taking turns on session_opening_key), after ending replaced_session_id (the session of the cookie a login replaces) when it is the user''s and live, so that it is not counted among the 10. Returns the session (sessionId and expiresAt, which the token carries), what /auth/login and /auth/switch-clinic answer of it (user, clinic, role, and `clinics`: the user''s active memberships and invitations, `pending: true`, of those only the clinic''s id and name and the role offered), and `endedSessions`, the sessions it ended, each its id and clinic (`{id, clinicId}`; none, an empty array), which audit_session_opened records each in its clinic''s chain and no answer gives.';

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
comment on function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[], replaced_session_id uuid) is 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session, which ends the account''s live sessions beyond the newest 10, and first replaced_session_id, the session of the cookie the login replaces, when it is the account''s: a session of another account is ended by the server, as its logout, once the login is answered ok; a login that fails leaves it), notes the client''s network (note_login_network) and device (note_login_device) and returns it with status "ok" and deviceSecret, the secret of the device''s new cookie. An attempt with the secret of a device cookie of the account (device_secrets, those the browser holds: trusted_device) is judged by that device: the address throttle and the account''s lock do not refuse it, and its failures count against the device alone, the 5th since its last login deleting it (count_device_failure). An account locked by 5 wrong passwords is locked against the right one too, but from a network it logged in from within the last 30 days (logged_in_from) or with its device''s cookie. A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; one made while another attempt on the phone is in flight (an account''s or not) is {"status": "busy"}, its password not checked, and not counted against the client''s address; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, naming the sessions of its clinic the cap ended as endedSessions, those of other clinics, or of none, each in its own chain as sessions_ended: audit_session_opened; or login_failed with the reason; each saying whether a device cookie of the account was presented, deviceCookie), but those from an address the throttle refuses, those refused for their input too (still answered for it), audited once (as address_throttled) for as long as the address keeps being refused; every failure but not_a_member, busy and those with a device cookie counts against the client''s address. Called by POST /auth/login.';

comment on column app_public.audit_log.detail is 'Extra facts, by action: null for a change of a row (insert, update, delete, soft_delete, restore), but an update of user_secret (below). login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the opening ended, if any: the session a switch came from, the account''s session whose cookie a login replaced, and those beyond the account''s cap of 10 live sessions); a login''s deviceCookie (whether a device cookie of the account judged it: app_private.login_device). sessions_ended: endedSessions (the sessions of this chain''s clinic, or of none in the platform''s, that were ended), endedBy (what ended them: login or switch_clinic, into another clinic or none; password_change, by the person; password_reset, by a clinic''s owner or admin or the operator; deactivation of the account, or platform_admin_change of its rights, by the operator). logout: sessionId. login_failed: phone (normalised; null when it was no phone number), ip, reason, clinicId (the clinic named, for not_a_member and switch_not_a_member), and deviceCookie for a login''s (whether a device cookie of the account judged it, its failure counted against that device alone). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many sessions of this chain''s clinic, or of none in the platform''s, it ended: those of other chains are in their own entries), and ip and sessionId when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it; in the chain of each other clinic the person is of, passwordChanged, and unlocked and by for a reset, with endedSessions (the sessions of that clinic it ended, if any) in place of sessionsEnded, and nothing of where it was done from. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry); an export_cut_short the hourly sweep wrote for a download whose end never came, a day after it began, endNeverCame (true: the server never told its end, and what it sent is not known; sweep_unended_downloads).';
