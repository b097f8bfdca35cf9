/**
 * Accounts made on the way: invite_member (a new phone), create_clinic_with_owner (its owner) and
 * create_platform_admin (`npm run superuser`) all make the user through find_or_create_user, which
 * looks the phone up once, under the phone's lock, and says whether it made the user; the password
 * rule is one function whichever of them is asked.
 */
import type pg from "pg";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { asMember, asSession, committedAs, createClinic, createUser, openSession, randomPhone, writeBehindTriggers } from "../support/fixtures.ts";
import { atOnce, outcome, waitsForLock } from "../support/locks.ts";

afterAll(closeRootPool);

const usersWithPhone = async (phone: string) =>
  (await rootPool().query(`select count(*)::int as n from app_public."user" where phone = $1`, [phone])).rows[0].n as number;

/**
 * Runs `fn` on a superuser connection in a transaction that counts PL/pgSQL calls, then rolls back;
 * `hashes()` is how many passwords app_private.hash_password hashed in it so far.
 */
async function countingHashes<T>(fn: (client: pg.PoolClient, hashes: () => Promise<number>) => Promise<T>): Promise<T> {
  const client = await rootPool().connect();
  try {
    await client.query("begin");
    await client.query("set local track_functions = 'pl'");
    // the connection's earlier transactions' calls show here too until it is next idle: counted from now
    const calls = async () =>
      (await client.query("select coalesce(sum(calls), 0)::int as n from pg_stat_xact_user_functions where schemaname = 'app_private' and funcname = 'hash_password'"))
        .rows[0].n as number;
    const before = await calls();
    return await fn(client, async () => (await calls()) - before);
  } finally {
    await client.query("rollback");
    client.release();
  }
}

describe("find_or_create_user", () => {
  test("says it created the user of a new phone, and not the next time: the person keeps the name and password they had", async () => {
    const phone = randomPhone();
    const first = await rootPool().query("select * from app_private.find_or_create_user($1, ' New Person ', 'password-123')", [phone]);
    expect(first.rows).toEqual([{ user_id: expect.any(String), created: true }]);
    // an existing phone needs no password: createClinicWithOwner's owner who already has an account keeps theirs
    for (const password of ["another-password", null]) {
      const again = await rootPool().query("select * from app_private.find_or_create_user($1, 'Another Name', $2)", [phone, password]);
      expect(again.rows).toEqual([{ user_id: first.rows[0].user_id, created: false }]);
    }
    const { rows } = await rootPool().query(
      `select u.full_name, app_private.password_matches('password-123', s.password_hash) as kept
       from app_public."user" u join app_private.user_secret s on s.user_id = u.id where u.id = $1`,
      [first.rows[0].user_id],
    );
    expect(rows).toEqual([{ full_name: "New Person", kept: true }]);
  });

  test("refuses to create a user without a valid password, and writes nothing", async () => {
    const phone = randomPhone();
    for (const password of [null, "", "short"]) {
      await expect(rootPool().query("select * from app_private.find_or_create_user($1, 'No Password', $2)", [phone, password])).rejects.toMatchObject({
        code: password === "short" ? "CWEAK" : "CINVL",
      });
    }
    expect(await usersWithPhone(phone)).toBe(0);
  });
});

test("two clinics inviting one new phone at once make one user: the first a member at once, the second waits and makes an invitation", async () => {
  const a = await createClinic();
  const b = await createClinic();
  const phone = randomPhone();
  await atOnce(a.members.owner, b.members.owner, async (first, second) => {
    const made = await first.query("select accepted_at from app_public.invite_member($1, 'Named by A', 'doctor', 'password-of-a')", [phone]);
    expect(made.rows[0].accepted_at).not.toBeNull();
    const invited = outcome(second.query("select accepted_at from app_public.invite_member($1, 'Named by B', 'cashier', 'password-of-b')", [phone]));
    expect(await waitsForLock(second, invited)).toBe(true);
    await first.query("commit");
    expect(await invited).toEqual([{ accepted_at: null }]); // registered meanwhile: pending until they accept
    await second.query("commit");
  });
  expect(await usersWithPhone(phone)).toBe(1);
  const { rows } = await rootPool().query(
    `select m.clinic_id, m.accepted_at is not null as accepted, u.full_name from app_public.membership m join app_public."user" u on u.id = m.user_id
     where u.phone = $1 order by accepted desc`,
    [phone],
  );
  expect(rows).toEqual([
    { clinic_id: a.clinicId, accepted: true, full_name: "Named by A" },
    { clinic_id: b.clinicId, accepted: false, full_name: "Named by A" },
  ]);
});

