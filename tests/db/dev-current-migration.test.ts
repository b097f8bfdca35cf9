/**
 * `npm run dev` with a migrations/current.sql that fails: its error is said once at start, then again at each save.
 * Run in a copy of the project (its migrations folder is the project's own), on a database of its own.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { whileDevRuns } from "../support/cli.ts";
import { ownDatabase } from "../support/database.ts";
import { projectCopy } from "../support/project-copy.ts";
import { temporaryFolders } from "../support/temp-folders.ts";
import { until } from "../support/until.ts";

const temporaryFolder = temporaryFolders();
const database = ownDatabase("dev");
afterAll(() => database.drop());

// dev applied current.sql before starting its server, then its watcher, whose first run (graphile-migrate's watcher always
// makes one) ran a current.sql that had failed again (not recorded as applied): the same error printed twice at each start
test("`npm run dev` says once at start why current.sql fails, and again once it is saved", async () => {
  const copy = projectCopy(temporaryFolder("dev-project"));
  const current = join(copy, "migrations", "current.sql");
  writeFileSync(current, "select first_missing_function();\n");
  const env = { ...process.env, DATABASE_URL: database.url, PORT: "0", CLINICOPS_DATA_DIR: temporaryFolder("dev-data"), LOG_LEVEL: "silent" };
  await whileDevRuns(copy, env, async (output) => {
    const said = (text: string) => output().split(text).length - 1;
    // the watcher's first run has read current.sql once it says it runs it (the apply before it said so too)
    expect(await until(() => said("Running current.sql") >= 2, 150_000, 250)).toBe(true);
    writeFileSync(current, "select second_missing_function();\n");
    // the watcher runs one at a time: the save's run comes after its first's, whose error is said by then
    const why = () => ({ first: said("42883: function first_missing_function() does not exist"), second: said("42883: function second_missing_function() does not exist") });
    expect(await until(() => why().second > 0, 30_000, 250)).toBe(true);
    expect(why()).toEqual({ first: 1, second: 1 }); // before, first: 2
  });
}, 240_000);
