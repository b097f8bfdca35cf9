/**
 * Billing through the API: stable error codes for money mistakes, and the
 * revenue figures a frontend needs, refunds included.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { cashierSession, committedAs, createClinic, createIssuedInvoice, createPatient, createService, type TestClinic } from "../support/fixtures.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";

let api: TestApi;
let clinic: TestClinic;
let cashier: Browser;

beforeAll(async () => {
  api = await startApi();
  clinic = await createClinic("Billing API clinic");
  cashier = new Browser(api);
  await cashier.login(clinic.members.cashier.phone, clinic.members.cashier.password);
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

const PAY = `mutation($id: UUID!, $amount: BigFloat!, $method: PaymentMethod!, $key: String) {
  recordPayment(input: { invoiceId: $id, amount: $amount, method: $method, idempotencyKey: $key }) { result { rowId code amount } } }`;

test("money mistakes get stable codes and write nothing", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const over = await cashier.graphql(PAY, { id: invoice.id, amount: "1000.01", method: "cash" });
  expect(over.body.errors?.[0]).toMatchObject({ extensions: { code: "OVERPAYMENT" }, message: expect.stringMatching(/more than the balance/) });
  const negative = await cashier.graphql(PAY, { id: invoice.id, amount: "-1", method: "cash" });
  expect(negative.body.errors?.[0].extensions?.code).toBe("INVALID_INPUT");
  const unknownMethod = await cashier.graphql(PAY, { id: invoice.id, amount: "1", method: "cheque" });
  expect(unknownMethod.status).toBe(400);
  const notANumber = await cashier.graphql(PAY, { id: invoice.id, amount: "ten", method: "cash" });
  expect(notANumber.body.errors?.length).toBeGreaterThan(0);
  const { rows } = await rootPool().query("select count(*)::int as n from app_public.payment where invoice_id = $1", [invoice.id]);
  expect(rows[0].n).toBe(0);
});

test("a double-clicked pay button charges once", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const [first, second] = await Promise.all([
    cashier.graphql(PAY, { id: invoice.id, amount: "400", method: "card", key: "pay-button-7" }),
    cashier.graphql(PAY, { id: invoice.id, amount: "400", method: "card", key: "pay-button-7" }),
  ]);
  expect(first.body.data.recordPayment.result.rowId).toBe(second.body.data.recordPayment.result.rowId);
  const { rows } = await rootPool().query("select amount_paid from app_public.invoice where id = $1", [invoice.id]);
  expect(rows[0].amount_paid).toBe("400.000");
});

test("refunds above the payment and changes on a closed day get their codes", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const paid = await cashier.graphql(PAY, { id: invoice.id, amount: "300", method: "cash" });
  const paymentId = paid.body.data.recordPayment.result.rowId;
  const tooMuch = await cashier.graphql(`mutation($id: UUID!) { refundPayment(input: { paymentId: $id, amount: "301", reason: "x" }) { result { code } } }`, {
    id: paymentId,
  });
  expect(tooMuch.body.errors?.[0].extensions?.code).toBe("REFUND_EXCEEDS_PAYMENT");
  const today = (await rootPool().query("select (now() at time zone 'Africa/Dar_es_Salaam')::date::text as d")).rows[0].d;
  const closed = await cashier.graphql(`mutation($d: Date!) { closeDay(input: { businessDate: $d, countedCash: "300" }) { result { status difference } } }`, {
    d: today,
  });
  expect(closed.body.data.closeDay.result).toMatchObject({ status: "closed" });
  const late = await cashier.graphql(PAY, { id: invoice.id, amount: "1", method: "cash" });
  expect(late.body.errors?.[0]).toMatchObject({ extensions: { code: "DAY_CLOSED" } });
  await rootPool().query("update app_public.daily_reconciliation set status = 'open' where clinic_id = $1", [clinic.clinicId]);
});

test("revenue per day, per method and per doctor nets refunds; per service and outstanding balances", async () => {
  const reports = await createClinic("Revenue clinic");
  const session = await cashierSession(reports);
  const one = await createIssuedInvoice(reports, "10000");
  const two = await createIssuedInvoice(reports, "6000");
  const payment = await committedAs(session, async (c) => {
    const p = (await c.query("select id from app_public.record_payment($1, 10000, 'cash')", [one.id])).rows[0];
    await c.query("select app_public.record_payment($1, 2000, 'mobile_money')", [two.id]);
    await c.query("select app_public.refund_payment($1, 1500, 'Partial refund')", [p.id]);
    return p;
  });
  expect(payment.id).toBeDefined();
  const manager = new Browser(api);
  await manager.login(reports.members.owner.phone, reports.members.owner.password);
  const r = await manager.graphql(`{
    moneyMovements {
      aggregates { sum { amount } }
      byMethod: groupedAggregates(groupBy: [METHOD]) { keys sum { amount } }
      byDay: groupedAggregates(groupBy: [BUSINESS_DATE]) { keys sum { amount } }
      byDoctor: groupedAggregates(groupBy: [DOCTOR_ID]) { keys sum { amount } }
    }
    invoiceLines { byService: groupedAggregates(groupBy: [SERVICE_ID]) { sum { lineTotal } } }
    outstanding: invoices(filter: { status: { in: [issued, partially_paid] } }) { aggregates { sum { balance } } }
  }`);
  expect(r.body.errors).toBeUndefined();
  const data = r.body.data;
  expect(data.moneyMovements.aggregates.sum.amount).toBe("10500.000");
  const byMethod = Object.fromEntries(data.moneyMovements.byMethod.map((g: { keys: string[]; sum: { amount: string } }) => [g.keys[0], g.sum.amount]));
  expect(byMethod).toEqual({ cash: "8500.000", mobile_money: "2000.000" });
  expect(data.moneyMovements.byDay).toHaveLength(1);
  expect(data.moneyMovements.byDay[0].sum.amount).toBe("10500.000");
  expect(data.moneyMovements.byDoctor).toEqual([{ keys: [reports.members.doctor.membershipId], sum: { amount: "10500.000" } }]);
  expect(data.invoiceLines.byService.map((g: { sum: { lineTotal: string } }) => g.sum.lineTotal).sort()).toEqual(["10000.000", "6000.000"]);
  // invoice one: 10000 paid − 1500 refunded → 1500 open; invoice two: 4000 open
  expect(data.outstanding.aggregates.sum.balance).toBe("5500.000");
});

test("a hand-made invoice line with a service takes the catalog's name and price and the invoice's tax rate; without one it must say what it bills", async () => {
  const service = await createService(clinic.clinicId, "7500.000", "Dressing");
  const patient = await createPatient(clinic.clinicId);
  const created = await cashier.graphql(`mutation($patientId: UUID!) { createInvoice(input: { invoice: { patientId: $patientId } }) { invoice { rowId } } }`, {
    patientId: patient.id,
  });
  const invoice = created.body.data.createInvoice.invoice;
  await rootPool().query("update app_public.invoice set tax_rate = 0.18 where id = $1", [invoice.rowId]); // a rate a line can only have taken from it
  const LINE = `mutation($line: InvoiceLineInput!) { createInvoiceLine(input: { invoiceLine: $line }) { invoiceLine { description unitPrice taxRate quantity } } }`;
  const fromCatalog = await cashier.graphql(LINE, { line: { invoiceId: invoice.rowId, serviceId: service.id, quantity: "2" } });
  expect(fromCatalog.body.data.createInvoiceLine.invoiceLine).toEqual({ description: "Dressing", unitPrice: "7500.000", taxRate: "0.1800", quantity: "2.000" });
  const given = await cashier.graphql(LINE, { line: { invoiceId: invoice.rowId, serviceId: service.id, description: "Dressing, large", unitPrice: "9000" } });
  expect(given.body.data.createInvoiceLine.invoiceLine).toMatchObject({ description: "Dressing, large", unitPrice: "9000.000" });

  const unsaid = await cashier.graphql(LINE, { line: { invoiceId: invoice.rowId, unitPrice: "100" } });
  expect(unsaid.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "A required value is missing." });
  const { rows } = await rootPool().query("select count(*)::int as n, sum(line_subtotal)::text as subtotal from app_public.invoice_line where invoice_id = $1", [invoice.rowId]);
  expect(rows[0]).toEqual({ n: 2, subtotal: "24000.000" }); // 2 × 7,500 + 9,000: the refused line wrote nothing
});
