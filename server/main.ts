/**
 * `npm start`: the database (DATABASE_URL, or an embedded PostgreSQL), its
 * roles and migrations, the API server and, unless WORKER=off, the worker.
 */
import "./graphile-env.ts"; // must stay first: read when Grafast loads
import { apiPool } from "./pg-transaction.ts";
import { loadSecrets } from "../db/config.ts";
import { openDatabase } from "../db/open.ts";
import { prepareDatabase } from "../db/setup.ts";
import { startWorker, stopWorker } from "../worker/run.ts";
import { createApiServer } from "./app.ts";
import { log } from "./log.ts";
import { serverSettings } from "./settings.ts";

// settings first: one that cannot work is refused before a database starts
const secrets = loadSecrets(process.env);
const settings = serverSettings(process.env, secrets.jwtSecret);
const db = await openDatabase({ secrets, log: (message) => log("info", "database", { message }) });
await prepareDatabase(db.config, (message) => log("info", "database", { message }), { keepAuditLogUnsealed: settings.auditLogUnsealed });
const pool = apiPool(db.config.authenticatorUrl, settings.databasePoolSize);
const api = await createApiServer({ pool, settings, roles: db.config.roles });
const worker = process.env.WORKER === "off" ? null : await startWorker(db.config.ownerUrl);
api.server.listen(settings.port, () => {
  log("info", "listening", {
    url: `http://localhost:${settings.port}`,
    graphql: "/graphql",
    graphiql: settings.production ? null : "/graphiql",
    embeddedDatabase: db.embedded,
    worker: worker !== null,
  });
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log("info", "shutdown", { signal });
  // every step runs even when one before it failed: with the embedded
  // database, the same Ctrl-C stops PostgreSQL while the worker is stopping
  const steps: [string, () => Promise<void>][] = [
    ["API server", () => api.close()],
    ["worker", async () => { if (worker) await stopWorker(worker); }],
    ["API pool", () => pool.end()],
    ["database", () => db.close()],
  ];
  let failed = false;
  for (const [part, stop] of steps) {
    await stop().catch((error: unknown) => {
      failed = true;
      log("error", "shutdown", { part, message: error instanceof Error ? error.message : String(error) });
    });
  }
  process.exit(failed ? 1 : 0);
}
process.once("SIGINT", () => void shutdown("SIGINT"));
process.once("SIGTERM", () => void shutdown("SIGTERM"));
