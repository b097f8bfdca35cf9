/**
 * The real HTTP server on a random port, against the test database, and a
 * small client that keeps cookies like a browser would.
 */
import { randomBytes } from "node:crypto";
import jwt from "jsonwebtoken";
import type pg from "pg";
import WebSocket from "ws";
import { apiPool } from "../../server/pg-transaction.ts";
import type { ApiServer } from "../../server/app.ts";
import { loopbackApi } from "../../server/loopback-api.ts";
import { serverSettings, type ServerSettings } from "../../server/settings.ts";
import type { DatabaseConfig } from "../../db/config.ts";
import { hearLogLines } from "../../db/json-log.ts";
import { endPool, FILE_CONNECTIONS, testConfig } from "./database.ts";
import { until } from "./until.ts";

export const TEST_JWT_SECRET = "test-secret-test-secret-test-secret-0123456789";

export interface TestApi {
  url: string;
  settings: ServerSettings;
  /** The API's pool. */
  pool: pg.Pool;
  /** The client connections the server holds open (those it has closed, or its clients, no longer count). */
  connections(): Promise<number>;
  close(): Promise<void>;
}

/** The connections the pools of this file's test APIs open now may hold together (startApi keeps it within FILE_CONNECTIONS.testApis). */
let testApiConnections = 0;

/**
 * A test API on its own port and pool (10 connections, or DATABASE_POOL_SIZE in `env`; the file's test APIs open at
 * once hold at most FILE_CONNECTIONS.testApis together, one past it refused before it starts); with
 * `applicationName`, its connections are named so in pg_stat_activity (told apart from other test files');
 * with `databasePort`, they go to that port of this machine (a proxy's) instead of PostgreSQL's; with `database`,
 * to that database (a test file's own, schemaCopy's) instead of the test database.
 */
export async function startApi(
  env: NodeJS.ProcessEnv = {},
  { applicationName, sessionCheckMs, databasePort, database: config = testConfig }: { applicationName?: string; sessionCheckMs?: number; databasePort?: number; database?: DatabaseConfig } = {},
): Promise<TestApi> {
  process.env.LOG_LEVEL ??= "silent";
  // The test clients stand behind a proxy on this machine: each names its own address in X-Forwarded-For.
  const settings = serverSettings({ JWT_SECRET: TEST_JWT_SECRET, DEFAULT_CALLING_CODE: "255", TRUST_PROXY: "loopback", ...env }, "");
  const database = new URL(config.authenticatorUrl);
  if (applicationName) database.searchParams.set("application_name", applicationName);
  if (databasePort) database.port = String(databasePort);
  let size = env.DATABASE_POOL_SIZE ? settings.databasePoolSize : 10;
  if (testApiConnections + size > FILE_CONNECTIONS.testApis) {
    throw new Error(
      `A test file's APIs hold at most ${FILE_CONNECTIONS.testApis} connections at once (FILE_CONNECTIONS.testApis, tests/support/database.ts): ` +
        `those open hold ${testApiConnections}, and this one's ${size} would pass that; close one first, or give this one a smaller DATABASE_POOL_SIZE`,
    );
  }
  testApiConnections += size;
  const pool = apiPool(database.toString(), size);
  let api: ApiServer, url: string;
  try {
    ({ api, url } = await loopbackApi({ pool, settings, roles: config.roles, sessionCheckMs }));
  } catch (error) {
    testApiConnections -= size; // its pool ended by loopbackApi
    throw error;
  }
  return {
    url,
    settings,
    pool,
    connections: () => new Promise((resolve, reject) => api.server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    async close() {
      try {
        await api.close();
        await endPool(pool);
      } finally {
        // given back once, however many times it is closed
        testApiConnections -= size;
        size = 0;
      }
    },
  };
}

/**
 * The lines the APIs of this test file logged, by request id (X-Request-Id), at every LOG_LEVEL, silent too, for the
 * last MOST_REQUESTS_KEPT requests: the lines of a request answered 500 or 503 come with its answer (Response.logged).
 * A CI run's password change answered 503, its test saying no more than the status: not which code (UNAVAILABLE,
 * TIMEOUT, RETRY) nor why (a statement cancelled, a connection refused, lost or not had in time), the API silent.
 */
const linesOfRequests = new Map<string, string[]>();
const MOST_REQUESTS_KEPT = 1000;
hearLogLines((level, fields) => {
  const { requestId } = fields;
  if (typeof requestId !== "string") return;
  let lines = linesOfRequests.get(requestId);
  if (!lines) {
    linesOfRequests.set(requestId, (lines = []));
    if (linesOfRequests.size > MOST_REQUESTS_KEPT) linesOfRequests.delete(linesOfRequests.keys().next().value!);
  }
  let line: string;
  try {
    line = JSON.stringify({ level, ...fields });
  } catch {
    line = JSON.stringify({ level, event: String(fields.event) });
  }
  lines.push(line);
});

/** A response's status, and for one of 500 or more its body and the lines its API logged for it (Response.logged), which a failed expectation of its status shows. */
export function statusWhy(response: Response): { status: number; body?: unknown; logged?: string[] } {
  return response.status < 500 ? { status: response.status } : { status: response.status, body: response.body, logged: response.logged };
}

/**
 * A distinct client address per caller, so per-address login throttling in one test does not
 * bleed into another. Random: a counter with the process id repeated its addresses in every test
 * file a jest worker ran, so a file could inherit another's 20 failed logins and be refused.
 */
function clientAddress(): string {
  const [a, b, c] = randomBytes(3);
  return `10.${a}.${b}.${c}`;
}

/** A GraphQL answer, as the API sends it over HTTP and over the websocket. */
export interface GraphQLAnswer<T = any> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[];
}

