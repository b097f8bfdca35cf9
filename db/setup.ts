/**
 * Brings a PostgreSQL server to the state ClinicOps needs, idempotently:
 * roles, the database, its privileges and extensions (migrations/afterReset.sql),
 * the migrations, and graphile-worker's schema.
 */
import pg from "pg";
import { Logger, runMigrations as runWorkerMigrations } from "graphile-worker";
import { readFileSync } from "node:fs";
import { endWritesHeldAs, keepAnalystsWithinLimits } from "./analyst-logins.ts";
import { type DatabaseConfig, withCredentials } from "./config.ts";
import { committedMigrationFiles, migrationNumber } from "./committed-migrations.ts";
import { takeAwayServerReachingRoles } from "./server-reaching-roles.ts";
import { runMigrations } from "./migrate.ts";
import { inTransaction, withClient, withSuperuserClient } from "./pool.ts";
import { projectPath } from "./paths.ts";
import { isVerifierOf, scramVerifier } from "./scram.ts";
import { readableAsSuperuser, readPlainTable } from "./superuser-reads.ts";

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;
const quietWorkerLogger = new Logger(() => () => {});

/**
 * Creates the role, or gives an existing one `attributes` again. Its password, as a verifier made here
 * (db/scram.ts), is set when the role is new or has another: then `warn` says so, as the processes
 * still using the other (started with other secrets) can no longer connect.
 */
async function ensureRole(client: pg.Client, name: string, attributes: string, password?: string, warn?: (message: string) => void): Promise<void> {
  const { rows } = await client.query<{ rolpassword: string | null }>("select rolpassword from pg_authid where rolname = $1", [name]);
  const changed = password !== undefined && !(rows.length && isVerifierOf(rows[0].rolpassword, password));
  const pw = changed ? ` password ${literal(scramVerifier(password))}` : "";
  await client.query(`${rows.length ? "alter" : "create"} role ${ident(name)} with ${attributes}${pw}`);
  if (changed && rows.length) {
    warn?.(
      `The password of the role ${name} was not this process's; it is now. A process started with other secrets (another data folder, ` +
        "or other DATABASE_OWNER_PASSWORD / DATABASE_AUTHENTICATOR_PASSWORD) can no longer connect: give every process the same.",
    );
  }
}

/**
 * The settings the owner role's functions set for their own duration, in their definition
 * (`set clinicops.include_deleted = 'on'`, restored to the caller's value on return; `clinicops.every_clinic`,
 * every clinic's memberships, for `app_private.member_elsewhere`; `clinicops.reinvitation`, `app_private.invite_again`'s
 * update, which the membership's triggers read as an invitation). PostgreSQL
 * refuses a custom setting in a function's SET clause to a role that is not a superuser
 * ("permission denied to set parameter") unless it was granted SET on it (PostgreSQL 15+), and only a
 * superuser grants that. The grant is the server's (pg_parameter_acl), not one database's, so it
 * outlives a dropped database; it is given here, before any migration runs, on every path that
 * migrates: prepareDatabase, and the shadow database of `migrate:commit` (which uses the same role).
 * Callers of those functions need no grant.
 */
export const OWNER_FUNCTION_SETTINGS = ["clinicops.include_deleted", "clinicops.every_clinic", "clinicops.reinvitation"] as const;
/** The lock (in the maintenance database) under which starts grant OWNER_FUNCTION_SETTINGS. */
const SETTING_GRANTS_LOCK = "clinicops grants of settings";

/**
 * Runs `statement` again (up to 10 times, a little later each time) while PostgreSQL answers
 * "tuple concurrently updated" (or deleted): a catalog row of the whole server that another
 * session changed at the same moment, such as a setting's grants (pg_parameter_acl).
 */
