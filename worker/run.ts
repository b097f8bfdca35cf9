/**
 * Runs graphile-worker with ClinicOps' tasks and crontab, connected as the
 * database owner (tasks that read tenant data filter by clinic themselves).
 */
import { Logger, run, type Runner } from "graphile-worker";
import type pg from "pg";
import { closeBrowser } from "./pdf/renderer.ts";
import { taskList } from "./tasks/index.ts";
import { poolHearingClosures } from "../db/pool.ts";
import { projectPath } from "../db/paths.ts";
import { pdfRenderTimeoutMs } from "../db/config.ts";
import { SHUTDOWN_GRACE_MS } from "../db/shutdown.ts";

/** The worker's logs, graphile-worker's included: one JSON line each, event "worker". */
export const jsonLogger = new Logger((scope) => (level, message, meta) => {
  if (process.env.LOG_LEVEL === "silent") return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, event: "worker", message, scope, meta });
  (level === "error" || level === "warning" ? process.stderr : process.stdout).write(`${line}\n`);
});

/** A running worker and its pool, which outlives the runner: connections closed while it stops are heard until the end. */
export interface Worker {
  runner: Runner;
  pool: pg.Pool;
  /** See lockersOf. */
  lockers: Set<string>;
}

export async function startWorker(connectionString: string, concurrency = 2): Promise<Worker> {
  pdfRenderTimeoutMs(); // a bad PDF_RENDER_TIMEOUT_MS is refused at start, not at each PDF
  // graphile-worker's own pool stops listening for errors before it ends:
  // a connection PostgreSQL closed meanwhile (Ctrl-C reaches the embedded server too) ended the process
  const pool = poolHearingClosures({ connectionString, max: 10 }, (message) => jsonLogger.warn(message));
  const runner = await run({
    pgPool: pool,
    taskList,
    crontabFile: projectPath("worker/crontab"),
    concurrency,
    noHandleSignals: true,
    logger: jsonLogger,
  });
  return { runner, pool, lockers: lockersOf(runner) };
}

/**
 * The ids under which `runner` locks the jobs it runs (its worker pool's), as
 * they start: what stopWorker unlocks when they outlast the grace period.
 */
export function lockersOf(runner: Runner): Set<string> {
  const lockers = new Set<string>();
  runner.events.on("job:start", ({ job }) => {
    if (job.locked_by) lockers.add(job.locked_by);
  });
  return lockers;
}

/**
 * Stops the worker, the browser it may have started for PDFs, and its pool.
 * Running jobs are waited for `graceMs`; those still running then are
 * unlocked (graphile_worker.force_unlock_workers), so that they run again at
 * their next attempt, where a process killed under them left them locked for
 * graphile-worker's 4 hours (an export showed "running" all that time).
 */
export async function stopWorker({ runner, pool, lockers }: Worker, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  try {
    let timer: NodeJS.Timeout | undefined;
    const stopped = runner.stop().then(() => true);
    stopped.catch(() => {}); // awaited in the race; once the grace is over, the process's exit ends the jobs
    const inTime = await Promise.race([stopped, new Promise<false>((resolve) => (timer = setTimeout(resolve, graceMs, false)))]);
    clearTimeout(timer);
    if (!inTime) {
      jsonLogger.warn(`jobs still running after ${graceMs} ms are unlocked, to run again at their next attempt`);
      await pool.query("select graphile_worker.force_unlock_workers($1::text[])", [[...lockers]]);
    }
  } finally {
    await closeBrowser();
    await pool.end();
  }
}
