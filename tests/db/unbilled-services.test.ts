/**
 * The services no live invoice bills (unbilled_visit_services, 000457), read from a count kept per service
 * (app_private.visit_service_bills) by the triggers that keep visit_service_line and visit_bill: the list is what
 * billing.md's filter of visitServices answers, in every state a visit's billing goes through, as each role sees it;
 * and each count is the number of lines of live invoices that bill its service, recounted from the lines' copies and the
 * live invoices (what VisitService.billed and billUnbilledServices read too since 000460).
 */
import type pg from "pg";
import { closeRootPool, rootPool } from "../support/database.ts";
import { addMember, addVisitService, asMember, beginAs, committedAs, createClinic, createUser, createVisit, openSession, type TestClinic, type TestMember } from "../support/fixtures.ts";
import { atOnce, outcome, waitsForLock } from "../support/locks.ts";

let clinic: TestClinic;
let other: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Unbilled services");
  other = await createClinic("Unbilled services elsewhere");
});
afterAll(closeRootPool);

/** The ids `member` is listed by unbilled_visit_services, in its order. */
const listed = (member: TestMember) =>
  asMember(member, async (client) => (await client.query("select id from app_public.unbilled_visit_services()")).rows.map((row) => row.id as string));

/**
 * What billing.md's filter of visitServices answers (visits in progress or completed, `none` of the lines on an invoice
 * not void), read as the superuser for the clinic; a doctor's own visits alone for a doctor. In the function's order.
 */
async function byTheFilter(of: TestClinic, doctor: TestMember | null = null): Promise<string[]> {
  const { rows } = await rootPool().query(
    `select s.id from app_public.visit_service s join app_public.visit v on v.clinic_id = s.clinic_id and v.id = s.visit_id
     where s.clinic_id = $1 and v.status in ('in_progress', 'completed') and ($2::uuid is null or v.doctor_id = $2)
       and not exists (select from app_public.invoice_line l join app_public.invoice i on i.clinic_id = l.clinic_id and i.id = l.invoice_id
                       where l.clinic_id = s.clinic_id and l.visit_service_id = s.id and i.status <> 'void')
     order by s.visit_id, s.position`,
    [of.clinicId, doctor?.membershipId ?? null]);
  return rows.map((row) => row.id);
}

/** Each kept count that is not the number of lines of live invoices billing its service (recounted from the lines' copies and visit_bill), and each service without one. */
async function countsAstray(): Promise<unknown[]> {
  const { rows } = await rootPool().query(`
    select s.id, b.live_lines, (select count(*)::int from app_private.visit_service_line l
                                join app_private.visit_bill v on v.clinic_id = l.clinic_id and v.invoice_id = l.invoice_id
                                where l.clinic_id = s.clinic_id and l.visit_service_id = s.id) as lines
    from app_public.visit_service s left join app_private.visit_service_bills b on b.clinic_id = s.clinic_id and b.visit_service_id = s.id
    where s.clinic_id = any($1)`, [[clinic.clinicId, other.clinicId]]);
  const orphans = await rootPool().query(`select b.visit_service_id from app_private.visit_service_bills b
    where b.clinic_id = any($1) and not exists (select from app_public.visit_service s where s.clinic_id = b.clinic_id and s.id = b.visit_service_id)`,
  [[clinic.clinicId, other.clinicId]]);
  return [...rows.filter((row) => row.live_lines !== row.lines), ...orphans.rows];
}

/** The list as each role sees it is the filter's, and every count is right. */
async function expectTheFilters(step: string) {
  const all = await byTheFilter(clinic);
  for (const role of ["owner", "admin", "receptionist", "cashier"] as const) {
    expect({ step, role, listed: await listed(clinic.members[role]) }).toEqual({ step, role, listed: all });
  }
  expect({ step, role: "doctor", listed: await listed(clinic.members.doctor) }).toEqual({ step, role: "doctor", listed: await byTheFilter(clinic, clinic.members.doctor) });
  expect({ step, astray: await countsAstray() }).toEqual({ step, astray: [] });
  return all;
}

const asCashier = <T>(fn: (client: pg.PoolClient) => Promise<T>) =>
  openSession(clinic.members.cashier.userId, clinic.clinicId).then((session) => committedAs(session, fn));
const addService = addVisitService;

