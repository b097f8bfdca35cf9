--! Previous: sha1:ca683761ff111db3032eac78b2f0fde0abc898c1
--! Hash: sha1:4a37edc2e34bf1572beebbb5243cc36aea470452
--! Message: A colleague's session ended by a login is audited as ended by that login

-- A colleague's session ended by a login over it is audited as ended by that login, not as their logout
--
-- A login over the live session of another account (the cookie of a colleague left logged in at a shared desk) ended
-- it once answered ok, as its logout: the colleague's chain read "X logged out" (logout, by X) when X had not, and
-- nothing tied it to the login that ended it. The login now notes on its session the session of the cookie it replaced
-- (session.replaced_session_id, open_session), the server ends the colleague's session naming the login's
-- (app_hidden.logout(replaced_by)), and when that login did replace it, its end is written as a login ends one's own
-- session in another chain: sessions_ended, endedSessions and endedBy login, by the account that logged in. A logout
-- naming a session that replaced no such session is an ordinary logout, audited as before.
alter table app_private.session add column if not exists replaced_session_id uuid;
comment on column app_private.session.replaced_session_id is 'The session of the cookie the login that opened this one replaced (one''s own, or a colleague''s at a shared desk), as the server gave it; null for a switch or a login over no cookie. app_hidden.logout reads it to audit a colleague''s session it ends as ended by this login.';

create or replace function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval, replaced_session_id uuid default null) RETURNS jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_session app_private.session;
  v_user app_public."user";
  v_clinics jsonb;
  v_clinic_id uuid := open_session.clinic_id;
  v_role app_public.member_role;
  v_ended jsonb;
  -- the live sessions an account keeps at most (docs/auth.md says why 10)
  c_live_sessions constant integer := 10;
  -- the session a login replaces, when the account's, ended as the cap ends them ({id, clinicId})
  v_replaced jsonb;
begin
  -- a change of the user's memberships in flight (a removal, a suspension, a new role) first: what
  -- this session gets is read once it has committed, and one after it finds this session to end
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(open_session.user_id));
  -- then the account's other openings (a login, a switch) are waited for, so that the cap below counts
  -- the sessions they open and end: two at once each counted without the other's, and left one too many
  perform pg_advisory_xact_lock(app_private.session_opening_key(open_session.user_id));
  -- the session of the cookie a login replaces (a browser holds one), when it is this account's and live, ended before
  -- the cap counts, as a switch ends the one it comes from: counted among the 10, it had the oldest, another device's,
  -- ended in its place; a colleague's is ended by the server once the login is answered ok, naming this session
  update app_private.session s set revoked_at = now()
  where s.id = open_session.replaced_session_id and s.user_id = open_session.user_id and s.revoked_at is null and s.expires_at > now()
  returning jsonb_build_object('id', s.id, 'clinicId', s.clinic_id) into v_replaced;
  select * into v_user from app_public."user" u where u.id = open_session.user_id;
  -- the session of the cookie it replaces noted, for a colleague's to be audited as ended by this login (logout)
  insert into app_private.session (user_id, is_platform_admin, expires_at, ip, user_agent, replaced_session_id)
  values (v_user.id, v_user.is_platform_admin, now() + ttl, open_session.ip, left(open_session.user_agent, 500),
          open_session.replaced_session_id)
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
  -- accept_invitation, never by default); not for a platform administrator, whose session without a
  -- clinic is where they read the platform's audit chain (audit_chain_in_view)
  if v_clinic_id is null and not v_user.is_platform_admin
     and (select count(*) from jsonb_array_elements(v_clinics) e where not (e ->> 'pending')::boolean) = 1 then
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

  -- the account's live sessions beyond the newest 10, this one among them, end as a logout ends them (their
  -- tokens UNAUTHENTICATED, their websockets closed): a script or a person logging in again and again kept
  -- every session it opened, each a cookie good until it expired; one ended meanwhile (a logout) is left as it is
  with ended as (
    update app_private.session s set revoked_at = now()
    where s.revoked_at is null and s.id in (
      select o.id from app_private.session o
      where o.user_id = open_session.user_id and o.id <> v_session.id and o.revoked_at is null and o.expires_at > now()
      order by o.created_at desc, o.id desc
      offset c_live_sessions - 1)
    returning s.id, s.clinic_id
  )
  -- each with its clinic, whose audit chain records its end (audit_session_opened)
  select jsonb_agg(jsonb_build_object('id', e.id, 'clinicId', e.clinic_id) order by e.id) into v_ended from ended e;

  return jsonb_build_object(
    'sessionId', v_session.id,
    'expiresAt', v_session.expires_at,
    'user', jsonb_build_object('id', v_user.id, 'phone', v_user.phone, 'fullName', v_user.full_name,
                               'isPlatformAdmin', v_user.is_platform_admin),
    'clinic', (select jsonb_build_object('id', c.id, 'name', c.name, 'timezone', c.timezone, 'currency', c.currency)
               from app_public.clinic c where c.id = v_clinic_id),
    'role', v_role,
    'clinics', v_clinics,
    'endedSessions', coalesce(v_ended, '[]') || case when v_replaced is null then '[]' else jsonb_build_array(v_replaced) end
  );
end;
$$;


