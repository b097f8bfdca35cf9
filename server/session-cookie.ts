/**
 * The session cookie: HttpOnly, SameSite=Lax, and in production Secure with
 * the __Host- prefix; it expires with the session (Max-Age: whatever the browser's clock says).
 */
import type { IncomingMessage } from "node:http";
import type { Response } from "express";
import type { ServerSettings } from "./settings.ts";
import { type SessionClaims, verifySessionToken } from "./session-token.ts";

/** What every ClinicOps cookie is (the session's, the device's): HttpOnly, SameSite=Lax, Secure in production, for the whole site (as __Host- requires). */
export function cookieAttributes(settings: ServerSettings) {
  return { httpOnly: true, sameSite: "lax", secure: settings.production, path: "/" } as const;
}

/**
 * Expires is read on the browser's clock: a front desk's computer hours ahead (its time zone set wrong, its clock turned
 * to show the local time) dropped the cookie that many hours before the session ended, and one ahead by more than the
 * session's length at once. Max-Age, the time the session has left by the server's clock, is counted from when the
 * browser receives it, and wins over Expires (RFC 6265, 5.3), which express writes beside it for the oldest browsers.
 */
export function setSessionCookie(res: Response, settings: ServerSettings, token: string, expiresAt: Date): void {
  res.cookie(settings.cookieName, token, { ...cookieAttributes(settings), maxAge: Math.max(0, expiresAt.getTime() - Date.now()) });
}

export function clearSessionCookie(res: Response, settings: ServerSettings): void {
  res.clearCookie(settings.cookieName, cookieAttributes(settings));
}

/** The value of the cookie `name` (the session's, the device's), if the request carries it. */
export function cookieValue(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      return decoded(part.slice(eq + 1).trim());
    }
  }
  return null;
}

/** A cookie value percent-decoded, or as sent when it is not valid percent-encoding (then it fails to verify: 401, not 500). */
function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export type SessionState =
  | { kind: "anonymous" }
  | { kind: "invalid" }
  | { kind: "session"; claims: SessionClaims };

function checkSession(req: IncomingMessage, settings: ServerSettings): SessionState {
  const token = cookieValue(req, settings.cookieName);
  if (token === null) return { kind: "anonymous" };
  const claims = verifySessionToken(token, settings.jwtSecret);
  return claims ? { kind: "session", claims } : { kind: "invalid" };
}

// An HTTP request's session is checked once, though several layers ask (the
// guard, GraphQL's context). A websocket's upgrade request lives as long as the
// socket, so each operation on it checks again (the token may have expired).
const checked = new WeakMap<IncomingMessage, SessionState>();

/** Works for plain HTTP requests and for websocket upgrade requests alike. */
export function sessionState(req: IncomingMessage, settings: ServerSettings): SessionState {
  if (req.headers.upgrade) return checkSession(req, settings);
  let state = checked.get(req);
  if (!state) checked.set(req, (state = checkSession(req, settings)));
  return state;
}
