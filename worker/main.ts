/**
 * `npm run worker`: the worker alone, for deployments that run it apart from
 * the API server.
 */
import { openDatabase } from "../db/open.ts";
import { prepareDatabase } from "../db/setup.ts";
import { startWorker, stopWorker } from "./run.ts";

const db = await openDatabase({ log: (m) => console.error(m) });
await prepareDatabase(db.config);
const runner = await startWorker(db.config.ownerUrl);
const stop = async () => {
  await stopWorker(runner);
  await db.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
await runner.promise;
