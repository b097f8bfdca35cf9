/**
 * One person's requests (GraphQL, downloads of exports), one clinic's, and GraphQL's without a session all together,
 * hold at most half of the API's pool (server/connections-per-person.ts): members of one clinic sending many slow requests at once leave the other
 * clinics connections to answer with; a logout, and a password change, take a connection of their own beside those
 * shares.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { createClinic, type TestClinic } from "../support/fixtures.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";
import { beginWhenFree } from "../support/locks.ts";
import { until } from "../support/until.ts";
import { randomUUID } from "node:crypto";
import type pg from "pg";

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

/** How many of the test API's connections wait for a lock. */
const waitingForLocks = async (): Promise<number> =>
  (await rootPool().query("select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = $1 and wait_event_type = 'Lock'", [
    APPLICATION,
  ])).rows[0].n;

/**
 * While `hold` (run in a transaction of its own) holds a lock, members of clinic A (`senders`, by default its
 * receptionist) send 8 requests at once (`send`, by turns), each waiting for that lock: another clinic's owner is
 * answered meanwhile, in time, and clinic A's requests that hold a connection are its share, 2 of 4, however long
 * they wait. Answers what they ended with.
 */
async function halfThePool<T>(
  hold: (holder: pg.PoolClient) => Promise<unknown>,
  send: (member: Browser) => Promise<T>,
  senders: ("receptionist" | "owner")[] = ["receptionist"],
): Promise<T[]> {
  const members = await Promise.all(
    senders.map(async (role) => {
      const member = new Browser(api);
      await member.login(a.members[role].phone, a.members[role].password);
      return member;
    }),
  );
  const owner = new Browser(api);
  await owner.login(b.members.owner.phone, b.members.owner.password);
  const holder = await rootPool().connect();
  let slow: Promise<T>[] = [];
  try {
    await hold(holder);
    slow = Array.from({ length: 8 }, (_, i) => send(members[i % members.length]));
    expect(await until(async () => (await waitingForLocks()) >= 2)).toBe(true);
    const started = performance.now();
    const answer = await owner.graphql(`{ currentClinic { name } patients(first: 1) { totalCount } }`);
    expect(answer.body).toEqual({ data: { currentClinic: { name: "Other clinic" }, patients: { totalCount: 0 } } });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await waitingForLocks()).toBe(2);
  } finally {
    await holder.query("rollback");
    holder.release();
  }
  return Promise.all(slow);
}

// 8 queries at once of one receptionist, each waiting for a lock, took the pool's 4 connections, and another
// clinic's owner waited its 5 s for one: UNAVAILABLE
test("a person's requests at once, each waiting for a lock, hold half of the pool: another clinic's request is answered meanwhile", async () => {
  await halfThePool(
    (holder) => beginWhenFree(holder, "lock table app_public.service in access exclusive mode"),
    (receptionist) => receptionist.graphql(`{ services(first: 1) { nodes { code } } }`),
  );
});

// the share was a person's alone: a clinic's owner and receptionist, 4 queries each at once, each waiting for a lock,
// took the pool's 4 connections, and another clinic's owner waited its 5 s for one: UNAVAILABLE
test("a clinic's requests at once, of two of its members, hold half of the pool: another clinic's request is answered meanwhile", async () => {
  await halfThePool(
    (holder) => beginWhenFree(holder, "lock table app_public.service in access exclusive mode"),
    (member) => member.graphql(`{ services(first: 1) { nodes { code } } }`),
    ["receptionist", "owner"],
  );
});

// GraphQL's requests without a session were counted in no share: anyone's 8 queries at once of who is logged in, each
// waiting for a lock (or slow by aliases: 40 asking normalizePhone 480 times each held a pool of 20 for seconds), took
// the pool's 4 connections, and a clinic's owner waited its 5 s for one: UNAVAILABLE
test("GraphQL's requests without a session at once, each waiting for a lock, hold half of the pool all together: a clinic's request is answered meanwhile", async () => {
  const answers = await halfThePool(
    (holder) => beginWhenFree(holder, 'lock table app_public."user" in access exclusive mode'),
    async () => {
      const answer = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ currentUser { rowId } }" }) });
      return (await answer.json()) as { errors?: { extensions: { code: string } }[] };
    },
  );
  // each null once it had its turn (one past the share's wait, or its statement's timeout: UNAVAILABLE, TIMEOUT)
  for (const answer of answers) expect([undefined, "UNAVAILABLE", "TIMEOUT"]).toContain(answer.errors?.[0].extensions.code);
});

// the downloads of exports (GET /exports/:id) took connections outside the share: a download is a write transaction
// that first takes its clinic's turn to write (it is audited), so a receptionist's 8 downloads at once, of any id,
// while the clinic's turn was held (a long write of the clinic) took the pool's 4 connections, and another clinic's
// request waited its 5 s for one: UNAVAILABLE
test("a person's downloads at once, each waiting for the clinic's turn to write, hold half of the pool with their other requests", async () => {
  const statuses = await halfThePool(
    // a write of clinic A that takes its time: its turn held
    async (holder) => {
      await holder.query("begin");
      await holder.query("select pg_advisory_xact_lock(hashtextextended('write_turn:' || $1, 0))", [a.clinicId]);
    },
    async (receptionist) => {
      const download = await fetch(`${api.url}/exports/${randomUUID()}`, { headers: { cookie: receptionist.cookie! } });
      await download.text();
      return download.status;
    },
  );
  // each a guess, no such export, once it had its turn (one past the share's wait: UNAVAILABLE)
  for (const status of statuses) expect([404, 503]).toContain(status);
});

// a logout (and a password change, which ends the person's other sessions) took its connection within the person's
// share: their slow requests at once (a stolen cookie's, sent again as each ended) kept it full, and the logout waited
// its 5 s and answered UNAVAILABLE, the session kept, for as long as they went on
test("a person's logout, while their requests at once hold their share of the pool, is answered at once and ends the session", async () => {
  const receptionist = new Browser(api);
  await receptionist.login(a.members.receptionist.phone, a.members.receptionist.password);
  const cookie = receptionist.cookie;
  const holder = await rootPool().connect();
  let slow: Promise<unknown>[] = [];
  try {
    await beginWhenFree(holder, "lock table app_public.service in access exclusive mode");
    slow = Array.from({ length: 8 }, () => receptionist.graphql(`{ services(first: 1) { nodes { code } } }`));
    expect(await until(async () => (await waitingForLocks()) >= 2)).toBe(true);
    const started = performance.now();
    const logout = await receptionist.post("/auth/logout", {});
    expect(logout.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2000);
  } finally {
    await holder.query("rollback");
    holder.release();
    await Promise.all(slow);
  }
  const ended = new Browser(api);
  ended.cookie = cookie;
  expect((await ended.graphql("{ currentClinic { name } }")).body.errors?.[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
});
