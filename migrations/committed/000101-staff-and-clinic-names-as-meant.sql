--! Previous: sha1:592bd9361487067dc7e17ef8cc336a3741ca9a06
--! Hash: sha1:78f326cbe78eca9fb1052896cde6b72f6a91634e
--! Message: staff and clinic names as meant

--------------------------------------------------------------------------------
-- Staff and clinic names as meant, like patients' names.
--
-- A patient's names are saved as meant (app_hidden.name_as_meant, 000081): white space of any kind
-- one space, none at the ends, direction overrides and other invisible controls out, and a name of
-- nothing visible refused. A member's name and a clinic's name were only trimmed of ASCII white
-- space: a zero-width space was a name, a right-to-left override reversed what exports print after
-- it, no-break spaces were kept as typed, and "Gamma  Clinic" with no-break spaces was a second
-- clinic of the same name for its owner. Names saved before stay as they are until edited.

create or replace function app_private.tg_user__name_as_meant() returns trigger
language plpgsql set search_path to pg_catalog, public, pg_temp as $$
begin
  if tg_op = 'INSERT' or new.full_name is distinct from old.full_name then
    new.full_name := app_hidden.name_as_meant(new.full_name);
  end if;
  return new;
end;
$$;
comment on function app_private.tg_user__name_as_meant() is 'Trigger: a person''s full name is saved as meant (app_hidden.name_as_meant) when written; nothing visible is a missing name.';
drop trigger if exists _150_name_as_meant on app_public."user";
create trigger _150_name_as_meant before insert or update of full_name on app_public."user"
  for each row execute function app_private.tg_user__name_as_meant();

create or replace function app_private.tg_clinic__trim_name() returns trigger
language plpgsql set search_path to pg_catalog, public, pg_temp as $$
begin
  new.name := app_hidden.name_as_meant(new.name);
  return new;
end;
$$;
comment on function app_private.tg_clinic__trim_name() is 'Trigger: a clinic''s name is saved as meant (app_hidden.name_as_meant): white space of any kind one space, none at either end, invisible controls out.';

create or replace function app_private.clinic_name_key(name text) returns text
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select lower(app_hidden.name_as_meant(clinic_name_key.name));
$$;
comment on function app_private.clinic_name_key(text) is 'A clinic''s name as two names are compared: as meant (app_hidden.name_as_meant: every run of white space of any kind one space, none at either end, invisible controls out), in lower case.';

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
  -- as it will be saved (app_private.tg_user__name_as_meant): a name of invisible characters alone
  -- was refused only for a new phone, at its insert, telling that the phone was not registered
  if char_length(coalesce(app_hidden.name_as_meant(full_name), '')) not between 1 and 200 then
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
