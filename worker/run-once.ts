/**
 * Runs the due graphile-worker jobs once, in a process of its own, and prints
 * as JSON how long that took and the process's resident memory before and at
 * its peak (MB): what a worker doing only those jobs uses. The benchmark of
 * the CSV export and its memory test run it this way. A failed attempt ends
 * it with status 1, each named on stderr (its retry stays queued), where
 * PostgreSQL's warnings to its jobs are the worker's `warn` lines.
 *
 *   RUN_ONCE_OWNER_URL=postgres://owner:…@host/db npm run worker:once
 */
import { Logger } from "graphile-worker";
import { settingsOrExit } from "../db/config.ts";
import { jsonLogger, runDueJobsOnce } from "./run.ts";

// in one line, as every command's settings are refused (it was a stack trace)
const ownerUrl = settingsOrExit(() => {
  if (!process.env.RUN_ONCE_OWNER_URL) throw new Error("RUN_ONCE_OWNER_URL must name the database owner's connection (postgres://owner:…@host/db)");
  return process.env.RUN_ONCE_OWNER_URL;
});

const rssBeforeMB = process.memoryUsage().rss / 1e6;
const start = process.hrtime.bigint();
// graphile-worker's own lines left out (stdout is the JSON below); PostgreSQL's warnings are the worker's, on stderr
// a database it cannot reach or enter said so with node's 20-line stack of pg-pool's error: said in one line, and fails
const failed = await runDueJobsOnce(ownerUrl, new Logger(() => () => {}), (message) => jsonLogger.warn(message)).catch((error: unknown) => {
  console.error(`cannot run the due jobs on RUN_ONCE_OWNER_URL's database: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
const ms = Number(process.hrtime.bigint() - start) / 1e6;
// maxRSS is in kilobytes: the peak over the process's life
console.log(JSON.stringify({ ms, rssBeforeMB, peakRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6 }));
for (const failure of failed) console.error(`failed: ${failure}`);
if (failed.length > 0) process.exitCode = 1;
