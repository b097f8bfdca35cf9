/**
 * A copy of the project's code and migrations, its dependencies the project's: a command run there (`npm run dev`,
 * `npm run migrate:commit`) changes the copy's migrations folder, never the project's own.
 */
import { cpSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../db/paths.ts";

/** Copies the project into `folder` (a temporary one, temporaryFolders'), answering it. */
export function projectCopy(folder: string): string {
  for (const part of ["db", "server", "worker", "migrations", ".gmrc", "package.json"]) cpSync(projectPath(part), join(folder, part), { recursive: true });
  symlinkSync(projectPath("node_modules"), join(folder, "node_modules"));
  return folder;
}
