/**
 * reconciliation__open: opens every clinic's reconciliation of the business
 * day that just ended in its time zone, with the expected totals per method.
 * Hourly from the crontab, so each clinic's day is opened soon after its own
 * midnight. Each clinic's day commits on its own (the procedure commits), so
 * no clinic's writes wait for the rest of the run, and a retried or
 * interrupted run changes nothing that a complete run would not.
 * Payload: `{ "asOf": "<ISO time>" }` (optional); from the crontab, the hour
 * the run was due (`_cron.ts`), so that the runs graphile-worker replays
 * after an outage (`fill=7d`) open the days that ended before each of them,
 * not all the day before now.
 */
import type { Task } from "graphile-worker";

interface Payload {
  asOf?: string;
  _cron?: { ts?: string };
}

export const reconciliation__open: Task = async (payload, helpers) => {
  const given = payload as Payload | null;
  const asOf = given?.asOf ?? given?._cron?.ts ?? null;
  // a procedure that commits: called on the pool's client as it is, outside any transaction
  const { rows } = await helpers.query<{ opened: number }>("call app_private.open_reconciliations(coalesce($1::timestamptz, now()))", [asOf]);
  helpers.logger.info(`reconciliation__open: ${rows[0].opened} day(s) opened or refreshed`);
};
