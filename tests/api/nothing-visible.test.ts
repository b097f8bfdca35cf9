/**
 * "Nothing visible" is one rule (app_hidden.name_as_meant's blank): white space, and every character Unicode marks as
 * printing nothing (Default_Ignorable_Code_Point), alone. name_as_meant had a short list of its own, and the invoice
 * line's description another (000413): a name, a reason, a key or a password of the invisible operators, the combining
 * grapheme joiner, a variation selector or a tag alone was taken as something (000415).
 */
import { randomUUID } from "node:crypto";
import { closeRootPool, rootPool } from "../support/database.ts";
import { createClinic, createIssuedInvoice, createPatient, createService, createUser, createVisit, randomPhone, type TestClinic, writeBehindTriggers } from "../support/fixtures.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";

let api: TestApi;
let clinic: TestClinic;
let owner: Browser;
let desk: Browser;
let cashier: Browser;

beforeAll(async () => {
  api = await startApi();
  clinic = await createClinic("Nothing visible clinic");
  [owner, desk, cashier] = await Promise.all(
    [clinic.members.owner, clinic.members.receptionist, clinic.members.cashier].map(async (member) => {
      const browser = new Browser(api);
      await browser.login(member.phone, member.password);
      return browser;
    }),
  );
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

// what 000413 refused of a line's description alone and name_as_meant took: the invisible function application, times,
// separator and plus; the combining grapheme joiner; a variation selector; the Mongolian vowel separator and a free
// variation selector; a Khmer inherent vowel; a tag; a musical symbol's formatting character; a shorthand format control;
// an unassigned specials' code point; and some of them with spaces around them
const INVISIBLE = ["\u2061", "\u2062\u2063\u2064", "\u034f", "\ufe0f", "\u180e\u180b", "\u17b4", "\u{e0020}\u{e007f}", "\u{1d173}", "\u{1bca0}", "\ufff0", " \u034f\u2060 "];

/** The first error of an answer, as [code, message]; undefined when there is none. */
const refusal = (r: { body: { errors?: { message: string; extensions?: { code?: string } }[] } }) =>
  r.body.errors && [r.body.errors[0].extensions?.code, r.body.errors[0].message];

test("a patient's first or last name of characters that print nothing alone is refused, registered or edited; with something visible besides it is kept as typed", async () => {
  const REGISTER = `mutation($f: String!, $l: String!) { createPatient(input: { patient: { firstName: $f, lastName: $l } }) { patient { rowId firstName lastName } } }`;
  const RENAME = `mutation($c: UUID!, $id: UUID!, $p: PatientPatch!) { updatePatient(input: { clinicId: $c, rowId: $id, patch: $p }) { patient { firstName lastName } } }`;
  const patient = await createPatient(clinic.clinicId, { first_name: "Asha", last_name: "Visible" });
  for (const name of INVISIBLE) {
    expect({ name, first: refusal(await desk.graphql(REGISTER, { f: name, l: "Visible" })) }).toEqual({ name, first: ["INVALID_INPUT", expect.any(String)] });
    expect({ name, last: refusal(await desk.graphql(REGISTER, { f: "Asha", l: name })) }).toEqual({ name, last: ["INVALID_INPUT", expect.any(String)] });
    expect({ name, renamed: refusal(await desk.graphql(RENAME, { c: clinic.clinicId, id: patient.id, p: { lastName: name } })) })
      .toEqual({ name, renamed: ["INVALID_INPUT", expect.any(String)] });
  }
  const { rows } = await rootPool().query("select count(*)::int as n from app_public.patient where clinic_id = $1 and last_name <> 'Visible' and first_name = 'Asha'", [clinic.clinicId]);
  expect(rows[0].n).toBe(0);
  // a variation selector after an emoji, a grapheme joiner inside a name: kept as typed
  const kept = (await desk.graphql(REGISTER, { f: "Amani\u2615\ufe0f", l: "Ju\u034fma" })).body.data.createPatient.patient;
  expect([kept.firstName, kept.lastName]).toEqual(["Amani\u2615\ufe0f", "Ju\u034fma"]);
});

test("a service's name of characters that print nothing alone is refused, and a category of them is none", async () => {
  const CREATE = `mutation($n: String!, $c: String) { createService(input: { service: { name: $n, category: $c, price: "100" } }) { service { rowId name category } } }`;
  for (const name of INVISIBLE) {
    expect({ name, refused: refusal(await owner.graphql(CREATE, { n: name, c: "Imaging" })) })
      .toEqual({ name, refused: ["INVALID_INPUT", "A service needs a name of at most 200 characters."] });
  }
  for (const category of INVISIBLE) {
    const made = await owner.graphql(CREATE, { n: `Dressing ${randomUUID().slice(0, 6)}`, c: category });
    expect({ category, kept: made.body.data?.createService.service.category }).toEqual({ category, kept: null });
  }
});

test("a person's name of characters that print nothing alone is no name, invited (a new phone or a registered one) or edited by the person", async () => {
  const INVITE = `mutation($phone: String!, $name: String!) { inviteMember(input: { phone: $phone, fullName: $name, role: cashier, password: "a-password-of-as-choice" }) { result { rowId } } }`;
  const registered = await createUser();
  const newPhone = randomPhone();
  for (const name of INVISIBLE) {
    for (const phone of [newPhone, registered.phone]) {
      expect({ name, invited: refusal(await owner.graphql(INVITE, { phone, name })) }).toEqual({ name, invited: ["INVALID_INPUT", "A name is required, at most 200 characters."] });
    }
  }
  expect((await rootPool().query(`select count(*)::int as n from app_public."user" where phone = $1`, [newPhone])).rows[0].n).toBe(0);
  const RENAME = `mutation($id: UUID!, $name: String!) { updateUser(input: { rowId: $id, patch: { fullName: $name } }) { user { fullName } } }`;
  for (const name of INVISIBLE) {
    expect({ name, renamed: refusal(await desk.graphql(RENAME, { id: clinic.members.receptionist.userId, name })) })
      .toEqual({ name, renamed: ["INVALID_INPUT", "A name is required, at most 200 characters."] });
  }
  expect((await rootPool().query(`select full_name from app_public."user" where id = $1`, [clinic.members.receptionist.userId])).rows[0].full_name)
    .toBe(`Test ${clinic.members.receptionist.phone}`);
});

test("a password of characters that print nothing alone is WEAK_PASSWORD", async () => {
  const INVITE = `mutation($phone: String!, $password: String!) { inviteMember(input: { phone: $phone, fullName: "Neema Cashier", role: cashier, password: $password }) { result { rowId } } }`;
  for (const password of ["\u2061".repeat(8), "\u034f\ufe0f".repeat(5), "\u{e0041}".repeat(10), " \u180e".repeat(6)]) {
    const phone = randomPhone();
    expect({ password, refused: refusal(await owner.graphql(INVITE, { phone, password })) })
      .toEqual({ password, refused: ["WEAK_PASSWORD", "A password needs more than white space: use letters, digits or signs."] });
    expect((await rootPool().query(`select count(*)::int as n from app_public."user" where phone = $1`, [phone])).rows[0].n).toBe(0);
  }
});

test("a clinic's name of characters that print nothing alone is refused, and changes nothing", async () => {
  const own = await createClinic(`Visible ${randomUUID().slice(0, 8)}`);
  const boss = new Browser(api);
  await boss.login(own.members.owner.phone, own.members.owner.password);
  for (const name of INVISIBLE) {
    const r = await boss.graphql(`mutation($id: UUID!, $name: String!) { updateClinic(input: { rowId: $id, patch: { name: $name } }) { clinic { name } } }`, { id: own.clinicId, name });
    expect({ name, code: refusal(r)?.[0] }).toEqual({ name, code: "INVALID_INPUT" });
  }
  expect((await rootPool().query("select name from app_public.clinic where id = $1", [own.clinicId])).rows[0].name).toBe(own.name);
});

test("a reason of characters that print nothing alone is none: a cancellation, a refund or a void with it is refused, a visit's reason of it is none", async () => {
  const UPDATE = `mutation($c: UUID!, $id: UUID!, $p: VisitPatch!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: $p }) { visit { status reason } } }`;
  const visit = await createVisit(clinic);
  for (const reason of INVISIBLE) {
    expect({ reason, cancelled: refusal(await desk.graphql(UPDATE, { c: clinic.clinicId, id: visit.id, p: { status: "cancelled", cancelReason: reason } })) })
      .toEqual({ reason, cancelled: ["INVALID_INPUT", "A reason is required to cancel a visit."] });
    await rootPool().query("update app_public.visit set reason = 'Fever' where id = $1", [visit.id]);
    expect({ reason, kept: (await desk.graphql(UPDATE, { c: clinic.clinicId, id: visit.id, p: { reason } })).body.data?.updateVisit.visit })
      .toEqual({ reason, kept: { status: "scheduled", reason: null } });
  }
  const invoice = await createIssuedInvoice(clinic, "1000");
  const paid = await cashier.graphql(`mutation($id: UUID!) { recordPayment(input: { invoiceId: $id, amount: "1000", method: cash }) { result { rowId } } }`, { id: invoice.id });
  const paymentId = paid.body.data.recordPayment.result.rowId;
  for (const reason of INVISIBLE) {
    const refunded = await cashier.graphql(`mutation($id: UUID!, $r: String!) { refundPayment(input: { paymentId: $id, amount: "10", reason: $r }) { result { rowId } } }`, { id: paymentId, r: reason });
    expect({ reason, refunded: refusal(refunded) }).toEqual({ reason, refunded: ["INVALID_INPUT", "A reason is required to refund."] });
    const voided = await cashier.graphql(`mutation($id: UUID!, $r: String!) { voidInvoice(input: { invoiceId: $id, reason: $r }) { result { status } } }`, { id: invoice.id, r: reason });
    expect({ reason, voided: refusal(voided) }).toEqual({ reason, voided: ["INVALID_INPUT", "A reason is required to void an invoice."] });
  }
  const { rows } = await rootPool().query(
    "select status, (select count(*)::int from app_public.refund r where r.invoice_id = i.id) as refunds, (select status from app_public.visit where id = $2) as visit from app_public.invoice i where i.id = $1",
    [invoice.id, visit.id]);
  expect(rows[0]).toEqual({ status: "paid", refunds: 0, visit: "scheduled" });
});

test("an idempotency key of characters that print nothing alone is refused before it is looked up, so that payments sent with it are not answered as one", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const PAY = `mutation($id: UUID!, $key: String) { recordPayment(input: { invoiceId: $id, amount: "100", method: cash, idempotencyKey: $key }) { result { rowId } } }`;
  for (const key of INVISIBLE) {
    expect({ key, paid: refusal(await cashier.graphql(PAY, { id: invoice.id, key })) })
      .toEqual({ key, paid: ["INVALID_INPUT", "An idempotency key cannot be white space alone: send one per payment you mean, or none."] });
  }
  expect((await rootPool().query("select count(*)::int as n from app_public.payment where invoice_id = $1", [invoice.id])).rows[0].n).toBe(0);
});

// every one of them, a whole range's ends: the blank of name_as_meant, which every caller reads (000415)
test("name_as_meant reads every character Unicode marks as printing nothing, alone, as nothing visible, and each rule that asks it so", async () => {
  const IGNORABLE: [number, number][] = [[0x00ad, 0x00ad], [0x034f, 0x034f], [0x061c, 0x061c], [0x115f, 0x1160], [0x17b4, 0x17b5], [0x180b, 0x180f],
    [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x206f], [0x3164, 0x3164], [0xfe00, 0xfe0f], [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff0, 0xfff8],
    [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a], [0xe0000, 0xe0fff]];
  const ends = IGNORABLE.flatMap(([from, to]) => [from, to]).map((c) => String.fromCodePoint(c));
  const { rows } = await rootPool().query(
    `select c, app_hidden.name_as_meant(c) as name, app_hidden.name_as_meant(c || ' ' || c) as twice, app_hidden.reason_or_null(c) as reason,
            app_private.clinic_name_key(c) as clinic_key, app_hidden.name_key(c) as key
     from unnest($1::text[]) c`, [ends]);
  expect(rows.filter((r) => r.name !== "" || r.twice !== "" || r.reason !== null || r.clinic_key !== "" || r.key !== "")).toEqual([]);
  // the password's, the idempotency key's (of a close and a reopening of a day too) and the person's name's rules
  for (const c of ends) {
    await expect(rootPool().query("select app_private.check_password(repeat($1, 8))", [c])).rejects.toMatchObject({ code: "CWEAK" });
    for (const what of ["close of a day", "reopening of a day"]) {
      await expect(rootPool().query("select app_private.check_idempotency_key($1, $2)", [c, what])).rejects.toMatchObject({ code: "CINVL", message: `An idempotency key cannot be white space alone: send one per ${what} you mean, or none.` });
    }
    await expect(rootPool().query("select app_private.check_person_name($1)", [c])).rejects.toMatchObject({ code: "CINVL" });
  }
  // and a character before or after each range is something
  const { rows: around } = await rootPool().query("select c from unnest($1::text[]) c where app_hidden.name_as_meant(c) = ''", [
    ["\u034e", "\u0350", "\u17b3", "\u17b6", "\ufdff", "\ufe10", "\u{1d172}", "\u{1d17b}", "\u{1bc9f}", "\u{1bca4}", "\u{e1000}"]]);
  expect(around).toEqual([]);
});

test("a patient's, a service's or a clinic's name saved before of characters that print nothing alone stays as it is while the row is written otherwise, sent back unchanged too", async () => {
  const patient = await createPatient(clinic.clinicId);
  await writeBehindTriggers("update app_public.patient set first_name = E'\\u034f' where id = $1", [patient.id]);
  const notes = await desk.graphql(`mutation($c: UUID!, $id: UUID!) { updatePatient(input: { clinicId: $c, rowId: $id, patch: { notes: "Allergic", firstName: "\u034f" } }) { patient { firstName notes } } }`,
    { c: clinic.clinicId, id: patient.id });
  expect(notes.body).toEqual({ data: { updatePatient: { patient: { firstName: "\u034f", notes: "Allergic" } } } });
  const service = await createService(clinic.clinicId, "100");
  await writeBehindTriggers("update app_public.service set name = E'\\u2061', category = E'\\ufe0f' where id = $1", [service.id]);
  const priced = await owner.graphql(`mutation($c: UUID!, $id: UUID!) { updateService(input: { clinicId: $c, rowId: $id, patch: { price: "200", name: "\u2061" } }) { service { name category price } } }`,
    { c: clinic.clinicId, id: service.id });
  expect(priced.body).toEqual({ data: { updateService: { service: { name: "\u2061", category: "\ufe0f", price: "200.000" } } } });
  // a clinic's too: a settings form sending back the name it read with a new footer (a name of nothing visible even as
  // name_as_meant read names before, such as a zero-width space, saved before 000101, was refused so)
  for (const name of ["\u200b", "\u034f"]) {
    const own = await createClinic();
    await writeBehindTriggers("update app_public.clinic set name = $2 where id = $1", [own.clinicId, name]);
    const boss = new Browser(api);
    await boss.login(own.members.owner.phone, own.members.owner.password);
    const saved = await boss.graphql(`mutation($id: UUID!, $name: String!) { updateClinic(input: { rowId: $id, patch: { name: $name, invoiceFooter: "Asante" } }) { clinic { name invoiceFooter } } }`,
      { id: own.clinicId, name });
    expect({ name, saved: saved.body }).toEqual({ name, saved: { data: { updateClinic: { clinic: { name, invoiceFooter: "Asante" } } } } });
    // and renamed to one of nothing visible, it is refused
    const renamed = await boss.graphql(`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: { name: "\u2062" } }) { clinic { name } } }`, { id: own.clinicId });
    expect(refusal(renamed)?.[0]).toBe("INVALID_INPUT");
  }
});
