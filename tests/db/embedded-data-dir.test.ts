/**
 * As root, the embedded PostgreSQL runs as an unprivileged user; a data folder
 * that user cannot reach is named in a clear error before initdb fails with a
 * bare "Permission denied".
 */
import { chmodSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closedFolderAbove } from "../../db/embedded.ts";

test("a private folder on the way to the data is found; once opened, none is", () => {
  const parent = mkdtempSync(join(tmpdir(), "clinicops-data-")); // mode 0700
  const databaseDir = join(parent, "data", "postgres"); // not created yet
  expect(closedFolderAbove(databaseDir)).toBe(parent);
  chmodSync(parent, 0o755);
  expect(closedFolderAbove(databaseDir)).toBeNull();
  // the database folder itself is initdb's, private to the server's user: that is expected
  mkdirSync(join(parent, "data"));
  chmodSync(join(parent, "data"), 0o755);
  mkdirSync(databaseDir);
  chmodSync(databaseDir, 0o700);
  expect(closedFolderAbove(databaseDir)).toBeNull();
});
