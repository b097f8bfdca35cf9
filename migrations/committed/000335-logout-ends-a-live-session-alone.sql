--! Previous: sha1:704449aa4d3a20eaf2ea3d690a99eb5ab3d53adc
--! Hash: sha1:6a1dff92e4c061896faf916f93ee9f93cfce1782
--! Message: logout ends a live session alone

-- A logout ends a live session alone: an expired one is not logged out and audited again
--
-- logout revoked the request's session if it was not revoked, expired or not, and wrote a logout entry into the session's
-- clinic's chain. An expired session's row lasted only until its expiry job ran, but it is now kept a day (the part
-- above): a logout of it (the server refuses its token, which expires with it, but a session running its own SQL as the
-- API's role sends its claim as it likes) would have recorded the person logging out of a session that had ended at its
-- expiry, which the chain is meant to be right about. It now ends a session neither revoked nor expired, as every other
-- ending does (end_sessions_of, a membership's, a login's cap), and answers false, writing nothing, for any other.
create or replace function app_hidden.logout() returns boolean
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_session app_private.session;
begin
  -- as a switch: the account's row and its sessions' turn before the session is touched
  perform app_private.hold_account((select s.user_id from app_private.session s where s.id = app_public.current_session_id()));
  update app_private.session s set revoked_at = now()
  where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now()
  returning * into v_session;
  if v_session.id is null then
    return false;
  end if;
  perform app_private.write_audit(v_session.clinic_id, 'logout', 'user', v_session.user_id, null, null,
    jsonb_build_object('sessionId', v_session.id), v_session.user_id);
  return true;
end;
$$;
comment on function app_hidden.logout() is 'Ends the current session so its token is refused from now on, and audits the logout in its clinic''s chain (the platform''s for a session in none). A session already ended (revoked, or expired: its row is kept a day, expire_sessions) is neither ended again nor audited: false. Called by POST /auth/logout.';
