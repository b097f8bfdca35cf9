--! Previous: sha1:5785d6eacd97e58734b169a26bf9bd120286d737
--! Hash: sha1:c1ea1ec88cb7d9c2178e574b198c75de6e24caea
--! Message: a-cancelled-export-is-not-downloaded

-- A cancelled export is not downloaded, and its download says it was cancelled
--
-- 000316's cancelExport came beside 000310's why_not_downloadable, which knew no cancelled export: it gave it no
-- reason, so export_for_download served it, and its download, which found no file, answered "This export's file is no
-- longer on the server" instead of saying it was cancelled (and audited a download of nothing). A cancelled export now
-- has its reason, cancelled, and is never served. (A migration of its own: 000316 made the status, which PostgreSQL
-- lets a function's body name only once it is committed.)
create or replace function app_hidden.why_not_downloadable(export app_public.report_export) returns text
  language sql stable
as $$
  select case
    when why_not_downloadable.export.deleted_at is not null then 'deleted'
    when why_not_downloadable.export.status = 'expired'
      or (why_not_downloadable.export.status = 'done' and not coalesce(why_not_downloadable.export.expires_at > now(), false)) then 'expired'
    when why_not_downloadable.export.status = 'failed' then 'failed'
    when why_not_downloadable.export.status = 'cancelled' then 'cancelled'
    when why_not_downloadable.export.status in ('queued', 'running') then 'not_ready'
  end;
$$;
revoke all on function app_hidden.why_not_downloadable(app_public.report_export) from public;
grant execute on function app_hidden.why_not_downloadable(app_public.report_export) to :DATABASE_VISITOR;
comment on function app_hidden.why_not_downloadable(app_public.report_export) is 'Why the export is not downloaded: deleted (deleteExport), expired (or done and past its expiresAt), failed, cancelled (cancelExport), or not_ready (queued or running); null when it is done and may be downloaded. The one rule of downloads: export_for_download serves an export only when this is null, and GET /exports/:id tells a person who sees the export (its policies) the reason''s sentence (server/export-unavailable.ts).';
