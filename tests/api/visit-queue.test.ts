/**
 * The live visit queue over GraphQL websockets: the front desk hears about
 * its own clinic's visits, never another clinic's, a doctor only about their
 * own, and only while the session lives; pages of other sites cannot open the
 * websocket with its cookie.
 */
import { createClient, type Client } from "graphql-ws";
import jwt from "jsonwebtoken";
import { connect, createServer, type AddressInfo } from "node:net";
import pg from "pg";
import WebSocket from "ws";
import { apiPool, closeRootPool, rootPool, schemaCopy } from "../support/database.ts";
import { addMember, committedAs, createClinic, createPatient, createUser, createVisit, openSession, randomPhone, type TestClinic, type TestMember } from "../support/fixtures.ts";
import { Browser, startApi, TEST_JWT_SECRET, type TestApi } from "../support/api.ts";
import { beginWhenFree, trackBackend } from "../support/locks.ts";
import { linesLoggedBy } from "../support/logs.ts";
import { until } from "../support/until.ts";
import { listenerOn } from "../../server/listening-connection.ts";

let api: TestApi;
let a: TestClinic;
let b: TestClinic;

beforeAll(async () => {
  // the sessions behind websockets are not checked on this server: a revocation is heard at the next event below
  api = await startApi({}, { sessionCheckMs: 3_600_000 });
  a = await createClinic("Queue A");
  b = await createClinic("Queue B");
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

/** A websocket client that sends the browser's session cookie on the upgrade request (and the page's origin, if given). */
function wsClientFor(browser: Browser, origin?: string, server: TestApi = api): Client {
  const cookie = browser.cookie ?? "";
  class CookieWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie }, origin });
    }
  }
  return createClient({ url: `${server.url.replace("http", "ws")}/graphql`, webSocketImpl: CookieWebSocket, retryAttempts: 0 });
}

interface QueueEvent {
  status: string;
  visit: { code: string; clinicId: string } | null;
  /** The visit's id, in an event telling that it left the subscriber's list (and only there). */
  left?: string;
}

/**
 * Ids of the visits the tests notify about only to learn that a subscription listens: not events of any test.
 * Known before the visit is written, since its insert is heard at once, maybe before the insert's own answer.
 */
const probes = new Set<string>();

/** How a subscription ended: the server completed it, or it (or the connection) failed. */
type Ending = "complete" | "error";

/**
 * Subscribes to the queue: its events go to `received` (those of probes to `onProbe`, by the probe's id, instead; its
 * first, `listening`, to `onListening`), its errors to `errors`; answers how it ended. The visit's patient is read too, as a front
 * desk's list does: an event's delivery then waits for a lock on the patients, which the check whether the session may
 * see the visit does not read.
 */
function collect(client: Client, received: QueueEvent[], errors: unknown[], onProbe = (_probeId: string) => {}, onListening = () => {}): Promise<Ending> {
  return new Promise((resolve) => {
    client.subscribe<{ visitQueueChanged: QueueEvent & { visit: { rowId: string } | null; visitId: string; leftYourList: boolean; listening: boolean } }>(
      { query: "subscription { visitQueueChanged { status visit { rowId code clinicId patient { code } } visitId leftYourList listening } }" },
      {
        next: (message) => {
          if (message.errors) errors.push(message.errors);
          const event = message.data?.visitQueueChanged;
          if (!event) return;
          if (event.listening) return onListening();
          if (event.visit && probes.has(event.visit.rowId)) return onProbe(event.visit.rowId);
          const visit = event.visit && { code: event.visit.code, clinicId: event.visit.clinicId };
          received.push({ status: event.status, visit, ...(event.leftYourList ? { left: event.visitId } : {}) });
        },
        error: (error) => {
          errors.push(error);
          resolve("error");
        },
        complete: () => resolve("complete"),
      },
    );
  });
}

