--! Previous: sha1:8120b2405565654fc09a5d6ed7bffb808e139485
--! Hash: sha1:641a2076204979566c77bf84fcdceac3b9936f3f
--! Message: an-account-locked-by-guesses-logs-in-from-its-networks

-- An account locked by someone else's guesses still logs in from where its person logs in
--
-- 5 wrong passwords for a phone within 15 minutes locked its account for 15 minutes against everyone, the right
-- password too: anyone who knew a receptionist's or a doctor's phone (on a card, a prescription, a WhatsApp group)
-- could keep them out of ClinicOps all day with 5 guesses a quarter of an hour, and a clinic's whole staff with a few
-- addresses (each may fail 20 times in 15 minutes), the front desk unable to check a patient in, each reset by an owner
-- undone by the next 5 guesses. The lock now keeps out the guesses, not the person: a login with the right password
-- from a network the account logged in from within the last 30 days (the client's address, an IPv6 client's /64, as
-- the address throttle counts it) is let through the lock, and clears it, as any login does. Anywhere else the lock
-- holds as before, so a guesser elsewhere still has 5 guesses a quarter of an hour; one on such a network (a guest on
-- the clinic's wifi) is held by the address throttle alone, 20 failures in 15 minutes. The networks are kept in
-- app_private.login_network, written by each login that opens a session; a person's networks not logged in from for
-- 30 days are deleted at their next login. A password change (POST /auth/password) keeps the lock as it was: its
-- person is logged in already, and it is where a stolen session cookie would guess.
create table if not exists app_private.login_network (
  user_id uuid not null references app_public."user" (id) on delete cascade,
  network inet not null,
  last_login_at timestamptz not null default now(),
  primary key (user_id, network)
);
alter table app_private.login_network enable row level security;
alter table app_private.login_network force row level security;
drop policy if exists owner_only on app_private.login_network;
create policy owner_only on app_private.login_network to :DATABASE_OWNER using (true);
revoke all on table app_private.login_network from public;
comment on table app_private.login_network is 'The networks each account logged in from (a login that opened a session), the last 30 days of them: a login with the right password from one of them is let through the account''s lock (app_private.logged_in_from), which is there to keep out guesses made elsewhere.';
comment on column app_private.login_network.user_id is 'The account.';
comment on column app_private.login_network.network is 'The client''s address (IPv4), or its /64 network (IPv6), as the address throttle counts it (app_hidden.throttled_network).';
comment on column app_private.login_network.last_login_at is 'When the account last logged in from it.';

create or replace function app_private.logged_in_from(user_id uuid, ip inet) returns boolean
  language sql stable
  set search_path to pg_catalog, public, pg_temp
as $$
  select exists (
    select from app_private.login_network n
    where n.user_id = logged_in_from.user_id and n.network = app_hidden.throttled_network(logged_in_from.ip)
      and n.last_login_at > now() - interval '30 days');
$$;
revoke all on function app_private.logged_in_from(uuid, inet) from public;
comment on function app_private.logged_in_from(uuid, inet) is 'Whether the account logged in from the network of `ip` (throttled_network) within the last 30 days: a login from there with the right password is let through the account''s lock. False for a null address.';

create or replace function app_private.note_login_network(user_id uuid, ip inet) returns void
  language sql
  set search_path to pg_catalog, public, pg_temp
as $$
  delete from app_private.login_network n
  where n.user_id = note_login_network.user_id and n.last_login_at <= now() - interval '30 days';
  insert into app_private.login_network (user_id, network)
  select note_login_network.user_id, app_hidden.throttled_network(note_login_network.ip)
  where note_login_network.ip is not null
  on conflict on constraint login_network_pkey do update set last_login_at = excluded.last_login_at;
$$;
revoke all on function app_private.note_login_network(uuid, inet) from public;
comment on function app_private.note_login_network(uuid, inet) is 'Notes that the account logged in from the network of `ip` now (login_network), and forgets the account''s networks not logged in from for 30 days. Called by app_hidden.login once it has opened a session; nothing for a null address.';

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
      -- the lock keeps out guesses, not the person: a network they logged in from lately is let through (login_network)
      when v_secret.locked_until > now() and not app_private.logged_in_from(v_user.id, login.ip) then 'locked'
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
  perform app_private.note_login_network(v_user.id, login.ip);
  perform app_private.audit_session_opened('login', v_result, login.ip);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;

comment on function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) IS 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session, which ends the account''s live sessions beyond the newest 10), notes the client''s network (note_login_network) and returns it with status "ok". An account locked by 5 wrong passwords is locked against the right one too, but from a network it logged in from within the last 30 days (logged_in_from). A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; one made while another attempt on the phone is in flight (an account''s or not) is {"status": "busy"}, its password not checked, and not counted against the client''s address; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, naming the sessions of its clinic the cap ended as endedSessions, those of other clinics, or of none, each in its own chain as sessions_ended: audit_session_opened; or login_failed with the reason), but those the address throttle refuses, audited once for as long as the address keeps being refused; every failure but not_a_member and busy counts against the client''s address. Called by POST /auth/login.';
