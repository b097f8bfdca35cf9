--! Previous: sha1:b2900a8e94a2626c18af92ec347a8e5bf14266a1
--! Hash: sha1:a534b17dd56c88f13ac781bc7caf2529381db603
--! Message: Each chain whose sessions a password change, a reset or a deactivation ended records it

-- Each chain whose sessions a password change, a reset or a deactivation ended records it
--
-- Since 000234 and 000238 a login's or a switch's ending of sessions is in each ended session's own clinic's chain (the
-- platform's for those in none). A password change, a clinic's or the operator's reset of a password, and a deactivation
-- of an account (or a change of its platform rights) still ended the account's sessions in every clinic while writing at
-- most one entry in one chain, whose count (sessionsEnded) took in other clinics' sessions: those clinics' chains never
-- recorded that their sessions had ended. Now each chain whose sessions were ended gets a sessions_ended entry naming them
-- (endedBy: password_change, password_reset, deactivation or platform_admin_change), the act's own entry counting those of
-- its chain alone, the chains' heads locked in the order of their ids as every login and switch takes them: one function
-- writes them all (audit_sessions_ended), audit_session_opened through it.

-- The ending of every session of an account, each named with its clinic
create or replace function app_private.end_sessions_of(user_id uuid, kept_session_id uuid) returns jsonb
  language sql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  with ended as (
    update app_private.session s set revoked_at = now()
    where s.user_id = end_sessions_of.user_id and s.revoked_at is null and s.id is distinct from end_sessions_of.kept_session_id
    returning s.id, s.clinic_id
  )
  select coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'clinicId', e.clinic_id) order by e.id), '[]') from ended e;
$$;
comment on function app_private.end_sessions_of(user_id uuid, kept_session_id uuid) is 'Ends every live session of the user but kept_session_id (none when null), as a logout ends them (their tokens UNAUTHENTICATED, their websockets closed); answers them as open_session lists those its cap ended, each its id and clinic ({id, clinicId}; none, an empty array), for audit_sessions_ended.';
revoke all on function app_private.end_sessions_of(uuid, uuid) from public;

-- An act's audit entry and each ended session's chain's, in the order of the chains' ids
create or replace function app_private.audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb,
  counted boolean, ended jsonb, ended_by text, actor_user_id uuid) returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_ended jsonb := coalesce(audit_sessions_ended.ended, '[]');
  v_chain record;
begin
  -- the chain of the act's own entry (none without an action), and those of the sessions it ended, one entry each, in
  -- the order of the chains' ids: write_audit locks each chain's head until commit, and every act that ends sessions of
  -- several clinics takes them in this order, so that two at once lock no head the other holds while waiting for it
  for v_chain in
    select c.clinic_id, jsonb_agg(e.session -> 'id' order by e.session ->> 'id') filter (where e.session is not null) as ended
    from (select audit_sessions_ended.clinic_id where audit_sessions_ended.action is not null
          union
          select (s ->> 'clinicId')::uuid from jsonb_array_elements(v_ended) s) c(clinic_id)
    left join jsonb_array_elements(v_ended) e(session) on (e.session ->> 'clinicId')::uuid is not distinct from c.clinic_id
    group by c.clinic_id
    order by coalesce(c.clinic_id, '00000000-0000-0000-0000-000000000000')
  loop
    if audit_sessions_ended.action is not null and v_chain.clinic_id is not distinct from audit_sessions_ended.clinic_id then
      -- the act's entry names (or counts) the sessions of its own chain alone
      perform app_private.write_audit(v_chain.clinic_id, audit_sessions_ended.action, audit_sessions_ended.table_name,
        audit_sessions_ended.user_id, null, null, audit_sessions_ended.detail || case
          when audit_sessions_ended.counted then jsonb_build_object('sessionsEnded', coalesce(jsonb_array_length(v_chain.ended), 0))
          else jsonb_strip_nulls(jsonb_build_object('endedSessions', v_chain.ended)) end,
        audit_sessions_ended.actor_user_id);
    else
      -- nothing of the act but what it was (not where, nor what else it did)
      perform app_private.write_audit(v_chain.clinic_id, 'sessions_ended', 'user', audit_sessions_ended.user_id, null, null,
        jsonb_build_object('endedSessions', v_chain.ended, 'endedBy', audit_sessions_ended.ended_by), audit_sessions_ended.actor_user_id);
    end if;
  end loop;
