--! Previous: sha1:7f84d4eac32c475c3d9da5d74fd969656fc56a5b
--! Hash: sha1:5a5b03433a113126dd7dae3ff3b7eaadcb1940c1
--! Message: A change to a person's account is in the audit chain of each clinic the person is of

-- A change to a person's account is in the audit chain of each clinic the person is of
--
-- A person's account (their name and phone) is shown by every clinic they are a member of, in its staff list, but a
-- change to it was written in one chain only: the session's clinic's (the platform's, from no clinic, an operator's
-- phone correction): a nurse of two clinics who renamed themselves while working in one was renamed in the other's
-- staff list with no entry in its audit log, whose owner could not tell who had changed what, nor when. Now an entry of
-- a change to an account (the same action, actor and old and new values) is written in that chain and in the chain of
-- every clinic where the person's membership is accepted and not removed, a suspended one too (its clinic still lists
-- the person by that name, and may let them back in). Not an invitation still pending (its clinic is not shown the name
-- until the person accepts: the entry would tell it what the invitation does not), nor a clinic the person was removed
-- from (the account is no longer any of its business; a restore brings back the membership, audited, and the clinic
-- reads the name then). The chains are locked in the order of their ids before the first entry, as every writer of
-- several chains takes them (decision 005), by one function (audit_chains_of_row) that the audit, the ordering of a
-- statement's chains and the correction of saved phones share, so the heads locked are those written.
create or replace function app_private.audit_chains_of_person(user_id uuid) returns uuid[]
  language plpgsql stable security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- the session's own memberships (membership's policies: its person's, in every clinic), or any in the system's
  -- context (an operator, a migration): the API changes no account but the session's own
  return array(
    select c from (
      select app_private.audit_chain_of_person(audit_chains_of_person.user_id) as c
      union
      select m.clinic_id from app_public.membership m
      where m.user_id = audit_chains_of_person.user_id and m.accepted_at is not null and m.deleted_at is null
    ) chains
    order by coalesce(c, '00000000-0000-0000-0000-000000000000')
  );
end;
$$;
comment on function app_private.audit_chains_of_person(user_id uuid) is 'The audit chains of a change to a person''s account, in the order of their ids: the one audit_chain_of_person names (the session''s clinic''s, or the platform''s as null) and each clinic where the person''s membership is accepted and not removed (a suspended one too: it lists the person), whose staff list shows the change; not a pending invitation''s clinic (not shown the name), nor one the person was removed from.';
revoke all on function app_private.audit_chains_of_person(uuid) from public;

create or replace function app_private.audit_chains_of_row(table_name text, row_values jsonb) returns uuid[]
  language sql stable
  as $$
  select case
    when audit_chains_of_row.table_name = 'user' then app_private.audit_chains_of_person((audit_chains_of_row.row_values ->> 'id')::uuid)
    else array[app_private.audit_chain_of_row(audit_chains_of_row.table_name, audit_chains_of_row.row_values)]
  end
$$;
comment on function app_private.audit_chains_of_row(text, jsonb) is 'The audit chains an entry of a row of table_name (its values as jsonb) is written in: a person''s account''s in each of audit_chains_of_person, in the order of their ids; any other row''s in the one of audit_chain_of_row. One expression, inlined into tg__audit, tg__audit_chains_in_order and correct_saved_phones (decision 012), so the heads they lock are those the entries are written to.';
revoke all on function app_private.audit_chains_of_row(text, jsonb) from public;

create or replace function app_private.tg__audit() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  v_row jsonb := coalesce(v_new, v_old);
  v_action text := lower(tg_op);
  v_chains uuid[];
  v_chain uuid;
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
  v_chains := app_private.audit_chains_of_row(tg_table_name, v_row);
  -- a person's account of several clinics: all their heads first, in order, as a statement of several chains takes them
  if cardinality(v_chains) > 1 then
    perform app_private.lock_audit_chains(v_chains);
  end if;
  foreach v_chain in array v_chains loop
    perform app_private.write_audit(v_chain, v_action, tg_table_name, (v_row ->> 'id')::uuid, v_old, v_new);
  end loop;
  return null;
end;
$$;
comment on function app_private.tg__audit() is 'AFTER INSERT OR UPDATE OR DELETE: one audit entry per changed row (soft delete and restore named as such) in its chain (audit_chain_of_row: its clinic''s), a person''s account''s in each chain of audit_chains_of_person (the session''s clinic''s or the platform''s, and every clinic that lists the person), those locked first in the order of their ids. A statement of rows of several chains has locked their heads in order first (tg__audit_chains_in_order).';

create or replace function app_private.tg__audit_chains_in_order() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_chains uuid[];
begin
  -- a single row's statement, the API's, goes no further: its entries lock their chains (tg__audit)
  if not exists (select from changed c offset 1) then
    return null;
  end if;
  -- the first row (its transition table's first, as its after-row events come in that order) of a statement of several:
  -- the rows after it find the heads already held. Compared by its whole image, as not every audited table has an id
  -- (analyst_grant)
  if (case tg_op when 'DELETE' then old else new end) *= (select c from changed c limit 1) then
    select array_agg(distinct chain) into v_chains
    from changed c, unnest(app_private.audit_chains_of_row(tg_table_name, to_jsonb(c))) chain;
    -- rows of one chain: its entries lock its head, as before
    if cardinality(v_chains) > 1 then
      perform app_private.lock_audit_chains(v_chains);
    end if;
  end if;
  return null;
end;
$$;
comment on function app_private.tg__audit_chains_in_order() is 'AFTER INSERT, UPDATE or DELETE, for each row, before the audit (_500_audit), on every audited table (order_audit_chains): at the first row of a statement whose rows (changed, the transition table) are of several audit chains (audit_chains_of_row: a person''s account of several clinics is of each), locks their heads in the order of their ids (lock_audit_chains), as every act that ends sessions of several clinics takes them (audit_sessions_ended): such a statement (an operator''s, a maintenance job''s) and a login, a password change or a deactivation at once lock no head the other holds while waiting for it. A statement of one row locks nothing here (tg__audit locks the chains of its row). A soft delete is an update of each row in turn (tg__soft_delete), its chain locked there: a delete of rows of several clinics of a soft-deleted table is not ordered: the operator updates their deleted_at instead (docs/decisions/005-audit-chain.md). A transaction of several statements is ordered one statement at a time: it calls lock_audit_chains with all its chains first.';

-- correct_saved_phones (000250) locks the chains its corrections write first: a user's phone's are now all their clinics'
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
  -- row's audit entries are written by (audit_chains_of_row)
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
    select distinct chain from jsonb_array_elements(v_read) r, unnest(app_private.audit_chains_of_row(r ->> 'kind', r -> 'audited')) chain
    where r ->> 'phone' is not null));
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
