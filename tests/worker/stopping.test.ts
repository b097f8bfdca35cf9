/**
 * Stopping the worker (what SIGTERM and Ctrl-C do, db/shutdown.ts): a job
 * still running after the grace period is handed back to the queue, its
 * attempt given back, instead of staying locked for graphile-worker's 4 hours
 * once the process is gone; and it may still finish before the process exits.
 */
import { type EventEmitter, once } from "node:events";
import { Logger, run, type TaskList } from "graphile-worker";
import pg from "pg";
import { runningJobs, startWorker, stopWorker, type Worker, WORKER_PRESET, workerPool } from "../../worker/run.ts";
import { closeRootPool, rootPool, TEST_DATABASE_URL, testConfig } from "../support/database.ts";
import { until } from "../support/until.ts";
import { atTheNextAttemptsPart, cutStalledExport, jobHelpers, takeWorkerTurn, WORKER_TURN_WAIT_MS } from "../support/worker.ts";
import { createClinic } from "../support/fixtures.ts";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportFile } from "../../db/export-files.ts";
import { aloneOnTheExport, report_export__produce } from "../../worker/tasks/report_export__produce.ts";

afterAll(closeRootPool);

/** A worker as startWorker makes it (its pool, preset and jobs followed) of tasks this test alone knows, one job at a time, on `pool`. */
async function testWorker(taskList: TaskList, pool = workerPool({ connectionString: testConfig.ownerUrl, max: 4 }, () => {})): Promise<Worker> {
  const runner = await run({ pgPool: pool, concurrency: 1, noHandleSignals: true, logger: new Logger(() => () => {}), preset: WORKER_PRESET, taskList });
  return { runner, pool, running: runningJobs(runner) };
}

/** A worker of a task of this test alone (no other worker of the shared queue knows it), whose job runs `ms`, or until `gate` opens. */
async function workerRunning(name: string, runs: { ms: number } | { gate: Promise<void> }) {
  const task = `clinicops_test_stopping_${name}_${process.pid}`;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const worker = await testWorker({
    [task]: async () => {
      started();
      await ("gate" in runs ? runs.gate : new Promise((resolve) => setTimeout(resolve, runs.ms)));
    },
  });
  const job = await worker.runner.addJob(task, {}, { maxAttempts: 3 });
  await running;
  const { rows } = await rootPool().query("select attempts, locked_by from graphile_worker.jobs where id = $1", [job.id]);
  expect(rows[0]).toEqual({ attempts: 1, locked_by: expect.any(String) });
  return { worker, job };
}

const jobRow = async (id: string) =>
  (await rootPool().query("select attempts, locked_at, locked_by, last_error from graphile_worker.jobs where id = $1", [id])).rows;

test("a job still running after the grace period is unlocked with its attempt given back, to run again", async () => {
  let finish!: () => void;
  const { worker, job } = await workerRunning("late", { gate: new Promise<void>((resolve) => (finish = resolve)) });
  try {
    await stopWorker(worker, 200);
    expect(await jobRow(job.id)).toEqual([{ attempts: 0, locked_at: null, locked_by: null, last_error: null }]);
    // its pool is left to the process's exit (the job still uses it)
    expect(worker.pool.ended).toBe(false);
  } finally {
    // the test's own end: the job finishes and leaves the shared queue, and the runner stops (its timers kept jest's worker process alive)
    finish();
    await worker.runner.promise;
    await worker.pool.end();
  }
  expect(await jobRow(job.id)).toEqual([]);
});

/**
 * An export shown running (670 of 1,000 rows done) whose job, of `maxAttempts`, a worker of this file runs until `finish`;
 * the job queued before the worker starts and ahead of every other job: an export another file requested (and takes off
 * the queue itself) was the job this worker ran, gated, and the one handed back, this export left as it was.
 */
