--! Previous: sha1:4bc1df7e7ad54489e366749eb443ad9d0c547da4
--! Hash: sha1:4c409f85dbb84f4977eb6645eb0b198b82d04751
--! Message: A websocket ends with its session: the API asks which sessions behind its websockets have ended (ended_sessions)

-- A websocket ends with its session: the API asks every 30 seconds which of the sessions behind its
-- open websockets have ended (logged out, switched away from, revoked by a password change, a
-- removal, a suspension or a deactivation, expired) and closes their connections. A live queue held
-- the connection of a session revoked hours before, silent until its clinic's next visit event.

create or replace function app_hidden.ended_sessions(session_ids uuid[]) returns setof uuid
  language sql stable security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  select given.id from unnest(session_ids) as given(id)
  where not exists (
    select from app_private.session s where s.id = given.id and s.revoked_at is null and s.expires_at > now()
  );
$$;
comment on function app_hidden.ended_sessions(uuid[]) is
  'Which of the sessions named have ended: revoked (a logout, a switch, a password change, a membership''s end), expired, or never existed. Asked by the API server for the sessions behind its open websockets, whose connections it then closes (server/websocket-sessions.ts); a session id alone gives no access.';
revoke all on function app_hidden.ended_sessions(uuid[]) from public;
grant execute on function app_hidden.ended_sessions(uuid[]) to :DATABASE_VISITOR;
