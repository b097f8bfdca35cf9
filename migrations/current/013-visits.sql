-- Visits and their lifecycle:
--   scheduled -> checked_in -> in_progress -> completed
--   scheduled | checked_in -> cancelled (with a reason);  scheduled -> no_show
-- The database refuses every other transition and stamps each step's time and actor.

create type app_public.visit_status as enum ('scheduled', 'checked_in', 'in_progress', 'completed', 'cancelled', 'no_show');
comment on type app_public.visit_status is 'Where a visit is in its lifecycle.';

create or replace function app_public.current_membership_id() returns uuid
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select m.id from app_public.membership m
  where m.clinic_id = app_public.current_clinic_id() and m.user_id = app_public.current_user_id() and m.deleted_at is null;
$$;
comment on function app_public.current_membership_id() is E'@behavior -queryField\nThe membership of the current user in the current clinic (a doctor''s visits point at it).';

create table app_public.visit (
  clinic_id uuid not null default app_public.current_clinic_id() references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  code text not null,
  patient_id uuid not null,
  doctor_id uuid not null,
  scheduled_at timestamptz not null,
  reason text check (char_length(reason) <= 1000),
  status app_public.visit_status not null default 'scheduled',
  checked_in_at timestamptz,
  checked_in_by uuid,
  started_at timestamptz,
  started_by uuid,
  completed_at timestamptz,
  completed_by uuid,
  cancelled_at timestamptz,
  cancelled_by uuid,
  cancel_reason text check (char_length(cancel_reason) <= 500),
  no_show_at timestamptz,
  no_show_by uuid,
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  primary key (clinic_id, id),
  unique (clinic_id, code),
  foreign key (clinic_id, patient_id) references app_public.patient (clinic_id, id),
  foreign key (clinic_id, doctor_id) references app_public.membership (clinic_id, id)
);
create index visit_clinic_scheduled_idx on app_public.visit (clinic_id, scheduled_at);
create index visit_clinic_status_idx on app_public.visit (clinic_id, status, scheduled_at);
create index visit_clinic_doctor_idx on app_public.visit (clinic_id, doctor_id, scheduled_at);
create index visit_clinic_patient_idx on app_public.visit (clinic_id, patient_id, scheduled_at);
comment on table app_public.visit is E'@behavior -delete\nA patient''s visit to a doctor. Change `status` to move it along its lifecycle; cancel it rather than deleting it.';
comment on column app_public.visit.clinic_id is 'The clinic; always the session''s clinic.';
comment on column app_public.visit.id is 'Internal identifier.';
comment on column app_public.visit.code is 'Human-readable code, VIS-000001, allocated by the database.';
comment on column app_public.visit.patient_id is 'The patient (of the same clinic).';
comment on column app_public.visit.doctor_id is 'The doctor: a membership of this clinic with the doctor role.';
comment on column app_public.visit.scheduled_at is 'When the visit is booked for.';
comment on column app_public.visit.reason is 'Why the patient comes.';
comment on column app_public.visit.status is 'scheduled, checked_in, in_progress, completed, cancelled or no_show; only the lifecycle''s transitions are accepted.';
comment on column app_public.visit.checked_in_at is 'When the patient checked in.';
comment on column app_public.visit.checked_in_by is 'Who checked the patient in.';
comment on column app_public.visit.started_at is 'When the consultation started.';
comment on column app_public.visit.started_by is 'Who started it.';
comment on column app_public.visit.completed_at is 'When the visit was completed.';
comment on column app_public.visit.completed_by is 'Who completed it.';
comment on column app_public.visit.cancelled_at is 'When the visit was cancelled.';
comment on column app_public.visit.cancelled_by is 'Who cancelled it.';
comment on column app_public.visit.cancel_reason is 'Why it was cancelled (required to cancel).';
comment on column app_public.visit.no_show_at is 'When the visit was marked as a no-show.';
comment on column app_public.visit.no_show_by is 'Who marked it.';
comment on column app_public.visit.created_at is 'When the visit was booked.';
comment on column app_public.visit.created_by is 'Who booked it.';
comment on column app_public.visit.updated_at is 'When the row last changed.';
comment on column app_public.visit.updated_by is 'User who last changed the row.';

