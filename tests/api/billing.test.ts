/**
 * Billing through the API: stable error codes for money mistakes, and the
 * revenue figures a frontend needs, refunds included.
 */
import { randomUUID } from "node:crypto";
import { describeError } from "../../server/errors.ts";
import { closeRootPool, rootPool } from "../support/database.ts";
import { addMember, cashierSession, committedAs, createClinic, createIssuedInvoice, createPatient, createService, createUser, createVisit, LONG_AGO, type TestClinic, writeBehindTriggers } from "../support/fixtures.ts";
import { Browser, pageThrough, startApi, type TestApi } from "../support/api.ts";
import { atOnce, waitsForLock, whileHolding } from "../support/locks.ts";

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

// each part of an answer was read in a transaction of its own: about one cash-up screen in 16, read while
// payments came in, showed a total that was not the sum of its per-method figures (a concurrency tester's find)
test("one answer reads one moment: a cash-up's total, its per-method sums and its rows agree while payments come in", async () => {
  const busy = await createClinic("One moment clinic");
  const till = new Browser(api);
  await till.login(busy.members.cashier.phone, busy.members.cashier.password);
  const admin = new Browser(api);
  await admin.login(busy.members.admin.phone, busy.members.admin.password);
  const invoices = [await createIssuedInvoice(busy, "1000000"), await createIssuedInvoice(busy, "1000000")];
  let paid = 0;
  const paying = (async () => {
    for (; paid < 90; paid++) expect((await till.graphql(PAY, { id: invoices[paid % 2].id, amount: "1", method: paid % 3 ? "cash" : "card" })).body.errors).toBeUndefined();
  })();
  const disagreements: unknown[] = [];
  let reads = 0;
  try {
    for (; paid < 90; reads++) {
      const r = await admin.graphql(`{ moneyMovements(first: 100) {
        totalCount aggregates { sum { amount } } byMethod: groupedAggregates(groupBy: [METHOD]) { keys sum { amount } } nodes { amount } } }`);
      const m = r.body.data.moneyMovements;
      const total = Number(m.aggregates.sum.amount ?? 0);
      const byMethod = m.byMethod.reduce((sum: number, group: { sum: { amount: string } }) => sum + Number(group.sum.amount), 0);
      if (total !== byMethod || m.nodes.length !== m.totalCount) disagreements.push({ total, byMethod, totalCount: m.totalCount, rows: m.nodes.length });
    }
  } finally {
    await paying;
  }
  expect({ disagreements, readWhilePaying: reads > 30 }).toEqual({ disagreements: [], readWhilePaying: true });
});

// a money tester's find: PostgreSQL rounded the fraction to the microsecond, 23:59:59.999999999 (a Java till's end of
// the day, LocalTime.MAX) to the next midnight, and the payment went on the next business day (or was DAY_CLOSED for it)
test("a time with a fraction finer than the microsecond is cut to it, not rounded: the end of a day stays on that day", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000", { madeAt: LONG_AGO });
  const at = "2026-11-03T23:59:59.999999999+03:00";
  const asVariable = await cashier.graphql(
    `mutation($id: UUID!, $at: Datetime) { recordPayment(input: { invoiceId: $id, amount: "100", method: cash, receivedAt: $at }) { result { businessDate receivedAt } } }`,
    { id: invoice.id, at },
  );
  const inTheQuery = await cashier.graphql(
    `mutation($id: UUID!) { recordPayment(input: { invoiceId: $id, amount: "100", method: cash, receivedAt: "${at}" }) { result { businessDate receivedAt } } }`,
    { id: invoice.id },
  );
  for (const paid of [asVariable, inTheQuery]) {
    expect(paid.body).toEqual({ data: { recordPayment: { result: { businessDate: "2026-11-03", receivedAt: "2026-11-03T23:59:59.999999+03:00" } } } });
  }
});

test("money mistakes get stable codes and write nothing", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const over = await cashier.graphql(PAY, { id: invoice.id, amount: "1000.01", method: "cash" });
  expect(over.body.errors?.[0]).toEqual({
    extensions: { code: "OVERPAYMENT", balance: "1000.000" },
    message: "This payment of 1000.01 is more than the balance of 1000.00.",
    locations: expect.any(Array),
    path: ["recordPayment"],
  });
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

test("a double-clicked refund button refunds once", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const paid = await cashier.graphql(PAY, { id: invoice.id, amount: "1000", method: "cash" });
  const REFUND = `mutation($id: UUID!, $key: String) {
    refundPayment(input: { paymentId: $id, amount: "300", reason: "Returned", idempotencyKey: $key }) { result { rowId amount } } }`;
  const clicks = await Promise.all([1, 2].map(() => cashier.graphql(REFUND, { id: paid.body.data.recordPayment.result.rowId, key: "refund-button-3" })));
  expect(clicks[0].body.data.refundPayment.result.rowId).toBe(clicks[1].body.data.refundPayment.result.rowId);
  const { rows } = await rootPool().query("select amount_paid from app_public.invoice where id = $1", [invoice.id]);
  expect(rows[0].amount_paid).toBe("700.000");
});

test("an idempotency key of white space alone (a field left blank) is refused, so that payments sent with it are not answered as one; another reference or reason under a key is another payment or refund", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const blank = { message: expect.stringMatching(/^An idempotency key cannot be white space alone: send one per (payment|refund) you mean, or none\.$/), extensions: { code: "INVALID_INPUT" } };
  for (const key of [" ", "   ", "\t\n", "\u3000", "\u200b "]) {
    const answer = await cashier.graphql(PAY, { id: invoice.id, amount: "100", method: "cash", key });
    expect({ key, error: answer.body.errors?.[0] }).toEqual({ key, error: expect.objectContaining(blank) });
  }
  const PAY_WITH = `mutation($id: UUID!, $reference: String, $key: String) {
    recordPayment(input: { invoiceId: $id, amount: "100", method: card, reference: $reference, idempotencyKey: $key }) { result { rowId reference } } }`;
  const first = (await cashier.graphql(PAY_WITH, { id: invoice.id, reference: "slip-1", key: "card-7" })).body.data.recordPayment.result;
  // a retry sends the same reference (as kept: without the spaces around it)
  expect((await cashier.graphql(PAY_WITH, { id: invoice.id, reference: " slip-1 ", key: "card-7" })).body.data.recordPayment.result).toEqual(first);
  for (const reference of ["slip-2", null]) {
    const other = await cashier.graphql(PAY_WITH, { id: invoice.id, reference, key: "card-7" });
    expect({ reference, error: other.body.errors?.[0] }).toEqual({ reference, error: expect.objectContaining({ message: "This idempotency key was already used for a different payment.", extensions: { code: "CONFLICT" } }) });
  }
  const REFUND_WITH = `mutation($id: UUID!, $reason: String!, $key: String) {
    refundPayment(input: { paymentId: $id, amount: "10", reason: $reason, idempotencyKey: $key }) { result { rowId } } }`;
  const refunded = (await cashier.graphql(REFUND_WITH, { id: first.rowId, reason: "Returned", key: "back-1" })).body.data.refundPayment.result;
  expect((await cashier.graphql(REFUND_WITH, { id: first.rowId, reason: "Returned ", key: "back-1" })).body.data.refundPayment.result).toEqual(refunded);
  expect((await cashier.graphql(REFUND_WITH, { id: first.rowId, reason: "Overcharged", key: "back-1" })).body.errors?.[0]).toMatchObject({ extensions: { code: "CONFLICT" } });
  expect((await cashier.graphql(REFUND_WITH, { id: first.rowId, reason: "Returned", key: " " })).body.errors?.[0]).toMatchObject(blank);
  const { rows } = await rootPool().query(
    "select (select count(*)::int from app_public.payment where invoice_id = $1) as payments, (select count(*)::int from app_public.refund where invoice_id = $1) as refunds", [invoice.id]);
  expect(rows[0]).toEqual({ payments: 1, refunds: 1 });
  // a payment and a refund kept with such a key from before 000185 stay correctable, and the key is refused, not answered
  const kept = await createIssuedInvoice(clinic, "1000");
  const { rows: [old] } = await rootPool().query(
    "insert into app_public.payment (clinic_id, invoice_id, amount, method, idempotency_key, received_by) values ($1, $2, 100, 'cash', '   ', $3) returning id",
    [clinic.clinicId, kept.id, clinic.members.cashier.userId]);
  await rootPool().query("insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason, idempotency_key, refunded_by) values ($1, $2, $3, 10, 'cash', 'Old', ' ', $4)",
    [clinic.clinicId, old.id, kept.id, clinic.members.cashier.userId]);
  const corrected = await cashier.graphql(`mutation($c: UUID!, $id: UUID!) { updatePayment(input: { clinicId: $c, rowId: $id, patch: { method: card, reference: "slip-9" } }) { payment { method reference } } }`,
    { c: clinic.clinicId, id: old.id });
  expect(corrected.body).toEqual({ data: { updatePayment: { payment: { method: "card", reference: "slip-9" } } } });
  expect((await cashier.graphql(PAY, { id: kept.id, amount: "100", method: "card", key: "   " })).body.errors?.[0]).toMatchObject(blank);
});

// a money tester's find: refunded, then voided, the invoice refused any change, and the payment's method could no longer
// be corrected: the day's expected totals per method kept the wrong method for good
test("a payment of a voided invoice can still have its method and reference corrected, its refund's method following", async () => {
  const voided = await createClinic("Voided then corrected clinic");
  const desk = new Browser(api);
  await desk.login(voided.members.cashier.phone, voided.members.cashier.password);
  const invoice = await createIssuedInvoice(voided, "1000");
  const paid = await desk.graphql(PAY, { id: invoice.id, amount: "500", method: "cash" });
  const paymentId = paid.body.data.recordPayment.result.rowId;
  expect((await desk.graphql(`mutation($id: UUID!) { refundPayment(input: { paymentId: $id, amount: "500", reason: "Wrong patient" }) { result { rowId } } }`, { id: paymentId })).body.errors).toBeUndefined();
  expect((await desk.graphql(`mutation($id: UUID!) { voidInvoice(input: { invoiceId: $id, reason: "Wrong patient" }) { result { status } } }`, { id: invoice.id })).body.data.voidInvoice.result.status).toBe("void");
  const corrected = await desk.graphql(
    `mutation($c: UUID!, $id: UUID!) { updatePayment(input: { clinicId: $c, rowId: $id, patch: { method: card, reference: "slip 42" } }) { payment { method reference } } }`,
    { c: voided.clinicId, id: paymentId },
  );
  expect(corrected.body).toEqual({ data: { updatePayment: { payment: { method: "card", reference: "slip 42" } } } });
  // the refund follows its payment's method (the days' expected totals per method are made of both); the invoice is as it was
  const { rows } = await rootPool().query(
    "select r.method::text as refunded_by, i.status::text as invoice, i.amount_paid::text as paid from app_public.refund r join app_public.invoice i on i.id = r.invoice_id where r.payment_id = $1",
    [paymentId],
  );
  expect(rows).toEqual([{ refunded_by: "card", invoice: "void", paid: "0.000" }]);
});

// a corrected reference was kept as typed ("  slip 42  ", "  " or ""), while a payment taken keeps it trimmed, blank none
test("a payment's reference corrected is kept as one taken is: without the spaces around it, and a blank one as none", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const paid = await cashier.graphql(PAY, { id: invoice.id, amount: "100", method: "cash" });
  const paymentId = paid.body.data.recordPayment.result.rowId;
  const CORRECT = `mutation($c: UUID!, $id: UUID!, $ref: String) { updatePayment(input: { clinicId: $c, rowId: $id, patch: { reference: $ref } }) { payment { reference } } }`;
  const kept = [];
  for (const ref of ["  slip 42  ", "   ", ""]) {
    const corrected = await cashier.graphql(CORRECT, { c: clinic.clinicId, id: paymentId, ref });
    kept.push([ref, corrected.body.data?.updatePayment.payment.reference, corrected.body.errors]);
  }
  expect(kept).toEqual([["  slip 42  ", "slip 42", undefined], ["   ", null, undefined], ["", null, undefined]]);
});

// a reference pasted from a spreadsheet or a bank's page kept its tab, line break or no-break space (btrim strips spaces
// alone): the slip's number was not found by it, and a reference of such white space alone was kept as one of nothing
test("a payment's reference is kept without the white space of any kind around it, taken, retried or corrected, and one of white space alone is none", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const PAY_WITH = `mutation($id: UUID!, $reference: String, $key: String) {
    recordPayment(input: { invoiceId: $id, amount: "100", method: bank_transfer, reference: $reference, idempotencyKey: $key }) { result { rowId reference } } }`;
  const taken = (await cashier.graphql(PAY_WITH, { id: invoice.id, reference: "\tTRF-88120\u00a0\n", key: "transfer-88120" })).body.data.recordPayment.result;
  expect(taken.reference).toBe("TRF-88120");
  // the till's retry, the reference pasted again or typed clean, is the same payment, not a CONFLICT
  for (const reference of ["\tTRF-88120\u00a0\n", "TRF-88120"]) {
    expect((await cashier.graphql(PAY_WITH, { id: invoice.id, reference, key: "transfer-88120" })).body).toEqual({ data: { recordPayment: { result: taken } } });
  }
  const blank = (await cashier.graphql(PAY_WITH, { id: invoice.id, reference: "\u00a0\t\r\n\u3000" })).body.data.recordPayment.result;
  expect(blank.reference).toBeNull();
  const CORRECT = `mutation($c: UUID!, $id: UUID!, $ref: String) { updatePayment(input: { clinicId: $c, rowId: $id, patch: { reference: $ref } }) { payment { reference } } }`;
  const kept = [];
  for (const ref of ["\u00a0TRF-88121\t", "\t\n\u00a0"]) {
    kept.push([ref, (await cashier.graphql(CORRECT, { c: clinic.clinicId, id: blank.rowId, ref })).body.data?.updatePayment.payment.reference]);
  }
  expect(kept).toEqual([["\u00a0TRF-88121\t", "TRF-88121"], ["\t\n\u00a0", null]]);
});

test("a double-clicked close of the day closes it once, and both clicks are told it is closed", async () => {
  const day = await createClinic("Double close clinic", { since: LONG_AGO });
  const desk = new Browser(api);
  await desk.login(day.members.cashier.phone, day.members.cashier.password);
  const CLOSE = `mutation { closeDay(input: { businessDate: "2026-03-10", countedCash: "0" }) { result { rowId status closedAt } } }`;
  const clicks = await Promise.all([1, 2].map(() => desk.graphql(CLOSE)));
  expect(clicks.map((click) => click.body.errors)).toEqual([undefined, undefined]);
  expect(clicks[0].body.data.closeDay.result).toEqual(clicks[1].body.data.closeDay.result);
  expect(clicks[0].body.data.closeDay.result.status).toBe("closed");
});

// a close retried after an owner's reopening closed the day again, and a reopening retried after a close reopened it
test("closeDay and reopenDay retried with their idempotencyKey do nothing again and answer the day as it is, whatever was done in between; the key with other arguments is CONFLICT", async () => {
  const keyed = await createClinic("Day keys API clinic", { since: LONG_AGO });
  const [desk, owner] = [new Browser(api), new Browser(api)];
  await desk.login(keyed.members.cashier.phone, keyed.members.cashier.password);
  await owner.login(keyed.members.owner.phone, keyed.members.owner.password);
  const CLOSE = `mutation($cash: BigFloat, $key: String) { closeDay(input: { businessDate: "2026-06-03", countedCash: $cash, idempotencyKey: $key }) { result { status countedCash closedAt } } }`;
  const REOPEN = `mutation($key: String) { reopenDay(input: { businessDate: "2026-06-03", reason: "Recount", idempotencyKey: $key }) { result { status reopenReason reopenedAt } } }`;
  const closed = (await desk.graphql(CLOSE, { cash: "100", key: "close-1" })).body;
  expect(closed.data.closeDay.result).toMatchObject({ status: "closed", countedCash: "100.000" });
  const reopened = (await owner.graphql(REOPEN, { key: "reopen-1" })).body;
  expect(reopened.data.reopenDay.result).toMatchObject({ status: "open", reopenReason: "Recount" });
  // the close's retry: the day stays open, and is answered as it is (000394 answered the first close's copy, closed)
  expect((await desk.graphql(CLOSE, { cash: "100", key: "close-1" })).body).toEqual({ data: { closeDay: { result: { ...closed.data.closeDay.result, status: "open", closedAt: null } } } });
  const status = async () =>
    (await rootPool().query("select status::text from app_public.daily_reconciliation where clinic_id = $1 and business_date = '2026-06-03'", [keyed.clinicId])).rows[0].status;
  expect(await status()).toBe("open");
  await desk.graphql(CLOSE, { cash: "200", key: "close-2" }); // the recount
  // the reopening's retry: the day stays closed, at the recount, and is answered so
  expect((await owner.graphql(REOPEN, { key: "reopen-1" })).body).toEqual({ data: { reopenDay: { result: { ...reopened.data.reopenDay.result, status: "closed" } } } });
  expect(await status()).toBe("closed");
  expect((await desk.graphql(CLOSE, { cash: "300", key: "close-1" })).body.errors?.[0]).toMatchObject({
    message: "This idempotency key was already used for a different close or reopening of a day.",
    extensions: { code: "CONFLICT" },
  });
});

