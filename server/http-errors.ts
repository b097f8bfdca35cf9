/**
 * JSON error answers of the REST routes (/auth, /exports): the same codes as
 * the GraphQL errors, with an HTTP status.
 */
import type { Response } from "express";
import { currentRequestId } from "./log.ts";
import { describeError, reportInternalError } from "./errors.ts";

const STATUS: Record<string, number> = {
  INVALID_PHONE: 400,
  INVALID_INPUT: 400,
  WEAK_PASSWORD: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  CSRF: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  OVERPAYMENT: 409,
  REFUND_EXCEEDS_PAYMENT: 409,
  DAY_CLOSED: 409,
  CLINIC_CHANGED: 409,
  LIMIT_EXCEEDED: 413,
  TIMEOUT: 503,
  RETRY: 503,
  UNAVAILABLE: 503,
};

/** Where GraphQL is served (server/graphql.ts): its refusals before GraphQL runs are in GraphQL's shape. */
export const GRAPHQL_PATH = "/graphql";

/**
 * `{"error": {code, message}}` with the code's status; on the GraphQL endpoint (a session that
 * does not verify, a request from another site), GraphQL's own `{"errors": [{message, extensions:
 * {code}}]}` with that status, which a GraphQL client reads as it reads every other refusal.
 */
export function sendError(res: Response, code: string, message: string): void {
  res.status(STATUS[code] ?? 500);
  if (res.req.originalUrl.split("?")[0] === GRAPHQL_PATH) res.json({ errors: [{ message, extensions: { code } }] });
  else res.json({ error: { code, message } });
}

/** Answers with the error's stable code, or as an internal fault with the request id. */
export function sendCaughtError(res: Response, error: unknown): void {
  const known = describeError(error);
  if (known) {
    sendError(res, known.code, known.message);
    return;
  }
  const errorId = reportInternalError(error);
  const requestId = currentRequestId();
  res.status(500).json({
    error: { code: "INTERNAL", message: `Internal error; quote reference ${requestId ?? errorId} to support.`, requestId },
  });
}
