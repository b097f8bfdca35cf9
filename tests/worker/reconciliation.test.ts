/**
 * The nightly reconciliation: idempotent when rerun or retried after being
 * killed, zero for a day without money, days cut at the clinic's own
 * midnight; closed days frozen; reopening audited.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { projectPath } from "../../db/paths.ts";
import { runDueJobs, holdWorkerTurnThroughThisFile, jobHelpers } from "../support/worker.ts";
import { reconciliation__open } from "../../worker/tasks/reconciliation__open.ts";
import { workerPool } from "../../worker/run.ts";
import { apiPool, closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { asMember, beginAs, cashierSession, committedAs, createClinic, createIssuedInvoice, LONG_AGO, openSession, type TestClinic, behindTriggers, writeBehindTriggers } from "../support/fixtures.ts";
import { trackBackend, waitsFor } from "../support/locks.ts";
import { orStillWaiting } from "../support/until.ts";

holdWorkerTurnThroughThisFile();

afterAll(closeRootPool);

async function runTask(asOf: string): Promise<void> {
  await rootPool().query("select graphile_worker.add_job('reconciliation__open', json_build_object('asOf', $1::text))", [asOf]);
  await runDueJobs();
}

async function day(clinicId: string, date: string) {
  const { rows } = await rootPool().query(
    `select status, expected_cash, expected_card, expected_mobile_money, expected_total, counted_cash, counted_card, counted_total, cash_difference, difference, updated_at
     from app_public.daily_reconciliation where clinic_id = $1 and business_date = $2`,
    [clinicId, date],
  );
  return rows[0];
}

async function payAt(session: string, invoiceId: string, amount: string, method: string, at: string) {
  return committedAs(session, async (c) =>
    (await c.query("select * from app_public.record_payment($1, $2, $3, null, null, $4)", [invoiceId, amount, method, at])).rows[0],
  );
}

/** A connection of the owner role, as the worker runs the task on, tracked (locks.ts), and its server process. */
async function ownerConnection() {
  const owner = new pg.Client({ connectionString: testConfig.ownerUrl });
  await owner.connect();
  return { owner, pid: await trackBackend(owner) };
}

describe("in Dar es Salaam (UTC+3)", () => {
  let clinic: TestClinic;
  let cashier: string;
  beforeAll(async () => {
    clinic = await createClinic("Reconciled clinic", { since: LONG_AGO }); // open long before the days below, those without money too
    cashier = await cashierSession(clinic);
    const invoice = await createIssuedInvoice(clinic, "100000", { madeAt: LONG_AGO });
    await payAt(cashier, invoice.id, "1000", "cash", "2026-03-01T20:59:00Z"); // 23:59 local: March 1
    await payAt(cashier, invoice.id, "2000", "cash", "2026-03-01T21:00:00Z"); // 00:00 local: March 2
    const card = await payAt(cashier, invoice.id, "5000", "card", "2026-03-02T10:00:00Z");
    await payAt(cashier, invoice.id, "700", "mobile_money", "2026-03-02T20:59:59Z"); // 23:59:59 local: March 2
    // a refund the next day counts on the next day
    await committedAs(cashier, (c) => c.query("select app_public.refund_payment($1, 1500, 'Overcharged')", [card.id]));
  });

  test("payments land on the clinic's business day, around midnight", async () => {
    const { rows } = await rootPool().query(
      "select business_date::text as date, sum(amount)::text as total from app_public.payment where clinic_id = $1 group by 1 order by 1",
      [clinic.clinicId],
    );
    expect(rows).toEqual([
      { date: "2026-03-01", total: "1000.000" },
      { date: "2026-03-02", total: "7700.000" },
    ]);
  });

  // before any run: a run opens, besides yesterday, the two days before it that have money and no row yet
  test("a run killed while it waits for the clinic's day leaves that day unwritten; retried, it ends as one clean run", async () => {
    const payment = await rootPool().connect(); // a payment of March 1 in flight: the day's lock, shared
    await trackBackend(payment);
    const { owner, pid } = await ownerConnection();
    owner.on("error", () => {}); // its end, below, is the point
    try {
      await payment.query("begin");
      await payment.query("select app_private.lock_business_day($1, '2026-03-01', false)", [clinic.clinicId]);
      const run = owner.query("call app_private.open_reconciliations('2026-03-01T22:00:00Z')").catch((error: Error) => error); // March 1 for this clinic
      expect(await waitsFor(owner, payment)).toBe(true);
      await rootPool().query("select pg_terminate_backend($1)", [pid]); // killed mid-run
      expect(await run).toBeInstanceOf(Error);
    } finally {
      await payment.query("rollback");
      payment.release();
      await owner.end().catch(() => {});
    }
    expect(await day(clinic.clinicId, "2026-03-01")).toBeUndefined(); // nothing half-written
    await runTask("2026-03-01T22:00:00Z");
    expect(await day(clinic.clinicId, "2026-03-01")).toMatchObject({ expected_cash: "1000.000", expected_total: "1000.000" });
  });

  test("the task opens yesterday per clinic with payments minus refunds per method; reruns change nothing", async () => {
    await runTask("2026-03-02T22:30:00Z"); // 01:30 on March 3 local: yesterday is March 2
    const first = await day(clinic.clinicId, "2026-03-02");
    expect(first).toMatchObject({ status: "open", expected_cash: "2000.000", expected_card: "5000.000", expected_mobile_money: "700.000" });
    // nothing counted yet: no counted total and no differences (they read the day's takings as missing)
    expect(first).toMatchObject({ counted_cash: null, counted_total: null, cash_difference: null, difference: null });
    await runTask("2026-03-02T22:30:00Z");
    const again = await day(clinic.clinicId, "2026-03-02");
    expect(again).toEqual(first); // not even updated_at moved
  });

  test("a day with no money reconciles to zero", async () => {
    await runTask("2026-02-10T22:00:00Z");
    expect(await day(clinic.clinicId, "2026-02-10")).toMatchObject({ status: "open", expected_total: "0.000" });
  });

  test("the refund's own day carries it, and is counted as it is: more paid out than taken in", async () => {
    // the refund's own day: the clinic's date when it was made (today, unless the clinic's midnight passed since)
    const refund = (await rootPool().query("select business_date::text, refunded_at from app_public.refund where clinic_id = $1", [clinic.clinicId])).rows[0];
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Africa/Dar_es_Salaam" }).format(refund.refunded_at);
    expect(refund.business_date).toBe(today);
    // counted as expected, the day reconciles: 0 would have read as a surplus of 1,500
    await committedAs(cashier, (c) => c.query("select app_public.close_day($1::date, 0, -1500, 0, 0, 0, 'Refund day')", [today]));
    expect(await day(clinic.clinicId, today)).toMatchObject({ status: "closed", expected_card: "-1500.000", counted_card: "-1500.000", difference: "0.000" });
  });
});

