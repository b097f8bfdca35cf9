/**
 * failed_job__prune (hourly): removes the jobs that failed their last attempt a week ago or more, which graphile-worker
 * keeps for good (app_private.remove_failed_jobs); the worker's log keeps their errors.
 */
import type { Task } from "graphile-worker";

export const failed_job__prune: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ removed: number }>("select app_private.remove_failed_jobs() as removed");
  helpers.logger.info(`failed_job__prune: ${rows[0].removed} job(s) that failed their last attempt a week ago removed`);
};
