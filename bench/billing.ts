/**
 * Billing at scale: 1,000 clinics with 5,000,000 payments (2,500 paid invoices
 * of two payments each per clinic, over a year).
 *
 * 1. The nightly reconciliation of every clinic for one day
 *    (app_private.open_reconciliations, what the reconciliation__open task runs),
 *    first run and rerun, against a target of 60 s.
 * 2. recordPayment under 50 concurrent clients (fewer if BENCH_CLINICS is: one
 *    owner session in each of 50 clinics; the generated clinics have
 *    no cashier), through the API and, as the baseline, the same function called
 *    over plain SQL connections with the same sessions, in the same run.
 *
 *   npm run bench:billing      (rebuilds clinicops_bench: ~8 minutes)
 */
import pg from "pg";
import { withCredentials } from "../db/config.ts";
import { startBenchApi } from "./api-client.ts";
import { BENCH_DATABASE_URL, benchConfig, generate, staffPhone } from "./dataset.ts";
import { benchSize } from "./sizes.ts";
import { summarize, table } from "./stats.ts";

const CLIENTS = 50; // at most: one per clinic

/**
 * This benchmark's sizes, read as it starts: read as this file was imported, they were read, and refused, by
 * bench:reports and bench:time-zone-change too, which import its loaders and take none of them.
 */
function billingSizes() {
  return {
    clinics: benchSize("BENCH_CLINICS", 1000),
    invoicesPerClinic: benchSize("BENCH_INVOICES", 2500),
    paymentsPerClient: benchSize("BENCH_PAYMENTS_PER_CLIENT", 40),
  };
}

const CATALOG_SIZE = 20;
/** A CTE with each clinic's catalog as arrays ordered by code, for bulk loads that pick services at random (1 to CATALOG_SIZE). */
const CATALOG_CTE = `catalog as (
  select s.clinic_id, array_agg(s.id order by s.code) as ids, array_agg(s.price order by s.code) as prices,
         array_agg(s.name order by s.code) as names
  from app_public.service s group by s.clinic_id)`;
const RANDOM_SERVICE = `1 + floor(random() * ${CATALOG_SIZE})::int`;

/** A catalog of CATALOG_SIZE services per clinic (codes written directly: triggers are off). */
async function addCatalog(root: pg.Client, clinicIds: string[]): Promise<void> {
  await root.query(
    `insert into app_public.service (clinic_id, code, name, category, price, duration_minutes)
     select c, 'SRV-' || lpad(k::text, 6, '0'), 'Bench service ' || k, 'Bench', 5000 + k * 1500, 15
     from unnest($1::uuid[]) c cross join generate_series(1, $2::int) k
     where not exists (select 1 from app_public.service s where s.clinic_id = c)`,
    [clinicIds, CATALOG_SIZE],
  );
  await root.query(
    `insert into app_private.code_counter (clinic_id, prefix, last_value) select c, 'SRV', $2 from unnest($1::uuid[]) c
     on conflict do nothing`,
    [clinicIds, CATALOG_SIZE],
  );
}

/** One or two catalog services on every completed visit (bulk, triggers off: completed visits' services are frozen; their positions written as the trigger would). */
export async function addVisitServices(root: pg.Client): Promise<void> {
  await root.query("begin");
  await root.query("set local session_replication_role = replica");
  await root.query(
    `with ${CATALOG_CTE},
     picks as (
       select v.clinic_id, v.id as visit_id, ${RANDOM_SERVICE} as k, 1 as position from app_public.visit v where v.status = 'completed'
       union all
       select v.clinic_id, v.id, ${RANDOM_SERVICE}, 2 from app_public.visit v where v.status = 'completed' and random() < 0.5)
     insert into app_public.visit_service (clinic_id, visit_id, position, service_id, quantity, unit_price, discount)
     select p.clinic_id, p.visit_id, p.position, c.ids[p.k], 1, c.prices[p.k], 0 from picks p join catalog c using (clinic_id)`,
  );
  await root.query("commit");
  await root.query("analyze app_public.visit_service");
}

/**
 * Per clinic, `invoicesPerClinic` paid invoices spread over the past year, each
 * with two lines from the clinic's catalog and paid in two payments an hour
 * apart (bulk loaded with triggers off; rebuild the rollups afterwards).
 */
