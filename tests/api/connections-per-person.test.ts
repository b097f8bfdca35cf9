/**
 * One person's GraphQL requests hold at most half of the API's pool (server/connections-per-person.ts): a
 * member of one clinic sending many slow requests at once leaves the other clinics connections to answer with.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { createClinic, type TestClinic } from "../support/fixtures.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";
import { beginWhenFree } from "../support/locks.ts";
import { until } from "../support/until.ts";

const APPLICATION = "clinicops-connections-per-person-test";
let api: TestApi;
let a: TestClinic;
let b: TestClinic;
beforeAll(async () => {
  api = await startApi({ DATABASE_POOL_SIZE: "4", STATEMENT_TIMEOUT_MS: "3000" }, { applicationName: APPLICATION });
  a = await createClinic("Busy clinic");
  b = await createClinic("Other clinic");
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

// 8 queries at once of one receptionist, each waiting for a lock, took the pool's 4 connections, and another
// clinic's owner waited its 5 s for one: UNAVAILABLE
test("a person's requests at once, each waiting for a lock, hold half of the pool: another clinic's request is answered meanwhile", async () => {
  const receptionist = new Browser(api);
  await receptionist.login(a.members.receptionist.phone, a.members.receptionist.password);
  const owner = new Browser(api);
  await owner.login(b.members.owner.phone, b.members.owner.password);
  const holder = await rootPool().connect();
  let slow: Promise<unknown>[] = [];
  try {
    await beginWhenFree(holder, "lock table app_public.service in access exclusive mode");
    slow = Array.from({ length: 8 }, () => receptionist.graphql(`{ services(first: 1) { nodes { code } } }`));
    const waiting = async () =>
      (await rootPool().query("select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = $1 and wait_event_type = 'Lock'", [
        APPLICATION,
      ])).rows[0].n;
    expect(await until(async () => (await waiting()) >= 2)).toBe(true);
    const started = performance.now();
    const answer = await owner.graphql(`{ currentClinic { name } patients(first: 1) { totalCount } }`);
    expect(answer.body).toEqual({ data: { currentClinic: { name: "Other clinic" }, patients: { totalCount: 0 } } });
    expect(performance.now() - started).toBeLessThan(2000);
    // the receptionist's reads that hold a connection: their share, 2 of 4, however long they wait
    expect(await waiting()).toBe(2);
  } finally {
    await holder.query("rollback");
    holder.release();
    await Promise.all(slow);
  }
});
