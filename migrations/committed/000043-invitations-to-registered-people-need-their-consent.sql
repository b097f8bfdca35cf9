--! Previous: sha1:deb5ecdd7a83f0efd2d76dbee993ea95b508e136
--! Hash: sha1:01dfcec2a24459227b780d43cc30d16e09f034f1
--! Message: invitations to registered people need their consent

--------------------------------------------------------------------------------
-- An invitation to someone already registered needs their consent.
--
-- invite_member of a phone that already had a user added that person to the inviting clinic at
-- once, and select_colleagues then showed the inviter their real name: any owner or admin could
-- learn the name behind any registered phone, and enrol people who never agreed. Now such a
-- membership is pending (accepted_at null) until the person logs in to that clinic (POST
-- /auth/login with its clinicId, or /auth/switch-clinic to it: choosing the clinic accepts it), or
-- declines it (declineInvitation). A pending membership shows the clinic its row (role, pending)
-- but not the person (select_colleagues counts accepted memberships only), shows the person
-- nothing of the clinic but its name (in the login answer's clinics list), opens no session,
-- books no visit and makes no owner.

alter table app_public.membership add column accepted_at timestamptz;
-- every membership so far was accepted when it was made; the backfill is not a change anyone made,
-- so the audit and the other row triggers are not run for it
alter table app_public.membership disable trigger user;
update app_public.membership set accepted_at = created_at;
alter table app_public.membership enable trigger user;
-- a membership made by anything but invite_member of a registered phone (createClinicWithOwner,
-- invite_member of a new phone, an operator) is accepted when made
alter table app_public.membership alter column accepted_at set default now();
comment on column app_public.membership.accepted_at is E'@behavior +filterBy +orderBy\nWhen the member accepted the membership; null while it is a pending invitation (invite_member of a phone that already had a user), which gives no access and does not show the person to the clinic until they log in to it.';

-- The clinic sees its pending memberships (role, that they are pending); the person sees only the
-- memberships they accepted through the API (their invitations come with the login answer).
drop policy if exists select_clinic on app_public.membership;
create policy select_clinic on app_public.membership for select using (
  (clinic_id = (select app_public.current_clinic_id())
   or (user_id = (select app_public.current_user_id()) and accepted_at is not null)
   or (select app_public.current_user_is_platform_admin()))
  and (deleted_at is null or (select app_hidden.include_deleted()))
);
-- Only for the owner role, that is inside the security definer functions that answer an
-- invitation (open_session, decline_invitation): the person's own pending memberships, to list,
-- accept and decline them. The visitor role has no such policy.
drop policy if exists own_invitations on app_public.membership;
create policy own_invitations on app_public.membership for select to :DATABASE_OWNER using (
  user_id = (select app_public.current_user_id()) and accepted_at is null
  and (deleted_at is null or (select app_hidden.include_deleted()))
);
drop policy if exists answer_own_invitations on app_public.membership;
create policy answer_own_invitations on app_public.membership for update to :DATABASE_OWNER
  using (user_id = (select app_public.current_user_id()) and accepted_at is null and deleted_at is null)
  with check (user_id = (select app_public.current_user_id()));

-- A colleague is a member who accepted: a pending invitation shows nobody's name or phone.
drop policy if exists select_colleagues on app_public."user";
create policy select_colleagues on app_public."user" for select using (
  id = (select app_public.current_user_id())
  or (select app_public.current_user_is_platform_admin())
  or exists (
    select 1 from app_public.membership m
    where m.user_id = "user".id and m.clinic_id = (select app_public.current_clinic_id()) and m.accepted_at is not null
  )
);

-- A person sees the clinics they accepted; of an inviting clinic, only its name, through the
-- login answer (open_session reads it as the owner role, under invited_clinics).
drop policy if exists select_own on app_public.clinic;
create policy select_own on app_public.clinic for select using (
  id = (select app_public.current_clinic_id())
  or (select app_public.current_user_is_platform_admin())
  or exists ( -- the clinics a user may switch to
    select 1 from app_public.membership m
    where m.clinic_id = clinic.id and m.user_id = (select app_public.current_user_id()) and m.accepted_at is not null
  )
);
drop policy if exists invited_clinics on app_public.clinic;
create policy invited_clinics on app_public.clinic for select to :DATABASE_OWNER using (
  exists (
    select 1 from app_public.membership m
    where m.clinic_id = clinic.id and m.user_id = (select app_public.current_user_id())
      and m.accepted_at is null and m.deleted_at is null
  )
);

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
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can invite members.' using errcode = 'CFORB';
  end if;
  if role is null then
    raise exception 'A role is required.' using errcode = 'CINVL';
  end if;
  v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(v_clinic));
  v_registered := exists (select 1 from app_public."user" u where u.phone = v_phone);
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  if exists (select 1 from app_public.membership m where m.clinic_id = v_clinic and m.user_id = v_user) then
    raise exception 'This person is already a member of the clinic.' using errcode = 'CCONF';
  end if;
  -- someone who already had an account agrees first (by logging in to the clinic): until then the
  -- membership is pending, and the clinic sees neither their name nor their phone
  insert into app_public.membership (clinic_id, user_id, role, accepted_at)
  values (v_clinic, v_user, invite_member.role, case when v_registered then null else now() end)
  returning * into v_membership;
  return v_membership;
