/**
 * Running the worker's jobs from tests. All test files share one job queue,
 * and a job runs with the environment of whichever process picks it up
 * (EXPORTS_DIR, PDF_RENDER_TIMEOUT_MS), so files that run jobs take turns:
 * each holds an advisory lock from its first test to its last.
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createReadStream, mkdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import pg from "pg";
import { type JobHelpers, Logger } from "graphile-worker";
import { runDueJobsOnce } from "../../worker/run.ts";
import { rootPool, TEST_DATABASE_URL, testConfig } from "./database.ts";
import { exportPartFile } from "../../db/export-files.ts";
import { until } from "./until.ts";

const silent = new Logger(() => () => {});
const WORKER_TESTS_LOCK = 7_243_001;

/** Runs every job that is due, once; a failed job's next attempt is scheduled when this resolves, and it is named. */
export function runDueJobs(): Promise<string[]> {
  return runDueJobsOnce(testConfig.ownerUrl, silent, () => {});
}

/**
 * How long a file's first hook may wait for its turn: a whole other job-running file's run (the
 * million-row CSV's takes about 40 s), well past jest's 60 s for a hook when the machine is busy.
 */
export const WORKER_TURN_WAIT_MS = 600_000;

/** Waits for the other job-running test files, then keeps them waiting until the returned release. */
export async function takeWorkerTurn(): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query("select pg_advisory_lock($1)", [WORKER_TESTS_LOCK]);
  return async () => {
    await client.query("select pg_advisory_unlock($1)", [WORKER_TESTS_LOCK]);
    await client.end();
  };
}

/** Call at a test file's top level: the file holds the worker turn from before its first test until after its last. */
export function holdWorkerTurnThroughThisFile(): void {
  let release: () => Promise<void>;
  beforeAll(async () => {
    release = await takeWorkerTurn();
  }, WORKER_TURN_WAIT_MS);
  afterAll(() => release?.()); // undefined when the wait failed: its own error is the one to read
}

/**
 * Job helpers of attempt `attempts` of 3 of a job, for a task called outside graphile-worker, its queries made on `pool`,
 * or through `query` (to hold one back).
 */
export function jobHelpers(pool: pg.Pool, attempts: number, query = (text: string, values?: unknown[]) => pool.query(text, values)): JobHelpers {
  return {
    job: { id: "1", attempts, max_attempts: 3 },
    logger: silent,
    query,
    withPgClient: async <T>(fn: (client: pg.PoolClient) => Promise<T>) => {
      const client = await pool.connect();
      try {
        return await fn(client);
      } finally {
        client.release();
      }
    },
  } as unknown as JobHelpers;
}

/** Makes `part` a named pipe no one reads: an attempt that opens it to write waits, its transaction open and its cursor opened and unread. */
function stallExportFile(part: string): void {
  if (spawnSync("mkfifo", [part]).status !== 0) throw new Error(`mkfifo ${part} failed`);
}

/** Whether connection `pid` waits for a lock another holds. */
async function waitsForALock(pid: number): Promise<boolean> {
  return (await rootPool().query("select cardinality(pg_blocking_pids($1)) > 0 as waits", [pid])).rows[0].waits;
}

/**
 * Places `place` (a named pipe no one reads, stallExportFile, unless told otherwise) at the part file of the export's
 * next attempt, which is named for the attempt's id (`<export id>.<attempt id>.part`), known only once it has taken the
 * export. Call before the attempt runs: the export's row is held, so that the attempt's take waits for it. The answer,
 * called once the attempt is started, sees the take wait, holds the row again behind it (PostgreSQL hands a row to
 * those waiting in turn), then lets the take go: it reads the attempt's id as the row comes to it, before the attempt's
 * next write of the row (its count of rows, made before it opens its file), places the file and lets the attempt go on.
 * It answers the part file's path.
 */
export async function atTheNextAttemptsPart(
  exportId: string,
  exportsDir: string,
  place: (part: string) => void = stallExportFile,
): Promise<() => Promise<string>> {
  const held = async () => {
    const client = await rootPool().connect();
    const pid: number = (await client.query("select pg_backend_pid() as pid")).rows[0].pid;
    await client.query("begin");
    const row = client.query("select clinic_id, attempt_id from app_public.report_export where id = $1 for update", [exportId]);
    const release = async () => {
      await client.query("commit");
      client.release();
    };
    return { pid, row, release };
  };
  const first = await held();
  await first.row;
  return async () => {
    const waitsForFirst = async () =>
      (await rootPool().query("select exists (select from pg_stat_activity where $1 = any (pg_blocking_pids(pid))) as waits", [first.pid])).rows[0].waits;
    if (!(await until(waitsForFirst, 30_000))) {
      await first.release();
      throw new Error("no attempt was seen taking the export");
    }
    const second = await held();
    const queued = await until(() => waitsForALock(second.pid));
    await first.release();
    try {
      if (!queued) throw new Error("the export's row was not held again behind the attempt's take");
      const { rows: [taken] } = await second.row;
      const part = exportPartFile(taken.clinic_id, exportId, taken.attempt_id, { EXPORTS_DIR: exportsDir });
      mkdirSync(dirname(part), { recursive: true });
      place(part);
      return part;
    } finally {
      await second.release();
    }
  };
}

/**
 * The database connection's pid of the export stalled by stallExportFile at `part`, once it is seen stalled (idle in
 * its transaction after its cursor's query: it is idle in it a moment before too, between its statements).
 */
export async function whenExportStalled(part: string): Promise<number> {
  const exportId = basename(part).split(".")[0];
  let pid: number | undefined;
  const stalled = async () => {
    const { rows } = await rootPool().query(
      `select a.pid from pg_stat_activity a, app_public.report_export e
        where a.datname = current_database() and a.state = 'idle in transaction'
          and e.id = $1 and a.query = app_private.export_query(e.kind)`,
      [exportId],
    );
    pid = rows[0]?.pid;
    return rows.length === 1;
  };
  if (!(await until(stalled))) throw new Error("no export was seen waiting at its file");
  return pid!;
}

/** Opens the stalled export's `part` for reading, so that its attempt goes on. Answers the reader's stop. */
export function readStalledExport(part: string): () => void {
  const reader = createReadStream(part);
  reader.resume();
  return () => reader.destroy();
}

/** Lets the stalled attempt go on, reading its file: how many lines it wrote, once it has closed it. */
export async function linesRead(part: string): Promise<number> {
  let lines = 0;
  await once(createReadStream(part).on("data", (chunk) => (lines += chunk.toString().split("\n").length - 1)), "close");
  return lines;
}

/**
 * Closes the database connection of the export stalled by stallExportFile, as a restart of
 * PostgreSQL would, once it is seen stalled, then opens its file for reading, so that the attempt
 * goes on and fails; `beforeCut` runs once the export is seen, before its connection is closed.
 * Answers the reader's stop.
 */
export async function cutStalledExport(part: string, beforeCut: () => Promise<void> = async () => {}): Promise<() => void> {
  const pid = await whenExportStalled(part);
  await beforeCut();
  await rootPool().query("select pg_terminate_backend($1)", [pid]);
  return readStalledExport(part);
}
