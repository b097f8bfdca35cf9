/**
 * Patient search keeps up with the patients (a trigger copies their searchable
 * text) and, through row-level security, reads the trigram index: `like` is
 * not leakproof, so PostgreSQL will not use it as an index condition on a
 * table whose policies filter rows; the index lives on a private table only
 * the owner's definer function reads.
 */
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { asMember, asSession, createClinic, createPatient, openSession, type TestClinic } from "../support/fixtures.ts";

let clinic: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Search clinic");
});
afterAll(closeRootPool);

const search = (query: string) =>
  asMember(clinic.members.receptionist, async (c) => (await c.query("select id from app_public.search_patients($1)", [query])).rows.map((r) => r.id));

test("a new or renamed patient, or one with a new phone, is found by what it is now, not by what it was", async () => {
  const patient = await createPatient(clinic.clinicId, { first_name: "Upendo", last_name: "Kisanga", phone: "+255713000444" });
  expect(await search("kisanga")).toEqual([patient.id]);
  await rootPool().query("update app_public.patient set last_name = 'Mfinanga', phone = '+255713000555' where id = $1", [patient.id]);
  expect(await search("kisanga")).toEqual([]);
  expect(await search("mfinan")).toEqual([patient.id]);
  expect(await search("713000555")).toEqual([patient.id]);
  expect(await search("713000444")).toEqual([]);
  expect(await search(patient.code.toLowerCase())).toEqual([patient.id]);
});

test("the definer function behind it answers for the caller's clinic only, and nothing without a session", async () => {
  const other = await createClinic("Other search clinic");
  const mine = await createPatient(clinic.clinicId, { first_name: "Tumaini", last_name: "Ngowi-Search" });
  const theirs = await createPatient(other.clinicId, { first_name: "Tumaini", last_name: "Ngowi-Search" });
  const matching = (sessionId: string | null) =>
    asSession(sessionId, async (c) => (await c.query("select patient_id from app_hidden.patients_matching('ngowi-search')")).rows.map((r) => r.patient_id));
  expect(await matching(await openSession(clinic.members.doctor.userId, clinic.clinicId))).toEqual([mine.id]);
  expect(await matching(await openSession(other.members.cashier.userId, other.clinicId))).toEqual([theirs.id]);
  expect(await matching(null)).toEqual([]);
});

test("%, _ and \\ in a query match themselves, not any text", async () => {
  const patient = await createPatient(clinic.clinicId, { first_name: "Percent", last_name: "Back\\slash_Under" });
  expect(await search("h_und")).toEqual([patient.id]);
  expect(await search("k\\s")).toEqual([patient.id]); // unescaped, \s would mean a plain s
  expect(await search("r%e")).toEqual([]); // unescaped, it would match "peRcEnt"
  expect(await search("r_e")).toEqual([]); // unescaped, it would match "peRcEnt"
});

test("a search through row-level security reads the trigram index, not every patient of the clinic", async () => {
  const big = await createClinic("Large clinic");
  // 20,000 patients, loaded in bulk as bench/dataset.ts does (triggers off), then indexed
  await rootPool().query(`begin; set local session_replication_role = replica;
    insert into app_public.patient (clinic_id, code, first_name, last_name)
      select '${big.clinicId}', 'PAT-' || lpad(g::text, 6, '0'), 'Given' || g, 'Family' || (g * 7919 % 20000) from generate_series(1, 20000) g;
    select app_private.reindex_patient_search('${big.clinicId}');
    commit; analyze app_public.patient; analyze app_private.patient_search;`);
  // auto_explain reports the plans of the statements inside search_patients and its definer function
  const sessionId = await openSession(big.members.receptionist.userId, big.clinicId);
  const client = await rootPool().connect();
  const plans: string[] = [];
  client.on("notice", (notice) => plans.push(notice.message ?? ""));
  try {
    await client.query("load 'auto_explain'");
    await client.query("begin");
    await client.query("set local auto_explain.log_min_duration = 0; set local auto_explain.log_nested_statements = on; set local auto_explain.log_level = notice");
    await client.query("select set_config('role', $1, true), set_config('jwt.claims.session_id', $2, true)", [testConfig.roles.visitor, sessionId]);
    await client.query("select * from app_public.search_patients('family1234')");
    await client.query("rollback");
  } finally {
    client.release(true); // auto_explain stays loaded in that connection: not back to the pool
  }
  const inner = plans.find((p) => p.includes("app_private.patient_search"));
  expect(inner).toMatch(/Bitmap Index Scan on patient_search_trigram_idx/);
  expect(plans.join("\n")).not.toMatch(/Seq Scan on patient|Index Scan using patient_clinic_last_name_idx/);
  const found = await asMember(big.members.receptionist, async (c) => (await c.query("select last_name from app_public.search_patients('family1234')")).rows);
  expect(found.map((r) => r.last_name).sort()).toEqual(["Family1234", "Family12340", "Family12341", "Family12342", "Family12343", "Family12344",
    "Family12345", "Family12346", "Family12347", "Family12348", "Family12349"]);
});
