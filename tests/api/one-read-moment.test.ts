/**
 * A query's reads in one transaction (server/one-read-moment.ts), on an API of two connections, as an
 * attacker of it would use it (reviewers' finds): a query with a failing part, a client that reads
 * no answer or leaves before it, a statement that runs into the timeout, a query over the websocket
 * (a subscription sent over HTTP is refused before it runs: tests/api/visit-queue.test.ts), a database that
 * refuses connections or a pool with none free. None may
 * keep the pool from other clients, nor read more than one part at a time, and each answers as it
 * did when every read had its own transaction.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { closeRootPool, rootPool } from "../support/database.ts";
import { createClinic, createPatient, type TestClinic } from "../support/fixtures.ts";
import { answerOverTheWebsocket, Browser, startApi, type GraphQLAnswer, type TestApi } from "../support/api.ts";
import { beginWhenFree } from "../support/locks.ts";
import { until } from "../support/until.ts";

const APPLICATION = "clinicops-one-read-moment-test";
let api: TestApi;
let clinic: TestClinic;
let owner: Browser;
/** The owner on an API that reads a query's parts for 1.5 s (QUERY_TIMEOUT_MS). */
let hurried: Browser;
let hurriedApi: TestApi;

beforeAll(async () => {
  // a statement timeout of 1 s: the table locked below stalls other test files' statements of it for as long
  api = await startApi({ DATABASE_POOL_SIZE: "2", STATEMENT_TIMEOUT_MS: "1000" }, { applicationName: APPLICATION });
  clinic = await createClinic("Two connections clinic");
  await createPatient(clinic.clinicId);
  owner = new Browser(api);
  await owner.login(clinic.members.owner.phone, clinic.members.owner.password);
  hurriedApi = await startApi({ DATABASE_POOL_SIZE: "2", STATEMENT_TIMEOUT_MS: "1000", QUERY_TIMEOUT_MS: "1500" }, { applicationName: APPLICATION });
  hurried = new Browser(hurriedApi);
  await hurried.login(clinic.members.owner.phone, clinic.members.owner.password);
});
afterAll(async () => {
  await hurriedApi.close();
  await api.close();
  await closeRootPool();
});

/** Whether another client is answered while the pool's two connections could be held. */
async function anotherClientIsAnswered(): Promise<boolean> {
  const answer = await owner.graphql(`{ currentClinic { name } }`);
  return answer.body.data?.currentClinic?.name === "Two connections clinic";
}

// each kept its shared connection and waited for a second one to read its other parts: UNAVAILABLE after 5 s, everyone's
test("queries with a failing part, sent at once by as many clients as the pool has connections, answer each part", async () => {
  const WITH_A_FAILING_PART = `{
    before: patients(first: 1) { totalCount }
    bad: dashboard(fromDate: "2026-02-01", toDate: "2026-01-01") { revenue }
    after: patients(first: 1) { totalCount }
  }`;
  const answers = await Promise.all([0, 1, 2].map(() => owner.graphql(WITH_A_FAILING_PART)));
  for (const answer of answers) {
    expect(answer.body.errors?.map((e: { extensions?: { code?: string } }) => e.extensions?.code)).toEqual(["INVALID_INPUT"]);
    expect(answer.body.data).toEqual({ before: { totalCount: 1 }, bad: null, after: { totalCount: 1 } });
  }
});

test("many multi-field queries at once on two connections all answer, and leave no connection in a transaction", async () => {
  const query = `{ a: patients(first: 5) { totalCount nodes { code } } b: visits(first: 5) { totalCount } c: currentClinic { name } d: currentUser { fullName } }`;
  const answers = await Promise.all(Array.from({ length: 30 }, () => owner.graphql(query)));
  expect(answers.filter((answer) => answer.status !== 200 || answer.body.errors)).toEqual([]);
  const inTransaction = async () =>
    (await rootPool().query("select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = $1 and state = 'idle in transaction'", [
      APPLICATION,
    ])).rows[0].n;
  expect(await until(async () => (await inTransaction()) === 0)).toBe(true);
});

