/**
 * One answer reads one moment. The reads of a GraphQL query sent over HTTP share one read-only
 * transaction, in repeatable read, on one connection: its parts (a list's rows, its `totalCount` and
 * aggregates, several root fields) see the same committed data. Each part ran in a transaction of its
 * own, on a connection of its own: while payments came in, a cash-up's total disagreed with the sum
 * of its per-method figures, and `totalCount` with the rows of a whole page.
 *
 * The transaction is begun by the query's first read, and ended (rolled back: it wrote nothing) as
 * soon as the query's result is computed, before it is sent (a slow client holds no connection), or
 * when the response closes first. The reads run one after another on it. A part that fails tells its
 * own error and aborts the transaction, whose connection goes back at once: the parts after it are
 * read in transactions of their own, each with its own answer or error, as before, still one after
 * another. Once the client has gone (the response closed before it was sent), the parts not yet read
 * are not read; likewise over the websocket once its connection has closed. A query sent over the
 * websocket reads each part in a transaction of its own, one after another too: a query of 160
 * parts, after a failed one or over the websocket, read them all at once, each on a connection of
 * its own, and took the whole pool from every other clinic (for minutes when its client had gone).
 * A query's parts are read until QUERY_TIMEOUT_MS has passed since it began executing; a part
 * whose turn comes later is not read (TIMEOUT): each statement had its own timeout and the
 * query none, so 500 parts, each running into the statement timeout, held a connection for 40
 * minutes. Within that time, a part waits for a connection of the pool only as long as the query has
 * left, and its statement's timeout is the statement timeout or the time the query has left, whichever is
 * shorter: a statement timeout above QUERY_TIMEOUT_MS let one slow part run for all of it, and a part
 * whose turn came as the time ran out waited up to 5 s for a connection, then read for the whole statement
 * timeout (a query of 15 s answered after 25). A part the pool has no connection for (refused by the
 * database, or none free within the pool's wait) answers UNAVAILABLE, and the parts after it are not
 * read (UNAVAILABLE): they answered its error again over HTTP, and each asked the pool again over the
 * websocket or after a failed part, waiting 5 s each on a busy pool. The rows each part reads are
 * counted against the answer's budget (MAX_ANSWER_BYTES, server/answer-budget.ts): once the parts read
 * so far reach it, a part whose turn comes is not read (LIMIT_EXCEEDED); and a part's own rows are read only until
 * their text passes twice the room left (readingWithinRoom). Mutations (whose writes must be committed before their answer), subscriptions (their
 * answers never end; refused over HTTP), and every read outside GraphQL keep their own
 * transactions (`withPgSettings`); a mutation's statements too start only within QUERY_TIMEOUT_MS of its start.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { EventEmitter } from "node:events";
import type { NextFunction, Request, Response } from "express";
import pg from "pg";
import { getOperationAST, OperationTypeNode } from "postgraphile/graphql";
import { closeNow } from "../db/pool.ts";
import { answerTooLarge, jsonCharacters } from "./answer-budget.ts";
import { ClientFacingError } from "./errors.ts";
import { onceSettled } from "./once-settled.ts";

type PgSettings = Record<string, string | undefined>;

/** A query's reads, in turn; over HTTP, in a shared read transaction: its connection once asked for, and the reads on it under way. */
interface ReadMoment {
  /** The reads may share a transaction (an HTTP request's); over the websocket each is read alone, in turn. */
  share: boolean;
  shared?: Promise<{ client: pg.PoolClient; begun: Promise<void> }>;
  /** The settings it was begun with (the request's, one object): reads of others go alone. */
  settings?: PgSettings;
  /** A query is being executed: its reads take turns and may share the transaction (a mutation's do neither). */
  open: boolean;
  /** A mutation is being executed: its statements, writes and payloads' reads, each go alone, and none starts after the deadline. */
  writing: boolean;
  /** No more reads join the transaction: the result is computed, or the response closed. */
  over: boolean;
  /** The response closed before it was sent: the reads not yet made are not made. */
  gone: boolean;
  /** A read failed in it: PostgreSQL aborted it, the reads after it go alone. */
  aborted: boolean;
  /** The pool gave the query no connection (the database refused it, or none came within the pool's wait): the reads after are not made. */
  unreachable: boolean;
  underWay: number;
  /** The end of the last read to join: the next one starts after it. */
  turn: Promise<void>;
  /** When the query's time is up (performance.now(), which a change of the wall clock does not move): a read whose turn comes after it is not made. */
  deadline: number;
  /** The statement timeout (ms) the shared transaction's statements run with: lowered to the time left as it runs out. */
  statementTimeout: number;
  /** The characters the answer may still take (MAX_ANSWER_BYTES, less the parts counted so far): none left, a part whose turn comes is not read. */
  answerRoom: number;
  /** The rows read and not yet counted: counted only as another part's turn comes (a query of one part, the day list's, counts none here). */
  uncounted: unknown[];
  ended: boolean;
}