// a key of 201 characters, which a payment's is told is too long, was "A value is out of the allowed range." to closeDay and reopenDay
test("closeDay's and reopenDay's idempotencyKey past 200 characters is told a key is 1 to 200 characters, as a payment's, and nothing is done", async () => {
  const keyed = await createClinic("Day keys too long clinic", { since: LONG_AGO });
  const [desk, owner] = [new Browser(api), new Browser(api)];
  await desk.login(keyed.members.cashier.phone, keyed.members.cashier.password);
  await owner.login(keyed.members.owner.phone, keyed.members.owner.password);
  const tooLong = { message: "An idempotency key is 1 to 200 characters.", extensions: expect.objectContaining({ code: "INVALID_INPUT" }) };
  const CLOSE = `mutation($key: String) { closeDay(input: { businessDate: "2026-06-03", countedCash: "100", idempotencyKey: $key }) { result { status } } }`;
  const REOPEN = `mutation($key: String) { reopenDay(input: { businessDate: "2026-06-03", reason: "Recount", idempotencyKey: $key }) { result { status } } }`;
  const status = async () =>
    (await rootPool().query("select status::text from app_public.daily_reconciliation where clinic_id = $1 and business_date = '2026-06-03'", [keyed.clinicId])).rows[0]?.status;
  expect((await desk.graphql(CLOSE, { key: "k".repeat(201) })).body.errors?.[0]).toMatchObject(tooLong);
  expect(await status()).toBeUndefined();
  expect((await desk.graphql(CLOSE, { key: "k".repeat(200) })).body.data.closeDay.result).toEqual({ status: "closed" });
  expect((await owner.graphql(REOPEN, { key: "r".repeat(201) })).body.errors?.[0]).toMatchObject(tooLong);
  expect(await status()).toBe("closed");
  expect((await owner.graphql(REOPEN, { key: "r".repeat(200) })).body.data.reopenDay.result).toEqual({ status: "open" });
});

// the second click was INVALID_TRANSITION ("this invoice is issued", "A void invoice cannot change.") for what was done
test("a double-clicked issue, or void, of an invoice is done once, and both clicks are answered the invoice; a void with another reason is refused", async () => {
  const twice = await createClinic("Double click invoices clinic");
  const desk = new Browser(api);
  await desk.login(twice.members.cashier.phone, twice.members.cashier.password);
  const draft = await createIssuedInvoice(twice, "1000", { issue: false });
  const updates = async () =>
    (await rootPool().query("select count(*)::int as n from app_public.audit_log where clinic_id = $1 and table_name = 'invoice' and record_id = $2 and action = 'update'", [
      twice.clinicId,
      draft.id,
    ])).rows[0].n;
  const before = await updates();
  const ISSUE = `mutation($id: UUID!) { issueInvoice(input: { invoiceId: $id }) { result { status issuedAt } } }`;
  const issues = await Promise.all([1, 2].map(() => desk.graphql(ISSUE, { id: draft.id })));
  expect(issues.map((click) => click.body.errors)).toEqual([undefined, undefined]);
  expect(issues[1].body.data.issueInvoice.result).toEqual(issues[0].body.data.issueInvoice.result);
  expect(issues[0].body.data.issueInvoice.result.status).toBe("issued");
  const VOID = `mutation($id: UUID!, $reason: String!) { voidInvoice(input: { invoiceId: $id, reason: $reason }) { result { status voidReason voidedAt } } }`;
  const voids = await Promise.all([1, 2].map(() => desk.graphql(VOID, { id: draft.id, reason: "Billed twice" })));
  expect(voids.map((click) => click.body.errors)).toEqual([undefined, undefined]);
  expect(voids[1].body.data.voidInvoice.result).toEqual(voids[0].body.data.voidInvoice.result);
  const other = await desk.graphql(VOID, { id: draft.id, reason: "Another reason" });
  expect(other.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_TRANSITION" }, message: "A void invoice cannot change." });
  expect((await updates()) - before).toBe(2); // issued once, voided once
});

// a till that lost the answer to its issue sends it again after the first payment came in, and a double click on
// issuing a free invoice (paid as it is issued) reached a paid invoice: both were INVALID_TRANSITION
test("an issue sent again after a payment, or on an invoice paid as it was issued, answers the invoice as it is", async () => {
  const ISSUE = `mutation($id: UUID!) { issueInvoice(input: { invoiceId: $id }) { result { status amountPaid issuedAt } } }`;
  const issued = await createIssuedInvoice(clinic, "1000", { issue: false });
  const first = (await cashier.graphql(ISSUE, { id: issued.id })).body.data.issueInvoice.result;
  for (const [amount, status] of [["400", "partially_paid"], ["600", "paid"]]) {
    expect((await cashier.graphql(PAY, { id: issued.id, amount, method: "cash" })).body.errors).toBeUndefined();
    const again = await cashier.graphql(ISSUE, { id: issued.id });
    expect(again.body).toEqual({ data: { issueInvoice: { result: { ...first, status, amountPaid: status === "paid" ? "1000.000" : "400.000" } } } });
  }
  const free = await createIssuedInvoice(clinic, "0", { issue: false });
  const clicks = await Promise.all([1, 2].map(() => cashier.graphql(ISSUE, { id: free.id })));
  expect(clicks.map((click) => [click.body.errors, click.body.data.issueInvoice.result.status])).toEqual([[undefined, "paid"], [undefined, "paid"]]);
});

test("one idempotency key at once for payments of two invoices, or refunds of two payments: the one that waited is told the key was used", async () => {
  const [one, two] = [await createIssuedInvoice(clinic, "1000"), await createIssuedInvoice(clinic, "1000")];
  const paid = await committedAs(await cashierSession(clinic), async (c) =>
    Promise.all([one.id, two.id].map(async (id) => (await c.query("select id from app_public.record_payment($1, 500, 'cash')", [id])).rows[0].id as string)),
  );
  for (const [sql, targets, constraint, message] of [
    ["select app_public.record_payment($1, 100, 'cash', null, $2)", [one.id, two.id], "payment_clinic_id_idempotency_key_key", "This idempotency key was already used for a different payment."],
    ["select app_public.refund_payment($1, 100, 'Returned', $2)", paid, "refund_clinic_id_idempotency_key_key", "This idempotency key was already used for a different refund."],
  ] as const) {
    const key = `race-${randomUUID()}`;
    // each waits for its own invoice or payment, so neither finds the other's key first: the unique key decides
    await atOnce(clinic.members.cashier, clinic.members.cashier, async (first, second) => {
      await first.query(sql, [targets[0], key]);
      const waiting = second.query(sql, [targets[1], key]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(await waitsForLock(second, waiting)).toBe(true);
      await first.query("commit");
      const error = await waiting;
      expect({ code: (error as { code?: string }).code, constraint: (error as { constraint?: string }).constraint }).toEqual({ code: "23505", constraint });
      expect(describeError(error)).toEqual({ code: "CONFLICT", message, details: { constraint } });
    });
  }
});

test("refunds above the payment and changes on a closed day get their codes", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const paid = await cashier.graphql(PAY, { id: invoice.id, amount: "300", method: "cash" });
  const paymentId = paid.body.data.recordPayment.result.rowId;
  const tooMuch = await cashier.graphql(`mutation($id: UUID!) { refundPayment(input: { paymentId: $id, amount: "301", reason: "x" }) { result { code } } }`, {
    id: paymentId,
  });
  expect(tooMuch.body.errors?.[0].extensions).toEqual({ code: "REFUND_EXCEEDS_PAYMENT", refundable: "300.000" });
  // the payment's day closed, and the late payment received on it: a day read now, and a payment taken now, were the
  // next day's once the clinic's midnight passed after the payment (or after the close), and the late one was taken
  const { rows: [taken] } = await rootPool().query("select business_date::text as day, received_at as at from app_public.payment where id = $1", [paymentId]);
  const closed = await cashier.graphql(`mutation($d: Date!) { closeDay(input: { businessDate: $d, countedCash: "300" }) { result { status difference } } }`, {
    d: taken.day,
  });
  expect(closed.body.data.closeDay.result).toMatchObject({ status: "closed" });
  const late = await cashier.graphql(`mutation($id: UUID!, $at: Datetime) { recordPayment(input: { invoiceId: $id, amount: "1", method: cash, receivedAt: $at }) { result { rowId } } }`, {
    id: invoice.id,
    at: taken.at.toISOString(),
  });
  expect(late.body.errors?.[0]).toMatchObject({ extensions: { code: "DAY_CLOSED" } });
  await rootPool().query("update app_public.daily_reconciliation set status = 'open', reopen_reason = 'Reopened for the next test' where clinic_id = $1", [clinic.clinicId]);
});

// a cashier opening a payment of a day since closed and saving it as it was (a client sends every field back) was told
// DAY_CLOSED, where nothing would change
test("a payment of a closed day saved back as it is answers the payment, changing nothing; a correction of it is still DAY_CLOSED", async () => {
  const closing = await createClinic("Saved back clinic", { since: LONG_AGO });
  const desk = new Browser(api);
  await desk.login(closing.members.cashier.phone, closing.members.cashier.password);
  const invoice = await createIssuedInvoice(closing, "1000", { madeAt: LONG_AGO });
  const paid = await desk.graphql(
    `mutation($id: UUID!) { recordPayment(input: { invoiceId: $id, amount: "300", method: card, reference: "slip-7", receivedAt: "2026-06-02T10:00+03:00" }) { result { rowId businessDate } } }`,
    { id: invoice.id },
  );
  expect(paid.body.data.recordPayment.result.businessDate).toBe("2026-06-02");
  const paymentId = paid.body.data.recordPayment.result.rowId;
  expect((await desk.graphql(`mutation { closeDay(input: { businessDate: "2026-06-02", countedCard: "300" }) { result { status } } }`)).body.data.closeDay.result).toEqual({ status: "closed" });
  const AS_IT_WAS = "select method::text, reference, updated_at, updated_by, business_date::text from app_public.payment where id = $1";
  const before = (await rootPool().query(AS_IT_WAS, [paymentId])).rows;
  const SAVE = `mutation($c: UUID!, $id: UUID!, $patch: PaymentPatch!) { updatePayment(input: { clinicId: $c, rowId: $id, patch: $patch }) { payment { method reference } } }`;
  // every field sent back as it is, the reference as typed in the form (kept without the spaces around it), or none
  for (const patch of [{ method: "card", reference: "slip-7" }, { method: "card", reference: " slip-7\t" }, { reference: "slip-7" }]) {
    const saved = await desk.graphql(SAVE, { c: closing.clinicId, id: paymentId, patch });
    expect({ patch, answer: saved.body }).toEqual({ patch, answer: { data: { updatePayment: { payment: { method: "card", reference: "slip-7" } } } } });
  }
  // a correction is a change of the closed day's payment: refused, as before
  for (const patch of [{ method: "cash" }, { reference: "slip-8" }, { method: "card", reference: null }]) {
    const corrected = await desk.graphql(SAVE, { c: closing.clinicId, id: paymentId, patch });
    expect({ patch, error: corrected.body.errors?.[0] }).toEqual({
      patch,
      error: expect.objectContaining({ message: "The business day 2026-06-02 is closed: its payments and refunds can no longer change, unless an owner reopens it.", extensions: { code: "DAY_CLOSED" } }),
    });
  }
  expect((await rootPool().query(AS_IT_WAS, [paymentId])).rows).toEqual(before);
  const { rows } = await rootPool().query("select count(*)::int as n from app_public.audit_log where table_name = 'payment' and record_id = $1 and action = 'update'", [paymentId]);
  expect(rows[0].n).toBe(0);
});

// a cashier opening a closed day's cash-up and saving it as it was (a client sends every field back: its notes) was
// told DAY_CLOSED, where a payment of that day saved back as it is was answered (000459)
test("a closed day's cash-up saved back as it is answers the day, changing nothing; its notes rewritten are still DAY_CLOSED (000462)", async () => {
  const closing = await createClinic("Cash-up saved back clinic", { since: LONG_AGO });
  const desk = new Browser(api);
  await desk.login(closing.members.cashier.phone, closing.members.cashier.password);
  const invoice = await createIssuedInvoice(closing, "1000", { madeAt: LONG_AGO });
  await desk.graphql(`mutation($id: UUID!) { recordPayment(input: { invoiceId: $id, amount: "300", method: cash, receivedAt: "2026-06-02T10:00+03:00" }) { result { rowId } } }`, { id: invoice.id });
  const closed = await desk.graphql(`mutation { closeDay(input: { businessDate: "2026-06-02", countedCash: "295", notes: "Short 5" }) { result { rowId status notes } } }`);
  expect(closed.body.data.closeDay.result).toMatchObject({ status: "closed", notes: "Short 5" });
  const dayId = closed.body.data.closeDay.result.rowId;
  const AS_IT_WAS = "select d.*, (select count(*)::int from app_public.audit_log a where a.record_id = d.id and a.action = 'update') as updates from app_public.daily_reconciliation d where d.id = $1";
  const before = (await rootPool().query(AS_IT_WAS, [dayId])).rows;
  const SAVE = `mutation($c: UUID!, $id: UUID!, $notes: String) { updateDailyReconciliation(input: { clinicId: $c, rowId: $id, patch: { notes: $notes } }) { dailyReconciliation { status notes } } }`;
  const saved = await desk.graphql(SAVE, { c: closing.clinicId, id: dayId, notes: "Short 5" });
  expect(saved.body).toEqual({ data: { updateDailyReconciliation: { dailyReconciliation: { status: "closed", notes: "Short 5" } } } });
  // other notes, or none, rewrite the closed day's: refused, as before
  for (const notes of ["Short 6", null]) {
    const rewritten = await desk.graphql(SAVE, { c: closing.clinicId, id: dayId, notes });
    expect({ notes, error: rewritten.body.errors?.[0] }).toEqual({
      notes,
      error: expect.objectContaining({ message: "This business day is closed: an owner can reopen it to change it.", extensions: { code: "DAY_CLOSED" } }),
    });
  }
  expect((await rootPool().query(AS_IT_WAS, [dayId])).rows).toEqual(before);
});

// a cashier opening a void invoice and saving it as it was (a client sends every field back: its notes) was told "A void
// invoice cannot change.", and a line of an issued or void invoice saved back as it is "The lines of … never change",
// where a finished visit, a closed day's payment and its cash-up saved back as they are were answered (000408, 000459, 000462)
test("a void invoice, and a line of an issued or void invoice, saved back as it is answers the row, changing nothing; a change of either is still INVALID_TRANSITION (000517)", async () => {
  const desk = new Browser(api);
  const own = await createClinic("Invoice saved back clinic");
  await desk.login(own.members.cashier.phone, own.members.cashier.password);
  const SAVE = `mutation($c: UUID!, $id: UUID!, $notes: String) { updateInvoice(input: { clinicId: $c, rowId: $id, patch: { notes: $notes } }) { invoice { status notes } } }`;
  const SAVE_LINE = `mutation($c: UUID!, $id: UUID!, $patch: InvoiceLinePatch!) { updateInvoiceLine(input: { clinicId: $c, rowId: $id, patch: $patch }) { invoiceLine { description taxRate } } }`;
  const ROWS = `select row_to_json(i)::text as invoice, (select json_agg(l order by l.position)::text from app_public.invoice_line l where l.invoice_id = i.id) as lines,
    (select count(*)::int from app_public.audit_log a where a.action = 'update' and a.record_id in (select i.id union all select l.id from app_public.invoice_line l where l.invoice_id = i.id)) as updates
    from app_public.invoice i where i.id = $1`;
  const voided = await createIssuedInvoice(own, "1000");
  expect((await desk.graphql(SAVE, { c: own.clinicId, id: voided.id, notes: "Patient  moved\nabroad" })).body.errors).toBeUndefined();
  expect((await desk.graphql(`mutation($i: UUID!) { voidInvoice(input: { invoiceId: $i, reason: "Billed twice" }) { result { status } } }`, { i: voided.id })).body.errors).toBeUndefined();
  const issued = await createIssuedInvoice(own, "1000");
  for (const [invoice, status, words] of [[voided, "void", "a void invoice never change: make a new invoice instead."], [issued, "issued", "an issued invoice never change: void it and issue a new one."]] as const) {
    const before = (await rootPool().query(ROWS, [invoice.id])).rows;
    const { rows: [line] } = await rootPool().query("select id, description, tax_rate::text from app_public.invoice_line where invoice_id = $1", [invoice.id]);
    // every field of the line sent back as it is
    const back = { description: line.description, quantity: "1", unitPrice: "1000", discount: "0", taxRate: line.tax_rate };
    const savedLine = await desk.graphql(SAVE_LINE, { c: own.clinicId, id: line.id, patch: back });
    expect({ status, answer: savedLine.body }).toEqual({ status, answer: { data: { updateInvoiceLine: { invoiceLine: { description: line.description, taxRate: line.tax_rate } } } } });
    for (const patch of [{ ...back, description: "Another" }, { description: line.description, taxRate: "0.5" }]) {
      const changed = await desk.graphql(SAVE_LINE, { c: own.clinicId, id: line.id, patch });
      expect({ status, patch, error: changed.body.errors?.[0] }).toEqual({ status, patch, error: expect.objectContaining({ message: `The lines of ${words}`, extensions: { code: "INVALID_TRANSITION" } }) });
    }
    expect((await rootPool().query(ROWS, [invoice.id])).rows).toEqual(before);
  }
  const before = (await rootPool().query(ROWS, [voided.id])).rows;
  const saved = await desk.graphql(SAVE, { c: own.clinicId, id: voided.id, notes: "Patient  moved\nabroad" });
  expect(saved.body).toEqual({ data: { updateInvoice: { invoice: { status: "void", notes: "Patient  moved\nabroad" } } } });
  // other notes, or none, change the void invoice: refused, as before
  for (const notes of ["Patient moved", null]) {
    const rewritten = await desk.graphql(SAVE, { c: own.clinicId, id: voided.id, notes });
    expect({ notes, error: rewritten.body.errors?.[0] }).toEqual({ notes, error: expect.objectContaining({ message: "A void invoice cannot change.", extensions: { code: "INVALID_TRANSITION" } }) });
  }
  expect((await rootPool().query(ROWS, [voided.id])).rows).toEqual(before);
});

test("OVERPAYMENT and REFUND_EXCEEDS_PAYMENT carry what may still be paid or refunded, which is then accepted", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const first = await cashier.graphql(PAY, { id: invoice.id, amount: "250.5", method: "cash" });
  const paymentId = first.body.data.recordPayment.result.rowId;
  const over = await cashier.graphql(PAY, { id: invoice.id, amount: "2000", method: "cash" });
  expect(over.body.errors?.[0].extensions).toEqual({ code: "OVERPAYMENT", balance: "749.500" });
  // "pay the balance": the amount given back is taken as it is
  const rest = await cashier.graphql(PAY, { id: invoice.id, amount: (over.body.errors?.[0].extensions as { balance?: string })?.balance, method: "card" });
  expect(rest.body.data.recordPayment.result.amount).toBe("749.500");
  // once paid in full, any payment is over a balance of 0
  const paidUp = await cashier.graphql(PAY, { id: invoice.id, amount: "1", method: "cash" });
  expect(paidUp.body.errors?.[0].extensions).toEqual({ code: "OVERPAYMENT", balance: "0.000" });

  const REFUND = `mutation($id: UUID!, $amount: BigFloat!) { refundPayment(input: { paymentId: $id, amount: $amount, reason: "Returned" }) { result { amount } } }`;
  expect((await cashier.graphql(REFUND, { id: paymentId, amount: "50" })).body.data.refundPayment.result.amount).toBe("50.000");
  const tooMuch = await cashier.graphql(REFUND, { id: paymentId, amount: "250.5" });
  expect(tooMuch.body.errors?.[0]).toMatchObject({
    extensions: { code: "REFUND_EXCEEDS_PAYMENT", refundable: "200.500" },
    message: "A refund of 250.50 is more than the 200.50 left of this payment.",
  });
  const all = await cashier.graphql(REFUND, { id: paymentId, amount: (tooMuch.body.errors?.[0].extensions as { refundable?: string })?.refundable });
  expect(all.body.data.refundPayment.result.amount).toBe("200.500");
  expect((await cashier.graphql(REFUND, { id: paymentId, amount: "0.5" })).body.errors?.[0]).toMatchObject({
    extensions: { code: "REFUND_EXCEEDS_PAYMENT", refundable: "0.000" },
    message: "This payment is refunded in full: nothing is left to refund.",
  });
  // another clinic's payment and invoice: NOT_FOUND, with no amount of theirs
  const other = await createClinic("Billing API other clinic");
  const theirs = await createIssuedInvoice(other, "5000");
  const notFound = await cashier.graphql(PAY, { id: theirs.id, amount: "9999", method: "cash" });
  expect(notFound.body.errors?.[0].extensions).toEqual({ code: "NOT_FOUND" });
});

