--! Previous: sha1:430aa2d13a875786440f9186993c36129b2d5741
--! Hash: sha1:3f36cb4d229d57002bfd1017f0679f7a31250392
--! Message: a-download-cut-short-audited-only-by-its-session-once

-- A download is audited as cut short only by the session that began it, once
--
-- app_hidden.export_cut_short wrote whatever it was given into the session's clinic's audit chain: any session of a
-- clinic, running SQL as the API's role (a cashier's, a doctor's), could call it with a made-up export id, kind, file
-- name and download id, as often as it liked, and the clinic's audit log, meant to be what happened, said that
-- downloads nobody began had been cut short. It now takes the export and the download id alone, and writes its entry
-- only when the export entry of that download (export_for_download's, its detail naming the download) is in the
-- clinic's chain, by the session's person, and that download has no export_cut_short entry yet; the kind and file it
-- records are that entry's. Anything else writes nothing, as a call without a session in a clinic did. GET
-- /exports/:id calls it as before, with the download id export_for_download gave it.
drop function if exists app_hidden.export_cut_short(uuid, app_public.export_kind, text, uuid);
create or replace function app_hidden.export_cut_short(export_id uuid, download_id uuid) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  -- the session of the request, ended or not (the export itself is out of its sight once it has ended)
  v_session app_private.session;
  -- the detail of the download's export entry: its kind, file and download id
  v_begun jsonb;
begin
  select s.* into v_session from app_private.session s where s.id = app_public.current_session_id();
  if v_session.clinic_id is null then
    return; -- no session, or none in a clinic: no download was begun (export_for_download found nothing)
  end if;
  select a.detail into v_begun from app_public.audit_log a
  where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000') = v_session.clinic_id
    and a.table_name = 'report_export' and a.record_id = export_cut_short.export_id and a.action = 'export'
    and a.actor_user_id = v_session.user_id and a.detail->>'download' = export_cut_short.download_id::text;
  if v_begun is null or exists (
    select from app_public.audit_log a
    where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000') = v_session.clinic_id
      and a.table_name = 'report_export' and a.record_id = export_cut_short.export_id and a.action = 'export_cut_short'
      and a.detail->>'download' = export_cut_short.download_id::text
  ) then
    return; -- no such download of this person's, or it was cut short already: nothing happened to audit
  end if;
  perform app_private.write_audit(v_session.clinic_id, 'export_cut_short', 'report_export', export_cut_short.export_id, null, null,
    jsonb_build_object('kind', v_begun->'kind', 'file', v_begun->'file', 'download', v_begun->'download'), v_session.user_id);
end;
$$;
revoke all on function app_hidden.export_cut_short(uuid, uuid) from public;
grant execute on function app_hidden.export_cut_short(uuid, uuid) to :DATABASE_VISITOR;
comment on function app_hidden.export_cut_short(uuid, uuid) is 'Audits that a download of the export, begun with its export entry (export_for_download''s, whose detail gives the download id), ended before its whole file was sent: its client gone, or its file unreadable. Its detail gives the kind, file and download id of that export entry, so that each download cut short is paired with its beginning when one person downloads the export more than once at a time. Written only when that export entry is in the clinic''s chain by the session''s person and the download has no export_cut_short entry yet: anything else (a made-up or another person''s download, a second call) writes nothing, so a session cannot write entries of downloads nobody began. Written for the request''s session even when it has ended meanwhile (a logout, a password change, a removal): the download outlived it. Used by GET /exports/:id after a download export_for_download began, and by nothing else.';
