/**
 * The way every API transaction starts (server/pg-transaction.ts): the role
 * and claims are applied exactly as given, whatever they contain, and live
 * only as long as the transaction, so a pooled connection never carries one
 * request's identity into the next.
 */
import pg from "pg";
import { beginWithSettings, withPgSettings } from "../../server/pg-transaction.ts";
import { closeRootPool, testConfig } from "../support/database.ts";

// one connection: the next transaction is sure to reuse the previous one's
const pool = new pg.Pool({ connectionString: testConfig.authenticatorUrl, max: 1 });
afterAll(async () => {
  await pool.end();
  await closeRootPool();
});

const WHO = "select current_user as role, coalesce(current_setting('jwt.claims.session_id', true), '') as claim";

test("settings reach PostgreSQL literally, quotes and backslashes included", async () => {
  const awkward = String.raw`it's a \'; select 1; --\\ value`;
  const seen = await withPgSettings(pool, { role: testConfig.roles.visitor, "jwt.claims.session_id": awkward }, async (client) =>
    (await client.query(WHO)).rows[0],
  );
  expect(seen).toEqual({ role: testConfig.roles.visitor, claim: awkward });
});

test("settings end with the transaction", async () => {
  await withPgSettings(pool, { role: testConfig.roles.visitor, "jwt.claims.session_id": "a-session" }, async () => {});
  const client = await pool.connect();
  try {
    expect((await client.query(WHO)).rows[0]).toEqual({ role: testConfig.roles.authenticator, claim: "" });
  } finally {
    client.release();
  }
});

test("a failure rolls back everything the transaction did, and the error reaches the caller", async () => {
  const failing = withPgSettings(pool, { "jwt.claims.session_id": "failing" }, async (client) => {
    await client.query("select set_config('clinicops.probe', 'written', false)");
    throw new Error("the work failed");
  });
  await expect(failing).rejects.toThrow("the work failed");
  const client = await pool.connect();
  try {
    const { rows } = await client.query("select current_setting('clinicops.probe', true) as probe");
    expect(rows[0].probe ?? "").toBe("");
  } finally {
    client.release();
  }
});

test("a setting left undefined is not sent, and no settings at all still open a transaction", async () => {
  const client = await pool.connect();
  try {
    await beginWithSettings(client, { "jwt.claims.session_id": undefined });
    const { rows } = await client.query("select now() = statement_timestamp() as new_statement, coalesce(current_setting('jwt.claims.session_id', true), '') as claim");
    expect(rows[0]).toEqual({ new_statement: false, claim: "" });
    await client.query("rollback");
  } finally {
    client.release();
  }
});
