/**
 * A `psql` of a test's own for npm run shell to run: the command's part (its checks, its environment, its end) tested
 * without a terminal.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes into `folder` a `psql` that runs `script` (sh): answers a PATH that finds it first. */
export function pathWithFakePsql(folder: string, script: string): string {
  writeFileSync(join(folder, "psql"), `#!/bin/sh\n${script}\n`);
  chmodSync(join(folder, "psql"), 0o755);
  return `${folder}:${process.env.PATH}`;
}
