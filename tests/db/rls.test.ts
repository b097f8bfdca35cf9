/**
 * Tenancy as an attacker from another clinic would probe it: reading,
 * inserting, updating and deleting clinic B's rows as a member of clinic A,
 * with no session at all, and with a forged clinic_id.
 */
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { addMember, asMember, asSession, committedAs, createClinic, createUser, openSession, type TestClinic } from "../support/fixtures.ts";
import { pageAsTheApiPlansIt } from "../support/plans.ts";

let a: TestClinic;
let b: TestClinic;

beforeAll(async () => {
  a = await createClinic("RLS A");
  b = await createClinic("RLS B");
  // give clinic B some audit entries worth stealing
  await rootPool().query("update app_public.clinic set invoice_footer = 'B footer' where id = $1", [b.clinicId]);
});
afterAll(closeRootPool);

describe("every table", () => {
  test("has row-level security enabled and forced", async () => {
    const { rows } = await rootPool().query(`
      select n.nspname || '.' || c.relname as name, c.relrowsecurity, c.relforcerowsecurity
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname in ('app_public', 'app_hidden', 'app_private', 'reporting')
      order by 1`);
    expect(rows.length).toBeGreaterThanOrEqual(9);
    const unprotected = rows.filter((r) => !r.relrowsecurity || !r.relforcerowsecurity).map((r) => r.name);
    expect(unprotected).toEqual([]);
  });

  test("tenant tables carry clinic_id in every unique key and foreign key", async () => {
    const { rows } = await rootPool().query(`
      select c.conrelid::regclass::text as tbl, c.conname, c.contype
      from pg_constraint c
      join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'app_public' and c.contype in ('p', 'u', 'f')
        and exists (select 1 from pg_attribute a where a.attrelid = t.oid and a.attname = 'clinic_id')
        and t.relname <> 'audit_log'
        and not exists (
          select 1 from pg_attribute a where a.attrelid = t.oid and a.attname = 'clinic_id' and a.attnum = any (c.conkey)
        )
        -- a foreign key to a platform-wide table (user) is not between tenant tables
        and not (c.contype = 'f' and not exists (
          select 1 from pg_attribute a where a.attrelid = c.confrelid and a.attname = 'clinic_id'))`);
    expect(rows).toEqual([]);
  });

  // a reference dropped by a migration would leave a row of one clinic free to name another clinic's
  test("the foreign keys between tenant tables are all there, each through clinic_id (a membership's user is a person, of no clinic)", async () => {
    const { rows } = await rootPool().query<{ key: string }>(`
      select c.conrelid::regclass::text || ' (' || string_agg(a.attname, ', ' order by k.i) || ') → ' || c.confrelid::regclass::text as key
      from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace,
        unnest(c.conkey) with ordinality k(attnum, i) join pg_attribute a on a.attnum = k.attnum
      where c.contype = 'f' and n.nspname = 'app_public' and a.attrelid = c.conrelid and c.confrelid <> 'app_public.clinic'::regclass
      group by c.oid, c.conrelid, c.confrelid order by 1`);
    expect(rows.map((r) => r.key)).toEqual([
      "app_public.invoice (clinic_id, doctor_id) → app_public.membership",
      "app_public.invoice (clinic_id, patient_id) → app_public.patient",
      "app_public.invoice (clinic_id, visit_id) → app_public.visit",
      "app_public.invoice_line (clinic_id, invoice_id) → app_public.invoice",
      "app_public.invoice_line (clinic_id, service_id) → app_public.service",
      "app_public.invoice_line (clinic_id, visit_service_id) → app_public.visit_service",
      "app_public.invoice_line (clinic_id, visit_service_id, visit_service_version) → app_public.visit_service",
      'app_public.membership (user_id) → app_public."user"',
      "app_public.payment (clinic_id, invoice_id) → app_public.invoice",
      "app_public.refund (clinic_id, invoice_id) → app_public.invoice",
      "app_public.refund (clinic_id, payment_id) → app_public.payment",
      "app_public.report_export (clinic_id, invoice_id) → app_public.invoice",
      "app_public.service_price (clinic_id, service_id) → app_public.service",
      "app_public.visit (clinic_id, doctor_id) → app_public.membership",
      "app_public.visit (clinic_id, patient_id) → app_public.patient",
      "app_public.visit_service (clinic_id, service_id) → app_public.service",
      "app_public.visit_service (clinic_id, visit_id) → app_public.visit",
    ]);
  });

  // A grant widened by a migration (a column of the database's own, such as deleted_at, status,
  // is_platform_admin or a code) would let a session write past the functions and triggers that
  // own it: a member making themselves platform admin, the front desk deleting patients, a
  // cashier issuing an invoice by its status. What people type is writable; nothing else is.
  const writableBy = async (role: string) => {
    const { rows } = await rootPool().query<{ grant: string }>(
      `select n.nspname || '.' || c.relname || ' ' || p.privilege ||
              coalesce(' (' || string_agg(a.attname, ', ' order by a.attname) filter (where a.attname is not null) || ')', '') as grant
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       cross join (values ('insert'), ('update'), ('delete'), ('truncate')) p(privilege)
       left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and p.privilege in ('insert', 'update')
       where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast' and c.relkind in ('r', 'p', 'v', 'f')
         and case when a.attname is null then has_table_privilege($1, c.oid, p.privilege)
                  else has_column_privilege($1, c.oid, a.attnum, p.privilege) end
       group by n.nspname, c.relname, p.privilege order by 1`,
      [role],
    );
    return rows.map((r) => r.grant);
  };

  test("the API's role writes only the columns people type, and deletes only what soft delete or its guards keep", async () => {
    expect(await writableBy(testConfig.roles.visitor)).toEqual([
      "app_public.clinic update (address, calling_code, code_prefixes, currency, email, invoice_footer, locale, name, phone, receptionists_may_invoice, tax_rate, timezone)",
      "app_public.daily_reconciliation update (notes)",
      "app_public.invoice insert (idempotency_key, notes, patient_id, visit_id)",
      "app_public.invoice update (notes)",
      "app_public.invoice_line delete",
      "app_public.invoice_line insert (description, discount, idempotency_key, invoice_id, quantity, service_id, tax_rate, unit_price)",
      "app_public.invoice_line update (description, discount, quantity, tax_rate, unit_price)",
      "app_public.membership delete",
      "app_public.membership update (is_active, role)",
      "app_public.patient delete",
      "app_public.patient insert (address, date_of_birth, first_name, idempotency_key, last_name, notes, phone, sex)",
      "app_public.patient update (address, date_of_birth, first_name, last_name, notes, phone, sex)",
      "app_public.payment update (method, reference)",
      "app_public.service delete",
      "app_public.service insert (category, duration_minutes, idempotency_key, is_active, name, price)",
      "app_public.service update (category, duration_minutes, is_active, name, price)",
      "app_public.user update (full_name)",
      "app_public.visit insert (doctor_id, idempotency_key, patient_id, reason, scheduled_at)",
      "app_public.visit update (cancel_reason, doctor_id, patient_id, reason, scheduled_at, status)",
      "app_public.visit_service delete",
      "app_public.visit_service insert (discount, idempotency_key, quantity, service_id, visit_id)",
      "app_public.visit_service update (discount, quantity)",
    ]);
  });

  test("analysts and the login role write nothing", async () => {
    expect(await writableBy(testConfig.roles.analyst)).toEqual([]);
    expect(await writableBy(testConfig.roles.authenticator)).toEqual([]);
  });
});

