/**
 * Text is whole characters. JSON can write a UTF-16 surrogate without its pair (`"\ud800"`), which
 * is no character and which UTF-8 cannot carry: PostgreSQL got U+FFFD in its place, so that two
 * idempotency keys (`pay-\ud800`, `pay-\udfff`) were one, and so were two passwords. GraphQL's
 * variables (request-limits.ts) and the /auth routes' bodies refuse it, INVALID_INPUT; a literal in
 * a query is refused by GraphQL's parser. A variable's name (a key of the request's `variables`) is not
 * checked: a GraphQL name is ASCII letters, digits and _, so a key holding one names no variable the
 * query declares, and GraphQL reads the declared ones alone (getVariableValues): it reaches nothing.
 *
 * So is a body that is no UTF-8 (a byte FF, a lead byte without its continuation, a surrogate or an overlong
 * form written in UTF-8): grafserv and the /auth routes' JSON parser read each such byte as U+FFFD, so that
 * the idempotency keys `key-<FF>` and `key-<FE>` were one, and so were two passwords. It is refused before
 * it is read, INVALID_INPUT with HTTP 400, on /graphql (WholeCharactersPlugin) and the /auth routes
 * (`notUtf8`, express.json's `verify`). A websocket's text frames are UTF-8 already (ws closes one that is not, 1007);
 * a binary frame, which ws does not check and grafserv read as text all the same (a mutation sent in one wrote key-<U+FFFD>),
 * is closed alike when it is no UTF-8 (closeOnNotUtf8), before grafserv hears it.
 */
import { isUtf8 } from "node:buffer";
import { SafeError } from "postgraphile/grafast";
import type { WebSocket } from "ws";

/** A UTF-16 surrogate without its pair. */
const LONE_SURROGATE = /\p{Cs}/u;

export const NOT_WHOLE_CHARACTERS = "Text must be whole characters: a UTF-16 surrogate (\\ud800–\\udfff) without its pair is none.";
export const NOT_UTF8 = "Text must be whole characters: the request is not UTF-8 (a byte or sequence of bytes that is no character).";

/**
 * express.json's `verify`: marks a body (`notUtf8`, for the route to refuse before its bytes are read as text) read as
 * UTF-8 (its charset, utf-8 unless another is named) that is no UTF-8; one in UTF-16, named so, is read as such, but not
 * with an odd last byte (dropped unread: pw and pw<41> were one password; a lone surrogate is holdsLoneSurrogate's); one
 * in another charset express.json takes (UTF-32, UTF-7) is refused: a code unit that is no character was read as U+FFFD.
 */
export function markNotUtf8(req: object, _res: unknown, body: Buffer, encoding: string): void {
  const whole = /^utf-?8$/i.test(encoding) ? isUtf8(body) : /^utf-?16(le|be)?$/i.test(encoding) && body.length % 2 === 0;
  if (!whole) (req as { notUtf8?: boolean }).notUtf8 = true;
}

/** A websocket's binary message that is no UTF-8 closes it (1007, as ws closes such a text frame), unheard by its other listeners. */
export function closeOnNotUtf8(websocket: WebSocket): void {
  const emit = websocket.emit;
  websocket.emit = function (this: WebSocket, event: string | symbol, ...args: unknown[]) {
    // a message's data is one Buffer (binaryType "nodebuffer", ws's default, which grafserv keeps); isBinary follows it
    if (event === "message" && args[1] === true && !isUtf8(args[0] as Buffer)) {
      websocket.close(1007, NOT_UTF8);
      return false;
    }
    return emit.call(this, event, ...args);
  } as WebSocket["emit"];
}

/** grafserv reads a GraphQL request's body as UTF-8 whatever its bytes: one that is none is refused first (INVALID_INPUT, 400). */
export const WholeCharactersPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsWholeCharactersPlugin",
  version: "1.0.0",
  grafserv: {
    middleware: {
      processRequest(next, event) {
        const { requestDigest } = event;
        const getBody = requestDigest.getBody;
        requestDigest.getBody = async () => {
          const body = await getBody.call(requestDigest);
          if (body.type === "buffer" && !isUtf8(body.buffer)) throw new SafeError(NOT_UTF8, { statusCode: 400, code: "INVALID_INPUT" });
          return body;
        };
        return next();
      },
    },
  },
};

/**
 * Whether a value as sent (JSON) holds text with a lone surrogate, in any of its strings, its objects' keys
 * too (one in a key of a JSON value was refused by PostgreSQL as "A value has the wrong format.", which
 * did not say why). Walked without recursion: an /auth body of 5,000 nested arrays (10 kB) ran out of
 * stack, an internal fault.
 */
export function holdsLoneSurrogate(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === "string") {
      if (LONE_SURROGATE.test(next)) return true;
    } else if (next !== null && typeof next === "object") {
      for (const [key, inner] of Object.entries(next)) pending.push(key, inner);
    }
  }
  return false;
}
