/**
 * Inviting someone who already has an account, over HTTP, from the attacker's side: the owner of
 * clinic A types the phone of clinic B's doctor into inviteMember. The invitation is pending until
 * the doctor accepts it (acceptInvitation) or declines it; meanwhile A learns nothing of the person
 * and the doctor nothing of A but its name, and naming A at login or switch-clinic is no consent.
 */
import { closeRootPool, rootPool } from "../support/database.ts";
import { addMember, createClinic, createPatient, createUser, createVisit, dayOf, type TestClinic } from "../support/fixtures.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

const INVITE = `mutation($phone: String!, $role: MemberRole!) {
  inviteMember(input: { phone: $phone, fullName: "Whatever A calls them", role: $role, password: "a-password-of-as-choice" }) {
    result { rowId role acceptedAt user { fullName phone } }
  }
}`;

/** Clinic A (its owner logged in) and clinic B, whose doctor A's owner invites as `role`. */
async function invitation(role = "doctor") {
  const a = await createClinic("Inviting clinic");
  const b = await createClinic("Doctor's clinic");
  const doctor = b.members.doctor;
  const owner = new Browser(api);
  expect((await owner.login(a.members.owner.phone, a.members.owner.password)).status).toBe(200);
  const invited = await owner.graphql(INVITE, { phone: doctor.phone, role });
  return { a, b, doctor, owner, invited, membershipId: invited.body.data?.inviteMember.result.rowId as string };
}

const acceptedAt = async (membershipId: string) =>
  (await rootPool().query("select accepted_at from app_public.membership where id = $1", [membershipId])).rows[0].accepted_at;

// memberships came in the order of their random keys, and no order named the person: a doctor drop-down came shuffled
test("a clinic's staff are listed by name, then role; an invitation not yet accepted last, naming no one", async () => {
  const { a, owner } = await invitation();
  const names = { owner: "Neema", admin: "Baraka", doctor: "Zuhura", receptionist: "Amani", cashier: "Baraka" };
  for (const [role, name] of Object.entries(names)) {
    await rootPool().query(`update app_public."user" set full_name = $2 where id = $1`, [a.members[role as keyof typeof names].userId, name]);
  }
  const listed = await owner.graphql(`{ memberships { nodes { fullName role } } }`);
  expect(listed.body.data.memberships.nodes).toEqual([
    { fullName: "Amani", role: "receptionist" },
    { fullName: "Baraka", role: "admin" },
    { fullName: "Baraka", role: "cashier" },
    { fullName: "Neema", role: "owner" },
    { fullName: "Zuhura", role: "doctor" },
    { fullName: null, role: "doctor" }, // B's doctor, invited: their name stays theirs until they accept
  ]);
  const doctors = await owner.graphql(`{ memberships(condition: { role: doctor }, orderBy: FULL_NAME_DESC) { nodes { fullName } } }`);
  expect(doctors.body.data.memberships.nodes).toEqual([{ fullName: null }, { fullName: "Zuhura" }]);
});

test("the answer to the inviter names nobody, and the clinic cannot read the person through user, memberships or nodes", async () => {
  const { a, doctor, owner, invited, membershipId } = await invitation();
  const name = `Test ${doctor.phone}`;
  expect(invited.body).toEqual({ data: { inviteMember: { result: { rowId: membershipId, role: "doctor", acceptedAt: null, user: null } } } });
  expect(JSON.stringify(invited.body)).not.toContain(name);

  // the person's own node id, as their own session reads it
  const self = new Browser(api);
  await self.login(doctor.phone, doctor.password);
  const nodeId = (await self.graphql("{ currentUser { id } }")).body.data.currentUser.id as string;

  const seen = await owner.graphql(
    `query($user: UUID!, $phone: E164Phone!, $node: ID!) {
      user(rowId: $user) { fullName }
      userByPhone(phone: $phone) { fullName }
      users { nodes { rowId fullName phone } }
      node(id: $node) { id }
      memberships { nodes { rowId acceptedAt user { fullName phone } } }
      currentClinic { memberships { nodes { rowId user { fullName } } } }
      byPhone: memberships(filter: { user: { phone: { equalTo: $phone } } }) { totalCount }
    }`,
    { user: doctor.userId, phone: doctor.phone, node: nodeId },
  );
  expect(seen.body.errors).toBeUndefined();
  const data = seen.body.data;
  expect(JSON.stringify(data)).not.toContain(name);
  expect(JSON.stringify(data)).not.toContain(doctor.phone);
  expect(data.user).toBeNull();
  expect(data.userByPhone).toBeNull();
  expect(data.users.nodes.map((u: { rowId: string }) => u.rowId)).not.toContain(doctor.userId);
  expect(data.node).toBeNull();
  // the clinic sees the invitation itself: outstanding, and its role
  expect(data.memberships.nodes).toContainEqual({ rowId: membershipId, acceptedAt: null, user: null });
  expect(data.currentClinic.memberships.nodes).toContainEqual({ rowId: membershipId, user: null });
  expect(data.byPhone.totalCount).toBe(0); // not even as a filter
  // control: an accepted colleague's name is readable
  expect(data.users.nodes.map((u: { rowId: string }) => u.rowId)).toContain(a.members.doctor.userId);
});

