--! Previous: sha1:1ba9814a415a809257d4be13c280140d7bcbabfd
--! Hash: sha1:17db15ee25e0086b4225b4e4452b756addf39e1e
--! Message: the-exports-update-policy-names-cancelexport

-- The exports' update policy names cancelExport beside deleteExport
--
-- 000316's cancel_export marks an export cancelled through the update policy of report_export (update_money), whose
-- comment still said that an owner, admin or cashier "marks it deleted, through delete_export": a reader of the schema
-- looking for who may change an export, and how, was told of deleting alone. Nothing a user sees changes: the comment
-- now names both functions, the only ways the API's sessions change an export.
comment on policy update_money on app_public.report_export is 'An owner, admin or cashier of the export''s clinic marks it deleted (delete_export) or cancelled (cancel_export), through those functions alone (the API''s role may not update exports itself).';
