--! Previous: sha1:1bfd2b8d296aa55e869c72797c1cb1c602259812
--! Hash: sha1:e8f189f39c727b43cdac2993e118f69e01c75611
--! Message: clinic domain

--! split: 010-clinic-settings.sql
-- Clinic settings: the currency must be an ISO 4217 code in use.

create or replace function app_public.is_valid_currency(code text) returns boolean
language sql immutable
as $$
  select code = any ('{AED,AFN,ALL,AMD,ANG,AOA,ARS,AUD,AWG,AZN,BAM,BBD,BDT,BGN,BHD,BIF,BMD,BND,BOB,BRL,BSD,BTN,BWP,BYN,BZD,
    CAD,CDF,CHF,CLP,CNY,COP,CRC,CUP,CVE,CZK,DJF,DKK,DOP,DZD,EGP,ERN,ETB,EUR,FJD,FKP,GBP,GEL,GHS,GIP,GMD,GNF,GTQ,GYD,
    HKD,HNL,HTG,HUF,IDR,ILS,INR,IQD,IRR,ISK,JMD,JOD,JPY,KES,KGS,KHR,KMF,KPW,KRW,KWD,KYD,KZT,LAK,LBP,LKR,LRD,LSL,LYD,
    MAD,MDL,MGA,MKD,MMK,MNT,MOP,MRU,MUR,MVR,MWK,MXN,MYR,MZN,NAD,NGN,NIO,NOK,NPR,NZD,OMR,PAB,PEN,PGK,PHP,PKR,PLN,PYG,
    QAR,RON,RSD,RUB,RWF,SAR,SBD,SCR,SDG,SEK,SGD,SHP,SLE,SOS,SRD,SSP,STN,SVC,SYP,SZL,THB,TJS,TMT,TND,TOP,TRY,TTD,TWD,
    TZS,UAH,UGX,USD,UYU,UZS,VES,VND,VUV,WST,XAF,XCD,XCG,XOF,XPF,YER,ZAR,ZMW,ZWG}'::text[]);
$$;
comment on function app_public.is_valid_currency(text) is 'True when `code` is an ISO 4217 currency code in circulation, e.g. TZS or KES.';

alter table app_public.clinic drop constraint if exists clinic_currency_check;
alter table app_public.clinic add constraint clinic_currency_check check (app_public.is_valid_currency(currency));

--! split: 011-services.sql
-- The service catalog: what a clinic charges for. Prices keep their history;
-- whatever was charged keeps the price it was charged at (visit_service.unit_price).

create extension if not exists btree_gin with schema public;

create table app_public.service (
  clinic_id uuid not null default app_public.current_clinic_id() references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  code text not null,
  name text not null check (char_length(btrim(name)) between 1 and 200),
  category text check (char_length(category) <= 100),
  price numeric(16, 3) not null check (price >= 0),
  duration_minutes integer check (duration_minutes between 1 and 1440),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  deleted_at timestamptz,
  deleted_by uuid,
  primary key (clinic_id, id),
  unique (clinic_id, code)
);
create index service_clinic_name_idx on app_public.service (clinic_id, name);
create index service_clinic_category_idx on app_public.service (clinic_id, category);
comment on table app_public.service is E'@behavior -delete\nA service in the clinic''s catalog (consultation, test, procedure). Delete with deleteService (soft delete), bring back with restoreService.';
comment on column app_public.service.clinic_id is 'The clinic; always the session''s clinic.';
comment on column app_public.service.id is 'Internal identifier.';
comment on column app_public.service.code is 'Human-readable code, SRV-000001, allocated by the database.';
comment on column app_public.service.name is 'Name on the catalog and on invoices (1 to 200 characters).';
comment on column app_public.service.category is 'Free grouping such as Consultation, Laboratory, Pharmacy.';
comment on column app_public.service.price is 'Current price in the clinic''s currency; never negative. Changes are kept in serviceprices.';
comment on column app_public.service.duration_minutes is 'Typical duration, for scheduling.';
comment on column app_public.service.is_active is 'Inactive services stay in history but cannot be added to visits.';
comment on column app_public.service.created_at is 'When the row was created.';
comment on column app_public.service.created_by is 'User who created the row.';
comment on column app_public.service.updated_at is 'When the row last changed.';
comment on column app_public.service.updated_by is 'User who last changed the row.';
comment on column app_public.service.deleted_at is 'When the service was deleted (soft delete); null while in the catalog.';
comment on column app_public.service.deleted_by is 'User who deleted it.';

