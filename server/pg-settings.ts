/**
 * The settings every API transaction starts with: the visitor role, the
 * statement timeout, and the verified session claims (never anything the
 * client sent unverified).
 */
import type pg from "pg";
import type { RoleNames } from "../db/config.ts";
import type { ServerSettings } from "./settings.ts";
import type { SessionClaims } from "./session-token.ts";

export function pgSettingsFor(
  claims: SessionClaims | null,
  settings: ServerSettings,
  roles: Pick<RoleNames, "visitor">,
): Record<string, string> {
  return {
    role: roles.visitor,
    statement_timeout: String(settings.statementTimeoutMs),
    timezone: claims?.timezone ?? "UTC",
    "clinicops.default_calling_code": settings.defaultCallingCode,
    "jwt.claims.session_id": claims?.session_id ?? "",
    "jwt.claims.user_id": claims?.user_id ?? "",
    "jwt.claims.clinic_id": claims?.clinic_id ?? "",
    "jwt.claims.role": claims?.role ?? "",
  };
}

/** Runs `fn` in a transaction with those settings, as PostGraphile does for GraphQL. */
export async function withPgSettings<T>(
  pool: pg.Pool,
  pgSettings: Record<string, string>,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select set_config(key, value, true) from json_each_text($1::json)", [JSON.stringify(pgSettings)]);
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
