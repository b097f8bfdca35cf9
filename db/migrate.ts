/**
 * graphile-migrate, driven with the connection strings of db/config.ts and
 * the placeholders of .gmrc.
 */
import { commit, defaultLogger, migrate, watch } from "graphile-migrate";
import type { Settings } from "graphile-migrate";
import { Logger, type LogLevel } from "@graphile/logger";
import pg from "pg";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout } from "node:timers/promises";
import type { DatabaseConfig } from "./config.ts";
import { projectRoot } from "./paths.ts";
import { withSuperuserClient } from "./pool.ts";


/** .gmrc is JSON with // comments. */
function readGmrc(): Settings {
  const text = readFileSync(resolve(projectRoot, ".gmrc"), "utf8").replace(/^\s*\/\/.*$/gm, "");
  return JSON.parse(text) as Settings;
}

function migrationSettings(config: DatabaseConfig): Settings {
  // "!ENV" placeholders read these variables.
  process.env.DATABASE_AUTHENTICATOR = config.roles.authenticator;
  process.env.DATABASE_VISITOR = config.roles.visitor;
  process.env.DATABASE_ANALYST = config.roles.analyst;
  const gmrc = readGmrc();
  return {
    ...gmrc,
    migrationsFolder: resolve(projectRoot, gmrc.migrationsFolder ?? "migrations"),
    connectionString: config.ownerUrl,
    shadowConnectionString: config.shadowOwnerUrl,
    rootConnectionString: config.rootUrl,
    databaseOwner: config.roles.owner,
  };
}

/**
 * graphile-migrate keeps its pool for 200 ms after its last use, and ends the
 * process (exit code 1) when a connection of that pool fails meanwhile. Started
 * with the embedded database, a Ctrl-C stops PostgreSQL as well: while the API's
 * schema was being built (the event loop busy, the pool's timer late), it ended
 * `npm start` before the shutdown could run; and a command that stops the
 * embedded database as it ends (`migrate:watch -- --once`) ended with that error.
 * Each command here returns once that pool is closed.
 */
const MIGRATE_POOL_KEEPALIVE_MS = 200;

async function withPoolClosed(command: Promise<void>): Promise<void> {
  await command;
  await setTimeout(MIGRATE_POOL_KEEPALIVE_MS + 100);
}

/** Where graphile-migrate's own lines go: its errors and warnings to `warn`, the rest to `log`. */
function migrateLogger(log: (message: string) => void, warn: (message: string) => void): Logger {
  return new Logger(() => (level: LogLevel, message: string) => (level === "error" || level === "warning" ? warn : log)(message));
}

/**
 * Applies the committed migrations that have not run yet. graphile-migrate's lines ("Running
 * migration …") go to `log` and `warn` when given (`npm start` logs them as JSON lines with its
 * own), else to the console as graphile-migrate prints them.
 */
export async function runMigrations(config: DatabaseConfig, output?: { log: (message: string) => void; warn: (message: string) => void }): Promise<void> {
  await withPoolClosed(migrate({ ...migrationSettings(config), ...(output ? { logger: migrateLogger(output.log, output.warn) } : {}) }));
}

/**
 * graphile-migrate watch on migrations/current.sql (`once`: apply it and stop).
 * With `touchWhenApplied`, that file's time is set each time a changed
 * current.sql has been applied (graphile-migrate's afterCurrent), for the dev
 * server to restart on and build its GraphQL schema from the new database.
 */
export async function watchCurrentMigration(config: DatabaseConfig, once = false, touchWhenApplied?: string): Promise<void> {
  const settings = migrationSettings(config);
  if (touchWhenApplied) {
    const quoted = `'${touchWhenApplied.replaceAll("'", `'\\''`)}'`;
    settings.afterCurrent = [...(settings.afterCurrent ?? []), { _: "command", command: `touch ${quoted}` }];
  }
  await withPoolClosed(watch(settings, once));
}

/**
 * Applies migrations/current.sql once, before `npm run dev` starts its server and then its watcher: graphile-migrate's
 * lines as it prints them, but an error of current.sql's, which is not printed: a current.sql that failed is not recorded
 * as applied, and the watcher's first run, which it always makes, runs it again and prints its error then (printed by
 * both, the same error came twice at each start). Any other error is thrown.
 */
export async function applyCurrentMigrationBeforeWatching(config: DatabaseConfig): Promise<void> {
  const errorsLeftToTheWatcher = new Logger(() => (level: LogLevel, message: string, meta) => {
    if (level !== "error") defaultLogger[level === "warning" ? "warn" : level](message, meta);
  });
  await withPoolClosed(watch({ ...migrationSettings(config), logger: errorsLeftToTheWatcher }, true)).catch((error) => {
    if (!error?._gmlogged) throw error;
  });
}

/**
 * Turns the current migration into the next committed migration. graphile-migrate makes the shadow database again from
 * every migration at each commit, to check them, and then left it: a database open to the analysts (afterReset.sql
 * grants them CONNECT, as on the application database) where none of the application database's revocations at a start
 * hold, so an analyst could fill the server's shared lock table from it (`pg_advisory_lock`, docs/analysts.md). It is
 * dropped once the commit is done, whether or not it succeeded.
 */
export async function commitCurrentMigration(config: DatabaseConfig, message?: string): Promise<void> {
  const committing = withPoolClosed(commit(migrationSettings(config), message ?? null));
  // a failed commit's own error is the one told, whatever became of the drop
  await committing.finally(() => dropShadowDatabase(config).catch((error) => committing.then(() => Promise.reject(error), () => undefined)));
}

async function dropShadowDatabase(config: DatabaseConfig): Promise<void> {
  const shadow = new URL(config.shadowOwnerUrl).pathname.slice(1);
  try {
    await withSuperuserClient(config.rootUrl, (root) => root.query(`drop database if exists ${pg.escapeIdentifier(shadow)} with (force)`));
  } catch (error) {
    throw new Error(`The migration is committed, but its shadow database ${shadow} was not dropped (drop it: it is open to the analysts): ${(error as Error).message}`);
  }
}