create or replace function app_private.tg_visit__check_doctor() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if tg_op = 'INSERT' or new.doctor_id is distinct from old.doctor_id then
    if not exists (
      select 1 from app_public.membership m
      where m.clinic_id = new.clinic_id and m.id = new.doctor_id and m.role = 'doctor' and m.is_active and m.deleted_at is null
    ) then
      raise exception 'The doctor must be an active member of this clinic with the doctor role.' using errcode = 'CINVL';
    end if;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__check_doctor() is 'BEFORE INSERT OR UPDATE OF doctor_id: the doctor is an active doctor of the same clinic.';

create or replace function app_private.tg_visit__lifecycle() returns trigger
language plpgsql
as $$
declare
  v_actor uuid := app_public.current_user_id();
  v_is_own_doctor boolean := new.doctor_id = app_public.current_membership_id() and app_hidden.current_role_in('doctor');
  v_front_desk boolean := app_hidden.current_role_in('owner', 'admin', 'receptionist') or v_actor is null;
begin
  if tg_op = 'INSERT' then
    if new.status <> 'scheduled' then
      raise exception 'A new visit starts as scheduled.' using errcode = 'CTRAN';
    end if;
    return new;
  end if;

  if old.status in ('completed', 'cancelled', 'no_show')
     and (to_jsonb(new) - 'updated_at' - 'updated_by') <> (to_jsonb(old) - 'updated_at' - 'updated_by') then
    raise exception 'A % visit cannot change any more.', old.status using errcode = 'CTRAN';
  end if;
  if (new.patient_id, new.doctor_id, new.scheduled_at, new.reason) is distinct from (old.patient_id, old.doctor_id, old.scheduled_at, old.reason)
     and not v_front_desk then
    raise exception 'Only the front desk can reschedule a visit.' using errcode = 'CFORB';
  end if;

  if new.status is distinct from old.status then
    if not ((old.status, new.status) in (
      ('scheduled'::app_public.visit_status, 'checked_in'::app_public.visit_status),
      ('checked_in', 'in_progress'), ('in_progress', 'completed'),
      ('scheduled', 'cancelled'), ('checked_in', 'cancelled'), ('scheduled', 'no_show')
    )) then
      raise exception 'A visit cannot go from % to %.', old.status, new.status using errcode = 'CTRAN';
    end if;
    if new.status in ('in_progress', 'completed') and not (v_is_own_doctor or app_hidden.current_role_in('owner', 'admin') or v_actor is null) then
      raise exception 'Only the visit''s doctor, an owner or an admin can start or complete it.' using errcode = 'CFORB';
    end if;
    if new.status in ('checked_in', 'cancelled', 'no_show') and not v_front_desk then
      raise exception 'Only the front desk can check in, cancel or mark a no-show.' using errcode = 'CFORB';
    end if;
    case new.status
      when 'checked_in' then new.checked_in_at := now(); new.checked_in_by := v_actor;
      when 'in_progress' then new.started_at := now(); new.started_by := v_actor;
      when 'completed' then new.completed_at := now(); new.completed_by := v_actor;
      when 'cancelled' then
        if nullif(btrim(new.cancel_reason), '') is null then
          raise exception 'A reason is required to cancel a visit.' using errcode = 'CINVL';
        end if;
        new.cancelled_at := now(); new.cancelled_by := v_actor;
      when 'no_show' then new.no_show_at := now(); new.no_show_by := v_actor;
      else null;
    end case;
  elsif new.cancel_reason is distinct from old.cancel_reason then
    raise exception 'A cancel reason goes with cancelling the visit.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__lifecycle() is 'BEFORE INSERT OR UPDATE: enforces the visit lifecycle and who may take each step (INVALID_TRANSITION, FORBIDDEN), and stamps the step''s time and actor.';

