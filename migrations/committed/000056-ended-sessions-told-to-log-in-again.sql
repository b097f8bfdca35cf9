--! Previous: sha1:29e8926568dc4f8f276007030364a972788fd437
--! Hash: sha1:e2a424f2f49fbbe6a16c6013c8b3e5498ab00245
--! Message: Ended sessions told to log in again

-- A request whose session has ended (logged out, switched away from, expired, revoked by a removal
-- or a suspension) is told so: UNAUTHENTICATED, "Your session has ended: log in again.", from
-- whatever it asks, as a token that no longer verifies is. Before, its reads looked empty, and only
-- a write that allocates a code said why (next_code's special case, 000036). One check, where every
-- request's identity is read: app_private.live_session. A session ended by the request's own
-- transaction (logout, switch-clinic) is no error: that transaction
-- goes on without a session, as before.

create or replace function app_private.live_session() returns app_private.session
    language plpgsql stable
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_claim uuid := app_public.current_session_id();
  live app_private.session;
begin
  if v_claim is null then
    return live;
  end if;
  select s.* into live from app_private.session s
  where s.id = v_claim and s.revoked_at is null and s.expires_at > now();
  -- now() is the transaction's start: a session revoked at that instant was revoked by this transaction
  if not found and not exists (select from app_private.session s where s.id = v_claim and s.revoked_at = now()) then
    raise exception 'Your session has ended: log in again.' using errcode = 'CAUTH';
  end if;
  return live;
end;
$$;
comment on function app_private.live_session() is
  'The session behind the request''s session id claim if it is live (neither revoked nor expired); a row of nulls without a claim, or when this very transaction ended the session (logout, switch-clinic). A claim whose session had already ended (or no longer exists) is UNAUTHENTICATED (CAUTH), whatever the request asks. Read by the current_* functions; PL/pgSQL so that its plan is cached per connection.';
