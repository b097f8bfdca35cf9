/**
 * Runs `node db/cli.ts …` against the test database as an operator would, with
 * no terminal; `env` overrides the environment (a variable set to undefined is
 * left out).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectPath } from "../../db/paths.ts";
import { TEST_DATABASE_URL } from "./database.ts";

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [projectPath("db/cli.ts"), ...args], {
    cwd: projectPath(),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_OWNER_PASSWORD: "clinicops-test-owner",
      DATABASE_AUTHENTICATOR_PASSWORD: "clinicops-test-authenticator",
      CLINICOPS_DATA_DIR: mkdtempSync(join(tmpdir(), "clinicops-cli-")),
      DEFAULT_CALLING_CODE: "255",
      ...env,
    },
  });
}
