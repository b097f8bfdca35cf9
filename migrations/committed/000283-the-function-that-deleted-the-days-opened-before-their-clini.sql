--! Previous: sha1:e0dfbb1ca3284f26244b4b16810614fcd635a4a5
--! Hash: sha1:7c8e82d075ffea019a83d6401758405cfbc91fe9
--! Message: The function that deleted the days opened before their clinic names its migration

-- The function that deleted the days opened before their clinic names its migration
--
-- drop_days_opened_before_clinics' comment, which the schema's readers see, said it undid what was opened "before
-- 000NNN" and was "run by 000NNN": the migration's number was never filled in. It is 000265.
comment on function app_private.drop_days_opened_before_clinics() is 'Deletes, each audited, the open days the hourly reconciliation opened before their clinic''s first local day (the date of its creation in its time zone) before 000265: with no money, never counted, closed, reopened or written on. Returns how many. Run by 000265; an operator may run it again.';
