/**
 * Test data made as the superuser (bypassing RLS, as an operator would), and
 * sessions to act as a given member the way the API does.
 */
import { randomInt, randomUUID } from "node:crypto";
import type pg from "pg";
import { beginWithSettings } from "../../server/pg-transaction.ts";
import { apiPool, committedOn, rootPool, testConfig } from "./database.ts";

export type Role = "owner" | "admin" | "doctor" | "receptionist" | "cashier";
export const ROLES: Role[] = ["owner", "admin", "doctor", "receptionist", "cashier"];

export interface TestUser {
  userId: string;
  phone: string;
  password: string;
}

export interface TestMember extends TestUser {
  clinicId: string;
  membershipId: string;
  role: Role;
}

export interface TestClinic {
  clinicId: string;
  name: string;
  members: Record<Role, TestMember>;
}

export function randomPhone(): string {
  return `+2557${String(randomInt(0, 100_000_000)).padStart(8, "0")}`;
}

/** Someone with an account and a password of their own (as after POST /auth/password). */
export async function createUser({ isPlatformAdmin = false } = {}): Promise<TestUser> {
  const password = `pw-${randomUUID().slice(0, 12)}`;
  // a random phone another test's user has (thousands of users in 10^8 phones: a few in a hundred runs) is drawn again
  for (let attempt = 1; ; attempt++) {
    const phone = randomPhone();
    try {
      const { rows } = await rootPool().query(
        `with u as (insert into app_public."user" (phone, full_name, is_platform_admin) values ($1, $2, $3) returning id)
         insert into app_private.user_secret (user_id, password_hash, password_set_by_holder) select id, crypt($4, gen_salt('bf', 4)), true from u returning user_id`,
        [phone, `Test ${phone}`, isPlatformAdmin, password],
      );
      return { userId: rows[0].user_id, phone, password };
    } catch (error) {
      if ((error as { constraint?: string }).constraint !== "user_phone_key" || attempt === 5) throw error;
    }
  }
}

export async function addMember(clinicId: string, user: TestUser, role: Role): Promise<TestMember> {
  const { rows } = await rootPool().query(
    "insert into app_public.membership (clinic_id, user_id, role) values ($1, $2, $3) returning id",
    [clinicId, user.userId, role],
  );
  return { ...user, clinicId, membershipId: rows[0].id, role };
}

/**
 * A clinic with one member of every role. `since`: when it was created (by default now), for a clinic whose days go back
 * further: the reconciliation opens, and a close makes, no day without money before a clinic's first.
 */
export async function createClinic(name = `Clinic ${randomUUID().slice(0, 8)}`, { since }: { since?: string } = {}): Promise<TestClinic> {
  const { rows } = await rootPool().query(
    "insert into app_public.clinic (name, timezone, currency, calling_code) values ($1, 'Africa/Dar_es_Salaam', 'TZS', '255') returning id",
    [name],
  );
  const clinicId = rows[0].id as string;
  if (since) await writeBehindTriggers("update app_public.clinic set created_at = $2 where id = $1", [clinicId, since]); // its stamp cannot be forged
  const members = {} as Record<Role, TestMember>;
  for (const role of ROLES) {
    members[role] = await addMember(clinicId, await createUser(), role);
  }
  return { clinicId, name, members };
}

/** A live session, as /auth/login would open it. */
export async function openSession(userId: string, clinicId: string | null, ttl = "1 hour"): Promise<string> {
  const { rows } = await rootPool().query(
    `insert into app_private.session (user_id, clinic_id, role, is_platform_admin, expires_at)
     select u.id, m.clinic_id, m.role, u.is_platform_admin, now() + $3::interval
     from app_public."user" u left join app_public.membership m on m.user_id = u.id and m.clinic_id = $2 and m.deleted_at is null
     where u.id = $1 returning id`,
    [userId, clinicId, ttl],
  );
  return rows[0].id;
}

/**
 * Runs `fn` in a transaction as the API does (the authenticator, `set role`
 * to the visitor) with the given session (or none), then rolls back.
 */