const moments = new AsyncLocalStorage<ReadMoment>();

const newMoment = (share: boolean): ReadMoment => ({
  share, open: false, writing: false, over: false, gone: false, aborted: false, unreachable: false, underWay: 0, turn: Promise.resolve(), ended: false, deadline: Infinity, statementTimeout: Infinity, answerRoom: Infinity, uncounted: [],
});

/** Express middleware: the request's reads may share one transaction; ended at the latest when its response closes. */
export function oneReadMomentPerRequest(_req: Request, res: Response, next: NextFunction): void {
  const moment = newMoment(true);
  res.on("close", () => {
    moment.gone = !res.writableFinished;
    closeMoment(moment);
  });
  moments.run(moment, next);
}

/** No more reads join the moment; its transaction ends once the reads on it have. */
function closeMoment(moment: ReadMoment): void {
  moment.over = true;
  if (moment.underWay === 0) void endTransaction(moment);
}

async function endTransaction(moment: ReadMoment): Promise<void> {
  if (!moment.shared || moment.ended) return;
  moment.ended = true;
  const opened = await moment.shared.catch(() => null);
  if (!opened) return;
  // the read-only transaction's end: nothing to commit, and rollback ends an aborted one too
  opened.client.query("rollback").then(
    () => opened.client.release(),
    (error: Error) => opened.client.release(error),
  );
}

/**
 * A mutation's part (a field, or a read of its payload) whose turn came after the request's time was up. One
 * message for both, as a read cannot tell a write from a payload's read: the payload's error carries `saved: true`.
 */
const outOfTimeToWrite = () =>
  new ClientFacingError("TIMEOUT", "The request took too long: this part was not run. Where extensions.saved is true, its change was saved and only its answer is missing (read it in a query); otherwise nothing of it was written: send it again in a request of its own.");
/** A part not read, as its client has gone: nobody reads its answer (and its code is never sent). */
const clientGone = () => new ClientFacingError("UNAVAILABLE", "The request was closed before this part was read.");
/** A part whose turn came after the query's time was up. */
const outOfTime = () => new ClientFacingError("TIMEOUT", "The query took too long: this part was not read. Ask for fewer parts at once.");
/** A part after one the pool had no connection for: it is not asked again. */
const notReached = () => new ClientFacingError("UNAVAILABLE", "The database could not be reached for this query: this part was not read. Please try again shortly.");

/**
 * `result` as read, its rows (node-postgres' result, which PostGraphile's reads answer) kept to be taken from the
 * answer's room if another part's turn comes (roomLeft): the computed answer is counted anyway (answer-budget.ts).
 */
function counted<T>(moment: ReadMoment, result: T): T {
  const rows = (result as { rows?: unknown } | undefined)?.rows;
  if (rows !== undefined) moment.uncounted.push(rows);
  return result;
}

/**
 * The rows' text one read may take, as PostgreSQL sends it, for each character the answer may still take: a part's
 * own statement was read whole however large, then left out, and lists inside lists repeat their rows' long texts in
 * one statement (a patient's notes, a visit's reason), so that a receptionist's query of 154 characters, 10,100 rows
 * within MAX_QUERY_ROWS over 100 visits and patients with long notes and reasons, had the API parse 280 MB and build
 * its answer (3.7 s of its one thread for every clinic, and 325 MB more of its memory) before the answer's budget left
 * it out. Twice: a list reads columns it does not answer (its keys) and a row more than its page, and PostgreSQL
 * escapes the text of lists inside lists again at each level, doubling it (a quote is 2, 4, then 8 characters one, two
 * and three lists down, where JSON writes `\"`): ordinary text read two or three lists down comes to 2.0-2.6 times its
 * answer, and text full of quotes to about 4, so such an answer near the budget is refused though it would fit. No
 * factor fits every depth, and one that left escapes uncounted would let text of backslashes through uncounted: the
 * budget's default, 32 million characters, is far above what a page of a screen reads.
 */
