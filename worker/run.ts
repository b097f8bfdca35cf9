/**
 * Runs graphile-worker with ClinicOps' tasks and crontab, connected as the
 * database owner (tasks that read tenant data filter by clinic themselves).
 */
import { Logger, run, type Runner } from "graphile-worker";
import { closeBrowser } from "./pdf/renderer.ts";
import { taskList } from "./tasks/index.ts";
import { projectPath } from "../db/paths.ts";

const jsonLogger = new Logger((scope) => (level, message, meta) => {
  if (process.env.LOG_LEVEL === "silent") return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, event: "worker", message, scope, meta });
  (level === "error" || level === "warning" ? process.stderr : process.stdout).write(`${line}\n`);
});

export async function startWorker(connectionString: string, concurrency = 2): Promise<Runner> {
  return run({
    connectionString,
    taskList,
    crontabFile: projectPath("worker/crontab"),
    concurrency,
    noHandleSignals: true,
    logger: jsonLogger,
  });
}

/** Stops the worker and the browser it may have started for PDFs. */
export async function stopWorker(runner: Runner): Promise<void> {
  await runner.stop();
  await closeBrowser();
}
