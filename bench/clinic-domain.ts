/**
 * Patient search and one day's visit list for one clinic, through the API
 * (HTTP + GraphQL + RLS), as the same SQL through row-level security on a
 * visitor session, and as plain SQL with `where clinic_id = …` (the
 * baseline), first with 10 clinics in the database and then with 1,000 of the
 * same size: the figures should follow the clinic's own data, not the total.
 *
 *   npm run bench:clinic-domain            (rebuilds clinicops_bench: ~4 minutes)
 *   BENCH_CLINICS=100 npm run bench:clinic-domain    (a quicker look)
 */
import type { AddressInfo } from "node:net";
import pg from "pg";
import { createApiServer } from "../server/app.ts";
import { serverSettings } from "../server/settings.ts";
import { withCredentials } from "../db/config.ts";
import { BENCH_DATABASE_URL, BENCH_PASSWORD, benchConfig, generate } from "./dataset.ts";
import { summarize, table, type Summary } from "./stats.ts";

const TOTAL_CLINICS = Number(process.env.BENCH_CLINICS ?? 1000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const SEARCH_TERMS = ["mwak", "kima", "moll", "njor", "otie", "mush", "zawadi", "neema", "baraka", "lyim", "temba", "PAT-000123",
  "PAT-000777", "kamau", "wanj", "sanga", "mosha", "ringo", "halima", "juma", "2557", "ngowi", "tarimo", "assenga", "grace", "omari"];

const SEARCH_API = `query($q: String!) { searchPatients(query: $q, first: 20) { nodes { code firstName lastName phone } } }`;
const SEARCH_SQL = `select code, first_name, last_name, phone from app_public.patient
  where clinic_id = $1 and deleted_at is null and search_text like '%' || lower($2) || '%'
  order by (code = upper($2)) desc, last_name, first_name, id limit 20`;
/** What the API's search runs, through row-level security, on a connection already set up as a visitor session. */
const SEARCH_RLS = `select code, first_name, last_name, phone from app_public.search_patients($1) limit 20`;
const DAY_RLS = `select v.code, v.status, v.scheduled_at, p.code as patient_code, p.first_name, p.last_name, v.doctor_id
  from app_public.visit v join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
  where v.scheduled_at >= $1 and v.scheduled_at < $2 order by v.scheduled_at limit 100`;
const DAY_API = `query($from: Datetime!, $to: Datetime!) {
  visits(filter: { scheduledAt: { greaterThanOrEqualTo: $from, lessThan: $to } }, orderBy: SCHEDULED_AT_ASC, first: 100) {
    nodes { code status scheduledAt patient { code firstName lastName } doctor { rowId } } } }`;
const DAY_SQL = `select v.code, v.status, v.scheduled_at, p.code as patient_code, p.first_name, p.last_name, v.doctor_id
  from app_public.visit v join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
  where v.clinic_id = $1 and v.scheduled_at >= $2 and v.scheduled_at < $3 order by v.scheduled_at limit 100`;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function repeat(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(20, n); i++) await fn(i); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await time(() => fn(i)));
  return samples;
}

function dayRange(i: number): { from: string; to: string } {
  const day = new Date(Date.now() - ((i * 7) % 300) * 86400_000);
  day.setUTCHours(0, 0, 0, 0);
  return { from: day.toISOString(), to: new Date(day.getTime() + 86400_000).toISOString() };
}

