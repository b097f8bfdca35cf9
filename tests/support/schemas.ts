/**
 * The two committed descriptions of the API and the database: schema.graphql
 * (printed from PostGraphile) and db/schema.sql (pg_dump of the schemas we
 * own, with role names replaced by graphile-migrate's placeholders).
 */
import { execFileSync } from "node:child_process";
import pg from "pg";
import { postgraphile, type PostGraphileInstance } from "postgraphile";
import { gather } from "postgraphile/graphile-build";
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from "postgraphile/graphql";
import type { DatabaseConfig } from "../../db/config.ts";
import { graphqlPreset } from "../../server/graphql.ts";
import { serverSettings } from "../../server/settings.ts";
import { projectPath } from "../../db/paths.ts";

export const GRAPHQL_SCHEMA_FILE = projectPath("schema.graphql");
export const SQL_SCHEMA_FILE = projectPath("db/schema.sql");

/** The API's preset as the production server makes it, over `pool`. */
const apiPreset = (config: DatabaseConfig, pool: pg.Pool) =>
  graphqlPreset({ pool, settings: serverSettings({ NODE_ENV: "production", JWT_SECRET: "x".repeat(32) }, ""), roles: config.roles });

/** What `use` makes of the API's PostGraphile instance as the production server builds it, released after. */
export async function withApiInstance<T>(config: DatabaseConfig, use: (pgl: PostGraphileInstance) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: config.authenticatorUrl });
  const pgl = postgraphile(apiPreset(config, pool));
  try {
    return await use(pgl);
  } finally {
    await pgl.release();
    await pool.end();
  }
}

/** What `read` makes of the API's schema as the production server builds it. */
export const readApiSchema = <T>(config: DatabaseConfig, read: (schema: GraphQLSchema) => T): Promise<T> =>
  withApiInstance(config, async (pgl) => read(await pgl.getSchema()));

/**
 * The registry of tables and relations the API's preset gathers from `config`'s database, which its GraphQL
 * schema is built from (the build, 2–3 s, left out: for what the registry says).
 */
export async function gatherApiRegistry(config: DatabaseConfig): Promise<GraphileBuild.BuildInput["pgRegistry"]> {
  const pool = new pg.Pool({ connectionString: config.authenticatorUrl });
  try {
    return (await gather(apiPreset(config, pool))).pgRegistry;
  } finally {
    await pool.end();
  }
}

export const printGraphQLSchema = (config: DatabaseConfig): Promise<string> =>
  readApiSchema(config, (schema) => `${printSchema(lexicographicSortSchema(schema))}\n`);

export function dumpSqlSchema(config: DatabaseConfig): string {
  const dump = execFileSync(
    "pg_dump",
    ["--schema-only", "--schema=app_public", "--schema=app_hidden", "--schema=app_private", "--schema=reporting", config.rootUrl],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const { roles } = config;
  return dump
    .split("\n")
    .filter((line) => !/^\\(un)?restrict |^-- Dumped (from|by) /.test(line))
    .join("\n")
    .replaceAll(roles.authenticator, ":DATABASE_AUTHENTICATOR")
    .replaceAll(roles.visitor, ":DATABASE_VISITOR")
    .replaceAll(roles.analyst, ":DATABASE_ANALYST")
    .replaceAll(roles.auditor, ":DATABASE_AUDITOR")
    .replaceAll(roles.owner, ":DATABASE_OWNER");
}