test("money is the decimal text of numeric(16,3), an average's too, but for an empty sum and a payment's refunds as docs/api.md says", async () => {
  const forms = await createClinic("Money forms clinic");
  const desk = new Browser(api);
  await desk.login(forms.members.cashier.phone, forms.members.cashier.password);
  const invoice = await createIssuedInvoice(forms, "1000");
  const cash = await desk.graphql(PAY, { id: invoice.id, amount: "250.5", method: "cash" });
  await desk.graphql(PAY, { id: invoice.id, amount: "100", method: "card" });
  await desk.graphql(PAY, { id: invoice.id, amount: "100.02", method: "card" });
  const refund = await desk.graphql(`mutation($id: UUID!) { refundPayment(input: { paymentId: $id, amount: "50.25", reason: "Returned" }) { result { amount } } }`, {
    id: cash.body.data.recordPayment.result.rowId,
  });
  expect(refund.body.data.refundPayment.result.amount).toBe("50.250");
  const { data } = (
    await desk.graphql(`{
      invoices { nodes { total amountPaid balance } }
      payments { nodes { method amount refundedAmount } aggregates { sum { amount refundedAmount } average { amount } min { amount } } }
      none: payments(filter: { method: { equalTo: insurance } }) { aggregates { sum { amount refundedAmount } average { amount } min { amount } } }
      perMethod: payments { groupedAggregates(groupBy: [METHOD]) { keys average { amount } } }
      above: payments { groupedAggregates(groupBy: [METHOD], having: { average: { amount: { greaterThan: "100.01" } } }) { keys average { amount } } }
    }`)
  ).body;
  expect(data.invoices.nodes).toEqual([{ total: "1000.000", amountPaid: "400.270", balance: "599.730" }]);
  // a payment without refunds has refunded "0", not "0.000"
  expect(data.payments.nodes.sort((a: { amount: string }, b: { amount: string }) => Number(a.amount) - Number(b.amount))).toEqual([
    { method: "card", amount: "100.000", refundedAmount: "0" },
    { method: "card", amount: "100.020", refundedAmount: "0" },
    { method: "cash", amount: "250.500", refundedAmount: "50.250" },
  ]);
  // an average in the 3 decimals of the amounts, rounded (450.52 / 3 = 150.17333…), as the sum, min and max are
  expect(data.payments.aggregates).toEqual({ sum: { amount: "450.520", refundedAmount: "50.250" }, average: { amount: "150.173" }, min: { amount: "100.000" } });
  const byMethod = (groups: { keys: string[] }[]) => [...groups].sort((a, b) => a.keys[0].localeCompare(b.keys[0]));
  expect(byMethod(data.perMethod.groupedAggregates)).toEqual([
    { keys: ["card"], average: { amount: "100.010" } },
    { keys: ["cash"], average: { amount: "250.500" } },
  ]);
  expect(data.above.groupedAggregates).toEqual([{ keys: ["cash"], average: { amount: "250.500" } }]);
  // over no rows: a sum is "0", an average or a minimum null
  expect(data.none.aggregates).toEqual({ sum: { amount: "0", refundedAmount: "0" }, average: { amount: null }, min: { amount: null } });
});

// a standard deviation of amounts came with PostgreSQL's 16 and more decimals ("50.0009013252094620"), where every
// other amount, an average included, has the 3 of numeric(16,3)
test("a standard deviation or variance of amounts is in their 3 decimals, rounded, as their average is", async () => {
  const spread = await createClinic("Money spread clinic");
  const desk = new Browser(api);
  await desk.login(spread.members.cashier.phone, spread.members.cashier.password);
  const invoice = await createIssuedInvoice(spread, "1000");
  for (const [amount, method] of [["100", "cash"], ["200", "cash"], ["150.52", "card"]]) await desk.graphql(PAY, { id: invoice.id, amount, method });
  const statistics = "stddevSample { amount } stddevPopulation { amount } varianceSample { amount } variancePopulation { amount }";
  const { data } = (await desk.graphql(`{ payments { aggregates { ${statistics} } groupedAggregates(groupBy: [METHOD]) { keys ${statistics} } } }`)).body;
  // 100, 200 and 150.52: 50.0009013…, 40.8255649…, 2500.0901333…, 1666.7267555…
  expect(data.payments.aggregates).toEqual({
    stddevSample: { amount: "50.001" },
    stddevPopulation: { amount: "40.826" },
    varianceSample: { amount: "2500.090" },
    variancePopulation: { amount: "1666.727" },
  });
  const cash = data.payments.groupedAggregates.find((group: { keys: string[] }) => group.keys[0] === "cash");
  // 100 and 200: 70.7106781…, 50, 5000, 2500
  expect(cash).toEqual({
    keys: ["cash"],
    stddevSample: { amount: "70.711" },
    stddevPopulation: { amount: "50.000" },
    varianceSample: { amount: "5000.000" },
    variancePopulation: { amount: "2500.000" },
  });
});

// a tax rate is kept as typed, without trailing zeros (0.1, 0.2): its average was rounded to the decimals the rates were
// typed with, one here, and invoices at 10% and 20% averaged "0.2", a group of them kept by `having` above 15%
test("an average tax rate is not rounded to the few decimals the rates were typed with: 10% and 20% average 15%", async () => {
  const rates = await createClinic("Tax rates clinic");
  const desk = new Browser(api);
  await desk.login(rates.members.cashier.phone, rates.members.cashier.password);
  for (const rate of ["0.1", "0.2"]) {
    await rootPool().query("update app_public.clinic set tax_rate = $2 where id = $1", [rates.clinicId, rate]);
    await createIssuedInvoice(rates, "1000");
  }
  const { data } = (
    await desk.graphql(`{
      invoices { nodes { taxRate } aggregates { average { taxRate } stddevPopulation { taxRate } } }
      invoiceLines { aggregates { average { taxRate } } }
      above: invoices { groupedAggregates(groupBy: [STATUS], having: { average: { taxRate: { greaterThan: "0.15" } } }) { keys average { taxRate } } }
    }`)
  ).body;
  expect(data.invoices.nodes.map((invoice: { taxRate: string }) => invoice.taxRate).sort()).toEqual(["0.1", "0.2"]);
  // in at least the 3 decimals of an amount (more for rates typed with more)
  expect(data.invoices.aggregates).toEqual({ average: { taxRate: "0.150" }, stddevPopulation: { taxRate: "0.050" } });
  expect(data.invoiceLines.aggregates).toEqual({ average: { taxRate: "0.150" } });
  expect(data.above.groupedAggregates).toEqual([]);
});

