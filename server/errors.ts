/**
 * Database errors become stable codes for the client; nothing else leaves.
 *
 * Our SQL raises five-character SQLSTATEs of class C with messages written
 * for people; PostgreSQL's own errors get a generic message per code; a few
 * of Grafast's refusals of pagination arguments are the caller's mistake. Any
 * other error is an internal fault: logged with the request id, and the
 * caller sees only that id.
 */
import { randomUUID } from "node:crypto";
import { isSafeError } from "postgraphile/grafast";
import { GraphQLError } from "postgraphile/graphql";
import { currentRequestId, log } from "./log.ts";

/** SQLSTATEs raised by ClinicOps functions (see docs/api.md). */
export const OUR_CODES: Record<string, string> = {
  CINPH: "INVALID_PHONE",
  CINVL: "INVALID_INPUT",
  CWEAK: "WEAK_PASSWORD",
  CFORB: "FORBIDDEN",
  CNOTF: "NOT_FOUND",
  CCONF: "CONFLICT",
  CAUTH: "UNAUTHENTICATED",
  CTRAN: "INVALID_TRANSITION",
  COVPY: "OVERPAYMENT",
  CRFND: "REFUND_EXCEEDS_PAYMENT",
  CDAYC: "DAY_CLOSED",
};

/** PostgreSQL's own SQLSTATEs that a client can cause, with what we tell them. */
const POSTGRES_CODES: Record<string, [code: string, message: string]> = {
  "42501": ["FORBIDDEN", "You do not have permission to do this."],
  "23505": ["CONFLICT", "This would duplicate an existing record."],
  "23503": ["NOT_FOUND", "A record this refers to does not exist in your clinic."],
  "23502": ["INVALID_INPUT", "A required value is missing."],
  "23514": ["INVALID_INPUT", "A value is out of the allowed range."],
  "22001": ["INVALID_INPUT", "A value is too long."],
  "22003": ["INVALID_INPUT", "A number is out of range."],
  "22007": ["INVALID_INPUT", "A date or time is not valid."],
  "22008": ["INVALID_INPUT", "A date or time is out of range."],
  "22023": ["INVALID_INPUT", "A value is not valid."],
  "22P02": ["INVALID_INPUT", "A value has the wrong format."],
  "57014": ["TIMEOUT", "The request took too long and was cancelled."],
  "40001": ["RETRY", "Another change got there first; please try again."],
  "40P01": ["RETRY", "Another change got there first; please try again."],
};

/** An error raised in TypeScript (plans, routes) with a stable code for the client. */
export class ClientFacingError extends Error {
  readonly clientCode: string;
  constructor(clientCode: string, message: string) {
    super(message);
    this.clientCode = clientCode;
  }
}

const CURSOR_NOT_VALID = "This cursor is not valid for this list.";

/**
 * Pagination arguments that Grafast and @dataplan/pg refuse with a SafeError
 * (meant to be shown, not written for people), by message: these are the
 * caller's mistake. Any other SafeError (say, cursors on an aggregate) is a
 * fault of ours and stays internal.
 */
const PAGINATION_MISTAKES: [pattern: RegExp, message: string][] = [
  // a cursor that does not decode (parseCursor in @dataplan/pg's pgStmt)
  [/^Invalid cursor, please enter a cursor from a previous request/, CURSOR_NOT_VALID],
  // a cursor of another connection or another orderBy (validateParsedCursor)
  [/^Invalid '(before|after)' cursor - a cursor is only valid within a specific ordering/, CURSOR_NOT_VALID],
  [/^Cannot use 'offset' with 'last'$/, "offset cannot be combined with last."],
];

function paginationMistake(error: unknown): string | undefined {
  if (!(error instanceof Error) || !isSafeError(error)) return undefined;
  return PAGINATION_MISTAKES.find(([pattern]) => pattern.test(error.message))?.[1];
}

/** PostGraphile's message when RLS hides the row an update or delete names. */
const NOTHING_MATCHED = /^No values were (updated|deleted) in collection/;

export interface ClientError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** What the client may learn from an error, or null when it is an internal fault. */
export function describeError(error: unknown): ClientError | null {
  if (error instanceof ClientFacingError) return { code: error.clientCode, message: error.message };
  const e = error as { code?: unknown; message?: unknown; constraint?: unknown; column?: unknown };
  const sqlState = typeof e?.code === "string" ? e.code : undefined;
  if (sqlState && OUR_CODES[sqlState]) {
    return { code: OUR_CODES[sqlState], message: String(e.message) };
  }
  if (sqlState && POSTGRES_CODES[sqlState]) {
    const [code, message] = POSTGRES_CODES[sqlState];
    const details: Record<string, unknown> = {};
    if (typeof e.constraint === "string") details.constraint = e.constraint;
    if (typeof e.column === "string") details.column = e.column;
    return { code, message, ...(Object.keys(details).length ? { details } : {}) };
  }
  const mistake = paginationMistake(error);
  if (mistake) return { code: "INVALID_INPUT", message: mistake };
  if (typeof e?.message === "string" && NOTHING_MATCHED.test(e.message)) {
    return { code: "NOT_FOUND", message: "No such record in your clinic, or you may not change it." };
  }
  return null;
}

/** Logs an internal fault and returns the reference the caller gets. */
export function reportInternalError(error: unknown): string {
  const errorId = randomUUID();
  log("error", "internal_error", {
    errorId,
    message: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
  return errorId;
}

/** grafserv's maskError. */
export function maskError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  // Parse and validation errors have no original error: they are about the query itself.
  if (!original || original instanceof GraphQLError) return error;
  const known = describeError(original);
  const options = { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path };
  if (known) {
    return new GraphQLError(known.message, { ...options, extensions: { code: known.code, ...known.details } });
  }
  const errorId = reportInternalError(original);
  const requestId = currentRequestId();
  return new GraphQLError(`Internal error; quote reference ${requestId ?? errorId} to support.`, {
    ...options,
    extensions: { code: "INTERNAL", requestId, errorId },
  });
}
