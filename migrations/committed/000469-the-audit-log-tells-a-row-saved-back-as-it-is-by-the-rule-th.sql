--! Previous: sha1:2a3488336740823f4cc7334caca7bc39a203c9fc
--! Hash: sha1:f596aeb1978ac3b9fdba29db04a643ef2ce577b5
--! Message: The audit log tells a row saved back as it is by the rule the stamps keep

-- The audit log tells a row saved back as it is by the rule the stamps keep
--
-- tg__audit writes no entry of an update that changes nothing but the stamps, and tg__unchanged_keeps_stamps keeps the
-- stamps of the same updates, "compared as tg__audit compares", so that a row's stamps move exactly when the log writes
-- an entry of it; the second reads app_hidden.changes_nothing_but_stamps, the first still wrote the comparison itself.
-- tg__audit reads that function too (after the row is written, with its generated columns: none left out), so the two
-- cannot come to compare otherwise.
create or replace function app_private.tg__audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  v_row jsonb := coalesce(v_new, v_old);
  v_action text := lower(tg_op);
  v_chains uuid[];
  v_chain uuid;
  -- the operator's command that made the change (create_platform_admin sets it for its own statements alone), believed
  -- only of a connection logged in as this function's owner (the operator's commands) or a superuser: any session may
  -- set a custom setting for itself, and the API's (logged in as the authenticator) or an analyst's is not the operator
  v_by text := case
    when nullif(current_setting('clinicops.audit_by', true), '') is null then null
    when session_user = current_user or (select r.rolsuper from pg_catalog.pg_roles r where r.rolname = session_user)
      then current_setting('clinicops.audit_by', true)
  end;
  v_detail jsonb := case when v_by is not null then jsonb_build_object('by', v_by) end;
begin
  if tg_op = 'UPDATE' then
    -- after the row is written, its generated columns computed: compared with them
    if app_hidden.changes_nothing_but_stamps(v_new, v_old, null) then
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
    perform app_private.write_audit(v_chain, v_action, tg_table_name, (v_row ->> 'id')::uuid, v_old, v_new, v_detail);
  end loop;
  return null;
end;
$$;

comment on function app_private.tg__audit() IS 'AFTER INSERT OR UPDATE OR DELETE: one audit entry per changed row (soft delete and restore named as such) in its chain (audit_chain_of_row: its clinic''s), a person''s account''s in each chain of audit_chains_of_person (the session''s clinic''s or the platform''s, and every clinic that lists the person), those locked first in the order of their ids. A statement of rows of several chains has locked their heads in order first (tg__audit_chains_in_order). Its entries'' detail is null but while an operator''s command names itself in clinicops.audit_by for its own statements (create_platform_admin: {"by": "npm run superuser"}), believed only of a connection logged in as the owner role (the operator''s commands) or a superuser: a session of the API or an analyst''s that sets it for itself names nothing.';
revoke all on function app_private.tg__audit() from public;

comment on function app_hidden.changes_nothing_but_stamps(new_row jsonb, old_row jsonb, generated text[]) IS 'Whether an update (the row as it will be, the row as it was, the table''s generated columns: generated_columns) changes nothing but the stamps, updated_at and updated_by: a form saved back as it is. The generated columns are compared through the columns they are made of (null before the row is written; tg__audit, after it, gives none). The one rule of tg__audit (no entry), tg__unchanged_keeps_stamps (the stamps kept), tg__money_day and tg_daily_reconciliation__closed_is_final (a closed day''s row let through) and tg_visit__lifecycle (a finished visit saved back as it is), so that a row''s stamps move exactly when the audit log writes an entry of it.';
