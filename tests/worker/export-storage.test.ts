/**
 * A clinic's export storage, and deleting and cancelling an export. Nothing bounded the files a clinic's exports kept: a
 * cashier asking again and again for ten years of payments could fill the server's disk, taking every clinic down, and
 * no one could delete an export. A new export is refused once the clinic's finished files take its storage
 * (EXPORT_STORAGE_PER_CLINIC_MB, here 1 MB); whoever may download an export deletes it (deleteExport), and the worker
 * removes its file. An export asked for by mistake could not be stopped either, holding one of the places for exports in
 * progress until it was done: whoever may download it cancels it (cancelExport), waiting or running.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { exportFile } from "../../db/export-files.ts";
import { atTheNextAttemptsPart, cutStalledExport, holdWorkerTurnThroughThisFile, linesRead, runDueJobs, whenExportStalled } from "../support/worker.ts";
import { until } from "../support/until.ts";
import { closeRootPool, rootPool } from "../support/database.ts";
import { asMember, beginAs, createClinic, createPatient, openSession, registeredOn, type TestMember } from "../support/fixtures.ts";
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
const CANCEL = `mutation($id: UUID!) { cancelExport(input: { exportId: $id }) { result { rowId status finishedAt cancelledBy } } }`;
const MB = 1_048_576;

async function loggedIn(member: TestMember, on = api): Promise<Browser> {
  const browser = new Browser(on);
  await browser.login(member.phone, member.password);
  return browser;
}

/** What requestExport of the patients registered on `day` answers: the export's id, or its error's code and message. */
async function ask(browser: Browser, day = today): Promise<{ id: string } | { code: unknown; message: string }> {
  const r = await browser.graphql(REQUEST, { from: day, to: day });
  if (r.body.errors) return { code: r.body.errors[0].extensions?.code, message: r.body.errors[0].message };
  return { id: r.body.data.requestExport.result.rowId };
}

/** What a mutation of export `id` (DELETE, CANCEL) answers: the export as it made it, or its error's code and message. */
async function onExport(document: string, browser: Browser, id: string) {
  const r = await browser.graphql(document, { id });
  if (r.body.errors) return { code: r.body.errors[0].extensions?.code, message: r.body.errors[0].message };
  return (Object.values(r.body.data)[0] as { result: unknown }).result;
}
const deleteExport = (browser: Browser, id: string) => onExport(DELETE, browser, id);
const cancelExport = (browser: Browser, id: string) => onExport(CANCEL, browser, id);

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
  const big = await ask(cashier, await registeredOn(full.clinicId));
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

