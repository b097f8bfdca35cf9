/**
 * A database someone else made (a managed server's console, `createdb`, and a dump restored into
 * one) is made ClinicOps' own at a start: it failed on "permission denied for database". Another
 * application's is not touched.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { databaseConfig } from "../../db/config.ts";
import { prepareDatabase } from "../../db/setup.ts";
import { closeRootPool, ownDatabase, rootPool } from "../support/database.ts";
import { until } from "../support/until.ts";

const { config, drop } = ownDatabase("beforehand");
afterAll(async () => {
  await drop();
  await closeRootPool();
});

/** The database is the owner role's, and migrated. */
async function expectOwnedAndMigrated() {
  const { rows } = await rootPool().query("select pg_get_userbyid(datdba) as owner from pg_database where datname = $1", [config.databaseName]);
  expect(rows).toEqual([{ owner: config.roles.owner }]);
  const own = new pg.Client({ connectionString: config.ownerUrl });
  await own.connect();
  try {
    expect((await own.query("select count(*)::int > 150 as migrated from graphile_migrate.migrations")).rows[0].migrated).toBe(true);
  } finally {
    await own.end();
  }
}

test("a database made beforehand by a superuser is made ClinicOps' own and migrated, empty or restored into", async () => {
  await drop();
  await rootPool().query(`create database ${pg.escapeIdentifier(config.databaseName)}`); // owned by postgres
  await prepareDatabase(config);
  await expectOwnedAndMigrated();

  // a dump restored into a database made by createdb: the objects the owner role's, the database postgres's
  const database = pg.escapeIdentifier(config.databaseName);
  await rootPool().query(`alter database ${database} owner to postgres`);
  await rootPool().query(`revoke all on database ${database} from ${pg.escapeIdentifier(config.roles.owner)}`);
  await prepareDatabase(config);
  const { rows: after } = await rootPool().query("select pg_get_userbyid(datdba) as owner from pg_database where datname = $1", [config.databaseName]);
  expect(after).toEqual([{ owner: config.roles.owner }]);
}, 180_000);

// graphile-migrate makes its tables before the first migration: a first start stopped (docker stop) or killed meanwhile left
// them with no migration, and every later start refused the database as another application's
test("a database whose first start was cut before its first migration was committed is taken up and migrated", async () => {
  await drop();
  const owner = pg.escapeIdentifier(config.roles.owner);
  await rootPool().query(`create role ${owner} login`);
  // made by createdb, graphile-migrate's tables the owner role's as they were
  await rootPool().query(`create database ${pg.escapeIdentifier(config.databaseName)}`);
  await rootPool().query(`grant create on database ${pg.escapeIdentifier(config.databaseName)} to ${owner}`);
  const inside = new pg.Client({ connectionString: config.rootUrl });
  await inside.connect();
  try {
    // what graphile-migrate makes first, as the owner role, as the cut start did
    await inside.query(`set role ${owner}`);
    await inside.query(`create schema graphile_migrate;
      create table graphile_migrate.migrations (hash text primary key, previous_hash text references graphile_migrate.migrations, filename text not null, date timestamptz not null default now());
      create table graphile_migrate.current (filename text primary key default 'current.sql', content text not null, date timestamptz not null default now())`);
  } finally {
    await inside.end();
  }
  await prepareDatabase(config);
  await expectOwnedAndMigrated();
}, 180_000);

