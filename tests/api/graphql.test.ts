/**
 * The GraphQL API's manners: stable error codes with nothing leaked, no
 * partial writes on bad input, limits on depth and page size, health probes.
 */
import { jest } from "@jest/globals";
import WebSocket from "ws";
import { randomBytes, randomUUID } from "node:crypto";
import { type AddressInfo, connect } from "node:net";
import express from "express";
import { type DocumentNode, getIntrospectionQuery, GraphQLError, parse } from "postgraphile/graphql";
import { describeError, maskError } from "../../server/errors.ts";
import { graphqlPreset } from "../../server/graphql.ts";
import { apiPool } from "../../server/pg-transaction.ts";
import { healthRoutes } from "../../server/health.ts";
import { newestCommittedMigration } from "../../db/committed-migrations.ts";
import { pgSettingsFor } from "../../server/pg-settings.ts";
import { serverSettings } from "../../server/settings.ts";
import { runWithRequestId } from "../../server/log.ts";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { addMember, createClinic, createIssuedInvoice, createPatient, createService, createUser, createVisit, randomPhone, type TestClinic, writeBehindTriggers } from "../support/fixtures.ts";
import { until } from "../support/until.ts";
import { statementsSentBy } from "../support/statements.ts";
import { linesLoggedBy } from "../support/logs.ts";
import { whileHolding } from "../support/locks.ts";
import { Browser, overTheWebsocket, startApi, TEST_JWT_SECRET, type TestApi } from "../support/api.ts";
import { cursorSealer } from "../../server/cursors.ts";
import { listenerOn } from "../../server/listening-connection.ts";

let api: TestApi;
let clinic: TestClinic;
let owner: Browser;

beforeAll(async () => {
  api = await startApi();
  clinic = await createClinic("GraphQL clinic");
  owner = new Browser(api);
  await owner.login(clinic.members.owner.phone, clinic.members.owner.password);
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

const INVITE = `mutation($phone: String!, $name: String!, $role: MemberRole!, $password: String) {
  inviteMember(input: { phone: $phone, fullName: $name, role: $role, password: $password }) { result { rowId role } }
}`;

async function usersNamed(name: string): Promise<number> {
  return (await rootPool().query(`select count(*)::int as n from app_public."user" where full_name = $1`, [name])).rows[0].n;
}

/** A GraphQL websocket to the API, open. */
const openWebSocket = (cookie?: string, url = api.url) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(`${url.replace("http", "ws")}/graphql`, "graphql-transport-ws", cookie ? { headers: { cookie } } : {});
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });

/** The websocket's first message on `query` subscribed with `variables` (as the owner, or `at` another API as another session): its type ("next" or "error") and payload. */
async function firstOverTheWebsocket(query: string, variables?: Record<string, unknown>, at?: { url: string; cookie?: string }) {
  const socket = await openWebSocket(at ? at.cookie : (owner.cookie ?? undefined), at?.url);
  try {
    return await new Promise<{ type: string; payload: unknown }>((resolve) => {
      socket.on("message", (data) => {
        const message = JSON.parse(String(data));
        if (message.type === "connection_ack") socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables } }));
        if (message.type === "next" || message.type === "error") resolve({ type: message.type, payload: message.payload });
      });
      socket.send(JSON.stringify({ type: "connection_init" }));
    });
  } finally {
    socket.close();
  }
}

/** Whether the API's listening connection listens on the queue channel of `clinicId`: "LISTEN", or "UNLISTEN". */
const channelListened = async (clinicId: string) => {
  const { rows } = await rootPool().query<{ channel: string }>("select app_private.visit_queue_channel($1) as channel", [clinicId]);
  return listenerOn(rows[0].channel) === undefined ? "UNLISTEN" : "LISTEN";
};

/** A GraphQL websocket to the API, acknowledged, counting the queue events of a visit it hears (asked for `visitId`) and the code it closes with. */
async function queueSocket(cookie?: string) {
  const socket = await openWebSocket(cookie);
  const state = { socket, heard: 0, closedWith: null as number | null, closed: Promise.resolve() };
  state.closed = new Promise<void>((resolve) => socket.once("close", (code) => ((state.closedWith = code), resolve())));
  const acked = new Promise((resolve) =>
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.type === "connection_ack") resolve(true);
      if (message.type === "next" && message.payload.data?.visitQueueChanged?.visitId) state.heard++;
    }),
  );
  socket.send(JSON.stringify({ type: "connection_init" }));
  await acked;
  return state;
}

/** Once a burst of subscriptions sent on `desk` has started, a visit of `own` (unless the connection was closed; another while none was heard), its events heard. */
async function visitAfterBurst(own: TestClinic, desk: Awaited<ReturnType<typeof queueSocket>>): Promise<void> {
  // the channel is listened to once the subscriptions have started (unless the limit closed the connection): then a
  // visit is one event for each subscription running
  await until(async () => desk.closedWith !== null || (await channelListened(own.clinicId)) === "LISTEN", 5000, 50);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // every subscription of the burst has started
  // a visit is heard by the subscriptions running as it is told: on a busy machine the burst may still be starting a
  // second on (its one subscription kept started after the visit and heard nothing, the limit right), so a visit that
  // none heard within 5 s is followed by another, until one is heard (or the limit closed the connection)
  for (let visits = 0; visits < 5 && desk.heard === 0 && desk.closedWith === null; visits++) {
    await createVisit(own);
    await until(() => desk.heard > 0 || desk.closedWith !== null, 5000);
  }
  if (desk.closedWith === null) await new Promise((resolve) => setTimeout(resolve, 500)); // the events of the other subscriptions arrive now
}

