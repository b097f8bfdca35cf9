/**
 * A member's `fullName` on every way the API gives a Membership: lists, single reads, a visit's doctor and the
 * stamps' members (`checkedInByMember`), and the payload of every mutation whose answer holds a member (the
 * membership it changed, or the stamps and doctor of the row it wrote). The name is the user's as the session
 * may read it: null for an invitation not yet accepted, and for someone no longer of the clinic.
 */
import { readFileSync } from "node:fs";
import { buildSchema, getNamedType, type GraphQLObjectType, isObjectType } from "postgraphile/graphql";
import { GRAPHQL_SCHEMA_FILE } from "../support/schemas.ts";
import { closeRootPool, rootPool } from "../support/database.ts";
import {
  addMember, asSession, beginAs, createClinic, createPatient, createService, createUser, createVisit, LONG_AGO, openSession, randomPhone, type TestClinic, type TestMember, type TestUser,
} from "../support/fixtures.ts";
import { Browser, pageThrough, startApi, type TestApi } from "../support/api.ts";
import { EXPLAINED_GENERIC } from "../support/plans.ts";
import { statementsSentBy } from "../support/statements.ts";

let api: TestApi;
let c: TestClinic;
let owner: Browser;

beforeAll(async () => {
  api = await startApi();
  c = await createClinic("Member names", { since: LONG_AGO });
  owner = await login(c.members.owner);
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

async function login(member: { phone: string; password: string }): Promise<Browser> {
  const browser = new Browser(api);
  await browser.login(member.phone, member.password);
  return browser;
}
const named = (member: TestMember) => ({ fullName: `Test ${member.phone}` });

/** `document`'s answer to `browser`, which must have no error: its data. */
async function answer(browser: Browser, document: string, variables: Record<string, unknown> = {}) {
  const { body } = await browser.graphql(document, variables);
  expect(body.errors).toBeUndefined();
  return body.data;
}

/**
 * One document per mutation whose payload holds a Membership, reading each member's name there: the test below
 * checks every such payload of schema.graphql has one.
 */
const PAYLOADS = {
  createService: `mutation { createService(input: { service: { name: "Dressing", price: "5000" } }) { service { rowId createdByMember { fullName } } } }`,
  updateService: `mutation($c: UUID!, $id: UUID!) { updateService(input: { clinicId: $c, rowId: $id, patch: { category: "Nursing" } }) { service { updatedByMember { fullName } } } }`,
  deleteService: `mutation($id: UUID!) { deleteService(input: { serviceId: $id }) { result { deletedByMember { fullName } } } }`,
  restoreService: `mutation($id: UUID!) { restoreService(input: { serviceId: $id }) { result { createdByMember { fullName } } } }`,
  createPatient: `mutation { createPatient(input: { patient: { firstName: "Neema", lastName: "Named" } }) { patient { rowId createdByMember { fullName } } } }`,
  updatePatient: `mutation($c: UUID!, $id: UUID!) { updatePatient(input: { clinicId: $c, rowId: $id, patch: { notes: "Allergic" } }) { patient { updatedByMember { fullName } } } }`,
  deletePatient: `mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { deletedByMember { fullName } } } }`,
  restorePatient: `mutation($id: UUID!) { restorePatient(input: { patientId: $id }) { result { createdByMember { fullName } } } }`,
  createVisit: `mutation($patient: UUID!, $doctor: UUID!, $at: Datetime!) { createVisit(input: { visit: { patientId: $patient, doctorId: $doctor, scheduledAt: $at } }) {
    visit { rowId doctor { fullName } createdByMember { fullName } } } }`,
  updateVisit: `mutation($c: UUID!, $id: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { status: checked_in } }) { visit { doctor { fullName } checkedInByMember { fullName } } } }`,
  checkInWalkIn: `mutation($patient: UUID!, $doctor: UUID!) { checkInWalkIn(input: { patientId: $patient, doctorId: $doctor }) { result { doctor { fullName } checkedInByMember { fullName } } } }`,
  createVisitService: `mutation($visit: UUID!, $service: UUID!) { createVisitService(input: { visitService: { visitId: $visit, serviceId: $service } }) {
    visitService { rowId createdByMember { fullName } } } }`,
  updateVisitService: `mutation($c: UUID!, $id: UUID!) { updateVisitService(input: { clinicId: $c, rowId: $id, patch: { quantity: 2 } }) { visitService { updatedByMember { fullName } } } }`,
  deleteVisitService: `mutation($c: UUID!, $id: UUID!) { deleteVisitService(input: { clinicId: $c, rowId: $id }) { visitService { createdByMember { fullName } } } }`,
  createInvoiceFromVisit: `mutation($visit: UUID!) { createInvoiceFromVisit(input: { visitId: $visit }) { result { rowId doctor { fullName } createdByMember { fullName } } } }`,
  createInvoiceLine: `mutation($invoice: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $invoice, description: "Gauze", unitPrice: "1000" } }) {
    invoiceLine { rowId createdByMember { fullName } } } }`,
  updateInvoiceLine: `mutation($c: UUID!, $id: UUID!) { updateInvoiceLine(input: { clinicId: $c, rowId: $id, patch: { quantity: "2" } }) { invoiceLine { updatedByMember { fullName } } } }`,
  deleteInvoiceLine: `mutation($c: UUID!, $id: UUID!) { deleteInvoiceLine(input: { clinicId: $c, rowId: $id }) { invoiceLine { createdByMember { fullName } } } }`,
  billUnbilledServices: `mutation($invoice: UUID!) { billUnbilledServices(input: { invoiceId: $invoice }) { result { doctor { fullName } updatedByMember { fullName } } } }`,
  updateInvoice: `mutation($c: UUID!, $id: UUID!) { updateInvoice(input: { clinicId: $c, rowId: $id, patch: { notes: "Paid at the desk" } }) { invoice { doctor { fullName } updatedByMember { fullName } } } }`,
  issueInvoice: `mutation($invoice: UUID!) { issueInvoice(input: { invoiceId: $invoice }) { result { issuedByMember { fullName } } } }`,
  recordPayment: `mutation($invoice: UUID!) { recordPayment(input: { invoiceId: $invoice, amount: "1000", method: cash }) { result { rowId receivedByMember { fullName } } } }`,
  updatePayment: `mutation($c: UUID!, $id: UUID!) { updatePayment(input: { clinicId: $c, rowId: $id, patch: { reference: "Desk 2" } }) { payment { updatedByMember { fullName } } } }`,
  refundPayment: `mutation($payment: UUID!) { refundPayment(input: { paymentId: $payment, amount: "500", reason: "Overcharged" }) { result { refundedByMember { fullName } } } }`,
  createInvoice: `mutation($patient: UUID!) { createInvoice(input: { invoice: { patientId: $patient } }) { invoice { rowId doctor { fullName } createdByMember { fullName } } } }`,
  voidInvoice: `mutation($invoice: UUID!) { voidInvoice(input: { invoiceId: $invoice, reason: "Made twice" }) { result { voidedByMember { fullName } } } }`,
  closeDay: `mutation { closeDay(input: { businessDate: "2026-03-10", countedCash: "0" }) { result { rowId closedByMember { fullName } } } }`,
  updateDailyReconciliation: `mutation($c: UUID!, $id: UUID!) { updateDailyReconciliation(input: { clinicId: $c, rowId: $id, patch: { notes: "Quiet day" } }) {
    dailyReconciliation { updatedByMember { fullName } } } }`,
  reopenDay: `mutation { reopenDay(input: { businessDate: "2026-03-10", reason: "A payment was missed" }) { result { reopenedByMember { fullName } } } }`,
  requestExport: `mutation { requestExport(input: { kind: payments_csv, fromDate: "2026-03-10", toDate: "2026-03-10" }) { result { rowId requestedByMember { fullName } } } }`,
  deleteExport: `mutation($id: UUID!) { deleteExport(input: { exportId: $id }) { result { requestedByMember { fullName } deletedByMember { fullName } } } }`,
  cancelExport: `mutation($id: UUID!) { cancelExport(input: { exportId: $id }) { result { requestedByMember { fullName } cancelledByMember { fullName } } } }`,
  updateClinic: `mutation($c: UUID!) { updateClinic(input: { rowId: $c, patch: { invoiceFooter: "Thank you" } }) { clinic { updatedByMember { fullName } } } }`,
  createClinicWithOwner: `mutation($phone: String!) { createClinicWithOwner(input: { name: "Named by the platform", timezone: "UTC", currency: "USD", ownerPhone: $phone,
    ownerName: "First Owner", ownerPassword: "password-123" }) { result { createdByMember { fullName } } } }`,
  inviteMember: `mutation($phone: String!) { inviteMember(input: { phone: $phone, fullName: "Juma Invited", role: cashier, password: "password-123" }) {
    result { rowId fullName } membershipEdge { node { fullName } } } }`,
  updateMembership: `mutation($c: UUID!, $id: UUID!) { updateMembership(input: { clinicId: $c, rowId: $id, patch: { role: receptionist } }) {
    membership { role fullName } membershipEdge { node { fullName } } } }`,
  updateMembershipById: `mutation($id: ID!) { updateMembershipById(input: { id: $id, patch: { role: admin } }) { membership { role fullName } membershipEdge { node { fullName } } } }`,
  removeMember: `mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { deletedAt fullName } membershipEdge { node { fullName } } } }`,
  restoreMember: `mutation($id: UUID!) { restoreMember(input: { membershipId: $id }) { result { fullName } membershipEdge { node { fullName } } } }`,
} satisfies Record<string, string>;

test("every mutation payload of schema.graphql that holds a member has its name read below", () => {
  const schema = buildSchema(readFileSync(GRAPHQL_SCHEMA_FILE, "utf8"));
  const holdsAMember = (type: GraphQLObjectType, depth: number): boolean =>
    Object.values(type.getFields()).some(({ type: field }) => {
      const inner = getNamedType(field);
      return inner.name === "Membership" || (depth > 0 && isObjectType(inner) && inner.name !== "Query" && holdsAMember(inner, depth - 1));
    });
  // the payload's record and what it holds, its edge's node: a member of a member is read as that member is
  const payloads = Object.entries(schema.getMutationType()!.getFields())
    .filter(([, mutation]) => holdsAMember(getNamedType(mutation.type) as GraphQLObjectType, 1))
    .map(([, mutation]) => getNamedType(mutation.type).name);
  const read = Object.keys(PAYLOADS).map((name) => getNamedType(schema.getMutationType()!.getFields()[name].type).name);
  expect(new Set(payloads).size).toBeGreaterThanOrEqual(36);
  expect([...new Set(payloads)].filter((payload) => !read.includes(payload))).toEqual([]);
  for (const [name, document] of Object.entries(PAYLOADS)) expect([name, document]).toEqual([name, expect.stringContaining(` ${name}(`)]);
});

test("a service's and a patient's payloads name who made, changed, deleted them", async () => {
  const me = named(c.members.owner);
  const { createService: { service } } = await answer(owner, PAYLOADS.createService);
  expect(service.createdByMember).toEqual(me);
  const byService = { c: c.clinicId, id: service.rowId };
  expect(await answer(owner, PAYLOADS.updateService, byService)).toEqual({ updateService: { service: { updatedByMember: me } } });
  expect(await answer(owner, PAYLOADS.deleteService, byService)).toEqual({ deleteService: { result: { deletedByMember: me } } });
  expect(await answer(owner, PAYLOADS.restoreService, byService)).toEqual({ restoreService: { result: { createdByMember: me } } });

  const { createPatient: { patient } } = await answer(owner, PAYLOADS.createPatient);
  expect(patient.createdByMember).toEqual(me);
  const byPatient = { c: c.clinicId, id: patient.rowId };
  expect(await answer(owner, PAYLOADS.updatePatient, byPatient)).toEqual({ updatePatient: { patient: { updatedByMember: me } } });
  expect(await answer(owner, PAYLOADS.deletePatient, byPatient)).toEqual({ deletePatient: { result: { deletedByMember: me } } });
  expect(await answer(owner, PAYLOADS.restorePatient, byPatient)).toEqual({ restorePatient: { result: { createdByMember: me } } });
});

test("a visit's, its services', its invoice's and its payment's payloads name their doctor and who did each step", async () => {
  const me = named(c.members.owner);
  const doctor = named(c.members.doctor);
  const patient = await createPatient(c.clinicId);
  const [first, second, third] = [await createService(c.clinicId, "1000"), await createService(c.clinicId, "2000"), await createService(c.clinicId, "3000")];

  const { createVisit: { visit } } = await answer(owner, PAYLOADS.createVisit, { patient: patient.id, doctor: c.members.doctor.membershipId, at: new Date() });
  expect(visit).toEqual({ rowId: expect.any(String), doctor, createdByMember: me });
  expect(await answer(owner, PAYLOADS.updateVisit, { c: c.clinicId, id: visit.rowId })).toEqual({ updateVisit: { visit: { doctor, checkedInByMember: me } } });
  const walkIn = await createPatient(c.clinicId);
  expect(await answer(owner, PAYLOADS.checkInWalkIn, { patient: walkIn.id, doctor: c.members.doctor.membershipId })).toEqual({
    checkInWalkIn: { result: { doctor, checkedInByMember: me } },
  });

  const serve = async (service: { id: string }) =>
    (await answer(owner, PAYLOADS.createVisitService, { visit: visit.rowId, service: service.id })).createVisitService.visitService;
  const billed = await serve(first);
  expect(billed.createdByMember).toEqual(me);
  expect(await answer(owner, PAYLOADS.updateVisitService, { c: c.clinicId, id: billed.rowId })).toEqual({ updateVisitService: { visitService: { updatedByMember: me } } });
  const dropped = await serve(second);
  expect(await answer(owner, PAYLOADS.deleteVisitService, { c: c.clinicId, id: dropped.rowId })).toEqual({ deleteVisitService: { visitService: { createdByMember: me } } });

  const { createInvoiceFromVisit: { result: invoice } } = await answer(owner, PAYLOADS.createInvoiceFromVisit, { visit: visit.rowId });
  expect(invoice).toEqual({ rowId: expect.any(String), doctor, createdByMember: me });
  const { createInvoiceLine: { invoiceLine: line } } = await answer(owner, PAYLOADS.createInvoiceLine, { invoice: invoice.rowId });
  expect(line.createdByMember).toEqual(me);
  expect(await answer(owner, PAYLOADS.updateInvoiceLine, { c: c.clinicId, id: line.rowId })).toEqual({ updateInvoiceLine: { invoiceLine: { updatedByMember: me } } });
  expect(await answer(owner, PAYLOADS.deleteInvoiceLine, { c: c.clinicId, id: line.rowId })).toEqual({ deleteInvoiceLine: { invoiceLine: { createdByMember: me } } });
  await serve(third);
  expect(await answer(owner, PAYLOADS.billUnbilledServices, { invoice: invoice.rowId })).toEqual({ billUnbilledServices: { result: { doctor, updatedByMember: me } } });
  expect(await answer(owner, PAYLOADS.updateInvoice, { c: c.clinicId, id: invoice.rowId })).toEqual({ updateInvoice: { invoice: { doctor, updatedByMember: me } } });
  expect(await answer(owner, PAYLOADS.issueInvoice, { invoice: invoice.rowId })).toEqual({ issueInvoice: { result: { issuedByMember: me } } });

  const { recordPayment: { result: payment } } = await answer(owner, PAYLOADS.recordPayment, { invoice: invoice.rowId });
  expect(payment.receivedByMember).toEqual(me);
  expect(await answer(owner, PAYLOADS.updatePayment, { c: c.clinicId, id: payment.rowId })).toEqual({ updatePayment: { payment: { updatedByMember: me } } });
  expect(await answer(owner, PAYLOADS.refundPayment, { payment: payment.rowId })).toEqual({ refundPayment: { result: { refundedByMember: me } } });

  // an invoice of no visit has no doctor
  const { createInvoice: { invoice: draft } } = await answer(owner, PAYLOADS.createInvoice, { patient: patient.id });
  expect(draft).toEqual({ rowId: expect.any(String), doctor: null, createdByMember: me });
  expect(await answer(owner, PAYLOADS.voidInvoice, { invoice: draft.rowId })).toEqual({ voidInvoice: { result: { voidedByMember: me } } });
});

test("a day's, an export's and the clinic's payloads name who closed, reopened, asked for, cancelled, changed them; the platform, no one", async () => {
  const me = named(c.members.owner);
  const { closeDay: { result: day } } = await answer(owner, PAYLOADS.closeDay);
  expect(day.closedByMember).toEqual(me);
  expect(await answer(owner, PAYLOADS.reopenDay)).toEqual({ reopenDay: { result: { reopenedByMember: me } } });
  expect(await answer(owner, PAYLOADS.updateDailyReconciliation, { c: c.clinicId, id: day.rowId })).toEqual({
    updateDailyReconciliation: { dailyReconciliation: { updatedByMember: me } },
  });
  const { requestExport: { result: asked } } = await answer(owner, PAYLOADS.requestExport);
  expect(asked.requestedByMember).toEqual(me);
  // not run here: cancelled, so that it may be deleted
  expect(await answer(owner, PAYLOADS.cancelExport, { id: asked.rowId })).toEqual({ cancelExport: { result: { requestedByMember: me, cancelledByMember: me } } });
  expect(await answer(owner, PAYLOADS.deleteExport, { id: asked.rowId })).toEqual({ deleteExport: { result: { requestedByMember: me, deletedByMember: me } } });
  expect(await answer(owner, PAYLOADS.updateClinic, { c: c.clinicId })).toEqual({ updateClinic: { clinic: { updatedByMember: me } } });
  const platform = await login(await createUser({ isPlatformAdmin: true }));
  expect(await answer(platform, PAYLOADS.createClinicWithOwner, { phone: randomPhone() })).toEqual({ createClinicWithOwner: { result: { createdByMember: null } } });
});

// updateMembership's payload answered INTERNAL: the name was planned as a join of the statement that reads the
// member, and the payload's member is the row the update returned
test("a membership's payload names the member it changed; one removed, no one, until restored", async () => {
  const cashier = await addMember(c.clinicId, await createUser(), "cashier");
  const name = named(cashier);
  expect(await answer(owner, PAYLOADS.updateMembership, { c: c.clinicId, id: cashier.membershipId })).toEqual({
    updateMembership: { membership: { role: "receptionist", ...name }, membershipEdge: { node: name } },
  });
  const { membership: { id } } = await answer(owner, `query($c: UUID!, $id: UUID!) { membership(clinicId: $c, rowId: $id) { id } }`, { c: c.clinicId, id: cashier.membershipId });
  expect(await answer(owner, PAYLOADS.updateMembershipById, { id })).toEqual({
    updateMembershipById: { membership: { role: "admin", ...name }, membershipEdge: { node: name } },
  });
  // no longer of the clinic, their user is not the clinic's to read: as membership_full_name read it
  expect(await answer(owner, PAYLOADS.removeMember, { id: cashier.membershipId })).toEqual({
    removeMember: { result: { deletedAt: expect.any(String), fullName: null }, membershipEdge: null },
  });
  expect(await answer(owner, PAYLOADS.restoreMember, { id: cashier.membershipId })).toEqual({
    restoreMember: { result: name, membershipEdge: { node: name } },
  });
  expect(await answer(owner, PAYLOADS.inviteMember, { phone: randomPhone() })).toEqual({
    inviteMember: { result: { rowId: expect.any(String), fullName: "Juma Invited" }, membershipEdge: { node: { fullName: "Juma Invited" } } },
  });
});

test("a member read by a list, by its key, by its node id, as a visit's doctor or a stamp's member has the same name; an invitation not yet accepted, none", async () => {
  const invited = await createUser();
  const { rows: [{ id: pending }] } = await rootPool().query("insert into app_public.membership (clinic_id, user_id, role, accepted_at) values ($1, $2, 'doctor', null) returning id", [
    c.clinicId,
    invited.userId,
  ]);
  const visit = await createVisit(c);
  const receptionist = await login(c.members.receptionist);
  await answer(receptionist, PAYLOADS.updateVisit, { c: c.clinicId, id: visit.id });
  const doctor = named(c.members.doctor);
  const read = (id: string) =>
    answer(receptionist, `query($c: UUID!, $id: UUID!) {
      memberships(condition: { rowId: $id }) { nodes { fullName } edges { node { fullName } } }
      membership(clinicId: $c, rowId: $id) { id fullName }
      currentClinic { memberships(condition: { rowId: $id }) { nodes { fullName } } } }`, { c: c.clinicId, id });
  const byNode = async (id: string) => {
    const { membership } = await read(id);
    return answer(receptionist, `query($id: ID!) { node(id: $id) { ... on Membership { fullName } } membershipById(id: $id) { fullName } }`, { id: membership.id });
  };
  for (const [id, fullName] of [[c.members.doctor.membershipId, doctor.fullName], [pending, null]] as const) {
    expect(await read(id)).toEqual({
      memberships: { nodes: [{ fullName }], edges: [{ node: { fullName } }] },
      membership: { id: expect.any(String), fullName },
      currentClinic: { memberships: { nodes: [{ fullName }] } },
    });
    expect(await byNode(id)).toEqual({ node: { fullName }, membershipById: { fullName } });
  }
  expect(await answer(receptionist, `query($id: UUID!) { visits(condition: { rowId: $id }) { nodes { doctor { fullName } checkedInByMember { fullName } } } }`, { id: visit.id })).toEqual({
    visits: { nodes: [{ doctor, checkedInByMember: named(c.members.receptionist) }] },
  });
});

// the name is read by the user's key: joined into the statement that reads the members, or read by a statement of its
// own where none does (a mutation's payload); read so for a list, it was one statement more per member. stamps.test.ts
// counts the statements that read memberships, which a statement reading the user alone is not
test("a list of members, and of visits with their doctor and stamps' members, reads the names in the one statement that reads the list", async () => {
  const receptionist = await login(c.members.receptionist);
  const visits = [await createVisit(c), await createVisit(c)];
  for (const visit of visits) await answer(receptionist, PAYLOADS.updateVisit, { c: c.clinicId, id: visit.id });
  const ids = visits.map(({ id }) => id);
  const lists = {
    staff: ["{ memberships { nodes { fullName } } }", {}],
    clinicStaff: ["{ currentClinic { memberships { nodes { fullName } } } }", {}],
    visits: ["query($ids: [UUID!]) { visits(filter: { rowId: { in: $ids } }) { nodes { doctor { fullName } checkedInByMember { fullName } } } }", { ids }],
  } as const;
  const read: Record<string, { names: string[]; statements: number }> = {};
  for (const [list, [document, variables]] of Object.entries(lists)) {
    let data: unknown;
    const sent = await statementsSentBy(async () => (data = await answer(receptionist, document, variables)));
    read[list] = {
      names: [...new Set(JSON.stringify(data).match(/"fullName":"[^"]*"/g))].sort(),
      statements: sent.filter(({ text }) => /"app_public"\."(user|membership)"/.test(text)).length,
    };
  }
  const [doctor, desk] = [c.members.doctor, c.members.receptionist].map((member) => `"fullName":"${named(member).fullName}"`);
  expect(read.staff.statements).toBe(1);
  expect(read.staff.names).toEqual(expect.arrayContaining([doctor, desk]));
  expect(read.clinicStaff).toEqual(read.staff);
  expect(read.visits).toEqual({ names: [doctor, desk].sort(), statements: 1 });
});

// a person's name is theirs in every clinic they are of: renamed while working in one, the other's owner reads it in
// its staff list and, in its audit log, who renamed whom from what, with nothing of the clinic it was done from
test("a member of two clinics renaming themselves in one is in the other's audit log, as its owner reads it", async () => {
  const other = await createClinic("Member names, the other clinic");
  const receptionist = await addMember(other.clinicId, await createUser(), "receptionist");
  await addMember(c.clinicId, receptionist, "receptionist");
  const self = new Browser(api);
  await self.login(receptionist.phone, receptionist.password, other.clinicId);
  await answer(self, `mutation($id: UUID!) { updateUser(input: { rowId: $id, patch: { fullName: "Neema Renamed" } }) { user { fullName } } }`, { id: receptionist.userId });
  const read = await answer(owner, `query($m: UUID!, $u: UUID!) {
    memberships(condition: { rowId: $m }) { nodes { fullName } }
    auditLogs(filter: { tableName: { equalTo: "user" }, recordId: { equalTo: $u } }) { nodes { clinicId action actorName oldValues newValues detail } } }`,
    { m: (await rootPool().query("select id from app_public.membership where clinic_id = $1 and user_id = $2", [c.clinicId, receptionist.userId])).rows[0].id, u: receptionist.userId });
  expect(read.memberships.nodes).toEqual([{ fullName: "Neema Renamed" }]);
  // before, no entry: the rename was in the other clinic's chain alone
  expect(read.auditLogs.nodes).toEqual([{
    clinicId: c.clinicId,
    action: "update",
    actorName: "Neema Renamed",
    oldValues: expect.objectContaining({ full_name: named(receptionist).fullName }),
    newValues: expect.objectContaining({ full_name: "Neema Renamed" }),
    detail: null,
  }]);
});

/**
 * The statements `document` sends that read memberships, each run again as the API runs it (a prepared statement,
 * planned generically, as `member`'s session), counting the statements it ran (auto_explain tells each, those of
 * the functions it calls too) and the memberships it read. Sequential scans are off: a scan of the whole table would
 * count the test database's other clinics, whose number depends on the files run before.
 */
async function listCost(browser: Browser, member: TestMember, document: string) {
  const sent = await statementsSentBy(async () => answer(browser, document));
  const lists = sent.filter(({ text }) => text.includes(`from "app_public"."membership"`));
  expect(lists).toHaveLength(1);
  const client = await rootPool().connect();
  const statements: string[] = [];
  try {
    for (const setting of [...EXPLAINED_GENERIC, "set enable_seqscan = off"]) await client.query(setting);
    await beginAs(client, await openSession(member.userId, member.clinicId));
    client.on("notice", (notice) => statements.push(notice.message ?? ""));
    await client.query({ name: "list", text: lists[0].text, values: lists[0].values });
    const count = statements.length;
    const { rows: [read] } = await client.query(
      "select (seq_tup_read + coalesce(idx_tup_fetch, 0))::int as n from pg_stat_xact_user_tables where relid = 'app_public.membership'::regclass");
    return { statements: count, membershipsRead: read.n as number };
  } finally {
    await client.query("rollback");
    client.release(true); // auto_explain loaded: not back to the pool
  }
}

// the staff list ordered (and a filter compared) by membership_full_name, a statement per call, two calls a member, each
// reading the clinic's accepted memberships afresh through user's policy (select_colleagues): a clinic of 300 read
// 179,701 memberships for a page of 20, in 6,603 statements. The name is now read in the list's statement
test("the staff list by name reads its clinic's memberships a few times, not twice per member; its names and order are membership_full_name's", async () => {
  const clinic = await createClinic("Staff by name");
  const { owner: ownerOf, doctor: comesBack, cashier: removed, receptionist: deactivated } = clinic.members;
  const admin = await createUser({ isPlatformAdmin: true });
  await addMember(clinic.clinicId, admin, "admin");
  const pending = await createUser();
  await rootPool().query("insert into app_public.membership (clinic_id, user_id, role, accepted_at) values ($1, $2, 'doctor', null)", [clinic.clinicId, pending.userId]);
  const browser = await login(ownerOf);
  const remove = `mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`;
  await answer(browser, remove, { id: removed.membershipId });
  await answer(browser, remove, { id: comesBack.membershipId });
  await answer(browser, `mutation($phone: String!) { inviteMember(input: { phone: $phone, fullName: "Asked back", role: doctor, password: "a-password-of-their-own" }) { result { rowId } } }`,
    { phone: comesBack.phone });
  // the rest of the staff written as an operator would (a clinic adds 50 people an hour through the API)
  const names = ["Ávila", "abbott", "Zulu", "de la Cruz", "Amani", "amani", "Zuhura"];
  await rootPool().query(
    `with u as (insert into app_public."user" (phone, full_name)
       select '+2556' || lpad((floor(random() * 1e8))::bigint::text, 8, '0'), ($3::text[])[1 + g % array_length($3, 1)] || ' ' || (g / 7) from generate_series(0, $2 - 1) g returning id)
     insert into app_public.membership (clinic_id, user_id, role) select $1, id, 'doctor' from u`, [clinic.clinicId, 115, names]);
  await rootPool().query(`update app_public."user" set is_active = false where id = $1`, [deactivated.userId]);

  // as membership_full_name names and orders them, read as the session
  const byFunction = async (member: TestMember | TestUser, clinicId: string | null, where = "true") =>
    asSession(await openSession(member.userId, clinicId), async (client) =>
      (await client.query(`select m.id as "rowId", app_public.membership_full_name(m) as "fullName" from app_public.membership m
         where m.clinic_id = $1 and ${where}
         order by app_public.membership_full_name(m) is null, app_public.membership_full_name(m), m.role, m.clinic_id, m.id`, [clinic.clinicId])).rows);
  const expected = await byFunction(ownerOf, clinic.clinicId);
  expect(expected).toHaveLength(121); // 4 of the 5 first, 115 more, the platform admin, the invitation
  expect(expected.at(-1)).toEqual({ rowId: expect.any(String), fullName: null }); // the invitation never accepted, last
  expect(expected.map(({ rowId }) => rowId)).not.toContain(removed.membershipId);
  expect(expected).toEqual(expect.arrayContaining([
    { rowId: comesBack.membershipId, fullName: `Test ${comesBack.phone}` },
    { rowId: deactivated.membershipId, fullName: `Test ${deactivated.phone}` },
    { rowId: expect.any(String), fullName: `Test ${admin.phone}` },
  ]));
  const STAFF = `query($c: UUID!) { memberships(condition: { clinicId: $c }) { nodes { rowId fullName } } }`;
  // a page is 100 at most
  expect((await answer(browser, STAFF, { c: clinic.clinicId })).memberships.nodes).toEqual(expected.slice(0, 100));
  const backwards = await answer(browser, `query($c: UUID!) { memberships(condition: { clinicId: $c }, orderBy: [FULL_NAME_DESC, ROLE_DESC, PRIMARY_KEY_DESC]) { nodes { rowId } } }`,
    { c: clinic.clinicId });
  expect(backwards.memberships.nodes.map(({ rowId }: { rowId: string }) => rowId)).toEqual(expected.map(({ rowId }) => rowId).reverse().slice(0, 100));
  // page after page, each after the last one's cursor
  expect(await pageThrough(browser, "memberships", "[FULL_NAME_ASC, ROLE_ASC, PRIMARY_KEY_ASC]", "rowId", 25, 5)).toEqual(expected.map(({ rowId }) => rowId));
  const filtered = await answer(browser, `{ memberships(filter: { fullName: { startsWithInsensitive: "a" } }) { nodes { rowId fullName } } }`);
  expect(filtered.memberships.nodes).toEqual(await byFunction(ownerOf, clinic.clinicId, "app_public.membership_full_name(m) ilike 'a%'"));
  // through a relation: the visits of a doctor by name
  const visit = await createVisit(c);
  const doctorsVisits = await answer(owner, `query($name: String!) { visits(filter: { doctor: { fullName: { equalTo: $name } } }) { nodes { rowId doctor { fullName } } } }`,
    { name: named(c.members.doctor).fullName });
  expect(doctorsVisits.visits.nodes).toContainEqual({ rowId: visit.id, doctor: named(c.members.doctor) });
  expect(new Set(doctorsVisits.visits.nodes.map(({ doctor }: { doctor: unknown }) => JSON.stringify(doctor)))).toEqual(new Set([JSON.stringify(named(c.members.doctor))]));
  // a platform admin, in no clinic, sees every member and every user
  const overseer = await createUser({ isPlatformAdmin: true });
  const platformView = (await answer(await login(overseer), STAFF, { c: clinic.clinicId })).memberships.nodes;
  expect(platformView).toEqual((await byFunction(overseer, null)).slice(0, 100));
  expect(await byFunction(overseer, null)).toContainEqual({ rowId: expect.any(String), fullName: `Test ${pending.phone}` });

  // what a page of them costs: the list (with the policies' reads of the clinic's accepted memberships, once each), not
  // a statement per member
  for (const document of [`{ memberships(first: 20) { nodes { fullName } } }`, `{ memberships(first: 20, filter: { fullName: { includesInsensitive: "zu" } }) { nodes { fullName } } }`]) {
    const cost = await listCost(browser, ownerOf, document);
    expect(cost.statements).toBeLessThan(100); // 2,600 before, 22 a member
    expect(cost.membershipsRead).toBeLessThan(10 * 121); // 29,000 before
  }
});