async function exportRunning(clinicName: string, maxAttempts = 25) {
  const clinic = await createClinic(clinicName);
  const { rows: [made] } = await rootPool().query(
    "insert into app_public.report_export (clinic_id, kind, from_date, to_date, status, rows_done, rows_total) values ($1, 'patients_csv', current_date, current_date, 'running', 670, 1000) returning id",
    [clinic.clinicId],
  );
  let finish!: () => void;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const { rows: [job] } = await rootPool().query(
    "select (j).id, (j).key from graphile_worker.add_job('report_export__produce', $1::json, job_key := $2, max_attempts := $3, priority := -1) as j",
    [{ clinicId: clinic.clinicId, id: made.id }, `report_export:${made.id}`, maxAttempts],
  );
  const worker = await testWorker({ report_export__produce: async () => void (started(), await gate) });
  await running;
  /** Lets the job end, then stops its worker and takes the job off the queue. */
  const end = async () => {
    finish();
    await worker.runner.promise;
    await worker.pool.end();
    await rootPool().query("select graphile_worker.remove_job($1)", [job.key]);
  };
  return { exportId: made.id as string, jobId: job.id as string, worker, end };
}

test("an export whose job is handed back waits again as its clinic is shown (queued, nothing done), not running with nothing running it", async () => {
  const release = await takeWorkerTurn(); // its job has a real task's name: no other file's worker may take it
  try {
    const { exportId, worker, end } = await exportRunning("Handed back export");
    await stopWorker(worker, 100);
    const shown = (await rootPool().query("select status, rows_done from app_public.report_export where id = $1", [exportId])).rows[0];
    await end();
    // nothing done of it that counts: the next attempt starts again (it showed the cut attempt's rows)
    expect(shown).toEqual({ status: "queued", rows_done: 0 });
  } finally {
    await release();
  }
}, WORKER_TURN_WAIT_MS);

/** `pool` running `then` after each of its statements, and each of those of the connections it lends, has answered. */
function afterEachStatement(pool: pg.Pool, then: () => Promise<void>): pg.Pool {
  const followed = <T extends object>(target: T, lend?: (made: T) => unknown): T =>
    new Proxy(target, {
      get(made, key) {
        const value: unknown = Reflect.get(made, key, made);
        if (key === "query") return async (...args: unknown[]) => ((result) => then().then(() => result))(await (value as (...a: unknown[]) => Promise<unknown>).apply(made, args));
        if (key === "connect" && lend) return async () => lend(made);
        return typeof value === "function" ? value.bind(made) : value;
      },
    });
  return followed(pool, async (made) => followed(await made.connect()));
}

// the hand-back's unlock and its attempt given back were two statements: between them a job on its last attempt was one
// out of attempts that nobody held, and the hourly sweep (fail_abandoned_exports) that read it then failed its export for
// good ("the export was interrupted"), though its attempt was given back and it was to run again
test("an export handed back on its last attempt is never seen abandoned meanwhile: its job is unlocked with its attempt given back at once", async () => {
  const release = await takeWorkerTurn(); // its job has a real task's name: no other file's worker may take it
  try {
    const { exportId, jobId, worker, end } = await exportRunning("Handed back on its last attempt", 1);
    // what the sweep would fail, read after each statement of the hand-back (rolled back: other files' exports stay as they are)
    const seenAbandoned: boolean[] = [];
    const sweep = async () => {
      const client = await rootPool().connect();
      try {
        await client.query("begin");
        const { rows } = await client.query("select count(*)::int as n from app_private.fail_abandoned_exports() f where f.id = $1", [exportId]);
        seenAbandoned.push(rows[0].n > 0);
      } finally {
        await client.query("rollback");
        client.release();
      }
    };
    await stopWorker({ ...worker, pool: afterEachStatement(worker.pool, sweep) }, 100);
    const shown = (await rootPool().query("select status from app_public.report_export where id = $1", [exportId])).rows[0];
    const left = await jobRow(jobId);
    await end();
    expect({ sweeps: seenAbandoned.length > 0, seenAbandoned: seenAbandoned.some(Boolean), shown, attempts: left[0]?.attempts }).toEqual({
      sweeps: true,
      seenAbandoned: false,
      shown: { status: "queued" },
      attempts: 0,
    });
  } finally {
    await release();
  }
}, WORKER_TURN_WAIT_MS);

