/**
 * The one shape of every log line, the server's and the worker's: a JSON object with its time and
 * level first, written to stderr for warnings and errors and to stdout otherwise; lines below
 * LOG_LEVEL (info unless set) are not written, but for a record's (`everyLevel`), and nothing at all
 * with LOG_LEVEL=silent. Writing a line never throws into its caller: graphile-worker logs its worker
 * (a circular object) when a worker's release fails in a stop, and the throw turned its graceful
 * shutdown into a forceful one, its jobs not handed back.
 */

type Replacer = (key: string, value: unknown) => unknown;

/** The levels a line can have, least first, and the word that mutes them all: LOG_LEVEL's values. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"];

/** Whether a line of `level` is written at the LOG_LEVEL set (graphile-worker's debug lines, each job's every step, only at debug). */
function shown(level: string): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(process.env.LOG_LEVEL || "info");
}

/**
 * Writes `{time, level, ...fields}` as one line; `replacer` is JSON.stringify's. `everyLevel`: a line that is a record
 * kept outside the database (an audit anchor), not a diagnostic, written at every LOG_LEVEL but silent.
 */
export function writeLogLine(level: string, fields: Record<string, unknown>, replacer?: Replacer, everyLevel = false): void {
  try {
    heard?.(level, fields);
  } catch {
    // a listener's fault is its own: the line is written as ever
  }
  if (everyLevel ? process.env.LOG_LEVEL === "silent" : !shown(level)) return;
  const entry = { time: new Date().toISOString(), level, ...fields };
  let line: string;
  try {
    line = JSON.stringify(entry, replacer);
  } catch {
    try {
      line = JSON.stringify(entry, writable(replacer));
    } catch (error) {
      // a field that throws as it is read (a getter, a toJSON) or nests past the stack: the line says so
      line = JSON.stringify({ time: entry.time, level, event: fields.event, unwritable: String(error) });
    }
  }
  (level === "warn" || level === "error" ? process.stderr : process.stdout).write(`${line}\n`);
}

/**
 * Told every line as it is made (its level and fields), at every LOG_LEVEL, silent too: the tests keep an API's lines by
 * request (tests/support/api.ts), to tell with a request answered 500 or 503 why it was, where the status alone said
 * nothing of the cause (a statement cancelled, a connection refused, lost or not had in time) and the lines were silent.
 */
let heard: ((level: string, fields: Record<string, unknown>) => void) | null = null;

/** Has `listener` told every line from now on (heard), in place of any before; null: none. */
export function hearLogLines(listener: ((level: string, fields: Record<string, unknown>) => void) | null): void {
  heard = listener;
}

/** `replacer`, writing an object met before as "[seen above]" (a cycle's way back, or an object written twice in that line) and a bigint as its digits. */
function writable(replacer: Replacer | undefined): Replacer {
  const seen = new WeakSet<object>();
  return function (this: unknown, key, value) {
    const written = replacer ? replacer.call(this, key, value) : value;
    if (typeof written === "bigint") return written.toString();
    if (typeof written !== "object" || written === null) return written;
    if (seen.has(written)) return "[seen above]";
    seen.add(written);
    return written;
  };
}