describe("the password rule is the same wherever an account is made", () => {
  /** What each entry point answers for this password (`code message` of its refusal), for a new phone and, promoting, a registered one. */
  async function answers(password: string | null): Promise<Record<string, string>> {
    const clinic = await createClinic();
    const admin = await createUser({ isPlatformAdmin: true });
    const adminSession = await openSession(admin.userId, null);
    const existing = await createUser();
    const refusal = async (run: () => Promise<unknown>) =>
      run().then(
        () => "accepted",
        (error: { code: string; message: string }) => `${error.code} ${error.message}`,
      );
    return {
      inviteMember: await refusal(() =>
        asMember(clinic.members.owner, (client) => client.query("select app_public.invite_member($1, 'New Person', 'doctor', $2)", [randomPhone(), password])),
      ),
      createClinicWithOwner: await refusal(() =>
        asSession(adminSession, (client) =>
          client.query("select app_public.create_clinic_with_owner('Password Rule Clinic', 'UTC', 'USD', $1, 'New Owner', $2)", [randomPhone(), password]),
        ),
      ),
      superuserNew: await refusal(() => rootPool().query("select app_private.create_platform_admin($1, 'New Admin', $2)", [randomPhone(), password])),
      // promoting someone sets the password given: the same rule
      superuserPromoting: await refusal(() => rootPool().query("select app_private.create_platform_admin($1, 'Promoted', $2)", [existing.phone, password])),
    };
  }

  const NOTHING_VISIBLE = "CWEAK A password needs more than white space: use letters, digits or signs.";
  test.each([
    ["none (null)", null, "CINVL A password is required."],
    ["empty", "", "CINVL A password is required."],
    ["7 characters", "7-chars", "CWEAK Passwords need at least 8 characters."],
    ["129 characters", "x".repeat(129), "CWEAK Passwords may have at most 128 characters."],
    // nothing visible, however long (000400)
    ["8 spaces", " ".repeat(8), NOTHING_VISIBLE],
    ["12 tabs", "\t".repeat(12), NOTHING_VISIBLE],
    ["no-break, ideographic and zero-width spaces, a line break", "\u00a0\u3000\u200b\n".repeat(3), NOTHING_VISIBLE],
    // counted as it is meant, in NFKC (000499), as it is hashed and checked: typed with its accents apart (a phone's
    // keyboard, a macOS file name) it was 8 characters, and a password of 4 letters, which logs in typed as 4, was given
    ["4 letters, each typed as a letter and its accent (8 code points)", "e\u0308".repeat(4), "CWEAK Passwords need at least 8 characters."],
  ])("%s", async (_, password, expected) => {
    expect(await answers(password)).toEqual({
      inviteMember: expected,
      createClinicWithOwner: expected,
      superuserNew: expected,
      superuserPromoting: expected,
    });
  });

  test("control: 8 and 128 characters pass everywhere, and spaces with one visible character; 128 letters typed with their accents apart too", async () => {
    // the last, 256 code points, was refused as more than 128 characters though it is the password of 128 that passes
    // typed composed (000499)
    for (const password of ["x".repeat(8), "x".repeat(128), `${" ".repeat(7)}x`, "e\u0308".repeat(128)]) {
      expect(Object.values(await answers(password))).toEqual(["accepted", "accepted", "accepted", "accepted"]);
    }
  });
});

