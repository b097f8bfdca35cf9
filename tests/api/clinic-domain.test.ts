/**
 * The clinic domain through the API: tenancy across foreign keys, soft delete
 * and restore, bad input, search, duplicate warnings, aggregates and filters.
 */
import pg from "pg";
import { apiPool, closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { beginWithSettings } from "../../server/pg-transaction.ts";
import { addMember, asMember, beginAs, cashierSession, committedAs, createClinic, createIssuedInvoice, createPatient, createService, createUser, createVisit, openSession, type TestClinic, type TestMember, writeBehindTriggers } from "../support/fixtures.ts";
import { Browser, pageThrough, startApi, type TestApi } from "../support/api.ts";
import { atOnce, beginWhenFree, outcome, trackBackend, waitsFor, waitsForLock, whileHolding } from "../support/locks.ts";
import { statementsSentBy } from "../support/statements.ts";
import { until } from "../support/until.ts";

let api: TestApi;
let a: TestClinic;
let b: TestClinic;
let owner: Browser;
let receptionist: Browser;

beforeAll(async () => {
  api = await startApi();
  a = await createClinic("Domain A");
  b = await createClinic("Domain B");
  owner = new Browser(api);
  await owner.login(a.members.owner.phone, a.members.owner.password);
  receptionist = new Browser(api);
  await receptionist.login(a.members.receptionist.phone, a.members.receptionist.password);
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

const errorCode = (r: { body: { errors?: { extensions?: { code?: string } }[] } }) => r.body.errors?.[0]?.extensions?.code;

describe("clinic B's rows can never be attached to clinic A's, even by id", () => {
  const BOOK = `mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2030-01-01T09:00:00Z" } }) { visit { code } } }`;
  const CHANGE = `mutation($c: UUID!, $id: UUID!, $p: VisitPatch!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: $p }) { visit { code } } }`;
  const ADD = `mutation($v: UUID!, $s: UUID!) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s } }) { visitService { rowId } } }`;
  const count = async (sql: string, params: unknown[]) => (await rootPool().query(sql, params)).rows[0].n as number;
  const MADE_UP = "00000000-0000-4000-8000-000000000000";

  interface Attempt {
    /** B's row that A's owner names by its id. */
    ofB: string;
    /** The mutation of A's owner naming `id` where B's row goes. */
    send(id: string): Promise<any>;
    /** What the attempt would have changed, in either clinic. */
    written(): Promise<unknown>;
  }
  // the refusals say what was not found (a patient: "A record this refers to does not exist in your clinic." named nothing)
  const attempts: [string, string, () => Promise<Attempt>][] = [
    ["a visit of A booked for a patient of B", "NOT_FOUND: No such patient in your clinic.", async () => {
      const patient = await createPatient(b.clinicId);
      return {
        ofB: patient.id,
        send: (id) => owner.graphql(BOOK, { p: id, d: a.members.doctor.membershipId }),
        written: () => count("select count(*)::int as n from app_public.visit where patient_id = $1", [patient.id]),
      };
    }],
    ["a visit of A booked with B's doctor", "INVALID_INPUT", async () => {
      const patient = await createPatient(a.clinicId);
      return {
        ofB: b.members.doctor.membershipId,
        send: (id) => owner.graphql(BOOK, { p: patient.id, d: id }),
        written: () => count("select count(*)::int as n from app_public.visit where patient_id = $1", [patient.id]),
      };
    }],
    ["a visit of A moved to a patient of B", "NOT_FOUND: No such patient in your clinic.", async () => {
      const visit = await createVisit(a);
      return {
        ofB: (await createPatient(b.clinicId)).id,
        send: (id) => owner.graphql(CHANGE, { c: a.clinicId, id: visit.id, p: { patientId: id } }),
        written: async () => (await rootPool().query("select patient_id, updated_at from app_public.visit where id = $1", [visit.id])).rows[0],
      };
    }],
    ["a visit of A handed to B's doctor", "INVALID_INPUT", async () => {
      const visit = await createVisit(a);
      return {
        ofB: b.members.doctor.membershipId,
        send: (id) => owner.graphql(CHANGE, { c: a.clinicId, id: visit.id, p: { doctorId: id } }),
        written: async () => (await rootPool().query("select doctor_id, updated_at from app_public.visit where id = $1", [visit.id])).rows[0],
      };
    }],
    ["a service of B on a visit of A", "INVALID_INPUT", async () => {
      const visit = await createVisit(a, "in_progress");
      const service = await createService(b.clinicId);
      return {
        ofB: service.id,
        send: (id) => owner.graphql(ADD, { v: visit.id, s: id }),
        written: () => count("select count(*)::int as n from app_public.visit_service where visit_id = $1 or service_id = $2", [visit.id, service.id]),
      };
    }],
    ["a service of A on a visit of B", "NOT_FOUND: No such visit in your clinic.", async () => {
      const visit = await createVisit(b, "in_progress");
      const service = await createService(a.clinicId);
      return {
        ofB: visit.id,
        send: (id) => owner.graphql(ADD, { v: id, s: service.id }),
        written: () => count("select count(*)::int as n from app_public.visit_service where visit_id = $1 or service_id = $2", [visit.id, service.id]),
      };
    }],
  ];

  test.each(attempts)("%s: %s, as for an id that exists nowhere, and nothing written", async (_, refusal, prepare) => {
    const { ofB, send, written } = await prepare();
    const before = await written();
    const answer = (r: any) => ({ code: errorCode(r), message: r.body.errors?.[0]?.message, data: r.body.data?.[Object.keys(r.body.data ?? {})[0]] ?? null });
    const byIdOfB = answer(await send(ofB));
    const [code, message] = refusal.split(": ");
    expect(byIdOfB).toMatchObject({ code, data: null, ...(message ? { message } : {}) });
    expect(byIdOfB).toEqual(answer(await send(MADE_UP))); // B's row is not even seen to exist
    expect(await written()).toEqual(before);
  });

  test("the database itself refuses the cross-clinic reference, whoever writes", async () => {
    const patientOfB = await createPatient(b.clinicId);
    await expect(
      rootPool().query("insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now())", [
        a.clinicId,
        patientOfB.id,
        a.members.doctor.membershipId,
      ]),
    ).rejects.toMatchObject({ code: "23503" });
  });
});

describe("soft delete", () => {
  /** Patients and services: the list, the trash, delete and restore, by the names each has in the API. */
  const kinds = [
    { kind: "patient", list: "patients", trash: "deletedPatients", Name: "Patient", create: () => createPatient(a.clinicId) },
    { kind: "service", list: "services", trash: "deletedServices", Name: "Service", create: () => createService(a.clinicId) },
  ];

  test.each(kinds)("a deleted $kind is hidden but kept, restore brings it back, audit records both", async ({ kind, list, trash, Name, create }) => {
    const row = await create();
    const listed = async () =>
      (await owner.graphql(`query($id: UUID!) { ${list}(condition: { rowId: $id }) { nodes { code } } }`, { id: row.id })).body.data[list].nodes;
    const trashed = async () => (await owner.graphql(`{ ${trash} { nodes { code } } }`)).body.data[trash].nodes.map((n: { code: string }) => n.code);
    expect(await listed()).toEqual([{ code: row.code }]);
    expect(await trashed()).not.toContain(row.code);

    const deleted = await owner.graphql(`mutation($id: UUID!) { delete${Name}(input: { ${kind}Id: $id }) { result { code deletedAt } } }`, { id: row.id });
    expect(deleted.body.data[`delete${Name}`].result).toEqual({ code: row.code, deletedAt: expect.any(String) });
    expect(await listed()).toEqual([]);
    expect(await trashed()).toContain(row.code);
    const kept = await rootPool().query(`select deleted_by from app_public.${kind} where id = $1`, [row.id]);
    expect(kept.rows).toEqual([{ deleted_by: a.members.owner.userId }]);

    await owner.graphql(`mutation($id: UUID!) { restore${Name}(input: { ${kind}Id: $id }) { result { code } } }`, { id: row.id });
    expect(await listed()).toEqual([{ code: row.code }]);
    expect(await trashed()).not.toContain(row.code);
    const { rows } = await rootPool().query("select action, actor_user_id from app_public.audit_log where record_id = $1 order by seq", [row.id]);
    expect(rows).toEqual([
      { action: "insert", actor_user_id: null }, // made by the test as an operator
      { action: "soft_delete", actor_user_id: a.members.owner.userId },
      { action: "restore", actor_user_id: a.members.owner.userId },
    ]);
  });

  test("a patient whose name was saved before names were kept as meant is deleted as it is (its name not remade, nor refused)", async () => {
    const patient = await createPatient(a.clinicId);
    await writeBehindTriggers("update app_public.patient set first_name = E'\\u00a0\\u200b' where id = $1", [patient.id]);
    const deleted = await owner.graphql(`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code } } }`, { id: patient.id });
    expect(deleted.body.errors).toBeUndefined();
    expect((await rootPool().query("select first_name, deleted_at is not null as deleted from app_public.patient where id = $1", [patient.id])).rows)
      .toEqual([{ first_name: "\u00a0\u200b", deleted: true }]);
  });

  test("a patient with a visit under way is not deleted, naming the visits; finished or cancelled, the patient is", async () => {
    const visit = await createVisit(a, "checked_in");
    const del = () => owner.graphql(`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code } } }`, { id: visit.patientId });
    const refused = await del();
    expect(refused.body.errors?.[0]).toMatchObject({
      extensions: { code: "INVALID_INPUT", visitIds: [visit.id] },
      message: `This patient has visits under way (${visit.code}): cancel or finish them before deleting the patient.`,
    });
    expect((await rootPool().query("select deleted_at from app_public.patient where id = $1", [visit.patientId])).rows).toEqual([{ deleted_at: null }]);
    await rootPool().query("update app_public.visit set status = 'cancelled', cancel_reason = 'Moved away' where id = $1", [visit.id]);
    expect((await del()).body.errors).toBeUndefined();
  });

  test("a patient with a visit done and not billed yet is not deleted, naming it; billed, or with nothing to bill, the patient is", async () => {
    const visit = await createVisit(a, "in_progress");
    const service = await createService(a.clinicId, "700");
    await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [a.clinicId, visit.id, service.id]);
    await rootPool().query("update app_public.visit set status = 'completed' where id = $1", [visit.id]);
    const del = (patientId: string) => owner.graphql(`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code } } }`, { id: patientId });
    // deleted, the cashier could not bill it: "This patient was deleted: restore them before booking or billing them."
    expect((await del(visit.patientId)).body.errors?.[0]).toMatchObject({
      extensions: { code: "INVALID_INPUT", visitIds: [visit.id] },
      message: `This patient has visits done and not billed yet (${visit.code}): invoice them, or take their services off, before deleting the patient.`,
    });
    const billed = await owner.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { rowId } } }`, { v: visit.id });
    const invoiceId = billed.body.data.createInvoiceFromVisit.result.rowId;
    expect((await owner.graphql(`mutation($id: UUID!) { issueInvoice(input: { invoiceId: $id }) { result { status } } }`, { id: invoiceId })).body.errors).toBeUndefined();
    const paid = await owner.graphql(`mutation($id: UUID!) { recordPayment(input: { invoiceId: $id, amount: "700", method: cash }) { result { code } } }`, { id: invoiceId });
    expect(paid.body.errors).toBeUndefined();
    expect((await del(visit.patientId)).body.errors).toBeUndefined();
    // a visit done with no services has nothing to bill
    const nothing = await createVisit(a, "completed");
    expect((await del(nothing.patientId)).body.errors).toBeUndefined();
  });

  test("a patient whose visit done has a service added after its invoice, which no invoice bills, is not deleted, naming the visit; billed again, the patient is", async () => {
    // 000435: the visit's paid invoice counted it billed, and the blood count added after it was lost with the patient
    const [consultation, bloodCount] = [await createService(a.clinicId, "700"), await createService(a.clinicId, "300")];
    const add = (visitId: string, serviceId: string) =>
      rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [a.clinicId, visitId, serviceId]);
    const complete = (visitId: string) => rootPool().query("update app_public.visit set status = 'completed' where id = $1", [visitId]);
    const issueAndPay = async (invoiceId: string, amount: string) => {
      expect((await owner.graphql(`mutation($id: UUID!) { issueInvoice(input: { invoiceId: $id }) { result { status } } }`, { id: invoiceId })).body.errors).toBeUndefined();
      const paid = await owner.graphql(`mutation($id: UUID!, $a: BigFloat!) { recordPayment(input: { invoiceId: $id, amount: $a, method: cash }) { result { rowId } } }`, { id: invoiceId, a: amount });
      expect(paid.body.errors).toBeUndefined();
      return paid.body.data.recordPayment.result.rowId as string;
    };
    const invoiceFrom = async (visitId: string) =>
      (await owner.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { rowId lines { nodes { rowId serviceId } } } } }`, { v: visitId }))
        .body.data.createInvoiceFromVisit.result as { rowId: string; lines: { nodes: { rowId: string; serviceId: string }[] } };
    const del = (patientId: string) => owner.graphql(`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code } } }`, { id: patientId });

    const visit = await createVisit(a, "in_progress");
    await add(visit.id, consultation.id);
    const first = (await invoiceFrom(visit.id)).rowId;
    const payment = await issueAndPay(first, "700"); // billed ahead, and paid
    await add(visit.id, bloodCount.id); // after the invoice: on no invoice
    await complete(visit.id);
    expect((await del(visit.patientId)).body.errors?.[0]).toMatchObject({
      extensions: { code: "INVALID_INPUT", visitIds: [visit.id] },
      message: `This patient has visits done with services their invoice does not bill (${visit.code}): void the invoice and bill the visit again before deleting the patient.`,
    });
    expect((await rootPool().query("select deleted_at from app_public.patient where id = $1", [visit.patientId])).rows).toEqual([{ deleted_at: null }]);
    // refunded, voided and billed again, every service on the new invoice: the patient is deleted
    const refunded = await owner.graphql(`mutation($id: UUID!) { refundPayment(input: { paymentId: $id, amount: "700", reason: "Billed again" }) { result { rowId } } }`, { id: payment });
    expect(refunded.body.errors).toBeUndefined();
    expect((await owner.graphql(`mutation($id: UUID!) { voidInvoice(input: { invoiceId: $id, reason: "Billed again" }) { result { status } } }`, { id: first })).body.errors).toBeUndefined();
    await issueAndPay((await invoiceFrom(visit.id)).rowId, "1000");
    expect((await del(visit.patientId)).body.errors).toBeUndefined();

    // a second consultation, added after the invoice that bills the first: the first one's line does not bill it
    const again = await createVisit(a, "in_progress");
    await add(again.id, consultation.id);
    await issueAndPay((await invoiceFrom(again.id)).rowId, "700");
    await add(again.id, consultation.id);
    await complete(again.id);
    expect((await del(again.patientId)).body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT", visitIds: [again.id] } });

    // a service added after the draft, billed on it (billUnbilledServices) before it was issued: the patient is deleted
    const later = await createVisit(a, "in_progress");
    await add(later.id, consultation.id);
    const laterDraft = (await invoiceFrom(later.id)).rowId;
    await add(later.id, bloodCount.id);
    expect((await owner.graphql(`mutation($i: UUID!) { billUnbilledServices(input: { invoiceId: $i }) { result { total } } }`, { i: laterDraft })).body.errors).toBeUndefined();
    await issueAndPay(laterDraft, "1000");
    await complete(later.id);
    expect((await del(later.patientId)).body.errors).toBeUndefined();

    // billed ahead by hand, a line of the service typed on the visit's invoice: that line bills it, and the patient is deleted
    const ahead = await createVisit(a, "in_progress");
    const byHand = await owner.graphql(`mutation($p: UUID!, $v: UUID!) { createInvoice(input: { invoice: { patientId: $p, visitId: $v } }) { invoice { rowId } } }`, { p: ahead.patientId, v: ahead.id });
    const handId = byHand.body.data.createInvoice.invoice.rowId as string;
    const typed = await owner.graphql(`mutation($line: InvoiceLineInput!) { createInvoiceLine(input: { invoiceLine: $line }) { invoiceLine { rowId } } }`, { line: { invoiceId: handId, serviceId: consultation.id } });
    expect(typed.body.errors).toBeUndefined();
    await issueAndPay(handId, "700");
    await add(ahead.id, consultation.id);
    await complete(ahead.id);
    expect((await del(ahead.patientId)).body.errors).toBeUndefined();

    // a service the visit had when its invoice was made, taken off the draft by billing (not charged): billing's choice
    const spared = await createVisit(a, "in_progress");
    for (const service of [consultation, bloodCount]) await add(spared.id, service.id);
    const draft = await invoiceFrom(spared.id);
    const takenOff = draft.lines.nodes.find((line) => line.serviceId === bloodCount.id)!;
    expect((await owner.graphql(`mutation($c: UUID!, $id: UUID!) { deleteInvoiceLine(input: { clinicId: $c, rowId: $id }) { invoiceLine { rowId } } }`, { c: a.clinicId, id: takenOff.rowId })).body.errors).toBeUndefined();
    await issueAndPay(draft.rowId, "700");
    await complete(spared.id);
    expect((await del(spared.patientId)).body.errors).toBeUndefined();
  });

  test("a patient with an open invoice is not deleted, naming it; once it is settled, the patient is, and their visit and invoice still name them", async () => {
    const draft = await createIssuedInvoice(a, "500", { issue: false });
    await rootPool().query("update app_public.visit set status = 'completed' where id = $1", [draft.visitId]);
    const { rows: [patient] } = await rootPool().query("select p.id, p.first_name || ' ' || p.last_name as name from app_public.patient p join app_public.invoice i on i.patient_id = p.id where i.id = $1", [draft.id]);
    const del = () => owner.graphql(`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code } } }`, { id: patient.id });
    const refusal = {
      extensions: { code: "INVALID_INPUT", invoiceIds: [draft.id] },
      message: `This patient has open invoices (${draft.code}): void them, or take what is due, before deleting the patient.`,
    };
    expect((await del()).body.errors?.[0]).toMatchObject(refusal);
    expect((await owner.graphql(`mutation($id: UUID!) { issueInvoice(input: { invoiceId: $id }) { result { status } } }`, { id: draft.id })).body.errors).toBeUndefined();
    const paid = await owner.graphql(`mutation($id: UUID!) { recordPayment(input: { invoiceId: $id, amount: "100", method: cash }) { result { code } } }`, { id: draft.id });
    expect(paid.body.errors).toBeUndefined();
    expect((await del()).body.errors?.[0]).toMatchObject(refusal); // partially paid: still due
    expect((await owner.graphql(`mutation($id: UUID!) { recordPayment(input: { invoiceId: $id, amount: "400", method: cash }) { result { code } } }`, { id: draft.id })).body.errors).toBeUndefined();
    expect((await del()).body.errors).toBeUndefined();

    const named = await owner.graphql(
      `query($c: UUID!, $v: UUID!, $i: UUID!) { visit(clinicId: $c, rowId: $v) { patient { rowId } patientName } invoice(clinicId: $c, rowId: $i) { status patient { rowId } patientName } }`,
      { c: a.clinicId, v: draft.visitId, i: draft.id },
    );
    expect(named.body).toEqual({
      data: { visit: { patient: null, patientName: patient.name }, invoice: { status: "paid", patient: null, patientName: patient.name } },
    });
  });

  test("a deleted patient's invoice is neither issued nor paid until the patient is restored (one of nothing to pay neither); a payment of theirs is still refunded, a draft voided", async () => {
    const draft = await createIssuedInvoice(a, "500", { issue: false });
    await rootPool().query("update app_public.visit set status = 'completed' where id = $1", [draft.visitId]);
    const { rows: [{ patient_id: patientId }] } = await rootPool().query("select patient_id from app_public.invoice where id = $1", [draft.id]);
    const refused = { extensions: { code: "INVALID_INPUT" }, message: "This patient was deleted: restore them before booking or billing them." };
    const issue = () => owner.graphql(`mutation($id: UUID!) { issueInvoice(input: { invoiceId: $id }) { result { status } } }`, { id: draft.id });
    const pay = (amount: string) =>
      owner.graphql(`mutation($id: UUID!, $a: BigFloat!) { recordPayment(input: { invoiceId: $id, amount: $a, method: cash }) { result { rowId } } }`, { id: draft.id, a: amount });
    const setDeleted = (deleted: boolean) =>
      owner.graphql(`mutation($id: UUID!) { ${deleted ? "delete" : "restore"}Patient(input: { patientId: $id }) { result { code } } }`, { id: patientId });
    // deleted with the draft open, as a patient could be before 000113
    await writeBehindTriggers("update app_public.patient set deleted_at = now() where id = $1", [patientId]);
    expect((await issue()).body.errors?.[0]).toMatchObject(refused);
    expect((await setDeleted(false)).body.errors).toBeUndefined();
    expect((await issue()).body.data.issueInvoice.result).toEqual({ status: "issued" });
    const paid = (await pay("500")).body.data.recordPayment.result.rowId;
    expect((await setDeleted(true)).body.errors).toBeUndefined();
    // paid, then refunded after the patient was deleted: open again, and not paid again until restored
    const refund = await owner.graphql(`mutation($id: UUID!) { refundPayment(input: { paymentId: $id, amount: "200", reason: "Overcharged" }) { result { amount } } }`, { id: paid });
    expect(refund.body.errors).toBeUndefined();
    expect((await pay("200")).body.errors?.[0]).toMatchObject(refused);
    expect((await rootPool().query("select status, balance::text from app_public.invoice where id = $1", [draft.id])).rows).toEqual([{ status: "partially_paid", balance: "200.000" }]);
    expect((await setDeleted(false)).body.errors).toBeUndefined();
    expect((await pay("200")).body.errors).toBeUndefined();

    // a draft of nothing to pay, which issuing makes paid at once, is not issued either; it may be voided
    const free = await createIssuedInvoice(a, "0", { issue: false });
    const { rows: [{ patient_id: freePatient }] } = await rootPool().query("select patient_id from app_public.invoice where id = $1", [free.id]);
    await writeBehindTriggers("update app_public.patient set deleted_at = now() where id = $1", [freePatient]);
    const issueFree = await owner.graphql(`mutation($id: UUID!) { issueInvoice(input: { invoiceId: $id }) { result { status } } }`, { id: free.id });
    expect(issueFree.body.errors?.[0]).toMatchObject(refused);
    const voidFree = await owner.graphql(`mutation($id: UUID!) { voidInvoice(input: { invoiceId: $id, reason: "Patient left" }) { result { status } } }`, { id: free.id });
    expect(voidFree.body.data.voidInvoice.result).toEqual({ status: "void" });
  });

  test("deleting a deleted patient or service again is NOT_FOUND for everyone, and hands back none of its data", async () => {
    const patient = await createPatient(a.clinicId, { address: "Plot 9, Kariakoo" });
    const service = await createService(a.clinicId);
    const deletePatient = `mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code firstName address } } }`;
    const deleteService = `mutation($id: UUID!) { deleteService(input: { serviceId: $id }) { result { code name price } } }`;
    expect((await owner.graphql(deletePatient, { id: patient.id })).body.data.deletePatient.result.address).toBe("Plot 9, Kariakoo");
    expect((await owner.graphql(deleteService, { id: service.id })).body.data.deleteService.result.code).toBe(service.code);
    for (const role of ["owner", "admin", "doctor", "receptionist", "cashier"] as const) {
      const browser = new Browser(api);
      await browser.login(a.members[role].phone, a.members[role].password);
      const again = await browser.graphql(deletePatient, { id: patient.id });
      expect([role, errorCode(again), again.body.data?.deletePatient]).toEqual([role, "NOT_FOUND", null]);
      const serviceAgain = await browser.graphql(deleteService, { id: service.id });
      expect([role, errorCode(serviceAgain), serviceAgain.body.data?.deleteService]).toEqual([role, "NOT_FOUND", null]);
    }
    const { rows } = await rootPool().query("select action from app_public.audit_log where record_id = $1 order by seq", [patient.id]);
    expect(rows.map((r) => r.action)).toEqual(["insert", "soft_delete"]);
  });

  // a receptionist deleting a duplicate she had registered was NOT_FOUND about a patient she sees and edits
  test("a live patient, service or member a role sees but may not delete is FORBIDDEN saying who may, and stays", async () => {
    const patient = await createPatient(a.clinicId);
    const service = await createService(a.clinicId);
    const deletions = {
      patient: () => [`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code } } }`, { id: patient.id }] as const,
      service: () => [`mutation($id: UUID!) { deleteService(input: { serviceId: $id }) { result { code } } }`, { id: service.id }] as const,
      member: () => [`mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`, { id: a.members.cashier.membershipId }] as const,
    };
    for (const role of ["doctor", "receptionist", "cashier"] as const) {
      const browser = new Browser(api);
      await browser.login(a.members[role].phone, a.members[role].password);
      for (const [what, deletion] of Object.entries(deletions)) {
        const [query, variables] = deletion();
        const refused = await browser.graphql(query, variables);
        expect([role, what, refused.body.errors?.[0]]).toEqual([role, what, expect.objectContaining({ extensions: { code: "FORBIDDEN" }, message: "Only an owner or admin deletes this." })]);
      }
    }
    const { rows } = await rootPool().query(
      `select (select deleted_at from app_public.patient where id = $1) as patient, (select deleted_at from app_public.service where id = $2) as service,
              (select deleted_at from app_public.membership where id = $3) as member`,
      [patient.id, service.id, a.members.cashier.membershipId],
    );
    expect(rows).toEqual([{ patient: null, service: null, member: null }]);
  });

  // its mirror: a cashier restoring a deleted service was told it did not exist; restorePatient checked the role itself
  test("a deleted service or member a role may not restore is FORBIDDEN saying who may, and stays deleted; one not deleted is NOT_FOUND", async () => {
    const service = await createService(a.clinicId);
    const { membershipId } = await addMember(a.clinicId, await createUser(), "receptionist");
    await owner.graphql(`mutation($id: UUID!) { deleteService(input: { serviceId: $id }) { result { code } } }`, { id: service.id });
    await owner.graphql(`mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`, { id: membershipId });
    const restores = {
      service: [`mutation($id: UUID!) { restoreService(input: { serviceId: $id }) { result { code } } }`, service.id],
      member: [`mutation($id: UUID!) { restoreMember(input: { membershipId: $id }) { result { rowId } } }`, membershipId],
    } as const;
    for (const role of ["doctor", "receptionist", "cashier"] as const) {
      const browser = new Browser(api);
      await browser.login(a.members[role].phone, a.members[role].password);
      for (const [what, [query, id]] of Object.entries(restores)) {
        const refused = await browser.graphql(query, { id });
        expect([role, what, refused.body.errors?.[0]]).toEqual([role, what, expect.objectContaining({ extensions: { code: "FORBIDDEN" }, message: "Only an owner or admin restores this." })]);
      }
    }
    const { rows } = await rootPool().query(
      "select (select deleted_at is not null from app_public.service where id = $1) as service, (select deleted_at is not null from app_public.membership where id = $2) as member",
      [service.id, membershipId],
    );
    expect(rows).toEqual([{ service: true, member: true }]);
    const live = await owner.graphql(restores.service[0], { id: (await createService(a.clinicId)).id });
    expect([errorCode(live), live.body.errors?.[0].message]).toEqual(["NOT_FOUND", "Nothing to restore: no deleted row with that id in this clinic."]);
  });

  test("a deleted patient is neither booked nor billed until restored", async () => {
    const patient = await createPatient(a.clinicId);
    await owner.graphql(`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code } } }`, { id: patient.id });
    const book = () =>
      receptionist.graphql(
        `mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2030-01-01T09:00:00Z" } }) { visit { code } } }`,
        { p: patient.id, d: a.members.doctor.membershipId },
      );
    const refused = await book();
    expect(errorCode(refused)).toBe("INVALID_INPUT");
    expect(refused.body.errors?.[0].message).toBe("This patient was deleted: restore them before booking or billing them.");
    const bill = await owner.graphql(`mutation($p: UUID!) { createInvoice(input: { invoice: { patientId: $p } }) { invoice { code } } }`, { p: patient.id });
    expect(errorCode(bill)).toBe("INVALID_INPUT");
    const visit = await createVisit(a);
    const rebook = await receptionist.graphql(
      `mutation($c: UUID!, $v: UUID!, $p: UUID!) { updateVisit(input: { clinicId: $c, rowId: $v, patch: { patientId: $p } }) { visit { code } } }`,
      { c: a.clinicId, v: visit.id, p: patient.id },
    );
    expect(errorCode(rebook)).toBe("INVALID_INPUT");
    const written = await rootPool().query(
      "select (select count(*) from app_public.visit where patient_id = $1)::int as visits, (select count(*) from app_public.invoice where patient_id = $1)::int as invoices",
      [patient.id],
    );
    expect(written.rows[0]).toEqual({ visits: 0, invoices: 0 });

    await owner.graphql(`mutation($id: UUID!) { restorePatient(input: { patientId: $id }) { result { code } } }`, { id: patient.id });
    expect((await book()).body.data.createVisit.visit.code).toMatch(/^VIS-/);
  });

  test("the API has no hard delete for patients, services, visits or members", async () => {
    const r = await owner.graphql(`{
      mutation: __type(name: "Mutation") { fields { name } }
      patient: __type(name: "DeletePatientInput") { inputFields { name } }
      service: __type(name: "DeleteServiceInput") { inputFields { name } }
      member: __type(name: "RemoveMemberInput") { inputFields { name } }
      export: __type(name: "DeleteExportInput") { inputFields { name } } }`);
    const names = (fields: { name: string }[]) => fields.map((f) => f.name).sort();
    // every mutation that removes anything: lines (of a visit, of a draft invoice) are deleted, the rest soft-deleted by their functions
    expect(names(r.body.data.mutation.fields).filter((n) => /^(delete|remove)/.test(n))).toEqual([
      "deleteExport",
      "deleteInvoiceLine",
      "deleteInvoiceLineById",
      "deletePatient",
      "deleteService",
      "deleteVisitService",
      "deleteVisitServiceById",
      "removeMember",
    ]);
    // deletePatient and deleteService are the soft-delete functions, not the tables' delete by key or node id
    expect(names(r.body.data.patient.inputFields)).toEqual(["clientMutationId", "patientId"]);
    expect(names(r.body.data.service.inputFields)).toEqual(["clientMutationId", "serviceId"]);
    expect(names(r.body.data.member.inputFields)).toEqual(["clientMutationId", "membershipId"]);
    // deleteExport marks the export deleted and has the worker remove its file ([exports.md](docs/exports.md))
    expect(names(r.body.data.export.inputFields)).toEqual(["clientMutationId", "exportId"]);
  });

  test("a deleted service's prices are hidden as the service is: from the front desk until restored, not from owners", async () => {
    const service = await createService(a.clinicId, "1.000");
    const PRICES = `query($s: UUID!) { servicePrices(condition: { serviceId: $s }) { nodes { price } } }`;
    const pricesSeenBy = async (who: Browser) => (await who.graphql(PRICES, { s: service.id })).body.data.servicePrices.nodes;
    expect(await pricesSeenBy(receptionist)).toEqual([{ price: "1.000" }]);
    await owner.graphql(`mutation($id: UUID!) { deleteService(input: { serviceId: $id }) { result { code } } }`, { id: service.id });
    expect(await pricesSeenBy(receptionist)).toEqual([]);
    expect(await pricesSeenBy(owner)).toEqual([{ price: "1.000" }]);
    await owner.graphql(`mutation($id: UUID!) { restoreService(input: { serviceId: $id }) { result { code } } }`, { id: service.id });
    expect(await pricesSeenBy(receptionist)).toEqual([{ price: "1.000" }]);
  });

  test("a deleted service keeps its history and cannot be added to visits", async () => {
    const service = await createService(a.clinicId);
    await owner.graphql(`mutation($id: UUID!) { deleteService(input: { serviceId: $id }) { result { code } } }`, { id: service.id });
    const visit = await createVisit(a, "in_progress");
    const r = await owner.graphql(
      `mutation($v: UUID!, $s: UUID!) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s } }) { visitService { rowId } } }`,
      { v: visit.id, s: service.id },
    );
    expect(["INVALID_INPUT", "NOT_FOUND"]).toContain(errorCode(r));
    await owner.graphql(`mutation($id: UUID!) { restoreService(input: { serviceId: $id }) { result { code } } }`, { id: service.id });
    const again = await owner.graphql(
      `mutation($v: UUID!, $s: UUID!) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s } }) { visitService { unitPrice } } }`,
      { v: visit.id, s: service.id },
    );
    expect(again.body.data.createVisitService.visitService.unitPrice).toBe(service.price);
  });
});