/** Subscribes until the subscription ends (a refusal ends it) or 3 s pass; what it is told goes to `errors`. */
async function refusalOf(client: Client, errors: unknown[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([collect(client, [], errors), new Promise((resolve) => (timer = setTimeout(resolve, 3000)))]);
  clearTimeout(timer); // left, it kept the file's process alive past its tests
}

/**
 * Notifies a clinic's queue channels (which only the database owner, or a superuser as here, can name) with `payload`:
 * the clinic's, and each of its doctors' (a doctor's session listens on their own).
 */
const notifyQueue = (clinicId: string, payload: string) =>
  rootPool().query(
    "select app_private.notify_visit_queue($1, array(select id from app_public.membership where clinic_id = $1 and role = 'doctor'), $2)",
    [clinicId, payload],
  );

/** A new probe visit of `clinic`, `probeDoctor`'s (whom the subscriber sees); its insert is notified like any visit's. */
async function insertProbe(clinic: TestClinic, probeDoctor: TestMember): Promise<string> {
  const patient = await createPatient(clinic.clinicId);
  const probeId = crypto.randomUUID();
  probes.add(probeId);
  await rootPool().query("insert into app_public.visit (id, clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, $4, now())", [
    probeId,
    clinic.clinicId,
    patient.id,
    probeDoctor.membershipId,
  ]);
  return probeId;
}

/**
 * A member (by default A's receptionist), logged in and subscribed to their clinic's queue (on the test's server, or
 * another on the same database), once the subscription listens: its first event (`listening`) says so. `caughtUp` waits until it has handled every
 * notification sent so far (another subscriber's probes included): a subscriber handles its notifications one
 * after the other, so once it hears a new probe's insert (notified once, as it already listens), it has handled
 * every one sent before.
 */
async function subscribedDesk(
  member: TestMember = a.members.receptionist,
  server: TestApi = api,
  clinic: TestClinic = a,
): Promise<{ desk: Browser; client: Client; received: QueueEvent[]; errors: unknown[]; ended: Promise<Ending>; caughtUp(): Promise<void> }> {
  const probeDoctor = member.role === "doctor" ? member : clinic.members.doctor;
  const desk = new Browser(api);
  await desk.login(member.phone, member.password);
  const client = wsClientFor(desk, undefined, server);
  const received: QueueEvent[] = [];
  const errors: unknown[] = [];
  const heard = new Set<string>();
  let listens = false;
  const ended = collect(client, received, errors, (probeId) => void heard.add(probeId), () => void (listens = true));
  await until(() => listens || errors.length > 0, 20_000);
  if (!listens) throw new Error(`the subscription did not say it listens: ${JSON.stringify(errors)}`);
  const caughtUp = async () => {
    const next = await insertProbe(clinic, probeDoctor);
    await until(() => heard.has(next) || errors.length > 0, 20_000);
    if (!heard.has(next)) throw new Error(`the subscription did not hear its probe: ${JSON.stringify(errors)}`);
  };
  return { desk, client, received, errors, ended, caughtUp };
}

test("the front desk of A hears A's visits change status, and nothing of B's", async () => {
  const { desk: deskA, client, received, errors } = await subscribedDesk();

  const visitOfB = await createVisit(b);
  await rootPool().query("update app_public.visit set status = 'checked_in' where id = $1", [visitOfB.id]);
  const visitOfA = await createVisit(a);
  await until(() => received.length >= 1); // each event reads the visit as it is then
  await deskA.graphql(
    `mutation($c: UUID!, $id: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { status: checked_in } }) { visit { status } } }`,
    { c: a.clinicId, id: visitOfA.id },
  );
  await until(() => received.length >= 2);
  await new Promise((r) => setTimeout(r, 300)); // anything late from B would arrive now
  await client.dispose();

  expect(errors).toEqual([]);
  expect(received).toEqual([
    { status: "scheduled", visit: { code: visitOfA.code, clinicId: a.clinicId } },
    { status: "checked_in", visit: { code: visitOfA.code, clinicId: a.clinicId } },
  ]);
});

test("a doctor hears their own visits only: nothing at all of another doctor's", async () => {
  const otherDoctor = await addMember(a.clinicId, await createUser(), "doctor");
  const { client, received, errors } = await subscribedDesk(a.members.doctor);

  const patient = await createPatient(a.clinicId);
  const { rows } = await rootPool().query(
    "insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now()) returning id",
    [a.clinicId, patient.id, otherDoctor.membershipId],
  );
  await rootPool().query("update app_public.visit set status = 'checked_in' where id = $1", [rows[0].id]);
  const own = await createVisit(a);
  await until(() => received.length >= 1);
  await new Promise((r) => setTimeout(r, 300)); // anything late of the other doctor's would arrive now
  await client.dispose();

  expect(errors).toEqual([]);
  expect(received).toEqual([{ status: "scheduled", visit: { code: own.code, clinicId: a.clinicId } }]);
});

test("a visit moved to another time, handed to another doctor, or given another patient or reason is heard: the front desk hears each, the new doctor what follows the handover", async () => {
  const newDoctor = await addMember(a.clinicId, await createUser(), "doctor");
  const front = await subscribedDesk();
  const taking = await subscribedDesk(newDoctor);
  const visit = await createVisit(a);
  await until(() => front.received.length >= 1);
  const UPDATE = `mutation($c: UUID!, $id: UUID!, $p: VisitPatch!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: $p }) { visit { status } } }`;
  const later = new Date(Date.now() + 3 * 3600_000).toISOString();
  expect((await front.desk.graphql(UPDATE, { c: a.clinicId, id: visit.id, p: { scheduledAt: later } })).body.errors).toBeUndefined();
  await until(() => front.received.length >= 2);
  expect((await front.desk.graphql(UPDATE, { c: a.clinicId, id: visit.id, p: { doctorId: newDoctor.membershipId } })).body.errors).toBeUndefined();
  await until(() => front.received.length >= 3 && taking.received.length >= 1);
  // another patient, or another reason, before check-in: the queue shows both (it kept the first patient)
  const other = await createPatient(a.clinicId);
  expect((await front.desk.graphql(UPDATE, { c: a.clinicId, id: visit.id, p: { patientId: other.id } })).body.errors).toBeUndefined();
  await until(() => front.received.length >= 4);
  expect((await front.desk.graphql(UPDATE, { c: a.clinicId, id: visit.id, p: { reason: "Follow-up" } })).body.errors).toBeUndefined();
  await until(() => front.received.length >= 5 && taking.received.length >= 3);
  // an update that changes none of them is not an event
  expect((await front.desk.graphql(UPDATE, { c: a.clinicId, id: visit.id, p: { doctorId: newDoctor.membershipId } })).body.errors).toBeUndefined();
  await new Promise((r) => setTimeout(r, 300));
  await front.client.dispose();
  await taking.client.dispose();
  const heard = { status: "scheduled", visit: { code: visit.code, clinicId: a.clinicId } };
  expect({ front: front.received, errors: front.errors }).toEqual({ front: [heard, heard, heard, heard, heard], errors: [] });
  expect({ taking: taking.received, errors: taking.errors }).toEqual({ taking: [heard, heard, heard], errors: [] });
});

test("a visit handed to another doctor tells the doctor it was taken from that it left their list, without the visit; not another doctor, nor another clinic", async () => {
  const taking = await addMember(a.clinicId, await createUser(), "doctor");
  const bystander = await addMember(a.clinicId, await createUser(), "doctor");
  const giving = await subscribedDesk(a.members.doctor);
  const other = await subscribedDesk(bystander);
  const otherClinic = await subscribedDesk(b.members.doctor, api, b);
  const visit = await createVisit(a, "checked_in");
  await until(() => giving.received.length >= 2); // booked, checked in: heard before the handover, while theirs
  const front = new Browser(api);
  await front.login(a.members.receptionist.phone, a.members.receptionist.password);
  const handOver = await front.graphql(
    `mutation($c: UUID!, $id: UUID!, $d: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { doctorId: $d } }) { visit { doctorId } } }`,
    { c: a.clinicId, id: visit.id, d: taking.membershipId },
  );
  expect(handOver.body.errors).toBeUndefined();
  await until(() => giving.received.length >= 3, 5000);
  await Promise.all([giving.caughtUp(), other.caughtUp(), otherClinic.caughtUp()]);
  await Promise.all([giving.client.dispose(), other.client.dispose(), otherClinic.client.dispose()]);

  expect({ giving: giving.received, errors: giving.errors }).toEqual({
    giving: [
      { status: "scheduled", visit: { code: visit.code, clinicId: a.clinicId } },
      { status: "checked_in", visit: { code: visit.code, clinicId: a.clinicId } },
      { status: null, visit: null, left: visit.id },
    ],
    errors: [],
  });
  expect({ other: other.received, otherClinic: otherClinic.received }).toEqual({ other: [], otherClinic: [] });
});

test("a patient renamed is heard at each of their visits still under way, by the front desk and the visit's doctor: not at a visit that ended, nor at another change of the patient", async () => {
  const front = await subscribedDesk();
  const doctor = await subscribedDesk(a.members.doctor);
  const waiting = await createVisit(a, "checked_in");
  const { rows } = await rootPool().query(
    "insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, now() - interval '1 day') returning id",
    [a.clinicId, waiting.patientId, a.members.doctor.membershipId],
  );
  await rootPool().query("update app_public.visit set status = 'cancelled', cancel_reason = 'Patient called' where id = $1", [rows[0].id]);
  await front.caughtUp();
  await doctor.caughtUp();
  const [frontBefore, doctorBefore] = [front.received.length, doctor.received.length];
  const UPDATE = `mutation($c: UUID!, $id: UUID!, $p: PatientPatch!) { updatePatient(input: { clinicId: $c, rowId: $id, patch: $p }) { patient { lastName } } }`;
  // the spelling of a waiting patient's name corrected at the desk: the doctor's queue kept the old one
  expect((await front.desk.graphql(UPDATE, { c: a.clinicId, id: waiting.patientId, p: { lastName: "Mwakalinga" } })).body.errors).toBeUndefined();
  expect((await front.desk.graphql(UPDATE, { c: a.clinicId, id: waiting.patientId, p: { notes: "Allergic to penicillin" } })).body.errors).toBeUndefined();
  await front.caughtUp();
  await doctor.caughtUp();
  await front.client.dispose();
  await doctor.client.dispose();
  const heard = [{ status: "checked_in", visit: { code: waiting.code, clinicId: a.clinicId } }];
  expect({ front: front.received.slice(frontBefore), errors: front.errors }).toEqual({ front: heard, errors: [] });
  expect({ doctor: doctor.received.slice(doctorBefore), errors: doctor.errors }).toEqual({ doctor: heard, errors: [] });
});

test("steps taken in quick succession are each heard, in order, as the step each one was; a forged status the visit never had is not", async () => {
  const e = await createClinic("Queue E"); // a channel of its own
  const { client, received, errors } = await subscribedDesk(e.members.owner, api, e);
  expect(await eventually(() => listeningTo(e.clinicId), "LISTEN")).toBe("LISTEN");
  const visit = await createVisit(e);
  await until(() => received.length >= 1);
  // should the secret channel be known (here, to a superuser): a status the visit's stamps do not show is not believed
  await notifyQueue(e.clinicId, JSON.stringify({ id: visit.id, status: "cancelled" }));
  await until(() => received.length >= 2);
  // three steps in one transaction: its notifications arrive together, after all of them (read then, each
  // was "completed"; and equal notifications of one transaction are folded into one)
  await committedAs(await openSession(e.members.owner.userId, e.clinicId), async (c) => {
    for (const status of ["checked_in", "in_progress", "completed"]) {
      await c.query("update app_public.visit set status = $2 where id = $1", [visit.id, status]);
    }
  });
  await until(() => received.length >= 5);
  await new Promise((r) => setTimeout(r, 300));
  await client.dispose();
  expect(errors).toEqual([]);
  expect(received.map((event) => event.status)).toEqual(["scheduled", "scheduled", "checked_in", "in_progress", "completed"]);
  expect(received.every((event) => event.visit?.code === visit.code)).toBe(true);
});

// a websocket without a session was let up and acknowledged, its subscription refused, and counted nowhere: one address
// held every file descriptor of the server with them (graphql.test.ts)
test("without a session the websocket is closed at once (4401, Log in first.), which graphql-ws's client does not retry; a live session of no clinic is FORBIDDEN, as over HTTP", async () => {
  const refusals = async (browser: Browser) => {
    const client = wsClientFor(browser);
    const errors: unknown[] = [];
    await refusalOf(client, errors);
    await client.dispose();
    return (errors.flat() as { message: string; extensions?: { code?: string } }[]).map(({ message, extensions }) => ({ code: extensions?.code, message }));
  };
  expect(await liveQueueOf(new Browser(api), api)).toEqual({ error: { code: 4401, reason: "Log in first." }, acknowledged: false, connections: 1 });
  // a member of two clinics logged in without naming one: told to log in again, a frontend took it for a logout
  const person = await createUser();
  await addMember(a.clinicId, person, "receptionist");
  await addMember(b.clinicId, person, "receptionist");
  const undecided = new Browser(api);
  expect((await undecided.login(person.phone, person.password)).body.clinic).toBeNull();
  expect(await refusals(undecided)).toEqual([{ code: "FORBIDDEN", message: "Your session is in no clinic: log in to a clinic (or switch to one) to do this." }]);
});

test("a subscription sent over HTTP is refused at once, INVALID_QUERY, saying to subscribe over the websocket (it answered at the next event, and never ended)", async () => {
  const desk = new Browser(api);
  await desk.login(a.members.receptionist.phone, a.members.receptionist.password);
  for (const browser of [desk, new Browser(api)]) {
    const response = await browser.graphql("subscription { visitQueueChanged { status } }");
    expect(response.status).toBe(400);
    expect(response.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ["INVALID_QUERY", "Subscribe over the websocket (the graphql-ws protocol at /graphql): over HTTP a subscription's answer never ends."],
    ]);
  }
});

