--! Previous: sha1:b364bd9626066508be2768e74d0cd8ea4e988440
--! Hash: sha1:58c2f602224f1a185faaa7f2d17ff2ecbe5d6d3d
--! Message: role-change-tells-subscribers-to-subscribe-again

-- A member whose role moves them to another live queue channel is told to subscribe again
--
-- A subscription of the live queue (visitQueueChanged) listens on the channel app_hidden.visit_queue_channel gave its
-- session when it started: the clinic's for owners, admins, receptionists and cashiers, a doctor's own for a doctor. A
-- member whose role changed while subscribed kept that channel, and nothing told them: a doctor made receptionist or
-- admin went on hearing only their own visits, their queue silently missing every other visit of the clinic, until the
-- frontend happened to subscribe again (an admin made doctor heard only what they may still read: events are read
-- through row-level security). Now a change of role that changes the member's channel notifies the channel they leave
-- with {"channel_changed": true} (trigger _700_notify_visit_queue); each subscription that hears it asks the database
-- for its session's channel, and one whose channel is no longer the one it listens on is ended with UNAVAILABLE
-- "Your live queue has moved to another channel …: subscribe again, and read the list again.", as when its listening
-- connection is lost: the frontend subscribes again, on its new channel. The others on that channel (the clinic's
-- front desk, when an admin is made doctor) find theirs unchanged and go on. One formula now names every channel
-- (app_private.visit_queue_channel, a doctor's with doctor_id; it was written twice, doctor_visit_queue_channel), and
-- one function says which a member of a role listens on (member_visit_queue_channel), for the session and the trigger.
drop function if exists app_private.doctor_visit_queue_channel(uuid, uuid);
drop function if exists app_private.visit_queue_channel(uuid);
create or replace function app_private.visit_queue_channel(clinic_id uuid, doctor_id uuid default null) returns text
language sql stable set search_path = pg_catalog, public, pg_temp
as $$
  select 'clinicops:visits:' || left(app_private.secret_hash('live_queue',
    uuid_send(visit_queue_channel.clinic_id) || coalesce(uuid_send(visit_queue_channel.doctor_id), ''::bytea)), 40);
$$;
revoke all on function app_private.visit_queue_channel(uuid, uuid) from public;
comment on function app_private.visit_queue_channel(uuid, uuid) is 'A LISTEN/NOTIFY channel of the clinic''s live visit queue: the clinic''s (every visit''s notifications) without doctor_id, one doctor''s own (their visits'' alone; doctor_id: their membership) with it. 160 bits of a hash of the live_queue secret key (secret_key), the clinic''s id and the doctor''s, which nobody can name without the key; null without the key.';

create or replace function app_private.member_visit_queue_channel(clinic_id uuid, membership_id uuid, role app_public.member_role) returns text
language sql stable set search_path = pg_catalog, public, pg_temp
as $$
  -- the clinic's to those who read every visit of the clinic (the visits' select policy), a doctor's own to a doctor
  select app_private.visit_queue_channel(member_visit_queue_channel.clinic_id,
    case when member_visit_queue_channel.role in ('owner', 'admin', 'receptionist', 'cashier') then null else member_visit_queue_channel.membership_id end);
$$;
revoke all on function app_private.member_visit_queue_channel(uuid, uuid, app_public.member_role) from public;
comment on function app_private.member_visit_queue_channel(uuid, uuid, app_public.member_role) is 'The live visit queue channel a member of the clinic with `role` listens on (visit_queue_channel): the clinic''s for owners, admins, receptionists and cashiers, who read every visit; their own (membership_id''s) for a doctor. Null without the key.';

create or replace function app_private.notify_visit_queue(clinic_id uuid, doctor_ids uuid[], payload text) returns void
language plpgsql volatile set search_path = pg_catalog, public, pg_temp
as $$
begin
  perform pg_notify(c.channel, notify_visit_queue.payload)
  from (select app_private.visit_queue_channel(notify_visit_queue.clinic_id) as channel
        union
        select app_private.visit_queue_channel(notify_visit_queue.clinic_id, d.id) from unnest(notify_visit_queue.doctor_ids) d(id)) c
  where c.channel is not null; -- without the key no one listens: nothing is sent
end;
$$;
revoke all on function app_private.notify_visit_queue(uuid, uuid[], text) from public;
comment on function app_private.notify_visit_queue(uuid, uuid[], text) is 'Tells the clinic''s live visit queue `payload` (a visit''s id and status, as tg_visit__notify and tg_patient__notify_visits write it): on the clinic''s channel (visit_queue_channel), which owners, admins, receptionists and cashiers listen to, and on the channel of each of `doctor_ids` (visit_queue_channel with the doctor: the visit''s doctor, and the one it was taken from), which that doctor listens to. Without the key (app_private.secret_key, live_queue), nothing is sent.';

create or replace function app_hidden.visit_queue_channel() returns text
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off' set clinicops.every_clinic = 'off' set clinicops.reinvitation = 'off'
as $$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_channel text;
begin
  if v_clinic_id is null then
    -- a live session of no clinic is told to pick one (FORBIDDEN), as everywhere a clinic is needed;
    -- without a live session, null: the API tells the client to log in (UNAUTHENTICATED)
    if app_public.current_user_id() is not null then
      raise exception 'Your session is in no clinic: log in to a clinic (or switch to one) to do this.' using errcode = 'CFORB';
    end if;
    return null;
  end if;
  v_channel := app_private.member_visit_queue_channel(v_clinic_id, app_public.current_membership_id(), app_public.current_role());
  if v_channel is null then
    raise exception 'The live queue has no key: app_private.secret_key has no live_queue row (insert into app_private.secret_key (purpose) values (''live_queue'')).';
  end if;
  return v_channel;
end;
$$;
comment on function app_hidden.visit_queue_channel() is 'The live visit queue''s channel the live session may listen to, what the API listens to for the subscription visitQueueChanged, and asks again when its channel tells it {"channel_changed": true}: its clinic''s (every visit''s notifications) for owners, admins, receptionists and cashiers, who read every visit; a doctor''s own (their visits'' notifications alone) for a doctor (member_visit_queue_channel). Null without a live session; a live session of no clinic is FORBIDDEN. Without the key (app_private.secret_key, live_queue) it fails, naming the key.';

create or replace function app_private.tg_membership__notify_visit_queue() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off' set clinicops.every_clinic = 'off'
as $$
declare
  v_left text := app_private.member_visit_queue_channel(old.clinic_id, old.id, old.role);
begin
  -- null without the key: no one listens
  if v_left <> app_private.member_visit_queue_channel(new.clinic_id, new.id, new.role) then
    perform pg_notify(v_left, '{"channel_changed": true}');
  end if;
  return null;
end;
$$;
comment on function app_private.tg_membership__notify_visit_queue() is 'AFTER UPDATE OF role: when the member''s live queue channel changes with their role (member_visit_queue_channel: a doctor made receptionist, an admin made doctor), tells the channel they leave {"channel_changed": true}, so that the API ends their subscriptions (UNAVAILABLE: subscribe again) and they subscribe again on their new channel; the others listening there find theirs unchanged and go on.';
drop trigger if exists _700_notify_visit_queue on app_public.membership;
create trigger _700_notify_visit_queue after update of role on app_public.membership
  for each row when (old.role is distinct from new.role) execute function app_private.tg_membership__notify_visit_queue();
