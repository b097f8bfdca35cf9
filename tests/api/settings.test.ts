/**
 * Settings from the environment: a value that cannot work (a port or a limit
 * that is not a whole number, or out of range) is refused when ClinicOps
 * starts, naming the variable, in one line, before a database is started; it
 * used to run on as NaN in statement timeouts, page sizes and listen().
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { databaseConfig, dataDir, loadSecrets } from "../../db/config.ts";
import { auditAnchorsFile } from "../../db/audit-anchors.ts";
import { exportsDir } from "../../db/export-files.ts";
import { projectPath } from "../../db/paths.ts";
import { PASSWORD_FORM_WORDS } from "../../db/scram.ts";
import { serverSettings } from "../../server/settings.ts";
import { runCli } from "../support/cli.ts";
import { temporaryFolders } from "../support/temp-folders.ts";

const temporaryFolder = temporaryFolders();
const badDatabaseName = (variable: string, name: string) =>
  `${variable} must name a database of at most 41 lower-case letters, digits and _, not starting with a digit (got "${name}")`;

test.each([
  ["PORT", "abc", /^PORT must be a whole number from 0 to 65535 \(it is "abc"\)$/],
  ["PORT", "70000", /^PORT must be a whole number from 0 to 65535/],
  ["STATEMENT_TIMEOUT_MS", "5s", /^STATEMENT_TIMEOUT_MS must be a whole number from 1 to 2147483647 \(it is "5s"\)$/],
  ["MAX_PAGE_SIZE", "0", /^MAX_PAGE_SIZE must be a whole number of at least 1/],
  ["QUERY_TIMEOUT_MS", "15s", /^QUERY_TIMEOUT_MS must be a whole number from 1 to 2147483647 \(it is "15s"\)$/],
  ["MAX_GROUPS", "-5", /^MAX_GROUPS must be a whole number of at least 1/],
  ["MAX_QUERY_DEPTH", "1e3", /^MAX_QUERY_DEPTH must be a whole number/],
  ["MAX_INPUT_DEPTH", "ten", /^MAX_INPUT_DEPTH must be a whole number/],
  ["MAX_QUERY_FIELDS", "0x10", /^MAX_QUERY_FIELDS must be a whole number/],
  ["MAX_QUERY_ROWS", "20k", /^MAX_QUERY_ROWS must be a whole number of at least 1 \(it is "20k"\)$/],
  ["MAX_ANSWER_BYTES", "32MB", /^MAX_ANSWER_BYTES must be a whole number from 1 to 500000000 \(it is "32MB"\)$/],
  ["MAX_ANSWER_BYTES", "0", /^MAX_ANSWER_BYTES must be a whole number from 1 to 500000000 \(it is "0"\)$/],
  // an answer that large is a few times as much in the server's memory as it is built and sent
  ["MAX_ANSWER_BYTES", "500000001", /^MAX_ANSWER_BYTES must be a whole number from 1 to 500000000 \(it is "500000001"\)$/],
  ["DATABASE_POOL_SIZE", "2.5", /^DATABASE_POOL_SIZE must be a whole number of at least 1/],
  // a clinic's storage for finished exports: a size with a unit, none at all, or past a terabyte
  ["EXPORT_STORAGE_PER_CLINIC_MB", "2GB", /^EXPORT_STORAGE_PER_CLINIC_MB must be a whole number from 1 to 1048576 \(it is "2GB"\)$/],
  ["EXPORT_STORAGE_PER_CLINIC_MB", "0", /^EXPORT_STORAGE_PER_CLINIC_MB must be a whole number from 1 to 1048576 \(it is "0"\)$/],
  ["EXPORT_STORAGE_PER_CLINIC_MB", "1048577", /^EXPORT_STORAGE_PER_CLINIC_MB must be a whole number from 1 to 1048576 \(it is "1048577"\)$/],
  ["SESSION_TTL_SECONDS", "30", /^SESSION_TTL_SECONDS must be a whole number from 60 to 34560000/],
  // a download's deadline with a unit, or past Node's largest timer (which fires at once: every download cut at its start)
  ["DOWNLOAD_STALL_MS", "60s", /^DOWNLOAD_STALL_MS must be a whole number from 1 to 2147483647 \(it is "60s"\)$/],
  ["DOWNLOAD_STALL_MS", "3000000000", /^DOWNLOAD_STALL_MS must be a whole number from 1 to 2147483647/],
  ["EMBEDDED_PG_PORT", "5432x", /^EMBEDDED_PG_PORT must be a whole number from 1 to 65535 \(it is "5432x"\)$/],
  ["PDF_RENDER_TIMEOUT_MS", "20s", /^PDF_RENDER_TIMEOUT_MS must be a whole number from 1 to 2147483647 \(it is "20s"\)$/],
  // a render's time limit past Node's largest timer (which fires at once): every PDF export failed as taking too long
  ["PDF_RENDER_TIMEOUT_MS", "9999999999", /^PDF_RENDER_TIMEOUT_MS must be a whole number from 1 to 2147483647 \(it is "9999999999"\)$/],
  ["EMBEDDED_PG_DATABASE", "Clinic", badDatabaseName("EMBEDDED_PG_DATABASE", "Clinic")],
  // values that started and then failed every request, or ran as something else
  ["STATEMENT_TIMEOUT_MS", "3000000000", /^STATEMENT_TIMEOUT_MS must be a whole number from 1 to 2147483647/],
  // a timer of the query's time fired at once (Node's largest is 2147483647 ms): every query answered TIMEOUT
  ["QUERY_TIMEOUT_MS", "3000000000", /^QUERY_TIMEOUT_MS must be a whole number from 1 to 2147483647/],
  ["SESSION_TTL_SECONDS", "315360000000", /^SESSION_TTL_SECONDS must be a whole number from 60 to 34560000/],
  ["NODE_ENV", "prod", /^NODE_ENV must be production, development or test, or be left unset \(it is "prod"\)$/],
  ["WORKER", "false", /^WORKER must be on or off, or be left unset \(it is "false"\)$/],
  ["GRAPHILE_ENV", "dev", /^GRAPHILE_ENV must be production, development or test, or be left unset \(it is "dev"\)$/],
  ["LOG_LEVEL", "verbose", /^LOG_LEVEL must be debug, info, warn, error or silent, or be left unset \(it is "verbose"\)$/],
  ["CLINICOPS_AUDIT_LOG", "yes", /^CLINICOPS_AUDIT_LOG must be sealed or unsealed, or be left unset \(it is "yes"\)$/],
  ["TRUST_PROXY", "yes", /^TRUST_PROXY must be a number of proxies or their addresses/],
  ["TRUST_PROXY", "10.0.0.0/33", /^TRUST_PROXY must be a number of proxies or their addresses/],
  // a number among addresses was express's address 0.0.0.N: no proxy believed, every client the proxy's address (one
  // lock-out of 20 failed logins for all), the very mistake a lone `1` was read as before it was taken for a number
  ["TRUST_PROXY", "1, 2", /^TRUST_PROXY is a number of proxies alone, or their addresses: "1" among addresses would be the address 0\.0\.0\.1/],
  ["TRUST_PROXY", "loopback,1", /^TRUST_PROXY is a number of proxies alone, or their addresses: "1" among addresses would be the address 0\.0\.0\.1/],
  ["DATABASE_URL", "notaurl", /^DATABASE_URL must be a URL such as postgres:\/\/user:password@host:5432\/clinicops$/],
  ["DATABASE_URL", "postgres://db/Bad-Name", badDatabaseName("DATABASE_URL", "Bad-Name")],
])("%s=%s is refused, naming the variable", (name, value, message) => {
  expect(() => serverSettings({ [name]: value }, "")).toThrow(message);
});

test("TRUST_PROXY takes a number of proxies, or a list of their addresses and subnets", () => {
  expect(serverSettings({ TRUST_PROXY: " 1 " }, "").trustProxy).toBe(1);
  expect(serverSettings({ TRUST_PROXY: "loopback, 10.0.0.0/8" }, "").trustProxy).toBe("loopback, 10.0.0.0/8");
});

test("a word setting given empty is taken as unset, as a number is", () => {
  expect(() => serverSettings({ LOG_LEVEL: "", WORKER: "", GRAPHILE_ENV: "", CLINICOPS_AUDIT_LOG: "" }, "")).not.toThrow();
});

// unlike other settings: an empty secret is most often a variable a compose file or a script did not
// fill in, and each process would generate its own (the server and the worker locked out of each other)
// (the role passwords' refusal: "worker/main.ts refuses DATABASE_AUTHENTICATOR_PASSWORD="" …" below)
test("a JWT secret given empty is refused, not taken as unset", () => {
  expect(() => serverSettings({ JWT_SECRET: "" }, "g".repeat(48))).toThrow(/^JWT_SECRET must have at least 32 characters$/);
});

test("a JWT secret of 31 characters is refused, in production too; one of 32 is taken (docs/operations.md: 32+ random characters)", () => {
  for (const env of [{}, { NODE_ENV: "production" }]) {
    expect(() => serverSettings({ ...env, JWT_SECRET: "s".repeat(31) }, "g".repeat(48))).toThrow(/^JWT_SECRET must have at least 32 characters$/);
    expect(serverSettings({ ...env, JWT_SECRET: "s".repeat(32) }, "g".repeat(48)).jwtSecret).toBe("s".repeat(32));
  }
});

// in production the secret is the operator's (docs/operations.md's checklist: required), not the one generated into the
// data folder, which a server and a worker of separate folders do not share and a new data folder replaces (every
// session then ended); outside production the generated one is taken
test("in production a JWT secret is required: without one the start is refused, not signed with the generated one", () => {
  // and how to give one (it said "is required" alone, and the next start was refused for a secret too short)
  expect(() => serverSettings({ NODE_ENV: "production" }, "g".repeat(48))).toThrow(
    /^JWT_SECRET is required when NODE_ENV=production: set it to 32 or more random characters \(openssl rand -base64 48\), the same for every server of the database$/,
  );
  expect(serverSettings({}, "g".repeat(48)).jwtSecret).toBe("g".repeat(48));
});

test("npm run worker:once without RUN_ONCE_OWNER_URL says so in one line, and fails", () => {
  const once = spawnSync(process.execPath, [projectPath("worker/run-once.ts")], { cwd: projectPath(), env: { ...process.env, RUN_ONCE_OWNER_URL: undefined }, encoding: "utf8" });
  expect({ status: once.status, stderr: once.stderr }).toEqual({ status: 1, stderr: "RUN_ONCE_OWNER_URL must name the database owner's connection (postgres://owner:…@host/db)\n" });
});

test("npm run worker:once on a database it cannot reach says so in one line, and fails", () => {
  const url = "postgres://owner:secret@127.0.0.1:1/clinicops"; // port 1: no PostgreSQL listens there
  const once = spawnSync(process.execPath, [projectPath("worker/run-once.ts")], { cwd: projectPath(), env: { ...process.env, RUN_ONCE_OWNER_URL: url }, encoding: "utf8" });
  expect({ status: once.status, stderr: once.stderr }).toEqual({ status: 1, stderr: expect.stringMatching(/^cannot run the due jobs on RUN_ONCE_OWNER_URL's database: connect ECONNREFUSED 127\.0\.0\.1:\d+\n$/) });
});

test("the audit log is left unsealed only outside production (npm run dev sets CLINICOPS_AUDIT_LOG=unsealed)", () => {
  expect(serverSettings({ CLINICOPS_AUDIT_LOG: "unsealed" }, "").auditLogUnsealed).toBe(true);
  expect(serverSettings({}, "").auditLogUnsealed).toBe(false);
  expect(() => serverSettings({ CLINICOPS_AUDIT_LOG: "unsealed", NODE_ENV: "production", JWT_SECRET: "x".repeat(32) }, "")).toThrow(
    /^CLINICOPS_AUDIT_LOG=unsealed is for npm run dev only/,
  );
});

test("whole numbers in range are taken as given, and unset ones take their defaults", () => {
  const given = serverSettings({ PORT: "0", STATEMENT_TIMEOUT_MS: " 250 ", QUERY_TIMEOUT_MS: "900", MAX_PAGE_SIZE: "7", DATABASE_POOL_SIZE: "3", SESSION_TTL_SECONDS: "60", MAX_ANSWER_BYTES: "500000000", MAX_QUERY_ROWS: "10" }, "");
  expect(given).toMatchObject({ port: 0, statementTimeoutMs: 250, queryTimeoutMs: 900, maxPageSize: 7, databasePoolSize: 3, sessionTtlSeconds: 60, maxAnswerBytes: 500_000_000, maxQueryRows: 10 });
  expect(serverSettings({ MAX_ANSWER_BYTES: "1" }, "").maxAnswerBytes).toBe(1);
  expect(serverSettings({ EXPORT_STORAGE_PER_CLINIC_MB: "1" }, "").exportStoragePerClinicMb).toBe(1);
  expect(serverSettings({ EXPORT_STORAGE_PER_CLINIC_MB: "1048576" }, "").exportStoragePerClinicMb).toBe(1_048_576);
  expect(serverSettings({ PORT: "" }, "")).toMatchObject({
    port: 8000, databasePoolSize: 20, sessionTtlSeconds: 43200, statementTimeoutMs: 5000, queryTimeoutMs: 15000,
    maxPageSize: 100, maxGroups: 1000, maxQueryDepth: 12, maxInputDepth: 32, maxQueryFields: 500, maxAnswerBytes: 32_000_000,
    exportStoragePerClinicMb: 2048, maxQueryRows: 20_000,
  });
});

// `??` took an empty value for a folder: the current one, where a command wrote secrets.json
test("a folder or file setting given empty is taken as unset, as every setting is", () => {
  const dataFolder = dataDir({});
  expect(dataDir({ CLINICOPS_DATA_DIR: "" })).toBe(dataFolder);
  expect(exportsDir({ EXPORTS_DIR: "" })).toBe(exportsDir({}));
  expect(auditAnchorsFile({ AUDIT_ANCHORS_FILE: "" })).toBe(auditAnchorsFile({}));
  expect(exportsDir({ CLINICOPS_DATA_DIR: "" })).toBe(join(dataFolder, "exports"));
});

// operations.md has an operator change a role's password in secrets.json: a trailing comma ended every command with
// "Expected double-quoted property name in JSON at position 24 (line 3 column 1)", naming no file
test("a secrets.json edited into what is not its secrets is refused, naming the file, and left as it is", () => {
  const dataDir = temporaryFolder("secrets");
  const file = join(dataDir, "secrets.json");
  for (const [written, said] of [
    ['{\n  "jwtSecret": "a-secret-of-well-over-thirty-two-characters",\n}\n', `${file} is not valid JSON, so its secrets cannot be read (`],
    ["null\n", `${file} must hold one JSON object, {"jwtSecret": "…", …}`],
    ['{ "ownerPassword": 12345678 }\n', PASSWORD_FORM_WORDS(`ownerPassword in ${file}`)],
    ['{ "authenticatorPassword": null }\n', PASSWORD_FORM_WORDS(`authenticatorPassword in ${file}`)],
    // held to JWT_SECRET's rule: it signed every session with a key JWT_SECRET itself is refused
    ['{ "jwtSecret": "short-secret" }\n', `jwtSecret in ${file} must have at least 32 characters, as JWT_SECRET must`],
  ]) {
    writeFileSync(file, written);
    const migrated = runCli(["migrate"], { CLINICOPS_DATA_DIR: dataDir });
    expect({ status: migrated.status, said: migrated.stderr.trim().slice(0, said.length), lines: migrated.stderr.trim().split("\n").length, kept: readFileSync(file, "utf8") }).toEqual({
      status: 1,
      said,
      lines: 1,
      kept: written,
    });
  }
});

// secrets.json was written in place: a write cut short (a full disk, a process killed in it) left it empty, the secrets
// it held before gone (the embedded server's password with them: that server never opened again), and a first start's
// empty file refused every later command as "not valid JSON"
test("a secrets.json that cannot be written whole is left as it was, or not made, and the command says which file", () => {
  const dataDir = temporaryFolder("secrets");
  const file = join(dataDir, "secrets.json");
  // `ulimit -f 0`: no file of the command's may grow, as on a full disk
  const startOnFullDisk = () =>
    spawnSync("sh", ["-c", 'ulimit -f 0 && exec "$@"', "sh", process.execPath, projectPath("server/main.ts")], {
      cwd: projectPath(),
      env: { ...process.env, DATABASE_URL: NOWHERE("clinicops"), CLINICOPS_DATA_DIR: dataDir },
      encoding: "utf8",
      timeout: 30_000,
    });
  const startedNew = startOnFullDisk();
  expect({ status: startedNew.status, said: startedNew.stderr.trim().startsWith(`${file} could not be written (`), folder: readdirSync(dataDir) }).toEqual({
    status: 1,
    said: true,
    folder: [],
  });
  // its jwtSecret removed for a new one: the file is written anew, with the secrets it holds
  const kept = '{ "ownerPassword": "the-owner-password", "authenticatorPassword": "the-authenticator-password", "embeddedPassword": "the-embedded-password" }\n';
  writeFileSync(file, kept);
  const started = startOnFullDisk();
  expect({ status: started.status, lines: started.stderr.trim().split("\n").length, kept: readFileSync(file, "utf8"), folder: readdirSync(dataDir) }).toEqual({
    status: 1,
    lines: 1,
    kept,
    folder: ["secrets.json"],
  });
  const written = loadSecrets({ CLINICOPS_DATA_DIR: dataDir, DATABASE_URL: "postgres://db/clinicops" }); // with room: written whole
  expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ ...JSON.parse(kept), jwtSecret: written.jwtSecret });
});

// a secrets.json that is a link to a file not there (a secrets volume not mounted yet, a folder copied without what the
// link names): since secrets.json is linked, not renamed, where none is found (made meanwhile by another command), the
// link refused each new file and loadSecrets read the folder again, finding none, without end: a minute of secrets written
// and fsynced, then "Maximum call stack size exceeded". It is refused at once, naming the file and where it leads
test("a secrets.json linking to a file that is not there is refused, naming both, and left as it is", () => {
  const dataDir = temporaryFolder("secrets");
  const file = join(dataDir, "secrets.json");
  const target = join(dataDir, "volume", "secrets.json");
  symlinkSync(target, file);
  expect(() => loadSecrets({ CLINICOPS_DATA_DIR: dataDir, DATABASE_URL: "postgres://db/clinicops" })).toThrow(
    `${file} could not be written (it is a link to ${target}, which is not there), and is left as it was`,
  );
  expect({ link: readlinkSync(file), folder: readdirSync(dataDir) }).toEqual({ link: target, folder: ["secrets.json"] });
}, 120_000);

// commands started at once on a new data folder (`npm start` and `npm run worker` from one script) each found no
// secrets.json, generated secrets of their own and wrote them, the last one's kept: the others went on with theirs, the
// role passwords set back and forth (each connection of the other process then refused), and with the embedded
// PostgreSQL the password the first made its server with lost from the file for good
test("commands reading a new data folder's secrets at once all have the secrets of the one secrets.json written", async () => {
  const dataDir = temporaryFolder("secrets");
  const gate = join(temporaryFolder("secrets-gate"), "gate");
  expect(spawnSync("mkfifo", [gate]).status).toBe(0);
  // each waits at the gate (a FIFO's open, which every reader leaves at the same moment), then reads its secrets
  const reader = `import { readFileSync } from "node:fs"; import { loadSecrets } from ${JSON.stringify(projectPath("db/config.ts"))};
    console.log("ready"); readFileSync(${JSON.stringify(gate)}); console.log(JSON.stringify(loadSecrets()));`;
  const readers = Array.from({ length: 6 }, () => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", reader], {
      env: { ...process.env, DATABASE_URL: "postgres://db/clinicops", CLINICOPS_DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    return { ready: () => out.startsWith("ready\n"), secrets: once(child, "exit").then(() => out.split("\n")[1]) };
  });
  for (let tries = 0; tries < 600 && !readers.every(({ ready }) => ready()); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 200)); // each from its "ready" to the gate
  writeFileSync(gate, "go");
  const had = await Promise.all(readers.map(({ secrets }) => secrets));
  const written = JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8"));
  expect(had.map((line) => JSON.parse(line))).toEqual(had.map(() => written));
}, 60_000);

// removed (for a new JWT secret, say) or left behind in a copy of the folder, secrets.json was written anew with another
// password for the embedded server, which then refused every command ("password authentication failed"), its own lost
test("a data folder whose embedded PostgreSQL's password secrets.json no longer holds is refused, naming the file, and nothing is written", () => {
  const dataDir = temporaryFolder("secrets");
  chmodSync(dataDir, 0o755); // one the embedded server may use, as root too
  mkdirSync(join(dataDir, "postgres"));
  writeFileSync(join(dataDir, "postgres", "PG_VERSION"), "17\n"); // what initdb leaves
  const file = join(dataDir, "secrets.json");
  const refusal = (why: string) =>
    `The embedded PostgreSQL in ${join(dataDir, "postgres")} opens only with the password it was made with, kept in ${file}, which ${why}: ` +
    `put back that folder's secrets.json (a copy of the data folder has it), or start afresh by removing ${dataDir} with nothing running (its data goes with it)`;
  expect(() => loadSecrets({ CLINICOPS_DATA_DIR: dataDir })).toThrow(refusal("is not there"));
  expect(readdirSync(dataDir)).toEqual(["postgres"]);
  const kept = '{ "ownerPassword": "the-owner-password" }\n';
  writeFileSync(file, kept);
  expect(() => loadSecrets({ CLINICOPS_DATA_DIR: dataDir })).toThrow(refusal("has no embeddedPassword"));
  expect(readFileSync(file, "utf8")).toBe(kept);
  // on a server of DATABASE_URL's, the embedded one's password is not needed
  expect(loadSecrets({ CLINICOPS_DATA_DIR: dataDir, DATABASE_URL: "postgres://db/clinicops" }).ownerPassword).toBe("the-owner-password");
});

test("a database name that cannot make role names is refused, naming the variable that gave it", () => {
  const passwords = { ownerPassword: "o", authenticatorPassword: "a" };
  expect(() => databaseConfig("postgres://db/Clinic", passwords)).toThrow(badDatabaseName("DATABASE_URL", "Clinic"));
  expect(() => databaseConfig("postgres://db/1st", passwords, "BENCH_DATABASE_URL")).toThrow(badDatabaseName("BENCH_DATABASE_URL", "1st"));
  expect(databaseConfig("postgres://db/clinic_2", passwords).databaseName).toBe("clinic_2");
});

test("a connection's error names the server at its address, as the setting that gave it or as the embedded one", () => {
  const passwords = { ownerPassword: "o", authenticatorPassword: "a" };
  expect(databaseConfig("postgres://db/clinic", passwords).server).toBe("the PostgreSQL at db:5432 that DATABASE_URL names");
  expect(databaseConfig("postgres://postgres@127.0.0.1:54329/clinic", passwords, "EMBEDDED_PG_DATABASE", (address) => `the embedded PostgreSQL at ${address}`).server).toBe(
    "the embedded PostgreSQL at 127.0.0.1:54329",
  );
  // node-postgres connects to the query's host and port before the URL's own; a unix socket's folder is named as a folder
  expect(databaseConfig("postgres://db:5432/clinic?host=replica&port=6543", passwords).server).toBe("the PostgreSQL at replica:6543 that DATABASE_URL names");
  expect(databaseConfig("postgres:///clinic?host=/var/run/postgresql&port=5433", passwords).server).toBe("the PostgreSQL at /var/run/postgresql:5433 that DATABASE_URL names");
  expect(databaseConfig("postgres://%2Fvar%2Frun%2Fpostgresql/clinic", passwords).server).toBe("the PostgreSQL at /var/run/postgresql:5432 that DATABASE_URL names");
});

/**
 * `script` (with `args`) started as an operator would, with a data folder of its own and `env`, and
 * no DATABASE_URL (the embedded PostgreSQL's case) unless `env` gives one: how it ended, its last
 * line on stderr, and what it left in the data folder.
 */
