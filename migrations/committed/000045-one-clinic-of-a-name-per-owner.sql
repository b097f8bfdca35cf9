--! Previous: sha1:fdb89fcb890537bc1ca18377c17953ec49c06880
--! Hash: sha1:6b5814b492a74f4f0c3f8ebba86c48599d93453b
--! Message: one clinic of a name per owner

-- createClinicWithOwner sent twice (a double click, a retried request) made two clinics of the same
-- name for the same owner, each with its own codes, catalog and audit chain. A second clinic of the
-- same name (whatever its case and spaces) for an owner who already has one is a CONFLICT; requests
-- for one owner's phone take turns, so two at once cannot both pass.

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
    join app_public."user" u on u.id = m.user_id
    where u.phone = v_phone and lower(c.name) = lower(btrim(create_clinic_with_owner.name))
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
comment on function app_public.create_clinic_with_owner(text, text, text, text, text, text) is 'Creates a clinic and its first owner (an existing user with that phone keeps their password). The clinic completes national phone numbers with the country calling code of the owner''s phone until its settings say otherwise. A second clinic of the same name for the same owner is a CONFLICT (a request sent twice makes one clinic). Platform administrators only.';
