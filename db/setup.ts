/**
 * Brings a PostgreSQL server to the state ClinicOps needs, idempotently:
 * roles, the database, its privileges and extensions (migrations/afterReset.sql),
 * the migrations, and graphile-worker's schema.
 */
import pg from "pg";
import { Logger, runMigrations as runWorkerMigrations } from "graphile-worker";
import { readFileSync } from "node:fs";
import { type DatabaseConfig, withCredentials } from "./config.ts";
import { runMigrations } from "./migrate.ts";
import { projectPath } from "./paths.ts";

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;
const quietWorkerLogger = new Logger(() => () => {});

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function ensureRole(client: pg.Client, name: string, attributes: string, password?: string): Promise<void> {
  const { rowCount } = await client.query("select 1 from pg_roles where rolname = $1", [name]);
  const pw = password === undefined ? "" : ` password ${literal(password)}`;
  await client.query(`${rowCount ? "alter" : "create"} role ${ident(name)} with ${attributes}${pw}`);
}

/** Creates or updates the four roles; creates the database when missing. */
export async function ensureRolesAndDatabase(config: DatabaseConfig, databaseName = config.databaseName): Promise<boolean> {
  const { roles, passwords } = config;
  return withClient(withCredentials(config.rootUrl, null, null, "postgres"), async (client) => {
    await ensureRole(client, roles.owner, "login nosuperuser nocreaterole nobypassrls", passwords.owner);
    await ensureRole(client, roles.authenticator, "login noinherit nosuperuser nocreatedb nocreaterole nobypassrls", passwords.authenticator);
    await ensureRole(client, roles.visitor, "nologin nosuperuser nobypassrls");
    await ensureRole(client, roles.analyst, "nologin nosuperuser nobypassrls");
    await client.query(`grant ${ident(roles.visitor)} to ${ident(roles.authenticator)}`);
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [databaseName]);
    if (!rowCount) {
      await client.query(`create database ${ident(databaseName)} owner ${ident(roles.owner)}`);
    }
    return !rowCount;
  });
}

/** migrations/afterReset.sql with graphile-migrate's placeholders filled in. */
export function afterResetSql(config: DatabaseConfig, databaseName = config.databaseName): string {
  const placeholders: Record<string, string> = {
    ":DATABASE_NAME": ident(databaseName),
    ":DATABASE_OWNER": ident(config.roles.owner),
    ":DATABASE_AUTHENTICATOR": ident(config.roles.authenticator),
    ":DATABASE_VISITOR": ident(config.roles.visitor),
    ":DATABASE_ANALYST": ident(config.roles.analyst),
  };
  const sql = readFileSync(projectPath("migrations/afterReset.sql"), "utf8");
  return sql.replace(/:DATABASE_[A-Z]+\b/g, (name) => placeholders[name] ?? name);
}

/** Everything, in order. Safe to run at every start. */
export async function prepareDatabase(config: DatabaseConfig, log: (message: string) => void = () => {}): Promise<void> {
  if (await ensureRolesAndDatabase(config)) {
    log(`created database ${config.databaseName}`);
    await withClient(config.rootUrl, (client) => client.query(afterResetSql(config)));
  }
  await runMigrations(config);
  await runWorkerMigrations({ connectionString: config.ownerUrl, logger: quietWorkerLogger });
  log("database ready");
}
