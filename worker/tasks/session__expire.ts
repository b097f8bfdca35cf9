/**
 * session__expire: deletes a session a day after it has expired (queued by the
 * database for each new session, for that time) or, with no id (the hourly
 * cron run), every session that expired or was revoked more than a day ago.
 * An ended session is kept that day so that a download it began and that is
 * cut short after its end is audited for it (app_hidden.export_cut_short).
 */
import type { Task } from "graphile-worker";

export const session__expire: Task = async (payload, helpers) => {
  const id = (payload as { id?: string } | null)?.id ?? null;
  const { rows } = await helpers.query<{ deleted: number }>("select app_private.expire_sessions($1) as deleted", [id]);
  helpers.logger.info(`session__expire: ${rows[0].deleted} session(s) removed`);
};
