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

export function log(level: "info" | "warn" | "error", event: string, fields: Record<string, unknown> = {}): void {
  writeLogLine(level, { event, requestId: currentRequestId(), ...fields });
}
