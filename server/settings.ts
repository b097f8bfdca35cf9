/**
 * HTTP settings from the environment (database settings live in db/config.ts).
 */
import express from "express";
import { checkSettingsReadLater, defaultCallingCodeSetting, JWT_SECRET_MIN_LENGTH, LARGEST_TIMER_MS, wholeNumber } from "../db/config.ts";
export interface ServerSettings {
  port: number;
  /** Connections the API server keeps to PostgreSQL. */
  databasePoolSize: number;
  /** CLINICOPS_AUDIT_LOG=unsealed, set by `npm run dev`: the owner role keeps the audit log, which current.sql may alter. */
  auditLogUnsealed: boolean;
  production: boolean;
  jwtSecret: string;
  /** Session lifetime, as a PostgreSQL interval and in seconds. */
  sessionTtlSeconds: number;
  cookieName: string;
  /** The device cookie's name (server/device-cookie.ts): __Host- prefixed in production, as the session cookie is. */
  deviceCookieName: string;
  /** Origins (scheme://host[:port]) allowed to send cookie-carrying POSTs besides our own. */
  allowedOrigins: string[];
  /** Country calling code completing national phone numbers outside a clinic (login). */
  defaultCallingCode: string;
  statementTimeoutMs: number;
  /** How long a query's parts are read for: a part whose turn comes later is not read (server/one-read-moment.ts). */
  queryTimeoutMs: number;
  maxPageSize: number;
  /** Groups one `groupedAggregates` may answer. */
  maxGroups: number;
  maxQueryDepth: number;
  /** Levels of objects and lists one GraphQL input value (a filter, say) may nest. */
  maxInputDepth: number;
  /** Fields one GraphQL request may select, each alias and each use of a fragment counted. */
  maxQueryFields: number;
  /** Rows one GraphQL request's lists may answer in all, each list's page multiplied by those of the lists it is inside (server/request-limits.ts). */
  maxQueryRows: number;
  /** How large one GraphQL answer may grow, in characters of its JSON: the parts after are not read (server/answer-budget.ts). */
  maxAnswerBytes: number;
  /** Which proxies' X-Forwarded-For express believes (its `trust proxy`): false, a number of hops, or addresses. */
  trustProxy: false | number | string;
  /** MB (1,048,576 bytes) a clinic's finished export files may take: a new export is refused beyond (request_export). */
  exportStoragePerClinicMb: number;
  /** How long a download, or any other answer begun, may send nothing (its client reading nothing) before it is cut (server/app.ts, cutStalledAnswers). */
  downloadStallMs: number;
}

/** ALLOWED_ORIGINS, each an origin as browsers send it (scheme://host[:port]): `*` or a path matched no request. */
function allowedOriginsSetting(value: string | undefined): string[] {
  const origins = (value ?? "").split(",").map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: string | undefined;
    try {
      parsed = new URL(origin).origin;
    } catch {}
    if (parsed !== origin) throw new Error(`ALLOWED_ORIGINS must list origins such as https://app.example.com, comma-separated (it has "${origin}")`);
  }
  return origins;
}

/**
 * TRUST_PROXY as express's `trust proxy` means it: a number of proxy hops (`1`), or the proxies'
 * addresses and subnets (`loopback`, `10.0.0.0/8, 172.16.0.1`). Given as an environment string,
 * express took `1` for the address 0.0.0.1: every client behind the proxy was the proxy's address,
 * so 20 failed logins from anyone refused every login for 15 minutes. `true` (believe any
 * X-Forwarded-For, so a client names its own address and is never throttled) is refused.
 */
function trustProxySetting(value: string | undefined): false | number | string {
  const given = (value ?? "").trim();
  if (given === "" || given === "false" || given === "off") return false;
  if (/^[0-9]+$/.test(given)) return Number(given);
  if (given === "true" || given === "on") {
    throw new Error(
      "TRUST_PROXY=true would believe any X-Forwarded-For, so clients choose their own address and login throttling stops: " +
        "give the number of proxies in front (e.g. 1) or their addresses",
    );
  }
  // a number among addresses ("1, 2", "loopback, 1") is express's IPv4 address 0.0.0.N, which no proxy has: every client
  // was the proxy's address again, as a lone `1` was before it was read as a number
  const number = given.split(",").map((entry) => entry.trim()).find((entry) => /^[0-9]+$/.test(entry) && Number(entry) <= 0xffffffff);
  if (number !== undefined) {
    const address = [24, 16, 8, 0].map((shift) => (Number(number) >>> shift) & 255).join(".");
    throw new Error(`TRUST_PROXY is a number of proxies alone, or their addresses: "${number}" among addresses would be the address ${address}, no proxy's (it is "${given}")`);
  }
  try {
    express().set("trust proxy", given); // read as express reads it: a list of addresses and subnets
  } catch (error) {
    throw new Error(`TRUST_PROXY must be a number of proxies or their addresses, such as 1 or 10.0.0.0/8, loopback (${(error as Error).message})`);
  }
  return given;
}


