--! Previous: sha1:90fa723727425a645e50352d569e87c237205e82
--! Hash: sha1:ed6964d25d49583acbbc6ba8e98465f2c4291e10
--! Message: Deleted and duplicate patients page without repeats

-- Deleted and duplicate patients page without repeats
--
-- deletedPatients and deletedServices listed by deletedAt only, and the duplicate warning (findPatientDuplicates,
-- possibleDuplicates) by deletedAt and createdAt only: rows deleted in one transaction (now() is the transaction's
-- time), or registered in one, tie, and their order among themselves was whatever order PostgreSQL met them in. That
-- order changes when a row's stored place does (any update of it, a table rewrite, another plan), so paging through
-- such a list with first/after could show a row twice and never show another. Each list now ends its order with the
-- row's id, so equal times always come in one order.

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
    order by p.deleted_at desc, p.id;
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
    order by s.deleted_at desc, s.id;
end;
$$;

create or replace function app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid)
returns setof app_public.patient
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp set clinicops.include_deleted = 'on' as $$
declare
  v_phone app_public.e164_phone;
begin
  if nullif(btrim(patient_duplicates.phone), '') is not null then
    begin
      v_phone := app_public.normalize_phone(patient_duplicates.phone, app_hidden.calling_code_for(app_public.current_clinic_id()));
    exception when sqlstate 'CINPH' then
      v_phone := null; -- not a phone number (yet): no saved patient has it
    end;
  end if;
  return query
  select p.* from app_public.patient p
  where p.clinic_id = app_public.current_clinic_id()
    and p.id is distinct from patient_duplicates.except_patient_id
    and (
      p.phone = v_phone
      or p.id = any (array(select app_hidden.patients_born_named(patient_duplicates.date_of_birth, patient_duplicates.last_name,
                                                                  patient_duplicates.first_name)))
    )
  order by p.deleted_at nulls first, p.created_at, p.id;
end;
$$;
