--! Previous: sha1:c9ebd22b452cc9bb5ef76034ca20a65bc67174d5
--! Hash: sha1:0aabf09fb2cb32682cdb4678721a42e0cd9dd011
--! Message: chosen passwords changed first

-- An account made with a password someone else chose (an admin's inviteMember of a new phone, a
-- platform admin's createClinicWithOwner, npm run superuser) answers no other clinic's invitation
-- until its holder has changed that password. Whoever chose it could log in as the person and accept
-- another clinic's invitation for them (clinic A's admin became an admin of clinic B, in B's audit as
-- the person), or decline it (B could not invite them again for 30 days). Changing the password first
-- is no barrier to that admin, who knows it, but the person then finds their password changed, where
-- before nothing showed. A holder could change their password only from 000112 on, each change
-- audited (user_secret, passwordChanged): the accounts without such an entry have the password they
-- were made with.

alter table app_private.user_secret add column if not exists password_set_by_holder boolean not null default false;
comment on column app_private.user_secret.password_set_by_holder is
  'Whether the account''s holder set its password (change_password), rather than whoever made the account or reset it (find_or_create_user, create_platform_admin): until then it answers no invitation.';

update app_private.user_secret s set password_set_by_holder = true
where not s.password_set_by_holder and exists (
  select from app_public.audit_log a
  where a.table_name = 'user_secret' and a.record_id = s.user_id and a.action = 'update' and a.detail ? 'passwordChanged'
);

create or replace function app_private.check_password_set_by_holder(user_id uuid) returns void
  language plpgsql stable
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if not coalesce((select s.password_set_by_holder from app_private.user_secret s where s.user_id = check_password_set_by_holder.user_id), false) then
    raise exception 'Your password was chosen by whoever made your account: change it (POST /auth/password), then answer the invitation.'
      using errcode = 'CFORB';
  end if;
end;
$$;
comment on function app_private.check_password_set_by_holder(user_id uuid) is
  'FORBIDDEN unless the account''s holder set its password: whoever chose it (an inviter, a platform admin, an operator) could otherwise answer invitations as the person. Called by accept_invitation and decline_invitation.';

create or replace function app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text, OUT user_id uuid, OUT created boolean) RETURNS record
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_password_hash text;
begin
  -- one phone's account is made once, whoever asks at the same time: the look and the insert are
  -- under the phone's lock, so one caller alone is told created
  perform pg_advisory_xact_lock(app_private.account_lock_key(find_or_create_user.phone));
  select u.id into user_id from app_public."user" u where u.phone = find_or_create_user.phone;
  created := not found;
  if created then -- an existing person keeps their own name and password
    v_password_hash := app_private.hash_password(password); -- the password rule, before anything is written
    insert into app_public."user" (phone, full_name) values (find_or_create_user.phone, btrim(full_name))
    returning id into user_id;
    -- the password is the caller's choice (an inviter's, a platform admin's, an operator's), not the person's
    insert into app_private.user_secret (user_id, password_hash, password_set_by_holder)
    values (find_or_create_user.user_id, v_password_hash, false);
  end if;
end;
$$;

create or replace function app_hidden.change_password(current_password text, new_password text, ip inet) RETURNS jsonb
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_session app_private.session := app_private.live_session();
  v_secret app_private.user_secret;
  v_ended integer;
