/**
 * report_export__expire (hourly from the crontab): deletes the files of
 * exports past their expiry and marks them expired; fails the exports whose
 * job will never run again (their worker died during the last attempt); and
 * deletes the half-written (.part) files no attempt will put in place: those
 * of exports no longer in progress, and those of attempts another has
 * outlived (each attempt writes a file of its own); and the file put in place
 * for an export that then failed or was cancelled (its attempt's mark of done
 * lost after the rename). It also audits as cut short the downloads begun more
 * than a day ago whose end never came (app_private.sweep_unended_downloads).
 * The rows are written by app_private.sweep_exports, each clinic's in a
 * transaction of its own: one held by another transaction for over 20 s is
 * passed over with a warning naming the clinic.
 */
import { rm } from "node:fs/promises";
import type { Task } from "graphile-worker";
import { exportFolderFiles } from "../../db/export-files.ts";

export const report_export__expire: Task = async (_payload, helpers) => {
  // their files removed below with those no export serves (an expired export's is not kept): no download serves one
  // past its expiry, marked so or not (export_for_download). Each clinic's in a transaction of its own that waits at
  // most 20 s for a lock, a clinic held longer passed over with a warning the worker logs (its files kept, as of exports
  // not expired): one export's row, or a clinic's audit log, held by a transaction left open held the whole sweep, and
  // each hourly run after it, for as long as it lasted. A procedure that commits: called outside any transaction.
  const { rows: [swept] } = await helpers.query<{ expired: number; abandoned: number; unended: number }>("call app_private.sweep_exports()");
  // read before the exports' statuses: a file made after it is that of an attempt that has just taken its export (its
  // part file), or put it in place (the export's file, renamed as the attempt marks the export done)
  // a folder it cannot read (another account's) is logged with why, and the others' files are listed: it ended the
  // sweep, and no file of any clinic was removed, nor a download whose end never came audited, at each run
  const unread: string[] = [];
  const files = await exportFolderFiles((folder, error) => {
    unread.push(folder);
    helpers.logger.error(`report_export__expire: could not read ${folder}: ${error.message}`);
  });
  // kept: the part file of the attempt each export in progress is the work of (any of an export in progress for one
  // named as before, without its attempt: a worker of that version may still write it), and the export's file but of
  // one failed, cancelled or expired (an attempt puts it in place before its mark of done commits; one of an export not
  // in the database is not known to be ours); the others nothing will serve or put in place: an attempt's outlived by
  // another, those of an export no longer in progress (done, failed, cancelled, expired) or gone, the export's file of
  // one failed or cancelled (put in place by an attempt whose mark of done was lost, its connection closed at the
  // commit, the export then failed, or cancelled while it waited for its next attempt). The folder of a clinic the database does
  // not have is left whole: another installation's sharing the exports folder, whose attempts write their part files there
  const { rows: kept } = await helpers.query<{ n: string }>(
    `select file.n from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::boolean[]) with ordinality as file (clinic_id, export_id, attempt_id, part, n)
       left join app_public.report_export e on e.clinic_id = file.clinic_id and e.id = file.export_id
      where not exists (select from app_public.clinic c where c.id = file.clinic_id)
         or case when file.part then e.status in ('queued', 'running') and (file.attempt_id is null or file.attempt_id = e.attempt_id)
                 else e.id is null or e.status in ('queued', 'running', 'done') end`,
    [files.map((file) => file.clinicId), files.map((file) => file.exportId), files.map((file) => file.attemptId), files.map((file) => file.part)],
  );
  const stillUsed = new Set(kept.map((row) => Number(row.n) - 1));
  const left = files.filter((_, i) => !stillUsed.has(i));
  // each on its own: one that could not be removed (a folder where the file was, a permission) ended the sweep, and
  // every file listed after it stayed as long as that one did
  const unremoved: string[] = [];
  for (const file of left) {
    try {
      await rm(file.path, { force: true });
    } catch (error) {
      unremoved.push(file.path);
      helpers.logger.error(`report_export__expire: could not remove ${file.path}: ${(error as Error).message}`);
    }
  }
  helpers.logger.info(
    `report_export__expire: ${swept.expired} export(s) expired, ${swept.abandoned} abandoned export(s) failed, ${swept.unended} download(s) begun a day ago whose end never came audited as cut short, ${left.length - unremoved.length} file(s) no export will serve removed`,
  );
  // failed, for graphile-worker to record and try again, once the others are removed
  const failures = [
    ...(unremoved.length > 0 ? [`${unremoved.length} file(s) no export will serve could not be removed (each logged with why), ${unremoved[0]} first`] : []),
    ...(unread.length > 0 ? [`${unread.length} folder(s) of exports could not be read (each logged with why), ${unread[0]} first`] : []),
  ];
  if (failures.length > 0) throw new Error(`report_export__expire: ${failures.join("; ")}`);
};
