/**
 * The statements sent while a test's requests run, for tests that count them (one statement for a list, not one
 * per row): every pg client of the process is watched, the API's pools and the test's own, and each statement
 * still goes to PostgreSQL.
 */
import { jest } from "@jest/globals";
import pg from "pg";

export interface SentStatement {
  text: string;
  values: unknown[];
}

/** The statements sent while `run` runs, in the order they were sent. */
export async function statementsSentBy(run: () => Promise<unknown>): Promise<SentStatement[]> {
  const sent: SentStatement[] = [];
  const query = pg.Client.prototype.query;
  const spy = jest.spyOn(pg.Client.prototype, "query").mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const config = typeof args[0] === "string" ? { text: args[0], values: args[1] } : (args[0] as { text?: string; values?: unknown[] });
    if (config?.text) sent.push({ text: config.text, values: (config.values as unknown[]) ?? [] });
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query);
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return sent;
}
