/**
 * Free texts (a patient's notes and address, a visit's reason, a clinic's footer, an invoice's notes, a line's
 * description, a payment's reference, a refund's, void's or reopened day's reason, a day's notes) are kept as typed,
 * tabs and line breaks included, without the control characters no keyboard types (an escape sequence, a bell) nor
 * bidirectional overrides: an analyst's psql prints them raw, and ESC[2J clears the terminal.
 */
import { cashierSession, committedAs, createClinic, createIssuedInvoice, createPatient, createVisit, LONG_AGO, openSession, type TestClinic } from "../support/fixtures.ts";
import { closeRootPool, rootPool } from "../support/database.ts";

// the escape and the bell out, what followed the escape is text no terminal acts on
const CLEAR = "\u001b[2J"; // an escape sequence: clears the terminal that prints it
const BELL = "\u0007";
const TITLE = "\u001b]0;owned\u0007"; // an escape sequence that renames the terminal's window
const OVERRIDE = "\u202e"; // a right-to-left override: the rest of the line printed reversed
const MULTI_LINE = "First visit 2026-03-01:\r\n\tBP 120/80\n\nAllergic to penicillin \u2014 \u0645\u0631\u062d\u0628\u0627\u200f";

let clinic: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Typed texts clinic", { since: LONG_AGO });
});
afterAll(closeRootPool);

test("a patient's notes and address keep no escape sequence, bell or override, a multi-line note kept whole", async () => {
  const patient = await committedAs(await openSession(clinic.members.receptionist.userId, clinic.clinicId), async (c) =>
    (await c.query("insert into app_public.patient (first_name, last_name, notes, address) values ('Asha', 'Typed', $1, $2) returning id",
      [`Allergic to penicillin${CLEAR}${BELL}\r\n\tsee the chart`, `Plot 12${TITLE}\n${OVERRIDE}Msasani`])).rows[0]);
  const kept = await createPatient(clinic.clinicId, { notes: MULTI_LINE, address: "Plot 7\r\nMikocheni\tB" });
  const read = async (id: string) => (await rootPool().query("select notes, address from app_public.patient where id = $1", [id])).rows[0];
  expect(await read(patient.id)).toEqual({ notes: "Allergic to penicillin[2J\r\n\tsee the chart", address: "Plot 12]0;owned\nMsasani" });
  expect(await read(kept.id)).toEqual({ notes: MULTI_LINE, address: "Plot 7\r\nMikocheni\tB" });
  const updated = await committedAs(await openSession(clinic.members.receptionist.userId, clinic.clinicId), (c) =>
    c.query("update app_public.patient set notes = $2 where id = $1", [kept.id, `${MULTI_LINE}${CLEAR}\n\u009b31mRed`]));
  expect(updated.rowCount).toBe(1);
  expect((await read(kept.id)).notes).toBe(`${MULTI_LINE}[2J\n31mRed`);
});

test("a visit's reason and a clinic's address and footer keep none either, their line breaks kept", async () => {
  const visit = await createVisit(clinic);
  await rootPool().query("update app_public.visit set reason = $2 where id = $1", [visit.id, `Fever${CLEAR}${BELL}\nand cough`]);
  await rootPool().query("update app_public.clinic set address = $2, invoice_footer = $3 where id = $1",
    [clinic.clinicId, `Plot 3${TITLE}\nDar`, `Asante${BELL}\r\n\tKaribu tena\u001b[31m`]);
  const { rows } = await rootPool().query(
    "select v.reason, c.address, c.invoice_footer from app_public.visit v join app_public.clinic c on c.id = v.clinic_id where v.id = $1", [visit.id]);
  expect(rows).toEqual([{ reason: "Fever[2J\nand cough", address: "Plot 3]0;owned\nDar", invoice_footer: "Asante\r\n\tKaribu tena[31m" }]);
});

