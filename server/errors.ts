/**
 * Database errors become stable codes for the client; nothing else leaves.
 *
 * Our SQL raises five-character SQLSTATEs of class C with messages written
 * for people; PostgreSQL's own errors get a generic message per code; a few
 * of Grafast's refusals (pagination arguments, an empty patch) are the
 * caller's mistake. Any other error is an internal fault: logged with the
 * request id, and the caller sees only that id.
 */
import { randomUUID } from "node:crypto";
import { isSafeError } from "postgraphile/grafast";
import { GraphQLError } from "postgraphile/graphql";
import { isUuid } from "../db/uuid.ts";
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
  CLIMT: "LIMIT_EXCEEDED",
  CPWCH: "PASSWORD_CHANGE_REQUIRED",
};

/** A money amount as the API writes it (BigFloat: the text of a numeric). */
const MONEY_TEXT = /^-?\d{1,16}(\.\d{1,3})?$/;
const isMoney = (value: unknown) => typeof value === "string" && MONEY_TEXT.test(value);
const isUuidList = (value: unknown) => Array.isArray(value) && value.length > 0 && value.every(isUuid);

/**
 * Our errors that carry data beside their message: by SQLSTATE, the keys of the JSON object that
 * our SQL puts in the error's DETAIL (built there from the database's own values), each with the
 * form its value must have, given to the client as `extensions[key]`: the amount an overpayment or
 * a refund could have been, the record a conflict or a refusal of input points at (the message
 * names it by its code). DETAIL is read for these codes only, and only these keys, in their form,
 * leave.
 */
const DETAIL_KEYS: Record<string, Record<string, (value: unknown) => boolean>> = {
  COVPY: { balance: isMoney },
  CRFND: { refundable: isMoney },
  CCONF: { visitId: isUuid, invoiceId: isUuid },
  CINVL: { visitIds: isUuidList, invoiceIds: isUuidList, visitId: isUuid, serviceId: isUuid },
};

function detailsOf(sqlState: string, detail: unknown): Record<string, unknown> | undefined {
  const keys = DETAIL_KEYS[sqlState];
  if (!keys || typeof detail !== "string") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const details = Object.fromEntries(Object.entries(parsed).filter(([key, value]) => Object.hasOwn(keys, key) && keys[key](value)));
  return Object.keys(details).length ? details : undefined;
}

const NUL_CHARACTER = "Text cannot contain the NUL character (\\u0000).";
/** PostgreSQL's refusal of a LIKE pattern ending in its escape character (22025), which like-patterns.ts also checks first. */
export const LIKE_PATTERN_ENDS_IN_ESCAPE = "A like pattern cannot end with a backslash: a backslash makes the character after it literal (\\\\ for a backslash).";

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
  // a day the calendar does not have (2026-02-30, 1985-04-31), an hour 25, a year past PostgreSQL's
  "22008": ["INVALID_INPUT", "A date or time is out of range: no such day or time in the calendar (2026-02-30, 25:00), or too far."],
  // a time zone offset out of range ("2026-12-01T10:00+99:00"), and an interval's field out of range
  "22009": ["INVALID_INPUT", "A time zone offset is out of range."],
  "22015": ["INVALID_INPUT", "A length of time is out of range."],
  "22023": ["INVALID_INPUT", "A value is not valid."],
  "22P02": ["INVALID_INPUT", "A value has the wrong format."],
  // a NUL character in text (22021) or as \u0000 in JSON (22P05): PostgreSQL stores neither
  "22021": ["INVALID_INPUT", NUL_CHARACTER],
  "22P05": ["INVALID_INPUT", NUL_CHARACTER],
  // a `like` pattern ending in its escape character, the backslash (`includes` and the other filters escape it)
  "22025": ["INVALID_INPUT", LIKE_PATTERN_ENDS_IN_ESCAPE],
  // more than a statement can hold: columns of a select list (54011), nesting (54001)
  "54001": ["LIMIT_EXCEEDED", "The request is too complex for one statement: ask for less in it."],
  "54011": ["LIMIT_EXCEEDED", "The request is too complex for one statement: ask for less in it."],
  "57014": ["TIMEOUT", "The request took too long and was cancelled."],
  "40001": ["RETRY", "Another change got there first; please try again."],
  "40P01": ["RETRY", "Another change got there first; please try again."],
};

