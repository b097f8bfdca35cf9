--! Previous: sha1:bb86445c4b6ae21ae1cb593c970244a5ad6defd6
--! Hash: sha1:036cb4e1d606b44604c7202f2b351bcbb604366a
--! Message: platform admins manage no memberships

--------------------------------------------------------------------------------
-- A platform administrator sees every clinic and membership, but manages none of them: the
-- membership policies let them update and delete any clinic's memberships, and the owners' guard
-- let them touch owners. One who was also, say, a doctor of a clinic made themselves its owner
-- (and so read its patients and money); any could suspend or demote the staff of every clinic.
-- Now they change memberships only as what they are in the session's clinic, like anyone; the
-- guard lets them add an owner only as a clinic's first member (createClinicWithOwner's owner).

drop policy if exists update_managers on app_public.membership;
create policy update_managers on app_public.membership for update using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin'))
);
drop policy if exists delete_managers on app_public.membership;
create policy delete_managers on app_public.membership for delete using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin'))
);

create or replace function app_private.tg_membership__guard_owners() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_row app_public.membership := coalesce(new, old);
  v_touches_owner boolean := (tg_op <> 'INSERT' and old.role = 'owner') or (tg_op <> 'DELETE' and new.role = 'owner');
  v_stays_owner boolean := tg_op = 'UPDATE' and new.role = 'owner' and new.is_active and new.deleted_at is null;
begin
  if tg_op = 'UPDATE' and (new.clinic_id, new.user_id) is distinct from (old.clinic_id, old.user_id) then
    raise exception 'A membership cannot move to another clinic or user.' using errcode = 'CFORB';
  end if;
  -- Without a session only trusted connections (owner, operators) get here. A platform admin adds
  -- an owner only as a clinic's first member: the owner of the clinic they create.
  if v_touches_owner and app_public.current_user_id() is not null
     and not (app_hidden.current_role_in('owner')
              or (tg_op = 'INSERT' and app_public.current_user_is_platform_admin()
                  and not exists (select 1 from app_public.membership m where m.clinic_id = new.clinic_id))) then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  if tg_op <> 'INSERT' and old.role = 'owner' and old.is_active and old.deleted_at is null and not v_stays_owner
     and not exists (
       select 1 from app_public.membership m
       where m.clinic_id = v_row.clinic_id and m.id <> v_row.id and m.role = 'owner' and m.is_active and m.deleted_at is null
     ) then
    raise exception 'A clinic must keep at least one active owner.' using errcode = 'CFORB';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
comment on function app_private.tg_membership__guard_owners() is 'BEFORE INSERT/UPDATE/DELETE: only owners manage owners (a platform admin only adds the first owner of a clinic they create), and a clinic always keeps an active owner.';
