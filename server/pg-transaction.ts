/**
 * How every API transaction starts: `begin` and the session settings reach
 * PostgreSQL as one simple query, one round trip instead of the two that
 * PostGraphile's node-postgres adaptor spends on them. GraphQL gets it
 * through `pgService()`, the /auth and export routes through `withPgSettings`.
 */
import type pg from "pg";
import {
  createWithPgClient,
  makePgService,
  makeWithPgClientViaPgClientAlreadyInTransaction,
} from "postgraphile/adaptors/pg";

/** Settings by name; an undefined one is left alone. */
type PgSettings = Record<string, string | undefined>;

/** Opens a transaction on `client` with `pgSettings` as local settings. */
export async function beginWithSettings(client: pg.ClientBase, pgSettings: PgSettings): Promise<void> {
  const assignments = Object.entries(pgSettings)
    .filter((entry): entry is [string, string] => entry[1] != null)
    .map(([name, value]) => `set_config(${client.escapeLiteral(name)}, ${client.escapeLiteral(value)}, true)`);
  await client.query(assignments.length ? `begin; select ${assignments.join(", ")}` : "begin");
}

/** Runs `fn` in a transaction with those settings; rolls back if it throws. */
export async function withPgSettings<T>(
  pool: pg.Pool,
  pgSettings: PgSettings,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await beginWithSettings(client, pgSettings);
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

type WithPgClient = ReturnType<typeof createWithPgClient>;

/**
 * PostGraphile's service for `app_public` over `pool`, whose requests open
 * their transaction with `beginWithSettings`. Inside it, PostGraphile's own
 * client wrapper (told the transaction is open) runs the queries and turns
 * nested transactions into savepoints; introspection keeps the stock adaptor.
 */
export function pgService(pool: pg.Pool): GraphileConfig.PgServiceConfiguration {
  const service = makePgService({ pool, schemas: ["app_public"] });
  const withPgClient = ((pgSettings, callback) =>
    withPgSettings(pool, pgSettings ?? {}, (client) =>
      makeWithPgClientViaPgClientAlreadyInTransaction(client, true)(null, callback),
    )) as WithPgClient;
  withPgClient.release = () => {};
  return {
    ...service,
    adaptor: {
      ...service.adaptor,
      createWithPgClient: (settings, variant) => (variant ? createWithPgClient(settings, variant) : withPgClient),
    },
  };
}
