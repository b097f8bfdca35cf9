--! Previous: sha1:00ace6815ae92d229e2cd5e86142fb12ddd09f65
--! Hash: sha1:fa05369377c6139a6acfdb13f27a00b8e99e0fca
--! Message: A transaction of several statements locks the audit chains it will write first, in the order of their ids

-- A transaction of several statements locks the audit chains it will write first, in the order of their ids
--
-- 000248 ordered the chains of one statement of rows of several clinics. A transaction of several such statements was
-- ordered one statement at a time: npm run analyst's grant again removed the analyst's old grants in one statement, then
-- added the new ones in another, so a grant moving an analyst from a clinic of a higher id to one of a lower held the
-- higher chain's head while it waited for the lower, which a login, a password change or a deactivation ending sessions
-- in both clinics had taken, waiting for the higher: one of them was undone ("deadlock detected"). Now one function locks
-- the heads of a set of chains in the order of their ids: the grant calls it with its old and new clinics before it
-- writes any, and tg__audit_chains_in_order with a statement's chains, as before.
create or replace function app_private.lock_audit_chains(chains uuid[]) returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  perform from app_private.audit_chain_head h
  where h.chain_id = any (select coalesce(c, '00000000-0000-0000-0000-000000000000') from unnest(lock_audit_chains.chains) c)
  order by h.chain_id for update;
end;
$$;
comment on function app_private.lock_audit_chains(uuid[]) is 'Locks the heads of the audit chains (clinic ids, null for the platform''s) until the transaction ends, in the order of their ids, as every writer of several chains takes them (audit_sessions_ended, tg__audit_chains_in_order): a transaction of several statements that write several chains (npm run analyst''s grant: its old grants removed, its new ones added) calls it with all of them before its first write, so no statement of it takes a lower id''s head after a higher one''s. A chain with no head yet (no entry) locks nothing.';
revoke all on function app_private.lock_audit_chains(uuid[]) from public;

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
    select array_agg(distinct app_private.audit_chain_of_row(tg_table_name, to_jsonb(c))) into v_chains from changed c;
    -- rows of one chain: its entries lock its head, as before
    if cardinality(v_chains) > 1 then
      perform app_private.lock_audit_chains(v_chains);
    end if;
  end if;
  return null;
end;
$$;
comment on function app_private.tg__audit_chains_in_order() is 'AFTER INSERT, UPDATE or DELETE, for each row, before the audit (_500_audit), on every audited table (order_audit_chains): at the first row of a statement whose rows (changed, the transition table) are of several audit chains (audit_chain_of_row), locks their heads in the order of their ids (lock_audit_chains), as every act that ends sessions of several clinics takes them (audit_sessions_ended): such a statement (an operator''s, a maintenance job''s) and a login, a password change or a deactivation at once lock no head the other holds while waiting for it. A statement of one chain locks nothing here. A soft delete is an update of each row in turn (tg__soft_delete), its chain locked there: a delete of rows of several clinics of a soft-deleted table is not ordered: the operator updates their deleted_at instead (docs/decisions/005-audit-chain.md). A transaction of several statements is ordered one statement at a time: it calls lock_audit_chains with all its chains first.';
