/**
 * The visit lifecycle as the database enforces it: every allowed and every
 * refused transition, who may take each step, stamps, concurrency, and the
 * services of a visit (price snapshot, frozen once finished).
 */
import pg from "pg";
import { apiPool, closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { addMember, asMember, beginAs, committedAs, createClinic, createPatient, createService, createUser, createVisit, LONG_AGO, openSession, type TestClinic, type TestMember, writeBehindTriggers } from "../support/fixtures.ts";
import { atOnce, outcome, waitsForLock } from "../support/locks.ts";
import { pageAsTheApiPlansIt } from "../support/plans.ts";
import { until } from "../support/until.ts";

const STATUSES = ["scheduled", "checked_in", "in_progress", "completed", "cancelled", "no_show"] as const;
const ALLOWED = new Set([
  "scheduled>checked_in",
  "checked_in>in_progress",
  "in_progress>completed",
  "scheduled>cancelled",
  "checked_in>cancelled",
  "scheduled>no_show",
]);

let clinic: TestClinic;
beforeAll(async () => {
  clinic = await createClinic("Visit clinic");
});
afterAll(closeRootPool);

// a visit's ordinary steps (check-in, start, completion) queue no check of its invoice: tg_visit__billed_kept, an AFTER
// trigger since 000502, ran at each of them to find nothing to check until 000504 gave it a WHEN clause; a cancellation
// still runs it
test("a visit's check-in, start and completion call no check of its invoice; its cancellation calls it once", async () => {
  const calls = async (steps: [string, string | null][]) => {
    const visit = await createVisit(clinic);
    const client = await rootPool().connect();
    try {
      await client.query("begin");
      await client.query("set local track_functions = 'pl'");
      for (const [status, reason] of steps) {
        await client.query("update app_public.visit set status = $2, cancel_reason = $3 where id = $1", [visit.id, status, reason]);
      }
      const { rows } = await client.query(
        "select coalesce(pg_stat_get_xact_function_calls('app_private.tg_visit__billed_kept()'::regprocedure), 0)::int as calls",
      );
      await client.query("commit");
      return rows[0].calls as number;
    } finally {
      client.release();
    }
  };
  expect(await calls([["checked_in", null], ["in_progress", null], ["completed", null]])).toBe(0);
  expect(await calls([["checked_in", null], ["cancelled", "Called"]])).toBe(1);
});

describe("every transition", () => {
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      if (from === to) continue;
      const allowed = ALLOWED.has(`${from}>${to}`);
      test(`${from} -> ${to} is ${allowed ? "allowed" : "refused with INVALID_TRANSITION"}`, async () => {
        const visit = await createVisit(clinic, from);
        const attempt = rootPool().query("update app_public.visit set status = $2, cancel_reason = $3 where id = $1", [
          visit.id,
          to,
          to === "cancelled" ? "Doctor is ill" : null,
        ]);
        if (allowed) {
          await attempt;
        } else {
          await expect(attempt).rejects.toMatchObject({ code: "CTRAN" });
        }
        const { rows } = await rootPool().query("select status from app_public.visit where id = $1", [visit.id]);
        expect(rows[0].status).toBe(allowed ? to : from);
      });
    }
  }
});

test("a new visit starts as scheduled: one written already checked in or completed, even from an operator's psql, is INVALID_TRANSITION and nothing is written", async () => {
  const patient = await createPatient(clinic.clinicId);
  for (const status of STATUSES.filter((s) => s !== "scheduled")) {
    await expect(
      rootPool().query("insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at, status, cancel_reason) values ($1, $2, $3, now(), $4, $5)", [
        clinic.clinicId,
        patient.id,
        clinic.members.doctor.membershipId,
        status,
        status === "cancelled" ? "Patient called" : null,
      ]),
    ).rejects.toMatchObject({ code: "CTRAN", message: "A new visit starts as scheduled." });
  }
  const { rows } = await rootPool().query("select count(*)::int as n from app_public.visit where patient_id = $1", [patient.id]);
  expect(rows).toEqual([{ n: 0 }]);
});

test("refusals write a visit's status in words, as staff read them", async () => {
  const refusal = async (status: string, change: string) => {
    const visit = await createVisit(clinic, status);
    return rootPool().query(`update app_public.visit set ${change} where id = $1`, [visit.id]).then(
      () => null,
      (error: { message: string }) => error.message,
    );
  };
  expect(await refusal("scheduled", "status = 'in_progress'")).toBe(
    "A visit cannot go from scheduled to in progress: the front desk checks the patient in first.",
  );
  expect(await refusal("in_progress", "scheduled_at = scheduled_at + interval '1 hour'")).toBe(
    "This visit is in progress and keeps its time and patient: the patient is already here (cancel it and book another for a mistake).",
  );
  expect(await refusal("no_show", "reason = 'late'")).toBe("A no-show visit cannot change any more.");
  // a no-show marked before the visit's time names that time on the clinic's clock (Dar es Salaam, UTC+3)
  expect(await refusal("scheduled", "scheduled_at = '2030-01-02 06:00:00+00', status = 'no_show'")).toBe(
    "This visit's time has not yet come: it cannot be a no-show before 2030-01-02 09:00; cancel it instead.",
  );
  const { rows } = await rootPool().query(
    "select s::text as status, app_hidden.visit_status_words(s) as words from unnest(enum_range(null::app_public.visit_status)) s",
  );
  expect(rows.map((r: { words: string }) => r.words)).toEqual(["scheduled", "checked in", "in progress", "completed", "cancelled", "no-show"]);
});

// a step taken by mistake was told only "A visit cannot go from checked in to no-show.": the receptionist whose patient left
// before being seen, or the doctor starting a visit the patient had not checked in for, was not told what to do instead
test("a step the lifecycle refuses says what to do instead, to the member who took it", async () => {
  const { doctor, receptionist } = clinic.members;
  const steps: [TestMember, string, string, string][] = [
    [doctor, "scheduled", "in_progress", "A visit cannot go from scheduled to in progress: the front desk checks the patient in first."],
    [doctor, "scheduled", "completed", "A visit cannot go from scheduled to completed: the front desk checks the patient in first."],
    [doctor, "checked_in", "completed", "A visit cannot go from checked in to completed: start the consultation first."],
    [receptionist, "checked_in", "no_show", "A visit cannot go from checked in to no-show: a patient who left before being seen is cancelled, with a reason."],
    [receptionist, "checked_in", "scheduled", "A visit cannot go from checked in to scheduled: a check-in is not undone; cancel the visit, with a reason, and book another."],
    [receptionist, "in_progress", "cancelled", "A visit cannot go from in progress to cancelled: a consultation under way is completed by the doctor."],
    [receptionist, "in_progress", "no_show", "A visit cannot go from in progress to no-show: a consultation under way is completed by the doctor."],
    [doctor, "in_progress", "checked_in", "A visit cannot go from in progress to checked in: a consultation under way is completed by the doctor."],
    [receptionist, "no_show", "checked_in", "A no-show visit cannot change any more: a patient who came after all is checked in as a walk-in."],
    [receptionist, "cancelled", "checked_in", "A cancelled visit cannot change any more: a patient who came after all is checked in as a walk-in."],
    [receptionist, "completed", "checked_in", "A completed visit cannot change any more."],
  ];
  for (const [member, from, to, message] of steps) {
    const visit = await createVisit(clinic, from);
    const refused = await asMember(member, (c) =>
      c.query("update app_public.visit set status = $2, cancel_reason = $3 where id = $1", [visit.id, to, to === "cancelled" ? "Left" : null]),
    ).then(
      () => null,
      (error: { code: string; message: string }) => [error.code, error.message],
    );
    expect([from, to, refused]).toEqual([from, to, ["CTRAN", message]]);
  }
});

test("the front desk checks a patient in on the day of their visit or after it, not before (clicked by mistake, the visit kept that day for good)", async () => {
  const checkIn = async (scheduledAt: string) => {
    const visit = await createVisit(clinic);
    await rootPool().query("update app_public.visit set scheduled_at = $2 where id = $1", [visit.id, scheduledAt]);
    return asMember(clinic.members.receptionist, (c) => c.query("update app_public.visit set status = 'checked_in' where id = $1", [visit.id])).then(
      () => null,
      (error: { code: string; message: string }) => [error.code, error.message],
    );
  };
  expect(await checkIn("2030-01-02 06:00:00+00")).toEqual([
    "CTRAN",
    "This visit is booked for 2030-01-02 09:00: a patient is checked in on the day of their visit (move it to today first).",
  ]);
  expect(await checkIn(new Date(Date.now() - 86_400_000).toISOString())).toBeNull(); // come a day late
});

