/**
 * Two deletes of one patient at once give one of them the row and the other
 * NOT_FOUND: the row is locked before it is deleted, so the second waits and
 * then finds it gone (it used to read back the row the first had deleted).
 * A booking and a delete of its patient at once leave no visit of a deleted
 * patient: the booking waits for a delete in flight and is then refused, and a
 * delete that comes second waits for the booking; so with an invoice, and with
 * the operator's soft delete by an update. A DELETE by the API role
 * never removes a patient, service or visit. The functions that see deleted
 * rows (clinicops.include_deleted) leave the setting as they found it.
 */
import pg from "pg";
import { randomUUID } from "node:crypto";
import { ensureRolesAndDatabase, inStartTurn } from "../../db/setup.ts";
import { apiPool, closeRootPool, ownDatabase, rootPool, testConfig } from "../support/database.ts";
import { addMember, asMember, committedAs, createClinic, createPatient, createService, createUser, createVisit, openSession, type TestClinic } from "../support/fixtures.ts";
import { atOnce, outcome, trackBackend, waitsForLock } from "../support/locks.ts";
import { beginWithSettings } from "../../server/pg-transaction.ts";
import { until } from "../support/until.ts";

let clinic: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Soft delete clinic");
});
afterAll(closeRootPool);

const DELETE = "select code from app_public.delete_patient($1)";
const BOOK = "insert into app_public.visit (patient_id, doctor_id, scheduled_at) values ($1, $2, now()) returning code";

test("an owner's delete in flight and an admin's: one row, one NOT_FOUND", async () => {
  const patient = await createPatient(clinic.clinicId);
  await atOnce(clinic.members.owner, clinic.members.admin, async (owner, admin) => {
    expect((await owner.query(DELETE, [patient.id])).rows).toEqual([{ code: patient.code }]);
    const second = outcome(admin.query(DELETE, [patient.id]));
    expect(await waitsForLock(admin, second)).toBe(true);
    await owner.query("commit");
    expect(await second).toBe("CNOTF");
  });
});

test("a booking while its patient's delete is in flight waits for it, then is refused", async () => {
  const patient = await createPatient(clinic.clinicId);
  await atOnce(clinic.members.owner, clinic.members.receptionist, async (owner, receptionist) => {
    expect((await owner.query(DELETE, [patient.id])).rows).toEqual([{ code: patient.code }]);
    const booking = outcome(receptionist.query(BOOK, [patient.id, clinic.members.doctor.membershipId]));
    expect(await waitsForLock(receptionist, booking)).toBe(true);
    await owner.query("commit");
    expect(await booking).toBe("CINVL");
  });
  const { rows } = await rootPool().query("select count(*)::int as visits from app_public.visit where patient_id = $1", [patient.id]);
  expect(rows).toEqual([{ visits: 0 }]);
});

test("a delete while a booking of the patient is in flight waits for it, then sees the visit now under way: the visit is kept, the patient too", async () => {
  const patient = await createPatient(clinic.clinicId);
  await atOnce(clinic.members.owner, clinic.members.receptionist, async (owner, receptionist) => {
    const [{ code }] = (await receptionist.query(BOOK, [patient.id, clinic.members.doctor.membershipId])).rows;
    const deleting = outcome(owner.query(DELETE, [patient.id]));
    expect(await waitsForLock(owner, deleting)).toBe(true);
    await receptionist.query("commit");
    // before 000081 the patient was deleted after it, leaving an anonymous patient in the queue
    expect(await deleting).toBe("CINVL");
    const { rows } = await rootPool().query("select v.code, p.deleted_at is not null as deleted from app_public.visit v join app_public.patient p on p.id = v.patient_id where v.patient_id = $1", [patient.id]);
    expect(rows).toEqual([{ code, deleted: false }]);
  });
});

// The operator soft-deletes with an update (operations.md, "SQL over several clinics"), which locked the row only against
// other updates: the foreign key's check of a booking or an invoice (key share) went on beside it, each of the two
// checked before the other had committed (the second then waited, but for the clinic's audit chain, after its checks),
// and both went through: a deleted patient with a visit in the queue, or with a draft to pay. The update now locks the
// row as a DELETE does.
const OPERATOR_DELETE = "update app_public.patient set deleted_at = now() where id = $1 and deleted_at is null";
const uses = [
  ["a booking", "receptionist", "visit", BOOK, (patientId: string) => [patientId, clinic.members.doctor.membershipId]],
  ["an invoice", "cashier", "invoice", "insert into app_public.invoice (patient_id) values ($1) returning code", (patientId: string) => [patientId]],
] as const;

