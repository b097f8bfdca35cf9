/**
 * A new clinic completes national numbers with its owner's country calling
 * code, read off the owner's phone: ITU-T country codes are prefix-free, of one,
 * two or three digits.
 */
import { inStartTurn, isCountryCallingCode, showUpgradeWarnings } from "../../db/setup.ts";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { asMember, createClinic, createPatient, writeBehindTriggers } from "../support/fixtures.ts";
import { besideADeactivation, underWay } from "../support/locks.ts";
import { phonesSavedFrom } from "../support/phone-typings.ts";

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
    ["1 1 212 555 0100", "1", "+12125550100"], // the code and the trunk prefix, as libphonenumber reads them: was +112125550100 before 000086
    ["0712 345 678", "255", "+255712345678"],
    ["+1 415 555 0100", null, "+14155550100"],
    ["+7 495 123-45-67", null, "+74951234567"],
  ])("%s (calling code %s) is %s", async (typed, callingCode, phone) => {
    expect((await normalize(typed, callingCode)).rows[0].phone).toBe(phone);
  });

  test.each([
    ["(212) 555-001", "1"], // 9 digits: was +1212555001
    ["8 495 123 45 678", "7"], // 11 digits after the trunk 8
    ["+1 212 555 01000", null],
    ["+1 112 555 0100", null], // an area code never starts with 1
    ["+1 212 055 0100", null], // nor an exchange with 0
    ["+7 495 123 456", null],
  ])("%s (calling code %s) is INVALID_PHONE, naming the rule", async (typed, callingCode) => {
    await expect(normalize(typed, callingCode)).rejects.toMatchObject({ code: "CINPH", message: expect.stringMatching(/\+[17].* has 10 digits/) });
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
  ["+255 (0) 712 34", "255", "+25571234"],
  ["+39 (0)6 12", "39", "+390612"], // Italy's 0, in brackets or not
  ["+7 8 495 912-73-37", "7", "+74959127337"], // a whole number, read as registration reads it: 000086
  ["345678901", "255", "345678901"], // digits alone, a part of any phone: matched as typed
  ["0712\u00a0345\u2011678", "255", "+255712345678"], // a no-break space and a non-breaking hyphen, as registration reads them
  ["\u0660\u0667\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", "255", "+255712345678"], // Arabic-Indic digits
  ["\uff10\uff17\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "255", "+255712345678"], // full-width digits, an East Asian keyboard's
])("searching %s at a clinic of calling code %s looks for %s", async (typed, callingCode, term) => {
  const { rows } = await rootPool().query("select (app_hidden.phone_search_terms($1, $2))[1] as term", [typed, callingCode]);
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
    ["+39 (0)6 1234 5678", null, "+390612345678"], // (0) is a trunk prefix only where the country has one
    ["+39 612 345 678", null, "+390612345678"], // a national 0 left out, put back where the number is none without it
    ["612 345 678", "39", "+390612345678"],
    ["+257 (0) 79 12 34 56", null, "+25779123456"], // and left out where no number starts with 0
    ["+1 (0) 212 555 0100", null, "+12125550100"],
    ["61 0412 345 678", "61", "+61412345678"], // the country code, then the trunk prefix, typed without +
    ["255 0712 345 678", "255", "+255712345678"],
    ["91 98765 43210", "91", "+919876543210"], // India's numbers have 8 to 13 digits: its pattern tells which reading is one
    ["234 802 123 4567", "234", "+2348021234567"], // was refused for 16 digits
    ["+375 800 123 4567", null, "+3758001234567"], // a Belarusian toll-free number starting with the trunk prefix 8
    ["8 029 123 45 67", "375", "+375291234567"], // Belarus's national prefix 80
    ["+250 06 53 77 16", null, "+25006537716"], // a Rwandan fixed line, starting with 0 where the trunk prefix is 0
    // none of the plan's numbers in any reading: read again as saved, as the code typed twice (was +3583589473855) and
    // with the trunk prefix 8 typed twice after the 0 (was +37588355141756)
    ["0358 947 3855", "358", "+3589473855"],
    ["0 8 8 355 14 17 56", "375", "+375355141756"],
    ["\u0660\u0667\u0661\u0662 \u0663\u0664\u0665 \u0666\u0667\u0668", "255", "+255712345678"], // Arabic-Indic digits
    ["0712\u00a0345\u2013678", "255", "+255712345678"], // a no-break space and an en dash, as pasted
    // full-width, as an East Asian keyboard types them: they were "not a phone number"
    ["\uff0b\uff12\uff15\uff15\u3000\uff08\uff17\uff11\uff12\uff09\uff13\uff14\uff15\uff0d\uff16\uff17\uff18", null, "+255712345678"],
  ])("%s (calling code %s) is %s", async (typed, callingCode, phone) => {
    expect((await normalize(typed, callingCode)).rows[0].phone).toBe(phone);
  });

  test.each([
    // typed without a country code: the message names the code that completed it, and what to do otherwise
    ["12345", "255", /^This is not a phone number of country code \+255, which completes numbers typed without one: a number there has 9 digits, not counting the national prefix 0\. Type a number of another country with \+ and its country code\.$/], // was +25512345
    ["+255 7123", null, /^This is not a phone number: a number of country code \+255 has 9 digits after it, not counting the national prefix 0\.$/],
    ["1 212 555 0100", "255", /country code \+255, which completes/], // not read as +1: was +25512125550100
    ["071234567", "255", /country code \+255, which completes/], // what follows the trunk 0 is too short, and no number starts with 0
    ["255 0712 34567", "255", /country code \+255, which completes/], // one digit short
    ["+62 812 345", null, /\+62 has 7 to 13 digits after it, not/], // the plan's 17 cut to the 15 digits of a phone
    ["+44 7946 09", null, /\+44 has 7, 9 or 10 digits after it/],
    ["+34 12345", null, /\+34 has 9 digits after it\.$/], // Spain has no trunk prefix: no "not counting"
    // a national 0 is put back only where that makes one of the country's numbers, not for its length alone (a digit dropped)
    ["3123456", "506", /country code \+506, which completes/],
    ["+376 12345", null, /\+376 has 6, 8 or 9 digits after it\.$/],
    ["+999 1234 5678", null, /does not start with a country code in use/],
    ["0712 345 678", "999", /and \+999, the code that would complete it, is not one in use/],
  ])("%s (calling code %s) is INVALID_PHONE, naming the rule", async (typed, callingCode, message) => {
    await expect(normalize(typed, callingCode)).rejects.toMatchObject({ code: "CINPH", message: expect.stringMatching(message) });
  });

  // A number none of whose readings is one of its plan's numbers was saved as the first reading of an allowed length,
  // which typed again as saved (as lists show it, as a user logs in) could read as another: the person was not found by
  // their phone as shown, and correct_saved_phones rewrote what registration saved.
  test("a phone reads as itself typed as it is saved, whatever its country and however it was typed", async () => {
    // every plan's lengths, typed in national form (its trunk prefix, then digits from its code: the code typed
    // twice, or a trunk prefix again) and in international form with the code typed twice
    const typings = await phonesSavedFrom(`
      select p.code, t.typed
      from plans p, jsonb_array_elements_text(p.plan -> 'lengths') l,
        lateral (select left(p.code || repeat('8', 3) || '9876543210123456', l::int) as national) d,
        unnest(array[coalesce(p.plan ->> 'trunk', '') || d.national, '+' || p.code || p.code || d.national]) t(typed)`);
    const { rows } = await rootPool().query(
      "select saved, app_public.normalize_phone(saved) as read_again from unnest($1::text[]) saved",
      [typings.map((t) => t.saved)],
    );
    expect(rows.length).toBeGreaterThan(500);
    expect(rows.filter((r) => r.read_again !== r.saved)).toEqual([]);
  });
});

