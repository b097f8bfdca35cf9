/**
 * Pools that outlive the connections PostgreSQL closes (a restart or shutdown,
 * an operator's pg_terminate_backend, the embedded server stopping on the same
 * Ctrl-C as the process), and a database that does not answer. node-postgres
 * reports a closing as an `error` event on the client, and for an idle one
 * again on the pool; with nobody listening, either event ends the process.
 * And it waits for a connection without limit: a database that took
 * connections and never answered (frozen, a paused pooler, a partition) held
 * every slot for good, so the API hung, /ready too, and the worker's jobs
 * stopped, even once the database answered again.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";

/** How long a pool waits for a connection, a new one or a free one of its own, before it gives up with an error. */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * How long a connection is quiet before TCP asks the other end whether it is there (keepalive), in place of the
 * system's two hours. A NAT or firewall between the API and the database (a cloud's NAT gateway forgets a flow quiet
 * for 350 s, a load balancer's 4 minutes) drops a quiet connection's mapping and tells neither end: the live queue's
 * listening connection, quiet for as long as no visit of a clinic changes, then heard nothing more, and every front
 * desk's queue stood still with no error, its `LISTEN` believed alive for hours. A probe a minute keeps the mapping;
 * a path truly lost is found about 70 s into a quiet spell (node's libuv sets 10 probes 1 s apart, TCP_KEEPINTVL and
 * TCP_KEEPCNT, not Linux's 9 probes 75 s apart), and the subscriptions end, told to subscribe again.
 */
export const KEEPALIVE_AFTER_MS = 60_000;

/**
 * A pool whose closed connections are each one `warn` (in the context the pool was made in, not a
 * request's) and leave it (the next request opens a fresh one), which gives up a connection not had within CONNECT_TIMEOUT_MS, and has TCP probe a connection quiet for KEEPALIVE_AFTER_MS.
 * Its `end()` resolves once its connections are closed (endedOnceClosed).
 */
export function poolHearingClosures(config: pg.PoolConfig, warn: (message: string) => void): pg.Pool {
  const pool = endedOnceClosed(new pg.Pool({ connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_AFTER_MS, ...config }));
  // told in the pool's own context: a connection's events come in that of the request that opened it,
  // and its closing, long after, was logged with that request's id
  const inPoolsContext = AsyncLocalStorage.snapshot();
  pool.on("connect", (client) =>
    client.on("error", (error) => {
      if (!closedHere.has(client)) inPoolsContext(() => warn(`a database connection was closed: ${error.message}`));
    }),
  );
  pool.on("error", () => {}); // an idle connection's closing, already heard on its client
  const inUse = new Set<pg.PoolClient>();
  pool.on("acquire", (client) => inUse.add(client));
  pool.on("release", (_error, client) => inUse.delete(client));
  pool.on("remove", (client) => inUse.delete(client as pg.PoolClient));
  connectionsInUse.set(pool, inUse);
  return pool;
}

/**
 * `pool`, whose `end()` resolves once each of its connections is closed, its server process gone: node-postgres's
 * resolved as soon as it had asked them to close, and a stop went on at once to the embedded PostgreSQL's, which
 * told the connections not yet closed that it was "terminating connection due to administrator command": a SIGTERM
 * on `npm start` logged a `warn` (`a database connection was closed`) for the API's or the worker's, and, for the
 * live queue's listening connection, PostGraphile's plain `Error on listening client: …` too, in one stop of two.
 * One still open after CLOSE_WAIT_MS (a server that does not answer) has its socket closed here.
 */
function endedOnceClosed(pool: pg.Pool): pg.Pool {
  const open = new Set<pg.Client>();
  pool.on("connect", (client) => {
    open.add(client);
    client.once("end", () => open.delete(client));
  });
  const end = pool.end.bind(pool) as () => Promise<void>;
  const closed = async () => {
    await end();
    await emptiedWithin(open, CLOSE_WAIT_MS);
    for (const client of open) closeSocket(client);
  };
  pool.end = ((callback?: (error?: Error) => void) => {
    if (!callback) return closed();
    closed().then(() => callback(), callback);
  }) as typeof pool.end;
  return pool;
}

/** Waits until `connections` is empty (others take their members out as they close or come back), `ms` at most. */
async function emptiedWithin(connections: Set<unknown>, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; connections.size > 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Closes `client`'s socket from this side: its server process rolls back and ends when it next reads. */
function closeSocket(client: pg.ClientBase): void {
  (client as pg.ClientBase & { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
}

/** The connections closeNow closed: PostgreSQL did not close them, and their closing is no `warn`. */
const closedHere = new WeakSet<pg.ClientBase>();

/**
 * Closes `client`'s socket at once, its statement under way (a read the answer's budget cuts, server/one-read-moment.ts):
 * its server process stops sending, rolls back and ends. Without the `warn` of a connection closed, which tells an
 * operator that PostgreSQL closed it (a restart, a pg_terminate_backend): each read cut so logged one.
 */
export function closeNow(client: pg.ClientBase): void {
  closedHere.add(client);
  closeSocket(client);
}

/** How long a pool's end waits for its connections to close before it closes their sockets itself (endedOnceClosed). */
const CLOSE_WAIT_MS = 1000;

/** The connections each pool made by poolHearingClosures has lent out and not had back. */
const connectionsInUse = new WeakMap<pg.Pool, Set<pg.PoolClient>>();

/**
 * Ends `pool`, cutting what its connections still run: their server processes are terminated
 * first, so the transaction of a request the shutdown cut short (still waiting for a lock when
 * the grace ended) is rolled back, where it committed later, its client told nothing, and the
 * pool's end waited for it past Docker's 10 s. The pool's own role may end its own connections.
 */
export async function endCuttingShort(pool: pg.Pool, warn: (message: string) => void = () => {}): Promise<void> {
  await cutShort(pool, warn);
  await pool.end();
}

/** Ends what `pool`'s connections lent out still run (their server processes terminated), leaving the pool open: see endCuttingShort. */
export async function cutShort(pool: pg.Pool, warn: (message: string) => void = () => {}): Promise<void> {
  const inUse = connectionsInUse.get(pool) ?? new Set<pg.PoolClient>();
  // a moment for those on their way back (the live queue's listening connection, unlistening once
  // PostGraphile is released): ended, they logged a closed connection at every shutdown
  await emptiedWithin(inUse, RETURN_WAIT_MS);
  const cut = [...inUse];
  if (cut.length) {
    const pids = cut.map((client) => (client as pg.PoolClient & { processID: number }).processID);
    try {
      await withClient(pool.options.connectionString!, (client) => client.query("select pg_terminate_backend(pid) from unnest($1::int[]) pid", [pids]));
    } catch (error) {
      // no connection to spare (the role's or the server's limit): their sockets are closed instead, and
      // their server processes roll back when they next read (their commits were never sent)
      warn(`the requests cut short are rolled back as their connections close: ${error instanceof Error ? error.message : String(error)}`);
      for (const client of cut) closeSocket(client);
    }
  }
}

/** How long endCuttingShort waits for connections on their way back to the pool before it cuts them. */
const RETURN_WAIT_MS = 250;

/**
 * Runs `fn` in a transaction on `client`, committed when `fn` answers, rolled back when it throws
 * (its error told, not the rollback's on a connection that has ended).
 */
export async function inTransaction<T>(client: Pick<pg.ClientBase, "query">, fn: () => Promise<T>): Promise<T> {
  await client.query("begin");
  try {
    const result = await fn();
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  }
}

/**
 * Runs `fn` on a connection of its own to `url`, had within CONNECT_TIMEOUT_MS as a pool's are, and ends it after.
 * A connection not had is an error naming `server` (DatabaseConfig's), when given: a start's first connection failed
 * with node's bare "connect ECONNREFUSED 127.0.0.1:5432", naming neither the setting nor which server it was.
 */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>, server?: string): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect().catch((error: Error & { code?: string }) => {
    throw server ? Object.assign(new Error(`Cannot connect to ${server}: ${error.message}`, { cause: error }), { code: error.code }) : error;
  });
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * withClient for a superuser in the application's database, naming built-in functions and operators only
 * (search_path pg_catalog, pg_temp): the owner role owns `public` and the database, and may put a function in
 * `public` and that schema first on the database's search_path (`alter database … set search_path`), which a
 * session takes at its start: an unqualified name of a start's (to_regclass, count) then ran the owner role's
 * code with a superuser's rights. Nor does such a session read a table of the owner role's: setup.ts.
 */
export async function withSuperuserClient<T>(url: string, fn: (client: pg.Client) => Promise<T>, server?: string): Promise<T> {
  return withClient(
    url,
    async (client) => {
      await client.query("set search_path = pg_catalog, pg_temp");
      return fn(client);
    },
    server,
  );
}
