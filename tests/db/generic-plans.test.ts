/**
 * The statements the API's writes run, those of the functions and triggers they call too, planned as every API
 * transaction plans them (generic plans: server/pg-settings.ts), each reading the big tables by an index. Under
 * row-level security (forced on the tenant tables, so in security-definer functions too) a condition PostgreSQL does
 * not hold leakproof is checked after the policy's, never as an index condition; in a generic plan a value worked out
 * from the function's variables (`coalesce(new.clinic_id, old.clinic_id)`) stays such an expression, and the statement
 * read the whole table, every clinic's rows, at every write. With sequential scans priced out of reach
 * (`enable_seqscan = off`), a plan that still has one has no index to use, whatever the test database's size.
 */
import type pg from "pg";
import { closeRootPool, rootPool } from "../support/database.ts";
import { beginAs, cashierSession, createClinic, createIssuedInvoice, createService, openSession } from "../support/fixtures.ts";
import { EXPLAINED_GENERIC } from "../support/plans.ts";

afterAll(closeRootPool);

/** The tables of every clinic's rows that grow with its work: a statement reading one whole reads every clinic's. */
const GROWING = /Seq Scan on (patient|visit|visit_service|invoice|invoice_line|payment|refund|audit_log|session|daily_\w+)\b/;

/**
 * Every plan `work` runs in a transaction of `sessionId` (rolled back), generic as the API's, sequential scans priced
 * out: each plan with a sequential scan of a growing table, by its statement's text (the functions' too).
 */
async function scansOfWholeTables(sessionId: string, work: (client: pg.PoolClient) => Promise<unknown>): Promise<string[]> {
  const plans: string[] = [];
  const client = await rootPool().connect();
  try {
    for (const setting of [...EXPLAINED_GENERIC, "set enable_seqscan = off"]) await client.query(setting);
    await beginAs(client, sessionId);
    client.on("notice", (notice) => plans.push(notice.message ?? ""));
    await work(client);
  } finally {
    await client.query("rollback");
    client.release(true); // auto_explain loaded: not back to the pool
  }
  if (!plans.some((plan) => plan.includes("Query Text: "))) throw new Error("no plan was told: auto_explain did not run");
  return plans.filter((plan) => GROWING.test(plan)).map((plan) => `${plan.match(GROWING)?.[0]}: ${plan.match(/Query Text: ([^\n]*)/)?.[1]}`);
}

// app_private.tg__money_rollup read the invoice's currency by coalesce(new.…, old.…): a sequential scan of every
// clinic's invoices at each payment and refund (16 ms at 125,000 invoices; the API's recordPayment throughput under 50
// clients fell from 293/s to 86/s), 000420
test("a payment and its refund read every table by an index, as the API plans them", async () => {
  const clinic = await createClinic();
  const invoice = await createIssuedInvoice(clinic);
  const scans = await scansOfWholeTables(await cashierSession(clinic), async (client) => {
    const { rows: [payment] } = await client.query("select id from app_public.record_payment($1, 1000, 'cash', null, 'generic-plans')", [invoice.id]);
    await client.query("select app_public.refund_payment($1, 400, 'Returned', 'generic-plans-refund')", [payment.id]);
  });
  expect(scans).toEqual([]);
});

test("a visit from its booking to its invoice issued and paid, and the day closed, read every table by an index, as the API plans them", async () => {
  const clinic = await createClinic();
  const service = await createService(clinic.clinicId);
  const owner = await openSession(clinic.members.owner.userId, clinic.clinicId);
  const scans = await scansOfWholeTables(owner, async (client) => {
    const one = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows[0];
    const patient = await one("insert into app_public.patient (first_name, last_name, phone) values ('Asha', 'Mushi', '+255712000111') returning id");
    const visit = await one("insert into app_public.visit (patient_id, doctor_id, scheduled_at) values ($1, $2, now()) returning id", [patient.id, clinic.members.doctor.membershipId]);
    for (const status of ["checked_in", "in_progress"]) await client.query("update app_public.visit set status = $2 where id = $1", [visit.id, status]);
    await client.query("insert into app_public.visit_service (visit_id, service_id, quantity) values ($1, $2, 2)", [visit.id, service.id]);
    await client.query("update app_public.visit set status = 'completed' where id = $1", [visit.id]);
    const invoice = await one("select id from app_public.create_invoice_from_visit($1)", [visit.id]);
    await client.query("select app_public.issue_invoice($1)", [invoice.id]);
    // the payment's business day, the clinic's date: current_date is the server's, the day before the clinic's late in
    // the evening (UTC) for a clinic east of it
    const payment = await one("select business_date::text from app_public.record_payment($1, 50000, 'cash', null, 'generic-plans-visit')", [invoice.id]);
    await client.query("select app_public.close_day($1, 50000)", [payment.business_date]);
  });
  expect(scans).toEqual([]);
});