// A phone copied on a phone or page set to Arabic, Persian or Hebrew comes wrapped in invisible direction marks (Android's
// contacts in U+202A … U+202C, others in isolates U+2066 … U+2069 or a left-to-right mark U+200E), which libphonenumber
// reads past. Before 000448 it was INVALID_PHONE ("use digits…"), the duplicate warning flagged no one by it, and the search
// found no one by it in national form.
test("a phone pasted with the direction marks of a right-to-left phone or page is the phone: registered, flagged and found", async () => {
  const clinic = await createClinic();
  const pastes = ["\u202a+255 712 345 901\u202c", "\u2066+255 712 345 901\u2069", "\u200e0712 345 901", "\u200f0712\u00a0345\u00a0901\u200e"];
  for (const typed of pastes) {
    expect((await rootPool().query("select app_public.normalize_phone($1, '255') as phone", [typed])).rows[0].phone).toBe("+255712345901");
  }
  const patient = await createPatient(clinic.clinicId, { phone: "0712 345 901" });
  await asMember(clinic.members.receptionist, async (c) => {
    for (const typed of pastes) {
      expect((await c.query("select id from app_public.find_patient_duplicates(phone => $1)", [typed])).rows).toEqual([{ id: patient.id }]);
      expect((await c.query("select id from app_public.search_patients($1)", [typed])).rows).toEqual([{ id: patient.id }]);
    }
    const { rows } = await c.query("insert into app_public.patient (first_name, last_name, phone) values ('Neema', 'Pasted', $1) returning phone", [pastes[0]]);
    expect(rows).toEqual([{ phone: "+255712345901" }]);
  });
});

