/**
 * The HTTP server: request ids and logs, health, CSRF guard, session check,
 * /auth routes, export downloads, and GraphQL (with GraphiQL outside production), refused to a page of
 * another clinic than the session's.
 */
import { takeWebsocketOf } from "./websocket-limit.ts"; // imported before grafserv makes its ws server
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { Duplex } from "node:stream";
import express, { type NextFunction, type Request, type Response } from "express";
import type pg from "pg";
import { grafserv } from "postgraphile/grafserv/express/v4";
import type { RoleNames } from "../db/config.ts";
import { authRoutes } from "./auth-routes.ts";
import { refuseAnotherClinicsPage } from "./clinic-of-the-page.ts";
import { corsForFrontends, csrfGuard, fromOtherSite, logCrossSiteRefusal } from "./csrf.ts";
import { exportRoutes } from "./export-routes.ts";
import { makeGraphQL } from "./graphql.ts";
import { oneReadMomentPerRequest } from "./one-read-moment.ts";
import { healthRoutes } from "./health.ts";
import { GRAPHQL_PATH, sendCaughtError, sendError } from "./http-errors.ts";
import { log, runWithRequestId } from "./log.ts";
import { pgSettingsFor } from "./pg-settings.ts";
import { clearSessionCookie, sessionState } from "./session-cookie.ts";
import type { ServerSettings } from "./settings.ts";
import { SHUTDOWN_GRACE_MS } from "../db/shutdown.ts";
import { closeAtOnce, LOG_IN_FIRST_REASON, SESSION_ENDED_REASON, UNAUTHORIZED_CODE, WebsocketSessions } from "./websocket-sessions.ts";

/** How long an idle keep-alive connection stays open: longer than the proxies' 60 s in front. */
const KEEP_ALIVE_MS = 65_000;

export interface ApiServer {
  server: Server;
  /** Stops taking requests, answers those under way (for at most SHUTDOWN_GRACE_MS), then releases GraphQL. */
  close(): Promise<void>;
}

export interface ApiServerOptions {
  pool: pg.Pool;
  settings: ServerSettings;
  roles: Pick<RoleNames, "visitor">;
  /** How often the sessions behind open websockets are asked after (server/websocket-sessions.ts). */
  sessionCheckMs?: number;
}

/** Whether the server's stop has cut the requests still under way (its grace over). */
interface Stop {
  cutting: boolean;
}

/**
 * Each request's line once its response finishes (`request`), or closes unfinished (`request_cut_short`:
 * its client gone, a download abandoned, or `cutBy: "shutdown"`, still running when the stop's grace ended),
 * with its id, method, path, status (null where no answer had begun: it said 200) and time.
 */
function requestLogging(stop: Stop) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    res.setHeader("X-Request-Id", requestId);
    const fields = () => ({
      method: req.method,
      // the path as asked for (/auth/login), not as the router that answered it sees it (/login)
      path: req.originalUrl.split("?")[0],
      status: res.headersSent ? res.statusCode : null,
      ms: Number(process.hrtime.bigint() - started) / 1e6,
    });
    res.on("finish", () => runWithRequestId(requestId, () => log("info", "request", fields())));
    // a response that never finished left no line at all
    res.on("close", () => {
      if (res.writableFinished) return;
      runWithRequestId(requestId, () => log("warn", "request_cut_short", { ...fields(), ...(stop.cutting ? { cutBy: "shutdown" } : {}) }));
    });
    runWithRequestId(requestId, next);
  };
}

/**
 * An answer its client stops reading (its window shut, or gone without a word) is cut once nothing of it has gone out for
 * DOWNLOAD_STALL_MS, a download's (file-download.ts) as any other: node has no deadline once an answer is being sent, and a
 * GraphQL answer (up to MAX_ANSWER_BYTES) waited in the server's memory, its connection open, for as long as its client
 * liked (a member's 10 MB answers, one a minute and none read, added up until they took the server's heap). Timed from
 * the answer's headers, so a request still running is not cut; node counts as activity any part of a write the kernel
 * takes; the answer ended, node's keep-alive timeout takes this one's place.
 */
