/**
 * The benchmarks' own API client (bench/api-client.ts) logs in as a person would and reads through the session it was
 * given. Since a login sets two cookies (the device cookie beside the session's, 000324) the client sent the first it
 * found, the device cookie, so every benchmark's first query answered "Log in first." and no test saw it. And a
 * benchmark's timed request (bench:api-layers') is answered without errors, or the run stops.
 */
import { BENCH_PASSWORD } from "../../bench/dataset.ts";
import { type BenchApi, BENCH_SETTINGS, postGraphql, startBenchApi } from "../../bench/api-client.ts";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { createClinic, type TestClinic } from "../support/fixtures.ts";

afterAll(closeRootPool);

/** Runs `fn` with the benchmarks' API on the test database and a new clinic `name`, its receptionist given the benchmarks' password. */
async function withBenchApi(name: string, fn: (api: BenchApi, clinic: TestClinic, phone: string) => Promise<void>): Promise<void> {
  const clinic = await createClinic(name);
  const member = clinic.members.receptionist;
  await rootPool().query("update app_private.user_secret set password_hash = crypt($2, gen_salt('bf', 4)) where user_id = $1", [member.userId, BENCH_PASSWORD]);
  const api = await startBenchApi(2, testConfig);
  try {
    await fn(api, clinic, member.phone);
  } finally {
    await api.close();
  }
}

test("the benchmarks' client queries with the session's cookie, not the device cookie a login sets beside it", () =>
  withBenchApi("Benchmarks' client", async (api, clinic, phone) => {
    const session = await api.login(phone);
    expect(session.cookie.startsWith(`${BENCH_SETTINGS.cookieName}=`)).toBe(true);
    expect(await session.graphql("{ currentClinic { rowId } }")).toEqual({ data: { currentClinic: { rowId: clinic.clinicId } } });
  }));

test("a benchmark's timed GraphQL request throws on an answer with errors, where one answered fast was timed as an answer", () =>
  withBenchApi("Benchmarks' timed requests", async (api, _clinic, phone) => {
    const url = new URL(api.url);
    const { cookie } = await api.login(phone);
    const query = JSON.stringify({ query: "{ visits(first: 1) { totalCount } }" });
    expect(JSON.parse(await postGraphql(url, query, cookie))).toEqual({ data: { visits: { totalCount: 0 } } });
    await expect(postGraphql(url, query)).rejects.toThrow(/answered \d+: .*Log in first\./);
    await expect(postGraphql(url, JSON.stringify({ query: "{ visits(first: 1) { nodes { noSuchField } } }" }), cookie)).rejects.toThrow(/answered 4\d\d: .*noSuchField/);
  }));
