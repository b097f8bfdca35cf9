--! Previous: sha1:90bf2e6d5bf5ee8cc14958d440aa3ea4c646dea6
--! Hash: sha1:fe78a2e3337ffd161c588e511fb791bedcac5d6a
--! Message: abandoned exports fail

--------------------------------------------------------------------------------
-- Exports whose job will never run again are failed, not left running for ever.
--
-- A worker killed during an export's last attempt (a crash, the out-of-memory killer while
-- Chromium renders, a deploy that does not wait) never records the failure: graphile-worker frees
-- the dead worker's lock after 4 hours but runs no job whose attempts are used up, so the export
-- stayed `running` (or `queued`), with its progress frozen and its `.part` file on disk, and the
-- clinic waited for a file that would never come. The hourly report_export__expire calls this
-- function: an export still queued or running whose job is gone, or has no attempt left and no
-- live lock (none, or one older than graphile-worker's 4 hours), is marked failed with the job's id
-- to quote; the task removes the `.part` files of the exports it returns.

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
  where e.clinic_id = a.clinic_id and e.id = a.id
  returning e.clinic_id, e.id;
end;
$$;

revoke all on function app_private.fail_abandoned_exports() from public;

comment on function app_private.fail_abandoned_exports() is
  'Marks failed the exports still queued or running whose job will never run again (gone, or out of attempts after its worker died), and returns them so that the worker removes their .part files. Called by report_export__expire.';