test("only the codes that carry data read the error's detail, and only their own keys, in their form, leave", async () => {
  const pgError = (code: string, detail?: string) => Object.assign(new Error("Said for people."), { code, detail });
  expect(describeError(pgError("COVPY", '{"balance": "12.500"}'))).toEqual({ code: "OVERPAYMENT", message: "Said for people.", details: { balance: "12.500" } });
  expect(describeError(pgError("CRFND", '{"refundable": "3.000"}'))).toEqual({ code: "REFUND_EXCEEDS_PAYMENT", message: "Said for people.", details: { refundable: "3.000" } });
  for (const [code, detail] of [
    ["COVPY", '{"refundable": "3.000"}'], // the other code's key
    ["COVPY", '{"balance": "12.5 or more"}'], // not an amount
    ["COVPY", '{"balance": 12.5}'], // not the API's text
    ["CRFND", "Key (id)=(…) is still referenced"], // not JSON: PostgreSQL's own text never leaves
    ["COVPY", "null"],
  ]) {
    expect(describeError(pgError(code, detail))).toEqual({ code: code === "COVPY" ? "OVERPAYMENT" : "REFUND_EXCEEDS_PAYMENT", message: "Said for people." });
  }
  // a conflict's record, and the records in a patient's deletion's way, by id
  const id = "0b9a4f52-3c1e-4d57-9a3e-2f7c1d5e8b60";
  expect(describeError(pgError("CCONF", JSON.stringify({ visitId: id })))).toEqual({ code: "CONFLICT", message: "Said for people.", details: { visitId: id } });
  expect(describeError(pgError("CCONF", JSON.stringify({ invoiceId: id, balance: "1.000" })))).toEqual({ code: "CONFLICT", message: "Said for people.", details: { invoiceId: id } });
  expect(describeError(pgError("CINVL", JSON.stringify({ visitIds: [id, id] })))).toEqual({ code: "INVALID_INPUT", message: "Said for people.", details: { visitIds: [id, id] } });
  for (const [code, detail] of [
    ["CCONF", { invoiceId: "INV-000001" }], // not an id
    ["CCONF", { invoiceIds: [id] }], // another code's key
    ["CINVL", { visitIds: [id, "x"] }], // not ids all
    ["CINVL", { invoiceIds: [] }],
    ["CINVL", { invoiceId: id }],
  ] as const) {
    expect(describeError(pgError(code, JSON.stringify(detail)))).toEqual({ code: code === "CCONF" ? "CONFLICT" : "INVALID_INPUT", message: "Said for people." });
  }
  // any other code keeps its detail to itself
  expect(describeError(pgError("CFORB", JSON.stringify({ balance: "12.500", visitId: id })))).toEqual({ code: "FORBIDDEN", message: "Said for people." });
  expect(describeError(Object.assign(pgError("23505", '{"balance": "12.500"}'), { constraint: "invoice_one_live_per_visit" }))).toEqual({
    code: "CONFLICT",
    message: "This visit already has an invoice.",
    details: { constraint: "invoice_one_live_per_visit" },
  });
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

test("a cash-up lists each money movement with its code, time, person, note, invoice and payment", async () => {
  const own = await createClinic("Cash-up clinic");
  const session = await cashierSession(own);
  const invoice = await createIssuedInvoice(own, "3000");
  const paid = await committedAs(session, async (c) => {
    const p = (await c.query("select id, code from app_public.record_payment($1, 3000, 'card', 'POS 7781')", [invoice.id])).rows[0];
    const r = (await c.query("select code from app_public.refund_payment($1, 500, 'Dressing not given')", [p.id])).rows[0];
    return { ...p, refundCode: r.code as string };
  });
  const counter = new Browser(api);
  await counter.login(own.members.cashier.phone, own.members.cashier.password);
  const r = await counter.graphql(`{ moneyMovements(orderBy: [MOVED_AT_ASC, KIND_ASC]) {
    nodes { code kind method amount movedAt movedBy note invoice { code patientName } payment { code } } } }`);
  expect(r.body.errors).toBeUndefined();
  const patientName = (await rootPool().query("select p.first_name || ' ' || p.last_name as name from app_public.patient p join app_public.invoice i on i.patient_id = p.id where i.id = $1", [invoice.id])).rows[0].name;
  expect(r.body.data.moneyMovements.nodes).toEqual([
    { code: paid.code, kind: "payment", method: "card", amount: "3000.000", movedAt: expect.any(String), movedBy: own.members.cashier.userId, note: "POS 7781", invoice: { code: invoice.code, patientName }, payment: { code: paid.code } },
    { code: paid.refundCode, kind: "refund", method: "card", amount: "-500.000", movedAt: expect.any(String), movedBy: own.members.cashier.userId, note: "Dressing not given", invoice: { code: invoice.code, patientName }, payment: { code: paid.code } },
  ]);
  // and an invoice lists its own
  const byInvoice = await counter.graphql(`query($c: UUID!, $id: UUID!) { invoice(clinicId: $c, rowId: $id) { moneyMovements { aggregates { sum { amount } } } } }`, {
    c: own.clinicId,
    id: invoice.id,
  });
  expect(byInvoice.body.data.invoice.moneyMovements.aggregates.sum.amount).toBe("2500.000");
  // a page at a time, forwards and backwards, in the order the money moved (the second page was INTERNAL, `last` the first rows)
  const PAGE = `query($after: Cursor, $before: Cursor, $first: Int, $last: Int) { moneyMovements(first: $first, after: $after, last: $last, before: $before) {
    nodes { code } pageInfo { startCursor endCursor } } }`;
  const first = (await counter.graphql(PAGE, { first: 1 })).body.data.moneyMovements;
  const second = await counter.graphql(PAGE, { first: 1, after: first.pageInfo.endCursor });
  expect([first.nodes, second.body.data.moneyMovements.nodes]).toEqual([[{ code: paid.code }], [{ code: paid.refundCode }]]);
  const last = (await counter.graphql(PAGE, { last: 1 })).body.data.moneyMovements;
  const beforeLast = (await counter.graphql(PAGE, { last: 1, before: last.pageInfo.startCursor })).body.data.moneyMovements;
  expect([beforeLast.nodes, last.nodes]).toEqual([[{ code: paid.code }], [{ code: paid.refundCode }]]);
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
  expect(fromCatalog.body.data.createInvoiceLine.invoiceLine).toEqual({ description: "Dressing", unitPrice: "7500.000", taxRate: "0.18", quantity: "2.000" });
  const given = await cashier.graphql(LINE, { line: { invoiceId: invoice.rowId, serviceId: service.id, description: "Dressing, large", unitPrice: "9000" } });
  expect(given.body.data.createInvoiceLine.invoiceLine).toMatchObject({ description: "Dressing, large", unitPrice: "9000.000" });

  const unsaid = await cashier.graphql(LINE, { line: { invoiceId: invoice.rowId, unitPrice: "100" } });
  expect(unsaid.body.errors?.[0]).toMatchObject({
    extensions: { code: "INVALID_INPUT", column: "description" },
    message: "A required value is missing: description.",
  });
  const unpriced = await cashier.graphql(LINE, { line: { invoiceId: invoice.rowId, description: "Medical report" } });
  expect(unpriced.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT", column: "unitPrice" }, message: "A required value is missing: unitPrice." });
  // a line that breaks one rule is told that rule (a negative quantity or price was told about discounts)
  for (const [line, message] of [
    [{ quantity: "-1", unitPrice: "100" }, "A quantity is at least 0.001 (3 decimals are kept) and at most 100000."],
    [{ quantity: "0.0001", unitPrice: "100" }, "A quantity is at least 0.001 (3 decimals are kept) and at most 100000."],
    [{ unitPrice: "-333.33" }, "A unit price cannot be negative."],
    [{ unitPrice: "100", discount: "101" }, "A discount cannot be more than the line's amount (quantity × unit price)."],
  ] as const) {
    const r = await cashier.graphql(LINE, { line: { invoiceId: invoice.rowId, description: "Checked", ...line } });
    expect({ line, code: r.body.errors?.[0].extensions?.code, message: r.body.errors?.[0].message }).toEqual({ line, code: "INVALID_INPUT", message });
  }
  const { rows } = await rootPool().query("select count(*)::int as n, sum(line_subtotal)::text as subtotal from app_public.invoice_line where invoice_id = $1", [invoice.rowId]);
  expect(rows[0]).toEqual({ n: 2, subtotal: "24000.000" }); // 2 × 7,500 + 9,000: the refused line wrote nothing
});

const DESCRIPTION_REFUSAL = { code: "INVALID_INPUT", message: "A line needs a description of at most 300 characters." };

/**
 * A cashier's draft invoice with a line "Dressing": `add` a line of a description, what createInvoiceLine (`added`) and
 * updateInvoiceLine of that line (`changed`) are told of one, and the draft's `descriptions` in order.
 */
async function draftWithADressing() {
  const patient = await createPatient(clinic.clinicId);
  const created = await cashier.graphql(`mutation($p: UUID!) { createInvoice(input: { invoice: { patientId: $p } }) { invoice { rowId } } }`, { p: patient.id });
  const invoiceId = created.body.data.createInvoice.invoice.rowId;
  const LINE = `mutation($line: InvoiceLineInput!) { createInvoiceLine(input: { invoiceLine: $line }) { invoiceLine { rowId description } } }`;
  const UPDATE = `mutation($c: UUID!, $id: UUID!, $d: String) { updateInvoiceLine(input: { clinicId: $c, rowId: $id, patch: { description: $d } }) { invoiceLine { description } } }`;
  const told = (r: { body: { errors?: { message: string; extensions?: { code?: string } }[] } }) => ({ code: r.body.errors?.[0]?.extensions?.code, message: r.body.errors?.[0]?.message });
  const add = (description: string) => cashier.graphql(LINE, { line: { invoiceId, description, unitPrice: "100" } });
  const lineId = (await add("Dressing")).body.data.createInvoiceLine.invoiceLine.rowId;
  return {
    add,
    added: async (description: string) => told(await add(description)),
    changed: async (description: string) => told(await cashier.graphql(UPDATE, { c: clinic.clinicId, id: lineId, d: description })),
    descriptions: async () =>
      (await rootPool().query("select description from app_public.invoice_line where invoice_id = $1 order by position", [invoiceId])).rows.map((r) => r.description),
  };
}

// H1's find: a description of a word joiner or a Hangul filler alone took a line that printed nothing, and one of a word and
// 200,000 spaces was kept whole, its 300 characters counted without them (000407)
test("a line's description says something visible, in at most 300 characters as kept: invisible characters alone, or a word padded past 300, are refused, added or changed", async () => {
  const { add, added, changed, descriptions } = await draftWithADressing();
  // a word joiner (the zero-width no-break space), zero-width joiners, a Hangul filler, a soft hyphen, a blank Braille pattern
  for (const description of ["\u2060", "\u200d", "\u200c\u200b", "\u3164", "\u00ad", "\u2800", " \u2060\t"]) {
    expect({ description, added: await added(description) }).toEqual({ description, added: DESCRIPTION_REFUSAL });
    expect({ description, changed: await changed(description) }).toEqual({ description, changed: DESCRIPTION_REFUSAL });
  }
  for (const description of [`Dressing${" ".repeat(300)}`, `Dressing${"\n".repeat(50_000)}`, "x".repeat(301)]) {
    expect({ length: description.length, added: await added(description) }).toEqual({ length: description.length, added: DESCRIPTION_REFUSAL });
    expect({ length: description.length, changed: await changed(description) }).toEqual({ length: description.length, changed: DESCRIPTION_REFUSAL });
  }
  // 300 characters as kept are taken, white space and a joiner among them, as typed
  const full = `${"x".repeat(296)} \u2060x `;
  expect((await add(full)).body.data.createInvoiceLine.invoiceLine.description).toBe(full);
  expect(await descriptions()).toEqual(["Dressing", full]);
  // a service's name saved before 000130 with the white space around it (past 300 characters) is still billed from a visit
  const padded = await createService(clinic.clinicId, "2500.000");
  await writeBehindTriggers("update app_public.service set name = $2 where id = $1", [padded.id, `Old dressing${" ".repeat(300)}`]);
  const visit = await createVisit(clinic, "in_progress");
  await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [clinic.clinicId, visit.id, padded.id]);
  const billed = await cashier.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { total lines { nodes { description } } } } }`, { v: visit.id });
  expect(billed.body.data?.createInvoiceFromVisit.result).toEqual({ total: "2500.000", lines: { nodes: [{ description: `Old dressing${" ".repeat(300)}` }] } });
});

// 000407 refused only what name_as_meant takes out of a name: the other characters Unicode marks as printing nothing
// (Default_Ignorable_Code_Point) took a line alone, which the invoice printed saying nothing (000413)
test("a line's description of any character Unicode marks as printing nothing is none, added or changed; one with something visible besides is taken", async () => {
  const { add, added, changed, descriptions } = await draftWithADressing();
  // the invisible function application, times, separator and plus; the combining grapheme joiner; a variation selector; the
  // Mongolian vowel separator; a Khmer inherent vowel; a tag space; a musical symbol's formatting character
  for (const description of ["\u2061", "\u2062\u2063\u2064", "\u034f", "\ufe0f", "\u180e", "\u17b4", "\u{e0020}", "\u{1d173}", " \u034f\u2060 "]) {
    expect({ description, added: await added(description) }).toEqual({ description, added: DESCRIPTION_REFUSAL });
    expect({ description, changed: await changed(description) }).toEqual({ description, changed: DESCRIPTION_REFUSAL });
  }
  // something visible besides them is a description, kept as typed: an emoji with its variation selector, a word
  for (const description of ["\u2615\ufe0f", "x\u2061y"]) {
    expect((await add(description)).body.data?.createInvoiceLine.invoiceLine.description).toBe(description);
  }
  expect(await descriptions()).toEqual(["Dressing", "\u2615\ufe0f", "x\u2061y"]);
});

// a review read updateInvoiceLine as able to give a typed line another service, billing it under the first one's name and
// price (and crediting it with that amount in topServices): the line's service is the one it was added with
test("a line's service is the one it was added with: updateInvoiceLine cannot give it another, through the API or the API's role in SQL", async () => {
  const [consultation, xRay] = [await createService(clinic.clinicId, "5000.000", "Consultation"), await createService(clinic.clinicId, "9000.000", "X-ray")];
  const patient = await createPatient(clinic.clinicId);
  const created = await cashier.graphql(`mutation($p: UUID!) { createInvoice(input: { invoice: { patientId: $p } }) { invoice { rowId } } }`, { p: patient.id });
  const added = await cashier.graphql(`mutation($i: UUID!, $s: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $i, serviceId: $s } }) { invoiceLine { rowId } } }`, {
    i: created.body.data.createInvoice.invoice.rowId,
    s: consultation.id,
  });
  const lineId = added.body.data.createInvoiceLine.invoiceLine.rowId;
  const moved = await cashier.graphql(
    `mutation($c: UUID!, $id: UUID!, $s: UUID!) { updateInvoiceLine(input: { clinicId: $c, rowId: $id, patch: { serviceId: $s } }) { invoiceLine { description unitPrice } } }`,
    { c: clinic.clinicId, id: lineId, s: xRay.id },
  );
  expect(moved.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([["INVALID_QUERY", 'Field "serviceId" is not defined by type "InvoiceLinePatch".']]);
  const inSql = committedAs(await cashierSession(clinic), (c) => c.query("update app_public.invoice_line set service_id = $2 where id = $1", [lineId, xRay.id]));
  await expect(inSql).rejects.toMatchObject({ code: "42501" });
  const { rows } = await rootPool().query("select service_id, description, unit_price::text from app_public.invoice_line where id = $1", [lineId]);
  expect(rows).toEqual([{ service_id: consultation.id, description: "Consultation", unit_price: "5000.000" }]);
});

test("a discount given as null is no discount, on an invoice line and on a visit's service", async () => {
  const service = await createService(clinic.clinicId, "1000.000");
  const owner = new Browser(api);
  await owner.login(clinic.members.owner.phone, clinic.members.owner.password);
  const visit = await createVisit(clinic, "in_progress");
  const onVisit = await owner.graphql(
    `mutation($v: UUID!, $s: UUID!) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s, quantity: 1, discount: null } }) { visitService { rowId discount } } }`,
    { v: visit.id, s: service.id },
  );
  expect(onVisit.body.errors).toBeUndefined();
  expect(onVisit.body.data.createVisitService.visitService.discount).toBe("0.000");
  const changed = await owner.graphql(`mutation($c: UUID!, $id: UUID!) { updateVisitService(input: { clinicId: $c, rowId: $id, patch: { discount: null } }) { visitService { discount } } }`, {
    c: clinic.clinicId,
    id: onVisit.body.data.createVisitService.visitService.rowId,
  });
  expect(changed.body).toEqual({ data: { updateVisitService: { visitService: { discount: "0.000" } } } });

  const patient = await createPatient(clinic.clinicId);
  const created = await cashier.graphql(`mutation($p: UUID!) { createInvoice(input: { invoice: { patientId: $p } }) { invoice { rowId } } }`, { p: patient.id });
  const line = await cashier.graphql(
    `mutation($i: UUID!, $s: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $i, serviceId: $s, discount: null } }) { invoiceLine { discount lineTotal } } }`,
    { i: created.body.data.createInvoice.invoice.rowId, s: service.id },
  );
  expect(line.body).toEqual({ data: { createInvoiceLine: { invoiceLine: { discount: "0.000", lineTotal: "1000.000" } } } });
});

test("an inactive service cannot be typed on an invoice line; a visit that was given it is still invoiced for it", async () => {
  const service = await createService(clinic.clinicId, "1200.000");
  const visit = await createVisit(clinic, "in_progress");
  await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [clinic.clinicId, visit.id, service.id]);
  await rootPool().query("update app_public.service set is_active = false where id = $1", [service.id]);
  const patient = await createPatient(clinic.clinicId);
  const created = await cashier.graphql(`mutation($p: UUID!) { createInvoice(input: { invoice: { patientId: $p } }) { invoice { rowId } } }`, { p: patient.id });
  const typed = await cashier.graphql(
    `mutation($i: UUID!, $s: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $i, serviceId: $s } }) { invoiceLine { rowId } } }`,
    { i: created.body.data.createInvoice.invoice.rowId, s: service.id },
  );
  expect(typed.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "That service is not in this clinic's active catalog." });
  const fromVisit = await cashier.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { total } } }`, { v: visit.id });
  expect(fromVisit.body).toEqual({ data: { createInvoiceFromVisit: { result: { total: "1200.000" } } } });
});

test("a visit's services and an invoice's lines are listed in the order they were added, also in the invoice's PDF", async () => {
  const names = ["Consultation", "Malaria test", "Full blood count", "Dressing", "Injection", "X-ray"];
  const services = [];
  for (const name of names) services.push(await createService(clinic.clinicId, "1000.000", `${name} ${randomUUID().slice(0, 4)}`));
  const visit = await createVisit(clinic, "in_progress");
  // added in one transaction (one created_at), each with a smaller key than the one before: listed by key, they come reversed
  const keyPrefix = randomUUID().slice(0, 24);
  await rootPool().query(
    `insert into app_public.visit_service (clinic_id, id, visit_id, service_id)
     select $1, ($2 || lpad((99 - n)::text, 12, '0'))::uuid, $3, service_id from unnest($4::uuid[]) with ordinality u(service_id, n) order by n`,
    [clinic.clinicId, keyPrefix, visit.id, services.map((s) => s.id)],
  );
  // the first service changed since: its row moves to the end of the table, and is first only by its position
  await rootPool().query("update app_public.visit_service set quantity = 2 where visit_id = $1 and position = 1", [visit.id]);
  const owner = new Browser(api);
  await owner.login(clinic.members.owner.phone, clinic.members.owner.password);
  const listed = await owner.graphql(`query($c: UUID!, $v: UUID!) { visit(clinicId: $c, rowId: $v) { services { nodes { position service { name } } } } }`, {
    c: clinic.clinicId,
    v: visit.id,
  });
  expect(listed.body.data.visit.services.nodes).toEqual(names.map((name, i) => ({ position: i + 1, service: { name: expect.stringMatching(`^${name} `) } })));

  const invoiced = await cashier.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { rowId } } }`, { v: visit.id });
  const invoiceId = invoiced.body.data.createInvoiceFromVisit.result.rowId;
  const byHand = await cashier.graphql(
    `mutation($i: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $i, description: "Medical report", unitPrice: "500" } }) { invoiceLine { position } } }`,
    { i: invoiceId },
  );
  expect(byHand.body).toEqual({ data: { createInvoiceLine: { invoiceLine: { position: names.length + 1 } } } });
  await rootPool().query("update app_public.invoice_line set quantity = 2 where invoice_id = $1 and position = 1", [invoiceId]);
  const expected = [...names, "Medical report"];
  const lines = await cashier.graphql(`query($c: UUID!, $i: UUID!) { invoice(clinicId: $c, rowId: $i) { lines { nodes { position description } } } }`, {
    c: clinic.clinicId,
    i: invoiceId,
  });
  expect(lines.body.data.invoice.lines.nodes).toEqual(expected.map((name, i) => ({ position: i + 1, description: expect.stringMatching(`^${name}`) })));
  const { rows } = await rootPool().query(
    "select array(select l ->> 'description' from jsonb_array_elements(app_private.invoice_document($1, $2) -> 'lines') l) as descriptions",
    [clinic.clinicId, invoiceId],
  );
  expect(rows[0].descriptions).toEqual(expected.map((name) => expect.stringMatching(`^${name}`)));
});

test("an invoice's payments are listed in the order they were taken, and a clinic's exports newest first", async () => {
  const invoice = await createIssuedInvoice(clinic, "6000");
  const { rows } = await rootPool().query("select created_at - interval '1 minute' as before from app_public.invoice where id = $1", [invoice.id]);
  const PAY_AT = `mutation($id: UUID!, $at: Datetime) {
    recordPayment(input: { invoiceId: $id, amount: "1000", method: mobile_money, receivedAt: $at }) { result { code receivedAt } } }`;
  const taken: { code: string; receivedAt: string }[] = [];
  for (let k = 0; k < 6; k++) {
    // the first three dated before the invoice was made: each is received when it was made, at one and the same time
    const paid = await cashier.graphql(PAY_AT, { id: invoice.id, at: k < 3 ? rows[0].before.toISOString() : null });
    taken.push(paid.body.data.recordPayment.result);
  }
  expect(new Set(taken.slice(0, 3).map((p) => p.receivedAt)).size).toBe(1);
  // by key (random ids) six payments come back in their order once in 720 times, and by time alone the first three once in 6
  const listed = await cashier.graphql(`query($c: UUID!, $i: UUID!) { invoice(clinicId: $c, rowId: $i) { payments { nodes { code } } } }`, {
    c: clinic.clinicId,
    i: invoice.id,
  });
  expect(listed.body.data.invoice.payments.nodes.map((p: { code: string }) => p.code)).toEqual(taken.map((p) => p.code));

  const periods = ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"];
  const requestedIds: string[] = [];
  for (const from of periods) {
    const requested = await cashier.graphql(
      `mutation($from: Date!) { requestExport(input: { kind: payments_csv, fromDate: $from, toDate: $from }) { result { rowId } } }`,
      { from },
    );
    expect(requested.body.errors).toBeUndefined();
    requestedIds.push(requested.body.data.requestExport.result.rowId);
  }
  // their jobs leave the shared queue: the next test file that runs jobs would run them, writing where its settings say
  await rootPool().query("select graphile_worker.remove_job('report_export:' || id) from unnest($1::uuid[]) id", [requestedIds]);
  const exports = await cashier.graphql(`{ reportExports(first: 6) { nodes { fromDate } } }`);
  expect(exports.body.data.reportExports.nodes.map((e: { fromDate: string }) => e.fromDate)).toEqual([...periods].reverse());
});

// the list had filters on its clinic, time and id alone: "my downloads", "ready", "a PDF of this invoice" and how many
// of a person's 10 were taken meant paging through every export of the clinic
test("a clinic's exports are filtered by who asked, status, kind and invoice", async () => {
  const desk = await createClinic("Export filters clinic");
  const [cashierOf, ownerOf] = [new Browser(api), new Browser(api)];
  await cashierOf.login(desk.members.cashier.phone, desk.members.cashier.password);
  await ownerOf.login(desk.members.owner.phone, desk.members.owner.password);
  const invoice = await createIssuedInvoice(desk, "6000");
  const ask = async (by: Browser, input: string) => {
    const asked = await by.graphql(`mutation { requestExport(input: ${input}) { result { rowId } } }`);
    expect(asked.body.errors).toBeUndefined();
    return asked.body.data.requestExport.result.rowId as string;
  };
  const pdf = await ask(cashierOf, `{ kind: invoice_pdf, invoiceId: "${invoice.id}" }`);
  const list = await ask(cashierOf, `{ kind: payments_csv, fromDate: "2026-01-01", toDate: "2026-01-31" }`);
  const owners = await ask(ownerOf, `{ kind: visits_csv, fromDate: "2026-01-01", toDate: "2026-01-31" }`);
  // (their jobs leave the shared queue; one is marked done as the worker would)
  await rootPool().query("select graphile_worker.remove_job('report_export:' || id) from unnest($1::uuid[]) id", [[pdf, list, owners]]);
  await rootPool().query("update app_public.report_export set status = 'done', finished_at = now() where id = $1", [list]);
  const listed = async (filter: string) =>
    (await ownerOf.graphql(`{ reportExports(filter: ${filter}) { totalCount nodes { rowId } } }`)).body.data.reportExports;
  expect(await listed(`{ requestedBy: { equalTo: "${desk.members.cashier.userId}" } }`)).toEqual({ totalCount: 2, nodes: [{ rowId: list }, { rowId: pdf }] });
  expect(await listed(`{ requestedBy: { equalTo: "${desk.members.cashier.userId}" }, status: { in: [queued, running] } }`)).toEqual({ totalCount: 1, nodes: [{ rowId: pdf }] });
  expect(await listed(`{ status: { equalTo: done } }`)).toEqual({ totalCount: 1, nodes: [{ rowId: list }] });
  expect(await listed(`{ kind: { equalTo: visits_csv } }`)).toEqual({ totalCount: 1, nodes: [{ rowId: owners }] });
  expect(await listed(`{ invoiceId: { equalTo: "${invoice.id}" } }`)).toEqual({ totalCount: 1, nodes: [{ rowId: pdf }] });
});

// without an orderBy they came in the order of their random keys: 12-02, 11-28, 12-03, …
test("a clinic's cash-ups are listed newest day first", async () => {
  const days = await createClinic("Cash-up history clinic", { since: LONG_AGO });
  const desk = new Browser(api);
  await desk.login(days.members.cashier.phone, days.members.cashier.password);
  const closed = ["2026-03-12", "2026-03-09", "2026-03-14", "2026-03-10", "2026-03-13", "2026-03-11"];
  for (const day of closed) {
    const close = await desk.graphql(`mutation($d: Date!) { closeDay(input: { businessDate: $d, countedCash: "0" }) { result { status } } }`, { d: day });
    expect(close.body.errors).toBeUndefined();
  }
  const listed = await desk.graphql(`{ dailyReconciliations(first: 6) { nodes { businessDate } } }`);
  expect(listed.body.data.dailyReconciliations.nodes.map((r: { businessDate: string }) => r.businessDate)).toEqual([...closed].sort().reverse());
});

// a frontend developer's cash drawer: "who owes most" and "issued today" were impossible (no such order or filter)
test("invoices are sorted and filtered by what is owed, their total and when they were issued", async () => {
  const drawer = await createClinic("Owed most clinic");
  const desk = new Browser(api);
  await desk.login(drawer.members.cashier.phone, drawer.members.cashier.password);
  const [small, large, paid] = [await createIssuedInvoice(drawer, "300"), await createIssuedInvoice(drawer, "5000"), await createIssuedInvoice(drawer, "900")];
  const draft = await createIssuedInvoice(drawer, "700", { issue: false });
  await desk.graphql(PAY, { id: large.id, amount: "4500", method: "cash" });
  await desk.graphql(PAY, { id: paid.id, amount: "900", method: "cash" });
  const codes = async (args: string) =>
    (await desk.graphql(`{ invoices(${args}) { nodes { rowId } } }`)).body.data.invoices.nodes.map((n: { rowId: string }) => n.rowId);
  // owed: 300 (small), 500 (large), 0 (paid); a draft owes its total of 700 but is not issued
  expect(await codes(`orderBy: [BALANCE_DESC, CODE_ASC], filter: { balance: { greaterThan: "0" }, status: { notEqualTo: draft } }`)).toEqual([large.id, small.id]);
  expect(await codes(`orderBy: TOTAL_DESC`)).toEqual([large.id, paid.id, draft.id, small.id]);
  // the start of the day the first of them was issued on: the day of now, read after them, was the next once midnight
  // passed since the first was issued, and the filter left it out
  const { rows: [{ today }] } = await rootPool().query("select date_trunc('day', min(issued_at)) as today from app_public.invoice where id = any($1)", [[small.id, large.id, paid.id]]);
  expect(await codes(`orderBy: ISSUED_AT_ASC, filter: { issuedAt: { greaterThanOrEqualTo: "${today.toISOString()}" } }`)).toEqual([small.id, large.id, paid.id]);
  expect(await codes(`filter: { issuedAt: { isNull: true } }`)).toEqual([draft.id]);
  // the payment of a card slip: "which was the 4,500 one?" (payments had no filter nor order by amount)
  const payments = async (args: string) =>
    (await desk.graphql(`{ payments(${args}) { nodes { amount invoiceId } } }`)).body.data.payments.nodes;
  expect(await payments(`filter: { amount: { equalTo: "4500" } }`)).toEqual([{ amount: "4500.000", invoiceId: large.id }]);
  expect((await payments(`orderBy: AMOUNT_ASC`)).map((p: { amount: string }) => p.amount)).toEqual(["900.000", "4500.000"]);
});

test("invoices ordered by their largest payment page through those without a payment too, either way", async () => {
  const own = await createClinic("Invoices by largest payment");
  const desk = new Browser(api);
  await desk.login(own.members.cashier.phone, own.members.cashier.password);
  const codes: Record<string, string> = {};
  for (const [name, paid] of [["a", "300"], ["b", null], ["c", "100"], ["d", null], ["e", "200"]] as const) {
    const invoice = await createIssuedInvoice(own, "1000");
    codes[invoice.code] = name;
    if (paid) expect((await desk.graphql(PAY, { id: invoice.id, amount: paid, method: "cash" })).body.errors).toBeUndefined();
  }
  for (const [order, expected] of [["MONEY_MOVEMENTS_MAX_AMOUNT_ASC", "c e a b d"], ["MONEY_MOVEMENTS_MAX_AMOUNT_DESC", "b d a e c"]]) {
    const paged = await pageThrough(desk, "invoices", `[${order}, CODE_ASC]`, "code", 2, 3);
    // before, the page after the largest payment (ascending) or after an invoice without one (descending) was empty
    expect({ order, paged: paged.map((code) => codes[code]).join(" ") }).toEqual({ order, paged: expected });
  }
});

test("a line that bills a visit's service keeps the visit's quantity, price and discount; its wording may change", async () => {
  const draft = await createIssuedInvoice(clinic, "5000", { issue: false });
  const { rows: [line] } = await rootPool().query("select l.id, v.id as visit_id, v.code from app_public.invoice_line l join app_public.visit v on v.id = $2 where l.invoice_id = $1", [
    draft.id,
    draft.visitId,
  ]);
  const EDIT = `mutation($c: UUID!, $id: UUID!, $patch: InvoiceLinePatch!) { updateInvoiceLine(input: { clinicId: $c, rowId: $id, patch: $patch }) { invoiceLine { description unitPrice quantity } } }`;
  for (const patch of [{ unitPrice: "1", quantity: "1" }, { discount: "4000" }]) {
    const edited = await cashier.graphql(EDIT, { c: clinic.clinicId, id: line.id, patch });
    // before, 5,000 × 1 became 1 × 1, and the invoice billed 1 for a visit valued 5,000
    // the visit named by its id too, to open it (it came in the message alone)
    expect(edited.body.errors?.map((e) => [e.extensions?.code, e.message, e.extensions?.visitId])).toEqual([
      ["INVALID_INPUT", `This line bills a service of ${line.code}: its quantity, price and discount are the visit's (change them on the visit, or take the line off and type one by hand).`, line.visit_id],
    ]);
  }
  const reworded = await cashier.graphql(EDIT, { c: clinic.clinicId, id: line.id, patch: { description: "Consultation (follow-up)" } });
  expect(reworded.body).toEqual({ data: { updateInvoiceLine: { invoiceLine: { description: "Consultation (follow-up)", unitPrice: "5000.000", quantity: "1.000" } } } });
});

