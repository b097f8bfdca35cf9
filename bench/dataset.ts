/**
 * Generates a benchmark data set of clinics of equal size straight in SQL
 * (bulk inserts with triggers off: codes and counters are written directly,
 * no audit entries), with a progress bar on stderr.
 *
 *   npm run bench:data -- [--clinics 1000] [--patients 1000] [--visits 3000]   (the defaults)
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/clinicops_bench)
 * names a superuser connection; the database is created and migrated when missing,
 * and clinics are added to what is there.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { type DatabaseConfig, databaseConfig, settingsOrExit, withCredentials } from "../db/config.ts";
import { watchCurrentMigration } from "../db/migrate.ts";
import { prepareDatabase } from "../db/setup.ts";
import { newestCommittedMigration } from "../db/committed-migrations.ts";
import { benchSize } from "./sizes.ts";

export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/clinicops_bench";
/** The roles and addresses of a bench database at `url` (a superuser connection), with the bench's passwords. */
export const benchConfigFor = (url: string): DatabaseConfig =>
  databaseConfig(url, { ownerPassword: "bench-owner", authenticatorPassword: "bench-authenticator" }, "BENCH_DATABASE_URL");
export const benchConfig = benchConfigFor(BENCH_DATABASE_URL);
export const BENCH_PASSWORD = "bench-password";

/** The phone of a generated clinic's owner or receptionist ("Bench clinic <n>"), as addClinics writes it. */
export const staffPhone = (clinicNumber: number, staff: "owner" | "receptionist"): string =>
  `+2556${String(clinicNumber).padStart(7, "0")}${staff === "owner" ? 0 : 1}`;

const FIRST_NAMES = ["Amani", "Baraka", "Neema", "Zawadi", "Juma", "Rehema", "Halima", "Musa", "Fatuma", "Joseph", "Grace", "Peter",
  "Esther", "John", "Mary", "Salma", "Hassan", "Upendo", "Daudi", "Aisha", "Emmanuel", "Faraji", "Imani", "Khamis", "Lulu", "Mwajuma",
  "Nuru", "Omari", "Pendo", "Rashidi", "Saida", "Tumaini", "Wanjiru", "Yusuf", "Zuberi", "Agnes", "Brian", "Catherine", "David", "Elias"];
const LAST_NAMES = ["Mwakyusa", "Kimaro", "Mollel", "Massawe", "Njoroge", "Otieno", "Mushi", "Shirima", "Lyimo", "Temba", "Mrema", "Swai",
  "Kileo", "Minja", "Urio", "Mbwambo", "Kombo", "Hamisi", "Said", "Abdallah", "Mwangi", "Kamau", "Ochieng", "Wanjala", "Kariuki",
  "Nyerere", "Mkapa", "Kikwete", "Magufuli", "Mwinyi", "Makamba", "Chande", "Mfinanga", "Lema", "Sanga", "Mbowe", "Kabendera",
  "Mtui", "Pallangyo", "Ngowi", "Macha", "Tarimo", "Assenga", "Mosha", "Materu", "Kiwelu", "Msuya", "Munisi", "Ringo", "Kisanga"];

const sqlArray = (values: string[]) => `array[${values.map((v) => `'${v}'`).join(",")}]`;

