/**
 * Where an API request's time goes, layer by layer, for the day's visit list
 * of one clinic (the clinic-domain benchmark's line): every layer is served
 * from this process and measured taking turns request by request, so the
 * differences between lines are the layers' costs.
 *
 * - node:http answering a fixed body, and express doing the same after
 *   parsing the JSON body: the floor of any HTTP API with this client;
 * - the empty GraphQL query `{ __typename }` and the day list through
 *   PostGraphile alone (our preset without our plugins, on a bare express
 *   app), through our preset on the same bare app (our plugins: request
 *   limits, sealed cursors, error codes…), and through the ClinicOps API as
 *   `npm start` serves it (our express middlewares too: request log, CSRF
 *   guard, session check);
 * - the day list as the SQL the API runs through row-level security: on a
 *   connection set up once with the session, and in a read-only transaction
 *   with the session's settings as every API request opens (withPgSettings);
 *   and as plain SQL with `where clinic_id = …` (the baseline).
 *
 *   npm run bench:api-layers   (rebuilds clinicops_bench, 10 clinics, unless it is that at the newest migration: seconds)
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import pg from "pg";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/express/v4";
import { graphqlPreset } from "../server/graphql.ts";
import { pgSettingsFor } from "../server/pg-settings.ts";
import { apiPool, READ_ONLY, withPgSettings } from "../server/pg-transaction.ts";
import { verifySessionToken } from "../server/session-token.ts";
import { BENCH_SETTINGS, postGraphql, startBenchApi } from "./api-client.ts";
import { clinicIds, DAY_API, DAY_RLS, DAY_SQL, dayRange, visitorConnection } from "./clinic-lines.ts";
import { BENCH_DATABASE_URL, benchConfig, builtAlready, dropDatabases, generate, SMALL_DATABASE, staffPhone } from "./dataset.ts";
import { benchSize } from "./sizes.ts";
import { summarize, table } from "./stats.ts";
import { takeTurns } from "./turns.ts";

const ITERATIONS = benchSize("BENCH_ITERATIONS", 3000);
const WARM_UP = 1000;
const EMPTY = JSON.stringify({ query: "{ __typename }" });

async function listening(server: Server): Promise<URL> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

/** GraphQL on a bare express app: our preset, or with `withoutOurPlugins` PostGraphile's presets alone. */
async function bareGraphQL(pool: pg.Pool, withoutOurPlugins: boolean): Promise<{ url: URL; close(): Promise<void> }> {
  const preset = graphqlPreset({ pool, settings: BENCH_SETTINGS, roles: benchConfig.roles });
  if (withoutOurPlugins) {
    preset.plugins = [];
    // grafserv's own cache of parsed documents, which our preset turns off for its own (server/query-documents.ts)
    delete preset.grafserv!.parseAndValidateCacheSize;
  }
  const app = express();
  const server = createServer(app);
  const serv = postgraphile(preset).createServ(grafserv);
  await serv.addTo(app, server, false);
  const url = await listening(server);
  return { url, close: async () => void (await Promise.all([new Promise((resolve) => server.close(resolve)), serv.release()])) };
}

/** Sends `body` to `url`'s /graphql and throws unless it is answered 200 without errors; answers the visits listed, if any. */
async function answered(url: URL, body: string, cookie: string): Promise<number | undefined> {
  return JSON.parse(await postGraphql(url, body, cookie)).data.visits?.nodes.length;
}

async function main(): Promise<void> {
  if (!(await builtAlready(BENCH_DATABASE_URL, SMALL_DATABASE))) {
    process.stderr.write(`building ${benchConfig.databaseName} (10 clinics) at the newest migration\n`);
    await dropDatabases([benchConfig.databaseName]);
    await generate(10);
  }
  // what is open, closed last first at the end, or as soon as a step fails (each left open kept the process from ending)
  const opened: (() => Promise<unknown>)[] = [];
  const open = <T>(made: T, close: (made: T) => Promise<unknown>): T => (opened.unshift(() => close(made)), made);
  try {
    await measure(open);
  } finally {
    for (const close of opened) await close();
  }
}

