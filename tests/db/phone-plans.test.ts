/**
 * The numbering plans normalize_phone reads phones with (app_hidden.phone_plan) are
 * libphonenumber's: every calling code in use, its possible lengths after the code
 * and its national prefix, and no other code. A newer libphonenumber-js that changes
 * them fails here with what to write in a migration.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { closeRootPool, rootPool } from "../support/database.ts";

afterAll(closeRootPool);

type Territory = [string, string, string, number[], unknown, (string | 0)?];
interface Metadata {
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, Territory>;
  nonGeographic: Record<string, Territory>;
}

/** Each calling code's plan as libphonenumber-js's metadata gives it: the union of its territories' lengths, and their national prefix. */
function libphonenumberPlans(): Record<string, { lengths: number[]; trunk?: string }> {
  const path = createRequire(import.meta.url).resolve("libphonenumber-js/metadata.min.json");
  const metadata = JSON.parse(readFileSync(path, "utf8")) as Metadata;
  const territories = [
    ...Object.values(metadata.countries),
    ...Object.values(metadata.nonGeographic),
  ];
  const plans: Record<string, { lengths: number[]; trunk?: string }> = {};
  for (const [code, , , lengths, , trunk] of territories) {
    const plan = (plans[code] ??= { lengths: [] });
    plan.lengths = [...new Set([...plan.lengths, ...lengths])].sort((a, b) => a - b);
    if (trunk) plan.trunk = trunk;
  }
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
