/**
 * Why an export the session may see (its clinic's, a money role: reportExports lists it) is not downloaded, said as
 * what to do: one deleted (deleteExport), one past its expiry, one that failed, one cancelled (cancelExport), one not
 * finished. A download of such an export answered "No such export.", as to a guess or another clinic's, though the
 * person saw it listed; its 404 stays. The reason is
 * PostgreSQL's (app_hidden.why_not_downloadable, the rule export_for_download serves by); the export is read through its
 * policies, in the download's transaction: to anyone else it is no such export, as before.
 */
import type pg from "pg";

/** A reason app_hidden.why_not_downloadable gives. */
type Reason = "deleted" | "expired" | "failed" | "cancelled" | "not_ready";

const SENTENCES: Record<Reason, string> = {
  deleted: "This export was deleted: request the export again.",
  expired: "This export has expired (exports are kept 7 days): request the export again.",
  failed: "This export failed (its error says why): request the export again.",
  cancelled: "This export was cancelled: request the export again.",
  not_ready: "This export is not ready yet: download it once its status is done.",
};

/** The sentence for the export `id` (as PostgreSQL wrote it) the download did not find, or null when the session sees none. */
export async function whyNotDownloadable(client: pg.ClientBase, id: string): Promise<string | null> {
  const { rows } = await client.query<{ reason: Reason | null }>(
    "select app_hidden.why_not_downloadable(e) as reason from app_public.report_export e where e.id = $1",
    [id],
  );
  const reason = rows[0]?.reason;
  return reason ? SENTENCES[reason] : null;
}
