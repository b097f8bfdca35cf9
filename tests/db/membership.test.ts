/**
 * Memberships: soft delete and restore (the shared machinery), the owner
 * rules, and sessions following role changes at once.
 */
import { randomInt } from "node:crypto";
import pg from "pg";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { addMember, asMember, asSession, beginAs, committedAs, createClinic, createUser, openSession, randomPhone, type TestClinic, type TestMember } from "../support/fixtures.ts";
import { atOnce, outcome, underWay, waitsForLock, whileHolding } from "../support/locks.ts";
import { pageAsTheApiPlansIt } from "../support/plans.ts";

afterAll(closeRootPool);

async function auditActions(recordId: string): Promise<string[]> {
  const { rows } = await rootPool().query("select action from app_public.audit_log where record_id = $1 order by seq", [recordId]);
  return rows.map((r) => r.action);
}

test("removing a member soft-deletes, hides, ends their sessions; restoring brings them back; both audited", async () => {
  const clinic = await createClinic();
  const { admin, doctor } = clinic.members;
  const doctorSession = await openSession(doctor.userId, clinic.clinicId);

  const removed = await asMember(admin, async (client) => {
    const { rows } = await client.query("select * from app_public.remove_member($1)", [doctor.membershipId]);
    const visible = await client.query("select id from app_public.membership where id = $1", [doctor.membershipId]);
    return { row: rows[0], visible: visible.rows.length };
  });
  // asMember rolled back; do it for real to check the lasting effects
  expect(removed.row.deleted_at).not.toBeNull();
  expect(removed.row.deleted_by).toBe(admin.userId);
  expect(removed.visible).toBe(0);

  const adminSession = await openSession(admin.userId, clinic.clinicId);
  const run = (sql: string, params: unknown[]) => committedAs(adminSession, (client) => client.query(sql, params));
  await run("delete from app_public.membership where id = $1", [doctor.membershipId]);
  const stored = await rootPool().query("select deleted_at from app_public.membership where id = $1", [doctor.membershipId]);
  expect(stored.rows).toHaveLength(1); // the row is kept
  expect(stored.rows[0].deleted_at).not.toBeNull();
  const session = await rootPool().query("select revoked_at from app_private.session where id = $1", [doctorSession]);
  expect(session.rows[0].revoked_at).not.toBeNull();

  await run("select app_public.restore_member($1)", [doctor.membershipId]);
  const restored = await rootPool().query("select deleted_at from app_public.membership where id = $1", [doctor.membershipId]);
  expect(restored.rows[0].deleted_at).toBeNull();
  expect(await auditActions(doctor.membershipId)).toEqual(["insert", "soft_delete", "restore"]);
});

test("restoring something that is not deleted is NOT_FOUND", async () => {
  const clinic = await createClinic();
  await asMember(clinic.members.owner, async (client) => {
    await expect(client.query("select app_public.restore_member($1)", [clinic.members.doctor.membershipId])).rejects.toMatchObject({
      code: "CNOTF",
    });
  });
});

test("only owners and admins remove members: the others are told so (FORBIDDEN, since 000171: it was NOT_FOUND)", async () => {
  const clinic = await createClinic();
  for (const role of ["doctor", "receptionist", "cashier"] as const) {
    await asMember(clinic.members[role], async (client) => {
      await expect(client.query("select app_public.remove_member($1)", [clinic.members.admin.membershipId])).rejects.toMatchObject({
        code: "CFORB",
        message: "Only an owner or admin deletes this.",
      });
    });
  }
});

test("only owners and admins restore members and services: the others are told so (FORBIDDEN), not that nothing is deleted, and nothing comes back", async () => {
  const clinic = await createClinic();
  const removed = await addMember(clinic.clinicId, await createUser(), "doctor");
  const { rows: [service] } = await rootPool().query(
    "insert into app_public.service (clinic_id, name, category, price) values ($1, 'Old X-ray', 'Imaging', 1000) returning id",
    [clinic.clinicId],
  );
  const owner = await openSession(clinic.members.owner.userId, clinic.clinicId);
  await committedAs(owner, (c) => c.query("select app_public.remove_member($1), app_public.delete_service($2)", [removed.membershipId, service.id]));
  for (const role of ["doctor", "receptionist", "cashier"] as const) {
    for (const [sql, id] of [["select app_public.restore_member($1)", removed.membershipId], ["select app_public.restore_service($1)", service.id]]) {
      await asMember(clinic.members[role], async (client) => {
        await expect(client.query(sql, [id])).rejects.toMatchObject({ code: "CFORB", message: "Only an owner or admin restores this." });
      });
    }
  }
  const { rows } = await rootPool().query(
    "select (select deleted_at is not null from app_public.membership where id = $1) as member_removed, (select deleted_at is not null from app_public.service where id = $2) as service_deleted",
    [removed.membershipId, service.id],
  );
  expect(rows).toEqual([{ member_removed: true, service_deleted: true }]);
});

test("an admin cannot add, change or remove an owner; an owner can", async () => {
  const clinic = await createClinic();
  const second = await addMember(clinic.clinicId, await createUser(), "owner");
  await asMember(clinic.members.admin, async (client) => {
    await expect(client.query("select app_public.remove_member($1)", [second.membershipId])).rejects.toThrow(/Only an owner/);
  });
  await asMember(clinic.members.admin, async (client) => {
    await expect(client.query("update app_public.membership set role = 'owner' where id = $1", [clinic.members.cashier.membershipId])).rejects.toThrow(
      /Only an owner/,
    );
  });
  await asMember(clinic.members.admin, async (client) => {
    await expect(client.query("select app_public.invite_member('+255788000001', 'Would-be owner', 'owner', 'password-123')")).rejects.toThrow(
      /Only an owner/,
    );
  });
  await asMember(clinic.members.owner, async (client) => {
    const { rows } = await client.query("select deleted_at from app_public.remove_member($1)", [second.membershipId]);
    expect(rows[0].deleted_at).not.toBeNull();
  });
});

test("only owners and admins invite: a doctor, receptionist or cashier is told so (FORBIDDEN), and no one is added", async () => {
  const clinic = await createClinic();
  const phone = `+2557${String(randomInt(1e8)).padStart(8, "0")}`;
  for (const role of ["doctor", "receptionist", "cashier"] as const) {
    await asMember(clinic.members[role], async (client) => {
      await expect(client.query("select app_public.invite_member($1, 'Would-be nurse', 'receptionist', 'password-123')", [phone])).rejects.toMatchObject({
        code: "CFORB",
        message: "Only an owner or admin can invite members.",
      });
    });
  }
  const { rows } = await rootPool().query('select count(*)::int as n from app_public."user" where phone = $1', [phone]);
  expect(rows).toEqual([{ n: 0 }]);
});

