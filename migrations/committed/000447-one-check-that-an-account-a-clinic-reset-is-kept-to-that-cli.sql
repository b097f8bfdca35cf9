--! Previous: sha1:a58b8c386748505f5602c353e1e25a989f2b583d
--! Hash: sha1:7800f8fd5836a56f65b28c5dc900f45be45d6af4
--! Message: One check that an account a clinic reset is kept to that clinic

-- One check that an account a clinic reset is kept to that clinic
--
-- tg_membership__kept_to_the_resetting_clinic (000220) and decline_invitation (000442) each read the clinic that last
-- gave the account's password (user_secret.password_given_by_clinic) and refused (FORBIDDEN) a membership of another
-- clinic, in words of their own. The rule is now one function both call; decline_invitation still calls it before
-- the check of a password the holder has not chosen, which changing the password would pass.
create or replace function app_private.check_kept_to_the_resetting_clinic(user_id uuid, clinic_id uuid, refused text) returns void
    language plpgsql stable
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  if exists (
    select from app_private.user_secret s
    where s.user_id = check_kept_to_the_resetting_clinic.user_id and s.password_given_by_clinic <> check_kept_to_the_resetting_clinic.clinic_id
  ) then
    raise exception 'This account''s password was last given by another clinic, which may log in as it: it % until the platform operator resets the password (npm run password).', refused
      using errcode = 'CFORB';
  end if;
end;
$$;
revoke all on function app_private.check_kept_to_the_resetting_clinic(uuid, uuid, text) from public;
comment on function app_private.check_kept_to_the_resetting_clinic(uuid, uuid, text) is 'Refuses (FORBIDDEN) a membership of clinic_id for an account whose password another clinic last gave (user_secret.password_given_by_clinic: whoever there knew it may log in as the person), until the platform operator resets it; `refused` says what the account does not do ("joins no other clinic", "answers no other clinic''s invitation"). For tg_membership__kept_to_the_resetting_clinic and decline_invitation.';

create or replace function app_private.tg_membership__kept_to_the_resetting_clinic() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    AS $$
begin
  -- a membership that becomes one the person holds: made accepted (a clinic made with them as its owner), an
  -- invitation accepted, a removed membership restored
  if new.accepted_at is not null and new.deleted_at is null
     and (tg_op = 'INSERT' or old.accepted_at is null or old.deleted_at is not null) then
    -- read after the statement's wait for the person's sessions' turn (_480_session_turns), which a reset holds, or
    -- under the phone's lock a clinic's making holds, so a reset committed meanwhile is seen
    perform app_private.check_kept_to_the_resetting_clinic(new.user_id, new.clinic_id, 'joins no other clinic');
  end if;
  return null;
end;
$$;


create or replace function app_public.decline_invitation(clinic_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_user uuid := app_public.current_user_id();
  v_membership uuid;
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
  perform app_private.check_kept_to_the_resetting_clinic(v_user, decline_invitation.clinic_id, 'answers no other clinic''s invitation');
  -- a decline keeps the clinic from inviting them for 30 days: the person's too
  perform app_private.check_password_set_by_holder(v_user);
  -- a soft delete by the person (audited as such in the clinic's chain), through decline_own_invitations
  perform app_private.soft_delete(null::app_public.membership, decline_invitation.clinic_id, v_membership);
  return true;
end;
$$;