test("an invoice's notes and a line's description keep none, and a retry with the same text answers what it made", async () => {
  const till = await cashierSession(clinic);
  const patient = await createPatient(clinic.clinicId);
  const notes = `Paid by employer${CLEAR}${BELL}\nRef 7`;
  const INVOICE = "select id, notes from app_public.create_invoice(jsonb_populate_record(null::app_public.invoice, jsonb_build_object('patient_id', $1::uuid, 'notes', $2::text, 'idempotency_key', 'typed-invoice')))";
  const invoice = await committedAs(till, async (c) => (await c.query(INVOICE, [patient.id, notes])).rows[0]);
  expect(invoice.notes).toBe("Paid by employer[2J\nRef 7");
  expect(await committedAs(till, async (c) => (await c.query(INVOICE, [patient.id, notes])).rows[0])).toEqual(invoice);

  const description = `Dressing${TITLE}\n${OVERRIDE}large`;
  const LINE = "select id, description from app_public.create_invoice_line(jsonb_populate_record(null::app_public.invoice_line, jsonb_build_object('invoice_id', $1::uuid, 'description', $2::text, 'unit_price', 300, 'idempotency_key', 'typed-line')))";
  const line = await committedAs(till, async (c) => (await c.query(LINE, [invoice.id, description])).rows[0]);
  expect(line.description).toBe("Dressing]0;owned\nlarge");
  expect(await committedAs(till, async (c) => (await c.query(LINE, [invoice.id, description])).rows[0])).toEqual(line);
  await committedAs(till, (c) =>
    c.query("update app_public.invoice_line set description = $2 where id = $1", [line.id, `Dressing${BELL}, small`]));
  await committedAs(till, (c) => c.query("update app_public.invoice set notes = $2 where id = $1", [invoice.id, `Ref 8${CLEAR}`]));
  const { rows } = await rootPool().query(
    "select i.notes, l.description from app_public.invoice i join app_public.invoice_line l on l.invoice_id = i.id where l.id = $1", [line.id]);
  expect(rows).toEqual([{ notes: "Ref 8[2J", description: "Dressing, small" }]);
  // a description of control characters alone (a bell, an escape) says nothing
  await expect(committedAs(till, (c) => c.query("update app_public.invoice_line set description = $2 where id = $1", [line.id, `${BELL}\u001b`])))
    .rejects.toMatchObject({ code: "23514", constraint: "invoice_line_description_check" });
});

test("a payment's reference, a refund's and a void's reason, a day's notes and its reopening's reason keep none", async () => {
  const till = await cashierSession(clinic);
  const owner = await openSession(clinic.members.owner.userId, clinic.clinicId);
  const invoice = await createIssuedInvoice(clinic, "5000");
  const reference = `TRF${CLEAR}-4410${BELL}`;
  const PAY = "select id, reference from app_public.record_payment($1, 2000, 'bank_transfer', $2, 'typed-payment')";
  const payment = await committedAs(till, async (c) => (await c.query(PAY, [invoice.id, reference])).rows[0]);
  expect(payment.reference).toBe("TRF[2J-4410");
  expect(await committedAs(till, async (c) => (await c.query(PAY, [invoice.id, reference])).rows[0])).toEqual(payment);
  await committedAs(till, (c) => c.query("select app_public.refund_payment($1, 2000, $2)", [payment.id, `Wrong patient${TITLE}`]));
  await committedAs(till, (c) => c.query("select app_public.void_invoice($1, $2)", [invoice.id, `${OVERRIDE}Wrong patient${BELL}`]));

  const day = "2026-06-04";
  const CLOSE = "select notes from app_public.close_day($1::date, 0, 0, 0, 0, 0, $2)";
  const dayNotes = `Drawer short 500${CLEAR}\r\ncounted twice`;
  expect(await committedAs(till, async (c) => (await c.query(CLOSE, [day, dayNotes])).rows)).toEqual([{ notes: "Drawer short 500[2J\r\ncounted twice" }]);
  expect(await committedAs(till, async (c) => (await c.query(CLOSE, [day, dayNotes])).rows)).toEqual([{ notes: "Drawer short 500[2J\r\ncounted twice" }]);
  await committedAs(owner, async (c) => {
    await c.query("select app_public.reopen_day($1::date, $2)", [day, `Recount${BELL}`]);
    await c.query("update app_public.daily_reconciliation set notes = $2 where business_date = $1", [day, `Recounted${TITLE}`]);
  });
  const { rows } = await rootPool().query(
    `select (select array_agg(reason) from app_public.refund where payment_id = $1) as refunds,
            (select void_reason from app_public.invoice where id = $2) as void,
            (select row(notes, reopen_reason)::text from app_public.daily_reconciliation where clinic_id = $3 and business_date = $4) as day`,
    [payment.id, invoice.id, clinic.clinicId, day],
  );
  expect(rows).toEqual([{ refunds: ["Wrong patient]0;owned"], void: "Wrong patient", day: "(Recounted]0;owned,Recount)" }]);
});
