--! Previous: sha1:b3a27f68ac273e5bac9ab7708bb539a6cd063282
--! Hash: sha1:1b626412e3f93fa227a50766243363b29c2b0df8
--! Message: a birth date is judged when it is written, on the clinic's date

-- A birth date is judged when it is written, on the clinic's date.
--
-- tg_patient__normalize refused a date of birth after current_date on every write of a patient: a
-- patient born today, saved while the clinic's day allowed it, could not have their address changed,
-- nor be deleted, once the clinic moved to a time zone still on the day before (a tester of time); and
-- current_date follows the connection's time zone, not the clinic's, so a trusted load in UTC refused
-- a baby born today in Kiritimati from 10:00 UTC on. A birth date is checked when it is written or
-- changed, against the clinic's date now (business_date), as every other "today" is.

create or replace function app_private.tg_patient__normalize() returns trigger
language plpgsql as $$
begin
  -- as typed now: a name saved before 000081 stays as it is when something else of the patient changes
  if tg_op = 'INSERT' or new.first_name is distinct from old.first_name then
    new.first_name := app_hidden.name_as_meant(new.first_name);
  end if;
  if tg_op = 'INSERT' or new.last_name is distinct from old.last_name then
    new.last_name := app_hidden.name_as_meant(new.last_name);
  end if;
  if new.phone is not null and btrim(new.phone) = '' then
    new.phone := null;
  elsif new.phone is not null and (tg_op = 'INSERT' or new.phone is distinct from old.phone) then
    new.phone := app_public.normalize_phone(new.phone, app_hidden.calling_code_for(new.clinic_id));
  end if;
  if (tg_op = 'INSERT' or new.date_of_birth is distinct from old.date_of_birth)
     and new.date_of_birth > app_hidden.business_date(new.clinic_id, now()) then
    raise exception 'The date of birth cannot be in the future.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_patient__normalize() is
  'BEFORE INSERT OR UPDATE: trims names, normalises the phone (INVALID_PHONE when it is not one), refuses a birth date after the clinic''s date today as it is written (one saved stays, whatever becomes of the clinic''s time zone).';