test("each step stamps its time and actor", async () => {
  const visit = await createVisit(clinic);
  const steps: [string, string, keyof TestClinic["members"]][] = [
    ["checked_in", "checked_in", "receptionist"],
    ["in_progress", "started", "doctor"],
    ["completed", "completed", "doctor"],
  ];
  for (const [status, stamp, role] of steps) {
    const member = clinic.members[role];
    const session = await openSession(member.userId, clinic.clinicId);
    await committedAs(session, (client) => client.query("update app_public.visit set status = $2 where id = $1", [visit.id, status]));
    const { rows } = await rootPool().query(`select ${stamp}_at as at, ${stamp}_by as by from app_public.visit where id = $1`, [visit.id]);
    expect(rows[0].by).toBe(member.userId);
    expect(rows[0].at).toBeInstanceOf(Date);
  }
});

test("stamps cannot be written by the API", async () => {
  const visit = await createVisit(clinic);
  await asMember(clinic.members.owner, async (client) => {
    await expect(client.query("update app_public.visit set completed_at = now() where id = $1", [visit.id])).rejects.toThrow(/permission denied/);
  });
});

const STEP_STAMPS = ["checked_in_at", "checked_in_by", "started_at", "started_by", "completed_at", "completed_by", "cancelled_at", "cancelled_by", "no_show_at", "no_show_by"];

// an operator's psql moved a waiting patient's check-in to 2020 (first in the waiting room, and no longer "checked in
// today" for a walk-in), stamped a completion on a visit still in the consultation, a cancellation on one never cancelled
// (the live queue believes a step its stamp shows), and booked a visit stamped as seen: the stamps were kept only once
// the visit was finished, as any change of it is refused then (as an invoice's until 000459)
test("a visit's step stamps are its steps': written otherwise (an operator's psql) they are kept as they were, and a new visit has none (000466)", async () => {
  const visitRow = async (id: string) => (await rootPool().query("select * from app_public.visit where id = $1", [id])).rows[0];
  const audited = async (id: string) =>
    (await rootPool().query("select count(*)::int as n from app_public.audit_log where record_id = $1", [id])).rows[0].n as number;
  // the API's role writes none of them, by insert or update (an operator's psql: root, every trigger on)
  const { rows: granted } = await rootPool().query(
    "select c, p from unnest($2::text[]) c, unnest(array['insert', 'update']) p where has_column_privilege($1, 'app_public.visit', c, p)",
    [testConfig.roles.visitor, STEP_STAMPS]);
  expect(granted).toEqual([]);
  const someone = clinic.members.owner.userId;
  for (const status of ["checked_in", "in_progress"]) {
    const visit = await createVisit(clinic, status);
    const before = await visitRow(visit.id);
    const entries = await audited(visit.id);
    for (const column of STEP_STAMPS) {
      const value = column.endsWith("_by") ? someone : LONG_AGO;
      await rootPool().query(`update app_public.visit set ${column} = $2 where id = $1`, [visit.id, value]);
      expect({ status, column, row: await visitRow(visit.id) }).toEqual({ status, column, row: before });
    }
    await rootPool().query("update app_public.visit set checked_in_at = null, started_at = null where id = $1", [visit.id]);
    expect(await visitRow(visit.id)).toEqual(before);
    expect(await audited(visit.id)).toBe(entries); // nothing changed, nothing audited
  }
  // a step taken with stamps written alongside it: its own stamp is now and the session's (none), the others as they were
  const { rows: [clock] } = await rootPool().query("select now() as at");
  const started = await createVisit(clinic, "in_progress");
  await rootPool().query(
    "update app_public.visit set status = 'completed', completed_at = $2, completed_by = $3, cancelled_at = $2, checked_in_at = $2 where id = $1",
    [started.id, LONG_AGO, someone]);
  const completed = await visitRow(started.id);
  expect(completed).toMatchObject({ status: "completed", completed_by: null, cancelled_at: null, cancelled_by: null });
  expect(completed.completed_at.getTime()).toBeGreaterThanOrEqual(clock.at.getTime());
  expect(completed.checked_in_at.getTime()).toBeGreaterThanOrEqual(clock.at.getTime());
  // a finished visit changes no more, its stamps neither
  await expect(rootPool().query("update app_public.visit set completed_at = $2 where id = $1", [started.id, LONG_AGO])).rejects.toMatchObject({
    code: "CTRAN",
    message: "A completed visit cannot change any more.",
  });
  // booked: no stamp of a step it has not taken
  const patient = await createPatient(clinic.clinicId);
  const { rows: [made] } = await rootPool().query(
    `insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at, ${STEP_STAMPS.join(", ")})
     values ($1, $2, $3, now(), $4, $5, $4, $5, $4, $5, $4, $5, $4, $5) returning *`,
    [clinic.clinicId, patient.id, clinic.members.doctor.membershipId, LONG_AGO, someone]);
  expect({ status: made.status, ...Object.fromEntries(STEP_STAMPS.map((c) => [c, made[c]])) }).toEqual({
    status: "scheduled",
    ...Object.fromEntries(STEP_STAMPS.map((c) => [c, null])),
  });
});

test("cancelling needs a reason", async () => {
  const visit = await createVisit(clinic);
  await expect(rootPool().query("update app_public.visit set status = 'cancelled' where id = $1", [visit.id])).rejects.toMatchObject({
    code: "CINVL",
  });
});

test("a cancel reason is written by cancelling only: on a visit not being cancelled it is INVALID_INPUT, nothing written", async () => {
  const visit = await createVisit(clinic);
  await expect(
    committedAs(await openSession(clinic.members.receptionist.userId, clinic.clinicId), (c) =>
      c.query("update app_public.visit set cancel_reason = 'Patient called' where id = $1", [visit.id]),
    ),
  ).rejects.toMatchObject({ code: "CINVL", message: "A cancel reason goes with cancelling the visit." });
  const { rows } = await rootPool().query("select status, cancel_reason from app_public.visit where id = $1", [visit.id]);
  expect(rows[0]).toEqual({ status: "scheduled", cancel_reason: null });
});

// before 000321 the reason was kept with any step but a change of the reason alone: a visit checked in with it was then
// completed with a cancel reason, for good
test.each([
  ["scheduled", "checked_in", "receptionist"],
  ["scheduled", "no_show", "receptionist"],
  ["checked_in", "in_progress", "doctor"],
  ["in_progress", "completed", "doctor"],
] as const)("a cancel reason sent with the step from %s to %s (a %s's) is INVALID_INPUT, nothing written; a blank one goes", async (from, to, role) => {
  const visit = await createVisit(clinic, from);
  const step = async (reason: string) =>
    committedAs(await openSession(clinic.members[role].userId, clinic.clinicId), (c) =>
      c.query("update app_public.visit set status = $2, cancel_reason = $3 where id = $1", [visit.id, to, reason]),
    );
  await expect(step("Patient called")).rejects.toMatchObject({ code: "CINVL", message: "A cancel reason goes with cancelling the visit." });
  const read = async () => (await rootPool().query("select status, cancel_reason from app_public.visit where id = $1", [visit.id])).rows[0];
  expect(await read()).toEqual({ status: from, cancel_reason: null });
  await step("  ");
  expect(await read()).toEqual({ status: to, cancel_reason: null });
});

/** A visit booked by the clinic's receptionist through the API, and a reader of its stamps. */
async function bookedByReceptionist() {
  const patient = await createPatient(clinic.clinicId);
  const booked = await committedAs(await openSession(clinic.members.receptionist.userId, clinic.clinicId), async (c) =>
    (await c.query("insert into app_public.visit (patient_id, doctor_id, scheduled_at) values ($1, $2, now()) returning id", [patient.id, clinic.members.doctor.membershipId])).rows[0],
  );
  const stamps = async () =>
    (await rootPool().query("select created_by, updated_by, updated_at from app_public.visit where id = $1", [booked.id])).rows[0];
  return { id: booked.id as string, stamps };
}

