--! Previous: sha1:ecf68f5808067f9e0eabd5f9991536a3230e1794
--! Hash: sha1:acfcb9ce2c9fe099e1e95430cb9bfbc57e0a888f
--! Message: invitation refusals before the lookup

-- From the review of 000047-000050:
-- * inviteMember refused some requests only for a new phone (no password, a weak one, a bad name)
--   and one only for a registered phone (an admin inviting an owner, refused at insert); none wrote
--   anything, so an admin could learn which phones have accounts without limit, unseen and
--   unaudited. Every refusal now comes before the phone is looked up: a password (8 to 128
--   characters) and a name are required whoever the phone belongs to, and only an owner invites an
--   owner.
-- * Whether the phone had an account was read from the user row's xmin, which a savepoint or an
--   earlier update of the row in the transaction makes wrong. Accounts of one phone are now made
--   one at a time (an advisory lock in find_or_create_user), and invite_member looks before.
-- * The declined-invitation trigger follows the conventions (security definer, search_path).
-- * Clinic names compare with all white space (tabs, line ends) collapsed and trimmed.

create function app_private.check_password(password text) returns void
language plpgsql immutable set search_path = pg_catalog, public, pg_temp
as $$
begin
  if password is null or char_length(password) < 8 then
    raise exception 'Passwords need at least 8 characters.' using errcode = 'CWEAK';
  end if;
  if char_length(password) > 128 then
    raise exception 'Passwords may have at most 128 characters.' using errcode = 'CWEAK';
  end if;
end;
$$;
comment on function app_private.check_password(text) is 'Refuses a password that is not 8 to 128 characters (WEAK_PASSWORD).';

create or replace function app_private.hash_password(password text) returns text
language plpgsql set search_path = pg_catalog, public, pg_temp
as $$
begin
  perform app_private.check_password(password);
  return crypt(password, gen_salt('bf', 10));
end;
$$;

create or replace function app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text) returns uuid
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_id uuid;
begin
  -- one phone's account is made once, whoever asks at the same time (invite_member looks under it)
  perform pg_advisory_xact_lock(hashtextextended('user:' || find_or_create_user.phone, 0));
  select u.id into v_id from app_public."user" u where u.phone = find_or_create_user.phone;
  if found then
    return v_id; -- an existing person keeps their own name and password
  end if;
  if password is null or password = '' then
    raise exception 'A password is required to create a new user.' using errcode = 'CINVL';
  end if;
  insert into app_public."user" (phone, full_name) values (find_or_create_user.phone, btrim(full_name))
  returning id into v_id;
  insert into app_private.user_secret (user_id, password_hash) values (v_id, app_private.hash_password(password));
  return v_id;
end;
$$;

create or replace function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text default null)
returns app_public.membership
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_phone app_public.e164_phone;
  v_registered boolean;
  v_user uuid;
  v_membership app_public.membership;
  v_include_deleted text := current_setting('clinicops.include_deleted', true);
  v_added_lately bigint;
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
  if password is null or password = '' then
    raise exception 'A password is required: a new account gets it, an existing one keeps its own.' using errcode = 'CINVL';
  end if;
  perform app_private.check_password(password);
  -- a clinic's invitations take turns here, so requests at once cannot all pass the count; removed
  -- memberships count too (an invitation withdrawn at once still told whether the phone is registered)
  perform pg_advisory_xact_lock(hashtextextended('invite_member:' || v_clinic, 0));
  perform set_config('clinicops.include_deleted', 'on', true);
  select count(*) into v_added_lately from app_public.membership m
  where m.clinic_id = v_clinic and m.created_at > now() - interval '1 hour';
  perform set_config('clinicops.include_deleted', coalesce(v_include_deleted, ''), true);
  if v_added_lately >= 50 then
    raise exception 'Your clinic has added 50 people in the past hour: wait before inviting more.' using errcode = 'CLIMT';
  end if;
  v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(v_clinic));
  -- the phone's accounts are made one at a time (find_or_create_user takes the same lock), so none
  -- appears between this look and the call below
  perform pg_advisory_xact_lock(hashtextextended('user:' || v_phone, 0));
  v_registered := exists (select 1 from app_public."user" u where u.phone = v_phone);
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  if exists (select 1 from app_public.membership m where m.clinic_id = v_clinic and m.user_id = v_user) then
    raise exception 'This person is already a member of the clinic.' using errcode = 'CCONF';
  end if;
  -- someone who already had an account agrees first (accept_invitation): until then the membership
  -- is pending, and the clinic sees neither their name nor their phone
  insert into app_public.membership (clinic_id, user_id, role, accepted_at)
  values (v_clinic, v_user, invite_member.role, case when v_registered then null else now() end)
  returning * into v_membership;
  return v_membership;