test("a clinic keeps at least one active owner", async () => {
  const clinic = await createClinic();
  const { owner } = clinic.members;
  await asMember(owner, async (client) => {
    await expect(client.query("update app_public.membership set role = 'admin' where id = $1", [owner.membershipId])).rejects.toThrow(
      /at least one active owner/,
    );
  });
  await asMember(owner, async (client) => {
    await expect(client.query("update app_public.membership set is_active = false where id = $1", [owner.membershipId])).rejects.toThrow(
      /at least one active owner/,
    );
  });
  await asMember(owner, async (client) => {
    await expect(client.query("select app_public.remove_member($1)", [owner.membershipId])).rejects.toThrow(/at least one active owner/);
  });
});

// 000410: the other owner counted whatever their account, and the last owner who could log in stepped down for one the
// operator had deactivated: the clinic was left with no one to add an owner, reset an admin's password or reopen a day
test("an owner whose account the operator deactivated is no owner the clinic keeps: the last other one cannot step down for them", async () => {
  const clinic = await createClinic();
  const { owner } = clinic.members;
  const other = await addMember(clinic.clinicId, await createUser(), "owner");
  await rootPool().query(`update app_public."user" set is_active = false where id = $1`, [other.userId]);
  for (const sql of [
    "update app_public.membership set role = 'admin' where id = $1",
    "update app_public.membership set is_active = false where id = $1",
    "select app_public.remove_member($1)",
  ]) {
    await asMember(owner, async (client) => {
      await expect(client.query(sql, [owner.membershipId])).rejects.toMatchObject({ code: "CFORB", message: "A clinic must keep at least one active owner." });
    });
  }
  // the operator still removes the deactivated owner's membership while the clinic keeps an owner who logs in
  await rootPool().query("update app_public.membership set deleted_at = now() where id = $1", [other.membershipId]);
  await rootPool().query("update app_public.membership set deleted_at = null where id = $1", [other.membershipId]);
  // active again, they are an owner the clinic keeps
  await rootPool().query(`update app_public."user" set is_active = true where id = $1`, [other.userId]);
  const session = await openSession(owner.userId, clinic.clinicId);
  const { rows } = await committedAs(session, (client) => client.query("update app_public.membership set role = 'admin' where id = $1 returning role", [owner.membershipId]));
  expect(rows).toEqual([{ role: "admin" }]);
});

test("a membership never moves to another clinic or person, nor turns back into an invitation, even written from an operator's psql: FORBIDDEN, the membership as it was", async () => {
  const clinic = await createClinic();
  const other = await createClinic();
  const stranger = await createUser();
  const { cashier } = clinic.members;
  for (const [change, value] of [["clinic_id = $2", other.clinicId], ["user_id = $2", stranger.userId]] as const) {
    await expect(rootPool().query(`update app_public.membership set ${change} where id = $1`, [cashier.membershipId, value])).rejects.toMatchObject({
      code: "CFORB",
      message: "A membership cannot move to another clinic or user.",
    });
  }
  await expect(rootPool().query("update app_public.membership set accepted_at = null where id = $1", [cashier.membershipId])).rejects.toMatchObject({
    code: "CFORB",
    message: "An accepted membership cannot become an invitation again.",
  });
  const { rows } = await rootPool().query("select clinic_id, user_id, accepted_at is not null as accepted from app_public.membership where id = $1", [cashier.membershipId]);
  expect(rows).toEqual([{ clinic_id: clinic.clinicId, user_id: cashier.userId, accepted: true }]);
});

// the removal ended the caller's own session, and soft_delete, reading the row it removed as the caller, took it for
// a removal the policies had refused: FORBIDDEN "Only an owner or admin deletes this.", and the member stayed
test("an admin leaving, or an owner who handed the clinic to another, removes their own membership: their session ends with it, audited", async () => {
  const clinic = await createClinic();
  const { admin, owner } = clinic.members;
  await addMember(clinic.clinicId, await createUser(), "owner");
  for (const member of [admin, owner]) {
    const session = await openSession(member.userId, clinic.clinicId);
    const { rows } = await committedAs(session, (client) => client.query("select id, deleted_at, deleted_by from app_public.remove_member($1)", [member.membershipId]));
    expect(rows).toEqual([{ id: member.membershipId, deleted_at: expect.any(Date), deleted_by: member.userId }]);
    const stored = await rootPool().query(
      `select m.deleted_at is not null as removed, s.revoked_at is not null as session_ended
       from app_public.membership m, app_private.session s where m.id = $1 and s.id = $2`,
      [member.membershipId, session],
    );
    expect(stored.rows).toEqual([{ removed: true, session_ended: true }]);
    expect(await auditActions(member.membershipId)).toEqual(["insert", "soft_delete"]);
    await asSession(session, async (client) => {
      await expect(client.query("select app_public.current_role()")).rejects.toMatchObject({ code: "CAUTH" });
    });
  }
});

test("two owners stepping down at once take turns: the second is refused, and the clinic keeps an owner", async () => {
  const clinic = await createClinic();
  const first = clinic.members.owner;
  const second = await addMember(clinic.clinicId, await createUser(), "owner");
  await atOnce(first, second, async (a, b) => {
    await a.query("update app_public.membership set role = 'admin' where id = $1", [first.membershipId]);
    const stepping = outcome(b.query("update app_public.membership set role = 'admin' where id = $1 returning role", [second.membershipId]));
    expect(await waitsForLock(b, stepping)).toBe(true);
    await a.query("commit");
    expect(await stepping).toBe("CFORB");
  });
  const { rows } = await rootPool().query("select role from app_public.membership where clinic_id = $1 and role in ('owner', 'admin') order by role::text", [
    clinic.clinicId,
  ]);
  expect(rows.map((row) => row.role)).toEqual(["admin", "admin", "owner"]);
});

/** A second member of `role` in the clinic, who accepted. */
async function acceptedMember(clinicId: string, role: "owner" | "admin"): Promise<TestMember> {
  const member = await addMember(clinicId, await createUser(), role);
  await rootPool().query("update app_public.membership set accepted_at = now() where id = $1", [member.membershipId]);
  return member;
}

async function rolesOf(...members: TestMember[]): Promise<string[]> {
  const { rows } = await rootPool().query(
    "select m.id, m.role, m.is_active, m.deleted_at is null as live from app_public.membership m where m.id = any ($1::uuid[])",
    [members.map((m) => m.membershipId)],
  );
  return members.map((m) => {
    const row = rows.find((r) => r.id === m.membershipId);
    return row.live ? (row.is_active ? row.role : `${row.role} suspended`) : `${row.role} removed`;
  });
}

/**
 * `first` runs `mine` and, while it has not committed, `other` runs `theirs`: whether theirs waits for mine, and what it
 * ends with once mine has committed.
 */
async function oneThenTheOther(first: TestMember, other: TestMember, mine: [string, unknown[]], theirs: [string, unknown[]]) {
  let result: { waited: boolean; second: unknown } = { waited: false, second: undefined };
  await atOnce(first, other, async (a, b) => {
    await a.query(...mine);
    const second = outcome(b.query(...theirs));
    const waited = await waitsForLock(b, second);
    await a.query("commit");
    result = { waited, second: await second };
  });
  return result;
}

