/**
 * Login, clinic switching and logout over HTTP, attacked the usual ways.
 */
import jwt from "jsonwebtoken";
import type pg from "pg";
import { apiPool, closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { addMember, asSession, beginAs, committedAs, createClinic, createUser, LONG_AGO, openSession, randomPhone, writeBehindTriggers, type TestClinic, type TestUser } from "../support/fixtures.ts";
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { once } from "node:events";
import { connect } from "node:net";
import { until } from "../support/until.ts";
import { serverSettings } from "../../server/settings.ts";
import { linesLoggedBy } from "../support/logs.ts";
import { Browser, startApi, TEST_JWT_SECRET, type TestApi } from "../support/api.ts";
import { trackBackend, underWay, waitsForLock, whileHolding } from "../support/locks.ts";
import { EXPLAINED_GENERIC } from "../support/plans.ts";
import { detailKeysUnnamed } from "../support/audit-detail.ts";

let api: TestApi;
let clinic: TestClinic;

beforeAll(async () => {
  api = await startApi();
  clinic = await createClinic("Auth clinic");
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

const WHO_AM_I = "{ currentUser { rowId fullName } currentClinic { rowId name } currentRole }";

test("login sets an HttpOnly, SameSite=Lax session cookie with an expiry and answers who and where", async () => {
  const browser = new Browser(api);
  const { owner } = clinic.members;
  const response = await browser.login(owner.phone, owner.password);
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({
    user: { id: owner.userId, phone: owner.phone },
    clinic: { id: clinic.clinicId, name: "Auth clinic" },
    role: "owner",
    clinics: [{ id: clinic.clinicId, name: "Auth clinic", role: "owner" }],
  });
  expect(JSON.stringify(response.body)).not.toMatch(/password|hash|token|secret|device/i);
  const [cookie, deviceCookie] = response.headers.getSetCookie().sort().reverse();
  expect(cookie).toMatch(/^clinicops_session=[^;]+; Max-Age=\d+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
  // and the device cookie, for 90 days: the account and a secret (device-cookie.ts)
  expect(deviceCookie).toMatch(new RegExp(`^clinicops_device=${owner.userId}\\.[\\w-]{43}; Max-Age=7776000; Path=/; Expires=[^;]+; HttpOnly; SameSite=Lax$`));
  const expires = new Date(/Expires=([^;]+)/.exec(cookie)![1]).getTime();
  expect(expires).toBeGreaterThan(Date.now() + 3600_000);

  const me = await browser.graphql(WHO_AM_I);
  expect(me.body.data).toEqual({
    currentUser: { rowId: owner.userId, fullName: `Test ${owner.phone}` },
    currentClinic: { rowId: clinic.clinicId, name: "Auth clinic" },
    currentRole: "owner",
  });
});

// A browser reads Expires on its own clock. A front desk's computer whose clock is hours ahead (its time zone set wrong
// and its clock turned to show the local time: East Africa's 15:00 shown by a computer set to UTC-5 is 8 hours ahead)
// dropped the session's cookie that many hours before the session ended, and one ahead by more than the session's
// 12 hours was answered 200 at every login and "Log in first." at the next request. Max-Age is counted from the moment
// the browser receives it (RFC 6265, 5.3: it wins over Expires), whatever its clock says.
test("a browser whose clock is hours ahead keeps the session's cookie for as long as the session lasts (Max-Age)", async () => {
  const { doctor } = clinic.members;
  const browser = new Browser(api);
  const response = await browser.login(doctor.phone, doctor.password);
  const cookie = response.headers.getSetCookie().find((setCookie) => setCookie.startsWith(`${api.settings.cookieName}=`))!;
  const { rows } = await rootPool().query("select expires_at from app_private.session where id = $1", [browser.sessionId]);
  const sessionLeftMs = rows[0].expires_at.getTime() - Date.now();
  // as a browser keeps a cookie (RFC 6265, 5.3): until Max-Age seconds after it came, else until Expires, by its clock
  const keptFor = (clockAheadMs: number) => {
    const browserNow = Date.now() + clockAheadMs;
    const maxAge = /;\s*Max-Age=(-?\d+)/i.exec(cookie)?.[1];
    return (maxAge !== undefined ? browserNow + Number(maxAge) * 1000 : Date.parse(/;\s*Expires=([^;]+)/i.exec(cookie)![1])) - browserNow;
  };
  for (const hoursAhead of [0, 3, 8, 13]) {
    expect({ hoursAhead, keptFor: Math.round(keptFor(hoursAhead * 3600_000) / 60_000) }).toEqual({ hoursAhead, keptFor: Math.round(sessionLeftMs / 60_000) });
  }
});

test("in production the cookie is Secure and __Host- prefixed, and browsers are told to come over HTTPS alone (HSTS)", async () => {
  const production = await startApi({ NODE_ENV: "production" });
  try {
    const browser = new Browser(production);
    const response = await browser.tryLogin(clinic.members.doctor.phone, clinic.members.doctor.password);
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie().sort()).toEqual([
      expect.stringMatching(/^__Host-clinicops_device=[^;]+; Max-Age=7776000; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax$/),
      expect.stringMatching(/^__Host-clinicops_session=[^;]+; Max-Age=\d+; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax$/),
    ]);
    for (const answer of [response, await browser.graphql("{ currentRole }"), await browser.post("/nowhere", {})]) {
      expect(answer.headers.get("strict-transport-security")).toBe("max-age=31536000");
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    }
  } finally {
    await production.close();
  }
});

// with node's 5 s, a proxy sent a request on a connection the server was closing that moment: a 502 for its client
test("an idle connection is kept open past a reverse proxy's 60 s, and the answer says so", async () => {
  const response = await new Browser(api).graphql("{ currentRole }");
  expect(response.headers.get("keep-alive")).toBe("timeout=65");
});

test("every answer says its content is of the type it names (nosniff); outside production no HSTS, as the server may be reached over plain HTTP", async () => {
  const browser = new Browser(api);
  const answers = [await browser.tryLogin(clinic.members.doctor.phone, "wrong"), await browser.graphql("{ currentRole }"), await browser.post("/nowhere", {})];
  for (const answer of answers) {
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    expect(answer.headers.get("strict-transport-security")).toBeNull();
  }
});

test("phones are accepted as people type them", async () => {
  const { cashier } = clinic.members;
  const national = `0${cashier.phone.slice(4, 7)} ${cashier.phone.slice(7, 10)}-${cashier.phone.slice(10)}`;
  const typedForms = [
    national,
    `00${cashier.phone.slice(1)}`,
    `(+${cashier.phone.slice(1, 4)}) ${cashier.phone.slice(4)}`,
    cashier.phone.slice(1), // the country code without +: 000086
    `+${cashier.phone.slice(1, 4)} 0${cashier.phone.slice(4)}`, // the trunk 0 after the code: 000086
  ];
  for (const typed of typedForms) {
    const response = await new Browser(api).tryLogin(typed, cashier.password);
    expect({ typed, status: response.status }).toEqual({ typed, status: 200 });
  }
});

// a Kenyan clinic on a deployment whose DEFAULT_CALLING_CODE is Tanzania's (255, as startApi's): its admin invites
// "0712 345 678", saved as +254…; at the clinic's login (clinicId), the same form was read as +255…, a stranger's account
test("a national number at a login naming its clinic is read in that clinic's country, as the clinic's invitations read it", async () => {
  const stranger = await createUser(); // +2557…, in the deployment's country
  const national = `0${stranger.phone.slice(4, 7)} ${stranger.phone.slice(7, 10)} ${stranger.phone.slice(10)}`;
  const { rows } = await rootPool().query(
    "insert into app_public.clinic (name, timezone, currency, calling_code) values ('Nairobi clinic', 'Africa/Nairobi', 'KES', '254') returning id",
  );
  const kenyan = rows[0].id as string;
  const owner = await addMember(kenyan, await createUser(), "owner");
  const invited = await committedAs(await openSession(owner.userId, kenyan), async (client) => {
    const { rows: made } = await client.query("select user_id from app_public.invite_member($1, 'Wanjiru Kamau', 'receptionist', 'her first password')", [national]);
    return made[0].user_id as string;
  });
  const { rows: saved } = await rootPool().query(`select phone from app_public."user" where id = $1`, [invited]);
  expect(saved).toEqual([{ phone: `+254${stranger.phone.slice(4)}` }]);

  const response = await new Browser(api).tryLogin(national, "her first password", kenyan);
  expect({ status: response.status, user: response.body.user?.id, clinic: response.body.clinic?.id }).toEqual({ status: 200, user: invited, clinic: kenyan });
  // nothing was counted against the stranger whose number the digits are in the deployment's country
  const strangerFailures = () => rootPool().query("select failed_login_count from app_private.user_secret where user_id = $1", [stranger.userId]);
  expect((await strangerFailures()).rows).toEqual([{ failed_login_count: 0 }]);
  // a login naming no clinic knows no country but the deployment's: the same form is the stranger's number there
  expect((await new Browser(api).tryLogin(national, "her first password")).status).toBe(401);
  expect((await strangerFailures()).rows).toEqual([{ failed_login_count: 1 }]);
});

test("a user whose phone was saved with its country code twice logs in, once corrected, with the form they typed", async () => {
  // before 000086, 255712345678 typed at registration was saved as +255255712345678
  const user = await createUser();
  await addMember(clinic.clinicId, user, "receptionist");
  const typed = user.phone.slice(1);
  await writeBehindTriggers(`update app_public."user" set phone = $2 where id = $1`, [user.userId, `+255${typed}`]);
  // what correct_saved_phones does to each phone (run on this one row: the whole database is other tests' too)
  await rootPool().query(`update app_public."user" set phone = app_private.saved_phone_corrected(phone) where id = $1`, [user.userId]);
  for (const form of [typed, user.phone]) {
    const response = await new Browser(api).tryLogin(form, user.password);
    expect({ form, status: response.status }).toEqual({ form, status: 200 });
  }
});

test("wrong password, unknown phone and locked account get the very same answer", async () => {
  const victim = await createUser();
  await addMember(clinic.clinicId, victim, "receptionist");
  const attacker = new Browser(api);
  const wrong = await attacker.tryLogin(victim.phone, "not-the-password");
  const unknown = await attacker.tryLogin("+255799999999", "whatever-password");
  await rootPool().query("update app_private.user_secret set locked_until = now() + interval '1 hour' where user_id = $1", [victim.userId]);
  const locked = await attacker.tryLogin(victim.phone, victim.password);
  for (const response of [wrong, unknown, locked]) {
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: { code: "INVALID_CREDENTIALS", message: "Wrong phone number or password, or the account is locked." },
    });
    expect(response.headers.get("set-cookie")).toBeNull();
  }
});

test("five wrong passwords lock the account, even against the right one; the failures are audited", async () => {
  const victim = await createUser();
  await addMember(clinic.clinicId, victim, "cashier");
  for (let i = 0; i < 5; i++) {
    expect((await new Browser(api).tryLogin(victim.phone, `guess-${i}-password`)).status).toBe(401);
  }
  expect((await new Browser(api).tryLogin(victim.phone, victim.password)).status).toBe(401);
  const { rows } = await rootPool().query(
    "select detail ->> 'reason' as reason, actor_user_id from app_public.audit_log where action = 'login_failed' and record_id = $1 order by seq",
    [victim.userId],
  );
  // the guesses are no one's doing (the victim's, before); the right password during the lock is the account's
  expect(rows).toEqual([...Array(5).fill({ reason: "wrong_password", actor_user_id: null }), { reason: "locked", actor_user_id: victim.userId }]);
  // after the lock expires the right password works again
  await rootPool().query("update app_private.user_secret set locked_until = now() - interval '1 second' where user_id = $1", [victim.userId]);
  expect((await new Browser(api).login(victim.phone, victim.password)).status).toBe(200);
});

test("a login clears the account's failures: four wrong passwords, a login, then a fifth wrong one does not lock it", async () => {
  const member = await createUser();
  await addMember(clinic.clinicId, member, "cashier");
  for (let i = 0; i < 4; i++) expect((await new Browser(api).tryLogin(member.phone, `typo-${i}-password`)).status).toBe(401);
  expect((await new Browser(api).tryLogin(member.phone, member.password)).status).toBe(200);
  expect((await new Browser(api).tryLogin(member.phone, "one-more-typo")).status).toBe(401);
  expect((await new Browser(api).tryLogin(member.phone, member.password)).status).toBe(200);
});

// anyone who knew a phone kept its person out with 5 guesses a quarter of an hour, the right password refused all day
test("an account locked by someone else's guesses still logs in, with the right password, from a network it logged in from; elsewhere it stays locked", async () => {
  const member = await createUser();
  await addMember(clinic.clinicId, member, "receptionist");
  // the desk's network: its attempts from browsers without the desk's device cookie (which is let through on its own)
  const desk = new Browser(api);
  const atTheDesk = () => new Browser(api, desk.address);
  await desk.login(member.phone, member.password);
  for (let i = 0; i < 5; i++) expect((await new Browser(api).tryLogin(member.phone, `guess-${i}-password`)).status).toBe(401);
  expect((await new Browser(api).tryLogin(member.phone, member.password)).status).toBe(401);
  // a wrong password from the desk is refused and counted, as anywhere
  expect((await atTheDesk().tryLogin(member.phone, "a desk typo password")).status).toBe(401);
  expect((await atTheDesk().tryLogin(member.phone, member.password)).status).toBe(200);
  // a login clears the lock, as it clears the failures
  expect((await new Browser(api).tryLogin(member.phone, member.password)).status).toBe(200);
  // a network last logged in from more than 30 days ago is one like any other
  for (let i = 0; i < 5; i++) expect((await new Browser(api).tryLogin(member.phone, `guess-${i}-password`)).status).toBe(401);
  await rootPool().query("update app_private.login_network set last_login_at = now() - interval '31 days' where user_id = $1", [member.userId]);
  expect((await atTheDesk().tryLogin(member.phone, member.password)).status).toBe(401);
});

// the networks a password logged in from outlived it: after the reset of a stolen password, every network the thief had
// logged in from with it was still let through the lock, each with the address throttle's 20 guesses of the new one
test("a password given anew forgets the networks the old one logged in from: after a reset the lock holds everywhere, after its holder's change but where it was made", async () => {
  const member = await createUser();
  await addMember(clinic.clinicId, member, "receptionist");
  const lockOut = async () => {
    for (let i = 0; i < 5; i++) expect((await new Browser(api).tryLogin(member.phone, `guess-${i}-password`)).status).toBe(401);
  };
  const thief = new Browser(api);
  await thief.login(member.phone, member.password);
  // the operator's reset (npm run password), as a clinic's (resetMemberPassword): both replace_password
  await rootPool().query("select app_private.reset_password($1, 'the operator chose it')", [member.phone]);
  await lockOut();
  expect((await thief.tryLogin(member.phone, "the operator chose it")).status).toBe(401);
  // a quarter of an hour later, the lock over
  await rootPool().query("update app_private.user_secret set locked_until = null, failed_login_count = 0, first_failed_login_at = null where user_id = $1", [member.userId]);
  // the holder's change, from the desk: the desk's network is theirs with the new password, home's no longer
  const [home, desk] = [new Browser(api), new Browser(api)];
  await home.login(member.phone, "the operator chose it");
  await desk.login(member.phone, "the operator chose it");
  expect((await desk.post("/auth/password", { currentPassword: "the operator chose it", newPassword: "a new long password" })).status).toBe(200);
  await lockOut();
  expect((await home.tryLogin(member.phone, "a new long password")).status).toBe(401);
  expect((await desk.tryLogin(member.phone, "a new long password")).status).toBe(200);
});

// it answered "Wrong phone number or password" and counted against the address: a double click on "Log in" behind
// one address, 20 times, locked everyone there out
test("an attempt while another on the same account is in flight is refused, even with the right password, as one to retry, not counted against the address; alone, it logs in", async () => {
  const victim = await createUser();
  await addMember(clinic.clinicId, victim, "cashier");
  // an attempt in flight holds the account's row (here, held by the test) until it is counted
  const holder = await rootPool().connect();
  try {
    await holder.query("begin");
    await holder.query("select 1 from app_private.user_secret where user_id = $1 for update", [victim.userId]);
    const counted = async () => (await rootPool().query("select count(*)::int as n from app_private.login_failure where phone = $1", [victim.phone])).rows[0].n;
    const during = await new Browser(api).tryLogin(victim.phone, victim.password);
    expect(during.status).toBe(503);
    expect(during.body).toEqual({ error: { code: "RETRY", message: "Another login of this account is under way: try again in a moment." } });
    expect(await counted()).toBe(0);
    // a wrong password in flight is answered alike: whether it is right is not checked
    expect((await new Browser(api).tryLogin(victim.phone, "not-the-password")).body.error.code).toBe("RETRY");
  } finally {
    await holder.query("rollback");
    holder.release();
  }
  expect((await new Browser(api).login(victim.phone, victim.password)).status).toBe(200);
  const { rows } = await rootPool().query(
    "select detail ->> 'reason' as reason from app_public.audit_log where action = 'login_failed' and record_id = $1",
    [victim.userId],
  );
  expect(rows).toEqual([{ reason: "attempt_in_flight" }, { reason: "attempt_in_flight" }]);
});

// a burst of attempts answered RETRY for registered phones alone (only accounts had a row to find in flight):
// 20 phones per 15 minutes per address told whether each had an account (an attacker)
test("an attempt on a phone without an account while another on it is in flight is refused as one to retry, as on an account", async () => {
  for (const phone of [randomPhone(), (await createUser()).phone]) {
    // an attempt in flight holds the phone's lock (here, held by the test) until it is counted
    await whileHolding("select pg_advisory_xact_lock(app_private.account_lock_key($1))", [phone], async () => {
      const during = await new Browser(api).tryLogin(phone, "not-the-password");
      expect({ phone, status: during.status, body: during.body }).toEqual({
        phone, status: 503, body: { error: { code: "RETRY", message: "Another login of this account is under way: try again in a moment." } },
      });
    });
    expect((await new Browser(api).tryLogin(phone, "not-the-password")).status).toBe(401);
  }
});

// an attempt refused as in flight (RETRY, 000188: a phone without an account too) ran a bcrypt of cost 10 all the same,
// though its answer says nothing of the phone, and counted against nothing: 40 at once at one phone from one address took
// 2 s of both cores of the database while the address counted none of them, and an account's right password holding the
// phone (a success, never counted) let its holder keep the database's cores busy for as long as they liked (000406)
test("an attempt refused as another on the phone is in flight runs no bcrypt: a burst at one phone costs the database no password checks", async () => {
  /** The answer to one login attempt at `phone`, made as the API makes it (the visitor role), and the password checks (bcrypts) it ran. */
  const attempt = async (phone: string) => {
    const client = await rootPool().connect();
    try {
      await client.query("begin");
      await client.query("set local track_functions = 'pl'"); // this transaction's calls of password_matches counted
      // the backend's calls not yet reported (a transaction's before it, on the same connection, too)
      const checksSoFar = async () => (await client.query(
        "select coalesce(pg_stat_get_xact_function_calls('app_private.password_matches(text, text)'::regprocedure), 0)::int as n",
      )).rows[0].n as number;
      const before = await checksSoFar();
      await client.query(`set local role ${testConfig.roles.visitor}`);
      const { rows } = await client.query("select app_hidden.login($1, 'wrong-password', null, $2, 'burst', '1 hour') ->> 'status' as status", [phone, anyAddress()]);
      await client.query("reset role");
      return { status: rows[0].status, checks: (await checksSoFar()) - before };
    } finally {
      await client.query("rollback");
      client.release();
    }
  };
  for (const phone of [randomPhone(), (await createUser()).phone]) {
    // another attempt in flight holds the phone's lock (here, held by the test)
    const during = await whileHolding("select pg_advisory_xact_lock(app_private.account_lock_key($1))", [phone], () => attempt(phone));
    // before, 1: a bcrypt of no hash, as an unknown phone's
    expect({ phone, ...during }).toEqual({ phone, status: "busy", checks: 0 });
    // alone, its password is checked, as ever (an unknown phone's against no hash, as long as a check takes)
    expect({ phone, ...(await attempt(phone)) }).toEqual({ phone, status: "invalid", checks: 1 });
  }
});

test("twenty failures from one address refuse further attempts from it, right password or not", async () => {
  const attacker = new Browser(api);
  for (let i = 0; i < 20; i++) {
    expect((await attacker.tryLogin(`+2557880${String(i).padStart(5, "0")}`, "spray-password")).status).toBe(401);
  }
  const { owner } = clinic.members;
  expect((await attacker.tryLogin(owner.phone, owner.password)).status).toBe(401);
  expect((await new Browser(api).login(owner.phone, owner.password)).status).toBe(200);
});

test("logins refused for their input are failed logins: audited with their reason, not what was typed, and counted against the address", async () => {
  const attacker = new Browser(api);
  const { owner } = clinic.members;
  const typedPassword = "my secret password typed in the phone field";
  const refused = [
    { phone: typedPassword, password: "whatever-password", code: "INVALID_PHONE", reason: "invalid_phone", phoneKept: null },
    { phone: owner.phone, password: "", code: "INVALID_INPUT", reason: "no_password", phoneKept: owner.phone },
    { phone: owner.phone, password: "x".repeat(1025), code: "INVALID_INPUT", reason: "password_too_long", phoneKept: owner.phone },
  ];
  for (const attempt of refused) {
    const response = await attacker.tryLogin(attempt.phone, attempt.password);
    expect({ reason: attempt.reason, status: response.status, code: response.body.error?.code }).toEqual({
      reason: attempt.reason, status: 400, code: attempt.code,
    });
    expect(response.headers.get("set-cookie")).toBeNull();
  }
  const { rows } = await rootPool().query(
    `select detail ->> 'reason' as reason, detail ->> 'phone' as "phoneKept", record_id as "userId", clinic_id as "clinicId"
       from app_public.audit_log where action = 'login_failed' and detail ->> 'ip' = $1 order by seq`,
    [attacker.address],
  );
  expect(rows).toEqual(refused.map(({ reason, phoneKept }) => ({ reason, phoneKept, userId: null, clinicId: null })));
  expect(JSON.stringify(rows)).not.toContain(typedPassword);
  const { rows: counted } = await rootPool().query("select count(*)::int as n from app_private.login_failure where ip = $1", [attacker.address]);
  expect(counted[0].n).toBe(refused.length);
  // refusals for input say nothing about the account: its own failure count is untouched
  const { rows: secret } = await rootPool().query("select failed_login_count from app_private.user_secret where user_id = $1", [owner.userId]);
  expect(secret[0].failed_login_count).toBe(0);
});

test("a login body over the /auth routes' 16 kB is LIMIT_EXCEEDED (413), as the API's limits say", async () => {
  const response = await new Browser(api).tryLogin(clinic.members.owner.phone, "x".repeat(17_000));
  expect({ status: response.status, body: response.body }).toEqual({
    status: 413, body: { error: { code: "LIMIT_EXCEEDED", message: "The request body is too large." } },
  });
});

test("behind one proxy (TRUST_PROXY=1) a client's address is the one the proxy saw, not one it names itself", async () => {
  // Read as a string, express took "1" for the address 0.0.0.1: every client was the proxy, so any
  // 20 failed logins refused every login of the deployment, and throttling was by nobody's address.
  const behindProxy = await startApi({ TRUST_PROXY: "1" });
  try {
    const phone = `+2557881${String(Date.now() % 100_000).padStart(5, "0")}`;
    const response = await fetch(`${behindProxy.url}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.7, 198.51.100.23" }, // the client's claim, then what the proxy saw
      body: JSON.stringify({ phone, password: "wrong-password" }),
    });
    expect(response.status).toBe(401);
    const { rows } = await rootPool().query("select host(ip) as ip from app_private.login_failure where phone = $1", [phone]);
    expect(rows).toEqual([{ ip: "198.51.100.23" }]);
  } finally {
    await behindProxy.close();
  }
  expect(() => serverSettings({ TRUST_PROXY: "true" }, "")).toThrow(/TRUST_PROXY=true .*number of proxies/);
});

/**
 * A login sent over a connection of its own (from `address`, as the proxy in front names it), which is then reset (a TCP
 * RST) without its answer read: with `heldBack`, the body's last characters are sent only once the server has had the
 * rest a while, then the reset at once.
 */
async function loginAndReset(phone: string, password: string, address: string, heldBack = 0): Promise<void> {
  const { hostname, host, port } = new URL(api.url);
  const body = JSON.stringify({ phone, password });
  const head = [
    "POST /auth/login HTTP/1.1", `Host: ${host}`, "Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Forwarded-For: ${address}`,
  ].join("\r\n");
  const socket = connect(Number(port), hostname);
  await once(socket, "connect");
  const send = (text: string) => new Promise<void>((resolve, reject) => socket.write(text, (error) => (error ? reject(error) : resolve())));
  await send(`${head}\r\n\r\n${body.slice(0, body.length - heldBack)}`);
  if (heldBack > 0) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await send(body.slice(body.length - heldBack));
  }
  socket.resetAndDestroy();
}

// The address was first read when the login's body was in: a client that reset its connection as it sent it had the
// address read after the reset, when the connection could no longer tell it, and its attempt ran all the same, counted
// against no address (`no address, no throttle`), its audit entry and its session without one. The client reads no
// answer, but learns a right password all the same from its own session, which a login of another account over its
// cookie ends: passwords sprayed over every phone, never throttled by the address's 20.
test("a login whose client resets the connection is counted against its address, or not made at all: no attempt is of no address", async () => {
  const member = await addMember(clinic.clinicId, await createUser(), "doctor");
  const address = `10.${[...randomBytes(3)].join(".")}`;
  const failures = async () => (await rootPool().query("select host(ip) as ip from app_private.login_failure where phone = $1 order by id", [member.phone])).rows;
  // reset once its body is in: counted against the address the request came with
  await loginAndReset(member.phone, "a wrong password", address, 1);
  expect(await until(async () => (await failures()).length > 0)).toBe(true);
  expect(await failures()).toEqual([{ ip: address }]);
  // reset before anything of it was read: its address is not to be had, and it is not made
  await loginAndReset(member.phone, "another wrong password", address);
  await until(async () => (await failures()).length > 1, 1500);
  expect(await failures()).toEqual([{ ip: address }]);
});

/** Text as an East Asian input method left in full width types it: each printable ASCII character's full-width form. */
const fullWidth = (text: string) => text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
/** An address of a network of its own: failed logins from it throttle no other test's. */
const anyAddress = () => `2001:db8:${randomBytes(4).toString("hex").match(/.{4}/g)!.join(":")}::1`;

/** A login from a client at `address` (as the proxy in front names it). */
const loginFrom = (address: string, phone: string, password: string) => new Browser(api).post("/auth/login", { phone, password }, { "x-forwarded-for": address });

// A clinic's staff and its waiting room's guest wifi share one public address: a patient on the wifi sending 20 bad logins
// a quarter of an hour kept every member of the staff from logging in, the right password too (device cookies, 000324)
describe("a browser its person logged in from (its device cookie) is judged by its device", () => {
  /** 20 failed logins from `address`, for phones of no account: the address throttle refuses it for 15 minutes. */
  const throttle = async (address: string) => {
    for (let i = 0; i < 20; i++) expect((await new Browser(api, address).tryLogin(randomPhone(), "a bad guess password")).status).toBe(401);
  };
  const member = async () => addMember(clinic.clinicId, await createUser(), "receptionist");
  const loginEntries = async (userId: string) =>
    (await rootPool().query("select action, detail from app_public.audit_log where action in ('login', 'login_failed') and record_id = $1 order by seq", [userId])).rows as {
      action: string; detail: Record<string, unknown>;
    }[];
  const failuresFrom = async (address: string) =>
    (await rootPool().query("select count(*)::int as n from app_private.login_failure where ip = app_hidden.throttled_network($1)", [address])).rows[0].n as number;
  /** A member logged in at a desk behind the clinic's wifi, whose address the throttle then refuses (a guest's 20 bad logins). */
  const loggedInBehindThrottledWifi = async () => {
    const wifi = anyAddress();
    const person = await member();
    const desk = new Browser(api, wifi);
    await desk.login(person.phone, person.password);
    await throttle(wifi);
    return { wifi, person, desk };
  };

  test("behind an address the throttle refuses (a guest on the clinic's wifi), a member whose browser logged in before logs in; a browser without its cookie is refused as before", async () => {
    const { wifi, person: receptionist, desk } = await loggedInBehindThrottledWifi();
    expect((await new Browser(api, wifi).tryLogin(receptionist.phone, receptionist.password)).status).toBe(401);
    const shiftChange = await desk.tryLogin(receptionist.phone, receptionist.password);
    expect({ status: shiftChange.status, error: shiftChange.body.error }).toEqual({ status: 200, error: undefined });
    // the login's entry says a device cookie judged it, and holds no secret
    const entries = await loginEntries(receptionist.userId);
    expect(entries.map((entry) => [entry.action, entry.detail.deviceCookie])).toEqual([["login", false], ["login", true]]);
    const secrets = desk.deviceCookie!.split("=")[1].split("~").map((token) => token.split(".")[1]);
    for (const secret of secrets) expect(JSON.stringify(entries)).not.toContain(secret);
    expect(await detailKeysUnnamed(entries)).toEqual([]);
  });

  test("an account locked by 5 guesses from elsewhere: its person logs in from a browser of theirs, on another network too; a browser without its cookie stays locked out", async () => {
    const doctor = await member();
    const laptop = new Browser(api);
    await laptop.login(doctor.phone, doctor.password);
    for (let i = 0; i < 5; i++) expect((await new Browser(api).tryLogin(doctor.phone, `guess-${i}-password`)).status).toBe(401);
    laptop.address = anyAddress(); // the laptop on the doctor's phone's network: not one the account logged in from
    expect((await new Browser(api, laptop.address).tryLogin(doctor.phone, doctor.password)).status).toBe(401);
    expect((await laptop.tryLogin(doctor.phone, doctor.password)).status).toBe(200);
  });

  test("a device cookie helps its own account alone: another account's, a forged or a garbled one is as none (not an error)", async () => {
    const { wifi, person: a, desk: shared } = await loggedInBehindThrottledWifi();
    const b = await member();
    expect((await shared.tryLogin(b.phone, b.password)).status).toBe(401);
    expect((await shared.tryLogin(a.phone, a.password)).status).toBe(200); // while it lets its own account in
    const forgeries = [
      `clinicops_device=${b.userId}.${randomBytes(32).toString("base64url")}`, // of b's form, a secret never given
      `clinicops_device=${shared.deviceCookie!.split("=")[1].replace(a.userId, b.userId)}`, // a's secret, named b's
      `clinicops_device=${shared.deviceCookie!.split("=")[1].slice(0, -1)}`, // cut short
      "clinicops_device=%E0%A4%A",
      `clinicops_device=${"~".repeat(5000)}`,
    ];
    for (const forged of forgeries) {
      const browser = new Browser(api, wifi);
      browser.deviceCookie = forged;
      const refused = await browser.tryLogin(b.phone, b.password);
      expect({ forged: forged.slice(0, 80), status: refused.status, body: refused.body }).toEqual({
        forged: forged.slice(0, 80), status: 401, body: { error: { code: "INVALID_CREDENTIALS", message: "Wrong phone number or password, or the account is locked." } },
      });
      // and off the throttle, it is just a login
      const elsewhere = new Browser(api);
      elsewhere.deviceCookie = forged;
      expect({ forged: forged.slice(0, 80), status: (await elsewhere.tryLogin(b.phone, b.password)).status }).toEqual({ forged: forged.slice(0, 80), status: 200 });
    }
  });

  test("a browser's wrong passwords count against its device alone; the 5th ends its trust, and the throttle and the lock apply again", async () => {
    const { wifi, person: cashier, desk } = await loggedInBehindThrottledWifi();
    const counted = await failuresFrom(wifi);
    // four typos and the right one: not the address's, nor the account's (its lock not nearer)
    for (let i = 0; i < 4; i++) expect((await desk.tryLogin(cashier.phone, `typo-${i}-password`)).status).toBe(401);
    expect((await desk.tryLogin(cashier.phone, cashier.password)).status).toBe(200);
    expect(await failuresFrom(wifi)).toBe(counted);
    const { rows } = await rootPool().query("select failed_login_count from app_private.user_secret where user_id = $1", [cashier.userId]);
    expect(rows).toEqual([{ failed_login_count: 0 }]);
    // five: the device is trusted no longer, and the address's throttle refuses it, the right password too
    for (let i = 0; i < 5; i++) expect((await desk.tryLogin(cashier.phone, `guess-${i}-password`)).status).toBe(401);
    expect((await desk.tryLogin(cashier.phone, cashier.password)).status).toBe(401);
    const failed = (await loginEntries(cashier.userId)).filter((entry) => entry.action === "login_failed");
    expect(failed.map((entry) => [entry.detail.reason, entry.detail.deviceCookie])).toEqual(Array(9).fill(["wrong_password", true]));
    // and the account's lock too: off the throttle, a locked account's browser is refused once its device is not trusted
    const home = new Browser(api);
    await home.login(cashier.phone, cashier.password);
    home.address = anyAddress();
    for (let i = 0; i < 5; i++) expect((await home.tryLogin(cashier.phone, `guess-${i}-password`)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await new Browser(api).tryLogin(cashier.phone, `guess-${i}-password`)).status).toBe(401);
    expect((await home.tryLogin(cashier.phone, cashier.password)).status).toBe(401);
  });

  // a thief of a browser's cookie who waited a quarter of an hour after every 4 wrong passwords was never refused: 16 guesses
  // an hour for the 90 days the device stays trusted, past the throttle and the account's lock (000328)
  test("a device's wrong passwords add up until its next login, however far apart: the 5th ends its trust", async () => {
    const { person: doctor, desk } = await loggedInBehindThrottledWifi();
    const fourHoursOfGuesses = async () => {
      for (let i = 0; i < 4; i++) expect((await desk.tryLogin(doctor.phone, `guess-${i}-password`)).status).toBe(401);
      await rootPool().query("update app_private.login_device set first_failed_login_at = first_failed_login_at - interval '4 hours' where user_id = $1", [doctor.userId]);
    };
    // four wrong and the right one: the device's failures start again
    await fourHoursOfGuesses();
    expect((await desk.tryLogin(doctor.phone, doctor.password)).status).toBe(200);
    await fourHoursOfGuesses();
    expect((await desk.tryLogin(doctor.phone, "a fifth guess password")).status).toBe(401);
    expect((await desk.tryLogin(doctor.phone, doctor.password)).status).toBe(401);
    const devices = await rootPool().query("select count(*)::int as n from app_private.login_device where user_id = $1", [doctor.userId]);
    expect(devices.rows).toEqual([{ n: 0 }]);
  });

  // its login let through, its password change was refused for the address, its holder told the password was not right (000329)
  test("behind an address the throttle refuses, a member changes their password from the browser they logged in from; its wrong ones count against the device and the account's lock", async () => {
    const { person: nurse, desk } = await loggedInBehindThrottledWifi();
    const change = (currentPassword: string, newPassword: string) => desk.post("/auth/password", { currentPassword, newPassword });
    expect((await change(nurse.password, "a new long password")).status).toBe(200);
    // the session's and the device's cookies in a thief's hands: the account's 5 guesses, then its lock, the right one too
    await desk.login(nurse.phone, "a new long password");
    for (let i = 0; i < 5; i++) expect((await change(`guess-${i}-password`, "a thief's password")).status).toBe(401);
    expect((await change("a new long password", "a thief's password")).status).toBe(401);
    expect((await new Browser(api).tryLogin(nurse.phone, "a new long password")).status).toBe(401); // the account locked
    // the device trusted no longer: the throttle refuses its login, the right password too
    expect((await desk.tryLogin(nurse.phone, "a new long password")).status).toBe(401);
  });

  // a change shut a thief's copy of the session's cookie out (000438), not their copy of the device's: its secret kept and
  // its failures cleared, the copy had 4 more guesses of the new password, past the throttle and the account's lock, at each
  // change, where a stolen device cookie is worth 4 guesses in all
  test("a password change gives its browser's device cookie a new secret: a copy of the old one (a thief's) is trusted no longer", async () => {
    const { person: cashier, desk } = await loggedInBehindThrottledWifi();
    const thief = new Browser(api, anyAddress());
    thief.deviceCookie = desk.deviceCookie;
    // the copy's 4 guesses, counted against the device alone
    for (let i = 0; i < 4; i++) expect((await thief.tryLogin(cashier.phone, `guess-${i}-password`)).status).toBe(401);
    expect((await desk.post("/auth/password", { currentPassword: cashier.password, newPassword: "a new long password" })).status).toBe(200);
    expect(desk.deviceCookie).not.toBe(thief.deviceCookie);
    // the new secret is the cookie's alone: the change's audit entry holds none
    const secret = desk.deviceCookie!.split("=")[1].split(".")[1];
    const { rows: changed } = await rootPool().query("select detail from app_public.audit_log where table_name = 'user_secret' and record_id = $1", [cashier.userId]);
    expect(changed.length).toBe(1);
    expect(JSON.stringify(changed)).not.toContain(secret);
    // then judged as a browser without the cookie: counted against the account, whose lock the 5th sets
    for (let i = 4; i < 9; i++) expect((await thief.tryLogin(cashier.phone, `guess-${i}-password`)).status).toBe(401);
    const failed = (await loginEntries(cashier.userId)).filter((entry) => entry.action === "login_failed");
    expect(failed.map((entry) => entry.detail.deviceCookie)).toEqual([...Array(4).fill(true), ...Array(5).fill(false)]);
    expect((await thief.tryLogin(cashier.phone, "a new long password")).status).toBe(401);
    // the browser that changed it is judged by its device, with its new secret, behind the throttled wifi and the lock
    expect((await desk.tryLogin(cashier.phone, "a new long password")).status).toBe(200);
  });

  // the change let its device past the throttle as it was asked, not as it was once the account's attempts took turns: one
  // deleted meanwhile by its 5th failure (a copy of its cookie's guess, counted under that lock) had the change's password
  // checked from an address the throttle refuses, where a login in its place is refused (000472)
  test("a password change whose device a 5th failure deleted while it waited for the account's turn is left to the throttle, as a login is: refused, its password not checked", async () => {
    const { person: nurse, desk, wifi } = await loggedInBehindThrottledWifi();
    const failuresBefore = await failuresFrom(wifi);
    await whileHolding("select from app_private.user_secret where user_id = $1 for update", [nurse.userId], async (held) => {
      const change = desk.post("/auth/password", { currentPassword: nurse.password, newPassword: "a new long password" });
      expect(await held.blocking()).toBe(true);
      // a thief's copy of the cookie, its 5th wrong password counted against the device under the account's lock: deleted
      for (let i = 0; i < 5; i++) {
        await held.client.query("select app_private.count_device_failure(d.id) from app_private.login_device d where d.user_id = $1", [nurse.userId]);
      }
      await held.client.query("commit");
      expect((await change).status).toBe(401);
    });
    expect(await failuresFrom(wifi)).toBe(failuresBefore + 1); // counted against the address, as a refused login is
    expect((await new Browser(api).tryLogin(nurse.phone, nurse.password)).status).toBe(200); // the password unchanged
    expect((await desk.tryLogin(nurse.phone, nurse.password)).status).toBe(401); // the device trusted no longer
  });

  test("a password given anew forgets the browsers: after a reset none helps; after its holder's change the one it was made from alone", async () => {
    const { person: nurse, desk } = await loggedInBehindThrottledWifi();
    const home = new Browser(api);
    await rootPool().query("select app_private.reset_password($1, 'the operator chose it')", [nurse.phone]);
    expect((await desk.tryLogin(nurse.phone, "the operator chose it")).status).toBe(401);
    // the holder's change, from the desk's browser (off the throttle, a quarter of an hour later)
    desk.address = anyAddress();
    await desk.login(nurse.phone, "the operator chose it");
    await home.login(nurse.phone, "the operator chose it");
    expect((await desk.post("/auth/password", { currentPassword: "the operator chose it", newPassword: "a new long password" })).status).toBe(200);
    await throttle(desk.address);
    await throttle(home.address);
    expect((await home.tryLogin(nurse.phone, "a new long password")).status).toBe(401);
    expect((await desk.tryLogin(nurse.phone, "a new long password")).status).toBe(200);
  });

  test("an account keeps its 10 browsers last logged in from, and forgets one unused for 90 days at its next login", async () => {
    const owner = await member();
    const browsers = Array.from({ length: 11 }, () => new Browser(api));
    for (const browser of browsers) await browser.login(owner.phone, owner.password);
    const devices = async () => (await rootPool().query("select count(*)::int as n from app_private.login_device where user_id = $1", [owner.userId])).rows[0].n;
    expect(await devices()).toBe(10);
    await rootPool().query("update app_private.login_device set last_login_at = now() - interval '91 days' where user_id = $1 and last_login_at < (select max(last_login_at) from app_private.login_device where user_id = $1)", [owner.userId]);
    await browsers[10].login(owner.phone, owner.password);
    expect(await devices()).toBe(1);
  });

  // a cookie over a browser's 4 kB is dropped whole: a front desk's shared computer, a token more at each account
  // logged in from it, lost every account's trust at about the 45th
  test("a browser's device cookie holds the 10 accounts last logged in from it: an 11th's login drops the first's token", async () => {
    const desk = new Browser(api);
    const people = [];
    for (let i = 0; i < 11; i++) {
      const person = await member();
      await desk.login(person.phone, person.password);
      people.push(person);
    }
    const held = desk.deviceCookie!.split("=")[1].split("~").map((token) => token.split(".")[0]);
    expect(held).toEqual(people.slice(1).map((person) => person.userId));
  });
});

// Every login behind such a proxy, the right password too, was INVALID_INPUT "A value has the wrong format.":
// PostgreSQL read the address as given and refused it as the login's input.
test("an address in X-Forwarded-For with the client's port (203.0.113.7:51234, as Azure's Application Gateway writes it) or an IPv6 zone logs in and is counted as the address; one that is no address, as the proxy's", async () => {
  const member = await addMember(clinic.clinicId, await createUser(), "doctor");
  // groups without a leading zero, which PostgreSQL's host() leaves out (0852 is read back as 852)
  const [a, b] = [randomInt(0x1000, 0x10000).toString(16), randomInt(0x1000, 0x10000).toString(16)];
  const ipv4 = `10.${[...randomBytes(3)].join(".")}`;
  for (const forwarded of [`${ipv4}:51234`, `[2001:db8:${a}:${b}::7]:443`, "fe80::7%eth0", "junk"]) {
    const response = await loginFrom(forwarded, member.phone, member.password);
    expect({ forwarded, status: response.status, error: response.body.error }).toEqual({ forwarded, status: 200, error: undefined });
  }
  const { rows: sessions } = await rootPool().query("select host(ip) as ip from app_private.session where user_id = $1 order by created_at", [member.userId]);
  expect(sessions.map((session) => session.ip)).toEqual([ipv4, `2001:db8:${a}:${b}::7`, "fe80::7", "127.0.0.1"]);
  // a failure is counted against the address, by its /64
  const phone = randomPhone();
  expect((await loginFrom(`[2001:db8:${b}:${a}::9]:443`, phone, "wrong-password")).status).toBe(401);
  const { rows: failures } = await rootPool().query("select ip::text from app_private.login_failure where phone = $1", [phone]);
  expect(failures).toEqual([{ ip: `2001:db8:${b}:${a}::/64` }]);
});

test("failed logins are counted per IPv6 /64, where a client picks its address: 20 from one network refuse the next from any address in it, not from another", async () => {
  const [a, b] = randomBytes(4).toString("hex").match(/.{4}/g)!;
  const network = `2001:db8:${a}:${b}`;
  // 20 failures, each from another address of the network and for a phone of no account (no account's own lockout counts them)
  for (let host = 1; host <= 20; host++) {
    expect((await loginFrom(`${network}::${host.toString(16)}`, randomPhone(), "wrong-password")).status).toBe(401);
  }
  // the cashier's right password, from another address of the same network: throttled like the others
  expect((await loginFrom(`${network}::beef`, clinic.members.cashier.phone, clinic.members.cashier.password)).status).toBe(401);
  // from another network, it is a login
  expect((await loginFrom(`2001:db8:${b}:${a}::1`, clinic.members.cashier.phone, clinic.members.cashier.password)).status).toBe(200);
  const { rows } = await rootPool().query("select count(*)::int as failures, bool_and(ip = $1::inet) as as_network from app_private.login_failure where ip <<= $1::inet", [
    `${network}::/64`,
  ]);
  expect(rows).toEqual([{ failures: 21, as_network: true }]); // the throttled attempt counted too
});

test("the address throttle counts the failures of the past 15 minutes: 20 of 10 minutes ago still refuse, 20 of 16 minutes ago no longer do", async () => {
  const { cashier } = clinic.members;
  for (const [minutesAgo, status] of [[10, 401], [16, 200]]) {
    const network = anyAddress().replace(/::1$/, "");
    await rootPool().query(
      "insert into app_private.login_failure (ip, phone, attempted_at) select $1::inet, '+255700000000', now() - make_interval(mins => $2) from generate_series(1, 20)",
      [`${network}::/64`, minutesAgo],
    );
    const response = await loginFrom(`${network}::1`, cashier.phone, cashier.password);
    expect({ minutesAgo, status: response.status }).toEqual({ minutesAgo, status });
  }
});

test("a client the address throttle refuses is audited once for as long as it keeps being refused, and still counted: not an entry a request", async () => {
  const [a, b] = randomBytes(4).toString("hex").match(/.{4}/g)!;
  const network = `2001:db8:${b}:${a}`;
  for (let host = 1; host <= 25; host++) {
    expect((await loginFrom(`${network}::${host.toString(16)}`, randomPhone(), "wrong-password")).status).toBe(401);
  }
  const { rows } = await rootPool().query(
    `select detail ->> 'reason' as reason, count(*)::int as entries from app_public.audit_log
     where clinic_id is null and action = 'login_failed' and (detail ->> 'ip')::inet <<= $1::inet group by 1 order by 1`,
    [`${network}::/64`],
  );
  // before, 5 entries of address_throttled: a client refused at every request grew the platform's chain by one a request
  expect(rows).toEqual([{ reason: "address_throttled", entries: 1 }, { reason: "unknown_phone", entries: 20 }]);
  const { rows: counted } = await rootPool().query("select count(*)::int as n from app_private.login_failure where ip <<= $1::inet", [`${network}::/64`]);
  expect(counted[0].n).toBe(25); // each still counted: the address stays refused while it keeps trying
});

// they were audited at every request: one client sending empty passwords wrote about 600 entries a second into the platform's chain
test("a client the address throttle refuses is audited once also when its logins are refused for their input: still answered for it, and counted", async () => {
  const attacker = new Browser(api);
  for (let i = 0; i < 20; i++) expect((await attacker.tryLogin(randomPhone(), "wrong-password")).status).toBe(401);
  const { owner } = clinic.members;
  const refused = [["not a phone", "whatever-password", "INVALID_PHONE"], [owner.phone, "", "INVALID_INPUT"], [owner.phone, "x".repeat(1025), "INVALID_INPUT"]];
  for (const [phone, password, code] of [...refused, ...refused]) {
    const response = await attacker.tryLogin(phone, password);
    expect([response.status, response.body.error?.code]).toEqual([400, code]);
  }
  const { rows } = await rootPool().query(
    `select detail ->> 'reason' as reason, count(*)::int as entries from app_public.audit_log
     where action = 'login_failed' and detail ->> 'ip' = $1 group by 1 order by 1`,
    [attacker.address],
  );
  expect(rows).toEqual([{ reason: "address_throttled", entries: 1 }, { reason: "unknown_phone", entries: 20 }]);
  const { rows: counted } = await rootPool().query("select count(*)::int as n from app_private.login_failure where ip = $1", [attacker.address]);
  expect(counted[0].n).toBe(26);
});

test("an account's 5 wrong passwords within 15 minutes lock it for 15 minutes: 4 of 10 minutes ago and one now lock it, 4 of 16 minutes ago do not", async () => {
  for (const [minutesAgo, locks] of [[10, true], [16, false]] as const) {
    const member = await createUser();
    await addMember(clinic.clinicId, member, "cashier");
    await rootPool().query("update app_private.user_secret set failed_login_count = 4, first_failed_login_at = now() - make_interval(mins => $2) where user_id = $1", [
      member.userId,
      minutesAgo,
    ]);
    expect((await loginFrom(anyAddress(), member.phone, "one-guess-more")).status).toBe(401);
    const { rows } = await rootPool().query(
      `select failed_login_count as failures, locked_until is not null as locked,
         coalesce(locked_until between now() + interval '14 minutes' and now() + interval '15 minutes', false) as for_15_minutes
       from app_private.user_secret where user_id = $1`,
      [member.userId],
    );
    expect({ minutesAgo, ...rows[0] }).toEqual({ minutesAgo, failures: locks ? 5 : 1, locked: locks, for_15_minutes: locks });
    expect((await loginFrom(anyAddress(), member.phone, member.password)).status).toBe(locks ? 401 : 200);
  }
});

test("a client throttled after attempts at once took its count past 20 without landing on it is still audited once", async () => {
  // three attempts that each read 19 and were each checked leave 22 failures: the next is the first refused, and it
  // read 22 (before, only an attempt reading exactly 20 was audited: this client was refused from then on, unaudited)
  const [a, b] = randomBytes(4).toString("hex").match(/.{4}/g)!;
  const network = `2001:db8:${a}:${b}`;
  await rootPool().query("insert into app_private.login_failure (ip, phone) select $1::inet, '+255700000000' from generate_series(1, 22)", [`${network}::/64`]);
  for (let host = 1; host <= 3; host++) {
    expect((await loginFrom(`${network}::${host.toString(16)}`, randomPhone(), "wrong-password")).status).toBe(401);
  }
  const { rows } = await rootPool().query(
    `select detail ->> 'reason' as reason, count(*)::int as entries from app_public.audit_log
     where clinic_id is null and action = 'login_failed' and (detail ->> 'ip')::inet <<= $1::inet group by 1`,
    [`${network}::/64`],
  );
  expect(rows).toEqual([{ reason: "address_throttled", entries: 1 }]);
});

// each attempt read every failure of its address in the quarter of an hour: one client sending ~300 wrong logins a second
// from one address had 280,000 of them, each of its next attempts read them all (35 to 200 ms of the database, one attempt
// on each connection of the pool), and the more it sent, the more each cost; the throttle's answer needs 20 of them
test("an address that keeps trying costs as little at its 5,000th failure as at its 20th: a login's and a password change's throttle read 20 of its failures, not all", async () => {
  const network = anyAddress().replace(/::1$/, "");
  const address = `${network}::7`;
  // 5,000 failures of the past 10 minutes, the first 20 as counted before the throttle refused, the rest refused by it
  await rootPool().query(
    `insert into app_private.login_failure (ip, phone, throttled, attempted_at)
     select $1::inet, '+255700000000', g > 20, now() - interval '10 minutes' + g * interval '100 ms' from generate_series(1, 5000) g`,
    [`${network}::/64`],
  );
  await rootPool().query("analyze app_private.login_failure"); // as autovacuum does once a client has sent them
  const member = await createUser();
  await addMember(clinic.clinicId, member, "cashier");
  const session = await openSession(member.userId, clinic.clinicId);
  /** The rows of login_failure `statement` reads, in its transaction (rolled back), and what it answers. */
  const readBy = (sessionId: string | null, statement: string, params: unknown[]) =>
    asSession(sessionId, async (client) => {
      // the backend's counts not yet reported (a transaction's before it, on the same connection, too)
      const readSoFar = async () => (await client.query(
        `select (t.seq_tup_read + coalesce((select sum(pg_stat_get_xact_tuples_returned(i.indexrelid)) from pg_index i where i.indrelid = t.relid), 0))::int as n
         from pg_stat_xact_user_tables t where t.schemaname = 'app_private' and t.relname = 'login_failure'`,
      )).rows[0].n as number;
      const before = await readSoFar();
      const { rows } = await client.query(statement, params);
      return { status: rows[0].status, read: (await readSoFar()) - before };
    });
  const login = await readBy(null, "select app_hidden.login($1, $2, null, $3, 'flood', '1 hour') ->> 'status' as status", [member.phone, member.password, address]);
  const change = await readBy(session, "select app_hidden.change_password($1, 'another long password', $2) ->> 'status' as status", [member.password, address]);
  // refused as ever, the right password too, and each read at most what the throttle needs (20, and the refusal's audit check)
  expect(login.status).toBe("invalid");
  expect(change.status).toBe("invalid");
  expect(login.read).toBeLessThanOrEqual(50);
  expect(change.read).toBeLessThanOrEqual(50);
});

// each read the failures of the attempts before it, none of those in flight: a burst from one address had 39 passwords
// checked where the rule is 20 failures in 15 minutes (000359)
test("attempts from one address in flight count as its failures: with 15 failures, of 10 at once 5 at most have their password checked, the rest answered RETRY and not counted", async () => {
  const [a, b] = randomBytes(4).toString("hex").match(/.{4}/g)!;
  const network = `2001:db8:${a}:${b}`;
  await rootPool().query("insert into app_private.login_failure (ip, phone) select $1::inet, '+255700000000' from generate_series(1, 15)", [`${network}::/64`]);
  // 10 attempts at once, each from another address of the network, all still in flight (queued to write their audit
  // entries, the platform chain's head held) until each has read the address's failures
  const answers = await whileHolding("select from app_private.audit_chain_head where chain_id = '00000000-0000-0000-0000-000000000000' for update", [], async (head) => {
    const attempts = Array.from({ length: 10 }, (_, host) => loginFrom(`${network}::${(host + 1).toString(16)}`, randomPhone(), "wrong-password"));
    expect(await head.blocking(10)).toBe(true);
    await head.release();
    return Promise.all(attempts);
  });
  const checked = answers.filter((answer) => answer.status === 401).length;
  // before, all 10 were checked, and the address had 25 failures
  expect(checked).toBeLessThanOrEqual(5);
  expect(answers.filter((answer) => answer.status !== 401).map((answer) => answer.body)).toEqual(
    Array(10 - checked).fill({ error: { code: "RETRY", message: "Many logins from your network are under way: try again in a moment." } }),
  );
  const audited = async () =>
    (await rootPool().query(
      `select detail ->> 'reason' as reason, count(*)::int as entries from app_public.audit_log
       where clinic_id is null and action = 'login_failed' and (detail ->> 'ip')::inet <<= $1::inet group by 1 order by 1`,
      [`${network}::/64`],
    )).rows;
  expect(await audited()).toEqual([
    ...(checked < 10 ? [{ reason: "address_attempts_in_flight", entries: 10 - checked }] : []),
    ...(checked > 0 ? [{ reason: "unknown_phone", entries: checked }] : []),
  ]);
  // those refused were not counted: one at a time, the address's remaining failures up to 20 are checked, then it is refused
  for (let attempt = checked; attempt < 5; attempt++) {
    expect((await loginFrom(`${network}::beef`, randomPhone(), "wrong-password")).status).toBe(401);
  }
  const { phone, password } = clinic.members.receptionist;
  expect((await loginFrom(`${network}::beef`, phone, password)).status).toBe(401);
  expect((await audited()).filter((row) => row.reason !== "address_attempts_in_flight")).toEqual([
    { reason: "address_throttled", entries: 1 }, { reason: "unknown_phone", entries: 5 },
  ]);
});

// a refused one stayed in flight, as a failure to come, until its transaction ended (its audit entry written, behind the
// platform chain's other failed logins), though it is never counted: the address's people were refused meanwhile (000362)
test("an attempt refused for its address's attempts in flight is not one of them: once they end without a failure, a right password is checked", async () => {
  const address = anyAddress();
  await rootPool().query(
    "insert into app_private.login_failure (ip, phone) select app_hidden.throttled_network($1::inet), '+255700000000' from generate_series(1, 19)",
    [address],
  );
  const { phone, password } = clinic.members.receptionist;
  // an attempt of the address in flight (a colleague's right password), which ends with no failure
  const colleague = await rootPool().connect();
  try {
    await colleague.query("begin");
    await colleague.query("select app_private.enter_address_attempt($1::inet)", [address]);
    const [refused, answer] = await whileHolding("select from app_private.audit_chain_head where chain_id = '00000000-0000-0000-0000-000000000000' for update", [], async (head) => {
      // 19 failures and 1 in flight: refused, and still writing its audit entry (the platform chain's head held)
      const refused = loginFrom(address, randomPhone(), "wrong-password");
      expect(await head.blocking(1)).toBe(true);
      await colleague.query("rollback");
      // 19 failures, and nothing in flight that can be one: checked (before, refused for the one refused, still under way)
      // (answered at once, or, refused, seen writing its audit entry behind the head)
      const answer = loginFrom(address, phone, password);
      await Promise.race([answer, head.blocking(2)]);
      await head.release();
      return [await refused, await answer];
    });
    expect(refused.body.error?.code).toBe("RETRY");
    expect([answer.status, answer.body.error?.code]).toEqual([200, undefined]);
  } finally {
    await colleague.query("rollback");
    colleague.release();
  }
});

test("a burst of 40 wrong passwords from one address gets 20 at most checked; the rest are answered RETRY or refused by the throttle", async () => {
  const address = anyAddress();
  const answers = await Promise.all(Array.from({ length: 40 }, () => loginFrom(address, randomPhone(), "wrong-password")));
  const codes = answers.map((answer) => `${answer.status} ${answer.body.error?.code}`);
  expect(codes.filter((code) => code !== "401 INVALID_CREDENTIALS" && code !== "503 RETRY")).toEqual([]);
  const { rows } = await rootPool().query(
    "select count(*)::int as checked from app_public.audit_log where action = 'login_failed' and (detail ->> 'ip')::inet = $1::inet and detail ->> 'reason' = 'unknown_phone'",
    [address],
  );
  // before, 39 were checked where the rule is 20 failures in 15 minutes
  expect(rows[0].checked).toBeLessThanOrEqual(20);
});

test("every character of a password counts: bcrypt reads 72 bytes, and a password of 72 letters logged in with any other tail", async () => {
  for (const [password, wrongTail] of [
    ["a".repeat(72) + "SECRET-TAIL-xyz123", "a".repeat(72) + "totally-different"],
    ["é".repeat(36) + "tail-one", "é".repeat(36)], // 2 bytes each: 36 of them were all bcrypt read
  ]) {
    const phone = randomPhone();
    await rootPool().query("select app_private.find_or_create_user($1, 'Long Password', $2)", [phone, password]);
    expect((await loginFrom(anyAddress(), phone, wrongTail)).status).toBe(401);
    expect((await loginFrom(anyAddress(), phone, password)).status).toBe(200);
  }
});

test("a hash made before 000154 (bcrypt of the password itself) still logs in, and is kept until the password is changed: a login does not make it again from a tail it never checked", async () => {
  const long = "b".repeat(80) + "-the-rest";
  const phone = randomPhone();
  const { rows: [made] } = await rootPool().query("select user_id from app_private.find_or_create_user($1, 'Old Hash', $2)", [phone, long]);
  await rootPool().query("update app_private.user_secret set password_hash = crypt($2, gen_salt('bf', 4)) where user_id = $1", [made.user_id, long]);
  const old = (await rootPool().query("select password_hash from app_private.user_secret where user_id = $1", [made.user_id])).rows[0].password_hash;
  // its first 72 bytes are what it checks, as before: a typo past them logs in, and must not become the password
  expect((await loginFrom(anyAddress(), phone, "b".repeat(80) + "-a-typo")).status).toBe(200);
  expect((await loginFrom(anyAddress(), phone, long)).status).toBe(200);
  expect((await rootPool().query("select password_hash from app_private.user_secret where user_id = $1", [made.user_id])).rows[0].password_hash).toBe(old);
});

test("an IPv4 client seen through IPv6 (::ffff:a.b.c.d) is counted as its own IPv4 address, not with every other one", async () => {
  const [c, d] = randomBytes(2);
  for (let attempt = 0; attempt < 20; attempt++) {
    expect((await loginFrom(`::ffff:198.51.${c}.${d}`, randomPhone(), "wrong-password")).status).toBe(401);
  }
  expect((await loginFrom(`::ffff:198.51.${c}.${d}`, clinic.members.receptionist.phone, clinic.members.receptionist.password)).status).toBe(401);
  expect((await loginFrom(`::ffff:198.51.${c}.${(d + 1) % 256}`, clinic.members.receptionist.phone, clinic.members.receptionist.password)).status).toBe(200);
});

// it was counted as the IPv6 address that carries it: 20 failures from 10.77.0.1 left ::ffff:10.77.0.1 free (an attacker)
test("an IPv4 client is one address however it is seen: its failures as a.b.c.d refuse it as ::ffff:a.b.c.d and 64:ff9b::a.b.c.d, and the other way round", async () => {
  for (const [failFrom, tryFrom] of [["plain", "mapped"], ["mapped", "plain"], ["plain", "nat64"]] as const) {
    const [c, d] = randomBytes(2);
    const as = { plain: `198.18.${c}.${d}`, mapped: `::ffff:198.18.${c}.${d}`, nat64: `64:ff9b::198.18.${c}.${d}` };
    for (let attempt = 0; attempt < 20; attempt++) expect((await loginFrom(as[failFrom], randomPhone(), "wrong-password")).status).toBe(401);
    const { phone, password } = clinic.members.receptionist;
    expect({ failFrom, tryFrom, status: (await loginFrom(as[tryFrom], phone, password)).status }).toEqual({ failFrom, tryFrom, status: 401 });
  }
});

describe("a member changes their own password (POST /auth/password)", () => {
  const change = (browser: Browser, currentPassword: unknown, newPassword: unknown) => browser.post("/auth/password", { currentPassword, newPassword });

  test("given the current one: the new one logs in, the old one no longer, the member's other sessions end in every clinic, this one goes on under a new session (its cookie renewed); audited without the hash", async () => {
    const member = await createUser();
    const other = await createClinic("Password other clinic");
    await addMember(clinic.clinicId, member, "doctor");
    await addMember(other.clinicId, member, "cashier");
    const [here, elsewhere, sameClinic] = [new Browser(api), new Browser(api), new Browser(api)];
    await here.login(member.phone, member.password, clinic.clinicId);
    await elsewhere.login(member.phone, member.password, other.clinicId);
    await sameClinic.login(member.phone, member.password, clinic.clinicId);
    const asked = here.sessionId;
    const response = await change(here, member.password, "a new long password");
    expect([response.status, response.body]).toEqual([200, { ok: true, sessionsEnded: 2 }]);
    expect(here.sessionId).not.toBe(asked);
    expect((await here.graphql(WHO_AM_I)).body.data.currentUser.rowId).toBe(member.userId);
    for (const ended of [elsewhere, sameClinic]) {
      expect((await ended.graphql(WHO_AM_I)).body.errors?.[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" }, message: "Your session has ended: log in again." });
    }
    expect((await new Browser(api).tryLogin(member.phone, member.password)).status).toBe(401);
    expect((await new Browser(api).login(member.phone, "a new long password", clinic.clinicId)).status).toBe(200);
    const { rows } = await rootPool().query(
      "select clinic_id, action, table_name, old_values, new_values, detail - 'ip' as detail from app_public.audit_log where table_name = 'user_secret' and record_id = $1 order by clinic_id <> $2",
      [member.userId, clinic.clinicId],
    );
    const entry = { action: "update", table_name: "user_secret", old_values: null, new_values: null };
    expect(rows).toEqual([
      { clinic_id: clinic.clinicId, ...entry, detail: { passwordChanged: true, sessionId: asked, newSessionId: here.sessionId, sessionsEnded: 1 } },
      // the other clinic's, naming its session it ended (below)
      { clinic_id: other.clinicId, ...entry, detail: { passwordChanged: true, endedSessions: [expect.any(String)] } },
    ]);
  });

  // the session that asked went on under its id: a thief holding a copy of the victim's cookie kept the account after the
  // victim changed the password, since a password change ended every session but the one both cookies held (OWASP: renew
  // the session id on a change of credentials)
  test("a copy of the cookie that asked is UNAUTHENTICATED once the change is made: the one that asked goes on under a new session, in its clinic, until the old one's end, audited in the change's entry", async () => {
    const victim = await addMember(clinic.clinicId, await createUser(), "cashier");
    const browser = new Browser(api);
    await browser.login(victim.phone, victim.password, clinic.clinicId);
    const thief = new Browser(api);
    thief.cookie = browser.cookie; // the same cookie, copied from the victim's browser
    expect((await thief.graphql(WHO_AM_I)).body.data.currentUser.rowId).toBe(victim.userId);
    const asked = browser.sessionId;
    const response = await change(browser, victim.password, "a new long password");
    expect([response.status, response.body]).toEqual([200, { ok: true, sessionsEnded: 0 }]);
    // the thief's copy is refused, its session ended
    expect((await thief.graphql(WHO_AM_I)).body.errors?.[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" }, message: "Your session has ended: log in again." });
    expect(thief.sessionId).toBe(asked);
    // the victim's browser got a new cookie of a new session, in the same clinic with the same role, ending when the old one would have
    expect(browser.sessionId).not.toBe(asked);
    expect((await browser.graphql(WHO_AM_I)).body.data).toEqual({
      currentUser: { rowId: victim.userId, fullName: `Test ${victim.phone}` }, currentClinic: { rowId: clinic.clinicId, name: clinic.name }, currentRole: "cashier",
    });
    const { rows: sessions } = await rootPool().query(
      "select id, clinic_id, role::text, revoked_at is null as live, expires_at from app_private.session where id = any ($1) order by created_at",
      [[asked, browser.sessionId]],
    );
    expect(sessions).toEqual([
      { id: asked, clinic_id: clinic.clinicId, role: "cashier", live: false, expires_at: sessions[0].expires_at },
      { id: browser.sessionId, clinic_id: clinic.clinicId, role: "cashier", live: true, expires_at: sessions[0].expires_at },
    ]);
    // the change's one entry names the session it was asked from and the one it opened in its place; nothing else was written
    const { rows: entries } = await rootPool().query(
      "select action, table_name, actor_user_id, detail - 'ip' as detail from app_public.audit_log where clinic_id = $1 and record_id = $2 and action not in ('insert', 'login') order by seq",
      [clinic.clinicId, victim.userId],
    );
    expect(entries).toEqual([{ action: "update", table_name: "user_secret", actor_user_id: victim.userId,
      detail: { passwordChanged: true, sessionId: asked, newSessionId: browser.sessionId, sessionsEnded: 0 } }]);
    expect(await detailKeysUnnamed(entries)).toEqual([]);
    const { rows: verified } = await rootPool().query("select is_valid from app_private.audit_chain_status_of($1)", [clinic.clinicId]);
    expect(verified).toEqual([{ is_valid: true }]);
  });

  // the second of a double click on "Change password" was checked against the new password, answered INVALID_CREDENTIALS
  // and counted as a wrong one against the account (5 lock it); its session is now the one the first ended
  test("a double click on the change: one changes the password, the other is told its session ended (not a wrong password, not counted), and the browser goes on with the new cookie", async () => {
    const member = await addMember(clinic.clinicId, await createUser(), "doctor");
    const browser = new Browser(api);
    await browser.login(member.phone, member.password, clinic.clinicId);
    const answers = await Promise.all([1, 2].map(() => change(browser, member.password, "a new long password")));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
    expect(answers.find((a) => a.status === 401)?.body.error.code).toBe("UNAUTHENTICATED");
    expect((await browser.graphql(WHO_AM_I)).body.data.currentUser.rowId).toBe(member.userId);
    const { rows } = await rootPool().query(
      "select count(*)::int as n from app_public.audit_log where action = 'login_failed' and record_id = $1", [member.userId]);
    expect(rows).toEqual([{ n: 0 }]);
    const { rows: secret } = await rootPool().query("select failed_login_count from app_private.user_secret where user_id = $1", [member.userId]);
    expect(secret).toEqual([{ failed_login_count: 0 }]);
  });

  // the change was in the chain of the session that asked alone: the owner of the person's other clinic, with no session of
  // the person to end, read nothing of it, nor of the operator's reset, by whom, of their doctor's password
  test("the change, and the operator's reset, are in the audit log of each clinic the person is of, where its owner reads them; not of a clinic that only invited them", async () => {
    const member = await createUser();
    const [b, invited] = [await createClinic("Password clinic B"), await createClinic("Password invited clinic")];
    await addMember(clinic.clinicId, member, "doctor");
    await addMember(b.clinicId, member, "doctor");
    await rootPool().query("insert into app_public.membership (clinic_id, user_id, role, accepted_at) values ($1, $2, 'doctor', null)", [invited.clinicId, member.userId]);
    const session = new Browser(api);
    await session.login(member.phone, member.password, clinic.clinicId);
    const asked = session.sessionId;
    expect((await change(session, member.password, "a new long password")).status).toBe(200);
    await rootPool().query("select app_private.reset_password($1, 'the operator chose it')", [member.phone]);
    const owners = { a: new Browser(api), b: new Browser(api), invited: new Browser(api) };
    await owners.a.login(clinic.members.owner.phone, clinic.members.owner.password, clinic.clinicId);
    await owners.b.login(b.members.owner.phone, b.members.owner.password, b.clinicId);
    await owners.invited.login(invited.members.owner.phone, invited.members.owner.password, invited.clinicId);
    const read = async (owner: Browser) => (await owner.graphql(
      `query($r: UUID!) { auditLogs(condition: { recordId: $r, tableName: "user_secret" }, orderBy: SEQ_ASC) { nodes { clinicId action actorUserId detail } }
        verifyAuditChain { isValid } }`,
      { r: member.userId },
    )).body;
    const reset = { action: "update", actorUserId: null, detail: { passwordChanged: true, by: "npm run password", unlocked: false } };
    // the clinic it was asked from, with where from (the address, the session) and the count of its sessions ended
    expect(await read(owners.a)).toEqual({ data: {
      auditLogs: { nodes: [
        { clinicId: clinic.clinicId, action: "update", actorUserId: member.userId, detail: { passwordChanged: true, ip: expect.any(String), sessionId: asked, newSessionId: session.sessionId, sessionsEnded: 0 } },
        { clinicId: clinic.clinicId, ...reset, detail: { ...reset.detail, endedSessions: [session.sessionId] } }, // the session the change went on in
      ] },
      verifyAuditChain: { isValid: true },
    } });
    // the other clinic: what was done, by whom, and not where from
    expect(await read(owners.b)).toEqual({ data: {
      auditLogs: { nodes: [
        { clinicId: b.clinicId, action: "update", actorUserId: member.userId, detail: { passwordChanged: true } },
        { clinicId: b.clinicId, ...reset },
      ] },
      verifyAuditChain: { isValid: true },
    } });
    // the clinic the person has not answered is told nothing of the account
    expect(await read(owners.invited)).toEqual({ data: { auditLogs: { nodes: [] }, verifyAuditChain: { isValid: true } } });
    const { rows } = await rootPool().query("select count(*)::int as n from app_public.audit_log where clinic_id = $1 and record_id = $2", [invited.clinicId, member.userId]);
    expect(rows).toEqual([{ n: 0 }]);
  });

  test("a wrong current password is refused and counted as a wrong login: the fifth locks the account, even against the right one", async () => {
    const member = await createUser();
    await addMember(clinic.clinicId, member, "receptionist");
    const session = new Browser(api);
    await session.login(member.phone, member.password);
    const wrong = await change(session, "not-the-password", "a new long password");
    expect([wrong.status, wrong.body]).toEqual([401, {
      error: { code: "INVALID_CREDENTIALS", message: "Your current password is not right, or the account is locked after 5 wrong passwords: try again in 15 minutes." },
    }]);
    for (let i = 0; i < 4; i++) expect((await change(session, `guess-${i}-password`, "a new long password")).status).toBe(401);
    expect((await change(session, member.password, "a new long password")).status).toBe(401);
    expect((await new Browser(api).tryLogin(member.phone, member.password)).status).toBe(401);
    const { rows } = await rootPool().query(
      "select count(*)::int as n from app_public.audit_log where action = 'login_failed' and record_id = $1 and detail->>'reason' = 'password_change_refused'",
      [member.userId],
    );
    expect(rows[0].n).toBe(6);
    // the password is unchanged: once the lock expires it logs in
    await rootPool().query("update app_private.user_secret set locked_until = now() - interval '1 second' where user_id = $1", [member.userId]);
    expect((await new Browser(api).login(member.phone, member.password)).status).toBe(200);
  });

  test("from an address the login throttle refuses, it is refused as a login is, the right current password too, and changes nothing", async () => {
    // before, only a wrong password was counted against the address: a stolen cookie kept guessing from a throttled one
    const member = await createUser();
    await addMember(clinic.clinicId, member, "receptionist");
    const session = new Browser(api);
    await session.login(member.phone, member.password);
    session.deviceCookie = null; // the session's cookie alone, as a thief of it holds it (its browser's device: below)
    const network = anyAddress().replace(/::1$/, "");
    await rootPool().query(
      "insert into app_private.login_failure (ip, phone) select $1::inet, '+255700000000' from generate_series(1, 20)",
      [`${network}::/64`],
    );
    const refused = await session.post("/auth/password", { currentPassword: member.password, newPassword: "a new long password" }, { "x-forwarded-for": `${network}::2` });
    expect([refused.status, refused.body]).toEqual([401, {
      error: { code: "INVALID_CREDENTIALS", message: "Your current password is not right, or the account is locked after 5 wrong passwords: try again in 15 minutes." },
    }]);
    const again = await session.post("/auth/password", { currentPassword: "a guess password", newPassword: "a new long password" }, { "x-forwarded-for": `${network}::3` });
    expect(again.status).toBe(401);
    expect((await new Browser(api).login(member.phone, member.password)).status).toBe(200);
    const { rows } = await rootPool().query("select count(*)::int as n, bool_and(throttled) as throttled from app_private.login_failure where ip = $1::inet and phone = $2", [
      `${network}::/64`, member.phone,
    ]);
    expect(rows).toEqual([{ n: 2, throttled: true }]); // counted, so the address stays refused
    // audited once, as a login the throttle refuses is, and not counted against the account
    const { rows: audited } = await rootPool().query(
      "select detail ->> 'reason' as reason, count(*)::int as entries from app_public.audit_log where action = 'login_failed' and record_id = $1 group by 1",
      [member.userId],
    );
    expect(audited).toEqual([{ reason: "address_throttled", entries: 1 }]);
    // from another address it is a change
    expect((await change(session, member.password, "a new long password")).status).toBe(200);
  });

  test("a new password breaking the rule, the same one again, or a body without both is refused and changes nothing; without a session it is UNAUTHENTICATED", async () => {
    const member = await createUser();
    await addMember(clinic.clinicId, member, "cashier");
    const session = new Browser(api);
    await session.login(member.phone, member.password);
    const refusals = [];
    for (const [current, next] of [
      [member.password, "short"],
      [member.password, "seven77"], // one short of the rule's 8 (PRODUCT.md): the rule's edge
      [member.password, "x".repeat(129)],
      [member.password, " ".repeat(8)], // nothing visible (000400)
      [member.password, "\t".repeat(8)],
      [member.password, member.password],
      // the same one typed in full width (an East Asian input method left on), one password since 000497: it was a
      // change, and a password a clinic's reset gave stayed the account's, marked as the holder's own (000499)
      [member.password, fullWidth(member.password)],
      ["", "a new long password"],
      [member.password, null],
      [member.password, 12345678],
    ]) {
      const response = await change(session, current, next);
      refusals.push([response.status, response.body.error]);
    }
    expect(refusals).toEqual([
      [400, { code: "WEAK_PASSWORD", message: "Passwords need at least 8 characters." }],
      [400, { code: "WEAK_PASSWORD", message: "Passwords need at least 8 characters." }],
      [400, { code: "WEAK_PASSWORD", message: "Passwords may have at most 128 characters." }],
      [400, { code: "WEAK_PASSWORD", message: "A password needs more than white space: use letters, digits or signs." }],
      [400, { code: "WEAK_PASSWORD", message: "A password needs more than white space: use letters, digits or signs." }],
      [400, { code: "INVALID_INPUT", message: "The new password is the one you have: choose another." }],
      [400, { code: "INVALID_INPUT", message: "The new password is the one you have: choose another." }],
      [400, { code: "INVALID_INPUT", message: "Give your current password (currentPassword)." }],
      [400, { code: "INVALID_INPUT", message: "Send a JSON body with currentPassword and newPassword." }],
      [400, { code: "INVALID_INPUT", message: "Send a JSON body with currentPassword and newPassword." }],
    ]);
    const anonymous = await change(new Browser(api), member.password, "a new long password");
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, "UNAUTHENTICATED"]);
    expect((await new Browser(api).login(member.phone, member.password)).status).toBe(200);
    expect((await session.graphql(WHO_AM_I)).body.data.currentUser.rowId).toBe(member.userId);
  });

  // A password was checked as the bytes typed: a ë composed (U+00EB, a desk's Windows keyboard) and an e with a combining
  // diaeresis (some phone keyboards, Vietnamese input methods, text copied from a macOS file name), or digits typed in full
  // width (an East Asian input method left on), were other passwords: the member was refused their own, 401, each try
  // counted toward the account's lock. Read in Unicode's NFKC form now (password_as_meant, 000497), as NIST SP 800-63B asks.
  test("a password is one in whatever Unicode form it is typed (an accented letter composed or not, digits in full width); a hash made before of another form takes that form still", async () => {
    const member = await createUser();
    await addMember(clinic.clinicId, member, "receptionist");
    const session = new Browser(api);
    await session.login(member.phone, member.password);
    const composed = "Zo\u00eb's pass 2024";
    const decomposed = "Zoe\u0308's pass 2024";
    expect((await change(session, member.password, composed)).status).toBe(200);
    const answered = [];
    for (const typed of [composed, decomposed, "Zo\u00eb's pass \uff12\uff10\uff12\uff14"]) {
      answered.push([typed, (await new Browser(api).tryLogin(member.phone, typed)).status]);
    }
    // before, the second and third were 401
    expect(answered).toEqual([[composed, 200], [decomposed, 200], ["Zo\u00eb's pass \uff12\uff10\uff12\uff14", 200]]);
    // a hash made before 000497 of a password typed decomposed: that form still logs in
    await rootPool().query(
      "update app_private.user_secret set password_hash = 'sha256$' || crypt(app_private.password_key($2), gen_salt('bf', 4)) where user_id = $1",
      [member.userId, decomposed],
    );
    expect((await new Browser(api).tryLogin(member.phone, decomposed)).status).toBe(200);
    expect((await new Browser(api).tryLogin(member.phone, "Zoe\u0308's pass 2025")).status).toBe(401);

    // a password typed in another form than its NFKC one costs two bcrypts (both forms checked), at an unknown phone as at
    // an account: how long an attempt takes tells no more than before whether the phone has one
    const bcrypts = async (phone: string) => {
      const client = await rootPool().connect();
      try {
        await client.query("begin");
        await client.query("set local track_functions = 'all'");
        const soFar = async () => (await client.query(
          "select coalesce(pg_stat_get_xact_function_calls('public.crypt(text, text)'::regprocedure), 0)::int as n",
        )).rows[0].n as number;
        const before = await soFar();
        await client.query(`set local role ${testConfig.roles.visitor}`);
        await client.query("select app_hidden.login($1, $2, null, $3, 'forms', '1 hour')", [phone, "Zoe\u0308's wrong 1", anyAddress()]);
        await client.query("reset role");
        return (await soFar()) - before;
      } finally {
        await client.query("rollback");
        client.release();
      }
    };
    expect({ unknown: await bcrypts(randomPhone()), account: await bcrypts(member.phone) }).toEqual({ unknown: 2, account: 2 });
  });
});

describe("a clinic switch in flight and what ends sessions take turns", () => {
  const other = { clinicId: "" };
  beforeAll(async () => {
    other.clinicId = (await createClinic("Switch race clinic")).clinicId;
  });
  /** A member of both clinics, with a session in the first (`own`) and a stolen copy of it (`stolen`). */
  async function member() {
    const user = await createUser();
    await addMember(clinic.clinicId, user, "doctor");
    await addMember(other.clinicId, user, "doctor");
    return { ...user, own: await openSession(user.userId, clinic.clinicId), stolen: await openSession(user.userId, clinic.clinicId) };
  }
  /** A statement as a session (or as an operator, outside the API), whose first row's `result` is its answer. */
  interface Step {
    as: string | "operator";
    sql: string;
    params?: unknown[];
  }
  const switchOf = (session: string): Step => ({ as: session, sql: "select app_hidden.switch_clinic($1, null, 'stolen', '1 hour') ->> 'status' as result", params: [other.clinicId] });
  /** What `step` answers on `client`: its first row's `result`, or its error. */
  const answerOf = (client: pg.PoolClient, step: Step) =>
    client.query(step.sql, step.params).then(
      (r) => ({ result: r.rows[0]?.result ?? null }),
      (error: Error) => ({ error: error.message }),
    );
  /**
   * Runs each step in a transaction of its own, in turn: the first to its end, held open; each next one until it
   * waits for a lock. Then ends them in order, each committed (or, when it failed, rolled back) before the next
   * one's answer is read; returns their answers.
   */
  async function inTurn(steps: Step[]): Promise<unknown[]> {
    const clients = await Promise.all(steps.map((step) => (step.as === "operator" ? rootPool() : apiPool()).connect()));
    try {
      const answers: Promise<{ result: unknown } | { error: string }>[] = [];
      for (const [i, step] of steps.entries()) {
        if (step.as === "operator") await clients[i].query("begin");
        else await beginAs(clients[i], step.as);
        await trackBackend(clients[i]);
        answers.push(answerOf(clients[i], step));
        if (i === 0) await answers[i];
        else expect(await waitsForLock(clients[i], answers[i])).toBe(true);
      }
      const answered = [];
      for (const [i, answer] of answers.entries()) {
        const value = await answer;
        await clients[i].query("error" in value ? "rollback" : "commit");
        answered.push(value);
      }
      return answered;
    } finally {
      for (const client of clients) client.release();
    }
  }
  /** What `then` answers, run while `first` is held open (inTurn). */
  const whileHeld = async (first: Step, then: Step) => (await inTurn([first, then]))[1];
  const logoutOf = (session: string): Step => ({ as: session, sql: "select app_hidden.logout() as result" });
  const liveStolen = async (userId: string) =>
    (await rootPool().query("select count(*)::int as n from app_private.session where user_id = $1 and revoked_at is null and user_agent = 'stolen'", [userId])).rows[0].n;
  const ended = { error: "Your session has ended: log in again." };

  test("a password change ends the session a switch opened before it, and a switch after it finds its session ended", async () => {
    const m = await member();
    const change = (as: string, next: string, current: string): Step => ({ as, sql: "select app_hidden.change_password($1, $2, null) ->> 'status' as result", params: [current, next] });
    expect(await whileHeld(switchOf(m.stolen), change(m.own, "a second long password", m.password))).toEqual({ result: "ok" });
    expect(await liveStolen(m.userId)).toBe(0);
    // the change went on under a new session, the account's only live one
    const { rows: live } = await rootPool().query("select id from app_private.session where user_id = $1 and revoked_at is null", [m.userId]);
    expect(live).toEqual([{ id: expect.not.stringMatching(m.own) }]);
    const again = await openSession(m.userId, clinic.clinicId);
    expect(await whileHeld(change(live[0].id, "a third long password", "a second long password"), switchOf(again))).toEqual(ended);
    expect(await liveStolen(m.userId)).toBe(0);
  });

  // the operator's reset holds the account as a password change does (hold_for_new_password, in replace_password):
  // without it, a switch in flight that committed after the reset's revocation kept the session it opened
  test("the operator's reset of the password (npm run password) ends the session a switch opened before it", async () => {
    const m = await member();
    const reset: Step = { as: "operator", sql: "select app_private.reset_password($1, 'the operator chose it') as result", params: [m.phone] };
    expect(await whileHeld(switchOf(m.stolen), reset)).toEqual({ result: 2 });
    expect(await liveStolen(m.userId)).toBe(0);
  });

  test("a logout or another switch of the same session, first, leaves a switch of it nothing to switch: one cookie never becomes two sessions", async () => {
    const m = await member();
    expect(await whileHeld(logoutOf(m.stolen), switchOf(m.stolen))).toEqual(ended);
    expect(await liveStolen(m.userId)).toBe(0);
    expect(await whileHeld(switchOf(m.own), switchOf(m.own))).toEqual(ended);
    expect(await liveStolen(m.userId)).toBe(1);
  });

  test("a deactivation of the account ends the session a switch in flight opens", async () => {
    const m = await member();
    const deactivate: Step = { as: "operator", sql: `update app_public."user" set is_active = false where id = $1`, params: [m.userId] };
    expect(await whileHeld(switchOf(m.stolen), deactivate)).toEqual({ result: null });
    expect(await liveStolen(m.userId)).toBe(0);
  });

  const membershipChange = (m: { userId: string }, set: string): Step => ({
    as: "operator",
    sql: `update app_public.membership set ${set} where clinic_id = $1 and user_id = $2`,
    params: [other.clinicId, m.userId],
  });
  const sessionIn = async (m: { userId: string }) =>
    (await rootPool().query("select role, revoked_at is null as live from app_private.session where user_id = $1 and clinic_id = $2", [m.userId, other.clinicId])).rows;

  test("a member removed or given another role while they switch into the clinic gets no session that outlives the change, in either order", async () => {
    const removedFirst = await member();
    expect(await whileHeld(membershipChange(removedFirst, "is_active = false"), switchOf(removedFirst.stolen))).toEqual({ result: "not_a_member" }); // the route's 403
    expect(await sessionIn(removedFirst)).toEqual([]);
    const switchedFirst = await member();
    expect(await whileHeld(switchOf(switchedFirst.stolen), membershipChange(switchedFirst, "is_active = false"))).toEqual({ result: null });
    expect(await sessionIn(switchedFirst)).toEqual([{ role: "doctor", live: false }]);
    const demoted = await member();
    expect(await whileHeld(membershipChange(demoted, "role = 'receptionist'"), switchOf(demoted.stolen))).toEqual({ result: "ok" });
    expect(await sessionIn(demoted)).toEqual([{ role: "receptionist", live: true }]);
  });

  // a deactivation ends the member's sessions, then writes each one's chain: the removal's chain, which the removal holds
  // while it waits to end the same sessions, unless the deactivation waits for the removal's turn first
  test("a removal waiting for the clinic's audit log, then a switch, a password change or a deactivation of the member, do not deadlock: the removal goes through first", async () => {
    for (const then of ["switch", "change", "deactivation"] as const) {
      const m = await member();
      // any audited write of the clinic, held open: it holds the clinic's audit log, which the removal then waits for
      const auditing: Step = { as: "operator", sql: "insert into app_public.patient (clinic_id, first_name, last_name) values ($1, 'Held', 'Open')", params: [clinic.clinicId] };
      const removal: Step = { as: "operator", sql: "update app_public.membership set is_active = false where clinic_id = $1 and user_id = $2", params: [clinic.clinicId, m.userId] };
      const step = {
        switch: switchOf(m.own),
        change: { as: m.own, sql: "select app_hidden.change_password($1, 'a second long password', null) ->> 'status' as result", params: [m.password] },
        deactivation: { as: "operator", sql: `update app_public."user" set is_active = false where id = $1`, params: [m.userId] },
      }[then];
      // the removal goes through, and ends the session the member asked from (the deactivation, none left of the clinic)
      expect({ then, answers: (await inTurn([auditing, removal, step])).slice(1) }).toEqual({ then, answers: [{ result: null }, then === "deactivation" ? { result: null } : ended] });
    }
  });

  test("a deactivation waiting for the platform's audit log, then a logout of the account, do not deadlock: the deactivation goes through first", async () => {
    const [m, bystander] = [await member(), await createUser()];
    const [noClinic, bystanderSession] = [await openSession(m.userId, null), await openSession(bystander.userId, null)];
    // another account's logout without a clinic, held open: it holds the platform's audit log, which the deactivation then waits for
    const deactivation: Step = { as: "operator", sql: `update app_public."user" set is_active = false where id = $1`, params: [m.userId] };
    // the deactivation goes through, and ends the session first: the logout has none left to end
    expect(await inTurn([logoutOf(bystanderSession), deactivation, logoutOf(noClinic)])).toEqual([{ result: true }, { result: null }, { result: false }]);
  });

  // one statement deactivating two accounts wrote the first one's chains before taking the second one's sessions' turn:
  // a removal of the second, holding that turn while it waits for the clinic's chain, and the deactivation, holding that
  // chain while it waits for the turn, each waited for the other. The clinic's chain head is held (locked, not written,
  // so its waiters take it in the order they came) until both wait for it; the removal of each account in turn, since the
  // deactivation reaches the accounts in an order of its own.
  test("a deactivation of two accounts at once and a removal of either from a clinic of both do not deadlock: the deactivation goes through first", async () => {
    for (const removed of [0, 1]) {
      const both = [await member(), await member()];
      const head: Step = { as: "operator", sql: "select null as result from app_private.audit_chain_head where chain_id = $1 for update", params: [clinic.clinicId] };
      const deactivation: Step = { as: "operator", sql: `update app_public."user" set is_active = false where id = any ($1)`, params: [both.map((m) => m.userId)] };
      const removal: Step = { as: "operator", sql: "update app_public.membership set is_active = false where clinic_id = $1 and user_id = $2", params: [clinic.clinicId, both[removed].userId] };
      expect({ removed, answers: await inTurn([head, deactivation, removal]) }).toEqual({ removed, answers: [{ result: null }, { result: null }, { result: null }] });
      // each account's sessions of the clinic ended by the deactivation, in the clinic's chain, which verifies
      for (const m of both) {
        expect(await entriesIn(clinic.clinicId, m.userId)).toEqual([
          { action: "update", detail: null }, // the deactivation, in the chain of each clinic of the account
          { action: "sessions_ended", detail: { endedSessions: [m.own, m.stolen].sort(), endedBy: "deactivation" } },
        ]);
      }
      expect(await verified([clinic.clinicId, null])).toEqual([true, true]);
    }
  });

  const loginOf = (m: { own: string; phone: string; password: string }): Step => ({
    as: m.own,
    sql: "select app_hidden.login($1, $2, null, null, 'login', '1 hour') ->> 'status' as result",
    params: [m.phone, m.password],
  });

  test("a login of the same account waits for a switch in flight, and is not refused as an attempt in flight", async () => {
    const m = await member();
    expect(await whileHeld(switchOf(m.stolen), loginOf(m))).toEqual({ result: "ok" });
  });

  test("a login and a switch of the same account at once leave it 10 live sessions: the login counts the session the switch opened", async () => {
    const m = await member();
    const more = [];
    for (let i = 0; i < 8; i++) more.push(await openSession(m.userId, clinic.clinicId));
    // the oldest of 10 switches, held open; the login, from outside the account, waits for it
    const login: Step = { as: "operator", sql: "select app_hidden.login($1, $2, null, null, 'login', '1 hour') ->> 'status' as result", params: [m.phone, m.password] };
    expect(await whileHeld(switchOf(m.own), login)).toEqual({ result: "ok" });
    const { rows } = await rootPool().query("select id from app_private.session where user_id = $1 and revoked_at is null and expires_at > now()", [m.userId]);
    expect(rows).toHaveLength(10);
    // the session the switch ended, and the oldest after it, which the login ended
    expect(rows.map((r) => r.id)).not.toContain(m.stolen);
    expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining(more));
  });

  test("a login in flight during a deactivation of the account opens no session", async () => {
    const m = await member();
    const deactivate: Step = { as: "operator", sql: `update app_public."user" set is_active = false where id = $1`, params: [m.userId] };
    expect(await whileHeld(deactivate, loginOf(m))).toEqual({ result: "invalid" });
    const { rows } = await rootPool().query("select count(*)::int as n from app_private.session where user_id = $1 and revoked_at is null", [m.userId]);
    expect(rows[0].n).toBe(0);
  });

  test("a password change asked from a session that a switch of it ended meanwhile is told its session ended, and changes nothing", async () => {
    const m = await member();
    const change: Step = { as: m.stolen, sql: "select app_hidden.change_password($1, 'a second long password', null) ->> 'status' as result", params: [m.password] };
    expect(await whileHeld(switchOf(m.stolen), change)).toEqual(ended);
    expect(await liveStolen(m.userId)).toBe(1); // the switch's new session
    // the password is as it was
    const { rows } = await rootPool().query("select app_hidden.login($1, $2, null, null, 'check', '1 hour') ->> 'status' as status", [m.phone, m.password]);
    expect(rows[0].status).toBe("ok");
  });
});

/** A member of `clinics`, with a session in each of `places` (a clinic, or null for none), oldest first, made directly (no cap). */
async function withSessions(clinics: string[], places: (string | null)[]) {
  const member = await createUser();
  for (const clinicId of clinics) await addMember(clinicId, member, "doctor");
  const sessions: string[] = [];
  for (const place of places) sessions.push(await openSession(member.userId, place));
  return { ...member, sessions };
}
/** The account's entries in a chain (the platform's, for null), but its making. */
const entriesIn = async (clinicId: string | null, userId: string) =>
  (await rootPool().query(
    "select action, detail from app_public.audit_log where clinic_id is not distinct from $1 and record_id = $2 and action <> 'insert' order by seq",
    [clinicId, userId],
  )).rows;
/** Whether each chain (the platform's, for null) verifies. */
const verified = async (chains: (string | null)[]) =>
  Promise.all(chains.map(async (chain) => (await rootPool().query("select is_valid from app_private.audit_chain_status_of($1)", [chain])).rows[0].is_valid));
/** A login into `clinicId` under way (underWay): its answer's status. */
const loggingIn = (member: TestUser, clinicId: string) =>
  underWay("select app_hidden.login($1, $2, $3, null, 'cap', '1 hour') ->> 'status' as result", [member.phone, member.password, clinicId]);
/** What a switch of `session` to `clinicId` answers, committed. */
const switched = (session: string, clinicId: string) =>
  committedAs(session, async (client) => (await client.query("select app_hidden.switch_clinic($1, null, 'switch', '1 hour') as answer", [clinicId])).rows[0].answer);

describe("an account keeps at most 10 live sessions", () => {
  const liveSessions = async (userId: string) =>
    (await rootPool().query("select count(*)::int as n from app_private.session where user_id = $1 and revoked_at is null and expires_at > now()", [userId])).rows[0].n;
  const whoIs = async (browser: Browser) => {
    const { body } = await browser.graphql(WHO_AM_I);
    return body.data?.currentUser?.rowId ?? body.errors?.[0]?.message;
  };

  test("an 11th login ends the oldest: its cookie is told to log in again, the 10 newest go on, another account's are untouched; the login's entry names it", async () => {
    const [member, bystander] = [await createUser(), await createUser()];
    await addMember(clinic.clinicId, member, "doctor");
    await addMember(clinic.clinicId, bystander, "doctor");
    const bystanders = [new Browser(api), new Browser(api)];
    for (const browser of bystanders) await browser.login(bystander.phone, bystander.password);
    const browsers = Array.from({ length: 11 }, () => new Browser(api));
    for (const browser of browsers) await browser.login(member.phone, member.password);
    expect(await whoIs(browsers[0])).toBe("Your session has ended: log in again.");
    for (const browser of browsers.slice(1)) expect(await whoIs(browser)).toBe(member.userId);
    for (const browser of bystanders) expect(await whoIs(browser)).toBe(bystander.userId);
    expect(await liveSessions(member.userId)).toBe(10);
    const { rows } = await rootPool().query(
      "select detail -> 'endedSessions' as ended from app_public.audit_log where action = 'login' and record_id = $1 order by seq",
      [member.userId],
    );
    expect(rows.map((r) => r.ended)).toEqual([...Array(10).fill(null), [browsers[0].sessionId]]);
  });

  // a login over one's own live session opened its session first and ended the replaced one after, as a logout: at the
  // cap, the opening counted the replaced session among the 10 and ended the oldest, another device's, for nothing
  test("a login over one's own live session at the cap ends that session alone, as a switch ends its own: the 9 others go on; the login's entry names it; a failed login leaves it", async () => {
    const member = await createUser();
    await addMember(clinic.clinicId, member, "doctor");
    const browsers = Array.from({ length: 10 }, () => new Browser(api));
    for (const browser of browsers) await browser.login(member.phone, member.password);
    const replaced = browsers[5].sessionId;
    // one that fails (a clinic not the person's) leaves it as it was: its ending undone with the opening
    expect((await browsers[5].tryLogin(member.phone, member.password, randomUUID())).status).toBe(403);
    expect((await rootPool().query("select from app_private.session where id = $1 and revoked_at is null", [replaced])).rowCount).toBe(1);
    await browsers[5].login(member.phone, member.password);
    for (const browser of browsers) expect(await whoIs(browser)).toBe(member.userId);
    expect(await liveSessions(member.userId)).toBe(10);
    expect((await rootPool().query("select from app_private.session where id = $1 and revoked_at is not null", [replaced])).rowCount).toBe(1);
    const { rows } = await rootPool().query(
      "select action, detail -> 'endedSessions' as ended from app_public.audit_log where action in ('login', 'logout') and record_id = $1 order by seq",
      [member.userId],
    );
    expect(rows).toEqual([...Array(10).fill({ action: "login", ended: null }), { action: "login", ended: [replaced] }]);
  });

  test("an 11th login in one clinic ends sessions of others: each chain records its own, none another's ids, and all verify", async () => {
    const other = await createClinic();
    // the oldest of each chain's first: the login ends the three oldest, one of each chain
    const member = await withSessions([clinic.clinicId, other.clinicId], [null, other.clinicId, clinic.clinicId, ...Array.from({ length: 9 }, (_, i) => (i % 2 ? clinic.clinicId : other.clinicId))]);
    const oldest = { platform: member.sessions[0], other: member.sessions[1], here: member.sessions[2] };
    const { rows: [login] } = await rootPool().query("select app_hidden.login($1, $2, $3, null, 'cap', '1 hour') as answer", [member.phone, member.password, clinic.clinicId]);
    expect(login.answer.status).toBe("ok");
    expect(await liveSessions(member.userId)).toBe(10);
    expect(await entriesIn(clinic.clinicId, member.userId)).toEqual([
      { action: "login", detail: { ip: null, sessionId: login.answer.sessionId, endedSessions: [oldest.here], deviceCookie: false } },
    ]);
    expect(await entriesIn(other.clinicId, member.userId)).toEqual([{ action: "sessions_ended", detail: { endedSessions: [oldest.other], endedBy: "login" } }]);
    expect(await entriesIn(null, member.userId)).toEqual([{ action: "sessions_ended", detail: { endedSessions: [oldest.platform], endedBy: "login" } }]);
    const entries = [...(await entriesIn(clinic.clinicId, member.userId)), ...(await entriesIn(other.clinicId, member.userId)), ...(await entriesIn(null, member.userId))];
    expect(await detailKeysUnnamed(entries)).toEqual([]); // the column's comment tells what they are
    expect(await verified([clinic.clinicId, other.clinicId, null])).toEqual([true, true, true]);
  });

  test("a switch at the cap ends sessions of other clinics as a login does: their chains record them, the switch's entry names those of the clinic entered alone", async () => {
    const other = await createClinic();
    // the two oldest, one of each clinic, then 9 more and the session that switches (in no clinic, as a login without one
    // leaves it): the switch ends it, and the cap the rest but the newest 9, which the session it opens joins
    const member = await withSessions([clinic.clinicId, other.clinicId], [other.clinicId, clinic.clinicId, ...Array(9).fill(clinic.clinicId), null]);
    const [oldestThere, oldestHere, switching] = [member.sessions[0], member.sessions[1], member.sessions[11]];
    const answer = await switched(switching, clinic.clinicId);
    expect(answer.status).toBe("ok");
    expect(await liveSessions(member.userId)).toBe(10);
    expect(await entriesIn(clinic.clinicId, member.userId)).toEqual([
      { action: "switch_clinic", detail: { ip: null, sessionId: answer.sessionId, endedSessions: [oldestHere] } },
    ]);
    expect(await entriesIn(other.clinicId, member.userId)).toEqual([{ action: "sessions_ended", detail: { endedSessions: [oldestThere], endedBy: "switch_clinic" } }]);
    expect(await verified([clinic.clinicId, other.clinicId])).toEqual([true, true]);
  });

  // a login writes the chain of its clinic and that of each clinic whose sessions it ended: two at once that took them in
  // opposite orders (each its own clinic's first, say) could each hold the head the other waited for
  test("two logins at once, each ending a session of the other's clinic, take the chains' heads in one order: both go through, and each chain verifies", async () => {
    const [here, there] = [clinic.clinicId, (await createClinic()).clinicId];
    // The head a login takes first is held by a third transaction, and both logins queue on it, the first in front (held
    // locked, not written: a locked row's waiters take it in the order they came, where those of a row written race for
    // its new version). Taken in one order, the second waits behind the first; in opposite orders, the second takes its
    // first head meanwhile, and once the third lets go, each holds the head the other waits for (PostgreSQL's "deadlock
    // detected"). Either head in turn, whichever order a login took them in.
    for (const held of [here, there]) {
      // the oldest session of one account there, of the other here: logging in here, the first ends its session there
      const [first, second] = [await withSessions([here, there], [there, ...Array(9).fill(here)]), await withSessions([here, there], [here, ...Array(9).fill(there)])];
      const statuses = await whileHolding("select from app_private.audit_chain_head where chain_id = $1 for update", [held], async (head) => {
        const logins = [];
        for (const [member, clinicId] of [[first, here], [second, there]] as const) {
          const login = await loggingIn(member, clinicId);
          expect(await waitsForLock(login.client, login.result)).toBe(true);
          logins.push(login.result);
        }
        await head.release();
        return Promise.all(logins);
      });
      expect(statuses).toEqual(["ok", "ok"]);
      expect(await entriesIn(there, first.userId)).toEqual([{ action: "sessions_ended", detail: { endedSessions: [first.sessions[0]], endedBy: "login" } }]);
      expect(await entriesIn(here, second.userId)).toEqual([{ action: "sessions_ended", detail: { endedSessions: [second.sessions[0]], endedBy: "login" } }]);
    }
    expect(await verified([here, there])).toEqual([true, true]);
  });

  test("logins at once leave 10 live sessions, each cookie beyond them told to log in again", async () => {
    const member = await createUser();
    await addMember(clinic.clinicId, member, "receptionist");
    const browsers = Array.from({ length: 13 }, () => new Browser(api));
    // each tried until it opens its session (one told RETRY while another of the account is in flight)
    await Promise.all(
      browsers.map(async (browser) => {
        while ((await browser.tryLogin(member.phone, member.password)).status === 503) await new Promise((resolve) => setTimeout(resolve, 20));
      }),
    );
    const answers = await Promise.all(browsers.map(whoIs));
    expect(answers.filter((answer) => answer === member.userId)).toHaveLength(10);
    expect(answers.filter((answer) => answer === "Your session has ended: log in again.")).toHaveLength(3);
    expect(await liveSessions(member.userId)).toBe(10);
  });

  // sessions ended are kept a day: an account logged into again and again made each login's cap read every one
  // of them (a third of a second a login at 300,000, holding the account's locks)
  test("a login's cap reads the account's live sessions off their index, not the thousands it ended that day", async () => {
    const member = await createUser();
    await addMember(clinic.clinicId, member, "doctor");
    await rootPool().query(
      `insert into app_private.session (user_id, is_platform_admin, expires_at, revoked_at, created_at)
       select $1, false, now() + interval '1 hour', now() - interval '1 minute' * g, now() - interval '1 minute' * g - interval '1 second'
       from generate_series(1, 3000) g`,
      [member.userId],
    );
    await rootPool().query("analyze app_private.session");
    const plans: string[] = [];
    const client = await rootPool().connect();
    try {
      for (const setting of EXPLAINED_GENERIC) await client.query(setting);
      client.on("notice", (notice) => plans.push(notice.message ?? ""));
      const { rows } = await client.query("select app_hidden.login($1, $2, null, null, 'cap', '1 hour') ->> 'status' as status", [member.phone, member.password]);
      expect(rows).toEqual([{ status: "ok" }]);
    } finally {
      client.release(true); // auto_explain loaded: not back to the pool
    }
    const cap = plans.find((plan) => plan.includes("offset c_live_sessions - 1")) ?? "";
    // an index scan, or a bitmap of the index (PostgreSQL's choice by the table's statistics at the time)
    expect(cap).toMatch(/(Index Scan using session_user_live_idx on session o|Bitmap Index Scan on session_user_live_idx)[^\n]*\n\s+Index Cond: \(user_id = \$1\)/);
    expect(cap).not.toMatch(/Seq Scan on session/);
  });
});

// a password change, a reset or a deactivation ended the account's sessions in every clinic and wrote one entry in one chain,
// counting them all: the other clinics' chains (and the platform's) never recorded that their sessions had ended
describe("each chain whose sessions a password change, a reset or a deactivation ended records them", () => {
  /** A member of two clinics, with a session in each and one in none, and another in the first to act from. */
  async function ofTwoClinics() {
    const [here, there] = [clinic.clinicId, (await createClinic()).clinicId];
    const member = await withSessions([here, there], [here, there, null, here]);
    return { here, there, member, ended: { here: member.sessions[0], there: member.sessions[1], platform: member.sessions[2] }, asking: member.sessions[3] };
  }
  /** The session a password change asked from `asking` opened in its place: its clinic and role, ending when `asking` would have. */
  const openedInPlaceOf = async (asking: string) => {
    const { rows } = await rootPool().query(
      `select n.id, to_jsonb(n.expires_at) #>> '{}' as "expiresAt" from app_private.session o join app_private.session n
         on n.user_id = o.user_id and n.clinic_id is not distinct from o.clinic_id and n.role is not distinct from o.role and n.expires_at = o.expires_at and n.id <> o.id
       where o.id = $1 and o.revoked_at is not null and n.revoked_at is null`,
      [asking],
    );
    expect(rows).toHaveLength(1);
    return rows[0] as { id: string; expiresAt: string };
  };
  /** The actors of the account's entries in these chains (the platform's, for null), but its making. */
  const actorsIn = async (chains: (string | null)[], userId: string) =>
    (await rootPool().query(
      "select distinct actor_user_id from app_public.audit_log where (clinic_id = any ($1) or ($2 and clinic_id is null)) and record_id = $3 and action <> 'insert'",
      [chains.filter((chain) => chain !== null), chains.includes(null), userId],
    )).rows.map((r) => r.actor_user_id);

  test("a password change: its entry, in the chain of the session that asked, counts that chain's sessions it ended; each other chain names its own, and all verify", async () => {
    const { here, there, member, ended, asking } = await ofTwoClinics();
    const answer = await committedAs(asking, async (client) =>
      (await client.query("select app_hidden.change_password($1, 'a new long password', null) as answer", [member.password])).rows[0].answer);
    const newSession = await openedInPlaceOf(asking);
    expect(answer).toEqual({ status: "ok", sessionsEnded: 3, sessionId: newSession.id, expiresAt: newSession.expiresAt, clinicId: here, role: "doctor", deviceSecret: null }); // the person is told of all of theirs
    expect(await entriesIn(here, member.userId)).toEqual([
      { action: "update", detail: { passwordChanged: true, ip: null, sessionId: asking, newSessionId: newSession.id, sessionsEnded: 1 } },
    ]);
    // the other clinic of the person: the change itself (not where from), naming its session it ended
    expect(await entriesIn(there, member.userId)).toEqual([{ action: "update", detail: { passwordChanged: true, endedSessions: [ended.there] } }]);
    expect(await entriesIn(null, member.userId)).toEqual([{ action: "sessions_ended", detail: { endedSessions: [ended.platform], endedBy: "password_change" } }]);
    expect(await actorsIn([here, there, null], member.userId)).toEqual([member.userId]);
    const entries = [...(await entriesIn(here, member.userId)), ...(await entriesIn(there, member.userId)), ...(await entriesIn(null, member.userId))];
    expect(await detailKeysUnnamed(entries)).toEqual([]);
    expect(await verified([here, there, null])).toEqual([true, true, true]);
  });

  test("the operator's resets (npm run password, npm run superuser): the entry in the platform's chain counts its sessions in none; each clinic's chain names its own, by no one", async () => {
    for (const [by, reset] of [
      ["npm run password", "select app_private.reset_password($1, 'the operator chose it')"],
      ["npm run superuser", "select app_private.create_platform_admin($1, 'Made an admin', 'the operator chose it')"],
    ]) {
      const { here, there, member, ended, asking } = await ofTwoClinics();
      await rootPool().query(reset, [member.phone]);
      expect({ by, platform: await entriesIn(null, member.userId) }).toEqual({ by, platform: [
        { action: "update", detail: { passwordChanged: true, by, unlocked: false, sessionsEnded: 1 } },
        ...(by === "npm run superuser" ? [{ action: "update", detail: { by } }] : []), // made an admin, its sessions ended already
      ] });
      // made an admin: the change of the account, in each of its clinics' chains too, saying what made it (000392)
      const madeAdmin = by === "npm run superuser" ? [{ action: "update", detail: { by } }] : [];
      // each clinic of the person: the reset itself, by what, naming its sessions it ended
      expect({ by, here: await entriesIn(here, member.userId) }).toEqual({ by, here: [
        { action: "update", detail: { passwordChanged: true, by, unlocked: false, endedSessions: [ended.here, asking].sort() } },
        ...madeAdmin,
      ] });
      expect({ by, there: await entriesIn(there, member.userId) }).toEqual({ by, there: [
        { action: "update", detail: { passwordChanged: true, by, unlocked: false, endedSessions: [ended.there] } },
        ...madeAdmin,
      ] });
      expect({ by, actors: await actorsIn([here, there, null], member.userId) }).toEqual({ by, actors: [null] });
      expect({ by, verified: await verified([here, there, null]) }).toEqual({ by, verified: [true, true, true] });
    }
  });

  // a clinic resets only an account that is its alone (member_elsewhere): its sessions are of the clinic, or of none
  test("a clinic's reset: its entry counts the clinic's sessions it ended; those in no clinic are in the platform's chain, by the owner or admin", async () => {
    const member = await addMember(clinic.clinicId, await createUser(), "receptionist");
    await openSession(member.userId, clinic.clinicId);
    const inNone = await openSession(member.userId, null);
    const answer = await committedAs(await openSession(clinic.members.owner.userId, clinic.clinicId), async (client) =>
      (await client.query("select app_public.reset_member_password($1, 'the clinic chose it') as answer", [member.membershipId])).rows[0].answer);
    expect(answer).toBe(2);
    expect(await entriesIn(clinic.clinicId, member.userId)).toEqual([
      { action: "update", detail: { passwordChanged: true, by: "resetMemberPassword", membershipId: member.membershipId, unlocked: false, sessionsEnded: 1 } },
    ]);
    expect(await entriesIn(null, member.userId)).toEqual([{ action: "sessions_ended", detail: { endedSessions: [inNone], endedBy: "password_reset" } }]);
    expect(await actorsIn([clinic.clinicId, null], member.userId)).toEqual([clinic.members.owner.userId]);
    expect(await verified([clinic.clinicId, null])).toEqual([true, true]);
  });

  // a session past its expiry but not yet swept had ended then: a password change (a reset, a deactivation) counted it
  // among those it ended, told the person so, and wrote it into its chain's sessions_ended as ended by the change
  test("a session already expired, not yet swept, is left to the sweep: a password change, a reset, a deactivation and a membership's new role or suspension neither end it, count it nor name it", async () => {
    const { here, there, member, ended, asking } = await ofTwoClinics();
    const expired = await openSession(member.userId, there);
    // kept from the sweep another file may run meanwhile (which deletes an expired session, but none another transaction
    // holds), by a lock none of the changes below takes on a session, then expired
    await whileHolding("select from app_private.session where id = $1 for key share", [expired], async () => {
      await rootPool().query("update app_private.session set expires_at = now() - interval '1 second' where id = $1", [expired]);
      const answer = await committedAs(asking, async (client) =>
        (await client.query("select app_hidden.change_password($1, 'a new long password', null) as answer", [member.password])).rows[0].answer);
      const newSession = await openedInPlaceOf(asking);
      expect(answer).toEqual({ status: "ok", sessionsEnded: 3, sessionId: newSession.id, expiresAt: newSession.expiresAt, clinicId: here, role: "doctor", deviceSecret: null });
      const changed = { action: "update", detail: { passwordChanged: true, endedSessions: [ended.there] } };
      expect(await entriesIn(there, member.userId)).toEqual([changed]);
      expect((await rootPool().query("select app_private.reset_password($1, 'the operator chose it') as n", [member.phone])).rows[0].n).toBe(1); // the one opened in asking's place
      await rootPool().query('update app_public."user" set is_active = false where id = $1', [member.userId]);
      const deactivated = { action: "update", detail: null }; // the account's change, ending no session
      const reset = { action: "update", detail: { passwordChanged: true, by: "npm run password", unlocked: false } };
      expect(await entriesIn(there, member.userId)).toEqual([changed, reset, deactivated]);
      expect(await entriesIn(here, member.userId)).toEqual([
        { action: "update", detail: { passwordChanged: true, ip: null, sessionId: asking, newSessionId: newSession.id, sessionsEnded: 1 } },
        { ...reset, detail: { ...reset.detail, endedSessions: [newSession.id] } },
        deactivated,
      ]);
      // the membership's changes, which end (or change) the clinic's live sessions, left it too (before, the suspension ended it)
      for (const set of ["role = 'receptionist'", "is_active = false"]) {
        await rootPool().query(`update app_public.membership set ${set} where clinic_id = $1 and user_id = $2`, [there, member.userId]);
      }
      const { rows } = await rootPool().query("select role, revoked_at from app_private.session where id = $1", [expired]);
      expect(rows).toEqual([{ role: "doctor", revoked_at: null }]); // as it expired: the sweep deletes it
    });
  });

  test("a deactivation of the account (or a change of its platform rights): the platform's chain and each clinic's have the change, and each chain its sessions_ended", async () => {
    for (const [endedBy, set] of [["deactivation", "is_active = false"], ["platform_admin_change", "is_platform_admin = true"]]) {
      const { here, there, member, ended, asking } = await ofTwoClinics();
      await rootPool().query(`update app_public."user" set ${set} where id = $1`, [member.userId]);
      expect({ endedBy, platform: await entriesIn(null, member.userId) }).toEqual({ endedBy, platform: [
        { action: "update", detail: null }, // the change of the user's row, by the operator
        { action: "sessions_ended", detail: { endedSessions: [ended.platform], endedBy } },
      ] });
      // each clinic of the account lists it: the change is in its chain too (before, in the platform's alone)
      expect({ endedBy, here: await entriesIn(here, member.userId) }).toEqual({ endedBy, here: [
        { action: "update", detail: null },
        { action: "sessions_ended", detail: { endedSessions: [ended.here, asking].sort(), endedBy } },
      ] });
      expect({ endedBy, there: await entriesIn(there, member.userId) }).toEqual({ endedBy, there: [
        { action: "update", detail: null },
        { action: "sessions_ended", detail: { endedSessions: [ended.there], endedBy } },
      ] });
      expect({ endedBy, verified: await verified([here, there, null]) }).toEqual({ endedBy, verified: [true, true, true] });
    }
  });

  // a password change writes the chain of the session that asked and that of each clinic whose sessions it ended, as a
  // login does: taken in another order (its own chain's first, or last), it and a login could each hold the head the other
  // waits for. The head taken first is held by a third transaction, as for the two logins at once above; each head in
  // turn, and each way between the two clinics, so that whichever of their ids is the lower, a wrong order deadlocks.
  test("a password change and a login at once, each ending a session of the other's clinic, take the chains' heads in one order: both go through, and each chain verifies", async () => {
    const [first, second] = [clinic.clinicId, (await createClinic()).clinicId];
    for (const [asked, ended] of [[first, second], [second, first]]) {
      for (const held of [asked, ended]) {
        // the change, asked from one clinic, ends its session in the other; the login, into that other, ends its oldest in the first
        const [changer, loggingOn] = [await withSessions([first, second], [ended, asked]), await withSessions([first, second], [asked, ...Array(9).fill(ended)])];
        const answers = await whileHolding("select from app_private.audit_chain_head where chain_id = $1 for update", [held], async (head) => {
          const change = await underWay("select app_hidden.change_password($1, 'a new long password', null) ->> 'status' as result", [changer.password], changer.sessions[1]);
          expect(await waitsForLock(change.client, change.result)).toBe(true);
          const login = await loggingIn(loggingOn, ended);
          expect(await waitsForLock(login.client, login.result)).toBe(true);
          await head.release();
          return Promise.all([change.result, login.result]);
        });
        expect({ asked, held, answers }).toEqual({ asked, held, answers: ["ok", "ok"] });
        expect(await entriesIn(ended, changer.userId)).toEqual([{ action: "update", detail: { passwordChanged: true, endedSessions: [changer.sessions[0]] } }]);
        expect(await entriesIn(asked, loggingOn.userId)).toEqual([{ action: "sessions_ended", detail: { endedSessions: [loggingOn.sessions[0]], endedBy: "login" } }]);
      }
    }
    expect(await verified([first, second])).toEqual([true, true]);
  });

  // one statement deactivating two accounts wrote their chains account by account: the first one's clinic's before the
  // second one's, whichever id is the lower, and a login taking them in the order of their ids could hold the head it
  // waited for. The head taken first is held, as above; each head in turn, and each account in it, since the statement
  // reaches the accounts in an order of its own.
  test("a deactivation of two accounts and a login at once, each ending sessions of both clinics, take the chains' heads in one order: both go through", async () => {
    const [here, there] = [clinic.clinicId, (await createClinic()).clinicId];
    for (const held of [here, there]) {
      const other = held === here ? there : here;
      for (const inHeld of [0, 1]) {
        // one account's session in the held chain, the other's in the other; the login, into the other, ends its oldest in the held one
        const accounts = [await withSessions([here, there], [inHeld === 0 ? held : other]), await withSessions([here, there], [inHeld === 1 ? held : other])];
        const loggingOn = await withSessions([here, there], [held, ...Array(9).fill(other)]);
        const answers = await whileHolding("select from app_private.audit_chain_head where chain_id = $1 for update", [held], async (head) => {
          const deactivation = await underWay(`update app_public."user" set is_active = false where id = any ($1) returning null as result`, [accounts.map((a) => a.userId)]);
          expect(await waitsForLock(deactivation.client, deactivation.result)).toBe(true);
          const login = await loggingIn(loggingOn, other);
          expect(await waitsForLock(login.client, login.result)).toBe(true);
          await head.release();
          return Promise.all([deactivation.result, login.result]);
        });
        expect({ held, inHeld, answers }).toEqual({ held, inHeld, answers: [null, "ok"] });
        for (const [i, account] of accounts.entries()) {
          expect(await entriesIn(i === inHeld ? held : other, account.userId)).toEqual([
            { action: "update", detail: null },
            { action: "sessions_ended", detail: { endedSessions: account.sessions, endedBy: "deactivation" } },
          ]);
        }
      }
    }
    expect(await verified([here, there, null])).toEqual([true, true, true]);
  });

  // an operator's statement of a person's memberships in two clinics wrote each row's entry as it reached the row, the
  // higher id's chain first, and another person's login or password change, ending sessions of both clinics, takes them in
  // the order of their ids: each held a head the other waited for ("deadlock detected"; the person's own took turns with
  // it). The head the statement reaches first is held, as above; an insert (its rows in the order given) and an update (in
  // the table's order, the higher id's first: a person whose rows the table gives the other way is made again).
  test("a statement of a person's memberships in two clinics and another person's login or password change at once, each writing both chains, take the chains' heads in one order: both go through", async () => {
    const [lo, hi] = [clinic.clinicId, (await createClinic()).clinicId].sort();
    const memberOfBoth = async () => {
      for (let attempt = 1; ; attempt++) {
        if (attempt > 5) throw new Error("the table gave a person's memberships in the order of their clinics' ids five times running");
        const person = await createUser();
        await rootPool().query("insert into app_public.membership (clinic_id, user_id, role) values ($1, $3, 'doctor'), ($2, $3, 'doctor')", [hi, lo, person.userId]);
        const { rows } = await rootPool().query("select clinic_id from app_public.membership where user_id = $1", [person.userId]);
        if (rows[0].clinic_id === hi) return person;
      }
    };
    for (const kind of ["insert", "update"] as const) {
      for (const act of ["login", "change"] as const) {
        const statement =
          kind === "insert"
            ? { sql: "insert into app_public.membership (clinic_id, user_id, role) values ($1, $3, 'doctor'), ($2, $3, 'doctor') returning null as result", params: [hi, lo, (await createUser()).userId] }
            : { sql: "update app_public.membership set is_active = false where user_id = $1 returning null as result", params: [(await memberOfBoth()).userId] };
        // the other person's session in the lower id's clinic the oldest, ended by a login into the higher's (the cap) or a change asked there
        const other = await withSessions([lo, hi], [lo, ...Array(act === "login" ? 9 : 1).fill(hi)]);
        const answers = await whileHolding("select from app_private.audit_chain_head where chain_id = $1 for update", [hi], async (head) => {
          const statementUnderWay = await underWay(statement.sql, statement.params);
          expect(await waitsForLock(statementUnderWay.client, statementUnderWay.result)).toBe(true);
          const otherUnderWay = act === "login"
            ? await loggingIn(other, hi)
            : await underWay("select app_hidden.change_password($1, 'a new long password', null) ->> 'status' as result", [other.password], other.sessions[1]);
          expect(await waitsForLock(otherUnderWay.client, otherUnderWay.result)).toBe(true);
          await head.release();
          return Promise.all([statementUnderWay.result, otherUnderWay.result]);
        });
        expect({ kind, act, answers }).toEqual({ kind, act, answers: [null, "ok"] });
        expect(await entriesIn(lo, other.userId)).toEqual([act === "login"
          ? { action: "sessions_ended", detail: { endedSessions: [other.sessions[0]], endedBy: "login" } }
          : { action: "update", detail: { passwordChanged: true, endedSessions: [other.sessions[0]] } }]);
      }
    }
    expect(await verified([lo, hi])).toEqual([true, true]);
  });
});

test("a successful login is audited in the clinic's chain", async () => {
  const { admin } = clinic.members;
  await new Browser(api).login(admin.phone, admin.password);
  const { rows } = await rootPool().query(
    "select clinic_id from app_public.audit_log where action = 'login' and actor_user_id = $1 order by id desc limit 1",
    [admin.userId],
  );
  expect(rows[0].clinic_id).toBe(clinic.clinicId);
});

describe("tokens that must be refused", () => {
  /** Signs the session claims of a real login anew, with the given expiry and secret. */
  const forge = (claims: Record<string, unknown>, exp: number, secret = TEST_JWT_SECRET, { issuer = "clinicops", audience = "clinicops" } = {}) => {
    const { session_id, user_id, clinic_id, role } = claims;
    return jwt.sign({ session_id, user_id, clinic_id, role, exp }, secret, { algorithm: "HS256", issuer, audience });
  };
  const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

  async function claimsOfFreshLogin() {
    const browser = new Browser(api);
    await browser.login(clinic.members.owner.phone, clinic.members.owner.password);
    const token = decodeURIComponent(browser.cookie!.split("=")[1]);
    return { browser, token, claims: jwt.decode(token) as Record<string, unknown> };
  }

  const withToken = (token: string) => {
    const browser = new Browser(api);
    browser.cookie = `clinicops_session=${encodeURIComponent(token)}`;
    return browser;
  };

  test("a tampered token", async () => {
    const { token } = await claimsOfFreshLogin();
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: "owner", clinic_id: "00000000-0000-4000-8000-000000000000" })).toString("base64url")}.${signature}`;
    const response = await withToken(tampered).graphql(WHO_AM_I);
    expect(response.status).toBe(401);
    // in GraphQL's shape, as a GraphQL client reads every refusal
    expect(response.body).toEqual({ errors: [{ message: "Your session is not valid; log in again.", extensions: { code: "UNAUTHENTICATED" } }] });
    // and the REST routes' own
    const logout = await withToken(tampered).post("/auth/logout", {});
    expect({ status: logout.status, body: logout.body }).toEqual({
      status: 401,
      body: { error: { code: "UNAUTHENTICATED", message: "Your session is not valid; log in again." } },
    });
  });

  test("a cookie that is not even percent-encoded text is refused like any other, not an internal fault", async () => {
    const browser = new Browser(api);
    browser.cookie = "clinicops_session=%E0%A4%A"; // decodeURIComponent threw: 500 INTERNAL, an error logged per request
    const response = await browser.graphql(WHO_AM_I);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });
  });

  test("the same claims re-signed with our secret are accepted (control for the forgeries below)", async () => {
    const { claims } = await claimsOfFreshLogin();
    const response = await withToken(forge(claims, inAnHour())).graphql(WHO_AM_I);
    expect(response.status).toBe(200);
    expect(response.body.data.currentUser.rowId).toBe(clinic.members.owner.userId);
  });

  test("a token signed with another secret", async () => {
    const { claims } = await claimsOfFreshLogin();
    const response = await withToken(forge(claims, inAnHour(), "another-secret-another-secret-another")).graphql(WHO_AM_I);
    expect(response.status).toBe(401);
  });

  // another service given the same secret (a shared JWT_SECRET) signs tokens for itself, not for ClinicOps
  test("a token of our secret issued by another service, or for another audience", async () => {
    const { claims } = await claimsOfFreshLogin();
    for (const names of [{ issuer: "billing-service" }, { audience: "billing-service" }]) {
      const response = await withToken(forge(claims, inAnHour(), TEST_JWT_SECRET, names)).graphql(WHO_AM_I);
      expect({ names, status: response.status }).toEqual({ names, status: 401 });
    }
  });

  // made with our secret only (a secret seen for a moment, a bug elsewhere signing what it was given): a clinic id that is
  // no uuid passed the check and reached the database's uuid cast, every query, mutation and even the logout answered
  // INVALID_INPUT "A value has the wrong format.", the cookie never cleared
  test("a token of our secret whose ids are not uuids is refused like any token that does not verify, its cookie cleared, nothing logged", async () => {
    const { claims } = await claimsOfFreshLogin();
    const forgeries = ["session_id", "user_id", "clinic_id"].flatMap((claim) => ["not-a-uuid", 42].map((id) => ({ claim, id })));
    const answers: unknown[] = [];
    const lines = await linesLoggedBy(async () => {
      for (const { claim, id } of forgeries) {
        const token = forge({ ...claims, [claim]: id }, inAnHour());
        const browser = withToken(token);
        const { status, body } = await browser.graphql(WHO_AM_I);
        const logout = await withToken(token).post("/auth/logout", {});
        answers.push({ claim, id, status, body, cookie: browser.cookie, logout: logout.status });
      }
    });
    const refused = { status: 401, body: { errors: [{ message: "Your session is not valid; log in again.", extensions: { code: "UNAUTHENTICATED" } }] } };
    expect(answers).toEqual(forgeries.map((forgery) => ({ ...forgery, ...refused, cookie: null, logout: 401 })));
    expect(lines.map((line) => JSON.parse(line)).filter((line) => line.level !== "info")).toEqual([]);
  });

  test("an unsigned alg:none token", async () => {
    const { claims } = await claimsOfFreshLogin();
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
    const response = await withToken(none).graphql(WHO_AM_I);
    expect(response.status).toBe(401);
  });

  test("an expired token", async () => {
    const { claims } = await claimsOfFreshLogin();
    const expired = forge(claims, Math.floor(Date.now() / 1000) - 10);
    const response = await withToken(expired).graphql(WHO_AM_I);
    expect(response.status).toBe(401);
  });

  // what a browser holds after JWT_SECRET changed (a server started without one makes its own), or past its expiry
  // on a clock behind the server's: the login page's "Log in" was told to log in again, and worked only the second time
  test("a login over a cookie that does not verify (another key's, expired) logs in, and its cookie replaces that one", async () => {
    const { claims } = await claimsOfFreshLogin();
    const { owner } = clinic.members;
    for (const [stale, token] of Object.entries({
      "another key's": forge(claims, inAnHour(), "another-secret-another-secret-another"),
      expired: forge(claims, Math.floor(Date.now() / 1000) - 10),
    })) {
      const browser = withToken(token);
      const login = await browser.tryLogin(owner.phone, owner.password);
      expect({ stale, status: login.status, error: login.body.error }).toEqual({ stale, status: 200, error: undefined });
      expect({ stale, user: (await browser.graphql(WHO_AM_I)).body.data?.currentUser?.rowId }).toEqual({ stale, user: owner.userId });
      // the route as express reaches it, a trailing slash or other capitals too: those were told to log in again
      for (const path of ["/auth/login/", "/Auth/LOGIN"]) {
        const other = withToken(token);
        const answer = await other.post(path, { phone: owner.phone, password: owner.password });
        expect({ stale, path, status: answer.status, error: answer.body.error }).toEqual({ stale, path, status: 200, error: undefined });
      }
    }
  });

  // a login over a live session left it live, held by no browser: at a shared front desk, the live-queue tab opened in a
  // colleague's session went on over its websocket as the colleague, and the session counted among the colleague's 10
  // and its end was audited as the colleague's own logout (logout, by them), nothing tying it to the login that ended it
  test("a login over a live session of another account ends it, audited as ended by that login: its token is told to log in again; a failed login leaves it", async () => {
    const { browser, token, claims } = await claimsOfFreshLogin();
    const { owner, receptionist } = clinic.members;
    expect((await browser.tryLogin(receptionist.phone, "not-the-password")).status).toBe(401);
    expect((await withToken(token).graphql(WHO_AM_I)).body.data.currentUser.rowId).toBe(owner.userId);
    await browser.login(receptionist.phone, receptionist.password);
    expect((await browser.graphql(WHO_AM_I)).body.data.currentUser.rowId).toBe(receptionist.userId);
    // the replaced token: who it still is, or what it is told
    const replaced = (await withToken(token).graphql(WHO_AM_I)).body;
    expect(replaced.errors?.[0]?.message ?? replaced.data.currentUser.rowId).toBe("Your session has ended: log in again.");
    // in its chain, as a login ends one's own session in another: sessions_ended, endedBy login, by the one who logged in
    const { rows } = await rootPool().query(
      `select action, record_id, actor_user_id, detail from app_public.audit_log
       where clinic_id = $2 and (detail ->> 'sessionId' = $1 or detail -> 'endedSessions' ? $1) and action <> 'login' order by seq`,
      [claims.session_id, claims.clinic_id],
    );
    expect(rows).toEqual([{
      action: "sessions_ended", record_id: owner.userId, actor_user_id: receptionist.userId,
      detail: { endedSessions: [claims.session_id], endedBy: "login" },
    }]);
  });

  // ended after the login, in a transaction of its own: its connection closed by the database (a restart of PostgreSQL, a
  // failover, pg_terminate_backend), the login was answered ok and the colleague's session stayed live, held by no browser
  test("a login over a live session of another account ends it though the connection ending it is closed by the database", async () => {
    const { browser, token, claims } = await claimsOfFreshLogin();
    const { receptionist } = clinic.members;
    await whileHolding("select pg_advisory_xact_lock(hashtextextended('write_turn:' || $1, 0))", [claims.clinic_id], async (held) => {
      const holder = await trackBackend(held.client);
      const login = browser.login(receptionist.phone, receptionist.password);
      // the ending waits for its clinic's turn to write, which this transaction holds: its connection is closed there
      expect(await held.blocking()).toBe(true);
      const { rows } = await rootPool().query("select pg_terminate_backend(pid) as ended from pg_stat_activity where $1 = any (pg_blocking_pids(pid))", [holder]);
      expect(rows).toEqual([{ ended: true }]);
      await held.release();
      expect((await login).status).toBe(200);
    });
    const replaced = (await withToken(token).graphql(WHO_AM_I)).body;
    expect(replaced.errors?.[0]?.message ?? replaced.data.currentUser.rowId).toBe("Your session has ended: log in again.");
  });

  test("a validly signed token whose session was logged out is told to log in again, whatever it asks", async () => {
    const { browser, token } = await claimsOfFreshLogin();
    expect((await browser.post("/auth/logout", {})).status).toBe(200);
    expect(browser.cookie).toBeNull();
    const ended = { code: "UNAUTHENTICATED", message: "Your session has ended: log in again." };
    for (const query of [WHO_AM_I, "{ memberships { totalCount } }", "{ patients { nodes { rowId } } }"]) {
      const replay = await withToken(token).graphql(query);
      expect({ query, errors: replay.body.errors?.map((e: { extensions?: { code?: string }; message: string }) => ({ code: e.extensions?.code, message: e.message })) }).toEqual({
        query, errors: expect.arrayContaining([ended]),
      });
      expect(JSON.stringify(replay.body.data ?? null)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
    const switched = await withToken(token).post("/auth/switch-clinic", { clinicId: clinic.clinicId });
    expect({ status: switched.status, error: switched.body.error }).toEqual({ status: 401, error: ended });
    // logging out again is no error: the cookie is cleared
    const again = await withToken(token).post("/auth/logout", {});
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { ok: true } });
  });

  test("a token whose session was logged out creates nothing, and is told UNAUTHENTICATED (not an unknown clinic)", async () => {
    const { browser, token } = await claimsOfFreshLogin();
    expect((await browser.post("/auth/logout", {})).status).toBe(200);
    const created = await withToken(token).graphql(`mutation { createPatient(input: { patient: { firstName: "Late", lastName: "Tab" } }) { patient { code } } }`);
    expect(created.body.data?.createPatient).toBeNull();
    expect(created.body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });
});

test("a cross-site POST carrying the cookie is refused", async () => {
  const browser = new Browser(api);
  await browser.login(clinic.members.owner.phone, clinic.members.owner.password);
  let fromEvil!: Awaited<ReturnType<typeof browser.post>>;
  const lines = await linesLoggedBy(async () => {
    fromEvil = await browser.post("/graphql", { query: WHO_AM_I }, { origin: "https://evil.example", "sec-fetch-site": "cross-site" });
  });
  // the operator of a frontend on an origin not allowed learns why (a refusal left no word in the logs)
  expect(lines.map((line) => JSON.parse(line)).filter((line) => line.event === "cross_site_refused")).toEqual([
    expect.objectContaining({ level: "info", origin: "https://evil.example", site: "cross-site", allowedOrigins: [] }),
  ]);
  expect(fromEvil.status).toBe(403);
  expect(fromEvil.body).toEqual({ errors: [{ message: "Cross-site requests are refused.", extensions: { code: "CSRF" } }] });
  const sneaky = await browser.post("/auth/logout", {}, { "sec-fetch-site": "cross-site" });
  expect({ status: sneaky.status, body: sneaky.body }).toEqual({ status: 403, body: { error: { code: "CSRF", message: "Cross-site requests are refused." } } });
  const sameOrigin = await browser.post("/graphql", { query: WHO_AM_I }, { origin: api.url, "sec-fetch-site": "same-origin" });
  expect(sameOrigin.status).toBe(200);
});

test("an allowed frontend origin may post, its browser's preflight answered for it alone (CORS with credentials)", async () => {
  const withFrontend = await startApi({ ALLOWED_ORIGINS: "https://app.clinic.example" });
  try {
    const preflight = (origin: string) =>
      fetch(`${withFrontend.url}/graphql`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
    const allowed = await preflight("https://app.clinic.example");
    expect([allowed.status, ...["allow-origin", "allow-credentials", "allow-methods", "allow-headers"].map((h) => allowed.headers.get(`access-control-${h}`))]).toEqual([
      204, "https://app.clinic.example", "true", "GET, POST", "Content-Type, X-Clinic-Id",
    ]);
    expect((await preflight("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();

    const browser = new Browser(withFrontend);
    const response = await browser.post(
      "/auth/login",
      { phone: clinic.members.owner.phone, password: clinic.members.owner.password },
      { origin: "https://app.clinic.example", "sec-fetch-site": "same-site" },
    );
    expect(response.status).toBe(200);
    const answered = await fetch(`${withFrontend.url}/graphql`, {
      method: "POST",
      headers: { origin: "https://app.clinic.example", "content-type": "application/json", cookie: browser.cookie! },
      body: JSON.stringify({ query: WHO_AM_I }),
    });
    expect([answered.headers.get("access-control-allow-origin"), answered.headers.get("access-control-allow-credentials"), answered.headers.get("vary")]).toEqual([
      "https://app.clinic.example", "true", expect.stringMatching(/Origin/),
    ]);
  } finally {
    await withFrontend.close();
  }
  // an origin is scheme, host and port: a wildcard or a path would match no browser's request
  for (const origins of ["*", "https://app.clinic.example/", "app.clinic.example"]) {
    expect(() => serverSettings({ ALLOWED_ORIGINS: origins }, "")).toThrow(/^ALLOWED_ORIGINS must list origins such as https:\/\/app\.example\.com/);
  }
});

test("with ALLOWED_ORIGINS, only those origins exactly may post: one that merely begins like one, or is on another port, is cross-site and changes nothing", async () => {
  const withFrontend = await startApi({ ALLOWED_ORIGINS: "https://app.clinic.example" });
  try {
    const browser = new Browser(withFrontend);
    await browser.login(clinic.members.owner.phone, clinic.members.owner.password);
    for (const origin of ["https://app.clinic.example.evil.example", "https://app.clinic.example:8443", "http://app.clinic.example"]) {
      const logout = await browser.post("/auth/logout", {}, { origin, "sec-fetch-site": "cross-site" });
      expect([origin, logout.status, logout.body]).toEqual([origin, 403, { error: { code: "CSRF", message: "Cross-site requests are refused." } }]);
      const created = await browser.post("/graphql", { query: `mutation { createPatient(input: { patient: { firstName: "Cross", lastName: "Site" } }) { patient { code } } }` }, { origin, "sec-fetch-site": "cross-site" });
      expect([origin, created.status, created.body]).toEqual([origin, 403, { errors: [{ message: "Cross-site requests are refused.", extensions: { code: "CSRF" } }] }]);
    }
    // the session was not logged out, and no patient was registered
    expect((await browser.graphql(WHO_AM_I)).body.data.currentUser.rowId).toBe(clinic.members.owner.userId);
    expect((await rootPool().query("select count(*)::int as n from app_public.patient where first_name = 'Cross' and last_name = 'Site'")).rows[0].n).toBe(0);
  } finally {
    await withFrontend.close();
  }
});

test("a clinicId that is not a clinic id, at login or at a switch, is INVALID_INPUT saying so, and opens no session", async () => {
  const { owner } = clinic.members;
  const sessions = async () => (await rootPool().query("select count(*)::int as n from app_private.session where user_id = $1", [owner.userId])).rows[0].n as number;
  const before = await sessions();
  const anonymous = new Browser(api);
  const logins = [
    [{ phone: owner.phone, password: owner.password, clinicId: "Auth clinic" }, "clinicId must be a clinic id."],
    [{ phone: owner.phone, password: owner.password, clinicId: 42 }, "clinicId must be a clinic id."],
    [{ phone: owner.phone, password: owner.password, clinicId: { id: clinic.clinicId } }, "clinicId must be a clinic id."],
    [{ phone: owner.phone, password: owner.password, clinicId: `x${clinic.clinicId}` }, "clinicId must be a clinic id."],
  ] as const;
  for (const [body, message] of logins) {
    const response = await anonymous.post("/auth/login", body);
    expect([body, response.status, response.body]).toEqual([body, 400, { error: { code: "INVALID_INPUT", message } }]);
    expect(anonymous.cookie).toBeNull();
  }
  expect(await sessions()).toBe(before);

  const browser = new Browser(api);
  await browser.login(owner.phone, owner.password);
  const cookie = browser.cookie;
  for (const clinicId of ["Auth clinic", 42, `${clinic.clinicId}x`, `x${clinic.clinicId}`]) {
    const response = await browser.post("/auth/switch-clinic", { clinicId });
    expect([clinicId, response.status, response.body]).toEqual([clinicId, 400, { error: { code: "INVALID_INPUT", message: "clinicId must be a clinic id." } }]);
  }
  // the session goes on as it was
  expect(browser.cookie).toBe(cookie);
  expect((await browser.graphql(WHO_AM_I)).body.data.currentClinic.name).toBe("Auth clinic");
  expect(await sessions()).toBe(before + 1);
});

// a rule of our own took the hyphenated form alone, where GraphQL and the downloads take every form PostgreSQL does
test("a clinicId in any form PostgreSQL reads as a uuid logs into that clinic, and switches to it", async () => {
  const { owner } = clinic.members;
  const digits = clinic.clinicId.replaceAll("-", "");
  for (const form of [digits, `{${clinic.clinicId.toUpperCase()}}`, digits.replace(/(.{4})/g, "$1-").slice(0, -1)]) {
    const browser = new Browser(api);
    const response = await browser.post("/auth/login", { phone: owner.phone, password: owner.password, clinicId: form });
    expect([form, response.status, response.body.clinic?.id]).toEqual([form, 200, clinic.clinicId]);
    expect((await browser.post("/auth/switch-clinic", { clinicId: form })).body.clinic?.id).toBe(clinic.clinicId);
  }
});

describe("several clinics", () => {
  let second: TestClinic;
  beforeAll(async () => {
    second = await createClinic("Second clinic");
    await addMember(second.clinicId, clinic.members.doctor, "admin");
  });

  test("without clinicId the session has no clinic until the user picks one", async () => {
    const browser = new Browser(api);
    const response = await browser.tryLogin(clinic.members.doctor.phone, clinic.members.doctor.password);
    expect(response.status).toBe(200);
    expect(response.body.clinic).toBeNull();
    expect(response.body.clinics.map((c: { name: string; role: string }) => [c.name, c.role]).sort()).toEqual([
      ["Auth clinic", "doctor"],
      ["Second clinic", "admin"],
    ]);
    expect((await browser.graphql(WHO_AM_I)).body.data.currentClinic).toBeNull();

    const switched = await browser.post("/auth/switch-clinic", { clinicId: second.clinicId });
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({ clinic: { id: second.clinicId }, role: "admin" });
    expect((await browser.graphql(WHO_AM_I)).body.data).toMatchObject({ currentClinic: { name: "Second clinic" }, currentRole: "admin" });
  });

  test("a session with no clinic picked yet is told to pick one when it registers a patient or adds to the catalog, and writes nothing", async () => {
    const browser = new Browser(api);
    await browser.login(clinic.members.doctor.phone, clinic.members.doctor.password);
    const written = async () =>
      (await rootPool().query(`select (select count(*) from app_public.patient where last_name = 'Clinic' and first_name = 'No')
        + (select count(*) from app_public.service where name = 'No clinic') as n`)).rows[0].n;
    for (const mutation of [
      `mutation { createPatient(input: { patient: { firstName: "No", lastName: "Clinic" } }) { patient { code } } }`,
      `mutation { createService(input: { service: { name: "No clinic", price: "1" } }) { service { code } } }`,
    ]) {
      const r = await browser.graphql(mutation);
      expect(r.body.errors?.[0]).toMatchObject({
        message: "Your session is in no clinic: log in to a clinic (or switch to one) to do this.",
        extensions: { code: "FORBIDDEN" },
      });
    }
    expect(await written()).toBe("0");
  });

  test("a login lists the user's clinics by name as people read them (byte order put lower case and accents after Z)", async () => {
    const user = await createUser();
    for (const name of ["Zulu Health", "Ávila Clinic", "amani clinic"]) await addMember((await createClinic(name)).clinicId, user, "doctor");
    const response = await new Browser(api).tryLogin(user.phone, user.password);
    expect(response.body.clinics.map((c: { name: string }) => c.name)).toEqual(["amani clinic", "Ávila Clinic", "Zulu Health"]);
  });

  test("clinicId at login picks one", async () => {
    const browser = new Browser(api);
    const response = await browser.tryLogin(clinic.members.doctor.phone, clinic.members.doctor.password, second.clinicId);
    expect(response.body).toMatchObject({ clinic: { id: second.clinicId }, role: "admin" });
  });

  test("a switch is audited in the chain of the clinic entered, naming the session it opened", async () => {
    const { doctor } = clinic.members;
    const browser = new Browser(api);
    await browser.login(doctor.phone, doctor.password, clinic.clinicId);
    expect((await browser.post("/auth/switch-clinic", { clinicId: second.clinicId })).status).toBe(200);
    const { rows } = await rootPool().query(
      `select a.clinic_id, a.table_name, a.record_id,
         (select s.clinic_id from app_private.session s where s.id = (a.detail ->> 'sessionId')::uuid and s.revoked_at is null) as session_clinic
       from app_public.audit_log a where a.action = 'switch_clinic' and a.actor_user_id = $1 order by a.id desc limit 1`,
      [doctor.userId],
    );
    expect(rows).toEqual([{ clinic_id: second.clinicId, table_name: "user", record_id: doctor.userId, session_clinic: second.clinicId }]);
  });

  // a switch's entry is in the chain of the clinic entered: the chain of the clinic it came from (or the platform's) never
  // learnt that its session had ended, where a logout's end is in it
  test("a switch's ending of the session it comes from is in that session's chain: another's as sessions_ended, the clinic entered's in the switch's entry", async () => {
    const other = (await createClinic()).clinicId;
    const member = await withSessions([clinic.clinicId, other], [null]);
    // from no clinic to the other, from there here, and here again
    const toOther = await switched(member.sessions[0], other);
    const toHere = await switched(toOther.sessionId, clinic.clinicId);
    const again = await switched(toHere.sessionId, clinic.clinicId);
    expect(await entriesIn(null, member.userId)).toEqual([{ action: "sessions_ended", detail: { endedSessions: [member.sessions[0]], endedBy: "switch_clinic" } }]);
    expect(await entriesIn(other, member.userId)).toEqual([
      { action: "switch_clinic", detail: { ip: null, sessionId: toOther.sessionId } },
      { action: "sessions_ended", detail: { endedSessions: [toOther.sessionId], endedBy: "switch_clinic" } },
    ]);
    expect(await entriesIn(clinic.clinicId, member.userId)).toEqual([
      { action: "switch_clinic", detail: { ip: null, sessionId: toHere.sessionId } },
      { action: "switch_clinic", detail: { ip: null, sessionId: again.sessionId, endedSessions: [toHere.sessionId] } },
    ]);
    expect(await verified([null, other, clinic.clinicId])).toEqual([true, true, true]);
  });

  // a switch opened a session of the full lifetime: switching to the same clinic again and again kept a stolen cookie for good
  test("a switch keeps the session's end: the session it opens ends when the one switched from would have", async () => {
    const doctor = await createUser(); // of these two clinics, and of no other test's sessions
    await addMember(clinic.clinicId, doctor, "doctor");
    await addMember(second.clinicId, doctor, "doctor");
    const browser = new Browser(api);
    await browser.login(doctor.phone, doctor.password, clinic.clinicId);
    const ends = () =>
      rootPool().query("select expires_at from app_private.session where user_id = $1 and revoked_at is null", [doctor.userId]).then((r) => r.rows.map((row) => row.expires_at.toISOString()));
    await rootPool().query("update app_private.session set expires_at = now() + interval '1 hour' where user_id = $1 and revoked_at is null", [doctor.userId]);
    const [before] = await ends();
    let setCookie = "";
    for (const clinicId of [second.clinicId, clinic.clinicId, clinic.clinicId]) {
      const switched = await browser.post("/auth/switch-clinic", { clinicId });
      expect(switched.status).toBe(200);
      setCookie = switched.headers.get("set-cookie") ?? "";
    }
    expect(await ends()).toEqual([before]);
    // and so does its cookie (its Expires, in whole seconds)
    const cookieEnds = Date.parse(/Expires=([^;]+)/i.exec(setCookie)?.[1] ?? "");
    expect(Math.abs(cookieEnds - Date.parse(before))).toBeLessThan(1_000);
  });

  // the time left, a difference of two times, came in days, and a day added on a clock with summer time is 23 or
  // 25 hours: with sessions of more than a day, each switch before the clocks go back added an hour, for good
  test("a switch keeps the session's end to the microsecond on a clinic's clock that changes for summer time", async () => {
    const longSessions = await startApi({ SESSION_TTL_SECONDS: String(400 * 86400) });
    try {
      const london = await createClinic("Summer time clinic");
      await rootPool().query("update app_public.clinic set timezone = 'Europe/London' where id = $1", [london.clinicId]);
      const doctor = london.members.doctor;
      const browser = new Browser(longSessions);
      await browser.login(doctor.phone, doctor.password, london.clinicId);
      // an end whole days ahead on which London's clock is set otherwise than now (the clocks change more than a
      // day before it: the time left is whole days, then hours)
      await rootPool().query(
        `update app_private.session set expires_at = now() + interval '24 hours' * (
           select min(d) + 2 from generate_series(1, 400) d
           where to_char((now() + interval '24 hours' * d) at time zone 'Europe/London' - (now() + interval '24 hours' * d), 'HH24:MI')
              <> to_char(now() at time zone 'Europe/London' - now(), 'HH24:MI'))
         where user_id = $1 and revoked_at is null`,
        [doctor.userId],
      );
      const ends = () =>
        rootPool()
          .query("select to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as end from app_private.session where user_id = $1 and revoked_at is null", [doctor.userId])
          .then((r) => r.rows.map((row) => row.end));
      const before = await ends();
      expect(before).toHaveLength(1);
      for (let i = 0; i < 3; i++) expect((await browser.post("/auth/switch-clinic", { clinicId: london.clinicId })).status).toBe(200);
      expect(await ends()).toEqual(before);
    } finally {
      await longSessions.close();
    }
  });

  test("switching to a clinic the user does not belong to is refused and keeps the old session", async () => {
    const browser = new Browser(api);
    await browser.login(clinic.members.owner.phone, clinic.members.owner.password);
    const before = browser.cookie;
    const response = await browser.post("/auth/switch-clinic", { clinicId: second.clinicId });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("FORBIDDEN");
    expect(browser.cookie).toBe(before);
    expect((await browser.graphql(WHO_AM_I)).body.data.currentClinic.name).toBe("Auth clinic");
    // audited as a login naming it is, in the platform's chain: a member trying other clinics' ids left no trace
    const { rows } = await rootPool().query(
      `select clinic_id, actor_user_id, detail ->> 'reason' as reason, detail ->> 'clinicId' as clinic from app_public.audit_log
       where action = 'login_failed' and record_id = $1 order by seq desc limit 1`,
      [clinic.members.owner.userId],
    );
    expect(rows).toEqual([{ clinic_id: null, actor_user_id: clinic.members.owner.userId, reason: "switch_not_a_member", clinic: second.clinicId }]);
    // once a quarter of an hour per session: a session trying id after id writes no entry a request
    const refusals = async () =>
      (await rootPool().query(
        "select count(*)::int as n from app_public.audit_log where action = 'login_failed' and record_id = $1 and detail ->> 'reason' = 'switch_not_a_member'",
        [clinic.members.owner.userId],
      )).rows[0].n;
    const refusedBefore = await refusals();
    for (let k = 0; k < 3; k++) expect((await browser.post("/auth/switch-clinic", { clinicId: randomUUID() })).status).toBe(403);
    expect(await refusals()).toBe(refusedBefore);
  });

  test("logging in to a clinic the user does not belong to is refused, opens no session, and is audited as a failed login", async () => {
    const { owner } = clinic.members;
    const sessions = async () =>
      (await rootPool().query("select count(*)::int as n from app_private.session where user_id = $1", [owner.userId])).rows[0].n as number;
    const before = await sessions();
    const secret = async () =>
      (await rootPool().query("select failed_login_count, last_login_at::text from app_private.user_secret where user_id = $1", [owner.userId])).rows[0];
    await rootPool().query("update app_private.user_secret set failed_login_count = 2, first_failed_login_at = now() where user_id = $1", [owner.userId]);
    const secretBefore = await secret();
    const response = await new Browser(api).tryLogin(owner.phone, owner.password, second.clinicId);
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: { code: "FORBIDDEN", message: "You are not a member of that clinic." } });
    expect(await sessions()).toBe(before);
    expect(await secret()).toEqual(secretBefore); // not a login: its failures are not cleared, nor is it the last login
    await rootPool().query("update app_private.user_secret set failed_login_count = 0, first_failed_login_at = null where user_id = $1", [owner.userId]);
    const { rows } = await rootPool().query(
      `select clinic_id, detail ->> 'reason' as reason, detail ->> 'clinicId' as clinic from app_public.audit_log
       where action = 'login_failed' and record_id = $1 order by seq desc limit 1`,
      [owner.userId],
    );
    // in the platform's chain: the clinic's managers are not shown a stranger's phone
    expect(rows).toEqual([{ clinic_id: null, reason: "not_a_member", clinic: second.clinicId }]);
  });

  // counted against nothing (the password is right), each wrote an entry in the platform's chain, which nobody may delete
  // from: one account's logins naming random clinic ids wrote one a request
  test("logins naming clinics the user does not belong to are each refused, and audited once a quarter of an hour an account, as a session's switches are", async () => {
    const member = await createUser();
    await addMember(clinic.clinicId, member, "receptionist");
    const entries = async () =>
      (await rootPool().query(
        "select count(*)::int as n from app_public.audit_log where action = 'login_failed' and record_id = $1 and detail ->> 'reason' = 'not_a_member'",
        [member.userId],
      )).rows[0].n as number;
    const notAMember = async (clinicId: string) => {
      const response = await new Browser(api).tryLogin(member.phone, member.password, clinicId);
      expect([response.status, response.body.error?.code]).toEqual([403, "FORBIDDEN"]);
    };
    for (const clinicId of [second.clinicId, randomUUID(), randomUUID()]) await notAMember(clinicId);
    expect(await entries()).toBe(1);
    // a quarter of an hour on, the next is audited again
    await rootPool().query("update app_private.user_secret set not_a_member_audited_at = now() - interval '16 minutes' where user_id = $1", [member.userId]);
    await notAMember(randomUUID());
    expect(await entries()).toBe(2);
    // and the member's own clinic still logs in
    expect((await new Browser(api).tryLogin(member.phone, member.password, clinic.clinicId)).status).toBe(200);
  });

  test("the old token stops working after a switch", async () => {
    const browser = new Browser(api);
    await browser.login(clinic.members.doctor.phone, clinic.members.doctor.password, clinic.clinicId);
    const old = browser.cookie!;
    await browser.post("/auth/switch-clinic", { clinicId: second.clinicId });
    const stale = new Browser(api);
    stale.cookie = old;
    expect((await stale.graphql(WHO_AM_I)).body.data.currentUser).toBeNull();
  });

  // tabs share the cookie: a switch in one moved the other's cash-up screen, still showing its clinic, to the clinic switched to
  test("a page that names its clinic (X-Clinic-Id) is refused, with nothing done, once another tab has switched the session to another clinic", async () => {
    const [a, b] = [await createClinic("Tab A clinic", { since: LONG_AGO }), await createClinic("Tab B clinic", { since: LONG_AGO })];
    const { cashier } = a.members;
    await addMember(b.clinicId, cashier, "cashier");
    const browser = new Browser(api); // both tabs: one cookie jar
    await browser.login(cashier.phone, cashier.password, a.clinicId);
    const close = (pageClinic: string) =>
      browser.post("/graphql", { query: `mutation { closeDay(input: { businessDate: "2026-03-10", countedCash: "120" }) { result { clinicId } } }` }, {
        "x-clinic-id": pageClinic,
      });
    const closedDays = async (clinicId: string) =>
      (await rootPool().query("select count(*)::int as n from app_public.daily_reconciliation where clinic_id = $1 and status = 'closed'", [clinicId])).rows[0].n;

    expect((await browser.post("/auth/switch-clinic", { clinicId: b.clinicId })).status).toBe(200); // the other tab
    const refused = await close(a.clinicId); // the cash-up screen of clinic A
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 409,
      body: {
        errors: [
          {
            message: "This page is of another clinic than your session, which was switched (in another tab or window): nothing was done. Reload the page.",
            extensions: { code: "CLINIC_CHANGED" },
          },
        ],
      },
    });
    expect([await closedDays(a.clinicId), await closedDays(b.clinicId)]).toEqual([0, 0]);

    // the page of the session's clinic, its id in any case, goes on; a header that is no clinic id is refused
    const closed = await close(b.clinicId.toUpperCase());
    expect(closed.body).toEqual({ data: { closeDay: { result: { clinicId: b.clinicId } } } });
    const malformed = await close("clinic B");
    expect({ status: malformed.status, code: malformed.body.errors[0].extensions.code }).toEqual({ status: 400, code: "INVALID_INPUT" });
    // without a session, what GraphQL answers anyone
    await browser.post("/auth/logout", {});
    expect((await close(b.clinicId)).body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });
});

// a suspended member was told "You are not a member of that clinic." as a stranger is, and took it that they had been removed
test("a login or a switch to a clinic that suspended the person says so; to one they never belonged to, not a member; neither opens a session", async () => {
  const a = await createClinic();
  const b = await createClinic();
  const person = await createUser();
  const suspended = await addMember(a.clinicId, person, "receptionist");
  await addMember(b.clinicId, person, "cashier");
  await rootPool().query("update app_public.membership set is_active = false where id = $1", [suspended.membershipId]);
  const SUSPENDED = { error: { code: "FORBIDDEN", message: "Your membership of that clinic is suspended: its owner or an admin can make it active again." } };
  const NOT_A_MEMBER = { error: { code: "FORBIDDEN", message: "You are not a member of that clinic." } };
  const browser = new Browser(api);
  const login = await browser.tryLogin(person.phone, person.password, a.clinicId);
  expect({ status: login.status, body: login.body }).toEqual({ status: 403, body: SUSPENDED });
  await browser.login(person.phone, person.password, b.clinicId);
  const switched = await browser.post("/auth/switch-clinic", { clinicId: a.clinicId });
  expect({ status: switched.status, body: switched.body }).toEqual({ status: 403, body: SUSPENDED });
  expect((await browser.graphql("{ currentClinic { rowId } }")).body.data.currentClinic).toEqual({ rowId: b.clinicId });
  const stranger = await new Browser(api).tryLogin(person.phone, person.password, clinic.clinicId);
  expect({ status: stranger.status, body: stranger.body }).toEqual({ status: 403, body: NOT_A_MEMBER });
  const elsewhere = await browser.post("/auth/switch-clinic", { clinicId: clinic.clinicId });
  expect({ status: elsewhere.status, body: elsewhere.body }).toEqual({ status: 403, body: NOT_A_MEMBER });
  const { rows } = await rootPool().query(
    "select count(*)::int as n from app_private.session where user_id = $1 and clinic_id is distinct from $2",
    [person.userId, b.clinicId],
  );
  expect(rows[0].n).toBe(0);
});
