/**
 * Two deletes of one patient at once give one of them the row and the other
 * NOT_FOUND: the row is locked before it is deleted, so the second waits and
 * then finds it gone (it used to read back the row the first had deleted).
 * A booking and a delete of its patient at once leave no visit of a deleted
 * patient: the booking waits for a delete in flight and is then refused, and a
 * delete that comes second waits for the booking.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { createClinic, createPatient, type TestClinic } from "../support/fixtures.ts";
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
