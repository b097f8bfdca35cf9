/**
 * The worker wiring: the hourly session__expire removes sessions expired, and
 * those revoked more than a day ago (no job is queued per session),
 * login_failure__prune prunes failed logins, and the crontab parses; an hourly run that keeps failing is tried a
 * bounded number of times, within its hour.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter, once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";
import { Logger, parseCrontab, run, type WorkerEvents } from "graphile-worker";
import { runDueJobs, holdWorkerTurnThroughThisFile } from "../support/worker.ts";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { createClinic, createUser, openSession, type TestClinic } from "../support/fixtures.ts";
import { outcome, trackBackend, waitsForLock, whileHolding } from "../support/locks.ts";
import { projectPath } from "../../db/paths.ts";
import { temporaryFolders } from "../support/temp-folders.ts";
import { workerPool } from "../../worker/run.ts";

holdWorkerTurnThroughThisFile();
const folder = temporaryFolders();

let clinic: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Worker clinic");
});
afterAll(closeRootPool);


// each login queued a session__expire job for a day after its session's expiry, in its transaction: graphile-worker's every
// look for its next job (every 2 s when idle) reads the index of the jobs waiting for later, of which they were one a login
// kept a day and a half (at the default lifetime), for a deletion the hourly sweep makes within the hour after (000338)
test("a login queues no job: the hourly sweep alone deletes sessions", async () => {
  const { owner } = clinic.members;
  const client = await rootPool().connect();
  try {
    // one snapshot: the jobs other files queue meanwhile are not counted, those of this transaction are
    await client.query("begin isolation level repeatable read");
    const jobs = async () => (await client.query("select count(*)::int as n from graphile_worker.jobs")).rows[0].n as number;
    const before = await jobs();
    await client.query("set local role " + testConfig.roles.visitor);
    const { rows } = await client.query("select app_hidden.login($1, $2, null, '10.9.9.9', 'jest', '2 hours') as r", [owner.phone, owner.password]);
    await client.query("reset role");
    expect(rows[0].r.sessionId).toEqual(expect.any(String)); // a session was opened
    expect(await jobs()).toBe(before);
  } finally {
    await client.query("rollback");
    client.release();
  }
});

/** The migration one of whose parts begins with `header`: migrations/current.sql until it is committed, then its file. */
function migrationWith(header: string): string {
  const committed = readdirSync(projectPath("migrations/committed")).filter((name) => name.endsWith(".sql")).sort().reverse();
  for (const file of ["current.sql", ...committed.map((name) => `committed/${name}`)]) {
    const text = readFileSync(projectPath(`migrations/${file}`), "utf8");
    if (`\n${text}`.includes(`\n${header}\n`)) return text;
  }
  throw new Error(`no migration has a part "${header}"`);
}

// the jobs queued before 000338, one per session for a day after its expiry, would have stayed until then (up to 400 days
// with the longest SESSION_TTL_SECONDS), each read at every look for a job, those of sessions the sweep deleted since too
test("000338 removes the jobs queued for sessions, those of sessions deleted since too, and no other job", async () => {
  const migration = migrationWith("-- Sessions are deleted by the hourly sweep alone: no job is queued for each session, and those queued are removed");
  const here = await openSession(clinic.members.doctor.userId, clinic.clinicId, "12 hours");
  const swept = randomUUID(); // revoked early and deleted a day after, its job waiting for its expiry
  const other = `session-expire-migration-${process.pid}`;
  const owner = new pg.Client({ connectionString: testConfig.ownerUrl });
  await owner.connect();
  try {
    // as the migration runs, as the owner role, in a transaction rolled back after (the jobs queued in it too); other
    // files' writes of the session table are waited for at most 2 s, then it is tried again
    for (let tries = 0; ; tries++) {
      await owner.query("begin; set local lock_timeout = '2s'");
      try {
        // as tg_session__schedule_expiry queued them, and a job of another key, queued for later too
        await owner.query(
          "select graphile_worker.add_job('session__expire', json_build_object('id', id), run_at := now() + interval '36 hours', job_key := 'session__expire:' || id) from unnest($1::uuid[]) id",
          [[here, swept]],
        );
        await owner.query("select graphile_worker.add_job('session__expire', '{}'::json, run_at := now() + interval '1 hour', job_key := $1)", [other]);
        const keys = [`session__expire:${here}`, `session__expire:${swept}`, other];
        const queued = async () => (await owner.query("select key from graphile_worker.jobs where key = any($1) order by key", [keys])).rows.map((r) => r.key);
        expect(await queued()).toEqual([...keys].sort());
        await owner.query(migration);
        expect(await queued()).toEqual([other]);
        break;
      } catch (error) {
        if (!["55P03", "40P01"].includes((error as { code?: string }).code ?? "") || tries >= 20) throw error;
      } finally {
        await owner.query("rollback");
      }
    }
  } finally {
    await owner.end();
  }
});

