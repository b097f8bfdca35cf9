/**
 * schema.graphql and db/schema.sql are committed so every API or database
 * change shows in review; this fails when either is stale. Refresh them with
 * `npm run schema:export`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { projectPath } from "../../db/paths.ts";
import { buildFromMigrations, ownDatabase, testConfig } from "../support/database.ts";
import { dumpSqlSchema, GRAPHQL_SCHEMA_FILE, printGraphQLSchema, SQL_SCHEMA_FILE } from "../support/schemas.ts";

test("schema.graphql matches the API built from the migrations", async () => {
  expect(await printGraphQLSchema(testConfig)).toBe(readFileSync(GRAPHQL_SCHEMA_FILE, "utf8"));
});

// built in a database of its own: the test database's schema is changed for a moment by other files running at once
// (audit.test.ts unseals and seals the audit log, which changes its owner), and a dump taken then differed
test("db/schema.sql matches the database built from the migrations", async () => {
  const { config, drop } = ownDatabase("schema_files");
  await drop(); // left by a run cut short
  try {
    await buildFromMigrations(config);
    expect(dumpSqlSchema(config)).toBe(readFileSync(SQL_SCHEMA_FILE, "utf8"));
  } finally {
    await drop();
  }
}, 180_000);

// six migrations were named nowhere in it, though the page says it names every one that changed a concept
test("docs/migrations.md names every committed migration", () => {
  const page = readFileSync(projectPath("docs/migrations.md"), "utf8");
  const numbers = readdirSync(projectPath("migrations/committed")).map((file) => file.slice(0, 6));
  const named = new Set([...page.matchAll(/\b0{0,3}(\d{3,6})\b/g)].map(([, digits]) => digits.padStart(6, "0")));
  expect(numbers.filter((number) => !named.has(number))).toEqual([]);
});

// a fragment added after a row's closing bar (000389's) made the row one cell more than its header, shown as its own text
test("docs/migrations.md's rows each have the cells of its header", () => {
  const rows = readFileSync(projectPath("docs/migrations.md"), "utf8").split("\n").filter((line) => line.startsWith("|"));
  const cells = (row: string) => (row.endsWith("|") ? row.split("|").length : -1);
  expect(rows.filter((row) => cells(row) !== cells(rows[0])).map((row) => row.slice(0, 40))).toEqual([]);
});