// a form sent back as it is (updateVisit with the status it has) moved the stamps: a visit its doctor completed read as
// last changed by the receptionist who opened and saved it, with no entry of hers in the audit log (000408)
test("a finished visit saved back as it is (a form sent again) keeps its stamps: updated_at and updated_by name its last change, not whoever saved it (000408)", async () => {
  const { receptionist, doctor } = clinic.members;
  const stampsOf = async (id: string) =>
    (await rootPool().query("select status, updated_at, updated_by from app_public.visit where id = $1", [id])).rows[0];
  for (const status of ["completed", "cancelled", "no_show"]) {
    const visit = await createVisit(clinic, status);
    const before = await stampsOf(visit.id);
    // the whole form sent back, as the front desk's or the doctor's screen saves it
    for (const member of status === "completed" ? [receptionist, doctor] : [receptionist]) {
      await committedAs(await openSession(member.userId, clinic.clinicId), (c) =>
        c.query(
          `update app_public.visit set status = status, patient_id = patient_id, doctor_id = doctor_id, scheduled_at = scheduled_at,
             reason = reason, cancel_reason = cancel_reason where id = $1`,
          [visit.id],
        ),
      );
    }
    expect(await stampsOf(visit.id)).toEqual(before);
  }
});

test("a change is stamped with the session's user and time: updated_by is who changed it, updated_at moves", async () => {
  const { receptionist, owner } = clinic.members;
  const visit = await bookedByReceptionist();
  const before = await visit.stamps();
  expect(before).toMatchObject({ created_by: receptionist.userId, updated_by: receptionist.userId });
  await committedAs(await openSession(owner.userId, clinic.clinicId), (c) => c.query("update app_public.visit set reason = 'Fever' where id = $1", [visit.id]));
  const changed = await visit.stamps();
  expect(changed).toMatchObject({ created_by: receptionist.userId, updated_by: owner.userId });
  expect(changed.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
});

test("who booked a visit (created_by) is kept on every change, even written from an operator's psql", async () => {
  const { receptionist, doctor } = clinic.members;
  const visit = await bookedByReceptionist();
  // an operator's psql (root, no session): who booked it stays, and the change is no one's (a change: created_by alone
  // written changes nothing, and keeps the stamps it had, 000408)
  await rootPool().query("update app_public.visit set created_by = $2, reason = 'Corrected by the operator' where id = $1", [visit.id, doctor.userId]);
  expect(await visit.stamps()).toMatchObject({ created_by: receptionist.userId, updated_by: null });
});

test("a cancellation of blanks is refused, and reasons are kept without the white space around them", async () => {
  const visit = await createVisit(clinic);
  const cancel = (reason: string) =>
    rootPool().query("update app_public.visit set status = 'cancelled', cancel_reason = $2 where id = $1", [visit.id, reason]);
  await expect(cancel(" \u00a0\u200b\t")).rejects.toMatchObject({ code: "CINVL", message: "A reason is required to cancel a visit." });
  // nothing visible, as a name is read: a joiner, a soft hyphen, a Hangul filler, a control character
  for (const invisible of ["\u200d", "\u00ad", "\u3164", "\u0007 \u2060"]) {
    await expect(cancel(invisible)).rejects.toMatchObject({ code: "CINVL", message: "A reason is required to cancel a visit." });
  }
  await rootPool().query("update app_public.visit set reason = $2 where id = $1", [visit.id, "\u3000 Fever and cough \n"]);
  await cancel("  No transport\u00a0");
  const { rows } = await rootPool().query("select reason, cancel_reason from app_public.visit where id = $1", [visit.id]);
  expect(rows[0]).toEqual({ reason: "Fever and cough", cancel_reason: "No transport" });

  const blank = await createVisit(clinic);
  for (const nothing of ["   ", "\u200d\u3164"]) {
    await rootPool().query("update app_public.visit set reason = 'Fever' where id = $1", [blank.id]);
    await rootPool().query("update app_public.visit set reason = $2 where id = $1", [blank.id, nothing]);
    const after = await rootPool().query("select reason from app_public.visit where id = $1", [blank.id]);
    expect(after.rows[0].reason).toBeNull(); // a reason of blanks, or of nothing visible, is none
  }
});

test("without the live queue's key a visit is still written, and a subscription is refused naming the key", async () => {
  const patient = await createPatient(clinic.clinicId);
  const sessionId = await openSession(clinic.members.receptionist.userId, clinic.clinicId);
  const client = await rootPool().connect();
  try {
    await client.query("begin");
    await client.query("delete from app_private.secret_key where purpose = 'live_queue'"); // in this transaction only: other files' visits keep theirs
    const { rowCount } = await client.query("insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now())", [
      clinic.clinicId,
      patient.id,
      clinic.members.doctor.membershipId,
    ]);
    expect(rowCount).toBe(1);
    await client.query("select set_config('jwt.claims.session_id', $1, true)", [sessionId]);
    await expect(client.query("select app_hidden.visit_queue_channel()")).rejects.toThrow(/^The live queue has no key: app_private.secret_key has no live_queue row/);
  } finally {
    await client.query("rollback");
    client.release();
  }
});

/** Listens, as the API's role, on the live queue channel `member`'s session is given; `heard` collects the visit ids told on it. */
async function listeningAs(member: TestMember): Promise<{ heard: string[]; stop(): Promise<void> }> {
  const client = await apiPool().connect();
  const heard: string[] = [];
  client.on("notification", (notification) => heard.push(JSON.parse(notification.payload!).id));
  await beginAs(client, await openSession(member.userId, member.clinicId));
  const { rows } = await client.query("select app_hidden.visit_queue_channel() as channel");
  await client.query(`listen ${pg.escapeIdentifier(rows[0].channel)}`);
  await client.query("commit");
  const stop = async () => {
    await client.query("unlisten *");
    client.removeAllListeners("notification");
    client.release();
  };
  return { heard, stop };
}

// every session of a clinic was given the clinic's channel: a doctor listening on it by hand heard the id and status of
// every visit of the clinic, other doctors' too (000326)
test("a doctor listening on the queue channel their session is given hears their own visits only; the front desk hears every visit", async () => {
  const queue = await createClinic("Queue of two doctors");
  const otherDoctor = await addMember(queue.clinicId, await createUser(), "doctor");
  const [doctor, desk] = [await listeningAs(queue.members.doctor), await listeningAs(queue.members.receptionist)];
  try {
    const patient = await createPatient(queue.clinicId);
    const { rows: [others] } = await rootPool().query(
      "insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now()) returning id",
      [queue.clinicId, patient.id, otherDoctor.membershipId],
    );
    await rootPool().query("update app_public.visit set status = 'checked_in' where id = $1", [others.id]);
    const own = await createVisit(queue); // the listening doctor's, booked after the other's: told after it
    expect(await until(() => doctor.heard.includes(own.id) && desk.heard.includes(own.id))).toBe(true);
    expect({ doctor: doctor.heard, desk: desk.heard }).toEqual({ doctor: [own.id], desk: [others.id, others.id, own.id] });
  } finally {
    await doctor.stop();
    await desk.stop();
  }
});

test("a new visit must start as scheduled", async () => {
  await asMember(clinic.members.receptionist, async (client) => {
    const patient = await client.query("insert into app_public.patient (first_name, last_name) values ('New', 'Patient') returning id");
    await expect(
      client.query("insert into app_public.visit (patient_id, doctor_id, scheduled_at, status) values ($1, $2, now(), 'completed')", [
        patient.rows[0].id,
        clinic.members.doctor.membershipId,
      ]),
    ).rejects.toThrow(/permission denied/); // status is not even writable on insert
  });
});

test("a doctor who is not a doctor is refused", async () => {
  await asMember(clinic.members.receptionist, async (client) => {
    const patient = await client.query("insert into app_public.patient (first_name, last_name) values ('New', 'Patient') returning id");
    await expect(
      client.query("insert into app_public.visit (patient_id, doctor_id, scheduled_at) values ($1, $2, now())", [
        patient.rows[0].id,
        clinic.members.cashier.membershipId,
      ]),
    ).rejects.toMatchObject({ code: "CINVL", message: "This member is not a doctor of the clinic: book a doctor." });
  });
});

// an operator's insert booked a visit with a cancel reason, and it was checked in, seen and completed with it: read as
// cancelled for that reason for good, as a step sent with one was before 000321 (000494)
test("a visit is booked without a cancel reason, even written from an operator's psql: INVALID_INPUT, nothing booked; a blank one, which is none, goes", async () => {
  const patient = await createPatient(clinic.clinicId);
  const book = (cancelReason: string) =>
    rootPool().query(
      "insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at, cancel_reason) values ($1, $2, $3, now(), $4) returning id, cancel_reason",
      [clinic.clinicId, patient.id, clinic.members.doctor.membershipId, cancelReason],
    );
  await expect(book("Patient called")).rejects.toMatchObject({ code: "CINVL", message: "A cancel reason goes with cancelling the visit." });
  const { rows } = await rootPool().query("select count(*)::int as n from app_public.visit where patient_id = $1", [patient.id]);
  expect(rows).toEqual([{ n: 0 }]);
  expect((await book(" \u200b ")).rows[0]).toMatchObject({ cancel_reason: null });
});

// an operator's psql moved a visit, with a patient and doctor of the other clinic, or a catalog service to another
// clinic: the row kept its code, which that clinic then gave its own next one, every booking after refused at the code;
// the other clinic's audit log read the row as it was in the first, whose chain never told it left (000494)
test("a visit and a service keep their clinic, even written from an operator's psql: moved to another clinic, INVALID_INPUT; that clinic books and lists its own under its codes", async () => {
  const [left, entered] = [await createClinic("Rows that stay"), await createClinic("Rows that came in")];
  const [visit, service] = [await createVisit(left), await createService(left.clinicId)];
  const patient = await createPatient(entered.clinicId);
  await expect(
    rootPool().query("update app_public.visit set clinic_id = $2, patient_id = $3, doctor_id = $4 where id = $1", [
      visit.id,
      entered.clinicId,
      patient.id,
      entered.members.doctor.membershipId,
    ]),
  ).rejects.toMatchObject({ code: "CINVL", message: "This visit keeps its clinic: make it anew in the other clinic instead." });
  await expect(rootPool().query("update app_public.service set clinic_id = $2 where id = $1", [service.id, entered.clinicId])).rejects.toMatchObject({
    code: "CINVL",
    message: "This service keeps its clinic: make it anew in the other clinic instead.",
  });
  const where = async (table: string, id: string) =>
    (await rootPool().query(`select clinic_id, code from app_public.${table} where id = $1`, [id])).rows[0];
  expect([await where("visit", visit.id), await where("service", service.id)]).toEqual([
    { clinic_id: left.clinicId, code: "VIS-000001" },
    { clinic_id: left.clinicId, code: "SRV-000001" },
  ]);
  const booked = await committedAs(await openSession(entered.members.receptionist.userId, entered.clinicId), async (c) =>
    (await c.query("insert into app_public.visit (patient_id, doctor_id, scheduled_at) values ($1, $2, now()) returning code", [patient.id, entered.members.doctor.membershipId])).rows[0],
  );
  expect(booked).toEqual({ code: "VIS-000001" });
  expect((await createService(entered.clinicId)).code).toBe("SRV-000001");
});

/** Runs one update per session at the same moment, each in its own transaction; returns "ok" or the SQLSTATE. */
async function concurrently(sessions: string[], statements: [string, unknown[]][]): Promise<string[]> {
  const clients = sessions.map(() => new pg.Client({ connectionString: testConfig.authenticatorUrl }));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    await Promise.all(clients.map((c, i) => beginAs(c, sessions[i])));
    return await Promise.all(
      clients.map((c, i) =>
        c.query(...statements[i]).then(
          () => c.query("commit").then(() => "ok"),
          (e) => c.query("rollback").then(() => e.code as string),
        ),
      ),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

async function auditedUpdates(visitId: string): Promise<number> {
  const { rows } = await rootPool().query("select count(*)::int as n from app_public.audit_log where record_id = $1 and action = 'update'", [visitId]);
  return rows[0].n;
}

test("two receptionists checking in at once: one check-in, stamped and audited once", async () => {
  const visit = await createVisit(clinic);
  const sessions = await Promise.all([0, 1].map(() => openSession(clinic.members.receptionist.userId, clinic.clinicId)));
  const checkIn: [string, unknown[]] = ["update app_public.visit set status = 'checked_in' where id = $1", [visit.id]];
  // The second waits for the first, then finds the visit already checked in: nothing left to do.
  expect(await concurrently(sessions, [checkIn, checkIn])).toEqual(["ok", "ok"]);
  const { rows } = await rootPool().query("select status, checked_in_at from app_public.visit where id = $1", [visit.id]);
  expect(rows[0].status).toBe("checked_in");
  expect(await auditedUpdates(visit.id)).toBe(1);
});

test("check-in and no-show clicked at once: exactly one wins, the other is INVALID_TRANSITION", async () => {
  const visit = await createVisit(clinic);
  const sessions = await Promise.all([0, 1].map(() => openSession(clinic.members.receptionist.userId, clinic.clinicId)));
  const outcomes = await concurrently(sessions, [
    ["update app_public.visit set status = 'checked_in' where id = $1", [visit.id]],
    ["update app_public.visit set status = 'no_show' where id = $1", [visit.id]],
  ]);
  expect([...outcomes].sort()).toEqual(["CTRAN", "ok"]);
  const { rows } = await rootPool().query("select status from app_public.visit where id = $1", [visit.id]);
  expect(rows[0].status).toBe(outcomes[0] === "ok" ? "checked_in" : "no_show");
  expect(await auditedUpdates(visit.id)).toBe(1);
});

describe("services of a visit", () => {
  // a line added by whoever runs it, answering the price it was given (the races below)
  const ADD = "insert into app_public.visit_service (visit_id, service_id) values ($1, $2) returning unit_price";

  test("take the catalog price at that moment and keep it when the catalog changes", async () => {
    const service = await createService(clinic.clinicId, "30000");
    const visit = await createVisit(clinic, "in_progress");
    const line = await asMember(clinic.members.doctor, async (client) => {
      const { rows } = await client.query(
        "insert into app_public.visit_service (visit_id, service_id, quantity) values ($1, $2, 2) returning id, unit_price",
        [visit.id, service.id],
      );
      return rows[0];
    });
    expect(line.unit_price).toBe("30000.000");
    // the same, committed, then a price change
    const { rows } = await rootPool().query(
      "insert into app_public.visit_service (clinic_id, visit_id, service_id, quantity, unit_price) values ($1, $2, $3, 1, 1) returning id, unit_price",
      [clinic.clinicId, visit.id, service.id],
    );
    expect(rows[0].unit_price).toBe("30000.000"); // a client-supplied price is ignored
    await rootPool().query("update app_public.service set price = 45000 where id = $1", [service.id]);
    const after = await rootPool().query("select unit_price from app_public.visit_service where id = $1", [rows[0].id]);
    expect(after.rows[0].unit_price).toBe("30000.000");
    const history = await rootPool().query(
      "select price, effective_to is null as current from app_public.service_price where service_id = $1 order by effective_from",
      [service.id],
    );
    expect(history.rows).toEqual([
      { price: "30000.000", current: false },
      { price: "45000.000", current: true },
    ]);
  });

  test("a price change in a transaction begun before another's committed change follows it in the history", async () => {
    const service = await createService(clinic.clinicId, "10000");
    const admin = await openSession(clinic.members.admin.userId, clinic.clinicId);
    const early = await apiPool().connect();
    try {
      await beginAs(early, admin); // its now() is taken here
      await early.query("select 1");
      await new Promise((resolve) => setTimeout(resolve, 20));
      await committedAs(admin, (c) => c.query("update app_public.service set price = 12000 where id = $1", [service.id]));
      await early.query("update app_public.service set price = 15000 where id = $1", [service.id]);
      await early.query("commit");
    } finally {
      await early.query("rollback");
      early.release();
    }
    const { rows } = await rootPool().query(
      `select price, effective_to is null as current, effective_to >= effective_from as ordered,
              effective_from >= lag(effective_to) over (order by effective_from, effective_to nulls last) as follows
       from app_public.service_price where service_id = $1 order by effective_from, effective_to nulls last`,
      [service.id],
    );
    expect(rows).toEqual([
      { price: "10000.000", current: false, ordered: true, follows: null },
      { price: "12000.000", current: false, ordered: true, follows: true },
      { price: "15000.000", current: true, ordered: null, follows: true },
    ]);
  });

  test("are frozen once the visit is completed, cancelled or a no-show", async () => {
    const service = await createService(clinic.clinicId);
    for (const [status, words] of [["completed", "completed"], ["cancelled", "cancelled"], ["no_show", "no-show"]]) {
      const visit = await createVisit(clinic, status);
      await expect(
        rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [
          clinic.clinicId,
          visit.id,
          service.id,
        ]),
      ).rejects.toMatchObject({ code: "CTRAN", message: `The services of a ${words} visit are frozen.` });
    }
    // a service given before the patient was marked a no-show is kept as it was
    const missed = await createVisit(clinic);
    const { rows: [given] } = await rootPool().query(
      "insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id",
      [clinic.clinicId, missed.id, service.id],
    );
    await rootPool().query("update app_public.visit set status = 'no_show' where id = $1", [missed.id]);
    for (const change of ["update app_public.visit_service set quantity = 5 where id = $1", "delete from app_public.visit_service where id = $1"]) {
      await expect(rootPool().query(change, [given.id])).rejects.toMatchObject({ code: "CTRAN", message: "The services of a no-show visit are frozen." });
    }
    expect((await rootPool().query("select quantity from app_public.visit_service where id = $1", [given.id])).rows).toEqual([{ quantity: 1 }]);
    const visit = await createVisit(clinic, "in_progress");
    const { rows } = await rootPool().query(
      "insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id",
      [clinic.clinicId, visit.id, service.id],
    );
    await rootPool().query("update app_public.visit set status = 'completed' where id = $1", [visit.id]);
    await expect(rootPool().query("update app_public.visit_service set quantity = 5 where id = $1", [rows[0].id])).rejects.toMatchObject({
      code: "CTRAN",
    });
    await expect(rootPool().query("delete from app_public.visit_service where id = $1", [rows[0].id])).rejects.toMatchObject({
      code: "CTRAN",
    });
  });

  test("an inactive or deleted service cannot be added; a discount cannot exceed the line", async () => {
    const visit = await createVisit(clinic);
    const inactive = await createService(clinic.clinicId);
    await rootPool().query("update app_public.service set is_active = false where id = $1", [inactive.id]);
    await expect(
      rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [
        clinic.clinicId,
        visit.id,
        inactive.id,
      ]),
    ).rejects.toMatchObject({ code: "CINVL" });
    const service = await createService(clinic.clinicId, "100");
    await expect(
      rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id, quantity, discount) values ($1, $2, $3, 2, 250)", [
        clinic.clinicId,
        visit.id,
        service.id,
      ]),
    ).rejects.toMatchObject({ code: "23514" });
  });

  // a line of a service deleted or made inactive since had its quantity raised all the same (1 of a discontinued test
  // made 5, at its old price, and invoiced so): more of it is given only while it is in the catalog (000364)
  test("a line of a service deleted or made inactive since is given no more of it, and is still lowered, discounted and taken off", async () => {
    const doctor = clinic.members.doctor;
    const takenOut = ["update app_public.service set is_active = false where id = $1", "select app_public.delete_service($1)"];
    for (const statement of takenOut) {
      const visit = await createVisit(clinic, "in_progress");
      const service = await createService(clinic.clinicId, "100");
      const { rows } = await rootPool().query(
        "insert into app_public.visit_service (clinic_id, visit_id, service_id, quantity) values ($1, $2, $3, 3) returning id",
        [clinic.clinicId, visit.id, service.id],
      );
      const line = rows[0].id as string;
      await committedAs(await openSession(clinic.members.owner.userId, clinic.clinicId), (client) => client.query(statement, [service.id]));
      await asMember(doctor, async (client) => {
        await expect(client.query("update app_public.visit_service set quantity = 4 where id = $1", [line])).rejects.toMatchObject({
          code: "CINVL",
          message: "That service is no longer in this clinic's active catalog: a visit is given no more of it than it was (lower the quantity, or add an active service).",
        });
      });
      await committedAs(await openSession(doctor.userId, clinic.clinicId), (client) =>
        client.query("update app_public.visit_service set quantity = 2, discount = 50 where id = $1", [line]),
      );
      const { rows: kept } = await rootPool().query("select quantity, unit_price, discount from app_public.visit_service where id = $1", [line]);
      expect(kept[0]).toEqual({ quantity: 2, unit_price: "100.000", discount: "50.000" });
      await committedAs(await openSession(doctor.userId, clinic.clinicId), (client) =>
        client.query("delete from app_public.visit_service where id = $1", [line]),
      );
    }
  });

  // a visit's services came to at most 9999999999999.999 (000344), what its invoice's subtotal holds, but its tax came on top:
  // in a clinic with a tax, a visit of two services of 4,000,000,000,000 was completed and then could never be invoiced
  // ("A number is out of range.": its invoice's total overflowed); now they come to at most half of it (000349)
  test("come to at most 4999999999999.999 on a visit, so its invoice holds them with any tax: a service or a quantity past it is refused, and the visit is completed and invoiced", async () => {
    const taxed = await createClinic("Largest tax");
    await rootPool().query("update app_public.clinic set tax_rate = 0.999999 where id = $1", [taxed.clinicId]); // the largest a clinic may set
    const visit = await createVisit(taxed, "in_progress");
    const large = await createService(taxed.clinicId, "4000000000000");
    const doctor = await openSession(taxed.members.doctor.userId, taxed.clinicId);
    const add = (client: pg.ClientBase) => client.query("insert into app_public.visit_service (visit_id, service_id) values ($1, $2) returning id", [visit.id, large.id]);
    const refusal = {
      code: "CINVL",
      message:
        "A visit's services come to at most 4999999999999.999 in all (quantity × price, before discounts), so that its invoice holds them with any tax: check this service's quantity and price.",
    };
    const { rows: [line] } = await committedAs(doctor, add);
    await expect(committedAs(doctor, add)).rejects.toMatchObject(refusal); // 8,000,000,000,000 in all: its invoice's total would overflow with its tax
    await expect(committedAs(doctor, (c) => c.query("update app_public.visit_service set quantity = 2 where id = $1", [line.id]))).rejects.toMatchObject(refusal);
    const rest = await createService(taxed.clinicId, "999999999999.99");
    await committedAs(doctor, (c) => c.query("insert into app_public.visit_service (visit_id, service_id) values ($1, $2)", [visit.id, rest.id])); // up to the largest
    await committedAs(doctor, (c) => c.query("update app_public.visit set status = 'completed' where id = $1", [visit.id]));
    const invoice = await committedAs(await openSession(taxed.members.cashier.userId, taxed.clinicId), async (c) =>
      (await c.query("select subtotal::text, tax_total::text, total::text from app_public.create_invoice_from_visit($1)", [visit.id])).rows[0]);
    expect(invoice).toEqual({ subtotal: "4999999999999.990", tax_total: "4999994999999.990", total: "9999994999999.980" });
  });

  // a visit's services came to up to 9999999999999.999 before 000349: one of them above its half was refused every change
  // there (a discount, a quantity lowered), as if each made it larger, and only taking lines off was left (000354)
  test("a visit whose services came to more than 4999999999999.999 before the limit is given a discount and a quantity lowered, never a quantity raised or a service added", async () => {
    const visit = await createVisit(clinic, "in_progress");
    const service = await createService(clinic.clinicId, "1000000000000");
    const { rows: [line] } = await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id", [
      clinic.clinicId,
      visit.id,
      service.id,
    ]);
    await writeBehindTriggers("update app_public.visit_service set quantity = 6 where id = $1", [line.id]); // 6,000,000,000,000, as 000344 let it be
    const doctor = await openSession(clinic.members.doctor.userId, clinic.clinicId);
    const change = (sql: string) => committedAs(doctor, (c) => c.query(sql, [line.id]));
    await change("update app_public.visit_service set discount = 1000 where id = $1");
    await change("update app_public.visit_service set quantity = 5 where id = $1"); // 5,000,000,000,000: still past the limit, and smaller
    const refusal = { code: "CINVL", message: expect.stringMatching(/^A visit's services come to at most 4999999999999.999 in all/) };
    await expect(change("update app_public.visit_service set quantity = 6 where id = $1")).rejects.toMatchObject(refusal);
    await expect(
      committedAs(doctor, (c) => c.query("insert into app_public.visit_service (visit_id, service_id) values ($1, $2)", [visit.id, service.id])),
    ).rejects.toMatchObject(refusal);
    const { rows } = await rootPool().query("select quantity, discount::text from app_public.visit_service where visit_id = $1", [visit.id]);
    expect(rows).toEqual([{ quantity: 5, discount: "1000.000" }]);
  });

  /** A service given on a visit under way (at 30000), written as an operator would, and a reader of its row. */
  async function givenService() {
    const service = await createService(clinic.clinicId, "30000");
    const visit = await createVisit(clinic, "in_progress");
    const { rows: [line] } = await rootPool().query(
      "insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id",
      [clinic.clinicId, visit.id, service.id],
    );
    const stored = async () =>
      (await rootPool().query("select visit_id, service_id, quantity, unit_price::text from app_public.visit_service where id = $1", [line.id])).rows[0];
    return { id: line.id as string, visitId: visit.id, serviceId: service.id, stored };
  }

  test("keep their visit and service once added, even written from an operator's psql: remove the line and add another", async () => {
    const line = await givenService();
    const [other, otherVisit] = [await createService(clinic.clinicId, "500"), await createVisit(clinic, "in_progress")];
    // an operator's psql (root, past the column grants): the snapshot trigger alone keeps the line what it was
    for (const [column, value] of [["service_id", other.id], ["visit_id", otherVisit.id]]) {
      await expect(rootPool().query(`update app_public.visit_service set ${column} = $2 where id = $1`, [line.id, value])).rejects.toMatchObject({
        code: "CINVL",
        message: "Remove the line and add another instead of changing its visit or service.",
      });
    }
    expect(await line.stored()).toEqual({ visit_id: line.visitId, service_id: line.serviceId, quantity: 1, unit_price: "30000.000" });
  });

  test("keep their price snapshot when changed, even when an operator's psql writes another price", async () => {
    const line = await givenService();
    await rootPool().query("update app_public.visit_service set quantity = 2, unit_price = 1 where id = $1", [line.id]);
    expect(await line.stored()).toEqual({ visit_id: line.visitId, service_id: line.serviceId, quantity: 2, unit_price: "30000.000" });
  });

  test("two services added to a visit at once take the next two places, one after the other", async () => {
    const own = await createClinic("Two services at once");
    const [visit, first, second] = [await createVisit(own, "in_progress"), await createService(own.clinicId), await createService(own.clinicId)];
    const ADD_PLACED = "insert into app_public.visit_service (visit_id, service_id) values ($1, $2) returning position";
    await atOnce(own.members.doctor, own.members.owner, async (doctor, owner) => {
      expect((await doctor.query(ADD_PLACED, [visit.id, first.id])).rows).toEqual([{ position: 1 }]);
      // the doctor's line holds its visit's lock until commit: the owner's waits for it, then takes the next place
      const adding = outcome(owner.query(ADD_PLACED, [visit.id, second.id]));
      expect(await waitsForLock(owner, adding)).toBe(true);
      await doctor.query("commit");
      expect(await adding).toEqual([{ position: 2 }]);
      await owner.query("commit");
    });
  });

  // a price change in flight (its service row and the clinic's audit chain held until it commits): a doctor's line of
  // that service waited for it (for the chain, in its audit entry) and was then written at the price the change had
  // replaced, read before it waited; and a quantity raised so was at the old price after the new one committed (000513)
  describe("and a price change of their service at the same moment", () => {
    const RAISE = "update app_public.visit_service set quantity = 3 where id = $1 returning quantity, unit_price";
    const REPRICE = "update app_public.service set price = 8000 where id = $1";

    /** The lines of a visit in their order: quantity and price charged, beside the history's price at their created_at and the catalog's. */
    async function chargedLines(visitId: string) {
      return (await rootPool().query(
        `select l.quantity, l.unit_price, app_public.service_price_at(s, l.created_at) as price_then, s.price as price_now
         from app_public.visit_service l join app_public.service s on s.clinic_id = l.clinic_id and s.id = l.service_id
         where l.visit_id = $1 order by l.position`,
        [visitId],
      )).rows;
    }

    /**
     * A service of 5000 added to a visit by the doctor (or, `raise`, its line of quantity 1 raised to 3) while the admin
     * changes its price to 8000, the doctor's transaction begun first or second (its created_at, now(), before or after
     * the change's): what the doctor's statement answered, and the line beside the history's price at its created_at
     * and the catalog's.
     */
    async function writtenWhileRepriced(begunFirst: "doctor" | "admin", write: "add" | "raise" = "add") {
      const own = await createClinic("Price change race");
      const [visit, service] = [await createVisit(own, "in_progress"), await createService(own.clinicId, "5000")];
      const made = write === "raise"
        ? (await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id",
          [own.clinicId, visit.id, service.id])).rows[0].id
        : null;
      const [first, second] = begunFirst === "doctor" ? [own.members.doctor, own.members.admin] : [own.members.admin, own.members.doctor];
      let written: unknown;
      await atOnce(first, second, async (one, two) => {
        const [doctor, admin] = begunFirst === "doctor" ? [one, two] : [two, one];
        await admin.query(REPRICE, [service.id]);
        const writing = outcome(made ? doctor.query(RAISE, [made]) : doctor.query(ADD, [visit.id, service.id]));
        expect(await waitsForLock(doctor, writing)).toBe(true);
        await admin.query("commit");
        written = await writing;
        await doctor.query("commit");
      });
      return { written, lines: await chargedLines(visit.id) };
    }

    test("a service added while its price is being changed waits for the change and is charged the new price, as the history says", async () => {
      expect(await writtenWhileRepriced("admin")).toEqual({
        written: [{ unit_price: "8000.000" }],
        lines: [{ quantity: 1, unit_price: "8000.000", price_then: "8000.000", price_now: "8000.000" }],
      });
    });

    // a doctor's request begun a moment before the change's (now() its transaction's start, the line's created_at): its
    // line waited for the change and was charged the new price, the history saying the old one was in force when the
    // line was made (000515: the line is charged the price the history gives at its created_at)
    test("a service added by a request begun before the price change, which it waits for, is charged the price the history gives when it was made", async () => {
      expect(await writtenWhileRepriced("doctor")).toEqual({
        written: [{ unit_price: "5000.000" }],
        lines: [{ quantity: 1, unit_price: "5000.000", price_then: "5000.000", price_now: "8000.000" }],
      });
    });

    test("a quantity raised while its price is being changed waits for the change and is refused, the line kept as it was", async () => {
      expect(await writtenWhileRepriced("admin", "raise")).toEqual({
        written: "CINVL",
        lines: [{ quantity: 1, unit_price: "5000.000", price_then: "5000.000", price_now: "8000.000" }],
      });
    });

    // a request begun before the change it waits for is raised at the price in force at its time, as a line it adds is
    // charged (000516: it compared the catalog's new price)
    test("a quantity raised by a request begun before the price change, which it waits for, is raised at the price the history gives when it began", async () => {
      expect(await writtenWhileRepriced("doctor", "raise")).toEqual({
        written: [{ quantity: 3, unit_price: "5000.000" }],
        lines: [{ quantity: 3, unit_price: "5000.000", price_then: "5000.000", price_now: "8000.000" }],
      });
    });

    test("an import that has written the clinic already adds the service at the price it reads, the change then waiting for it", async () => {
      const own = await createClinic("Price change race");
      const [visit, service] = [await createVisit(own, "in_progress"), await createService(own.clinicId, "5000")];
      const importer = await rootPool().connect();
      const admin = await apiPool().connect();
      try {
        await importer.query("begin");
        await importer.query("update app_public.visit set reason = 'imported' where id = $1", [visit.id]); // holds the chain
        await beginAs(admin, await openSession(own.members.admin.userId, own.clinicId));
        const changing = outcome(admin.query(REPRICE, [service.id]));
        await until(async () => (await rootPool().query("select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query = $1", [REPRICE])).rows[0].n > 0);
        const { rows } = await importer.query(
          "insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning unit_price",
          [own.clinicId, visit.id, service.id],
        );
        expect(rows).toEqual([{ unit_price: "5000.000" }]);
        await importer.query("commit");
        expect(await changing).toEqual([]);
        await admin.query("commit");
      } finally {
        await importer.query("rollback");
        await admin.query("rollback");
        importer.release();
        admin.release();
      }
    });

    /**
     * An operator's import (root's psql, one transaction) begun before an admin changes the service's price from 5000 to
     * 8000 and commits: `lines` runs in it once the change has committed, and its lines are then read beside the
     * history's price at their created_at.
     */
    async function importedAfterRepricing(lines: (importer: pg.ClientBase, add: () => Promise<unknown>, serviceId: string) => Promise<void>) {
      const own = await createClinic("Import and price change");
      const [visit, service] = [await createVisit(own, "in_progress"), await createService(own.clinicId, "5000")];
      const importer = await rootPool().connect();
      try {
        await importer.query("begin");
        await committedAs(await openSession(own.members.admin.userId, own.clinicId), (c) => c.query(REPRICE, [service.id]));
        const add = async () =>
          (await importer.query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3) returning id, unit_price",
            [own.clinicId, visit.id, service.id])).rows[0];
        await lines(importer, add, service.id);
        await importer.query("commit");
      } finally {
        await importer.query("rollback");
        importer.release();
      }
      return chargedLines(visit.id);
    }

    // its first line, holding no audit chain head yet, was charged the history's price at its created_at (5000), and the
    // lines after it, once its audit entry held the head, the catalog's (8000); and the first line's quantity raised was
    // refused, naming the two (000516: every line is charged the price in force at its transaction's time)
    test("an import begun before a price change committed meanwhile charges each of its lines the price the history gives at its time, and raises them", async () => {
      const lines = await importedAfterRepricing(async (importer, add) => {
        const first = (await add()) as { id: string };
        await add();
        await importer.query("update app_public.visit_service set quantity = 3 where id = $1", [first.id]);
      });
      const charged = { unit_price: "5000.000", price_then: "5000.000", price_now: "8000.000" };
      expect(lines).toEqual([{ quantity: 3, ...charged }, { quantity: 1, ...charged }]);
    });

    test("an import that sets a price itself, after a change committed meanwhile or twice, charges its lines the price it set", async () => {
      const lines = await importedAfterRepricing(async (importer, add, service) => {
        await importer.query("savepoint own_change");
        await importer.query("update app_public.service set price = 9000 where id = $1", [service]); // opens after the admin's
        await importer.query("release savepoint own_change");
        await add();
        await importer.query("update app_public.service set price = 9500 where id = $1", [service]); // a microsecond after its first
        await add();
      });
      expect(lines.map((line) => [line.unit_price, line.price_now])).toEqual([["9000.000", "9500.000"], ["9500.000", "9500.000"]]);
    });
  });

  describe("and a completion at the same moment", () => {
    const COMPLETE = "update app_public.visit set status = 'completed' where id = $1 returning status";

    test("a service added while the visit is being completed waits for it, then finds the services frozen", async () => {
      const own = await createClinic("Completion race");
      const [visit, service] = [await createVisit(own, "in_progress"), await createService(own.clinicId)];
      await atOnce(own.members.owner, own.members.doctor, async (owner, doctor) => {
        expect((await owner.query(COMPLETE, [visit.id])).rows).toEqual([{ status: "completed" }]);
        const adding = outcome(doctor.query(ADD, [visit.id, service.id]));
        expect(await waitsForLock(doctor, adding)).toBe(true);
        await owner.query("commit");
        expect(await adding).toBe("CTRAN");
        await doctor.query("commit");
      });
      const { rows } = await rootPool().query("select count(*)::int as lines from app_public.visit_service where visit_id = $1", [visit.id]);
      expect(rows).toEqual([{ lines: 0 }]);
    });

    test("a completion while a service is being added waits for it, and the day's completed value counts it", async () => {
      const own = await createClinic("Completion race");
      const [visit, service] = [await createVisit(own, "in_progress"), await createService(own.clinicId, "40000")];
      await atOnce(own.members.doctor, own.members.owner, async (doctor, owner) => {
        expect((await doctor.query(ADD, [visit.id, service.id])).rows).toEqual([{ unit_price: "40000.000" }]);
        const completing = outcome(owner.query(COMPLETE, [visit.id]));
        expect(await waitsForLock(owner, completing)).toBe(true);
        await doctor.query("commit");
        expect(await completing).toEqual([{ status: "completed" }]);
        await owner.query("commit");
      });
      const { rows } = await rootPool().query(
        "select sum(completed_value) as value from app_private.daily_visits where clinic_id = $1 and status = 'completed'",
        [own.clinicId],
      );
      expect(rows).toEqual([{ value: "40000.000" }]);
    });
  });
});

