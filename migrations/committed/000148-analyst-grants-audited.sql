--! Previous: sha1:c06f13597227f4ce47faf8772c3454da7332bec6
--! Hash: sha1:330d43a7445d584ab7068d4029a0ca928f08b70c
--! Message: analyst grants audited

-- An analyst's access to a clinic is in the clinic's audit log.
--
-- `npm run analyst -- grant <name> <clinic>` gives a login SQL read access to a clinic's patients,
-- visits and money, and `revoke` takes it back; neither left an entry in the clinic's log, so the
-- clinic's owner could not tell who could read its data, since when (an auditor of the log). Each
-- grant of a clinic (app_private.analyst_grant) is now audited in that clinic's chain, by the audit
-- trigger every table has: an insert when granted, a delete when revoked (a grant again is both), with
-- no actor (an operator's command, as the system). The grants made before are each written now, as
-- inserts (their granted_at says since when), so that a later revoke has its grant in the log.

drop trigger if exists _500_audit on app_private.analyst_grant;
create trigger _500_audit after insert or update or delete on app_private.analyst_grant
  for each row execute function app_private.tg__audit();
comment on trigger _500_audit on app_private.analyst_grant is 'Audits each clinic granted to an analyst, or revoked, in that clinic''s chain (tg__audit).';

select app_private.write_audit(g.clinic_id, 'insert', 'analyst_grant', null, null, to_jsonb(g), null, null)
from app_private.analyst_grant g
where not exists (select from app_public.audit_log a where a.clinic_id = g.clinic_id and a.table_name = 'analyst_grant')
order by g.clinic_id, g.granted_at, g.role_name;
