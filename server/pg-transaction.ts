/**
 * How every API transaction runs. `begin`, the session settings (one prepared
 * statement) and, for a write in a clinic, its turn to write are sent one
 * behind the other without waiting for their answers, and on the API's
 * pipelined connections (`apiPool`) the transaction's first query follows them: a read costs one round trip, as a plain query does,
 * where PostGraphile's stock adaptor spends four (begin, settings, query,
 * commit). A read-only transaction's result is returned while its `commit`
 * is still on the way (the connection goes back to the pool once it is done).
 * GraphQL gets this through `pgService()` (a query's reads over HTTP in one transaction:
 * one-read-moment.ts), the /auth and export routes through `withPgSettings`.
 */
import pg from "pg";
import { log } from "./log.ts";
import { poolHearingClosures } from "../db/pool.ts";
import { graphqlShareOf, personsShareOf } from "./connections-per-person.ts";
import { quietPgSubscriber } from "./listening-connection.ts";
import { inTheRequestsReadMoment } from "./one-read-moment.ts";
import {
  createWithPgClient,
  makePgService,
  makeWithPgClientViaPgClientAlreadyInTransaction,
} from "postgraphile/adaptors/pg";

/** Settings by name; an undefined one is left alone. */
type PgSettings = Record<string, string | undefined>;

/** The setting that makes a transaction read-only (PostgreSQL then refuses any write in it). */
export const READ_ONLY = { transaction_read_only: "on" } as const;

const isReadOnly = (pgSettings: PgSettings) => pgSettings.transaction_read_only === READ_ONLY.transaction_read_only;

/**
 * The pool the API's requests run on: connections in pipeline mode, so that
 * queries go out without waiting for the answers to those before them.
 * Cursors (pg-cursor) are refused on such connections: the worker's exports
 * use their own pool. A connection the server closes leaves the pool with a
 * warning (db/pool.ts).
 */
export function apiPool(connectionString: string, max: number): pg.Pool {
  return poolHearingClosures({ connectionString, max, pipeline: true }, (message) => log("warn", "database", { message }));
}

/**
 * The statement that applies `count` settings, names and values as
 * parameters, prepared once per connection under its name (parsed and
 * planned once, not at every request). With `timeZone`, it ends by setting
 * the session's days and times to its clinic's: the time zone of the clinic of
 * the claim, read from `app_hidden.clinic_time_zone` (kept by a trigger) at
 * every transaction, so a clinic that changes it is seen at once (a claim in
 * the cookie kept the old one until the next login). A write's is set by its
 * turn (`WRITE_TURN`) instead, once taken: a change of the zone holds the turn,
 * and the zone read before the wait may be the old one (000417).
 */
