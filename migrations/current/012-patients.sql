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
