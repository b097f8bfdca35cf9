--! Previous: sha1:ed923bf0028b183ac081f924f17ba85ebaf39392
--! Hash: sha1:404c73d73a30e9e56576aa75278f90b40adb64bb
--! Message: A truncate of the keys tells the live queue's subscribers to subscribe again

-- A truncate of the keys tells the live queue's subscribers to subscribe again, as a new key does
--
-- The live queue's channels are named with the live_queue key (app_private.secret_key): a new key, or none, renames
-- them. An update of the key and a delete of its row told every channel, by the row trigger _700_notify_visit_queue
-- (000346), and the subscriptions made before ended (UNAVAILABLE: subscribe again). A truncate of the table (an
-- operator making every key anew by hand) fires no row's trigger: the subscriptions made before were told nothing and
-- listened on the old key's channels for good, every desk's queue standing still, without an error or an end, until it
-- subscribed again. A truncate now tells every channel a member listens on, as a delete does, while the old key still
-- names them (the statement trigger _700_notify_visit_queue_truncated, BEFORE TRUNCATE).
create or replace function app_private.tg_secret_key__notify_visit_queue()
 returns trigger
 language plpgsql
 security definer
 set search_path to 'pg_catalog', 'public', 'pg_temp'
 set "clinicops.include_deleted" to 'off'
 set "clinicops.every_clinic" to 'off'
 set "clinicops.reinvitation" to 'off'
as $function$
begin
  if tg_op = 'UPDATE' and new.key = old.key then
    return new;
  end if;
  -- BEFORE the change (an update, a delete, or a truncate: a statement's trigger, neither new nor old): the channels are
  -- still named with the old key, which the subscriptions listen on; without a live_queue key, none (null)
  perform pg_notify(c.channel, '{"channel_changed": true}')
  from (select distinct app_private.member_visit_queue_channel(m.clinic_id, m.id, m.role) as channel from app_public.membership m) c
  where c.channel is not null;
  return case tg_op when 'DELETE' then old when 'UPDATE' then new end;
end;
$function$;
revoke all on function app_private.tg_secret_key__notify_visit_queue() from public;
comment on function app_private.tg_secret_key__notify_visit_queue() is
  'BEFORE UPDATE OF key OR DELETE of the live_queue key, and BEFORE TRUNCATE of the keys (000441: a truncate fires no row''s trigger, and the subscriptions made before were told nothing, deaf for good): tells every live queue channel a member listens on (member_visit_queue_channel of each membership), while it still bears the old key''s name, {"channel_changed": true}, so that the API ends every subscription made with the old key (UNAVAILABLE: subscribe again) and its frontend subscribes again on the channel the new key names.';

drop trigger if exists _700_notify_visit_queue_truncated on app_private.secret_key;
create trigger _700_notify_visit_queue_truncated before truncate on app_private.secret_key
  for each statement execute function app_private.tg_secret_key__notify_visit_queue();
comment on trigger _700_notify_visit_queue_truncated on app_private.secret_key is
  'The keys truncated: every live queue subscriber is told to subscribe again, as at a new key (tg_secret_key__notify_visit_queue).';
