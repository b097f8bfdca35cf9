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
])("searching %s at a clinic of calling code %s looks for %s", async (typed, callingCode, term) => {
  const { rows } = await rootPool().query("select app_hidden.phone_search_term($1, $2) as term", [typed, callingCode]);
  expect(rows[0].term).toBe(term);
});

test("phones saved before 000066 with their trunk prefix after the code are corrected, unless another account has the corrected phone", async () => {
  const clinic = await createClinic("Trunk phones clinic");
  const digits = (n: number) => String(Math.floor(Math.random() * 10 ** n)).padStart(n, "0");
  const corrected = (phone: string) => phone.slice(0, 2) + phone.slice(3);
  const [trunk8, taken] = [`+78495${digits(7)}`, `+78496${digits(7)}`];
  const [trunk1, notWhole] = [`+11212555${digits(4)}`, `+11123456${digits(4)}`]; // the second's area code 123 is no North American one
  // as saved before 000066 (the triggers of today refuse them)
  await writeBehindTriggers(`insert into app_public."user" (phone, full_name) select unnest($1::text[]), 'Trunk test'`, [[trunk8, taken, corrected(taken)]]);
  await writeBehindTriggers(
    `insert into app_public.patient (clinic_id, code, first_name, last_name, phone) select $1, 'TRK-' || n, 'Trunk', 'Test', p from unnest($2::text[]) with ordinality t(p, n)`,
    [clinic.clinicId, [trunk1, notWhole]],
  );
  const { rows } = await rootPool().query("select app_private.correct_trunk_phones() as left");
  expect(rows[0].left).toBe(1); // the user whose corrected phone another account has
  const phones = async (sql: string, params: unknown[]) => (await rootPool().query(sql, params)).rows.map((r) => r.phone).sort();
  expect(await phones(`select phone from app_public."user" where full_name = 'Trunk test'`, [])).toEqual([corrected(trunk8), taken, corrected(taken)].sort());
  expect(await phones("select phone from app_public.patient where clinic_id = $1", [clinic.clinicId])).toEqual([corrected(trunk1), notWhole].sort());
});
