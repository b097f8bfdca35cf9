--! Previous: sha1:df4f96064fbfa0d7bdbb685d9883965b6a0a1568
--! Hash: sha1:dcadf9ec022ec4a97a262bd3cfdd7b56be518d06
--! Message: unended-downloads-swept

-- A download whose end never came audited as cut short by the hourly sweep
--
-- A download keeps what its end's audit needs in app_private.export_download as it begins (000342), and its end takes
-- that row. A download whose end never came (the server stopped mid-file, or could not reach the database at its end)
-- left its row there for ever, and its export entry stood alone in the clinic's audit log, read as a whole download
-- though the server never said the whole file went out. Now the hourly sweep of exports (report_export__expire) takes
-- every row begun more than a day ago and audits its download as cut short, as its end would have (export_cut_short,
-- by the person who began it, its detail the kind, file and download id of its export entry), adding
-- `endNeverCame: true`: the server never told its end, and what it sent is not known. A day is far beyond a download:
-- the server tells every end it streams, whole or not, and a file of a clinic's whole storage budget (2,048 MB by
-- default) goes out within a day at 25 kB/s (the server sets no deadline of its own: a client reading slower still, or
-- stalling, for more than a day has its download audited so, and what it reads after is not audited). One function
-- writes the entry for the end and for the sweep (download_cut_short), and the sweep takes the clinics' chains in the
-- order of their ids, as every writer of several chains does (decision 005); a row whose end is being told meanwhile is
-- left to it.
create or replace function app_private.download_cut_short(download app_private.export_download, end_never_came boolean) returns void
  language sql volatile
  set search_path to pg_catalog, public, pg_temp
as $$
  select app_private.write_audit(download.clinic_id, 'export_cut_short', 'report_export', download.export_id, null, null,
    jsonb_build_object('kind', download.kind, 'file', download.file_name, 'download', download.id)
      || case when end_never_came then jsonb_build_object('endNeverCame', true) else '{}'::jsonb end,
    download.user_id);
$$;
revoke all on function app_private.download_cut_short(app_private.export_download, boolean) from public;
comment on function app_private.download_cut_short(app_private.export_download, boolean) is 'Audits a download as cut short (export_cut_short), in its clinic''s chain, by the person who began it, its detail giving the kind, file and download id of its export entry, and `endNeverCame: true` when its end was never told (sweep_unended_downloads). Called by export_download_ended and sweep_unended_downloads, with the row of app_private.export_download each has taken.';

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
    return; -- no such download of this session's, one ended already (or swept), or one that sent its whole file: nothing to audit
  end if;
  perform app_private.download_cut_short(v_download, false);
end;
$$;
comment on function app_hidden.export_download_ended(uuid, uuid, boolean) is 'Ends a download export_for_download began, whole (its file all sent) or not (its client gone, or its file unreadable): takes the download''s row of app_private.export_download and, for one cut short, audits it as export_cut_short (download_cut_short), in its clinic''s chain, by the person who began it, its detail giving the kind, file and download id of its export entry (so that each download cut short is paired with its beginning when one person downloads the export more than once at a time). Only the session that began the download ends it (by its session id claim, even once that session has ended or its row was deleted: the download outlived it), and only once: anything else (a made-up download, another session''s, a second call, one the hourly sweep took a day after it began) writes nothing, so a session cannot write entries of downloads nobody began. Used by GET /exports/:id at the end of each download, and by nothing else.';

create or replace function app_private.sweep_unended_downloads() returns integer
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_download app_private.export_download;
  v_swept integer := 0;
begin
  -- the clinics' chains in the order of their ids (decision 005); a row whose end is being told is its end's
  for v_download in
    select d.* from app_private.export_download d where d.begun_at < now() - interval '1 day'
    order by d.clinic_id, d.begun_at, d.id for update skip locked
  loop
    delete from app_private.export_download d where d.id = v_download.id;
    perform app_private.download_cut_short(v_download, true);
    v_swept := v_swept + 1;
  end loop;
  return v_swept;
end;
$$;
revoke all on function app_private.sweep_unended_downloads() from public;
comment on function app_private.sweep_unended_downloads() is 'Audits as cut short (download_cut_short, its detail saying endNeverCame) every download begun more than a day ago whose end never came (the server stopped mid-file, or could not reach the database at its end), taking its row of app_private.export_download; returns how many. A day is far beyond a download: the server tells every end it streams, whole or not, and a clinic''s whole storage budget (2,048 MB by default) goes out within a day at 25 kB/s (the server sets no deadline of its own: a client reading slower still, or stalling, for more than a day has its download audited so, and what it reads after is not). The clinics'' chains are taken in the order of their ids; a row whose end is being told meanwhile is left to it. Run hourly by report_export__expire (worker/crontab).';

comment on table app_private.export_download is 'A download of an export under way: what its end''s audit needs, kept by export_for_download as the download begins (in the transaction that checks the session and the export and writes its export entry), and taken by export_download_ended at its end, so that a download cut short is audited for the person and clinic it began with whatever became of its session meanwhile (ended, its row deleted by the hourly sweep). Keyed by the download''s id alone, by which its end finds it. A row whose download''s end never came (the server stopped mid-file, the database unreachable at its end) is taken a day after it began by the hourly sweep (sweep_unended_downloads), which audits the download as cut short, its end never told.';

comment on column app_public.audit_log.detail is 'Extra facts, by action: null for a change of a row (insert, update, delete, soft_delete, restore), but an update of user_secret (below). login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the opening ended, if any: the session a switch came from, and those beyond the account''s cap of 10 live sessions); a login''s deviceCookie (whether a device cookie of the account judged it: app_private.login_device). sessions_ended: endedSessions (the sessions of this chain''s clinic, or of none in the platform''s, that were ended), endedBy (what ended them: login or switch_clinic, into another clinic or none; password_change, by the person; password_reset, by a clinic''s owner or admin or the operator; deactivation of the account, or platform_admin_change of its rights, by the operator). logout: sessionId. login_failed: phone (normalised; null when it was no phone number), ip, reason, clinicId (the clinic named, for not_a_member and switch_not_a_member), and deviceCookie for a login''s (whether a device cookie of the account judged it, its failure counted against that device alone). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many sessions of this chain''s clinic, or of none in the platform''s, it ended: those of other chains are in their own entries), and ip and sessionId when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it; in the chain of each other clinic the person is of, passwordChanged, and unlocked and by for a reset, with endedSessions (the sessions of that clinic it ended, if any) in place of sessionsEnded, and nothing of where it was done from. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry); an export_cut_short the hourly sweep wrote for a download whose end never came, a day after it began, endNeverCame (true: the server never told its end, and what it sent is not known; sweep_unended_downloads).';