test("each tender is expected on its own: cash, card, bank transfer, mobile money and insurance, and a close counts each against its own", async () => {
  const clinic = await createClinic("Five tenders clinic");
  const cashier = await cashierSession(clinic);
  const invoice = await createIssuedInvoice(clinic, "100000", { madeAt: LONG_AGO });
  // amounts of different magnitudes: a tender counted under another's column, or not at all, shows in every sum
  const amounts = { cash: "1", card: "20", bank_transfer: "300", mobile_money: "4000", insurance: "50000" };
  for (const [method, amount] of Object.entries(amounts)) await payAt(cashier, invoice.id, amount, method, "2026-05-05T09:00:00Z");
  await runTask("2026-05-05T22:00:00Z"); // 01:00 on May 6 in Dar es Salaam
  const tenders = () =>
    rootPool()
      .query(
        `select status, expected_cash, expected_card, expected_bank_transfer, expected_mobile_money, expected_insurance, expected_total
         from app_public.daily_reconciliation where clinic_id = $1 and business_date = '2026-05-05'`,
        [clinic.clinicId],
      )
      .then((r) => r.rows);
  const expected = {
    expected_cash: "1.000",
    expected_card: "20.000",
    expected_bank_transfer: "300.000",
    expected_mobile_money: "4000.000",
    expected_insurance: "50000.000",
    expected_total: "54321.000",
  };
  expect(await tenders()).toEqual([{ status: "open", ...expected }]);
  // each counted as expected: no difference, whichever tender a total would have been read in
  const closed = await committedAs(cashier, async (c) =>
    (await c.query("select status, difference from app_public.close_day('2026-05-05', 1, 20, 300, 4000, 50000)")).rows[0],
  );
  expect(closed).toEqual({ status: "closed", difference: "0.000" });
  expect(await tenders()).toEqual([{ status: "closed", ...expected }]);
});

describe("a run and the day's money at the same time", () => {
  const RUN = "call app_private.open_reconciliations('2026-06-15T22:00:00Z')"; // 01:00 on June 16 in Dar es Salaam: June 15 is opened

  test("a payment of the day in flight is waited for and counted (the run wrote totals read before it over the payment's)", async () => {
    const clinic = await createClinic("Run and payment clinic");
    const invoice = await createIssuedInvoice(clinic, "100000", { madeAt: LONG_AGO });
    const cashier = await cashierSession(clinic);
    await payAt(cashier, invoice.id, "1000", "cash", "2026-06-15T09:00:00Z");
    const { owner } = await ownerConnection();
    const payment = await apiPool().connect();
    await trackBackend(payment);
    try {
      await owner.query(RUN); // the day is open, with the first payment
      expect(await day(clinic.clinicId, "2026-06-15")).toMatchObject({ status: "open", expected_cash: "1000.000" });
      await beginAs(payment, cashier);
      await payment.query("select app_public.record_payment($1, 2000, 'cash', null, null, '2026-06-15T10:00:00Z')", [invoice.id]);
      const run = owner.query(RUN);
      expect(await waitsFor(owner, payment)).toBe(true);
      await payment.query("commit");
      await run;
    } finally {
      await payment.query("rollback"); // nothing left to roll back once committed
      payment.release();
      await owner.end();
    }
    expect(await day(clinic.clinicId, "2026-06-15")).toMatchObject({ status: "open", expected_cash: "3000.000" });
  });

  test("each clinic's day commits on its own: while the run waits for one clinic's day, a clinic it has done is opened and its writes go on", async () => {
    const clinics = [await createClinic("Run order clinic", { since: LONG_AGO }), await createClinic("Run order clinic", { since: LONG_AGO })].sort((x, y) => (x.clinicId < y.clinicId ? -1 : 1));
    const [done, waited] = clinics; // the run takes clinics in the order of their ids
    const { owner } = await ownerConnection();
    const payment = await rootPool().connect(); // a payment of June 15 in the later clinic, in flight
    await trackBackend(payment);
    try {
      await payment.query("begin");
      await payment.query("select app_private.lock_business_day($1, '2026-06-15', false)", [waited.clinicId]);
      const run = owner.query(RUN);
      expect(await waitsFor(owner, payment)).toBe(true);
      // the earlier clinic's day is written and committed, and its audit chain free: a visit is booked at once
      expect(await day(done.clinicId, "2026-06-15")).toMatchObject({ status: "open", expected_total: "0.000" });
      await committedAs(await openSession(done.members.receptionist.userId, done.clinicId), async (c) => {
        await c.query("set local statement_timeout = 2000");
        const patient = (await c.query("insert into app_public.patient (first_name, last_name) values ('Waits', 'Not') returning id")).rows[0];
        await c.query("insert into app_public.visit (patient_id, doctor_id, scheduled_at) values ($1, $2, now())", [patient.id, done.members.doctor.membershipId]);
      });
      await payment.query("rollback");
      await run;
    } finally {
      await payment.query("rollback");
      payment.release();
      await owner.end();
    }
    expect(await day(waited.clinicId, "2026-06-15")).toMatchObject({ status: "open", expected_total: "0.000" });
  });
});

