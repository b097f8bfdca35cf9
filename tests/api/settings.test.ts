/**
 * Settings from the environment: a value that cannot work (a port or a limit
 * that is not a whole number, or out of range) is refused when ClinicOps
 * starts, naming the variable, before a database is started; it used to run
 * on as NaN in statement timeouts, page sizes and listen().
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectPath } from "../../db/paths.ts";
import { serverSettings } from "../../server/settings.ts";

test.each([
  ["PORT", "abc", /^PORT must be a whole number from 0 to 65535 \(it is "abc"\)$/],
  ["PORT", "70000", /^PORT must be a whole number from 0 to 65535/],
  ["STATEMENT_TIMEOUT_MS", "5s", /^STATEMENT_TIMEOUT_MS must be a whole number of at least 1 \(it is "5s"\)$/],
  ["MAX_PAGE_SIZE", "0", /^MAX_PAGE_SIZE must be a whole number of at least 1/],
  ["MAX_GROUPS", "-5", /^MAX_GROUPS must be a whole number of at least 1/],
  ["MAX_QUERY_DEPTH", "1e3", /^MAX_QUERY_DEPTH must be a whole number/],
  ["MAX_INPUT_DEPTH", "ten", /^MAX_INPUT_DEPTH must be a whole number/],
  ["MAX_QUERY_FIELDS", "0x10", /^MAX_QUERY_FIELDS must be a whole number/],
  ["DATABASE_POOL_SIZE", "2.5", /^DATABASE_POOL_SIZE must be a whole number of at least 1/],
  ["SESSION_TTL_SECONDS", "30", /^SESSION_TTL_SECONDS must be a whole number of at least 60/],
  ["EMBEDDED_PG_PORT", "5432x", /^EMBEDDED_PG_PORT must be a whole number from 1 to 65535 \(it is "5432x"\)$/],
  ["PDF_RENDER_TIMEOUT_MS", "20s", /^PDF_RENDER_TIMEOUT_MS must be a whole number of at least 1 \(it is "20s"\)$/],
])("%s=%s is refused, naming the variable", (name, value, message) => {
  expect(() => serverSettings({ [name]: value }, "")).toThrow(message);
});

test("the audit log is left unsealed only outside production (npm run dev sets CLINICOPS_AUDIT_LOG=unsealed)", () => {
  expect(serverSettings({ CLINICOPS_AUDIT_LOG: "unsealed" }, "").auditLogUnsealed).toBe(true);
  expect(serverSettings({}, "").auditLogUnsealed).toBe(false);
  expect(() => serverSettings({ CLINICOPS_AUDIT_LOG: "unsealed", NODE_ENV: "production", JWT_SECRET: "x".repeat(32) }, "")).toThrow(
    /^CLINICOPS_AUDIT_LOG=unsealed is for npm run dev only/,
  );
});

test("whole numbers in range are taken as given, and unset ones take their defaults", () => {
  const given = serverSettings({ PORT: "0", STATEMENT_TIMEOUT_MS: " 250 ", MAX_PAGE_SIZE: "7", DATABASE_POOL_SIZE: "3", SESSION_TTL_SECONDS: "60" }, "");
  expect(given).toMatchObject({ port: 0, statementTimeoutMs: 250, maxPageSize: 7, databasePoolSize: 3, sessionTtlSeconds: 60 });
  expect(serverSettings({ PORT: "" }, "")).toMatchObject({
    port: 8000, databasePoolSize: 20, sessionTtlSeconds: 43200, statementTimeoutMs: 5000,
    maxPageSize: 100, maxGroups: 1000, maxQueryDepth: 12, maxInputDepth: 32, maxQueryFields: 500,
  });
});

test("npm start refuses a bad setting before starting a database", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "clinicops-settings-"));
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: dataDir, PORT: "eighty" };
  delete env.DATABASE_URL;
  const started = spawnSync(process.execPath, [projectPath("server/main.ts")], { cwd: projectPath(), env, encoding: "utf8", timeout: 30_000 });
  expect(started.status).toBe(1);
  expect(started.stderr).toMatch(/Error: PORT must be a whole number from 0 to 65535 \(it is "eighty"\)/);
  expect(existsSync(join(dataDir, "postgres"))).toBe(false); // no embedded PostgreSQL was set up
});