// a doctor's double click on "add service" (or a browser retrying the POST after a lost answer) added the service twice
// to the visit, and its invoice billed the patient twice (000426)
describe("a service added to a visit with an idempotency key is added once", () => {
  const ADD = `mutation($s: VisitServiceInput!) { createVisitService(input: { visitService: $s }) { visitService { rowId quantity discount unitPrice position } } }`;
  const BY_KEY = `query($c: UUID!, $k: String!) { visitServiceByClinicIdAndIdempotencyKey(clinicId: $c, idempotencyKey: $k) { rowId quantity } }`;
  const linesOf = async (visitId: string) =>
    (await rootPool().query("select id, quantity, idempotency_key from app_public.visit_service where visit_id = $1 order by position", [visitId])).rows;
  const conflict = (message: string) => ({ message, extensions: { code: "CONFLICT" } });
  let doctor: Browser;
  beforeAll(async () => {
    doctor = new Browser(api);
    await doctor.login(a.members.doctor.phone, a.members.doctor.password);
  });

  test("a double click (two requests at once) and a retry after a change of the catalog answer the first line; the line is read by its key", async () => {
    const [visit, service] = [await createVisit(a, "in_progress"), await createService(a.clinicId, "5000.000")];
    const line = { visitId: visit.id, serviceId: service.id, idempotencyKey: "click-add-1" };
    const clicked = await Promise.all([1, 2].map(() => doctor.graphql(ADD, { s: line })));
    expect(clicked.map((r) => r.body.errors)).toEqual([undefined, undefined]);
    const first = clicked[0].body.data.createVisitService.visitService;
    expect(first).toMatchObject({ quantity: 1, discount: "0.000", unitPrice: "5000.000", position: 1 });
    expect(clicked[1].body.data.createVisitService.visitService).toEqual(first);
    await rootPool().query("update app_public.service set price = 6000 where id = $1", [service.id]);
    for (const retry of [line, { ...line, quantity: 1, discount: "0" }]) {
      expect((await doctor.graphql(ADD, { s: retry })).body).toEqual({ data: { createVisitService: { visitService: first } } });
    }
    expect(await linesOf(visit.id)).toEqual([{ id: first.rowId, quantity: 1, idempotency_key: "click-add-1" }]);
    expect((await doctor.graphql(BY_KEY, { c: a.clinicId, k: "click-add-1" })).body.data).toEqual({
      visitServiceByClinicIdAndIdempotencyKey: { rowId: first.rowId, quantity: 1 } });
    // without a key, each request is a service, as ever
    await doctor.graphql(ADD, { s: { visitId: visit.id, serviceId: service.id } });
    expect(await linesOf(visit.id)).toHaveLength(2);
  });

  test("the same key for another service, quantity or discount is CONFLICT naming what differs; a line taken off since keeps its key spent", async () => {
    const [visit, service, other] = [await createVisit(a, "in_progress"), await createService(a.clinicId, "5000.000"), await createService(a.clinicId, "700.000")];
    const line = { visitId: visit.id, serviceId: service.id, quantity: 2, idempotencyKey: "retry-add-1" };
    const first = (await doctor.graphql(ADD, { s: line })).body.data.createVisitService.visitService;
    for (const [change, what] of [[{ quantity: 3 }, "quantity"], [{ discount: "100" }, "discount"], [{ serviceId: other.id }, "service"],
      [{ serviceId: other.id, quantity: 1 }, "service and quantity"]] as const) {
      const r = await doctor.graphql(ADD, { s: { ...line, ...change } });
      expect({ change, error: r.body.errors?.[0] }).toEqual({ change, error: expect.objectContaining(conflict(
        `This idempotency key was already used for a different service of a visit (another ${what}): send a new key for another line.`)) });
    }
    expect(await linesOf(visit.id)).toEqual([{ id: first.rowId, quantity: 2, idempotency_key: "retry-add-1" }]);
    // taken off the visit (seen, and removed by the doctor): the late retry of its request adds nothing
    const removed = await doctor.graphql(`mutation($c: UUID!, $id: UUID!) { deleteVisitService(input: { clinicId: $c, rowId: $id }) { visitService { rowId } } }`,
      { c: a.clinicId, id: first.rowId });
    expect(removed.body.errors).toBeUndefined();
    expect((await doctor.graphql(ADD, { s: line })).body.errors?.[0]).toMatchObject(conflict(
      "The service added to a visit with this idempotency key was taken off since: add it again with a new key if it is still meant."));
    expect(await linesOf(visit.id)).toEqual([]);
    expect((await doctor.graphql(ADD, { s: { ...line, idempotencyKey: "retry-add-2" } })).body.errors).toBeUndefined();
    expect(await linesOf(visit.id)).toEqual([{ id: expect.any(String), quantity: 2, idempotency_key: "retry-add-2" }]);
    // a key of white space alone (a field left blank) is refused before it is looked up
    expect((await doctor.graphql(ADD, { s: { ...line, idempotencyKey: " \u3000" } })).body.errors?.[0]).toMatchObject({
      message: "An idempotency key cannot be white space alone: send one per service of a visit you mean, or none.", extensions: { code: "INVALID_INPUT" } });
  });

  test("another clinic's same key adds its own service and learns nothing of the first clinic's; a role that may not add services is refused, key or not", async () => {
    const [visit, service] = [await createVisit(a, "in_progress"), await createService(a.clinicId)];
    const line = { visitId: visit.id, serviceId: service.id, idempotencyKey: "two-clinics-1" };
    const ours = (await doctor.graphql(ADD, { s: line })).body.data.createVisitService.visitService;
    const theirDoctor = new Browser(api);
    await theirDoctor.login(b.members.doctor.phone, b.members.doctor.password);
    const [theirVisit, theirService] = [await createVisit(b, "in_progress"), await createService(b.clinicId)];
    const theirs = await theirDoctor.graphql(ADD, { s: { visitId: theirVisit.id, serviceId: theirService.id, quantity: 3, idempotencyKey: "two-clinics-1" } });
    expect(theirs.body.errors).toBeUndefined();
    expect(theirs.body.data.createVisitService.visitService).toMatchObject({ quantity: 3 });
    expect(theirs.body.data.createVisitService.visitService.rowId).not.toBe(ours.rowId);
    // nor does it reach the first clinic's line through the key, or its visit
    expect((await theirDoctor.graphql(BY_KEY, { c: a.clinicId, k: "two-clinics-1" })).body.data).toEqual({ visitServiceByClinicIdAndIdempotencyKey: null });
    expect((await theirDoctor.graphql(ADD, { s: { ...line, idempotencyKey: "two-clinics-2" } })).body.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect(await linesOf(visit.id)).toEqual([{ id: ours.rowId, quantity: 1, idempotency_key: "two-clinics-1" }]);
    expect(await linesOf(theirVisit.id)).toEqual([{ id: theirs.body.data.createVisitService.visitService.rowId, quantity: 3, idempotency_key: "two-clinics-1" }]);
    // another doctor of the clinic, who does not see the visit, is told the key is used, and of nothing else
    const otherDoctor = await addMember(a.clinicId, await createUser(), "doctor");
    const [otherVisit] = (await rootPool().query(
      "insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now()) returning id",
      [a.clinicId, visit.patientId, otherDoctor.membershipId])).rows;
    const colleague = new Browser(api);
    await colleague.login(otherDoctor.phone, otherDoctor.password);
    expect((await colleague.graphql(ADD, { s: { visitId: otherVisit.id, serviceId: service.id, idempotencyKey: "two-clinics-1" } })).body.errors?.[0]).toMatchObject(
      conflict("This idempotency key was already used for a different service of a visit."));
    expect(await linesOf(otherVisit.id)).toEqual([]);
    // the front desk may not add services: refused, with the clinic's own key too, not answered the line
    expect((await receptionist.graphql(ADD, { s: line })).body.errors?.map((e: any) => [e.extensions?.code, e.message])).toEqual([
      ["FORBIDDEN", "Only the visit's doctor, an owner or an admin adds services to a visit, in their own clinic."]]);
  });
});

// a double click on "register" or "book", or a browser retrying the POST after a lost answer, made two patients
// (PAT-000007 and PAT-000008, the second flagged a duplicate of the first) or two visits (000450)
describe("a patient registered or a visit booked with an idempotency key is made once", () => {
  const REGISTER = `mutation($p: PatientInput!) { createPatient(input: { patient: $p }) { patient { rowId code firstName phone possibleDuplicates { totalCount } } } }`;
  const BOOK = `mutation($v: VisitInput!) { createVisit(input: { visit: $v }) { visit { rowId code scheduledAt reason status } } }`;
  const PATIENT_BY_KEY = `query($c: UUID!, $k: String!) { patientByClinicIdAndIdempotencyKey(clinicId: $c, idempotencyKey: $k) { rowId } }`;
  const VISIT_BY_KEY = `query($c: UUID!, $k: String!) { visitByClinicIdAndIdempotencyKey(clinicId: $c, idempotencyKey: $k) { rowId } }`;
  const conflict = (message: string) => ({ message, extensions: { code: "CONFLICT" } });
  const patientsKeyed = async (clinicId: string, key: string) =>
    (await rootPool().query("select id, code, deleted_at is not null as deleted from app_public.patient where clinic_id = $1 and idempotency_key = $2", [clinicId, key])).rows;
  const visitsOf = async (patientId: string) =>
    (await rootPool().query("select id, code, idempotency_key from app_public.visit where patient_id = $1 order by code", [patientId])).rows;
  const lastCode = async (clinicId: string, prefix: string) =>
    (await rootPool().query("select last_value::int from app_private.code_counter where clinic_id = $1 and prefix = $2", [clinicId, prefix])).rows[0]?.last_value ?? 0;
  const doctorOf = (clinic: TestClinic) => clinic.members.doctor.membershipId;

  test("a double click and a retry typed as registration reads it answer the first patient, who is no duplicate of themselves; no code spent", async () => {
    const key = `register-${crypto.randomUUID()}`;
    const patient = { firstName: "Neema", lastName: "Twice", phone: "0713 222 333", dateOfBirth: "1990-02-03", idempotencyKey: key };
    const before = await lastCode(a.clinicId, "PAT");
    const clicked = await Promise.all([1, 2].map(() => receptionist.graphql(REGISTER, { p: patient })));
    expect(clicked.map((r) => r.body.errors)).toEqual([undefined, undefined]);
    const first = clicked[0].body.data.createPatient.patient;
    expect(first).toMatchObject({ firstName: "Neema", phone: "+255713222333", possibleDuplicates: { totalCount: 0 } });
    expect(clicked[1].body.data.createPatient.patient).toEqual(first);
    // the same request typed otherwise (white space, the phone in international form, the sex left out as unknown)
    for (const retry of [{ ...patient, firstName: " Neema  ", phone: "+255 713 222 333" }, { ...patient, sex: "unknown" }]) {
      expect((await owner.graphql(REGISTER, { p: retry })).body).toEqual({ data: { createPatient: { patient: first } } });
    }
    expect(await patientsKeyed(a.clinicId, key)).toEqual([{ id: first.rowId, code: first.code, deleted: false }]);
    expect(await lastCode(a.clinicId, "PAT")).toBe(before + 1);
    expect((await receptionist.graphql(PATIENT_BY_KEY, { c: a.clinicId, k: key })).body.data).toEqual({ patientByClinicIdAndIdempotencyKey: { rowId: first.rowId } });
    // without a key, each request is a patient, as ever
    const again = await receptionist.graphql(REGISTER, { p: { ...patient, idempotencyKey: undefined } });
    expect(again.body.data.createPatient.patient).toMatchObject({ possibleDuplicates: { totalCount: 1 } });
    expect(again.body.data.createPatient.patient.rowId).not.toBe(first.rowId);
  });

  test("the same key for another patient is CONFLICT naming what differs; a patient deleted since keeps the key; bad keys are refused", async () => {
    const key = `register-${crypto.randomUUID()}`;
    const patient = { firstName: "Juma", lastName: "Conflict", phone: "0713 444 555", idempotencyKey: key };
    // a request refused spends no key: the form corrected and sent again with it registers the patient
    expect((await receptionist.graphql(REGISTER, { p: { ...patient, phone: "call me" } })).body.errors?.[0].extensions?.code).toBe("INVALID_PHONE");
    const first = (await receptionist.graphql(REGISTER, { p: patient })).body.data.createPatient.patient;
    for (const [change, what] of [[{ firstName: "Jumanne" }, "first name"], [{ phone: "0713 444 556" }, "phone"],
      [{ dateOfBirth: "1980-01-01" }, "date of birth"], [{ lastName: "Other", sex: "male", notes: "x" }, "last name, sex and notes"]] as const) {
      const r = await receptionist.graphql(REGISTER, { p: { ...patient, ...change } });
      expect({ change, error: r.body.errors?.[0] }).toEqual({ change, error: expect.objectContaining(conflict(
        `This idempotency key was already used for a different patient (another ${what}): send a new key for another patient.`)) });
    }
    expect(await patientsKeyed(a.clinicId, key)).toEqual([{ id: first.rowId, code: first.code, deleted: false }]);
    // deleted since: the late retry registers no one again
    expect((await owner.graphql(`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code } } }`, { id: first.rowId })).body.errors).toBeUndefined();
    const before = await lastCode(a.clinicId, "PAT");
    for (const desk of [receptionist, owner]) {
      expect((await desk.graphql(REGISTER, { p: patient })).body.errors?.[0]).toMatchObject(conflict(
        "The patient registered with this idempotency key was deleted since: an owner or admin restores them (restorePatient) if they are still meant."));
    }
    expect(await patientsKeyed(a.clinicId, key)).toEqual([{ id: first.rowId, code: first.code, deleted: true }]);
    expect(await lastCode(a.clinicId, "PAT")).toBe(before);
    // restored, the retry answers them
    expect((await owner.graphql(`mutation($id: UUID!) { restorePatient(input: { patientId: $id }) { result { code } } }`, { id: first.rowId })).body.errors).toBeUndefined();
    expect((await receptionist.graphql(REGISTER, { p: patient })).body.data.createPatient.patient.rowId).toBe(first.rowId);
    expect((await receptionist.graphql(REGISTER, { p: { ...patient, idempotencyKey: " \u3000" } })).body.errors?.[0]).toMatchObject({
      message: "An idempotency key cannot be white space alone: send one per patient you mean, or none.", extensions: { code: "INVALID_INPUT" } });
    expect((await receptionist.graphql(REGISTER, { p: { ...patient, idempotencyKey: "k".repeat(201) } })).body.errors?.[0]).toMatchObject({
      message: "An idempotency key is 1 to 200 characters.", extensions: { code: "INVALID_INPUT" } });
  });

  test("another clinic's same key registers its own patient and learns nothing; a role that may not register is refused, key or not", async () => {
    const key = `register-${crypto.randomUUID()}`;
    const patient = { firstName: "Rehema", lastName: "Clinics", idempotencyKey: key };
    const ours = (await receptionist.graphql(REGISTER, { p: patient })).body.data.createPatient.patient;
    // without a phone, sent again: the same patient
    expect((await receptionist.graphql(REGISTER, { p: patient })).body).toEqual({ data: { createPatient: { patient: ours } } });
    const theirDesk = new Browser(api);
    await theirDesk.login(b.members.receptionist.phone, b.members.receptionist.password);
    const theirs = await theirDesk.graphql(REGISTER, { p: patient });
    expect(theirs.body.errors).toBeUndefined();
    expect(theirs.body.data.createPatient.patient.rowId).not.toBe(ours.rowId);
    expect((await theirDesk.graphql(PATIENT_BY_KEY, { c: a.clinicId, k: key })).body.data).toEqual({ patientByClinicIdAndIdempotencyKey: null });
    for (const role of ["doctor", "cashier"] as const) {
      const member = new Browser(api);
      await member.login(a.members[role].phone, a.members[role].password);
      expect({ role, errors: (await member.graphql(REGISTER, { p: patient })).body.errors?.map((e: any) => [e.extensions?.code, e.message]) }).toEqual({
        role, errors: [["FORBIDDEN", "Only the front desk (an owner, admin or receptionist) registers and edits patients, in its own clinic."]] });
    }
    expect(await patientsKeyed(a.clinicId, key)).toEqual([{ id: ours.rowId, code: ours.code, deleted: false }]);
  });

  test("a double click on booking and a retry answer the first visit, cancelled since too; another patient, doctor, time or reason is CONFLICT", async () => {
    const patient = await createPatient(a.clinicId);
    const other = await createPatient(a.clinicId);
    const key = `book-${crypto.randomUUID()}`;
    const visit = { patientId: patient.id, doctorId: doctorOf(a), scheduledAt: "2026-12-20T09:00:00+03:00", reason: "Cough", idempotencyKey: key };
    const before = await lastCode(a.clinicId, "VIS");
    const clicked = await Promise.all([1, 2].map(() => receptionist.graphql(BOOK, { v: visit })));
    expect(clicked.map((r) => r.body.errors)).toEqual([undefined, undefined]);
    const first = clicked[0].body.data.createVisit.visit;
    expect(clicked[1].body.data.createVisit.visit).toEqual(first);
    // the same time written in another offset, the reason with white space around it
    expect((await owner.graphql(BOOK, { v: { ...visit, scheduledAt: "2026-12-20T06:00:00Z", reason: " Cough " } })).body).toEqual({ data: { createVisit: { visit: first } } });
    expect(await visitsOf(patient.id)).toEqual([{ id: first.rowId, code: first.code, idempotency_key: key }]);
    expect(await lastCode(a.clinicId, "VIS")).toBe(before + 1);
    expect((await receptionist.graphql(VISIT_BY_KEY, { c: a.clinicId, k: key })).body.data).toEqual({ visitByClinicIdAndIdempotencyKey: { rowId: first.rowId } });
    for (const [change, what] of [[{ patientId: other.id }, "patient"], [{ scheduledAt: "2026-12-20T10:00:00+03:00" }, "time"],
      [{ reason: null }, "reason"], [{ patientId: other.id, scheduledAt: "2026-12-21T09:00:00+03:00", reason: "Fever" }, "patient, time and reason"]] as const) {
      const r = await receptionist.graphql(BOOK, { v: { ...visit, ...change } });
      expect({ change, error: r.body.errors?.[0] }).toEqual({ change, error: expect.objectContaining(conflict(
        `This idempotency key was already used for a different visit (another ${what}): send a new key for another visit.`)) });
    }
    expect(await visitsOf(other.id)).toEqual([]);
    // cancelled since, the late retry answers the visit as it is, and books nothing again
    expect((await receptionist.graphql(`mutation($c: UUID!, $id: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { status: cancelled, cancelReason: "Called off" } }) { visit { status } } }`,
      { c: a.clinicId, id: first.rowId })).body.errors).toBeUndefined();
    expect((await receptionist.graphql(BOOK, { v: visit })).body.data.createVisit.visit).toEqual({ ...first, status: "cancelled" });
    expect(await visitsOf(patient.id)).toHaveLength(1);
    expect((await receptionist.graphql(BOOK, { v: { ...visit, idempotencyKey: "\t" } })).body.errors?.[0]).toMatchObject({
      message: "An idempotency key cannot be white space alone: send one per visit you mean, or none.", extensions: { code: "INVALID_INPUT" } });
  });

  test("another clinic's same visit key books its own visit; a doctor or cashier sending the key is refused as without one", async () => {
    const [patient, theirPatient] = [await createPatient(a.clinicId), await createPatient(b.clinicId)];
    const key = `book-${crypto.randomUUID()}`;
    const visit = { patientId: patient.id, doctorId: doctorOf(a), scheduledAt: "2026-12-22T09:00:00+03:00", idempotencyKey: key };
    const ours = (await receptionist.graphql(BOOK, { v: visit })).body.data.createVisit.visit;
    const theirDesk = new Browser(api);
    await theirDesk.login(b.members.receptionist.phone, b.members.receptionist.password);
    const theirs = await theirDesk.graphql(BOOK, { v: { ...visit, patientId: theirPatient.id, doctorId: doctorOf(b) } });
    expect(theirs.body.errors).toBeUndefined();
    expect(theirs.body.data.createVisit.visit.rowId).not.toBe(ours.rowId);
    for (const role of ["doctor", "cashier"] as const) {
      const member = new Browser(api);
      await member.login(a.members[role].phone, a.members[role].password);
      // another time under the key: the front desk is told CONFLICT, they are refused as without a key
      expect({ role, errors: (await member.graphql(BOOK, { v: { ...visit, scheduledAt: "2026-12-22T11:00:00+03:00" } })).body.errors?.map((e: any) => [e.extensions?.code, e.message]) }).toEqual({
        role, errors: [["FORBIDDEN", "Only the front desk (an owner, admin or receptionist) books visits, in its own clinic."]] });
    }
    expect(await visitsOf(patient.id)).toEqual([{ id: ours.rowId, code: ours.code, idempotency_key: key }]);
  });

  test("two sent at once over SQL: the second waits for the first's key, then answers its patient or visit", async () => {
    const desk = a.members.receptionist;
    const patient = await createPatient(a.clinicId);
    for (const [sql, params] of [
      ["select id, code from app_public.create_patient(jsonb_populate_record(null::app_public.patient, jsonb_build_object('first_name', 'Amani', 'last_name', 'AtOnce', 'idempotency_key', $1::text)))", []],
      ["select id, code from app_public.create_visit(jsonb_populate_record(null::app_public.visit, jsonb_build_object('patient_id', $2::uuid, 'doctor_id', $3::uuid, 'scheduled_at', '2026-12-23T09:00:00+03:00', 'idempotency_key', $1::text)))",
        [patient.id, doctorOf(a)]],
    ] as const) {
      const key = `at-once-${crypto.randomUUID()}`;
      await atOnce(desk, desk, async (first, second) => {
        const made = (await first.query(sql, [key, ...params])).rows[0];
        const waiting = second.query(sql, [key, ...params]);
        expect(await waitsForLock(second, waiting)).toBe(true);
        await first.query("commit");
        expect((await waiting).rows).toEqual([made]);
      });
    }
  });
});

describe("bad input gets a clear code and writes nothing", () => {
  const register = (fields: string) =>
    receptionist.graphql(`mutation { createPatient(input: { patient: { firstName: "Bad", lastName: "Input", ${fields} } }) { patient { code } } }`);
  const countBad = async () =>
    (await rootPool().query("select count(*)::int as n from app_public.patient where clinic_id = $1 and last_name = 'Input'", [a.clinicId])).rows[0].n;

  test("a birth date in the future", async () => {
    const r = await register(`dateOfBirth: "2999-01-01"`);
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: expect.stringMatching(/future/) });
    expect(await countBad()).toBe(0);
  });

  // current_date followed the connection's zone, and every write of the patient was judged again
  test("a birth date is judged as written, on the clinic's date: a baby born today in Kiritimati, then the clinic moved west", async () => {
    const east = await createClinic();
    await rootPool().query("update app_public.clinic set timezone = 'Pacific/Kiritimati' where id = $1", [east.clinicId]);
    const client = await rootPool().connect();
    try {
      await client.query("begin");
      await client.query("set local timezone = 'Pacific/Pago_Pago'"); // a connection a day or two behind the clinic
      const { rows: [baby] } = await client.query(
        "insert into app_public.patient (clinic_id, first_name, last_name, date_of_birth) values ($1, 'Baby', 'East', (now() at time zone 'Pacific/Kiritimati')::date) returning id, date_of_birth::text as born",
        [east.clinicId],
      );
      await client.query("update app_public.clinic set timezone = 'Pacific/Pago_Pago' where id = $1", [east.clinicId]);
      const changed = await client.query("update app_public.patient set address = 'Upstairs' where id = $1", [baby.id]);
      expect(changed.rowCount).toBe(1); // the birth date saved is kept as it was
      await expect(client.query("update app_public.patient set date_of_birth = $2::date where id = $1", [baby.id, baby.born]).then((r) => r.rowCount)).resolves.toBe(1);
      await expect(client.query("insert into app_public.patient (clinic_id, first_name, last_name, date_of_birth) values ($1, 'Baby', 'Later', $2)", [east.clinicId, baby.born]))
        .rejects.toMatchObject({ code: "CINVL", message: "The date of birth cannot be in the future." }); // Pago Pago's today is before it
    } finally {
      await client.query("rollback");
      client.release();
    }
  });

  test("a bad phone", async () => {
    const r = await register(`phone: "call me"`);
    expect(errorCode(r)).toBe("INVALID_PHONE");
    expect(await countBad()).toBe(0);
  });

  test("a national phone is completed with the clinic's country code", async () => {
    const r = await receptionist.graphql(
      `mutation { createPatient(input: { patient: { firstName: "Good", lastName: "Phone", phone: "0713 000 111" } }) { patient { phone code } } }`,
    );
    expect(r.body.data.createPatient.patient).toMatchObject({ phone: "+255713000111", code: expect.stringMatching(/^PAT-\d{6}$/) });
  });

  // cleared, it fell back to the deployment's DEFAULT_CALLING_CODE: a Kenyan clinic's 0712 345 678 saved as +255712345678
  test("the clinic's calling code is changed to another country's, not cleared: national numbers keep being completed with it", async () => {
    const clinic = await createClinic();
    await rootPool().query("update app_public.clinic set calling_code = '254' where id = $1", [clinic.clinicId]);
    const manager = new Browser(api);
    await manager.login(clinic.members.admin.phone, clinic.members.admin.password);
    const r = await manager.graphql(`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: { callingCode: null } }) { clinic { callingCode } } }`, {
      id: clinic.clinicId,
    });
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: expect.stringContaining("not cleared (the clinic's is +254)") });
    const front = new Browser(api);
    await front.login(clinic.members.receptionist.phone, clinic.members.receptionist.password);
    const registered = await front.graphql(`mutation { createPatient(input: { patient: { firstName: "Wanjiru", lastName: "Kamau", phone: "0712 345 678" } }) { patient { phone } } }`);
    expect(registered.body).toEqual({ data: { createPatient: { patient: { phone: "+254712345678" } } } });
    const changed = await manager.graphql(`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: { callingCode: "256" } }) { clinic { callingCode } } }`, {
      id: clinic.clinicId,
    });
    expect(changed.body).toEqual({ data: { updateClinic: { clinic: { callingCode: "256" } } } });
  });

  test("the clinic's email, address and footer are saved as meant: blank is none, an email without spaces around it, no text-reordering controls; line breaks kept", async () => {
    const own = await createClinic("Contact as meant");
    const manager = new Browser(api);
    await manager.login(own.members.owner.phone, own.members.owner.password);
    const save = async (patch: object) => {
      const r = await manager.graphql(`mutation($id: UUID!, $patch: ClinicPatch!) { updateClinic(input: { rowId: $id, patch: $patch }) { clinic { email address invoiceFooter } } }`, {
        id: own.clinicId,
        patch,
      });
      return r.body.errors ? r.body.errors.map((e) => e.message) : r.body.data.updateClinic.clinic;
    };
    // before, " info@…" was "not an email address", a blank one too, and a blank address or footer was kept as typed
    expect(await save({ email: " info@clinic.co.tz ", address: "P.O. Box 1\nDar es Salaam\n", invoiceFooter: "Asante \u202esana\u202c\nTIN: 123" })).toEqual({
      email: "info@clinic.co.tz",
      address: "P.O. Box 1\nDar es Salaam",
      invoiceFooter: "Asante sana\nTIN: 123",
    });
    expect(await save({ email: "", address: "   ", invoiceFooter: "\n" })).toEqual({ email: null, address: null, invoiceFooter: null });
    expect(await save({ email: "reception desk" })).toEqual(["This is not an email address (at most 320 characters)."]);
  });

  test("the clinic's own phone is typed as people type it, completed like the others; not a phone is INVALID_PHONE and changes nothing", async () => {
    const setPhone = (phone: string | null) =>
      owner.graphql(`mutation($id: UUID!, $phone: String) { updateClinic(input: { rowId: $id, patch: { phone: $phone } }) { clinic { phone } } }`, {
        id: a.clinicId,
        phone,
      });
    expect((await setPhone("0713 000 222")).body).toEqual({ data: { updateClinic: { clinic: { phone: "+255713000222" } } } });
    expect((await setPhone("+254 722 000 333")).body.data.updateClinic.clinic.phone).toBe("+254722000333");
    const bad = await setPhone("reception desk");
    expect(errorCode(bad)).toBe("INVALID_PHONE");
    const { rows } = await rootPool().query("select phone from app_public.clinic where id = $1", [a.clinicId]);
    expect(rows[0].phone).toBe("+254722000333");
    expect((await setPhone("  ")).body.data.updateClinic.clinic.phone).toBeNull();
    await setPhone("0713 000 222");
    expect((await setPhone("\t\n")).body.data.updateClinic.clinic.phone).toBeNull();
    // what reaches the table is E.164 whoever writes it
    await expect(rootPool().query("update app_public.clinic set phone = '12' where id = $1", [a.clinicId])).rejects.toMatchObject({ code: "CINPH" });
  });

  test("the clinic's name is kept as meant (one space for any run of white space, none at its ends); white space alone is INVALID_INPUT and changes nothing", async () => {
    const setName = (name: string) =>
      owner.graphql(`mutation($id: UUID!, $name: String!) { updateClinic(input: { rowId: $id, patch: { name: $name } }) { clinic { name } } }`, {
        id: a.clinicId,
        name,
      });
    const { rows: before } = await rootPool().query("select name from app_public.clinic where id = $1", [a.clinicId]);
    try {
      expect((await setName("\t Mwanzo \u00a0Clinic \n")).body).toEqual({ data: { updateClinic: { clinic: { name: "Mwanzo Clinic" } } } });
      for (const blank of ["\t", " \n ", "", "\u200b\u00a0"]) {
        const r = await setName(blank);
        expect({ blank, code: errorCode(r) }).toEqual({ blank, code: "INVALID_INPUT" });
      }
      const { rows } = await rootPool().query("select name from app_public.clinic where id = $1", [a.clinicId]);
      expect(rows[0].name).toBe("Mwanzo Clinic");
    } finally {
      await rootPool().query("update app_public.clinic set name = $2 where id = $1", [a.clinicId, before[0].name]);
    }
  });

  // createClinicWithOwner refuses an owner a second clinic of one name (000045); a rename gave them one (000399)
  test("a clinic is not renamed to the name of another clinic one of its owners owns, as one is not made so; another owner's clinic's name is taken", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const home = await createClinic(`Rename Home ${tag}`);
    const annex = await createClinic(`Rename Annex ${tag}`);
    const stranger = await createClinic(`Rename Stranger ${tag}`);
    await addMember(annex.clinicId, home.members.owner, "owner"); // home's owner owns the annex too
    const admin = new Browser(api);
    await admin.login(annex.members.admin.phone, annex.members.admin.password);
    const rename = (name: string) =>
      admin.graphql(`mutation($id: UUID!, $name: String!) { updateClinic(input: { rowId: $id, patch: { name: $name } }) { clinic { name } } }`, { id: annex.clinicId, name });
    const annexName = async () => (await rootPool().query("select name from app_public.clinic where id = $1", [annex.clinicId])).rows[0].name;
    for (const name of [`Rename Home ${tag}`, ` rename\u00a0HOME  ${tag} `]) {
      const r = await rename(name);
      expect(r.body.errors).toEqual([
        expect.objectContaining({ extensions: { code: "CONFLICT" }, message: `An owner of this clinic already has a clinic named ${name.replace(/\s+/g, " ").trim()}: give this one another name.` }),
      ]);
    }
    expect(await annexName()).toBe(`Rename Annex ${tag}`);
    // a change of case or spaces of its own name, and another owner's clinic's name, are taken
    expect((await rename(`rename annex ${tag}`)).body).toEqual({ data: { updateClinic: { clinic: { name: `rename annex ${tag}` } } } });
    expect((await rename(`Rename Stranger ${tag}`)).body).toEqual({ data: { updateClinic: { clinic: { name: `Rename Stranger ${tag}` } } } });
    // an owner membership suspended does not count, as it does not for createClinicWithOwner
    await addMember(home.clinicId, await createUser(), "owner"); // a clinic keeps an active owner
    await rootPool().query("update app_public.membership set is_active = false where clinic_id = $1 and user_id = $2", [home.clinicId, home.members.owner.userId]);
    expect((await rename(`Rename Home ${tag}`)).body).toEqual({ data: { updateClinic: { clinic: { name: `Rename Home ${tag}` } } } });
    expect(stranger.name).toBe(`Rename Stranger ${tag}`);

    // a clinic made for the owner at that moment, under the owner's phone's lock as createClinicWithOwner takes it: the
    // rename waits for it, and is then refused
    const holder = await rootPool().connect();
    const renamer = await apiPool().connect();
    try {
      await trackBackend(holder);
      await trackBackend(renamer);
      await holder.query("begin");
      await holder.query("select pg_advisory_xact_lock(app_private.account_lock_key($1))", [home.members.owner.phone]);
      const made = (await holder.query(`insert into app_public.clinic (name, timezone, currency) values ($1, 'UTC', 'USD') returning id`, [`Rename Branch ${tag}`])).rows[0].id;
      await holder.query("insert into app_public.membership (clinic_id, user_id, role) values ($1, $2, 'owner')", [made, home.members.owner.userId]);
      await beginAs(renamer, await openSession(annex.members.admin.userId, annex.clinicId));
      const renamed = outcome(renamer.query("update app_public.clinic set name = $2 where id = $1 returning name", [annex.clinicId, `Rename Branch ${tag}`]));
      expect(await waitsFor(renamer, holder)).toBe(true);
      await holder.query("commit");
      expect(await renamed).toBe("CCONF");
    } finally {
      await renamer.query("rollback");
      renamer.release();
      holder.release();
    }
    expect(await annexName()).toBe(`Rename Home ${tag}`);
  });

  // compared in lower case alone, ΚΛΙΝΙΚΗ ΝΙΚΟΣ (capitals: no accents, a final Σ) was another name than Κλινική Νίκος
  test("a clinic is not renamed to its owner's other clinic's name typed another way: in Greek capitals, without accents or apostrophes", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const home = await createClinic(`Κλινική Νίκος ${tag}`);
    const annex = await createClinic(`Rename Annex ${tag}`);
    await addMember(annex.clinicId, home.members.owner, "owner");
    const admin = new Browser(api);
    await admin.login(annex.members.admin.phone, annex.members.admin.password);
    const rename = (name: string) =>
      admin.graphql(`mutation($id: UUID!, $name: String!) { updateClinic(input: { rowId: $id, patch: { name: $name } }) { clinic { name } } }`, { id: annex.clinicId, name });
    for (const name of [`ΚΛΙΝΙΚΗ ΝΙΚΟΣ ${tag}`, `κλινικη νικοσ ${tag}`]) {
      expect({ name, code: errorCode(await rename(name)) }).toEqual({ name, code: "CONFLICT" });
    }
    expect((await rename(`ΚΛΙΝΙΚΗ ΝΙΚΟΥ ${tag}`)).body).toEqual({ data: { updateClinic: { clinic: { name: `ΚΛΙΝΙΚΗ ΝΙΚΟΥ ${tag}` } } } });
  });

  // 000399 kept a clinic from being renamed to the name of its owner's other clinic, as none is made so; a person made the
  // owner of a clinic named as one they own otherwise (an owner invitation accepted, a member made an owner, or restored or
  // made active again as one, an operator's insert) had two of one name all the same, told apart nowhere they pick one
  test("a person is not made the owner of a clinic named as one they own, however they come to own it: CONFLICT, nothing changed; once it is renamed, they are", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const home = await createClinic(`Owned Twice ${tag}`);
    const person = home.members.owner;
    const twin = await createClinic(`owned  TWICE ${tag}`);
    const refusal = (r: { body: { errors?: { message?: string; extensions?: { code?: string } }[] } }) => ({ code: errorCode(r), message: r.body.errors?.[0]?.message });
    const twinOwner = new Browser(api);
    await twinOwner.login(twin.members.owner.phone, twin.members.owner.password);
    const membership = async () =>
      (await rootPool().query(
        "select id, role, is_active, deleted_at is null as live, accepted_at is not null as accepted from app_public.membership where clinic_id = $1 and user_id = $2",
        [twin.clinicId, person.userId],
      )).rows[0];
    const theirs = `one of the two is renamed first (updateClinic), so that they tell them apart where they pick a clinic.`;
    // named as the clinic whose owner they would be is (its name as saved), not as the other clinic is
    const taken = { code: "CONFLICT", message: `This person already owns a clinic named owned TWICE ${tag}: ${theirs}` };

    // an owner invitation, accepted by the person: refused, the invitation pending as it was
    const invited = await twinOwner.graphql(
      `mutation($phone: String!) { inviteMember(input: { phone: $phone, fullName: "Home's owner", role: owner, password: "a-password-of-twins-choice" }) { result { acceptedAt } } }`,
      { phone: person.phone },
    );
    expect(invited.body).toEqual({ data: { inviteMember: { result: { acceptedAt: null } } } });
    const self = new Browser(api);
    await self.login(person.phone, person.password);
    const ACCEPT = `mutation($c: UUID!) { acceptInvitation(input: { clinicId: $c }) { result } }`;
    expect(refusal(await self.graphql(ACCEPT, { c: twin.clinicId }))).toEqual({
      code: "CONFLICT", message: `You already own a clinic named owned TWICE ${tag}: one of the two is renamed first (updateClinic), so that you tell them apart where you pick a clinic.`,
    });
    expect(await membership()).toMatchObject({ role: "owner", is_active: true, live: true, accepted: false });

    // offered as a doctor instead, accepted; then made an owner: refused, a doctor still
    const { id } = await membership();
    const UPDATE = `mutation($c: UUID!, $id: UUID!, $p: MembershipPatch!) { updateMembership(input: { clinicId: $c, rowId: $id, patch: $p }) { membership { role isActive } } }`;
    expect((await twinOwner.graphql(UPDATE, { c: twin.clinicId, id, p: { role: "doctor" } })).body.errors).toBeUndefined();
    expect((await self.graphql(ACCEPT, { c: twin.clinicId })).body).toEqual({ data: { acceptInvitation: { result: true } } });
    expect(refusal(await twinOwner.graphql(UPDATE, { c: twin.clinicId, id, p: { role: "owner" } }))).toEqual(taken);
    expect(await membership()).toMatchObject({ role: "doctor", is_active: true, live: true, accepted: true });

    // an owner membership suspended (as it was before this rule), made active again; removed, restored: refused, as it was
    await writeBehindTriggers("update app_public.membership set role = 'owner', is_active = false where id = $1", [id]);
    expect(refusal(await twinOwner.graphql(UPDATE, { c: twin.clinicId, id, p: { isActive: true } }))).toEqual(taken);
    expect(await membership()).toMatchObject({ role: "owner", is_active: false, live: true });
    await writeBehindTriggers("update app_public.membership set is_active = true, deleted_at = now() where id = $1", [id]);
    const RESTORE = `mutation($id: UUID!) { restoreMember(input: { membershipId: $id }) { result { rowId } } }`;
    expect(refusal(await twinOwner.graphql(RESTORE, { id }))).toEqual(taken);
    expect(await membership()).toMatchObject({ role: "owner", is_active: true, live: false });

    // an operator's insert, as the owner role: refused too
    const third = await createClinic(`OWNED TWICE ${tag}`);
    await expect(addMember(third.clinicId, person, "owner")).rejects.toMatchObject({ code: "CCONF" });

    // the twin renamed, the person is made its owner
    await writeBehindTriggers("update app_public.membership set deleted_at = null, role = 'doctor' where id = $1", [id]);
    const RENAME = `mutation($id: UUID!, $name: String!) { updateClinic(input: { rowId: $id, patch: { name: $name } }) { clinic { name } } }`;
    expect((await twinOwner.graphql(RENAME, { id: twin.clinicId, name: `Owned Twice Annex ${tag}` })).body.errors).toBeUndefined();
    expect((await twinOwner.graphql(UPDATE, { c: twin.clinicId, id, p: { role: "owner" } })).body).toEqual({
      data: { updateMembership: { membership: { role: "owner", isActive: true } } },
    });
  });

  test("a service's name and category are saved as meant: trimmed, white space collapsed; a name of nothing visible is refused", async () => {
    const create = (name: string, category: string) =>
      owner.graphql(`mutation($n: String!, $c: String) { createService(input: { service: { name: $n, category: $c, price: "100" } }) { service { name category } } }`, {
        n: name,
        c: category,
      });
    // " consultation " was saved with its spaces, and listed before "Consultation"
    expect((await create(" X-ray \u00a0 chest ", "  Imaging\t")).body.data.createService.service).toEqual({ name: "X-ray chest", category: "Imaging" });
    expect((await create("Dressing", "\u200b")).body.data.createService.service).toEqual({ name: "Dressing", category: null });
    const blank = await create("\u00a0\u200b", "Imaging");
    expect(blank.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "A service needs a name of at most 200 characters." });
  });

  test("a negative price", async () => {
    const r = await owner.graphql(`mutation { createService(input: { service: { name: "Refund me", price: "-1" } }) { service { code } } }`);
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: "INVALID_INPUT", constraint: "service_price_check" });
    expect((await rootPool().query("select count(*)::int as n from app_public.service where name = 'Refund me'")).rows[0].n).toBe(0);
  });

  test("a non-numeric price", async () => {
    const r = await owner.graphql(`mutation { createService(input: { service: { name: "NaN", price: "ten" } }) { service { code } } }`);
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: expect.stringContaining("An amount is a number written as text") });
    expect((await rootPool().query("select count(*)::int as n from app_public.service where name = 'NaN'")).rows[0].n).toBe(0);
  });

  test("an unknown time zone or currency", async () => {
    for (const patch of [`timezone: "Mars/Olympus_Mons"`, `currency: "XYZ"`, `currency: "usd"`]) {
      const r = await owner.graphql(`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: { ${patch} } }) { clinic { timezone currency } } }`, {
        id: a.clinicId,
      });
      expect({ patch, code: errorCode(r) }).toEqual({ patch, code: "INVALID_INPUT" });
    }
    const { rows } = await rootPool().query("select timezone, currency from app_public.clinic where id = $1", [a.clinicId]);
    expect(rows[0]).toEqual({ timezone: "Africa/Dar_es_Salaam", currency: "TZS" });
  });

  // `tz` (for Tanzania) and `ke` are no language: Intl wrote the clinic's documents in en-US, 5 December as 12/5/2026,
  // and told screen readers the PDF was in a language that does not exist
  test("a locale of no language, or of no country, is refused; a language with a country of its own or another's is taken", async () => {
    const clinic = await createClinic();
    const manager = new Browser(api);
    await manager.login(clinic.members.admin.phone, clinic.members.admin.password);
    const setLocale = (locale: string) =>
      manager.graphql(`mutation($id: UUID!, $locale: String!) { updateClinic(input: { rowId: $id, patch: { locale: $locale } }) { clinic { locale } } }`, {
        id: clinic.clinicId,
        locale,
      });
    const localeNow = async () => (await rootPool().query("select locale from app_public.clinic where id = $1", [clinic.clinicId])).rows[0].locale;
    for (const locale of ["tz", "ke", "zz", "und", "en-ZZ", "sw-XX"]) {
      const r = await setLocale(locale);
      expect({ locale, error: r.body.errors?.[0] }).toEqual({
        locale,
        error: expect.objectContaining({
          extensions: expect.objectContaining({ code: "INVALID_INPUT" }),
          message: expect.stringContaining(`${locale} is not a language documents are written in`),
        }),
      });
      expect(await localeNow()).toBe("en");
    }
    for (const locale of ["sw", "sw-TZ", "en-KE", "fr-TZ", "fil", "ar-EG"]) {
      const r = await setLocale(locale);
      expect({ locale, r: r.body }).toEqual({ locale, r: { data: { updateClinic: { clinic: { locale } } } } });
    }
    // a clinic set to one before keeps it, and its other settings change as ever
    await writeBehindTriggers("update app_public.clinic set locale = 'tz' where id = $1", [clinic.clinicId]);
    const r = await manager.graphql(`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: { taxRate: "0.18" } }) { clinic { locale taxRate } } }`, {
      id: clinic.clinicId,
    });
    expect(r.body).toEqual({ data: { updateClinic: { clinic: { locale: "tz", taxRate: "0.18" } } } });
  });

  test("a currency change once the clinic has invoices, whose totals would add one currency to the other", async () => {
    const billed = await createClinic("Billed in shillings");
    const billedOwner = new Browser(api);
    await billedOwner.login(billed.members.owner.phone, billed.members.owner.password);
    const setCurrency = (currency: string) =>
      billedOwner.graphql(`mutation($id: UUID!, $c: String!) { updateClinic(input: { rowId: $id, patch: { currency: $c } }) { clinic { currency } } }`, {
        id: billed.clinicId,
        c: currency,
      });
    expect((await setCurrency("KES")).body).toEqual({ data: { updateClinic: { clinic: { currency: "KES" } } } }); // nothing billed yet
    await createIssuedInvoice(billed, "1000");
    const refused = await setCurrency("USD");
    expect(refused.body.errors?.[0]).toMatchObject({
      extensions: { code: "INVALID_INPUT" },
      message: "The currency cannot change once the clinic has invoices: its totals would add KES to USD.",
    });
    expect((await setCurrency("KES")).body.errors).toBeUndefined(); // the same currency is no change
    expect((await setCurrency("usd")).body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: expect.stringMatching(/^Unknown currency/) });
    // no currency at all is a value missing (it read "would add KES to <NULL>")
    const cleared = await billedOwner.graphql(`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: { currency: null } }) { clinic { currency } } }`, { id: billed.clinicId });
    expect(cleared.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "A required value is missing: currency." });
    const { rows } = await rootPool().query("select currency from app_public.clinic where id = $1", [billed.clinicId]);
    expect(rows[0].currency).toBe("KES");
  });

  test("a currency change once a visit was charged or a day counted, or to a currency the catalog's prices do not fit", async () => {
    const setCurrencyOf = async (clinic: TestClinic, currency: string) => {
      const manager = new Browser(api);
      await manager.login(clinic.members.owner.phone, clinic.members.owner.password);
      const r = await manager.graphql(`mutation($id: UUID!, $c: String!) { updateClinic(input: { rowId: $id, patch: { currency: $c } }) { clinic { currency } } }`, {
        id: clinic.clinicId,
        c: currency,
      });
      return { refusal: r.body.errors?.[0], manager };
    };
    const charged = await createClinic("Charged in shillings");
    const service = await createService(charged.clinicId, "12.50");
    // the service named by its id too, to open it (it came in the message alone)
    expect((await setCurrencyOf(charged, "JPY")).refusal).toMatchObject({
      extensions: { code: "INVALID_INPUT", serviceId: service.id },
      message: `The price of ${service.code} (12.5) has more decimals than JPY has (0): change it first.`,
    });
    expect((await setCurrencyOf(charged, "USD")).refusal).toBeUndefined();
    // a deleted service's too: a restore would bring it back with its price
    const retiring = await createClinic("Retiring prices");
    const retired = await createService(retiring.clinicId, "12.50");
    await rootPool().query("update app_public.service set deleted_at = now() where id = $1", [retired.id]);
    expect((await setCurrencyOf(retiring, "JPY")).refusal).toMatchObject({
      extensions: { code: "INVALID_INPUT", serviceId: retired.id },
      message: `The price of ${retired.code} (12.5) has more decimals than JPY has (0): change it first (a deleted service: restore it, change its price, delete it again).`,
    });
    const visit = await createVisit(charged, "in_progress");
    await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [charged.clinicId, visit.id, service.id]);
    expect((await setCurrencyOf(charged, "KES")).refusal).toMatchObject({
      extensions: { code: "INVALID_INPUT" },
      message: "The currency cannot change once the clinic has charged for visits: their values in USD would read as KES.",
    });

    const counted = await createClinic("Counted in shillings");
    const { manager } = await setCurrencyOf(counted, "TZS");
    const { rows } = await rootPool().query("select (now() at time zone timezone)::date::text as today from app_public.clinic where id = $1", [counted.clinicId]);
    const close = await manager.graphql(`mutation($d: Date!) { closeDay(input: { businessDate: $d, countedCash: "15000" }) { result { status } } }`, { d: rows[0].today });
    expect(close.body.data.closeDay.result.status).toBe("closed");
    expect((await setCurrencyOf(counted, "KWD")).refusal).toMatchObject({
      extensions: { code: "INVALID_INPUT" },
      message: "The currency cannot change once the clinic has counted its cash: its counts in TZS would read as KWD.",
    });
    const currencies = await rootPool().query("select currency from app_public.clinic where id = any($1) order by name", [[charged.clinicId, counted.clinicId]]);
    expect(currencies.rows).toEqual([{ currency: "USD" }, { currency: "TZS" }]);
  });

  test("a price and a visit's discount have no more decimals than the clinic's currency", async () => {
    const yen = await createClinic("Priced in yen");
    await rootPool().query("update app_public.clinic set currency = 'JPY' where id = $1", [yen.clinicId]);
    const manager = new Browser(api);
    await manager.login(yen.members.owner.phone, yen.members.owner.password);
    const priced = await manager.graphql(`mutation { createService(input: { service: { name: "Half yen", price: "333.5" } }) { service { code } } }`);
    expect(priced.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "A price has no more decimals than the clinic's currency (JPY: 0)." });
    const service = await createService(yen.clinicId, "333");
    const repriced = await manager.graphql(`mutation($id: UUID!) { updateService(input: { clinicId: "${yen.clinicId}", rowId: $id, patch: { price: "333.5" } }) { service { price } } }`, { id: service.id });
    expect(repriced.body.errors?.[0]).toMatchObject({ message: "A price has no more decimals than the clinic's currency (JPY: 0)." });
    const visit = await createVisit(yen, "in_progress");
    const ADD = `mutation($v: UUID!, $s: UUID!, $d: BigFloat) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s, quantity: 7, discount: $d } }) { visitService { lineTotal } } }`;
    const halfYenOff = await manager.graphql(ADD, { v: visit.id, s: service.id, d: "0.5" });
    expect(halfYenOff.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "A discount has no more decimals than the clinic's currency (JPY: 0)." });
    const oneYenOff = await manager.graphql(ADD, { v: visit.id, s: service.id, d: "1" });
    expect(oneYenOff.body.data.createVisitService.visitService.lineTotal).toBe("2330.000");
    const { rows } = await rootPool().query("select count(*)::int as n, min(price)::text as price from app_public.service where clinic_id = $1", [yen.clinicId]);
    expect(rows[0]).toEqual({ n: 1, price: "333.000" });
  });

  test("a visit booked before 2000 or from 2200 on", async () => {
    const [doctor] = (await rootPool().query("select id from app_public.membership where clinic_id = $1 and role = 'doctor' limit 1", [a.clinicId])).rows;
    const patient = await createPatient(a.clinicId);
    // 1900 in Dar es Salaam (UTC+02:37:08 then) came back 8 seconds off: its offset is cut to minutes
    for (const scheduledAt of ["9999-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "1000-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "1999-12-31T20:59:59Z"]) {
      const r = await receptionist.graphql(
        `mutation($p: UUID!, $d: UUID!, $at: Datetime!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: $at } }) { visit { code } } }`,
        { p: patient.id, d: doctor.id, at: scheduledAt },
      );
      expect({ scheduledAt, error: r.body.errors?.[0] }).toMatchObject({
        scheduledAt,
        error: { extensions: { code: "INVALID_INPUT" }, message: "A visit is booked from 2000 to 2199." },
      });
    }
    expect((await rootPool().query("select count(*)::int as n from app_public.visit where patient_id = $1", [patient.id])).rows[0].n).toBe(0);
    // in the clinic's calendar (Dar es Salaam, UTC+3): half past midnight on 1 January 2000 there is still 1999 in UTC
    const first = await receptionist.graphql(
      `mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2000-01-01T00:30:00+03:00" } }) { visit { scheduledAt } } }`,
      { p: patient.id, d: doctor.id },
    );
    expect(first.body).toEqual({ data: { createVisit: { visit: { scheduledAt: "2000-01-01T00:30:00.000000+03:00" } } } });
    // one booked in 9999 before that rule is cancelled, as any other (the rule is checked when the time changes)
    const far = await createVisit(a);
    await writeBehindTriggers("update app_public.visit set scheduled_at = '9999-12-31 23:00+00' where id = $1", [far.id]);
    // the whole form sent back, its time unchanged
    const cancelled = await receptionist.graphql(
      `mutation($c: UUID!, $id: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { status: cancelled, cancelReason: "Typo in the year", scheduledAt: "9999-12-31T23:00:00Z" } }) { visit { status } } }`,
      { c: a.clinicId, id: far.id },
    );
    expect(cancelled.body).toEqual({ data: { updateVisit: { visit: { status: "cancelled" } } } });
  });

  test("a time zone is one the exports can print in: not PostgreSQL's posix/ copies, Factory, localtime or posixrules", async () => {
    // no name PostgreSQL knows but the PDF templates' Intl.DateTimeFormat refuses is accepted
    const { rows } = await rootPool().query("select name from pg_catalog.pg_timezone_names");
    const unprintable = rows.map((r) => r.name as string).filter((timeZone) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone });
        return false;
      } catch {
        return true;
      }
    });
    expect(unprintable).toEqual(expect.arrayContaining(["Factory", "posix/Africa/Nairobi"]));
    const accepted = await rootPool().query("select n from unnest($1::text[]) n where app_public.is_valid_timezone(n)", [unprintable]);
    expect(accepted.rows).toEqual([]);
    for (const timezone of ["posix/Africa/Nairobi", "Factory"]) {
      const r = await owner.graphql(`mutation($id: UUID!, $tz: String!) { updateClinic(input: { rowId: $id, patch: { timezone: $tz } }) { clinic { timezone } } }`, {
        id: a.clinicId,
        tz: timezone,
      });
      expect({ timezone, error: r.body.errors?.[0] }).toEqual({
        timezone,
        error: expect.objectContaining({ extensions: { code: "INVALID_INPUT", constraint: "clinic_timezone_check" } }),
      });
    }
    // one name a request (server/request-limits.ts)
    for (const [name, valid] of [["Africa/Nairobi", true], ["posix/Africa/Nairobi", false]] as const) {
      expect((await owner.graphql(`query($name: String!) { isValidTimezone(name: $name) }`, { name })).body).toEqual({ data: { isValidTimezone: valid } });
    }
    expect((await rootPool().query("select timezone from app_public.clinic where id = $1", [a.clinicId])).rows[0].timezone).toBe("Africa/Dar_es_Salaam");
  });

  describe("a doctor who is not a doctor", () => {
    /** Members of A who may not be given visits: another role, a suspended doctor, one whose account is deactivated, a removed one; and what each is told. */
    const NOT_A_DOCTOR = "This member is not a doctor of the clinic: book a doctor.";
    const notDoctors: [string, string, () => Promise<string>][] = [
      ["a cashier", NOT_A_DOCTOR, async () => a.members.cashier.membershipId],
      ["a receptionist", NOT_A_DOCTOR, async () => a.members.receptionist.membershipId],
      ["a suspended doctor", "This doctor is suspended in this clinic: book another doctor.", async () => {
        const m = await addMember(a.clinicId, await createUser(), "doctor");
        await rootPool().query("update app_public.membership set is_active = false where id = $1", [m.membershipId]);
        return m.membershipId;
      }],
      // the operator deactivated their account (they log in nowhere): booked, their day was filled for no one (000411)
      ["a doctor whose account is deactivated", "This doctor's account is deactivated: book another doctor.", async () => {
        const m = await addMember(a.clinicId, await createUser(), "doctor");
        await rootPool().query('update app_public."user" set is_active = false where id = $1', [m.userId]);
        return m.membershipId;
      }],
      // removed, as one who never was: the message of any id that is no member's
      ["a removed doctor", "The doctor must be an active member of this clinic with the doctor role.", async () => {
        const m = await addMember(a.clinicId, await createUser(), "doctor");
        await rootPool().query("update app_public.membership set deleted_at = now() where id = $1", [m.membershipId]);
        return m.membershipId;
      }],
    ];
    const refused = (r: any, message: string) => expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message });

    test.each(notDoctors)("%s is not booked as one, told why, and no visit is written", async (_, message, doctorId) => {
      const patient = await createPatient(a.clinicId);
      refused(
        await receptionist.graphql(
          `mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2030-01-01T09:00:00Z" } }) { visit { code } } }`,
          { p: patient.id, d: await doctorId() },
        ),
        message,
      );
      expect((await rootPool().query("select count(*)::int as n from app_public.visit where patient_id = $1", [patient.id])).rows[0].n).toBe(0);
    });

    test.each(notDoctors)("%s is not handed a visit, which keeps its doctor", async (_, message, doctorId) => {
      const visit = await createVisit(a);
      refused(
        await receptionist.graphql(
          `mutation($c: UUID!, $id: UUID!, $d: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { doctorId: $d } }) { visit { code } } }`,
          { c: a.clinicId, id: visit.id, d: await doctorId() },
        ),
        message,
      );
      const { rows } = await rootPool().query("select doctor_id from app_public.visit where id = $1", [visit.id]);
      expect(rows[0].doctor_id).toBe(a.members.doctor.membershipId);
    });
  });

  test("a visit booked, or moved, to the end or the beginning of time", async () => {
    const patient = await createPatient(a.clinicId);
    const book = (at: string) =>
      receptionist.graphql(
        `mutation($p: UUID!, $d: UUID!, $at: Datetime!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: $at } }) { visit { code } } }`,
        { p: patient.id, d: a.members.doctor.membershipId, at },
      );
    for (const at of ["infinity", "-infinity"]) {
      const r = await book(at);
      // the API takes ISO 8601 text only (scalar-forms.ts); the table refuses infinity to SQL too
      expect({ at, code: errorCode(r), message: r.body.errors?.[0].message }).toEqual({ at, code: "INVALID_INPUT", message: expect.stringContaining("A date and time is written YYYY-MM-DDTHH:MM") });
      await expect(
        asMember(a.members.receptionist, (c) =>
          c.query("insert into app_public.visit (patient_id, doctor_id, scheduled_at) values ($1, $2, $3)", [patient.id, a.members.doctor.membershipId, at]),
        ),
      ).rejects.toMatchObject({ code: "23514", constraint: "visit_scheduled_at_is_finite" });
    }
    const booked = await book("2030-01-01T09:00:00Z");
    expect(booked.body.errors).toBeUndefined();
    const moved = await receptionist.graphql(
      `mutation($c: UUID!, $code: String!) { updateVisitByClinicIdAndCode(input: { clinicId: $c, code: $code, patch: { scheduledAt: "infinity" } }) { visit { code } } }`,
      { c: a.clinicId, code: booked.body.data.createVisit.visit.code },
    );
    expect(errorCode(moved)).toBe("INVALID_INPUT");
    const { rows } = await rootPool().query("select scheduled_at from app_public.visit where clinic_id = $1 and patient_id = $2", [a.clinicId, patient.id]);
    expect(rows).toEqual([{ scheduled_at: new Date("2030-01-01T09:00:00Z") }]);
  });

  test("a doctor editing their own visit's reason is told what only the front desk may change", async () => {
    const visit = await createVisit(a, "checked_in");
    const doctor = new Browser(api);
    await doctor.login(a.members.doctor.phone, a.members.doctor.password);
    const r = await doctor.graphql(`mutation($c: UUID!, $id: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { reason: "Follow-up" } }) { visit { code } } }`,
      { c: a.clinicId, id: visit.id });
    expect(r.body.errors?.[0]).toMatchObject({
      extensions: { code: "FORBIDDEN" }, message: "Only the front desk can change a visit's patient, doctor, time or reason.",
    });
  });

  test("an invalid transition", async () => {
    const visit = await createVisit(a, "completed");
    const r = await owner.graphql(
      `mutation($c: UUID!, $id: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { status: checked_in } }) { visit { status } } }`,
      { c: a.clinicId, id: visit.id },
    );
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_TRANSITION" }, message: "A completed visit cannot change any more." });
  });
});

