/**
 * The worker wiring: jobs are queued by the database in the transaction that
 * causes them, the session__expire task removes expired sessions, and the
 * crontab parses.
 */
import { readFileSync } from "node:fs";
import { parseCrontab } from "graphile-worker";
import { runDueJobs, holdWorkerTurnThroughThisFile } from "../support/worker.ts";
import { apiPool, closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { createClinic, createUser, openSession, type TestClinic } from "../support/fixtures.ts";
import { outcome, trackBackend, waitsForLock, whileHolding } from "../support/locks.ts";
import { projectPath } from "../../db/paths.ts";

holdWorkerTurnThroughThisFile();

let clinic: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Worker clinic");
});
afterAll(closeRootPool);


async function jobFor(sessionId: string) {
  const { rows } = await rootPool().query("select task_identifier, run_at from graphile_worker.jobs where key = $1", [
    `session__expire:${sessionId}`,
  ]);
  return rows[0];
}

test("a login queues its session's deletion, a day after its expiry, in the same transaction", async () => {
  const { owner } = clinic.members;
  const client = await apiPool().connect();
  let sessionId: string;
  try {
    await client.query("begin");
    await client.query("set local role " + testConfig.roles.visitor);
    const { rows } = await client.query("select app_hidden.login($1, $2, null, '10.9.9.9', 'jest', '2 hours') as r", [
      owner.phone,
      owner.password,
    ]);
    sessionId = rows[0].r.sessionId;
    const job = await client.query("select count(*)::int as n from graphile_worker.jobs where key = $1", [`session__expire:${sessionId}`]).catch(
      () => null,
    );
    expect(job).toBeNull(); // the API role cannot see the queue
    await client.query("rollback");
  } finally {
    client.release();
  }
  expect(await jobFor(sessionId!)).toBeUndefined(); // rolled back with the login

  const committed = await openSession(owner.userId, clinic.clinicId, "2 hours");
  const job = await jobFor(committed);
  expect(job.task_identifier).toBe("session__expire");
  const { rows } = await rootPool().query("select expires_at + interval '1 day' as deleted_at from app_private.session where id = $1", [committed]);
  expect(job.run_at.getTime()).toBe(rows[0].deleted_at.getTime());
});

// the expiry job deleted a session at its expiry, where a revoked one is kept a day: a download the session began and that
// was cut short after its expiry (a long one) found no session to audit its end for (app_hidden.export_cut_short)
test("session__expire removes a session a day after it has expired, and only then: one expired within the day is kept", async () => {
  const longGone = await openSession(clinic.members.doctor.userId, clinic.clinicId, "-1 day -1 second");
  const expired = await openSession(clinic.members.doctor.userId, clinic.clinicId, "-1 second");
  const live = await openSession(clinic.members.doctor.userId, clinic.clinicId, "1 hour");
  // the expired one's own job run now, as a job queued at its expiry (before this change) is
  await rootPool().query("select graphile_worker.add_job('session__expire', json_build_object('id', $1::uuid), job_key := 'session__expire:' || $1)", [expired]);
  await runDueJobs();
  const { rows } = await rootPool().query("select id from app_private.session where id = any($1::uuid[]) order by expires_at", [[longGone, expired, live]]);
  expect(rows.map((r) => r.id)).toEqual([expired, live]);
});

test("the hourly run (no id) sweeps every session ended more than a day ago, expired or revoked, and keeps those ended within the day", async () => {
  const [expiredLongAgo, revokedLongAgo, expired, revoked] = [
    await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour"),
    await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour"),
    await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour"),
    await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour"),
  ];
  await rootPool().query(
    `update app_private.session set
       expires_at = case when id in ($1, $3) then now() - case when id = $1 then interval '1 day 1 minute' else interval '23 hours' end else expires_at end,
       revoked_at = case when id in ($2, $4) then now() - case when id = $2 then interval '1 day 1 minute' else interval '23 hours' end end
     where id in ($1, $2, $3, $4)`,
    [expiredLongAgo, revokedLongAgo, expired, revoked],
  );
  await rootPool().query("select graphile_worker.add_job('session__expire', '{}'::json)");
  await runDueJobs();
  const { rows } = await rootPool().query("select id from app_private.session where id = any($1::uuid[])", [[expiredLongAgo, revokedLongAgo, expired, revoked]]);
  expect(rows.map((r) => r.id).sort()).toEqual([expired, revoked].sort());
});

// the sweep locked expired sessions oldest first (by their expiry), an ending of an account's sessions newest first
// (session_user_live_idx): two sessions expiring between the two transactions' starts were live to the ending and
// expired to the sweep, and each locked one while waiting for the other ("deadlock detected", one of them undone). Since
// the sweep deletes sessions a day after their end, it shares none with an ending, which takes live ones; it still waits
// for no session another transaction holds (a logout, a role change of one kept), leaving it to its next run.
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
  ]);
  // an hour's anchors missed while no worker ran at minute 30 (a restart, a deploy) are taken when one starts within the hour
  expect(items.find((item) => item.task === "audit_chain__anchor")?.options.backfillPeriod).toBe(60 * 60 * 1000);
});
