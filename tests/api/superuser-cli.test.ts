/**
 * `npm run superuser` as an operator runs it, then the platform admin it made
 * creates a clinic with its first owner through GraphQL.
 */
import { chmodSync, readdirSync } from "node:fs";
import { runCli, runCliInTerminal } from "../support/cli.ts";
import { closeRootPool, ownDatabase, rootPool } from "../support/database.ts";
import { addMember, createClinic, createUser } from "../support/fixtures.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";
import { freePort } from "../support/ports.ts";
import { temporaryFolders } from "../support/temp-folders.ts";

const temporaryFolder = temporaryFolders();

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

const superuser = (args: string[]) => runCli(["superuser", ...args]);

test("creates a platform admin who can then create a clinic and its owner", async () => {
  const result = superuser(["--phone", "0799 123 456", "--password", "platform-admin-pw", "--name", "Platform Admin"]);
  expect(result.stderr).toMatch(/platform admin \+255799123456 is ready/); // as stored, and as they log in
  expect(result.status).toBe(0);

  const admin = new Browser(api);
  const login = await admin.tryLogin("+255799123456", "platform-admin-pw");
  expect(login.body).toMatchObject({ user: { isPlatformAdmin: true }, clinic: null });
  const created = await admin.graphql(
    `mutation { createClinicWithOwner(input: { name: "CLI Clinic", timezone: "Africa/Nairobi", currency: "KES",
       ownerPhone: "+254722000111", ownerName: "Wanjiru", ownerPassword: "owner-password-1" }) { result { rowId name currency } } }`,
  );
  expect(created.body.data.createClinicWithOwner.result).toMatchObject({ name: "CLI Clinic", currency: "KES" });
  const owner = new Browser(api);
  const ownerLogin = await owner.tryLogin("+254722000111", "owner-password-1");
  expect(ownerLogin.body).toMatchObject({ clinic: { name: "CLI Clinic", timezone: "Africa/Nairobi" }, role: "owner" });
  // the clinic completes national numbers with its owner's country code (Kenya's), no setting needed first
  const invited = await owner.graphql(
    `mutation { inviteMember(input: { phone: "0722 000 112", fullName: "Otieno", role: cashier, password: "cashier-password-1" })
       { result { user { phone } } } }`,
  );
  expect(invited.body).toEqual({ data: { inviteMember: { result: { user: { phone: "+254722000112" } } } } });
  expect((await owner.graphql("{ currentClinic { callingCode } }")).body.data.currentClinic.callingCode).toBe("254");
});

test("in a terminal, the password asked for twice is not shown as it is typed, and is the one set; a name left empty is the default", async () => {
  const password = `typed-secret-${process.pid}`;
  const { code, screen } = await runCliInTerminal(["superuser", "--phone", "+255799000779"], [
    [/Full name \(Enter: Platform admin\): /, ""], // readline moves the cursor after it
    [/Password: $/, password],
    [/Password again: $/, password],
  ]);
  expect({ code, shown: screen.includes(password), ready: /platform admin \+255799000779 is ready/.test(screen) }).toEqual({ code: 0, shown: false, ready: true });
  expect((await new Browser(api).login("+255799000779", password)).status).toBe(200);
  const { rows } = await rootPool().query(`select full_name from app_public."user" where phone = '+255799000779'`);
  expect(rows).toEqual([{ full_name: "Platform admin" }]);
}, 120_000);

// a reader each prompt: the second line of a paste came in with the first and was lost, "Password again:" waiting for good
test("in a terminal, the password pasted twice at once, two lines in one go, is taken for both prompts", async () => {
  const password = `pasted-secret-${process.pid}`;
  const { code, screen } = await runCliInTerminal(["superuser", "--phone", "+255799000772", "--name", "Pasted"], [[/Password: $/, `${password}\r${password}`]]);
  expect({ code, shown: screen.includes(password), ready: /platform admin \+255799000772 is ready/.test(screen) }).toEqual({ code: 0, shown: false, ready: true });
  expect((await new Browser(api).login("+255799000772", password)).status).toBe(200);
}, 120_000);

