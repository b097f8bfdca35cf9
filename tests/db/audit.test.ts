/**
 * The audit log: one entry per write, append-only for every role the
 * application uses, and a hash chain that exposes edits made behind the
 * database's back.
 */
import pg from "pg";
import type { DatabaseConfig } from "../../db/config.ts";
import { randomUUID } from "node:crypto";
import { inStartTurn, prepareDatabase, sealAuditLog, unsealAuditLog } from "../../db/setup.ts";
import { closeRootPool, committedOn, ownDatabase, rootPool, testConfig } from "../support/database.ts";
import { addMember, asMember, asSession, committedAs, createClinic, createPatient, createUser, openSession, randomPhone, type TestClinic, writeBehindTriggers } from "../support/fixtures.ts";
import { besideADeactivation, underWay } from "../support/locks.ts";
import { pageAsTheApiPlansIt } from "../support/plans.ts";

let clinic: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Audit clinic");
});
afterAll(closeRootPool);

async function entriesFor(recordId: string) {
  const { rows } = await rootPool().query(
    "select action, actor_user_id, old_values, new_values from app_public.audit_log where record_id = $1 order by seq",
    [recordId],
  );
  return rows;
}

test("each write leaves exactly one entry with actor, old and new values", async () => {
  const { owner, doctor } = clinic.members;
  const before = await entriesFor(doctor.membershipId);
  // commit a real change as the owner, through the visitor role
  const session = await openSession(owner.userId, clinic.clinicId);
  const result = await committedAs(session, (client) =>
    client.query("update app_public.membership set role = 'cashier' where id = $1", [doctor.membershipId]),
  );
  expect(result.rowCount).toBe(1);
  const after = await entriesFor(doctor.membershipId);
  expect(after.length).toBe(before.length + 1);
  const entry = after.at(-1);
  expect(entry.action).toBe("update");
  expect(entry.actor_user_id).toBe(owner.userId);
  expect(entry.old_values.role).toBe("doctor");
  expect(entry.new_values.role).toBe("cashier");
});

// a migration that recreated a table, or dropped its trigger to rewrite it, would silently stop its audit
test("every table of the domain is audited on insert, update and delete; exports on their request and removal only, and a price's history through its service's change", async () => {
  const { rows } = await rootPool().query<{ tbl: string; events: string | null }>(`
    select c.oid::regclass::text as tbl,
           (select string_agg(concat_ws(' ', case when t.tgtype & 4 <> 0 then 'insert' end, case when t.tgtype & 16 <> 0 then 'update' end,
                                               case when t.tgtype & 8 <> 0 then 'delete' end), '; ')
            from pg_trigger t
            where t.tgrelid = c.oid and t.tgfoid = 'app_private.tg__audit'::regproc and t.tgenabled <> 'D'
              and t.tgtype & 1 = 1 and t.tgtype & 2 = 0) as events -- for each row, after
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and (n.nspname = 'app_public' or c.oid = 'app_private.analyst_grant'::regclass)
    order by 1`);
  expect(Object.fromEntries(rows.map((r) => [r.tbl, r.events]))).toEqual({
    "app_private.analyst_grant": "insert update delete",
    "app_public.audit_log": null,
    "app_public.clinic": "insert update delete",
    "app_public.daily_reconciliation": "insert update delete",
    "app_public.invoice": "insert update delete",
    "app_public.invoice_line": "insert update delete",
    "app_public.membership": "insert update delete",
    "app_public.patient": "insert update delete",
    "app_public.payment": "insert update delete",
    "app_public.refund": "insert update delete",
    "app_public.report_export": "insert delete",
    "app_public.service": "insert update delete",
    "app_public.service_price": null,
    'app_public."user"': "insert update delete",
    "app_public.visit": "insert update delete",
    "app_public.visit_service": "insert update delete",
  });
});

// a table audited without them writes a statement's rows of several clinics in the statement's order, deadlocking with a
// login or a password change ending sessions of those clinics (the statements below)
test("every audited table locks a statement's chains in the order of their ids before its audit, on each event of its audit", async () => {
  const { rows } = await rootPool().query(`
    select a.tgrelid::regclass::text as tbl
    from pg_trigger a
    where a.tgfoid = 'app_private.tg__audit'::regproc
      and a.tgtype & 28 <> (select coalesce(bit_or(o.tgtype & 28), 0) from pg_trigger o
                            where o.tgrelid = a.tgrelid and o.tgfoid = 'app_private.tg__audit_chains_in_order'::regproc and o.tgenabled <> 'D'
                              and o.tgtype & 3 = 1 and o.tgname < a.tgname -- for each row, after, before the audit
                              and case when o.tgtype & 8 <> 0 then o.tgoldtable else o.tgnewtable end = 'changed')`);
  expect(rows).toEqual([]);
});

// a table audited without it loses its rows to a truncate with no entry (a truncate fires no row trigger)
test("every audited table refuses a truncate before it begins, whatever reaches it", async () => {
  const { rows } = await rootPool().query(`
    select a.tgrelid::regclass::text as tbl
    from pg_trigger a
    where a.tgfoid = 'app_private.tg__audit'::regproc
      and not exists (select from pg_trigger o
                      where o.tgrelid = a.tgrelid and o.tgfoid = 'app_private.tg__truncate_refused'::regproc and o.tgenabled <> 'D'
                        and o.tgtype & 32 <> 0 and o.tgtype & 3 = 2) -- truncate, before, for each statement
    order by 1`);
  expect(rows).toEqual([]);
});

// it re-read the entry as the owner role, which reads every clinic's: a row made up in SQL named another clinic's actor
test("an entry names its actor to those who may read it, and a row made up by the caller, of another clinic's entry, names no one", async () => {
  const { owner } = clinic.members;
  await committedAs(await openSession(owner.userId, clinic.clinicId), (c) => c.query("update app_public.clinic set invoice_footer = 'Named' where id = $1", [clinic.clinicId]));
  const { rows: [entry] } = await rootPool().query(
    "select id from app_public.audit_log where clinic_id = $1 and actor_user_id = $2 order by seq desc limit 1",
    [clinic.clinicId, owner.userId],
  );
  const nameOf = (session: string) =>
    asSession(session, async (c) =>
      (await c.query("select app_public.audit_log_actor_name(a) as name from app_public.audit_log a where a.id = $1", [entry.id])).rows[0]?.name ??
      (await c.query("select app_public.audit_log_actor_name(row($1, null, null, null, null, null, null, null, null, null, null, null, null)::app_public.audit_log) as name", [entry.id])).rows[0].name,
    );
  const { rows: [{ full_name: name }] } = await rootPool().query(`select full_name from app_public."user" where id = $1`, [owner.userId]);
  expect(await nameOf(await openSession(owner.userId, clinic.clinicId))).toBe(name);
  const other = await createClinic();
  expect(await nameOf(await openSession(other.members.owner.userId, other.clinicId))).toBeNull();
});

// 000379: a member removed and invited again is pending (invite_again clears accepted_at), and one who then declines
// stays so: every entry of theirs from their years as a member named no one, the investigator left with an id
test("an entry names a former member invited again, pending or declined, but never someone who never accepted", async () => {
  const other = await createClinic();
  const { owner, receptionist } = other.members;
  const { rows: [{ full_name: name }] } = await rootPool().query(`select full_name from app_public."user" where id = $1`, [receptionist.userId]);
  await committedAs(await openSession(receptionist.userId, other.clinicId), (c) =>
    c.query("insert into app_public.patient (first_name, last_name) values ('Named', 'Before')"));
  const ownerSession = await openSession(owner.userId, other.clinicId);
  const namesOf = (actor: string) =>
    asSession(ownerSession, async (c) =>
      (await c.query("select app_public.audit_log_actor_name(a) as name from app_public.audit_log a where a.actor_user_id = $1 order by seq", [actor])).rows.map((r) => r.name));
  expect(await namesOf(receptionist.userId)).toEqual([name]);
  await committedAs(ownerSession, async (c) => {
    await c.query("select app_public.remove_member($1)", [receptionist.membershipId]);
    await c.query("select app_public.invite_member($1, 'Asked Again', 'receptionist', 'password-of-the-inviter')", [receptionist.phone]);
  });
  expect(await namesOf(receptionist.userId)).toEqual([name]); // pending again
  await committedAs(await openSession(receptionist.userId, null), (c) => c.query("select app_public.decline_invitation($1)", [other.clinicId]));
  expect(await namesOf(receptionist.userId)).toEqual([name, name]); // declined: the patient, and the decline
  // someone invited who never accepted: their decline names no one (their name is never shown to the clinic)
  const stranger = await createUser();
  await committedAs(ownerSession, (c) => c.query("select app_public.invite_member($1, 'Typed By The Clinic', 'doctor', 'password-of-the-inviter')", [stranger.phone]));
  await committedAs(await openSession(stranger.userId, null), (c) => c.query("select app_public.decline_invitation($1)", [other.clinicId]));
  expect(await namesOf(stranger.userId)).toEqual([null]);
});

test("an update that changes nothing writes nothing", async () => {
  const { receptionist } = clinic.members;
  const before = await entriesFor(receptionist.membershipId);
  await rootPool().query("update app_public.membership set role = role where id = $1", [receptionist.membershipId]);
  expect(await entriesFor(receptionist.membershipId)).toHaveLength(before.length);
});

