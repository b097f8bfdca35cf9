/**
 * `npm run worker`: the worker alone, for deployments that run it apart from
 * the API server.
 */
import { openDatabase } from "../db/open.ts";
import { prepareDatabase } from "../db/setup.ts";
import { log } from "../server/log.ts";
import { stopOnSignals } from "../server/shutdown.ts";
import { startWorker, stopWorker } from "./run.ts";

const db = await openDatabase({ log: (message) => log("info", "database", { message }) });
await prepareDatabase(db.config, (message) => log("info", "database", { message }));
const worker = await startWorker(db.config.ownerUrl);
stopOnSignals([
  ["worker", () => stopWorker(worker)],
  ["database", () => db.close()],
]);
await worker.runner.promise;