/** Opens a transaction on `client` as the API would for this session: the visitor role and the session claim. */
export function beginAs(client: pg.ClientBase, sessionId: string | null): Promise<void> {
  return beginWithSettings(client, { role: testConfig.roles.visitor, "jwt.claims.session_id": sessionId ?? "" });
}

export async function asSession<T>(sessionId: string | null, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await apiPool().connect();
  try {
    await beginAs(client, sessionId);
    return await fn(client);
  } finally {
    await client.query("rollback");
    client.release();
  }
}

/** Shorthand: act as a member of a clinic. */
export async function asMember<T>(member: TestMember, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return asSession(await openSession(member.userId, member.clinicId), fn);
}

/** A catalog service, as an operator would add it. */
export async function createService(clinicId: string, price = "25000.000", name = `Service ${randomUUID().slice(0, 6)}`) {
  const { rows } = await rootPool().query(
    "insert into app_public.service (clinic_id, name, category, price) values ($1, $2, 'Consultation', $3) returning id, code, price",
    [clinicId, name, price],
  );
  return rows[0] as { id: string; code: string; price: string };
}

/** A new catalog service of `price` given to a visit of the clinic, as an operator would give it; its line's id. */
export async function addVisitService(of: TestClinic, visitId: string, price = "1000"): Promise<string> {
  const { rows } = await rootPool().query(
    "insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id",
    [of.clinicId, visitId, (await createService(of.clinicId, price)).id],
  );
  return rows[0].id as string;
}

export async function createPatient(clinicId: string, fields: Record<string, unknown> = {}) {
  const row = { first_name: "Asha", last_name: `Patient ${randomUUID().slice(0, 6)}`, ...fields };
  const columns = Object.keys(row);
  const { rows } = await rootPool().query(
    `insert into app_public.patient (clinic_id, ${columns.join(", ")}) values ($1, ${columns.map((_, i) => `$${i + 2}`).join(", ")})
     returning id, code`,
    [clinicId, ...Object.values(row)],
  );
  return rows[0] as { id: string; code: string };
}

/**
 * The day, in its time zone, clinic `clinicId`'s first patients were registered on: a patients' export of that day holds
 * those a test made now, where a day read before them (a file's first) had none of them once the clinic's midnight passed.
 */
export async function registeredOn(clinicId: string): Promise<string> {
  const { rows } = await rootPool().query(
    `select min((p.created_at at time zone c.timezone)::date)::text as day from app_public.patient p join app_public.clinic c on c.id = p.clinic_id
     where p.clinic_id = $1`,
    [clinicId],
  );
  return rows[0].day;
}

/**
 * The day, in its clinic's time zone, of the time `column` of the row `id` of app_public.`table`: the day a test's row
 * is on, where a day read now was the next once the clinic's midnight passed since the row was made.
 */
export async function dayOf(table: "patient" | "visit" | "invoice", id: string, column: "created_at" | "scheduled_at" = "created_at"): Promise<string> {
  const { rows } = await rootPool().query(
    `select (t.${column} at time zone c.timezone)::date::text as day from app_public.${table} t join app_public.clinic c on c.id = t.clinic_id where t.id = $1`,
    [id],
  );
  return rows[0].day;
}

/**
 * Waits, when the test clinics' next midnight (Dar es Salaam's, 21:00 UTC) is less than `seconds` away, until it has
 * passed: rows made over the next `seconds` are then on one of their days, and in one of their months. Rows made now
 * whose times cannot all be given (a refund's, an invoice's, a patient's) were on two days once that midnight passed
 * while they were made, and a day's figures, or a month's, then lacked some of them.
 */
export async function clearOfMidnight(seconds: number): Promise<void> {
  const { rows: [{ left }] } = await rootPool().query(
    `select extract(epoch from ((date_trunc('day', now() at time zone 'Africa/Dar_es_Salaam') + interval '1 day') at time zone 'Africa/Dar_es_Salaam') - now())::float8 as left`,
  );
  if (left < seconds) await new Promise((resolve) => setTimeout(resolve, left * 1000 + 100));
}

