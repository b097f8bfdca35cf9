--! Previous: sha1:623162280f7a0501995e849eceaebce5b6419591
--! Hash: sha1:dc29716c8adab13b8503275d13d086de310db301
--! Message: membership changes take turns with sessions

--------------------------------------------------------------------------------
-- A member removed, suspended or given another role while they log in or switch clinic gets no
-- session that outlives the change.
--
-- A session takes its clinic and role from the memberships as open_session reads them, and a
-- change of a membership ends or updates the sessions that exist when it is made
-- (tg_membership__sync_sessions). A change that committed after open_session read the membership,
-- but before its session was written, missed that session: a removed member kept a live session
-- in the clinic, and a demoted one their old role, until it expired (a review; it predates
-- 000116). The two now take turns on a lock of the user's: open_session holds it shared, a change
-- of a membership's role, activity or deletion exclusively, taken before any other trigger of the
-- change (so before its audit entry, which a login also writes, in the same clinic's chain).
-- Whatever else changes a user's sessions takes the turn (shared) before it touches one: a clinic
-- switch, a logout and a password change each lock a session and then write an audit entry, where
-- a membership change writes its entry and then locks the sessions; a review found a removal and
-- a switch waiting for each other that way (deadlock detected: the removal was undone). A logout
-- also holds the account's row (shared) first, as a switch and a login do: a deactivation, which
-- writes its audit entry and then ends the sessions, and a logout, which ends its session and then
-- writes its entry, waited for each other (another review).

create or replace function app_private.secret_lock_key(name text) returns bigint
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select coalesce(
    ('x' || left(app_private.secret_hash('account_lock', convert_to(secret_lock_key.name, 'UTF8')), 16))::bit(64)::bigint,
    -- without the key (a restore that lost it), the lock of before: still one per name
    hashtextextended(secret_lock_key.name, 0));
$$;
comment on function app_private.secret_lock_key(text) is 'An advisory lock key that pg_locks, which every role reads, shows without telling what it locks: 64 bits of a SHA-256 of the account_lock secret key (secret_key) and the name.';
revoke all on function app_private.secret_lock_key(text) from public;

create or replace function app_private.account_lock_key(phone text) returns bigint
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select app_private.secret_lock_key('user:' || account_lock_key.phone);
$$;
comment on function app_private.account_lock_key(text) is 'The advisory lock key of the account of a phone (secret_lock_key of ''user:'' || phone), which pg_locks shows without telling the phone.';

create or replace function app_private.session_turn_key(user_id uuid) returns bigint
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select app_private.secret_lock_key('sessions:' || session_turn_key.user_id::text);
$$;
comment on function app_private.session_turn_key(uuid) is 'The advisory lock on which opening a session of a user (shared) and changing one of their memberships (exclusive) take turns (secret_lock_key of ''sessions:'' || the user''s id).';
revoke all on function app_private.session_turn_key(uuid) from public;

comment on table app_private.secret_key is 'The database''s secrets, one per purpose, which only the owner reads: live_queue names the clinics'' live queue channels (visit_queue_channel), account_lock the advisory locks of accounts and of their sessions'' turns (secret_lock_key). A new key (update … set key = default where purpose = …) renames every channel, so subscriptions made before hear nothing until they subscribe again; an account_lock key is changed safely only while no account is being made nor any session opened.';

create or replace function app_private.tg_membership__session_turn() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  if (new.role, new.is_active, new.deleted_at) is distinct from (old.role, old.is_active, old.deleted_at) then
    perform pg_advisory_xact_lock(app_private.session_turn_key(new.user_id));
  end if;
  return new;
end;
$$;
comment on function app_private.tg_membership__session_turn() is 'BEFORE UPDATE, first: a change of a membership''s role, activity or deletion waits for the sessions of its user being opened, and sessions opened meanwhile wait for it (session_turn_key), so that tg_membership__sync_sessions reaches them all.';
revoke all on function app_private.tg_membership__session_turn() from public;
drop trigger if exists _050_session_turn on app_public.membership;
create trigger _050_session_turn before update on app_public.membership
  for each row execute function app_private.tg_membership__session_turn();
comment on trigger _050_session_turn on app_public.membership is 'A change of a membership and the opening of its user''s sessions take turns (tg_membership__session_turn).';

create or replace function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_session app_private.session;
  v_user app_public."user";
  v_clinics jsonb;
  v_clinic_id uuid := open_session.clinic_id;
  v_role app_public.member_role;
begin
  -- a change of the user's memberships in flight (a removal, a suspension, a new role) first: what
  -- this session gets is read once it has committed, and one after it finds this session to end
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(open_session.user_id));
  select * into v_user from app_public."user" u where u.id = open_session.user_id;
  insert into app_private.session (user_id, is_platform_admin, expires_at, ip, user_agent)
  values (v_user.id, v_user.is_platform_admin, now() + ttl, open_session.ip, left(open_session.user_agent, 500))
  returning * into v_session;
  -- From here on this transaction acts as the new session, so the member sees
  -- their own memberships through the ordinary policies (and their invitations, with the inviting
  -- clinics' names, through own_invitations / invited_clinics, which only this owner role has).
  perform set_config('jwt.claims.session_id', v_session.id::text, true);

  select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'role', m.role, 'pending', m.accepted_at is null)
                            order by c.name), '[]')
  into v_clinics
  from app_public.membership m join app_public.clinic c on c.id = m.clinic_id
  where m.user_id = v_user.id and m.is_active and m.deleted_at is null;

  -- the only clinic the user is a member of, not counting invitations (accepted only by
  -- accept_invitation, never by default)
  if v_clinic_id is null and (select count(*) from jsonb_array_elements(v_clinics) e where not (e ->> 'pending')::boolean) = 1 then
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

  return jsonb_build_object(
    'sessionId', v_session.id,
    'expiresAt', v_session.expires_at,
    'user', jsonb_build_object('id', v_user.id, 'phone', v_user.phone, 'fullName', v_user.full_name,
                               'isPlatformAdmin', v_user.is_platform_admin),
    'clinic', (select jsonb_build_object('id', c.id, 'name', c.name, 'timezone', c.timezone, 'currency', c.currency)
               from app_public.clinic c where c.id = v_clinic_id),
    'role', v_role,
    'clinics', v_clinics
  );
