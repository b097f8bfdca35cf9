/**
 * The worker when PostgreSQL closes the connection it writes a finished job's result on (a restart, a failover, an
 * operator's pg_terminate_backend): graphile-worker stops itself for good then (its batched writes are not retried).
 * The worker, started again, goes on taking jobs, and the finished job it held is handed back, not left locked for
 * graphile-worker's 4 hours. Before, the API went on while no job ran again: every export asked for stayed "queued".
 */
import { Logger, run, type TaskList } from "graphile-worker";
import pg from "pg";
import { keptRunning, stopWorker, type Worker, WORKER_PRESET, workerPool } from "../../worker/run.ts";
import { closeRootPool, rootPool, TEST_DATABASE_URL, testConfig } from "../support/database.ts";
import { until } from "../support/until.ts";
import { takeWorkerTurn } from "../support/worker.ts";

beforeAll(() => {
  process.env.LOG_LEVEL ??= "silent"; // its stop and start again are logged
});
afterAll(closeRootPool);

const jobRow = async (id: string) => (await rootPool().query("select attempts, locked_by from graphile_worker.jobs where id = $1", [id])).rows;

/**
 * A worker of a task of this test alone (no other worker of the shared queue takes its jobs), whose first job has
 * finished and whose connection writing that result was closed by PostgreSQL. Its jobs' names, in the order they ran.
 */
async function workerWhoseResultWriteWasCut(name: string, { alongside = false } = {}): Promise<{ worker: Worker; first: string; ran: string[]; task: string; stopping: Promise<void>; finishAlongside: () => void; alongsideId?: string }> {
  const task = `clinicops_test_connection_lost_${name}_${process.pid}`;
  const ran: string[] = [];
  let finish!: () => void;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  let finishAlongside!: () => void;
  const alongsideGate = new Promise<void>((resolve) => (finishAlongside = resolve));
  let alongsideStarted!: () => void;
  const alongsideRunning = new Promise<void>((resolve) => (alongsideStarted = resolve));
  const taskList: TaskList = {
    [task]: async (payload) => {
      const { name } = payload as { name: string };
      if (name === "first" && !ran.includes("first")) await gate;
      if (name === "alongside") await (alongsideStarted(), alongsideGate);
      ran.push(name);
    },
  };
  const pool = workerPool({ connectionString: testConfig.ownerUrl, max: 6 }, () => {});
  const start = () => run({ pgPool: pool, concurrency: alongside ? 2 : 1, noHandleSignals: true, logger: new Logger(() => () => {}), preset: WORKER_PRESET, taskList });
  const worker = keptRunning(pool, await start(), start);
  // with `alongside`, a job still running as the runner stops on its own, until finishAlongside
  const alongsideId = alongside ? (await worker.runner.addJob(task, { name: "alongside" }, { maxAttempts: 3 })).id : undefined;
  if (alongside) await alongsideRunning;
  const stopping = new Promise<void>((resolve) => worker.runner.events.once("pool:gracefulShutdown", () => resolve()));
  const holder = await rootPool().connect();
  try {
    const first = await worker.runner.addJob(task, { name: "first" }, { maxAttempts: 3 });
    expect(await until(async () => (await jobRow(first.id))[0]?.locked_by != null)).toBe(true);
    // the job's row held: the write of its result (its delete) waits for it, and its connection is closed there
    await holder.query("begin");
    await holder.query("select from graphile_worker._private_jobs where id = $1 for update", [first.id]);
    const holderPid: number = (await holder.query("select pg_backend_pid() as pid")).rows[0].pid;
    finish();
    let writer: number | undefined;
    const writing = async () => {
      writer = (await rootPool().query("select pid from pg_stat_activity where $1 = any (pg_blocking_pids(pid))", [holderPid])).rows[0]?.pid;
      return writer !== undefined;
    };
    expect(await until(writing)).toBe(true);
    await rootPool().query("select pg_terminate_backend($1)", [writer]);
    await holder.query("commit");
    return { worker, first: first.id, ran, task, stopping, finishAlongside, alongsideId };
  } finally {
    holder.release();
  }
}

const dropJobsOf = (task: string) =>
  rootPool().query("delete from graphile_worker._private_jobs j using graphile_worker._private_tasks t where t.id = j.task_id and t.identifier = $1", [task]);