function cutStalledAnswers(stallMs: number) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: Parameters<Response["writeHead"]>) {
      res.setTimeout(stallMs, () => res.destroy());
      return writeHead.apply(this, args);
    } as Response["writeHead"];
    next();
  };
}

/**
 * Headers every answer carries: its content is of the type it says (`nosniff`: a browser does not
 * take a downloaded CSV, or a JSON answer, for a page or a script); in production, browsers reach
 * the server over HTTPS alone for a year (HSTS), as the session's `__Host-` cookie needs.
 */
function securityHeaders(settings: ServerSettings) {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (settings.production) res.setHeader("Strict-Transport-Security", "max-age=31536000");
    next();
  };
}

/**
 * The route that needs no session, and whose answer replaces the cookie: a login over a cookie that does not
 * verify (JWT_SECRET changed, an expiry passed on a clock behind the server's) was told to log in again. Matched as
 * express routes it (any case, a trailing slash or not): `/auth/login/` reached the login, yet was told so.
 */
const LOGIN_PATH = /^\/auth\/login\/?$/i;

/** A cookie that does not verify (forged, tampered, expired) is refused, not ignored, except by a login. */
function refuseInvalidSession(settings: ServerSettings) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!LOGIN_PATH.test(req.path) && sessionState(req, settings).kind === "invalid") {
      clearSessionCookie(res, settings);
      return sendError(res, "UNAUTHENTICATED", "Your session is not valid; log in again.");
    }
    next();
  };
}

/**
 * Answers a websocket's upgrade refused with `status` ("403 Forbidden") and closes its connection once the answer is
 * out, as ws closes those it refuses: ended on the server's side alone, an upgraded socket (neither read nor timed out
 * once node's HTTP server hands it over) stayed open for as long as its client kept its own side open, or for good once
 * the client had gone without a word, each refusal one more connection of the server's, asked for without a session.
 */
function refuseUpgrade(socket: Duplex, status: string): void {
  socket.once("finish", () => socket.destroy());
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
}