create table app_public.service_price (
  clinic_id uuid not null,
  id uuid not null default gen_random_uuid(),
  service_id uuid not null,
  price numeric(16, 3) not null check (price >= 0),
  effective_from timestamptz not null,
  effective_to timestamptz,
  changed_by uuid,
  primary key (clinic_id, id),
  foreign key (clinic_id, service_id) references app_public.service (clinic_id, id),
  check (effective_to is null or effective_to >= effective_from)
);
create unique index service_price_one_current on app_public.service_price (clinic_id, service_id) where effective_to is null;
create index service_price_service_idx on app_public.service_price (clinic_id, service_id, effective_from);
comment on table app_public.service_price is E'@behavior -insert -update -delete\nThe price history of a service, written by the database whenever the price changes.';
comment on column app_public.service_price.clinic_id is 'The clinic.';
comment on column app_public.service_price.id is 'Internal identifier.';
comment on column app_public.service_price.service_id is 'The service.';
comment on column app_public.service_price.price is 'The price in force between effective_from and effective_to.';
comment on column app_public.service_price.effective_from is 'From when this price applied.';
comment on column app_public.service_price.effective_to is 'Until when it applied; null for the current price.';
comment on column app_public.service_price.changed_by is 'Who set this price.';

create or replace function app_private.tg_service__record_price() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if tg_op = 'UPDATE' then
    if new.price = old.price then
      return null;
    end if;
    update app_public.service_price p set effective_to = now()
    where p.clinic_id = new.clinic_id and p.service_id = new.id and p.effective_to is null;
  end if;
  insert into app_public.service_price (clinic_id, service_id, price, effective_from, changed_by)
  values (new.clinic_id, new.id, new.price, now(), app_public.current_user_id());
  return null;
end;
$$;
comment on function app_private.tg_service__record_price() is 'AFTER INSERT OR UPDATE OF price: closes the current price and opens the new one.';

alter table app_public.service enable row level security;
alter table app_public.service force row level security;
create policy system_context on app_public.service to :DATABASE_OWNER using ((select app_hidden.in_system_context()));
alter table app_public.service_price enable row level security;
alter table app_public.service_price force row level security;
create policy system_context on app_public.service_price to :DATABASE_OWNER using ((select app_hidden.in_system_context()));

create policy select_clinic on app_public.service for select using (
  clinic_id = (select app_public.current_clinic_id()) and (deleted_at is null or (select app_hidden.include_deleted()))
);
create policy insert_managers on app_public.service for insert with check (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin'))
);
create policy update_managers on app_public.service for update using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin'))
);
create policy delete_managers on app_public.service for delete using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin'))
);
grant select on app_public.service to :DATABASE_VISITOR;
grant insert (name, category, price, duration_minutes, is_active) on app_public.service to :DATABASE_VISITOR;
grant update (name, category, price, duration_minutes, is_active) on app_public.service to :DATABASE_VISITOR;
grant delete on app_public.service to :DATABASE_VISITOR;

create policy select_clinic on app_public.service_price for select using (clinic_id = (select app_public.current_clinic_id()));
create policy insert_with_service on app_public.service_price for insert with check (clinic_id = (select app_public.current_clinic_id()));
create policy update_with_service on app_public.service_price for update using (clinic_id = (select app_public.current_clinic_id()));
grant select on app_public.service_price to :DATABASE_VISITOR;

create trigger _100_timestamps before insert or update on app_public.service
  for each row execute function app_private.tg__timestamps();
create trigger _110_code before insert or update on app_public.service
  for each row execute function app_private.tg__assign_code('SRV');
create trigger _300_soft_delete before delete on app_public.service
  for each row execute function app_private.tg__soft_delete();
create trigger _500_audit after insert or update or delete on app_public.service
  for each row execute function app_private.tg__audit();
create trigger _600_record_price after insert or update of price on app_public.service
  for each row execute function app_private.tg_service__record_price();

create or replace function app_public.delete_service(service_id uuid) returns app_public.service
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  select app_private.soft_delete(null::app_public.service, app_public.current_clinic_id(), service_id);
$$;
comment on function app_public.delete_service(uuid) is 'Removes a service from the catalog (soft delete: visits that used it keep it). Owners and admins.';

create or replace function app_public.restore_service(service_id uuid) returns app_public.service
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  select app_private.restore(null::app_public.service, app_public.current_clinic_id(), service_id);
$$;
comment on function app_public.restore_service(uuid) is 'Brings a deleted service back into the catalog. Owners and admins.';

create or replace function app_public.service_price_at(service app_public.service, at timestamptz) returns numeric
language sql stable
as $$
  select p.price from app_public.service_price p
  where p.clinic_id = service.clinic_id and p.service_id = service.id
    and p.effective_from <= at and (p.effective_to is null or p.effective_to > at)
  order by p.effective_from desc limit 1;
