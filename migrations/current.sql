-- A truncate of an audited table is refused
--
-- A TRUNCATE fires no row trigger: the owner role's `truncate app_public.patient cascade` (a data fix, a cleanup
-- run against the wrong database) took every clinic's patients, visits, invoices, payments, refunds and exports out
-- at once, soft-deleted rows and all, and wrote no audit entry: each clinic's chain still verified, and nothing told
-- its owner that its records were gone. Now each audited table (each with a `_500_audit` trigger) refuses a truncate
-- before it begins (`_200_truncate_refused`, for each statement, also when the truncate reaches it by `cascade` from
-- another table): rows leave by a `delete` (soft-deleted where the table keeps them), which the audit records.
-- Like the audit trigger, it holds against the owner role's statements, not against the owner role switching it off
-- (decision 005, Limit).
create or replace function app_private.tg__truncate_refused() returns trigger
  language plpgsql
  set search_path to pg_catalog, pg_temp
as $$
begin
  raise exception 'A truncate of %.% writes no audit entry: delete its rows instead (soft-deleted where the table keeps them), each recorded in the audit log.',
    tg_table_schema, tg_table_name using errcode = 'CFORB';
end;
$$;
comment on function app_private.tg__truncate_refused() is 'BEFORE TRUNCATE, for each statement, on each audited table (refuse_truncate): refuses the truncate, which fires no row trigger and so would take rows out with no audit entry, even when it reaches the table by cascade from another.';
revoke all on function app_private.tg__truncate_refused() from public;

create or replace function app_private.refuse_truncate(audited regclass) returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  execute format('drop trigger if exists _200_truncate_refused on %s', audited);
  execute format('create trigger _200_truncate_refused before truncate on %s for each statement execute function app_private.tg__truncate_refused()', audited);
  execute format('comment on trigger _200_truncate_refused on %s is %L', audited,
    'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.');
end;
$$;
comment on function app_private.refuse_truncate(regclass) is 'Gives an audited table (its _500_audit trigger made) the trigger _200_truncate_refused, so that no truncate takes its rows out without an audit entry (tg__truncate_refused). For migrations: every table audited calls it, with order_audit_chains (db/CONVENTIONS.md).';
revoke all on function app_private.refuse_truncate(regclass) from public;

-- every table audited now (a new one calls it when made, db/CONVENTIONS.md)
select app_private.refuse_truncate(t.tgrelid::regclass)
from pg_trigger t where t.tgname = '_500_audit' and t.tgfoid = 'app_private.tg__audit'::regproc;

