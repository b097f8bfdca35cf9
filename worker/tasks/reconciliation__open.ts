/**
 * reconciliation__open: opens every clinic's reconciliation of the business
 * day that just ended in its time zone, with the expected totals per method.
 * Hourly from the crontab, so each clinic's day is opened soon after its own
 * midnight; one SQL statement, so a retried or interrupted run changes nothing
 * that a complete run would not. Payload: `{ "asOf": "<ISO time>" }` (optional).
 */
import type { Task } from "graphile-worker";

export const reconciliation__open: Task = async (payload, helpers) => {
  const asOf = (payload as { asOf?: string } | null)?.asOf ?? null;
  const { rows } = await helpers.query<{ written: number }>(
    "select app_private.open_reconciliations(coalesce($1::timestamptz, now())) as written",
    [asOf],
  );
  helpers.logger.info(`reconciliation__open: ${rows[0].written} day(s) opened or refreshed`);
};