// a form sent back as it is moved updated_at and updated_by to whoever saved it, where the log above has no entry (000408)
test("an update that changes nothing keeps the row's stamps, where a change moves them", async () => {
  const { receptionist, owner } = clinic.members;
  const patient = await createPatient(clinic.clinicId);
  const stampsOf = async () =>
    (await rootPool().query("select updated_at, updated_by from app_public.patient where id = $1", [patient.id])).rows[0];
  await committedAs(await openSession(owner.userId, clinic.clinicId), (c) => c.query("update app_public.patient set address = 'Owner Road' where id = $1", [patient.id]));
  const changed = await stampsOf();
  expect(changed.updated_by).toBe(owner.userId);
  // the receptionist's screen saves the patient back as it is: nothing changed, nothing stamped
  await committedAs(await openSession(receptionist.userId, clinic.clinicId), (c) =>
    c.query("update app_public.patient set first_name = first_name, last_name = last_name, address = address, notes = notes where id = $1", [patient.id]));
  expect(await stampsOf()).toEqual(changed);
  // a change of hers is hers
  await committedAs(await openSession(receptionist.userId, clinic.clinicId), (c) => c.query("update app_public.patient set address = 'Front Desk Road' where id = $1", [patient.id]));
  const after = await stampsOf();
  expect(after.updated_by).toBe(receptionist.userId);
  expect(after.updated_at.getTime()).toBeGreaterThan(changed.updated_at.getTime());
});

// a table stamped later keeps its stamps through an unchanged save only with the trigger: the last before trigger, so
// that what the others make of the row (a name as meant, a code kept) is what is compared
test("every stamped table keeps the stamps of an update that changes nothing, in its last before-update trigger", async () => {
  const { rows } = await rootPool().query(`
    select t.tgrelid::regclass::text as tbl,
      (select k.tgname from pg_trigger k where k.tgrelid = t.tgrelid and k.tgtype & 3 = 3 and k.tgtype & 16 <> 0 and not k.tgisinternal
       order by k.tgname desc limit 1) as last_before_update
    from pg_trigger t where t.tgfoid = 'app_private.tg__timestamps'::regproc
    order by 1`);
  expect(rows.length).toBeGreaterThan(10);
  expect(rows.filter((r) => r.last_before_update !== "_999_unchanged_keeps_stamps")).toEqual([]);
  // given its table's generated columns (computed after the before triggers, left out of the comparison), so that it
  // reads no catalog per row (000414): a column made generated later is given to it by keep_stamps_of_unchanged_rows
  const { rows: given } = await rootPool().query(`
    select t.tgrelid::regclass::text as tbl,
      coalesce((select array_agg(a.attname::text order by a.attnum) from pg_attribute a
                where a.attrelid = t.tgrelid and a.attgenerated <> '' and not a.attisdropped), '{}') as generated,
      case when t.tgnargs = 0 then '{}' else string_to_array(rtrim(encode(t.tgargs, 'escape'), '\\000'), '\\000') end as arguments
    from pg_trigger t where t.tgname = '_999_unchanged_keeps_stamps'`);
  expect(given.filter((r) => r.generated.join() !== r.arguments.join())).toEqual([]);
  expect(given.filter((r) => r.generated.length > 0).length).toBeGreaterThan(3);
  const { rows: [{ fn }] } = await rootPool().query("select tgfoid::regproc::text as fn from pg_trigger where tgname = '_999_unchanged_keeps_stamps' limit 1");
  expect(fn).toBe("app_private.tg__unchanged_keeps_stamps");
});

// clinicops.audit_by names the operator's command that made a change (000392), but any session may set a custom setting
// for itself: an entry believed it of whoever set it, so a member's change written through the API's role claimed to be
// npm run superuser's (000395)
test("an entry says what operator's command made it only for the operator's or a superuser's connection, not for a session that sets clinicops.audit_by itself", async () => {
  const { owner, cashier } = clinic.members;
  const detailOfLast = async () =>
    (await rootPool().query("select detail, actor_user_id from app_public.audit_log where record_id = $1 order by seq desc limit 1", [cashier.membershipId])).rows[0];
  await committedAs(await openSession(owner.userId, clinic.clinicId), async (client) => {
    await client.query("select set_config('clinicops.audit_by', 'npm run superuser', true)");
    await client.query("update app_public.membership set role = 'receptionist' where id = $1", [cashier.membershipId]);
  });
  expect(await detailOfLast()).toEqual({ detail: null, actor_user_id: owner.userId });
  const root = await rootPool().connect();
  try {
    await root.query("begin");
    await root.query("select set_config('clinicops.audit_by', 'a data fix', true)");
    await root.query("update app_public.membership set role = 'cashier' where id = $1", [cashier.membershipId]);
    await root.query("commit");
  } finally {
    root.release();
  }
  expect(await detailOfLast()).toEqual({ detail: { by: "a data fix" }, actor_user_id: null });
});

// A failed login's actor is the account when the account's own session asked (a wrong current password at POST
// /auth/password), no one when anyone could have typed the phone. A password change the address throttle refused was
// asked by the account's session too, but its entry (address_throttled) named no one, as a stranger's guess at the phone:
// a stolen cookie trying the password from a throttled network was not among what its person's session did (000507)
test("a password change the address throttle refuses is the act of the session's account, as a wrong current password is; a login from such an address is no one's", async () => {
  const member = await addMember(clinic.clinicId, await createUser(), "receptionist");
  const throttled = async () => {
    const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
    await rootPool().query("insert into app_private.login_failure (ip, phone) select $1::inet, '+255700000000' from generate_series(1, 20)", [ip]);
    return ip;
  };
  const entryFrom = async (ip: string) =>
    (await rootPool().query(
      "select detail ->> 'reason' as reason, record_id, actor_user_id from app_public.audit_log where action = 'login_failed' and detail ->> 'ip' = $1",
      [ip],
    )).rows;
  const changedFrom = await throttled();
  const answer = await committedAs(await openSession(member.userId, clinic.clinicId), async (c) =>
    (await c.query("select app_hidden.change_password($1, 'a new long password', $2::inet) as result", [member.password, changedFrom])).rows[0].result);
  expect(answer).toEqual({ status: "invalid" });
  expect(await entryFrom(changedFrom)).toEqual([{ reason: "address_throttled", record_id: member.userId, actor_user_id: member.userId }]);
  // a login is no session's: whoever typed the phone (its password not checked, no account named)
  const loggedInFrom = await throttled();
  const login = await committedAs("", async (c) =>
    (await c.query("select app_hidden.login($1, $2, null, $3::inet, 'jest', interval '1 hour') as result", [member.phone, member.password, loggedInFrom])).rows[0].result);
  expect(login.status).toBe("invalid");
  expect(await entryFrom(loggedInFrom)).toEqual([{ reason: "address_throttled", record_id: null, actor_user_id: null }]);
});