describe("bad input gets a clear code and writes nothing", () => {
  test("a malformed phone is INVALID_PHONE", async () => {
    for (const phone of ["abc", "+12", "0712-34x-678", "++255712345678"]) {
      const response = await owner.graphql(INVITE, { phone, name: "Malformed Phone", role: "doctor", password: "password-123" });
      expect(response.body.errors?.[0].extensions?.code).toBe("INVALID_PHONE");
      expect(response.body.errors?.[0].message).toMatch(/phone number/);
    }
    expect(await usersNamed("Malformed Phone")).toBe(0);
  });

  test("a weak or missing password for a new user", async () => {
    const weak = await owner.graphql(INVITE, { phone: "+255733000001", name: "Weak", role: "doctor", password: "short" });
    expect(weak.body.errors?.[0].extensions?.code).toBe("WEAK_PASSWORD");
    const missing = await owner.graphql(INVITE, { phone: "+255733000002", name: "Missing", role: "doctor" });
    expect(missing.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "A password is required." });
    const blank = await owner.graphql(INVITE, { phone: "+255733000007", name: "Blank", role: "doctor", password: " ".repeat(8) });
    expect(blank.body.errors?.[0]).toMatchObject({ extensions: { code: "WEAK_PASSWORD" }, message: "A password needs more than white space: use letters, digits or signs." });
    const { rows } = await rootPool().query(`select count(*)::int as n from app_public."user" where phone in ('+255733000001', '+255733000002', '+255733000007')`);
    expect(rows[0].n).toBe(0);
  });

  test("an unknown role is refused before anything runs", async () => {
    const response = await owner.graphql(INVITE, { phone: "+255733000003", name: "Boss", role: "superuser", password: "password-123" });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0].message).toMatch(/MemberRole/);
  });

  test("a query GraphQL cannot run is INVALID_QUERY, with GraphQL's message", async () => {
    for (const [query, message] of [
      ["{ patients { nodex } }", 'Cannot query field "nodex" on type "PatientConnection". Did you mean "nodes"?'],
      ["{ patients(orderBy: FOO) { nodes { code } } }", 'Value "FOO" does not exist in "PatientOrderBy" enum.'],
      ['{ patients(first: "2") { nodes { code } } }', 'Int cannot represent non-integer value: "2"'],
      ["{ patients( ", "Syntax Error: Expected Name, found <EOF>."],
    ]) {
      const response = await owner.graphql(query);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ message, locations: [expect.any(Object)], extensions: { code: "INVALID_QUERY" } }]);
    }
    // a variable of the wrong type, or a required one missing: GraphQL's refusal as well, with its message
    for (const [variables, message] of [
      [{ n: "x" }, 'Variable "$n" got invalid value "x"; Int cannot represent non-integer value: "x"'],
      [{}, 'Variable "$n" of required type "Int!" was not provided.'],
    ] as const) {
      const response = await owner.graphql("query($n: Int!) { patients(first: $n) { nodes { code } } }", variables);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ message, locations: [expect.any(Object)], extensions: { code: "INVALID_QUERY" } }]);
    }
  });

  test("a body that is not one GraphQL request in JSON is refused with a code, and runs nothing", async () => {
    const create = (lastName: string) => `mutation { createPatient(input: { patient: { firstName: "Body", lastName: "${lastName}" } }) { patient { code } } }`;
    const send = async (body: string, contentType = "application/json") => {
      const response = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": contentType, cookie: owner.cookie! }, body });
      return { status: response.status, errors: ((await response.json()) as { errors: { message: string; extensions: object }[] }).errors };
    };
    const invalid = (message: string | RegExp) => [{ message: expect.stringMatching(message), extensions: expect.objectContaining({ code: "INVALID_QUERY" }) }];
    for (const [what, body, contentType, status, errors] of [
      ["a batch", JSON.stringify([{ query: create("Batch") }]), undefined, 400, invalid(/expected object/)],
      ["not JSON", `{"query": "${create("Broken")}`, undefined, 400, invalid(/Parsing failed/)],
      ["a query that is not text", JSON.stringify({ query: 5 }), undefined, 400, invalid(/query must be a string/)],
      ["a GraphQL document as the body", create("Document"), "application/graphql", 415, invalid(/not allowed/)],
      ["a form", `query=${encodeURIComponent(create("Form"))}`, "application/x-www-form-urlencoded", 415, invalid(/not allowed/)],
      ["over 200 kB", JSON.stringify({ query: create("Large"), variables: { padding: "x".repeat(200_000) } }), undefined, 413,
        [{ message: "The request is larger than the 200,000 bytes allowed.", extensions: { code: "LIMIT_EXCEEDED" } }]],
    ] as const) {
      expect({ what, ...(await send(body, contentType)) }).toEqual({ what, status, errors });
    }
    // grafserv's answers that are not GraphQL's are left as they are (a missing GraphiQL file: its 404, not a 500)
    expect((await fetch(`${api.url}/ruru-static/nope.js`)).status).toBe(404);
    const { rows } = await rootPool().query("select count(*)::int as n from app_public.patient where clinic_id = $1 and first_name = 'Body'", [clinic.clinicId]);
    expect(rows[0].n).toBe(0);
    // the same mutation, sent as it should be, is written: the refusals above were the bodies' alone
    expect((await owner.graphql(create("Proper"))).body.data?.createPatient.patient.code).toMatch(/^PAT-/);
  });

  // over the websocket, grafserv's refusal of the payload (an onError it does not know) was INTERNAL "quote reference …
  // to support", written to the log as an internal fault, and graphql-ws's of an operationName naming no operation
  // had no code at all: over HTTP both are INVALID_QUERY
  test("a websocket message's request that HTTP refuses as INVALID_QUERY is INVALID_QUERY over the websocket too, never an internal fault", async () => {
    const query = "query Clinic { currentClinic { name } }";
    const requests = [
      ["an onError GraphQL does not know", { query, onError: "null" }, "Invalid onError; supported error behaviors are: PROPAGATE, NULL, HALT"],
      ["an operationName naming no operation", { query, operationName: "Patients" }, /operation/],
    ] as const;
    for (const [what, payload] of requests) {
      const response = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", cookie: owner.cookie! }, body: JSON.stringify(payload) });
      const errors = ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors;
      expect({ what, status: response.status, code: errors[0].extensions.code }).toEqual({ what, status: 400, code: "INVALID_QUERY" });
    }
    const socket = await openWebSocket(owner.cookie!);
    try {
      const answers = new Map<string, { type: string; payload: unknown }>();
      const lines = await linesLoggedBy(async () => {
        await new Promise<void>((resolve) => {
          socket.on("message", (data) => {
            const message = JSON.parse(String(data));
            if (message.type === "connection_ack") requests.forEach(([, payload], id) => socket.send(JSON.stringify({ id: String(id), type: "subscribe", payload })));
            if (message.type === "next" || message.type === "error") answers.set(message.id, { type: message.type, payload: message.payload });
            if (answers.size === requests.length) resolve();
          });
          socket.send(JSON.stringify({ type: "connection_init" }));
        });
      });
      for (const [id, [what, , message]] of requests.entries()) {
        expect({ what, ...answers.get(String(id)) }).toEqual({ what, type: "error", payload: [{ message: expect.stringMatching(message), extensions: { code: "INVALID_QUERY" } }] });
      }
      expect(lines.filter((line) => line.includes("internal_error"))).toEqual([]);
    } finally {
      socket.close();
    }
  });

  /** A bare TCP connection to the API that has asked for a websocket upgrade of /graphql, with `headers` (`Name: value` lines). */
  async function rawUpgrade(headers: string[]) {
    const socket = connect(Number(new URL(api.url).port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      ["GET /graphql HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        "Sec-WebSocket-Version: 13", ...headers, "", ""].join("\r\n"),
    );
    return socket;
  }

  /**
   * A websocket of `server`'s /graphql asked for over a bare TCP connection with `headers` (`Name: value` lines), pushed to
   * `held`, whose client never answers the server's close nor closes its side: the status line answering its upgrade and
   * the close that follows ("HTTP/1.1 101 Switching Protocols, closed 4401: <reason>"), or the connection's error.
   */
  const closedAtOnce = (server: TestApi, headers: string[], held: { destroy(): void }[]) =>
    new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(server.url).port), "127.0.0.1", () =>
        socket.write(["GET /graphql HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`, "Sec-WebSocket-Protocol: graphql-transport-ws", ...headers, "", ""].join("\r\n")));
      held.push(socket);
      let read = Buffer.alloc(0);
      socket.on("data", (data: Buffer) => {
        read = Buffer.concat([read, data]);
        const end = read.indexOf("\r\n\r\n");
        const frame = read.subarray(end + 4);
        // the server's close frame: 0x88, its length, then the code and the reason
        if (end >= 0 && frame.length >= 2 && frame.length >= 2 + frame[1]) {
          resolve(`${read.subarray(0, read.indexOf("\r\n")).toString()}, closed ${frame.readUInt16BE(2)}: ${frame.subarray(4, 2 + frame[1]).toString()}`);
        }
      });
      socket.on("error", (error) => resolve(error.message));
    });

  test("a websocket message is held to the body's 200,000 bytes: a larger one closes the connection (1009) before it is read", async () => {
    const closeCode = (socket: WebSocket) => new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    const large = await openWebSocket(owner.cookie!);
    const closed = closeCode(large);
    large.send(JSON.stringify({ type: "connection_init", payload: { padding: "x".repeat(200_001) } }));
    expect(await closed).toBe(1009);
    // within the limit, the same message is answered
    const small = await openWebSocket(owner.cookie!);
    const acked = new Promise<string>((resolve) => small.once("message", (data) => resolve(String(data))));
    small.send(JSON.stringify({ type: "connection_init", payload: { padding: "x".repeat(100_000) } }));
    expect(JSON.parse(await acked)).toEqual({ type: "connection_ack" });
    small.close();
  });

  test("a websocket frame the server cannot read (unmasked, as no client may send) closes that connection, and the server carries on", async () => {
    const socket = await rawUpgrade(["Sec-WebSocket-Protocol: graphql-transport-ws", `Cookie: ${owner.cookie}`]);
    const switched = await new Promise<string>((resolve) => socket.once("data", (data) => resolve(String(data))));
    expect(switched).toMatch(/^HTTP\/1\.1 101 /);
    const ended = new Promise((resolve) => socket.once("close", resolve));
    socket.write(Buffer.concat([Buffer.from([0x81, 0x05]), Buffer.from("hello")])); // a text frame without its mask
    await ended;
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });

  // the subscriptions' limit is per connection: 400 connections of one cookie held 8,000 subscriptions
  test("a person holds at most 10 websocket connections at once: the 11th is refused (429) until one closes", async () => {
    const desk = new Browser(api);
    await desk.login(clinic.members.receptionist.phone, clinic.members.receptionist.password);
    const open = await Promise.all(Array.from({ length: 10 }, () => openWebSocket(desk.cookie ?? undefined)));
    try {
      await expect(openWebSocket(desk.cookie ?? undefined)).rejects.toThrow(/Unexpected server response: 429/);
      // another login of the same person counts with them; another person does not
      const again = new Browser(api);
      await again.login(clinic.members.receptionist.phone, clinic.members.receptionist.password);
      await expect(openWebSocket(again.cookie ?? undefined)).rejects.toThrow(/Unexpected server response: 429/);
      (await openWebSocket(owner.cookie ?? undefined)).close();
      const closed = open.pop()!;
      await new Promise((resolve) => (closed.once("close", resolve), closed.close()));
      // once the server has heard it close (a moment after the client), the place is free
      let reopened: WebSocket | undefined;
      expect(await until(() => openWebSocket(desk.cookie ?? undefined).then((socket) => ((reopened = socket), true), () => false))).toBe(true);
      open.push(reopened!);
    } finally {
      for (const socket of open) socket.close();
    }
  });

  // a refused upgrade's socket was ended on the server's side alone, then neither read nor timed out: a client keeping its
  // own side open (or gone without a word) held it for good, each refusal one more of the server's connections and file
  // descriptors, 10 still held after 75 s, asked for without a session (another site's Origin, a cookie that does not verify)
  test("a refused websocket upgrade (another site's page, a cookie that does not verify, a person's 11th) holds no connection once answered, its client's side still open", async () => {
    // a clinic of its own: a member more of the file's clinic is one more in its lists
    const { receptionist } = (await createClinic("Refused upgrades")).members;
    const desk = new Browser(api);
    await desk.login(receptionist.phone, receptionist.password);
    // a server of its own, whose only connections are those below (the login's is the other server's)
    const own = await startApi();
    const open: { close(): void }[] = [];
    const held: ReturnType<typeof connect>[] = [];
    /** The status line answering an upgrade sent with `headers`, its socket held open by the client. */
    const refused = (headers: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect({ port: Number(new URL(own.url).port), host: "127.0.0.1", allowHalfOpen: true }, () =>
          socket.write(`GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n${headers}\r\n`));
        held.push(socket);
        socket.once("data", (data) => resolve(String(data).split("\r\n")[0]));
        socket.once("error", reject);
      });
    try {
      for (let i = 0; i < 10; i++) open.push(await overTheWebsocket(own, desk, []));
      const answers = [
        await refused("Origin: https://elsewhere.example\r\n"),
        await refused("Cookie: clinicops_session=forged\r\n"),
        await refused(`Cookie: ${desk.cookie}\r\n`),
      ];
      expect(answers).toEqual(["HTTP/1.1 403 Forbidden", "HTTP/1.1 401 Unauthorized", "HTTP/1.1 429 Too Many Requests"]);
      // the person's 10 websockets alone (graphql-ws's, kept open)
      await until(async () => (await own.connections()) === 10);
      expect(await own.connections()).toBe(10);
    } finally {
      for (const socket of held) socket.destroy();
      for (const socket of open) socket.close();
      await own.close();
    }
  });

  // a copy of a cookie whose session had ended (logged out, its password changed) held the person's 10 places, each until
  // the next check of the sessions behind the websockets closed it, and opened them again: their live queue was refused (429)
  test("a cookie whose session has ended takes none of its person's 10 websocket places: its websocket is closed at once (4401), and the person, logged in again, opens theirs", async () => {
    const { cashier } = clinic.members;
    const stolen = new Browser(api);
    await stolen.login(cashier.phone, cashier.password);
    const copy = stolen.cookie!; // still signed and unexpired once its session ends
    expect((await stolen.post("/auth/logout", {})).status).toBe(200);
    const held: { destroy(): void }[] = [];
    try {
      // the copies' websockets, held open by a client that never answers their close
      const copies = await Promise.all(Array.from({ length: 10 }, () => closedAtOnce(api, [`Cookie: ${copy}`], held)));
      const again = new Browser(api);
      await again.login(cashier.phone, cashier.password);
      const own = await openWebSocket(again.cookie!).then((socket) => (held.push({ destroy: () => socket.close() }), "opened"), (error: Error) => error.message);
      expect({ copies, own }).toEqual({
        copies: Array(10).fill("HTTP/1.1 101 Switching Protocols, closed 4401: Your session has ended: log in again."),
        own: "opened",
      });
    } finally {
      for (const socket of held) socket.destroy();
    }
  });

  // a websocket without a session was counted nowhere, and kept: 19,977 of them from one address, each sent
  // connection_init (or not, asked for again as each was closed at 3 s), held all 20,000 file descriptors of the server,
  // and /health, logins and queries got no connection; a subscription needs a session, and queries are answered over HTTP
  test("a websocket without a session is closed at once (4401, Log in first.), its connection let go within seconds even when its client never answers the close", async () => {
    // a server of its own, whose only connections are those below
    const own = await startApi();
    const held: { destroy(): void }[] = [];
    try {
      const initialised = new WebSocket(`${own.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
      held.push({ destroy: () => initialised.terminate() });
      initialised.once("open", () => initialised.send(JSON.stringify({ type: "connection_init" })));
      const heard = new Promise<string>((resolve) => {
        initialised.once("message", (data) => resolve(String(data)));
        initialised.once("close", (code, reason) => resolve(`closed ${code}: ${reason}`));
      });
      const silent = await Promise.all(Array.from({ length: 50 }, () => closedAtOnce(own, [], held)));
      expect({ initialised: await heard, silent }).toEqual({
        initialised: "closed 4401: Log in first.",
        silent: Array(50).fill("HTTP/1.1 101 Switching Protocols, closed 4401: Log in first."),
      });
      expect(await until(async () => (await own.connections()) === 0)).toBe(true);
    } finally {
      for (const socket of held) socket.destroy();
      await own.close();
    }
  });

  test("a connection holds at most 20 subscriptions at once: the 21st closes it (4400), and one ended by its client or by the server frees its place", async () => {
    // subscriptions that stay live: the front desk's, logged in
    const desk = new Browser(api);
    await desk.login(clinic.members.receptionist.phone, clinic.members.receptionist.password);
    const initialised = async () => {
      const socket = await openWebSocket(desk.cookie ?? undefined);
      const acked = new Promise((resolve) => socket.on("message", (data) => JSON.parse(String(data)).type === "connection_ack" && resolve(true)));
      socket.send(JSON.stringify({ type: "connection_init" }));
      await acked;
      return socket;
    };
    const subscribe = (socket: WebSocket, id: string) =>
      socket.send(JSON.stringify({ id, type: "subscribe", payload: { query: "subscription { visitQueueChanged { status } }" } }));
    const stillOpen = (socket: WebSocket) =>
      new Promise<boolean>((resolve) => {
        socket.on("message", (data) => JSON.parse(String(data)).type === "pong" && resolve(true));
        socket.once("close", () => resolve(false));
        socket.send(JSON.stringify({ type: "ping" }));
      });

    const full = await initialised();
    for (let i = 1; i <= 20; i++) subscribe(full, String(i));
    expect(await stillOpen(full)).toBe(true);
    const closed = new Promise<[number, string]>((resolve) => full.once("close", (code, reason) => resolve([code, String(reason)])));
    subscribe(full, "21");
    expect(await closed).toEqual([4400, "At most 20 subscriptions on one connection."]);
    // sent as binary frames, which graphql-ws reads as text alike: 1,500 ran on one socket
    const binary = await initialised();
    const binaryClosed = new Promise<[number, string]>((resolve) => binary.once("close", (code, reason) => resolve([code, String(reason)])));
    for (let i = 1; i <= 21; i++) {
      binary.send(Buffer.from(JSON.stringify({ id: String(i), type: "subscribe", payload: { query: "subscription { visitQueueChanged { status } }" } })), { binary: true });
    }
    expect(await binaryClosed).toEqual([4400, "At most 20 subscriptions on one connection."]);

    const freed = await initialised();
    for (let i = 1; i <= 20; i++) subscribe(freed, String(i));
    freed.send(JSON.stringify({ id: "1", type: "complete" }));
    subscribe(freed, "21");
    expect(await stillOpen(freed)).toBe(true);
    freed.close();

    // one the server ended (its error) frees its place too: graphql-ws's client sends no complete then, and a desk
    // subscribing again after each lost connection had its socket closed at the 21st
    const refused = await initialised();
    for (let i = 1; i <= 25; i++) {
      const answered = new Promise<string>((resolve) => {
        const closed = () => resolve("closed");
        const heard = (data: unknown) => {
          const message = JSON.parse(String(data));
          if (message.id !== `bad${i}`) return;
          refused.off("message", heard);
          refused.off("close", closed); // one per subscription left behind: node warned of a leak past 10
          resolve(message.type);
        };
        refused.on("message", heard);
        refused.once("close", closed);
      });
      refused.send(JSON.stringify({ id: `bad${i}`, type: "subscribe", payload: { query: "subscription { noSuchField }" } }));
      expect(await answered).toBe("error");
    }
    for (let i = 1; i <= 20; i++) subscribe(refused, String(i));
    expect(await stillOpen(refused)).toBe(true);
    refused.close();
  });

  // graphql-ws lets a client reuse the id of a subscription it completed while that subscription was still starting: both
  // start, graphql-ws keeps the second, and the first runs on where no complete reaches it, nor the connection's close (it
  // ended at its clinic's next event after); the limit counted ids, and 100 subscriptions ran on one connection
  test("a subscription completed while it starts and its id subscribed again still counts among the connection's 20, and ends with the connection", async () => {
    const own = await createClinic("Reused ids");
    const desk = new Browser(api);
    await desk.login(own.members.receptionist.phone, own.members.receptionist.password);
    const desk$ = await queueSocket(desk.cookie ?? undefined);
    const { socket, closed } = desk$;
    const subscribe = JSON.stringify({ id: "queue", type: "subscribe", payload: { query: "subscription { visitQueueChanged { visitId } }" } });
    for (let i = 0; i < 100; i++) socket.send(subscribe), socket.send(JSON.stringify({ id: "queue", type: "complete" }));
    socket.send(subscribe);
    const listening = () => channelListened(own.clinicId);
    await visitAfterBurst(own, desk$);
    expect(desk$.heard).toBeLessThanOrEqual(20); // by the limit's close (4400) at the 21st running, or within it
    socket.close();
    await closed;
    // a few such subscriptions, within the limit, end with their connection: nothing of it listens once it closes
    const few = await openWebSocket(desk.cookie ?? undefined);
    const fewAcked = new Promise((resolve) => few.once("message", resolve));
    few.send(JSON.stringify({ type: "connection_init" }));
    await fewAcked;
    for (let i = 0; i < 5; i++) few.send(subscribe), few.send(JSON.stringify({ id: "queue", type: "complete" }));
    few.send(subscribe);
    await until(async () => (await listening()) === "LISTEN", 5000, 50);
    await new Promise((resolve) => setTimeout(resolve, 500)); // every subscription of the burst has started
    await new Promise((resolve) => (few.once("close", resolve), few.close()));
    await until(async () => (await listening()) === "UNLISTEN", 5000, 50);
    expect(await listening()).toBe("UNLISTEN");
  });

  // graphql-ws still starts a subscription its client completed while it was starting, and returns it once started: counted
  // while it started, 200 subscribe/complete pairs of fresh ids sent at once closed the connection with 4400
  test("a subscription its client completes while it starts takes no place among the connection's 20", async () => {
    const own = await createClinic("Completed at once");
    const desk = new Browser(api);
    await desk.login(own.members.receptionist.phone, own.members.receptionist.password);
    const desk$ = await queueSocket(desk.cookie ?? undefined);
    const { socket } = desk$;
    const subscribe = (id: string) => JSON.stringify({ id, type: "subscribe", payload: { query: "subscription { visitQueueChanged { visitId } }" } });
    for (let i = 0; i < 200; i++) socket.send(subscribe(`once${i}`)), socket.send(JSON.stringify({ id: `once${i}`, type: "complete" }));
    socket.send(subscribe("kept"));
    await visitAfterBurst(own, desk$);
    expect({ closedWith: desk$.closedWith, heard: desk$.heard }).toEqual({ closedWith: null, heard: 1 });
    socket.close();
  });

  // a query sent over the websocket is answered, then completed by the server: counted until its client said complete
  // (which graphql-ws's client never says then), a page sending its queries over the socket had it closed at the 21st
  test("a query over the websocket, completed by the server once answered, takes no place among the connection's 20", async () => {
    const socket = await openWebSocket(owner.cookie ?? undefined);
    try {
      const acked = new Promise((resolve) => socket.once("message", resolve));
      socket.send(JSON.stringify({ type: "connection_init" }));
      await acked;
      const completed = new Set<string>();
      let closed = false;
      socket.once("close", () => (closed = true));
      socket.on("message", (data) => {
        const message = JSON.parse(String(data));
        if (message.type === "complete") completed.add(message.id);
      });
      for (let i = 1; i <= 25; i++) {
        socket.send(JSON.stringify({ id: String(i), type: "subscribe", payload: { query: "{ currentClinic { name } }" } }));
        await until(() => completed.has(String(i)) || closed);
      }
      expect({ closed, completed: completed.size }).toEqual({ closed: false, completed: 25 });
    } finally {
      socket.close();
    }
  });

  test("a websocket is GraphQL's at its path alone: an upgrade of any other path is refused", async () => {
    const socket = new WebSocket(`${api.url.replace("http", "ws")}/auth/login`, "graphql-transport-ws", { headers: { cookie: owner.cookie! } });
    const opened = await new Promise<boolean>((resolve) => (socket.once("open", () => resolve(true)), socket.once("error", () => resolve(false))));
    socket.close();
    expect(opened).toBe(false);
  });

  test("an upgrade from another site, refused, then reset by its client, leaves the server running", async () => {
    for (let attempt = 0; attempt < 30; attempt++) {
      const socket = await rawUpgrade(["Origin: https://evil.example"]);
      socket.on("error", () => {});
      await new Promise((resolve) => setImmediate(resolve));
      socket.resetAndDestroy(); // a TCP reset while the server answers its 403
    }
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });

  test("an oversize name is INVALID_INPUT, and nothing of the invitation remains", async () => {
    const response = await owner.graphql(INVITE, { phone: "+255733000004", name: "x".repeat(201), role: "doctor", password: "password-123" });
    // refused before the phone is looked up (the same answer whether it has an account), as the constraint would
    expect(response.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "A name is required, at most 200 characters." });
    expect(response.body.errors?.[0].message).not.toMatch(/insert|select|app_public|violates/i);
    expect(await usersNamed("x".repeat(201))).toBe(0);
    const { rows } = await rootPool().query(`select count(*)::int as n from app_public."user" where phone = '+255733000004'`);
    expect(rows[0].n).toBe(0);
  });

  test("an oversize clinic setting is INVALID_INPUT", async () => {
    const response = await owner.graphql(
      `mutation($id: UUID!, $footer: String) { updateClinic(input: { rowId: $id, patch: { invoiceFooter: $footer } }) { clinic { name } } }`,
      { id: clinic.clinicId, footer: "f".repeat(2001) },
    );
    expect(response.body.errors?.[0].extensions?.code).toBe("INVALID_INPUT");
  });

  test("a value a check constraint refuses is INVALID_INPUT with what the constraint asks for", async () => {
    const updateClinic = (patch: Record<string, unknown>) =>
      owner
        .graphql(`mutation($id: UUID!, $patch: ClinicPatch!) { updateClinic(input: { rowId: $id, patch: $patch }) { clinic { name } } }`, {
          id: clinic.clinicId,
          patch,
        })
        .then((r) => r.body.errors?.[0]);
    expect(await updateClinic({ timezone: "Mars/Base" })).toMatchObject({
      extensions: { code: "INVALID_INPUT", constraint: "clinic_timezone_check" },
      message: "Unknown time zone: use an IANA name such as Africa/Nairobi.", // as createClinicWithOwner says it
    });
    // names that are also abbreviations, which PostgreSQL reads as such when it converts times: CET was +01 all
    // year, and a summer payment at 00:30 in a CET clinic went on the day before (000158); UTC and GMT are the same either way
    for (const timezone of ["CET", "EET", "WET", "MET", "EST"]) {
      expect({ timezone, refused: await updateClinic({ timezone }) }).toMatchObject({ timezone, refused: { extensions: { constraint: "clinic_timezone_check" } } });
    }
    for (const timezone of ["Europe/Paris", "UTC", "GMT", "Africa/Dar_es_Salaam"]) expect({ timezone, refused: await updateClinic({ timezone }) }).toEqual({ timezone, refused: undefined });
    const TAX_RATE = "A tax rate is a fraction below 1 with at most 6 decimals: 0.18 for 18%, 0.08875 for 8.875%.";
    for (const taxRate of ["18", "0.0887501", `0.0887501${"0".repeat(5000)}`]) {
      expect(await updateClinic({ taxRate })).toMatchObject({ extensions: { code: "INVALID_INPUT", constraint: "clinic_tax_rate_check" }, message: TAX_RATE });
    }
    // trailing zeros say nothing (a form padding to 7 places sent 0.0725000, refused as of 7 decimals: a money tester's find)
    for (const taxRate of ["0.1800000", `0.18${"0".repeat(5000)}`]) {
      const set = await owner.graphql(`mutation($id: UUID!, $t: BigFloat!) { updateClinic(input: { rowId: $id, patch: { taxRate: $t } }) { clinic { taxRate } } }`, {
        id: clinic.clinicId,
        t: taxRate,
      });
      expect(set.body).toEqual({ data: { updateClinic: { clinic: { taxRate: "0.18" } } } });
    }
    const taxRateSet = await owner.graphql(`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: { taxRate: "0.08875" } }) { clinic { taxRate } } }`, {
      id: clinic.clinicId,
    });
    expect(taxRateSet.body).toEqual({ data: { updateClinic: { clinic: { taxRate: "0.08875" } } } }); // kept as typed (it was 0.0888)
    await rootPool().query("update app_public.clinic set tax_rate = 0 where id = $1", [clinic.clinicId]);
    expect(await updateClinic({ currency: "XYZ" })).toMatchObject({ message: expect.stringMatching(/^Unknown currency/) });
    expect(await updateClinic({ name: "  " })).toMatchObject({ message: "A clinic needs a name of at most 200 characters." });
    expect(await updateClinic({ codePrefixes: { PAT: "P-1" } })).toMatchObject({ extensions: { constraint: "code_prefixes_are_valid" } });
    // every kind keeps a prefix of its own: patients and invoices numbered alike, or invoices numbered as patients
    for (const codePrefixes of [{ PAT: "PT", INV: "PT" }, { INV: "PAT" }, { PAY: "ref" }]) {
      expect(await updateClinic({ codePrefixes })).toMatchObject({
        extensions: { code: "INVALID_INPUT" },
        message: "Code prefixes replace PAT, SRV, VIS, INV, PAY or REF, each with 1 to 8 letters or digits that no other kind of code has.",
      });
    }
    // nor one another kind has had codes under: visits numbered PAT-… beside the patients' PAT-…
    await createPatient(clinic.clinicId);
    expect(await updateClinic({ codePrefixes: { PAT: "PT", VIS: "pat" } })).toMatchObject({
      extensions: { code: "INVALID_INPUT" },
      message: "The prefix pat is already on codes of another kind (PAT): choose one that no other kind of code has had.",
    });
    // patients and invoices swapping prefixes, once the clinic has invoices
    await createIssuedInvoice(clinic, "1000");
    expect(await updateClinic({ codePrefixes: { PAT: "INV", INV: "PAT" } })).toMatchObject({
      extensions: { code: "INVALID_INPUT" },
      message: expect.stringMatching(/^The prefix (INV|PAT) is already on codes of another kind \((INV|PAT)\)/),
    });
    // what is not a prefix is told so, before any code is looked at
    for (const codePrefixes of [{ VIS: "%" }, { VIS: "P_T" }]) {
      expect(await updateClinic({ codePrefixes })).toMatchObject({ extensions: { code: "INVALID_INPUT", constraint: "code_prefixes_are_valid" } });
    }
    // a clinic whose prefixes clashed before that rule changes its other settings, and then its prefixes to ones that do not clash
    await writeBehindTriggers(`update app_public.clinic set code_prefixes = '{"INV": "PAT"}' where id = $1`, [clinic.clinicId]); // as saved before 000066
    expect((await updateClinic({ invoiceFooter: "Asante" })) ?? null).toBeNull();
    expect((await updateClinic({ codePrefixes: { INV: "BILL" } })) ?? null).toBeNull();
    await rootPool().query(`update app_public.clinic set code_prefixes = '{}', invoice_footer = null where id = $1`, [clinic.clinicId]);

    const service = await createService(clinic.clinicId, "1000");
    const visit = await createVisit(clinic, "in_progress");
    const line = await owner.graphql(
      `mutation($v: UUID!, $s: UUID!) { createVisitService(input: { visitService: { visitId: $v, serviceId: $s, quantity: 2, discount: "2500" } }) { visitService { rowId } } }`,
      { v: visit.id, s: service.id },
    );
    expect(line.body.errors?.[0]).toMatchObject({
      extensions: { code: "INVALID_INPUT", constraint: "visit_service_check" },
      message: "A discount cannot be more than the line's amount (quantity × unit price).",
    });

    const invoice = await owner.graphql(`mutation($p: UUID!) { createInvoice(input: { invoice: { patientId: $p } }) { invoice { rowId } } }`, {
      p: visit.patientId,
    });
    const finerThanTheShilling = await owner.graphql(
      `mutation($i: UUID!) { createInvoiceLine(input: { invoiceLine: { invoiceId: $i, description: "Dressing", unitPrice: "100", discount: "0.005" } }) { invoiceLine { rowId } } }`,
      { i: invoice.body.data.createInvoice.invoice.rowId },
    );
    expect(finerThanTheShilling.body.errors?.[0]).toMatchObject({
      extensions: { code: "INVALID_INPUT", constraint: "invoice_line_discount_decimals_check" },
      message: "A discount has no more decimals than the invoice's currency: 2 for TZS, 3 for KWD, none for JPY.",
    });
  });

  // it said "This visit already has an invoice.", and the cashier had to find which
  test("a second invoice for a visit says so, naming the first and what to do", async () => {
    const service = await createService(clinic.clinicId);
    const visit = await createVisit(clinic, "in_progress");
    await rootPool().query("insert into app_public.visit_service (clinic_id, visit_id, service_id) values ($1, $2, $3)", [clinic.clinicId, visit.id, service.id]);
    const invoice = () => owner.graphql(`mutation($v: UUID!) { createInvoiceFromVisit(input: { visitId: $v }) { result { rowId code } } }`, { v: visit.id });
    const first = (await invoice()).body.data.createInvoiceFromVisit.result;
    expect((await invoice()).body.errors?.[0]).toMatchObject({
      extensions: { code: "CONFLICT", invoiceId: first.rowId },
      message: `This visit already has an invoice, ${first.code} (draft): bill the visit's services added since on it (billUnbilledServices), or add lines to it.`,
    });
    await owner.graphql(`mutation($i: UUID!) { issueInvoice(input: { invoiceId: $i }) { clientMutationId } }`, { i: first.rowId });
    expect((await invoice()).body.errors?.[0]).toMatchObject({
      extensions: { code: "CONFLICT", invoiceId: first.rowId },
      message: `This visit already has an invoice, ${first.code} (issued): to bill the visit again, void that one first, its payments refunded.`,
    });
  });

  test("an empty password at login is INVALID_INPUT, not INVALID_CREDENTIALS", async () => {
    const response = await new Browser(api).tryLogin(clinic.members.owner.phone, "");
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ code: "INVALID_INPUT", message: "A password is required." });
  });

  test("a time with a time zone offset out of range is INVALID_INPUT, not an internal fault", async () => {
    const browser = new Browser(api);
    await browser.login(clinic.members.receptionist.phone, clinic.members.receptionist.password);
    const lastName = `Offset ${Math.random()}`;
    const patient = await browser.graphql(`mutation($n: String!) { createPatient(input: { patient: { firstName: "Far", lastName: $n } }) { patient { rowId } } }`, { n: lastName });
    const r = await browser.graphql(`mutation($p: UUID!, $d: UUID!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: "2030-12-01T09:00+99" } }) { visit { code } } }`, {
      p: patient.body.data.createPatient.patient.rowId,
      d: clinic.members.doctor.membershipId,
    });
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "A time zone offset is out of range." });
    const { rows } = await rootPool().query("select count(*)::int as n from app_public.visit where patient_id = $1", [patient.body.data.createPatient.patient.rowId]);
    expect(rows[0].n).toBe(0);
  });

  const PAY = `mutation($i: UUID!, $a: BigFloat!) { recordPayment(input: { invoiceId: $i, amount: $a, method: cash }) { result { amount } } }`;
  /**
   * A cashier pays an issued invoice of 1000: each of `refused` as a variable, and `literal` written in the query, is
   * INVALID_INPUT saying `why`, and no payment is written; then each of `taken` is taken as the amount it reads.
   * Gives the cashier and the invoice.
   */
  async function amountsRefusedThenTaken(refused: unknown[], literal: string, why: string, taken: [string, string][]) {
    const invoice = await createIssuedInvoice(clinic, "1000");
    const cashier = new Browser(api);
    await cashier.login(clinic.members.cashier.phone, clinic.members.cashier.password);
    for (const amount of refused) {
      const r = await cashier.graphql(PAY, { i: invoice.id, a: amount });
      expect({ amount, code: r.body.errors?.[0]?.extensions?.code, message: r.body.errors?.[0]?.message }).toEqual({
        amount, code: "INVALID_INPUT", message: `Variable "$a" got invalid value ${JSON.stringify(amount)}; Expected type "BigFloat". ${why}`,
      });
    }
    const inQuery = await cashier.graphql(`mutation { recordPayment(input: { invoiceId: "${invoice.id}", amount: "${literal}", method: cash }) { result { amount } } }`);
    expect(inQuery.body.errors?.[0]).toMatchObject({ message: `Expected value of type "BigFloat!", found "${literal}"; ${why}`, extensions: { code: "INVALID_INPUT" } });
    expect((await rootPool().query("select count(*)::int as n from app_public.payment where invoice_id = $1", [invoice.id])).rows[0].n).toBe(0);
    for (const [amount, reads] of taken) {
      expect((await cashier.graphql(PAY, { i: invoice.id, a: amount })).body).toEqual({ data: { recordPayment: { result: { amount: reads } } } });
    }
    return { cashier, invoice };
  }

  // PostgreSQL's numeric read them: "A value has the wrong format.", naming no field; a JSON number was taken from a
  // variable, and refused as a literal in the query (a frontend developer)
  test("an amount not written as a decimal number in text is INVALID_INPUT saying the form, naming where, and nothing is written", async () => {
    const FORM = 'An amount is a number written as text, with a decimal point if need be and no thousands separators, such as "1500.50".';
    // written as numbers are, it is taken: "1500.50", ".5", "1e2"
    await amountsRefusedThenTaken(["", " ", "1,000", "abc", "1 000", "12.5.1", 5, true], "1,000", FORM, [["100.50", "100.500"], [".5", "0.500"], ["1e2", "100.000"]]);
  });

  // PostgreSQL's numeric refused them as "value overflows numeric format", with no detail: "A number is out of range.",
  // which said neither what was wrong nor what an amount may be
  test("an amount written with an exponent beyond 999 is INVALID_INPUT saying what an exponent may be, and nothing is written", async () => {
    const NO_AMOUNT = 'An amount\'s exponent (the 2 of "1e2", which is 100) is at most 999 either way: write the amount out, such as "1500.50".';
    // an exponent of 999 at most (leading zeros aside) is read as PostgreSQL reads it
    const { cashier, invoice } = await amountsRefusedThenTaken(["1e100000000", "1e-100000000", "-5E+1000", "1e-0016384"], "1e-100000000", NO_AMOUNT, [
      ["1.5e002", "150.000"], ["25000e-2", "250.000"], ["1e0000", "1.000"],
    ]);
    // and a number too large is told its limit
    const tooLarge = await cashier.graphql(PAY, { i: invoice.id, a: "1e999" });
    expect(tooLarge.body.errors?.[0]).toMatchObject({ message: "A payment is at most 9999999999999.999.", extensions: { code: "INVALID_INPUT" } });
  });

  // PostgreSQL's bigint read them: "A value has the wrong format." or "A number is out of range.", naming neither the field
  // nor the form; a JSON number was taken from a variable, and refused as a literal in the query as INVALID_QUERY (an auditor
  // looking up an entry by its number, a report of groups counted past a number)
  test("a whole number (BigInt) not written as digits in text, or past bigint, is INVALID_INPUT saying the form, naming where", async () => {
    const FORM = 'A whole number is written as text, digits alone, such as "20".';
    const RANGE = "A whole number here is from -9223372036854775808 to 9223372036854775807.";
    const uses = [
      `query($s: BigInt) { auditLogs(condition: { seq: $s }) { totalCount } }`,
      `query($s: BigInt) { auditLogs(filter: { seq: { greaterThan: $s } }) { totalCount } }`,
      `query($s: BigInt) { patients { groupedAggregates(groupBy: [LAST_NAME], having: { distinctCount: { createdAt: { greaterThan: $s } } }) { keys } } }`,
    ];
    const refusal = (r: Awaited<ReturnType<typeof owner.graphql>>) => ({ code: r.body.errors?.[0]?.extensions?.code, message: r.body.errors?.[0]?.message });
    for (const query of uses) {
      const refused: [unknown, string][] = [["1,204", FORM], ["1.5", FORM], ["abc", FORM], ["", FORM], [" 20", FORM], ["1e3", FORM], [20, FORM], [true, FORM], ["9223372036854775808", RANGE], ["-9223372036854775809", RANGE]];
      for (const [s, why] of refused) {
        const r = await owner.graphql(query, { s });
        expect({ query, s, ...refusal(r) }).toEqual({ query, s, code: "INVALID_INPUT", message: expect.stringMatching(new RegExp(`^Variable "\\$s" got invalid value .*; Expected type "BigInt"\\. ${why.replace(/[.()]/g, "\\$&")}$`)) });
      }
      // within bigint, as digits, it is read
      for (const s of ["0", "+5", "-9223372036854775808", "9223372036854775807"]) {
        expect({ s, errors: (await owner.graphql(query, { s })).body.errors }).toEqual({ s, errors: undefined });
      }
    }
    // written in the query, as text or not, as a variable's value is
    for (const literal of ["20", '"1,204"']) {
      const r = await owner.graphql(`{ auditLogs(condition: { seq: ${literal} }) { totalCount } }`);
      expect(refusal(r)).toEqual({ code: "INVALID_INPUT", message: expect.stringContaining(FORM) });
    }
    expect((await owner.graphql(`{ auditLogs(condition: { seq: "1" }) { totalCount } }`)).body.errors).toBeUndefined();
  });

  test("a date or a time not written as ISO 8601 is INVALID_INPUT saying the form, and nothing is written: 05/06/2027 was May 6", async () => {
    const browser = new Browser(api);
    await browser.login(clinic.members.receptionist.phone, clinic.members.receptionist.password);
    const lastName = `Dated ${Math.random()}`;
    const CREATE_PATIENT = `mutation($n: String!, $born: Date) { createPatient(input: { patient: { firstName: "Dated", lastName: $n, dateOfBirth: $born } }) { patient { rowId dateOfBirth } } }`;
    const BOOK = `mutation($p: UUID!, $d: UUID!, $at: Datetime!) { createVisit(input: { visit: { patientId: $p, doctorId: $d, scheduledAt: $at } }) { visit { scheduledAt } } }`;
    const DATE_FORM = "A date is written YYYY-MM-DD, such as 2026-12-31.";
    const TIME_FORM = "A date and time is written YYYY-MM-DDTHH:MM, with seconds and a time zone offset if you like, such as 2026-12-31T09:30:00+03:00.";
    const refusal = (r: Awaited<ReturnType<typeof browser.graphql>>) => ({ code: r.body.errors?.[0]?.extensions?.code, message: r.body.errors?.[0]?.message });
    for (const born of ["05/06/1990", "today", "1990-6-5", "19900605", 19900605]) {
      const r = await browser.graphql(CREATE_PATIENT, { n: lastName, born });
      expect({ born, ...refusal(r) }).toEqual({ born, code: "INVALID_INPUT", message: expect.stringContaining(DATE_FORM) });
    }
    // as a literal in the query too
    const literal = await browser.graphql(`mutation { createPatient(input: { patient: { firstName: "Dated", lastName: "${lastName}", dateOfBirth: "yesterday" } }) { patient { rowId } } }`);
    expect(refusal(literal)).toEqual({ code: "INVALID_INPUT", message: expect.stringContaining(DATE_FORM) });
    expect((await rootPool().query("select count(*)::int as n from app_public.patient where last_name = $1", [lastName])).rows[0].n).toBe(0);

    const patient = await browser.graphql(CREATE_PATIENT, { n: lastName, born: "1990-06-05" });
    expect(patient.body.data.createPatient.patient.dateOfBirth).toBe("1990-06-05");
    const book = (at: unknown) => browser.graphql(BOOK, { p: patient.body.data.createPatient.patient.rowId, d: clinic.members.doctor.membershipId, at });
    for (const at of ["05/06/2030 10:00", "tomorrow", "now", "J2461400", "infinity", "2030-6-5", "2030-06-05T9:00", "2030-06-05T09:00 EAT", "2030-06-05T09:00+0300:00", 1906000000000]) {
      expect({ at, ...refusal(await book(at)) }).toEqual({ at, code: "INVALID_INPUT", message: expect.stringContaining(TIME_FORM) });
    }
    // a number written in the query is told the form too (it was GraphQL's "can only parse string values")
    const numberLiteral = await browser.graphql(`{ visits(condition: { scheduledAt: 1906000000000 }) { totalCount } }`);
    expect(refusal(numberLiteral)).toEqual({ code: "INVALID_INPUT", message: expect.stringContaining(TIME_FORM) });
    // of the right form, but no day of the calendar: PostgreSQL's refusal, saying what it means
    expect(refusal(await book("2030-02-30T09:00"))).toEqual({
      code: "INVALID_INPUT",
      message: "A date or time is out of range: no such day or time in the calendar (2026-02-30, 25:00), or too far.",
    });
    expect((await rootPool().query("select count(*)::int as n from app_public.visit where patient_id = $1", [patient.body.data.createPatient.patient.rowId])).rows[0].n).toBe(0);
    for (const [at, when] of [
      ["2030-06-05T09:00:00Z", "2030-06-05T12:00:00.000000+03:00"],
      ["2030-06-06 09:00+03:00", "2030-06-06T09:00:00.000000+03:00"],
      ["2030-06-07t09:00:00.5+0300", "2030-06-07T09:00:00.500000+03:00"],
      ["2030-06-08T06:00:00.123456789Z", "2030-06-08T09:00:00.123456+03:00"], // a Java Instant's nanoseconds, cut (not rounded) to the microsecond
      ["2030-06-09T09:00:00+03:00:00", "2030-06-09T09:00:00.000000+03:00"], // an offset to the second, as ISO 8601 allows
      ["2030-06-10", "2030-06-10T00:00:00.000000+03:00"], // a date alone: its midnight on the clinic's clock
    ]) {
      const r = await book(at);
      expect({ at, scheduledAt: r.body.data?.createVisit.visit.scheduledAt }).toEqual({ at, scheduledAt: when });
      // what the API writes is sent back as it is
      const found = await browser.graphql(`query($at: Datetime!) { visits(filter: { scheduledAt: { equalTo: $at } }) { totalCount } }`, { at: when });
      expect({ when, found: found.body.data?.visits.totalCount }).toEqual({ when, found: 1 });
    }
  });

  test("an id that is not a UUID is INVALID_INPUT saying the form, where the query wrote it or naming the variable", async () => {
    const browser = new Browser(api);
    await browser.login(clinic.members.receptionist.phone, clinic.members.receptionist.password);
    const UUID_FORM = "An id is a UUID: 32 hexadecimal digits, hyphens optional, such as 0f8fad5b-d9cb-469f-a165-70867728950e.";
    // it was INVALID_QUERY "Invalid UUID, expected 32 hexadecimal characters, optionally with hyphens", with no location
    const literal = await browser.graphql(`{ visits(filter: { doctorId: { equalTo: "…" } }) { totalCount } }`);
    expect(literal.status).toBe(400);
    expect(literal.body.errors).toEqual([
      { message: expect.stringMatching(new RegExp(`^Expected value of type "UUID", found "…"; ${UUID_FORM.replace(/[.()]/g, "\\$&")}$`)), locations: [{ line: 1, column: 41 }], extensions: { code: "INVALID_INPUT" } },
    ]);
    const variable = await browser.graphql(`query($d: UUID!) { visits(filter: { doctorId: { equalTo: $d } }) { totalCount } }`, { d: "not-an-id" });
    expect(variable.body.errors).toEqual([
      {
        message: `Variable "$d" got invalid value "not-an-id"; Expected type "UUID". ${UUID_FORM}`,
        locations: [{ line: 1, column: 7 }],
        extensions: { code: "INVALID_INPUT" },
      },
    ]);
    // one without hyphens, or in capitals, is an id
    const id = clinic.members.doctor.membershipId;
    for (const d of [id.replaceAll("-", ""), id.toUpperCase()]) {
      const found = await browser.graphql(`query($d: UUID!) { visits(filter: { doctorId: { equalTo: $d } }) { totalCount } }`, { d });
      expect({ d, errors: found.body.errors }).toEqual({ d, errors: undefined });
    }
  });

  test("a mutation without a session is UNAUTHENTICATED and writes nothing; a query without one answers who is logged in (no one), and nothing else", async () => {
    const anonymous = new Browser(api);
    const lastName = `Anonymous ${Math.random()}`;
    for (const [mutation, variables] of [
      [`mutation($n: String!) { createPatient(input: { patient: { firstName: "No", lastName: $n } }) { patient { code } } }`, { n: lastName }],
      [`mutation { inviteMember(input: { phone: "+255744000111", fullName: "Nobody", role: receptionist, password: "password-123" }) { result { rowId } } }`, {}],
    ] as const) {
      const r = await anonymous.graphql(mutation, variables);
      expect({ mutation, errors: r.body.errors?.map((e: { message: string; extensions?: { code?: string } }) => [e.extensions?.code, e.message]) }).toEqual({
        mutation, errors: [["UNAUTHENTICATED", "Log in first."]],
      });
    }
    const { rows } = await rootPool().query("select count(*)::int as n from app_public.patient where last_name = $1", [lastName]);
    expect(rows[0].n).toBe(0);
    const visitor = await anonymous.graphql("{ currentUser { rowId } currentClinic { rowId } currentRole }");
    expect(visitor.body).toEqual({ data: { currentUser: null, currentClinic: null, currentRole: null } });
    // a login page's checks, which hold whoever asks
    const checks = await anonymous.graphql(`{ normalizePhone(raw: "+255 712 345 678") isValidTimezone(name: "Africa/Nairobi") isValidCurrency(code: "KES") currencyDecimals(code: "KES") }`);
    expect(checks.body).toEqual({ data: { normalizePhone: "+255712345678", isValidTimezone: true, isValidCurrency: true, currencyDecimals: 2 } });
    // what is no currency has no decimals (it answered 2, for jpy too) and is not valid, null included (it answered null)
    const noCurrency = await anonymous.graphql(`{ xxxx: currencyDecimals(code: "XXXX") jpy: currencyDecimals(code: "jpy") JPY: currencyDecimals(code: "JPY") }`);
    expect(noCurrency.body).toEqual({ data: { xxxx: null, jpy: null, JPY: 0 } });
    expect((await rootPool().query("select app_public.is_valid_currency(null) as none")).rows).toEqual([{ none: false }]);
    // an argument without a default is required (the schema called it optional, and a missing id was NOT_FOUND)
    const none = await anonymous.graphql(`{ isValidCurrency(code: null) }`);
    expect(none.body.errors).toEqual([expect.objectContaining({ message: 'Expected value of type "String!", found null.', extensions: { code: "INVALID_QUERY" } })]);
    // null, not an object of nulls, whatever is asked (a function's row of nulls, without its key)
    const nullable = await anonymous.graphql("{ currentUser { createdBy updatedBy } currentClinic { callingCode invoiceFooter email } }");
    expect(nullable.body).toEqual({ data: { currentUser: null, currentClinic: null } });
    // GraphiQL's introspection, through a fragment too
    const schema = await anonymous.graphql("query { ...S } fragment S on Query { __schema { queryType { name } } __typename }");
    expect(schema.body).toEqual({ data: { __schema: { queryType: { name: "Query" } }, __typename: "Query" } });
    // a clinic's data answered empty lists, as if the clinic had none: a browser drops the cookie when the
    // session ends, and the front desk read "no patients found" where it was logged out
    for (const query of [
      "{ currentUser { rowId } patients { totalCount } }",
      `{ searchPatients(query: "ram") { totalCount } }`,
      "query { ...Queue } fragment Queue on Query { visits { totalCount } }",
      "{ ... on Query { auditLogs { totalCount } } }",
    ]) {
      const r = await anonymous.graphql(query);
      expect({ query, body: r.body }).toEqual({ query, body: { errors: [expect.objectContaining({ message: "Log in first.", extensions: { code: "UNAUTHENTICATED" } })] } });
    }
  });

  // the schema called every argument of a function optional, and one left out was read as null: a payment without its
  // invoice was NOT_FOUND "No such invoice in this clinic.", a patient's deletion without one "Nothing to delete"
  test("a mutation's argument without a default is required: left out, the request is refused naming it, and nothing runs", async () => {
    for (const [mutation, missing, type] of [
      [`recordPayment(input: { amount: "1", method: cash }) { result { code } }`, "invoiceId", "UUID!"],
      [`refundPayment(input: { amount: "1", reason: "Returned" }) { result { rowId } }`, "paymentId", "UUID!"],
      [`voidInvoice(input: { reason: "Wrong patient" }) { result { code } }`, "invoiceId", "UUID!"],
      [`deletePatient(input: {}) { result { code } }`, "patientId", "UUID!"],
      [`reopenDay(input: { reason: "Miscounted" }) { result { status } }`, "businessDate", "Date!"],
    ]) {
      const answer = await owner.post("/graphql", { query: `mutation { ${mutation} }` });
      expect({ missing, status: answer.status, errors: answer.body.errors }).toEqual({
        missing, status: 400, errors: [expect.objectContaining({ message: expect.stringMatching(new RegExp(`^Field "\\w+Input\\.${missing}" of required type "${type.replace("!", "\\!")}" was not provided\\.$`)), extensions: { code: "INVALID_QUERY" } })],
      });
    }
    // with a default, it may be left out: a payment's reference and key
    const optional = await owner.post("/graphql", { query: `mutation($i: UUID!) { recordPayment(input: { invoiceId: $i, amount: "1", method: cash }) { result { code } } }`, variables: { i: randomUUID() } });
    expect(optional.body.errors?.[0].extensions.code).toBe("NOT_FOUND");
  });

  test("a malformed phone at login is INVALID_PHONE", async () => {
    const response = await new Browser(api).tryLogin("call me maybe", "password-123");
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("INVALID_PHONE");
  });

  test("a login body of the wrong shape is INVALID_INPUT", async () => {
    const response = await new Browser(api).post("/auth/login", { phone: 255712345678, password: ["x"] });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("INVALID_INPUT");
  });

  test("a NUL character, which PostgreSQL text cannot hold, is INVALID_INPUT in any text, JSON value or login field, never an internal fault", async () => {
    const receptionist = new Browser(api);
    await receptionist.login(clinic.members.receptionist.phone, clinic.members.receptionist.password);
    const faults = await internalFaultsLoggedBy(async () => {
      const patient = await receptionist.graphql(`mutation($first: String!) { createPatient(input: { patient: { firstName: $first, lastName: "Nul" } }) { patient { rowId } } }`, {
        first: "As\u0000ha",
      });
      expect(patient.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "Text cannot contain the NUL character (\\u0000)." });
      const search = await owner.graphql(`query($q: String!) { searchPatients(query: $q) { totalCount } }`, { q: "Asha\u0000" });
      expect(search.body.errors?.[0].extensions?.code).toBe("INVALID_INPUT");
      const prefixes = await owner.graphql(`mutation($id: UUID!, $prefixes: JSON!) { updateClinic(input: { rowId: $id, patch: { codePrefixes: $prefixes } }) { clinic { rowId } } }`, {
        id: clinic.clinicId,
        prefixes: { PAT: "P\u0000" },
      });
      expect(prefixes.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: "Text cannot contain the NUL character (\\u0000)." });
      for (const [phone, password] of [[clinic.members.owner.phone, "pass\u0000word"], ["+255712\u0000345678", "password-123"]]) {
        const login = await new Browser(api).tryLogin(phone, password);
        expect(login.status).toBe(400);
        expect(login.body.error.code).toBe("INVALID_INPUT");
      }
    });
    expect(faults).toEqual([]);
    expect((await rootPool().query("select count(*)::int as n from app_public.patient where last_name = 'Nul'")).rows[0].n).toBe(0);
  });

  // a lone surrogate was stored as U+FFFD: the idempotency keys pay-\ud800 and pay-\udfff were one payment's
  test("text with a lone UTF-16 surrogate is INVALID_INPUT, in GraphQL's variables and the /auth routes, and writes nothing", async () => {
    const lastName = `Surrogate ${Math.random()}`;
    for (const firstName of ["Jos\ud800", "\udfffJose", "Jos\udc00\ud800"]) {
      const response = await owner.graphql(`mutation($first: String!, $last: String!) { createPatient(input: { patient: { firstName: $first, lastName: $last } }) { patient { rowId } } }`, {
        first: firstName,
        last: lastName,
      });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ extensions: { code: "INVALID_INPUT" }, message: "Text must be whole characters: a UTF-16 surrogate (\\ud800–\\udfff) without its pair is none." }]);
    }
    // a pair is a character: an emoji is a name's like any other
    const paired = await owner.graphql(`mutation($first: String!, $last: String!) { createPatient(input: { patient: { firstName: $first, lastName: $last } }) { patient { firstName } } }`, {
      first: "Jose \ud83d\ude00",
      last: lastName,
    });
    expect(paired.body.data.createPatient.patient.firstName).toBe("Jose \u{1F600}");
    expect((await rootPool().query("select count(*)::int as n from app_public.patient where last_name = $1", [lastName])).rows[0].n).toBe(1);
    // nor a password at login or at its change: "a-long-password\ud800" and "…\udfff" were one password
    const login = await new Browser(api).tryLogin(clinic.members.owner.phone, `${clinic.members.owner.password}\ud800`);
    expect([login.status, login.body]).toEqual([400, { error: { code: "INVALID_INPUT", message: "Text must be whole characters: a UTF-16 surrogate (\\ud800–\\udfff) without its pair is none." } }]);
    const change = await owner.post("/auth/password", { currentPassword: clinic.members.owner.password, newPassword: "a-long-password\ud800" });
    expect([change.status, change.body.error?.code]).toEqual([400, "INVALID_INPUT"]);
    // a body of 5,000 nested arrays (10 kB) is read without running out of stack (it was an internal fault)
    const nested = await fetch(`${api.url}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: `${"[".repeat(5000)}${"]".repeat(5000)}` });
    expect([nested.status, ((await nested.json()) as { error: { code: string } }).error.code]).toEqual([400, "INVALID_INPUT"]);
  });

  // a lone surrogate in a key of a JSON value, or of an /auth body, was refused with a message that did not say why
  test("a lone UTF-16 surrogate in a JSON object's key is refused as one in a value", async () => {
    const wholeCharacters = { extensions: { code: "INVALID_INPUT" }, message: "Text must be whole characters: a UTF-16 surrogate (\\ud800–\\udfff) without its pair is none." };
    const prefixes = await owner.graphql(`mutation($id: UUID!, $prefixes: JSON!) { updateClinic(input: { rowId: $id, patch: { codePrefixes: $prefixes } }) { clinic { rowId } } }`, {
      id: clinic.clinicId,
      prefixes: { "PAT\ud800": "P" },
    });
    const login = await new Browser(api).post("/auth/login", { phone: clinic.members.owner.phone, password: clinic.members.owner.password, "\udfff": true });
    expect({ prefixes: [prefixes.status, prefixes.body], login: [login.status, login.body] }).toEqual({
      prefixes: [400, { errors: [wholeCharacters] }],
      login: [400, { error: { code: wholeCharacters.extensions.code, message: wholeCharacters.message } }],
    });
  });

  // bytes that are no UTF-8 were read as U+FFFD: the idempotency keys key-<FF> and key-<FE> were one patient's, and the
  // passwords pw-<FF> and pw-<FE> one password
  test("a body that is not UTF-8 is INVALID_INPUT, on /graphql and the /auth routes, and writes nothing", async () => {
    const notUtf8 = { code: "INVALID_INPUT", message: "Text must be whole characters: the request is not UTF-8 (a byte or sequence of bytes that is no character)." };
    const lastName = `Not UTF-8 ${Math.random()}`;
    const send = (path: string, json: string, bytes: number[], headers: Record<string, string> = {}) => {
      const [before, after] = json.split("<bytes>");
      return fetch(`${api.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": owner.address, ...headers },
        body: Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]),
      });
    };
    const register = JSON.stringify({
      query: `mutation($last: String!) { createPatient(input: { patient: { firstName: "Asha", lastName: $last, idempotencyKey: "key-<bytes>" } }) { patient { rowId } } }`,
      variables: { last: lastName },
    });
    // a byte no UTF-8 has (FF), a lead byte without its continuation (C3), a surrogate written in UTF-8 (ED A0 80), an overlong "/" (C0 AF)
    for (const bytes of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      const response = await send("/graphql", register, bytes, { cookie: owner.cookie! });
      const body = (await response.json()) as { errors?: { message: string; extensions: { code: string } }[] };
      expect([bytes, response.status, body.errors?.map(({ message, extensions: { code } }) => ({ code, message })) ?? body]).toEqual([bytes, 400, [notUtf8]]);
    }
    expect((await rootPool().query("select count(*)::int as n from app_public.patient where last_name = $1", [lastName])).rows[0].n).toBe(0);
    // a login's password neither
    const login = await send("/auth/login", JSON.stringify({ phone: clinic.members.owner.phone, password: `${clinic.members.owner.password}<bytes>` }), [0xfe]);
    expect([login.status, await login.json()]).toEqual([400, { error: notUtf8 }]);
    // a body in UTF-16 that says so is read as UTF-16, as before
    const utf16 = await fetch(`${api.url}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-16le", "x-forwarded-for": owner.address },
      body: Buffer.from(JSON.stringify({ phone: clinic.members.owner.phone, password: clinic.members.owner.password }), "utf16le"),
    });
    expect(utf16.status).toBe(200);
    // UTF-8 itself is read as ever, characters of 2 to 4 bytes included
    const whole = await send("/graphql", JSON.stringify({ query: `{ normalizePhone(raw: "+255712345678<bytes>") }` }), [...Buffer.from(" é€😀")], { cookie: owner.cookie! });
    expect([whole.status, ((await whole.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code]).toEqual([200, "INVALID_PHONE"]);
  });

  // a body in UTF-16 or UTF-32, named so, was read with U+FFFD for a code unit that is no character (UTF-32's 110000 and
  // above) and without an odd last byte of UTF-16: the passwords pw-<110000> and pw-<110001> were one
  test("a body in UTF-16 or UTF-32 that is none is INVALID_INPUT on the /auth routes", async () => {
    const notUtf8 = { code: "INVALID_INPUT", message: "Text must be whole characters: the request is not UTF-8 (a byte or sequence of bytes that is no character)." };
    const { phone, password } = clinic.members.owner;
    const [before, after] = JSON.stringify({ phone, password: `${password}<bytes>` }).split("<bytes>");
    const utf32le = (text: string) => Buffer.from(new Uint32Array([...text].map((c) => c.codePointAt(0)!)).buffer);
    const utf32 = Buffer.concat([utf32le(before), Buffer.from(new Uint32Array([0x110000]).buffer), utf32le(after)]);
    const utf16 = Buffer.concat([Buffer.from(JSON.stringify({ phone, password }), "utf16le"), Buffer.from([0x41])]);
    for (const [charset, body] of [["utf-32le", utf32], ["utf-16le", utf16]] as const) {
      const login = await fetch(`${api.url}/auth/login`, { method: "POST", headers: { "content-type": `application/json; charset=${charset}`, "x-forwarded-for": owner.address }, body });
      expect([charset, login.status, await login.json()]).toEqual([charset, 400, { error: notUtf8 }]);
    }
  });

  // ws checks a text frame's UTF-8 (1007), not a binary frame's, and grafserv read either as text: a mutation sent as a binary
  // frame with the idempotency key key-<FF> was written as key-<U+FFFD>, the same key as key-<FE>
  test("a websocket message that is not UTF-8 closes the connection (1007) and writes nothing", async () => {
    const lastName = `Not UTF-8 over the websocket ${Math.random()}`;
    const [before, after] = JSON.stringify({
      id: "1",
      type: "subscribe",
      payload: { query: `mutation($last: String!) { createPatient(input: { patient: { firstName: "Asha", lastName: $last, idempotencyKey: "key-<bytes>" } }) { patient { rowId } } }`, variables: { last: lastName } },
    }).split("<bytes>");
    const socket = new WebSocket(`${api.url.replace("http", "ws")}/graphql`, "graphql-transport-ws", { headers: { cookie: owner.cookie! } });
    const heard: unknown[] = [];
    const closed = new Promise<[number, string]>((resolve) => socket.once("close", (code, reason) => resolve([code, String(reason)])));
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.type === "connection_ack") socket.send(Buffer.concat([Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)]), { binary: true });
      else heard.push(message.type), socket.close();
    });
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init" })));
    expect([await closed, heard]).toEqual([[1007, "Text must be whole characters: the request is not UTF-8 (a byte or sequence of bytes that is no character)."], []]);
    expect((await rootPool().query("select count(*)::int as n from app_public.patient where last_name = $1", [lastName])).rows[0].n).toBe(0);
  });
});

describe("permissions show as FORBIDDEN or NOT_FOUND", () => {
  test("a doctor may not invite", async () => {
    const doctor = new Browser(api);
    await doctor.login(clinic.members.doctor.phone, clinic.members.doctor.password);
    const response = await doctor.graphql(INVITE, { phone: "+255733000005", name: "Sneaky", role: "owner", password: "password-123" });
    expect(response.body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });

  test("only a platform admin creates clinics", async () => {
    const create = `mutation { createClinicWithOwner(input: { name: "X", timezone: "UTC", currency: "USD", ownerPhone: "+255733000006", ownerName: "O", ownerPassword: "password-123" }) { result { rowId } } }`;
    expect((await owner.graphql(create)).body.errors?.[0].extensions?.code).toBe("FORBIDDEN");

    const admin = await createUser({ isPlatformAdmin: true });
    const platform = new Browser(api);
    await platform.login(admin.phone, admin.password);
    const created = await platform.graphql(create);
    expect(created.body.errors).toBeUndefined();
    const newOwner = new Browser(api);
    const login = await newOwner.tryLogin("+255733000006", "password-123");
    expect(login.body).toMatchObject({ clinic: { name: "X" }, role: "owner" });

    const badZone = await platform.graphql(create.replace('timezone: "UTC"', 'timezone: "Mars/Olympus"').replace("000006", "000007"));
    expect(badZone.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" }, message: expect.stringMatching(/time zone/) });
  });

  test("a platform admin manages no memberships: not their own role in a clinic, nor another clinic's members", async () => {
    // A platform admin sees every clinic and membership but no patient, visit or money
    // (docs/permissions.md). One who is also a doctor somewhere must not make themselves its
    // owner (and so read its patients and money), nor suspend or demote the staff of others.
    const target = await createClinic();
    const platformUser = await createUser({ isPlatformAdmin: true });
    const own = await addMember(target.clinicId, platformUser, "doctor");
    const platform = new Browser(api);
    await platform.login(platformUser.phone, platformUser.password, target.clinicId);
    const SET_ROLE = `mutation($clinicId: UUID!, $id: UUID!, $patch: MembershipPatch!) {
      updateMembership(input: { clinicId: $clinicId, rowId: $id, patch: $patch }) { membership { role isActive } } }`;
    const promote = await platform.graphql(SET_ROLE, { clinicId: target.clinicId, id: own.membershipId, patch: { role: "owner" } });
    expect(promote.body.data?.updateMembership?.membership ?? null).toBeNull();
    const suspend = await platform.graphql(SET_ROLE, { clinicId: target.clinicId, id: target.members.cashier.membershipId, patch: { isActive: false } });
    expect(suspend.body.data?.updateMembership?.membership ?? null).toBeNull();

    const unscoped = new Browser(api);
    const admin = await createUser({ isPlatformAdmin: true });
    await unscoped.login(admin.phone, admin.password);
    const demote = await unscoped.graphql(SET_ROLE, { clinicId: target.clinicId, id: target.members.admin.membershipId, patch: { role: "receptionist" } });
    expect(demote.body.data?.updateMembership?.membership ?? null).toBeNull();
    const remove = await unscoped.graphql(`mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { rowId } } }`, {
      id: target.members.receptionist.membershipId,
    });
    expect(remove.body.errors?.[0].extensions?.code).toBe("NOT_FOUND");

    const { rows } = await rootPool().query(
      "select role::text, is_active, deleted_at is null as kept from app_public.membership where clinic_id = $1 order by role",
      [target.clinicId],
    );
    expect(rows).toEqual(
      ["admin", "cashier", "doctor", "doctor", "owner", "receptionist"].map((role) => ({ role, is_active: true, kept: true })),
    );

    // what they may do with owners: give a clinic they create its first one, in a clinic's session or not
    const CREATE = `mutation($phone: String!) { createClinicWithOwner(input: { name: "Platform-made", timezone: "UTC", currency: "USD",
      ownerPhone: $phone, ownerName: "First Owner", ownerPassword: "password-123" }) { result { rowId } } }`;
    for (const browser of [platform, unscoped]) {
      const created = await browser.graphql(CREATE, { phone: (await createUser()).phone });
      expect(created.body.errors).toBeUndefined();
      const { rows: owners } = await rootPool().query("select role::text from app_public.membership where clinic_id = $1", [
        created.body.data.createClinicWithOwner.result.rowId,
      ]);
      expect(owners).toEqual([{ role: "owner" }]);
    }
  });

  // with the arguments without a default required, it demanded a password for an owner who has one, and ignored it
  test("createClinicWithOwner needs an owner password for a new account only", async () => {
    const platform = new Browser(api);
    const admin = await createUser({ isPlatformAdmin: true });
    await platform.login(admin.phone, admin.password);
    const CREATE = `mutation($name: String!, $phone: String!) { createClinicWithOwner(input: { name: $name, timezone: "UTC", currency: "USD",
      ownerPhone: $phone, ownerName: "Owner" }) { result { name } } }`;
    const existing = await createUser();
    expect((await platform.graphql(CREATE, { name: "Owned Without Password", phone: existing.phone })).body).toEqual({ data: { createClinicWithOwner: { result: { name: "Owned Without Password" } } } });
    const stranger = randomPhone();
    expect((await platform.graphql(CREATE, { name: "New Owner Without Password", phone: stranger })).body.errors?.[0]).toMatchObject({
      extensions: { code: "INVALID_INPUT" }, message: "A password is required.",
    });
    const { rows } = await rootPool().query(`select (select count(*)::int from app_public.clinic where name = 'New Owner Without Password') as clinics, (select count(*)::int from app_public."user" where phone = $1) as users`, [stranger]);
    expect(rows[0]).toEqual({ clinics: 0, users: 0 });
  });

  test("createClinicWithOwner sent twice makes one clinic: the second, at once or later, is a CONFLICT", async () => {
    const platform = new Browser(api);
    const admin = await createUser({ isPlatformAdmin: true });
    await platform.login(admin.phone, admin.password);
    const phone = (await createUser()).phone;
    const create = (name: string) =>
      platform.graphql(`mutation($name: String!, $phone: String!) { createClinicWithOwner(input: { name: $name, timezone: "UTC", currency: "USD",
        ownerPhone: $phone, ownerName: "Twice", ownerPassword: "password-123" }) { result { rowId } } }`, { name, phone });
    const answers = await Promise.all([create("Double Click"), create("Double Click")]);
    expect(answers.filter((r) => r.body.errors).map((r) => r.body.errors)).toEqual([
      [expect.objectContaining({ extensions: { code: "CONFLICT" }, message: "This owner already has a clinic named Double Click." })],
    ]);
    for (const again of [" double click ", "Double   Click", "\tDouble Click\n"]) expect((await create(again)).body.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    const owned = async () =>
      (await rootPool().query(
        `select c.name from app_public.clinic c join app_public.membership m on m.clinic_id = c.id join app_public."user" u on u.id = m.user_id
         where u.phone = $1 order by c.name`,
        [phone],
      )).rows.map((r) => r.name);
    expect(await owned()).toEqual(["Double Click"]);
    // another name for the same owner is another clinic
    expect((await create("Double Click Annex")).body.errors).toBeUndefined();
    expect(await owned()).toEqual(["Double Click", "Double Click Annex"]);
    // a clinic that invited them as its owner, not accepted, is not theirs: its name does not block
    const inviting = await createClinic("Not Yet Theirs");
    await rootPool().query(
      `insert into app_public.membership (clinic_id, user_id, role, accepted_at) select $1, u.id, 'owner', null from app_public."user" u where u.phone = $2`,
      [inviting.clinicId, phone],
    );
    expect((await create("Not Yet Theirs")).body.errors).toBeUndefined();
  });

  // clinic names were compared in lower case alone: Greek capitals drop the accents and end a word in Σ, which lower case
  // makes σ where the small letters end in ς, so ΚΛΙΝΙΚΗ ΝΙΚΟΣ and Κλινική Νίκος were two clinics of one owner, as were
  // St. Mary's and St Marys, José and JOSE: the owner then picked among names they could not tell apart
  test("createClinicWithOwner refuses an owner a second clinic of a name compared as the duplicate warning compares names: case, accents, final sigma, punctuation aside", async () => {
    const platform = new Browser(api);
    const admin = await createUser({ isPlatformAdmin: true });
    await platform.login(admin.phone, admin.password);
    const phone = (await createUser()).phone;
    const create = (name: string) =>
      platform.graphql(`mutation($name: String!, $phone: String!) { createClinicWithOwner(input: { name: $name, timezone: "UTC", currency: "EUR",
        ownerPhone: $phone, ownerName: "Νίκος", ownerPassword: "password-123" }) { result { name } } }`, { name, phone });
    expect((await create("Κλινική Νίκος")).body.errors).toBeUndefined();
    expect((await create("St. Mary's Clinique José")).body.errors).toBeUndefined();
    for (const again of ["ΚΛΙΝΙΚΗ ΝΙΚΟΣ", "κλινικη νικοσ", "St Marys Clinique Jose", "ST. MARY’S CLINIQUE JOSÉ"]) {
      const r = await create(again);
      expect({ again, errors: r.body.errors }).toEqual({ again, errors: [expect.objectContaining({ extensions: { code: "CONFLICT" }, message: `This owner already has a clinic named ${again}.` })] });
    }
    // another name is another clinic
    expect((await create("ΚΛΙΝΙΚΗ ΝΙΚΟΣ ΙΙ")).body.errors).toBeUndefined();
  });

  test("an update or a delete that changes nothing says so: NOT_FOUND, for another clinic's row as for one the role may not change", async () => {
    const nothingChanged = (response: { body: { data?: unknown; errors?: { message: string; extensions?: object }[] } }, field: string) =>
      expect(response.body).toMatchObject({
        data: { [field]: null },
        errors: [{ message: "No such record in your clinic, or you may not change it.", extensions: { code: "NOT_FOUND" } }],
      });
    const other = await createClinic();
    nothingChanged(
      await owner.graphql(`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: { name: "pwned" } }) { clinic { name } } }`, { id: other.clinicId }),
      "updateClinic",
    );
    expect((await rootPool().query("select name from app_public.clinic where id = $1", [other.clinicId])).rows[0].name).toBe(other.name);
    // a cashier sees the catalog, but may not change a price (PostGraphile answered a null record, and no error)
    const service = await createService(clinic.clinicId, "15000");
    const cashier = new Browser(api);
    await cashier.login(clinic.members.cashier.phone, clinic.members.cashier.password);
    nothingChanged(
      await cashier.graphql(`mutation($c: UUID!, $id: UUID!) { updateService(input: { clinicId: $c, rowId: $id, patch: { price: "1" } }) { service { price } } }`, {
        c: clinic.clinicId,
        id: service.id,
      }),
      "updateService",
    );
    expect((await rootPool().query("select price::text from app_public.service where id = $1", [service.id])).rows[0].price).toMatch(/^15000/);
    // as the generated deletes were already (a visit's service line of another clinic)
    nothingChanged(
      await owner.graphql(`mutation($c: UUID!, $id: UUID!) { deleteVisitService(input: { clinicId: $c, rowId: $id }) { visitService { rowId } } }`, {
        c: other.clinicId,
        id: "00000000-0000-4000-8000-000000000001",
      }),
      "deleteVisitService",
    );
    // and an update that does change its row answers it, as before
    const renamed = await owner.graphql(`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: { name: "GraphQL clinic" } }) { clinic { name } } }`, {
      id: clinic.clinicId,
    });
    expect(renamed.body).toEqual({ data: { updateClinic: { clinic: { name: "GraphQL clinic" } } } });
  });

  test("an update with an empty patch is INVALID_INPUT, whatever row it names, never an internal fault", async () => {
    const visit = await createVisit(clinic, "scheduled");
    const service = await createService(clinic.clinicId);
    const missing = "00000000-0000-4000-8000-000000000001";
    const faults = await internalFaultsLoggedBy(async () => {
      for (const [mutation, variables] of [
        [`mutation($c: UUID!, $id: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: {} }) { visit { rowId } } }`, { c: clinic.clinicId, id: visit.id }],
        [`mutation($c: UUID!, $id: UUID!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: {} }) { visit { rowId } } }`, { c: clinic.clinicId, id: missing }],
        [`mutation($c: UUID!, $id: UUID!) { updatePatient(input: { clinicId: $c, rowId: $id, patch: {} }) { patient { rowId } } }`, { c: clinic.clinicId, id: visit.patientId }],
        [`mutation($id: UUID!) { updateClinic(input: { rowId: $id, patch: {} }) { clinic { rowId } } }`, { id: clinic.clinicId }],
        [`mutation($c: UUID!, $id: UUID!) { updateService(input: { clinicId: $c, rowId: $id, patch: {} }) { service { rowId } } }`, { c: clinic.clinicId, id: service.id }],
        // a patch of variables the request leaves out is as empty
        [`mutation($c: UUID!, $id: UUID!, $name: String) { updateService(input: { clinicId: $c, rowId: $id, patch: { name: $name } }) { service { rowId } } }`, { c: clinic.clinicId, id: service.id }],
      ] as const) {
        const response = await owner.graphql(mutation, variables);
        // refused as the field runs, as a check constraint's INVALID_INPUT: the answer is HTTP 200, the field null
        expect({ mutation, status: response.status, data: Object.values(response.body.data ?? {}), errors: response.body.errors }).toEqual({
          mutation,
          status: 200,
          data: [null],
          errors: [expect.objectContaining({ message: "Nothing to change: the patch is empty.", extensions: { code: "INVALID_INPUT" } })],
        });
      }
    });
    expect(faults).toEqual([]);
  });

  /** A fresh visit of the clinic, with its `id` and the clinic's, as the API gives them. */
  const visitWithIds = async () => {
    const visit = await createVisit(clinic, "scheduled");
    const ids = await owner.graphql(`query($c: UUID!, $id: UUID!) { visit(clinicId: $c, rowId: $id) { id } currentClinic { id } }`, { c: clinic.clinicId, id: visit.id });
    return { visit, visitId: ids.body.data.visit.id as string, clinicId: ids.body.data.currentClinic.id as string };
  };
  const base64 = (value: string) => Buffer.from(value).toString("base64");
  /** A record's id with a key more after its own: it was read as the record's id. */
  const withAKeyMore = (id: string) => base64(JSON.stringify([...JSON.parse(Buffer.from(id, "base64").toString()), "more"]));
  const notAnId = { message: "This is not a record's id: send the `id` the API gave the record (not its `rowId`).", extensions: { code: "INVALID_INPUT" } };

  test("a …ById mutation given an id of no row of its type says so: NOT_FOUND, or INVALID_INPUT for what is no record's id at all", async () => {
    const { visit, visitId, clinicId } = await visitWithIds();
    const noSuchRecord = { message: "No such record in your clinic, or you may not change it.", extensions: { code: "NOT_FOUND" } };
    const writes = {
      updateVisitById: `mutation($id: ID!) { updateVisitById(input: { id: $id, patch: { reason: "Moved" } }) { visit { rowId } } }`,
      updatePatientById: `mutation($id: ID!) { updatePatientById(input: { id: $id, patch: { notes: "Moved" } }) { patient { rowId } } }`,
      deleteVisitServiceById: `mutation($id: ID!) { deleteVisitServiceById(input: { id: $id }) { visitService { rowId } } }`,
      deleteInvoiceLineById: `mutation($id: ID!) { deleteInvoiceLineById(input: { id: $id }) { invoiceLine { rowId } } }`,
    };
    const faults = await internalFaultsLoggedBy(async () => {
      for (const [field, mutation] of Object.entries(writes)) {
        for (const [id, error] of [
          ["garbage", notAnId],
          ["", notAnId],
          [base64("not-json"), notAnId],
          [visit.id, notAnId], // a rowId sent as the id
          [withAKeyMore(visitId), notAnId],
          [base64('["Patient"]'), notAnId], // a type's name without its keys
          [base64(`["Visit","${clinic.clinicId}","00000000-0000-4000-8000-000000000001"]`), noSuchRecord],
          [clinicId, noSuchRecord], // another type's id
          ...(field === "updateVisitById" ? [] : [[visitId, noSuchRecord]]),
        ] as const) {
          expect({ field, id, body: (await owner.graphql(mutation, { id })).body }).toEqual({ field, id, body: { data: { [field]: null }, errors: [expect.objectContaining(error)] } });
        }
      }
    });
    expect(faults).toEqual([]);
    expect((await rootPool().query("select reason from app_public.visit where id = $1", [visit.id])).rows[0].reason).toBeNull();
    // the row's own id changes it, as before
    expect((await owner.graphql(writes.updateVisitById, { id: visitId })).body).toEqual({ data: { updateVisitById: { visit: { rowId: visit.id } } } });
  });

  // patientById("garbage") answered null, as for a row not there: a frontend could not tell a bug in its ids from a row gone
  test("a …ById query, or node, given what is no record's id at all is INVALID_INPUT; a record's id of no row it may read is null", async () => {
    const { visit, visitId, clinicId } = await visitWithIds();
    const reads = {
      visitById: `query($id: ID!) { visitById(id: $id) { rowId } }`,
      patientById: `query($id: ID!) { patientById(id: $id) { rowId } }`,
      node: `query($id: ID!) { node(id: $id) { id ... on Visit { rowId } } }`,
    };
    const faults = await internalFaultsLoggedBy(async () => {
      for (const [field, query] of Object.entries(reads)) {
        for (const id of ["garbage", "", base64("not-json"), visit.id, withAKeyMore(visitId), base64('["Visit"]')]) {
          expect({ field, id, body: (await owner.graphql(query, { id })).body }).toEqual({ field, id, body: { data: { [field]: null }, errors: [expect.objectContaining(notAnId)] } });
        }
        for (const id of [base64(`["Visit","${clinic.clinicId}","00000000-0000-4000-8000-000000000001"]`), ...(field === "node" ? [] : [clinicId])]) {
          expect({ field, id, body: (await owner.graphql(query, { id })).body }).toEqual({ field, id, body: { data: { [field]: null } } });
        }
      }
    });
    expect(faults).toEqual([]);
    expect((await owner.graphql(reads.visitById, { id: visitId })).body).toEqual({ data: { visitById: { rowId: visit.id } } });
    expect((await owner.graphql(reads.node, { id: visitId })).body).toEqual({ data: { node: { id: visitId, rowId: visit.id } } });
  });
});

describe("limits", () => {
  // MAX_PAGE_SIZE is the largest page (docs/api.md): one row past it is past it
  test("a page of the cap exactly is taken, one of a row more is refused", async () => {
    const page = async (n: number) => {
      const r = await owner.graphql("query($n: Int) { memberships(first: $n) { totalCount } }", { n });
      return [r.status, r.body.errors?.map((e: { message: string; extensions?: { code?: string } }) => [e.extensions?.code, e.message]) ?? null];
    };
    expect(await page(100)).toEqual([200, null]);
    expect(await page(101)).toEqual([400, [["LIMIT_EXCEEDED", '"first" may not exceed 100 (asked for 101 on memberships).']]]);
  });

  test("first above the cap is refused, as a literal or a variable", async () => {
    const literal = await owner.graphql("{ memberships(first: 1000) { nodes { role } } }");
    expect(literal.status).toBe(400);
    expect(literal.body.errors?.[0].message).toMatch(/may not exceed 100/);
    expect(literal.body.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
    // a bad request, not a server fault: nothing is logged as an error
    const logged = jest.spyOn(console, "error").mockImplementation(() => {});
    try {
      const variable = await owner.graphql("query($n: Int) { memberships(first: $n) { nodes { role } } }", { n: 5000 });
      expect(variable.status).toBe(400);
      expect(variable.body.errors?.[0].message).toMatch(/may not exceed 100/);
      expect(variable.body.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
      expect(variable.body.data).toBeUndefined();
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
    const fine = await owner.graphql("query($n: Int) { memberships(first: $n) { nodes { role } } }", { n: 100 });
    expect(fine.body.data.memberships.nodes).toHaveLength(5);
  });

  // 600 orders made a statement of more columns than PostgreSQL takes (an internal fault); 213 aggregate orders ran for seconds
  test("an orderBy of more than 10 orders is refused before anything runs, as a literal or a variable", async () => {
    const orders = Array.from({ length: 11 }, () => "VISITS_COUNT_ASC");
    const literal = await owner.graphql(`{ patients(first: 1, orderBy: [${orders.join(", ")}]) { nodes { lastName } } }`);
    const variable = await owner.graphql(`query($o: [PatientOrderBy!]) { patients(first: 1, orderBy: $o) { nodes { lastName } } }`, { o: Array(600).fill("VISITS_COUNT_ASC") });
    for (const response of [literal, variable]) {
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ errors: [{ extensions: { code: "LIMIT_EXCEEDED" }, message: '"orderBy" may name at most 10 orders (patients).' }] });
    }
    const ten = await owner.graphql(`query($o: [PatientOrderBy!]) { patients(first: 1, orderBy: $o) { nodes { lastName } } }`, { o: orders.slice(1) });
    expect(ten.body.errors).toBeUndefined();
  });

  // each key is answered in every group's keys: 9,900 ROW_IDs (a 69 kB query) made up to 1,000 groups answer 9,900 keys each,
  // 2.8 s of the event loop and about 1 GB of memory for one request
  test("a groupBy of more than 16 keys is refused before anything runs, as a literal or a variable", async () => {
    const keys = Array.from({ length: 17 }, () => "ROW_ID");
    const literal = await owner.graphql(`{ patients { groupedAggregates(groupBy: [${keys.join(", ")}]) { keys } } }`);
    const variable = await owner.graphql(`query($g: [PatientGroupBy!]!) { patients { groupedAggregates(groupBy: $g) { keys } } }`, { g: Array(9900).fill("ROW_ID") });
    for (const response of [literal, variable]) {
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ errors: [{ extensions: { code: "LIMIT_EXCEEDED" }, message: '"groupBy" may name at most 16 keys (groupedAggregates).' }] });
    }
    const sixteen = await owner.graphql(`query($g: [PatientGroupBy!]!) { patients { groupedAggregates(groupBy: $g) { keys } } }`, { g: keys.slice(1) });
    expect(sixteen.body.errors).toBeUndefined();
  });

  // lists inside lists multiply their rows within one statement: with 120 patients, this 130-character query read
  // 1,000,000 rows, took 5.6 s and took the server from 321 MB to 1.14 GB of memory before the answer's budget refused it
  test("lists inside lists that could answer more than 20000 rows are refused before anything runs, as literals or variables, over HTTP and the websocket", async () => {
    const NESTED = "{ patients(first:100) { nodes { clinic { patients(first:100) { nodes { clinic { patients(first:100) { nodes { rowId } } } } } } } } }";
    const refused = (path: string) => ({
      errors: [
        {
          extensions: { code: "LIMIT_EXCEEDED" },
          message: `A request's lists may answer at most 20000 rows in all, each list counted at its page (first or last, else 100) times those of the lists it is inside (${path} comes past it): ask for smaller pages of the lists inside lists, or page through them.`,
        },
      ],
    });
    const threeDeep = "patients.nodes.clinic.patients.nodes.clinic.patients.nodes";
    const literal = await owner.graphql(NESTED);
    expect({ status: literal.status, body: literal.body }).toEqual({ status: 400, body: refused(threeDeep) });
    expect(await firstOverTheWebsocket(NESTED)).toEqual({ type: "error", payload: refused(threeDeep).errors });
    // three lists at their default pages (100 + 10,000 + 1,000,000), and a page left to the default of a variable the request does not give
    expect((await owner.graphql("{ patients { nodes { visits { nodes { services { nodes { rowId } } } } } } }")).body).toEqual(refused("patients.nodes.visits.nodes.services.nodes"));
    const VARIABLE = "query($n: Int) { patients(first: $n) { nodes { clinic { patients(first: $n) { nodes { clinic { patients(first: $n) { nodes { rowId } } } } } } } } }";
    for (const n of [100, null]) {
      const variable = await owner.graphql(VARIABLE, { n });
      expect({ status: variable.status, body: variable.body }).toEqual({ status: 400, body: refused(threeDeep) });
    }
    const defaulted = await owner.graphql("query($n: Int = 100) { patients(first: $n) { nodes { clinic { patients(first: $n) { nodes { clinic { patients(first: $n) { nodes { rowId } } } } } } } } }");
    expect(defaulted.body).toEqual(refused(threeDeep));
    expect(await firstOverTheWebsocket(VARIABLE.replace("patients(first: $n)", "patients(first: 2)"), { n: 100 })).toEqual({ type: "next", payload: refused(threeDeep) });
    // counted as used: two aliases of 10,100 rows each, or a fragment spread twice; `last` as `first`
    expect((await owner.graphql("{ a: patients { nodes { visits { nodes { rowId } } } } b: patients { nodes { visits { nodes { rowId } } } } }")).body).toEqual(refused("b.nodes.visits.nodes"));
    expect((await owner.graphql("{ a: patients { ...P } b: patients { ...P } } fragment P on PatientConnection { nodes { visits(last: 100) { nodes { rowId } } } }")).body).toEqual(refused("b.nodes.visits.nodes"));
    // the same lists with smaller pages are answered: 20 + 400 + 8,000 rows
    const smaller = await owner.graphql(VARIABLE, { n: 20 });
    expect({ status: smaller.status, errors: smaller.body.errors }).toEqual({ status: 200, errors: undefined });
    // a screen's lists: an invoice's lines for a page of invoices (10,100), two lists at their default pages (10,100)
    for (const query of [
      "{ invoices(first: 100) { nodes { code lines(first: 100) { nodes { description } } } } }",
      "{ patients { nodes { lastName visits { nodes { scheduledAt } } } } }",
      "query($n: Int = 100) { a: patients(first: $n) { nodes { visits(first: 99) { nodes { rowId } } } } b: patients(first: 1) { edges { node { visits(first: 90) { nodes { rowId } } } } } }",
    ]) {
      const answered = await owner.graphql(query);
      expect({ query, status: answered.status, errors: answered.body.errors }).toEqual({ query, status: 200, errors: undefined });
    }
  });

  test("MAX_QUERY_ROWS sets the rows a request's lists may answer", async () => {
    const small = await startApi({ MAX_QUERY_ROWS: "10" });
    try {
      const desk = new Browser(small);
      await desk.login(clinic.members.owner.phone, clinic.members.owner.password);
      const lists = (first: number) => `{ patients(first: ${first}) { nodes { visits(first: 1) { nodes { rowId } } } } }`;
      expect((await desk.graphql(lists(5))).body.errors).toBeUndefined(); // 5 + 5
      const refused = await desk.graphql(lists(6)); // 6 + 6
      expect({ status: refused.status, errors: refused.body.errors }).toEqual({
        status: 400,
        errors: [{ extensions: { code: "LIMIT_EXCEEDED" }, message: expect.stringMatching(/^A request's lists may answer at most 10 rows in all, .* \(patients\.nodes\.visits\.nodes comes past it\)/) }],
      });
    } finally {
      await small.close();
    }
  });

  // the rows' bound counted a row as one whatever it answered: 470 aliases of rowId in the inner of two lists of 100 (10,100
  // rows, 13 kB, within every limit) answered 4,700,000 fields, held the event loop 5.9 s and took 230 MB of heap before the
  // answer's budget refused it, as the million rows of one field each had
  test("lists whose rows would answer more than 10 × MAX_QUERY_ROWS fields in all are refused before anything runs", async () => {
    const aliases = (n: number, field = "rowId") => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ");
    const refused = (max: number, path: string) => ({
      errors: [
        {
          extensions: { code: "LIMIT_EXCEEDED" },
          message: `A request may answer at most ${max} fields in all, each counted once for every row of the lists it is inside (${path} comes past it): ask for fewer fields of the rows of lists inside lists, or for smaller pages.`,
        },
      ],
    });
    for (const field of ["rowId", "__typename"]) {
      const wide = await owner.graphql(`{ patients(first: 100) { nodes { clinic { patients(first: 100) { nodes { ${aliases(470, field)} } } } } } }`);
      expect({ status: wide.status, body: wide.body }).toEqual({ status: 400, body: refused(200_000, "patients.nodes.clinic.patients.nodes.a19") });
    }
    // as a page passed as a variable, and over the websocket
    const VARIABLE = `query($n: Int) { patients(first: $n) { nodes { clinic { patients(first: $n) { nodes { ${aliases(470)} } } } } } }`;
    expect((await owner.graphql(VARIABLE, { n: 100 })).body).toEqual(refused(200_000, "patients.nodes.clinic.patients.nodes.a19"));
    expect(await firstOverTheWebsocket(VARIABLE, { n: 100 })).toEqual({ type: "next", payload: refused(200_000, "patients.nodes.clinic.patients.nodes.a19") });
    // smaller pages of the same rows are answered: 10 + 10 + 10 + 100 × 472
    const smaller = await owner.graphql(VARIABLE, { n: 10 });
    expect({ status: smaller.status, errors: smaller.body.errors }).toEqual({ status: 200, errors: undefined });
    // the bound, and one over: with MAX_QUERY_ROWS 10, 100 fields; 2 + 5 × 19 + 3 answered, one more refused
    const small = await startApi({ MAX_QUERY_ROWS: "10" });
    try {
      const desk = new Browser(small);
      await desk.login(clinic.members.owner.phone, clinic.members.owner.password);
      const fields = (extra: number) => `{ patients(first: 5) { nodes { ${aliases(19)} } } ${Array.from({ length: extra }, (_, i) => `t${i}: __typename`).join(" ")} }`;
      expect((await desk.graphql(fields(3))).body.errors).toBeUndefined();
      const over = await desk.graphql(fields(4));
      expect({ status: over.status, body: over.body }).toEqual({ status: 400, body: refused(100, "t3") });
    } finally {
      await small.close();
    }
  });

  // a subscription is read again at each event of its queue: 20 on one websocket, each within a request's bounds (10,100
  // rows of 18 fields), held the event loop 7 s at one visit booked, and 14 of them answered UNAVAILABLE
  test("a subscription answers at most a 200th of a request's rows and fields, its person's 200 together a request's", async () => {
    const refused = (what: string, path: string) =>
      `A subscription${what} (${path} comes past it): ask for ${what.includes("rows") ? "smaller pages of the lists inside lists, or page through them" : "fewer fields of the rows of lists inside lists, or for smaller pages"}. A subscription is read again at each event, and a person's 200 together answer at most what one request may: read more in a query when an event comes.`;
    const rows = `'s lists may answer at most 100 rows in all, each list counted at its page (first or last, else 100) times those of the lists it is inside`;
    const fields = " may answer at most 1000 fields in all, each counted once for every row of the lists it is inside";
    const list = "patients(first: 100) { nodes { rowId } }";
    // 100 rows: listened to
    expect(await firstOverTheWebsocket(`subscription { visitQueueChanged { listening visit { clinic { ${list} } } } }`)).toEqual({ type: "next", payload: { data: { visitQueueChanged: { listening: true, visit: null } } } });
    // 101 rows, or 1,006 fields
    expect(await firstOverTheWebsocket(`subscription { visitQueueChanged { listening visit { clinic { ${list} one: patients(first: 1) { nodes { rowId } } } } } }`)).toEqual({
      type: "error",
      payload: [{ extensions: { code: "LIMIT_EXCEEDED" }, message: refused(rows, "visitQueueChanged.visit.clinic.one.nodes") }],
    });
    const wide = `subscription($n: Int) { visitQueueChanged { listening visit { clinic { patients(first: $n) { nodes { ${Array.from({ length: 10 }, (_, i) => `a${i}: rowId`).join(" ")} } } } } } }`;
    expect(await firstOverTheWebsocket(wide, { n: 100 })).toEqual({ type: "next", payload: { errors: [{ extensions: { code: "LIMIT_EXCEEDED" }, message: refused(fields, "visitQueueChanged.visit.clinic.patients.nodes.a9") }] } });
    // a query over the websocket keeps a request's bounds
    expect(await firstOverTheWebsocket(`{ a: ${list} b: ${list} }`)).toMatchObject({ type: "next", payload: { data: { a: { nodes: expect.any(Array) } } } });
  });

  // a 200th of MAX_QUERY_ROWS under 400 is 1 row, and its tenth 10 fields: the live queue's subscription as
  // clinic-domain.md gives it, 11 fields of one event and no list, was refused LIMIT_EXCEEDED, though a request there may
  // answer 3,000 fields and select 500. A subscription answers at least the fields a query may select (MAX_QUERY_FIELDS)
  test("with MAX_QUERY_ROWS under 400, the live queue's subscription as documented is listened to", async () => {
    const small = await startApi({ MAX_QUERY_ROWS: "300" });
    try {
      const desk = new Browser(small);
      await desk.login(clinic.members.owner.phone, clinic.members.owner.password);
      const documented = "subscription { visitQueueChanged { listening status visitId leftYourList visit { code scheduledAt patient { firstName lastName } } } }";
      expect(await firstOverTheWebsocket(documented, undefined, { url: small.url, cookie: desk.cookie ?? undefined })).toMatchObject({
        type: "next",
        payload: { data: { visitQueueChanged: { listening: true, visit: null } } },
      });
    } finally {
      await small.close();
    }
  });

  test("first above the cap is refused as a variable's default, when the request leaves the variable out", async () => {
    const query = "query($n: Int = 5000) { memberships(first: $n) { nodes { role } } }";
    const logged = jest.spyOn(console, "error").mockImplementation(() => {});
    try {
      // with no variables at all, and with variables that leave $n out: refused before anything runs (no `data`)
      for (const body of [{ query }, { query, variables: {} }]) {
        const response = await owner.post("/graphql", body);
        expect(response.status).toBe(400);
        expect(response.body).toEqual({
          errors: [{ extensions: { code: "LIMIT_EXCEEDED" }, message: '"first" may not exceed 100 (asked for 5000 on memberships).' }],
        });
      }
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
    // a value given replaces the default
    const given = await owner.graphql(query, { n: 2 });
    expect(given.body.data.memberships.nodes).toHaveLength(2);
  });

  test("input values nested past 32 levels are refused, as a literal or a variable, however deep", async () => {
    const filterLiteral = (levels: number) => `${"{ not: ".repeat(levels)}{ lastName: { equalTo: "x" } }${" }".repeat(levels)}`;
    const literal = (levels: number) => `{ patients(filter: ${filterLiteral(levels)}) { totalCount } }`;
    // as JSON text: JSON.stringify itself overflows the stack on the deepest of these
    const withVariable = async (levels: number) => {
      const filter = `${'{"not":'.repeat(levels)}{"lastName":{"equalTo":"x"}}${"}".repeat(levels)}`;
      const query = JSON.stringify("query($filter: PatientFilter) { patients(filter: $filter) { totalCount } }");
      const response = await fetch(`${api.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: owner.cookie! },
        body: `{"query":${query},"variables":{"filter":${filter}}}`,
      });
      return { status: response.status, body: await response.json() };
    };
    const faults = await internalFaultsLoggedBy(async () => {
      // within the limit, it runs
      expect((await owner.graphql(literal(30))).body).toEqual({ data: { patients: { totalCount: 0 } } });
      expect((await withVariable(30)).body).toEqual({ data: { patients: { totalCount: 0 } } });
      // (2,000 levels, 8,000 tokens: deeper, it is refused as too long before it is read)
      for (const levels of [40, 2000]) {
        const response = await owner.graphql(literal(levels));
        expect(response.status).toBe(400);
        expect(response.body.errors?.[0]).toMatchObject({ extensions: { code: "LIMIT_EXCEEDED" }, message: expect.stringMatching(/nest/) });
      }
      // as a variable, 5,000 levels made a query PostgreSQL could not parse, 20,000 broke the server's own error handling
      for (const levels of [40, 5000, 20000]) {
        const response = await withVariable(levels);
        expect(response.status).toBe(400);
        expect(response.body.errors?.[0]).toMatchObject({ extensions: { code: "LIMIT_EXCEEDED" }, message: "Input values may nest at most 32 levels deep." });
      }
      // a variable's default is an input value too
      const defaulted = await owner.graphql(`query($filter: PatientFilter = ${filterLiteral(40)}) { patients(filter: $filter) { totalCount } }`);
      expect(defaulted.status).toBe(400);
      expect(defaulted.body.errors?.[0]).toMatchObject({ extensions: { code: "LIMIT_EXCEEDED" }, message: "Input values may nest at most 32 levels deep." });
    });
    expect(faults).toEqual([]);
  });

  test("a request's input values hold at most 1,000 objects, each use of a variable counted: a filter of thousands of terms is refused before it is planned", async () => {
    const terms = (n: number) => ({ or: Array.from({ length: n }, (_, i) => ({ firstName: { includes: `a${i}` } })) });
    const uses = (n: number) => `query($f: PatientFilter) { ${Array.from({ length: n }, (_, i) => `p${i}: patients(first: 1, filter: $f) { nodes { rowId } }`).join(" ")} }`;
    // 5,000 terms used by 50 aliases (175 kB) were planned on the event loop for 9 s, every clinic's requests waiting
    const started = Date.now();
    const wide = await owner.graphql(uses(50), { f: terms(5000) });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(wide.status).toBe(400);
    expect(wide.body.errors?.[0]).toMatchObject({ extensions: { code: "LIMIT_EXCEEDED" }, message: expect.stringMatching(/at most 1000 objects/) });
    // 400 terms (801 objects) once are answered; twice, refused
    expect((await owner.graphql(uses(1), { f: terms(400) })).body).toEqual({ data: { p0: { nodes: [] } } });
    expect((await owner.graphql(uses(2), { f: terms(400) })).body.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
  });

  test("a request's input values hold at most 10,000 values (a list's items, an object's fields), each use of a variable counted: an `in` of thousands of values used by hundreds of aliases is refused before it is planned", async () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);
    const uses = (n: number) => `query($v: [String!]) { ${Array.from({ length: n }, (_, i) => `p${i}: patients(first: 1, filter: { firstName: { in: $v } }) { totalCount }`).join(" ")} }`;
    // 60,000 names used by 240 aliases (180 kB) were encoded and read for 7 to 11 s, every clinic's requests waiting
    const started = Date.now();
    const wide = await owner.graphql(uses(240).replaceAll("totalCount", "__typename"), { v: names(60_000).map(() => "") });
    expect(wide.status).toBe(400);
    expect(wide.body.errors).toEqual([{ message: expect.stringMatching(/at most 10000 values in all/), extensions: { code: "LIMIT_EXCEEDED" } }]);
    expect(Date.now() - started).toBeLessThan(5000);
    // refused before GraphQL reads them one by one (60,000, one of them not a name: refused for their number, not that one)
    const anonymous = new Browser(api);
    const once = await anonymous.graphql(uses(1), { v: [...Array<string>(59_999).fill(""), 1] });
    expect(once.body.errors).toEqual([{ message: expect.stringMatching(/at most 10000 values in all/), extensions: { code: "LIMIT_EXCEEDED" } }]);
    // 4,998 names twice are answered (with the two fields of each filter, 10,000 values); 4,999 twice, refused
    expect((await owner.graphql(uses(2), { v: names(4998) })).body).toEqual({ data: { p0: { totalCount: 0 }, p1: { totalCount: 0 } } });
    expect((await owner.graphql(uses(2), { v: names(4999) })).body.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
  });

  test("a query over a limit is refused by that limit alone, before GraphQL's own rules walk it", async () => {
    // they compared the 1,660 fields named `a` of a 30 kB query pairwise, 0.2 to 0.8 s of the event loop, for a query refused already
    const anonymous = new Browser(api);
    const refused = await anonymous.graphql(`{ ${"a: currentUser { id } ".repeat(501)} noSuchField }`);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ message: expect.stringMatching(/at most 500 fields/), extensions: { code: "LIMIT_EXCEEDED" } }]);
    // within the limits, GraphQL's refusal as before
    expect((await anonymous.graphql("{ noSuchField }")).body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/Cannot query field "noSuchField"/), extensions: { code: "INVALID_QUERY" } })]);
  });

  test("a query whose fragments GraphQL refuses (unknown, within itself, never used, two of a name) is refused for that alone, the rest of it unread", async () => {
    // left to GraphQL's rules, the rest was read by them, and one compares fields of a name two by two: 500 `a` took 70 ms
    const anonymous = new Browser(api);
    const rest = `noSuchField ${"a: __typename ".repeat(500)}`;
    for (const [query, message] of [
      [`{ ...Undefined ${rest}}`, 'Unknown fragment "Undefined".'],
      [`{ ...F } fragment F on Query { ...F ${rest}}`, 'Cannot spread fragment "F" within itself.'],
      [`{ __typename } fragment U on Query { ${rest}}`, 'Fragment "U" is never used.'],
      [`{ ...F } fragment F on Query { ${rest}} fragment F on Query { __typename }`, 'There can be only one fragment named "F".'],
    ]) {
      const refused = await anonymous.graphql(query);
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([expect.objectContaining({ message, extensions: { code: "INVALID_QUERY" } })]);
    }
  });

  test("a selection answers at most 50 fields under one name, those merged from fields of one name counted together", async () => {
    // GraphQL's validation compares them two by two: 500 `a: __typename` (6.5 kB) held the event loop about 0.3 s, for anyone
    const anonymous = new Browser(api);
    const repeated = await anonymous.graphql(`{ ${"a: __typename ".repeat(500)}}`);
    expect(repeated.status).toBe(400);
    expect(repeated.body.errors).toEqual([{ message: expect.stringMatching(/at most 50 fields under one name \("a" is asked 500 times/), extensions: { code: "LIMIT_EXCEEDED" } }]);
    // the fields of two `u` are one selection, through a fragment too: 26 + 25 `b`
    const merged = await anonymous.graphql(`{ u: currentUser { ${"b: id ".repeat(26)}} ...U } fragment U on Query { u: currentUser { ${"b: id ".repeat(25)}} }`);
    expect(merged.body.errors?.[0].message).toMatch(/"b" is asked 51 times/);
    expect((await anonymous.graphql(`{ ${"a: __typename ".repeat(50)}}`)).body).toEqual({ data: { a: "Query" } });
  });

  test("a selection spreads at most 100 fragments, those reached through its fragments counted too", async () => {
    // GraphQL's validation compares the fragments spread in one selection two by two: 500 of one field each (24 kB, anyone's)
    // took 36 to 77 ms, and two spreading 240 each 45 ms, within every other limit
    const anonymous = new Browser(api);
    const fragments = (n: number) => Array.from({ length: n }, (_, i) => `fragment F${i} on Query { f${i}: __typename }`).join(" ");
    const spreads = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `...F${i + from}`).join(" ");
    const wide = await anonymous.graphql(`{ ${spreads(500)} } ${fragments(500)}`);
    expect(wide.status).toBe(400);
    expect(wide.body.errors).toEqual([{ message: expect.stringMatching(/^A selection may spread at most 100 fragments/), extensions: { code: "LIMIT_EXCEEDED" } }]);
    const nested = await anonymous.graphql(`{ ...A ...B } fragment A on Query { ${spreads(50)} } fragment B on Query { ${spreads(50, 50)} } ${fragments(100)}`);
    expect(nested.body.errors?.[0].message).toMatch(/^A selection may spread at most 100 fragments \(102/);
    const answered = await anonymous.graphql(`{ ${spreads(100)} } ${fragments(100)}`);
    expect(answered.body.errors).toBeUndefined();
    expect(answered.body.data.f99).toBe("Query");
  });

  test("inline fragments nest at most 32 deep, as named ones do: 3,000 levels were an internal fault", async () => {
    // 15 kB, anyone's, within the token limit: the server ran out of stack, a 500 "Maximum call stack size exceeded" without a
    // code; 1,000 levels were answered, after 20 to 40 ms
    const anonymous = new Browser(api);
    const nested = (levels: number) => `{ ${"... { ".repeat(levels)}__typename${" }".repeat(levels)} }`;
    const faults = await internalFaultsLoggedBy(async () => {
      // the deepest, sent again once the parser has run a while (before, GraphQL's parser itself may run out of stack:
      // "This query nests too deeply to be read.", LIMIT_EXCEEDED too)
      for (const levels of [1000, 2000, 3000, 3000, 3000, 33]) {
        const refused = await anonymous.graphql(nested(levels));
        const message = levels > 2000 ? /^(Fragments may nest at most 32 levels deep|This query nests too deeply to be read)/ : /^Fragments may nest at most 32 levels deep/;
        expect({ levels, status: refused.status, body: refused.body }).toEqual({
          levels,
          status: 400,
          body: { errors: [{ message: expect.stringMatching(message), extensions: { code: "LIMIT_EXCEEDED" } }] },
        });
      }
      expect((await anonymous.graphql(nested(32))).body).toEqual({ data: { __typename: "Query" } });
    });
    expect(faults).toEqual([]);
  });

  test("deep queries are refused", async () => {
    let selection = "rowId";
    for (let i = 0; i < 8; i++) selection = `clinic { memberships { nodes { ${selection} } } }`;
    const response = await owner.graphql(`{ currentUser { memberships { nodes { ${selection} } } } }`);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0].message).toMatch(/nest at most 12 levels/);
  });

  test("a whole period's dashboard, a walk of the audit chain or the schema's description is answered once per request, however it is repeated; counts 50 times", async () => {
    const dashboard = `dashboard(fromDate: "2026-01-01", toDate: "2026-12-31") { newPatients }`;
    const once = await owner.graphql(`{ ${dashboard} verifyAuditChain { isValid } }`);
    expect(once.body.errors).toBeUndefined();
    expect(once.body.data.verifyAuditChain.isValid).toBe(true);
    const repeats = [
      `{ a: ${dashboard} b: ${dashboard} }`,
      `{ ${dashboard} query { ${dashboard} } }`,
      `{ ...D ...D } fragment D on Query { ${dashboard} }`,
      `{ verifyAuditChain { isValid } again: verifyAuditChain { isValid } }`,
      `{ __schema { types { name } } again: __schema { types { name fields { name } } } }`,
    ];
    for (const query of repeats) {
      const response = await owner.graphql(query);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ errors: [{ extensions: { code: "LIMIT_EXCEEDED" }, message: expect.stringMatching(/^A request may ask for (dashboard|verifyAuditChain|__schema) once/) }] });
    }
    const types = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `t${i}: __type(name: "Mutation") { fields { description } }`).join(" ")} }`;
    expect((await owner.graphql(types(5))).body.errors).toBeUndefined();
    expect((await owner.graphql(types(6))).body).toEqual({ errors: [{ extensions: { code: "LIMIT_EXCEEDED" }, message: "A request may ask for __type 5 times." }] });
    // counts and aggregates, which count every row whatever the page: 50 in all
    const counts = (n: number) => `{ ${Array.from({ length: n }, (_, i) => (i % 2 ? `c${i}: patients { totalCount }` : `a${i}: visits { aggregates { distinctCount { patientId } } }`)).join(" ")} }`;
    expect((await owner.graphql(counts(50))).body.errors).toBeUndefined();
    expect((await owner.graphql(counts(51))).body).toEqual({
      errors: [{ extensions: { code: "LIMIT_EXCEEDED" }, message: "A request may ask for totalCount, aggregates and groupedAggregates 50 times in all: send the rest in another request." }],
    });
    // only the operation that runs counts: a document may hold another that asks for it too
    const two = await owner.post("/graphql", { query: `query A { ${dashboard} } query B { ${dashboard} }`, operationName: "B" });
    expect(two.body.errors).toBeUndefined();
    expect(two.body.data.dashboard).toHaveProperty("newPatients");
  });

  test("the time zone check is answered once per request, with or without a session: each reads PostgreSQL's whole list of zones", async () => {
    // 490 aliases of as many names, 23 kB sent without a session, kept a core of the database busy 15 s
    // (each call some 30 ms, the query's deadline reached before the last was read)
    const names = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `z${i}: isValidTimezone(name: "Nowhere/Zone${i}")`).join(" ")} }`;
    const refused = { errors: [{ extensions: { code: "LIMIT_EXCEEDED" }, message: "A request may ask for isValidTimezone once: send another request for another name." }] };
    for (const browser of [new Browser(api), owner]) {
      expect((await browser.graphql(names(1))).body).toEqual({ data: { z0: false } });
      for (const query of [names(2), names(490), `{ isValidTimezone(name: "UTC") ...Z } fragment Z on Query { again: isValidTimezone(name: "GMT") }`]) {
        const response = await browser.graphql(query);
        expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: refused });
      }
    }
  });

  // the field limit is a validation rule, run with every other rule over the whole document: 198 kB of 9,000 fields, sent
  // without a session, held the event loop for a second each, and grafserv kept each refused document (75 took the heap)
  test("a query of more than 20 tokens per field allowed is refused before it is read, with or without a session", async () => {
    const long = `{ ${"a: currentClinic { name } ".repeat(2000)}}`; // 12,002 tokens
    for (const browser of [owner, new Browser(api)]) {
      const refused = await browser.graphql(long);
      expect({ status: refused.status, body: refused.body }).toEqual({
        status: 400,
        body: { errors: [{ extensions: { code: "LIMIT_EXCEEDED" }, message: "This query is too long: a request may have at most 10,000 tokens (names, values and punctuation)." }] },
      });
    }
    // one of 1,666 such fields (9,998 tokens) is read, and refused by the field limit
    const read = await owner.graphql(`{ ${"a: currentClinic { name } ".repeat(1666)}}`);
    expect(read.body.errors?.[0].message).toMatch(/at most 500 fields/);
  });

  test("a request repeating fields by aliases or fragments past 500 is refused, at once; GraphiQL's introspection is not", async () => {
    const aliases = Array.from({ length: 501 }, (_, i) => `s${i}: searchPatients(query: "a", first: 1) { nodes { code } }`).join(" ");
    const repeated = await owner.graphql(`{ ${aliases} }`);
    expect(repeated.status).toBe(400);
    expect(repeated.body.errors?.[0]).toMatchObject({ extensions: { code: "LIMIT_EXCEEDED" }, message: expect.stringMatching(/at most 500 fields/) });
    // 2^30 uses of one field through fragments that each use the next twice: refused without counting them all
    const fragments = Array.from({ length: 30 }, (_, i) => `fragment F${i} on User { ...F${i + 1} ...F${i + 1} }`).join(" ");
    const started = Date.now();
    const bomb = await owner.graphql(`{ currentUser { ...F0 } } ${fragments} fragment F30 on User { fullName }`);
    expect(bomb.status).toBe(400);
    expect(bomb.body.errors?.map((e: { message: string }) => e.message).join(" ")).toMatch(/at most 500 fields/);
    expect(Date.now() - started).toBeLessThan(5000);
    // fragments that reach no field, the last spreading one the query does not define or the first again: GraphQL's
    // refusal, at once, to anyone (they were walked 2^n times, none of it counted: 22 of them held the server 9 s)
    const anonymous = new Browser(api);
    for (const last of ["...Undefined", "...G0"]) {
      const walks = Array.from({ length: 22 }, (_, i) => `fragment G${i} on Query { ...G${i + 1} ...G${i + 1} }`).join(" ");
      const begun = Date.now();
      const refused = await anonymous.graphql(`{ ...G0 } ${walks} fragment G22 on Query { ${last} }`);
      expect(Date.now() - begun).toBeLessThan(2000);
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_QUERY" }, message: expect.stringMatching(/Unknown fragment "Undefined"|Cannot spread fragment "G0" within itself/) });
    }
    // a chain of 400 fragments, each spreading the next, spread 490 times (one field each: within the field limit) was
    // planned for seconds (Grafast copies the fragments it is inside at each spread): fragments nest 32 deep at most
    const chain = (length: number) => Array.from({ length }, (_, i) => `fragment H${i} on Query { ...H${i + 1} }`).join(" ") + ` fragment H${length} on Query { __typename }`;
    const chainBegun = Date.now();
    const chained = await anonymous.graphql(`{ ${"...H0 ".repeat(490)}} ${chain(400)}`);
    expect(Date.now() - chainBegun).toBeLessThan(5000);
    expect(chained.status).toBe(400);
    expect(chained.body.errors?.[0]).toMatchObject({ extensions: { code: "LIMIT_EXCEEDED" }, message: expect.stringMatching(/Fragments may nest at most 32 levels deep/) });
    expect((await anonymous.graphql(`{ ...H0 } ${chain(31)}`)).body).toEqual({ data: { __typename: "Query" } });
    const introspection = await owner.graphql(
      getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }),
    );
    expect(introspection.body.errors).toBeUndefined();
    expect(introspection.body.data.__schema.types.length).toBeGreaterThan(100);
    // but introspection that multiplies (a type's fields' types' fields …) is as deep as any query
    let cyclic = "name";
    for (let i = 0; i < 7; i++) cyclic = `fields { type { ${cyclic} } }`;
    const deep = await owner.graphql(`{ __schema { types { ${cyclic} } } }`);
    expect(deep.body.errors?.[0].message).toMatch(/nest at most 12 levels/);
  });
});

/** The internal faults `fn` logged. */
const internalFaultsLoggedBy = async (fn: () => Promise<void>) => (await linesLoggedBy(fn)).filter((line) => line.includes('"internal_error"'));

// the line said only "login_failed": not how, nor from which address, which the operator's throttling counts
test("a failed login is logged with how it failed and the client's address, and never the phone or password tried", async () => {
  const tried = { phone: randomPhone(), password: "not-the-password-42" };
  const browser = new Browser(api);
  // an IPv4 client seen through IPv6 (a server listening on ::) is logged as throttling counts it, as IPv4
  const mapped = `::ffff:${browser.address}`;
  const lines = await linesLoggedBy(async () => {
    expect((await browser.post("/auth/login", tried)).status).toBe(401);
    expect((await browser.post("/auth/login", tried, { "x-forwarded-for": mapped })).status).toBe(401);
    // an IPv6 client by its /64, as throttling counts it (its address is in the audit entry)
    expect((await browser.post("/auth/login", tried, { "x-forwarded-for": "2001:db8:7:8:a:b:c:d" })).status).toBe(401);
  });
  const failed = lines.filter((line) => line.includes('"login_failed"'));
  expect(failed.map((line) => JSON.parse(line))).toEqual(
    [browser.address, browser.address, "2001:db8:7:8::/64"].map((address) => expect.objectContaining({ level: "info", event: "login_failed", outcome: "invalid", address })),
  );
  // a login refused for its input, and a member's right password for a clinic not theirs, are told apart (docs/operations.md)
  const other = await createClinic();
  const { owner: member } = clinic.members;
  const told = await linesLoggedBy(async () => {
    expect((await browser.post("/auth/login", { phone: tried.phone, password: "x".repeat(1025) })).status).toBe(400);
    expect((await browser.post("/auth/login", { phone: member.phone, password: member.password, clinicId: other.clinicId })).status).toBe(403);
  });
  expect(told.filter((line) => line.includes('"login_failed"')).map((line) => JSON.parse(line))).toEqual(
    ["refused", "not_a_member"].map((outcome) => expect.objectContaining({ level: "info", event: "login_failed", outcome, address: browser.address })),
  );
  const { rows } = await rootPool().query("select array_agg(distinct abbrev(ip)) as counted from app_private.login_failure where phone = $1", [tried.phone]);
  expect(rows[0].counted.sort()).toEqual([browser.address, "2001:db8:7:8::/64"].sort());
  expect(failed.join("")).not.toContain(tried.password);
  expect(failed.join("")).not.toContain(tried.phone.slice(-6));
});

test("a request is logged under the path it was asked for (/auth/login), whether a router answered it or not", async () => {
  const lines = await linesLoggedBy(async () => {
    expect((await new Browser(api).login(clinic.members.owner.phone, clinic.members.owner.password)).status).toBe(200);
    expect((await new Browser(api).post("/auth/login?from=test", "x".repeat(20_000))).status).toBe(413); // refused before the router
  });
  const requests = lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line)).filter((entry) => entry.event === "request");
  expect(requests.map(({ path, status }) => ({ path, status }))).toEqual([
    { path: "/auth/login", status: 200 },
    { path: "/auth/login", status: 413 },
  ]);
});

describe("pagination arguments a client got wrong", () => {
  test("are INVALID_INPUT with a message for people, never an internal fault", async () => {
    const other = await createClinic();
    for (const lastName of ["Alpha", "Bravo"]) await createPatient(other.clinicId, { last_name: lastName });
    const desk = new Browser(api);
    await desk.login(other.members.owner.phone, other.members.owner.password);
    const page = await desk.graphql(`{ patients(first: 1, orderBy: LAST_NAME_ASC) { edges { cursor } } }`);
    const byLastName = page.body.data.patients.edges[0].cursor;
    const notValid = { extensions: { code: "INVALID_INPUT" }, message: "This cursor is not valid for this list." };
    const logged = await internalFaultsLoggedBy(async () => {
      const answers = async (query: string) => (await desk.graphql(query)).body;
      expect(await answers(`{ patients(first: 2, after: "abc") { nodes { lastName } } }`)).toMatchObject({
        data: { patients: null },
        errors: [notValid],
      });
      expect(await answers(`{ patients(first: 2, after: "${byLastName}", orderBy: CODE_ASC) { nodes { lastName } } }`)).toMatchObject({
        errors: [notValid],
      });
      expect(await answers(`{ auditLogs(before: "${byLastName}") { nodes { action } } }`)).toMatchObject({ errors: [notValid] });
      expect(await answers(`{ patients(last: 1, offset: 1) { nodes { lastName } } }`)).toMatchObject({
        errors: [{ extensions: { code: "INVALID_INPUT" }, message: "offset cannot be combined with last." }],
      });
      // a negative count is refused before anything runs, written in the query or passed as a variable
      for (const [query, variables] of [
        [`{ patients(first: -1) { nodes { lastName } } }`, {}],
        [`query($n: Int) { patients(last: $n) { nodes { lastName } } }`, { n: -1 }],
        [`query($n: Int) { patients(first: 1, offset: $n) { nodes { lastName } } }`, { n: -5 }],
      ] as const) {
        const response = await desk.graphql(query, variables);
        expect(response.status).toBe(400);
        expect(response.body).toEqual({
          errors: [{ extensions: { code: "INVALID_INPUT" }, message: expect.stringMatching(/^(first|last|offset) must not be negative\.$/) }],
        });
      }
      // or left to a variable's default: the request gives no variables, or names the operation whose default it is
      const refusedByDefault = { extensions: { code: "INVALID_INPUT" }, message: "first must not be negative." };
      const defaulted = `query($n: Int = -1) { patients(first: $n) { nodes { lastName } } }`;
      const twoOperations = `query Negative($n: Int = -1) { patients(first: $n) { nodes { lastName } } }
        query One($n: Int = 1) { patients(first: $n, orderBy: LAST_NAME_ASC) { nodes { lastName } } }`;
      for (const body of [{ query: defaulted }, { query: twoOperations, operationName: "Negative" }]) {
        const response = await desk.post("/graphql", body);
        expect(response.status).toBe(400);
        expect(response.body).toEqual({ errors: [refusedByDefault] });
      }
      // the default of another operation than the one that runs, or one the request replaces (with null too), refuses nothing
      expect((await desk.post("/graphql", { query: twoOperations, operationName: "One" })).body).toEqual({
        data: { patients: { nodes: [{ lastName: "Alpha" }] } },
      });
      expect((await desk.graphql(defaulted, { n: null })).body.data.patients.nodes).toHaveLength(2);
    });
    expect(logged).toEqual([]);
  });

  // firstName and checkedInAt were not among the orders (no index held them): one surname's patients came
  // in no order of their first names, and the waiting room could not be listed in the order people arrived
  test("the front desk lists patients A to Z by surname then first name, and the waiting room in the order people checked in", async () => {
    const other = await createClinic();
    for (const firstName of ["Zawadi", "Ámos", "baraka", "Amina"]) await createPatient(other.clinicId, { first_name: firstName, last_name: "Mwamba" });
    await createPatient(other.clinicId, { first_name: "Aaron", last_name: "Ngowi" });
    const desk = new Browser(api);
    await desk.login(other.members.receptionist.phone, other.members.receptionist.password);
    const listed = await desk.graphql("{ patients(orderBy: [LAST_NAME_ASC, FIRST_NAME_ASC]) { nodes { firstName lastName } } }");
    expect(listed.body.data.patients.nodes.map((p: { firstName: string; lastName: string }) => `${p.lastName} ${p.firstName}`)).toEqual([
      "Mwamba Amina", "Mwamba Ámos", "Mwamba baraka", "Mwamba Zawadi", "Ngowi Aaron",
    ]);
    // booked 09:00, 09:10, 09:20; arrived in the other order
    const booked: string[] = [];
    for (const minutes of [0, 10, 20]) {
      const patient = await createPatient(other.clinicId);
      const { rows } = await rootPool().query(
        "insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at) values ($1, $2, $3, date_trunc('hour', now()) + $4 * interval '1 minute') returning code",
        [other.clinicId, patient.id, other.members.doctor.membershipId, minutes],
      );
      booked.push(rows[0].code);
    }
    for (const code of [...booked].reverse()) {
      await rootPool().query("update app_public.visit set status = 'checked_in' where clinic_id = $1 and code = $2", [other.clinicId, code]);
    }
    const waiting = await desk.graphql("{ visits(condition: { status: checked_in }, orderBy: CHECKED_IN_AT_ASC) { nodes { code } } }");
    expect(waiting.body.data.visits.nodes.map((v: { code: string }) => v.code)).toEqual([...booked].reverse());
  });

  // the log had no filter by actor (no index held it), and a member who had left showed as a bare id
  test("a clinic's audit log is filtered by who acted, and names them, also once they have left the clinic", async () => {
    const other = await createClinic();
    const { receptionist, owner } = other.members;
    const desk = new Browser(api);
    await desk.login(receptionist.phone, receptionist.password);
    const registered = await desk.graphql(`mutation { createPatient(input: { patient: { firstName: "Filtered", lastName: "By Actor" } }) { patient { rowId } } }`);
    const patientId = registered.body.data.createPatient.patient.rowId;
    const manager = new Browser(api);
    await manager.login(owner.phone, owner.password);
    expect((await manager.graphql(`mutation($id: UUID!) { removeMember(input: { membershipId: $id }) { result { deletedAt } } }`, { id: receptionist.membershipId })).body.errors).toBeUndefined();
    const { rows: [{ full_name: name }] } = await rootPool().query(`select full_name from app_public."user" where id = $1`, [receptionist.userId]);
    const byActor = await manager.graphql(
      `query($a: UUID!) { auditLogs(filter: { actorUserId: { equalTo: $a } }, orderBy: SEQ_ASC) { nodes { action tableName recordId actorUserId actorName } } }`,
      { a: receptionist.userId },
    );
    expect(byActor.body.data.auditLogs.nodes).toEqual([
      { action: "login", tableName: "user", recordId: receptionist.userId, actorUserId: receptionist.userId, actorName: name },
      { action: "insert", tableName: "patient", recordId: patientId, actorUserId: receptionist.userId, actorName: name },
    ]);
    // the removal is the owner's, named too; someone who never acted here has no entries (the filter is not ignored)
    const byOwner = await manager.graphql(`query($a: UUID!) { auditLogs(condition: { actorUserId: $a }) { nodes { actorName } } }`, { a: owner.userId });
    expect(new Set(byOwner.body.data.auditLogs.nodes.map((n: { actorName: string }) => n.actorName)).size).toBe(1);
    const stranger = await manager.graphql(`query($a: UUID!) { auditLogs(condition: { actorUserId: $a }) { totalCount } }`, { a: clinic.members.owner.userId });
    expect(stranger.body.data.auditLogs.totalCount).toBe(0);
  });

  // the row images are to_jsonb of the row, a numeric a JSON number: parsed as a float, 22480.000 read 22480 and
  // 9999999999999.999 read 9999999999999.998, where the API gives every amount as text
  test("an audit entry's values give amounts as stored, as text", async () => {
    const other = await createClinic();
    await rootPool().query("update app_public.clinic set currency = 'KWD' where id = $1", [other.clinicId]); // 3 decimals
    const manager = new Browser(api);
    await manager.login(other.members.owner.phone, other.members.owner.password);
    const made = await manager.graphql(`mutation { createService(input: { service: { name: "Largest", price: "9999999999999.999", durationMinutes: 15 } }) { service { rowId } } }`);
    const serviceId = made.body.data.createService.service.rowId;
    await manager.graphql(`mutation($id: UUID!) { updateService(input: { clinicId: "${other.clinicId}", rowId: $id, patch: { price: "22480.000" } }) { service { price } } }`, { id: serviceId });
    const logged = await manager.graphql(
      `query($id: UUID!) { auditLogs(condition: { recordId: $id }, orderBy: SEQ_ASC) { nodes { action oldValues newValues } } }`,
      { id: serviceId },
    );
    expect(logged.body.data.auditLogs.nodes).toEqual([
      { action: "insert", oldValues: null, newValues: expect.objectContaining({ price: "9999999999999.999", duration_minutes: "15", name: "Largest" }) },
      { action: "update", oldValues: expect.objectContaining({ price: "9999999999999.999" }), newValues: expect.objectContaining({ price: "22480.000", is_active: true }) },
    ]);
  });

  test("a clinic's audit log is filtered by what was done, newest first", async () => {
    const other = await createClinic();
    const manager = new Browser(api);
    await manager.login(other.members.owner.phone, other.members.owner.password);
    const made = await manager.graphql(`mutation { createPatient(input: { patient: { firstName: "Filtered", lastName: "By Action" } }) { patient { rowId } } }`);
    const patientId = made.body.data.createPatient.patient.rowId;
    expect((await manager.graphql(`mutation($id: UUID!) { deletePatient(input: { patientId: $id }) { result { code } } }`, { id: patientId })).body.errors).toBeUndefined();
    const byAction = (filter: string) => manager.graphql(`{ auditLogs(filter: ${filter}) { nodes { action tableName recordId seq } } }`).then((r) => r.body.data.auditLogs.nodes);
    expect(await byAction(`{ action: { equalTo: "soft_delete" } }`)).toEqual([{ action: "soft_delete", tableName: "patient", recordId: patientId, seq: expect.any(String) }]);
    const logins = await byAction(`{ action: { in: ["login", "logout"] } }`);
    expect(logins.length).toBeGreaterThan(0);
    expect(logins.every((entry: { action: string }) => entry.action === "login")).toBe(true);
    const all = await byAction(`{ action: { in: ["insert", "soft_delete", "login"] } }`);
    expect(all.map((entry: { seq: string }) => Number(entry.seq))).toEqual(all.map((entry: { seq: string }) => Number(entry.seq)).sort((a: number, b: number) => b - a));
    const { rows } = await rootPool().query("select count(*)::int as n from app_public.audit_log where clinic_id = $1 and action in ('insert', 'soft_delete', 'login')", [other.clinicId]);
    expect(all).toHaveLength(rows[0].n);
  });

  test("a clinic's audit log tells no count of the others' entries: its global id is not in the API, nor in its cursors", async () => {
    const other = await createClinic();
    await createPatient(other.clinicId, { last_name: "Counted" });
    const manager = new Browser(api);
    await manager.login(other.members.owner.phone, other.members.owner.password);
    // the id counts every clinic's entries: two reads of one's own log, and the gap was what the others did meanwhile
    for (const asked of ["{ auditLogs(first: 1) { nodes { rowId } } }", "{ auditLogs(first: 1) { nodes { id } } }", "{ auditLog(rowId: 1) { seq } }"]) {
      expect({ asked, status: (await manager.post("/graphql", { query: asked })).status }).toEqual({ asked, status: 400 });
    }
    const listed = (await manager.graphql("{ auditLogs(first: 1, orderBy: SEQ_DESC) { nodes { clinicId seq } edges { cursor } } }")).body.data.auditLogs;
    const { rows } = await rootPool().query("select id::text from app_public.audit_log where clinic_id = $1 and seq = $2", [other.clinicId, listed.nodes[0].seq]);
    expect(Buffer.from(listed.edges[0].cursor, "base64url").toString("latin1")).not.toContain(`"${rows[0].id}"`);
    // nor in its length: keys of fewer and more digits seal as long (GCM keeps the length of what it seals)
    const { seal, open } = cursorSealer(TEST_JWT_SECRET);
    const [short, long] = ['["a digest","7"]', '["a digest","712345678"]'];
    expect(seal(short, other.clinicId).length).toBe(seal(long, other.clinicId).length);
    expect([open(seal(short, other.clinicId), other.clinicId), open(seal(long, other.clinicId), other.clinicId)]).toEqual([short, long]);
  });

  // a cursor of clinic B's list paged clinic A's rows from B's row's place: where B's hidden name sorts among names A can make
  test("a cursor of another clinic's page is refused, as one made by hand is, as a variable, in the query's text or over the websocket", async () => {
    const [a, b] = [await createClinic(), await createClinic()];
    for (const clinic of [a, b]) for (const lastName of ["Alpha", "Secret"]) await createPatient(clinic.clinicId, { last_name: lastName });
    const [deskA, deskB] = [new Browser(api), new Browser(api)];
    await deskA.login(a.members.owner.phone, a.members.owner.password);
    await deskB.login(b.members.owner.phone, b.members.owner.password);
    const list = "patients(first: 1, after: $after, orderBy: LAST_NAME_ASC) { nodes { lastName } edges { cursor } pageInfo { endCursor } }";
    const page = (desk: Browser, after: string | null) => desk.graphql(`query($after: Cursor) { ${list} }`, { after }).then((r) => r.body);
    // written in the query: one text, so one plan shared by both clinics' sessions, each opening it for its own
    const literalPage = (desk: Browser, after: string) => desk.graphql(`{ ${list.replace("$after", JSON.stringify(after))} }`).then((r) => r.body);
    const refused = { data: { patients: null }, errors: [expect.objectContaining({ message: "This cursor is not valid for this list.", extensions: { code: "INVALID_INPUT" } })] };
    const secretPage = { data: { patients: expect.objectContaining({ nodes: [{ lastName: "Secret" }] }) } };
    const firstOfB = (await page(deskB, null)).data.patients;
    const cursorOfB = firstOfB.edges[0].cursor;
    expect(firstOfB.pageInfo.endCursor).toBe(cursorOfB);
    const cursorOfA = (await page(deskA, null)).data.patients.edges[0].cursor;
    expect(cursorOfA).not.toBe(cursorOfB);
    expect(await page(deskA, cursorOfB)).toEqual(refused);
    expect(await page(deskB, cursorOfB)).toEqual(secretPage);
    expect(await page(deskA, cursorOfA)).toEqual(secretPage);
    expect(await literalPage(deskB, cursorOfB)).toEqual(secretPage);
    expect(await literalPage(deskA, cursorOfB)).toEqual(refused);
    expect(await literalPage(deskA, cursorOfA)).toEqual(secretPage);
    // a mutation's edge is sealed alike
    const created = await deskA.graphql(`mutation { createPatient(input: { patient: { firstName: "Zed", lastName: "Zulu" } }) { patientEdge(orderBy: LAST_NAME_ASC) { cursor } } }`);
    expect(await page(deskA, created.body.data.createPatient.patientEdge.cursor)).toEqual({ data: { patients: { nodes: [], edges: [], pageInfo: { endCursor: null } } } });
    expect(await page(deskB, created.body.data.createPatient.patientEdge.cursor)).toEqual(refused);
    // over the websocket, whose requests never pass express: sealed and opened for the session of its cookie
    const socket = await openWebSocket(deskA.cookie ?? undefined);
    const answers = new Map<string, (payload: any) => void>();
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.type === "next") answers.get(message.id)?.(message.payload);
    });
    const acked = new Promise((resolve) => socket.once("message", resolve));
    socket.send(JSON.stringify({ type: "connection_init" }));
    await acked;
    const overSocket = (id: string, after: string | null) =>
      new Promise<any>((resolve) => {
        answers.set(id, resolve);
        socket.send(JSON.stringify({ id, type: "subscribe", payload: { query: `query($after: Cursor) { ${list} }`, variables: { after } } }));
      });
    const cursorOverSocket = (await overSocket("1", null)).data.patients.edges[0].cursor;
    expect(cursorOverSocket).toBe(cursorOfA);
    expect(await overSocket("2", cursorOfA)).toEqual(secretPage);
    expect(await overSocket("3", cursorOfB)).toEqual(refused);
    socket.close();
    // sealed to a clinic, opened for it alone
    const { seal, open } = cursorSealer(TEST_JWT_SECRET);
    expect([open(seal("[1]", a.clinicId), a.clinicId), open(seal("[1]", a.clinicId), b.clinicId), open(seal("[1]", a.clinicId), "")]).toEqual(["[1]", "", ""]);
  });

  test("a cursor made by hand or changed is refused; those the API gave take their page, and tell nothing of what they hold", async () => {
    const other = await createClinic();
    for (const lastName of ["Alpha", "Bravo", "Charlie"]) await createPatient(other.clinicId, { last_name: lastName });
    const desk = new Browser(api);
    await desk.login(other.members.owner.phone, other.members.owner.password);
    const notValid = { data: { patients: null }, errors: [{ message: "This cursor is not valid for this list.", locations: expect.any(Array), path: ["patients"], extensions: { code: "INVALID_INPUT" } }] };
    const faults = await internalFaultsLoggedBy(async () => {
      // ordered by uuids (the primary key), and by a time and the primary key
      for (const orderBy of ["PRIMARY_KEY_ASC", "CREATED_AT_ASC"]) {
        const page = (after: string | null) =>
          desk.graphql(`query($after: Cursor) { patients(first: 1, after: $after, orderBy: ${orderBy}) { nodes { rowId createdAt } edges { cursor } } }`, { after }).then((r) => r.body);
        const first = (await page(null)).data.patients;
        const cursor: string = first.edges[0].cursor;
        expect((await page(cursor)).data.patients.nodes).toHaveLength(1);
        expect((await page(null)).data.patients.edges[0].cursor).toBe(cursor); // the same position, the same cursor
        // sealed: the row's key and time are not in it (a signed cursor was their base64: the audit log's told every clinic's count)
        const opened = Buffer.from(cursor, "base64url").toString("latin1");
        for (const held of [first.nodes[0].rowId, first.nodes[0].createdAt.slice(0, 19)]) expect(opened).not.toContain(held);
        // what @dataplan/pg writes itself: base64 of [a digest of the order, the row's values of it]
        const handMade = (...held: unknown[]) => Buffer.from(JSON.stringify(["a digest", ...held])).toString("base64");
        const changed = Buffer.from(cursor, "base64url");
        changed[changed.length - 20] ^= 1;
        for (const forged of [
          handMade(first.nodes[0].rowId), // values of the row as written in the clear
          handMade(null), // nulls: an empty page and no error, before cursors were checked
          changed.toString("base64url"), // the API's own cursor, one bit changed
          cursor.slice(0, -2), // cut short
        ]) {
          expect({ orderBy, forged, body: await page(forged) }).toEqual({ orderBy, forged, body: notValid });
        }
      }
    });
    expect(faults).toEqual([]);
  });
});

/** The JSON log lines of one event among `lines`. */
const loggedEvents = (lines: readonly string[], event: string) =>
  lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line);
      return entry?.event === event ? [entry] : [];
    } catch {
      return [];
    }
  });
const UPDATE_NOTES = `mutation($c: UUID!, $id: UUID!) { updatePatient(input: { clinicId: $c, rowId: $id, patch: { notes: "later" } }) { patient { notes } } }`;
const LOCK_PATIENT = "select from app_public.patient where clinic_id = $1 and id = $2 for update";

describe("statement timeouts", () => {
  // the client got TIMEOUT and the operator found nothing in the logs
  test("a statement cancelled by the timeout is TIMEOUT to the client and a warn line, with the request's id, to the operator", async () => {
    const slow = await startApi({ STATEMENT_TIMEOUT_MS: "500" });
    const patient = await createPatient(clinic.clinicId, { last_name: "Waited For" });
    const desk = new Browser(slow);
    await desk.login(clinic.members.owner.phone, clinic.members.owner.password);
    try {
      await whileHolding(LOCK_PATIENT, [clinic.clinicId, patient.id], async () => {
        let answer: Awaited<ReturnType<typeof desk.graphql>> | undefined;
        const lines = await linesLoggedBy(async () => {
          answer = await desk.graphql(UPDATE_NOTES, { c: clinic.clinicId, id: patient.id });
        });
        expect(answer?.body.errors?.[0]).toMatchObject({ extensions: { code: "TIMEOUT" }, message: "The request took too long and was cancelled." });
        expect(loggedEvents(lines, "statement_cancelled")).toEqual([
          expect.objectContaining({ level: "warn", requestId: answer?.headers.get("x-request-id"), message: "canceling statement due to statement timeout" }),
        ]);
      });
    } finally {
      await slow.close();
    }
  });
});

describe("requests cut short", () => {
  // a download abandoned by its client, or cut by a shutdown, left no log line: lines were written when a response finished
  test("a request whose client goes before its answer is a warn line with its id", async () => {
    const patient = await createPatient(clinic.clinicId, { last_name: "Abandoned" });
    await whileHolding(LOCK_PATIENT, [clinic.clinicId, patient.id], async (held) => {
      const lines = await linesLoggedBy(async (seen) => {
        const gone = new AbortController();
        const request = fetch(`${api.url}/graphql`, {
          method: "POST",
          signal: gone.signal,
          headers: { "content-type": "application/json", cookie: owner.cookie ?? "" },
          body: JSON.stringify({ query: UPDATE_NOTES, variables: { c: clinic.clinicId, id: patient.id } }),
        }).catch(() => null);
        expect(await held.blocking()).toBe(true); // the mutation waits for the row
        gone.abort();
        await request;
        expect(await until(() => loggedEvents(seen, "request_cut_short").length > 0)).toBe(true);
      });
      // unanswered: no status (it said 200), and not cut by a stop
      const [cut, ...more] = loggedEvents(lines, "request_cut_short");
      expect({ cut, more }).toEqual({ cut: expect.objectContaining({ level: "warn", method: "POST", path: "/graphql", requestId: expect.any(String), status: null }), more: [] });
      expect(cut).not.toHaveProperty("cutBy");
    });
  });
});

describe("internal faults", () => {
  test("show only a reference, never SQL or a stack", () => {
    process.env.LOG_LEVEL = "silent";
    const fault = Object.assign(new Error('relation "app_private.secret" does not exist at select * from ...'), { code: "42P01" });
    const masked = runWithRequestId("req-123", () => maskError(new GraphQLError(fault.message, { originalError: fault })));
    expect(masked.message).toBe("Internal error; quote reference req-123 to support.");
    expect(masked.extensions).toMatchObject({ code: "INTERNAL", requestId: "req-123" });
    expect(JSON.stringify(masked.toJSON())).not.toMatch(/relation|select|secret|at /);
  });
});

describe("error codes", () => {
  test("each SQLSTATE our SQL raises goes out under the code docs/api.md gives it, with its message; serialization failures and deadlocks as RETRY", () => {
    const pgError = (code: string) => Object.assign(new Error("Said for people."), { code });
    // docs/api.md's table of our SQLSTATEs: a client branches on these codes
    const documented: Record<string, string> = {
      CINPH: "INVALID_PHONE",
      CINVL: "INVALID_INPUT",
      CWEAK: "WEAK_PASSWORD",
      CFORB: "FORBIDDEN",
      CNOTF: "NOT_FOUND",
      CCONF: "CONFLICT",
      CAUTH: "UNAUTHENTICATED",
      CTRAN: "INVALID_TRANSITION",
      COVPY: "OVERPAYMENT",
      CRFND: "REFUND_EXCEEDS_PAYMENT",
      CDAYC: "DAY_CLOSED",
      CLIMT: "LIMIT_EXCEEDED",
      CPWCH: "PASSWORD_CHANGE_REQUIRED",
    };
    expect(Object.fromEntries(Object.keys(documented).map((sqlState) => [sqlState, describeError(pgError(sqlState))]))).toEqual(
      Object.fromEntries(Object.entries(documented).map(([sqlState, code]) => [sqlState, { code, message: "Said for people." }])),
    );
    // worth retrying, both: a deadlock is no internal fault
    for (const sqlState of ["40001", "40P01"]) {
      expect([sqlState, describeError(pgError(sqlState))]).toEqual([sqlState, { code: "RETRY", message: "Another change got there first; please try again." }]);
    }
  });
});

describe("transactions", () => {
  test("the mutation fields of one request run one after another, each in its own transaction: one refused keeps those before and after it", async () => {
    const lastName = `Serial ${Math.random()}`;
    const create = (alias: string, firstName: string) =>
      `${alias}: createPatient(input: { patient: { firstName: "${firstName}", lastName: $lastName } }) { patient { firstName clinic { name } } }`;
    const response = await owner.graphql(
      `mutation($clinic: UUID!, $lastName: String!) {
        renamed: updateClinic(input: { rowId: $clinic, patch: { name: "Renamed first" } }) { clinic { name } }
        ${create("a", "Asha")} ${create("b", "x".repeat(101))} ${create("c", "Chausiku")}
        back: updateClinic(input: { rowId: $clinic, patch: { name: "GraphQL clinic" } }) { clinic { name } }
      }`,
      { clinic: clinic.clinicId, lastName },
    );
    // each field's answer is read before the next field runs: a and c see the clinic as renamed, not as renamed back
    expect(response.body).toEqual({
      data: {
        renamed: { clinic: { name: "Renamed first" } },
        a: { patient: { firstName: "Asha", clinic: { name: "Renamed first" } } },
        b: null,
        c: { patient: { firstName: "Chausiku", clinic: { name: "Renamed first" } } },
        back: { clinic: { name: "GraphQL clinic" } },
      },
      errors: [expect.objectContaining({ path: ["b"], extensions: { code: "INVALID_INPUT", constraint: "patient_first_name_check" } })],
    });
    const { rows } = await rootPool().query("select first_name, xmin::text as transaction from app_public.patient where last_name = $1 order by first_name", [lastName]);
    expect(rows.map((row) => row.first_name)).toEqual(["Asha", "Chausiku"]);
    expect(rows[0].transaction).not.toBe(rows[1].transaction);
  });

  // the payload is read after the write committed: an error there read as a refusal, and a retry registered the patient twice
  test("an error in a mutation's answer says the write was saved; the mutation's own refusal does not", async () => {
    const lastName = `Answered ${Math.random()}`;
    const register = (firstName: string, after: string) =>
      owner.graphql(
        `mutation($first: String!, $last: String!, $after: Cursor) {
          createPatient(input: { patient: { firstName: $first, lastName: $last } }) { patient { firstName visits(after: $after) { totalCount } } }
        }`,
        { first: firstName, last: lastName, after },
      );
    const answered = await register("Asha", "not-a-cursor");
    expect(answered.body).toEqual({
      data: { createPatient: { patient: null } },
      errors: [expect.objectContaining({
        path: ["createPatient", "patient", "visits"],
        extensions: { code: "INVALID_INPUT", saved: true },
        message: "This cursor is not valid for this list.",
      })],
    });
    const refused = await register("x".repeat(101), "not-a-cursor");
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: ["createPatient"], extensions: { code: "INVALID_INPUT", constraint: "patient_first_name_check" } })]);
    const { rows } = await rootPool().query("select first_name from app_public.patient where last_name = $1", [lastName]);
    expect(rows.map((row) => row.first_name)).toEqual(["Asha"]);
    // a query's errors wrote nothing, and say nothing of it
    const query = await owner.graphql(`{ patients(first: 1) { nodes { visits(after: "not-a-cursor") { totalCount } } } }`);
    expect(query.body.errors?.[0].extensions).toEqual({ code: "INVALID_INPUT" });
  });

  test("queries and subscriptions run read-only, mutations read-write", async () => {
    const pool = apiPool(testConfig.authenticatorUrl, 1);
    try {
      const context = graphqlPreset({ pool, settings: api.settings, roles: testConfig.roles }).grafast?.context as (
        requestContext: object,
        args: { document: DocumentNode; operationName?: string },
      ) => { pgSettings: Record<string, string> };
      const readOnly = (source: string, operationName?: string) =>
        context({}, { document: parse(source), operationName }).pgSettings.transaction_read_only ?? "off";
      expect(readOnly("{ __typename }")).toBe("on");
      expect(readOnly("subscription { visitQueueChanged { __typename } }")).toBe("on");
      expect(readOnly("mutation { __typename }")).toBe("off");
      expect(readOnly("query A { __typename } mutation B { __typename }", "B")).toBe("off");
      expect(readOnly("query A { __typename } mutation B { __typename }", "A")).toBe("on");
    } finally {
      await pool.end();
    }
  });
});

// a client that stopped reading its answer held the connection, and the answer in the server's memory, for good: a
// member's 10 MB answers, one a minute and none read, added up (30 held 324 MB) until they took the server's heap
test("an answer its client stops reading is cut after DOWNLOAD_STALL_MS, as a stalled download is: its connection and memory are let go", async () => {
  const stalling = await startApi({ DOWNLOAD_STALL_MS: "1000" });
  const big = await createClinic();
  const notes = "n".repeat(5000);
  await rootPool().query(
    "insert into app_public.patient (clinic_id, first_name, last_name, notes) select $1, 'Long', 'Notes ' || i, $2 from generate_series(1, 100) i",
    [big.clinicId, notes],
  );
  const browser = new Browser(stalling);
  await browser.login(big.members.owner.phone, big.members.owner.password);
  // 20 pages of 100 patients with 5,000 characters of notes each: 10 MB, far more than the sockets' buffers take
  const query = `{ ${Array.from({ length: 20 }, (_, i) => `p${i}: patients(first: 100) { nodes { notes } }`).join(" ")} }`;
  const body = JSON.stringify({ query });
  const before = await stalling.connections(); // the login's, kept alive
  const socket = connect(Number(new URL(stalling.url).port), "127.0.0.1");
  try {
    let received = 0;
    const lines = await linesLoggedBy(async (logged) => {
      await new Promise<void>((resolve) => socket.once("connect", resolve));
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nCookie: ${browser.cookie}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      // the answer's first bytes, then nothing more is read
      await new Promise<void>((resolve) => socket.once("data", (chunk) => ((received = chunk.length), resolve())));
      socket.pause();
      // the connection let go, and its line: the response's close is told after its socket's (CI, under load, read the
      // connections back before the line was written)
      await until(async () => (await stalling.connections()) === before && logged.some((line) => line.includes('"request_cut_short"')), 8000);
    }, "warn");
    expect(received).toBeGreaterThan(0);
    expect(await stalling.connections()).toBe(before);
    expect(lines.map((line) => JSON.parse(line)).filter((line) => line.event === "request_cut_short")).toEqual([
      expect.objectContaining({ method: "POST", path: "/graphql", status: 200 }),
    ]);
  } finally {
    socket.destroy();
    await stalling.close();
  }
});

describe("probes", () => {
  test("GET /health answers while the process is up", async () => {
    const response = await fetch(`${api.url}/health`);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  test("GET /ready checks the database and the migrations: a database behind the code's migrations is 503 migrations_pending, one ahead of them code_behind_database", async () => {
    const response = await fetch(`${api.url}/ready`);
    expect(response.status).toBe(200);
    const { migration } = await response.json();
    expect(migration).toBe(newestCommittedMigration());
    // the same database, for code one migration ahead of it, and for code one behind (a newer version migrated it)
    const next = String(Number(migration) + 1).padStart(6, "0");
    const previous = String(Number(migration) - 1).padStart(6, "0");
    const pool = apiPool(testConfig.authenticatorUrl, 1);
    const readyFor = async (expected: string) => {
      const server = express().use(healthRoutes(pool, pgSettingsFor(null, serverSettings({}, ""), testConfig.roles), expected)).listen(0, "127.0.0.1");
      try {
        await new Promise((resolve) => server.once("listening", resolve));
        const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`);
        return [answer.status, await answer.json()];
      } finally {
        server.close();
      }
    };
    try {
      expect(await readyFor(next)).toEqual([503, { status: "migrations_pending", applied: migration, expected: next }]);
      // before, migrations_pending too, where nothing is pending: the code is out of date
      expect(await readyFor(previous)).toEqual([503, { status: "code_behind_database", applied: migration, expected: previous }]);
    } finally {
      await pool.end();
    }
  });

  test("GraphiQL is served outside production only", async () => {
    expect((await fetch(`${api.url}/graphiql`)).status).toBe(200);
    const production = await startApi({ NODE_ENV: "production" });
    try {
      expect((await fetch(`${production.url}/graphiql`)).status).toBe(404);
    } finally {
      await production.close();
    }
  });
});

