--! Previous: sha1:efad4f3fd204afbe235fccf39f5ca8a13db7a885
--! Hash: sha1:b401e98a50f330b72d98386e58dd55b8dbb4a3f0
--! Message: secret live queue channels

--------------------------------------------------------------------------------
-- The live queue's channels are secret.
--
-- PostgreSQL has no privilege for LISTEN or NOTIFY: any role that may connect may do both, on any
-- channel. The visit queue's channel was `clinicops:visits:<clinic id>`, so an analyst, or any other
-- role that knew a clinic's id, heard that clinic's visits' ids and statuses as they changed, and
-- could send the API notifications of its own. Each clinic's channel is now named by a keyed hash of
-- its id, with a key that only the database owner reads: the visit trigger names it (running as the
-- owner), the API asks for its live session's own (app_hidden.visit_queue_channel, granted to the
-- visitor role only), and no other role can name it.

drop function if exists app_hidden.visit_queue_channel();
drop function if exists app_private.visit_queue_channel(uuid);
drop table if exists app_private.live_queue_key;
create table app_private.live_queue_key (
  id boolean primary key default true constraint live_queue_key_is_one_row check (id),
  key bytea not null default (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())),
  created_at timestamptz not null default now()
);
alter table app_private.live_queue_key enable row level security;
alter table app_private.live_queue_key force row level security;
create policy owner_only on app_private.live_queue_key to :DATABASE_OWNER using (true);
insert into app_private.live_queue_key default values;
comment on table app_private.live_queue_key is 'The one key that names the clinics'' live queue channels (visit_queue_channel). A new key renames every channel: subscriptions made before it hear nothing more until they subscribe again.';
comment on column app_private.live_queue_key.id is 'Always true: the table holds one row.';
comment on column app_private.live_queue_key.key is '32 bytes from gen_random_uuid''s strong random source (two uuids; 244 random bits).';
comment on column app_private.live_queue_key.created_at is 'When the key was made.';

create function app_private.visit_queue_channel(clinic_id uuid) returns text
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select 'clinicops:visits:' || left(encode(sha256(k.key || uuid_send(visit_queue_channel.clinic_id)), 'hex'), 40)
  from app_private.live_queue_key k;
$$;
revoke all on function app_private.visit_queue_channel(uuid) from public;
comment on function app_private.visit_queue_channel(uuid) is 'The LISTEN/NOTIFY channel of a clinic''s live visit queue: 160 bits of a hash of the secret key and the clinic''s id, which nobody can name without the key.';

create function app_hidden.visit_queue_channel() returns text
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  return app_private.visit_queue_channel(app_public.current_clinic_id());
end;
$$;
revoke all on function app_hidden.visit_queue_channel() from public;
grant execute on function app_hidden.visit_queue_channel() to :DATABASE_VISITOR;
comment on function app_hidden.visit_queue_channel() is 'The live visit queue''s channel of the live session''s clinic, or null without one: what the API listens to for the subscription visitQueueChanged.';

create or replace function app_private.tg_visit__notify() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  if tg_op = 'UPDATE' and (new.status, new.scheduled_at, new.doctor_id) is not distinct from (old.status, old.scheduled_at, old.doctor_id) then
    return null;
  end if;
  perform pg_notify(app_private.visit_queue_channel(new.clinic_id), json_build_object('id', new.id, 'status', new.status)::text);
  return null;
end;
$$;
comment on function app_private.tg_visit__notify() is 'AFTER INSERT OR UPDATE: tells subscribers of the clinic''s visit queue (GraphQL subscription visitQueueChanged) that a visit was booked, changed status, was moved to another time or handed to another doctor, with its id and status now, on the clinic''s secret channel (visit_queue_channel; any role may LISTEN, but only the owner can name the channel).';
