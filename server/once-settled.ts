/**
 * A middleware's `next()` answers a value or a promise of it (Grafast and grafserv keep work that needs no
 * wait synchronous): `onceSettled` applies a function to what it answers without turning a direct answer into
 * a promise.
 */
import { isPromiseLike, type PromiseOrDirect } from "postgraphile/grafast";

/** `then(value)` at once for a direct value, once it resolves for a promise (then a promise, never a bare thenable); a rejection goes to `failed` when given. */
export function onceSettled<T, U>(result: PromiseOrDirect<T>, then: (value: T) => U, failed?: (error: unknown) => U): U | Promise<U> {
  return isPromiseLike(result) ? Promise.resolve(result).then(then, failed) : then(result);
}