/** A member's write (its transaction opened as the API opens a clinic's write, its turn taken) and the operator's psql, at once. */
async function besideTheOperator(role: "receptionist" | "cashier", fn: (member: pg.PoolClient, operator: pg.PoolClient) => Promise<void>) {
  const member = await apiPool().connect();
  const operator = await rootPool().connect();
  try {
    await trackBackend(member);
    await trackBackend(operator);
    await beginWithSettings(member, {
      role: testConfig.roles.visitor,
      "jwt.claims.session_id": await openSession(clinic.members[role].userId, clinic.clinicId),
      "jwt.claims.clinic_id": clinic.clinicId,
    });
    await operator.query("begin");
    await operator.query(`set local role ${pg.escapeIdentifier(testConfig.roles.owner)}`);
    await fn(member, operator);
  } finally {
    for (const client of [member, operator]) {
      await client.query("rollback");
      client.release();
    }
  }
}

/** Whether the patient is deleted, and how many rows of `table` are theirs. */
const patientWith = async (table: "visit" | "invoice", patientId: string) =>
  (
    await rootPool().query(
      `select p.deleted_at is not null as deleted, (select count(*)::int from app_public.${table} t where t.patient_id = p.id) as rows
       from app_public.patient p where p.id = $1`,
      [patientId],
    )
  ).rows;

test.each(uses)("%s while an operator's soft delete (an update) is in flight waits for it, then is refused", async (_, role, table, use, params) => {
  const patient = await createPatient(clinic.clinicId);
  await besideTheOperator(role, async (member, operator) => {
    expect((await operator.query(OPERATOR_DELETE, [patient.id])).rowCount).toBe(1);
    const using = outcome(member.query(use, params(patient.id)));
    expect(await waitsForLock(member, using)).toBe(true);
    await operator.query("commit");
    expect(await using).toBe("CINVL");
    await member.query("commit");
  });
  expect(await patientWith(table, patient.id)).toEqual([{ deleted: true, rows: 0 }]);
});

test.each(uses)("an operator's soft delete (an update) while %s is in flight waits for it, then sees it: refused", async (_, role, table, use, params) => {
  const patient = await createPatient(clinic.clinicId);
  await besideTheOperator(role, async (member, operator) => {
    await member.query(use, params(patient.id));
    const deleting = outcome(operator.query(OPERATOR_DELETE, [patient.id]));
    expect(await waitsForLock(operator, deleting)).toBe(true);
    await member.query("commit");
    expect(await deleting).toBe("CINVL");
    await operator.query("commit");
  });
  expect(await patientWith(table, patient.id)).toEqual([{ deleted: false, rows: 1 }]);
});

test("a DELETE by the API's role, even an owner's, keeps the row: patients and services are soft-deleted, visits not deleted at all", async () => {
  const patient = await createPatient(clinic.clinicId);
  const service = await createService(clinic.clinicId);
  const visit = await createVisit(clinic);
  await committedAs(await openSession(clinic.members.owner.userId, clinic.clinicId), async (client) => {
    for (const [table, id] of [["patient", patient.id], ["service", service.id]]) {
      expect((await client.query(`delete from app_public.${table} where id = $1`, [id])).rowCount).toBe(0); // the trigger did the work instead
    }
    await client.query("savepoint visit");
    await expect(client.query("delete from app_public.visit where id = $1", [visit.id])).rejects.toThrow(/permission denied/);
    await client.query("rollback to savepoint visit");
  });
  const { rows } = await rootPool().query(
    `select 'patient' as kind, deleted_by from app_public.patient where id = $1
     union all select 'service', deleted_by from app_public.service where id = $2
     union all select 'visit', null from app_public.visit where id = $3 order by 1`,
    [patient.id, service.id, visit.id],
  );
  expect(rows).toEqual([
    { kind: "patient", deleted_by: clinic.members.owner.userId },
    { kind: "service", deleted_by: clinic.members.owner.userId },
    { kind: "visit", deleted_by: null },
  ]);
  const audit = await rootPool().query("select action from app_public.audit_log where record_id = any($1) and action like '%delete%'", [[patient.id, service.id]]);
  expect(audit.rows).toEqual([{ action: "soft_delete" }, { action: "soft_delete" }]);
});

