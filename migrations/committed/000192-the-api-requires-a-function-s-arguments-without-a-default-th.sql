--! Previous: sha1:cdd291b42d67a49a1b05ce868e64e6b07d8ba0c1
--! Hash: sha1:56bf4b043204e8094bc408085c8206ef82817f21
--! Message: The API requires a function's arguments without a default; those that may be left out have one: a service's priceAt without a time is today's price (and no filter or order of services), createClinicWithOwner's owner password is needed for a new account only

-- The API takes a function's arguments without a default as required (pgStrictFunctions: a missing id was
-- NOT_FOUND, and the schema called every argument optional). Those that may be left out have a default:
-- - a service's priceAt without a time is today's price. A computed field whose arguments may all be left out
--   is offered as a filter and an order of services too, a subquery per row: it is not (its aggregates stay, as
--   they were; pg-aggregates also offers it in related lists' aggregate filters and in having, a subquery per
--   service of the clinic's catalog);
-- - createClinicWithOwner's owner password is needed for a new account only (an existing one keeps theirs; a new
--   one without is refused by the password rule, as wherever an account is made: "A password is required.").
create or replace function app_public.service_price_at(service app_public.service, at timestamptz default null) returns numeric
language sql stable
as $$
  select p.price from app_public.service_price p
  where p.clinic_id = service.clinic_id and p.service_id = service.id
    and p.effective_from <= coalesce(service_price_at.at, now())
    and (p.effective_to is null or p.effective_to > coalesce(service_price_at.at, now()))
  order by p.effective_from desc limit 1;
$$;
comment on function app_public.service_price_at(app_public.service, timestamptz) is E'@behavior -filterBy -orderBy\nThe price of the service at a given time (now when left out).';

create or replace function app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text default null) RETURNS app_public.clinic
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

comment on function app_public.create_clinic_with_owner(text, text, text, text, text, text) is 'Creates a clinic and its first owner (an existing user with that phone keeps their name and password: ownerPassword is needed for a new account only). The clinic completes national phone numbers with the country calling code of the owner''s phone until its settings say otherwise. A second clinic of the same name (any case, white space collapsed) for a person who already owns one is a CONFLICT (a request sent twice makes one clinic). Platform administrators only.';
