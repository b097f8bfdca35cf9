--! Previous: sha1:e76b908f0ea9191b9b4a0543a360e9ed40051fe9
--! Hash: sha1:128b61a083e6149e7f741bccb9ba22321067f168
--! Message: Rollups rebuilt by a manager count deleted patients

-- A clinic's time zone changed through the API (updateClinic, owners and admins) rebuilt its
-- rollups without its soft-deleted patients: app_private.rebuild_rollups runs in the manager's
-- transaction, under their policies, which hide deleted rows, so the dashboard's "new patients"
-- lost them, where the incremental triggers and a rebuild by the worker count them (found by a
-- review of definer functions under row-level security). It sees them by its definition (000057).
alter function app_private.rebuild_rollups(uuid) set clinicops.include_deleted = 'on';
