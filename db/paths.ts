/** Files of the project, wherever it is checked out. */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = fileURLToPath(new URL("..", import.meta.url));

export function projectPath(...parts: string[]): string {
  return resolve(projectRoot, ...parts);
}