// a doctor's double click on "add service", or a browser's retry after a lost answer, added the service twice, and its
// invoice billed the patient twice (000426: create_visit_service, with an idempotency key as invoice lines have)
describe("a service added to a visit with an idempotency key", () => {
  const ADD = `select s.id, s.quantity, s.discount::text from app_public.create_visit_service(jsonb_populate_record(null::app_public.visit_service,
    jsonb_strip_nulls(jsonb_build_object('visit_id', $1::uuid, 'service_id', $2::uuid, 'quantity', $3::int, 'discount', $4::numeric, 'idempotency_key', $5::text)))) s`;
  const add = (client: pg.ClientBase, visitId: string, serviceId: string, key: string | null, quantity: number | null = null, discount: string | null = null) =>
    client.query(ADD, [visitId, serviceId, quantity, discount, key]).then((r) => r.rows[0] as { id: string; quantity: number; discount: string });
  const lines = async (visitId: string) =>
    (await rootPool().query("select id, idempotency_key from app_public.visit_service where visit_id = $1 order by position", [visitId])).rows;

  test("sent twice (a double click, a retry) is added once: the same key again answers the first line, quantity and discount left out as 1 and none", async () => {
    const own = await createClinic("Service clicked twice");
    const [visit, service] = [await createVisit(own, "in_progress"), await createService(own.clinicId)];
    const session = await openSession(own.members.doctor.userId, own.clinicId);
    const first = await committedAs(session, (c) => add(c, visit.id, service.id, "add-service-1"));
    expect(first).toMatchObject({ quantity: 1, discount: "0.000" });
    expect(await committedAs(session, (c) => add(c, visit.id, service.id, "add-service-1"))).toEqual(first);
    expect(await committedAs(session, (c) => add(c, visit.id, service.id, "add-service-1", 1, "0"))).toEqual(first);
    // an owner retrying the doctor's request (another tab, the same desk) is answered the same line
    expect(await asMember(own.members.owner, (c) => add(c, visit.id, service.id, "add-service-1"))).toEqual(first);
    expect(await lines(visit.id)).toEqual([{ id: first.id, idempotency_key: "add-service-1" }]);
    // the front desk, who may not add services, is refused with the key too, not answered the line
    await expect(asMember(own.members.receptionist, (c) => add(c, visit.id, service.id, "add-service-1"))).rejects.toMatchObject({
      code: "CFORB", message: "Only the visit's doctor, an owner or an admin adds services to a visit, in their own clinic.",
    });
    // without a key each request is a line, as ever; a key of white space alone is refused before it is looked up
    await committedAs(session, (c) => add(c, visit.id, service.id, null));
    expect(await lines(visit.id)).toHaveLength(2);
    await expect(asMember(own.members.doctor, (c) => add(c, visit.id, service.id, " \u200b"))).rejects.toMatchObject({
      code: "CINVL",
      message: "An idempotency key cannot be white space alone: send one per service of a visit you mean, or none.",
    });
  });

  test("sent twice at the same moment is added once: the second waits for the first's key and answers its line", async () => {
    const own = await createClinic("Service clicked twice at once");
    const [visit, service] = [await createVisit(own, "in_progress"), await createService(own.clinicId)];
    await atOnce(own.members.doctor, own.members.doctor, async (first, second) => {
      const added = await add(first, visit.id, service.id, "at-once", 2);
      const again = outcome(second.query(ADD, [visit.id, service.id, 2, null, "at-once"]));
      expect(await waitsForLock(second, again)).toBe(true);
      await first.query("commit");
      expect(await again).toEqual([added]);
      await second.query("commit");
    });
    expect(await lines(visit.id)).toHaveLength(1);
  });

  test("the same key for another visit, service, quantity or discount is CONFLICT naming what differs, nothing added; a line changed since is compared as it is now", async () => {
    const own = await createClinic("Service key reused");
    const [visit, otherVisit, service, other] = [
      await createVisit(own, "in_progress"), await createVisit(own, "in_progress"), await createService(own.clinicId), await createService(own.clinicId)];
    const session = await openSession(own.members.doctor.userId, own.clinicId);
    const first = await committedAs(session, (c) => add(c, visit.id, service.id, "reused", 2, "100"));
    const conflict = (what: string) => ({
      code: "CCONF",
      message: `This idempotency key was already used for a different service of a visit (another ${what}): send a new key for another line.`,
    });
    await expect(asMember(own.members.doctor, (c) => add(c, visit.id, service.id, "reused", 3, "100"))).rejects.toMatchObject(conflict("quantity"));
    await expect(asMember(own.members.doctor, (c) => add(c, visit.id, service.id, "reused", 2))).rejects.toMatchObject(conflict("discount"));
    await expect(asMember(own.members.doctor, (c) => add(c, visit.id, other.id, "reused", 1))).rejects.toMatchObject(conflict("service, quantity and discount"));
    await expect(asMember(own.members.doctor, (c) => add(c, otherVisit.id, service.id, "reused", 2, "100"))).rejects.toMatchObject(conflict("visit"));
    // the line's quantity changed since: the first request sent again is CONFLICT too (read the line by its key instead)
    await committedAs(session, (c) => c.query("update app_public.visit_service set quantity = 4 where id = $1", [first.id]));
    await expect(asMember(own.members.doctor, (c) => add(c, visit.id, service.id, "reused", 2, "100"))).rejects.toMatchObject(conflict("quantity"));
    expect(await asMember(own.members.doctor, (c) => add(c, visit.id, service.id, "reused", 4, "100"))).toEqual({ ...first, quantity: 4 });
    expect(await lines(visit.id)).toEqual([{ id: first.id, idempotency_key: "reused" }]);
    expect(await lines(otherVisit.id)).toEqual([]);
  });

  test("the key of a line taken off the visit since stays spent: a late retry is CONFLICT, nothing added again", async () => {
    const own = await createClinic("Service taken off");
    const [visit, service] = [await createVisit(own, "in_progress"), await createService(own.clinicId)];
    const session = await openSession(own.members.doctor.userId, own.clinicId);
    const first = await committedAs(session, (c) => add(c, visit.id, service.id, "taken-off"));
    await committedAs(session, (c) => c.query("delete from app_public.visit_service where id = $1", [first.id]));
    await expect(asMember(own.members.doctor, (c) => add(c, visit.id, service.id, "taken-off"))).rejects.toMatchObject({
      code: "CCONF",
      message: "The service added to a visit with this idempotency key was taken off since: add it again with a new key if it is still meant.",
    });
    // a doctor who does not see that visit is not told of it, and adds nothing under the spent key either
    const otherDoctor = await addMember(own.clinicId, await createUser(), "doctor");
    const theirs = await rootPool().query(
      "insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at, status) values ($1, $2, $3, now(), 'scheduled') returning id",
      [own.clinicId, visit.patientId, otherDoctor.membershipId]);
    await expect(asMember(otherDoctor, (c) => add(c, theirs.rows[0].id, service.id, "taken-off"))).rejects.toMatchObject({
      code: "CCONF", message: "This idempotency key was already used for a different service of a visit.",
    });
    expect(await lines(visit.id)).toEqual([]);
    expect(await lines(theirs.rows[0].id)).toEqual([]);
    // a new key adds it again
    await committedAs(session, (c) => add(c, visit.id, service.id, "taken-off-2"));
    expect(await lines(visit.id)).toEqual([{ id: expect.any(String), idempotency_key: "taken-off-2" }]);
  });

  test("keys are the clinic's own: another clinic's same key adds its own line, and is told nothing of the first", async () => {
    const [a, b] = [await createClinic("Service key clinic A"), await createClinic("Service key clinic B")];
    const [visitA, serviceA, visitB, serviceB] = [await createVisit(a, "in_progress"), await createService(a.clinicId), await createVisit(b, "in_progress"), await createService(b.clinicId)];
    const inA = await committedAs(await openSession(a.members.doctor.userId, a.clinicId), (c) => add(c, visitA.id, serviceA.id, "shared-key", 2));
    const inB = await committedAs(await openSession(b.members.doctor.userId, b.clinicId), (c) => add(c, visitB.id, serviceB.id, "shared-key"));
    expect(inB.id).not.toBe(inA.id);
    // B's line taken off: A's key is still A's line, and B's is spent in B alone
    await committedAs(await openSession(b.members.doctor.userId, b.clinicId), (c) => c.query("delete from app_public.visit_service where id = $1", [inB.id]));
    expect(await asMember(a.members.doctor, (c) => add(c, visitA.id, serviceA.id, "shared-key", 2))).toEqual(inA);
    // B's key is spent in B, whatever its request names; A's visit under another key is no visit of B's
    await expect(asMember(b.members.doctor, (c) => add(c, visitA.id, serviceA.id, "shared-key", 2))).rejects.toMatchObject({
      code: "CCONF", message: "The service added to a visit with this idempotency key was taken off since: add it again with a new key if it is still meant.",
    });
    await expect(asMember(b.members.doctor, (c) => add(c, visitA.id, serviceA.id, "b-key"))).rejects.toMatchObject({ code: "CNOTF" });
    expect(await lines(visitA.id)).toEqual([{ id: inA.id, idempotency_key: "shared-key" }]);
    expect(await lines(visitB.id)).toEqual([]);
  });
});

