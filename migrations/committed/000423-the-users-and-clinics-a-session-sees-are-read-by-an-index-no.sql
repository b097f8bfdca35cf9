--! Previous: sha1:d4bde802d01d0d77ce59d3397f15e06fcf824a0a
--! Hash: sha1:77494ec56e9a58abcde556c4763584ec569cee7c
--! Message: The users and clinics a session sees are read by an index, not from the whole platform

-- The users and clinics a session sees are read by an index, not from the whole platform
--
-- user's select_colleagues let a session see its own user, every user for a platform admin, or a user with an
-- accepted membership of the session's clinic (an EXISTS per row); clinic's select_own its own clinic, every clinic
-- for a platform admin, or a clinic of an accepted, active membership of the person (an EXISTS per row). PostgreSQL
-- reads an `or` by an index only when every arm is an index condition; the platform admin's arm, a yes or no, and the
-- EXISTS are none, so `users` and `clinics` without a key of their own (PostGraphile's `order by id limit 100`) read
-- every user and every clinic of the platform, whoever asked, under the API's generic plans. As in 000422, every arm
-- is now an index condition on the primary key: the platform admin's the whole range of ids (bounds null, nothing,
-- for anyone else), the memberships' the ids they name, read once per statement (`= any (array(…))`) through
-- membership's own policies as before (removed memberships hidden, invitations not accepted left out). The same
-- users and clinics are seen, the clinic's own read by an index; a lookup by id costs what it did (the EXISTS was
-- already read once per statement, as a hashed subplan).
drop policy if exists select_colleagues on app_public."user";
create policy select_colleagues on app_public."user" for select using (
  id = (select app_public.current_user_id())
  -- a platform admin's: every user id (uuids order from all zeros to all f's), as a range an index reads
  or (id >= (select case when app_public.current_user_is_platform_admin() then '00000000-0000-0000-0000-000000000000'::uuid end)
      and id <= (select case when app_public.current_user_is_platform_admin() then 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid end))
  -- colleagues: the users of the clinic's accepted memberships (a pending invitation shows nobody's name or phone)
  or id = any (array(
    select m.user_id from app_public.membership m
    where m.clinic_id = (select app_public.current_clinic_id()) and m.accepted_at is not null
  ))
);
comment on policy select_colleagues on app_public."user" is 'A session sees its own user, a platform admin every user, and the users of its clinic''s accepted memberships (colleagues; a pending invitation shows nobody): each arm an index condition on the id (the platform admin''s as the whole range of ids, the colleagues'' read once per statement), so a list reads the clinic''s users, not every user of the platform (000423).';

drop policy if exists select_own on app_public.clinic;
create policy select_own on app_public.clinic for select using (
  id = (select app_public.current_clinic_id())
  -- a platform admin's: every clinic id, as a range an index reads
  or (id >= (select case when app_public.current_user_is_platform_admin() then '00000000-0000-0000-0000-000000000000'::uuid end)
      and id <= (select case when app_public.current_user_is_platform_admin() then 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid end))
  -- the clinics a user may switch to
  or id = any (array(
    select m.clinic_id from app_public.membership m
    where m.user_id = (select app_public.current_user_id()) and m.accepted_at is not null and m.is_active
  ))
);
comment on policy select_own on app_public.clinic is
  'A session sees its own clinic, a platform admin every clinic, a person the clinics they may switch to: accepted, active (not suspended) and not removed memberships. Each arm an index condition on the id (the platform admin''s as the whole range of ids, the person''s clinics read once per statement), so a list reads those clinics, not every clinic of the platform (000423).';
