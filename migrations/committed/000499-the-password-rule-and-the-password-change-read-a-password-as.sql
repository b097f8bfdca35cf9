--! Previous: sha1:db2221181f4147383410306a8ef34f3715417963
--! Hash: sha1:9f87eeb47bdd93236e2ac942d41868f7029d09c7
--! Message: The password rule and the password change read a password as it is meant

-- The password rule counts a password's characters as it is meant, as it is hashed and checked
--
-- Since 000497 a password is read in NFKC (password_as_meant) when it is hashed and checked, but check_password still
-- counted its code points as typed: four accented letters typed each as a letter and its combining accent (a phone's
-- keyboard, a Vietnamese input method, text copied from a macOS file name) were 8 characters, and a password of 4, which
-- logs in typed as 4, was given; the same password of 128 letters so typed was refused as more than 128 characters,
-- though it passes typed composed. The rule now reads the password as it is meant, one verdict for a password whatever
-- form it is typed in (and normalizes no more than a login reads, 1,024 characters as typed).
create or replace function app_private.check_password(password text) returns void
  language plpgsql immutable
  set search_path to pg_catalog, public, pg_temp
  as $$
declare
  -- the password as it is hashed and checked (password_as_meant, NFKC), whose characters the rule counts
  v_meant text;
begin
  if password is null or password = '' then
    raise exception 'A password is required.' using errcode = 'CINVL';
  end if;
  -- no more normalized than a login reads (1,024 characters as typed): NFKC may make one character 18
  if char_length(password) > 1024 then
    raise exception 'Passwords may have at most 128 characters.' using errcode = 'CWEAK';
  end if;
  v_meant := app_private.password_as_meant(password);
  if app_hidden.name_as_meant(v_meant) = '' then
    raise exception 'A password needs more than white space: use letters, digits or signs.' using errcode = 'CWEAK';
  end if;
  if char_length(v_meant) < 8 then
    raise exception 'Passwords need at least 8 characters.' using errcode = 'CWEAK';
  end if;
  if char_length(v_meant) > 128 then
    raise exception 'Passwords may have at most 128 characters.' using errcode = 'CWEAK';
  end if;
end;
$$;
revoke all on function app_private.check_password(text) from public;
comment on function app_private.check_password(password text) is 'The password rule, for every password an account is given, read as it is meant (password_as_meant, its NFKC form, as it is hashed and checked, so that a password has one verdict in whatever form it is typed: 4 letters typed each with its combining accent are 4 characters, not 8): none is INVALID_INPUT; one with nothing visible (white space of any kind, control characters or characters Unicode marks as printing nothing alone, such as zero-width spaces, joiners or variation selectors: app_hidden.name_as_meant''s blank), fewer than 8 or more than 128 characters (or more than 1,024 as typed, not normalized) WEAK_PASSWORD. invite_member checks it before the phone is looked up; hash_password before an account is made (find_or_create_user) or its password reset (create_platform_admin, reset_password, reset_member_password); change_password before the current password is checked.';

