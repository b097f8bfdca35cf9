/**
 * Where the database is and who connects to it, from the environment.
 *
 * DATABASE_URL names a role that may create roles and databases (a superuser
 * on a fresh server) and, in its path, the ClinicOps database. When it is
 * unset, db/embedded.ts starts a PostgreSQL under the data folder and supplies
 * it. Every other connection string is derived from it, with role names
 * derived from the database name so that several databases (clinicops,
 * clinicops_test) can share one server without sharing roles.
 */
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LOG_LEVELS } from "./json-log.ts";
import { PASSWORD_FORM, PASSWORD_FORM_WORDS } from "./scram.ts";

export interface RoleNames {
  /** Owns the schema, runs migrations and the worker. */
  owner: string;
  /** LOGIN, NOINHERIT, no privileges of its own: the API connects as it. */
  authenticator: string;
  /** NOLOGIN: what API requests run as (`set role`). */
  visitor: string;
  /** NOLOGIN: read-only over the reporting views. */
  analyst: string;
  /**
   * NOLOGIN, no members: owns the audit log (db/setup.ts, sealAuditLog), so that
   * the owner role, which the worker connects as, may only append to it and read it.
   */
  auditor: string;
}

export interface DatabaseConfig {
  /** Superuser (or CREATEROLE + CREATEDB) connection to the ClinicOps database. */
  rootUrl: string;
  databaseName: string;
  roles: RoleNames;
  ownerUrl: string;
  authenticatorUrl: string;
  /** Shadow database used by `graphile-migrate watch/commit` in development. */
  shadowOwnerUrl: string;
  passwords: { owner: string; authenticator: string };
  /** The server as an error names it: its address and the setting that gave it ("the PostgreSQL at 127.0.0.1:5432 that DATABASE_URL names"). */
  server: string;
}

export interface Secrets {
  jwtSecret: string;
  ownerPassword: string;
  authenticatorPassword: string;
  embeddedPassword: string;
}

/** The fewest characters of the JWT secret (JWT_SECRET, or secrets.json's jwtSecret): a short one typed by hand is guessed offline from any one token it signed. */
export const JWT_SECRET_MIN_LENGTH = 32;

/** The names of the secrets in secrets.json. */
const SECRET_NAMES = ["jwtSecret", "ownerPassword", "authenticatorPassword", "embeddedPassword"] as const satisfies readonly (keyof Secrets)[];

/** CLINICOPS_DATA_DIR, or `.data`; empty is unset, as for every variable but the secrets, which are refused empty (it was the current folder, where a command wrote secrets.json). */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CLINICOPS_DATA_DIR || ".data");
}

/**
 * A folder above `databaseDir` that users other than its owner cannot enter
 * (no execute bit for others), or null. As root the embedded server runs as an
 * unprivileged user, who must pass through them to its own folder (which
 * initdb creates for it, private).
 */
export function closedFolderAbove(databaseDir: string): string | null {
  let closed: string | null = null;
  for (let dir = dirname(resolve(databaseDir)); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) closed = dir;
    if (dir === dirname(dir)) return closed;
  }
}

/**
 * As root, the embedded PostgreSQL runs as the unprivileged user "postgres",
 * who must pass through every folder above its own: a data folder behind a
 * private one is refused, when no DATABASE_URL is given, before anything is
 * written there (secrets.json, then initdb's bare "Permission denied").
 */
export function checkEmbeddedServerEnters(env: NodeJS.ProcessEnv = process.env): void {
  if (env.DATABASE_URL || process.getuid?.() !== 0) return;
  const closed = closedFolderAbove(resolve(dataDir(env), "postgres"));
  if (closed) {
    throw new Error(
      `As root, the embedded PostgreSQL runs as the unprivileged user "postgres", who cannot enter ${closed}. ` +
        "Choose a CLINICOPS_DATA_DIR that others may enter (under /srv or /tmp, say; the default .data under the project is one only if every folder above it is), or set DATABASE_URL.",
    );
  }
}

