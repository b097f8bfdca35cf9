/**
 * Patient search and one day's visit list for one clinic, through the API
 * (HTTP + GraphQL + RLS), as the same SQL through row-level security on a
 * visitor session, and as plain SQL with `where clinic_id = …` (the
 * baseline), in a database of 10 clinics and in one of 1,000 of the same size,
 * served from one process and taking turns request by request, so that both see
 * the machine alike: the figures should follow the clinic's own data, not the total. The large database also gets one
 * clinic of 20,000 patients, measured alike: search must not read them all.
 * Last, 16 clinics' receptionists at once in the large database: requests per
 * second and latency under load, API and plain SQL.
 *
 *   npm run bench:clinic-domain   (rebuilds clinicops_bench and clinicops_bench_large: ~10 minutes)
 *   npm run bench:clinic-domain -- --reuse   (measures the databases a previous run built, if they
 *     have its clinics and the newest committed migration; rebuilds them otherwise)
 *   BENCH_CLINICS=100 npm run bench:clinic-domain    (a quicker look)
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { withCredentials } from "../db/config.ts";
import { startBenchApi } from "./api-client.ts";
import { runScript } from "./script.ts";
import { BENCH_DATABASE_URL, benchConfig, benchConfigFor, builtAlready, dropDatabases, generate, SMALL_DATABASE, staffPhone } from "./dataset.ts";
import { benchSize } from "./sizes.ts";
import { summarize, table } from "./stats.ts";
import { type ClinicLines, clinicIds, DAY_API, DAY_RLS, DAY_SQL, dayRange, differentAnswers, SEARCH_API, SEARCH_RLS, SEARCH_SQL, SEARCH_TERMS, visitorConnection } from "./clinic-lines.ts";
import { takeTurns, time } from "./turns.ts";

const CONCURRENT_CLIENTS = 16;
const BIG_CLINIC_PATIENTS = 20_000;
// below 16, refused before anything is built (the big clinic, number BENCH_CLINICS + 1, would be among the concurrent
// part's clinics, or missing from it); it also keeps the large database's label apart from "10 clinics"
const TOTAL_CLINICS = benchSize("BENCH_CLINICS", 1000, {
  min: CONCURRENT_CLIENTS,
  why: `the ${CONCURRENT_CLIENTS} clients at once log in as the receptionists of clinics 1 to ${CONCURRENT_CLIENTS} of the large database, which must all be clinics of 1,000 patients (clinic BENCH_CLINICS + 1 has ${BIG_CLINIC_PATIENTS.toLocaleString("en")})`,
});
const ROUNDS = 4;
/** BENCH_ITERATIONS timed requests per line and target, over ROUNDS rounds: each round takes its share, rounded up. */
const PER_ROUND = Math.ceil(benchSize("BENCH_ITERATIONS", 1000) / ROUNDS);
const WARM_UP = 1000; // requests per line before the timed ones
const LARGE_DATABASE_URL = withCredentials(BENCH_DATABASE_URL, null, null, `${benchConfig.databaseName}_large`);
const CONCURRENT_REQUESTS = 100; // per client and line
/** A clinic measured: its label in the figures, its database (a superuser address) and its number ("Bench clinic <n>"). */
interface Target {
  label: string;
  url: string;
  clinicNumber: number;
}

/** A target ready to be measured: its receptionist's API session, a superuser connection and a visitor connection with the same session. */
interface Connected extends ClinicLines {
  label: string;
  root: pg.Client;
  visitor: pg.Client;
  close(): Promise<void>;
}

const BIG = `a clinic of ${BIG_CLINIC_PATIENTS.toLocaleString("en")} patients`;
const TARGETS: Target[] = [
  { label: "10 clinics", url: BENCH_DATABASE_URL, clinicNumber: 1 },
  { label: `${TOTAL_CLINICS} clinics`, url: LARGE_DATABASE_URL, clinicNumber: 1 },
  { label: BIG, url: LARGE_DATABASE_URL, clinicNumber: TOTAL_CLINICS + 1 },
];

