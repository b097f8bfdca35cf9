/**
 * Runs graphile-worker with ClinicOps' tasks and crontab, connected as the
 * database owner (tasks that read tenant data filter by clinic themselves).
 */
import { EventEmitter } from "node:events";
import { type Job, Logger, run, runOnce, type Runner, type WorkerEvents } from "graphile-worker";
import type pg from "pg";
import { closeBrowser } from "./pdf/renderer.ts";
import { taskList } from "./tasks/index.ts";
import { cutShort, inTransaction, poolHearingClosures } from "../db/pool.ts";
import { projectPath } from "../db/paths.ts";
import { closeExportFiles } from "../db/export-files.ts";
import { SHUTDOWN_GRACE_MS } from "../db/shutdown.ts";
import { writeLogLine } from "../db/json-log.ts";

/** graphile-worker's levels, named as the server's logs name them: its "warning" is "warn" there. */
const LEVEL_NAMES: Record<string, string> = { warning: "warn" };

/** An error in a log line's meta with what it says: JSON made `{}` of it, and a failure's reason was lost. */
const errorsSaid = (_key: string, value: unknown) =>
  value instanceof Error ? { name: value.name, message: value.message, code: (value as { code?: unknown }).code } : value;

/**
 * The worker's logs, graphile-worker's included: one JSON line each, event "worker". A logger scoped `{ record: true }`
 * (the audit anchors') writes at every LOG_LEVEL but silent: its lines are a copy kept outside the database.
 */
export const jsonLogger = new Logger((scope) => (level, message, meta) =>
  writeLogLine(LEVEL_NAMES[level] ?? level, { event: "worker", message, scope, meta }, errorsSaid, "record" in scope && scope.record === true),
);

/** A running worker and its pool, which outlives the runner: connections closed while it stops are heard until the end. */
export interface Worker {
  /** The runner now: one that stops on its own is replaced (keptRunning), and this with it. */
  runner: Runner;
  pool: pg.Pool;
  /** See runningJobs. */
  running: Map<string, Job>;
  /** Set once stopWorker is asked: a runner that ends then is not started again. */
  stopping?: boolean;
}

/**
 * How graphile-worker runs ours. A finished job's result is written in a batch
 * (of no delay) rather than on its own: graphile-worker does not wait for a
 * lone write before its graceful stop resolves, so a job that finished while
 * the worker stopped was left locked, its pool ended under the write; a batch
 * is flushed before the stop resolves. The same holds for runOnce, whose
 * promise resolved before a failed job's failure was written.
 */
export const WORKER_PRESET: GraphileConfig.Preset = { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } };

/**
 * Runs every due job once, connected as the database owner, on the worker's pool (workerPool: PostgreSQL's warnings
 * to its tasks go to `warn`, where `npm run worker:once` dropped them, a reconciliation's day passed over among them);
 * resolves when their results are written, with the attempts that failed (task and error).
 */
export async function runDueJobsOnce(ownerUrl: string, logger: Logger, warn: (message: string) => void): Promise<string[]> {
  const events: WorkerEvents = new EventEmitter();
  const failed: string[] = [];
  events.on("job:error", ({ job, error }) => failed.push(`${job.task_identifier}: ${error instanceof Error ? error.message : String(error)}`));
  const pool = workerPool({ connectionString: ownerUrl, max: 10 }, warn);
  try {
    await runOnce({ pgPool: pool, taskList, logger, events, preset: WORKER_PRESET });
  } finally {
    await pool.end();
  }
  return failed;
}

/**
 * Starts the worker. `stop`, aborted (the process's stop begun, db/shutdown.ts), cuts its start and keeps it from taking
 * a job: a start whose stop began while it closed the export files fails at once; graphile-worker's check of its
 * schema, waiting behind a lock on its tables, is cut (its connection ended), failing the start; and a worker started
 * meanwhile takes no job (but for one a look already under way finds: it was asked before the stop began). Before, a
 * signal during the start let the worker start and take the jobs waiting, only to be stopped, and a stop while the
 * check waited behind a lock waited with it until its 30 s were over (exit code 1).
 */