describe("create_platform_admin (npm run superuser)", () => {
  test("a new admin's password is hashed once, and they log in with it", async () => {
    const phone = randomPhone();
    await countingHashes(async (client, hashes) => {
      const { rows } = await client.query("select app_private.create_platform_admin($1, 'New Admin', 'admin-password-1') as id", [phone]);
      expect(await hashes()).toBe(1);
      const secret = await client.query(
        `select u.is_platform_admin, u.is_active, app_private.password_matches('admin-password-1', s.password_hash) as verifies, s.failed_login_count
         from app_public."user" u join app_private.user_secret s on s.user_id = u.id where u.id = $1`,
        [rows[0].id],
      );
      expect(secret.rows).toEqual([{ is_platform_admin: true, is_active: true, verifies: true, failed_login_count: 0 }]);
    });
  });

  test("promoting someone sets the password given and unlocks their account", async () => {
    const user = await createUser();
    await rootPool().query("update app_private.user_secret set failed_login_count = 5, locked_until = now() + interval '1 hour' where user_id = $1", [user.userId]);
    await countingHashes(async (client, hashes) => {
      const { rows } = await client.query("select app_private.create_platform_admin($1, 'Ignored Name', 'admin-password-2') as id", [user.phone]);
      expect(rows[0].id).toBe(user.userId);
      expect(await hashes()).toBe(1);
      const secret = await client.query(
        `select u.full_name, u.is_platform_admin, app_private.password_matches('admin-password-2', s.password_hash) as verifies,
           s.failed_login_count, s.locked_until
         from app_public."user" u join app_private.user_secret s on s.user_id = u.id where u.id = $1`,
        [user.userId],
      );
      expect(secret.rows).toEqual([
        { full_name: `Test ${user.phone}`, is_platform_admin: true, verifies: true, failed_login_count: 0, locked_until: null },
      ]);
    });
  });
});

