/**
 * `npm start`: the database (DATABASE_URL, or an embedded PostgreSQL), its
 * roles and migrations, the API server and, unless WORKER=off, the worker.
 */
import "./graphile-env.ts"; // must stay first: read when Grafast loads
import { apiPool } from "./pg-transaction.ts";
import { loadSecrets, settingsOrExit } from "../db/config.ts";
import { refuseTakenPortOfNewFolder } from "../db/embedded.ts";
import { openDatabase } from "../db/open.ts";
import { anotherProgram, listenersOn } from "../db/port-listeners.ts";
import { endCuttingShort } from "../db/pool.ts";
import { isCountryCallingCode, prepareDatabase } from "../db/setup.ts";
import { keepExportStorageMost } from "../db/export-storage.ts";
import { startWorker, stopWorker } from "../worker/run.ts";
import { createApiServer } from "./app.ts";
import { log } from "./log.ts";
import { sayingWhatTheSchemaReadWaitsFor } from "./schema-wait.ts";
import { serverSettings } from "./settings.ts";
import type { AddressInfo } from "node:net";
import { type ShutdownStep, startFailed, startStep, stopBegun, stopOnSignals, stopSignal, stopWhenDatabaseEnds } from "../db/shutdown.ts";

// an embedded PostgreSQL's port taken, for a new data folder, is refused before loadSecrets writes secrets.json there
await startStep(() => refuseTakenPortOfNewFolder(process.env), log);
// settings first: one that cannot work is refused before a database starts
const secrets = settingsOrExit(() => loadSecrets(process.env));
const settings = settingsOrExit(() => serverSettings(process.env, secrets.jwtSecret));
// the parts started, stopped in order on a signal from here on, during the start too: a signal before the server
// listened (a `docker stop` while the database migrated) ended the process at once, 143, without a line
const parts: ShutdownStep[] = [];
stopOnSignals(parts, log);
const opening = openDatabase({ secrets, log: (message) => log("info", "database", { message }) });
parts.push(["database", async () => (await opening.catch(() => null))?.close()]); // one still opening is stopped once open
const db = await startStep(() => opening, log);
stopWhenDatabaseEnds(db, parts, log); // an embedded server that ends under the process ends it, saying so
await startStep(
  async () => {
    await prepareDatabase(db.config, (message) => log("info", "database", { message }), {
      keepAuditLogUnsealed: settings.auditLogUnsealed,
      // a record: each upgrade's warning is counted shown once this start has it, and at LOG_LEVEL=error, as a plain warn
      // line, no one saw it
      warn: (message) => log("warn", "database", { message }, true),
    });
    // the most a clinic's exports may keep, which no session's own setting raises
    await keepExportStorageMost(db.config, settings.exportStoragePerClinicMb);
    // the database knows the countries' codes
    if (settings.defaultCallingCode && !(await isCountryCallingCode(db.config, settings.defaultCallingCode))) {
      throw new Error(`DEFAULT_CALLING_CODE ${settings.defaultCallingCode} is no country's calling code in use: national numbers could not be completed`);
    }
  },
  log,
  parts,
);
const pool = apiPool(db.config.authenticatorUrl, settings.databasePoolSize);
// once, by whichever part comes first: a second end of a pool is refused
let poolEnding: Promise<void> | undefined;
const endPool = () => (poolEnding ??= endCuttingShort(pool, (message) => log("warn", "shutdown", { part: "API pool", message })));
parts.unshift(["API pool", endPool]);
let apiMade = false;
const starting = (async () => {
  const reading = createApiServer({ pool, settings, roles: db.config.roles });
  const api = await sayingWhatTheSchemaReadWaitsFor(reading, db.config.rootUrl, db.config.roles.authenticator, stopSignal);
  apiMade = true;
  // none once a stop has begun (a signal while the API started, its schema read): the worker took jobs only to be stopped
  return { api, worker: process.env.WORKER === "off" || stopBegun() ? null : await startWorker(db.config.ownerUrl, undefined, stopSignal) };
})();
// at once, within one grace period: one after the other, the worker took new jobs while the
// server drained, and the two could outlast Docker's 10 s (ones still starting are stopped once started)
parts.unshift([
  "API server and worker",
  async () => {
    // the API's schema still being read (behind a table's lock: an ALTER TABLE, a VACUUM FULL) is cut, its pool ended:
    // awaited, the stop waited for the lock until its 30 s were over, and the process ended with 1
    if (!apiMade) await endPool();
    const started = await starting.catch(() => null);
    if (started) await Promise.all([started.api.close(), started.worker && stopWorker(started.worker)]);
  },
]);
const { api, worker } = await startStep(() => starting, log, parts);
// a port in use (or not ours to take) ends the start in one line, its parts stopped, where it was a stack trace; the
// program holding it named ("in use by another process" left the operator to find it), and what to do about it (the
// line named the program alone, where the embedded server's port says to stop it or give another port)
const cannotListen = async (error: NodeJS.ErrnoException) => {
  await startFailed(error.code === "EADDRINUSE" ? `PORT ${settings.port} is in use by ${anotherProgram(listenersOn(settings.port))}: stop that program, or give this command another PORT (PORT=0: a free one the system picks)` : `the server cannot listen on PORT ${settings.port}: ${error.message}`, log, parts);
};
api.server.once("error", cannotListen);
api.server.listen(settings.port, () => {
  api.server.off("error", cannotListen); // an error once listening is not about the port
  const { port } = api.server.address() as AddressInfo; // PORT=0: the one the system gave
  log("info", "listening", {
    url: `http://localhost:${port}`,
    graphql: "/graphql",
    graphiql: settings.production ? null : "/graphiql",
    embeddedDatabase: db.embedded,
    worker: worker !== null,
  });
});