/** Adds `count` clinics, each with an owner, a receptionist, two doctors, patients and visits over the past and next months. */
async function addClinics(client: pg.Client, first: number, count: number, patients: number, visits: number): Promise<void> {
  await client.query("begin");
  await client.query("set local session_replication_role = replica");
  await client.query(
    `create temp table batch on commit drop as
     select gen_random_uuid() as clinic_id, g as n from generate_series($1::int, $2::int) g`,
    [first, first + count - 1],
  );
  // created before its data (patients registered over the past two years, visits and payments over the past year), as a
  // clinic with that history was: a day before a clinic's creation without money in its rollups (which these bulk loads
  // do not write) is no day to reconcile (000274), and the billing bench's reconciliation opened no day at all
  await client.query(`insert into app_public.clinic (id, name, timezone, currency, calling_code, created_at)
    select clinic_id, 'Bench clinic ' || n, 'Africa/Dar_es_Salaam', 'TZS', '255', now() - interval '3 years' from batch`);
  // staff: 0 owner, 1 receptionist, 2 and 3 doctors; phone +2556 + clinic number + staff number
  await client.query(
    `with staff as (
       select b.clinic_id, s, gen_random_uuid() as user_id,
              '+2556' || lpad(b.n::text, 7, '0') || s as phone,
              (array['owner','receptionist','doctor','doctor'])[s + 1]::app_public.member_role as role
       from batch b cross join generate_series(0, 3) s),
     u as (insert into app_public."user" (id, phone, full_name) select user_id, phone, 'Bench ' || role || ' ' || phone from staff),
     p as (insert into app_private.user_secret (user_id, password_hash) select user_id, crypt($1, gen_salt('bf', 4)) from staff)
     insert into app_public.membership (clinic_id, user_id, role) select clinic_id, user_id, role from staff`,
    [BENCH_PASSWORD],
  );
  await client.query(
    `insert into app_public.patient (clinic_id, code, first_name, last_name, phone, date_of_birth, sex, created_at)
     select b.clinic_id, 'PAT-' || lpad(g::text, 6, '0'),
       (${sqlArray(FIRST_NAMES)})[1 + floor(random() * ${FIRST_NAMES.length})::int],
       (${sqlArray(LAST_NAMES)})[1 + floor(random() * ${LAST_NAMES.length})::int],
       '+2557' || lpad(floor(random() * 100000000)::bigint::text, 8, '0'),
       date '1940-01-01' + floor(random() * 30000)::int,
       (array['female','male'])[1 + floor(random() * 2)::int]::app_public.sex,
       now() - random() * interval '730 days'
     from batch b cross join generate_series(1, $1::int) g`,
    [patients],
  );
  // what the search trigger would have written
  await client.query("select app_private.reindex_patient_search(clinic_id) from batch");
  await client.query(
    `with ids as (
       select p.clinic_id, array_agg(p.id) as patient_ids,
              (select array_agg(m.id) from app_public.membership m where m.clinic_id = p.clinic_id and m.role = 'doctor') as doctor_ids
       from app_public.patient p join batch b using (clinic_id) group by p.clinic_id),
     v as (
       select i.clinic_id, g, i.patient_ids[1 + floor(random() * $1::int)::int] as patient_id,
              i.doctor_ids[1 + floor(random() * 2)::int] as doctor_id,
              date_trunc('hour', now() - interval '330 days' + random() * interval '365 days') as scheduled_at
       from ids i cross join generate_series(1, $2::int) g)
     insert into app_public.visit (clinic_id, code, patient_id, doctor_id, scheduled_at, status, checked_in_at, started_at, completed_at)
     select clinic_id, 'VIS-' || lpad(g::text, 6, '0'), patient_id, doctor_id, scheduled_at,
       case when scheduled_at > now() then 'scheduled' else 'completed' end::app_public.visit_status,
       case when scheduled_at <= now() then scheduled_at end,
       case when scheduled_at <= now() then scheduled_at + interval '10 minutes' end,
       case when scheduled_at <= now() then scheduled_at + interval '30 minutes' end
     from v
     on conflict do nothing -- a patient drawn twice for one doctor and hour still to come: booked once (visit_patient_booked_once)`,
    [patients, visits],
  );
  await client.query(
    `insert into app_private.code_counter (clinic_id, prefix, last_value)
     select clinic_id, 'PAT', $1::int from batch union all select clinic_id, 'VIS', $2::int from batch`,
    [patients, visits],
  );
  await client.query("commit");
}

function progress(done: number, total: number, started: number, perClinic: { patients: number; visits: number }): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const seconds = (Date.now() - started) / 1000;
  const rate = done / Math.max(seconds, 0.001);
  const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
  process.stderr.write(
    `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} clinics, ` +
      `${(done * perClinic.patients).toLocaleString("en")} patients, ${(done * perClinic.visits).toLocaleString("en")} visits, ` +
      `${seconds.toFixed(0)} s, ~${eta} s left   `,
  );
}

