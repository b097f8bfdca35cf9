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

const jsonLogger = new Logger((scope) => (level, message, meta) => {
  if (process.env.LOG_LEVEL === "silent") return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, event: "worker", message, scope, meta });
  (level === "error" || level === "warning" ? process.stderr : process.stdout).write(`${line}\n`);
});

/** A running worker and its pool, which outlives the runner: connections closed while it stops are heard until the end. */
export interface Worker {
  runner: Runner;
  pool: pg.Pool;
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
  return { runner, pool };
}

/** Stops the worker, the browser it may have started for PDFs, and its pool. */
export async function stopWorker({ runner, pool }: Worker): Promise<void> {
  try {
    await runner.stop();
  } finally {
    await closeBrowser();
    await pool.end();
  }
}
