--! Previous: sha1:98b5e20c63ecdb8404f5988cbd9c775f068678b6
--! Hash: sha1:e75f46cbb4da506f263b57e791decd197f91c79a
--! Message: A clinic is not renamed to the name of its owners' other clinic

-- Enter migration here

-- A clinic renamed to the name of its owner's other clinic
--
-- createClinicWithOwner refuses a second clinic of one name (any case, compared as meant: clinic_name_key) for a person
-- who already owns one (CONFLICT, 000045), but updateClinic took a rename of a clinic to the name of another clinic one
-- of its owners owns: the owner then had two clinics of one name, told apart nowhere they pick one (the login's
-- `clinics`, myClinics, the switch), and the rule createClinicWithOwner keeps was broken by the settings page. Now a
-- change of a clinic's name to the name of another clinic that one of its owners owns (an owner membership accepted,
-- active and not removed, as creation counts them) is a CONFLICT "An owner of this clinic already has a clinic named
-- …: give this one another name.", nothing written; a change of case or spaces alone is not one. The rename takes its
-- owners' phones' locks (account_lock_key, in the order of their keys) before it reads, as creation takes the owner's,
-- so a rename and a creation of one name for one owner, or two renames, at once take turns and the second is refused.
-- The owner role reads every clinic's name while a function has clinicops.every_clinic on in its definition (policy
-- every_clinic on clinic, as on membership): a rename by an admin compares with clinics the admin is no member of.

drop policy if exists every_clinic on app_public.clinic;
create policy every_clinic on app_public.clinic for select to :DATABASE_OWNER
  using ((select current_setting('clinicops.every_clinic', true) = 'on'));
comment on policy every_clinic on app_public.clinic is 'Owner role only: every clinic, while a function has clinicops.every_clinic on in its definition (app_private.tg_clinic__name_not_an_owners_other).';

create or replace function app_private.tg_clinic__name_not_an_owners_other() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set clinicops.include_deleted = 'off'
    set clinicops.every_clinic = 'on'
    set clinicops.reinvitation = 'off'
    as $$
declare
  v_key bigint;
begin
  if app_private.clinic_name_key(new.name) is not distinct from app_private.clinic_name_key(old.name) then
    return new;
  end if;
  -- the owners' requests take turns under their phones' locks, which create_clinic_with_owner takes for its owner
  for v_key in
    select distinct app_private.account_lock_key(u.phone) as key
    from app_public.membership m join app_public."user" u on u.id = m.user_id
    where m.clinic_id = new.id and m.role = 'owner' and m.deleted_at is null and m.is_active and m.accepted_at is not null
    order by key
  loop
    perform pg_advisory_xact_lock(v_key);
  end loop;
  -- read after the locks: a clinic made or renamed meanwhile for one of the owners has committed
  if exists (
    select from app_public.membership m
    join app_public.membership o on o.user_id = m.user_id and o.clinic_id <> new.id and o.role = 'owner'
      and o.deleted_at is null and o.is_active and o.accepted_at is not null
    join app_public.clinic c on c.id = o.clinic_id
    where m.clinic_id = new.id and m.role = 'owner' and m.deleted_at is null and m.is_active and m.accepted_at is not null
      and app_private.clinic_name_key(c.name) = app_private.clinic_name_key(new.name)
  ) then
    raise exception 'An owner of this clinic already has a clinic named %: give this one another name.', new.name using errcode = 'CCONF';
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_clinic__name_not_an_owners_other() from public;
comment on function app_private.tg_clinic__name_not_an_owners_other() is 'Trigger: refuses (CONFLICT) a clinic''s name changed to the name of another clinic one of its owners owns (accepted, active, not removed; compared by clinic_name_key, as create_clinic_with_owner compares), taking the owners'' phones'' locks (account_lock_key, in key order) first, as creation takes its owner''s; a change of case or spaces alone is not checked.';

drop trigger if exists _160_name_not_an_owners_other on app_public.clinic;
create trigger _160_name_not_an_owners_other before update of name on app_public.clinic
  for each row execute function app_private.tg_clinic__name_not_an_owners_other();
comment on trigger _160_name_not_an_owners_other on app_public.clinic is 'A clinic is not renamed to the name of its owners'' other clinic (tg_clinic__name_not_an_owners_other).';
comment on column app_public.clinic.name is E'@sortCollation und-x-icu\nName shown to staff and on documents (1 to 200 characters); not that of another clinic one of its owners owns (CONFLICT), as createClinicWithOwner makes none so.';