// the transaction ended when the response closed: two clients that did not read 5 MB answers held both connections
test("clients that do not read a large answer keep no connection from another client", async () => {
  const big = await createClinic("Large answers clinic");
  await rootPool().query(
    `insert into app_public.patient (clinic_id, first_name, last_name, notes) select $1, 'Long', 'Notes ' || i, repeat('n', 5000) from generate_series(1, 100) i`,
    [big.clinicId],
  );
  const reader = new Browser(api);
  await reader.login(big.members.owner.phone, big.members.owner.password);
  const body = JSON.stringify({ query: `{ ${Array.from({ length: 30 }, (_, i) => `p${i}: patients(first: 100) { nodes { notes } }`).join(" ")} }` });
  const sockets = [0, 1].map(() => {
    const socket = connect(Number(new URL(api.url).port), "127.0.0.1");
    socket.on("error", () => {});
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Forwarded-For: ${reader.address}\r\n` +
        `Cookie: ${reader.cookie}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    socket.pause(); // never reads the answer
    return socket;
  });
  try {
    // both have begun to answer (their reads done) by the time a patient of theirs is asked for
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await anotherClientIsAnswered()).toBe(true);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
});

// a failed read was read again alone: a statement that ran into the timeout ran twice, TIMEOUT after 10 s
test("a part that runs into the statement timeout is run once, and answered TIMEOUT", async () => {
  const holder = await rootPool().connect();
  const waits = new Map<string, Set<string>>(); // each statement seen waiting for the lock: when it started
  try {
    await beginWhenFree(holder, "lock table app_public.service in access exclusive mode");
    const answering = owner.graphql(`{ services(first: 1) { nodes { name } totalCount } currentClinic { name } }`);
    let answered = false;
    void answering.finally(() => (answered = true));
    while (!answered) {
      const { rows } = await rootPool().query(
        // this API's statements (another test file's may wait for the lock too)
        `select query, query_start::text as started from pg_stat_activity
         where datname = current_database() and application_name = $1 and wait_event_type = 'Lock'`,
        [APPLICATION],
      );
      for (const { query, started } of rows) waits.set(query, (waits.get(query) ?? new Set()).add(started));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const answer = await answering;
    expect(answer.body.errors?.map((e: { extensions?: { code?: string } }) => e.extensions?.code)).toEqual(["TIMEOUT"]);
    expect(answer.body.data).toEqual({ services: null, currentClinic: { name: "Two connections clinic" } });
    // the list's rows and its count are two statements, each run once (one after the other: docs/api.md)
    expect([...waits.values()].map((started) => started.size)).toEqual([1, 1]);
  } finally {
    await holder.query("rollback");
    holder.release();
  }
});

/**
 * A websocket of `browser`'s to `target` (the owner's, to the API of two connections), initialised, with the server's
 * end of it (as ws hands it over) and `ask`, which sends `query` (`{ currentClinic { name } }`) under an id and answers
 * its payload; `close` ends both.
 */
async function queriesOverOneSocket(target = api, browser = owner) {
  const taken: WebSocket[] = [];
  const handleUpgrade = WebSocketServer.prototype.handleUpgrade;
  WebSocketServer.prototype.handleUpgrade = function (this: WebSocketServer, req, socket, head, callback) {
    return handleUpgrade.call(this, req, socket, head, (websocket, request) => (taken.push(websocket), callback(websocket, request)));
  };
  const socket = new WebSocket(`${target.url.replace("http", "ws")}/graphql`, "graphql-transport-ws", { headers: { cookie: browser.cookie! } });
  const close = () => {
    WebSocketServer.prototype.handleUpgrade = handleUpgrade;
    socket.close();
  };
  const answers = new Map<string, (message: unknown) => void>();
  try {
    await new Promise((resolve, reject) => (socket.once("open", resolve), socket.once("error", reject)));
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.type === "next") answers.get(message.id)?.(message.payload);
    });
    const acknowledged = new Promise((resolve) => socket.once("message", resolve));
    socket.send(JSON.stringify({ type: "connection_init" }));
    await acknowledged;
  } catch (error) {
    close();
    throw error;
  }
  const ask = (id: number, query = "{ currentClinic { name } }") => {
    const answered = new Promise<GraphQLAnswer>((resolve) => answers.set(String(id), resolve as (message: unknown) => void));
    socket.send(JSON.stringify({ id: String(id), type: "subscribe", payload: { query } }));
    return answered;
  };
  return { serverEnd: () => taken, ask, close };
}

