--! Previous: sha1:66d6151da2b35f22a205b8e2c69267be5a7e6429
--! Hash: sha1:7feda2a9a9d048cfa166dab2fb8464932c510679
--! Message: An account a clinic gave a password joins no other clinic until the operator resets it

-- A clinic's reset of a member's password keeps the account to that clinic until the platform operator resets
-- it: whoever chose the password may log in as the person, and changing it asks only for the password itself, so
-- after a reset in clinic A a membership restored in clinic B, or an invitation from B accepted, went to whoever
-- at A knew the password (the reset checks the person belongs nowhere else at its moment only).

alter table app_private.user_secret add column if not exists password_given_by_clinic uuid;
comment on column app_private.user_secret.password_given_by_clinic is 'The clinic whose owner or admin last gave the account its password (reset_member_password), null once the platform operator has reset it (npm run password, npm run superuser) or for none: while set, the account joins no other clinic (tg_membership__kept_to_the_resetting_clinic), as that clinic may log in as it, whatever password it changes to.';

create or replace function app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) returns integer
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_secret app_private.user_secret;
  v_ended integer;
begin
  perform app_private.hold_for_new_password(replace_password.user_id);
  select * into v_secret from app_private.user_secret s where s.user_id = replace_password.user_id;
  update app_private.user_secret s set password_hash = replace_password.password_hash, locked_until = null,
    failed_login_count = 0, first_failed_login_at = null, password_set_by_holder = false,
    password_given_by_clinic = replace_password.clinic_id
  where s.user_id = replace_password.user_id;
  update app_private.session s set revoked_at = now() where s.user_id = replace_password.user_id and s.revoked_at is null;
  get diagnostics v_ended = row_count;
  perform app_private.write_audit(replace_password.clinic_id, 'update', 'user_secret', replace_password.user_id, null, null,
    jsonb_build_object('passwordChanged', true, 'unlocked', coalesce(v_secret.locked_until > now(), false), 'sessionsEnded', v_ended)
      || replace_password.detail);
  return v_ended;
end;
$$;

comment on function app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) is 'Gives the person a password someone else chose (its hash, made by hash_password): the person must choose their own at their next chance (password_set_by_holder false), a lockout ends, every session of theirs ends, and the change is audited in the chain of clinic_id (the platform''s when null); a clinic''s reset keeps the account to that clinic until the operator''s next (password_given_by_clinic) as an update of user_secret: passwordChanged, unlocked, sessionsEnded and the detail given (who did it), never the hash. Answers the sessions it ended. For the operator''s resets (npm run password, npm run superuser) and a clinic''s (reset_member_password).';

create or replace function app_private.tg_membership__kept_to_the_resetting_clinic() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid;
begin
  -- a membership that becomes one the person holds: an invitation accepted, a removed membership restored
  if new.accepted_at is not null and new.deleted_at is null and (old.accepted_at is null or old.deleted_at is not null) then
    -- read after _050_session_turn's wait, so a reset committed meanwhile is seen
    select s.password_given_by_clinic into v_clinic from app_private.user_secret s where s.user_id = new.user_id;
    if v_clinic is not null and v_clinic <> new.clinic_id then
      raise exception 'This account''s password was last given by another clinic, which may log in as it: it joins no other clinic until the platform operator resets the password (npm run password).'
        using errcode = 'CFORB';
    end if;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_membership__kept_to_the_resetting_clinic() is 'BEFORE UPDATE: an account whose password a clinic gave (user_secret.password_given_by_clinic) accepts no invitation of another clinic and has no membership there restored (FORBIDDEN) until the platform operator resets its password: whoever in that clinic knew the password would have the person''s access there.';
revoke all on function app_private.tg_membership__kept_to_the_resetting_clinic() from public;
drop trigger if exists _220_kept_to_the_resetting_clinic on app_public.membership;
create trigger _220_kept_to_the_resetting_clinic before update on app_public.membership
  for each row execute function app_private.tg_membership__kept_to_the_resetting_clinic();
