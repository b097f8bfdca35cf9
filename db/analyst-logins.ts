/**
 * Analysts' logins (`npm run analyst`, docs/analysts.md): a login role per analyst, a member of the
 * analyst role, with the clinics it may read in app_private.analyst_grant. Run as DATABASE_URL's
 * superuser; only roles that are analysts are changed or dropped.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { type DatabaseConfig, withCredentials } from "./config.ts";
import { inTransaction, withClient, withSuperuserClient } from "./pool.ts";
import { scramVerifier } from "./scram.ts";
import { takeAwayServerReachingRoles } from "./server-reaching-roles.ts";
import { isUuid } from "./uuid.ts";

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

/**
 * What one analyst's logins may take of the server, set again on every grant. Without them, one
 * analyst could hold every connection (the API's and the worker's refused), fill the disk with a
 * query's temporary files, keep a transaction open for days (vacuum held back, a migration's lock
 * queued behind it), or leave a mistaken query (a join without its condition) running for hours.
 * temp_file_limit only a superuser may change (DATABASE_URL is one); the timeouts are defaults the
 * analyst may set otherwise in their own session.
 */
const ANALYST_LIMITS = {
  connections: 3,
  settings: { temp_file_limit: "1GB", idle_in_transaction_session_timeout: "5min", statement_timeout: "15min" },
};

/** ANALYST_LIMITS' settings as pg_db_role_setting lists them (`name=value`), sorted. */
const LIMIT_SETTINGS = Object.entries(ANALYST_LIMITS.settings).map(([setting, value]) => `${setting}=${value}`).sort();

/**
 * Sets ANALYST_LIMITS on the login `name`, undoing first the defaults the analyst may have given their
 * own role (alter role … set statement_timeout = 0), in any database too.
 */
async function setLimits(client: pg.ClientBase, config: DatabaseConfig, name: string): Promise<void> {
  const role = ident(name);
  await client.query(`alter role ${role} connection limit ${ANALYST_LIMITS.connections}`);
  await client.query(`alter role ${role} reset all`);
  await client.query(`alter role ${role} in database ${ident(config.databaseName)} reset all`);
  for (const [setting, value] of Object.entries(ANALYST_LIMITS.settings)) await client.query(`alter role ${role} set ${setting} = ${literal(value)}`);
}

/**
 * Sets ANALYST_LIMITS again on every analyst login whose limits differ (granted by a version before a
 * limit was added: unlimited connections and temporary files before one, no statement timeout before
 * another; or changed by the analyst since), as a grant again would. Only logins the analyst command
 * granted clinics (app_private.analyst_grant): a login an operator made a member of the analyst role by
 * hand keeps its own. Run as root at every start, after the migrations (which make that table);
 * changes nothing once done. Answers the logins it set.
 */
export async function keepAnalystsWithinLimits(config: DatabaseConfig): Promise<string[]> {
  // the grants read as the owner role, whose table it is: a superuser's read of it ran what that role put in it (a view in
  // its place, an index's predicate) with a superuser's rights; the roles, from the catalog, as the superuser
  const { rows: granted } = await withClient(config.ownerUrl, (client) => client.query<{ name: string }>("select distinct role_name::text as name from app_private.analyst_grant"));
  return withSuperuserClient(config.rootUrl, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `select r.rolname as name from pg_roles r
       where r.rolcanlogin and not r.rolsuper
         and exists (select from pg_auth_members m join pg_roles a on a.oid = m.roleid where m.member = r.oid and a.rolname = $1)
         and r.rolname = any($4::text[])
         and (r.rolconnlimit <> $2
           or coalesce((select array(select c from unnest(s.setconfig) c order by c collate "C") from pg_db_role_setting s where s.setrole = r.oid and s.setdatabase = 0), '{}') <> $3::text[]
           or exists (select from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase where s.setrole = r.oid and d.datname = current_database()))
       order by r.rolname`,
      [config.roles.analyst, ANALYST_LIMITS.connections, LIMIT_SETTINGS, granted.map((row) => row.name)],
    );
    // in the analyst's turn: a grant under way sets them too, and the second alter role failed ("tuple concurrently updated"), the start with it
    for (const { name } of rows) {
      await inTransaction(client, async () => {
        await analystsTurn(client, name);
        await endWritesHeldAs(client, name);
        await setLimits(client, config, name);
      });
    }
    return rows.map((row) => row.name);
  });
}