-- A password change to the one the member has, typed in another form, is the same one again
--
-- change_password compared the new password with the current one as typed, though since 000497 they are one password
-- in whatever form each is typed: the one the member has, typed again in full width (an input method left on) or with
-- its accents apart, was a change, and a password a clinic's admin gave by a reset stayed the account's, marked as its
-- holder's own (password_set_by_holder). It is now "the one you have", INVALID_INPUT, the two compared as they are
-- hashed and checked (password_as_meant).
create or replace function app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[] DEFAULT NULL::text[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_session app_private.session := app_private.live_session();
  v_secret app_private.user_secret;
  v_ended jsonb;
  v_throttled boolean;
  v_first_throttled boolean;
  v_device uuid;
  -- refused by the address throttle: a device of the account judges the change in its place, as it is once the account's
  -- attempts take turns
  v_address_refused boolean;
  -- the session opened in place of the one that asked
  v_opened app_private.session;
  -- the new secret of the browser's device, for its cookie (only its SHA-256 is kept)
  v_device_secret text;
begin
  if v_session.id is null then
    raise exception 'Log in first.' using errcode = 'CAUTH';
  end if;
  if current_password is null or current_password = '' or char_length(current_password) > 1024 then
    raise exception 'Give your current password (currentPassword).' using errcode = 'CINVL';
  end if;
  perform app_private.check_password(new_password);
  -- the same password in whatever form each is typed (000497: one password), compared as they are hashed and checked
  if app_private.password_as_meant(new_password) = app_private.password_as_meant(current_password) then
    raise exception 'The new password is the one you have: choose another.' using errcode = 'CINVL';
  end if;
  -- an address the throttle refuses logins from is refused here too, as a login is: its password not checked,
  -- counted against the address (so it stays refused), audited at the first refusal the throttle makes; but not from a
  -- browser with a device cookie of the account, judged by its device as its login is (the account's lock still holds)
  select t.refused, t.first_refusal into v_throttled, v_first_throttled from app_private.address_throttle(change_password.ip) t;
  v_address_refused := v_throttled and app_private.trusted_device(v_session.user_id, change_password.device_secrets) is null;
  if not v_address_refused then
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
    -- the browser's device, as it is once the account's attempts take turns (a login counts its failures under that
    -- lock): one deleted meanwhile by its 5th failure leaves the change to the address's rule, as it leaves a login
    v_device := app_private.trusted_device(v_session.user_id, change_password.device_secrets);
    v_address_refused := v_throttled and v_device is null;
  end if;
  if v_address_refused then
    if v_first_throttled then
      perform app_private.audit_failed_login(u.phone, change_password.ip, 'address_throttled', u.id)
      from app_public."user" u where u.id = v_session.user_id;
    end if;
    insert into app_private.login_failure (ip, phone, throttled)
    select app_hidden.throttled_network(change_password.ip), u.phone, true from app_public."user" u where u.id = v_session.user_id;
    return jsonb_build_object('status', 'invalid');
  end if;
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
  -- and so the devices, but the one its holder changed it from, noted as a login notes it: a new secret for its cookie,
  -- its failures cleared; a copy of its cookie (a thief's, taken with the session's) is trusted no longer
  delete from app_private.login_device d where d.user_id = v_session.user_id and d.id is distinct from v_device;
  if v_device is not null then
    v_device_secret := app_private.note_login_device(v_session.user_id, v_device);
  end if;
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
    'sessionId', v_opened.id, 'expiresAt', v_opened.expires_at, 'clinicId', v_opened.clinic_id, 'role', v_opened.role,
    'deviceSecret', v_device_secret);
end;
$$;

comment on function app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[]) IS 'Changes the session''s user''s password, given the current one: no current password (or one over 1,024 characters) or the same one again, in whatever Unicode form each is typed (password_as_meant), is INVALID_INPUT, a new one breaking the password rule WEAK_PASSWORD (check_password); a wrong current one, or an account locked, is {"status": "invalid"}, counted and audited as a failed login (reason password_change_refused); so is one from an address the login throttle refuses (20 failures in 15 minutes), its password not checked, counted against the address alone and audited (address_throttled) at the throttle''s first refusal, as login does; but one with a device cookie of the account (device_secrets: trusted_device) is not refused by the throttle, as its login is not (the device as it is once the account''s attempts take turns: one deleted meanwhile by its 5th failure leaves the change to the throttle, as it leaves a login), and its wrong or locked current password counts against that device (count_device_failure) in place of the address, and against the account all the same (its lock holds for a password change, a device or not). On success the session that asked ends and a session is opened in its place, in its clinic with its role, ending when it would have (000438: a copy of its cookie, a thief''s, kept the account through the change), and the account''s other sessions end, in every clinic; the networks it logged in from (login_network) are forgotten but the one of `ip`, which the new password is noted from, and so are its devices (login_device) but the one whose cookie asked (device_secrets: trusted_device), which is noted as a login notes it (note_login_device: a new secret, its failures cleared; a copy of its cookie, a thief''s, is trusted no longer), and the change is audited (update of user_secret, without the hash) in the chain of the session that asked, naming that session (sessionId) and the one opened in its place (newSessionId), and counting the other sessions of that chain it ended (sessionsEnded), and in the chain of each other clinic the person is of (passwordChanged alone, not the address nor the session, and the sessions of that chain it ended: audit_sessions_ended), each other chain whose sessions it ended getting sessions_ended (endedBy password_change): {"status": "ok", "sessionsEnded": n, "sessionId", "expiresAt", "clinicId", "role", "deviceSecret"}, n the other sessions it ended in every clinic, the session opened, which POST /auth/password signs into the new cookie it answers, and the device''s new secret (null without a device), which it sets in the browser''s device cookie.';
revoke all on function app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[]) from public;
grant all on function app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[]) to :DATABASE_VISITOR;