// An operator's transaction left open in psql (a close by its status, an audited fix of one clinic's rows, not yet
// committed) holds that clinic's day, or its audit log, for as long as the session lasts. The run waited for it with no
// end: every clinic after it, in the order of their ids, had no day opened, and every hourly run after it waited behind
// the same lock, the worker's two places for jobs taken within two hours (no export, audit anchor or session sweep ran).
test("a clinic whose day another transaction holds for long is passed over after 20 s with a warning naming it; every clinic after it has its day opened, and the run ends", async () => {
  const [held, after] = [await createClinic("Held day clinic", { since: LONG_AGO }), await createClinic("Held day clinic", { since: LONG_AGO })].sort((x, y) => (x.clinicId < y.clinicId ? -1 : 1));
  const operator = await rootPool().connect(); // an operator's close of the held clinic's June 20, not committed
  let run: Promise<string[]> | undefined;
  let outcome: string[] | string;
  try {
    await operator.query("begin");
    await operator.query("select app_private.lock_business_day($1, '2026-06-20', true)", [held.clinicId]);
    run = warningsOfARun("2026-06-20T22:00:00Z"); // 01:00 on June 21 in Dar es Salaam
    outcome = await orStillWaiting(run);
  } finally {
    await operator.query("rollback");
    operator.release();
    await run?.catch(() => {});
  }
  expect(outcome).toContainEqual(
    `PostgreSQL warns: A business day of clinic ${held.clinicId} is not opened now: another transaction held it, or the clinic's audit log, for over 20 s (canceling statement due to lock timeout); the next hourly run opens it.`,
  );
  expect(await day(after.clinicId, "2026-06-20")).toMatchObject({ status: "open", expected_total: "0.000" });
  expect(await day(held.clinicId, "2026-06-20")).toBeUndefined();
  // once let go, the next run opens it
  await runTask("2026-06-20T23:00:00Z");
  expect(await day(held.clinicId, "2026-06-20")).toMatchObject({ status: "open", expected_total: "0.000" });
});

describe("in Honolulu (UTC-10)", () => {
  test("an evening payment belongs to the local day before the UTC date", async () => {
    const clinic = await createClinic("Island clinic");
    await rootPool().query("update app_public.clinic set timezone = 'Pacific/Honolulu' where id = $1", [clinic.clinicId]);
    const cashier = await cashierSession(clinic);
    const invoice = await createIssuedInvoice(clinic, "500", { madeAt: LONG_AGO });
    const payment = await payAt(cashier, invoice.id, "300", "cash", "2026-05-02T08:00:00Z"); // 22:00 on May 1 local
    const { rows } = await rootPool().query("select business_date::text as d from app_public.payment where id = $1", [payment.id]);
    expect(rows[0].d).toBe("2026-05-01");
    await runTask("2026-05-02T10:30:00Z"); // 00:30 on May 2 local
    expect(await day(clinic.clinicId, "2026-05-01")).toMatchObject({ expected_cash: "300.000" });
  });
});

describe("a clinic moved east across the date line between two runs", () => {
  test("the day its local date skipped, with money, is opened by the next run (each day in a transaction of its own)", async () => {
    const moving = await createClinic("Date line clinic", { since: LONG_AGO });
    await rootPool().query("update app_public.clinic set timezone = 'Pacific/Pago_Pago' where id = $1", [moving.clinicId]);
    const invoice = await createIssuedInvoice(moving, "1000", { madeAt: LONG_AGO });
    await payAt(await cashierSession(moving), invoice.id, "25", "cash", "2026-05-10T12:00:00-11:00"); // May 10 in Pago Pago
    await runTask("2026-05-10T23:10:00-11:00"); // 23:10 on May 10 there: May 9 is opened
    await rootPool().query("update app_public.clinic set timezone = 'Pacific/Kiritimati' where id = $1", [moving.clinicId]);
    await runTask("2026-05-11T11:10:00Z"); // an hour later, 01:10 on May 12 in Kiritimati: May 11 is yesterday
    // before, May 10 and its 25 were never opened (until someone closed the day by hand)
    expect(await day(moving.clinicId, "2026-05-10")).toMatchObject({ status: "open", expected_cash: "25.000" });
    expect(await day(moving.clinicId, "2026-05-11")).toMatchObject({ status: "open", expected_cash: "0.000" });
  });
});

describe("after the worker was down", () => {
  test("a backfilled hourly run opens the day that ended before its own hour, not before now", async () => {
    // Apia (UTC+13) and Pago Pago (UTC-11): 24 hours apart, their days end at different UTC times
    const clinics = await Promise.all(["Pacific/Apia", "Pacific/Pago_Pago"].map(async (zone) => {
      const clinic = await createClinic(`Clinic in ${zone}`, { since: LONG_AGO });
      await rootPool().query("update app_public.clinic set timezone = $2 where id = $1", [clinic.clinicId, zone]);
      return clinic;
    }));
    // graphile-worker replays the missed hours (fill=7d) with the hour each run was due in `_cron.ts`
    for (const ts of ["2026-06-10T11:05:00Z", "2026-06-11T11:05:00Z"]) {
      await rootPool().query("select graphile_worker.add_job('reconciliation__open', json_build_object('_cron', json_build_object('ts', $1::text, 'backfilled', true)))", [ts]);
    }
    await runDueJobs();
    // the days of the runs' week: other test files open days of every clinic at their own dates
    // (tests/db/billing.test.ts: 2026-06-02 and 03, and today) while this one runs
    const { rows } = await rootPool().query(
      `select c.timezone, array_agg(d.business_date::text order by d.business_date) as days
       from app_public.daily_reconciliation d join app_public.clinic c on c.id = d.clinic_id
       where d.clinic_id = any ($1) and d.business_date between '2026-06-04' and '2026-06-12'
       group by c.timezone order by c.timezone`,
      [clinics.map((c) => c.clinicId)],
    );
    // 11:05 UTC is 00:05 the next day in Apia and 00:05 the same day in Pago Pago (runs opening the day
    // before now, when they ran late, instead of the day before their own hour would leave these out)
    expect(rows).toEqual([
      { timezone: "Pacific/Apia", days: ["2026-06-10", "2026-06-11"] },
      { timezone: "Pacific/Pago_Pago", days: ["2026-06-09", "2026-06-10"] },
    ]);
  });
});