// a double click on "add to catalog", or a browser retrying the POST after a lost answer, added the service twice
// (SRV-000007 and SRV-000008, one name and price, each offered on visits and counted apart): createService took no key
// (000455)
describe("a service added to the catalog with an idempotency key is added once", () => {
  const ADD = `mutation($s: ServiceInput!) { createService(input: { service: $s }) { service { rowId code name category price durationMinutes isActive } } }`;
  const BY_KEY = `query($c: UUID!, $k: String!) { serviceByClinicIdAndIdempotencyKey(clinicId: $c, idempotencyKey: $k) { rowId } }`;
  const conflict = (message: string) => ({ message, extensions: { code: "CONFLICT" } });
  const keyed = async (clinicId: string, key: string) =>
    (await rootPool().query("select id, code, deleted_at is not null as deleted from app_public.service where clinic_id = $1 and idempotency_key = $2", [clinicId, key])).rows;
  const lastCode = async (clinicId: string) =>
    (await rootPool().query("select last_value::int from app_private.code_counter where clinic_id = $1 and prefix = 'SRV'", [clinicId])).rows[0]?.last_value ?? 0;

  test("a double click and a retry typed otherwise answer the first service; no code spent; without a key each request is a service", async () => {
    const key = `catalog-${crypto.randomUUID()}`;
    const service = { name: "Wound dressing", category: "Procedures", price: "7500", durationMinutes: 20, idempotencyKey: key };
    const before = await lastCode(a.clinicId);
    const clicked = await Promise.all([1, 2].map(() => owner.graphql(ADD, { s: service })));
    expect(clicked.map((r) => r.body.errors)).toEqual([undefined, undefined]);
    const first = clicked[0].body.data.createService.service;
    expect(first).toMatchObject({ name: "Wound dressing", price: "7500.000", isActive: true });
    expect(clicked[1].body.data.createService.service).toEqual(first);
    // the same request as the catalog keeps it (white space, the price's decimals, active left out or given)
    for (const retry of [{ ...service, name: " Wound  dressing ", category: "Procedures\t", price: "7500.00" }, { ...service, isActive: true }]) {
      expect((await owner.graphql(ADD, { s: retry })).body).toEqual({ data: { createService: { service: first } } });
    }
    expect(await keyed(a.clinicId, key)).toEqual([{ id: first.rowId, code: first.code, deleted: false }]);
    expect(await lastCode(a.clinicId)).toBe(before + 1);
    expect((await owner.graphql(BY_KEY, { c: a.clinicId, k: key })).body.data).toEqual({ serviceByClinicIdAndIdempotencyKey: { rowId: first.rowId } });
    const again = await owner.graphql(ADD, { s: { ...service, idempotencyKey: undefined } });
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data.createService.service.rowId).not.toBe(first.rowId);
  });

  test("the same key for another service is CONFLICT naming what differs; a service deleted since keeps its key; another clinic's key is its own", async () => {
    const key = `catalog-${crypto.randomUUID()}`;
    const service = { name: "Malaria test", price: "3000", idempotencyKey: key };
    // a request refused spends no key
    expect((await owner.graphql(ADD, { s: { ...service, price: "-1" } })).body.errors?.[0].extensions?.code).toBe("INVALID_INPUT");
    const first = (await owner.graphql(ADD, { s: service })).body.data.createService.service;
    for (const [change, what] of [[{ name: "Malaria RDT" }, "name"], [{ price: "3500" }, "price"], [{ category: "Lab" }, "category"],
      [{ durationMinutes: 15, isActive: false }, "duration and active flag"]] as const) {
      const r = await owner.graphql(ADD, { s: { ...service, ...change } });
      expect({ change, error: r.body.errors?.[0] }).toEqual({ change, error: expect.objectContaining(conflict(
        `This idempotency key was already used for a different service (another ${what}): send a new key for another service.`)) });
    }
    // deleted since: the late retry adds nothing again; restored, it answers it
    expect((await owner.graphql(`mutation($id: UUID!) { deleteService(input: { serviceId: $id }) { result { code } } }`, { id: first.rowId })).body.errors).toBeUndefined();
    const before = await lastCode(a.clinicId);
    expect((await owner.graphql(ADD, { s: service })).body.errors?.[0]).toMatchObject(conflict(
      "The service added with this idempotency key was deleted since: an owner or admin restores it (restoreService) if it is still meant."));
    expect(await keyed(a.clinicId, key)).toEqual([{ id: first.rowId, code: first.code, deleted: true }]);
    expect(await lastCode(a.clinicId)).toBe(before);
    expect((await owner.graphql(`mutation($id: UUID!) { restoreService(input: { serviceId: $id }) { result { code } } }`, { id: first.rowId })).body.errors).toBeUndefined();
    expect((await owner.graphql(ADD, { s: service })).body.data.createService.service.rowId).toBe(first.rowId);
    expect((await owner.graphql(ADD, { s: { ...service, idempotencyKey: " \u3000" } })).body.errors?.[0]).toMatchObject({
      message: "An idempotency key cannot be white space alone: send one per service you mean, or none.", extensions: { code: "INVALID_INPUT" } });
    // another clinic's same key adds its own service, and is told nothing of this one; a role that may not add is refused
    const theirOwner = new Browser(api);
    await theirOwner.login(b.members.owner.phone, b.members.owner.password);
    const theirs = await theirOwner.graphql(ADD, { s: service });
    expect(theirs.body.errors).toBeUndefined();
    expect(theirs.body.data.createService.service.rowId).not.toBe(first.rowId);
    expect((await theirOwner.graphql(BY_KEY, { c: a.clinicId, k: key })).body.data).toEqual({ serviceByClinicIdAndIdempotencyKey: null });
    expect((await receptionist.graphql(ADD, { s: service })).body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(await keyed(a.clinicId, key)).toEqual([{ id: first.rowId, code: first.code, deleted: false }]);
  });
});

