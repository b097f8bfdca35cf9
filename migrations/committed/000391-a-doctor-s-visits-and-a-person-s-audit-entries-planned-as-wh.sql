--! Previous: sha1:2a12d42fd8dd7d43f1535579dd7cc3e351485ecc
--! Hash: sha1:d5bc07f8f0500bf3e989d90e190fef971b4d9332
--! Message: A doctor's visits and a person's audit entries planned as what they are

-- A doctor's visits and a person's audit entries planned as what they are
--
-- The API plans its statements generically (plan_cache_mode force_generic_plan, server/pg-settings.ts), so a list
-- filtered by its clinic and a doctor is priced on the average clinic times the average doctor, as if they were
-- independent: about 1,500 visits of one doctor at 200 clinics of 3,000 visits, estimated 7. Priced so, a doctor's
-- visits newest first read every visit of the doctor through the index of the clinic and doctor, and sorted them all
-- for the page of 20; and one person's audit entries (`auditLogs(filter: { actorUserId })`, newest first) every entry
-- of that person, however long the chain. A doctor is of one clinic (their membership), and a person's entries are
-- mostly of one chain: statistics of the dependency tell the planner so, and the page is read from the index in its
-- order, 20 rows and the next to know there are more (tests/db/visits.test.ts, tests/db/audit.test.ts).
create statistics if not exists app_public.visit_clinic_doctor_dependency (dependencies) on clinic_id, doctor_id from app_public.visit;
comment on statistics app_public.visit_clinic_doctor_dependency is
  'A doctor (a membership) is of one clinic: a list of a clinic''s visits by doctor is priced as the doctor''s visits, not the average clinic''s share of the average doctor''s';
create statistics if not exists app_public.audit_log_chain_actor_dependency (dependencies)
  on (coalesce(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid)), actor_user_id from app_public.audit_log;
comment on statistics app_public.audit_log_chain_actor_dependency is
  'A person''s audit entries are mostly of one chain: a chain''s entries by actor are priced as the person''s entries, not the average chain''s share of the average person''s';
-- the statistics are empty until the tables are analyzed
analyze app_public.visit;
analyze app_public.audit_log;
