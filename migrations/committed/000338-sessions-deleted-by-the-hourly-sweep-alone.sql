--! Previous: sha1:0b8ac1968958dc7f12b0671e191e251e76bf0b3b
--! Hash: sha1:e1cb9e0a7eb1a06fb540fd79e4cc04f0b34dd08b
--! Message: sessions deleted by the hourly sweep alone

-- Sessions are deleted by the hourly sweep alone: no job is queued for each session, and those queued are removed
--
-- Since 000334 each new session queued a session__expire job (tg_session__schedule_expiry, the trigger
-- _800_schedule_expiry) for a day after its expiry, and the hourly cron run of the same task deletes every session that
-- ended more than a day ago. The per-session job's precision no longer matters (the row is kept a day whichever job
-- deletes it, and the sweep takes it within the hour after), but its cost does: graphile-worker's look for its next job
-- reads the whole (priority, run_at) index of the jobs waiting for later at every idle poll (every 2 s) and whenever an
-- export of priority 1 or more waits, and a review measured that look at 13-16 ms with 100,000 such jobs against 0.15 ms
-- with none; waiting a day past the session's expiry, the jobs were about three times as many as when each waited for
-- the expiry alone at the default 12-hour lifetime (a day's logins, with a short SESSION_TTL_SECONDS), and each login
-- wrote one in its transaction. The trigger and its function are dropped; the jobs queued are removed through graphile-worker's own
-- remove_job, every job keyed 'session__expire:<id>' (the jobs view names them), not only those of sessions still
-- here: a session revoked early is swept a day after its revocation while its job waited for its expiry, up to 400 days
-- later. graphile-worker's schema is installed after the migrations on a new database, where there is nothing to remove.
-- A job queued with an id by the version before, if one remains (one running as this runs, say), sweeps as the hourly
-- run does: session__expire reads no payload.
drop trigger if exists _800_schedule_expiry on app_private.session;
drop function if exists app_private.tg_session__schedule_expiry();

do $$
declare
  v_keys text[];
begin
  if to_regprocedure('graphile_worker.remove_job(text)') is not null then
    select coalesce(array_agg(j.key), '{}') into v_keys
    from graphile_worker.jobs j
    where j.task_identifier = 'session__expire' and j.key like 'session__expire:%';
    perform graphile_worker.remove_job(k) from unnest(v_keys) k;
  end if;
end;
$$;

drop function if exists app_private.expire_sessions(uuid);
create or replace function app_private.expire_sessions() returns integer
  language sql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  with gone as (
    delete from app_private.session s
    where s.id in (
      select o.id from app_private.session o
      where o.expires_at <= now() - interval '1 day' or o.revoked_at <= now() - interval '1 day'
      for update skip locked)
    returning 1
  )
  select count(*)::integer from gone;
$$;
comment on function app_private.expire_sessions() is 'Deletes every session that expired, or was revoked, more than a day ago; returns how many. Run hourly by session__expire (worker/crontab), so a session is deleted within the hour after its day. An ended session is kept that day for what outlives it: a download it began and that is cut short after it ended is audited for it (app_hidden.export_cut_short, which reads it by the request''s session id); its token is refused from its end all the same (live_session). One that another transaction holds (ending it, or changing it) is left to the next hourly run, never waited for: the sweep is in no deadlock with an ending of sessions, whatever order that takes them in. Logins stay in the audit log.';
revoke all on function app_private.expire_sessions() from public;

comment on table app_private.session is 'A login. The JWT carries only its id as the authority: logout, expiry, a role change or a suspension act here, so a token stops working at once. A session ended (expired or revoked) is kept a day, refused all the while, so that what outlives it is audited for it (a download it began, cut short after: export_cut_short); then the hourly sweep (expire_sessions) deletes it, within the hour after that day.';
comment on column app_private.session.expires_at is 'The session ends at this time: its token is refused from then on (live_session); the row is deleted a day after, by the first hourly sweep past that day (expire_sessions).';
