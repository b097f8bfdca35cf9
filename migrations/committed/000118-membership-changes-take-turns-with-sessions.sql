--! Previous: sha1:623162280f7a0501995e849eceaebce5b6419591
--! Hash: sha1:b1ed13dc5bd9023abdccfea99ccdcb4a3bc5f871
--! Message: membership changes take turns with sessions

--------------------------------------------------------------------------------
-- A member removed, suspended or given another role while they log in or switch clinic gets no
-- session that outlives the change.
--
-- A session takes its clinic and role from the memberships as open_session reads them, and a
-- change of a membership ends or updates the sessions that exist when it is made
-- (tg_membership__sync_sessions). A change that committed after open_session read the membership,
-- but before its session was written, missed that session: a removed member kept a live session
-- in the clinic, and a demoted one their old role, until it expired (a review; it predates
-- 000116). The two now take turns on a lock of the user's: open_session holds it shared, a change
-- of a membership's role, activity or deletion exclusively, taken before any other trigger of the
-- change (so before its audit entry, which a login also writes, in the same clinic's chain).

create or replace function app_private.secret_lock_key(name text) returns bigint
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select coalesce(
    ('x' || left(app_private.secret_hash('account_lock', convert_to(secret_lock_key.name, 'UTF8')), 16))::bit(64)::bigint,
    -- without the key (a restore that lost it), the lock of before: still one per name
    hashtextextended(secret_lock_key.name, 0));
$$;
comment on function app_private.secret_lock_key(text) is 'An advisory lock key that pg_locks, which every role reads, shows without telling what it locks: 64 bits of a SHA-256 of the account_lock secret key (secret_key) and the name.';
revoke all on function app_private.secret_lock_key(text) from public;

create or replace function app_private.account_lock_key(phone text) returns bigint
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select app_private.secret_lock_key('user:' || account_lock_key.phone);
$$;
comment on function app_private.account_lock_key(text) is 'The advisory lock key of the account of a phone (secret_lock_key of ''user:'' || phone), which pg_locks shows without telling the phone.';

create or replace function app_private.session_turn_key(user_id uuid) returns bigint
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select app_private.secret_lock_key('sessions:' || session_turn_key.user_id::text);
$$;
comment on function app_private.session_turn_key(uuid) is 'The advisory lock on which opening a session of a user (shared) and changing one of their memberships (exclusive) take turns (secret_lock_key of ''sessions:'' || the user''s id).';
revoke all on function app_private.session_turn_key(uuid) from public;

comment on table app_private.secret_key is 'The database''s secrets, one per purpose, which only the owner reads: live_queue names the clinics'' live queue channels (visit_queue_channel), account_lock the advisory locks of accounts and of their sessions'' turns (secret_lock_key). A new key (update … set key = default where purpose = …) renames every channel, so subscriptions made before hear nothing until they subscribe again; an account_lock key is changed safely only while no account is being made nor any session opened.';

create or replace function app_private.tg_membership__session_turn() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  if (new.role, new.is_active, new.deleted_at) is distinct from (old.role, old.is_active, old.deleted_at) then
    perform pg_advisory_xact_lock(app_private.session_turn_key(new.user_id));
  end if;
  return new;
end;
$$;
comment on function app_private.tg_membership__session_turn() is 'BEFORE UPDATE, first: a change of a membership''s role, activity or deletion waits for the sessions of its user being opened, and sessions opened meanwhile wait for it (session_turn_key), so that tg_membership__sync_sessions reaches them all.';
revoke all on function app_private.tg_membership__session_turn() from public;
drop trigger if exists _050_session_turn on app_public.membership;
create trigger _050_session_turn before update on app_public.membership
  for each row execute function app_private.tg_membership__session_turn();
comment on trigger _050_session_turn on app_public.membership is 'A change of a membership and the opening of its user''s sessions take turns (tg_membership__session_turn).';

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
