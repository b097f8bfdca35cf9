--! Previous: sha1:e48f118f28506e8bc5399e6c720b1ca5eb35ce0a
--! Hash: sha1:63e3b67271df91dda53ff817313187a32be6f23b
--! Message: a switch of clinic keeps the session's end

-- A switch of clinic keeps the session's end. It opened a session of the full lifetime (12 hours by
-- default), so a session switched to its own clinic again and again never ended without a password:
-- a stolen cookie stayed good for as long as its thief kept switching. The new session now ends when
-- the one switched from would have (a switch is no login); a login starts the clock again. The time
-- left is counted in microseconds: the difference of two times comes in days and hours, and a day
-- added on the clinic's clock across a change of the clocks is 23 or 25 hours (with sessions of more
-- than a day, each switch moved the end by an hour).

create or replace function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid;
  v_result jsonb;
begin
  -- the account's row and its sessions' turn before this session is checked, which a statement
  -- after them reads as it is once they are had
  perform app_private.hold_account((select s.user_id from app_private.session s where s.id = app_public.current_session_id()));
  v_user_id := app_public.current_user_id();
  if v_user_id is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  begin
    -- a logout or another switch of this session that committed while this one waited has ended it
    update app_private.session s set revoked_at = now() where s.id = app_public.current_session_id() and s.revoked_at is null;
    if not found then
      raise exception 'Your session has ended: log in again.' using errcode = 'CAUTH';
    end if;
    -- the new session ends when the one switched from would have: a switch is no login, and switching to
    -- the same clinic again and again kept a stolen cookie alive for good
    -- the time left as microseconds, not as the difference of the two times: that one comes in days and hours,
    -- and a day added on the clinic's clock (this session's time zone) with summer time is 23 or 25 hours
    v_result := app_private.open_session(v_user_id, switch_clinic.clinic_id, switch_clinic.ip, switch_clinic.user_agent,
      least(switch_clinic.ttl, interval '1 microsecond' *
        (select (extract(epoch from s.expires_at) - extract(epoch from now())) * 1000000 from app_private.session s where s.id = app_public.current_session_id())));
  exception when sqlstate 'CFORB' then
    -- a clinic the user is not (or no longer) an active member of: the session switched from goes on,
    -- and the attempt is audited as a login naming it is (not_a_member), in the platform's chain: once
    -- a quarter of an hour per session, so that a session trying id after id writes no entry a request
    update app_private.session s set switch_refused_at = now()
    where s.id = app_public.current_session_id() and (s.switch_refused_at is null or s.switch_refused_at < now() - interval '15 minutes');
    if found then
      perform app_private.audit_failed_login((select u.phone from app_public."user" u where u.id = v_user_id), switch_clinic.ip,
        'switch_not_a_member', v_user_id, jsonb_build_object('clinicId', switch_clinic.clinic_id));
    end if;
    return jsonb_build_object('status', 'not_a_member');
  end;
  perform app_private.write_audit(switch_clinic.clinic_id, 'switch_clinic', 'user', v_user_id, null, null,
    jsonb_build_object('ip', switch_clinic.ip, 'sessionId', v_result ->> 'sessionId'), v_user_id);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;
comment on function app_hidden.switch_clinic(uuid, inet, text, interval) is 'Ends the current session and opens one scoped to another clinic of the same user, ending when the one ended would have (a switch is no login: at most ttl from now), holding the account''s row (shared), so that a password change or a deactivation ends the session a switch opens, and a switch after them, or after a logout or another switch of the same session, is told its session has ended (UNAUTHENTICATED). A clinic the user is not an active member of answers status not_a_member, the session kept, and is audited (audit_failed_login, switch_not_a_member) once a quarter of an hour per session. Called by POST /auth/switch-clinic.';
