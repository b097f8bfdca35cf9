/**
 * Stopping the worker (what SIGTERM and Ctrl-C do, db/shutdown.ts): a job
 * still running after the grace period is unlocked, so it runs again at its
 * next attempt, instead of staying locked for graphile-worker's 4 hours once
 * the process is gone.
 */
import { Logger, run } from "graphile-worker";
import pg from "pg";
import { lockersOf, stopWorker } from "../../worker/run.ts";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";

afterAll(closeRootPool);

test("a job still running after the grace period is unlocked, to run again at its next attempt; the worker's pool is closed", async () => {
  // a task of this test alone: no other worker of the shared queue knows it, and it knows no other job
  const task = `clinicops_test_stopping_${process.pid}`;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const pool = new pg.Pool({ connectionString: testConfig.ownerUrl, max: 4 });
  const runner = await run({
    pgPool: pool,
    concurrency: 1,
    noHandleSignals: true,
    logger: new Logger(() => () => {}),
    taskList: {
      [task]: async () => {
        started();
        await new Promise((resolve) => setTimeout(resolve, 30_000).unref()); // longer than any grace
      },
    },
  });
  const lockers = lockersOf(runner); // as startWorker does
  const job = await runner.addJob(task, {}, { maxAttempts: 3 });
  await running;
  const { rows: locked } = await rootPool().query("select locked_by from graphile_worker.jobs where id = $1", [job.id]);
  expect(locked[0].locked_by).toEqual(expect.any(String));
  await stopWorker({ runner, pool, lockers }, 200);
  const { rows } = await rootPool().query(
    "select attempts, locked_at, locked_by, last_error from graphile_worker.jobs where id = $1",
    [job.id],
  );
  expect(rows).toEqual([{ attempts: 1, locked_at: null, locked_by: null, last_error: null }]);
  expect(pool.ended).toBe(true);
  await rootPool().query("select graphile_worker.complete_jobs(array[$1::bigint])", [job.id]); // the test's job leaves the shared queue
});
