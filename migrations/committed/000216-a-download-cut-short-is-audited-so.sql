--! Previous: sha1:645597f0bacc9ef39928ab63fbd7398aa1d1ee8b
--! Hash: sha1:5c688e43eed382fd4d86a4c1d7059abbd7b42a66
--! Message: A download cut short is audited so

-- A download cut short is audited so.
--
-- A download is audited once its file is open, before a byte is sent (export_for_download): a client that
-- leaves midway, or a disk that fails under the read, has had the file, or some of it, and must not be
-- missing from the log. But the entry read as a download, whole, however it ended. The server now appends
-- an export_cut_short entry when the file was not sent to its end: the export entry says the download began,
-- the one after it that it did not finish.

alter table app_public.audit_log drop constraint if exists audit_log_action_check;
alter table app_public.audit_log add constraint audit_log_action_check check (action in (
  'insert', 'update', 'delete', 'soft_delete', 'restore',
  'login', 'login_failed', 'logout', 'switch_clinic', 'export', 'export_cut_short'
));
comment on column app_public.audit_log.action is 'insert, update, delete, soft_delete, restore, login, login_failed, logout, switch_clinic, export (a download begun) or export_cut_short (that download ended before the whole file was sent).';

create or replace function app_hidden.export_cut_short(export_id uuid) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  -- nothing when it is not this clinic's, or not the session's to see: nothing of it was sent
  perform app_private.write_audit(e.clinic_id, 'export_cut_short', 'report_export', e.id, null, null, jsonb_build_object('kind', e.kind, 'file', e.file_name))
  from app_public.report_export e
  where e.clinic_id = app_public.current_clinic_id() and e.id = export_id;
end;
$$;
revoke all on function app_hidden.export_cut_short(uuid) from public;
grant execute on function app_hidden.export_cut_short(uuid) to :DATABASE_VISITOR;
comment on function app_hidden.export_cut_short(uuid) is 'Audits that a download of the export, begun (export_for_download''s export entry), ended before its whole file was sent: its client gone, or its file unreadable. Used by GET /exports/:id.';
