/**
 * `npm run worker`: the worker alone, for deployments that run it apart from
 * the API server.
 */
import { openDatabase } from "../db/open.ts";
import { prepareDatabase } from "../db/setup.ts";
import { startWorker, stopWorker } from "./run.ts";

const db = await openDatabase({ log: (m) => console.error(m) });
await prepareDatabase(db.config);
const worker = await startWorker(db.config.ownerUrl);
const stop = async () => {
  // the database is closed even when stopping the worker failed (PostgreSQL stopping on the same Ctrl-C)
  const stopped = await stopWorker(worker).then(() => true, (error: unknown) => (console.error(`stopping the worker: ${error}`), false));
  await db.close();
  process.exit(stopped ? 0 : 1);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
await worker.runner.promise;
