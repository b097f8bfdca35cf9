/**
 * A CSV export of a period reads that period's rows, not every row its clinic ever had: the patients, visits and
 * invoices exports chose their rows by each one's local day (`(created_at at time zone c.timezone)::date`), which no
 * index answers, so a day's export of a clinic of ten years read the ten years (twice: the count, then the cursor).
 * Run in a database of its own (schemaCopy), as the worker runs it (its owner role), on a clinic of ten years.
 */
import pg from "pg";
import { schemaCopy } from "../support/database.ts";

const CLINIC = "0a000000-0000-4000-8000-000000000001"; // ten years of rows, in Dar es Salaam (UTC+3)
const DAY = "2026-06-01";
/** Rows of each kind the clinic made over ten years (2017 to 2026). */
const ROWS = 30_000;
/** Clinics whose day is furthest from UTC's (UTC+14, UTC-11), besides the large one: the rows at their day's edges. */
const CLINICS = [
  { id: CLINIC, zone: "Africa/Dar_es_Salaam", rows: ROWS },
  { id: "0a000000-0000-4000-8000-000000000002", zone: "Pacific/Kiritimati", rows: 0 },
  { id: "0a000000-0000-4000-8000-000000000003", zone: "Pacific/Pago_Pago", rows: 0 },
];
const KINDS = [
  { kind: "patients_csv", table: "patient", at: "created_at" },
  { kind: "visits_csv", table: "visit", at: "scheduled_at" },
  { kind: "invoices_csv", table: "invoice", at: "created_at" },
] as const;

let copy: Awaited<ReturnType<typeof schemaCopy>>;
let root: pg.Client;
let owner: pg.Client;

/**
 * The clinic's rows of each kind: every ~2.9 hours over ten years (`rows` of them), and one a moment before the day
 * exported begins in the clinic's time zone, one as it begins, one as it ends and one as the next begins.
 */
async function fill({ id, zone, rows }: (typeof CLINICS)[number], n: number) {
  await root.query("insert into app_public.clinic (id, name, timezone, currency, calling_code) values ($1, $2, $3, 'TZS', '255')", [id, `Ten years ${n}`, zone]);
  const user = `0b000000-0000-4000-8000-00000000000${n}`;
  const doctor = `0c000000-0000-4000-8000-00000000000${n}`;
  await root.query("insert into app_public.\"user\" (id, phone, full_name) values ($1, $2, 'Dr Juma')", [user, `+25570000000${n}`]);
  await root.query("insert into app_public.membership (id, clinic_id, user_id, role, accepted_at) values ($1, $2, $3, 'doctor', now())", [doctor, id, user]);
  const moments = `(select '2017-01-01T00:00:00Z'::timestamptz + g * interval '175 minutes' as at, g from generate_series(1, $3::int) g
    union all select e.at, $3::int + row_number() over () from unnest(array[
      ($4::date::timestamp at time zone $2) - interval '1 millisecond', $4::date::timestamp at time zone $2,
      (($4::date + 1)::timestamp at time zone $2) - interval '1 millisecond', ($4::date + 1)::timestamp at time zone $2]) e (at)) m`;
  const patient = `('0d000000-0000-4000-8${n}00-' || lpad(m.g::text, 12, '0'))::uuid`;
  const params = [id, zone, rows, DAY];
  await root.query(
    `insert into app_public.patient (id, clinic_id, code, first_name, last_name, created_at)
     select ${patient}, $1, 'PAT-' || lpad(m.g::text, 6, '0'), 'Asha', 'Patient', m.at from ${moments}`,
    params,
  );
  await root.query(
    `insert into app_public.visit (clinic_id, code, patient_id, doctor_id, scheduled_at, status)
     select $1, 'VIS-' || lpad(m.g::text, 6, '0'), ${patient}, '${doctor}', m.at, 'completed' from ${moments}`,
    params,
  );
  await root.query(
    `insert into app_public.invoice (clinic_id, code, patient_id, currency, tax_rate, created_at)
     select $1, 'INV-' || lpad(m.g::text, 6, '0'), ${patient}, 'TZS', 0, m.at from ${moments}`,
    params,
  );
}

beforeAll(async () => {
  copy = await schemaCopy("export_periods");
  root = new pg.Client({ connectionString: copy.config.rootUrl });
  await root.connect();
  // rows as a data import writes them (triggers off: no codes, audit or rollups needed here)
  await root.query("begin");
  await root.query("set local session_replication_role = replica");
  for (const [i, clinic] of CLINICS.entries()) await fill(clinic, i + 1);
  await root.query("commit");
  await root.query("analyze app_public.clinic, app_public.patient, app_public.visit, app_public.invoice, app_public.membership, app_public.\"user\"");
  owner = new pg.Client({ connectionString: copy.config.ownerUrl });
  await owner.connect();
}, 120_000);

afterAll(async () => {
  await owner?.end();
  await root?.end();
  await copy?.drop();
});

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

/** How many rows of each table the statement read, as EXPLAIN ANALYZE counts them (those its filters then dropped too). */
async function rowsRead(sql: string): Promise<Record<string, number>> {
  const { rows } = await owner.query(`explain (analyze, format json) ${sql}`, [CLINIC, DAY, DAY]);
  const read: Record<string, number> = {};
  const walk = (node: PlanNode) => {
    if (node["Relation Name"]) {
      const name = node["Relation Name"];
      read[name] = (read[name] ?? 0) + (node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0)) * node["Actual Loops"];
    }
    node.Plans?.forEach(walk);
  };
  walk(rows[0]["QUERY PLAN"][0].Plan);
  return read;
}

test.each(KINDS)("a day's $kind reads about that day's rows, not the clinic's ten years, to count them and to write them", async ({ kind, table }) => {
  const { rows } = await owner.query("select app_private.export_rows($1) as rows, app_private.export_query($1) as sql", [kind]);
  // the worker's two statements: the count, then the rows in order (csv-export.ts)
  const statements = { count: `select count(*)::int as n from (${rows[0].rows}) rows_to_export`, rows: rows[0].sql };
  for (const [statement, sql] of Object.entries(statements)) {
    const read = (await rowsRead(sql))[table];
    // a day has about 8 of the clinic's rows; its bounds read the days either side too
    expect({ kind, statement, read: read < 100 ? "a few days' rows" : read }).toEqual({ kind, statement, read: "a few days' rows" });
  }
});

test.each(KINDS)("a day's $kind has the rows of that day in the clinic's time zone, from its first instant to its last, in zones furthest from UTC too", async ({ kind, table, at }) => {
  const { rows: [{ sql }] } = await owner.query("select app_private.export_query($1) as sql", [kind]);
  for (const { id, zone } of CLINICS) {
    const { rows: exported } = await owner.query<{ code: string }>(sql as string, [id, DAY, DAY]);
    const { rows: expected } = await root.query(`select code from app_public.${table} where clinic_id = $1 and (${at} at time zone $2)::date = $3`, [id, zone, DAY]);
    const codes = exported.map((row) => row.code).sort();
    expect({ zone, codes }).toEqual({ zone, codes: expected.map((row) => row.code as string).sort() });
    // the four rows at the edges (the last written): a moment before the day, its first instant, its last, the next day's first
    const { rows: edges } = await root.query(`select code from app_public.${table} where clinic_id = $1 order by code desc limit 4`, [id]);
    expect({ zone, exported: edges.reverse().map((edge) => codes.includes(edge.code)) }).toEqual({ zone, exported: [false, true, true, false] });
  }
});