end;
$$;
comment on function app_private.audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb, counted boolean, ended jsonb, ended_by text, actor_user_id uuid) is 'Audits an act that ended sessions of the user (ended, as end_sessions_of and open_session list them: {id, clinicId}): its own entry (action on table_name, the user''s id its record_id, detail), in the chain of clinic_id (the platform''s when null), naming the sessions of that chain it ended (endedSessions, their ids, if any) or, when counted, counting them (sessionsEnded); and each other chain whose sessions it ended an entry sessions_ended naming those alone (endedSessions) and what ended them (endedBy: ended_by), so that no clinic learns another''s session ids nor misses the end of its own. Without an action (a deactivation, whose entry is its row''s update) every chain of the sessions ended gets sessions_ended. The chains are written in the order of their ids, which every act that ends sessions follows (a login, a switch, a password change, a reset, a deactivation): two at once lock no chain head the other holds while waiting for it. All by actor_user_id.';
revoke all on function app_private.audit_sessions_ended(uuid, text, text, uuid, jsonb, boolean, jsonb, text, uuid) from public;

-- A login's or a switch's audit, through audit_sessions_ended
create or replace function app_private.audit_session_opened(action text, opened jsonb, ip inet) returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := (opened -> 'user' ->> 'id')::uuid;
begin
  perform app_private.audit_sessions_ended((opened -> 'clinic' ->> 'id')::uuid, audit_session_opened.action, 'user', v_user_id,
    jsonb_build_object('ip', audit_session_opened.ip, 'sessionId', opened ->> 'sessionId'), false,
    opened -> 'endedSessions', audit_session_opened.action, v_user_id);
end;
$$;
comment on function app_private.audit_session_opened(action text, opened jsonb, ip inet) is 'Audits a session opened by a login or a switch (action login or switch_clinic; opened as open_session returned it, a switch adding the session it came from to its endedSessions), by the person: its entry, in its clinic''s chain (the platform''s without one), gives the client''s address, the session opened (sessionId) and the sessions of that clinic the opening ended (endedSessions); each other chain whose sessions it ended gets an entry sessions_ended naming those alone (endedSessions) and what ended them (endedBy: login or switch_clinic), the chains written in the order of their ids (audit_sessions_ended).';

-- A password change's ending of the account's other sessions, each in its chain
create or replace function app_hidden.change_password(current_password text, new_password text, ip inet) returns jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_session app_private.session := app_private.live_session();
  v_secret app_private.user_secret;
  v_ended jsonb;
