--! Previous: sha1:9d0a8624dfe79c49900931c9daa4f59a84df6dbc
--! Hash: sha1:05ea2f3e6df5e39e6b41eca82a85b2ba6d9453a3
--! Message: One lookup one lock one password rule per account

-- One lookup, one lock and one password rule per account made: find_or_create_user says whether it created the user; clinic names compared by one helper; the clinic's phone checked by the e164_phone domain

-- From a review of 000043-000054: the code simpler, the behaviour the same but for two refusals'
-- words (a missing password, a clinic name with tabs or line ends at its ends), marked below.
-- * invite_member took the phone's lock and looked the user up, then find_or_create_user did both
--   again; find_or_create_user now answers (user_id, created), looked up once under the lock, and
--   invite_member makes the membership pending unless created. create_platform_admin (npm run
--   superuser) no longer hashes a new user's password a second time (bcrypt) to reset it: it resets
--   the secret of someone already registered only, still before their user row (000052).
-- * The password rule (none: INVALID_INPUT; fewer than 8 or more than 128 characters:
--   WEAK_PASSWORD) was written in invite_member, find_or_create_user and check_password; it is
--   check_password alone, which invite_member calls before the lookup and hash_password before
--   any account is made or reset, so every entry point refuses a password with the same error.
--   (createClinicWithOwner's new owner and npm run superuser without a password were told "A
--   password is required to create a new user.", and a promotion WEAK_PASSWORD; now INVALID_INPUT
--   with inviteMember's words.)
-- * create_clinic_with_owner locked the owner's phone under its own key, then under find_or_create_user's:
--   it takes find_or_create_user's key alone (requests for one owner still take turns).
-- * Clinic names compared as btrim(regexp_replace(lower(…), '\s+', ' ', 'g')) on both sides, trimmed
--   apart to be stored, and the refusal named the name trimmed of spaces only: one helper,
--   app_private.clinic_name_key, compares, and the name trimmed of all white space is stored and
--   named in the refusal (which kept a tab or line end at either end).
-- * invite_member turned clinicops.include_deleted on and off by hand around its hourly count: the
--   count is app_private.memberships_added_lately, which sees removed rows by its definition (000057).
-- * clinic_phone_check repeated the regular expression of the e164_phone domain: it casts to the
--   domain instead (a column of that type is refused before the normalising trigger, 000044).

create or replace function app_private.check_password(password text) returns void
language plpgsql immutable set search_path = pg_catalog, public, pg_temp
as $$
begin
  if password is null or password = '' then
    raise exception 'A password is required: a new account gets it, an existing one keeps its own.' using errcode = 'CINVL';
  end if;
  if char_length(password) < 8 then
    raise exception 'Passwords need at least 8 characters.' using errcode = 'CWEAK';
  end if;
  if char_length(password) > 128 then
    raise exception 'Passwords may have at most 128 characters.' using errcode = 'CWEAK';
  end if;
end;
$$;
comment on function app_private.check_password(text) is 'The password rule, for every password an account is given: none is INVALID_INPUT, fewer than 8 or more than 128 characters WEAK_PASSWORD. invite_member checks it before the phone is looked up; hash_password before an account is made (find_or_create_user) or its password reset (create_platform_admin).';

-- the return type changes (the user and whether this call made them): dropped and made again; its
-- callers are PL/pgSQL functions (invite_member, create_clinic_with_owner, create_platform_admin)
drop function if exists app_private.find_or_create_user(app_public.e164_phone, text, text);
create function app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text, out user_id uuid, out created boolean)
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_password_hash text;
begin
  -- one phone's account is made once, whoever asks at the same time: the look and the insert are
  -- under the phone's lock, so one caller alone is told created
  perform pg_advisory_xact_lock(hashtextextended('user:' || find_or_create_user.phone, 0));
  select u.id into user_id from app_public."user" u where u.phone = find_or_create_user.phone;
  created := not found;
  if created then -- an existing person keeps their own name and password
    v_password_hash := app_private.hash_password(password); -- the password rule, before anything is written
    insert into app_public."user" (phone, full_name) values (find_or_create_user.phone, btrim(full_name))
    returning id into user_id;
    insert into app_private.user_secret (user_id, password_hash) values (find_or_create_user.user_id, v_password_hash);
  end if;
end;
$$;
comment on function app_private.find_or_create_user(app_public.e164_phone, text, text) is 'The user with this phone, and whether this call created them (with the name and the password, which check_password must accept); an existing user keeps their name and password, and needs none given. Looked up under an advisory lock on the phone (''user:'' || phone), so accounts of one phone are made one at a time and created is true for one caller only.';

create or replace function app_private.create_platform_admin(phone text, full_name text, password text) returns uuid
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_phone app_public.e164_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  v_user record := app_private.find_or_create_user(v_phone, full_name, password);
begin
  -- a new user's secret was made from this password; someone already registered gets it now, their
  -- secret taken before their user row, as a login takes them (000052)
  if not v_user.created then
    update app_private.user_secret s set password_hash = app_private.hash_password(password), locked_until = null,
      failed_login_count = 0 where s.user_id = v_user.user_id;
  end if;
  update app_public."user" u set is_platform_admin = true, is_active = true where u.id = v_user.user_id;
  return v_user.user_id;
