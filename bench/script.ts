/** Running a benchmark step in a Node process of its own. */
import { spawnSync } from "node:child_process";

/** Runs `path` with this Node and returns the last line it printed, parsed as JSON; throws its stderr if it fails. */
export function runScript<T>(path: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env): T {
  const child = spawnSync(process.execPath, [path, ...args], { encoding: "utf8", env });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as T;
}
