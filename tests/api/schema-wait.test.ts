/**
 * What the API's start says while its GraphQL schema read waits behind a table's lock (server/schema-wait.ts), told
 * apart from the start itself (tests/api/stop-signals.test.ts starts npm start behind one): a read by the
 * authenticator waiting for a table of this file's own, locked by another session.
 */
import pg from "pg";
import { sayingWhatTheSchemaReadWaitsFor } from "../../server/schema-wait.ts";
import { closeRootPool, rootPool, TEST_DATABASE_URL, testConfig } from "../support/database.ts";
import { linesLoggedBy } from "../support/logs.ts";
import { until } from "../support/until.ts";

/** A schema and table of this file's own (locking a shared table would stall other files' statements). */
const SCHEMA = `schema_wait_${process.pid}`;
const TABLE = `${SCHEMA}.locked`;

beforeAll(async () => {
  const authenticator = testConfig.roles.authenticator;
  await rootPool().query(`create schema ${SCHEMA}; grant usage on schema ${SCHEMA} to ${authenticator}; create table ${TABLE} (); grant select on ${TABLE} to ${authenticator}`);
});
afterAll(async () => {
  await rootPool().query(`drop schema ${SCHEMA} cascade`);
  await closeRootPool();
});

const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;

// the line named the holder's statement, the first 200 characters of whatever SQL it ran last: a password typed in
// psql (alter role … password '…'), a patient's notes, kept by the log and whatever it is shipped to
test("names the table waited for and who holds its lock by their command, not their statement, and says nothing once read", async () => {
  const holder = await rootPool().connect();
  const reader = new pg.Client({ connectionString: testConfig.authenticatorUrl });
  await reader.connect();
  try {
    const { rows: [{ pid }] } = await holder.query("select pg_backend_pid() as pid");
    await holder.query("begin");
    await holder.query(`lock table ${TABLE} in access exclusive mode`);
    await holder.query("select 'typed-in-psql-a-secret' as typed");
    const reading = reader.query(`select from ${TABLE}`);
    const waits = async () =>
      (await rootPool().query("select wait_event_type from pg_stat_activity where pid = $1", [(reader as unknown as { processID: number }).processID])).rows[0]
        ?.wait_event_type === "Lock";
    expect(await until(waits, 30_000)).toBe(true);
    const timersBefore = timers();
    const lines = await linesLoggedBy(async (lines) => {
      const read = sayingWhatTheSchemaReadWaitsFor(reading, TEST_DATABASE_URL, testConfig.roles.authenticator);
      expect(await until(() => lines.some((line) => line.includes("waiting for the database's schema")), 30_000)).toBe(true);
      await holder.query("rollback");
      await read;
    });
    const said = lines.filter((line) => line.includes("waiting for the database's schema")).join("");
    expect(said).toContain(`a lock on ${TABLE} held by pid ${pid} (postgres, idle in transaction: select)`);
    expect(said).not.toContain("typed-in-psql");
    expect(timers()).toBe(timersBefore); // none left to report again, nor to keep the process up
  } finally {
    await holder.query("rollback");
    holder.release();
    await reader.end();
  }
});
