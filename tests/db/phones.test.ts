/**
 * A new clinic completes national numbers with its owner's country calling
 * code, read off the owner's phone: ITU-T country codes are prefix-free, of one,
 * two or three digits.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { createClinic, writeBehindTriggers } from "../support/fixtures.ts";

afterAll(closeRootPool);

test.each([
  ["+14155550100", "1"],
  ["+74951234567", "7"],
  ["+201001234567", "20"],
  ["+27211234567", "27"],
  ["+442071234567", "44"],
  ["+861012345678", "86"],
  ["+984123456789", "98"],
  ["+211912345678", "211"],
  ["+254722000111", "254"],
  ["+255712345678", "255"],
  ["+351211234567", "351"],
  ["+8801712345678", "880"],
  ["+9715012345678", "971"],
])("%s has the country code %s", async (phone, code) => {
  const { rows } = await rootPool().query("select app_hidden.country_calling_code($1) as code", [phone]);
  expect(rows[0].code).toBe(code);
});

describe("a number of country code +1 or +7 has 10 digits after the code", () => {
  const normalize = (typed: string, callingCode: string | null) =>
    rootPool().query("select app_public.normalize_phone($1, $2) as phone", [typed, callingCode]);

  test.each([
    ["(212) 555-0100", "1", "+12125550100"],
    ["1 212 555 0100", "1", "+12125550100"], // North America's trunk prefix 1
    ["8 (495) 123-45-67", "7", "+74951234567"], // Russia's trunk prefix 8
    ["0712 345 678", "255", "+255712345678"],
    ["+1 415 555 0100", null, "+14155550100"],
    ["+7 495 123-45-67", null, "+74951234567"],
  ])("%s (calling code %s) is %s", async (typed, callingCode, phone) => {
    expect((await normalize(typed, callingCode)).rows[0].phone).toBe(phone);
  });

  test.each([
    ["(212) 555-001", "1"], // 9 digits: was +1212555001
    ["1 1 212 555 0100", "1"], // the 1 typed twice: was +112125550100
    ["8 495 123 45 678", "7"], // 11 digits after the trunk 8
    ["+1 212 555 01000", null],
    ["+1 112 555 0100", null], // an area code never starts with 1
    ["+1 212 055 0100", null], // nor an exchange with 0
    ["+7 495 123 456", null],
  ])("%s (calling code %s) is INVALID_PHONE, naming the rule", async (typed, callingCode) => {
    await expect(normalize(typed, callingCode)).rejects.toMatchObject({ code: "CINPH", message: expect.stringMatching(/has 10 digits after it/) });
  });
});

test.each([
  ["8 (495) 765-43-21", "7", "+74957654321"], // a whole national number with Russia's trunk 8, as registration takes it
  ["84957654321", "7", "+74957654321"],
  ["1 212 555 0100", "1", "+12125550100"],
  ["8 495 765", "7", "8495765"], // a part of one: as typed (8 also begins Russian area codes)
  ["0712 345", "255", "+255712345"],
  ["+255 0712 345", "255", "+255712345"], // the trunk 0 after the code, dropped as registration drops it: 000086
  ["00255 0712 345", "255", "+255712345"],
  ["06 12", "39", "+390612"], // Italy's numbers keep their 0: 000086
  ["06 1 23", "36", "+36123"], // Hungary's trunk prefix 06
])("searching %s at a clinic of calling code %s looks for %s", async (typed, callingCode, term) => {
  const { rows } = await rootPool().query("select app_hidden.phone_search_term($1, $2) as term", [typed, callingCode]);
  expect(rows[0].term).toBe(term);
});

describe("phones are read with their country's numbering plan", () => {
  const normalize = (typed: string, callingCode: string | null) =>
    rootPool().query("select app_public.normalize_phone($1, $2) as phone", [typed, callingCode]);

  test.each([
    ["255712345678", "255", "+255712345678"], // the country code typed without +: was +255255712345678
    ["255 712 345 678", "255", "+255712345678"],
    ["+255 0712 345 678", null, "+255712345678"], // the trunk 0 after the code: was +2550712345678
    ["06 1234 5678", "39", "+390612345678"], // Italy has no trunk prefix: the 0 is the number's, was +39612345678
    ["+39 06 1234 5678", null, "+390612345678"],
    ["07 12 34 56 78", "225", "+2250712345678"], // nor Côte d'Ivoire
    ["812 123 4567", "7", "+78121234567"], // a Russian area code that begins with 8, the trunk prefix
    ["020 7946 0958", "44", "+442079460958"],
    ["06 1 234 5678", "36", "+3612345678"], // Hungary's trunk prefix 06
    ["+800 1234 5678", null, "+80012345678"], // a code of no country
  ])("%s (calling code %s) is %s", async (typed, callingCode, phone) => {
    expect((await normalize(typed, callingCode)).rows[0].phone).toBe(phone);
  });

  test.each([
    ["12345", "255", /country code \+255 has 9 digits after it, not counting the national prefix 0/], // was +25512345
    ["+255 7123", null, /\+255 has 9 digits/],
    ["1 212 555 0100", "255", /\+255 has 9 digits/], // not read as +1: was +25512125550100
    ["071234567", "255", /\+255 has 9 digits/], // what follows the trunk 0 is too short, and no number starts with 0
    ["255 0712 34567", "255", /\+255 has 9 digits/],
    ["+44 7946 09", null, /\+44 has 7, 9 or 10 digits after it/],
    ["+39 12345", null, /\+39 has 6 to 12 digits after it\.$/],
    ["+999 1234 5678", null, /does not start with a country code in use/],
    ["0712 345 678", "999", /calling code \+999 is not one in use/],
  ])("%s (calling code %s) is INVALID_PHONE, naming the rule", async (typed, callingCode, message) => {
    await expect(normalize(typed, callingCode)).rejects.toMatchObject({ code: "CINPH", message: expect.stringMatching(message) });
  });
});

test("a clinic's calling code must be one in use, checked when it is set", async () => {
  const clinic = await createClinic("Calling code clinic");
  await expect(rootPool().query("update app_public.clinic set calling_code = '999' where id = $1", [clinic.clinicId])).rejects.toMatchObject({
    code: "CINVL",
    message: "The calling code +999 is not a country code in use.",
  });
  await rootPool().query("update app_public.clinic set calling_code = '254' where id = $1", [clinic.clinicId]);
  // a clinic set before keeps working: its other settings change
  await writeBehindTriggers("update app_public.clinic set calling_code = '999' where id = $1", [clinic.clinicId]);
  await rootPool().query("update app_public.clinic set name = 'Calling code clinic, renamed' where id = $1", [clinic.clinicId]);
});

test("phones saved under older rules are read again: corrected where their people typed a phone, left and counted where not", async () => {
  const clinic = await createClinic("Saved phones clinic");
  const digits = (n: number) => String(Math.floor(Math.random() * 10 ** n)).padStart(n, "0");
  const [twice, taken] = [`+2552557${digits(8)}`, `+2552556${digits(8)}`]; // 255712345678 typed at a +255 clinic
  const takenCorrected = `+255${taken.slice(7)}`;
  const trunk8 = `+78495${digits(7)}`; // 000070's case: 8 495 … typed at a +7 clinic
  const [trunk0, tooShort, noCode] = [`+25507${digits(8)}`, `+2557${digits(4)}`, `+999${digits(8)}`];
  // as saved before 000086 (the triggers of today refuse them)
  await writeBehindTriggers(`insert into app_public."user" (phone, full_name) select unnest($1::text[]), 'Saved phone test'`, [
    [twice, trunk8, taken, takenCorrected],
  ]);
  await writeBehindTriggers(
    `insert into app_public.patient (clinic_id, code, first_name, last_name, phone) select $1, 'SVD-' || n, 'Saved', 'Test', p from unnest($2::text[]) with ordinality t(p, n)`,
    [clinic.clinicId, [trunk0, tooShort, noCode]],
  );
  const correct = async () => (await rootPool().query("select app_private.correct_saved_phones() as left")).rows[0].left;
  expect(await correct()).toBeGreaterThanOrEqual(3); // the taken one, the short one and the one of no code (and other tests' rows)
  const phones = async (sql: string, params: unknown[]) => (await rootPool().query(sql, params)).rows.map((r) => r.phone).sort();
  const users = () => phones(`select phone from app_public."user" where full_name = 'Saved phone test'`, []);
  const patients = () => phones("select phone from app_public.patient where clinic_id = $1", [clinic.clinicId]);
  expect(await users()).toEqual([`+255${twice.slice(7)}`, `+7${trunk8.slice(3)}`, taken, takenCorrected].sort());
  expect(await patients()).toEqual([`+255${trunk0.slice(5)}`, tooShort, noCode].sort());
  const { rows } = await rootPool().query(
    "select count(*)::int as n from app_public.audit_log where clinic_id = $1 and table_name = 'patient' and action = 'update'",
    [clinic.clinicId],
  );
  expect(rows[0].n).toBe(1); // the correction is audited

  // an operator runs it again: nothing more changes
  await correct();
  expect(await users()).toEqual([`+255${twice.slice(7)}`, `+7${trunk8.slice(3)}`, taken, takenCorrected].sort());
  expect(await patients()).toEqual([`+255${trunk0.slice(5)}`, tooShort, noCode].sort());
});
