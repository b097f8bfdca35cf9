/**
 * Every tenant table, found from the catalog so a new table cannot be
 * forgotten: a member of clinic A (as owner, the widest role) can neither
 * read, change, delete nor create clinic B's rows, and a table without
 * clinic_id in its keys fails the check in rls.test.ts.
 */
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { asMember, cashierSession, committedAs, createClinic, createIssuedInvoice, LONG_AGO, openSession, type TestClinic } from "../support/fixtures.ts";
import { takeWorkerTurn, WORKER_TURN_WAIT_MS } from "../support/worker.ts";

let a: TestClinic;
let b: TestClinic;
let tables: string[];
let releaseWorkerTurn: () => Promise<void>;

beforeAll(async () => {
  // Job-running test files wait meanwhile: their workers would otherwise run B's export or open
  // every clinic's day while the fingerprints below are taken, and B's rows would change under them.
  releaseWorkerTurn = await takeWorkerTurn();
  a = await createClinic("Isolation A");
  b = await createClinic("Isolation B", { since: LONG_AGO });
  // give clinic B a row in every table: a paid, refunded invoice with its visit, and a closed day
  const invoice = await createIssuedInvoice(b, "1000");
  await committedAs(await cashierSession(b), async (c) => {
    const p = (await c.query("select id from app_public.record_payment($1, 500, 'cash')", [invoice.id])).rows[0];
    await c.query("select app_public.refund_payment($1, 100, 'Test')", [p.id]);
    await c.query("select app_public.close_day((now() - interval '3 days')::date)");
    await c.query("select app_public.request_export('payments_csv', current_date, current_date)");
  });
  const { rows } = await rootPool().query(`
    select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'app_public' and c.relkind = 'r'
      and exists (select 1 from pg_attribute x where x.attrelid = c.oid and x.attname = 'clinic_id' and not x.attisdropped)
    order by 1`);
  tables = rows.map((r) => r.relname);
}, WORKER_TURN_WAIT_MS);
afterAll(async () => {
  // B's export job leaves the shared queue: the next test file that runs jobs would run it, writing where its settings say
  await rootPool().query("select graphile_worker.remove_job('report_export:' || id) from app_public.report_export where clinic_id = $1", [b.clinicId]);
  await releaseWorkerTurn();
  await closeRootPool();
});

test("the catalog lists the tenant tables this test walks", () => {
  expect(tables).toEqual(
    expect.arrayContaining(["audit_log", "daily_reconciliation", "invoice", "invoice_line", "membership", "patient", "payment", "refund",
      "report_export", "service", "service_price", "visit", "visit_service"]),
  );
});

test("clinic B has rows in every tenant table (so the checks below mean something)", async () => {
  for (const table of tables) {
    const { rows } = await rootPool().query(`select count(*)::int as n from app_public.${table} where clinic_id = $1`, [b.clinicId]);
    expect({ table, hasRows: rows[0].n > 0 }).toEqual({ table, hasRows: true });
  }
});

test("A's owner reads none of B's rows in any table", async () => {
  await asMember(a.members.owner, async (c) => {
    for (const table of tables) {
      const { rows } = await c.query(`select count(*)::int as n from app_public.${table} where clinic_id = $1`, [b.clinicId]);
      expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
    }
  });
});

test("A's owner changes and deletes none of B's rows in any table", async () => {
  const fingerprint = async () => {
    const result: Record<string, string> = {};
    for (const table of tables) {
      const { rows } = await rootPool().query(`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from app_public.${table} t where clinic_id = $1`, [
        b.clinicId,
      ]);
      result[table] = rows[0].h;
    }
    return result;
  };
  const before = await fingerprint();
  // clinic_id is no column the API's role may update: its update (below) is refused by the column's grant, whatever
  // the policies say (it passed with the clinic's condition gone from a table's select and update policies); a column
  // it may update (a patient's address) is one their policies must keep
  const { rows: writable } = await rootPool().query<{ table: string; column: string }>(
    `select c.relname as table, min(a.attname) as column from pg_class c
     join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'app_public'
     join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     where c.relname = any ($1) and has_column_privilege($2, c.oid, a.attnum, 'update')
     group by c.relname`,
    [tables, testConfig.roles.visitor],
  );
  expect(writable.map((r) => r.table)).toEqual(expect.arrayContaining(["invoice", "invoice_line", "membership", "patient", "payment", "service", "visit", "visit_service"]));
  for (const { table, column } of writable) {
    await asMember(a.members.owner, async (c) => {
      const outcome = await c.query(`update app_public.${table} set ${column} = ${column} where clinic_id = $1`, [b.clinicId]).then(
        (r) => `changed ${r.rowCount}`,
        (e: Error) => e.message,
      );
      expect({ table, column, outcome }).toEqual({ table, column, outcome: "changed 0" });
    });
  }
  // a statement that reads no column (no WHERE, a column set to its default) passes the update or delete policies
  // alone, not the select policy too: on a table where A has no row, it changes none, or it reached B's. Committed,
  // for the fingerprints below to tell: a soft delete of B's row (its trigger's update) answers "changed 0"
  const ownerOfA = await openSession(a.members.owner.userId, a.clinicId);
  const emptyInA: string[] = [];
  for (const table of tables) {
    const { rows } = await rootPool().query(`select exists (select from app_public.${table} where clinic_id = $1) as any`, [a.clinicId]);
    if (!rows[0].any) emptyInA.push(table);
  }
  expect(emptyInA).toEqual(expect.arrayContaining(["invoice", "patient", "payment", "service", "visit", "visit_service"]));
  for (const table of emptyInA) {
    const column = writable.find((w) => w.table === table)?.column;
    for (const statement of [...(column ? [`update app_public.${table} set ${column} = default`] : []), `delete from app_public.${table}`]) {
      await committedAs(ownerOfA, async (c) => {
        const outcome = await c.query(statement).then((r) => `changed ${r.rowCount}`, (e: Error) => e.message);
        expect({ table, statement, outcome }).toEqual({ table, statement, outcome: expect.stringMatching(/^changed 0$|permission denied/) });
      });
    }
  }
  for (const table of tables) {
    for (const statement of [`update app_public.${table} set clinic_id = clinic_id where clinic_id = $1`, `delete from app_public.${table} where clinic_id = $1`]) {
      await asMember(a.members.owner, async (c) => {
        const outcome = await c.query(statement, [b.clinicId]).then(
          (r) => `changed ${r.rowCount}`,
          (e: Error) => e.message,
        );
        expect({ table, statement: statement.split(" ")[0], outcome }).toEqual({
          table,
          statement: statement.split(" ")[0],
          outcome: expect.stringMatching(/^changed 0$|permission denied/),
        });
      });
    }
  }
  expect(await fingerprint()).toEqual(before);
});

