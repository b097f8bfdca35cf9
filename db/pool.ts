/**
 * Pools that outlive the connections PostgreSQL closes (a restart or shutdown,
 * an operator's pg_terminate_backend, the embedded server stopping on the same
 * Ctrl-C as the process). node-postgres reports such a closing as an `error`
 * event on the client, and for an idle one again on the pool; with nobody
 * listening, either event ends the process.
 */
import pg from "pg";

/** A pool whose closed connections are each one `warn` and leave it; the next request opens a fresh one. */
export function poolHearingClosures(config: pg.PoolConfig, warn: (message: string) => void): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on("connect", (client) => client.on("error", (error) => warn(`a database connection was closed: ${error.message}`)));
  pool.on("error", () => {}); // an idle connection's closing, already heard on its client
  return pool;
}
