--! Previous: sha1:c50b7e35d9ecc2876801af81ee7063788b8686ce
--! Hash: sha1:48b057e005ba1cd8ca0cc33504296cc624767d3f
--! Message: A password change or reset is in the audit chain of each clinic the person is of

-- A password change or reset is in the audit chain of each clinic the person is of
--
-- Since 000268 a change to a person's account is in the audit chain of every clinic where their membership is accepted and
-- not removed, but a password change or reset still wrote its entry (an update of user_secret) in one chain: the clinic of
-- the session that asked, the resetting clinic's, or the platform's for the operator's npm run password and npm run
-- superuser. The owner of the person's other clinic read nothing of it when the person had no session there, and at most
-- a sessions_ended entry otherwise: they could not tell that their doctor's password had been changed, or reset by the
-- operator. Now the entry is also in the chain of each clinic the person is of (audit_chains_of_person: a suspended
-- membership's too; not an invitation still pending, nor a clinic the person was removed from), by the same actor, saying
-- what was done and by what (passwordChanged; unlocked and by for a reset) and naming that clinic's sessions it ended
-- (endedSessions, in place of its sessions_ended entry), never where from (the address, the session or membership of
-- the clinic it was asked from) nor the password or its hash. The chain it was done from keeps its entry as it was. All
-- the chains are written by audit_sessions_ended, in the order of their ids, as before (decision 005): no deadlock.
drop function if exists app_private.audit_sessions_ended(uuid, text, text, uuid, jsonb, boolean, jsonb, text, uuid);
create or replace function app_private.audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb,
  counted boolean, ended jsonb, ended_by text, actor_user_id uuid, person_detail jsonb default null) returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_ended jsonb := coalesce(audit_sessions_ended.ended, '[]');
  -- a change to the person's account (a password): its entry in each chain of theirs too (audit_chains_of_person)
  v_person uuid[] := case when audit_sessions_ended.action is not null and audit_sessions_ended.person_detail is not null
    then app_private.audit_chains_of_person(audit_sessions_ended.user_id) else '{}' end;
  v_chain record;
begin
  -- the chain of the act's own entry (none without an action), those of the person's account when it is one, and those
  -- of the sessions it ended, one entry each an account, in the order of the chains' ids: write_audit locks each chain's
  -- head until commit, and every act that ends sessions of several clinics takes them in this order, so that two at once
  -- lock no head the other holds while waiting for it
  for v_chain in
    select c.clinic_id, coalesce((e.session ->> 'userId')::uuid, audit_sessions_ended.user_id) as user_id,
      coalesce(e.session ->> 'endedBy', audit_sessions_ended.ended_by) as ended_by,
      jsonb_agg(e.session -> 'id' order by e.session ->> 'id') filter (where e.session is not null) as ended
    from (select audit_sessions_ended.clinic_id where audit_sessions_ended.action is not null
          union
          select unnest(v_person)
          union
          select (s ->> 'clinicId')::uuid from jsonb_array_elements(v_ended) s) c(clinic_id)
    left join jsonb_array_elements(v_ended) e(session) on (e.session ->> 'clinicId')::uuid is not distinct from c.clinic_id
    group by 1, 2, 3
    order by coalesce(c.clinic_id, '00000000-0000-0000-0000-000000000000'), 2, 3
  loop
    if audit_sessions_ended.action is not null and v_chain.clinic_id is not distinct from audit_sessions_ended.clinic_id then
      -- the act's entry names (or counts) the sessions of its own chain alone
      perform app_private.write_audit(v_chain.clinic_id, audit_sessions_ended.action, audit_sessions_ended.table_name,
        audit_sessions_ended.user_id, null, null, audit_sessions_ended.detail || case
          when audit_sessions_ended.counted then jsonb_build_object('sessionsEnded', coalesce(jsonb_array_length(v_chain.ended), 0))
          else jsonb_strip_nulls(jsonb_build_object('endedSessions', v_chain.ended)) end,
        audit_sessions_ended.actor_user_id);
    elsif array_position(v_person, v_chain.clinic_id) is not null then
      -- another clinic the person is of: the act as it was (person_detail, not where from), naming its sessions it ended
      perform app_private.write_audit(v_chain.clinic_id, audit_sessions_ended.action, audit_sessions_ended.table_name,
        audit_sessions_ended.user_id, null, null,
        audit_sessions_ended.person_detail || jsonb_strip_nulls(jsonb_build_object('endedSessions', v_chain.ended)),
        audit_sessions_ended.actor_user_id);
    else
      -- nothing of the act but what it was (not where, nor what else it did)
      perform app_private.write_audit(v_chain.clinic_id, 'sessions_ended', 'user', v_chain.user_id, null, null,
        jsonb_build_object('endedSessions', v_chain.ended, 'endedBy', v_chain.ended_by), audit_sessions_ended.actor_user_id);
    end if;
  end loop;