/** Starts an API server on the target's database and logs its clinic's receptionist in, through the API and on a visitor connection. */
async function connect({ label, url, clinicNumber }: Target): Promise<Connected> {
  const config = benchConfigFor(url);
  const root = new pg.Client({ connectionString: url });
  await root.connect();
  const api = await startBenchApi(10, config);
  const [clinicId] = await clinicIds(root, [clinicNumber]);
  const session = await api.login(staffPhone(clinicNumber, "receptionist"));
  const visitor = await visitorConnection(config, root, clinicId);
  return {
    label,
    clinicId,
    graphql: (query, variables) => session.graphql(query, variables),
    root,
    visitor,
    async close() {
      await visitor.end();
      await api.close();
      await root.end();
    },
  };
}

const term = (i: number) => SEARCH_TERMS[i % SEARCH_TERMS.length];

/** What each line sends for its i-th request to one target. */
const LINES: Record<string, (t: Connected, i: number) => Promise<unknown>> = {
  "empty query, API": (t) => t.graphql("{ __typename }", {}),
  "search, API": (t, i) => t.graphql(SEARCH_API, { q: term(i) }),
  // every line's statements are named, so prepared once per connection, as the API's are: the plain ones are planned
  // as PostgreSQL plans a prepared statement by default, the RLS ones generically, as the API's session settings say
  "search, SQL": (t, i) => t.root.query({ name: "search_sql", text: SEARCH_SQL, values: [t.clinicId, term(i)] }),
  "search, SQL with RLS": (t, i) => t.visitor.query({ name: "search_rls", text: SEARCH_RLS, values: [term(i)] }),
  "day list, API": (t, i) => t.graphql(DAY_API, dayRange(i)),
  "day list, SQL": (t, i) => {
    const { from, to } = dayRange(i);
    return t.root.query({ name: "day_sql", text: DAY_SQL, values: [t.clinicId, from, to] });
  },
  "day list, SQL with RLS": (t, i) => {
    const { from, to } = dayRange(i);
    return t.visitor.query({ name: "day_rls", text: DAY_RLS, values: [from, to] });
  },
};

/**
 * Round `round`, every target served in this process at once: WARM_UP requests
 * per line and target (V8 optimises the code paths: PostGraphile's take ~1,000
 * requests to settle, as in a server that has been up for a while), then
 * PER_ROUND timed ones of each, in turns of one request of every line
 * of every target, in a new random order each turn. So a stall of the machine,
 * a garbage collection or a change of the machine's speed falls on all of them
 * alike, the ratios between lines compare requests made moments apart, and no
 * request always follows the same other one (in a fixed order, the first target
 * of each line always came after another line's requests, with colder caches:
 * its empty query read 0.88 ms at p50 where the others' read 0.50–0.58).
 * Measured one after the other instead, seconds apart, the same day list's p95
 * moved by up to 86% between databases of the same code and data. Times in ms,
 * by "line (target)".
 */
async function measure(round: number): Promise<Record<string, number[]>> {
  const targets: Connected[] = [];
  try {
    for (const target of TARGETS) targets.push(await connect(target));
    // once, untimed: every line of every target answers the rows the API does, for every term and day the run sends
    // (the plain search sorted its names otherwise, and read "2557" otherwise in the large clinic; the day lists
    // left visits of one hour in any order)
    if (round === 1) {
      for (const t of targets) {
        const differences = await differentAnswers(t, WARM_UP + PER_ROUND);
        if (differences.length > 0) throw new Error(`${t.label}: the lines answer differently, no baseline of the API:\n${differences.join("\n")}`);
      }
    }
    const lines = Object.fromEntries(
      Object.entries(LINES).flatMap(([line, send]) => targets.map((t) => [`${line} (${t.label})`, (i: number) => send(t, i)])),
    );
    return await takeTurns(lines, WARM_UP, PER_ROUND, round);
  } finally {
    for (const t of targets) await t.close();
  }
}

