/**
 * Memberships: soft delete and restore (the shared machinery), the owner
 * rules, and sessions following role changes at once.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { addMember, asMember, asSession, committedAs, createClinic, createUser, openSession } from "../support/fixtures.ts";

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

test("only owners and admins remove members", async () => {
  const clinic = await createClinic();
  for (const role of ["doctor", "receptionist", "cashier"] as const) {
    await asMember(clinic.members[role], async (client) => {
      await expect(client.query("select app_public.remove_member($1)", [clinic.members.admin.membershipId])).rejects.toMatchObject({
        code: "CNOTF",
      });
    });
  }
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
    const { rows } = await client.query("select app_public.current_user_id() as id");
    expect(rows[0].id).toBeNull();
  });
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
    await expect(client.query("select app_public.invite_member('+255744123456', 'Rita again', 'cashier', null)")).rejects.toMatchObject({
      code: "CCONF",
    });
  });
});