export async function startWorker(connectionString: string, concurrency = 2, stop?: AbortSignal): Promise<Worker> {
  const warn = (message: string) => jsonLogger.warn(message);
  for (const unclosed of await closeExportFiles()) warn(`an export file or folder could not be closed to other users of the machine: ${unclosed}`);
  if (stop?.aborted) throw new Error(STOPPED);
  const pool = workerPool({ connectionString, max: 10 }, warn);
  const cut = () => void cutShort(pool, warn);
  stop?.addEventListener("abort", cut);
  try {
    const start = () =>
      run({
        pgPool: pool,
        taskList,
        crontabFile: projectPath("worker/crontab"),
        concurrency,
        noHandleSignals: true,
        logger: jsonLogger,
        preset: WORKER_PRESET,
        // asked before each job is looked for: a refusal is a failed look, tried again until the worker is stopped
        forbiddenFlags: () => {
          if (stop?.aborted) throw new Error(STOPPED);
          return null;
        },
      });
    return keptRunning(pool, await start(), start, stop);
  } catch (error) {
    await pool.end();
    throw error;
  } finally {
    stop?.removeEventListener("abort", cut);
  }
}

/**
 * How long a runner that stopped on its own waits before the next is started: doubled at each start that fails, and
 * after a runner that stopped within `ranLong` of its start (the wait before it doubled), up to the most; a runner that
 * ran longer is followed after the first again.
 */
export const RESTART_WAIT_MS = { first: 1000, most: 30_000, ranLong: 60_000 };
const doubled = (wait: number) => Math.min(2 * wait, RESTART_WAIT_MS.most);

/**
 * The worker of `runner` on `pool`, started again by `start` whenever its runner stops on its own (not by stopWorker,
 * nor once `stop` is aborted). graphile-worker stops itself for good when the write of a finished or failed job's
 * result fails (its batched writes are not retried: graphile/worker#636), as one does whose connection PostgreSQL
 * closed under it (a restart, a failover, an operator's pg_terminate_backend): the API went on, /ready said ready, and
 * no export, reconciliation, anchor or expiry ran again until the process was restarted; every export asked for
 * stayed "queued". The jobs the stopped runner still held (that finished job, its result unwritten) are handed back
 * (graphile_worker.force_unlock_workers), where they stayed locked for graphile-worker's 4 hours, and run again: ours
 * find their work done, or do it. A start that fails (the database still away) is tried again, waiting longer each time,
 * and so is one whose runner stops again soon after it started (every result write failing): it started again every
 * second, running its finished jobs again each time (attempt 11 of 25 in 12 s).
 */