/**
 * What the printed address must not carry of DATABASE_URL's: its credentials, and its user, which
 * psql takes from the query string over the address's (`?user=postgres` logged in as the superuser).
 */
const OPERATOR_OPTIONS = ["user", "password", "passfile", "sslpassword", "sslcert", "sslkey"];

/** Runs `fn` in a transaction of DATABASE_URL's superuser on the application's database: roles and the catalog only. */
function asOperator<T>(config: DatabaseConfig, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withSuperuserClient(config.rootUrl, (client) => inTransaction(client, () => fn(client)));
}

/**
 * Waits for any other grant, revoke or start's setting of limits of the analyst `name` to end, then holds its turn until
 * the transaction ends. Two at once each read the analyst's grants (the chains to lock, whether its role exists) before the other's committed: the
 * second then removed grants the first had just added, in clinics whose chains it had not locked, or made a role the
 * first had just made (one failed: 'role "…" already exists').
 */
async function analystsTurn(client: pg.Client, name: string): Promise<void> {
  await client.query("select pg_advisory_xact_lock(hashtextextended('analyst:' || $1, 0))", [name]);
}

/**
 * Ends the sessions that hold a transaction of writes open as `role` (superusers aside): those of the login `role`, and of
 * its members, who may SET ROLE to it. So the start, grant or revoke changing the role next does not wait for them. Any
 * role may change its own (`alter role … set`, `password`, `alter default privileges`) and leave the change
 * uncommitted, with its own idle_in_transaction_session_timeout 0: every alter role of it waited for that transaction,
 * without end (every start, npm start's and the worker's, stalled at an analyst's limits, or at the shared analyst
 * role, which each analyst is a member of; a revoke at its nologin, the analyst reading on), and then failed, "tuple
 * concurrently updated". An analyst writes nothing else; a reading session holds no transaction id, and reads on. Run
 * as the superuser (for one analyst, in the analyst's turn).
 */
export async function endWritesHeldAs(root: pg.Client, role: string): Promise<void> {
  await root.query(
    `select pg_terminate_backend(a.pid, 10000) from pg_stat_activity a join pg_roles r on r.oid = a.usesysid
     where a.backend_xid is not null and not r.rolsuper
       and pg_has_role(a.usesysid, (select oid from pg_roles where rolname = $1), 'member')`, // none while the role is not made
    [role],
  );
}

/**
 * Runs `fn` in a transaction of the owner role: the grants, the clinics and the audit chains are its tables and
 * functions, which it may have made run anything (a view in place of a table, an index's predicate): as the
 * superuser, they ran it with a superuser's rights.
 */
function asOwner<T>(config: DatabaseConfig, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(config.ownerUrl, (client) => inTransaction(client, () => fn(client)));
}

/**
 * Whether the role `name` exists; refused when it is not an analyst (a colleague's login, one of
 * the application's roles): the command never takes over or drops a role it did not make.
 */
async function analystExists(client: pg.Client, config: DatabaseConfig, name: string): Promise<boolean> {
  const { rows } = await client.query(
    `select not r.rolsuper and exists (
       select 1 from pg_auth_members m join pg_roles a on a.oid = m.roleid where m.member = r.oid and a.rolname = $2
     ) as analyst
     from pg_roles r where r.rolname = $1`,
    [name, config.roles.analyst],
  );
  if (rows.length && !rows[0].analyst) throw new Error(`${name} is a role of this server that is not an analyst of this database (a colleague's login, or another database's analyst: roles are the server's); choose another name`);
  return rows.length > 0;
}

/**
 * The clinics `named` names: an id names the clinic of that id alone (a clinic may be named like
 * another's id), any other word the clinic of that name, refused when several share it.
 */