test("the list is the filter's in every state of a visit's billing, to every role, and each count is its service's live lines", async () => {
  const visit = await createVisit(clinic, "in_progress");
  const [consultation, bloodCount] = [await addService(clinic, visit.id, "20000"), await addService(clinic, visit.id, "12000")];
  // services of visits not in progress nor completed, another doctor's visit, another clinic's: none listed to whom it is not
  const booked = await createVisit(clinic, "checked_in");
  await addService(clinic, booked.id);
  await rootPool().query("update app_public.visit set status = 'cancelled', cancel_reason = 'Left' where id = $1", [booked.id]);
  const colleague = await createVisit(clinic, "scheduled");
  const colleagueDoctor = await addMember(clinic.clinicId, await createUser(), "doctor");
  await rootPool().query("update app_public.visit set doctor_id = $2 where id = $1", [colleague.id, colleagueDoctor.membershipId]);
  for (const step of ["checked_in", "in_progress"]) await rootPool().query("update app_public.visit set status = $2 where id = $1", [colleague.id, step]);
  const colleagues = await addService(clinic, colleague.id);
  const elsewhere = await createVisit(other, "in_progress");
  await addService(other, elsewhere.id);
  expect(await expectTheFilters("not billed")).toEqual(expect.arrayContaining([consultation, bloodCount, colleagues]));
  expect(await listed(clinic.members.doctor)).not.toContain(colleagues);
  expect(await asMember(other.members.cashier, async (client) => (await client.query("select count(*)::int as n from app_public.unbilled_visit_services()")).rows[0].n)).toBe(1);

  const draft = await asCashier(async (client) => (await client.query("select id from app_public.create_invoice_from_visit($1)", [visit.id])).rows[0].id as string);
  expect(await expectTheFilters("billed on a draft")).not.toContain(consultation);
  const lineOf = async (visitServiceId: string, invoiceId = draft) =>
    (await rootPool().query("select id from app_public.invoice_line where invoice_id = $1 and visit_service_id = $2", [invoiceId, visitServiceId])).rows[0].id;
  await asCashier(async (client) => client.query("delete from app_public.invoice_line where id = $1", [await lineOf(bloodCount)]));
  expect(await expectTheFilters("a line taken off the draft")).toContain(bloodCount);
  await asCashier((client) => client.query("select app_public.bill_unbilled_services($1)", [draft]));
  expect(await expectTheFilters("billed again on the draft")).not.toContain(bloodCount);
  const xRay = await addService(clinic, visit.id, "5000");
  expect(await expectTheFilters("a service added after the draft")).toContain(xRay);
  await asCashier((client) => client.query("select app_public.issue_invoice($1)", [draft]));
  await expectTheFilters("the invoice issued");
  await rootPool().query("update app_public.visit set status = 'completed' where id = $1", [visit.id]);
  await expectTheFilters("the visit completed");
  const paid = await asCashier(async (client) => {
    const { rows: [payment] } = await client.query("select id, amount from app_public.record_payment($1, (select balance from app_public.invoice where id = $1), 'cash', null, $2)", [draft, `unbilled-${draft}`]);
    return payment as { id: string; amount: string };
  });
  await expectTheFilters("the invoice paid");
  await asCashier(async (client) => {
    await client.query("select app_public.refund_payment($1, $2, 'Billed again with the X-ray', $3)", [paid.id, paid.amount, `unbilled-refund-${draft}`]);
    await client.query("select app_public.void_invoice($1, 'Billed again with the X-ray')", [draft]);
  });
  expect(await expectTheFilters("the invoice voided")).toEqual(expect.arrayContaining([consultation, bloodCount, xRay]));
  const again = await asCashier(async (client) => (await client.query("select id from app_public.create_invoice_from_visit($1)", [visit.id])).rows[0].id as string);
  expect(await expectTheFilters("billed again")).toEqual(expect.not.arrayContaining([consultation, bloodCount, xRay]));
  await asCashier((client) => client.query("select app_public.void_invoice($1, 'Wrong visit')", [again]));
  await expectTheFilters("the second draft voided");

  // a service taken off a visit in progress (its lines on void invoices unlinked): its count goes with it
  const second = await createVisit(clinic, "in_progress");
  const takenOff = await addService(clinic, second.id);
  const third = await asCashier(async (client) => (await client.query("select id from app_public.create_invoice_from_visit($1)", [second.id])).rows[0].id as string);
  await asCashier((client) => client.query("select app_public.void_invoice($1, 'Service not given')", [third]));
  await committedAs(await openSession(clinic.members.doctor.userId, clinic.clinicId), (client) =>
    client.query("delete from app_public.visit_service where id = $1", [takenOff]));
  expect(await expectTheFilters("a service taken off its visit")).not.toContain(takenOff);
  expect((await rootPool().query("select count(*)::int as n from app_private.visit_service_bills where visit_service_id = $1", [takenOff])).rows[0].n).toBe(0);
});

