--! Previous: sha1:37bc2eafa3b04a1978d4d2256f4809f7c997a8c9
--! Hash: sha1:7b6dfa8227fc3dd2f467f236e5608cfbb0d14401
--! Message: a password change and a switch take turns

--------------------------------------------------------------------------------
-- A password change and a clinic switch of the same account take turns.
--
-- A switch revoked its session and opened another without the account's lock, which a login and
-- a password change take: a switch in flight while the password changed left its new session
-- live (the change's update of the sessions skipped the old one, already revoked, and did not see
-- the new one), and a switch that had read its session as live before the change committed
-- opened a new one after it. Someone holding a stolen cookie and switching clinics in a loop kept
-- a live session through the victim's password change in 18 of 20 rounds (a review of 000112).
-- The switch now takes the account's lock first, then checks its session: after a change it finds
-- the session ended, and a change after it ends the session it opened.

create or replace function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) returns jsonb
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_user_id uuid;
  v_result jsonb;
begin
  -- the account's lock (shared: switches of one account need not wait for each other), taken
  -- before the session is checked, which a statement after it reads as it is once the lock is had
  perform from app_private.user_secret us
  where us.user_id = (select s.user_id from app_private.session s where s.id = app_public.current_session_id())
  for share;
  v_user_id := app_public.current_user_id();
  if v_user_id is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  update app_private.session s set revoked_at = now() where s.id = app_public.current_session_id();
  v_result := app_private.open_session(v_user_id, switch_clinic.clinic_id, switch_clinic.ip, switch_clinic.user_agent, switch_clinic.ttl);
  perform app_private.write_audit(switch_clinic.clinic_id, 'switch_clinic', 'user', v_user_id, null, null,
    jsonb_build_object('ip', switch_clinic.ip, 'sessionId', v_result ->> 'sessionId'), v_user_id);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;
comment on function app_hidden.switch_clinic(uuid, inet, text, interval) is 'Ends the current session and opens one scoped to another clinic of the same user, holding the account''s lock (shared) as a login and a password change hold it, so that a password change ends the session a switch opens and a switch after a change is told its session has ended. Called by POST /auth/switch-clinic.';
