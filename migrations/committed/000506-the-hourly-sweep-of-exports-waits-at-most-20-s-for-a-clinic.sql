--! Previous: sha1:e47c8db82b70a61625ccbae9db8d942149f72158
--! Hash: sha1:2815e5b340b03379fbdbb8b51ab784e93a6eedcf
--! Message: the hourly sweep of exports waits at most 20 s for a clinic

-- The hourly sweep of exports waits at most 20 s for a clinic's exports or audit log
--
-- report_export__expire expired every clinic's exports past their 7 days in one statement, failed the abandoned ones
-- (fail_abandoned_exports) in another, and audited the downloads whose end never came (sweep_unended_downloads) in a
-- third, each waiting with no end for the rows it writes: one export's row held by a transaction left open (an
-- operator's update of it, or select for update, in psql and not yet committed), or one clinic's audit log (an audited
-- fix of its rows, its chain head held), held the sweep for as long as it lasted. No clinic's export was expired or
-- failed, nor a download audited, no file removed, and each hourly run after it waited behind the same lock, so that
-- within two hours the worker's two places for jobs were both taken (no export, reconciliation or audit anchor ran,
-- and nothing said why). The sweep is now one procedure, sweep_exports, that does each of the three for each clinic
-- that has any to do in a transaction of its own, waiting at most 20 s for a lock (lock_timeout, local to it: longer
-- than the API's longest transaction, QUERY_TIMEOUT_MS, 15 s, so a cancel or deletion in flight is waited for); a
-- clinic's held longer are passed over with a warning naming the clinic, left to the next hourly run, and their files
-- are kept, as of exports not expired. fail_abandoned_exports and sweep_unended_downloads take the clinic to sweep
-- (all clinics when not given, as before).
drop function if exists app_private.fail_abandoned_exports();

create or replace function app_private.fail_abandoned_exports(of_clinic uuid default null) returns table(clinic_id uuid, id uuid)
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  -- plpgsql: graphile-worker's schema is installed after the migrations on a new database
  return query
  with abandoned as (
    select e.clinic_id, e.id, j.id as job_id, j.attempts, j.max_attempts
    from app_public.report_export e
    left join graphile_worker.jobs j on j.key = 'report_export:' || e.id
    where e.status in ('queued', 'running')
      and (of_clinic is null or e.clinic_id = of_clinic)
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

comment on function app_private.fail_abandoned_exports(of_clinic uuid) is 'Marks failed the exports still queued or running whose job will never run again (gone, or out of attempts after its worker died), of clinic `of_clinic` (every clinic''s when null), and returns them; one cancelled or finished while this waits for its row (another transaction writing it) is left as it became. Called by sweep_exports (report_export__expire) for one clinic at a time; the task then removes the .part files no attempt writes any more: those of exports not queued or running, and those of attempts an export is no longer the work of.';

revoke all on function app_private.fail_abandoned_exports(of_clinic uuid) from public;

drop function if exists app_private.sweep_unended_downloads();

create or replace function app_private.sweep_unended_downloads(of_clinic uuid default null) returns integer
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_download app_private.export_download;
  v_swept integer := 0;
begin
  -- the clinics' chains in the order of their ids (decision 005); a row whose end is being told is its end's
  for v_download in
    select d.* from app_private.export_download d
    where d.begun_at < now() - interval '1 day' and (of_clinic is null or d.clinic_id = of_clinic)
    order by d.clinic_id, d.begun_at, d.id for update skip locked
  loop
    delete from app_private.export_download d where d.id = v_download.id;
    perform app_private.download_cut_short(v_download, true);
    v_swept := v_swept + 1;
  end loop;
  return v_swept;
end;
$$;

comment on function app_private.sweep_unended_downloads(of_clinic uuid) is 'Audits as cut short (download_cut_short, its detail saying endNeverCame) every download of clinic `of_clinic` (every clinic''s when null) begun more than a day ago whose end never came (the server stopped mid-file, or could not reach the database at its end), taking its row of app_private.export_download; returns how many. A day is far beyond a download: the server tells every end it streams, whole or not, and a clinic''s whole storage budget (2,048 MB by default) goes out within a day at 25 kB/s (the server sets no deadline of its own: a client reading slower still, or stalling, for more than a day has its download audited so, and what it reads after is not). The clinics'' chains are taken in the order of their ids; a row whose end is being told meanwhile is left to it. Called by sweep_exports (report_export__expire, hourly: worker/crontab) for one clinic at a time.';

revoke all on function app_private.sweep_unended_downloads(of_clinic uuid) from public;

create or replace procedure app_private.sweep_exports(inout expired integer default null, inout abandoned integer default null, inout unended integer default null)
    language plpgsql
    as $$
declare
  v_clinic uuid;
  v_count integer;
begin
  expired := 0;
  abandoned := 0;
  unended := 0;
  -- each clinic's in a transaction of its own that waits for a lock at most 20 s: a transaction left open holding one
  -- export's row, or a clinic's audit log, held the sweep of every clinic, and every hourly run after it, for as long
  -- as it lasted. No SET clause (a procedure that has one may not commit): names and operators are qualified.
  -- the exports past their expiry (their files removed by the task once expired, kept until then)
  for v_clinic in
    select distinct e.clinic_id from app_public.report_export e
    where e.status operator(pg_catalog.=) 'done' and e.expires_at operator(pg_catalog.<=) pg_catalog.now()
    order by 1
  loop
    perform pg_catalog.set_config('lock_timeout', '20s', true);
    begin
      update app_public.report_export e set status = 'expired'
      where e.clinic_id operator(pg_catalog.=) v_clinic and e.status operator(pg_catalog.=) 'done'
        and e.expires_at operator(pg_catalog.<=) pg_catalog.now();
      get diagnostics v_count = row_count;
      expired := expired operator(pg_catalog.+) v_count;
    exception when lock_not_available then
      raise warning 'The exports of clinic % past their expiry are not expired now: another transaction held one of them for over 20 s (%); the next hourly run expires them.', v_clinic, sqlerrm;
    end;
    commit;
  end loop;
  -- the exports whose job will never run again, of the clinics with exports in progress
  for v_clinic in
    select distinct e.clinic_id from app_public.report_export e
    where e.status operator(pg_catalog.=) any (array['queued', 'running']::app_public.export_status[])
    order by 1
  loop
    perform pg_catalog.set_config('lock_timeout', '20s', true);
    begin
      abandoned := abandoned operator(pg_catalog.+) (select pg_catalog.count(*)::integer from app_private.fail_abandoned_exports(v_clinic));
    exception when lock_not_available then
      raise warning 'The abandoned exports of clinic % are not failed now: another transaction held one of them, or the clinic''s line of exports, for over 20 s (%); the next hourly run fails them.', v_clinic, sqlerrm;
    end;
    commit;
  end loop;
  -- the downloads begun a day ago whose end never came, each audited in its clinic's chain
  for v_clinic in
    select distinct d.clinic_id from app_private.export_download d
    where d.begun_at operator(pg_catalog.<) (pg_catalog.now() operator(pg_catalog.-) interval '1 day')
    order by 1
  loop
    perform pg_catalog.set_config('lock_timeout', '20s', true);
    begin
      unended := unended operator(pg_catalog.+) app_private.sweep_unended_downloads(v_clinic);
    exception when lock_not_available then
      raise warning 'The downloads of clinic % whose end never came are not audited now: another transaction held the clinic''s audit log for over 20 s (%); the next hourly run audits them.', v_clinic, sqlerrm;
    end;
    commit;
  end loop;
end;
$$;

comment on procedure app_private.sweep_exports(inout expired integer, inout abandoned integer, inout unended integer) is 'The hourly sweep of exports'' rows (report_export__expire, which then removes the files no export serves): marks expired the exports done past their expires_at, fails those whose job will never run again (fail_abandoned_exports), and audits as cut short the downloads begun a day ago whose end never came (sweep_unended_downloads); answers how many of each. Each of the three is done for each clinic that has any to do, in the order of their ids, in a transaction of its own that waits at most 20 s for a lock: a clinic whose exports'' rows or audit log another transaction holds longer (one left open in psql) is passed over with a warning naming it, left to the next hourly run, and the run goes on to the next clinic (it waited for the lock with no end, holding every clinic''s sweep and a place of the worker''s). Called outside a transaction (`call app_private.sweep_exports()`).';

revoke all on procedure app_private.sweep_exports(inout expired integer, inout abandoned integer, inout unended integer) from public;