describe("a member of clinic A", () => {
  test("reads only clinic A's clinic, memberships, colleagues and audit log", async () => {
    await asMember(a.members.owner, async (client) => {
      const clinics = await client.query("select id from app_public.clinic");
      expect(clinics.rows.map((r) => r.id)).toEqual([a.clinicId]);
      const memberships = await client.query("select distinct clinic_id from app_public.membership");
      expect(memberships.rows.map((r) => r.clinic_id)).toEqual([a.clinicId]);
      const users = await client.query(`select id from app_public."user" where id = $1`, [b.members.owner.userId]);
      expect(users.rows).toEqual([]);
      const audit = await client.query("select distinct clinic_id from app_public.audit_log");
      expect(audit.rows.map((r) => r.clinic_id)).toEqual([a.clinicId]);
    });
  });

  test("cannot update clinic B or its memberships", async () => {
    await asMember(a.members.owner, async (client) => {
      const clinic = await client.query("update app_public.clinic set name = 'pwned' where id = $1", [b.clinicId]);
      expect(clinic.rowCount).toBe(0);
      const member = await client.query("update app_public.membership set role = 'cashier' where clinic_id = $1", [b.clinicId]);
      expect(member.rowCount).toBe(0);
    });
    const { rows } = await rootPool().query("select name from app_public.clinic where id = $1", [b.clinicId]);
    expect(rows[0].name).toBe("RLS B");
  });

  test("cannot delete clinic B's memberships", async () => {
    await asMember(a.members.owner, async (client) => {
      const result = await client.query("delete from app_public.membership where clinic_id = $1", [b.clinicId]);
      expect(result.rowCount).toBe(0);
    });
    const { rows } = await rootPool().query(
      "select count(*)::int as n from app_public.membership where clinic_id = $1 and deleted_at is null",
      [b.clinicId],
    );
    expect(rows[0].n).toBe(5);
  });

  test("cannot insert rows into clinic B by naming its clinic_id", async () => {
    const outsider = await createUser();
    await asMember(a.members.owner, async (client) => {
      await expect(
        client.query("insert into app_public.membership (clinic_id, user_id, role) values ($1, $2, 'owner')", [
          b.clinicId,
          outsider.userId,
        ]),
      ).rejects.toThrow(/permission denied/);
    });
    await asMember(a.members.owner, async (client) => {
      await expect(
        client.query("insert into app_public.audit_log (clinic_id, seq, occurred_at, action, prev_hash, hash) values ($1, 99, now(), 'insert', '', '')", [
          b.clinicId,
        ]),
      ).rejects.toThrow(/permission denied/);
    });
  });

  test("security definer functions stay inside the caller's clinic", async () => {
    // invite_member takes the clinic from the session, never from the caller
    await asMember(a.members.owner, async (client) => {
      const { rows } = await client.query(
        "select clinic_id from app_public.invite_member($1, 'New Nurse', 'receptionist', 'password-123')",
        ["+255799000111"],
      );
      expect(rows[0].clinic_id).toBe(a.clinicId);
    });
    // remove_member cannot reach clinic B's membership by id
    await asMember(a.members.owner, async (client) => {
      await expect(
        client.query("select app_public.remove_member($1)", [b.members.doctor.membershipId]),
      ).rejects.toMatchObject({ code: "CNOTF" });
    });
  });

  test("a session switched to clinic B's id by a forged claim still sees only A", async () => {
    const session = await openSession(a.members.owner.userId, a.clinicId);
    await asSession(session, async (client) => {
      await client.query("select set_config('jwt.claims.clinic_id', $1, true), set_config('jwt.claims.role', 'owner', true)", [
        b.clinicId,
      ]);
      const { rows } = await client.query("select id from app_public.clinic");
      expect(rows.map((r) => r.id)).toEqual([a.clinicId]);
    });
  });
});

