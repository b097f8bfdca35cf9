/**
 * `npm run migrate:commit`, its message read as given. Run in a copy of the project (what it commits is the copy's
 * current.sql, never the project's own), on a database of its own.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliEnv } from "../support/cli.ts";
import { closeRootPool, ownDatabase, rootPool } from "../support/database.ts";
import { projectCopy } from "../support/project-copy.ts";
import { temporaryFolders } from "../support/temp-folders.ts";

const temporaryFolder = temporaryFolders();
const database = ownDatabase("commit");
afterAll(async () => {
  await database.drop();
  await closeRootPool();
});

// every argument was taken for the message's words: `npm run migrate:commit -- --message x` committed a migration
// whose message was "--message x", for good (a committed migration is not edited)
test("`npm run migrate:commit` takes --message for the message, and refuses an option it does not know before committing, and leaves no shadow database", async () => {
  const copy = projectCopy(temporaryFolder("commit-project"));
  const committedFolder = join(copy, "migrations", "committed");
  const current = join(copy, "migrations", "current.sql");
  writeFileSync(current, "select 1;\n");
  const committedBefore = readdirSync(committedFolder);
  const commit = (...args: string[]) =>
    spawnSync(process.execPath, [join(copy, "db/cli.ts"), "commit", ...args], {
      cwd: copy,
      encoding: "utf8",
      env: cliEnv(temporaryFolder("commit-data"), { DATABASE_URL: database.url }),
      timeout: 240_000,
    });

  const misspelt = commit("--mesage", "x");
  expect({ status: misspelt.status, said: misspelt.stderr.split(".")[0], committed: readdirSync(committedFolder), current: readFileSync(current, "utf8") }).toEqual({
    status: 1,
    said: "Unknown option '--mesage'",
    committed: committedBefore,
    current: "select 1;\n",
  });

  const committed = commit("--message", "x");
  const added = readdirSync(committedFolder).filter((file) => !committedBefore.includes(file));
  expect({ status: committed.status, added: added.length }).toEqual({ status: 0, added: 1 });
  expect(readFileSync(join(committedFolder, added[0]), "utf8").split("\n").find((line) => line.startsWith("--! Message:"))).toBe("--! Message: x");
  // the shadow database it checked the migrations in is gone: left, it was open to the analysts (afterReset.sql's grant)
  // outside the application database's revocations
  const { rows } = await rootPool().query("select datname from pg_database where datname = $1", [`${database.config.databaseName}_shadow`]);
  expect(rows).toEqual([]);
}, 300_000);