describe("create_clinic_with_owner", () => {
  test("locks the owner's phone once, under the key find_or_create_user and invite_member take", async () => {
    const admin = await createUser({ isPlatformAdmin: true });
    const phone = randomPhone();
    await asSession(await openSession(admin.userId, null), async (client) => {
      await client.query("select app_public.create_clinic_with_owner('One Lock Clinic', 'UTC', 'USD', $1, 'Owner', 'password-123')", [phone]);
      const held = await client.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()");
      expect(held.rows[0].n).toBe(1);
      // and it is the phone's: another transaction cannot take it meanwhile
      const other = await rootPool().query("select pg_try_advisory_xact_lock(app_private.account_lock_key($1)) as got", [phone]);
      expect(other.rows[0].got).toBe(false);
    });
    expect(await usersWithPhone(phone)).toBe(0);
  });

  test("a clinic's name is stored as meant (white space of any kind one space, none at the ends, invisible controls out) and compared in any case", async () => {
    const admin = await createUser({ isPlatformAdmin: true });
    const phone = (await createUser()).phone;
    const session = await openSession(admin.userId, null);
    const create = (name: string) =>
      committedAs(session, async (client) => {
        const { rows } = await client.query("select name from app_public.create_clinic_with_owner($1, 'UTC', 'USD', $2, 'Owner', 'password-123')", [name, phone]);
        return rows[0].name as string;
      });
    expect(await create("\t Tabbed  Name \n")).toBe("Tabbed Name");
    for (const again of ["tabbed name", " TABBED\tNAME ", "Tabbed\n\nName", "Tabbed\u00a0\u00a0 Name", "\u200bTabbed\u202e Name"]) {
      await expect(create(again)).rejects.toMatchObject({ code: "CCONF" });
    }
    await expect(create(" tabbed   NAME ")).rejects.toThrow("This owner already has a clinic named tabbed   NAME.");
    expect(await create("Tabbed Name Annex")).toBe("Tabbed Name Annex");
    await expect(create("\u200b\u202e ")).rejects.toMatchObject({ code: "23514", constraint: "clinic_name_check" });
  });

  test("an owner's name of nothing visible is refused alike for a new phone and a registered one, before the phone is looked up", async () => {
    const admin = await createUser({ isPlatformAdmin: true });
    const session = await openSession(admin.userId, null);
    const newPhone = randomPhone();
    for (const phone of [newPhone, (await createUser()).phone]) {
      await expect(
        committedAs(session, (client) => client.query("select app_public.create_clinic_with_owner('Nameless Owner Clinic', 'UTC', 'USD', $1, $2, 'password-123')", [phone, "\u200b\u2060 "])),
      ).rejects.toMatchObject({ code: "CINVL", message: "A name is required, at most 200 characters." });
    }
    expect(await usersWithPhone(newPhone)).toBe(0);
  });

  // the clinic was made, its only owner one who logs in nowhere, and no one else could add an owner (000412)
  test("an account the operator deactivated is made no clinic's owner until it is reactivated", async () => {
    const person = await createUser();
    await rootPool().query('update app_public."user" set is_active = false where id = $1', [person.userId]);
    const platform = await openSession((await createUser({ isPlatformAdmin: true })).userId, null);
    const name = `Practice of ${person.phone}`;
    const create = () => committedAs(platform, (client) => client.query("select app_public.create_clinic_with_owner($1, 'UTC', 'USD', $2, 'Owner', null)", [name, person.phone]));
    await expect(create()).rejects.toMatchObject({
      code: "CFORB",
      message: "This person's account is deactivated, so they could not log in to the clinic: the platform operator reactivates it first, then the clinic is made for them.",
    });
    expect((await rootPool().query("select count(*)::int as n from app_public.clinic where name = $1", [name])).rows).toEqual([{ n: 0 }]);
    await rootPool().query('update app_public."user" set is_active = true where id = $1', [person.userId]);
    await create();
    const { rows } = await rootPool().query(
      "select m.role::text from app_public.membership m join app_public.clinic c on c.id = m.clinic_id where c.name = $1 and m.user_id = $2",
      [name, person.userId],
    );
    expect(rows).toEqual([{ role: "owner" }]);
  });

  // an admin of clinic A made the account (inviteMember of a new phone, with a password of their choosing): the clinic the
  // platform made for its person took it as its owner, and A's admin logged in to it with that password
  test("an account whose password is still its maker's is made no clinic's owner until its holder changes it", async () => {
    const a = await createClinic();
    const phone = randomPhone();
    const inviterChose = "the inviter chose this";
    const invited = await committedAs(await openSession(a.members.admin.userId, a.clinicId), async (client) =>
      (await client.query("select user_id from app_public.invite_member($1, 'Dr Own Practice', 'doctor', $2)", [phone, inviterChose])).rows[0].user_id as string);
    const platform = await openSession((await createUser({ isPlatformAdmin: true })).userId, null);
    const name = `Practice of ${phone}`;
    const create = () => committedAs(platform, (client) => client.query("select app_public.create_clinic_with_owner($1, 'UTC', 'USD', $2, 'Owner', null)", [name, phone]));
    await expect(create()).rejects.toMatchObject({
      code: "CFORB",
      message: "This person's password is still the one whoever made their account chose, who may log in as them: they choose their own first (POST /auth/password), then the clinic is made for them.",
    });
    expect((await rootPool().query("select count(*)::int as n from app_public.clinic where name = $1", [name])).rows).toEqual([{ n: 0 }]);
    // once the person has made the password theirs, the clinic is made, they its owner
    const changed = await committedAs(await openSession(invited, a.clinicId), async (client) =>
      (await client.query("select app_hidden.change_password($1, 'the person chose this', '192.0.2.8') as result", [inviterChose])).rows[0].result);
    expect(changed).toMatchObject({ status: "ok" });
    await create();
    const { rows } = await rootPool().query(
      "select m.role::text, m.accepted_at is not null as accepted from app_public.membership m join app_public.clinic c on c.id = m.clinic_id where c.name = $1 and m.user_id = $2",
      [name, invited],
    );
    expect(rows).toEqual([{ role: "owner", accepted: true }]);
  });
});

test("a clinic's phone past the normalising trigger is still checked to be E.164", async () => {
  const clinic = await createClinic();
  const client = await rootPool().connect();
  try {
    await client.query("begin");
    await client.query("set local session_replication_role = replica"); // ordinary triggers do not fire
    await client.query("savepoint s");
    await expect(client.query("update app_public.clinic set phone = '0712 345 678' where id = $1", [clinic.clinicId])).rejects.toMatchObject({
      code: "23514",
    });
    await client.query("rollback to savepoint s");
    for (const phone of ["+255712345678", null]) {
      await client.query("update app_public.clinic set phone = $2 where id = $1", [clinic.clinicId, phone]);
    }
  } finally {
    await client.query("rollback");
    client.release();
  }
});

