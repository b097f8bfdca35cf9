--! Previous: sha1:102c41e562dc18ba1a2b313ee76b7b7157437f98
--! Hash: sha1:868158d826f3e5d3accc5acaf2500fd10cab6e6c
--! Message: invitation race, clinic names and blank phones

-- From the review of 000043-000046:
-- * invite_member decided "already registered" before find_or_create_user, in another statement: an
--   account committed in between was enrolled as accepted, without its owner's consent. It is now
--   registered unless this transaction made the user.
-- * A clinic of the same name blocks createClinicWithOwner only when its owner membership is
--   accepted and active (a pending owner invitation from a clinic renamed to match blocked the
--   person's own clinic), and names compare with their inner spaces collapsed too.
-- * The clinic's phone made only of tabs or line ends clears it, as spaces do.

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
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can invite members.' using errcode = 'CFORB';
  end if;
  if role is null then
    raise exception 'A role is required.' using errcode = 'CINVL';
  end if;
  v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(v_clinic));
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  -- registered unless this transaction made the user: a check before find_or_create_user could
  -- miss an account another transaction committed in between, and accept for them
  v_registered := not exists (select 1 from app_public."user" u where u.id = v_user and u.xmin = pg_current_xact_id()::xid);
  if exists (select 1 from app_public.membership m where m.clinic_id = v_clinic and m.user_id = v_user) then
    raise exception 'This person is already a member of the clinic.' using errcode = 'CCONF';
  end if;
  -- someone who already had an account agrees first (by logging in to the clinic): until then the
  -- membership is pending, and the clinic sees neither their name nor their phone
  insert into app_public.membership (clinic_id, user_id, role, accepted_at)
  values (v_clinic, v_user, invite_member.role, case when v_registered then null else now() end)
  returning * into v_membership;
  return v_membership;
end;
$$;
comment on function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) is 'Adds a person to the current clinic with a role. A new phone creates their user (with this name and password) and they are a member at once; a phone that already has a user makes a pending invitation (acceptedAt null; the name and password given are ignored): it shows the clinic neither their name nor their phone and gives them no access until they log in to the clinic, which accepts it, or they decline it. Someone already a member, or invited, is a CONFLICT. Owners and admins; only owners add owners.';

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
      and regexp_replace(lower(btrim(c.name)), '\s+', ' ', 'g') = regexp_replace(lower(btrim(create_clinic_with_owner.name)), '\s+', ' ', 'g')
  ) then
    raise exception 'This owner already has a clinic named %.', btrim(create_clinic_with_owner.name) using errcode = 'CCONF';
  end if;
  insert into app_public.clinic (name, timezone, currency, calling_code)
  values (btrim(name), create_clinic_with_owner.timezone, upper(btrim(currency)), app_hidden.country_calling_code(v_phone))
  returning * into v_clinic;
  v_owner := app_private.find_or_create_user(v_phone, owner_name, owner_password);
  insert into app_public.membership (clinic_id, user_id, role) values (v_clinic.id, v_owner, 'owner');
  return v_clinic;
end;
$$;
comment on function app_public.create_clinic_with_owner(text, text, text, text, text, text) is 'Creates a clinic and its first owner (an existing user with that phone keeps their password). The clinic completes national phone numbers with the country calling code of the owner''s phone until its settings say otherwise. A second clinic of the same name (any case, spaces collapsed) for a person who already owns one is a CONFLICT (a request sent twice makes one clinic). Platform administrators only.';

create or replace function app_private.tg_clinic__normalize_phone() returns trigger
language plpgsql
as $$
begin
  if new.phone ~ '^\s*$' then
    new.phone := null;
  elsif new.phone is not null then
    new.phone := app_public.normalize_phone(new.phone, coalesce(new.calling_code, app_hidden.calling_code_for(null)));
  end if;
  return new;
end;
$$;
