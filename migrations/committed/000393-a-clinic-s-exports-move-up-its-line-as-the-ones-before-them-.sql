--! Previous: sha1:98c67f13fe9c3c6a514fe101d5d8e3c8ed6289d8
--! Hash: sha1:5b47d964e40637cd36044cea83728e59f34a17b4
--! Message: A clinic's exports move up its line as the ones before them finish

-- A clinic's exports move up its line as the ones before them finish
--
-- An export's job is given the priority of its place in its clinic's line (000209: 0 for the clinic's first export
-- waiting or running, 29 for its 30th), but only as it is asked for: the place was never given again. Once the clinic's
-- first export was done (failed, cancelled), its second was the first of its line and still waited at priority 1, behind
-- every other clinic's first export asked for after it: under the exports of other clinics, a clinic's later exports
-- waited without end, and its 30th, at 29, behind every other export and the hourly reconciliation. Now an export that
-- leaves the line (its status no longer queued or running) gives each of its clinic's exports still in it the place it
-- now has, in the order they were asked for, on its job (graphile_worker.reschedule_jobs: a job running keeps its own).
-- Taken in turn with the clinic's requests (the lock request_export takes), so that an export asked for meanwhile is
-- placed after the others.

create or replace function app_private.tg_report_export__line_moves_up() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'off'
  set clinicops.every_clinic to 'off'
  set clinicops.reinvitation to 'off'
as $$
begin
  -- plpgsql: graphile-worker's schema is installed after the migrations on a new database
  perform pg_advisory_xact_lock(hashtextextended('request_export:' || new.clinic_id, 0));
  -- in the order asked: a job's id among those asked for in one transaction
  perform graphile_worker.reschedule_jobs(array[line.id], priority := line.place)
  from (select j.id, j.priority, (row_number() over (order by e.requested_at, j.id) - 1)::int as place
        from app_public.report_export e
        join graphile_worker.jobs j on j.key = 'report_export:' || e.id
        where e.clinic_id = new.clinic_id and e.status in ('queued', 'running')) line
  where line.priority > line.place;
  return null;
end;
$$;
comment on function app_private.tg_report_export__line_moves_up() is 'Trigger: an export that leaves its clinic''s line (no longer queued or running) moves the clinic''s exports still in it up, each job''s priority its place in the line now (0 for the first, in the order asked), as request_export gave it; jobs running keep theirs. Taken in turn with the clinic''s requests.';

drop trigger if exists _510_line_moves_up on app_public.report_export;
create trigger _510_line_moves_up after update of status on app_public.report_export
  for each row when (old.status in ('queued', 'running') and new.status not in ('queued', 'running'))
  execute function app_private.tg_report_export__line_moves_up();
