--! Previous: sha1:acfcb9ce2c9fe099e1e95430cb9bfbc57e0a888f
--! Hash: sha1:6dd820005c5d235f3ec3521ae3ab65ef361178c8
--! Message: a promotion takes the secret first

-- `npm run superuser` promoting an existing user updated the user (whose audit entry takes the
-- platform chain's head) and then their secret, while a login of theirs holds the secret and then
-- appends to the platform chain: each waited for the other, and PostgreSQL aborted one. The secret
-- is now taken first, as a login takes it.

create or replace function app_private.create_platform_admin(phone text, full_name text, password text) returns uuid
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_phone app_public.e164_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  v_id uuid := app_private.find_or_create_user(v_phone, full_name, password);
begin
  update app_private.user_secret s set password_hash = app_private.hash_password(password), locked_until = null,
    failed_login_count = 0 where s.user_id = v_id;
  update app_public."user" u set is_platform_admin = true, is_active = true where u.id = v_id;
  return v_id;
end;
$$;
