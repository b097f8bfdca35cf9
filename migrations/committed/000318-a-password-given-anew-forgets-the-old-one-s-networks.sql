--! Previous: sha1:c1ea1ec88cb7d9c2178e574b198c75de6e24caea
--! Hash: sha1:890c3b1bea26142b485e911d5f5cd93d159a6f08
--! Message: a-password-given-anew-forgets-the-old-one-s-networks

-- A password given anew forgets the networks the old one logged in from
--
-- Since 000312 the right password from a network the account logged in from within 30 days is let through its lock, and
-- a password change or reset left those networks known: after the owner's reset of a stolen password (or its holder's
-- change), every network the thief had logged in from with it, one a login (each /64 of an IPv6 block they hold), was
-- still let through the lock, each with the address throttle's 20 guesses of the new password a quarter of an hour
-- where the lock allowed 5 a quarter of an hour in all. A network proves who logs in only as long as the password that logged in from it: a
-- reset (resetMemberPassword, npm run password, npm run superuser: replace_password) now forgets the account's networks,
-- so the lock holds everywhere until the person logs in with the new password, and a change by its holder
-- (POST /auth/password) forgets them but the network it is made from, where its holder has just shown the password and
-- a live session.
comment on table app_private.login_network is 'The networks each account logged in from (a login that opened a session) with the password it has now, the last 30 days of them: a login with the right password from one of them is let through the account''s lock (app_private.logged_in_from), which is there to keep out guesses made elsewhere. A password given anew forgets them (replace_password), but the network its holder changed it from (change_password).';

create or replace function app_hidden.change_password(current_password text, new_password text, ip inet) returns jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_session app_private.session := app_private.live_session();
  v_secret app_private.user_secret;
  v_ended jsonb;
  v_throttled boolean;
  v_first_throttled boolean;
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
  v_ended := app_private.end_sessions_of(v_session.user_id, v_session.id);
  -- the change in the chain of the session that asked, counting the sessions of that chain it ended, and in the chain of
  -- each other clinic the person is of, saying what it was alone (not the address nor the session it was asked from)
  perform app_private.audit_sessions_ended(v_session.clinic_id, 'update', 'user_secret', v_session.user_id,
    jsonb_build_object('passwordChanged', true, 'ip', change_password.ip, 'sessionId', v_session.id), true,
    v_ended, 'password_change', v_session.user_id, jsonb_build_object('passwordChanged', true));
  return jsonb_build_object('status', 'ok', 'sessionsEnded', jsonb_array_length(v_ended));
end;
$$;

comment on function app_hidden.change_password(current_password text, new_password text, ip inet) is 'Changes the session''s user''s password, given the current one: no current password (or one over 1,024 characters) or the same one again is INVALID_INPUT, a new one breaking the password rule WEAK_PASSWORD (check_password); a wrong current one, or an account locked, is {"status": "invalid"}, counted and audited as a failed login (reason password_change_refused); so is one from an address the login throttle refuses (20 failures in 15 minutes), its password not checked, counted against the address alone and audited (address_throttled) at the throttle''s first refusal, as login does. On success the account''s other sessions end, in every clinic, the networks it logged in from (login_network) are forgotten but the one of `ip`, which the new password is noted from, and the change is audited (update of user_secret, without the hash) in the chain of the session that asked, counting the sessions of that chain it ended (sessionsEnded), and in the chain of each other clinic the person is of (passwordChanged alone, not the address nor the session, and the sessions of that chain it ended: audit_sessions_ended), each other chain whose sessions it ended getting sessions_ended (endedBy password_change): {"status": "ok", "sessionsEnded": n}, n the sessions it ended in every clinic. Called by POST /auth/password.';

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
  -- the networks the old password logged in from (a thief's too) are no longer let through the lock
  delete from app_private.login_network n where n.user_id = replace_password.user_id;
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

comment on function app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) is 'Gives the person a password someone else chose (its hash, made by hash_password): the person must choose their own at their next chance (password_set_by_holder false), a lockout ends, every session of theirs ends, the networks they logged in from are forgotten (login_network: until they log in again, the lock holds everywhere), and the change is audited in the chain of clinic_id (the platform''s when null); a clinic''s reset keeps the account to that clinic until the operator''s next (password_given_by_clinic) as an update of user_secret: passwordChanged, unlocked, sessionsEnded (the sessions of that chain it ended) and the detail given (who did it), never the hash; the chain of each other clinic the person is of gets the same update with passwordChanged, unlocked and by alone, and the sessions of that chain it ended (endedSessions: audit_sessions_ended); each other chain whose sessions it ended gets sessions_ended (endedBy password_reset). Answers the sessions it ended, in every clinic. For the operator''s resets (npm run password, npm run superuser) and a clinic''s (reset_member_password).';
