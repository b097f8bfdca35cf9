/**
 * Billing a visit while its services change, at once: the invoice holds the visit's services before its first audited
 * write (000511), so a service taken off the visit, or its quantity changed, and createInvoiceFromVisit or
 * billUnbilledServices take turns instead of deadlocking ("deadlock detected", one of them undone). The change had the
 * service row and waited for the clinic's audit chain head, which the invoice held as its line's foreign key waited for
 * that row.
 */
import type pg from "pg";
import { closeRootPool, rootPool } from "../support/database.ts";
import { addVisitService, committedAs, createClinic, createVisit, openSession, type TestClinic } from "../support/fixtures.ts";
import { atOnce, outcome, underWay, whileHolding } from "../support/locks.ts";

let clinic: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Billing deadlocks");
});
afterAll(closeRootPool);

/** A visit in progress of the clinic's doctor given `count` services, and their ids in its order. */
async function visitWith(count: number) {
  const visit = await createVisit(clinic, "in_progress");
  const services: string[] = [];
  for (let i = 0; i < count; i++) services.push(await addService(visit.id));
  return { visitId: visit.id, services };
}

const addService = (visitId: string) => addVisitService(clinic, visitId);

/**
 * `first` (as the cashier or the doctor) queued behind the clinic's audit chain head, held by another transaction, then
 * `second` (the other) seen waiting too, then the head let go: what each ended with (its rows or its error's code), each
 * committed as it ended if it went through.
 */
async function raced(order: "bill first" | "change first", bill: (c: pg.PoolClient) => Promise<pg.QueryResult>, change: (c: pg.PoolClient) => Promise<pg.QueryResult>) {
  return whileHolding("select from app_private.audit_chain_head where chain_id = $1 for update", [clinic.clinicId], async (head) => {
    let answers: unknown[] = [];
    await atOnce(clinic.members.cashier, clinic.members.doctor, async (cash, doctor) => {
      // each committed as it ends, so that the other, waiting for it, goes on
      const ended = (client: pg.PoolClient, query: Promise<pg.QueryResult>) => outcome(query).then(async (answer) => (await client.query("commit"), answer));
      const [one, two] = order === "bill first" ? [() => ended(cash, bill(cash)), () => ended(doctor, change(doctor))] : [() => ended(doctor, change(doctor)), () => ended(cash, bill(cash))];
      const first = one();
      if (!(await head.blocking(1))) throw new Error("the first was never seen waiting for the held chain head");
      const second = two();
      if (!(await head.blocking(2))) throw new Error("the second was never seen waiting");
      await head.release();
      const [a, b] = await Promise.all([first, second]);
      answers = order === "bill first" ? [a, b] : [b, a];
    });
    return answers as [bill: unknown, change: unknown];
  });
}

const createFrom = (visitId: string) => (c: pg.PoolClient) => c.query("select id from app_public.create_invoice_from_visit($1)", [visitId]);
const billUnbilled = (invoiceId: string) => (c: pg.PoolClient) => c.query("select id from app_public.bill_unbilled_services($1)", [invoiceId]);
const takeOff = (serviceId: string) => (c: pg.PoolClient) => c.query("delete from app_public.visit_service where id = $1", [serviceId]);
const makeQuantity = (serviceId: string, quantity: number) => (c: pg.PoolClient) =>
  c.query("update app_public.visit_service set quantity = $2 where id = $1", [serviceId, quantity]);

/** The visit's live invoices and, for each, the services its lines bill (and at what quantity), in order; the visit's services. */
async function billed(visitId: string) {
  const invoices = (await rootPool().query(
    `select coalesce(json_agg(json_build_object('service', l.visit_service_id, 'quantity', l.quantity) order by l.position)
              filter (where l.id is not null), '[]') as lines
     from app_public.invoice i left join app_public.invoice_line l on l.clinic_id = i.clinic_id and l.invoice_id = i.id
     where i.visit_id = $1 and i.status <> 'void' group by i.id`, [visitId])).rows.map((row) => row.lines);
  const services = (await rootPool().query("select id, quantity from app_public.visit_service where visit_id = $1 order by position", [visitId])).rows;
  return { invoices, services };
}