test("a restored patient, service or member is live again with no trace of the delete on the row: neither deleted_at nor deleted_by (the audit log keeps who deleted it)", async () => {
  const patient = await createPatient(clinic.clinicId);
  const service = await createService(clinic.clinicId);
  const member = await addMember(clinic.clinicId, await createUser(), "doctor");
  const owner = await openSession(clinic.members.owner.userId, clinic.clinicId);
  const calls: [string, string, string, string][] = [
    ["patient", patient.id, "delete_patient", "restore_patient"],
    ["service", service.id, "delete_service", "restore_service"],
    ["membership", member.membershipId, "remove_member", "restore_member"],
  ];
  for (const [table, id, remove, restore] of calls) {
    await committedAs(owner, (c) => c.query(`select app_public.${remove}($1)`, [id]));
    await committedAs(owner, (c) => c.query(`select app_public.${restore}($1)`, [id]));
    const { rows } = await rootPool().query(`select deleted_at, deleted_by from app_public.${table} where id = $1`, [id]);
    expect({ table, ...rows[0] }).toEqual({ table, deleted_at: null, deleted_by: null });
    const audit = await rootPool().query("select action, actor_user_id from app_public.audit_log where record_id = $1 and action in ('soft_delete', 'restore') order by seq", [id]);
    expect(audit.rows).toEqual([
      { action: "soft_delete", actor_user_id: clinic.members.owner.userId },
      { action: "restore", actor_user_id: clinic.members.owner.userId },
    ]);
  }
});

describe("SQL run as the API's role that turns clinicops.include_deleted on by hand", () => {
  // before 000320 the select policies believed the setting whoever had set it: a doctor, a cashier or a receptionist read
  // the deleted patients and services and the removed members, which only owners and admins list, and a receptionist
  // edited a deleted patient
  let patient: { id: string };
  let service: { id: string };
  let removed: { membershipId: string };
  beforeAll(async () => {
    [patient, service] = [await createPatient(clinic.clinicId), await createService(clinic.clinicId)];
    removed = await addMember(clinic.clinicId, await createUser(), "cashier");
    await committedAs(await openSession(clinic.members.owner.userId, clinic.clinicId), async (client) => {
      await client.query("select app_public.delete_patient($1), app_public.delete_service($2), app_public.remove_member($3)",
        [patient.id, service.id, removed.membershipId]);
    });
  });

  test.each(["doctor", "cashier", "receptionist"] as const)("as a %s sees no deleted patient, service or removed member", async (role) => {
    const seen = await asMember(clinic.members[role], async (client) => {
      await client.query("select set_config('clinicops.include_deleted', 'on', true)");
      const { rows } = await client.query(
        `select (select count(*)::int from app_public.patient where id = $1) as patients, (select count(*)::int from app_public.service where id = $2) as services,
                (select count(*)::int from app_public.membership where id = $3) as members`,
        [patient.id, service.id, removed.membershipId],
      );
      return rows[0];
    });
    expect(seen).toEqual({ patients: 0, services: 0, members: 0 });
  });

  test("as a receptionist changes nothing of a deleted patient", async () => {
    const updated = await asMember(clinic.members.receptionist, async (client) => {
      await client.query("select set_config('clinicops.include_deleted', 'on', true)");
      return (await client.query("update app_public.patient set notes = 'edited while deleted' where id = $1 returning id", [patient.id])).rowCount;
    });
    expect(updated).toBe(0);
  });

  test("the functions that set it in their definition still see deleted rows: an owner lists them", async () => {
    const listed = await asMember(clinic.members.owner, async (client) => ({
      patients: (await client.query("select id from app_public.deleted_patients() where id = $1", [patient.id])).rowCount,
      services: (await client.query("select id from app_public.deleted_services() where id = $1", [service.id])).rowCount,
      members: (await client.query("select membership_id from app_public.removed_members() where membership_id = $1", [removed.membershipId])).rowCount,
    }));
    expect(listed).toEqual({ patients: 1, services: 1, members: 1 });
  });
});