interface Throughput {
  seconds: number;
  samples: number[];
}

/**
 * The receptionists of CONCURRENT_CLIENTS clinics at once, each sending its
 * requests one after another: requests per second and latency, through the API
 * (one server process, a pool of as many connections as clients) and as plain
 * SQL (a connection per client).
 */
async function measureConcurrent(): Promise<Record<string, Throughput>> {
  const root = new pg.Pool({ connectionString: BENCH_DATABASE_URL, max: CONCURRENT_CLIENTS });
  const api = await startBenchApi(CONCURRENT_CLIENTS);
  try {
    const clients = Array.from({ length: CONCURRENT_CLIENTS }, (_, c) => c);
    const ids = await clinicIds(root, clients.map((c) => c + 1));
    const sessions = await Promise.all(clients.map((c) => api.login(staffPhone(c + 1, "receptionist"))));
    const term = (c: number, i: number) => SEARCH_TERMS[(c + i) % SEARCH_TERMS.length];
    const run = async (fn: (c: number, i: number) => Promise<unknown>): Promise<Throughput> => {
      await Promise.all(clients.map(async (c) => { for (let i = 0; i < 20; i++) await fn(c, i); })); // warm-up
      const samples: number[] = [];
      const start = process.hrtime.bigint();
      await Promise.all(clients.map(async (c) => { for (let i = 0; i < CONCURRENT_REQUESTS; i++) samples.push(await time(() => fn(c, i))); }));
      return { seconds: Number(process.hrtime.bigint() - start) / 1e9, samples };
    };
    return {
      "search, API": await run((c, i) => sessions[c].graphql(SEARCH_API, { q: term(c, i) })),
      "search, SQL": await run((c, i) => root.query(SEARCH_SQL, [ids[c], term(c, i)])),
      "day list, API": await run((c, i) => sessions[c].graphql(DAY_API, dayRange(c + i))),
      "day list, SQL": await run((c, i) => {
        const { from, to } = dayRange(c + i);
        return root.query(DAY_SQL, [ids[c], from, to]);
      }),
    };
  } finally {
    await api.close();
    await root.end();
  }
}

/** Each round runs in a process of its own, so every round starts alike (a later one would otherwise run on code an earlier one warmed up). */
function measureInFreshProcess(round: number): Record<string, number[]> {
  return runScript(fileURLToPath(import.meta.url), ["--measure", String(round)]);
}

/** Builds both databases afresh: 10 clinics, and TOTAL_CLINICS plus the big clinic. */
async function build(): Promise<void> {
  await dropDatabases([benchConfig.databaseName, `${benchConfig.databaseName}_large`]);
  await generate(10);
  // the large database is generated by dataset.ts's command line, which reads BENCH_DATABASE_URL
  const addToLarge = (...args: string[]) => {
    const generated = spawnSync(process.execPath, [fileURLToPath(new URL("dataset.ts", import.meta.url)), ...args], {
      stdio: "inherit",
      env: { ...process.env, BENCH_DATABASE_URL: LARGE_DATABASE_URL },
    });
    if (generated.status !== 0) throw new Error("generating the large database failed");
  };
  addToLarge("--clinics", String(TOTAL_CLINICS));
  addToLarge("--clinics", "1", "--patients", String(BIG_CLINIC_PATIENTS)); // Bench clinic TOTAL_CLINICS + 1
}

