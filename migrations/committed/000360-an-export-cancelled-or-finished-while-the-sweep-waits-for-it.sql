--! Previous: sha1:18e5d733304ec5b926ecb364eb1024cf7ff36411
--! Hash: sha1:7f2f67d42cee88ce27125c36924c79feb9ade1c6
--! Message: An export cancelled or finished while the sweep waits for its row is not failed

-- An export cancelled or finished while the sweep waits for its row is not failed
--
-- app_private.fail_abandoned_exports chose the exports to fail (queued or running, their job gone or out of attempts
-- with no live lock) in its snapshot, then updated them by their ids alone: one whose row another transaction was
-- writing, as a cancelExport, or an attempt's mark of done, committing while the sweep ran, was waited for and then
-- failed whatever it had become ("the export was interrupted" over `cancelled`, or over `done` with its file in
-- place, which the next sweep removed), and two sweeps at once (the hourly run and the one a deletion queues)
-- failed the same export twice, each counting it. The update now asks again that the export is still queued or
-- running, which PostgreSQL checks on the row as it is once its lock is had.
create or replace function app_private.fail_abandoned_exports()
returns table (clinic_id uuid, id uuid)
language plpgsql volatile
set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- plpgsql: graphile-worker's schema is installed after the migrations on a new database
  return query
  with abandoned as (
    select e.clinic_id, e.id, j.id as job_id, j.attempts, j.max_attempts
    from app_public.report_export e
    left join graphile_worker.jobs j on j.key = 'report_export:' || e.id
    where e.status in ('queued', 'running')
      and (j.id is null
        or (j.attempts >= j.max_attempts and (j.locked_at is null or j.locked_at < now() - interval '4 hours')))
  )
  update app_public.report_export e
  set status = 'failed', finished_at = now(),
      error = case when a.job_id is null then 'The export was interrupted and will not be retried.'
        else format('Attempt %s of %s failed: the export was interrupted (reference: job %s)', a.attempts, a.max_attempts, a.job_id) end
  from abandoned a
  -- asked again of the row as it is once locked: one cancelled or done meanwhile is no longer abandoned
  where e.clinic_id = a.clinic_id and e.id = a.id and e.status in ('queued', 'running')
  returning e.clinic_id, e.id;
end;
$$;

revoke all on function app_private.fail_abandoned_exports() from public;

comment on function app_private.fail_abandoned_exports() is 'Marks failed the exports still queued or running whose job will never run again (gone, or out of attempts after its worker died), and returns them; one cancelled or finished while this waits for its row (another transaction writing it) is left as it became. Called by report_export__expire, which then removes the .part files no attempt writes any more: those of exports not queued or running, and those of attempts an export is no longer the work of.';
