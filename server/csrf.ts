/**
 * Cross-site request forgery guard for state-changing requests and for
 * websockets. Browsers say where a request comes from (Origin, Sec-Fetch-Site);
 * anything from another site than ours or the configured frontends is refused.
 * Clients that are not browsers send neither header and cannot be tricked into
 * sending our cookie.
 */
import type { IncomingMessage } from "node:http";
import type { NextFunction, Request, Response } from "express";
import { sendError } from "./http-errors.ts";
import type { ServerSettings } from "./settings.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function csrfGuard(settings: Pick<ServerSettings, "allowedOrigins">) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.get("origin");
    const ownOrigin = `${req.protocol}://${req.get("host")}`;
    const originAllowed = origin !== undefined && (origin === ownOrigin || settings.allowedOrigins.includes(origin));
    const site = req.get("sec-fetch-site");
    const crossSite = site !== undefined && site !== "same-origin" && site !== "none";
    if ((origin !== undefined && !originAllowed) || (crossSite && !originAllowed)) {
      return sendError(res, "CSRF", "Cross-site requests are refused.");
    }
    next();
  };
}

/**
 * A websocket upgrade from a page of another origin than ours or the
 * configured frontends. Browsers always send Origin on websockets, and the
 * upgrade never passes through express, so the GraphQL websocket asks this
 * before accepting (a mutation sent over it would otherwise run with the
 * victim's cookie). Our origin is worked out as express does for the guard
 * above: the scheme from the connection, or from X-Forwarded-Proto behind a
 * trusted proxy.
 */
export function websocketFromOtherSite(
  req: IncomingMessage,
  settings: Pick<ServerSettings, "allowedOrigins">,
  trustProxy: boolean | string,
): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || settings.allowedOrigins.includes(origin)) return false;
  const forwarded = trustProxy ? String(req.headers["x-forwarded-proto"] ?? "").split(",")[0].trim() : "";
  const scheme = forwarded || ((req.socket as { encrypted?: boolean }).encrypted ? "https" : "http");
  return origin !== `${scheme}://${req.headers.host}`;
}
