import { rootPool } from "./database.ts";
import { beginAs, openSession, type TestMember } from "./fixtures.ts";

/**
 * What a test of a plan sets on its connection: generic plans, as every API transaction asks
 * (server/pg-settings.ts), and every plan (nested statements too, those of the functions a statement
 * calls) told as a notice by auto_explain. A connection that ran them is released destroyed
 * (`client.release(true)`): not back to the pool with auto_explain loaded.
 */
export const EXPLAINED_GENERIC = ["set plan_cache_mode = force_generic_plan", "load 'auto_explain'", "set auto_explain.log_min_duration = 0",
  "set auto_explain.log_nested_statements = on", "set auto_explain.log_level = notice"];

/**
 * The plan of a page of a list, `statement` (PostGraphile's text, its one parameter `value`, or none for null), as the API plans it: a
 * named statement planned generically, as every API transaction asks (server/pg-settings.ts), run by `member` through
 * row-level security, explained with the rows each step read. Its table's statistics are first made, until the
 * transaction is rolled back, those of a database of a thousand clinics: each of `distinct`'s columns of `table` with
 * that many values (`{ clinic_id: 1000 }`), whatever the test database holds, after `rows` (statements run as the
 * superuser, with every trigger off, rolled back with the rest: rows of other clinics, where a statistic cannot be set).
 * With `buffers`, each step says the pages it read too (`Buffers: shared hit=…`): what an index scan walked, where its
 * rows alone cannot tell (an index condition on a column past the one the index has no condition on).
 */
export async function pageAsTheApiPlansIt(
  member: TestMember, table: string, distinct: Record<string, number>, statement: string, value: string | null, rows = "", buffers = false,
): Promise<string> {
  const sessionId = await openSession(member.userId, member.clinicId);
  const client = await rootPool().connect();
  try {
    await beginAs(client, sessionId);
    const { rows: [{ visitor }] } = await client.query("select current_user as visitor");
    await client.query(`set local role none; set local session_replication_role = replica; ${rows}; set local session_replication_role = origin;
      ${Object.entries(distinct).map(([column, n]) => `alter table ${table} alter column ${column} set (n_distinct = ${n});`).join(" ")} analyze ${table};
      set local role ${client.escapeIdentifier(visitor)}; set local plan_cache_mode = force_generic_plan`);
    await client.query(`prepare page as ${statement}`); // its parameter's type is its cast's
    const plan = await client.query(`explain (analyze,${buffers ? " buffers," : ""} costs off, timing off) execute page${value === null ? "" : `(${client.escapeLiteral(value)})`}`);
    return plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
  } finally {
    await client.query("rollback");
    client.release(true); // with its prepared statement: not back to the pool
  }
}