test.each([
  ["a table", "create table public.their_orders (id int); alter table public.their_orders owner to"],
  // another Graphile application has an app_public too: it was told it held a ClinicOps backup, to drop
  ["an app_public of its own", "create schema app_public; create table app_public.posts (id int); alter table app_public.posts owner to"],
  ["a type alone", "create type public.their_mood as enum ('fine'); alter type public.their_mood owner to"],
  // another application using graphile-migrate, cut before its first migration too: its database was taken, then the
  // start failed on "permission denied for schema graphile_migrate"
  [
    "graphile-migrate's tables, holding no migration",
    `create schema graphile_migrate;
     create table graphile_migrate.migrations (hash text primary key, previous_hash text references graphile_migrate.migrations, filename text not null, date timestamptz not null default now());
     alter table graphile_migrate.migrations owner to`,
  ],
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
// graphile_migrate", as it did when the database was the owner role's already (an operator restoring with --no-owner);
// a copy under another name was told it was restored without its owners
test("a ClinicOps backup restored without its owners, or a copy under another name, is refused whoever owns the database, saying whose it is", async () => {
  await drop();
  const dir = mkdtempSync(join(tmpdir(), "clinicops-restore-"));
  const backup = join(dir, "backup.dump");
  const database = pg.escapeIdentifier(config.databaseName);
  try {
    await prepareDatabase(config);
    execFileSync("pg_dump", ["-Fc", "-f", backup, config.rootUrl]);
    const refusal = (owner: string) =>
      `The database ${config.databaseName} holds ClinicOps' schema owned by ${owner}, not by its owner role ${config.roles.owner}: a backup restored ` +
      "without its owners (pg_restore --no-owner), or a copy of another ClinicOps database under another name, cannot run. Restore a backup made " +
      "with its owners (pg_dump -Fc) under its own database name, on a server where no database has that name yet: pg_restore -C -d postgres <backup> " +
      "(docs/operations.md, Backup and restore).";
    // the database alone (drop() takes its roles too)
    await rootPool().query(`drop database ${database} with (force)`);
    await rootPool().query(`create database ${database}`); // createdb's: postgres's
    try {
      // event triggers need a superuser's own: pg_restore reports them
      execFileSync("pg_restore", ["--no-owner", "-d", config.rootUrl, backup], { stdio: "pipe" });
    } catch (error) {
      if ((error as { status?: number }).status !== 1) throw error;
    }
    await expect(prepareDatabase(config)).rejects.toThrow(refusal("postgres"));
    const { rows } = await rootPool().query("select pg_get_userbyid(datdba) as owner from pg_database where datname = $1", [config.databaseName]);
    expect(rows).toEqual([{ owner: "postgres" }]);
    // owned by the owner role (createdb -O, or as the refusal before this one advised): refused alike
    await rootPool().query(`alter database ${database} owner to ${pg.escapeIdentifier(config.roles.owner)}`);
    await expect(prepareDatabase(config)).rejects.toThrow(refusal("postgres"));
    // a copy whose objects are another ClinicOps database's roles' (here one of this one's others stands for them)
    const inside = new pg.Client({ connectionString: config.rootUrl });
    await inside.connect();
    try {
      await inside.query(`alter schema app_public owner to ${pg.escapeIdentifier(config.roles.auditor)}`);
    } finally {
      await inside.end();
    }
    await expect(prepareDatabase(config)).rejects.toThrow(refusal(config.roles.auditor));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await drop();
  }
}, 300_000);

// restored on a new server before a start made its roles, its objects fell to the superuser restoring it, and the start's
// refusal advised restoring it again where no database had that name, roles still missing, which it refused alike
test("a ClinicOps backup restored on a server without its roles is refused, saying to make them first; restored once they are, it runs", async () => {
  await drop();
  const dir = mkdtempSync(join(tmpdir(), "clinicops-restore-"));
  const backup = join(dir, "backup.dump");
  const server = new URL(config.rootUrl);
  server.pathname = "/postgres";
  const restore = () => {
    try {
      execFileSync("pg_restore", ["-C", "-d", server.toString(), backup], { stdio: "pipe" });
    } catch (error) {
      if ((error as { status?: number }).status !== 1) throw error; // "role … does not exist", each reported
    }
  };
  try {
    await prepareDatabase(config);
    execFileSync("pg_dump", ["-Fc", "-f", backup, config.rootUrl]);
    await drop(); // the database and its roles: a new server
    restore();
    await expect(prepareDatabase(config)).rejects.toThrow(
      `The database ${config.databaseName} holds ClinicOps' schema owned by postgres, and its owner role ${config.roles.owner} does not exist on ` +
        `this server: a backup restored before its roles were made (pg_restore's "role … does not exist"), which cannot run. Drop it, start ` +
        "ClinicOps once with this DATABASE_URL (it makes the roles and an empty database), stop it, drop that database, and restore again: " +
        "pg_restore -C -d postgres <backup> (docs/operations.md, Backup and restore).",
    );
    const { rows: roles } = await rootPool().query("select rolname from pg_roles where rolname = $1", [config.roles.owner]);
    expect(roles).toEqual([]); // left as they were
    // as the refusal says
    const database = pg.escapeIdentifier(config.databaseName);
    await rootPool().query(`drop database ${database} with (force)`);
    await prepareDatabase(config);
    await rootPool().query(`drop database ${database} with (force)`);
    restore();
    await prepareDatabase(config);
    await expectOwnedAndMigrated();
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

// pg_restore makes the database at its start and fills it in order: the start was refused ("holds objects that are not
// ClinicOps'") only until graphile-migrate's rows were in, and from then on, all through the post-data section (the
// indexes, constraints, triggers and policies: most of a large restore), it set the database up and ran on it, its
// worker's writes unaudited, and its seal made the audit log's event triggers, which pg_restore then failed to make
test("a start while pg_restore is still restoring the database is refused, saying so, and changes nothing; once it has ended, the start runs", async () => {
  await drop();
  const dir = mkdtempSync(join(tmpdir(), "clinicops-restore-"));
  const backup = join(dir, "backup.dump");
  const database = pg.escapeIdentifier(config.databaseName);
  const server = new URL(config.rootUrl);
  server.pathname = "/postgres";
  const inside = new pg.Client({ connectionString: config.rootUrl });
  let restoring: ReturnType<typeof spawn> | undefined;
  try {
    await prepareDatabase(config);
    execFileSync("pg_dump", ["-Fc", "-f", backup, config.rootUrl]);
    await rootPool().query(`drop database ${database} with (force)`); // its roles stay: the same server
    // the restore as far as its data (graphile-migrate's rows in), then its post-data section held up at one table
    execFileSync("pg_restore", ["-C", "--section=pre-data", "--section=data", "-d", server.toString(), backup], { stdio: "pipe" });
    await inside.connect();
    await inside.query("begin");
    await inside.query("lock table app_public.service in access exclusive mode");
    restoring = spawn("pg_restore", ["--section=post-data", "-d", config.rootUrl, backup], { stdio: ["ignore", "ignore", "pipe"] });
    let said = "";
    restoring.stderr!.on("data", (chunk) => (said += chunk));
    const ended = new Promise<number | null>((resolve) => restoring!.once("exit", resolve));
    const heldUp = until(async () => {
      const { rows } = await rootPool().query("select 1 from pg_stat_activity where datname = $1 and application_name = 'pg_restore' and wait_event_type = 'Lock'", [config.databaseName]);
      return rows.length > 0;
    }, 60_000);
    expect(await heldUp).toBe(true);
    await expect(prepareDatabase(config)).rejects.toThrow(
      new RegExp(`^The database ${config.databaseName} is being restored \\(pg_restore, pid [0-9]+\\): start again once pg_restore has ended`),
    );
    // nothing made by the start: the audit log's event triggers are pg_restore's to make, last
    expect((await inside.query("select count(*)::int as n from pg_event_trigger")).rows).toEqual([{ n: 0 }]);
    await inside.query("commit");
    expect(await ended).toBe(0);
    expect(said).toBe(""); // no "errors ignored on restore": nothing of the start's in its way
    await prepareDatabase(config);
    await expectOwnedAndMigrated();
  } finally {
    restoring?.kill();
    await inside.end().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    await drop();
  }
}, 300_000);
