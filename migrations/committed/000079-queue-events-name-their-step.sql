--! Previous: sha1:b437f86de3dcfbceaea2d7aa8d0b17d7b5544235
--! Hash: sha1:c63f7bdaf4de9af84d110db6e66057d4ab57834f
--! Message: queue events name their step

-- The live queue's notification names the status the visit changed to, not only the visit: read when
-- the event was delivered, three steps taken in one request (checked in, started, completed) were
-- heard as "completed" three times and "checked in" never (exploratory test). Two changes of one
-- transaction to different statuses are no longer one notification either (PostgreSQL folds equal ones).
create or replace function app_private.tg_visit__notify() returns trigger
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  if tg_op = 'UPDATE' and (new.status, new.scheduled_at, new.doctor_id) is not distinct from (old.status, old.scheduled_at, old.doctor_id) then
    return null;
  end if;
  perform pg_notify('clinicops:visits:' || new.clinic_id, json_build_object('id', new.id, 'status', new.status)::text);
  return null;
end;
$$;
