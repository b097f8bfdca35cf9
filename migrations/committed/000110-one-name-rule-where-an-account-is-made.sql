--! Previous: sha1:6355d3e2ce1cea8cc86a7eaa3ece5fdcb378b2ee
--! Hash: sha1:1d59a87277c09d4f35f7a3b845b6ee18797ada02
--! Message: one name rule where an account is made

--------------------------------------------------------------------------------
-- One rule for a person's name wherever an account is made.
--
-- A name is saved as meant (app_private.tg_user__name_as_meant, 000101), and user_full_name_check
-- holds it to 1 to 200 characters. Where an account is made, the name is checked as it will be saved
-- before the phone is looked up, so that a refusal is the same whether the phone is registered or
-- not: invite_member (000101) and create_clinic_with_owner (000104) each wrote that check out, and
-- create_platform_admin (`npm run superuser`) had none, its refusal the check constraint's, which
-- the command line restated. check_person_name is that check, as check_password is the password's,
-- and all three call it.

create or replace function app_private.check_person_name(full_name text) returns void
language plpgsql immutable set search_path to pg_catalog, public, pg_temp as $$
begin
  if char_length(coalesce(app_hidden.name_as_meant(full_name), '')) not between 1 and 200 then
    raise exception 'A name is required, at most 200 characters.' using errcode = 'CINVL';
  end if;
end;
$$;
comment on function app_private.check_person_name(text) is 'A person''s name as it will be saved (app_hidden.name_as_meant: nothing visible is no name) is 1 to 200 characters, INVALID_INPUT otherwise. Called where an account is made, before the phone is looked up (invite_member, create_clinic_with_owner, create_platform_admin), so a refusal says nothing of whether the phone is registered.';

create or replace function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text DEFAULT NULL::text) RETURNS app_public.membership
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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
  perform app_private.check_person_name(full_name);
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
    raise exception 'This person is already a member of the clinic, or invited to it.' using errcode = 'CCONF';
  end if;
  -- someone who already had an account agrees first (accept_invitation): until then the membership
  -- is pending, and the clinic sees neither their name nor their phone
  insert into app_public.membership (clinic_id, user_id, role, accepted_at)
  values (v_clinic, v_user.user_id, invite_member.role, case when v_user.created then now() end)
  returning * into v_membership;
  return v_membership;
end;
$$;

create or replace function app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) RETURNS app_public.clinic
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
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
  perform app_private.check_person_name(owner_name); -- before the phone is looked up
  v_phone := app_public.normalize_phone(owner_phone, app_hidden.calling_code_for(null));
  -- one owner's requests take turns, under the phone's lock that find_or_create_user takes below
  perform pg_advisory_xact_lock(app_private.account_lock_key(v_phone));
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
$_$;

create or replace function app_private.create_platform_admin(phone text, full_name text, password text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_phone app_public.e164_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  v_user record;
begin
  perform app_private.check_person_name(full_name);
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
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