end;
$$;
comment on function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) is 'Adds a person to the current clinic with a role. A new phone creates their user (with this name and password) and they are a member at once; a phone that already has a user makes a pending invitation (acceptedAt null; the name and password given are ignored): it shows the clinic neither their name nor their phone and gives them no access until they log in to the clinic, which accepts it, or they decline it. Someone already a member, or invited, is a CONFLICT. Owners and admins; only owners add owners.';

-- The person's own answer to an invitation (accepting by logging in to the clinic, or declining)
-- changes nothing but accepted_at / deleted_at, and needs no manager of the clinic; a pending owner
-- is no owner the clinic can keep.
create or replace function app_private.tg_membership__guard_owners() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_row app_public.membership := coalesce(new, old);
  v_touches_owner boolean := (tg_op <> 'INSERT' and old.role = 'owner') or (tg_op <> 'DELETE' and new.role = 'owner');
  v_stays_owner boolean := tg_op = 'UPDATE' and new.role = 'owner' and new.is_active and new.deleted_at is null
                           and new.accepted_at is not null;
  v_own_answer boolean := tg_op = 'UPDATE' and old.accepted_at is null and old.user_id = app_public.current_user_id()
                          and (new.role, new.is_active) = (old.role, old.is_active);
begin
  if tg_op = 'UPDATE' and (new.clinic_id, new.user_id) is distinct from (old.clinic_id, old.user_id) then
    raise exception 'A membership cannot move to another clinic or user.' using errcode = 'CFORB';
  end if;
  if tg_op = 'UPDATE' and old.accepted_at is not null and new.accepted_at is null then
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
     and not v_stays_owner
     and not exists (
       select 1 from app_public.membership m
       where m.clinic_id = v_row.clinic_id and m.id <> v_row.id and m.role = 'owner' and m.is_active and m.deleted_at is null
         and m.accepted_at is not null
     ) then
    raise exception 'A clinic must keep at least one active owner.' using errcode = 'CFORB';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
comment on function app_private.tg_membership__guard_owners() is 'BEFORE INSERT/UPDATE/DELETE: only owners manage owners (a platform admin only adds the first owner of a clinic they create; a person invited as an owner accepts or declines it themselves), a clinic always keeps an active owner who accepted, and an accepted membership never turns pending again.';

create or replace function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval)
returns jsonb
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_session app_private.session;
  v_user app_public."user";
  v_clinics jsonb;
  v_clinic_id uuid := open_session.clinic_id;
  v_role app_public.member_role;