// a reviewer's find: the hand-back in one transaction took its jobs' rows (the unlock), then its exports'; a cancelExport
// takes its export's row, then its job's (graphile_worker.remove_job): a cancel as a worker stopped deadlocked with the
// stop, and PostgreSQL undid the hand-back ("deadlock detected"), its jobs left locked for graphile-worker's 4 hours and
// the stop's other exports "running" with nothing running them
test("an export cancelled as its job is handed back is cancelled, and the stop's hand-back is done: neither is undone by a deadlock", async () => {
  const release = await takeWorkerTurn(); // its job has a real task's name: no other file's worker may take it
  try {
    const { exportId, jobId, worker, end } = await exportRunning("Cancelled as handed back");
    const cancel = await rootPool().connect();
    let stopped: string | null = "not stopped";
    try {
      await cancel.query("begin");
      // cancel_export's statements, in its order: the export's row, then its job's
      await cancel.query("update app_public.report_export set status = 'cancelled', finished_at = now() where id = $1", [exportId]);
      const { rows: [{ pid }] } = await cancel.query("select pg_backend_pid() as pid");
      const stopping = stopWorker(worker, 100).then(() => null, (error: Error) => error.message);
      const waitsForTheCancel = async () =>
        (await rootPool().query("select exists (select from pg_stat_activity where $1 = any (pg_blocking_pids(pid))) as waits", [pid])).rows[0].waits;
      expect(await until(waitsForTheCancel)).toBe(true);
      await cancel.query("select graphile_worker.remove_job($1)", [`report_export:${exportId}`]);
      await cancel.query("commit");
      stopped = await stopping;
    } finally {
      await cancel.query("rollback").catch(() => {});
      cancel.release();
    }
    const shown = (await rootPool().query("select status::text from app_public.report_export where id = $1", [exportId])).rows[0];
    const left = await jobRow(jobId);
    await end();
    await rootPool().query("delete from graphile_worker._private_jobs where id = $1", [jobId]); // its key taken by the cancel
    expect({ stopped, shown, lockedBy: left[0]?.locked_by }).toEqual({ stopped: null, shown: { status: "cancelled" }, lockedBy: null });
  } finally {
    await release();
  }
}, WORKER_TURN_WAIT_MS);

test("an export handed back whose attempt then fails, cut short by the stop, stays queued, with no failure told", async () => {
  const release = await takeWorkerTurn(); // its job has a real task's name: no other file's worker may take it
  const exportsDir = mkdtempSync(join(tmpdir(), "clinicops-handed-back-"));
  try {
    const clinic = await createClinic("Handed back, then failed");
    const { rows: [made] } = await rootPool().query(
      "insert into app_public.report_export (clinic_id, kind, from_date, to_date) values ($1, 'patients_csv', current_date, current_date) returning id",
      [clinic.clinicId],
    );
    const stall = await atTheNextAttemptsPart(made.id, exportsDir);
    process.env.EXPORTS_DIR = exportsDir;
    const worker = await testWorker({ report_export__produce });
    const job = await worker.runner.addJob("report_export__produce", { clinicId: clinic.clinicId, id: made.id }, { jobKey: `report_export:${made.id}`, maxAttempts: 1 });
    // the attempt fails only once it was handed back (as a render whose browser the stop killed)
    const stopReading = await cutStalledExport(await stall(), () => stopWorker(worker, 100));
    await worker.runner.promise;
    stopReading();
    await worker.pool.end();
    const { rows } = await rootPool().query("select status, error from app_public.report_export where id = $1", [made.id]);
    await rootPool().query("select graphile_worker.remove_job($1)", [job.key]);
    // before, "Attempt 1 of 1 failed", and the export failed for good while its job waited to run again
    expect(rows).toEqual([{ status: "queued", error: null }]);
  } finally {
    delete process.env.EXPORTS_DIR;
    rmSync(exportsDir, { recursive: true, force: true });
    await release();
  }
}, WORKER_TURN_WAIT_MS);

