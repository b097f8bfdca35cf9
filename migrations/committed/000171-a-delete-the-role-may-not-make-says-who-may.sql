--! Previous: sha1:29a028490c33bf0321b56bb689b9790537385b4f
--! Hash: sha1:3569159dc67c05542554b29abf9d8de90a9f19a9
--! Message: a delete the role may not make says who may

-- A delete the role may not make says who may.
--
-- A receptionist deleting a duplicate patient she had just registered was NOT_FOUND "Nothing to
-- delete: no such row in this clinic, or you may not delete it." about a patient she sees and edits
-- (a clinic's day, as its staff), where every other refusal of a role is FORBIDDEN naming who may.
-- A live row the caller sees but may not delete is FORBIDDEN "Only an owner or admin deletes
-- this."; one the caller cannot see, or already deleted, is NOT_FOUND "Nothing to delete: no such row
-- in this clinic.".

create or replace function app_private.soft_delete(sample anyelement, clinic_id uuid, id uuid) returns anyelement
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $_$
declare
  v_table text := pg_typeof(sample)::text;
  v_result alias for $0; -- typed as the actual row type
  v_live boolean;
begin
  -- Only a row the caller may change, not deleted yet, is deleted and returned; a delete in flight
  -- holds the lock until it commits, and then the row is deleted: nothing here. (Deleted rows are
  -- visible in this function, so the live one is asked for by name.)
  execute format('select true from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is null for update', v_table)
    into v_live using soft_delete.clinic_id, soft_delete.id;
  if v_live then
    -- The DELETE goes through the table's delete policy; the trigger turns it into a soft delete.
    execute format('delete from %s where clinic_id = $1 and id = $2', v_table) using soft_delete.clinic_id, soft_delete.id;
    execute format('select t.* from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null', v_table)
      into v_result using soft_delete.clinic_id, soft_delete.id;
  end if;
  if v_result is null then
    -- a live row the caller sees, which the policies kept from them (every table soft_delete serves lets
    -- owners and admins delete): one it may change (locked above, its delete refused), or only see
    if v_live is null then
      execute format('select true from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is null', v_table)
        into v_live using soft_delete.clinic_id, soft_delete.id;
    end if;
    if v_live then
      raise exception 'Only an owner or admin deletes this.' using errcode = 'CFORB';
    end if;
    raise exception 'Nothing to delete: no such row in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_result;
end;
$_$;
comment on function app_private.soft_delete(anyelement, uuid, uuid) is 'Soft-deletes the row of the table whose row type `sample` is (pass null::app_public.patient) and returns it; the table''s delete policy decides who may. A live row the caller sees but may not delete is FORBIDDEN; one already deleted, or not seen, is NOT_FOUND; nothing of it is returned then. Sees deleted rows (clinicops.include_deleted) for its own duration only.';
