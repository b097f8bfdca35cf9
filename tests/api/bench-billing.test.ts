/**
 * The billing benchmark's nightly reconciliation (bench/billing.ts) runs over the clinics bench/dataset.ts generates
 * and the year of payments it loads in bulk. The generator made its clinics now, after those payments, so since
 * 000274 (a day before a clinic's creation, without money in its rollups, is no day to reconcile) the run opened no
 * day in any clinic and bench:billing printed "0.01 s (0 days written)" as the reconciliation's time.
 */
import pg from "pg";
import { addBilling, reconcileEveryClinic } from "../../bench/billing.ts";
import { generate } from "../../bench/dataset.ts";
import { ownDatabase } from "../support/database.ts";

const { config, drop } = ownDatabase("bench_billing");
afterAll(drop);

test("the billing benchmark's reconciliation opens the day of each generated clinic, with its payments' totals", async () => {
  await generate(2, 5, 0, 2, config);
  const root = new pg.Client({ connectionString: config.rootUrl });
  await root.connect();
  try {
    await addBilling(root, 2000); // about 11 payments a day in each clinic
    const { first, rerun } = await reconcileEveryClinic(config.ownerUrl, 2, new Date(Date.now() - 30 * 86400_000).toISOString());
    expect([first.written, rerun.written]).toEqual([2, 0]);
    const { rows } = await root.query(
      `select r.expected_total::text as expected, (select sum(p.amount) from app_public.payment p
         where p.clinic_id = r.clinic_id and p.business_date = r.business_date)::text as paid
       from app_public.daily_reconciliation r`,
    );
    expect(rows).toHaveLength(2);
    for (const { expected, paid } of rows) expect(expected).toBe(paid);
  } finally {
    await root.end();
  }
});
