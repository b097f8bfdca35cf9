/**
 * The numbering plans normalize_phone reads phones with (app_hidden.phone_plan) are
 * libphonenumber's: every calling code in use, its possible lengths after the code,
 * national number patterns and national prefix, and no other code; and phones are read
 * as libphonenumber-js reads them. A newer libphonenumber-js that changes them fails
 * here with what to write in a migration.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/min";
import { closeRootPool, rootPool } from "../support/database.ts";

afterAll(closeRootPool);

const require = createRequire(import.meta.url);
const readJson = (path: string) => JSON.parse(readFileSync(require.resolve(path), "utf8"));

/** A territory in metadata.min.json: [code, IDD prefix, national pattern, lengths, formats, national prefix, …, prefix for parsing, its transform rule]. */
type Territory = [string, string, string, number[], unknown, (string | 0)?, unknown?, (string | 0)?, (string | 0)?];
interface Metadata {
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, Territory>;
  nonGeographic: Record<string, Territory>;
}
interface Plan {
  lengths: number[];
  pattern: string;
  trunk?: string;
  strip?: string;
  worldwide?: boolean;
}

const metadata = readJson("libphonenumber-js/metadata.min.json") as Metadata;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One calling code's plan from its territories, the main one first. */
function plan(territories: Territory[], worldwide: boolean): Plan {
  const [, , , , , trunk, , parsing, transform] = territories[0];
  const patterns = [...new Set(territories.map((t) => t[2]))];
  const strip = parsing && !transform ? parsing : trunk ? escape(trunk) : undefined;
  return {
    lengths: [...new Set(territories.flatMap((t) => t[3]))].sort((a, b) => a - b),
    pattern: patterns.length > 1 ? patterns.map((p) => `(?:${p})`).join("|") : patterns[0],
    ...(trunk ? { trunk } : {}),
    ...(strip ? { strip } : {}),
    ...(worldwide ? { worldwide } : {}),
  };
}

function libphonenumberPlans(): Record<string, Plan> {
  const plans: Record<string, Plan> = {};
  for (const [code, countries] of Object.entries(metadata.country_calling_codes)) {
    plans[code] = plan(countries.map((country) => metadata.countries[country]), false);
  }
  for (const [code, territory] of Object.entries(metadata.nonGeographic)) plans[code] = plan([territory], true);
  // ClinicOps keeps +1 and +7 to their 10-digit numbers (000066)
  plans["1"].lengths = [10];
  plans["7"].lengths = [10];
  return plans;
}

test("every calling code of libphonenumber-js has its plan, and no other code has one", async () => {
  const { rows } = await rootPool().query(
    "select n::text as code, app_hidden.phone_plan(n::text) as plan from generate_series(1, 999) n where app_hidden.phone_plan(n::text) is not null",
  );
  const inDatabase = Object.fromEntries(rows.map((r) => [r.code, r.plan]));
  const expected = libphonenumberPlans();
  expect(Object.keys(expected).length).toBe(215);
  expect(inDatabase).toEqual(expected);
});

test("every country's example numbers are read as libphonenumber-js reads them, in every form they are typed, and their phones corrected to themselves", async () => {
  const examples = readJson("libphonenumber-js/examples.mobile.json") as Record<string, string>;
  const cases: { country: string; code: string; typed: string; expected: string }[] = [];
  for (const [country, national] of Object.entries(examples)) {
    const number = parsePhoneNumberFromString(national, country as CountryCode);
    if (!number?.isValid()) continue;
    const code = number.countryCallingCode;
    // (00 stands for + everywhere here, where libphonenumber knows each country's own international prefix)
    const forms = [number.number, `+${code} ${national}`, number.formatInternational(), number.formatNational(), `${code}${national}`, `${code} ${number.formatNational()}`];
    for (const typed of forms) {
      const read = parsePhoneNumberFromString(typed, country as CountryCode);
      // Argentina's mobile numbers in national form (011 15-…) need a rule that rewrites digits, which ClinicOps has not taken
      if (read?.isValid() && !(country === "AR" && typed.endsWith(number.formatNational()))) cases.push({ country, code, typed, expected: read.number });
    }
  }
  expect(cases.length).toBeGreaterThan(1400);
  const client = await rootPool().connect();
  try {
    // a refusal is an answer too
    await client.query(`create function pg_temp.read_phone(typed text, code text) returns text language plpgsql as $$
      begin return app_public.normalize_phone(typed, code); exception when sqlstate 'CINPH' then return sqlerrm; end $$`);
    const { rows } = await client.query(
      `select r.phone, case when r.phone like '+%' then app_private.saved_phone_corrected(r.phone) else r.phone end as corrected
       from jsonb_to_recordset($1::jsonb) as c(typed text, code text, n int), pg_temp.read_phone(c.typed, c.code) as r(phone) order by c.n`,
      [JSON.stringify(cases.map((c, n) => ({ ...c, n })))],
    );
    const differences = cases.map((c, i) => ({ ...c, got: rows[i].phone })).filter((c) => c.got !== c.expected);
    expect(differences).toEqual([]);
    // correct_saved_phones, run again by an operator, leaves what registration saves as it is
    expect(rows.filter((r) => r.corrected !== r.phone)).toEqual([]);
  } finally {
    client.release(true); // its temporary function goes with it
  }
});
