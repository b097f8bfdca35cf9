/**
 * Structured logs: one JSON line per event, carrying the request id of the
 * request being served (kept in AsyncLocalStorage). Never log secrets.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { writeLogLine } from "../db/json-log.ts";

const requestStore = new AsyncLocalStorage<{ requestId: string }>();

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return requestStore.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return requestStore.getStore()?.requestId;
}

/**
 * Writes one line at `level`; `record`: a line that is a record for the operator rather than a diagnostic (an upgrade's
 * warning, counted shown once written), written at every LOG_LEVEL but silent.
 */
export function log(level: "info" | "warn" | "error", event: string, fields: Record<string, unknown> = {}, record = false): void {
  writeLogLine(level, { event, requestId: currentRequestId(), ...fields }, undefined, record);
}