// what came in after a line was echoed until the next prompt muted it: the password pasted with the phone at "Phone:"
// showed on the screen; and the prompt put the cursor before what was typed ahead, the rest of a password going before it
test("in a terminal, answers pasted ahead of their prompts show no password: each is shown after its prompt, a password not, one begun in the paste is finished at its prompt", async () => {
  const phone = "+255799000769";
  const password = `ahead-${process.pid}-secret`;
  const head = password.slice(0, password.indexOf("-secret"));
  const { code, screen } = await runCliInTerminal(["superuser"], [
    [/Phone: /, `${phone}\rAmina Typed\r${password}\r${head}`, false],
    [/Password again: $/, password.slice(head.length)],
  ]);
  expect({ code, shown: screen.includes(head), named: screen.includes("Full name (Enter: Platform admin): Amina Typed") }).toEqual({ code: 0, shown: false, named: true });
  expect((await new Browser(api).tryLogin(phone, password)).body).toMatchObject({ user: { isPlatformAdmin: true } });
  expect((await rootPool().query(`select full_name from app_public."user" where phone = $1`, [phone])).rows).toEqual([{ full_name: "Amina Typed" }]);
}, 120_000);

// readline's history: Up at "Password again:" brought the first password back, unseen, confirming a typo without retyping it
test("in a terminal, Up at the second password prompt does not bring back the first: the two differ, and nothing is changed", async () => {
  const member = (await createClinic()).members.doctor;
  const { code, screen } = await runCliInTerminal(["password", "--phone", member.phone], [
    [/New password: $/, "the-password-typo"],
    [/New password again: $/, "\x1b[A"],
  ]);
  expect({ code, said: screen.trim().split("\n").at(-1)?.trim() }).toEqual({ code: 1, said: "the two passwords typed differ: nothing was changed (run the command again)" });
  expect((await new Browser(api).login(member.phone, member.password)).status).toBe(200);
}, 120_000);