const TAX_RATE = "A tax rate is a fraction below 1 with at most 6 decimals: 0.18 for 18%, 0.08875 for 8.875%.";
const IDEMPOTENCY_KEY = "An idempotency key is 1 to 200 characters.";
const DISCOUNT_NOT_NEGATIVE = "A discount cannot be negative.";
const DISCOUNT_WITHIN_LINE = "A discount cannot be more than the line's amount (quantity × unit price).";
const ADDRESS = "An address is at most 500 characters.";
// kept with 3 decimals: 0.0001 is 0.000 by the time the check reads it
const QUANTITY = "A quantity is at least 0.001 (3 decimals are kept) and at most 100000.";

/**
 * What a check constraint that a client's input can reach asks for, by the
 * constraint's name (a name that several tables share means the same in
 * each; invoice_line_description_check is raised by its trigger under the name of
 * the check it replaced, 000376); a violation of any other check keeps 23514's generic message. The
 * wording lives here, with the codes it goes out with, rather than in the
 * constraints' comments: it is the API's text, reviewed with it, and a change
 * needs no migration. Constraints only our own code writes to (audit
 * actions, invoice totals, phones normalised to INVALID_PHONE first, periods
 * that request_export checks first) are left out.
 */
const CHECK_MESSAGES: Record<string, string> = {
  clinic_name_check: "A clinic needs a name of at most 200 characters.",
  clinic_timezone_check: "Unknown time zone: use an IANA name such as Africa/Nairobi.",
  clinic_currency_check: "Unknown currency: use an ISO 4217 code such as TZS or KES.",
  clinic_locale_check: "A locale is a language code, with a country if need be, such as sw or en-KE.",
  clinic_tax_rate_check: TAX_RATE,
  clinic_email_check: "This is not an email address (at most 320 characters).",
  clinic_address_check: ADDRESS,
  clinic_invoice_footer_check: "An invoice footer is at most 2000 characters.",
  clinic_code_prefixes_check: "Code prefixes are an object, such as { \"PAT\": \"P\" }.",
  code_prefixes_are_valid: "Code prefixes replace PAT, SRV, VIS, INV, PAY or REF, each with 1 to 8 letters or digits.",
  tax_rate_is_a_number: "A tax rate must be a number.",
  calling_code_check: "A calling code is 1 to 3 digits without +, such as 255.",
  e164_phone_check: "A phone number is +, the country code and the number, such as +255712345678.",
  user_full_name_check: "A name is required, at most 200 characters.",
  service_name_check: "A service needs a name of at most 200 characters.",
  service_category_check: "A category is at most 100 characters.",
  service_duration_minutes_check: "A duration is 1 to 1440 minutes.",
  service_price_check: "A price cannot be negative.",
  price_is_a_number: "A price must be a number.",
  patient_first_name_check: "A first name is required, at most 100 characters.",
  patient_last_name_check: "A last name is required, at most 100 characters.",
  patient_date_of_birth_check: "A date of birth is 1900-01-01 or later.",
  patient_address_check: ADDRESS,
  patient_notes_check: "Notes are at most 5000 characters.",
  visit_reason_check: "A reason for a visit is at most 1000 characters.",
  visit_cancel_reason_check: "A cancel reason is at most 500 characters.",
  visit_scheduled_at_is_finite: "A visit is booked at a date and time, not infinity.",
  visit_service_quantity_check: "A quantity is 1 to 1000.",
  visit_service_discount_check: DISCOUNT_NOT_NEGATIVE,
  visit_service_check: DISCOUNT_WITHIN_LINE,
  amounts_are_numbers: "Quantities, prices, discounts and tax rates must be numbers.",
  invoice_notes_check: "Notes are at most 2000 characters.",
  invoice_void_reason_check: "A reason to void is at most 500 characters.",
  invoice_line_description_check: "A line needs a description of at most 300 characters.",
  invoice_line_quantity_check: QUANTITY,
  invoice_line_unit_price_check: "A unit price cannot be negative.",
  invoice_line_discount_check: DISCOUNT_NOT_NEGATIVE,
  invoice_line_check: DISCOUNT_WITHIN_LINE,
  invoice_line_discount_decimals_check: "A discount has no more decimals than the invoice's currency: 2 for TZS, 3 for KWD, none for JPY.",
  invoice_line_tax_rate_check: TAX_RATE,
  payment_reference_check: "A reference is at most 200 characters.",
  payment_idempotency_key_check: IDEMPOTENCY_KEY,
  refund_idempotency_key_check: IDEMPOTENCY_KEY,
  invoice_idempotency_key_check: IDEMPOTENCY_KEY,
  invoice_line_idempotency_key_check: IDEMPOTENCY_KEY,
  visit_service_idempotency_key_check: IDEMPOTENCY_KEY,
  // createPatient's and createVisit's key (000450)
  patient_idempotency_key_check: IDEMPOTENCY_KEY,
  visit_idempotency_key_check: IDEMPOTENCY_KEY,
  // createService's key (000455)
  service_idempotency_key_check: IDEMPOTENCY_KEY,
  // closeDay's and reopenDay's key, kept by app_private.business_day_key as the day is answered (000394)
  business_day_key_idempotency_key_check: IDEMPOTENCY_KEY,
  // requestExport's key (000440)
  report_export_idempotency_key_check: IDEMPOTENCY_KEY,
  refund_reason_check: "A reason to refund is at most 500 characters.",
  counted_amounts_are_numbers: "Counted amounts must be numbers.",
  daily_reconciliation_notes_check: "Notes are at most 2000 characters.",
  daily_reconciliation_reopen_reason_check: "A reason to reopen a day is at most 500 characters.",
};

