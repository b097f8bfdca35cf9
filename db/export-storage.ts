/**
 * The most export storage a clinic may have, kept by the database (app_private.export_storage): the server's
 * EXPORT_STORAGE_PER_CLINIC_MB, written as the owner role at every start. Each API transaction is also given the
 * server's value (clinicops.export_storage_per_clinic_mb), which request_export reads only as far as this most: a
 * session setting it higher by hand gets no more storage, and a server started with less than this (a test's 1 MB)
 * keeps its own.
 */
import type { DatabaseConfig } from "./config.ts";
import { withClient } from "./pool.ts";

export async function keepExportStorageMost(config: DatabaseConfig, mb: number): Promise<void> {
  await withClient(config.ownerUrl, (client) =>
    client.query(
      "insert into app_private.export_storage (most_mb) values ($1) on conflict (only_row) do update set most_mb = excluded.most_mb",
      [mb],
    ),
  );
}