describe("a connection asked for without a page", () => {
  test("gets a page of the largest size, says there is more, and still counts everything", async () => {
    const small = await startApi({ MAX_PAGE_SIZE: "2" });
    try {
      const other = await createClinic();
      for (const lastName of ["Alpha", "Bravo", "Charlie", "Delta"]) await createPatient(other.clinicId, { last_name: lastName });
      const desk = new Browser(small);
      expect((await desk.login(other.members.receptionist.phone, other.members.receptionist.password)).status).toBe(200);
      const page = (args: string) =>
        desk.graphql(`{ patients${args} { nodes { lastName } edges { cursor } pageInfo { hasNextPage hasPreviousPage } totalCount } }`).then((r) => r.body);
      const first = (await page("(orderBy: LAST_NAME_ASC)")).data.patients;
      expect(first).toMatchObject({
        nodes: [{ lastName: "Alpha" }, { lastName: "Bravo" }],
        pageInfo: { hasNextPage: true, hasPreviousPage: false },
        totalCount: 4,
      });
      // a page asked for is as asked: the last one, or the first one
      const last = (await page("(orderBy: LAST_NAME_ASC, last: 1)")).data.patients;
      expect(last.nodes).toEqual([{ lastName: "Delta" }]);
      expect((await page("(orderBy: LAST_NAME_ASC, first: 1)")).data.patients.nodes).toEqual([{ lastName: "Alpha" }]);
      // only a cursor: the largest page on its side of it, never everything else
      const before = (await page(`(orderBy: LAST_NAME_ASC, before: "${last.edges[0].cursor}")`)).data.patients;
      expect(before).toMatchObject({ nodes: [{ lastName: "Bravo" }, { lastName: "Charlie" }], pageInfo: { hasPreviousPage: true } });
      const after = (await page(`(orderBy: LAST_NAME_ASC, after: "${first.edges[0].cursor}")`)).data.patients;
      expect(after).toMatchObject({ nodes: [{ lastName: "Bravo" }, { lastName: "Charlie" }], pageInfo: { hasNextPage: true } });
      // nested connections too
      const nested = await desk.graphql(`{ clinics { nodes { patients { nodes { lastName } } } } }`);
      expect(nested.body.data.clinics.nodes[0].patients.nodes).toHaveLength(2);
    } finally {
      await small.close();
    }
  });
});