end;
$$;

create or replace function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid;
  v_result jsonb;
begin
  -- the account's row, shared (switches of one account need not wait for each other), before the
  -- session is checked: a statement after it reads the session as it is once the lock is had
  perform from app_public."user" u
  where u.id = (select s.user_id from app_private.session s where s.id = app_public.current_session_id())
  for share;
  -- and the user's sessions' turn, before this session is touched: a change of a membership in
  -- flight ends or changes the sessions, this one included, before this switch reads it (taken
  -- after this session's row, the change's wait for that row and this switch's for the turn
  -- deadlocked)
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(
    (select s.user_id from app_private.session s where s.id = app_public.current_session_id())));
  v_user_id := app_public.current_user_id();
  if v_user_id is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  -- a logout or another switch of this session that committed while this one waited has ended it
  update app_private.session s set revoked_at = now() where s.id = app_public.current_session_id() and s.revoked_at is null;
  if not found then
    raise exception 'Your session has ended: log in again.' using errcode = 'CAUTH';
  end if;
  v_result := app_private.open_session(v_user_id, switch_clinic.clinic_id, switch_clinic.ip, switch_clinic.user_agent, switch_clinic.ttl);
  perform app_private.write_audit(switch_clinic.clinic_id, 'switch_clinic', 'user', v_user_id, null, null,
    jsonb_build_object('ip', switch_clinic.ip, 'sessionId', v_result ->> 'sessionId'), v_user_id);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;

create or replace function app_hidden.change_password(current_password text, new_password text, ip inet) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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
     or crypt(current_password, v_secret.password_hash) is distinct from v_secret.password_hash then
    -- the same as a login's failure: audited, counted against the account and the client's address
    insert into app_private.login_failure (ip, phone)
    select app_hidden.throttled_network(change_password.ip), u.phone from app_public."user" u where u.id = v_session.user_id;
    perform app_private.count_password_failure(v_session.user_id);
    perform app_private.audit_failed_login(u.phone, change_password.ip, 'password_change_refused', u.id)
    from app_public."user" u where u.id = v_session.user_id;
    return jsonb_build_object('status', 'invalid');
  end if;
  update app_private.user_secret s set password_hash = app_private.hash_password(new_password),
    failed_login_count = 0, first_failed_login_at = null, locked_until = null
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

create or replace function app_hidden.logout() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_session app_private.session;
  v_user_id uuid := (select s.user_id from app_private.session s where s.id = app_public.current_session_id());
begin
  -- the account's row (shared), as a switch and a login hold it, so a deactivation in flight, which
  -- writes its audit entry and then ends the sessions, is not met halfway; then the user's sessions'
  -- turn, before the session is touched, as every change of sessions takes it
  perform from app_public."user" u where u.id = v_user_id for share;
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(v_user_id));
  update app_private.session s set revoked_at = now()
  where s.id = app_public.current_session_id() and s.revoked_at is null
  returning * into v_session;
  if v_session.id is null then
    return false;
  end if;
  perform app_private.write_audit(v_session.clinic_id, 'logout', 'user', v_session.user_id, null, null,
    jsonb_build_object('sessionId', v_session.id), v_session.user_id);
  return true;
end;
$$;
