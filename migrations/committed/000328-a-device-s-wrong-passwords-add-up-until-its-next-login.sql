--! Previous: sha1:78b1a1c443e864d5eb7b573b38d0baee902fe66c
--! Hash: sha1:78a64a27627d7eb88b045ea4d3d0f72f38af1032
--! Message: a-device-s-wrong-passwords-add-up-until-its-next-login

-- A device's wrong passwords add up until its next login, not for a quarter of an hour
--
-- A device's cookie let 4 wrong passwords through the address throttle and the account's lock, and its count started
-- again a quarter of an hour after the first of them: whoever held a copy of a browser's cookie (its files, a shared
-- computer's) and waited 15 minutes after every 4 guesses was never refused, 16 guesses an hour of the account's password
-- from anywhere for the 90 days the device stays trusted, where the account's lock holds everyone else to 5 a quarter of an
-- hour between them. Its wrong passwords now add up until the next login with it (its person's, which clears them and
-- gives the cookie a new secret), however far apart: the 5th deletes the device, and its attempts follow the address's
-- and the account's rules again. Its person, whose next login clears the count, loses nothing.
create or replace function app_private.count_device_failure(device_id uuid) returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_count integer;
begin
  update app_private.login_device d set
    failed_login_count = d.failed_login_count + 1,
    first_failed_login_at = coalesce(d.first_failed_login_at, now())
  where d.id = count_device_failure.device_id
  returning d.failed_login_count into v_count;
  if v_count >= 5 then
    delete from app_private.login_device d where d.id = count_device_failure.device_id;
  end if;
end;
$$;
revoke all on function app_private.count_device_failure(uuid) from public;
comment on function app_private.count_device_failure(device_id uuid) is 'Counts a wrong password given with the device''s cookie against that device (not the address nor the account): the 5th since the last login with it or password change from it (note_login_device, change_password clear them), however far apart, deletes it, its cookie trusted no longer.';

comment on table app_private.login_device is 'The browsers (devices) each account logged in from with the password it has now, as their device cookies name them: a login presenting the cookie of one of them is judged by that device, not refused by the address throttle nor the account''s lock (app_private.trusted_device), until the 5th of its own failures since its last login deletes it. At most 10 an account, none unused for 90 days; a password given anew forgets them (replace_password), but the device its holder changed it from (change_password).';
comment on column app_private.login_device.failed_login_count is 'Wrong passwords given with the device''s cookie (a login''s, or a password change''s current one) since its last login or password change: the 5th deletes the device.';
comment on column app_private.login_device.first_failed_login_at is 'When the first of failed_login_count was given (null for none).';

comment on function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[]) IS 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session, which ends the account''s live sessions beyond the newest 10), notes the client''s network (note_login_network) and device (note_login_device) and returns it with status "ok" and deviceSecret, the secret of the device''s new cookie. An attempt with the secret of a device cookie of the account (device_secrets, those the browser holds: trusted_device) is judged by that device: the address throttle and the account''s lock do not refuse it, and its failures count against the device alone, the 5th since its last login deleting it (count_device_failure). An account locked by 5 wrong passwords is locked against the right one too, but from a network it logged in from within the last 30 days (logged_in_from) or with its device''s cookie. A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; one made while another attempt on the phone is in flight (an account''s or not) is {"status": "busy"}, its password not checked, and not counted against the client''s address; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, naming the sessions of its clinic the cap ended as endedSessions, those of other clinics, or of none, each in its own chain as sessions_ended: audit_session_opened; or login_failed with the reason; each saying whether a device cookie of the account was presented, deviceCookie), but those from an address the throttle refuses, those refused for their input too (still answered for it), audited once (as address_throttled) for as long as the address keeps being refused; every failure but not_a_member, busy and those with a device cookie counts against the client''s address. Called by POST /auth/login.';