/**
 * A number past what its column holds (22003, "numeric field overflow": 10^13 typed for a price): PostgreSQL cuts a
 * value to its column's numeric(precision, scale) before any trigger or check sees it, and names neither the column
 * nor the table, only the precision and scale, in its DETAIL. What the API's columns of each size hold, by
 * "precision,scale": amounts (16,3), an invoice line's quantity (12,3), whose check allows less, and a day's counts
 * (20,3), which close_day writes; another size is told its limit alone, read from the DETAIL (never the DETAIL itself).
 */
const NUMERIC_OVERFLOW = /^A field with precision (\d+), scale (\d+) (must round to an absolute value less than 10\^-?\d+|cannot hold an infinite value)\.$/;
const NUMBER_TOO_LARGE: Record<string, string> = {
  "16,3": "An amount (a price, unit price or discount) is at most 9999999999999.999: check the digits typed.",
  "12,3": QUANTITY,
  "20,3": "A counted amount is at most 99999999999999999.999: check the digits typed.",
};

/** What a number too large for its column is told (see NUMERIC_OVERFLOW), or undefined when the error is not that. */
function numberTooLarge(detail: unknown): string | undefined {
  const match = typeof detail === "string" ? NUMERIC_OVERFLOW.exec(detail) : null;
  if (!match) return undefined;
  const [precision, scale] = [Number(match[1]), Number(match[2])];
  if (Object.hasOwn(NUMBER_TOO_LARGE, `${precision},${scale}`)) return NUMBER_TOO_LARGE[`${precision},${scale}`];
  if (scale > precision) return undefined;
  const largest = `${"9".repeat(precision - scale) || "0"}${scale ? `.${"9".repeat(scale)}` : ""}`;
  return `A number is out of range: at most ${largest} here.`;
}

