/**
 * Where export files live: `<EXPORTS_DIR or data dir/exports>/<clinic id>/<export id>`,
 * shared by the worker that writes them and the server that streams them.
 */
import { chmod, mkdir, readdir } from "node:fs/promises";
import { resolve } from "node:path";
import { dataDir } from "./config.ts";
import { isUuid } from "./uuid.ts";

/** EXPORTS_DIR, or the data folder's; empty is unset (it was the current folder). */
export function exportsDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.EXPORTS_DIR || resolve(dataDir(env), "exports"));
}

export function exportFile(clinicId: string, exportId: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(exportsDir(env), clinicId, exportId);
}

/** An export file's mode: its clinic's patients, payments and invoices, for the process that serves them alone (as secrets.json). */
export const EXPORT_FILE_MODE = 0o600;

/**
 * Makes the folder of `clinicId`'s exports, it and the exports folder closed to other users of the
 * machine (0700), those made before too: they were 0755, their files 0644, readable by any account.
 */
export async function makeExportFolder(clinicId: string): Promise<void> {
  const folder = resolve(exportsDir(), clinicId);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  for (const made of [exportsDir(), folder]) await chmod(made, 0o700);
}

/**
 * Closes the export files made before they were closed at birth (0644 in 0755 folders) to other
 * users of the machine, at the worker's start: a folder was closed only once an export was next made
 * in it. Nothing to do when there is no exports folder yet. What cannot be closed (a folder mounted
 * read-only, files of another account) is answered, each with why, for the worker to warn of: it ended
 * the worker's start, and `npm start`'s with it, in a stack trace.
 */
export async function closeExportFiles(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const unclosed: string[] = [];
  const attempt = async <T>(path: string, step: () => Promise<T>): Promise<T | null> => {
    try {
      return await step();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") unclosed.push(`${path}: ${(error as Error).message}`);
      return null;
    }
  };
  const root = exportsDir(env);
  const clinics = await attempt(root, () => readdir(root, { withFileTypes: true }));
  if (!clinics) return unclosed;
  await attempt(root, () => chmod(root, 0o700));
  for (const clinic of clinics.filter((entry) => entry.isDirectory())) {
    const folder = resolve(root, clinic.name);
    await attempt(folder, () => chmod(folder, 0o700));
    for (const file of (await attempt(folder, () => readdir(folder, { withFileTypes: true }))) ?? []) {
      if (file.isFile()) await attempt(resolve(folder, file.name), () => chmod(resolve(folder, file.name), EXPORT_FILE_MODE));
    }
  }
  return unclosed;
}

/**
 * The file attempt `attemptId` of the export writes (`<export id>.<attempt id>.part`), renamed to the export's file by
 * the attempt that marks it done: one per attempt, so that an attempt that outlived its turn (its lock gone with its
 * database connection, another attempt since) never writes into, nor truncates, the file another attempt puts in place.
 */
export function exportPartFile(clinicId: string, exportId: string, attemptId: string, env: NodeJS.ProcessEnv = process.env): string {
  return `${exportFile(clinicId, exportId, env)}.${attemptId}.part`;
}

/**
 * A file of an export in the folder of clinic `clinicId`: the export's own (`<export id>`), or a half-written one
 * (`part`) of attempt `attemptId` (`<export id>.<attempt id>.part`; null for `<export id>.part`, as attempts named them
 * before).
 */
export interface ExportFolderFile {
  clinicId: string;
  exportId: string;
  part: boolean;
  attemptId: string | null;
  path: string;
}

/**
 * The files of exports in the clinics' folders (those named by a clinic's id, as makeExportFolder names them), whole and
 * half-written, named as above; nothing else there is one. A folder that cannot be read (one of another account, closed
 * to this one, as a start's closeExportFiles may leave it) is given to `unreadable` with why, and the others are read: it
 * ended the listing, so the hourly sweep removed no file of any clinic, at each of its runs. A folder gone meanwhile has
 * nothing to list.
 */
export async function exportFolderFiles(unreadable: (folder: string, error: Error) => void): Promise<ExportFolderFile[]> {
  const root = exportsDir();
  const listed = async <T>(folder: string, list: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await list();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") unreadable(folder, error as Error); // ENOENT: no export made yet, or a folder gone since listed
      return [];
    }
  };
  const files: ExportFolderFile[] = [];
  const clinics = await listed(root, () => readdir(root, { withFileTypes: true }));
  for (const clinic of clinics.filter((entry) => entry.isDirectory() && isUuid(entry.name))) {
    const folder = resolve(root, clinic.name);
    for (const name of await listed(folder, () => readdir(folder))) {
      const part = name.endsWith(".part");
      const [exportId, attemptId = null, ...rest] = name.replace(/\.part$/, "").split(".");
      if (rest.length === 0 && isUuid(exportId) && (attemptId === null || (part && isUuid(attemptId)))) {
        files.push({ clinicId: clinic.name, exportId, part, attemptId, path: resolve(folder, name) });
      }
    }
  }
  return files;
}
