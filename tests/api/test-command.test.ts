/**
 * The suite runs TypeScript as ES modules, which jest does only with NODE_OPTIONS=--experimental-vm-modules:
 * a newcomer's plain `npx jest <file>` rebuilt the test database, then failed on the file's first `import` with
 * jest's advice about Babel, naming neither the option nor `npm test`.
 */
import { spawnSync } from "node:child_process";
import { projectPath } from "../../db/paths.ts";

/** `jest --listTests` (it reads the configuration, and neither rebuilds the database nor runs a test) with `NODE_OPTIONS`. */
const listTests = (nodeOptions: string) =>
  spawnSync(process.execPath, [projectPath("node_modules/.bin/jest"), "--listTests"], {
    cwd: projectPath(),
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });

test("jest without the ES modules option stops before anything runs, saying how to run the tests", () => {
  const plain = listTests("");
  expect({ status: plain.status, stderr: plain.stderr.trim().split("\n") }).toEqual({
    status: 1,
    stderr: [expect.stringMatching(/^The tests run as ES modules: run them with `npm test`, or one file with `NODE_OPTIONS=--experimental-vm-modules .*jest <file>`/)],
  });
  expect(plain.stdout).toBe("");

  const withOption = listTests("--experimental-vm-modules");
  expect(withOption.status).toBe(0);
  expect(withOption.stdout).toContain(projectPath("tests/api/test-command.test.ts"));
});