/** Unique constraints whose violation a client can cause and we can name; others keep 23505's message. */
const UNIQUE_MESSAGES: Record<string, string> = {
  invoice_one_live_per_visit: "This visit already has an invoice.",
  visit_patient_booked_once: "This patient is already booked with this doctor at this time: open that visit instead.",
  // restoreMember of a membership whose person was invited or added again since
  membership_one_live_per_user: "This person is a member of the clinic again, or invited again, under a newer membership: change that one instead.",
  // the same key sent at the same moment for payments of two invoices, or refunds of two payments (each
  // waits for its own invoice or payment, so neither finds the other's first)
  payment_clinic_id_idempotency_key_key: "This idempotency key was already used for a different payment.",
  refund_clinic_id_idempotency_key_key: "This idempotency key was already used for a different refund.",
  // a key given to an insert of SQL's own, past create_invoice and create_invoice_line (which answer a retry)
  invoice_clinic_id_idempotency_key_key: "This idempotency key was already used for a different invoice.",
  invoice_line_clinic_id_idempotency_key_key: "This idempotency key was already used for a different invoice line.",
  // past create_visit_service too, or its key on another doctor's visit, which the doctor does not see to answer
  visit_service_clinic_id_idempotency_key_key: "This idempotency key was already used for a different service of a visit.",
  // a key given to an insert of SQL's own, past create_patient and create_visit (which answer a retry)
  patient_clinic_id_idempotency_key_key: "This idempotency key was already used for a different patient.",
  visit_clinic_id_idempotency_key_key: "This idempotency key was already used for a different visit.",
  // a key given to an insert of SQL's own, past create_service (which answers a retry)
  service_clinic_id_idempotency_key_key: "This idempotency key was already used for a different service.",
};

/**
 * Foreign keys a client's input names a row by, and what that row is: an id of another clinic's
 * row, or of none, was told only "A record this refers to…", not which. Read only for an insert or
 * an update (PostgreSQL's message says which); a delete of a row others refer to keeps 23503's message.
 */
const FOREIGN_KEY_MESSAGES: Record<string, string> = Object.fromEntries(
  Object.entries({
    patient: ["visit_clinic_id_patient_id_fkey", "invoice_clinic_id_patient_id_fkey"],
    doctor: ["visit_clinic_id_doctor_id_fkey", "invoice_clinic_id_doctor_id_fkey"],
    visit: ["visit_service_clinic_id_visit_id_fkey", "invoice_clinic_id_visit_id_fkey"],
    service: ["visit_service_clinic_id_service_id_fkey", "invoice_line_clinic_id_service_id_fkey"],
    invoice: ["invoice_line_clinic_id_invoice_id_fkey", "payment_clinic_id_invoice_id_fkey", "refund_clinic_id_invoice_id_fkey"],
    payment: ["refund_clinic_id_payment_id_fkey"],
  }).flatMap(([what, constraints]) => constraints.map((constraint) => [constraint, `No such ${what} in your clinic.`])),
);

/**
 * Who may write a table's rows, by table, for a row the policies refuse (42501, "new row violates
 * row-level security policy for table …"): a cashier registering a patient was told only "You do not
 * have permission to do this.", where the role checks of functions name who may. Said with "in their
 * own clinic": the same refusal meets a row naming another clinic.
 */
const MAKE_INVOICES = "Only those who handle billing (an owner, admin or cashier; receptionists where the clinic allows) make invoices, in their own clinic.";
const ROW_SECURITY_MESSAGES: Record<string, string> = {
  patient: "Only the front desk (an owner, admin or receptionist) registers and edits patients, in its own clinic.",
  visit: "Only the front desk (an owner, admin or receptionist) books visits, in its own clinic.",
  visit_service: "Only the visit's doctor, an owner or an admin adds services to a visit, in their own clinic.",
  service: "Only an owner or admin changes the service catalog, in their own clinic.",
  invoice: MAKE_INVOICES,
  invoice_line: MAKE_INVOICES,
  membership: "Only an owner or admin adds members, in their own clinic.",
  report_export: "Only an owner, admin or cashier can export, in their own clinic.",
  clinic: "Only a platform administrator can create clinics.",
};

/** Who may write the table a row-level security refusal names, if the error is one and we say. */
function rowSecurityMessage(message: unknown): string | undefined {
  const table = /^new row violates row-level security policy for table "([a-z_]+)"$/.exec(String(message))?.[1];
  return table && Object.hasOwn(ROW_SECURITY_MESSAGES, table) ? ROW_SECURITY_MESSAGES[table] : undefined;
}

/** The message for a constraint's violation, by SQLSTATE and constraint name, when we have one. */
const CONSTRAINT_MESSAGES: Record<string, Record<string, string>> = { "23514": CHECK_MESSAGES, "23505": UNIQUE_MESSAGES, "23503": FOREIGN_KEY_MESSAGES };