describe("closing a day", () => {
  let clinic: TestClinic;
  let cashier: string;
  let invoiceId: string;
  let paymentId: string;
  beforeAll(async () => {
    clinic = await createClinic("Closing clinic");
    cashier = await cashierSession(clinic);
    invoiceId = (await createIssuedInvoice(clinic, "10000", { madeAt: LONG_AGO })).id;
    paymentId = (await payAt(cashier, invoiceId, "4000", "cash", "2026-04-10T09:00:00Z")).id;
    await committedAs(cashier, (c) => c.query("select app_public.close_day('2026-04-10', 3900, 0, 0, 0, 0, 'Till short by 100')"));
  });

  test("records the count and the difference", async () => {
    const { rows } = await rootPool().query(
      `select status, expected_cash, counted_cash, cash_difference, notes, closed_by, closed_at is not null as stamped
       from app_public.daily_reconciliation where clinic_id = $1 and business_date = '2026-04-10'`,
      [clinic.clinicId],
    );
    expect(rows[0]).toEqual({
      status: "closed", expected_cash: "4000.000", counted_cash: "3900.000", cash_difference: "-100.000", notes: "Till short by 100",
      closed_by: clinic.members.cashier.userId, stamped: true, // who closed it, and when
    });
  });

  test("a day closed before 000102 with its counts left null is counted as 0, not as a day nobody counted", async () => {
    const old = await createClinic("Closed before 000102 clinic");
    const invoice = await createIssuedInvoice(old, "10000", { madeAt: LONG_AGO });
    await payAt(await cashierSession(old), invoice.id, "2500", "cash", "2026-04-11T09:00:00Z");
    await committedAs(await cashierSession(old), (c) => c.query("select app_public.close_day('2026-04-11')"));
    // as such a close left it (the closed day's guard would refuse the change)
    await writeBehindTriggers(
      `update app_public.daily_reconciliation set counted_cash = null, counted_card = null, counted_bank_transfer = null,
         counted_mobile_money = null, counted_insurance = null where clinic_id = $1 and business_date = '2026-04-11'`,
      [old.clinicId],
    );
    const { rows } = await rootPool().query(
      "select status, counted_total, cash_difference, difference from app_public.daily_reconciliation where clinic_id = $1 and business_date = '2026-04-11'",
      [old.clinicId],
    );
    expect(rows).toEqual([{ status: "closed", counted_total: "0.000", cash_difference: "-2500.000", difference: "-2500.000" }]);
  });

  test("a day whose counts are kept null (closed before 000102, or by an operator's status naming its cash alone) takes the same close again as the same: answered, not DAY_CLOSED", async () => {
    const kept = await createClinic("Counts kept null clinic", { since: LONG_AGO });
    const session = await cashierSession(kept);
    const invoice = await createIssuedInvoice(kept, "10000", { madeAt: LONG_AGO });
    await payAt(session, invoice.id, "2500", "cash", "2026-04-12T09:00:00Z");
    await committedAs(session, (c) => c.query("select app_public.close_day('2026-04-12')"));
    // as a close before 000102 left it (the closed day's guard would refuse the change)
    await writeBehindTriggers(
      `update app_public.daily_reconciliation set counted_cash = null, counted_card = null, counted_bank_transfer = null,
         counted_mobile_money = null, counted_insurance = null where clinic_id = $1 and business_date = '2026-04-12'`,
      [kept.clinicId],
    );
    // an operator's close by its status, naming the cash counted alone: the other counts kept null
    await payAt(session, invoice.id, "1000", "cash", "2026-08-06T09:00:00Z");
    await runTask("2026-08-06T22:00:00Z"); // 01:00 on August 7 in Dar es Salaam: August 6 is opened
    const { owner } = await ownerConnection();
    try {
      await owner.query("update app_public.daily_reconciliation set status = 'closed', counted_cash = 1000 where clinic_id = $1 and business_date = '2026-08-06'", [
        kept.clinicId,
      ]);
    } finally {
      await owner.end();
    }
    const closed = async (date: string) =>
      (await rootPool().query("select id, status, closed_at, updated_at from app_public.daily_reconciliation where clinic_id = $1 and business_date = $2", [kept.clinicId, date])).rows[0];
    for (const [date, sql] of [
      ["2026-04-12", "select id, status from app_public.close_day('2026-04-12')"], // the very close sent again
      ["2026-04-12", "select id, status from app_public.close_day('2026-04-12', 0, 0, 0, 0, 0, idempotency_key => 'retry-0412')"],
      ["2026-08-06", "select id, status from app_public.close_day('2026-08-06', 1000)"],
      ["2026-08-06", "select id, status from app_public.close_day('2026-08-06', 1000, null, 0)"],
    ]) {
      const before = await closed(date);
      // before 000519, DAY_CLOSED "… already closed, with other counts or notes": a null count, read as 0 everywhere else, was not 0 here
      expect(await committedAs(session, async (c) => (await c.query(sql)).rows[0])).toEqual({ id: before.id, status: "closed" });
      expect(await closed(date)).toEqual(before); // nothing written again
    }
    // other counts are still refused
    for (const sql of ["select app_public.close_day('2026-04-12', 2500)", "select app_public.close_day('2026-08-06', 1000, 5)"]) {
      await expect(committedAs(session, (c) => c.query(sql))).rejects.toMatchObject({
        code: "CDAYC",
        message: "This business day is already closed, with other counts or notes: an owner reopens it to count again.",
      });
    }
  });

  test("refuses new payments, refunds and corrections on that day with DAY_CLOSED", async () => {
    await expect(payAt(cashier, invoiceId, "100", "cash", "2026-04-10T12:00:00Z")).rejects.toMatchObject({ code: "CDAYC" });
    await expect(committedAs(cashier, (c) => c.query("update app_public.payment set method = 'card' where id = $1", [paymentId]))).rejects.toMatchObject({
      code: "CDAYC",
    });
    await expect(rootPool().query("delete from app_public.payment where id = $1", [paymentId])).rejects.toMatchObject({ code: "CDAYC" });
    // a refund today of that payment is fine: it belongs to today
    await committedAs(cashier, (c) => c.query("select app_public.refund_payment($1, 500, 'Returned item')", [paymentId]));
  });

  test("the same close again (a double click, a retry after a timeout) answers the day as closed; other counts are DAY_CLOSED", async () => {
    const closed = async () =>
      (await rootPool().query("select id, closed_at, notes, updated_at from app_public.daily_reconciliation where clinic_id = $1 and business_date = '2026-04-10'", [clinic.clinicId])).rows[0];
    const before = await closed();
    for (const sql of [
      "select id, status, counted_cash from app_public.close_day('2026-04-10', 3900, 0, 0, 0, 0, 'Till short by 100')",
      "select id, status, counted_cash from app_public.close_day('2026-04-10', 3900)", // notes left out: the close's own stand
      "select id, status, counted_cash from app_public.close_day('2026-04-10', 3900, null, 0, null, 0)",
    ]) {
      expect(await committedAs(cashier, async (c) => (await c.query(sql)).rows[0])).toEqual({ id: before.id, status: "closed", counted_cash: "3900.000" });
    }
    expect(await closed()).toEqual(before); // nothing written again
    for (const sql of ["select app_public.close_day('2026-04-10', 4000)", "select app_public.close_day('2026-04-10', 3900, 0, 0, 0, 0, 'Recounted')"]) {
      await expect(committedAs(cashier, (c) => c.query(sql))).rejects.toMatchObject({
        code: "CDAYC",
        message: "This business day is already closed, with other counts or notes: an owner reopens it to count again.",
      });
    }
  });

  test("cannot be closed twice; only an owner reopens, with a reason, and it is audited", async () => {
    await expect(committedAs(cashier, (c) => c.query("select app_public.close_day('2026-04-10')"))).rejects.toMatchObject({ code: "CDAYC" });
    await asMember(clinic.members.cashier, async (c) => {
      await expect(c.query("select app_public.reopen_day('2026-04-10', 'Recount')")).rejects.toMatchObject({ code: "CFORB" });
    });
    await asMember(clinic.members.admin, async (c) => {
      await expect(c.query("select app_public.reopen_day('2026-04-10', 'Recount')")).rejects.toMatchObject({ code: "CFORB" });
    });
    const owner = await openSession(clinic.members.owner.userId, clinic.clinicId);
    await expect(committedAs(owner, (c) => c.query("select app_public.reopen_day('2026-04-10', ' ')"))).rejects.toMatchObject({ code: "CINVL" });
    await committedAs(owner, (c) => c.query("select app_public.reopen_day('2026-04-10', 'Recount the till')"));
    const { rows } = await rootPool().query(
      `select a.actor_user_id, a.new_values ->> 'reopen_reason' as reason, a.old_values ->> 'status' as was
       from app_public.audit_log a join app_public.daily_reconciliation d on d.id = a.record_id
       where d.clinic_id = $1 and a.action = 'update' order by a.seq desc limit 1`,
      [clinic.clinicId],
    );
    expect(rows[0]).toEqual({ actor_user_id: clinic.members.owner.userId, reason: "Recount the till", was: "closed" });
    await payAt(cashier, invoiceId, "100", "cash", "2026-04-10T12:00:00Z"); // open again
    // a reopened day keeps its last count, and that count's differences with what is now expected
    // and no close stamp: an open day read with a closedAt was taken for closed
    const reopened = await rootPool().query(
      `select status, counted_total, cash_difference, difference, closed_at, closed_by, reopened_by, reopened_at is not null as reopened
       from app_public.daily_reconciliation where clinic_id = $1 and business_date = '2026-04-10'`,
      [clinic.clinicId],
    );
    expect(reopened.rows[0]).toEqual({
      status: "open", counted_total: "3900.000", cash_difference: "-200.000", difference: "-200.000",
      closed_at: null, closed_by: null, reopened_by: clinic.members.owner.userId, reopened: true,
    });
  });
});

