/**
 * A change of a clinic's time zone beside the clinic's writes: the change
 * moves the clinic's dashboard rollups (what changes day) while it holds the
 * clinic's audit chain head, so a payment or a check-in of that clinic made
 * meanwhile waits for it; another clinic's does not.
 *
 * Two clinics of 20,000 patients, 60,000 visits (one or two services on each
 * completed one) and a year of 10,000 payments (5,000 invoices of two lines).
 * Through the API, as `npm start` serves it. Each round, in a random order that is the same in every run: a
 * payment and a walk-in check-in of clinic A and a payment of clinic B alone (the baseline), then twice the same
 * three sent 250 ms after an owner of A starts changing its time zone (a clinic set two hours off, corrected, and
 * back): once with the change as it is (what changes day moved, without JIT), once as it was before (every rollup
 * rebuilt, compiled by JIT: the trigger's function and the rebuild's setting restated so for that change), in a
 * random order. Printed: each change's time, each write's time, and each write beside a change over the same write
 * alone (A's is the wait the change puts on the clinic's desk, B's only the two cores shared: B takes no lock A's
 * change holds), and in how many rounds the writes were sent while the change was still under way.
 *
 *   npm run bench:time-zone-change      (rebuilds clinicops_bench: ~2 minutes)
 */
import pg from "pg";
import { withCredentials } from "../db/config.ts";
import { startBenchApi } from "./api-client.ts";
import { addBilling, addVisitServices, invoicesToPay } from "./billing.ts";
import { BENCH_DATABASE_URL, benchConfig, generate, staffPhone } from "./dataset.ts";
import { benchSize } from "./sizes.ts";
import { summarize, table } from "./stats.ts";
import { seededRandom, shuffled, time } from "./turns.ts";

const ROUNDS = benchSize("BENCH_ITERATIONS", 10);
const ZONES = ["Africa/Lagos", "Africa/Dar_es_Salaam"]; // +1 and +3 (where the clinics start): a clinic set two hours off, corrected
/** The change is under way (past its checks of the zone and its audit entry, into the rebuild) when the writes come. */
const HEAD_START_MS = 250;

const PAY = `mutation($id: UUID!) { recordPayment(input: { invoiceId: $id, amount: "1", method: cash }) { result { code } } }`;
export const CHECK_IN = `mutation($patient: UUID!, $doctor: UUID!) { checkInWalkIn(input: { patientId: $patient, doctorId: $doctor }) { result { code } } }`;
const CHANGE_ZONE = `mutation($id: UUID!, $zone: String!) { updateClinic(input: { rowId: $id, patch: { timezone: $zone } }) { clinic { timezone } } }`;

interface Clinic {
  id: string;
  invoice: string;
  doctor: string;
  patients: string[];
}

/**
 * Each clinic ("Bench clinic 1", "… 2"), with an issued invoice to pay into, a doctor and patients to check in: those
 * with no visit booked or open, as a walk-in of a patient booked with the doctor today is CONFLICT (check that visit
 * in instead), and the generated visits of the month to come book about one patient in 250 with each doctor every day.
 */
