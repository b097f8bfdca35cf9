/**
 * Two deletes of one patient at once give one of them the row and the other
 * NOT_FOUND: the row is locked before it is deleted, so the second waits and
 * then finds it gone (it used to read back the row the first had deleted).
 * A booking and a delete of its patient at once leave no visit of a deleted
 * patient: the booking waits for a delete in flight and is then refused, and a
 * delete that comes second waits for the booking. A DELETE by the API role
 * never removes a patient, service or visit.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { committedAs, createClinic, createPatient, createService, createVisit, openSession, type TestClinic } from "../support/fixtures.ts";
import { atOnce, outcome, waitsForLock } from "../support/locks.ts";

let clinic: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Soft delete clinic");
});
afterAll(closeRootPool);

const DELETE = "select code from app_public.delete_patient($1)";
const BOOK = "insert into app_public.visit (patient_id, doctor_id, scheduled_at) values ($1, $2, now()) returning code";

test("an owner's delete in flight and an admin's: one row, one NOT_FOUND", async () => {
  const patient = await createPatient(clinic.clinicId);
  await atOnce(clinic.members.owner, clinic.members.admin, async (owner, admin) => {
    expect((await owner.query(DELETE, [patient.id])).rows).toEqual([{ code: patient.code }]);
    const second = outcome(admin.query(DELETE, [patient.id]));
    expect(await waitsForLock(admin, second)).toBe(true);
    await owner.query("commit");
    expect(await second).toBe("CNOTF");
  });
});

test("a booking while its patient's delete is in flight waits for it, then is refused", async () => {
  const patient = await createPatient(clinic.clinicId);
  await atOnce(clinic.members.owner, clinic.members.receptionist, async (owner, receptionist) => {
    expect((await owner.query(DELETE, [patient.id])).rows).toEqual([{ code: patient.code }]);
    const booking = outcome(receptionist.query(BOOK, [patient.id, clinic.members.doctor.membershipId]));
    expect(await waitsForLock(receptionist, booking)).toBe(true);
    await owner.query("commit");
    expect(await booking).toBe("CINVL");
  });
  const { rows } = await rootPool().query("select count(*)::int as visits from app_public.visit where patient_id = $1", [patient.id]);
  expect(rows).toEqual([{ visits: 0 }]);
});

test("a delete while a booking of the patient is in flight waits for it: the visit is kept, and the patient deleted after it", async () => {
  const patient = await createPatient(clinic.clinicId);
  await atOnce(clinic.members.owner, clinic.members.receptionist, async (owner, receptionist) => {
    const [{ code }] = (await receptionist.query(BOOK, [patient.id, clinic.members.doctor.membershipId])).rows;
    const deleting = outcome(owner.query(DELETE, [patient.id]));
    expect(await waitsForLock(owner, deleting)).toBe(true);
    await receptionist.query("commit");
    expect(await deleting).toEqual([{ code: patient.code }]);
    await owner.query("commit");
    const { rows } = await rootPool().query("select v.code, p.deleted_at is not null as deleted from app_public.visit v join app_public.patient p on p.id = v.patient_id where v.patient_id = $1", [patient.id]);
    expect(rows).toEqual([{ code, deleted: true }]);
  });
});

test("a DELETE by the API's role, even an owner's, keeps the row: patients and services are soft-deleted, visits not deleted at all", async () => {
  const patient = await createPatient(clinic.clinicId);
  const service = await createService(clinic.clinicId);
  const visit = await createVisit(clinic);
  await committedAs(await openSession(clinic.members.owner.userId, clinic.clinicId), async (client) => {
    for (const [table, id] of [["patient", patient.id], ["service", service.id]]) {
      expect((await client.query(`delete from app_public.${table} where id = $1`, [id])).rowCount).toBe(0); // the trigger did the work instead
    }
    await client.query("savepoint visit");
    await expect(client.query("delete from app_public.visit where id = $1", [visit.id])).rejects.toThrow(/permission denied/);
    await client.query("rollback to savepoint visit");
  });
  const { rows } = await rootPool().query(
    `select 'patient' as kind, deleted_by from app_public.patient where id = $1
     union all select 'service', deleted_by from app_public.service where id = $2
     union all select 'visit', null from app_public.visit where id = $3 order by 1`,
    [patient.id, service.id, visit.id],
  );
  expect(rows).toEqual([
    { kind: "patient", deleted_by: clinic.members.owner.userId },
    { kind: "service", deleted_by: clinic.members.owner.userId },
    { kind: "visit", deleted_by: null },
  ]);
  const audit = await rootPool().query("select action from app_public.audit_log where record_id = any($1) and action like '%delete%'", [[patient.id, service.id]]);
  expect(audit.rows).toEqual([{ action: "soft_delete" }, { action: "soft_delete" }]);
});
