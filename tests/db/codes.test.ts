/**
 * Human-readable codes: per clinic and prefix, unique, consecutive and
 * gap-free under concurrency and rollbacks.
 */
import pg from "pg";
import { randomUUID } from "node:crypto";
import { apiPool, closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { asMember, beginAs, cashierSession, committedAs, createClinic as createTestClinic, createIssuedInvoice, createPatient, createService, createVisit, openSession, type TestClinic } from "../support/fixtures.ts";
import { outcome, trackBackend, waitsFor } from "../support/locks.ts";

afterAll(closeRootPool);

const sessions = new Map<string, string>();

/** A clinic with a live owner session: codes are allocated inside a clinic's session, as the triggers do. */
async function createClinic() {
  const clinic = await createTestClinic();
  sessions.set(clinic.clinicId, await openSession(clinic.members.owner.userId, clinic.clinicId));
  return clinic;
}

/** The codes of a clinic's rows of each table, in order, by table (the tables in name order). */
async function codesOf(clinicId: string, tables: string[]): Promise<{ kind: string; codes: string[] }[]> {
  const { rows } = await rootPool().query(
    `select kind, array_agg(code order by code) as codes from (
       ${tables.map((table) => `select '${table}' as kind, code from app_public.${table} where clinic_id = $1`).join(" union all ")}) c
     group by kind order by kind`, [clinicId]);
  return rows;
}

async function allocate(clinicId: string, prefix: string, { rollback = false } = {}): Promise<string> {
  const client = await rootPool().connect();
  try {
    await client.query("begin");
    await client.query("select set_config('jwt.claims.session_id', $1, true)", [sessions.get(clinicId) ?? ""]);
    const { rows } = await client.query("select app_private.next_code($1, $2) as code", [clinicId, prefix]);
    // hold the transaction open a moment so the allocations really overlap
    await client.query("select pg_sleep(0.01)");
    await client.query(rollback ? "rollback" : "commit");
    return rows[0].code;
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    client.release();
  }
}

test("50 concurrent allocations give 50 distinct consecutive codes", async () => {
  const { clinicId } = await createClinic();
  const codes = await Promise.all(Array.from({ length: 50 }, () => allocate(clinicId, "PAT")));
  expect(new Set(codes).size).toBe(50);
  expect([...codes].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `PAT-${String(i + 1).padStart(6, "0")}`));
});

test("a rolled-back allocation leaves no gap", async () => {
  const { clinicId } = await createClinic();
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => allocate(clinicId, "VIS", { rollback: i % 3 === 0 }).then((code) => ({ code, kept: i % 3 !== 0 }))),
  );
  const kept = results.filter((r) => r.kept).length;
  expect(await allocate(clinicId, "VIS")).toBe(`VIS-${String(kept + 1).padStart(6, "0")}`);
});

test("each clinic and prefix counts on its own, and a clinic may rename a prefix", async () => {
  const a = await createClinic();
  const b = await createClinic();
  await rootPool().query(`update app_public.clinic set code_prefixes = '{"PAT": "PT"}' where id = $1`, [b.clinicId]);
  expect(await allocate(a.clinicId, "PAT")).toBe("PAT-000001");
  expect(await allocate(a.clinicId, "INV")).toBe("INV-000001");
  expect(await allocate(b.clinicId, "PAT")).toBe("PT-000001");
  expect(await allocate(a.clinicId, "PAT")).toBe("PAT-000002");
});

test("a renamed prefix is 1 to 8 letters or digits, for a prefix ClinicOps hands out; anything else is refused", async () => {
  const { clinicId } = await createClinic();
  const rename = (prefixes: object) => rootPool().query("update app_public.clinic set code_prefixes = $2 where id = $1", [clinicId, JSON.stringify(prefixes)]);
  for (const bad of [{ PAT: 'PT"; filename="evil.exe' }, { PAT: "" }, { PAT: "PATIENTS1" }, { PAT: 7 }, { FOO: "F" }]) {
    await expect(rename(bad)).rejects.toMatchObject({ code: "23514" });
  }
  await rename({ PAT: "Pt2", INV: "F" });
  expect(await allocate(clinicId, "INV")).toBe("F-000001");
});

test("an import of invoices run again with ON CONFLICT takes no number for the invoices it already made: the next one made follows without a gap (000433)", async () => {
  const { clinicId } = await createClinic();
  const patient = await createPatient(clinicId);
  // an operator's import from the old system (psql, every trigger on), keyed by each invoice's old number, run again
  // after a failure halfway: a BEFORE INSERT trigger gives a row its number before the conflict is found
  const importing = (keys: string[], onConflict: string) =>
    rootPool().query(
      `insert into app_public.invoice (clinic_id, patient_id, idempotency_key) select $1, $2, k from unnest($3::text[]) k ${onConflict}`,
      [clinicId, patient.id, keys],
    );
  await importing(["old-1", "old-2"], "");
  await importing(["old-1", "old-2", "old-3"], "on conflict (clinic_id, idempotency_key) do nothing");
  await importing(["old-3", "old-4"], "on conflict do nothing");
  await importing(["old-4"], "on conflict (clinic_id, idempotency_key) do update set notes = 'Imported again'");
  // by id too: the same rows written again
  const { rows: made } = await rootPool().query("select id from app_public.invoice where clinic_id = $1", [clinicId]);
  await rootPool().query(
    "insert into app_public.invoice (clinic_id, id, patient_id) select $1, id, $2 from unnest($3::uuid[]) id on conflict do nothing",
    [clinicId, patient.id, made.map((r) => r.id)],
  );
  const { rows } = await rootPool().query(
    "select idempotency_key as key, code, notes from app_public.invoice where clinic_id = $1 order by code", [clinicId]);
  expect(rows).toEqual([
    { key: "old-1", code: "INV-000001", notes: null },
    { key: "old-2", code: "INV-000002", notes: null },
    { key: "old-3", code: "INV-000003", notes: null },
    { key: "old-4", code: "INV-000004", notes: "Imported again" },
  ]);
  // and the clinic's next invoice is the next number
  const { rows: next } = await committedAs(sessions.get(clinicId)!, (c) =>
    c.query("insert into app_public.invoice (patient_id) values ($1) returning code", [patient.id]));
  expect(next[0].code).toBe("INV-000005");
});

