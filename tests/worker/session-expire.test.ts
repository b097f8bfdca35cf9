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

test("a login queues its session's expiry in the same transaction", async () => {
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
  const { rows } = await rootPool().query("select expires_at from app_private.session where id = $1", [committed]);
  expect(job.run_at.getTime()).toBe(rows[0].expires_at.getTime());
});

test("session__expire removes a session once it has expired, and only then", async () => {
  const expired = await openSession(clinic.members.doctor.userId, clinic.clinicId, "-1 second");
  const live = await openSession(clinic.members.doctor.userId, clinic.clinicId, "1 hour");
  await runDueJobs();
  const { rows } = await rootPool().query("select id from app_private.session where id = any($1::uuid[])", [[expired, live]]);
  expect(rows.map((r) => r.id)).toEqual([live]);
});

test("the hourly run (no id) sweeps every expired session", async () => {
  const a = await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour");
  const b = await openSession(clinic.members.cashier.userId, clinic.clinicId, "1 hour");
  await rootPool().query("update app_private.session set expires_at = now() - interval '1 minute' where id = any($1::uuid[])", [[a, b]]);
  await rootPool().query("select graphile_worker.add_job('session__expire', '{}'::json)");
  await runDueJobs();
  const { rows } = await rootPool().query("select count(*)::int as n from app_private.session where id = any($1::uuid[])", [[a, b]]);
  expect(rows[0].n).toBe(0);
});

// the sweep locked expired sessions oldest first (by their expiry), an ending of an account's sessions newest first
// (session_user_live_idx): two sessions expiring between the two transactions' starts were live to the ending and
// expired to the sweep, and each locked one while waiting for the other ("deadlock detected", one of them undone). A
// third transaction holds the older one, so that the sweep waits there while the ending takes the newer one first.
test("the hourly sweep and an ending of an account's sessions, at once over the same sessions, both go through: the sweep leaves one held to its next run", async () => {
  const user = await createUser();
  const [older, newer] = [await openSession(user.userId, null), await openSession(user.userId, null)];
  const [ending, sweep] = [await rootPool().connect(), await rootPool().connect()];
  try {
    for (const client of [ending, sweep]) await trackBackend(client);
    await ending.query("begin");
    await ending.query("select now()"); // the ending's now(): both sessions expire after it, before the sweep's
    for (const id of [older, newer]) await rootPool().query("update app_private.session set expires_at = clock_timestamp() where id = $1", [id]);
    const [swept, ended] = await whileHolding("select from app_private.session where id = $1 for update", [older], async (held) => {
      const swept = outcome(sweep.query("select app_private.expire_sessions()"));
      await waitsForLock(sweep, swept); // before: it waited for the older one, having locked nothing
      const ended = outcome(ending.query("select app_private.end_sessions_of($1, null) as ended", [user.userId]));
      expect(await waitsForLock(ending, ended)).toBe(true); // for the older one (before: the newer one locked)
      await held.release();
      return [await swept, await ended];
    });
    await ending.query("commit");
    // neither undone by a deadlock (40P01); the newer one swept first, the older one still live to the ending
    expect({ swept: Array.isArray(swept) ? "done" : swept, ended }).toEqual({ swept: "done", ended: [{ ended: [{ id: older, clinicId: null }] }] });
  } finally {
    for (const client of [ending, sweep]) client.release();
  }
  const { rows } = await rootPool().query("select id, revoked_at is not null as ended from app_private.session where id = any($1::uuid[])", [[older, newer]]);
  expect(rows).toEqual([{ id: older, ended: true }]);
  await rootPool().query("select app_private.expire_sessions()"); // the next hourly run
  expect((await rootPool().query("select count(*)::int as n from app_private.session where id = $1", [older])).rows[0].n).toBe(0);
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