// a subscription's root field skipped (`@skip`, `@include`) passed GraphQL's validation and reached the planner, which
// asserts a root field: an internal fault, logged with its stack, for a literal; with a variable, GraphQL's own rule
// threw, and graphql-ws answered an error without a code
test("a subscription whose root field carries @skip or @include is refused before it runs, INVALID_QUERY, never an internal fault", async () => {
  const desk = new Browser(api);
  await desk.login(a.members.receptionist.phone, a.members.receptionist.password);
  const client = wsClientFor(desk);
  const answers: unknown[] = [];
  const lines = await linesLoggedBy(async () => {
    for (const [query, variables] of [
      ["subscription { visitQueueChanged @skip(if: true) { status } }", {}],
      ["subscription Queue($x: Boolean!) { visitQueueChanged @include(if: $x) { status } }", { x: true }],
      ["subscription { ... on Subscription @include(if: false) { visitQueueChanged { status } } }", {}],
      ["subscription { ...queue } fragment queue on Subscription { visitQueueChanged @skip(if: false) { status } }", {}],
    ] as const) {
      const told: unknown[] = [];
      let timer: NodeJS.Timeout | undefined;
      let unsubscribe = () => {};
      // one that runs (its first event, listening) never ends by itself: 3 s, then it is completed
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 3000);
        unsubscribe = client.subscribe<{ visitQueueChanged: { status: string | null } | null }>(
          { query, variables },
          {
            next: ({ data, errors }) => void told.push(...(errors ?? []), ...(data?.visitQueueChanged ? [{ message: "an event" }] : [])),
            error: (error) => void (told.push(...(Array.isArray(error) ? error : [error])), resolve()),
            complete: () => resolve(),
          },
        );
      });
      clearTimeout(timer);
      unsubscribe();
      answers.push(told.map((error) => ({ code: (error as { extensions?: { code?: string } }).extensions?.code, message: (error as Error).message })));
    }
  });
  await client.dispose();
  const refusal = (name: string) => [{ code: "INVALID_QUERY", message: `${name} must not use @skip or @include in its top level selection: a subscription follows one field.` }];
  expect(answers).toEqual([refusal("Anonymous subscription"), refusal('Subscription "Queue"'), refusal("Anonymous subscription"), refusal("Anonymous subscription")]);
  expect(lines.filter((line) => line.includes('"internal_error"'))).toEqual([]);
});

/** The channel of a clinic's queue (which only the database owner, or a superuser as here, can name). */
async function channelOf(clinicId: string): Promise<string> {
  return (await rootPool().query<{ channel: string }>("select app_private.visit_queue_channel($1) as channel", [clinicId])).rows[0].channel;
}

/** Whether a listening connection of the test's servers listens on the channel of a clinic's queue ("UNLISTEN": none). */
async function listeningTo(clinicId: string): Promise<string> {
  return listenerOn(await channelOf(clinicId)) === undefined ? "UNLISTEN" : "LISTEN";
}

/** Polls `read` until it answers `wanted` (or 5 s pass), and returns its last answer. */
async function eventually<T>(read: () => Promise<T>, wanted: T): Promise<T> {
  let value!: T;
  await until(async () => (value = await read()) === wanted, 5000, 50);
  return value;
}

test("a notification that names no visit is passed over, and one that the channels changed ends no subscription whose channel did not: the subscription goes on and hears the next visit", async () => {
  const c = await createClinic("Queue C"); // a channel of its own, which no other test listens to
  const { client, received, errors } = await subscribedDesk(c.members.receptionist, api, c);
  expect(await eventually(() => listeningTo(c.clinicId), "LISTEN")).toBe("LISTEN");
  // should the secret channel be known (here, to a superuser), what is not ClinicOps' own payload is passed over; and
  // a forged word that the channels changed ends no subscription whose channel did not (each asks for its own)
  const forged = [{ id: "not-a-uuid" }, { id: 7 }, { channel_changed: true }, { channel_changed: "yes" }].map((payload) => JSON.stringify(payload));
  for (const payload of ["not json", "null", "[]", ...forged]) {
    await notifyQueue(c.clinicId, payload);
  }
  const visit = await createVisit(c);
  await until(() => received.length + errors.length > 0);
  await client.dispose();
  expect(errors).toEqual([]);
  expect(received).toEqual([{ status: "scheduled", visit: { code: visit.code, clinicId: c.clinicId } }]);
});

// the API's listening connection said `LISTEN "clinicops:visits:…"`, which pg_stat_activity shows as its last statement
// to every session of its login role: whoever held the API's database password, with no session, read there the
// channel of every clinic and doctor subscribed to, and could listen on it and notify its subscribers
test("the API's login role reads no queue channel in pg_stat_activity, though it reads its listening connection's statements", async () => {
  const c = await createClinic("Queue seen by the login role"); // channels of its own, which no other test listens to
  const desk = await subscribedDesk(c.members.receptionist, api, c);
  const doctor = await subscribedDesk(c.members.doctor, api, c);
  const { rows: named } = await rootPool().query<{ channel: string }>(
    "select app_private.visit_queue_channel($1) as channel union all select app_private.visit_queue_channel($1, $2)",
    [c.clinicId, c.members.doctor.membershipId],
  );
  const channels = named.map(({ channel }) => channel);
  // as the API logs in, without a session: the statements of its own login's connections
  const { rows } = await apiPool().query<{ pid: number; query: string }>("select pid, query from pg_stat_activity where datname = current_database() and usename = current_user");
  await Promise.all([desk.client.dispose(), doctor.client.dispose()]);
  const listener = listenerOn(channels[1]);
  expect(rows.find(({ pid }) => pid === listener)?.query).toMatch(/listen/i);
  expect(rows.filter(({ query }) => channels.some((channel) => query.includes(channel)))).toEqual([]);
});

/**
 * `use` with a desk subscribed to the queue of a clinic of its own (a channel no other test listens to) on a server
 * whose statements time out after 1 s (for the subscription only: the login is the test server's), and a connection
 * to hold a lock with, which is rolled back after.
 */
async function withSlowDesk(name: string, use: (desk: Awaited<ReturnType<typeof subscribedDesk>>, clinic: TestClinic, locker: pg.PoolClient) => Promise<void>) {
  const slow = await startApi({ STATEMENT_TIMEOUT_MS: "1000" });
  const clinic = await createClinic(name);
  const locker = await rootPool().connect();
  try {
    await use(await subscribedDesk(clinic.members.receptionist, slow, clinic), clinic, locker);
  } finally {
    await locker.query("rollback");
    locker.release();
    await slow.close();
  }
}

test("a subscription whose check of a visit fails is told its error at visitQueueChanged, then ends, and its channel is no longer listened to", () =>
  withSlowDesk("Queue D", async ({ client, received, errors, ended, caughtUp }, d, locker) => {
    expect(await eventually(() => listeningTo(d.clinicId), "LISTEN")).toBe("LISTEN");
    // the probe's notifications sent until it was heard are handled first: one handled under the lock
    // below timed out too (a busy machine's flake), its visit unread and its subscription ended by that event
    await caughtUp();
    // the check whether the session may see the visit waits for this lock until its statement times out
    await beginWhenFree(locker, "lock table app_public.visit in access exclusive mode");
    await notifyQueue(d.clinicId, JSON.stringify({ id: crypto.randomUUID() }));
    const ending = await ended;
    await locker.query("rollback");
    // the error itself unsubscribes: the client is still connected
    const listening = await eventually(() => listeningTo(d.clinicId), "UNLISTEN");
    await client.dispose();
    expect({ ending, received, errors }).toEqual({ ending: "complete", received: [], errors: toldAtTheField("TIMEOUT", "The request took too long and was cancelled.") });
    expect(listening).toBe("UNLISTEN");
  }));