async function main(): Promise<void> {
  const reusable =
    process.argv.includes("--reuse") &&
    (await builtAlready(BENCH_DATABASE_URL, SMALL_DATABASE)) &&
    (await builtAlready(LARGE_DATABASE_URL, {
      clinics: TOTAL_CLINICS + 1,
      patients: TOTAL_CLINICS * 1000 + BIG_CLINIC_PATIENTS,
      visits: (TOTAL_CLINICS + 1) * 3000,
    }));
  if (reusable) process.stderr.write("measuring the databases of a previous run (--reuse)\n");
  else await build();

  const samples: Record<string, number[]> = {};
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`\rmeasuring: round ${round}/${ROUNDS}   `);
    for (const [line, values] of Object.entries(measureInFreshProcess(round))) (samples[line] ??= []).push(...values);
  }
  process.stderr.write("\n");
  const all = Object.fromEntries(Object.entries(samples).map(([line, values]) => [line, summarize(values)]));
  console.log(`\n${PER_ROUND * ROUNDS} requests each (${ROUNDS} rounds of ${PER_ROUND}, every line of every database taking turns request by request, in random order), one clinic of 1,000 patients (or ${BIG_CLINIC_PATIENTS.toLocaleString("en")}) and 3,000 visits, sequential, times in ms\n`);
  console.log(table(all));
  console.log("\nratios");
  for (const name of ["search", "day list"]) {
    for (const { label: size } of TARGETS) {
      const apiP95 = all[`${name}, API (${size})`].p95;
      const sqlP95 = all[`${name}, SQL (${size})`].p95;
      const rlsP95 = all[`${name}, SQL with RLS (${size})`].p95;
      // an estimate of what this server's API could reach with no GraphQL work for the query: its floor (HTTP and GraphQL,
      // the empty query) plus the query's own time through RLS, sent as the API sends it (means add up; percentiles do not)
      const floor = all[`empty query, API (${size})`].mean + all[`${name}, SQL with RLS (${size})`].mean;
      const sqlMean = all[`${name}, SQL (${size})`].mean;
      console.log(
        `- ${name}, ${size}: API p95 / SQL p95 = ${(apiP95 / sqlP95).toFixed(2)}; SQL with RLS p95 / SQL p95 = ${(rlsP95 / sqlP95).toFixed(2)}; ` +
          `means: API / SQL = ${(all[`${name}, API (${size})`].mean / sqlMean).toFixed(2)}, (empty query + SQL with RLS) / SQL = ${(floor / sqlMean).toFixed(2)}`,
      );
    }
    const [large, small] = [all[`${name}, API (${TOTAL_CLINICS} clinics)`], all[`${name}, API (10 clinics)`]];
    console.log(
      `- ${name}: API with ${TOTAL_CLINICS} clinics / with 10 clinics = ${(large.p95 / small.p95).toFixed(2)} at p95, ${(large.p50 / small.p50).toFixed(2)} at p50`,
    );
  }

  process.stderr.write(`measuring: ${CONCURRENT_CLIENTS} clients at once\n`);
  const concurrent = runScript<Record<string, Throughput>>(fileURLToPath(import.meta.url), ["--concurrent"], {
    ...process.env,
    BENCH_DATABASE_URL: LARGE_DATABASE_URL,
  });
  console.log(`\n${CONCURRENT_CLIENTS} receptionists of ${CONCURRENT_CLIENTS} clinics (${TOTAL_CLINICS}-clinic database) at once, ${CONCURRENT_REQUESTS} requests each per line\n`);
  console.log("| measure | requests/s | p50 ms | p95 ms |\n|---|---:|---:|---:|");
  for (const [line, { seconds, samples }] of Object.entries(concurrent)) {
    const { p50, p95 } = summarize(samples);
    console.log(`| ${line} | ${(samples.length / seconds).toFixed(0)} | ${p50.toFixed(2)} | ${p95.toFixed(2)} |`);
  }
}

const measuring = process.argv.indexOf("--measure");
if (measuring > 0) console.log(JSON.stringify(await measure(Number(process.argv[measuring + 1]))));
else if (process.argv.includes("--concurrent")) console.log(JSON.stringify(await measureConcurrent()));
else await main();
