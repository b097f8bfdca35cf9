/**
 * failed_job__prune: the jobs that failed their last attempt a week ago are removed (graphile-worker keeps them for
 * good); younger ones, those with attempts left, locked ones, and an export's while the export is still in progress
 * are kept.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { createClinic } from "../support/fixtures.ts";
import { holdWorkerTurnThroughThisFile, runDueJobs } from "../support/worker.ts";

holdWorkerTurnThroughThisFile();
afterAll(closeRootPool);

/** A job of `task` keyed `key`, its attempts, lock and run_at set by `set` (graphile-worker's own table: a failure writes run_at there). */
async function jobAs(task: string, key: string, set: string): Promise<string> {
  const { rows } = await rootPool().query("select id from graphile_worker.add_job($1, '{}'::json, job_key := $2, max_attempts := 3)", [task, key]);
  await rootPool().query(`update graphile_worker._private_jobs set ${set} where id = $1`, [rows[0].id]);
  return rows[0].id;
}

/** Which of `keys` still have a job. */
async function kept(keys: string[]): Promise<string[]> {
  const { rows } = await rootPool().query("select key from graphile_worker.jobs where key = any($1) order by key", [keys]);
  return rows.map((row) => row.key);
}

/** The hourly run, as the crontab queues it. */
async function prune(): Promise<void> {
  await rootPool().query("select graphile_worker.add_job('failed_job__prune', '{}'::json)");
  expect(await runDueJobs()).toEqual([]);
}

// a task no worker of the tests runs: its jobs are only what this file makes of them
const task = `failed_job_prune_test_${process.pid}`;
const key = (name: string) => `${task}:${name}`;

test("a job that failed its last attempt over a week ago is removed; a younger one, one with attempts left and a locked one are kept", async () => {
  const failed = "attempts = 3, last_error = 'it failed', run_at = now() - interval";
  await jobAs(task, key("failed 8 days ago"), `${failed} '8 days'`);
  await jobAs(task, key("failed 6 days ago"), `${failed} '6 days'`);
  await jobAs(task, key("attempts left"), "attempts = 2, last_error = 'it failed', run_at = now() - interval '8 days'");
  // its worker on its last attempt: locked, even past graphile-worker's 4 hours (a worker stuck, or dead: graphile-worker's
  // reset of such locks sets run_at to its own time, and the week counts from then)
  await jobAs(task, key("locked"), `${failed} '8 days', locked_at = now() - interval '5 hours', locked_by = 'stuck'`);
  const keys = ["failed 8 days ago", "failed 6 days ago", "attempts left", "locked"].map(key);
  try {
    await prune();
    // before, nothing removed it: one row for good per export failed for good and per cron run that failed its last attempt
    expect(await kept(keys)).toEqual(["attempts left", "failed 6 days ago", "locked"].map(key));
  } finally {
    await rootPool().query("delete from graphile_worker._private_jobs where key = any($1)", [keys]);
  }
});

// removed first, the export's job gone, the export sweep failed the export as "interrupted and will not be retried", the
// attempts and the job's id its clinic and the worker's log would tell it by lost
test("an export's job that failed its last attempt is kept while the export is in progress, and removed once the export sweep has failed it", async () => {
  const clinic = await createClinic();
  const { rows: [exported] } = await rootPool().query(
    "insert into app_public.report_export (clinic_id, kind, from_date, to_date, status) values ($1, 'patients_csv', current_date, current_date, 'running') returning id",
    [clinic.clinicId],
  );
  const exportKey = `report_export:${exported.id}`;
  const jobId = await jobAs("report_export__produce", exportKey, "attempts = 3, last_error = 'the worker died', run_at = now() - interval '8 days'");
  try {
    await prune();
    expect(await kept([exportKey])).toEqual([exportKey]);
    await rootPool().query("select from app_private.fail_abandoned_exports()"); // as report_export__expire does hourly (through sweep_exports, a clinic at a time)
    const { rows } = await rootPool().query("select status, error from app_public.report_export where id = $1", [exported.id]);
    expect(rows).toEqual([{ status: "failed", error: `Attempt 3 of 3 failed: the export was interrupted (reference: job ${jobId})` }]);
    await prune();
    expect(await kept([exportKey])).toEqual([]);
  } finally {
    await rootPool().query("delete from graphile_worker._private_jobs where key = $1", [exportKey]);
  }
});
