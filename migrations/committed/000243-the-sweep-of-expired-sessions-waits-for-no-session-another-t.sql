--! Previous: sha1:82c35324d2eb8ba88949162e2613d28b6e7e67a8
--! Hash: sha1:8b1108846a660f3d3f0532489620645ffa9509eb
--! Message: The sweep of expired sessions waits for no session another transaction holds

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
