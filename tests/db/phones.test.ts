/**
 * A new clinic completes national numbers with its owner's country calling
 * code, read off the owner's phone: ITU-T country codes are prefix-free, of one,
 * two or three digits.
 */
import { closeRootPool, rootPool } from "../support/database.ts";

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