const READ_PER_ANSWER_CHARACTER = 2;

/** The part of node-postgres' query this counts with: its rows as they come, and the error it ends with. */
interface CountedQuery {
  handleDataRow(message: { fields: unknown[] }): void;
  _canceledDueToError: unknown;
}

/**
 * `client`, whose reads by PostGraphile (a query object of text and values) are refused LIMIT_EXCEEDED once their
 * rows' text passes `moment`'s room times READ_PER_ANSWER_CHARACTER: the rows after are not parsed, and the connection
 * is closed there, so that PostgreSQL stops sending them (a cancel could reach the connection's next request,
 * another's); its transaction ends with it, and the pool drops it. A query's room is spent then, as it is by a part
 * read whole that does not fit: the parts whose turn comes after are not read. A mutation's room is not spent: each
 * statement of it is read within it (its fields run all the same, each its own write and its payload's reads).
 */
function readingWithinRoom(client: pg.PoolClient, moment: ReadMoment): pg.PoolClient {
  const most = READ_PER_ANSWER_CHARACTER * moment.answerRoom;
  if (most === Infinity) return client;
  return new Proxy(client, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (key !== "query") return typeof value === "function" ? value.bind(target) : value;
      return (config: unknown, ...rest: unknown[]) => {
        if (!config || typeof config !== "object" || !("text" in config) || "submit" in config) return (target.query as (...args: unknown[]) => unknown)(config, ...rest);
        return new Promise((resolve, reject) => {
          const query = new pg.Query(config as pg.QueryConfig, (error: Error | undefined, result: unknown) => (error ? reject(error) : resolve(result)));
          const counting = query as unknown as CountedQuery;
          const handleDataRow = counting.handleDataRow;
          let read = 0;
          counting.handleDataRow = function (message) {
            if (read <= most) {
              for (const field of message.fields) if (typeof field === "string") read += field.length;
              if (read > most && !counting._canceledDueToError) {
                counting._canceledDueToError = answerTooLarge();
                if (!moment.writing) moment.answerRoom = 0;
                closeNow(target);
              }
            }
            handleDataRow.call(this, message);
          };
          target.query(query);
        });
      };
    },
  });
}

/** The characters the answer may still take, the rows read so far counted (as they are, not serialised, and only until the room is passed). */
function roomLeft(moment: ReadMoment): number {
  for (const rows of moment.uncounted.splice(0)) if (moment.answerRoom > 0) moment.answerRoom -= jsonCharacters(rows, moment.answerRoom);
  return moment.answerRoom;
}

/**
 * A connection of `pool` had before the query's time is up, else TIMEOUT (one had later goes back unused).
 * The pool's own failure (a connection refused, none free within its wait) is this part's error, and the
 * query's later parts do not ask again.
 */