$$;
comment on function app_public.service_price_at(app_public.service, timestamptz) is 'The price of the service at a given time.';

comment on constraint service_price_clinic_id_service_id_fkey on app_public.service_price is E'@fieldName service\n@foreignFieldName prices';

--! split: 012-patients.sql
-- The patient registry: codes, normalised phones, soft delete, search that
-- stays fast at a million patients, and duplicate warnings.

create type app_public.sex as enum ('female', 'male', 'other', 'unknown');
comment on type app_public.sex is 'Sex as recorded by the clinic.';

create table app_public.patient (
  clinic_id uuid not null default app_public.current_clinic_id() references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  code text not null,
  first_name text not null check (char_length(first_name) between 1 and 100),
  last_name text not null check (char_length(last_name) between 1 and 100),
  phone text check (phone ~ '^\+[1-9][0-9]{6,14}$'),
  date_of_birth date check (date_of_birth >= '1900-01-01'),
  sex app_public.sex not null default 'unknown',
  address text check (char_length(address) <= 500),
  notes text check (char_length(notes) <= 5000),
  search_text text generated always as (lower(first_name || ' ' || last_name || ' ' || code || ' ' || coalesce(phone, ''))) stored,
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  deleted_at timestamptz,
  deleted_by uuid,
  primary key (clinic_id, id),
  unique (clinic_id, code)
);
create index patient_search_idx on app_public.patient using gin (clinic_id, search_text gin_trgm_ops);
create index patient_clinic_phone_idx on app_public.patient (clinic_id, phone);
create index patient_clinic_name_dob_idx on app_public.patient (clinic_id, lower(last_name), lower(first_name), date_of_birth);
create index patient_clinic_created_idx on app_public.patient (clinic_id, created_at);
create index patient_clinic_last_name_idx on app_public.patient (clinic_id, last_name);
comment on table app_public.patient is E'@behavior -delete\nA patient of the clinic. Delete with deletePatient (soft delete: hidden, kept), bring back with restorePatient.';
comment on column app_public.patient.clinic_id is 'The clinic; always the session''s clinic.';
comment on column app_public.patient.id is 'Internal identifier.';
comment on column app_public.patient.code is 'Human-readable code, PAT-000001, allocated by the database.';
comment on column app_public.patient.first_name is 'Given name(s).';
comment on column app_public.patient.last_name is 'Family name.';
comment on column app_public.patient.phone is 'Phone in E.164; typed national numbers are completed with the clinic''s country code.';
comment on column app_public.patient.date_of_birth is 'Date of birth; not in the future.';
comment on column app_public.patient.sex is 'Sex as recorded.';
comment on column app_public.patient.address is 'Postal address.';
comment on column app_public.patient.notes is 'Free notes (up to 5,000 characters).';
comment on column app_public.patient.search_text is E'@behavior -*\nWhat searchPatients matches: names, code and phone, lower-cased.';
comment on column app_public.patient.created_at is 'When the patient was registered.';
comment on column app_public.patient.created_by is 'Who registered the patient.';
comment on column app_public.patient.updated_at is 'When the row last changed.';
comment on column app_public.patient.updated_by is 'User who last changed the row.';
comment on column app_public.patient.deleted_at is 'When the patient was deleted (soft delete); null otherwise.';
comment on column app_public.patient.deleted_by is 'Who deleted the patient.';

create or replace function app_private.tg_patient__normalize() returns trigger
language plpgsql
as $$
begin
  new.first_name := btrim(new.first_name);
  new.last_name := btrim(new.last_name);
  if new.phone is not null and btrim(new.phone) = '' then
    new.phone := null;
  elsif new.phone is not null and (tg_op = 'INSERT' or new.phone is distinct from old.phone) then
    new.phone := app_public.normalize_phone(new.phone, app_hidden.calling_code_for(new.clinic_id));
  end if;
  if new.date_of_birth > current_date then
    raise exception 'The date of birth cannot be in the future.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_patient__normalize() is 'BEFORE INSERT OR UPDATE: trims names, normalises the phone (INVALID_PHONE when it is not one), refuses a birth date in the future.';

alter table app_public.patient enable row level security;
alter table app_public.patient force row level security;
create policy system_context on app_public.patient to :DATABASE_OWNER using ((select app_hidden.in_system_context()));