// another worker took a handed-back export while its cut attempt still wrote it: both wrote one .part, and
// the cut attempt's failure, told over the new attempt's "running", set it back to queued
test("an export handed back while its attempt still runs is taken again only once that attempt has ended, and then done", async () => {
  const release = await takeWorkerTurn(); // its job has a real task's name: no other file's worker may take it
  const exportsDir = mkdtempSync(join(tmpdir(), "clinicops-taken-again-"));
  let taker: Worker | undefined;
  try {
    const clinic = await createClinic("Handed back, taken again");
    const { rows: [made] } = await rootPool().query(
      "insert into app_public.report_export (clinic_id, kind, from_date, to_date) values ($1, 'patients_csv', current_date, current_date) returning id",
      [clinic.clinicId],
    );
    const file = exportFile(clinic.clinicId, made.id, { EXPORTS_DIR: exportsDir });
    const stall = await atTheNextAttemptsPart(made.id, exportsDir);
    process.env.EXPORTS_DIR = exportsDir;
    const first = await testWorker({ report_export__produce });
    await first.runner.addJob("report_export__produce", { clinicId: clinic.clinicId, id: made.id }, { jobKey: `report_export:${made.id}`, maxAttempts: 3 });
    const waitsForTheFirst = async () =>
      (await rootPool().query(
        `select exists (select from pg_locks where locktype = 'advisory' and not granted
           and classid = hashtext('report_export_attempt')::oid and objid = hashtext($1)::oid and objsubid = 2) as waits`,
        [made.id],
      )).rows[0].waits;
    // once the first attempt is seen at its file: handed back, and another worker takes the job
    const stopReading = await cutStalledExport(await stall(), async () => {
      await stopWorker(first, 100);
      taker = await testWorker({ report_export__produce });
      expect(await until(waitsForTheFirst)).toBe(true);
      expect((await rootPool().query("select status::text from app_public.report_export where id = $1", [made.id])).rows).toEqual([{ status: "queued" }]);
    });
    await first.runner.promise;
    stopReading();
    await first.pool.end();
    const done = async () => (await rootPool().query("select status::text from app_public.report_export where id = $1", [made.id])).rows[0].status === "done";
    expect(await until(done, 30_000)).toBe(true);
    const { rows } = await rootPool().query("select status::text, error, rows_done from app_public.report_export where id = $1", [made.id]);
    expect(rows).toEqual([{ status: "done", error: null, rows_done: 0 }]);
    expect(readFileSync(file, "utf8")).toMatch(/^\ufeffcode,/); // a whole file of its own: the header, no rows (a clinic without patients)
  } finally {
    if (taker) await stopWorker(taker, 5000);
    delete process.env.EXPORTS_DIR;
    rmSync(exportsDir, { recursive: true, force: true });
    await release();
  }
}, WORKER_TURN_WAIT_MS);

// a reviewer's find: the export of a last attempt that gave up waiting stayed queued for good, in one of the clinic's places
test("an attempt that waits too long for another attempt of its export fails, and the export with it when it was the last", async () => {
  const clinic = await createClinic("Waited too long");
  const { rows: [made] } = await rootPool().query(
    "insert into app_public.report_export (clinic_id, kind, from_date, to_date) values ($1, 'patients_csv', current_date, current_date) returning id",
    [clinic.clinicId],
  );
  const pool = workerPool({ connectionString: testConfig.ownerUrl, max: 2 }, () => {});
  const shown = async () => (await rootPool().query("select status::text, error from app_public.report_export where id = $1", [made.id])).rows[0];
  const holder = await rootPool().connect(); // the other attempt, still running
  let ran = false;
  try {
    await holder.query("select pg_advisory_lock(hashtext('report_export_attempt'), hashtext($1))", [made.id]);
    const exported = { clinicId: clinic.clinicId, id: made.id };
    await expect(aloneOnTheExport(jobHelpers(pool, 2), exported, async () => void (ran = true), "100ms")).rejects.toThrow(/still running after 100ms: this one is tried again later/);
    expect(await shown()).toEqual({ status: "queued", error: null });
    await expect(aloneOnTheExport(jobHelpers(pool, 3), exported, async () => void (ran = true), "100ms")).rejects.toThrow(/the export failed/);
    expect(await shown()).toEqual({ status: "failed", error: "Attempt 3 of 3 failed: another attempt of this export was still running" });
    expect(ran).toBe(false);
  } finally {
    await holder.query("select pg_advisory_unlock_all()");
    holder.release();
    await pool.end();
  }
});