/** Adds `clinics` clinics to the database of `config` (by default BENCH_DATABASE_URL's), made and migrated first when missing. */
export async function generate(clinics: number, patients = 1000, visits = 3000, batchSize = 10, config = benchConfig): Promise<void> {
  await prepareDatabase(config);
  await watchCurrentMigration(config, true); // work in progress too, as the tests do
  const client = new pg.Client({ connectionString: config.rootUrl });
  await client.connect();
  try {
    const { rows } = await client.query("select count(*)::int as n from app_public.clinic");
    const existing = rows[0].n as number;
    const started = Date.now();
    for (let done = 0; done < clinics; done += batchSize) {
      const count = Math.min(batchSize, clinics - done);
      await addClinics(client, existing + done + 1, count, patients, visits);
      progress(done + count, clinics, started, { patients, visits });
    }
    // vacuumed now, autovacuum does not wake up on the new rows in the middle of a measurement
    process.stderr.write("\nvacuuming and analyzing…\n");
    await client.query("vacuum (analyze)");
    await client.query("checkpoint");
  } finally {
    await client.end();
  }
}

/** What `generate(10)` builds in an empty database: the clinic-domain benchmarks' database of 10 clinics. */
export const SMALL_DATABASE = { clinics: 10, patients: 10 * 1000, visits: 10 * 3000 };

/**
 * Whether the database at `url` is one this bench built completely at the newest
 * committed migration: its clinics and patients all there, and its visits too but
 * for the twins addClinics leaves out (a patient drawn twice for one doctor and
 * hour still to come is booked once): 17 in 3,000,000 at 1,000 clinics, none to a few at 10.
 * Up to 1 in 1,000 of the visits may be missing, over a hundred times their rate,
 * where an exact count made every run rebuild; a build cut short lacks clinics.
 */
export async function builtAlready(url: string, want: { clinics: number; patients: number; visits: number }): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  try {
    await client.connect();
    const { rows } = await client.query(
      `select (select count(*)::int from app_public.clinic) as clinics, (select count(*)::int from app_public.patient) as patients,
              (select count(*)::int from app_public.visit) as visits, substring(app_hidden.latest_migration() from '^[0-9]+') as migration`,
    );
    const { clinics, patients, visits, migration } = rows[0];
    return (
      migration === newestCommittedMigration() && clinics === want.clinics && patients === want.patients &&
      visits <= want.visits && visits >= want.visits * 0.999
    );
  } catch {
    return false; // no such database, or not ClinicOps'
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drops the databases `names` of BENCH_DATABASE_URL's server, if they exist. */
export async function dropDatabases(names: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: withCredentials(BENCH_DATABASE_URL, null, null, "postgres") });
  await admin.connect();
  try {
    for (const name of names) await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  } finally {
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // every option checked before the database is touched, each refused in one line naming it
  const USAGE = "bench:data takes --clinics, --patients and --visits, each a whole number (1000, 1000 and 3000 by default)";
  const { values } = settingsOrExit(() => {
    try {
      return parseArgs({ options: { clinics: { type: "string" }, patients: { type: "string" }, visits: { type: "string" } } });
    } catch (error) {
      // parseArgs's own message names the option (`--visits -5`: "Option '--visits' argument is ambiguous.…") over several lines
      throw new Error(`${(error as Error).message.split("\n")[0].replace(/\.$/, "")}; ${USAGE}`);
    }
  });
  const given = { "--clinics": values.clinics, "--patients": values.patients, "--visits": values.visits };
  const codes = "codes are 6 digits (PAT-000001, VIS-000001)";
  await generate(
    benchSize("--clinics", 1000, { from: given }),
    benchSize("--patients", 1000, { max: 999_999, why: codes, from: given }),
    benchSize("--visits", 3000, { min: 0, max: 999_999, why: codes, from: given }),
  );
}
