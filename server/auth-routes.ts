/**
 * POST /auth/login, /auth/switch-clinic, /auth/logout and /auth/password. The
 * checks live in SQL (app_hidden.login and friends); these routes turn their
 * answer into the session cookie, and a login's into the device cookie (device-cookie.ts).
 */
import express, { type NextFunction, type Request, type Response } from "express";
import type pg from "pg";
import type { RoleNames } from "../db/config.ts";
import { isDatabaseUnreachable, OUR_CODES } from "./errors.ts";
import { sendCaughtError, sendError } from "./http-errors.ts";
import { pgSettingsFor } from "./pg-settings.ts";
import { withPgSettings } from "./pg-transaction.ts";
import { clearSessionCookie, sessionState, setSessionCookie } from "./session-cookie.ts";
import { signSessionToken, type SessionClaims } from "./session-token.ts";
import type { ServerSettings } from "./settings.ts";
import { log } from "./log.ts";
import { isMalformedUuid } from "../db/uuid.ts";
import { clientAddress } from "./client-address.ts";
import { deviceSecrets, setDeviceCookie } from "./device-cookie.ts";
import { holdsLoneSurrogate, markNotUtf8, NOT_UTF8, NOT_WHOLE_CHARACTERS } from "./whole-characters.ts";

/** What app_hidden.login / switch_clinic return (see open_session). */
interface SessionResult {
  status: "ok" | "refused" | "invalid" | "not_a_member" | "busy" | "address_busy";
  /** Why a login was refused for its input: one of our SQLSTATEs and its message. */
  error?: { code: string; message: string };
  /** What a not_a_member is told: the membership there suspended, its invitation not accepted, or none (not_a_member_message). */
  message?: string;
  sessionId: string;
  expiresAt: string;
  user: { id: string };
  clinic: { id: string; timezone: string } | null;
  role: string | null;
  clinics: unknown[];
}

/** A login or switch naming a clinic that opened no session: FORBIDDEN, saying why as the database read it. */
const notAMember = (res: Response, result: SessionResult) => sendError(res, "FORBIDDEN", result.message ?? "You are not a member of that clinic.");
/**
 * A clinicId that is no clinic id: not text, or text PostgreSQL does not read as a uuid (it reads every form the
 * API takes: braces, capitals, hyphens after any four digits, or none; a rule of our own took the hyphenated one).
 */
const notAClinicId = (res: Response) => sendError(res, "INVALID_INPUT", "clinicId must be a clinic id.");

export interface AuthRouteOptions {
  pool: pg.Pool;
  settings: ServerSettings;
  roles: Pick<RoleNames, "visitor">;
}

