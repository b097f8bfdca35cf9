/**
 * README's settings table against the code: every variable the settings read is in the table, and every variable of
 * the table is still read. The variables read are those the code's own readers ask their environment for (an
 * environment that records what it is asked), so a setting added to a reader and not to the table, or left in the
 * table once no reader asks for it, fails here.
 */
import { readFileSync } from "node:fs";
import { auditAnchorsFile } from "../../db/audit-anchors.ts";
import { loadSecrets } from "../../db/config.ts";
import { exportsDir } from "../../db/export-files.ts";
import { projectPath } from "../../db/paths.ts";
import { serverSettings } from "../../server/settings.ts";
import { findBrowser } from "../../worker/pdf/renderer.ts";
import { temporaryFolders } from "../support/temp-folders.ts";

const temporaryFolder = temporaryFolders();

/** Variables of the table read outside the readers below, and the file that reads each from `process.env`. */
const READ_ELSEWHERE: Record<string, string> = {
  TEST_DATABASE_URL: "tests/support/database.ts",
  RUN_ONCE_OWNER_URL: "worker/run-once.ts",
};

/** The names of the variables `read` asks its environment for, every one unset but the data folder (a temporary one: loadSecrets writes there). */
function variablesRead(read: (env: NodeJS.ProcessEnv) => unknown): string[] {
  const asked = new Set<string>();
  const dataFolder = temporaryFolder("data");
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get(_, name) {
      if (typeof name !== "string") return undefined;
      asked.add(name);
      return name === "CLINICOPS_DATA_DIR" ? dataFolder : undefined;
    },
  });
  try {
    read(env);
  } catch {
    // a reader that refuses what it found (no browser on this machine) has asked for its variables all the same
  }
  return [...asked];
}

/** The variables README's "Configuration (environment)" table names in its first column (`A` / `B` rows name two). */
function tableVariables(): string[] {
  const readme = readFileSync(projectPath("README.md"), "utf8");
  const section = readme.split(/^## /m).find((part) => part.startsWith("Configuration (environment)"));
  if (!section) throw new Error("README.md has no section Configuration (environment)");
  const firstCells = section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => line.split("|")[1]);
  return firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map(([, name]) => name));
}

test("README's settings table names every variable the settings read, and no variable they no longer read", () => {
  const read = new Set(
    [
      (env: NodeJS.ProcessEnv) => serverSettings(env, "g".repeat(48)), // the server's, and those every command checks first (checkSettingsReadLater)
      loadSecrets,
      exportsDir,
      auditAnchorsFile,
      findBrowser,
    ].flatMap(variablesRead),
  );
  const table = tableVariables();
  expect(table.length).toBeGreaterThan(20);
  const readElsewhere = Object.keys(READ_ELSEWHERE).filter((name) => readFileSync(projectPath(READ_ELSEWHERE[name]), "utf8").includes(`process.env.${name}`));
  expect({ notInTable: [...read].filter((name) => !table.includes(name)).sort(), notRead: table.filter((name) => !read.has(name) && !readElsewhere.includes(name)) }).toEqual({
    notInTable: [],
    notRead: [],
  });
});