// an operator's psql moved a row of B to A (its clinic_id set, with what it points at): A then gave the row's code again
// and read B's data in its audit log; only a day's row kept its clinic (000487). Each statement is rolled back: B's rows
// stay for the other tests (000494)
test("an operator's psql moves no row of B to A: every tenant table's rows keep their clinic", async () => {
  const client = await rootPool().connect();
  try {
    for (const table of tables) {
      await client.query("begin");
      const outcome = await client.query(`update app_public.${table} set clinic_id = $1 where clinic_id = $2`, [a.clinicId, b.clinicId]).then(
        (r) => `moved ${r.rowCount}`,
        (e: Error) => e.message,
      );
      await client.query("rollback");
      const own: Record<string, string> = { audit_log: "The audit log is append-only.", membership: "A membership cannot move to another clinic or user." };
      expect({ table, outcome }).toEqual({ table, outcome: own[table] ?? expect.stringMatching(/ keeps its clinic/) });
    }
  } finally {
    client.release();
  }
});

// an analyst's grant is a row of its clinic too, in its audit chain (000148): an operator's psql moving one from B to A
// had the analyst read A and no more of B, while B's log, never told, said the analyst reads B still, and A's told it
// as an update of B's grant, granted at B's date (000495). Every audited table with a clinic_id, in any schema, keeps it
test("an operator's psql moves no analyst's grant of B to A: B's log would never say it ended; every audited table's rows keep their clinic", async () => {
  const client = await rootPool().connect();
  try {
    await client.query("begin");
    await client.query("insert into app_private.analyst_grant (role_name, clinic_id) values ($1, $2)", [`moved_${process.pid}`, b.clinicId]);
    const outcome = await client
      .query("update app_private.analyst_grant set clinic_id = $1 where role_name = $2", [a.clinicId, `moved_${process.pid}`])
      .then((r) => `moved ${r.rowCount}`, (e: Error) => e.message);
    await client.query("rollback");
    expect(outcome).toBe("This analyst grant keeps its clinic: make it anew in the other clinic instead.");
  } finally {
    client.release();
  }
  // found from the catalog, so that an audited table made later with a clinic_id is not forgotten (a day's row and a
  // membership refuse their move by rules of their own, 000487 and tg_membership__guard_owners)
  const { rows } = await rootPool().query(`
    select c.oid::regclass::text as "table" from pg_class c
    where exists (select from pg_attribute x where x.attrelid = c.oid and x.attname = 'clinic_id' and not x.attisdropped)
      and exists (select from pg_trigger t where t.tgrelid = c.oid and t.tgfoid = 'app_private.tg__audit()'::regprocedure)
      and not exists (select from pg_trigger t where t.tgrelid = c.oid and t.tgname in ('_010_clinic_kept', '_125_day_kept', '_200_guard_owners'))
    order by 1`);
  expect(rows).toEqual([]);
});

test("A's owner cannot create a row in B by naming B's clinic_id", async () => {
  for (const table of tables) {
    await asMember(a.members.owner, async (c) => {
      const outcome = await c
        .query(`insert into app_public.${table} (clinic_id) values ($1)`, [b.clinicId])
        .then(() => "inserted", (e: Error) => e.message);
      expect({ table, outcome }).toEqual({ table, outcome: expect.stringMatching(/permission denied/) });
    });
  }
});
