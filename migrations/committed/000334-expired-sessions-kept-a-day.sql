--! Previous: sha1:2f0f6c7945d4ce174f2a4fbca935f6ea02b1c10b
--! Hash: sha1:704449aa4d3a20eaf2ea3d690a99eb5ab3d53adc
--! Message: expired sessions kept a day

-- An expired session's row is kept a day, as a revoked one's is, so a download it began and that was cut short is audited
--
-- The expiry job deleted a session at its expiry (its own job, queued then, or the hourly sweep), where one revoked
-- (a logout, a switch, a password change, a removal) was kept a day. A download outlives its session, and
-- app_hidden.export_cut_short writes the entry of one cut short for the session it began in, which it reads by the
-- request's session id: a download still going when its session expired (a long one, a slow line) and cut short after
-- the job ran found no session, wrote nothing, and the clinic's audit log showed a whole download that was not. A session
-- is now deleted a day after it ended, whichever way it ended: expire_sessions takes those expired, or revoked, more than
-- a day ago, and each session's own job is queued for a day after its expiry (one queued before, at the expiry itself,
-- deletes nothing then, and the hourly sweep deletes the session a day later). Nothing of an expired session comes back
-- with its row: every reader of a session as the request's checks its expiry (live_session, ended_sessions, the endings
-- of an account's or a membership's sessions, a login's cap); logout, which did not, is the next part.
create or replace function app_private.expire_sessions(session_id uuid default null) returns integer
  language sql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  with gone as (
    delete from app_private.session s
    where s.id in (
      select o.id from app_private.session o
      where (expire_sessions.session_id is null or o.id = expire_sessions.session_id)
        and (o.expires_at <= now() - interval '1 day' or o.revoked_at <= now() - interval '1 day')
      for update skip locked)
    returning 1
  )
  select count(*)::integer from gone;
$$;
comment on function app_private.expire_sessions(session_id uuid) is 'Deletes one session (or, with no id, every session) that expired, or was revoked, more than a day ago; returns how many. An ended session is kept that day for what outlives it: a download it began and that is cut short after it ended is audited for it (app_hidden.export_cut_short, which reads it by the request''s session id); its token is refused from its end all the same (live_session). One that another transaction holds (ending it, or changing it) is left to the next hourly run, never waited for: the sweep is in no deadlock with an ending of sessions, whatever order that takes them in. Logins stay in the audit log.';
revoke all on function app_private.expire_sessions(uuid) from public;

create or replace function app_private.tg_session__schedule_expiry() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  perform graphile_worker.add_job(
    'session__expire',
    json_build_object('id', new.id),
    run_at := new.expires_at + interval '1 day',
    job_key := 'session__expire:' || new.id
  );
  return null;
end;
$$;
comment on function app_private.tg_session__schedule_expiry() is 'AFTER INSERT: queues session__expire for a day after the session''s expiry, when expire_sessions deletes it (one revoked before is deleted a day after its revocation, by the hourly sweep).';

comment on table app_private.session is 'A login. The JWT carries only its id as the authority: logout, expiry, a role change or a suspension act here, so a token stops working at once. A session ended (expired or revoked) is kept a day, refused all the while, so that what outlives it is audited for it (a download it began, cut short after: export_cut_short); then expire_sessions deletes it.';
comment on column app_private.session.expires_at is 'The session ends at this time: its token is refused from then on (live_session); the row is deleted a day after (expire_sessions).';
comment on index app_private.session_user_live_idx is 'An account''s sessions not revoked, newest first: what every statement reading an account''s sessions reads (open_session''s cap of 10 at each login and switch, a password change or reset, a membership''s change), however many sessions the account ended within the day expire_sessions keeps them. Those expired within that day are in it too (at most 10 for each session lifetime the day holds: only live sessions expire unrevoked, and an account has 10 live at most), which its readers pass over by their expiry.';