test("a visit billed ahead keeps its patient and doctor, and is not cancelled, until its invoice is void", async () => {
  const own = await createClinic("Billed ahead");
  const [desk, till, boss] = [new Browser(api), new Browser(api), new Browser(api)];
  await desk.login(own.members.receptionist.phone, own.members.receptionist.password);
  await till.login(own.members.cashier.phone, own.members.cashier.password);
  await boss.login(own.members.owner.phone, own.members.owner.password);
  const visit = await createVisit(own, "scheduled");
  const service = await createService(own.clinicId, "1000");
  await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [own.clinicId, visit.id, service.id]);
  const invoiced = await till.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { rowId code } } }`, { v: visit.id });
  const { rowId: invoiceId, code } = invoiced.body.data.createInvoiceFromVisit.result;
  await till.graphql(`mutation($i: UUID!) { issueInvoice(input: { invoiceId: $i }) { clientMutationId } }`, { i: invoiceId });
  expect((await till.graphql(PAY, { id: invoiceId, amount: "1000", method: "cash" })).body.errors).toBeUndefined();
  const other = await createPatient(own.clinicId);
  const UPDATE = `mutation($c: UUID!, $id: UUID!, $patch: VisitPatch!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: $patch }) { visit { status } } }`;
  const refusal = async (browser: Browser, patch: object) => {
    const r = await browser.graphql(UPDATE, { c: own.clinicId, id: visit.id, patch });
    return r.body.errors?.map((e) => [e.extensions?.code, e.message, e.extensions?.invoiceId]);
  };
  // the front desk may not see invoices: told what to ask for, not which
  expect(await refusal(desk, { patientId: other.id })).toEqual([["CONFLICT", "An invoice bills this visit: whoever handles billing voids it before changing its patient.", undefined]]);
  expect(await refusal(desk, { status: "cancelled", cancelReason: "wrong booking" })).toEqual([["CONFLICT", "An invoice bills this visit: whoever handles billing voids it before cancelling it.", undefined]]);
  const another = await addMember(own.clinicId, await createUser(), "doctor");
  expect(await refusal(boss, { doctorId: another.membershipId })).toEqual([["CONFLICT", `Invoice ${code} bills this visit and is paid: refund its payments and void it before changing its doctor.`, invoiceId]]);
  expect(await refusal(boss, { status: "no_show" })).toEqual([["CONFLICT", `Invoice ${code} bills this visit and is paid: refund its payments and void it before marking it a no-show.`, invoiceId]]);
  const { rows: unchanged } = await rootPool().query("select patient_id, status from app_public.visit where id = $1", [visit.id]);
  expect(unchanged).toEqual([{ patient_id: visit.patientId, status: "scheduled" }]);
  // refunded and void, the visit is the front desk's again
  const { rows: [payment] } = await rootPool().query("select id from app_public.payment where invoice_id = $1", [invoiceId]);
  const refunded = await till.graphql(`mutation($p: UUID!) { refundPayment(input: { paymentId: $p, amount: "1000", reason: "visit moved" }) { clientMutationId } }`, { p: payment.id });
  expect(refunded.body.errors).toBeUndefined();
  const voided = await till.graphql(`mutation($i: UUID!) { voidInvoice(input: { invoiceId: $i, reason: "visit moved" }) { clientMutationId } }`, { i: invoiceId });
  expect(voided.body.errors).toBeUndefined();
  expect(await refusal(desk, { patientId: other.id })).toBeUndefined();
  expect(await refusal(desk, { status: "cancelled", cancelReason: "wrong booking" })).toBeUndefined();

  // a receptionist the clinic lets invoice sees the invoice and voids it while it is a draft, told so; issued, told who voids it
  await rootPool().query("update app_public.clinic set receptionists_may_invoice = true where id = $1", [own.clinicId]);
  const ahead = await createVisit(own, "scheduled");
  const billed = await desk.graphql(`mutation($p: UUID!, $v: UUID) { createInvoice(input: { invoice: { patientId: $p, visitId: $v } }) { invoice { rowId code } } }`, {
    p: ahead.patientId,
    v: ahead.id,
  });
  const { rowId: aheadId, code: aheadCode } = billed.body.data.createInvoice.invoice;
  const cancelAhead = async () =>
    (await desk.graphql(UPDATE, { c: own.clinicId, id: ahead.id, patch: { status: "cancelled", cancelReason: "did not come" } })).body.errors?.map((e) => [
      e.extensions?.code, e.message, e.extensions?.invoiceId,
    ]);
  expect(await cancelAhead()).toEqual([["CONFLICT", `Invoice ${aheadCode} bills this visit: void it before cancelling it.`, aheadId]]);
  await desk.graphql(`mutation($i: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $i, description: "Visit", unitPrice: "1000" } }) { clientMutationId } }`, { i: aheadId });
  await till.graphql(`mutation($i: UUID!) { issueInvoice(input: { invoiceId: $i }) { clientMutationId } }`, { i: aheadId });
  expect(await cancelAhead()).toEqual([["CONFLICT", `Invoice ${aheadCode} bills this visit: an owner, admin or cashier voids it before cancelling it.`, aheadId]]);
  // one who may void it is told to, the invoice's id given (here an issued one)
  const cancelledByBoss = await boss.graphql(UPDATE, { c: own.clinicId, id: ahead.id, patch: { status: "cancelled", cancelReason: "did not come" } });
  expect(cancelledByBoss.body.errors?.map((e) => [e.extensions?.code, e.message, e.extensions?.invoiceId])).toEqual([
    ["CONFLICT", `Invoice ${aheadCode} bills this visit: void it before cancelling it.`, aheadId],
  ]);
});

// a receptionist's mistaken draft stayed live until someone handling money voided it, and nothing removed it (a frontend review)
test("a receptionist the clinic lets invoice discards a mistaken draft by voiding it, its number kept and the void audited; not an issued invoice", async () => {
  const own = await createClinic("Drafts discarded");
  const desk = new Browser(api);
  await desk.login(own.members.receptionist.phone, own.members.receptionist.password);
  const VOID = `mutation($i: UUID!) { voidInvoice(input: { invoiceId: $i, reason: "Wrong patient" }) { result { code status voidReason voidedByMember { role } } } }`;
  const draft = await createIssuedInvoice(own, "1000", { issue: false });
  const refused = await desk.graphql(VOID, { i: draft.id });
  expect(refused.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
    ["FORBIDDEN", "A receptionist voids drafts only in a clinic that lets receptionists invoice, and this one does not."],
  ]);
  await rootPool().query("update app_public.clinic set receptionists_may_invoice = true where id = $1", [own.clinicId]);
  const voided = await desk.graphql(VOID, { i: draft.id });
  expect(voided.body).toEqual({ data: { voidInvoice: { result: { code: draft.code, status: "void", voidReason: "Wrong patient", voidedByMember: { role: "receptionist" } } } } });
  expect((await desk.graphql(VOID, { i: draft.id })).body.errors).toBeUndefined(); // a double click: the void invoice
  const { rows: audited } = await rootPool().query(
    "select action, old_values ->> 'status' as was, new_values ->> 'status' as is, actor_user_id from app_public.audit_log where record_id = $1 and new_values ->> 'status' = 'void'",
    [draft.id],
  );
  expect(audited).toEqual([{ action: "update", was: "draft", is: "void", actor_user_id: own.members.receptionist.userId }]);
  // the visit it billed is billed again, by the next number: none missing
  const again = await desk.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { code } } }`, { v: draft.visitId });
  expect(again.body.data.createInvoiceFromVisit.result.code).toBe(`INV-${String(Number(draft.code.slice(4)) + 1).padStart(6, "0")}`);
  const issued = await createIssuedInvoice(own, "1000");
  const kept = await desk.graphql(VOID, { i: issued.id });
  expect(kept.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
    ["FORBIDDEN", "Only an owner, admin or cashier can void an invoice once it is issued; you may void a draft."],
  ]);
  expect((await rootPool().query("select status from app_public.invoice where id = $1", [issued.id])).rows).toEqual([{ status: "issued" }]);
});

