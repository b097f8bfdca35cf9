/**
 * A start runs as the superuser, and the owner role (the worker's and the migrations' role, which owns
 * ClinicOps' schemas, `public` and the database) may have left code where the superuser would run it
 * with its rights: a view in place of one of its tables, an index whose predicate the planner computes,
 * a function in `public` put first on the database's search_path. Made a superuser, it could rewrite the
 * audit log it may only append to (decision 005). So do `npm run analyst` and `npm run audit:verify`.
 */
import pg from "pg";
import { grantAnalyst, revokeAnalyst } from "../../db/analyst-logins.ts";
import { verifyAuditLog } from "../../db/audit-anchors.ts";
import { prepareDatabase, sealAuditLog, unsealAuditLog } from "../../db/setup.ts";
import { withClient } from "../../db/pool.ts";
import { closeRootPool, ownDatabase } from "../support/database.ts";

const { config, drop } = ownDatabase("owner_code");
const ANALYST = `${config.databaseName}_ana`;
const quiet = { warn: () => {} };

beforeAll(async () => {
  await drop();
  await prepareDatabase(config, undefined, quiet);
  // what the owner role leaves behind: a function noting whose rights it runs with (the immutable one as a planner folds it)
  await withClient(config.ownerUrl, (client) =>
    client.query(`
      create table app_private.run_by (superuser boolean not null);
      create function app_private.note_runner() returns boolean language plpgsql as $$
      begin
        insert into app_private.run_by select rolsuper from pg_roles where rolname = current_user;
        return true;
      end $$;
      create function app_private.note_runner(integer) returns boolean language plpgsql immutable as $$ begin return app_private.note_runner(); end $$;`),
  );
}, 600_000);
afterAll(async () => {
  await drop();
  await closeRootPool();
});

const runs = () => withClient(config.ownerUrl, async (client) => (await client.query<{ superuser: boolean }>("delete from app_private.run_by returning superuser")).rows.map((r) => r.superuser));

test("a start reads the owner role's tables as that role, and names built-in functions only: a view in place of the analysts' grants and a function first on the database's search_path run without a superuser's rights", async () => {
  const { rows: [clinic] } = await withClient(config.rootUrl, (client) =>
    client.query("insert into app_public.clinic (name, timezone, currency, calling_code) values ('Watched', 'Africa/Dar_es_Salaam', 'TZS', '255') returning id"),
  );
  await grantAnalyst(config, ANALYST, [clinic.id], "analyst-password-1");
  await withClient(config.rootUrl, (client) => client.query(`alter role ${pg.escapeIdentifier(ANALYST)} set statement_timeout = 0`)); // as the analyst may: the start reads the grants to set it again
  await withClient(config.ownerUrl, (client) =>
    client.query(`
      alter table app_private.analyst_grant rename to analyst_grant_kept;
      create view app_private.analyst_grant as select * from app_private.analyst_grant_kept where app_private.note_runner();
      create function public.to_regclass(text) returns regclass language plpgsql as $$
      begin
        perform app_private.note_runner();
        return pg_catalog.to_regclass($1);
      end $$;
      alter database ${pg.escapeIdentifier(config.databaseName)} set search_path = public, pg_catalog;`),
  );
  await runs();

  await prepareDatabase(config, undefined, quiet);
  const ran = await runs();
  expect(ran).not.toContain(true);
  expect(ran).toContain(false); // the grants were read, through the view: as the owner role
  const { rows } = await withClient(config.rootUrl, (client) => client.query("select rolconfig from pg_roles where rolname = $1", [ANALYST]));
  expect(rows[0].rolconfig).toContain("statement_timeout=15min");
}, 600_000);

