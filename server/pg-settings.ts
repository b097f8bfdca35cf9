/**
 * The settings every API transaction starts with: the visitor role, the
 * statement timeout, the verified session claims (never anything the
 * client sent unverified), and how PostgreSQL plans PostGraphile's queries:
 * no JIT optimisation (they are short; its stock adaptor turns it off too), and
 * generic plans for its prepared statements. Left to choose, PostgreSQL keeps
 * planning a day's visit list afresh for every date (0.3 ms of a 0.6 ms
 * query); tenant data is reached through indexes that start with clinic_id,
 * which no plan knows in advance anyway (it comes from the session), so the
 * generic plan is the one it would pick (docs/performance.md).
 */
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
    jit_optimize_above_cost: "-1",
    plan_cache_mode: "force_generic_plan",
    // a clinic's session takes its clinic's time zone, read in the database (beginWithSettings); anyone else UTC
    ...(claims?.clinic_id ? {} : { timezone: "UTC" }),
    "clinicops.default_calling_code": settings.defaultCallingCode,
    // the storage a clinic's finished exports may take, which request_export checks a new export against: it only lowers
    // the most the database keeps (db/export-storage.ts), as a session may set it too
    "clinicops.export_storage_per_clinic_mb": String(settings.exportStoragePerClinicMb),
    "jwt.claims.session_id": claims?.session_id ?? "",
    "jwt.claims.user_id": claims?.user_id ?? "",
    "jwt.claims.clinic_id": claims?.clinic_id ?? "",
    "jwt.claims.role": claims?.role ?? "",
  };
}
