/**
 * The clinic domain through the API: tenancy across foreign keys, soft delete
 * and restore, bad input, search, duplicate warnings, aggregates and filters.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { addMember, createClinic, createPatient, createService, createUser, createVisit, type TestClinic } from "../support/fixtures.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";

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
  test("a visit of A for a patient of B", async () => {
    const patientOfB = await createPatient(b.clinicId);
    const r = await receptionist.graphql(
      `mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2030-01-01T09:00:00Z" } }) { visit { code } } }`,
      { p: patientOfB.id, d: a.members.doctor.membershipId },
    );
    expect(errorCode(r)).toBe("NOT_FOUND");
    expect((await rootPool().query("select count(*)::int as n from app_public.visit where patient_id = $1", [patientOfB.id])).rows[0].n).toBe(0);
  });

  test("a visit of A with B's doctor", async () => {
    const patient = await createPatient(a.clinicId);
    const r = await receptionist.graphql(
      `mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2030-01-01T09:00:00Z" } }) { visit { code } } }`,
      { p: patient.id, d: b.members.doctor.membershipId },
    );
    expect(["NOT_FOUND", "INVALID_INPUT"]).toContain(errorCode(r));
    expect((await rootPool().query("select count(*)::int as n from app_public.visit where patient_id = $1", [patient.id])).rows[0].n).toBe(0);
  });

  test("a service of B on a visit of A", async () => {
    const visit = await createVisit(a, "in_progress");
    const serviceOfB = await createService(b.clinicId);
    const r = await owner.graphql(
      `mutation($v: UUID!, $s: UUID!) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s } }) { visitService { rowId } } }`,
      { v: visit.id, s: serviceOfB.id },
    );
    expect(["NOT_FOUND", "INVALID_INPUT"]).toContain(errorCode(r));
    expect((await rootPool().query("select count(*)::int as n from app_public.visit_service where visit_id = $1", [visit.id])).rows[0].n).toBe(0);
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
  const find = (browser: Browser, id: string) =>
    browser.graphql(`query($id: UUID!) { patients(condition: { rowId: $id }) { nodes { code } } }`, { id });

  test("hides the patient, restore brings them back, audit records both, nothing is hard-deleted", async () => {
    const patient = await createPatient(a.clinicId);
    const deleted = await owner.graphql(`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code deletedAt } } }`, {
      id: patient.id,
    });
    expect(deleted.body.data.deletePatient.result.code).toBe(patient.code);
    expect(deleted.body.data.deletePatient.result.deletedAt).not.toBeNull();
    expect((await find(owner, patient.id)).body.data.patients.nodes).toEqual([]);
    const trash = await owner.graphql(`{ deletedPatients { nodes { code } } }`);
    expect(trash.body.data.deletedPatients.nodes.map((n: { code: string }) => n.code)).toContain(patient.code);
    expect((await rootPool().query("select count(*)::int as n from app_public.patient where id = $1", [patient.id])).rows[0].n).toBe(1);

    await owner.graphql(`mutation($id: UUID!) { restorePatient(input: { patientId: $id }) { result { code } } }`, { id: patient.id });
    expect((await find(owner, patient.id)).body.data.patients.nodes).toEqual([{ code: patient.code }]);
    const { rows } = await rootPool().query("select action from app_public.audit_log where record_id = $1 order by seq", [patient.id]);
    expect(rows.map((r) => r.action)).toEqual(["insert", "soft_delete", "restore"]);
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
    const mutations = await owner.graphql(`{ __type(name: "Mutation") { fields { name } } }`);
    const names = mutations.body.data.__type.fields.map((f: { name: string }) => f.name);
    expect(names).toEqual(expect.arrayContaining(["deletePatient", "deleteService", "removeMember"]));
    for (const forbidden of ["deletePatientById", "deleteServiceById", "deleteVisit", "deleteVisitById", "deleteMembership", "deleteMembershipById"]) {
      expect(names).not.toContain(forbidden);
    }
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

  test("a negative price", async () => {
    const r = await owner.graphql(`mutation { createService(input: { service: { name: "Refund me", price: "-1" } }) { service { code } } }`);
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: "INVALID_INPUT", constraint: "service_price_check" });
    expect((await rootPool().query("select count(*)::int as n from app_public.service where name = 'Refund me'")).rows[0].n).toBe(0);
  });

  test("a non-numeric price", async () => {
    const r = await owner.graphql(`mutation { createService(input: { service: { name: "NaN", price: "ten" } }) { service { code } } }`);
    expect(r.body.errors).toBeDefined();
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
    const valid = await owner.graphql(`{ nairobi: isValidTimezone(name: "Africa/Nairobi") posix: isValidTimezone(name: "posix/Africa/Nairobi") }`);
    expect(valid.body.data).toEqual({ nairobi: true, posix: false });
    expect((await rootPool().query("select timezone from app_public.clinic where id = $1", [a.clinicId])).rows[0].timezone).toBe("Africa/Dar_es_Salaam");
  });

  test("a doctor who is not a doctor", async () => {
    const patient = await createPatient(a.clinicId);
    const r = await receptionist.graphql(
      `mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2030-01-01T09:00:00Z" } }) { visit { code } } }`,
      { p: patient.id, d: a.members.cashier.membershipId },
    );
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: expect.stringMatching(/doctor role/) });
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
      expect({ at, error: r.body.errors?.[0] }).toEqual({
        at,
        error: expect.objectContaining({
          extensions: { code: "INVALID_INPUT", constraint: "visit_scheduled_at_is_finite" },
          message: "A visit is booked at a date and time, not infinity.",
        }),
      });
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

  test("an invalid transition", async () => {
    const visit = await createVisit(a, "completed");
    const r = await owner.graphql(
      `mutation($c: UUID!, $id: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { status: checked_in } }) { visit { status } } }`,
      { c: a.clinicId, id: visit.id },
    );
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_TRANSITION" }, message: "A completed visit cannot change any more." });
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

  test("visits per day in the clinic's time zone, and filters on status, doctor, date range and patient", async () => {
    const perDay = await manager.graphql(`{ visits { groupedAggregates(groupBy: [SCHEDULED_AT_TRUNCATED_TO_DAY]) { keys distinctCount { rowId } } } }`);
    expect(perDay.body.data.visits.groupedAggregates).toHaveLength(1); // all five are booked now: one local day
    expect(perDay.body.data.visits.groupedAggregates[0].keys[0]).toMatch(/\+03:00$/); // Africa/Dar_es_Salaam
    const filtered = await manager.graphql(
      `query($d: UUID!) { visits(filter: { status: { in: [scheduled, checked_in] }, doctorId: { equalTo: $d }, scheduledAt: { greaterThan: "2000-01-01T00:00:00Z" } }) { totalCount } }`,
      { d: clinic.members.doctor.membershipId },
    );
    expect(filtered.body.data.visits.totalCount).toBe(3);
    const { rows } = await rootPool().query("select patient_id from app_public.visit where clinic_id = $1 limit 1", [clinic.clinicId]);
    const byPatient = await manager.graphql(`query($p: UUID!) { visits(condition: { patientId: $p }) { totalCount } }`, { p: rows[0].patient_id });
    expect(byPatient.body.data.visits.totalCount).toBe(1);
  });

  test("patients registered per day", async () => {
    const r = await manager.graphql(`{ patients { groupedAggregates(groupBy: [CREATED_AT_TRUNCATED_TO_DAY]) { keys distinctCount { rowId } } } }`);
    expect(r.body.data.patients.groupedAggregates.map((g: { distinctCount: { rowId: string } }) => Number(g.distinctCount.rowId))).toEqual([5]);
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
    expect((await formerDoctor.login(c.members.doctor.phone, c.members.doctor.password)).body.role).toBe("cashier");

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
});
