/**
 * A database whose migrations are not this version's is refused before anything is migrated,
 * naming where they part: one that ran another form of a migration (a development build's,
 * rewritten before its release), or one this version does not have (a newer version's).
 * graphile-migrate told either as a foreign key violation on its own table.
 */
import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";
import { projectPath } from "../../db/paths.ts";
import { ensureRolesAndDatabase } from "../../db/setup.ts";
import { runCli } from "../support/cli.ts";
import { closeRootPool, ownDatabase, rootPool } from "../support/database.ts";

const { url, config, drop } = ownDatabase("history");
const committed = readdirSync(projectPath("migrations/committed")).filter((name) => name.endsWith(".sql")).sort();
const hashOf = (file: string) => /^--! Hash: (\S+)$/m.exec(readFileSync(projectPath(`migrations/committed/${file}`), "utf8"))![1];

/** A new database of ClinicOps' roles whose graphile-migrate history holds `rows` (and nothing else of ClinicOps). */
async function databaseWithHistory(rows: [filename: string, hash: string][]): Promise<void> {
  await drop();
  await ensureRolesAndDatabase(config);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("create schema graphile_migrate");
    await client.query("create table graphile_migrate.migrations (filename text primary key, hash text not null, previous_hash text, date timestamptz not null default now())");
    for (const [filename, hash] of rows) await client.query("insert into graphile_migrate.migrations (filename, hash) values ($1, $2)", [filename, hash]);
  } finally {
    await client.end();
  }
}

const migratedAnything = async () => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query("select to_regnamespace('app_public') is not null as migrated")).rows[0].migrated as boolean;
  } finally {
    await client.end();
  }
};

afterAll(async () => {
  await drop();
  await closeRootPool();
});

test("a database that ran another form of a migration is refused, naming it, and nothing is migrated", async () => {
  const [first, second] = committed;
  await databaseWithHistory([["000001.sql", hashOf(first)], ["000002.sql", "sha1:0000000000000000000000000000000000000000"]]);
  const run = runCli(["migrate"], { DATABASE_URL: url });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain(`The database ${config.databaseName} ran a migration 000002 other than this version's migrations/committed/${second}:`);
  expect(run.stderr).not.toMatch(/foreign key/);
  expect(await migratedAnything()).toBe(false);
});

// its first migration not ClinicOps': it was told a development build had changed it, after its roles' passwords had been
// changed (another Graphile application's roles bear the names ClinicOps makes: <database>_owner, …)
test("a database of another application's migrations is refused as not ClinicOps', before its roles are touched, and nothing is migrated", async () => {
  await databaseWithHistory([["000001.sql", "sha1:2222222222222222222222222222222222222222"]]);
  const { rows: [before] } = await rootPool().query("select rolpassword from pg_authid where rolname = $1", [config.roles.owner]);
  const run = runCli(["migrate"], { DATABASE_URL: url, DATABASE_OWNER_PASSWORD: "another-applications-password" });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain(`The database ${config.databaseName} belongs to ${config.roles.owner} and holds objects that are not ClinicOps': name another database in DATABASE_URL`);
  expect(run.stderr).not.toContain("The password of the role");
  expect((await rootPool().query("select rolpassword from pg_authid where rolname = $1", [config.roles.owner])).rows[0]).toEqual(before);
  expect(await migratedAnything()).toBe(false);
});

test("a database of a newer version is refused, naming the migration this version lacks", async () => {
  const newer = String(committed.length + 1).padStart(6, "0");
  await databaseWithHistory([...committed.map((file, i): [string, string] => [`${String(i + 1).padStart(6, "0")}.sql`, hashOf(file)]), [`${newer}.sql`, "sha1:1111111111111111111111111111111111111111"]]);
  const run = runCli(["migrate"], { DATABASE_URL: url });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain(`has run migration ${newer}, which this version of ClinicOps does not have (its last is ${committed.at(-1)})`);
});
