--! Previous: sha1:4cd8bd5c4325799ce88a5c2b82c8380a5ca31896
--! Hash: sha1:fad40a8859cf13bd1bf10e74cfbcc8e38e9f8329
--! Message: A download cut short is paired with the download it ended

-- A download cut short is paired with the download it ended.
--
-- A download's export entry is written before a byte goes out (export_for_download), and export_cut_short is added
-- when the file did not go out whole (000216, 000221). Both named the export, its kind and file, and the person: one
-- who downloaded the same export twice at once (two tabs, a download manager's parallel requests), one of them cut
-- short, left an auditor two export entries and one export_cut_short that fitted either. Each download now has an id
-- of its own, given by export_for_download, which both entries carry in their detail (download).

drop function if exists app_hidden.export_for_download(uuid);
create function app_hidden.export_for_download(export_id uuid) returns table (kind app_public.export_kind, clinic_id uuid, file_name text, content_type text, download_id uuid)
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_export app_public.report_export;
  v_download uuid := gen_random_uuid();
begin
  select * into v_export from app_public.report_export e
  where e.clinic_id = app_public.current_clinic_id() and e.id = export_id and e.status = 'done' and e.expires_at > now();
  if v_export.id is null then
    return; -- not found, not this clinic's, not allowed, not ready or expired: all look alike
  end if;
  perform app_private.write_audit(v_export.clinic_id, 'export', 'report_export', v_export.id, null, null,
    jsonb_build_object('kind', v_export.kind, 'file', v_export.file_name, 'download', v_download));
  return query select v_export.kind, v_export.clinic_id, v_export.file_name, v_export.content_type, v_download;
end;
$$;
revoke all on function app_hidden.export_for_download(uuid) from public;
grant execute on function app_hidden.export_for_download(uuid) to :DATABASE_VISITOR;
comment on function app_hidden.export_for_download(uuid) is 'The finished export the session may download, not past its expiry, with the id of this download (and an audit entry of the download, its detail giving that id), or nothing. Used by GET /exports/:id.';

drop function if exists app_hidden.export_cut_short(uuid, app_public.export_kind, text);
drop function if exists app_hidden.export_cut_short(uuid, app_public.export_kind, text, uuid);
create function app_hidden.export_cut_short(export_id uuid, kind app_public.export_kind, file_name text, download_id uuid) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  -- the session of the request, ended or not (the export itself is out of its sight once it has ended)
  v_session app_private.session;
begin
  select s.* into v_session from app_private.session s where s.id = app_public.current_session_id();
  if v_session.clinic_id is null then
    return; -- no session, or none in a clinic: no download was begun (export_for_download found nothing)
  end if;
  perform app_private.write_audit(v_session.clinic_id, 'export_cut_short', 'report_export', export_cut_short.export_id, null, null,
    jsonb_build_object('kind', export_cut_short.kind, 'file', export_cut_short.file_name, 'download', export_cut_short.download_id), v_session.user_id);
end;
$$;
revoke all on function app_hidden.export_cut_short(uuid, app_public.export_kind, text, uuid) from public;
grant execute on function app_hidden.export_cut_short(uuid, app_public.export_kind, text, uuid) to :DATABASE_VISITOR;
comment on function app_hidden.export_cut_short(uuid, app_public.export_kind, text, uuid) is 'Audits that a download of the export (its kind, file and download id as export_for_download gave them), begun with its export entry, ended before its whole file was sent: its client gone, or its file unreadable. Its detail gives the download id of that export entry, so that each download cut short is paired with its beginning when one person downloads the export more than once at a time. Written for the request''s session even when it has ended meanwhile (a logout, a password change, a removal): the download outlived it. Used by GET /exports/:id after a download export_for_download began, and by nothing else.';

-- each attempt writes a part file of its own (<export id>.<attempt id>.part), and the sweep removes those of attempts
-- that are no longer their export's (db/export-files.ts)
comment on function app_private.fail_abandoned_exports() is 'Marks failed the exports still queued or running whose job will never run again (gone, or out of attempts after its worker died), and returns them. Called by report_export__expire, which then removes the .part files no attempt writes any more: those of exports not queued or running, and those of attempts an export is no longer the work of.';
