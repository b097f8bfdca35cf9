--! Previous: sha1:5c7b9a391fa6ca15a6394a837ea2b0f88276367e
--! Hash: sha1:044255970218d9a33254927935aad4e0b0e1a220
--! Message: An export can be deleted by whoever may download it, its file removed from the server

-- An export can be deleted by whoever may download it, its file removed from the server
--
-- No one could delete an export: a clinic whose exports filled its storage (or that wanted a file of its patients off
-- the server) waited 7 days. deleteExport (delete_export) deletes a finished or failed export for an owner, admin or
-- cashier of its clinic: its file is removed by the worker's sweep, queued at once; it is no longer downloaded ("This
-- export was deleted: request the export again."); it stays listed, expired, with who deleted it and when (deletedAt,
-- deletedBy); the deletion is in the audit log (soft_delete). Another clinic's export, a guessed id, or a doctor's
-- try is "No such export.", as a download is; one waiting or running is CONFLICT.

alter table app_public.report_export add column if not exists deleted_at timestamptz;
alter table app_public.report_export add column if not exists deleted_by uuid;
comment on column app_public.report_export.deleted_at is 'When it was deleted (deleteExport): its file removed, no longer downloaded; null while it was not.';
comment on column app_public.report_export.deleted_by is 'Who deleted it (deleteExport), if anyone.';


-- delete_export marks the row (the visitor role has no update grant: this policy serves the function alone)
drop policy if exists update_money on app_public.report_export;
create policy update_money on app_public.report_export for update
  using (clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.handles_money()))
  with check (clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.handles_money()));
comment on policy update_money on app_public.report_export is 'An owner, admin or cashier of the export''s clinic marks it deleted, through delete_export (the API''s role may not update exports itself).';

create or replace function app_public.delete_export(export_id uuid) returns app_public.report_export
    language plpgsql security definer
    set search_path = pg_catalog, public, pg_temp
    as $$
declare
  v_export app_public.report_export;
  v_deleted app_public.report_export;
begin
  -- as a download reads it: the session's clinic's, for a money role; anyone else's, or a guess, is no such export
  select * into v_export from app_public.report_export e
  where e.clinic_id = app_public.current_clinic_id() and e.id = delete_export.export_id and app_hidden.handles_money()
  for update;
  if v_export.id is null then
    raise exception 'No such export.' using errcode = 'CNOTF';
  end if;
  if v_export.deleted_at is not null then
    return v_export; -- deleted already (a second click): nothing more to do
  end if;
  if v_export.status in ('queued', 'running') then
    raise exception 'This export is not finished yet: delete it once its status is done or failed.' using errcode = 'CCONF';
  end if;
  -- expired as the sweep expires one, so that no download serves it and the sweep removes its file
  update app_public.report_export e
  set deleted_at = now(), deleted_by = app_public.current_user_id(),
      status = case when e.status = 'done' then 'expired'::app_public.export_status else e.status end,
      expires_at = case when e.status = 'done' then least(e.expires_at, now()) else e.expires_at end
  where e.clinic_id = v_export.clinic_id and e.id = v_export.id
  returning * into v_deleted;
  perform app_private.write_audit(v_export.clinic_id, 'soft_delete', 'report_export', v_export.id, to_jsonb(v_export), to_jsonb(v_deleted));
  -- its file removed now, not at the sweep's hour: one sweep for the deletions of the moment (a locked one keeps running,
  -- and another is queued after it)
  perform graphile_worker.add_job('report_export__expire', '{}'::json, job_key := 'report_export__expire:deleted');
  return v_deleted;
end;
$$;

comment on function app_public.delete_export(uuid) is 'Deletes an export, done or failed (one waiting or running is CONFLICT): its file is removed from the server by the worker in the next moments and is no longer downloaded at once; the export stays listed, expired, with deletedAt and deletedBy, and the deletion is audited. Frees the clinic''s export storage (requestExport). Whoever may download it: an owner, admin or cashier of its clinic; any other export, or a guess, is NOT_FOUND. Deleting one already deleted changes nothing.';
