--! Previous: sha1:d92b4d7deef3e1f43926ff0223824c72ade8d0a4
--! Hash: sha1:d4bde802d01d0d77ce59d3397f15e06fcf824a0a
--! Message: The memberships a session sees are read by an index, not from every clinic's

-- The memberships a session sees are read by an index, not from every clinic's
--
-- select_clinic let a session see its clinic's memberships, the person's own accepted ones elsewhere, or, for a
-- platform admin, every one: `clinic_id = … or (user_id = … and accepted_at is not null) or (select
-- current_user_is_platform_admin())`. PostgreSQL reads an `or` by an index only when every arm is an index condition
-- (a bitmap of each); the platform admin's arm, a yes or no, is none, so every read of memberships without a key of
-- its own (the staff list, a login screen's clinics: `memberships` as api.md offers it, the booking screen's doctors by
-- role) read every clinic's memberships, whoever asked. The platform admin's arm is now the whole range of clinic ids,
-- its bounds null (nothing) for anyone else: an index condition like the others, so a session reads its clinic's
-- members and its own memberships, and a platform admin every clinic's, as before.
drop policy if exists select_clinic on app_public.membership;
create policy select_clinic on app_public.membership for select using (
  (clinic_id = (select app_public.current_clinic_id())
   or (user_id = (select app_public.current_user_id()) and accepted_at is not null)
   -- a platform admin's: every clinic id (uuids order from all zeros to all f's), as a range an index reads
   or (clinic_id >= (select case when app_public.current_user_is_platform_admin() then '00000000-0000-0000-0000-000000000000'::uuid end)
       and clinic_id <= (select case when app_public.current_user_is_platform_admin() then 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid end)))
  and (deleted_at is null or (select app_hidden.include_deleted()))
);
comment on policy select_clinic on app_public.membership is 'A session sees its clinic''s memberships (invitations included), the person''s own accepted memberships in other clinics, and a platform admin every clinic''s: each arm an index condition (the platform admin''s as the whole range of clinic ids), so a session reads its clinic''s and its own, not every clinic''s (000422); removed ones only while include_deleted is on.';
