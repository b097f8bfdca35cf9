/**
 * Two members' transactions open at once, and whether a query of one waits
 * for the other's lock: for tests of what happens when two clicks race.
 */
import type pg from "pg";
import { apiPool, rootPool } from "./database.ts";
import { addMember, beginAs, createUser, openSession, type TestMember } from "./fixtures.ts";
import { until } from "./until.ts";

/** The server process of each connection of the test, to ask PostgreSQL whether it waits for a lock. */
const backendOf = new WeakMap<pg.ClientBase, number>();

/**
 * Notes the server process of `client` (before it has a statement in flight: a client answers one at a
 * time), for waitsFor and waitsForLock; returns it.
 */
export async function trackBackend(client: pg.ClientBase): Promise<number> {
  const pid = (await client.query("select pg_backend_pid() as pid")).rows[0].pid as number;
  backendOf.set(client, pid);
  return pid;
}

/** Whether the statement in flight on `waiting` is seen waiting for a lock that `holder` holds (within 5 s); both tracked. */
export async function waitsFor(waiting: pg.ClientBase, holder: pg.ClientBase): Promise<boolean> {
  const [pid, holderPid] = [backendOf.get(waiting), backendOf.get(holder)];
  if (pid === undefined || holderPid === undefined) throw new Error("trackBackend() both connections first");
  return until(async () => (await rootPool().query("select $2::int = any (pg_blocking_pids($1)) as waits", [pid, holderPid])).rows[0].waits);
}

/** Two members' transactions (in their own clinics' sessions), open at once; both rolled back unless `fn` commits them. */
export async function atOnce(a: TestMember, b: TestMember, fn: (a: pg.PoolClient, b: pg.PoolClient) => Promise<void>) {
  const clients = [await apiPool().connect(), await apiPool().connect()];
  try {
    for (const client of clients) await trackBackend(client);
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
export async function waitsForLock(client: pg.ClientBase, query: Promise<unknown>): Promise<boolean> {
  let ended = false;
  void query.finally(() => (ended = true));
  for (const end = Date.now() + 5000; !ended && Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const { rows } = await rootPool().query("select cardinality(pg_blocking_pids($1)) > 0 as blocked", [backendOf.get(client)]);
    if (rows[0].blocked) return true;
  }
  return false;
}

/**
 * A statement under way on a connection of its own, as the session `as` (or the operator, without one), after `before`
 * (planner settings, say) in its transaction, committed as it ends: its first row's `result` (null for a statement that
 * returns no row), or its error's message.
 */
export async function underWay(sql: string, params: unknown[], as: string | null = null, before = "") {
  const client = await (as ? apiPool() : rootPool()).connect();
  await trackBackend(client);
  if (as) await beginAs(client, as);
  else await client.query("begin");
  if (before) await client.query(before);
  const result = client
    .query(sql, params)
    .then(
      async (r) => (await client.query("commit"), r.rows[0]?.result ?? null),
      async (error: Error) => (await client.query("rollback"), error.message),
    )
    .finally(() => client.release());
  return { client, result };
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


/**
 * Runs `write` in a transaction of its own, committed, with `triggers` (table, trigger) off for it
 * alone and every other trigger on (the audit's, the codes'): rows as a rule added since would not
 * let them be written. The triggers go off once their tables are free (beginWhenFree); a failure
 * rolls back, the triggers with it.
 */
export async function withTriggersOff(triggers: [table: string, trigger: string][], write: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const switched = (to: "enable" | "disable") => triggers.map(([table, trigger]) => `alter table ${table} ${to} trigger ${trigger}`).join("; ");
  const client = await rootPool().connect();
  try {
    await beginWhenFree(client, switched("disable"));
    await client.query("set local lock_timeout = 0");
    await write(client);
    await client.query(switched("enable"));
    await client.query("commit");
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    client.release();
  }
}

/** A transaction of its own that holds what a statement locked: whether another connection waits for it, and its end. */
export interface Held {
  client: pg.PoolClient;
  /**
   * Whether `count` other connections (one unless told) are seen waiting for a lock this one holds, or for one held by
   * a connection that waits so (queued behind another waiter), within 5 s.
   */
  blocking(count?: number): Promise<boolean>;
  /** Rolls the transaction back, letting go of its locks (again after it, nothing). */
  release(): Promise<void>;
}

/** Runs `fn` while a transaction of its own holds what `statement` locks; rolled back after `fn`, if `fn` did not. */
export async function whileHolding<T>(statement: string, params: unknown[], fn: (held: Held) => Promise<T>): Promise<T> {
  const client = await rootPool().connect();
  let open = true;
  const release = async () => {
    if (open) await client.query("rollback");
    open = false;
  };
  try {
    await client.query("begin");
    await client.query(statement, params);
    const pid = (await client.query("select pg_backend_pid() as pid")).rows[0].pid as number;
    const blocking = (count = 1) =>
      until(
        async () =>
          (
            await rootPool().query(
              `with recursive behind (pid) as (
                 select $1::int
                 union select a.pid from pg_stat_activity a join behind b on b.pid = any (pg_blocking_pids(a.pid))
               )
               select count(*) - 1 >= $2 as waits from behind`,
              [pid, count],
            )
          ).rows[0].waits,
      );
    return await fn({ client, blocking, release });
  } finally {
    await release();
    client.release();
  }
}

/**
 * `acts` and a deactivation of a person with a session in each of the clinics `lo` and `hi` (whose ids sort so), which
 * takes their chains' heads in the order of their ids, at once: `hi`'s head held by another transaction, each act queued
 * behind it in turn (seen waiting, directly or behind the acts before it), then the deactivation (seen waiting), then the
 * head let go. An act that took `hi`'s head before `lo`'s deadlocked with it, the deactivation holding `lo`'s ("deadlock
 * detected", one undone). Answers every outcome, as each act's answer and then underWay's: all null when all went through.
 */
export async function besideADeactivation([lo, hi]: [string, string], ...acts: (() => Promise<unknown>)[]): Promise<unknown[]> {
  const person = await createUser();
  for (const clinicId of [lo, hi]) {
    await addMember(clinicId, person, "doctor");
    await openSession(person.userId, clinicId);
  }
  return whileHolding("select from app_private.audit_chain_head where chain_id = $1 for update", [hi], async (head) => {
    const acting: Promise<unknown>[] = [];
    for (const act of acts) {
      acting.push(act());
      if (!(await head.blocking(acting.length))) throw new Error(`act ${acting.length} was never seen waiting for the held chain head`);
    }
    const deactivation = await underWay('update app_public."user" set is_active = false where id = $1', [person.userId]);
    if (!(await waitsForLock(deactivation.client, deactivation.result))) throw new Error("the deactivation was never seen waiting");
    await head.release();
    return Promise.all([...acting, deactivation.result]);
  });
}
