/**
 * The clinic a page shows, said by the frontend. A browser's tabs share one session cookie, so a
 * clinic switched in one tab is the clinic of every tab: a cash-up screen still showing clinic A
 * closed clinic B's day with A's counts, a patient typed in for A was registered in B. A frontend
 * that sends the `X-Clinic-Id` header (the clinic's id, as the login answer's `clinic.id` gives it)
 * with each GraphQL request has a request of another clinic's page refused, 409 `CLINIC_CHANGED`,
 * before anything runs; without the header a request runs in the session's clinic, as always.
 */
import type { NextFunction, Request, Response } from "express";
import { isUuid } from "../db/uuid.ts";
import { sendError } from "./http-errors.ts";
import { sessionState } from "./session-cookie.ts";
import type { ServerSettings } from "./settings.ts";

export const CLINIC_OF_THE_PAGE_HEADER = "X-Clinic-Id";

export function refuseAnotherClinicsPage(settings: ServerSettings) {
  return (req: Request, res: Response, next: NextFunction) => {
    const named = req.get(CLINIC_OF_THE_PAGE_HEADER);
    if (named === undefined) return next();
    if (!isUuid(named)) return sendError(res, "INVALID_INPUT", `${CLINIC_OF_THE_PAGE_HEADER} must be the id of the clinic the page shows.`);
    const state = sessionState(req, settings);
    // no session: GraphQL answers what it answers anyone (UNAUTHENTICATED for data)
    if (state.kind !== "session" || state.claims.clinic_id?.toLowerCase() === named.toLowerCase()) return next();
    sendError(
      res,
      "CLINIC_CHANGED",
      "This page is of another clinic than your session, which was switched (in another tab or window): nothing was done. Reload the page.",
    );
  };
}
