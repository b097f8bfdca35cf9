/**
 * The device cookie (OWASP's "device cookie"): a login that opens a session gives its browser, for the account, a
 * random secret of which PostgreSQL keeps the SHA-256 alone (app_private.login_device). A later login attempt sends
 * the secrets the browser holds, and one of the account logged in to is judged by its device, not refused by the
 * address throttle (a clinic's staff behind the guest wifi's address) nor the account's lock (app_hidden.login).
 * It authorises nothing by itself: it is read by the /auth routes alone, never as a session.
 *
 * One cookie for the browser, holding a token `<user id>.<secret>` for each account logged in from it (a front desk's
 * computer is shared by its receptionists), the newest 10: each login, and each password change made from it, replaces its
 * account's token. A token that is not of that form (forged, garbled, cut short) is left out, as if the browser had none.
 */
import type { IncomingMessage } from "node:http";
import type { Response } from "express";
import type { ServerSettings } from "./settings.ts";
import { cookieAttributes, cookieValue } from "./session-cookie.ts";

/** How long a browser keeps the cookie after its last login, as long as PostgreSQL trusts a device unused (login_device). */
const DEVICE_COOKIE_MAX_AGE_MS = 90 * 24 * 3600 * 1000;
/** Accounts one browser's cookie holds tokens for: about 800 bytes, under a cookie's 4 kB. */
const ACCOUNTS_PER_BROWSER = 10;
/** An account's token: its user id and the secret note_login_device made (32 bytes, base64url). */
const TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;
const SEPARATOR = "~";

interface DeviceToken {
  userId: string;
  secret: string;
}

/** The well-formed tokens of the request's device cookie (none without one). */
function deviceTokens(req: IncomingMessage, settings: ServerSettings): DeviceToken[] {
  const tokens: DeviceToken[] = [];
  for (const text of (cookieValue(req, settings.deviceCookieName) ?? "").split(SEPARATOR).slice(-ACCOUNTS_PER_BROWSER)) {
    const match = TOKEN.exec(text);
    if (match) tokens.push({ userId: match[1], secret: match[2] });
  }
  return tokens;
}

/** The secrets the browser holds, for app_hidden.login and change_password to find the account's among. */
export function deviceSecrets(req: IncomingMessage, settings: ServerSettings): string[] {
  return deviceTokens(req, settings).map((token) => token.secret);
}

/** Gives the browser the account's new secret after a login or a password change, keeping its other accounts' tokens (the newest 10). */
export function setDeviceCookie(req: IncomingMessage, res: Response, settings: ServerSettings, userId: string, secret: string): void {
  const tokens = [...deviceTokens(req, settings).filter((token) => token.userId !== userId), { userId, secret }].slice(-ACCOUNTS_PER_BROWSER);
  res.cookie(settings.deviceCookieName, tokens.map((token) => `${token.userId}.${token.secret}`).join(SEPARATOR), { ...cookieAttributes(settings), maxAge: DEVICE_COOKIE_MAX_AGE_MS });
}
