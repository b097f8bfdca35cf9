/**
 * Where export files live: `<EXPORTS_DIR or data dir/exports>/<clinic id>/<export id>`,
 * shared by the worker that writes them and the server that streams them.
 */
import { resolve } from "node:path";
import { dataDir } from "./config.ts";

export function exportsDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.EXPORTS_DIR ?? resolve(dataDir(env), "exports"));
}

export function exportFile(clinicId: string, exportId: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(exportsDir(env), clinicId, exportId);
}
