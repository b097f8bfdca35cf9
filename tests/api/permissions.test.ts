/**
 * The permission matrix of docs/permissions.md, cell by cell, through GraphQL
 * over HTTP with real login cookies: each role of clinic A, its receptionist
 * again with clinic A letting receptionists invoice (the "if allowed" column),
 * a second doctor of clinic A (to whom the visits are not assigned: the "own
 * visits" cells), and the owner of clinic B, tries every operation on fresh
 * rows of clinic A.
 * Whether it was allowed is judged by what the database holds afterwards, not
 * by the answer.
 */
import { randomUUID } from "node:crypto";
import { closeRootPool, rootPool } from "../support/database.ts";
import {
  addMember,
  cashierSession,
  committedAs,
  createIssuedInvoice,
  createClinic,
  createPatient,
  createService,
  createUser,
  createVisit,
  dayOf,
  LONG_AGO,
  randomPhone,
  ROLES,
  type Role,
  type TestClinic,
  type TestMember,
  writeBehindTriggers,
} from "../support/fixtures.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";

/** Clinic A's receptionist while clinic A lets receptionists invoice (`receptionistsMayInvoice`, on for this actor's attempts alone). */
const INVOICING_RECEPTIONIST = "receptionist, receptionists invoicing";
type Actor = Role | typeof INVOICING_RECEPTIONIST | "another doctor" | "other clinic's owner";
const ACTORS: Actor[] = [...ROLES, INVOICING_RECEPTIONIST, "another doctor", "other clinic's owner"];

let api: TestApi;
let a: TestClinic;
let b: TestClinic;
let otherDoctorId: string;
/** Clinic A's calendar date now, and its owner logged in once more: the reference for what clinic A's dashboard says. */
let today: string;
let ownerOfA: Browser;
const browsers = {} as Record<Actor, Browser>;