describe("a visit's service changed while the visit is billed", () => {
  test("createInvoiceFromVisit first, a service taken off meanwhile: the removal waits for the invoice, then is refused CONFLICT", async () => {
    const { visitId, services: [one] } = await visitWith(1);
    const [bill, change] = await raced("bill first", createFrom(visitId), takeOff(one));
    expect(bill).toEqual([{ id: expect.any(String) }]);
    expect(change).toBe("CCONF");
    expect(await billed(visitId)).toEqual({ invoices: [[{ service: one, quantity: 1 }]], services: [{ id: one, quantity: 1 }] });
  });

  test("createInvoiceFromVisit first, a service's quantity changed meanwhile: the change waits for the invoice, then is refused CONFLICT", async () => {
    const { visitId, services: [one, two] } = await visitWith(2);
    const [bill, change] = await raced("bill first", createFrom(visitId), makeQuantity(two, 3));
    expect(bill).toEqual([{ id: expect.any(String) }]);
    expect(change).toBe("CCONF");
    expect(await billed(visitId)).toEqual({
      invoices: [[{ service: one, quantity: 1 }, { service: two, quantity: 1 }]],
      services: [{ id: one, quantity: 1 }, { id: two, quantity: 1 }],
    });
  });

  test("billUnbilledServices first, a service it bills taken off meanwhile: the removal waits for it, then is refused CONFLICT", async () => {
    const { visitId, services: [one] } = await visitWith(1);
    const draft = await committedAs(await openSession(clinic.members.cashier.userId, clinic.clinicId), async (c) => (await createFrom(visitId)(c)).rows[0].id as string);
    const [two, three] = [await addService(visitId), await addService(visitId)];
    const [bill, change] = await raced("bill first", billUnbilled(draft), takeOff(three));
    expect(bill).toEqual([{ id: draft }]);
    expect(change).toBe("CCONF");
    expect(await billed(visitId)).toEqual({
      invoices: [[{ service: one, quantity: 1 }, { service: two, quantity: 1 }, { service: three, quantity: 1 }]],
      services: [{ id: one, quantity: 1 }, { id: two, quantity: 1 }, { id: three, quantity: 1 }],
    });
  });

  test("the removal first: createInvoiceFromVisit waits for it and bills the services left", async () => {
    const { visitId, services: [one, two] } = await visitWith(2);
    const [bill, change] = await raced("change first", createFrom(visitId), takeOff(one));
    expect(change).toEqual([]);
    expect(bill).toEqual([{ id: expect.any(String) }]);
    expect(await billed(visitId)).toEqual({ invoices: [[{ service: two, quantity: 1 }]], services: [{ id: two, quantity: 1 }] });
  });

  // before, the invoice asked whether the visit had services before it waited, and was made without a line
  test("the removal of the visit's only service first: createInvoiceFromVisit waits for it, then is refused INVALID_INPUT", async () => {
    const { visitId, services: [one] } = await visitWith(1);
    const [bill, change] = await raced("change first", createFrom(visitId), takeOff(one));
    expect(change).toEqual([]);
    expect(bill).toBe("CINVL");
    expect(await billed(visitId)).toEqual({ invoices: [], services: [] });
  });
});

describe("a service added while billUnbilledServices waits for its draft", () => {
  // the services are held before the draft's lock, and only those held were billed: one added and committed while the
  // draft was locked (a line being typed on it, another click) was left out, "Every service of VIS-… is billed already."
  test("is billed on the draft too (000512)", async () => {
    const { visitId, services: [one] } = await visitWith(1);
    const cashier = () => openSession(clinic.members.cashier.userId, clinic.clinicId);
    const draft = await committedAs(await cashier(), async (c) => (await createFrom(visitId)(c)).rows[0].id as string);
    const { two, answer } = await whileHolding("select from app_public.invoice where id = $1 for update", [draft], async (held) => {
      const { result } = await underWay("select id as result from app_public.bill_unbilled_services($1)", [draft], await cashier());
      if (!(await held.blocking(1))) throw new Error("billUnbilledServices was never seen waiting for its draft");
      const added = await addService(visitId);
      await held.release();
      return { two: added, answer: await result };
    });
    expect(answer).toBe(draft);
    expect(await billed(visitId)).toEqual({
      invoices: [[{ service: one, quantity: 1 }, { service: two, quantity: 1 }]],
      services: [{ id: one, quantity: 1 }, { id: two, quantity: 1 }],
    });
  });
});