// each query heard its connection's close until the connection closed: a desk's socket, open all day, gathered a listener per query
test("queries sent one after another over one websocket leave no listener of its close behind", async () => {
  const { serverEnd, ask, close } = await queriesOverOneSocket();
  try {
    expect(await ask(0)).toEqual({ data: { currentClinic: { name: "Two connections clinic" } } });
    const [taken] = serverEnd();
    expect(serverEnd()).toHaveLength(1);
    const listening = taken.listenerCount("close");
    for (let i = 1; i <= 15; i++) expect(await ask(i)).toEqual({ data: { currentClinic: { name: "Two connections clinic" } } });
    expect(taken.listenerCount("close")).toBe(listening);
  } finally {
    close();
  }
});

// each query in flight added a listener of its connection's close: a page sending 10 queries at once over its socket
// (a client that sends all its operations over graphql-ws) had Node warn of an EventEmitter memory leak in the log
test("queries sent at once over one websocket do not pile up listeners of its close (Node warned of a leak past 10)", async () => {
  const { serverEnd, ask, close } = await queriesOverOneSocket();
  try {
    await ask(0);
    const [taken] = serverEnd();
    expect(serverEnd()).toHaveLength(1);
    const listening = taken.listenerCount("close");
    let most = listening;
    taken.on("newListener", (event) => event === "close" && (most = Math.max(most, taken.listenerCount("close") + 1)));
    const all = await Promise.all(Array.from({ length: 12 }, (_, i) => ask(i + 1)));
    expect(all).toEqual(Array(12).fill({ data: { currentClinic: { name: "Two connections clinic" } } }));
    expect(most).toBe(listening);
  } finally {
    close();
  }
});

/**
 * How many of the hurried API's statements were seen waiting for a lock while `answering` was answered, each
 * counted once by when it started: the parts (or a mutation's payloads) that were run.
 */
