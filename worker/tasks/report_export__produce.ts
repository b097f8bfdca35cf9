/**
 * report_export__produce: writes one requested CSV export, streamed from
 * PostgreSQL through a cursor (2,000 rows at a time, so a million rows never
 * sit in memory), recording progress as it goes. Queued by
 * app_public.request_export with a job key, so a retry rewrites the same file
 * instead of making another. After the last attempt the export is marked
 * failed with the reason.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import Cursor from "pg-cursor";
import type { Task } from "graphile-worker";
import { exportFile } from "../../db/export-files.ts";
import { csvLine } from "../csv.ts";

const BATCH = 2000;

interface Payload {
  clinicId: string;
  id: string;
}

export const report_export__produce: Task = async (payload, helpers) => {
  const { clinicId, id } = payload as Payload;
  const { rows } = await helpers.query<{ kind: string; from_date: string; to_date: string }>(
    `update app_public.report_export set status = 'running', started_at = now(), rows_done = 0, error = null
     where clinic_id = $1 and id = $2 and status in ('queued', 'running')
     returning kind, from_date::text, to_date::text`,
    [clinicId, id],
  );
  if (!rows[0]) return; // already finished (or gone): nothing to redo
  const { kind, from_date: from, to_date: to } = rows[0];
  const file = exportFile(clinicId, id);
  const partial = `${file}.part`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await helpers.withPgClient(async (client) => {
      await client.query("begin isolation level repeatable read read only");
      try {
        const { rows: q } = await client.query("select app_private.export_query($1) as sql", [kind]);
        const sql = q[0].sql as string;
        const params = [clinicId, from, to];
        const { rows: count } = await client.query(`select count(*)::int as n from (${sql}) rows_to_export`, params);
        const { fields } = await client.query(`select * from (${sql}) rows_to_export limit 0`, params);
        await helpers.query("update app_public.report_export set rows_total = $3 where clinic_id = $1 and id = $2", [clinicId, id, count[0].n]);

        const out = createWriteStream(partial);
        const cursor = client.query(new Cursor(sql, params, { rowMode: "array" }));
        out.write(csvLine(fields.map((f) => f.name)));
        let done = 0;
        for (;;) {
          const batch: unknown[][] = await cursor.read(BATCH);
          if (batch.length === 0) break;
          if (!out.write(batch.map(csvLine).join(""))) await once(out, "drain");
          done += batch.length;
          await helpers.query("update app_public.report_export set rows_done = $3 where clinic_id = $1 and id = $2", [clinicId, id, done]);
        }
        await cursor.close();
        out.end();
        await once(out, "finish");
      } finally {
        await client.query("commit");
      }
    });
    await rename(partial, file);
    const { size } = await stat(file);
    await helpers.query(
      `update app_public.report_export set status = 'done', file_name = $3, byte_size = $4, finished_at = now(),
         expires_at = now() + interval '7 days' where clinic_id = $1 and id = $2`,
      [clinicId, id, `${kind.replace("_csv", "")}-${from}-to-${to}.csv`, size],
    );
  } catch (error) {
    const final = helpers.job.attempts >= helpers.job.max_attempts;
    await helpers.query(
      `update app_public.report_export set status = $3::text::app_public.export_status, error = $4,
         finished_at = case when $3::text = 'failed' then now() end
       where clinic_id = $1 and id = $2`,
      [clinicId, id, final ? "failed" : "queued", `Attempt ${helpers.job.attempts} of ${helpers.job.max_attempts} failed: ${(error as Error).message}`],
    );
    await rm(partial, { force: true }).catch(() => {}); // may not even be reachable
    throw error;
  }
};