test("a job handed back that then finishes before the process exits is done, with no error", async () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => void rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    let finish!: () => void;
    const { worker, job } = await workerRunning("finishing", { gate: new Promise<void>((resolve) => (finish = resolve)) });
    await stopWorker(worker, 100);
    expect(await jobRow(job.id)).toEqual([{ attempts: 0, locked_at: null, locked_by: null, last_error: null }]);
    finish(); // the job ends only now, after it was handed back
    await worker.runner.promise; // the runner's stop resolves once the job's result is written
    expect({ row: await jobRow(job.id), rejections }).toEqual({ row: [], rejections: [] }); // done: removed from the queue
    await worker.pool.end();
  } finally {
    process.off("unhandledRejection", onRejection);
  }
});

test("a job that finishes while the worker stops is done (its result written before the pool closes), and the pool is closed", async () => {
  const { worker, job } = await workerRunning("quick", { ms: 100 });
  await stopWorker(worker, 5000);
  expect({ row: await jobRow(job.id), ended: worker.pool.ended }).toEqual({ row: [], ended: true });
});

test("a breaking migration told on worker:migrate, which any role may NOTIFY, does not stop the worker: it goes on taking jobs", async () => {
  const task = `clinicops_test_stopping_notified_${process.pid}`;
  const application = `clinicops_test_deaf_${process.pid}`;
  const done: string[] = [];
  const pool = workerPool({ connectionString: testConfig.ownerUrl, max: 4, application_name: application }, () => {});
  // what reaches the worker's connections from PostgreSQL, before anything passes it on
  let arrived = 0;
  pool.on("connect", (client) =>
    (client as unknown as { connection: EventEmitter }).connection.on("notification", (n: pg.Notification) => void (n.channel === "worker:migrate" && arrived++)),
  );
  const worker = await testWorker({ [task]: async (payload) => void done.push((payload as { n: string }).n) }, pool);
  const { runner } = worker;
  let stopped = false;
  const markStopped = () => void (stopped = true);
  runner.promise.then(markStopped, markStopped);
  // the API's login role, which has no grant on graphile-worker's schema, says the schema broke
  const anyRole = new pg.Client({ connectionString: testConfig.authenticatorUrl });
  await anyRole.connect();
  try {
    // once the runner listens on the channel (its connection's last statement, done), which it does once started
    const listening = async () =>
      (
        await rootPool().query(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = $1 and state = 'idle' and query like 'LISTEN %worker:migrate%'",
          [application],
        )
      ).rows[0].n;
    await until(async () => (await listening()) > 0, 10_000, 50);
    expect(await listening()).toBe(1);
    await anyRole.query(`select pg_notify('worker:migrate', '{"breaking": true, "migrationNumber": 999}')`);
    await until(() => arrived > 0, 10_000);
    expect(arrived).toBe(1); // it reached the worker's connection
    await new Promise((r) => setTimeout(r, 500)); // graphile-worker stopped within ms of hearing it, before
    expect({ stopped, exitCode: process.exitCode }).toEqual({ stopped: false, exitCode: undefined }); // nor was the process's exit code made 57
    await runner.addJob(task, { n: "after" });
    await until(() => done.length > 0, 10_000);
    expect(done).toEqual(["after"]);
  } finally {
    await anyRole.end();
    await stopWorker(worker, 5000);
  }
});

