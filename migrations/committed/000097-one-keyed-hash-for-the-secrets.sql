--! Previous: sha1:dc810961b3e34ca8a804373bd46c74dda917707e
--! Hash: sha1:fc49bd863bb9b30aa3fd83182f2d61c33ff72b63
--! Message: one keyed hash for the secrets

--------------------------------------------------------------------------------
-- One keyed hash for the database's secrets.
--
-- The live queue's channel (visit_queue_channel) and an account's lock (account_lock_key) each
-- wrote out the same keyed hash: SHA-256 of their purpose's key in secret_key and a message. It is
-- now one function, app_private.secret_hash, which both call; what they compute is unchanged, so
-- channels keep their names and locks their keys. And both secrets are made when missing: 000096
-- made no live_queue row where 000092's table had been emptied.

insert into app_private.secret_key (purpose) values ('live_queue'), ('account_lock') on conflict (purpose) do nothing;

create or replace function app_private.secret_hash(purpose text, message bytea) returns text
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select encode(sha256(k.key || secret_hash.message), 'hex') from app_private.secret_key k where k.purpose = secret_hash.purpose;
$$;
revoke all on function app_private.secret_hash(text, bytea) from public;
comment on function app_private.secret_hash(text, bytea) is 'SHA-256, in hex, of the secret key of `purpose` (secret_key) and `message`: a name nobody can make without the key. Null without the key.';

create or replace function app_private.visit_queue_channel(clinic_id uuid) returns text
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select 'clinicops:visits:' || left(app_private.secret_hash('live_queue', uuid_send(visit_queue_channel.clinic_id)), 40);
$$;

create or replace function app_private.account_lock_key(phone text) returns bigint
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select coalesce(
    ('x' || left(app_private.secret_hash('account_lock', convert_to('user:' || account_lock_key.phone, 'UTF8')), 16))::bit(64)::bigint,
    -- without the key (a restore that lost it), the lock of before: still one at a time
    hashtextextended('user:' || account_lock_key.phone, 0));
$$;
