--! Previous: sha1:9eeb0552827fe9bfd05bb5662230faa4860c05cf
--! Hash: sha1:2997e4d3170cc8eec9a38b9d6d1475a26b450c7a
--! Message: A membership keeps the refusal of its own move: FORBIDDEN, as since 000001

-- Enter migration here
-- A membership keeps the refusal of its own move: FORBIDDEN, as since 000001
--
-- 000494 gave every table of a clinic's rows _010_clinic_kept, memberships among them, which already refused a move to
-- another clinic or person in tg_membership__guard_owners (FORBIDDEN "A membership cannot move to another clinic or
-- user."): the same rule twice, and the new one, running first, answered INVALID_INPUT in its place. Memberships keep
-- their own rule alone, as a day's reconciliation keeps its own (_125_day_kept).
drop trigger if exists _010_clinic_kept on app_public.membership;
comment on function app_private.tg__clinic_kept() is 'BEFORE UPDATE OF clinic_id that changes it, on every table of a clinic''s rows but the audit log (append-only), the day''s reconciliation (tg_daily_reconciliation__day_kept) and the memberships (tg_membership__guard_owners, FORBIDDEN), an analyst''s grant (app_private.analyst_grant) among them: refused (INVALID_INPUT), whoever writes it. A row moved to another clinic kept its code, which that clinic then gave again (its next booking refused), and told its old clinic''s data in the other''s audit chain, the chain of the clinic it left never told it went.';
