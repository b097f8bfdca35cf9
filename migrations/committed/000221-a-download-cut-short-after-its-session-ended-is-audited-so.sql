--! Previous: sha1:7feda2a9a9d048cfa166dab2fb8464932c510679
--! Hash: sha1:43f32bbe3659bf38e8d431608a322837a4f85220
--! Message: A download cut short after its session ended is audited so

-- A download cut short after its session ended is audited so.
--
-- export_cut_short found the export through the live session (current_clinic_id), which refuses a session that
-- has ended (CAUTH): a download outlives its session (a logout in another tab, a password change, the person's
-- removal from the clinic, an expiry), and one cut short after it was left audited as a whole download, the
-- server's log alone saying so. The entry is now written for the session the download began in, live or not,
-- with the export's kind and file as the server read them when it audited the download's start.

drop function if exists app_hidden.export_cut_short(uuid);
create or replace function app_hidden.export_cut_short(export_id uuid, kind app_public.export_kind, file_name text) returns void
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
    jsonb_build_object('kind', export_cut_short.kind, 'file', export_cut_short.file_name), v_session.user_id);
end;
$$;
revoke all on function app_hidden.export_cut_short(uuid, app_public.export_kind, text) from public;
grant execute on function app_hidden.export_cut_short(uuid, app_public.export_kind, text) to :DATABASE_VISITOR;
comment on function app_hidden.export_cut_short(uuid, app_public.export_kind, text) is 'Audits that a download of the export (its kind and file as export_for_download gave them), begun with its export entry, ended before its whole file was sent: its client gone, or its file unreadable. Written for the request''s session even when it has ended meanwhile (a logout, a password change, a removal): the download outlived it. Used by GET /exports/:id after a download export_for_download began, and by nothing else.';
