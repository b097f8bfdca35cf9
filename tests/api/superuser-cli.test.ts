/**
 * `npm run superuser` as an operator runs it, then the platform admin it made
 * creates a clinic with its first owner through GraphQL.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectPath } from "../../db/paths.ts";
import { closeRootPool, TEST_DATABASE_URL } from "../support/database.ts";
import { Browser, startApi, type TestApi } from "../support/api.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

function superuser(args: string[]) {
  return spawnSync(process.execPath, [projectPath("db/cli.ts"), "superuser", ...args], {
    cwd: projectPath(),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"], // no terminal: nothing can be prompted
    env: {
      ...process.env,
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_OWNER_PASSWORD: "clinicops-test-owner",
      DATABASE_AUTHENTICATOR_PASSWORD: "clinicops-test-authenticator",
      CLINICOPS_DATA_DIR: mkdtempSync(join(tmpdir(), "clinicops-cli-")),
      DEFAULT_CALLING_CODE: "255",
    },
  });
}

test("creates a platform admin who can then create a clinic and its owner", async () => {
  const result = superuser(["--phone", "0799 123 456", "--password", "platform-admin-pw", "--name", "Platform Admin"]);
  expect(result.stderr).toMatch(/platform admin 0799 123 456 is ready/);
  expect(result.status).toBe(0);

  const admin = new Browser(api);
  const login = await admin.login("+255799123456", "platform-admin-pw");
  expect(login.body).toMatchObject({ user: { isPlatformAdmin: true }, clinic: null });
  const created = await admin.graphql(
    `mutation { createClinicWithOwner(input: { name: "CLI Clinic", timezone: "Africa/Nairobi", currency: "KES",
       ownerPhone: "+254722000111", ownerName: "Wanjiru", ownerPassword: "owner-password-1" }) { result { rowId name currency } } }`,
  );
  expect(created.body.data.createClinicWithOwner.result).toMatchObject({ name: "CLI Clinic", currency: "KES" });
  const owner = await new Browser(api).login("+254722000111", "owner-password-1");
  expect(owner.body).toMatchObject({ clinic: { name: "CLI Clinic", timezone: "Africa/Nairobi" }, role: "owner" });
});

test("without a terminal, a missing password is an error, not a prompt", () => {
  const result = superuser(["--phone", "+255799000777"]);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/missing Password \(no terminal to ask in\)/);
});

test("a malformed phone is refused", () => {
  const result = superuser(["--phone", "not a phone", "--password", "whatever-password"]);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/not a phone number/);
});