-- Removed members list an invitation withdrawn without a name in deleted_by
--
-- removedMembers hid the declined invitations with `not (accepted_at is null and deleted_by = user_id)`, which is null,
-- and so hid the row, when deleted_by is null: an invitation withdrawn from the operator's shell (a `delete` without a
-- session stamps no one), though restoreMember brings it back (tg_membership__declined_stays_declined reads a declined
-- invitation as one its own person removed, and a null deleted_by as not declined). It now reads the same rule: an
-- invitation is declined when deleted_by is its person; one removed by no one named is listed, and restorable.
create or replace function app_public.removed_members()
returns table (membership_id uuid, full_name text, role app_public.member_role, removed_at timestamptz)
language plpgsql stable security definer
set search_path to pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
set clinicops.every_clinic = 'off'
set clinicops.reinvitation = 'off'
as $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can list removed members.' using errcode = 'CFORB';
  end if;
  return query
    select m.id, case when m.accepted_at is not null then u.full_name end, m.role, m.deleted_at
    from app_public.membership m join app_public."user" u on u.id = m.user_id
    where m.clinic_id = app_public.current_clinic_id() and m.deleted_at is not null
      -- an invitation its person declined stays declined (restoreMember refuses it): not listed; one removed by no one
      -- named (deleted_by null: the operator's delete) was not declined, as restoreMember reads it too
      and (m.accepted_at is not null or m.deleted_by is distinct from m.user_id)
    order by m.deleted_at desc, m.id;
end;
$$;
revoke all on function app_public.removed_members() from public;
grant execute on function app_public.removed_members() to :DATABASE_VISITOR;
comment on function app_public.removed_members() is 'The members removed from the current clinic and the invitations it withdrew, newest first, to restore one with restoreMember(membershipId); invitations their person declined are not listed (they cannot be restored), those withdrawn with no one named as removing them (the operator''s) are. An invitation never accepted shows no name. Owners and admins (FORBIDDEN otherwise).';

-- A colleague's session ended by a login over it is audited as ended by that login, not as their logout
--
-- A login over the live session of another account (the cookie of a colleague left logged in at a shared desk) ended
-- it once answered ok, as its logout: the colleague's chain read "X logged out" (logout, by X) when X had not, and
-- nothing tied it to the login that ended it. The login now notes on its session the session of the cookie it replaced
-- (session.replaced_session_id, open_session), the server ends the colleague's session naming the login's
-- (app_hidden.logout(replaced_by)), and when that login did replace it, its end is written as a login ends one's own
-- session in another chain: sessions_ended, endedSessions and endedBy login, by the account that logged in. A logout
-- naming a session that replaced no such session is an ordinary logout, audited as before.
alter table app_private.session add column if not exists replaced_session_id uuid;
comment on column app_private.session.replaced_session_id is 'The session of the cookie the login that opened this one replaced (one''s own, or a colleague''s at a shared desk), as the server gave it; null for a switch or a login over no cookie. app_hidden.logout reads it to audit a colleague''s session it ends as ended by this login.';

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
  -- the session of the cookie it replaces noted, for a colleague's to be audited as ended by this login (logout)
  insert into app_private.session (user_id, is_platform_admin, expires_at, ip, user_agent, replaced_session_id)
  values (v_user.id, v_user.is_platform_admin, now() + ttl, open_session.ip, left(open_session.user_agent, 500),
          open_session.replaced_session_id)
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
comment on function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval, replaced_session_id uuid) is 'Starts a session for a user, scoped to the chosen clinic (one they are a member of: an invitation is accepted with accept_invitation first), or to the only clinic they are a member of (invitations not counted; not for a platform administrator, who logs in to the platform unless they name a clinic), or to none, and ends the user''s live sessions beyond the newest 10, this one among them (the account''s openings taking turns on session_opening_key), after ending replaced_session_id (the session of the cookie a login replaces) when it is the user''s and live, so that it is not counted among the 10; replaced_session_id is noted on the session opened (session.replaced_session_id), so that a colleague''s the server then ends is audited as ended by this login (logout). Returns the session (sessionId and expiresAt, which the token carries), what /auth/login and /auth/switch-clinic answer of it (user, clinic, role, and `clinics`: the user''s active memberships and invitations, `pending: true`, of those only the clinic''s id and name and the role offered), and `endedSessions`, the sessions it ended, each its id and clinic (`{id, clinicId}`; none, an empty array), which audit_session_opened records each in its clinic''s chain and no answer gives.';

drop function if exists app_hidden.logout();
create or replace function app_hidden.logout(replaced_by uuid default null) returns boolean

-- Attempts of one address in flight count against its throttle
--
-- The address throttle counted the failures committed: attempts from one address sent at once each read those of the
-- attempts before them, none of those in flight, and passed it by as many as ran together (a burst had 39 passwords
-- checked where the rule is 20 failures in 15 minutes: an attacker with one address had about twice the guesses a
-- quarter of an hour). Now an attempt the address's rule judges (no device cookie of the account, the account not busy)
-- holds a shared advisory lock of its address (enter_address_attempt) from before its password is checked until its
-- transaction ends, and counts as a failure meanwhile: one that finds the address's failures and the others in flight
-- at 20 or more (address_throttle's in_flight) is refused without its password checked, answered 503 RETRY, audited as
-- address_attempts_in_flight and not counted, as one refused for another on its account is (000166): those in flight
-- may be right passwords, and counting it would refuse the address's people sooner than 20 failures do. Nothing waits
-- for another attempt of the address: the lock is shared, no attempt takes it alone.
drop function if exists app_private.address_throttle(inet);
create or replace function app_private.address_throttle(ip inet, in_flight integer default 0, out refused boolean, out first_refusal boolean)
  language sql stable
  set search_path to pg_catalog, public, pg_temp
as $$
  -- the first refusal: none of the window's failures was one (attempts at once can take the count past 20 without
  -- landing on it, which left a throttled address never audited)
  select count(*) + address_throttle.in_flight >= 20, count(*) >= 20 and not coalesce(bool_or(f.throttled), false)
  from app_private.login_failure f
  where f.ip = app_hidden.throttled_network(address_throttle.ip) and f.attempted_at > now() - interval '15 minutes';
