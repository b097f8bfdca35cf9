--! Previous: sha1:78ccb3d6f7cf84ff59193e8ef31360c1ddd03a72
--! Hash: sha1:d5d9e0f68725b5d4d47205bbeb04a8b67513e635
--! Message: platform administrators read the platform chain

-- Platform administrators read the platform's audit chain.
--
-- Failed logins, logins and changes of sessions without a clinic, and changes to accounts made from a
-- clinic the person is not of (000146) are in the platform's chain (clinic_id null): no one could read
-- them through the API, though platform administrators may verify that chain (verify_audit_chain), so
-- a record of every login, failed or not, was for superusers' SQL only (an auditor of the log).
-- Platform administrators now read it, in any session; no clinic's managers see it.

drop policy if exists select_platform on app_public.audit_log;
create policy select_platform on app_public.audit_log for select
  using (clinic_id is null and (select app_public.current_user_is_platform_admin()));
comment on policy select_platform on app_public.audit_log is 'Platform administrators read the platform''s chain (clinic_id null): failed logins, sessions without a clinic, accounts changed from a clinic the person is not of.';
