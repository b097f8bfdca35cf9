/**
 * The API when its database cannot be reached, behind a TCP proxy this test controls: a database
 * that takes connections and never answers (frozen, a paused pooler, a partition) costs each
 * request the pool's connect timeout, then UNAVAILABLE (503 on the REST routes, /ready's 503), and
 * once it answers again the API does too; a database that refuses connections is UNAVAILABLE at
 * once; the worker's pool and the setup's connections give up too. Before, the pools waited for ever: their slots filled with
 * connections that never opened, and the API hung for good, /ready too, after the database was back,
 * as the worker's jobs did; a refusal was INTERNAL.
 */
import type { AddressInfo } from "node:net";
import type pg from "pg";
import { connect, createServer, type Socket } from "node:net";
import { execFileSync } from "node:child_process";
import { createApiServer, type ApiServer } from "../../server/app.ts";
import { loopbackApi } from "../../server/loopback-api.ts";
import { CONNECT_TIMEOUT_MS, KEEPALIVE_AFTER_MS, poolHearingClosures } from "../../db/pool.ts";
import { currentRequestId, runWithRequestId } from "../../server/log.ts";
import { prepareDatabase } from "../../db/setup.ts";
import { apiPool } from "../../server/pg-transaction.ts";
import { workerPool } from "../../worker/run.ts";
import { serverSettings } from "../../server/settings.ts";
import { closeRootPool, ownDatabase, rootPool, testConfig } from "../support/database.ts";
import { TEST_JWT_SECRET } from "../support/api.ts";
import { until } from "../support/until.ts";