// the API plans a list for any clinic and doctor: priced as the average clinic's share of the average doctor's visits (a
// few), a doctor's newest visits read all of theirs and sorted them for a page of 20 (1,488 at 200 clinics, 000391)
test("a doctor's newest visits are a page read from the index of the clinic's doctors in its order, however many visits the doctor has", async () => {
  const busy = await createClinic("Busy doctor clinic");
  const patient = await createPatient(busy.clinicId);
  await writeBehindTriggers(
    `insert into app_public.visit (clinic_id, code, patient_id, doctor_id, scheduled_at, status, checked_in_at, started_at, completed_at)
     select $1, 'VIS-' || lpad(g::text, 6, '0'), $2, $3, t, 'completed', t, t + interval '10 minutes', t + interval '30 minutes'
     from generate_series(1, 3000) g cross join lateral (select date_trunc('hour', now()) - g * interval '1 hour' as t) at`,
    [busy.clinicId, patient.id, busy.members.doctor.membershipId],
  );
  // 500 clinics of two doctors, each doctor's 100 visits (written, rolled back after): priced as independent, one
  // clinic's visits of one doctor are none at all, and are sorted whole; as a doctor's, they are more than a page
  const plan = await pageAsTheApiPlansIt(busy.members.receptionist, "app_public.visit", {},
    `select __visit__."id" as "0" from "app_public"."visit" as __visit__ where (__visit__."doctor_id" = $1::"uuid")
     order by __visit__."scheduled_at" desc, __visit__."clinic_id" desc, __visit__."id" desc limit 21`,
    busy.members.doctor.membershipId,
    `insert into app_public.visit (clinic_id, code, patient_id, doctor_id, scheduled_at)
     select c, 'VIS-' || lpad((d * 100 + g)::text, 6, '0'), gen_random_uuid(), doctor, now() + g * interval '1 hour'
     from (select gen_random_uuid() as c from generate_series(1, 500)) clinics
     cross join lateral (select d, gen_random_uuid() as doctor from generate_series(0, 1) d where c is not null) doctors cross join generate_series(1, 100) g`);
  // the session's clinic, an InitPlan's value: `$n` in PostgreSQL 15's EXPLAIN, `(InitPlan n).col1` in 17's
  expect(plan).toMatch(/Index Scan Backward using visit_clinic_doctor_idx on visit __visit__ \(actual rows=\d+ [^\n]*\n\s+Index Cond: \(\(clinic_id = (?:\$\d+|\(InitPlan \d+\)\.col1)\) AND \(doctor_id = \$1\)\)/);
  expect(Number(/visit_clinic_doctor_idx on visit __visit__ \(actual rows=(\d+)/.exec(plan)?.[1])).toBeLessThanOrEqual(22);
  expect(plan).not.toMatch(/(^|->  )Sort /m);
});
