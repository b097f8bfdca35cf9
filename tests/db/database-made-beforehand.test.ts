/**
 * A database someone else made (a managed server's console, `createdb`, and a dump restored into
 * one) is made ClinicOps' own at a start: it failed on "permission denied for database". Another
 * application's is not touched.
 */
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

// it was told to have the database owned by the owner role, and the next start failed on "permission denied for
// schema graphile_migrate" (an operator restoring a dump made with pg_dump -O)
test("a ClinicOps backup restored without its owners is refused, saying to restore it with them, and left as it was", async () => {
  await drop();
  try {
    await rootPool().query(`create database ${pg.escapeIdentifier(config.databaseName)}`);
    const restored = new pg.Client({ connectionString: config.rootUrl });
    await restored.connect();
    try {
      // as pg_restore --no-owner leaves it: ClinicOps' schemas, the restoring superuser's
      await restored.query("create schema app_public; create table app_public.clinic (id uuid primary key)");
    } finally {
      await restored.end();
    }
    await expect(prepareDatabase(config)).rejects.toThrow(
      `The database ${config.databaseName} holds ClinicOps' schema, but its objects are not the owner role ${config.roles.owner}'s: a backup restored without its owners ` +
        "(pg_restore --no-owner, pg_dump -O) cannot run. Drop it and restore the backup with its owners, as a superuser: pg_restore -C -d postgres <backup> (docs/operations.md, Backup and restore).",
    );
    const { rows } = await rootPool().query("select pg_get_userbyid(datdba) as owner from pg_database where datname = $1", [config.databaseName]);
    expect(rows).toEqual([{ owner: "postgres" }]);
  } finally {
    await drop();
  }
}, 180_000);

test("the server's own databases and templates are never named", () => {
  for (const name of ["postgres", "template1", "template_postgis"]) {
    expect(() => databaseConfig(`postgres://postgres@127.0.0.1:5432/${name}`, { ownerPassword: "o", authenticatorPassword: "a" })).toThrow(
      `DATABASE_URL must name a database of ClinicOps' own, not the server's ${name} (nor a template's name)`,
    );
  }
});