/**
 * A whole-number setting, `fallback` when unset. Anything else is refused at
 * start, naming the variable: `Number()` took `5s` or `abc` for NaN, which went
 * on into statement timeouts, page sizes and `listen()`.
 */
export function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const given = env[name]?.trim();
  if (given === undefined || given === "") return fallback;
  const value = /^[0-9]+$/.test(given) ? Number(given) : NaN;
  if (!(value >= min && value <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new Error(`${name} must be a whole number ${range} (it is "${given}")`);
  }
  return value;
}

/** EMBEDDED_PG_PORT, checked: the embedded PostgreSQL's port when no DATABASE_URL is given. */
export function embeddedPostgresPort(env: NodeJS.ProcessEnv = process.env): number {
  return wholeNumber(env, "EMBEDDED_PG_PORT", 54329, 1, 65535);
}

/** EMBEDDED_PG_DATABASE, checked: the embedded PostgreSQL's database when no DATABASE_URL is given. */
export function embeddedDatabaseName(env: NodeJS.ProcessEnv = process.env): string {
  return checkedDatabaseName(env.EMBEDDED_PG_DATABASE || "clinicops", "EMBEDDED_PG_DATABASE");
}

/** Node's largest timer, in ms: a longer one fires at once (TimeoutOverflowWarning, "set to 1"). PostgreSQL's largest statement_timeout too. */
export const LARGEST_TIMER_MS = 2_147_483_647;

/**
 * PDF_RENDER_TIMEOUT_MS, checked: a PDF render taking longer fails (and is retried). At most Node's largest timer: a
 * longer one (an operator's 9999999999 for "no limit") was taken, and every render's timers fired at once, every PDF
 * export failing "the PDF took too long to render" at each of its attempts.
 */
export function pdfRenderTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return wholeNumber(env, "PDF_RENDER_TIMEOUT_MS", 20_000, 1, LARGEST_TIMER_MS);
}

/**
 * The settings read only once a database is starting or has started (the
 * embedded server's port and database, the worker's PDF timeout), checked:
 * `npm start` and `npm run worker` call this first, so that one which cannot
 * work is refused before a database starts.
 */
export function checkSettingsReadLater(env: NodeJS.ProcessEnv = process.env): void {
  embeddedPostgresPort(env);
  embeddedDatabaseName(env);
  pdfRenderTimeoutMs(env);
  if (env.DATABASE_URL) databaseNameOfUrl(env.DATABASE_URL, "DATABASE_URL");
  checkRolePasswords(env);
  // `npm start`'s worker: any value but off started it ("false", "no")
  oneOf(env, "WORKER", ["on", "off"]);
  // Grafast takes any value but development or test for production: "dev" turned its checks off
  oneOf(env, "GRAPHILE_ENV", ["production", "development", "test"]);
  // the logs: a level not known ("verbose", "off") would log as unset does
  oneOf(env, "LOG_LEVEL", LOG_LEVELS);
  // any value but unsealed ("yes") kept the audit log sealed
  oneOf(env, "CLINICOPS_AUDIT_LOG", ["sealed", "unsealed"]);
}