// 000369: each was judged on the snapshot its statement began with, where the other was still an admin, and both
// passed; the clinic was left with neither
describe("two managers changing each other at once take turns: the second is judged by the role the first left them", () => {
  const cases: [what: string, sql: (id: string) => [string, unknown[]], second: string, after: string][] = [
    ["demoting", (id) => ["update app_public.membership set role = 'doctor' where id = $1 returning role", [id]], "CFORB", "doctor"],
    ["suspending", (id) => ["update app_public.membership set is_active = false where id = $1 returning role", [id]], "CAUTH", "admin suspended"],
    ["removing", (id) => ["select role from app_public.remove_member($1)", [id]], "CAUTH", "admin removed"],
  ];
  test.each(cases)("%s each other", async (_what, sql, second, after) => {
    const clinic = await createClinic();
    const first = clinic.members.admin;
    const other = await acceptedMember(clinic.clinicId, "admin");
    expect(await oneThenTheOther(first, other, sql(other.membershipId), sql(first.membershipId))).toEqual({ waited: true, second });
    expect(await rolesOf(first, other)).toEqual(["admin", after]);
  });

  test("three owners: two stepping each other down at once leave the second an admin, refused", async () => {
    const clinic = await createClinic();
    const first = clinic.members.owner;
    const other = await acceptedMember(clinic.clinicId, "owner");
    await acceptedMember(clinic.clinicId, "owner");
    const stepDown = (id: string): [string, unknown[]] => ["update app_public.membership set role = 'admin' where id = $1 returning role", [id]];
    expect(await oneThenTheOther(first, other, stepDown(other.membershipId), stepDown(first.membershipId))).toEqual({ waited: true, second: "CFORB" });
    expect(await rolesOf(first, other)).toEqual(["owner", "admin"]);
  });

  // tg_membership__changed_by_a_manager let every insert of a platform administrator through unjudged (meant for the
  // owner of a clinic they create, which is no clinic of their session): one who is also an admin of a clinic, demoted
  // while their invitation waited for the clinic's turn, added the person all the same
  test("an admin who is also a platform administrator, demoted while inviting: the invitation, second, is refused", async () => {
    const clinic = await createClinic();
    const { owner, admin } = clinic.members;
    await rootPool().query("update app_public.user set is_platform_admin = true where id = $1", [admin.userId]);
    const phone = `+2557${String(randomInt(1e8)).padStart(8, "0")}`;
    const inviting = await oneThenTheOther(
      owner,
      admin,
      ["update app_public.membership set role = 'doctor' where id = $1", [admin.membershipId]],
      ["select role from app_public.invite_member($1, 'Would-be nurse', 'receptionist', 'password-123')", [phone]],
    );
    expect(inviting).toEqual({ waited: true, second: "CFORB" });
    expect((await rootPool().query("select count(*)::int as n from app_public.membership m join app_public.user u on u.id = m.user_id where u.phone = $1", [phone])).rows[0].n).toBe(0);
  });

  test("an owner demoting an admin while the admin demotes another admin: the admin's, second, is refused", async () => {
    const clinic = await createClinic();
    const { owner, admin } = clinic.members;
    const other = await acceptedMember(clinic.clinicId, "admin");
    const demoting = await oneThenTheOther(
      owner,
      admin,
      ["update app_public.membership set role = 'receptionist' where id = $1", [admin.membershipId]],
      ["update app_public.membership set role = 'doctor' where id = $1 returning role", [other.membershipId]],
    );
    expect(demoting).toEqual({ waited: true, second: "CFORB" });
    expect(await rolesOf(admin, other)).toEqual(["receptionist", "admin"]);
  });

  test("one removing a member while another changes the member's role: no deadlock, the second finds the member gone", async () => {
    const clinic = await createClinic();
    const other = await acceptedMember(clinic.clinicId, "admin");
    const { doctor } = clinic.members;
    const changing = await oneThenTheOther(
      clinic.members.admin,
      other,
      ["select app_public.remove_member($1)", [doctor.membershipId]],
      ["update app_public.membership set role = 'cashier' where id = $1 returning role", [doctor.membershipId]],
    );
    expect(changing).toEqual({ waited: true, second: [] });
    expect(await rolesOf(doctor)).toEqual(["doctor removed"]);
  });

  // remove_member locked the member's row before the clinic's turn: the manager holding the turn, changing that member
  // next, waited for the row, and the removal for the turn, a deadlock
  test("a removal waiting for the clinic's turn holds no row meanwhile: the change of its member goes through first", async () => {
    const clinic = await createClinic();
    const other = await acceptedMember(clinic.clinicId, "admin");
    const { doctor, cashier } = clinic.members;
    await atOnce(clinic.members.admin, other, async (a, b) => {
      await a.query("update app_public.membership set role = 'receptionist' where id = $1", [cashier.membershipId]);
      const removing = outcome(b.query("select role from app_public.remove_member($1)", [doctor.membershipId]));
      expect(await waitsForLock(b, removing)).toBe(true);
      expect(await outcome(a.query("update app_public.membership set role = 'cashier' where id = $1 returning role", [doctor.membershipId]))).toEqual([
        { role: "cashier" },
      ]);
      await a.query("commit");
      expect(await removing).toEqual([{ role: "cashier" }]);
      await b.query("commit");
    });
    expect(await rolesOf(doctor, cashier)).toEqual(["cashier removed", "receptionist"]);
  });
});

// 000464: invite_member took the clinic's turn of membership changes last, in the insert (or invite_again's update) of the
// membership, having taken its clinic's invitations' lock, the phone's lock and, for a new phone, the platform's audit
// chain (the account's entry) first, while a manager's change takes that turn first. Two sessions of their own SQL (which
// take no API turn to write: an operator's psql as a clinic's manager, as these tests' are) deadlocked: a manager holding
// the turn, who then reset a password (ending a session in no clinic, in the platform's chain) or invited, waited for the
// invitation, which waited for the turn ("deadlock detected", one undone). It takes the turn before anything else now.
describe("an invitation of a new phone beside a manager holding the clinic's turn of membership changes: no deadlock", () => {
  const next: [what: string, act: (clinic: TestClinic) => Promise<[string, unknown[]]>, answer: unknown][] = [
    [
      "resets the password of a member with a session in no clinic (ended in the platform's chain)",
      async (clinic) => {
        await openSession(clinic.members.cashier.userId, null);
        return ["select app_public.reset_member_password($1, 'a-new-password-1') as ended", [clinic.members.cashier.membershipId]];
      },
      [{ ended: 1 }],
    ],
    [
      "invites another new phone",
      async () => ["select accepted_at is not null as member from app_public.invite_member($1, 'Second New', 'doctor', 'a-password-123')", [randomPhone()]],
      [{ member: true }],
    ],
  ];
  test.each(next)("the manager then %s: both go through, the invitation second", async (_what, act, answer) => {
    const clinic = await createClinic();
    const other = await acceptedMember(clinic.clinicId, "admin");
    const then = await act(clinic);
    await atOnce(clinic.members.admin, other, async (a, b) => {
      await a.query("select app_public.remove_member($1)", [clinic.members.doctor.membershipId]);
      const inviting = outcome(b.query("select accepted_at is not null as member from app_public.invite_member($1, 'First New', 'doctor', 'a-password-123')", [randomPhone()]));
      expect(await waitsForLock(b, inviting)).toBe(true);
      expect(await outcome(a.query(...then))).toEqual(answer);
      await a.query("commit");
      expect(await inviting).toEqual([{ member: true }]);
      await b.query("commit");
    });
    expect(await rolesOf(clinic.members.doctor)).toEqual(["doctor removed"]);
  });
});