test("a pending doctor cannot be booked on the clinic's visits (so no visit, dashboard, export or reporting view names them)", async () => {
  const { a, owner, membershipId } = await invitation();
  const patient = await createPatient(a.clinicId);
  const BOOK = `mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2030-01-01T09:00:00Z" } }) { visit { code } } }`;
  const booked = await owner.graphql(
    BOOK,
    { p: patient.id, d: membershipId },
  );
  expect(booked.body.errors?.[0].extensions?.code).toBe("INVALID_INPUT");
  const visits = await rootPool().query("select count(*)::int as n from app_public.visit where doctor_id = $1", [membershipId]);
  expect(visits.rows[0].n).toBe(0);
  // control: the clinic's own doctor can be booked
  const control = await owner.graphql(
    BOOK,
    { p: patient.id, d: a.members.doctor.membershipId },
  );
  expect(control.body.data.createVisit.visit.code).toMatch(/^VIS-/);
});

test("the doctor still logs in to their own clinic as before; the invitation is listed, with the inviting clinic's name only", async () => {
  const { a, b, doctor, membershipId } = await invitation("admin");
  const browser = new Browser(api);
  const login = await browser.tryLogin(doctor.phone, doctor.password);
  expect(login.status).toBe(200);
  expect(login.body).toMatchObject({ clinic: { id: b.clinicId }, role: "doctor" });
  expect(login.body.clinics).toEqual([
    { id: b.clinicId, name: "Doctor's clinic", role: "doctor", pending: false },
    { id: a.clinicId, name: "Inviting clinic", role: "admin", pending: true },
  ]);
  expect(await acceptedAt(membershipId)).toBeNull(); // listing it is not accepting it

  // nothing more of clinic A through the API before accepting
  const seen = await browser.graphql(
    `query($a: UUID!) { clinic(rowId: $a) { name } clinics { nodes { rowId } } memberships { nodes { clinicId } } }`,
    { a: a.clinicId },
  );
  expect(seen.body.errors).toBeUndefined();
  expect(seen.body.data.clinic).toBeNull();
  expect(seen.body.data.clinics).toEqual({ nodes: [{ rowId: b.clinicId }] });
  expect(seen.body.data.memberships.nodes.filter((m: { clinicId: string }) => m.clinicId !== b.clinicId)).toEqual([]);
});

test("someone whose only membership is an invitation is not put into it by a login without clinicId", async () => {
  const a = await createClinic("Lone inviter");
  const loner = await createUser();
  const owner = new Browser(api);
  await owner.login(a.members.owner.phone, a.members.owner.password);
  const membershipId = (await owner.graphql(INVITE, { phone: loner.phone, role: "cashier" })).body.data.inviteMember.result.rowId;
  const browser = new Browser(api);
  const login = await browser.tryLogin(loner.phone, loner.password);
  expect(login.status).toBe(200);
  expect(login.body).toMatchObject({ clinic: null, role: null, clinics: [{ id: a.clinicId, name: "Lone inviter", role: "cashier", pending: true }] });
  expect((await browser.graphql("{ currentClinic { rowId } currentRole }")).body.data).toEqual({ currentClinic: null, currentRole: null });
  expect(await acceptedAt(membershipId)).toBeNull();
});

const ACCEPT = `mutation($c: UUID!) { acceptInvitation(input: { clinicId: $c }) { result } }`;
const DECLINE = `mutation($c: UUID!) { declineInvitation(input: { clinicId: $c }) { result } }`;

test("naming the inviting clinic at login or switch-clinic is no consent: FORBIDDEN, and it stays pending", async () => {
  const { a, b, doctor, membershipId } = await invitation();
  const login = await new Browser(api).tryLogin(doctor.phone, doctor.password, a.clinicId);
  expect(login.status).toBe(403);
  // what to do, not that they belong nowhere (000267: "You are not a member of that clinic.")
  const NOT_ACCEPTED = { error: { code: "FORBIDDEN", message: "You have not accepted that clinic's invitation: you are its member once you accept it (acceptInvitation)." } };
  expect(login.body).toEqual(NOT_ACCEPTED);
  const browser = new Browser(api);
  await browser.login(doctor.phone, doctor.password, b.clinicId);
  const switched = await browser.post("/auth/switch-clinic", { clinicId: a.clinicId });
  expect({ status: switched.status, body: switched.body }).toEqual({ status: 403, body: NOT_ACCEPTED });
  expect((await browser.graphql("{ currentClinic { rowId } }")).body.data.currentClinic).toEqual({ rowId: b.clinicId });
  expect(await acceptedAt(membershipId)).toBeNull();
});

// only a new login listed an invitation: one made while the person was logged in could not be shown, nor answered
test("a person logged in sees the clinics they may enter and an invitation made meanwhile (myClinics), as a login lists them", async () => {
  const a = await createClinic("Inviting meanwhile clinic");
  const b = await createClinic("Doctor's own clinic");
  const doctor = new Browser(api);
  const login = await doctor.login(b.members.doctor.phone, b.members.doctor.password);
  const MINE = "{ myClinics { nodes { id name role pending } } }";
  expect((await doctor.graphql(MINE)).body.data.myClinics.nodes).toEqual([{ id: b.clinicId, name: "Doctor's own clinic", role: "doctor", pending: false }]);
  const owner = new Browser(api);
  await owner.login(a.members.owner.phone, a.members.owner.password);
  await owner.graphql(INVITE, { phone: b.members.doctor.phone, role: "receptionist" });
  const listed = (await doctor.graphql(MINE)).body.data.myClinics.nodes;
  expect(listed).toEqual([
    { id: b.clinicId, name: "Doctor's own clinic", role: "doctor", pending: false },
    { id: a.clinicId, name: "Inviting meanwhile clinic", role: "receptionist", pending: true },
  ]);
  // what a new login lists
  expect((await new Browser(api).login(b.members.doctor.phone, b.members.doctor.password)).body.clinics).toEqual(listed);
  expect(login.body.clinics).toEqual([listed[0]]);
  expect((await doctor.graphql(ACCEPT, { c: a.clinicId })).body).toEqual({ data: { acceptInvitation: { result: true } } });
  expect((await doctor.graphql(MINE)).body.data.myClinics.nodes[1]).toEqual({ id: a.clinicId, name: "Inviting meanwhile clinic", role: "receptionist", pending: false });
});

