--! Previous: sha1:b8f6383ec8809f7218f8fdf2a2b23944fd419919
--! Hash: sha1:b03e8320ccf83f99212c52c31b37bb8cf0d0baf3
--! Message: A switch's ending of the session it comes from is in that session's chain

-- A switch's ending of the session it comes from is in that session's chain
--
-- A switch ends the session it comes from, and its entry (switch_clinic) is in the chain of the clinic entered: the
-- chain of the clinic it came from (the platform's, for a session in none) never learnt that session had ended, where a
-- logout's end is in it. Now it is among the sessions the switch ended, as those of the cap (000234): named by the
-- switch's entry when it is of the clinic entered, else by a sessions_ended entry (endedBy switch_clinic) in its own
-- chain, the chains written in the order of their ids as every opening writes them.

create or replace function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid;
  v_result jsonb;
  -- the session switched from, as open_session lists those it ended ({id, clinicId})
  v_left jsonb;
begin
  -- the account's row and its sessions' turn before this session is checked, which a statement
  -- after them reads as it is once they are had
  perform app_private.hold_account((select s.user_id from app_private.session s where s.id = app_public.current_session_id()));
  v_user_id := app_public.current_user_id();
  if v_user_id is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  -- the account's openings' turn (open_session's) before this session is touched: a login holding it may
  -- be ending this session as one of the oldest, and would wait for this switch, which waited for it
  perform pg_advisory_xact_lock(app_private.session_opening_key(v_user_id));
  begin
    -- a logout or another switch of this session that committed while this one waited has ended it
    update app_private.session s set revoked_at = now() where s.id = app_public.current_session_id() and s.revoked_at is null
    returning jsonb_build_object('id', s.id, 'clinicId', s.clinic_id) into v_left;
    if v_left is null then
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
  -- the session switched from ended as those the cap ended: its end in its clinic's chain, where a logout's would be
  perform app_private.audit_session_opened('switch_clinic',
    v_result || jsonb_build_object('endedSessions', (v_result -> 'endedSessions') || jsonb_build_array(v_left)), switch_clinic.ip);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;

comment on function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) is 'Ends the current session and opens one scoped to another clinic of the same user, ending when the one ended would have (a switch is no login: at most ttl from now), holding the account''s row (shared), so that a password change or a deactivation ends the session a switch opens, and a switch after them, or after a logout or another switch of the same session, is told its session has ended (UNAUTHENTICATED); it takes its turn among the account''s openings (session_opening_key) before it ends its session. A clinic the user is not an active member of answers status not_a_member, the session kept, and is audited (audit_failed_login, switch_not_a_member) once a quarter of an hour per session. Audited as switch_clinic in the chain of the clinic entered, naming the sessions of that clinic it ended (endedSessions: the one it comes from, when of that clinic, and those open_session''s cap ended), if any; those of other clinics it ended, the one it comes from among them, are each in their clinic''s chain (the platform''s, for a session in none) as sessions_ended (audit_session_opened). Called by POST /auth/switch-clinic.';

comment on function app_private.audit_session_opened(action text, opened jsonb, ip inet) is 'Audits a session opened by a login or a switch (action login or switch_clinic; opened as open_session returned it, a switch adding the session it came from to its endedSessions): its entry, in its clinic''s chain (the platform''s without one), gives the client''s address, the session opened (sessionId) and the sessions of that clinic the opening ended (endedSessions); each other chain whose sessions it ended gets an entry sessions_ended naming those alone (endedSessions) and what ended them (endedBy: login or switch_clinic), so that no clinic learns another''s session ids. The chains are written in the order of their ids, which every opening follows: two at once that end sessions of each other''s clinics lock no chain head the other holds while waiting for it.';

comment on column app_public.audit_log.action is 'insert, update, delete, soft_delete, restore, login, login_failed, logout, switch_clinic, sessions_ended (sessions of this chain''s clinic, or of none in the platform''s, that the person''s login or switch elsewhere ended: the session a switch came from, and those beyond their 10 live sessions), export (a download begun) or export_cut_short (that download ended before the whole file was sent).';

comment on column app_public.audit_log.detail is 'Extra facts, by action: null for a change of a row (insert, update, delete, soft_delete, restore), but an update of user_secret (below). login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the opening ended, if any: the session a switch came from, and those beyond the account''s cap of 10 live sessions). sessions_ended: endedSessions (the sessions of this chain''s clinic, or of none in the platform''s, that were ended), endedBy (what ended them: login or switch_clinic, into another clinic or none). logout: sessionId. login_failed: phone (normalised; null when it was no phone number), ip, reason, and clinicId (the clinic named, for not_a_member and switch_not_a_member). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many), and ip and sessionId when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry).';
