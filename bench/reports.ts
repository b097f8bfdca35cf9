/**
 * Reports at scale, each against a baseline measured in the same run:
 *
 * 1. The dashboard of a clinic with a year of 100,000 visits (one or two
 *    services on each completed one) and 75,000 invoices of two lines paid in
 *    150,000 payments: p95 through the API, and app_private.dashboard_for as
 *    plain SQL.
 * 2. Invoice PDFs with a warm browser, in a process of its own (as a worker
 *    renders them): invoices per second over 1,000 renders, and the resident
 *    memory (that process + the Chromium it launched) after 100 and after 1,000;
 *    when the renderer uses the headless shell, the full Chromium over 100
 *    renders as the baseline (skipped, saying why, without a full Chromium).
 * 3. A CSV export of 1,000,000 payment rows through the worker task, in a
 *    process of its own: seconds and peak memory, and `psql \copy` of the
 *    same query.
 *
 *   npm run bench:reports      (rebuilds clinicops_bench: ~3 minutes)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { withCredentials } from "../db/config.ts";
import { projectPath } from "../db/paths.ts";
import { browserProcessId, closeBrowser, findBrowser, renderPdf } from "../worker/pdf/renderer.ts";
import { invoiceHtml } from "../worker/pdf/templates.ts";
import { startBenchApi } from "./api-client.ts";
import { runScript } from "./script.ts";
import { addBilling, addVisitServices } from "./billing.ts";
import { BENCH_DATABASE_URL, benchConfig, generate, staffPhone } from "./dataset.ts";
import { summarize, table } from "./stats.ts";

const CSV_ROWS = 1_000_000;
const FULL_CHROMIUM = "/usr/bin/chromium";
const RENDERS = 1000;
const MEMORY_FIRST_AT = 100; // renders before the first memory reading
const BASELINE_RENDERS = 100;

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Resident memory of this process and of the browser it launched (the process
 * `browserPid` and its descendants, found by their parents in /proc), in MB.
 * Only this bench's browser: matching every process named like Chromium also
 * counted any other browser on the machine.
 */
