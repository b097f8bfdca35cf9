--! Previous: sha1:55a77d568cc5852fc2250e8a5c4d86256cfca217
--! Hash: sha1:6d6c0f9b73145ad09cd04dc6ae3385982af4f723
--! Message: A password change opens a new session and ends the one that asked

-- A password change renews the session that asked
--
-- POST /auth/password ended the account's other sessions, but the session that asked went on under its id: a thief
-- holding a copy of that cookie (taken from the victim's browser) kept the account after the victim changed the password
-- to shut them out. As OWASP's session management guidance asks of any change of credentials, the change now ends that
-- session too and opens one in its place, in the same transaction: the same person, clinic and role, ending when the old
-- one would have (a change is no login, as a switch is none), whose id the server signs into the new cookie it answers.
-- The copy is refused (UNAUTHENTICATED), and the person's browser goes on with the new cookie. The change's own entry in
-- the chain of the session that asked names both (sessionId, newSessionId), so no second entry is written; its count of
-- sessions ended (sessionsEnded), in the entry and the answer, stays the person's other sessions.
-- The second of a double click, asked from the session the first ended, is told so (UNAUTHENTICATED): it was checked
-- against the new password, answered INVALID_CREDENTIALS and counted against the account.
create or replace function app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[] DEFAULT NULL::text[]) RETURNS jsonb
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" TO 'off'
    set "clinicops.every_clinic" TO 'off'
    set "clinicops.reinvitation" TO 'off'
    as $$
declare
  v_session app_private.session := app_private.live_session();
  v_secret app_private.user_secret;
  v_ended jsonb;
  v_throttled boolean;
  v_first_throttled boolean;
  v_device uuid;
  -- the session opened in place of the one that asked
  v_opened app_private.session;
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
  -- the session that asked ends too, and one opened in its place goes on (its id in a new cookie: POST /auth/password),
  -- in its clinic with its role, ending when it would have (a change is no login): a copy of its cookie (a thief's)
  -- kept the account through the change that was to shut the thief out
  update app_private.session s set revoked_at = now() where s.id = v_session.id;
  insert into app_private.session (user_id, clinic_id, role, is_platform_admin, expires_at, ip, user_agent)
  select s.user_id, s.clinic_id, s.role, u.is_platform_admin, s.expires_at, change_password.ip, s.user_agent
  from app_private.session s join app_public."user" u on u.id = s.user_id where s.id = v_session.id
  returning * into v_opened;
  -- from here on this transaction acts as the session opened, as a switch's does (open_session): the one that asked has
  -- ended, and the policies this transaction reads through (the person's memberships, whose chains get the change) no
  -- longer see its rows
  perform set_config('jwt.claims.session_id', v_opened.id::text, true);
  v_ended := app_private.end_sessions_of(v_session.user_id, v_opened.id);
  -- the change in the chain of the session that asked, counting the sessions of that chain it ended but that one, which
  -- it names with the one opened in its place, and in the chain of each other clinic the person is of, saying what it
  -- was alone (not the address nor the session it was asked from)
  perform app_private.audit_sessions_ended(v_session.clinic_id, 'update', 'user_secret', v_session.user_id,
    jsonb_build_object('passwordChanged', true, 'ip', change_password.ip, 'sessionId', v_session.id, 'newSessionId', v_opened.id), true,
    v_ended, 'password_change', v_session.user_id, jsonb_build_object('passwordChanged', true));
  return jsonb_build_object('status', 'ok', 'sessionsEnded', jsonb_array_length(v_ended),
    'sessionId', v_opened.id, 'expiresAt', v_opened.expires_at, 'clinicId', v_opened.clinic_id, 'role', v_opened.role);
end;
$$;


comment on function app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[]) is 'Changes the session''s user''s password, given the current one: no current password (or one over 1,024 characters) or the same one again is INVALID_INPUT, a new one breaking the password rule WEAK_PASSWORD (check_password); a wrong current one, or an account locked, is {"status": "invalid"}, counted and audited as a failed login (reason password_change_refused); so is one from an address the login throttle refuses (20 failures in 15 minutes), its password not checked, counted against the address alone and audited (address_throttled) at the throttle''s first refusal, as login does; but one with a device cookie of the account (device_secrets: trusted_device) is not refused by the throttle, as its login is not, and its wrong or locked current password counts against that device (count_device_failure) in place of the address, and against the account all the same (its lock holds for a password change, a device or not). On success the session that asked ends and a session is opened in its place, in its clinic with its role, ending when it would have (000438: a copy of its cookie, a thief''s, kept the account through the change), and the account''s other sessions end, in every clinic; the networks it logged in from (login_network) are forgotten but the one of `ip`, which the new password is noted from, and so are its devices (login_device) but the one whose cookie asked (device_secrets: trusted_device), its failures cleared, and the change is audited (update of user_secret, without the hash) in the chain of the session that asked, naming that session (sessionId) and the one opened in its place (newSessionId), and counting the other sessions of that chain it ended (sessionsEnded), and in the chain of each other clinic the person is of (passwordChanged alone, not the address nor the session, and the sessions of that chain it ended: audit_sessions_ended), each other chain whose sessions it ended getting sessions_ended (endedBy password_change): {"status": "ok", "sessionsEnded": n, "sessionId", "expiresAt", "clinicId", "role"}, n the other sessions it ended in every clinic, and the session opened, which POST /auth/password signs into the new cookie it answers.';

comment on column app_public.audit_log.detail is 'Extra facts, by action: null for a change of a row (insert, update, delete, soft_delete, restore), but an update of user_secret (below), and by (npm run superuser) for a change of an account that command made. login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the opening ended, if any: the session a switch came from, the account''s session whose cookie a login replaced, and those beyond the account''s cap of 10 live sessions); a login''s deviceCookie (whether a device cookie of the account judged it: app_private.login_device). sessions_ended: endedSessions (the sessions of this chain''s clinic, or of none in the platform''s, that were ended), endedBy (what ended them: login or switch_clinic, into another clinic or none, or login of another account over the session, the actor being that account; password_change, by the person; password_reset, by a clinic''s owner or admin or the operator; deactivation of the account, or platform_admin_change of its rights, by the operator). logout: sessionId (a session its person ended; one a login of another account ended is that login''s sessions_ended). login_failed: phone (normalised; null when it was no phone number), ip, reason, clinicId (the clinic named, for not_a_member and switch_not_a_member), and deviceCookie for a login''s (whether a device cookie of the account judged it, its failure counted against that device alone). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many sessions of this chain''s clinic, or of none in the platform''s, it ended: those of other chains are in their own entries), and ip, sessionId (the session it was asked from, which it ended: not counted in sessionsEnded) and newSessionId (the session it opened in that one''s place, whose cookie its answer set: 000438) when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it; in the chain of each other clinic the person is of, passwordChanged, and unlocked and by for a reset, with endedSessions (the sessions of that clinic it ended, if any) in place of sessionsEnded, and nothing of where it was done from. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry); an export_cut_short the hourly sweep wrote for a download whose end never came, a day after it began, endNeverCame (true: the server never told its end, and what it sent is not known; sweep_unended_downloads).';

revoke all on function app_hidden.change_password(text, text, inet, text[]) from public;
grant all on function app_hidden.change_password(text, text, inet, text[]) to :DATABASE_VISITOR;
