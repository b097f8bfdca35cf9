/**
 * Every table, view, column, function and type of our schemas carries a comment:
 * PostGraphile turns them into the API documentation, analysts read them in
 * their SQL tools.
 */
import { closeRootPool, rootPool } from "../support/database.ts";

afterAll(closeRootPool);

test("nothing in app_public, app_hidden, app_private or reporting is left undocumented", async () => {
  const { rows } = await rootPool().query(`
    select 'table ' || c.oid::regclass as missing from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ('app_public', 'app_hidden', 'app_private', 'reporting') and c.relkind in ('r', 'v')
      and obj_description(c.oid, 'pg_class') is null
    union all
    select 'column ' || c.oid::regclass || '.' || a.attname from pg_attribute a
    join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ('app_public', 'app_hidden', 'app_private', 'reporting') and c.relkind in ('r', 'v')
      and a.attnum > 0 and not a.attisdropped and col_description(c.oid, a.attnum) is null
    union all
    select 'function ' || p.oid::regprocedure from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('app_public', 'app_hidden', 'app_private', 'reporting') and obj_description(p.oid, 'pg_proc') is null
    union all
    -- enums, domains and composite types (a table's or view's own row type is the table's)
    select 'type ' || t.oid::regtype from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname in ('app_public', 'app_hidden', 'app_private', 'reporting') and t.typtype in ('e', 'd', 'c')
      and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
      and obj_description(t.oid, 'pg_type') is null
    order by 1`);
  expect(rows.map((r) => r.missing)).toEqual([]);
});

// a migration's number is left as three N's until the lead commits it: visit_in_the_clinic_idx's comment kept them
// (000428), as drop_days_opened_before_clinics' once did (000265, filled in by 000283); fixed by 000429
test("no comment in the database leaves a migration's number unfilled", async () => {
  const unfilled = "%000" + "NNN%"; // not written whole, or committing this test would fill it in
  const { rows } = await rootPool().query("select description from pg_description where description like $1", [unfilled]);
  expect(rows.map((r) => r.description)).toEqual([]);
});
