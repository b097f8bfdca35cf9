--! Previous: sha1:fe78a2e3337ffd161c588e511fb791bedcac5d6a
--! Hash: sha1:3434417a1aed9bf43b0ef71ecb567bf221e6dcab
--! Message: service lines name a visit of the clinic; deleted services listed

--------------------------------------------------------------------------------
-- A service line names a visit of the session's clinic, or it is NOT_FOUND: a visit of another
-- clinic (or a mistyped id) answered FORBIDDEN, "You do not have permission to do this.", from the
-- row-level check of the insert's RETURNING, which runs before the foreign key's; now the snapshot
-- trigger, which already reads the visit, says there is no such visit in the clinic. The same for a
-- doctor naming a visit that is not theirs (they cannot see it); a member who sees the visit but may
-- not change its services (a cashier) is still FORBIDDEN. Found by the clinic-domain review.

create or replace function app_private.tg_visit_service__snapshot() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_line app_public.visit_service := case when tg_op = 'DELETE' then old else new end;
  v_status app_public.visit_status;
begin
  -- Seen at all (the select policy); the lock below reads only visits the session may also update.
  perform from app_public.visit v where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id;
  if not found then
    raise exception 'No such visit in your clinic.' using errcode = 'CNOTF';
  end if;
  select v.status into v_status from app_public.visit v
  where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id
  for share;
  if v_status in ('completed', 'cancelled', 'no_show') then
    raise exception 'The services of a % visit are frozen.', v_status using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'INSERT' then
    select s.price into new.unit_price from app_public.service s
    where s.clinic_id = new.clinic_id and s.id = new.service_id and s.is_active and s.deleted_at is null;
    if not found then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  else
    new.unit_price := old.unit_price;
    if (new.visit_id, new.service_id) is distinct from (old.visit_id, old.service_id) then
      raise exception 'Remove the line and add another instead of changing its visit or service.' using errcode = 'CINVL';
    end if;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit_service__snapshot() is 'BEFORE INSERT/UPDATE/DELETE: the line''s visit must be one the session sees in its clinic (NOT_FOUND otherwise); copies the catalog price at insert, keeps it afterwards, and freezes the services of finished visits; reads the visit FOR SHARE, so a line and a completion of its visit at once take turns.';

--------------------------------------------------------------------------------
-- Deleted services can be found to be restored: restoreService needs the service's id, and a
-- deleted service is hidden from every list (a deleted patient has deletedPatients). Same rules.

create or replace function app_public.deleted_services() returns setof app_public.service
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can list deleted services.' using errcode = 'CFORB';
  end if;
  perform set_config('clinicops.include_deleted', 'on', true);
  return query select s.* from app_public.service s
    where s.clinic_id = app_public.current_clinic_id() and s.deleted_at is not null
    order by s.deleted_at desc;
  perform set_config('clinicops.include_deleted', '', true);
end;
$$;
comment on function app_public.deleted_services() is 'The clinic''s deleted services, most recent first, for restoring. Owners and admins.';
