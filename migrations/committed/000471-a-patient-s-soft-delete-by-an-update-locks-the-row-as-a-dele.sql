--! Previous: sha1:dc9bb05f8e66fd8c6e792537732b4092adf69fcf
--! Hash: sha1:266c855f38eb88f946b71752ab7e5bd9aae40540
--! Message: A patient's soft delete by an update locks the row as a delete does

-- Enter migration here

-- A patient's soft delete by an update locks the row as a delete does
--
-- A booking or an invoice is refused for a deleted patient by a check that reads the patient after the foreign key's
-- check has locked their row (key share), and a delete is refused while the patient has a visit under way or an open
-- invoice by checks that read those: each waits for the other only through that row. The API's deletePatient locks it
-- for update first (soft_delete), as a DELETE does, and the foreign key's lock waits for that. The operator's soft delete,
-- the update operations.md gives (`update app_public.patient set deleted_at = now() where …`), locked it only as any
-- update does, which a key share does not wait for: a booking sent meanwhile read the patient live and the update read no
-- visit under way, and both committed, a deleted patient left with a visit in the queue (and a draft invoice made beside
-- it, an open invoice of a deleted patient). Setting deleted_at now locks the row for update before the checks read
-- anything, so the update and the booking take turns as deletePatient and a booking do: the second waits for the first,
-- then is refused.
create or replace function app_private.tg__delete_locks_row() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $_$
begin
  -- the update holds the row against other updates only; for update, as a delete, it waits for the foreign keys' checks
  -- of rows being made for it, and theirs wait for it (already held by soft_delete and a DELETE: nothing more then)
  execute format('select from %I.%I t where t.clinic_id = $1 and t.id = $2 for update', tg_table_schema, tg_table_name)
    using old.clinic_id, old.id;
  return new;
end;
$_$;

comment on function app_private.tg__delete_locks_row() is 'BEFORE UPDATE OF deleted_at, a live row being deleted: locks it for update, as a DELETE and soft_delete do, before the checks that refuse the delete read anything, so that a row being made for it (a visit, an invoice), whose foreign key''s check locks it key share, waits for the delete or the delete for it, and the second sees what the first did (an update of deleted_at, as an operator soft-deletes, locked it only against other updates).';
revoke all on function app_private.tg__delete_locks_row() from public;

drop trigger if exists _115_delete_locks_row on app_public.patient;
create trigger _115_delete_locks_row before update of deleted_at on app_public.patient
  for each row when (old.deleted_at is null and new.deleted_at is not null) execute function app_private.tg__delete_locks_row();
comment on trigger _115_delete_locks_row on app_public.patient is 'A patient being deleted is locked for update before the checks of their visits and invoices, however deleted (tg__delete_locks_row).';
