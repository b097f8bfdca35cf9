/**
 * The test database: a real PostgreSQL (TEST_DATABASE_URL, by default the
 * local server on 127.0.0.1:5432), rebuilt from the migrations (committed,
 * then migrations/current.sql) once per run.
 */
import pg from "pg";
import { databaseConfig, withCredentials } from "../../db/config.ts";
import { watchCurrentMigration } from "../../db/migrate.ts";
import { prepareDatabase, sealAuditLog, unsealAuditLog } from "../../db/setup.ts";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/clinicops_test";

export const testConfig = databaseConfig(
  TEST_DATABASE_URL,
  { ownerPassword: "clinicops-test-owner", authenticatorPassword: "clinicops-test-authenticator" },
  "TEST_DATABASE_URL",
);

export async function rebuildTestDatabase(): Promise<void> {
  const client = new pg.Client({ connectionString: withCredentials(TEST_DATABASE_URL, null, null, "postgres") });
  await client.connect();
  try {
    await client.query(`drop database if exists ${pg.escapeIdentifier(testConfig.databaseName)} with (force)`);
  } finally {
    await client.end();
  }
  await prepareDatabase(testConfig);
  // Work in progress in migrations/current.sql is tested too (empty once committed), run as
  // a committed migration would be: with the audit log the owner's while it runs.
  await unsealAuditLog(testConfig);
  try {
    await watchCurrentMigration(testConfig, true);
  } finally {
    await sealAuditLog(testConfig);
  }
}

let root: pg.Pool | null = null;

/** Superuser pool for fixtures and for looking behind the application's back. */
export function rootPool(): pg.Pool {
  root ??= new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 60 });
  return root;
}

let api: pg.Pool | null = null;

/** Connections as the API makes them: logged in as the authenticator (then `set role` to the visitor). */
export function apiPool(): pg.Pool {
  api ??= new pg.Pool({ connectionString: testConfig.authenticatorUrl, max: 20 });
  return api;
}

export async function closeRootPool(): Promise<void> {
  await Promise.all([root?.end(), api?.end()]);
  root = null;
  api = null;
}