/** The task run on the worker's pool, whose warnings are the worker's warn lines (PostgreSQL's warning reached its own log alone): those it logged. */
async function warningsOfARun(asOf: string): Promise<string[]> {
  const warnings: string[] = [];
  const pool = workerPool({ connectionString: testConfig.ownerUrl }, (message) => warnings.push(message));
  try {
    await reconciliation__open({ asOf }, jobHelpers(pool, 1));
  } finally {
    await pool.end();
  }
  return warnings;
}

/** A clinic whose day `date`'s totals pass what a day holds. */
async function clinicWithADayTooLarge(date: string): Promise<TestClinic> {
  const huge = await createClinic("Day too large clinic", { since: LONG_AGO }); // its payments, written behind the triggers, have no rollup
  // payments each within a payment's limits, whose sum is not within a day's (numeric(20,3), 000367: two of 6 × 10^12
  // passed one amount's size before): 5,001 of the largest in cash and as many by card, written behind the triggers
  await writeBehindTriggers(
    `insert into app_public.payment (clinic_id, code, invoice_id, amount, method, business_date)
     select $1, 'PAY-9' || m || '-' || n, gen_random_uuid(), 9999999999999.999, m::app_public.payment_method, $2
     from unnest(array['cash', 'card']) m, generate_series(1, 5001) n`,
    [huge.clinicId, date],
  );
  return huge;
}