// A statement of any table's rows in several clinics (an operator's data fix, a maintenance job's) wrote each row's entry
// as it reached the row, each chain's head locked until commit, while an act ending a person's sessions in those clinics
// (a deactivation here; a login's cap, a password change, a reset) takes the heads in the order of their ids: each held a
// head the other waited for ("deadlock detected", one of them undone); 000246 had ordered memberships' alone. The head
// the statement reaches first, the higher id's, is held by a third transaction, and the statement then the deactivation
// queue behind it (as in auth.test.ts): in the statement's order, the deactivation took the lower one meanwhile.
describe("a statement of rows of two clinics and a deactivation ending sessions in both take the chains' heads in one order", () => {
  let lo: string, hi: string;
  beforeAll(async () => {
    [lo, hi] = [clinic.clinicId, (await createClinic()).clinicId].sort();
  });
  const made = async (sql: string, clinicId: string) => (await rootPool().query(sql, [clinicId])).rows[0].id as string;
  const patientIn = (clinicId: string) => made("insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Amani', 'Juma') returning id", clinicId);
  const serviceIn = (clinicId: string) => made("insert into app_public.service (clinic_id, name, price) values ($1, 'Consultation', 1000) returning id", clinicId);
  /** Where the row of `table` with `id` is (its ctid), for an update to reach the rows in the order of a list of places. */
  const placeOf = async (table: string, id: string) =>
    (await rootPool().query(`select ctid::text as place from app_public.${table} where id = $1`, [id])).rows[0].place as string;
  // the higher id's clinic's row first: an insert's in the order given, an update's in that of the list of places it is
  // joined to, a TID scan of the table for each, the one plan left with the table's other scans and the other joins off
  // (joined by id, a small table's scan led in the order of its index or its pages, whatever the list's: CI, once)
  const listOrder = "set local enable_hashjoin = off; set local enable_mergejoin = off; set local enable_seqscan = off";
  const updateInListOrder = (table: string, set: string, also = "") =>
    `update app_public.${table} t set ${set} from (values ($1::tid), ($2::tid)) v(place) where t.ctid = v.place ${also} returning null as result`;
  const statements: [string, string, () => Promise<{ sql: string; params: unknown[] }>][] = [
    ["an insert of patients", "patient", async () => ({
      sql: "insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Amani', 'Juma'), ($2, 'Amani', 'Juma') returning null as result",
      params: [hi, lo],
    })],
    ["an update of patients", "patient", async () => ({
      sql: updateInListOrder("patient", "notes = $3"),
      params: [await placeOf("patient", await patientIn(hi)), await placeOf("patient", await patientIn(lo)), randomUUID()],
    })],
    // the operator's soft delete of rows of several clinics (a delete is soft-deleted row by row, each its own statement)
    ["a soft delete of patients by their deleted_at", "patient", async () => ({
      sql: updateInListOrder("patient", "deleted_at = now()", "and t.deleted_at is null"),
      params: [await placeOf("patient", await patientIn(hi)), await placeOf("patient", await patientIn(lo))],
    })],
    ["an update of services", "service", async () => ({
      sql: updateInListOrder("service", "category = $3"),
      params: [await placeOf("service", await serviceIn(hi)), await placeOf("service", await serviceIn(lo)), randomUUID()],
    })],
    // npm run analyst's (db/analyst-logins.ts), the clinics in the order the operator named them
    ["a grant of two clinics to an analyst", "analyst_grant", async () => ({
      sql: "insert into app_private.analyst_grant (role_name, clinic_id) select $1, unnest($2::uuid[]) returning null as result",
      params: [`analyst_${randomUUID().slice(0, 8)}`, [hi, lo]],
    })],
    ["a removal of an analyst's grants", "analyst_grant", async () => {
      const analyst = `analyst_${randomUUID().slice(0, 8)}`;
      const { rows } = await rootPool().query(
        "insert into app_private.analyst_grant (role_name, clinic_id) values ($1, $2), ($1, $3) returning ctid::text as place", [analyst, hi, lo]);
      return {
        sql: "delete from app_private.analyst_grant g using (values ($1::tid), ($2::tid)) v(place) where g.ctid = v.place returning null as result",
        params: rows.map((row) => row.place),
      };
    }],
    ["an update of clinics", "clinic", async () => ({
      sql: updateInListOrder("clinic", "invoice_footer = $3"),
      params: [await placeOf("clinic", hi), await placeOf("clinic", lo), randomUUID()],
    })],
  ];
  test.each(statements)("%s", async (_, table, statementOf) => {
    const statement = await statementOf();
    const { rows: [{ last }] } = await rootPool().query("select max(id) as last from app_public.audit_log");
    const answers = await besideADeactivation([lo, hi], async () => (await underWay(statement.sql, statement.params, null, listOrder)).result);
    expect(answers).toEqual([null, null]); // before, one of them "deadlock detected"
    // the statement wrote its rows' entries in the order it reached them, the higher id's first
    const { rows } = await rootPool().query(
      "select clinic_id from app_public.audit_log where id > $1 and clinic_id = any ($2) and table_name = $3 order by id", [last, [lo, hi], table]);
    expect(rows.map((r) => r.clinic_id)).toEqual([hi, lo]);
    const { rows: verified } = await rootPool().query("select s.is_valid from unnest($1::uuid[]) c, app_private.audit_chain_status_of(c) s", [[lo, hi]]);
    expect(verified).toEqual([{ is_valid: true }, { is_valid: true }]);
  });
});

test("a person's account made from a clinic the person is not of is in the platform's chain, not that clinic's", async () => {
  const admin = await createUser({ isPlatformAdmin: true });
  await addMember(clinic.clinicId, admin, "admin");
  const session = await openSession(admin.userId, clinic.clinicId);
  const ownerPhone = randomPhone();
  const made = await committedAs(session, async (client) =>
    (await client.query("select id from app_public.create_clinic_with_owner('Made from another clinic', 'Africa/Nairobi', 'KES', $1, 'Dora Delta', 'a long enough password')", [ownerPhone])).rows[0]);
  const { rows } = await rootPool().query(
    `select a.clinic_id, a.actor_user_id from app_public.audit_log a join app_public."user" u on u.id = a.record_id
     where a.table_name = 'user' and a.action = 'insert' and u.phone = $1`,
    [ownerPhone],
  );
  // before, in the chain of the clinic the administrator was working in, whose owner read the stranger's phone and name
  expect(rows).toEqual([{ clinic_id: null, actor_user_id: admin.userId }]);
  // the new clinic's chain has its membership, naming the account
  const { rows: memberships } = await rootPool().query(
    "select count(*)::int as n from app_public.audit_log where clinic_id = $1 and table_name = 'membership' and action = 'insert'", [made.id]);
  expect(memberships).toEqual([{ n: 1 }]);
  // an account of the clinic changed from it stays in its chain
  await committedAs(session, (client) => client.query(`update app_public."user" set full_name = 'Renamed Admin' where id = $1`, [admin.userId]));
  const { rows: renamed } = await rootPool().query(
    "select clinic_id from app_public.audit_log where table_name = 'user' and action = 'update' and record_id = $1", [admin.userId]);
  expect(renamed).toEqual([{ clinic_id: clinic.clinicId }]);
});

test("a person renaming themselves is in the audit chain of each clinic that lists them, not of one with a pending invitation or that removed them", async () => {
  const person = await createUser();
  const clinics = await Promise.all(["working", "other", "suspended", "invited", "removed"].map((name) => createClinic(`Renamed ${name}`)));
  const [working, other, suspended, invited, removed] = clinics.map((c) => c.clinicId);
  for (const clinicId of [working, other, suspended]) await addMember(clinicId, person, "receptionist");
  await rootPool().query("update app_public.membership set is_active = false where clinic_id = $1 and user_id = $2", [suspended, person.userId]);
  await rootPool().query("insert into app_public.membership (clinic_id, user_id, role, accepted_at) values ($1, $2, 'receptionist', null)", [invited, person.userId]);
  await addMember(removed, person, "receptionist");
  await rootPool().query("update app_public.membership set deleted_at = now() where clinic_id = $1 and user_id = $2", [removed, person.userId]);
  await committedAs(await openSession(person.userId, working), (client) =>
    client.query(`update app_public."user" set full_name = 'Neema Renamed' where id = $1`, [person.userId]));
  const { rows } = await rootPool().query(
    `select clinic_id, actor_user_id, old_values ->> 'full_name' as was, new_values ->> 'full_name' as is
     from app_public.audit_log where table_name = 'user' and action = 'update' and record_id = $1`,
    [person.userId],
  );
  // before, the working clinic's chain alone: the other clinic's staff list showed the new name with no entry
  expect(rows.sort((a, b) => (a.clinic_id < b.clinic_id ? -1 : 1))).toEqual([working, other, suspended].sort().map((clinicId) => ({ clinic_id: clinicId, actor_user_id: person.userId, was: `Test ${person.phone}`, is: "Neema Renamed" })));
  const { rows: verified } = await rootPool().query("select c, s.is_valid from unnest($1::uuid[]) c, app_private.audit_chain_status_of(c) s", [clinics.map((c) => c.clinicId)]);
  expect(verified.every((v) => v.is_valid)).toBe(true);
  // and an operator's correction of the phone (the platform's chain, as before) is in each of those clinics' chains too
  const phone = randomPhone();
  await rootPool().query(`update app_public."user" set phone = $2 where id = $1`, [person.userId, phone]);
  const { rows: corrected } = await rootPool().query(
    `select coalesce(clinic_id::text, 'platform') as chain from app_public.audit_log
     where table_name = 'user' and action = 'update' and record_id = $1 and new_values ->> 'phone' = $2`,
    [person.userId, phone],
  );
  expect(corrected.map((r) => r.chain).sort()).toEqual([working, other, suspended, "platform"].sort());
});

test("platform administrators read the platform's chain, in any session; a clinic's managers do not, nor the administrators other clinics' chains", async () => {
  const tried = await createUser();
  await rootPool().query("select app_private.audit_failed_login($1, '192.0.2.7', 'wrong_password', $2)", [tried.phone, tried.userId]);
  const platformEntriesOf = (client: pg.PoolClient) =>
    client.query("select clinic_id, detail ->> 'reason' as reason from app_public.audit_log where record_id = $1 and action = 'login_failed'", [tried.userId]).then((r) => r.rows);
  const admin = await createUser({ isPlatformAdmin: true });
  // before, no one read it through the API: verify_audit_chain alone reached it
  expect(await asSession(await openSession(admin.userId, null), platformEntriesOf)).toEqual([{ clinic_id: null, reason: "wrong_password" }]);
  expect(await asMember(clinic.members.owner, platformEntriesOf)).toEqual([]);
  const clinicEntries = await asSession(await openSession(admin.userId, null), async (client) =>
    (await client.query("select count(*)::int as n from app_public.audit_log where clinic_id = $1", [clinic.clinicId])).rows[0].n);
  expect(clinicEntries).toBe(0);
});