// TCP asked after the system's two hours whether a quiet connection's other end was there: a NAT between the API and
// the database (350 s for a cloud's gateway) forgot the live queue's listening connection, quiet while no visit
// changed, and told neither end, and every front desk heard nothing more, with no error
test("the API's and the worker's connections are probed by TCP after a minute of quiet, not the system's two hours", async () => {
  const pools = { api: apiPool(testConfig.authenticatorUrl, 1), worker: workerPool({ connectionString: testConfig.ownerUrl, max: 1 }, () => {}) };
  try {
    const probedAfter: Record<string, number> = {};
    for (const [name, pool] of Object.entries(pools)) {
      const client = await pool.connect();
      try {
        const port = (client as pg.PoolClient & { connection: { stream: Socket } }).connection.stream.localPort;
        // the kernel's own word: `timer:(keepalive,59sec,0)`, the time left before its first probe
        const socket = execFileSync("ss", ["-tnoH", "state", "established", `( sport = :${port} )`], { encoding: "utf8" });
        const [, amount, unit] = /timer:\(keepalive,(\d+)(ms|sec|min)/.exec(socket) ?? [socket, "", ""];
        probedAfter[name] = Number(amount) * { ms: 0.001, sec: 1, min: 60 }[unit as "ms" | "sec" | "min"];
      } finally {
        client.release();
      }
    }
    expect(probedAfter).toEqual({ api: expect.any(Number), worker: expect.any(Number) });
    for (const seconds of Object.values(probedAfter)) expect(seconds).toBeLessThanOrEqual(KEEPALIVE_AFTER_MS / 1000);
    expect(KEEPALIVE_AFTER_MS).toBeLessThanOrEqual(60_000); // under the 350 s a cloud's NAT gateway keeps a quiet flow
  } finally {
    await Promise.all(Object.values(pools).map((pool) => pool.end()));
  }
});

const database = new URL(testConfig.authenticatorUrl);
let answering = true;
const sockets = new Set<Socket>();
const proxy = createServer((client) => {
  sockets.add(client);
  client.on("close", () => sockets.delete(client));
  client.on("error", () => client.destroy());
  if (!answering) return; // taken, never answered
  const upstream = connect(Number(database.port || 5432), database.hostname);
  sockets.add(upstream);
  upstream.on("close", () => sockets.delete(upstream));
  upstream.on("error", () => client.destroy());
  client.pipe(upstream).pipe(client);
});

/** `connectionString` with the proxy in the database's place. */
function throughProxy(connectionString: string): string {
  const proxied = new URL(connectionString);
  proxied.hostname = "127.0.0.1";
  proxied.port = String((proxy.address() as AddressInfo).port);
  return proxied.toString();
}

let api: ApiServer;
let apiConnections: pg.Pool;
let url: string;

beforeAll(async () => {
  process.env.LOG_LEVEL ??= "silent"; // as startApi runs the API
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  apiConnections = apiPool(throughProxy(testConfig.authenticatorUrl), 2);
  api = await createApiServer({ pool: apiConnections, settings: serverSettings({ JWT_SECRET: TEST_JWT_SECRET }, ""), roles: testConfig.roles });
  await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  // the API as it runs: started, its GraphQL schema read from the database, which then stops answering
  expect((await whoAmI()).data).toEqual({ currentUser: null });
  answering = false;
  for (const socket of sockets) socket.destroy(); // the pool's idle connections with it
});
afterAll(async () => {
  await api.close();
  await apiConnections.end();
  for (const socket of sockets) socket.destroy();
  proxy.close();
  await closeRootPool();
});

const whoAmI = async () =>
  (await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ currentUser { rowId } }" }) })).json();

const ready = async () => {
  const response = await fetch(`${url}/ready`);
  return { status: response.status, body: await response.json() };
};

test("a database that never answers costs a request the connect timeout, then UNAVAILABLE; once it answers, so does the API", async () => {
  const started = Date.now();
  // more requests at once than the pool has connections: none of them waits for ever
  const [graphql, ...readiness] = await Promise.all([
    whoAmI(),
    ready(),
    ready(),
    ready(),
  ]);
  expect(readiness).toEqual(Array(3).fill({ status: 503, body: { status: "database_unreachable" } }));
  expect(graphql.errors?.[0]).toMatchObject({ extensions: { code: "UNAVAILABLE" }, message: "The database is not answering just now (unreachable or busy); please try again shortly." });
  expect(Date.now() - started).toBeLessThan(4 * CONNECT_TIMEOUT_MS);

  answering = true;
  // at once, or, on a machine so busy that a connection takes over the timeout, at a next attempt (before, never again)
  expect(await until(async () => (await ready()).body.status === "ready", 3 * CONNECT_TIMEOUT_MS, 100)).toBe(true);
  expect((await whoAmI()).data).toEqual({ currentUser: null });
}, 120_000);

// /ready waited for as long as the freeze lasted, on the connection the pool already had
test("a database that freezes under a connection the API holds has /ready answer 503 within the connect timeout, and ready once it answers", async () => {
  expect(await until(async () => (await ready()).body.status === "ready", 3 * CONNECT_TIMEOUT_MS, 100)).toBe(true);
  answering = false;
  for (const socket of sockets) socket.pause(); // the connections open stop passing anything on
  try {
    const started = Date.now();
    expect(await ready()).toEqual({ status: 503, body: { status: "database_unreachable" } });
    expect(Date.now() - started).toBeLessThan(CONNECT_TIMEOUT_MS + 2000);
  } finally {
    for (const socket of sockets) socket.resume();
    answering = true;
  }
  expect(await until(async () => (await ready()).body.status === "ready", 3 * CONNECT_TIMEOUT_MS, 100)).toBe(true);
}, 120_000);

test("the worker's pool gives up a connection the database never answers too, and connects once it does", async () => {
  const pool = workerPool({ connectionString: throughProxy(testConfig.ownerUrl), max: 2 }, () => {});
  try {
    answering = false;
    const started = Date.now();
    await expect(pool.query("select 1")).rejects.toThrow(/timeout/);
    expect(Date.now() - started).toBeLessThan(2 * CONNECT_TIMEOUT_MS);
    answering = true;
    expect((await pool.query("select 1 as one")).rows).toEqual([{ one: 1 }]);
  } finally {
    await pool.end();
  }
}, 120_000);

// the wait for its connections to close has an end: a stop on a database that does not answer ends anyway
test("a pool's end on a database that no longer answers closes its connections' sockets itself, within a second or two", async () => {
  const pool = poolHearingClosures({ connectionString: throughProxy(testConfig.ownerUrl), max: 2 }, () => {});
  await pool.query("select 1");
  for (const socket of sockets) socket.pause(); // the connections open stop passing anything on
  try {
    const started = Date.now();
    await pool.end();
    expect(Date.now() - started).toBeLessThan(3000);
  } finally {
    for (const socket of sockets) socket.resume();
  }
});

// on a database of its own, as a start touches a whole database's grants
test("setting up (npm start, npm run superuser, analyst, migrate) gives up a database that never answers too, and sets up once it does", async () => {
  const { config: own, drop } = ownDatabase("unreachable");
  const config = { ...own, rootUrl: throughProxy(own.rootUrl) };
  try {
    answering = false;
    const started = Date.now();
    await expect(prepareDatabase(config)).rejects.toThrow(/timeout/);
    expect(Date.now() - started).toBeLessThan(2 * CONNECT_TIMEOUT_MS);
    answering = true;
    await prepareDatabase(config);
  } finally {
    await drop();
  }
}, 120_000);

test("a database that refuses connections is UNAVAILABLE at once, with 503 on the REST routes", async () => {
  await new Promise<void>((resolve) => {
    proxy.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
  const login = await fetch(`${url}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ phone: "+255712000001", password: "whatever-it-is" }) });
  expect([login.status, (await login.json()).error]).toEqual([503, { code: "UNAVAILABLE", message: "The database is not answering just now (unreachable or busy); please try again shortly." }]);
  expect(await ready()).toEqual({ status: 503, body: { status: "database_unreachable" } });
}, 120_000);

// PostGraphile reads the schema once: a read that failed (its connection not had within the connect timeout, under load)
// left a server that listened, /ready said ready, and every GraphQL request answered "Unknown error occurred", for good
/** A pool of the API on a database that does not exist: no schema is read from it. */
function poolOfNoDatabase(): pg.Pool {
  const missing = new URL(testConfig.authenticatorUrl);
  missing.pathname = `${missing.pathname}_never_made`;
  return apiPool(missing.toString(), 2);
}

test("an API whose GraphQL schema cannot be read from the database does not start: it fails with the database's error", async () => {
  const pool = poolOfNoDatabase();
  try {
    await expect(createApiServer({ pool, settings: serverSettings({ JWT_SECRET: TEST_JWT_SECRET }, ""), roles: testConfig.roles })).rejects.toThrow(
      /database ".*_never_made" does not exist/,
    );
  } finally {
    await pool.end();
  }
});

// the tests' and the benchmarks' helpers left it open: its connections kept a test run (or a benchmark) from ending
test("the API the tests and the benchmarks serve ends its pool when it does not start", async () => {
  const pool = poolOfNoDatabase();
  await expect(loopbackApi({ pool, settings: serverSettings({ JWT_SECRET: TEST_JWT_SECRET }, ""), roles: testConfig.roles })).rejects.toThrow(/does not exist/);
  expect(pool.ended).toBe(true);
});

test("a connection closed long after the request that opened it is not logged as that request's", async () => {
  const heard: string[] = [];
  const pool = poolHearingClosures({ connectionString: testConfig.ownerUrl, max: 1 }, () => heard.push(currentRequestId() ?? "no request"));
  try {
    const pid = await runWithRequestId("req-long-gone", async () => (await pool.query("select pg_backend_pid() as pid")).rows[0].pid);
    await rootPool().query("select pg_terminate_backend($1)", [pid]);
    expect(await until(async () => heard.length > 0)).toBe(true);
    expect(heard).toEqual(["no request"]); // it carried the id of a request answered seconds before
  } finally {
    await pool.end();
  }
});

// its end resolved as soon as it had asked its connections to close, and a stop went on to the embedded PostgreSQL's at
// once: PostgreSQL told those not yet closed "terminating connection due to administrator command", a warn line each
test("a pool's end resolves once its connections are closed, their server processes gone", async () => {
  const heard: string[] = [];
  const pool = poolHearingClosures({ connectionString: testConfig.ownerUrl, max: 3 }, (message) => heard.push(message));
  const clients = await Promise.all([1, 2, 3].map(() => pool.connect()));
  const closed = new Set<pg.PoolClient>();
  for (const client of clients) client.once("end", () => closed.add(client));
  const pids = clients.map((client) => (client as pg.PoolClient & { processID: number }).processID);
  for (const client of clients) client.release();
  await pool.end();
  const { rows } = await rootPool().query("select count(*)::int as n from pg_stat_activity where pid = any($1)", [pids]);
  expect({ closed: closed.size, serverProcesses: rows[0].n, heard }).toEqual({ closed: 3, serverProcesses: 0, heard: [] });
});
