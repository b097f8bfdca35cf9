--! Previous: sha1:eadb0ba5252a4cef3483d8fb242614567e39ca54
--! Hash: sha1:bb6542dedb3fb3501d348876adb91e096b72dee5
--! Message: deleted-rows-seen-only-by-the-owner-s-functions

-- Deleted rows are seen only by the functions that need them, not by a session that asks for them
--
-- The select policies of patient, service and membership showed soft-deleted rows whenever the setting
-- clinicops.include_deleted was on, and any session may turn a custom setting on for itself: SQL run as the API's
-- role (a doctor's, a cashier's or a receptionist's session, by `select set_config('clinicops.include_deleted', 'on',
-- true)`) read the clinic's deleted patients and services and removed members, which only owners and admins may
-- list, and a receptionist edited a deleted patient's notes, phone and names, which no role may do until an owner or
-- admin restores them. Now the setting counts only for the database owner role, which the trusted functions that
-- need deleted rows run as (security definer, the setting in their definition: decision 010): a session turning it
-- on by hand sees and changes no deleted row, and those functions see what they saw.
create or replace function app_hidden.include_deleted() returns boolean
language sql stable
as $$
  select coalesce(current_setting('clinicops.include_deleted', true), '') = 'on' and current_user = ':DATABASE_OWNER';
$$;
comment on function app_hidden.include_deleted() is 'True while a trusted function needs soft-deleted rows to be visible (select policies hide them otherwise): clinicops.include_deleted is on and the query runs as the database owner role, as a security definer function that sets it in its definition does. A session that turns the setting on by hand (SQL as the API''s role, an analyst) sees no deleted row.';
