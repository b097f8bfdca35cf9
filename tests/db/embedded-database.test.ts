/**
 * The embedded PostgreSQL that `npm start` runs when no DATABASE_URL is given:
 * the other commands (`npm run superuser`, `npm run worker`, `npm run shell`)
 * use the one already running instead of failing to start a second; a port
 * taken by another server is named in a clear error; and, as root, a data
 * folder its unprivileged user cannot reach is named before initdb fails with
 * a bare "Permission denied".
 */
import { chmodSync, mkdirSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { closedFolderAbove } from "../../db/embedded.ts";
import { openDatabase, type OpenDatabase } from "../../db/open.ts";
import { runCli } from "../support/cli.ts";
import { TEST_DATABASE_URL } from "../support/database.ts";

/** A data folder the embedded server's unprivileged user may enter. */
function openDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "clinicops-embedded-"));
  chmodSync(dir, 0o755);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

test("while one process runs the embedded server, a command uses it; the server stops with the process that started it", async () => {
  const env = { CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: String(await freePort()) };
  const running: OpenDatabase = await openDatabase({ env });
  try {
    const superuser = runCli(["superuser", "--phone", "+255799400400", "--password", "embedded-admin-pw"], { ...env, DATABASE_URL: undefined });
    expect(superuser.stderr).toMatch(/already running .*: using it/);
    expect(superuser.stderr).toMatch(/platform admin \+255799400400 is ready/);
    expect(superuser.status).toBe(0);
    // the command's exit left the server up, with the admin it made
    const client = new pg.Client({ connectionString: running.config.rootUrl });
    await client.connect();
    const { rows } = await client.query(`select is_platform_admin from app_public."user" where phone = '+255799400400'`);
    await client.end();
    expect(rows).toEqual([{ is_platform_admin: true }]);
  } finally {
    await running.close();
  }
  expect(await answers(running.config.rootUrl)).toBe(false);
});

test("a port taken by another PostgreSQL is an error that says so, and that server is not used", async () => {
  const port = new URL(TEST_DATABASE_URL).port || "5432";
  await expect(openDatabase({ env: { CLINICOPS_DATA_DIR: openDataDir(), EMBEDDED_PG_PORT: port } })).rejects.toThrow(
    new RegExp(`The embedded PostgreSQL did not start on port ${port} \\(another server on that port\\? set EMBEDDED_PG_PORT, or DATABASE_URL\\): (?!no message).+`),
  );
});

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