async function statementsSeenWaiting(answering: Promise<unknown>): Promise<number> {
  const started = new Set<string>();
  let answered = false;
  void answering.finally(() => (answered = true));
  while (!answered) {
    const { rows } = await rootPool().query(
      "select query_start::text as at from pg_stat_activity where datname = current_database() and application_name = $1 and wait_event_type = 'Lock'",
      [APPLICATION],
    );
    for (const { at } of rows) started.add(at);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return started.size;
}

describe("the parts of a query, while the catalog is locked: each runs into the statement timeout", () => {
  /** Four parts, each a statement of its own (different pages) waiting for the catalog's lock. */
  const FOUR_PARTS = `{ ${[0, 1, 2, 3].map((i) => `p${i}: services(first: 1, offset: ${i}) { nodes { code } }`).join(" ")} }`;
  let holder: import("pg").PoolClient;

  beforeEach(async () => {
    holder = await rootPool().connect();
    await beginWhenFree(holder, "lock table app_public.service in access exclusive mode");
  });
  afterEach(async () => {
    await holder.query("rollback");
    holder.release();
  });

  /** This API's statements waiting for the lock, counted every 50 ms until `done` settles (or for `ms`): the most at once. */
  async function mostWaitingAtOnce(done: Promise<unknown> | number): Promise<number> {
    let over = false;
    if (typeof done === "number") setTimeout(() => (over = true), done);
    else void done.finally(() => (over = true));
    let most = 0;
    while (!over) {
      const { rows } = await rootPool().query(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = $1 and wait_event_type = 'Lock'",
        [APPLICATION],
      );
      most = Math.max(most, rows[0].n);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return most;
  }

  const codes = (answer: { body: { errors?: { extensions?: { code?: string } }[] } }) => answer.body.errors?.map((e) => e.extensions?.code);

  // after the first failure the others were read at once, each on a connection of its own: 160 parts took the whole pool
  test("after a failed part, the parts after it are read one at a time", async () => {
    const answering = owner.graphql(FOUR_PARTS);
    expect(await mostWaitingAtOnce(answering)).toBe(1);
    expect(codes(await answering)).toEqual(["TIMEOUT", "TIMEOUT", "TIMEOUT", "TIMEOUT"]);
  });

  // they went on for as long as they took, each on a connection of its own, with nobody to read the answer
  test("once the client has gone, the parts not yet read are not read", async () => {
    const body = JSON.stringify({ query: FOUR_PARTS });
    const socket = connect(Number(new URL(api.url).port), "127.0.0.1");
    socket.on("error", () => {});
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Forwarded-For: ${owner.address}\r\n` +
        `Cookie: ${owner.cookie}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    expect(await until(async () => (await mostWaitingAtOnce(100)) === 1)).toBe(true); // its first part is read
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 1200)); // that part runs into the timeout
    expect(await mostWaitingAtOnce(2500)).toBe(0);
  });

  // over the websocket every part was read at once, each on a connection of its own
  test("a query sent over the websocket reads its parts one at a time", async () => {
    const answered = answerOverTheWebsocket(api, owner, FOUR_PARTS);
    expect(await mostWaitingAtOnce(answered)).toBe(1);
    expect(codes({ body: await answered })).toEqual(["TIMEOUT", "TIMEOUT", "TIMEOUT", "TIMEOUT"]);
  });

  // each part had the statement timeout and the query none: 500 parts held a connection for 40 minutes
  test("a query's parts are read until its time is up (QUERY_TIMEOUT_MS): the parts whose turn comes later are not read", async () => {
    const answering = hurried.graphql(FOUR_PARTS);
    const seen = await statementsSeenWaiting(answering);
    const answer = await answering;
    const told = answer.body.errors?.map((e: { message: string; extensions?: { code?: string } }) => [e.extensions?.code, e.message.startsWith("The query took too long")]);
    // the parts whose turn came within the 1.5 s were read, each waiting its 1 s out (two on a quiet machine,
    // the first at least), and the others were not: at least the last, whose turn comes after 3 s
    const read = told?.filter(([, tooLong]) => !tooLong).length ?? 0;
    expect(read).toBeGreaterThanOrEqual(1);
    expect(read).toBeLessThanOrEqual(3);
    expect(told).toEqual([...Array(read).fill(["TIMEOUT", false]), ...Array(4 - read).fill(["TIMEOUT", true])]);
    // and those read were run: seen waiting for the lock (a busy machine's look can miss one, never add one)
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(seen).toBeLessThanOrEqual(read);
  });

  // a mutation's statements had no time at all: 100 fields, each reading in its payload a list that ran into the
  // statement timeout, held a connection for 8 minutes
  test("a mutation's fields run, and their payloads are read, until the request's time is up (QUERY_TIMEOUT_MS): those whose turn comes later are not, and write nothing", async () => {
    const SIX_FIELDS = `mutation($id: UUID!) { ${[0, 1, 2, 3, 4, 5]
      .map((i) => `f${i}: updateClinic(input: { rowId: $id, patch: { invoiceFooter: "Footer ${i}" } }) { query { services(first: 1, offset: ${i}) { nodes { code } } } }`)
      .join(" ")} }`;
    const answering = hurried.graphql(SIX_FIELDS, { id: clinic.clinicId });
    const seen = await statementsSeenWaiting(answering); // each payload's read waits for the lock
    const answer = await answering;
    const told = answer.body.errors?.map((e) => [e.path?.join("."), e.extensions?.code, e.extensions?.saved ?? false, e.message.startsWith("The request took too long: this part was not run")]);
    // the fields whose turn came within the 1.5 s were written, and their payloads read, each waiting its 1 s out
    // (two on a quiet machine, the first at least); the others, at least the last, whose turn comes after 5 s, were not.
    // The last written may have had its write's turn in time and its payload's after: saved, its answer not read
    const written = told?.filter(([, , saved]) => saved).length ?? 0;
    expect(written).toBeGreaterThanOrEqual(1);
    expect(written).toBeLessThanOrEqual(3);
    expect(told).toEqual([
      ...[...Array(written - 1).keys()].map((i) => [`f${i}.query.services`, "TIMEOUT", true, false]),
      [`f${written - 1}.query.services`, "TIMEOUT", true, expect.any(Boolean)],
      ...[...Array(6 - written).keys()].map((i) => [`f${written + i}`, "TIMEOUT", false, true]),
    ]);
    const read = told?.filter(([, , saved, notRun]) => saved && !notRun).length ?? 0;
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(seen).toBeLessThanOrEqual(read);
    const { rows } = await rootPool().query("select invoice_footer from app_public.clinic where id = $1", [clinic.clinicId]);
    expect(rows).toEqual([{ invoice_footer: `Footer ${written - 1}` }]);
  });

  // its parts went on being read, one after another, for as long as they took, with nobody to read the answer
  test("once a websocket's client has gone, the parts of its query not yet read are not read", async () => {
    const socket = new WebSocket(`${api.url.replace("http", "ws")}/graphql`, "graphql-transport-ws", { headers: { cookie: owner.cookie! } });
    socket.on("error", () => {});
    await new Promise((resolve, reject) => (socket.once("open", resolve), socket.once("error", reject)));
    const acknowledged = new Promise((resolve) => socket.on("message", (data) => JSON.parse(String(data)).type === "connection_ack" && resolve(null)));
    socket.send(JSON.stringify({ type: "connection_init" }));
    await acknowledged;
    socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: FOUR_PARTS } }));
    expect(await until(async () => (await mostWaitingAtOnce(100)) === 1)).toBe(true); // its first part is read
    socket.terminate();
    await new Promise((resolve) => setTimeout(resolve, 1200)); // that part runs into the timeout
    expect(await mostWaitingAtOnce(2500)).toBe(0);
  });
});

