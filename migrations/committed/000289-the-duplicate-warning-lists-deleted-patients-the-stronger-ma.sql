--! Previous: sha1:a7c0201d0469714053c214274f2cfcfbab596476
--! Hash: sha1:627a9015ac68b4410f8035a3ace45ce495a0e2ae
--! Message: The duplicate warning lists deleted patients the stronger matches first too

-- The duplicate warning lists deleted patients the stronger matches first too
--
-- Since 000284 the warning lists the stronger matches first (names and birth date with the phone, names and birth
-- date, then the phone alone), live patients before deleted ones, as its comment and docs/clinic-domain.md say; but
-- deleted patients were still ordered by when they were deleted first, so an owner shown two deleted records was
-- shown one sharing only the phone (a sibling, deleted first) above the same person (names and birth date, deleted
-- later), the one to restore. Deleted patients are now ordered as live ones are: the stronger matches first, then by
-- when they were registered, and their id.
create or replace function app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid)
returns setof app_public.patient
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp set clinicops.include_deleted = 'on' as $$
declare
  v_phone app_public.e164_phone := app_hidden.phone_as_registered(patient_duplicates.phone);
  v_named uuid[] := array(select app_hidden.patients_born_named(patient_duplicates.date_of_birth, patient_duplicates.last_name,
                                                                patient_duplicates.first_name));
begin
  return query
  select p.* from app_public.patient p
  where p.clinic_id = app_public.current_clinic_id()
    and p.id is distinct from patient_duplicates.except_patient_id
    and (p.phone = v_phone or p.id = any (v_named))
  order by p.deleted_at is not null, p.id = any (v_named) desc, coalesce(p.phone = v_phone, false) desc, p.created_at, p.id;
end;
$$;
comment on function app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) is 'The current clinic''s patients that look like the one described, deleted ones included: same phone (read as registration reads it, app_hidden.phone_as_registered; a phone that is not a phone number, such as one half-typed, matches no one), or same names (as app_hidden.name_key compares them, either way round) and date of birth. Live ones first, then deleted ones (whenever they were deleted); in each, those matching by names and birth date (with the phone too first), then by phone alone; then by when they were registered, and their id. For find_patient_duplicates and count_deleted_patient_duplicates, which say what of them the session may know.';