async function clinicsNamed(client: pg.Client, named: string[]): Promise<{ id: string; name: string }[]> {
  const ids = named.filter(isUuid).map((id) => id.toLowerCase()); // an id in capitals is the same clinic
  const names = named.filter((n): boolean => !isUuid(n));
  const { rows } = await client.query<{ id: string; name: string }>(
    "select id, name from app_public.clinic where id = any($1::uuid[]) or name = any($2::text[])",
    [ids, names],
  );
  const unknown = [...ids.filter((id) => !rows.some((r) => r.id === id)), ...names.filter((n) => !rows.some((r) => r.name === n))];
  if (unknown.length) {
    // a name typed in other capitals or spaces ("upendo clinic") was told unknown and no more, the operator left to
    // guess that names are matched as written: the clinics named so (compared as their owners' names are,
    // clinic_name_key) are named, and how a clinic is named is said
    const { rows: alike } = await client.query<{ name: string }>(
      `select distinct name from app_public.clinic
       where app_private.clinic_name_key(name) = any(select app_private.clinic_name_key(n) from unnest($1::text[]) n)
       order by name`,
      [unknown],
    );
    const named = alike.length ? `; named so in other capitals or spaces: ${alike.map((r) => JSON.stringify(r.name)).join(", ")}` : "";
    throw new Error(`unknown clinic(s): ${unknown.join(", ")}: give each clinic's id, or its name exactly as it is written${named}`);
  }
  // clinic names are unique per owner only: a name several clinics share would grant them all
  for (const name of names) {
    const shared = rows.filter((r) => r.name === name);
    if (shared.length > 1) throw new Error(`${shared.length} clinics are named ${name}: name the one to grant by its id (${shared.map((r) => r.id).join(", ")})`);
  }
  return rows.filter((r) => ids.includes(r.id) || names.includes(r.name));
}

/**
 * Makes or updates the login `name` to read `named` clinics (their grants replace the ones before),
 * with its limits set again (settings the analyst gave their own role undone first); its password
 * is kept unless one is given, and a new login without one gets one made. Answers what to say, with a warning
 * naming the other databases of the server it may connect to.
 */
export async function grantAnalyst(config: DatabaseConfig, name: string, named: string[], givenPassword?: string): Promise<string[]> {
  // the login in the superuser's transaction, committed first; the grants in the owner role's, committed after it
  return asOwner(config, (owner) => asOperator(config, async (root) => {
    await analystsTurn(owner, name);
    const exists = await analystExists(root, config, name);
    if (exists) await endWritesHeldAs(root, name);
    const clinics = await clinicsNamed(owner, named);
    // each grant removed or added is an entry in its clinic's audit chain, written in two statements (each ordering only
    // its own chains): their heads are locked first, all in the order of their ids, as a login, a password change or a
    // deactivation takes them, or a grant moving the analyst to a lower id's clinic deadlocked with one of them
    await owner.query(
      "select app_private.lock_audit_chains(array(select g.clinic_id from app_private.analyst_grant g where g.role_name = $1) || $2::uuid[])",
      [name, clinics.map((c) => c.id)],
    );
    await owner.query("delete from app_private.analyst_grant where role_name = $1", [name]);
    // a grant again keeps the analyst's password unless one is given: their connections go on working
    const password = givenPassword ?? (exists ? null : randomBytes(18).toString("base64url"));
    const role = ident(name);
    await root.query(
      `${exists ? "alter" : "create"} role ${role} with login nosuperuser nocreatedb nocreaterole nobypassrls noreplication${password === null ? "" : ` password ${literal(scramVerifier(password))}`}`,
    );
    await setLimits(root, config, name);
    const stillReaching = await takeAwayServerReachingRoles(root, config, name);
    await root.query(`grant ${ident(config.roles.analyst)} to ${role}`);
    const elsewhere = await otherDatabasesOpenTo(root, name);
    await owner.query("insert into app_private.analyst_grant (role_name, clinic_id) select $1, unnest($2::uuid[])", [name, clinics.map((c) => c.id)]);
    // the server's address as DATABASE_URL gives it, without the operator's credentials; with the password only when
    // made here (one given is the operator's already, and printed it would be in whatever keeps the command's output)
    const made = givenPassword === undefined ? password : null;
    const address = new URL(withCredentials(config.rootUrl, name, made ?? ""));
    for (const option of OPERATOR_OPTIONS) address.searchParams.delete(option);
    const kept = password === null ? "password unchanged" : "password as given";
    return [
      `analyst ${name} may read: ${clinics.map((c) => `${c.name} (${c.id})`).join(", ")}`,
      made === null ? `${kept}; connect with: psql "${address}" (and their password)` : `connect with: psql "${address}"`,
      ...(elsewhere.length ? [openElsewhereWarning(name, elsewhere)] : []),
      ...(stillReaching ? [stillReaching] : []),
    ];
  }));
}