// patients_born_named gave the ids of deleted patients of a name and birth date to any session that called it by hand (000327)
test("a deleted patient's id is given by their names and birth date to owners and admins only, whatever a session turns on", async () => {
  const born = { first_name: "Neema", last_name: `Born ${randomUUID().slice(0, 6)}`, date_of_birth: "1991-07-08" };
  const [live, deleted] = [await createPatient(clinic.clinicId, born), await createPatient(clinic.clinicId, born)];
  await committedAs(await openSession(clinic.members.owner.userId, clinic.clinicId), (client) => client.query("select app_public.delete_patient($1)", [deleted.id]));
  const named = (role: "owner" | "admin" | "doctor" | "cashier" | "receptionist", turnedOn: boolean) =>
    asMember(clinic.members[role], async (client) => {
      if (turnedOn) await client.query("select set_config('clinicops.include_deleted', 'on', true)");
      const { rows } = await client.query("select id from app_hidden.patients_born_named($1, $2, $3) id", [born.date_of_birth, born.first_name, born.last_name]);
      return rows.map((row) => (row.id === live.id ? "live" : row.id === deleted.id ? "deleted" : row.id)).sort();
    });
  const heard: Record<string, string[]> = {};
  for (const role of ["owner", "admin", "doctor", "cashier", "receptionist"] as const) {
    for (const turnedOn of [false, true]) heard[`${role}${turnedOn ? " turning it on" : ""}`] = await named(role, turnedOn);
  }
  expect(heard).toEqual({
    owner: ["deleted", "live"], "owner turning it on": ["deleted", "live"],
    admin: ["deleted", "live"], "admin turning it on": ["deleted", "live"],
    doctor: ["live"], "doctor turning it on": ["live"],
    cashier: ["live"], "cashier turning it on": ["live"],
    receptionist: ["live"], "receptionist turning it on": ["live"],
  });
});