create or replace function app_private.tg_visit__notify() returns trigger
language plpgsql
as $$
begin
  perform pg_notify('clinicops:visits:' || new.clinic_id, json_build_object('id', new.id, 'status', new.status)::text);
  return null;
end;
$$;
comment on function app_private.tg_visit__notify() is 'AFTER INSERT OR UPDATE: tells subscribers of the clinic''s visit queue (GraphQL subscription visitQueueChanged).';

alter table app_public.visit enable row level security;
alter table app_public.visit force row level security;
create policy system_context on app_public.visit to :DATABASE_OWNER using ((select app_hidden.in_system_context()));

create policy select_clinic on app_public.visit for select using (
  clinic_id = (select app_public.current_clinic_id())
  and ((select app_hidden.current_role_in('owner', 'admin', 'receptionist', 'cashier'))
       or doctor_id = (select app_public.current_membership_id()))
);
create policy insert_front_desk on app_public.visit for insert with check (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin', 'receptionist'))
);
create policy update_front_desk_and_doctor on app_public.visit for update using (
  clinic_id = (select app_public.current_clinic_id())
  and ((select app_hidden.current_role_in('owner', 'admin', 'receptionist'))
       or doctor_id = (select app_public.current_membership_id()))
);
grant select on app_public.visit to :DATABASE_VISITOR;
grant insert (patient_id, doctor_id, scheduled_at, reason) on app_public.visit to :DATABASE_VISITOR;
grant update (patient_id, doctor_id, scheduled_at, reason, status, cancel_reason) on app_public.visit to :DATABASE_VISITOR;

create trigger _100_timestamps before insert or update on app_public.visit
  for each row execute function app_private.tg__timestamps();
create trigger _110_code before insert or update on app_public.visit
  for each row execute function app_private.tg__assign_code('VIS');
create trigger _150_check_doctor before insert or update of doctor_id on app_public.visit
  for each row execute function app_private.tg_visit__check_doctor();
create trigger _200_lifecycle before insert or update on app_public.visit
  for each row execute function app_private.tg_visit__lifecycle();
create trigger _500_audit after insert or update or delete on app_public.visit
  for each row execute function app_private.tg__audit();
create trigger _700_notify after insert or update of status on app_public.visit
  for each row execute function app_private.tg_visit__notify();

---------------------------------------------------------------- services of a visit
create table app_public.visit_service (
  clinic_id uuid not null default app_public.current_clinic_id() references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  visit_id uuid not null,
  service_id uuid not null,
  quantity integer not null default 1 check (quantity between 1 and 1000),
  unit_price numeric(16, 3) not null check (unit_price >= 0),
  discount numeric(16, 3) not null default 0 check (discount >= 0),
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  primary key (clinic_id, id),
  foreign key (clinic_id, visit_id) references app_public.visit (clinic_id, id),
  foreign key (clinic_id, service_id) references app_public.service (clinic_id, id),
  check (discount <= quantity * unit_price)
);
create index visit_service_visit_idx on app_public.visit_service (clinic_id, visit_id);
create index visit_service_service_idx on app_public.visit_service (clinic_id, service_id);
comment on table app_public.visit_service is 'A service given during a visit, with the unit price it had in the catalog at that moment.';
comment on column app_public.visit_service.clinic_id is 'The clinic; always the session''s clinic.';
comment on column app_public.visit_service.id is 'Internal identifier.';
comment on column app_public.visit_service.visit_id is 'The visit (of the same clinic).';
comment on column app_public.visit_service.service_id is 'The service (of the same clinic, active, not deleted).';
comment on column app_public.visit_service.quantity is 'How many (1 to 1000).';
comment on column app_public.visit_service.unit_price is 'Price of one unit when it was added: copied from the catalog by the database.';
comment on column app_public.visit_service.discount is 'Discount on this line in the clinic''s currency; at most quantity × unit price.';
comment on column app_public.visit_service.created_at is 'When the service was added.';
comment on column app_public.visit_service.created_by is 'Who added it.';
comment on column app_public.visit_service.updated_at is 'When the row last changed.';
comment on column app_public.visit_service.updated_by is 'User who last changed the row.';

