--! Previous: sha1:c0f5d1aa48370f84e75ef3460065b06ee19342bf
--! Hash: sha1:29a028490c33bf0321b56bb689b9790537385b4f
--! Message: an export past its expiry is not downloaded

-- An export past its expiry is not downloaded.
--
-- A finished export answered its file until the hourly sweep (report_export__expire, at minute 15)
-- marked it expired: up to an hour past the 7 days the docs promise (an exports checker). The
-- download reads the expiry too.

create or replace function app_hidden.export_for_download(export_id uuid) returns table (kind app_public.export_kind, clinic_id uuid, file_name text, content_type text)
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_export app_public.report_export;
begin
  select * into v_export from app_public.report_export e
  where e.clinic_id = app_public.current_clinic_id() and e.id = export_id and e.status = 'done' and e.expires_at > now();
  if v_export.id is null then
    return; -- not found, not this clinic's, not allowed, not ready or expired: all look alike
  end if;
  perform app_private.write_audit(v_export.clinic_id, 'export', 'report_export', v_export.id, null, null,
    jsonb_build_object('kind', v_export.kind, 'file', v_export.file_name));
  return query select v_export.kind, v_export.clinic_id, v_export.file_name, v_export.content_type;
end;
$$;
comment on function app_hidden.export_for_download(uuid) is 'The finished export the session may download, not past its expiry (and an audit entry of the download), or nothing. Used by GET /exports/:id.';
