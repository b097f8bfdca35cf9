/**
 * The dashboard's per-day rollups, kept by triggers, always equal a rebuild
 * from the source rows: after inserts, status changes, payment corrections,
 * refunds, and a change of the clinic's time zone.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { cashierSession, committedAs, createClinic, createIssuedInvoice, createVisit } from "../support/fixtures.ts";

afterAll(closeRootPool);

async function rollups(clinicId: string) {
  const q = async (sql: string) => (await rootPool().query(sql, [clinicId])).rows;
  return {
    money: await q("select business_date::text, method::text, amount::text from app_private.daily_money where clinic_id = $1 and amount <> 0 order by 1, 2"),
    visits: await q("select local_date::text, status::text, doctor_id, visits from app_private.daily_visits where clinic_id = $1 and visits <> 0 order by 1, 2, 3"),
    patients: await q("select local_date::text, patients from app_private.daily_patients where clinic_id = $1 and patients <> 0 order by 1"),
  };
}

test("incremental rollups equal a rebuild, also after a time zone change", async () => {
  const clinic = await createClinic("Rollup clinic");
  const session = await cashierSession(clinic);
  for (const status of ["scheduled", "checked_in", "completed", "cancelled", "no_show"]) await createVisit(clinic, status);
  const invoice = await createIssuedInvoice(clinic, "9000");
  const payment = await committedAs(session, async (c) => {
    const p = (await c.query("select * from app_public.record_payment($1, 6000, 'cash', null, null, now() - interval '2 days')", [invoice.id])).rows[0];
    await c.query("select app_public.record_payment($1, 1000, 'card')", [invoice.id]);
    await c.query("update app_public.payment set method = 'mobile_money' where id = $1", [p.id]); // a correction
    await c.query("select app_public.refund_payment($1, 500, 'Overcharged')", [p.id]);
    return p;
  });
  expect(payment.id).toBeDefined();

  const incremental = await rollups(clinic.clinicId);
  expect(incremental.money.length).toBeGreaterThanOrEqual(2);
  expect(incremental.visits.reduce((n: number, r: { visits: number }) => n + r.visits, 0)).toBe(6); // five + the invoiced visit
  await rootPool().query("select app_private.rebuild_rollups($1)", [clinic.clinicId]);
  expect(await rollups(clinic.clinicId)).toEqual(incremental);

  // a visit scheduled at 22:30 UTC is on the next day in Dar es Salaam, the same day in Lisbon
  await rootPool().query("update app_public.visit set scheduled_at = date_trunc('day', now()) + interval '22 hours 30 minutes' where clinic_id = $1 and status in ('scheduled', 'checked_in', 'in_progress')", [clinic.clinicId]);
  const before = (await rollups(clinic.clinicId)).visits.map((r: { local_date: string }) => r.local_date);
  await rootPool().query("update app_public.clinic set timezone = 'Europe/Lisbon' where id = $1", [clinic.clinicId]);
  const after = await rollups(clinic.clinicId);
  expect(after.visits.map((r: { local_date: string }) => r.local_date)).not.toEqual(before);
  await rootPool().query("select app_private.rebuild_rollups($1)", [clinic.clinicId]);
  expect(await rollups(clinic.clinicId)).toEqual(after);
});
