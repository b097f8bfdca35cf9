/**
 * A database someone else made (a managed server's console, `createdb`, and a dump restored into
 * one) is made ClinicOps' own at a start: it failed on "permission denied for database". Another
 * application's is not touched.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { databaseConfig } from "../../db/config.ts";
import { prepareDatabase } from "../../db/setup.ts";
import { closeRootPool, ownDatabase, rootPool } from "../support/database.ts";

const { config, drop } = ownDatabase("beforehand");
afterAll(async () => {
  await drop();
  await closeRootPool();
});

test("a database made beforehand by a superuser is made ClinicOps' own and migrated, empty or restored into", async () => {
  await drop();
  await rootPool().query(`create database ${pg.escapeIdentifier(config.databaseName)}`); // owned by postgres
  await prepareDatabase(config);
  const { rows } = await rootPool().query("select pg_get_userbyid(datdba) as owner from pg_database where datname = $1", [config.databaseName]);
  expect(rows).toEqual([{ owner: config.roles.owner }]);
  const own = new pg.Client({ connectionString: config.ownerUrl });
  await own.connect();
  try {
    expect((await own.query("select count(*)::int > 150 as migrated from graphile_migrate.migrations")).rows[0].migrated).toBe(true);
  } finally {
    await own.end();
  }

  // a dump restored into a database made by createdb: the objects the owner role's, the database postgres's
  const database = pg.escapeIdentifier(config.databaseName);
  await rootPool().query(`alter database ${database} owner to postgres`);
  await rootPool().query(`revoke all on database ${database} from ${pg.escapeIdentifier(config.roles.owner)}`);
  await prepareDatabase(config);
  const { rows: after } = await rootPool().query("select pg_get_userbyid(datdba) as owner from pg_database where datname = $1", [config.databaseName]);
  expect(after).toEqual([{ owner: config.roles.owner }]);
}, 180_000);

test.each([
  ["a table", "create table public.their_orders (id int); alter table public.their_orders owner to"],
  // another Graphile application has an app_public too: it was told it held a ClinicOps backup, to drop
  ["an app_public of its own", "create schema app_public; create table app_public.posts (id int); alter table app_public.posts owner to"],
  ["a type alone", "create type public.their_mood as enum ('fine'); alter type public.their_mood owner to"],
])("another application's database (%s) is refused, saying what to do, and left as it was", async (_, theirObject) => {
  await drop();
  const other = `${config.databaseName}_app`;
  await rootPool().query(`create role ${pg.escapeIdentifier(other)}`);
  try {
    await rootPool().query(`create database ${pg.escapeIdentifier(config.databaseName)} owner ${pg.escapeIdentifier(other)}`);
    const theirs = new pg.Client({ connectionString: config.rootUrl });
    await theirs.connect();
    try {
      await theirs.query(`${theirObject} ${pg.escapeIdentifier(other)}`);
    } finally {
      await theirs.end();
    }
    await expect(prepareDatabase(config)).rejects.toThrow(
      `The database ${config.databaseName} belongs to ${other} and holds objects that are not ClinicOps': name another database in DATABASE_URL`,
    );
    const { rows } = await rootPool().query("select pg_get_userbyid(datdba) as owner from pg_database where datname = $1", [config.databaseName]);
    expect(rows).toEqual([{ owner: other }]); // before, it was made ClinicOps' own, and its owner's connections were refused
  } finally {
    await drop();
    await rootPool().query(`drop role if exists ${pg.escapeIdentifier(other)}`);
  }
}, 180_000);

// it was told to have the database owned by the owner role, and the start failed on "permission denied for schema
// graphile_migrate", as it did when the database was the owner role's already (an operator restoring a dump made with -O)
test("a ClinicOps backup restored without its owners is refused, whoever owns the database, saying how to restore it; restored as the owner role, it runs", async () => {
  await drop();
  const dir = mkdtempSync(join(tmpdir(), "clinicops-restore-"));
  const backup = join(dir, "backup.dump");
  const database = pg.escapeIdentifier(config.databaseName);
  const owner = pg.escapeIdentifier(config.roles.owner);
  try {
    await prepareDatabase(config);
    execFileSync("pg_dump", ["-Fc", "-O", "-f", backup, config.rootUrl]);
    const restore = (...options: string[]) => {
      // event triggers and the audit log's seal need a superuser: pg_restore reports them, and the start makes them again
      try {
        execFileSync("pg_restore", ["--no-owner", ...options, "-d", config.rootUrl, backup], { stdio: "pipe" });
      } catch (error) {
        if ((error as { status?: number }).status !== 1) throw error;
      }
    };
    const refusal =
      `The database ${config.databaseName} holds a ClinicOps backup restored without its owners: its objects are not the owner role ${config.roles.owner}'s, and it cannot run. ` +
      "Drop it and restore the backup as a superuser with its owners (pg_restore -C -d postgres <backup>), or, one made without them (pg_dump -O), " +
      `into a database of ${config.roles.owner} as that role (pg_restore --no-owner --role=${config.roles.owner}; docs/operations.md, Backup and restore).`;
    // the database alone (drop() takes its roles too)
    const dropDatabase = () => rootPool().query(`drop database ${database} with (force)`);
    await dropDatabase();
    await rootPool().query(`create database ${database}`); // createdb's: postgres's
    restore();
    await expect(prepareDatabase(config)).rejects.toThrow(refusal);
    const { rows } = await rootPool().query("select pg_get_userbyid(datdba) as owner from pg_database where datname = $1", [config.databaseName]);
    expect(rows).toEqual([{ owner: "postgres" }]);
    // owned by the owner role (createdb -O, or as the refusal before this one advised): refused alike
    await rootPool().query(`alter database ${database} owner to ${owner}`);
    await expect(prepareDatabase(config)).rejects.toThrow(refusal);
    // restored as the owner role, as the refusal says: it runs
    await dropDatabase();
    await rootPool().query(`create database ${database} owner ${owner}`);
    restore(`--role=${config.roles.owner}`);
    await prepareDatabase(config);
    const own = new pg.Client({ connectionString: config.ownerUrl });
    await own.connect();
    try {
      expect((await own.query("select count(*)::int > 150 as migrated from graphile_migrate.migrations")).rows[0].migrated).toBe(true);
    } finally {
      await own.end();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await drop();
  }
}, 300_000);

test("the server's own databases and templates are never named", () => {
  for (const name of ["postgres", "template1", "template_postgis"]) {
    expect(() => databaseConfig(`postgres://postgres@127.0.0.1:5432/${name}`, { ownerPassword: "o", authenticatorPassword: "a" })).toThrow(
      `DATABASE_URL must name a database of ClinicOps' own, not the server's ${name} (nor a template's name)`,
    );
  }
});