begin
  select * into v_user from app_public."user" u where u.id = open_session.user_id;
  insert into app_private.session (user_id, is_platform_admin, expires_at, ip, user_agent)
  values (v_user.id, v_user.is_platform_admin, now() + ttl, open_session.ip, left(open_session.user_agent, 500))
  returning * into v_session;
  -- From here on this transaction acts as the new session, so the member sees
  -- their own memberships through the ordinary policies (and their invitations through
  -- own_invitations / invited_clinics, which only this owner role has).
  perform set_config('jwt.claims.session_id', v_session.id::text, true);

  -- Choosing a clinic that invited the user is their consent: the invitation is accepted (audited
  -- as an update of the membership) and the session opens in it.
  if v_clinic_id is not null then
    update app_public.membership m set accepted_at = now()
    where m.clinic_id = v_clinic_id and m.user_id = v_user.id and m.is_active and m.deleted_at is null and m.accepted_at is null;
  end if;

  select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'role', m.role, 'pending', m.accepted_at is null)
                            order by c.name), '[]')
  into v_clinics
  from app_public.membership m join app_public.clinic c on c.id = m.clinic_id
  where m.user_id = v_user.id and m.is_active and m.deleted_at is null;

  -- the only clinic the user is a member of, not counting invitations: an invitation is accepted
  -- only by choosing its clinic, never by default
  if v_clinic_id is null and (select count(*) from jsonb_array_elements(v_clinics) e where not (e ->> 'pending')::boolean) = 1 then
    v_clinic_id := (select (e ->> 'id')::uuid from jsonb_array_elements(v_clinics) e where not (e ->> 'pending')::boolean);
  end if;
  if v_clinic_id is not null then
    select (e ->> 'role')::app_public.member_role into v_role
    from jsonb_array_elements(v_clinics) e where (e ->> 'id')::uuid = v_clinic_id and not (e ->> 'pending')::boolean;
    if v_role is null then
      raise exception 'You are not a member of that clinic.' using errcode = 'CFORB';
    end if;
    update app_private.session s set clinic_id = v_clinic_id, role = v_role where s.id = v_session.id;
  end if;

  return jsonb_build_object(
    'sessionId', v_session.id,
    'expiresAt', v_session.expires_at,
    'user', jsonb_build_object('id', v_user.id, 'phone', v_user.phone, 'fullName', v_user.full_name,
                               'isPlatformAdmin', v_user.is_platform_admin),
    'clinic', (select jsonb_build_object('id', c.id, 'name', c.name, 'timezone', c.timezone, 'currency', c.currency)
               from app_public.clinic c where c.id = v_clinic_id),
    'role', v_role,
    'clinics', v_clinics
  );
end;
$$;
comment on function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) is 'Starts a session for a user, scoped to the chosen clinic (accepting the user''s pending invitation from it, if that is what they have there), or to the only clinic they are a member of (invitations not counted), or to none; returns what /auth/login answers, `clinics` listing the user''s active memberships and invitations (`pending: true`; of those only the clinic''s name).';

create or replace function app_public.decline_invitation(clinic_id uuid) returns boolean
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_user uuid := app_public.current_user_id();
  v_previous text := current_setting('clinicops.include_deleted', true);
  v_declined boolean;
begin
  if v_user is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  -- a soft delete of the pending membership, by the person (audited as such in the clinic's chain);
  -- the row it leaves, deleted, must stay readable to the statement (as in soft_delete)
  perform set_config('clinicops.include_deleted', 'on', true);
  update app_public.membership m set deleted_at = now(), deleted_by = v_user
  where m.clinic_id = decline_invitation.clinic_id and m.user_id = v_user and m.accepted_at is null and m.deleted_at is null;
  v_declined := found;
  perform set_config('clinicops.include_deleted', coalesce(v_previous, ''), true);
  if not v_declined then
    raise exception 'You have no pending invitation from that clinic.' using errcode = 'CNOTF';
  end if;
  return true;
end;
$$;
comment on function app_public.decline_invitation(clinic_id uuid) is 'Declines the current user''s pending invitation from a clinic (its id is in the login answer''s `clinics`, marked `pending`): the membership is removed, as removeMember would, and the clinic never sees who it invited. NOT_FOUND when there is no such invitation; an accepted membership is left by asking the clinic to remove it.';
revoke all on function app_public.decline_invitation(uuid) from public;
grant execute on function app_public.decline_invitation(uuid) to :DATABASE_VISITOR;

-- The membership a session acts as, and a visit's doctor, are accepted memberships (a session
-- cannot open on an invitation: these keep it so whatever opened one).
create or replace function app_public.current_membership_id() returns uuid
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  live app_private.session := app_private.live_session();
begin
  return (select m.id from app_public.membership m
          where m.clinic_id = live.clinic_id and m.user_id = live.user_id and m.deleted_at is null and m.accepted_at is not null);
end;
$$;

create or replace function app_private.tg_visit__check_doctor() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if tg_op = 'INSERT' or new.doctor_id is distinct from old.doctor_id then
    if not exists (
      select 1 from app_public.membership m
      where m.clinic_id = new.clinic_id and m.id = new.doctor_id and m.role = 'doctor' and m.is_active and m.deleted_at is null
        and m.accepted_at is not null
    ) then
      raise exception 'The doctor must be an active member of this clinic with the doctor role.' using errcode = 'CINVL';
    end if;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__check_doctor() is 'BEFORE INSERT OR UPDATE OF doctor_id: the doctor is an active doctor of the same clinic who accepted the membership (not a pending invitation).';