// a job queued by the version before 000338 with its session's id (one left, or running as the migration ran) must not
// fail for want of the function's id: it sweeps as the hourly run does, whatever session its id names
test("a job queued with a session's id sweeps as the hourly run does, its id unread", async () => {
  const [expired, revoked, live] = [
    await openSession(clinic.members.doctor.userId, clinic.clinicId, "1 hour"),
    await openSession(clinic.members.doctor.userId, clinic.clinicId, "1 hour"),
    await openSession(clinic.members.doctor.userId, clinic.clinicId, "1 hour"),
  ];
  // ended after they were opened (a job an older version queued for each at its opening is not due)
  await rootPool().query("update app_private.session set expires_at = now() - interval '1 second' where id = $1", [expired]);
  await rootPool().query("update app_private.session set revoked_at = now() - interval '1 second' where id = $1", [revoked]);
  await rootPool().query("select graphile_worker.add_job('session__expire', json_build_object('id', $1::uuid), job_key := 'session__expire:' || $1)", [revoked]);
  expect(await runDueJobs()).toEqual([]);
  const { rows } = await rootPool().query("select id from app_private.session where id = any($1::uuid[]) order by created_at", [[expired, revoked, live]]);
  expect(rows.map((r) => r.id)).toEqual([revoked, live]); // the one of the job's id kept its day, another session deleted
});

// an expired session's row was kept a day (000334), for a download's audit that reads it no more (000342): it stayed in
// session_user_live_idx, whose every entry of the account each login's cap reads (never revoked, it is not left out)
test("the hourly run (no id) sweeps every session expired, however lately, and every one revoked more than a day ago; it keeps those revoked within the day and live ones", async () => {
  const [expiredLongAgo, revokedLongAgo, expired, revoked, expiredJustNow, live] = [
    await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour"),
    await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour"),
    await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour"),
    await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour"),
    await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour"),
    await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour"),
  ];
  await rootPool().query(
    `update app_private.session set
       expires_at = case when id in ($1, $3, $5) then now() - case when id = $1 then interval '1 day 1 minute' when id = $3 then interval '23 hours' else interval '1 second' end else expires_at end,
       revoked_at = case when id in ($2, $4) then now() - case when id = $2 then interval '1 day 1 minute' else interval '23 hours' end end
     where id in ($1, $2, $3, $4, $5)`,
    [expiredLongAgo, revokedLongAgo, expired, revoked, expiredJustNow],
  );
  await rootPool().query("select graphile_worker.add_job('session__expire', '{}'::json)");
  await runDueJobs();
  const { rows } = await rootPool().query("select id from app_private.session where id = any($1::uuid[])", [[expiredLongAgo, revokedLongAgo, expired, revoked, expiredJustNow, live]]);
  expect(rows.map((r) => r.id).sort()).toEqual([revoked, live].sort());
  // those swept are ended to the websockets' check as those expired are, their rows gone (as live_session refuses their tokens)
  const refused = await rootPool().query("select id from app_hidden.ended_sessions($1::uuid[]) id", [[expired, expiredJustNow, live]]);
  expect(refused.rows.map((r) => r.id).sort()).toEqual([expired, expiredJustNow].sort());
});

// the sweep locked expired sessions oldest first (by their expiry), an ending of an account's sessions newest first
// (session_user_live_idx): two sessions expiring between the two transactions' starts were live to the ending and
// expired to the sweep, and each locked one while waiting for the other ("deadlock detected", one of them undone). The
// sweep waits for no session another transaction holds (an ending, a logout, a role change), leaving it to its next run.
test("the hourly sweep waits for no session another transaction holds: it leaves that one to its next run", async () => {
  const user = await createUser();
  const [older, newer] = [await openSession(user.userId, null), await openSession(user.userId, null)];
  await rootPool().query("update app_private.session set expires_at = clock_timestamp() - interval '1 day' where id = any($1::uuid[])", [[older, newer]]);
  const sweep = await rootPool().connect();
  try {
    await trackBackend(sweep);
    const swept = await whileHolding("select from app_private.session where id = $1 for update", [older], async () => {
      const swept = outcome(sweep.query("select app_private.expire_sessions()"));
      expect(await waitsForLock(sweep, swept)).toBe(false); // it went through, the held one left
      return await swept;
    });
    expect(Array.isArray(swept)).toBe(true); // not an error's code
  } finally {
    sweep.release();
  }
  const left = async () => (await rootPool().query("select id from app_private.session where id = any($1::uuid[])", [[older, newer]])).rows.map((r) => r.id);
  expect(await left()).toEqual([older]);
  await rootPool().query("select app_private.expire_sessions()"); // the next hourly run
  expect(await left()).toEqual([]);
});

test("the hourly login_failure__prune deletes failed logins past the throttle's window, and keeps those in it", async () => {
  const ip = `198.51.100.${process.pid % 250}`;
  await rootPool().query(
    "insert into app_private.login_failure (ip, phone, attempted_at) values ($1, '+255700000001', now() - interval '2 hours'), ($1, '+255700000001', now() - interval '14 minutes')",
    [ip],
  );
  await rootPool().query("select graphile_worker.add_job('login_failure__prune', '{}'::json)");
  await runDueJobs();
  const { rows } = await rootPool().query("select (now() - attempted_at < interval '1 hour') as recent from app_private.login_failure where ip = $1", [ip]);
  expect(rows).toEqual([{ recent: true }]); // before, nothing deleted them: a client's failures grew the table without end
  // the one of 14 minutes ago is in the throttle's 15: pruned, the address would be let through early
});