/** NODE_ENV's values: any other ("prod", "Production") ran in development mode, GraphiQL open and the cookie not Secure. */
const NODE_ENVS = ["production", "development", "test"];

/** A cookie's lifetime browsers keep at most (Chrome's cap): a longer session could not be held, and one of years failed every login. */
const MAX_SESSION_TTL_SECONDS = 400 * 24 * 3600;
/** PostgreSQL's largest statement_timeout: beyond it every request's settings were refused (and a query's time, which bounds its statements' and is a timer's, Node's largest too). */
const MAX_STATEMENT_TIMEOUT_MS = LARGEST_TIMER_MS;
/** The largest answer budget: an answer of more than this is a few times as much in the server's memory as it is built and sent. */
const MAX_ANSWER_BYTES = 500_000_000;
/** The most storage a clinic's exports may be given, in MB: a terabyte, far beyond a clinic's ten years of payments (about 95 MB). */
const MAX_EXPORT_STORAGE_PER_CLINIC_MB = 1_048_576;
/**
 * How long a download may send nothing before it is cut: a client that stopped reading held its connection, its open
 * file and its download's row for as long as it liked. A minute, as a reverse proxy waits on a client it sends to
 * (nginx's send_timeout is 60 s): a client that reads at all, but for the slowest, lets something be sent within it.
 */
const DOWNLOAD_STALL_MS = 60_000;

export function serverSettings(env: NodeJS.ProcessEnv, generatedJwtSecret: string): ServerSettings {
  if (env.NODE_ENV && !NODE_ENVS.includes(env.NODE_ENV)) {
    throw new Error(`NODE_ENV must be production, development or test, or be left unset (it is "${env.NODE_ENV}")`);
  }
  const production = env.NODE_ENV === "production";
  if (production && !env.JWT_SECRET) {
    // it said "is required" alone: the start after it was refused again for a secret too short
    throw new Error(`JWT_SECRET is required when NODE_ENV=production: set it to ${JWT_SECRET_MIN_LENGTH} or more random characters (openssl rand -base64 48), the same for every server of the database`);
  }
  if (env.JWT_SECRET !== undefined && env.JWT_SECRET.length < JWT_SECRET_MIN_LENGTH) {
    throw new Error(`JWT_SECRET must have at least ${JWT_SECRET_MIN_LENGTH} characters`);
  }
  const defaultCallingCode = defaultCallingCodeSetting(env);
  checkSettingsReadLater(env);
  const auditLogUnsealed = env.CLINICOPS_AUDIT_LOG === "unsealed";
  if (auditLogUnsealed && production) {
    throw new Error("CLINICOPS_AUDIT_LOG=unsealed is for npm run dev only: in production the audit log is sealed");
  }
  return {
    port: wholeNumber(env, "PORT", 8000, 0, 65535),
    databasePoolSize: wholeNumber(env, "DATABASE_POOL_SIZE", 20, 1),
    auditLogUnsealed,
    production,
    jwtSecret: env.JWT_SECRET ?? generatedJwtSecret,
    sessionTtlSeconds: wholeNumber(env, "SESSION_TTL_SECONDS", 12 * 3600, 60, MAX_SESSION_TTL_SECONDS),
    cookieName: production ? "__Host-clinicops_session" : "clinicops_session",
    deviceCookieName: production ? "__Host-clinicops_device" : "clinicops_device",
    allowedOrigins: allowedOriginsSetting(env.ALLOWED_ORIGINS),
    defaultCallingCode,
    statementTimeoutMs: wholeNumber(env, "STATEMENT_TIMEOUT_MS", 5000, 1, MAX_STATEMENT_TIMEOUT_MS),
    queryTimeoutMs: wholeNumber(env, "QUERY_TIMEOUT_MS", 15000, 1, MAX_STATEMENT_TIMEOUT_MS),
    maxPageSize: wholeNumber(env, "MAX_PAGE_SIZE", 100, 1),
    maxGroups: wholeNumber(env, "MAX_GROUPS", 1000, 1),
    maxQueryDepth: wholeNumber(env, "MAX_QUERY_DEPTH", 12, 1),
    maxInputDepth: wholeNumber(env, "MAX_INPUT_DEPTH", 32, 1),
    maxQueryFields: wholeNumber(env, "MAX_QUERY_FIELDS", 500, 1),
    maxQueryRows: wholeNumber(env, "MAX_QUERY_ROWS", 20_000, 1),
    maxAnswerBytes: wholeNumber(env, "MAX_ANSWER_BYTES", 32_000_000, 1, MAX_ANSWER_BYTES),
    trustProxy: trustProxySetting(env.TRUST_PROXY),
    exportStoragePerClinicMb: wholeNumber(env, "EXPORT_STORAGE_PER_CLINIC_MB", 2048, 1, MAX_EXPORT_STORAGE_PER_CLINIC_MB),
    // Node's largest timer, as the statement timeout's: a longer one fired at once, cutting every download at its start
    downloadStallMs: wholeNumber(env, "DOWNLOAD_STALL_MS", DOWNLOAD_STALL_MS, 1, MAX_STATEMENT_TIMEOUT_MS),
  };
}