// Ctrl-Z at a prompt, then fg: readline paused its input, and the command ended at once with 0, without a word, the
// password typed next going to the shell, shown on the screen and kept in its history
test("in a terminal, Ctrl-Z at a password prompt then fg asks for it again: the password typed is the one set, not a command of the shell", async () => {
  const member = (await createClinic()).members.doctor;
  const password = `after-fg-${process.pid}`;
  const { code, screen } = await runCliInTerminal(
    ["password", "--phone", member.phone],
    [
      [/New password: $/, "\x1a", false],
      [/Stopped[\s\S]*[$#] $/, "fg"],
      [/fg\r?\n[^\n]*\n\r?New password: $/, password],
      [/New password again: $/, password],
      [/is reset[\s\S]*[$#] $/, "exit $?"],
    ],
    undefined,
    true,
  );
  expect({ code, shown: screen.includes(password), reset: /the password of \+255\d+ is reset/.test(screen) }).toEqual({ code: 0, shown: false, reset: true });
  expect((await new Browser(api).login(member.phone, password)).status).toBe(200);
}, 120_000);

// piped answers were refused: a provisioning script could give the password only on the command line, which ps shows
test("without a terminal, answers piped one a line are read in order, the password twice and shown nowhere; input ending short changes nothing, saying what is missing", async () => {
  const password = `piped-secret-${process.pid}`;
  const made = runCli(["superuser"], {}, `+255799000771\n${password}\n${password}\n`);
  expect({ status: made.status, said: made.stderr.trim().split("\n").at(-1), shown: (made.stdout + made.stderr).includes(password) }).toEqual({
    status: 0,
    said: "platform admin +255799000771 is ready",
    shown: false,
  });
  expect((await new Browser(api).tryLogin("+255799000771", password)).body).toMatchObject({ user: { isPlatformAdmin: true } });
  const member = (await createClinic()).members.doctor;
  const reset = runCli(["password"], {}, `${member.phone}\r\nreset-${password}\r\nreset-${password}\r\n`); // a file of Windows line ends too
  expect({ status: reset.status, shown: (reset.stdout + reset.stderr).includes(password) }).toEqual({ status: 0, shown: false });
  expect((await new Browser(api).login(member.phone, `reset-${password}`)).status).toBe(200);
  const short = [
    { args: ["password", "--phone", member.phone], input: "first-line-only\n", said: "missing --password again, on a line of its own: it is given twice (no terminal to ask for it, and stdin ended without it)" },
    { args: ["superuser"], input: "+255799000770\n", said: "missing --password (no terminal to ask for it, and stdin ended without it)" },
    { args: ["password"], input: "", said: "missing --phone and --password (no terminal to ask for them, and stdin ended without them)" },
  ];
  for (const { args, input, said } of short) {
    const result = runCli(args, {}, input);
    expect({ args, status: result.status, said: result.stderr.trim() }).toEqual({ args, status: 1, said });
  }
  expect((await rootPool().query(`select from app_public."user" where phone = '+255799000770'`)).rows).toEqual([]);
  expect((await new Browser(api).login(member.phone, `reset-${password}`)).status).toBe(200);
});

// asked once, a typo set a password no one knew: the person it was for was locked out of their account
test("in a terminal, two passwords typed that differ are refused, saying so, and change nothing: npm run superuser makes no account, npm run password resets none", async () => {
  const typedTwice = (first: string, second: string): [RegExp, string][] => [[/password: $/i, first], [/password again: $/i, second]];
  const superuser = await runCliInTerminal(["superuser", "--phone", "+255799000778", "--name", "Typo"], typedTwice("the-password-meant", "the-password-typo"));
  const member = (await createClinic()).members.doctor;
  const password = await runCliInTerminal(["password", "--phone", member.phone], typedTwice("the-password-meant", "the-password-typo"));
  for (const { code, screen } of [superuser, password]) {
    expect({ code, said: screen.trim().split("\n").at(-1)?.trim() }).toEqual({ code: 1, said: "the two passwords typed differ: nothing was changed (run the command again)" });
  }
  expect((await rootPool().query(`select from app_public."user" where phone = '+255799000778'`)).rows).toEqual([]);
  expect((await new Browser(api).login(member.phone, member.password)).status).toBe(200);
  // typed the same twice, npm run password resets it
  const reset = await runCliInTerminal(["password", "--phone", member.phone], typedTwice("the-password-meant", "the-password-meant"));
  expect({ code: reset.code, reset: /the password of \+255\d+ is reset/.test(reset.screen) }).toEqual({ code: 0, reset: true });
  expect((await new Browser(api).login(member.phone, "the-password-meant")).status).toBe(200);
}, 90_000);

// Ctrl-C at the hidden prompt ended the command without a word, with 0, as if it had done its work
test("in a terminal, Ctrl-C at a password prompt says nothing was changed, exits 130 and leaves the terminal echoing", async () => {
  const phone = "+255799000776";
  // a name with spaces, one word of the command line: cut in two, it was a positional argument, refused
  const { code, screen } = await runCliInTerminal(["superuser", "--phone", phone, "--name", "Dr Ctrl C"], [[/Password: $/, "\x03"]], "stty -a");
  const lines = screen.trim().split("\n").map((line) => line.trim());
  expect({ code, said: lines.find((line) => line.startsWith("interrupted")) }).toEqual({ code: 130, said: "interrupted (Ctrl-C): nothing was changed" });
  expect(screen).toMatch(/(^|[ ;])echo( |;|$)/m); // stty's own word for echo on; off, it says "-echo"
  expect((await rootPool().query(`select from app_public."user" where phone = $1`, [phone])).rows).toEqual([]);
}, 120_000);

// the reset wrote no audit entry and left the account's sessions open: an intruder's kept working
test("run again for an admin, it resets their password, ends every session of theirs, and is audited in the platform's chain", async () => {
  const phone = "+255799000775";
  expect(superuser(["--phone", phone, "--password", "first-admin-password"]).status).toBe(0);
  const intruder = new Browser(api);
  expect((await intruder.login(phone, "first-admin-password")).status).toBe(200);
  expect((await intruder.graphql("{ currentUser { phone } }")).body.data).toEqual({ currentUser: { phone } });

  expect(superuser(["--phone", phone, "--password", "second-admin-password"]).status).toBe(0);
  expect((await intruder.graphql("{ currentUser { phone } }")).body).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });
  expect((await new Browser(api).tryLogin(phone, "first-admin-password")).status).toBe(401);
  expect((await new Browser(api).login(phone, "second-admin-password")).status).toBe(200);
  const { rows } = await rootPool().query(
    `select a.clinic_id, a.actor_user_id, a.detail from app_public.audit_log a join app_public."user" u on u.id = a.record_id
     where u.phone = $1 and a.table_name = 'user_secret'`,
    [phone],
  );
  expect(rows).toEqual([
    { clinic_id: null, actor_user_id: null, detail: { passwordChanged: true, by: "npm run superuser", unlocked: false, sessionsEnded: 1 } },
  ]);
});

// an operator who typed a name for an account that already had one was told only that the admin was ready
test("run for an account that exists, a --name other than its own is said not to be used: the account keeps its name", async () => {
  const person = await createUser();
  const named = superuser(["--phone", person.phone, "--password", "promoted-admin-pw", "--name", "Someone Else"]);
  expect({ status: named.status, said: named.stderr.trim().split("\n").at(-1) }).toEqual({
    status: 0,
    said: `platform admin ${person.phone} is ready; the account already existed, and keeps its name "Test ${person.phone}" (--name names a new account only)`,
  });
  const { rows } = await rootPool().query(`select full_name, is_platform_admin from app_public."user" where id = $1`, [person.userId]);
  expect(rows).toEqual([{ full_name: `Test ${person.phone}`, is_platform_admin: true }]);
  // its own name again (as typed: spaces at the ends), or none, needs no word
  for (const name of [[], ["--name", ` Test  ${person.phone} `]]) {
    const again = superuser(["--phone", person.phone, "--password", "promoted-admin-pw", ...name]);
    expect({ status: again.status, said: again.stderr.trim().split("\n").at(-1) }).toEqual({ status: 0, said: `platform admin ${person.phone} is ready` });
  }
});

// a promotion's password entry said "by": "npm run superuser", but a new admin's entries, by no one, did not say what made
// them: a platform admin reading the platform's chain could not tell the operator's tool from a hand's update in psql
test("every entry npm run superuser writes of the account in the platform's chain says so, for a new admin as for one promoted", async () => {
  const { rows: [{ since }] } = await rootPool().query("select coalesce(max(seq), 0) as since from app_public.audit_log where clinic_id is null");
  const phone = "+255799000774";
  expect(superuser(["--phone", phone, "--password", "new-admin-password"]).status).toBe(0);
  const person = await createUser();
  const { rows: [{ promotedSince }] } = await rootPool().query("select max(seq) as \"promotedSince\" from app_public.audit_log where clinic_id is null");
  expect(superuser(["--phone", person.phone, "--password", "promoted-password"]).status).toBe(0);
  const entries = async (from: string, id: string) =>
    (
      await rootPool().query(
        `select action, table_name, detail from app_public.audit_log where clinic_id is null and seq > $1 and record_id = $2 and action <> 'sessions_ended' order by seq`,
        [from, id],
      )
    ).rows;
  const made = (await rootPool().query(`select id from app_public."user" where phone = $1`, [phone])).rows[0].id;
  const by = { by: "npm run superuser" };
  expect({ made: await entries(since, made), promoted: await entries(promotedSince, person.userId) }).toEqual({
    made: [
      { action: "insert", table_name: "user", detail: by },
      { action: "update", table_name: "user", detail: by },
    ],
    promoted: [
      { action: "update", table_name: "user_secret", detail: { passwordChanged: true, ...by, unlocked: false, sessionsEnded: 0 } },
      { action: "update", table_name: "user", detail: by },
    ],
  });
  // an account's entry written otherwise still has no detail, in the same transaction as after it
  const client = await rootPool().connect();
  try {
    await client.query("begin");
    await client.query("select app_private.create_platform_admin($1, 'Another Admin', 'another-admin-password')", ["+255799000773"]);
    await client.query(`update app_public."user" set full_name = 'Renamed By Hand' where id = $1`, [person.userId]);
    await client.query("commit");
  } finally {
    client.release();
  }
  expect((await entries(promotedSince, person.userId)).at(-1)).toEqual({ action: "update", table_name: "user", detail: null });
});

// the operator's one tool, npm run superuser, also made whomever it reset a platform administrator: an owner's
// password, or that of a person of several clinics (which no clinic may reset), was reset in SQL
test("npm run password resets a member's forgotten password without making them an admin: their sessions end, the account unlocks, audited in the platform's chain", async () => {
  const [first, second] = [await createClinic(), await createClinic()];
  const owner = first.members.owner;
  await addMember(second.clinicId, owner, "doctor"); // a person of two clinics
  const session = new Browser(api);
  await session.login(owner.phone, owner.password);
  for (let i = 0; i < 5; i++) await new Browser(api).tryLogin(owner.phone, "not-the-password"); // locked out
  expect((await new Browser(api).tryLogin(owner.phone, owner.password)).status).not.toBe(200);

  const result = runCli(["password", "--phone", owner.phone.replace("+255", "0"), "--password", "operator-chose-this"]);
  expect({ status: result.status, said: result.stderr.trim().split("\n").at(-1) }).toEqual({
    status: 0,
    said: `the password of ${owner.phone} is reset; 1 session(s) of the account ended: its holder chooses their own at their next chance`,
  });
  expect((await session.graphql("{ currentUser { phone } }")).body).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });
  expect((await new Browser(api).tryLogin(owner.phone, owner.password)).status).toBe(401);
  const back = new Browser(api);
  expect((await back.tryLogin(owner.phone, "operator-chose-this", first.clinicId)).body).toMatchObject({ user: { isPlatformAdmin: false }, role: "owner" });
  expect((await back.graphql("{ currentUserPasswordSetByHolder }")).body.data).toEqual({ currentUserPasswordSetByHolder: false });
  const { rows } = await rootPool().query(
    "select clinic_id, actor_user_id, detail from app_public.audit_log where record_id = $1 and table_name = 'user_secret' order by clinic_id is not null, clinic_id is distinct from $2",
    [owner.userId, first.clinicId],
  );
  const reset = { actor_user_id: null, detail: { passwordChanged: true, by: "npm run password", unlocked: true } };
  expect(rows).toEqual([
    { clinic_id: null, ...reset, detail: { ...reset.detail, sessionsEnded: 1 } },
    // and in each clinic of the person, whose owner reads that their password was reset, and by what
    { clinic_id: first.clinicId, ...reset },
    { clinic_id: second.clinicId, ...reset },
  ]);
});

