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
 *   limits, signed cursors, error codes…), and through the ClinicOps API as
 *   `npm start` serves it (our express middlewares too: request log, CSRF
 *   guard, session check);
 * - the day list as the SQL the API runs through row-level security, and as
 *   plain SQL with `where clinic_id = …` (the baseline).
 *
 *   npm run bench:api-layers   (builds clinicops_bench's 10 clinics when it has none: a few seconds)
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import pg from "pg";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/express/v4";
import { graphqlPreset } from "../server/graphql.ts";
import { apiPool } from "../server/pg-transaction.ts";
import { BENCH_SETTINGS, post, startBenchApi } from "./api-client.ts";
import { clinicIds, DAY_API, DAY_RLS, DAY_SQL, dayRange, visitorConnection } from "./clinic-lines.ts";
import { BENCH_DATABASE_URL, benchConfig, generate, staffPhone } from "./dataset.ts";
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
  if (withoutOurPlugins) preset.plugins = [];
  const app = express();
  const server = createServer(app);
  const serv = postgraphile(preset).createServ(grafserv);
  await serv.addTo(app, server, false);
  const url = await listening(server);
  return { url, close: async () => void (await Promise.all([new Promise((resolve) => server.close(resolve)), serv.release()])) };
}

/** Bench clinic 1's id, or none when BENCH_DATABASE_URL has no such database or clinic. */
async function benchClinic(root: pg.Client): Promise<string | undefined> {
  try {
    return (await clinicIds(root, [1]))[0];
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  let root = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  root.on("error", () => {});
  let clinicId = await root.connect().then(() => benchClinic(root), () => undefined);
  if (!clinicId) {
    await root.end().catch(() => {});
    await generate(10);
    root = new pg.Client({ connectionString: BENCH_DATABASE_URL });
    await root.connect();
    clinicId = (await benchClinic(root))!;
  }

  const api = await startBenchApi(10, benchConfig);
  const session = await api.login(staffPhone(1, "receptionist"));
  const pool = apiPool(benchConfig.authenticatorUrl, 10);
  const ours = await bareGraphQL(pool, false);
  const alone = await bareGraphQL(pool, true);
  const fixed = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.setHeader("content-type", "application/json").end('{"data":{"__typename":"Query"}}'));
  });
  const fixedUrl = await listening(fixed);
  const app = express().use(express.json()).post("/graphql", (_req, res) => void res.json({ data: { __typename: "Query" } }));
  const expressServer = createServer(app);
  const expressUrl = await listening(expressServer);
  const visitor = await visitorConnection(benchConfig, root, clinicId);
  const day = (i: number) => JSON.stringify({ query: DAY_API, variables: dayRange(i) });
  const sendTo = (url: URL, body: string) => post(url, "/graphql", body, session.cookie);
  try {
    const samples = await takeTurns(
      {
        "HTTP only (node:http, a fixed answer)": () => sendTo(fixedUrl, EMPTY),
        "HTTP and express (JSON body parsed, a fixed answer)": () => sendTo(expressUrl, EMPTY),
        "empty query, PostGraphile alone": () => sendTo(alone.url, EMPTY),
        "empty query, our preset": () => sendTo(ours.url, EMPTY),
        "empty query, ClinicOps API": () => sendTo(new URL(api.url), EMPTY),
        "day list, PostGraphile alone": (i) => sendTo(alone.url, day(i)),
        "day list, our preset": (i) => sendTo(ours.url, day(i)),
        "day list, ClinicOps API": (i) => sendTo(new URL(api.url), day(i)),
        "day list, SQL with RLS": (i) => visitor.query({ name: "day_rls", text: DAY_RLS, values: Object.values(dayRange(i)) }),
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
    for (const line of ["day list, ClinicOps API", "day list, PostGraphile alone", "day list, SQL with RLS"]) {
      const { p50, p95, mean } = all[line];
      console.log(`- ${line}: ${(p50 / sql.p50).toFixed(2)}, ${(p95 / sql.p95).toFixed(2)}, ${(mean / sql.mean).toFixed(2)}`);
    }
    // means add up, percentiles do not: any HTTP API's floor is its HTTP exchange plus the query through RLS
    const floor = all["HTTP only (node:http, a fixed answer)"].mean + all["day list, SQL with RLS"].mean;
    console.log(`- any HTTP API (HTTP only + SQL with RLS, means): ${(floor / sql.mean).toFixed(2)}`);
  } finally {
    await visitor.end();
    await new Promise((resolve) => fixed.close(resolve));
    await new Promise((resolve) => expressServer.close(resolve));
    await ours.close();
    await alone.close();
    await api.close();
    await pool.end();
    await root.end();
  }
}

await main();
