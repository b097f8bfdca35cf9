/**
 * A CSV export of 1,000,000 payment rows streams through with bounded memory:
 * a worker process whose JavaScript heap is capped far below the file's size
 * produces it (holding the rows would end it with "heap out of memory"), and
 * its resident memory grows by far less than the file.
 */
import { statSync, createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { exportFile } from "../../db/export-files.ts";
import { runScript } from "../../bench/script.ts";
import { projectPath } from "../../db/paths.ts";
import { holdWorkerTurnThroughThisFile } from "../support/worker.ts";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { cashierSession, committedAs, createClinic, createIssuedInvoice } from "../support/fixtures.ts";
import { temporaryFolders } from "../support/temp-folders.ts";

holdWorkerTurnThroughThisFile();

const ROWS = 1_000_000;
const HEAP_MB = 64; // the file is ~95 MB
const temporaryFolder = temporaryFolders();
const dir = temporaryFolder("million");

afterAll(async () => {
  await closeRootPool();
});

test(
  "1,000,000 rows export with bounded memory",
  async () => {
    const clinic = await createClinic("Million clinic");
    const invoice = await createIssuedInvoice(clinic, "1");
    const client = await rootPool().connect();
    try {
      // bulk-load a million payments (triggers off, as a data import would)
      await client.query("begin");
      await client.query("set local session_replication_role = replica");
      await client.query(
        `insert into app_public.payment (clinic_id, code, invoice_id, amount, method, received_at, business_date)
         select $1, 'PAY-' || lpad(g::text, 7, '0'), $2, 1 + g % 1000, 'cash', '2026-06-01T09:00:00Z', '2026-06-01'
         from generate_series(1, $3::int) g`,
        [clinic.clinicId, invoice.id, ROWS],
      );
      await client.query("commit");
    } finally {
      client.release();
    }
    const id = await committedAs(await cashierSession(clinic), async (c) =>
      (await c.query("select id from app_public.request_export('payments_csv', '2026-06-01', '2026-06-01')")).rows[0].id,
    );

    // a worker of its own, as in production, with the heap capped
    const worker = runScript<{ rssBeforeMB: number; peakRssMB: number }>(projectPath("worker/run-once.ts"), [], {
      ...process.env,
      NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`,
      EXPORTS_DIR: dir,
      RUN_ONCE_OWNER_URL: testConfig.ownerUrl,
    });
    const { rows } = await rootPool().query("select status, rows_done, rows_total, error from app_public.report_export where id = $1", [id]);
    expect(rows[0]).toEqual({ status: "done", rows_done: ROWS, rows_total: ROWS, error: null });

    const file = exportFile(clinic.clinicId, id, { EXPORTS_DIR: dir });
    const size = statSync(file).size;
    let lines = 0;
    for await (const _line of createInterface({ input: createReadStream(file) })) lines++;
    expect(lines).toBe(ROWS + 1); // header + rows
    expect(size).toBeGreaterThan(40_000_000);
    const growthMB = worker.peakRssMB - worker.rssBeforeMB;
    expect({ growthMB: Math.round(growthMB), fileMB: Math.round(size / 1e6), bounded: growthMB < 100 }).toMatchObject({ bounded: true });
  },
  240_000,
);
