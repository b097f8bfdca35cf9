/**
 * A clinic's export storage, and deleting an export. Nothing bounded the files a clinic's exports kept: a cashier
 * asking again and again for ten years of payments could fill the server's disk, taking every clinic down, and no one
 * could delete an export. A new export is refused once the clinic's finished files take its storage
 * (EXPORT_STORAGE_PER_CLINIC_MB, here 1 MB); whoever may download an export deletes it (deleteExport), and the worker
 * removes its file.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { exportFile } from "../../db/export-files.ts";
import { holdWorkerTurnThroughThisFile, runDueJobs } from "../support/worker.ts";
import { closeRootPool, rootPool } from "../support/database.ts";
import { createClinic, createPatient, type TestMember } from "../support/fixtures.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";
import { temporaryFolders } from "../support/temp-folders.ts";

holdWorkerTurnThroughThisFile();

let api: TestApi; // EXPORT_STORAGE_PER_CLINIC_MB=1
let today: string;
const temporaryFolder = temporaryFolders();
const exportsRoot = temporaryFolder("exports");

const REQUEST = `mutation($from: Date!, $to: Date!) {
  requestExport(input: { kind: patients_csv, fromDate: $from, toDate: $to }) { result { rowId status } } }`;
const DELETE = `mutation($id: UUID!) { deleteExport(input: { exportId: $id }) { result { rowId status deletedAt deletedBy } } }`;
const MB = 1_048_576;

async function loggedIn(member: TestMember, on = api): Promise<Browser> {
  const browser = new Browser(on);
  await browser.login(member.phone, member.password);
  return browser;
}

/** What requestExport answers: the export's id, or its error's code and message. */
async function ask(browser: Browser): Promise<{ id: string } | { code: unknown; message: string }> {
  const r = await browser.graphql(REQUEST, { from: today, to: today });
  if (r.body.errors) return { code: r.body.errors[0].extensions?.code, message: r.body.errors[0].message };
  return { id: r.body.data.requestExport.result.rowId };
}

/** What deleteExport answers: the export as deleted, or its error's code and message. */
async function deleteExport(browser: Browser, id: string) {
  const r = await browser.graphql(DELETE, { id });
  if (r.body.errors) return { code: r.body.errors[0].extensions?.code, message: r.body.errors[0].message };
  return r.body.data.deleteExport.result;
}

/** A download of export `id`: its status and the file's size, or its error's message. */
async function download(browser: Browser, id: string) {
  const response = await fetch(`${api.url}/exports/${id}`, { headers: { cookie: browser.cookie! } });
  if (response.status === 200) return { status: 200, bytes: (await response.arrayBuffer()).byteLength };
  return { status: response.status, message: (await response.json()).error.message };
}

/** Export `id` not run by this file's workers. */
const unqueued = (id: string) => rootPool().query("select graphile_worker.remove_job('report_export:' || $1)", [id]);

beforeAll(async () => {
  process.env.EXPORTS_DIR = exportsRoot;
  api = await startApi({ EXPORT_STORAGE_PER_CLINIC_MB: "1" });
  today = (await rootPool().query("select (now() at time zone 'Africa/Dar_es_Salaam')::date::text as d")).rows[0].d;
});
afterAll(async () => {
  delete process.env.EXPORTS_DIR;
  await api.close();
  await closeRootPool();
});

test("a clinic whose finished exports take its storage is refused another, told how much and what to do, until one expires or is deleted; other clinics export on", async () => {
  const full = await createClinic("Export storage full");
  // a megabyte and more of patients: long addresses
  await rootPool().query(
    "insert into app_public.patient (clinic_id, first_name, last_name, address) select $1, 'Many', 'Patient ' || i, 'Plot ' || i || ', ' || repeat('Msasani Peninsula ', 8) from generate_series(1, 8000) i",
    [full.clinicId],
  );
  const cashier = await loggedIn(full.members.cashier);
  const big = await ask(cashier);
  if (!("id" in big)) throw new Error(`the first export was refused: ${big.message}`);
  await runDueJobs();
  const { rows } = await rootPool().query("select status::text, byte_size::int from app_public.report_export where id = $1", [big.id]);
  expect(rows[0].status).toBe("done");
  expect(rows[0].byte_size).toBeGreaterThan(MB);
  expect(statSync(exportFile(full.clinicId, big.id)).size).toBe(rows[0].byte_size); // the size the worker wrote

  const storageFull = {
    code: "LIMIT_EXCEEDED",
    message: "Your clinic's exports take 1 MB of its 1 MB: delete some (deleteExport) or wait for them to expire (exports are kept 7 days).",
  };
  expect(await ask(cashier)).toEqual(storageFull);
  // the clinic's storage, not the person's: the owner is refused too, and nothing was queued
  expect(await ask(await loggedIn(full.members.owner))).toEqual(storageFull);
  expect((await rootPool().query("select count(*)::int as n from app_public.report_export where clinic_id = $1", [full.clinicId])).rows[0].n).toBe(1);

  // another clinic is not held up
  const elsewhere = await ask(await loggedIn((await createClinic("Export storage elsewhere")).members.cashier));
  expect(elsewhere).toEqual({ id: expect.any(String) });
  await unqueued((elsewhere as { id: string }).id);

  // the server's setting decides: one of the default storage (2048 MB) takes the clinic's export
  const roomy = await startApi();
  try {
    const taken = await ask(await loggedIn(full.members.cashier, roomy));
    expect(taken).toEqual({ id: expect.any(String) });
    await unqueued((taken as { id: string }).id);
    await rootPool().query("update app_public.report_export set status = 'failed' where id = $1", [(taken as { id: string }).id]);
  } finally {
    await roomy.close();
  }

  // a file past its expiry is not counted, though the hourly sweep has not removed it yet
  await rootPool().query("update app_public.report_export set expires_at = now() - interval '1 minute' where id = $1", [big.id]);
  const afterExpiry = await ask(cashier);
  expect(afterExpiry).toEqual({ id: expect.any(String) });
  await unqueued((afterExpiry as { id: string }).id);
  await rootPool().query("update app_public.report_export set status = 'failed' where id = $1", [(afterExpiry as { id: string }).id]);
  await rootPool().query("update app_public.report_export set expires_at = now() + interval '7 days' where id = $1", [big.id]);
  expect(await ask(cashier)).toEqual(storageFull);

  // deleted, it frees the clinic's storage at once
  expect(await deleteExport(cashier, big.id)).toMatchObject({ rowId: big.id, status: "expired" });
  const afterDelete = await ask(cashier);
  expect(afterDelete).toEqual({ id: expect.any(String) });
  await unqueued((afterDelete as { id: string }).id);
});

