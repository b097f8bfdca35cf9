/**
 * GET /exports/:id streams a finished export to a member of its clinic who may
 * see exports. Anyone else — another clinic, no session, a guessed or malformed
 * id, an export not ready — gets the same 404; a session that has ended, 401
 * (UNAUTHENTICATED: log in again); one the session sees listed but deleted, expired, failed, cancelled or not ready, a 404 saying so
 * (export-unavailable.ts). Each download is audited, once its file is
 * open: a file gone from disk is a 404 with no entry, saying to request the
 * export again, and so is one not the size its attempt wrote (cut short or written
 * over: it went out as a whole download of its size), logged as export_file_damaged;
 * HEAD, which sends none, is refused (405); one that ends
 * before the whole file was sent (its client gone, or reading nothing for
 * DOWNLOAD_STALL_MS; a read that failed) is
 * audited again, as cut short, both entries giving the download's own id, for
 * the person its beginning kept, whatever became of its session meanwhile. The id is read
 * by PostgreSQL, so any form of it the API takes finds the export.
 */
import express, { type Request, type Response } from "express";
import type pg from "pg";
import type { RoleNames } from "../db/config.ts";
import { exportFile } from "../db/export-files.ts";
import { type OpenedFile, openForDownload, streamDownload } from "./file-download.ts";
import { sendCaughtError, sendError } from "./http-errors.ts";
import { log } from "./log.ts";
import { pgSettingsFor } from "./pg-settings.ts";
import { withPgSettings } from "./pg-transaction.ts";
import { whyNotDownloadable } from "./export-unavailable.ts";
import { sessionState } from "./session-cookie.ts";
import type { ServerSettings } from "./settings.ts";
import { isMalformedUuid } from "../db/uuid.ts";

/** The export's file is not on disk: the download's transaction is rolled back, its audit entry with it. */
class FileGone extends Error {
  exportId: string;
  constructor(exportId: string) {
    super(`export ${exportId}'s file is gone`);
    this.exportId = exportId;
  }
}

/**
 * The export's file on disk is not the size its attempt wrote (byte_size): cut short (a disk fault, a copy or restore
 * that stopped part way) or written over. Served, it went out as a whole download of that size, audited as one, and the
 * clinic opened part of a CSV, or a broken PDF, as if it were the export; its transaction is rolled back as FileGone's.
 */
class FileDamaged extends Error {
  exportId: string;
  written: number;
  found: number;
  constructor(exportId: string, written: number, found: number) {
    super(`export ${exportId}'s file is ${found} bytes, not the ${written} its attempt wrote`);
    this.exportId = exportId;
    this.written = written;
    this.found = found;
  }
}

/** What the route serves (HEAD, which sends no file, is refused): OPTIONS and a 405 say so alike. */
const ALLOW = "GET, OPTIONS";


export function exportRoutes({ pool, settings, roles }: { pool: pg.Pool; settings: ServerSettings; roles: Pick<RoleNames, "visitor"> }) {
  const router = express.Router();
  const route = router.route("/exports/:id");
  // express answered OPTIONS itself with "GET, HEAD"
  route.options((_req: Request, res: Response) => void res.status(204).setHeader("Allow", ALLOW).end());
  // a POST, PUT, PATCH or DELETE fell through to the 404 of no route: the export is there, not for that method
  for (const method of ["post", "put", "patch", "delete"] as const) route[method]((_req: Request, res: Response) => void res.status(405).setHeader("Allow", ALLOW).end());
  route.get(async (req: Request<{ id: string }>, res: Response) => {
    const notFound = () => sendError(res, "NOT_FOUND", "No such export.");
    // HEAD sends no file: it would be audited as a download that never happened
    if (req.method === "HEAD") return res.status(405).setHeader("Allow", ALLOW).end();
    const state = sessionState(req, settings);
    if (state.kind !== "session") return notFound();
    let opened: OpenedFile | null = null; // opened in the transaction; closed here if the transaction fails after
    let row: { id: string; file_name: string; content_type: string; download_id: string; byte_size: string | null } | undefined;
    let unavailable: string | null = null; // why an export the session sees is not downloaded (expired, failed, not ready)
    try {
      // the file is opened in the transaction that audits the download, so a file that is gone
      // (expired meanwhile, or a volume the worker does not share: EXPORTS_DIR) leaves no entry
      row = await withPgSettings(pool, pgSettingsFor(state.claims, settings, roles), async (client) => {
        // the id as PostgreSQL reads it (braces, capitals, hyphens after any four digits, or none), and as it writes
        // it, which names the file: the same forms as the API's, where one rule of our own took two of them
        // with the size its attempt wrote
        const { rows } = await client.query(
          "select $1::uuid::text as id, d.clinic_id, d.file_name, d.content_type, d.download_id, d.byte_size::text from app_hidden.export_for_download($1) d",
          [req.params.id],
        );
        if (!rows[0]) {
          // one the person sees listed is told why (it was "No such export.", as a guess); anyone else's is no such export
          unavailable = await whyNotDownloadable(client, req.params.id);
          return undefined;
        }
        opened = await openForDownload(exportFile(rows[0].clinic_id, rows[0].id));
        if (!opened) throw new FileGone(rows[0].id);
        const written = rows[0].byte_size === null ? null : Number(rows[0].byte_size);
        if (written !== null && opened.size !== written) throw new FileDamaged(rows[0].id, written, opened.size);
        return rows[0];
      });
    } catch (error) {
      await (opened as OpenedFile | null)?.handle.close();
      if (isMalformedUuid(error)) return notFound(); // a malformed id, not found like any other
      if (error instanceof FileDamaged) {
        log("error", "export_file_damaged", { exportId: error.exportId, bytesWritten: error.written, bytesFound: error.found });
        return sendError(res, "NOT_FOUND", "This export's file on the server is no longer whole: request the export again.");
      }
      if (!(error instanceof FileGone)) return sendCaughtError(res, error);
      log("warn", "export_file_missing", { exportId: error.exportId });
      // the export is theirs to see (reportExports lists it as done): say what to do, not "no such export"
      return sendError(res, "NOT_FOUND", "This export's file is no longer on the server: request the export again.");
    }
    const file = opened as OpenedFile | null; // set whenever a row came back
    const why = unavailable as string | null; // set in the transaction's callback
    if (why) return sendError(res, "NOT_FOUND", why);
    if (!row || !file) return notFound();
    const { id, file_name: name, content_type: contentType, download_id: downloadId } = row;
    const whole = await streamDownload(res, file, (size) => {
      res.attachment(name); // Content-Disposition, with the name quoted and encoded as RFC 6266 says
      res.setHeader("Content-Type", contentType);
      res.setHeader("Content-Length", String(size));
      res.setHeader("Cache-Control", "private, no-store");
    });
    // its end, whole or not, ended by the session that began it (that session ended since or not, its row deleted or
    // not): one cut short is audited so, for the person and clinic its beginning kept, with the id its export entry gave
    // the download (the same person's other downloads of the export are others); each end takes the row its beginning kept
    const ended = "select app_hidden.export_download_ended($1, $2, $3)";
    await withPgSettings(pool, pgSettingsFor(state.claims, settings, roles), (client) => client.query(ended, [id, downloadId, whole])).catch(
      (error) => log("error", "export_download_end_not_recorded", { exportId: id, downloadId, whole, error: String(error) }),
    );
  });
  return router;
}
