/**
 * An answer's budget (MAX_ANSWER_BYTES, server/answer-budget.ts), on an API whose answers may take 12,000
 * characters, over patients whose notes take 5,000 each: a query's parts are read one after another until
 * the parts read so far reach the budget, the parts after are not read, and a part that does not fit (one
 * read once for several aliases too) is left out, LIMIT_EXCEEDED; a mutation's payload left out says its
 * write was saved; a subscription's events are counted each on its own.
 */
import pg from "pg";
import { closeRootPool, rootPool } from "../support/database.ts";
import { createClinic, createPatient, type TestClinic } from "../support/fixtures.ts";
import { answerOverTheWebsocket, Browser, overTheWebsocket, startApi, type GraphQLAnswer, type TestApi } from "../support/api.ts";
import { linesLoggedBy } from "../support/logs.ts";
import { until } from "../support/until.ts";

const TOO_LARGE =
  "The answer is too large: this part was not read. Ask for fewer rows or fields, or for this part in a request of its own, and page through long lists (first, after).";
const NOTES = "n".repeat(5000);
const tooLarge = (part: string) => ({ message: TOO_LARGE, path: [part], code: "LIMIT_EXCEEDED" });
/** The errors of an answer, as what each says and where. */
const errorsOf = (answer: GraphQLAnswer) =>
  (answer.errors ?? []).map((error) => ({ message: error.message, path: error.path, code: error.extensions?.code, ...(error.extensions?.saved ? { saved: true } : {}) }));

let api: TestApi;
let clinic: TestClinic;
let owner: Browser;
/** The patients' first page, one patient a part: each reads 5,000 characters of notes. */
const onePatient = (offset: number) => `patients(first: 1, offset: ${offset}, orderBy: CODE_ASC) { nodes { notes } }`;
const ONE_PATIENT = { nodes: [{ notes: NOTES }] };