// request_export read the storage from a setting any session may set: SQL as the API's role raised it by hand and asked
// for export after export past the clinic's budget, filling the disk every clinic's exports share
test("a session that raises its export storage setting by hand is still refused at its clinic's budget; lowering it is its own loss", async () => {
  const clinic = await createClinic("Export storage raised by hand");
  // finished files of 2049 MB, past the database's most (2048 MB: no server of this database stored another)
  await rootPool().query(
    `insert into app_public.report_export (clinic_id, kind, from_date, to_date, status, byte_size, expires_at)
     values ($1, 'patients_csv', current_date, current_date, 'done', 2049 * $2::bigint, now() + interval '7 days')`,
    [clinic.clinicId, MB],
  );
  const requested = (settingMb: string) =>
    asMember(clinic.members.cashier, async (client) => {
      await client.query("select set_config('clinicops.export_storage_per_clinic_mb', $1, true)", [settingMb]);
      return client.query("select id from app_public.request_export('patients_csv', current_date, current_date)").then(
        ({ rows }) => rows[0].id as string,
        (error: { code?: string; message: string }) => ({ code: error.code, message: error.message }),
      );
    });
  const atMost = (mb: number) => ({
    code: "CLIMT",
    message: `Your clinic's exports take 2049 MB of its ${mb} MB: delete some (deleteExport) or wait for them to expire (exports are kept 7 days).`,
  });
  expect(await requested("1048576")).toEqual(atMost(2048));
  expect(await requested("2048")).toEqual(atMost(2048));
  expect(await requested("100")).toEqual(atMost(100));

  // the most a server's start stored (keepExportStorageMost, here in a transaction rolled back) bounds it the same way
  const root = await rootPool().connect();
  try {
    await root.query("begin");
    await root.query("insert into app_private.export_storage (most_mb) values (1000) on conflict (only_row) do update set most_mb = 1000");
    await beginAs(root, await openSession(clinic.members.cashier.userId, clinic.clinicId)); // its "begin" only warns, inside this one
    await root.query("select set_config('clinicops.export_storage_per_clinic_mb', '1048576', true)");
    await expect(root.query("select app_public.request_export('patients_csv', current_date, current_date)")).rejects.toThrow(
      "Your clinic's exports take 2049 MB of its 1000 MB",
    );
  } finally {
    await root.query("rollback");
    root.release();
  }
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
    message: "This export is not finished yet: cancel it (cancelExport), or delete it once its status is done or failed.",
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

/** The export's row as its clinic reads it in the list, and whether a worker job of it is left. */
async function shown(id: string) {
  const { rows } = await rootPool().query(
    `select e.status::text, e.cancelled_by, e.file_name, e.error,
            exists (select from graphile_worker._private_jobs j where j.payload ->> 'id' = e.id::text) as job
     from app_public.report_export e where e.id = $1`,
    [id],
  );
  return rows[0];
}

// deleteExport of an export waiting or running was CONFLICT, and nothing else stopped it: one asked for by mistake held
// one of the person's 10 (and the clinic's 30) places until it was done, and its file then took the clinic's storage
test("whoever may download an export cancels it while it waits: it never runs and its place is free at once; its download and the list say it was cancelled, and the cancellation is audited once; another clinic, a doctor or a guess is told there is no such export", async () => {
  const clinic = await createClinic("Cancelling exports");
  await createPatient(clinic.clinicId);
  const [cashier, owner, doctor] = await Promise.all([clinic.members.cashier, clinic.members.owner, clinic.members.doctor].map((m) => loggedIn(m)));
  const otherClinic = await createClinic("Cancelling exports elsewhere");
  const [outsider, outsideOwner] = await Promise.all([otherClinic.members.cashier, otherClinic.members.owner].map((m) => loggedIn(m)));
  const waiting: string[] = [];
  for (let i = 0; i < 10; i++) {
    const asked = await ask(cashier);
    if (!("id" in asked)) throw new Error(`export ${i + 1} was refused: ${asked.message}`);
    waiting.push(asked.id);
  }
  const full = { code: "LIMIT_EXCEEDED", message: "You have 10 exports waiting or in progress: ask for more once one of them is done, or cancel one (cancelExport)." };
  expect(await ask(cashier)).toEqual(full);
  const [mistake] = waiting;

  // as a download and a deletion: anyone but a money role of the export's clinic, and a guess, get no such export
  const noSuchExport = { code: "NOT_FOUND", message: "No such export." };
  expect(await cancelExport(outsider, mistake)).toEqual(noSuchExport);
  expect(await cancelExport(outsideOwner, mistake)).toEqual(noSuchExport);
  expect(await cancelExport(doctor, mistake)).toEqual(noSuchExport);
  expect(await cancelExport(cashier, randomUUID())).toEqual(noSuchExport);
  expect(await shown(mistake)).toEqual({ status: "queued", cancelled_by: null, file_name: null, error: null, job: true });

  // the owner cancels the cashier's export: its job is gone, and the cashier may ask for another at once
  const cancelled = await cancelExport(owner, mistake);
  expect(cancelled).toEqual({ rowId: mistake, status: "cancelled", finishedAt: expect.any(String), cancelledBy: clinic.members.owner.userId });
  expect(await shown(mistake)).toEqual({ status: "cancelled", cancelled_by: clinic.members.owner.userId, file_name: null, error: null, job: false });
  const another = await ask(cashier);
  expect(another).toEqual({ id: expect.any(String) });
  expect(await ask(cashier)).toEqual(full);
  for (const id of [...waiting.slice(1), (another as { id: string }).id]) await unqueued(id);

  const list = await cashier.graphql(`query($id: UUID!) { reportExports(condition: { rowId: $id }) { nodes { status cancelledBy } } }`, { id: mistake });
  expect(list.body.data.reportExports.nodes).toEqual([{ status: "cancelled", cancelledBy: clinic.members.owner.userId }]);
  expect(await download(cashier, mistake)).toEqual({ status: 404, message: "This export was cancelled: request the export again." });
  expect(await download(outsider, mistake)).toEqual({ status: 404, message: "No such export." });

  // a second cancellation (a second click, a replayed request) changes nothing, and is not audited again
  expect(await cancelExport(cashier, mistake)).toEqual(cancelled);
  const { rows: audit } = await rootPool().query(
    `select action, actor_user_id, old_values ->> 'status' as was, new_values ->> 'status' as became, new_values ->> 'cancelled_by' as cancelled_by
     from app_public.audit_log where clinic_id = $1 and table_name = 'report_export' and record_id = $2 and action <> 'insert'`,
    [clinic.clinicId, mistake],
  );
  expect(audit).toEqual([{ action: "update", actor_user_id: clinic.members.owner.userId, was: "queued", became: "cancelled", cancelled_by: clinic.members.owner.userId }]);

  // one finished has nothing to cancel; a cancelled one may be deleted, and stays cancelled
  await rootPool().query("update app_public.report_export set status = 'failed', error = 'Attempt 3 of 3 failed: …' where id = $1", [waiting[1]]);
  expect(await cancelExport(cashier, waiting[1])).toEqual({
    code: "CONFLICT",
    message: "This export has finished: there is nothing to cancel (deleteExport removes its file).",
  });
  expect(await deleteExport(cashier, mistake)).toMatchObject({ rowId: mistake, status: "cancelled", deletedBy: clinic.members.cashier.userId });
});

/**
 * An export of `patients` patients asked for by a new clinic's cashier, its attempt held at its file (a named pipe no one
 * reads yet), cancelled by the cashier once `ready` (given the export's id and its part file) resolves, then let go, the
 * file read: what the run of the due jobs named as failed, the lines the attempt wrote, the export's files left, the
 * export as it stays, and its download.
 */
/**
 * How export `name` (a CSV of `patients` rows) ends when cancelled once `ready` says its attempt got there, the attempt
 * then let go on by `goOn` (its file read, unless told otherwise).
 */
async function cancelledWhileItRuns(
  name: string,
  patients: number,
  ready: (id: string, part: string) => Promise<unknown>,
  goOn: (part: string) => Promise<number | undefined> = linesRead,
) {
  const clinic = await createClinic(name);
  await rootPool().query(
    "insert into app_public.patient (clinic_id, first_name, last_name) select $1, 'Many', 'Patient ' || i from generate_series(1, $2) i",
    [clinic.clinicId, patients],
  );
  const cashier = await loggedIn(clinic.members.cashier);
  const asked = await ask(cashier, await registeredOn(clinic.clinicId));
  if (!("id" in asked)) throw new Error(`the export was refused: ${asked.message}`);
  const { id } = asked;
  const stall = await atTheNextAttemptsPart(id, exportsRoot);
  const running = runDueJobs();
  const part = await stall();
  await ready(id, part);
  expect(await cancelExport(cashier, id)).toMatchObject({ rowId: id, status: "cancelled", cancelledBy: clinic.members.cashier.userId });
  const lines = goOn(part);
  const failed = await running;
  const after = await shown(id);
  return {
    failed,
    lines: await lines,
    files: readdirSync(join(exportsRoot, clinic.clinicId)).filter((file) => file.startsWith(id)),
    export: { ...after, cancelled_by: after.cancelled_by === clinic.members.cashier.userId ? "the cashier" : after.cancelled_by },
    download: await download(cashier, id),
  };
}

/** How an export cancelled while its attempt ran ends: its job not failed (not to be tried again), no file, cancelled. */
const endsCancelled = {
  failed: [],
  files: [],
  export: { status: "cancelled", cancelled_by: "the cashier", file_name: null, error: null, job: false },
  download: { status: 404, message: "This export was cancelled: request the export again." },
};

test("an export cancelled while its attempt runs stops at its next batch of rows: its job ends without a failure, no file of it is left, and it stays cancelled", async () => {
  // cancelled once its rows are counted, before it opens its file
  const counted = async (id: string) => (await rootPool().query("select rows_total from app_public.report_export where id = $1", [id])).rows[0].rows_total === 5000;
  const outcome = await cancelledWhileItRuns("Cancelling a running export", 5000, (id) => until(() => counted(id)));
  expect(outcome).toEqual({ ...endsCancelled, lines: expect.any(Number) });
  expect(outcome.lines).toBeGreaterThan(0);
  expect(outcome.lines).toBeLessThan(5001); // stopped before the whole export: a header and 5,000 rows
}, 120_000);

test("an export cancelled once its attempt has read all its rows is not marked done: its file is not put in place, and its job ends without a failure", async () => {
  // its rows read and counted as done: what is left is to write its file and mark it done
  const outcome = await cancelledWhileItRuns("Cancelling a finishing export", 1, (_id, part) => whenExportStalled(part));
  expect(outcome).toEqual({ ...endsCancelled, lines: 2 });
}, 120_000);

// an attempt that failed for another reason before it saw the cancel threw its error: its job, whose attempts the
// cancel had used up, stayed in graphile-worker's table failed for good, and the worker logged an error no one need act on
test("an export cancelled while its attempt runs, the attempt then failing for another reason (its connection cut) before it sees the cancel, ends cancelled all the same: its job ends without a failure and no file of it is left", async () => {
  let stopReading = () => {};
  const cutThenGoOn = async (part: string) => {
    stopReading = await cutStalledExport(part);
    return undefined;
  };
  const outcome = await cancelledWhileItRuns("Cancelling an export that then fails", 1, (_id, part) => whenExportStalled(part), cutThenGoOn);
  stopReading();
  expect(outcome).toEqual({ ...endsCancelled, lines: undefined });
}, 120_000);
