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

-- The comments of 000229–000237 say what the API does
--
-- Read again for the API's docs, some said less or other than the functions do: a visit's service billed by a partially
-- paid invoice read as not billed; the duplicate warning told doctors and cashiers they are told how many deleted
-- patients match, where countDeletedPatientDuplicates refuses them, and named a function of ours no client can call;
-- a walk-in's "today" was no day of the clinic's clock in particular; an issue sent again was told in a tangle; and
-- open_session said it returns what /auth/login answers, which answers part of it, and login left out the platform's
-- chain where the cap ends sessions of none. (The audit log's action and detail, switch_clinic and audit_session_opened,
-- which 000234 and 000236 wrote, are said anew above, with the session a switch comes from.)

comment on function app_public.visit_service_billed(app_public.visit_service) is
  'Whether a live invoice (a draft, issued, partially paid or paid: any but a void one) bills this service. While one does, its quantity and discount cannot change, nor can it be taken off the visit (CONFLICT), until billing takes its line off the draft or voids the invoice. Readable by every role that sees the visit, doctors included, who may not read invoices: it says nothing of the invoice.';

comment on function app_public.find_patient_duplicates(text, text, text, date, uuid) is
  'Existing patients that look like the one being registered or edited: same phone, or same names (white space, accents and case aside) and date of birth. Call it before saving to warn the user. To owners and admins, deleted patients too (after the others, `deletedAt` set): restore one (restorePatient) rather than register them again. To others live patients alone; a receptionist is told how many deleted ones match by countDeletedPatientDuplicates, to ask an owner or admin.';

comment on function app_public.check_in_walk_in(uuid, uuid, text) is
  'A patient who walks in: books a visit with the doctor for now and checks the patient in, at once (one transaction). The booking and the check-in are those of createVisit and updateVisit, with their rules, stamps and audit entries. A patient already checked in with that doctor today, on the clinic''s clock (or in the consultation), is CONFLICT naming that visit (its code in the message, its id in extensions.visitId): the same walk-in sent again books nothing. Owners, admins and receptionists.';

comment on function app_public.issue_invoice(uuid) is 'Issues a draft invoice: its lines are frozen and it can be paid. Sent again (a double click, a retry), it answers the invoice as it is now, whatever was paid since (partially paid, paid); a void invoice is INVALID_TRANSITION, and a draft without lines INVALID_INPUT. Owners, admins and cashiers.';

comment on function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) is 'Starts a session for a user, scoped to the chosen clinic (one they are a member of: an invitation is accepted with accept_invitation first), or to the only clinic they are a member of (invitations not counted; not for a platform administrator, who logs in to the platform unless they name a clinic), or to none, and ends the user''s live sessions beyond the newest 10, this one among them (the account''s openings taking turns on session_opening_key). Returns the session (sessionId and expiresAt, which the token carries), what /auth/login and /auth/switch-clinic answer of it (user, clinic, role, and `clinics`: the user''s active memberships and invitations, `pending: true`, of those only the clinic''s id and name and the role offered), and `endedSessions`, the sessions it ended, each its id and clinic (`{id, clinicId}`; none, an empty array), which audit_session_opened records each in its clinic''s chain and no answer gives.';

comment on function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) is 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session, which ends the account''s live sessions beyond the newest 10) and returns it with status "ok". A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; one made while another attempt on the phone is in flight (an account''s or not) is {"status": "busy"}, its password not checked, and not counted against the client''s address; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, naming the sessions of its clinic the cap ended as endedSessions, those of other clinics, or of none, each in its own chain as sessions_ended: audit_session_opened; or login_failed with the reason), but those the address throttle refuses, audited once for as long as the address keeps being refused; every failure but not_a_member and busy counts against the client''s address. Called by POST /auth/login.';
