--! Previous: sha1:f8def60b5f2c1fc6ae9273e6b66e86abf4bd0e32
--! Hash: sha1:6a092d6a35a79545860b08fd1633dde0493cbe71
--! Message: zone turns before the audit names when written

-- From a review of 000079-000081.
--
-- A change of time zone took its turn (the exclusive lock of the clinic's time zone) in an AFTER
-- trigger, after the audit trigger had locked the clinic's chain head: a close holding the shared lock
-- and waiting for a payment in flight, which waited for that chain head, deadlocked with it. The turn
-- is now taken in a BEFORE trigger, before the row's audit entry; the AFTER trigger still checks.
--
-- Names are made as meant when they are written, not at every change of the patient: a name saved
-- before 000081 of nothing but invisible characters failed a soft delete or a phone's correction.
-- And more invisible characters are taken off the ends of a name (left-to-right and right-to-left
-- marks, bidirectional embeddings and isolates, soft hyphens); a zero-width space, a word joiner or a
-- byte order mark is white space wherever it is (ZWJ and ZWNJ, which Persian and Indic names need,
-- stay inside).

create or replace function app_hidden.name_as_meant(name text) returns text
    language plpgsql immutable parallel safe
    as $$
declare
  v_name text := regexp_replace(regexp_replace(name,
    '[[:space:]\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]+', ' ', 'g'),
    '^[ \u00ad\u200c-\u200f\u202a-\u202e\u2061-\u2069]+|[ \u00ad\u200c-\u200f\u202a-\u202e\u2061-\u2069]+$', '', 'g');
begin
  return case when current_setting('server_encoding') = 'UTF8' then normalize(v_name, nfc) else v_name end;
end;
$$;
comment on function app_hidden.name_as_meant(name text) is
  'A person''s name as it is meant: white space of any kind (zero-width spaces, word joiners and byte order marks included) one space inside and none at its ends, nor invisible marks (direction marks and embeddings, soft hyphens, ZWJ/ZWNJ) at its ends; in Unicode''s composed form (NFC) on a UTF-8 server.';

create or replace function app_private.tg_patient__normalize() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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
  if new.date_of_birth > current_date then
    raise exception 'The date of birth cannot be in the future.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;

create or replace function app_private.tg_clinic__no_closed_day_ahead() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_day date;
begin
  -- after the row's checks: the new zone is a valid one (closes under way have finished: tg_clinic__time_zone_turn)
  select max(d.business_date) into v_day from app_public.daily_reconciliation d
  where d.clinic_id = new.id and d.status = 'closed' and d.business_date > (now() at time zone new.timezone)::date;
  if v_day is not null then
    raise exception 'The business day % is closed and would not have started yet in %: reopen it first.', v_day, new.timezone
      using errcode = 'CINVL';
  end if;
  return null;
end;
$$;

create or replace function app_private.tg_clinic__time_zone_turn() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  -- closes under way finish first, later ones wait for this change: before the row's audit entry locks its chain
  perform app_private.lock_clinic_setting(new.id, 'time zone', true);
  return new;
end;
$$;
comment on function app_private.tg_clinic__time_zone_turn() is
  'Trigger: a change of the clinic''s time zone takes its turn with the closes of its days (lock_clinic_setting, exclusive) before anything of the row is written.';

drop trigger if exists _140_time_zone_turn on app_public.clinic;
create trigger _140_time_zone_turn before update of timezone on app_public.clinic
  for each row when (old.timezone is distinct from new.timezone) execute function app_private.tg_clinic__time_zone_turn();
comment on trigger _140_time_zone_turn on app_public.clinic is
  'A change of time zone and the closes of the clinic''s days take turns (tg_clinic__time_zone_turn).';

comment on function app_private.tg_visit__notify() is
  'AFTER INSERT OR UPDATE: tells subscribers of the clinic''s visit queue (GraphQL subscription visitQueueChanged) that a visit was booked, changed status, was moved to another time or handed to another doctor, with its id and status now (any role that may connect may LISTEN, and so learns visits'' ids and statuses, nothing of their patients).';
