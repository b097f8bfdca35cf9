/**
 * Analysts: `npm run analyst -- grant` makes a login role that reads the
 * reporting views of the granted clinics only, writes nothing, cannot reach
 * secrets, and cannot widen its reach by setting anything.
 */
import pg from "pg";
import { withCredentials } from "../../db/config.ts";
import { grantAnalyst, keepAnalystsWithinLimits, revokeAnalyst } from "../../db/analyst-logins.ts";
import { withinTime } from "../../db/deadline.ts";
import { ensureRolesAndDatabase, prepareDatabase } from "../../db/setup.ts";
import { runCli } from "../support/cli.ts";
import { closeRootPool, committedOn, ownDatabase, rootPool, TEST_DATABASE_URL, testConfig } from "../support/database.ts";
import { behindTriggers, cashierSession, committedAs, createClinic, createIssuedInvoice, createService, createVisit, LONG_AGO, openSession, type TestClinic } from "../support/fixtures.ts";
import { besideADeactivation, whileHolding, withTriggersOff } from "../support/locks.ts";
import { until } from "../support/until.ts";

const ANALYST = `analyst_${process.pid}`;
/** What an operator's command run at once with others ends with: null when done, else its error's message. */
const answer = (act: Promise<unknown>) =>
  act.then(
    () => null,
    (error: Error) => error.message,
  );
let a: TestClinic;
let b: TestClinic;
let analyst: pg.Client;

beforeAll(async () => {
  a = await createClinic("Analysed A", { since: LONG_AGO }); // open yesterday (the reconciliation opens no day before a clinic's first)
  b = await createClinic("Analysed B");
  for (const clinic of [a, b]) {
    const invoice = await createIssuedInvoice(clinic, "5000");
    await committedAs(await cashierSession(clinic), (c) => c.query("select app_public.record_payment($1, 5000, 'cash')", [invoice.id]));
  }
  const result = runCli(["analyst", "grant", ANALYST, a.clinicId, "--password", "analyst-password"]);
  expect(result.stderr).toMatch(new RegExp(`analyst ${ANALYST} may read: Analysed A`));
  expect(result.status).toBe(0);
  analyst = new pg.Client({ connectionString: withCredentials(TEST_DATABASE_URL, ANALYST, "analyst-password") });
  await analyst.connect();
});
afterAll(async () => {
  await analyst.end();
  runCli(["analyst", "revoke", ANALYST]);
  await closeRootPool();
});

/** Runs `fn` with a database `name` made as initdb's postgres is, PUBLIC allowed to connect; dropped after. */
async function withOpenDatabase(name: string, fn: () => Promise<void>): Promise<void> {
  await rootPool().query(`create database ${pg.escapeIdentifier(name)}`);
  try {
    await fn();
  } finally {
    await rootPool().query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  }
}

const clinicsIn = async (view: string) =>
  (await analyst.query(`select distinct clinic_id from reporting.${view} where clinic_id = any($1::uuid[])`, [[a.clinicId, b.clinicId]])).rows.map(
    (r) => r.clinic_id,
  );

test("reads the granted clinic in every reporting view, and only it", async () => {
  for (const view of ["visits", "invoices", "payments", "daily_revenue"]) {
    expect({ view, clinics: await clinicsIn(view) }).toEqual({ view, clinics: [a.clinicId] });
  }
  const { rows } = await analyst.query("select net::text from reporting.daily_revenue where clinic_id = $1", [a.clinicId]);
  expect(rows).toEqual([{ net: "5000.000" }]);
});

test("another analyst's grant widens no one else's reach: each login reads its own clinics only", async () => {
  const other = `${ANALYST}_other`;
  expect(runCli(["analyst", "grant", other, b.clinicId, "--password", "analyst-password"]).status).toBe(0);
  try {
    for (const view of ["visits", "invoices", "payments", "daily_revenue"]) {
      expect({ view, clinics: await clinicsIn(view) }).toEqual({ view, clinics: [a.clinicId] });
    }
  } finally {
    expect(runCli(["analyst", "revoke", other]).status).toBe(0);
  }
});

test("every amount says its currency, so clinics of several currencies are summed per currency", async () => {
  await rootPool().query("select app_private.open_reconciliation($1, now())", [a.clinicId]); // yesterday's cash-up, as the hourly run opens it
  for (const view of ["visits", "invoices", "payments", "daily_revenue", "reconciliations"]) {
    const { rows } = await analyst.query(`select distinct currency from reporting.${view} where clinic_id = $1`, [a.clinicId]);
    expect({ view, currencies: rows }).toEqual({ view, currencies: [{ currency: "TZS" }] });
  }
});

// analysts.md said reporting.daily_revenue added such payments into the clinic's currency: it sums them in their invoice's
test("the payments of an invoice left in its clinic's old currency (changed before 000066) are summed in that currency by daily_revenue, apart from the clinic's", async () => {
  const moved = await createClinic("Analysed from dollars to yen");
  const cashier = await cashierSession(moved);
  await rootPool().query("update app_public.clinic set currency = 'USD', tax_rate = 0 where id = $1", [moved.clinicId]);
  const dollars = await createIssuedInvoice(moved, "80");
  await committedAs(cashier, (c) => c.query("select app_public.record_payment($1, 80, 'card')", [dollars.id]));
  // as its owner could before 000066, which keeps the currency of a clinic with invoices
  await withTriggersOff([["app_public.clinic", "_600_currency_kept"]], async (client) => {
    await client.query("select set_config('jwt.claims.session_id', $1, true)", [await openSession(moved.members.owner.userId, moved.clinicId)]);
    await client.query("update app_public.clinic set currency = 'JPY' where id = $1", [moved.clinicId]);
  });
  const yen = await createIssuedInvoice(moved, "500");
  await committedAs(cashier, (c) => c.query("select app_public.record_payment($1, 500, 'card')", [yen.id]));
  const other = `${ANALYST}_moved`;
  expect(runCli(["analyst", "grant", other, moved.clinicId, "--password", "analyst-password"]).status).toBe(0);
  const reader = new pg.Client({ connectionString: withCredentials(TEST_DATABASE_URL, other, "analyst-password") });
  await reader.connect();
  try {
    const { rows } = await reader.query("select method::text, currency, payments::text, net::text from reporting.daily_revenue where clinic_id = $1 order by currency", [moved.clinicId]);
    expect(rows).toEqual([
      { method: "card", currency: "JPY", payments: "500.000", net: "500.000" },
      { method: "card", currency: "USD", payments: "80.000", net: "80.000" },
    ]);
    const payments = await reader.query("select invoice_code, currency from reporting.payments where clinic_id = $1 order by currency", [moved.clinicId]);
    expect(payments.rows).toEqual([{ invoice_code: yen.code, currency: "JPY" }, { invoice_code: dollars.code, currency: "USD" }]);
  } finally {
    await reader.end();
    expect(runCli(["analyst", "revoke", other]).status).toBe(0);
  }
});

test("an upgrade names the clinics whose currency changed, before 000136 kept it, once they had charged visits: their older amounts show today's currency", async () => {
  const relabelled = await createClinic("Relabelled in dollars");
  const untouched = await createClinic("Charged in shillings only");
  for (const clinic of [relabelled, untouched]) {
    const visit = await createVisit(clinic, "in_progress");
    await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [clinic.clinicId, visit.id, (await createService(clinic.clinicId, "50000")).id]);
  }
  // as an owner could before 000136: audited as any change of the clinic is
  await withTriggersOff([["app_public.clinic", "_600_currency_kept"]], async (client) => {
    await client.query("select set_config('jwt.claims.session_id', $1, true)", [await openSession(relabelled.members.owner.userId, relabelled.clinicId)]);
    await client.query("update app_public.clinic set currency = 'USD' where id = $1", [relabelled.clinicId]);
  });
  await rootPool().query("select app_private.warn_of_relabelled_amounts()");
  const { rows } = await rootPool().query("delete from app_private.upgrade_warning where migration = '000137' returning message");
  expect(rows).toHaveLength(1);
  expect(rows[0].message).toContain(`Relabelled in dollars (${relabelled.clinicId})`);
  expect(rows[0].message).not.toContain(untouched.clinicId);
});

test("visits and invoices say the clinic's day, whatever the analyst's time zone: 22:30 UTC is the next day in Dar es Salaam", async () => {
  const { rows: [visit] } = await rootPool().query(
    `insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at)
     select $1, (select id from app_public.patient where clinic_id = $1 limit 1), $2, '2026-06-01T22:30:00Z' returning code`,
    [a.clinicId, a.members.doctor.membershipId],
  );
  await analyst.query("set timezone = 'UTC'");
  const { rows } = await analyst.query("select business_date::text, scheduled_at::date::text as utc_date from reporting.visits where clinic_id = $1 and code = $2", [a.clinicId, visit.code]);
  expect(rows).toEqual([{ business_date: "2026-06-02", utc_date: "2026-06-01" }]);
  const invoice = await createIssuedInvoice(a, "100", { issue: false, madeAt: "2026-06-01T22:30:00Z" });
  await committedAs(await cashierSession(a), (c) => c.query("select app_public.issue_invoice($1)", [invoice.id]));
  const invoices = await analyst.query("select created_on::text, issued_on::text from reporting.invoices where clinic_id = $1 and code = $2", [a.clinicId, invoice.code]);
  const { rows: [{ today }] } = await rootPool().query("select (now() at time zone 'Africa/Dar_es_Salaam')::date::text as today"); // issued now, made back then
  expect(invoices.rows).toEqual([{ created_on: "2026-06-02", issued_on: today }]);
});