// a review's find: her lock reaches drafts only, so an invoice void already fell to the check for an issued one
test("a void with another reason is INVALID_TRANSITION to a receptionist too, her own click again or a cashier's void just before hers; an issue just before hers leaves her FORBIDDEN", async () => {
  const own = await createClinic("Drafts voided twice");
  await rootPool().query("update app_public.clinic set receptionists_may_invoice = true where id = $1", [own.clinicId]);
  const desk = new Browser(api);
  await desk.login(own.members.receptionist.phone, own.members.receptionist.password);
  const VOID = `mutation($i: UUID!, $r: String!) { voidInvoice(input: { invoiceId: $i, reason: $r }) { result { status voidReason } } }`;
  const mine = await createIssuedInvoice(own, "1000", { issue: false });
  expect((await desk.graphql(VOID, { i: mine.id, r: "Wrong patient" })).body.errors).toBeUndefined();
  const again = await desk.graphql(VOID, { i: mine.id, r: "Wrong patient, booked twice" });
  expect(again.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([["INVALID_TRANSITION", "A void invoice cannot change."]]);
  // the cashier's void, or issue, held while hers is sent: hers waits for it, then reads the invoice as it is
  for (const [first, refused, status] of [
    ["select app_public.void_invoice($1, 'Duplicate')", { code: "INVALID_TRANSITION", message: "A void invoice cannot change." }, "void"],
    ["select app_public.issue_invoice($1)", { code: "FORBIDDEN", message: "Only an owner, admin or cashier can void an invoice once it is issued; you may void a draft." }, "issued"],
  ] as const) {
    const draft = await createIssuedInvoice(own, "1000", { issue: false });
    await atOnce(own.members.cashier, own.members.receptionist, async (till, frontDesk) => {
      await till.query(first, [draft.id]);
      const voiding = frontDesk.query("select app_public.void_invoice($1, 'Wrong patient')", [draft.id]).then(() => null, (e: unknown) => e);
      expect(await waitsForLock(frontDesk, voiding)).toBe(true);
      await till.query("commit");
      expect(describeError(await voiding)).toMatchObject(refused);
    });
    expect((await rootPool().query("select status, void_reason from app_public.invoice where id = $1", [draft.id])).rows).toEqual([
      { status, void_reason: status === "void" ? "Duplicate" : null },
    ]);
  }
});

// a service added after the visit's invoice was made was on no invoice, the visits-to-bill list did not show it, and only a
// line typed by hand, not tied to the visit's service, could bill it
test("a service added after the visit's invoice was made is listed as unbilled, and billUnbilledServices adds it to the draft, once", async () => {
  const own = await createClinic("Services to bill");
  const till = new Browser(api);
  await till.login(own.members.cashier.phone, own.members.cashier.password);
  const visit = await createVisit(own, "in_progress");
  const consultation = await createService(own.clinicId, "20000");
  const bloodCount = await createService(own.clinicId, "12000", "Blood count");
  const createdLater = await createService(own.clinicId, "5000");
  const addService = (serviceId: string) =>
    rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id", [own.clinicId, visit.id, serviceId]);
  await addService(consultation.id);
  const draft = (await till.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { rowId code } } }`, { v: visit.id })).body.data.createInvoiceFromVisit.result;
  const late = (await addService(bloodCount.id)).rows[0].id;
  const FILTERED = `{ visitServices(filter: { visit: { status: { in: [in_progress, completed] } }, invoiceLines: { none: { invoice: { status: { notEqualTo: void } } } } }) { nodes { rowId } } }`;
  // the list as unbilledVisitServices reads it (000457), the filter's rows
  const toBill = async () => {
    const [filtered, unbilled] = [await till.graphql(FILTERED), await till.graphql(`{ unbilledVisitServices { nodes { rowId } } }`)];
    expect(unbilled.body.data.unbilledVisitServices.nodes).toEqual(filtered.body.data.visitServices.nodes);
    return unbilled.body.data.unbilledVisitServices.nodes;
  };
  expect(await toBill()).toEqual([{ rowId: late }]);
  const BILL = `mutation($i: UUID!) { billUnbilledServices(input: { invoiceId: $i }) { result { total lines { nodes { visitServiceId unitPrice } } } } }`;
  const billed = await till.graphql(BILL, { i: draft.rowId });
  expect(billed.body.data.billUnbilledServices.result).toEqual({
    total: "32000.000",
    lines: { nodes: [expect.objectContaining({ unitPrice: "20000.000" }), { visitServiceId: late, unitPrice: "12000.000" }] },
  });
  expect(await toBill()).toEqual([]);
  // a second click adds nothing, and says so
  expect((await till.graphql(BILL, { i: draft.rowId })).body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: `Every service of ${visit.code} is billed already.` });
  // a line typed for a service the visit's line bills is refused: the blood count was billed twice
  const typed = await till.graphql(`mutation($i: UUID!, $s: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $i, serviceId: $s } }) { invoiceLine { rowId } } }`, { i: draft.rowId, s: bloodCount.id });
  expect(typed.body.errors?.[0]).toMatchObject({
    extensions: { code: "CONFLICT" },
    message: `Invoice ${draft.code} bills Blood count from its visit already: a second one is added to the visit (by its doctor, an owner or an admin) and billed with billUnbilledServices, or, the visit completed, typed as a line with its own description and price.`,
  });
  await till.graphql(`mutation($i: UUID!) { issueInvoice(input: { invoiceId: $i }) { result { total } } }`, { i: draft.rowId });
  expect((await rootPool().query("select total::text from app_public.invoice where id = $1", [draft.rowId])).rows[0].total).toBe("32000.000");
  await addService(createdLater.id);
  expect((await till.graphql(BILL, { i: draft.rowId })).body.errors?.[0]).toMatchObject({
    extensions: { code: "INVALID_TRANSITION" },
    message: `Invoice ${draft.code} is issued: its lines never change. To bill the visit again, it is voided, by an owner, admin or cashier.`,
  });
  // voided, every service is to bill again; and a void invoice's lines are not billed per service
  await till.graphql(`mutation($i: UUID!) { voidInvoice(input: { invoiceId: $i, reason: "Billed again with the X-ray" }) { clientMutationId } }`, { i: draft.rowId });
  expect((await till.graphql(BILL, { i: draft.rowId })).body.errors?.[0]).toMatchObject({
    extensions: { code: "INVALID_TRANSITION" },
    message: `Invoice ${draft.code} is void: make a new one from the visit (createInvoiceFromVisit).`,
  });
  expect(await toBill()).toHaveLength(3);
  const perService = await till.graphql(`{ invoiceLines(filter: { invoice: { status: { notEqualTo: void } } }) { groupedAggregates(groupBy: [SERVICE_ID]) { keys } } }`);
  expect(perService.body.data.invoiceLines.groupedAggregates).toEqual([]);
});

// a doctor, who may not read invoices nor their lines, learnt that a service was billed only from the CONFLICT of changing it
test("a doctor sees which services of their visit a live invoice bills, and nothing of the invoice", async () => {
  const own = await createClinic("Billed services seen");
  const [till, doctor] = [new Browser(api), new Browser(api)];
  await till.login(own.members.cashier.phone, own.members.cashier.password);
  await doctor.login(own.members.doctor.phone, own.members.doctor.password);
  const visit = await createVisit(own, "in_progress");
  const ADD = `mutation($v: UUID!, $s: UUID!) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s } }) { visitService { rowId billed } } }`;
  const add = async (price: string) => (await doctor.graphql(ADD, { v: visit.id, s: (await createService(own.clinicId, price)).id })).body.data.createVisitService.visitService;
  const consultation = await add("20000");
  expect(consultation.billed).toBe(false);
  const SEEN = `query($c: UUID!, $v: UUID!) { visit(clinicId: $c, rowId: $v) { services { nodes { rowId billed } } } }`;
  const seen = async (browser: Browser) => (await browser.graphql(SEEN, { c: own.clinicId, v: visit.id })).body.data.visit.services.nodes;
  const invoice = (await till.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { rowId } } }`, { v: visit.id })).body.data.createInvoiceFromVisit.result;
  const bloodCount = await add("12000"); // after the invoice was made: on no invoice
  expect(await seen(doctor)).toEqual([{ rowId: consultation.rowId, billed: true }, { rowId: bloodCount.rowId, billed: false }]);
  expect(await seen(till)).toEqual(await seen(doctor));
  // what they may not read stays unread
  const lines = await doctor.graphql(`query($c: UUID!, $v: UUID!) { visit(clinicId: $c, rowId: $v) { invoices { totalCount } services { nodes { invoiceLines { totalCount } } } } }`, { c: own.clinicId, v: visit.id });
  expect(lines.body.data.visit).toEqual({ invoices: { totalCount: 0 }, services: { nodes: [{ invoiceLines: { totalCount: 0 } }, { invoiceLines: { totalCount: 0 } }] } });
  await till.graphql(`mutation($i: UUID!) { billUnbilledServices(input: { invoiceId: $i }) { clientMutationId } }`, { i: invoice.rowId });
  await till.graphql(`mutation($i: UUID!) { issueInvoice(input: { invoiceId: $i }) { clientMutationId } }`, { i: invoice.rowId });
  expect(await seen(doctor)).toEqual([{ rowId: consultation.rowId, billed: true }, { rowId: bloodCount.rowId, billed: true }]);
  await till.graphql(`mutation($i: UUID!) { voidInvoice(input: { invoiceId: $i, reason: "Billed again" }) { clientMutationId } }`, { i: invoice.rowId });
  expect(await seen(doctor)).toEqual([{ rowId: consultation.rowId, billed: false }, { rowId: bloodCount.rowId, billed: false }]);
  // and a line taken off a draft bills the service no more
  const again = (await till.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { lines { nodes { rowId visitServiceId } } } } }`, { v: visit.id })).body.data.createInvoiceFromVisit.result;
  const lineOf = again.lines.nodes.find((line: { visitServiceId: string }) => line.visitServiceId === bloodCount.rowId);
  expect((await till.graphql(`mutation($c: UUID!, $id: UUID!) { deleteInvoiceLine(input: { clinicId: $c, rowId: $id }) { clientMutationId } }`, { c: own.clinicId, id: lineOf.rowId })).body.errors).toBeUndefined();
  expect(await seen(doctor)).toEqual([{ rowId: consultation.rowId, billed: true }, { rowId: bloodCount.rowId, billed: false }]);
  // and so is the list of the services left to bill (000457), to the doctor as to the till; the filter of every service,
  // which reads the lines, lists to a doctor, who may not read them, every service of their visits
  for (const browser of [doctor, till]) {
    expect((await browser.graphql(`{ unbilledVisitServices { nodes { rowId } } }`)).body.data.unbilledVisitServices.nodes).toEqual([{ rowId: bloodCount.rowId }]);
  }
  const filtered = await doctor.graphql(`{ visitServices(filter: { visit: { status: { in: [in_progress, completed] } }, invoiceLines: { none: { invoice: { status: { notEqualTo: void } } } } }) { nodes { rowId } } }`);
  expect(filtered.body.data.visitServices.nodes).toHaveLength(2);
});

// the front desk bills ahead by hand (billing.md), then the doctor records the service on the visit: billed twice
test("billUnbilledServices refuses a service the draft already bills by a line typed by hand, naming it, and adds nothing", async () => {
  const own = await createClinic("Billed ahead by hand");
  const till = new Browser(api);
  await till.login(own.members.cashier.phone, own.members.cashier.password);
  const visit = await createVisit(own, "in_progress");
  const consultation = await createService(own.clinicId, "20000", "Consultation ahead");
  const made = await till.graphql(`mutation($p: UUID!, $v: UUID!) { createInvoice(input: { invoice: { patientId: $p, visitId: $v } }) { invoice { rowId code } } }`, { p: visit.patientId, v: visit.id });
  const draft = made.body.data.createInvoice.invoice;
  // a visit with no services yet has nothing to bill (it said "Every service … is billed already.")
  expect((await till.graphql(`mutation($i: UUID!) { billUnbilledServices(input: { invoiceId: $i }) { result { total } } }`, { i: draft.rowId })).body.errors?.[0]).toMatchObject({
    extensions: { code: "INVALID_INPUT" },
    message: `${visit.code} has no services to invoice.`,
  });
  const typed = await till.graphql(`mutation($i: UUID!, $s: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $i, serviceId: $s } }) { invoiceLine { rowId } } }`, { i: draft.rowId, s: consultation.id });
  await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [own.clinicId, visit.id, consultation.id]);
  const BILL = `mutation($i: UUID!) { billUnbilledServices(input: { invoiceId: $i }) { result { total } } }`;
  expect((await till.graphql(BILL, { i: draft.rowId })).body.errors?.[0]).toMatchObject({
    extensions: { code: "CONFLICT" },
    message: `Invoice ${draft.code} has a line typed by hand for Consultation ahead, which the visit's service would bill again: take that line off first.`,
  });
  const lines = async () => (await rootPool().query("select count(*)::int as n, sum(line_total)::text as total from app_public.invoice_line where invoice_id = $1", [draft.rowId])).rows[0];
  expect(await lines()).toEqual({ n: 1, total: "20000.000" });
  await till.graphql(`mutation($c: UUID!, $id: UUID!) { deleteInvoiceLine(input: { clinicId: $c, rowId: $id }) { invoiceLine { rowId } } }`, { c: own.clinicId, id: typed.body.data.createInvoiceLine.invoiceLine.rowId });
  expect((await till.graphql(BILL, { i: draft.rowId })).body.data.billUnbilledServices.result).toEqual({ total: "20000.000" });
  expect(await lines()).toEqual({ n: 1, total: "20000.000" });
});