/** The error of an event's `field` whose read timed out, the event's field named `name` (its own, or an alias), at `column` of the subscription. */
const readTimedOut = (name: string, field: string, column: number) => ({
  message: "The request took too long and was cancelled.",
  locations: [{ line: 1, column }],
  path: [name, field],
  extensions: { code: "TIMEOUT" },
});

// that event was one like any other, and the subscription went on: the desk learnt neither which visit had changed
// nor to read its list again
test("an event whose visit could not be read, its check passed, is the subscription's last: status and visit null with the error at each, then its end, and its channel is no longer listened to", () =>
  withSlowDesk("Queue H", async ({ client, received, errors, ended, caughtUp }, h, locker) => {
    let ending: Ending | undefined;
    void ended.then((how) => (ending = how));
    const visit = await createVisit(h);
    await caughtUp(); // its booking heard, and every probe's notification handled
    // the visit's patient, which the event reads and its check does not, waits for this lock until its statement times out
    await beginWhenFree(locker, "lock table app_public.patient in access exclusive mode");
    await notifyQueue(h.clinicId, JSON.stringify({ id: visit.id, status: "scheduled" }));
    await until(() => errors.length > 0, 20_000);
    await locker.query("rollback");
    const listening = await eventually(() => listeningTo(h.clinicId), "UNLISTEN");
    // heard, had the subscription gone on
    const next = await createVisit(h);
    await until(() => ending !== undefined || received.some((event) => event.visit?.code === next.code), 20_000);
    await client.dispose();
    const booked = { status: "scheduled", visit: { code: visit.code, clinicId: h.clinicId } };
    expect({ ending, received, errors, listening }).toEqual({
      ending: "complete",
      received: [booked, { status: null, visit: null }],
      errors: [[readTimedOut("visitQueueChanged", "status", 36), readTimedOut("visitQueueChanged", "visit", 43)]],
      listening: "UNLISTEN",
    });
  }));

// the field named otherwise (an alias: `queue: visitQueueChanged`), the event whose visit could not be read was not
// taken for one: the subscription went on, its list behind
test("an event whose visit could not be read is the last of a subscription that names the field otherwise (an alias) too", () =>
  withSlowDesk("Queue H2", async ({ client, caughtUp }, h2, locker) => {
    const events: { status: string | null; visitId: string | null; listening: boolean }[] = [];
    const errors: unknown[] = [];
    let ending: Ending | undefined;
    client.subscribe<{ queue: { status: string | null; visitId: string | null; listening: boolean } | null }>(
      { query: "subscription { queue: visitQueueChanged { status visit { code patient { code } } visitId listening } }" },
      {
        next: (message) => {
          if (message.errors) errors.push(message.errors);
          if (message.data?.queue) events.push(message.data.queue);
        },
        error: (error) => {
          errors.push(error);
          ending = "error";
        },
        complete: () => (ending = "complete"),
      },
    );
    await until(() => events.some((event) => event.listening), 20_000);
    const visit = await createVisit(h2);
    await caughtUp(); // the desk's subscription on the same connection has handled it: this one is handling it too
    await until(() => events.some((event) => event.visitId === visit.id), 20_000);
    // the visit's patient, which the event reads and its check does not, waits for this lock until its statement times out
    await beginWhenFree(locker, "lock table app_public.patient in access exclusive mode");
    await notifyQueue(h2.clinicId, JSON.stringify({ id: visit.id, status: "scheduled" }));
    await until(() => errors.length > 0, 20_000);
    await locker.query("rollback");
    // heard, had the subscription gone on
    const next = await createVisit(h2);
    await until(() => ending !== undefined || events.some((event) => event.visitId === next.id), 20_000);
    await client.dispose();
    expect({ ending, heardNext: events.some((event) => event.visitId === next.id), errors }).toEqual({
      ending: "complete",
      heardNext: false,
      errors: [[readTimedOut("queue", "status", 43), readTimedOut("queue", "visit", 50)]],
    });
  }));

/** The pid of the API's listening connection that listens on the channel of `clinicId`'s queue. */
async function listenerOf(clinicId: string): Promise<number> {
  const channel = await channelOf(clinicId);
  let listener: number | undefined;
  const found = await until(async () => {
    listener = listenerOn(channel);
    return listener !== undefined;
  });
  expect(found).toBe(true);
  return listener!;
}

/** Ends the connection of `pid`, as a restart of PostgreSQL, or an operator, would. */
async function endConnection(pid: number): Promise<void> {
  expect((await rootPool().query("select pg_terminate_backend($1) as ended", [pid])).rows).toEqual([{ ended: true }]);
}

/**
 * What a subscription of the connection lost is told: an event of no visit with the error at its field (before, it
 * was INTERNAL with a reference, which a frontend does not retry; then an `error`, which Grafast dropped when an event
 * was on its way), and then its end.
 */
const SUBSCRIBE_AGAIN = toldAtTheField(
  "UNAVAILABLE",
  "The live queue lost its connection to the database and may have missed a change: subscribe again, and read the list again.",
);

test("a subscription whose database connection is closed is told to subscribe again (UNAVAILABLE), and then ends, and can subscribe again", async () => {
  const e = await createClinic("Queue E"); // a channel of its own, which no other test listens to
  const { client, errors, ended } = await subscribedDesk(e.members.receptionist, api, e);
  await endConnection(await listenerOf(e.clinicId));
  expect(await ended).toBe("complete");
  await client.dispose();
  expect(errors).toEqual(SUBSCRIBE_AGAIN);
  const again = await subscribedDesk(e.members.receptionist, api, e);
  await again.client.dispose();
  expect(again.errors).toEqual([]);
});

// PgSubscriber ended the subscriptions of a channel while it took each out of that channel's list: every other one was
// skipped, told nothing, and no longer listened for once the connection came back (a clinic of two desks, one went deaf)
test("every subscription of a channel whose database connection is closed is told to subscribe again, three front desks of one clinic on its channel and two of its doctor on theirs: none goes on deaf", async () => {
  const e = await createClinic("Queue E2"); // channels of its own, which no other test listens to
  const desks = [
    await subscribedDesk(e.members.receptionist, api, e),
    await subscribedDesk(e.members.receptionist, api, e),
    await subscribedDesk(e.members.receptionist, api, e),
    await subscribedDesk(e.members.doctor, api, e),
    await subscribedDesk(e.members.doctor, api, e),
  ];
  await endConnection(await listenerOf(e.clinicId));
  // each is told within 10 s, or not at all
  const ends = await Promise.all(desks.map(({ ended }) => Promise.race([ended, new Promise((resolve) => setTimeout(() => resolve("still going"), 10_000))])));
  await Promise.all(desks.map(({ client }) => client.dispose()));
  expect(ends).toEqual(["complete", "complete", "complete", "complete", "complete"]);
  for (const { errors } of desks) expect(errors).toEqual(SUBSCRIBE_AGAIN);
});

