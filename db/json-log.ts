/**
 * The one shape of every log line, the server's and the worker's: a JSON object with its time and
 * level first, written to stderr for warnings and errors and to stdout otherwise; nothing at all
 * with LOG_LEVEL=silent.
 */

/** Writes `{time, level, ...fields}` as one line; `replacer` is JSON.stringify's. */
export function writeLogLine(level: string, fields: Record<string, unknown>, replacer?: (key: string, value: unknown) => unknown): void {
  if (process.env.LOG_LEVEL === "silent") return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, ...fields }, replacer);
  (level === "warn" || level === "error" ? process.stderr : process.stdout).write(`${line}\n`);
}