async function connectInTime(pool: Pick<pg.Pool, "connect">, moment: ReadMoment): Promise<pg.PoolClient> {
  const connecting = pool.connect().catch((error: unknown) => {
    moment.unreachable = true;
    throw error;
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(outOfTime()), moment.deadline - performance.now())));
  try {
    return await Promise.race([connecting, late]);
  } catch (error) {
    connecting.then((client) => client.release(), () => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The query's time left, in whole milliseconds (at least 1: a statement_timeout of 0 is none). */
const timeLeft = (moment: ReadMoment) => Math.max(1, Math.ceil(moment.deadline - performance.now()));

/** `pgSettings`, their statement timeout lowered to the query's time left where that is shorter. */
function inTimeLeft(moment: ReadMoment, pgSettings: PgSettings): PgSettings {
  const left = timeLeft(moment);
  return Number(pgSettings.statement_timeout) <= left ? pgSettings : { ...pgSettings, statement_timeout: String(left) };
}

/** The shared transaction's statements from now on time out when the query's time is up, where the statement timeout would come later. */
async function timeoutWithinTimeLeft(client: pg.PoolClient, moment: ReadMoment): Promise<void> {
  const left = timeLeft(moment);
  if (left >= moment.statementTimeout) return;
  moment.statementTimeout = left;
  await client.query("select set_config('statement_timeout', $1, true)", [String(left)]);
}

/**
 * Runs `fn` in the query's turn: in the request's shared read transaction when there is one to share
 * (a read-only transaction's settings, in an HTTP request whose reads are not over, whose transaction has not
 * failed), else in a transaction of its own (`alone`, given its connection and settings). Reads outside a
 * query (a mutation's), or of other settings, go alone at once. A query's reads have a connection and an
 * answer within its time (QUERY_TIMEOUT_MS), else TIMEOUT.
 */
export async function inTheRequestsReadMoment<T>(
  pool: Pick<pg.Pool, "connect">,
  pgSettings: PgSettings,
  readOnly: boolean,
  begin: (client: pg.PoolClient, pgSettings: PgSettings) => Promise<void>,
  fn: (client: pg.PoolClient) => Promise<T>,
  alone: (client: pg.PoolClient, pgSettings: PgSettings) => Promise<T>,
): Promise<T> {
  const moment = moments.getStore();
  if (moment?.writing) {
    if (performance.now() >= moment.deadline) throw outOfTimeToWrite();
    return alone(readingWithinRoom(await pool.connect(), moment), pgSettings);
  }
  if (!moment?.open || !readOnly || (moment.settings !== undefined && moment.settings !== pgSettings)) return alone(await pool.connect(), pgSettings);
  if (moment.gone) throw clientGone();
  moment.underWay += 1;
  // one read at a time, each after the one before has ended, failed or not (PostGraphile's own wrapper
  // runs them one at a time on a shared connection too, but hands a read waiting behind a failed one
  // that read's error): so a read's error is its own
  const before = moment.turn;
  let ended!: () => void;
  moment.turn = new Promise<void>((resolve) => (ended = resolve));
  try {
    await before;
    if (moment.gone) throw clientGone();
    if (performance.now() >= moment.deadline) throw outOfTime();
    if (moment.unreachable) throw notReached();
    if (roomLeft(moment) <= 0) throw answerTooLarge();
    if (moment.share && !moment.over && !moment.aborted) {
      if (!moment.shared) {
        moment.settings = pgSettings;
        moment.shared = connectInTime(pool, moment).then((client) => {
          const settings = inTimeLeft(moment, pgSettings);
          moment.statementTimeout = Number(settings.statement_timeout);
          const begun = begin(client, settings);
          begun.catch(() => {}); // awaited by each read; until then its failure is not unhandled
          return { client, begun };
        });
      }
      const { client, begun } = await moment.shared;
      try {
        await timeoutWithinTimeLeft(client, moment);
        const result = await fn(readingWithinRoom(client, moment));
        await begun;
        return counted(moment, result);
      } catch (error) {
        moment.aborted = true; // the reads after this one are read alone
        void endTransaction(moment); // no read is on its connection any more
        await begun; // a failed begin is the error to tell
        throw error;
      }
    }
    // over the websocket, or an earlier read failed, aborting the transaction: read alone, in turn
    const client = await connectInTime(pool, moment);
    return counted(moment, await alone(readingWithinRoom(client, moment), inTimeLeft(moment, pgSettings)));
  } finally {
    ended();
    moment.underWay -= 1;
    // the connection goes back once no read is on it and the moment is over
    if (moment.underWay === 0 && moment.over) void endTransaction(moment);
  }
}

/** ws's readyState of a connection closing (2) or closed (3). */
const WEBSOCKET_CLOSING = 2;

/**
 * The queries in flight over each websocket, told at once when it closes: one listener of its close per
 * connection, not one per query (a page's queries sent at once over its socket added one each, and Node warned
 * of an EventEmitter leak past 10).
 */
const queriesOver = new WeakMap<EventEmitter, Set<ReadMoment>>();

/** `moment`'s query is in flight over `websocket`: it is gone once the connection closes. Returns its end. */
function followedOver(websocket: EventEmitter & { readyState: number }, moment: ReadMoment): () => void {
  if (websocket.readyState >= WEBSOCKET_CLOSING) {
    moment.gone = true;
    return () => {};
  }
  let queries = queriesOver.get(websocket);
  if (!queries) {
    const inFlight = new Set<ReadMoment>();
    queriesOver.set(websocket, (queries = inFlight));
    websocket.once("close", () => {
      for (const query of inFlight) query.gone = true;
      inFlight.clear();
    });
  }
  queries.add(moment);
  return () => void queries.delete(moment);
}

/** The websocket a query came over (grafserv's requestContext.ws.socket), if any. */
function websocketOf(requestContext: unknown): EventEmitter & { readyState: number } | undefined {
  const socket = (requestContext as { ws?: { socket?: unknown } } | undefined)?.ws?.socket;
  return socket instanceof EventEmitter && typeof (socket as { readyState?: unknown }).readyState === "number"
    ? (socket as EventEmitter & { readyState: number })
    : undefined;
}

/**
 * A mutation's statements, each alone (its writes, and the reads of each field's payload), start within
 * `queryTimeoutMs` of its execution's start: a field whose turn comes later is not run (TIMEOUT, nothing
 * of it written), and a payload read not read (TIMEOUT, `saved: true`, as its write stood). A statement
 * under way is not cut (a write is committed whole or not at all): a mutation's statements end within that
 * time and one statement timeout. They had no time at all: 100 fields, each reading in its payload a list
 * that ran into the statement timeout (`query { patients(filter: …) }`, or a related list), held a
 * connection for 8 minutes, the client gone or not. Each statement's rows are read while their text is within twice
 * `maxAnswerCharacters` (readingWithinRoom: a payload's lists inside lists were read whole, 10 s and 5.6 s of the
 * API's one thread for 10,100 rows with long notes).
 */
function withinTime<R>(next: () => R, queryTimeoutMs: number, maxAnswerCharacters: number): R {
  const inRequest = moments.getStore();
  const moment = inRequest ?? newMoment(false);
  moment.writing = true;
  moment.deadline = performance.now() + queryTimeoutMs;
  moment.answerRoom = maxAnswerCharacters;
  return inRequest ? next() : moments.run(moment, next);
}

/**
 * Only a query's reads share the transaction, from its execution's start, and they end when its
 * result is computed: the transaction ends then, before the result is sent. A mutation's reads are
 * not read-only, and a subscription's answer never ends (one sent over HTTP is refused before it runs:
 * server/subscriptions-over-websockets.ts). (A result delivered in parts is left to the response's close.)
 * A query's reads are made within `queryTimeoutMs` of its execution's start, and while those made so far
 * have read fewer than `maxAnswerCharacters`.
 */
export const oneReadMomentPlugin = (queryTimeoutMs: number, maxAnswerCharacters: number): GraphileConfig.Plugin => ({
  name: "ClinicOpsOneReadMomentPlugin",
  version: "1.0.0",
  grafast: {
    middleware: {
      execute(next, event) {
        const { document, operationName } = event.args;
        const operation = getOperationAST(document, operationName)?.operation;
        if (operation === OperationTypeNode.MUTATION) return withinTime(next, queryTimeoutMs, maxAnswerCharacters);
        if (operation !== OperationTypeNode.QUERY) return next();
        const inRequest = moments.getStore();
        // a websocket message's query: its reads take turns (not in an HTTP request, there is none to share)
        const moment = inRequest ?? newMoment(false);
        moment.open = true;
        moment.deadline = performance.now() + queryTimeoutMs;
        moment.answerRoom = maxAnswerCharacters;
        moment.uncounted = [];
        // over the websocket, its client gone (the connection closed) reads no more parts: they went on
        // being read, one after another, for as long as they took, with nobody to read the answer
        const websocket = inRequest ? undefined : websocketOf(event.args.requestContext);
        const settled = websocket ? followedOver(websocket, moment) : () => {};
        const failed = (error: unknown): never => {
          settled();
          closeMoment(moment);
          throw error;
        };
        let result: ReturnType<typeof next>;
        try {
          result = inRequest ? next() : moments.run(moment, next);
        } catch (error) {
          return failed(error);
        }
        const computed = <R>(outcome: R): R => {
          settled();
          if (!(outcome && typeof outcome === "object" && Symbol.asyncIterator in outcome)) closeMoment(moment);
          return outcome;
        };
        return onceSettled(result, computed, failed);
      },
    },
  },
});
