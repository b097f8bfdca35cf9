--! Previous: sha1:404c73d73a30e9e56576aa75278f90b40adb64bb
--! Hash: sha1:8376878d74d46cb3beef433bcf9ca33a8a8e5512
--! Message: An invitation of another clinic is not declined with a resetting clinic's password

-- Enter migration here

-- A clinic that reset a person's password declines no other clinic's invitation as them
--
-- A clinic's reset keeps the account to that clinic until the operator's next (000220): whoever there knew the new
-- password could log in as the person and change it, which passes the holder's check (PASSWORD_CHANGE_REQUIRED), so
-- accepting another clinic's invitation, a restore there and a clinic made with them as owner are refused
-- (_485_kept_to_the_resetting_clinic). Declining was not: clinic A's admin, having reset a receptionist's password, logged
-- in as them, changed it, and declined clinic B's invitation, which B then could not make again for 30 days, the decline
-- in B's audit chain as the person's own. decline_invitation now refuses it as acceptInvitation is refused (FORBIDDEN),
-- the invitation pending as it was, until the operator resets the password (npm run password); the resetting clinic's
-- own invitation (a member it removed, asked again) the person still declines.
create or replace function app_public.decline_invitation(clinic_id uuid) returns boolean
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_user uuid := app_public.current_user_id();
  v_membership uuid;
  v_given_by uuid;
begin
  if v_user is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  -- the person's pending membership, locked: the clinic withdrawing it at the same time went first
  -- (then there is nothing to decline) or waits
  select m.id into v_membership from app_public.membership m
  where m.clinic_id = decline_invitation.clinic_id and m.user_id = v_user and m.accepted_at is null and m.deleted_at is null
  for update;
  if v_membership is null then
    raise exception 'You have no pending invitation from that clinic.' using errcode = 'CNOTF';
  end if;
  -- not of whoever at the clinic that last gave the password knows it, who may have changed it to pass the holder's
  -- check below: the account answers no other clinic's invitation until the operator resets it, as it accepts none
  -- (_485_kept_to_the_resetting_clinic, which refuses an acceptance first too: changing the password lifts neither). A
  -- reset of the person is refused while this invitation is pending (member_elsewhere), and one in flight as it was
  -- made was waited for under the phone's lock: the reset read here is committed
  select s.password_given_by_clinic into v_given_by from app_private.user_secret s where s.user_id = v_user;
  if v_given_by is not null and v_given_by <> decline_invitation.clinic_id then
    raise exception 'This account''s password was last given by another clinic, which may log in as it: it answers no other clinic''s invitation until the platform operator resets the password (npm run password).'
      using errcode = 'CFORB';
  end if;
  -- a decline keeps the clinic from inviting them for 30 days: the person's too
  perform app_private.check_password_set_by_holder(v_user);
  -- a soft delete by the person (audited as such in the clinic's chain), through decline_own_invitations
  perform app_private.soft_delete(null::app_public.membership, decline_invitation.clinic_id, v_membership);
  return true;
end;
$$;

comment on function app_public.decline_invitation(clinic_id uuid) is 'Declines the current user''s pending invitation from a clinic (its id is in the login answer''s `clinics`, marked `pending`): the membership is removed for good (restoreMember refuses it) and the clinic may invite them again only 30 days later; the clinic never sees who it invited. NOT_FOUND when there is no such invitation; PASSWORD_CHANGE_REQUIRED while the account''s password is the one whoever made the account chose (check_password_set_by_holder); FORBIDDEN while the password was last given by another clinic (user_secret.password_given_by_clinic: whoever there knew it may log in as the person and change it), until the platform operator resets it, as acceptInvitation is refused (000442); an accepted membership is left by asking the clinic to remove it.';

comment on column app_private.user_secret.password_given_by_clinic is 'The clinic whose owner or admin last gave the account its password (reset_member_password), null once the platform operator has reset it (npm run password, npm run superuser) or for none: while set, the account joins no other clinic (tg_membership__kept_to_the_resetting_clinic) and declines no other clinic''s invitation (decline_invitation, 000442), as that clinic may log in as it, whatever password it changes to.';
