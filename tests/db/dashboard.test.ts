/**
 * The dashboard as a member sees it keeps the history of what was deleted
 * since: the sales of a service deleted from the catalog, the visits of a
 * doctor who left the clinic. The same figures as the monthly summary, which
 * the worker computes outside any session.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { asMember, cashierSession, committedAs, createClinic, createIssuedInvoice, createVisit, openSession, writeBehindTriggers } from "../support/fixtures.ts";
import { withTriggersOff } from "../support/locks.ts";
import { until } from "../support/until.ts";

afterAll(closeRootPool);

test("a deleted service stays in topServices and a removed doctor in visitsByDoctor", async () => {
  const clinic = await createClinic("History clinic");
  const invoice = await createIssuedInvoice(clinic, "7000"); // a visit of the clinic's doctor, billed
  await createVisit(clinic, "completed");
  const owner = await openSession(clinic.members.owner.userId, clinic.clinicId);
  await committedAs(owner, async (c) => {
    await c.query("select app_public.delete_service($1)", [invoice.serviceId]);
    await c.query("select app_public.remove_member($1)", [clinic.members.doctor.membershipId]);
  });
  // yesterday too: the data was made a moment ago, maybe before the clinic's midnight
  const { rows } = await rootPool().query(
    "select ((now() at time zone 'Africa/Dar_es_Salaam')::date - 1)::text as yesterday, (now() at time zone 'Africa/Dar_es_Salaam')::date::text as today",
  );
  const { yesterday, today } = rows[0] as { yesterday: string; today: string };

  const dashboard = await asMember(clinic.members.owner, async (c) =>
    (await c.query("select top_services, visits_by_doctor from app_public.dashboard($1, $2)", [yesterday, today])).rows[0],
  );
  expect(dashboard.top_services).toEqual([
    { serviceId: invoice.serviceId, name: expect.any(String), quantity: 1, amount: "7000.000" },
  ]);
  expect(dashboard.visits_by_doctor).toEqual([
    { doctorId: clinic.members.doctor.membershipId, name: `Test ${clinic.members.doctor.phone}`, count: 2 },
  ]);

  const summary = (await rootPool().query("select app_private.monthly_summary_document($1, $2, $3) -> 'figures' as f", [clinic.clinicId, yesterday, today])).rows[0].f;
  expect(summary.top_services).toEqual(dashboard.top_services);
  expect(summary.visits_by_doctor).toEqual(dashboard.visits_by_doctor);
});

test.each([
  ["KWD", "2.375", "1.188"], // 3 decimals: it was 1.19
  ["JPY", "1001.000", "501"], // none: it was 500.50
  ["TZS", "12001.000", "6000.50"],
])("the average visit value of a %s clinic is in its currency's decimals, on the dashboard and in the monthly summary", async (currency, value, average) => {
  const clinic = await createClinic(`Average ${currency} clinic`);
  await rootPool().query("update app_public.clinic set currency = $2 where id = $1", [clinic.clinicId, currency]);
  // two completed visits worth `value` together, in the rollup the dashboard reads
  await rootPool().query(
    "insert into app_private.daily_visits (clinic_id, local_date, status, doctor_id, visits, completed_value) values ($1, '2026-05-04', 'completed', $2, 2, $3)",
    [clinic.clinicId, clinic.members.doctor.membershipId, value],
  );
  const dashboard = await asMember(clinic.members.owner, async (c) =>
    (await c.query("select average_visit_value::text as v from app_public.dashboard('2026-05-01', '2026-05-31')")).rows[0].v,
  );
  expect(dashboard).toBe(average);
  const summary = (await rootPool().query("select app_private.monthly_summary_document($1, '2026-05-01', '2026-05-31') -> 'figures' ->> 'average_visit_value' as v", [clinic.clinicId])).rows[0].v;
  expect(summary).toBe(average);
});

// a money tester's find: a clinic whose currency changed before 000066 keeps its open invoices in the old one (they take
// no payment since 000384), and the outstanding balance added their balance as the clinic's: 130 dollars owed as 130 yen
test("the outstanding balance counts the open invoices in the clinic's currency alone, on the dashboard and in the monthly summary", async () => {
  const clinic = await createClinic("Owed in two currencies clinic");
  await rootPool().query("update app_public.clinic set currency = 'USD', tax_rate = 0 where id = $1", [clinic.clinicId]);
  await createIssuedInvoice(clinic, "100");
  const partly = await createIssuedInvoice(clinic, "50");
  await committedAs(await cashierSession(clinic), (c) => c.query("select app_public.record_payment($1, 20, 'cash', null, null, null)", [partly.id]));
  // as its owner could before 000066, which keeps the currency of a clinic with invoices
  await withTriggersOff([["app_public.clinic", "_600_currency_kept"]], async (client) => {
    await client.query("select set_config('jwt.claims.session_id', $1, true)", [await openSession(clinic.members.owner.userId, clinic.clinicId)]);
    await client.query("update app_public.clinic set currency = 'JPY' where id = $1", [clinic.clinicId]);
  });
  await createIssuedInvoice(clinic, "15000");
  const dashboard = await asMember(clinic.members.owner, async (c) =>
    (await c.query("select outstanding_balance::text as v from app_public.dashboard('2026-05-01', '2026-05-31')")).rows[0].v,
  );
  expect(dashboard).toBe("15000.000"); // the yen owed; before 000396 15130.000, the 100 and 30 dollars owed counted as yen
  const summary = (await rootPool().query("select app_private.monthly_summary_document($1, '2026-05-01', '2026-05-31') -> 'figures' ->> 'outstanding_balance' as v", [clinic.clinicId])).rows[0].v;
  expect(summary).toBe("15000.000");
});

// planned for any clinic, the sum read every invoice of a clinic through another index: 90 ms of a large clinic's dashboard
test("a day of money past 10^13 is on the dashboard's revenue per day and in the monthly summary", async () => {
  const clinic = await createClinic("Large day clinic");
  // three invoices of 4,000,000,000,000 each (a visit's services come to at most 4999999999999.999), paid in full today
  const cashier = await cashierSession(clinic);
  for (let i = 0; i < 3; i++) {
    const invoice = await createIssuedInvoice(clinic, "4000000000000");
    await committedAs(cashier, (c) =>
      c.query("select app_public.record_payment($1, (select balance from app_public.invoice where id = $1), 'bank_transfer', null, null, null)", [invoice.id]),
    );
  }
  const { rows } = await rootPool().query(
    "select business_date::text as day, sum(amount)::text as amount from app_public.payment where clinic_id = $1 group by business_date",
    [clinic.clinicId],
  );
  expect(rows).toEqual([{ day: expect.any(String), amount: "12000000000000.000" }]); // one day, past 10^13
  const { day } = rows[0] as { day: string };
  // each day's sum was cast to numeric(16,3), one amount's size: "numeric field overflow" for every period holding the day
  const dashboard = await asMember(clinic.members.owner, async (c) =>
    (await c.query("select revenue::text, revenue_by_day from app_public.dashboard($1, $1)", [day])).rows[0],
  );
  expect(dashboard).toEqual({ revenue: "12000000000000.000", revenue_by_day: [{ date: day, amount: "12000000000000.000" }] });
  const summary = (await rootPool().query("select app_private.monthly_summary_document($1, $2, $2) -> 'figures' -> 'revenue_by_day' as f", [clinic.clinicId, day])).rows[0].f;
  expect(summary).toEqual(dashboard.revenue_by_day);
});

test("what a clinic is owed is summed from the index of the invoices that owe, however the query is planned", async () => {
  const clinic = await createClinic("Owed clinic");
  await createIssuedInvoice(clinic, "7000");
  // as a large clinic's table stands: its pages all-visible (vacuumed), too large to read whole. A vacuum marks
  // pages all-visible only once no transaction open before it may still need their old rows: while other test
  // files' transactions were open, reading the index alone cost as much as reading the rows, and the planner took
  // another index of the clinic as often (twice in full runs). So the plan is asked again after each vacuum, for 20 s.
  const client = await rootPool().connect();
  const plans: string[] = [];
  try {
    await client.query("set enable_seqscan = off");
    await client.query("set plan_cache_mode = force_generic_plan");
    const fromTheIndex = async () => {
      await client.query("vacuum app_public.invoice");
      await client.query("deallocate all"); // planned anew, after this vacuum
      // as dashboard_for sums it: the invoices in the clinic's currency alone (000396)
      await client.query(
        `prepare owed(uuid) as select coalesce(sum(i.balance), 0) from app_public.invoice i where i.clinic_id = $1 and i.status in ('issued', 'partially_paid')
         and i.currency = (select c.currency from app_public.clinic c where c.id = $1)`,
      );
      const { rows } = await client.query(`explain execute owed('${clinic.clinicId}')`);
      plans.push(rows.map((r) => r["QUERY PLAN"]).join("\n"));
      return /Index Only Scan using invoice_clinic_owed_in_currency_idx/.test(plans.at(-1)!);
    };
    expect({ fromTheIndex: await until(fromTheIndex, 20_000, 500), plan: plans.at(-1) }).toMatchObject({ fromTheIndex: true });
    expect((await client.query(`execute owed('${clinic.clinicId}')`)).rows[0].coalesce).toBe("7000.000");
  } finally {
    await client.query("deallocate all");
    await client.query("reset all");
    client.release();
  }
});

// the upgrade to 000404: rollups kept before counted an invoice's money and lines in the clinic's currency, whatever
// the invoice's, and an open day expected them as the clinic's
test("the upgrade puts the money and lines of invoices in an old currency apart: rollups rebuilt, open days' expected totals brought up to date, closed days kept", async () => {
  const clinic = await createClinic("Upgraded dollars then yen clinic");
  await rootPool().query("update app_public.clinic set currency = 'USD', tax_rate = 0 where id = $1", [clinic.clinicId]);
  const invoice = await createIssuedInvoice(clinic, "100");
  await committedAs(await cashierSession(clinic), (c) => c.query("select app_public.record_payment($1, 100, 'card', null, null, null)", [invoice.id]));
  const { rows: [{ day }] } = await rootPool().query("select app_hidden.business_date($1, now())::text as day", [clinic.clinicId]);
  await rootPool().query("select app_private.open_reconciliation_of($1, $2::date)", [clinic.clinicId, day]);
  // a day closed before, counted against the dollars as the clinic's then
  await writeBehindTriggers(
    `insert into app_public.daily_reconciliation (clinic_id, business_date, status, closed_in_time_zone, closed_at, expected_card, counted_card) values ($1, $2::date - 7, 'closed', 'Africa/Dar_es_Salaam', now(), 40, 40)`,
    [clinic.clinicId, day],
  );
  await withTriggersOff([["app_public.clinic", "_600_currency_kept"]], async (client) => {
    await client.query("select set_config('jwt.claims.session_id', $1, true)", [await openSession(clinic.members.owner.userId, clinic.clinicId)]);
    await client.query("update app_public.clinic set currency = 'JPY' where id = $1", [clinic.clinicId]);
  });
  // as the rows kept before 000404 read once the upgrade has given them the clinic's currency
  await rootPool().query("update app_private.daily_money set currency = 'JPY' where clinic_id = $1", [clinic.clinicId]);
  await rootPool().query("update app_private.daily_services set currency = 'JPY' where clinic_id = $1", [clinic.clinicId]);
  const figures = async () => (await rootPool().query(
    `select d.revenue::text, jsonb_array_length(d.top_services) as services,
            (select array_agg(r.expected_card::text order by r.business_date) from app_public.daily_reconciliation r where r.clinic_id = $1) as expected_card
     from app_private.dashboard_for($1, $2::date - 7, $2::date) d`, [clinic.clinicId, day])).rows[0];
  expect(await figures()).toEqual({ revenue: "100.000", services: 1, expected_card: ["40.000", "100.000"] });
  expect((await rootPool().query("select app_private.count_other_currencies_apart($1) as n", [clinic.clinicId])).rows[0].n).toBe(1);
  expect(await figures()).toEqual({ revenue: "0.000", services: 0, expected_card: ["40.000", "0.000"] });
  expect((await rootPool().query("select array_agg(currency) as c from app_private.daily_money where clinic_id = $1", [clinic.clinicId])).rows[0].c).toEqual(["USD"]);
  // a clinic of one currency is left alone
  expect((await rootPool().query("select app_private.count_other_currencies_apart($1) as n", [(await createClinic("One currency clinic")).clinicId])).rows[0].n).toBe(0);
});