// the same password typed at the two prompts in two Unicode forms (a composed ë, then e and a combining diaeresis, as
// two keyboards send it) is one password for the database: refused as two that differ, the operator could not set it
test("npm run password takes one password typed in two Unicode forms at its two prompts: it is one password, set, and opens the account typed either way", async () => {
  const member = (await createClinic()).members.doctor;
  const [composed, decomposed] = ["Zoë-reset-pass", "Zoe\u0308-reset-pass"];
  const reset = runCli(["password"], {}, `${member.phone}\n${composed}\n${decomposed}\n`);
  expect({ status: reset.status, said: reset.stderr.trim().split("\n").at(-1) }).toEqual({
    status: 0,
    said: expect.stringMatching(new RegExp(`^the password of \\${member.phone} is reset`)),
  });
  expect((await new Browser(api).tryLogin(member.phone, composed)).status).toBe(200);
  expect((await new Browser(api).tryLogin(member.phone, decomposed)).status).toBe(200);
});

test("npm run password refuses a phone of no account, and a password the rule refuses, changing nothing", async () => {
  const nobody = runCli(["password", "--phone", "+255799000666", "--password", "operator-chose-this"]);
  expect({ status: nobody.status, said: nobody.stderr.trim().split("\n").at(-1) }).toEqual({ status: 1, said: "No account has the phone +255799000666." });
  const person = await createUser();
  const weak = runCli(["password", "--phone", person.phone, "--password", "short"]);
  expect(weak.status).toBe(1);
  expect(weak.stderr).toMatch(/8 to 128 characters|at least 8/);
  expect((await new Browser(api).tryLogin(person.phone, person.password)).status).toBe(200);
  const missing = runCli(["password", "--phone", person.phone]);
  expect(missing.stderr).toMatch(/missing --password \(no terminal to ask for it, and stdin ended without it\)/);
});

