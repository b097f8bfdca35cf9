--! Previous: sha1:5b0e433f9e08421c5a8a2428e39d25e49f58efde
--! Hash: sha1:cc0182e7a77fba494e6663d2b85187267b33a3fb
--! Message: Jobs that failed their last attempt are removed a week after

-- Jobs that failed their last attempt are removed a week after
--
-- graphile-worker keeps a job that failed its last attempt (attempts = max_attempts) in its jobs table for good, and
-- nothing removed them: a row for every export whose worker failed for good and every cron run that failed its last
-- attempt, for as long as ClinicOps ran. The hourly failed_job__prune now removes those whose last failure is a week
-- old, through graphile-worker's own complete_jobs: an operator sees them in graphile_worker.jobs for that week (the
-- worker's log keeps each attempt's error, with the job's id, after), never one with attempts left or locked (its
-- worker still at it, or dead less than graphile-worker's 4 hours). A job of an export still queued or running is
-- kept until report_export__expire has failed that export (fail_abandoned_exports), so the export's error still
-- names the attempts and the job's id the log has ("Attempt 3 of 3 failed: the export was interrupted (reference:
-- job 123)"), not "The export was interrupted and will not be retried.".

create or replace function app_private.remove_failed_jobs() returns integer
language plpgsql volatile
set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- plpgsql: graphile-worker's schema is installed after the migrations on a new database. A failure sets the job's
  -- run_at to its time plus the wait before a retry (at most about 6 hours): the week counts from then
  return (
    select count(*)::integer
    from graphile_worker.complete_jobs(array(
      select j.id
      from graphile_worker.jobs j
      where j.attempts >= j.max_attempts and j.locked_at is null and j.run_at < now() - interval '7 days'
        and not exists (
          select from app_public.report_export e
          where j.key = 'report_export:' || e.id and e.status in ('queued', 'running'))
    )));
end;
$$;
revoke all on function app_private.remove_failed_jobs() from public;

comment on function app_private.remove_failed_jobs() is 'Removes the graphile-worker jobs that failed their last attempt a week ago or more (their run_at, which each failure sets to its time plus the wait before a retry, older than 7 days), through graphile_worker.complete_jobs: graphile-worker keeps them for good, and the table grew without end. Never one with attempts left or locked, nor the job of an export still queued or running, kept until report_export__expire fails that export with the job''s id (fail_abandoned_exports). Run hourly (failed_job__prune). Answers how many.';
