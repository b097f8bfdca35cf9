--! Previous: sha1:a4df1baa285a963a580a1daa9d74ca7a1907861c
--! Hash: sha1:6dba3d197b6f2a538d4c762698064df0b4d568bc
--! Message: A single row's statement on an audited table skips the chain ordering's first-row check

-- A single row's statement on an audited table skips the chain ordering's first-row check
--
-- tg__audit_chains_in_order (000248, 000249) runs at every row of every audited table's statements, the API's single rows
-- too, and at each it first compared the row with the statement's first (a whole record read from the transition table
-- and compared column by column), and only then asked whether the statement had a second row: a single row's statement,
-- which locks nothing here, paid for the comparison at every write. It now asks first, and a single row's statement
-- goes no further (4,000 single-row updates of a patient: about 6% less time in one loop, measured alternately).
create or replace function app_private.tg__audit_chains_in_order() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_chains uuid[];
begin
  -- a single row's statement, the API's, goes no further: it has one chain, which its entry locks
  if not exists (select from changed c offset 1) then
    return null;
  end if;
  -- the first row (its transition table's first, as its after-row events come in that order) of a statement of several:
  -- the rows after it find the heads already held. Compared by its whole image, as not every audited table has an id
  -- (analyst_grant)
  if (case tg_op when 'DELETE' then old else new end) *= (select c from changed c limit 1) then
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
