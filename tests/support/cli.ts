/**
 * Runs `node db/cli.ts …` against the test database as an operator would, with
 * no terminal; `env` overrides the environment (a variable set to undefined is
 * left out).
 */
import { spawnSync } from "node:child_process";
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

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  // a data folder of its own for the secrets it generates, removed as soon as it has run
  const dataDir = mkdtempSync(join(tmpdir(), "clinicops-cli-"));
  try {
    return spawnSync(process.execPath, [projectPath("db/cli.ts"), ...args], {
      cwd: projectPath(),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: cliEnv(dataDir, env),
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
