/**
 * The memberships a DBA may give the roles others act as (each analyst SET ROLEs to the analyst role, the
 * authenticator to the visitor) or an analyst's login, that reach past the clinics those roles may read: PostgreSQL's
 * predefined roles of the server's files, programs, every table's rows and other sessions, and ClinicOps' own roles.
 * A grant or a start takes them away, as it takes away the attributes (superuser, createrole…) of the same reach.
 */
import pg from "pg";
import type { DatabaseConfig } from "./config.ts";

const { escapeIdentifier: ident } = pg;

/**
 * PostgreSQL's predefined roles an analyst must not hold: `copy … to/from` a server file or program (a member of
 * pg_write_server_files wrote /tmp on the server), every table's rows whatever the grants (password hashes,
 * sessions), pg_signal_backend, which ends the API's and the worker's connections, and PostgreSQL 17's pg_maintain,
 * which locks any table (an analyst held every clinic's invoices locked, the API's requests waiting behind it) and
 * vacuums full, clusters and reindexes it; and pg_read_all_stats (in pg_monitor), which shows every session's statement
 * as sent, the literals of other clinics' analysts (a patient's name searched) among them. A name the server does not
 * have (pg_maintain before 17) is passed over.
 */
const PREDEFINED = [
  "pg_read_server_files",
  "pg_write_server_files",
  "pg_execute_server_program",
  "pg_read_all_data",
  "pg_write_all_data",
  "pg_signal_backend",
  "pg_maintain",
  "pg_read_all_stats",
  "pg_monitor",
];

/**
 * Takes away from `role` its direct memberships of PREDEFINED and of ClinicOps' roles but the analyst role, and those
 * passed on from them (a member of `role` given an ADMIN OPTION granted it on as `role`: an analyst to its own login, as
 * the analyst role); answers a warning naming those of them `role` still holds through another role (a group of the
 * DBA's, which is not ClinicOps' to change), or nothing.
 */
export async function takeAwayServerReachingRoles(client: pg.ClientBase, config: DatabaseConfig, role: string): Promise<string | undefined> {
  const { owner, authenticator, visitor, auditor } = config.roles;
  const reaching = [...PREDEFINED, owner, authenticator, visitor, auditor].filter((name) => name !== role);
  // each revoked as granted, by its grantor: PostgreSQL 16 and later revoke only the revoking role's grants (a DBA's
  // role of CREATEROLE's grant was left) and refuse one passed on without cascade (the start failed: "dependent
  // privileges exist"); PostgreSQL 15 revokes any, but not those passed on, which it does not track: they are found by
  // their grantor, and revoked first, the last passed on first
  const { rows: given } = await client.query<{ name: string; member: string; grantor: string | null }>(
    `with recursive given (roleid, member, grantor, depth) as (
       select m.roleid, m.member, m.grantor, 0 from pg_auth_members m join pg_roles g on g.oid = m.roleid join pg_roles r on r.oid = m.member
       where r.rolname = $1 and g.rolname = any($2::text[])
       union all
       select m.roleid, m.member, m.grantor, given.depth + 1 from given join pg_auth_members m on m.roleid = given.roleid and m.grantor = given.member
     ) cycle roleid, member set looped using path
     select g.rolname as name, r.rolname as member, w.rolname as grantor
     from given join pg_roles g on g.oid = given.roleid join pg_roles r on r.oid = given.member left join pg_roles w on w.oid = given.grantor
     where not looped order by given.depth desc, g.rolname collate "C", r.rolname collate "C"`,
    [role, reaching],
  );
  for (const { name, member, grantor } of given) {
    await client.query(`revoke ${ident(name)} from ${ident(member)}${grantor === null ? "" : ` granted by ${ident(grantor)}`} cascade`);
  }
  const { rows: held } = await client.query<{ name: string }>(
    // by the oid of a role the server has: named, one it has not (pg_maintain before 17) failed the start, whatever the order
    `select g.rolname as name from pg_roles g where g.rolname = any($2::text[]) and pg_has_role($1, g.oid, 'member')
     order by g.rolname collate "C"`,
    [role, reaching],
  );
  if (!held.length) return undefined;
  return (
    `warning: ${role} is still a member of ${held.map((row) => row.name).join(", ")} through another role it belongs to, ` +
    `which reaches past the clinics it may read (the server's files or programs, every table's rows, other sessions): ` +
    `revoke that membership (docs/analysts.md)`
  );
}
