/**
 * Two deletes of one patient at once give one of them the row and the other
 * NOT_FOUND: the row is locked before it is deleted, so the second waits and
 * then finds it gone (it used to read back the row the first had deleted).
 */
import { apiPool, closeRootPool } from "../support/database.ts";
import { beginAs, createClinic, createPatient, openSession, type TestClinic } from "../support/fixtures.ts";

let clinic: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Soft delete clinic");
});
afterAll(closeRootPool);

const DELETE = "select code from app_public.delete_patient($1)";

test("an owner's delete in flight and an admin's: one row, one NOT_FOUND", async () => {
  const patient = await createPatient(clinic.clinicId);
  const first = await apiPool().connect();
  const other = await apiPool().connect();
  try {
    await beginAs(first, await openSession(clinic.members.owner.userId, clinic.clinicId));
    await beginAs(other, await openSession(clinic.members.admin.userId, clinic.clinicId));
    expect((await first.query(DELETE, [patient.id])).rows).toEqual([{ code: patient.code }]);
    const waiting = other.query(DELETE, [patient.id]).then(
      (r) => r.rows,
      (error: { code?: string }) => error.code,
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // the second is waiting for the first's lock
    await first.query("commit");
    expect(await waiting).toBe("CNOTF");
  } finally {
    await first.query("rollback");
    await other.query("rollback");
    first.release();
    other.release();
  }
});
