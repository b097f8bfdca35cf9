/**
 * schema.graphql and db/schema.sql are committed so every API or database
 * change shows in review; this fails when either is stale. Refresh them with
 * `npm run schema:export`.
 */
import { readFileSync } from "node:fs";
import { testConfig } from "../support/database.ts";
import { dumpSqlSchema, GRAPHQL_SCHEMA_FILE, printGraphQLSchema, SQL_SCHEMA_FILE } from "../support/schemas.ts";

test("schema.graphql matches the API built from the migrations", async () => {
  expect(await printGraphQLSchema(testConfig)).toBe(readFileSync(GRAPHQL_SCHEMA_FILE, "utf8"));
});

test("db/schema.sql matches the database built from the migrations", () => {
  expect(dumpSqlSchema(testConfig)).toBe(readFileSync(SQL_SCHEMA_FILE, "utf8"));
});