begin
  if v_session.id is null then
    raise exception 'Log in first.' using errcode = 'CAUTH';
  end if;
  if current_password is null or current_password = '' or char_length(current_password) > 1024 then
    raise exception 'Give your current password (currentPassword).' using errcode = 'CINVL';
  end if;
  perform app_private.check_password(new_password);
  if new_password = current_password then
    raise exception 'The new password is the one you have: choose another.' using errcode = 'CINVL';
  end if;
  -- locked until this attempt is counted, so guesses through several sessions take turns
  select * into v_secret from app_private.user_secret s where s.user_id = v_session.user_id for update;
  -- and the account's row, which a clinic switch holds (shared) while it opens a session: a switch
  -- before the change has its session ended by it, one after finds its own ended
  perform from app_public."user" u where u.id = v_session.user_id for no key update;
  -- and the sessions' turn, before any session is touched: a change of a membership ends or changes
  -- sessions after its audit entry, this change writes its entry after ending them
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(v_session.user_id));
  -- the session this change was asked from, as it is once those are had: one a switch of it ended
  -- meanwhile is ended (the change went on from it, and ended the switch's new session too)
  if not exists (select from app_private.session s where s.id = v_session.id and s.revoked_at is null) then
    raise exception 'Your session has ended: log in again.' using errcode = 'CAUTH';
  end if;
  if coalesce(v_secret.locked_until > now(), false)
     or crypt(current_password, v_secret.password_hash) is distinct from v_secret.password_hash then
    -- the same as a login's failure: audited, counted against the account and the client's address
    insert into app_private.login_failure (ip, phone)
    select app_hidden.throttled_network(change_password.ip), u.phone from app_public."user" u where u.id = v_session.user_id;
    perform app_private.count_password_failure(v_session.user_id);
    perform app_private.audit_failed_login(u.phone, change_password.ip, 'password_change_refused', u.id)
    from app_public."user" u where u.id = v_session.user_id;
    return jsonb_build_object('status', 'invalid');
  end if;
  update app_private.user_secret s set password_hash = app_private.hash_password(new_password),
    failed_login_count = 0, first_failed_login_at = null, locked_until = null, password_set_by_holder = true
  where s.user_id = v_session.user_id;
  update app_private.session s set revoked_at = now()
  where s.user_id = v_session.user_id and s.id <> v_session.id and s.revoked_at is null;
  get diagnostics v_ended = row_count;
  perform app_private.write_audit(v_session.clinic_id, 'update', 'user_secret', v_session.user_id, null, null,
    jsonb_build_object('passwordChanged', true, 'ip', change_password.ip, 'sessionId', v_session.id, 'sessionsEnded', v_ended),
    v_session.user_id);
  return jsonb_build_object('status', 'ok', 'sessionsEnded', v_ended);
end;
$$;

create or replace function app_private.create_platform_admin(phone text, full_name text, password text) RETURNS uuid
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_phone app_public.e164_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  v_user record;
begin
  perform app_private.check_person_name(full_name);
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  -- a new user's secret was made from this password; someone already registered gets it now, their
  -- secret taken before their user row, as a login takes them (000052)
  if not v_user.created then
    update app_private.user_secret s set password_hash = app_private.hash_password(password), locked_until = null,
      failed_login_count = 0, password_set_by_holder = false where s.user_id = v_user.user_id;
  end if;
  update app_public."user" u set is_platform_admin = true, is_active = true where u.id = v_user.user_id;
  return v_user.user_id;
end;
$$;

create or replace function app_public.accept_invitation(clinic_id uuid) RETURNS boolean
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
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
  -- whoever chose the password can log in as the person: joining another clinic is the person's
  -- once the password is theirs alone (the raise undoes the acceptance)
  perform app_private.check_password_set_by_holder(v_user);
  return true;
end;
$$;

comment on function app_public.accept_invitation(clinic_id uuid) is 'Accepts the current user''s pending invitation from a clinic (its id is in the login answer''s `clinics`, marked `pending`): they become a member with the role offered, and the clinic sees their name. Then POST /auth/switch-clinic enters it. NOT_FOUND when there is no such invitation; FORBIDDEN while the account''s password is the one whoever made the account chose (check_password_set_by_holder: change it with POST /auth/password first). Audited as an update of the membership.';

create or replace function app_public.decline_invitation(clinic_id uuid) returns boolean
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
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
  -- a decline keeps the clinic from inviting them for 30 days: the person's too
  perform app_private.check_password_set_by_holder(v_user);
  -- a soft delete by the person (audited as such in the clinic's chain), through decline_own_invitations
  perform app_private.soft_delete(null::app_public.membership, decline_invitation.clinic_id, v_membership);
  return true;
end;
$$;
comment on function app_public.decline_invitation(clinic_id uuid) is 'Declines the current user''s pending invitation from a clinic (its id is in the login answer''s `clinics`, marked `pending`): the membership is removed for good (restoreMember refuses it) and the clinic may invite them again only 30 days later; the clinic never sees who it invited. NOT_FOUND when there is no such invitation; FORBIDDEN while the account''s password is the one whoever made the account chose (check_password_set_by_holder); an accepted membership is left by asking the clinic to remove it.';
