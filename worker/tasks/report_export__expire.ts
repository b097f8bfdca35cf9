/**
 * report_export__expire (hourly from the crontab): deletes the files of
 * exports past their expiry and marks them expired; fails the exports whose
 * job will never run again (their worker died during the last attempt); and
 * deletes the half-written (.part) files no attempt will put in place: those
 * of exports no longer in progress, and those of attempts another has
 * outlived (each attempt writes a file of its own).
 */
import { rm } from "node:fs/promises";
import type { Task } from "graphile-worker";
import { exportFile, exportPartFiles } from "../../db/export-files.ts";

export const report_export__expire: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ clinic_id: string; id: string }>(
    "select clinic_id, id from app_public.report_export where status = 'done' and expires_at <= now()",
  );
  for (const row of rows) {
    await rm(exportFile(row.clinic_id, row.id), { force: true });
    await helpers.query("update app_public.report_export set status = 'expired' where clinic_id = $1 and id = $2", [row.clinic_id, row.id]);
  }
  const { rows: abandoned } = await helpers.query<{ n: number }>("select count(*)::int as n from app_private.fail_abandoned_exports()");
  // read before the exports' statuses: a .part file made after it is an attempt's that has just taken its export
  const parts = await exportPartFiles();
  // the part files of the attempt each export in progress is the work of (any of an export in progress for one named
  // as before, without its attempt: a worker of that version may still write it); the others no attempt will put in
  // place: an attempt outlived by another, or of an export done, failed, expired or gone
  const { rows: written } = await helpers.query<{ n: number }>(
    `select part.n from unnest($1::uuid[], $2::uuid[]) with ordinality as part (export_id, attempt_id, n)
       join app_public.report_export e on e.id = part.export_id
      where e.status in ('queued', 'running') and (part.attempt_id is null or part.attempt_id = e.attempt_id)`,
    [parts.map((part) => part.exportId), parts.map((part) => part.attemptId)],
  );
  const stillWritten = new Set(written.map((row) => row.n - 1));
  const left = parts.filter((_, i) => !stillWritten.has(i));
  for (const part of left) await rm(part.path, { force: true });
  helpers.logger.info(
    `report_export__expire: ${rows.length} file(s) removed, ${abandoned[0].n} abandoned export(s) failed, ${left.length} half-written file(s) removed`,
  );
};
