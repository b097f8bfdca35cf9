--! Previous: sha1:0e6b4e7648946e60c36702a672be79b28a2f4334
--! Hash: sha1:521cb953e0c00d7d2f3f4d3ed97f15e04e9c1e9f
--! Message: a person's clinics and invitations, and whether their password is their own

-- A person logged in could not see the clinics they may enter or their pending invitations without
-- logging in again: the login's answer lists them (`clinics`), and nothing in GraphQL did (a pending
-- invitation is the invited person's alone to see, through policies only the owner role has). Nor
-- could the frontend tell that the account's password was chosen by someone else, which it must
-- change before it answers an invitation (check_password_set_by_holder): it learnt it from
-- acceptInvitation's refusal. `myClinics` lists what the login lists, at any time of the session,
-- and `currentUserPasswordSetByHolder` says whether the password is the holder's own. The login's
-- answer reads its list from my_clinics too (open_session wrote the same query).

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

create or replace function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_session app_private.session;
  v_user app_public."user";
  v_clinics jsonb;
  v_clinic_id uuid := open_session.clinic_id;
  v_role app_public.member_role;
begin
  -- a change of the user's memberships in flight (a removal, a suspension, a new role) first: what
  -- this session gets is read once it has committed, and one after it finds this session to end
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(open_session.user_id));
  select * into v_user from app_public."user" u where u.id = open_session.user_id;
  insert into app_private.session (user_id, is_platform_admin, expires_at, ip, user_agent)
  values (v_user.id, v_user.is_platform_admin, now() + ttl, open_session.ip, left(open_session.user_agent, 500))
  returning * into v_session;
  -- From here on this transaction acts as the new session, so the member sees
  -- their own memberships through the ordinary policies (and their invitations, with the inviting
  -- clinics' names, through own_invitations / invited_clinics, which only this owner role has).
  perform set_config('jwt.claims.session_id', v_session.id::text, true);

  -- the clinics as the session lists them at any time (my_clinics), in its order
  select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'role', c.role, 'pending', c.pending) order by c.place), '[]')
  into v_clinics
  from app_public.my_clinics() with ordinality c(id, name, role, pending, place);

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
