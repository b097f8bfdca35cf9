/**
 * Brings a PostgreSQL server to the state ClinicOps needs, idempotently:
 * roles, the database, its privileges and extensions (migrations/afterReset.sql),
 * the migrations, and graphile-worker's schema.
 */
import pg from "pg";
import { Logger, runMigrations as runWorkerMigrations } from "graphile-worker";
import { readdirSync, readFileSync } from "node:fs";
import { type DatabaseConfig, withCredentials } from "./config.ts";
import { runMigrations } from "./migrate.ts";
import { projectPath } from "./paths.ts";

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;
const quietWorkerLogger = new Logger(() => () => {});

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function ensureRole(client: pg.Client, name: string, attributes: string, password?: string): Promise<void> {
  const { rowCount } = await client.query("select 1 from pg_roles where rolname = $1", [name]);
  const pw = password === undefined ? "" : ` password ${literal(password)}`;
  await client.query(`${rowCount ? "alter" : "create"} role ${ident(name)} with ${attributes}${pw}`);
}

/** Creates or updates the four roles; creates the database when missing. */
export async function ensureRolesAndDatabase(config: DatabaseConfig, databaseName = config.databaseName): Promise<boolean> {
  const { roles, passwords } = config;
  return withClient(withCredentials(config.rootUrl, null, null, "postgres"), async (client) => {
    await ensureRole(client, roles.owner, "login nosuperuser nocreaterole nobypassrls", passwords.owner);
    await ensureRole(client, roles.authenticator, "login noinherit nosuperuser nocreatedb nocreaterole nobypassrls", passwords.authenticator);
    await ensureRole(client, roles.visitor, "nologin nosuperuser nobypassrls");
    await ensureRole(client, roles.analyst, "nologin nosuperuser nobypassrls");
    await ensureRole(client, roles.auditor, "nologin noinherit nosuperuser nocreatedb nocreaterole nobypassrls");
    await client.query(`grant ${ident(roles.visitor)} to ${ident(roles.authenticator)}`);
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [databaseName]);
    if (!rowCount) {
      await client.query(`create database ${ident(databaseName)} owner ${ident(roles.owner)}`);
    }
    return !rowCount;
  });
}

/** migrations/afterReset.sql with graphile-migrate's placeholders filled in. */
export function afterResetSql(config: DatabaseConfig, databaseName = config.databaseName): string {
  const placeholders: Record<string, string> = {
    ":DATABASE_NAME": ident(databaseName),
    ":DATABASE_OWNER": ident(config.roles.owner),
    ":DATABASE_AUTHENTICATOR": ident(config.roles.authenticator),
    ":DATABASE_VISITOR": ident(config.roles.visitor),
    ":DATABASE_ANALYST": ident(config.roles.analyst),
    ":DATABASE_AUDITOR": ident(config.roles.auditor),
  };
  const sql = readFileSync(projectPath("migrations/afterReset.sql"), "utf8");
  return sql.replace(/:DATABASE_[A-Z]+\b/g, (name) => placeholders[name] ?? name);
}

/**
 * The audit log belongs to the auditor role (NOLOGIN, no members), not to the owner role: a
 * table's owner may disable its triggers, stop forcing its row-level security, add policies or
 * drop it, and the owner role is what the worker connects as, inside the API's process. Sealed,
 * the owner may only append (app_private.write_audit) and read (verify_audit_chain). Run as root.
 */
