--! Previous: sha1:8e8d27d5520f317a91f5eb851cc2893cc921e18e
--! Hash: sha1:ecf68f5808067f9e0eabd5f9991536a3230e1794
--! Message: invitations limited to 50 an hour per clinic

-- From the review of 000043: whether a phone has an account shows in inviteMember's answer (a
-- pending invitation rather than a member), and a clinic could sweep a list of phones, withdrawing
-- each invitation at once. A clinic adds at most 50 people an hour (withdrawn ones counted):
-- LIMIT_EXCEEDED beyond. The comment no longer says a login accepts (000048).

create or replace function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text default null)
returns app_public.membership
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_phone app_public.e164_phone;
  v_registered boolean;
  v_user uuid;
  v_membership app_public.membership;
  v_include_deleted text := current_setting('clinicops.include_deleted', true);
  v_added_lately bigint;
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can invite members.' using errcode = 'CFORB';
  end if;
  if role is null then
    raise exception 'A role is required.' using errcode = 'CINVL';
  end if;
  -- a clinic's invitations take turns here, so requests at once cannot all pass the count; removed
  -- memberships count too (an invitation withdrawn at once still told whether the phone is registered)
  perform pg_advisory_xact_lock(hashtextextended('invite_member:' || v_clinic, 0));
  perform set_config('clinicops.include_deleted', 'on', true);
  select count(*) into v_added_lately from app_public.membership m
  where m.clinic_id = v_clinic and m.created_at > now() - interval '1 hour';
  perform set_config('clinicops.include_deleted', coalesce(v_include_deleted, ''), true);
  if v_added_lately >= 50 then
    raise exception 'Your clinic has added 50 people in the past hour: wait before inviting more.' using errcode = 'CLIMT';
  end if;
  v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(v_clinic));
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  -- registered unless this transaction made the user: a check before find_or_create_user could
  -- miss an account another transaction committed in between, and accept for them
  v_registered := not exists (select 1 from app_public."user" u where u.id = v_user and u.xmin = pg_current_xact_id()::xid);
  if exists (select 1 from app_public.membership m where m.clinic_id = v_clinic and m.user_id = v_user) then
    raise exception 'This person is already a member of the clinic.' using errcode = 'CCONF';
  end if;
  -- someone who already had an account agrees first (accept_invitation): until then the membership
  -- is pending, and the clinic sees neither their name nor their phone
  insert into app_public.membership (clinic_id, user_id, role, accepted_at)
  values (v_clinic, v_user, invite_member.role, case when v_registered then null else now() end)
  returning * into v_membership;
  return v_membership;
end;
$$;
comment on function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) is 'Adds a person to the current clinic with a role. A new phone creates their user (with this name and password) and they are a member at once; a phone that already has a user makes a pending invitation (acceptedAt null; the name and password given are ignored): it shows the clinic neither their name nor their phone and gives them no access until they log in to the clinic, which accepts it, or they decline it. Someone already a member, or invited, is a CONFLICT. Owners and admins; only owners add owners.';

comment on function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) is 'Adds a person to the current clinic with a role. A new phone creates their user (with this name and password) and they are a member at once; a phone that already has a user makes a pending invitation (acceptedAt null; the name and password given are ignored): it shows the clinic neither their name nor their phone and gives them no access until they accept it (acceptInvitation) or decline it. Someone already a member, or invited, is a CONFLICT; a clinic adds at most 50 people an hour (LIMIT_EXCEEDED). Owners and admins; only owners add owners.';
