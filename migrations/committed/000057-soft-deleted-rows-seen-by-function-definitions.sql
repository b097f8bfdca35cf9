--! Previous: sha1:e2a424f2f49fbbe6a16c6013c8b3e5498ab00245
--! Hash: sha1:9d0a8624dfe79c49900931c9daa4f59a84df6dbc
--! Message: Soft-deleted rows seen by function definitions

-- Functions that read soft-deleted rows set clinicops.include_deleted in their definition (set ... = 'on'), which PostgreSQL restores to the caller's value on return; declining an invitation goes through soft_delete.
--
-- Until now each of them saved, set and restored the setting by hand, and three (deleted_patients,
-- deleted_services, restore) put back '' instead of what they found: called from a function that
-- had it on, they turned it off for the rest of that function. A function's SET clause cannot
-- forget, nor skip the restore on an early return. A non-superuser owner may name a custom setting
-- there only once granted SET on it (PostgreSQL 15): db/setup.ts grants it, as a superuser, before
-- any migration runs.
--
-- Each function below was read for what it does before and after its hand-set window, to be sure
-- that seeing deleted patients, services and memberships for the whole call changes nothing:
-- - restore, tg__soft_delete, deleted_patients, deleted_services, dashboard: the window was the
--   whole work; what came before it only checks the caller's role (the session, no policy) and
--   the dashboard's period.
-- - soft_delete: its first read asks for `deleted_at is null` itself and locks that row, so the
--   DELETE that follows (through the table's delete policy) finds the same live row.
-- - tg__patient_not_deleted, tg_membership__declined_stays_declined: their only query was in the
--   window; the rest compares NEW and OLD.
-- - create_invoice_from_visit: before the lines it reads the visit, its services and the clinic and
--   inserts the invoice, none of which reads a patient, service or membership through the policies
--   that hide deleted ones (the visit's policy asks for a live membership itself, and the patient
--   check of the invoice's trigger turned the setting on anyway); after them it reads the invoice
--   back. So no function needed splitting into a helper.
-- app_public.invite_member still sets it by hand here; the next migration, which restates it, does too.

create or replace function app_private.restore(sample anyelement, clinic_id uuid, id uuid) returns anyelement
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $_$
declare
  v_table text := pg_typeof(sample)::text;
  v_result alias for $0; -- typed as the actual row type
begin
  execute format(
    'update %s t set deleted_at = null, deleted_by = null where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null returning t.*',
    v_table
  ) into v_result using restore.clinic_id, restore.id;
  if v_result is null then
    raise exception 'Nothing to restore: no deleted row with that id in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_result;
end;
$_$;
comment on function app_private.restore(anyelement, uuid, uuid) is 'Restores a soft-deleted row (see soft_delete) and returns it; the table''s update policy decides who may. Sees deleted rows (clinicops.include_deleted) for its own duration only.';

create or replace function app_private.soft_delete(sample anyelement, clinic_id uuid, id uuid) returns anyelement
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $_$
declare
  v_table text := pg_typeof(sample)::text;
  v_result alias for $0; -- typed as the actual row type
  v_live boolean;
begin
  -- Only a row the caller may change, not deleted yet, is deleted and returned; a delete in flight
  -- holds the lock until it commits, and then the row is deleted: nothing here. (Deleted rows are
  -- visible in this function, so the live one is asked for by name.)
  execute format('select true from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is null for update', v_table)
    into v_live using soft_delete.clinic_id, soft_delete.id;
  if v_live then
    -- The DELETE goes through the table's delete policy; the trigger turns it into a soft delete.
    execute format('delete from %s where clinic_id = $1 and id = $2', v_table) using soft_delete.clinic_id, soft_delete.id;
    execute format('select t.* from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null', v_table)
      into v_result using soft_delete.clinic_id, soft_delete.id;
  end if;
  if v_result is null then
    raise exception 'Nothing to delete: no such row in this clinic, or you may not delete it.' using errcode = 'CNOTF';
  end if;
  return v_result;
end;
$_$;
comment on function app_private.soft_delete(anyelement, uuid, uuid) is 'Soft-deletes the row of the table whose row type `sample` is (pass null::app_public.patient) and returns it; the table''s delete policy decides who may. A row already deleted, or one the caller may not delete, is NOT_FOUND and nothing of it is returned. Sees deleted rows (clinicops.include_deleted) for its own duration only.';

create or replace function app_private.tg__patient_not_deleted() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
declare
  v_deleted boolean;
begin
  if tg_op = 'INSERT' or new.patient_id is distinct from old.patient_id then
    -- deleted rows are hidden by the select policy (which binds this definer too) unless asked for,
    -- as this function's definition does
    select p.deleted_at is not null into v_deleted from app_public.patient p where p.clinic_id = new.clinic_id and p.id = new.patient_id;
    if v_deleted then
      raise exception 'This patient was deleted: restore them before booking or billing them.' using errcode = 'CINVL';
    end if;
  end if;
  return new;
end;
$$;

create or replace function app_private.tg__soft_delete() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $_$
begin
  execute format(
    'update %I.%I set deleted_at = now(), deleted_by = app_public.current_user_id() where clinic_id = $1 and id = $2 and deleted_at is null',
    tg_table_schema, tg_table_name
  ) using old.clinic_id, old.id;
  return null; -- the row stays; the DELETE itself does nothing
end;
$_$;

create or replace function app_private.tg_membership__declined_stays_declined() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
begin
  if tg_op = 'UPDATE' then
    if old.deleted_at is not null and new.deleted_at is null and old.accepted_at is null and old.deleted_by = old.user_id then
      raise exception 'They declined this invitation: it cannot be brought back.' using errcode = 'CFORB';
    end if;
    return new;
  end if;
  -- the declined invitations are removed rows, which the policies show only with include_deleted
  -- (on in this function's definition)
  if exists (
    select 1 from app_public.membership m
    where m.clinic_id = new.clinic_id and m.user_id = new.user_id
      and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > now() - interval '30 days'
  ) then
    raise exception 'They declined an invitation from this clinic less than 30 days ago.' using errcode = 'CCONF';
  end if;
  return new;
end;
$$;

create or replace function app_public.create_invoice_from_visit(visit_id uuid) returns app_public.invoice
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
declare
  v_visit app_public.visit;
  v_invoice app_public.invoice;
begin
  if not app_hidden.may_invoice() then
    raise exception 'You may not create invoices in this clinic.' using errcode = 'CFORB';
  end if;
  select * into v_visit from app_public.visit v
  where v.clinic_id = app_public.current_clinic_id() and v.id = create_invoice_from_visit.visit_id;
  if v_visit.id is null then
    raise exception 'No such visit in this clinic.' using errcode = 'CNOTF';
  end if;
  if v_visit.status in ('cancelled', 'no_show') then
    raise exception 'A % visit is not invoiced.', v_visit.status using errcode = 'CINVL';
  end if;
  if not exists (select 1 from app_public.visit_service s where s.clinic_id = v_visit.clinic_id and s.visit_id = v_visit.id) then
    raise exception 'This visit has no services to invoice.' using errcode = 'CINVL';
  end if;
  insert into app_public.invoice (clinic_id, patient_id, visit_id) values (v_visit.clinic_id, v_visit.patient_id, v_visit.id)
  returning * into v_invoice;
  -- a service deleted from the catalog since the visit was given it is billed all the same (this
  -- function sees deleted rows: its definition sets clinicops.include_deleted)
  insert into app_public.invoice_line (clinic_id, invoice_id, service_id, visit_service_id, description, quantity, unit_price, discount, tax_rate)
  select s.clinic_id, v_invoice.id, s.service_id, s.id, svc.name, s.quantity, s.unit_price,
         least(round(s.discount, d.decimals), round(s.quantity * s.unit_price, d.decimals)), v_invoice.tax_rate
  from app_public.visit_service s join app_public.service svc on svc.clinic_id = s.clinic_id and svc.id = s.service_id
  cross join (select app_public.currency_decimals(v_invoice.currency) as decimals) d
  where s.clinic_id = v_visit.clinic_id and s.visit_id = v_visit.id
  order by s.created_at;
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id;
  return v_invoice;
end;
$$;

create or replace function app_public.dashboard(from_date date, to_date date) returns app_public.dashboard
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can see the dashboard.' using errcode = 'CFORB';
  end if;
  if from_date is null or to_date is null or to_date < from_date or to_date - from_date > 366 then
    raise exception 'Give a period of at most 367 days: fromDate on or before toDate.' using errcode = 'CINVL';
  end if;
  -- deleted services and removed members still name the figures they made (include_deleted is on
  -- in this function's definition)
  return app_private.dashboard_for(app_public.current_clinic_id(), from_date, to_date);
end;
$$;

create or replace function app_public.deleted_patients() returns setof app_public.patient
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can list deleted patients.' using errcode = 'CFORB';
  end if;
  return query select p.* from app_public.patient p
    where p.clinic_id = app_public.current_clinic_id() and p.deleted_at is not null
    order by p.deleted_at desc;
end;
$$;

create or replace function app_public.deleted_services() returns setof app_public.service
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can list deleted services.' using errcode = 'CFORB';
  end if;
  return query select s.* from app_public.service s
    where s.clinic_id = app_public.current_clinic_id() and s.deleted_at is not null
    order by s.deleted_at desc;
end;
$$;

-- Declining goes through soft_delete, as removeMember does, instead of an UPDATE of its own: the
-- row is locked and soft-deleted one way everywhere. soft_delete's DELETE needs a delete policy that
-- lets the person remove their own pending invitation, for the owner role only (inside security
-- definer functions), as own_invitations and answer_own_invitations let it read and answer it; the
-- visitor role has no such policy. The owners' guard counts that DELETE as the person's own answer,
-- as it counts accepting (an owner's invitation was refused otherwise, to anyone not an owner of the
-- session's clinic).
drop policy if exists decline_own_invitations on app_public.membership;
create policy decline_own_invitations on app_public.membership for delete to :DATABASE_OWNER
  using (user_id = (select app_public.current_user_id()) and accepted_at is null and deleted_at is null);

create or replace function app_private.tg_membership__guard_owners() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_row app_public.membership := coalesce(new, old);
  v_touches_owner boolean := (tg_op <> 'INSERT' and old.role = 'owner') or (tg_op <> 'DELETE' and new.role = 'owner');
  v_stays_owner boolean := tg_op = 'UPDATE' and new.role = 'owner' and new.is_active and new.deleted_at is null
                           and new.accepted_at is not null;
  -- the person answering their own pending invitation: accepting it (an UPDATE leaving role and
  -- is_active as they were) or declining it (a DELETE, which the soft delete turns into an UPDATE)
  v_own_answer boolean := tg_op <> 'INSERT' and old.accepted_at is null and old.user_id = app_public.current_user_id()
                          and (tg_op = 'DELETE' or (new.role, new.is_active) = (old.role, old.is_active));
begin
  if tg_op = 'UPDATE' and (new.clinic_id, new.user_id) is distinct from (old.clinic_id, old.user_id) then
    raise exception 'A membership cannot move to another clinic or user.' using errcode = 'CFORB';
  end if;
  if tg_op = 'UPDATE' and old.accepted_at is not null and new.accepted_at is null then
    raise exception 'An accepted membership cannot become an invitation again.' using errcode = 'CFORB';
  end if;
  -- Without a session only trusted connections (owner, operators) get here. A platform admin adds
  -- an owner only as a clinic's first member: the owner of the clinic they create.
  if v_touches_owner and app_public.current_user_id() is not null and not v_own_answer
     and not (app_hidden.current_role_in('owner')
              or (tg_op = 'INSERT' and app_public.current_user_is_platform_admin()
                  and not exists (select 1 from app_public.membership m where m.clinic_id = new.clinic_id))) then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  if tg_op <> 'INSERT' and old.role = 'owner' and old.is_active and old.deleted_at is null and old.accepted_at is not null
     and not v_stays_owner
     and not exists (
       select 1 from app_public.membership m
       where m.clinic_id = v_row.clinic_id and m.id <> v_row.id and m.role = 'owner' and m.is_active and m.deleted_at is null
         and m.accepted_at is not null
     ) then
    raise exception 'A clinic must keep at least one active owner.' using errcode = 'CFORB';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;

create or replace function app_public.decline_invitation(clinic_id uuid) returns boolean
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_user uuid := app_public.current_user_id();
  v_membership uuid;
begin
  if v_user is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  -- the person's pending membership, locked: the clinic withdrawing it at the same time went first
  -- (then there is nothing to decline) or waits
  select m.id into v_membership from app_public.membership m
  where m.clinic_id = decline_invitation.clinic_id and m.user_id = v_user and m.accepted_at is null and m.deleted_at is null
  for update;
  if v_membership is null then
    raise exception 'You have no pending invitation from that clinic.' using errcode = 'CNOTF';
  end if;
  -- a soft delete by the person (audited as such in the clinic's chain), through decline_own_invitations
  perform app_private.soft_delete(null::app_public.membership, decline_invitation.clinic_id, v_membership);
  return true;
end;
$$;
