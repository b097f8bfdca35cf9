--! Previous: sha1:61af3cf421d687c0e0f7ea1ef9ba90ae13a727be
--! Hash: sha1:baec7382d4ccea225d092b8042d5814ffe508298
--! Message: A rename and a new owner of a clinic take turns

-- Enter migration here

-- A clinic renamed while a person is made its owner: the two take the clinic's owners' turn
--
-- A rename reads the clinic's owners under their phones' locks (tg_clinic__name_not_an_owners_other), and a membership
-- becoming an owner's reads the clinic's name under the person's phone's lock (000444): at once, neither saw what the
-- other had not committed, neither waited for the other (a rename takes the phone locks of the owners it reads, not of
-- the one being made so), and a person accepting an owner invitation of a clinic while it was renamed to the name of a
-- clinic they own (or made its owner, restored, by an owner or the operator) came to own two clinics of one name. Now
-- both take the clinic's owners' turn (the advisory lock 'owners:' || clinic id, as owners stepping down take it,
-- tg_membership__guard_owners) before they read: the second reads what the first committed and is CONFLICT.

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
  -- the clinic's owners' turn, which a membership becoming an owner's takes (tg_membership__one_clinic_of_a_name_per_owner):
  -- a person made an owner meanwhile has committed, and is read below
  perform pg_advisory_xact_lock(hashtextextended('owners:' || new.id, 0));
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
comment on function app_private.tg_clinic__name_not_an_owners_other() is 'Trigger: refuses (CONFLICT) a clinic''s name changed to the name of another clinic one of its owners owns (accepted, active, not removed; compared by clinic_name_key, as create_clinic_with_owner compares), taking the clinic''s owners'' turn (the advisory lock ''owners:'' || its id, which a membership becoming an owner''s takes: tg_membership__one_clinic_of_a_name_per_owner) and then the owners'' phones'' locks (account_lock_key, in key order) first, as creation takes its owner''s; a change clinic_name_key does not see (of case, accents, white space, hyphens, apostrophes or dots alone) is not checked.';

create or replace function app_private.tg_membership__one_clinic_of_a_name_per_owner() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set clinicops.include_deleted = 'off'
    set clinicops.every_clinic = 'on'
    set clinicops.reinvitation = 'off'
    as $$
declare
  v_name text;
begin
  -- owned before this change already: nothing new (the trigger's condition says it is owned after)
  if tg_op = 'UPDATE' and old.role = 'owner' and old.is_active and old.deleted_at is null and old.accepted_at is not null then
    return new;
  end if;
  -- the phone's lock, as create_clinic_with_owner takes it for its owner and a rename for the clinic's owners: what they
  -- committed meanwhile is read below
  perform pg_advisory_xact_lock(app_private.account_lock_key(u.phone)) from app_public."user" u where u.id = new.user_id;
  -- the clinic's owners' turn, as a rename of it takes it (tg_clinic__name_not_an_owners_other) before reading its
  -- owners, which do not include this person yet: a rename meanwhile has committed, its name is read below. Not for a
  -- clinic's first member (create_clinic_with_owner's owner, of a clinic no one else sees yet), whose creation holds
  -- the owner's phone's lock alone
  if exists (select from app_public.membership o where o.clinic_id = new.clinic_id and o.id <> new.id) then
    perform pg_advisory_xact_lock(hashtextextended('owners:' || new.clinic_id, 0));
  end if;
  -- this clinic's name, which the refusal names (not the other clinic's, which the caller may not know)
  select c.name into v_name from app_public.clinic c where c.id = new.clinic_id;
  -- the person's other clinics (by their memberships' index), not every clinic's name
  if exists (
    select from app_public.membership o join app_public.clinic c on c.id = o.clinic_id
    where o.user_id = new.user_id and o.clinic_id <> new.clinic_id and o.role = 'owner'
      and o.deleted_at is null and o.is_active and o.accepted_at is not null
      and app_private.clinic_name_key(c.name) = app_private.clinic_name_key(v_name)
  ) then
    if new.user_id = app_public.current_user_id() then
      raise exception 'You already own a clinic named %: one of the two is renamed first (updateClinic), so that you tell them apart where you pick a clinic.', v_name
        using errcode = 'CCONF';
    end if;
    raise exception 'This person already owns a clinic named %: one of the two is renamed first (updateClinic), so that they tell them apart where they pick a clinic.', v_name
      using errcode = 'CCONF';
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_membership__one_clinic_of_a_name_per_owner() from public;
comment on function app_private.tg_membership__one_clinic_of_a_name_per_owner() is 'BEFORE INSERT or UPDATE, for each row, of a membership owned after it (role owner, active, accepted, not removed): one that was not (an owner invitation accepted, a member made an owner, an owner membership made active again or restored, an operator''s insert) is refused (CONFLICT) when the person owns another clinic whose name is this clinic''s as clinic_name_key compares them, as create_clinic_with_owner makes none and tg_clinic__name_not_an_owners_other renames none so; under the person''s phone''s lock (account_lock_key), which they take too, and then the clinic''s owners'' turn (''owners:'' || its id; not for a clinic''s first member, the owner create_clinic_with_owner makes), which a rename takes before reading its owners.';
