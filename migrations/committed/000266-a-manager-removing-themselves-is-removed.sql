--! Previous: sha1:97f19d3e63b0b5b2469114108297df69b148845d
--! Hash: sha1:5ee6fb36e964b9ed0319b95b4903c55f4ec1fd25
--! Message: A manager removing themselves is removed

-- A manager removing themselves is removed
--
-- An admin leaving the clinic (removeMember of their own membership), or an owner who has handed the clinic to
-- another owner, was refused FORBIDDEN "Only an owner or admin deletes this." and stayed a member: the removal
-- ends the person's sessions in the clinic (tg_membership__sync_sessions), this one among them, and soft_delete
-- then read the row it had just removed as the caller, whose session, now ended, is in no clinic, so it saw
-- nothing, took the removal for one the policies had refused, and undid it. Suspending oneself, or stepping down
-- to another role, worked. soft_delete now reads the row it removed through app_private.soft_deleted_row, which
-- sees it whatever the caller's session has become (clinicops.every_clinic, the owner role's policy of every
-- clinic's memberships, as member_elsewhere reads them): the person is removed, their session ended with the
-- request (the next one is told to log in again), and the rule that a clinic keeps an owner still holds.

create or replace function app_private.soft_deleted_row(sample anyelement, clinic_id uuid, id uuid) returns anyelement
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
set clinicops.every_clinic = 'on'
as $_$
declare
  v_result alias for $0; -- typed as the actual row type
begin
  execute format('select t.* from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null', pg_typeof(sample))
    into v_result using soft_deleted_row.clinic_id, soft_deleted_row.id;
  return v_result;
end;
$_$;
comment on function app_private.soft_deleted_row(sample anyelement, clinic_id uuid, id uuid) is 'The row soft_delete has just soft-deleted (of the table whose row type `sample` is), read whatever the caller''s session has become: a member removing themselves ends their own session in the removal, and the caller then sees no clinic''s memberships (clinicops.every_clinic, for its own duration only). Called by soft_delete alone, for the row it locked live and deleted.';

comment on policy every_clinic on app_public.membership is 'Owner role only: every clinic''s memberships, while a function has clinicops.every_clinic on in its definition (app_private.member_elsewhere, app_private.soft_deleted_row).';

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
    -- read whatever the caller's session has become: a member removing themselves has just ended it
    v_result := app_private.soft_deleted_row(sample, soft_delete.clinic_id, soft_delete.id);
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