test("a day and method with only refunds has payments 0, not null (payments - refunds is its net)", async () => {
  const invoice = await createIssuedInvoice(a, "7000", { madeAt: LONG_AGO });
  const cashier = await cashierSession(a);
  const paid = await committedAs(cashier, async (c) =>
    (await c.query("select id, business_date::text from app_public.record_payment($1, 7000, 'card', null, null, '2026-01-05T09:00:00Z')", [invoice.id])).rows[0],
  );
  const refunded = await committedAs(cashier, async (c) => (await c.query("select business_date::text from app_public.refund_payment($1, 700, 'Overcharged')", [paid.id])).rows[0]);
  const { rows } = await analyst.query(
    "select payments::text, refunds::text, net::text, payments - refunds = net as adds_up from reporting.daily_revenue where clinic_id = $1 and method = 'card' and business_date = $2",
    [a.clinicId, refunded.business_date],
  );
  expect(rows).toEqual([{ payments: "0.000", refunds: "700.000", net: "-700.000", adds_up: true }]);
});

test("a visit's every step has its time, a no-show's too", async () => {
  const visit = await createVisit(a, "no_show");
  const { rows } = await analyst.query("select status, no_show_at is not null as dated from reporting.visits where code = $1 and clinic_id = $2", [visit.code, a.clinicId]);
  expect(rows).toEqual([{ status: "no_show", dated: true }]);
});

test("a cancelled visit says when and why, as the clinic typed it", async () => {
  const visit = await createVisit(a, "cancelled");
  const { rows } = await analyst.query(
    "select status, cancelled_at is not null as dated, cancel_reason from reporting.visits where code = $1 and clinic_id = $2",
    [visit.code, a.clinicId],
  );
  expect(rows).toEqual([{ status: "cancelled", dated: true, cancel_reason: "Patient called" }]);
});

test("the reporting views show these columns and no others: a patient by code only, never a name, phone, address or note of theirs", async () => {
  const { rows } = await analyst.query(
    "select table_name, string_agg(column_name, ',' order by ordinal_position) as columns from information_schema.columns where table_schema = 'reporting' group by 1 order by 1",
  );
  expect(Object.fromEntries(rows.map((r) => [r.table_name, r.columns.split(",")]))).toEqual({
    daily_revenue: ["clinic_id", "clinic_name", "business_date", "method", "payments", "refunds", "net", "currency"],
    invoices: ["clinic_id", "clinic_name", "code", "status", "currency", "subtotal", "discount_total", "tax_total", "total", "amount_paid", "balance",
      "issued_at", "voided_at", "void_reason", "patient_code", "visit_code", "created_on", "issued_on"],
    payments: ["clinic_id", "clinic_name", "kind", "code", "invoice_code", "method", "amount", "happened_at", "business_date", "currency"],
    reconciliations: ["clinic_id", "clinic_name", "business_date", "status", "expected_cash", "expected_card", "expected_bank_transfer", "expected_mobile_money",
      "expected_insurance", "expected_total", "counted_total", "cash_difference", "difference", "notes", "closed_at", "reopened_at", "reopen_reason", "currency"],
    visits: ["clinic_id", "clinic_name", "code", "status", "scheduled_at", "checked_in_at", "started_at", "completed_at", "cancelled_at", "cancel_reason",
      "patient_code", "doctor_name", "services_value", "no_show_at", "currency", "business_date"],
  });
});

test("a condition that fails loudly or records what it sees never sees another clinic's rows", async () => {
  // plans that filter before joining, where a view without a security barrier would run our condition first
  await analyst.query("set enable_indexscan = off; set enable_bitmapscan = off; set enable_hashjoin = off");
  try {
    for (const [view, column] of [["visits", "code"], ["invoices", "code"], ["payments", "code"], ["reconciliations", "status"], ["daily_revenue", "method"]]) {
      // the cast fails, with the value in its message, on the first row of another clinic it is given
      const { rows } = await analyst.query(
        `select count(*)::int as n from reporting.${view} where case when clinic_id <> $1 then (clinic_id::text || ' ' || ${column})::int else 1 end = 1`,
        [a.clinicId],
      );
      expect({ view, n: rows[0].n }).toEqual({ view, n: (await analyst.query(`select count(*)::int as n from reporting.${view}`)).rows[0].n });
    }
  } finally {
    await analyst.query("reset enable_indexscan; reset enable_bitmapscan; reset enable_hashjoin");
  }
  // nor can it make a function of its own to collect them
  await expect(analyst.query("create function pg_temp.seen(text) returns boolean language sql as 'select true'")).rejects.toThrow(/permission denied/);
});

// text comparisons are leakproof and passed the barrier: halving `cancel_reason >= …` read, in the rows a
// plan's scan returned before the grant's filter, clinic B's cancel reason one character at a time
test("a plan's row counts tell nothing of another clinic's values, however the analyst's conditions are planned", async () => {
  const cancelled = await createVisit(b, "scheduled");
  await rootPool().query("update app_public.visit set status = 'cancelled', cancel_reason = 'Zebra crossing flooded' where id = $1", [cancelled.id]);
  const voided = await createIssuedInvoice(b, "100", { issue: false });
  await rootPool().query("update app_public.invoice set status = 'void', voided_at = now(), void_reason = 'Zebra invoice' where id = $1", [voided.id]);
  const { rows: [{ name: doctorOfB }] } = await rootPool().query(`select full_name as name from app_public."user" where id = $1`, [b.members.doctor.userId]);
  /**
   * Every row count of the plan of `select 1 from reporting.<view> where <condition>`, in plan order, and the plan's
   * shape (its nodes and what each reads).
   */
  const counts = async (view: string, condition: string, value: string) => {
    const { rows } = await analyst.query(`explain (analyze, format json, costs off, timing off, summary off) select 1 from reporting.${view} where ${condition}`, [value]);
    const found: number[] = [];
    const shape: string[] = [];
    const walk = (node: Record<string, unknown>) => {
      found.push(node["Actual Rows"] as number, (node["Rows Removed by Filter"] as number) ?? 0, (node["Rows Removed by Join Filter"] as number) ?? 0);
      shape.push(`${node["Node Type"]} ${node["Relation Name"] ?? node["CTE Name"] ?? ""}`);
      for (const child of (node.Plans as Record<string, unknown>[]) ?? []) walk(child);
    };
    walk(rows[0]["QUERY PLAN"][0].Plan);
    return { found, shape };
  };
  /**
   * The row counts of the two values' plans, read when both were planned alike: the tables' statistics, which
   * autovacuum's analyze of other files' rows changes between two statements (a catalog read, not the transaction's
   * snapshot), may turn the join order between them (CI: the same counts in another order). A plan that differs by
   * the value itself differs every time, and fails.
   */
  const countsOfBoth = async (view: string, condition: string, matchesB: string, matchesNothing: string) => {
    for (let attempt = 1; ; attempt++) {
      const [ofB, ofNothing] = [await counts(view, condition, matchesB), await counts(view, condition, matchesNothing)];
      if (JSON.stringify(ofB.shape) === JSON.stringify(ofNothing.shape) || attempt === 5) return [ofB, ofNothing];
    }
  };
  // each pair: a value that matches only clinic B's row, and one that matches nothing; clinic A matches neither
  const probes: [string, string, string, string][] = [
    ["visits", `cancel_reason >= $1 collate "C"`, "Zebra", "Zzzz"],
    ["visits", "doctor_name = $1", doctorOfB, "No such doctor"],
    ["visits", `clinic_name >= $1 collate "C"`, "Analysed B", "Analysed C"],
    ["invoices", `void_reason >= $1 collate "C"`, "Zebra", "Zzzz"],
    ["payments", `clinic_name >= $1 collate "C"`, "Analysed B", "Analysed C"],
    ["reconciliations", `clinic_name >= $1 collate "C"`, "Analysed B", "Analysed C"],
  ];
  await analyst.query("set enable_indexscan = off; set enable_bitmapscan = off; set enable_hashjoin = off; set enable_mergejoin = off");
  try {
    for (const plan of ["forced", "default"]) {
      if (plan === "default") await analyst.query("reset enable_indexscan; reset enable_bitmapscan; reset enable_hashjoin; reset enable_mergejoin");
      for (const [view, condition, matchesB, matchesNothing] of probes) {
        await analyst.query("begin isolation level repeatable read"); // one snapshot: other files' rows do not move the counts
        try {
          const [ofB, ofNothing] = await countsOfBoth(view, condition, matchesB, matchesNothing);
          expect({ plan, view, condition, ...ofB }).toEqual({ plan, view, condition, ...ofNothing });
        } finally {
          await analyst.query("rollback");
        }
      }
    }
  } finally {
    await analyst.query("reset enable_indexscan; reset enable_bitmapscan; reset enable_hashjoin; reset enable_mergejoin");
  }
});

