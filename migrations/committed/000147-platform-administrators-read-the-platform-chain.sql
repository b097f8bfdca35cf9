--! Previous: sha1:9121f142a71e213db5a503b97b81c54af91a6eff
--! Hash: sha1:c06f13597227f4ce47faf8772c3454da7332bec6
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