test("an invoice made by hand may bill a visit, which is then billed once, its patient's, in the clinic, and neither cancelled nor a no-show", async () => {
  const own = await createClinic("Billed by hand");
  const elsewhere = await createClinic("Billed by hand elsewhere");
  const till = new Browser(api);
  await till.login(own.members.cashier.phone, own.members.cashier.password);
  const visit = await createVisit(own, "scheduled");
  const CREATE = `mutation($p: UUID!, $v: UUID) { createInvoice(input: { invoice: { patientId: $p, visitId: $v } }) { invoice { code doctorId visit { code } } } }`;
  const refusal = async (patientId: string, visitId: string) =>
    (await till.graphql(CREATE, { p: patientId, v: visitId })).body.errors?.map((e) => [e.extensions?.code, e.message]);
  const made = await till.graphql(CREATE, { p: visit.patientId, v: visit.id });
  expect(made.body.data.createInvoice.invoice).toEqual({ code: expect.any(String), doctorId: own.members.doctor.membershipId, visit: { code: visit.code } });
  // before, such an invoice named no visit, and the visit was billed again once it had its services
  expect(await refusal(visit.patientId, visit.id)).toEqual([["CONFLICT", `This visit already has an invoice, ${made.body.data.createInvoice.invoice.code} (draft): bill the visit's services added since on it (billUnbilledServices), or add lines to it.`]]);
  const service = await createService(own.clinicId, "1000");
  await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [own.clinicId, visit.id, service.id]);
  const fromVisit = await till.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { code } } }`, { v: visit.id });
  expect(fromVisit.body.errors?.map((e) => e.extensions?.code)).toEqual(["CONFLICT"]);

  const second = await createVisit(own, "scheduled");
  const someoneElse = await createPatient(own.clinicId);
  expect(await refusal(someoneElse.id, second.id)).toEqual([["INVALID_INPUT", "This visit is another patient's: bill the patient of the visit."]]);
  // a patient not of the clinic is not found, as without the visit (it was blamed on the visit)
  const theirs = await createVisit(elsewhere, "scheduled");
  for (const patientId of [theirs.patientId, randomUUID()]) {
    expect(await refusal(patientId, second.id)).toEqual([["NOT_FOUND", "No such patient in your clinic."]]);
  }
  expect(await refusal(theirs.patientId, theirs.id)).toEqual([["NOT_FOUND", "No such visit in this clinic."]]);
  const cancelled = await createVisit(own, "cancelled");
  expect(await refusal(cancelled.patientId, cancelled.id)).toEqual([["INVALID_INPUT", "A cancelled visit is not invoiced."]]);
  const { rows } = await rootPool().query("select count(*)::int as invoices from app_public.invoice where clinic_id = $1", [own.clinicId]);
  expect(rows).toEqual([{ invoices: 1 }]);
});

describe("a clinic's writes take turns from their start", () => {
  const CORRECT = `mutation($c: UUID!, $id: UUID!, $ref: String!) { updatePayment(input: { clinicId: $c, rowId: $id, patch: { reference: $ref } }) { payment { reference } } }`;
  const payAndCorrect = async (own: TestClinic, desk: Browser) => {
    const invoice = await createIssuedInvoice(own, "100000");
    const first = await desk.graphql(PAY, { id: invoice.id, amount: "1000", method: "cash" });
    return { invoice, paymentId: first.body.data.recordPayment.result.rowId as string };
  };

  test("a write waits for the clinic's turn before it locks any row", async () => {
    const own = await createClinic("Turns to write");
    const desk = new Browser(api);
    await desk.login(own.members.cashier.phone, own.members.cashier.password);
    const { paymentId } = await payAndCorrect(own, desk);
    // the clinic's turn, held
    await whileHolding("select pg_advisory_xact_lock(hashtextextended('write_turn:' || $1, 0))", [own.clinicId], async (turn) => {
      const correcting = desk.graphql(CORRECT, { c: own.clinicId, id: paymentId, ref: "receipt 2" });
      expect(await turn.blocking()).toBe(true);
      // before, the correction had locked the payment (and waited for the chain with it held)
      const free = await rootPool().query("select id from app_public.payment where id = $1 for update nowait", [paymentId]);
      expect(free.rows).toEqual([{ id: paymentId }]);
      await turn.release();
      expect((await correcting).body).toEqual({ data: { updatePayment: { payment: { reference: "receipt 2" } } } });
    });
  });

  test("a write waiting for its turn or for a row holds no lock of the audit chain, which a login or the worker's jobs take last", async () => {
    const own = await createClinic("Turn and chain");
    const desk = new Browser(api);
    await desk.login(own.members.cashier.phone, own.members.cashier.password);
    // as a login on another device does while it checks the password, before it writes its entry in the chain
    await whileHolding(`select from app_public."user" where id = $1 for share`, [own.members.cashier.userId], async (login) => {
      const renaming = desk.graphql(`mutation($id: UUID!) { updateUser(input: { rowId: $id, patch: { fullName: "Renamed Cashier" } }) { user { fullName } } }`, {
        id: own.members.cashier.userId,
      });
      expect(await login.blocking()).toBe(true);
      // the chain is free for the login's entry: a first version of the turn was the chain head's lock, and they deadlocked
      const chain = await login.client.query("select chain_id from app_private.audit_chain_head where chain_id = $1 for update nowait", [own.clinicId]);
      expect(chain.rowCount).toBe(1);
      await login.release();
      expect((await renaming).body).toEqual({ data: { updateUser: { user: { fullName: "Renamed Cashier" } } } });
    });
  });

  test("two cashiers, one correcting a payment while the other takes another of the same invoice, are both served (no deadlock)", async () => {
    const own = await createClinic("Two cashiers at once");
    const [one, two] = [new Browser(api), new Browser(api)];
    await one.login(own.members.cashier.phone, own.members.cashier.password);
    await two.login(own.members.owner.phone, own.members.owner.password);
    const { invoice, paymentId } = await payAndCorrect(own, one);
    for (let round = 0; round < 20; round++) {
      const [paid, corrected] = await Promise.all([
        two.graphql(PAY, { id: invoice.id, amount: "1000", method: "card", key: `round ${round}` }),
        one.graphql(CORRECT, { c: own.clinicId, id: paymentId, ref: `receipt ${round}` }),
      ]);
      // before, one of them was told RETRY in 10 to 30% of rounds
      expect({ round, errors: [paid.body.errors, corrected.body.errors] }).toEqual({ round, errors: [undefined, undefined] });
    }
  });
});

test("a payment on a paid invoice is told it is paid, amounts above the balance are printed as money, and an invoice PDF needs its invoice", async () => {
  const invoice = await createIssuedInvoice(clinic, "1000");
  const over = await cashier.graphql(PAY, { id: invoice.id, amount: "50000", method: "cash" });
  expect(over.body.errors?.[0]).toMatchObject({
    extensions: { code: "OVERPAYMENT", balance: "1000.000" },
    message: "This payment of 50000.00 is more than the balance of 1000.00.",
  });
  expect((await cashier.graphql(PAY, { id: invoice.id, amount: "1000", method: "cash" })).body.errors).toBeUndefined();
  const again = await cashier.graphql(PAY, { id: invoice.id, amount: "1", method: "cash" });
  expect(again.body.errors?.[0]).toMatchObject({
    extensions: { code: "OVERPAYMENT", balance: "0.000" },
    message: "This invoice is paid in full: nothing is left to pay.",
  });
  const pdf = await cashier.graphql(`mutation { requestExport(input: { kind: invoice_pdf }) { result { rowId } } }`);
  expect(pdf.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "Give the invoice (invoiceId) to print." });
});

test("a visit's service billed on a void invoice can be taken off the visit by its doctor or an owner; while a live invoice bills it, the refusal says what to do, naming the invoice to those who see invoices", async () => {
  const visit = await createVisit(clinic, "in_progress");
  const [first, second, kept] = await Promise.all([createService(clinic.clinicId, "1000"), createService(clinic.clinicId, "400"), createService(clinic.clinicId, "250")]);
  const given: Record<string, string> = {};
  for (const service of [first, second]) {
    given[service.id] = (
      await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id", [clinic.clinicId, visit.id, service.id])
    ).rows[0].id;
  }
  const invoiced = await cashier.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { rowId code total } } }`, { v: visit.id });
  const invoice = invoiced.body.data.createInvoiceFromVisit.result as { rowId: string; code: string; total: string };
  await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [clinic.clinicId, visit.id, kept.id]);
  const [doctor, owner] = [new Browser(api), new Browser(api)];
  await doctor.login(clinic.members.doctor.phone, clinic.members.doctor.password);
  await owner.login(clinic.members.owner.phone, clinic.members.owner.password);
  const takeOff = (browser: Browser, serviceId: string) =>
    browser.graphql(`mutation($c: UUID!, $id: UUID!) { deleteVisitService(input: { clinicId: $c, rowId: $id }) { visitService { rowId } } }`, {
      c: clinic.clinicId,
      id: given[serviceId],
    });
  const refusal = async (browser: Browser) => (await takeOff(browser, first.id)).body.errors?.[0];

  // the doctor, who may not read invoices, is not told which one nor whether it is paid
  expect(await refusal(doctor)).toEqual({
    extensions: { code: "CONFLICT" },
    message: "An invoice bills this service: whoever handles billing takes it off that invoice, or voids it, first.",
    path: ["deleteVisitService"],
    locations: expect.any(Array),
  });
  // the owner is given its id, to open it
  expect(await refusal(owner)).toMatchObject({
    extensions: { code: "CONFLICT", invoiceId: invoice.rowId },
    message: `This service is billed on draft invoice ${invoice.code}: take its line off that invoice first.`,
  });
  expect((await cashier.graphql(`mutation($id: UUID!) { issueInvoice(input: { invoiceId: $id }) { result { status } } }`, { id: invoice.rowId })).body.errors).toBeUndefined();
  expect(await refusal(owner)).toMatchObject({
    extensions: { code: "CONFLICT", invoiceId: invoice.rowId },
    message: `This service is billed on invoice ${invoice.code}, which is issued: void that invoice first.`,
  });
  const paid = await cashier.graphql(PAY, { id: invoice.rowId, amount: "100", method: "cash" });
  expect(await refusal(owner)).toMatchObject({
    extensions: { code: "CONFLICT", invoiceId: invoice.rowId },
    message: `This service is billed on invoice ${invoice.code}, which is partially paid: refund its payments and void it first.`,
  });
  const refunded = await cashier.graphql(`mutation($id: UUID!) { refundPayment(input: { paymentId: $id, amount: "100", reason: "Billed too early" }) { result { amount } } }`, {
    id: paid.body.data.recordPayment.result.rowId,
  });
  expect(refunded.body.errors).toBeUndefined();
  const lines = "select service_id, description, quantity, unit_price, discount, tax_rate, visit_service_id from app_public.invoice_line where invoice_id = $1 order by position";
  const before = (await rootPool().query(lines, [invoice.rowId])).rows;
  expect(before.map((line) => line.visit_service_id)).toEqual([given[first.id], given[second.id]]);

  const voided = await cashier.graphql(`mutation($id: UUID!) { voidInvoice(input: { invoiceId: $id, reason: "Billed too early" }) { result { status } } }`, { id: invoice.rowId });
  expect(voided.body.errors).toBeUndefined();
  const added = await cashier.graphql(
    `mutation($id: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $id, description: "Dressing", quantity: "1", unitPrice: "10" } }) { clientMutationId } }`,
    { id: invoice.rowId },
  );
  expect(added.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_TRANSITION" }, message: "The lines of a void invoice never change: make a new invoice instead." });
  // the way past the guard is for the link alone: with anything else of the line, even as the database's owner, it is refused
  await expect(
    rootPool().query("update app_public.invoice_line set visit_service_id = null, description = 'Tampered' where invoice_id = $1 and service_id = $2", [invoice.rowId, first.id]),
  ).rejects.toMatchObject({ code: "CTRAN", message: "The lines of a void invoice never change: make a new invoice instead." });
  expect((await takeOff(doctor, first.id)).body).toEqual({ data: { deleteVisitService: { visitService: { rowId: given[first.id] } } } });
  expect((await takeOff(owner, second.id)).body).toEqual({ data: { deleteVisitService: { visitService: { rowId: given[second.id] } } } });
  // the void invoice's lines keep what they billed, without the link, its totals as they were, and the audit log says so
  expect((await rootPool().query(lines, [invoice.rowId])).rows).toEqual(before.map((line) => ({ ...line, visit_service_id: null })));
  expect((await rootPool().query("select total::text from app_public.invoice where id = $1", [invoice.rowId])).rows[0].total).toBe(invoice.total);
  const audit = await rootPool().query(
    "select old_values->>'visit_service_id' as was from app_public.audit_log where table_name = 'invoice_line' and action = 'update' and new_values->>'invoice_id' = $1 order by seq",
    [invoice.rowId],
  );
  expect(audit.rows).toEqual([{ was: given[first.id] }, { was: given[second.id] }]);
  // and the visit's next invoice bills what is left on it
  const again = await cashier.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { lines { nodes { serviceId } } } } }`, { v: visit.id });
  expect(again.body.data.createInvoiceFromVisit.result.lines.nodes).toEqual([{ serviceId: kept.id }]);
});

test("a visit's service billed on a live invoice keeps what it bills: its quantity or discount changed is refused as its removal is; once the invoice is void, it changes and the void line keeps what it billed", async () => {
  const visit = await createVisit(clinic, "in_progress");
  const [billed, later] = await Promise.all([createService(clinic.clinicId, "1000"), createService(clinic.clinicId, "250")]);
  const given = (
    await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id", [clinic.clinicId, visit.id, billed.id])
  ).rows[0].id as string;
  const [doctor, owner] = [new Browser(api), new Browser(api)];
  await doctor.login(clinic.members.doctor.phone, clinic.members.doctor.password);
  await owner.login(clinic.members.owner.phone, clinic.members.owner.password);
  const change = (browser: Browser, id: string, patch: Record<string, unknown>) =>
    browser.graphql(`mutation($c: UUID!, $id: UUID!, $patch: VisitServicePatch!) { updateVisitService(input: { clinicId: $c, rowId: $id, patch: $patch }) { visitService { quantity discount } } }`, {
      c: clinic.clinicId,
      id,
      patch,
    });
  // changed before it is billed, it is billed as changed
  expect((await change(doctor, given, { quantity: 2 })).body.errors).toBeUndefined();
  const invoiced = await cashier.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { rowId code total } } }`, { v: visit.id });
  const invoice = invoiced.body.data.createInvoiceFromVisit.result as { rowId: string; code: string; total: string };
  const unbilled = (
    await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id", [clinic.clinicId, visit.id, later.id])
  ).rows[0].id as string;

  expect((await change(owner, given, { quantity: 3 })).body.errors?.[0]).toMatchObject({
    extensions: { code: "CONFLICT", invoiceId: invoice.rowId },
    message: `This service is billed on draft invoice ${invoice.code}: take its line off that invoice first.`,
  });
  expect((await cashier.graphql(`mutation($id: UUID!) { issueInvoice(input: { invoiceId: $id }) { result { status } } }`, { id: invoice.rowId })).body.errors).toBeUndefined();
  for (const patch of [{ quantity: 3 }, { discount: "100" }]) {
    expect((await change(doctor, given, patch)).body.errors?.[0]).toMatchObject({
      extensions: { code: "CONFLICT" },
      message: "An invoice bills this service: whoever handles billing takes it off that invoice, or voids it, first.",
    });
  }
  expect((await change(owner, given, { discount: "100" })).body.errors?.[0]).toMatchObject({
    extensions: { code: "CONFLICT", invoiceId: invoice.rowId },
    message: `This service is billed on invoice ${invoice.code}, which is issued: void that invoice first.`,
  });
  // a service the invoice does not bill changes as before
  expect((await change(doctor, unbilled, { quantity: 4 })).body.data.updateVisitService.visitService).toEqual({ quantity: 4, discount: "0.000" });
  const lines = "select quantity::text, unit_price::text, discount::text, visit_service_id from app_public.invoice_line where invoice_id = $1";
  expect((await rootPool().query(lines, [invoice.rowId])).rows).toEqual([{ quantity: "2.000", unit_price: "1000.000", discount: "0.000", visit_service_id: given }]);
  expect((await rootPool().query("select quantity from app_public.visit_service where id = $1", [given])).rows[0].quantity).toBe(2);

  const voided = await cashier.graphql(`mutation($id: UUID!) { voidInvoice(input: { invoiceId: $id, reason: "Billed too early" }) { result { status } } }`, { id: invoice.rowId });
  expect(voided.body.errors).toBeUndefined();
  expect((await change(doctor, given, { quantity: 3 })).body.data.updateVisitService.visitService).toEqual({ quantity: 3, discount: "0.000" });
  expect((await rootPool().query(lines, [invoice.rowId])).rows).toEqual([{ quantity: "2.000", unit_price: "1000.000", discount: "0.000", visit_service_id: given }]);
  expect((await rootPool().query("select total::text from app_public.invoice where id = $1", [invoice.rowId])).rows[0].total).toBe(invoice.total);
  // the next invoice bills the service as it is now
  const again = await cashier.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { lines { nodes { serviceId quantity } } } } }`, { v: visit.id });
  expect(again.body.data.createInvoiceFromVisit.result.lines.nodes).toEqual([
    { serviceId: billed.id, quantity: "3.000" },
    { serviceId: later.id, quantity: "4.000" },
  ]);
});

test("a visit lists its invoices and invoices are found by their visit: a cashier's completed visits not yet billed", async () => {
  const [billed, unbilled] = [await createIssuedInvoice(clinic, "300", { issue: false }), await createVisit(clinic, "in_progress")];
  for (const visitId of [billed.visitId, unbilled.id]) await rootPool().query("update app_public.visit set status = 'completed' where id = $1", [visitId]);
  const voided = await cashier.graphql(`mutation($id: UUID!) { voidInvoice(input: { invoiceId: $id, reason: "Wrong patient" }) { result { status } } }`, { id: billed.id });
  expect(voided.body.errors).toBeUndefined();
  const again = await cashier.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { code } } }`, { v: billed.visitId });
  const queue = await cashier.graphql(
    `query($ids: [UUID!]) { visits(filter: { rowId: { in: $ids }, status: { equalTo: completed } }, orderBy: CODE_ASC) {
       nodes { code invoices(filter: { status: { notEqualTo: void } }) { nodes { code } } } } }`,
    { ids: [billed.visitId, unbilled.id] },
  );
  const codes = (await rootPool().query("select id, code from app_public.visit where id = any($1) order by code", [[billed.visitId, unbilled.id]])).rows;
  expect(queue.body.data.visits.nodes).toEqual(
    codes.map((visit) => ({ code: visit.code, invoices: { nodes: visit.id === billed.visitId ? [{ code: again.body.data.createInvoiceFromVisit.result.code }] : [] } })),
  );
  // the same queue filtered by the server: completed visits without a live invoice
  const notBilled = await cashier.graphql(
    `query($ids: [UUID!]) { visits(filter: { rowId: { in: $ids }, status: { equalTo: completed }, invoices: { none: { status: { notEqualTo: void } } } }) { nodes { rowId } } }`,
    { ids: [billed.visitId, unbilled.id] },
  );
  expect(notBilled.body.data.visits.nodes).toEqual([{ rowId: unbilled.id }]);
  const byVisit = await cashier.graphql(`query($v: UUID!) { invoices(condition: { visitId: $v }, orderBy: CODE_ASC) { nodes { code status } } }`, { v: billed.visitId });
  expect(byVisit.body.data.invoices.nodes).toEqual([
    { code: billed.code, status: "void" },
    { code: again.body.data.createInvoiceFromVisit.result.code, status: "draft" },
  ]);
});

// a close form's notes field left blank is sent as "" (or a line break): it wiped the notes the day had, the first
// count's ("short 500: the patient brings it Monday") when a reopened day was counted again, as no note at all would not
test("a close whose notes field is left blank keeps the day's notes, as a close without notes does, and is answered again on a double click", async () => {
  const own = await createClinic("Blank notes clinic", { since: LONG_AGO });
  const [counter, owner] = [new Browser(api), new Browser(api)];
  await counter.login(own.members.cashier.phone, own.members.cashier.password);
  await owner.login(own.members.owner.phone, own.members.owner.password);
  const CLOSE = `mutation($notes: String) { closeDay(input: { businessDate: "2026-06-03", countedCash: "600", notes: $notes }) { result { status countedCash notes } } }`;
  const first = await counter.graphql(CLOSE.replace('"600"', '"100"'), { notes: "Short 500: the patient brings it Monday" });
  expect(first.body.data.closeDay.result).toEqual({ status: "closed", countedCash: "100.000", notes: "Short 500: the patient brings it Monday" });
  const reopened = await owner.graphql(`mutation { reopenDay(input: { businessDate: "2026-06-03", reason: "Recount" }) { result { status } } }`);
  expect(reopened.body.data.reopenDay.result).toEqual({ status: "open" });
  for (const blank of ["", " \n\t"]) {
    const again = await counter.graphql(CLOSE, { notes: blank });
    expect({ blank, answer: again.body }).toEqual({
      blank,
      answer: { data: { closeDay: { result: { status: "closed", countedCash: "600.000", notes: "Short 500: the patient brings it Monday" } } } },
    });
  }
});