test("a worker whose connection is closed as it writes a finished job's result goes on taking jobs, and that job is not left locked", async () => {
  const { worker, first, ran, task } = await workerWhoseResultWriteWasCut("goes-on");
  try {
    // added apart from the worker's pool, which may lend the closed connection once more before it hears of its end
    const { rows: [second] } = await rootPool().query("select id from graphile_worker.add_job($1, $2::json, max_attempts := 3)", [task, JSON.stringify({ name: "second" })]);
    // it ran (before, nothing ran again), and the first, its result unwritten, ran again and left the queue (before,
    // it stayed locked by the stopped worker for 4 hours)
    const done = async () => (await jobRow(second.id)).length === 0 && (await jobRow(first)).length === 0;
    expect(await until(done, 30_000)).toBe(true);
    expect(ran.sort()).toEqual(["first", "first", "second"]);
  } finally {
    await stopWorker(worker, 5000);
    await dropJobsOf(task);
  }
  expect(worker.pool.ended).toBe(true);
}, 90_000);

test("a worker stopped before it starts again stops at once, its pool ended, and leaves the job it held unlocked", async () => {
  const { worker, first, task } = await workerWhoseResultWriteWasCut("stopped");
  try {
    expect(await until(async () => (await jobRow(first))[0]?.locked_by === null)).toBe(true);
    const started = Date.now();
    await stopWorker(worker, 5000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(worker.pool.ended).toBe(true);
    expect(await jobRow(first)).toEqual([{ attempts: 1, locked_by: null }]);
  } finally {
    await dropJobsOf(task);
  }
}, 90_000);

// a restart of PostgreSQL cuts every connection, so two jobs' result writes may fail at once (or a closed connection is
// lent once more): graphile-worker's stop of the runner then never ended (its count of the writes under way went wrong),
// so it was not started again, no job ran, and both jobs stayed locked for 4 hours
test("a worker whose two result writes are cut at once goes on taking jobs, and neither job is left locked", async () => {
  const task = `clinicops_test_connection_lost_both_${process.pid}`;
  const gates: Record<string, () => void> = {};
  const opened: Record<string, Promise<void>> = { a: new Promise((resolve) => (gates.a = resolve)), b: new Promise((resolve) => (gates.b = resolve)) };
  const ran: string[] = [];
  const taskList: TaskList = {
    [task]: async (payload) => {
      const { name } = payload as { name: string };
      if (!ran.includes(name)) await opened[name];
      ran.push(name);
    },
  };
  const pool = workerPool({ connectionString: testConfig.ownerUrl, max: 6 }, () => {});
  const start = () => run({ pgPool: pool, concurrency: 2, noHandleSignals: true, logger: new Logger(() => () => {}), preset: WORKER_PRESET, taskList });
  const worker = keptRunning(pool, await start(), start);
  const holder = await rootPool().connect();
  try {
    const a = await worker.runner.addJob(task, { name: "a" }, { maxAttempts: 3 });
    const b = await worker.runner.addJob(task, { name: "b" }, { maxAttempts: 3 });
    expect(await until(async () => (await jobRow(a.id))[0]?.locked_by != null && (await jobRow(b.id))[0]?.locked_by != null)).toBe(true);
    // both rows held: the writes of their results (each its own) wait for them, and both connections are closed there
    await holder.query("begin");
    await holder.query("select from graphile_worker._private_jobs where id = any($1::bigint[]) for update", [[a.id, b.id]]);
    const holderPid: number = (await holder.query("select pg_backend_pid() as pid")).rows[0].pid;
    const writers = async (): Promise<number[]> =>
      (await rootPool().query("select pid from pg_stat_activity where $1 = any (pg_blocking_pids(pid))", [holderPid])).rows.map((row) => row.pid);
    gates.a();
    expect(await until(async () => (await writers()).length === 1)).toBe(true);
    gates.b();
    expect(await until(async () => (await writers()).length === 2)).toBe(true);
    await rootPool().query("select pg_terminate_backend(pid) from unnest($1::int[]) pid", [await writers()]);
    await holder.query("commit");
    const { rows: [c] } = await rootPool().query("select id from graphile_worker.add_job($1, $2::json, max_attempts := 3)", [task, JSON.stringify({ name: "c" })]);
    const done = async () => (await Promise.all([a.id, b.id, c.id].map(jobRow))).every((rows) => rows.length === 0);
    expect(await until(done, 30_000)).toBe(true);
    expect(ran.sort()).toEqual(["a", "a", "b", "b", "c"]);
  } finally {
    holder.release();
    await stopWorker(worker, 5000);
    await dropJobsOf(task);
  }
}, 90_000);

// a stop (SIGTERM) while the runner that stopped on its own still ran another job: the stop took that runner as stopped at
// once and ended the pool under the job, and the job whose result write was cut was not handed back: both stayed locked
// for graphile-worker's 4 hours
test("a worker stopped while its runner, stopped on its own, still runs another job waits for it, and leaves no job locked", async () => {
  const { worker, first, task, stopping, finishAlongside, alongsideId } = await workerWhoseResultWriteWasCut("drained", { alongside: true });
  try {
    await stopping;
    const stopped = stopWorker(worker, 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    finishAlongside();
    await stopped;
    expect(worker.pool.ended).toBe(true);
    // the one whose result went unwritten handed back (not run again: the worker stopped), the other's result written
    expect({ first: await jobRow(first), alongside: await jobRow(alongsideId!) }).toEqual({ first: [{ attempts: 1, locked_by: null }], alongside: [] });
  } finally {
    await dropJobsOf(task);
  }
}, 90_000);

// its start again waits behind a lock on graphile-worker's tables (a deploy migrating them, a VACUUM FULL): a stop then
// waited with it, as the first start's stop did before it was cut, until the lock went or the stop's 30 s were over (exit 1)
test("a worker stopped while its start again waits behind a lock on graphile-worker's tables stops at once", async () => {
  const release = await takeWorkerTurn(); // the lock holds back other files' workers too
  const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await holder.connect();
  const { worker, task } = await workerWhoseResultWriteWasCut("start-held");
  try {
    await holder.query("begin; lock table graphile_worker.migrations in access exclusive mode");
    const waiting = async () =>
      (await rootPool().query("select count(*)::int as n from pg_stat_activity where datname = current_database() and usename = $1 and wait_event_type = 'Lock'", [testConfig.roles.owner])).rows[0].n > 0;
    expect(await until(waiting, 10_000, 10)).toBe(true);
    const began = Date.now();
    const stopped = stopWorker(worker, 5000).then(() => Date.now() - began);
    let timer: NodeJS.Timeout | undefined;
    const tookMs = await Promise.race([stopped, new Promise<number>((resolve) => (timer = setTimeout(resolve, 8000, Infinity)))]);
    clearTimeout(timer);
    expect(tookMs).toBeLessThan(2000);
    expect(worker.pool.ended).toBe(true);
  } finally {
    await holder.end();
    await release();
    await dropJobsOf(task);
  }
}, 90_000);

// every result write failing (here refused by a trigger): each start succeeded, its runner stopped at its first finished
// job, and the worker started again every second, running that job again each time (attempt 11 of 25 in 12 s)
test("a worker whose runner keeps stopping on its own soon after each start waits longer before each start again", async () => {
  const task = `clinicops_test_connection_lost_refused_${process.pid}`;
  const refuse = `public.clinicops_test_refuse_complete_${process.pid}`;
  await rootPool().query(`
    create function ${refuse}() returns trigger language plpgsql as $$
    begin
      if exists (select from graphile_worker._private_tasks t where t.id = old.task_id and t.identifier = '${task}') then
        raise exception 'the result of % is not written', old.id;
      end if;
      return old;
    end $$;
    create trigger clinicops_test_refuse_complete_${process.pid} before delete on graphile_worker._private_jobs
      for each row execute function ${refuse}()`);
  const starts: number[] = [];
  const pool = workerPool({ connectionString: testConfig.ownerUrl, max: 6 }, () => {});
  const taskList: TaskList = { [task]: async () => {} };
  const start = () => (starts.push(Date.now()), run({ pgPool: pool, concurrency: 1, noHandleSignals: true, logger: new Logger(() => () => {}), preset: WORKER_PRESET, taskList }));
  const worker = keptRunning(pool, await start(), start);
  try {
    await worker.runner.addJob(task, {}, { maxAttempts: 25 });
    expect(await until(() => starts.length >= 4, 20_000)).toBe(true);
    const gaps = starts.slice(1, 4).map((at, i) => at - starts[i]);
    // waits of 1 s, 2 s and 4 s (before, 1 s each time)
    expect({ gaps, grew: gaps[1] >= 2000 && gaps[2] >= 4000 }).toEqual({ gaps, grew: true });
  } finally {
    await stopWorker(worker, 5000);
    await rootPool().query(`drop trigger if exists clinicops_test_refuse_complete_${process.pid} on graphile_worker._private_jobs; drop function if exists ${refuse}()`);
    await dropJobsOf(task);
  }
}, 90_000);