end;
$$;

comment on function app_private.audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb, counted boolean, ended jsonb, ended_by text, actor_user_id uuid, person_detail jsonb) is 'Audits an act that ended sessions of the user (ended, as end_sessions_of and open_session list them: {id, clinicId}): its own entry (action on table_name, the user''s id its record_id, detail), in the chain of clinic_id (the platform''s when null), naming the sessions of that chain it ended (endedSessions, their ids, if any) or, when counted, counting them (sessionsEnded); when the act is a change to the person''s account (a password changed or reset: person_detail given), the same action in the chain of each other clinic of audit_chains_of_person (where their membership is accepted and not removed), with person_detail (what was done, by what, not where from) and the sessions of that chain it ended (endedSessions, if any); and each other chain whose sessions it ended an entry sessions_ended naming those alone (endedSessions) and what ended them (endedBy: ended_by), so that no clinic learns another''s session ids nor misses the end of its own. Without an action (a deactivation, whose entry is its row''s update) every chain of the sessions ended gets sessions_ended; sessions of several accounts ended at once each name theirs (userId) and what ended them (endedBy), and each chain gets an entry an account. The chains are written in the order of their ids, which every act that ends sessions follows (a login, a switch, a password change, a reset, a deactivation of one account or several): two at once lock no chain head the other holds while waiting for it. All by actor_user_id.';
revoke all on function app_private.audit_sessions_ended(uuid, text, text, uuid, jsonb, boolean, jsonb, text, uuid, jsonb) from public;

create or replace function app_hidden.change_password(current_password text, new_password text, ip inet) returns jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_session app_private.session := app_private.live_session();
  v_secret app_private.user_secret;
  v_ended jsonb;
  v_throttled boolean;
  v_first_throttled boolean;
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
  -- an address the throttle refuses logins from is refused here too, as a login is: its password not checked,
  -- counted against the address (so it stays refused), audited at the first refusal the throttle makes
  select t.refused, t.first_refusal into v_throttled, v_first_throttled from app_private.address_throttle(change_password.ip) t;
  if v_throttled then
    if v_first_throttled then
      perform app_private.audit_failed_login(u.phone, change_password.ip, 'address_throttled', u.id)
      from app_public."user" u where u.id = v_session.user_id;
    end if;
    insert into app_private.login_failure (ip, phone, throttled)
    select app_hidden.throttled_network(change_password.ip), u.phone, true from app_public."user" u where u.id = v_session.user_id;
    return jsonb_build_object('status', 'invalid');
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
  -- the change in the chain of the session that asked, counting the sessions of that chain it ended, and in the chain of
  -- each other clinic the person is of, saying what it was alone (not the address nor the session it was asked from)
  perform app_private.audit_sessions_ended(v_session.clinic_id, 'update', 'user_secret', v_session.user_id,
    jsonb_build_object('passwordChanged', true, 'ip', change_password.ip, 'sessionId', v_session.id), true,
    v_ended, 'password_change', v_session.user_id, jsonb_build_object('passwordChanged', true));
  return jsonb_build_object('status', 'ok', 'sessionsEnded', jsonb_array_length(v_ended));
end;
$$;