test("acceptInvitation makes the doctor a member with the role, audited; switch-clinic then enters it, and the clinic sees them", async () => {
  const { a, doctor, owner, membershipId } = await invitation("receptionist");
  const browser = new Browser(api);
  await browser.login(doctor.phone, doctor.password);
  expect((await browser.graphql(ACCEPT, { c: a.clinicId })).body).toEqual({ data: { acceptInvitation: { result: true } } });
  expect((await browser.graphql(ACCEPT, { c: a.clinicId })).body.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  expect(await acceptedAt(membershipId)).not.toBeNull();
  const switched = await browser.post("/auth/switch-clinic", { clinicId: a.clinicId });
  expect(switched.status).toBe(200);
  expect(switched.body).toMatchObject({ clinic: { id: a.clinicId, name: "Inviting clinic" }, role: "receptionist" });
  expect(switched.body.clinics).toContainEqual({ id: a.clinicId, name: "Inviting clinic", role: "receptionist", pending: false });
  expect((await browser.graphql("{ currentClinic { rowId } currentRole }")).body.data).toEqual({
    currentClinic: { rowId: a.clinicId },
    currentRole: "receptionist",
  });
  const seen = await owner.graphql(`query($id: UUID!) { user(rowId: $id) { fullName } }`, { id: doctor.userId });
  expect(seen.body.data.user).toEqual({ fullName: `Test ${doctor.phone}` });
  const { rows } = await rootPool().query(
    `select action, actor_user_id from app_public.audit_log where clinic_id = $1 and (record_id = $2 or (action = 'switch_clinic' and record_id = $3)) order by seq`,
    [a.clinicId, membershipId, doctor.userId],
  );
  expect(rows).toEqual([
    { action: "insert", actor_user_id: a.members.owner.userId },
    { action: "update", actor_user_id: doctor.userId },
    { action: "switch_clinic", actor_user_id: doctor.userId },
  ]);
});

test("the doctor declines it: it is gone for the clinic, cannot be accepted any more, and the decline is audited", async () => {
  const { a, doctor, owner, membershipId } = await invitation();
  const browser = new Browser(api);
  await browser.login(doctor.phone, doctor.password);
  expect((await browser.graphql(DECLINE, { c: a.clinicId })).body).toEqual({ data: { declineInvitation: { result: true } } });
  const again = await browser.graphql(DECLINE, { c: a.clinicId });
  expect(again.body.errors?.[0].extensions?.code).toBe("NOT_FOUND");

  const listed = await owner.graphql("{ memberships { nodes { rowId } } }");
  expect(listed.body.data.memberships.nodes).not.toContainEqual({ rowId: membershipId });
  expect((await browser.graphql(ACCEPT, { c: a.clinicId })).body.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  expect((await new Browser(api).tryLogin(doctor.phone, doctor.password)).body.clinics.map((c: { id: string }) => c.id)).not.toContain(a.clinicId);

  const audit = await owner.graphql(`query($id: UUID!) { auditLogs(condition: { recordId: $id }, orderBy: SEQ_ASC) { nodes { action actorUserId } } }`, {
    id: membershipId,
  });
  expect(audit.body.data.auditLogs.nodes).toEqual([
    { action: "insert", actorUserId: a.members.owner.userId },
    { action: "soft_delete", actorUserId: doctor.userId },
  ]);

  // declined stays declined: the clinic can neither bring it back nor invite them again
  const restored = await owner.graphql(`mutation($id: UUID!) { restoreMember(input: { membershipId: $id }) { result { rowId } } }`, { id: membershipId });
  expect(restored.body.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" }, message: "They declined this invitation: it cannot be brought back." });
  const reinvited = await owner.graphql(INVITE, { phone: doctor.phone, role: "doctor" });
  expect(reinvited.body.errors?.[0]).toMatchObject({ extensions: { code: "CONFLICT" }, message: "They declined an invitation from this clinic less than 30 days ago." });
  expect((await new Browser(api).tryLogin(doctor.phone, doctor.password)).body.clinics.map((c: { id: string }) => c.id)).not.toContain(a.clinicId);
  // a month later, the clinic may ask again
  await rootPool().query("update app_public.membership set deleted_at = now() - interval '31 days' where id = $1", [membershipId]);
  expect((await owner.graphql(INVITE, { phone: doctor.phone, role: "doctor" })).body.data.inviteMember.result.acceptedAt).toBeNull();
});

// a clinic brought back a person who had just declined: by restoring an invitation it had withdrawn before, or
// their membership accepted long before (an attacker of invitations)
test("a decline is not undone by restoring what the clinic removed before it: an invitation it withdrew, or the person's old membership", async () => {
  const { a, doctor, owner, membershipId: withdrawn } = await invitation();
  const RESTORE = `mutation($id: UUID!) { restoreMember(input: { membershipId: $id }) { result { rowId acceptedAt } } }`;
  const REMOVE = `mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`;
  expect((await owner.graphql(REMOVE, { id: withdrawn })).body.errors).toBeUndefined();
  const person = new Browser(api);
  await person.login(doctor.phone, doctor.password);
  // invited again, the invitation it withdrew asked again; accepted, then removed
  const second = (await owner.graphql(INVITE, { phone: doctor.phone, role: "doctor" })).body.data.inviteMember.result.rowId;
  expect(second).toBe(withdrawn);
  expect((await person.graphql(ACCEPT, { c: a.clinicId })).body.errors).toBeUndefined();
  expect((await owner.graphql(REMOVE, { id: second })).body.errors).toBeUndefined();
  // and a membership of theirs removed long ago, made before a removed person was invited again on their membership of before
  const older = (await rootPool().query(
    `insert into app_public.membership (clinic_id, user_id, role, accepted_at, deleted_at) values ($1, $2, 'doctor', now() - interval '2 years', now() - interval '1 year') returning id`,
    [a.clinicId, doctor.userId],
  )).rows[0].id;
  // invited again, and declined
  expect((await owner.graphql(INVITE, { phone: doctor.phone, role: "doctor" })).body.data.inviteMember.result.rowId).toBe(second);
  expect((await person.graphql(DECLINE, { c: a.clinicId })).body).toEqual({ data: { declineInvitation: { result: true } } });
  for (const [id, message] of [
    [second, "They declined this invitation: it cannot be brought back."],
    [older, "They declined an invitation from this clinic since this was removed: only a new invitation, 30 days after they declined, asks them again."],
  ]) {
    expect({ id, error: (await owner.graphql(RESTORE, { id })).body.errors?.[0] }).toEqual({ id, error: expect.objectContaining({
      extensions: { code: "FORBIDDEN" }, message,
    }) });
  }
  // nor invited again within the 30 days, on the membership they declined
  expect((await owner.graphql(INVITE, { phone: doctor.phone, role: "doctor" })).body.errors?.[0]).toMatchObject({
    extensions: { code: "CONFLICT" }, message: "They declined an invitation from this clinic less than 30 days ago.",
  });
  expect((await new Browser(api).tryLogin(doctor.phone, doctor.password)).body.clinics.map((c: { id: string }) => c.id)).not.toContain(a.clinicId);
  // nor later: a new invitation asks them again
  await rootPool().query("update app_public.membership set deleted_at = deleted_at - interval '31 days' where clinic_id = $1 and user_id = $2", [a.clinicId, doctor.userId]);
  expect((await owner.graphql(RESTORE, { id: second })).body.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" } });
  expect((await owner.graphql(INVITE, { phone: doctor.phone, role: "doctor" })).body.data.inviteMember.result.acceptedAt).toBeNull();
});

// accepting by the clinic alone took whatever role the invitation had by then: "join as doctor", raised to owner meanwhile
test("an invitation is accepted for the role the person was shown: one changed since is CONFLICT and stays pending", async () => {
  const { a, doctor, owner, membershipId } = await invitation();
  const person = new Browser(api);
  const shown = (await person.login(doctor.phone, doctor.password)).body.clinics.find((c: { id: string }) => c.id === a.clinicId);
  expect(shown).toEqual({ id: a.clinicId, name: "Inviting clinic", role: "doctor", pending: true });
  const raised = await owner.graphql(`mutation($c: UUID!, $id: UUID!) { updateMembership(input: { clinicId: $c, rowId: $id, patch: { role: owner } }) { membership { role } } }`,
    { c: a.clinicId, id: membershipId });
  expect(raised.body.data.updateMembership.membership).toEqual({ role: "owner" });
  const ACCEPT_AS = `mutation($c: UUID!, $r: MemberRole) { acceptInvitation(input: { clinicId: $c, role: $r }) { result } }`;
  expect((await person.graphql(ACCEPT_AS, { c: a.clinicId, r: shown.role })).body.errors?.[0]).toMatchObject({
    extensions: { code: "CONFLICT" }, message: "This invitation is now for the role owner, not doctor: read it again before accepting.",
  });
  expect(await acceptedAt(membershipId)).toBeNull();
  expect((await new Browser(api).tryLogin(doctor.phone, doctor.password)).body.clinics).toContainEqual({ id: a.clinicId, name: "Inviting clinic", role: "owner", pending: true });
  // read again, accepted as it is
  expect((await person.graphql(ACCEPT_AS, { c: a.clinicId, r: "owner" })).body).toEqual({ data: { acceptInvitation: { result: true } } });
  expect(await acceptedAt(membershipId)).not.toBeNull();
});

// a suspension is the clinic's "not now": accepted, it would show the clinic the person's name and phone
test("an invitation the clinic suspended while it was pending is neither listed nor accepted (NOT_FOUND), and stays pending; made active again, it is accepted", async () => {
  const { a, doctor, owner, membershipId } = await invitation();
  const SET_ACTIVE = `mutation($c: UUID!, $id: UUID!, $on: Boolean!) { updateMembership(input: { clinicId: $c, rowId: $id, patch: { isActive: $on } }) { membership { isActive } } }`;
  expect((await owner.graphql(SET_ACTIVE, { c: a.clinicId, id: membershipId, on: false })).body.errors).toBeUndefined();
  const person = new Browser(api);
  expect((await person.login(doctor.phone, doctor.password)).body.clinics.map((c: { id: string }) => c.id)).not.toContain(a.clinicId);
  expect((await person.graphql(ACCEPT, { c: a.clinicId })).body.errors?.[0]).toMatchObject({
    extensions: { code: "NOT_FOUND" }, message: "You have no pending invitation from that clinic.",
  });
  expect(await acceptedAt(membershipId)).toBeNull();
  expect((await owner.graphql(SET_ACTIVE, { c: a.clinicId, id: membershipId, on: true })).body.errors).toBeUndefined();
  expect((await person.graphql(ACCEPT, { c: a.clinicId })).body).toEqual({ data: { acceptInvitation: { result: true } } });
  expect(await acceptedAt(membershipId)).not.toBeNull();
});

test("an invitation the clinic withdrew, not the person, may be brought back", async () => {
  const { a, doctor, owner, membershipId } = await invitation();
  const remove = await owner.graphql(`mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`, { id: membershipId });
  expect(remove.body.errors).toBeUndefined();
  const restored = await owner.graphql(`mutation($id: UUID!) { restoreMember(input: { membershipId: $id }) { result { rowId acceptedAt } } }`, { id: membershipId });
  expect(restored.body).toEqual({ data: { restoreMember: { result: { rowId: membershipId, acceptedAt: null } } } });
  expect((await new Browser(api).tryLogin(doctor.phone, doctor.password)).body.clinics).toContainEqual({ id: a.clinicId, name: "Inviting clinic", role: "doctor", pending: true });
});

// removedMembers read a null deleted_by (a delete run without a session: the operator's) as a decline and hid the
// invitation, which restoreMember brings back: the two now read one rule
test("an invitation withdrawn by no one named (the operator's delete) is listed in removedMembers, and restored", async () => {
  const { a, doctor, owner, membershipId } = await invitation();
  await rootPool().query("delete from app_public.membership where id = $1", [membershipId]);
  expect((await rootPool().query("select deleted_at is not null as removed, deleted_by from app_public.membership where id = $1", [membershipId])).rows)
    .toEqual([{ removed: true, deleted_by: null }]);
  const listed = await owner.graphql(`{ removedMembers { nodes { membershipId fullName role } } }`);
  expect(listed.body.data.removedMembers.nodes).toContainEqual({ membershipId, fullName: null, role: "doctor" });
  const restored = await owner.graphql(`mutation($id: UUID!) { restoreMember(input: { membershipId: $id }) { result { rowId acceptedAt } } }`, { id: membershipId });
  expect(restored.body).toEqual({ data: { restoreMember: { result: { rowId: membershipId, acceptedAt: null } } } });
  expect((await new Browser(api).tryLogin(doctor.phone, doctor.password)).body.clinics).toContainEqual({ id: a.clinicId, name: "Inviting clinic", role: "doctor", pending: true });
});

// removedMembers named a removed row only while it was accepted: a former member invited again (pending) and withdrawn
// was listed with no name, though the audit log names them (000379), the clinic left with a nameless row to restore
test("a former member invited again and withdrawn is named in removedMembers, as in the audit log; an invitation never accepted is not", async () => {
  const c = await createClinic("Asked back, then not");
  const { receptionist } = c.members;
  const staff = new Browser(api);
  await staff.login(receptionist.phone, receptionist.password);
  const made = await staff.graphql(`mutation { createPatient(input: { patient: { firstName: "Named", lastName: "Before" } }) { patient { rowId } } }`);
  expect(made.body.errors).toBeUndefined();
  const owner = new Browser(api);
  await owner.login(c.members.owner.phone, c.members.owner.password);
  const stranger = await createUser();
  const REMOVE = `mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`;
  expect((await owner.graphql(REMOVE, { id: receptionist.membershipId })).body.errors).toBeUndefined();
  for (const phone of [receptionist.phone, stranger.phone]) {
    const invited = await owner.graphql(INVITE, { phone, role: "receptionist" });
    expect((await owner.graphql(REMOVE, { id: invited.body.data.inviteMember.result.rowId })).body.errors).toBeUndefined();
  }
  const strangers = (await rootPool().query("select id from app_public.membership where clinic_id = $1 and user_id = $2", [c.clinicId, stranger.userId])).rows[0].id;
  const name = `Test ${receptionist.phone}`;
  const read = await owner.graphql(`query($u: UUID!) {
    removedMembers { nodes { membershipId fullName } }
    auditLogs(condition: { actorUserId: $u, tableName: "patient" }) { nodes { actorName } } }`, { u: receptionist.userId });
  expect(read.body).toEqual({ data: {
    removedMembers: { nodes: [{ membershipId: strangers, fullName: null }, { membershipId: receptionist.membershipId, fullName: name }] },
    auditLogs: { nodes: [{ actorName: name }] },
  } });
});

// invited again, a withdrawn invitation is the same membership: no second one of the person beside it
test("a withdrawn invitation invited again is the same membership; one of before is not brought back over a newer one: CONFLICT says which to change", async () => {
  const { a, doctor, owner, membershipId } = await invitation();
  expect((await owner.graphql(`mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`, { id: membershipId })).body.errors).toBeUndefined();
  expect((await owner.graphql(INVITE, { phone: doctor.phone, role: "cashier" })).body.data.inviteMember.result).toMatchObject({ rowId: membershipId, role: "cashier", acceptedAt: null });
  const RESTORE = `mutation($id: UUID!) { restoreMember(input: { membershipId: $id }) { result { rowId } } }`;
  expect((await owner.graphql(RESTORE, { id: membershipId })).body.errors?.[0]).toMatchObject({ extensions: { code: "NOT_FOUND" } });
  // a second membership of the person, removed, as one made before invitations asked the membership of before again
  const older = (await rootPool().query(
    `insert into app_public.membership (clinic_id, user_id, role, accepted_at, deleted_at) values ($1, $2, 'doctor', now() - interval '2 years', now() - interval '1 year') returning id`,
    [a.clinicId, doctor.userId],
  )).rows[0].id;
  expect((await owner.graphql(RESTORE, { id: older })).body.errors?.[0]).toMatchObject({
    extensions: { code: "CONFLICT" },
    message: "This person is a member of the clinic again, or invited again, under a newer membership: change that one instead.",
  });
});

test.each([
  ["accepts", `mutation($c: UUID!) { acceptInvitation(input: { clinicId: $c }) { result } }`],
  ["declines", `mutation($c: UUID!) { declineInvitation(input: { clinicId: $c }) { result } }`],
])("nobody %s an invitation that is not theirs, nor without a session", async (_, answer) => {
  const { a, b, membershipId } = await invitation();
  for (const someone of [b.members.owner, a.members.admin]) {
    const browser = new Browser(api);
    await browser.login(someone.phone, someone.password);
    expect((await browser.graphql(answer, { c: a.clinicId })).body.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  }
  expect((await new Browser(api).graphql(answer, { c: a.clinicId })).body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  const { rows } = await rootPool().query("select accepted_at, deleted_at from app_public.membership where id = $1", [membershipId]);
  expect(rows).toEqual([{ accepted_at: null, deleted_at: null }]);
});

test("a new phone is still a member at once, under the name the inviter gave", async () => {
  const a: TestClinic = await createClinic("New staff clinic");
  const owner = new Browser(api);
  await owner.login(a.members.owner.phone, a.members.owner.password);
  const phone = `+2556${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  const r = await owner.graphql(INVITE, { phone, role: "cashier" });
  expect(r.body.data.inviteMember.result).toMatchObject({ acceptedAt: expect.any(String), user: { fullName: "Whatever A calls them", phone } });
  const login = await new Browser(api).tryLogin(phone, "a-password-of-as-choice");
  expect(login.body).toMatchObject({ clinic: { id: a.clinicId }, role: "cashier" });
});

test("an account whose password its inviter chose answers no other clinic's invitation until the person has changed it", async () => {
  // clinic A's owner made the account, and knows its password; clinic B invites the same phone
  const { a, b } = { a: await createClinic("Account maker"), b: await createClinic("Second employer") };
  const phone = `+2556${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  const maker = new Browser(api);
  await maker.login(a.members.owner.phone, a.members.owner.password);
  expect((await maker.graphql(INVITE, { phone, role: "doctor" })).body.data.inviteMember.result.acceptedAt).not.toBeNull();
  const employer = new Browser(api);
  await employer.login(b.members.owner.phone, b.members.owner.password);
  const offered = await employer.graphql(INVITE, { phone, role: "admin" });
  const membershipId = offered.body.data.inviteMember.result.rowId;
  // whoever logs in with the chosen password (the person, or A's owner) cannot accept it for them
  const holder = new Browser(api);
  await holder.login(phone, "a-password-of-as-choice");
  // the frontend can tell, before it offers to answer (it learnt it from the refusal)
  const passwordIsTheirs = async () => (await holder.graphql("{ currentUserPasswordSetByHolder }")).body.data.currentUserPasswordSetByHolder;
  expect(await passwordIsTheirs()).toBe(false);
  const REFUSAL = { extensions: { code: "PASSWORD_CHANGE_REQUIRED" }, message: "Your password was chosen by whoever made your account: choose your own first, then answer the invitation." };
  expect((await holder.graphql(ACCEPT, { c: b.clinicId })).body.errors?.[0]).toMatchObject(REFUSAL);
  // nor decline it, which keeps B from inviting them again for 30 days
  expect((await holder.graphql(DECLINE, { c: b.clinicId })).body.errors?.[0]).toMatchObject(REFUSAL);
  const pending = await rootPool().query("select accepted_at, deleted_at from app_public.membership where id = $1", [membershipId]);
  expect(pending.rows).toEqual([{ accepted_at: null, deleted_at: null }]);
  // once the password is changed (which the person notices if someone else did it), the invitation is theirs to accept
  const changed = await holder.post("/auth/password", { currentPassword: "a-password-of-as-choice", newPassword: "only-the-holder-knows-1" });
  expect(changed.status).toBe(200);
  expect(await passwordIsTheirs()).toBe(true);
  expect((await holder.graphql(ACCEPT, { c: b.clinicId })).body).toEqual({ data: { acceptInvitation: { result: true } } });
  expect(await acceptedAt(membershipId)).not.toBeNull();
});

test("a clinic adds at most 50 people an hour, invitations withdrawn at once counted: no sweeping a list of phones", async () => {
  const { a, owner, membershipId } = await invitation();
  // withdrawn at once: it still counts
  await owner.graphql(`mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`, { id: membershipId });
  const { rows } = await rootPool().query("select count(*)::int as n from app_public.membership where clinic_id = $1", [a.clinicId]);
  for (let i = rows[0].n; i < 50; i++) await addMember(a.clinicId, await createUser(), "cashier");
  const refused = await owner.graphql(INVITE, { phone: (await createUser()).phone, role: "doctor" });
  expect(refused.body.errors?.[0]).toMatchObject({ extensions: { code: "LIMIT_EXCEEDED" }, message: "Your clinic has added 50 people in the past hour: wait before inviting more." });
  // (the timestamps trigger keeps created_at: a replica's session skips it)
  const age = (minutes: number) =>
    rootPool().query(
      `begin; set local session_replication_role = replica;
       update app_public.membership set created_at = created_at - interval '${minutes} minutes' where clinic_id = '${a.clinicId}'; commit`,
    );
  // 59 minutes later, still within the hour: refused
  await age(59);
  expect((await owner.graphql(INVITE, { phone: (await createUser()).phone, role: "doctor" })).body.errors?.[0]).toMatchObject({ extensions: { code: "LIMIT_EXCEEDED" } });
  // an hour later, it may again
  await age(2);
  expect((await owner.graphql(INVITE, { phone: (await createUser()).phone, role: "doctor" })).body.errors).toBeUndefined();
});

test("a member's name is saved as meant, and one of nothing visible is refused alike whether the phone is registered or not", async () => {
  const { b, doctor, owner } = await invitation();
  const invite = (phone: string, fullName: string) =>
    owner.graphql(
      `mutation($phone: String!, $name: String!) { inviteMember(input: { phone: $phone, fullName: $name, role: cashier, password: "a-password-of-as-choice" }) { result { user { fullName } } } }`,
      { phone, name: fullName },
    );
  const newPhone = `+2556${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  for (const phone of [newPhone, b.members.cashier.phone]) {
    expect((await invite(phone, "\u200b\u202e ")).body.errors?.[0]).toMatchObject({
      extensions: { code: "INVALID_INPUT" },
      message: "A name is required, at most 200 characters.",
    });
  }
  const { rows } = await rootPool().query(`select count(*)::int as n from app_public."user" where phone = $1`, [newPhone]);
  expect(rows[0].n).toBe(0);
  expect((await invite(newPhone, "  Spacey\u00a0\u00a0 Name\t")).body.data.inviteMember.result.user).toEqual({ fullName: "Spacey Name" });

  // and as the person edits it
  const self = new Browser(api);
  await self.login(doctor.phone, doctor.password);
  const rename = (fullName: string) =>
    self.graphql(`mutation($id: UUID!, $name: String!) { updateUser(input: { rowId: $id, patch: { fullName: $name } }) { user { fullName } } }`, {
      id: doctor.userId,
      name: fullName,
    });
  expect((await rename("\u200b")).body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "A name is required, at most 200 characters." });
  expect((await rename("Dr\u00a0Amani\u202e Mushi ")).body.data.updateUser.user).toEqual({ fullName: "Dr Amani Mushi" });
});

// a doctor who left and was invited back got a second membership: their visits of before stayed with the removed one, so
// they no longer read them, the visit list by doctor missed them, the dashboard counted them as two doctors of one
// name, and the removed one stayed in removedMembers, where restoring it was CONFLICT
test("a removed doctor invited again is the same member once they accept: their old visits are theirs, counted once", async () => {
  const c = await createClinic("Doctor comes back");
  const doctor = c.members.doctor;
  const before = await createVisit(c, "completed");
  const owner = new Browser(api);
  await owner.login(c.members.owner.phone, c.members.owner.password);
  const REMOVE = `mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`;
  expect((await owner.graphql(REMOVE, { id: doctor.membershipId })).body.errors).toBeUndefined();
  const invited = await owner.graphql(INVITE, { phone: doctor.phone, role: "doctor" });
  expect(invited.body.data.inviteMember.result).toEqual({ rowId: doctor.membershipId, role: "doctor", acceptedAt: null, user: null });
  // pending: no access yet, whatever the old membership was
  expect((await new Browser(api).tryLogin(doctor.phone, doctor.password, c.clinicId)).status).toBe(403);
  // and their visits still name them meanwhile, as they did once they had left
  const NAMED = `query($d: UUID!) { visits(condition: { doctorId: $d }) { nodes { code doctorName } } }`;
  expect((await owner.graphql(NAMED, { d: doctor.membershipId })).body.data.visits.nodes).toEqual([{ code: before.code, doctorName: `Test ${doctor.phone}` }]);
  const person = new Browser(api);
  await person.login(doctor.phone, doctor.password);
  expect((await person.graphql(ACCEPT, { c: c.clinicId })).body).toEqual({ data: { acceptInvitation: { result: true } } });
  // a visit booked with them now, as the front desk books it, at the old visit's time: booked at now(), it was the next
  // day's once the clinic's midnight passed after the old one, and that day's dashboard counted one of their visits
  const patient = await createPatient(c.clinicId);
  await rootPool().query("insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) select $1, $2, $3, scheduled_at from app_public.visit where id = $4",
    [c.clinicId, patient.id, invited.body.data.inviteMember.result.rowId, before.id]);
  const back = new Browser(api);
  await back.login(doctor.phone, doctor.password, c.clinicId);
  const own = (await back.graphql(`{ visits { nodes { code } } }`)).body.data.visits.nodes.map((v: { code: string }) => v.code);
  expect(own).toHaveLength(2);
  expect(own).toContain(before.code);
  const byDoctor = await owner.graphql(`query($d: UUID!) { visits(condition: { doctorId: $d }) { totalCount } }`, { d: invited.body.data.inviteMember.result.rowId });
  expect(byDoctor.body.data.visits.totalCount).toBe(2);
  // their visits' day, not one read now (the next, once the clinic's midnight passed since they were booked)
  const day = await dayOf("visit", before.id, "scheduled_at");
  const dashboard = await owner.graphql(`query($d: Date!) { dashboard(fromDate: $d, toDate: $d) { visitsByDoctor } }`, { d: day });
  expect(dashboard.body.data.dashboard.visitsByDoctor).toEqual([{ doctorId: doctor.membershipId, name: `Test ${doctor.phone}`, count: 2 }]);
  // one row of them in the staff list, none among the removed
  const staff = (await owner.graphql(`{ memberships(condition: { role: doctor }) { nodes { rowId fullName } } }`)).body.data.memberships.nodes;
  expect(staff).toEqual([{ rowId: doctor.membershipId, fullName: `Test ${doctor.phone}` }]);
  expect((await owner.graphql(`{ removedMembers { nodes { membershipId } } }`)).body.data.removedMembers.nodes).toEqual([]);
  // the invitation is in the clinic's audit chain, by the owner, as the membership's change
  const audit = await rootPool().query(
    `select action, actor_user_id as actor, new_values->>'role' as role, new_values->>'accepted_at' as "acceptedAt"
     from app_public.audit_log where record_id = $1 order by seq`, [doctor.membershipId]);
  expect(audit.rows.slice(-3)).toEqual([
    { action: "soft_delete", actor: c.members.owner.userId, role: "doctor", acceptedAt: expect.any(String) },
    { action: "restore", actor: c.members.owner.userId, role: "doctor", acceptedAt: null },
    { action: "update", actor: doctor.userId, role: "doctor", acceptedAt: expect.any(String) },
  ]);
});

// the staff list named a former member invited again (pending) no one, though their visits (doctorName) and the audit log
// (actorName) name them: its name was read through user's policies, which hide every invitation not yet accepted
test("a former member invited again is named in the staff list while pending, as their visits name them; a first-time invitee is not, nor their user", async () => {
  const c = await createClinic("Named while asked back");
  const { doctor, receptionist } = c.members;
  const visit = await createVisit(c, "completed");
  const colleague = await addMember(c.clinicId, await createUser(), "doctor");
  await rootPool().query(`update app_public."user" set full_name = case id when $1 then 'Zuhura' else 'Amani' end where id in ($1, $2)`, [colleague.userId, doctor.userId]);
  const stranger = (await createClinic("A stranger's clinic")).members.doctor;
  const owner = new Browser(api);
  await owner.login(c.members.owner.phone, c.members.owner.password);
  expect((await owner.graphql(`mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`, { id: doctor.membershipId })).body.errors).toBeUndefined();
  const INVITE_NAMED = `mutation($phone: String!) {
    inviteMember(input: { phone: $phone, fullName: "Whatever A calls them", role: doctor, password: "a-password-of-as-choice" }) { result { rowId fullName user { fullName } } } }`;
  const name = "Amani";
  expect((await owner.graphql(INVITE_NAMED, { phone: doctor.phone })).body).toEqual({
    data: { inviteMember: { result: { rowId: doctor.membershipId, fullName: name, user: null } } },
  });
  const strangers = await owner.graphql(INVITE_NAMED, { phone: stranger.phone });
  const strangerId = strangers.body.data.inviteMember.result.rowId;
  expect(strangers.body.data.inviteMember.result).toEqual({ rowId: strangerId, fullName: null, user: null });
  const desk = new Browser(api);
  await desk.login(receptionist.phone, receptionist.password);
  for (const session of [owner, desk]) {
    const read = await session.graphql(`query($v: UUID!) {
      memberships(condition: { role: doctor }, orderBy: FULL_NAME_ASC) { nodes { rowId fullName acceptedAt user { fullName phone } } }
      visits(condition: { rowId: $v }) { nodes { doctorName doctor { fullName } } } }`, { v: visit.id });
    // by name, the invitation never accepted last; the person's user (their phone) still hidden from the clinic
    expect(read.body).toEqual({ data: {
      memberships: { nodes: [
        { rowId: doctor.membershipId, fullName: name, acceptedAt: null, user: null },
        { rowId: colleague.membershipId, fullName: "Zuhura", acceptedAt: expect.any(String), user: { fullName: "Zuhura", phone: colleague.phone } },
        { rowId: strangerId, fullName: null, acceptedAt: null, user: null },
      ] },
      visits: { nodes: [{ doctorName: name, doctor: { fullName: name } }] },
    } });
    expect(JSON.stringify(read.body)).not.toContain(doctor.phone);
    expect(JSON.stringify(read.body)).not.toContain(`Test ${stranger.phone}`);
  }
});

// asked again on their membership of before, a removed owner's role is replaced by the one offered, not changed: an admin
// invites them back as a doctor as they would anyone, and no more as an owner than anyone
test("an admin invites a removed owner back as a doctor, not as an owner; the invitation gives no owner's rights", async () => {
  const c = await createClinic("Owner comes back");
  const second = await addMember(c.clinicId, await createUser(), "owner");
  const owner = new Browser(api);
  await owner.login(c.members.owner.phone, c.members.owner.password);
  expect((await owner.graphql(`mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`, { id: second.membershipId })).body.errors).toBeUndefined();
  const admin = new Browser(api);
  await admin.login(c.members.admin.phone, c.members.admin.password);
  expect((await admin.graphql(INVITE, { phone: second.phone, role: "owner" })).body.errors?.[0]).toMatchObject({
    extensions: { code: "FORBIDDEN" }, message: "Only an owner can add, change or remove an owner.",
  });
  expect((await admin.graphql(INVITE, { phone: second.phone, role: "doctor" })).body.data.inviteMember.result).toEqual({
    rowId: second.membershipId, role: "doctor", acceptedAt: null, user: null,
  });
  expect((await new Browser(api).tryLogin(second.phone, second.password, c.clinicId)).status).toBe(403);
});