// 000467: the other order, which 000464 made deadlock: a manager who reset a password (the platform's chain head held, a
// session in no clinic ended) and then changed a membership, beside an invitation of a new phone made meanwhile, holding
// the clinic's turn and waiting for that chain's head ("deadlock detected", the invitation undone). The reset takes the
// turn first now: the invitation waits for it holding nothing
test("a manager resets a password, an invitation of a new phone comes, then the manager removes a member: no deadlock", async () => {
  const clinic = await createClinic();
  const other = await acceptedMember(clinic.clinicId, "admin");
  await openSession(clinic.members.cashier.userId, null);
  await atOnce(clinic.members.admin, other, async (a, b) => {
    expect(await outcome(a.query("select app_public.reset_member_password($1, 'a-new-password-1') as ended", [clinic.members.cashier.membershipId]))).toEqual([{ ended: 1 }]);
    const inviting = outcome(b.query("select accepted_at is not null as member from app_public.invite_member($1, 'First New', 'doctor', 'a-password-123')", [randomPhone()]));
    expect(await waitsForLock(b, inviting)).toBe(true);
    expect(await outcome(a.query("select role from app_public.remove_member($1)", [clinic.members.doctor.membershipId]))).toEqual([{ role: "doctor" }]);
    await a.query("commit");
    expect(await inviting).toEqual([{ member: true }]);
    await b.query("commit");
  });
  expect(await rolesOf(clinic.members.doctor)).toEqual(["doctor removed"]);
});

// 000468: a platform administrator who manages a clinic, making a clinic for one of its members in a session of their own
// SQL, took the person's phone lock (create_clinic_with_owner) and then, at the new owner's membership, their own
// clinic's turn of membership changes (tg_membership__managers_take_turns), the other order from a password reset in
// that clinic, which since 000467 takes the turn before the phone ("deadlock detected", one undone). A row lock of the
// member's held meanwhile orders the two: the reset holds the turn and waits for the row; the clinic is being made.
// The making of a clinic now takes the manager's clinic's turn before the phone: it waits for the reset holding nothing
test("a reset under way and a platform administrator making a clinic for the member: no deadlock", async () => {
  const clinic = await createClinic();
  const platformAdmin = await acceptedMember(clinic.clinicId, "admin");
  await rootPool().query("update app_public.user set is_platform_admin = true where id = $1", [platformAdmin.userId]);
  const { cashier } = clinic.members;
  const row = await rootPool().connect();
  try {
    await row.query("begin");
    await row.query("select from app_public.membership where id = $1 for no key update", [cashier.membershipId]);
    await atOnce(clinic.members.owner, platformAdmin, async (a, b) => {
      const reset = outcome(a.query("select app_public.reset_member_password($1, 'a-new-password-1') as ended", [cashier.membershipId]));
      expect(await waitsForLock(a, reset)).toBe(true);
      const making = outcome(b.query("select name from app_public.create_clinic_with_owner($1, 'UTC', 'USD', $2, 'Owner', null)", [`Made ${randomInt(1e9)}`, cashier.phone]));
      expect(await waitsForLock(b, making)).toBe(true);
      await row.query("commit");
      expect(await reset).toEqual([{ ended: 0 }]);
      await a.query("commit");
      expect(await making).toBe("CFORB");
    });
  } finally {
    await row.query("rollback");
    row.release();
  }
});

// 000464: invite_member read whether the person was the clinic's member on its statement's snapshot, and waited for the
// clinic's turn only then (invite_again's update): a restore of their removed membership in flight (restoreMember in a
// session of its own SQL), committed meanwhile, was not read, and the invitation came upon the restored, accepted
// membership, refused FORBIDDEN "An accepted membership cannot become an invitation again." where the person is a
// member again: CONFLICT, as the invitation of any member
test("a removed member restored while another manager invites them again: the invitation, second, is CONFLICT", async () => {
  const clinic = await createClinic();
  const other = await acceptedMember(clinic.clinicId, "admin");
  const removed = await addMember(clinic.clinicId, await createUser(), "doctor");
  await rootPool().query("update app_public.membership set accepted_at = coalesce(accepted_at, now()), deleted_at = now() where id = $1", [removed.membershipId]);
  const invited = await oneThenTheOther(
    clinic.members.admin,
    other,
    ["select app_public.restore_member($1)", [removed.membershipId]],
    ["select role from app_public.invite_member($1, 'Asked Again', 'cashier', 'a-password-123')", [removed.phone]],
  );
  expect(invited).toEqual({ waited: true, second: "CCONF" });
  const { rows } = await rootPool().query("select role, accepted_at is not null as accepted from app_public.membership where id = $1", [removed.membershipId]);
  expect(rows).toEqual([{ role: "doctor", accepted: true }]);
});

// 000464: the same with the operator's restore by hand (an update of deleted_at, which takes no turn of the clinic's):
// invite_again's update came upon the restored row all the same, its choice of the removed membership read before the
// restore committed, and was refused FORBIDDEN. It updates a row still removed alone: the invitation's insert then finds
// the person a member (CONFLICT, the API's answer to membership_one_live_per_user)
test("a removed member restored by the operator while a manager invites them again: the invitation is CONFLICT", async () => {
  const clinic = await createClinic();
  const removed = await addMember(clinic.clinicId, await createUser(), "doctor");
  await rootPool().query("update app_public.membership set accepted_at = coalesce(accepted_at, now()), deleted_at = now() where id = $1", [removed.membershipId]);
  const admin = await openSession(clinic.members.admin.userId, clinic.clinicId);
  const answer = await whileHolding("update app_public.membership set deleted_at = null, deleted_by = null where id = $1", [removed.membershipId], async (held) => {
    const inviting = await underWay("select role as result from app_public.invite_member($1, 'Asked Again', 'cashier', 'a-password-123')", [removed.phone], admin);
    expect(await held.blocking()).toBe(true);
    await held.client.query("commit");
    return inviting.result;
  });
  expect(answer).toMatch(/membership_one_live_per_user/);
  const { rows } = await rootPool().query("select role, accepted_at is not null as accepted, deleted_at from app_public.membership where id = $1", [removed.membershipId]);
  expect(rows).toEqual([{ role: "doctor", accepted: true, deleted_at: null }]);
});

