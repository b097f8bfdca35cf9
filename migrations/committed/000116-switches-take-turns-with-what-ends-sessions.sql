--! Previous: sha1:37bc2eafa3b04a1978d4d2256f4809f7c997a8c9
--! Hash: sha1:0f01e6b8e4fc6cd6edf3d65ae536f11e7a7ff291
--! Message: switches take turns with what ends sessions

--------------------------------------------------------------------------------
-- A password change, a logout and an account's deactivation each end the session a clinic switch
-- in flight opens; one session is switched once.
--
-- A switch revoked its session and opened another with no lock in common with what ends sessions,
-- so what ended them meanwhile missed the new one, or the switch went on from a session just ended:
-- - someone holding a stolen cookie and switching clinics in a loop kept a live session through
--   the victim's password change in 18 of 20 rounds (a review of 000112);
-- - a switch of a session being logged out, or being switched at the same moment, opened a new
--   session all the same (one cookie became two live sessions);
-- - a session opened by a switch while the account was deactivated stayed live.
-- A switch now holds the account's row (shared; a password change and a deactivation update it, so
-- they take turns with it, while a login, which only refers to it, does not wait), checks its
-- session once it has it, and ends only a session still live, else it is told its session ended.
-- (A first version held the account's secret instead, which a login takes without waiting: a
-- login during a switch was refused as an attempt in flight, another review found.)

create or replace function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) returns jsonb
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_user_id uuid;
  v_result jsonb;
begin
  -- the account's row, shared (switches of one account need not wait for each other), before the
  -- session is checked: a statement after it reads the session as it is once the lock is had
  perform from app_public."user" u
  where u.id = (select s.user_id from app_private.session s where s.id = app_public.current_session_id())
  for share;
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
comment on function app_hidden.switch_clinic(uuid, inet, text, interval) is 'Ends the current session and opens one scoped to another clinic of the same user, holding the account''s row (shared), so that a password change or a deactivation ends the session a switch opens, and a switch after them, or after a logout or another switch of the same session, is told its session has ended (UNAUTHENTICATED). Called by POST /auth/switch-clinic.';

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