// The user table had no trigger reading its phone: an operator's insert or update (psql as the owner) saved any phone the
// e164_phone domain let through, one registration reads otherwise among them (+2550712345678, the trunk 0 after the
// code, read +255712345678). Its person could not log in with the phone as typed, a reset of it found no account, and an
// invitation of it made a second account for the same person (000485).
describe("a person's phone an operator saves", () => {
  const national = () => `7${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;

  test("is saved as registration reads it: its person logs in, is reset and is invited with the phone as typed, one account", async () => {
    const digits = national();
    const [typed, saved] = [`+255 0${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`, `+255${digits}`];
    const password = "the operator's long password";
    const { rows: [made] } = await rootPool().query(
      `with u as (insert into app_public."user" (phone, full_name) values ($1, 'Made by the operator') returning id, phone)
       , s as (insert into app_private.user_secret (user_id, password_hash, password_set_by_holder) select id, crypt($2, gen_salt('bf', 4)), true from u)
       select id, phone from u`,
      [`+2550${digits}`, password],
    );
    expect(made.phone).toBe(saved); // before, +2550…, a phone no one types
    const { rows: audited } = await rootPool().query(
      "select new_values ->> 'phone' as phone from app_public.audit_log where table_name = 'user' and action = 'insert' and record_id = $1", [made.id]);
    expect(audited).toEqual([{ phone: saved }]);

    const client = await rootPool().connect();
    try {
      await client.query("begin");
      await client.query("set local role " + testConfig.roles.visitor);
      const { rows } = await client.query("select app_hidden.login($1, $2, null, '192.0.2.61', 'jest', '1 hour') as r", [typed, password]);
      expect(rows[0].r).toMatchObject({ sessionId: expect.any(String) }); // before, INVALID_CREDENTIALS
      await client.query("reset role");
      // npm run password: before, "No account has the phone …"
      const reset = await client.query("select app_private.reset_password($1, 'a new long password') as ended", [typed]);
      expect(reset.rows).toEqual([{ ended: 1 }]); // the session the login opened
    } finally {
      await client.query("rollback");
      client.release();
    }
    const clinic = await createClinic();
    const invited = await asMember(clinic.members.owner, async (c) =>
      (await c.query("select user_id, accepted_at from app_public.invite_member($1, 'Invited by phone', 'doctor', 'a password never used')", [`0${digits}`])).rows);
    expect(invited).toEqual([{ user_id: made.id, accepted_at: null }]); // before, a second account, a member at once
  });

  test("changed is saved as registration reads it, audited so; one that is no phone by today's rules is refused", async () => {
    const person = await createUser();
    const digits = national();
    const { rows } = await rootPool().query(`update app_public."user" set phone = $2 where id = $1 returning phone`, [person.userId, `+2550${digits}`]);
    expect(rows).toEqual([{ phone: `+255${digits}` }]);
    const { rows: audited } = await rootPool().query(
      "select new_values ->> 'phone' as phone from app_public.audit_log where table_name = 'user' and action = 'update' and record_id = $1", [person.userId]);
    expect(audited.map((r) => r.phone)).toContain(`+255${digits}`);
    expect(audited.map((r) => r.phone)).not.toContain(`+2550${digits}`);
    for (const write of [
      () => rootPool().query(`update app_public."user" set phone = '+25512345' where id = $1`, [person.userId]),
      () => rootPool().query(`insert into app_public."user" (phone, full_name) values ('+25512345', 'No phone')`),
    ]) {
      await expect(write()).rejects.toMatchObject({
        code: "CINPH",
        message: "This is not a phone number: a number of country code +255 has 9 digits after it, not counting the national prefix 0.",
      });
    }
    // a phone saved before, that today's rules read otherwise, stays as it is while the rest of the row changes
    const old = `+2550${national()}`;
    await writeBehindTriggers(`update app_public."user" set phone = $2 where id = $1`, [person.userId, old]);
    const { rows: renamed } = await rootPool().query(`update app_public."user" set full_name = 'Renamed' where id = $1 returning phone`, [person.userId]);
    expect(renamed).toEqual([{ phone: old }]);
  });
});