test("a clinic whose day's totals pass what a day holds is passed over with a warning naming it, in the worker's log; every other clinic's day is opened", async () => {
  const huge = await clinicWithADayTooLarge("2026-04-10");
  const plain = await createClinic("Day of its own clinic");
  const invoice = await createIssuedInvoice(plain, "100000", { madeAt: LONG_AGO });
  await payAt(await cashierSession(plain), invoice.id, "1000", "cash", "2026-04-10T10:00:00Z");
  const warnings = await warningsOfARun("2026-04-10T22:30:00Z"); // 01:30 on April 11 in Dar es Salaam
  expect(warnings).toContainEqual(
    `PostgreSQL warns: The business day 2026-04-10 of clinic ${huge.clinicId} is not opened: its payments' totals pass the largest a day holds (99999999999999999.999).`,
  );
  expect(await day(plain.clinicId, "2026-04-10")).toMatchObject({ status: "open", expected_cash: "1000.000" });
  expect(await day(huge.clinicId, "2026-04-10")).toBeUndefined();
});

// A clinic's time zone the server's time-zone data no longer has (tzdata dropped US/Pacific-New in 2020b; Debian 13, and the
// official PostgreSQL images built on it, moved US/Eastern, Asia/Calcutta, Europe/Kiev… to tzdata-legacy, not installed by
// default): every `at time zone` of that clinic is refused, and the run, which walks the clinics in the order of their ids,
// stopped at it, every clinic after it left without its day at every hourly run (000432). The check that keeps such a name
// out of new writes is lifted for the moment the row is written, as it was written before the data changed.
test("a clinic whose time zone the server no longer knows is passed over with a warning naming it; every clinic after it has its day opened", async () => {
  const first = `00000000-0000-4000-8000-${randomUUID().slice(-12)}`; // walked first: the order of the clinics is their ids'
  const plain = await createClinic("Clinic after the gone zone's", { since: LONG_AGO });
  const invoice = await createIssuedInvoice(plain, "100000", { madeAt: LONG_AGO });
  await payAt(await cashierSession(plain), invoice.id, "1000", "cash", "2026-04-14T10:00:00Z");
  await behindTriggers(async (c) => {
    await c.query("insert into app_public.clinic (id, name, timezone, currency, created_at) values ($1, 'Zone gone clinic', 'Africa/Dar_es_Salaam', 'TZS', $2)", [first, LONG_AGO]);
    await c.query("alter table app_public.clinic drop constraint clinic_timezone_check");
    await c.query("update app_public.clinic set timezone = 'US/Pacific-New' where id = $1", [first]);
    await c.query("alter table app_public.clinic add constraint clinic_timezone_check check (app_public.is_valid_timezone(timezone)) not valid");
  });
  let warnings: string[];
  try {
    warnings = await warningsOfARun("2026-04-14T22:30:00Z"); // 01:30 on April 15 in Dar es Salaam
  } finally {
    await behindTriggers(async (c) => {
      await c.query("update app_public.clinic set timezone = 'Africa/Dar_es_Salaam' where id = $1", [first]);
      await c.query("alter table app_public.clinic drop constraint clinic_timezone_check");
      await c.query("alter table app_public.clinic add constraint clinic_timezone_check check (app_public.is_valid_timezone(timezone)) not valid");
    });
    // every clinic checked apart, under a lock that lets the other files' requests read and write clinics meanwhile:
    // added valid, the check of every clinic (each name read in pg_timezone_names: 28 s for 611 clinics here) held the
    // table's exclusive lock that long, and another file's request waiting for a clinic was cancelled at 5 s (CI: TIMEOUT)
    await rootPool().query("alter table app_public.clinic validate constraint clinic_timezone_check");
  }
  expect(warnings).toContainEqual(
    `PostgreSQL warns: The business days of clinic ${first} are not opened: time zone "US/Pacific-New" not recognized (SQLSTATE 22023).`,
  );
  expect(await day(plain.clinicId, "2026-04-14")).toMatchObject({ status: "open", expected_cash: "1000.000" });
  expect(await day(first, "2026-04-14")).toBeUndefined();
});

test("npm run worker:once tells PostgreSQL's warnings to its jobs on stderr, as the worker does: a day passed over is not dropped unheard", async () => {
  const huge = await clinicWithADayTooLarge("2026-04-12");
  await rootPool().query("select graphile_worker.add_job('reconciliation__open', json_build_object('asOf', '2026-04-12T22:30:00Z'))"); // 01:30 on April 13 there
  const once = spawnSync(process.execPath, [projectPath("worker/run-once.ts")], { env: { ...process.env, LOG_LEVEL: "warn", RUN_ONCE_OWNER_URL: testConfig.ownerUrl }, encoding: "utf8" });
  expect(once.status).toBe(0);
  const warned = once.stderr.split("\n").filter((line) => line.includes(huge.clinicId)).map((line) => JSON.parse(line));
  expect(warned).toEqual([expect.objectContaining({
    level: "warn",
    event: "worker",
    message: `PostgreSQL warns: The business day 2026-04-12 of clinic ${huge.clinicId} is not opened: its payments' totals pass the largest a day holds (99999999999999999.999).`,
  })]);
  expect(await day(huge.clinicId, "2026-04-12")).toBeUndefined();
});