/** A visit booked now (so on the same local day as payments made now), taken to `status`. */
export async function createVisit(clinic: TestClinic, status = "scheduled") {
  const patient = await createPatient(clinic.clinicId);
  const { rows } = await rootPool().query(
    "insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now()) returning id, code",
    [clinic.clinicId, patient.id, clinic.members.doctor.membershipId],
  );
  const visit = rows[0] as { id: string; code: string };
  const path: Record<string, string[]> = {
    scheduled: [],
    checked_in: ["checked_in"],
    in_progress: ["checked_in", "in_progress"],
    completed: ["checked_in", "in_progress", "completed"],
    cancelled: ["cancelled"],
    no_show: ["no_show"],
  };
  for (const step of path[status]) {
    await rootPool().query("update app_public.visit set status = $2, cancel_reason = $3 where id = $1", [
      visit.id,
      step,
      step === "cancelled" ? "Patient called" : null,
    ]);
  }
  return { ...visit, patientId: patient.id };
}

/** Runs `fn` as the API would for this session and commits. */
export async function committedAs<T>(sessionId: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await apiPool().connect();
  try {
    await beginAs(client, sessionId);
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    client.release();
  }
}

/** A session of the clinic's cashier, for acting through the money functions. */
export async function cashierSession(clinic: TestClinic): Promise<string> {
  return openSession(clinic.members.cashier.userId, clinic.clinicId);
}

/** When invoices paid at past times were made and issued (`madeAt`): a payment is not dated before its invoice's issue. */
export const LONG_AGO = "2020-01-01T00:00:00Z";

/**
 * An issued invoice for one service line of the given price (and the clinic's tax rate). With
 * `madeAt`, the invoice says it was made (and issued, if it is) then (written behind the triggers' back: a
 * payment is not dated before its invoice was issued, and tests of past business days pay at past times).
 */
export async function createIssuedInvoice(clinic: TestClinic, price = "100000", { issue = true, madeAt = null as string | null } = {}) {
  const service = await createService(clinic.clinicId, price);
  const visit = await createVisit(clinic, "in_progress");
  await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [
    clinic.clinicId,
    visit.id,
    service.id,
  ]);
  const session = await cashierSession(clinic);
  return committedAs(session, async (client) => {
    const created = await client.query("select id, code from app_public.create_invoice_from_visit($1)", [visit.id]);
    const invoice = created.rows[0] as { id: string; code: string };
    if (issue) await client.query("select app_public.issue_invoice($1)", [invoice.id]);
    return { ...invoice, visitId: visit.id, serviceId: service.id };
  }).then(async (invoice) => {
    if (madeAt) await backdateInvoice(invoice.id, madeAt);
    return invoice;
  });
}

/**
 * Runs `write` as a superuser with every trigger off (no audit entry either, the append-only one does not fire: as
 * on a replica), committed: rows as they were saved before a rule, what only an operator writes, or a change made
 * behind the database's back.
 */
export function behindTriggers(write: (client: pg.PoolClient) => Promise<unknown>): Promise<void> {
  return committedOn(async (client) => {
    await client.query("set local session_replication_role = replica");
    await write(client);
  });
}

/** `sql` written behindTriggers; `then` runs in the same transaction. */
export function writeBehindTriggers(sql: string, params: unknown[], then?: (client: pg.PoolClient, result: pg.QueryResult) => Promise<unknown>) {
  return behindTriggers(async (client) => {
    const result = await client.query(sql, params);
    await then?.(client, result);
  });
}

/** Sets when an invoice was made (behind the trigger that keeps created_at); the clinic's rollups are rebuilt, so its services count on the day it was made. */
async function backdateInvoice(invoiceId: string, madeAt: string): Promise<void> {
  // made, and issued if it was, then: a payment is not dated before its invoice's issue
  await writeBehindTriggers("update app_public.invoice set created_at = $2, issued_at = case when issued_at is not null then $2::timestamptz end where id = $1 returning clinic_id", [invoiceId, madeAt], (client, { rows }) =>
    client.query("select app_private.rebuild_rollups($1)", [rows[0].clinic_id]),
  );
}