/** A data folder the embedded server's user may enter (as root, a private one is refused first: tests/db/embedded-database.test.ts). */
function openDataDir(): string {
  const dir = temporaryFolder("settings");
  chmodSync(dir, 0o755);
  return dir;
}

function startOnce(script: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  const dataDir = openDataDir();
  const started = spawnSync(process.execPath, [projectPath(script), ...args], {
    cwd: projectPath(),
    // the embedded PostgreSQL's port, which a new data folder's start checks first, one nothing listens on: none of these
    // starts a database, and a developer's own npm start on the default 54329 made them answer "port taken"
    env: { ...process.env, DATABASE_URL: undefined, EMBEDDED_PG_PORT: "1", CLINICOPS_DATA_DIR: dataDir, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: started.status, stderr: started.stderr, error: started.stderr.trim().split("\n").at(-1), dataFolder: readdirSync(dataDir) };
}

/** A server that refuses connections. */
const NOWHERE = (database: string) => `postgres://postgres@127.0.0.1:1/${database}`;
// the server and the setting that named it, where it was node's bare "connect ECONNREFUSED 127.0.0.1:1"
const UNREACHABLE = "Cannot connect to the PostgreSQL at 127.0.0.1:1 that DATABASE_URL names: connect ECONNREFUSED 127.0.0.1:1";

test("npm start refuses a bad setting before starting a database", () => {
  // its secrets are read first (a generated JWT secret is the default); no embedded PostgreSQL was set up
  expect(startOnce("server/main.ts", { PORT: "eighty" })).toMatchObject({
    status: 1,
    stderr: 'PORT must be a whole number from 0 to 65535 (it is "eighty")\n',
    dataFolder: ["secrets.json"],
  });
});

// the worker read PDF_RENDER_TIMEOUT_MS once the embedded PostgreSQL had been started and migrated
test.each([
  ["PDF_RENDER_TIMEOUT_MS", "abc", 'PDF_RENDER_TIMEOUT_MS must be a whole number from 1 to 2147483647 (it is "abc")'],
  ["EMBEDDED_PG_PORT", "5432x", 'EMBEDDED_PG_PORT must be a whole number from 1 to 65535 (it is "5432x")'],
  ["EMBEDDED_PG_DATABASE", "Clinic", badDatabaseName("EMBEDDED_PG_DATABASE", "Clinic")],
])("npm run worker refuses %s=%s before starting a database", (name, value, message) => {
  expect(startOnce("worker/main.ts", { [name]: value })).toMatchObject({ status: 1, stderr: `${message}\n`, dataFolder: [] });
});

// a password PostgreSQL's own clients normalise (psql's SASLprep) where node-postgres sends it as typed, or none at all
test.each([
  ["server/main.ts", "DATABASE_OWNER_PASSWORD", "Pässwort-der-Klinik"],
  ["worker/main.ts", "DATABASE_AUTHENTICATOR_PASSWORD", ""],
])("%s refuses %s=%j before starting a database", (script, name, value) => {
  expect(startOnce(script, { [name]: value })).toMatchObject({ status: 1, stderr: `${PASSWORD_FORM_WORDS(name)}\n`, dataFolder: [] });
});

test.each(["server/main.ts", "worker/main.ts"])("%s that cannot set up its database ends in one line saying why, not a stack trace", (script) => {
  const started = startOnce(script, { LOG_LEVEL: undefined, DATABASE_URL: NOWHERE("clinicops_nowhere") });
  const lines = started.stderr.trim().split("\n").map((line) => JSON.parse(line));
  expect({ status: started.status, lines }).toEqual({
    status: 1,
    lines: [expect.objectContaining(script.startsWith("server") ? { event: "start", message: UNREACHABLE } : { message: "start", meta: { message: UNREACHABLE } })],
  });
});

// LOG_LEVEL=silent muted the one line: the process ended with 1 and no word
test.each(["server/main.ts", "worker/main.ts"])("%s says why its start failed with LOG_LEVEL=silent too", (script) => {
  expect(startOnce(script, { LOG_LEVEL: "silent", DATABASE_URL: NOWHERE("clinicops_nowhere") })).toMatchObject({
    status: 1,
    stderr: `${UNREACHABLE}\n`,
  });
});

test("a command that sets up its database names the server it cannot connect to, and the setting", () => {
  const migrated = runCli(["migrate"], { DATABASE_URL: NOWHERE("clinicops_nowhere") });
  expect({ status: migrated.status, stderr: migrated.stderr }).toEqual({ status: 1, stderr: `${UNREACHABLE}\n` });
});

test("a bad EMBEDDED_PG_DATABASE is named, before the embedded PostgreSQL is set up (the commands have it checked where it is read)", () => {
  // it was refused as a bad DATABASE_URL, once initdb had made the server's folder and started it
  const dataDir = openDataDir();
  const migrated = runCli(["migrate"], { DATABASE_URL: undefined, CLINICOPS_DATA_DIR: dataDir, EMBEDDED_PG_DATABASE: "Clinic" });
  expect({ status: migrated.status, error: migrated.stderr.trim().split("\n").at(-1), dataFolder: readdirSync(dataDir) }).toEqual({
    status: 1,
    error: badDatabaseName("EMBEDDED_PG_DATABASE", "Clinic"),
    dataFolder: ["secrets.json"],
  });
});

const SIXTEEN_CLIENTS =
  "the 16 clients at once log in as the receptionists of clinics 1 to 16 of the large database, which must all be clinics of 1,000 patients (clinic BENCH_CLINICS + 1 has 20,000)";

// read with Number(), unchecked: `1k` ran on as NaN; here the benchmark database's server is one that cannot be reached
test.each([
  ["bench/billing.ts", "BENCH_PAYMENTS_PER_CLIENT", "0", 'BENCH_PAYMENTS_PER_CLIENT must be a whole number of at least 1 (it is "0")'],
  ["bench/billing.ts", "BENCH_INVOICES", "abc", 'BENCH_INVOICES must be a whole number of at least 1 (it is "abc")'],
  ["bench/clinic-domain.ts", "BENCH_CLINICS", "1k", `BENCH_CLINICS must be a whole number of at least 16 (it is "1k"): ${SIXTEEN_CLIENTS}`],
  // its 16 clients at once: 12 failed after measuring, 10 after both databases were rebuilt
  ["bench/clinic-domain.ts", "BENCH_CLINICS", "12", `BENCH_CLINICS must be a whole number of at least 16 (it is "12"): ${SIXTEEN_CLIENTS}`],
])("%s refuses %s=%s before it starts", (script, name, value, message) => {
  expect(startOnce(script, { BENCH_DATABASE_URL: NOWHERE("clinicops_bench"), [name]: value })).toMatchObject({ status: 1, error: message });
});

// bench/billing.ts read its sizes as it was imported, so the benchmarks that import its loaders read them too, and refused
// them before starting, naming a variable they do not take (`BENCH_CLINICS=0 npm run bench:reports`)
test.each(["bench/reports.ts", "bench/time-zone-change.ts"])("%s takes none of the billing benchmark's sizes: it goes on to its database", (script) => {
  const billingSizes = { BENCH_CLINICS: "0", BENCH_INVOICES: "abc", BENCH_PAYMENTS_PER_CLIENT: "1k" };
  const started = startOnce(script, { BENCH_DATABASE_URL: NOWHERE("clinicops_bench"), ...billingSizes });
  expect({ status: started.status, sizeRefused: /BENCH_\w+ must be/.test(started.stderr), databaseTried: started.stderr.includes("ECONNREFUSED 127.0.0.1:1") }).toEqual({
    status: 1,
    sizeRefused: false,
    databaseTried: true,
  });
});

// created and migrated the database, added nothing and exited 0 (--clinics abc), or failed after it with a stack trace
test.each([
  [["--clinics", "abc"], '--clinics must be a whole number of at least 1 (it is "abc")'],
  [["--patients", "1.5"], '--patients must be a whole number from 1 to 999999 (it is "1.5"): codes are 6 digits (PAT-000001, VIS-000001)'],
  [["--visits", "-5"], "Option '--visits' argument is ambiguous; bench:data takes --clinics, --patients and --visits, each a whole number (1000, 1000 and 3000 by default)"],
])("bench:data refuses %j before it touches a database", (args, message) => {
  expect(startOnce("bench/dataset.ts", { BENCH_DATABASE_URL: NOWHERE("clinicops_bench") }, args)).toMatchObject({ status: 1, error: message });
});