test("a phone typed in more than 32 characters is INVALID_PHONE, though its digits would make a number; 32 are read", async () => {
  const typed = (spaces: number) => `+255${" ".repeat(spaces)}712 345 678`; // 15 characters and the spaces
  const normalize = (phone: string) => rootPool().query("select app_public.normalize_phone($1, null) as phone", [phone]);
  expect((await normalize(typed(17))).rows).toEqual([{ phone: "+255712345678" }]);
  await expect(normalize(typed(18))).rejects.toMatchObject({
    code: "CINPH",
    message: "This is not a phone number: use digits, spaces, dashes or brackets, optionally starting with + or 00.",
  });
});

// the whole of what was typed was read (other scripts' digits, spaces, dashes) before one of more than 32 characters was
// refused: 100,000 characters cost the database 0.2 s a call, and a number padded with 2,000 spaces was read and saved (000352)
test("a phone typed in more than 1000 characters is INVALID_PHONE before any of it is read, though trimmed it is a number; 1000 are read", async () => {
  const padded = (spaces: number) => `${" ".repeat(spaces)}+255 712 345 678`; // 16 characters and the spaces
  const normalize = (phone: string) => rootPool().query("select app_public.normalize_phone($1, null) as phone", [phone]);
  expect((await normalize(padded(984))).rows).toEqual([{ phone: "+255712345678" }]);
  for (const typed of [padded(2000), "1".repeat(100_000)]) {
    await expect(normalize(typed)).rejects.toMatchObject({
      code: "CINPH",
      message: "This is not a phone number: use digits, spaces, dashes or brackets, optionally starting with + or 00.",
    });
  }
});

test("a clinic's calling code must be a country's code in use, checked when it is set", async () => {
  const clinic = await createClinic("Calling code clinic");
  for (const code of ["999", "800"]) {
    await expect(rootPool().query("update app_public.clinic set calling_code = $2 where id = $1", [clinic.clinicId, code])).rejects.toMatchObject({
      code: "CINVL",
      message: `The calling code +${code} is not a country's code in use: give the code of the clinic's country.`,
    });
  }
  await rootPool().query("update app_public.clinic set calling_code = '254' where id = $1", [clinic.clinicId]);
  // its phone, saved under older rules, is read again only when it changes
  await writeBehindTriggers("update app_public.clinic set phone = '+25512345' where id = $1", [clinic.clinicId]);
  await rootPool().query("update app_public.clinic set calling_code = '256' where id = $1", [clinic.clinicId]);
  // a clinic set before keeps working: its phone changes (the trigger that checks the code runs), its code is not checked again
  await writeBehindTriggers("update app_public.clinic set calling_code = '999' where id = $1", [clinic.clinicId]);
  const { rows } = await rootPool().query("update app_public.clinic set phone = '+254 722 000 111' where id = $1 returning phone", [clinic.clinicId]);
  expect(rows[0].phone).toBe("+254722000111");
});

