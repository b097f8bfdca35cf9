--! Previous: sha1:4dac617f12938143ca3aa1bb9538770c4436fa72
--! Hash: sha1:ab79710b490f05b5b0b8d11ddf26b5e72245139f
--! Message: A clinic's export moved up its line waits behind the other clinics' first exports asked for before it moved

-- A clinic's export moved up its line waits behind the other clinics' first exports asked for before it moved
--
-- 000393 gave an export moving up its clinic's line the priority of its new place but kept its job's run_at, the time it
-- was asked for, and graphile-worker takes jobs by priority, then run_at: a busy clinic's second export, asked for
-- before another clinic's first, went ahead of it as soon as the busy clinic's first was done, and so did its third and
-- every later one. With one job at a time, a clinic that asked for thirty exports had all thirty run before a clinic
-- that asked for one after them; with two, it took every other turn whatever the number of clinics waiting. Now an
-- export moving up joins its new place's turn as of that moment (its job's run_at now, or later if its retry waits
-- until then): each clinic's first export in line runs in the order they came to be first, a turn each.

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
  -- in the order asked: a job's id among those asked for in one transaction; a job moved up takes its turn from now,
  -- behind the exports already at that place (a retry waiting for its time keeps it)
  perform graphile_worker.reschedule_jobs(array[line.id], run_at := greatest(line.run_at, now()), priority := line.place)
  from (select j.id, j.priority, j.run_at, (row_number() over (order by e.requested_at, j.id) - 1)::int as place
        from app_public.report_export e
        join graphile_worker.jobs j on j.key = 'report_export:' || e.id
        where e.clinic_id = new.clinic_id and e.status in ('queued', 'running')) line
  where line.priority > line.place;
  return null;
end;
$$;
comment on function app_private.tg_report_export__line_moves_up() is 'Trigger: an export that leaves its clinic''s line (no longer queued or running) moves the clinic''s exports still in it up, each job''s priority its place in the line now (0 for the first, in the order asked), as request_export gave it, and its turn at that place taken from now (run_at: behind the other clinics'' exports already there, so each clinic''s first takes a turn in the order it came to be first); jobs running keep theirs. Taken in turn with the clinic''s requests.';
