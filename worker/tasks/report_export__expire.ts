/**
 * report_export__expire (hourly from the crontab): deletes the files of
 * exports past their expiry and marks them expired; fails the exports whose
 * job will never run again (their worker died during the last attempt); and
 * deletes the half-written (.part) files of every export no attempt writes
 * any more: those, and those an attempt left that outlived its export's end.
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
  const { rows: written } = await helpers.query<{ id: string }>(
    "select id::text from app_public.report_export where id = any($1::uuid[]) and status in ('queued', 'running')",
    [parts.map((part) => part.exportId)],
  );
  const stillWritten = new Set(written.map((row) => row.id));
  const left = parts.filter((part) => !stillWritten.has(part.exportId.toLowerCase()));
  for (const part of left) await rm(part.path, { force: true });
  helpers.logger.info(
    `report_export__expire: ${rows.length} file(s) removed, ${abandoned[0].n} abandoned export(s) failed, ${left.length} half-written file(s) removed`,
  );
};
