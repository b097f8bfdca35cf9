--! Previous: sha1:868158d826f3e5d3accc5acaf2500fd10cab6e6c
--! Hash: sha1:d4985575642c52601eb2604a791924f49449c459
--! Message: invitations accepted by a call of their own

-- From the review of 000043: consent to an invitation was a side effect of naming the clinic at
-- login or switch-clinic, so a link or a frontend that fills in the last clinic (/login?clinicId=…,
-- which the inviting clinic can send) enrolled the person with no "Join?" step. Acceptance is now a
-- call of its own, acceptInvitation(clinicId), with the person's session; until then the inviting
-- clinic is one they are not a member of, at login and at switch-clinic alike (FORBIDDEN).

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
  -- their own memberships through the ordinary policies (and their invitations, with the inviting
  -- clinics' names, through own_invitations / invited_clinics, which only this owner role has).
  perform set_config('jwt.claims.session_id', v_session.id::text, true);

  select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'role', m.role, 'pending', m.accepted_at is null)
                            order by c.name), '[]')
  into v_clinics
  from app_public.membership m join app_public.clinic c on c.id = m.clinic_id
  where m.user_id = v_user.id and m.is_active and m.deleted_at is null;

  -- the only clinic the user is a member of, not counting invitations (accepted only by
  -- accept_invitation, never by default)
  if v_clinic_id is null and (select count(*) from jsonb_array_elements(v_clinics) e where not (e ->> 'pending')::boolean) = 1 then
    v_clinic_id := (select (e ->> 'id')::uuid from jsonb_array_elements(v_clinics) e where not (e ->> 'pending')::boolean);
  end if;
  if v_clinic_id is not null then
    select (e ->> 'role')::app_public.member_role into v_role
    from jsonb_array_elements(v_clinics) e where (e ->> 'id')::uuid = v_clinic_id and not (e ->> 'pending')::boolean;
    if v_role is null then
      -- an invitation too: accept_invitation first, a step of its own, never a side effect of a login
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
comment on function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) is 'Starts a session for a user, scoped to the chosen clinic (one they are a member of: an invitation is accepted with accept_invitation first), or to the only clinic they are a member of (invitations not counted), or to none; returns what /auth/login answers, `clinics` listing the user''s active memberships and invitations (`pending: true`; of those only the clinic''s name).';

create function app_public.accept_invitation(clinic_id uuid) returns boolean
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_user uuid := app_public.current_user_id();
begin
  if v_user is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  update app_public.membership m set accepted_at = now()
  where m.clinic_id = accept_invitation.clinic_id and m.user_id = v_user
    and m.accepted_at is null and m.is_active and m.deleted_at is null;
  if not found then
    raise exception 'You have no pending invitation from that clinic.' using errcode = 'CNOTF';
  end if;
  return true;
end;
$$;
comment on function app_public.accept_invitation(clinic_id uuid) is 'Accepts the current user''s pending invitation from a clinic (its id is in the login answer''s `clinics`, marked `pending`): they become a member with the role offered, and the clinic sees their name. Then POST /auth/switch-clinic enters it. NOT_FOUND when there is no such invitation. Audited as an update of the membership.';
revoke all on function app_public.accept_invitation(uuid) from public;
grant execute on function app_public.accept_invitation(uuid) to :DATABASE_VISITOR;