$$;
comment on function app_private.address_throttle(ip inet, in_flight integer) is 'The login throttle on the client address `ip` (its network, throttled_network): `refused` once it has 20 failures in the last 15 minutes, counting as failures `in_flight` attempts of it under way (enter_address_attempt, which reads them: read before this is called, so that one ended meanwhile is read here as the failure it was), `first_refusal` when none of those failures was itself a refusal by the throttle (the one to audit; attempts in flight aside). Neither for a null address. For login and change_password.';
revoke all on function app_private.address_throttle(ip inet, in_flight integer) from public;

create or replace function app_private.enter_address_attempt(ip inet) returns integer
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_key bigint := app_private.secret_lock_key('address:' || abbrev(app_hidden.throttled_network(enter_address_attempt.ip)));
begin
  if enter_address_attempt.ip is null then
    return 0; -- no address, no throttle (address_throttle)
  end if;
  -- shared: attempts of one address never wait for each other; held until the transaction ends, after its failure is
  -- committed (a transaction is seen committed before its locks are released)
  perform pg_advisory_xact_lock_shared(v_key);
  return (
    select count(*) from pg_locks l
    where l.locktype = 'advisory' and l.granted and l.pid <> pg_backend_pid()
      and l.database = (select d.oid from pg_database d where d.datname = current_database())
      and l.classid = ((v_key >> 32) & 4294967295)::oid and l.objid = (v_key & 4294967295)::oid and l.objsubid = 1);
end;
$$;
comment on function app_private.enter_address_attempt(ip inet) is 'Marks this transaction''s login attempt as in flight from the client address `ip` (its network, throttled_network) until the transaction ends, by a shared advisory lock (secret_lock_key of ''address:'' and the network, which pg_locks shows without telling the address), and returns how many other attempts of it are in flight, which address_throttle counts as failures (read in a statement after this one, READ COMMITTED, so that an attempt ended meanwhile is read as its failure). 0 for a null address, which is not throttled. For login.';
revoke all on function app_private.enter_address_attempt(ip inet) from public;

create or replace function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[] default null, replaced_session_id uuid default null) RETURNS jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_session app_private.session;
  v_by uuid;
begin
  -- as a switch: the account's row and its sessions' turn before the session is touched
  perform app_private.hold_account((select s.user_id from app_private.session s where s.id = app_public.current_session_id()));
  update app_private.session s set revoked_at = now()
  where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now()
  returning * into v_session;
  if v_session.id is null then
    return false;
  end if;
  -- the account that logged in over this session, when the session named is the login's that replaced it (noted by
  -- open_session): the caller's word alone does not put another person's name on this session's end
  select b.user_id into v_by from app_private.session b
  where b.id = logout.replaced_by and b.replaced_session_id = v_session.id and b.user_id <> v_session.user_id;
  if v_by is not null then
    -- as a login ends one's own session in another chain: sessions_ended, endedBy login, by whoever logged in
    perform app_private.audit_sessions_ended(null, null, 'user', v_session.user_id, null, false,
      jsonb_build_array(jsonb_build_object('id', v_session.id, 'clinicId', v_session.clinic_id)), 'login', v_by);
  else
    perform app_private.write_audit(v_session.clinic_id, 'logout', 'user', v_session.user_id, null, null,
      jsonb_build_object('sessionId', v_session.id), v_session.user_id);
  end if;
  return true;
end;
$$;
revoke all on function app_hidden.logout(uuid) from public;
grant execute on function app_hidden.logout(uuid) to :DATABASE_VISITOR;
comment on function app_hidden.logout(replaced_by uuid) is 'Ends the current session so its token is refused from now on, and audits its end in its clinic''s chain (the platform''s for a session in none): a logout by its person, or, when replaced_by is the session of a login of another account that replaced this one''s cookie (session.replaced_session_id), sessions_ended (endedBy login) by that account. A session already ended (revoked, or expired: its row is kept a day, expire_sessions) is neither ended again nor audited: false. Called by POST /auth/logout, and by POST /auth/login for the colleague''s session its cookie replaced.';

