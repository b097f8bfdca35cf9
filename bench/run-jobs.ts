/**
 * Runs the due graphile-worker jobs of the bench database once, in a process
 * of their own, and prints as JSON how long that took and the process's
 * resident memory before and at its peak (MB): what a worker doing only that
 * job would use. Used by bench/reports.ts for the CSV export.
 *
 *   node bench/run-jobs.ts
 */
import { Logger, runOnce } from "graphile-worker";
import { taskList } from "../worker/tasks/index.ts";
import { benchConfig } from "./dataset.ts";

const rssBeforeMB = process.memoryUsage().rss / 1e6;
const start = process.hrtime.bigint();
await runOnce({ connectionString: benchConfig.ownerUrl, taskList, logger: new Logger(() => () => {}) });
const ms = Number(process.hrtime.bigint() - start) / 1e6;
// maxRSS is in kilobytes: the peak over the process's life
console.log(JSON.stringify({ ms, rssBeforeMB, peakRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6 }));