// 000444 took the person's phone's lock to make them an owner, as a rename takes the phone locks of the owners it reads:
// a rename of the clinic and an acceptance of an owner invitation of it at once, neither had committed what the other read
// (the rename read no such owner, the acceptance the clinic's old name): the person came to own two clinics of one name
describe("a clinic renamed while a person accepts its owner invitation: they do not come to own two clinics of one name", () => {
  async function ownerInvited() {
    const tag = randomInt(1e9).toString(36);
    const theirs = await createClinic(`Twin Name ${tag}`);
    const clinic = await createClinic(`Other Name ${tag}`);
    const person = theirs.members.owner; // owns the first, their session of it
    await rootPool().query("insert into app_public.membership (clinic_id, user_id, role, accepted_at) values ($1, $2, 'owner', null)", [clinic.clinicId, person.userId]);
    return { theirs, clinic, person, rename: ["update app_public.clinic set name = $2 where id = $1 returning name", [clinic.clinicId, theirs.name]] as [string, unknown[]] };
  }
  const owners = async (userId: string) =>
    (await rootPool().query(
      "select c.name from app_public.membership m join app_public.clinic c on c.id = m.clinic_id where m.user_id = $1 and m.role = 'owner' and m.accepted_at is not null order by c.name",
      [userId],
    )).rows.map((r) => r.name);

  test("the acceptance first: the rename, second, is refused", async () => {
    const { theirs, clinic, person, rename } = await ownerInvited();
    const accept: [string, unknown[]] = ["select app_public.accept_invitation($1) as accepted", [clinic.clinicId]];
    expect(await oneThenTheOther(person, clinic.members.owner, accept, rename)).toEqual({ waited: true, second: "CCONF" });
    expect(await owners(person.userId)).toEqual([clinic.name, theirs.name].sort());
  });

  test("the rename first: the acceptance, second, is refused", async () => {
    const { theirs, clinic, person, rename } = await ownerInvited();
    const accept: [string, unknown[]] = ["select app_public.accept_invitation($1) as accepted", [clinic.clinicId]];
    expect(await oneThenTheOther(clinic.members.owner, person, rename, accept)).toEqual({ waited: true, second: "CCONF" });
    expect(await owners(person.userId)).toEqual([theirs.name]);
  });
});

test("a role change applies to the member's live session at once", async () => {
  const clinic = await createClinic();
  const session = await openSession(clinic.members.receptionist.userId, clinic.clinicId);
  await rootPool().query("update app_public.membership set role = 'cashier' where id = $1", [clinic.members.receptionist.membershipId]);
  await asSession(session, async (client) => {
    const { rows } = await client.query("select app_public.current_role() as role");
    expect(rows[0].role).toBe("cashier");
  });
});

test("suspending a user ends all their sessions", async () => {
  const clinic = await createClinic();
  const session = await openSession(clinic.members.doctor.userId, clinic.clinicId);
  await rootPool().query(`update app_public."user" set is_active = false where id = $1`, [clinic.members.doctor.userId]);
  await asSession(session, async (client) => {
    await expect(client.query("select app_public.current_user_id() as id")).rejects.toMatchObject({ code: "CAUTH" });
  });
});

// a session of theirs without a clinic, or in another clinic, read the clinic's settings after the suspension
test("a member suspended in a clinic no longer sees it from a session elsewhere; active again, they do", async () => {
  const a = await createClinic();
  const b = await createClinic();
  const both = await addMember(b.clinicId, a.members.doctor, "doctor");
  await rootPool().query("update app_public.membership set accepted_at = now() where id = $1", [both.membershipId]);
  const seenFrom = async (clinicId: string | null) =>
    asSession(await openSession(a.members.doctor.userId, clinicId), async (client) =>
      (await client.query("select id from app_public.clinic where id = $1", [b.clinicId])).rows.length);
  expect([await seenFrom(a.clinicId), await seenFrom(null)]).toEqual([1, 1]);
  await rootPool().query("update app_public.membership set is_active = false where id = $1", [both.membershipId]);
  expect([await seenFrom(a.clinicId), await seenFrom(null)]).toEqual([0, 0]);
  await rootPool().query("update app_public.membership set is_active = true where id = $1", [both.membershipId]);
  expect(await seenFrom(a.clinicId)).toBe(1);
});

test("inviting: a new phone creates a user; a current member is a CONFLICT; a national number uses the clinic's country", async () => {
  const clinic = await createClinic();
  await asMember(clinic.members.owner, async (client) => {
    const invited = await client.query("select * from app_public.invite_member('0744 123 456', 'Rita Reception', 'receptionist', 'password-123')");
    const { rows } = await client.query(
      `select m.role, u.phone, u.full_name from app_public.membership m join app_public."user" u on u.id = m.user_id where m.id = $1`,
      [invited.rows[0].id],
    );
    expect(rows[0]).toEqual({ role: "receptionist", phone: "+255744123456", full_name: "Rita Reception" });
    await expect(client.query("select app_public.invite_member('+255744123456', 'Rita again', 'cashier', 'password-123')")).rejects.toMatchObject({
      code: "CCONF",
    });
  });
});

