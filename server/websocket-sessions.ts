/**
 * A websocket ends with its session. Every SESSION_CHECK_MS the server asks the database which of
 * the sessions behind its open websockets have ended (a logout, a switch of clinic, a password
 * change, a member removed, suspended or deactivated, an expiry: app_hidden.ended_sessions) and
 * closes their connections with 4401, graphql-ws's "unauthorized", which its client does not
 * retry. A live queue held the connection of a session revoked hours before, silent until the
 * clinic's next visit event (which it was refused), and counted in its person's websockets.
 * The database is the authority, as for every request: a session is not known ended by its cookie.
 * It is asked at the upgrade too (`isLive`): a websocket of a session that has ended is closed at once with 4401, taking
 * no place (`closeAtOnce`), as is one asked for without a session ("Log in first.").
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type pg from "pg";
import { type WebSocket, WebSocketServer } from "ws";
import { log } from "./log.ts";
import { withPgSettings } from "./pg-transaction.ts";

/** How often the sessions behind open websockets are asked after. */
const SESSION_CHECK_MS = 30_000;
/** graphql-ws's close code for a connection without authority (its client does not reconnect). */
export const UNAUTHORIZED_CODE = 4401;
export const SESSION_ENDED_REASON = "Your session has ended: log in again.";
/** Why a websocket asked for without a session is closed: as a request without one is told (UNAUTHENTICATED). */
export const LOG_IN_FIRST_REASON = "Log in first.";

/** graphql-ws's subprotocol, which its client asks for and wants answered. */
const GRAPHQL_TRANSPORT_WS = "graphql-transport-ws";

/**
 * How long a websocket closed at once waits for its client to answer the close before its connection is ended: with
 * ws's 30 s, a client that never answered held each for that long, and one address, closing none, could hold every file
 * descriptor of the server. graphql-ws's client answers at once, and has the code and reason either way.
 */
const CLOSE_ANSWER_MS = 1_000;

/** Takes websockets over only to close them: grafserv's server would run GraphQL on them. */
const closer = new WebSocketServer({
  noServer: true,
  handleProtocols: (protocols) => (protocols.has(GRAPHQL_TRANSPORT_WS) ? GRAPHQL_TRANSPORT_WS : false),
  ...{ closeTimeout: CLOSE_ANSWER_MS }, // an option of ws (8.23) that @types/ws 8.18 does not declare
});

/**
 * Takes the websocket `req` asks for over and closes it at once with `code` and `reason`, counting it nowhere: a refusal
 * of its upgrade (401) reached graphql-ws's client as an error event with no status in a browser, which it does not
 * retry, so a frontend was not told to log in again (4401, which the client does not retry either).
 */
export function closeAtOnce(req: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string): void {
  closer.handleUpgrade(req, socket, head, (websocket) => websocket.close(code, reason));
}

/** The session an upgrade request was made with, and the server's register of its websockets. */
const sessionOfUpgrade = new WeakMap<IncomingMessage, { sessionId: string; sessions: WebsocketSessions }>();

/** One API server's websockets, by the session they were opened with. */
export class WebsocketSessions {
  private readonly websockets = new Map<string, Set<WebSocket>>();
  private readonly pool: pg.Pool;
  private readonly asVisitor: Record<string, string>;
  private readonly timer: NodeJS.Timeout;
  private checking = false;

  /** Checks every `everyMs`, with `asVisitor`'s settings, on `pool`. */
  constructor(pool: pg.Pool, asVisitor: Record<string, string>, everyMs = SESSION_CHECK_MS) {
    this.pool = pool;
    this.asVisitor = asVisitor;
    this.timer = setInterval(() => void this.closeEnded(), everyMs);
    this.timer.unref();
  }

  /** The websocket `req` asks for is opened with `sessionId`'s session. */
  note(req: IncomingMessage, sessionId: string): void {
    sessionOfUpgrade.set(req, { sessionId, sessions: this });
  }

  /** Follows `websocket`, opened with `sessionId`'s session, until it closes. */
  follow(websocket: WebSocket, sessionId: string): void {
    const open = this.websockets.get(sessionId) ?? new Set<WebSocket>();
    this.websockets.set(sessionId, open.add(websocket));
    websocket.once("close", () => {
      open.delete(websocket);
      if (open.size === 0 && this.websockets.get(sessionId) === open) this.websockets.delete(sessionId);
    });
  }

  /**
   * Whether `sessionId`'s session is live (app_hidden.ended_sessions does not name it), asked at a websocket's upgrade:
   * a copy of a cookie whose session had ended was let up and counted among its person's websockets until the next check
   * closed it, so it held the person's places, opening them again as fast as they were closed.
   */
  async isLive(sessionId: string): Promise<boolean> {
    return (await this.ended([sessionId])).length === 0;
  }

  /** Those of `ids` whose session has ended, as the database says. */
  private async ended(ids: string[]): Promise<string[]> {
    const { rows } = await withPgSettings(this.pool, this.asVisitor, (client) =>
      client.query<{ id: string }>("select app_hidden.ended_sessions($1::uuid[]) as id", [ids]),
    );
    return rows.map((row) => row.id);
  }

  /** Closes the websockets whose session has ended; one check at a time. */
  private async closeEnded(): Promise<void> {
    if (this.checking || this.websockets.size === 0) return;
    this.checking = true;
    try {
      for (const id of await this.ended([...this.websockets.keys()])) {
        for (const websocket of this.websockets.get(id) ?? []) websocket.close(UNAUTHORIZED_CODE, SESSION_ENDED_REASON);
      }
    } catch (error) {
      // asked again at the next check
      log("warn", "websocket_sessions_unchecked", { message: error instanceof Error ? error.message : String(error) });
    } finally {
      this.checking = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Follows `websocket`, opened by `request`, in its server's register if it was opened with a session. */
export function followSessionOf(websocket: WebSocket, request: IncomingMessage): void {
  const upgrade = sessionOfUpgrade.get(request);
  upgrade?.sessions.follow(websocket, upgrade.sessionId);
}