export async function sealAuditLog(config: DatabaseConfig): Promise<boolean> {
  const { owner, auditor } = config.roles;
  return withClient(config.rootUrl, async (client) => {
    const { rows: [state] } = await client.query(
      `select to_regclass('app_public.audit_log') is not null as present,
         (select rolsuper from pg_roles where rolname = current_user) as superuser,
         (select tableowner = $1 from pg_tables where schemaname = 'app_public' and tablename = 'audit_log') as handed_over,
         (select count(*) = 2 from pg_event_trigger where evtname in ('keep_audit_log_drop', 'keep_audit_log_schema')) as guarded`,
      [auditor],
    );
    // Handing a table over and creating event triggers take a superuser.
    if (!state.present || !state.superuser) return false;
    // At every start, but a table changes owner under an exclusive lock, which would hold up the
    // audit entries of the servers already running: only when it is not the auditor's yet.
    const handOver = `alter table app_public.audit_log owner to ${ident(auditor)};
      grant select, insert on app_public.audit_log to ${ident(owner)};
      grant usage on sequence app_public.audit_log_id_seq to ${ident(owner)};`;
    const guard = `drop event trigger if exists keep_audit_log_drop;
      drop event trigger if exists keep_audit_log_schema;
      create event trigger keep_audit_log_drop on sql_drop execute function clinicops_guard.keep_audit_log();
      create event trigger keep_audit_log_schema on ddl_command_end when tag in ('ALTER SCHEMA')
        execute function clinicops_guard.keep_audit_log();`;
    await client.query(`begin;
      ${state.handed_over ? "" : handOver}
      -- The owner role still owns the schema, and a schema's owner may drop any table in it (or the
      -- schema, with everything in it) and rename it, to put a forged log in its place: refused
      -- here to anyone but a superuser, by a function in a schema the owner role does not own.
      create schema if not exists clinicops_guard authorization ${ident(auditor)};
      revoke all on schema clinicops_guard from public;
      create or replace function clinicops_guard.keep_audit_log() returns event_trigger language plpgsql as $guard$
      declare
        v_object record;
      begin
        if (select r.rolsuper from pg_catalog.pg_roles r where r.rolname = current_user) then
          return;
        end if;
        if tg_event = 'sql_drop' then
          for v_object in select * from pg_catalog.pg_event_trigger_dropped_objects() loop
            if v_object.object_type = 'table' and v_object.schema_name = 'app_public' and v_object.object_name = 'audit_log' then
              raise exception 'The audit log cannot be dropped.' using errcode = 'CFORB';
            end if;
          end loop;
        else
          for v_object in select * from pg_catalog.pg_event_trigger_ddl_commands() loop
            if v_object.command_tag = 'ALTER SCHEMA' and exists (
              select 1 from pg_catalog.pg_class c where c.relnamespace = v_object.objid and c.relname = 'audit_log' and c.relkind = 'r'
            ) then
              raise exception 'The schema of the audit log cannot be renamed.' using errcode = 'CFORB';
            end if;
          end loop;
        end if;
      end;
      $guard$;
      comment on function clinicops_guard.keep_audit_log() is
        'Event trigger: no one but a superuser drops app_public.audit_log (alone or with its schema) or renames its schema.';
      ${state.guarded ? "" : guard}
      commit`);
    return true;
  });
}

/** Gives the audit log back to the owner role, for migrations that alter it; sealAuditLog afterwards. Run as root. */
export async function unsealAuditLog(config: DatabaseConfig): Promise<void> {
  await withClient(config.rootUrl, async (client) => {
    const { rows } = await client.query("select to_regclass('app_public.audit_log') is not null as present");
    if (rows[0].present) await client.query(`alter table app_public.audit_log owner to ${ident(config.roles.owner)}`);
  });
}

/** Whether some committed migration has not run yet (the audit log is unsealed only for those). */
async function migrationsPending(config: DatabaseConfig): Promise<boolean> {
  const committed = readdirSync(projectPath("migrations/committed")).filter((name) => name.endsWith(".sql"));
  const applied = await withClient(config.rootUrl, async (client) => {
    const { rows } = await client.query("select to_regclass('graphile_migrate.migrations') is not null as present");
    return rows[0].present ? Number((await client.query("select count(*) from graphile_migrate.migrations")).rows[0].count) : 0;
  });
  return committed.length > applied;
}

/** Everything, in order. Safe to run at every start. */
export async function prepareDatabase(config: DatabaseConfig, log: (message: string) => void = () => {}): Promise<void> {
  if (await ensureRolesAndDatabase(config)) {
    log(`created database ${config.databaseName}`);
    await withClient(config.rootUrl, (client) => client.query(afterResetSql(config)));
  }
  try {
    if (await migrationsPending(config)) await unsealAuditLog(config);
    await runMigrations(config);
  } finally {
    if (!(await sealAuditLog(config))) log("audit log not sealed: DATABASE_URL does not name a superuser, so the owner role keeps it");
  }
  await runWorkerMigrations({ connectionString: config.ownerUrl, logger: quietWorkerLogger });
  log("database ready");
}
