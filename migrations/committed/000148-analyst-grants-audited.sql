--! Previous: sha1:7ab5b16ba28ab41615d471f138ee8164c316e389
--! Hash: sha1:48896a6d54f4e14d88c47f0591f9684f10e6fff9
--! Message: analyst grants audited

-- An analyst's access to a clinic is in the clinic's audit log.
--
-- `npm run analyst -- grant <name> <clinic>` gives a login SQL read access to a clinic's patients,
-- visits and money, and `revoke` takes it back; neither left an entry in the clinic's log, so the
-- clinic's owner could not tell who could read its data, since when (an auditor of the log). Each
-- grant of a clinic (app_private.analyst_grant) is now audited in that clinic's chain, by the audit
-- trigger every table has: an insert when granted, a delete when revoked (a grant again is both), with
-- no actor (an operator's command, as the system).

drop trigger if exists _500_audit on app_private.analyst_grant;
create trigger _500_audit after insert or update or delete on app_private.analyst_grant
  for each row execute function app_private.tg__audit();
comment on trigger _500_audit on app_private.analyst_grant is 'Audits each clinic granted to an analyst, or revoked, in that clinic''s chain (tg__audit).';
