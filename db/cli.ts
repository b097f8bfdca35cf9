/**
 * Developer commands, the npm scripts' back end (matching the original
 * Makefile verbs):
 *   migrate            apply committed migrations (and set up roles/database)
 *   dev                watch migrations/current and run the server, restarting it on change
 *   watch [--once]     graphile-migrate watch on migrations/current
 *   commit [message]   commit migrations/current
 *   shell              psql as the database owner
 *   superuser --phone P --password W [--name N]   create a platform admin
 */
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import pg from "pg";
import { openDatabase } from "./open.ts";
import { prepareDatabase } from "./setup.ts";
import { commitCurrentMigration, watchCurrentMigration } from "./migrate.ts";

async function ask(question: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) throw new Error(`missing ${question} (no terminal to ask in)`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  if (hidden) {
    // Do not echo the password.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
    process.stdout.write(`${question}: `);
  }
  const answer = await rl.question(hidden ? "" : `${question}: `);
  rl.close();
  if (hidden) process.stdout.write("\n");
  return answer;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const db = await openDatabase({ log: (m) => console.error(m) });
  try {
    switch (command) {
      case "migrate":
        await prepareDatabase(db.config, (m) => console.error(m));
        break;
      case "dev": {
        await prepareDatabase(db.config, (m) => console.error(m));
        const server = spawn(process.execPath, ["--watch-path=server", "--watch-path=db", "--watch-path=worker", "server/main.ts"], {
          stdio: "inherit",
          env: { ...process.env, DATABASE_URL: db.config.rootUrl, GRAPHILE_ENV: "development" },
        });
        process.once("SIGINT", () => server.kill("SIGINT"));
        server.once("exit", () => void db.close().then(() => process.exit(0)));
        await watchCurrentMigration(db.config);
        return;
      }
      case "watch":
        await prepareDatabase(db.config);
        await watchCurrentMigration(db.config, rest.includes("--once"));
        break;
      case "commit":
        await commitCurrentMigration(db.config, rest.join(" ") || undefined);
        break;
      case "shell": {
        const result = spawnSync("psql", [db.config.ownerUrl], { stdio: "inherit" });
        if (result.error) throw new Error(`psql is needed for the shell: ${result.error.message}`);
        process.exitCode = result.status ?? 1;
        break;
      }
      case "superuser": {
        const { values } = parseArgs({
          args: rest,
          options: { phone: { type: "string" }, password: { type: "string" }, name: { type: "string" } },
        });
        const phone = values.phone ?? (await ask("Phone"));
        const name = values.name ?? (process.stdin.isTTY ? await ask("Full name") : "Platform admin");
        const password = values.password ?? (await ask("Password", true));
        await prepareDatabase(db.config);
        const client = new pg.Client({ connectionString: db.config.ownerUrl });
        await client.connect();
        try {
          await client.query("select set_config('clinicops.default_calling_code', $1, false)", [process.env.DEFAULT_CALLING_CODE ?? ""]);
          await client.query("select app_private.create_platform_admin($1, $2, $3)", [phone, name, password]);
        } finally {
          await client.end();
        }
        console.error(`platform admin ${phone} is ready`);
        break;
      }
      default:
        throw new Error(`unknown command "${command ?? ""}"; see db/cli.ts`);
    }
  } finally {
    const longRunning = command === "dev" || (command === "watch" && !rest.includes("--once"));
    if (!longRunning) await db.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