beforeAll(async () => {
  api = await startApi();
  a = await createClinic("Matrix A", { since: LONG_AGO }); // its days to close go back to 2020
  b = await createClinic("Matrix B");
  otherDoctorId = (await addMember(a.clinicId, await createUser(), "doctor")).membershipId;
  const anotherDoctor = await addMember(a.clinicId, await createUser(), "doctor");
  const logins: [Actor, TestMember][] = [
    ...ROLES.map((role): [Actor, TestMember] => [role, a.members[role]]),
    [INVOICING_RECEPTIONIST, a.members.receptionist],
    ["another doctor", anotherDoctor],
    ["other clinic's owner", b.members.owner],
  ];
  today = (await rootPool().query("select (now() at time zone 'Africa/Dar_es_Salaam')::date::text as d")).rows[0].d;
  ownerOfA = new Browser(api);
  await ownerOfA.login(a.members.owner.phone, a.members.owner.password);
  for (const [actor, member] of logins) {
    browsers[actor] = new Browser(api);
    expect((await browsers[actor].login(member.phone, member.password)).status).toBe(200);
  }
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

const one = async (sql: string, params: unknown[]) => (await rootPool().query(sql, params)).rows[0];

/**
 * A day of A left by no earlier attempt: one left closed (the same random date) is reopened first, a closed day being
 * refused a delete as an update (000487), then deleted.
 */
async function dayMadeAfresh(date: string): Promise<void> {
  await rootPool().query(
    "update app_public.daily_reconciliation set status = 'open', reopen_reason = 'Made afresh for the next attempt' where clinic_id = $1 and business_date = $2 and status = 'closed'",
    [a.clinicId, date]);
  await rootPool().query("delete from app_public.daily_reconciliation where clinic_id = $1 and business_date = $2", [a.clinicId, date]);
}

/**
 * A receptionist of clinic A, removed by its owner (a membership that was accepted, then soft-deleted), or an invitation of
 * one the owner withdrew (never accepted); added long ago, so that the clinic's 50 people an hour are left to the invitations here.
 */
async function removedMember({ accepted = true } = {}): Promise<TestMember> {
  const user = await createUser();
  const { id } = await one("insert into app_public.membership (clinic_id, user_id, role, accepted_at) values ($1, $2, 'receptionist', case when $3 then now() end) returning id", [
    a.clinicId,
    user.userId,
    accepted,
  ]);
  await rootPool().query("update app_public.membership set deleted_at = now() where id = $1", [id]);
  await writeBehindTriggers("update app_public.membership set created_at = $2, deleted_by = $3 where id = $1", [id, LONG_AGO, a.members.owner.userId]);
  return { ...user, clinicId: a.clinicId, membershipId: id, role: "receptionist" };
}

/** A cashier of clinic A added long ago, as removedMember's are: the clinic's 50 people an hour are left to the invitations here. */
async function cashierOfLongAgo(): Promise<TestMember> {
  const cashier = await addMember(a.clinicId, await createUser(), "cashier");
  await writeBehindTriggers("update app_public.membership set created_at = $2 where id = $1", [cashier.membershipId, LONG_AGO]);
  return cashier;
}

/** A payment of 500 in cash, taken by clinic A's cashier on an issued invoice of 1000. */
async function paymentOfA(): Promise<{ id: string; invoiceId: string }> {
  const invoice = await createIssuedInvoice(a, "1000");
  const payment = await committedAs(await cashierSession(a), async (c) =>
    (await c.query("select id from app_public.record_payment($1, 500, 'cash')", [invoice.id])).rows[0],
  );
  return { id: payment.id, invoiceId: invoice.id };
}

/** An export of clinic A's patients asked for by its cashier, waiting (no job of it: no worker runs here) or done as the worker leaves it. */
async function exportOfA(status: "queued" | "done"): Promise<string> {
  const { rows } = await rootPool().query(
    "insert into app_public.report_export (clinic_id, kind, from_date, to_date, requested_by) values ($1, 'patients_csv', $2, $2, $3) returning id",
    [a.clinicId, today, a.members.cashier.userId],
  );
  if (status === "done") {
    await rootPool().query(
      `update app_public.report_export set status = 'done', finished_at = now(), expires_at = now() + interval '1 day', file_name = 'patients.csv',
         byte_size = 10, content_type = 'text/csv' where id = $1`,
      [rows[0].id],
    );
  }
  return rows[0].id;
}

interface Cell {
  operation: string;
  allowed: Actor[];
  /** Makes what the operation acts on (fresh for every actor) and returns whether the effect happened. */
  attempt(browser: Browser): Promise<boolean>;
}

const FRONT_DESK: Actor[] = ["owner", "admin", "receptionist", INVOICING_RECEPTIONIST];
const MANAGERS: Actor[] = ["owner", "admin"];
/** The visit's own doctor (`doctor`: every visit made here is assigned to them), owners and admins; never "another doctor". */
const CLINICIANS: Actor[] = ["owner", "admin", "doctor"];
/** Every role of clinic A, its receptionist with receptionists invoicing too ("another doctor" aside). */
const STAFF: Actor[] = [...ROLES, INVOICING_RECEPTIONIST];
const EVERYONE: Actor[] = [...STAFF, "another doctor"];
const MONEY: Actor[] = ["owner", "admin", "cashier"];
/** Who makes and discards drafts: those who handle money, and receptionists where the clinic lets them invoice. */
const INVOICING: Actor[] = [...MONEY, INVOICING_RECEPTIONIST];

const CELLS: Cell[] = [
  {
    operation: "list patients",
    allowed: EVERYONE,
    async attempt(browser) {
      const patient = await createPatient(a.clinicId);
      const r = await browser.graphql(`query($id: UUID!) { patients(condition: { rowId: $id }) { nodes { code } } }`, { id: patient.id });
      return r.body.data?.patients.nodes[0]?.code === patient.code;
    },
  },
  {
    operation: "search patients (searchPatients)",
    allowed: EVERYONE,
    async attempt(browser) {
      const patient = await createPatient(a.clinicId);
      const r = await browser.graphql(`query($q: String!) { searchPatients(query: $q) { nodes { code } } }`, { q: patient.code });
      return (r.body.data?.searchPatients?.nodes ?? []).some((n: { code: string }) => n.code === patient.code);
    },
  },
  {
    operation: "see who did it, by name and role (a stamp's member)",
    allowed: EVERYONE,
    async attempt(browser) {
      const patient = await createPatient(a.clinicId);
      const registrar = a.members.receptionist;
      await writeBehindTriggers("update app_public.patient set created_by = $2 where id = $1", [patient.id, registrar.userId]);
      const r = await browser.graphql(`query($id: UUID!) { patients(condition: { rowId: $id }) { nodes { createdByMember { fullName role } } } }`, { id: patient.id });
      const member = r.body.data?.patients.nodes[0]?.createdByMember;
      return member?.fullName === `Test ${registrar.phone}` && member?.role === "receptionist";
    },
  },
  {
    operation: "register a patient",
    allowed: FRONT_DESK,
    async attempt(browser) {
      const lastName = `Reg ${Math.random()}`;
      await browser.graphql(`mutation($n: String!) { createPatient(input: { patient: { firstName: "Neema", lastName: $n } }) { patient { code } } }`, {
        n: lastName,
      });
      return (await one("select count(*)::int as n from app_public.patient where last_name = $1 and clinic_id = $2", [lastName, a.clinicId])).n === 1;
    },
  },
  {
    operation: "edit a patient",
    allowed: FRONT_DESK,
    async attempt(browser) {
      const patient = await createPatient(a.clinicId);
      await browser.graphql(
        `mutation($c: UUID!, $id: UUID!) { updatePatient(input: { clinicId: $c, rowId: $id, patch: { notes: "edited" } }) { patient { notes } } }`,
        { c: a.clinicId, id: patient.id },
      );
      return (await one("select notes from app_public.patient where id = $1", [patient.id])).notes === "edited";
    },
  },
  {
    operation: "delete a patient",
    allowed: MANAGERS,
    async attempt(browser) {
      const patient = await createPatient(a.clinicId);
      await browser.graphql(`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code } } }`, { id: patient.id });
      return (await one("select deleted_at from app_public.patient where id = $1", [patient.id])).deleted_at !== null;
    },
  },
  ...(
    [
      ["see deleted patients who match one being registered", MANAGERS, "findPatientDuplicates(phone: $phone) { nodes { rowId } }",
        (data: any, id: string) => data?.findPatientDuplicates.nodes.some((n: { rowId: string }) => n.rowId === id)],
      ["be told how many deleted patients match, without who", FRONT_DESK, "countDeletedPatientDuplicates(phone: $phone)",
        (data: any) => data?.countDeletedPatientDuplicates === 1],
    ] as [string, Actor[], string, (data: any, id: string) => boolean][]
  ).map(
    ([operation, allowed, field, told]): Cell => ({
      operation,
      allowed,
      async attempt(browser) {
        const phone = randomPhone();
        const patient = await createPatient(a.clinicId, { phone, deleted_at: new Date() });
        return told((await browser.graphql(`query($phone: String!) { ${field} }`, { phone })).body.data, patient.id);
      },
    }),
  ),
  {
    operation: "restore a patient",
    allowed: MANAGERS,
    async attempt(browser) {
      const patient = await createPatient(a.clinicId);
      await rootPool().query("update app_public.patient set deleted_at = now() where id = $1", [patient.id]);
      await browser.graphql(`mutation($id: UUID!) { restorePatient(input: { patientId: $id }) { result { code } } }`, { id: patient.id });
      return (await one("select deleted_at from app_public.patient where id = $1", [patient.id])).deleted_at === null;
    },
  },
  ...(
    [
      ["list deleted patients", "patient", "deletedPatients", () => createPatient(a.clinicId)],
      ["list deleted services", "service", "deletedServices", () => createService(a.clinicId)],
    ] as const
  ).map(
    ([operation, table, trash, create]): Cell => ({
      operation,
      allowed: MANAGERS,
      async attempt(browser) {
        const row = await create();
        await rootPool().query(`update app_public.${table} set deleted_at = now() where id = $1`, [row.id]);
        const r = await browser.graphql(`{ ${trash} { nodes { code } } }`);
        return (r.body.data?.[trash]?.nodes ?? []).some((n: { code: string }) => n.code === row.code);
      },
    }),
  ),
  {
    operation: "read a deleted service's price history",
    allowed: MANAGERS,
    async attempt(browser) {
      const service = await createService(a.clinicId);
      await rootPool().query("update app_public.service set deleted_at = now() where id = $1", [service.id]);
      const r = await browser.graphql(`query($s: UUID!) { servicePrices(condition: { serviceId: $s }) { nodes { price } } }`, { s: service.id });
      return (r.body.data?.servicePrices?.nodes ?? []).length === 1;
    },
  },
  ...(
    [
      ["a removed member", true],
      ["an invitation the clinic withdrew", false],
    ] as const
  ).flatMap(([what, accepted]): Cell[] => [
    {
      operation: `list ${what} (removedMembers)`,
      allowed: MANAGERS,
      async attempt(browser) {
        const removed = await removedMember({ accepted });
        const r = await browser.graphql(`{ removedMembers { nodes { membershipId } } }`);
        return (r.body.data?.removedMembers?.nodes ?? []).some((n: { membershipId: string }) => n.membershipId === removed.membershipId);
      },
    },
    {
      operation: `restore ${what}`,
      allowed: MANAGERS,
      async attempt(browser) {
        const removed = await removedMember({ accepted });
        await browser.graphql(`mutation($m: UUID!) { restoreMember(input: { membershipId: $m }) { result { rowId } } }`, { m: removed.membershipId });
        return (await one("select deleted_at from app_public.membership where id = $1", [removed.membershipId])).deleted_at === null;
      },
    },
  ]),
  {
    operation: "read the service catalog",
    allowed: EVERYONE,
    async attempt(browser) {
      const service = await createService(a.clinicId);
      const r = await browser.graphql(`query($id: UUID!) { services(condition: { rowId: $id }) { nodes { code price } } }`, { id: service.id });
      return r.body.data?.services.nodes[0]?.code === service.code;
    },
  },
  {
    operation: "read a service's price history (servicePrices)",
    allowed: EVERYONE,
    async attempt(browser) {
      const service = await createService(a.clinicId);
      const r = await browser.graphql(`query($s: UUID!) { servicePrices(condition: { serviceId: $s }) { nodes { price } } }`, { s: service.id });
      return (r.body.data?.servicePrices?.nodes ?? []).length === 1;
    },
  },
  {
    operation: "add a service to the catalog",
    allowed: MANAGERS,
    async attempt(browser) {
      const name = `Svc ${Math.random()}`;
      await browser.graphql(`mutation($n: String!) { createService(input: { service: { name: $n, price: "1500" } }) { service { code } } }`, { n: name });
      return (await one("select count(*)::int as n from app_public.service where name = $1 and clinic_id = $2", [name, a.clinicId])).n === 1;
    },
  },
  {
    operation: "change a service's price",
    allowed: MANAGERS,
    async attempt(browser) {
      const service = await createService(a.clinicId, "1000");
      await browser.graphql(
        `mutation($c: UUID!, $id: UUID!) { updateService(input: { clinicId: $c, rowId: $id, patch: { price: "1200" } }) { service { price } } }`,
        { c: a.clinicId, id: service.id },
      );
      return (await one("select price from app_public.service where id = $1", [service.id])).price === "1200.000";
    },
  },
  {
    operation: "delete a service",
    allowed: MANAGERS,
    async attempt(browser) {
      const service = await createService(a.clinicId);
      await browser.graphql(`mutation($id: UUID!) { deleteService(input: { serviceId: $id }) { result { code } } }`, { id: service.id });
      return (await one("select deleted_at from app_public.service where id = $1", [service.id])).deleted_at !== null;
    },
  },
  {
    operation: "restore a service",
    allowed: MANAGERS,
    async attempt(browser) {
      const service = await createService(a.clinicId);
      await rootPool().query("update app_public.service set deleted_at = now() where id = $1", [service.id]);
      await browser.graphql(`mutation($id: UUID!) { restoreService(input: { serviceId: $id }) { result { code } } }`, { id: service.id });
      return (await one("select deleted_at from app_public.service where id = $1", [service.id])).deleted_at === null;
    },
  },
  {
    operation: "see a visit assigned to the doctor",
    allowed: STAFF,
    async attempt(browser) {
      const visit = await createVisit(a);
      const r = await browser.graphql(`query($id: UUID!) { visits(condition: { rowId: $id }) { nodes { code } } }`, { id: visit.id });
      return r.body.data?.visits.nodes[0]?.code === visit.code;
    },
  },
  {
    operation: "see another doctor's visit",
    allowed: ["owner", "admin", "receptionist", INVOICING_RECEPTIONIST, "cashier"],
    async attempt(browser) {
      const visit = await createVisit(a);
      await rootPool().query("update app_public.visit set doctor_id = $2 where id = $1", [visit.id, otherDoctorId]);
      const r = await browser.graphql(`query($id: UUID!) { visits(condition: { rowId: $id }) { nodes { code } } }`, { id: visit.id });
      return r.body.data?.visits.nodes[0]?.code === visit.code;
    },
  },
  {
    operation: "schedule a visit",
    allowed: FRONT_DESK,
    async attempt(browser) {
      const patient = await createPatient(a.clinicId);
      await browser.graphql(
        `mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2030-01-01T09:00:00Z" } }) { visit { code } } }`,
        { p: patient.id, d: a.members.doctor.membershipId },
      );
      return (await one("select count(*)::int as n from app_public.visit where patient_id = $1", [patient.id])).n === 1;
    },
  },
  {
    operation: "check a walk-in in (book and check in at once)",
    allowed: FRONT_DESK,
    async attempt(browser) {
      const patient = await createPatient(a.clinicId);
      await browser.graphql(`mutation($p: UUID!, $d: UUID!) { checkInWalkIn(input: { patientId: $p, doctorId: $d }) { result { code } } }`, {
        p: patient.id,
        d: a.members.doctor.membershipId,
      });
      return (await one("select count(*)::int as n from app_public.visit where patient_id = $1 and status = 'checked_in'", [patient.id])).n === 1;
    },
  },
  ...(
    [
      ["check a patient in", "scheduled", "checked_in", FRONT_DESK],
      ["cancel a visit", "scheduled", "cancelled", FRONT_DESK],
      ["mark a no-show", "scheduled", "no_show", FRONT_DESK],
      ["start a consultation", "checked_in", "in_progress", CLINICIANS],
      ["complete a visit", "in_progress", "completed", CLINICIANS],
    ] as [string, string, string, Actor[]][]
  ).map(
    ([operation, from, to, allowed]): Cell => ({
      operation,
      allowed,
      async attempt(browser) {
        const visit = await createVisit(a, from);
        await browser.graphql(
          `mutation($c: UUID!, $id: UUID!, $s: VisitStatus!, $r: String) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { status: $s, cancelReason: $r } }) { visit { status } } }`,
          { c: a.clinicId, id: visit.id, s: to, r: to === "cancelled" ? "Patient asked" : null },
        );
        return (await one("select status from app_public.visit where id = $1", [visit.id])).status === to;
      },
    }),
  ),
  {
    operation: "reschedule a visit",
    allowed: FRONT_DESK,
    async attempt(browser) {
      const visit = await createVisit(a);
      await browser.graphql(
        `mutation($c: UUID!, $id: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { scheduledAt: "2031-05-05T10:00:00Z" } }) { visit { code } } }`,
        { c: a.clinicId, id: visit.id },
      );
      const { scheduled_at } = await one("select scheduled_at from app_public.visit where id = $1", [visit.id]);
      return scheduled_at.toISOString() === "2031-05-05T10:00:00.000Z";
    },
  },
  {
    operation: "add a service to a visit",
    allowed: CLINICIANS,
    async attempt(browser) {
      const visit = await createVisit(a, "in_progress");
      const service = await createService(a.clinicId);
      await browser.graphql(
        `mutation($v: UUID!, $s: UUID!) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s, quantity: 1 } }) { visitService { unitPrice } } }`,
        { v: visit.id, s: service.id },
      );
      return (await one("select count(*)::int as n from app_public.visit_service where visit_id = $1", [visit.id])).n === 1;
    },
  },
  {
    operation: "change a service on a visit (quantity, discount)",
    allowed: CLINICIANS,
    async attempt(browser) {
      const visit = await createVisit(a, "in_progress");
      const line = await one(
        "insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id",
        [a.clinicId, visit.id, (await createService(a.clinicId, "1000")).id],
      );
      await browser.graphql(
        `mutation($c: UUID!, $id: UUID!) { updateVisitService(input: { clinicId: $c, rowId: $id, patch: { quantity: 2, discount: "100" } }) { visitService { lineTotal } } }`,
        { c: a.clinicId, id: line.id },
      );
      const { quantity, discount } = await one("select quantity, discount from app_public.visit_service where id = $1", [line.id]);
      return quantity === 2 && discount === "100.000";
    },
  },
  {
    operation: "remove a service from a visit",
    allowed: CLINICIANS,
    async attempt(browser) {
      const visit = await createVisit(a, "in_progress");
      const service = await createService(a.clinicId);
      const line = await one(
        "insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id",
        [a.clinicId, visit.id, service.id],
      );
      await browser.graphql(`mutation($c: UUID!, $id: UUID!) { deleteVisitService(input: { clinicId: $c, rowId: $id }) { visitService { rowId } } }`, {
        c: a.clinicId,
        id: line.id,
      });
      return (await one("select count(*)::int as n from app_public.visit_service where id = $1", [line.id])).n === 0;
    },
  },
  {
    operation: "see whether a visit's service is billed (VisitService.billed), without its invoice",
    allowed: STAFF,
    async attempt(browser) {
      const invoice = await createIssuedInvoice(a);
      const r = await browser.graphql(`query($v: UUID!) { visitServices(condition: { visitId: $v }) { nodes { billed } } }`, { v: invoice.visitId });
      return r.body.data?.visitServices.nodes[0]?.billed === true;
    },
  },
  {
    operation: "list the services no live invoice bills (unbilledVisitServices), without their invoices",
    allowed: STAFF,
    async attempt(browser) {
      const visit = await createVisit(a, "in_progress");
      const service = await createService(a.clinicId);
      const added = await one("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id", [a.clinicId, visit.id, service.id]);
      const r = await browser.graphql(`{ unbilledVisitServices { nodes { rowId } } }`);
      return (r.body.data?.unbilledVisitServices.nodes ?? []).some((node: { rowId: string }) => node.rowId === added.id);
    },
  },
  {
    operation: "see the dashboard",
    allowed: MONEY,
    async attempt(browser) {
      // what clinic A's figures are on the day of a patient registered now, as its owner's own dashboard gives them (the
      // patient's day, not the file's first: once Dar es Salaam's midnight passed since, that day had no new patient)
      const { id } = await createPatient(a.clinicId);
      const day = await dayOf("patient", id);
      const dashboard = (b: Browser) => b.graphql(`query($d: Date!) { dashboard(fromDate: $d, toDate: $d) { newPatients visitsByStatus } }`, { d: day });
      const seen = (await dashboard(browser)).body.data?.dashboard;
      const clinicA = (await dashboard(ownerOfA)).body.data.dashboard;
      expect(clinicA.newPatients).toBeGreaterThan(0);
      return seen != null && JSON.stringify(seen) === JSON.stringify(clinicA);
    },
  },
  {
    operation: "change clinic settings",
    allowed: MANAGERS,
    async attempt(browser) {
      const footer = `Footer ${Math.random()}`;
      await browser.graphql(`mutation($id: UUID!, $f: String!) { updateClinic(input: { rowId: $id, patch: { invoiceFooter: $f } }) { clinic { name } } }`, {
        id: a.clinicId,
        f: footer,
      });
      return (await one("select invoice_footer from app_public.clinic where id = $1", [a.clinicId])).invoice_footer === footer;
    },
  },
  {
    operation: "invite a member",
    allowed: MANAGERS,
    async attempt(browser) {
      const phone = `+2556${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
      await browser.graphql(
        `mutation($p: String!) { inviteMember(input: { phone: $p, fullName: "New Cashier", role: cashier, password: "password-123" }) { result { rowId } } }`,
        { p: phone },
      );
      return (
        await one(`select count(*)::int as n from app_public.membership m join app_public."user" u on u.id = m.user_id where u.phone = $1 and m.clinic_id = $2`, [
          phone,
          a.clinicId,
        ])
      ).n === 1;
    },
  },
  {
    operation: "reset a member's password",
    allowed: MANAGERS,
    async attempt(browser) {
      const cashier = await addMember(a.clinicId, await createUser(), "cashier");
      await browser.graphql(`mutation($m: UUID!) { resetMemberPassword(input: { membershipId: $m, password: "a password reset" }) { result } }`, { m: cashier.membershipId });
      return (await one("select app_private.password_matches('a password reset', password_hash) as reset from app_private.user_secret where user_id = $1", [cashier.userId])).reset;
    },
  },
  {
    operation: "change one's own full name (updateUser)",
    allowed: [...EVERYONE, "other clinic's owner"],
    async attempt(browser) {
      const me = (await browser.graphql(`{ currentUser { rowId fullName } }`)).body.data.currentUser;
      const RENAME = `mutation($id: UUID!, $n: String!) { updateUser(input: { rowId: $id, patch: { fullName: $n } }) { user { fullName } } }`;
      const name = `Renamed ${Math.random()}`;
      await browser.graphql(RENAME, { id: me.rowId, n: name });
      const renamed = (await one(`select full_name from app_public."user" where id = $1`, [me.rowId])).full_name === name;
      await browser.graphql(RENAME, { id: me.rowId, n: me.fullName }); // as it was, for the cells that read it
      return renamed;
    },
  },
  {
    operation: "change a colleague's full name (updateUser)",
    allowed: [],
    async attempt(browser) {
      const colleague = await cashierOfLongAgo();
      await browser.graphql(`mutation($id: UUID!) { updateUser(input: { rowId: $id, patch: { fullName: "Renamed By Another" } }) { user { fullName } } }`, {
        id: colleague.userId,
      });
      return (await one(`select full_name from app_public."user" where id = $1`, [colleague.userId])).full_name === "Renamed By Another";
    },
  },
  ...(
    [
      ["change a member's role (updateMembership)", `mutation($c: UUID!, $m: UUID!) { updateMembership(input: { clinicId: $c, rowId: $m, patch: { role: receptionist } }) { membership { role } } }`,
        "select role = 'receptionist' as changed from app_public.membership where id = $1"],
      ["suspend a member (updateMembership)", `mutation($c: UUID!, $m: UUID!) { updateMembership(input: { clinicId: $c, rowId: $m, patch: { isActive: false } }) { membership { isActive } } }`,
        "select not is_active as changed from app_public.membership where id = $1"],
      ["remove a member (removeMember)", `mutation($m: UUID!) { removeMember(input: { membershipId: $m }) { result { rowId } } }`,
        "select deleted_at is not null as changed from app_public.membership where id = $1"],
    ] as const
  ).map(
    ([operation, mutation, changed]): Cell => ({
      operation,
      allowed: MANAGERS,
      async attempt(browser) {
        const cashier = await cashierOfLongAgo();
        await browser.graphql(mutation, { c: a.clinicId, m: cashier.membershipId });
        return (await one(changed, [cashier.membershipId])).changed;
      },
    }),
  ),
  {
    operation: "invite a removed member again (on their membership of before)",
    allowed: MANAGERS,
    async attempt(browser) {
      const removed = await removedMember();
      await browser.graphql(
        `mutation($p: String!) { inviteMember(input: { phone: $p, fullName: "Back Again", role: receptionist, password: "password-123" }) { result { rowId } } }`,
        { p: removed.phone },
      );
      const membership = await one("select deleted_at, accepted_at from app_public.membership where id = $1", [removed.membershipId]);
      return membership.deleted_at === null && membership.accepted_at === null;
    },
  },
  {
    operation: "read the audit log",
    allowed: MANAGERS,
    async attempt(browser) {
      const r = await browser.graphql(`{ auditLogs(first: 5) { nodes { action clinicId } } }`);
      const nodes = r.body.data?.auditLogs.nodes ?? [];
      return nodes.length > 0 && nodes.every((n: { clinicId: string }) => n.clinicId === a.clinicId);
    },
  },
  {
    operation: "verify the audit chain",
    allowed: MANAGERS,
    async attempt(browser) {
      const r = await browser.graphql(`query($id: UUID!) { verifyAuditChain(clinicId: $id) { entries isValid } }`, { id: a.clinicId });
      const status = r.body.data?.verifyAuditChain;
      return status?.isValid === true && Number(status.entries) > 0;
    },
  },
  {
    operation: "see invoices",
    allowed: INVOICING,
    async attempt(browser) {
      const invoice = await createIssuedInvoice(a, "1000");
      const r = await browser.graphql(`query($id: UUID!) { invoices(condition: { rowId: $id }) { nodes { code } } }`, { id: invoice.id });
      return r.body.data?.invoices.nodes[0]?.code === invoice.code;
    },
  },
  {
    operation: "see payments",
    allowed: MONEY,
    async attempt(browser) {
      const invoice = await createIssuedInvoice(a, "1000");
      await committedAs(await cashierSession(a), (c) => c.query("select app_public.record_payment($1, 100, 'cash')", [invoice.id]));
      const r = await browser.graphql(`query($id: UUID!) { invoices(condition: { rowId: $id }) { nodes { code payments { totalCount } } } }`, {
        id: invoice.id,
      });
      return r.body.data?.invoices.nodes[0]?.payments.totalCount === 1;
    },
  },
  {
    operation: "see refunds (refunds, moneyMovements)",
    allowed: MONEY,
    async attempt(browser) {
      const payment = await paymentOfA();
      await committedAs(await cashierSession(a), (c) => c.query("select app_public.refund_payment($1, 100, 'Change')", [payment.id]));
      const r = await browser.graphql(
        `query($id: UUID!) { refunds(condition: { invoiceId: $id }) { totalCount } moneyMovements(condition: { invoiceId: $id }) { totalCount } }`,
        { id: payment.invoiceId },
      );
      return r.body.data?.refunds.totalCount === 1 && r.body.data?.moneyMovements.totalCount === 2;
    },
  },
  {
    operation: "create an invoice from a visit",
    allowed: INVOICING,
    async attempt(browser) {
      const visit = await createVisit(a, "in_progress");
      await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [
        a.clinicId,
        visit.id,
        (await createService(a.clinicId)).id,
      ]);
      await browser.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { code } } }`, { v: visit.id });
      return (await one("select count(*)::int as n from app_public.invoice where visit_id = $1", [visit.id])).n === 1;
    },
  },
  {
    operation: "add a line to a draft invoice",
    allowed: INVOICING,
    async attempt(browser) {
      const draft = await createIssuedInvoice(a, "5000", { issue: false });
      await browser.graphql(
        `mutation($i: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $i, description: "Dressing", unitPrice: "1000" } }) { invoiceLine { rowId } } }`,
        { i: draft.id },
      );
      return (await one("select count(*)::int as n from app_public.invoice_line where invoice_id = $1", [draft.id])).n === 2;
    },
  },
  ...(
    [
      ["change a line of a draft invoice", `updateInvoiceLine(input: { clinicId: $c, rowId: $id, patch: { unitPrice: "1500" } }) { invoiceLine { rowId } }`,
        (line?: { unit_price: string }) => line?.unit_price === "1500.000"],
      ["remove a line of a draft invoice", `deleteInvoiceLine(input: { clinicId: $c, rowId: $id }) { invoiceLine { rowId } }`, (line?: unknown) => line === undefined],
    ] as [string, string, (line?: { unit_price: string }) => boolean][]
  ).map(
    ([operation, mutation, changed]): Cell => ({
      operation,
      allowed: INVOICING,
      async attempt(browser) {
        const draft = await createIssuedInvoice(a, "5000", { issue: false });
        const line = await one("insert into app_public.invoice_line (clinic_id, invoice_id, description, unit_price) values ($1, $2, 'Dressing', 1000) returning id", [
          a.clinicId,
          draft.id,
        ]);
        await browser.graphql(`mutation($c: UUID!, $id: UUID!) { ${mutation} }`, { c: a.clinicId, id: line.id });
        return changed(await one("select unit_price from app_public.invoice_line where id = $1", [line.id]));
      },
    }),
  ),
  {
    operation: "bill a visit's services added since on its draft",
    allowed: INVOICING,
    async attempt(browser) {
      const draft = await createIssuedInvoice(a, "5000", { issue: false });
      await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [a.clinicId, draft.visitId, (await createService(a.clinicId)).id]);
      await browser.graphql(`mutation($i: UUID!) { billUnbilledServices(input: { invoiceId: $i }) { result { code } } }`, { i: draft.id });
      return (await one("select count(*)::int as n from app_public.invoice_line where invoice_id = $1", [draft.id])).n === 2;
    },
  },
  {
    operation: "make an invoice by hand (createInvoice)",
    allowed: INVOICING,
    async attempt(browser) {
      const patient = await createPatient(a.clinicId);
      await browser.graphql(`mutation($p: UUID!) { createInvoice(input: { invoice: { patientId: $p } }) { invoice { code } } }`, { p: patient.id });
      return (await one("select count(*)::int as n from app_public.invoice where patient_id = $1", [patient.id])).n === 1;
    },
  },
  ...(
    [
      ["write a draft invoice's notes (updateInvoice)", false, INVOICING],
      ["write an issued invoice's notes (updateInvoice)", true, MONEY],
    ] as [string, boolean, Actor[]][]
  ).map(
    ([operation, issue, allowed]): Cell => ({
      operation,
      allowed,
      async attempt(browser) {
        const invoice = await createIssuedInvoice(a, "1000", { issue });
        const notes = `Notes ${Math.random()}`;
        await browser.graphql(`mutation($c: UUID!, $id: UUID!, $n: String!) { updateInvoice(input: { clinicId: $c, rowId: $id, patch: { notes: $n } }) { invoice { notes } } }`, {
          c: a.clinicId,
          id: invoice.id,
          n: notes,
        });
        return (await one("select notes from app_public.invoice where id = $1", [invoice.id])).notes === notes;
      },
    }),
  ),
  {
    operation: "issue an invoice",
    allowed: MONEY,
    async attempt(browser) {
      const invoice = await createIssuedInvoice(a, "1000", { issue: false });
      await browser.graphql(`mutation($id: UUID!) { issueInvoice(input: { invoiceId: $id }) { result { status } } }`, { id: invoice.id });
      return (await one("select status from app_public.invoice where id = $1", [invoice.id])).status === "issued";
    },
  },
  {
    operation: "take a payment",
    allowed: MONEY,
    async attempt(browser) {
      const invoice = await createIssuedInvoice(a, "1000");
      await browser.graphql(`mutation($id: UUID!) { recordPayment(input: { invoiceId: $id, amount: "250", method: mobile_money }) { result { code } } }`, {
        id: invoice.id,
      });
      return (await one("select count(*)::int as n from app_public.payment where invoice_id = $1", [invoice.id])).n === 1;
    },
  },
  {
    operation: "correct a payment's method or reference (updatePayment)",
    allowed: MONEY,
    async attempt(browser) {
      const payment = await paymentOfA();
      await browser.graphql(`mutation($c: UUID!, $id: UUID!) { updatePayment(input: { clinicId: $c, rowId: $id, patch: { method: card, reference: "Slip 7" } }) { payment { method } } }`, {
        c: a.clinicId,
        id: payment.id,
      });
      const { method, reference } = await one("select method, reference from app_public.payment where id = $1", [payment.id]);
      return method === "card" && reference === "Slip 7";
    },
  },
  {
    operation: "refund a payment",
    allowed: MONEY,
    async attempt(browser) {
      const payment = await paymentOfA();
      await browser.graphql(`mutation($id: UUID!) { refundPayment(input: { paymentId: $id, amount: "100", reason: "Change" }) { result { code } } }`, {
        id: payment.id,
      });
      return (await one("select count(*)::int as n from app_public.refund where payment_id = $1", [payment.id])).n === 1;
    },
  },
  {
    operation: "void a draft invoice",
    allowed: INVOICING,
    async attempt(browser) {
      const invoice = await createIssuedInvoice(a, "1000", { issue: false });
      await browser.graphql(`mutation($id: UUID!) { voidInvoice(input: { invoiceId: $id, reason: "Made by mistake" }) { result { status } } }`, { id: invoice.id });
      return (await one("select status from app_public.invoice where id = $1", [invoice.id])).status === "void";
    },
  },
  {
    operation: "void an issued invoice",
    allowed: MONEY,
    async attempt(browser) {
      const invoice = await createIssuedInvoice(a, "1000");
      await browser.graphql(`mutation($id: UUID!) { voidInvoice(input: { invoiceId: $id, reason: "Duplicate" }) { result { status } } }`, { id: invoice.id });
      return (await one("select status from app_public.invoice where id = $1", [invoice.id])).status === "void";
    },
  },
  {
    operation: "close a business day",
    allowed: MONEY,
    async attempt(browser) {
      const date = `20${20 + Math.floor(Math.random() * 6)}-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}`;
      await dayMadeAfresh(date);
      await browser.graphql(`mutation($d: Date!) { closeDay(input: { businessDate: $d, countedCash: "0" }) { result { status } } }`, { d: date });
      return (await one("select count(*)::int as n from app_public.daily_reconciliation where clinic_id = $1 and business_date = $2 and status = 'closed'", [a.clinicId, date])).n === 1;
    },
  },
  ...(
    [
      ["see the business days (dailyReconciliations)", `query($c: UUID!, $d: Date!) { dailyReconciliations(condition: { clinicId: $c, businessDate: $d }) { nodes { notes } } }`,
        (data: any) => data?.dailyReconciliations.nodes[0]?.notes === "Float of 5000"],
      ["write an open day's notes (updateDailyReconciliation)",
        `mutation($c: UUID!, $d: Date!) { updateDailyReconciliationByClinicIdAndBusinessDate(input: { clinicId: $c, businessDate: $d, patch: { notes: "Counted twice" } }) { dailyReconciliation { notes } } }`,
        async (_: unknown, id: string) => (await one("select notes from app_public.daily_reconciliation where id = $1", [id])).notes === "Counted twice"],
    ] as [string, string, (data: any, id: string) => boolean | Promise<boolean>][]
  ).map(
    ([operation, document, done]): Cell => ({
      operation,
      allowed: MONEY,
      async attempt(browser) {
        // a day of its own (days 01 to 08 of a month long ago), left open, with notes
        const date = `19${10 + Math.floor(Math.random() * 80)}-0${1 + Math.floor(Math.random() * 9)}-0${1 + Math.floor(Math.random() * 8)}`;
        await dayMadeAfresh(date);
        const { id } = await one("insert into app_public.daily_reconciliation (clinic_id, business_date, notes) values ($1, $2, 'Float of 5000') returning id", [
          a.clinicId,
          date,
        ]);
        return done((await browser.graphql(document, { c: a.clinicId, d: date })).body.data, id);
      },
    }),
  ),
  {
    operation: "reopen a closed day",
    allowed: ["owner"],
    async attempt(browser) {
      const date = `19${10 + Math.floor(Math.random() * 80)}-0${1 + Math.floor(Math.random() * 9)}-2${Math.floor(Math.random() * 8)}`;
      // a day another actor's attempt left closed (the same random date) is made afresh, as closing's cell does: a closed day's row is final
      await dayMadeAfresh(date);
      await rootPool().query("insert into app_public.daily_reconciliation (clinic_id, business_date, status) values ($1, $2, 'closed')", [
        a.clinicId,
        date,
      ]);
      await browser.graphql(`mutation($d: Date!) { reopenDay(input: { businessDate: $d, reason: "Recount" }) { result { status } } }`, { d: date });
      return (await one("select status from app_public.daily_reconciliation where clinic_id = $1 and business_date = $2", [a.clinicId, date])).status === "open";
    },
  },
  {
    operation: "request an export",
    allowed: MONEY,
    async attempt(browser) {
      const exports = async () => (await one("select count(*)::int as n from app_public.report_export where clinic_id = $1", [a.clinicId])).n;
      const before = await exports();
      const r = await browser.graphql(`mutation($d: Date!) { requestExport(input: { kind: patients_csv, fromDate: $d, toDate: $d }) { result { rowId } } }`, { d: today });
      const id = r.body.data?.requestExport?.result.rowId;
      if (id) await rootPool().query("select graphile_worker.remove_job('report_export:' || $1)", [id]); // no worker runs here
      return (await exports()) === before + 1;
    },
  },
  {
    operation: "list exports (reportExports)",
    allowed: MONEY,
    async attempt(browser) {
      const id = await exportOfA("done");
      const r = await browser.graphql(`query($id: UUID!) { reportExports(condition: { rowId: $id }) { nodes { status } } }`, { id });
      return r.body.data?.reportExports.nodes[0]?.status === "done";
    },
  },
  {
    operation: "cancel an export waiting (cancelExport)",
    allowed: MONEY,
    async attempt(browser) {
      const id = await exportOfA("queued");
      await browser.graphql(`mutation($id: UUID!) { cancelExport(input: { exportId: $id }) { result { status } } }`, { id });
      return (await one("select status from app_public.report_export where id = $1", [id])).status === "cancelled";
    },
  },
  {
    operation: "delete an export (deleteExport)",
    allowed: MONEY,
    async attempt(browser) {
      const id = await exportOfA("done");
      await browser.graphql(`mutation($id: UUID!) { deleteExport(input: { exportId: $id }) { result { status } } }`, { id });
      return (await one("select deleted_at from app_public.report_export where id = $1", [id])).deleted_at !== null;
    },
  },
];

