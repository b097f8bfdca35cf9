/**
 * The benchmarks' own API client (bench/api-client.ts) logs in as a person would and reads through the session it was
 * given. Since a login sets two cookies (the device cookie beside the session's, 000324) the client sent the first it
 * found, the device cookie, so every benchmark's first query answered "Log in first." and no test saw it.
 */
import { BENCH_PASSWORD } from "../../bench/dataset.ts";
import { BENCH_SETTINGS, startBenchApi } from "../../bench/api-client.ts";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";
import { createClinic } from "../support/fixtures.ts";

afterAll(closeRootPool);

test("the benchmarks' client queries with the session's cookie, not the device cookie a login sets beside it", async () => {
  const clinic = await createClinic("Benchmarks' client");
  const member = clinic.members.receptionist;
  await rootPool().query("update app_private.user_secret set password_hash = crypt($2, gen_salt('bf', 4)) where user_id = $1", [member.userId, BENCH_PASSWORD]);
  const api = await startBenchApi(2, testConfig);
  try {
    const session = await api.login(member.phone);
    expect(session.cookie.startsWith(`${BENCH_SETTINGS.cookieName}=`)).toBe(true);
    expect(await session.graphql("{ currentClinic { rowId } }")).toEqual({ data: { currentClinic: { rowId: clinic.clinicId } } });
  } finally {
    await api.close();
  }
});