create policy select_clinic on app_public.patient for select using (
  clinic_id = (select app_public.current_clinic_id()) and (deleted_at is null or (select app_hidden.include_deleted()))
);
create policy insert_front_desk on app_public.patient for insert with check (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin', 'receptionist'))
);
create policy update_front_desk on app_public.patient for update using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin', 'receptionist'))
);
create policy delete_managers on app_public.patient for delete using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin'))
);
grant select on app_public.patient to :DATABASE_VISITOR;
grant insert (first_name, last_name, phone, date_of_birth, sex, address, notes) on app_public.patient to :DATABASE_VISITOR;
grant update (first_name, last_name, phone, date_of_birth, sex, address, notes) on app_public.patient to :DATABASE_VISITOR;
grant delete on app_public.patient to :DATABASE_VISITOR;

create trigger _100_timestamps before insert or update on app_public.patient
  for each row execute function app_private.tg__timestamps();
create trigger _110_code before insert or update on app_public.patient
  for each row execute function app_private.tg__assign_code('PAT');
create trigger _150_normalize before insert or update on app_public.patient
  for each row execute function app_private.tg_patient__normalize();
create trigger _300_soft_delete before delete on app_public.patient
  for each row execute function app_private.tg__soft_delete();
create trigger _500_audit after insert or update or delete on app_public.patient
  for each row execute function app_private.tg__audit();

create or replace function app_public.delete_patient(patient_id uuid) returns app_public.patient
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  select app_private.soft_delete(null::app_public.patient, app_public.current_clinic_id(), patient_id);
$$;
comment on function app_public.delete_patient(uuid) is 'Deletes a patient (soft delete: hidden from lists, kept with their history). Owners and admins.';

create or replace function app_public.restore_patient(patient_id uuid) returns app_public.patient
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can restore a patient.' using errcode = 'CFORB';
  end if;
  return app_private.restore(null::app_public.patient, app_public.current_clinic_id(), patient_id);
end;
$$;
comment on function app_public.restore_patient(uuid) is 'Brings back a deleted patient. Owners and admins.';

create or replace function app_public.deleted_patients() returns setof app_public.patient
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can list deleted patients.' using errcode = 'CFORB';
  end if;
  perform set_config('clinicops.include_deleted', 'on', true);
  return query select p.* from app_public.patient p
    where p.clinic_id = app_public.current_clinic_id() and p.deleted_at is not null
    order by p.deleted_at desc;
  perform set_config('clinicops.include_deleted', '', true);
end;
$$;
comment on function app_public.deleted_patients() is 'The clinic''s deleted patients, most recent first, for restoring. Owners and admins.';

create or replace function app_public.search_patients(query text) returns setof app_public.patient
language sql stable
as $$
  select p.* from app_public.patient p
  where p.clinic_id = app_public.current_clinic_id()
    and p.deleted_at is null
    and char_length(btrim(query)) between 2 and 100
    and p.search_text like '%' || replace(replace(replace(lower(btrim(query)), '\', '\\'), '%', '\%'), '_', '\_') || '%'
  order by (p.code = upper(btrim(query))) desc, p.last_name, p.first_name, p.id
$$;
comment on function app_public.search_patients(text) is E'Patients whose name, code or phone contains `query` (2 to 100 characters, any case), exact code first, then by name. Uses a trigram index per clinic, so it stays fast at a million patients.';

create or replace function app_public.find_patient_duplicates(
  phone text default null, first_name text default null, last_name text default null,
  date_of_birth date default null, except_patient_id uuid default null
) returns setof app_public.patient
language sql stable
as $$
  select p.* from app_public.patient p
  where p.clinic_id = app_public.current_clinic_id()
    and p.deleted_at is null
    and p.id is distinct from find_patient_duplicates.except_patient_id
    and (
      p.phone = (select app_public.normalize_phone(find_patient_duplicates.phone, app_hidden.calling_code_for(app_public.current_clinic_id()))
                 where nullif(btrim(find_patient_duplicates.phone), '') is not null)
      or (lower(p.last_name) = lower(btrim(find_patient_duplicates.last_name))
          and lower(p.first_name) = lower(btrim(find_patient_duplicates.first_name))
          and p.date_of_birth = find_patient_duplicates.date_of_birth)
    )
  order by p.created_at
$$;
comment on function app_public.find_patient_duplicates(text, text, text, date, uuid) is 'Existing patients that look like the one being registered or edited: same phone, or same names and date of birth. Call it before saving to warn the user.';

create or replace function app_public.patient_possible_duplicates(patient app_public.patient) returns setof app_public.patient
language sql stable
as $$
  select * from app_public.find_patient_duplicates(patient.phone, patient.first_name, patient.last_name, patient.date_of_birth, patient.id);
$$;
comment on function app_public.patient_possible_duplicates(app_public.patient) is 'Other patients of the clinic with the same phone, or the same names and date of birth.';

--! split: 013-visits.sql
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
