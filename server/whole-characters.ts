/**
 * Text is whole characters. JSON can write a UTF-16 surrogate without its pair (`"\ud800"`), which
 * is no character and which UTF-8 cannot carry: PostgreSQL got U+FFFD in its place, so that two
 * idempotency keys (`pay-\ud800`, `pay-\udfff`) were one, and so were two passwords. GraphQL's
 * variables (request-limits.ts) and the /auth routes' bodies refuse it, INVALID_INPUT; a literal in
 * a query is refused by GraphQL's parser. A variable's name (a key of the request's `variables`) is not
 * checked: a GraphQL name is ASCII letters, digits and _, so a key holding one names no variable the
 * query declares, and GraphQL reads the declared ones alone (getVariableValues): it reaches nothing.
 */

/** A UTF-16 surrogate without its pair. */
const LONE_SURROGATE = /\p{Cs}/u;

export const NOT_WHOLE_CHARACTERS = "Text must be whole characters: a UTF-16 surrogate (\\ud800–\\udfff) without its pair is none.";

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