async function measure(label: string): Promise<Record<string, Summary>> {
  const root = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await root.connect();
  const pool = new pg.Pool({ connectionString: benchConfig.authenticatorUrl, max: 10 });
  process.env.LOG_LEVEL = "silent";
  const settings = serverSettings({ JWT_SECRET: "bench-secret-bench-secret-bench-secret!!", NODE_ENV: "production" }, "");
  const api = await createApiServer({ pool, settings, roles: benchConfig.roles });
  await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  try {
    const { rows } = await root.query("select id from app_public.clinic where name = 'Bench clinic 1'");
    const clinicId = rows[0].id as string;
    const login = await fetch(`${url}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ phone: "+2556000001" + "1", password: BENCH_PASSWORD }),
    });
    if (!login.ok) throw new Error(`login failed: ${await login.text()}`);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const { sessionId } = (await root.query(
      "select id as \"sessionId\" from app_private.session where clinic_id = $1 and revoked_at is null order by created_at desc limit 1",
      [clinicId],
    )).rows[0];
    const visitor = new pg.Client({ connectionString: benchConfig.authenticatorUrl });
    await visitor.connect();
    await visitor.query(`set role ${pg.escapeIdentifier(benchConfig.roles.visitor)}`);
    await visitor.query("select set_config('jwt.claims.session_id', $1, false)", [sessionId]);
    const graphql = async (query: string, variables: object) => {
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: JSON.stringify({ query, variables }),
      });
      const body = await response.json();
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body;
    };
    const term = (i: number) => SEARCH_TERMS[i % SEARCH_TERMS.length];
    const results = {
      [`search, API (${label})`]: summarize(await repeat(ITERATIONS, (i) => graphql(SEARCH_API, { q: term(i) }))),
      [`search, SQL (${label})`]: summarize(await repeat(ITERATIONS, (i) => root.query(SEARCH_SQL, [clinicId, term(i)]))),
      [`search, SQL with RLS (${label})`]: summarize(await repeat(ITERATIONS, (i) => visitor.query(SEARCH_RLS, [term(i)]))),
      [`day list, API (${label})`]: summarize(await repeat(ITERATIONS, (i) => graphql(DAY_API, dayRange(i)))),
      [`day list, SQL (${label})`]: summarize(
        await repeat(ITERATIONS, (i) => {
          const { from, to } = dayRange(i);
          return root.query(DAY_SQL, [clinicId, from, to]);
        }),
      ),
      [`day list, SQL with RLS (${label})`]: summarize(
        await repeat(ITERATIONS, (i) => {
          const { from, to } = dayRange(i);
          return visitor.query(DAY_RLS, [from, to]);
        }),
      ),
    };
    await visitor.end();
    return results;
  } finally {
    await api.close();
    await pool.end();
    await root.end();
  }
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: withCredentials(BENCH_DATABASE_URL, null, null, "postgres") });
  await admin.connect();
  await admin.query(`drop database if exists ${pg.escapeIdentifier(benchConfig.databaseName)} with (force)`);
  await admin.end();

  await generate(10);
  const small = await measure("10 clinics");
  await generate(TOTAL_CLINICS - 10);
  const large = await measure(`${TOTAL_CLINICS} clinics`);

  const all = { ...small, ...large };
  console.log(`\n${ITERATIONS} requests each, one clinic of 1,000 patients and 3,000 visits, sequential, times in ms\n`);
  console.log(table(all));
  console.log("\nratios");
  for (const [name, big] of [["search", `${TOTAL_CLINICS} clinics`], ["day list", `${TOTAL_CLINICS} clinics`]] as const) {
    for (const size of ["10 clinics", big]) {
      const apiP95 = all[`${name}, API (${size})`].p95;
      const sqlP95 = all[`${name}, SQL (${size})`].p95;
      const rlsP95 = all[`${name}, SQL with RLS (${size})`].p95;
      console.log(`- ${name}, ${size}: API p95 / SQL p95 = ${(apiP95 / sqlP95).toFixed(2)}; SQL with RLS p95 / SQL p95 = ${(rlsP95 / sqlP95).toFixed(2)}`);
    }
    const growth = all[`${name}, API (${big})`].p95 / all[`${name}, API (10 clinics)`].p95;
    console.log(`- ${name}: API p95 with ${big} / with 10 clinics = ${growth.toFixed(2)}`);
  }
}

await main();
