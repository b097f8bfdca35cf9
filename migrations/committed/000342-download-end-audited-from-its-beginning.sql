--! Previous: sha1:da994f712adc0f08849ad6c8da54f58b98208326
--! Hash: sha1:66477848c81c18a8d15542f29d21b3edc14783bf
--! Message: download-end-audited-from-its-beginning

-- A download's end is audited from what its beginning kept, whatever became of its session meanwhile
--
-- A download cut short (its client gone, its file unreadable) is audited as export_cut_short for the person who began
-- it, and export_cut_short found that person and clinic by reading the request's session's row at the download's end.
-- That row is kept a day after the session ended (000334), then the hourly sweep deletes it: a download still going
-- more than a day after its session ended (a slow client's of a large file, after a logout or the session's expiry)
-- and cut short then found no session, wrote nothing, and said nothing, and the clinic's audit log showed a whole
-- download that was not. Now export_for_download, in the transaction that checks the session and the export and writes
-- the download's export entry, keeps what the end needs in app_private.export_download: the download's id, export,
-- clinic, person, session, kind and file. GET /exports/:id tells the download's end to export_download_ended, whole or
-- not, which takes that row (only the session that began the download, by its session id claim, finds it; once)
-- and, for a download cut short, writes the export_cut_short entry from it, as before: the clinic, the person, and the
-- kind, file and download id of its export entry. No session row is read, so none is kept longer for it. A row stays
-- only while its download goes on (or when its end never came: the server stopped mid-file, the database unreachable
-- at its end). export_cut_short is replaced by export_download_ended; it let any session of the same person, not only
-- the one that began the download, say it was cut short.
create table if not exists app_private.export_download (
  id uuid primary key,
  clinic_id uuid not null,
  export_id uuid not null,
  user_id uuid not null,
  session_id uuid not null,
  kind app_public.export_kind not null,
  file_name text not null,
  begun_at timestamptz not null default now()
);
comment on table app_private.export_download is 'A download of an export under way: what its end''s audit needs, kept by export_for_download as the download begins (in the transaction that checks the session and the export and writes its export entry), and taken by export_download_ended at its end, so that a download cut short is audited for the person and clinic it began with whatever became of its session meanwhile (ended, its row deleted by the hourly sweep). Keyed by the download''s id alone, by which its end finds it. A row whose download''s end never came (the server stopped mid-file, the database unreachable at its end) stays.';
comment on column app_private.export_download.id is 'The download''s id, which its export entry''s detail gives (`download`).';
comment on column app_private.export_download.clinic_id is 'The export''s clinic, whose audit chain the download''s entries are in.';
comment on column app_private.export_download.export_id is 'The export downloaded.';
comment on column app_private.export_download.user_id is 'Who began the download: the actor of its entries.';
comment on column app_private.export_download.session_id is 'The session that began the download: only its session id claim ends it (export_download_ended), even once the session has ended or its row is gone.';
comment on column app_private.export_download.kind is 'The export''s kind, as its export entry gives it.';
comment on column app_private.export_download.file_name is 'The export''s file name, as its export entry gives it (`file`).';
comment on column app_private.export_download.begun_at is 'When the download began.';
alter table app_private.export_download enable row level security;
alter table app_private.export_download force row level security;
drop policy if exists owner_only on app_private.export_download;
create policy owner_only on app_private.export_download to :DATABASE_OWNER using (true);
comment on policy owner_only on app_private.export_download is 'Kept and read by definer functions only (export_for_download, export_download_ended).';

create or replace function app_hidden.export_for_download(export_id uuid)
  returns table (kind app_public.export_kind, clinic_id uuid, file_name text, content_type text, download_id uuid)
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
  return query select v_export.kind, v_export.clinic_id, v_export.file_name, v_export.content_type, v_download;
end;
$$;
comment on function app_hidden.export_for_download(uuid) is 'The export the session may download (one why_not_downloadable gives no reason: done, not past its expiry, not deleted), with the id of this download (and an audit entry of the download, its detail giving that id), or nothing. Keeps what the download''s end is audited with (app_private.export_download: its clinic, person, session, kind and file), for export_download_ended. Used by GET /exports/:id.';

drop function if exists app_hidden.export_cut_short(uuid, uuid);
create or replace function app_hidden.export_download_ended(export_id uuid, download_id uuid, whole boolean) returns void
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_download app_private.export_download;
begin
  delete from app_private.export_download d
  where d.id = export_download_ended.download_id and d.export_id = export_download_ended.export_id
    and d.session_id = app_public.current_session_id()
  returning d.* into v_download;
  if v_download.id is null or whole then
    return; -- no such download of this session's, one ended already, or one that sent its whole file: nothing to audit
  end if;
  perform app_private.write_audit(v_download.clinic_id, 'export_cut_short', 'report_export', v_download.export_id, null, null,
    jsonb_build_object('kind', v_download.kind, 'file', v_download.file_name, 'download', v_download.id), v_download.user_id);
end;
$$;
revoke all on function app_hidden.export_download_ended(uuid, uuid, boolean) from public;
grant execute on function app_hidden.export_download_ended(uuid, uuid, boolean) to :DATABASE_VISITOR;
comment on function app_hidden.export_download_ended(uuid, uuid, boolean) is 'Ends a download export_for_download began, whole (its file all sent) or not (its client gone, or its file unreadable): takes the download''s row of app_private.export_download and, for one cut short, audits it as export_cut_short, in its clinic''s chain, by the person who began it, its detail giving the kind, file and download id of its export entry (so that each download cut short is paired with its beginning when one person downloads the export more than once at a time). Only the session that began the download ends it (by its session id claim, even once that session has ended or its row was deleted: the download outlived it), and only once: anything else (a made-up download, another session''s, a second call) writes nothing, so a session cannot write entries of downloads nobody began. Used by GET /exports/:id at the end of each download, and by nothing else.';

comment on function app_private.expire_sessions() is 'Deletes every session that expired, or was revoked, more than a day ago; returns how many. Run hourly by session__expire (worker/crontab), so a session is deleted within the hour after its day; its token is refused from its end all the same (live_session). A download it began is audited at its end from what it kept as it began (app_private.export_download), not from the session''s row. One that another transaction holds (ending it, or changing it) is left to the next hourly run, never waited for: the sweep is in no deadlock with an ending of sessions, whatever order that takes them in. Logins stay in the audit log.';
comment on table app_private.session is 'A login. The JWT carries only its id as the authority: logout, expiry, a role change or a suspension act here, so a token stops working at once. A session ended (expired or revoked) is kept a day, refused all the while; then the hourly sweep (expire_sessions) deletes it, within the hour after that day. A download it began reads no session at its end (app_private.export_download).';