// the error was thrown from the subscription's iterator, and Grafast drops what is thrown while the event before is
// still being sent: that subscriber was told only that its subscription had ended, and its queue stood still
test("a subscription with an event on its way when the database connection is closed gets the event, then UNAVAILABLE, then its end; so does every subscription of that connection, and a new one hears again", async () => {
  const APPLICATION = "clinicops-visit-queue-lost-test";
  // its connections told apart from other test files'; the event held below not cut short by the statement timeout of 5 s
  const server = await startApi({ STATEMENT_TIMEOUT_MS: "60000" }, { applicationName: APPLICATION });
  const f = await createClinic("Queue F");
  const g = await createClinic("Queue G"); // channels of their own, which no other test listens to
  const locker = await rootPool().connect();
  try {
    const busy = await subscribedDesk(f.members.receptionist, server, f);
    const idle = await subscribedDesk(g.members.receptionist, server, g);
    const listener = await listenerOf(g.clinicId); // one connection listens for both
    // the idle one has handled its probes' notifications (one handled under the lock below was an event on its way
    // too, its read timed out: its subscription's last), the busy one has once it hears the visit booked
    await idle.caughtUp();
    const visit = await createVisit(f);
    await until(() => busy.received.length === 1);
    // the visit's next event waits, on its way, for the patients (its visibility checked, its visit and patient being read)
    const lockerPid = await trackBackend(locker);
    await beginWhenFree(locker, "lock table app_public.patient in access exclusive mode");
    await notifyQueue(f.clinicId, JSON.stringify({ id: visit.id, status: "scheduled" }));
    const onItsWay = await until(
      async () =>
        (await rootPool().query("select exists (select from pg_stat_activity where datname = current_database() and application_name = $1 and $2::int = any (pg_blocking_pids(pid))) as waits", [
          APPLICATION,
          lockerPid,
        ])).rows[0].waits,
    );
    expect(onItsWay).toBe(true);
    await endConnection(listener);
    // the idle subscription is told once the API has heard the connection end, and has failed every subscription of it
    expect(await until(() => idle.errors.length > 0, 20_000)).toBe(true);
    await locker.query("rollback");
    const told = async ({ ended, received, errors }: typeof busy) => ({ ended: await ended, received, errors });
    const [busyWasTold, idleWasTold] = [await told(busy), await told(idle)];
    await Promise.all([busy.client.dispose(), idle.client.dispose()]);
    const event = { status: "scheduled", visit: { code: visit.code, clinicId: f.clinicId } };
    expect({ busy: busyWasTold, idle: idleWasTold }).toEqual({
      busy: { ended: "complete", received: [event, event], errors: SUBSCRIBE_AGAIN },
      idle: { ended: "complete", received: [], errors: SUBSCRIBE_AGAIN },
    });
    const again = await subscribedDesk(f.members.receptionist, server, f);
    const next = await createVisit(f);
    await until(() => again.received.length === 1);
    await again.client.dispose();
    expect({ received: again.received, errors: again.errors }).toEqual({ received: [{ status: "scheduled", visit: { code: next.code, clinicId: f.clinicId } }], errors: [] });
  } finally {
    await locker.query("rollback");
    locker.release();
    await server.close();
  }
});

/** What a subscription whose channel moved (its member's role changed, or the key) is told, its last event. */
const CHANNEL_MOVED = toldAtTheField(
  "UNAVAILABLE",
  "Your live queue has moved to another channel (your role or the queue's key changed): subscribe again, and read the list again.",
);

/** `member`'s role made `role` by their clinic's owner, as the API changes it. */
async function changeRole(clinic: TestClinic, member: TestMember, role: string): Promise<TestMember> {
  const owner = new Browser(api);
  await owner.login(clinic.members.owner.phone, clinic.members.owner.password);
  const changed = await owner.graphql(
    `mutation($c: UUID!, $id: UUID!, $p: MembershipPatch!) { updateMembership(input: { clinicId: $c, rowId: $id, patch: $p }) { membership { role } } }`,
    { c: clinic.clinicId, id: member.membershipId, p: { role } },
  );
  expect(changed.body).toEqual({ data: { updateMembership: { membership: { role } } } });
  return { ...member, role: role as TestMember["role"] };
}

// it kept the channel it subscribed with, its own, and silently missed every other doctor's visit
test("a doctor made receptionist while subscribed is told to subscribe again (UNAVAILABLE), then ends; subscribed again, they hear another doctor's visit; another doctor and another clinic go on", async () => {
  const promoted = await addMember(a.clinicId, await createUser(), "doctor");
  const theirs = await subscribedDesk(promoted);
  const other = await subscribedDesk(a.members.doctor);
  const otherClinic = await subscribedDesk(b.members.receptionist, api, b);
  const receptionist = await changeRole(a, promoted, "receptionist");
  await until(() => theirs.errors.length > 0, 10_000);
  expect({ received: theirs.received, errors: theirs.errors }).toEqual({ received: [], errors: CHANNEL_MOVED });
  expect(await theirs.ended).toBe("complete");
  await theirs.client.dispose();
  const again = await subscribedDesk(receptionist);
  const visit = await createVisit(a); // a.members.doctor's
  await until(() => again.received.length >= 1);
  await Promise.all([again.caughtUp(), other.caughtUp(), otherClinic.caughtUp()]);
  await Promise.all([again.client.dispose(), other.client.dispose(), otherClinic.client.dispose()]);
  expect({ received: again.received, errors: again.errors }).toEqual({ received: [{ status: "scheduled", visit: { code: visit.code, clinicId: a.clinicId } }], errors: [] });
  expect({ other: other.errors, otherClinic: otherClinic.errors }).toEqual({ other: [], otherClinic: [] });
});

test("an admin made doctor while subscribed is told to subscribe again, having heard nothing of another doctor's visit; the front desk, told on the clinic's channel too, goes on", async () => {
  const demoted = await addMember(a.clinicId, await createUser(), "admin");
  const theirs = await subscribedDesk(demoted);
  const front = await subscribedDesk();
  await changeRole(a, demoted, "doctor");
  const visit = await createVisit(a); // a.members.doctor's, which the demoted admin may no longer read
  await until(() => front.received.length >= 1 && theirs.errors.length > 0, 10_000);
  await front.caughtUp();
  await Promise.all([theirs.client.dispose(), front.client.dispose()]);
  expect({ received: theirs.received, errors: theirs.errors }).toEqual({ received: [], errors: CHANNEL_MOVED });
  expect({ received: front.received, errors: front.errors }).toEqual({ received: [{ status: "scheduled", visit: { code: visit.code, clinicId: a.clinicId } }], errors: [] });
});

/**
 * A proxy to PostgreSQL for an API's connections, which holds what a connection sends from its first word asking to
 * LISTEN on `channel` until `release()`: `held` resolves once it holds it.
 */
