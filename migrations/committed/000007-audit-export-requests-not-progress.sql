--! Previous: sha1:8de05c9afa80a1f5d46c2ea763cc89749e22578b
--! Hash: sha1:047560b6a9a531b30448e7631a92d172711a0371
--! Message: audit export requests, not progress

--! split: 060-export-audit.sql
-- An export is audited when requested (insert) and at each download (an 'export'
-- entry written by export_for_download); the worker's progress updates are not
-- worth an audit entry each (a million-row export makes hundreds).
drop trigger if exists _500_audit on app_public.report_export;
create trigger _500_audit after insert or delete on app_public.report_export
  for each row execute function app_private.tg__audit();