export async function createApiServer({ pool, settings, roles, sessionCheckMs }: ApiServerOptions): Promise<ApiServer> {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", settings.trustProxy);
  const stop: Stop = { cutting: false };
  app.use(requestLogging(stop));
  app.use(cutStalledAnswers(settings.downloadStallMs));
  app.use(securityHeaders(settings));
  app.use(healthRoutes(pool, pgSettingsFor(null, settings, roles)));
  app.use(corsForFrontends(settings));
  app.use(csrfGuard(settings));
  app.use(refuseInvalidSession(settings));
  app.use("/auth", authRoutes({ pool, settings, roles }));
  app.use(exportRoutes({ pool, settings, roles }));

  // An idle connection is kept past a reverse proxy's idle timeout (60 s for nginx's and most load
  // balancers' upstream connections): with node's 5 s, a proxy could send a request on a connection
  // the server was closing that moment, and its client got a 502 (a test client, ECONNRESET).
  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: KEEP_ALIVE_MS + 1000 }, app);
  const pgl = makeGraphQL({ pool, settings, roles });
  // the schema read from the database before the server is handed out: PostGraphile reads it once, and a
  // read that failed (a connection not had in time under load) failed every GraphQL request for good, the
  // server listening and /ready saying ready, each answered "Unknown error occurred"; the start fails instead, with its error
  try {
    await pgl.getSchema();
  } catch (error) {
    await pgl.release();
    throw error;
  }
  app.use(GRAPHQL_PATH, refuseAnotherClinicsPage(settings), oneReadMomentPerRequest);
  const serv = pgl.createServ(grafserv);
  await serv.addTo(app, server, false);
  // GraphQL websockets (subscriptions), refused to pages of other sites as express refuses their POSTs, and to invalid sessions
  const upgradeToGraphQL = await serv.getUpgradeHandler();
  const websockets = new Set<Duplex>();
  // the sessions behind websockets are asked after only where there are websockets
  const websocketSessions = upgradeToGraphQL ? new WebsocketSessions(pool, pgSettingsFor(null, settings, roles), sessionCheckMs) : null;
  if (upgradeToGraphQL && websocketSessions) {
    server.on("upgrade", (req, socket, head) => {
      // node hears no error of an upgraded socket: one reset while refused below was unheard and ended the process
      socket.on("error", () => socket.destroy());
      websockets.add(socket);
      socket.once("close", () => websockets.delete(socket));
      if (!serv.shouldHandleUpgrade(req, socket, head)) return socket.destroy();
      Object.setPrototypeOf(req, app.request); // what express does to each request it handles: req.protocol, req.get
      if (fromOtherSite(req as Request, settings)) {
        logCrossSiteRefusal(req as Request, settings);
        return refuseUpgrade(socket, "403 Forbidden");
      }
      // a cookie that does not verify is refused here as on every HTTP request, not taken for no session
      const state = sessionState(req, settings);
      if (state.kind === "invalid") return refuseUpgrade(socket, "401 Unauthorized");
      // a websocket without a session can follow nothing (a subscription needs one; queries are answered over HTTP), and
      // was counted nowhere: 19,977 of them from one address held every file descriptor of the server, and no request got
      // a connection; it is told to log in (4401, not retried), as a websocket of a session that has ended is
      if (state.kind === "anonymous") return closeAtOnce(req, socket, head, UNAUTHORIZED_CODE, LOG_IN_FIRST_REASON);
      const { session_id: sessionId, user_id: userId } = state.claims;
      // a session that has ended (a logout, a password change, a removal) is closed at once (4401, as the sessions' check
      // closes an open one), before it takes one of its person's places: a copy of its cookie held them all, and its
      // person had no live queue; told by a refused upgrade (401), a browser's frontend heard an error and nothing more
      const letUp = () => {
        if (!takeWebsocketOf(userId, socket)) return refuseUpgrade(socket, "429 Too Many Requests");
        websocketSessions.note(req, sessionId);
        upgradeToGraphQL(req, socket, head);
      };
      // one the database cannot be asked about (busy or down) is let up: what it asks is judged by the database as over
      // HTTP (UNAVAILABLE while it cannot answer, UNAUTHENTICATED for an ended session), and the sessions' check closes it
      websocketSessions.isLive(sessionId).then(
        (live) => void (socket.destroyed || (live ? letUp() : closeAtOnce(req, socket, head, UNAUTHORIZED_CODE, SESSION_ENDED_REASON))),
        (error: unknown) => {
          log("warn", "websocket_sessions_unchecked", { at: "upgrade", message: error instanceof Error ? error.message : String(error) });
          if (!socket.destroyed) letUp();
        },
      );
    });
  }

  app.use((_req: Request, res: Response) => sendError(res, "NOT_FOUND", "No such route."));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status;
    // a body over its route's limit (the /auth routes' 16 kB): what api.md's limits say, not "could not be read"
    if (status === 413) return sendError(res, "LIMIT_EXCEEDED", "The request body is too large.");
    if (status && status >= 400 && status < 500) {
      return sendError(res, "INVALID_INPUT", "The request could not be read.");
    }
    sendCaughtError(res, error);
  });

  return {
    server,
    async close() {
      // No new connections. A keep-alive connection is closed once it is idle (checked every 50 ms:
      // one answering a request when the close began stays open after its answer), so requests under
      // way are answered; those still running after SHUTDOWN_GRACE_MS are cut. Subscriptions end at once (their
      // clients subscribe again, to another server).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const closeIdle = setInterval(() => server.closeIdleConnections(), 50);
      const cutShort = setTimeout(() => {
        stop.cutting = true;
        server.closeAllConnections();
      }, SHUTDOWN_GRACE_MS);
      websocketSessions?.stop();
      for (const socket of websockets) socket.destroy();
      await closed;
      clearInterval(closeIdle);
      clearTimeout(cutShort);
      await serv.release(); // releases PostGraphile
      // PostGraphile leaves its services to us: this ends the LISTEN client of subscriptions.
      for (const service of pgl.getResolvedPreset().pgServices ?? []) await service.release?.();
    },
  };
}