// the managers' and the platform's policies were ORed into a condition no index answers in order: a large
// clinic's newest page sorted its 2,000,000 entries (3 s), and a small clinic's walked the large one's
test("a session reads one chain, its newest entries straight from the chain's index, with no sort", async () => {
  const admin = await createUser({ isPlatformAdmin: true });
  for (const session of [await openSession(clinic.members.owner.userId, clinic.clinicId), await openSession(admin.userId, null)]) {
    const plan = await asSession(session, async (client) => {
      await client.query("set local enable_seqscan = off; set local enable_bitmapscan = off; set local enable_sort = off");
      const { rows } = await client.query("explain select seq from app_public.audit_log order by seq desc limit 50");
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
    expect(plan).toMatch(/Index (Only )?Scan Backward using audit_log_chain_seq[^\n]*\n\s+Index Cond: \(COALESCE\(clinic_id, /);
    expect(plan).not.toMatch(/Sort/);
  }
});

// the filter by action (000186): however rare an action is in a long chain, its newest entries read straight off
// an index in seq order, in the generic plan the API uses, where a filter on a column indexed otherwise reads the
// chain back until its page is full
test("one action's newest entries are read from the chain's index of actions, with no sort, in a generic plan", async () => {
  const plan = await asSession(await openSession(clinic.members.owner.userId, clinic.clinicId), async (client) => {
    // the order the index gives, whatever the statistics of the moment price a small chain's bitmap read and sort at
    // (CI once planned that under load): a chain whose index did not give it would still sort
    await client.query("set local plan_cache_mode = force_generic_plan; set local enable_bitmapscan = off; set local enable_sort = off");
    await client.query("prepare newest_of_action(text) as select seq from app_public.audit_log where action = $1 order by seq desc limit 21");
    const { rows } = await client.query("explain execute newest_of_action('export')");
    await client.query("deallocate newest_of_action");
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  });
  expect(plan).toMatch(/Index (Only )?Scan Backward using audit_log_chain_action_idx/);
  expect(plan).not.toMatch(/Sort/);
});

// what one person did (000163), newest first: the API plans it for any chain and person, and priced as the average chain's
// share of the average person's entries (a few), it read every entry of the person and sorted them for a page of 20
// (1,250 of a chain of 5,000 at 200 clinics); a person's entries are mostly of one chain (000391)
test("one person's newest entries are a page read from the chain's index of actors in its order, however many entries the person has", async () => {
  const busy = await createClinic("Busy audit clinic");
  const actor = busy.members.receptionist;
  await writeBehindTriggers(
    `insert into app_public.audit_log (clinic_id, seq, occurred_at, actor_user_id, action, table_name, record_id, prev_hash, hash)
     select $1, 1000000 + g, now() - (3000 - g) * interval '1 minute', $2, 'update', 'visit', gen_random_uuid(), 'x', 'x' from generate_series(1, 3000) g`,
    [busy.clinicId, actor.userId],
  );
  // a thousand chains (the chain is an expression, whose statistics are its index's: they cannot be set, so a thousand
  // clinics' entries are written, rolled back after, each chain's 100 by one person)
  const plan = await pageAsTheApiPlansIt(busy.members.owner, "app_public.audit_log", {},
    `select __audit_log__."seq"::text as "0" from "app_public"."audit_log" as __audit_log__ where (__audit_log__."actor_user_id" = $1::"uuid")
     order by __audit_log__."seq" desc, __audit_log__."id" desc limit 21`,
    actor.userId,
    `insert into app_public.audit_log (clinic_id, seq, occurred_at, actor_user_id, action, prev_hash, hash)
     select c, g, now(), a, 'update', 'x', 'x' from (select gen_random_uuid() as c, gen_random_uuid() as a from generate_series(1, 1000)) chains
     cross join generate_series(1, 100) g`);
  // the chain's index of actors, or of seq (here the person's entries are nearly all the chain's): either way in its order, a page
  const read = /Index Scan Backward using (audit_log_chain_actor_idx|audit_log_chain_seq) on audit_log __audit_log__ \(actual rows=(\d+) [^\n]*\n\s+Index Cond: \(+COALESCE\(clinic_id, /;
  expect(plan).toMatch(read);
  expect(Number(read.exec(plan)![2])).toBeLessThanOrEqual(22);
  expect(plan).not.toMatch(/(^|->  )Sort /m);
});

// one record's history (auditLogs(condition: { recordId }), docs/api.md): the chain's index of records was keyed by table
// first, so a record's id without its table walked the index entries of the whole chain (1,435 pages for a record's 4
// entries among 200,000) to find the record's few (000443)
test("one record's history reads that record's entries from the chain's index, not the whole chain's", async () => {
  const busy = await createClinic("Busy audit clinic of records");
  const record = randomUUID();
  const plan = await pageAsTheApiPlansIt(busy.members.owner, "app_public.audit_log", {},
    `select __audit_log__."seq"::text as "0" from "app_public"."audit_log" as __audit_log__ where (__audit_log__."record_id" = $1::"uuid")
     order by __audit_log__."seq" desc, __audit_log__."id" desc limit 100`,
    record,
    // 100,000 entries of the clinic, 4 of them the record's, in the tables a clinic writes most; 300 other chains
    `insert into app_public.audit_log (clinic_id, seq, occurred_at, actor_user_id, action, table_name, record_id, prev_hash, hash)
     select '${busy.clinicId}', 1000000 + g, now() - (100000 - g) * interval '1 minute', gen_random_uuid(), 'update', (array['visit', 'patient', 'invoice', 'payment'])[1 + g % 4],
       case when g % 25000 = 7 then '${record}'::uuid else gen_random_uuid() end, 'x', 'x' from generate_series(1, 100000) g;
     insert into app_public.audit_log (clinic_id, seq, occurred_at, actor_user_id, action, table_name, record_id, prev_hash, hash)
     select c, g, now(), gen_random_uuid(), 'update', 'visit', gen_random_uuid(), 'x', 'x' from (select gen_random_uuid() as c from generate_series(1, 300)) chains
     cross join generate_series(1, 100) g`,
    true);
  // the pages the index scan read, less those of the session's chain (the InitPlan its condition runs first; PostgreSQL
  // 15's EXPLAIN names it `InitPlan 1 (returns $0)`, 17's `InitPlan 1`)
  const pages = (match: RegExpExecArray | null) => Number(match![1]) + Number(match![2] ?? 0);
  const chain = /InitPlan 1(?: \(returns \$0\))?\n\s+->  Result [^\n]*\n\s+Buffers: shared hit=(\d+)(?: read=(\d+))?/;
  const read = /Index Scan using audit_log_chain_record_idx on audit_log __audit_log__ \(actual rows=4 [^\n]*\n\s+Index Cond: [^\n]*\n\s+Buffers: shared hit=(\d+)(?: read=(\d+))?/;
  expect(plan).toMatch(chain);
  expect(plan).toMatch(read);
  expect(pages(read.exec(plan)) - pages(chain.exec(plan))).toBeLessThanOrEqual(12); // the index's few levels, the record's entries' pages
});

// since 000182 a session reads one chain, and a login without a clinic opened a platform admin's only clinic
test("a platform admin who owns a clinic logs in to the platform, reading its chain, unless they name the clinic, whose chain they then read", async () => {
  const own = await createClinic();
  const admin = await createUser({ isPlatformAdmin: true });
  const { membershipId } = await addMember(own.clinicId, admin, "owner");
  await rootPool().query("update app_public.membership set accepted_at = now() where id = $1", [membershipId]);
  await rootPool().query("select app_private.audit_failed_login($1, '192.0.2.9', 'wrong_password', $2)", [admin.phone, admin.userId]);
  const login = async (clinicId: string | null) =>
    (await rootPool().query("select app_private.open_session($1, $2, null, null, interval '1 hour') as s", [admin.userId, clinicId])).rows[0].s;
  const chainsSeen = (sessionId: string) =>
    asSession(sessionId, async (client) =>
      (await client.query("select distinct coalesce(clinic_id::text, 'platform') as chain from app_public.audit_log")).rows.map((r) => r.chain));
  const toPlatform = await login(null);
  expect(toPlatform.clinic).toBeNull();
  expect(await chainsSeen(toPlatform.sessionId)).toEqual(["platform"]);
  const toClinic = await login(own.clinicId);
  expect(toClinic.clinic.id).toBe(own.clinicId);
  expect(await chainsSeen(toClinic.sessionId)).toEqual([own.clinicId]);
});

test("no password hash or token ever reaches the log", async () => {
  const { rows } = await rootPool().query(
    `select count(*)::int as n from app_public.audit_log
     where concat_ws(' ', old_values, new_values, detail) ~ '\\$2[aby]\\$|password_hash|"password"|eyJ[A-Za-z0-9_-]+\\.'`,
  );
  expect(rows[0].n).toBe(0);
});

describe("append-only", () => {
  const fingerprint = async () =>
    (await rootPool().query("select count(*)::int as n, md5(string_agg(hash, '' order by id)) as h from app_public.audit_log where clinic_id = $1", [
      clinic.clinicId,
    ])).rows[0];

  for (const who of ["visitor", "owner"] as const) {
    test(`the ${who} role cannot update, delete or truncate entries`, async () => {
      const before = await fingerprint();
      for (const statement of [
        "update app_public.audit_log set action = 'login' where clinic_id = $1",
        "delete from app_public.audit_log where clinic_id = $1",
        "truncate app_public.audit_log",
      ]) {
        await committedOn(async (client) => {
          await client.query(`set local role ${testConfig.roles[who]}`);
          // Neither holds the privilege: the owner only appends (write_audit) and reads (verify_audit_chain).
          const outcome = await client
            .query(statement, statement.includes("$1") ? [clinic.clinicId] : [])
            .then((r) => `changed ${r.rowCount} rows`, (e: Error) => e.message);
          expect(outcome).toMatch(/permission denied/);
        });
      }
      expect(await fingerprint()).toEqual(before);
    });
  }

  /**
   * Runs `statement` as the owner role in a transaction rolled back after, and returns its error.
   * A drop locks the log (and the tables its keys name: `clinic`, which every request reads) before
   * the guard refuses it: with other test files writing audit entries meanwhile, it waits a short
   * while for a lock, then tries again, so that it never holds them up long nor deadlocks with them.
   * The wait grows from 100 ms to 2 s, about 50 s in all, within the test's minute: at 100 ms each
   * time, a drop under another file's steady reads of `clinic` never found them all ended, in one CI
   * run of many.
   */
  async function asOwnerRolledBack(statement: string, ownerUrl = testConfig.ownerUrl): Promise<Error | null> {
    const owner = new pg.Client({ connectionString: ownerUrl });
    await owner.connect();
    try {
      for (let tries = 0; tries < 35; tries++) {
        await owner.query(`begin; set local lock_timeout = '${Math.min(100 * (tries + 1), 2000)}ms'`);
        const error: (Error & { code?: string }) | null = await owner.query(statement).then(() => null, (e) => e);
        await owner.query("rollback");
        if (error?.code !== "55P03") return error; // 55P03: a lock not had in time
      }
      throw new Error(`${statement}: never got its locks`);
    } finally {
      await owner.end();
    }
  }

  // The owner role runs the migrations and the worker (inside the API's process): were it the
  // table's owner, it could switch the rules off, delete entries, and rehash the chain and its head.
  test.each([
    ["disable the append-only trigger", "alter table app_public.audit_log disable trigger _100_append_only"],
    ["drop the append-only trigger", "drop trigger _100_append_only on app_public.audit_log"],
    ["stop forcing row-level security", "alter table app_public.audit_log no force row level security"],
    ["disable row-level security", "alter table app_public.audit_log disable row level security"],
    ["add a policy that lets it delete", "create policy owner_deletes on app_public.audit_log for delete using (true)"],
    ["drop its append policy's limits", "drop policy owner_appends on app_public.audit_log"],
    // with what depends on it (a computed column's function, policies): alone, the dependency refuses it first
    ["drop the table", "drop table app_public.audit_log cascade"],
    ["drop its append-only triggers through their function", "drop function app_private.tg_audit_log__append_only() cascade"],
    ["replace its append-only triggers' function with one that lets everything through", "create or replace function app_private.tg_audit_log__append_only() returns trigger language plpgsql as 'begin return old; end'"],
    ["rename its schema, to put another log in its place", "alter schema app_public rename to app_public_was"],
    ["give the table away", `alter table app_public.audit_log owner to ${pg.escapeIdentifier(testConfig.roles.visitor)}`],
    ["restart the id sequence", "alter sequence app_public.audit_log_id_seq restart with 1"],
    // a schema's owner may drop any index in it
    ["drop the index that keeps a chain's entries one per seq, to fork a chain", "drop index app_public.audit_log_chain_seq"],
    ["drop an index the log is read by", "drop index app_public.audit_log_chain_record_idx"],
  ])("the owner role cannot %s", async (_what, statement) => {
    expect((await asOwnerRolledBack(statement))?.message).toMatch(
      /must be owner of (table|relation|sequence) audit_log|must be owner of function tg_audit_log__append_only|permission denied|audit log(, its indexes, its triggers and its policies)? cannot be/,
    );
  });

  // The guard and the append-only trigger read their operators through the caller's search_path: the owner
  // role put operators of its own before pg_catalog's, every check answered false, and the log was dropped
  const OPERATORS_THAT_NEVER_MATCH = `create function app_public.never(text, text) returns boolean language sql immutable as 'select false';
    create operator app_public.~ (leftarg = text, rightarg = text, function = app_public.never);
    create operator app_public.~~ (leftarg = text, rightarg = text, function = app_public.never);
    set local search_path = app_public, pg_catalog;`;
  test.each([
    ["the table", "drop table app_public.audit_log cascade"],
    ["the index that keeps a chain's entries one per seq", "drop index app_public.audit_log_chain_seq"],
  ])("the owner role cannot drop %s with operators of its own before pg_catalog's", async (_what, statement) => {
    expect(await asOwnerRolledBack(`${OPERATORS_THAT_NEVER_MATCH} ${statement}`)).toMatchObject({
      code: "CFORB",
      message: "The audit log, its indexes, its triggers and its policies cannot be dropped.",
    });
  });

  // a truncate fires no row trigger: `truncate app_public.patient cascade` took every clinic's patients, visits,
  // invoices, payments, refunds and exports out with no entry, and each chain still verified
  test.each([
    ["refunds", "truncate app_public.refund"],
    ["patients, and by cascade what refers to them", "truncate app_public.patient cascade"],
    ["analysts' grants", "truncate app_private.analyst_grant"],
  ])("the owner role cannot truncate an audited table (%s), which would write no entry", async (_what, statement) => {
    const before = await fingerprint();
    expect(await asOwnerRolledBack(statement)).toMatchObject({
      code: "CFORB",
      message: expect.stringMatching(/^A truncate of app_(public|private)\.\w+ writes no audit entry: delete its rows instead/),
    });
    expect(await fingerprint()).toEqual(before);
  });

  test("the owner role cannot drop an index concurrently: refused after its first steps, the log's was left half dropped", async () => {
    const owner = new pg.Client({ connectionString: testConfig.ownerUrl });
    await owner.connect();
    try {
      // not in a transaction, as a concurrent drop runs
      await expect(owner.query("drop index concurrently app_public.audit_log_chain_seq")).rejects.toMatchObject({
        code: "CFORB",
        message: "While the audit log is sealed, only a superuser drops an index concurrently.",
      });
    } finally {
      await owner.end();
    }
    const { rows } = await rootPool().query("select indisvalid, indisready from pg_index where indexrelid = 'app_public.audit_log_chain_seq'::regclass");
    expect(rows).toEqual([{ indisvalid: true, indisready: true }]);
  });

  test("the owner role, which may append, cannot backdate an entry: an entry is dated when it is written", async () => {
    // a forged, well-chained entry of this clinic: only its date differs between the two attempts
    const append = (occurredAt: string) =>
      asOwnerRolledBack(
        `with head as (select seq + 1 as seq, hash from app_private.audit_chain_head where chain_id = '${clinic.clinicId}')
         insert into app_public.audit_log (clinic_id, seq, occurred_at, action, table_name, prev_hash, hash)
         select '${clinic.clinicId}', head.seq, ${occurredAt}, 'delete', 'patient', head.hash,
           app_private.audit_hash(head.hash, head.seq, '${clinic.clinicId}', ${occurredAt}, null, 'delete', 'patient', null, null, null, null)
         from head`,
      );
    expect(await append("'2025-01-01 09:00+00'::timestamptz")).toMatchObject({
      code: "CFORB",
      message: expect.stringMatching(/^An audit entry is dated when it is written, not 2025-01-01 /),
    });
    expect(await append("clock_timestamp() + interval '1 day'")).toMatchObject({ code: "CFORB" });
    expect(await append("clock_timestamp()")).toBeNull();
    // nor with comparisons of times of its own, before pg_catalog's, that let every date through
    const timesNeverCompare = `create function app_public.never(timestamptz, timestamptz) returns boolean language sql immutable as 'select false';
      create operator app_public.< (leftarg = timestamptz, rightarg = timestamptz, function = app_public.never);
      create operator app_public.> (leftarg = timestamptz, rightarg = timestamptz, function = app_public.never);
      set local search_path = app_public, pg_catalog;`;
    expect(await asOwnerRolledBack(`${timesNeverCompare} insert into app_public.audit_log (clinic_id, seq, occurred_at, action, table_name, prev_hash, hash)
      select '${clinic.clinicId}', seq + 1, '2020-01-01 09:00+00', 'delete', 'patient', hash, hash
      from app_private.audit_chain_head where chain_id = '${clinic.clinicId}'`)).toMatchObject({
      code: "CFORB",
      message: expect.stringMatching(/^An audit entry is dated when it is written, not 2020-01-01 /),
    });
  });

  /** Who owns the log and its trigger function, and how many guards there are. */
  const sealState = async (pool = rootPool()) =>
    (
      await pool.query(
        `select (select tableowner from pg_tables where schemaname = 'app_public' and tablename = 'audit_log') as log,
                (select pg_get_userbyid(proowner) from pg_proc where oid = 'app_private.tg_audit_log__append_only'::regproc) as trigger_function,
                (select count(*)::int from pg_event_trigger where evtname like 'keep_audit_log%') as guards`,
      )
    ).rows[0];
  /** The seal's state of the database of `config`: its log and the log's trigger function the auditor's, its three guards made. */
  const sealedOf = (config: DatabaseConfig) => ({ log: config.roles.auditor, trigger_function: config.roles.auditor, guards: 3 });
  const SEALED = sealedOf(testConfig);
  /** `statements` run as the owner role, on a connection of their own (as a session of that role's beside a start). */
  const asOwner = async (statements: string, ownerUrl = testConfig.ownerUrl) => {
    const client = new pg.Client({ connectionString: ownerUrl });
    await client.connect();
    try {
      await client.query(statements);
    } finally {
      await client.end();
    }
  };

  test("starts at once take turns, from the roles to the seal: none fails, and the log ends sealed", async () => {
    const startsAtOnce = () => Promise.all(Array.from({ length: 3 }, () => prepareDatabase(testConfig)));
    await startsAtOnce(); // sealed already: each finds nothing to change (they failed on catalog rows rewritten at once)
    await unsealAuditLog(testConfig);
    await startsAtOnce(); // one hands it over, the others find it done
    expect(await sealState()).toEqual(SEALED);
    // a log sealed before its trigger function was handed over too: the function is handed over at the next start
    await rootPool().query(`alter function app_private.tg_audit_log__append_only() owner to ${pg.escapeIdentifier(testConfig.roles.owner)}`);
    await sealAuditLog(testConfig);
    expect(await sealState()).toEqual(SEALED);
    // a guard made before it read pg_catalog's operators alone is made again, in the start's turn (a drop it guards waits)
    const guardConfig = async () => (await rootPool().query("select proconfig from pg_proc where oid = 'clinicops_guard.keep_audit_log'::regproc")).rows[0].proconfig;
    await inStartTurn(testConfig, async () => {
      await rootPool().query("alter function clinicops_guard.keep_audit_log() reset search_path");
      await sealAuditLog(testConfig);
    });
    expect(await guardConfig()).toEqual(["search_path=pg_catalog, pg_temp"]);
    // a guard the owner role owns (a backup restored as that role) is taken back, and its body made again: that role
    // could replace it, and it runs as whoever drops a table, a superuser included
    const guardOwners = async () =>
      (await rootPool().query(`select pg_get_userbyid(n.nspowner) as schema, pg_get_userbyid(p.proowner) as function
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace where p.oid = 'clinicops_guard.keep_audit_log'::regproc`)).rows[0];
    const fresh = await guardOwners();
    expect(fresh.schema).toBe(testConfig.roles.auditor);
    expect(fresh.function).not.toBe(testConfig.roles.owner);
    await inStartTurn(testConfig, async () => {
      const owner = pg.escapeIdentifier(testConfig.roles.owner);
      await rootPool().query(`alter schema clinicops_guard owner to ${owner}; alter function clinicops_guard.keep_audit_log() owner to ${owner}`);
      await sealAuditLog(testConfig);
    });
    expect(await guardOwners()).toEqual(fresh);
  });

  test("unsealed for a migration, the owner role may change the log's policies (current.sql's drop … if exists; create …)", async () => {
    // in a start's turn, as migrations run: another test file's start would seal the log again under the statement
    await inStartTurn(testConfig, async () => {
      await unsealAuditLog(testConfig);
      try {
        expect(await asOwnerRolledBack("drop policy if exists owner_reads on app_public.audit_log; create policy owner_reads on app_public.audit_log for select to current_user using (true)")).toBeNull();
      } finally {
        await sealAuditLog(testConfig);
      }
    });
    expect((await asOwnerRolledBack("drop policy if exists owner_reads on app_public.audit_log"))?.message).toMatch(/must be owner of (table|relation) audit_log/);
  });

  // What the owner role does to the log while it is unsealed, on a database of their own: made on the test database, a
  // rule, a table inheriting from the log or an index on graphile-migrate's table failed another file's read of them as a
  // superuser meanwhile (CI: audit-anchors' verification, "not a plain table"), and a rule dropped its entries
  describe("on a database of its own, what the owner role does to the log while it is unsealed", () => {
    const own = { ...ownDatabase("unsealed_log"), root: null as unknown as pg.Pool, clinicId: "" };
    const ownerRuns = (statements: string) => asOwner(statements, own.config.ownerUrl);
    const ownerRolledBack = (statement: string) => asOwnerRolledBack(statement, own.config.ownerUrl);
    const rootCommitted = <T,>(fn: (client: pg.PoolClient) => Promise<T>) => committedOn(fn, own.root);
    beforeAll(async () => {
      await own.drop();
      await prepareDatabase(own.config, () => {}, { warn: () => {} });
      own.root = new pg.Pool({ connectionString: own.url, max: 2 });
      const { rows } = await own.root.query(
        "insert into app_public.clinic (name, timezone, currency, calling_code) values ('Sealed log', 'Africa/Dar_es_Salaam', 'TZS', '255') returning id",
      );
      own.clinicId = rows[0].id;
    }, 300_000);
    afterAll(async () => {
      await own.root?.end();
      await own.drop();
    });

    // Unsealed, the log is the owner role's for any of its sessions (the worker's, anyone's with its password), not only the
    // migration's: what it gave itself then stayed once the log was sealed again, and it deleted entries from then on
    test("what the owner role gave itself on the log while it was unsealed (a grant to delete, a policy, the append-only trigger off) does not outlast the seal", async () => {
      const asRootRolledBack = (statement: string) =>
        rootCommitted(async (client) => {
          await client.query("savepoint tried");
          const error = await client.query(statement, statement.includes("$1") ? [own.clinicId] : []).then(() => null, (e: Error) => e);
          await client.query("rollback to savepoint tried");
          return error;
        });
      await inStartTurn(own.config, async () => {
        await unsealAuditLog(own.config);
        try {
          const client = new pg.Client({ connectionString: own.config.ownerUrl });
          await client.connect();
          try {
            // to PUBLIC, of which it is: granted to itself, the seal's change of owner made them the auditor's
            await client.query(`grant update, delete, truncate on app_public.audit_log to public;
              grant update (action) on app_public.audit_log to public;
              create policy owner_deletes on app_public.audit_log for all using (true);
              alter table app_public.audit_log disable trigger _100_append_only;
              alter table app_public.audit_log enable replica trigger _100_append_only_truncate`);
          } finally {
            await client.end();
          }
        } finally {
          await sealAuditLog(own.config);
        }
      });
      try {
        expect(await sealState(own.root)).toEqual(sealedOf(own.config));
        for (const statement of [`delete from app_public.audit_log where clinic_id = '${own.clinicId}'`, "truncate app_public.audit_log"]) {
          expect({ statement, error: (await ownerRolledBack(statement))?.message }).toEqual({ statement, error: expect.stringMatching(/permission denied/) });
        }
        expect((await ownerRolledBack(`update app_public.audit_log set action = 'login' where clinic_id = '${own.clinicId}'`))?.message).toMatch(/permission denied/);
        // and a superuser's delete, or truncate, still hits the append-only triggers
        expect((await asRootRolledBack("delete from app_public.audit_log where clinic_id = $1"))?.message).toMatch(/append-only/);
        expect((await asRootRolledBack("truncate app_public.audit_log"))?.message).toMatch(/append-only/);
      } finally {
        await inStartTurn(own.config, () =>
          own.root.query(`drop policy if exists owner_deletes on app_public.audit_log;
            revoke update, delete, truncate on app_public.audit_log from public;
            alter table app_public.audit_log enable trigger _100_append_only, enable trigger _100_append_only_truncate`),
        );
      }
    });

    // Only the log's owner makes a rule on it or a table inheriting from it, which no grant, trigger or row-level security
    // taken back at the seal undoes: made by the owner role while unsealed, they outlasted the seal, a rule dropping every
    // entry of its choice from then on, and the rows of its own table read as the log's entries
    test("what the owner role made of the log while it was unsealed (a rule, a table inheriting from it) does not outlast the seal", async () => {
      try {
        await inStartTurn(own.config, async () => {
          await unsealAuditLog(own.config);
          try {
            await ownerRuns(`create rule clinics_kept_out as on insert to app_public.audit_log where new.table_name = 'clinic' do instead nothing;
              create table app_private.audit_log_forged () inherits (app_public.audit_log)`);
          } finally {
            await sealAuditLog(own.config);
          }
        });
        expect(await sealState(own.root)).toEqual(sealedOf(own.config));
        // its own table's rows, written after the seal, are no entries of the log (the owner role still owns that table)
        await ownerRuns(`insert into app_private.audit_log_forged (id, clinic_id, seq, occurred_at, action, prev_hash, hash)
          values (-1, '${own.clinicId}', 999999, now(), 'delete', 'forged', 'forged')`).catch(() => {});
        const { rows: [made] } = await own.root.query(
          "insert into app_public.clinic (name, timezone, currency, calling_code) values ('Written down', 'Africa/Dar_es_Salaam', 'TZS', '255') returning id",
        );
        const { rows: [read] } = await own.root.query(
          `select (select count(*)::int from app_public.audit_log where table_name = 'clinic' and record_id = $1 and action = 'insert') as entries,
                  (select count(*)::int from app_public.audit_log where hash = 'forged') as forged`,
          [made.id],
        );
        // before, the clinic's insert had no entry (the rule dropped it), and the forged row was read as one
        expect(read).toEqual({ entries: 1, forged: 0 });
      } finally {
        await inStartTurn(own.config, () =>
          own.root.query(`drop rule if exists clinics_kept_out on app_public.audit_log;
            drop table if exists app_private.audit_log_forged`),
        );
      }
    });

    // Unlogged, the log and its ids are not written ahead: a crash empties the log (and starts its ids again), and a
    // standby failed over to has none of its entries. The owner role, unsealed, made it so, and it stayed so sealed
    test("the log the owner role made unlogged while it was unsealed is written ahead again once sealed, its ids too", async () => {
      const persistence = async () =>
        (await own.root.query("select relname, relpersistence from pg_class where oid in ('app_public.audit_log'::regclass, 'app_public.audit_log_id_seq'::regclass) order by relname")).rows;
      try {
        await inStartTurn(own.config, async () => {
          await unsealAuditLog(own.config);
          try {
            await ownerRuns("alter table app_public.audit_log set unlogged");
          } finally {
            await sealAuditLog(own.config);
          }
        });
        expect(await sealState(own.root)).toEqual(sealedOf(own.config));
        // before, both "u": unlogged
        expect(await persistence()).toEqual([{ relname: "audit_log", relpersistence: "p" }, { relname: "audit_log_id_seq", relpersistence: "p" }]);
      } finally {
        await inStartTurn(own.config, () => own.root.query("alter table app_public.audit_log set logged; alter sequence app_public.audit_log_id_seq set logged"));
      }
    });

    // The seal records the migrations run: a read of graphile-migrate's table, the owner role's, in the seal's
    // transaction. That role, unsealed, made the table one a superuser may not read (an index calling a function of its own),
    // and the seal's read refused it, rolling back the hand-over too: the log stayed the owner role's, and every later seal
    // failed alike, for as long as the role kept its index
    test("the owner role making graphile-migrate's table unreadable while the log is unsealed does not keep the log its own: the seal hands it back, then says why the count went unrecorded", async () => {
      let sealing: string | null = null;
      try {
        await inStartTurn(own.config, async () => {
          await unsealAuditLog(own.config);
          try {
            await ownerRuns(`create function app_private.kept_unsealed(integer) returns boolean language sql immutable as 'select true';
              create index migrations_kept_unsealed on graphile_migrate.migrations (hash) where app_private.kept_unsealed(1)`);
          } finally {
            sealing = await sealAuditLog(own.config).then(() => null, (error: Error) => error.message);
          }
        });
        // before, the seal failed and was rolled back: the log the owner role's
        expect({ state: await sealState(own.root), sealing }).toEqual({ state: sealedOf(own.config), sealing: expect.stringMatching(/^graphile_migrate\.migrations of .* is not a plain table/) });
      } finally {
        await ownerRuns("drop index if exists graphile_migrate.migrations_kept_unsealed; drop function if exists app_private.kept_unsealed(integer)");
        await inStartTurn(own.config, () => sealAuditLog(own.config));
      }
      expect(await sealState(own.root)).toEqual(sealedOf(own.config));
    });
  });

  // graphile-migrate's table (and its schema) is the owner role's: with its last rows taken out, the next start took
  // their migrations for pending, one of them named the log, and the start handed the log to that role while they ran
  // again (000443 dropped and made an index of it again; 000457, not made to run twice, failed the start some seconds on)
  test("rows the owner role takes out of graphile-migrate's table get no start to hand it the log: the start refuses", async () => {
    const { url, config, drop } = ownDatabase("migrations_taken_out");
    await drop();
    const quiet = { warn: () => {} };
    const logOwner = async () => {
      const root = new pg.Client({ connectionString: url });
      await root.connect();
      try {
        return (await root.query("select tableowner from pg_tables where schemaname = 'app_public' and tablename = 'audit_log'")).rows[0].tableowner;
      } finally {
        await root.end();
      }
    };
    try {
      await prepareDatabase(config, () => {}, quiet);
      // (every row taken out, or its schema dropped, the start already refuses the database as another application's)
      for (const statement of ["delete from graphile_migrate.migrations where filename >= '000443'"]) {
        const owner = new pg.Client({ connectionString: config.ownerUrl });
        await owner.connect();
        try {
          await owner.query(statement);
        } finally {
          await owner.end();
        }
        const handedOver: string[] = [];
        const watching = setInterval(() => void logOwner().then((who) => who !== config.roles.auditor && handedOver.push(who), () => {}), 20);
        try {
          await expect(prepareDatabase(config, () => {}, quiet)).rejects.toThrow(
            new RegExp(`^graphile_migrate\\.migrations of ${config.databaseName} lists \\d+ migrations, and the database had run \\d+ when its audit log was last sealed: rows were taken out of it`),
          );
        } finally {
          clearInterval(watching);
        }
        expect({ statement, handedOver, owner: await logOwner() }).toEqual({ statement, handedOver: [], owner: config.roles.auditor });
      }
    } finally {
      await drop();
    }
  }, 300_000);

  test("handing the log over behind a long transaction gives up after its lock timeout, with a message, changing nothing", async () => {
    const reader = await rootPool().connect();
    try {
      await reader.query("begin");
      await reader.query("lock table app_public.audit_log in access share mode"); // a long report reading the log
      const started = Date.now();
      await expect(unsealAuditLog(testConfig, 200)).rejects.toThrow(
        "The audit log is in use by a long transaction: handing it over waited 200 ms and gave up, changing nothing. Start again once that transaction ends (pg_stat_activity shows it).",
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await reader.query("rollback");
      reader.release();
    }
    expect(await sealState()).toEqual(SEALED);
  });

  test("even a superuser's update or delete hits the append-only trigger", async () => {
    await expect(rootPool().query("delete from app_public.audit_log where clinic_id = $1", [clinic.clinicId])).rejects.toThrow(/append-only/);
  });
});

describe("hash chain", () => {
  test("an entry's hash is what it always was, so chains written before a change of audit_hash still verify", async () => {
    // computed by the function as 000001 wrote it (SQL) and as 000076 rewrote it (PL/pgSQL): nulls, unicode,
    // microseconds before 1970 and before 1900, a number's trailing zero kept in jsonb
    const hash = async (args: unknown[]) =>
      (await rootPool().query("select app_private.audit_hash($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) as h", args)).rows[0].h;
    expect(await hash(Array(11).fill(null))).toBe("c8bfffc7b07dccca0a7f1da44c7b13ba048b8e30e2522857dc23134a24cc4693");
    expect(await hash(["9f2c", 42, "11111111-2222-3333-4444-555555555555", "1969-12-31 23:59:59.999999+00", "66666666-7777-8888-9999-000000000000",
      "update", "patient", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", '{"last_name": "Zoë"}', '{"last_name": "Zoë 🙂", "price": 1.50}', null]))
      .toBe("3bfde5e4255ef73cd54b43890cd4501e08c5028284434ab0acc85e41ae4221b1");
    expect(await hash(["", 1, "11111111-2222-3333-4444-555555555555", "1900-01-01 00:00:00.000001+00", null, "login", null, null, null, null,
      '{"ip": "10.0.0.1", "ok": true}'])).toBe("d9a33419a17febe27f784f0e72fae4510aa7d8e9605b9a04181f89df4953425e");
  });

  test("verifies, and exposes an entry edited behind the database's back", async () => {
    const tampered = await createClinic("Tampered clinic");
    await rootPool().query("update app_public.clinic set address = 'Old road 1' where id = $1", [tampered.clinicId]);
    const verify = () =>
      asMember(tampered.members.owner, async (client) => (await client.query("select * from app_public.verify_audit_chain()")).rows[0]);

    const good = await verify();
    expect(good.is_valid).toBe(true);
    expect(Number(good.entries)).toBeGreaterThanOrEqual(7);

    const { rows } = await rootPool().query(
      "select seq from app_public.audit_log where clinic_id = $1 and action = 'update' order by seq desc limit 1",
      [tampered.clinicId],
    );
    const client = await rootPool().connect();
    try {
      // a superuser, bypassing the append-only trigger
      await client.query("begin");
      await client.query("alter table app_public.audit_log disable trigger _100_append_only");
      await client.query(
        `update app_public.audit_log set new_values = jsonb_set(new_values, '{address}', '"New road 2"') where clinic_id = $1 and seq = $2`,
        [tampered.clinicId, rows[0].seq],
      );
      await client.query("alter table app_public.audit_log enable trigger _100_append_only");
      await client.query("commit");
    } finally {
      client.release();
    }
    const bad = await verify();
    expect(bad.is_valid).toBe(false);
    expect(bad.first_broken_seq).toBe(rows[0].seq);
  });

  test("exposes a deleted last entry", async () => {
    const truncated = await createClinic("Truncated clinic");
    const client = await rootPool().connect();
    try {
      await client.query("begin");
      await client.query("alter table app_public.audit_log disable trigger _100_append_only");
      await client.query(
        "delete from app_public.audit_log where id = (select max(id) from app_public.audit_log where clinic_id = $1)",
        [truncated.clinicId],
      );
      await client.query("alter table app_public.audit_log enable trigger _100_append_only");
      await client.query("commit");
    } finally {
      client.release();
    }
    const result = await asMember(truncated.members.admin, async (c) => (await c.query("select * from app_public.verify_audit_chain()")).rows[0]);
    expect(result.is_valid).toBe(false);
  });

  /** A clinic whose chain has a few entries, its seqs in order, and a verification by its owner. */
  async function chainOfEntries(name: string) {
    const chained = await createClinic(name);
    for (const address of ["Road 1", "Road 2", "Road 3"]) {
      await rootPool().query("update app_public.clinic set address = $2 where id = $1", [chained.clinicId, address]);
    }
    const { rows } = await rootPool().query("select seq from app_public.audit_log where clinic_id = $1 order by seq", [chained.clinicId]);
    const verify = () =>
      asMember(chained.members.owner, async (client) => (await client.query("select * from app_public.verify_audit_chain()")).rows[0]);
    expect(await verify()).toMatchObject({ is_valid: true, first_broken_seq: null });
    return { clinicId: chained.clinicId, seqs: rows.map((r) => r.seq as string), verify };
  }

  test("exposes an entry edited with its own hash recomputed: the next entry no longer follows it", async () => {
    const { clinicId, seqs, verify } = await chainOfEntries("Rehashed clinic");
    const [edited, next] = [seqs[seqs.length - 3], seqs[seqs.length - 2]];
    // its hash recomputed from its stored prev_hash: the entry alone checks out
    await writeBehindTriggers( // a rewrite behind the database's back, past the append-only trigger
      `update app_public.audit_log a set new_values = jsonb_set(a.new_values, '{address}', '"Elsewhere"'),
         hash = app_private.audit_hash(a.prev_hash, a.seq, a.clinic_id, a.occurred_at, a.actor_user_id, a.action, a.table_name, a.record_id,
           a.old_values, jsonb_set(a.new_values, '{address}', '"Elsewhere"'), a.detail)
       where a.clinic_id = $1 and a.seq = $2`,
      [clinicId, edited],
    );
    expect(await verify()).toMatchObject({ is_valid: false, first_broken_seq: next });
  });

  test("exposes an entry taken out of the middle, even with every later entry and the chain's head rehashed to follow", async () => {
    const { clinicId, seqs, verify } = await chainOfEntries("Gapped clinic");
    const [removed, next] = [seqs[seqs.length - 3], seqs[seqs.length - 2]];
    await writeBehindTriggers(
      `do $$
       declare
         v_prev text;
         v_entry app_public.audit_log;
       begin
         delete from app_public.audit_log a where a.clinic_id = '${clinicId}' and a.seq = ${removed};
         select a.hash into v_prev from app_public.audit_log a where a.clinic_id = '${clinicId}' and a.seq < ${removed} order by a.seq desc limit 1;
         for v_entry in select * from app_public.audit_log a where a.clinic_id = '${clinicId}' and a.seq > ${removed} order by a.seq loop
           update app_public.audit_log a set prev_hash = v_prev,
             hash = app_private.audit_hash(v_prev, a.seq, a.clinic_id, a.occurred_at, a.actor_user_id, a.action, a.table_name, a.record_id,
               a.old_values, a.new_values, a.detail)
           where a.id = v_entry.id returning a.hash into v_prev;
         end loop;
         update app_private.audit_chain_head h set hash = v_prev where h.chain_id = '${clinicId}';
       end $$`,
      [],
    );
    expect(await verify()).toMatchObject({ is_valid: false, first_broken_seq: next });
  });

  // the end was compared with the head and the entry after the last one named: an entry added past the head was told as the
  // one after it, which does not exist, and the last entry changed with its hash recomputed as the next
  test("names the entry at fault at the chain's end: one added past its head, or the last one changed with its own hash recomputed", async () => {
    const added = await chainOfEntries("Appended clinic");
    const last = Number(added.seqs[added.seqs.length - 1]);
    await writeBehindTriggers(
      `insert into app_public.audit_log (clinic_id, seq, occurred_at, action, table_name, prev_hash, hash)
       select a.clinic_id, a.seq + 1, now(), 'delete', 'patient', a.hash,
         app_private.audit_hash(a.hash, a.seq + 1, a.clinic_id, now(), null, 'delete', 'patient', null, null, null, null)
       from app_public.audit_log a where a.clinic_id = $1 and a.seq = $2`,
      [added.clinicId, last],
    );
    expect(await added.verify()).toMatchObject({ is_valid: false, first_broken_seq: String(last + 1) });
    const rehashed = await chainOfEntries("Last entry rehashed clinic");
    const edited = rehashed.seqs[rehashed.seqs.length - 1];
    await writeBehindTriggers(
      `update app_public.audit_log a set new_values = '{}',
         hash = app_private.audit_hash(a.prev_hash, a.seq, a.clinic_id, a.occurred_at, a.actor_user_id, a.action, a.table_name, a.record_id,
           a.old_values, '{}', a.detail)
       where a.clinic_id = $1 and a.seq = $2`,
      [rehashed.clinicId, edited],
    );
    expect(await rehashed.verify()).toMatchObject({ is_valid: false, first_broken_seq: edited });
  });

  // verifying failed, "cannot convert infinity to bigint": an owner was answered an error, not that the chain is broken
  test("an entry dated infinity, or past what microseconds in a bigint hold, behind the database's back breaks its chain there, and verifying says so", async () => {
    const { clinicId, seqs, verify } = await chainOfEntries("Dated out of range clinic");
    const [earlier, dated] = [seqs[seqs.length - 3], seqs[seqs.length - 2]];
    await writeBehindTriggers("update app_public.audit_log set occurred_at = 'infinity' where clinic_id = $1 and seq = $2", [clinicId, dated]);
    expect(await verify()).toMatchObject({ is_valid: false, first_broken_seq: dated });
    // past 294247-01-10, as far as a timestamp goes: "bigint out of range"
    await writeBehindTriggers("update app_public.audit_log set occurred_at = '294276-12-31 23:59:59+00' where clinic_id = $1 and seq = $2", [clinicId, earlier]);
    expect(await verify()).toMatchObject({ is_valid: false, first_broken_seq: earlier });
  });

  test("a platform admin verifying a clinic id that is no clinic is told it is not found, not that its chain is valid", async () => {
    const admin = await createUser({ isPlatformAdmin: true });
    const session = await openSession(admin.userId, null);
    await asSession(session, async (client) => {
      await expect(client.query("select * from app_public.verify_audit_chain('00000000-0000-4000-8000-000000000001')")).rejects.toMatchObject({
        code: "CNOTF",
        message: "No such clinic.",
      });
    });
    const verified = await asSession(session, (client) =>
      client.query("select entries > 0 as has_entries, is_valid from app_public.verify_audit_chain($1)", [clinic.clinicId]).then((r) => r.rows));
    expect(verified).toEqual([{ has_entries: true, is_valid: true }]);
  });

  test("only owners and admins may verify", async () => {
    await asMember(clinic.members.cashier, async (client) => {
      await expect(client.query("select * from app_public.verify_audit_chain()")).rejects.toMatchObject({ code: "CFORB" });
    });
  });

  test("an owner or admin verifies their own clinic's chain only: another clinic's id is FORBIDDEN, its entries not counted for them", async () => {
    const other = await createClinic("Other chain clinic");
    for (const member of [clinic.members.owner, clinic.members.admin]) {
      await asMember(member, async (client) => {
        await expect(client.query("select * from app_public.verify_audit_chain($1)", [other.clinicId])).rejects.toMatchObject({
          code: "CFORB",
          message: "Only an owner or admin of the clinic may verify its audit chain.",
        });
      });
    }
    // their own, named or not
    await asMember(clinic.members.owner, async (client) => {
      const { rows } = await client.query("select is_valid from app_public.verify_audit_chain($1)", [clinic.clinicId]);
      expect(rows).toEqual([{ is_valid: true }]);
    });
  });
});

// export_cut_short wrote whatever it was given: a session running its own SQL as the API's role wrote entries of downloads
// nobody began into its clinic's chain (000325); it then read the session's row at the end, and wrote nothing once the
// hourly sweep had deleted it, and it let any session of the person who began the download end it (000342)
test("a download is audited as cut short only by the session that began it, once, as its export entry names it, its session's row deleted or not; a made-up one writes nothing", async () => {
  const { owner, cashier } = clinic.members;
  const { rows: [{ id }] } = await rootPool().query(
    `insert into app_public.report_export (clinic_id, kind, from_date, to_date, status, file_name, content_type, requested_by, finished_at, expires_at)
     values ($1, 'patients_csv', current_date, current_date, 'done', 'patients.csv', 'text/csv', $2, now(), now() + interval '1 day') returning id`,
    [clinic.clinicId, owner.userId],
  );
  const [ownerSession, ownerTab, cashierSession] = [
    await openSession(owner.userId, clinic.clinicId), await openSession(owner.userId, clinic.clinicId), await openSession(cashier.userId, clinic.clinicId),
  ];
  const begin = () => committedAs(ownerSession, async (client) =>
    (await client.query("select download_id from app_hidden.export_for_download($1)", [id])).rows[0].download_id as string);
  const [downloadId, wholeId] = [await begin(), await begin()];
  const ended = (session: string, download: string, whole = false) =>
    committedAs(session, (client) => client.query("select app_hidden.export_download_ended($1, $2, $3)", [id, download, whole]));
  await ended(cashierSession, downloadId); // another person's download
  await ended(ownerTab, downloadId); // the person's, begun by another of their sessions
  await ended(ownerSession, randomUUID()); // a download never begun
  await ended(ownerSession, wholeId, true); // a whole download: nothing to audit
  await ended(ownerSession, wholeId); // and it has ended already
  await rootPool().query("delete from app_private.session where id = $1", [ownerSession]); // as the hourly sweep does
  await ended(ownerSession, downloadId); // the one begun
  await ended(ownerSession, downloadId); // and again
  const { rows } = await rootPool().query("select action, actor_user_id, detail from app_public.audit_log where record_id = $1 and action like 'export%' order by seq", [id]);
  const entry = (action: string, download = downloadId) => ({ action, actor_user_id: owner.userId, detail: { kind: "patients_csv", file: "patients.csv", download } });
  expect(rows).toEqual([entry("export"), entry("export", wholeId), entry("export_cut_short")]);
  // what each beginning kept for its end is gone with its end
  expect((await rootPool().query("select from app_private.export_download where export_id = $1", [id])).rowCount).toBe(0);
});
