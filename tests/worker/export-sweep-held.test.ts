/**
 * The hourly sweep of exports (report_export__expire) and a transaction left open: an operator's in psql holding one
 * export's row (an update of it, a select for update) or a clinic's audit log (an audited fix of its rows, not yet
 * committed). The sweep waited for it with no end, in one statement for every clinic: no clinic's export was expired,
 * failed or its unended download audited, no file removed, and each hourly run after it waited behind the same lock,
 * the worker's two places for jobs taken within two hours (no export, reconciliation or audit anchor ran).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { holdWorkerTurnThroughThisFile, jobHelpers } from "../support/worker.ts";
import { report_export__expire } from "../../worker/tasks/report_export__expire.ts";
import { workerPool } from "../../worker/run.ts";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { createClinic, openSession, type TestClinic } from "../support/fixtures.ts";
import { temporaryFolders } from "../support/temp-folders.ts";
import { orStillWaiting } from "../support/until.ts";

holdWorkerTurnThroughThisFile();

const exportsRoot = temporaryFolders()("exports");
beforeAll(() => {
  process.env.EXPORTS_DIR = exportsRoot;
});
afterAll(async () => {
  delete process.env.EXPORTS_DIR;
  await closeRootPool();
});

/** Two clinics, the first in the order of their ids (the sweep's) the one held. */
async function twoClinics(name: string): Promise<[held: TestClinic, other: TestClinic]> {
  const clinics = [await createClinic(name), await createClinic(name)].sort((x, y) => (x.clinicId < y.clinicId ? -1 : 1));
  return [clinics[0], clinics[1]];
}

/** An export of `clinicId` done 8 days ago, past its 7 days, its file in place. */
async function expiredExport(clinicId: string): Promise<{ id: string; file: string }> {
  const { rows: [made] } = await rootPool().query(
    `insert into app_public.report_export (clinic_id, kind, from_date, to_date, status, finished_at, expires_at, byte_size)
     values ($1, 'patients_csv', current_date, current_date, 'done', now() - interval '8 days', now() - interval '1 day', 17) returning id`,
    [clinicId],
  );
  mkdirSync(join(exportsRoot, clinicId), { recursive: true });
  const file = join(exportsRoot, clinicId, made.id);
  writeFileSync(file, "code,first_name\r\n");
  return { id: made.id, file };
}

/** An export of `clinicId` queued, with no job: its job is gone, one the sweep fails. */
async function abandonedExport(clinicId: string): Promise<string> {
  const { rows: [made] } = await rootPool().query(
    "insert into app_public.report_export (clinic_id, kind, from_date, to_date) values ($1, 'patients_csv', current_date, current_date) returning id",
    [clinicId],
  );
  return made.id;
}

/** A download of an export of `clinic`, begun 25 hours ago, whose end never came. */
async function unendedDownload(clinic: TestClinic): Promise<{ id: string; exportId: string }> {
  const { id: exportId } = await expiredExport(clinic.clinicId);
  const session = await openSession(clinic.members.cashier.userId, clinic.clinicId);
  const id = randomUUID();
  await rootPool().query(
    `insert into app_private.export_download (id, clinic_id, export_id, user_id, session_id, kind, file_name, begun_at)
     values ($1, $2, $3, $4, $5, 'patients_csv', 'patients.csv', now() - interval '25 hours')`,
    [id, clinic.clinicId, exportId, clinic.members.cashier.userId, session],
  );
  return { id, exportId };
}

/** A run of the sweep, as the worker runs it. */
async function sweep(): Promise<void> {
  const pool = workerPool({ connectionString: testConfig.ownerUrl, max: 4 }, () => {});
  try {
    await report_export__expire({}, jobHelpers(pool, 1));
  } finally {
    await pool.end();
  }
}

const statusOf = async (id: string) => (await rootPool().query("select status::text from app_public.report_export where id = $1", [id])).rows[0]?.status;
const cutShort = async (download: string) =>
  (await rootPool().query("select count(*)::int as n from app_public.audit_log where action = 'export_cut_short' and detail ->> 'download' = $1", [download])).rows[0].n;

/**
 * Runs the sweep while `hold` (run on a connection of its own, in a transaction) holds what it holds: the PostgreSQL
 * warnings it logged, or "still waiting after 40 s", and what `look` saw then, still held; the transaction is rolled
 * back, and the sweep waited for, after.
 */
