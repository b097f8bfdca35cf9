--! Previous: sha1:af368823be7e66f3cf0dcbacbc90e7bf38fa8d5c
--! Hash: sha1:0b8ac1968958dc7f12b0671e191e251e76bf0b3b
--! Message: owner functions state the settings they read

-- The owner role's functions a session reaches state the settings they read, off unless they say on
--
-- app_hidden.include_deleted is true for any query run as the owner role while clinicops.include_deleted is on, and a
-- security definer function without the setting in its definition inherits the caller's value: SQL run as the API's
-- role (a doctor's, cashier's, receptionist's, admin's session, by `select set_config('clinicops.include_deleted',
-- 'on', true)`) turned it on and then called such a function, which saw deleted rows. An admin reset the password of
-- a member the clinic had removed (reset_member_password found the removed membership), an owner inviting a removed
-- member was told they were already a member instead of asking them again (invite_member), and a cashier billed a
-- deleted service (the invoice line's guard, above); clinicops.every_clinic (every clinic's memberships) and
-- clinicops.reinvitation (invite_again's update, which the membership's triggers take for an invitation) came in the
-- same way. Now every security definer function of the owner role that a session reaches (one a role other than the
-- owner may execute, and every trigger function) states each setting in its definition, 'off' unless it said 'on'
-- (a PostgreSQL SET clause, restored on return): the caller's value never reaches it, whatever the session set. The
-- functions only these call (app_private's, not executable by the API) inherit what their caller states, as
-- dashboard_for inherits the dashboard's 'on'. The membership's triggers keep reading clinicops.reinvitation from
-- invite_again, whose update they check; no session reaches them with it on to a restore: the API's role changes no
-- membership's deleted_at itself (it may update role and is_active), and every function that restores one states it. tests/db/owner-function-settings.test.ts holds every such function to this, a new one too
-- (decision 010); a function restated by create or replace restates its clauses, as db/schema.sql shows them.
do $$
declare
  v_function regprocedure;
  v_setting text;
begin
  for v_function, v_setting in
    select p.oid::regprocedure, s.setting
    from pg_proc p
    cross join unnest(array['clinicops.include_deleted', 'clinicops.every_clinic', 'clinicops.reinvitation']) s(setting)
    where p.prosecdef and p.proowner = current_user::regrole
      and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
      and (p.prorettype = 'trigger'::regtype or exists (
            select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
            where a.privilege_type = 'EXECUTE' and a.grantee <> p.proowner))
      and not (p.prorettype = 'trigger'::regtype and s.setting = 'clinicops.reinvitation')
      and not exists (select from unnest(p.proconfig) c where c like s.setting || '=%')
  loop
    execute format('alter function %s set %s = %L', v_function, v_setting, 'off');
  end loop;
end;
$$;