export function authRoutes({ pool, settings, roles }: AuthRouteOptions): express.Router {
  const router = express.Router();
  // a request whose client's address is not to be had (its client reset the connection before the request was read: the
  // connection tells it no more) is made nothing of: a login ran counted against no address, never refused by the
  // throttle's 20 nor audited with one, its client learning a right password from its own session, which the login ended
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (clientAddress(req) !== null) return next();
    log("warn", "client_address_unknown", { path: req.originalUrl.split("?")[0] });
    sendError(res, "RETRY", "Your connection's address could not be read: try again.");
  });
  // bytes that are no UTF-8 were read as U+FFFD: two passwords were one (whole-characters.ts)
  router.use(express.json({ limit: "16kb", verify: markNotUtf8 }));
  router.use((req: Request & { notUtf8?: boolean }, res: Response, next: NextFunction) => (req.notUtf8 ? sendError(res, "INVALID_INPUT", NOT_UTF8) : next()));
  // a password or phone with a lone surrogate was read as one with U+FFFD in its place (whole-characters.ts)
  router.use((req: Request, res: Response, next: NextFunction) => (holdsLoneSurrogate(req.body) ? sendError(res, "INVALID_INPUT", NOT_WHOLE_CHARACTERS) : next()));
  const ttl = `${settings.sessionTtlSeconds} seconds`;

  /**
   * Runs `sql`, which answers one `result`, as the claims' session; with `endsSessions`, on the person's connection
   * for ending sessions, which their other requests do not hold (connections-per-person.ts).
   */
  const run = <Result = SessionResult>(claims: SessionClaims | null, sql: string, params: unknown[], endsSessions = false) =>
    withPgSettings(pool, pgSettingsFor(claims, settings, roles), async (client) => {
      const { rows } = await client.query(sql, params);
      return rows[0].result as Result;
    }, endsSessions);

  /**
   * Ends the session of `claims` (app_hidden.logout: one ended already is left as it is); `replacedBy`, the session of
   * another account's login whose cookie replaced it, audits that end as the login's, not as the person's logout. On
   * the person's connection for ending sessions: their share full of their own slow requests kept them from logging out.
   */
  const endSession = (claims: SessionClaims, replacedBy: string | null = null) =>
    withPgSettings(pool, pgSettingsFor(claims, settings, roles), (client) => client.query("select app_hidden.logout($1)", [replacedBy]), true);

  /** Sets the cookie of a session the database opened (a login's, a switch's, a password change's), ending with it. */
  const giveSessionCookie = (res: Response, claims: SessionClaims, expiresAtText: string) => {
    const expiresAt = new Date(expiresAtText);
    setSessionCookie(res, settings, signSessionToken(claims, expiresAt, settings.jwtSecret), expiresAt);
  };

  const startSession = (res: Response, result: SessionResult) => {
    giveSessionCookie(res, { session_id: result.sessionId, user_id: result.user.id, clinic_id: result.clinic?.id ?? null, role: result.role }, result.expiresAt);
    res.json({ user: result.user, clinic: result.clinic, role: result.role, clinics: result.clinics });
  };

  router.post("/login", async (req: Request, res: Response) => {
    const { phone, password, clinicId } = req.body ?? {};
    if (typeof phone !== "string" || typeof password !== "string") {
      return sendError(res, "INVALID_INPUT", "Send a JSON body with phone and password.");
    }
    if (clinicId != null && typeof clinicId !== "string") return notAClinicId(res);
    // the session of the cookie this login's replaces (one's own, or a colleague's at a shared front desk) is ended: no
    // browser holds it any more, and the websockets still open on it went on as its person
    const replaced = sessionState(req, settings);
    try {
      // with the client's address as throttling counts it (an IPv4 client seen through IPv6 as IPv4, an IPv6 one by its /64);
      // the replaced session, when the account's, ended by the login itself before its cap counts (open_session)
      const result = await run<SessionResult & { counted: string | null; deviceSecret: string }>(
        null,
        "select app_hidden.login($1, $2, $3, $4, $5, $6, $7, $8) || jsonb_build_object('counted', abbrev(app_hidden.throttled_network($4))) as result",
        [phone, password, clinicId ?? null, clientAddress(req), req.get("user-agent") ?? null, ttl, deviceSecrets(req, settings),
          replaced.kind === "session" ? replaced.claims.session_id : null],
      );
      if (result.status !== "ok") {
        // what an operator looking into failed logins needs: how it failed and from where (never the phone or password)
        log("info", "login_failed", { outcome: result.status, address: result.counted });
        if (result.status === "refused" && result.error) {
          return sendError(res, OUR_CODES[result.error.code], result.error.message);
        }
        if (result.status === "busy") return sendError(res, "RETRY", "Another login of this account is under way: try again in a moment.");
        // the address's attempts in flight count as its failures, and would take it past its 20 (app_hidden.login)
        if (result.status === "address_busy") return sendError(res, "RETRY", "Many logins from your network are under way: try again in a moment.");
        return result.status === "not_a_member"
          ? notAMember(res, result)
          : sendError(res, "INVALID_CREDENTIALS", "Wrong phone number or password, or the account is locked.");
      }
      log("info", "login", { userId: result.user.id, clinicId: result.clinic?.id ?? null });
      // a colleague's once the login is answered ok, audited as ended by this login (sessions_ended), not as their logout
      // once more, on another connection, when the database closed its connection (a restart of PostgreSQL, a failover,
      // pg_terminate_backend): the login was answered ok and the colleague's session stayed live, held by no browser
      if (replaced.kind === "session" && replaced.claims.user_id !== result.user.id) {
        const end = () => endSession(replaced.claims, result.sessionId);
        await end()
          .catch((error: unknown) => (isDatabaseUnreachable(error) ? end() : Promise.reject(error)))
          .catch((error) => log("warn", "replaced_session_not_ended", { userId: replaced.claims.user_id, error: String(error) }));
      }
      setDeviceCookie(req, res, settings, result.user.id, result.deviceSecret);
      startSession(res, result);
    } catch (error) {
      if (clinicId != null && isMalformedUuid(error)) return notAClinicId(res);
      sendCaughtError(res, error);
    }
  });

  router.post("/switch-clinic", async (req: Request, res: Response) => {
    const state = sessionState(req, settings);
    if (state.kind !== "session") return sendError(res, "UNAUTHENTICATED", "Log in first.");
    const { clinicId } = req.body ?? {};
    if (typeof clinicId !== "string") return notAClinicId(res);
    try {
      const result = await run(state.claims, "select app_hidden.switch_clinic($1, $2, $3, $4) as result", [
        clinicId, clientAddress(req), req.get("user-agent") ?? null, ttl,
      ]);
      if (result.status === "not_a_member") return notAMember(res, result); // audited, the session kept
      startSession(res, result);
    } catch (error) {
      if (isMalformedUuid(error)) return notAClinicId(res);
      sendCaughtError(res, error);
    }
  });

  router.post("/logout", async (req: Request, res: Response) => {
    const state = sessionState(req, settings);
    try {
      if (state.kind === "session") await endSession(state.claims);
      clearSessionCookie(res, settings);
      res.json({ ok: true });
    } catch (error) {
      sendCaughtError(res, error);
    }
  });

  router.post("/password", async (req: Request, res: Response) => {
    const state = sessionState(req, settings);
    if (state.kind !== "session") return sendError(res, "UNAUTHENTICATED", "Log in first.");
    const { currentPassword, newPassword } = req.body ?? {};
    if (typeof currentPassword !== "string" || typeof newPassword !== "string") {
      return sendError(res, "INVALID_INPUT", "Send a JSON body with currentPassword and newPassword.");
    }
    try {
      // ok: the session opened in place of the one that asked (which a copy of its cookie held too), signed into a new cookie;
      // and the new secret of the browser's device, when its device cookie judged the change (a copy of that cookie too)
      type Changed = {
        status: "ok" | "invalid"; sessionsEnded?: number; sessionId: string; expiresAt: string; clinicId: string | null; role: string | null;
        deviceSecret: string | null;
      };
      const result = await run<Changed>(state.claims, "select app_hidden.change_password($1, $2, $3, $4) as result", [
        currentPassword, newPassword, clientAddress(req), deviceSecrets(req, settings),
      ], true);
      if (result.status !== "ok") {
        log("info", "password_change_refused", { userId: state.claims.user_id });
        return sendError(res, "INVALID_CREDENTIALS", "Your current password is not right, or the account is locked after 5 wrong passwords: try again in 15 minutes.");
      }
      log("info", "password_changed", { userId: state.claims.user_id, sessionsEnded: result.sessionsEnded });
      giveSessionCookie(res, { session_id: result.sessionId, user_id: state.claims.user_id, clinic_id: result.clinicId, role: result.role }, result.expiresAt);
      if (result.deviceSecret) setDeviceCookie(req, res, settings, state.claims.user_id, result.deviceSecret);
      res.json({ ok: true, sessionsEnded: result.sessionsEnded });
    } catch (error) {
      sendCaughtError(res, error);
    }
  });

  return router;
}
