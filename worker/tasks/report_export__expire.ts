/**
 * report_export__expire (hourly from the crontab): deletes the files of
 * exports past their expiry and marks them expired; fails the exports whose
 * job will never run again (their worker died during the last attempt) and
 * deletes what they left half-written.
 */
import { rm } from "node:fs/promises";
import type { Task } from "graphile-worker";
import { exportFile } from "../../db/export-files.ts";

export const report_export__expire: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ clinic_id: string; id: string }>(
    "select clinic_id, id from app_public.report_export where status = 'done' and expires_at <= now()",
  );
  for (const row of rows) {
    await rm(exportFile(row.clinic_id, row.id), { force: true });
    await helpers.query("update app_public.report_export set status = 'expired' where clinic_id = $1 and id = $2", [row.clinic_id, row.id]);
  }
  const { rows: abandoned } = await helpers.query<{ clinic_id: string; id: string }>("select clinic_id, id from app_private.fail_abandoned_exports()");
  for (const row of abandoned) await rm(`${exportFile(row.clinic_id, row.id)}.part`, { force: true });
  helpers.logger.info(`report_export__expire: ${rows.length} file(s) removed, ${abandoned.length} abandoned export(s) failed`);
};
