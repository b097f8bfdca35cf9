--! Previous: sha1:06e30e87157f307ae515a8d42373d3cc9819c3d8
--! Hash: sha1:f8def60b5f2c1fc6ae9273e6b66e86abf4bd0e32
--! Message: patients as meant

-- Patients as the front desk means them (exploratory test of a front desk's day).
--
-- Names: white space of any kind (a non-breaking space pasted from a web page, a tab, a newline) is
-- one space inside a name and none at its ends, nor are the invisible zero-width characters kept at
-- its ends; and a name is kept in one Unicode form (NFC), so that "Zoë" typed with a combining
-- diaeresis is the "Zoë" the duplicate warning and the search compare it with. A name of nothing but
-- such characters is a missing name (the existing "A first name is required."). Names saved before
-- are left as they are until they are next edited.
--
-- Deletion: a patient with a visit under way (scheduled, checked in, in progress) is not deleted; it
-- left an anonymous patient in the queue, seen through by the doctor, whose visit nobody could bill.

create or replace function app_hidden.name_as_meant(name text) returns text
    language plpgsql immutable parallel safe
    as $$
declare
  v_name text := regexp_replace(regexp_replace(name,
    '[[:space:]\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+', ' ', 'g'),
    '^[ \u200b-\u200d\u2060\ufeff]+|[ \u200b-\u200d\u2060\ufeff]+$', '', 'g');
begin
  return case when current_setting('server_encoding') = 'UTF8' then normalize(v_name, nfc) else v_name end;
end;
$$;
comment on function app_hidden.name_as_meant(name text) is
  'A person''s name as it is meant: white space of any kind one space inside and none, nor zero-width characters, at its ends; in Unicode''s composed form (NFC) on a UTF-8 server.';

create or replace function app_private.tg_patient__normalize() returns trigger
    language plpgsql
    as $$
begin
  new.first_name := app_hidden.name_as_meant(new.first_name);
  new.last_name := app_hidden.name_as_meant(new.last_name);
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


create or replace function app_private.tg_patient__no_visit_under_way() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_codes text;
begin
  select string_agg(v.code, ', ' order by v.scheduled_at) into v_codes from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status in ('scheduled', 'checked_in', 'in_progress');
  if v_codes is not null then
    raise exception 'This patient has visits under way (%): cancel or finish them before deleting the patient.', v_codes
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_patient__no_visit_under_way() is
  'Trigger: refuses (INVALID_INPUT, naming the visits) to delete a patient with a visit scheduled, checked in or in progress.';

drop trigger if exists _120_no_visit_under_way on app_public.patient;
create trigger _120_no_visit_under_way before update of deleted_at on app_public.patient
  for each row when (old.deleted_at is null and new.deleted_at is not null) execute function app_private.tg_patient__no_visit_under_way();
comment on trigger _120_no_visit_under_way on app_public.patient is
  'A patient with a visit under way is not deleted (tg_patient__no_visit_under_way).';