/** A variable that takes one of a few words, checked: unset (or empty, as unset), or one of `values`. */
function oneOf(env: NodeJS.ProcessEnv, name: string, values: string[]): void {
  const given = env[name];
  if (given === undefined || given === "" || values.includes(given)) return;
  const words = values.length === 1 ? values[0] : `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
  throw new Error(`${name} must be ${words}, or be left unset (it is "${given}")`);
}

/**
 * `read()`, an entry point's settings, read before it starts anything. One that
 * cannot work ends the process with its message on one line and exit code 1, as
 * the CLI's errors do: a stack trace around it looked like a bug, where the
 * operator has a setting to fix.
 */
export function settingsOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

/** DEFAULT_CALLING_CODE, checked (1 to 3 digits, no +), or "" when unset: the server, `npm run superuser` and `npm run password` read it. */
export function defaultCallingCodeSetting(env: NodeJS.ProcessEnv): string {
  const code = env.DEFAULT_CALLING_CODE ?? "";
  if (code && !/^[1-9][0-9]{0,2}$/.test(code)) {
    throw new Error("DEFAULT_CALLING_CODE must be a country calling code such as 255 (no +)");
  }
  return code;
}

/** DATABASE_OWNER_PASSWORD and DATABASE_AUTHENTICATOR_PASSWORD, when given, are of PASSWORD_FORM. */
function checkRolePasswords(env: NodeJS.ProcessEnv): void {
  for (const variable of ["DATABASE_OWNER_PASSWORD", "DATABASE_AUTHENTICATOR_PASSWORD"]) {
    const given = env[variable];
    if (given !== undefined && !PASSWORD_FORM.test(given)) throw new Error(PASSWORD_FORM_WORDS(variable));
  }
}

/**
 * The secrets kept in `file`, each a string of PASSWORD_FORM, as they were generated. operations.md has an operator
 * change a role's password there: one hand edit that broke its JSON (a trailing comma) ended every command with
 * JSON.parse's words, naming no file ("Expected double-quoted property name in JSON at position 24"), and a value not
 * a string was used as one (a number) or replaced by a new secret (`null`: the file rewritten, the role's password
 * changed). Either is refused, naming the file, which is left as it is: it holds the other secrets. So is a jwtSecret
 * shorter than JWT_SECRET may be: it signed every session (JWT_SECRET unset), where JWT_SECRET itself is refused.
 */
function storedSecrets(file: string): Partial<Secrets> {
  let stored: unknown;
  try {
    stored = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new Error(`${file} is not valid JSON, so its secrets cannot be read (${error.message}): correct it by hand`);
  }
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) throw new Error(`${file} must hold one JSON object, {"jwtSecret": "…", …}`);
  for (const key of SECRET_NAMES) {
    const value = (stored as Record<string, unknown>)[key];
    if (value !== undefined && (typeof value !== "string" || !PASSWORD_FORM.test(value))) throw new Error(PASSWORD_FORM_WORDS(`${key} in ${file}`));
  }
  // held to JWT_SECRET's rule: one shortened by hand signed every session with a key JWT_SECRET itself is refused
  const { jwtSecret } = stored as Partial<Secrets>;
  if (jwtSecret !== undefined && jwtSecret.length < JWT_SECRET_MIN_LENGTH) {
    throw new Error(`jwtSecret in ${file} must have at least ${JWT_SECRET_MIN_LENGTH} characters, as JWT_SECRET must`);
  }
  return stored as Partial<Secrets>;
}

/**
 * Refuses a data folder whose embedded PostgreSQL was made (initdb) with a password secrets.json no longer has (the
 * file removed to get a new JWT secret, or left behind when the folder was copied): a new one was generated and written
 * over the file, and every command then failed with "password authentication failed for user "postgres"", the one
 * password that opens that server gone from the file for good.
 */
function checkEmbeddedPasswordKept(env: NodeJS.ProcessEnv, dir: string, file: string, stored: Partial<Secrets>): void {
  if (env.DATABASE_URL || stored.embeddedPassword !== undefined || !existsSync(resolve(dir, "postgres", "PG_VERSION"))) return;
  throw new Error(
    `The embedded PostgreSQL in ${resolve(dir, "postgres")} opens only with the password it was made with, kept in ${file}, which ` +
      `${existsSync(file) ? "has no embeddedPassword" : "is not there"}: put back that folder's secrets.json (a copy of the data folder has it), ` +
      `or start afresh by removing ${dir} with nothing running (its data goes with it)`,
  );
}

