--! Previous: sha1:82943cab732b7846a190c03e136eee5d9a3f922d
--! Hash: sha1:cac502e04769e73072f35ae2f1c9fa09715fbd7e
--! Message: soft delete locks its row

--------------------------------------------------------------------------------
-- soft_delete locks the row it is about to delete, so two deletes at once
-- (two owners, or an owner and anyone else) give one the row and the other
-- NOT_FOUND: before, the second read back the row the first had just deleted
-- and returned it. It also puts clinicops.include_deleted back as the caller
-- had it, as tg__soft_delete does, rather than clearing it.

create or replace function app_private.soft_delete(sample anyelement, clinic_id uuid, id uuid) returns anyelement
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_table text := pg_typeof(sample)::text;
  v_result alias for $0; -- typed as the actual row type
  v_previous text := current_setting('clinicops.include_deleted', true);
  v_live boolean;
begin
  -- Only a row the caller may change, not deleted yet, is deleted and returned; a delete in flight
  -- holds the lock until it commits, and then the row is deleted: nothing here.
  execute format('select true from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is null for update', v_table)
    into v_live using soft_delete.clinic_id, soft_delete.id;
  if v_live then
    -- The DELETE goes through the table's delete policy; the trigger turns it into a soft delete.
    execute format('delete from %s where clinic_id = $1 and id = $2', v_table) using soft_delete.clinic_id, soft_delete.id;
    perform set_config('clinicops.include_deleted', 'on', true);
    execute format('select t.* from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null', v_table)
      into v_result using soft_delete.clinic_id, soft_delete.id;
    perform set_config('clinicops.include_deleted', coalesce(v_previous, ''), true);
  end if;
  if v_result is null then
    raise exception 'Nothing to delete: no such row in this clinic, or you may not delete it.' using errcode = 'CNOTF';
  end if;
  return v_result;
end;
$$;