test("an import of patients, services, visits, payments and refunds run again with ON CONFLICT takes no code for the rows it already made: the next ones follow without a gap (000505)", async () => {
  const clinic = await createClinic();
  const { clinicId } = clinic;
  const invoice = await createIssuedInvoice(clinic, "1000"); // a patient, a service and a visit of its own: PAT-000001, SRV-000001, VIS-000001
  // an operator's import from the old system (psql, every trigger on) run again after a failure halfway, keyed by each
  // row's old number or by its id: a BEFORE INSERT trigger numbers a row before ON CONFLICT skips it or updates the one there
  const imports: [string, string, unknown[]][] = [
    ["patient", "(clinic_id, first_name, last_name, idempotency_key) select $1, 'Imported', k, k from unnest($2::text[]) k", [clinicId]],
    ["service", "(clinic_id, name, price, idempotency_key) select $1, k, 10, k from unnest($2::text[]) k", [clinicId]],
    ["payment", "(clinic_id, invoice_id, amount, method, idempotency_key) select $1, $3, 100, 'cash', k from unnest($2::text[]) k", [clinicId, invoice.id]],
  ];
  for (const [table, insert, [clinic, ...params]] of imports) {
    const importing = (keys: string[], onConflict: string) => rootPool().query(`insert into app_public.${table} ${insert} ${onConflict}`, [clinic, keys, ...params]);
    await importing(["old-1", "old-2"], "");
    await importing(["old-1", "old-2", "old-3"], "on conflict (clinic_id, idempotency_key) do nothing");
    await importing(["old-3", "old-4"], "on conflict do nothing");
  }
  await rootPool().query("update app_public.patient set notes = 'Imported' where clinic_id = $1 and idempotency_key = 'old-4'", [clinicId]);
  await rootPool().query(
    `insert into app_public.patient (clinic_id, first_name, last_name, idempotency_key) values ($1, 'Imported', 'old-4', 'old-4')
     on conflict (clinic_id, idempotency_key) do update set notes = 'Imported again'`, [clinicId]);
  const { rows: [payment] } = await rootPool().query("select id from app_public.payment where clinic_id = $1 and idempotency_key = 'old-1'", [clinicId]);
  const refunding = (keys: string[], onConflict: string) => rootPool().query(
    `insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason, idempotency_key)
     select $1, $2, $3, 10, 'cash', 'Change', k from unnest($4::text[]) k ${onConflict}`,
    [clinicId, payment.id, invoice.id, keys]);
  await refunding(["old-1"], "");
  await refunding(["old-1", "old-2"], "on conflict (clinic_id, idempotency_key) do nothing");
  // visits by their ids (each booked at an hour of its own)
  const visits = [randomUUID(), randomUUID()];
  const booking = (ids: string[]) => rootPool().query(
    `insert into app_public.visit (clinic_id, id, patient_id, doctor_id, scheduled_at)
     select $1, v.id, i.patient_id, $3, now() + v.n * interval '1 hour' from unnest($2::uuid[]) with ordinality v(id, n), app_public.invoice i
     where i.id = $4 on conflict do nothing`,
    [clinicId, ids, clinic.members.doctor.membershipId, invoice.id]);
  await booking(visits.slice(0, 1));
  await booking(visits);
  // and the clinic's next patient, service, visit, payment and refund are the next numbers, after a row of a deleted
  // patient's key that the owner's session did not make either
  await rootPool().query("update app_public.patient set deleted_at = now() where clinic_id = $1 and idempotency_key = 'old-1'", [clinicId]);
  await committedAs(sessions.get(clinicId)!, async (c) => {
    const { rowCount } = await c.query("insert into app_public.patient (first_name, last_name, idempotency_key) values ('Imported', 'old-1', 'old-1') on conflict do nothing");
    expect(rowCount).toBe(0);
    await c.query("insert into app_public.patient (first_name, last_name) values ('Next', 'One')");
    await c.query("insert into app_public.service (name, price) values ('Next one', 10)");
    await c.query("insert into app_public.visit (patient_id, doctor_id, scheduled_at) select patient_id, $2, now() + interval '3 hours' from app_public.invoice where id = $1", [
      invoice.id, clinic.members.doctor.membershipId]);
  });
  await committedAs(await cashierSession(clinic), async (c) => {
    const { rows: [next] } = await c.query("select id from app_public.record_payment($1, 100, 'cash')", [invoice.id]);
    await c.query("select app_public.refund_payment($1, 10, 'Change')", [next.id]);
  });
  const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(6, "0")}`);
  expect(await codesOf(clinicId, ["patient", "service", "visit", "payment", "refund"])).toEqual([
    { kind: "patient", codes: numbered("PAT", 6) },
    { kind: "payment", codes: numbered("PAY", 5) },
    { kind: "refund", codes: numbered("REF", 3) },
    { kind: "service", codes: numbered("SRV", 6) },
    { kind: "visit", codes: numbered("VIS", 4) },
  ]);
  const { rows: notes } = await rootPool().query("select notes from app_public.patient where clinic_id = $1 and idempotency_key = 'old-4'", [clinicId]);
  expect(notes).toEqual([{ notes: "Imported again" }]);
});

// an invoice's number (000439), and a patient's (000505)
test.each([
  ["invoice", "INV", "(clinic_id, patient_id, idempotency_key) values ($1, $2, $3)"],
  ["patient", "PAT", "(clinic_id, first_name, last_name, idempotency_key) select $1, 'Old', $2::text, $3"],
])("an import run again while the operator corrects a %s's key gives back no number that row then holds: the clinic's next ones are still made", async (table, prefix, values) => {
  const { clinicId } = await createClinic();
  const patient = await createPatient(clinicId);
  const first = table === "patient" ? 2 : 1; // the invoice's patient came first
  const code = (n: number) => `${prefix}-${String(first + n).padStart(6, "0")}`;
  await rootPool().query(`insert into app_public.${table} ${values}`, [clinicId, patient.id, "old-1"]);
  // the operator corrects the first row's key (a typo of the import) in one psql, while the import runs again in another
  const correcting = await rootPool().connect();
  const importing = await rootPool().connect();
  try {
    await trackBackend(correcting);
    await trackBackend(importing);
    await correcting.query("begin");
    await correcting.query(`update app_public.${table} set idempotency_key = 'old-1-corrected' where clinic_id = $1 and idempotency_key = 'old-1'`, [clinicId]);
    const imported = outcome(importing.query(
      `insert into app_public.${table} ${values} on conflict (clinic_id, idempotency_key) do nothing returning code`, [clinicId, patient.id, "old-1"]));
    expect(await waitsFor(importing, correcting)).toBe(true);
    await correcting.query("commit");
    // the key is free once the correction commits: the import makes its row, with the number it took
    expect(await imported).toEqual([{ code: code(1) }]);
  } finally {
    correcting.release();
    importing.release();
  }
  // and the counter is not left below it: the clinic's next ones follow (they failed on the code's uniqueness, each of them)
  for (const n of [2, 3]) {
    const { rows } = await rootPool().query(`insert into app_public.${table} ${values} returning code`, [clinicId, patient.id, `new-${n}`]);
    expect(rows[0].code).toBe(code(n));
  }
});

test("an import of visits and of their invoices run again, keyed by idempotency key, skips the rows it made: an upcoming visit is not a double booking of itself, an invoice not a second one of its visit (000508)", async () => {
  const clinic = await createClinic();
  const { clinicId } = clinic;
  const invoice = await createIssuedInvoice(clinic, "1000"); // PAT-000001, SRV-000001, VIS-000001 (in progress), INV-000001
  const doctor = clinic.members.doctor.membershipId;
  // the old system's numbers as idempotency keys: the invoice's set by the operator, as its import would have
  await rootPool().query("update app_public.invoice set idempotency_key = 'old-inv-1' where id = $1", [invoice.id]);
  const importing = () => rootPool().query(
    `insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at, idempotency_key)
     select $1, i.patient_id, $2, date_trunc('hour', now()) + interval '1 day', 'old-visit-1' from app_public.invoice i where i.id = $3
     on conflict (clinic_id, idempotency_key) do nothing returning code`, [clinicId, doctor, invoice.id]);
  expect((await importing()).rows).toEqual([{ code: "VIS-000002" }]);
  // run again: the visit is there (scheduled, the same patient, doctor and minute), skipped
  expect((await importing()).rows).toEqual([]);
  const { rows: invoices } = await rootPool().query(
    `insert into app_public.invoice (clinic_id, patient_id, visit_id, idempotency_key)
     select clinic_id, patient_id, visit_id, 'old-inv-1' from app_public.invoice where id = $1
     on conflict (clinic_id, idempotency_key) do nothing returning code`, [invoice.id]);
  expect(invoices).toEqual([]);
  // and the next ones follow without a gap
  const { rows: [next] } = await rootPool().query(
    `insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) select $1, i.patient_id, $2, date_trunc('hour', now()) + interval '2 days'
     from app_public.invoice i where i.id = $3 returning code`, [clinicId, doctor, invoice.id]);
  expect(next.code).toBe("VIS-000003");
  const { rows: [nextInvoice] } = await rootPool().query(
    "insert into app_public.invoice (clinic_id, patient_id) select clinic_id, patient_id from app_public.invoice where id = $1 returning code", [invoice.id]);
  expect(nextInvoice.code).toBe("INV-000002");
});

test("an import of refunds run again skips a refund it made of all that was left of its payment: the refund does not count against itself (000508)", async () => {
  const clinic = await createClinic();
  const { clinicId } = clinic;
  const invoice = await createIssuedInvoice(clinic, "1000");
  const { rows: [payment] } = await rootPool().query(
    "insert into app_public.payment (clinic_id, invoice_id, amount, method, idempotency_key) values ($1, $2, 100, 'cash', 'old-pay-1') returning id",
    [clinicId, invoice.id]);
  // the old system's refund of the whole payment, imported, then the import run again
  const refunding = () => rootPool().query(
    `insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason, idempotency_key)
     values ($1, $2, $3, 100, 'cash', 'Returned', 'old-ref-1') on conflict (clinic_id, idempotency_key) do nothing returning code`,
    [clinicId, payment.id, invoice.id]);
  expect((await refunding()).rows).toEqual([{ code: "REF-000001" }]);
  expect((await refunding()).rows).toEqual([]);
  // a refund past what is left is still refused
  await expect(rootPool().query(
    "insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason) values ($1, $2, $3, 1, 'cash', 'Again')",
    [clinicId, payment.id, invoice.id])).rejects.toThrow(/at most what is left of the payment/);
  // and the clinic's next refund follows without a gap
  await committedAs(await cashierSession(clinic), async (c) => {
    const { rows: [next] } = await c.query("select id from app_public.record_payment($1, 100, 'cash')", [invoice.id]);
    const { rows: [refund] } = await c.query("select code from app_public.refund_payment($1, 10, 'Change')", [next.id]);
    expect(refund.code).toBe("REF-000002");
  });
});

test("an import of invoices, payments and refunds run again once their day is closed (inserted closed by the import) skips the rows it made; a new payment or refund of that day is still refused DAY_CLOSED (000509)", async () => {
  const clinic = await createClinic();
  const { clinicId } = clinic;
  // an operator's import of a till's records (psql, every trigger on), keyed by the old system's numbers, each
  // statement ON CONFLICT DO NOTHING so that the whole script may be sent again after a failure halfway
  const script = [
    `insert into app_public.patient (clinic_id, first_name, last_name, idempotency_key) values ($1, 'Imported', 'Patient', 'old-pat-1')
     on conflict (clinic_id, idempotency_key) do nothing`,
    `insert into app_public.invoice (clinic_id, patient_id, idempotency_key)
     select $1, p.id, 'old-inv-1' from app_public.patient p where p.clinic_id = $1 and p.idempotency_key = 'old-pat-1'
     on conflict (clinic_id, idempotency_key) do nothing`,
    `insert into app_public.invoice_line (clinic_id, invoice_id, description, quantity, unit_price, idempotency_key)
     select $1, i.id, 'Consultation', 1, 100, 'old-line-1' from app_public.invoice i where i.clinic_id = $1 and i.idempotency_key = 'old-inv-1'
     on conflict (clinic_id, idempotency_key) do nothing`,
    `update app_public.invoice set status = 'issued' where clinic_id = $1 and idempotency_key = 'old-inv-1' and status = 'draft'`,
    `insert into app_public.payment (clinic_id, invoice_id, amount, method, idempotency_key)
     select $1, i.id, 100, 'cash', 'old-pay-1' from app_public.invoice i where i.clinic_id = $1 and i.idempotency_key = 'old-inv-1'
     on conflict (clinic_id, idempotency_key) do nothing`,
    `insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason, idempotency_key)
     select $1, p.id, p.invoice_id, 100, 'cash', 'Returned', 'old-ref-1' from app_public.payment p where p.clinic_id = $1 and p.idempotency_key = 'old-pay-1'
     on conflict (clinic_id, idempotency_key) do nothing`,
    `insert into app_public.payment (clinic_id, invoice_id, amount, method, idempotency_key)
     select $1, i.id, 100, 'card', 'old-pay-2' from app_public.invoice i where i.clinic_id = $1 and i.idempotency_key = 'old-inv-1'
     on conflict (clinic_id, idempotency_key) do nothing`,
    // and the till's cash-up of the day, inserted closed
    `insert into app_public.daily_reconciliation (clinic_id, business_date, status, counted_cash, counted_card)
     select $1, p.business_date, 'closed', 0, 100 from app_public.payment p where p.clinic_id = $1 and p.idempotency_key = 'old-pay-1'
     on conflict (clinic_id, business_date) do nothing`,
  ];
  const importing = async () => {
    for (const statement of script) await rootPool().query(statement, [clinicId]);
  };
  const made = () => codesOf(clinicId, ["invoice", "payment", "refund"]);
  await importing();
  const { rows: [day] } = await rootPool().query(
    "select business_date::text as date, status, expected_cash, expected_card from app_public.daily_reconciliation where clinic_id = $1", [clinicId]);
  expect(day).toMatchObject({ status: "closed", expected_cash: "0.000", expected_card: "100.000" });
  const before = await made();
  expect(before).toEqual([
    { kind: "invoice", codes: ["INV-000001"] },
    { kind: "payment", codes: ["PAY-000001", "PAY-000002"] },
    { kind: "refund", codes: ["REF-000001"] },
  ]);
  // run again, the day closed since: every row is there, skipped
  await importing();
  expect(await made()).toEqual(before);
  // a new payment or refund of that day, by the import or the API, is still refused
  await expect(rootPool().query(
    `insert into app_public.payment (clinic_id, invoice_id, amount, method, idempotency_key)
     select $1, i.id, 10, 'cash', 'old-pay-3' from app_public.invoice i where i.clinic_id = $1 and i.idempotency_key = 'old-inv-1'
     on conflict (clinic_id, idempotency_key) do nothing`, [clinicId])).rejects.toMatchObject({ code: "CDAYC" });
  await expect(rootPool().query(
    `insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason, idempotency_key)
     select $1, p.id, p.invoice_id, 10, 'card', 'Returned', 'old-ref-2' from app_public.payment p where p.clinic_id = $1 and p.idempotency_key = 'old-pay-2'
     on conflict (clinic_id, idempotency_key) do nothing`, [clinicId])).rejects.toMatchObject({ code: "CDAYC" });
  // an import whose ON CONFLICT updates the payment there is judged as that update: the day is closed
  await expect(rootPool().query(
    `insert into app_public.payment (clinic_id, invoice_id, amount, method, idempotency_key)
     select $1, i.id, 100, 'card', 'old-pay-2' from app_public.invoice i where i.clinic_id = $1 and i.idempotency_key = 'old-inv-1'
     on conflict (clinic_id, idempotency_key) do update set method = 'cash'`, [clinicId])).rejects.toMatchObject({ code: "CDAYC" });
  // and a cashier's refund of it through the API
  await expect(committedAs(await cashierSession(clinic), (c) => c.query(
    "select app_public.refund_payment(id, 10, 'Change') from app_public.payment where idempotency_key = 'old-pay-2'"))).rejects.toMatchObject({ code: "CDAYC" });
});

test("an import of payments run again once their invoice's patient was deleted skips the payments it made; a new payment of that invoice is still refused (000509)", async () => {
  const clinic = await createClinic();
  const { clinicId } = clinic;
  const invoice = await createIssuedInvoice(clinic, "1000");
  const importing = (key: string) => rootPool().query(
    `insert into app_public.payment (clinic_id, invoice_id, amount, method, idempotency_key)
     select $1, i.id, i.total, 'cash', $3 from app_public.invoice i where i.id = $2
     on conflict (clinic_id, idempotency_key) do nothing returning code`, [clinicId, invoice.id, key]);
  expect((await importing("old-pay-1")).rows).toEqual([{ code: "PAY-000001" }]);
  // the invoice paid, its visit completed and its patient deleted since; then the import run again
  await rootPool().query("update app_public.visit set status = 'completed' where id = $1", [invoice.visitId]);
  await rootPool().query("update app_public.patient set deleted_at = now() where id = (select patient_id from app_public.invoice where id = $1)", [invoice.id]);
  expect((await importing("old-pay-1")).rows).toEqual([]);
  // a payment not there is still refused
  await expect(importing("old-pay-2")).rejects.toThrow(/This patient was deleted/);
});

test("an import of invoice lines run again once their invoice was issued skips the lines it made; a new line of that invoice is still refused (000509)", async () => {
  const clinic = await createClinic();
  const { clinicId } = clinic;
  const patient = await createPatient(clinicId);
  const service = await createService(clinicId, "100");
  const { rows: [invoice] } = await rootPool().query(
    "insert into app_public.invoice (clinic_id, patient_id, idempotency_key) values ($1, $2, 'old-inv-1') returning id", [clinicId, patient.id]);
  // a line of the catalog's service, its description and price the service's, and one typed
  const importing = (keys: [string, string]) => rootPool().query(
    `insert into app_public.invoice_line (clinic_id, invoice_id, service_id, description, quantity, unit_price, idempotency_key)
     values ($1, $2, $3, null, 1, null, $4), ($1, $2, null, 'Bandage', 2, 5, $5)
     on conflict (clinic_id, idempotency_key) do nothing returning description`, [clinicId, invoice.id, service.id, ...keys]);
  expect((await importing(["old-line-1", "old-line-2"])).rows).toHaveLength(2);
  await rootPool().query("update app_public.invoice set status = 'issued' where id = $1", [invoice.id]);
  // run again once the invoice is issued: both lines are there, skipped
  expect((await importing(["old-line-1", "old-line-2"])).rows).toEqual([]);
  // a line not there is still refused
  await expect(importing(["old-line-1", "old-line-3"])).rejects.toThrow(/The lines of an issued invoice never change/);
  const { rows } = await rootPool().query("select subtotal from app_public.invoice where id = $1", [invoice.id]);
  expect(rows).toEqual([{ subtotal: expect.stringMatching(/^110\.00/) }]);
});

test("an import of visits' services run again once the visit was completed, or the service made inactive, skips the services it made; a new one is still refused (000509)", async () => {
  const clinic = await createClinic();
  const { clinicId } = clinic;
  const visit = await createVisit(clinic, "in_progress");
  const service = await createService(clinicId, "100");
  const importing = (key: string) => rootPool().query(
    `insert into app_public.visit_service (clinic_id, visit_id, service_id, quantity, idempotency_key) values ($1, $2, $3, 2, $4)
     on conflict (clinic_id, idempotency_key) do nothing returning unit_price`, [clinicId, visit.id, service.id, key]);
  expect((await importing("old-vs-1")).rows).toEqual([{ unit_price: "100.000" }]);
  // the service made inactive since: run again, skipped; a new one of it refused
  await rootPool().query("update app_public.service set is_active = false where id = $1", [service.id]);
  expect((await importing("old-vs-1")).rows).toEqual([]);
  await expect(importing("old-vs-2")).rejects.toThrow(/not in this clinic's active catalog/);
  // the visit completed since: run again, skipped; a new one refused
  await rootPool().query("update app_public.service set is_active = true where id = $1", [service.id]);
  await rootPool().query("update app_public.visit set status = 'completed' where id = $1", [visit.id]);
  expect((await importing("old-vs-1")).rows).toEqual([]);
  await expect(importing("old-vs-2")).rejects.toThrow(/The services of a completed visit are frozen/);
  const { rows } = await rootPool().query("select count(*)::int as n from app_public.visit_service where visit_id = $1", [visit.id]);
  expect(rows).toEqual([{ n: 1 }]);
});

test("an import of invoices run again once their visit was called off (the invoice voided first) skips the invoices it made; a new invoice of that visit is still refused (000509)", async () => {
  const clinic = await createClinic();
  const { clinicId } = clinic;
  const visit = await createVisit(clinic);
  const importing = (key: string) => rootPool().query(
    `insert into app_public.invoice (clinic_id, patient_id, visit_id, idempotency_key) values ($1, $2, $3, $4)
     on conflict (clinic_id, idempotency_key) do nothing returning code`, [clinicId, visit.patientId, visit.id, key]);
  expect((await importing("old-inv-1")).rows).toEqual([{ code: "INV-000001" }]);
  // the old system's invoice void, its visit cancelled; then the import run again
  await rootPool().query("update app_public.invoice set status = 'void', void_reason = 'Billed by mistake' where clinic_id = $1", [clinicId]);
  await rootPool().query("update app_public.visit set status = 'cancelled', cancel_reason = 'Patient called' where id = $1", [visit.id]);
  expect((await importing("old-inv-1")).rows).toEqual([]);
  await expect(importing("old-inv-2")).rejects.toThrow(/A cancelled visit is not invoiced/);
});

test("codes grow past six digits instead of wrapping", async () => {
  const { clinicId } = await createClinic();
  await rootPool().query("insert into app_private.code_counter (clinic_id, prefix, last_value) values ($1, 'PAY', 999999)", [clinicId]);
  expect(await allocate(clinicId, "PAY")).toBe("PAY-1000000");
});

test("the patients and invoices CSV exports list codes past 999999 in number order, as the worker reads them (its owner role)", async () => {
  const clinic = await createClinic();
  await rootPool().query("insert into app_private.code_counter (clinic_id, prefix, last_value) values ($1, 'PAT', 999998), ($1, 'INV', 999998)", [clinic.clinicId]);
  for (let i = 0; i < 2; i++) await createIssuedInvoice(clinic, "1000");
  const { rows: [{ today }] } = await rootPool().query("select (now() at time zone timezone)::date::text as today from app_public.clinic where id = $1", [clinic.clinicId]);
  const owner = new pg.Client({ connectionString: testConfig.ownerUrl });
  await owner.connect();
  try {
    for (const [kind, prefix] of [["patients_csv", "PAT"], ["invoices_csv", "INV"]]) {
      const { rows: [{ sql }] } = await owner.query("select app_private.export_query($1) as sql", [kind]);
      const codes = (await owner.query<{ code: string }>(sql as string, [clinic.clinicId, today, today])).rows.map((row) => row.code);
      // in text order PAT-1000000 came first
      expect({ kind, codes }).toEqual({ kind, codes: [`${prefix}-999999`, `${prefix}-1000000`] });
    }
  } finally {
    await owner.end();
  }
});

/** What a statement was refused with: its code, message and DETAIL (JSON, the ids the API gives in `extensions`). */
async function refusalOf(statement: Promise<unknown>) {
  const error = await statement.then(() => null, (refused: pg.DatabaseError) => refused);
  return { code: error?.code, message: error?.message, detail: JSON.parse(error?.detail ?? "null") };
}

// 000385 sorted the lists and CSV exports by code in number order; three refusals and documents still sorted codes as
// text, PAT-1000000 before PAT-999999 (right after PAT-100000)
test("a patient's deletion is refused naming their open invoices in number order, their ids in that order too", async () => {
  const clinic = await createClinic();
  await rootPool().query("insert into app_private.code_counter (clinic_id, prefix, last_value) values ($1, 'INV', 999998)", [clinic.clinicId]);
  const patient = await createPatient(clinic.clinicId);
  const { rows: invoices } = await rootPool().query("insert into app_public.invoice (clinic_id, patient_id) select $1, $2 from generate_series(1, 2) returning id, code", [
    clinic.clinicId,
    patient.id,
  ]);
  expect(invoices.map(({ code }) => code)).toEqual(["INV-999999", "INV-1000000"]);
  await asMember(clinic.members.owner, async (c) => {
    expect(await refusalOf(c.query("select app_public.delete_patient($1)", [patient.id]))).toEqual({
      code: "CINVL",
      message: "This patient has open invoices (INV-999999, INV-1000000): void them, or take what is due, before deleting the patient.",
      detail: { invoiceIds: invoices.map(({ id }) => id) },
    });
  });
});

test("the invoice PDF lists payments taken at one instant in number order of their codes", async () => {
  const clinic = await createClinic();
  await rootPool().query("insert into app_private.code_counter (clinic_id, prefix, last_value) values ($1, 'PAY', 999998)", [clinic.clinicId]);
  const invoice = await createIssuedInvoice(clinic, "1000");
  await committedAs(await cashierSession(clinic), async (c) => {
    const { rows: [{ at }] } = await c.query("select now() as at");
    for (const amount of [400, 600]) await c.query("select app_public.record_payment($1, $2, 'cash', received_at => $3)", [invoice.id, amount, at]);
  });
  const { rows: [{ doc }] } = await rootPool().query("select app_private.invoice_document($1, $2) as doc", [clinic.clinicId, invoice.id]);
  expect(doc.payments.map((p: { code: string; amount: number }) => [p.code, p.amount])).toEqual([["PAY-999999", 400], ["PAY-1000000", 600]]);
});

test("a currency change its prices do not fit is refused naming the first service in number order of their codes", async () => {
  const clinic = await createClinic();
  await rootPool().query("insert into app_private.code_counter (clinic_id, prefix, last_value) values ($1, 'SRV', 999998)", [clinic.clinicId]);
  const services = [await createService(clinic.clinicId, "12.50"), await createService(clinic.clinicId, "7.25")];
  expect(services.map(({ code }) => code)).toEqual(["SRV-999999", "SRV-1000000"]);
  await asMember(clinic.members.owner, async (c) => {
    expect(await refusalOf(c.query("update app_public.clinic set currency = 'JPY' where id = $1", [clinic.clinicId]))).toEqual({
      code: "CINVL",
      message: "The price of SRV-999999 (12.5) has more decimals than JPY has (0): change it first.",
      detail: { serviceId: services[0].id },
    });
  });
});

test("API sessions never act in system context, and cannot allocate codes themselves", async () => {
  const { clinicId, members } = await createClinic();
  const { rows } = await rootPool().query("select has_function_privilege($1, 'app_private.next_code(uuid, text)', 'execute') as can", [
    testConfig.roles.visitor,
  ]);
  expect(rows[0].can).toBe(false);
  const viaApi = await asMember(members.owner, async (client) => (await client.query("select app_hidden.in_system_context() as system")).rows[0]);
  expect(viaApi.system).toBe(false);
  const owner = new pg.Client({ connectionString: testConfig.ownerUrl });
  await owner.connect();
  try {
    expect((await owner.query("select app_hidden.in_system_context() as system")).rows[0].system).toBe(true);
    // the worker (owner, no session) allocates for any clinic
    expect((await owner.query("select app_private.next_code($1, 'PAT') as code", [clinicId])).rows[0].code).toBe("PAT-000001");
  } finally {
    await owner.end();
  }
});

test("a kind's prefix is not one another kind has codes under, a deleted patient's code included; admins are told so as owners are", async () => {
  const clinic = await createTestClinic();
  const { rows } = await rootPool().query("insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Gone', 'Patient') returning id, code", [clinic.clinicId]);
  expect(rows[0].code).toBe("PAT-000001");
  await rootPool().query("update app_public.patient set deleted_at = now() where id = $1", [rows[0].id]);
  for (const member of [clinic.members.owner, clinic.members.admin]) {
    await asMember(member, async (c) => {
      await expect(c.query(`update app_public.clinic set code_prefixes = '{"PAT": "PT", "VIS": "Pat"}' where id = $1`, [clinic.clinicId])).rejects.toMatchObject({
        code: "CINVL",
        message: "The prefix Pat is already on codes of another kind (PAT): choose one that no other kind of code has had.",
      });
    });
  }
  await asMember(clinic.members.owner, async (c) => {
    const { rowCount } = await c.query(`update app_public.clinic set code_prefixes = '{"PAT": "PT", "VIS": "CONS"}' where id = $1`, [clinic.clinicId]);
    expect(rowCount).toBe(1);
  });
  // whatever the case of either: codes Pt-… of a prefix typed "Pt", and a new prefix "pT"
  await rootPool().query(`update app_public.clinic set code_prefixes = '{"PAT": "Pt"}' where id = $1`, [clinic.clinicId]);
  const { rows: mixed } = await rootPool().query("insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Mixed', 'Case') returning code", [clinic.clinicId]);
  expect(mixed[0].code).toBe("Pt-000002");
  await asMember(clinic.members.owner, async (c) => {
    await expect(c.query(`update app_public.clinic set code_prefixes = '{"PAT": "PX", "VIS": "pT"}' where id = $1`, [clinic.clinicId])).rejects.toMatchObject({ code: "CINVL" });
  });
});

test("a code never changes once given, even written from an operator's psql: the patient's and the visit's stay as numbered", async () => {
  const clinic = await createTestClinic();
  const { rows: [patient] } = await rootPool().query("insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Kept', 'Code') returning id, code", [clinic.clinicId]);
  const { rows: [visit] } = await rootPool().query(
    "insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now()) returning id, code",
    [clinic.clinicId, patient.id, clinic.members.doctor.membershipId],
  );
  expect([patient.code, visit.code]).toEqual(["PAT-000001", "VIS-000001"]);
  // an operator's psql (root, past the column grants): the code trigger keeps it, as numbered without a gap
  for (const [table, row, typed] of [["patient", patient, "PAT-999999"], ["visit", visit, null]] as const) {
    await rootPool().query(`update app_public.${table} set code = $2 where id = $1`, [row.id, typed]);
    expect((await rootPool().query(`select code from app_public.${table} where id = $1`, [row.id])).rows).toEqual([{ code: row.code }]);
  }
});

test("two kinds' prefixes are told apart whatever their case: {PAT: pt, INV: PT} is refused, as codes pt-000001 and PT-000001 would be one code to a search", async () => {
  const clinic = await createTestClinic();
  // a kind renamed to another kind's own prefix in another case, too
  for (const prefixes of ['{"PAT": "pt", "INV": "PT"}', '{"VIS": "pat"}']) {
    await asMember(clinic.members.owner, async (c) => {
      await expect(c.query("update app_public.clinic set code_prefixes = $2 where id = $1", [clinic.clinicId, prefixes])).rejects.toMatchObject({
        code: "CINVL",
        message: "Code prefixes replace PAT, SRV, VIS, INV, PAY or REF, each with 1 to 8 letters or digits that no other kind of code has.",
      });
    });
  }
});

test("the money's codes count too: a kind's prefix is not one invoices, payments or refunds have codes under", async () => {
  const clinic = await createTestClinic();
  const invoice = await createIssuedInvoice(clinic, "1000");
  const cashier = await cashierSession(clinic);
  await committedAs(cashier, async (c) => {
    const payment = (await c.query("select id from app_public.record_payment($1, 1000, 'cash')", [invoice.id])).rows[0];
    await c.query("select app_public.refund_payment($1, 100, 'Change given')", [payment.id]);
  });
  // the money's own kinds renamed first, so that their old prefixes are free of the kinds' own
  await rootPool().query(`update app_public.clinic set code_prefixes = '{"INV": "IN", "PAY": "PY", "REF": "RF"}' where id = $1`, [clinic.clinicId]);
  for (const [taken, kind] of [["INV", "INV"], ["PAY", "PAY"], ["REF", "REF"]]) {
    await asMember(clinic.members.owner, async (c) => {
      await expect(
        c.query(`update app_public.clinic set code_prefixes = $2 where id = $1`, [clinic.clinicId, JSON.stringify({ INV: "IN", PAY: "PY", REF: "RF", PAT: taken })]),
      ).rejects.toMatchObject({
        code: "CINVL",
        message: `The prefix ${taken} is already on codes of another kind (${kind}): choose one that no other kind of code has had.`,
      });
    });
  }
});

/** `client` in a transaction as `clinic`'s owner's request through the API: a session of theirs, the clinic's write turn taken. */
async function asTheOwnerThroughTheApi(client: pg.PoolClient, clinic: TestClinic): Promise<void> {
  await beginAs(client, await openSession(clinic.members.owner.userId, clinic.clinicId));
  await client.query("select app_hidden.take_clinic_write_turn()");
}

/**
 * `fn` given a connection of the owner's requests through the API and `operators` connections of operators' psql, each
 * tracked (waitsFor); each rolled back unless `fn` committed it, and released, after.
 */
async function withOwnerAndOperators(operators: number, fn: (owner: pg.PoolClient, operators: pg.PoolClient[]) => Promise<void>): Promise<void> {
  const clients = [await apiPool().connect(), ...(await Promise.all(Array.from({ length: operators }, () => rootPool().connect())))];
  try {
    await Promise.all(clients.map(trackBackend));
    await fn(clients[0], clients.slice(1));
  } finally {
    for (const client of clients) {
      await client.query("rollback");
      client.release();
    }
  }
}

// a code was given under the prefix it read before a change of the prefixes committed, and the change read the codes
// given without waiting for those being given: the API's writes of a clinic take turns (take_clinic_write_turn), but an
// operator's import of patients does not take the API's turn, so that PT-000001, a patient being imported, was not seen
// by an owner's change giving PT to visits at the same moment, which was taken, and a patient imported while such a
// change was under way was numbered under the prefix it replaced after it committed, so that PT-… named patients and
// visits alike (000474: a change of the prefixes and the codes being given take turns, lock_clinic_setting)
test("a change of the prefixes and a code being given take turns: the change sees the code, the code takes the prefix the change leaves", async () => {
  const clinic = await createTestClinic();
  await rootPool().query(`update app_public.clinic set code_prefixes = '{"PAT": "PT"}' where id = $1`, [clinic.clinicId]);
  const IMPORT = "insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Imported', 'Patient') returning code";
  const RENAME = "update app_public.clinic set code_prefixes = $2 where id = $1 returning code_prefixes";
  await withOwnerAndOperators(1, async (owner, [operator]) => {
    // the import first: the owner's change waits for it, then sees its code
    await operator.query("begin");
    expect((await operator.query(IMPORT, [clinic.clinicId])).rows).toEqual([{ code: "PT-000001" }]);
    await asTheOwnerThroughTheApi(owner, clinic);
    const renaming = outcome(owner.query(RENAME, [clinic.clinicId, '{"PAT": "P", "VIS": "PT"}']));
    expect(await waitsFor(owner, operator)).toBe(true);
    await operator.query("commit");
    expect(await renaming).toBe("CINVL");
    await owner.query("rollback");
    // the change first: the import waits for it, then takes the prefix it leaves
    await asTheOwnerThroughTheApi(owner, clinic);
    expect((await owner.query(RENAME, [clinic.clinicId, '{"PAT": "PA"}'])).rows).toEqual([{ code_prefixes: { PAT: "PA" } }]);
    await operator.query("begin");
    const importing = outcome(operator.query(IMPORT, [clinic.clinicId]));
    expect(await waitsFor(operator, owner)).toBe(true);
    await owner.query("commit");
    expect(await importing).toEqual([{ code: "PA-000002" }]);
    await operator.query("commit");
  });
  const { rows } = await rootPool().query("select code from app_public.patient where clinic_id = $1 order by code", [clinic.clinicId]);
  expect(rows).toEqual([{ code: "PA-000002" }, { code: "PT-000001" }]);
});

// a new invoice takes the clinic's currency shared (_050_currency_turn) and then, for its code, the code prefixes shared
// (next_code); a change of the prefixes and the currency at once took the code prefixes exclusively (its trigger
// _160_code_prefixes_distinct) and then the currency (_160_currency_kept): each held what the other waited for, and
// PostgreSQL ended one of them as a deadlock (40P01) (000475: next_code takes the currency shared before the code
// prefixes, and a change of both takes the currency first)
test("a new invoice and a change of the prefixes and the currency at once take their turns without a deadlock", async () => {
  const clinic = await createTestClinic();
  const patient = await createPatient(clinic.clinicId);
  await withOwnerAndOperators(2, async (owner, [importer, operator]) => {
    const { rows } = await rootPool().query("select currency from app_public.clinic where id = $1", [clinic.clinicId]);
    const otherCurrency = rows[0].currency === "EUR" ? "GBP" : "EUR";
    // a patient being imported (an operator's import) holds the code prefixes (shared) a moment: the change waits for it
    await importer.query("begin");
    await importer.query("insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Imported', 'Patient')", [clinic.clinicId]);
    // the owner's change of the clinic's settings, through the API
    await asTheOwnerThroughTheApi(owner, clinic);
    const changing = outcome(owner.query("update app_public.clinic set code_prefixes = '{\"PAT\": \"PA\"}', currency = $2 where id = $1 returning currency", [clinic.clinicId, otherCurrency]));
    expect(await waitsFor(owner, importer)).toBe(true);
    // an invoice an operator's import asks for meanwhile waits behind the change
    await operator.query("begin");
    const invoicing = outcome(operator.query("insert into app_public.invoice (clinic_id, patient_id) values ($1, $2) returning code", [clinic.clinicId, patient.id]));
    expect(await waitsFor(operator, owner)).toBe(true);
    await importer.query("commit");
    expect(await changing).toEqual([{ currency: otherCurrency }]);
    await owner.query("commit");
    expect(await invoicing).toEqual([{ code: "INV-000001" }]);
    await operator.query("commit");
  });
});

// an owner's change of the prefixes takes the clinic's setting locks (exclusive) and then, for its audit entry, the head
// of the clinic's audit chain; a code took the setting locks (shared) first: an operator's transaction that corrected a
// patient (an audit entry, the head held until it ends) and then imported one waited for the locks the change held,
// while the change waited for the head, and PostgreSQL ended one of them as a deadlock (40P01) (000477: a transaction
// that has written the clinic's audit chain takes no setting lock for its codes, and the change reads them after its
// own entry)
test("an operator's correction and then an import in one transaction, and an owner's change of the prefixes, take their turns without a deadlock", async () => {
  const clinic = await createTestClinic();
  const patient = await createPatient(clinic.clinicId);
  await rootPool().query(`update app_public.clinic set code_prefixes = '{"PAT": "PT"}' where id = $1`, [clinic.clinicId]);
  const RENAME = "update app_public.clinic set code_prefixes = $2 where id = $1 returning code_prefixes";
  await withOwnerAndOperators(1, async (owner, [operator]) => {
    for (const [correction, prefixes, code, outcomeOfTheChange] of [
      // visits given PT while patient PT-000002, the first code under PT, is being imported: refused, the import seen
      ["Corrected", '{"PAT": "P", "VIS": "PT"}', "PT-000002", "CINVL"],
      // patients renamed PA: the import, numbered before the change, keeps PT
      ["Corrected again", '{"PAT": "PA"}', "PT-000003", [{ code_prefixes: { PAT: "PA" } }]],
    ] as const) {
      await operator.query("begin");
      await operator.query("update app_public.patient set first_name = $2 where id = $1", [patient.id, correction]);
      await asTheOwnerThroughTheApi(owner, clinic);
      const changing = outcome(owner.query(RENAME, [clinic.clinicId, prefixes]));
      expect(await waitsFor(owner, operator)).toBe(true);
      const importing = outcome(operator.query("insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Imported', 'Patient') returning code", [clinic.clinicId]));
      expect(await importing).toEqual([{ code }]);
      await operator.query("commit");
      expect(await changing).toEqual(outcomeOfTheChange);
      await owner.query(typeof outcomeOfTheChange === "string" ? "rollback" : "commit");
    }
  });
  const { rows } = await rootPool().query("select code from app_public.patient where clinic_id = $1 and first_name = 'Imported' order by code", [clinic.clinicId]);
  expect(rows).toEqual([{ code: "PT-000002" }, { code: "PT-000003" }]);
});

// an operator's statements each in a savepoint of their own (psql's ON_ERROR_ROLLBACK, an import that skips the rows
// it cannot take): the audit chain's head written in a savepoint bears the savepoint's transaction id, not the
// transaction's, and a code asked for after it took the setting locks a change of the prefixes held while the change
// waited for the head, as before 000477, and PostgreSQL ended one of them as a deadlock (40P01) (000479: a head written
// in a savepoint of the transaction, released or still open, is held as one the transaction wrote itself; one rolled
// back holds nothing, and the code after it waits for the change)
test("an operator's correction and imports in savepoints of their own, and an owner's change of the prefixes, take their turns without a deadlock", async () => {
  const clinic = await createTestClinic();
  const patient = await createPatient(clinic.clinicId);
  await rootPool().query(`update app_public.clinic set code_prefixes = '{"PAT": "PT"}' where id = $1`, [clinic.clinicId]);
  const IMPORT = "insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Imported', 'Patient') returning code";
  const RENAME = "update app_public.clinic set code_prefixes = $2 where id = $1 returning code_prefixes";
  await withOwnerAndOperators(1, async (owner, [operator]) => {
    await operator.query("begin");
    await operator.query("savepoint statement");
    await operator.query("update app_public.patient set first_name = 'Corrected' where id = $1", [patient.id]);
    await operator.query("release savepoint statement");
    await asTheOwnerThroughTheApi(owner, clinic);
    const changing = outcome(owner.query(RENAME, [clinic.clinicId, '{"PAT": "P", "VIS": "PT"}']));
    expect(await waitsFor(owner, operator)).toBe(true);
    // each patient in a savepoint, the second's code asked for after the first's audit entry
    for (const code of ["PT-000002", "PT-000003"]) {
      await operator.query("savepoint statement");
      expect(await outcome(operator.query(IMPORT, [clinic.clinicId]))).toEqual([{ code }]);
      await operator.query("release savepoint statement");
    }
    await operator.query("commit");
    // visits given PT while patients were being imported under it: refused, the imports seen
    expect(await changing).toBe("CINVL");
    await owner.query("rollback");
    // a savepoint that wrote the head rolled back holds it no more: the change goes first, and the import takes its prefix
    await operator.query("begin");
    await operator.query("savepoint statement");
    await operator.query("update app_public.patient set first_name = 'Corrected again' where id = $1", [patient.id]);
    await asTheOwnerThroughTheApi(owner, clinic);
    const renaming = outcome(owner.query(RENAME, [clinic.clinicId, '{"PAT": "PA"}']));
    expect(await waitsFor(owner, operator)).toBe(true);
    await operator.query("rollback to savepoint statement");
    expect(await renaming).toEqual([{ code_prefixes: { PAT: "PA" } }]);
    const importing = outcome(operator.query(IMPORT, [clinic.clinicId]));
    expect(await waitsFor(operator, owner)).toBe(true);
    await owner.query("commit");
    expect(await importing).toEqual([{ code: "PA-000004" }]);
    await operator.query("commit");
  });
  const { rows } = await rootPool().query("select code from app_public.patient where clinic_id = $1 and first_name = 'Imported' order by code", [clinic.clinicId]);
  expect(rows).toEqual([{ code: "PA-000004" }, { code: "PT-000002" }, { code: "PT-000003" }]);
});

// a database restored on a new server (pg_dump, pg_restore) keeps each head's written_by, an id of the old server's; the
// new server gives its ids from its own count, and in time gives that id to a transaction of its own: one that had
// written nothing of the clinic was read as holding its head, took no setting lock for its code, read the prefixes a
// change under way was replacing, and numbered a patient PT-000002 after the change gave patients PA (000481: the head
// also notes when its writer began, now(), which no transaction of the new server shares with one of the old)
test("a head restored from another server is held by no transaction of this one, even one given the id its writer had there", async () => {
  const clinic = await createTestClinic();
  await rootPool().query(`update app_public.clinic set code_prefixes = '{"PAT": "PT"}' where id = $1`, [clinic.clinicId]);
  const IMPORT = "insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Imported', 'Patient') returning code";
  await withOwnerAndOperators(1, async (owner, [operator]) => {
    await operator.query("begin");
    const { rows } = await operator.query("select pg_current_xact_id()::text as id");
    // as the restore left the head: written by the old server's transaction that had this id there
    await rootPool().query("update app_private.audit_chain_head set written_by = $2::xid8, writer_began = now() - interval '1 day' where chain_id = $1", [clinic.clinicId, rows[0].id]);
    await asTheOwnerThroughTheApi(owner, clinic);
    expect((await owner.query("update app_public.clinic set code_prefixes = '{\"PAT\": \"PA\"}' where id = $1 returning code_prefixes", [clinic.clinicId])).rows).toEqual([{ code_prefixes: { PAT: "PA" } }]);
    const importing = outcome(operator.query(IMPORT, [clinic.clinicId]));
    expect(await waitsFor(operator, owner)).toBe(true);
    await owner.query("commit");
    expect(await importing).toEqual([{ code: "PA-000001" }]);
    await operator.query("commit");
  });
});

// a new invoice takes the clinic's currency (shared, _050_currency_turn) before its code, and a change of the prefixes or
// the currency holds it (exclusive) while it waits for the head of the clinic's audit chain for its audit entry: an
// operator's transaction that corrected a patient (the head held until it ends) and then made an invoice waited for the
// change while the change waited for it, and PostgreSQL ended one of them as a deadlock (40P01) (000479: a setting's
// shared lock is not taken by a transaction that holds the clinic's audit chain head, as next_code's since 000477, and a
// change of the currency reads the invoices and amounts it is refused for after its own audit entry)
test("an operator's correction and then an invoice in one transaction, and an owner's change of the currency or the prefixes, take their turns without a deadlock", async () => {
  const clinic = await createTestClinic();
  const patient = await createPatient(clinic.clinicId);
  const { rows: currencies } = await rootPool().query("select currency from app_public.clinic where id = $1", [clinic.clinicId]);
  const otherCurrency = currencies[0].currency === "EUR" ? "GBP" : "EUR";
  await withOwnerAndOperators(1, async (owner, [operator]) => {
    for (const [correction, change, value, code, outcomeOfTheChange] of [
      // the clinic's first invoice made while its currency changes: the change refused, the invoice seen
      ["Corrected", "currency", otherCurrency, "INV-000001", "CINVL"],
      // invoices renamed IN: the invoice, numbered before the change, keeps INV
      ["Corrected again", "code_prefixes", '{"INV": "IN"}', "INV-000002", [{ changed: '{"INV": "IN"}' }]],
    ] as const) {
      await operator.query("begin");
      await operator.query("update app_public.patient set first_name = $2 where id = $1", [patient.id, correction]);
      await asTheOwnerThroughTheApi(owner, clinic);
      const changing = outcome(owner.query(`update app_public.clinic set ${change} = $2 where id = $1 returning ${change}::text as changed`, [clinic.clinicId, value]));
      expect(await waitsFor(owner, operator)).toBe(true);
      const invoicing = outcome(operator.query("insert into app_public.invoice (clinic_id, patient_id) values ($1, $2) returning code", [clinic.clinicId, patient.id]));
      expect(await invoicing).toEqual([{ code }]);
      await operator.query("commit");
      expect(await changing).toEqual(outcomeOfTheChange);
      await owner.query(typeof outcomeOfTheChange === "string" ? "rollback" : "commit");
    }
  });
  const { rows } = await rootPool().query("select code, currency from app_public.invoice where clinic_id = $1 order by code", [clinic.clinicId]);
  expect(rows).toEqual([{ code: "INV-000001", currency: currencies[0].currency }, { code: "INV-000002", currency: currencies[0].currency }]);
});

// each clinic given a code took its currency and code prefixes locks, held until the import's transaction ended in
// PostgreSQL's lock table, which the whole server shares: an import of 6,400 new clinics and their patients in one
// transaction failed with "out of shared memory", as did other sessions' locks and connections meanwhile (000477: the
// codes of a clinic whose audit chain the transaction has written, as a clinic's creation does, take no setting lock)
test("an import of new clinics and their patients in one transaction holds no setting lock per clinic", async () => {
  const operator = await rootPool().connect();
  try {
    await operator.query("begin");
    const { rows: clinics } = await operator.query(
      `insert into app_public.clinic (name, timezone, currency, calling_code)
       select 'Imported clinic ' || g || ' ' || gen_random_uuid(), 'Africa/Dar_es_Salaam', 'TZS', '255' from generate_series(1, 20) g
       returning id`,
    );
    const { rows: codes } = await operator.query(
      "insert into app_public.patient (clinic_id, first_name, last_name) select id, 'Imported', 'Patient' from unnest($1::uuid[]) id returning code",
      [clinics.map((c) => c.id)],
    );
    expect(new Set(codes.map((c) => c.code))).toEqual(new Set(["PAT-000001"]));
    const { rows } = await operator.query("select count(*)::int as locks from pg_locks where pid = pg_backend_pid() and locktype = 'advisory'");
    expect(rows).toEqual([{ locks: 0 }]);
  } finally {
    await operator.query("rollback");
    operator.release();
  }
});