/**
 * Writes `text` as `file` (mode 0600) whole or not at all: written in place, a write cut short (a full disk, the process
 * killed in it) left secrets.json empty or partial, the secrets it held lost (the embedded server's password with them:
 * that server never opened again), and a first start's empty file was refused by every later command as not JSON. So it
 * is written beside (`<file>.<pid>.part`, removed when it cannot be) and renamed over the file once on disk; a file
 * not `made` yet is linked instead, only where no other command has made it meanwhile (a link to a file that is not
 * there is refused, naming where it leads). Answers whether it was written (false: another command's file is there,
 * which the caller reads).
 */
function writeWhole(file: string, text: string, made: boolean): boolean {
  const part = `${file}.${process.pid}.part`; // the process's own: another command's at the same moment is left to it
  try {
    mkdirSync(dirname(file), { recursive: true });
    rmSync(part, { force: true }); // one left by a command of this pid killed in it
    const fd = openSync(part, "wx", 0o600);
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (made) {
      renameSync(part, file);
      return true;
    }
    // a new file is made only where there is none (a link fails on one): commands started at once on a new data folder
    // (`npm start` and `npm run worker` from one script) each wrote their own over the others', the last one's kept, and
    // went on with their own (the role passwords set back and forth, the embedded server made with a password lost)
    try {
      linkSync(part, file);
      return true;
    } catch (error) {
      // a link to a file that is not there (a secrets volume not mounted yet) is no file another command made: read again,
      // it was found not there again, without end
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        if (existsSync(file)) return false;
        throw new Error(`it is a link to ${resolve(dirname(file), readlinkSync(file))}, which is not there`);
      }
      throw error;
    } finally {
      rmSync(part, { force: true });
    }
  } catch (error) {
    rmSync(part, { force: true });
    throw new Error(`${file} could not be written (${error instanceof Error ? error.message : error}), and is left as it was: make room, or mend what the error names, and start again`);
  }
}

/**
 * Secrets come from the environment; whatever is missing is generated once and
 * kept in `<data dir>/secrets.json` (mode 0600).
 */
export function loadSecrets(env: NodeJS.ProcessEnv = process.env): Secrets {
  checkRolePasswords(env);
  checkEmbeddedServerEnters(env);
  const dir = dataDir(env);
  const file = resolve(dir, "secrets.json");
  const made = existsSync(file);
  const stored = made ? storedSecrets(file) : {};
  checkEmbeddedPasswordKept(env, dir, file, stored);
  const generated: Secrets = {
    jwtSecret: stored.jwtSecret ?? randomBytes(48).toString("base64url"),
    ownerPassword: stored.ownerPassword ?? randomBytes(24).toString("base64url"),
    authenticatorPassword: stored.authenticatorPassword ?? randomBytes(24).toString("base64url"),
    embeddedPassword: stored.embeddedPassword ?? randomBytes(24).toString("base64url"),
  };
  // made meanwhile by another command: its secrets, as every command has them
  if (JSON.stringify(generated) !== JSON.stringify(stored) && !writeWhole(file, JSON.stringify(generated, null, 2), made)) return loadSecrets(env);
  return {
    jwtSecret: env.JWT_SECRET ?? generated.jwtSecret,
    ownerPassword: env.DATABASE_OWNER_PASSWORD ?? generated.ownerPassword,
    authenticatorPassword: env.DATABASE_AUTHENTICATOR_PASSWORD ?? generated.authenticatorPassword,
    embeddedPassword: generated.embeddedPassword,
  };
}

function roleNamesFor(databaseName: string): RoleNames {
  return {
    owner: `${databaseName}_owner`,
    authenticator: `${databaseName}_authenticator`,
    visitor: `${databaseName}_visitor`,
    analyst: `${databaseName}_analyst`,
    auditor: `${databaseName}_auditor`,
  };
}

