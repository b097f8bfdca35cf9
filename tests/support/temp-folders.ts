/**
 * Temporary folders for one test file, removed after its tests: left behind,
 * every run added a CLI's secrets and an embedded server's 40–50 MB data
 * folder under /tmp.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Call at a test file's top level: it answers a maker of `/tmp/clinicops-<name>-…` folders, each removed once the file's tests are done. */
export function temporaryFolders(): (name: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (name) => {
    const dir = mkdtempSync(join(tmpdir(), `clinicops-${name}-`));
    made.push(dir);
    return dir;
  };
}
