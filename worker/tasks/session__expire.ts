/**
 * session__expire: the hourly cron run (worker/crontab) deletes every session
 * that has expired, or was revoked more than a day ago (app_private.expire_sessions),
 * so an expired session is deleted within the hour after its expiry (a download
 * it began is audited at its end from what it kept as it began,
 * app_private.export_download, not from the session's row). No job is queued per session
 * (one, waiting for later, made graphile-worker's every look for a job read it:
 * 000338); one an older version queued with a session's id sweeps as the hourly
 * run does, its payload unread.
 */
import type { Task } from "graphile-worker";

export const session__expire: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ deleted: number }>("select app_private.expire_sessions() as deleted");
  helpers.logger.info(`session__expire: ${rows[0].deleted} session(s) removed`);
};
