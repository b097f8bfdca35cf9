--! Previous: sha1:d99683bb2c522efcb326ad9ddbd1db6407b26d4b
--! Hash: sha1:69a1d42f5ce426b4301ca77a454a7bcdcbfdf0c4
--! Message: the audit chain of no clinic

-- The audit chain of no clinic.
--
-- A platform admin verifying the audit chain of a clinic id that is no clinic (a typo, a clinic of
-- another installation) was answered a valid chain of 0 entries, which reads as a clinic whose log
-- is intact and empty. An id that is no clinic is NOT_FOUND; a clinic's own owners and admins ask of
-- their clinic, which exists.

create or replace function app_public.verify_audit_chain(clinic_id uuid default null) returns app_public.audit_chain_status
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := coalesce(verify_audit_chain.clinic_id, app_public.current_clinic_id());
begin
  if not (app_public.current_user_is_platform_admin()
          or (v_clinic = app_public.current_clinic_id() and app_hidden.current_role_in('owner', 'admin'))) then
    raise exception 'Only an owner or admin of the clinic may verify its audit chain.' using errcode = 'CFORB';
  end if;
  if v_clinic is not null and not exists (select 1 from app_public.clinic c where c.id = v_clinic) then
    raise exception 'No such clinic.' using errcode = 'CNOTF';
  end if;
  return app_private.audit_chain_status_of(v_clinic);
end;
$$;
comment on function app_public.verify_audit_chain(uuid) is
  'Recomputes the audit chain of a clinic (default: the session''s; for a platform admin without one, the platform''s) and reports the first entry that was changed, removed or inserted behind the database''s back; an id that is no clinic is NOT_FOUND. A chain rewritten whole, every hash recomputed, passes this check; `npm run audit:verify` also compares it with the heads copied out of the database every hour. Owners and admins of the clinic, and platform admins.';