test("npm run analyst reads and writes the grants, and names the clinics, as the owner role: a grant and a revoke through that view run nothing of its with a superuser's rights", async () => {
  const { rows: [clinic] } = await withClient(config.rootUrl, (client) =>
    client.query("insert into app_public.clinic (name, timezone, currency, calling_code) values ('Watched again', 'Africa/Dar_es_Salaam', 'TZS', '255') returning id"),
  );
  await runs();
  expect(await grantAnalyst(config, ANALYST, [clinic.id])).toEqual(expect.arrayContaining([`analyst ${ANALYST} may read: Watched again (${clinic.id})`]));
  const granted = await withClient(config.ownerUrl, async (client) => (await client.query("select clinic_id from app_private.analyst_grant_kept where role_name = $1", [ANALYST])).rows);
  expect(granted).toEqual([{ clinic_id: clinic.id }]);
  expect(await revokeAnalyst(config, ANALYST)).toEqual([`analyst ${ANALYST} removed`]);
  const ran = await runs();
  expect(ran).not.toContain(true);
  expect(ran).toContain(false);
}, 600_000);

test.each([
  ["an index's predicate, which the planner computes", "create index migrations_noted on graphile_migrate.migrations (hash) where app_private.note_runner(1)", "drop index graphile_migrate.migrations_noted"],
  [
    "a column of a domain, whose check a value compared with it meets",
    "create domain app_private.noted_text as text check (app_private.note_runner(1)); alter table graphile_migrate.migrations alter column filename type app_private.noted_text",
    "alter table graphile_migrate.migrations alter column filename type text; drop domain app_private.noted_text",
  ],
  [
    "a view in its place",
    "alter table graphile_migrate.migrations rename to migrations_kept; create view graphile_migrate.migrations as select * from graphile_migrate.migrations_kept where app_private.note_runner()",
    "drop view graphile_migrate.migrations; alter table graphile_migrate.migrations_kept rename to migrations",
  ],
])("a start refuses graphile-migrate's table when it is not a plain table, as graphile-migrate made it, before the superuser plans a read of it: %s", async (_, add, remove) => {
  await withClient(config.ownerUrl, (client) => client.query(add));
  await runs();
  await expect(prepareDatabase(config, undefined, quiet)).rejects.toThrow(/graphile_migrate\.migrations of .* is not a plain table/);
  expect(await runs()).not.toContain(true);
  await withClient(config.ownerUrl, (client) => client.query(remove));
  await prepareDatabase(config, undefined, quiet);
}, 600_000);

test.each(["app_private.audit_chain_head", "app_private.audit_anchor"])(
  "audit:verify refuses %s, the owner role's, when it is not a plain table, before the superuser plans a read of it",
  async (table) => {
    await withClient(config.ownerUrl, (client) => client.query(`create index noted on ${table} (seq) where app_private.note_runner(1)`));
    await runs();
    await expect(withClient(config.rootUrl, (client) => verifyAuditLog(client, "/nonexistent/audit-anchors.jsonl"))).rejects.toThrow(
      new RegExp(`${table.replace(".", "\\.")} of ${config.databaseName} is not a plain table`),
    );
    expect(await runs()).not.toContain(true);
    await withClient(config.ownerUrl, (client) => client.query("drop index app_private.noted"));
    const verified = await withClient(config.rootUrl, (client) => verifyAuditLog(client, "/nonexistent/audit-anchors.jsonl"));
    expect(verified.problems).toEqual([expect.stringContaining("There is no anchors file")]);
  },
  600_000,
);

test("audit:verify refuses the audit log when the owner role, while it was unsealed for a migration, left on it an index whose predicate calls a function of its own", async () => {
  await unsealAuditLog(config);
  await withClient(config.ownerUrl, (client) => client.query("create index audit_log_noted on app_public.audit_log (seq) where app_private.note_runner(1)"));
  await sealAuditLog(config);
  await expect(withClient(config.rootUrl, (client) => verifyAuditLog(client, "/nonexistent/audit-anchors.jsonl"))).rejects.toThrow(
    new RegExp(`app_public\\.audit_log of ${config.databaseName} is not a plain table`),
  );
  await unsealAuditLog(config);
  await withClient(config.ownerUrl, (client) => client.query("drop index app_public.audit_log_noted"));
  await sealAuditLog(config);
  const verified = await withClient(config.rootUrl, (client) => verifyAuditLog(client, "/nonexistent/audit-anchors.jsonl"));
  expect(verified.problems).toEqual([expect.stringContaining("There is no anchors file")]);
}, 600_000);
