/**
 * report_export__expire: deletes the files of exports past their expiry and
 * marks them expired (hourly from the crontab).
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
  helpers.logger.info(`report_export__expire: ${rows.length} file(s) removed`);
};
