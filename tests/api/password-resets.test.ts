/**
 * A clinic's owner or admin resets a member's forgotten password (resetMemberPassword), over HTTP with
 * real cookies, and from the attacker's side: another clinic's owner naming the victim's membership, an
 * admin reaching up, staff below managers, and accounts that are not the clinic's alone. Every refusal
 * leaves the account as it was: its password, its sessions, its lockout and the audit log.
 */
import { randomUUID } from "node:crypto";
import { apiPool, closeRootPool, rootPool } from "../support/database.ts";
import { addMember, beginAs, createClinic, createUser, openSession, randomPhone, type Role, type TestClinic, type TestMember, type TestUser } from "../support/fixtures.ts";
import { Browser, startApi, statusWhy, type TestApi } from "../support/api.ts";
import { trackBackend, waitsForLock, whileHolding } from "../support/locks.ts";
import { until } from "../support/until.ts";

let api: TestApi;
let a: TestClinic;
let b: TestClinic;
/** Clinic A's members logged in, and B's owner. */
const managers = {} as Record<Role | "owner of B", Browser>;

beforeAll(async () => {
  api = await startApi();
  a = await createClinic("Reset clinic A");
  b = await createClinic("Reset clinic B");
  for (const role of ["owner", "admin", "doctor", "receptionist", "cashier"] as Role[]) {
    managers[role] = new Browser(api);
    await managers[role].login(a.members[role].phone, a.members[role].password);
  }
  managers["owner of B"] = new Browser(api);
  await managers["owner of B"].login(b.members.owner.phone, b.members.owner.password);
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

const RESET = `mutation($m: UUID!, $p: String!) { resetMemberPassword(input: { membershipId: $m, password: $p }) { result } }`;
const NEW_PASSWORD = "a new password of the clinic's";

const reset = (browser: Browser, membershipId: string, password = NEW_PASSWORD) => browser.graphql(RESET, { m: membershipId, p: password });
const refusal = async (browser: Browser, membershipId: string, password = NEW_PASSWORD) => {
  const r = await reset(browser, membershipId, password);
  return [r.body.errors?.[0]?.extensions?.code, r.body.errors?.[0]?.message];
};

/** A new person, a member of clinic A as `role`, with a live session there. */
async function memberOfA(role: Role): Promise<TestMember> {
  const member = await addMember(a.clinicId, await createUser(), role);
  await openSession(member.userId, a.clinicId);
  return member;
}

/** What a reset would change of an account: its secret, its live sessions and its audited password changes. */
const accountState = async (userId: string) =>
  (
    await rootPool().query(
      `select (select row_to_json(s) from app_private.user_secret s where s.user_id = $1) as secret,
         (select count(*)::int from app_private.session where user_id = $1 and revoked_at is null) as live_sessions,
         (select count(*)::int from app_public.audit_log where table_name = 'user_secret' and record_id = $1) as audited`,
      [userId],
    )
  ).rows[0];

const KEPT = "This account's password was last given by another clinic, which may log in as it: it joins no other clinic until the platform operator resets the password (npm run password).";
const OPERATOR_RESETS = "This person also belongs to another clinic, or is invited to one: only the platform operator resets their password.";

test("an owner resets a locked-out receptionist: the old password and sessions end, the new one logs in and is to be changed, an entry without the password", async () => {
  const receptionist = await memberOfA("receptionist");
  // removed from clinic B long ago: no clinic's but A's
  await rootPool().query("update app_public.membership set deleted_at = now() where id = $1", [(await addMember(b.clinicId, receptionist, "doctor")).membershipId]);
  const [desk, phone] = [new Browser(api), new Browser(api)];
  await desk.login(receptionist.phone, receptionist.password);
  await phone.login(receptionist.phone, receptionist.password);
  for (let i = 0; i < 5; i++) await new Browser(api).tryLogin(receptionist.phone, `guess-${i}-password`);
  expect((await new Browser(api).tryLogin(receptionist.phone, receptionist.password)).status).toBe(401); // locked

  const r = await reset(managers.owner, receptionist.membershipId);
  expect(r.body).toEqual({ data: { resetMemberPassword: { result: 3 } } });
  for (const ended of [desk, phone]) {
    expect((await ended.graphql("{ currentUser { rowId } }")).body.errors?.[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  }
  expect((await new Browser(api).tryLogin(receptionist.phone, receptionist.password)).status).toBe(401);
  const fresh = new Browser(api);
  expect((await fresh.login(receptionist.phone, NEW_PASSWORD)).body.clinic.id).toBe(a.clinicId); // unlocked
  expect((await fresh.graphql("{ currentUserPasswordSetByHolder }")).body.data).toEqual({ currentUserPasswordSetByHolder: false });
  // then they choose their own
  expect((await fresh.post("/auth/password", { currentPassword: NEW_PASSWORD, newPassword: "the receptionist's own" })).status).toBe(200);
  expect((await fresh.graphql("{ currentUserPasswordSetByHolder }")).body.data).toEqual({ currentUserPasswordSetByHolder: true });

  const { rows } = await rootPool().query(
    `select clinic_id, actor_user_id, action, old_values, new_values, detail, row_to_json(l)::text as whole
     from app_public.audit_log l where table_name = 'user_secret' and record_id = $1 order by seq`,
    [receptionist.userId],
  );
  const hash = (await rootPool().query("select password_hash from app_private.user_secret where user_id = $1", [receptionist.userId])).rows[0].password_hash;
  expect(rows[0]).toMatchObject({
    clinic_id: a.clinicId,
    actor_user_id: a.members.owner.userId,
    action: "update",
    old_values: null,
    new_values: null,
    detail: { passwordChanged: true, by: "resetMemberPassword", membershipId: receptionist.membershipId, unlocked: true, sessionsEnded: 3 },
  });
  expect(rows[0].whole).not.toContain(NEW_PASSWORD);
  expect(rows[0].whole).not.toContain("sha256$");
  expect(rows[0].whole).not.toContain(hash.slice(7));
  expect(rows).toHaveLength(2); // the reset, then the person's own change
});

test("an admin resets a doctor, a receptionist and a cashier; an owner an admin", async () => {
  for (const [by, role] of [["admin", "doctor"], ["admin", "receptionist"], ["admin", "cashier"], ["owner", "admin"]] as const) {
    const member = await memberOfA(role);
    expect({ by, role, answer: (await reset(managers[by], member.membershipId)).body }).toEqual({ by, role, answer: { data: { resetMemberPassword: { result: 1 } } } });
    expect((await new Browser(api).login(member.phone, NEW_PASSWORD)).status).toBe(200);
  }
});

// PRODUCT.md: a clinic's owner reads, in its audit log, every change its staff made, a reset of a member's password too
test("an admin's reset is in the clinic's chain, where the owner reads it, and not in the platform's", async () => {
  const doctor = await memberOfA("doctor");
  expect((await reset(managers.admin, doctor.membershipId)).body).toEqual({ data: { resetMemberPassword: { result: 1 } } });
  const read = await managers.owner.graphql(
    `query($r: UUID!) { auditLogs(condition: { recordId: $r, tableName: "user_secret" }) { nodes { clinicId action actorUserId actorName detail } } }`,
    { r: doctor.userId },
  );
  const entry = {
    clinicId: a.clinicId,
    action: "update",
    actorUserId: a.members.admin.userId,
    actorName: `Test ${a.members.admin.phone}`,
    detail: { passwordChanged: true, by: "resetMemberPassword", membershipId: doctor.membershipId, unlocked: false, sessionsEnded: 1 },
  };
  expect(read.body).toEqual({ data: { auditLogs: { nodes: [entry] } } });
  // the doctor's one session was in the clinic: the reset wrote nothing in the platform's chain
  const { rows } = await rootPool().query("select action from app_public.audit_log where clinic_id is null and actor_user_id = $1 and record_id = $2", [a.members.admin.userId, doctor.userId]);
  expect(rows).toEqual([]);
});

describe("refused, and nothing written", () => {
  /** The refusal `attempt` is answered, and the account of `member` as it was before it. */
  async function refused(member: TestUser, attempt: () => Promise<unknown[]>, expected: unknown[]) {
    const before = await accountState(member.userId);
    expect(await attempt()).toEqual(expected);
    expect(await accountState(member.userId)).toEqual(before);
    expect((await new Browser(api).login(member.phone, member.password)).status).toBe(200);
  }

  test("another clinic's owner, by the victim's membership id", async () => {
    const cashier = await memberOfA("cashier");
    await refused(cashier, () => refusal(managers["owner of B"], cashier.membershipId), ["NOT_FOUND", "No such member in this clinic."]);
  });

  test("doctors, receptionists and cashiers, of a cashier", async () => {
    const cashier = await memberOfA("cashier");
    for (const role of ["doctor", "receptionist", "cashier"] as const) {
      await refused(cashier, () => refusal(managers[role], cashier.membershipId), ["FORBIDDEN", "Only an owner or admin can reset a member's password."]);
    }
  });

  test("an admin, of an owner or another admin; an owner, of another owner", async () => {
    const [owner, admin] = [await memberOfA("owner"), await memberOfA("admin")];
    await refused(owner, () => refusal(managers.admin, owner.membershipId), ["FORBIDDEN", "An owner's password is reset by the platform operator alone."]);
    await refused(admin, () => refusal(managers.admin, admin.membershipId), ["FORBIDDEN", "Only an owner resets an admin's password."]);
    await refused(owner, () => refusal(managers.owner, owner.membershipId), ["FORBIDDEN", "An owner's password is reset by the platform operator alone."]);
  });

  test("oneself", async () => {
    for (const role of ["owner", "admin"] as const) {
      await refused(a.members[role], () => refusal(managers[role], a.members[role].membershipId), [
        "FORBIDDEN",
        "Your own password you change yourself, giving the current one (POST /auth/password).",
      ]);
    }
  });

  test("a person who also belongs to another clinic: a member there, suspended there, or invited there", async () => {
    for (const elsewhere of ["accepted", "suspended", "pending"] as const) {
      const doctor = await memberOfA("doctor");
      await rootPool().query("insert into app_public.membership (clinic_id, user_id, role, is_active, accepted_at) values ($1, $2, 'cashier', $3, $4)", [
        b.clinicId,
        doctor.userId,
        elsewhere !== "suspended",
        elsewhere === "pending" ? null : new Date(),
      ]);
      await refused(doctor, async () => [elsewhere, ...(await refusal(managers.owner, doctor.membershipId))], [elsewhere, "FORBIDDEN", OPERATOR_RESETS]);
    }
  });

  test("a person invited to the clinic, who has not accepted", async () => {
    const invitee = await createUser();
    const invited = await managers.owner.graphql(
      `mutation($p: String!) { inviteMember(input: { phone: $p, fullName: "Invitee", role: cashier, password: "whatever-password" }) { result { rowId acceptedAt } } }`,
      { p: invitee.phone },
    );
    const { rowId, acceptedAt } = invited.body.data.inviteMember.result;
    expect(acceptedAt).toBeNull();
    await refused(invitee, () => refusal(managers.owner, rowId), [
      "FORBIDDEN",
      "This person has not accepted the invitation: their account is not the clinic's, and only the platform operator resets its password.",
    ]);
  });

  test("a removed member", async () => {
    const cashier = await memberOfA("cashier");
    expect((await managers.owner.graphql(`mutation($m: UUID!) { removeMember(input: { membershipId: $m }) { result { deletedAt } } }`, { m: cashier.membershipId })).body.errors).toBeUndefined();
    await refused(cashier, () => refusal(managers.owner, cashier.membershipId), ["NOT_FOUND", "No such member in this clinic."]);
  });

  test("a platform administrator, a doctor of the clinic too", async () => {
    const admin = await addMember(a.clinicId, await createUser({ isPlatformAdmin: true }), "doctor");
    await refused(admin, () => refusal(managers.owner, admin.membershipId), [
      "FORBIDDEN",
      "This person is a platform administrator: only the platform operator resets their password.",
    ]);
  });

  test("a password breaking the rule", async () => {
    const cashier = await memberOfA("cashier");
    await refused(cashier, () => refusal(managers.owner, cashier.membershipId, "short"), ["WEAK_PASSWORD", "Passwords need at least 8 characters."]);
    await refused(cashier, () => refusal(managers.owner, cashier.membershipId, "x".repeat(129)), ["WEAK_PASSWORD", "Passwords may have at most 128 characters."]);
    await refused(cashier, () => refusal(managers.owner, cashier.membershipId, ""), ["INVALID_INPUT", "A password is required."]);
    for (const blank of [" ".repeat(8), "\t".repeat(8)]) {
      await refused(cashier, () => refusal(managers.owner, cashier.membershipId, blank), ["WEAK_PASSWORD", "A password needs more than white space: use letters, digits or signs."]);
    }
  });

  test("a membership id of no membership", async () => {
    const r = await refusal(managers.owner, randomUUID());
    expect(r).toEqual(["NOT_FOUND", "No such member in this clinic."]);
  });
});

// the reset checks the account is the clinic's alone at its moment: afterwards, a membership restored in another
// clinic, or an invitation of another clinic accepted once the password was changed (which asks only for the
// password), went to whoever at the resetting clinic knew it
describe("an account a clinic gave a password joins no other clinic until the operator resets it", () => {
  const RESTORE = `mutation($id: UUID!) { restoreMember(input: { membershipId: $id }) { result { rowId } } }`;
  const ACCEPT = `mutation($c: UUID!) { acceptInvitation(input: { clinicId: $c }) { result } }`;
  const INVITE = `mutation($p: String!) { inviteMember(input: { phone: $p, fullName: "Someone", role: cashier, password: "b-chose-this-password" }) { result { rowId } } }`;

  test("another clinic restoring the person's removed membership is refused, until the operator's reset", async () => {
    const doctor = await memberOfA("doctor");
    const inB = await addMember(b.clinicId, doctor, "doctor");
    await rootPool().query("update app_public.membership set deleted_at = now() where id = $1", [inB.membershipId]);
    expect((await reset(managers.admin, doctor.membershipId)).body.errors).toBeUndefined();
    const refused = await managers["owner of B"].graphql(RESTORE, { id: inB.membershipId });
    expect(refused.body.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" }, message: KEPT });
    const removed = () => rootPool().query("select deleted_at is not null as removed from app_public.membership where id = $1", [inB.membershipId]);
    expect((await removed()).rows).toEqual([{ removed: true }]);
    // the operator's reset gives the account back to its holder: B may have them again
    await rootPool().query("select app_private.reset_password($1, 'the operator chose it')", [doctor.phone]);
    expect((await managers["owner of B"].graphql(RESTORE, { id: inB.membershipId })).body.errors).toBeUndefined();
    expect((await removed()).rows).toEqual([{ removed: false }]);
  });

  test("an invitation of another clinic is not accepted with the clinic's password, even changed; the resetting clinic's own is", async () => {
    const cashier = await memberOfA("cashier");
    expect((await reset(managers.owner, cashier.membershipId)).body.errors).toBeUndefined();
    const invitation = (await managers["owner of B"].graphql(INVITE, { p: cashier.phone })).body.data.inviteMember.result.rowId;
    // whoever at A knows the password logs in as the person, and makes it "their own"
    const impostor = new Browser(api);
    await impostor.login(cashier.phone, NEW_PASSWORD, a.clinicId);
    expect((await impostor.post("/auth/password", { currentPassword: NEW_PASSWORD, newPassword: "now it looks like mine" })).status).toBe(200);
    const accepted = await impostor.graphql(ACCEPT, { c: b.clinicId });
    expect(accepted.body.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" }, message: KEPT });
    const { rows } = await rootPool().query("select accepted_at from app_public.membership where clinic_id = $1 and user_id = $2", [b.clinicId, cashier.userId]);
    expect(rows).toEqual([{ accepted_at: null }]);
    // B's invitation is still B's to change: another role, the person not taken in
    const UPDATE = `mutation($c: UUID!, $id: UUID!) { updateMembership(input: { clinicId: $c, rowId: $id, patch: { role: doctor } }) { membership { role } } }`;
    expect((await managers["owner of B"].graphql(UPDATE, { c: b.clinicId, id: invitation })).body).toEqual({ data: { updateMembership: { membership: { role: "doctor" } } } });
  });

  // the clinic that gave the password declined another clinic's invitation as the person, which then could not invite
  // them for 30 days, the decline in its audit log as the person's: the holder's check (PASSWORD_CHANGE_REQUIRED) was
  // passed by changing the password the clinic knew, as for an acceptance
  test("an invitation of another clinic is not declined with the clinic's password, even changed; the resetting clinic's own is", async () => {
    const DECLINE = `mutation($c: UUID!) { declineInvitation(input: { clinicId: $c }) { result } }`;
    const cashier = await memberOfA("cashier");
    expect((await reset(managers.owner, cashier.membershipId)).body.errors).toBeUndefined();
    const invitation = (await managers["owner of B"].graphql(INVITE, { p: cashier.phone })).body.data.inviteMember.result.rowId;
    const KEPT_FROM_ANSWERING = {
      extensions: { code: "FORBIDDEN" },
      message: "This account's password was last given by another clinic, which may log in as it: it answers no other clinic's invitation until the platform operator resets the password (npm run password).",
    };
    const impostor = new Browser(api);
    await impostor.login(cashier.phone, NEW_PASSWORD, a.clinicId);
    // said first, as an acceptance says it: changing the password (PASSWORD_CHANGE_REQUIRED's remedy) would not lift it
    expect((await impostor.graphql(DECLINE, { c: b.clinicId })).body.errors?.[0]).toMatchObject(KEPT_FROM_ANSWERING);
    expect((await impostor.post("/auth/password", { currentPassword: NEW_PASSWORD, newPassword: "now it looks like mine" })).status).toBe(200);
    expect((await impostor.graphql(DECLINE, { c: b.clinicId })).body.errors?.[0]).toMatchObject(KEPT_FROM_ANSWERING);
    const { rows } = await rootPool().query("select accepted_at, deleted_at from app_public.membership where id = $1", [invitation]);
    expect(rows).toEqual([{ accepted_at: null, deleted_at: null }]);
    // the resetting clinic's own invitation (the person removed and asked again) is the person's to decline
    expect((await managers.owner.graphql(`mutation($m: UUID!) { removeMember(input: { membershipId: $m }) { result { rowId } } }`, { m: cashier.membershipId })).body.errors).toBeUndefined();
    expect((await managers.owner.graphql(INVITE, { p: cashier.phone })).body.data.inviteMember.result.rowId).toBe(cashier.membershipId);
    await impostor.login(cashier.phone, "now it looks like mine"); // the removal ended the session in A
    expect((await impostor.graphql(DECLINE, { c: a.clinicId })).body).toEqual({ data: { declineInvitation: { result: true } } });
    // and after the operator's reset and the person's own password, B's too
    await rootPool().query("select app_private.reset_password($1, 'the operator chose it')", [cashier.phone]);
    const person = new Browser(api);
    await person.login(cashier.phone, "the operator chose it");
    // a 503 of a CI run under load said no more than its status: its code, message and the API's lines come with it now
    expect(statusWhy(await person.post("/auth/password", { currentPassword: "the operator chose it", newPassword: "the cashier's own" }))).toEqual({ status: 200 });
    expect((await person.graphql(DECLINE, { c: b.clinicId })).body).toEqual({ data: { declineInvitation: { result: true } } });
  });

  test("the resetting clinic itself restores the person it removed", async () => {
    const doctor = await memberOfA("doctor");
    expect((await reset(managers.owner, doctor.membershipId)).body.errors).toBeUndefined();
    expect((await managers.owner.graphql(`mutation($m: UUID!) { removeMember(input: { membershipId: $m }) { result { rowId } } }`, { m: doctor.membershipId })).body.errors).toBeUndefined();
    expect((await managers.owner.graphql(RESTORE, { id: doctor.membershipId })).body).toEqual({ data: { restoreMember: { result: { rowId: doctor.membershipId } } } });
  });

  // a clinic made for the person by the platform operator took them in at once, as its owner: the trigger read
  // changes of memberships alone, not a membership made accepted
  test("a clinic the platform operator makes with the person as its owner is refused, until the operator's reset and the person's own password", async () => {
    const cashier = await memberOfA("cashier");
    expect((await reset(managers.owner, cashier.membershipId)).body.errors).toBeUndefined();
    const operator = new Browser(api);
    const admin = await createUser({ isPlatformAdmin: true });
    await operator.login(admin.phone, admin.password);
    const name = `Made for ${cashier.phone}`;
    const create = () =>
      operator.graphql(`mutation($n: String!, $p: String!) { createClinicWithOwner(input: { name: $n, timezone: "UTC", currency: "USD", ownerPhone: $p, ownerName: "Owner" }) { result { name } } }`, {
        n: name,
        p: cashier.phone,
      });
    expect((await create()).body.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" }, message: KEPT });
    expect((await rootPool().query("select count(*)::int as n from app_public.clinic where name = $1", [name])).rows).toEqual([{ n: 0 }]);
    await rootPool().query("select app_private.reset_password($1, 'the operator chose it')", [cashier.phone]);
    // the operator's password is not the person's either: they make it theirs, then the clinic is made
    expect((await create()).body.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" }, message: expect.stringContaining("they choose their own first") });
    const person = new Browser(api);
    await person.login(cashier.phone, "the operator chose it");
    // a 503 of a CI run under load said no more than its status: its code, message and the API's lines come with it now
    expect(statusWhy(await person.post("/auth/password", { currentPassword: "the operator chose it", newPassword: "the cashier's own" }))).toEqual({ status: 200 });
    expect((await create()).body).toEqual({ data: { createClinicWithOwner: { result: { name } } } });
  });
});

// 000410: an owner made an owner of their clinic a member whose password an admin had given (a reset, or an invitation of
// a new phone), and the admin logged in as an owner with it: every rule keeping admins below owners, theirs to change
test("a member whose password an admin gave is made no owner until they choose their own: the admin never logs in as one", async () => {
  const SET_ROLE = `mutation($c: UUID!, $m: UUID!) { updateMembership(input: { clinicId: $c, rowId: $m, patch: { role: owner } }) { membership { role } } }`;
  const promote = (membershipId: string) => managers.owner.graphql(SET_ROLE, { c: a.clinicId, m: membershipId });
  const doctor = await memberOfA("doctor");
  expect((await reset(managers.admin, doctor.membershipId)).body.errors).toBeUndefined();
  const invited = await managers.admin.graphql(
    `mutation($p: String!) { inviteMember(input: { phone: $p, fullName: "New Doctor", role: doctor, password: "the-admin-chose-this" }) { result { rowId } } }`,
    { p: randomPhone() },
  );
  const newcomer = invited.body.data.inviteMember.result.rowId as string;
  for (const membershipId of [doctor.membershipId, newcomer]) {
    expect((await promote(membershipId)).body.errors?.[0]).toMatchObject({
      extensions: { code: "FORBIDDEN" },
      message: expect.stringContaining("they choose their own first (POST /auth/password), then they are made an owner"),
    });
  }
  const { rows } = await rootPool().query("select role::text from app_public.membership where id = any ($1::uuid[])", [[doctor.membershipId, newcomer]]);
  expect(rows).toEqual([{ role: "doctor" }, { role: "doctor" }]);
  const admin = new Browser(api);
  expect((await admin.login(doctor.phone, NEW_PASSWORD)).body).toMatchObject({ role: "doctor" });
  // their own password chosen, the person is made an owner
  expect(statusWhy(await admin.post("/auth/password", { currentPassword: NEW_PASSWORD, newPassword: "the doctor's own" }))).toEqual({ status: 200 });
  expect((await promote(doctor.membershipId)).body).toEqual({ data: { updateMembership: { membership: { role: "owner" } } } });
});

// a CI run's password change answered 503, the test told its status alone, the API silent: whether UNAVAILABLE (a
// connection refused, lost or not had in time), TIMEOUT (a statement cancelled: two bcrypts under a flood of others') or
// RETRY, and why, was not to be known
test("a request answered 503 comes with its code, its message and the lines the API logged for it, silent as the API is", async () => {
  const hurried = await startApi({ STATEMENT_TIMEOUT_MS: "300" });
  try {
    const cashier = await memberOfA("cashier");
    const person = new Browser(hurried);
    await person.login(cashier.phone, cashier.password);
    // the account's attempts take turns (its secret's row): held, the change waits past its statement timeout
    const answer = await whileHolding("select from app_private.user_secret where user_id = $1 for update", [cashier.userId], () =>
      person.post("/auth/password", { currentPassword: cashier.password, newPassword: "the cashier's own" }),
    );
    const why = statusWhy(answer);
    expect(why).toEqual({
      status: 503,
      body: { error: { code: "TIMEOUT", message: "The request took too long and was cancelled." } },
      logged: [expect.stringContaining('"event":"statement_cancelled"'), expect.stringContaining('"event":"request"')],
    });
    expect(why.logged!.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: "warn", message: "canceling statement due to statement timeout", requestId: answer.headers.get("x-request-id") }),
      expect.objectContaining({ level: "info", path: "/auth/password", status: 503, requestId: answer.headers.get("x-request-id") }),
    ]);
  } finally {
    await hurried.close();
  }
});

describe("a reset takes turns with what changes the account or the membership", () => {
  /** `then` run as `session` while `statement` holds its locks, open: it waits, and answers once they are let go (committed). */
  async function afterHeld(statement: string, params: unknown[], session: string, then: string, thenParams: unknown[]) {
    const client = await apiPool().connect();
    try {
      return await whileHolding(statement, params, async (held) => {
        await beginAs(client, session);
        await trackBackend(client);
        const answer = client.query(then, thenParams).then(
          (r) => ({ result: r.rows[0]?.result ?? null }),
          (error: Error) => ({ error: error.message }),
        );
        expect(await waitsForLock(client, answer)).toBe(true);
        await held.client.query("commit");
        const answered = await answer;
        await client.query("error" in answered ? "rollback" : "commit");
        return answered;
      });
    } finally {
      client.release();
    }
  }
  const resetSql = "select app_public.reset_member_password($1, $2) as result";
  const adminSession = () => openSession(a.members.admin.userId, a.clinicId);

  test("a doctor made an admin while an admin resets them: the reset waits, reads the promotion and is refused", async () => {
    const doctor = await memberOfA("doctor");
    const answer = await afterHeld("update app_public.membership set role = 'admin' where id = $1", [doctor.membershipId], await adminSession(), resetSql, [
      doctor.membershipId,
      NEW_PASSWORD,
    ]);
    expect(answer).toEqual({ error: "Only an owner resets an admin's password." });
    expect((await new Browser(api).login(doctor.phone, doctor.password)).status).toBe(200);
  });

  // 000458: the reset read the caller's role once, as it began, and the demotion it then waited for (the clinic's audit
  // chain, which the demotion held) was not read: a receptionist, by then, reset the member's password
  test("the admin demoted while their reset is asked: the reset waits for the demotion, reads it and is refused", async () => {
    const admin = await memberOfA("admin");
    const cashier = await memberOfA("cashier");
    const before = await accountState(cashier.userId);
    const demotion = "update app_public.membership set role = 'receptionist' where id = $1";
    const answer = await afterHeld(demotion, [admin.membershipId], await openSession(admin.userId, a.clinicId), resetSql, [cashier.membershipId, NEW_PASSWORD]);
    expect(answer).toEqual({ error: "Only an owner or admin can reset a member's password: your role in this clinic has changed." });
    expect(await accountState(cashier.userId)).toEqual(before);
  });

  // the demotion committed while the reset waited for the member's secret (a login of theirs in flight holds it), before
  // the reset reached the clinic's chain
  test("the admin demoted and committed while the reset waits for the member's account: the reset, let go, is refused", async () => {
    const admin = await memberOfA("admin");
    const cashier = await memberOfA("cashier");
    const before = await accountState(cashier.userId);
    const session = await openSession(admin.userId, a.clinicId);
    const client = await apiPool().connect();
    try {
      const answer = await whileHolding("select from app_private.user_secret where user_id = $1 for update", [cashier.userId], async (held) => {
        await beginAs(client, session);
        const resetting = client.query(resetSql, [cashier.membershipId, NEW_PASSWORD]).then(
          (r) => ({ result: r.rows[0].result }),
          (error: Error) => ({ error: error.message }),
        );
        expect(await held.blocking()).toBe(true);
        await rootPool().query("update app_public.membership set role = 'receptionist' where id = $1", [admin.membershipId]);
        await held.release();
        return resetting;
      });
      expect(answer).toEqual({ error: "Only an owner or admin can reset a member's password: your role in this clinic has changed." });
    } finally {
      await client.query("rollback");
      client.release();
    }
    expect(await accountState(cashier.userId)).toEqual(before);
  });

  test("another clinic inviting the person while the reset is asked: the reset waits for the invitation and is refused", async () => {
    const cashier = await memberOfA("cashier");
    // an invitation holds the phone's lock until it commits, as invite_member does (find_or_create_user)
    const invitation = `with phone_lock as (select pg_advisory_xact_lock(app_private.account_lock_key($1)))
      insert into app_public.membership (clinic_id, user_id, role, accepted_at) select $2, $3, 'doctor', null from phone_lock`;
    const answer = await afterHeld(invitation, [cashier.phone, b.clinicId, cashier.userId], await adminSession(), resetSql, [cashier.membershipId, NEW_PASSWORD]);
    expect(answer).toEqual({ error: OPERATOR_RESETS });
  });

  // the reset read the person's memberships before it held their account: a restore in another clinic under way
  // was not seen, and then committed, the account with it in B with a password A gave
  test("another clinic restoring the person's removed membership while the reset is asked: the reset waits for the restore and is refused", async () => {
    const cashier = await memberOfA("cashier");
    const inB = await addMember(b.clinicId, cashier, "cashier");
    await rootPool().query("update app_public.membership set deleted_at = now() where id = $1", [inB.membershipId]);
    const restore = "update app_public.membership set deleted_at = null where id = $1";
    const answer = await afterHeld(restore, [inB.membershipId], await adminSession(), resetSql, [cashier.membershipId, NEW_PASSWORD]);
    expect(answer).toEqual({ error: OPERATOR_RESETS });
    expect((await new Browser(api).login(cashier.phone, cashier.password, b.clinicId)).status).toBe(200);
  });

  // the restore reads whether a clinic gave the password once it has the person's sessions' turn, which the reset holds
  // (taken once the statement's rows are written, 000247): read as its row is written, it would miss the reset in flight
  // and commit, the account in B with a password A gave
  test("another clinic restoring the person's removed membership while a reset is under way: the restore waits for the reset and is refused", async () => {
    const cashier = await memberOfA("cashier");
    const inB = await addMember(b.clinicId, cashier, "cashier");
    await rootPool().query("update app_public.membership set deleted_at = now() where id = $1", [inB.membershipId]);
    const resetter = await apiPool().connect();
    const restorer = await rootPool().connect();
    try {
      await beginAs(resetter, await adminSession());
      expect((await resetter.query(resetSql, [cashier.membershipId, NEW_PASSWORD])).rows[0].result).toBe(1);
      await restorer.query("begin");
      await trackBackend(restorer);
      const restore = restorer.query("update app_public.membership set deleted_at = null where id = $1", [inB.membershipId]).then(
        () => null,
        (error: Error) => error.message,
      );
      expect(await waitsForLock(restorer, restore)).toBe(true);
      await resetter.query("commit");
      expect(await restore).toBe(KEPT);
    } finally {
      await restorer.query("rollback");
      restorer.release();
      resetter.release();
    }
  });

  test("a password change of the person in flight: the reset waits for it, then ends the session it was asked from", async () => {
    const doctor = await memberOfA("doctor");
    const own = await openSession(doctor.userId, a.clinicId);
    const client = await apiPool().connect();
    try {
      await beginAs(client, own);
      expect((await client.query("select app_hidden.change_password($1, 'the doctor''s own password', null) ->> 'status' as s", [doctor.password])).rows[0].s).toBe("ok");
      const resetter = await apiPool().connect();
      try {
        await beginAs(resetter, await adminSession());
        await trackBackend(resetter);
        const answer = resetter.query(resetSql, [doctor.membershipId, NEW_PASSWORD]);
        expect(await waitsForLock(resetter, answer)).toBe(true);
        await client.query("commit");
        expect((await answer).rows[0].result).toBe(1);
        await resetter.query("commit");
      } finally {
        resetter.release();
      }
    } finally {
      client.release();
    }
    expect((await new Browser(api).tryLogin(doctor.phone, "the doctor's own password")).status).toBe(401);
    expect((await new Browser(api).login(doctor.phone, NEW_PASSWORD)).status).toBe(200);
  });

  test("a login of the person while a reset is under way waits for it: the old password no longer logs in", async () => {
    const cashier = await memberOfA("cashier");
    const resetter = await apiPool().connect();
    try {
      await beginAs(resetter, await adminSession());
      const pid = await trackBackend(resetter);
      expect((await resetter.query(resetSql, [cashier.membershipId, NEW_PASSWORD])).rows[0].result).toBe(1);
      const login = new Browser(api).tryLogin(cashier.phone, cashier.password);
      expect(await until(async () => (await rootPool().query("select exists (select from pg_stat_activity where $1::int = any (pg_blocking_pids(pid))) as waits", [pid])).rows[0].waits)).toBe(true);
      await resetter.query("commit");
      // the old password refused, or the login told to retry (it may wake before the reset's lock of the phone is let go)
      expect(["INVALID_CREDENTIALS", "RETRY"]).toContain((await login).body.error.code);
    } finally {
      resetter.release();
    }
    expect((await new Browser(api).login(cashier.phone, NEW_PASSWORD)).status).toBe(200);
  });
});
