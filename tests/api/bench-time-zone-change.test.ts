/**
 * The time-zone benchmark (bench/time-zone-change.ts) checks patients of clinic A in as walk-ins, one a round, through
 * the API. It took them in the order of their codes, booked or not, and a walk-in of a patient booked with that doctor
 * today is CONFLICT ("check in VIS-… instead"): the generated visits of the month to come book about one patient in
 * 250 with each doctor every day, so a run of a few rounds failed now and then after two minutes of building its data.
 */
import pg from "pg";
import { startBenchApi } from "../../bench/api-client.ts";
import { generate, staffPhone } from "../../bench/dataset.ts";
import { CHECK_IN, clinics } from "../../bench/time-zone-change.ts";
import { ownDatabase } from "../support/database.ts";

const { config, drop } = ownDatabase("bench_time_zone");
afterAll(drop);

test("the time-zone benchmark's walk-ins are patients with no visit booked today", async () => {
  await generate(1, 3, 0, 1, config);
  const root = new pg.Client({ connectionString: config.rootUrl });
  await root.connect();
  const api = await startBenchApi(2, config);
  try {
    // the first patient booked with the clinic's first doctor at noon today, on the clinic's clock (in bulk, as the generator books)
    await root.query("begin");
    await root.query("set local session_replication_role = replica");
    await root.query(
      `insert into app_public.visit (clinic_id, code, patient_id, doctor_id, scheduled_at, status)
       select c.id, 'VIS-900001', (select p.id from app_public.patient p where p.clinic_id = c.id order by p.code limit 1),
              (select m.id from app_public.membership m where m.clinic_id = c.id and m.role = 'doctor' order by m.id limit 1),
              ((now() at time zone c.timezone)::date + time '12:00') at time zone c.timezone, 'scheduled'
       from app_public.clinic c`,
    );
    await root.query("commit");
    const [a] = await clinics(root);
    const owner = await api.login(staffPhone(1, "owner"));
    for (const patient of a.patients) {
      const { data } = await owner.graphql(CHECK_IN, { patient, doctor: a.doctor });
      expect(data.checkInWalkIn.result.code).toMatch(/^VIS-\d{6}$/);
    }
    expect(a.patients).toHaveLength(2);
  } finally {
    await api.close();
    await root.end();
  }
});
