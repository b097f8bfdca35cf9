--! Previous: sha1:78a64a27627d7eb88b045ea4d3d0f72f38af1032
--! Hash: sha1:65a48a6a957793316b7c253d466656ecbbe40b1d
--! Message: a-password-change-from-a-trusted-browser-past-the-throttle

-- A member behind an address the throttle refuses changes their password from the browser they logged in from
--
-- 000324 let a browser with the account's device cookie log in from an address the throttle refuses (the clinic's
-- public address, a guest on its wifi sending bad logins), but a password change from that same session was still
-- refused for the address, its holder told their current password was not right: the people who work there could log in
-- but not change their password while the guest kept at it. A change from a browser with a device cookie of the account is
-- now judged by that device, as its login is: the throttle does not refuse it, and a wrong current password counts
-- against that device (the 5th since its last login deleting it) in place of the address. The account's lock still
-- holds for a password change, with a device or not, so a stolen session with its browser's cookies has the account's 5.
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
  -- counted against the address (so it stays refused), audited at the first refusal the throttle makes; but not from a
  -- browser with a device cookie of the account, judged by its device as its login is (the account's lock still holds)
  select t.refused, t.first_refusal into v_throttled, v_first_throttled from app_private.address_throttle(change_password.ip) t;
  if v_throttled and app_private.trusted_device(v_session.user_id, change_password.device_secrets) is null then
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
  -- the browser's device, as it is once the account's attempts take turns (a login counts its failures under that lock)
  v_device := app_private.trusted_device(v_session.user_id, change_password.device_secrets);
  if coalesce(v_secret.locked_until > now(), false)
     or not app_private.password_matches(current_password, v_secret.password_hash) then
    -- the same as a login's failure: audited, counted against the client's address, or its device when one judged it,
    -- and against the account, whose lock holds here with a device too (a stolen session's guesses)
    if v_device is not null then
      perform app_private.count_device_failure(v_device);
    else
      insert into app_private.login_failure (ip, phone)
      select app_hidden.throttled_network(change_password.ip), u.phone from app_public."user" u where u.id = v_session.user_id;
    end if;
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
  -- and so the devices, but the one its holder changed it from (whose cookie stays good, its failures cleared as a login's)
  delete from app_private.login_device d where d.user_id = v_session.user_id and d.id is distinct from v_device;
  update app_private.login_device d set failed_login_count = 0, first_failed_login_at = null where d.id = v_device;
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
comment on function app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[]) is 'Changes the session''s user''s password, given the current one: no current password (or one over 1,024 characters) or the same one again is INVALID_INPUT, a new one breaking the password rule WEAK_PASSWORD (check_password); a wrong current one, or an account locked, is {"status": "invalid"}, counted and audited as a failed login (reason password_change_refused); so is one from an address the login throttle refuses (20 failures in 15 minutes), its password not checked, counted against the address alone and audited (address_throttled) at the throttle''s first refusal, as login does; but one with a device cookie of the account (device_secrets: trusted_device) is not refused by the throttle, as its login is not, and its wrong or locked current password counts against that device (count_device_failure) in place of the address, and against the account all the same (its lock holds for a password change, a device or not). On success the account''s other sessions end, in every clinic, the networks it logged in from (login_network) are forgotten but the one of `ip`, which the new password is noted from, and so are its devices (login_device) but the one whose cookie asked (device_secrets: trusted_device), its failures cleared, and the change is audited (update of user_secret, without the hash) in the chain of the session that asked, counting the sessions of that chain it ended (sessionsEnded), and in the chain of each other clinic the person is of (passwordChanged alone, not the address nor the session, and the sessions of that chain it ended: audit_sessions_ended), each other chain whose sessions it ended getting sessions_ended (endedBy password_change): {"status": "ok", "sessionsEnded": n}, n the sessions it ended in every clinic. Called by POST /auth/password.';