/** An error raised in TypeScript (plans, routes) with a stable code for the client. */
export class ClientFacingError extends Error {
  readonly clientCode: string;
  constructor(clientCode: string, message: string) {
    super(message);
    this.clientCode = clientCode;
  }
}

/**
 * The database cannot be reached, or not in time: refused, reset or cut connections, no connection
 * (or no free one of the pool) within the pool's connect timeout (`CONNECT_TIMEOUT_MS`, db/pool.ts),
 * PostgreSQL starting up, shutting down or at its connection limit (the connection-failure codes of
 * class 08, not 08P01, a protocol violation, which is ours; 57P01–57P03; 53300). Worth retrying, as
 * TIMEOUT and RETRY are; it was INTERNAL. Logged (warn) wherever it is answered.
 */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE",
  "08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03", "53300",
]);
const UNREACHABLE_MESSAGES = /^(timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error)/;
function databaseUnreachable(code: string | undefined, message: unknown): boolean {
  return (code !== undefined && UNREACHABLE_CODES.has(code)) || (typeof message === "string" && UNREACHABLE_MESSAGES.test(message));
}
/** Whether `error` is the database unreachable or its connection lost (see above), without logging it. */
export function isDatabaseUnreachable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return databaseUnreachable(typeof e?.code === "string" ? e.code : undefined, e?.message);
}
const UNAVAILABLE: ClientError = { code: "UNAVAILABLE", message: "The database is not answering just now (unreachable or busy); please try again shortly." };

/**
 * The connection the live queue listens on was closed (a restart of PostgreSQL, an operator's
 * pg_terminate_backend): @dataplan/pg ends every subscription, lest one miss a notification. An
 * outage to subscribe again after, where it was INTERNAL.
 */
const LISTENING_INTERRUPTED = /^Underlying pubsub channel interrupted/;
const SUBSCRIBE_AGAIN: ClientError = {
  code: "UNAVAILABLE",
  message: "The live queue lost its connection to the database and may have missed a change: subscribe again, and read the list again.",
};

const CURSOR_NOT_VALID = "This cursor is not valid for this list.";

/**
 * Refusals that Grafast and @dataplan/pg raise as a SafeError (meant to be
 * shown, not written for people), by message: these are the caller's
 * mistake. Any other SafeError (say, cursors on an aggregate) is a fault of
 * ours and stays internal.
 */
const CALLER_MISTAKES: [pattern: RegExp, message: string][] = [
  // a cursor that does not decode (parseCursor in @dataplan/pg's pgStmt), or one the API did not sign (server/cursors.ts)
  [/^Invalid cursor, please enter a cursor from a previous request/, CURSOR_NOT_VALID],
  // a cursor of another connection or another orderBy (validateParsedCursor)
  [/^Invalid '(before|after)' cursor - a cursor is only valid within a specific ordering/, CURSOR_NOT_VALID],
  [/^Cannot use 'offset' with 'last'$/, "offset cannot be combined with last."],
  // an update whose patch sets nothing: `patch: {}`, or only variables the request leaves out (pgUpdateSingle)
  [/^Attempted to update a record, but no new values were specified\.$/, "Nothing to change: the patch is empty."],
];

function callerMistake(error: unknown): string | undefined {
  if (!(error instanceof Error) || !isSafeError(error)) return undefined;
  return CALLER_MISTAKES.find(([pattern]) => pattern.test(error.message))?.[1];
}

/** PostGraphile's message when RLS hides the row an update or delete names. */
const NOTHING_MATCHED = /^No values were (updated|deleted) in collection/;
/** What a write that matched no row the session may change is told (NOT_FOUND). */
export const NOTHING_CHANGED = "No such record in your clinic, or you may not change it.";

export interface ClientError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** A column as the API names the field (unit_price: unitPrice), for `extensions.column` and messages. */
const fieldName = (column: string) => column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * A NOT NULL column left without a value, named as the API names it: an input the API lets a client
 * leave out because a trigger may fill it in (an invoice line's description and unitPrice come from
 * its service, when it has one).
 */
function missingValue(column: string): string {
  return `A required value is missing: ${fieldName(column)}.`;
}

