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

-- Correcting the saved phones locks the audit chains it will write first, in the order of their ids
--
-- correct_saved_phones (run by 000086, and by an operator again, on a live database: about 21 s a million phones) corrects
-- each phone in a statement of its own, in one transaction, in the order it reads them (users, patients, clinics), each
-- clinic's audit chain head held from its first correction to the end: with a login, a password change or a deactivation
-- ending sessions in two of those clinics, which takes their heads in the order of their ids, each held a head the other
-- waited for, and one was undone ("deadlock detected"): the person's act, or the correction, caught as a phone that could
-- not be corrected, left and counted in the warning. Now it reads the phones to correct first, locks the chains of their
-- rows (lock_audit_chains) and then corrects them.
create or replace function app_private.correct_saved_phones() returns integer
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_read jsonb;
  v_row record;
  v_left integer := 0;
begin
  -- each phone read once (materialized: inlined, the function ran in the filter and again in the list), with what its
  -- row's audit entry is written by (audit_chain_of_row)
  with saved as (
    select 'user' as kind, u.id, u.phone as saved, jsonb_build_object('id', u.id) as audited from app_public."user" u
    union all select 'patient', p.id, p.phone, jsonb_build_object('id', p.id, 'clinic_id', p.clinic_id) from app_public.patient p where p.phone is not null
    union all select 'clinic', c.id, c.phone, jsonb_build_object('id', c.id) from app_public.clinic c where c.phone is not null
  ), read as materialized (
    select s.kind, s.id, s.saved, app_private.saved_phone_corrected(s.saved) as phone, s.audited from saved s
  )
  select coalesce(jsonb_agg(to_jsonb(r)), '[]') into v_read from read r where r.phone is distinct from r.saved;
  -- the chains of the rows it corrects, each held to the end once written: all taken now, in order, as a login, a password
  -- change or a deactivation takes them (one correction a statement, 000248's order held for one row at a time)
  perform app_private.lock_audit_chains(array(
    select distinct app_private.audit_chain_of_row(r ->> 'kind', r -> 'audited') from jsonb_array_elements(v_read) r where r ->> 'phone' is not null));
  for v_row in select * from jsonb_to_recordset(v_read) as r(kind text, id uuid, saved text, phone text) loop
    if v_row.phone is null then
      v_left := v_left + 1; -- no phone by today's rules: left for someone who knows it
      continue;
    end if;
    begin
      -- only if it is still the phone read above: one changed since is left as its writer typed it
      case v_row.kind
        when 'user' then update app_public."user" u set phone = v_row.phone where u.id = v_row.id and u.phone = v_row.saved;
        when 'patient' then update app_public.patient p set phone = v_row.phone where p.id = v_row.id and p.phone = v_row.saved;
        else update app_public.clinic c set phone = v_row.phone where c.id = v_row.id and c.phone = v_row.saved;
      end case;
    exception when others then
      v_left := v_left + 1;
    end;
  end loop;
  return v_left;
end;
$$;
comment on function app_private.correct_saved_phones() is 'Corrects the users'', patients'' and clinics'' phones that today''s rules read otherwise (saved_phone_corrected), each change audited, a phone changed meanwhile left as it is; answers how many phones were left: no phone by today''s rules (the wrong number of digits for their country, or no country code in use), or the row cannot take the corrected phone (another account has it, or the row breaks a newer rule). The audit chains of the rows it corrects are locked first, in the order of their ids (lock_audit_chains), as logins and password changes take them. Run by 000086; an operator may run it again.';
