/** What the audit log's detail column tells its readers, checked against entries a test made. */
import { rootPool } from "./database.ts";

/** The keys of these entries' detail that the comment on app_public.audit_log.detail does not name. */
export async function detailKeysUnnamed(entries: { detail: Record<string, unknown> | null }[]): Promise<string[]> {
  const { rows } = await rootPool().query("select col_description('app_public.audit_log'::regclass, attnum) as comment from pg_attribute where attrelid = 'app_public.audit_log'::regclass and attname = 'detail'");
  const named = new Set<string>(rows[0].comment.match(/\w+/g));
  return [...new Set(entries.flatMap((entry) => Object.keys(entry.detail ?? {})))].filter((key) => !named.has(key)).sort();
}
