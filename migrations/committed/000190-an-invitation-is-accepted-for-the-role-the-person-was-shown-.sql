--! Previous: sha1:b8f6e3329f20d4a4eda078cd10a2b3c61e5d9188
--! Hash: sha1:6fbdb262babdcaca14e005809bfd4efaea195493
--! Message: An invitation is accepted for the role the person was shown: acceptInvitation takes the role, and one changed since is CONFLICT and stays pending

-- An invitation is accepted for the role it was read with. Its role may change while it is pending, and an
-- acceptance naming the clinic alone took whatever role it had by then: a person who read "join as doctor"
-- became an owner when the clinic raised it in between (an attacker of invitations). acceptInvitation takes
-- the role the person was shown (the login answer's `clinics` gives it) and refuses another (CONFLICT),
-- leaving the invitation pending; without it, the role it has is taken, as before.
drop function if exists app_public.accept_invitation(uuid);
create or replace function app_public.accept_invitation(clinic_id uuid, role app_public.member_role default null) returns boolean
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_user uuid := app_public.current_user_id();
  v_role app_public.member_role;
begin
  if v_user is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  update app_public.membership m set accepted_at = now()
  where m.clinic_id = accept_invitation.clinic_id and m.user_id = v_user
    and m.accepted_at is null and m.is_active and m.deleted_at is null
  returning m.role into v_role;
  if not found then
    raise exception 'You have no pending invitation from that clinic.' using errcode = 'CNOTF';
  end if;
  -- the raise undoes the acceptance: the invitation stays pending, to be read again
  if accept_invitation.role is not null and v_role <> accept_invitation.role then
    raise exception 'This invitation is now for the role %, not %: read it again before accepting.', v_role, accept_invitation.role
      using errcode = 'CCONF';
  end if;
  -- whoever chose the password can log in as the person: joining another clinic is the person's
  -- once the password is theirs alone (the raise undoes the acceptance)
  perform app_private.check_password_set_by_holder(v_user);
  return true;
end;
$$;
comment on function app_public.accept_invitation(uuid, app_public.member_role) is 'Accepts the current user''s pending invitation from a clinic (its id is in the login answer''s `clinics`, marked `pending`, with the role offered): they become a member with that role, and the clinic sees their name. Give the role the person was shown: an invitation whose role has changed since is CONFLICT and stays pending (without it, the role the invitation has now is taken). Then POST /auth/switch-clinic enters it. NOT_FOUND when there is no such invitation; FORBIDDEN while the account''s password is the one whoever made the account chose (check_password_set_by_holder: change it with POST /auth/password first). Audited as an update of the membership.';