-- the audit log's actions and details as a colleague's session ended by a login is now written
comment on column app_public.audit_log.action is 'insert, update, delete, soft_delete, restore, login, login_failed, logout, switch_clinic, sessions_ended (sessions of this chain''s clinic, or of none in the platform''s, that an act of another chain ended: the person''s login or switch elsewhere, the session a switch came from and those beyond their 10 live sessions; a change or a reset of their password, every session but the one that asked; a deactivation of the account or a change of its platform rights, every session, in each chain; the session of the cookie a login of another account replaced, a colleague''s at a shared desk, by that account, in any chain), export (a download begun) or export_cut_short (that download ended before the whole file was sent).';
comment on column app_public.audit_log.detail is 'Extra facts, by action: null for a change of a row (insert, update, delete, soft_delete, restore), but an update of user_secret (below). login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the opening ended, if any: the session a switch came from, the account''s session whose cookie a login replaced, and those beyond the account''s cap of 10 live sessions); a login''s deviceCookie (whether a device cookie of the account judged it: app_private.login_device). sessions_ended: endedSessions (the sessions of this chain''s clinic, or of none in the platform''s, that were ended), endedBy (what ended them: login or switch_clinic, into another clinic or none, or login of another account over the session, the actor being that account; password_change, by the person; password_reset, by a clinic''s owner or admin or the operator; deactivation of the account, or platform_admin_change of its rights, by the operator). logout: sessionId (a session its person ended; one a login of another account ended is that login''s sessions_ended). login_failed: phone (normalised; null when it was no phone number), ip, reason, clinicId (the clinic named, for not_a_member and switch_not_a_member), and deviceCookie for a login''s (whether a device cookie of the account judged it, its failure counted against that device alone). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many sessions of this chain''s clinic, or of none in the platform''s, it ended: those of other chains are in their own entries), and ip and sessionId when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it; in the chain of each other clinic the person is of, passwordChanged, and unlocked and by for a reset, with endedSessions (the sessions of that clinic it ended, if any) in place of sessionsEnded, and nothing of where it was done from. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry); an export_cut_short the hourly sweep wrote for a download whose end never came, a day after it began, endNeverCame (true: the server never told its end, and what it sent is not known; sweep_unended_downloads).';

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
    -- then: one that has ended meanwhile is read as a failure, if it was one.
    if not v_busy and v_device is null and not v_address_refused then
      v_in_flight := app_private.enter_address_attempt(login.ip);
      select t.refused into v_address_busy from app_private.address_throttle(login.ip, v_in_flight) t;
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
comment on function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[], replaced_session_id uuid) is 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session, which ends the account''s live sessions beyond the newest 10, and first replaced_session_id, the session of the cookie the login replaces, when it is the account''s: a session of another account is ended by the server, as its logout, once the login is answered ok; a login that fails leaves it), notes the client''s network (note_login_network) and device (note_login_device) and returns it with status "ok" and deviceSecret, the secret of the device''s new cookie. An attempt with the secret of a device cookie of the account (device_secrets, those the browser holds: trusted_device) is judged by that device: the address throttle and the account''s lock do not refuse it, and its failures count against the device alone, the 5th since its last login deleting it (count_device_failure). An account locked by 5 wrong passwords is locked against the right one too, but from a network it logged in from within the last 30 days (logged_in_from) or with its device''s cookie. A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; one made while another attempt on the phone is in flight (an account''s or not) is {"status": "busy"}, its password not checked, and not counted against the client''s address; one that the address throttle judges is in flight until its transaction ends and counts as a failure of the address meanwhile (enter_address_attempt, address_throttle), and one that finds the address''s failures and its attempts in flight at 20 is {"status": "address_busy"}, its password not checked, and not counted either; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, naming the sessions of its clinic the cap ended as endedSessions, those of other clinics, or of none, each in its own chain as sessions_ended: audit_session_opened; or login_failed with the reason; each saying whether a device cookie of the account was presented, deviceCookie), but those from an address the throttle refuses, those refused for their input too (still answered for it), audited once (as address_throttled) for as long as the address keeps being refused; every failure but not_a_member, busy, address_busy and those with a device cookie counts against the client''s address. Called by POST /auth/login.';
