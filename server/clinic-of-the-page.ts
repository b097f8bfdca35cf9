/**
 * The clinic a page shows, said by the frontend. A browser's tabs share one session cookie, so a
 * clinic switched in one tab is the clinic of every tab: a cash-up screen still showing clinic A
 * closed clinic B's day with A's counts, a patient typed in for A was registered in B. A frontend
 * that sends the `X-Clinic-Id` header (the clinic's id, as the login answer's `clinic.id` gives it)
 * with each GraphQL request has a request of another clinic's page refused, 409 `CLINIC_CHANGED`,
 * before anything runs; without the header a request runs in the session's clinic, as always.
 * A browser's websocket sends no header of the page's: its page names the clinic in graphql-ws's `connection_init`
 * payload instead (`{"X-Clinic-Id": …}`, its connectionParams), and the socket's subscriptions and operations are refused
 * alike. The switch ends the session a websocket was opened with, but graphql-ws's client opens another by itself
 * after a close it retries (the network lost, the server restarting), with the browser's cookie of then: the page of
 * clinic A followed clinic B's queue, and its operations over the socket ran in B.
 */
import type { IncomingMessage } from "node:http";
import type { NextFunction, Request, Response } from "express";
import { GraphQLError } from "postgraphile/graphql";
import { isUuid } from "../db/uuid.ts";
import { sendError } from "./http-errors.ts";
import { sessionState } from "./session-cookie.ts";
import type { ServerSettings } from "./settings.ts";

export const CLINIC_OF_THE_PAGE_HEADER = "X-Clinic-Id";

/** Why a request of a page naming `named` as its clinic is refused, made with `req`'s session cookie; null when it is not. */
function refusalOf(named: unknown, req: IncomingMessage, settings: ServerSettings): { code: string; message: string } | null {
  if (typeof named !== "string" || !isUuid(named)) return { code: "INVALID_INPUT", message: `${CLINIC_OF_THE_PAGE_HEADER} must be the id of the clinic the page shows.` };
  const state = sessionState(req, settings);
  // no session: GraphQL answers what it answers anyone (UNAUTHENTICATED for data)
  if (state.kind !== "session" || state.claims.clinic_id?.toLowerCase() === named.toLowerCase()) return null;
  return {
    code: "CLINIC_CHANGED",
    message: "This page is of another clinic than your session, which was switched (in another tab or window): nothing was done. Reload the page.",
  };
}

export function refuseAnotherClinicsPage(settings: ServerSettings) {
  return (req: Request, res: Response, next: NextFunction) => {
    const named = req.get(CLINIC_OF_THE_PAGE_HEADER);
    const refusal = named === undefined ? null : refusalOf(named, req, settings);
    if (!refusal) return next();
    sendError(res, refusal.code, refusal.message);
  };
}

/**
 * What a websocket's `connection_init` payload names as its page's clinic, under X-Clinic-Id in any case: undefined when
 * it names none, every value when it names it more than once. Read from the payload as sent: grafserv's reading of it as
 * headers (`normalizedConnectionParams`) drops a value that is null, an object or a list holding other than text, and a
 * page naming its clinic so (what fetch sends over HTTP as "null" or "[object Object]", refused there) ran its operations
 * in whatever clinic its session was then.
 */
function clinicNamedIn(connectionParams: unknown): unknown {
  if (typeof connectionParams !== "object" || connectionParams === null) return undefined;
  const named = Object.entries(connectionParams).filter(([key]) => key.toLowerCase() === CLINIC_OF_THE_PAGE_HEADER.toLowerCase());
  return named.length === 0 ? undefined : named.length === 1 ? named[0][1] : named.map(([, value]) => value);
}

/**
 * Refuses a subscription, query or mutation of a GraphQL websocket whose page named another clinic than the socket's
 * session in its `connection_init` payload (X-Clinic-Id, any case), before it runs: `CLINIC_CHANGED` (or `INVALID_INPUT`
 * for anything else than one clinic id: null, an object, a list, the name given twice), a subscription's only event
 * before its end.
 */
export function clinicOfThePageOverWebsocketsPlugin(settings: ServerSettings): GraphileConfig.Plugin {
  const refused = (requestContext: unknown) => {
    const ws = (requestContext as { ws?: { request?: IncomingMessage; connectionParams?: unknown } } | undefined)?.ws;
    const named = clinicNamedIn(ws?.connectionParams);
    const refusal = ws?.request && named !== undefined ? refusalOf(named, ws.request, settings) : null;
    return refusal && { errors: [new GraphQLError(refusal.message, { extensions: { code: refusal.code } })] };
  };
  return {
    name: "ClinicOpsClinicOfThePageOverWebsocketsPlugin",
    version: "1.0.0",
    grafast: {
      middleware: {
        execute: (next, event) => refused(event.args.requestContext) ?? next(),
        subscribe: (next, event) => refused(event.args.requestContext) ?? next(),
      },
    },
  };
}