async function sweepWhileHeld<T>(hold: (operator: pg.PoolClient) => Promise<unknown>, look: () => Promise<T>): Promise<[string[] | string, T]> {
  const operator = await rootPool().connect();
  const warnings: string[] = [];
  const pool = workerPool({ connectionString: testConfig.ownerUrl, max: 4 }, (message) => warnings.push(message));
  let run: Promise<string[]> | undefined;
  try {
    await operator.query("begin");
    await hold(operator);
    run = Promise.resolve(report_export__expire({}, jobHelpers(pool, 1))).then(() => warnings);
    return [await orStillWaiting(run), await look()];
  } finally {
    await operator.query("rollback");
    operator.release();
    await run?.catch(() => {});
    await pool.end();
  }
}

test("an export past its expiry whose row another transaction holds is passed over after 20 s with a warning naming its clinic, its file kept; the other clinics' are expired and their files removed", async () => {
  const [held, other] = await twoClinics("Held export clinic");
  const [kept, alsoHeldsClinic, expired] = [await expiredExport(held.clinicId), await expiredExport(held.clinicId), await expiredExport(other.clinicId)];
  const [outcome, meanwhile] = await sweepWhileHeld(
    (operator) => operator.query("select from app_public.report_export where id = $1 for update", [kept.id]),
    async () => ({ status: await statusOf(expired.id), file: existsSync(expired.file) }),
  );
  // the other clinic's, before: done, its file on the disk, as long as the transaction lasted
  expect(meanwhile).toEqual({ status: "expired", file: false });
  expect(outcome).toContainEqual(
    `PostgreSQL warns: The exports of clinic ${held.clinicId} past their expiry are not expired now: another transaction held one of them for over 20 s (canceling statement due to lock timeout); the next hourly run expires them.`,
  );
  // the held clinic's, not expired, keep their files: they are removed once expired
  expect({ held: [await statusOf(kept.id), await statusOf(alsoHeldsClinic.id)], files: [existsSync(kept.file), existsSync(alsoHeldsClinic.file)] }).toEqual({
    held: ["done", "done"],
    files: [true, true],
  });
  // once let go, the next run expires them
  await sweep();
  expect({ held: [await statusOf(kept.id), await statusOf(alsoHeldsClinic.id)], files: [existsSync(kept.file), existsSync(alsoHeldsClinic.file)] }).toEqual({
    held: ["expired", "expired"],
    files: [false, false],
  });
}, 120_000);

test("an abandoned export whose row another transaction holds is passed over after 20 s with a warning naming its clinic; the other clinics' are failed", async () => {
  const [held, other] = await twoClinics("Held abandoned export clinic");
  const [heldExport, otherExport] = [await abandonedExport(held.clinicId), await abandonedExport(other.clinicId)];
  const [outcome, meanwhile] = await sweepWhileHeld(
    (operator) => operator.query("select from app_public.report_export where id = $1 for update", [heldExport]),
    () => statusOf(otherExport),
  );
  expect(meanwhile).toBe("failed"); // before: queued, as long as the transaction lasted
  expect(outcome).toContainEqual(
    `PostgreSQL warns: The abandoned exports of clinic ${held.clinicId} are not failed now: another transaction held one of them, or the clinic's line of exports, for over 20 s (canceling statement due to lock timeout); the next hourly run fails them.`,
  );
  expect(await statusOf(heldExport)).toBe("queued");
  await sweep();
  expect(await statusOf(heldExport)).toBe("failed");
}, 120_000);

test("a clinic whose audit log another transaction holds has its unended downloads passed over after 20 s with a warning naming it, and its exports still expired; the other clinics' downloads are audited as cut short", async () => {
  const [held, other] = await twoClinics("Held audit log clinic");
  const [heldDownload, otherDownload] = [await unendedDownload(held), await unendedDownload(other)];
  // an audited fix of one of the held clinic's rows, not yet committed: its audit entry holds the clinic's chain
  const [outcome, meanwhile] = await sweepWhileHeld(
    (operator) => operator.query("insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Held', 'Chain')", [held.clinicId]),
    () => cutShort(otherDownload.id),
  );
  expect(meanwhile).toBe(1); // before: 0, as long as the transaction lasted
  expect(outcome).toContainEqual(
    `PostgreSQL warns: The downloads of clinic ${held.clinicId} whose end never came are not audited now: another transaction held the clinic's audit log for over 20 s (canceling statement due to lock timeout); the next hourly run audits them.`,
  );
  expect(await cutShort(heldDownload.id)).toBe(0);
  // the expiry writes no audit entry: the held clinic's export past its expiry is expired all the same
  expect(await statusOf(heldDownload.exportId)).toBe("expired");
  await sweep();
  expect(await cutShort(heldDownload.id)).toBe(1);
}, 120_000);
