--! Previous: sha1:aa09ad37c642bda68027af7cb99d12fe0bd1068f
--! Hash: sha1:0e6b4e7648946e60c36702a672be79b28a2f4334
--! Message: patients A to Z and the waiting room in arrival order

-- Two lists a front desk reads could not be ordered as it reads them: patients of one surname came in
-- no order of their first names (`firstName` was not among the orders: PostGraphile offers orders on
-- indexed columns), and the waiting room could not be listed in the order people checked in
-- (`checkedInAt` was neither an order nor a filter). The surname index also holds the first names,
-- and visits are indexed by status and check-in time: `orderBy: [LAST_NAME_ASC, FIRST_NAME_ASC]`, and
-- `visits(condition: { status: checked_in }, orderBy: CHECKED_IN_AT_ASC)`, each read from its index.

drop index if exists app_public.patient_clinic_last_name_idx;
create index patient_clinic_last_name_idx on app_public.patient (clinic_id, last_name collate "und-x-icu", first_name collate "und-x-icu");
comment on index app_public.patient_clinic_last_name_idx is 'A clinic''s patients by surname, then first name, as people read them (und-x-icu): the list A to Z.';

create index if not exists visit_clinic_status_checked_in_idx on app_public.visit (clinic_id, status, checked_in_at);
comment on index app_public.visit_clinic_status_checked_in_idx is 'A clinic''s visits of a status by check-in time: the waiting room in the order people arrived.';
