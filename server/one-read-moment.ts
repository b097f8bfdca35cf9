/**
 * One answer reads one moment. The reads of a GraphQL query sent over HTTP share one read-only
 * transaction, in repeatable read, on one connection: its parts (a list's rows, its `totalCount` and
 * aggregates, several root fields) see the same committed data. Each part ran in a transaction of its
 * own, on a connection of its own: while payments came in, a cash-up's total disagreed with the sum
 * of its per-method figures, and `totalCount` with the rows of a whole page.
 *
 * The transaction is begun by the request's first read, and ended (rolled back: it wrote nothing)
 * once the response is closed and the reads under way have ended. A part that fails aborts it: the
 * parts it failed, and those after, are read again in transactions of their own, each with its own
 * answer or error, as before (a failing part is run twice). Mutations (whose writes must be committed before their answer), subscriptions
 * and websocket messages (not in an HTTP request), and every read outside GraphQL keep their own
 * transactions (`withPgSettings`).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { NextFunction, Request, Response } from "express";
import type pg from "pg";

type PgSettings = Record<string, string | undefined>;

/** A request's shared read transaction: its connection once asked for, and the reads on it under way. */
interface ReadMoment {
  shared?: Promise<{ client: pg.PoolClient; begun: Promise<void> }>;
  settings?: string;
  /** The response is closed: no more reads join the transaction. */
  over: boolean;
  /** A read failed in it: PostgreSQL aborted it, the reads after it go alone. */
  aborted: boolean;
  underWay: number;
  idle?: () => void;
}

const moments = new AsyncLocalStorage<ReadMoment>();

/** Express middleware: the request's reads may share one transaction, ended when its response closes. */
export function oneReadMomentPerRequest(_req: Request, res: Response, next: NextFunction): void {
  const moment: ReadMoment = { over: false, aborted: false, underWay: 0 };
  res.on("close", () => {
    moment.over = true;
    void endMoment(moment);
  });
  moments.run(moment, next);
}

async function endMoment(moment: ReadMoment): Promise<void> {
  if (!moment.shared) return;
  if (moment.underWay > 0) await new Promise<void>((resolve) => (moment.idle = resolve));
  const opened = await moment.shared.catch(() => null);
  if (!opened) return;
  // the read-only transaction's end: nothing to commit, and rollback ends an aborted one too
  opened.client.query("rollback").then(
    () => opened.client.release(),
    (error: Error) => opened.client.release(error),
  );
}

/**
 * Runs `fn` in the request's shared read transaction when there is one to share (a read-only
 * transaction's settings, in an HTTP request whose response is not closed, whose transaction has
 * not failed), else in a transaction of its own (`alone`).
 */
export async function inTheRequestsReadMoment<T>(
  pool: pg.Pool,
  pgSettings: PgSettings,
  readOnly: boolean,
  begin: (client: pg.PoolClient) => Promise<void>,
  fn: (client: pg.PoolClient) => Promise<T>,
  alone: () => Promise<T>,
): Promise<T> {
  const moment = moments.getStore();
  const settings = JSON.stringify(pgSettings);
  if (!moment || !readOnly || moment.over || moment.aborted || (moment.settings !== undefined && moment.settings !== settings)) return alone();
  if (!moment.shared) {
    moment.settings = settings;
    moment.shared = pool.connect().then((client) => {
      const begun = begin(client);
      begun.catch(() => {}); // awaited by each read; until then its failure is not unhandled
      return { client, begun };
    });
  }
  moment.underWay += 1;
  try {
    const { client, begun } = await moment.shared;
    if (moment.aborted) return await alone(); // a read failed while this one waited for the connection
    try {
      const result = await fn(client);
      await begun;
      return result;
    } catch {
      await begun; // a failed begin is the error to tell
      // The transaction is aborted, and which of its reads failed is not told apart: on a pipelined
      // connection the reads after the failed one get its error too. Each is read again alone, and so
      // answers its own result or error.
      moment.aborted = true;
      return await alone();
    }
  } finally {
    moment.underWay -= 1;
    if (moment.underWay === 0) moment.idle?.();
  }
}