async function listenHeldBack(channel: string) {
  const database = new URL(rootPool().options.connectionString!);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let heldNow!: () => void;
  const held = new Promise<void>((resolve) => (heldNow = resolve));
  const proxy = createServer((socket) => {
    socket.on("error", () => {});
    const upstream = connect(Number(database.port), database.hostname);
    upstream.on("error", () => socket.destroy());
    socket.on("close", () => upstream.destroy());
    upstream.on("close", () => socket.destroy());
    upstream.pipe(socket);
    /** What the bytes received wait for before they go on, in the order received. */
    let turn = Promise.resolve();
    socket.on("data", (chunk: Buffer) => {
      if (chunk.includes(channel)) { // named only by the statement that listens on it
        turn = released;
        heldNow();
      }
      void turn.then(() => upstream.write(chunk));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return { port: (proxy.address() as AddressInfo).port, held, release, close: () => new Promise((resolve) => proxy.close(resolve)) };
}

// it read its channel, then its role changed before it listened: the change was told to no one, and it listened on
// its doctor's channel for good, hearing nothing of the clinic's other visits
test("a doctor made receptionist while their subscription's LISTEN is on its way is told to subscribe again once it listens (UNAVAILABLE)", async () => {
  const moved = await addMember(a.clinicId, await createUser(), "doctor");
  const { rows } = await rootPool().query("select app_private.visit_queue_channel($1, $2) as channel", [a.clinicId, moved.membershipId]);
  const proxy = await listenHeldBack(rows[0].channel);
  const server = await startApi({}, { sessionCheckMs: 3_600_000, databasePort: proxy.port });
  try {
    const desk = new Browser(server);
    await desk.login(moved.phone, moved.password);
    const client = wsClientFor(desk, undefined, server);
    const [received, errors]: [QueueEvent[], unknown[]] = [[], []];
    const ended = collect(client, received, errors);
    await proxy.held; // its doctor's channel read, its LISTEN held back
    await changeRole(a, moved, "receptionist");
    proxy.release();
    await until(() => errors.length > 0, 10_000);
    await client.dispose();
    expect({ received, errors }).toEqual({ received: [], errors: CHANNEL_MOVED });
    expect(await ended).toBe("complete");
  } finally {
    proxy.release();
    await server.close();
    await proxy.close();
  }
});

// the client was told nothing when the server listened: a check-in committed right after its subscription started (its
// list read then) was told before the server listened, and never heard on that desk
test("a subscription's first event, listening with no visit, comes once the server listens: the list read then holds what was committed before, and what is committed after is heard", async () => {
  const c = await createClinic("Queue listening"); // a channel of its own, which no other test listens to
  const channel = await channelOf(c.clinicId);
  const proxy = await listenHeldBack(channel);
  const server = await startApi({}, { sessionCheckMs: 3_600_000, databasePort: proxy.port });
  try {
    const desk = new Browser(server);
    await desk.login(c.members.receptionist.phone, c.members.receptionist.password);
    const client = wsClientFor(desk, undefined, server);
    const events: unknown[] = [];
    /** Whether the server listened on the channel when the client was told its first event. */
    let listenedAtFirst: boolean | undefined;
    const ended = new Promise((resolve) =>
      client.subscribe(
        { query: "subscription { visitQueueChanged { status visitId visit { code } leftYourList listening } }" },
        {
          next: (message) => {
            listenedAtFirst ??= listenerOn(channel) !== undefined;
            events.push(message);
          },
          error: resolve,
          complete: () => resolve("complete"),
        },
      ),
    );
    await Promise.race([proxy.held, ended]); // its channel read, its LISTEN held back
    const before = await createVisit(c); // booked while the LISTEN is on its way: told to no one
    await new Promise((resolve) => setTimeout(resolve, 300)); // an event told before the LISTEN would come now
    const toldBeforeListening = events.length;
    proxy.release();
    await until(() => events.length > 0);
    // the desk reads its list at the first event, and it holds the visit booked before
    const list = await desk.graphql("query { visits { nodes { code } } }");
    const after = await createVisit(c, "checked_in"); // committed as soon as the list is read
    await until(() => events.length >= 3);
    await client.dispose();
    const event = (visitQueueChanged: object) => ({ data: { visitQueueChanged: { leftYourList: false, ...visitQueueChanged } } });
    expect({ toldBeforeListening, listenedAtFirst, list: list.body, ended: await ended, events }).toEqual({
      toldBeforeListening: 0,
      listenedAtFirst: true,
      list: { data: { visits: { nodes: [{ code: before.code }] } } },
      ended: "complete",
      events: [
        event({ status: null, visitId: null, visit: null, listening: true }),
        event({ status: "scheduled", visitId: after.id, visit: { code: after.code }, listening: false }),
        event({ status: "checked_in", visitId: after.id, visit: { code: after.code }, listening: false }),
      ],
    });
  } finally {
    proxy.release();
    await server.close();
    await proxy.close();
  }
});

/** A subscription of a desk on a database of its own (withOwnKey). */
interface OwnDesk {
  client: Client;
  received: QueueEvent[];
  errors: unknown[];
  ended: Promise<Ending>;
}

/**
 * `use` with a database of its own (a new key, or none, renames every channel of its database, and would end other test
 * files' subscriptions) as its root (`own`), and `subscribed()`: a subscription of a receptionist of a clinic of it, once
 * its server listens on the channel the key names now.
 */
async function withOwnKey(suffix: string, use: (own: pg.Client, subscribed: () => Promise<OwnDesk>) => Promise<void>): Promise<void> {
  const { config, drop } = await schemaCopy(suffix);
  const own = new pg.Client({ connectionString: config.rootUrl });
  await own.connect();
  const server = await startApi({}, { database: config });
  try {
    const [phone, password] = [randomPhone(), "a long password of the desk"];
    const { rows } = await own.query(
      `with k as (insert into app_private.secret_key (purpose) values ('live_queue'), ('account_lock')),
            c as (insert into app_public.clinic (name, timezone, currency, calling_code) values ('Queue key', 'Africa/Dar_es_Salaam', 'TZS', '255') returning id),
            u as (insert into app_public."user" (phone, full_name) values ($1, 'Desk of the key') returning id),
            s as (insert into app_private.user_secret (user_id, password_hash, password_set_by_holder) select id, crypt($2, gen_salt('bf', 4)), true from u),
            m as (insert into app_public.membership (clinic_id, user_id, role) select c.id, u.id, 'receptionist' from c, u)
       select id from c`,
      [phone, password],
    );
    const clinicId = rows[0].id as string;
    const desk = new Browser(server);
    await desk.login(phone, password);
    await use(own, async () => {
      const client = wsClientFor(desk, undefined, server);
      const [received, errors]: [QueueEvent[], unknown[]] = [[], []];
      const ended = collect(client, received, errors);
      const listens = () =>
        own
          .query("select app_private.visit_queue_channel($1) as channel", [clinicId])
          .then(({ rows }) => listenerOn(rows[0].channel) !== undefined);
      expect(await until(listens)).toBe(true);
      return { client, received, errors, ended };
    });
  } finally {
    await server.close();
    await own.end();
    await drop();
  }
}

/** What a subscription made before `change` (a new key) is told, and whether one made after hears without error. */
async function toldAtANewKey(subscribed: () => Promise<OwnDesk>, change: () => Promise<unknown>) {
  const before = await subscribed();
  await change();
  await until(() => before.errors.length > 0, 10_000);
  const told = { received: before.received, errors: before.errors, ended: before.errors.length > 0 ? await before.ended : "still going" };
  const again = await subscribed();
  await Promise.all([before.client.dispose(), again.client.dispose()]);
  return { before: told, again: again.errors };
}

test("a new live queue key ends a subscription made before, told to subscribe again (UNAVAILABLE); subscribed again, it listens on the channel the new key names", () =>
  withOwnKey("queue_key", async (own, subscribed) => {
    const told = await toldAtANewKey(subscribed, () => own.query("update app_private.secret_key set key = default where purpose = 'live_queue'"));
    expect(told).toEqual({ before: { received: [], errors: CHANNEL_MOVED, ended: "complete" }, again: [] });
  }));

// a truncate fires no row's trigger: the subscriptions made before were told nothing, and listened on the old key's
// channels for good, hearing no visit again (no error, no end) until their desk subscribed again
test("a live queue key made anew after a truncate of the keys ends a subscription made before, told to subscribe again (UNAVAILABLE), as a new key does", () =>
  withOwnKey("queue_key_truncated", async (own, subscribed) => {
    const told = await toldAtANewKey(subscribed, async () => {
      await own.query("begin");
      await own.query("truncate app_private.secret_key");
      await own.query("insert into app_private.secret_key (purpose) values ('live_queue'), ('account_lock')");
      await own.query("commit");
    });
    expect(told).toEqual({ before: { received: [], errors: CHANNEL_MOVED, ended: "complete" }, again: [] });
  }));

/** The errors of the last event of a subscription that failed: its failure, at visitQueueChanged (then null). */
function toldAtTheField(code: string, message: string) {
  return [[{ message, locations: [{ line: 1, column: 16 }], path: ["visitQueueChanged"], extensions: { code } }]];
}

/** Revokes the session of the browser's cookie, and that session only (as logging out elsewhere would). */
async function revoke(desk: Browser): Promise<void> {
  const { rowCount } = await rootPool().query("update app_private.session set revoked_at = now() where id = $1 and revoked_at is null", [desk.sessionId]);
  expect(rowCount).toBe(1);
}

test("a session revoked after subscribing is told so at the next event and hears no more, while another session of the same member hears the visit", async () => {
  const revoked = await subscribedDesk();
  const live = await subscribedDesk(); // the same receptionist, logged in a second time: only the revocation tells them apart
  // the live desk's probes reach the first desk too: handled before the revocation (one handled after it was an event
  // of visit null, UNAUTHENTICATED at its status and visit, its visibility checked before and its read after)
  await revoked.caughtUp();
  await revoke(revoked.desk);
  const visit = await createVisit(a);
  await until(() => live.received.length >= 1);
  const ending = await revoked.ended;
  await createVisit(a); // nothing of this one reaches the revoked session: its subscription has ended
  await until(() => live.received.length >= 2);
  await Promise.all([revoked.client.dispose(), live.client.dispose()]);
  // the event was sent, and reached the live session: what the revoked session got instead is the revocation's doing
  expect(live.errors).toEqual([]);
  expect(live.received[0]).toEqual({ status: "scheduled", visit: { code: visit.code, clinicId: a.clinicId } });
  expect(live.received).toHaveLength(2);
  expect({ ending, received: revoked.received, errors: revoked.errors }).toEqual({
    ending: "complete",
    received: [],
    errors: toldAtTheField("UNAUTHENTICATED", "Your session has ended: log in again."),
  });
});

// a session the cap on an account's live sessions ends is ended as a logout ends one: its websocket too
test("a websocket of a session that 10 later logins of the same person ended is closed (4401) at the next check", async () => {
  const checked = await startApi({}, { sessionCheckMs: 200 });
  try {
    const c = await createClinic("Queue of the 11th login");
    const { receptionist } = c.members;
    const oldest = await subscribedDesk(receptionist, checked, c);
    await oldest.caughtUp();
    for (let i = 0; i < 10; i++) await new Browser(checked).login(receptionist.phone, receptionist.password);
    await until(() => oldest.errors.length > 0, 5000);
    expect(oldest.errors).toEqual([expect.objectContaining({ code: 4401, reason: "Your session has ended: log in again." })]);
    await oldest.client.dispose();
  } finally {
    await checked.close();
  }
});

// a live queue held the connection of a session revoked hours before, silent until the clinic's next visit event
// an expired session's row, kept a day from 000334, is deleted by the hourly sweep from its expiry since 000348
test("a websocket of a session revoked or expired after subscribing, its row kept or swept, is closed (4401) at the next check, while another session of the same person goes on", async () => {
  const checked = await startApi({}, { sessionCheckMs: 200 });
  try {
    // B's receptionist twice, C's once, D's once; each desk to end caught up with every probe its clinic's desks sent, so
    // that none is delivered to it after its session ends (the last in a clinic to catch up has heard the others')
    const [c, d] = [await createClinic("Queue C"), await createClinic("Queue D")];
    const [live, revoked, expired, swept] = [
      await subscribedDesk(b.members.receptionist, checked, b),
      await subscribedDesk(b.members.receptionist, checked, b),
      await subscribedDesk(c.members.receptionist, checked, c),
      await subscribedDesk(d.members.receptionist, checked, d),
    ];
    await live.caughtUp();
    await revoked.caughtUp();
    await expired.caughtUp();
    await swept.caughtUp();
    await revoke(revoked.desk);
    const expire = "update app_private.session set expires_at = now() where id = $1";
    // expired and swept (the hourly sweep) in one transaction, so that no check reads its row expired
    const sweeping = await rootPool().connect();
    try {
      await sweeping.query("begin");
      await sweeping.query(expire, [swept.desk.sessionId]);
      await sweeping.query("select app_private.expire_sessions()");
      await sweeping.query("commit");
    } finally {
      sweeping.release();
    }
    expect((await rootPool().query("select from app_private.session where id = $1", [swept.desk.sessionId])).rowCount).toBe(0);
    await rootPool().query(expire, [expired.desk.sessionId]); // its row kept until the next sweep
    await until(() => revoked.errors.length > 0 && expired.errors.length > 0 && swept.errors.length > 0, 5000);
    for (const ended of [revoked, expired, swept]) {
      expect(ended.errors).toHaveLength(1);
      expect(ended.errors[0]).toMatchObject({ code: 4401, reason: "Your session has ended: log in again." });
    }
    // several checks later, the live session still hears its clinic's visits
    await new Promise((resolve) => setTimeout(resolve, 600));
    const visit = await createVisit(b);
    await until(() => live.received.some((event) => event.visit?.code === visit.code), 5000);
    expect(live.errors).toEqual([]);
    expect(revoked.received.concat(expired.received, swept.received)).toEqual([]);
    await Promise.all([revoked.client.dispose(), expired.client.dispose(), swept.client.dispose(), live.client.dispose()]);
  } finally {
    await checked.close();
  }
});

test("a forged, tampered or expired cookie is refused at the upgrade (401), as on every HTTP request, not taken for no session", async () => {
  const desk = new Browser(api);
  await desk.login(a.members.receptionist.phone, a.members.receptionist.password);
  const token = decodeURIComponent(desk.cookie!.split("=")[1]);
  const claims = jwt.decode(token) as Record<string, unknown>;
  const upgradeStatus = (token: string) =>
    new Promise<number>((resolve) => {
      const socket = new WebSocket(`${api.url.replace("http", "ws")}/graphql`, "graphql-transport-ws", {
        headers: { cookie: `clinicops_session=${encodeURIComponent(token)}` },
      });
      socket.once("open", () => (resolve(101), socket.close()));
      // ws leaves a refused upgrade's request open for the listener to end: left, it kept jest from exiting
      socket.once("unexpected-response", (request, response) => (resolve(response.statusCode!), request.destroy()));
      socket.once("error", () => {});
    });
  const signed = (exp: number, secret = TEST_JWT_SECRET) =>
    jwt.sign({ ...claims, exp }, secret, { algorithm: "HS256" });
  const inAnHour = Math.floor(Date.now() / 1000) + 3600;
  expect({
    valid: await upgradeStatus(token),
    resigned: await upgradeStatus(signed(inAnHour)),
    otherSecret: await upgradeStatus(signed(inAnHour, "another-secret-another-secret-another")),
    expired: await upgradeStatus(signed(Math.floor(Date.now() / 1000) - 10)),
    tampered: await upgradeStatus(`${token.slice(0, -4)}AAAA`),
  }).toEqual({ valid: 101, resigned: 101, otherSecret: 401, expired: 401, tampered: 401 });
});

/**
 * What graphql-ws's client, as a browser's frontend makes it (its retries as they come, not waited for), hears of a
 * subscription of `desk`'s session on `server`: the error it ends with, if any, whether it was acknowledged, and how
 * many connections it opened; `beforeRetry` runs before each retry.
 */
async function liveQueueOf(desk: Browser, server: TestApi, beforeRetry = async () => {}) {
  let connections = 0;
  const cookie = desk.cookie ?? "";
  class CookieWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      connections += 1;
      super(url, protocols, { headers: { cookie } });
    }
  }
  let acknowledged = false;
  const client = createClient({
    url: `${server.url.replace("http", "ws")}/graphql`,
    webSocketImpl: CookieWebSocket,
    retryWait: beforeRetry,
    on: { connected: () => void (acknowledged = true) },
  });
  let ended: unknown = null;
  let settled = false;
  client.subscribe({ query: "subscription { visitQueueChanged { status } }" }, { next: () => {}, error: (error) => ((ended = error), (settled = true)), complete: () => (settled = true) });
  await until(() => acknowledged || settled, 15_000);
  await client.dispose();
  // a close (graphql-ws's CloseEvent), or an error event of the socket (in ws, with the message a browser does not give)
  const { code, reason, message } = (ended ?? {}) as { code?: number; reason?: string; message?: string };
  const error = ended && (code !== undefined ? { code, reason } : (message ?? String(ended)));
  return { error, acknowledged, connections };
}

// a revoked session's cookie, still signed and unexpired, was let up, told UNAUTHENTICATED at its subscription, and counted
// among its person's websockets until the next check closed it; then refused at the upgrade with a 401, which a browser's
// websocket does not see (an error event, nothing more): graphql-ws's client ended its queue telling nothing, where an open
// websocket's ended session is told 4401, "log in again"; a failed check (503) ended it alike, not retried, where a query over
// it is told UNAVAILABLE by the database's refusal as over HTTP (one-read-moment.test.ts)
test("a websocket of a session that has ended is closed at once with 4401 and its reason, which graphql-ws's client does not retry; one whose session could not be checked is let up, its first connection acknowledged", async () => {
  const desk = new Browser(api);
  await desk.login(a.members.receptionist.phone, a.members.receptionist.password);
  await revoke(desk);
  const ended = await liveQueueOf(desk, api);
  // the session is asked after on the API's pool: held whole (one connection), the check waits 5 s for it and fails
  const busy = await startApi({ DATABASE_POOL_SIZE: "1" });
  let unchecked;
  try {
    const live = new Browser(busy);
    await live.login(a.members.receptionist.phone, a.members.receptionist.password);
    const held = await busy.pool.connect();
    let released = false;
    const release = async () => {
      if (!released) held.release();
      released = true;
    };
    unchecked = await liveQueueOf(live, busy, release);
    await release();
  } finally {
    await busy.close();
  }
  expect({ ended, unchecked }).toEqual({
    ended: { error: { code: 4401, reason: "Your session has ended: log in again." }, acknowledged: false, connections: 1 },
    unchecked: { error: null, acknowledged: true, connections: 1 },
  });
});

test("a page of another site cannot open the websocket with the cookie, nor run a mutation over it", async () => {
  const desk = new Browser(api);
  await desk.login(a.members.receptionist.phone, a.members.receptionist.password);
  const lastName = `Cross-site ${Math.random()}`;
  const attempt = (origin: string) =>
    new Promise<{ data?: unknown; failed?: boolean }>((resolve) => {
      const client = wsClientFor(desk, origin);
      client.subscribe(
        { query: `mutation($n: String!) { createPatient(input: { patient: { firstName: "Eve", lastName: $n } }) { patient { code } } }`, variables: { n: lastName } },
        { next: (m) => resolve({ data: m.data }), error: () => (resolve({ failed: true }), void client.dispose()), complete: () => void client.dispose() },
      );
    });
  const refusals: { failed?: boolean }[] = [];
  const lines = await linesLoggedBy(async () => {
    refusals.push(await attempt("https://evil.example"));
    refusals.push(await attempt(api.url.replace("http:", "https:"))); // our host, another scheme: another origin
  });
  expect(refusals).toEqual([{ failed: true }, { failed: true }]);
  // told in the log, as a cross-site POST is (the upgrade's refusal left no word)
  expect(lines.map((line) => JSON.parse(line)).filter((line) => line.event === "cross_site_refused").map((line) => line.origin)).toEqual([
    "https://evil.example",
    api.url.replace("http:", "https:"),
  ]);
  const count = async () =>
    (await rootPool().query("select count(*)::int as n from app_public.patient where clinic_id = $1 and last_name = $2", [a.clinicId, lastName])).rows[0].n;
  expect(await count()).toBe(0);
  // a page of our own origin may
  expect(await attempt(api.url)).toMatchObject({ data: { createPatient: { patient: { code: expect.stringMatching(/^PAT-/) } } } });
  expect(await count()).toBe(1);
});

// graphql-ws's client opens its socket again by itself after a close it retries (the network lost, the server restarting),
// with the browser's cookie of then: after a switch in another tab, the other clinic's session's, and the page of clinic A
// followed clinic B's queue and ran its operations in B, with no way to say its clinic (a browser's websocket sends no header)
test("a page that names its clinic in connection_init (X-Clinic-Id) has the websocket's subscriptions and operations refused, CLINIC_CHANGED, nothing done, once its browser's session is another clinic's", async () => {
  const [c, d] = [await createClinic("Page of C"), await createClinic("Page of D")];
  const { receptionist } = c.members;
  await addMember(d.clinicId, receptionist, "receptionist");
  const browser = new Browser(api); // every tab: one cookie jar
  await browser.login(receptionist.phone, receptionist.password, c.clinicId);
  /** The first answer a page of `clinicId` (or naming `named`) gets over a socket of the browser's cookie, its socket then closed. */
  const firstAnswer = async (named: unknown, query: string, variables: Record<string, unknown> = {}) => {
    const cookie = browser.cookie ?? "";
    class CookieWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie } });
      }
    }
    const client = createClient({ url: `${api.url.replace("http", "ws")}/graphql`, webSocketImpl: CookieWebSocket, retryAttempts: 0, connectionParams: { "X-Clinic-Id": named } });
    try {
      return await new Promise<unknown>((resolve) =>
        client.subscribe({ query, variables }, { next: resolve, error: (error) => resolve({ failed: String(error) }), complete: () => resolve("complete") }),
      );
    } finally {
      await client.dispose();
    }
  };
  const QUEUE = "subscription { visitQueueChanged { listening } }";
  const lastName = `Page of C ${Math.random()}`;
  const REGISTER = `mutation($n: String!) { createPatient(input: { patient: { firstName: "Ann", lastName: $n } }) { patient { clinicId } } }`;
  const LISTENING = { data: { visitQueueChanged: { listening: true } } };
  expect(await firstAnswer(c.clinicId, QUEUE)).toEqual(LISTENING);

  expect((await browser.post("/auth/switch-clinic", { clinicId: d.clinicId })).status).toBe(200); // another tab
  const CHANGED = {
    errors: [
      {
        message: "This page is of another clinic than your session, which was switched (in another tab or window): nothing was done. Reload the page.",
        extensions: { code: "CLINIC_CHANGED" },
      },
    ],
  };
  expect({
    queue: await firstAnswer(c.clinicId, QUEUE),
    register: await firstAnswer(c.clinicId.toUpperCase(), REGISTER, { n: lastName }),
  }).toEqual({ queue: CHANGED, register: CHANGED });
  const registered = await rootPool().query("select clinic_id from app_public.patient where last_name = $1", [lastName]);
  expect(registered.rows).toEqual([]);
  // the page of the session's clinic, its id in any case, goes on; one that names no clinic id is refused; one that names none is answered as ever
  expect({
    ofD: await firstAnswer(d.clinicId.toUpperCase(), QUEUE),
    malformed: ((await firstAnswer("clinic C", QUEUE)) as { errors: { extensions: unknown }[] }).errors[0].extensions,
    unnamed: await firstAnswer(undefined, QUEUE),
  }).toEqual({ ofD: LISTENING, malformed: { code: "INVALID_INPUT" }, unnamed: LISTENING });
  // a clinic named otherwise than as text (an object, a list holding other than text, null: what fetch sends as "[object
  // Object]" or "null", refused INVALID_INPUT over HTTP) was dropped by grafserv's reading of the payload as headers, and
  // the page of C listened on D's queue and registered its patient in D
  const codeOf = async (named: unknown, query: string, variables?: Record<string, unknown>) => ((await firstAnswer(named, query, variables)) as { errors?: { extensions: unknown }[] }).errors?.[0].extensions;
  expect({
    object: await codeOf({ id: c.clinicId }, QUEUE),
    mixedList: await codeOf([c.clinicId, 1], QUEUE),
    null: await codeOf(null, QUEUE),
    register: await codeOf({ id: c.clinicId }, REGISTER, { n: lastName }),
  }).toEqual({ object: { code: "INVALID_INPUT" }, mixedList: { code: "INVALID_INPUT" }, null: { code: "INVALID_INPUT" }, register: { code: "INVALID_INPUT" } });
  expect((await rootPool().query("select clinic_id from app_public.patient where last_name = $1", [lastName])).rows).toEqual([]);
});

