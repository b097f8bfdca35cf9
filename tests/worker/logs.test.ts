/**
 * The worker's log lines read as the server's: "warn" where graphile-worker says "warning" (a filter on
 * the server's level missed the worker's), and an error in a line's meta with its message (JSON made
 * `{}` of it: "Failed to reset locked; … "error":{}" said nothing of why).
 */
import { jest } from "@jest/globals";
import { spawn } from "node:child_process";
import { once } from "node:events";
import pg from "pg";
import { projectPath } from "../../db/paths.ts";
import { prepareDatabase } from "../../db/setup.ts";
import { jsonLogger } from "../../worker/run.ts";
import { ownDatabase } from "../support/database.ts";
import { linesLoggedBy } from "../support/logs.ts";
import { temporaryFolders } from "../support/temp-folders.ts";
import { until } from "../support/until.ts";

/** The lines `write` logs at LOG_LEVEL `level` ("" as unset), read as JSON. */
const linesWritten = async (write: () => void, level?: string) => (await linesLoggedBy(async () => write(), level)).map((line) => JSON.parse(line));

/** graphile-worker's lines of each level, as it writes them. */
const everyLevel = () => {
  jsonLogger.debug("Found task 1 (report_export__produce)");
  jsonLogger.info("Worker connected and looking for jobs...");
  jsonLogger.warn("Failed to reset locked; we'll try again");
  jsonLogger.error("Failed task 1 (report_export__produce)");
};

// graphile-worker writes a debug line at every step of every job: a day's logs were mostly those
test.each([
  ["", ["info", "warn", "error"]],
  ["debug", ["debug", "info", "warn", "error"]],
  ["warn", ["warn", "error"]],
  ["error", ["error"]],
  ["silent", []],
])("at LOG_LEVEL=%j the worker writes the lines of %j", async (level, written) => {
  expect((await linesWritten(everyLevel, level)).map((line) => line.level)).toEqual(written);
});

test("a warning is a warn line, and an error in its meta says its message and code", async () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
  const [line] = await linesWritten(() => jsonLogger.warn("Failed to reset locked; we'll try again", { error: refused }));
  expect(line).toMatchObject({
    level: "warn",
    event: "worker",
    message: "Failed to reset locked; we'll try again",
    meta: { error: { name: "Error", message: "connect ECONNREFUSED 127.0.0.1:5432", code: "ECONNREFUSED" } },
  });
});

// graphile-worker logs its worker, a circular object, when a worker's release fails in a stop: the throw
// ended its graceful shutdown, its jobs not handed back
test("a line whose meta is circular is written, the cycle's way back marked, and nothing thrown to the caller", async () => {
  const worker: Record<string, unknown> = { workerId: "worker-1" };
  worker.self = { promise: { worker } };
  const [line] = await linesWritten(() => jsonLogger.warn("Cancelling worker worker-1 failed", { worker, reason: new Error("Connection terminated unexpectedly") }));
  expect(line).toMatchObject({
    level: "warn",
    message: "Cancelling worker worker-1 failed",
    meta: { worker: { workerId: "worker-1", self: { promise: { worker: "[seen above]" } } }, reason: { message: "Connection terminated unexpectedly" } },
  });
});

test("a line with a field that cannot be written (its toJSON throws) is written as such, and nothing thrown to the caller", async () => {
  const [line] = await linesWritten(() => jsonLogger.error("Job failed", { job: { toJSON: () => { throw new Error("not now"); } } }));
  expect(line).toMatchObject({ level: "error", event: "worker", unwritable: "Error: not now" });
});

// an operator's alert on stderr, or a filter of it, sees every warning and error and nothing else (docs/operations.md)
test("warnings and errors are written to stderr, the other lines to stdout", () => {
  const levels: Record<"stdout" | "stderr", string[]> = { stdout: [], stderr: [] };
  const level = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = "debug";
  const spies = (["stdout", "stderr"] as const).map((stream) =>
    jest.spyOn(process[stream], "write").mockImplementation((chunk) => levels[stream].push(JSON.parse(String(chunk)).level) > 0),
  );
  try {
    everyLevel();
  } finally {
    process.env.LOG_LEVEL = level;
    for (const spy of spies) spy.mockRestore();
  }
  expect(levels).toEqual({ stdout: ["debug", "info"], stderr: ["warn", "error"] });
});

// an upgrade's warnings (000386's: the clinics whose cashiers are now refused at the desk) were warn lines, which
// LOG_LEVEL=error does not write: the start counted each shown all the same, and the operator never saw it
describe("an upgrade's warnings, a record for the operator", () => {
  const { url, config, drop } = ownDatabase("upgrade_warnings");
  const temporaryFolder = temporaryFolders();
  beforeAll(async () => {
    await drop();
    await prepareDatabase(config, () => {}, { warn: () => {} });
  }, 120_000);
  afterAll(() => drop());

  test.each(["server/main.ts", "worker/main.ts"])("are written by %s at LOG_LEVEL=error too, the one start that counts them shown", async (script) => {
    const message = `Clinics with open invoices in another currency than their own (seen by ${script})`;
    const root = new pg.Client({ connectionString: url });
    await root.connect();
    try {
      const { rows: [left] } = await root.query("insert into app_private.upgrade_warning (migration, message) values ('000386', $1) returning id", [message]);
      const started = spawn(process.execPath, [projectPath(script)], {
        cwd: projectPath(),
        env: {
          ...process.env,
          DATABASE_URL: url,
          DATABASE_OWNER_PASSWORD: config.passwords.owner,
          DATABASE_AUTHENTICATOR_PASSWORD: config.passwords.authenticator,
          CLINICOPS_DATA_DIR: temporaryFolder("upgrade-warnings"),
          LOG_LEVEL: "error",
          WORKER: "off",
          PORT: "0",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      started.stderr.on("data", (chunk) => (stderr += chunk));
      const exited = once(started, "exit");
      const shown = await until(async () => (await root.query("select shown_at is not null as shown from app_private.upgrade_warning where id = $1", [left.id])).rows[0].shown, 60_000);
      // counted shown just before the line is written: a few seconds for it
      await until(() => stderr.includes(message), 5000);
      started.kill("SIGTERM");
      await exited;
      expect(shown).toBe(true);
      const lines = stderr.split("\n").filter((line) => line.includes(message)).map((line) => JSON.parse(line));
      expect(lines).toEqual([expect.objectContaining({ level: "warn", message: `WARNING from migration 000386: ${message}` })]);
    } finally {
      await root.end();
    }
  }, 120_000);
});