// reporting.granted_clinics() was planned as 1,000 clinics (a set-returning function's default), every clinic of the
// server: each view read every clinic's patients, invoices or payments (seq scans) to keep the one granted clinic's
test("a month of the granted clinic reads its rows alone, not those of the server's other clinics", async () => {
  const CLINICS = 100;
  const ROWS = 40; // of each table, in each other clinic: 4,000 in all
  const { rows: [{ ids, users }] } = await committedOn(async (client) => {
    await client.query("set local session_replication_role = replica"); // as the bench loads them: no audit, no rollups
    await client.query(
      `create temp table beside on commit drop as
       select gen_random_uuid() as clinic_id, gen_random_uuid() as user_id, gen_random_uuid() as doctor_id, gen_random_uuid() as service_id, g
       from generate_series(1, $1::int) g`,
      [CLINICS],
    );
    await client.query(
      `create temp table row_of on commit drop as
       select b.*, n, gen_random_uuid() as patient_id, gen_random_uuid() as visit_id, gen_random_uuid() as invoice_id, gen_random_uuid() as payment_id,
              timestamptz '2026-11-01T09:00:00Z' + (n % 28) * interval '1 day' as at
       from beside b cross join generate_series(1, $1::int) n`,
      [ROWS],
    );
    const phones = 80_000_000 + Math.floor(Math.random() * 10_000_000);
    await client.query(`insert into app_public.clinic (id, name, timezone, currency, calling_code)
      select clinic_id, 'Beside the analysed ' || g, 'Africa/Dar_es_Salaam', 'TZS', '255' from beside`);
    await client.query(`insert into app_public."user" (id, phone, full_name) select user_id, '+2556' || lpad(($1::int + g)::text, 8, '0'), 'Doctor beside ' || g from beside`, [phones]);
    await client.query("insert into app_public.membership (clinic_id, id, user_id, role) select clinic_id, doctor_id, user_id, 'doctor' from beside");
    await client.query("insert into app_public.service (clinic_id, id, code, name, price) select clinic_id, service_id, 'SRV-000001', 'Consultation', 1000 from beside");
    await client.query(`insert into app_public.patient (clinic_id, id, code, first_name, last_name)
      select clinic_id, patient_id, 'PAT-' || lpad(n::text, 6, '0'), 'Beside', 'Patient' from row_of`);
    await client.query(`insert into app_public.visit (clinic_id, id, code, patient_id, doctor_id, scheduled_at, status, checked_in_at, started_at, completed_at)
      select clinic_id, visit_id, 'VIS-' || lpad(n::text, 6, '0'), patient_id, doctor_id, at, 'completed', at, at, at from row_of`);
    await client.query(`insert into app_public.visit_service (clinic_id, visit_id, service_id, unit_price, position)
      select clinic_id, visit_id, service_id, 1000, 1 from row_of`);
    await client.query(`insert into app_public.invoice (clinic_id, id, code, patient_id, visit_id, status, currency, tax_rate, subtotal, total, amount_paid, issued_at, created_at)
      select clinic_id, invoice_id, 'INV-' || lpad(n::text, 6, '0'), patient_id, visit_id, 'partially_paid', 'TZS', 0, 1000, 1000, 900, at, at from row_of`);
    await client.query(`insert into app_public.payment (clinic_id, id, code, invoice_id, amount, method, received_at, business_date)
      select clinic_id, payment_id, 'PAY-' || lpad(n::text, 6, '0'), invoice_id, 1000, 'cash', at, (at at time zone 'Africa/Dar_es_Salaam')::date from row_of`);
    await client.query(`insert into app_public.refund (clinic_id, code, payment_id, invoice_id, amount, method, reason, refunded_at, business_date)
      select clinic_id, 'REF-' || lpad(n::text, 6, '0'), payment_id, invoice_id, 100, 'cash', 'Overcharged', at, (at at time zone 'Africa/Dar_es_Salaam')::date from row_of`);
    await client.query("insert into app_public.daily_reconciliation (clinic_id, business_date) select clinic_id, date '2026-01-01' + n from row_of");
    return client.query("select array_agg(clinic_id) as ids, array_agg(user_id) as users from beside");
  });
  const TABLES = ["clinic", "user", "membership", "service", "patient", "visit", "visit_service", "invoice", "payment", "refund", "daily_reconciliation"];
  const analyzed = () => rootPool().query(`analyze ${TABLES.map((t) => `app_public.${pg.escapeIdentifier(t)}`).join(", ")}`); // as autovacuum soon would
  try {
    await analyzed();
    const { rows: [held] } = await rootPool().query(
      "select (select count(*) from app_public.visit where clinic_id = $1)::int as visits, (select count(*) from app_public.payment where clinic_id = $1)::int as payments",
      [a.clinicId],
    );
    expect(held.visits + held.payments).toBeLessThan(100); // clinic A's rows: a few, beside the 4,000 of each table the others hold
    /** The rows each table's scans read in the plan of `query`, run by the analyst: every loop's, those its filters removed too. */
    const rowsRead = async (query: string) => {
      const { rows } = await analyst.query(`explain (analyze, format json, costs off, timing off, summary off) ${query}`, ["2026-11-01", "2026-11-30"]);
      const read: Record<string, number> = {};
      const walk = (node: Record<string, unknown>) => {
        const relation = node["Relation Name"] as string | undefined;
        if (relation) {
          const rows = (node["Actual Rows"] as number) + ((node["Rows Removed by Filter"] as number) ?? 0) + ((node["Rows Removed by Index Recheck"] as number) ?? 0);
          read[relation] = (read[relation] ?? 0) + rows * (node["Actual Loops"] as number);
        }
        for (const child of (node.Plans as Record<string, unknown>[]) ?? []) walk(child);
      };
      walk(rows[0]["QUERY PLAN"][0].Plan);
      return read;
    };
    // an analyst's month: visits per status, what the month's invoices owe, takings per method, net, the cash-ups' differences
    const months: [string, string][] = [
      ["visits", "select status, count(*) from reporting.visits where business_date between $1 and $2 group by status"],
      ["invoices", "select sum(balance) from reporting.invoices where created_on between $1 and $2"],
      ["payments", "select method, sum(amount) from reporting.payments where business_date between $1 and $2 group by method"],
      ["daily_revenue", "select sum(net) from reporting.daily_revenue where business_date between $1 and $2"],
      ["reconciliations", "select sum(difference) from reporting.reconciliations where business_date between $1 and $2"],
    ];
    const readPastAs: Record<string, [string, number][]> = {};
    for (const [view, query] of months) {
      const read = await rowsRead(query);
      expect({ view, read: Object.keys(read).length > 0 }).toEqual({ view, read: true });
      readPastAs[view] = Object.entries(read).filter(([, n]) => n >= 400);
    }
    // clinic A's few rows, through the indexes that start with clinic_id: never the 4,000 of the others
    expect(readPastAs).toEqual(Object.fromEntries(months.map(([view]) => [view, []])));
  } finally {
    await behindTriggers(async (client) => {
      for (const table of ["daily_reconciliation", "refund", "payment", "invoice", "visit_service", "visit", "patient", "service", "membership"]) {
        await client.query(`delete from app_public.${table} where clinic_id = any($1::uuid[])`, [ids]);
      }
      await client.query("delete from app_public.clinic where id = any($1::uuid[])", [ids]);
      await client.query(`delete from app_public."user" where id = any($1::uuid[])`, [users]);
    });
    await analyzed();
  }
});

test("cannot write, even to the views", async () => {
  await expect(analyst.query("delete from reporting.invoices")).rejects.toThrow(/permission denied|cannot delete/);
  await expect(analyst.query("update reporting.visits set status = 'completed'")).rejects.toThrow(/permission denied|cannot update/);
});

test("cannot reach the application's tables, secrets or the audit chain", async () => {
  for (const table of ["app_public.patient", "app_public.audit_log", "app_private.user_secret", "app_private.session", "app_private.audit_chain_head", "app_private.analyst_grant"]) {
    await expect(analyst.query(`select * from ${table} limit 1`)).rejects.toThrow(/permission denied/);
  }
});

test("cannot hear another clinic's live visit queue: it may LISTEN on any channel, but cannot name the queue's", async () => {
  for (const statement of [
    "select key from app_private.secret_key",
    `select app_private.visit_queue_channel('${b.clinicId}')`,
    "select app_hidden.visit_queue_channel()",
  ]) {
    await expect(analyst.query(statement)).rejects.toThrow(/permission denied/);
  }
  const heardByAnalyst: string[] = [];
  const onNotification = (notification: pg.Notification) => heardByAnalyst.push(notification.payload ?? "");
  analyst.on("notification", onNotification);
  // the queue's channel was named by the clinic's id alone: clinicops:visits:<id>
  await analyst.query(`listen ${pg.escapeIdentifier(`clinicops:visits:${b.clinicId}`)}`);
  const control = await rootPool().connect(); // the superuser can name the channel, and hears the visit
  const heardByControl: string[] = [];
  control.on("notification", (notification) => heardByControl.push(notification.payload ?? ""));
  try {
    const { rows } = await control.query("select app_private.visit_queue_channel($1) as channel", [b.clinicId]);
    await control.query(`listen ${pg.escapeIdentifier(rows[0].channel)}`);
    const visit = await createVisit(b);
    await until(() => heardByControl.length > 0);
    await analyst.query("select 1"); // a round trip: a notification sent to the analyst would have come before its answer
    expect(heardByAnalyst).toEqual([]);
    expect(heardByControl.map((payload) => JSON.parse(payload).id)).toEqual([visit.id]);
  } finally {
    analyst.off("notification", onNotification);
    await analyst.query("unlisten *");
    await control.query("unlisten *");
    control.release();
  }
});