describe("inviting someone who already has an account", () => {
  /** Clinic A's owner invites clinic B's doctor (a phone A only knows) as `role`; returns what invite_member answered. */
  async function inviteBsDoctor(a: Awaited<ReturnType<typeof createClinic>>, doctor: { phone: string }, role = "doctor") {
    return committedAs(await openSession(a.members.owner.userId, a.clinicId), async (client) => {
      const { rows } = await client.query("select * from app_public.invite_member($1, 'A name the inviter made up', $2, 'a-password-123')", [
        doctor.phone,
        role,
      ]);
      return rows[0];
    });
  }
  const memberOfA = async (clinicId: string, userId: string) =>
    (await rootPool().query("select * from app_public.membership where clinic_id = $1 and user_id = $2 and deleted_at is null", [clinicId, userId]))
      .rows[0];

  test("every refusal is the same whether the phone has an account or not: nothing tells the inviter which", async () => {
    const a = await createClinic();
    const registered = (await createClinic()).members.doctor.phone;
    const fresh = `+2557990${String(randomInt(100000, 999999))}`;
    expect((await rootPool().query(`select count(*)::int as n from app_public."user" where phone = $1`, [fresh])).rows[0].n).toBe(0);
    const refusal = async (member: TestMember, phone: string, name: string | null, role: string, password: string | null) => {
      try {
        await committedAs(await openSession(member.userId, a.clinicId), (client) => client.query("select app_public.invite_member($1, $2, $3, $4)", [phone, name, role, password]));
        return "invited";
      } catch (error) {
        const { code, message } = error as { code: string; message: string };
        return `${code} ${message}`;
      }
    };
    const probes: [TestMember, string | null, string, string | null][] = [
      [a.members.owner, "Someone", "doctor", null], // no password
      [a.members.owner, "Someone", "doctor", "short"], // a weak one
      [a.members.owner, " ", "doctor", "password-123"], // no name
      [a.members.owner, "x".repeat(201), "doctor", "password-123"], // too long a name
      [a.members.admin, "Someone", "owner", "password-123"], // an admin inviting an owner
    ];
    for (const [member, name, role, password] of probes) {
      const answers = [await refusal(member, registered, name, role, password), await refusal(member, fresh, name, role, password)];
      expect(answers[0]).not.toBe("invited");
      expect(answers[1]).toBe(answers[0]);
    }
    const { rows } = await rootPool().query(`select count(*)::int as n from app_public.membership where clinic_id = $1`, [a.clinicId]);
    expect(rows[0].n).toBe(5); // the fixture's members only: nothing was invited
  });

  test("is a pending membership: the clinic sees the row, not the person; their name and password stay theirs", async () => {
    const a = await createClinic();
    const b = await createClinic();
    const doctor = b.members.doctor;
    const invited = await inviteBsDoctor(a, doctor);
    expect(invited).toMatchObject({ clinic_id: a.clinicId, user_id: doctor.userId, role: "doctor", accepted_at: null });
    const user = (await rootPool().query(`select full_name from app_public."user" where id = $1`, [doctor.userId])).rows[0];
    expect(user.full_name).toBe(`Test ${doctor.phone}`);

    await asMember(a.members.owner, async (client) => {
      const memberships = await client.query("select role, accepted_at from app_public.membership where id = $1", [invited.id]);
      expect(memberships.rows).toEqual([{ role: "doctor", accepted_at: null }]);
      const users = await client.query(`select full_name, phone from app_public."user" where id = $1 or phone = $2`, [doctor.userId, doctor.phone]);
      expect(users.rows).toEqual([]);
      const joined = await client.query(`select u.full_name from app_public.membership m join app_public."user" u on u.id = m.user_id where m.id = $1`, [
        invited.id,
      ]);
      expect(joined.rows).toEqual([]);
      // an accepted colleague still shows (control)
      const colleague = await client.query(`select full_name from app_public."user" where id = $1`, [a.members.doctor.userId]);
      expect(colleague.rows).toHaveLength(1);
    });
    // and the person sees nothing of clinic A through the tables
    await asMember(doctor, async (client) => {
      expect((await client.query("select id from app_public.clinic where id = $1", [a.clinicId])).rows).toEqual([]);
      expect((await client.query("select id from app_public.membership where clinic_id = $1", [a.clinicId])).rows).toEqual([]);
      expect((await client.query("select clinic_id from app_public.membership where user_id = $1", [doctor.userId])).rows).toEqual([
        { clinic_id: b.clinicId },
      ]);
    });
  });

  test("inviting a pending or an accepted member again is a CONFLICT", async () => {
    const a = await createClinic();
    const b = await createClinic();
    await inviteBsDoctor(a, b.members.doctor);
    await expect(inviteBsDoctor(a, b.members.doctor, "cashier")).rejects.toMatchObject({ code: "CCONF", message: "This person is already a member of the clinic, or invited to it." });
    await expect(inviteBsDoctor(a, a.members.cashier, "cashier")).rejects.toMatchObject({ code: "CCONF" });
  });

  test("a pending doctor cannot be booked, not even by a trusted connection, and is told so; a suspended doctor or a member who is no doctor too", async () => {
    const a = await createClinic();
    const b = await createClinic();
    const invited = await inviteBsDoctor(a, b.members.doctor);
    const patient = (await rootPool().query("insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Asha', 'Pending') returning id", [a.clinicId]))
      .rows[0];
    await expect(
      rootPool().query("insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now())", [
        a.clinicId,
        patient.id,
        invited.id,
      ]),
    ).rejects.toThrow("This doctor has not accepted the clinic's invitation yet: book them once they have.");
    await asMember(a.members.receptionist, async (client) => {
      await expect(
        client.query("insert into app_public.visit (patient_id, doctor_id, scheduled_at) values ($1, $2, now())", [patient.id, invited.id]),
      ).rejects.toMatchObject({ code: "CINVL", message: "This doctor has not accepted the clinic's invitation yet: book them once they have." });
    });
    // the clinic's other members who cannot take a visit are told why; B's doctor, as an id of no one, is not
    const book = (doctorId: string) =>
      rootPool().query("insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now())", [a.clinicId, patient.id, doctorId])
        .then(() => null, (error: Error) => error.message);
    await rootPool().query("update app_public.membership set is_active = false where id = $1", [a.members.doctor.membershipId]);
    expect(await book(a.members.doctor.membershipId)).toBe("This doctor is suspended in this clinic: book another doctor.");
    expect(await book(a.members.cashier.membershipId)).toBe("This member is not a doctor of the clinic: book a doctor.");
    expect(await book(b.members.doctor.membershipId)).toBe("The doctor must be an active member of this clinic with the doctor role.");
  });

  test("a pending owner is no owner the clinic keeps: the last accepted owner cannot step down for them", async () => {
    const a = await createClinic();
    const b = await createClinic();
    await inviteBsDoctor(a, b.members.doctor, "owner");
    await asMember(a.members.owner, async (client) => {
      await expect(client.query("update app_public.membership set role = 'admin' where id = $1", [a.members.owner.membershipId])).rejects.toThrow(
        /at least one active owner/,
      );
    });
  });

  test("accepting it is a step of its own (audited); switching to the clinic then acts with the role", async () => {
    const a = await createClinic();
    const b = await createClinic();
    const doctor = b.members.doctor;
    const invited = await inviteBsDoctor(a, doctor, "owner");
    const switchToA = async () =>
      committedAs(await openSession(doctor.userId, b.clinicId), (client) => client.query("select app_hidden.switch_clinic($1, null, null, '1 hour') as r", [a.clinicId]));
    // naming the clinic is no consent
    expect((await switchToA()).rows[0].r).toEqual({
      status: "not_a_member", // the route's 403, audited, saying what to do
      message: "You have not accepted that clinic's invitation: you are its member once you accept it (acceptInvitation).",
    });
    expect((await memberOfA(a.clinicId, doctor.userId)).accepted_at).toBeNull();
    await committedAs(await openSession(doctor.userId, b.clinicId), (client) => client.query("select app_public.accept_invitation($1)", [a.clinicId]));
    const opened = await switchToA();
    expect(opened.rows[0].r).toMatchObject({ clinic: { id: a.clinicId }, role: "owner" });
    expect((await memberOfA(a.clinicId, doctor.userId)).accepted_at).not.toBeNull();
    const { rows } = await rootPool().query(
      "select action, actor_user_id, old_values ->> 'accepted_at' as was, new_values ->> 'accepted_at' as now from app_public.audit_log where record_id = $1 order by seq",
      [invited.id],
    );
    expect(rows).toEqual([
      { action: "insert", actor_user_id: a.members.owner.userId, was: null, now: null },
      { action: "update", actor_user_id: doctor.userId, was: null, now: expect.any(String) },
    ]);
    await asMember(a.members.owner, async (client) => {
      expect((await client.query(`select full_name from app_public."user" where id = $1`, [doctor.userId])).rows).toHaveLength(1);
    });
  });

  test("the person declines it (audited); nobody else can, and an accepted membership is not declined", async () => {
    const a = await createClinic();
    const b = await createClinic();
    const doctor = b.members.doctor;
    const invited = await inviteBsDoctor(a, doctor);
    // another user (even the clinic's own owner) cannot decline it for them
    for (const other of [b.members.owner, a.members.owner]) {
      await asMember(other, async (client) => {
        await expect(client.query("select app_public.decline_invitation($1)", [a.clinicId])).rejects.toMatchObject({ code: "CNOTF" });
      });
    }
    await asSession(null, async (client) => {
      await expect(client.query("select app_public.decline_invitation($1)", [a.clinicId])).rejects.toMatchObject({ code: "CAUTH" });
    });
    // an accepted membership is not an invitation
    await asMember(doctor, async (client) => {
      await expect(client.query("select app_public.decline_invitation($1)", [b.clinicId])).rejects.toMatchObject({ code: "CNOTF" });
    });
    await committedAs(await openSession(doctor.userId, null), (client) => client.query("select app_public.decline_invitation($1)", [a.clinicId]));
    expect(await memberOfA(a.clinicId, doctor.userId)).toBeUndefined();
    const { rows } = await rootPool().query("select action, actor_user_id, clinic_id from app_public.audit_log where record_id = $1 order by seq", [invited.id]);
    expect(rows).toEqual([
      { action: "insert", actor_user_id: a.members.owner.userId, clinic_id: a.clinicId },
      { action: "soft_delete", actor_user_id: doctor.userId, clinic_id: a.clinicId },
    ]);
    // declined, it can no longer be accepted
    await expect(
      committedAs(await openSession(doctor.userId, null), (client) => client.query("select app_public.accept_invitation($1)", [a.clinicId])),
    ).rejects.toMatchObject({ code: "CNOTF" });
  });

  test("declining goes through soft_delete: an owner's invitation too, by a person who owns no clinic; audited, and include_deleted left as it was", async () => {
    const a = await createClinic();
    const b = await createClinic();
    const doctor = b.members.doctor; // a doctor in B: no owner of the session's clinic
    const invited = await inviteBsDoctor(a, doctor, "owner");
    const setting = await committedAs(await openSession(doctor.userId, b.clinicId), async (client) => {
      await client.query("select set_config('clinicops.include_deleted', 'on', true)");
      expect((await client.query("select app_public.decline_invitation($1) as declined", [a.clinicId])).rows).toEqual([{ declined: true }]);
      return (await client.query("select current_setting('clinicops.include_deleted') as value")).rows[0].value;
    });
    expect(setting).toBe("on");
    const { rows } = await rootPool().query("select deleted_by, deleted_at is not null as deleted from app_public.membership where id = $1", [invited.id]);
    expect(rows).toEqual([{ deleted_by: doctor.userId, deleted: true }]);
    expect(await auditActions(invited.id)).toEqual(["insert", "soft_delete"]);
    await expect(
      committedAs(await openSession(doctor.userId, b.clinicId), (client) => client.query("select app_public.decline_invitation($1)", [a.clinicId])),
    ).rejects.toMatchObject({ code: "CNOTF" });
  });

  test("the inviting clinic can withdraw it with removeMember", async () => {
    const a = await createClinic();
    const b = await createClinic();
    const invited = await inviteBsDoctor(a, b.members.doctor);
    await committedAs(await openSession(a.members.admin.userId, a.clinicId), (client) => client.query("select app_public.remove_member($1)", [invited.id]));
    expect(await memberOfA(a.clinicId, b.members.doctor.userId)).toBeUndefined();
  });
});

