--! Previous: sha1:76548b37f451552b201bb12dc0dc7ab404426c1d
--! Hash: sha1:5785d6eacd97e58734b169a26bf9bd120286d737
--! Message: an-export-waiting-or-running-can-be-cancelled

-- An export waiting or running can be cancelled (cancelExport), its place among the clinic's exports freed
--
-- A member who asked for the wrong export (ten years of visits by mistake) could not stop it: deleteExport of one
-- waiting or running was CONFLICT, so it held one of the person's 10 and the clinic's 30 places for exports in
-- progress until it was done, and its file then took the clinic's export storage. cancelExport (cancel_export)
-- cancels it for whoever may download it (an owner, admin or cashier of its clinic; anyone else, or a guess, is
-- "No such export."): one waiting is cancelled at once and its worker job removed; one running is marked cancelled,
-- and its attempt stops at its next batch of rows (or once its PDF is rendered), removing what it wrote and leaving
-- the export cancelled. Either way its place is free at once. The export stays listed, cancelled, with who cancelled
-- it (cancelledBy) and when (finishedAt); its download says it was cancelled; the cancellation is in the audit log (an
-- update, the row before and after). Cancelling it again changes nothing; one finished is CONFLICT (deleteExport
-- removes a finished one's file), and deleteExport of one in progress now says to cancel it.

alter type app_public.export_status add value if not exists 'cancelled' after 'failed';
comment on type app_public.export_status is 'queued → running → done | failed, or cancelled while queued or running (cancelExport); done files expire.';
comment on column app_public.report_export.status is '@behavior +filterBy
queued, running, done, failed, cancelled or expired.';
comment on column app_public.report_export.finished_at is 'When it finished, failed for good or was cancelled.';

alter table app_public.report_export add column if not exists cancelled_by uuid;
comment on column app_public.report_export.cancelled_by is 'Who cancelled it (cancelExport) while it was waiting or running, if anyone; when is its finishedAt.';

create or replace function app_private.export_to_change(export_id uuid) returns app_public.report_export
    language plpgsql
    set search_path = pg_catalog, public, pg_temp
    as $$
declare
  v_export app_public.report_export;
begin
  -- as a download reads it: the session's clinic's, for a money role; anyone else's, or a guess, is no such export
  select * into v_export from app_public.report_export e
  where e.clinic_id = app_public.current_clinic_id() and e.id = export_to_change.export_id and app_hidden.handles_money()
  for update;
  if v_export.id is null then
    raise exception 'No such export.' using errcode = 'CNOTF';
  end if;
  return v_export;
end;
$$;

comment on function app_private.export_to_change(uuid) is 'The export cancel_export or delete_export changes, its row locked to the end of the transaction: one of the session''s clinic, for an owner, admin or cashier, as a download reads it; anyone else''s, or a guess, is NOT_FOUND "No such export.".';

create or replace function app_public.cancel_export(export_id uuid) returns app_public.report_export
    language plpgsql security definer
    set search_path = pg_catalog, public, pg_temp
    as $$
declare
  v_export app_public.report_export;
  v_cancelled app_public.report_export;
begin
  v_export := app_private.export_to_change(cancel_export.export_id);
  if v_export.status = 'cancelled' then
    return v_export; -- cancelled already (a second click): nothing more to do
  end if;
  if v_export.status not in ('queued', 'running') then
    raise exception 'This export has finished: there is nothing to cancel (deleteExport removes its file).' using errcode = 'CCONF';
  end if;
  -- held by the row's lock: an attempt's mark of done, waiting for it, then finds the export cancelled and puts no file in place
  update app_public.report_export e
  set status = 'cancelled', finished_at = now(), cancelled_by = app_public.current_user_id()
  where e.clinic_id = v_export.clinic_id and e.id = v_export.id
  returning * into v_cancelled;
  -- a job waiting is removed; one a worker runs is kept from being retried, and its attempt stops at its next batch of rows
  perform graphile_worker.remove_job('report_export:' || v_export.id);
  perform app_private.write_audit(v_export.clinic_id, 'update', 'report_export', v_export.id, to_jsonb(v_export), to_jsonb(v_cancelled));
  return v_cancelled;
end;
$$;

comment on function app_public.cancel_export(uuid) is 'Cancels an export waiting or running: one waiting never runs; one running stops at its next batch of rows (a PDF once rendered), and what it wrote is removed. Frees its place among the person''s 10 and the clinic''s 30 exports in progress (requestExport) at once. The export stays listed, cancelled, with cancelledBy, and its finishedAt the moment; the cancellation is audited. Whoever may download it: an owner, admin or cashier of its clinic; any other export, or a guess, is NOT_FOUND. One finished (done, failed, expired) is CONFLICT: deleteExport removes its file. Cancelling one already cancelled changes nothing.';

create or replace function app_public.delete_export(export_id uuid) returns app_public.report_export
    language plpgsql security definer
    set search_path = pg_catalog, public, pg_temp
    as $$
declare
  v_export app_public.report_export;
  v_deleted app_public.report_export;
begin
  v_export := app_private.export_to_change(delete_export.export_id);
  if v_export.deleted_at is not null then
    return v_export; -- deleted already (a second click): nothing more to do
  end if;
  if v_export.status in ('queued', 'running') then
    raise exception 'This export is not finished yet: cancel it (cancelExport), or delete it once its status is done or failed.' using errcode = 'CCONF';
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

comment on function app_public.delete_export(uuid) is 'Deletes an export, done, failed or cancelled (one waiting or running is CONFLICT: cancelExport stops it): its file is removed from the server by the worker in the next moments and is no longer downloaded at once; the export stays listed, expired (a failed or cancelled one keeps its status), with deletedAt and deletedBy, and the deletion is audited. Frees the clinic''s export storage (requestExport). Whoever may download it: an owner, admin or cashier of its clinic; any other export, or a guess, is NOT_FOUND. Deleting one already deleted changes nothing.';