async function measure(open: <T>(made: T, close: (made: T) => Promise<unknown>) => T): Promise<void> {
  const root = open(new pg.Client({ connectionString: BENCH_DATABASE_URL }), (client) => client.end());
  await root.connect();
  const [clinicId] = await clinicIds(root, [1]);

  const api = open(await startBenchApi(10, benchConfig), (made) => made.close());
  const apiUrl = new URL(api.url);
  const session = await api.login(staffPhone(1, "receptionist"));
  const pool = open(apiPool(benchConfig.authenticatorUrl, 10), (made) => made.end());
  const ours = open(await bareGraphQL(pool, false), (made) => made.close());
  const alone = open(await bareGraphQL(pool, true), (made) => made.close());
  const fixed = open(
    createServer((req, res) => {
      req.resume();
      req.on("end", () => res.setHeader("content-type", "application/json").end('{"data":{"__typename":"Query"}}'));
    }),
    (server) => new Promise((resolve) => server.close(resolve)),
  );
  const fixedUrl = await listening(fixed);
  const app = express().use(express.json()).post("/graphql", (_req, res) => void res.json({ data: { __typename: "Query" } }));
  const expressServer = open(createServer(app), (server) => new Promise((resolve) => server.close(resolve)));
  const expressUrl = await listening(expressServer);
  const visitor = open(await visitorConnection(benchConfig, root, clinicId), (client) => client.end());
  const claims = verifySessionToken(decodeURIComponent(session.cookie.slice(session.cookie.indexOf("=") + 1)), BENCH_SETTINGS.jwtSecret);
  // what every API request does around its statements: a read-only transaction with the session's settings
  const requestSettings = { ...pgSettingsFor(claims, BENCH_SETTINGS, benchConfig.roles), ...READ_ONLY };
  const day = (i: number) => JSON.stringify({ query: DAY_API, variables: dayRange(i) });
  // every timed request too: one answered with errors ends the run, where it was timed as an answer
  const sendTo = (url: URL, body: string) => postGraphql(url, body, session.cookie);
  // every layer answers, and the day lists list the same visits
  const visits = (await root.query(DAY_SQL, [clinicId, ...Object.values(dayRange(0))])).rowCount;
  if (!visits) throw new Error("the clinic has no visits today: the day lists would compare nothing");
  for (const url of [fixedUrl, expressUrl, alone.url, ours.url, apiUrl]) await answered(url, EMPTY, session.cookie);
  const inTransaction = await withPgSettings(pool, requestSettings, (client) => client.query(DAY_RLS, Object.values(dayRange(0))));
  const listings: Record<string, number | null | undefined> = { "the SQL in a request's transaction": inTransaction.rowCount };
  for (const url of [alone.url, ours.url, apiUrl]) listings[String(url)] = await answered(url, day(0), session.cookie);
  for (const [what, listed] of Object.entries(listings)) {
    if (listed !== visits) throw new Error(`${what} listed ${listed} visits of the day, the SQL ${visits}`);
  }
  const samples = await takeTurns(
    {
      "HTTP only (node:http, a fixed answer)": () => sendTo(fixedUrl, EMPTY),
      "HTTP and express (JSON body parsed, a fixed answer)": () => sendTo(expressUrl, EMPTY),
      "empty query, PostGraphile alone": () => sendTo(alone.url, EMPTY),
      "empty query, our preset": () => sendTo(ours.url, EMPTY),
      "empty query, ClinicOps API": () => sendTo(apiUrl, EMPTY),
      "day list, PostGraphile alone": (i) => sendTo(alone.url, day(i)),
      "day list, our preset": (i) => sendTo(ours.url, day(i)),
      "day list, ClinicOps API": (i) => sendTo(apiUrl, day(i)),
      "day list, SQL with RLS": (i) => visitor.query({ name: "day_rls", text: DAY_RLS, values: Object.values(dayRange(i)) }),
      "day list, SQL with RLS in a request's transaction": (i) =>
        withPgSettings(pool, requestSettings, (client) => client.query({ name: "day_rls", text: DAY_RLS, values: Object.values(dayRange(i)) })),
      "day list, SQL": (i) => root.query({ name: "day_sql", text: DAY_SQL, values: [clinicId, ...Object.values(dayRange(i))] }),
    },
    WARM_UP,
    ITERATIONS,
    1,
  );
  const all = Object.fromEntries(Object.entries(samples).map(([line, values]) => [line, summarize(values)]));
  console.log(`\n${ITERATIONS} requests each, taking turns in random order after ${WARM_UP} of warm-up, one clinic of 1,000 patients, times in ms\n`);
  console.log(table(all));
  const sql = all["day list, SQL"];
  console.log("\nover the plain SQL (p50, p95, mean)");
  for (const line of ["day list, ClinicOps API", "day list, PostGraphile alone", "day list, SQL with RLS in a request's transaction", "day list, SQL with RLS"]) {
    const { p50, p95, mean } = all[line];
    console.log(`- ${line}: ${(p50 / sql.p50).toFixed(2)}, ${(p95 / sql.p95).toFixed(2)}, ${(mean / sql.mean).toFixed(2)}`);
  }
  // means add up, percentiles do not: an HTTP API over RLS cannot do less than its HTTP exchange plus the query in a
  // transaction with the session's settings
  const floor = all["HTTP only (node:http, a fixed answer)"].mean + all["day list, SQL with RLS in a request's transaction"].mean;
  console.log(`- any HTTP API over RLS (HTTP only + SQL with RLS in a request's transaction, means): ${(floor / sql.mean).toFixed(2)}`);
}

await main();