// a database name mistyped in DATABASE_URL: the command made that database and ClinicOps' five roles of it, ran every
// migration into it, and then said "No account has the phone …" (or "unknown clinic(s)", "no analyst is named"), as if
// of the real one: an operator was told the account was gone, and a database and roles were left behind
test.each([
  ["password", ["password", "--phone", "+255799000668", "--password", "operator-chose-this"]],
  ["analyst grant", ["analyst", "grant", "ana_mistyped", "Upendo Clinic"]],
  ["analyst revoke", ["analyst", "revoke", "ana_mistyped"]],
])("npm run %s on a database not set up says how to set it up, and makes no database", async (_, args) => {
  const fresh = ownDatabase("not_set_up");
  await fresh.drop();
  try {
    const result = runCli(args, { DATABASE_URL: fresh.url });
    expect({ status: result.status, said: result.stderr.trim().split("\n").at(-1) }).toEqual({
      status: 1,
      said: `ClinicOps' database ${fresh.config.databaseName} is not set up on the PostgreSQL at ${new URL(fresh.url).host} that DATABASE_URL names: run npm run migrate (or npm start) first`,
    });
    const { rows } = await rootPool().query("select count(*)::int as n from pg_database where datname = $1", [fresh.config.databaseName]);
    expect(rows[0].n).toBe(0);
  } finally {
    await fresh.drop();
  }
});

