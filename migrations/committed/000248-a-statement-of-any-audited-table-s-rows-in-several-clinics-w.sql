--! Previous: sha1:809b1a80c3aad84cc04fb55418a8ebbe85389278
--! Hash: sha1:00ace6815ae92d229e2cd5e86142fb12ddd09f65
--! Message: A statement of any audited table's rows in several clinics writes their audit chains in the order of the chains' ids

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
