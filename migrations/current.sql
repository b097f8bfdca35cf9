-- A statement of several people's memberships takes their sessions' turns in the order of their ids
--
-- A change of a membership's role, activity or removal took its person's sessions' turn (session_turn_key, exclusive)
-- as the statement reached the row (_050_session_turn, before the row's other triggers), so a statement of several
-- people's memberships took their turns in the order it reached their rows: two such statements of the same people
-- reaching them in other orders (an operator suspending two doctors in one clinic while another changes their roles in
-- another), or one and a deactivation of the same accounts (which takes their turns, shared, in the order of their ids),
-- each held a turn the other waited for, and PostgreSQL undid one ("deadlock detected"). Now the statement's first row,
-- once every row is written, takes the turns of all the people whose role, activity or removal it changes, in the order
-- of their ids (_480_session_turns, an after-row trigger reading the statement's rows), before any chain is written or
-- any session touched, as before. What read the memberships' state after the turn's wait reads it after it still: the
-- check that an account a clinic gave a password joins no other clinic (_485_kept_to_the_resetting_clinic, an after-row
-- trigger now, was _220 before the row was written), so a reset of the person committed while the statement waits for
-- the turn is seen. The owners' turn of stepping down (tg_membership__guard_owners) is now taken before the sessions'
-- turns, by every membership update alike. A delete of several memberships is still a soft delete of each in turn, each
-- an update of its own taking its person's turn as it is reached.

create or replace function app_private.tg_membership__session_turns() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user uuid;
begin
  -- the statement's first row (its transition tables' first, as its after-row events come in that order): the rows after
  -- it find the turns already held
  if (new.clinic_id, new.id) = (select c.clinic_id, c.id from changed c limit 1) then
    for v_user in
      select distinct c.user_id
      from changed c join previous p on p.clinic_id = c.clinic_id and p.id = c.id
      where (c.role, c.is_active, c.deleted_at) is distinct from (p.role, p.is_active, p.deleted_at)
      order by c.user_id
    loop
      perform pg_advisory_xact_lock(app_private.session_turn_key(v_user));
    end loop;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_membership__session_turns() is 'AFTER UPDATE, for each row, first: at a statement''s first row, takes the sessions'' turn (session_turn_key, exclusive) of every person whose membership''s role, activity or removal the statement changes (previous and changed, its transition tables), in the order of their ids, as a deactivation of several accounts takes them: the changes wait for those people''s sessions being opened, and sessions opened meanwhile wait for them, so that tg_membership__sync_sessions reaches them all; and two such statements, or one and a deactivation, at once hold no turn the other waits for. Before any chain is written (_490_chains_in_order_on_update) or session touched (_900_sync_sessions).';
revoke all on function app_private.tg_membership__session_turns() from public;
drop trigger if exists _480_session_turns on app_public.membership;
create trigger _480_session_turns after update on app_public.membership
  referencing old table as previous new table as changed
  for each row execute function app_private.tg_membership__session_turns();
comment on trigger _480_session_turns on app_public.membership is 'A change of memberships and the opening of their people''s sessions take turns, the people in the order of their ids (tg_membership__session_turns).';
drop trigger if exists _050_session_turn on app_public.membership;
drop function if exists app_private.tg_membership__session_turn();

create or replace function app_private.tg_membership__kept_to_the_resetting_clinic() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid;
begin
  -- a membership that becomes one the person holds: made accepted (a clinic made with them as its owner), an
  -- invitation accepted, a removed membership restored
  if new.accepted_at is not null and new.deleted_at is null
     and (tg_op = 'INSERT' or old.accepted_at is null or old.deleted_at is not null) then
    -- read after the statement's wait for the person's sessions' turn (_480_session_turns), which a reset holds, or
    -- under the phone's lock a clinic's making holds, so a reset committed meanwhile is seen
    select s.password_given_by_clinic into v_clinic from app_private.user_secret s where s.user_id = new.user_id;
    if v_clinic is not null and v_clinic <> new.clinic_id then
      raise exception 'This account''s password was last given by another clinic, which may log in as it: it joins no other clinic until the platform operator resets the password (npm run password).'
        using errcode = 'CFORB';
    end if;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_membership__kept_to_the_resetting_clinic() is 'AFTER INSERT or UPDATE, for each row, after the sessions'' turns (_480_session_turns): an account whose password a clinic gave (user_secret.password_given_by_clinic) is made the owner of no new clinic, accepts no invitation of another clinic and has no membership there restored (FORBIDDEN) until the platform operator resets its password: whoever in that clinic knew the password would have the person''s access there.';
drop trigger if exists _220_kept_to_the_resetting_clinic on app_public.membership;
drop trigger if exists _485_kept_to_the_resetting_clinic on app_public.membership;
create trigger _485_kept_to_the_resetting_clinic after insert or update on app_public.membership
  for each row execute function app_private.tg_membership__kept_to_the_resetting_clinic();

create or replace function app_private.tg_membership__guard_owners() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_row app_public.membership := coalesce(new, old);
  v_touches_owner boolean := (tg_op <> 'INSERT' and old.role = 'owner') or (tg_op <> 'DELETE' and new.role = 'owner');
  v_stays_owner boolean := tg_op = 'UPDATE' and new.role = 'owner' and new.is_active and new.deleted_at is null
                           and new.accepted_at is not null;
  -- the person answering their own pending invitation: accepting it (an UPDATE leaving role and
  -- is_active as they were) or declining it (a DELETE, which the soft delete turns into an UPDATE)
  v_own_answer boolean := tg_op <> 'INSERT' and old.accepted_at is null and old.user_id = app_public.current_user_id()
                          and (tg_op = 'DELETE' or (new.role, new.is_active) = (old.role, old.is_active));
begin
  if tg_op = 'UPDATE' and (new.clinic_id, new.user_id) is distinct from (old.clinic_id, old.user_id) then
    raise exception 'A membership cannot move to another clinic or user.' using errcode = 'CFORB';
  end if;
  if tg_op = 'UPDATE' and old.accepted_at is not null and new.accepted_at is null then
    raise exception 'An accepted membership cannot become an invitation again.' using errcode = 'CFORB';
  end if;
  -- Without a session only trusted connections (owner, operators) get here. A platform admin adds
  -- an owner only as a clinic's first member: the owner of the clinic they create.
  if v_touches_owner and app_public.current_user_id() is not null and not v_own_answer
     and not (app_hidden.current_role_in('owner')
              or (tg_op = 'INSERT' and app_public.current_user_is_platform_admin()
                  and not exists (select 1 from app_public.membership m where m.clinic_id = new.clinic_id))) then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  if tg_op <> 'INSERT' and old.role = 'owner' and old.is_active and old.deleted_at is null and old.accepted_at is not null
     and not v_stays_owner then
    -- Owners stepping down (or suspending each other) at once take turns: each asked while the
    -- other had not committed, both saw another owner and the clinic was left with none. The
    -- second asks once the first has committed, and sees it (a statement's own snapshot). Updates
    -- only, before the sessions' turns (_480_session_turns, once the statement's rows are written) as
    -- every membership update takes them: a delete is a soft delete, whose update comes back here.
    if tg_op = 'UPDATE' then
      perform pg_advisory_xact_lock(hashtextextended('owners:' || v_row.clinic_id, 0));
    end if;
    if not exists (
      select 1 from app_public.membership m
      where m.clinic_id = v_row.clinic_id and m.id <> v_row.id and m.role = 'owner' and m.is_active and m.deleted_at is null
        and m.accepted_at is not null
    ) then
      raise exception 'A clinic must keep at least one active owner.' using errcode = 'CFORB';
    end if;
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
comment on function app_private.tg_membership__guard_owners() is 'BEFORE INSERT/UPDATE/DELETE: only owners manage owners (a platform admin only adds the first owner of a clinic they create; a person invited as an owner accepts or declines it themselves), a clinic always keeps an active owner who accepted, and an accepted membership never turns pending again.';

-- A statement of any audited table's rows in several clinics writes their audit chains in the order of the chains' ids
--
-- 000246 ordered the chains of a statement of memberships alone. A statement of patients, services, visits, invoices,
-- payments, clinics (any audited table) in several clinics (an operator's data fix, a maintenance job, a migration's)
-- still wrote each row's entry (tg__audit) in the order it reached the rows, each chain's head locked until commit, while
-- a login, a switch, a password change, a reset or a deactivation of anyone with sessions in those clinics takes their
-- heads in the order of their ids: each held a head the other waited for, and one of them was undone ("deadlock
-- detected"). Now every audited table has the triggers 000246 gave membership, with one function for all: a statement
-- whose rows are of several chains locks all their heads, in the order of their ids, at its first row, before any entry
-- is written; a statement of one chain (a single row's, the API's) locks nothing more than its entries do. The chain of a
-- row is chosen by one function (audit_chain_of_row), which tg__audit writes to, so the heads locked are those written.
-- A delete of soft-deleted rows (membership, patient, service) of several clinics is still written row by row, each row's
-- soft delete an update of its own (tg__soft_delete), which no trigger sees beforehand: the operator soft-deletes rows of
-- several clinics with one update of deleted_at (docs/decisions/005-audit-chain.md).
create or replace function app_private.audit_chain_of_row(table_name text, row_values jsonb) returns uuid
  language sql stable
  as $$
  select case
    when audit_chain_of_row.table_name = 'clinic' then (audit_chain_of_row.row_values ->> 'id')::uuid
    when audit_chain_of_row.row_values ? 'clinic_id' then (audit_chain_of_row.row_values ->> 'clinic_id')::uuid
    when audit_chain_of_row.table_name = 'user' then app_private.audit_chain_of_person((audit_chain_of_row.row_values ->> 'id')::uuid)
    else app_public.current_clinic_id()
  end
$$;
comment on function app_private.audit_chain_of_row(text, jsonb) is 'The audit chain of an entry of a row of table_name (its values as jsonb): a clinic''s own, the clinic of a row with clinic_id, a person''s account''s by audit_chain_of_person, else the session''s clinic''s; null for the platform''s. One expression, inlined into tg__audit and tg__audit_chains_in_order (decision 012), so the heads a statement locks are those its entries are written to.';
revoke all on function app_private.audit_chain_of_row(text, jsonb) from public;

create or replace function app_private.tg__audit() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  v_row jsonb := coalesce(v_new, v_old);
  v_action text := lower(tg_op);
begin
  if tg_op = 'UPDATE' then
    if (v_old - 'updated_at' - 'updated_by') = (v_new - 'updated_at' - 'updated_by') then
      return null; -- nothing changed
    elsif v_old ? 'deleted_at' and v_old ->> 'deleted_at' is null and v_new ->> 'deleted_at' is not null then
      v_action := 'soft_delete';
    elsif v_old ? 'deleted_at' and v_old ->> 'deleted_at' is not null and v_new ->> 'deleted_at' is null then
      v_action := 'restore';
    end if;
  end if;
  perform app_private.write_audit(app_private.audit_chain_of_row(tg_table_name, v_row), v_action, tg_table_name,
    (v_row ->> 'id')::uuid, v_old, v_new);
  return null;
end;
$$;
comment on function app_private.tg__audit() is 'AFTER INSERT OR UPDATE OR DELETE: one audit entry per changed row (soft delete and restore named as such), in its chain (audit_chain_of_row: its clinic''s; a person''s account''s by audit_chain_of_person). A statement of rows of several chains has locked their heads in order first (tg__audit_chains_in_order).';

create or replace function app_private.tg__audit_chains_in_order() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_chains uuid[];
begin
  -- the first row (its transition table's first, as its after-row events come in that order) of a statement of several:
  -- the rows after it find the heads already held. Compared by its whole image, as not every audited table has an id
  -- (analyst_grant); a single row's statement, the API's, goes no further
  if (case tg_op when 'DELETE' then old else new end) *= (select c from changed c limit 1) and exists (select from changed c offset 1) then
    select array_agg(distinct coalesce(app_private.audit_chain_of_row(tg_table_name, to_jsonb(c)), '00000000-0000-0000-0000-000000000000'))
    into v_chains from changed c;
    -- rows of one chain: its entries lock its head, as before
    if cardinality(v_chains) > 1 then
      perform from app_private.audit_chain_head h where h.chain_id = any (v_chains) order by h.chain_id for update;
    end if;
  end if;
  return null;
end;
$$;
comment on function app_private.tg__audit_chains_in_order() is 'AFTER INSERT, UPDATE or DELETE, for each row, before the audit (_500_audit), on every audited table (order_audit_chains): at the first row of a statement whose rows (changed, the transition table) are of several audit chains (audit_chain_of_row), locks their heads in the order of their ids, as every act that ends sessions of several clinics takes them (audit_sessions_ended): such a statement (an operator''s, a maintenance job''s) and a login, a password change or a deactivation at once lock no head the other holds while waiting for it. A statement of one chain locks nothing here. A soft delete is an update of each row in turn (tg__soft_delete), its chain locked there: a delete of rows of several clinics of a soft-deleted table is not ordered: the operator updates their deleted_at instead (docs/decisions/005-audit-chain.md).';
revoke all on function app_private.tg__audit_chains_in_order() from public;

create or replace function app_private.order_audit_chains(audited regclass) returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event text;
begin
  -- the events of its audit trigger, one trigger each: a trigger with a transition table has one event
  for v_event in
    select e.event from pg_trigger t,
      lateral (values ('insert', 4), ('update', 16), ('delete', 8)) e(event, bit)
    where t.tgrelid = audited and t.tgname = '_500_audit' and t.tgtype & e.bit <> 0
  loop
    execute format('drop trigger if exists %I on %s', '_490_chains_in_order_on_' || v_event, audited);
    execute format('create trigger %I after %s on %s referencing %s table as changed for each row execute function app_private.tg__audit_chains_in_order()',
      '_490_chains_in_order_on_' || v_event, v_event, audited, case v_event when 'delete' then 'old' else 'new' end);
    execute format('comment on trigger %I on %s is %L', '_490_chains_in_order_on_' || v_event, audited,
      format('The audit chains of the rows of %s of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).',
        case v_event when 'delete' then 'a delete' else 'an ' || v_event end));
  end loop;
end;
$$;
comment on function app_private.order_audit_chains(regclass) is 'Gives an audited table (its _500_audit trigger made) the triggers _490_chains_in_order_on_<event>, one for each event of its audit, so that a statement of its rows in several clinics locks their audit chains in the order of their ids (tg__audit_chains_in_order). For migrations: every table audited calls it (db/CONVENTIONS.md).';
revoke all on function app_private.order_audit_chains(regclass) from public;

do $$
declare
  v_audited regclass;
begin
  for v_audited in select t.tgrelid::regclass from pg_trigger t where t.tgname = '_500_audit' and t.tgfoid = 'app_private.tg__audit'::regproc loop
    perform app_private.order_audit_chains(v_audited);
  end loop;
end;
$$;
-- memberships' own (000246), now the triggers above run
drop function if exists app_private.tg_membership__chains_in_order();