test("phones saved under older rules are read again: corrected where their people typed a phone, left and counted where not", async () => {
  const clinic = await createClinic("Saved phones clinic");
  const digits = (n: number) => String(Math.floor(Math.random() * 10 ** n)).padStart(n, "0");
  const [twice, taken] = [`+2552557${digits(8)}`, `+2552556${digits(8)}`]; // 255712345678 typed at a +255 clinic
  const takenCorrected = `+255${taken.slice(7)}`;
  const trunk8 = `+78495${digits(7)}`; // 000070's case: 8 495 … typed at a +7 clinic
  const [trunk0, tooShort, noCode] = [`+25507${digits(8)}`, `+2557${digits(4)}`, `+999${digits(8)}`];
  const indiaTwice = `+91919${digits(9)}`; // 91 98… typed at a +91 clinic
  const [italy, ivoryCoast] = [`+3961${digits(7)}`, `+2257071${digits(5)}`]; // 06 1…, 07 07 1… typed at their clinics: the 0 was lost
  const tollFree = `+3758001${digits(6)}`; // a Belarusian toll-free number, whose 8 is no trunk prefix
  const finlandTwice = "+3583589473855"; // 0358 947 3855 typed at a +358 clinic before 000484, which reads as +3589473855
  // as saved before 000086 (the triggers of today refuse them)
  await writeBehindTriggers(`insert into app_public."user" (phone, full_name) select unnest($1::text[]), 'Saved phone test'`, [
    [twice, trunk8, taken, takenCorrected],
  ]);
  await writeBehindTriggers(
    `insert into app_public.patient (clinic_id, code, first_name, last_name, phone) select $1, 'SVD-' || n, 'Saved', 'Test', p from unnest($2::text[]) with ordinality t(p, n)`,
    [clinic.clinicId, [trunk0, tooShort, noCode, indiaTwice, tollFree, italy, ivoryCoast, finlandTwice]],
  );
  const correct = async () => (await rootPool().query("select app_private.correct_saved_phones() as left")).rows[0].left;
  expect(await correct()).toBeGreaterThanOrEqual(3); // the taken one, the short one and the one of no code (and other tests' rows)
  const phones = async (sql: string, params: unknown[]) => (await rootPool().query(sql, params)).rows.map((r) => r.phone).sort();
  const users = () => phones(`select phone from app_public."user" where full_name = 'Saved phone test'`, []);
  const patients = () => phones("select phone from app_public.patient where clinic_id = $1", [clinic.clinicId]);
  expect(await users()).toEqual([`+255${twice.slice(7)}`, `+7${trunk8.slice(3)}`, taken, takenCorrected].sort());
  expect(await patients()).toEqual([`+255${trunk0.slice(5)}`, tooShort, noCode, `+91${indiaTwice.slice(5)}`, tollFree, `+390${italy.slice(3)}`, `+2250${ivoryCoast.slice(4)}`, "+3589473855"].sort());
  const { rows } = await rootPool().query(
    "select count(*)::int as n from app_public.audit_log where clinic_id = $1 and table_name = 'patient' and action = 'update'",
    [clinic.clinicId],
  );
  expect(rows[0].n).toBe(5); // the corrections are audited

  // an operator runs it again: nothing more changes
  await correct();
  expect(await users()).toEqual([`+255${twice.slice(7)}`, `+7${trunk8.slice(3)}`, taken, takenCorrected].sort());
  expect(await patients()).toEqual([`+255${trunk0.slice(5)}`, tooShort, noCode, `+91${indiaTwice.slice(5)}`, tollFree, `+390${italy.slice(3)}`, `+2250${ivoryCoast.slice(4)}`, "+3589473855"].sort());
});

