/**
 * `npm run schema:export`: rebuilds the test database from the migrations and
 * rewrites schema.graphql and db/schema.sql from it. Commit both.
 */
import { writeFileSync } from "node:fs";
import { rebuildTestDatabase, testConfig } from "./database.ts";
import { dumpSqlSchema, GRAPHQL_SCHEMA_FILE, printGraphQLSchema, SQL_SCHEMA_FILE } from "./schemas.ts";

await rebuildTestDatabase();
writeFileSync(GRAPHQL_SCHEMA_FILE, await printGraphQLSchema(testConfig));
writeFileSync(SQL_SCHEMA_FILE, dumpSqlSchema(testConfig));
console.error(`wrote ${GRAPHQL_SCHEMA_FILE} and ${SQL_SCHEMA_FILE}`);