/**
 * `ask`'s answer while the one connection of the pool of `browser`'s API (its connections named `applicationName`)
 * waits: a change of the clinic waiting there for the clinic's turn to write, held meanwhile.
 */
async function whileItsOneConnectionWaits<T>(browser: Browser, applicationName: string, ask: () => Promise<T>): Promise<T> {
  const holder = await rootPool().connect();
  let writing: ReturnType<Browser["graphql"]> | undefined;
  try {
    await holder.query("begin");
    await holder.query("select pg_advisory_xact_lock(hashtextextended('write_turn:' || $1, 0))", [clinic.clinicId]);
    writing = browser.graphql(`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: { invoiceFooter: "Asante" } }) { clinic { name } } }`, {
      id: clinic.clinicId,
    });
    const waits = async () =>
      (await rootPool().query("select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = $1 and wait_event_type = 'Lock'", [
        applicationName,
      ])).rows[0].n === 1;
    expect(await until(waits, 30_000)).toBe(true);
    return await ask();
  } finally {
    await holder.query("rollback");
    holder.release();
    await writing;
  }
}

describe("a query's time bounds each part's statement and its wait for a connection (QUERY_TIMEOUT_MS of 1.5 s, a statement timeout of 60 s, one connection)", () => {
  const PRESSED = "clinicops-one-read-moment-deadline-test";
  let pressedApi: TestApi;
  let pressed: Browser;
  beforeAll(async () => {
    pressedApi = await startApi({ DATABASE_POOL_SIZE: "1", STATEMENT_TIMEOUT_MS: "60000", QUERY_TIMEOUT_MS: "1500" }, { applicationName: PRESSED });
    pressed = new Browser(pressedApi);
    await pressed.login(clinic.members.owner.phone, clinic.members.owner.password);
  });
  afterAll(() => pressedApi.close());

  const codes = (answer: { body: { errors?: { extensions?: { code?: string } }[] } }) => answer.body.errors?.map((e) => e.extensions?.code);

  // a statement timeout above the query's let one part read for all of it (here 60 s): QUERY_TIMEOUT_MS bounded only when later parts began
  test("a part still running when the query's time is up is cancelled (TIMEOUT)", async () => {
    const holder = await rootPool().connect();
    let answering: ReturnType<Browser["graphql"]>;
    let fallback: NodeJS.Timeout | undefined;
    try {
      await beginWhenFree(holder, "lock table app_public.service in access exclusive mode");
      answering = pressed.graphql(`{ services(first: 1) { nodes { code } } currentClinic { name } }`);
      // the catalog is let go once the query has answered, or after 10 s: a part that outlived the query's time then reads it
      await Promise.race([answering, new Promise((resolve) => (fallback = setTimeout(resolve, 10_000)))]);
    } finally {
      clearTimeout(fallback);
      await holder.query("rollback");
      holder.release();
    }
    const answer = await answering;
    // one expectation, so that a failure (CI, once: one TIMEOUT) shows which part answered, and how
    expect({ codes: codes(answer), data: answer.body.data, errors: answer.body.errors?.map((e) => [e.path, e.message]) }).toEqual({
      codes: ["TIMEOUT", "TIMEOUT"],
      data: { services: null, currentClinic: null },
      errors: expect.any(Array),
    });
  });

  // the wait for a connection came on top of the query's time: its first part waited the pool's 5 s (UNAVAILABLE),
  // or read once a connection came, however late
  test("a part waits for a connection of a busy pool only as long as the query has left (TIMEOUT)", async () => {
    const answer = await whileItsOneConnectionWaits(pressed, PRESSED, () => pressed.graphql(`{ currentClinic { name } }`));
    expect(codes(answer)).toEqual(["TIMEOUT"]);
    expect(answer.body.errors?.[0].message).toMatch(/^The query took too long/);
  });
});

