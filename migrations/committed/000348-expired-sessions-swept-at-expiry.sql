--! Previous: sha1:dcadf9ec022ec4a97a262bd3cfdd7b56be518d06
--! Hash: sha1:4154f5955ed610f10d00a77ce249525765d3c3c8
--! Message: expired-sessions-swept-at-expiry

-- An expired session's row is deleted by the hourly sweep from its expiry again; a revoked one's is kept a day
--
-- Since 000334 an expired session's row was kept a day, as a revoked one's is, for a download cut short after its
-- session expired, whose audit read that row; since 000342 a download's end reads no session (app_private.export_download),
-- and nothing else reads an expired session's row but to pass it over: every request and websocket check refuses a
-- session whose row is gone as one expired (live_session, ended_sessions), every ending and a login's cap take live
-- sessions alone, and a logout of a session gone answers false, writing nothing, as for one expired. The day's cost
-- was borne by logins: an expired session was never revoked, so it stayed in session_user_live_idx (whose predicate
-- cannot name the time: a partial index's must be immutable), and each login's cap read every session of the account
-- that expired within the day, 14,400 for an account logged into every 6 seconds with SESSION_TTL_SECONDS=60, a login
-- taking 4 ms instead of 2 with the account's locks held. The hourly sweep now deletes a session from its expiry again
-- (as before 000334), within the hour after it, and one revoked a day after its revocation, as since 000001.
create or replace function app_private.expire_sessions() returns integer
  language sql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  with gone as (
    delete from app_private.session s
    where s.id in (
      select o.id from app_private.session o
      where o.expires_at <= now() or o.revoked_at <= now() - interval '1 day'
      for update skip locked)
    returning 1
  )
  select count(*)::integer from gone;
$$;
comment on function app_private.expire_sessions() is 'Deletes every session that has expired, or was revoked more than a day ago; returns how many. Run hourly by session__expire (worker/crontab), so an expired session is deleted within the hour after its expiry, a revoked one within the hour after its day; a session''s token is refused from its end all the same, its row kept or not (live_session). Nothing reads an ended session''s row but to pass it over (a download it began is audited at its end from what it kept as it began, app_private.export_download): an expired one goes at once since it stays in session_user_live_idx, which each login''s cap reads, until it is deleted. One that another transaction holds (ending it, or changing it) is left to the next hourly run, never waited for: the sweep is in no deadlock with an ending of sessions, whatever order that takes them in. Logins stay in the audit log.';
revoke all on function app_private.expire_sessions() from public;

comment on table app_private.session is 'A login. The JWT carries only its id as the authority: logout, expiry, a role change or a suspension act here, so a token stops working at once. A session ended is refused from its end, its row kept or not; the hourly sweep (expire_sessions) deletes an expired one within the hour after its expiry, a revoked one within the hour after a day. A download it began reads no session at its end (app_private.export_download).';
comment on column app_private.session.expires_at is 'The session ends at this time: its token is refused from then on (live_session); the row is deleted by the first hourly sweep past it (expire_sessions).';
comment on index app_private.session_user_live_idx is 'An account''s sessions not revoked, newest first: what every statement reading all of an account''s sessions reads (open_session''s cap of 10 at each login and switch, the endings of a password change or reset, a deactivation or a platform administrator''s change: end_sessions_of), however many sessions the account had revoked within the day expire_sessions keeps them. Those expired since the last hourly sweep are in it too (at most 10 for each session lifetime the hour holds, 10 when sessions last an hour or more, as by default: only live sessions expire unrevoked, and an account has 10 live at most), which its readers pass over by their expiry; its predicate cannot leave them out (a partial index''s must be immutable, and expiry is a matter of now()). A membership''s change reads session_clinic_user_idx.';
