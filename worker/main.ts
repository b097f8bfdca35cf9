/**
 * `npm run worker`: the worker alone, for deployments that run it apart from
 * the API server.
 */
import { checkSettingsReadLater, settingsOrExit } from "../db/config.ts";
import { openDatabase } from "../db/open.ts";
import { prepareDatabase } from "../db/setup.ts";
import { type ShutdownLog, type ShutdownStep, startStep, stopOnSignals, stopSignal, stopWhenDatabaseEnds } from "../db/shutdown.ts";
import { jsonLogger, startWorker, stopWorker } from "./run.ts";

// settings first: one that cannot work is refused before a database starts
settingsOrExit(() => checkSettingsReadLater());
const report = (message: string) => jsonLogger.info(message);
const log: ShutdownLog = (level, event, fields) => jsonLogger[level](event, fields);
// the parts started, stopped in order on a signal from here on, during the start too (it ended the process at once, 143, without a line)
const parts: ShutdownStep[] = [];
stopOnSignals(parts, log);
const opening = openDatabase({ log: report });
parts.push(["database", async () => (await opening.catch(() => null))?.close()]); // one still opening is stopped once open
const db = await startStep(() => opening, log);
stopWhenDatabaseEnds(db, parts, log); // an embedded server that ends under the process ends it, saying so
// the warnings a record (as the server's), written at every LOG_LEVEL but silent: an upgrade's is counted shown once had
const warnings = jsonLogger.scope({ record: true });
await startStep(() => prepareDatabase(db.config, report, { warn: (message) => warnings.warn(message) }), log, parts);
const starting = startWorker(db.config.ownerUrl, undefined, stopSignal);
parts.unshift(["worker", async () => void (await starting.catch(() => null).then((worker) => worker && stopWorker(worker)))]); // stopped once started
const worker = await startStep(() => starting, log, parts);
await worker.runner.promise;