/**
 * The server's other databases the login `name` may connect to: initdb's postgres and template1 while PUBLIC keeps
 * CONNECT on them, and any database made since. This database's revocations do not hold there, where every role
 * may take advisory locks, and their table is the whole server's: one statement of an analyst's in postgres
 * (`select pg_advisory_lock(g) from generate_series(1, 10000000) g`, its locks kept by the session when it failed)
 * filled it, and every connection to every database, the API's and the worker's, failed ("out of shared memory")
 * until the analyst disconnected.
 */
async function otherDatabasesOpenTo(client: pg.Client, name: string): Promise<string[]> {
  const { rows } = await client.query<{ datname: string }>(
    `select d.datname from pg_database d join pg_roles r on r.rolname = $1
     where d.datallowconn and d.datname <> current_database() and has_database_privilege(r.oid, d.oid, 'connect')
     order by d.datname collate "C"`,
    [name],
  );
  return rows.map((row) => row.datname);
}

/** What the operator is told of the databases `elsewhere` that the analyst `name` may connect to, and how to close them. */
function openElsewhereWarning(name: string, elsewhere: string[]): string {
  return (
    `warning: ${name} may also connect to ${elsewhere.join(", ")}, where this database's limits do not hold: one statement of theirs there ` +
    `(advisory locks over a series) fills the server's lock table, and every connection to every database then fails ("out of shared memory"). ` +
    `On a server of ClinicOps's own, close them: revoke connect on database ${elsewhere.map(ident).join(", ")} from public (docs/analysts.md)`
  );
}

/**
 * Ends the analyst `name`'s access, then its login. First, in one transaction: its grants and its
 * login (it stays an analyst, so that a revoke again may drop it); then its connections are ended (a read under way
 * saw the grants as they were when it began). Then its role is dropped with the default privileges it
 * may set for itself here; a role that owns something, here or in another database (a large object
 * where PUBLIC may make one), stays, with no access and no login, and is said so: a
 * failed drop used to roll the whole revoke back, and the analyst read on. Answers what to say.
 */
export async function revokeAnalyst(config: DatabaseConfig, name: string): Promise<string[]> {
  const role = ident(name);
  // the login ended in the superuser's transaction, committed first; the grants removed in the owner role's, after it
  const exists = await asOwner(config, (owner) => asOperator(config, async (root) => {
    await analystsTurn(owner, name);
    const exists = await analystExists(root, config, name);
    const { rowCount: grants } = await owner.query("delete from app_private.analyst_grant where role_name = $1", [name]);
    // a misspelt name must not read as a revoked analyst: the one meant would keep reading (the grants
    // of a name whose login is gone, after a restore onto another server, are still removed)
    if (!exists && !grants) throw new Error(`no analyst is named ${name}: nothing was revoked`);
    if (exists) {
      await endWritesHeldAs(root, name);
      await root.query(`alter role ${role} nologin`);
    }
    return exists;
  }));
  if (!exists) return [`analyst ${name} removed`];
  await withSuperuserClient(config.rootUrl, (client) => client.query("select pg_terminate_backend(pid) from pg_stat_activity where usename = $1", [name]));
  try {
    await asOperator(config, async (client) => {
      // drop owned by drops what the role owns here, and the policies that name it alone: only the default
      // privileges an analyst may set for itself, never objects or policies (a role a DBA made an analyst
      // may own a schema, or be named by a policy)
      const { rows: [owns] } = await client.query(
        `select count(*)::int as objects from pg_shdepend d
         where d.refobjid = $1::regrole and d.deptype in ('o', 'r') and d.classid <> 'pg_default_acl'::regclass
           and d.dbid = (select oid from pg_database where datname = current_database())`,
        [name],
      );
      if (owns.objects > 0) throw new Error(`it owns or is named by ${owns.objects} object(s) in ${config.databaseName}, which a revoke does not drop`);
      await client.query(`drop owned by ${role}`);
      await client.query(`drop role ${role}`);
    });
    return [`analyst ${name} removed`];
  } catch (error) {
    const { message, detail } = error as pg.DatabaseError;
    return [
      `analyst ${name} reads no clinic and can no longer log in, but its role stays: ${message}${detail ? ` (${detail.replaceAll("\n", "; ")})` : ""}. ` +
        `Remove what it holds (in each database that holds its objects: drop owned by ${role}), then revoke again to drop it.`,
    ];
  }
}
