/**
 * A database someone else made (a managed server's console, `createdb`, and a dump restored into
 * one) is made ClinicOps' own at a start: it failed on "permission denied for database".
 */
import pg from "pg";
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