/**
 * The same server as `url`, as another user and/or database (a password of "" leaves it out). node-postgres takes a
 * `user` and `password` in the query before the URL's own (`postgres://db/clinicops?user=postgres`), and a URL with no
 * host before its path (`postgres:///clinicops?host=/var/run/postgresql`, a unix socket's) takes none of its own: the
 * owner's and the authenticator's URLs of either were DATABASE_URL's superuser's, so the query's are replaced, and a
 * URL without a host is given them there.
 */
export function withCredentials(url: string, user: string | null, password: string | null, database?: string): string {
  const u = new URL(url);
  const inQuery = u.host === "";
  let queryChanged = false;
  for (const [name, value] of [["user", user], ["password", password]] as const) {
    if (value === null) continue;
    const given = u.searchParams.has(name);
    queryChanged ||= given || (inQuery && value !== "");
    if (given) u.searchParams.delete(name); // URLSearchParams writes the query anew (a space as +) at any change
    if (inQuery) {
      if (value !== "") u.searchParams.set(name, value);
    } else if (name === "user") u.username = encodeURIComponent(value);
    else u.password = encodeURIComponent(value);
  }
  // a space written %20, not the form's +, which psql (npm run shell) reads as a +
  if (queryChanged) u.search = u.searchParams.toString().replaceAll("+", "%20");
  if (database !== undefined) u.pathname = `/${database}`;
  return u.toString();
}

/**
 * `name` if the roles' names can be derived from it (roleNamesFor: within
 * PostgreSQL's 63 characters with their suffixes, and written unquoted where the
 * migrations name them), else an error naming `variable`, the setting that
 * supplied it.
 */
function checkedDatabaseName(name: string, variable: string): string {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(name)) {
    throw new Error(`${variable} must name a database of at most 41 lower-case letters, digits and _, not starting with a digit (got "${name}")`);
  }
  if (name === "postgres" || name.startsWith("template")) {
    throw new Error(`${variable} must name a database of ClinicOps' own, not the server's ${name} (nor a template's name)`);
  }
  return name;
}

/** The database `rootUrl` names in its path, checked; `variable` (DATABASE_URL…) named in an error. */
function databaseNameOfUrl(rootUrl: string, variable: string): string {
  let url: URL;
  try {
    url = new URL(rootUrl);
  } catch {
    throw new Error(`${variable} must be a URL such as postgres://user:password@host:5432/clinicops`);
  }
  return checkedDatabaseName(decodeURIComponent(url.pathname.replace(/^\//, "")), variable);
}

/**
 * The ClinicOps database of `rootUrl`, which `variable` (DATABASE_URL, or the
 * tests' or benchmarks' own) supplied, named in an error; `server` names the
 * server at its address in a connection's error (DatabaseConfig's), as the
 * server `variable` names unless told (the embedded one's).
 */
export function databaseConfig(
  rootUrl: string,
  secrets: Pick<Secrets, "ownerPassword" | "authenticatorPassword">,
  variable = "DATABASE_URL",
  server = (address: string) => `the PostgreSQL at ${address} that ${variable} names`,
): DatabaseConfig {
  const databaseName = databaseNameOfUrl(rootUrl, variable);
  const roles = roleNamesFor(databaseName);
  const url = new URL(rootUrl);
  // as node-postgres connects: the query's host and port before the URL's own (it named the URL's, another server); a
  // unix socket's folder written %2F as one
  const host = url.searchParams.get("host") || url.hostname.replace(/%2f/gi, "/") || "localhost";
  const address = `${host}:${url.searchParams.get("port") || url.port || 5432}`;
  return {
    rootUrl,
    databaseName,
    roles,
    ownerUrl: withCredentials(rootUrl, roles.owner, secrets.ownerPassword),
    authenticatorUrl: withCredentials(rootUrl, roles.authenticator, secrets.authenticatorPassword),
    shadowOwnerUrl: withCredentials(rootUrl, roles.owner, secrets.ownerPassword, `${databaseName}_shadow`),
    passwords: { owner: secrets.ownerPassword, authenticator: secrets.authenticatorPassword },
    server: server(address),
  };
}
