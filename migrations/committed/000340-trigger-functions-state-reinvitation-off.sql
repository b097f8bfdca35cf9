--! Previous: sha1:e3a5aed2284b4c756c2dfd45c3b8c0c69eb8d5fc
--! Hash: sha1:14dccd25dffb3494ac201b14cd616d643360844f
--! Message: trigger functions state reinvitation off

-- Trigger functions other than the membership's own state clinicops.reinvitation, off
--
-- 000337 gave every trigger function of the owner role clinicops.include_deleted and clinicops.every_clinic in its
-- definition, but left clinicops.reinvitation out of all of them, where decision 010 and the conventions leave it out
-- of the membership's triggers alone (tg_membership__guard_owners and tg_membership__declined_stays_declined read it,
-- through app_private.invited_again, from invite_again's update). A trigger function of another table, or one the
-- membership shares with other tables (tg__soft_delete, tg__audit, tg__audit_chains_in_order), inherited the value of
-- the session whose write fired it: none of them changes a membership's deleted_at today but tg__soft_delete's removal,
-- which is no invitation, yet a trigger that restored one would have had its restore taken for invite_again's
-- invitation (a declined invitation brought back, the owners' guard passed) by a session that had turned the setting
-- on for itself. Now they say 'off', as every other function a session reaches does; the trigger functions that only
-- the membership's triggers use keep reading it from invite_again. tests/db/owner-function-settings.test.ts holds
-- every trigger function, a new one too, to this.
do $$
declare
  v_function regprocedure;
begin
  for v_function in
    select p.oid::regprocedure
    from pg_proc p
    where p.prosecdef and p.proowner = current_user::regrole and p.prorettype = 'trigger'::regtype
      and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
      -- the membership's own: run by its triggers alone
      and not (exists (select from pg_trigger t where t.tgfoid = p.oid and t.tgrelid = 'app_public.membership'::regclass)
               and not exists (select from pg_trigger t where t.tgfoid = p.oid and t.tgrelid <> 'app_public.membership'::regclass))
      and not exists (select from unnest(p.proconfig) c where c like 'clinicops.reinvitation=%')
  loop
    execute format('alter function %s set clinicops.reinvitation = %L', v_function, 'off');
  end loop;
end;
$$;
