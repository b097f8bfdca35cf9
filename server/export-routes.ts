/**
 * GET /exports/:id streams a finished export to a member of its clinic who may
 * see exports. Anyone else — another clinic, no session, a guessed or malformed
 * id, an export not ready — gets the same 404; a session that has ended, 401
 * (UNAUTHENTICATED: log in again). Each download is audited.
 */
import express, { type Request, type Response } from "express";
import type pg from "pg";
import type { RoleNames } from "../db/config.ts";
import { exportFile } from "../db/export-files.ts";
import { streamFile } from "./file-download.ts";
import { sendCaughtError, sendError } from "./http-errors.ts";
import { log } from "./log.ts";
import { pgSettingsFor } from "./pg-settings.ts";
import { withPgSettings } from "./pg-transaction.ts";
import { sessionState } from "./session-cookie.ts";
import type { ServerSettings } from "./settings.ts";
import { isUuid } from "../db/uuid.ts";

export function exportRoutes({ pool, settings, roles }: { pool: pg.Pool; settings: ServerSettings; roles: Pick<RoleNames, "visitor"> }) {
  const router = express.Router();
  router.get("/exports/:id", async (req: Request<{ id: string }>, res: Response) => {
    const notFound = () => sendError(res, "NOT_FOUND", "No such export.");
    const state = sessionState(req, settings);
    if (state.kind !== "session" || !isUuid(req.params.id)) return notFound();
    const id = req.params.id.toLowerCase(); // a uuid in capitals is the same export (its file is named in lower case)
    try {
      const { rows } = await withPgSettings(pool, pgSettingsFor(state.claims, settings, roles), (client) =>
        client.query("select clinic_id, file_name, content_type from app_hidden.export_for_download($1)", [id]),
      );
      if (!rows[0]) return notFound();
      const { file_name: name, content_type: contentType } = rows[0];
      const sent = await streamFile(res, exportFile(rows[0].clinic_id, id), (size) => {
        res.attachment(name); // Content-Disposition, with the name quoted and encoded as RFC 6266 says
        res.setHeader("Content-Type", contentType);
        res.setHeader("Content-Length", String(size));
        res.setHeader("Cache-Control", "private, no-store");
      });
      if (!sent) {
        // expired meanwhile, or a volume the worker does not share (EXPORTS_DIR)
        log("warn", "export_file_missing", { exportId: id });
        return notFound();
      }
    } catch (error) {
      sendCaughtError(res, error);
    }
  });
  return router;
}