export interface Response<T = any> {
  status: number;
  body: T;
  headers: Headers;
  /** For a status of 500 or more, the lines its API logged for the request (linesOfRequests): its cause. */
  logged?: string[];
}

/** One browser: its cookie jar (the session's cookie, the device's) and its address (a new one of its own, unless given). */
/** A browser of `api` logged in as `person`. */
export async function loggedIn(api: TestApi, person: { phone: string; password: string }): Promise<Browser> {
  const browser = new Browser(api);
  await browser.login(person.phone, person.password);
  return browser;
}

export class Browser {
  cookie: string | null = null;
  /** The device cookie (server/device-cookie.ts), as `name=value`. */
  deviceCookie: string | null = null;
  address: string;
  private readonly api: TestApi;
  constructor(api: TestApi, address = clientAddress()) {
    this.api = api;
    this.address = address;
  }

  async post<T = any>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response<T>> {
    const response = await fetch(`${this.api.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-forwarded-for": this.address,
        ...(this.cookie || this.deviceCookie ? { cookie: [this.cookie, this.deviceCookie].filter(Boolean).join("; ") } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair] = setCookie.split(";");
      const kept = pair.endsWith("=") ? null : pair;
      if (pair.startsWith(`${this.api.settings.deviceCookieName}=`)) this.deviceCookie = kept;
      else this.cookie = kept;
    }
    const text = await response.text();
    const answer: Response<T> = { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
    // its request's own line (`request`) is logged as its answer is sent off: waited for a moment
    const requestId = response.headers.get("x-request-id");
    if (response.status >= 500 && requestId) {
      await until(async () => (linesOfRequests.get(requestId) ?? []).some((line) => line.includes('"event":"request"')), 1000);
      answer.logged = linesOfRequests.get(requestId) ?? [];
    }
    return answer;
  }

  /** A login attempt, answered as it is: for tests of what a login is told. */
  tryLogin(phone: string, password: string, clinicId?: string) {
    return this.post("/auth/login", { phone, password, ...(clinicId ? { clinicId } : {}) });
  }

  /**
   * A login that must open a session, for tests of what comes after it: anything but 200 throws,
   * saying what the login was told, so that a test does not go on as a visitor. A 503 (the database
   * busy or not answering in time, as on a loaded CI machine) is asked again, as a user would,
   * up to three times.
   */
  async login(phone: string, password: string, clinicId?: string) {
    for (let attempt = 1; ; attempt++) {
      const response = await this.tryLogin(phone, password, clinicId);
      if (response.status === 200) return response;
      if (response.status !== 503 || attempt === 3) {
        throw new Error(`The login of ${phone} was answered ${response.status}: ${JSON.stringify(response.body)}${response.logged ? `, its API logging:\n${response.logged.join("\n")}` : ""}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }

  graphql<T = any>(query: string, variables: Record<string, unknown> = {}) {
    return this.post<GraphQLAnswer<T>>("/graphql", { query, variables });
  }

  /** The session id its session cookie's token carries. */
  get sessionId(): string {
    return (jwt.decode(decodeURIComponent(this.cookie!.split("=")[1])) as { session_id: string }).session_id;
  }
}

/**
 * `queries` sent by `browser` over a websocket of its own to `api`, as soon as it is open: `answers` holds the answers
 * (a subscription's events) each has had so far, by the query's index, and `first` waits for a query's first one;
 * `close` ends the socket.
 */
export async function overTheWebsocket(api: TestApi, browser: Browser, queries: string[]) {
  const socket = new WebSocket(`${api.url.replace("http", "ws")}/graphql`, "graphql-transport-ws", { headers: { cookie: browser.cookie! } });
  try {
    await new Promise((resolve, reject) => (socket.once("open", resolve), socket.once("error", reject)));
  } catch (error) {
    socket.close();
    throw error;
  }
  const answers: GraphQLAnswer[][] = queries.map(() => []);
  const heard: ((answer: GraphQLAnswer) => void)[] = [];
  const firsts = queries.map((_, id) => new Promise<GraphQLAnswer>((resolve) => (heard[id] = resolve)));
  socket.on("message", (data) => {
    const message = JSON.parse(String(data));
    if (message.type === "connection_ack") queries.forEach((query, id) => socket.send(JSON.stringify({ id: String(id), type: "subscribe", payload: { query } })));
    if (message.type !== "next") return;
    answers[Number(message.id)].push(message.payload);
    heard[Number(message.id)](message.payload);
  });
  socket.send(JSON.stringify({ type: "connection_init" }));
  return { answers, first: (id: number) => firsts[id], close: () => socket.close() };
}

/** `query` sent by `browser` over a websocket of its own to `api`: its answer (the socket then closed). */
export async function answerOverTheWebsocket(api: TestApi, browser: Browser, query: string): Promise<GraphQLAnswer> {
  const socket = await overTheWebsocket(api, browser, [query]);
  try {
    return await socket.first(0);
  } finally {
    socket.close();
  }
}

/** One field of every row of a list, read `first` at a time, each page after the last one's cursor, for `pages` pages. */
export async function pageThrough(browser: Browser, list: string, orderBy: string, field: string, first: number, pages: number): Promise<string[]> {
  const rows: string[] = [];
  for (let after: string | null = null, page = 0; page < pages; page++) {
    const r = await browser.graphql(`query($after: Cursor) { ${list}(orderBy: ${orderBy}, first: ${first}, after: $after) { nodes { ${field} } pageInfo { endCursor } } }`, { after });
    const { nodes, pageInfo } = r.body.data[list] as { nodes: Record<string, string>[]; pageInfo: { endCursor: string | null } };
    rows.push(...nodes.map((n) => n[field]));
    after = pageInfo.endCursor;
  }
  return rows;
}
