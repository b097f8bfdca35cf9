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
import { GraphQLError } from "postgraphile/graphql";
import { type WebSocket, WebSocketServer } from "ws";
import { onceSettled } from "./once-settled.ts";
import { MAX_REQUEST_BYTES } from "./query-errors.ts";
import { followSessionOf } from "./websocket-sessions.ts";
import { closeOnNotUtf8 } from "./whole-characters.ts";

/**
 * Subscriptions one connection may hold at once. Each live-queue event asks the database once per
 * subscriber whether it may see the visit, through the API's pool: 8,000 subscriptions on one
 * socket made every clinic's requests wait seconds while an event was delivered. A desk needs one.
 */
const MAX_SUBSCRIPTIONS_PER_CONNECTION = 20;
const TOO_MANY_SUBSCRIPTIONS = `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions on one connection.`;

/** A subscription running on a websocket: `end` stops it (its iterator returned); `counts` while it takes a place. */
interface Running {
  end(): void;
  counts(): boolean;
}

/**
 * Whether graphql-ws still wants the subscription of a request (keyed by its `requestContext.ws`): its id not
 * completed by the client, nor the connection closed. One completed while it starts is returned by graphql-ws as
 * soon as it has started, and takes no place meanwhile (counted, 200 subscribe/complete pairs of fresh ids, all
 * starting at once, closed the connection with 4400).
 */
const wantedOf = new WeakMap<object, () => boolean>();

/** How many places `running` takes. */
const placesTaken = (running: Set<Running>) => [...running].filter((subscription) => subscription.counts()).length;

/** The subscriptions each websocket runs, starting or started, whatever ids its client gave them. */
const runningOn = new WeakMap<WebSocket, Set<Running>>();

/** The subscriptions `websocket` runs; the first time, they are ended when it closes. */
function subscriptionsOf(websocket: WebSocket): Set<Running> {
  let running = runningOn.get(websocket);
  if (!running) {
    const those = (running = new Set<Running>());
    runningOn.set(websocket, those);
    websocket.once("close", () => {
      for (const subscription of [...those]) subscription.end();
    });
  }
  return running;
}

/** `events`, whose place in `running` is freed as it ends: done, returned (its client's complete, the connection closed) or thrown. */
function counted<T>(events: AsyncGenerator<T, void, void>, running: Set<Running>, place: Running): AsyncGenerator<T, void, void> {
  let ended = false;
  const free = () => {
    ended = true;
    running.delete(place);
  };
  const iterator = {
    async next() {
      if (ended) return { done: true as const, value: undefined };
      try {
        const event = await events.next();
        if (event.done) free();
        return event;
      } catch (error) {
        free();
        throw error;
      }
    },
    async return() {
      if (ended) return { done: true as const, value: undefined };
      free();
      return events.return();
    },
    async throw(error?: unknown) {
      free();
      return events.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncGenerator<T, void, void>;
  place.end = () => void iterator.return().catch(() => {});
  return iterator;
}

/**
 * Closes a websocket (4400, graphql-ws's bad request) whose client would hold more than
 * MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions, and ends a websocket's subscriptions when it closes.
 * Counted where Grafast runs them (from the moment one starts until it ends: its client's `complete`,
 * its last event, a refusal), not by the ids of the client's messages: graphql-ws lets a client
 * subscribe again with the id of a subscription it has just completed while that one is still
 * starting, and then runs both, keeping the second alone (100 such subscriptions ran on one
 * connection counted as one), the first reached by no `complete` and not even by the connection's
 * close, listening until its clinic's next event. One its client completes while it starts (graphql-ws
 * starts it all the same, then returns it) takes no place. Queries and mutations sent over the socket are
 * answered and done: not counted.
 */
export const SubscriptionsPerConnectionPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsSubscriptionsPerConnectionPlugin",
  version: "1.0.0",
  grafast: {
    middleware: {
      subscribe(next, event) {
        const websocket = (event.args.requestContext as { ws?: { socket?: WebSocket } } | undefined)?.ws?.socket;
        if (!websocket) return next();
        const running = subscriptionsOf(websocket);
        if (placesTaken(running) >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          websocket.close(4400, TOO_MANY_SUBSCRIPTIONS);
          return { errors: [new GraphQLError(TOO_MANY_SUBSCRIPTIONS, { extensions: { code: "LIMIT_EXCEEDED" } })] };
        }
        // its place is taken while it starts (unless completed meanwhile), so that subscriptions sent at once are counted before any has started
        const wanted = wantedOf.get(event.args.requestContext!.ws!) ?? (() => true); // always there; else counted
        const place: Running = { end: () => running.delete(place), counts: wanted };
        running.add(place);
        return onceSettled(
          next(),
          (answer) => {
            if (!(Symbol.asyncIterator in answer)) {
              running.delete(place); // refused (no session, …): nothing runs
              return answer;
            }
            // started: its place is taken until it ends, whatever ids come after, unless it was completed while it
            // started (graphql-ws returns it at once, before reading another message)
            if (wanted()) place.counts = () => true;
            const events = counted(answer, running, place);
            if (!running.has(place)) place.end(); // its connection closed while it started
            return events;
          },
          (error) => {
            running.delete(place);
            throw error;
          },
        );
      },
    },
  },
  grafserv: {
    middleware: {
      onSubscribe(next, { ctx, message }) {
        return onceSettled(next(), (args) => {
          const request = (args as { requestContext?: { ws?: object } } | undefined)?.requestContext?.ws; // none for a refusal
          if (request) {
            const subscriptions = ctx.subscriptions;
            // graphql-ws deletes a completed id, and replaces the whole record when the connection closes
            wantedOf.set(request, () => ctx.subscriptions === subscriptions && message.id in subscriptions);
          }
          return args;
        });
      },
    },
  },
};

/**
 * Websocket connections one person may hold at once (a desk, a few tabs and a phone). The
 * subscriptions' limit is per connection: 400 connections of one cookie held 8,000 subscriptions,
 * and a visit booked then kept every clinic's requests waiting seconds. Counted in this process's memory: behind N API
 * processes a person holds up to 10 on each (docs/operations.md, "Several API processes").
 */
const MAX_WEBSOCKETS_PER_USER = 10;
/** The subscriptions one person may hold at once on one API process, every one of them read again at each event of their queue. */
export const SUBSCRIPTIONS_PER_PERSON = MAX_SUBSCRIPTIONS_PER_CONNECTION * MAX_WEBSOCKETS_PER_USER;

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
    // a binary message that is no UTF-8 was read by grafserv as text with U+FFFD (whole-characters.ts)
    closeOnNotUtf8(websocket);
    followSessionOf(websocket, request);
    callback(websocket, request);
  });
};
