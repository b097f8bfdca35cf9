-- A password change, a reset or a deactivation ends the account's live sessions alone
--
-- end_sessions_of ended every session not yet revoked, those already expired but not yet swept among them: a password
-- change (a reset, a deactivation) counted them in what the person is told (sessionsEnded) and in its entry, and wrote
-- them into their chains' sessions_ended as ended by it, though each had ended at its expiry. It now ends the sessions
-- still live (neither revoked nor expired, as live_session reads them and a login's cap counts them); an expired one is
-- left as it is, to the sweep (expire_sessions), which deletes it.
create or replace function app_private.end_sessions_of(user_id uuid, kept_session_id uuid) returns jsonb
  language sql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  with ended as (
    update app_private.session s set revoked_at = now()
    where s.user_id = end_sessions_of.user_id and s.revoked_at is null and s.expires_at > now()
      and s.id is distinct from end_sessions_of.kept_session_id
    returning s.id, s.clinic_id
  )
  select coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'clinicId', e.clinic_id) order by e.id), '[]') from ended e;
$$;
comment on function app_private.end_sessions_of(user_id uuid, kept_session_id uuid) is 'Ends every live session (neither revoked nor expired) of the user but kept_session_id (none when null), as a logout ends them (their tokens UNAUTHENTICATED, their websockets closed); one already expired had ended then, and is left to the sweep (expire_sessions), neither ended nor answered again. Answers them as open_session lists those its cap ended, each its id and clinic ({id, clinicId}; none, an empty array), for audit_sessions_ended.';
revoke all on function app_private.end_sessions_of(uuid, uuid) from public;

-- The sweep of expired sessions waits for no session another transaction holds
--
-- The hourly sweep locked the expired sessions oldest first (by their expiry), while an ending of an account's sessions
-- (end_sessions_of, a membership's, a login's cap) locks them newest first: a session expiring between the two
-- transactions' starts is live to the one and expired to the other, and two such sessions, each locked by one while the
-- other waited for it, deadlocked ("deadlock detected"), undoing the password change (or the sweep). The sweep now leaves
-- a session another transaction holds to its next run (skip locked): it waits for none, so it is in no such cycle.
create or replace function app_private.expire_sessions(session_id uuid default null) returns integer
  language sql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  with gone as (
    delete from app_private.session s
    where s.id in (
      select o.id from app_private.session o
      where (expire_sessions.session_id is null or o.id = expire_sessions.session_id)
        and (o.expires_at <= now() or o.revoked_at <= now() - interval '1 day')
      for update skip locked)
    returning 1
  )
  select count(*)::integer from gone;
$$;
comment on function app_private.expire_sessions(session_id uuid) is 'Deletes one session (or, with no id, every session) that has expired, or was revoked more than a day ago; returns how many. One that another transaction holds (ending it, or changing it) is left to the next hourly run, never waited for: the sweep is in no deadlock with an ending of sessions, whatever order that takes them in. Logins stay in the audit log.';
revoke all on function app_private.expire_sessions(uuid) from public;