// a day's expected totals were numeric(16,3), one amount's size, while the rollups they are read from hold a day's sums
// (numeric(20,3), 000343): a payment taking an open day past 10^13 failed, "numeric field overflow", and so did its close (000367)
test("a day's money past 10^13 is counted: a payment taking its open day past it is taken, the day refreshed, counted and closed", async () => {
  const large = await createClinic("Large cash-up clinic", { since: LONG_AGO });
  const cashier = await cashierSession(large);
  const invoices = [];
  for (let i = 0; i < 3; i++) invoices.push(await createIssuedInvoice(large, "4000000000000", { madeAt: LONG_AGO }));
  await payAt(cashier, invoices[0].id, "4000000000000", "cash", "2026-04-20T09:00:00Z");
  await payAt(cashier, invoices[1].id, "4000000000000", "card", "2026-04-20T10:00:00Z");
  await rootPool().query("select app_private.open_reconciliation_of($1, '2026-04-20')", [large.clinicId]);
  expect(await day(large.clinicId, "2026-04-20")).toMatchObject({ status: "open", expected_total: "8000000000000.000" });
  // recorded the next morning, taken the day before: the open day's totals refreshed past 10^13
  await payAt(cashier, invoices[2].id, "4000000000000", "cash", "2026-04-20T11:00:00Z");
  expect(await day(large.clinicId, "2026-04-20")).toMatchObject({
    status: "open", expected_cash: "8000000000000.000", expected_card: "4000000000000.000", expected_total: "12000000000000.000",
  });
  const closed = await committedAs(cashier, async (c) =>
    (await c.query("select status, counted_total::text, cash_difference::text, difference::text from app_public.close_day('2026-04-20', 8000000000000, 3999999999999, 0, 0, 0)")).rows[0],
  );
  expect(closed).toEqual({ status: "closed", counted_total: "11999999999999.000", cash_difference: "0.000", difference: "-1.000" });
});

describe("a clinic created today", () => {
  /** The days of `clinicId` that have a row, between two dates. */
  async function daysOpened(clinicId: string, from: string, to: string) {
    const { rows } = await rootPool().query(
      "select coalesce(array_agg(business_date::text order by business_date), '{}') as days from app_public.daily_reconciliation where clinic_id = $1 and business_date between $2 and $3",
      [clinicId, from, to],
    );
    return rows[0].days;
  }

  test("no day before it existed, in its time zone, is opened to be counted: not the yesterday of its first run, nor a week of runs replayed after an outage", async () => {
    // created at 01:30 on June 21 in Dar es Salaam (22:30 on June 20 in UTC): June 20 there is a day before it existed
    const clinic = await createClinic("Opened this morning clinic", { since: "2026-06-20T22:30:00Z" });
    // the week's runs graphile-worker replays after an outage (fill=7d), and the first run after its creation
    for (const ts of ["14", "15", "16", "17", "18", "19", "20", "21"].map((date) => `2026-06-${date}T00:05:00Z`)) {
      await rootPool().query("select graphile_worker.add_job('reconciliation__open', json_build_object('_cron', json_build_object('ts', $1::text, 'backfilled', true)))", [ts]);
    }
    await runDueJobs();
    // before, June 13 to 20, each a zero day open among those to count and close
    expect(await daysOpened(clinic.clinicId, "2026-06-01", "2026-06-30")).toEqual([]);
    await runTask("2026-06-21T21:05:00Z"); // 00:05 on June 22 there: its first day has ended
    expect(await day(clinic.clinicId, "2026-06-21")).toMatchObject({ status: "open", expected_total: "0.000" });
    expect(await daysOpened(clinic.clinicId, "2026-06-01", "2026-06-30")).toEqual(["2026-06-21"]);
  });

  test("a day with money that a change of time zone put before its first local day is still opened", async () => {
    // created at 23:30 on July 19 in Pago Pago (UTC-11), and paid at 23:45 there: July 19 has money
    const moving = await createClinic("Moved on its first evening clinic", { since: "2026-07-20T10:30:00Z" });
    await rootPool().query("update app_public.clinic set timezone = 'Pacific/Pago_Pago' where id = $1", [moving.clinicId]);
    const invoice = await createIssuedInvoice(moving, "1000", { madeAt: LONG_AGO });
    await payAt(await cashierSession(moving), invoice.id, "40", "cash", "2026-07-20T10:45:00Z");
    // moved to Kiritimati (UTC+14) before its first run: its creation now reads 00:30 on July 21 there
    await rootPool().query("update app_public.clinic set timezone = 'Pacific/Kiritimati' where id = $1", [moving.clinicId]);
    await runTask("2026-07-21T11:05:00Z"); // 01:05 on July 22 in Kiritimati
    expect(await daysOpened(moving.clinicId, "2026-07-01", "2026-07-31")).toEqual(["2026-07-19", "2026-07-21"]);
    expect(await day(moving.clinicId, "2026-07-19")).toMatchObject({ status: "open", expected_cash: "40.000" });
  });
});

