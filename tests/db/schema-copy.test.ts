/**
 * schemaCopy (tests/support/database.ts), a test file's own copy of the test database's schema: a copy cut short
 * is dropped, not left behind on the server the test files (and other runs) share.
 */
import { closeRootPool, rootPool, schemaCopy, testConfig } from "../support/database.ts";
import { until } from "../support/until.ts";

afterAll(closeRootPool);

// created, then its restore failed: the database was left, empty, until a later run made the same copy
test("a copy whose restore fails (its connection ended) is dropped, and the failure is the copy's", async () => {
  const name = `${testConfig.databaseName}_cut_copy`;
  const copying = schemaCopy("cut_copy");
  copying.catch(() => {}); // awaited below, once cut
  // the restore's connection (the only one to the copy), ended as soon as its restore is seen running
  const cut = await until(
    async () =>
      (await rootPool().query<{ ended: boolean }>("select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = $1 and state = 'active'", [name])).rows.some(
        ({ ended }) => ended,
      ),
    20_000,
    5,
  );
  expect(cut).toBe(true);
  await expect(copying).rejects.toThrow("terminating connection due to administrator command");
  expect((await rootPool().query("select datname from pg_database where datname = $1", [name])).rows).toEqual([]);
});