create or replace function app_private.tg_visit_service__snapshot() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_line app_public.visit_service := case when tg_op = 'DELETE' then old else new end;
  v_status app_public.visit_status;
begin
  select v.status into v_status from app_public.visit v
  where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id;
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
comment on function app_private.tg_visit_service__snapshot() is 'BEFORE INSERT/UPDATE/DELETE: copies the catalog price at insert, keeps it afterwards, and freezes the services of finished visits.';

alter table app_public.visit_service enable row level security;
alter table app_public.visit_service force row level security;
create policy system_context on app_public.visit_service to :DATABASE_OWNER using ((select app_hidden.in_system_context()));

-- A line is visible, and changeable, with its visit: the visit's own policies decide.
create policy select_with_visit on app_public.visit_service for select using (
  clinic_id = (select app_public.current_clinic_id())
  and exists (select 1 from app_public.visit v where v.clinic_id = visit_service.clinic_id and v.id = visit_service.visit_id)
);
create policy insert_clinicians on app_public.visit_service for insert with check (
  clinic_id = (select app_public.current_clinic_id())
  and ((select app_hidden.current_role_in('owner', 'admin'))
       or exists (select 1 from app_public.visit v where v.clinic_id = visit_service.clinic_id and v.id = visit_service.visit_id
                  and v.doctor_id = (select app_public.current_membership_id())))
);
create policy update_clinicians on app_public.visit_service for update using (
  clinic_id = (select app_public.current_clinic_id())
  and ((select app_hidden.current_role_in('owner', 'admin'))
       or exists (select 1 from app_public.visit v where v.clinic_id = visit_service.clinic_id and v.id = visit_service.visit_id
                  and v.doctor_id = (select app_public.current_membership_id())))
);
create policy delete_clinicians on app_public.visit_service for delete using (
  clinic_id = (select app_public.current_clinic_id())
  and ((select app_hidden.current_role_in('owner', 'admin'))
       or exists (select 1 from app_public.visit v where v.clinic_id = visit_service.clinic_id and v.id = visit_service.visit_id
                  and v.doctor_id = (select app_public.current_membership_id())))
);
grant select on app_public.visit_service to :DATABASE_VISITOR;
grant insert (visit_id, service_id, quantity, discount) on app_public.visit_service to :DATABASE_VISITOR;
grant update (quantity, discount) on app_public.visit_service to :DATABASE_VISITOR;
grant delete on app_public.visit_service to :DATABASE_VISITOR;

create trigger _100_timestamps before insert or update on app_public.visit_service
  for each row execute function app_private.tg__timestamps();
create trigger _200_snapshot before insert or update or delete on app_public.visit_service
  for each row execute function app_private.tg_visit_service__snapshot();
create trigger _500_audit after insert or update or delete on app_public.visit_service
  for each row execute function app_private.tg__audit();

-- Relation names in the API (the keys include clinic_id, which would otherwise show in the names).
comment on constraint visit_clinic_id_patient_id_fkey on app_public.visit is E'@fieldName patient\n@foreignFieldName visits';
comment on constraint visit_clinic_id_doctor_id_fkey on app_public.visit is E'@fieldName doctor\n@foreignFieldName doctorVisits';
comment on constraint visit_service_clinic_id_visit_id_fkey on app_public.visit_service is E'@fieldName visit\n@foreignFieldName services';
comment on constraint visit_service_clinic_id_service_id_fkey on app_public.visit_service is E'@fieldName service\n@foreignFieldName visitServices';