comment on function app_hidden.change_password(current_password text, new_password text, ip inet) is 'Changes the session''s user''s password, given the current one: no current password (or one over 1,024 characters) or the same one again is INVALID_INPUT, a new one breaking the password rule WEAK_PASSWORD (check_password); a wrong current one, or an account locked, is {"status": "invalid"}, counted and audited as a failed login (reason password_change_refused); so is one from an address the login throttle refuses (20 failures in 15 minutes), its password not checked, counted against the address alone and audited (address_throttled) at the throttle''s first refusal, as login does. On success the account''s other sessions end, in every clinic, and the change is audited (update of user_secret, without the hash) in the chain of the session that asked, counting the sessions of that chain it ended (sessionsEnded), and in the chain of each other clinic the person is of (passwordChanged alone, not the address nor the session, and the sessions of that chain it ended: audit_sessions_ended), each other chain whose sessions it ended getting sessions_ended (endedBy password_change): {"status": "ok", "sessionsEnded": n}, n the sessions it ended in every clinic. Called by POST /auth/password.';

create or replace function app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) returns integer
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_secret app_private.user_secret;
  v_ended jsonb;
  v_done jsonb;
begin
  perform app_private.hold_for_new_password(replace_password.user_id);
  select * into v_secret from app_private.user_secret s where s.user_id = replace_password.user_id;
  update app_private.user_secret s set password_hash = replace_password.password_hash, locked_until = null,
    failed_login_count = 0, first_failed_login_at = null, password_set_by_holder = false,
    password_given_by_clinic = replace_password.clinic_id
  where s.user_id = replace_password.user_id;
  v_ended := app_private.end_sessions_of(replace_password.user_id, null);
  -- in the chain of clinic_id with the detail given (a clinic's reset names the membership), and in the chain of each
  -- other clinic the person is of with what it was and by what alone
  v_done := jsonb_build_object('passwordChanged', true, 'unlocked', coalesce(v_secret.locked_until > now(), false));
  perform app_private.audit_sessions_ended(replace_password.clinic_id, 'update', 'user_secret', replace_password.user_id,
    v_done || replace_password.detail, true, v_ended, 'password_reset', app_public.current_user_id(),
    v_done || jsonb_build_object('by', replace_password.detail -> 'by'));
  return jsonb_array_length(v_ended);
end;
$$;

comment on function app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) is 'Gives the person a password someone else chose (its hash, made by hash_password): the person must choose their own at their next chance (password_set_by_holder false), a lockout ends, every session of theirs ends, and the change is audited in the chain of clinic_id (the platform''s when null); a clinic''s reset keeps the account to that clinic until the operator''s next (password_given_by_clinic) as an update of user_secret: passwordChanged, unlocked, sessionsEnded (the sessions of that chain it ended) and the detail given (who did it), never the hash; the chain of each other clinic the person is of gets the same update with passwordChanged, unlocked and by alone, and the sessions of that chain it ended (endedSessions: audit_sessions_ended); each other chain whose sessions it ended gets sessions_ended (endedBy password_reset). Answers the sessions it ended, in every clinic. For the operator''s resets (npm run password, npm run superuser) and a clinic''s (reset_member_password).';

-- The audit log's detail says what a password's entry in another clinic of the person holds
--
-- The entry of a password change or reset in the chain of another clinic of the person (above) has a detail of its own:
-- the column's comment, which names each key of detail by action for whoever reads the log, now says so.
comment on column app_public.audit_log.detail is 'Extra facts, by action: null for a change of a row (insert, update, delete, soft_delete, restore), but an update of user_secret (below). login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the opening ended, if any: the session a switch came from, and those beyond the account''s cap of 10 live sessions). sessions_ended: endedSessions (the sessions of this chain''s clinic, or of none in the platform''s, that were ended), endedBy (what ended them: login or switch_clinic, into another clinic or none; password_change, by the person; password_reset, by a clinic''s owner or admin or the operator; deactivation of the account, or platform_admin_change of its rights, by the operator). logout: sessionId. login_failed: phone (normalised; null when it was no phone number), ip, reason, and clinicId (the clinic named, for not_a_member and switch_not_a_member). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many sessions of this chain''s clinic, or of none in the platform''s, it ended: those of other chains are in their own entries), and ip and sessionId when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it; in the chain of each other clinic the person is of, passwordChanged, and unlocked and by for a reset, with endedSessions (the sessions of that clinic it ended, if any) in place of sessionsEnded, and nothing of where it was done from. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry).';