test("closeDay without a day is told to give one, and a count given as null is none counted, as one left out", async () => {
  const own = await createClinic("Close day input clinic", { since: LONG_AGO });
  const counter = new Browser(api);
  await counter.login(own.members.cashier.phone, own.members.cashier.password);
  // the schema requires it (a function's arguments without a default are required); in SQL, the function says so itself
  const noDay = await counter.graphql(`mutation { closeDay(input: { businessDate: null }) { result { status } } }`);
  expect(noDay.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_QUERY" }, message: 'Expected value of type "Date!", found null.' });
  await expect(committedAs(await cashierSession(own), (c) => c.query("select app_public.close_day(null)")))
    .rejects.toMatchObject({ code: "CINVL", message: "Give the business day to close (businessDate)." });
  const closed = await counter.graphql(
    `mutation { closeDay(input: { businessDate: "2026-06-02", countedCash: null, countedCard: "5" }) { result { status countedCash countedCard countedInsurance } } }`,
  );
  expect(closed.body.data.closeDay.result).toEqual({ status: "closed", countedCash: "0.000", countedCard: "5.000", countedInsurance: "0.000" });
});

// a price, discount or unit price of 10^13, a line's quantity of 10^9 or a day's count of 10^17 (a digit too many typed) is
// past what its column holds, numeric(16,3), (12,3) or (20,3): PostgreSQL refuses it before any trigger can, and the API
// answered its "numeric field overflow" as "A number is out of range.", naming neither the value nor what it may be
test("a number past what its column holds is told what the value is at most, and writes nothing", async () => {
  const own = await createClinic("Numbers too large clinic", { since: LONG_AGO });
  const [owner, doctor, till] = [new Browser(api), new Browser(api), new Browser(api)];
  await owner.login(own.members.owner.phone, own.members.owner.password);
  await doctor.login(own.members.doctor.phone, own.members.doctor.password);
  await till.login(own.members.cashier.phone, own.members.cashier.password);
  const service = await createService(own.clinicId, "1000");
  const visit = await createVisit(own, "in_progress");
  const draft = await createIssuedInvoice(own, "1000", { issue: false });
  const amount = "An amount (a price, unit price or discount) is at most 9999999999999.999: check the digits typed.";
  const quantity = "A quantity is at least 0.001 (3 decimals are kept) and at most 100000.";
  const count = "A counted amount is at most 99999999999999999.999: check the digits typed.";
  const tooLarge = "10000000000000";
  const answers = [
    [await owner.graphql(`mutation($p: BigFloat!) { createService(input: { service: { name: "Scan", price: $p } }) { service { rowId } } }`, { p: tooLarge }), amount],
    [await owner.graphql(`mutation($p: BigFloat!) { updateService(input: { clinicId: "${own.clinicId}", rowId: "${service.id}", patch: { price: $p } }) { service { rowId } } }`, { p: "1e13" }), amount],
    [await doctor.graphql(`mutation($d: BigFloat!) { createVisitService(input: { visitService: { visitId: "${visit.id}", serviceId: "${service.id}", discount: $d } }) { visitService { rowId } } }`, { d: tooLarge }), amount],
    [await till.graphql(`mutation($u: BigFloat!) { createInvoiceLine(input: { invoiceLine: { invoiceId: "${draft.id}", description: "Gauze", unitPrice: $u } }) { invoiceLine { rowId } } }`, { u: tooLarge }), amount],
    [await till.graphql(`mutation($q: BigFloat!) { createInvoiceLine(input: { invoiceLine: { invoiceId: "${draft.id}", description: "Gauze", unitPrice: "1", quantity: $q } }) { invoiceLine { rowId } } }`, { q: "1000000000" }), quantity],
    [await till.graphql(`mutation($c: BigFloat!) { closeDay(input: { businessDate: "2026-06-02", countedCash: $c }) { result { rowId } } }`, { c: "1e20" }), count],
  ] as const;
  for (const [answer, message] of answers) {
    expect(answer.body.errors).toEqual([expect.objectContaining({ message, extensions: { code: "INVALID_INPUT" } })]);
  }
  const { rows } = await rootPool().query(
    `select (select count(*) from app_public.service where clinic_id = $1)::int as services, (select count(*) from app_public.visit_service where visit_id = $2)::int as visit_services,
            (select count(*) from app_public.invoice_line where invoice_id = $3)::int as lines, (select count(*) from app_public.daily_reconciliation where clinic_id = $1)::int as days`,
    [own.clinicId, visit.id, draft.id],
  );
  expect(rows[0]).toEqual({ services: 2, visit_services: 0, lines: 1, days: 0 });
  expect((await rootPool().query("select price::text from app_public.service where id = $1", [service.id])).rows[0]).toEqual({ price: "1000.000" });
  // a size the API has no words for is told its limit, read from PostgreSQL's detail, and never the detail itself
  const overflow = (detail: string) => Object.assign(new Error("numeric field overflow"), { code: "22003", detail });
  expect(describeError(overflow("A field with precision 7, scale 6 must round to an absolute value less than 10^1."))).toEqual({ code: "INVALID_INPUT", message: "A number is out of range: at most 9.999999 here." });
  expect(describeError(overflow("A field with precision 16, scale 3 cannot hold an infinite value."))).toEqual({ code: "INVALID_INPUT", message: amount });
  expect(describeError(Object.assign(new Error("integer out of range"), { code: "22003" }))).toEqual({ code: "INVALID_INPUT", message: "A number is out of range." });
});

// 000265 stopped the hourly run opening days before a clinic existed, but a manager could still close one by hand: an
// empty reconciliation day, counted and closed, among the clinic's cash-ups before its first day
test("a day before the clinic's first day is closed only when it has money, and refused naming the first day otherwise; a reopened one closes again", async () => {
  // created at 23:30 on July 19 in Pago Pago (UTC-11), and paid at 23:45 there: July 19 has money
  const moved = await createClinic("Closed before it existed clinic", { since: "2026-07-20T10:30:00Z" });
  await rootPool().query("update app_public.clinic set timezone = 'Pacific/Pago_Pago' where id = $1", [moved.clinicId]);
  const invoice = await createIssuedInvoice(moved, "1000", { madeAt: LONG_AGO });
  await committedAs(await cashierSession(moved), (c) => c.query("select app_public.record_payment($1, 40, 'cash', null, null, '2026-07-20T10:45:00Z')", [invoice.id]));
  // then moved to Kiritimati (UTC+14): its creation reads 00:30 on July 21 there, its first day
  await rootPool().query("update app_public.clinic set timezone = 'Pacific/Kiritimati' where id = $1", [moved.clinicId]);
  const desk = new Browser(api);
  await desk.login(moved.members.cashier.phone, moved.members.cashier.password);
  const CLOSE = `mutation($d: Date!) { closeDay(input: { businessDate: $d, countedCash: "40" }) { result { businessDate status expectedCash } } }`;
  const refused = { message: "The clinic's first business day is 2026-07-21: a day before it is closed only when it has payments or refunds, and 2026-07-20 has none.", extensions: { code: "INVALID_INPUT" } };
  expect((await desk.graphql(CLOSE, { d: "2026-07-20" })).body.errors?.[0]).toMatchObject(refused);
  expect((await desk.graphql(CLOSE, { d: "2026-07-19" })).body).toEqual({ data: { closeDay: { result: { businessDate: "2026-07-19", status: "closed", expectedCash: "40.000" } } } });
  expect((await desk.graphql(CLOSE, { d: "2026-07-21" })).body.data.closeDay.result).toMatchObject({ businessDate: "2026-07-21", status: "closed" });
  // reopened (which makes no day), the day before the first closes again
  const owner = new Browser(api);
  await owner.login(moved.members.owner.phone, moved.members.owner.password);
  expect((await owner.graphql(`mutation { reopenDay(input: { businessDate: "2026-07-19", reason: "Recount" }) { result { status } } }`)).body).toEqual({ data: { reopenDay: { result: { status: "open" } } } });
  expect((await owner.graphql(`mutation { reopenDay(input: { businessDate: "2026-07-20", reason: "Recount" }) { result { status } } }`)).body.errors?.[0]).toMatchObject({ extensions: { code: "NOT_FOUND" } });
  expect((await desk.graphql(CLOSE, { d: "2026-07-19" })).body.data.closeDay.result).toMatchObject({ status: "closed" });
  const { rows } = await rootPool().query("select array_agg(business_date::text order by business_date) as days from app_public.daily_reconciliation where clinic_id = $1", [moved.clinicId]);
  expect(rows[0].days).toEqual(["2026-07-19", "2026-07-21"]);
});

// a double click on "new invoice" (or a browser retrying the POST) made two drafts, and one on "add line" billed the line twice
test("an invoice and a line made by hand with an idempotency key are made once: a double click answers the first, another content is CONFLICT, another clinic's key is its own", async () => {
  const desk = await createClinic("Double click desk clinic");
  await rootPool().query("update app_public.clinic set receptionists_may_invoice = true where id = $1", [desk.clinicId]);
  const receptionist = new Browser(api);
  await receptionist.login(desk.members.receptionist.phone, desk.members.receptionist.password);
  const patient = await createPatient(desk.clinicId);
  const service = await createService(desk.clinicId, "5000.000", "Consultation");
  const INVOICE = `mutation($invoice: InvoiceInput!) { createInvoice(input: { invoice: $invoice }) { invoice { rowId code status } } }`;
  const LINE = `mutation($line: InvoiceLineInput!) { createInvoiceLine(input: { invoiceLine: $line }) { invoiceLine { rowId description unitPrice quantity } } }`;
  const made = await Promise.all([1, 2].map(() => receptionist.graphql(INVOICE, { invoice: { patientId: patient.id, notes: "Pays at the end", idempotencyKey: "new-invoice-1" } })));
  expect(made.map((r) => r.body.errors)).toEqual([undefined, undefined]);
  const invoice = made[0].body.data.createInvoice.invoice;
  expect(made[1].body.data.createInvoice.invoice).toEqual(invoice);
  const line = { invoiceId: invoice.rowId, serviceId: service.id, idempotencyKey: "add-line-1" };
  const added = await Promise.all([1, 2].map(() => receptionist.graphql(LINE, { line })));
  expect(added.map((r) => r.body.errors)).toEqual([undefined, undefined]);
  expect(added[1].body.data.createInvoiceLine.invoiceLine).toEqual(added[0].body.data.createInvoiceLine.invoiceLine);
  // the catalog's name and price, given this time as the first line took them, are the same line
  const retried = await receptionist.graphql(LINE, { line: { ...line, description: "Consultation", unitPrice: "5000", quantity: "1" } });
  expect(retried.body.data.createInvoiceLine.invoiceLine).toEqual(added[0].body.data.createInvoiceLine.invoiceLine);
  const counted = async (clinicId: string) =>
    (await rootPool().query(
      "select (select count(*)::int from app_public.invoice where clinic_id = $1) as invoices, (select count(*)::int from app_public.invoice_line where clinic_id = $1) as lines, (select total::text from app_public.invoice where clinic_id = $1 order by created_at limit 1) as total",
      [clinicId])).rows[0];
  expect(await counted(desk.clinicId)).toEqual({ invoices: 1, lines: 1, total: "5000.000" });

  // the same key for another invoice or line: CONFLICT, nothing made
  const conflict = (what: string) => ({ message: `This idempotency key was already used for a different ${what}.`, extensions: { code: "CONFLICT" } });
  const otherPatient = await createPatient(desk.clinicId);
  for (const other of [{ patientId: otherPatient.id, notes: "Pays at the end" }, { patientId: patient.id, notes: "Insurance" }, { patientId: patient.id }]) {
    const r = await receptionist.graphql(INVOICE, { invoice: { ...other, idempotencyKey: "new-invoice-1" } });
    expect({ other, error: r.body.errors?.[0] }).toEqual({ other, error: expect.objectContaining(conflict("invoice")) });
  }
  for (const other of [{ quantity: "2" }, { unitPrice: "4000" }, { discount: "100" }, { description: "Consultation, long" }]) {
    const r = await receptionist.graphql(LINE, { line: { ...line, ...other } });
    expect({ other, error: r.body.errors?.[0] }).toEqual({ other, error: expect.objectContaining(conflict("invoice line")) });
  }
  // a key of white space alone (a field left blank) is refused before it is looked up
  const blank = (what: string) => ({ message: `An idempotency key cannot be white space alone: send one per ${what} you mean, or none.`, extensions: { code: "INVALID_INPUT" } });
  expect((await receptionist.graphql(INVOICE, { invoice: { patientId: patient.id, idempotencyKey: " \u3000" } })).body.errors?.[0]).toMatchObject(blank("invoice"));
  expect((await receptionist.graphql(LINE, { line: { ...line, idempotencyKey: "\t" } })).body.errors?.[0]).toMatchObject(blank("invoice line"));
  // and whole characters: new-invoice-\ud800 and new-invoice-\udfff would be one key
  expect((await receptionist.graphql(INVOICE, { invoice: { patientId: patient.id, idempotencyKey: "new-invoice-\ud800" } })).body.errors?.[0]).toMatchObject({
    message: expect.stringMatching(/^Text must be whole characters/), extensions: { code: "INVALID_INPUT" } });
  expect(await counted(desk.clinicId)).toEqual({ invoices: 1, lines: 1, total: "5000.000" });

  // another clinic's same key is its own: its invoice and line are made, and it learns nothing of the first clinic's
  const other = await createClinic("Double click other clinic");
  const otherCashier = new Browser(api);
  await otherCashier.login(other.members.cashier.phone, other.members.cashier.password);
  const theirs = await otherCashier.graphql(INVOICE, { invoice: { patientId: (await createPatient(other.clinicId)).id, idempotencyKey: "new-invoice-1" } });
  expect(theirs.body.errors).toBeUndefined();
  expect(theirs.body.data.createInvoice.invoice.rowId).not.toBe(invoice.rowId);
  const theirLine = await otherCashier.graphql(LINE, { line: { invoiceId: theirs.body.data.createInvoice.invoice.rowId, description: "Dressing", unitPrice: "700", idempotencyKey: "add-line-1" } });
  expect(theirLine.body.data.createInvoiceLine.invoiceLine).toMatchObject({ description: "Dressing", unitPrice: "700.000" });
  expect(await counted(other.clinicId)).toEqual({ invoices: 1, lines: 1, total: "700.000" });
  // nor can it reach the first clinic's invoice through its key
  expect((await otherCashier.graphql(LINE, { line: { ...line, idempotencyKey: "other-line" } })).body.errors?.[0].extensions?.code).toBe("NOT_FOUND");

  // a role that may not make invoices is refused, with the clinic's own key too: it is not answered the invoice
  const doctor = new Browser(api);
  await doctor.login(desk.members.doctor.phone, desk.members.doctor.password);
  const refused = await doctor.graphql(INVOICE, { invoice: { patientId: patient.id, notes: "Pays at the end", idempotencyKey: "new-invoice-1" } });
  expect(refused.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
    ["FORBIDDEN", "Only those who handle billing (an owner, admin or cashier; receptionists where the clinic allows) make invoices, in their own clinic."],
  ]);
  expect((await doctor.graphql(LINE, { line })).body.errors?.[0].extensions?.code).toBe("NOT_FOUND"); // an invoice a doctor cannot see
  await rootPool().query("update app_public.clinic set receptionists_may_invoice = false where id = $1", [desk.clinicId]);
  const notAllowed = await receptionist.graphql(INVOICE, { invoice: { patientId: patient.id, notes: "Pays at the end", idempotencyKey: "new-invoice-1" } });
  expect(notAllowed.body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  expect(await counted(desk.clinicId)).toEqual({ invoices: 1, lines: 1, total: "5000.000" });
});

// a retry of "add line" after the catalog changed was CONFLICT for the line it had made, as what it left out was
// compared with the catalog now; and a line deleted from its draft was billed again by a late retry of its request
test("a line sent again under its key is the line whatever changed in the catalog since, what it gives compared; the key of a line deleted since is CONFLICT, not the line again", async () => {
  const desk = await createClinic("Retry after the catalog changed clinic");
  const till = new Browser(api);
  await till.login(desk.members.cashier.phone, desk.members.cashier.password);
  const service = await createService(desk.clinicId, "5000.000", "Consultation");
  const INVOICE = `mutation($invoice: InvoiceInput!) { createInvoice(input: { invoice: $invoice }) { invoice { rowId } } }`;
  const made = await till.graphql(INVOICE, { invoice: { patientId: (await createPatient(desk.clinicId)).id } });
  const invoiceId = made.body.data.createInvoice.invoice.rowId;
  const LINE = `mutation($line: InvoiceLineInput!) { createInvoiceLine(input: { invoiceLine: $line }) { invoiceLine { rowId description unitPrice quantity discount taxRate } } }`;
  const line = { invoiceId, serviceId: service.id, idempotencyKey: "k1" };
  const first = (await till.graphql(LINE, { line })).body.data.createInvoiceLine.invoiceLine;
  expect(first).toMatchObject({ description: "Consultation", unitPrice: "5000.000", quantity: "1.000" });
  await rootPool().query("update app_public.service set price = 6000, name = 'Consultation (specialist)' where id = $1", [service.id]);
  // the identical request, or one giving what the first line took: the first line
  for (const retry of [line, { ...line, description: "Consultation", unitPrice: "5000", quantity: "1", discount: "0", taxRate: first.taxRate }]) {
    expect((await till.graphql(LINE, { line: retry })).body).toEqual({ data: { createInvoiceLine: { invoiceLine: first } } });
  }
  // what it gives unlike the line is another line: CONFLICT, the catalog's new name and price among them
  for (const other of [{ unitPrice: "6000" }, { description: "Consultation (specialist)" }, { quantity: "2" }, { discount: "100" }, { taxRate: "0.5" }]) {
    const r = await till.graphql(LINE, { line: { ...line, ...other } });
    expect({ other, error: r.body.errors?.[0] }).toEqual({ other, error: expect.objectContaining({
      message: "This idempotency key was already used for a different invoice line.", extensions: { code: "CONFLICT" } }) });
  }
  const lines = async () => (await rootPool().query(
    "select count(*)::int as lines, (select total::text from app_public.invoice where id = $2) as total from app_public.invoice_line where clinic_id = $1", [desk.clinicId, invoiceId])).rows[0];
  expect(await lines()).toEqual({ lines: 1, total: "5000.000" });

  // a line added, seen and deleted from the draft: the late retry of its request adds nothing
  const dressing = { invoiceId, description: "Dressing", unitPrice: "700", idempotencyKey: "k2" };
  const added = (await till.graphql(LINE, { line: dressing })).body.data.createInvoiceLine.invoiceLine;
  const removed = await till.graphql(`mutation($c: UUID!, $id: UUID!) { deleteInvoiceLine(input: { clinicId: $c, rowId: $id }) { clientMutationId } }`, { c: desk.clinicId, id: added.rowId });
  expect(removed.body.errors).toBeUndefined();
  const deleted = { message: "The invoice line added with this idempotency key was deleted since: add it again with a new key if it is still meant.", extensions: { code: "CONFLICT" } };
  for (const retry of [dressing, { ...dressing, unitPrice: "800" }]) {
    expect((await till.graphql(LINE, { line: retry })).body.errors?.[0]).toMatchObject(deleted);
  }
  expect(await lines()).toEqual({ lines: 1, total: "5000.000" });
  // a doctor, who may not see the invoice, learns nothing of the key; another clinic's same key is its own
  const doctor = new Browser(api);
  await doctor.login(desk.members.doctor.phone, desk.members.doctor.password);
  expect((await doctor.graphql(LINE, { line: dressing })).body.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  const other = await createClinic("Retry after the catalog changed other clinic");
  const theirs = new Browser(api);
  await theirs.login(other.members.cashier.phone, other.members.cashier.password);
  const theirInvoice = (await theirs.graphql(INVOICE, { invoice: { patientId: (await createPatient(other.clinicId)).id } })).body.data.createInvoice.invoice.rowId;
  expect((await theirs.graphql(LINE, { line: { ...dressing, invoiceId: theirInvoice } })).body.data.createInvoiceLine.invoiceLine).toMatchObject({ description: "Dressing", unitPrice: "700.000" });
  // a new key adds the line again, as the desk means it
  expect((await till.graphql(LINE, { line: { ...dressing, idempotencyKey: "k3" } })).body.errors).toBeUndefined();
  expect(await lines()).toEqual({ lines: 2, total: "5700.000" });
});
