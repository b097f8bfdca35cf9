/**
 * The live visit queue over GraphQL websockets: the front desk hears about
 * its own clinic's visits, never another clinic's.
 */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { closeRootPool, rootPool } from "../support/database.ts";
import { createClinic, createVisit, type TestClinic } from "../support/fixtures.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";

let api: TestApi;
let a: TestClinic;
let b: TestClinic;

beforeAll(async () => {
  api = await startApi();
  a = await createClinic("Queue A");
  b = await createClinic("Queue B");
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

/** A websocket client that sends the browser's session cookie on the upgrade request. */
function wsClientFor(browser: Browser): Client {
  const cookie = browser.cookie ?? "";
  class CookieWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  }
  return createClient({ url: `${api.url.replace("http", "ws")}/graphql`, webSocketImpl: CookieWebSocket, retryAttempts: 0 });
}

interface QueueEvent {
  status: string;
  visit: { code: string; clinicId: string } | null;
}

function collect(client: Client, received: QueueEvent[], errors: unknown[]): Promise<void> {
  return new Promise((resolve) => {
    client.subscribe<{ visitQueueChanged: QueueEvent }>(
      { query: "subscription { visitQueueChanged { status visit { code clinicId } } }" },
      {
        next: (message) => {
          if (message.errors) errors.push(message.errors);
          if (message.data) received.push(message.data.visitQueueChanged);
        },
        error: (error) => {
          errors.push(error);
          resolve();
        },
        complete: resolve,
      },
    );
  });
}

const until = async (condition: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
};

test("the front desk of A hears A's visits change status, and nothing of B's", async () => {
  const deskA = new Browser(api);
  await deskA.login(a.members.receptionist.phone, a.members.receptionist.password);
  const client = wsClientFor(deskA);
  const received: QueueEvent[] = [];
  const errors: unknown[] = [];
  void collect(client, received, errors);
  await new Promise((r) => setTimeout(r, 500)); // let LISTEN start

  const visitOfB = await createVisit(b);
  await rootPool().query("update app_public.visit set status = 'checked_in' where id = $1", [visitOfB.id]);
  const visitOfA = await createVisit(a);
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

test("without a clinic session the subscription is refused", async () => {
  const client = wsClientFor(new Browser(api));
  const errors: unknown[] = [];
  await Promise.race([collect(client, [], errors), new Promise((r) => setTimeout(r, 3000))]);
  await client.dispose();
  expect(JSON.stringify(errors)).toMatch(/Log in to a clinic/);
});
