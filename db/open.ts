/**
 * The database ClinicOps runs on: DATABASE_URL when given, otherwise an
 * embedded PostgreSQL under the data folder.
 */
import { databaseConfig, type DatabaseConfig, loadSecrets, type Secrets } from "./config.ts";
import { neverEnded, refuseTakenPortOfNewFolder, startEmbeddedPostgres } from "./embedded.ts";

export interface OpenDatabase {
  config: DatabaseConfig;
  secrets: Secrets;
  embedded: boolean;
  close(): Promise<void>;
  /** Resolves, saying so, when the embedded server this process started ends other than by `close` (see stopWhenDatabaseEnds); never otherwise. */
  ended: Promise<string>;
}

export async function openDatabase(
  {
    env = process.env,
    log = () => {},
    secrets,
  }: { env?: NodeJS.ProcessEnv; log?: (message: string) => void; /** As loadSecrets(env) reads them, when read already (after refuseTakenPortOfNewFolder, as server/main.ts does). */ secrets?: Secrets } = {},
): Promise<OpenDatabase> {
  if (!secrets) {
    await refuseTakenPortOfNewFolder(env); // before loadSecrets writes secrets.json into a new data folder
    secrets = loadSecrets(env);
  }
  if (env.DATABASE_URL) {
    return { config: databaseConfig(env.DATABASE_URL, secrets), secrets, embedded: false, close: async () => {}, ended: neverEnded };
  }
  log("DATABASE_URL is not set: using the embedded PostgreSQL");
  const embedded = await startEmbeddedPostgres(secrets, env, log);
  const config = databaseConfig(embedded.rootUrl, secrets, "EMBEDDED_PG_DATABASE", (address) => `the embedded PostgreSQL at ${address}`);
  return { config, secrets, embedded: true, close: embedded.stop, ended: embedded.ended };
}
