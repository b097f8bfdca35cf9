--! Previous: sha1:5a5b03433a113126dd7dae3ff3b7eaadcb1940c1
--! Hash: sha1:90fa723727425a645e50352d569e87c237205e82
--! Message: A deactivation takes its accounts' sessions' turns before it writes their clinics' chains

-- A deactivation takes its accounts' sessions' turns before it writes their clinics' chains
--
-- Every writer takes a person's sessions' turn (session_turn_key) before any audit chain's head: a change of a
-- membership's role, activity or removal takes it (exclusive) and then writes its clinic's chain; a deactivation of an
-- account (or a change of its platform rights) took it (shared) at the statement's end (_900_end_sessions), once the
-- change's entry was written, in the platform's chain only. That entry is now in the chain of each clinic the person is of
-- too (above): a deactivation holding a clinic's chain while it waited for the turn, and a suspension of the person in
-- that clinic holding the turn while it waited for the chain, each waited for the other ("deadlock detected", one undone).
-- Now the statement's first row, before any chain is locked (_490_chains_in_order_on_update, _500_audit), takes the turns
-- of every account it deactivates or whose platform rights it changes, in the order of their ids, as _900_end_sessions
-- takes them (again, at no cost) and a statement of several memberships takes theirs.
create or replace function app_private.tg_user__session_turns() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user uuid;
begin
  -- the statement's first row (its transition tables' first, as its after-row events come in that order): the rows after
  -- it find the turns already held
  if new *= (select n from new_users n limit 1) then
    for v_user in
      select n.id from new_users n join old_users o on o.id = n.id
      where not n.is_active or n.is_platform_admin <> o.is_platform_admin
      order by n.id
    loop
      perform pg_advisory_xact_lock_shared(app_private.session_turn_key(v_user));
    end loop;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_user__session_turns() is 'AFTER UPDATE, for each row, before the audit''s chains are locked (_490_chains_in_order_on_update, _500_audit): at a statement''s first row, takes the sessions'' turn (session_turn_key, shared) of every account it deactivates or whose platform rights it changes, in the order of their ids, as _900_end_sessions takes them to end their sessions: the change''s entries are in the chain of each clinic of the person (audit_chains_of_person), which a change of their membership there writes holding that turn.';
revoke all on function app_private.tg_user__session_turns() from public;
drop trigger if exists _480_session_turns on app_public."user";
create trigger _480_session_turns after update on app_public."user"
  referencing old table as old_users new table as new_users
  for each row execute function app_private.tg_user__session_turns();
comment on trigger _480_session_turns on app_public."user" is 'A deactivation''s or a change of platform rights'' sessions'' turns, taken before any audit chain (tg_user__session_turns).';
