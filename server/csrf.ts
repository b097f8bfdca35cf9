/**
 * Cross-site request forgery guard for state-changing requests and for
 * websockets. Browsers say where a request comes from (Origin, Sec-Fetch-Site);
 * anything from another site than ours or the configured frontends is refused.
 * Clients that are not browsers send neither header and cannot be tricked into
 * sending our cookie.
 */
import type { NextFunction, Request, Response } from "express";
import { CLINIC_OF_THE_PAGE_HEADER } from "./clinic-of-the-page.ts";
import { sendError } from "./http-errors.ts";
import { log } from "./log.ts";
import type { ServerSettings } from "./settings.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether the browser says `req` comes from a page of another site than ours
 * or the configured frontends (its Origin, or Sec-Fetch-Site when a browser
 * sends no Origin). Our origin is express's: the scheme from the connection,
 * or from X-Forwarded-Proto behind a trusted proxy.
 */
export function fromOtherSite(req: Request, settings: Pick<ServerSettings, "allowedOrigins">): boolean {
  const origin = req.get("origin");
  const ownOrigin = `${req.protocol}://${req.get("host")}`;
  const originAllowed = origin !== undefined && (origin === ownOrigin || settings.allowedOrigins.includes(origin));
  const site = req.get("sec-fetch-site");
  const crossSite = site !== undefined && site !== "same-origin" && site !== "none";
  return (origin !== undefined && !originAllowed) || (crossSite && !originAllowed);
}

/**
 * Refuses state-changing requests from other sites. A websocket upgrade never
 * passes through express: the server asks `fromOtherSite` itself before
 * handing one to GraphQL (a mutation sent over it would otherwise run with the
 * victim's cookie).
 */
export function csrfGuard(settings: Pick<ServerSettings, "allowedOrigins">) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || !fromOtherSite(req, settings)) return next();
    logCrossSiteRefusal(req, settings);
    sendError(res, "CSRF", "Cross-site requests are refused.");
  };
}

/**
 * Logs a request refused as cross-site, a POST or a websocket's upgrade: for the operator of a frontend on another
 * origin, refused without a word in the logs (ALLOWED_ORIGINS names it).
 */
export function logCrossSiteRefusal(req: Request, settings: Pick<ServerSettings, "allowedOrigins">): void {
  log("info", "cross_site_refused", { origin: req.get("origin") ?? null, site: req.get("sec-fetch-site") ?? null, allowedOrigins: settings.allowedOrigins });
}

/**
 * CORS for the configured frontends (ALLOWED_ORIGINS). A page of another origin sends its JSON
 * POSTs only once the browser's preflight is answered, and reads an answer only when it names the
 * page's origin: without this, a frontend on its own origin could not use the API at all. Only
 * those origins are named, never `*`; the cookie is allowed along (credentials); the request id is
 * readable, for support, and a download's file name; a page may say its clinic (server/clinic-of-the-page.ts). Requests from any other origin get no CORS headers, so browsers keep them
 * from reading our answers, and csrfGuard refuses their state-changing ones.
 */
export function corsForFrontends(settings: Pick<ServerSettings, "allowedOrigins">) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.vary("Origin");
    const origin = req.get("origin");
    if (origin === undefined || !settings.allowedOrigins.includes(origin)) return next();
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
    res.setHeader("Access-Control-Expose-Headers", "X-Request-Id, Content-Disposition");
    if (req.method !== "OPTIONS") return next();
    res.setHeader("Access-Control-Allow-Methods", "GET, POST");
    res.setHeader("Access-Control-Allow-Headers", `Content-Type, ${CLINIC_OF_THE_PAGE_HEADER}`);
    res.setHeader("Access-Control-Max-Age", "600");
    res.status(204).end();
  };
}
