/**
 * Two deletes of one patient at once give one of them the row and the other
 * NOT_FOUND: the row is locked before it is deleted, so the second waits and
 * then finds it gone (it used to read back the row the first had deleted).
 * A booking and a delete of its patient at once leave no visit of a deleted
 * patient: the booking waits for a delete in flight and is then refused, and a
 * delete that comes second waits for the booking.
 */
import type pg from "pg";
import { apiPool, closeRootPool, rootPool } from "../support/database.ts";
import { beginAs, createClinic, createPatient, openSession, type TestClinic, type TestMember } from "../support/fixtures.ts";

let clinic: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Soft delete clinic");
});
afterAll(closeRootPool);

const DELETE = "select code from app_public.delete_patient($1)";
const BOOK = "insert into app_public.visit (patient_id, doctor_id, scheduled_at) values ($1, $2, now()) returning code";

/** The server process of each connection of the test, to ask PostgreSQL whether it waits for a lock. */
const backendOf = new WeakMap<pg.PoolClient, number>();

/** Two members' transactions, open at once. */
async function atOnce(a: TestMember, b: TestMember, fn: (a: pg.PoolClient, b: pg.PoolClient) => Promise<void>) {
  const clients = [await apiPool().connect(), await apiPool().connect()];
  try {
    for (const client of clients) backendOf.set(client, (await client.query("select pg_backend_pid() as pid")).rows[0].pid);
    await beginAs(clients[0], await openSession(a.userId, clinic.clinicId));
    await beginAs(clients[1], await openSession(b.userId, clinic.clinicId));
    await fn(clients[0], clients[1]);
  } finally {
    for (const client of clients) {
      await client.query("rollback");
      client.release();
    }
  }
}

/** What a query in flight ends with: its rows, or its error's code. */
const outcome = (query: Promise<pg.QueryResult>) =>
  query.then(
    (r) => r.rows,
    (error: { code?: string }) => error.code,
  );

/** Whether the query in flight on `client` is seen waiting for another transaction's lock (within 5 s), before it ends. */
async function waitsForLock(client: pg.PoolClient, query: Promise<unknown>): Promise<boolean> {
  let ended = false;
  void query.finally(() => (ended = true));
  for (const end = Date.now() + 5000; !ended && Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const { rows } = await rootPool().query("select cardinality(pg_blocking_pids($1)) > 0 as blocked", [backendOf.get(client)]);
    if (rows[0].blocked) return true;
  }
  return false;
}

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