beforeAll(async () => {
  // one group too many for a list grouped by a key with two values: an error under each row
  api = await startApi({ MAX_ANSWER_BYTES: "12000", MAX_GROUPS: "1" });
  clinic = await createClinic("Answer budget clinic");
  for (let i = 0; i < 3; i++) await createPatient(clinic.clinicId, { notes: NOTES });
  owner = new Browser(api);
  await owner.login(clinic.members.owner.phone, clinic.members.owner.password);
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

// every part was read and its answer built in memory, however large: a few such requests at once took the server's heap
test("a query's parts are read until those read reach the budget: the part that does not fit is left out, and the parts after it are not read", async () => {
  const answer = await owner.graphql(`{
    first: ${onePatient(0)}
    second: ${onePatient(1)}
    third: ${onePatient(2)}
    badPeriod: dashboard(fromDate: "2026-02-01", toDate: "2026-01-01") { revenue }
    clinic: currentClinic { name }
  }`);
  expect(answer.status).toBe(200);
  expect(answer.body.data).toEqual({ first: ONE_PATIENT, second: ONE_PATIENT, third: null, badPeriod: null, clinic: null });
  // the dashboard's period, read, would have been INVALID_INPUT: it was not read
  expect(errorsOf(answer.body)).toEqual(expect.arrayContaining([tooLarge("third"), tooLarge("badPeriod"), tooLarge("clinic")]));
  expect(answer.body.errors).toHaveLength(3);
});

// the operator found nothing in the logs when a client's screen came back with parts missing
test("an answer cut is a warn line naming its operation and how large it was, without its data", async () => {
  const lines = await linesLoggedBy(async () => {
    const answer = await owner.graphql(`query Wide { first: ${onePatient(0)} second: ${onePatient(1)} third: ${onePatient(2)} clinic: currentClinic { name } }`);
    expect(errorsOf(answer.body)).toEqual([tooLarge("third"), tooLarge("clinic")]);
    // within the budget: no line
    await owner.graphql(`query Narrow { first: ${onePatient(0)} }`);
  });
  const cut = lines.map((line) => JSON.parse(line)).filter((line) => line.event === "answer_too_large");
  expect(cut).toEqual([
    // the third's rows, past twice the room the first two left, are not read to their end: its read and the clinic's refused
    expect.objectContaining({ level: "warn", requestId: expect.any(String), operationName: "Wide", operationType: "query", partsLeftOut: 0, readsRefused: 2, characters: expect.any(Number), maxAnswerBytes: 12000 }),
  ]);
  expect(cut[0].characters).toBeGreaterThan(10000);
  expect(lines.join("")).not.toContain(NOTES.slice(0, 50));
});

test("a query within the budget is answered whole", async () => {
  const answer = await owner.graphql(`{ first: ${onePatient(0)} second: ${onePatient(1)} clinic: currentClinic { name } }`);
  expect(answer.body).toEqual({ data: { first: ONE_PATIENT, second: ONE_PATIENT, clinic: { name: "Answer budget clinic" } } });
});

// one statement answers every alias of the same field and arguments: read once, the answer took it as often as it was asked
test("aliases of one part, read once, count as often as they are answered", async () => {
  const answer = await owner.graphql(`{ a: ${onePatient(0)} b: ${onePatient(0)} c: ${onePatient(0)} }`);
  expect(answer.body.data).toEqual({ a: ONE_PATIENT, b: ONE_PATIENT, c: null });
  expect(errorsOf(answer.body)).toEqual([tooLarge("c")]);
  // aliases within a part too: one column read once, answered three times
  const within = await owner.graphql(`{ patients(first: 1, orderBy: CODE_ASC) { nodes { a: notes b: notes c: notes } } clinic: currentClinic { name } }`);
  expect(within.body.data).toEqual({ patients: null, clinic: null });
  expect(errorsOf(within.body)).toEqual([tooLarge("patients"), tooLarge("clinic")]);
});

/** The answer to `query`, and the characters of the rows node-postgres parsed for it. */
async function withRowsParsed(query: string): Promise<{ answer: Awaited<ReturnType<Browser["graphql"]>>; parsed: number }> {
  let parsed = 0;
  // node-postgres parses a row as an array (PostGraphile's rowMode) here
  const parsing = pg.Result.prototype as unknown as { _parseRowAsArray(fields: unknown[]): unknown[] };
  const parseRow = parsing._parseRowAsArray;
  parsing._parseRowAsArray = function (fields) {
    for (const field of fields) if (typeof field === "string") parsed += field.length;
    return parseRow.call(this, fields);
  };
  try {
    return { answer: await owner.graphql(query), parsed };
  } finally {
    parsing._parseRowAsArray = parseRow;
  }
}

/** Three lists of the first 3 patients, each inside the last: every row of the first carries 9 notes, 45,000 characters. */
const NESTED_NOTES = `patients(first: 3, orderBy: CODE_ASC) { nodes { clinic { patients(first: 3, orderBy: CODE_ASC) { nodes {
  clinic { patients(first: 3, orderBy: CODE_ASC) { nodes { notes } } } } } } } }`;

// a part's own statement was read whole, then left out: lists inside lists repeat their rows' long texts in one
// statement, and a 154-character query of a receptionist over 100 visits and patients with long notes and reasons
// (10,100 rows within MAX_QUERY_ROWS) had the API parse 280 MB, holding every clinic's requests 3.7 s
test("a part's rows are read while they may fit: past twice the room left, the rest of its statement is not read", async () => {
  const read = await withRowsParsed(`{ ${NESTED_NOTES} }`);
  expect(read.answer.body.data).toEqual({ patients: null });
  expect(errorsOf(read.answer.body)).toEqual([tooLarge("patients")]);
  // 135,000 characters of notes were parsed; now the statement is left at its first row
  expect(read.parsed).toBeLessThan(2 * 12_000);
  // the connection it was read on is gone from the pool, and the next query is answered
  expect((await owner.graphql(`{ first: ${onePatient(0)} }`)).body).toEqual({ data: { first: ONE_PATIENT } });
  // so is a mutation's payload, read after its write (saved: true), and the fields after it run
  const register = (alias: string, payload: string) => `${alias}: createPatient(input: { patient: { firstName: "Nested", lastName: "${alias}" } }) { patient { code } ${payload} }`;
  const written = await withRowsParsed(`mutation { ${register("Ayo", `query { ${NESTED_NOTES} }`)} ${register("Baraka", "")} }`);
  expect(written.answer.body.data).toEqual({ Ayo: { patient: { code: expect.any(String) }, query: { patients: null } }, Baraka: { patient: { code: expect.any(String) } } });
  expect(errorsOf(written.answer.body)).toEqual([{ ...tooLarge("Ayo"), path: ["Ayo", "query", "patients"], saved: true }]);
  expect(written.parsed).toBeLessThan(2 * 12_000);
  const { rows } = await rootPool().query("select last_name from app_public.patient where clinic_id = $1 and first_name = 'Nested' order by last_name", [clinic.clinicId]);
  expect(rows.map((row) => row.last_name)).toEqual(["Ayo", "Baraka"]);
});

// each read cut so logged `a database connection was closed`, the line docs/operations.md gives PostgreSQL's restart
// or an operator's pg_terminate_backend: any member's large query raised the database's alarm
test("a read cut by the budget closes its connection without a line saying the database closed it", async () => {
  const lines = await linesLoggedBy(async () => {
    const removed = new Promise((resolve) => api.pool.once("remove", resolve));
    const answer = await owner.graphql(`{ ${NESTED_NOTES} }`);
    expect(errorsOf(answer.body)).toEqual([tooLarge("patients")]);
    await removed; // the cut connection has left the pool
  });
  expect(lines.map((line) => JSON.parse(line)).filter((line) => line.event === "database")).toEqual([]);
});

// set to null alone, a part the schema says is never null (`query`, `__typename`) broke the answer's types for a client that trusts them
test("a part that is never null, left out, leaves the answer's data null, as GraphQL's own errors do", async () => {
  const answer = await owner.graphql(`{ a: ${onePatient(0)} b: ${onePatient(0)} ...Rest } fragment Rest on Query { c: ${onePatient(0)} query { currentRole } }`);
  expect(answer.body.data).toBeNull();
  expect(errorsOf(answer.body)).toEqual([tooLarge("c"), tooLarge("query")]);
});

// `__typename: null` broke the answer's types for a client that trusts them, as `query: null` did
test("__typename, GraphQL's own field, is never null either: left out, it leaves the answer's data null", async () => {
  const answer = await owner.graphql(`{ a: ${onePatient(0)} b: ${onePatient(0)} c: ${onePatient(0)} __typename }`);
  expect(answer.body.data).toBeNull();
  expect(errorsOf(answer.body)).toEqual([tooLarge("c"), tooLarge("__typename")]);
});

// a client that asked an error to null its field alone (onError: NULL) lost the parts that fitted; one that asked it to end the answer (HALT) got a part of it
test("a request's onError is kept: NULL leaves out the part that is never null alone, HALT answers no data and the one error", async () => {
  const query = `{ a: ${onePatient(0)} b: ${onePatient(0)} c: ${onePatient(0)} query { __typename } }`;
  const alone = await owner.post("/graphql", { query, onError: "NULL" });
  expect(alone.body.data).toEqual({ a: ONE_PATIENT, b: ONE_PATIENT, c: null, query: null });
  expect(errorsOf(alone.body)).toEqual([tooLarge("c"), tooLarge("query")]);
  const halted = await owner.post("/graphql", { query, onError: "HALT" });
  expect(halted.body).toEqual({ data: null, errors: [expect.objectContaining({ message: TOO_LARGE, path: ["c"] })] });
});

// left uncounted, an error under each row (here one group too many) made an answer three times its budget, and a left-out part's errors stayed
test("a part's errors count with it: those that fit are kept, and a part that does not fit is left out with them", async () => {
  const { rows: patients } = await rootPool().query("select id from app_public.patient where clinic_id = $1 order by code limit 3", [clinic.clinicId]);
  for (const patient of patients) {
    for (const day of ["2026-01-01", "2026-01-02"]) {
      await rootPool().query("insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, $4)", [clinic.clinicId, patient.id, clinic.members.doctor.membershipId, day]);
    }
  }
  const grouped = (aliases: number) => Array.from({ length: aliases }, (_, i) => `g${i}: visits(first: ${i + 1}) { groupedAggregates(groupBy: [SCHEDULED_AT]) { keys } }`).join(" ");
  const GROUPS = "groupedAggregates answers at most 1 groups: filter the list, or group by fewer or coarser keys.";
  const few = await owner.graphql(`{ patients(first: 1, orderBy: CODE_ASC) { nodes { ${grouped(2)} } } }`);
  expect(few.body.data).toEqual({ patients: { nodes: [{ g0: { groupedAggregates: null }, g1: { groupedAggregates: null } }] } });
  expect(errorsOf(few.body)).toEqual(["g0", "g1"].map((alias) => ({ message: GROUPS, path: ["patients", "nodes", 0, alias, "groupedAggregates"], code: "LIMIT_EXCEEDED" })));
  const many = await owner.graphql(`{ patients(first: 3, orderBy: CODE_ASC) { nodes { ${grouped(50)} } } }`);
  expect(many.body.data).toEqual({ patients: null });
  expect(errorsOf(many.body)).toEqual([tooLarge("patients")]);
});

// a text's escapes were left uncounted: notes of quotes and control characters took up to six times what was counted
test("a text's escapes count as JSON writes them", async () => {
  const pasted = await createClinic("Answer budget, pasted notes");
  // quotes and backslashes, which JSON writes twice as long (control characters, six times, are no longer kept: 000383)
  const ESCAPED = '"\\'.repeat(2000); // 8,000 characters in JSON, of 4,000
  for (let i = 0; i < 2; i++) await createPatient(pasted.clinicId, { notes: ESCAPED });
  const member = new Browser(api);
  await member.login(pasted.members.owner.phone, pasted.members.owner.password);
  const answer = await member.graphql(`{ a: ${onePatient(0)} b: ${onePatient(1)} }`);
  expect(answer.body.data).toEqual({ a: { nodes: [{ notes: ESCAPED }] }, b: null });
  expect(errorsOf(answer.body)).toEqual([tooLarge("b")]);
  expect(JSON.stringify(answer.body.data).length).toBeLessThan(12000);
});

test("a query over the websocket keeps to the budget too", async () => {
  const answer = await answerOverTheWebsocket(api, owner, `{ a: ${onePatient(0)} b: ${onePatient(1)} c: ${onePatient(2)} badPeriod: dashboard(fromDate: "2026-02-01", toDate: "2026-01-01") { revenue } }`);
  expect(answer.data).toEqual({ a: ONE_PATIENT, b: ONE_PATIENT, c: null, badPeriod: null });
  expect(errorsOf(answer)).toEqual(expect.arrayContaining([tooLarge("c"), tooLarge("badPeriod")]));
  expect(answer.errors).toHaveLength(2);
});

// a client that took the missing payload for a refusal sent the mutation again, and registered the patient twice
test("a mutation whose payload is left out says its write was saved, and it was", async () => {
  const register = (alias: string) => `${alias}: createPatient(input: { patient: { firstName: "Budget", lastName: "${alias}", notes: $notes } }) { patient { notes } }`;
  const answer = await owner.graphql(`mutation($notes: String) { ${register("Ayo")} ${register("Baraka")} ${register("Chausiku")} }`, { notes: NOTES });
  const saved = { patient: { notes: NOTES } };
  expect(answer.body.data).toEqual({ Ayo: saved, Baraka: saved, Chausiku: null });
  expect(errorsOf(answer.body)).toEqual([{ ...tooLarge("Chausiku"), saved: true }]);
  const { rows } = await rootPool().query("select last_name from app_public.patient where clinic_id = $1 and first_name = 'Budget' order by last_name", [clinic.clinicId]);
  expect(rows.map((row) => row.last_name)).toEqual(["Ayo", "Baraka", "Chausiku"]);
});

// told LIMIT_EXCEEDED with saved: true, a client would have taken a refused registration for one made
test("a mutation refused after the budget is passed keeps its own refusal, without saved", async () => {
  const register = (alias: string, notes: string) => `${alias}: createPatient(input: { patient: { firstName: "Refused", lastName: "${alias}", notes: ${notes} } }) { patient { notes } }`;
  const answer = await owner.graphql(`mutation($notes: String, $tooLong: String) { ${register("Ayo", "$notes")} ${register("Baraka", "$notes")} ${register("Chausiku", "$notes")} ${register("Dawa", "$tooLong")} }`, {
    notes: NOTES,
    tooLong: `${NOTES}n`,
  });
  expect(answer.body.data).toEqual({ Ayo: { patient: { notes: NOTES } }, Baraka: { patient: { notes: NOTES } }, Chausiku: null, Dawa: null });
  expect(errorsOf(answer.body)).toEqual([{ ...tooLarge("Chausiku"), saved: true }, { message: "Notes are at most 5000 characters.", path: ["Dawa"], code: "INVALID_INPUT" }]);
  const { rows } = await rootPool().query("select last_name from app_public.patient where clinic_id = $1 and first_name = 'Refused' order by last_name", [clinic.clinicId]);
  expect(rows.map((row) => row.last_name)).toEqual(["Ayo", "Baraka", "Chausiku"]);
});

// counted over the subscription's life, a desk's queue would have gone silent after its budget's worth of events
test("a subscription's events are counted each on its own: an event too large is sent as the error alone", async () => {
  const patient = await createPatient(clinic.clinicId, { notes: NOTES });
  const { rows } = await rootPool().query("insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now()) returning id", [
    clinic.clinicId,
    patient.id,
    clinic.members.doctor.membershipId,
  ]);
  const { answers: events, close } = await overTheWebsocket(api, owner, [
    "subscription { visitQueueChanged { listening visit { patient { notes } } } }",
    // the clinic's patients, each with their notes, in every event
    "subscription { visitQueueChanged { listening visit { clinic { patients { nodes { notes } } } } } }",
  ]);
  try {
    // each subscription's first event tells that the API listens: three notifications after it are three events
    expect(await until(() => events.every((heard) => heard.length > 0), 20_000)).toBe(true);
    for (let i = 0; i < 3; i++) {
      await rootPool().query("select pg_notify(app_private.visit_queue_channel($1), $2)", [clinic.clinicId, JSON.stringify({ id: rows[0].id, status: "scheduled" })]);
    }
    expect(await until(() => events.every((heard) => heard.length >= 4), 20_000)).toBe(true);
    const listening = { data: { visitQueueChanged: { listening: true, visit: null } } };
    expect(events.map(([first]) => first)).toEqual([listening, listening]);
    for (const event of events[0].slice(1)) expect(event).toEqual({ data: { visitQueueChanged: { listening: false, visit: { patient: { notes: NOTES } } } } });
    for (const event of events[1].slice(1)) {
      expect(event.data).toEqual({ visitQueueChanged: null });
      expect(errorsOf(event)).toEqual([tooLarge("visitQueueChanged")]);
    }
  } finally {
    close();
  }
});
