/**
 * The login roles' passwords: set as SCRAM verifiers made in Node (db/scram.ts), so that no statement
 * holds a password in its text (PostgreSQL logs DDL and failed statements), and set only when a role
 * is new or has another password, which a start says (every process that prepares the database
 * sets its own secrets', and one with other secrets locked the others out without a word).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { databaseConfig, withCredentials } from "../../db/config.ts";
import { projectPath } from "../../db/paths.ts";
import { isVerifierOf, scramVerifier } from "../../db/scram.ts";
import { withClient } from "../../db/pool.ts";
import { ensureRolesAndDatabase, prepareDatabase } from "../../db/setup.ts";
import { cliEnv, runCli } from "../support/cli.ts";
import { pathWithFakePsql } from "../support/fake-psql.ts";
import { closeRootPool, ownDatabase, rootPool, TEST_DATABASE_URL, testConfig } from "../support/database.ts";
import { temporaryFolders } from "../support/temp-folders.ts";

afterAll(closeRootPool);
const temporaryFolder = temporaryFolders();

const probe = `${testConfig.databaseName}_scram_probe`;

test("a verifier made here is PostgreSQL's: PostgreSQL's own for a password is one of it, and one given is kept as it is", async () => {
  const role = pg.escapeIdentifier(probe);
  const stored = async () => (await rootPool().query("select rolpassword from pg_authid where rolname = $1", [probe])).rows[0].rolpassword as string;
  try {
    await rootPool().query(`create role ${role} login password 'S3cret pass-word!'`); // PostgreSQL makes the verifier
    expect(isVerifierOf(await stored(), "S3cret pass-word!")).toBe(true);
    expect(isVerifierOf(await stored(), "S3cret pass-word")).toBe(false);
    const made = scramVerifier("another-password");
    await rootPool().query(`alter role ${role} password ${pg.escapeLiteral(made)}`);
    expect(await stored()).toBe(made);
    expect(isVerifierOf(made, "another-password")).toBe(true);
    expect(isVerifierOf(made, "S3cret pass-word!")).toBe(false);
    // a salt of its own each time: two roles of one password do not show it
    expect(scramVerifier("another-password")).not.toBe(made);
    expect(isVerifierOf(null, "another-password")).toBe(false); // a role without a password
  } finally {
    await rootPool().query(`drop role if exists ${role}`);
  }
});

test("a start leaves a role whose password is its own as it is, and sets and says so when the role has another", async () => {
  const { url, config, drop } = ownDatabase("passwords");
  const passwords = async () =>
    Object.fromEntries(
      (await rootPool().query("select rolname, rolpassword from pg_authid where rolname = any($1)", [[config.roles.owner, config.roles.authenticator]])).rows.map(
        (r) => [r.rolname, r.rolpassword as string],
      ),
    );
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(message);
  await drop();
  try {
    await ensureRolesAndDatabase(config, warn);
    const first = await passwords();
    expect(isVerifierOf(first[config.roles.owner], config.passwords.owner)).toBe(true);
    expect(isVerifierOf(first[config.roles.authenticator], config.passwords.authenticator)).toBe(true);
    await ensureRolesAndDatabase(config, warn);
    expect({ passwords: await passwords(), warnings }).toEqual({ passwords: first, warnings: [] }); // not set again: the same salt

    // a process with secrets of its own (another data folder)
    const other = databaseConfig(url, { ownerPassword: "another-owner-password", authenticatorPassword: "another-authenticator-password" }, "TEST_DATABASE_URL");
    await ensureRolesAndDatabase(other, warn);
    const second = await passwords();
    expect(isVerifierOf(second[config.roles.owner], "another-owner-password")).toBe(true);
    expect(isVerifierOf(second[config.roles.owner], config.passwords.owner)).toBe(false);
    expect(warnings).toEqual([config.roles.owner, config.roles.authenticator].map((role) => expect.stringContaining(`The password of the role ${role} was not this process's; it is now.`)));
  } finally {
    await drop();
  }
}, 120_000);

// node-postgres takes a connection's user and password from the URL's query before its own (`?user=postgres`, libpq's form
// too), and a URL with no host before its path (`postgres:///clinicops?host=/var/run/postgresql`, a unix socket's) has
// no user to replace: either DATABASE_URL made the owner's and the API's connections the superuser's, every table and
// function of the migrations the superuser's (its SECURITY DEFINER functions past row-level security) and the audit log's
// seal nothing, without a word
test("the owner's and the API's connections are their roles' whatever form DATABASE_URL gives its user and host in", async () => {
  const given = new URL(TEST_DATABASE_URL);
  const superuser = decodeURIComponent(given.username) || "postgres";
  const credentials = `user=${encodeURIComponent(superuser)}${given.password ? `&password=${given.password}` : ""}`;
  const forms = [
    `postgres://${given.host}/${testConfig.databaseName}?${credentials}`,
    `postgres:///${testConfig.databaseName}?host=${given.hostname}&port=${given.port || 5432}&${credentials}`,
  ];
  const currentUser = (url: string) => withClient(url, async (client) => (await client.query("select current_user as user")).rows[0].user as string);
  const passwords = { ownerPassword: testConfig.passwords.owner, authenticatorPassword: testConfig.passwords.authenticator };
  for (const form of forms) {
    const config = databaseConfig(form, passwords);
    expect(await currentUser(config.rootUrl)).toBe(superuser); // the form is one node-postgres connects with
    expect({ form, owner: await currentUser(config.ownerUrl), api: await currentUser(config.authenticatorUrl) }).toEqual({
      form,
      owner: testConfig.roles.owner,
      api: testConfig.roles.authenticator,
    });
    // npm run shell's address for psql, whose command line `ps` shows: the password left out of it, in the query too
    expect(withCredentials(config.ownerUrl, null, "")).not.toContain(testConfig.passwords.owner);
  }
});

test("a DATABASE_URL that is not a superuser is refused before anything, saying so (it failed later, in PostgreSQL's words)", async () => {
  const { url } = ownDatabase("not_super");
  const asOwner = databaseConfig(withCredentials(url, testConfig.roles.owner, testConfig.passwords.owner), { ownerPassword: "o-password", authenticatorPassword: "a-password" });
  await expect(prepareDatabase(asOwner)).rejects.toThrow(
    `DATABASE_URL must name a superuser, and ${testConfig.roles.owner} is not one: it creates ClinicOps' roles and gives them their attributes, which only a superuser may set.`,
  );
  const { rows } = await rootPool().query("select count(*)::int as n from pg_database where datname = $1", [asOwner.databaseName]);
  expect(rows[0].n).toBe(0);
});

// on a new machine (npm start never run) psql said only: role "…_owner" does not exist
test("npm run shell on a database not set up says how to set it up, and opens no psql", async () => {
  const bin = temporaryFolder("fake-psql");
  const PATH = pathWithFakePsql(bin, `touch "${bin}/ran"`);
  const fresh = ownDatabase("never_set_up");
  await fresh.drop();
  const result = runCli(["shell"], { DATABASE_URL: fresh.url, PATH });
  expect({ status: result.status, said: result.stderr.trim(), psql: existsSync(join(bin, "ran")) }).toEqual({
    status: 1,
    said: `ClinicOps' database ${fresh.config.databaseName} is not set up on the PostgreSQL at ${new URL(fresh.url).host} that DATABASE_URL names: run npm run migrate (or npm start) first`,
    psql: false,
  });
});

// psql was given the owner's address with its password, which `ps` shows every user of the machine while the shell is open
test("npm run shell gives psql the owner's password in its environment, not on its command line", () => {
  const bin = temporaryFolder("fake-psql");
  // a psql that writes down how it was called
  const PATH = pathWithFakePsql(bin, `printf '%s\\n' "$@" > "${bin}/args"\nprintf '%s' "$PGPASSWORD" > "${bin}/password"`);
  const result = runCli(["shell"], { PATH });
  expect(result.status).toBe(0);
  const args = readFileSync(join(bin, "args"), "utf8");
  expect(args).toContain(`${testConfig.roles.owner}@`);
  expect(args).not.toContain("clinicops-test-owner"); // the password runCli gives the owner role
  expect(readFileSync(join(bin, "password"), "utf8")).toBe("clinicops-test-owner");
});

// psql reading stdin went on past a failed statement and ended with 0: `npm run shell < fix.sql` in a deploy script
// ran the statements after the failure and never told the script the fix had failed
test("SQL piped to `npm run shell` stops at its first error, and npm's caller gets psql's 3; SQL that works ends with 0", () => {
  const piped = (input: string) => {
    const result = spawnSync("npm", ["run", "shell"], { cwd: projectPath(), encoding: "utf8", input, env: cliEnv(temporaryFolder("shell-data")) });
    return { status: result.status, out: result.stdout.includes("after-error"), error: result.stderr.includes('column "nosuch" does not exist') };
  };
  expect(piped("select nosuch;\nselect 'after' || '-error';\n")).toEqual({ status: 3, out: false, error: true });
  expect(piped("select 'after' || '-error';\n")).toEqual({ status: 0, out: true, error: false });
});

// with no psql on the PATH (the embedded PostgreSQL brings none) it said "psql is needed for the shell: spawnSync psql
// ENOENT", naming neither the package that brings it nor the PATH
test("npm run shell with no psql on the PATH says where to get one", () => {
  const result = runCli(["shell"], { PATH: temporaryFolder("no-psql") });
  expect({ status: result.status, said: result.stderr.trim() }).toEqual({
    status: 1,
    said: "npm run shell runs psql, and there is none on the PATH: install PostgreSQL's client (Debian and Ubuntu: apt-get install postgresql-client), or add the folder of a psql to the PATH",
  });
});
