--! Previous: sha1:4e20d1b4ecd6bb58d6176181351a3525b49ff6c7
--! Hash: sha1:f080339a333dbba2684fcac05178d3a8f4e2f080
--! Message: the duplicate warning names deleted patients to those who may restore them

-- The duplicate warning names deleted patients too, to those who may restore them: registering a patient who was
-- deleted made a second record instead of a restore, since findPatientDuplicates and possibleDuplicates passed over
-- deleted matches, even to an owner. Owners and admins now get them in the list, marked by their deletedAt, to
-- restore (restorePatient); the front desk, who may not restore nor read deleted patients, is told how many deleted
-- patients match (countDeletedPatientDuplicates), without their details, and asks an owner or admin. Deleted
-- patients stay out of every other list.

create or replace function app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid)
returns setof app_public.patient
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp set clinicops.include_deleted = 'on' as $$
begin
  return query
  select p.* from app_public.patient p
  where p.clinic_id = app_public.current_clinic_id()
    and p.id is distinct from patient_duplicates.except_patient_id
    and (
      p.phone = (select app_public.normalize_phone(patient_duplicates.phone, app_hidden.calling_code_for(app_public.current_clinic_id()))
                 where nullif(btrim(patient_duplicates.phone), '') is not null)
      or p.id = any (array(select app_hidden.patients_born_named(patient_duplicates.date_of_birth, patient_duplicates.last_name,
                                                                  patient_duplicates.first_name)))
    )
  order by p.deleted_at nulls first, p.created_at;
end;
$$;
comment on function app_private.patient_duplicates(text, text, text, date, uuid) is
  'The current clinic''s patients that look like the one described, deleted ones included (live ones first, then by when they were registered): same phone, or same names (as app_hidden.name_key compares them) and date of birth. For find_patient_duplicates and count_deleted_patient_duplicates, which say what of them the session may know.';
revoke all on function app_private.patient_duplicates(text, text, text, date, uuid) from public;

create or replace function app_public.find_patient_duplicates(phone text default null, first_name text default null, last_name text default null,
                                                              date_of_birth date default null, except_patient_id uuid default null)
returns setof app_public.patient
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp as $$
begin
  return query
  select d.* from app_private.patient_duplicates(find_patient_duplicates.phone, find_patient_duplicates.first_name, find_patient_duplicates.last_name,
                                                 find_patient_duplicates.date_of_birth, find_patient_duplicates.except_patient_id) d
  where d.deleted_at is null or (select app_hidden.current_role_in('owner', 'admin'));
end;
$$;
comment on function app_public.find_patient_duplicates(text, text, text, date, uuid) is
  'Existing patients that look like the one being registered or edited: same phone, or same names (as app_hidden.name_key compares them: white space, accents and case aside) and date of birth. Call it before saving to warn the user. To owners and admins, deleted patients too (after the others, `deletedAt` set): restore one (restorePatient) rather than register them again; others are told only how many deleted patients match (countDeletedPatientDuplicates).';

create or replace function app_public.count_deleted_patient_duplicates(phone text default null, first_name text default null, last_name text default null,
                                                                       date_of_birth date default null, except_patient_id uuid default null)
returns integer
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp as $$
begin
  if not app_hidden.current_role_in('owner', 'admin', 'receptionist') then
    raise exception 'Only the front desk (an owner, admin or receptionist) registers patients and is warned of duplicates among the deleted ones.' using errcode = 'CFORB';
  end if;
  return (select count(*)::integer
          from app_private.patient_duplicates(count_deleted_patient_duplicates.phone, count_deleted_patient_duplicates.first_name,
                                              count_deleted_patient_duplicates.last_name, count_deleted_patient_duplicates.date_of_birth,
                                              count_deleted_patient_duplicates.except_patient_id) d
          where d.deleted_at is not null);
end;
$$;
comment on function app_public.count_deleted_patient_duplicates(text, text, text, date, uuid) is
  'How many deleted patients look like the one being registered or edited, as findPatientDuplicates compares them, without saying who: a receptionist, who may not read nor restore deleted patients, asks an owner or admin to restore the one that matches rather than register the patient again (owners and admins find them in findPatientDuplicates). The front desk: owners, admins and receptionists.';
revoke all on function app_public.count_deleted_patient_duplicates(text, text, text, date, uuid) from public;
grant execute on function app_public.count_deleted_patient_duplicates(text, text, text, date, uuid) to :DATABASE_VISITOR;
comment on function app_public.patient_possible_duplicates(app_public.patient) is
  'Other patients of the clinic with the same phone, or the same names and date of birth (findPatientDuplicates: deleted ones too, to owners and admins).';