/** `attempt` while clinic A lets receptionists invoice. */
async function withReceptionistsInvoicing<T>(attempt: () => Promise<T>): Promise<T> {
  await rootPool().query("update app_public.clinic set receptionists_may_invoice = true where id = $1", [a.clinicId]);
  try {
    return await attempt();
  } finally {
    await rootPool().query("update app_public.clinic set receptionists_may_invoice = false where id = $1", [a.clinicId]);
  }
}

describe.each(CELLS)("$operation", (cell) => {
  test.each(ACTORS)("%s", async (actor) => {
    const attempt = () => cell.attempt(browsers[actor]);
    const happened = await (actor === INVOICING_RECEPTIONIST ? withReceptionistsInvoicing(attempt) : attempt());
    expect({ actor, allowed: happened }).toEqual({ actor, allowed: cell.allowed.includes(actor) });
  });
});

test("receptionists invoice visits only when the clinic allows it", async () => {
  const visit = await createVisit(a, "in_progress");
  await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [
    a.clinicId,
    visit.id,
    (await createService(a.clinicId)).id,
  ]);
  const create = () =>
    browsers.receptionist.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { rowId status taxRate } } }`, { v: visit.id });
  const seenInvoices = async () =>
    (await browsers.receptionist.graphql(`query($p: UUID!) { invoices(condition: { patientId: $p }) { nodes { status } } }`, { p: visit.patientId })).body.data
      .invoices.nodes;
  expect((await create()).body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  const notYet = await browsers.receptionist.graphql(`mutation($i: UUID!) { billUnbilledServices(input: { invoiceId: $i }) { result { code } } }`, { i: randomUUID() });
  expect(notYet.body.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" } });
  // an invoice of the visit made by the cashier is not seen either
  await committedAs(await cashierSession(a), async (c) => {
    const made = (await c.query("select id from app_public.create_invoice_from_visit($1)", [visit.id])).rows[0];
    await c.query("select app_public.void_invoice($1, 'Made to be seen')", [made.id]);
  });
  expect(await seenInvoices()).toEqual([]);
  await browsers.owner.graphql(`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: { receptionistsMayInvoice: true } }) { clinic { name } } }`, {
    id: a.clinicId,
  });
  try {
    const allowed = await create();
    expect(allowed.body.data.createInvoiceFromVisit.result.status).toBe("draft");
    expect((await seenInvoices()).map((n: { status: string }) => n.status).sort()).toEqual(["draft", "void"]);
    // its totals follow its lines, as a cashier's do (they stayed 0: the receptionist could not update the invoice)
    const draft = allowed.body.data.createInvoiceFromVisit.result;
    const totals = async () =>
      (await rootPool().query(
        "select i.total::text as total, (select sum(l.line_total)::text from app_public.invoice_line l where l.clinic_id = i.clinic_id and l.invoice_id = i.id) as lines from app_public.invoice i where i.id = $1",
        [draft.rowId],
      )).rows[0];
    expect(Number((await totals()).total)).toBeGreaterThan(0);
    expect((await totals()).total).toBe((await totals()).lines);
    // and bills the visit's services added since, as the cashier does (every one is on it here)
    const bill = await browsers.receptionist.graphql(`mutation($i: UUID!) { billUnbilledServices(input: { invoiceId: $i }) { result { code } } }`, { i: draft.rowId });
    expect(bill.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: `Every service of ${visit.code} is billed already.` });
    const ADD_LINE = `mutation($i: UUID!, $p: BigFloat!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $i, description: "Dressing", unitPrice: $p } }) { invoiceLine { rowId taxRate } } }`;
    const added = await browsers.receptionist.graphql(ADD_LINE, { i: draft.rowId, p: "1000" });
    expect(added.body.errors).toBeUndefined();
    expect(added.body.data.createInvoiceLine.invoiceLine.taxRate).toBe(draft.taxRate); // the invoice's, when left out
    expect((await totals()).total).toBe((await totals()).lines);
    // issued, paid or void, its lines are the cashier's record: the receptionist changes none of them
    const lineId = added.body.data.createInvoiceLine.invoiceLine.rowId;
    await committedAs(await cashierSession(a), (c) => c.query("select app_public.issue_invoice($1)", [draft.rowId]));
    const before = await totals();
    for (const [what, attempt] of [
      ["add", () => browsers.receptionist.graphql(ADD_LINE, { i: draft.rowId, p: "1" })],
      ["change", () => browsers.receptionist.graphql(`mutation($c: UUID!, $id: UUID!) { updateInvoiceLine(input: { clinicId: $c, rowId: $id, patch: { unitPrice: "1" } }) { invoiceLine { rowId } } }`, { c: a.clinicId, id: lineId })],
      ["remove", () => browsers.receptionist.graphql(`mutation($c: UUID!, $id: UUID!) { deleteInvoiceLine(input: { clinicId: $c, rowId: $id }) { invoiceLine { rowId } } }`, { c: a.clinicId, id: lineId })],
    ] as const) {
      const r = await attempt();
      expect({ what, code: r.body.errors?.[0].extensions?.code, message: r.body.errors?.[0].message }).toEqual({
        what, code: "INVALID_TRANSITION", message: "The lines of an issued invoice never change: void it and issue a new one.",
      });
    }
    expect(await totals()).toEqual(before);
    // an issued invoice she sees is told so, not "No such invoice" (her lock reaches drafts only)
    const billIssued = await browsers.receptionist.graphql(`mutation($i: UUID!) { billUnbilledServices(input: { invoiceId: $i }) { result { code } } }`, { i: draft.rowId });
    expect(billIssued.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_TRANSITION" } });
    // nor issues, voids or takes payments
    expect((await browsers.receptionist.graphql(`mutation($id: UUID!) { voidInvoice(input: { invoiceId: $id, reason: "x" }) { clientMutationId } }`, { id: draft.rowId })).body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    // an invoice of another clinic, by id, is NOT_FOUND, with the tax rate left out or not
    const theirs = await createIssuedInvoice(b, "5000", { issue: false });
    for (const variables of [{ i: theirs.id, p: "1" }]) {
      const r = await browsers.receptionist.graphql(ADD_LINE, variables);
      expect(r.body.errors?.[0].extensions?.code).toBe("NOT_FOUND");
      const withRate = await browsers.receptionist.graphql(
        `mutation($i: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $i, description: "x", unitPrice: "1", taxRate: "0" } }) { invoiceLine { rowId } } }`,
        variables,
      );
      expect(withRate.body.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    }
    // but still no payments
    const r = await browsers.receptionist.graphql(`{ payments { totalCount } }`);
    expect(r.body.data.payments.totalCount).toBe(0);
  } finally {
    await rootPool().query("update app_public.clinic set receptionists_may_invoice = false where id = $1", [a.clinicId]);
  }
});

test("a write the policies refuse tells who may make it", async () => {
  const patient = await createPatient(a.clinicId);
  const service = await createService(a.clinicId);
  const visit = await createVisit(a, "in_progress");
  const refusal = async (actor: Actor, mutation: string, variables: Record<string, unknown> = {}) =>
    (await browsers[actor].graphql(mutation, variables)).body.errors?.map((e) => [e.extensions?.code, e.message]);
  // each was "You do not have permission to do this."
  expect(await refusal("cashier", `mutation { createPatient(input: { patient: { firstName: "Neema", lastName: "Refused" } }) { patient { code } } }`)).toEqual([
    ["FORBIDDEN", "Only the front desk (an owner, admin or receptionist) registers and edits patients, in its own clinic."],
  ]);
  expect(
    await refusal("doctor", `mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2030-01-01T09:00:00Z" } }) { visit { code } } }`, {
      p: patient.id,
      d: a.members.doctor.membershipId,
    }),
  ).toEqual([["FORBIDDEN", "Only the front desk (an owner, admin or receptionist) books visits, in its own clinic."]]);
  expect(await refusal("doctor", `mutation { createService(input: { service: { name: "Refused", price: "1500" } }) { service { code } } }`)).toEqual([
    ["FORBIDDEN", "Only an owner or admin changes the service catalog, in their own clinic."],
  ]);
  expect(
    await refusal("receptionist", `mutation($v: UUID!, $s: UUID!) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s, quantity: 1 } }) { visitService { unitPrice } } }`, {
      v: visit.id,
      s: service.id,
    }),
  ).toEqual([["FORBIDDEN", "Only the visit's doctor, an owner or an admin adds services to a visit, in their own clinic."]]);
  for (const visitId of [null, visit.id]) {
    // naming a visit (here another patient's) too: the role is refused, not the visit
    expect(
      await refusal("doctor", `mutation($p: UUID!, $v: UUID) { createInvoice(input: { invoice: { patientId: $p, visitId: $v } }) { invoice { code } } }`, { p: patient.id, v: visitId }),
    ).toEqual([["FORBIDDEN", "Only those who handle billing (an owner, admin or cashier; receptionists where the clinic allows) make invoices, in their own clinic."]]);
  }
});