// each connection was given its page in its plan, and a page given made its rows read (grafast's ConnectionStep.setFirst):
// a count alone read a page of 100 rows it never answered, in the list's order, through the list's filter
test("a count or aggregates alone read no page of rows, asked for with a page or without", async () => {
  const other = await createClinic();
  for (const lastName of ["Alpha", "Bravo", "Charlie"]) await createPatient(other.clinicId, { last_name: lastName });
  const desk = new Browser(api);
  await desk.login(other.members.receptionist.phone, other.members.receptionist.password);
  const reads = async (query: string, answer: unknown) => {
    const sent = await statementsSentBy(async () => expect((await desk.graphql(query)).body).toEqual({ data: answer }));
    return sent.filter(({ text }) => text.includes(`"app_public"."patient"`)).map(({ text }) => text.replace(/\s+/g, " "));
  };
  for (const page of ["", "(first: 2)", "(last: 1)", `(filter: { lastName: { startsWith: "B" } })`]) {
    const count = page.includes("filter") ? 1 : 3;
    const [statement, ...more] = await reads(`{ patients${page} { totalCount } }`, { patients: { totalCount: count } });
    expect(statement).toMatch(/^select \(count\(\*\)\)::text as "0" from "app_public"."patient"/);
    expect(more).toEqual([]);
    expect(await reads(`{ patients${page} { aggregates { distinctCount { lastName } } } }`, { patients: { aggregates: { distinctCount: { lastName: String(count) } } } })).toHaveLength(1);
  }
  // a page asked for with its count: the page's rows, limited, then the count
  const [rows, count, ...more] = await reads(`{ patients(first: 2, orderBy: LAST_NAME_ASC) { nodes { lastName } totalCount } }`, {
    patients: { nodes: [{ lastName: "Alpha" }, { lastName: "Bravo" }], totalCount: 3 },
  });
  expect(rows).toMatch(/ limit 2;?$/);
  expect(count).toContain("count(*)");
  expect(more).toEqual([]);
});

