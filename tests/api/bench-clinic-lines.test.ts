/**
 * The clinic-domain benchmarks' baseline is the API's query: the plain SQL with `where clinic_id = …` and the SQL
 * through RLS answer what the API answers, the same rows in the same order, for every search term and day list they
 * time. The plain search sorted names in the database's collation where search_patients sorts them in ICU's (000133),
 * read "2557" as text where the function reads digits alone as a code's number first (000314: in the benchmark's clinic
 * of 20,000 patients, PAT-002557 first), and the day lists left visits of one hour in any order where the API orders
 * them by id.
 */
import pg from "pg";
import { BENCH_PASSWORD } from "../../bench/dataset.ts";
import { startBenchApi } from "../../bench/api-client.ts";
import { dayRange, differentAnswers, visitorConnection } from "../../bench/clinic-lines.ts";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { createClinic, createPatient, writeBehindTriggers } from "../support/fixtures.ts";

afterAll(closeRootPool);

test("the benchmarks' plain SQL and SQL through RLS answer the API's rows in the API's order", async () => {
  const clinic = await createClinic("Benchmarks' baseline");
  const receptionist = clinic.members.receptionist;
  await rootPool().query("update app_private.user_secret set password_hash = crypt($2, gen_salt('bf', 4)) where user_id = $1", [receptionist.userId, BENCH_PASSWORD]);
  // names whose order differs between byte order and ICU's (Zulu, abbott, Émile), a phone prefix matched by several
  const patients = [];
  for (const [first, last, phone] of [["Grace", "Zulu", "+255712557001"], ["Grace", "abbott", "+255712557002"], ["Grace", "Émile", "+255712557003"],
    ["Juma", "Mwakyusa", "+255755700004"], ["Neema", "Kimaro", "+255755700005"], ["Zawadi", "Zuberi", "+255713000006"]]) {
    patients.push(await createPatient(clinic.clinicId, { first_name: first, last_name: last, phone }));
  }
  // a patient whose code has the number of a term of digits alone, as a clinic of 2,557 patients or more has
  await writeBehindTriggers("update app_public.patient set code = 'PAT-002557' where id = $1", [patients[5].id], (client) =>
    client.query("select app_private.reindex_patient_search($1)", [clinic.clinicId]));
  // visits of one hour on the first request's day: the API orders them by id
  const { from } = dayRange(0);
  await writeBehindTriggers(
    `insert into app_public.visit (clinic_id, code, patient_id, doctor_id, scheduled_at)
     select $1, 'VIS-' || lpad(g::text, 6, '0'), ($2::uuid[])[g], $3, $4::timestamptz + interval '10 hours' from generate_series(1, 6) g`,
    [clinic.clinicId, patients.map((p) => p.id), clinic.members.doctor.membershipId, from],
  );

  const api = await startBenchApi(2, testConfig);
  const root = new pg.Client({ connectionString: testConfig.rootUrl });
  await root.connect();
  let visitor: pg.Client | undefined;
  try {
    const session = await api.login(receptionist.phone);
    visitor = await visitorConnection(testConfig, root, clinic.clinicId);
    expect((await session.graphql("{ visits { totalCount } }")).data.visits.totalCount).toBe(6);
    expect(await differentAnswers({ clinicId: clinic.clinicId, graphql: session.graphql, root, visitor }, 1)).toEqual([]);
  } finally {
    await visitor?.end();
    await root.end();
    await api.close();
  }
});