test("a websocket whose client stops reading it is closed by the server, its channel no longer listened to within 30 s; graphql-ws's client then subscribes again by itself, telling the subscriber `connected` with wasRetry and, once the server listens again, a first event (`listening`), where it reads its list: it never hears a change made while it was away", async () => {
  const g = await createClinic("Queue G"); // a channel of its own, which no other test listens to
  const desk = new Browser(api);
  await desk.login(g.members.receptionist.phone, g.members.receptionist.password);
  const cookie = desk.cookie ?? "";
  let socket: WebSocket | undefined;
  class CookieWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
      socket = this;
    }
  }
  let away = () => {};
  const back = new Promise<void>((resolve) => (away = resolve));
  const connections: boolean[] = [];
  const client = createClient({
    url: `${api.url.replace("http", "ws")}/graphql`,
    webSocketImpl: CookieWebSocket,
    retryAttempts: 1,
    retryWait: () => back, // reconnects once the test has changed a visit
    on: { connected: (_socket, _payload, wasRetry) => void connections.push(wasRetry) },
  });
  const received: QueueEvent[] = [];
  const errors: unknown[] = [];
  const heard = new Set<string>();
  let listenings = 0;
  const ended = collect(client, received, errors, (probeId) => void heard.add(probeId), () => void listenings++);
  const hears = async () => {
    const probeId = await insertProbe(g, g.members.doctor);
    for (const end = Date.now() + 20_000; !heard.has(probeId) && Date.now() < end; await until(() => heard.has(probeId), 200)) {
      await notifyQueue(g.clinicId, JSON.stringify({ id: probeId, status: "scheduled" }));
    }
    return heard.has(probeId);
  };
  expect(await hears()).toBe(true);
  const channel = await channelOf(g.clinicId);
  expect(listenerOn(channel)).toBeDefined();

  // the client's process stops reading its socket (a frozen tab, a laptop asleep): it answers no ping
  const raw = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  raw.pause();
  // grafserv pings every 12 s and cuts a socket that has not answered 12 s later: 24 s at most, and its UNLISTEN
  expect(await until(() => listenerOn(channel) === undefined, 30_000, 250)).toBe(true);
  raw.resume(); // the client reads the server's close (1006) and waits to reconnect
  await until(() => socket!.readyState === WebSocket.CLOSED);
  await createVisit(g, "checked_in"); // booked and checked in while the desk was away: heard by no one
  away();
  expect(await hears()).toBe(true); // subscribed again by graphql-ws's client, on a new socket
  await client.dispose();
  expect(await ended).toBe("complete"); // by the dispose: the reconnection told the subscriber neither an error nor its end
  // the visit's booking and check-in never heard: the desk reads its list again at the first event of the subscription
  // sent again, `listening` once more
  expect({ connections, listenings, errors, received }).toEqual({ connections: [false, true], listenings: 2, errors: [], received: [] });
}, 120_000);