// a page given to the list alone left the connection thinking it read no rows when asked only for pageInfo's cursors
// (grafast's ConnectionStep answers an empty page unless nodes, edges or hasNextPage/hasPreviousPage are asked): the
// page's rows were read, and startCursor and endCursor answered null, so a client keeping the cursor to page on from lost it
test("pageInfo's cursors asked for alone are those of the page, a clinic's patients too", async () => {
  const other = await createClinic();
  for (const lastName of ["Alpha", "Bravo", "Charlie"]) await createPatient(other.clinicId, { last_name: lastName });
  const desk = new Browser(api);
  await desk.login(other.members.receptionist.phone, other.members.receptionist.password);
  const names = async (query: string) => (await desk.graphql(query)).body.data.patients.nodes.map((node: { lastName: string }) => node.lastName);
  const cursors = async (query: string) => {
    const answer = (await desk.graphql(query)).body;
    expect(answer.errors).toBeUndefined();
    return (answer.data.patients ?? answer.data.currentClinic.patients).pageInfo;
  };
  for (const list of ["patients", "currentClinic { patients"]) {
    const close = list.includes("{") ? " }" : "";
    const first = await cursors(`{ ${list}(first: 2, orderBy: LAST_NAME_ASC) { pageInfo { startCursor endCursor } }${close} }`);
    expect(first).toEqual({ startCursor: expect.any(String), endCursor: expect.any(String) });
    expect(await names(`{ patients(first: 2, after: "${first.endCursor}", orderBy: LAST_NAME_ASC) { nodes { lastName } } }`)).toEqual(["Charlie"]);
    const last = await cursors(`{ ${list}(last: 2, orderBy: LAST_NAME_ASC) { pageInfo { startCursor } }${close} }`);
    expect(await names(`{ patients(last: 2, before: "${last.startCursor}", orderBy: LAST_NAME_ASC) { nodes { lastName } } }`)).toEqual(["Alpha"]);
    // without a page: the default page's
    const all = await cursors(`{ ${list}(orderBy: LAST_NAME_ASC) { pageInfo { endCursor } }${close} }`);
    expect(await names(`{ patients(before: "${all.endCursor}", orderBy: LAST_NAME_ASC) { nodes { lastName } } }`)).toEqual(["Alpha", "Bravo"]);
  }
});