test("pg_locks, which every role reads, does not tell the phone of an account being made", async () => {
  const phone = `+2557${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  // what an analyst polling pg_locks would compute for a phone it guessed: the lock was hashtextextended('user:' || phone, 0)
  const held = (client: pg.ClientBase, key: string) =>
    client.query<{ held: boolean }>(
      `select exists (select from pg_locks l, (select (${key}) as k) key
         where l.locktype = 'advisory' and l.objsubid = 1 and l.classid::bigint = (key.k >> 32) & 4294967295 and l.objid::bigint = key.k & 4294967295) as held`,
      [phone],
    );
  const making = await rootPool().connect();
  try {
    await making.query("begin");
    await making.query("select app_private.find_or_create_user($1, 'New Member', 'a long enough password 1')", [phone]);
    // the account's lock is held until the transaction ends: under its keyed name, which only the owner can compute
    expect((await held(making, "app_private.account_lock_key($1)")).rows[0].held).toBe(true);
    expect((await held(analyst, "hashtextextended('user:' || $1, 0)")).rows[0].held).toBe(false);
  } finally {
    await making.query("rollback");
    making.release();
  }
});

test("cannot make large objects, hold more than 3 connections, or lift its limit on temporary files; idle transactions and long statements are cut off by default", async () => {
  await expect(analyst.query("select lo_create(0)")).rejects.toThrow(/permission denied/);
  await expect(analyst.query("select lo_from_bytea(0, 'x')")).rejects.toThrow(/permission denied/);
  // nor messages into the write-ahead log: 10 MB a call, filling a disk that keeps it for a replica
  await expect(analyst.query("select pg_logical_emit_message(false, 'x', repeat('x', 1000))")).rejects.toThrow(/permission denied/);
  expect((await analyst.query("show temp_file_limit")).rows[0].temp_file_limit).toBe("1GB");
  await expect(analyst.query("set temp_file_limit = -1")).rejects.toThrow(/permission denied/);
  expect((await analyst.query("show idle_in_transaction_session_timeout")).rows[0].idle_in_transaction_session_timeout).toBe("5min");
  expect((await analyst.query("show statement_timeout")).rows[0].statement_timeout).toBe("15min");
  const { rows } = await rootPool().query("select rolconnlimit from pg_roles where rolname = $1", [ANALYST]);
  expect(rows[0].rolconnlimit).toBe(3);
});

// pg_export_snapshot writes a file into the data directory's pg_snapshots at each call, kept until the transaction
// ends, which no temp_file_limit counts: one statement (select count(pg_export_snapshot()) from generate_series(1, 1e7))
// made 6,000 files a second, 4 kB and an inode each, on the disk that holds the write-ahead log
test("cannot export snapshots, each a file in the data directory that the limit on temporary files does not count", async () => {
  await analyst.query("begin");
  try {
    await expect(analyst.query("select pg_export_snapshot()")).rejects.toThrow(/permission denied/);
  } finally {
    await analyst.query("rollback");
  }
  const { rows } = await rootPool().query(
    "select has_function_privilege($1, 'pg_catalog.pg_export_snapshot()', 'execute') as analyst, has_function_privilege($2, 'pg_catalog.pg_export_snapshot()', 'execute') as owner",
    [ANALYST, testConfig.roles.owner],
  );
  expect(rows[0]).toEqual({ analyst: false, owner: true }); // the owner's, for a pg_dump --jobs of its own
});

test("cannot take the advisory locks that hold up a clinic's invoices or a phone's account", async () => {
  // the keys are in the code; a lock held from plain SQL would stall every new invoice of clinic A,
  // and the account of this phone (its creation, an invitation to it), for as long as the analyst liked
  await expect(analyst.query("select pg_advisory_lock(hashtextextended('currency:' || $1, 0))", [a.clinicId])).rejects.toThrow(/permission denied/);
  await expect(analyst.query("select pg_try_advisory_lock_shared(hashtextextended('user:' || '+255700000001', 0))")).rejects.toThrow(/permission denied/);
  await expect(analyst.query("select pg_advisory_xact_lock(hashtext($1), 0)", [a.clinicId])).rejects.toThrow(/permission denied/);
  const { rows } = await rootPool().query(
    `select count(*)::int as open from pg_proc p
     where p.pronamespace = 'pg_catalog'::regnamespace and p.proname ~ '^pg_(try_)?advisory_' and has_function_privilege($1, p.oid, 'execute')`,
    [ANALYST],
  );
  expect(rows[0].open).toBe(0);
});

// on a database of its own: while the grant is gone, the shared one's definer functions that take these locks
// (exports, invitations, new invoices) would fail in the other test files
// an analyst granted by a version before the limits had unlimited connections and temporary files, and kept them after an upgrade
test("a start gives back what a role lost or never had: the owner role its grant of those locks (its role dropped and made again), an analyst its limits (granted before them, or changed since)", async () => {
  const { url, config, drop } = ownDatabase("analysts");
  await drop();
  try {
    await prepareDatabase(config);
    const own = new pg.Client({ connectionString: url });
    await own.connect();
    try {
      // a clinic to grant, made behind the triggers' back (no session here)
      await own.query("begin");
      await own.query("set local session_replication_role = replica");
      const { rows: [{ id: clinicId }] } = await own.query("insert into app_public.clinic (name) values ('Analysed here') returning id");
      await own.query("commit");
      const reader = `${config.databaseName}_reader`;
      await grantAnalyst(config, reader, [clinicId]);
      // the owner role's grant of the locks lost after the grant, which takes the analyst's turn as that role
      const owner = pg.escapeIdentifier(config.roles.owner);
      await own.query(`revoke execute on function pg_catalog.pg_try_advisory_lock(bigint), pg_catalog.pg_advisory_xact_lock(bigint) from ${owner}`);
      // a login an operator made a member of the analyst role by hand keeps its own settings
      const operatorLogin = `${config.databaseName}_operator`;
      await own.query(`create role ${pg.escapeIdentifier(operatorLogin)} login connection limit 20; alter role ${pg.escapeIdentifier(operatorLogin)} set search_path = reporting;
        grant ${pg.escapeIdentifier(config.roles.analyst)} to ${pg.escapeIdentifier(operatorLogin)}`);
      // replication given to ClinicOps' own roles by hand (it reads every database of the server): taken away again
      await own.query(`alter role ${pg.escapeIdentifier(config.roles.owner)} replication; alter role ${pg.escapeIdentifier(config.roles.authenticator)} replication`);
      await own.query(`alter role ${pg.escapeIdentifier(reader)} connection limit -1`);
      await own.query(`alter role ${pg.escapeIdentifier(reader)} reset all`);
      await own.query(`alter role ${pg.escapeIdentifier(reader)} in database ${pg.escapeIdentifier(config.databaseName)} set statement_timeout = 0`);
      const logged: string[] = [];
      await prepareDatabase(config, (line) => logged.push(line));
      expect(logged).toContain(`analyst logins given their limits again (granted before them, or changed since): ${reader}`);
      const limits = await own.query(
        `select r.rolconnlimit, (select s.setconfig from pg_db_role_setting s where s.setrole = r.oid and s.setdatabase = 0) as settings,
           (select count(*)::int from pg_db_role_setting s where s.setrole = r.oid and s.setdatabase <> 0) as in_databases
         from pg_roles r where r.rolname = $1`,
        [reader],
      );
      expect(limits.rows).toEqual([{ rolconnlimit: 3, settings: ["temp_file_limit=1GB", "idle_in_transaction_session_timeout=5min", "statement_timeout=15min"], in_databases: 0 }]);
      const operator = await own.query(
        "select r.rolconnlimit, (select s.setconfig from pg_db_role_setting s where s.setrole = r.oid and s.setdatabase = 0) as settings from pg_roles r where r.rolname = $1",
        [operatorLogin],
      );
      expect(operator.rows).toEqual([{ rolconnlimit: 20, settings: ["search_path=reporting"] }]);
      const replicating = await own.query("select rolname from pg_roles where rolreplication and rolname = any($1::text[])", [Object.values(config.roles)]);
      expect(replicating.rows).toEqual([]);
      expect(await keepAnalystsWithinLimits(config)).toEqual([]); // nothing to do once done
      const { rows } = await own.query(
        `select bool_and(has_function_privilege($1, p.oid, 'execute')) as owner, bool_or(has_function_privilege('public', p.oid, 'execute')) as public,
           bool_or(has_function_privilege($2, p.oid, 'execute')) as visitor
         from pg_proc p where p.pronamespace = 'pg_catalog'::regnamespace and p.proname ~ '^pg_(try_)?advisory_'`,
        [config.roles.owner, config.roles.visitor],
      );
      expect(rows).toEqual([{ owner: true, public: false, visitor: false }]);
    } finally {
      await own.end();
    }
  } finally {
    await drop();
  }
}, 120_000);

test("holding the start lock from the maintenance database gets a start refused, naming the holder, not stalled", async () => {
  // any role may connect to the server's maintenance database, where starts take turns before the application's exists
  const maintenance = new pg.Client({ connectionString: withCredentials(TEST_DATABASE_URL, ANALYST, "analyst-password", "postgres") });
  await maintenance.connect();
  try {
    // the start lock of a database of its own: the shared one's starts in other test files would be refused meanwhile
    const { config } = ownDatabase("analysts_lock");
    await maintenance.query("select pg_advisory_lock(hashtext($1))", [`clinicops start ${config.databaseName}`]);
    const { rows: [{ pid }] } = await maintenance.query("select pg_backend_pid() as pid");
    await expect(prepareDatabase(config)).rejects.toThrow(
      `The start lock of ${config.databaseName} is held by ${ANALYST} (pid ${pid}), which is not a ClinicOps start: end that session (select pg_terminate_backend(${pid})) and start again.`,
    );
  } finally {
    await maintenance.end();
  }
});

test("an analyst's connection named pg_restore refuses no start: only a superuser's or the owner role's is a restore", async () => {
  // any login names its own connections (application_name, a connection string's option): a start took the analyst's
  // for a restore under way, and every start (npm start, the worker's, the analyst command's: the analyst's own revoke
  // among them) was refused for as long as it stayed connected, "start again once pg_restore has ended"
  const named = new pg.Client({ connectionString: withCredentials(TEST_DATABASE_URL, ANALYST, "analyst-password"), application_name: "pg_restore" });
  await named.connect();
  try {
    expect((await rootPool().query("select count(*)::int as n from pg_stat_activity where usename = $1 and application_name = 'pg_restore'", [ANALYST])).rows).toEqual([{ n: 1 }]);
    await expect(prepareDatabase(testConfig)).resolves.toBeUndefined();
  } finally {
    await named.end();
  }
});

test("setting claims, roles or the session's user changes nothing", async () => {
  await analyst.query("select set_config('jwt.claims.clinic_id', $1, false), set_config('jwt.claims.role', 'owner', false)", [b.clinicId]);
  const { rows: sessions } = await rootPool().query("select id from app_private.session where clinic_id = $1 limit 1", [b.clinicId]);
  await analyst.query("select set_config('jwt.claims.session_id', $1, false)", [sessions[0].id]);
  expect(await clinicsIn("invoices")).toEqual([a.clinicId]);
  await analyst.query(`set role ${pg.escapeIdentifier(testConfig.roles.analyst)}`);
  expect(await clinicsIn("payments")).toEqual([a.clinicId]);
  await analyst.query("reset role");
  await expect(analyst.query(`set role ${pg.escapeIdentifier(testConfig.roles.owner)}`)).rejects.toThrow(/permission denied/);
  await expect(analyst.query("set session authorization postgres")).rejects.toThrow(/permission denied/);
});

// An analyst may SET ROLE to the analyst role it is a member of, and as that role change it (its password, its settings:
// PostgreSQL lets a role change its own), leaving the change uncommitted with idle_in_transaction_session_timeout 0: every
// start's alter role of the analyst role (ensureRolesAndDatabase) waited for that transaction without end, npm start and
// the worker stalled before they served anything
test("an analyst holding a change of the analyst role open stalls no start: that session is ended", async () => {
  const holder = new pg.Client({ connectionString: withCredentials(TEST_DATABASE_URL, ANALYST, "analyst-password") });
  await holder.connect();
  holder.on("error", () => {}); // ended by the start
  try {
    await holder.query("set idle_in_transaction_session_timeout = 0");
    await holder.query(`set role ${pg.escapeIdentifier(testConfig.roles.analyst)}`);
    await holder.query("begin");
    await holder.query(`alter role ${pg.escapeIdentifier(testConfig.roles.analyst)} password 'held open by an analyst'`);
    await withinTime(15_000, ensureRolesAndDatabase(testConfig), () => new Error("the start stalled behind the analyst's open transaction"));
    await expect(holder.query("select 1")).rejects.toThrow();
  } finally {
    await holder.end().catch(() => {});
  }
  // what it changed was never committed; the analyst reading on is not ended
  expect((await rootPool().query("select rolpassword is null as none from pg_authid where rolname = $1", [testConfig.roles.analyst])).rows).toEqual([{ none: true }]);
  expect(await clinicsIn("invoices")).toEqual([a.clinicId]);
});

// CREATEROLE or CREATEDB a DBA gave the analyst role were every analyst's: a role's attributes pass by no membership, but an
// analyst may SET ROLE to the analyst role, and as that role PostgreSQL 15's CREATEROLE grants any role but a superuser: the
// analyst made itself a member of the owner role (sessions, password hashes, every clinic's rows), and CREATEDB made it
// databases of its own, which no limit of its login bounds. A start took away superuser, bypassrls and replication alone
test("a start takes away createrole and createdb a DBA gave the analyst or visitor role: an analyst's SET ROLE to it grants itself nothing", async () => {
  const [analystRole, owner] = [pg.escapeIdentifier(testConfig.roles.analyst), pg.escapeIdentifier(testConfig.roles.owner)];
  const shared = [testConfig.roles.analyst, testConfig.roles.visitor];
  try {
    for (const role of shared) await rootPool().query(`alter role ${pg.escapeIdentifier(role)} createrole createdb`);
    await ensureRolesAndDatabase(testConfig);
    const { rows } = await rootPool().query("select rolname from pg_roles where (rolcreaterole or rolcreatedb) and rolname = any($1::text[])", [shared]);
    expect(rows).toEqual([]);
    await analyst.query(`set role ${analystRole}`);
    try {
      await expect(analyst.query(`grant ${owner} to ${pg.escapeIdentifier(ANALYST)}`)).rejects.toThrow(/permission denied|must have admin option/);
      await expect(analyst.query(`create database ${pg.escapeIdentifier(`${ANALYST}_own`)}`)).rejects.toThrow(/permission denied to create database/);
    } finally {
      await analyst.query("reset role");
    }
  } finally {
    for (const role of shared) await rootPool().query(`alter role ${pg.escapeIdentifier(role)} nocreaterole nocreatedb`);
    await rootPool().query(`revoke ${owner} from ${pg.escapeIdentifier(ANALYST)}`).catch(() => {});
    await rootPool().query(`drop database if exists ${pg.escapeIdentifier(`${ANALYST}_own`)}`);
  }
});

// the same reach by membership: a start and a grant reset attributes alone, and an analyst of a role a DBA made a member of
// pg_write_server_files wrote a file on the server (`copy … to '/tmp/…'`); pg_read_all_data read the password hashes
test("a start and a grant take away what a DBA made the analyst role or a login a member of that reaches past its clinics (server files, every table, the owner role)", async () => {
  const name = `${ANALYST}_reach`;
  const [analystRole, login] = [pg.escapeIdentifier(testConfig.roles.analyst), pg.escapeIdentifier(name)];
  const group = pg.escapeIdentifier(`${name}_group`);
  const memberships = async (role: string) =>
    (await rootPool().query("select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid join pg_roles r on r.oid = m.member where r.rolname = $1 order by 1", [role])).rows.map((row) => row.rolname);
  const stillHeld = (lines: string[]) => lines.filter((line) => line.includes("is still a member"));
  await grantAnalyst(testConfig, name, [a.clinicId], "reach-password");
  const reader = new pg.Client({ connectionString: withCredentials(TEST_DATABASE_URL, name, "reach-password") });
  try {
    // pg_monitor: every session's statement as sent, other clinics' analysts' literals (a patient's name) among them
    await rootPool().query(`grant pg_write_server_files, pg_monitor, ${pg.escapeIdentifier(testConfig.roles.owner)} to ${analystRole}`);
    await rootPool().query(`grant pg_read_all_data, pg_signal_backend, pg_read_all_stats to ${login}`);
    await ensureRolesAndDatabase(testConfig);
    expect(await memberships(testConfig.roles.analyst)).toEqual([]);
    await analyst.query(`set role ${analystRole}`);
    try {
      await expect(analyst.query(`copy (select 'x') to '/tmp/${name}.txt'`)).rejects.toThrow(/permission denied|must be superuser or have privileges of the pg_write_server_files role/);
    } finally {
      await analyst.query("reset role");
    }
    expect(stillHeld(await grantAnalyst(testConfig, name, [a.clinicId]))).toEqual([]);
    expect(await memberships(name)).toEqual([testConfig.roles.analyst]);
    await reader.connect();
    await expect(reader.query("select password_hash from app_private.user_secret limit 1")).rejects.toThrow(/permission denied/);
    // through a group of the DBA's, which is not ClinicOps' to change: kept, and the operator told
    await rootPool().query(`create role ${group} nologin`);
    await rootPool().query(`grant pg_execute_server_program to ${group}`);
    await rootPool().query(`grant ${group} to ${login}`);
    expect(stillHeld(await grantAnalyst(testConfig, name, [a.clinicId]))).toEqual([
      `warning: ${name} is still a member of pg_execute_server_program through another role it belongs to, which reaches past the clinics it may read (the server's files or programs, every table's rows, other sessions): revoke that membership (docs/analysts.md)`,
    ]);
  } finally {
    await reader.end();
    await rootPool().query(`revoke pg_write_server_files, pg_monitor, ${pg.escapeIdentifier(testConfig.roles.owner)} from ${analystRole}`).catch(() => {});
    await rootPool().query(`drop role if exists ${group}`);
    await revokeAnalyst(testConfig, name);
  }
});

// a start revoked those memberships as its superuser granted them, and no more: one given WITH ADMIN OPTION an analyst
// (as the analyst role) granted on to its own login first, which the revoke from the analyst role left it on PostgreSQL
// 15 (the analyst then wrote server files after the start, and no warning named it), and on PostgreSQL 16 and later
// failed the start ("dependent privileges exist"); and one another grantor gave (a DBA's role of CREATEROLE, as managed
// servers grant) was left on PostgreSQL 16 and later, which revoke only what the revoking role granted
test("a start takes away a membership the analyst role passed on with an ADMIN OPTION, and one another grantor gave", async () => {
  const [analystRole, login] = [pg.escapeIdentifier(testConfig.roles.analyst), pg.escapeIdentifier(ANALYST)];
  const dba = pg.escapeIdentifier(`Dba "${ANALYST}"`);
  const memberships = async (role: string) =>
    (await rootPool().query("select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid join pg_roles r on r.oid = m.member where r.rolname = $1 order by 1", [role])).rows.map((row) => row.rolname);
  try {
    await rootPool().query(`grant pg_write_server_files to ${analystRole} with admin option`);
    await rootPool().query(`create role ${dba} nologin createrole`);
    await rootPool().query(`grant pg_signal_backend to ${dba} with admin option`);
    await committedOn(async (c) => {
      await c.query(`set local role ${dba}`);
      await c.query(`grant pg_signal_backend to ${analystRole}`);
    });
    await analyst.query(`set role ${analystRole}`);
    try {
      await analyst.query(`grant pg_write_server_files to ${login}`);
    } finally {
      await analyst.query("reset role");
    }
    await ensureRolesAndDatabase(testConfig);
    expect({ analystRole: await memberships(testConfig.roles.analyst), login: await memberships(ANALYST) }).toEqual({ analystRole: [], login: [testConfig.roles.analyst] });
    await expect(analyst.query(`copy (select 'x') to '/tmp/${ANALYST}_onward.txt'`)).rejects.toThrow(/permission denied|must be superuser or have privileges of the pg_write_server_files role/);
  } finally {
    // each as granted, and by whom (PostgreSQL 16 and later revoke only the revoking role's grants)
    const { rows } = await rootPool().query(
      `select g.rolname as role, r.rolname as member, w.rolname as grantor from pg_auth_members m join pg_roles g on g.oid = m.roleid
       join pg_roles r on r.oid = m.member left join pg_roles w on w.oid = m.grantor
       where g.rolname in ('pg_write_server_files', 'pg_signal_backend') and r.rolname = any($1::text[]) order by r.rolname = $2`,
      [[ANALYST, testConfig.roles.analyst], testConfig.roles.analyst],
    );
    for (const row of rows) {
      await rootPool().query(`revoke ${row.role} from ${pg.escapeIdentifier(row.member)}${row.grantor ? ` granted by ${pg.escapeIdentifier(row.grantor)}` : ""}`);
    }
    await rootPool().query(`drop role if exists ${dba}`);
  }
});

// PostgreSQL 17's pg_maintain lets its member lock any table (and vacuum full, cluster, reindex it): an analyst of the analyst
// role a DBA made a member of it held every clinic's invoices locked (`lock table … in access exclusive mode`), and every
// request reading them waited, 5 minutes a transaction left idle, 15 a statement, again and again; a start left it
test("a start takes away pg_maintain (PostgreSQL 17) a DBA gave the analyst role: an analyst locks no table", async () => {
  const { rows } = await rootPool().query("select current_setting('server_version_num')::int >= 170000 as has");
  if (!rows[0].has) return; // no such role before PostgreSQL 17 (the embedded server is 17)
  const analystRole = pg.escapeIdentifier(testConfig.roles.analyst);
  try {
    await rootPool().query(`grant pg_maintain to ${analystRole}`);
    await ensureRolesAndDatabase(testConfig);
    await analyst.query("begin");
    try {
      await expect(analyst.query("lock table app_public.invoice in access exclusive mode")).rejects.toThrow(/permission denied for table invoice/);
    } finally {
      await analyst.query("rollback");
    }
  } finally {
    await rootPool().query(`revoke pg_maintain from ${analystRole}`).catch(() => {});
  }
});

test("granting again replaces the clinics, and takes away the replication a DBA gave the login (it copies the whole server); revoking removes the login", async () => {
  const replicates = async () => (await rootPool().query("select rolreplication from pg_roles where rolname = $1", [ANALYST])).rows[0].rolreplication;
  await rootPool().query(`alter role ${pg.escapeIdentifier(ANALYST)} replication`);
  expect(await replicates()).toBe(true);
  expect(runCli(["analyst", "grant", ANALYST, "Analysed B", "--password", "analyst-password"]).status).toBe(0);
  expect(await replicates()).toBe(false);
  expect(await clinicsIn("invoices")).toEqual([b.clinicId]);
  const unknown = runCli(["analyst", "grant", ANALYST, "No Such Clinic"]);
  expect(unknown.status).toBe(1);
  expect(unknown.stderr).toMatch(/unknown clinic\(s\): No Such Clinic/);
  expect(unknown.stderr.trim()).toBe("unknown clinic(s): No Such Clinic: give each clinic's id, or its name exactly as it is written");
  // a name typed in other capitals or spaces was "unknown clinic(s): analysed  b" and no more
  const alike = runCli(["analyst", "grant", ANALYST, "analysed  b"]);
  expect({ status: alike.status, said: alike.stderr.trim() }).toEqual({
    status: 1,
    said: 'unknown clinic(s): analysed  b: give each clinic\'s id, or its name exactly as it is written; named so in other capitals or spaces: "Analysed B"',
  });
  expect(await clinicsIn("invoices")).toEqual([b.clinicId]); // nothing changed by the failed grant
  // each clinic's log says when the analyst could read it, and when no longer (they said nothing before)
  const { rows } = await rootPool().query(
    `select clinic_id, action, actor_user_id from app_public.audit_log
     where table_name = 'analyst_grant' and coalesce(new_values, old_values) ->> 'role_name' = $1 order by occurred_at, seq`,
    [ANALYST],
  );
  expect(rows).toEqual([
    { clinic_id: a.clinicId, action: "insert", actor_user_id: null },
    { clinic_id: a.clinicId, action: "delete", actor_user_id: null },
    { clinic_id: b.clinicId, action: "insert", actor_user_id: null },
  ]);
});

test("revoking a name that is no analyst's says so and fails: a misspelt name is not taken for a revoked analyst; a gone login's grants are revoked", async () => {
  const misspelt = runCli(["analyst", "revoke", `${ANALYST}x`]);
  expect({ status: misspelt.status, stderr: misspelt.stderr.trim() }).toEqual({ status: 1, stderr: `no analyst is named ${ANALYST}x: nothing was revoked` });
  expect(await clinicsIn("invoices")).toEqual([b.clinicId]); // the analyst meant reads on, as before
  // the grants of a name whose login is gone (a restore onto another server carries no roles) are still revoked:
  // kept, they would let a role made later under that name read the clinic
  const gone = `${ANALYST}_gone`;
  await rootPool().query("insert into app_private.analyst_grant (role_name, clinic_id) values ($1, $2)", [gone, a.clinicId]);
  const revoked = runCli(["analyst", "revoke", gone]);
  expect({ status: revoked.status, stderr: revoked.stderr.trim() }).toEqual({ status: 0, stderr: `analyst ${gone} removed` });
  expect((await rootPool().query("select count(*)::int as n from app_private.analyst_grant where role_name = $1", [gone])).rows[0].n).toBe(0);
});

// a name of 42 letters (or of 2, or begun with a digit) was told "(names: a-z, 0-9, _)", the rule it kept: the operator
// was left to read db/cli.ts for its length and its first character
test("a name the command does not take is refused with the whole rule, naming the name, before the database is touched", () => {
  const rule = "a name has 3 to 41 characters, of a-z, 0-9 and _, the first a letter";
  for (const name of ["a".repeat(42), "ab", "1ana", "Ana", "ana dar", "ana'dar"]) {
    const refused = runCli(["analyst", "grant", name, a.clinicId]);
    expect({ name, status: refused.status, said: refused.stderr.trim() }).toEqual({
      name,
      status: 1,
      said: `usage: npm run analyst -- grant <name> <clinic id or name>… [--password P] | revoke <name>; ${rule}, and ${JSON.stringify(name)} has not`,
    });
  }
  // one of 41 is taken (revoked, as no analyst's: nothing is made)
  const longest = runCli(["analyst", "revoke", "a".repeat(41)]);
  expect({ status: longest.status, said: longest.stderr.trim() }).toEqual({ status: 1, said: `no analyst is named ${"a".repeat(41)}: nothing was revoked` });
});

test("a clinic name several clinics share is refused, naming their ids; granting again without a password keeps the analyst's", async () => {
  const shared = `Shared name ${process.pid}`;
  const [one, two] = [await createClinic(shared), await createClinic(shared)];
  const ambiguous = runCli(["analyst", "grant", ANALYST, shared]);
  expect(ambiguous.status).toBe(1);
  expect(ambiguous.stderr).toMatch(new RegExp(`2 clinics are named ${shared}: name the one to grant by its id`));
  for (const clinic of [one, two]) expect(ambiguous.stderr).toContain(clinic.clinicId);
  expect(await clinicsIn("invoices")).toEqual([b.clinicId]); // the grant before it stands
  // by id (in capitals too), and with no password given: the analyst connects with the one they had
  const again = runCli(["analyst", "grant", ANALYST, one.clinicId.toUpperCase()]);
  expect(again.status).toBe(0);
  expect(again.stderr).toMatch(new RegExp(`analyst ${ANALYST} may read: ${shared} \\(${one.clinicId}\\)`));
  expect(again.stderr).toMatch(/password unchanged/);
  const reconnected = new pg.Client({ connectionString: withCredentials(TEST_DATABASE_URL, ANALYST, "analyst-password") });
  await reconnected.connect();
  try {
    expect((await reconnected.query("select current_user as who")).rows[0].who).toBe(ANALYST);
  } finally {
    await reconnected.end();
  }
  expect(runCli(["analyst", "grant", ANALYST, "Analysed B", "--password", "analyst-password"]).status).toBe(0); // as the tests after expect
});

// advisory locks are the server's: in a database PUBLIC may connect to, where none of this database's revocations hold, one
// statement of an analyst's (pg_advisory_lock over a series) filled their table, and every connection to every database,
// the API's and the worker's, failed "out of shared memory" until the analyst disconnected; no grant said so
test("a grant warns of each other database the analyst may connect to, where it may take the server's advisory locks, until it is closed", async () => {
  const elsewhere = `${new URL(TEST_DATABASE_URL).pathname.slice(1)}_open_${process.pid}`;
  await withOpenDatabase(elsewhere, async () => {
    const there = new pg.Client({ connectionString: withCredentials(TEST_DATABASE_URL, ANALYST, "analyst-password", elsewhere) });
    there.on("error", () => {}); // the drop's end of it, should an expectation fail while it is connected
    await there.connect();
    // what the warning is about: one lock of the many it might take, in the server's lock table
    await there.query("select pg_advisory_lock(42)");
    const { rows: [{ pid }] } = await there.query("select pg_backend_pid() as pid");
    const held = await rootPool().query("select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 42 and pid = $1", [pid]);
    expect(held.rows[0].n).toBe(1);
    await there.end();
    const open = runCli(["analyst", "grant", ANALYST, "Analysed B", "--password", "analyst-password"]);
    expect(open.status).toBe(0);
    expect(open.stderr).toMatch(new RegExp(`warning: ${ANALYST} may also connect to [^\\n]*\\b${elsewhere}\\b[^\\n]*out of shared memory`));
    expect(open.stderr).toMatch(new RegExp(`revoke connect on database [^\\n]*"${elsewhere}"[^\\n]* from public`));
    // closed as the warning says: the analyst cannot connect, and the next grant no longer names it
    await rootPool().query(`revoke connect on database ${pg.escapeIdentifier(elsewhere)} from public`);
    const closed = runCli(["analyst", "grant", ANALYST, "Analysed B", "--password", "analyst-password"]);
    expect(closed.status).toBe(0);
    expect(closed.stderr).not.toContain(elsewhere);
    const refused = new pg.Client({ connectionString: withCredentials(TEST_DATABASE_URL, ANALYST, "analyst-password", elsewhere) });
    await expect(refused.connect()).rejects.toThrow(/permission denied for database/);
  });
});

test("the connection line it prints carries none of the superuser's credentials from DATABASE_URL", async () => {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("sslpassword", "superuser-ssl-secret");
  url.searchParams.set("application_name", "operator");
  url.searchParams.set("user", "postgres"); // which psql takes over the address's user: the line logged in as the superuser
  const result = runCli(["analyst", "grant", ANALYST, "Analysed B", "--password", "analyst-password"], { DATABASE_URL: url.toString() });
  expect(result.status).toBe(0);
  const line = result.stderr.match(/connect with: psql "([^"]+)"/)?.[1] ?? "";
  expect(line).not.toContain("superuser-ssl-secret");
  expect(new URL(line).username).toBe(ANALYST);
  expect(new URL(line).searchParams.has("user")).toBe(false);
  expect(new URL(line).searchParams.get("application_name")).toBe("operator");
  // a password given is not printed back: the command's output may be kept where the shell's history is not
  expect(result.stderr).not.toContain("analyst-password");
  expect(result.stderr).toContain("password as given; connect with:");
});

describe("the analyst command touches analysts only", () => {
  // A role of the server that is not an analyst: a colleague's login, or one of the application's.
  const BYSTANDER = `bystander_${process.pid}`;
  const bystander = async () =>
    (
      await rootPool().query(
        `select r.rolcreatedb, r.rolpassword, pg_has_role(r.oid, $2, 'member') as analyst
         from pg_authid r where r.rolname = $1`,
        [BYSTANDER, testConfig.roles.analyst],
      )
    ).rows;
  beforeAll(() => rootPool().query(`create role ${pg.escapeIdentifier(BYSTANDER)} login createdb password 'its-own'`));
  afterAll(() => rootPool().query(`drop role if exists ${pg.escapeIdentifier(BYSTANDER)}`));

  test.each([
    ["grant", [BYSTANDER, "Analysed A", "--password", "taken-over-password"]],
    ["revoke", [BYSTANDER]],
  ])("%s refuses a role that is not an analyst, and leaves it as it was", async (action, args) => {
    const before = await bystander();
    const result = runCli(["analyst", action, ...args]);
    expect(result.stderr).toMatch(new RegExp(`${BYSTANDER} is a role of this server that is not an analyst of this database \\(`));
    expect(result.status).toBe(1);
    expect(await bystander()).toEqual(before);
    expect(before).toEqual([expect.objectContaining({ rolcreatedb: true, analyst: false })]);
  });
});

describe("an analyst's own doings do not outlast a revoke or a grant", () => {
  const STICKY = `${ANALYST}_sticky`;
  const elsewhere = `${testConfig.databaseName}_sticky`;
  const login = async () => {
    const client = new pg.Client({ connectionString: withCredentials(TEST_DATABASE_URL, STICKY, "sticky-password") });
    client.on("error", () => {}); // its end, when the revoke ends its connections
    await client.connect();
    return client;
  };
  afterAll(async () => {
    await rootPool().query(`drop database if exists ${pg.escapeIdentifier(elsewhere)}`);
    runCli(["analyst", "revoke", STICKY]);
  });

  test("a revoke ends the access and the login even when the role cannot be dropped (default privileges it set itself, a database it owns elsewhere)", async () => {
    expect(runCli(["analyst", "grant", STICKY, a.clinicId, "--password", "sticky-password"]).status).toBe(0);
    const sticky = await login();
    // any role may set default privileges for itself: they made its role one `drop role` refuses, and the revoke rolled back
    await sticky.query("alter default privileges grant select on tables to public");
    await sticky.query("begin isolation level repeatable read");
    expect((await sticky.query("select count(*)::int as n from reporting.invoices")).rows[0].n).toBeGreaterThan(0);
    await rootPool().query(`create database ${pg.escapeIdentifier(elsewhere)} owner ${pg.escapeIdentifier(STICKY)}`); // what no drop owned by here removes
    const revoked = runCli(["analyst", "revoke", STICKY]);
    expect({ status: revoked.status, stderr: revoked.stderr.trim() }).toEqual({
      status: 0,
      stderr: expect.stringMatching(new RegExp(`^analyst ${STICKY} reads no clinic and can no longer log in, but its role stays: .*owner of database ${elsewhere}.*then revoke again to drop it\\.$`, "s")),
    });
    // its read under way, which saw the grants as they were, is ended
    await expect(sticky.query("select count(*) from reporting.invoices")).rejects.toThrow();
    await sticky.end().catch(() => {});
    const { rows } = await rootPool().query(
      "select r.rolcanlogin, (select count(*)::int from app_private.analyst_grant g where g.role_name = r.rolname) as grants from pg_roles r where r.rolname = $1",
      [STICKY],
    );
    expect(rows).toEqual([{ rolcanlogin: false, grants: 0 }]);
    // once what it owns elsewhere is gone, a revoke again drops it, its default privileges here with it
    await rootPool().query(`drop database ${pg.escapeIdentifier(elsewhere)}`);
    const again = runCli(["analyst", "revoke", STICKY]);
    expect({ status: again.status, stderr: again.stderr.trim() }).toEqual({ status: 0, stderr: `analyst ${STICKY} removed` });
    expect((await rootPool().query("select count(*)::int as n from pg_roles where rolname = $1", [STICKY])).rows[0].n).toBe(0);
  });

  test("a revoke drops no object the role owns here, nor a policy naming it (a role a DBA made an analyst may own a schema): it stays, without access or login, and says so", async () => {
    expect(runCli(["analyst", "grant", STICKY, a.clinicId, "--password", "sticky-password"]).status).toBe(0);
    const schema = pg.escapeIdentifier(`${STICKY}_own`);
    await rootPool().query(`create schema ${schema} authorization ${pg.escapeIdentifier(STICKY)}`);
    try {
      const revoked = runCli(["analyst", "revoke", STICKY]);
      expect({ status: revoked.status, stderr: revoked.stderr.trim() }).toEqual({
        status: 0,
        stderr: expect.stringMatching(new RegExp(`^analyst ${STICKY} reads no clinic and can no longer log in, but its role stays: it owns or is named by 1 object\\(s\\) in ${testConfig.databaseName}, which a revoke does not drop\\.`)),
      });
      expect((await rootPool().query("select count(*)::int as n from pg_namespace where nspname = $1", [`${STICKY}_own`])).rows[0].n).toBe(1);
    } finally {
      await rootPool().query(`drop schema if exists ${schema}`);
    }
    // nor a policy that names it alone, which drop owned by drops
    const policy = pg.escapeIdentifier(`${STICKY}_reads`);
    await rootPool().query(`create policy ${policy} on app_public.service_price for select to ${pg.escapeIdentifier(STICKY)} using (false)`);
    try {
      expect(runCli(["analyst", "revoke", STICKY]).stderr).toContain("its role stays: it owns or is named by 1 object(s)");
      expect((await rootPool().query("select count(*)::int as n from pg_policy where polname = $1", [`${STICKY}_reads`])).rows[0].n).toBe(1);
    } finally {
      await rootPool().query(`drop policy if exists ${policy} on app_public.service_price`);
    }
    expect(runCli(["analyst", "revoke", STICKY]).stderr.trim()).toBe(`analyst ${STICKY} removed`);
  });

  test("a grant undoes the defaults the analyst changed on its own role, here and in the database", async () => {
    expect(runCli(["analyst", "grant", STICKY, a.clinicId, "--password", "sticky-password"]).status).toBe(0);
    const sticky = await login();
    await sticky.query(`alter role ${pg.escapeIdentifier(STICKY)} reset all`);
    await sticky.query(`alter role ${pg.escapeIdentifier(STICKY)} in database ${pg.escapeIdentifier(testConfig.databaseName)} set statement_timeout = 0`);
    await sticky.end();
    expect(runCli(["analyst", "grant", STICKY, a.clinicId]).status).toBe(0);
    const regranted = await login();
    try {
      const { rows } = await regranted.query("select current_setting('statement_timeout') as statement, current_setting('idle_in_transaction_session_timeout') as idle");
      expect(rows).toEqual([{ statement: "15min", idle: "5min" }]);
    } finally {
      await regranted.end();
    }
  });

  // Any role may change its own role and leave the change uncommitted (with idle_in_transaction_session_timeout 0 in its
  // session): every alter role of it waited for that transaction without end, a start's limits (npm start, the worker),
  // a grant, and a revoke's nologin, the analyst reading on
  test("an analyst holding a change of their own role open stalls no start, grant or revoke: that session is ended, a read goes on", async () => {
    expect(runCli(["analyst", "grant", STICKY, a.clinicId, "--password", "sticky-password"]).status).toBe(0);
    const role = pg.escapeIdentifier(STICKY);
    const sessions: pg.Client[] = [];
    const holdingOpen = async (change: string) => {
      const sticky = await login();
      sessions.push(sticky);
      await sticky.query("set idle_in_transaction_session_timeout = 0");
      await sticky.query("begin");
      await sticky.query(change);
      return sticky;
    };
    const inTime = <T>(work: Promise<T>) => withinTime(15_000, work, () => new Error("stalled behind the analyst's open transaction"));
    try {
      const reader = await login();
      sessions.push(reader);
      await reader.query("begin");
      await reader.query("select count(*) from reporting.invoices");
      // the start: limits the analyst changed (committed), changed again and held open
      const changed = await login();
      await changed.query(`alter role ${role} set statement_timeout = 0`);
      await changed.end();
      let held = await holdingOpen(`alter role ${role} set work_mem = '64MB'`);
      expect(await inTime(keepAnalystsWithinLimits(testConfig))).toContain(STICKY);
      await expect(held.query("select 1")).rejects.toThrow();
      held = await holdingOpen(`alter role ${role} password 'sticky-password'`);
      await inTime(grantAnalyst(testConfig, STICKY, [a.clinicId]));
      await expect(held.query("select 1")).rejects.toThrow();
      expect((await reader.query("select count(*)::int as n from reporting.invoices")).rows[0].n).toBeGreaterThan(0); // reads on
      await reader.query("commit");
      held = await holdingOpen(`alter role ${role} password 'sticky-password'`);
      expect(await inTime(revokeAnalyst(testConfig, STICKY))).toEqual([`analyst ${STICKY} removed`]);
      await expect(held.query("select 1")).rejects.toThrow();
    } finally {
      await Promise.all(sessions.map((client) => client.end().catch(() => {}))); // before, their ends let what stalled go on
    }
  });

  test("a clinic's id names that clinic alone, not one named like it", async () => {
    const lookalike = await createClinic(a.clinicId); // an owner may name a clinic anything, another's id too
    const granted = runCli(["analyst", "grant", STICKY, a.clinicId]);
    expect(granted.stderr).toMatch(new RegExp(`analyst ${STICKY} may read: Analysed A \\(${a.clinicId}\\)\\n`));
    expect(granted.stderr).not.toContain(lookalike.clinicId);
    const { rows } = await rootPool().query("select array_agg(clinic_id) as clinics from app_private.analyst_grant where role_name = $1", [STICKY]);
    expect(rows[0].clinics).toEqual([a.clinicId]);
  });
});

// A grant again removed the old grants in one statement, then added the new ones in another: each statement locks its own
// clinics' audit chains in the order of their ids (000248), not the two together, so a grant moving an analyst from a higher
// id's clinic to a lower one's held the higher head while it waited for the lower, which a deactivation (a login, a
// password change) ending sessions in both had taken, waiting for the higher: "deadlock detected", one of them undone.
// The higher head is held by a third transaction, the grant and then the deactivation queue behind it (as in audit.test.ts).
test("a grant again and a deactivation ending sessions in the clinics of both the old grant and the new take the chains' heads in one order", async () => {
  const [lo, hi] = [(await createClinic()).clinicId, (await createClinic()).clinicId].sort();
  const name = `${ANALYST}_moved`;
  await grantAnalyst(testConfig, name, [hi]);
  try {
    const answers = await besideADeactivation([lo, hi], () => answer(grantAnalyst(testConfig, name, [lo])));
    expect(answers).toEqual([null, null]); // before, one of them "deadlock detected"
    const { rows } = await rootPool().query("select array_agg(clinic_id) as clinics from app_private.analyst_grant where role_name = $1", [name]);
    expect(rows[0].clinics).toEqual([lo]);
  } finally {
    await revokeAnalyst(testConfig, name);
  }
});

// Two grants of one analyst at once each locked the chains of the grants they read before the other's committed: the
// second, queued behind the first, then removed the grant the first had just added, in a clinic it had not locked, after
// a higher id's head: with a deactivation ending sessions in both clinics at once, "deadlock detected", one undone.
test("two grants of one analyst at once take their turns, beside a deactivation ending sessions in the clinics of both", async () => {
  const [lo, hi] = [(await createClinic()).clinicId, (await createClinic()).clinicId].sort();
  const name = `${ANALYST}_twice`;
  await grantAnalyst(testConfig, name, [hi]);
  const grant = (clinic: string) => () => answer(grantAnalyst(testConfig, name, [clinic]));
  try {
    // the first moves the analyst to lo, the second back to hi
    expect(await besideADeactivation([lo, hi], grant(lo), grant(hi))).toEqual([null, null, null]); // before, "deadlock detected"
    const { rows } = await rootPool().query("select array_agg(clinic_id) as clinics from app_private.analyst_grant where role_name = $1", [name]);
    expect(rows[0].clinics).toEqual([hi]);
  } finally {
    await revokeAnalyst(testConfig, name);
  }
});

// A revoke while a grant of the same analyst was under way removed the grant the grant went on to remove, waiting for the
// chain head the grant held, while the grant waited for the row the revoke had removed: "deadlock detected", one undone.
test("a grant and a revoke of one analyst at once take their turns", async () => {
  const [lo, hi] = [(await createClinic()).clinicId, (await createClinic()).clinicId].sort();
  const name = `${ANALYST}_revoked_meanwhile`;
  await grantAnalyst(testConfig, name, [lo]);
  const answers = await whileHolding("select from app_private.audit_chain_head where chain_id = $1 for update", [hi], async (head) => {
    const granting = answer(grantAnalyst(testConfig, name, [hi])); // holds lo's head, waits for hi's
    expect(await head.blocking()).toBe(true);
    const revoking = answer(revokeAnalyst(testConfig, name));
    expect(await head.blocking(2)).toBe(true);
    await head.release();
    return Promise.all([granting, revoking]);
  });
  expect(answers).toEqual([null, null]); // before, "deadlock detected"
  const { rows } = await rootPool().query("select count(*)::int as grants, (select count(*)::int from pg_roles where rolname = $1) as roles from app_private.analyst_grant where role_name = $1", [name]);
  expect(rows[0]).toEqual({ grants: 0, roles: 0 });
});

// Two first grants of one analyst at once each found no role, and each made it: the later one to make it was undone
// ('role "…" already exists', or at the same moment "duplicate key value violates unique constraint").
test("two first grants of one analyst at once make one role, the second's grant the one kept", async () => {
  const [first, second] = [(await createClinic()).clinicId, (await createClinic()).clinicId];
  const name = `${ANALYST}_new_twice`;
  try {
    const answers = await whileHolding("select from app_private.audit_chain_head where chain_id = $1 for update", [first], async (head) => {
      const granting = answer(grantAnalyst(testConfig, name, [first], "first-password")); // found no role, waits for the head
      expect(await head.blocking()).toBe(true);
      const again = answer(grantAnalyst(testConfig, name, [second], "second-password"));
      await head.blocking(2); // queued behind the first; before, it went through at once
      await head.release();
      return Promise.all([granting, again]);
    });
    expect(answers).toEqual([null, null]); // before, the first: 'role "…" already exists'
    const { rows } = await rootPool().query("select array_agg(clinic_id) as clinics from app_private.analyst_grant where role_name = $1", [name]);
    expect(rows[0].clinics).toEqual([second]);
  } finally {
    await revokeAnalyst(testConfig, name);
  }
});

// A start set an analyst's limits again (changed by the analyst since) while a grant of that analyst, which sets them too,
// was under way: the start's alter role waited for the grant's, then failed, "tuple concurrently updated", and so did the
// start (npm start, the worker, any command that prepares the database).
test("a start giving an analyst its limits again while a grant of that analyst is under way waits for it", async () => {
  const [first, second] = [(await createClinic()).clinicId, (await createClinic()).clinicId];
  const name = `${ANALYST}_limited_meanwhile`;
  await grantAnalyst(testConfig, name, [first]);
  try {
    await rootPool().query(`alter role ${pg.escapeIdentifier(name)} set statement_timeout = 0`); // as the analyst may
    // the grant held after it has set the limits: at its insert, behind an uncommitted row of the same key (no trigger)
    const answers = await whileHolding("select set_config('session_replication_role', 'replica', true)", [], async (row) => {
      await row.client.query("insert into app_private.analyst_grant (role_name, clinic_id) values ($1, $2)", [name, second]);
      const granting = answer(grantAnalyst(testConfig, name, [second]));
      expect(await row.blocking()).toBe(true);
      const limiting = answer(keepAnalystsWithinLimits(testConfig));
      expect(await row.blocking(2)).toBe(true);
      await row.release();
      return Promise.all([granting, limiting]);
    });
    expect(answers).toEqual([null, null]); // before, the start's: "tuple concurrently updated"
    const { rows } = await rootPool().query("select (select setconfig from pg_db_role_setting where setrole = $1::regrole and setdatabase = 0) as settings", [name]);
    expect(rows[0].settings).toContain("statement_timeout=15min");
  } finally {
    await revokeAnalyst(testConfig, name);
  }
});
