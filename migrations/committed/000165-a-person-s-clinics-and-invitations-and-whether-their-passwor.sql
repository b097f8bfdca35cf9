--! Previous: sha1:11f34e0a5a464781a9bf0558d8eaa49a612b871b
--! Hash: sha1:d4ba1ee936fa20a68705ee1a766c9ee1fca3f7ef
--! Message: a person's clinics and invitations, and whether their password is their own

-- A person logged in could not see the clinics they may enter or their pending invitations without
-- logging in again: the login's answer lists them (`clinics`), and nothing in GraphQL did (a pending
-- invitation is the invited person's alone to see, through policies only the owner role has). Nor
-- could the frontend tell that the account's password was chosen by someone else, which it must
-- change before it answers an invitation (check_password_set_by_holder): it learnt it from
-- acceptInvitation's refusal. `myClinics` lists what the login lists, at any time of the session,
-- and `currentUserPasswordSetByHolder` says whether the password is the holder's own.

create or replace function app_public.my_clinics() returns table(id uuid, name text, role app_public.member_role, pending boolean)
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  -- as the owner role, whose policies show the person's own invitations and the inviting clinics'
  -- names (own_invitations, invited_clinics), as the login's answer reads them (open_session)
  return query
    select c.id, c.name, m.role, m.accepted_at is null
    from app_public.membership m join app_public.clinic c on c.id = m.clinic_id
    where m.user_id = app_public.current_user_id() and m.is_active and m.deleted_at is null
    order by c.name collate "und-x-icu", c.id;
end;
$$;
revoke all on function app_public.my_clinics() from public;
grant execute on function app_public.my_clinics() to :DATABASE_VISITOR;
comment on function app_public.my_clinics() is 'The clinics the logged-in person may enter (POST /auth/switch-clinic) and those inviting them (`pending`: acceptInvitation or declineInvitation, by the clinic''s id), by name, as the login''s answer lists them (`clinics`). A suspended or removed membership is not listed.';

create or replace function app_public.current_user_password_set_by_holder() returns boolean
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  return (select s.password_set_by_holder from app_private.user_secret s where s.user_id = app_public.current_user_id());
end;
$$;
revoke all on function app_public.current_user_password_set_by_holder() from public;
grant execute on function app_public.current_user_password_set_by_holder() to :DATABASE_VISITOR;
comment on function app_public.current_user_password_set_by_holder() is
  'Whether the logged-in person set their own password (POST /auth/password); false while it is the one whoever made the account chose (an inviter, a platform admin), which answers no invitation until changed.';
