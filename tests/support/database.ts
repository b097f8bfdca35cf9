/**
 * The test database: a real PostgreSQL (TEST_DATABASE_URL, by default the
 * local server on 127.0.0.1:5432), rebuilt from the migrations (committed,
 * then migrations/current.sql) once per run.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { type DatabaseConfig, databaseConfig, withCredentials } from "../../db/config.ts";
import { watchCurrentMigration } from "../../db/migrate.ts";
import { inTransaction, withClient } from "../../db/pool.ts";
import { OWNER_FUNCTION_SETTINGS, prepareDatabase, retriedOnConcurrentUpdate, sealAuditLog, unsealAuditLog } from "../../db/setup.ts";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/clinicops_test";

const TEST_PASSWORDS = { ownerPassword: "clinicops-test-owner", authenticatorPassword: "clinicops-test-authenticator" };

export const testConfig = databaseConfig(TEST_DATABASE_URL, TEST_PASSWORDS, "TEST_DATABASE_URL");

/** The test database made anew: the committed migrations, then migrations/current.sql. */
export async function rebuildTestDatabase(): Promise<void> {
  // a server not running is named with TEST_DATABASE_URL (it was node's bare "connect ECONNREFUSED 127.0.0.1:5432")
  await withClient(withCredentials(testConfig.rootUrl, null, null, "postgres"), (client) => client.query(`drop database if exists ${pg.escapeIdentifier(testConfig.databaseName)} with (force)`), testConfig.server);
  await buildFromMigrations(testConfig);
}

/** A database of `config` (made if need be) brought to the committed migrations, then migrations/current.sql. */
export async function buildFromMigrations(config: DatabaseConfig): Promise<void> {
  await prepareDatabase(config);
  // Work in progress in migrations/current.sql is tested too (empty once committed), run as
  // a committed migration would be: with the audit log the owner's while it runs.
  await unsealAuditLog(config);
  try {
    await watchCurrentMigration(config, true);
  } finally {
    await sealAuditLog(config);
  }
}

/**
 * A database of a test file's own beside the test database (`<name>_<suffix>`), for what must not
 * touch the shared one (its roles' grants, its start lock). `drop` drops it (and its shadow database)
 * and the roles its starts made (they hold a grant of the server's, revoked first).
 */
export function ownDatabase(suffix: string): { url: string; config: DatabaseConfig; drop(): Promise<void> } {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `${url.pathname}_${suffix}`;
  const config = databaseConfig(url.toString(), TEST_PASSWORDS, "TEST_DATABASE_URL");
  const drop = async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      // and its shadow, which `npm run migrate:commit` makes (owned by the owner role, which it kept from being dropped)
      for (const name of [config.databaseName, `${config.databaseName}_shadow`]) await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
      const { rows } = await client.query<{ rolname: string; sets: string[] }>(
        "select rolname, array(select s from unnest($2::text[]) s where has_parameter_privilege(oid, s, 'set')) as sets from pg_roles where rolname like $1",
        [`${config.databaseName.replaceAll("_", "\\_")}\\_%`, [...OWNER_FUNCTION_SETTINGS]],
      );
      for (const { rolname, sets } of rows) {
        const role = pg.escapeIdentifier(rolname);
        // a parameter's grants are one row of the whole server, which other files' starts rewrite too: retried when they did at once
        for (const setting of sets) await retriedOnConcurrentUpdate(() => client.query(`revoke set on parameter ${setting} from ${role}`));
        await client.query(`drop owned by ${role}`);
        await client.query(`drop role ${role}`);
      }
    } finally {
      await client.end();
    }
  };
  return { url: url.toString(), config, drop };
}

/**
 * A database of a test file's own (ownDatabase's) holding the test database's schema as it is now: its
 * tables, views, functions, policies, grants and comments, no rows, owned by the test database's roles
 * (`config` names them), for a test that changes the schema the API reads. Copied by pg_dump in about a
 * second: rebuilt from the migrations (rebuildTestDatabase), it took 4 s and printed a line of
 * graphile-migrate's per migration; a template copy needs a source no one is connected to, and every
 * test file is. `drop` drops it; a copy that fails is dropped before its failure is thrown.
 */