// a clinic's invitations take turns at the clinic's turn of membership changes, taken before the hour's count (000465
// dropped their own lock, taken right after it): two managers inviting at once with one invitation left of the hour, the
// second reads the first's once it has committed and is LIMIT_EXCEEDED. Without the turn before the count, each read 49
// and the insert's own turn (tg_membership__managers_take_turns) only ordered them: 51 in the hour
test("two invitations at once with one left of the hour: the second waits for the first and is LIMIT_EXCEEDED", async () => {
  const clinic = await createClinic();
  const other = await acceptedMember(clinic.clinicId, "admin");
  const { rows } = await rootPool().query("select count(*)::int as n from app_public.membership where clinic_id = $1", [clinic.clinicId]);
  for (let i = rows[0].n; i < 49; i++) await addMember(clinic.clinicId, await createUser(), "cashier");
  const invite = "select accepted_at is not null as member from app_public.invite_member($1, 'New Hire', 'doctor', 'a-password-123')";
  await atOnce(clinic.members.owner, other, async (a, b) => {
    expect(await outcome(a.query(invite, [randomPhone()]))).toEqual([{ member: true }]);
    const second = outcome(b.query(invite, [randomPhone()]));
    expect(await waitsForLock(b, second)).toBe(true);
    await a.query("commit");
    expect(await second).toBe("CLIMT");
  });
  const added = await rootPool().query("select count(*)::int as n from app_public.membership where clinic_id = $1", [clinic.clinicId]);
  expect(added.rows).toEqual([{ n: 50 }]);
});

// since 000300 someone the clinic removed is invited again on their membership of before, which makes no membership: the
// hourly limit, which counted memberships made, did not count it, and an owner or admin (or their stolen session) could
// ask removed people again, or remove and ask one again, without end, each time an invitation in the person's login answer
test("invitations again of removed people count in the clinic's 50 an hour: beyond them, LIMIT_EXCEEDED as for a new person", async () => {
  const clinic = await createClinic();
  const owner = await openSession(clinic.members.owner.userId, clinic.clinicId);
  const invite = (phone: string) =>
    committedAs(owner, async (client) => (await client.query("select * from app_public.invite_member($1, 'Any name', 'doctor', 'a-password-123')", [phone])).rows[0]);
  // two doctors who left, then the clinic's hour filled up to 49 memberships made
  const left = [await addMember(clinic.clinicId, await createUser(), "doctor"), await addMember(clinic.clinicId, await createUser(), "doctor")];
  for (const doctor of left) await committedAs(owner, (client) => client.query("select app_public.remove_member($1)", [doctor.membershipId]));
  const { rows } = await rootPool().query("select count(*)::int as n from app_public.membership where clinic_id = $1", [clinic.clinicId]);
  for (let i = rows[0].n; i < 49; i++) await addMember(clinic.clinicId, await createUser(), "cashier");
  // under the limit, the first is asked again, on their membership of before: the 50th of the hour
  expect(await invite(left[0].phone)).toMatchObject({ id: left[0].membershipId, accepted_at: null, deleted_at: null });
  // the second is one too many, as a new person is
  const LIMIT = { code: "CLIMT", message: "Your clinic has added 50 people in the past hour: wait before inviting more." };
  await expect(invite(left[1].phone)).rejects.toMatchObject(LIMIT);
  await expect(invite((await createUser()).phone)).rejects.toMatchObject(LIMIT);
  // removing the one asked again gives nothing back: that invitation was made (and was in their login answer)
  await committedAs(owner, (client) => client.query("select app_public.remove_member($1)", [left[0].membershipId]));
  await expect(invite(left[0].phone)).rejects.toMatchObject(LIMIT);
  // an hour later (the memberships made, and the invitation again, all that long ago), they may be asked again
  await rootPool().query(
    `begin; set local session_replication_role = replica;
     update app_public.membership set created_at = created_at - interval '61 minutes' where clinic_id = '${clinic.clinicId}'; commit`,
  ); // (the timestamps trigger keeps created_at: a replica's session skips it)
  await rootPool().query("update app_private.reinvitation set invited_at = invited_at - interval '61 minutes' where clinic_id = $1", [clinic.clinicId]);
  expect(await invite(left[1].phone)).toMatchObject({ id: left[1].membershipId, accepted_at: null, deleted_at: null });
});

