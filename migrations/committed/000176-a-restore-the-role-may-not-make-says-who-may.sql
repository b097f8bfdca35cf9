--! Previous: sha1:69a1d42f5ce426b4301ca77a454a7bcdcbfdf0c4
--! Hash: sha1:90f59c92a5b287653bd4a6c88d18e89e14a00c73
--! Message: a restore the role may not make says who may

-- A restore the role may not make says who may.
--
-- 000171 made a delete the role may not make FORBIDDEN, naming who may. Its mirror was left: a
-- cashier restoring a deleted service, or a removed member, was NOT_FOUND "Nothing to restore: no
-- deleted row with that id in this clinic." about a row that is there (the update policy kept it
-- from her), where restorePatient, which checks the role itself, is FORBIDDEN (a reviewer of the
-- code). A deleted row of the clinic that the caller may not bring back is FORBIDDEN "Only an owner
-- or admin restores this." (every table restore serves lets owners and admins update); one that is
-- not deleted, or not of the clinic, stays NOT_FOUND.

create or replace function app_private.restore(sample anyelement, clinic_id uuid, id uuid) returns anyelement
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $_$
declare
  v_table text := pg_typeof(sample)::text;
  v_result alias for $0; -- typed as the actual row type
  v_deleted boolean;
begin
  execute format(
    'update %s t set deleted_at = null, deleted_by = null where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null returning t.*',
    v_table
  ) into v_result using restore.clinic_id, restore.id;
  if v_result is null then
    -- a deleted row the caller sees (deleted rows are visible in this function), which the update
    -- policy kept from them
    execute format('select true from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null', v_table)
      into v_deleted using restore.clinic_id, restore.id;
    if v_deleted then
      raise exception 'Only an owner or admin restores this.' using errcode = 'CFORB';
    end if;
    raise exception 'Nothing to restore: no deleted row with that id in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_result;
end;
$_$;
comment on function app_private.restore(anyelement, uuid, uuid) is
  'Restores a soft-deleted row (see soft_delete) and returns it; the table''s update policy decides who may. A deleted row of the clinic the caller may not restore is FORBIDDEN; one not deleted, or not seen, is NOT_FOUND. Sees deleted rows (clinicops.include_deleted) for its own duration only.';