end;
$$;

-- The hourly count of invite_member (000050), removed memberships included, in a helper that sees
-- them by its definition (000057): the rest of invite_member must not (a removed member is no
-- member when the clinic invites them again).
create or replace function app_private.memberships_added_lately(clinic_id uuid) returns bigint
language sql stable security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
  select count(*) from app_public.membership m
  where m.clinic_id = memberships_added_lately.clinic_id and m.created_at > now() - interval '1 hour';
$$;
revoke all on function app_private.memberships_added_lately(uuid) from public;
comment on function app_private.memberships_added_lately(uuid) is
  'How many memberships the clinic created in the past hour, removed ones included (invite_member allows 50). Sees removed rows by its definition (set clinicops.include_deleted).';

create or replace function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text default null)
returns app_public.membership
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_phone app_public.e164_phone;
  v_user record;
  v_membership app_public.membership;
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can invite members.' using errcode = 'CFORB';
  end if;
  if role is null then
    raise exception 'A role is required.' using errcode = 'CINVL';
  end if;
  -- Every refusal comes before the phone is looked up, the same whether it has an account or not:
  -- a refusal only a new phone got (no password, a weak one, a bad name) or only a registered one
  -- got (an admin inviting an owner, refused at insert) told which, for free and unaudited.
  if role = 'owner' and not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  if full_name is null or char_length(btrim(full_name)) not between 1 and 200 then
    raise exception 'A name is required, at most 200 characters.' using errcode = 'CINVL';
  end if;
  perform app_private.check_password(password);
  -- a clinic's invitations take turns here, so requests at once cannot all pass the count; removed
  -- memberships count too (an invitation withdrawn at once still told whether the phone is registered)
  perform pg_advisory_xact_lock(hashtextextended('invite_member:' || v_clinic, 0));
  if app_private.memberships_added_lately(v_clinic) >= 50 then
    raise exception 'Your clinic has added 50 people in the past hour: wait before inviting more.' using errcode = 'CLIMT';
  end if;
  v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(v_clinic));
  -- looked up once, under the phone's lock: created only for the request that made the account
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  if exists (select 1 from app_public.membership m where m.clinic_id = v_clinic and m.user_id = v_user.user_id) then
    raise exception 'This person is already a member of the clinic.' using errcode = 'CCONF';
  end if;
  -- someone who already had an account agrees first (accept_invitation): until then the membership
  -- is pending, and the clinic sees neither their name nor their phone
  insert into app_public.membership (clinic_id, user_id, role, accepted_at)
  values (v_clinic, v_user.user_id, invite_member.role, case when v_user.created then now() end)
  returning * into v_membership;
  return v_membership;
end;
$$;

create or replace function app_private.clinic_name_key(name text) returns text
language sql immutable parallel safe set search_path = pg_catalog, public, pg_temp
as $$
  select btrim(regexp_replace(lower(name), '\s+', ' ', 'g'));
$$;
comment on function app_private.clinic_name_key(text) is 'A clinic''s name as two names are compared: in lower case, every run of white space (tabs, line ends) one space, none at either end.';

create or replace function app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text)
returns app_public.clinic
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic app_public.clinic;
  v_name text := regexp_replace(create_clinic_with_owner.name, '^\s+|\s+$', '', 'g');
  v_phone app_public.e164_phone;
  v_owner uuid;
begin
  if not app_public.current_user_is_platform_admin() then
    raise exception 'Only a platform administrator can create clinics.' using errcode = 'CFORB';
  end if;
  if not app_public.is_valid_timezone(coalesce(timezone, '')) then
    raise exception 'Unknown time zone: use an IANA name such as Africa/Nairobi.' using errcode = 'CINVL';
  end if;
  v_phone := app_public.normalize_phone(owner_phone, app_hidden.calling_code_for(null));
  -- one owner's requests take turns, under the phone's lock that find_or_create_user takes below
  perform pg_advisory_xact_lock(hashtextextended('user:' || v_phone, 0));
  if exists (
    select 1 from app_public.clinic c
    join app_public.membership m on m.clinic_id = c.id and m.role = 'owner' and m.deleted_at is null
      and m.is_active and m.accepted_at is not null
    join app_public."user" u on u.id = m.user_id
    where u.phone = v_phone and app_private.clinic_name_key(c.name) = app_private.clinic_name_key(v_name)
  ) then
    raise exception 'This owner already has a clinic named %.', v_name using errcode = 'CCONF';
  end if;
  insert into app_public.clinic (name, timezone, currency, calling_code)
  values (v_name, create_clinic_with_owner.timezone, upper(btrim(currency)), app_hidden.country_calling_code(v_phone))
  returning * into v_clinic;
  v_owner := (app_private.find_or_create_user(v_phone, owner_name, owner_password)).user_id;
  insert into app_public.membership (clinic_id, user_id, role) values (v_clinic.id, v_owner, 'owner');
  return v_clinic;
end;
$$;

alter table app_public.clinic drop constraint if exists clinic_phone_check;
alter table app_public.clinic add constraint clinic_phone_check check (phone = phone::app_public.e164_phone);