// invite_again marks its update with clinicops.reinvitation; a connection that never ran it (every connection of a
// server just started, until someone is invited again on it) has no such setting at all: null, not ''. 000305 read
// that null as "maybe invite_again's", and a restore of a pending membership on such a connection was taken for an
// invitation: a decline of more than 30 days ago did not stop it
describe("restoreMember on a connection no invitation ever ran on", () => {
  async function restoreOnAFreshConnection(owner: TestMember, membershipId: string) {
    const client = new pg.Client({ connectionString: testConfig.authenticatorUrl });
    await client.connect();
    try {
      const { rows } = await client.query("select current_setting('clinicops.reinvitation', true) as mark");
      expect(rows[0].mark).toBeNull(); // the case: the setting was never made on this connection
      await beginAs(client, await openSession(owner.userId, owner.clinicId));
      try {
        const restored = await client.query("select (app_public.restore_member($1)).deleted_at", [membershipId]);
        return { restored: restored.rows[0].deleted_at === null };
      } catch (error) {
        return { code: (error as { code?: string }).code, message: (error as Error).message };
      } finally {
        await client.query("rollback");
      }
    } finally {
      await client.end();
    }
  }
  /** A pending invitation of a new person, removed `ago` by the person themselves (declined) or by the clinic (withdrawn). */
  async function removedInvitation(clinicId: string, ago: string, by: "person" | "clinic", userId?: string) {
    const person = userId ?? (await createUser()).userId;
    const { rows } = await rootPool().query(
      `insert into app_public.membership (clinic_id, user_id, role, accepted_at, deleted_at, deleted_by)
       select $1, $2, 'doctor', null, now() - $3::interval, case when $4 then $2::uuid else m.user_id end
       from app_public.membership m where m.clinic_id = $1 and m.role = 'owner' returning id, user_id, accepted_at`,
      [clinicId, person, ago, by === "person"],
    );
    expect(rows[0].accepted_at).toBeNull(); // pending when it was removed
    return { id: rows[0].id as string, userId: rows[0].user_id as string };
  }
  const DECLINED = "They declined this invitation: it cannot be brought back.";

  test("an invitation declined more than 30 days ago, or less, is FORBIDDEN, as on any other connection", async () => {
    const clinic = await createClinic();
    const longAgo = await removedInvitation(clinic.clinicId, "40 days", "person");
    expect(await restoreOnAFreshConnection(clinic.members.owner, longAgo.id)).toEqual({ code: "CFORB", message: DECLINED });
    const lately = await removedInvitation(clinic.clinicId, "5 days", "person");
    expect(await restoreOnAFreshConnection(clinic.members.owner, lately.id)).toEqual({ code: "CFORB", message: DECLINED });
    const { rows } = await rootPool().query("select count(*)::int as n from app_public.membership where id = any($1) and deleted_at is null", [[longAgo.id, lately.id]]);
    expect(rows[0].n).toBe(0);
  });

  test("an invitation the clinic withdrew before the person declined another is FORBIDDEN; one withdrawn with no decline since comes back", async () => {
    const clinic = await createClinic();
    const withdrawn = await removedInvitation(clinic.clinicId, "60 days", "clinic");
    await removedInvitation(clinic.clinicId, "40 days", "person", withdrawn.userId);
    expect(await restoreOnAFreshConnection(clinic.members.owner, withdrawn.id)).toEqual({
      code: "CFORB",
      message: "They declined an invitation from this clinic since this was removed: only a new invitation, 30 days after they declined, asks them again.",
    });
    const alone = await removedInvitation(clinic.clinicId, "60 days", "clinic");
    expect(await restoreOnAFreshConnection(clinic.members.owner, alone.id)).toEqual({ restored: true });
  });
});

// select_clinic let a session read its clinic's memberships, the person's own elsewhere, or every one for a platform
// admin: an `or` with an arm no index holds (`(select current_user_is_platform_admin())`), so, planned generically as
// every API transaction plans (server/pg-settings.ts), no arm was an index condition, and the staff list and a login
// screen's clinics (`memberships` without a condition, as api.md offers it) read every clinic's memberships (000422)
test("the memberships list reads the clinic's and the person's own memberships by an index, not every clinic's", async () => {
  const clinic = await createClinic();
  // the staff list as PostGraphile reads it (its parameter, which the list has none of, excludes no member), with
  // 1,000 clinics of 5 members each (written, rolled back after)
  const plan = await pageAsTheApiPlansIt(clinic.members.owner, "app_public.membership", {},
    `select __membership__."id" as "0" from "app_public"."membership" as __membership__ where __membership__."id" <> $1::"uuid"
     order by (("app_public"."membership_full_name"(__membership__)) is null) asc, "app_public"."membership_full_name"(__membership__) asc,
       __membership__."role" asc, __membership__."clinic_id" asc, __membership__."id" asc limit 100`,
    "00000000-0000-0000-0000-000000000000",
    `insert into app_public.membership (clinic_id, user_id, role)
     select c, gen_random_uuid(), 'doctor' from (select gen_random_uuid() as c from generate_series(1, 1000)) clinics cross join generate_series(1, 5)`);
  expect(plan).not.toMatch(/Seq Scan on membership/);
  // the session's clinic and person, InitPlans' values: `$n` in PostgreSQL 15's EXPLAIN, `(InitPlan n).col1` in 17's
  expect(plan).toMatch(/Index Scan on membership_\w+ \(actual rows=\d+ [^\n]*\n\s+Index Cond: \(clinic_id = (?:\$\d+|\(InitPlan \d+\)\.col1)\)/);
  expect(plan).toMatch(/Index Scan on membership_\w+ \(actual rows=\d+ [^\n]*\n\s+Index Cond: \(user_id = (?:\$\d+|\(InitPlan \d+\)\.col1)\)/);
  // the clinic's members (one of each role) and no other clinic's
  expect(Number(/Heap Scan on membership __membership__ \(actual rows=(\d+)/.exec(plan)?.[1])).toBeLessThanOrEqual(Object.keys(clinic.members).length);
  // and a platform admin, in no clinic's session, still reads every clinic's
  const admin = await createUser({ isPlatformAdmin: true });
  const seen = await asSession(await openSession(admin.userId, null), async (client) =>
    (await client.query("select count(*)::int as n from app_public.membership where clinic_id = $1", [clinic.clinicId])).rows[0].n);
  expect(seen).toBe(Object.keys(clinic.members).length);
});