revoke all on function app_private.open_session(uuid, uuid, inet, text, interval, uuid) from public;
comment on function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval, replaced_session_id uuid) is 'Starts a session for a user, scoped to the chosen clinic (one they are a member of: an invitation is accepted with accept_invitation first), or to the only clinic they are a member of (invitations not counted; not for a platform administrator, who logs in to the platform unless they name a clinic), or to none, and ends the user''s live sessions beyond the newest 10, this one among them (the account''s openings taking turns on session_opening_key), after ending replaced_session_id (the session of the cookie a login replaces) when it is the user''s and live, so that it is not counted among the 10; replaced_session_id is noted on the session opened (session.replaced_session_id), so that a colleague''s the server then ends is audited as ended by this login (logout). Returns the session (sessionId and expiresAt, which the token carries), what /auth/login and /auth/switch-clinic answer of it (user, clinic, role, and `clinics`: the user''s active memberships and invitations, `pending: true`, of those only the clinic''s id and name and the role offered), and `endedSessions`, the sessions it ended, each its id and clinic (`{id, clinicId}`; none, an empty array), which audit_session_opened records each in its clinic''s chain and no answer gives.';

drop function if exists app_hidden.logout();
create or replace function app_hidden.logout(replaced_by uuid default null) returns boolean
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_session app_private.session;
  v_by uuid;
begin
  -- as a switch: the account's row and its sessions' turn before the session is touched
  perform app_private.hold_account((select s.user_id from app_private.session s where s.id = app_public.current_session_id()));
  update app_private.session s set revoked_at = now()
  where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now()
  returning * into v_session;
  if v_session.id is null then
    return false;
  end if;
  -- the account that logged in over this session, when the session named is the login's that replaced it (noted by
  -- open_session): the caller's word alone does not put another person's name on this session's end
  select b.user_id into v_by from app_private.session b
  where b.id = logout.replaced_by and b.replaced_session_id = v_session.id and b.user_id <> v_session.user_id;
  if v_by is not null then
    -- as a login ends one's own session in another chain: sessions_ended, endedBy login, by whoever logged in
    perform app_private.audit_sessions_ended(null, null, 'user', v_session.user_id, null, false,
      jsonb_build_array(jsonb_build_object('id', v_session.id, 'clinicId', v_session.clinic_id)), 'login', v_by);
  else
    perform app_private.write_audit(v_session.clinic_id, 'logout', 'user', v_session.user_id, null, null,
      jsonb_build_object('sessionId', v_session.id), v_session.user_id);
  end if;
  return true;
end;
$$;
revoke all on function app_hidden.logout(uuid) from public;
grant execute on function app_hidden.logout(uuid) to :DATABASE_VISITOR;
comment on function app_hidden.logout(replaced_by uuid) is 'Ends the current session so its token is refused from now on, and audits its end in its clinic''s chain (the platform''s for a session in none): a logout by its person, or, when replaced_by is the session of a login of another account that replaced this one''s cookie (session.replaced_session_id), sessions_ended (endedBy login) by that account. A session already ended (revoked, or expired: its row is kept a day, expire_sessions) is neither ended again nor audited: false. Called by POST /auth/logout, and by POST /auth/login for the colleague''s session its cookie replaced.';

-- the audit log's actions and details as a colleague's session ended by a login is now written
comment on column app_public.audit_log.action is 'insert, update, delete, soft_delete, restore, login, login_failed, logout, switch_clinic, sessions_ended (sessions of this chain''s clinic, or of none in the platform''s, that an act of another chain ended: the person''s login or switch elsewhere, the session a switch came from and those beyond their 10 live sessions; a change or a reset of their password, every session but the one that asked; a deactivation of the account or a change of its platform rights, every session, in each chain; the session of the cookie a login of another account replaced, a colleague''s at a shared desk, by that account, in any chain), export (a download begun) or export_cut_short (that download ended before the whole file was sent).';
comment on column app_public.audit_log.detail is 'Extra facts, by action: null for a change of a row (insert, update, delete, soft_delete, restore), but an update of user_secret (below). login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the opening ended, if any: the session a switch came from, the account''s session whose cookie a login replaced, and those beyond the account''s cap of 10 live sessions); a login''s deviceCookie (whether a device cookie of the account judged it: app_private.login_device). sessions_ended: endedSessions (the sessions of this chain''s clinic, or of none in the platform''s, that were ended), endedBy (what ended them: login or switch_clinic, into another clinic or none, or login of another account over the session, the actor being that account; password_change, by the person; password_reset, by a clinic''s owner or admin or the operator; deactivation of the account, or platform_admin_change of its rights, by the operator). logout: sessionId (a session its person ended; one a login of another account ended is that login''s sessions_ended). login_failed: phone (normalised; null when it was no phone number), ip, reason, clinicId (the clinic named, for not_a_member and switch_not_a_member), and deviceCookie for a login''s (whether a device cookie of the account judged it, its failure counted against that device alone). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many sessions of this chain''s clinic, or of none in the platform''s, it ended: those of other chains are in their own entries), and ip and sessionId when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it; in the chain of each other clinic the person is of, passwordChanged, and unlocked and by for a reset, with endedSessions (the sessions of that clinic it ended, if any) in place of sessionsEnded, and nothing of where it was done from. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry); an export_cut_short the hourly sweep wrote for a download whose end never came, a day after it began, endNeverCame (true: the server never told its end, and what it sent is not known; sweep_unended_downloads).';