test("the crontab parses and names each item", () => {
  const items = parseCrontab(readFileSync(projectPath("worker/crontab"), "utf8"));
  expect(items.map((item) => [item.task, item.identifier])).toEqual([
    ["session__expire", "session_purge_hourly"],
    ["reconciliation__open", "reconciliation_open_hourly"],
    ["report_export__expire", "report_export_expire_hourly"],
    ["audit_chain__anchor", "audit_chain_anchor_hourly"],
    ["login_failure__prune", "login_failure_prune_hourly"],
    ["failed_job__prune", "failed_job_prune_hourly"],
  ]);
  // an hour's anchors missed while no worker ran at minute 30 (a restart, a deploy) are taken when one starts within the hour
  expect(items.find((item) => item.task === "audit_chain__anchor")?.options.backfillPeriod).toBe(60 * 60 * 1000);
  // a week of the nightly reconciliation's hours missed while no worker ran is replayed when one starts (docs/billing.md)
  expect(items.find((item) => item.task === "reconciliation__open")?.options.backfillPeriod).toBe(7 * 24 * 60 * 60 * 1000);
});

// an hourly sweep that failed every time (an anchors file it cannot write) was tried 25 times, graphile-worker's default,
// its waits growing to about 6 hours: each hour's run added one more such job, about a hundred repeating the sweep at once
test("an hourly run that keeps failing is tried 8 times, its last within its hour, then left to the next hour's run", async () => {
  const items = parseCrontab(readFileSync(projectPath("worker/crontab"), "utf8"));
  expect(items.map((item) => [item.identifier, item.options.maxAttempts])).toEqual(items.map((item) => [item.identifier, 8]));
  const anchor = items.find((item) => item.task === "audit_chain__anchor")!;
  await createClinic("Anchors unwritable"); // a chain that moved: the run has a head to write
  const anchorsWere = process.env.AUDIT_ANCHORS_FILE;
  process.env.AUDIT_ANCHORS_FILE = folder("anchors-unwritable"); // a folder where the file should be: every write fails
  // the worker's cron queues the run as it does at a start after an hour's anchors were missed (fill=1h); its worker runs
  // no task of ours, so the run waits for runDueJobs
  await rootPool().query(
    `insert into graphile_worker._private_known_crontabs (identifier, known_since, last_execution) values ($1, now() - interval '2 hours', now() - interval '2 hours')
     on conflict (identifier) do update set last_execution = excluded.last_execution`,
    [anchor.identifier],
  );
  const events: WorkerEvents = new EventEmitter();
  const started = once(events, "cron:started");
  const pool = workerPool({ connectionString: testConfig.ownerUrl, max: 2 }, () => {});
  const taskList = { [`clinicops_test_cron_${process.pid}`]: async () => {} };
  const runner = await run({ pgPool: pool, parsedCronItems: [anchor], taskList, events, noHandleSignals: true, logger: new Logger(() => () => {}) });
  await started;
  await runner.stop();
  await pool.end();
  const ours = "task_id = (select id from graphile_worker._private_tasks where identifier = 'audit_chain__anchor')";
  try {
    const { rows: queued } = await rootPool().query(`select payload->'_cron'->>'backfilled' as backfilled from graphile_worker._private_jobs where ${ours}`);
    expect(queued).toEqual([{ backfilled: "true" }]);
    const failures: string[] = [];
    let waited = 0; // seconds: graphile-worker's waits before each retry
    for (let attempt = 1; attempt <= 30; attempt++) {
      const failed = (await runDueJobs()).filter((failure) => failure.startsWith("audit_chain__anchor:"));
      if (failed.length === 0) break;
      failures.push(...failed);
      const { rows } = await rootPool().query(`select extract(epoch from max(run_at) - now())::float as wait from graphile_worker._private_jobs where ${ours} and attempts < max_attempts`);
      waited += rows[0].wait ?? 0;
      await rootPool().query(`update graphile_worker._private_jobs set run_at = now() where ${ours}`); // its next attempt now, not after the wait
    }
    expect(failures).toHaveLength(8);
    expect(waited).toBeLessThan(60 * 60); // its last attempt (about 29 minutes after its first) comes before the next hour's run
    const { rows: left } = await rootPool().query(`select attempts, max_attempts from graphile_worker._private_jobs where ${ours}`);
    expect(left).toEqual([{ attempts: 8, max_attempts: 8 }]); // failed for good: failed_job__prune removes it a week later
  } finally {
    if (anchorsWere === undefined) delete process.env.AUDIT_ANCHORS_FILE;
    else process.env.AUDIT_ANCHORS_FILE = anchorsWere;
    await rootPool().query(`delete from graphile_worker._private_jobs where ${ours}`);
  }
});