// It corrected each phone in a statement of its own, all in one transaction, in the order it read them (users, patients,
// clinics), each clinic's audit chain head held from its first correction: with a login, a password change or a
// deactivation ending sessions of two of those clinics, which takes their heads in the order of their ids, each held a
// head the other waited for ("deadlock detected"): the deactivation undone, or the phone left uncorrected and counted
// among those no rule reads. The higher id's clinic's patient comes first (patients before clinics), and its head is held
// by a third transaction, the correction and then the deactivation queued behind it (as in audit.test.ts).
test("correcting the saved phones and a deactivation ending sessions in two of their clinics take the chains' heads in one order", async () => {
  const [lo, hi] = [(await createClinic()).clinicId, (await createClinic()).clinicId].sort();
  const patient = (await createPatient(hi)).id;
  const digits = () => String(Math.floor(Math.random() * 1e6)).padStart(6, "0");
  const [patientPhone, clinicPhone] = [`+2550712${digits()}`, `+2550713${digits()}`]; // as saved before 000086
  await writeBehindTriggers("update app_public.patient set phone = $2 where id = $1", [patient, patientPhone]);
  await writeBehindTriggers("update app_public.clinic set phone = $2 where id = $1", [lo, clinicPhone]);
  const answers = await besideADeactivation([lo, hi], async () => (await underWay("select null as result from app_private.correct_saved_phones()", [])).result);
  expect(answers).toEqual([null, null]); // before, the deactivation "deadlock detected", or the correction undone and caught
  const phone = async (sql: string, id: string) => (await rootPool().query(sql, [id])).rows[0].phone;
  expect(await phone("select phone from app_public.patient where id = $1", patient)).toBe(`+255${patientPhone.slice(5)}`);
  expect(await phone("select phone from app_public.clinic where id = $1", lo)).toBe(`+255${clinicPhone.slice(5)}`);
});

test("a phone edited while the saved phones are corrected keeps the edit", async () => {
  const clinic = await createClinic("Phone edited meanwhile clinic");
  const patient = (await createPatient(clinic.clinicId)).id;
  await writeBehindTriggers("update app_public.patient set phone = '+2550712000001' where id = $1", [patient]); // as saved before 000086
  const editor = await rootPool().connect();
  const corrector = await rootPool().connect();
  try {
    await editor.query("begin");
    await editor.query("update app_public.patient set phone = '+255713999999' where id = $1", [patient]);
    const pid = (await corrector.query("select pg_backend_pid() as pid")).rows[0].pid;
    const correcting = corrector.query("select app_private.correct_saved_phones()");
    // the correction has read the saved phone and waits for the edit's row
    let blocked = false;
    for (const end = Date.now() + 10_000; !blocked && Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 20))) {
      blocked = (await rootPool().query("select cardinality(pg_blocking_pids($1)) > 0 as blocked", [pid])).rows[0].blocked;
    }
    expect(blocked).toBe(true);
    await editor.query("commit");
    await correcting;
  } finally {
    editor.release();
    corrector.release();
  }
  const { rows } = await rootPool().query("select phone from app_public.patient where id = $1", [patient]);
  expect(rows[0].phone).toBe("+255713999999");
});

test("phones left uncorrected, and clinics on a code of no country, are a warning the next start logs once", async () => {
  const clinic = await createClinic("Code of no country clinic");
  await writeBehindTriggers("update app_public.clinic set calling_code = '999' where id = $1", [clinic.clinicId]); // as set before 000086
  const logged: string[] = [];
  // in the start's turn, as a start shows them: another test file's start cannot show them first
  await inStartTurn(testConfig, async () => {
    await rootPool().query("select app_private.warn_of_phones_left(2)");
    await showUpgradeWarnings(testConfig, (message) => logged.push(message));
  });
  expect(logged).toEqual([
    expect.stringMatching(/^WARNING from migration 000086: 2 saved phones are not phone numbers by today's rules, or could not be corrected .*docs\/operations\.md/),
    expect.stringMatching(/^WARNING from migration 000086: \d+ clinics have a calling code that is no country's code in use/),
  ]);
  const again: string[] = [];
  await showUpgradeWarnings(testConfig, (message) => again.push(message));
  expect(again).toEqual([]);
});

test("a DEFAULT_CALLING_CODE of no country in use is told apart from a country's (the server refuses to start with one)", async () => {
  const answers = await Promise.all(["255", "1", "999", "800"].map((code) => isCountryCallingCode(testConfig, code)));
  expect(answers).toEqual([true, true, false, false]);
});