function residentMB(browserPid: number | undefined): number {
  const parentOf = new Map<number, number>();
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      // the parent is the 2nd field after the command, which is in parentheses and may hold spaces
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      parentOf.set(Number(pid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = new Set(browserPid ? [browserPid] : []);
  for (let grown = true; grown; ) {
    grown = false;
    for (const [pid, parent] of parentOf) {
      if (tree.has(parent) && !tree.has(pid)) {
        tree.add(pid);
        grown = true;
      }
    }
  }
  let kb = 0;
  for (const pid of [process.pid, ...tree]) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return kb / 1024;
}

interface PdfFigures {
  browserUsed: string;
  seconds: number;
  memoryFirst: number;
  memoryLast: number;
  fullBrowserRate: number | null;
  /** Why there is no baseline, when there is none. */
  noBaseline: string | null;
}

/** RENDERS renders of one invoice with a warm browser, then the full browser's rate as the baseline. */
async function measurePdfs(clinicId: string, invoiceId: string): Promise<PdfFigures> {
  const owner = new pg.Client({ connectionString: benchConfig.ownerUrl });
  await owner.connect();
  const doc = (await owner.query("select app_private.invoice_document($1, $2) as d", [clinicId, invoiceId])).rows[0].d;
  await owner.end();
  await renderPdf(invoiceHtml(doc)); // warm
  let memoryFirst = 0;
  const pdfStart = Date.now();
  for (let i = 1; i <= RENDERS; i++) {
    await renderPdf(invoiceHtml(doc));
    if (i === MEMORY_FIRST_AT) memoryFirst = residentMB(await browserProcessId());
  }
  const seconds = (Date.now() - pdfStart) / 1000;
  const memoryLast = residentMB(await browserProcessId());
  await closeBrowser();
  // baseline: the full browser, where the system has one
  const browserUsed = findBrowser();
  let fullBrowserRate: number | null = null;
  let noBaseline: string | null = null;
  if (!existsSync(FULL_CHROMIUM)) noBaseline = `no full Chromium at ${FULL_CHROMIUM}`;
  else if (browserUsed === FULL_CHROMIUM) noBaseline = "the renders above were the full Chromium's";
  else {
    const chosen = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = FULL_CHROMIUM;
    await renderPdf(invoiceHtml(doc)); // warm
    const start = Date.now();
    for (let i = 1; i <= BASELINE_RENDERS; i++) await renderPdf(invoiceHtml(doc));
    fullBrowserRate = BASELINE_RENDERS / ((Date.now() - start) / 1000);
    await closeBrowser();
    if (chosen === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = chosen;
  }
  return { browserUsed, seconds, memoryFirst, memoryLast, fullBrowserRate, noBaseline };
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: withCredentials(BENCH_DATABASE_URL, null, null, "postgres") });
  await admin.connect();
  await admin.query(`drop database if exists ${pg.escapeIdentifier(benchConfig.databaseName)} with (force)`);
  await admin.end();
  await generate(2, 20_000, 100_000, 1);
  const root = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await root.connect();
  await addBilling(root, 75_000); // 150,000 payments per clinic, 150,000 invoice lines
  await addVisitServices(root);
  await root.query("select app_private.rebuild_rollups(id) from app_public.clinic"); // bulk loads bypass the rollup triggers
  const { rows: clinics } = await root.query("select id, name from app_public.clinic order by name");
  const [one, two] = clinics;

  // 1. dashboard
  const api = await startBenchApi();
  const owner1 = await api.login(staffPhone(1, "owner")); // the owner of clinic `one`
  const { rows: period } = await root.query("select (current_date - 365)::text as from_date, current_date::text as to_date");
  const { from_date: from, to_date: to } = period[0];
  const query = `query($from: Date!, $to: Date!) { dashboard(fromDate: $from, toDate: $to) {
    revenue revenueByDay revenueByMethod visitsByStatus visitsByDoctor newPatients topServices outstandingBalance averageVisitValue } }`;
  const apiSamples: number[] = [];
  const sqlSamples: number[] = [];
  for (let i = 0; i < 110; i++) {
    const a = await timeIt(() => owner1.graphql(query, { from, to }));
    const s = await timeIt(() => root.query("select * from app_private.dashboard_for($1, $2, $3)", [one.id, from, to]));
    if (i >= 10) apiSamples.push(a), sqlSamples.push(s);
  }
  await api.close();

  // 2. PDFs, in a process of its own: its memory is the renderer's, not this benchmark's
  const { rows: inv } = await root.query("select id from app_public.invoice where clinic_id = $1 limit 1", [one.id]);
  const pdfs = runScript<PdfFigures>(fileURLToPath(import.meta.url), ["--pdfs", one.id, inv[0].id]);

  // 3. CSV of 1,000,000 payments
  await root.query("begin");
  await root.query("set local session_replication_role = replica");
  const { rows: inv2 } = await root.query("select id from app_public.invoice where clinic_id = $1 limit 1", [two.id]);
  await root.query(
    `insert into app_public.payment (clinic_id, code, invoice_id, amount, method, received_at, business_date)
     select $1, 'PAY-X' || g, $2, 1 + g % 1000, 'cash', '2020-06-01T09:00:00Z', '2020-06-01' from generate_series(1, $3::int) g`,
    [two.id, inv2[0].id, CSV_ROWS],
  );
  await root.query("commit");
  // as autovacuum would within a minute of such a load: without fresh statistics the planner takes the
  // clinic for one without payments and joins the million rows one by one (16 s instead of 7 in one run)
  await root.query("analyze app_public.payment, app_public.invoice");
  process.env.EXPORTS_DIR = mkdtempSync(join(tmpdir(), "clinicops-bench-exports-"));
  const { rows: ex } = await root.query(
    `insert into app_public.report_export (clinic_id, kind, from_date, to_date) values ($1, 'payments_csv', '2020-06-01', '2020-06-01') returning id`,
    [two.id],
  );
  await root.query("select graphile_worker.add_job('report_export__produce', json_build_object('clinicId', $1::uuid, 'id', $2::uuid))", [two.id, ex[0].id]);
  // in a process of its own, as a worker runs it: its peak memory is the export's, not this benchmark's
  const { ms: csvMs, rssBeforeMB: rssBefore, peakRssMB: rssPeak } = runScript<Record<string, number>>(projectPath("worker/run-once.ts"), [], {
    ...process.env,
    RUN_ONCE_OWNER_URL: benchConfig.ownerUrl,
  });
  const { rows: done } = await root.query("select status, rows_done, byte_size from app_public.report_export where id = $1", [ex[0].id]);
  const sql = (await root.query("select app_private.export_query('payments_csv') as q")).rows[0].q as string;
  const literalSql = sql.replaceAll("$1", `'${two.id}'`).replaceAll("$2", "'2020-06-01'").replaceAll("$3", "'2020-06-01'").replace(/\s+/g, " ");
  const copyFile = join(tmpdir(), "clinicops-bench-copy.csv");
  const copyStart = process.hrtime.bigint();
  const copy = spawnSync("psql", [BENCH_DATABASE_URL, "-qc", `\\copy (${literalSql}) to '${copyFile}' csv header`], { encoding: "utf8" });
  const copyMs = Number(process.hrtime.bigint() - copyStart) / 1e6;
  if (copy.status !== 0) throw new Error(copy.stderr);
  await root.end();

  console.log("\n## Dashboard: one clinic, a year, 100,000 visits, 150,000 payments (ms)\n");
  console.log(table({ "API (GraphQL dashboard)": summarize(apiSamples), "plain SQL (dashboard_for)": summarize(sqlSamples) }));
  console.log(`\nAPI p95 / SQL p95 = ${(summarize(apiSamples).p95 / summarize(sqlSamples).p95).toFixed(2)}`);
  const { browserUsed, seconds, memoryFirst, memoryLast, fullBrowserRate, noBaseline } = pdfs;
  const count = (n: number) => n.toLocaleString("en");
  console.log(`\n## Invoice PDFs, warm browser (${browserUsed}), in a process of their own\n\n${count(RENDERS)} renders in ${seconds.toFixed(1)} s: ${(RENDERS / seconds).toFixed(1)} invoices/s`);
  if (fullBrowserRate !== null) console.log(`baseline, the full browser (${FULL_CHROMIUM}): ${fullBrowserRate.toFixed(1)} invoices/s over ${count(BASELINE_RENDERS)} renders`);
  else console.log(`baseline, the full browser: skipped (${noBaseline})`);
  console.log(`resident memory (renderer process + the Chromium it launched): ${memoryFirst.toFixed(0)} MB after ${count(MEMORY_FIRST_AT)}, ${memoryLast.toFixed(0)} MB after ${count(RENDERS)} (${((memoryLast / memoryFirst - 1) * 100).toFixed(1)}%)`);
  console.log(`\n## CSV: ${count(CSV_ROWS)} payment rows\n`);
  console.log(`export task: ${(csvMs / 1000).toFixed(1)} s, ${done[0].status}, ${done[0].rows_done} rows, ${(Number(done[0].byte_size) / 1e6).toFixed(1)} MB; worker process RSS ${rssBefore.toFixed(0)} MB at start, peak ${rssPeak.toFixed(0)} MB`);
  console.log(`psql \\copy of the same query: ${(copyMs / 1000).toFixed(1)} s, ${(statSync(copyFile).size / 1e6).toFixed(1)} MB; ratio ${(csvMs / copyMs).toFixed(2)}`);
  // the export's file too (about 80 MB), left in the temporary folder after every run
  execFileSync("rm", ["-rf", copyFile, process.env.EXPORTS_DIR]);
}

const pdfsAt = process.argv.indexOf("--pdfs");
if (pdfsAt > 0) console.log(JSON.stringify(await measurePdfs(process.argv[pdfsAt + 1], process.argv[pdfsAt + 2])));
else await main();
