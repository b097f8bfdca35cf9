/**
 * What a superuser may read of a table that is not its own (the owner role's: graphile-migrate's, the audit chains'
 * heads and anchors) without running that table's owner's code with a superuser's rights.
 */
import type pg from "pg";
import { inTransaction } from "./pool.ts";

/**
 * Locks `table` (until the transaction ends) against the changes below (not against writes of its rows), then refuses
 * it unless it is a table whose reading calls nothing but built-in code, before a superuser plans a read of it: the
 * planner computes an index's expressions and predicate, an expression's statistics and a check constraint
 * (constraint_exclusion, which the database's owner may set on), a value compared with a column of a domain meets its
 * checks, and a view in its place or a table inheriting from it is read too: each may call its owner's functions (or
 * operators, or types), run with the superuser's rights (in a read-only transaction too: `copy … to program` runs a
 * command of the server's system user). The lock is taken first, before the transaction's snapshot: call it before any
 * other statement of a repeatable read transaction.
 */
export async function readableAsSuperuser(client: Pick<pg.ClientBase, "query">, table: string): Promise<void> {
  await client.query(`lock table ${table} in share update exclusive mode`);
  const { rows: [{ plain, database }] } = await client.query(
    `with part(classid, objid) as (
       select 'pg_class'::regclass, $1::regclass::oid
       union all select 'pg_class'::regclass, i.indexrelid from pg_index i where i.indrelid = $1::regclass
       union all select 'pg_statistic_ext'::regclass, s.oid from pg_statistic_ext s where s.stxrelid = $1::regclass
       union all select 'pg_constraint'::regclass, k.oid from pg_constraint k where k.conrelid = $1::regclass)
     select c.relkind = 'r' and not c.relhassubclass and not c.relhasrules
       and not exists (
         select from part join pg_depend d on d.classid = part.classid and d.objid = part.objid
         where coalesce((select p.pronamespace from pg_proc p where d.refclassid = 'pg_proc'::regclass and p.oid = d.refobjid),
                        (select o.oprnamespace from pg_operator o where d.refclassid = 'pg_operator'::regclass and o.oid = d.refobjid),
                        (select t.typnamespace from pg_type t where d.refclassid = 'pg_type'::regclass and t.oid = d.refobjid),
                        'pg_catalog'::regnamespace) <> 'pg_catalog'::regnamespace) as plain,
       current_database() as database
     from pg_class c where c.oid = $1::regclass`,
    [table],
  );
  if (!plain) {
    throw new Error(
      `${table} of ${database} is not a plain table, as ClinicOps made it: a view in its place, a rule, a table inheriting from it, or ` +
        "an index, statistics, a constraint or a column that calls or is of a function, operator or type outside pg_catalog (its owner's): " +
        "read as a superuser, it would run them with a superuser's rights. Remove what was added, as its owner role, then run again.",
    );
  }
}

/** The rows of `text`, a read of `table` in a transaction of its own, once the table is locked and found plain (readableAsSuperuser). */
export function readPlainTable<R extends pg.QueryResultRow>(client: Pick<pg.ClientBase, "query">, table: string, text: string, values: unknown[] = []): Promise<R[]> {
  return inTransaction(client, async () => {
    await readableAsSuperuser(client, table);
    return (await client.query<R>(text, values)).rows;
  });
}
