/**
 * Runs `node db/cli.ts …` against the test database as an operator would, with
 * no terminal (or, runCliInTerminal, in one); `env` overrides the environment (a
 * variable set to undefined is left out).
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectPath } from "../../db/paths.ts";
import { TEST_DATABASE_URL } from "./database.ts";

/** The environment of a CLI run: the test database and its passwords, a calling code, the data folder `dataDir`, then `env`. */
export function cliEnv(dataDir: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_OWNER_PASSWORD: "clinicops-test-owner",
    DATABASE_AUTHENTICATOR_PASSWORD: "clinicops-test-authenticator",
    CLINICOPS_DATA_DIR: dataDir,
    DEFAULT_CALLING_CODE: "255",
    ...env,
  };
}

/** A data folder of its own for the secrets a CLI run generates, removed (removeDataDir) as soon as it has run. */
const newDataDir = () => mkdtempSync(join(tmpdir(), "clinicops-cli-"));
const removeDataDir = (dataDir: string) => rmSync(dataDir, { recursive: true, force: true });

/** The command run with no terminal: its stdin nothing, or `input` piped to it (then closed). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
  const dataDir = newDataDir();
  try {
    return spawnSync(process.execPath, [projectPath("db/cli.ts"), ...args], {
      cwd: projectPath(),
      encoding: "utf8",
      input,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      env: cliEnv(dataDir, env),
    });
  } finally {
    removeDataDir(dataDir);
  }
}

/** `word` as one word of a POSIX shell's command line, whatever it holds (spaces, quotes). */
const shellWord = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * Runs `node db/cli.ts …` in a terminal of its own (util-linux's script), as an operator's: each answer typed once
 * its prompt shows at the end of the screen (followed by Enter, unless `enter` is false: the rest typed at a later
 * prompt, as a paste that ends mid-line leaves it). Answers its exit code and what the terminal showed,
 * then that of `afterwards` (a shell command run in the same terminal once the CLI has ended); a prompt not shown, or
 * no end, within 20 s fails, with the screen. `inShell`: the command typed at an interactive bash (no history
 * file), whose job control stops it on Ctrl-Z and brings it back on fg; the answers end that shell (exit).
 */
export async function runCliInTerminal(
  args: string[],
  answers: [prompt: RegExp, typed: string, enter?: boolean][],
  afterwards?: string,
  inShell = false,
): Promise<{ code: number | null; screen: string }> {
  const dataDir = newDataDir();
  // each word quoted: joined as they were, a path or an answer with a space in it was cut in two by script's shell
  const cli = [process.execPath, projectPath("db/cli.ts"), ...args].map(shellWord).join(" ");
  const command = inShell ? "bash --norc --noprofile -i" : afterwards ? `${cli}; code=$?; ${afterwards}; exit $code` : cli;
  const env = cliEnv(dataDir, inShell ? { HISTFILE: "" } : {});
  if (inShell) answers = [[/[$#] $/, cli], ...answers];
  const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: projectPath(), env, stdio: ["pipe", "pipe", "pipe"] });
  let screen = "";
  const exited = once(child, "exit");
  const within = <T>(promise: Promise<T>, what: string) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}, within 20 s:\n${screen}`)), 20_000).unref())]);
  const prompted = (prompt: RegExp) =>
    within(
      new Promise<void>((resolve, reject) => {
        const seen = () => {
          if (!prompt.test(screen)) return;
          child.stdout.off("data", seen);
          resolve();
        };
        child.stdout.on("data", seen);
        seen();
        child.once("exit", () => reject(new Error(`no prompt ${prompt}:\n${screen}`)));
      }),
      `no prompt ${prompt}`,
    );
  try {
    child.stdout.on("data", (chunk) => (screen += chunk));
    for (const [prompt, typed, enter = true] of answers) {
      await prompted(prompt);
      child.stdin.write(enter ? `${typed}\r` : typed);
    }
    const [code] = await within(exited, "no end");
    return { code: code as number | null, screen };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    removeDataDir(dataDir);
  }
}

/**
 * `node db/cli.ts dev` of the project at `cwd`, in a process group of its own: `run` is given what it has said so far
 * (stdout and stderr); then the command is stopped (SIGTERM) and, pass or fail, whatever is left of its group is killed.
 */
export async function whileDevRuns(cwd: string, env: NodeJS.ProcessEnv, run: (output: () => string) => Promise<void>): Promise<void> {
  const dev = spawn(process.execPath, [join(cwd, "db/cli.ts"), "dev"], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  for (const stream of [dev.stdout, dev.stderr]) stream.on("data", (chunk) => (output += chunk));
  const exited = once(dev, "exit");
  try {
    await run(() => output);
    dev.kill("SIGTERM");
    await exited;
  } finally {
    try {
      process.kill(-dev.pid!, "SIGKILL");
    } catch {
      // the group has ended
    }
  }
}
