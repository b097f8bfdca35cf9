/**
 * Two members' transactions open at once, and whether a query of one waits
 * for the other's lock: for tests of what happens when two clicks race.
 */
import type pg from "pg";
import { apiPool, rootPool } from "./database.ts";
import { beginAs, openSession, type TestMember } from "./fixtures.ts";

/** The server process of each connection of the test, to ask PostgreSQL whether it waits for a lock. */
const backendOf = new WeakMap<pg.PoolClient, number>();

/** Two members' transactions (in their own clinics' sessions), open at once; both rolled back unless `fn` commits them. */
export async function atOnce(a: TestMember, b: TestMember, fn: (a: pg.PoolClient, b: pg.PoolClient) => Promise<void>) {
  const clients = [await apiPool().connect(), await apiPool().connect()];
  try {
    for (const client of clients) backendOf.set(client, (await client.query("select pg_backend_pid() as pid")).rows[0].pid);
    await beginAs(clients[0], await openSession(a.userId, a.clinicId));
    await beginAs(clients[1], await openSession(b.userId, b.clinicId));
    await fn(clients[0], clients[1]);
  } finally {
    for (const client of clients) {
      await client.query("rollback");
      client.release();
    }
  }
}

/** What a query in flight ends with: its rows, or its error's code. */
export const outcome = (query: Promise<pg.QueryResult>) =>
  query.then(
    (r) => r.rows,
    (error: { code?: string }) => error.code,
  );

/** Whether the query in flight on `client` is seen waiting for another transaction's lock (within 5 s), before it ends. */
export async function waitsForLock(client: pg.PoolClient, query: Promise<unknown>): Promise<boolean> {
  let ended = false;
  void query.finally(() => (ended = true));
  for (const end = Date.now() + 5000; !ended && Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const { rows } = await rootPool().query("select cardinality(pg_blocking_pids($1)) > 0 as blocked", [backendOf.get(client)]);
    if (rows[0].blocked) return true;
  }
  return false;
}

/**
 * Begins a transaction on `client` and runs `statement` in it once the locks it needs are free
 * (lock_timeout 100 ms, tried again until then), leaving the transaction open. Queued behind
 * another test file's transaction instead, a lock statement would stall that file's every query
 * on the table meanwhile.
 */
export async function beginWhenFree(client: pg.ClientBase, statement: string): Promise<void> {
  for (;;) {
    await client.query("begin");
    await client.query("set local lock_timeout = '100ms'");
    try {
      await client.query(statement);
      return;
    } catch (error) {
      await client.query("rollback");
      if ((error as { code?: string }).code !== "55P03") throw error; // lock_not_available: not free yet
    }
  }
}