describe("clinicops.include_deleted after a function that sees deleted rows is what it was before the call", () => {
  const setting = async (client: pg.ClientBase) =>
    (await client.query("select coalesce(current_setting('clinicops.include_deleted', true), '') as value")).rows[0].value as string;
  const sees = async (client: pg.ClientBase, table: string, id: string) =>
    (await client.query(`select count(*)::int as n from app_public.${table} where id = $1`, [id])).rows[0].n === 1;

  // each: the call, then the deleted row that a plain select afterwards does not see
  const calls: [string, (client: pg.ClientBase) => Promise<{ table: string; id: string }>][] = [
    ["deleted_patients", async (client) => {
      const patient = await createPatient(clinic.clinicId);
      await client.query("select app_public.delete_patient($1)", [patient.id]);
      expect((await client.query("select id from app_public.deleted_patients()")).rows).toContainEqual({ id: patient.id });
      return { table: "patient", id: patient.id };
    }],
    ["deleted_services", async (client) => {
      const service = await createService(clinic.clinicId);
      await client.query("select app_public.delete_service($1)", [service.id]);
      expect((await client.query("select id from app_public.deleted_services()")).rows).toContainEqual({ id: service.id });
      return { table: "service", id: service.id };
    }],
    ["restore (restore_patient)", async (client) => {
      const [stays, comesBack] = [await createPatient(clinic.clinicId), await createPatient(clinic.clinicId)];
      await client.query("select app_public.delete_patient($1), app_public.delete_patient($2)", [stays.id, comesBack.id]);
      await client.query("select app_public.restore_patient($1)", [comesBack.id]);
      return { table: "patient", id: stays.id };
    }],
    ["soft_delete (delete_patient)", async (client) => {
      const patient = await createPatient(clinic.clinicId);
      await client.query("select app_public.delete_patient($1)", [patient.id]);
      return { table: "patient", id: patient.id };
    }],
  ];

  test.each(calls)("%s, called with it on (as by a function that turned it on), leaves it on", async (_, call) => {
    await asMember(clinic.members.owner, async (client) => {
      await client.query("select set_config('clinicops.include_deleted', 'on', true)");
      const deleted = await call(client);
      expect(await setting(client)).toBe("on");
      // on counts for the functions that set it, running as the owner role, not for the session's own statements (000320)
      expect(await sees(client, deleted.table, deleted.id)).toBe(false);
    });
  });

  test.each(calls)("%s, called with it off, leaves it off: the next statement does not see the deleted row", async (_, call) => {
    await asMember(clinic.members.owner, async (client) => {
      const deleted = await call(client);
      expect(await setting(client)).toBe("");
      expect(await sees(client, deleted.table, deleted.id)).toBe(false);
    });
  });

  test("no function sets it by hand: those that see deleted rows set it in their definition", async () => {
    const { rows } = await rootPool().query(`
      select p.oid::regprocedure::text as name, coalesce('clinicops.include_deleted=on' = any (p.proconfig), false) as in_definition,
        position('set_config(''clinicops.include_deleted''' in p.prosrc) > 0 as by_hand
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('app_public', 'app_hidden', 'app_private', 'reporting')
        and (position('set_config(''clinicops.include_deleted''' in p.prosrc) > 0 or 'clinicops.include_deleted=on' = any (p.proconfig))
      order by 1`);
    expect(rows).toEqual(
      [
        "app_hidden.patients_born_named(date,text,text)",
        "app_private.audit_chain_of_person(uuid)",
        "app_private.bill_visit_services(app_public.invoice,uuid[])",
        // create_patient's: whether a deleted patient was registered with a key (000450)
        "app_private.deleted_patient_has_key(uuid,text)",
        // a row with the id or key of a deleted patient or service is no new row either: its number given back (000505),
        // asked of one function since (000510)
        "app_private.insert_repeats_a_row(text,uuid,uuid,text)",
        "app_private.invite_again(uuid,uuid,app_public.member_role)",
        "app_private.kinds_with_codes(uuid,text)",
        "app_private.memberships_added_lately(uuid)",
        "app_private.move_rollups_to_zone(uuid,text,text)",
        "app_private.patient_duplicates(text,text,text,date,uuid)",
        "app_private.rebuild_rollups(uuid)",
        "app_private.refuse_deleted_patient(uuid,uuid)",
        "app_private.restore(anyelement,uuid,uuid)",
        "app_private.soft_delete(anyelement,uuid,uuid)",
        "app_private.soft_deleted_row(anyelement,uuid,uuid)",
        "app_private.tg__soft_delete()",
        "app_private.tg_clinic__currency_kept()",
        "app_private.tg_invoice_line__guard()",
        "app_private.tg_membership__declined_stays_declined()",
        // whether the invoice's patient is deleted, read before the payment of the row's key is looked for (000509)
        "app_private.tg_payment__invoice_issued()",
        "app_public.audit_log_actor_name(app_public.audit_log)",
        "app_public.create_service(app_public.service)",
        "app_public.dashboard(date,date)",
        "app_public.deleted_patients()",
        "app_public.deleted_services()",
        "app_public.invoice_patient_name(app_public.invoice)",
        "app_public.removed_members()",
        "app_public.visit_doctor_name(app_public.visit)",
        "app_public.visit_patient_name(app_public.visit)",
        "app_public.visit_service_service_name(app_public.visit_service)",
      ].map((name) => ({ name, in_definition: true, by_hand: false })),
    );
  });

  test("every start grants the owner role SET on it, which a function's definition needs (a superuser's grant, for the whole server)", async () => {
    const granted = async () =>
      (await rootPool().query("select has_parameter_privilege($1, 'clinicops.include_deleted', 'SET') as granted", [testConfig.roles.owner])).rows[0].granted;
    await rootPool().query(`revoke set on parameter clinicops.include_deleted from ${pg.escapeIdentifier(testConfig.roles.owner)}`);
    expect(await granted()).toBe(false);
    // what every start does first, in its turn (a whole start here would seal the audit log under audit.test.ts)
    await inStartTurn(testConfig, () => ensureRolesAndDatabase(testConfig));
    expect(await granted()).toBe(true);
  });

  test("a first start whose grant meets another session's grant of the setting at the same moment grants it all the same (the server's one row, rewritten by both)", async () => {
    const { config, drop } = ownDatabase("grant_race");
    const other = `${config.databaseName}_other`; // dropped with the database's roles
    await drop();
    const elsewhere = await rootPool().connect();
    try {
      const { pid } = (await elsewhere.query("select pg_backend_pid() as pid")).rows[0];
      await elsewhere.query(`create role ${other}`);
      await elsewhere.query("begin");
      await elsewhere.query(`grant set on parameter clinicops.include_deleted to ${other}`); // not committed yet
      const starting = ensureRolesAndDatabase(config);
      starting.catch(() => {}); // awaited below
      // this start's grant waits for the other's, then finds the row rewritten under it
      const blocked = async () =>
        (await rootPool().query("select exists (select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid))) as waits", [pid])).rows[0].waits;
      await until(blocked, 20_000, 20);
      expect(await blocked()).toBe(true);
      await elsewhere.query("commit");
      await starting;
      const { rows } = await rootPool().query(
        "select has_parameter_privilege($1, 'clinicops.include_deleted', 'SET') as ours, has_parameter_privilege($2, 'clinicops.include_deleted', 'SET') as theirs",
        [config.roles.owner, other],
      );
      expect(rows).toEqual([{ ours: true, theirs: true }]);
    } finally {
      try {
        await elsewhere.query("rollback");
      } finally {
        elsewhere.release();
        await drop();
      }
    }
  }, 120_000);
});
