--! Previous: sha1:e0f13f3889fe5ce5ecb8b48557f2451c30e10665
--! Hash: sha1:c8071b944bbbe0c35465c829a613bcd130ef6683
--! Message: A removed member invited again is their membership of before, asked again

-- A removed member invited again is their membership of before, asked again, not a second one
--
-- A doctor who left a clinic and was invited back (inviteMember, accepted) got a new membership, while the visits
-- booked with them stayed on the removed one (a visit's doctor is a membership): once back, the doctor no longer read
-- their own visits of before, the visit list by doctor (doctorId) missed them, the dashboard's visitsByDoctor counted
-- them as two doctors of one name, and removedMembers still listed the person, whose restore was then CONFLICT. Now
-- inviteMember of someone the clinic removed (or whose invitation was withdrawn or declined) asks them again on their
-- membership of before (the newest they had accepted, else the newest): it is no longer removed, pending again
-- (acceptedAt null, as any invitation of a registered phone: they get no access until they accept), with the role and
-- activity of the new invitation, a `restore` entry in the clinic's audit chain by the inviter. Once they accept, their
-- visits of before are theirs again. The rules of a new invitation hold: none within 30 days of a decline (CONFLICT),
-- only an owner invites an owner, the hourly limit (which counts memberships made, as before, not those asked again).

create or replace function app_private.invite_again(clinic_id uuid, user_id uuid, role app_public.member_role) returns app_public.membership
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'on'
as $$
declare
  v_previous text := current_setting('clinicops.reinvitation', true);
  v_membership app_public.membership;
begin
  -- removed rows are read with include_deleted (on in this function's definition); reinvitation, on for this update
  -- alone, tells the membership's triggers that it is an invitation, not restoreMember's restore
  perform set_config('clinicops.reinvitation', 'on', true);
  update app_public.membership m
  set deleted_at = null, deleted_by = null, accepted_at = null, role = invite_again.role, is_active = true
  where m.clinic_id = invite_again.clinic_id
    and m.id = (
      select o.id from app_public.membership o
      where o.clinic_id = invite_again.clinic_id and o.user_id = invite_again.user_id and o.deleted_at is not null
      order by o.accepted_at is not null desc, o.deleted_at desc, o.id
      limit 1)
  returning * into v_membership;
  perform set_config('clinicops.reinvitation', coalesce(v_previous, ''), true);
  return v_membership;
end;
$$;
revoke all on function app_private.invite_again(uuid, uuid, app_public.member_role) from public;
comment on function app_private.invite_again(uuid, uuid, app_public.member_role) is 'invite_member''s invitation of someone the clinic removed (or whose invitation was withdrawn or declined): their removed membership of the clinic (the newest they had accepted, else the newest) made pending again with the new role, active, so that the visits booked with them are theirs once they accept; null when they have none. Sets clinicops.reinvitation for its update alone, which the membership''s triggers read as an invitation (tg_membership__guard_owners, tg_membership__declined_stays_declined).';

create or replace function app_private.tg_membership__guard_owners() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_row app_public.membership := coalesce(new, old);
  -- invite_again: a removed membership asked again, an invitation like a new one (its role of before is not changed
  -- but replaced, so it touches an owner only if it invites one)
  v_invited_again boolean := tg_op = 'UPDATE' and old.deleted_at is not null and new.deleted_at is null
                             and new.accepted_at is null and current_setting('clinicops.reinvitation', true) = 'on';
  v_touches_owner boolean := (tg_op <> 'INSERT' and old.role = 'owner' and not v_invited_again) or (tg_op <> 'DELETE' and new.role = 'owner');
  v_stays_owner boolean := tg_op = 'UPDATE' and new.role = 'owner' and new.is_active and new.deleted_at is null
                           and new.accepted_at is not null;
  -- the person answering their own pending invitation: accepting it (an UPDATE leaving role and
  -- is_active as they were) or declining it (a DELETE, which the soft delete turns into an UPDATE)
  v_own_answer boolean := tg_op <> 'INSERT' and old.accepted_at is null and old.user_id = app_public.current_user_id()
                          and (tg_op = 'DELETE' or (new.role, new.is_active) = (old.role, old.is_active));
begin
  if tg_op = 'UPDATE' and (new.clinic_id, new.user_id) is distinct from (old.clinic_id, old.user_id) then
    raise exception 'A membership cannot move to another clinic or user.' using errcode = 'CFORB';
  end if;
  if tg_op = 'UPDATE' and old.accepted_at is not null and new.accepted_at is null and not v_invited_again then
    raise exception 'An accepted membership cannot become an invitation again.' using errcode = 'CFORB';
  end if;
  -- Without a session only trusted connections (owner, operators) get here. A platform admin adds
  -- an owner only as a clinic's first member: the owner of the clinic they create.
  if v_touches_owner and app_public.current_user_id() is not null and not v_own_answer
     and not (app_hidden.current_role_in('owner')
              or (tg_op = 'INSERT' and app_public.current_user_is_platform_admin()
                  and not exists (select 1 from app_public.membership m where m.clinic_id = new.clinic_id))) then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  if tg_op <> 'INSERT' and old.role = 'owner' and old.is_active and old.deleted_at is null and old.accepted_at is not null
     and not v_stays_owner then
    -- Owners stepping down (or suspending each other) at once take turns: each asked while the
    -- other had not committed, both saw another owner and the clinic was left with none. The
    -- second asks once the first has committed, and sees it (a statement's own snapshot). Updates
    -- only, before the sessions' turns (_480_session_turns, once the statement's rows are written) as
    -- every membership update takes them: a delete is a soft delete, whose update comes back here.
    if tg_op = 'UPDATE' then
      perform pg_advisory_xact_lock(hashtextextended('owners:' || v_row.clinic_id, 0));
    end if;
    if not exists (
      select 1 from app_public.membership m
      where m.clinic_id = v_row.clinic_id and m.id <> v_row.id and m.role = 'owner' and m.is_active and m.deleted_at is null
        and m.accepted_at is not null
    ) then
      raise exception 'A clinic must keep at least one active owner.' using errcode = 'CFORB';
    end if;
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
comment on function app_private.tg_membership__guard_owners() is 'BEFORE INSERT/UPDATE/DELETE: only owners manage owners (a platform admin only adds the first owner of a clinic they create; a person invited as an owner accepts or declines it themselves), a clinic always keeps an active owner who accepted, and an accepted membership never turns pending again, except a removed one invited again (invite_again, clinicops.reinvitation), whose role of before is replaced, not changed.';

create or replace function app_private.tg_membership__declined_stays_declined() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
begin
  -- the declined invitations are removed rows, which the policies show only with include_deleted
  -- (on in this function's definition)
  if tg_op = 'UPDATE' then
    if old.deleted_at is not null and new.deleted_at is null then
      if new.accepted_at is null and current_setting('clinicops.reinvitation', true) = 'on' then
        -- invite_again: a new invitation on the membership of before, refused as one (below) within 30 days of a
        -- decline, this membership's own included
        if exists (
          select 1 from app_public.membership m
          where m.clinic_id = new.clinic_id and m.user_id = new.user_id
            and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > now() - interval '30 days'
        ) then
          raise exception 'They declined an invitation from this clinic less than 30 days ago.' using errcode = 'CCONF';
        end if;
        return new;
      end if;
      if old.accepted_at is null and old.deleted_by = old.user_id then
        raise exception 'They declined this invitation: it cannot be brought back.' using errcode = 'CFORB';
      end if;
      if exists (
        select 1 from app_public.membership m
        where m.clinic_id = new.clinic_id and m.user_id = new.user_id and m.id <> new.id
          and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > old.deleted_at
      ) then
        raise exception 'They declined an invitation from this clinic since this was removed: only a new invitation, 30 days after they declined, asks them again.'
          using errcode = 'CFORB';
      end if;
    end if;
    return new;
  end if;
  if exists (
    select 1 from app_public.membership m
    where m.clinic_id = new.clinic_id and m.user_id = new.user_id
      and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > now() - interval '30 days'
  ) then
    raise exception 'They declined an invitation from this clinic less than 30 days ago.' using errcode = 'CCONF';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_membership__declined_stays_declined() is 'BEFORE INSERT, UPDATE OF deleted_at: an invitation its person declined (removed by them while pending) is never restored, nor is any membership of theirs removed before they declined an invitation from the clinic; the clinic invites them again only 30 days after, a new membership or one of before invited again (invite_again, clinicops.reinvitation).';

create or replace function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text DEFAULT NULL::text) RETURNS app_public.membership
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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
  -- a clinic's invitations take turns here, so requests at once cannot all pass the count; removed
  -- memberships count too (an invitation withdrawn at once still told whether the phone is registered)
  perform pg_advisory_xact_lock(hashtextextended('invite_member:' || v_clinic, 0));
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
comment on function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) is 'Adds a person to the current clinic with a role. A name and a password (8 to 128 characters) are always required: a new phone creates their user with them and they are a member at once; a phone that already has a user makes a pending invitation (acceptedAt null; the name and password are ignored): it shows the clinic neither their name nor their phone and gives them no access until they accept it (acceptInvitation) or decline it. Someone the clinic removed (or whose invitation was withdrawn or declined) is asked again so on their membership of before, the one the visits booked with them name, with the new role. Someone already a member, or invited, is a CONFLICT, as is inviting again within 30 days someone who declined; a clinic adds at most 50 people an hour (LIMIT_EXCEEDED). Owners and admins; only owners add owners.';