test("whoever may download an export deletes it: its file is removed, its download says it was deleted, and the deletion is audited; another clinic, a doctor or a guess is told there is no such export", async () => {
  const clinic = await createClinic("Deleting exports");
  await createPatient(clinic.clinicId);
  const [cashier, owner, doctor] = await Promise.all([clinic.members.cashier, clinic.members.owner, clinic.members.doctor].map((m) => loggedIn(m)));
  const otherClinic = await createClinic("Deleting exports elsewhere");
  const [outsider, outsideOwner] = await Promise.all([otherClinic.members.cashier, otherClinic.members.owner].map((m) => loggedIn(m)));
  const asked = await ask(cashier);
  if (!("id" in asked)) throw new Error(`the export was refused: ${asked.message}`);
  const { id } = asked;
  await runDueJobs();
  const file = exportFile(clinic.clinicId, id);
  expect(existsSync(file)).toBe(true);

  // as a download: anyone but a money role of the export's clinic, and a guess, get no such export
  const noSuchExport = { code: "NOT_FOUND", message: "No such export." };
  expect(await deleteExport(outsider, id)).toEqual(noSuchExport);
  expect(await deleteExport(outsideOwner, id)).toEqual(noSuchExport);
  expect(await deleteExport(doctor, id)).toEqual(noSuchExport);
  expect(await deleteExport(cashier, randomUUID())).toEqual(noSuchExport);
  await runDueJobs();
  expect(existsSync(file)).toBe(true);
  expect(await download(cashier, id)).toEqual({ status: 200, bytes: statSync(file).size });

  // one waiting or running is not deleted (its attempt would put a file in place after)
  const waiting = await ask(cashier);
  if (!("id" in waiting)) throw new Error(`the export was refused: ${waiting.message}`);
  expect(await deleteExport(cashier, waiting.id)).toEqual({
    code: "CONFLICT",
    message: "This export is not finished yet: delete it once its status is done or failed.",
  });

  // the owner deletes the cashier's export: no longer downloaded at once, its file removed by the worker
  const deleted = await deleteExport(owner, id);
  expect(deleted).toEqual({ rowId: id, status: "expired", deletedAt: expect.any(String), deletedBy: clinic.members.owner.userId });
  const deletedAnswer = { status: 404, message: "This export was deleted: request the export again." };
  expect(await download(cashier, id)).toEqual(deletedAnswer);
  await runDueJobs();
  expect(readdirSync(join(exportsRoot, clinic.clinicId)).filter((name) => name.startsWith(id))).toEqual([]);
  expect(await download(cashier, id)).toEqual(deletedAnswer);
  expect(await download(outsider, id)).toEqual({ status: 404, message: "No such export." });

  // a second deletion (a second click) changes nothing
  expect(await deleteExport(cashier, id)).toEqual(deleted);
  const { rows: audit } = await rootPool().query(
    `select action, actor_user_id, old_values ->> 'status' as was, new_values ->> 'status' as became, new_values ->> 'deleted_by' as deleted_by
     from app_public.audit_log where clinic_id = $1 and table_name = 'report_export' and record_id = $2 and action <> 'insert' and action <> 'export'`,
    [clinic.clinicId, id],
  );
  expect(audit).toEqual([
    { action: "soft_delete", actor_user_id: clinic.members.owner.userId, was: "done", became: "expired", deleted_by: clinic.members.owner.userId },
  ]);

  // a failed export is deleted too: it stays failed, marked deleted
  const failing = await ask(cashier);
  if (!("id" in failing)) throw new Error(`the export was refused: ${failing.message}`);
  await unqueued(failing.id);
  await rootPool().query("update app_public.report_export set status = 'failed', error = 'Attempt 3 of 3 failed: …' where id = $1", [failing.id]);
  expect(await deleteExport(cashier, failing.id)).toMatchObject({ rowId: failing.id, status: "failed", deletedBy: clinic.members.cashier.userId });
  expect(await download(cashier, failing.id)).toEqual(deletedAnswer);
});
