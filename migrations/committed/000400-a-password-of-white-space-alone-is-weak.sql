--! Previous: sha1:e75f46cbb4da506f263b57e791decd197f91c79a
--! Hash: sha1:766f6ec1250b99ce4c7cb7090660951515db5932
--! Message: A password of white space alone is weak

-- A password of white space alone is weak
--
-- app_private.check_password counted a password's characters alone, so one of eight spaces, or of tabs (or of
-- no-break spaces, zero-width spaces, line breaks: nothing visible) was taken wherever an account is given a password:
-- inviteMember, createClinicWithOwner, resetMemberPassword, POST /auth/password, npm run superuser and npm run
-- password. Such a password is typed by mistake (a key held, a field pasted empty) or guessed first, and the person
-- is not shown what they typed. Now a password with nothing visible (app_hidden.name_as_meant's blank: white space of
-- any kind, zero-width and control characters alone) is WEAK_PASSWORD "A password needs more than white space: use
-- letters, digits or signs.", checked after a missing one (INVALID_INPUT) and before its length.
create or replace function app_private.check_password(password text) returns void
    language plpgsql immutable
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  if password is null or password = '' then
    raise exception 'A password is required.' using errcode = 'CINVL';
  end if;
  if app_hidden.name_as_meant(password) = '' then
    raise exception 'A password needs more than white space: use letters, digits or signs.' using errcode = 'CWEAK';
  end if;
  if char_length(password) < 8 then
    raise exception 'Passwords need at least 8 characters.' using errcode = 'CWEAK';
  end if;
  if char_length(password) > 128 then
    raise exception 'Passwords may have at most 128 characters.' using errcode = 'CWEAK';
  end if;
end;
$$;
revoke all on function app_private.check_password(password text) from public;
comment on function app_private.check_password(password text) is 'The password rule, for every password an account is given: none is INVALID_INPUT; one with nothing visible (white space of any kind, zero-width or control characters alone: app_hidden.name_as_meant''s blank), fewer than 8 or more than 128 characters WEAK_PASSWORD. invite_member checks it before the phone is looked up; hash_password before an account is made (find_or_create_user) or its password reset (create_platform_admin, reset_password, reset_member_password); change_password before the current password is checked.';

-- invite_member's comment names the whole password rule
--
-- inviteMember's description (the API's documentation) gave its password as 8 to 128 characters, which eight spaces
-- are: it now says a password of white space alone is refused too (check_password, above). Comment only.
comment on function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) is 'Adds a person to the current clinic with a role. A name and a password (8 to 128 characters, not of white space alone: check_password) are always required: a new phone creates their user with them and they are a member at once; a phone that already has a user makes a pending invitation (acceptedAt null; the name and password are ignored): it shows the clinic neither their name nor their phone and gives them no access until they accept it (acceptInvitation) or decline it. Someone the clinic removed (or whose invitation was withdrawn or declined) is asked again so on their membership of before, the one the visits booked with them name, with the new role. Someone already a member, or invited, is a CONFLICT, as is inviting again within 30 days someone who declined; a clinic adds or asks again at most 50 people an hour (LIMIT_EXCEEDED). Owners and admins; only owners add owners.';
