--! Previous: sha1:894ff5d9f4ca8b0ae693d35ea51ca2acd3e03c20
--! Hash: sha1:5ec9289164e5886fbf2f339c21cb319f80079d49
--! Message: a platform admin's password reset ends their sessions and is audited

-- `npm run superuser` for someone who already has an account resets their password and unlocks it,
-- and wrote no audit entry of it, and left the account's sessions open: an operator resetting a
-- platform admin whose password leaked left the intruder's session working. The reset now takes the
-- account's secret, row and sessions' turn as a password change does (change_password), ends every
-- session of the account, and is audited in the platform's chain (an update of user_secret, by no
-- one: the command runs outside any session).

create or replace function app_private.create_platform_admin(phone text, full_name text, password text) RETURNS uuid
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_phone app_public.e164_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  v_user record;
  v_secret app_private.user_secret;
  v_ended integer;
begin
  perform app_private.check_person_name(full_name);
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  -- a new user's secret was made from this password; someone already registered gets it now, their
  -- secret taken before their user row, as a login takes them (000052), then the sessions' turn, as a
  -- password change takes them
  if not v_user.created then
    select * into v_secret from app_private.user_secret s where s.user_id = v_user.user_id for update;
    perform from app_public."user" u where u.id = v_user.user_id for no key update;
    perform pg_advisory_xact_lock_shared(app_private.session_turn_key(v_user.user_id));
    update app_private.user_secret s set password_hash = app_private.hash_password(password), locked_until = null,
      failed_login_count = 0, first_failed_login_at = null, password_set_by_holder = false where s.user_id = v_user.user_id;
    update app_private.session s set revoked_at = now() where s.user_id = v_user.user_id and s.revoked_at is null;
    get diagnostics v_ended = row_count;
    perform app_private.write_audit(null, 'update', 'user_secret', v_user.user_id, null, null,
      jsonb_build_object('passwordChanged', true, 'by', 'npm run superuser', 'unlocked', coalesce(v_secret.locked_until > now(), false),
        'sessionsEnded', v_ended),
      null);
  end if;
  update app_public."user" u set is_platform_admin = true, is_active = true where u.id = v_user.user_id;
  return v_user.user_id;
end;
$$;

comment on function app_private.create_platform_admin(text, text, text) is
  'Creates a platform administrator, or promotes someone who has an account; either way the account gets the password given (`npm run superuser`). A reset of an existing account''s password unlocks it, ends every session of the account, and is audited in the platform''s chain (user_secret, passwordChanged, with the sessions ended).';
