/**
 * `npm run worker`: the worker alone, for deployments that run it apart from
 * the API server.
 */
import { checkSettingsReadLater, settingsOrExit } from "../db/config.ts";
import { openDatabase } from "../db/open.ts";
import { prepareDatabase } from "../db/setup.ts";
import { type ShutdownLog, startStep, stopOnSignals } from "../db/shutdown.ts";
import { jsonLogger, startWorker, stopWorker } from "./run.ts";

// settings first: one that cannot work is refused before a database starts
settingsOrExit(() => checkSettingsReadLater());
const report = (message: string) => jsonLogger.info(message);
const log: ShutdownLog = (level, event, fields) => jsonLogger[level](event, fields);
const db = await startStep(() => openDatabase({ log: report }), log);
await startStep(() => prepareDatabase(db.config, report, { warn: (message) => jsonLogger.warn(message) }), log, [["database", () => db.close()]]);
const worker = await startWorker(db.config.ownerUrl);
stopOnSignals(
  [
    ["worker", () => stopWorker(worker)],
    ["database", () => db.close()],
  ],
  log,
);
await worker.runner.promise;
