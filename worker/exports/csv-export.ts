/**
 * Writes a CSV export, streamed from PostgreSQL through a cursor (2,000 rows at
 * a time, so a million rows never sit in memory), reporting progress.
 */
import type { EventEmitter } from "node:events";
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import Cursor from "pg-cursor";
import type { JobHelpers } from "graphile-worker";
import { csvLine } from "../csv.ts";
import { EXPORT_FILE_MODE } from "../../db/export-files.ts";
import { whyRefused } from "./cancelled.ts";

const BATCH = 2000;
/** Every value as PostgreSQL's text, unparsed: the export's SQL formats dates and times, and Node never turns them into instants. */
const AS_POSTGRES_PRINTS_IT = { getTypeParser: () => (text: string) => text };
/** U+FEFF first: Excel, which clinics open CSVs with, reads a file as UTF-8 only after it (else José is JosÃ©). */
const BYTE_ORDER_MARK = "\ufeff";

export interface ExportJob {
  clinicId: string;
  id: string;
  /** The attempt's own id (report_export.attempt_id): what it writes of the export is written while the export is still its. */
  attemptId: string;
  kind: string;
  from: string;
  to: string;
  invoiceId: string | null;
}

/**
 * Closes a cursor of `client`, or gives up on it once the connection has ended: a connection the
 * server closed (a restart, pg_terminate_backend) during a read never answers the close, and
 * waited for alone it held the job, and one of the worker's slots, for good. Made before the
 * connection may end.
 */
export function cursorCloser(client: EventEmitter): (cursor: { close(): Promise<void> }) => Promise<void> {
  let heard!: () => void;
  const ended = new Promise<void>((resolve) => client.once("end", (heard = resolve)));
  return async (cursor) => {
    try {
      await Promise.race([cursor.close(), ended]);
    } finally {
      client.removeListener("end", heard); // the worker's pool lends the connection again: one listener per export piled up
    }
  };
}

/**
 * Writes the export's progress while it runs and is still this attempt's: one cut short by a stop, handed back
 * meanwhile (queued, nothing done), or outlived by another attempt, which counts its own, writes none over that.
 * A write refused throws why (whyRefused: ExportCancelled, or ExportNotThisAttempts): the attempt stops there, between
 * two batches of rows (one not cancelled wrote its remaining rows into a file no one would put in place, minutes of a
 * worker's slot and disk for a large export, dropped at its mark of done).
 */
export async function reportProgress(helpers: JobHelpers, job: ExportJob, column: "rows_total" | "rows_done", value: number): Promise<void> {
  const { rowCount } = await helpers.query(
    `update app_public.report_export set ${column} = $4 where clinic_id = $1 and id = $2 and attempt_id = $3 and status = 'running'`,
    [job.clinicId, job.id, job.attemptId, value],
  );
  if (rowCount === 0) throw await whyRefused(helpers, job);
}

export async function writeCsv(job: ExportJob, file: string, helpers: JobHelpers): Promise<void> {
  await helpers.withPgClient(async (client) => {
    await client.query("begin isolation level repeatable read read only");
    try {
      const { rows: q } = await client.query("select app_private.export_rows($1) as rows, app_private.export_query($1) as sql", [job.kind]);
      const sql = q[0].sql as string;
      const params = [job.clinicId, job.from, job.to];
      // counted unsorted: the cursor below sorts them once
      const { rows: count } = await client.query(`select count(*)::int as n from (${q[0].rows}) rows_to_export`, params);
      await reportProgress(helpers, job, "rows_total", count[0].n);
      const { fields } = await client.query(`select * from (${sql}) rows_to_export limit 0`, params);

      const closeCursor = cursorCloser(client); // before the cursor: its connection may end any time after
      const cursor: Cursor<(string | null)[]> = client.query(new Cursor(sql, params, { rowMode: "array", types: AS_POSTGRES_PRINTS_IT }));
      async function* lines() {
        yield BYTE_ORDER_MARK + csvLine(fields.map((f) => f.name));
        let done = 0;
        for (;;) {
          const batch = await cursor.read(BATCH);
          if (batch.length === 0) return;
          yield batch.map(csvLine).join("");
          done += batch.length;
          await reportProgress(helpers, job, "rows_done", done);
        }
      }
      try {
        // pipeline waits for the disk (backpressure) and turns a failed write
        // (a full disk) into this attempt's error, where an unheard stream error
        // ended the worker's process and left the job hanging
        await pipeline(lines, createWriteStream(file, { mode: EXPORT_FILE_MODE }));
      } finally {
        await closeCursor(cursor); // the transaction's commit waits for it
      }
    } finally {
      await client.query("commit");
    }
  });
}
