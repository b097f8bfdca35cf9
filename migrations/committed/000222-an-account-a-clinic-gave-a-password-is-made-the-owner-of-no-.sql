--! Previous: sha1:43f32bbe3659bf38e8d431608a322837a4f85220
--! Hash: sha1:ba8569ae97ed45b865be5a5c302ca938c0ef940d
--! Message: An account a clinic gave a password is made the owner of no new clinic

-- A clinic the platform operator makes for an account a clinic gave a password is refused as the other ways in are.
--
-- 000220 kept such an account out of other clinics by a trigger on changes of memberships (an invitation accepted,
-- a removed membership restored), but create_clinic_with_owner inserts the owner's membership accepted: the operator
-- making a clinic with that person as its owner gave whoever at the resetting clinic knew the password the new
-- clinic's owner's access. The trigger now reads a membership inserted accepted too.

create or replace function app_private.tg_membership__kept_to_the_resetting_clinic() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid;
begin
  -- a membership that becomes one the person holds: made accepted (a clinic made with them as its owner), an
  -- invitation accepted, a removed membership restored
  if new.accepted_at is not null and new.deleted_at is null
     and (tg_op = 'INSERT' or old.accepted_at is null or old.deleted_at is not null) then
    -- read after _050_session_turn's wait, or under the phone's lock a clinic's making holds, so a reset committed
    -- meanwhile is seen
    select s.password_given_by_clinic into v_clinic from app_private.user_secret s where s.user_id = new.user_id;
    if v_clinic is not null and v_clinic <> new.clinic_id then
      raise exception 'This account''s password was last given by another clinic, which may log in as it: it joins no other clinic until the platform operator resets the password (npm run password).'
        using errcode = 'CFORB';
    end if;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_membership__kept_to_the_resetting_clinic() is 'BEFORE INSERT or UPDATE: an account whose password a clinic gave (user_secret.password_given_by_clinic) is made the owner of no new clinic, accepts no invitation of another clinic and has no membership there restored (FORBIDDEN) until the platform operator resets its password: whoever in that clinic knew the password would have the person''s access there.';
drop trigger if exists _220_kept_to_the_resetting_clinic on app_public.membership;
create trigger _220_kept_to_the_resetting_clinic before insert or update on app_public.membership
  for each row execute function app_private.tg_membership__kept_to_the_resetting_clinic();
