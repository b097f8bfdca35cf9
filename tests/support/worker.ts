/**
 * Running the worker's jobs from tests. All test files share one job queue,
 * and a job runs with the environment of whichever process picks it up
 * (EXPORTS_DIR, PDF_RENDER_TIMEOUT_MS), so files that run jobs take turns:
 * each holds an advisory lock from its first test to its last.
 */
import pg from "pg";
import { Logger } from "graphile-worker";
import { runDueJobsOnce } from "../../worker/run.ts";
import { TEST_DATABASE_URL, testConfig } from "./database.ts";

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
