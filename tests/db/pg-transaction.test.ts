/**
 * The way every API transaction runs (server/pg-transaction.ts): the role
 * and claims are applied exactly as given, whatever they contain, and live
 * only as long as the transaction, so a pooled connection never carries one
 * request's identity into the next; on the API's pipelined connections as on
 * plain ones. A read-only transaction refuses writes, and its connection is
 * not reused before its commit is done. A clinic's session takes its
 * clinic's time zone as it is at that transaction's start.
 */
import { EventEmitter } from "node:events";
import { jest } from "@jest/globals";
import type { Request, Response } from "express";
import pg from "pg";
import { parse } from "postgraphile/graphql";
import { oneReadMomentPlugin, oneReadMomentPerRequest } from "../../server/one-read-moment.ts";
import { apiPool, beginWithSettings, pgService, READ_ONLY, withPgSettings } from "../../server/pg-transaction.ts";
import { until } from "../support/until.ts";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { createClinic } from "../support/fixtures.ts";

// one connection each: the next transaction is sure to reuse the previous one's
const pools = {
  "pipelined (the API's)": apiPool(testConfig.authenticatorUrl, 1),
  "one query at a time": new pg.Pool({ connectionString: testConfig.authenticatorUrl, max: 1 }),
};
afterAll(async () => {
  await Promise.all(Object.values(pools).map((pool) => pool.end()));
  await closeRootPool();
});

const WHO = "select current_user as role, coalesce(current_setting('clinicops.claim', true), '') as claim";

describe.each(Object.entries(pools))("on a %s connection", (_kind, pool) => {
  test("settings reach PostgreSQL literally, quotes and backslashes included", async () => {
    const awkward = String.raw`it's a \'; select 1; --\\ value`;
    const seen = await withPgSettings(pool, { role: testConfig.roles.visitor, "clinicops.claim": awkward }, async (client) =>
      (await client.query(WHO)).rows[0],
    );
    expect(seen).toEqual({ role: testConfig.roles.visitor, claim: awkward });
  });

  test("settings end with the transaction", async () => {
    await withPgSettings(pool, { role: testConfig.roles.visitor, "clinicops.claim": "a-session" }, async () => {});
    const client = await pool.connect();
    try {
      expect((await client.query(WHO)).rows[0]).toEqual({ role: testConfig.roles.authenticator, claim: "" });
    } finally {
      client.release();
    }
  });

  test("a failure rolls back everything the transaction did, and the error reaches the caller", async () => {
    const failing = withPgSettings(pool, { "clinicops.claim": "failing" }, async (client) => {
      await client.query("select set_config('clinicops.probe', 'written', false)");
      throw new Error("the work failed");
    });
    await expect(failing).rejects.toThrow("the work failed");
    const client = await pool.connect();
    try {
      const { rows } = await client.query("select current_setting('clinicops.probe', true) as probe");
      expect(rows[0].probe ?? "").toBe("");
    } finally {
      client.release();
    }
  });

  test("a setting left undefined is not sent, and no settings at all still open a transaction", async () => {
    const client = await pool.connect();
    try {
      await beginWithSettings(client, { "clinicops.claim": undefined });
      const { rows } = await client.query("select now() = statement_timestamp() as new_statement, coalesce(current_setting('clinicops.claim', true), '') as claim");
      expect(rows[0]).toEqual({ new_statement: false, claim: "" });
      await client.query("rollback");
    } finally {
      client.release();
    }
  });

  test("a failed begin is the error reported, and the connection serves the next transaction", async () => {
    const failing = withPgSettings(pool, { role: "no_such_role" }, (client) => client.query("select 1"));
    await expect(failing).rejects.toThrow('role "no_such_role" does not exist');
    const seen = await withPgSettings(pool, { role: testConfig.roles.visitor }, async (client) => (await client.query(WHO)).rows[0]);
    expect(seen).toEqual({ role: testConfig.roles.visitor, claim: "" });
  });

  test("a read-only transaction refuses writes and rolls back", async () => {
    const writing = withPgSettings(pool, { ...READ_ONLY }, (client) => client.query("create temporary table probe (n int)"));
    await expect(writing).rejects.toThrow("cannot execute CREATE TABLE in a read-only transaction");
  });

  test("a read-only transaction's connection is reused only after its commit", async () => {
    const first = await withPgSettings(pool, { ...READ_ONLY, "clinicops.claim": "first" }, async (client) =>
      (await client.query("select txid_current_if_assigned() is null as reading, pg_backend_pid() as pid")).rows[0],
    );
    expect(first.reading).toBe(true);
    const next = await withPgSettings(pool, {}, async (client) =>
      (await client.query(`${WHO}, pg_backend_pid() as pid, current_setting('transaction_read_only') as read_only`)).rows[0],
    );
    expect(next).toEqual({ role: testConfig.roles.authenticator, claim: "", pid: first.pid, read_only: "off" });
  });

  test("a clinic's session takes its clinic's time zone as it is now, as the login role, before any role is set", async () => {
    const clinic = await createClinic("Time zone clinic");
    const zoneOf = (clinicId: string) =>
      // read-only: a write transaction also takes the clinic's turn (take_clinic_write_turn), which only a session's role may
      withPgSettings(pool, { "jwt.claims.clinic_id": clinicId, ...READ_ONLY }, async (client) =>
        (await client.query("select current_setting('timezone') as zone, current_user as role")).rows[0],
      );
    await rootPool().query("update app_public.clinic set timezone = 'Asia/Tokyo' where id = $1", [clinic.clinicId]);
    expect(await zoneOf(clinic.clinicId)).toEqual({ zone: "Asia/Tokyo", role: testConfig.roles.authenticator });
    await rootPool().query("update app_public.clinic set timezone = 'America/Lima' where id = $1", [clinic.clinicId]);
    expect(await zoneOf(clinic.clinicId)).toEqual({ zone: "America/Lima", role: testConfig.roles.authenticator });
    // a clinic that does not exist (or no longer does) is UTC, not the connection's last zone
    expect(await zoneOf("00000000-0000-0000-0000-000000000000")).toEqual({ zone: "UTC", role: testConfig.roles.authenticator });
  });
});

