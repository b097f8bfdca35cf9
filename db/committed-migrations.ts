/**
 * The migrations this version carries (migrations/committed), in the order they run: what a start
 * checks the database's against (db/setup.ts), and what /ready and the benchmarks' data sets name
 * as the newest.
 */
import { readdirSync } from "node:fs";
import { projectPath } from "./paths.ts";

/** The committed migrations' file names, oldest first ("000001-foundation.sql", …). */
export function committedMigrationFiles(): string[] {
  return readdirSync(projectPath("migrations/committed"))
    .filter((name) => name.endsWith(".sql"))
    .sort();
}

/** A migration's number: graphile-migrate records "000002.sql" for the file "000002-some-message.sql". */
export const migrationNumber = (file: string | null) => (file ? (/^(\d+)/.exec(file)?.[1] ?? null) : null);

/** The number of the newest committed migration ("000178"), which a database this version serves has applied last. */
export function newestCommittedMigration(): string | null {
  return migrationNumber(committedMigrationFiles().at(-1) ?? null);
}
