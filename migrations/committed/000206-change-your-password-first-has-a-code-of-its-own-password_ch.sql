--! Previous: sha1:d976e7ff2ad5207cb51b3740b378863b4ccdd6e8
--! Hash: sha1:750a6628270562716ee7a0a4ed2f3e1fde8eb920
--! Message: change your password first has a code of its own, PASSWORD_CHANGE_REQUIRED

-- "Change your password first" has a code of its own, PASSWORD_CHANGE_REQUIRED (SQLSTATE CPWCH). It
-- was FORBIDDEN, which also means a role without the right, no membership or no clinic: a frontend
-- could send the person to its change-password screen only by matching the message, which told
-- staff to call an HTTP route ("POST /auth/password"). The message now says what to do in their words.

create or replace function app_private.check_password_set_by_holder(user_id uuid) returns void
language plpgsql stable set search_path to pg_catalog, public, pg_temp as $$
begin
  if not coalesce((select s.password_set_by_holder from app_private.user_secret s where s.user_id = check_password_set_by_holder.user_id), false) then
    raise exception 'Your password was chosen by whoever made your account: choose your own first, then answer the invitation.'
      using errcode = 'CPWCH';
  end if;
end;
$$;
comment on function app_private.check_password_set_by_holder(uuid) is 'PASSWORD_CHANGE_REQUIRED (CPWCH) unless the account''s holder set its password: whoever chose it (an inviter, a platform admin, an operator) could otherwise answer invitations as the person. Called by accept_invitation and decline_invitation.';

comment on function app_public.accept_invitation(uuid, app_public.member_role) is 'Accepts the current user''s pending invitation from a clinic (its id is in the login answer''s `clinics`, marked `pending`, with the role offered): they become a member with that role, and the clinic sees their name. Give the role the person was shown: an invitation whose role has changed since is CONFLICT and stays pending (without it, the role the invitation has now is taken). Then POST /auth/switch-clinic enters it. NOT_FOUND when there is no such invitation; PASSWORD_CHANGE_REQUIRED while the account''s password is the one whoever made the account chose (check_password_set_by_holder: change it with POST /auth/password first; `currentUserPasswordSetByHolder` tells beforehand). Audited as an update of the membership.';
comment on function app_public.decline_invitation(uuid) is 'Declines the current user''s pending invitation from a clinic (its id is in the login answer''s `clinics`, marked `pending`): the membership is removed for good (restoreMember refuses it) and the clinic may invite them again only 30 days later; the clinic never sees who it invited. NOT_FOUND when there is no such invitation; PASSWORD_CHANGE_REQUIRED while the account''s password is the one whoever made the account chose (check_password_set_by_holder); an accepted membership is left by asking the clinic to remove it.';
