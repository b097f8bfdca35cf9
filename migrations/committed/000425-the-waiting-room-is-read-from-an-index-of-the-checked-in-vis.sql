--! Previous: sha1:c7a8cd41cf880517becb8668b3ccf0cc9802a247
--! Hash: sha1:d6b788348aa09cd0f13803473524c768f431c68e
--! Message: The waiting room is read from an index of the checked-in visits alone

-- The waiting room is read from an index of the checked-in visits alone
--
-- Under row-level security an enum's equality (`enum_eq`, not leakproof) is no index condition, and as a parameter of
-- a generic plan it proves no partial index's predicate: `visits(condition: { status: checked_in })` read every visit
-- of its clinic through `visit_clinic_status_checked_in_idx` (000164) by `clinic_id` alone and kept the checked-in
-- ones. The API now writes an enum's value into the statement as a constant (server/enum-constants.ts), which proves
-- this index's predicate: it holds the visits waiting now, a handful per clinic, in the order they arrived.
-- 000164's index served nothing else and goes.
create index if not exists visit_waiting_room_idx on app_public.visit (clinic_id, checked_in_at) where status = 'checked_in';
comment on index app_public.visit_waiting_room_idx is 'A clinic''s checked-in visits, in the order they arrived: the waiting room (`status: checked_in`, a constant the API writes into its statement, 000425), a few rows per clinic whatever its history.';
drop index if exists app_public.visit_clinic_status_checked_in_idx;
comment on column app_public.visit.checked_in_at is E'@behavior +filterBy +orderBy\nWhen the patient checked in.';
