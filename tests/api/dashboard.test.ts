/**
 * The dashboard through GraphQL equals the same figures computed by plain
 * SQL on the same data; only money roles see it; bad periods are refused.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { addMember, asMember, cashierSession, clearOfMidnight, committedAs, createClinic, createIssuedInvoice, createPatient, createService, createUser, createVisit, openSession, type TestClinic, writeBehindTriggers } from "../support/fixtures.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";
import { withTriggersOff } from "../support/locks.ts";

let api: TestApi;
let clinic: TestClinic;
let owner: Browser;
let today: string;

const DASHBOARD = `query($from: Date!, $to: Date!) { dashboard(fromDate: $from, toDate: $to) {
  revenue revenueByDay revenueByMethod visitsByStatus visitsByDoctor newPatients topServices outstandingBalance averageVisitValue } }`;

beforeAll(async () => {
  api = await startApi();
  clinic = await createClinic("Dashboard clinic");
  owner = new Browser(api);
  await owner.login(clinic.members.owner.phone, clinic.members.owner.password);
  // the fixture's rows (a second's work, the refund's and the invoices' times now) all on the day read: the clinic's
  // midnight passing while they were made left some on the next day, and today's figures without them
  await clearOfMidnight(30);
  today = (await rootPool().query("select (now() at time zone 'Africa/Dar_es_Salaam')::date::text as d")).rows[0].d;
  const cashier = await cashierSession(clinic);
  const one = await createIssuedInvoice(clinic, "12000");
  const two = await createIssuedInvoice(clinic, "8000");
  await createIssuedInvoice(clinic, "3000"); // unpaid
  const voided = await createIssuedInvoice(clinic, "6000");
  await createVisit(clinic, "cancelled");
  await createVisit(clinic, "completed"); // no services: worth 0
  await rootPool().query("update app_public.visit set status = 'completed' where id = $1", [one.visitId]); // worth 12,000
  await committedAs(cashier, async (c) => {
    await c.query("select app_public.void_invoice($1, 'Issued twice')", [voided.id]);
    const p = (await c.query("select id from app_public.record_payment($1, 12000, 'cash')", [one.id])).rows[0];
    await c.query("select app_public.record_payment($1, 5000, 'mobile_money')", [two.id]);
    await c.query("select app_public.refund_payment($1, 2000, 'Partly refunded')", [p.id]);
  });
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

test("equals the same figures computed by plain SQL", async () => {
  const r = await owner.graphql(DASHBOARD, { from: today, to: today });
  expect(r.body.errors).toBeUndefined();
  const d = r.body.data.dashboard;
  const sql = async (query: string) => (await rootPool().query(query, [clinic.clinicId, today])).rows;

  const [revenue] = await sql(`select ((select coalesce(sum(amount), 0) from app_public.payment where clinic_id = $1 and business_date = $2)
    - (select coalesce(sum(amount), 0) from app_public.refund where clinic_id = $1 and business_date = $2))::text as v`);
  expect(d.revenue).toBe(revenue.v);
  expect(d.revenue).toBe("15000.000");
  // money in the lists is a decimal string, as everywhere in the API: a JSON number is a float in the browser
  expect(d.revenueByDay).toEqual([{ date: today, amount: "15000.000" }]);

  const byMethod = await sql(`select method::text, sum(amount)::text as amount from (
      select method, amount from app_public.payment where clinic_id = $1 and business_date = $2
      union all select method, -amount from app_public.refund where clinic_id = $1 and business_date = $2) m group by 1 order by 1`);
  expect(d.revenueByMethod).toEqual(byMethod);

  const byStatus = await sql(`select v.status::text as status, count(*)::int as count from app_public.visit v
      where v.clinic_id = $1 and (v.scheduled_at at time zone 'Africa/Dar_es_Salaam')::date = $2::date group by v.status order by v.status`);
  expect(d.visitsByStatus).toEqual(byStatus);
  const byDoctor = await sql(`select v.doctor_id as "doctorId", u.full_name as name, count(*)::int as count
      from app_public.visit v join app_public.membership m on m.id = v.doctor_id join app_public."user" u on u.id = m.user_id
      where v.clinic_id = $1 and (v.scheduled_at at time zone 'Africa/Dar_es_Salaam')::date = $2::date group by 1, 2 order by 3 desc, 2, 1`);
  expect(d.visitsByDoctor).toEqual(byDoctor);

  const [patients] = await sql(`select count(*)::int as n from app_public.patient
      where clinic_id = $1 and (created_at at time zone 'Africa/Dar_es_Salaam')::date = $2::date`);
  expect(d.newPatients).toBe(patients.n);

  const top = await sql(`select l.service_id as "serviceId", s.name, sum(l.quantity)::float as quantity, sum(l.line_total)::text as amount
      from app_public.invoice_line l join app_public.invoice i on i.id = l.invoice_id join app_public.service s on s.id = l.service_id
      where l.clinic_id = $1 and i.status <> 'void' and (i.created_at at time zone 'Africa/Dar_es_Salaam')::date = $2::date
      group by 1, 2 order by sum(l.line_total) desc, s.name, 1 limit 5`);
  expect(d.topServices).toEqual(top);
  expect(d.topServices.map((t: { amount: string }) => t.amount)).toEqual(["12000.000", "8000.000", "3000.000"]); // not the voided 6,000

  const [outstanding] = await sql(`select sum(i.balance)::text as v from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id and c.currency = i.currency
      where i.clinic_id = $1 and i.status in ('issued', 'partially_paid') and $2::text is not null`);
  expect(d.outstandingBalance).toBe(outstanding.v);
  expect(d.outstandingBalance).toBe("8000.000"); // 12000 − 10000 net, 8000 − 5000, 3000

  const [average] = await sql(`select round(coalesce(sum(s.quantity * s.unit_price - s.discount), 0) / nullif(count(distinct v.id), 0), 2)::text as v
      from app_public.visit v left join app_public.visit_service s on s.visit_id = v.id
      where v.clinic_id = $1 and v.status = 'completed' and (v.scheduled_at at time zone 'Africa/Dar_es_Salaam')::date = $2::date`);
  expect(d.averageVisitValue).toBe(average.v);
  expect(d.averageVisitValue).toBe("6000.00"); // (12,000 + 0) / 2
});

test("revenueByDay lists every day of the period where summer time starts at midnight (Santiago, 6 September 2026)", async () => {
  const santiago = await createClinic("Santiago dashboard clinic");
  await rootPool().query("update app_public.clinic set timezone = 'America/Santiago' where id = $1", [santiago.clinicId]);
  const santiagoOwner = new Browser(api);
  await santiagoOwner.login(santiago.members.owner.phone, santiago.members.owner.password);
  const r = await santiagoOwner.graphql(DASHBOARD, { from: "2026-09-01", to: "2026-09-30" });
  expect(r.body.errors).toBeUndefined();
  const days = r.body.data.dashboard.revenueByDay.map((d: { date: string }) => d.date);
  expect(days).toHaveLength(30);
  expect([days[0], days[5], days[6], days[29]]).toEqual(["2026-09-01", "2026-09-06", "2026-09-07", "2026-09-30"]);
});

test("a payment whose method is corrected counts under the corrected method only, as its rows do", async () => {
  const corrected = await createClinic("Corrected tender clinic");
  const invoice = await createIssuedInvoice(corrected, "4000");
  await committedAs(await cashierSession(corrected), async (c) => {
    const p = (await c.query("select id from app_public.record_payment($1, 4000, 'cash')", [invoice.id])).rows[0];
    await c.query("update app_public.payment set method = 'mobile_money' where id = $1", [p.id]); // keyed as cash by mistake
  });
  // the payment's own day, not the file's first (Dar es Salaam's midnight may have passed since: its dashboard was empty)
  const { rows: [{ day }] } = await rootPool().query("select business_date::text as day from app_public.payment where invoice_id = $1", [invoice.id]);
  const browser = new Browser(api);
  await browser.login(corrected.members.cashier.phone, corrected.members.cashier.password);
  const r = await browser.graphql(DASHBOARD, { from: day, to: day });
  expect(r.body.errors).toBeUndefined();
  // no money was taken in cash: the tender corrected away is not listed (it was, as "0.000", until a rebuild)
  expect(r.body.data.dashboard.revenueByMethod).toEqual([{ method: "mobile_money", amount: "4000.000" }]);
  await rootPool().query("select app_private.rebuild_rollups($1)", [corrected.clinicId]);
  expect((await browser.graphql(DASHBOARD, { from: day, to: day })).body.data.dashboard).toEqual(r.body.data.dashboard);
});

// ranked by amount or count, then name, with nothing after: services or doctors of one name, tied, came in the order
// the plan gave them, which may differ between loads, and at topServices' fifth place one or the other was left out
test("ties of one name in topServices and visitsByDoctor come in one order, by id: the same five services, in the same order, at every load", async () => {
  const tied = await createClinic("Tied dashboard clinic");
  const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((x, y) => (x.id < y.id ? -1 : 1));
  // the test's own day, its visits at its noon: the file's first day and visits made now were a day apart once Dar es
  // Salaam's midnight passed after the file began, or during this test (its visits outside the period: no doctor listed)
  const { rows: [{ today }] } = await rootPool().query("select (now() at time zone 'Africa/Dar_es_Salaam')::date::text as today");
  // six services called "Dressing" (made again after one was retired, say), each billed 1,000 on a draft of its own,
  // on the six days before today: the one of the lowest id on the latest, so the rollup's key (day, service) reads
  // them against their ids' order
  const services = byId(await Promise.all([0, 1, 2, 3, 4, 5].map(() => createService(tied.clinicId, "1000", "Dressing"))));
  for (const [rank, service] of services.entries()) {
    const visit = await createVisit(tied, "in_progress");
    await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [tied.clinicId, visit.id, service.id]);
    const { rows } = await committedAs(await cashierSession(tied), (c) => c.query("select id from app_public.create_invoice_from_visit($1)", [visit.id]));
    await writeBehindTriggers("update app_public.invoice set created_at = (($2::date - $3::int) + time '12:00') at time zone 'Africa/Dar_es_Salaam' where id = $1", [rows[0].id, today, rank + 1]);
  }
  // three doctors called "Dr Juma Said", one visit each, the one of the lowest id's furthest on (the rollup's key: day, status, doctor)
  const doctors = [];
  for (let i = 0; i < 3; i++) {
    const user = await createUser();
    await rootPool().query(`update app_public."user" set full_name = 'Dr Juma Said' where id = $1`, [user.userId]);
    doctors.push({ id: (await addMember(tied.clinicId, user, "doctor")).membershipId });
  }
  for (const [rank, doctor] of byId(doctors).entries()) {
    const { rows } = await rootPool().query("insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, ($4::date + time '12:00') at time zone 'Africa/Dar_es_Salaam') returning id",
      [tied.clinicId, (await createPatient(tied.clinicId)).id, doctor.id, today]);
    for (const step of [["checked_in", "in_progress"], ["checked_in"], []][rank]) await rootPool().query("update app_public.visit set status = $2 where id = $1", [rows[0].id, step]);
  }
  await rootPool().query("select app_private.rebuild_rollups($1)", [tied.clinicId]);
  const browser = new Browser(api);
  await browser.login(tied.members.owner.phone, tied.members.owner.password);
  const from = (await rootPool().query("select ($1::date - 6)::text as d", [today])).rows[0].d;
  const ids = (d: { topServices: { serviceId: string }[]; visitsByDoctor: { doctorId: string; name: string }[] }) => ({
    services: d.topServices.map((t) => t.serviceId),
    doctors: d.visitsByDoctor.filter((v) => v.name === "Dr Juma Said").map((v) => v.doctorId),
  });
  const expected = { services: services.slice(0, 5).map((t) => t.id), doctors: byId(doctors).map((t) => t.id) };
  for (let load = 0; load < 3; load++) {
    expect(ids((await browser.graphql(DASHBOARD, { from, to: today })).body.data.dashboard)).toEqual(expected);
  }
  // the plan a clinic of many services and doctors gets (groups hashed, not sorted) reads the ties in another order: the same lists
  const hashed = await asMember(tied.members.owner, async (c) => {
    await c.query("set local enable_sort = off");
    return (await c.query(`select top_services as "topServices", visits_by_doctor as "visitsByDoctor" from app_public.dashboard($1, $2)`, [from, today])).rows[0];
  });
  expect(ids(hashed)).toEqual(expected);
});

test("a period with no money has revenue 0.000, and a clinic owed nothing a balance of 0.000, written as every amount is", async () => {
  const quiet = await createClinic("Quiet clinic");
  const browser = new Browser(api);
  await browser.login(quiet.members.owner.phone, quiet.members.owner.password);
  const r = await browser.graphql(DASHBOARD, { from: "2020-01-01", to: "2020-01-01" });
  // they were "0"
  expect(r.body.data.dashboard).toMatchObject({ revenue: "0.000", outstandingBalance: "0.000", revenueByDay: [{ date: "2020-01-01", amount: "0.000" }] });
});

test("only owners, admins and cashiers see it", async () => {
  for (const role of ["doctor", "receptionist"] as const) {
    const browser = new Browser(api);
    await browser.login(clinic.members[role].phone, clinic.members[role].password);
    const r = await browser.graphql(DASHBOARD, { from: today, to: today });
    expect({ role, code: r.body.errors?.[0].extensions?.code }).toEqual({ role, code: "FORBIDDEN" });
  }
});

test("a period without its start or end is refused asking for both: by the schema, and in SQL by the function", async () => {
  for (const [args, message] of [
    ['fromDate: null, toDate: "2026-01-01"', 'Expected value of type "Date!", found null.'],
    ['fromDate: "2026-01-01"', 'Field "dashboard" argument "toDate" of type "Date!" is required, but it was not provided.'],
  ]) {
    const r = await owner.graphql(`{ dashboard(${args}) { revenue } }`);
    expect({ args, code: r.body.errors?.[0].extensions?.code, message: r.body.errors?.[0].message }).toEqual({ args, code: "INVALID_QUERY", message });
  }
  for (const args of ["null, '2026-01-01'", "'2026-01-01', null", "null, null"]) {
    await expect(asMember(clinic.members.owner, (c) => c.query(`select app_public.dashboard(${args})`)))
      .rejects.toMatchObject({ code: "CINVL", message: "Give the period: both fromDate and toDate." });
  }
});

test("a reversed or too long period is INVALID_INPUT", async () => {
  for (const [from, to] of [["2026-02-01", "2026-01-01"], ["2024-01-01", "2026-01-01"]]) {
    const r = await owner.graphql(DASHBOARD, { from, to });
    expect(r.body.errors?.[0].extensions?.code).toBe("INVALID_INPUT");
    expect(r.body.errors?.[0].message).toBe("Give a period of at most 367 days: fromDate on or before toDate.");
  }
});

// a money tester's find, after 000396 mended the outstanding balance: a clinic whose currency changed before 000066 keeps
// the payments, refunds and lines of its invoices in the old one, and the dashboard's revenue and top services, the
// monthly summary's, and the day's cash-up added them as the clinic's: 100 dollars taken as 100 yen
describe("a clinic with money of invoices left in its old currency (changed before 000066)", () => {
  /** A clinic paid 100 dollars by card and 20 in cash, then moved to yen, refunding 5 of the dollars and paid 15,000 yen in cash, today. */
  const paidInTwoCurrencies = async (name: string) => {
    // its rows (two seconds' work, the refund's time now) and the day read after them on one day: the clinic's midnight
    // passing among them split a day's takings in two, or had the day read the next, of none of them
    await clearOfMidnight(30);
    const moved = await createClinic(name);
    await rootPool().query("update app_public.clinic set currency = 'USD', tax_rate = 0 where id = $1", [moved.clinicId]);
    const cashier = await cashierSession(moved);
    const card = await createIssuedInvoice(moved, "100");
    const partly = await createIssuedInvoice(moved, "50");
    const taken = await committedAs(cashier, async (c) => {
      await c.query("select app_public.record_payment($1, 100, 'card')", [card.id]);
      return (await c.query("select id from app_public.record_payment($1, 20, 'cash')", [partly.id])).rows[0].id as string;
    });
    // as its owner could before 000066, which keeps the currency of a clinic with invoices
    await withTriggersOff([["app_public.clinic", "_600_currency_kept"]], async (client) => {
      await client.query("select set_config('jwt.claims.session_id', $1, true)", [await openSession(moved.members.owner.userId, moved.clinicId)]);
      await client.query("update app_public.clinic set currency = 'JPY' where id = $1", [moved.clinicId]);
    });
    const yen = await createIssuedInvoice(moved, "15000");
    await committedAs(cashier, async (c) => {
      await c.query("select app_public.refund_payment($1, 5, 'Billed again in yen')", [taken]); // 000384 still gives it
      await c.query("select app_public.record_payment($1, 15000, 'cash')", [yen.id]);
    });
    const day = (await rootPool().query("select app_hidden.business_date($1, now())::text as d", [moved.clinicId])).rows[0].d as string;
    const browser = new Browser(api);
    await browser.login(moved.members.owner.phone, moved.members.owner.password);
    return { moved, yen, day, browser };
  };

  test("the dashboard's and the monthly summary's revenue and top services count the clinic's currency alone (000404)", async () => {
    const { moved, yen, day, browser } = await paidInTwoCurrencies("Dollars then yen clinic");
    const r = await browser.graphql(DASHBOARD, { from: day, to: day });
    expect(r.body.errors).toBeUndefined();
    const d = r.body.data.dashboard;
    // before 000404: 15115.000, cash 15015.000 and card 100.000, and the dollars' two services ranked beside the yen's
    expect({ revenue: d.revenue, revenueByDay: d.revenueByDay, revenueByMethod: d.revenueByMethod, topServices: d.topServices }).toEqual({
      revenue: "15000.000",
      revenueByDay: [{ date: day, amount: "15000.000" }],
      revenueByMethod: [{ method: "cash", amount: "15000.000" }],
      topServices: [{ serviceId: yen.serviceId, name: expect.any(String), quantity: 1, amount: "15000.000" }],
    });
    const summary = (await rootPool().query(
      `select f ->> 'revenue' as revenue, f -> 'revenue_by_method' as revenue_by_method, f -> 'top_services' as top_services
       from (select app_private.monthly_summary_document($1, $2, $2) -> 'figures' as f) s`, [moved.clinicId, day])).rows[0];
    expect(summary).toEqual({ revenue: d.revenue, revenue_by_method: d.revenueByMethod, top_services: d.topServices });
    // the rollups as a rebuild makes them: the dollars' rows apart, in dollars
    const rollups = async () => (await rootPool().query(
      `select (select array_agg(method || ' ' || currency || ' ' || amount || ' ' || movements order by method::text, currency) from app_private.daily_money where clinic_id = $1) as money,
              (select array_agg(currency || ' ' || amount order by currency, amount) from app_private.daily_services where clinic_id = $1) as services`, [moved.clinicId])).rows[0];
    const kept = await rollups();
    expect(kept).toEqual({ money: ["card USD 100.000 1", "cash JPY 15000.000 1", "cash USD 15.000 2"], services: ["JPY 15000.000", "USD 50.000", "USD 100.000"] });
    await rootPool().query("select app_private.rebuild_rollups($1)", [moved.clinicId]);
    expect(await rollups()).toEqual(kept);
  });

  test("the day's cash-up expects the clinic's currency alone: closeDay's expected totals and differences (000404)", async () => {
    const { moved, day, browser } = await paidInTwoCurrencies("Dollars then yen cash-up clinic");
    const sheet = (await rootPool().query("select app_private.reconciliation_document($1, $2) -> 'expected' as e", [moved.clinicId, day])).rows[0].e;
    expect(sheet).toMatchObject({ cash: 15000, card: 0 }); // the sheet of a day not yet counted: before 000404 cash 15015, card 100
    // the live cash-up billing.md gives, per method in the clinic's currency; per currency, the dollars apart (no field before 000404)
    const live = await browser.graphql(`query($day: Date!) { moneyMovements(filter: { businessDate: { equalTo: $day }, currency: { equalTo: "JPY" } }) {
      groupedAggregates(groupBy: [METHOD]) { keys sum { amount } } }
      all: moneyMovements(condition: { businessDate: $day }) { groupedAggregates(groupBy: [CURRENCY, METHOD]) { keys sum { amount } } } }`, { day });
    expect(live.body.errors).toBeUndefined();
    expect(live.body.data.moneyMovements.groupedAggregates).toEqual([{ keys: ["cash"], sum: { amount: "15000.000" } }]);
    expect(new Set(live.body.data.all.groupedAggregates.map((g: { keys: string[]; sum: { amount: string } }) => `${g.keys.join(" ")} ${g.sum.amount}`)))
      .toEqual(new Set(["JPY cash 15000.000", "USD card 100.000", "USD cash 15.000"]));
    const closed = await browser.graphql(`mutation($day: Date!) { closeDay(input: { businessDate: $day, countedCash: "15000" }) {
      result { expectedCash expectedCard expectedTotal cashDifference difference } } }`, { day });
    // before 000404: cash 15015.000, card 100.000, the till 115 short
    expect(closed.body).toEqual({ data: { closeDay: { result: {
      expectedCash: "15000.000", expectedCard: "0.000", expectedTotal: "15000.000", cashDifference: "0.000", difference: "0.000" } } } });
  });
});
