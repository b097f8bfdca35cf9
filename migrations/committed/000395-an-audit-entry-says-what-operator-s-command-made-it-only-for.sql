--! Previous: sha1:aae605c08e5001abb2af418128c2e14be5e9006c
--! Hash: sha1:e5b8cc01f68e8a2af7dee13e5e6c3a608e75f3f5
--! Message: An audit entry says what operator's command made it only for the operator's connection

-- An audit entry's "by" believed only of the operator's connection
--
-- 000392 had tg__audit write clinicops.audit_by, which create_platform_admin sets for its own statements, as each entry's
-- "by"; but any session may set a custom setting for itself, and tg__audit believed whoever set it: SQL run as the API's
-- role (a receptionist's session, with select set_config('clinicops.audit_by', 'npm run superuser', true) first) wrote
-- its changes into the chain as the operator's command's, {"by": "npm run superuser"}, where they were the member's.
-- tg__audit now reads it only when the connection is logged in as its owner role (npm run superuser's, asOperator) or
-- a superuser, who could write the entries anyway; for everyone else an entry's detail is as before 000392.
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
    perform app_private.write_audit(v_chain, v_action, tg_table_name, (v_row ->> 'id')::uuid, v_old, v_new, v_detail);
  end loop;
  return null;
end;
$$;

comment on function app_private.tg__audit() is 'AFTER INSERT OR UPDATE OR DELETE: one audit entry per changed row (soft delete and restore named as such) in its chain (audit_chain_of_row: its clinic''s), a person''s account''s in each chain of audit_chains_of_person (the session''s clinic''s or the platform''s, and every clinic that lists the person), those locked first in the order of their ids. A statement of rows of several chains has locked their heads in order first (tg__audit_chains_in_order). Its entries'' detail is null but while an operator''s command names itself in clinicops.audit_by for its own statements (create_platform_admin: {"by": "npm run superuser"}), believed only of a connection logged in as the owner role (the operator''s commands) or a superuser: a session of the API or an analyst''s that sets it for itself names nothing.';