begin
  if v_session.id is null then
    raise exception 'Log in first.' using errcode = 'CAUTH';
  end if;
  if current_password is null or current_password = '' or char_length(current_password) > 1024 then
    raise exception 'Give your current password (currentPassword).' using errcode = 'CINVL';
  end if;
  perform app_private.check_password(new_password);
  if new_password = current_password then
    raise exception 'The new password is the one you have: choose another.' using errcode = 'CINVL';
  end if;
  -- locked until this attempt is counted, so guesses through several sessions take turns
  select * into v_secret from app_private.user_secret s where s.user_id = v_session.user_id for update;
  -- and the account's row, which a clinic switch holds (shared) while it opens a session: a switch
  -- before the change has its session ended by it, one after finds its own ended
  perform from app_public."user" u where u.id = v_session.user_id for no key update;
  -- and the sessions' turn, before any session is touched: a change of a membership ends or changes
  -- sessions after its audit entry, this change writes its entry after ending them
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(v_session.user_id));
  -- the session this change was asked from, as it is once those are had: one a switch of it ended
  -- meanwhile is ended (the change went on from it, and ended the switch's new session too)
  if not exists (select from app_private.session s where s.id = v_session.id and s.revoked_at is null) then
    raise exception 'Your session has ended: log in again.' using errcode = 'CAUTH';
  end if;
  if coalesce(v_secret.locked_until > now(), false)
     or not app_private.password_matches(current_password, v_secret.password_hash) then
    -- the same as a login's failure: audited, counted against the account and the client's address
    insert into app_private.login_failure (ip, phone)
    select app_hidden.throttled_network(change_password.ip), u.phone from app_public."user" u where u.id = v_session.user_id;
    perform app_private.count_password_failure(v_session.user_id);
    perform app_private.audit_failed_login(u.phone, change_password.ip, 'password_change_refused', u.id)
    from app_public."user" u where u.id = v_session.user_id;
    return jsonb_build_object('status', 'invalid');
  end if;
  update app_private.user_secret s set password_hash = app_private.hash_password(new_password),
    failed_login_count = 0, first_failed_login_at = null, locked_until = null, password_set_by_holder = true
  where s.user_id = v_session.user_id;
  v_ended := app_private.end_sessions_of(v_session.user_id, v_session.id);
  -- the change in the chain of the session that asked, counting the sessions of that chain it ended; those of each other
  -- chain in that chain's own entry
  perform app_private.audit_sessions_ended(v_session.clinic_id, 'update', 'user_secret', v_session.user_id,
    jsonb_build_object('passwordChanged', true, 'ip', change_password.ip, 'sessionId', v_session.id), true,
    v_ended, 'password_change', v_session.user_id);
  return jsonb_build_object('status', 'ok', 'sessionsEnded', jsonb_array_length(v_ended));
end;
$$;
comment on function app_hidden.change_password(current_password text, new_password text, ip inet) is 'Changes the session''s user''s password, given the current one: no current password (or one over 1,024 characters) or the same one again is INVALID_INPUT, a new one breaking the password rule WEAK_PASSWORD (check_password); a wrong current one, or an account locked, is {"status": "invalid"}, counted and audited as a failed login (reason password_change_refused). On success the account''s other sessions end, in every clinic, and the change is audited (update of user_secret, without the hash) in the chain of the session that asked, counting the sessions of that chain it ended (sessionsEnded), each other chain whose sessions it ended getting sessions_ended (endedBy password_change: audit_sessions_ended): {"status": "ok", "sessionsEnded": n}, n the sessions it ended in every clinic. Called by POST /auth/password.';

-- A reset's ending of every session of the account, each in its chain
create or replace function app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) returns integer
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_secret app_private.user_secret;
  v_ended jsonb;
begin
  perform app_private.hold_for_new_password(replace_password.user_id);
  select * into v_secret from app_private.user_secret s where s.user_id = replace_password.user_id;
  update app_private.user_secret s set password_hash = replace_password.password_hash, locked_until = null,
    failed_login_count = 0, first_failed_login_at = null, password_set_by_holder = false,
    password_given_by_clinic = replace_password.clinic_id
  where s.user_id = replace_password.user_id;
  v_ended := app_private.end_sessions_of(replace_password.user_id, null);
  perform app_private.audit_sessions_ended(replace_password.clinic_id, 'update', 'user_secret', replace_password.user_id,
    jsonb_build_object('passwordChanged', true, 'unlocked', coalesce(v_secret.locked_until > now(), false)) || replace_password.detail, true,
    v_ended, 'password_reset', app_public.current_user_id());
  return jsonb_array_length(v_ended);
end;
$$;
comment on function app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) is 'Gives the person a password someone else chose (its hash, made by hash_password): the person must choose their own at their next chance (password_set_by_holder false), a lockout ends, every session of theirs ends, and the change is audited in the chain of clinic_id (the platform''s when null); a clinic''s reset keeps the account to that clinic until the operator''s next (password_given_by_clinic) as an update of user_secret: passwordChanged, unlocked, sessionsEnded (the sessions of that chain it ended) and the detail given (who did it), never the hash; each other chain whose sessions it ended gets sessions_ended (endedBy password_reset: audit_sessions_ended). Answers the sessions it ended, in every clinic. For the operator''s resets (npm run password, npm run superuser) and a clinic''s (reset_member_password).';