export async function addBilling(root: pg.Client, invoicesPerClinic: number): Promise<void> {
  const { rows } = await root.query("select id from app_public.clinic order by name");
  const started = Date.now();
  for (let i = 0; i < rows.length; i += 20) {
    const batch = rows.slice(i, i + 20).map((r) => r.id);
    await root.query("begin");
    await root.query("set local session_replication_role = replica");
    await addCatalog(root, batch);
    await root.query(
      `with patients as (
         select p.clinic_id, array_agg(p.id) as ids from app_public.patient p where p.clinic_id = any($1::uuid[]) group by p.clinic_id),
       ${CATALOG_CTE},
       draw as (
         select pt.clinic_id, g, gen_random_uuid() as id, pt.ids[1 + floor(random() * array_length(pt.ids, 1))::int] as patient_id,
                now() - random() * interval '365 days' as at,
                ${RANDOM_SERVICE} as s1, ${RANDOM_SERVICE} as s2
         from patients pt cross join generate_series(1, $2::int) g),
       invoices as (
         select d.*, c.prices[d.s1] + c.prices[d.s2] as total from draw d join catalog c using (clinic_id)),
       inv as (
         insert into app_public.invoice (clinic_id, id, code, patient_id, status, currency, tax_rate, subtotal, total, amount_paid, issued_at, created_at)
         select clinic_id, id, 'INV-' || lpad(g::text, 6, '0'), patient_id, 'paid', 'TZS', 0, total, total, total, at, at from invoices),
       lines as (
         insert into app_public.invoice_line (clinic_id, invoice_id, position, service_id, description, quantity, unit_price, tax_rate, created_at)
         select i.clinic_id, i.id, pick.position, c.ids[k], c.names[k], 1, c.prices[k], 0, i.at
         from invoices i join catalog c using (clinic_id) cross join lateral (values (i.s1, 1), (i.s2, 2)) pick(k, position))
       insert into app_public.payment (clinic_id, code, invoice_id, amount, method, received_at, business_date)
       select i.clinic_id, 'PAY-' || lpad((2 * i.g - 1 + k)::text, 6, '0'), i.id, i.total / 2,
              (array['cash','card','bank_transfer','mobile_money','insurance'])[1 + floor(random() * 5)::int]::app_public.payment_method,
              i.at + k * interval '1 hour', ((i.at + k * interval '1 hour') at time zone 'Africa/Dar_es_Salaam')::date
       from invoices i cross join generate_series(0, 1) k`,
      [batch, invoicesPerClinic],
    );
    await root.query(
      `insert into app_private.code_counter (clinic_id, prefix, last_value)
       select id, prefix, n from unnest($1::uuid[]) id cross join (values ('INV', $2::bigint), ('PAY', $2::bigint * 2)) v(prefix, n)`,
      [batch, invoicesPerClinic],
    );
    await root.query("commit");
    const done = Math.min(i + 20, rows.length);
    process.stderr.write(`\rbilling: ${done}/${rows.length} clinics, ${(done * invoicesPerClinic * 2).toLocaleString("en")} payments, ${((Date.now() - started) / 1000).toFixed(0)} s   `);
  }
  process.stderr.write("\nanalyzing…\n");
  await root.query("analyze");
}

interface Run {
  seconds: number;
  written: number;
}

async function timeReconciliation(owner: pg.Client, asOf: string): Promise<Run> {
  const start = process.hrtime.bigint();
  const { rows } = await owner.query("call app_private.open_reconciliations($1::timestamptz)", [asOf]);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, written: rows[0].opened };
}

/**
 * The nightly reconciliation of every clinic of the database at `ownerUrl` for the business day before `asOf`, run
 * and rerun as its owner; throws unless the run opened one day in each of its `clinics` clinics and the rerun none
 * (nothing changed): a run that wrote nothing measured nothing, as when the generated clinics were created after
 * their payments and their days were passed over (0.01 s, "0 days written").
 */
export async function reconcileEveryClinic(ownerUrl: string, clinics: number, asOf: string): Promise<{ first: Run; rerun: Run }> {
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    const first = await timeReconciliation(owner, asOf);
    const rerun = await timeReconciliation(owner, asOf);
    if (first.written !== clinics || rerun.written !== 0) {
      throw new Error(`the reconciliation opened ${first.written} days of ${clinics} clinics, and its rerun ${rerun.written} (expected ${clinics} and 0)`);
    }
    return { first, rerun };
  } finally {
    await owner.end();
  }
}

/** One fresh issued invoice of a large total per clinic, to pay into. */
export async function invoicesToPay(root: pg.Client, clinicIds: string[]): Promise<string[]> {
  const { rows } = await root.query(
    `insert into app_public.invoice (clinic_id, patient_id)
     select c, (select p.id from app_public.patient p where p.clinic_id = c limit 1)
     from unnest($1::uuid[]) c returning id`,
    [clinicIds],
  );
  const ids = rows.map((r) => r.id as string);
  // its total is its line's (000433: one written to the invoice is refused); a new invoice is a draft in the clinic's
  // currency and rate (trigger): issue them, which stamps them issued (000437: the lifecycle trigger's, whoever writes it)
  await root.query(
    `insert into app_public.invoice_line (clinic_id, invoice_id, description, unit_price, tax_rate)
     select i.clinic_id, i.id, 'Bench account', 1e12, 0 from app_public.invoice i where i.id = any($1::uuid[])`,
    [ids],
  );
  await root.query("update app_public.invoice set status = 'issued' where id = any($1::uuid[])", [ids]);
  return ids;
}

