/**
 * The API served in the benchmark's own process, as `npm start` serves it
 * (production settings, silent logs), and a light client for it: node:http
 * with keep-alive connections. fetch() costs about 1.7 ms a request when the
 * client shares the server's process, which is the client's cost, not the
 * API's.
 */
import { Agent, request } from "node:http";
import type { DatabaseConfig } from "../db/config.ts";
import { apiPool } from "../server/pg-transaction.ts";
import { loopbackApi } from "../server/loopback-api.ts";
import { serverSettings } from "../server/settings.ts";
import { BENCH_PASSWORD, benchConfig } from "./dataset.ts";

export interface BenchSession {
  /** The session cookie, as a Cookie header's value. */
  cookie: string;
  /** Runs a GraphQL operation with the session's cookie; throws on errors. */
  graphql(query: string, variables?: object): Promise<{ data: any }>;
}

export interface BenchApi {
  url: string;
  /** Logs in with the bench password and returns the session. */
  login(phone: string): Promise<BenchSession>;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agent = new Agent({ keepAlive: true });

/** POSTs JSON `body` to `path` of `server`, with `cookie` as its Cookie header. */
function post({ hostname, port }: URL, path: string, body: string, cookie = ""): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, path, method: "POST", agent, headers: { "content-type": "application/json", cookie } },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (data += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * POSTs the GraphQL request `body` to `server`'s /graphql with `cookie` and answers the reply's body; throws unless it
 * is a 200 without errors. A benchmark's timed request sent with post() alone counted an error answered fast ("Log in
 * first.", a 503) as one more quick answer. Read without parsing, as a timed request's cost: in JSON text, `"errors":`
 * is a key (a string holding it has its quotes escaped), and a ClinicOps answer has none but the top level's.
 */
export async function postGraphql(server: URL, body: string, cookie = ""): Promise<string> {
  const reply = await post(server, "/graphql", body, cookie);
  if (reply.status !== 200 || reply.body.includes('"errors":')) throw new Error(`${server} answered ${reply.status}: ${reply.body}`);
  return reply.body;
}

/** The API's settings in the benchmarks: production's, with a secret of their own. */
export const BENCH_SETTINGS = serverSettings({ JWT_SECRET: "bench-secret-bench-secret-bench-secret!!", NODE_ENV: "production" }, "");

/** Serves the bench database of `config` (by default BENCH_DATABASE_URL's) with a pool of `poolSize` connections. */
export async function startBenchApi(poolSize = 10, config: DatabaseConfig = benchConfig): Promise<BenchApi> {
  process.env.LOG_LEVEL = "silent";
  const pool = apiPool(config.authenticatorUrl, poolSize);
  const { api, url } = await loopbackApi({ pool, settings: BENCH_SETTINGS, roles: config.roles });
  const server = new URL(url);
  return {
    url,
    async login(phone) {
      // a 503 (the database busy, as on a machine loaded by other work) is asked again, as a user would, up to three times
      const ask = () => post(server, "/auth/login", JSON.stringify({ phone, password: BENCH_PASSWORD }));
      let reply = await ask();
      for (let attempt = 2; reply.status === 503 && attempt <= 3; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        reply = await ask();
      }
      if (reply.status !== 200) throw new Error(`login failed for ${phone}: ${reply.body}`);
      // the session's cookie, not the device cookie a login sets beside it (000324)
      const cookie = [reply.headers["set-cookie"] ?? []].flat().find((header) => header.startsWith(`${BENCH_SETTINGS.cookieName}=`))?.split(";")[0] ?? "";
      return {
        cookie,
        async graphql(query, variables = {}) {
          return JSON.parse(await postGraphql(server, JSON.stringify({ query, variables }), cookie));
        },
      };
    },
    async close() {
      await api.close();
      await pool.end();
    },
  };
}