describe("without a live session", () => {
  test("nothing is visible", async () => {
    await asSession(null, async (client) => {
      for (const table of ["clinic", '"user"', "membership", "audit_log"]) {
        const { rows } = await client.query(`select count(*)::int as n from app_public.${table}`);
        expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
      }
    });
  });

  test("a made-up or revoked session id reads nothing: it is told to log in again (CAUTH)", async () => {
    const session = await openSession(a.members.owner.userId, a.clinicId);
    await rootPool().query("update app_private.session set revoked_at = now() where id = $1", [session]);
    for (const id of [session, "00000000-0000-4000-8000-000000000000"]) {
      await asSession(id, async (client) => {
        await expect(client.query("select count(*)::int as n from app_public.clinic")).rejects.toMatchObject({
          code: "CAUTH", message: "Your session has ended: log in again.",
        });
      });
    }
  });

  test("an expired session reads nothing: it is told to log in again (CAUTH)", async () => {
    const session = await openSession(a.members.owner.userId, a.clinicId, "-1 second");
    await asSession(session, async (client) => {
      await expect(client.query("select count(*)::int as n from app_public.membership")).rejects.toMatchObject({ code: "CAUTH" });
    });
  });

  // an expired session's row is kept until the hourly sweep deletes it (within the hour after its expiry; a day from 000334
  // to 000348): a logout of it ended it again, and wrote a logout into its clinic's chain at a time it had already ended
  test("an expired session, its row kept, logs out nothing: logout answers false and writes no entry", async () => {
    const session = await openSession(a.members.owner.userId, a.clinicId, "-1 second");
    expect(await committedAs(session, async (client) => (await client.query("select app_hidden.logout() as out")).rows[0].out)).toBe(false);
    const { rows } = await rootPool().query(
      `select (select revoked_at from app_private.session where id = $1) as revoked_at,
              (select count(*)::int from app_public.audit_log where action = 'logout' and detail->>'sessionId' = $1::text) as logouts`,
      [session],
    );
    expect(rows[0]).toEqual({ revoked_at: null, logouts: 0 });
  });

  // the server names the login whose cookie replaced a colleague's session, to audit its end as that login's: a session
  // naming another's that replaced nothing of it would put that person's name on its own logout
  test("a logout naming a session that did not replace it is its person's logout, by them", async () => {
    const session = await openSession(a.members.owner.userId, a.clinicId);
    const other = await openSession(a.members.receptionist.userId, a.clinicId);
    expect(await committedAs(session, async (client) => (await client.query("select app_hidden.logout($1) as out", [other])).rows[0].out)).toBe(true);
    const { rows } = await rootPool().query(
      `select action, actor_user_id from app_public.audit_log where detail ->> 'sessionId' = $1 or detail -> 'endedSessions' ? $1`,
      [session],
    );
    expect(rows).toEqual([{ action: "logout", actor_user_id: a.members.owner.userId }]);
  });

  test("a session ended by the transaction itself is no error: the rest of it runs without a session", async () => {
    const session = await openSession(a.members.owner.userId, a.clinicId);
    await asSession(session, async (client) => {
      expect((await client.query("select app_public.current_user_id() as id")).rows[0].id).toBe(a.members.owner.userId);
      expect((await client.query("select app_hidden.logout() as out")).rows[0].out).toBe(true);
      const { rows } = await client.query("select app_public.current_user_id() as id, (select count(*)::int from app_public.clinic) as clinics");
      expect(rows[0]).toEqual({ id: null, clinics: 0 });
    });
  });

  test("the API roles cannot read private tables at all", async () => {
    await asMember(a.members.owner, async (client) => {
      await expect(client.query("select * from app_private.user_secret")).rejects.toThrow(/permission denied/);
    });
    const authenticator = await rootPool().connect();
    try {
      await authenticator.query("begin");
      await authenticator.query(`set local role ${testConfig.roles.authenticator}`);
      await expect(authenticator.query("select * from app_public.clinic")).rejects.toThrow(/permission denied/);
    } finally {
      await authenticator.query("rollback");
      authenticator.release();
    }
  });

  test("the login role may read clinics' time zones (decision 008), and listen through a function that names no channel (decision 014), and nothing else of ClinicOps", async () => {
    const { rows } = await rootPool().query(
      `select n.nspname || '.' || c.relname as object from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast' and c.relkind in ('r', 'v', 'm', 'S', 'p', 'f')
         and (has_table_privilege($1, c.oid, 'select, insert, update, delete')
           or has_any_column_privilege($1, c.oid, 'select, insert, update')
           or (c.relkind = 'S' and has_sequence_privilege($1, c.oid, 'usage, select, update')))
       union all
       select n.nspname || '.' || p.proname || '()' from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('app_public', 'app_hidden', 'app_private', 'reporting')
         and has_function_privilege($1, p.oid, 'execute')`,
      [testConfig.roles.authenticator],
    );
    expect(rows.map(({ object }) => object).sort()).toEqual(["app_hidden.clinic_time_zone", "app_hidden.listen_on()"]);
  });
});

