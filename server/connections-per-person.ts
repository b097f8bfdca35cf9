/**
 * One person's requests hold at most half of the API's pool at once (at least one connection).
 * Every request was bounded in time (a query's QUERY_TIMEOUT_MS, each statement's STATEMENT_TIMEOUT_MS)
 * but not in number: a receptionist of one clinic sending 8 slow queries at once (a filter that reads the
 * whole clinic, a list waiting for a lock) to an API of 4 connections took all of them, and every other
 * clinic's requests waited the pool's 5 s and answered UNAVAILABLE. A person's read or write past their
 * share waits for one of their own connections to come back, in turn, for as long as a request waits for
 * the pool (CONNECT_TIMEOUT_MS, db/pool.ts), then fails as a pool's wait does (UNAVAILABLE): the others'
 * requests find the rest of the pool free. GraphQL's requests without a session (who is logged in, a phone normalised, a
 * currency checked, the schema), anyone's, hold at most half of the pool all together, as one person's do: uncounted,
 * 40 of them at once, each asking `normalizePhone` 480 times under aliases (860 kB sent, no account needed), took a pool
 * of 20 for seconds, and a clinic's owner's query waited 11.8 s and answered UNAVAILABLE. The other requests without a session
 * (a login, the probes, the websockets' sessions check) are not counted: such a flood leaves them the rest of the pool.
 * A download of an export and a request of /auth with a session (withPgSettings) count in the same share:
 * a download is a write, which waits for its clinic's turn to write, and a receptionist's 8 downloads at once of any
 * id, while the clinic's turn was held, took all 4 connections outside it.
 * A clinic's requests, all its members' together, hold at most half of the pool too: the share was one person's
 * alone, and a clinic's owner and receptionist, 10 slow queries each at once, took an API's 20 connections (every
 * other clinic's request waited 5 s for one). A request past its clinic's share waits for one of its clinic's
 * connections to come back, as long and in turn as for the person's. Ending a session (a logout, the password
 * change that ends the person's other sessions) takes one connection of a share of its own, beside the person's and
 * the clinic's: within theirs, a stolen cookie's slow requests at once kept the shares full, and the person's logout
 * and password change waited 5 s and failed UNAVAILABLE, for as long as the thief liked.
 */
import type pg from "pg";
import { CONNECT_TIMEOUT_MS } from "../db/pool.ts";

/** What a wait past CONNECT_TIMEOUT_MS fails with: a pool's own words for it, which errors.ts answers UNAVAILABLE. */
const NO_CONNECTION_IN_TIME = "timeout exceeded when trying to connect";

interface Share {
  held: number;
  /** The reads and writes waiting for one of the person's connections, first come first served. */
  waiting: (() => void)[];
}

/** Connections held by each person's requests and by each clinic's, and the requests waiting for one, by pool and the person's user id or the clinic's id. */
const sharesOf = new WeakMap<pg.Pool, Map<string, Share>>();

/** The connections one person's requests (and one clinic's) may hold of `pool`: half of it, at least one. */
const halfOf = (pool: pg.Pool) => Math.max(1, Math.floor((pool.options.max ?? 10) / 2)); // 10: node-postgres's default size

/** Waits, in turn, for the person's share to have room, else fails after CONNECT_TIMEOUT_MS. */
function takeTurn(share: Share, most: number): Promise<void> {
  if (share.held < most) {
    share.held += 1;
    return Promise.resolve();
  }
  return new Promise<void>((resolve, reject) => {
    const granted = () => {
      clearTimeout(timer);
      resolve(); // the connection handed over is counted already
    };
    const timer = setTimeout(() => {
      share.waiting.splice(share.waiting.indexOf(granted), 1);
      reject(new Error(NO_CONNECTION_IN_TIME));
    }, CONNECT_TIMEOUT_MS);
    share.waiting.push(granted);
  });
}

/** One of the share's connections (a person's or a clinic's) has gone back: to the next waiting, else out of the count. */
function giveBack(shares: Map<string, Share>, key: string, share: Share): void {
  const next = share.waiting.shift();
  if (next) return next();
  share.held -= 1;
  if (share.held === 0) shares.delete(key);
}

/**
 * A connection of `pool` within the share of `key` (`connect`, the next share's or the pool's own), counted until it
 * is released.
 */
async function connectWithin(pool: pg.Pool, connect: () => Promise<pg.PoolClient>, key: string, most: number): Promise<pg.PoolClient> {
  const shares = sharesOf.get(pool) ?? new Map<string, Share>();
  sharesOf.set(pool, shares);
  let share = shares.get(key);
  if (!share) shares.set(key, (share = { held: 0, waiting: [] }));
  await takeTurn(share, most);
  let client: pg.PoolClient;
  try {
    client = await connect();
  } catch (error) {
    giveBack(shares, key, share);
    throw error;
  }
  const release = client.release.bind(client);
  client.release = (error?: Error | boolean) => {
    client.release = release;
    giveBack(shares, key, share);
    return release(error);
  };
  return client;
}

/** The share of GraphQL's requests without a session, all of them together (a person's key is `person:<user id>`). */
const WITHOUT_A_SESSION = "graphql without a session";

/**
 * `pool` as GraphQL's requests of `pgSettings` may use it: a session's within its person's share and its clinic's
 * (personsShareOf), and those without a session, whoever sends them, within one share of their own, half of the pool.
 */
export function graphqlShareOf(pool: pg.Pool, pgSettings: Record<string, string | undefined>): Pick<pg.Pool, "connect"> {
  if (pgSettings["jwt.claims.user_id"]) return personsShareOf(pool, pgSettings);
  return { connect: (() => connectWithin(pool, () => pool.connect(), WITHOUT_A_SESSION, halfOf(pool))) as pg.Pool["connect"] };
}

/**
 * `pool`, as the requests of the person whose settings are `pgSettings` may use it: a connection had within their
 * share, and within their clinic's, counted until it is released. The person's turn comes first, so that one person's
 * requests past their own share wait without holding a place of their clinic's. With `endsSessions` (a logout, a
 * password change), within a share of one connection of the person's that ends sessions, which neither their other
 * requests nor their clinic's hold: a stolen cookie's slow requests kept both full, and the person's logout and
 * password change waited 5 s and failed, the thief's session kept.
 */
export function personsShareOf(pool: pg.Pool, pgSettings: Record<string, string | undefined>, endsSessions = false): Pick<pg.Pool, "connect"> {
  const most = halfOf(pool);
  const userId = pgSettings["jwt.claims.user_id"];
  if (!userId) return pool;
  const fromThePool = () => pool.connect();
  if (endsSessions) return { connect: (() => connectWithin(pool, fromThePool, `ending sessions:${userId}`, 1)) as pg.Pool["connect"] };
  const clinicId = pgSettings["jwt.claims.clinic_id"];
  const withinTheClinics = clinicId ? () => connectWithin(pool, fromThePool, `clinic:${clinicId}`, most) : fromThePool;
  return { connect: (() => connectWithin(pool, withinTheClinics, `person:${userId}`, most)) as pg.Pool["connect"] };
}
