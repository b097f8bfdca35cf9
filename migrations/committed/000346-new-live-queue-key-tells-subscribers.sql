--! Previous: sha1:58c2f602224f1a185faaa7f2d17ff2ecbe5d6d3d
--! Hash: sha1:df4f96064fbfa0d7bdbb685d9883965b6a0a1568
--! Message: new-live-queue-key-tells-subscribers

-- A new live queue key tells every subscriber to subscribe again
--
-- A new live queue key (update app_private.secret_key set key = default where purpose = 'live_queue', as after a copy
-- of the database left the building) renames every channel of the live queue: every subscription made before went
-- silent, with no error, and its queue stood still until the frontend happened to subscribe again. Now, before the key
-- changes (or is deleted), every channel a member listens on (member_visit_queue_channel of each membership: each
-- clinic's and each doctor's) is told {"channel_changed": true}, while it still bears the old key's name; each
-- subscription asks for its channel, finds it renamed, and is ended with UNAVAILABLE ("… subscribe again, and read the
-- list again."), as the change of a member's role ends theirs: the frontend subscribes again, on the new channel.
create or replace function app_private.tg_secret_key__notify_visit_queue() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off' set clinicops.every_clinic = 'off' set clinicops.reinvitation = 'off'
as $$
begin
  if tg_op = 'UPDATE' and new.key = old.key then
    return new;
  end if;
  -- BEFORE the change: the channels are still named with the old key, which the subscriptions listen on
  perform pg_notify(c.channel, '{"channel_changed": true}')
  from (select distinct app_private.member_visit_queue_channel(m.clinic_id, m.id, m.role) as channel from app_public.membership m) c
  where c.channel is not null;
  return case tg_op when 'DELETE' then old else new end;
end;
$$;
comment on function app_private.tg_secret_key__notify_visit_queue() is 'BEFORE UPDATE OF key OR DELETE of the live_queue key: tells every live queue channel a member listens on (member_visit_queue_channel of each membership), while it still bears the old key''s name, {"channel_changed": true}, so that the API ends every subscription made with the old key (UNAVAILABLE: subscribe again) and its frontend subscribes again on the channel the new key names.';
drop trigger if exists _700_notify_visit_queue on app_private.secret_key;
create trigger _700_notify_visit_queue before update of key or delete on app_private.secret_key
  for each row when (old.purpose = 'live_queue') execute function app_private.tg_secret_key__notify_visit_queue();
comment on table app_private.secret_key is 'The database''s secrets, one per purpose, which only the owner reads: live_queue names the clinics'' live queue channels (visit_queue_channel), account_lock the advisory locks of accounts and of their sessions'' turns (secret_lock_key). A new key (update … set key = default where purpose = …) renames every channel, and the subscriptions made before are told to subscribe again (_700_notify_visit_queue); an account_lock key is changed safely only while no account is being made nor any session opened.';
