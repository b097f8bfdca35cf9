--! Previous: sha1:645708d4aeb65974f5d17043890a9aa089e00f24
--! Hash: sha1:2f0f6c7945d4ce174f2a4fbca935f6ea02b1c10b
--! Message: the-export-storage-table-s-comment-names-its-writer

-- The export storage table's comment names the code that writes it
--
-- app_private.export_storage's comment told a reader of the schema that db/setup.ts writes its maximum as the server
-- starts; db/setup.ts does not: server/main.ts (npm start, and npm run dev, which runs it) writes it through
-- db/export-storage.ts once the database is prepared, and every start writes its own EXPORT_STORAGE_PER_CLINIC_MB, so
-- the last server started sets the maximum for every server of the database (the worker writes nothing). The comment
-- now says so; nothing else changes.
comment on table app_private.export_storage is 'The most export storage a clinic may have (one row, or none: 2048 MB), which the per-transaction setting clinicops.export_storage_per_clinic_mb only lowers (export_storage_per_clinic_mb): written as the owner role by every start of the API server (server/main.ts, through db/export-storage.ts: npm start, npm run dev) with its EXPORT_STORAGE_PER_CLINIC_MB, so the last server started sets it for every server of the database (the worker writes nothing), out of any session''s reach.';
