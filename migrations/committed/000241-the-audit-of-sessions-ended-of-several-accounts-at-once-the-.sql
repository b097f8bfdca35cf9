--! Previous: sha1:a534b17dd56c88f13ac781bc7caf2529381db603
--! Hash: sha1:a460020bcc8468e66bbb1c5b16450010f964dfa3
--! Message: The audit of sessions ended of several accounts at once, the chains in the order of their ids

-- The audit of sessions ended of several accounts at once, the chains in the order of their ids
--
-- A statement deactivating several accounts (or changing their platform rights) ended each one's sessions and wrote their
-- chains row by row: the second account's turn and chains were taken after the first one's chains were held, so it and a
-- removal of the second account (holding its turn, waiting for the clinic's chain) deadlocked, as it and a login (taking
-- the chains in the order of their ids) could. audit_sessions_ended now takes sessions of several accounts, each naming
-- its account (userId) and what ended it (endedBy), and writes each chain's entries, one an account, in one pass.
create or replace function app_private.audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb,
  counted boolean, ended jsonb, ended_by text, actor_user_id uuid) returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_ended jsonb := coalesce(audit_sessions_ended.ended, '[]');
  v_chain record;
begin
  -- the chain of the act's own entry (none without an action), and those of the sessions it ended, one entry each an
  -- account, in the order of the chains' ids: write_audit locks each chain's head until commit, and every act that ends
  -- sessions of several clinics takes them in this order, so that two at once lock no head the other holds while waiting for it
  for v_chain in
    select c.clinic_id, coalesce((e.session ->> 'userId')::uuid, audit_sessions_ended.user_id) as user_id,
      coalesce(e.session ->> 'endedBy', audit_sessions_ended.ended_by) as ended_by,
      jsonb_agg(e.session -> 'id' order by e.session ->> 'id') filter (where e.session is not null) as ended
    from (select audit_sessions_ended.clinic_id where audit_sessions_ended.action is not null
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
    else
      -- nothing of the act but what it was (not where, nor what else it did)
      perform app_private.write_audit(v_chain.clinic_id, 'sessions_ended', 'user', v_chain.user_id, null, null,
        jsonb_build_object('endedSessions', v_chain.ended, 'endedBy', v_chain.ended_by), audit_sessions_ended.actor_user_id);
    end if;
  end loop;
end;
$$;
comment on function app_private.audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb, counted boolean, ended jsonb, ended_by text, actor_user_id uuid) is 'Audits an act that ended sessions of the user (ended, as end_sessions_of and open_session list them: {id, clinicId}): its own entry (action on table_name, the user''s id its record_id, detail), in the chain of clinic_id (the platform''s when null), naming the sessions of that chain it ended (endedSessions, their ids, if any) or, when counted, counting them (sessionsEnded); and each other chain whose sessions it ended an entry sessions_ended naming those alone (endedSessions) and what ended them (endedBy: ended_by), so that no clinic learns another''s session ids nor misses the end of its own. Without an action (a deactivation, whose entry is its row''s update) every chain of the sessions ended gets sessions_ended; sessions of several accounts ended at once each name theirs (userId) and what ended them (endedBy), and each chain gets an entry an account. The chains are written in the order of their ids, which every act that ends sessions follows (a login, a switch, a password change, a reset, a deactivation of one account or several): two at once lock no chain head the other holds while waiting for it. All by actor_user_id.';

-- A deactivation's (or a change of platform rights') ending of the sessions of every account of its statement, then their audit
create or replace function app_private.tg_user__end_sessions() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user record;
  v_ended jsonb := '[]';
begin
  for v_user in
    select n.id, case when not n.is_active then 'deactivation' else 'platform_admin_change' end as ended_by
    from new_users n join old_users o on o.id = n.id
    where not n.is_active or n.is_platform_admin <> o.is_platform_admin
    order by n.id
  loop
    -- the sessions' turn (shared), as a password change takes it, before any session of the account is touched: a
    -- membership change of the user holds it while it ends that clinic's sessions after writing its chain, which this
    -- statement writes too, below, for every account of it (each would wait for the other)
    perform pg_advisory_xact_lock_shared(app_private.session_turn_key(v_user.id));
    select v_ended || coalesce(jsonb_agg(s || jsonb_build_object('userId', v_user.id, 'endedBy', v_user.ended_by)), '[]')
    into v_ended from jsonb_array_elements(app_private.end_sessions_of(v_user.id, null)) s;
  end loop;
  -- the change itself is each row's update (tg__audit, a row trigger, before this one): by the operator, outside any
  -- session, in the platform's chain, the first of the chains in the order of their ids; then every chain whose sessions
  -- the statement ended, in that order, once every account's turn is had (row by row, a second account's turn was
  -- waited for with the first one's chains held)
  perform app_private.audit_sessions_ended(null, null, null, null, null, false, v_ended, null, app_public.current_user_id());
  return null;
end;
$$;
comment on function app_private.tg_user__end_sessions() is 'AFTER UPDATE, for each statement: deactivating users, or changing their platform admin rights, ends all their sessions once a change of their memberships in flight is done (session_turn_key, shared, in the order of the users'' ids), each chain whose sessions it ended getting sessions_ended for each user (endedBy deactivation or platform_admin_change), all chains in the order of their ids (audit_sessions_ended).';
drop trigger if exists _900_end_sessions on app_public."user";
create trigger _900_end_sessions after update on app_public."user"
  referencing old table as old_users new table as new_users
  for each statement execute function app_private.tg_user__end_sessions();
