/**
 * session__expire: deletes a session once it has expired (queued by the
 * database for each new session, at its expiry time) or, with no id (the
 * hourly cron run), every expired or long-revoked session.
 */
import type { Task } from "graphile-worker";

export const session__expire: Task = async (payload, helpers) => {
  const id = (payload as { id?: string } | null)?.id ?? null;
  const { rows } = await helpers.query<{ deleted: number }>("select app_private.expire_sessions($1) as deleted", [id]);
  helpers.logger.info(`session__expire: ${rows[0].deleted} session(s) removed`);
};