end;
$$;
comment on function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) is 'Adds a person to the current clinic with a role. A name and a password (8 to 128 characters) are always required: a new phone creates their user with them and they are a member at once; a phone that already has a user makes a pending invitation (acceptedAt null; the name and password are ignored): it shows the clinic neither their name nor their phone and gives them no access until they accept it (acceptInvitation) or decline it. Someone already a member, or invited, is a CONFLICT, as is inviting again within 30 days someone who declined; a clinic adds at most 50 people an hour (LIMIT_EXCEEDED). Owners and admins; only owners add owners.';

create or replace function app_private.tg_membership__declined_stays_declined() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_include_deleted text := current_setting('clinicops.include_deleted', true);
  v_declined_lately boolean;
begin
  if tg_op = 'UPDATE' then
    if old.deleted_at is not null and new.deleted_at is null and old.accepted_at is null and old.deleted_by = old.user_id then
      raise exception 'They declined this invitation: it cannot be brought back.' using errcode = 'CFORB';
    end if;
    return new;
  end if;
  -- the declined invitations are removed rows, which the policies show only with include_deleted
  perform set_config('clinicops.include_deleted', 'on', true);
  v_declined_lately := exists (
    select 1 from app_public.membership m
    where m.clinic_id = new.clinic_id and m.user_id = new.user_id
      and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > now() - interval '30 days'
  );
  perform set_config('clinicops.include_deleted', coalesce(v_include_deleted, ''), true);
  if v_declined_lately then
    raise exception 'They declined an invitation from this clinic less than 30 days ago.' using errcode = 'CCONF';
  end if;
  return new;
end;
$$;

create or replace function app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text)
returns app_public.clinic
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic app_public.clinic;
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
  perform pg_advisory_xact_lock(hashtextextended('create_clinic_with_owner:' || v_phone, 0));
  if exists (
    select 1 from app_public.clinic c
    join app_public.membership m on m.clinic_id = c.id and m.role = 'owner' and m.deleted_at is null
      and m.is_active and m.accepted_at is not null
    join app_public."user" u on u.id = m.user_id
    where u.phone = v_phone
      and btrim(regexp_replace(lower(c.name), '\s+', ' ', 'g')) = btrim(regexp_replace(lower(create_clinic_with_owner.name), '\s+', ' ', 'g'))
  ) then
    raise exception 'This owner already has a clinic named %.', btrim(create_clinic_with_owner.name) using errcode = 'CCONF';
  end if;
  insert into app_public.clinic (name, timezone, currency, calling_code)
  values (regexp_replace(name, '^\s+|\s+$', '', 'g'), create_clinic_with_owner.timezone, upper(btrim(currency)), app_hidden.country_calling_code(v_phone))
  returning * into v_clinic;
  v_owner := app_private.find_or_create_user(v_phone, owner_name, owner_password);
  insert into app_public.membership (clinic_id, user_id, role) values (v_clinic.id, v_owner, 'owner');
  return v_clinic;
end;
$$;
comment on function app_public.create_clinic_with_owner(text, text, text, text, text, text) is 'Creates a clinic and its first owner (an existing user with that phone keeps their password). The clinic completes national phone numbers with the country calling code of the owner''s phone until its settings say otherwise. A second clinic of the same name (any case, white space collapsed) for a person who already owns one is a CONFLICT (a request sent twice makes one clinic). Platform administrators only.';
