/**
 * What the API's start waits for while it reads its GraphQL schema from the database (PostGraphile's introspection):
 * a lock on any of the database's tables (an `ALTER TABLE`, a `VACUUM FULL` under way) holds the read back for as long
 * as it is held, and the start said nothing meanwhile.
 */
import { withSuperuserClient } from "../db/pool.ts";
import { log } from "./log.ts";

/** How long the read goes on before the start says what it waits for, and again after each time it said so. */
const SCHEMA_WAIT_REPORT_MS = 5000;

/**
 * `reading`, the API's schema read by `role`'s connections, told every SCHEMA_WAIT_REPORT_MS in a `warn` line while it
 * goes on: the table it waits for and the sessions holding its lock (their pid, role, state and command, not their
 * statement, which may hold a password or a patient's data; seen by the superuser of `rootUrl`). The read is waited for
 * without a limit (a lock is let go once its statement ends; a limit would end a start behind a long VACUUM FULL, to
 * try again behind the same lock); a stop cuts it, and `stop`, aborted as it begins, ends the reports (one came in
 * the stop's while, after its `shutdown` line, as the read was being cut).
 */
export async function sayingWhatTheSchemaReadWaitsFor<T>(reading: Promise<T>, rootUrl: string, role: string, stop?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let over = false; // the read ended, or the stop began: a report under way says nothing, and none follows
  const quiet = () => {
    over = true;
    clearTimeout(timer);
  };
  stop?.addEventListener("abort", quiet);
  const report = async () => {
    if (over || stop?.aborted) return;
    const holders = await withSuperuserClient(rootUrl, async (client) =>
      (
        await client.query<{ pid: number; usename: string; state: string; command: string; relation: string | null }>(
          // the holder's command (its statement's first word, and the second when whole: "vacuum full", "alter role",
          // "update"), not its statement: that is anyone's SQL (an ALTER ROLE's password, a patient's notes), which the log keeps
          `select distinct b.pid, b.usename, b.state, l.relation::regclass::text as relation,
             coalesce(lower(substring(b.query from '^\\s*([[:alpha:]]+(\\s+[[:alpha:]]+(?=[\\s;]|$))?)')), 'a statement') as command
           from pg_stat_activity w
             left join pg_locks l on l.pid = w.pid and not l.granted and l.locktype = 'relation',
             unnest(pg_blocking_pids(w.pid)) as blocker(pid), pg_stat_activity b
           where w.datname = current_database() and w.usename = $1 and w.wait_event_type = 'Lock' and b.pid = blocker.pid
           order by b.pid`,
          [role],
        )
      ).rows,
    ).catch((error: Error) => error);
    const message =
      holders instanceof Error
        ? `waiting for the database's schema (what it waits for could not be read: ${holders.message})`
        : holders.length === 0
          ? "waiting for the database's schema (behind no lock)"
          : `waiting for the database's schema: ${holders
              .map((b) => `a lock${b.relation ? ` on ${b.relation}` : ""} held by pid ${b.pid} (${b.usename}, ${b.state}: ${b.command})`)
              .join("; ")}`;
    if (over) return;
    log("warn", "database", { message });
    timer = setTimeout(() => void report(), SCHEMA_WAIT_REPORT_MS);
  };
  timer = setTimeout(() => void report(), SCHEMA_WAIT_REPORT_MS);
  try {
    return await reading;
  } finally {
    quiet();
    stop?.removeEventListener("abort", quiet);
  }
}