/** What the client may learn from an error, or null when it is an internal fault. */
export function describeError(error: unknown): ClientError | null {
  if (error instanceof ClientFacingError) return { code: error.clientCode, message: error.message };
  const e = error as { code?: unknown; message?: unknown; constraint?: unknown; column?: unknown; detail?: unknown };
  const sqlState = typeof e?.code === "string" ? e.code : undefined;
  if (sqlState && OUR_CODES[sqlState]) {
    const details = detailsOf(sqlState, e.detail);
    return { code: OUR_CODES[sqlState], message: String(e.message), ...(details ? { details } : {}) };
  }
  // a statement cancelled (the statement timeout): the client's TIMEOUT alone left the operator nothing to find
  if (sqlState === "57014") log("warn", "statement_cancelled", { message: String(e.message) });
  if (sqlState && POSTGRES_CODES[sqlState]) {
    const [code, generic] = POSTGRES_CODES[sqlState];
    const referencing = sqlState !== "23503" || /^insert or update on table/.test(String(e.message));
    const message =
      (typeof e.constraint === "string" && referencing && CONSTRAINT_MESSAGES[sqlState]?.[e.constraint]) ||
      (sqlState === "42501" && rowSecurityMessage(e.message)) ||
      (sqlState === "22003" && numberTooLarge(e.detail)) ||
      (sqlState === "23502" && typeof e.column === "string" ? missingValue(e.column) : generic);
    const details: Record<string, unknown> = {};
    if (typeof e.constraint === "string") details.constraint = e.constraint;
    // as the API names it, as the message does: a frontend maps it to its form's field
    if (typeof e.column === "string") details.column = fieldName(e.column);
    return { code, message, ...(Object.keys(details).length ? { details } : {}) };
  }
  if (typeof e?.message === "string" && LISTENING_INTERRUPTED.test(e.message)) {
    log("warn", "database_unavailable", { message: e.message });
    return SUBSCRIBE_AGAIN;
  }
  if (databaseUnreachable(sqlState, e?.message)) {
    log("warn", "database_unavailable", { message: String(e?.message) });
    return UNAVAILABLE;
  }
  const mistake = callerMistake(error);
  if (mistake) return { code: "INVALID_INPUT", message: mistake };
  if (typeof e?.message === "string" && NOTHING_MATCHED.test(e.message)) {
    return { code: "NOT_FOUND", message: NOTHING_CHANGED };
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

/**
 * A websocket message's request refused before it runs, as over HTTP it is INVALID_QUERY (query-errors.ts): grafserv's
 * refusal of its payload (an HTTP error of 4xx, such as an `onError` it does not know), which over the websocket reached
 * here as an internal fault ("quote reference … to support", logged as one), and graphql-ws's of an `operationName`
 * naming none of the document's operations, which had no code. A 4xx refusal naming its own code keeps it. Null for any
 * other error.
 */
function refusedRequest(error: GraphQLError, original: Error | undefined): GraphQLError | null {
  const { statusCode: status, code } = original && isSafeError(original) ? ((original as { extensions?: { statusCode?: unknown; code?: unknown } }).extensions ?? {}) : {};
  const refused = typeof status === "number" ? status >= 400 && status < 500 : !original && !error.extensions.code && error.message === "Unable to identify operation";
  // one of ours that names its code (whole-characters.ts's INVALID_INPUT) keeps it
  const answered = typeof code === "string" ? code : "INVALID_QUERY";
  return refused ? new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { code: answered } }) : null;
}

/** grafserv's maskError. */
export function maskError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  const refused = refusedRequest(error, original ?? undefined);
  if (refused) return refused;
  // Parse and validation errors have no original error: they are about the query itself.
  if (!original || original instanceof GraphQLError) return error;
  const known = describeError(original);
  const options = { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path };
  // a mutation's write that stood (server/saved-before-the-answer.ts)
  const saved = error.extensions.saved === true ? { saved: true } : {};
  if (known) {
    return new GraphQLError(known.message, { ...options, extensions: { code: known.code, ...known.details, ...saved } });
  }
  const errorId = reportInternalError(original);
  const requestId = currentRequestId();
  return new GraphQLError(`Internal error; quote reference ${requestId ?? errorId} to support.`, {
    ...options,
    extensions: { code: "INTERNAL", requestId, errorId, ...saved },
  });
}
