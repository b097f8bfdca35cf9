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
 * sessions), and pg_signal_backend, which ends the API's and the worker's connections.
 */
const PREDEFINED = ["pg_read_server_files", "pg_write_server_files", "pg_execute_server_program", "pg_read_all_data", "pg_write_all_data", "pg_signal_backend"];

/**
 * Takes away from `role` its direct memberships of PREDEFINED and of ClinicOps' roles but the analyst role; answers
 * a warning naming those of them `role` still holds through another role (a group of the DBA's, which is not
 * ClinicOps' to change), or nothing.
 */
export async function takeAwayServerReachingRoles(client: pg.ClientBase, config: DatabaseConfig, role: string): Promise<string | undefined> {
  const { owner, authenticator, visitor, auditor } = config.roles;
  const reaching = [...PREDEFINED, owner, authenticator, visitor, auditor].filter((name) => name !== role);
  const { rows: direct } = await client.query<{ name: string }>(
    `select g.rolname as name from pg_auth_members m join pg_roles g on g.oid = m.roleid join pg_roles r on r.oid = m.member
     where r.rolname = $1 and g.rolname = any($2::text[]) order by g.rolname collate "C"`,
    [role, reaching],
  );
  for (const { name } of direct) await client.query(`revoke ${ident(name)} from ${ident(role)}`);
  const { rows: held } = await client.query<{ name: string }>(
    `select g.name from unnest($2::text[]) g(name) where exists (select from pg_roles where rolname = g.name) and pg_has_role($1, g.name, 'member')
     order by g.name collate "C"`,
    [role, reaching],
  );
  if (!held.length) return undefined;
  return (
    `warning: ${role} is still a member of ${held.map((row) => row.name).join(", ")} through another role it belongs to, ` +
    `which reaches past the clinics it may read (the server's files or programs, every table's rows, other sessions): ` +
    `revoke that membership (docs/analysts.md)`
  );
}
