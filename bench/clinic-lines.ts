/**
 * The clinic-domain benchmarks' requests: patient search and one day's visit
 * list, each as the API's GraphQL, as the SQL the API runs through row-level
 * security, and as plain SQL with `where clinic_id = …` (the baseline).
 */
import pg from "pg";
import type { DatabaseConfig } from "../db/config.ts";

/** Name fragments, codes, and "+2557", the phone prefix of every generated patient (digits alone, "2557", are also read as a code's number since 000314: PAT-002557 first, in a clinic that has it). */
export const SEARCH_TERMS = ["mwak", "kima", "moll", "njor", "otie", "mush", "zawadi", "neema", "baraka", "lyim", "temba", "PAT-000123",
  "PAT-000777", "kamau", "wanj", "sanga", "mosha", "ringo", "halima", "juma", "+2557", "ngowi", "tarimo", "assenga", "grace", "omari"];

export const SEARCH_API = `query($q: String!) { searchPatients(query: $q, first: 20) { nodes { code firstName lastName phone } } }`;
/**
 * search_patients's query (migration 000014) as plain SQL: matches sorted in the trigram-indexed table, then each looked
 * up; its pattern made once, by the function's own helpers (search_key, contains_pattern), as the function passes it as
 * a value, not at every row; names sorted in ICU's root collation, as the function sorts them (000133), not in the
 * database's (byte order at C.UTF-8: Zulu before abbott). A query of one word that is no code: SEARCH_TERMS's.
 */
export const SEARCH_SQL = `select p.code, p.first_name, p.last_name, p.phone from (
    select s.patient_id, s.code = upper($2) as exact_code, s.last_name, s.first_name from app_private.patient_search s
    where s.clinic_id = $1 and s.search_text like (select app_hidden.contains_pattern(app_hidden.search_key($2)))
    order by exact_code desc, s.last_name collate "und-x-icu", s.first_name collate "und-x-icu", s.patient_id) m
  cross join lateral (
    select p.* from app_public.patient p where p.clinic_id = $1 and p.id = m.patient_id and p.deleted_at is null offset 0) p
  order by m.exact_code desc, m.last_name collate "und-x-icu", m.first_name collate "und-x-icu", m.patient_id limit 20`;
/** What the API's search runs, through row-level security, on a connection already set up as a visitor session. */
export const SEARCH_RLS = `select code, first_name, last_name, phone from app_public.search_patients($1) limit 20`;
export const DAY_RLS = `select v.code, v.status, v.scheduled_at, p.code as patient_code, p.first_name, p.last_name, v.doctor_id
  from app_public.visit v join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
  where v.scheduled_at >= $1 and v.scheduled_at < $2 order by v.scheduled_at, v.id limit 100`;
export const DAY_API = `query($from: Datetime!, $to: Datetime!) {
  visits(filter: { scheduledAt: { greaterThanOrEqualTo: $from, lessThan: $to } }, orderBy: SCHEDULED_AT_ASC, first: 100) {
    nodes { code status scheduledAt patient { code firstName lastName } doctorId } } }`;
export const DAY_SQL = `select v.code, v.status, v.scheduled_at, p.code as patient_code, p.first_name, p.last_name, v.doctor_id
  from app_public.visit v join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
  where v.clinic_id = $1 and v.scheduled_at >= $2 and v.scheduled_at < $3 order by v.scheduled_at, v.id limit 100`;

/** The i-th request's day: one of the past 300 days, as the [from, to) instants of its UTC day. */
export function dayRange(i: number): { from: string; to: string } {
  const day = new Date(Date.now() - ((i * 7) % 300) * 86400_000);
  day.setUTCHours(0, 0, 0, 0);
  return { from: day.toISOString(), to: new Date(day.getTime() + 86400_000).toISOString() };
}

/** The ids of "Bench clinic <n>" for each of `numbers`, in that order. */
export async function clinicIds(db: pg.ClientBase | pg.Pool, numbers: number[]): Promise<string[]> {
  const { rows } = await db.query(
    "select c.id from unnest($1::int[]) with ordinality n(number, position) join app_public.clinic c on c.name = 'Bench clinic ' || n.number order by n.position",
    [numbers],
  );
  return rows.map((r) => r.id as string);
}

/**
 * A connection set up as the API sets up a request of the clinic's latest
 * session (its receptionist's, logged in through the API): the visitor role,
 * the session claim and the API's plan_cache_mode.
 */
export async function visitorConnection(config: DatabaseConfig, root: pg.ClientBase | pg.Pool, clinicId: string): Promise<pg.Client> {
  const { sessionId } = (await root.query(
    "select id as \"sessionId\" from app_private.session where clinic_id = $1 and revoked_at is null order by created_at desc limit 1",
    [clinicId],
  )).rows[0];
  const visitor = new pg.Client({ connectionString: config.authenticatorUrl });
  await visitor.connect();
  await visitor.query(`set role ${pg.escapeIdentifier(config.roles.visitor)}`);
  await visitor.query("select set_config('jwt.claims.session_id', $1, false)", [sessionId]);
  await visitor.query("set plan_cache_mode = force_generic_plan"); // the API's plan_cache_mode (server/pg-settings.ts)
  return visitor;
}

/** A clinic as a benchmark measures it: its receptionist's API session, a superuser connection and a visitor connection with that session. */
export interface ClinicLines {
  clinicId: string;
  graphql(query: string, variables: object): Promise<any>;
  root: pg.ClientBase | pg.Pool;
  visitor: pg.ClientBase;
}

/**
 * Where the API, the SQL with RLS and the plain SQL do not answer the same rows in the same order (by code), for
 * every search term and the days of the first `days` requests: one line each, none when all agree. A baseline that
 * answers otherwise than the API is no baseline of it; the benchmark checks before it measures.
 */
export async function differentAnswers(t: ClinicLines, days: number): Promise<string[]> {
  const codes = (rows: { code: string }[]) => rows.map((row) => row.code).join(" ");
  const differences: string[] = [];
  const compare = (what: string, answers: Record<string, string>) => {
    if (new Set(Object.values(answers)).size > 1) {
      differences.push(`${what}: ${Object.entries(answers).map(([line, answer]) => `${line} [${answer}]`).join(", ")}`);
    }
  };
  for (const q of SEARCH_TERMS) {
    compare(`search ${JSON.stringify(q)}`, {
      API: codes((await t.graphql(SEARCH_API, { q })).data.searchPatients.nodes),
      "SQL with RLS": codes((await t.visitor.query(SEARCH_RLS, [q])).rows),
      SQL: codes((await t.root.query(SEARCH_SQL, [t.clinicId, q])).rows),
    });
  }
  const seen = new Set<string>();
  for (let i = 0; i < days; i++) {
    const { from, to } = dayRange(i);
    if (seen.has(from)) continue; // a day every 300 requests
    seen.add(from);
    compare(`day list from ${from}`, {
      API: codes((await t.graphql(DAY_API, { from, to })).data.visits.nodes),
      "SQL with RLS": codes((await t.visitor.query(DAY_RLS, [from, to])).rows),
      SQL: codes((await t.root.query(DAY_SQL, [t.clinicId, from, to])).rows),
    });
  }
  return differences;
}
