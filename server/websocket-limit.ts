/**
 * The GraphQL websocket's messages are held to the HTTP body's limit (MAX_REQUEST_BYTES), one
 * connection to MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions, and one person to
 * MAX_WEBSOCKETS_PER_USER connections.
 *
 * grafserv makes its ws server without `maxPayload` and offers no option for it, so ws's default
 * of 100 MiB applied: a client, before any session is asked for, could have one message of 90 MB
 * read and parsed (the process grew by 270 MB for it). ws reads the limit from its server's options
 * when it takes a connection over (handleUpgrade), so this lowers it there, for every ws server
 * of the process, which is grafserv's alone. A larger message closes the connection with 1009
 * (message too big); the error ws then emits on the connection is heard here, as grafserv hears
 * none (a frame ws cannot read, oversized or malformed, ended the process).
 */
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { MAX_REQUEST_BYTES } from "./query-errors.ts";
import { followSessionOf } from "./websocket-sessions.ts";

/**
 * Subscriptions one connection may hold at once. Each live-queue event asks the database once per
 * subscriber whether it may see the visit, through the API's pool: 8,000 subscriptions on one
 * socket made every clinic's requests wait seconds while an event was delivered. A desk needs one.
 */
const MAX_SUBSCRIPTIONS_PER_CONNECTION = 20;

/**
 * Closes `websocket` (4400, graphql-ws's bad request) when its client holds more than
 * MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions: those it started (`subscribe`) and neither it
 * nor the server has ended (`complete`, or the server's `error`). One the server ended counted
 * until the client said `complete`, which graphql-ws's own client never says then: a desk that
 * subscribed again after each lost connection to the database (as clinic-domain.md tells it to)
 * had its socket closed at the 21st.
 */
function limitSubscriptions(websocket: WebSocket): void {
  const live = new Set<string>();
  /** A graphql-ws message's id and type, or null for one that is not one (graphql-ws refuses it itself). */
  const read = (data: string): { id: string; type: unknown } | null => {
    try {
      const message = JSON.parse(data) as { type?: unknown; id?: unknown };
      return typeof message?.id === "string" ? { id: message.id, type: message.type } : null;
    } catch {
      return null;
    }
  };
  websocket.on("message", (data) => {
    // binary frames too: graphql-ws reads them as text alike (sent binary, 1,500 subscriptions ran on one socket)
    const message = read(String(data));
    if (message?.type === "complete") live.delete(message.id);
    else if (message?.type === "subscribe" && live.add(message.id).size > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      websocket.close(4400, `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions on one connection.`);
    }
  });
  // the server's complete and error end a subscription; its events (next, one per event and subscriber: the
  // most sent by far) are not read
  const send = websocket.send.bind(websocket) as (...args: unknown[]) => void;
  websocket.send = ((data: unknown, ...rest: unknown[]) => {
    if (typeof data === "string" && !data.includes('"type":"next"')) {
      const message = read(data);
      if (message?.type === "complete" || message?.type === "error") live.delete(message.id);
    }
    send(data, ...rest);
  }) as typeof websocket.send;
}

/**
 * Websocket connections one person may hold at once (a desk, a few tabs and a phone). The
 * subscriptions' limit is per connection: 400 connections of one cookie held 8,000 subscriptions,
 * and a visit booked then kept every clinic's requests waiting seconds.
 */
export const MAX_WEBSOCKETS_PER_USER = 10;

const websocketsOfUser = new Map<string, number>();

/** Counts `socket` as one of `userId`'s connections until it closes; false, counting nothing, when they hold MAX_WEBSOCKETS_PER_USER already. */
export function takeWebsocketOf(userId: string, socket: Duplex): boolean {
  const open = websocketsOfUser.get(userId) ?? 0;
  if (open >= MAX_WEBSOCKETS_PER_USER) return false;
  websocketsOfUser.set(userId, open + 1);
  socket.once("close", () => {
    const left = (websocketsOfUser.get(userId) ?? 1) - 1;
    if (left > 0) websocketsOfUser.set(userId, left);
    else websocketsOfUser.delete(userId);
  });
  return true;
}

const handleUpgrade = WebSocketServer.prototype.handleUpgrade;
WebSocketServer.prototype.handleUpgrade = function (this: WebSocketServer & { options: { maxPayload?: number } }, req, socket, head, callback) {
  this.options.maxPayload = Math.min(this.options.maxPayload ?? Infinity, MAX_REQUEST_BYTES);
  return handleUpgrade.call(this, req, socket, head, (websocket, request) => {
    // ws closes the connection itself (1009 for a message too big, 1002 for a broken frame) and then
    // emits the error: grafserv hears none, and an unheard error event ended the process
    websocket.on("error", () => {});
    limitSubscriptions(websocket);
    followSessionOf(websocket, request);
    callback(websocket, request);
  });
};