const settingsStatements = new Map<string, { name: string; text: string }>();
function settingsStatement(count: number, timeZone: boolean): { name: string; text: string } {
  const name = `clinicops_settings_${count}${timeZone ? "_tz" : ""}`;
  let statement = settingsStatements.get(name);
  if (!statement) {
    const assignments = Array.from({ length: count }, (_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`);
    if (timeZone) {
      assignments.push(
        `set_config('timezone', coalesce((select z.time_zone from app_hidden.clinic_time_zone z where z.clinic_id = $${2 * count + 1}::uuid), 'UTC'), true)`,
      );
    }
    settingsStatements.set(name, (statement = { name, text: `select ${assignments.join(", ")}` }));
  }
  return statement;
}

/**
 * A write transaction of a clinic's session takes the clinic's turn before anything else
 * (`take_clinic_write_turn`, migration 000143): its writes then go after the clinic's others, and
 * none holds a row another waits for while it waits for the audit chain.
 */
const WRITE_TURN = { name: "clinicops_write_turn", text: "select app_hidden.take_clinic_write_turn()" };

/**
 * Opens a transaction on `client` with `pgSettings` as local settings (and, for a clinic's session,
 * its time zone; and, unless the transaction is read-only, the clinic's turn to write).
 */
export async function beginWithSettings(client: pg.ClientBase, pgSettings: PgSettings): Promise<void> {
  const settings = Object.entries(pgSettings).filter((entry): entry is [string, string] => entry[1] != null);
  const clinicId = pgSettings["jwt.claims.clinic_id"];
  // a read-only transaction reads one moment, however many statements it runs (one-read-moment.ts)
  const begun = client.query(isReadOnly(pgSettings) ? "begin isolation level repeatable read" : "begin");
  if (settings.length === 0 && !clinicId) return void (await begun);
  // a clinic's write: its turn, next, sets its time zone (read once, after the wait), not this statement too
  const writes = Boolean(clinicId) && !isReadOnly(pgSettings);
  const readsZone = Boolean(clinicId) && !writes;
  const values = settings.flat();
  if (readsZone) values.push(clinicId!);
  // sent behind `begin` without waiting for it (on any connection node-postgres queues them in order)
  const steps = [begun, client.query({ ...settingsStatement(settings.length, readsZone), values })];
  if (writes) steps.push(client.query(WRITE_TURN));
  await Promise.all(steps);
}

/** Gives `client` back to its pool once `ending` (commit or rollback) is done; a connection that failed it is closed. */
function releaseAfter(client: pg.PoolClient, ending: Promise<unknown>): void {
  ending.then(
    () => client.release(),
    (error: Error) => client.release(error),
  );
}

/**
 * Runs `fn` in a transaction with those settings; rolls back if it throws.
 * On a pipelined connection `fn`'s first query does not wait for `begin`: if
 * `begin` failed, that query fails in the aborted transaction, and `begin`'s
 * error is the one thrown. With `READ_ONLY` among the settings the result is
 * returned without waiting for `commit`. A session's connection counts against
 * its person's share of the pool, with their GraphQL requests'
 * (connections-per-person.ts): a download of an export (a write, which waits for its
 * clinic's turn) took one outside it, and one person's downloads at once took the whole pool. With
 * `endsSessions` (a logout, a password change) it is the person's one connection that ends sessions instead, which their
 * other requests, however many and slow, do not hold.
 */
export async function withPgSettings<T>(
  pool: pg.Pool,
  pgSettings: PgSettings,
  fn: (client: pg.PoolClient) => Promise<T>,
  endsSessions = false,
): Promise<T> {
  return inTransactionOn(await personsShareOf(pool, pgSettings, endsSessions).connect(), pgSettings, fn);
}

/** withPgSettings on `client`, a connection had from a pool already, which it gives back. */
async function inTransactionOn<T>(client: pg.PoolClient, pgSettings: PgSettings, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const begun = beginWithSettings(client, pgSettings);
  begun.catch(() => {}); // awaited below; until then its failure is not unhandled
  let result: T;
  try {
    if (!(client as pg.PoolClient & { pipeline?: boolean }).pipeline) await begun;
    result = await fn(client).catch(async (error) => {
      await begun;
      throw error;
    });
    await begun;
  } catch (error) {
    const rolledBack = client.query("rollback");
    releaseAfter(client, rolledBack);
    await rolledBack.catch(() => {});
    throw error;
  }
  const committed = client.query("commit");
  releaseAfter(client, committed);
  if (!isReadOnly(pgSettings)) await committed;
  return result;
}

type WithPgClient = ReturnType<typeof createWithPgClient>;

/**
 * PostGraphile's service for `app_public` over `pool`, whose requests open
 * their transaction with `beginWithSettings`. Inside it, PostGraphile's own
 * client wrapper (told the transaction is open) runs the queries and turns
 * nested transactions into savepoints; introspection keeps the stock adaptor.
 */
export function pgService(pool: pg.Pool): GraphileConfig.PgServiceConfiguration {
  // the live queue's listening connection names its channels only as parameters (server/listening-connection.ts)
  const pgSubscriber = quietPgSubscriber(pool);
  const service = makePgService({ pool, schemas: ["app_public"], pgSubscriber });
  const withPgClient = ((pgSettings, callback) => {
    const settings = pgSettings ?? {};
    const run = (client: pg.PoolClient) => makeWithPgClientViaPgClientAlreadyInTransaction(client, true)(null, callback);
    return inTheRequestsReadMoment(graphqlShareOf(pool, settings), settings, isReadOnly(settings), beginWithSettings, run, (client, timed) => inTransactionOn(client, timed, run));
  }) as WithPgClient;
  withPgClient.release = () => {};
  return {
    ...service,
    // makePgService releases a PgSubscriber it makes itself, not one it is given
    release: async () => {
      pgSubscriber.release();
      await service.release?.();
    },
    adaptor: {
      ...service.adaptor,
      createWithPgClient: (settings, variant) => (variant ? createWithPgClient(settings, variant) : withPgClient),
    },
  };
}
