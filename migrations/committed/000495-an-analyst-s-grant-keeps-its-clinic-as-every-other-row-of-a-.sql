--! Previous: sha1:14ea1a6851a1b0b5cc61b48576c64ce32b25d0ea
--! Hash: sha1:9eeb0552827fe9bfd05bb5662230faa4860c05cf
--! Message: An analyst's grant keeps its clinic, as every other row of a clinic does

-- Enter migration here

-- An analyst's grant keeps its clinic too: an operator's psql moves no grant to another clinic
--
-- 000494 held every table of a clinic's rows in app_public to its clinic, but not the analysts' grants
-- (app_private.analyst_grant), a clinic's rows all the same, each in that clinic's audit chain (000148) so that its owner
-- sees who may read its data, and since when. An operator's psql setting a grant's clinic_id moved the analyst to the
-- other clinic: they read it and no more of the first, whose log, never told, said they read it still, while the other
-- clinic's log told it as an update of the first clinic's grant, granted at the first grant's date. Refused now,
-- INVALID_INPUT, as on the other tables: a grant is made anew (npm run analyst -- grant), each clinic's log told.
drop trigger if exists _010_clinic_kept on app_private.analyst_grant;
create trigger _010_clinic_kept before update of clinic_id on app_private.analyst_grant for each row
  when (new.clinic_id is distinct from old.clinic_id) execute function app_private.tg__clinic_kept();
comment on trigger _010_clinic_kept on app_private.analyst_grant is 'A row keeps its clinic (tg__clinic_kept): INVALID_INPUT.';
comment on function app_private.tg__clinic_kept() is 'BEFORE UPDATE OF clinic_id that changes it, on every table of a clinic''s rows but the audit log (append-only) and the day''s reconciliation (tg_daily_reconciliation__day_kept), an analyst''s grant (app_private.analyst_grant) among them: refused (INVALID_INPUT), whoever writes it. A row moved to another clinic kept its code, which that clinic then gave again (its next booking refused), and told its old clinic''s data in the other''s audit chain, the chain of the clinic it left never told it went.';