test("an idle connection of the API's pool closed by the server is replaced, and the process goes on", async () => {
  const pool = apiPool(testConfig.authenticatorUrl, 1);
  try {
    const pidOf = () => withPgSettings(pool, {}, async (client) => (await client.query("select pg_backend_pid() as pid")).rows[0].pid as number);
    const first = await pidOf();
    await rootPool().query("select pg_terminate_backend($1)", [first]); // as a restart of PostgreSQL would
    for (let tries = 0; tries < 100 && pool.idleCount > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pool.idleCount).toBe(0); // the closed connection left the pool, heard and not thrown
    const next = await pidOf();
    expect(next).not.toBe(first);
  } finally {
    await pool.end();
  }
});

describe("a GraphQL query's reads over HTTP (server/one-read-moment.ts)", () => {
  const pool = apiPool(testConfig.authenticatorUrl, 3);
  afterAll(() => pool.end());
  const withPgClient = pgService(pool).adaptor.createWithPgClient(undefined as never) as unknown as (
    settings: Record<string, string>,
    callback: (client: { query(q: { text: string }): Promise<{ rows: Record<string, unknown>[] }> }) => Promise<unknown>,
  ) => Promise<unknown>;
  const read = (text: string) =>
    withPgClient(READ_ONLY, async (client) => (await client.query({ text })).rows[0]) as Promise<Record<string, unknown>>;
  const MOMENT = "select now()::text as began, current_setting('transaction_isolation') as isolation";
  const execute = oneReadMomentPlugin(60_000, 32_000_000).grafast!.middleware!.execute as unknown as (next: () => unknown, event: unknown) => Promise<unknown>;
  const inUse = () => pool.totalCount - pool.idleCount;

  /**
   * Runs `fn` as a request's operation `source` would be executed, under the middleware and the plugin; the
   * response closes once `fn` ends. `during` runs after `fn`, before the response closes.
   */
  async function inARequest<T>(source: string, fn: () => Promise<T>, during: () => void = () => {}): Promise<T> {
    const res = new EventEmitter();
    const answer = await new Promise<T>((resolve, reject) =>
      oneReadMomentPerRequest({} as Request, res as Response, () =>
        void (execute(fn, { args: { document: parse(source) } }) as Promise<T>).then(resolve, reject),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 50)); // a rollback's answer
    during();
    res.emit("close");
    return answer;
  }

  // each part of an answer read its own moment: a cash-up's total and its per-method sums disagreed while payments came in
  test("share one transaction, in repeatable read; a mutation's and a subscription's reads do not, nor reads outside a request", async () => {
    const twoReads = async () => {
      const first = await read(MOMENT);
      await new Promise((resolve) => setTimeout(resolve, 20)); // another transaction's moment would be later
      return [first, await read(MOMENT)];
    };
    const [first, second] = await inARequest("{ __typename }", twoReads);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ isolation: "repeatable read" });
    // a subscription sent over HTTP held its connection in the transaction until its client left
    for (const source of ["mutation { __typename }", "subscription { __typename }"]) {
      const [one, other] = await inARequest(source, twoReads);
      expect(other.began).not.toBe(one.began);
    }
    const alone = await twoReads(); // a websocket's message
    expect(alone[1].began).not.toBe(alone[0].began);
  });

  // held until the response closed, a slow client's download held a connection of the pool
  test("end when the query's result is computed, before it is sent", async () => {
    let held = -1;
    await inARequest("{ __typename }", () => read(MOMENT), () => (held = inUse()));
    expect(held).toBe(0);
  });

  // a query's time was measured on the wall clock: set an hour ahead meanwhile (an NTP step), its parts not yet read answered TIMEOUT
  test("a query's time is its own, not the wall clock's: a clock set ahead while it runs cuts none of its parts", async () => {
    const parts = await inARequest("{ __typename }", async () => {
      const first = await read(MOMENT);
      const now = Date.now();
      const ahead = jest.spyOn(Date, "now").mockImplementation(() => now + 3_600_000);
      try {
        return [first, await read(MOMENT)];
      } finally {
        ahead.mockRestore();
      }
    });
    expect(parts[1]).toEqual(parts[0]);
  });

  test("a part that fails tells its own error, once, and the parts after it are read alone, each with its own answer", async () => {
    const parts = await inARequest("{ __typename }", () =>
      Promise.allSettled([read(MOMENT), read("select 1 / 0 as never"), read("select 'after' as part")]),
    );
    expect(parts.map((part) => (part.status === "fulfilled" ? part.value : (part.reason as { code: string }).code))).toEqual([
      expect.objectContaining({ isolation: "repeatable read" }),
      "22012", // division_by_zero
      { part: "after" },
    ]);
    expect(await until(() => inUse() === 0)).toBe(true);
  });
});