export async function retriedOnConcurrentUpdate<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (error) {
      if (attempt === 10 || !/tuple concurrently (updated|deleted)/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * Gives the owner role SET on OWNER_FUNCTION_SETTINGS it lacks. `client` is on the server's
 * maintenance database, where every start's connection is. The grants of a setting are one row
 * of the whole server, which the first starts of two databases (each in its own database's turn)
 * would write at once: PostgreSQL then answered one "tuple concurrently updated", or, when the
 * row was still to be made, a duplicate key. So they take turns under a lock of their own, and a
 * row rewritten meanwhile by anything else (a superuser's grant by hand) is retried.
 */
async function grantOwnerFunctionSettings(client: pg.Client, owner: string): Promise<void> {
  const missing = async (): Promise<string[]> =>
    (await client.query("select coalesce(array_agg(s), '{}') as settings from unnest($2::text[]) s where not has_parameter_privilege($1, s, 'SET')", [
      owner,
      [...OWNER_FUNCTION_SETTINGS],
    ])).rows[0].settings;
  if ((await missing()).length === 0) return; // granted already: nothing rewritten at each start
  await client.query("select pg_advisory_lock(hashtext($1))", [SETTING_GRANTS_LOCK]);
  try {
    for (const setting of await missing()) {
      await retriedOnConcurrentUpdate(() => client.query(`grant set on parameter ${setting} to ${ident(owner)}`));
    }
  } finally {
    await client.query("select pg_advisory_unlock(hashtext($1))", [SETTING_GRANTS_LOCK]);
  }
}

/** What a database holds: nothing yet, ClinicOps' schema (of its owner role), ClinicOps' schema of another owner (named), or something else. */
type DatabaseContents = "empty" | "clinicops" | { appPublicOwner: string } | "other";

/**
 * What a database holds: nothing but what `createdb` makes (no table, function, type, large object,
 * publication or event trigger of its own; extensions' and empty schemas aside), or ClinicOps' (its
 * migrations table names this version's first migration, hash and all: another Graphile application
 * has an app_public too), whose app_public is its owner role's (a dump restored with its owners) or
 * another's (one restored without them); a template is "other". graphile-migrate's own tables holding no
 * migration, all of them (and their schema) the owner role's, are no objects: a first start stopped or killed before
 * its first migration was committed left them, and every later start refused the database as another application's.
 * As root.
 */
async function databaseContents(config: DatabaseConfig, databaseName: string): Promise<DatabaseContents> {
  const foundation = committedMigrations()[0];
  return withSuperuserClient(withCredentials(config.rootUrl, null, null, databaseName), async (client) => {
    // objects of no extension, in schemas not the system's (a provider's empty schema, heroku_ext, is no object),
    // graphile_migrate's left out with `$1`
    const contents = async (withoutMigrationsSchema: boolean) => (await client.query(
      `with own(nsp) as (select oid from pg_namespace where nspname !~ '^pg_' and nspname <> 'information_schema' and not ($1 and nspname = 'graphile_migrate')),
            mine(objid) as (select objid from pg_depend where deptype = 'e')
       select (select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'app_public') as app_public_owner,
         to_regclass('graphile_migrate.migrations') is not null as migrated,
         not exists (select from pg_class c where c.relnamespace in (select nsp from own) and c.oid not in (select objid from mine))
         and not exists (select from pg_proc p where p.pronamespace in (select nsp from own) and p.oid not in (select objid from mine))
         and not exists (select from pg_type t where t.typnamespace in (select nsp from own) and t.typrelid = 0 and t.typcategory <> 'A'
                           and t.oid not in (select objid from mine))
         and not exists (select from pg_largeobject_metadata)
         and not exists (select from pg_publication)
         and not exists (select from pg_event_trigger e where e.oid not in (select objid from mine)) as empty,
         (select datistemplate from pg_database where datname = current_database()) as template`,
      [withoutMigrationsSchema],
    )).rows[0];
    const state = await contents(false);
    if (state.template) return "other"; // what a template holds, every database made from it would
    if (state.migrated && foundation) {
      // graphile-migrate's table is the owner role's, read here before the roles are seen to (superuser-reads.ts)
      const [ours] = await readPlainTable<{ is: boolean; none: boolean }>(
        client,
        "graphile_migrate.migrations",
        `select exists (select from graphile_migrate.migrations where filename = $1 and hash = $2) as is,
             not exists (select from graphile_migrate.migrations)
             and coalesce((select n.nspowner = r.oid
                             and not exists (select from pg_class c where c.relnamespace = n.oid and c.relowner <> r.oid)
                             and not exists (select from pg_proc p where p.pronamespace = n.oid and p.proowner <> r.oid)
                             and not exists (select from pg_type t where t.typnamespace = n.oid and t.typowner <> r.oid)
                           from pg_namespace n, pg_roles r where n.nspname = 'graphile_migrate' and r.rolname = $3), false) as none`,
        [`${migrationNumber(foundation.file)}.sql`, foundation.hash, config.roles.owner],
      );
      // of another owner: a backup restored without its owners (pg_restore --no-owner, pg_dump -O); without app_public
      // yet, whose migrations the start checks against this version's (pendingMigrations)
      if (ours.is) return [null, config.roles.owner].includes(state.app_public_owner) ? "clinicops" : { appPublicOwner: state.app_public_owner };
      // a cut start's, which migrated as the owner role: another application's tables, empty, are still its own (the
      // database taken, its start then failed on "permission denied for schema graphile_migrate")
      if (ours.none) return (await contents(true)).empty ? "empty" : "other";
    }
    return state.empty ? "empty" : "other";
  });
}

/** Why setting up needs a superuser, as a DATABASE_URL of another role is told. */
export const SETUP_NEEDS_A_SUPERUSER = "it creates ClinicOps' roles and gives them their attributes, which only a superuser may set.";

/**
 * Refuses, before anything is read or changed, a connection whose role is not a superuser, saying `why` the command
 * needs one (DATABASE_URL names it): what failed later said only PostgreSQL's "permission denied for …".
 */
export async function refuseUnlessSuperuser(client: pg.ClientBase, why: string): Promise<void> {
  const { rows: [who] } = await client.query("select current_user as name, rolsuper from pg_roles where rolname = current_user");
  if (!who.rolsuper) throw new Error(`DATABASE_URL must name a superuser, and ${who.name} is not one: ${why}`);
}

/**
 * Refuses, before anything is read or changed, a database that pg_restore is still restoring (a session of it connected
 * there, as pg_restore names its own), naming its pid: what it has not made yet (post-data, then grants, then event
 * triggers) was not there for the start, and what the start made was in its way. Only a session of a login that may
 * restore it, a superuser or the owner role: any login names its own connections, and an analyst's named pg_restore
 * had every start refused (npm start's, the worker's, and the analyst command's, their own revoke among them) for as
 * long as it stayed connected.
 */
async function refuseWhileRestored(client: pg.Client, databaseName: string, owner: string): Promise<void> {
  const { rows: [restoring] } = await client.query<{ pid: number }>(
    `select min(a.pid) as pid from pg_stat_activity a join pg_roles r on r.oid = a.usesysid
     where a.datname = $1 and a.application_name = 'pg_restore' and (r.rolsuper or r.rolname = $2) having count(*) > 0`,
    [databaseName, owner],
  );
  if (restoring) {
    throw new Error(
      `The database ${databaseName} is being restored (pg_restore, pid ${restoring.pid}): start again once pg_restore has ended ` +
        "(docs/operations.md, Backup and restore).",
    );
  }
}

/**
 * Refuses a database that is not ClinicOps' nor empty (databaseContents), before anything is changed; then
 * creates or updates the roles (and the owner role's grant of OWNER_FUNCTION_SETTINGS), `warn` told of a
 * password changed, and creates the database when missing, or makes one someone else made the owner role's.
 * Answers whether either was done (afterReset.sql, which gives the database its privileges, is then run).
 */
export async function ensureRolesAndDatabase(config: DatabaseConfig, warn?: (message: string) => void): Promise<boolean> {
  const { roles, passwords, databaseName } = config;
  return withClient(withCredentials(config.rootUrl, null, null, "postgres"), async (client) => {
    // every step below is a superuser's: the roles' attributes, the grant of a setting, the audit log's seal
    await refuseUnlessSuperuser(client, SETUP_NEEDS_A_SUPERUSER);
    // what the database holds, before any role is touched: another application's roles may bear the names ClinicOps
    // makes from its database's (<database>_owner, …), and a refusal found after them had changed their passwords
    const { rows: [made] } = await client.query("select pg_get_userbyid(datdba) as owner from pg_database where datname = $1", [databaseName]);
    // pg_restore makes the database at its start and fills it in order: once graphile-migrate's rows were in, a start
    // took it for ClinicOps' own and set it up and ran on it all through the rest (its indexes, constraints, triggers
    // and policies, most of a large restore), its worker's writes unaudited, its seal making the audit log's event
    // triggers, which pg_restore then failed to make. Its sessions name themselves (libpq's application_name).
    if (made) await refuseWhileRestored(client, databaseName, roles.owner);
    const contents = made ? await databaseContents(config, databaseName) : "empty";
    if (typeof contents === "object") {
      // restored before its roles were made (a new server, pg_restore's "role … does not exist"): told to restore it again
      // as below, on a server still without them, it was refused alike
      const { rows: [owner] } = await client.query("select exists (select from pg_roles where rolname = $1) as made", [roles.owner]);
      // whoever owns the database: taken, or owned by the owner role already, it failed at the start on "permission
      // denied for schema graphile_migrate"; restored as the owner role instead, the audit log's guard would be that
      // role's to replace (it runs as whoever drops a table: a superuser), so no route is offered but the owners
      throw new Error(
        `The database ${databaseName} holds ClinicOps' schema owned by ${contents.appPublicOwner}, ` +
          (owner.made
            ? `not by its owner role ${roles.owner}: a backup restored without its owners (pg_restore --no-owner), or a copy of another ClinicOps ` +
              `database under another name, cannot run. Restore a backup made with its owners (pg_dump -Fc) under its own database name, on a server ` +
              `where no database has that name yet: pg_restore -C -d postgres <backup> (docs/operations.md, Backup and restore).`
            : `and its owner role ${roles.owner} does not exist on this server: a backup restored before its roles were made (pg_restore's "role … ` +
              `does not exist"), which cannot run. Drop it, start ClinicOps once with this DATABASE_URL (it makes the roles and an empty database), ` +
              `stop it, drop that database, and restore again: pg_restore -C -d postgres <backup> (docs/operations.md, Backup and restore).`),
      );
    }
    // another application's database is left as it is, whoever owns it (its own migrations' table included)
    if (contents === "other") {
      throw new Error(
        `The database ${databaseName} belongs to ${made.owner} and holds objects that are not ClinicOps': name another database in DATABASE_URL ` +
          `(one that does not exist, or an empty one).`,
      );
    }
    await ensureRole(client, roles.owner, "login nosuperuser nocreaterole nobypassrls noreplication", passwords.owner, warn);
    await grantOwnerFunctionSettings(client, roles.owner);
    await ensureRole(client, roles.authenticator, "login noinherit nosuperuser nocreatedb nocreaterole nobypassrls noreplication", passwords.authenticator, warn);
    // nor createrole nor createdb a DBA gave the roles others SET ROLE to (the authenticator to the visitor, each analyst to
    // the analyst role): as the analyst role, PostgreSQL 15's CREATEROLE granted an analyst the owner role
    await ensureRole(client, roles.visitor, "nologin nosuperuser nocreatedb nocreaterole nobypassrls noreplication");
    // an analyst's change of the analyst role (set role to it, alter role … password) held open stalled this alter role
    await endWritesHeldAs(client, roles.analyst);
    await ensureRole(client, roles.analyst, "nologin nosuperuser nocreatedb nocreaterole nobypassrls noreplication");
    await ensureRole(client, roles.auditor, "nologin noinherit nosuperuser nocreatedb nocreaterole nobypassrls noreplication");
    // and the memberships of the same reach (pg_write_server_files, the owner role…) a DBA gave those two roles
    for (const role of [roles.visitor, roles.analyst]) {
      const still = await takeAwayServerReachingRoles(client, config, role);
      if (still) warn?.(still);
    }
    await client.query(`grant ${ident(roles.visitor)} to ${ident(roles.authenticator)}`);
    if (!made) {
      await client.query(`create database ${ident(databaseName)} owner ${ident(roles.owner)}`);
      return true;
    }
    if (made.owner === roles.owner) return false;
    // made by someone else: taken when empty (a managed server's console, `createdb`) or ClinicOps' (a dump
    // restored into one), where a start failed on "permission denied for database"
    await client.query(`alter database ${ident(databaseName)} owner to ${ident(roles.owner)}`);
    return true;
  });
}

/** migrations/afterReset.sql with graphile-migrate's placeholders filled in. */
function afterResetSql(config: DatabaseConfig): string {
  const placeholders: Record<string, string> = {
    ":DATABASE_NAME": ident(config.databaseName),
    ":DATABASE_OWNER": ident(config.roles.owner),
    ":DATABASE_AUTHENTICATOR": ident(config.roles.authenticator),
    ":DATABASE_VISITOR": ident(config.roles.visitor),
    ":DATABASE_ANALYST": ident(config.roles.analyst),
  };
  const sql = readFileSync(projectPath("migrations/afterReset.sql"), "utf8");
  return sql.replace(/:DATABASE_[A-Z]+\b/g, (name) => placeholders[name] ?? name);
}

/** The application_name of the connection that holds a start's turn (inStartTurn). */
const START_APPLICATION = "clinicops start";

/** One start at a time seals or unseals (servers and workers may start together). */
const SEAL_LOCK = 7_243_002;

/**
 * The event trigger that keeps the audit log: while it is sealed, no one but a superuser drops the
 * log (alone, with its schema, or through a function it depends on), its indexes (the one that keeps
 * a chain's entries one per seq among them; and any index concurrently, which would leave the log's
 * half dropped), its triggers or its policies (those of its foreign keys go with the keys), or
 * renames its schema.
 */
const GUARD_BODY = `
declare
  v_object record;
begin
  -- a superuser, or the owner role while the log is unsealed for a migration, may change it
  if (select r.rolsuper from pg_catalog.pg_roles r where r.rolname = current_user)
    or exists (select 1 from pg_catalog.pg_tables t where t.schemaname = 'app_public' and t.tablename = 'audit_log' and t.tableowner = current_user) then
    return;
  end if;
  if tg_event = 'ddl_command_start' then
    -- a concurrent drop commits its first steps before sql_drop is told: refused there, the index
    -- was left half dropped (no longer kept up by inserts) and a chain could fork. Refused before it
    -- starts, then, for every index (the command does not say which it drops before it does):
    -- indexes are dropped concurrently by a superuser, or in a migration (not concurrently).
    if current_query() ~* '\\mconcurrently\\M' then
      raise exception 'While the audit log is sealed, only a superuser drops an index concurrently.' using errcode = 'CFORB';
    end if;
  elsif tg_event = 'sql_drop' then
    for v_object in select * from pg_catalog.pg_event_trigger_dropped_objects() loop
      -- the schema's owner may drop any index in it: the log's are all named audit_log…, and only
      -- the table's owner may rename them
      if (v_object.object_type in ('table', 'index') and v_object.schema_name = 'app_public'
            and v_object.object_name ~ '^audit_log(_|$)')
        or (v_object.object_type in ('trigger', 'policy') and v_object.object_identity like '% on app_public.audit_log'
            and v_object.object_identity not like 'RI_ConstraintTrigger%') then
        raise exception 'The audit log, its indexes, its triggers and its policies cannot be dropped.' using errcode = 'CFORB';
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
`;

/**
 * The guard's search_path: pg_catalog's operators and functions alone. Read through the caller's, the owner role
 * (which may create operators in the schemas it owns, and set its own search_path) put a `~` and a `~~` of its
 * own before pg_catalog's, every check of the guard answered false, and it dropped the log.
 */
const GUARD_SEARCH_PATH = "pg_catalog, pg_temp";

/**
 * How long handing the audit log over waits behind transactions that use it before it gives up:
 * the change of owner takes the table's exclusive lock, and every audit entry of the running
 * servers queues behind it while it waits.
 */
const AUDIT_LOG_LOCK_TIMEOUT_MS = 10_000;

/**
 * Runs `fn` in a transaction as root holding SEAL_LOCK; nothing when there is no audit log yet. A lock on
 * the log not had within `lockTimeoutMs` fails it, changing nothing, with a message saying so.
 */
async function withSealLock(config: DatabaseConfig, fn: (client: pg.Client) => Promise<void>, lockTimeoutMs: number): Promise<void> {
  return withSuperuserClient(config.rootUrl, async (client) => {
    try {
      await inTransaction(client, async () => {
        await client.query("select pg_advisory_xact_lock($1)", [SEAL_LOCK]);
        await client.query(`set local lock_timeout = ${Math.trunc(lockTimeoutMs)}`);
        const { rows: [state] } = await client.query("select to_regclass('app_public.audit_log') is not null as present");
        if (state.present) await fn(client);
      });
    } catch (error) {
      if ((error as { code?: string }).code !== "55P03") throw error;
      throw new Error(
        `The audit log is in use by a long transaction: handing it over waited ${lockTimeoutMs} ms and gave up, changing nothing. Start again once that transaction ends (pg_stat_activity shows it).`,
      );
    }
  });
}

/** Who owns the audit log and its append-only trigger function: the auditor when sealed, the owner role when not. */
async function auditLogOwners(client: pg.Client): Promise<{ table: string; triggerFunction: string }> {
  const { rows } = await client.query(
    `select (select tableowner from pg_tables where schemaname = 'app_public' and tablename = 'audit_log') as "table",
       (select pg_get_userbyid(proowner) from pg_proc where oid = 'app_private.tg_audit_log__append_only'::regproc) as "triggerFunction"`,
  );
  return rows[0];
}

/**
 * What the owner role may have left on the log while it was its own (unsealed for a migration: the log is then that
 * role's in every session of it, the worker's and anyone's with its password, not the migration's alone), taken back as
 * the log is handed to the auditor: a grant of update, delete, truncate, references or trigger to anyone (to PUBLIC, of
 * which that role is: one to itself the change of owner gives the auditor), on the table or a column, and an append-only
 * trigger switched off (or to fire on replicas only), row-level security with it; and what only its owner makes: a rule on
 * it, a table inheriting from it, the log or its ids unlogged. Left, they outlasted the seal: with a policy of its own
 * (which a migration may make, and stays), the owner role deleted entries and rehashed the chain, and a superuser's delete
 * went through; a rule of its dropped the entries of its choice, its own table's rows were read as entries, and a crash
 * emptied an unlogged log. As root, in the seal's transaction, which holds the log's lock already.
 */
async function takeBackWhatTheUnsealedLogGave(client: pg.Client): Promise<void> {
  const { rows: [given] } = await client.query<{ grantees: string[]; triggers: string[] }>(
    `with log as (select oid, relowner, relacl from pg_class where oid = 'app_public.audit_log'::regclass)
     select array(select distinct case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end
                  from log, lateral (select log.relacl as acl union all select attacl from pg_attribute where attrelid = log.oid and attacl is not null) x,
                    aclexplode(x.acl) a
                  where a.grantee <> log.relowner and a.privilege_type in ('UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')) as grantees,
       array(select quote_ident(t.tgname) from log join pg_trigger t on t.tgrelid = log.oid
             where not t.tgisinternal and t.tgenabled not in ('O', 'A') order by t.tgname) as triggers`,
  );
  if (given.grantees.length) {
    await client.query(`revoke update, delete, truncate, references, trigger on app_public.audit_log from ${given.grantees.join(", ")} cascade`);
  }
  const enabled = given.triggers.map((trigger) => `enable trigger ${trigger}`);
  await client.query(`alter table app_public.audit_log ${[...enabled, "enable row level security", "force row level security"].join(", ")}`);
  // What only the log's owner makes, and no grant taken back undoes: a rule on it (an insert's "do instead nothing" left
  // out the entries of its choice from then on), a table inheriting from it (whose rows, the owner role's to write, were
  // read as the log's entries), and the log or its ids' sequence unlogged (a crash emptied the log and started its ids
  // again, and a standby failed over to had none of its entries)
  const { rows: [made] } = await client.query<{ rules: string[]; children: string[]; unlogged: boolean; sequences: string[] }>(
    `select array(select quote_ident(r.rulename) from pg_rewrite r where r.ev_class = 'app_public.audit_log'::regclass order by r.rulename) as rules,
       array(select i.inhrelid::regclass::text from pg_inherits i where i.inhparent = 'app_public.audit_log'::regclass order by 1) as children,
       (select c.relpersistence = 'u' from pg_class c where c.oid = 'app_public.audit_log'::regclass) as unlogged,
       array(select d.objid::regclass::text from pg_depend d join pg_class s on s.oid = d.objid
             where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.refobjid = 'app_public.audit_log'::regclass
               and s.relkind = 'S' and s.relpersistence = 'u' order by 1) as sequences`,
  );
  for (const rule of made.rules) await client.query(`drop rule ${rule} on app_public.audit_log`);
  for (const child of made.children) await client.query(`alter table ${child} no inherit app_public.audit_log`);
  if (made.unlogged) await client.query("alter table app_public.audit_log set logged");
  for (const sequence of made.sequences) await client.query(`alter sequence ${sequence} set logged`);
}

/**
 * The audit log belongs to the auditor role (NOLOGIN, no members), and so does its append-only
 * trigger function, not to the owner role: an owner may disable a table's triggers, stop forcing its
 * row-level security, add policies or drop it, and the owner role is what the worker connects as,
 * inside the API's process. Sealed, the owner may only append (app_private.write_audit) and read
 * (verify_audit_chain). Run as root at every start, it changes nothing when the log is sealed
 * already: a table's change of owner takes an exclusive lock that would hold up every audit entry
 * of the servers running, and catalog rows rewritten by two starts at once fail one of them.
 */
export async function sealAuditLog(config: DatabaseConfig): Promise<void> {
  const { owner, auditor } = config.roles;
  let unrecorded: unknown = null;
  await withSealLock(config, async (client) => {
    const owners = await auditLogOwners(client);
    const { rows: [state] } = await client.query(
      `select (select count(*) = 3 from pg_event_trigger where evtname in ('keep_audit_log_drop', 'keep_audit_log_drop_start', 'keep_audit_log_schema')) as guarded,
         coalesce((select p.prosrc = $1 and p.proconfig = array[$2] and n.nspowner = to_regrole($3)::oid and p.proowner <> to_regrole($4)::oid
                   from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                   where n.nspname = 'clinicops_guard' and p.proname = 'keep_audit_log'), false) as guard_current`,
      [GUARD_BODY, `search_path=${GUARD_SEARCH_PATH}`, auditor, owner],
    );
    if (owners.table !== auditor) {
      await client.query(`alter table app_public.audit_log owner to ${ident(auditor)};
        grant select, insert on app_public.audit_log to ${ident(owner)};
        grant usage on sequence app_public.audit_log_id_seq to ${ident(owner)}`);
      await takeBackWhatTheUnsealedLogGave(client);
    }
    // apart from the table: a log sealed before the function was handed over too has only the table
    if (owners.triggerFunction !== auditor) await client.query(`alter function app_private.tg_audit_log__append_only() owner to ${ident(auditor)}`);
    // The owner role still owns the schema, and a schema's owner may drop any table in it (or the
    // schema, with everything in it) and rename it, to put a forged log in its place: refused to
    // anyone but a superuser, by a function in a schema the owner role does not own.
    // Nor may the owner role own the guard (a backup restored as that role made it so): it runs as whoever drops a
    // table, a superuser included, and the owner role could have replaced it with anything, making itself a superuser.
    if (!state.guard_current) {
      await client.query(`create schema if not exists clinicops_guard authorization ${ident(auditor)};
        alter schema clinicops_guard owner to ${ident(auditor)};
        revoke all on schema clinicops_guard from public;
        create or replace function clinicops_guard.keep_audit_log() returns event_trigger language plpgsql
          set search_path = ${GUARD_SEARCH_PATH} as $guard$${GUARD_BODY}$guard$;
        alter function clinicops_guard.keep_audit_log() owner to current_user;
        comment on function clinicops_guard.keep_audit_log() is
          'Event trigger: no one but a superuser drops app_public.audit_log (alone, with its schema, or through a function it depends on), its indexes (or any index concurrently), its triggers or its policies, or renames its schema.'`);
    }
    if (!state.guarded) {
      await client.query(`drop event trigger if exists keep_audit_log_drop;
        drop event trigger if exists keep_audit_log_drop_start;
        drop event trigger if exists keep_audit_log_schema;
        create event trigger keep_audit_log_drop on sql_drop execute function clinicops_guard.keep_audit_log();
        create event trigger keep_audit_log_drop_start on ddl_command_start when tag in ('DROP INDEX')
          execute function clinicops_guard.keep_audit_log();
        create event trigger keep_audit_log_schema on ddl_command_end when tag in ('ALTER SCHEMA')
          execute function clinicops_guard.keep_audit_log()`);
    }
    // The count is recorded apart from the seal: its read is of graphile-migrate's table, the owner role's, which that role
    // may have made one a superuser may not read while the log was its own (an index calling a function of its). Refused
    // in the seal's transaction, it rolled the hand-over back, the log left that role's for as long as it kept the table
    // so. The log is sealed, and then the refusal told.
    await client.query("savepoint record_migrations_run");
    try {
      await recordMigrationsRun(client);
      await client.query("release savepoint record_migrations_run");
    } catch (error) {
      await client.query("rollback to savepoint record_migrations_run");
      unrecorded = error;
    }
  }, AUDIT_LOG_LOCK_TIMEOUT_MS);
  if (unrecorded) throw unrecorded;
}

/** Where each seal records how many migrations the database has run: the guard's schema, which the owner role cannot write. */
const MIGRATIONS_RUN = "clinicops_guard.migrations_run";

/**
 * graphile-migrate's table is the owner role's: with its last rows taken out, the next start took those migrations for
 * pending and, one of them naming the audit log, handed the log to that role (unsealAuditLog) while they ran again, in
 * every session of that role, for as long as its lock on a table they touch held them. So each seal records how many
 * migrations the database has run (MIGRATIONS_RUN), and pendingMigrations refuses a table that lists fewer. As root, in
 * the seal's transaction; a row written only when the count grows.
 */
async function recordMigrationsRun(client: pg.Client): Promise<void> {
  const { rows: [state] } = await client.query(
    `select to_regclass($1) is not null as made, to_regclass('graphile_migrate.migrations') is not null as migrated`,
    [MIGRATIONS_RUN],
  );
  // made by the owner role while it owned the guard's schema (a backup restored as that role): set aside, not read
  if (state.made && !(await recordTrusted(client))) {
    await client.query(`alter table ${MIGRATIONS_RUN} rename to migrations_run_untrusted_${Date.now()}`);
    state.made = false;
  }
  if (!state.made) {
    await client.query(`create table ${MIGRATIONS_RUN} (migrations integer not null);
      comment on table ${MIGRATIONS_RUN} is 'How many migrations graphile_migrate.migrations listed when the audit log was last sealed (db/setup.ts): a start refuses a table that lists fewer (rows taken out by its owner role, which would have it hand that role the log to run them again).';
      comment on column ${MIGRATIONS_RUN}.migrations is 'The count of graphile_migrate.migrations at the last seal, the highest seen.'`);
  }
  if (!state.migrated) return;
  await readableAsSuperuser(client, "graphile_migrate.migrations");
  const { rows: [run] } = await client.query<{ migrations: number }>("select count(*)::int as migrations from graphile_migrate.migrations");
  await client.query(
    `insert into ${MIGRATIONS_RUN} (migrations) select 0 where not exists (select from ${MIGRATIONS_RUN});
     update ${MIGRATIONS_RUN} set migrations = ${run.migrations} where migrations < ${run.migrations}`,
  );
}

/** Whether MIGRATIONS_RUN is a plain table of a superuser's (as a seal makes it), which the owner role can neither write nor make run its code. */
async function recordTrusted(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query(
    "select c.relkind = 'r' and r.rolsuper as trusted from pg_class c join pg_roles r on r.oid = c.relowner where c.oid = to_regclass($1)",
    [MIGRATIONS_RUN],
  );
  return rows[0]?.trusted === true;
}

/** How many migrations the database had run when its audit log was last sealed (recordMigrationsRun); 0 before any seal recorded it. */
async function migrationsRunAtSeal(client: pg.Client): Promise<number> {
  if (!(await recordTrusted(client))) return 0;
  const { rows: [run] } = await client.query<{ migrations: number | null }>(`select max(migrations) as migrations from ${MIGRATIONS_RUN}`);
  return run.migrations ?? 0;
}

/**
 * PostgreSQL lets every role take advisory locks, on any key. ClinicOps's keys are no secret (a
 * clinic's id for its currency, time zone, business days, invitations and exports) and a clinic's
 * id is in the reporting views: an analyst holding one of them from plain SQL would stall that
 * clinic's invoices, payments or closes for as long as they liked. It also lets every role make
 * large objects, write messages into the write-ahead log (pg_logical_emit_message, 10 MB a call),
 * and export snapshots (pg_export_snapshot: a file in the data directory's pg_snapshots at each call,
 * kept until the transaction ends, 6,000 a second from one statement, which no temp_file_limit counts),
 * which an analyst could fill the disk (and its inodes) with ("no write privilege anywhere"). In the application's
 * database only the owner role takes advisory locks (migrations, the worker, and the definer
 * functions and triggers that every API request's locks go through), and nobody else makes large
 * objects, log messages or snapshot files (the owner keeps it, for a pg_dump --jobs of its own). Run as root at every start; changes nothing once done, and gives the owner back a grant
 * it lost (its role dropped and made again).
 */
async function keepLocksAndServerWritesToOwner(config: DatabaseConfig): Promise<void> {
  return withSuperuserClient(config.rootUrl, async (client) => {
    const { rows } = await client.query(
      `select p.oid::regprocedure::text as signature,
         -- the visitor held them too before they were the owner's alone
         has_function_privilege($2, p.oid, 'execute') or not has_function_privilege($1, p.oid, 'execute') as to_do
       from pg_proc p where p.pronamespace = 'pg_catalog'::regnamespace
         and (p.proname ~ '^pg_(try_)?advisory_' or p.proname in ('lo_creat', 'lo_create', 'lo_from_bytea', 'pg_logical_emit_message', 'pg_export_snapshot'))`,
      [config.roles.owner, config.roles.visitor],
    );
    const toDo = rows.filter((row) => row.to_do).map((row) => `pg_catalog.${row.signature}`).join(", ");
    if (toDo) {
      await client.query(`revoke execute on function ${toDo} from public, ${ident(config.roles.visitor)};
        grant execute on function ${toDo} to ${ident(config.roles.owner)}`);
    }
  });
}

/** Gives the audit log (and its trigger function) back to the owner role, for migrations that alter it; sealAuditLog afterwards. Run as root. */
export async function unsealAuditLog(config: DatabaseConfig, lockTimeoutMs = AUDIT_LOG_LOCK_TIMEOUT_MS): Promise<void> {
  const { owner } = config.roles;
  await withSealLock(config, async (client) => {
    const owners = await auditLogOwners(client);
    if (owners.table !== owner) await client.query(`alter table app_public.audit_log owner to ${ident(owner)}`);
    if (owners.triggerFunction !== owner) await client.query(`alter function app_private.tg_audit_log__append_only() owner to ${ident(owner)}`);
  }, lockTimeoutMs);
}

/** A committed migration: its file, and the hash graphile-migrate records when it runs (its `--! Hash:` line). */
interface CommittedMigration {
  file: string;
  hash: string | undefined;
}

function committedMigrations(): CommittedMigration[] {
  return committedMigrationFiles().map((file) => ({ file, hash: /^--! Hash: (\S+)$/m.exec(readFileSync(projectPath(`migrations/committed/${file}`), "utf8"))?.[1] }));
}

/**
 * The committed migrations this database has not run yet, after checking that those it ran are
 * this version's: a database that ran another form of one (a development build's, rewritten before
 * its release) or one this version does not have (a newer version's) is refused, naming the first
 * where they part, before anything is migrated (graphile-migrate told either as a foreign key
 * violation on its own table).
 */
async function pendingMigrations(config: DatabaseConfig): Promise<string[]> {
  const committed = committedMigrations();
  const applied = await withSuperuserClient(config.rootUrl, async (client) => {
    const { rows } = await client.query("select to_regclass('graphile_migrate.migrations') is not null as present");
    // the owner role's table, read as a superuser: only plain (superuser-reads.ts), and locked so until read
    const ran = !rows[0].present
      ? []
      : await readPlainTable<{ filename: string; hash: string }>(client, "graphile_migrate.migrations", "select filename, hash from graphile_migrate.migrations order by filename");
    // rows taken out of it are migrations to run again
    const sealed = await migrationsRunAtSeal(client);
    if (ran.length < sealed) {
      throw new Error(
        `graphile_migrate.migrations of ${config.databaseName} lists ${ran.length} migrations, and the database had run ${sealed} when its audit log was ` +
          `last sealed: rows were taken out of it (its owner role may), and the migrations they named would run again, the audit log handed to that ` +
          "role meanwhile. Nothing was migrated; put the rows back (from a backup of the database), and find who took them out.",
      );
    }
    return ran;
  });
  applied.forEach(({ filename, hash }, i) => {
    const number = filename.replace(/\.sql$/, "");
    const ours = committed[i];
    if (ours === undefined) {
      throw new Error(
        `The database ${config.databaseName} has run migration ${number}, which this version of ClinicOps does not have (its last is ${committed.at(-1)?.file ?? "none"}): ` +
          "it was made by a newer version. Run that version; migrations are not undone.",
      );
    }
    if (!ours.file.startsWith(`${number}-`) || ours.hash !== hash) {
      throw new Error(
        `The database ${config.databaseName} ran a migration ${number} other than this version's migrations/committed/${ours.file}: ` +
          "it was made by a development build whose migration changed before its release. Nothing was migrated; " +
          "restore a backup taken under a released version, or start from a new database.",
      );
    }
  });
  return committed.slice(applied.length).map(({ file }) => file);
}

/**
 * Whether a committed migration that has not run yet names the audit log: the log is unsealed
 * only for those (its change of owner locks it against every server's audit entries).
 */
function touchAuditLog(pending: string[]): boolean {
  return pending.some((file) => /audit_log/.test(readFileSync(projectPath(`migrations/committed/${file}`), "utf8")));
}

/**
 * Everything, in order. Safe to run at every start. `keepAuditLogUnsealed`: while current.sql
 * (which may alter the log) is worked on: `npm run dev` and its server, `npm run migrate:watch`,
 * `npm run migrate:commit`. `warn` gets the warnings migrations left for operators (on stderr
 * unless told otherwise: every command that starts ClinicOps shows them).
 */
export async function prepareDatabase(
  config: DatabaseConfig,
  log?: (message: string) => void,
  { keepAuditLogUnsealed = false, warn = (message: string) => console.error(message) } = {},
): Promise<void> {
  await inStartTurn(config, () => prepareInTurn(config, log, keepAuditLogUnsealed, warn));
}

/**
 * Runs `fn` in its turn among starts at once (replicas, the API and a worker), which take turns from
 * the roles to the seal: each rewrites catalog rows (roles' passwords, the seal), and graphile-migrate
 * refuses a second migrator instead of waiting, after which that start sealed the log under the
 * first's migration. The lock is taken in the server's maintenance database: the application's may
 * not exist yet. Any role may connect there and take it (an analyst's login): a start that finds it
 * held by anything but another start fails at once, naming the session, instead of waiting for ever.
 */
export async function inStartTurn<T>(config: DatabaseConfig, fn: () => Promise<T>): Promise<T> {
  return withClient(withCredentials(config.rootUrl, null, null, "postgres"), async (lock) => {
    await lock.query(`set application_name = ${literal(START_APPLICATION)}`);
    const key = [`clinicops start ${config.databaseName}`];
    while (!(await lock.query("select pg_try_advisory_lock(hashtext($1)) as got", key)).rows[0].got) {
      // Any role that may connect to the maintenance database may take the lock too (an analyst's
      // login): a holder that is not another start (root's, of this version or an earlier one) is
      // named, not waited for without end.
      const { rows: holders } = await lock.query<{ pid: number; usename: string; start: boolean }>(
        `select a.pid, a.usename, a.usename = current_user as start
         from pg_locks l join pg_stat_activity a on a.pid = l.pid
         where l.locktype = 'advisory' and l.objsubid = 1 and l.granted and l.database = (select oid from pg_database where datname = current_database())
           and l.classid::bigint = (hashtext($1)::bigint >> 32) & 4294967295 and l.objid::bigint = hashtext($1)::bigint & 4294967295`,
        key,
      );
      const stranger = holders.find((holder) => !holder.start);
      if (stranger) {
        throw new Error(
          `The start lock of ${config.databaseName} is held by ${stranger.usename} (pid ${stranger.pid}), which is not a ClinicOps start: ` +
            `end that session (select pg_terminate_backend(${stranger.pid})) and start again.`,
        );
      }
      if (holders.length) {
        await lock.query("select pg_advisory_lock(hashtext($1))", key); // another start: its turn first
        break;
      }
    }
    return fn();
  }, config.server);
}

/**
 * Logs, once, the warnings migrations left for operators in
 * app_private.upgrade_warning (phones 000086 could not correct, say) that no
 * start has shown yet: graphile-migrate shows none of PostgreSQL's WARNINGs.
 */
export async function showUpgradeWarnings(config: DatabaseConfig, warn: (message: string) => void): Promise<void> {
  const { rows } = await withClient(config.ownerUrl, (client) =>
    client
      .query(
        `with shown as (update app_private.upgrade_warning set shown_at = now() where shown_at is null returning id, migration, message)
         select migration, message from shown order by id`,
      )
      // undefined_table: the committed migrations stop before 000086 (which made the table) while it is current.sql
      .catch((error: { code?: string }) => (error.code === "42P01" ? { rows: [] } : Promise.reject(error))),
  );
  for (const { migration, message } of rows) warn(`WARNING from migration ${migration}: ${message}`);
}

/** Whether `code` is a country's calling code in use (app_hidden.is_country_code, the rule of clinics' codes), as DEFAULT_CALLING_CODE must be: national numbers are completed with it. */
export async function isCountryCallingCode(config: DatabaseConfig, code: string): Promise<boolean> {
  return withClient(config.ownerUrl, async (client) => (await client.query("select app_hidden.is_country_code($1) as ok", [code])).rows[0].ok);
}

async function prepareInTurn(
  config: DatabaseConfig,
  log: ((message: string) => void) | undefined,
  keepAuditLogUnsealed: boolean,
  warn: (message: string) => void,
): Promise<void> {
  if (await ensureRolesAndDatabase(config, warn)) {
    log?.(`database ${config.databaseName} made ClinicOps' own (its owner, privileges and extensions)`);
    await withSuperuserClient(config.rootUrl, (client) => client.query(afterResetSql(config)));
  }
  // before the migrations, which take one as the owner role
  await keepLocksAndServerWritesToOwner(config);
  try {
    if (touchAuditLog(await pendingMigrations(config))) await unsealAuditLog(config);
    // graphile-migrate's lines through the caller's log when it gives one (npm start's JSON); else it prints them
    await runMigrations(config, log ? { log, warn } : undefined);
    await showUpgradeWarnings(config, warn);
  } finally {
    if (keepAuditLogUnsealed) {
      await unsealAuditLog(config); // another command (npm run superuser, a worker) may have sealed it since
      log?.("audit log left to the owner role while current.sql is worked on");
    } else {
      await sealAuditLog(config);
    }
  }
  await runWorkerMigrations({ connectionString: config.ownerUrl, logger: quietWorkerLogger });
  const limited = await keepAnalystsWithinLimits(config);
  if (limited.length) log?.(`analyst logins given their limits again (granted before them, or changed since): ${limited.join(", ")}`);
  log?.("database ready");
}