export async function clinics(root: pg.Client): Promise<Clinic[]> {
  const { rows } = await root.query(
    `select c.id, (select m.id from app_public.membership m where m.clinic_id = c.id and m.role = 'doctor' order by m.id limit 1) as doctor,
            (select array_agg(p.id order by p.code) from app_public.patient p where p.clinic_id = c.id
               and not exists (select from app_public.visit v where v.clinic_id = c.id and v.patient_id = p.id
                                 and v.status in ('scheduled', 'checked_in', 'in_progress'))) as patients
     from app_public.clinic c order by c.name`,
  );
  const invoices = await invoicesToPay(root, rows.map((r) => r.id));
  return rows.map((row, i) => ({ id: row.id, invoice: invoices[i], doctor: row.doctor, patients: row.patients }));
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: withCredentials(BENCH_DATABASE_URL, null, null, "postgres") });
  await admin.connect();
  await admin.query(`drop database if exists ${pg.escapeIdentifier(benchConfig.databaseName)} with (force)`);
  await admin.end();
  await generate(2, 20_000, 60_000, 1);
  const root = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await root.connect();
  await addBilling(root, 5_000); // 10,000 payments per clinic over the past year
  await addVisitServices(root);
  await root.query("select app_private.rebuild_rollups(id) from app_public.clinic"); // bulk loads bypass the rollup triggers
  await root.query("vacuum (analyze)");
  const [a, b] = await clinics(root);
  const { rows: counts } = await root.query(
    `select (select count(*) from app_public.patient where clinic_id = $1)::int as patients, (select count(*) from app_public.visit where clinic_id = $1)::int as visits,
            (select count(*) from app_public.payment where clinic_id = $1)::int as payments`,
    [a.id],
  );

  const api = await startBenchApi(10);
  const [ownerA, ownerB] = [await api.login(staffPhone(1, "owner")), await api.login(staffPhone(2, "owner"))];
  let walkIns = 0;
  const writes: Record<string, () => Promise<unknown>> = {
    "payment, clinic A": () => ownerA.graphql(PAY, { id: a.invoice }),
    "check-in, clinic A": () => ownerA.graphql(CHECK_IN, { patient: a.patients[walkIns++], doctor: a.doctor }),
    "payment, clinic B": () => ownerB.graphql(PAY, { id: b.invoice }),
  };
  // the change as it is (moving what changes day, without JIT) and, as the baseline in the same run, as it was before:
  // every rollup rebuilt, compiled by JIT
  const { rows: [{ moving }] } = await root.query("select pg_get_functiondef('app_private.tg_clinic__timezone_rollups'::regproc) as moving");
  const variants: Record<string, string[]> = {
    "": [moving, "alter function app_private.rebuild_rollups(uuid) set jit = off"],
    " (rebuilt, JIT, as before)": [
      `create or replace function app_private.tg_clinic__timezone_rollups() returns trigger language plpgsql security definer
       set search_path to pg_catalog, public, pg_temp as $$ begin perform app_private.rebuild_rollups(new.id); return null; end $$`,
      "alter function app_private.rebuild_rollups(uuid) reset jit",
    ],
  };
  const samples: Record<string, number[]> = {};
  for (const label of Object.keys(writes)) samples[`${label} alone`] = [];
  for (const variant of Object.keys(variants)) {
    samples[`time zone change, clinic A${variant}`] = [];
    for (const label of Object.keys(writes)) samples[`${label} beside the change${variant}`] = [];
  }
  const random = seededRandom(264);
  let changes = 0;
  // rounds whose writes were sent while the change was still under way (its answer not yet come), by variant: a change
  // done within the head start leaves its writes beside nothing, and their times are those of writes alone
  const overlapped: Record<string, number> = Object.fromEntries(Object.keys(variants).map((variant) => [variant, 0]));
  for (let round = 0; round <= ROUNDS; round++) {
    const warmUp = round === 0;
    for (const [label, write] of shuffled(Object.entries(writes), random)) {
      const took = await time(write);
      if (!warmUp) samples[`${label} alone`].push(took);
    }
    for (const [variant, statements] of shuffled(Object.entries(variants), random)) {
      for (const statement of statements) await root.query(statement);
      let changing = true;
      const change = time(() => ownerA.graphql(CHANGE_ZONE, { id: a.id, zone: ZONES[changes++ % 2] })).finally(() => (changing = false));
      await new Promise((resolve) => setTimeout(resolve, HEAD_START_MS));
      const sentBeside = changing;
      const beside = await Promise.all(Object.values(writes).map((write) => time(write)));
      const changed = await change;
      if (warmUp) continue;
      if (sentBeside) overlapped[variant]++;
      samples[`time zone change, clinic A${variant}`].push(changed);
      for (const [i, label] of Object.keys(writes).entries()) samples[`${label} beside the change${variant}`].push(beside[i]);
    }
  }
  for (const statement of variants[""]) await root.query(statement);
  await api.close();
  await root.end();

  const { patients, visits, payments } = counts[0];
  console.log(`\nclinic A: ${patients.toLocaleString("en")} patients, ${visits.toLocaleString("en")} visits, ${payments.toLocaleString("en")} payments; ${ROUNDS} rounds (ms):\n`);
  const summaries = Object.fromEntries(Object.entries(samples).map(([label, s]) => [label, summarize(s)]));
  console.log(table(summaries));
  console.log("");
  for (const variant of Object.keys(variants)) {
    for (const label of Object.keys(writes)) {
      const ratio = summaries[`${label} beside the change${variant}`].p50 / summaries[`${label} alone`].p50;
      console.log(`${label}: beside the change${variant} / alone (p50) = ${ratio.toFixed(1)}`);
    }
  }
  for (const variant of Object.keys(variants)) {
    console.log(`writes sent while the change${variant} was under way: ${overlapped[variant]} of ${ROUNDS} rounds`);
  }
  const faster = summaries["time zone change, clinic A (rebuilt, JIT, as before)"].p50 / summaries["time zone change, clinic A"].p50;
  console.log(`time zone change: as before / as it is (p50) = ${faster.toFixed(2)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
