/**
 * The suite's files run two at a time on one PostgreSQL (jest.config.js), and each holds at most its share of the
 * server's connections (FILE_CONNECTIONS, tests/support/database.ts): two files' shares together fit in those the
 * server leaves to roles other than superusers, so that a test API's connection is never refused for another file's
 * (a 503 UNAVAILABLE at random, as of which files ran together).
 */
import { readdirSync, readFileSync } from "node:fs";
import { projectPath } from "../../db/paths.ts";
import { startApi, type TestApi } from "../support/api.ts";
import { apiPool, closeRootPool, FILE_CONNECTIONS, rootPool } from "../support/database.ts";

afterAll(closeRootPool);

test("two files at once, each holding every connection its share allows, fit in the connections the server leaves to others than superusers", async () => {
  const { rows: [server] } = await rootPool().query<{ open: number }>(
    "select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int as open",
  );
  // how many files jest runs at once (jest.config.js, plain JavaScript)
  const { default: jestConfig } = (await import(projectPath("jest.config.js"))) as { default: { maxWorkers: number } };
  const share = rootPool().options.max + apiPool().options.max + FILE_CONNECTIONS.testApis + FILE_CONNECTIONS.own;
  expect(jestConfig.maxWorkers * share).toBeLessThanOrEqual(server.open);
  // a burst's connections (a test's 50 allocations at once) are given back within a second, not kept 10 s
  expect([rootPool().options.idleTimeoutMillis, apiPool().options.idleTimeoutMillis]).toEqual([1000, 1000]);
});

test("a file's test APIs together hold at most its share: one past it is refused at its start, naming the share", async () => {
  const started: TestApi[] = [];
  try {
    started.push(await startApi({ DATABASE_POOL_SIZE: String(FILE_CONNECTIONS.testApis - 1) }));
    await expect(startApi({ DATABASE_POOL_SIZE: "2" }).then((api) => (started.push(api), "started"))).rejects.toThrow(
      new RegExp(`^A test file's APIs hold at most ${FILE_CONNECTIONS.testApis} connections at once \\(FILE_CONNECTIONS\\.testApis, tests/support/database\\.ts\\): those open hold ${FILE_CONNECTIONS.testApis - 1}, and this one's 2 would pass that`),
    );
  } finally {
    for (const api of started) await api.close();
  }
  // an API closed gives its connections back to the share
  const whole = await startApi({ DATABASE_POOL_SIZE: String(FILE_CONNECTIONS.testApis) });
  await whole.close();
});

test("a pool a test file makes of its own holds at most the file's own share", () => {
  const tests = projectPath("tests");
  const pools = readdirSync(tests, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".test.ts"))
    .flatMap((file) => [...readFileSync(`${tests}/${file}`, "utf8").matchAll(/\bmax: (\d+)/g)].map((match) => ({ file, max: Number(match[1]) })));
  expect(pools.length).toBeGreaterThan(0);
  expect(pools.filter(({ max }) => max > FILE_CONNECTIONS.own)).toEqual([]);
});
