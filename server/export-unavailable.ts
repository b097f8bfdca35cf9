/**
 * Why an export the session may see (its clinic's, a money role: reportExports lists it) is not downloaded, said as
 * what to do: one deleted (deleteExport), one past its expiry, one that failed, one not finished. A download of such an export answered "No such
 * export.", as to a guess or another clinic's, though the person saw it listed; its 404 stays. The export is read
 * through its policies, in the download's transaction: to anyone else it is no such export, as before.
 */
import type pg from "pg";

/** The sentence for the export `id` (as PostgreSQL wrote it) the download did not find, or null when the session sees none. */
export async function whyNotDownloadable(client: pg.ClientBase, id: string): Promise<string | null> {
  const { rows } = await client.query<{ status: string; expired: boolean; deleted: boolean }>(
    "select e.status::text as status, e.expires_at <= now() as expired, e.deleted_at is not null as deleted from app_public.report_export e where e.id = $1",
    [id],
  );
  const seen = rows[0];
  if (!seen) return null;
  if (seen.deleted) return "This export was deleted: request the export again.";
  if (seen.status === "expired" || (seen.status === "done" && seen.expired)) {
    return "This export has expired (exports are kept 7 days): request the export again.";
  }
  if (seen.status === "failed") return "This export failed (its error says why): request the export again.";
  if (seen.status === "queued" || seen.status === "running") return "This export is not ready yet: download it once its status is done.";
  return null;
}
