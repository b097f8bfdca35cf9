--! Previous: sha1:9dc36b2c6dd5ad0960c9869187dae665bee9d7f7
--! Hash: sha1:011ac7a94bf849064adc5a58225969d4d9f3e640
--! Message: The export a download serves comes with its size

-- The export a download serves comes with the size its attempt wrote, in place of its kind
--
-- GET /exports/:id compares the file it opens with the size the export's attempt wrote (a file cut short or written
-- over is not served as the export): it read that size by joining report_export again beside export_for_download,
-- whose `kind` no caller read. export_for_download now returns `byte_size` in its place; the rest is as in 000342.
do $$
begin
  if exists (
    select from pg_proc p where p.oid = 'app_hidden.export_for_download(uuid)'::regprocedure
      and 'kind' = any (p.proargnames)
  ) then
    drop function app_hidden.export_for_download(uuid);
  end if;
end
$$;
create or replace function app_hidden.export_for_download(export_id uuid)
  returns table (byte_size bigint, clinic_id uuid, file_name text, content_type text, download_id uuid)
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_export app_public.report_export;
  v_download uuid := gen_random_uuid();
begin
  select * into v_export from app_public.report_export e
  where e.clinic_id = app_public.current_clinic_id() and e.id = export_id and app_hidden.why_not_downloadable(e) is null;
  if v_export.id is null then
    return; -- not found, not this clinic's, not allowed, or not downloadable (why_not_downloadable): all look alike
  end if;
  perform app_private.write_audit(v_export.clinic_id, 'export', 'report_export', v_export.id, null, null,
    jsonb_build_object('kind', v_export.kind, 'file', v_export.file_name, 'download', v_download));
  insert into app_private.export_download (id, clinic_id, export_id, user_id, session_id, kind, file_name)
  values (v_download, v_export.clinic_id, v_export.id, app_public.current_user_id(), app_public.current_session_id(), v_export.kind, v_export.file_name);
  return query select v_export.byte_size, v_export.clinic_id, v_export.file_name, v_export.content_type, v_download;
end;
$$;
revoke all on function app_hidden.export_for_download(uuid) from public;
grant execute on function app_hidden.export_for_download(uuid) to :DATABASE_VISITOR;
comment on function app_hidden.export_for_download(uuid) is 'The export the session may download (one why_not_downloadable gives no reason: done, not past its expiry, not deleted), with the size its attempt wrote (the route serves no file of another size) and the id of this download (and an audit entry of the download, its detail giving that id), or nothing. Keeps what the download''s end is audited with (app_private.export_download: its clinic, person, session, kind and file), for export_download_ended. Used by GET /exports/:id.';