async function main(): Promise<void> {
  const { clinics, invoicesPerClinic, paymentsPerClient } = billingSizes();
  const admin = new pg.Client({ connectionString: withCredentials(BENCH_DATABASE_URL, null, null, "postgres") });
  await admin.connect();
  await admin.query(`drop database if exists ${pg.escapeIdentifier(benchConfig.databaseName)} with (force)`);
  await admin.end();
  await generate(clinics, 1000, 0);

  const root = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await root.connect();
  await addBilling(root, invoicesPerClinic);
  const { rows: counts } = await root.query("select (select count(*) from app_public.payment)::int as payments, (select count(*) from app_public.clinic)::int as clinics");

  // 1. nightly reconciliation of every clinic for one day
  const { first, rerun } = await reconcileEveryClinic(benchConfig.ownerUrl, counts[0].clinics, new Date(Date.now() - 30 * 86400_000).toISOString());
  // printed as measured: a later part that stops the run (the API answering UNAVAILABLE on a loaded machine) loses it not
  console.log(`\n${counts[0].clinics} clinics, ${counts[0].payments.toLocaleString("en")} payments\n`);
  console.log(`nightly reconciliation of every clinic for one day: ${first.seconds.toFixed(2)} s (${first.written} days written); rerun ${rerun.seconds.toFixed(2)} s (${rerun.written} written)\n`);

  // 2. recordPayment under up to 50 concurrent clients, one per clinic
  const { rows: clinicRows } = await root.query("select id, name from app_public.clinic order by name limit $1", [CLIENTS]);
  const invoiceIds = await invoicesToPay(root, clinicRows.map((r) => r.id));
  const api = await startBenchApi(20);
  const clients = await Promise.all(
    clinicRows.map((row) => api.login(staffPhone(Number(String(row.name).replace("Bench clinic ", "")), "owner"))),
  );
  const PAY = `mutation($id: UUID!, $key: String!) { recordPayment(input: { invoiceId: $id, amount: "1", method: cash, idempotencyKey: $key }) { result { code } } }`;
  const timed = async (fn: () => Promise<void>, samples: number[]) => {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  };
  const apiSamples: number[] = [];
  const apiStart = Date.now();
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 0; i < paymentsPerClient; i++) {
        await timed(async () => {
          await client.graphql(PAY, { id: invoiceIds[c], key: `api-${c}-${i}` });
        }, apiSamples);
      }
    }),
  );
  const apiSeconds = (Date.now() - apiStart) / 1000;

  const { rows: sessions } = await root.query(
    "select distinct on (clinic_id) clinic_id, id from app_private.session where revoked_at is null and clinic_id = any($1::uuid[]) order by clinic_id, created_at desc",
    [clinicRows.map((r) => r.id)],
  );
  const sessionOf = new Map(sessions.map((s) => [s.clinic_id, s.id]));
  const sqlSamples: number[] = [];
  const sqlStart = Date.now();
  await Promise.all(
    clinicRows.map(async (row, c) => {
      const client = new pg.Client({ connectionString: benchConfig.authenticatorUrl });
      await client.connect();
      await client.query(`set role ${pg.escapeIdentifier(benchConfig.roles.visitor)}`);
      await client.query("select set_config('jwt.claims.session_id', $1, false)", [sessionOf.get(row.id)]);
      for (let i = 0; i < paymentsPerClient; i++) {
        await timed(async () => {
          await client.query("select code from app_public.record_payment($1, 1, 'cash', null, $2)", [invoiceIds[c], `sql-${c}-${i}`]);
        }, sqlSamples);
      }
      await client.end();
    }),
  );
  const sqlSeconds = (Date.now() - sqlStart) / 1000;
  await api.close();
  await root.end();

  console.log(`recordPayment, ${clients.length} concurrent clients × ${paymentsPerClient} payments (ms):\n`);
  console.log(table({ "API (HTTP + GraphQL)": summarize(apiSamples), "plain SQL, same function and sessions": summarize(sqlSamples) }));
  const api95 = summarize(apiSamples).p95;
  const sql95 = summarize(sqlSamples).p95;
  console.log(`\nAPI p95 / SQL p95 = ${(api95 / sql95).toFixed(2)}; throughput: API ${(apiSamples.length / apiSeconds).toFixed(0)}/s, SQL ${(sqlSamples.length / sqlSeconds).toFixed(0)}/s`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
