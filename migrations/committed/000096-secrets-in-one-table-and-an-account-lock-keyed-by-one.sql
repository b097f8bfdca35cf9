--! Previous: sha1:01435f3bf8faa8f6bbde94a271fc2e6733b95b70
--! Hash: sha1:dc810961b3e34ca8a804373bd46c74dda917707e
--! Message: secrets in one table and an account lock keyed by one

--------------------------------------------------------------------------------
-- The database's secrets in one table; an account's lock keyed by one.
--
-- pg_locks shows every role the advisory locks held on the whole server, from any database. An
-- account's lock was hashtextextended('user:' || phone, 0), held while its password is hashed
-- (about 100 ms), when a clinic is created with its owner or a member invited: an analyst polling
-- pg_locks could take the key and find the phone by hashing candidates (a country's mobile numbers
-- in minutes), a phone of another clinic's new member. The key is now 64 bits of SHA-256 over a
-- secret that only the owner reads and the phone (app_private.account_lock_key).
--
-- That secret and the live queue's (000092) are rows of one table, app_private.secret_key, by
-- purpose; the live queue's key moves there as it is, so its channels keep their names.

drop function if exists app_private.account_lock_key(text);
drop table if exists app_private.secret_key;
create table app_private.secret_key (
  purpose text primary key constraint secret_key_purpose_check check (purpose in ('live_queue', 'account_lock')),
  key bytea not null default (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())),
  created_at timestamptz not null default now()
);
alter table app_private.secret_key enable row level security;
alter table app_private.secret_key force row level security;
create policy owner_only on app_private.secret_key to :DATABASE_OWNER using (true);
do $$
begin
  if to_regclass('app_private.live_queue_key') is not null then -- 000092's table, whose key keeps the channels' names
    insert into app_private.secret_key (purpose, key, created_at) select 'live_queue', k.key, k.created_at from app_private.live_queue_key k;
    drop table app_private.live_queue_key;
  else
    insert into app_private.secret_key (purpose) values ('live_queue');
  end if;
end;
$$;
insert into app_private.secret_key (purpose) values ('account_lock');
comment on table app_private.secret_key is 'The database''s secrets, one per purpose, which only the owner reads: live_queue names the clinics'' live queue channels (visit_queue_channel), account_lock the advisory locks of accounts (account_lock_key). A new key (update … set key = default where purpose = …) renames every channel, so subscriptions made before hear nothing until they subscribe again; an account_lock key is changed safely only while no account is being made.';
comment on column app_private.secret_key.purpose is 'What the key is for: live_queue or account_lock.';
comment on column app_private.secret_key.key is '32 bytes from gen_random_uuid''s strong random source (two uuids; 244 random bits).';
comment on column app_private.secret_key.created_at is 'When the key was made.';

create or replace function app_private.visit_queue_channel(clinic_id uuid) returns text
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select 'clinicops:visits:' || left(encode(sha256(k.key || uuid_send(visit_queue_channel.clinic_id)), 'hex'), 40)
  from app_private.secret_key k where k.purpose = 'live_queue';
$$;
comment on function app_private.visit_queue_channel(uuid) is 'The LISTEN/NOTIFY channel of a clinic''s live visit queue: 160 bits of a hash of the live_queue secret key and the clinic''s id, which nobody can name without the key; null without the key.';

create or replace function app_hidden.visit_queue_channel() returns text
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_channel text;
begin
  if v_clinic_id is null then
    return null;
  end if;
  v_channel := app_private.visit_queue_channel(v_clinic_id);
  if v_channel is null then
    raise exception 'The live queue has no key: app_private.secret_key has no live_queue row (insert into app_private.secret_key (purpose) values (''live_queue'')).';
  end if;
  return v_channel;
end;
$$;
comment on function app_hidden.visit_queue_channel() is 'The live visit queue''s channel of the live session''s clinic, or null without one: what the API listens to for the subscription visitQueueChanged. Without the key (app_private.secret_key, live_queue) it fails, naming the key.';
comment on function app_private.tg_visit__notify() is 'AFTER INSERT OR UPDATE: tells subscribers of the clinic''s visit queue (GraphQL subscription visitQueueChanged) that a visit was booked, changed status, was moved to another time or handed to another doctor, with its id and status now, on the clinic''s secret channel (visit_queue_channel; any role may LISTEN, but only the owner can name the channel). Without the key (app_private.secret_key, live_queue), nothing is sent and the visit is written.';

create function app_private.account_lock_key(phone text) returns bigint
language sql stable set search_path to pg_catalog, public, pg_temp as $$
  select coalesce(
    (select ('x' || left(encode(sha256(k.key || convert_to('user:' || account_lock_key.phone, 'UTF8')), 'hex'), 16))::bit(64)::bigint
     from app_private.secret_key k where k.purpose = 'account_lock'),
    -- without the key (a restore that lost it), the lock of before: still one at a time
    hashtextextended('user:' || account_lock_key.phone, 0));
$$;
revoke all on function app_private.account_lock_key(text) from public;
comment on function app_private.account_lock_key(text) is 'The advisory lock key of the account of a phone: 64 bits of a SHA-256 of the account_lock secret key (secret_key) and ''user:'' || phone, which pg_locks shows without telling the phone.';

create or replace function app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text, OUT user_id uuid, OUT created boolean) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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
    insert into app_private.user_secret (user_id, password_hash) values (find_or_create_user.user_id, v_password_hash);
  end if;
end;
$$;

create or replace function app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) RETURNS app_public.clinic
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
declare
  v_clinic app_public.clinic;
  v_name text := regexp_replace(create_clinic_with_owner.name, '^\s+|\s+$', '', 'g');
  v_phone app_public.e164_phone;
  v_owner uuid;
begin
  if not app_public.current_user_is_platform_admin() then
    raise exception 'Only a platform administrator can create clinics.' using errcode = 'CFORB';
  end if;
  if not app_public.is_valid_timezone(coalesce(timezone, '')) then
    raise exception 'Unknown time zone: use an IANA name such as Africa/Nairobi.' using errcode = 'CINVL';
  end if;
  v_phone := app_public.normalize_phone(owner_phone, app_hidden.calling_code_for(null));
  -- one owner's requests take turns, under the phone's lock that find_or_create_user takes below
  perform pg_advisory_xact_lock(app_private.account_lock_key(v_phone));
  if exists (
    select 1 from app_public.clinic c
    join app_public.membership m on m.clinic_id = c.id and m.role = 'owner' and m.deleted_at is null
      and m.is_active and m.accepted_at is not null
    join app_public."user" u on u.id = m.user_id
    where u.phone = v_phone and app_private.clinic_name_key(c.name) = app_private.clinic_name_key(v_name)
  ) then
    raise exception 'This owner already has a clinic named %.', v_name using errcode = 'CCONF';
  end if;
  insert into app_public.clinic (name, timezone, currency, calling_code)
  values (v_name, create_clinic_with_owner.timezone, upper(btrim(currency)), app_hidden.country_calling_code(v_phone))
  returning * into v_clinic;
  v_owner := (app_private.find_or_create_user(v_phone, owner_name, owner_password)).user_id;
  insert into app_public.membership (clinic_id, user_id, role) values (v_clinic.id, v_owner, 'owner');
  return v_clinic;
end;
$_$;
comment on function app_private.find_or_create_user(app_public.e164_phone, text, text) is 'The user with this phone, and whether this call created them (with the name and the password, which check_password must accept); an existing user keeps their name and password, and needs none given. Looked up under an advisory lock on the phone (account_lock_key, keyed so that pg_locks does not tell the phone), so accounts of one phone are made one at a time and created is true for one caller only.';