describe("grouped aggregates", () => {
  test("answer at most MAX_GROUPS groups: more is LIMIT_EXCEEDED, not every row of the table", async () => {
    const small = await startApi({ MAX_GROUPS: "3" });
    try {
      const other = await createClinic();
      for (const lastName of ["Alpha", "Alpha", "Bravo", "Charlie", "Delta"]) await createPatient(other.clinicId, { last_name: lastName });
      const doctor = new Browser(small);
      await doctor.login(other.members.doctor.phone, other.members.doctor.password);
      const grouped = (args: string, groupBy: string) =>
        doctor.graphql(`{ patients${args} { groupedAggregates(groupBy: [${groupBy}]) { keys distinctCount { rowId } } } }`).then((r) => r.body);
      // a key per row (or four last names) would list the whole table past the page size
      for (const groupBy of ["ROW_ID", "LAST_NAME"]) {
        expect(await grouped("", groupBy)).toEqual({
          data: { patients: { groupedAggregates: null } },
          errors: [expect.objectContaining({ extensions: { code: "LIMIT_EXCEEDED" }, message: expect.stringMatching(/at most 3 groups/) })],
        });
      }
      // within the limit (the list's filter applied), the groups as ever
      const some = await grouped(`(filter: { lastName: { in: ["Alpha", "Bravo"] } })`, "LAST_NAME");
      expect(some.data.patients.groupedAggregates).toEqual([
        { keys: ["Alpha"], distinctCount: { rowId: "2" } },
        { keys: ["Bravo"], distinctCount: { rowId: "1" } },
      ]);
      // and with its having applied
      const having = await doctor.graphql(
        `{ patients { groupedAggregates(groupBy: [LAST_NAME], having: { distinctCount: { createdAt: { greaterThan: "1" } } }) { keys } } }`,
      );
      expect(having.body).toEqual({ data: { patients: { groupedAggregates: [{ keys: ["Alpha"] }] } } });
    } finally {
      await small.close();
    }
  });

  // pg-aggregates wrote no order: a clinic's 300 days of visits came in PostgreSQL's hashing's order (11 May, 5 July, …)
  test("come in the order of their keys: visits per day day after day, per status in the lifecycle's order, then by the next key", async () => {
    const busy = await createClinic();
    const patients = [];
    for (let i = 0; i < 30; i++) patients.push((await createPatient(busy.clinicId)).id);
    // 3,000 visits over 300 days, every tenth cancelled, as a clinic's year; its statistics known, as a busy table's are
    await rootPool().query(
      `insert into app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at)
       select $1, ($2::uuid[])[1 + i % 30], $3, timestamptz '2030-01-01 09:00+03' + (i % 300) * interval '1 day' + (i / 300) * interval '7 minutes'
       from generate_series(0, 2999) i`,
      [busy.clinicId, patients, busy.members.doctor.membershipId],
    );
    await rootPool().query("update app_public.visit set status = 'cancelled', cancel_reason = 'Ill' where clinic_id = $1 and extract(minute from scheduled_at) = 3", [busy.clinicId]);
    await rootPool().query("analyze app_public.visit");
    const desk = new Browser(api);
    await desk.login(busy.members.owner.phone, busy.members.owner.password);
    const days = Array.from({ length: 300 }, (_, i) => `${new Date(Date.UTC(2030, 0, 1 + i)).toISOString().slice(0, 10)}T00:00:00.000000+03:00`);
    const r = await desk.graphql(
      `query($g: [VisitGroupBy!]!) { visits { perDay: groupedAggregates(groupBy: [SCHEDULED_AT_TRUNCATED_TO_DAY]) { keys distinctCount { rowId } }
         perStatusAndDay: groupedAggregates(groupBy: $g) { keys } perPatient: groupedAggregates(groupBy: [PATIENT_ID]) { keys } } }`,
      { g: ["STATUS", "SCHEDULED_AT_TRUNCATED_TO_DAY"] },
    );
    expect(r.body.errors).toBeUndefined();
    const { perDay, perStatusAndDay, perPatient } = r.body.data.visits;
    expect(perDay.map((g: { keys: string[] }) => g.keys[0])).toEqual(days);
    expect(perDay.every((g: { distinctCount: { rowId: string } }) => g.distinctCount.rowId === "10")).toBe(true);
    // scheduled before cancelled (the lifecycle's order, not the alphabet's), each status's days in order
    expect(perStatusAndDay.map((g: { keys: string[] }) => g.keys)).toEqual([...days.map((day) => ["scheduled", day]), ...days.map((day) => ["cancelled", day])]);
    expect(perPatient.map((g: { keys: string[] }) => g.keys[0])).toEqual([...patients].sort());
  });

  // grouped in the database's collation (C.UTF-8: byte order), the groups per last name came Bravo, Zulu, abbott,
  // de la Cruz, Ávila, where the list of patients by last name reads abbott, Ávila, Bravo, de la Cruz, Zulu
  test("of names come in the order the lists sort them in (their @sortCollation), not the database's byte order", async () => {
    const names = await createClinic();
    for (const [first, last] of [["Émile", "Zulu"], ["asha", "abbott"], ["Zoë", "Ávila"], ["Amani", "Bravo"], ["Zoe", "Bravo"], ["ben", "de la Cruz"]]) {
      await createPatient(names.clinicId, { first_name: first, last_name: last });
    }
    const desk = new Browser(api);
    await desk.login(names.members.owner.phone, names.members.owner.password);
    const r = await desk.graphql(
      `{ patients(orderBy: [LAST_NAME_ASC, FIRST_NAME_ASC]) { nodes { lastName firstName }
           perLastName: groupedAggregates(groupBy: [LAST_NAME]) { keys } perName: groupedAggregates(groupBy: [LAST_NAME, FIRST_NAME]) { keys } } }`,
    );
    expect(r.body.errors).toBeUndefined();
    const { nodes, perLastName, perName } = r.body.data.patients;
    const listed = nodes.map((n: { lastName: string; firstName: string }) => [n.lastName, n.firstName]);
    expect(listed.map(([last]: string[]) => last)).toEqual(["abbott", "Ávila", "Bravo", "Bravo", "de la Cruz", "Zulu"]);
    expect(perLastName.map((g: { keys: string[] }) => g.keys[0])).toEqual(["abbott", "Ávila", "Bravo", "de la Cruz", "Zulu"]);
    expect(perName.map((g: { keys: string[] }) => g.keys)).toEqual(listed);
  });

  test("offer in having only what PostgreSQL can compute: a distinct count compared as a number, no sum or average of a time", async () => {
    const times = (await createClinic()).members.owner;
    const owner = new Browser(api);
    await owner.login(times.phone, times.password);
    const faults = await internalFaultsLoggedBy(async () => {
      const counted = await owner.graphql(
        `{ visits { groupedAggregates(groupBy: [STATUS], having: { distinctCount: { scheduledAt: { greaterThan: "0" } } }) { keys } } }`,
      );
      expect(counted.body).toEqual({ data: { visits: { groupedAggregates: [] } } });
      for (const aggregate of ["sum", "average"]) {
        const summed = await owner.graphql(
          `{ visits { groupedAggregates(groupBy: [STATUS], having: { ${aggregate}: { scheduledAt: { greaterThan: "2026-01-01T00:00:00Z" } } }) { keys } } }`,
        );
        expect(summed.status).toBe(400);
        expect(summed.body.errors?.[0].extensions?.code).toBe("INVALID_QUERY");
      }
    });
    expect(faults).toEqual([]);
  });
});