test("the upgrade drops the zero days earlier runs opened before a clinic existed, each audited; a day written on or counted, or its first, stays", async () => {
  // its first day is August 20 in Dar es Salaam; the runs before 000265 opened the days before it, as below
  const clinic = await createClinic("Upgraded clinic", { since: "2026-08-20T10:00:00Z" });
  const days = ["2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20"];
  await rootPool().query("insert into app_public.daily_reconciliation (clinic_id, business_date) select $1, unnest($2::date[])", [clinic.clinicId, days]);
  await rootPool().query("update app_public.daily_reconciliation set notes = 'Nothing taken: we opened on the 20th' where clinic_id = $1 and business_date = '2026-08-18'", [clinic.clinicId]);
  await rootPool().query("update app_public.daily_reconciliation set counted_cash = 0 where clinic_id = $1 and business_date = '2026-08-19'", [clinic.clinicId]);
  // as the upgrade runs it, in a transaction rolled back: other clinics' rows are other test files'
  const upgrade = await rootPool().connect();
  try {
    await upgrade.query("begin");
    await upgrade.query("select app_private.drop_days_opened_before_clinics()");
    const { rows } = await upgrade.query(
      `select array(select business_date::text from app_public.daily_reconciliation where clinic_id = $1 order by 1) as days,
              array(select a.old_values ->> 'business_date' from app_public.audit_log a where a.clinic_id = $1 and a.table_name = 'daily_reconciliation' and a.action = 'delete') as deleted`,
      [clinic.clinicId],
    );
    expect(rows[0]).toEqual({ days: days.slice(1), deleted: ["2026-08-17"] });
  } finally {
    await upgrade.query("rollback");
    upgrade.release();
  }
});

// Migration 000473: an operator's psql closes or reopens a day by its status, as close_day and reopen_day do
describe("a day closed or reopened from an operator's psql, by its status", () => {
  test("a close takes the day as close_day does: a payment sent while it is still to commit waits for it and is refused, not taken uncounted on the closed day", async () => {
    const clinic = await createClinic("Operator closes clinic", { since: LONG_AGO });
    const cashier = await cashierSession(clinic);
    const invoice = await createIssuedInvoice(clinic, "100000", { madeAt: LONG_AGO });
    await payAt(cashier, invoice.id, "1000", "cash", "2026-08-03T09:00:00Z");
    await runTask("2026-08-03T22:00:00Z"); // 01:00 on August 4 in Dar es Salaam: August 3 is opened
    const { owner } = await ownerConnection();
    const payment = await apiPool().connect();
    await trackBackend(payment);
    let paid: unknown;
    try {
      await owner.query("begin");
      await owner.query(
        "update app_public.daily_reconciliation set status = 'closed', counted_cash = 1000 where clinic_id = $1 and business_date = '2026-08-03'",
        [clinic.clinicId],
      );
      await beginAs(payment, cashier);
      const sent = payment
        .query("select app_public.record_payment($1, 500, 'cash', null, null, '2026-08-03T10:00:00Z')", [invoice.id])
        .then(() => "taken", (error: { code?: string }) => error.code);
      expect(await waitsFor(payment, owner)).toBe(true);
      await owner.query("commit");
      paid = await sent;
      await payment.query(paid === "taken" ? "commit" : "rollback");
    } finally {
      await payment.query("rollback");
      payment.release();
      await owner.end();
    }
    // before, the payment was taken on the day just closed, and the day's expected cash left it out: 1,500 in the drawer, 1,000 expected
    expect(paid).toBe("CDAYC");
    const { rows } = await rootPool().query(
      `select d.status, d.expected_cash, (select sum(p.amount) from app_public.payment p where p.clinic_id = d.clinic_id and p.business_date = d.business_date) as paid,
              d.closed_at is not null as stamped
       from app_public.daily_reconciliation d where d.clinic_id = $1 and d.business_date = '2026-08-03'`,
      [clinic.clinicId],
    );
    expect(rows).toEqual([{ status: "closed", expected_cash: "1000.000", paid: "1000.000", stamped: true }]);
  });

  test("a close while a payment of the day is being written is refused at once, to be sent again (waiting for the day, holding its row, would deadlock with the payment)", async () => {
    const clinic = await createClinic("Operator closes too soon clinic", { since: LONG_AGO });
    await runTask("2026-08-04T22:00:00Z"); // August 4 is opened
    const payment = await rootPool().connect(); // a payment of August 4 in flight: the day's lock, shared
    try {
      await payment.query("begin");
      await payment.query("select app_private.lock_business_day($1, '2026-08-04', false)", [clinic.clinicId]);
      const { owner } = await ownerConnection();
      try {
        await expect(
          owner.query("update app_public.daily_reconciliation set status = 'closed' where clinic_id = $1 and business_date = '2026-08-04'", [clinic.clinicId]),
        ).rejects.toMatchObject({ code: "CCONF", message: "The business day 2026-08-04 has payments or refunds being written: close it again once they are done." });
      } finally {
        await owner.end();
      }
    } finally {
      await payment.query("rollback");
      payment.release();
    }
    expect(await day(clinic.clinicId, "2026-08-04")).toMatchObject({ status: "open" });
  });

  test("a reopening leaves no close stamp on the open day, and is stamped as reopen_day stamps it", async () => {
    const clinic = await createClinic("Operator reopens clinic", { since: LONG_AGO });
    const cashier = await cashierSession(clinic);
    const invoice = await createIssuedInvoice(clinic, "100000", { madeAt: LONG_AGO });
    await payAt(cashier, invoice.id, "1000", "cash", "2026-08-05T09:00:00Z");
    await committedAs(cashier, (c) => c.query("select app_public.close_day('2026-08-05', 1000)"));
    const { owner } = await ownerConnection();
    try {
      await owner.query(
        "update app_public.daily_reconciliation set status = 'open', reopen_reason = 'Recount asked by the owner' where clinic_id = $1 and business_date = '2026-08-05'",
        [clinic.clinicId],
      );
    } finally {
      await owner.end();
    }
    const { rows } = await rootPool().query(
      `select status, closed_at, closed_by, reopened_at is not null as reopened, reopen_reason
       from app_public.daily_reconciliation where clinic_id = $1 and business_date = '2026-08-05'`,
      [clinic.clinicId],
    );
    // before, the open day kept its closedAt and closedBy (read as closed), and had no reopenedAt
    expect(rows).toEqual([{ status: "open", closed_at: null, closed_by: null, reopened: true, reopen_reason: "Recount asked by the owner" }]);
  });
});
