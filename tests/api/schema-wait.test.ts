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

/** The timers of this process: none is left once the read has ended or the stop has begun. */
const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;

const WAITING = "waiting for the database's schema";

/**
 * Runs `fn` while a read of the authenticator's (`reading`) waits for TABLE, locked by a session of the superuser's
 * (`holder`, of pid `pid`) whose last statement holds a secret; the lock is let go after.
 */
async function whileAReadWaits(fn: (read: { reading: Promise<unknown>; holder: pg.PoolClient; pid: number }) => Promise<void>): Promise<void> {
  const holder = await rootPool().connect();
  const reader = new pg.Client({ connectionString: testConfig.authenticatorUrl });
  await reader.connect();
  try {
    const { rows: [{ pid }] } = await holder.query("select pg_backend_pid() as pid");
    await holder.query("begin");
    await holder.query(`lock table ${TABLE} in access exclusive mode`);
    await holder.query("select 'typed-in-psql-a-secret' as typed");
    const reading = reader.query(`select from ${TABLE}`);
    reading.catch(() => {}); // awaited by fn
    // asked on a connection of its own: one of the root pool's, left idle, had its idle timer end (a second) while fn
    // counted this process's timers
    const watcher = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await watcher.connect();
    const waits = async () =>
      (await watcher.query("select wait_event_type from pg_stat_activity where pid = $1", [(reader as unknown as { processID: number }).processID])).rows[0]
        ?.wait_event_type === "Lock";
    try {
      expect(await until(waits, 30_000)).toBe(true);
    } finally {
      await watcher.end();
    }
    await fn({ reading, holder, pid });
  } finally {
    await holder.query("rollback");
    holder.release();
    await reader.end();
  }
}

// the line named the holder's statement, the first 200 characters of whatever SQL it ran last: a password typed in
// psql (alter role … password '…'), a patient's notes, kept by the log and whatever it is shipped to
test("names the table waited for and who holds its lock by their command, not their statement, and says nothing once read", async () => {
  await whileAReadWaits(async ({ reading, holder, pid }) => {
    const timersBefore = timers();
    const lines = await linesLoggedBy(async (lines) => {
      const read = sayingWhatTheSchemaReadWaitsFor(reading, TEST_DATABASE_URL, testConfig.roles.authenticator);
      expect(await until(() => lines.some((line) => line.includes(WAITING)), 30_000)).toBe(true);
      await holder.query("rollback");
      await read;
    });
    const said = lines.filter((line) => line.includes(WAITING)).join("");
    expect(said).toContain(`a lock on ${TABLE} held by pid ${pid} (postgres, idle in transaction: select)`);
    expect(said).not.toContain("typed-in-psql");
    expect(timers()).toBe(timersBefore); // none left to report again, nor to keep the process up
  });
});

// its next report came all the same, in the stop's while (its `shutdown` line logged), as the read was being cut
test("says nothing more once the stop has begun, the read still waiting", async () => {
  await whileAReadWaits(async ({ reading, holder }) => {
    const stop = new AbortController();
    const timersBefore = timers();
    const lines = await linesLoggedBy(async () => {
      const read = sayingWhatTheSchemaReadWaitsFor(reading, TEST_DATABASE_URL, testConfig.roles.authenticator, stop.signal);
      expect(timers()).toBe(timersBefore + 1); // its report, in 5 s
      stop.abort();
      expect(timers()).toBe(timersBefore);
      await holder.query("rollback");
      await read;
    });
    expect(lines.filter((line) => line.includes(WAITING))).toEqual([]);
  });
});
