--! Previous: sha1:b88223856bc93a20a2de03cc95ebde2308d05e40
--! Hash: sha1:2d7b4290e1063b21da5fa30c207cd35cc90f7ba5
--! Message: a switch to another clinic audited

-- A switch to a clinic the user is not a member of is audited, as a login naming it is: a member
-- trying other clinics' ids from their session left no trace, where the same try at login was a
-- failed login (not_a_member). The switch now answers status not_a_member (the route's 403), its
-- session kept, and writes the failed login's entry in the platform's chain, its actor the user,
-- once a quarter of an hour per session (session.switch_refused_at).

alter table app_private.session add column if not exists switch_refused_at timestamptz;
comment on column app_private.session.switch_refused_at is 'When a switch from this session to a clinic its user is not a member of was last audited: such refusals are audited once a quarter of an hour per session (switch_clinic).';

create or replace function app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb default '{}'::jsonb) returns void
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  perform app_private.write_audit(null, 'login_failed', 'user', audit_failed_login.user_id, null, null,
    jsonb_build_object('phone', audit_failed_login.phone, 'ip', audit_failed_login.ip, 'reason', audit_failed_login.reason)
      || audit_failed_login.extra,
    -- the account did it only if it is known to have: the right password, or its own session
    case when audit_failed_login.reason in ('locked', 'inactive', 'not_a_member', 'password_change_refused', 'switch_not_a_member') then audit_failed_login.user_id end);
end;
$$;
comment on function app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb) is 'Writes a failed login''s entry (action login_failed) in the platform''s audit chain: the phone (normalised, or null when it was not a phone number), the client address, the reason and, in extra, anything the reason needs (the clinic asked for). The record is the account the phone belongs to, when there is one; the actor is that account only when the password was right (locked, inactive, not_a_member) or its own session asked (password_change_refused, switch_not_a_member: a switch to a clinic it is not a member of), else no one.';

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
    v_result := app_private.open_session(v_user_id, switch_clinic.clinic_id, switch_clinic.ip, switch_clinic.user_agent, switch_clinic.ttl);
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
comment on function app_hidden.switch_clinic(uuid, inet, text, interval) is 'Ends the current session and opens one scoped to another clinic of the same user, holding the account''s row (shared), so that a password change or a deactivation ends the session a switch opens, and a switch after them, or after a logout or another switch of the same session, is told its session has ended (UNAUTHENTICATED). A clinic the user is not an active member of answers status not_a_member, the session kept, and is audited (audit_failed_login, switch_not_a_member) once a quarter of an hour per session. Called by POST /auth/switch-clinic.';
