--! Previous: sha1:6b61e0eadcdb4dcd6ea3be4546383e4828b4a483
--! Hash: sha1:53fca5fe455caedd5bff82a1458f6e2c653c7e32
--! Message: why-an-export-is-not-downloaded-said-by-one-function

-- Why an export is not downloaded is said by one function, which the download itself obeys
--
-- A download refused an export that was not done, or past its expiry (export_for_download), and the server then told
-- a person who sees the export listed why, by rules of its own written again in TypeScript (deleted, expired, failed,
-- not ready: server/export-unavailable.ts); a change to one copy would have left the other telling a reason the
-- download did not apply, or "No such export." for an export the person sees. app_hidden.why_not_downloadable now
-- gives the reason of an export (null when it may be downloaded): export_for_download serves the exports it gives none
-- and the server maps the reason to its sentence. Nothing a user sees changes: the same exports are downloaded, with
-- the same answers, and anyone else's export (another clinic's, a doctor's try, a guess) is still "No such export.".
-- one expression, no SET clause, not security definer: PostgreSQL inlines it in the queries that call it (decision 012)
create or replace function app_hidden.why_not_downloadable(export app_public.report_export) returns text
  language sql stable
as $$
  select case
    when why_not_downloadable.export.deleted_at is not null then 'deleted'
    when why_not_downloadable.export.status = 'expired'
      or (why_not_downloadable.export.status = 'done' and not coalesce(why_not_downloadable.export.expires_at > now(), false)) then 'expired'
    when why_not_downloadable.export.status = 'failed' then 'failed'
    when why_not_downloadable.export.status in ('queued', 'running') then 'not_ready'
  end;
$$;
revoke all on function app_hidden.why_not_downloadable(app_public.report_export) from public;
grant execute on function app_hidden.why_not_downloadable(app_public.report_export) to :DATABASE_VISITOR;
comment on function app_hidden.why_not_downloadable(app_public.report_export) is 'Why the export is not downloaded: deleted (deleteExport), expired (or done and past its expiresAt), failed, or not_ready (queued or running); null when it is done and may be downloaded. The one rule of downloads: export_for_download serves an export only when this is null, and GET /exports/:id tells a person who sees the export (its policies) the reason''s sentence (server/export-unavailable.ts).';

create or replace function app_hidden.export_for_download(export_id uuid)
  returns table (kind app_public.export_kind, clinic_id uuid, file_name text, content_type text, download_id uuid)
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
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
  return query select v_export.kind, v_export.clinic_id, v_export.file_name, v_export.content_type, v_download;
end;
$$;
comment on function app_hidden.export_for_download(uuid) is 'The export the session may download (one why_not_downloadable gives no reason: done, not past its expiry, not deleted), with the id of this download (and an audit entry of the download, its detail giving that id), or nothing. Used by GET /exports/:id.';