// user's select_colleagues and clinic's select_own were each an `or` with arms no index holds (the platform admin's
// yes or no, an EXISTS per row): planned generically as every API transaction plans (server/pg-settings.ts), `users`
// and `clinics` (PostGraphile's `order by id`, a page after a cursor here) read every user and every clinic of the
// platform, whoever asked (000423)
describe("the users and clinics a session sees", () => {
  test("are the same as before they were read by an index: colleagues who accepted, the clinics a person may switch to, every one for a platform admin", async () => {
    const c = await createClinic("Seen users");
    const d = await createClinic("Seen elsewhere");
    const [suspendedIn, removedFrom, invitedTo] = [await createClinic("Suspended in"), await createClinic("Removed from"), await createClinic("Invited to")];
    const person = c.members.doctor;
    await addMember(d.clinicId, person, "doctor");
    const suspendedThere = await addMember(suspendedIn.clinicId, person, "doctor");
    await rootPool().query("update app_public.membership set is_active = false where id = $1", [suspendedThere.membershipId]);
    const removedThere = await addMember(removedFrom.clinicId, person, "doctor");
    await rootPool().query("update app_public.membership set deleted_at = now() where id = $1", [removedThere.membershipId]);
    await rootPool().query("insert into app_public.membership (clinic_id, user_id, role, accepted_at) values ($1, $2, 'doctor', null)", [invitedTo.clinicId, person.userId]);
    // of clinic c: an invitation not accepted, a removed member, a suspended one, one whose account was deactivated
    const [invitee, removed, suspended, deactivated] = [await createUser(), await createUser(), await createUser(), await createUser()];
    await rootPool().query("insert into app_public.membership (clinic_id, user_id, role, accepted_at) values ($1, $2, 'doctor', null)", [c.clinicId, invitee.userId]);
    await rootPool().query("update app_public.membership set deleted_at = now() where id = $1", [(await addMember(c.clinicId, removed, "doctor")).membershipId]);
    await rootPool().query("update app_public.membership set is_active = false where id = $1", [(await addMember(c.clinicId, suspended, "doctor")).membershipId]);
    await addMember(c.clinicId, deactivated, "doctor");
    await rootPool().query(`update app_public."user" set is_active = false where id = $1`, [deactivated.userId]);

    const users = [person, c.members.owner, invitee, removed, suspended, deactivated, d.members.owner].map((u) => u.userId);
    const clinics = [c, d, suspendedIn, removedFrom, invitedTo, a].map((k) => k.clinicId);
    const seen = (sessionId: string) => asSession(sessionId, async (client) => ({
      users: (await client.query(`select id from app_public."user" where id = any ($1::uuid[])`, [users])).rows.map((r) => r.id).sort(),
      clinics: (await client.query("select id from app_public.clinic where id = any ($1::uuid[])", [clinics])).rows.map((r) => r.id).sort(),
    }));
    const sorted = (ids: string[]) => [...ids].sort();
    expect(await seen(await openSession(person.userId, c.clinicId))).toEqual({
      users: sorted([person.userId, c.members.owner.userId, suspended.userId, deactivated.userId]),
      clinics: sorted([c.clinicId, d.clinicId]),
    });
    expect(await seen(await openSession(person.userId, null))).toEqual({ users: [person.userId], clinics: sorted([c.clinicId, d.clinicId]) });
    expect(await seen(await openSession(c.members.owner.userId, c.clinicId))).toEqual({
      users: sorted([person.userId, c.members.owner.userId, suspended.userId, deactivated.userId]),
      clinics: [c.clinicId],
    });
    // a platform admin, with no clinic and in one of their own
    const admin = await createUser({ isPlatformAdmin: true });
    await addMember(d.clinicId, admin, "admin");
    for (const clinicId of [null, d.clinicId]) expect(await seen(await openSession(admin.userId, clinicId))).toEqual({ users: sorted(users), clinics: sorted(clinics) });
  });

  test("`users` reads the clinic's users by an index, not every user of the platform", async () => {
    const c = await createClinic("Users listed");
    // a page after a cursor (its parameter, before every id, leaves no one out), with 1,000 clinics of 5 users each
    // (written, rolled back after), each phone a number (Turkish mobiles): since 000485 a user's phone that is none is refused
    const plan = await pageAsTheApiPlansIt(c.members.receptionist, `app_public."user"`, {},
      `select __user__."id" as "0", __user__."full_name" as "1" from "app_public"."user" as __user__ where (__user__."id" > $1::"uuid")
       order by __user__."id" asc limit 100`,
      "00000000-0000-0000-0000-000000000000",
      `insert into app_public."user" (id, phone, full_name) select u, '+905' || lpad(g::text, 9, '0'), 'Someone ' || g
         from (select gen_random_uuid() as u, g from generate_series(1, 5000) g) users;
       insert into app_public.membership (clinic_id, user_id, role)
         select ('00000000-0000-4000-8000-' || lpad(to_hex((row_number() over () - 1) / 5 + 1), 12, '0'))::uuid, id, 'doctor'
         from app_public."user" where phone like '+905%'`);
    expect(plan).not.toMatch(/Seq Scan on "user"/);
    // the memberships' ids, an InitPlan's value: `$n` in PostgreSQL 15's EXPLAIN, `(InitPlan n).col1` in 17's
    expect(plan).toMatch(/Bitmap Index Scan on user_pkey \(actual rows=\d+ [^\n]*\n\s+Index Cond: \(\(id = ANY \((?:\$\d+|\(InitPlan \d+\)\.col1)\)\)/);
    // the clinic's five users, and no other's
    expect(Number(/Heap Scan on "user" __user__ \(actual rows=(\d+)/.exec(plan)?.[1])).toBe(Object.keys(c.members).length);
  });

  test("`clinics` reads the person's clinics by an index, not every clinic of the platform", async () => {
    const c = await createClinic("Clinics listed");
    await addMember(b.clinicId, c.members.doctor, "doctor");
    // a page after a cursor, with 120 clinics of a long invoice footer each, the pages of a few thousand (written,
    // rolled back after: each clinic's time zone is checked by reading pg_timezone_names, some 30 ms a clinic)
    const plan = await pageAsTheApiPlansIt(c.members.doctor, "app_public.clinic", {},
      `select __clinic__."id" as "0", __clinic__."name" as "1" from "app_public"."clinic" as __clinic__ where (__clinic__."id" > $1::"uuid")
       order by __clinic__."id" asc limit 100`,
      "00000000-0000-0000-0000-000000000000",
      `insert into app_public.clinic (name, invoice_footer) select 'Clinic ' || g, repeat(md5(g::text), 55) from generate_series(1, 120) g`);
    expect(plan).not.toMatch(/Seq Scan on clinic/);
    expect(plan).toMatch(/Bitmap Index Scan on clinic_pkey \(actual rows=\d+ [^\n]*\n\s+Index Cond: \(\(id = ANY \((?:\$\d+|\(InitPlan \d+\)\.col1)\)\)/);
    // the session's clinic and the person's other one
    expect(Number(/Heap Scan on clinic __clinic__ \(actual rows=(\d+)/.exec(plan)?.[1])).toBe(2);
  });
});