describe("service catalog prices", () => {
  test("priceAt reads the history: nothing before the service existed, then each price from the moment it was set", async () => {
    const service = await createService(a.clinicId, "1000");
    await owner.graphql(`mutation($c: UUID!, $id: UUID!) { updateService(input: { clinicId: $c, rowId: $id, patch: { price: "1500" } }) { service { price } } }`, {
      c: a.clinicId,
      id: service.id,
    });
    // the instants to the microsecond, as the database keeps them (a JavaScript Date has milliseconds only)
    const { rows } = await rootPool().query(
      `select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at from app_public.service_price p,
         lateral (values (p.effective_from - interval '1 microsecond'), (p.effective_from)) v(t)
       where p.service_id = $1 order by t`,
      [service.id],
    );
    const [t0, t1, t2, t3] = rows.map((row) => row.at);
    const r = await owner.graphql(
      `query($id: UUID!, $t0: Datetime!, $t1: Datetime!, $t2: Datetime!, $t3: Datetime!) { services(condition: { rowId: $id }) { nodes {
        before: priceAt(at: $t0) first: priceAt(at: $t1) lastOfFirst: priceAt(at: $t2) second: priceAt(at: $t3) price } } }`,
      { id: service.id, t0, t1, t2, t3 },
    );
    expect(r.body.data.services.nodes[0]).toEqual({ before: null, first: "1000.000", lastOfFirst: "1000.000", second: "1500.000", price: "1500.000" });
  });

  test("a service's prices are listed in the order they took effect, priceAt without a time is today's, and the catalog filters by active and orders by price", async () => {
    const own = await createClinic("Catalog screens");
    const manager = new Browser(api);
    await manager.login(own.members.owner.phone, own.members.owner.password);
    const service = await createService(own.clinicId, "1000");
    const prices = ["1500", "900", "1000", "2000", "1200", "800"];
    for (const price of prices) {
      await manager.graphql(`mutation($c: UUID!, $id: UUID!, $p: BigFloat!) { updateService(input: { clinicId: $c, rowId: $id, patch: { price: $p } }) { service { price } } }`, {
        c: own.clinicId,
        id: service.id,
        p: price,
      });
    }
    const history = await manager.graphql(`query($id: UUID!) { services(condition: { rowId: $id }) { nodes { priceAt prices { nodes { price } } } } }`, { id: service.id });
    // before, in the order of their random keys; and priceAt without at was null
    expect(history.body.data.services.nodes[0]).toEqual({
      priceAt: "800.000",
      prices: { nodes: ["1000", ...prices].map((price) => ({ price: `${price}.000` })) },
    });
    const cheap = await createService(own.clinicId, "50");
    const retired = await createService(own.clinicId, "10");
    await rootPool().query("update app_public.service set is_active = false where id = $1", [retired.id]);
    const offered = await manager.graphql(`{ services(filter: { isActive: { equalTo: true } }, orderBy: PRICE_ASC) { nodes { rowId } } }`);
    expect(offered.body.data.services.nodes).toEqual([{ rowId: cheap.id }, { rowId: service.id }]);
  });

  test("prices set at one instant (several in one transaction, or in one begun before another's committed) are listed in the order they were set, each in force a moment", async () => {
    const service = await createService(a.clinicId, "1000");
    const admin = await openSession(a.members.admin.userId, a.clinicId);
    const setPrice = (client: { query: (text: string, values: unknown[]) => Promise<unknown> }, price: string) =>
      client.query("update app_public.service set price = $2 where id = $1", [service.id, price]);
    const early = await apiPool().connect();
    try {
      await beginAs(early, admin); // its time is taken here, before the others commit
      await early.query("select 1");
      await committedAs(admin, async (client) => {
        for (const price of ["1100", "1200", "1300"]) await setPrice(client, price); // one form saved in one transaction
      });
      await setPrice(early, "1400");
      await early.query("commit");
    } finally {
      await early.query("rollback");
      early.release();
    }
    const listed = await owner.graphql(`query($id: UUID!) { services(condition: { rowId: $id }) { nodes { price prices { nodes { price } } } } }`, { id: service.id });
    // before, the last four began at the same instant, listed in the order of their random keys
    expect(listed.body.data.services.nodes[0]).toEqual({
      price: "1400.000",
      prices: { nodes: ["1000", "1100", "1200", "1300", "1400"].map((price) => ({ price: `${price}.000` })) },
    });
    // each was in force from its start until the next one's: before, 1100, 1200 and 1300 were never (priceAt gave 1400)
    const { rows } = await rootPool().query(
      `select p.price, app_public.service_price_at(s, p.effective_from) as at_its_start,
              p.effective_to = lead(p.effective_from) over (order by p.effective_from) as until_the_next
       from app_public.service_price p join app_public.service s on s.clinic_id = p.clinic_id and s.id = p.service_id
       where p.service_id = $1 order by p.effective_from`,
      [service.id],
    );
    expect(rows).toEqual(
      ["1000", "1100", "1200", "1300", "1400"].map((price, i) => ({ price: `${price}.000`, at_its_start: `${price}.000`, until_the_next: i === 4 ? null : true })),
    );
  });

  // the history had no trigger of its own: an operator's psql as the owner role rewrote a past price, moved its times,
  // deleted it, forged one into the past or truncated every clinic's history, and the audit log recorded none of it
  test("an operator's psql rewrites no price of the history: a price, its times or who set it changed, one deleted or forged, or a truncate, are refused; the service's change still writes it", async () => {
    const service = await createService(a.clinicId, "1000");
    await rootPool().query("update app_public.service set price = 1500 where id = $1", [service.id]);
    const history = async () =>
      (await rootPool().query(
        "select id, price, effective_from, effective_to, changed_by from app_public.service_price where service_id = $1 order by effective_from",
        [service.id],
      )).rows;
    const before = await history();
    const operator = new pg.Client({ connectionString: testConfig.ownerUrl });
    await operator.connect();
    try {
      const past = "where service_id = $1 and effective_to is not null";
      const current = "where service_id = $1 and effective_to is null";
      for (const statement of [
        `update app_public.service_price set price = 1 ${past}`,
        `update app_public.service_price set effective_from = effective_from - interval '1 year' ${past}`,
        `update app_public.service_price set effective_to = effective_to + interval '1 day' ${past}`,
        `update app_public.service_price set changed_by = '${a.members.owner.userId}' ${past}`,
        `update app_public.service_price set price = 1 ${current}`, // the service still at 1500
        `update app_public.service_price set effective_to = now() ${current}`, // the service left with no price
        `delete from app_public.service_price ${past}`,
        `insert into app_public.service_price (clinic_id, service_id, price, effective_from, effective_to)
         select clinic_id, service_id, 1, effective_from - interval '1 year', effective_from from app_public.service_price ${past}`,
      ]) {
        await operator.query("begin");
        const error = await operator.query(statement, [service.id]).then(() => null, (e: Error) => e);
        await operator.query("rollback");
        expect({ statement, error }).toEqual({
          statement,
          error: expect.objectContaining({ code: "CFORB", message: "A service's price history is written by its price changes alone: change the service's price instead." }),
        });
      }
      // every clinic's history at once (its lock once the table is free, then rolled back)
      const truncated = await beginWhenFree(operator, "truncate app_public.service_price").then(() => null, (e: Error) => e);
      await operator.query("rollback");
      expect(truncated).toMatchObject({ code: "CFORB", message: "A service's price history is written by its price changes alone: change the service's price instead." });
      expect(await history()).toEqual(before);
      await operator.query("update app_public.service set price = 1700 where id = $1", [service.id]);
    } finally {
      await operator.end();
    }
    expect((await history()).map(({ price, effective_to }) => [price, effective_to === null])).toEqual([["1000.000", false], ["1500.000", false], ["1700.000", true]]);
  });

  // a line's quantity raised after its service's price changed gave the units added then at the price the service had
  // when the line was first added: 1 test added at 5,000 raised to 3 after the price went to 8,000 was invoiced 3 × 5,000,
  // where the same test added then bills 8,000 (and after a price cut the patient paid the old, higher price for it);
  // the same after a service taken out of the catalog was restored at a new price (000364 refused a raise only while out)
  test("a visit is given more of a service whose price changed since only at today's price: a line of its own, the line at the old price raised no more", async () => {
    const own = await createClinic("Price changed on a visit");
    const doctor = new Browser(api);
    await doctor.login(own.members.doctor.phone, own.members.doctor.password);
    const manager = new Browser(api);
    await manager.login(own.members.owner.phone, own.members.owner.password);
    const ADD = `mutation($v: UUID!, $s: UUID!, $q: Int) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s, quantity: $q } }) { visitService { rowId unitPrice quantity } } }`;
    const CHANGE = `mutation($c: UUID!, $id: UUID!, $p: VisitServicePatch!) { updateVisitService(input: { clinicId: $c, rowId: $id, patch: $p }) { visitService { quantity unitPrice discount lineTotal } } }`;
    const PRICE = `mutation($c: UUID!, $id: UUID!, $p: BigFloat!) { updateService(input: { clinicId: $c, rowId: $id, patch: { price: $p } }) { service { price } } }`;
    for (const [before, after] of [["5000", "8000.00"], ["5000", "3000.00"]]) {
      const service = await createService(own.clinicId, before);
      const visit = await createVisit(own, "in_progress");
      const added = await doctor.graphql(ADD, { v: visit.id, s: service.id, q: 2 });
      const line = added.body.data.createVisitService.visitService;
      expect((await manager.graphql(PRICE, { c: own.clinicId, id: service.id, p: after })).body.errors).toBeUndefined();
      const raised = await doctor.graphql(CHANGE, { c: own.clinicId, id: line.rowId, p: { quantity: 3 } });
      expect(raised.body).toEqual({
        data: { updateVisitService: null },
        errors: [expect.objectContaining({
          message: `That service's price has changed since it was added to this visit (5000.00 then, ${after} now): more of it is added as a line of its own, at today's price (add the service again).`,
          extensions: expect.objectContaining({ code: "INVALID_INPUT" }),
        })],
      });
      // the line keeps what it was given, and is still lowered and discounted; more is a line of its own, at today's price
      expect((await doctor.graphql(CHANGE, { c: own.clinicId, id: line.rowId, p: { quantity: 1, discount: "500" } })).body.data.updateVisitService.visitService).toEqual({
        quantity: 1,
        unitPrice: "5000.000",
        discount: "500.000",
        lineTotal: "4500.000",
      });
      expect((await doctor.graphql(ADD, { v: visit.id, s: service.id, q: 2 })).body.data.createVisitService.visitService).toMatchObject({ unitPrice: `${after}0`, quantity: 2 });
    }
    // a price changed and set back is the line's price again: the line is raised as ever
    const service = await createService(own.clinicId, "700");
    const visit = await createVisit(own, "in_progress");
    const line = (await doctor.graphql(ADD, { v: visit.id, s: service.id, q: 1 })).body.data.createVisitService.visitService;
    for (const price of ["900", "700"]) await manager.graphql(PRICE, { c: own.clinicId, id: service.id, p: price });
    expect((await doctor.graphql(CHANGE, { c: own.clinicId, id: line.rowId, p: { quantity: 4 } })).body.data.updateVisitService.visitService).toMatchObject({
      quantity: 4,
      unitPrice: "700.000",
    });
  });
});