-- A deactivation's (or a change of platform rights') ending of every session of the account, each in its chain
create or replace function app_private.tg_user__end_sessions() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if not new.is_active or new.is_platform_admin <> old.is_platform_admin then
    -- the sessions' turn (shared), as a password change takes it, before any session is touched: a membership change of
    -- the user holds it while it ends that clinic's sessions after writing its chain, which this ending writes too after
    -- ending them (each would wait for the other)
    perform pg_advisory_xact_lock_shared(app_private.session_turn_key(new.id));
    -- the change itself is the row's update (tg__audit, before this trigger): by the operator, outside any session, in
    -- the platform's chain, the first of the chains in the order of their ids
    perform app_private.audit_sessions_ended(null, null, null, new.id, null, false, app_private.end_sessions_of(new.id, null),
      case when not new.is_active then 'deactivation' else 'platform_admin_change' end, app_public.current_user_id());
  end if;
  return null;
end;
$$;
comment on function app_private.tg_user__end_sessions() is 'AFTER UPDATE: deactivating a user, or changing platform admin rights, ends all their sessions once a change of their memberships in flight is done (session_turn_key, shared), each chain whose sessions it ended getting sessions_ended (endedBy deactivation or platform_admin_change: audit_sessions_ended).';

-- What the audit log says of the sessions each of these ended
comment on column app_public.audit_log.action is 'insert, update, delete, soft_delete, restore, login, login_failed, logout, switch_clinic, sessions_ended (sessions of this chain''s clinic, or of none in the platform''s, that an act of another chain ended: the person''s login or switch elsewhere, the session a switch came from and those beyond their 10 live sessions; a change or a reset of their password, every session but the one that asked; a deactivation of the account or a change of its platform rights, every session, in each chain), export (a download begun) or export_cut_short (that download ended before the whole file was sent).';

comment on column app_public.audit_log.detail is 'Extra facts, by action: null for a change of a row (insert, update, delete, soft_delete, restore), but an update of user_secret (below). login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the opening ended, if any: the session a switch came from, and those beyond the account''s cap of 10 live sessions). sessions_ended: endedSessions (the sessions of this chain''s clinic, or of none in the platform''s, that were ended), endedBy (what ended them: login or switch_clinic, into another clinic or none; password_change, by the person; password_reset, by a clinic''s owner or admin or the operator; deactivation of the account, or platform_admin_change of its rights, by the operator). logout: sessionId. login_failed: phone (normalised; null when it was no phone number), ip, reason, and clinicId (the clinic named, for not_a_member and switch_not_a_member). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many sessions of this chain''s clinic, or of none in the platform''s, it ended: those of other chains are in their sessions_ended), and ip and sessionId when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry).';

-- The resets' descriptions say where the sessions they end are recorded
comment on function app_public.reset_member_password(membership_id uuid, password text) is 'Gives a member of the current clinic a new password, for one who forgot theirs; answers how many of their sessions it ended. Owners reset admins, doctors, receptionists and cashiers; admins reset doctors, receptionists and cashiers; never their own (POST /auth/password), an owner''s, a platform administrator''s, or that of a person who also belongs to another clinic or is invited to one (the platform operator resets those: npm run password), all FORBIDDEN; nor a pending invitation''s (FORBIDDEN: the account is not the clinic''s until the person accepts). The password follows the rule of every password (check_password); replaced by replace_password. The person must choose their own at their next chance (currentUserPasswordSetByHolder false: they answer no invitation before), every session of theirs ends, an account locked by wrong passwords is unlocked, and the reset is audited in the clinic''s chain (an update of user_secret by the caller, without the password or its hash, counting the sessions in the clinic it ended; those in no clinic in the platform''s chain, sessions_ended). NOT_FOUND for a membership not of the clinic, or removed.';
comment on function app_private.create_platform_admin(phone text, full_name text, password text) is 'Creates a platform administrator, or promotes someone who has an account; either way the account gets the password given (`npm run superuser`). A reset of an existing account''s password unlocks it, ends every session of the account, and is audited in the platform''s chain (user_secret, passwordChanged, with the sessions in no clinic it ended; those of each clinic in its chain, sessions_ended: replace_password).';
