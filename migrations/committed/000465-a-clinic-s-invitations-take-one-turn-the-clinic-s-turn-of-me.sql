--! Previous: sha1:929145a1876b026546aa271b714bbc9db308d13c
--! Hash: sha1:5b1da9a3c23963c5068788f677ce1621252bee5e
--! Message: A clinic's invitations take one turn, the clinic's turn of membership changes

-- A clinic's invitations take one turn, the clinic's turn of membership changes
--
-- invite_member took the clinic's invitations' own lock right after the clinic's turn of membership changes, which it
-- has taken first since the invitation's deadlock with a manager's change was mended: every invitation of the clinic
-- already waits for the one before at that turn, so the second lock, always free when asked, is no longer taken.
create or replace function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text DEFAULT NULL::text) RETURNS app_public.membership
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_phone app_public.e164_phone;
  v_user record;
  v_membership app_public.membership;
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can invite members.' using errcode = 'CFORB';
  end if;
  if role is null then
    raise exception 'A role is required.' using errcode = 'CINVL';
  end if;
  -- Every refusal comes before the phone is looked up, the same whether it has an account or not:
  -- a refusal only a new phone got (no password, a weak one, a bad name) or only a registered one
  -- got (an admin inviting an owner, refused at insert) told which, for free and unaudited.
  if role = 'owner' and not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  perform app_private.check_person_name(full_name);
  perform app_private.check_password(password);
  -- the clinic's turn of membership changes first, as a manager's change takes it, before any other lock or chain head
  -- (the phone's, the platform's chain for a new account): a manager holding it goes on without waiting for this
  -- invitation, and what it committed (a restore of this person's membership) is read below. A clinic's invitations
  -- take turns here too, so requests at once cannot all pass the count; removed memberships count too (an invitation
  -- withdrawn at once still told whether the phone is registered)
  perform app_private.take_members_turn(v_clinic);
  if app_private.memberships_added_lately(v_clinic) >= 50 then
    raise exception 'Your clinic has added 50 people in the past hour: wait before inviting more.' using errcode = 'CLIMT';
  end if;
  v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(v_clinic));
  -- looked up once, under the phone's lock: created only for the request that made the account
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  if exists (select 1 from app_public.membership m where m.clinic_id = v_clinic and m.user_id = v_user.user_id) then
    raise exception 'This person is already a member of the clinic, or invited to it.' using errcode = 'CCONF';
  end if;
  -- someone the clinic removed is asked again on their membership of before, which the visits booked with them name:
  -- pending, as below, until they accept
  if not v_user.created then
    v_membership := app_private.invite_again(v_clinic, v_user.user_id, invite_member.role);
    if v_membership.id is not null then
      return v_membership;
    end if;
  end if;
  -- someone who already had an account agrees first (accept_invitation): until then the membership
  -- is pending, and the clinic sees neither their name nor their phone
  insert into app_public.membership (clinic_id, user_id, role, accepted_at)
  values (v_clinic, v_user.user_id, invite_member.role, case when v_user.created then now() end)
  returning * into v_membership;
  return v_membership;
end;
$$;

comment on function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) IS 'Adds a person to the current clinic with a role. A name and a password (8 to 128 characters, not of white space alone: check_password) are always required: a new phone creates their user with them and they are a member at once; a phone that already has a user makes a pending invitation (acceptedAt null; the name and password are ignored): it shows the clinic neither their name nor their phone and gives them no access until they accept it (acceptInvitation) or decline it. Someone the clinic removed (or whose invitation was withdrawn or declined) is asked again so on their membership of before, the one the visits booked with them name, with the new role. Someone already a member, or invited, is a CONFLICT, as is inviting again within 30 days someone who declined; a clinic adds or asks again at most 50 people an hour (LIMIT_EXCEEDED). Owners and admins; only owners add owners.';
revoke all on function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) FROM PUBLIC;
grant all on function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) TO :DATABASE_VISITOR;
