--! Previous: sha1:341d04b86f9860d55bbb8085a4148d59f9e59555
--! Hash: sha1:697e10ea0bde664130552f1652fea31d3a729064
--! Message: names sorted as people read them

-- People's names and the catalog's names sort as people read them, on every server: ICU's root
-- collation (und-x-icu, the Unicode collation algorithm's default order) on patients' names, staff
-- names and service names and categories. They sorted in the database's collation, byte order
-- where it is C or C.UTF-8 (the embedded server's on most hosts, this project's machines'):
-- Zulu before abbott, de la Cruz after Zulu, Ávila and Émile after every unaccented name.
-- PostgreSQL cannot change the collation of a column a trigger's UPDATE OF list, a view or a
-- generated column reads: those are made again. patient.search_text is not: index_patients
-- builds the search text itself (search_key lowercases it), and the generated column was only
-- its input. search_key and name_key lowercase in the database's default collation whatever
-- their input's, so the search text and the duplicate warning's keys (and their indexes) stay
-- what they were, where ICU would lowercase a few letters otherwise (a final Σ).

create or replace function app_hidden.search_key(text text) returns text
  language sql immutable parallel safe
  set search_path to pg_catalog, public, pg_temp
as $$
  select public.unaccent('public.unaccent'::regdictionary,
    lower((case when current_setting('server_encoding') = 'UTF8' then normalize(search_key.text, nfc) else search_key.text end) collate "default"));
$$;
comment on function app_hidden.search_key(text) is 'Text as the patient search and the duplicate warning compare it: in Unicode''s composed form (NFC, on a UTF-8 server), lower case (in the database''s default collation, whatever the text''s: names sort in und-x-icu), without accents (José and JOSE are jose; ß is ss, œ is oe; Андрей keeps its й). Immutable: unaccent''s rules are read from its dictionary, named here; a new set of rules (a PostgreSQL upgrade) would call for a REINDEX of patient_clinic_dob_names_idx.';

create or replace function app_private.index_patients(patients app_public.patient[]) returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  insert into app_private.patient_search (clinic_id, patient_id, search_text, code, last_name, first_name)
  select p.clinic_id, p.id, app_hidden.search_key(p.first_name || ' ' || p.last_name || ' ' || p.code || ' ' || coalesce(p.phone, '')),
         p.code, p.last_name, p.first_name
  from unnest(patients) p
  on conflict (clinic_id, patient_id) do update
    set search_text = excluded.search_text, code = excluded.code, last_name = excluded.last_name, first_name = excluded.first_name;
end;
$$;
comment on function app_private.index_patients(app_public.patient[]) is 'Copies the searchable text (names, code and phone, as search_key compares them: lower case, without accents) and sort keys of `patients` into patient_search (insert or update).';

-- patients_matching's table hands back the names without their collation: the search orders them in it
create or replace function app_public.search_patients(query text) returns setof app_public.patient
  language sql stable
as $$
  select p.* from (select * from app_hidden.patients_matching(query)
                   order by exact_code desc, last_name collate "und-x-icu", first_name collate "und-x-icu", patient_id) m
  cross join lateral (
    select p.* from app_public.patient p
    where p.clinic_id = (select app_public.current_clinic_id()) and p.id = m.patient_id and p.deleted_at is null
    offset 0) p
  order by m.exact_code desc, m.last_name collate "und-x-icu", m.first_name collate "und-x-icu", m.patient_id
$$;

drop view if exists reporting.visits;
drop trigger if exists _650_search_text on app_public.patient;
drop trigger if exists _140_names_as_meant on app_public.service;
drop trigger if exists _150_name_as_meant on app_public."user";
alter table app_public.patient drop column if exists search_text;

alter table app_public.patient
  alter column first_name type text collate "und-x-icu",
  alter column last_name type text collate "und-x-icu";
alter table app_private.patient_search
  alter column first_name type text collate "und-x-icu",
  alter column last_name type text collate "und-x-icu";
alter table app_public.service
  alter column name type text collate "und-x-icu",
  alter column category type text collate "und-x-icu";
alter table app_public."user"
  alter column full_name type text collate "und-x-icu";

create trigger _650_search_text after insert or update of first_name, last_name, code, phone on app_public.patient
  for each row execute function app_private.tg_patient__search_text();
create trigger _140_names_as_meant before insert or update of name, category on app_public.service
  for each row execute function app_private.tg_service__names_as_meant();
comment on trigger _140_names_as_meant on app_public.service is 'A service''s name and category saved as meant (tg_service__names_as_meant).';
create trigger _150_name_as_meant before insert or update of full_name on app_public."user"
  for each row execute function app_private.tg_user__name_as_meant();

comment on column app_public.patient.first_name is 'Given name(s); sorted as people read them (und-x-icu).';
comment on column app_public.patient.last_name is 'Family name; sorted as people read them (und-x-icu).';
comment on column app_public.service.name is 'Name on the catalog and on invoices (1 to 200 characters); sorted as people read it (und-x-icu).';
comment on column app_public.service.category is 'Free grouping such as Consultation, Laboratory, Pharmacy; sorted as people read it (und-x-icu).';
comment on column app_public."user".full_name is 'Name shown to colleagues (1 to 200 characters); sorted as people read it (und-x-icu).';

create view reporting.visits with (security_barrier='true') as
 select v.clinic_id,
    c.name as clinic_name,
    v.code,
    v.status,
    v.scheduled_at,
    v.checked_in_at,
    v.started_at,
    v.completed_at,
    v.cancelled_at,
    v.cancel_reason,
    p.code as patient_code,
    u.full_name as doctor_name,
    (select coalesce(sum(s.line_total), 0::numeric)
       from app_public.visit_service s
      where s.clinic_id = v.clinic_id and s.visit_id = v.id) as services_value,
    v.no_show_at
   from app_public.visit v
     join app_public.clinic c on c.id = v.clinic_id
     join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
     join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
     join app_public."user" u on u.id = m.user_id
  where v.clinic_id in (select reporting.granted_clinics());
comment on view reporting.visits is 'One row per visit: status, the times of each step, patient code (no names), doctor, value of its services.';
comment on column reporting.visits.clinic_id is 'The clinic.';
comment on column reporting.visits.clinic_name is 'The clinic''s name.';
comment on column reporting.visits.code is 'Visit code (VIS-…).';
comment on column reporting.visits.status is 'scheduled, checked_in, in_progress, completed, cancelled or no_show.';
comment on column reporting.visits.scheduled_at is 'When the visit was booked for.';
comment on column reporting.visits.checked_in_at is 'When the patient checked in.';
comment on column reporting.visits.started_at is 'When the consultation started.';
comment on column reporting.visits.completed_at is 'When the visit was completed.';
comment on column reporting.visits.cancelled_at is 'When it was cancelled.';
comment on column reporting.visits.cancel_reason is 'Why it was cancelled.';
comment on column reporting.visits.patient_code is 'The patient''s code (no names in reporting).';
comment on column reporting.visits.doctor_name is 'The doctor.';
comment on column reporting.visits.services_value is 'Value of the visit''s services: quantity × unit price − discount.';
comment on column reporting.visits.no_show_at is 'When the visit was marked a no-show.';
grant select on reporting.visits to :DATABASE_ANALYST;
