--! Previous: sha1:750a6628270562716ee7a0a4ed2f3e1fde8eb920
--! Hash: sha1:996506bb74647fa01c45be6f256eaed8db354f30
--! Message: a clinic's staff listed by name

-- A clinic's staff are listed by name. Memberships came in the order of their random keys unless a
-- client asked for one, and no order named the person (their name is the user's): a doctor drop-down
-- of `memberships(condition: { role: doctor })` came shuffled, and a staff screen sorted it itself.
-- A membership names its person (`fullName`, as `user` shows it: null for an invitation not yet
-- accepted, whose person the clinic does not see), and the list is ordered by it, by default too.

create or replace function app_public.membership_full_name(m app_public.membership) returns text
language sql stable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select u.full_name from app_public."user" u where u.id = m.user_id
$$;
revoke all on function app_public.membership_full_name(app_public.membership) from public;
grant execute on function app_public.membership_full_name(app_public.membership) to :DATABASE_VISITOR;
comment on function app_public.membership_full_name(app_public.membership) is E'@behavior +orderBy -resource:aggregate\nThe member''s name, as `user` shows it to the session: null for an invitation not yet accepted (the clinic does not see whom it invited). Memberships are listed by it, then by role.';

comment on table app_public.membership is E'@behavior -delete\n@defaultOrderBy FULL_NAME_ASC,ROLE_ASC,PRIMARY_KEY_ASC\nA user''s role in a clinic, listed by the member''s name. Removing a member soft-deletes the membership (see removeMember / restoreMember).';
