/**
 * Running the worker's jobs from tests. All test files share one job queue,
 * and a job runs with the environment of whichever process picks it up
 * (EXPORTS_DIR, PDF_RENDER_TIMEOUT_MS), so files that run jobs take turns:
 * each holds an advisory lock from its first test to its last.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, mkdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import pg from "pg";
import { Logger } from "graphile-worker";
import { runDueJobsOnce } from "../../worker/run.ts";
import { rootPool, TEST_DATABASE_URL, testConfig } from "./database.ts";
import { until } from "./until.ts";

const silent = new Logger(() => () => {});
const WORKER_TESTS_LOCK = 7_243_001;

/** Runs every job that is due, once; a failed job's next attempt is scheduled when this resolves, and it is named. */
export function runDueJobs(): Promise<string[]> {
  return runDueJobsOnce(testConfig.ownerUrl, silent);
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
 * Makes an export's `.part` file a named pipe no one reads: its attempt, once running, waits to open
 * the file, its transaction open and its cursor opened and unread.
 */
export function stallExportFile(part: string): void {
  mkdirSync(dirname(part), { recursive: true });
  if (spawnSync("mkfifo", [part]).status !== 0) throw new Error(`mkfifo ${part} failed`);
}

/**
 * The database connection's pid of the export stalled by stallExportFile at `part`, once it is seen stalled (idle in
 * its transaction after its cursor's query: it is idle in it a moment before too, between its statements).
 */
export async function whenExportStalled(part: string): Promise<number> {
  const exportId = basename(part, ".part");
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
