/**
 * The GraphQL websocket's messages are held to the HTTP body's limit (MAX_REQUEST_BYTES).
 *
 * grafserv makes its ws server without `maxPayload` and offers no option for it, so ws's default
 * of 100 MiB applied: a client, before any session is asked for, could have one message of 90 MB
 * read and parsed (the process grew by 270 MB for it). ws reads the limit from its server's options
 * when it takes a connection over (handleUpgrade), so this lowers it there, for every ws server
 * of the process, which is grafserv's alone. A larger message closes the connection with 1009
 * (message too big); the error ws then emits on the connection is heard here, as grafserv hears
 * none (a frame ws cannot read, oversized or malformed, ended the process).
 */
import { WebSocketServer } from "ws";
import { MAX_REQUEST_BYTES } from "./query-errors.ts";

const handleUpgrade = WebSocketServer.prototype.handleUpgrade;
WebSocketServer.prototype.handleUpgrade = function (this: WebSocketServer & { options: { maxPayload?: number } }, req, socket, head, callback) {
  this.options.maxPayload = Math.min(this.options.maxPayload ?? Infinity, MAX_REQUEST_BYTES);
  return handleUpgrade.call(this, req, socket, head, (websocket, request) => {
    // ws closes the connection itself (1009 for a message too big, 1002 for a broken frame) and then
    // emits the error: grafserv hears none, and an unheard error event ended the process
    websocket.on("error", () => {});
    callback(websocket, request);
  });
};