// A void of a draft waits for a line being taken off it (the invoice's lock): once its turn comes it counts down what
// the draft bills then, not what it billed when the void was sent (the blood count once, not twice: the count would go
// below none and the void be refused by the check)
test("a draft voided while a line is taken off it counts each service down once", async () => {
  const visit = await createVisit(clinic, "in_progress");
  const [consultation, bloodCount] = [await addService(clinic, visit.id), await addService(clinic, visit.id)];
  const draft = await asCashier(async (client) => (await client.query("select id from app_public.create_invoice_from_visit($1)", [visit.id])).rows[0].id as string);
  const { rows: [line] } = await rootPool().query("select id from app_public.invoice_line where invoice_id = $1 and visit_service_id = $2", [draft, bloodCount]);
  await atOnce(clinic.members.cashier, clinic.members.owner, async (till, owner) => {
    await till.query("delete from app_public.invoice_line where id = $1", [line.id]);
    const voiding = owner.query("select app_public.void_invoice($1, 'Made twice')", [draft]);
    expect(await waitsForLock(owner, voiding)).toBe(true);
    await till.query("commit");
    await voiding;
    await owner.query("commit");
  });
  expect(await listed(clinic.members.cashier)).toEqual(expect.arrayContaining([consultation, bloodCount]));
  await expectTheFilters("voided while a line was taken off");
});

// each void, and each invoice made from a visit, counts down (up) the services its lines bill, read from the copies of
// its own lines: by the clinic's key they were every copy of the clinic (2,000 read for the draft's one)
test("a void reads the copies of its invoice's lines, not every line of the clinic", async () => {
  const visit = await createVisit(clinic, "in_progress");
  await addService(clinic, visit.id);
  const draft = await asCashier(async (client) => (await client.query("select id from app_public.create_invoice_from_visit($1)", [visit.id])).rows[0].id as string);
  const client = await rootPool().connect();
  try {
    await beginAs(client, await openSession(clinic.members.cashier.userId, clinic.clinicId));
    const { rows: [{ visitor }] } = await client.query("select current_user as visitor");
    // copies of 2,000 other lines of the clinic, as the superuser (rolled back)
    await client.query(`set local role none; insert into app_private.visit_service_line (clinic_id, invoice_line_id, invoice_id, visit_service_id)
      select '${clinic.clinicId}', gen_random_uuid(), gen_random_uuid(), gen_random_uuid() from generate_series(1, 2000);
      analyze app_private.visit_service_line; set local role ${client.escapeIdentifier(visitor)}; set local plan_cache_mode = force_generic_plan`);
    const read = async () => (await client.query(`select (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int as n
      from pg_stat_xact_user_tables where schemaname = 'app_private' and relname = 'visit_service_line'`)).rows[0].n as number;
    const before = await read();
    await client.query("select app_public.void_invoice($1, 'Made twice')", [draft]);
    expect((await read()) - before).toBeLessThan(10);
  } finally {
    await client.query("rollback");
    client.release();
  }
});

// the service's count is changed only under its visit's live invoice's lock: a visit billed again while its invoice is
// being voided is refused (one live invoice a visit), so no two transactions count one service at once
test("a visit billed again while its invoice is being voided is refused, and its services are left to bill", async () => {
  const visit = await createVisit(clinic, "in_progress");
  const consultation = await addService(clinic, visit.id);
  const draft = await asCashier(async (client) => (await client.query("select id from app_public.create_invoice_from_visit($1)", [visit.id])).rows[0].id as string);
  await atOnce(clinic.members.cashier, clinic.members.owner, async (till, owner) => {
    await till.query("select app_public.void_invoice($1, 'Made twice')", [draft]);
    expect(await outcome(owner.query("select id from app_public.create_invoice_from_visit($1)", [visit.id]))).toBe("CCONF");
    await till.query("commit");
  });
  expect(await listed(clinic.members.cashier)).toContain(consultation);
  await expectTheFilters("billed again while voided");
});
