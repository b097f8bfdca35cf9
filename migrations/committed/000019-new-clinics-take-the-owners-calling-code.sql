--! Previous: sha1:1e34f9af515837aa122fb0de737d3f801d41683c
--! Hash: sha1:665d880a801c7070594b6bda166638cbf84c48c6
--! Message: new clinics take the owner's calling code

-- A new clinic completes the national numbers its staff type (0712 345 678) with the country
-- calling code of its owner's phone, instead of refusing them until someone finds the setting.
-- Clinics created before keep what they have (their calling code, or the deployment's default).

create or replace function app_hidden.country_calling_code(phone app_public.e164_phone) returns app_public.calling_code
language sql immutable strict parallel safe
as $$
  -- ITU-T E.164 country codes are prefix-free: 1 and 7 stand alone, these two-digit codes are
  -- whole, and every other code has three digits.
  select case
    when substr(phone, 2, 1) in ('1', '7') then substr(phone, 2, 1)
    when substr(phone, 2, 2) in ('20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46',
      '47', '48', '49', '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81',
      '82', '84', '86', '90', '91', '92', '93', '94', '95', '98') then substr(phone, 2, 2)
    else substr(phone, 2, 3)
  end;
$$;
comment on function app_hidden.country_calling_code(app_public.e164_phone) is 'The country calling code of a phone number in E.164 form: 255 for +255712345678, 44 for +442071234567, 1 for +14155550100.';

create or replace function app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text)
returns app_public.clinic
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
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
  insert into app_public.clinic (name, timezone, currency, calling_code)
  values (btrim(name), create_clinic_with_owner.timezone, upper(btrim(currency)), app_hidden.country_calling_code(v_phone))
  returning * into v_clinic;
  v_owner := app_private.find_or_create_user(v_phone, owner_name, owner_password);
  insert into app_public.membership (clinic_id, user_id, role) values (v_clinic.id, v_owner, 'owner');
  return v_clinic;
end;
$$;
comment on function app_public.create_clinic_with_owner(text, text, text, text, text, text) is 'Creates a clinic and its first owner (an existing user with that phone keeps their password). The clinic completes national phone numbers with the country calling code of the owner''s phone until its settings say otherwise. Platform administrators only.';