describe("search and duplicate warnings", () => {
  test("finds by name, code and phone, within the clinic only", async () => {
    const mine = await createPatient(a.clinicId, { first_name: "Zawadi", last_name: "Mwakyusa", phone: "+255754000321" });
    await createPatient(b.clinicId, { first_name: "Zawadi", last_name: "Mwakyusa", phone: "+255754000321" });
    for (const query of ["mwaky", "ZAWADI", mine.code, "754000321"]) {
      const r = await receptionist.graphql(`query($q: String!) { searchPatients(query: $q) { nodes { rowId } } }`, { q: query });
      expect({ query, found: r.body.data.searchPatients.nodes.map((n: { rowId: string }) => n.rowId) }).toEqual({ query, found: [mine.id] });
    }
  });

  test("a new patient with the same phone, or same names and birth date, is flagged", async () => {
    const existing = await createPatient(a.clinicId, { first_name: "Baraka", last_name: "Duplicate", phone: "+255765111222", date_of_birth: "1990-04-01" });
    const byPhone = await receptionist.graphql(
      `mutation { createPatient(input: { patient: { firstName: "Other", lastName: "Person", phone: "0765 111 222" } }) { patient { possibleDuplicates { nodes { rowId } } } } }`,
    );
    expect(byPhone.body.data.createPatient.patient.possibleDuplicates.nodes).toEqual([{ rowId: existing.id }]);
    const check = await receptionist.graphql(
      `{ findPatientDuplicates(firstName: "baraka", lastName: "DUPLICATE", dateOfBirth: "1990-04-01") { nodes { rowId } } }`,
    );
    expect(check.body.data.findPatientDuplicates.nodes).toEqual([{ rowId: existing.id }]);
    const none = await receptionist.graphql(`{ findPatientDuplicates(firstName: "Baraka", lastName: "Duplicate", dateOfBirth: "1991-04-01") { nodes { rowId } } }`);
    expect(none.body.data.findPatientDuplicates.nodes).toEqual([]);
  });

  // asked while the phone was typed, a phone not whole yet made the warning INVALID_PHONE, and that hid the names' match
  test("a phone that is not (yet) a number matches no one and leaves the names' match standing; registering still refuses it", async () => {
    const existing = await createPatient(a.clinicId, { first_name: "Halima", last_name: "Halftyped", phone: "+255765444555", date_of_birth: "1985-03-04" });
    const CHECK = `query($p: String!) { findPatientDuplicates(phone: $p, firstName: "Halima", lastName: "Halftyped", dateOfBirth: "1985-03-04") { nodes { rowId } }
      countDeletedPatientDuplicates(phone: $p, firstName: "Halima", lastName: "Halftyped", dateOfBirth: "1985-03-04") }`;
    for (const phone of ["0", "0765 4", "0765 444 55", "+255", "0765 444 5555 5", "0765-abc"]) {
      const { body } = await receptionist.graphql(CHECK, { p: phone });
      expect({ phone, body }).toEqual({ phone, body: { data: { findPatientDuplicates: { nodes: [{ rowId: existing.id }] }, countDeletedPatientDuplicates: 0 } } });
    }
    // nor does such a phone match a patient by itself
    const byPhoneAlone = await receptionist.graphql(`{ findPatientDuplicates(phone: "0765 444 55") { nodes { rowId } } }`);
    expect(byPhoneAlone.body).toEqual({ data: { findPatientDuplicates: { nodes: [] } } });
    const refused = await receptionist.graphql(`mutation { createPatient(input: { patient: { firstName: "Halima", lastName: "Other", phone: "0765 444 55" } }) { patient { rowId } } }`);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("INVALID_PHONE");
    // a patient whose phone was saved under older rules and is none today (000086 counted them for operators): their
    // page's possibleDuplicates was INVALID_PHONE, and now flags the patient of their names and birth date
    const twin = await createPatient(a.clinicId, { first_name: "Halima", last_name: "Halftyped", date_of_birth: "1985-03-04" });
    await writeBehindTriggers("update app_public.patient set phone = '+25576544' where id = $1", [twin.id]);
    const page = await receptionist.graphql(`query($c: UUID!, $id: UUID!) { patient(clinicId: $c, rowId: $id) { possibleDuplicates { nodes { rowId } } } }`, { c: a.clinicId, id: twin.id });
    expect(page.body).toEqual({ data: { patient: { possibleDuplicates: { nodes: [{ rowId: existing.id }] } } } });
  });

  // registering a patient who had been deleted made a second record: the warning passed over deleted ones, even to an owner
  test("a deleted patient who matches is named to those who may restore them, and counted, without details, to the front desk", async () => {
    const deleted = await createPatient(a.clinicId, { first_name: "Rehema", last_name: "Deleted", phone: "+255765222333", date_of_birth: "1988-05-06" });
    expect((await owner.graphql(`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { clientMutationId } }`, { id: deleted.id })).body.errors).toBeUndefined();
    const live = await createPatient(a.clinicId, { first_name: "Other", last_name: "Sharer", phone: "+255765222333" });
    // clinic B's patients of that phone and those names, deleted or not, are neither named nor counted to clinic A
    for (const deletedAt of [null, new Date()]) {
      await createPatient(b.clinicId, { first_name: "Rehema", last_name: "Deleted", phone: "+255765222333", date_of_birth: "1988-05-06", deleted_at: deletedAt });
    }
    const CHECK = `{ findPatientDuplicates(phone: "0765 222 333", firstName: "rehema", lastName: "DELETED", dateOfBirth: "1988-05-06") { nodes { rowId firstName deletedAt } }
      countDeletedPatientDuplicates(phone: "0765 222 333", firstName: "rehema", lastName: "DELETED", dateOfBirth: "1988-05-06") }`;
    expect((await owner.graphql(CHECK)).body.data).toEqual({
      findPatientDuplicates: { nodes: [{ rowId: live.id, firstName: "Other", deletedAt: null }, { rowId: deleted.id, firstName: "Rehema", deletedAt: expect.any(String) }] },
      countDeletedPatientDuplicates: 1,
    });
    expect((await receptionist.graphql(CHECK)).body.data).toEqual({
      findPatientDuplicates: { nodes: [{ rowId: live.id, firstName: "Other", deletedAt: null }] },
      countDeletedPatientDuplicates: 1,
    });
    // a patient sharing the deleted one's phone is flagged against them on their page, to an owner
    const PAGE = `query($c: UUID!, $id: UUID!) { patient(clinicId: $c, rowId: $id) { possibleDuplicates { nodes { rowId deletedAt } } } }`;
    expect((await owner.graphql(PAGE, { c: a.clinicId, id: live.id })).body.data.patient.possibleDuplicates.nodes).toEqual([{ rowId: deleted.id, deletedAt: expect.any(String) }]);
    expect((await receptionist.graphql(PAGE, { c: a.clinicId, id: live.id })).body.data.patient.possibleDuplicates.nodes).toEqual([]);
    // the deleted patient stays out of the lists and the search
    const LISTS = `query($id: UUID!) { patients(condition: { rowId: $id }) { totalCount } searchPatients(query: "Rehema Deleted") { nodes { rowId } } }`;
    expect((await owner.graphql(LISTS, { id: deleted.id })).body.data).toEqual({ patients: { totalCount: 0 }, searchPatients: { nodes: [] } });
    // who does not register patients is not told
    const cashier = new Browser(api);
    await cashier.login(a.members.cashier.phone, a.members.cashier.password);
    expect((await cashier.graphql(`{ countDeletedPatientDuplicates(phone: "0765 222 333") }`)).body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await owner.graphql(`mutation($id: UUID!) { restorePatient(input: { patientId: $id }) { clientMutationId } }`, { id: deleted.id })).body.errors).toBeUndefined();
    expect((await receptionist.graphql(CHECK)).body.data).toEqual({
      findPatientDuplicates: { nodes: [{ rowId: deleted.id, firstName: "Rehema", deletedAt: null }, { rowId: live.id, firstName: "Other", deletedAt: null }] },
      countDeletedPatientDuplicates: 0,
    });
  });

  // children registered with a parent's phone all matched each other, and the warning never said why it listed them:
  // receptionists learned to pass it over and missed the same child registered twice
  test("the warning says what each patient matches by, phone or names and birth date, the stronger first", async () => {
    const amani = await createPatient(a.clinicId, { first_name: "Amani", last_name: "Familia", phone: "+255765777888", date_of_birth: "2015-01-02" });
    const baraka = await createPatient(a.clinicId, { first_name: "Baraka", last_name: "Familia", phone: "+255765777888", date_of_birth: "2017-03-04" });
    const neema = await createPatient(a.clinicId, { first_name: "Neema", last_name: "Familia", phone: "+255765777999", date_of_birth: "2019-05-06" });
    const deleted = await createPatient(a.clinicId, { first_name: "Neema", last_name: "Familia", phone: "+255765777888", date_of_birth: "2019-05-06", deleted_at: new Date() });
    // clinic B's patients of that phone and those names, deleted or not, are never listed
    for (const deletedAt of [null, new Date()]) {
      await createPatient(b.clinicId, { first_name: "Neema", last_name: "Familia", phone: "+255765777888", date_of_birth: "2019-05-06", deleted_at: deletedAt });
    }
    const CHECK = `query($p: String, $f: String, $l: String, $d: Date) { findPatientDuplicates(phone: $p, firstName: $f, lastName: $l, dateOfBirth: $d) {
      nodes { rowId matchedBy(phone: $p, firstName: $f, lastName: $l, dateOfBirth: $d) } } }`;
    const warned = async (who: Browser, v: Record<string, string>) => {
      const { body } = await who.graphql(CHECK, v);
      expect(body.errors).toBeUndefined();
      return body.data.findPatientDuplicates.nodes;
    };
    // Neema registered again under her parent's phone: her siblings by phone, she herself by names and birth date, first
    const neemaAgain = { p: "0765 777 888", f: "neema", l: "FAMILIA", d: "2019-05-06" };
    expect(await warned(receptionist, neemaAgain)).toEqual([
      { rowId: neema.id, matchedBy: ["name_and_birth_date"] },
      { rowId: amani.id, matchedBy: ["phone"] },
      { rowId: baraka.id, matchedBy: ["phone"] },
    ]);
    // an owner is shown the deleted one too, last, and why
    expect(await warned(owner, neemaAgain)).toEqual([
      { rowId: neema.id, matchedBy: ["name_and_birth_date"] },
      { rowId: amani.id, matchedBy: ["phone"] },
      { rowId: baraka.id, matchedBy: ["phone"] },
      { rowId: deleted.id, matchedBy: ["name_and_birth_date", "phone"] },
    ]);
    // Baraka again: by both, ahead of his elder sister, registered before him
    expect(await warned(receptionist, { p: "+255765777888", f: "Baraka", l: "Familia", d: "2017-03-04" })).toEqual([
      { rowId: baraka.id, matchedBy: ["name_and_birth_date", "phone"] },
      { rowId: amani.id, matchedBy: ["phone"] },
    ]);
    // names the other way round, without a phone
    expect(await warned(receptionist, { f: "Familia", l: "Amani", d: "2015-01-02" })).toEqual([{ rowId: amani.id, matchedBy: ["name_and_birth_date"] }]);
    // clients that do not ask why are answered as before
    const plain = await receptionist.graphql(`{ findPatientDuplicates(phone: "0765 777 888") { nodes { rowId } } }`);
    expect(plain.body).toEqual({ data: { findPatientDuplicates: { nodes: [{ rowId: amani.id }, { rowId: baraka.id }] } } });
    // on the new record's possibleDuplicates, asked with what was registered
    const registered = await receptionist.graphql(
      `mutation($p: String, $f: String!, $l: String!, $d: Date) { createPatient(input: { patient: { phone: $p, firstName: $f, lastName: $l, dateOfBirth: $d } }) {
        patient { possibleDuplicates { nodes { rowId matchedBy(phone: $p, firstName: $f, lastName: $l, dateOfBirth: $d) } } } } }`,
      { p: "0765 777 888", f: "Amani", l: "Familia", d: "2015-01-02" },
    );
    expect(registered.body).toEqual({ data: { createPatient: { patient: { possibleDuplicates: { nodes: [
      { rowId: amani.id, matchedBy: ["name_and_birth_date", "phone"] },
      { rowId: baraka.id, matchedBy: ["phone"] },
    ] } } } } });
  });

  // deleted patients stayed in the order they were deleted, whatever they matched by: a sibling deleted first (the phone
  // alone) came above the same person deleted later (names and birth date), the one to restore
  test("the warning lists deleted patients the stronger matches first too, whenever they were deleted", async () => {
    const sibling = await createPatient(a.clinicId, { first_name: "Rehema", last_name: "Ndugu", phone: "+255765888111", date_of_birth: "2012-01-02",
      deleted_at: new Date(Date.now() - 60_000) });
    const same = await createPatient(a.clinicId, { first_name: "Tumaini", last_name: "Ndugu", phone: "+255765888222", date_of_birth: "2014-03-04",
      deleted_at: new Date() });
    const { body } = await owner.graphql(`{ findPatientDuplicates(phone: "0765 888 111", firstName: "Tumaini", lastName: "Ndugu", dateOfBirth: "2014-03-04") {
      nodes { rowId matchedBy(phone: "0765 888 111", firstName: "Tumaini", lastName: "Ndugu", dateOfBirth: "2014-03-04") } } }`);
    expect(body).toEqual({ data: { findPatientDuplicates: { nodes: [
      { rowId: same.id, matchedBy: ["name_and_birth_date"] },
      { rowId: sibling.id, matchedBy: ["phone"] },
    ] } } });
  });

  test("the warning sees past accents, case and white space as typed: José Ramírez is Jose  RAMIREZ born the same day", async () => {
    const existing = await createPatient(a.clinicId, { first_name: "José", last_name: "Ramírez", date_of_birth: "1979-08-09" });
    const find = async (f: string, l: string, d = "1979-08-09") =>
      (await receptionist.graphql(`query($f: String!, $l: String!, $d: Date!) { findPatientDuplicates(firstName: $f, lastName: $l, dateOfBirth: $d) { nodes { rowId } } }`, { f, l, d }))
        .body.data.findPatientDuplicates.nodes;
    // no accents; upper case; white space of any kind around and inside; accents typed as combining marks
    for (const [f, l] of [["Jose", "Ramirez"], ["JOSE", "RAMÍREZ"], ["\u00a0jose ", "Ramirez\t"], ["Jose\u0301", "Rami\u0301rez"]]) {
      expect({ f, l, found: await find(f, l) }).toEqual({ f, l, found: [{ rowId: existing.id }] });
    }
    expect(await find("Josefa", "Ramirez")).toEqual([]);
    expect(await find("Jose", "Ramirez", "1979-08-10")).toEqual([]);
    const registered = await receptionist.graphql(
      `mutation { createPatient(input: { patient: { firstName: "Jose", lastName: "Ramirez", dateOfBirth: "1979-08-09" } }) { patient { possibleDuplicates { nodes { rowId } } } } }`,
    );
    expect(registered.body.data.createPatient.patient.possibleDuplicates.nodes).toEqual([{ rowId: existing.id }]);
  });

  test("the warning sees past the hyphens, apostrophes, dots and spaces of a name as typed: Mary Jane O'Brien is Mary-Jane OBrien, Abdulrahman is Abdul-Rahman", async () => {
    const maryJane = await createPatient(a.clinicId, { first_name: "Mary-Jane", last_name: "O’Brien", date_of_birth: "1981-02-03" });
    const abdul = await createPatient(a.clinicId, { first_name: "Abdul-Rahman", last_name: "Al Hassan", date_of_birth: "1981-02-03" });
    const find = async (f: string, l: string) =>
      (await receptionist.graphql(`query($f: String!, $l: String!) { findPatientDuplicates(firstName: $f, lastName: $l, dateOfBirth: "1981-02-03") { nodes { rowId } } }`, { f, l }))
        .body.data.findPatientDuplicates.nodes;
    // before, each of these registered a second record without a warning
    for (const [f, l, existing] of [
      ["Mary Jane", "O'Brien", maryJane], ["MaryJane", "OBrien", maryJane], ["Mary–Jane", "O Brien", maryJane], ["Mary-Jane", "O.Brien", maryJane],
      ["Abdulrahman", "Al-Hassan", abdul], ["Abdul Rahman", "Alhassan", abdul], ["Abdul Rahman", "AL-HASSAN", abdul],
    ] as const) {
      expect({ f, l, found: await find(f, l) }).toEqual({ f, l, found: [{ rowId: existing.id }] });
    }
    // other names stay other names
    expect(await find("Mary", "O'Brien")).toEqual([]);
    expect(await find("Mary-Jane", "Brien")).toEqual([]);
    expect(await find("Abdul", "Al Hassan")).toEqual([]);
  });

  test("the warning flags names entered the other way round, the surname as the first name, born the same day", async () => {
    const existing = await createPatient(a.clinicId, { first_name: "Neema", last_name: "Kilewo", date_of_birth: "1992-07-08" });
    const find = async (f: string, l: string, d = "1992-07-08") =>
      (await receptionist.graphql(`query($f: String!, $l: String!, $d: Date!) { findPatientDuplicates(firstName: $f, lastName: $l, dateOfBirth: $d) { nodes { rowId } } }`, { f, l, d }))
        .body.data.findPatientDuplicates.nodes;
    // before, not flagged: the front desk, who had typed the surname first, registered her a second time
    expect(await find("Kilewo", "Neema")).toEqual([{ rowId: existing.id }]);
    expect(await find("KILEWO", "néema")).toEqual([{ rowId: existing.id }]);
    expect(await find("Neema", "Kilewo")).toEqual([{ rowId: existing.id }]);
    expect(await find("Kilewo", "Neema", "1992-07-09")).toEqual([]);
    expect(await find("Kilewo", "Kilewo")).toEqual([]);
    // one who is both ways round is listed once
    const twice = await createPatient(a.clinicId, { first_name: "Salma", last_name: "Salma", date_of_birth: "1992-07-08" });
    expect(await find("Salma", "Salma")).toEqual([{ rowId: twice.id }]);
  });

  test("names are kept as meant, and the warning sees through how they were typed: white space of any kind, the Unicode form", async () => {
    const REGISTER = `mutation($f: String!, $l: String!) { createPatient(input: { patient: { firstName: $f, lastName: $l, dateOfBirth: "1990-05-06" } }) {
      patient { rowId firstName lastName possibleDuplicates { nodes { rowId } } } } }`;
    const first = (await receptionist.graphql(REGISTER, { f: "\u00a0Mary \t\n Anne\u200b", l: "Zoe\u0308 Meant" })).body.data.createPatient.patient;
    expect([first.firstName, first.lastName]).toEqual(["Mary Anne", "Zoë Meant"]);
    expect(first.lastName).toBe("Zo\u00eb Meant"); // one code point for ë, as most keyboards type it
    const second = (await receptionist.graphql(REGISTER, { f: "Mary  Anne", l: "Zo\u00eb Meant" })).body.data.createPatient.patient;
    expect(second.possibleDuplicates.nodes).toEqual([{ rowId: first.rowId }]);
    // a name of nothing but white space or invisible characters is a missing name
    const blank = await receptionist.graphql(REGISTER, { f: "\u00a0\u00a0", l: "\u200b" });
    expect(blank.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" } });
    // direction marks pasted around a right-to-left name, and zero-width spaces among spaces; ZWNJ inside kept
    const rtl = (await receptionist.graphql(REGISTER, { f: "Mary\u00a0\u200b\u00a0Anne", l: "\u200f\u0639\u0644\u06cc\u200c\u0627\u06a9\u0628\u0631\u200f" })).body.data.createPatient.patient;
    expect([rtl.firstName, rtl.lastName]).toEqual(["Mary Anne", "\u0639\u0644\u06cc\u200c\u0627\u06a9\u0628\u0631"]);
    expect((await receptionist.graphql(REGISTER, { f: "Rtl", l: "\u200f\u202b" })).body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" } });
    // an override left open would reverse what an export prints after the name; a word joiner joins; what scripts need stays
    const kept = async (f: string, l: string) => {
      const p = (await receptionist.graphql(REGISTER, { f, l })).body.data.createPatient.patient;
      return [p.firstName, p.lastName];
    };
    expect(await kept("Ali \u202eReza\u202c", "Jean\u2060Luc")).toEqual(["Ali Reza", "JeanLuc"]);
    // a Malayalam name ending in virama and ZWJ (its chillu letter); a Khmer name's zero-width space between its words
    expect(await kept("\u0d2e\u0d4b\u0d39\u0d28\u0d4d\u200d", "\u179f\u17bb\u1781\u200b\u1785\u17b6\u1793\u17cb"))
      .toEqual(["\u0d2e\u0d4b\u0d39\u0d28\u0d4d\u200d", "\u179f\u17bb\u1781\u200b\u1785\u17b6\u1793\u17cb"]);
    // control characters out (a bell, an escape that coloured a terminal reading the CSV, DEL, a C1), and the warning sees through them
    const controlled = (await receptionist.graphql(REGISTER, { f: "Mary\u0007 Anne\u001b[31m", l: "Zo\u00eb\u007f Meant\u0085" })).body.data.createPatient.patient;
    expect([controlled.firstName, controlled.lastName, controlled.possibleDuplicates.nodes]).toEqual(["Mary Anne[31m", "Zo\u00eb Meant", []]);
    // a next-line control (NEL) is a line break, so a space, not nothing
    expect(await kept("Amina\u0085Juma", "Nel")).toEqual(["Amina Juma", "Nel"]);
    const belled = (await receptionist.graphql(REGISTER, { f: "Mary Anne\u0007", l: "Zo\u00eb Meant\u0008" })).body.data.createPatient.patient;
    expect(belled.possibleDuplicates.nodes).toEqual(expect.arrayContaining([{ rowId: first.rowId }]));
    // letters that show nothing (Hangul fillers, the blank Braille pattern) are no name
    for (const invisible of ["\u3164", "\u115f\u1160", "\u2800", "\u0001\u0007"]) {
      expect((await receptionist.graphql(REGISTER, { f: invisible, l: invisible })).body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" } });
    }
  });

  test("a name in capitals is found and flagged as typed, in every script: ΟΔΥΣΣΕΥΣ ends in Σ", async () => {
    const existing = await createPatient(a.clinicId, { first_name: "ΑΝΔΡΕΑΣ", last_name: "ΠΑΠΑΔΟΠΟΥΛΟΣ", date_of_birth: "1971-03-25" });
    const found = await receptionist.graphql(`{ searchPatients(query: "ΠΑΠΑΔΟΠΟΥΛΟΣ") { nodes { rowId } } }`);
    expect(found.body.data.searchPatients.nodes).toEqual([{ rowId: existing.id }]);
    const flagged = await receptionist.graphql(`{ findPatientDuplicates(firstName: "ΑΝΔΡΕΑΣ", lastName: "ΠΑΠΑΔΟΠΟΥΛΟΣ", dateOfBirth: "1971-03-25") { nodes { rowId } } }`);
    expect(flagged.body.data.findPatientDuplicates.nodes).toEqual([{ rowId: existing.id }]);
    // the list's filters lowercase both sides alike: a name typed as saved is found, İnce by "ince"
    const turkish = await createPatient(a.clinicId, { first_name: "Ayşe", last_name: `İnce ${existing.code}` });
    const filtered = await receptionist.graphql(`query($t: String!) {
      greek: patients(filter: { lastName: { equalToInsensitive: "ΠΑΠΑΔΟΠΟΥΛΟΣ" } }) { nodes { rowId } }
      turkish: patients(filter: { lastName: { includesInsensitive: $t } }) { nodes { rowId } } }`, { t: `ince ${existing.code}` });
    expect(filtered.body.data).toEqual({ greek: { nodes: [{ rowId: existing.id }] }, turkish: { nodes: [{ rowId: turkish.id }] } });
  });

  // a Greek word ends in ς in small letters and in Σ in capitals, which lowercases to σ: Νίκος Οικονόμου registered from a
  // referral letter was not found by ΝΙΚΟΣ as typed from an identity card (in capitals), nor flagged when registered so
  test("a Greek name is found and flagged in capitals and in small letters alike: ς, Σ and σ are one letter", async () => {
    const REGISTER = `mutation($f: String!, $l: String!) { createPatient(input: { patient: { firstName: $f, lastName: $l, dateOfBirth: "1968-10-28" } }) {
      patient { rowId possibleDuplicates { nodes { rowId } } } } }`;
    const SEARCH = `query($q: String!) { searchPatients(query: $q) { nodes { rowId } } }`;
    const small = (await receptionist.graphql(REGISTER, { f: "Νίκος", l: "Οικονόμου Κουρής" })).body.data.createPatient.patient;
    expect(small.possibleDuplicates.nodes).toEqual([]);
    for (const q of ["ΝΙΚΟΣ", "ΚΟΥΡΗΣ ΝΙΚΟΣ", "νικοσ", "Νίκος Κουρής"]) {
      expect({ q, found: (await receptionist.graphql(SEARCH, { q })).body.data.searchPatients.nodes }).toEqual({ q, found: [{ rowId: small.rowId }] });
    }
    const capitals = (await receptionist.graphql(REGISTER, { f: "ΝΙΚΟΣ", l: "ΟΙΚΟΝΟΜΟΥ ΚΟΥΡΗΣ" })).body.data.createPatient.patient;
    expect(capitals.possibleDuplicates.nodes).toEqual([{ rowId: small.rowId }]);
    const both = (await receptionist.graphql(SEARCH, { q: "Κουρής" })).body.data.searchPatients.nodes.map((n: { rowId: string }) => n.rowId);
    expect(both.sort()).toEqual([small.rowId, capitals.rowId].sort());
    // a word with σ inside is still not the word with ς at its end run on
    const check = await receptionist.graphql(`{ findPatientDuplicates(firstName: "Νίκοσα", lastName: "Οικονόμου Κουρής", dateOfBirth: "1968-10-28") { nodes { rowId } } }`);
    expect(check.body.data.findPatientDuplicates.nodes).toEqual([]);
  });

  // a Nepali or Hindi keyboard types ०-९ for digits, a Bengali one ০-৯: phones and codes were read in Arabic-Indic, Persian and
  // full-width digits alone, so such a phone was INVALID_PHONE ("use digits"), at registration and at login, and a search
  // for a phone or a code typed so found no one
  test("a phone or a code typed in the digits of an Indic script is read as one typed in ASCII digits: registered, logged in with, searched", async () => {
    const indic = (text: string, zero: number) => text.replace(/[0-9]/g, (d) => String.fromCodePoint(zero + Number(d)));
    const own = await createClinic(`Indic digits ${crypto.randomUUID().slice(0, 8)}`);
    const desk = new Browser(api);
    await desk.login(indic(own.members.receptionist.phone, 0x0966), own.members.receptionist.password); // Devanagari
    const r = await desk.graphql(`mutation($phone: String!) { createPatient(input: { patient: { firstName: "Sushila", lastName: "Shrestha", phone: $phone } }) { patient { rowId code phone } } }`,
      { phone: indic("0713 456 789", 0x09e6) }); // Bengali
    expect(r.body.data?.createPatient.patient).toMatchObject({ code: "PAT-000001", phone: "+255713456789" });
    const id = r.body.data.createPatient.patient.rowId;
    for (const [q, zero] of [["0713 456", 0x0966], ["+255 713 456 789", 0x09e6], ["PAT-1", 0x0966], ["pat 000001", 0x09e6], ["01", 0x0e50], ["713456", 0x0ae6]] as const) {
      const found = (await desk.graphql(`query($q: String!) { searchPatients(query: $q) { nodes { rowId } } }`, { q: indic(q, zero) })).body.data.searchPatients.nodes;
      expect({ q: indic(q, zero), found }).toEqual({ q: indic(q, zero), found: [{ rowId: id }] });
    }
  });

  // the backslash is LIKE's escape: includes "M\\wangi" matched Mwangi, startsWith "\\" missed a name starting with one, and
  // a text ending in one was an invalid pattern, an internal fault
  test("the list's text filters find a backslash as written; a like pattern ending in one is INVALID_INPUT", async () => {
    const tag = `${Math.random()}`.slice(2);
    const slashed = await createPatient(a.clinicId, { first_name: "Back", last_name: `\\${tag}\\` });
    const plain = await createPatient(a.clinicId, { first_name: "Back", last_name: `Mwangi ${tag}` });
    const found = await receptionist.graphql(`query($starts: String!, $ends: String!, $escaped: String!) {
      starts: patients(filter: { lastName: { startsWith: $starts } }) { nodes { rowId } }
      ends: patients(filter: { lastName: { endsWithInsensitive: $ends } }) { nodes { rowId } }
      escaped: patients(filter: { lastName: { includes: $escaped } }) { nodes { rowId } }
      notEscaped: patients(filter: { lastName: { notIncludes: $escaped }, firstName: { equalTo: "Back" } }) { nodes { rowId } } }`,
      { starts: `\\${tag}`, ends: `${tag}\\`, escaped: `M\\wangi ${tag}` });
    expect(found.body).toEqual({
      data: {
        starts: { nodes: [{ rowId: slashed.id }] },
        ends: { nodes: [{ rowId: slashed.id }] },
        escaped: { nodes: [] },
        notEscaped: { nodes: expect.arrayContaining([{ rowId: slashed.id }, { rowId: plain.id }]) },
      },
    });
    // refused before it runs, whatever the rows: PostgreSQL refused it only when a match reached its end ("abc\\" matched nothing, no error)
    for (const [operator, p] of [["like", `%${tag}\\`], ["like", "abc\\"], ["notLike", "\\"], ["likeInsensitive", "Mu%\\\\\\"], ["notLikeInsensitive", `zz${tag}\\`]]) {
      const pattern = await receptionist.graphql(`query($p: String!) { patients(filter: { lastName: { ${operator}: $p } }) { totalCount } }`, { p });
      expect({ operator, p, error: pattern.body.errors?.[0] }).toEqual({ operator, p, error: expect.objectContaining({
        extensions: { code: "INVALID_INPUT" },
        message: "A like pattern cannot end with a backslash: a backslash makes the character after it literal (\\\\ for a backslash).",
      }) });
    }
    // an escaped backslash at the end is a backslash
    const escapedEnd = await receptionist.graphql(`query($p: String!) { patients(filter: { lastName: { like: $p } }) { nodes { rowId } } }`, { p: `%${tag}\\\\` });
    expect(escapedEnd.body).toEqual({ data: { patients: { nodes: [{ rowId: slashed.id }] } } });
  });

  // a user's phone is of the domain e164_phone, and the filter cast its value to the column's type: a part of a phone
  // (includes, startsWith, endsWith, like) was refused "A phone number is +, the country code …" however it was typed,
  // and a phone typed as people type it too, in a filter or a condition, where a patient's phone (text) finds no one
  test("a member's phone is filtered by a part of it as a patient's is, and a phone not as stored finds no one", async () => {
    const doctor = a.members.doctor;
    const found = await owner.graphql(`query($starts: E164Phone!, $part: E164Phone!, $ends: E164Phone!, $like: E164Phone!, $typed: E164Phone!) {
      starts: memberships(filter: { user: { phone: { startsWith: $starts } } }) { nodes { userId } }
      part: users(filter: { phone: { includes: $part } }) { nodes { rowId } }
      ends: users(filter: { phone: { endsWithInsensitive: $ends } }) { nodes { rowId } }
      like: users(filter: { phone: { like: $like } }) { nodes { rowId } }
      typed: users(filter: { phone: { equalTo: $typed } }) { nodes { rowId } }
      notTyped: users(filter: { phone: { notEqualTo: $typed }, rowId: { equalTo: "${doctor.userId}" } }) { nodes { rowId } }
      condition: users(condition: { phone: $typed }) { nodes { rowId } } }`,
      { starts: doctor.phone.slice(0, -2), part: doctor.phone.slice(4, -1), ends: doctor.phone.slice(-5), like: `%${doctor.phone.slice(-4)}`, typed: `0${doctor.phone.slice(4)}` });
    expect(found.body).toEqual({
      data: {
        starts: { nodes: expect.arrayContaining([{ userId: doctor.userId }]) },
        part: { nodes: expect.arrayContaining([{ rowId: doctor.userId }]) },
        ends: { nodes: expect.arrayContaining([{ rowId: doctor.userId }]) },
        like: { nodes: expect.arrayContaining([{ rowId: doctor.userId }]) },
        typed: { nodes: [] },
        notTyped: { nodes: [{ rowId: doctor.userId }] },
        condition: { nodes: [] },
      },
    });
    const stored = await owner.graphql(`query($p: E164Phone!) { users(condition: { phone: $p }) { nodes { rowId } } }`, { p: doctor.phone });
    expect(stored.body).toEqual({ data: { users: { nodes: [{ rowId: doctor.userId }] } } });
    // the key's lookup still says what a phone is: it names one user, as stored
    const byPhone = await owner.graphql(`query($p: E164Phone!) { userByPhone(phone: $p) { rowId } }`, { p: `0${doctor.phone.slice(4)}` });
    expect(byPhone.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT", constraint: "e164_phone_check" } });
  });

  test("an edited patient who now matches another is flagged, and never matches themself", async () => {
    const existing = await createPatient(a.clinicId, { first_name: "Rehema", last_name: "Edited", date_of_birth: "1985-02-03" });
    const other = await createPatient(a.clinicId, { first_name: "Rehema", last_name: "Edited", date_of_birth: "1986-02-03" });
    const edit = (dateOfBirth: string) =>
      receptionist.graphql(
        `mutation($c: UUID!, $id: UUID!, $d: Date!) { updatePatient(input: { clinicId: $c, rowId: $id, patch: { dateOfBirth: $d } }) { patient { possibleDuplicates { nodes { rowId } } } } }`,
        { c: a.clinicId, id: other.id, d: dateOfBirth },
      );
    expect((await edit("1987-02-03")).body.data.updatePatient.patient.possibleDuplicates.nodes).toEqual([]);
    expect((await edit("1985-02-03")).body.data.updatePatient.patient.possibleDuplicates.nodes).toEqual([{ rowId: existing.id }]);
  });
});

describe("names sort as people read them, whatever the database's collation", () => {
  // in byte order (a C or C.UTF-8 database) lower case, then accented letters, came after Z
  const READING_ORDER = ["abbott", "Avila", "Ávila", "de la Cruz", "Émile", "Zoe", "Zoë", "Zulu"];
  const shuffled = [...READING_ORDER].reverse();
  let clinic: TestClinic;
  let frontDesk: Browser;
  beforeAll(async () => {
    clinic = await createClinic("Sorting");
    frontDesk = new Browser(api);
    await frontDesk.login(clinic.members.receptionist.phone, clinic.members.receptionist.password);
  });

  test("patients, listed by name and found by a search", async () => {
    for (const lastName of shuffled) await createPatient(clinic.clinicId, { first_name: "Sortina", last_name: lastName });
    const listed = await frontDesk.graphql(`{ patients(orderBy: LAST_NAME_ASC) { nodes { lastName } } }`);
    expect(listed.body.data.patients.nodes.map((p: { lastName: string }) => p.lastName)).toEqual(READING_ORDER);
    // a page at a time, each after the last one's cursor, in the same order; and backwards
    expect(await pageThrough(frontDesk, "patients", "LAST_NAME_ASC", "lastName", 3, 3)).toEqual(READING_ORDER);
    const backwards = await frontDesk.graphql(`{ patients(orderBy: LAST_NAME_DESC) { nodes { lastName } } }`);
    expect(backwards.body.data.patients.nodes.map((p: { lastName: string }) => p.lastName)).toEqual([...READING_ORDER].reverse());
    const found = await frontDesk.graphql(`{ searchPatients(query: "sortina") { nodes { lastName } } }`);
    expect(found.body.data.searchPatients.nodes.map((p: { lastName: string }) => p.lastName)).toEqual(READING_ORDER);
  });

  test("services, by name and by category", async () => {
    for (const name of shuffled) await createService(clinic.clinicId, "100.000", name);
    await rootPool().query("update app_public.service set category = name where clinic_id = $1", [clinic.clinicId]);
    const listed = await frontDesk.graphql(`{ byName: services(orderBy: NAME_ASC) { nodes { name } } byCategory: services(orderBy: CATEGORY_DESC) { nodes { category } } }`);
    expect(listed.body.data.byName.nodes.map((s: { name: string }) => s.name)).toEqual(READING_ORDER);
    expect(listed.body.data.byCategory.nodes.map((s: { category: string }) => s.category)).toEqual([...READING_ORDER].reverse());
    // services without a category, page after page, either way: a cursor's null category once left them out
    await createService(clinic.clinicId, "100.000", "Uncategorised one");
    await createService(clinic.clinicId, "100.000", "Uncategorised two");
    await rootPool().query("update app_public.service set category = null where clinic_id = $1 and name like 'Uncategorised%'", [clinic.clinicId]);
    for (const order of ["CATEGORY_ASC", "CATEGORY_DESC"]) {
      const all = (await frontDesk.graphql(`{ services(orderBy: [${order}, NAME_ASC]) { nodes { name } } }`)).body.data.services.nodes.map((n: { name: string }) => n.name);
      const paged = await pageThrough(frontDesk, "services", `[${order}, NAME_ASC]`, "name", 2, 5);
      expect({ order, paged }).toEqual({ order, paged: all });
      expect(all).toHaveLength(READING_ORDER.length + 2);
    }
  });

  test("a list ordered by a column some rows have no value in pages through them all, either way (patients by phone)", async () => {
    const phoned = await createClinic("Phones and none");
    for (const [name, phone] of [["a", "+255700000101"], ["b", null], ["c", "+255700000102"], ["d", null], ["e", "+255700000103"]] as const) {
      await createPatient(phoned.clinicId, { first_name: "Paged", last_name: name, phone });
    }
    const desk = new Browser(api);
    await desk.login(phoned.members.receptionist.phone, phoned.members.receptionist.password);
    for (const [order, expected] of [["PHONE_ASC", "a c e b d"], ["PHONE_DESC", "b d e c a"]]) {
      const paged = await pageThrough(desk, "patients", `[${order}, LAST_NAME_ASC]`, "lastName", 2, 3);
      // before, the page after the last phone (ascending) or after a patient without one (descending) was empty
      expect({ order, paged: paged.join(" ") }).toEqual({ order, paged: expected });
    }
  });

  test("a list ordered by a column that only leads a unique key pages through it all (patients by clinic: the cursor held the clinic alone)", async () => {
    const many = await createClinic("Ordered by clinic");
    for (const name of ["a", "b", "c", "d", "e"]) await createPatient(many.clinicId, { first_name: "Paged", last_name: name });
    const desk = new Browser(api);
    await desk.login(many.members.receptionist.phone, many.members.receptionist.password);
    for (const order of ["CLINIC_ID_ASC", "CLINIC_ID_DESC"]) {
      const all = (await desk.graphql(`{ patients(orderBy: ${order}) { nodes { lastName } } }`)).body.data.patients.nodes.map((n: { lastName: string }) => n.lastName);
      expect({ order, paged: await pageThrough(desk, "patients", order, "lastName", 2, 3) }).toEqual({ order, paged: all });
      expect(all).toHaveLength(5);
    }
  });

  test("staff, by name: the dashboard's doctors of an equal number of visits", async () => {
    const patient = await createPatient(clinic.clinicId);
    for (const fullName of shuffled) {
      const doctor = await addMember(clinic.clinicId, await createUser(), "doctor");
      await rootPool().query(`update app_public."user" set full_name = $2 where id = $1`, [doctor.userId, fullName]);
      await rootPool().query("insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now())", [clinic.clinicId, patient.id, doctor.membershipId]);
    }
    const manager = new Browser(api);
    await manager.login(clinic.members.owner.phone, clinic.members.owner.password);
    const { rows } = await rootPool().query("select (now() at time zone timezone)::date::text as today from app_public.clinic where id = $1", [clinic.clinicId]);
    const dashboard = await manager.graphql(`query($d: Date!) { dashboard(fromDate: $d, toDate: $d) { visitsByDoctor } }`, { d: rows[0].today });
    expect(dashboard.body.data.dashboard.visitsByDoctor.map((d: { name: string }) => d.name)).toEqual(READING_ORDER);
  });
});

describe("codes sort in number order, past 999999 too", () => {
  test("patients, services, visits, invoices, payments, refunds and money movements by code, page after page, either way; an earlier prefix's codes kept together", async () => {
    const clinic = await createClinic("Codes past a million");
    const KINDS = { PAT: ["patients", "PT"], SRV: ["services", "SV"], VIS: ["visits", "VS"], INV: ["invoices", "IV"], PAY: ["payments", "PY"], REF: ["refunds", "RF"] } as const;
    await rootPool().query("insert into app_private.code_counter (clinic_id, prefix, last_value) select $1, unnest($2::text[]), 999997", [clinic.clinicId, Object.keys(KINDS)]);
    const cashier = await cashierSession(clinic);
    const paidInvoice = async () => {
      const invoice = await createIssuedInvoice(clinic, "1000");
      await committedAs(cashier, async (c) => {
        const payment = (await c.query("select id from app_public.record_payment($1, 1000, 'cash')", [invoice.id])).rows[0];
        await c.query("select app_public.refund_payment($1, 100, 'Change given')", [payment.id]);
      });
    };
    for (let i = 0; i < 4; i++) await paidInvoice();
    // the clinic's prefixes renamed: the codes made before keep theirs, the numbers go on
    await rootPool().query("update app_public.clinic set code_prefixes = $2 where id = $1", [clinic.clinicId, JSON.stringify(Object.fromEntries(Object.entries(KINDS).map(([kind, [, renamed]]) => [kind, renamed])))]);
    await paidInvoice();
    const manager = new Browser(api);
    await manager.login(clinic.members.owner.phone, clinic.members.owner.password);
    // in text order PAT-1000000 came before PAT-999999
    const inOrder = (kind: string, renamed: string) => [`${kind}-999998`, `${kind}-999999`, `${kind}-1000000`, `${kind}-1000001`, `${renamed}-1000002`];
    const lists = [...Object.entries(KINDS).map(([kind, [list, renamed]]) => [list, inOrder(kind, renamed)] as const), ["moneyMovements", [...inOrder("PAY", "PY"), ...inOrder("REF", "RF")]] as const];
    for (const [list, ascending] of lists) {
      for (const [order, expected] of [["CODE_ASC", ascending], ["CODE_DESC", [...ascending].reverse()]] as const) {
        const listed = (await manager.graphql(`{ ${list}(orderBy: ${order}) { nodes { code } } }`)).body.data[list].nodes.map((n: { code: string }) => n.code);
        expect({ list, order, listed }).toEqual({ list, order, listed: expected });
        expect({ list, order, paged: await pageThrough(manager, list, order, "code", 2, Math.ceil(ascending.length / 2)) }).toEqual({ list, order, paged: expected });
      }
    }
  });
});

describe("aggregates and filters", () => {
  let clinic: TestClinic;
  let manager: Browser;
  beforeAll(async () => {
    clinic = await createClinic("Aggregates clinic");
    manager = new Browser(api);
    await manager.login(clinic.members.owner.phone, clinic.members.owner.password);
    for (const status of ["scheduled", "scheduled", "checked_in", "completed", "cancelled"]) await createVisit(clinic, status);
  });

  test("a filter value left null or empty (a cleared dropdown) filters nothing, as if left out, instead of failing", async () => {
    const all = (await manager.graphql("{ visits { totalCount } patients { totalCount } }")).body.data;
    expect(all.visits.totalCount).toBe(5);
    for (const [filter, variables] of [
      ["{ doctorId: { equalTo: $d } }", {}], ["{ doctorId: { equalTo: $d } }", { d: null }], ["{}", {}], ["{ status: null }", {}],
      ["{ status: { in: null } }", {}], ["{ scheduledAt: {} }", {}], ["{ patient: {} }", {}], ["{ and: [{ status: null }, {}] }", {}],
    ] as const) {
      const r = await manager.graphql(`query${filter.includes("$d") ? "($d: UUID)" : ""} { visits(filter: ${filter}) { totalCount } }`, variables);
      expect({ filter, variables, body: r.body }).toEqual({ filter, variables, body: { data: { visits: { totalCount: 5 } } } });
    }
    const patients = await manager.graphql(`{ patients(filter: {}) { totalCount } searchPatients(query: "zz", filter: { lastName: null }) { totalCount } }`);
    expect(patients.body.errors).toBeUndefined();
    expect(patients.body.data.patients.totalCount).toBe(all.patients.totalCount);
    // a value given still filters
    const scheduled = await manager.graphql(`{ visits(filter: { status: { equalTo: scheduled }, doctorId: { equalTo: null } }) { totalCount } }`);
    expect(scheduled.body).toEqual({ data: { visits: { totalCount: 2 } } });
  });

  test("visits per status and per doctor", async () => {
    const r = await manager.graphql(`{
      visits { byStatus: groupedAggregates(groupBy: [STATUS]) { keys distinctCount { rowId } }
               byDoctor: groupedAggregates(groupBy: [DOCTOR_ID]) { keys distinctCount { rowId } } } }`);
    const byStatus = Object.fromEntries(
      r.body.data.visits.byStatus.map((g: { keys: string[]; distinctCount: { rowId: string } }) => [g.keys[0], Number(g.distinctCount.rowId)]),
    );
    expect(byStatus).toEqual({ scheduled: 2, checked_in: 1, completed: 1, cancelled: 1 });
    expect(r.body.data.visits.byDoctor).toEqual([{ keys: [clinic.members.doctor.membershipId], distinctCount: { rowId: "5" } }]);
  });

  test("a clinic that changes its time zone is seen in the new one at once, by the sessions already open", async () => {
    const firstDay = async () =>
      (await manager.graphql(`{ visits { groupedAggregates(groupBy: [SCHEDULED_AT_TRUNCATED_TO_DAY]) { keys } } }`)).body.data.visits.groupedAggregates[0].keys[0];
    const setZone = (timezone: string) =>
      manager.graphql(`mutation($id: UUID!, $tz: String!) { updateClinic(input: { rowId: $id, patch: { timezone: $tz } }) { clinic { timezone } } }`, {
        id: clinic.clinicId,
        tz: timezone,
      });
    expect(await firstDay()).toMatch(/\+03:00$/);
    expect((await setZone("Asia/Tokyo")).body.data.updateClinic.clinic.timezone).toBe("Asia/Tokyo");
    try {
      expect(await firstDay()).toMatch(/\+09:00$/);
    } finally {
      await setZone("Africa/Dar_es_Salaam");
    }
  });

  test("a booking sent while the clinic's time zone is being changed waits for the change, and its time is read on the new clock", async () => {
    const moving = await createClinic("Moving clinic");
    const desk = new Browser(api);
    await desk.login(moving.members.receptionist.phone, moving.members.receptionist.password);
    const patient = await createPatient(moving.clinicId);
    // the owner's change of zone in a transaction begun as the API begins one (Dar es Salaam, UTC+3, to Kathmandu,
    // UTC+5:45), not yet committed: it holds the clinic's turn to write
    const changer = await apiPool().connect();
    try {
      const changerPid = await trackBackend(changer);
      const session = await openSession(moving.members.owner.userId, moving.clinicId);
      await beginWithSettings(changer, { role: testConfig.roles.visitor, "jwt.claims.session_id": session, "jwt.claims.clinic_id": moving.clinicId });
      await changer.query("update app_public.clinic set timezone = 'Asia/Kathmandu' where id = $1", [moving.clinicId]);
      // 09:00 typed on the clinic's clock, sent while the change is under way
      const booking = desk.graphql(
        `mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2030-01-07T09:00" } }) { visit { scheduledAt } } }`,
        { p: patient.id, d: moving.members.doctor.membershipId },
      );
      // the booking waits for the clinic's turn to write, which the change holds
      const waiting = await until(async () =>
        (await rootPool().query("select count(*)::int as n from pg_stat_activity a where $1::int = any (pg_blocking_pids(a.pid)) and a.query ~ 'take_clinic_write_turn'", [changerPid])).rows[0].n > 0,
      );
      expect(waiting).toBe(true);
      await changer.query("commit");
      // 09:00 in Kathmandu, where the clinic is once the booking's turn comes (it was 09:00 in Dar es Salaam: 11:45 there)
      expect((await booking).body).toEqual({ data: { createVisit: { visit: { scheduledAt: "2030-01-07T09:00:00.000000+05:45" } } } });
      const { rows } = await rootPool().query(
        "select to_char(scheduled_at at time zone 'Asia/Kathmandu', 'YYYY-MM-DD HH24:MI') as local from app_public.visit where patient_id = $1",
        [patient.id],
      );
      expect(rows).toEqual([{ local: "2030-01-07 09:00" }]);
    } finally {
      await changer.query("rollback");
      changer.release();
    }
  });

  test("the booking screen lists the clinic's active doctors: memberships filtered by clinic, role and isActive", async () => {
    const second = await addMember(clinic.clinicId, await createUser(), "doctor");
    const suspended = await addMember(clinic.clinicId, await createUser(), "doctor");
    await rootPool().query("update app_public.membership set is_active = false where id = $1", [suspended.membershipId]);
    const desk = new Browser(api);
    await desk.login(clinic.members.receptionist.phone, clinic.members.receptionist.password);
    const r = await desk.graphql(
      `query($c: UUID!) { memberships(condition: { clinicId: $c, role: doctor, isActive: true }, orderBy: [ROLE_ASC]) { nodes { rowId } }
         filtered: memberships(filter: { clinicId: { equalTo: $c }, role: { in: [doctor] }, isActive: { equalTo: true } }) { nodes { rowId } } }`,
      { c: clinic.clinicId },
    );
    expect(r.body.errors).toBeUndefined();
    const expected = [clinic.members.doctor.membershipId, second.membershipId].sort();
    expect(r.body.data.memberships.nodes.map((n: { rowId: string }) => n.rowId).sort()).toEqual(expected);
    expect(r.body.data.filtered.nodes.map((n: { rowId: string }) => n.rowId).sort()).toEqual(expected);
  });

  test("patients registered per day", async () => {
    const r = await manager.graphql(`{ patients { groupedAggregates(groupBy: [CREATED_AT_TRUNCATED_TO_DAY]) { keys distinctCount { rowId } } } }`);
    expect(r.body.data.patients.groupedAggregates.map((g: { distinctCount: { rowId: string } }) => Number(g.distinctCount.rowId))).toEqual([5]);
  });
});

describe("aggregates and filters over several days, doctors, patients and statuses", () => {
  // Clinic days are Africa/Dar_es_Salaam's (UTC+3): 01:30 on 3 March there is still 2 March in UTC.
  const VISITS = [
    { code: "v1", doctor: 1, patient: "x", at: "2030-03-01T09:00:00+03:00", status: "scheduled" },
    { code: "v2", doctor: 1, patient: "y", at: "2030-03-02T09:00:00+03:00", status: "checked_in" },
    { code: "v3", doctor: 2, patient: "z", at: "2030-03-02T15:00:00+03:00", status: "cancelled" },
    { code: "v4", doctor: 2, patient: "y", at: "2030-03-03T01:30:00+03:00", status: "scheduled" },
    { code: "v5", doctor: 1, patient: "x", at: "2030-03-03T10:00:00+03:00", status: "in_progress" },
  ];
  // registered on 10 January (twice, once late in the evening) and just after midnight on the 11th, clinic time
  const REGISTERED = ["2026-01-10T10:00:00+03:00", "2026-01-10T23:30:00+03:00", "2026-01-11T00:30:00+03:00"];
  let clinic: TestClinic;
  let manager: Browser;
  const doctors: Record<number, string> = {};
  const patients: Record<string, string> = {};
  const codeOf: Record<string, string> = {};

  beforeAll(async () => {
    clinic = await createClinic("Aggregates over days");
    manager = new Browser(api);
    await manager.login(clinic.members.owner.phone, clinic.members.owner.password);
    doctors[1] = clinic.members.doctor.membershipId;
    doctors[2] = (await addMember(clinic.clinicId, await createUser(), "doctor")).membershipId;
    for (const name of ["x", "y", "z"]) patients[name] = (await createPatient(clinic.clinicId)).id;
    const steps: Record<string, string[]> = { scheduled: [], checked_in: ["checked_in"], in_progress: ["checked_in", "in_progress"], cancelled: ["cancelled"] };
    for (const v of VISITS) {
      const { rows } = await rootPool().query(
        "insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, $4) returning id, code",
        [clinic.clinicId, patients[v.patient], doctors[v.doctor], v.at],
      );
      codeOf[rows[0].code] = v.code;
      for (const step of steps[v.status]) {
        await rootPool().query("update app_public.visit set status = $2, cancel_reason = $3 where id = $1", [rows[0].id, step, step === "cancelled" ? "Ill" : null]);
      }
    }
    // registration times in the past: the timestamps trigger keeps created_at, so set them around it, as a data load would
    const client = await rootPool().connect();
    try {
      await client.query("begin");
      await client.query("set local session_replication_role = replica");
      for (const at of REGISTERED) {
        const p = await createPatient(clinic.clinicId);
        await client.query("update app_public.patient set created_at = $2 where id = $1", [p.id, at]);
      }
      await client.query("commit");
    } finally {
      client.release();
    }
  });

  const visitCodes = async (filter: string, variables: Record<string, unknown> = {}) => {
    const declared = Object.keys(variables).map((name) => `$${name}: UUID!`);
    const r = await manager.graphql(`query${declared.length ? `(${declared.join(", ")})` : ""} { visits(filter: ${filter}) { nodes { code } } }`, variables);
    return r.body.data.visits.nodes.map((n: { code: string }) => codeOf[n.code]).sort();
  };
  const grouped = async (table: string, groupBy: string, filter = "") => {
    const r = await manager.graphql(`{ ${table}${filter ? `(filter: ${filter})` : ""} { groupedAggregates(groupBy: [${groupBy}]) { keys distinctCount { rowId } } } }`);
    const groups = r.body.data[table].groupedAggregates as { keys: string[]; distinctCount: { rowId: string } }[];
    return Object.fromEntries(groups.map((g) => [g.keys[0], Number(g.distinctCount.rowId)]));
  };

  test("visits per day (the clinic's days), per status and per doctor", async () => {
    const perDay = await grouped("visits", "SCHEDULED_AT_TRUNCATED_TO_DAY");
    expect(perDay).toEqual({ "2030-03-01T00:00:00.000000+03:00": 1, "2030-03-02T00:00:00.000000+03:00": 2, "2030-03-03T00:00:00.000000+03:00": 2 });
    expect(await grouped("visits", "STATUS")).toEqual({ scheduled: 2, checked_in: 1, cancelled: 1, in_progress: 1 });
    expect(await grouped("visits", "DOCTOR_ID")).toEqual({ [doctors[1]]: 3, [doctors[2]]: 2 });
  });

  // a list could be filtered by status but not ordered by it: the front desk's queue sorted it itself
  test("visits ordered by status go in the lifecycle's order, then by time", async () => {
    const ordered = async (orderBy: string) =>
      (await manager.graphql(`{ visits(orderBy: ${orderBy}) { nodes { code } } }`)).body.data.visits.nodes.map((n: { code: string }) => codeOf[n.code]);
    expect(await ordered("[STATUS_ASC, SCHEDULED_AT_ASC]")).toEqual(["v1", "v4", "v2", "v5", "v3"]);
    expect(await ordered("[STATUS_DESC, SCHEDULED_AT_ASC]")).toEqual(["v3", "v5", "v2", "v1", "v4"]);
  });

  test("visits filtered by status, doctor, date range (the clinic's day) and patient", async () => {
    expect(await visitCodes(`{ status: { in: [scheduled, checked_in] } }`)).toEqual(["v1", "v2", "v4"]);
    expect(await visitCodes(`{ doctorId: { equalTo: $d } }`, { d: doctors[2] })).toEqual(["v3", "v4"]);
    expect(
      await visitCodes(`{ scheduledAt: { greaterThanOrEqualTo: "2030-03-02T00:00:00+03:00", lessThan: "2030-03-03T00:00:00+03:00" } }`),
    ).toEqual(["v2", "v3"]);
    expect(await visitCodes(`{ patientId: { equalTo: $p } }`, { p: patients.x })).toEqual(["v1", "v5"]);
    expect(await visitCodes(`{ status: { in: [scheduled, checked_in] }, doctorId: { equalTo: $d }, patientId: { equalTo: $p } }`, { d: doctors[1], p: patients.y })).toEqual(["v2"]);
  });

  test("patients registered per day, within a period", async () => {
    const january = `{ createdAt: { greaterThanOrEqualTo: "2026-01-01T00:00:00+03:00", lessThan: "2026-02-01T00:00:00+03:00" } }`;
    expect(await grouped("patients", "CREATED_AT_TRUNCATED_TO_DAY", january)).toEqual({ "2026-01-10T00:00:00.000000+03:00": 2, "2026-01-11T00:00:00.000000+03:00": 1 });
    const r = await manager.graphql(`{ patients(filter: ${january}) { totalCount } all: patients { totalCount } }`);
    expect(r.body.data).toEqual({ patients: { totalCount: 3 }, all: { totalCount: 6 } });
  });
});

describe("a doctor whose role changed", () => {
  test("keeps no doctor's rights over the services of the visits still assigned to them", async () => {
    const c = await createClinic("Former doctor");
    const visit = await createVisit(c, "in_progress");
    const service = await createService(c.clinicId);
    const line = await rootPool().query(
      "insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id",
      [c.clinicId, visit.id, service.id],
    );
    // the doctor moves to the cash desk; their visits stay theirs until the front desk reassigns them
    await rootPool().query("update app_public.membership set role = 'cashier' where id = $1", [c.members.doctor.membershipId]);
    const formerDoctor = new Browser(api);
    expect((await formerDoctor.tryLogin(c.members.doctor.phone, c.members.doctor.password)).body.role).toBe("cashier");

    const added = await formerDoctor.graphql(
      `mutation($v: UUID!, $s: UUID!) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s } }) { visitService { rowId } } }`,
      { v: visit.id, s: service.id },
    );
    expect(errorCode(added)).toBe("FORBIDDEN");
    await formerDoctor.graphql(
      `mutation($c: UUID!, $id: UUID!) { updateVisitService(input: { clinicId: $c, rowId: $id, patch: { discount: "25000" } }) { visitService { discount } } }`,
      { c: c.clinicId, id: line.rows[0].id },
    );
    await formerDoctor.graphql(`mutation($c: UUID!, $id: UUID!) { deleteVisitService(input: { clinicId: $c, rowId: $id }) { visitService { rowId } } }`, {
      c: c.clinicId,
      id: line.rows[0].id,
    });
    const { rows } = await rootPool().query("select id, discount from app_public.visit_service where visit_id = $1", [visit.id]);
    expect(rows).toEqual([{ id: line.rows[0].id, discount: "0.000" }]);
  });
});

describe("visit lifecycle rules over the API", () => {
  const setStatus = (browser: Browser, id: string, status: string) =>
    browser.graphql(
      `mutation($c: UUID!, $id: UUID!, $s: VisitStatus!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { status: $s } }) { visit { status noShowAt } } }`,
      { c: a.clinicId, id, s: status },
    );
  const bookAt = async (at: string) => {
    const visit = await createVisit(a);
    await rootPool().query(`update app_public.visit set scheduled_at = ${at} where id = $1`, [visit.id]);
    return visit;
  };
  const statusOf = async (id: string) => (await rootPool().query("select status from app_public.visit where id = $1", [id])).rows[0].status;

  test("a visit is marked a no-show only once its time has come", async () => {
    const tomorrow = await bookAt("now() + interval '1 day'");
    const r = await setStatus(receptionist, tomorrow.id, "no_show");
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_TRANSITION" }, message: expect.stringMatching(/not yet come/) });
    expect(await statusOf(tomorrow.id)).toBe("scheduled");

    const anHourAgo = await bookAt("now() - interval '1 hour'");
    expect((await setStatus(receptionist, anHourAgo.id, "no_show")).body.data?.updateVisit.visit.status).toBe("no_show");
  });

  test("once the patient has checked in, the visit keeps its time and patient, and its doctor once the consultation has started", async () => {
    const patch = (id: string, p: Record<string, unknown>) =>
      receptionist.graphql(
        `mutation($c: UUID!, $id: UUID!, $p: VisitPatch!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: $p }) { visit { doctorId } } }`,
        { c: a.clinicId, id, p },
      );
    const booking = async (id: string) =>
      (await rootPool().query("select patient_id, doctor_id, scheduled_at from app_public.visit where id = $1", [id])).rows[0];
    const otherDoctor = await addMember(a.clinicId, await createUser(), "doctor");
    const otherPatient = await createPatient(a.clinicId);

    const checkedIn = await createVisit(a, "checked_in");
    const before = await booking(checkedIn.id);
    for (const p of [{ scheduledAt: "2031-05-05T10:00:00Z" }, { patientId: otherPatient.id }]) {
      expect(errorCode(await patch(checkedIn.id, p))).toBe("INVALID_TRANSITION");
    }
    expect(await booking(checkedIn.id)).toEqual(before);
    // a waiting patient can still be handed to another doctor
    expect((await patch(checkedIn.id, { doctorId: otherDoctor.membershipId })).body.data?.updateVisit.visit.doctorId).toBe(otherDoctor.membershipId);

    const started = await createVisit(a, "in_progress");
    expect(errorCode(await patch(started.id, { doctorId: otherDoctor.membershipId }))).toBe("INVALID_TRANSITION");
    expect((await booking(started.id)).doctor_id).toBe(a.members.doctor.membershipId);
  });

  test("a patient is booked once with a doctor at one time: a double click, or two receptionists at once, makes one visit", async () => {
    const patient = await createPatient(a.clinicId);
    const otherDoctor = await addMember(a.clinicId, await createUser(), "doctor");
    const book = (doctorId: string, at = "2031-06-01T09:00:00Z") =>
      receptionist.graphql(
        `mutation($p: UUID!, $d: UUID!, $at: Datetime!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: $at } }) { visit { rowId } } }`,
        { p: patient.id, d: doctorId, at },
      );
    const visitsOf = async () =>
      (await rootPool().query("select (scheduled_at at time zone 'UTC')::text as at from app_public.visit where patient_id = $1 order by created_at", [patient.id])).rows;
    // both clicks at once: one visit, the other told why (naming the visit, unless both were written at the very same moment)
    const clicks = await Promise.all([book(a.members.doctor.membershipId), book(a.members.doctor.membershipId)]);
    expect(clicks.filter((r) => r.body.data?.createVisit).length).toBe(1);
    expect(clicks.find((r) => r.body.errors)?.body.errors?.[0]).toMatchObject({
      extensions: { code: "CONFLICT" },
      message: expect.stringMatching(/^This patient is already booked with this doctor at this time: open (that visit|VIS-\d{6}) instead\.$/),
    });
    expect(await visitsOf()).toEqual([{ at: "2031-06-01 09:00:00" }]);
    // the front desk had to find which visit: it is named
    const { rows: [{ id, code }] } = await rootPool().query("select id, code from app_public.visit where patient_id = $1", [patient.id]);
    const DUPLICATE = { extensions: { code: "CONFLICT", visitId: id }, message: `This patient is already booked with this doctor at this time: open ${code} instead.` };
    // half a second later is the same minute: a client sending the time it was clicked booked a second visit
    expect((await book(a.members.doctor.membershipId, "2031-06-01T09:00:00.5Z")).body.errors?.[0]).toMatchObject(DUPLICATE);
    expect((await book(a.members.doctor.membershipId, "2031-06-01T09:00:59Z")).body.errors?.[0]).toMatchObject(DUPLICATE);
    // another doctor at that time is another visit (the lab after the consultation); another time too
    expect((await book(otherDoctor.membershipId)).body.errors).toBeUndefined();
    const later = (await book(a.members.doctor.membershipId, "2031-06-01T10:00:00Z")).body.data.createVisit.visit.rowId;
    // moving a visit onto the slot is refused too, and changes nothing
    const move = await receptionist.graphql(
      `mutation($c: UUID!, $id: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { scheduledAt: "2031-06-01T09:00:00Z" } }) { visit { rowId } } }`,
      { c: a.clinicId, id: later },
    );
    expect(move.body.errors?.[0]).toMatchObject(DUPLICATE);
    expect((await visitsOf()).map((v) => v.at)).toEqual(["2031-06-01 09:00:00", "2031-06-01 09:00:00", "2031-06-01 10:00:00"]);
    // once the first is cancelled, its slot is free again
    const slot = await rootPool().query("select id from app_public.visit where patient_id = $1 and doctor_id = $2 and scheduled_at = $3", [
      patient.id, a.members.doctor.membershipId, "2031-06-01T09:00:00Z",
    ]);
    await rootPool().query("update app_public.visit set status = 'cancelled', cancel_reason = 'Booked twice' where id = $1", [slot.rows[0].id]);
    expect((await book(a.members.doctor.membershipId)).body.errors).toBeUndefined();
  });
});

describe("when a doctor leaves the clinic", () => {
  const LEFT = `query($from: Datetime!) {
    visits(filter: { doctorIsAvailable: { equalTo: false }, status: { equalTo: scheduled }, scheduledAt: { greaterThanOrEqualTo: $from } }, orderBy: SCHEDULED_AT_ASC) {
      nodes { rowId doctorId doctorIsAvailable } } }`;
  const REASSIGN = `mutation($c: UUID!, $id: UUID!, $d: UUID!) {
    updateVisit(input: { clinicId: $c, rowId: $id, patch: { doctorId: $d } }) { visit { doctorId doctorIsAvailable } } }`;
  const from = new Date().toISOString();
  const book = async (clinicId: string, doctorId: string, at = "now() + interval '1 day'") => {
    const patient = await createPatient(clinicId);
    const { rows } = await rootPool().query(
      `insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, ${at}) returning id`,
      [clinicId, patient.id, doctorId],
    );
    return rows[0].id as string;
  };
  const login = async (member: { phone: string; password: string }) => {
    const browser = new Browser(api);
    await browser.login(member.phone, member.password);
    return browser;
  };
  const left = async (browser: Browser) => {
    const r = await browser.graphql(LEFT, { from });
    expect(r.body.errors).toBeUndefined();
    return (r.body.data.visits.nodes as { rowId: string }[]).map((v) => v.rowId).sort();
  };

  test("the front desk finds the visits still to come of a doctor removed, suspended or moved to another role, and hands them to another doctor", async () => {
    const c = await createClinic("Doctors leave");
    const other = await createClinic("Doctors leave too");
    const [removed, suspended, moved] = await Promise.all([1, 2, 3].map(async () => addMember(c.clinicId, await createUser(), "doctor")));
    const stays = c.members.doctor;
    const visits = {
      removed: await book(c.clinicId, removed.membershipId),
      suspended: await book(c.clinicId, suspended.membershipId),
      moved: await book(c.clinicId, moved.membershipId),
      stays: await book(c.clinicId, stays.membershipId),
      // history: a visit of a doctor who left, already seen, is not theirs to reassign
      seen: await book(c.clinicId, removed.membershipId, "now() - interval '1 day'"),
    };
    await rootPool().query("update app_public.visit set status = 'checked_in' where id = $1", [visits.seen]);
    await rootPool().query("update app_public.visit set status = 'in_progress' where id = $1", [visits.seen]);
    await rootPool().query("update app_public.visit set status = 'completed' where id = $1", [visits.seen]);
    // another clinic whose doctor left too, with a visit to come
    const otherLeaver = await addMember(other.clinicId, await createUser(), "doctor");
    const otherVisit = await book(other.clinicId, otherLeaver.membershipId);
    await rootPool().query("update app_public.membership set deleted_at = now() where id = $1", [otherLeaver.membershipId]);

    const manager = await login(c.members.owner);
    const desk = await login(c.members.receptionist);
    expect(await left(desk)).toEqual([]);

    const UPDATE = `mutation($c: UUID!, $id: UUID!, $p: MembershipPatch!) { updateMembership(input: { clinicId: $c, rowId: $id, patch: $p }) { membership { role isActive } } }`;
    expect((await manager.graphql(`mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { deletedAt } } }`, { id: removed.membershipId })).body.errors).toBeUndefined();
    expect((await manager.graphql(UPDATE, { c: c.clinicId, id: suspended.membershipId, p: { isActive: false } })).body.errors).toBeUndefined();
    expect((await manager.graphql(UPDATE, { c: c.clinicId, id: moved.membershipId, p: { role: "cashier" } })).body.errors).toBeUndefined();

    const found = await desk.graphql(LEFT, { from });
    const byRowId = (x: { rowId: string }, y: { rowId: string }) => x.rowId.localeCompare(y.rowId);
    expect(found.body.data.visits.nodes.sort(byRowId)).toEqual(
      [
        { rowId: visits.removed, doctorId: removed.membershipId, doctorIsAvailable: false },
        { rowId: visits.suspended, doctorId: suspended.membershipId, doctorIsAvailable: false },
        { rowId: visits.moved, doctorId: moved.membershipId, doctorIsAvailable: false },
      ].sort(byRowId),
    );
    // the doctor who stays is available; the completed visit is history (the status filter leaves it out)
    const all = await desk.graphql(`{ visits { nodes { rowId doctorIsAvailable } } }`);
    expect(Object.fromEntries(all.body.data.visits.nodes.map((v: { rowId: string; doctorIsAvailable: boolean }) => [v.rowId, v.doctorIsAvailable]))).toEqual({
      [visits.removed]: false,
      [visits.suspended]: false,
      [visits.moved]: false,
      [visits.stays]: true,
      [visits.seen]: false,
    });
    // other clinics: neither sees the other's visits, whoever left
    const otherDesk = await login(other.members.receptionist);
    expect(await left(otherDesk)).toEqual([otherVisit]);
    expect(await left(manager)).toEqual([visits.removed, visits.suspended, visits.moved].sort());
    // a doctor sees only their own visits, none of which lost its doctor
    expect(await left(await login(stays))).toEqual([]);

    // not to a doctor who left, nor by another clinic's front desk
    expect(errorCode(await desk.graphql(REASSIGN, { c: c.clinicId, id: visits.removed, d: suspended.membershipId }))).toBe("INVALID_INPUT");
    expect(errorCode(await otherDesk.graphql(REASSIGN, { c: c.clinicId, id: visits.removed, d: stays.membershipId }))).toBe("NOT_FOUND");
    for (const id of [visits.removed, visits.suspended, visits.moved]) {
      const r = await desk.graphql(REASSIGN, { c: c.clinicId, id, d: stays.membershipId });
      expect(r.body).toEqual({ data: { updateVisit: { visit: { doctorId: stays.membershipId, doctorIsAvailable: true } } } });
    }
    expect(await left(desk)).toEqual([]);
    const { rows } = await rootPool().query("select id, doctor_id from app_public.visit where clinic_id = $1 and status = 'scheduled'", [c.clinicId]);
    expect(rows.every((r) => r.doctor_id === stays.membershipId)).toBe(true);
    expect(await left(otherDesk)).toEqual([otherVisit]);
  });

  // the patient of a doctor who left was checked in and waited in a queue no doctor of the clinic sees (a doctor reads their
  // own visits only, and the one who left has no session), until someone noticed
  test("the patient of a doctor who left is checked in once the visit is handed to another doctor, in the same request or before", async () => {
    const c = await createClinic("Doctor gone on the day");
    const [removed, suspended] = await Promise.all([1, 2].map(async () => addMember(c.clinicId, await createUser(), "doctor")));
    const waiting = { removed: await book(c.clinicId, removed.membershipId, "now()"), suspended: await book(c.clinicId, suspended.membershipId, "now()") };
    await rootPool().query("update app_public.membership set deleted_at = now() where id = $1", [removed.membershipId]);
    await rootPool().query("update app_public.membership set is_active = false where id = $1", [suspended.membershipId]);
    const desk = await login(c.members.receptionist);
    const CHECK_IN = `mutation($c: UUID!, $id: UUID!, $p: VisitPatch!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: $p }) { visit { status doctorId } } }`;
    for (const id of Object.values(waiting)) {
      const refused = await desk.graphql(CHECK_IN, { c: c.clinicId, id, p: { status: "checked_in" } });
      expect(refused.body.errors?.[0]).toMatchObject({
        extensions: { code: "INVALID_TRANSITION" },
        message: "This visit's doctor no longer sees patients in this clinic: give the visit to another doctor, then check the patient in.",
      });
    }
    const { rows } = await rootPool().query("select count(*)::int as n from app_public.visit where clinic_id = $1 and status = 'scheduled'", [c.clinicId]);
    expect(rows[0].n).toBe(2);
    const stays = c.members.doctor.membershipId;
    expect((await desk.graphql(CHECK_IN, { c: c.clinicId, id: waiting.removed, p: { doctorId: stays, status: "checked_in" } })).body).toEqual({
      data: { updateVisit: { visit: { status: "checked_in", doctorId: stays } } },
    });
    expect((await desk.graphql(CHECK_IN, { c: c.clinicId, id: waiting.suspended, p: { doctorId: stays } })).body.errors).toBeUndefined();
    expect((await desk.graphql(CHECK_IN, { c: c.clinicId, id: waiting.suspended, p: { status: "checked_in" } })).body.data.updateVisit.visit.status).toBe("checked_in");
  });

  test("the day list asks nothing about doctors unless the field is selected or filtered on", async () => {
    const dayList = `{ visits(filter: { scheduledAt: { greaterThanOrEqualTo: "${from}" } }, orderBy: SCHEDULED_AT_ASC) { nodes { code status scheduledAt } } }`;
    const plain = (await statementsSentBy(async () => expect((await receptionist.graphql(dayList)).body.errors).toBeUndefined())).map((q) => q.text);
    expect(plain.some((q) => /from "app_public"\."visit"/.test(q))).toBe(true);
    expect(plain.some((q) => q.includes("visit_doctor_is_available"))).toBe(false);
    const filtered = await statementsSentBy(async () =>
      expect((await receptionist.graphql(dayList.replace("scheduledAt: {", "doctorIsAvailable: { equalTo: false }, scheduledAt: {"))).body.errors).toBeUndefined(),
    );
    expect(filtered.some((q) => q.text.includes("visit_doctor_is_available"))).toBe(true);
  });

  test("a visit's service is named after the service is deleted from the catalog, to every role that sees the visit and no one else", async () => {
    const c = await createClinic("A service's name stays");
    const other = await createClinic("Another clinic asks for it");
    const service = await createService(c.clinicId, "5000", "Wound dressing");
    const visit = await book(c.clinicId, c.members.doctor.membershipId);
    const line = (
      await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id", [c.clinicId, visit, service.id])
    ).rows[0].id;
    const owner = await login(c.members.owner);
    expect((await owner.graphql(`mutation($id: UUID!) { deleteService(input: { serviceId: $id }) { result { code } } }`, { id: service.id })).body.errors).toBeUndefined();

    const SERVICES = `query($c: UUID!, $v: UUID!) { visit(clinicId: $c, rowId: $v) { services { nodes { service { code } serviceName unitPrice } } } }`;
    for (const role of ["doctor", "receptionist", "cashier", "owner"] as const) {
      const seen = await (await login(c.members[role])).graphql(SERVICES, { c: c.clinicId, v: visit });
      expect([role, seen.body]).toEqual([role, { data: { visit: { services: { nodes: [{ service: null, serviceName: "Wound dressing", unitPrice: "5000.000" }] } } } }]);
    }
    // a line made up by another clinic's member, or by a doctor of another doctor's visit, names nothing
    const NAME_OF = `select app_public.visit_service_service_name(jsonb_populate_record(null::app_public.visit_service, jsonb_build_object('clinic_id', $1::uuid, 'id', $2::uuid, 'service_id', $3::uuid))) as name`;
    const nameFor = (member: TestMember) => asMember(member, async (db) => (await db.query(NAME_OF, [c.clinicId, line, service.id])).rows[0].name);
    expect(await nameFor(c.members.receptionist)).toBe("Wound dressing");
    expect(await nameFor(other.members.owner)).toBeNull();
    const colleague = await addMember(c.clinicId, await createUser(), "doctor");
    expect(await nameFor(colleague)).toBeNull();
  });

  test("a visit names its doctor after they left (a visit row made up elsewhere names no one), and owners list whom they removed to restore them", async () => {
    const c = await createClinic("A doctor's name stays");
    const other = await createClinic("Another clinic asks");
    const leaver = await addMember(c.clinicId, await createUser(), "doctor");
    const visit = await book(c.clinicId, leaver.membershipId);
    const manager = await login(c.members.owner);
    const REMOVE = `mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { deletedAt } } }`;
    expect((await manager.graphql(REMOVE, { id: leaver.membershipId })).body.errors).toBeUndefined();

    const desk = await login(c.members.receptionist);
    const NAMED = `query($c: UUID!, $v: UUID!) { visit(clinicId: $c, rowId: $v) { doctor { rowId } doctorName doctorIsAvailable } }`;
    expect((await desk.graphql(NAMED, { c: c.clinicId, v: visit })).body).toEqual({
      data: { visit: { doctor: null, doctorName: `Test ${leaver.phone}`, doctorIsAvailable: false } },
    });
    const NAME_OF = `select app_public.visit_doctor_name(jsonb_populate_record(null::app_public.visit, jsonb_build_object('clinic_id', $1::uuid, 'id', $2::uuid, 'doctor_id', $3::uuid))) as name`;
    const nameFor = (member: TestMember) => asMember(member, async (db) => (await db.query(NAME_OF, [c.clinicId, visit, leaver.membershipId])).rows[0].name);
    expect(await nameFor(c.members.receptionist)).toBe(`Test ${leaver.phone}`);
    expect(await nameFor(other.members.owner)).toBeNull();
    // nor a doctor of the clinic, who does not see another doctor's visit
    expect(await nameFor(c.members.doctor)).toBeNull();

    // an invitation to someone registered, withdrawn before they accepted it: listed, but without the person
    const invitee = await createUser();
    const invited = await manager.graphql(
      `mutation($p: String!) { inviteMember(input: { phone: $p, fullName: "Someone", role: cashier, password: "not-their-password-1" }) { result { rowId acceptedAt } } }`,
      { p: invitee.phone },
    );
    expect(invited.body.errors).toBeUndefined();
    expect(invited.body.data.inviteMember.result.acceptedAt).toBeNull();
    const invitation = invited.body.data.inviteMember.result.rowId;
    expect((await manager.graphql(REMOVE, { id: invitation })).body.errors).toBeUndefined();

    // and one its person declined: it stays declined (restoreMember refuses it), so it is not offered
    const decliner = await createUser();
    const declined = await manager.graphql(
      `mutation($p: String!) { inviteMember(input: { phone: $p, fullName: "No thanks", role: cashier, password: "not-their-password-2" }) { result { rowId } } }`,
      { p: decliner.phone },
    );
    expect(declined.body.errors).toBeUndefined();
    const person = await login(decliner);
    expect((await person.graphql(`mutation($c: UUID!) { declineInvitation(input: { clinicId: $c }) { result } }`, { c: c.clinicId })).body.errors).toBeUndefined();

    const REMOVED = `{ removedMembers { nodes { membershipId fullName role removedAt } } }`;
    expect((await manager.graphql(REMOVED)).body.data.removedMembers.nodes).toEqual([
      { membershipId: invitation, fullName: null, role: "cashier", removedAt: expect.any(String) },
      { membershipId: leaver.membershipId, fullName: `Test ${leaver.phone}`, role: "doctor", removedAt: expect.any(String) },
    ]);
    expect((await desk.graphql(REMOVED)).body.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" } });
    expect((await login(other.members.owner).then((b) => b.graphql(REMOVED))).body.data.removedMembers.nodes).toEqual([]);

    const restored = await manager.graphql(`mutation($id: UUID!) { restoreMember(input: { membershipId: $id }) { result { deletedAt } } }`, { id: leaver.membershipId });
    expect(restored.body.errors).toBeUndefined();
    expect((await desk.graphql(NAMED, { c: c.clinicId, v: visit })).body.data.visit).toEqual({
      doctor: { rowId: leaver.membershipId },
      doctorName: `Test ${leaver.phone}`,
      doctorIsAvailable: true,
    });
  });
});

describe("a walk-in is booked and checked in with one request", () => {
  const WALK_IN = `mutation($p: UUID!, $d: UUID!, $r: String) { checkInWalkIn(input: { patientId: $p, doctorId: $d, reason: $r }) {
    result { rowId code status scheduledAt reason checkedInAt createdBy checkedInBy } } }`;
  const visitsOf = async (patientId: string) =>
    (await rootPool().query("select count(*)::int as n from app_public.visit where patient_id = $1", [patientId])).rows[0].n as number;
  const as = async (member: { phone: string; password: string }) => {
    const browser = new Browser(api);
    await browser.login(member.phone, member.password);
    return browser;
  };

  it("books the visit for now and checks the patient in, stamped and audited as the two steps are", async () => {
    const patient = await createPatient(a.clinicId);
    const before = Date.now();
    const walkedIn = await receptionist.graphql(WALK_IN, { p: patient.id, d: a.members.doctor.membershipId, r: "  Fever " });
    expect(walkedIn.body.errors).toBeUndefined();
    const visit = walkedIn.body.data.checkInWalkIn.result;
    expect(visit).toMatchObject({
      code: expect.stringMatching(/^VIS-/),
      status: "checked_in",
      reason: "Fever",
      createdBy: a.members.receptionist.userId,
      checkedInBy: a.members.receptionist.userId,
    });
    expect(Date.parse(visit.scheduledAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(visit.checkedInAt).toBe(visit.scheduledAt);
    const { rows } = await rootPool().query(
      "select action, new_values ->> 'status' as status, actor_user_id from app_public.audit_log where table_name = 'visit' and record_id = $1 order by seq",
      [visit.rowId],
    );
    expect(rows).toEqual([
      { action: "insert", status: "scheduled", actor_user_id: a.members.receptionist.userId },
      { action: "update", status: "checked_in", actor_user_id: a.members.receptionist.userId },
    ]);
  });

  it("refuses what the booking or the check-in refuses, and then books nothing", async () => {
    const deleted = await createPatient(a.clinicId, { deleted_at: new Date() });
    const FRONT_DESK = "Only the front desk (an owner, admin or receptionist) books visits, in its own clinic.";
    const refusals: [string, Browser | (() => Promise<Browser>), () => Promise<{ id: string }>, string, { code: string; message?: string }][] = [
      ["a doctor", () => as(a.members.doctor), () => createPatient(a.clinicId), a.members.doctor.membershipId, { code: "FORBIDDEN", message: FRONT_DESK }],
      ["a cashier", () => as(a.members.cashier), () => createPatient(a.clinicId), a.members.doctor.membershipId, { code: "FORBIDDEN", message: FRONT_DESK }],
      ["a member who is not a doctor", receptionist, () => createPatient(a.clinicId), a.members.cashier.membershipId,
        { code: "INVALID_INPUT", message: "This member is not a doctor of the clinic: book a doctor." }],
      ["a patient of another clinic", receptionist, () => createPatient(b.clinicId), a.members.doctor.membershipId, { code: "NOT_FOUND", message: "No such patient in your clinic." }],
      ["a deleted patient", receptionist, async () => deleted, a.members.doctor.membershipId, { code: "INVALID_INPUT" }],
    ];
    for (const [who, browser, patient, doctor, refusal] of refusals) {
      const { id } = await patient();
      const sender = typeof browser === "function" ? await browser() : browser;
      const r = await sender.graphql(WALK_IN, { p: id, d: doctor });
      const error = r.body.errors?.[0];
      expect([who, { code: error?.extensions?.code, ...(refusal.message ? { message: error?.message } : {}) }]).toEqual([who, refusal]);
      expect([who, r.body.data?.checkInWalkIn ?? null, await visitsOf(id)]).toEqual([who, null, 0]);
    }
  });

  // booked for now, a walk-in sent again once the minute had turned (a retry after a lost answer) was a second visit, checked in too
  it("sent again after the minute it was booked in, books nothing and names the visit the patient is checked in for", async () => {
    const patient = await createPatient(a.clinicId);
    const first = (await receptionist.graphql(WALK_IN, { p: patient.id, d: a.members.doctor.membershipId })).body.data.checkInWalkIn.result;
    // as if the request came again once the minute had turned: the first visit's time moved back behind the triggers' back
    await writeBehindTriggers("update app_public.visit set scheduled_at = scheduled_at - interval '1 minute' where id = $1", [first.rowId]);
    const refusal = { code: "CONFLICT", visitId: first.rowId, message: `This patient is already checked in with this doctor: open ${first.code} instead.` };
    const again = async () => {
      const error = (await receptionist.graphql(WALK_IN, { p: patient.id, d: a.members.doctor.membershipId })).body.errors?.[0];
      return { ...error?.extensions, message: error?.message };
    };
    expect(await again()).toEqual(refusal);
    await rootPool().query("update app_public.visit set status = 'in_progress' where id = $1", [first.rowId]);
    expect(await again()).toEqual(refusal);
    expect(await visitsOf(patient.id)).toBe(1);
    // with another doctor, once the visit is over, or past a visit left checked in yesterday, the patient walks in again
    const walksIn = async (doctor: string) => (await receptionist.graphql(WALK_IN, { p: patient.id, d: doctor })).body.data?.checkInWalkIn.result;
    const other = await addMember(a.clinicId, await createUser(), "doctor");
    expect((await walksIn(other.membershipId)).status).toBe("checked_in");
    await rootPool().query("update app_public.visit set status = 'completed' where id = $1", [first.rowId]);
    const second = await walksIn(a.members.doctor.membershipId);
    expect(second.status).toBe("checked_in");
    await writeBehindTriggers("update app_public.visit set scheduled_at = scheduled_at - interval '1 day', checked_in_at = checked_in_at - interval '1 day' where id = $1", [second.rowId]);
    expect((await walksIn(a.members.doctor.membershipId)).status).toBe("checked_in");
    expect(await visitsOf(patient.id)).toBe(4);
  });

  // a patient booked with the doctor today and walked in at the desk was booked a second visit, checked in, and the visit
  // they had booked stayed on the day list, to be marked a no-show though they came (or checked in too: twice in the queue)
  it("of a patient booked with the doctor today, books nothing and names the visit to check in", async () => {
    const patient = await createPatient(a.clinicId);
    const doctor = a.members.doctor.membershipId;
    // later or earlier today on the clinic's clock (Dar es Salaam), never this minute nor another day
    const { rows: [booked] } = await rootPool().query(
      `insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at)
       select $1, $2, $3, case when (now() at time zone 'Africa/Dar_es_Salaam')::time < '12:00' then now() + interval '1 hour' else now() - interval '1 hour' end
       returning id, code, to_char(scheduled_at at time zone 'Africa/Dar_es_Salaam', 'HH24:MI') as at`,
      [a.clinicId, patient.id, doctor],
    );
    const refused = await receptionist.graphql(WALK_IN, { p: patient.id, d: doctor });
    expect(refused.body.data?.checkInWalkIn ?? null).toBeNull();
    expect(refused.body.errors?.[0]).toMatchObject({
      message: `This patient is booked with this doctor today at ${booked.at}: check in ${booked.code} instead.`,
      extensions: { code: "CONFLICT", visitId: booked.id },
    });
    expect(await visitsOf(patient.id)).toBe(1);
    // with another doctor, or past a booking of an earlier day left scheduled, the patient walks in
    const other = await addMember(a.clinicId, await createUser(), "doctor");
    expect((await receptionist.graphql(WALK_IN, { p: patient.id, d: other.membershipId })).body.data?.checkInWalkIn.result.status).toBe("checked_in");
    await writeBehindTriggers("update app_public.visit set scheduled_at = scheduled_at - interval '1 day' where id = $1", [booked.id]);
    expect((await receptionist.graphql(WALK_IN, { p: patient.id, d: doctor })).body.data?.checkInWalkIn.result.status).toBe("checked_in");
    expect(await visitsOf(patient.id)).toBe(3);
  });

  it("sent twice at once, across a minute's end, books one: the second waits for the first, then names it", async () => {
    const patient = await createPatient(a.clinicId);
    const doctor = a.members.doctor.membershipId;
    // the first, in flight, as the API runs it: the clinic's turn to write taken, its visit (booked the minute before) checked in, not yet committed
    await whileHolding("select pg_advisory_xact_lock(hashtextextended('write_turn:' || $1, 0))", [a.clinicId], async (first) => {
      const { rows } = await first.client.query(
        "insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now() - interval '1 minute') returning id, code",
        [a.clinicId, patient.id, doctor],
      );
      await first.client.query("update app_public.visit set status = 'checked_in' where id = $1", [rows[0].id]);
      const second = receptionist.graphql(WALK_IN, { p: patient.id, d: doctor });
      expect(await first.blocking()).toBe(true);
      await first.client.query("commit");
      expect((await second).body.errors?.[0]).toMatchObject({
        message: `This patient is already checked in with this doctor: open ${rows[0].code} instead.`,
        extensions: { code: "CONFLICT", visitId: rows[0].id },
      });
    });
    expect(await visitsOf(patient.id)).toBe(1);
  });
});

describe("lists whose rows share a time page through every row once", () => {
  const ROWS = 30;
  // Rows imported in one transaction share its now(), and so do rows deleted in one; 30 patients of one family, by one
  // name. Between two pages the table is rewritten in another order (CLUSTER, as a database administrator or
  // pg_repack does; an update of a row moves it too): the rows are the same, and so must the list be.
  const imported = async (table: string, clinic: TestClinic, columns: string, values: string) => (await rootPool().query(
    `insert into app_public.${table} (clinic_id, ${columns}) select $1, ${values} from generate_series(1, ${ROWS}) g returning id`,
    [clinic.clinicId])).rows.map((r: { id: string }) => r.id);
  const deleted = async (table: string, ids: string[]) => {
    await rootPool().query(`update app_public.${table} set deleted_at = now() where id = any($1)`, [ids]);
    return ids;
  };
  const PATIENTS = ["first_name, last_name, phone", "'Juma', 'Mwinyi', '+255700000555'"] as const;
  const lists = [
    { list: "deletedPatients", args: "", table: "patient", make: async (c: TestClinic) => deleted("patient", await imported("patient", c, ...PATIENTS)) },
    { list: "deletedServices", args: "", table: "service",
      make: async (c: TestClinic) => deleted("service", await imported("service", c, "name, category, price", "'Service ' || g, 'Consultation', 100")) },
    { list: "findPatientDuplicates", args: `phone: "+255 700 000 555", `, table: "patient", make: (c: TestClinic) => imported("patient", c, ...PATIENTS) },
  ];

  test.each(lists)("$list, a page at a time (by cursor and by offset)", async ({ list, args, table, make }) => {
    const clinic = await createClinic(`Ties in ${list}`);
    const ids = await make(clinic);
    const admin = new Browser(api);
    await admin.login(clinic.members.owner.phone, clinic.members.owner.password);
    const page = async (n: number, after: string | null, offset: number | null) => {
      // one statement's transaction: the table is left marked clustered on no index (the schema's dump is checked)
      await rootPool().query(
        `cluster app_public.${table} using ${n % 2 ? `${table}_pkey` : `${table}_clinic_id_code_key`}; alter table app_public.${table} set without cluster`,
      );
      const r = await admin.graphql(`query($after: Cursor, $offset: Int) { ${list}(${args}first: 7, after: $after, offset: $offset) { nodes { rowId } pageInfo { endCursor hasNextPage } } }`,
        { after, offset });
      expect(r.body.errors).toBeUndefined();
      return r.body.data[list] as { nodes: { rowId: string }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
    };
    const byCursor: string[] = [];
    for (let n = 0, after: string | null = null, more = true; more; n++) {
      const { nodes, pageInfo } = await page(n, after, null);
      byCursor.push(...nodes.map((p) => p.rowId));
      [after, more] = [pageInfo.endCursor, pageInfo.hasNextPage];
    }
    const byOffset: string[] = [];
    for (let n = 0, more = true; more; n++) {
      const { nodes, pageInfo } = await page(n + 1, null, byOffset.length);
      byOffset.push(...nodes.map((p) => p.rowId));
      more = pageInfo.hasNextPage;
    }
    for (const paged of [byCursor, byOffset]) expect([...paged].sort()).toEqual([...ids].sort());
  });
});