export function keptRunning(pool: pg.Pool, runner: Runner, start: () => Promise<Runner>, stop?: AbortSignal): Worker {
  const worker: Worker = { runner, pool, running: runningJobs(runner) };
  const stopped = () => worker.stopping === true || stop?.aborted === true;
  // `began`: when `current` started; `ifSoon`: the wait before the next start should it stop within `ranLong`
  const follow = (current: Runner, began: number, ifSoon: number) => {
    // the runner's own id, which its jobs are locked by (graphile-worker's pool id): known from its first job
    const lockedBy = new Set<string>();
    current.events.on("job:start", ({ job }) => void (job.locked_by && lockedBy.add(job.locked_by)));
    // whether its pool began to stop before stopWorker was asked: graphile-worker's own stop (a result write failed)
    let onItsOwn = false;
    current.events.once("pool:gracefulShutdown", () => void (onItsOwn = worker.stopping !== true));
    const handBack = async () => {
      if (lockedBy.size > 0) await pool.query("select graphile_worker.force_unlock_workers($1::text[])", [[...lockedBy]]);
      lockedBy.clear();
    };
    // once it has run all it will, and also when a stop came meanwhile (it still ran another job): that stop's own
    // hand-back is of the jobs still running at its end, and it waits for this before it ends the pool (doneOf). At once
    // (tried once more on another connection: the pool may lend a connection closed with the write's before it hears of
    // its end), and again before each start until done: a stop before the next start leaves none of them locked
    const done = ranAll(current).then(() => (onItsOwn || !stopped() ? handBack().catch(handBack).catch(() => {}) : undefined));
    doneOf.set(current, done);
    void done.then(async () => {
      if (stopped()) return;
      // one whose own stop never ended (ranAll) still holds its crontab and connections: released, not waited for
      void current.stop().catch(() => {});
      jsonLogger.error(`the worker stopped on its own: the jobs it held are handed back and it starts again`);
      for (let wait = Date.now() - began < RESTART_WAIT_MS.ranLong ? ifSoon : RESTART_WAIT_MS.first; ; wait = doubled(wait)) {
        // cut short by a stop, which then waits for no timer of ours
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          wakeOf.set(worker, () => (clearTimeout(timer), resolve()));
        });
        wakeOf.delete(worker);
        if (stopped()) return;
        try {
          await handBack();
          // cut by a stop (its connections ended), as the first start is: waiting behind a lock on graphile-worker's
          // tables (a deploy migrating them), the stop waited with it until its 30 s were over
          wakeOf.set(worker, () => void cutShort(pool));
          const next = await start().finally(() => wakeOf.delete(worker));
          if (stopped()) return void (await next.stop());
          Object.assign(worker, { runner: next, running: runningJobs(next) });
          jsonLogger.info(`the worker started again (after ${wait} ms)`);
          return follow(next, Date.now(), doubled(wait));
        } catch (error) {
          if (stopped()) return;
          jsonLogger.warn(`the worker could not start again (tried again in ${doubled(wait)} ms): ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    });
  };
  follow(runner, Date.now(), RESTART_WAIT_MS.first);
  return worker;
}

/**
 * Resolves once `runner` has run all it will: at its promise, or, once its pool is stopping, when every worker of that
 * pool has stopped (each after its last job), as the promise may never come. graphile-worker counts the result writes
 * under way, and a second failed write in one runner is counted out twice: its pool's stop then waits for that count
 * to come back to 0 for good. Two jobs' writes cut at once (as a restart of PostgreSQL cuts every connection, or a
 * closed connection lent once more) left the worker stopped, its jobs locked for 4 hours, and it was not started again.
 */
function ranAll(runner: Runner): Promise<void> {
  return new Promise<void>((resolve) => {
    void runner.promise.then(() => resolve());
    runner.events.once("pool:gracefulShutdown", ({ workerPool }) => {
      // a worker leaves the pool's list after its "worker:stop": looked at once that has been done
      const idle = () => void (workerPool._workers.length === 0 && resolve());
      idle();
      runner.events.on("worker:stop", () => void setImmediate(idle));
    });
  });
}

/** Each runner of keptRunning's end: ranAll, then the hand-back of its jobs when it stopped on its own. */
const doneOf = new WeakMap<Runner, Promise<void>>();

/** Ends the wait of a worker whose runner stopped on its own before it starts again, or cuts its start: its stop need not wait for either. */
const wakeOf = new WeakMap<Worker, () => void>();

/** Why a worker whose stop has begun does not start, or takes no job. */
const STOPPED = "the worker is stopping: it takes no job";

/**
 * The worker's pool. It hears the connections PostgreSQL closes
 * (graphile-worker's own pool stops listening for errors before it ends: a
 * connection closed meanwhile, as a restart of PostgreSQL closes it,
 * ended the process). PostgreSQL's warnings to its statements (SQLSTATE class
 * 01: a reconciliation's day passed over, naming its clinic) are `warn` lines:
 * node-postgres drops a notice no one listens for, so they reached PostgreSQL's
 * own log alone, and with the embedded server no log at all. And its
 * connections do not pass on the notifications of `worker:migrate`: graphile-worker stops itself when that channel tells of
 * a breaking migration of its schema, and any role that may connect may
 * NOTIFY there (PostgreSQL has no privilege for it), so one statement of an
 * analyst stopped exports, reconciliations and audit anchors for good while
 * the API went on. A real breaking migration comes with a newer
 * graphile-worker, deployed and started anew: its start migrates the schema,
 * and an older worker's start refuses a newer schema.
 */
export function workerPool(config: pg.PoolConfig, warn: (message: string) => void): pg.Pool {
  const pool = poolHearingClosures(config, warn);
  pool.on("connect", (client) => {
    client.on("notice", (notice) => notice.code?.startsWith("01") && warn(`PostgreSQL warns: ${notice.message}`));
    const emit = client.emit.bind(client);
    client.emit = ((event: string | symbol, ...args: unknown[]) =>
      event === "notification" && (args[0] as pg.Notification).channel === "worker:migrate" ? false : emit(event, ...args)) as typeof client.emit;
  });
  return pool;
}

/**
 * The jobs `runner` is running now, by id, as they started (their attempt
 * counted, their lock's owner): what stopWorker hands back when they outlast
 * the grace period.
 */
export function runningJobs(runner: Runner): Map<string, Job> {
  const running = new Map<string, Job>();
  runner.events.on("job:start", ({ job }) => void running.set(job.id, job));
  runner.events.on("job:complete", ({ job }) => void running.delete(job.id));
  return running;
}

/**
 * Stops the worker, the browser it may have started for PDFs, and its pool.
 * Running jobs are waited for `graceMs`. Those still running then are handed
 * back to the queue: unlocked (graphile_worker.force_unlock_workers), with
 * the attempt they were on given back (reschedule_jobs), so that they run
 * again, where a process killed under them left them locked for
 * graphile-worker's 4 hours (an export showed "running" all that time). Their
 * pool is then left open, not ended: they still use it until the process
 * exits, and ending it under them made their last write an unhandled error.
 */
export async function stopWorker(worker: Worker, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  worker.stopping = true; // a runner that ends now is not started again (keptRunning)
  wakeOf.get(worker)?.();
  const { runner, pool, running } = worker;
  let inTime = false;
  try {
    let timer: NodeJS.Timeout | undefined;
    // one that stopped on its own refuses a second stop, or, still running a job, takes it as done at once: its end
    // (its jobs run, those it held handed back) is waited for, where the pool was ended under the job still running
    const stopped = runner.stop().catch(() => {}).then(() => doneOf.get(runner) ?? runner.promise).then(() => true);
    stopped.catch(() => {}); // awaited in the race; once the grace is over, the process's exit ends the jobs
    inTime = await Promise.race([stopped, new Promise<false>((resolve) => (timer = setTimeout(resolve, graceMs, false)))]);
    clearTimeout(timer);
    const late = [...running.values()];
    if (!inTime && late.length > 0) {
      jsonLogger.warn(`jobs still running after ${graceMs} ms are handed back to the queue: ${late.map((job) => job.id).join(", ")}`);
      // in one transaction: between an unlock and its attempt given back, each committed on its own, a job on its last
      // attempt was one out of attempts that nobody held, and a sweep then (fail_abandoned_exports, another worker's)
      // failed its export for good; and another worker could take a job unlocked first, its attempt not given back
      // (graphile_worker.reschedule_jobs leaves a locked job as it is). Another worker's look for a job passes over the
      // rows the transaction holds, and then finds them handed back whole
      const client = await pool.connect();
      try {
        await inTransaction(client, () => handBack(client, late));
      } finally {
        client.release();
      }
    }
  } finally {
    // a render of a job handed back is not waited for: its browser is killed at once, within Docker's 10 s
    await closeBrowser(inTime ? undefined : 0);
    if (inTime) await pool.end();
  }
}

/**
 * Hands `late`'s jobs back to the queue (see stopWorker), on `client`, in its transaction. Their exports' rows are
 * taken first, then their jobs': in the order a cancelExport takes them (its export's row, then its job's, removed).
 * Jobs first, a cancel at that moment deadlocked with the stop, and PostgreSQL undid the whole hand-back ("deadlock
 * detected"): its jobs stayed locked for graphile-worker's 4 hours, their exports running with nothing running them.
 */
async function handBack(client: pg.PoolClient, late: Job[]): Promise<void> {
  // their exports wait again, as their clinics are shown: they said "running" with nothing running them, and
  // then "queued" with the cut attempt's progress (670,000 of 1,000,001 rows done)
  await client.query(
    `update app_public.report_export e set status = 'queued', rows_done = 0
     from unnest($1::text[], $2::json[]) as j(task, payload)
     where j.task = 'report_export__produce' and e.clinic_id = (j.payload ->> 'clinicId')::uuid and e.id = (j.payload ->> 'id')::uuid
       and e.status = 'running'`,
    [late.map((job) => job.task_identifier), late.map((job) => JSON.stringify(job.payload))],
  );
  await client.query("select graphile_worker.force_unlock_workers($1::text[])", [[...new Set(late.map((job) => job.locked_by))]]);
  await client.query(
    "select graphile_worker.reschedule_jobs(array[t.id], attempts := t.attempts) from unnest($1::bigint[], $2::int[]) as t(id, attempts)",
    [late.map((job) => job.id), late.map((job) => Math.max(job.attempts - 1, 0))],
  );
}
