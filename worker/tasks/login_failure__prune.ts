/**
 * login_failure__prune (hourly): deletes failed logins past the address throttle's window
 * (app_private.prune_login_failures); the audit log keeps them.
 */
import type { Task } from "graphile-worker";

export const login_failure__prune: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ pruned: number }>("select app_private.prune_login_failures() as pruned");
  helpers.logger.info(`login_failure__prune: ${rows[0].pruned} failed login(s) removed`);
};