// a signal while the worker started (closing its export files, graphile-worker checking its schema) let it start and take
// the jobs waiting, only to be stopped; and a stop while the check waited behind a lock waited with it, until its 30 s were over
describe("a worker whose stop begins as it starts", () => {
  test("its export files being closed, is not started", async () => {
    const stop = new AbortController();
    stop.abort();
    const starting = startWorker(testConfig.ownerUrl, 2, stop.signal);
    try {
      await expect(starting).rejects.toThrow("the worker is stopping: it takes no job");
    } finally {
      await starting.then(stopWorker, () => {}); // started, as it was, it is stopped
    }
  });

  test("its check of graphile-worker's schema waiting behind a lock, is cut at once, not started", async () => {
    const release = await takeWorkerTurn(); // the lock holds back other files' workers too
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await holder.connect();
    try {
      await holder.query("begin; lock table graphile_worker.migrations in access exclusive mode");
      const holderPid = (await holder.query("select pg_backend_pid() as pid")).rows[0].pid;
      const stop = new AbortController();
      const starting = startWorker(testConfig.ownerUrl, 2, stop.signal);
      starting.catch(() => {}); // heard below
      // (seen by another session: the holder's transaction sees the activity as it was at its first look) a connection
      // of the owner role waiting for the holder's lock: another file's owner connection waiting for a lock of its own
      // was counted too, and the stop came while the start still closed its export files ("the worker is stopping")
      const waiting = async () =>
        (await rootPool().query("select count(*)::int as n from pg_stat_activity where datname = current_database() and usename = $1 and $2::int = any (pg_blocking_pids(pid))", [
          testConfig.roles.owner,
          holderPid,
        ])).rows[0].n > 0;
      expect(await until(waiting, 30_000, 10)).toBe(true);
      stop.abort();
      await expect(starting).rejects.toThrow(/terminat/); // the lock still held: awaited, the start waited for it
    } finally {
      await holder.end();
      await release();
    }
  });

  test("once started, takes no job", async () => {
    const release = await takeWorkerTurn(); // the job's task is a real one: no other file's worker may take it
    const stop = new AbortController();
    const worker = await startWorker(testConfig.ownerUrl, 2, stop.signal);
    try {
      // both its workers idle, their last look for a job ended empty: a look under way as the stop begins still takes what
      // it finds (operations.md), and it found the job added below at times, as the machine was busy; so did a worker's
      // next look once it finished a job of its own cron's (a reconciliation backfilled at its start)
      await new Promise<void>((resolve) => {
        const idle = new Map<string, boolean>();
        const empty = ({ worker: { workerId } }: { worker: { workerId: string } }) => {
          idle.set(workerId, true);
          if ([...idle.values()].filter(Boolean).length < 2) return;
          worker.runner.events.off("worker:getJob:empty", empty).off("job:start", busy);
          resolve();
        };
        const busy = ({ worker: { workerId } }: { worker: { workerId: string } }) => void idle.set(workerId, false);
        worker.runner.events.on("worker:getJob:empty", empty).on("job:start", busy);
      });
      stop.abort();
      // this job taken, not another: the worker's own cron may add one at a minute's turn (reconciliation__open, backfilled),
      // and a look its notification began before the stop still takes it, as above (CI saw it "taken")
      const key = `stopping-as-it-starts-${process.pid}`;
      const taken = new Promise<string>((resolve) => worker.runner.events.on("job:start", ({ job }) => job.key === key && resolve("taken")));
      const looked = Promise.race([once(worker.runner.events, "worker:getJob:error").then(() => "refused"), taken]);
      const job = await worker.runner.addJob("session__expire", {}, { jobKey: key }); // its notification wakes the worker
      expect(await looked).toBe("refused");
      await stopWorker(worker);
      expect((await jobRow(job.id)).map(({ attempts, locked_by }) => ({ attempts, locked_by }))).toEqual([{ attempts: 0, locked_by: null }]);
      await rootPool().query("select graphile_worker.remove_job($1)", [job.key]);
    } finally {
      if (!worker.pool.ended) await stopWorker(worker);
      await release();
    }
  });
});