test("without a terminal, a missing password is an error, not a prompt", () => {
  const result = superuser(["--phone", "+255799000777"]);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/missing --password \(no terminal to ask for it, and stdin ended without it\)/);
});

// refused only at the prompt: the embedded PostgreSQL was started (on a new machine, made) and migrated first
test("without a terminal or anything on stdin, npm run superuser or password missing the phone or the password is refused at once, naming the options, before a database is started", () => {
  const runs = [
    { args: ["superuser"], said: "missing --phone and --password (no terminal to ask for them, and stdin ended without them)" },
    { args: ["superuser", "--phone", "0799000779", "--name", "No Password"], said: "missing --password (no terminal to ask for it, and stdin ended without it)" },
    { args: ["password", "--password", "whatever-password"], said: "missing --phone (no terminal to ask for it, and stdin ended without it)" },
  ];
  for (const { args, said } of runs) {
    const dataDir = temporaryFolder("cli");
    chmodSync(dataDir, 0o755); // one the embedded server may use, as root too
    const result = runCli(args, { DATABASE_URL: undefined, CLINICOPS_DATA_DIR: dataDir });
    expect({ args, status: result.status, stderr: result.stderr, dataFolder: readdirSync(dataDir) }).toEqual({ args, status: 1, stderr: `${said}\n`, dataFolder: [] });
  }
});

// an empty line (a provisioning script's unset variable: printf '%s\n' "$PHONE" …) was refused only by the database, once
// the embedded PostgreSQL had been started (on a new machine, made) and migrated
test("without a terminal, an empty line piped for the phone or the password is refused at once, naming the option, before a database is started", async () => {
  const runs = [
    { args: ["superuser"], input: "\nsome-password\nsome-password\n", said: "missing --phone (no terminal to ask for it, and stdin gave an empty line for it)" },
    { args: ["superuser", "--name", "Empty Password"], input: "+255799000767\r\n\r\n\r\n", said: "missing --password (no terminal to ask for it, and stdin gave an empty line for it)" },
    { args: ["password", "--phone", "0799000767"], input: "\n\n", said: "missing --password (no terminal to ask for it, and stdin gave an empty line for it)" },
  ];
  for (const { args, input, said } of runs) {
    const dataDir = temporaryFolder("cli");
    chmodSync(dataDir, 0o755); // one the embedded server may use, as root too
    // a port of its own: refused late, the command started a server there
    const result = runCli(args, { DATABASE_URL: undefined, CLINICOPS_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) }, input);
    expect({ args, status: result.status, stderr: result.stderr, dataFolder: readdirSync(dataDir) }).toEqual({ args, status: 1, stderr: `${said}\n`, dataFolder: [] });
  }
}, 300_000);

// the same unset variable on the command line (`--phone "$PHONE"`) was refused only by the database, once the embedded
// PostgreSQL had been started (on a new machine, made) and migrated
test("an empty --phone or --password on the command line is refused at once, naming the option, before a database is started", async () => {
  const runs = [
    { args: ["superuser", "--phone", "", "--password", "some-password"], said: "--phone is empty (an unset variable?): nothing was changed" },
    { args: ["superuser", "--phone", "+255799000765", "--password", ""], said: "--password is empty (an unset variable?): nothing was changed" },
    { args: ["password", "--phone=", "--password", "some-password"], said: "--phone is empty (an unset variable?): nothing was changed" },
    { args: ["password", "--phone", "0799000765", "--password="], said: "--password is empty (an unset variable?): nothing was changed" },
  ];
  for (const { args, said } of runs) {
    const dataDir = temporaryFolder("cli");
    chmodSync(dataDir, 0o755); // one the embedded server may use, as root too
    // a port of its own: refused late, the command started a server there
    const result = runCli(args, { DATABASE_URL: undefined, CLINICOPS_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) });
    expect({ args, status: result.status, stderr: result.stderr, dataFolder: readdirSync(dataDir) }).toEqual({ args, status: 1, stderr: `${said}\n`, dataFolder: [] });
  }
}, 300_000);