// the first part's connection refused, the parts after it answered the same error without asking (over HTTP), or each
// asked the pool again (over the websocket, or after a failed part): a connection tried per part, each waiting up to the
// pool's 5 s for a busy pool, on a database that could not give one
/** Three parts, each a statement of its own. */
const THREE_PARTS = `{ a: patients(first: 1) { totalCount } b: currentClinic { name } c: visits(first: 1) { totalCount } }`;

/** Each error's code, and whether it tells a part not read, the part that was read first (whichever grafast runs first). */
const unreachableParts = (answer: { errors?: { message: string; extensions?: { code?: string } }[] }) =>
  answer.errors?.map((e) => [e.extensions?.code, e.message.includes("this part was not read")]).sort((x, y) => Number(x[1]) - Number(y[1]));

describe("a query whose database refuses its connections", () => {
  let proxy: Server;
  let refusing = false;
  /** The connections asked of the database while it refuses them. */
  let refused = 0;
  let cutApi: TestApi;
  let cut: Browser;

  beforeAll(async () => {
    const database = new URL(rootPool().options.connectionString!);
    const forwarded = new Set<Socket>();
    // the API's connections go through it: forwarded to PostgreSQL, until it refuses them and cuts those it forwards
    proxy = createServer((socket) => {
      socket.on("error", () => {});
      if (refusing) return void (refused++, socket.destroy());
      const upstream = connect(Number(database.port), database.hostname);
      upstream.on("error", () => socket.destroy());
      socket.on("close", () => upstream.destroy());
      upstream.on("close", () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
      forwarded.add(socket);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    cutApi = await startApi({ DATABASE_POOL_SIZE: "2" }, { databasePort: (proxy.address() as AddressInfo).port });
    cut = new Browser(cutApi);
    await cut.login(clinic.members.owner.phone, clinic.members.owner.password);
    refusing = true;
    for (const socket of forwarded) socket.destroy();
    expect(await until(async () => cutApi.pool.totalCount === 0)).toBe(true);
  });
  afterAll(async () => {
    await cutApi.close();
    await new Promise((resolve) => proxy.close(resolve));
  });
  beforeEach(() => (refused = 0));

  test.each([
    ["over HTTP", async () => (await cut.graphql(THREE_PARTS)).body, 1],
    // the upgrade asks first whether the session is live, and, unanswered, lets the websocket up
    ["over the websocket", () => answerOverTheWebsocket(cutApi, cut, THREE_PARTS), 2],
  ] as const)("%s, its first part asks for a connection and answers UNAVAILABLE; the parts after it are not read", async (_, ask, connections) => {
    const answer = await ask();
    expect(refused).toBe(connections);
    expect(unreachableParts(answer)).toEqual([["UNAVAILABLE", false], ["UNAVAILABLE", true], ["UNAVAILABLE", true]]);
    expect(answer.data).toEqual({ a: null, b: null, c: null });
  });

  // what was refused was the query, not the API nor the connection it came over: the next ones read every part
  test("once the database takes connections again, the next query answers whole, over the same websocket and over HTTP", async () => {
    const { ask, close } = await queriesOverOneSocket(cutApi, cut);
    try {
      expect(unreachableParts(await ask(1, THREE_PARTS))).toEqual([["UNAVAILABLE", false], ["UNAVAILABLE", true], ["UNAVAILABLE", true]]);
      refusing = false;
      const whole = { data: { a: { totalCount: 1 }, b: { name: "Two connections clinic" }, c: { totalCount: 0 } } };
      expect(await ask(2, THREE_PARTS)).toEqual(whole);
      expect((await cut.graphql(THREE_PARTS)).body).toEqual(whole);
    } finally {
      refusing = true;
      close();
    }
  });
});

// the parts after the first went on asking the busy pool (over the websocket, or after a failed part), each waiting its 5 s
describe("a query whose pool has no connection free within its wait (5 s; QUERY_TIMEOUT_MS of 15 s, a statement timeout of 60 s, one connection)", () => {
  const BUSY = "clinicops-one-read-moment-busy-test";
  let busyApi: TestApi;
  let busy: Browser;
  beforeAll(async () => {
    busyApi = await startApi({ DATABASE_POOL_SIZE: "1", STATEMENT_TIMEOUT_MS: "60000" }, { applicationName: BUSY });
    busy = new Browser(busyApi);
    await busy.login(clinic.members.owner.phone, clinic.members.owner.password);
  });
  afterAll(() => busyApi.close());

  test.each([
    ["over HTTP", async () => (await busy.graphql(THREE_PARTS)).body],
    ["over the websocket", () => answerOverTheWebsocket(busyApi, busy, THREE_PARTS)],
  ])("%s, its first part waits for a connection and answers UNAVAILABLE; the parts after it are not read", async (_, ask) => {
    const answer = await whileItsOneConnectionWaits(busy, BUSY, ask);
    expect(unreachableParts(answer)).toEqual([["UNAVAILABLE", false], ["UNAVAILABLE", true], ["UNAVAILABLE", true]]);
  });
});
