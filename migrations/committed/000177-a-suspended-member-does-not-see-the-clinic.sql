--! Previous: sha1:90f59c92a5b287653bd4a6c88d18e89e14a00c73
--! Hash: sha1:8683f79f0a7bc789eb4051202c263d7be611f906
--! Message: a suspended member does not see the clinic

-- A suspended member does not see the clinic.
--
-- A member suspended (isActive false) has their sessions ended and cannot log into or switch to
-- the clinic, but a session of theirs elsewhere (no clinic, or another clinic of theirs) still read
-- the clinic's row, its settings, footer and who changed them, through `clinics` and `clinic(rowId:)`:
-- the policy listed the clinics a person may switch to by accepted memberships alone (an attacker of
-- tenancy). A person sees the clinics they accepted and are active in, as my_clinics lists them; a
-- removed member's row was already hidden (membership's own policy hides deleted rows).

drop policy if exists select_own on app_public.clinic;
create policy select_own on app_public.clinic for select using (
  id = (select app_public.current_clinic_id())
  or (select app_public.current_user_is_platform_admin())
  or exists ( -- the clinics a user may switch to
    select 1 from app_public.membership m
    where m.clinic_id = clinic.id and m.user_id = (select app_public.current_user_id()) and m.accepted_at is not null and m.is_active
  )
);
comment on policy select_own on app_public.clinic is
  'A session sees its own clinic, a platform admin every clinic, a person the clinics they may switch to: accepted, active (not suspended) and not removed memberships.';
