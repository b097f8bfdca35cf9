--! Previous: sha1:fe6db2078d3a7cd6cd5ef27b843fc5c32ab0be50
--! Hash: sha1:2cc2e7d6d878f192906ea71169cf1b60428be0a2
--! Message: The visits under way are read from the index of the patients in the clinic, with the waiting room

-- The visits under way are read from the index of the patients in the clinic, with the waiting room
--
-- 000425's index held the checked-in visits alone, so `visits(filter: { status: { equalTo: in_progress } })` (a
-- doctor's visits under way) was read from whichever index of the clinic's visits the planner took: from
-- `visit_patient_booked_once` (every visit booked ahead, checked in or under way, of every clinic) or, where more visits
-- were booked ahead, from the clinic's index of times, every visit of the clinic (6,016 read for one in progress).
-- One index now holds the visits whose patient is in the clinic now, checked in or with their doctor, by check-in time:
-- a status the API writes as a constant (server/enum-constants.ts) proves its predicate for either list, and it stays
-- a handful of rows per clinic whatever its history.
create index if not exists visit_in_the_clinic_idx on app_public.visit (clinic_id, checked_in_at) where status in ('checked_in', 'in_progress');
comment on index app_public.visit_in_the_clinic_idx is 'A clinic''s visits whose patient is in the clinic now, checked in or with their doctor, in the order they arrived: the waiting room (`status: checked_in`) and the visits under way (`status: in_progress`), each a constant the API writes into its statement (000425, 000NNN), a few rows per clinic whatever its history.';
drop index if exists app_public.visit_waiting_room_idx;