export async function schemaCopy(suffix: string): Promise<{ config: DatabaseConfig; drop(): Promise<void> }> {
  const { url, config: { databaseName }, drop } = ownDatabase(suffix);
  const { roles, passwords } = testConfig;
  const config: DatabaseConfig = {
    ...testConfig,
    rootUrl: url,
    databaseName,
    ownerUrl: withCredentials(url, roles.owner, passwords.owner),
    authenticatorUrl: withCredentials(url, roles.authenticator, passwords.authenticator),
    shadowOwnerUrl: withCredentials(url, roles.owner, passwords.owner, `${databaseName}_shadow`),
  };
  await drop(); // left by a run cut short
  const { stdout: dump } = await promisify(execFile)("pg_dump", ["--schema-only", TEST_DATABASE_URL], { maxBuffer: 64 * 1024 * 1024 });
  const root = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await root.connect();
  try {
    await root.query(`create database ${pg.escapeIdentifier(databaseName)} owner ${pg.escapeIdentifier(roles.owner)}`);
  } finally {
    await root.end();
  }
  try {
    const own = new pg.Client({ connectionString: url });
    await own.connect();
    try {
      // psql's meta-commands (\restrict) are not SQL
      await own.query(dump.replace(/^\\.*$/gm, ""));
    } finally {
      await own.end();
    }
  } catch (error) {
    // a copy cut short is dropped here: its caller, who drops it once done, never had it (it was left until a later run)
    await drop();
    throw error;
  }
  return { config, drop };
}

/**
 * Ends `pool` once each of its connections has closed. pool.end() answers as soon as it has asked each to
 * end, their sockets still open until PostgreSQL closes them: on a busy machine the last test file's
 * worker still held them when jest asked it to exit, and was force exited after 500 ms ("A worker process
 * has failed to exit gracefully").
 */
export async function endPool(pool: pg.Pool): Promise<void> {
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on("remove", () => --open === 0 && resolve());
  });
  await pool.end();
  await closed;
}

/**
 * The connections one test file may hold at once: its root pool's, apiPool's, its test APIs' together (startApi
 * refuses one past it) and a pool of its own (a worker's, tests/db/billing.test.ts's for requests at once). jest runs
 * two files at once (`maxWorkers`, jest.config.js) on one PostgreSQL, whose `max_connections` (100 by default, CI's)
 * less its `superuser_reserved_connections` (3) are all that roles other than superusers may have, the superusers'
 * own counted among them. Each file's root pool allowed 60 (tests/db/codes.test.ts took 50 at once, and kept them
 * idle 10 s), apiPool 20, its test APIs 10 each and billing's own pool 40: two files could hold past 97 (codes and
 * billing together were seen at 89), and then a test API's next connection was refused ("sorry, too many clients
 * already", 53300), answered 503 UNAVAILABLE, as chance had which files ran together and when. Two files' shares now
 * fit: tests/db/test-connections.test.ts checks it against the server's settings. A burst past a pool's size waits
 * for its connections in turn.
 */
export const FILE_CONNECTIONS = { rootPool: 12, apiPool: 6, testApis: 20, own: 10 };

/**
 * How long a connection of the root pool or apiPool is kept idle: node-postgres's 10 s kept a burst's
 * connections open that long after it was over.
 */
const IDLE_CONNECTION_MS = 1000;

let root: pg.Pool | null = null;

/** Superuser pool for fixtures and for looking behind the application's back (FILE_CONNECTIONS.rootPool connections). */
export function rootPool(): pg.Pool {
  root ??= new pg.Pool({ connectionString: TEST_DATABASE_URL, max: FILE_CONNECTIONS.rootPool, idleTimeoutMillis: IDLE_CONNECTION_MS });
  return root;
}

let api: pg.Pool | null = null;

/** Connections as the API makes them: logged in as the authenticator (then `set role` to the visitor; FILE_CONNECTIONS.apiPool of them). */
export function apiPool(): pg.Pool {
  api ??= new pg.Pool({ connectionString: testConfig.authenticatorUrl, max: FILE_CONNECTIONS.apiPool, idleTimeoutMillis: IDLE_CONNECTION_MS });
  return api;
}

/** Runs `fn` on a connection of `pool` (the superuser's unless given) in a transaction of its own, committed; rolled back if it throws. */
export async function committedOn<T>(fn: (client: pg.PoolClient) => Promise<T>, pool: pg.Pool = rootPool()): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, () => fn(client));
  } finally {
    client.release();
  }
}

export async function closeRootPool(): Promise<void> {
  await Promise.all([root && endPool(root), api && endPool(api)]);
  root = null;
  api = null;
}
