/**
 * `npm run worker`: the worker alone, for deployments that run it apart from
 * the API server.
 */
import { checkSettingsReadLater, settingsOrExit } from "../db/config.ts";
import { openDatabase } from "../db/open.ts";
import { prepareDatabase } from "../db/setup.ts";
import { stopOnSignals } from "../db/shutdown.ts";
import { jsonLogger, startWorker, stopWorker } from "./run.ts";

// settings first: one that cannot work is refused before a database starts
settingsOrExit(() => checkSettingsReadLater());
const report = (message: string) => jsonLogger.info(message);
const db = await openDatabase({ log: report });
await prepareDatabase(db.config, report, { warn: (message) => jsonLogger.warn(message) });
const worker = await startWorker(db.config.ownerUrl);
stopOnSignals(
  [
    ["worker", () => stopWorker(worker)],
    ["database", () => db.close()],
  ],
  (level, event, fields) => jsonLogger[level](event, fields),
);
await worker.runner.promise;
