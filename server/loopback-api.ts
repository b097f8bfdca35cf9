/**
 * The API as the tests and the benchmarks serve it: on a port of 127.0.0.1 the system gives.
 */
import type { AddressInfo } from "node:net";
import { type ApiServer, type ApiServerOptions, createApiServer } from "./app.ts";

/**
 * The API on `options.pool`, listening on 127.0.0.1, and its address. A start that fails (its GraphQL schema not read)
 * ends the pool before it throws: left open, its connections kept the test run (or the benchmark) from ending.
 */
export async function loopbackApi(options: ApiServerOptions): Promise<{ api: ApiServer; url: string }> {
  let api: ApiServer;
  try {
    api = await createApiServer(options);
  } catch (error) {
    await options.pool.end();
    throw error;
  }
  await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
  return { api, url: `http://127.0.0.1:${(api.server.address() as AddressInfo).port}` };
}