test("in a terminal, Enter alone at the phone or a password prompt is refused at once, saying nothing was changed", async () => {
  const phone = await runCliInTerminal(["password"], [[/Phone: /, ""]]);
  const password = await runCliInTerminal(["superuser", "--phone", "+255799000766", "--name", "Enter Alone"], [[/Password: $/, ""]]);
  expect([phone, password].map(({ code, screen }) => ({ code, said: screen.trim().split("\n").at(-1)?.trim() }))).toEqual([
    { code: 1, said: "missing --phone: the line typed is empty; nothing was changed" },
    { code: 1, said: "missing --password: the line typed is empty; nothing was changed" },
  ]);
  expect((await rootPool().query(`select from app_public."user" where phone = '+255799000766'`)).rows).toEqual([]);
}, 120_000);

test("a malformed phone is refused", () => {
  const result = superuser(["--phone", "not a phone", "--password", "whatever-password"]);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/not a phone number/);
});

test("a name the database refuses is told what it asks for, not the constraint's SQL text", () => {
  for (const name of ["", "x".repeat(201)]) {
    const result = superuser(["--phone", "+255799000776", "--password", "whatever-password", "--name", name]);
    expect({ status: result.status, stderr: result.stderr.trim() }).toEqual({ status: 1, stderr: "A name is required, at most 200 characters." });
  }
});

test("a malformed DEFAULT_CALLING_CODE is refused with what it must be, as the server refuses it, before a database is started", () => {
  // with no DATABASE_URL: the embedded PostgreSQL was started and migrated in this folder before the refusal
  const dataDir = temporaryFolder("cli");
  const result = runCli(["superuser", "--phone", "0799000778", "--password", "whatever-password"], {
    DEFAULT_CALLING_CODE: "+255",
    DATABASE_URL: undefined,
    CLINICOPS_DATA_DIR: dataDir,
  });
  expect({ status: result.status, stderr: result.stderr, dataFolder: readdirSync(dataDir) }).toEqual({
    status: 1,
    stderr: "DEFAULT_CALLING_CODE must be a country calling code such as 255 (no +)\n",
    dataFolder: [],
  });
});

test("promoting someone while a login of theirs is under way waits for it, instead of deadlocking with it", async () => {
  const user = await createUser();
  const login = await rootPool().connect();
  const admin = await rootPool().connect();
  try {
    const adminPid = (await admin.query("select pg_backend_pid() as pid")).rows[0].pid;
    // a login holds the person's secret, then appends to the platform's audit chain
    await login.query("begin");
    await login.query("select 1 from app_private.user_secret where user_id = $1 for update", [user.userId]);
    const promoted = admin.query("select app_private.create_platform_admin($1, 'Promoted', 'password-123') as id", [user.phone]);
    const outcome = promoted.then(() => "promoted", (error: { code?: string }) => error.code);
    let blocked = false;
    for (const end = Date.now() + 5000; !blocked && Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 20))) {
      blocked = (await rootPool().query("select cardinality(pg_blocking_pids($1)) > 0 as b", [adminPid])).rows[0].b;
    }
    expect(blocked).toBe(true);
    // before, the promotion held the chain's head here (40P01 for one of the two)
    await login.query("select app_private.write_audit(null, 'login_failed', 'user', $1, null, null, '{}'::jsonb, $1)", [user.userId]);
    await login.query("commit");
    expect(await outcome).toBe("promoted");
    expect((await rootPool().query(`select is_platform_admin from app_public."user" where id = $1`, [user.userId])).rows[0].is_platform_admin).toBe(true);
  } finally {
    await login.query("rollback").catch(() => {});
    login.release();
    admin.release();
  }
});
