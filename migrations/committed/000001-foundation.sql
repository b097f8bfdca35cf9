--! Previous: -
--! Hash: sha1:1bfd2b8d296aa55e869c72797c1cb1c602259812
--! Message: foundation

--! split: 001-schemas.sql
-- Schemas and default privileges.
--
-- app_public  : exposed as GraphQL by PostGraphile.
-- app_hidden  : usable by the API role (visitor) but not exposed.
-- app_private : secrets and bookkeeping; only the owner (and so only
--               `security definer` functions) reaches it.
-- reporting   : read-only views for analysts.
--
-- Dropping and recreating the schemas keeps this file idempotent while it
-- lives in current/ (graphile-migrate re-runs it on every change).
drop schema if exists reporting cascade;
drop schema if exists app_private cascade;
drop schema if exists app_hidden cascade;
drop schema if exists app_public cascade;

create schema app_public;
create schema app_hidden;
create schema app_private;
create schema reporting;

comment on schema app_public is 'The ClinicOps domain as served by the GraphQL API.';
comment on schema app_hidden is 'Helpers the API role may call that are not part of the GraphQL API.';
comment on schema app_private is 'Secrets and bookkeeping; reached only through security definer functions.';
comment on schema reporting is 'Read-only views for analysts, limited to the clinics they are granted.';

grant usage on schema app_public, app_hidden to :DATABASE_VISITOR;
grant usage on schema reporting to :DATABASE_ANALYST;

-- Nothing is executable or readable by default: every grant below is explicit.
alter default privileges revoke all on functions from public;
alter default privileges in schema app_public, app_hidden
  grant execute on functions to :DATABASE_VISITOR;
alter default privileges in schema app_public, app_hidden
  grant usage, select on sequences to :DATABASE_VISITOR;

--! split: 002-phone.sql
-- Phone numbers: stored in E.164, normalised from whatever a person types.
--
-- Error codes raised by ClinicOps functions are five-character SQLSTATEs of
-- our own (class "C"); the server maps them to the stable GraphQL error codes
-- listed in docs/api.md (CINPH -> INVALID_PHONE, CINVL -> INVALID_INPUT, ...).

create domain app_public.e164_phone as text
  check (value ~ '^\+[1-9][0-9]{6,14}$');
comment on domain app_public.e164_phone is 'A phone number in E.164 form: "+", the country calling code and the subscriber number, 7 to 15 digits in all.';

create domain app_public.calling_code as text
  check (value ~ '^[1-9][0-9]{0,2}$');
comment on domain app_public.calling_code is 'A country calling code without "+", e.g. 255 for Tanzania or 44 for the United Kingdom.';

create function app_public.normalize_phone(raw text, default_calling_code app_public.calling_code default null)
returns app_public.e164_phone
language plpgsql immutable
as $$
declare
  v_text text := btrim(raw);
  v_digits text;
begin
  if v_text is null or v_text = '' then
    raise exception 'A phone number is required.' using errcode = 'CINPH';
  end if;
  -- Separators people type: spaces, dashes, dots, slashes and brackets.
  v_digits := regexp_replace(v_text, '[[:space:]()./-]', '', 'g');
  if length(v_text) > 32 or v_digits !~ '^\+?[0-9]+$' then
    raise exception 'This is not a phone number: use digits, spaces, dashes or brackets, optionally starting with + or 00.'
      using errcode = 'CINPH';
  end if;

  if v_digits like '+%' or v_digits like '00%' then
    -- International form; "(0)" is the national trunk prefix some people add.
    v_digits := regexp_replace(replace(v_text, '(0)', ''), '[^0-9]', '', 'g');
    if v_digits like '00%' and v_text !~ '^[[:space:](]*\+' then
      v_digits := substr(v_digits, 3);
    end if;
  else
    if default_calling_code is null then
      raise exception 'This phone number has no country code: start it with + and the country code.'
        using errcode = 'CINPH';
    end if;
    -- National form: drop the trunk prefix 0 and add the country code.
    v_digits := default_calling_code || regexp_replace(v_digits, '^0', '');
  end if;

  if v_digits !~ '^[1-9][0-9]{6,14}$' then
    raise exception 'This is not a phone number: it must have 7 to 15 digits including the country code.'
      using errcode = 'CINPH';
  end if;
  return '+' || v_digits;
end;
$$;
comment on function app_public.normalize_phone(text, app_public.calling_code) is
  'Turns a phone number as typed ("0712 345-678", "(+255) 712 345 678", "00255712345678") into E.164, using `default_calling_code` for national numbers; raises INVALID_PHONE for anything that is not a phone number.';

--! split: 003-tenancy.sql
-- Tenancy: clinics, the people who work in them, and their sessions.
--
-- A person is one `user` (identified by phone); a `membership` gives a user a
-- role in one clinic. Every session is scoped to exactly one clinic (or none,
-- until the user picks one). Tenant tables carry `clinic_id` in every unique
-- and foreign key, starting with membership.

create type app_public.member_role as enum ('owner', 'admin', 'doctor', 'receptionist', 'cashier');
comment on type app_public.member_role is 'What a member may do in a clinic; see docs/permissions.md.';

create function app_public.is_valid_timezone(name text) returns boolean
language sql stable
as $$
  select exists (select 1 from pg_catalog.pg_timezone_names t where t.name = is_valid_timezone.name);
$$;
comment on function app_public.is_valid_timezone(text) is 'True when `name` is an IANA time zone this database knows, e.g. Africa/Dar_es_Salaam.';

create table app_public.clinic (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(btrim(name)) between 1 and 200),
  phone app_public.e164_phone,
  email text check (char_length(email) <= 320 and email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  address text check (char_length(address) <= 500),
  timezone text not null default 'UTC' check (app_public.is_valid_timezone(timezone)),
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  calling_code app_public.calling_code,
  tax_rate numeric(6, 4) not null default 0 check (tax_rate >= 0 and tax_rate < 1),
  invoice_footer text check (char_length(invoice_footer) <= 2000),
  code_prefixes jsonb not null default '{}' check (jsonb_typeof(code_prefixes) = 'object'),
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid
);
comment on table app_public.clinic is 'A clinic: the tenant. Everything a clinic owns carries its id.';
comment on column app_public.clinic.id is 'Internal identifier of the clinic.';
comment on column app_public.clinic.name is 'Name shown to staff and on documents (1 to 200 characters).';
comment on column app_public.clinic.phone is 'Contact phone in E.164.';
comment on column app_public.clinic.email is 'Contact email address.';
comment on column app_public.clinic.address is 'Postal address as printed on documents.';
comment on column app_public.clinic.timezone is 'IANA time zone that defines the clinic''s business days.';
comment on column app_public.clinic.currency is 'ISO 4217 code of the currency the clinic bills in.';
comment on column app_public.clinic.calling_code is 'Country calling code used to complete national phone numbers typed by staff (e.g. 255).';
comment on column app_public.clinic.tax_rate is 'Default tax rate as a fraction (0.18 for 18%).';
comment on column app_public.clinic.invoice_footer is 'Text printed at the bottom of invoices.';
comment on column app_public.clinic.code_prefixes is 'Optional overrides of code prefixes, e.g. {"PAT": "PT"} makes patient codes PT-000001.';
comment on column app_public.clinic.created_at is 'When the row was created.';
comment on column app_public.clinic.created_by is 'User who created the row (null for the platform).';
comment on column app_public.clinic.updated_at is 'When the row last changed.';
comment on column app_public.clinic.updated_by is 'User who last changed the row.';

create table app_public."user" (
  id uuid primary key default gen_random_uuid(),
  phone app_public.e164_phone not null unique,
  full_name text not null check (char_length(btrim(full_name)) between 1 and 200),
  is_active boolean not null default true,
  is_platform_admin boolean not null default false,
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid
);
comment on table app_public."user" is 'A person who can log in, identified by phone. Their password lives in app_private.user_secret and is never returned.';
comment on column app_public."user".id is 'Internal identifier of the user.';
comment on column app_public."user".phone is 'Login phone number in E.164; unique across the platform.';
comment on column app_public."user".full_name is 'Name shown to colleagues (1 to 200 characters).';
comment on column app_public."user".is_active is 'False blocks login and ends every session of the user.';
comment on column app_public."user".is_platform_admin is 'Platform administrators create clinics and their first owners.';
comment on column app_public."user".created_at is 'When the row was created.';
comment on column app_public."user".created_by is 'User who created the row (null for the platform).';
comment on column app_public."user".updated_at is 'When the row last changed.';
comment on column app_public."user".updated_by is 'User who last changed the row.';

create table app_private.user_secret (
  user_id uuid primary key references app_public."user" on delete cascade,
  password_hash text not null,
  failed_login_count integer not null default 0,
  first_failed_login_at timestamptz,
  locked_until timestamptz,
  last_login_at timestamptz
);
comment on table app_private.user_secret is 'Password hash (bcrypt) and lockout state of a user.';
comment on column app_private.user_secret.user_id is 'The user these secrets belong to.';
comment on column app_private.user_secret.password_hash is 'bcrypt hash made by pgcrypto; never leaves the database.';
comment on column app_private.user_secret.failed_login_count is 'Failed logins in the current window.';
comment on column app_private.user_secret.first_failed_login_at is 'Start of the current failure window.';
comment on column app_private.user_secret.locked_until is 'Logins are refused until this time.';
comment on column app_private.user_secret.last_login_at is 'Time of the last successful login.';

create table app_public.membership (
  clinic_id uuid not null references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null references app_public."user",
  role app_public.member_role not null,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  deleted_at timestamptz,
  deleted_by uuid,
  primary key (clinic_id, id)
);
create unique index membership_one_live_per_user on app_public.membership (clinic_id, user_id) where deleted_at is null;
create index membership_user_id_idx on app_public.membership (user_id);
comment on table app_public.membership is E'@behavior -delete\nA user''s role in a clinic. Removing a member soft-deletes the membership (see removeMember / restoreMember).';
comment on column app_public.membership.clinic_id is 'The clinic.';
comment on column app_public.membership.id is 'Internal identifier of the membership.';
comment on column app_public.membership.user_id is 'The member.';
comment on column app_public.membership.role is 'What the member may do in this clinic.';
comment on column app_public.membership.is_active is 'False suspends the member: no login into this clinic, sessions ended.';
comment on column app_public.membership.created_at is 'When the row was created.';
comment on column app_public.membership.created_by is 'User who created the row.';
comment on column app_public.membership.updated_at is 'When the row last changed.';
comment on column app_public.membership.updated_by is 'User who last changed the row.';
comment on column app_public.membership.deleted_at is 'When the member was removed (soft delete); null while a member.';
comment on column app_public.membership.deleted_by is 'User who removed the member.';

create table app_private.session (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references app_public."user" on delete cascade,
  clinic_id uuid references app_public.clinic,
  role app_public.member_role,
  is_platform_admin boolean not null default false,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  ip inet,
  user_agent text,
  check ((clinic_id is null) = (role is null))
);
create index session_user_id_idx on app_private.session (user_id);
create index session_clinic_user_idx on app_private.session (clinic_id, user_id);
create index session_expires_at_idx on app_private.session (expires_at);
comment on table app_private.session is 'A login. The JWT carries only its id as the authority: logout, expiry, a role change or a suspension act here, so a token stops working at once.';
comment on column app_private.session.id is 'Session id, the `session_id` claim of the JWT.';
comment on column app_private.session.user_id is 'Who logged in.';
comment on column app_private.session.clinic_id is 'The clinic the session is scoped to; null until one is chosen.';
comment on column app_private.session.role is 'The member''s role in that clinic, kept in step with the membership.';
comment on column app_private.session.is_platform_admin is 'Whether the user was a platform admin at login.';
comment on column app_private.session.created_at is 'Login time.';
comment on column app_private.session.expires_at is 'The session ends at this time.';
comment on column app_private.session.revoked_at is 'Set by logout, clinic switch, role removal or suspension.';
comment on column app_private.session.ip is 'Client address at login.';
comment on column app_private.session.user_agent is 'Client user agent at login.';

create table app_private.login_failure (
  id bigint generated always as identity primary key,
  ip inet,
  phone text,
  attempted_at timestamptz not null default now()
);
create index login_failure_ip_idx on app_private.login_failure (ip, attempted_at);
comment on table app_private.login_failure is 'Failed logins, counted per client address for throttling.';
comment on column app_private.login_failure.id is 'Row number.';
comment on column app_private.login_failure.ip is 'Client address.';
comment on column app_private.login_failure.phone is 'Phone as typed (normalised when possible).';
comment on column app_private.login_failure.attempted_at is 'When it happened.';

--! split: 004-session-claims.sql
-- Who is asking: the session behind the request.
--
-- The server verifies the JWT and passes its claims as `jwt.claims.*`
-- settings. Only `session_id` is trusted, and only after it is found live in
-- app_private.session: user, clinic and role come from that row, so a revoked,
-- expired or forged session sees nothing whatever the other claims say.
-- These functions read nothing but app_private.session, so policies may call
-- them without recursing into other policies.

create function app_public.current_session_id() returns uuid
language sql stable
as $$
  select nullif(current_setting('jwt.claims.session_id', true), '')::uuid;
$$;
comment on function app_public.current_session_id() is E'@behavior -queryField\nThe session id claim of the request, not yet checked.';

create function app_public.current_user_id() returns uuid
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select s.user_id from app_private.session s
  where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now();
$$;
comment on function app_public.current_user_id() is E'@behavior -queryField\nThe user of the live session, or null.';

create function app_public.current_clinic_id() returns uuid
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select s.clinic_id from app_private.session s
  where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now();
$$;
comment on function app_public.current_clinic_id() is E'@behavior -queryField\nThe clinic the live session is scoped to, or null. Policies compare clinic_id with `(select app_public.current_clinic_id())`.';

create function app_public.current_role() returns app_public.member_role
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select s.role from app_private.session s
  where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now();
$$;
comment on function app_public.current_role() is 'The role of the current user in the current clinic, or null.';

create function app_public.current_user_is_platform_admin() returns boolean
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select coalesce((
    select s.is_platform_admin from app_private.session s
    where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now()
  ), false);
$$;
comment on function app_public.current_user_is_platform_admin() is E'@behavior -queryField\nTrue when the live session belongs to a platform administrator.';

create function app_hidden.current_role_in(variadic roles app_public.member_role[]) returns boolean
language sql stable
as $$
  select coalesce((select app_public.current_role()) = any (roles), false);
$$;
comment on function app_hidden.current_role_in(app_public.member_role[]) is 'True when the current role is one of `roles`; for policies: `app_hidden.current_role_in(''owner'', ''admin'')`.';

create function app_hidden.in_system_context() returns boolean
language sql stable
as $$
  select session_user::text <> ':DATABASE_AUTHENTICATOR';
$$;
comment on function app_hidden.in_system_context() is 'True on connections that did not come through the API (the worker, migrations, an operator''s shell as the owner): they act for the platform, not for one session. Tables give the owner role a `system_context` policy on it; API requests, which always log in as the authenticator, never pass it.';

--! split: 005-machinery.sql
-- Shared machinery every tenant table reuses: timestamps and actors,
-- human-readable codes, soft delete and restore, and the audit log.

---------------------------------------------------------------- timestamps
create function app_private.tg__timestamps() returns trigger
language plpgsql
as $$
begin
  if tg_op = 'INSERT' then
    new.created_at := now();
    new.created_by := app_public.current_user_id();
    new.updated_at := now();
  else
    new.created_at := old.created_at;
    new.created_by := old.created_by;
    new.updated_at := greatest(now(), old.updated_at + interval '1 microsecond');
  end if;
  new.updated_by := app_public.current_user_id();
  return new;
end;
$$;
comment on function app_private.tg__timestamps() is 'BEFORE INSERT OR UPDATE: stamps created_at/by once and updated_at/by on every change; nobody can forge them.';

---------------------------------------------------------------- codes
create table app_private.code_counter (
  clinic_id uuid not null references app_public.clinic,
  prefix text not null check (prefix ~ '^[A-Z]{2,5}$'),
  last_value bigint not null,
  primary key (clinic_id, prefix)
);
comment on table app_private.code_counter is 'Last number handed out per clinic and code prefix.';
comment on column app_private.code_counter.clinic_id is 'The clinic.';
comment on column app_private.code_counter.prefix is 'The canonical prefix (PAT, VIS, INV, ...), whatever the clinic displays.';
comment on column app_private.code_counter.last_value is 'Last number allocated.';

create function app_private.next_code(clinic_id uuid, prefix text) returns text
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_display text;
  v_value bigint;
begin
  select coalesce(c.code_prefixes ->> next_code.prefix, next_code.prefix) into v_display
  from app_public.clinic c
  where c.id = next_code.clinic_id
    and (c.id = app_public.current_clinic_id() or app_hidden.in_system_context());
  if not found then
    raise exception 'Unknown clinic.' using errcode = 'CNOTF';
  end if;
  -- The row lock taken here serialises allocation per clinic and prefix until
  -- commit; a rolled-back transaction gives its number back: no gaps.
  insert into app_private.code_counter as cc (clinic_id, prefix, last_value)
  values (next_code.clinic_id, next_code.prefix, 1)
  on conflict on constraint code_counter_pkey do update set last_value = cc.last_value + 1
  returning cc.last_value into v_value;
  return v_display || '-' || lpad(v_value::text, greatest(6, length(v_value::text)), '0');
end;
$$;
comment on function app_private.next_code(uuid, text) is 'Allocates the next code (PAT-000001, ...) for a clinic and prefix: unique and gap-free under concurrency, honouring the clinic''s prefix overrides.';

create function app_private.tg__assign_code() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    new.code := app_private.next_code(new.clinic_id, tg_argv[0]);
  else
    new.code := old.code;
  end if;
  return new;
end;
$$;
comment on function app_private.tg__assign_code() is 'BEFORE INSERT OR UPDATE: assigns `code` from next_code(clinic_id, TG_ARGV[0]) and keeps it immutable.';

---------------------------------------------------------------- soft delete
create function app_hidden.include_deleted() returns boolean
language sql stable
as $$
  select coalesce(current_setting('clinicops.include_deleted', true), '') = 'on';
$$;
comment on function app_hidden.include_deleted() is 'True while a trusted function needs soft-deleted rows to be visible (select policies hide them otherwise).';

create function app_private.tg__soft_delete() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_previous text := current_setting('clinicops.include_deleted', true);
begin
  perform set_config('clinicops.include_deleted', 'on', true);
  execute format(
    'update %I.%I set deleted_at = now(), deleted_by = app_public.current_user_id() where clinic_id = $1 and id = $2 and deleted_at is null',
    tg_table_schema, tg_table_name
  ) using old.clinic_id, old.id;
  perform set_config('clinicops.include_deleted', coalesce(v_previous, ''), true);
  return null; -- the row stays; the DELETE itself does nothing
end;
$$;
comment on function app_private.tg__soft_delete() is 'BEFORE DELETE: turns a delete into deleted_at/deleted_by, so no role the application uses can hard-delete the row.';

create function app_private.soft_delete(sample anyelement, clinic_id uuid, id uuid) returns anyelement
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_table text := pg_typeof(sample)::text;
  v_result alias for $0; -- typed as the actual row type
begin
  -- The DELETE goes through the table's delete policy; the trigger turns it into a soft delete.
  execute format('delete from %s where clinic_id = $1 and id = $2', v_table) using soft_delete.clinic_id, soft_delete.id;
  perform set_config('clinicops.include_deleted', 'on', true);
  execute format('select t.* from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null', v_table)
    into v_result using soft_delete.clinic_id, soft_delete.id;
  perform set_config('clinicops.include_deleted', '', true);
  if v_result is null then
    raise exception 'Nothing to delete: no such row in this clinic, or you may not delete it.' using errcode = 'CNOTF';
  end if;
  return v_result;
end;
$$;
comment on function app_private.soft_delete(anyelement, uuid, uuid) is 'Soft-deletes the row of the table whose row type `sample` is (pass null::app_public.patient) and returns it; the table''s delete policy decides who may.';

create function app_private.restore(sample anyelement, clinic_id uuid, id uuid) returns anyelement
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_table text := pg_typeof(sample)::text;
  v_result alias for $0; -- typed as the actual row type
begin
  perform set_config('clinicops.include_deleted', 'on', true);
  execute format(
    'update %s t set deleted_at = null, deleted_by = null where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null returning t.*',
    v_table
  ) into v_result using restore.clinic_id, restore.id;
  perform set_config('clinicops.include_deleted', '', true);
  if v_result is null then
    raise exception 'Nothing to restore: no deleted row with that id in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_result;
end;
$$;
comment on function app_private.restore(anyelement, uuid, uuid) is 'Restores a soft-deleted row (see soft_delete) and returns it; the table''s update policy decides who may.';

---------------------------------------------------------------- audit log
create table app_public.audit_log (
  id bigint generated always as identity primary key,
  clinic_id uuid references app_public.clinic,
  seq bigint not null,
  occurred_at timestamptz not null,
  actor_user_id uuid,
  action text not null check (action in (
    'insert', 'update', 'delete', 'soft_delete', 'restore',
    'login', 'login_failed', 'logout', 'switch_clinic', 'export'
  )),
  table_name text,
  record_id uuid,
  old_values jsonb,
  new_values jsonb,
  detail jsonb,
  prev_hash text not null,
  hash text not null
);
create unique index audit_log_chain_seq on app_public.audit_log (coalesce(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), seq);
create index audit_log_clinic_occurred_idx on app_public.audit_log (clinic_id, occurred_at);
create index audit_log_clinic_record_idx on app_public.audit_log (clinic_id, table_name, record_id);
comment on table app_public.audit_log is E'@behavior -insert -update -delete\nAppend-only record of every change, login, logout and export. Each entry is chained to the previous entry of its clinic by a SHA-256 hash; `verifyAuditChain` recomputes the chain.';
comment on column app_public.audit_log.id is 'Global insertion order.';
comment on column app_public.audit_log.clinic_id is 'The clinic whose chain holds the entry; null for platform events (failed logins of unknown phones, clinic-less sessions).';
comment on column app_public.audit_log.seq is 'Position in the clinic''s chain, from 1 without gaps.';
comment on column app_public.audit_log.occurred_at is 'When it happened.';
comment on column app_public.audit_log.actor_user_id is 'Who did it; null for the system.';
comment on column app_public.audit_log.action is 'insert, update, delete, soft_delete, restore, login, login_failed, logout, switch_clinic or export.';
comment on column app_public.audit_log.table_name is 'The table written, for data changes.';
comment on column app_public.audit_log.record_id is 'The id of the row written.';
comment on column app_public.audit_log.old_values is 'The row before the change (secrets excluded).';
comment on column app_public.audit_log.new_values is 'The row after the change (secrets excluded).';
comment on column app_public.audit_log.detail is 'Extra facts: client address, reason, export kind.';
comment on column app_public.audit_log.prev_hash is 'Hash of the previous entry of the chain (64 zeros for the first).';
comment on column app_public.audit_log.hash is 'SHA-256 over prev_hash and this entry''s fields.';

create table app_private.audit_chain_head (
  chain_id uuid primary key,
  seq bigint not null default 0,
  hash text not null default repeat('0', 64)
);
comment on table app_private.audit_chain_head is 'Last entry of each audit chain; its row lock orders concurrent writers of one clinic.';
comment on column app_private.audit_chain_head.chain_id is 'Clinic id, or the nil uuid for the platform chain.';
comment on column app_private.audit_chain_head.seq is 'seq of the last entry.';
comment on column app_private.audit_chain_head.hash is 'hash of the last entry.';

create function app_private.audit_hash(
  prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamptz, actor_user_id uuid,
  action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb
) returns text
language sql immutable
as $$
  select encode(sha256(convert_to(jsonb_build_array(
    prev_hash, seq, clinic_id, (extract(epoch from occurred_at) * 1000000)::bigint, actor_user_id,
    action, table_name, record_id, old_values, new_values, detail
  )::text, 'UTF8')), 'hex');
$$;
comment on function app_private.audit_hash(text, bigint, uuid, timestamptz, uuid, text, text, uuid, jsonb, jsonb, jsonb) is 'The chain hash of one audit entry: independent of session time zone and date style.';

create function app_private.write_audit(
  clinic_id uuid, action text, table_name text default null, record_id uuid default null,
  old_values jsonb default null, new_values jsonb default null, detail jsonb default null,
  actor_user_id uuid default app_public.current_user_id()
) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_chain uuid := coalesce(write_audit.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid);
  v_seq bigint;
  v_prev text;
  v_hash text;
  v_at timestamptz := clock_timestamp();
begin
  insert into app_private.audit_chain_head (chain_id) values (v_chain) on conflict do nothing;
  select h.seq + 1, h.hash into v_seq, v_prev from app_private.audit_chain_head h where h.chain_id = v_chain for update;
  v_hash := app_private.audit_hash(v_prev, v_seq, write_audit.clinic_id, v_at, write_audit.actor_user_id,
    write_audit.action, write_audit.table_name, write_audit.record_id, write_audit.old_values, write_audit.new_values, write_audit.detail);
  insert into app_public.audit_log (clinic_id, seq, occurred_at, actor_user_id, action, table_name, record_id,
    old_values, new_values, detail, prev_hash, hash)
  values (write_audit.clinic_id, v_seq, v_at, write_audit.actor_user_id, write_audit.action, write_audit.table_name,
    write_audit.record_id, write_audit.old_values, write_audit.new_values, write_audit.detail, v_prev, v_hash);
  update app_private.audit_chain_head h set seq = v_seq, hash = v_hash where h.chain_id = v_chain;
end;
$$;
comment on function app_private.write_audit(uuid, text, text, uuid, jsonb, jsonb, jsonb, uuid) is 'Appends one entry to a clinic''s audit chain (the platform chain when clinic_id is null).';

create function app_private.tg__audit() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  v_row jsonb := coalesce(v_new, v_old);
  v_action text := lower(tg_op);
  v_clinic uuid;
begin
  if tg_op = 'UPDATE' then
    if (v_old - 'updated_at' - 'updated_by') = (v_new - 'updated_at' - 'updated_by') then
      return null; -- nothing changed
    elsif v_old ? 'deleted_at' and v_old ->> 'deleted_at' is null and v_new ->> 'deleted_at' is not null then
      v_action := 'soft_delete';
    elsif v_old ? 'deleted_at' and v_old ->> 'deleted_at' is not null and v_new ->> 'deleted_at' is null then
      v_action := 'restore';
    end if;
  end if;
  v_clinic := case
    when tg_table_name = 'clinic' then (v_row ->> 'id')::uuid
    when v_row ? 'clinic_id' then (v_row ->> 'clinic_id')::uuid
    else app_public.current_clinic_id()
  end;
  perform app_private.write_audit(v_clinic, v_action, tg_table_name, (v_row ->> 'id')::uuid, v_old, v_new);
  return null;
end;
$$;
comment on function app_private.tg__audit() is 'AFTER INSERT OR UPDATE OR DELETE: one audit entry per changed row (soft delete and restore named as such).';

create function app_private.tg_audit_log__append_only() returns trigger
language plpgsql
as $$
begin
  raise exception 'The audit log is append-only.' using errcode = 'CFORB';
end;
$$;
comment on function app_private.tg_audit_log__append_only() is 'Refuses UPDATE, DELETE and TRUNCATE on the audit log, whoever asks.';

create trigger _100_append_only before update or delete on app_public.audit_log
  for each row execute function app_private.tg_audit_log__append_only();
create trigger _100_append_only_truncate before truncate on app_public.audit_log
  for each statement execute function app_private.tg_audit_log__append_only();

create type app_public.audit_chain_status as (
  is_valid boolean,
  entries bigint,
  first_broken_seq bigint
);
comment on type app_public.audit_chain_status is 'Result of verifying an audit chain.';
comment on column app_public.audit_chain_status.is_valid is 'True when every entry hashes to its stored hash, links to its predecessor, and the chain ends where its head says.';
comment on column app_public.audit_chain_status.entries is 'Number of entries checked.';
comment on column app_public.audit_chain_status.first_broken_seq is 'The first entry that does not verify, or null.';

create function app_public.verify_audit_chain(clinic_id uuid default null) returns app_public.audit_chain_status
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := coalesce(verify_audit_chain.clinic_id, app_public.current_clinic_id());
  v_genesis constant text := repeat('0', 64);
  v_result app_public.audit_chain_status;
  v_head_seq bigint;
  v_head_hash text;
  v_last_seq bigint;
  v_last_hash text;
begin
  if not (app_public.current_user_is_platform_admin()
          or (v_clinic = app_public.current_clinic_id() and app_hidden.current_role_in('owner', 'admin'))) then
    raise exception 'Only an owner or admin of the clinic may verify its audit chain.' using errcode = 'CFORB';
  end if;
  select h.seq, h.hash into v_head_seq, v_head_hash from app_private.audit_chain_head h
  where h.chain_id = coalesce(v_clinic, '00000000-0000-0000-0000-000000000000'::uuid);

  with chain as (
    select a.seq, a.hash, a.prev_hash,
      lag(a.hash, 1, v_genesis) over w as expected_prev,
      lag(a.seq, 1, 0::bigint) over w as previous_seq,
      app_private.audit_hash(a.prev_hash, a.seq, a.clinic_id, a.occurred_at, a.actor_user_id, a.action,
        a.table_name, a.record_id, a.old_values, a.new_values, a.detail) as recomputed
    from app_public.audit_log a
    where a.clinic_id is not distinct from v_clinic
    window w as (order by a.seq)
  )
  select count(*),
    min(seq) filter (where hash <> recomputed or prev_hash <> expected_prev or seq <> previous_seq + 1),
    max(seq), (array_agg(hash order by seq desc))[1]
  into v_result.entries, v_result.first_broken_seq, v_last_seq, v_last_hash
  from chain;

  -- Entries removed from (or added to) the end show against the chain's head.
  if v_result.first_broken_seq is null
     and (coalesce(v_last_seq, 0) <> coalesce(v_head_seq, 0)
          or coalesce(v_last_hash, v_genesis) <> coalesce(v_head_hash, v_genesis)) then
    v_result.first_broken_seq := coalesce(v_last_seq, 0) + 1;
  end if;
  v_result.is_valid := v_result.first_broken_seq is null;
  return v_result;
end;
$$;
comment on function app_public.verify_audit_chain(uuid) is 'Recomputes the audit chain of a clinic (default: the current one) and reports the first entry that was changed, removed or inserted behind the database''s back. Owners and admins of the clinic, and platform admins.';

--! split: 006-tenancy-rules.sql
-- Who may see and change clinics, users and memberships.
--
-- Policies have no TO clause on purpose: they bind the owner role too, so a
-- security definer function still only reaches the caller's clinic. Private
-- bookkeeping tables get one policy for the owner (definer functions and the
-- worker) and no grants for anybody else.

alter table app_public.clinic enable row level security;
alter table app_public.clinic force row level security;
alter table app_public."user" enable row level security;
alter table app_public."user" force row level security;
alter table app_public.membership enable row level security;
alter table app_public.membership force row level security;
alter table app_public.audit_log enable row level security;
alter table app_public.audit_log force row level security;
alter table app_private.user_secret enable row level security;
alter table app_private.user_secret force row level security;
alter table app_private.session enable row level security;
alter table app_private.session force row level security;
alter table app_private.login_failure enable row level security;
alter table app_private.login_failure force row level security;
alter table app_private.code_counter enable row level security;
alter table app_private.code_counter force row level security;
alter table app_private.audit_chain_head enable row level security;
alter table app_private.audit_chain_head force row level security;

create policy owner_only on app_private.user_secret to :DATABASE_OWNER using (true);
create policy owner_only on app_private.session to :DATABASE_OWNER using (true);
create policy owner_only on app_private.login_failure to :DATABASE_OWNER using (true);
create policy owner_only on app_private.code_counter to :DATABASE_OWNER using (true);
create policy owner_only on app_private.audit_chain_head to :DATABASE_OWNER using (true);

---------------------------------------------------------------- clinic
create policy select_own on app_public.clinic for select using (
  id = (select app_public.current_clinic_id())
  or (select app_public.current_user_is_platform_admin())
  or exists ( -- the clinics a user may switch to
    select 1 from app_public.membership m
    where m.clinic_id = clinic.id and m.user_id = (select app_public.current_user_id())
  )
);
create policy system_context on app_public.clinic to :DATABASE_OWNER using ((select app_hidden.in_system_context()));
create policy insert_platform on app_public.clinic for insert with check (
  (select app_public.current_user_is_platform_admin())
);
create policy update_managers on app_public.clinic for update using (
  id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin'))
);
grant select on app_public.clinic to :DATABASE_VISITOR;
grant update (name, phone, email, address, timezone, currency, calling_code, tax_rate, invoice_footer, code_prefixes)
  on app_public.clinic to :DATABASE_VISITOR;

create trigger _100_timestamps before insert or update on app_public.clinic
  for each row execute function app_private.tg__timestamps();
create trigger _500_audit after insert or update or delete on app_public.clinic
  for each row execute function app_private.tg__audit();

---------------------------------------------------------------- user
-- Users are platform-wide identities: the owner (login, invitations) sees
-- them all; a session sees itself and the members of its clinic.
create policy owner_all on app_public."user" to :DATABASE_OWNER using (true);
create policy select_colleagues on app_public."user" for select using (
  id = (select app_public.current_user_id())
  or (select app_public.current_user_is_platform_admin())
  or exists (
    select 1 from app_public.membership m
    where m.user_id = "user".id and m.clinic_id = (select app_public.current_clinic_id())
  )
);
create policy update_self on app_public."user" for update using (id = (select app_public.current_user_id()));
grant select on app_public."user" to :DATABASE_VISITOR;
grant update (full_name) on app_public."user" to :DATABASE_VISITOR;

create trigger _100_timestamps before insert or update on app_public."user"
  for each row execute function app_private.tg__timestamps();
create trigger _500_audit after insert or update or delete on app_public."user"
  for each row execute function app_private.tg__audit();

create function app_private.tg_user__end_sessions() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if not new.is_active or new.is_platform_admin <> old.is_platform_admin then
    update app_private.session set revoked_at = now()
    where user_id = new.id and revoked_at is null;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_user__end_sessions() is 'AFTER UPDATE: deactivating a user, or changing platform admin rights, ends all their sessions.';
create trigger _900_end_sessions after update of is_active, is_platform_admin on app_public."user"
  for each row execute function app_private.tg_user__end_sessions();

---------------------------------------------------------------- membership
create policy system_context on app_public.membership to :DATABASE_OWNER using ((select app_hidden.in_system_context()));
create policy select_clinic on app_public.membership for select using (
  (clinic_id = (select app_public.current_clinic_id())
   or user_id = (select app_public.current_user_id())
   or (select app_public.current_user_is_platform_admin()))
  and (deleted_at is null or (select app_hidden.include_deleted()))
);
create policy insert_managers on app_public.membership for insert with check (
  (clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin')))
  or (select app_public.current_user_is_platform_admin())
);
create policy update_managers on app_public.membership for update using (
  (clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin')))
  or (select app_public.current_user_is_platform_admin())
);
create policy delete_managers on app_public.membership for delete using (
  (clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin')))
  or (select app_public.current_user_is_platform_admin())
);
grant select on app_public.membership to :DATABASE_VISITOR;
grant update (role, is_active) on app_public.membership to :DATABASE_VISITOR;
grant delete on app_public.membership to :DATABASE_VISITOR;

create function app_private.tg_membership__guard_owners() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_row app_public.membership := coalesce(new, old);
  v_touches_owner boolean := (tg_op <> 'INSERT' and old.role = 'owner') or (tg_op <> 'DELETE' and new.role = 'owner');
  v_stays_owner boolean := tg_op = 'UPDATE' and new.role = 'owner' and new.is_active and new.deleted_at is null;
begin
  if tg_op = 'UPDATE' and (new.clinic_id, new.user_id) is distinct from (old.clinic_id, old.user_id) then
    raise exception 'A membership cannot move to another clinic or user.' using errcode = 'CFORB';
  end if;
  -- Without a session only trusted connections (owner, operators) get here.
  if v_touches_owner and app_public.current_user_id() is not null
     and not (app_hidden.current_role_in('owner') or app_public.current_user_is_platform_admin()) then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  if tg_op <> 'INSERT' and old.role = 'owner' and old.is_active and old.deleted_at is null and not v_stays_owner
     and not exists (
       select 1 from app_public.membership m
       where m.clinic_id = v_row.clinic_id and m.id <> v_row.id and m.role = 'owner' and m.is_active and m.deleted_at is null
     ) then
    raise exception 'A clinic must keep at least one active owner.' using errcode = 'CFORB';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
comment on function app_private.tg_membership__guard_owners() is 'BEFORE INSERT/UPDATE/DELETE: only owners manage owners, and a clinic always keeps an active owner.';

create function app_private.tg_membership__sync_sessions() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if not new.is_active or new.deleted_at is not null then
    update app_private.session set revoked_at = now()
    where clinic_id = new.clinic_id and user_id = new.user_id and revoked_at is null;
  elsif new.role <> old.role then
    update app_private.session set role = new.role
    where clinic_id = new.clinic_id and user_id = new.user_id and revoked_at is null;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_membership__sync_sessions() is 'AFTER UPDATE: a role change applies to live sessions at once; suspension or removal ends them.';

create trigger _100_timestamps before insert or update on app_public.membership
  for each row execute function app_private.tg__timestamps();
create trigger _200_guard_owners before insert or update or delete on app_public.membership
  for each row execute function app_private.tg_membership__guard_owners();
create trigger _300_soft_delete before delete on app_public.membership
  for each row execute function app_private.tg__soft_delete();
create trigger _500_audit after insert or update or delete on app_public.membership
  for each row execute function app_private.tg__audit();
create trigger _900_sync_sessions after update on app_public.membership
  for each row execute function app_private.tg_membership__sync_sessions();

create function app_public.remove_member(membership_id uuid) returns app_public.membership
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  select app_private.soft_delete(null::app_public.membership, app_public.current_clinic_id(), membership_id);
$$;
comment on function app_public.remove_member(uuid) is 'Removes a member from the current clinic (soft delete: the membership is kept, hidden, and their sessions end). Owners and admins; only owners remove owners.';

create function app_public.restore_member(membership_id uuid) returns app_public.membership
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  select app_private.restore(null::app_public.membership, app_public.current_clinic_id(), membership_id);
$$;
comment on function app_public.restore_member(uuid) is 'Brings back a removed member of the current clinic. Owners and admins.';

---------------------------------------------------------------- audit log
create policy select_managers on app_public.audit_log for select using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin'))
);
create policy owner_reads on app_public.audit_log for select to :DATABASE_OWNER using (true);
create policy owner_appends on app_public.audit_log for insert to :DATABASE_OWNER with check (true);
grant select on app_public.audit_log to :DATABASE_VISITOR;

--! split: 007-auth.sql
-- Authentication: passwords, login with lockout, sessions, clinic switching,
-- and the first operations of the frontend (create a clinic, invite staff).
--
-- Lockout policy (docs/auth.md): 5 failed logins of one account within 15
-- minutes lock it for 15 minutes; 20 failures from one client address within
-- 15 minutes refuse further attempts from it. Unknown phone, wrong password,
-- locked or inactive account: the caller sees the same answer.

create function app_hidden.calling_code_for(clinic_id uuid) returns app_public.calling_code
language sql stable
as $$
  select coalesce(
    (select c.calling_code from app_public.clinic c where c.id = calling_code_for.clinic_id),
    nullif(current_setting('clinicops.default_calling_code', true), '')::app_public.calling_code
  );
$$;
comment on function app_hidden.calling_code_for(uuid) is 'The country calling code that completes national phone numbers: the clinic''s, else the deployment default (DEFAULT_CALLING_CODE).';

create function app_private.hash_password(password text) returns text
language plpgsql volatile set search_path = pg_catalog, public, pg_temp
as $$
begin
  if password is null or char_length(password) < 8 then
    raise exception 'Passwords need at least 8 characters.' using errcode = 'CWEAK';
  end if;
  if char_length(password) > 128 then
    raise exception 'Passwords may have at most 128 characters.' using errcode = 'CWEAK';
  end if;
  return crypt(password, gen_salt('bf', 10));
end;
$$;
comment on function app_private.hash_password(text) is 'bcrypt (cost 10) of a password of 8 to 128 characters.';

create function app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text)
returns uuid
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_id uuid;
begin
  select u.id into v_id from app_public."user" u where u.phone = find_or_create_user.phone;
  if found then
    return v_id; -- an existing person keeps their own name and password
  end if;
  if password is null or password = '' then
    raise exception 'A password is required to create a new user.' using errcode = 'CINVL';
  end if;
  insert into app_public."user" (phone, full_name) values (find_or_create_user.phone, btrim(full_name))
  returning id into v_id;
  insert into app_private.user_secret (user_id, password_hash) values (v_id, app_private.hash_password(password));
  return v_id;
end;
$$;
comment on function app_private.find_or_create_user(app_public.e164_phone, text, text) is 'The user with this phone, created with the name and password when new.';

create function app_private.create_platform_admin(phone text, full_name text, password text) returns uuid
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_phone app_public.e164_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  v_id uuid := app_private.find_or_create_user(v_phone, full_name, password);
begin
  update app_public."user" u set is_platform_admin = true, is_active = true where u.id = v_id;
  update app_private.user_secret s set password_hash = app_private.hash_password(password), locked_until = null,
    failed_login_count = 0 where s.user_id = v_id;
  return v_id;
end;
$$;
comment on function app_private.create_platform_admin(text, text, text) is 'Creates (or promotes, and resets the password of) a platform administrator; used by `npm run superuser`.';

create function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval)
returns jsonb
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_session app_private.session;
  v_user app_public."user";
  v_clinics jsonb;
  v_clinic_id uuid := open_session.clinic_id;
  v_role app_public.member_role;
begin
  select * into v_user from app_public."user" u where u.id = open_session.user_id;
  insert into app_private.session (user_id, is_platform_admin, expires_at, ip, user_agent)
  values (v_user.id, v_user.is_platform_admin, now() + ttl, open_session.ip, left(open_session.user_agent, 500))
  returning * into v_session;
  -- From here on this transaction acts as the new session, so the member sees
  -- their own memberships through the ordinary policies.
  perform set_config('jwt.claims.session_id', v_session.id::text, true);

  select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'role', m.role) order by c.name), '[]')
  into v_clinics
  from app_public.membership m join app_public.clinic c on c.id = m.clinic_id
  where m.user_id = v_user.id and m.is_active and m.deleted_at is null;

  if v_clinic_id is null and jsonb_array_length(v_clinics) = 1 then
    v_clinic_id := (v_clinics -> 0 ->> 'id')::uuid;
  end if;
  if v_clinic_id is not null then
    select (e ->> 'role')::app_public.member_role into v_role
    from jsonb_array_elements(v_clinics) e where (e ->> 'id')::uuid = v_clinic_id;
    if v_role is null then
      raise exception 'You are not a member of that clinic.' using errcode = 'CFORB';
    end if;
    update app_private.session s set clinic_id = v_clinic_id, role = v_role where s.id = v_session.id;
  end if;

  return jsonb_build_object(
    'sessionId', v_session.id,
    'expiresAt', v_session.expires_at,
    'user', jsonb_build_object('id', v_user.id, 'phone', v_user.phone, 'fullName', v_user.full_name,
                               'isPlatformAdmin', v_user.is_platform_admin),
    'clinic', (select jsonb_build_object('id', c.id, 'name', c.name, 'timezone', c.timezone, 'currency', c.currency)
               from app_public.clinic c where c.id = v_clinic_id),
    'role', v_role,
    'clinics', v_clinics
  );
end;
$$;
comment on function app_private.open_session(uuid, uuid, inet, text, interval) is 'Starts a session for a user, scoped to the chosen clinic, or to their only clinic, or to none; returns what /auth/login answers.';

create function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval)
returns jsonb
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_phone app_public.e164_phone;
  v_user app_public."user";
  v_secret app_private.user_secret;
  v_password_ok boolean;
  v_reason text;
  v_result jsonb;
begin
  if password is null or password = '' then
    raise exception 'A password is required.' using errcode = 'CINVL';
  end if;
  if char_length(password) > 1024 then
    raise exception 'The password is too long.' using errcode = 'CINVL';
  end if;
  v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));

  if ip is not null and (
    select count(*) from app_private.login_failure f
    where f.ip = login.ip and f.attempted_at > now() - interval '15 minutes'
  ) >= 20 then
    v_reason := 'address_throttled';
  else
    select * into v_user from app_public."user" u where u.phone = v_phone;
    select * into v_secret from app_private.user_secret s where s.user_id = v_user.id;
    -- An unknown phone still pays for one bcrypt, so timing tells nothing.
    v_password_ok := coalesce(crypt(password, coalesce(v_secret.password_hash, gen_salt('bf', 10))) = v_secret.password_hash, false);
    v_reason := case
      when v_user.id is null then 'unknown_phone'
      when not v_password_ok then 'wrong_password'
      when v_secret.locked_until > now() then 'locked'
      when not v_user.is_active then 'inactive'
    end;
  end if;

  if v_reason is not null then
    insert into app_private.login_failure (ip, phone) values (login.ip, v_phone);
    if v_secret.user_id is not null then
      update app_private.user_secret s set
        failed_login_count = case when s.first_failed_login_at > now() - interval '15 minutes' then s.failed_login_count + 1 else 1 end,
        first_failed_login_at = case when s.first_failed_login_at > now() - interval '15 minutes' then s.first_failed_login_at else now() end
      where s.user_id = v_secret.user_id
      returning * into v_secret;
      if v_secret.failed_login_count >= 5 and not coalesce(v_secret.locked_until > now(), false) then
        update app_private.user_secret s set locked_until = now() + interval '15 minutes' where s.user_id = v_secret.user_id;
      end if;
    end if;
    perform app_private.write_audit(null, 'login_failed', 'user', v_user.id, null, null,
      jsonb_build_object('phone', v_phone, 'ip', login.ip, 'reason', v_reason), v_user.id);
    return jsonb_build_object('status', 'invalid');
  end if;

  update app_private.user_secret s set failed_login_count = 0, first_failed_login_at = null, locked_until = null,
    last_login_at = now() where s.user_id = v_user.id;
  v_result := app_private.open_session(v_user.id, login.clinic_id, login.ip, login.user_agent, login.ttl);
  perform app_private.write_audit((v_result -> 'clinic' ->> 'id')::uuid, 'login', 'user', v_user.id, null, null,
    jsonb_build_object('ip', login.ip, 'sessionId', v_result ->> 'sessionId'), v_user.id);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;
comment on function app_hidden.login(text, text, uuid, inet, text, interval) is 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session) and returns it with status "ok", otherwise {"status": "invalid"} whatever the reason. Called by POST /auth/login.';

create function app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) returns jsonb
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_public.current_user_id();
  v_result jsonb;
begin
  if v_user_id is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  update app_private.session s set revoked_at = now() where s.id = app_public.current_session_id();
  v_result := app_private.open_session(v_user_id, switch_clinic.clinic_id, switch_clinic.ip, switch_clinic.user_agent, switch_clinic.ttl);
  perform app_private.write_audit(switch_clinic.clinic_id, 'switch_clinic', 'user', v_user_id, null, null,
    jsonb_build_object('ip', switch_clinic.ip, 'sessionId', v_result ->> 'sessionId'), v_user_id);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;
comment on function app_hidden.switch_clinic(uuid, inet, text, interval) is 'Ends the current session and opens one scoped to another clinic of the same user. Called by POST /auth/switch-clinic.';

create function app_hidden.logout() returns boolean
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_session app_private.session;
begin
  update app_private.session s set revoked_at = now()
  where s.id = app_public.current_session_id() and s.revoked_at is null
  returning * into v_session;
  if v_session.id is null then
    return false;
  end if;
  perform app_private.write_audit(v_session.clinic_id, 'logout', 'user', v_session.user_id, null, null,
    jsonb_build_object('sessionId', v_session.id), v_session.user_id);
  return true;
end;
$$;
comment on function app_hidden.logout() is 'Ends the current session so its token is refused from now on. Called by POST /auth/logout.';

create function app_public.current_user() returns app_public."user"
language sql stable
as $$
  select u.* from app_public."user" u where u.id = app_public.current_user_id();
$$;
comment on function app_public.current_user() is 'The logged-in user, or null.';

create function app_public.current_clinic() returns app_public.clinic
language sql stable
as $$
  select c.* from app_public.clinic c where c.id = app_public.current_clinic_id();
$$;
comment on function app_public.current_clinic() is 'The clinic the session is scoped to, or null.';

create function app_public.create_clinic_with_owner(
  name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text
) returns app_public.clinic
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic app_public.clinic;
  v_owner uuid;
begin
  if not app_public.current_user_is_platform_admin() then
    raise exception 'Only a platform administrator can create clinics.' using errcode = 'CFORB';
  end if;
  if not app_public.is_valid_timezone(coalesce(timezone, '')) then
    raise exception 'Unknown time zone: use an IANA name such as Africa/Nairobi.' using errcode = 'CINVL';
  end if;
  insert into app_public.clinic (name, timezone, currency)
  values (btrim(name), create_clinic_with_owner.timezone, upper(btrim(currency)))
  returning * into v_clinic;
  v_owner := app_private.find_or_create_user(
    app_public.normalize_phone(owner_phone, app_hidden.calling_code_for(null)), owner_name, owner_password);
  insert into app_public.membership (clinic_id, user_id, role) values (v_clinic.id, v_owner, 'owner');
  return v_clinic;
end;
$$;
comment on function app_public.create_clinic_with_owner(text, text, text, text, text, text) is 'Creates a clinic and its first owner (an existing user with that phone keeps their password). Platform administrators only.';

create function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text default null)
returns app_public.membership
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_user uuid;
  v_membership app_public.membership;
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can invite members.' using errcode = 'CFORB';
  end if;
  if role is null then
    raise exception 'A role is required.' using errcode = 'CINVL';
  end if;
  v_user := app_private.find_or_create_user(app_public.normalize_phone(phone, app_hidden.calling_code_for(v_clinic)), full_name, password);
  if exists (select 1 from app_public.membership m where m.clinic_id = v_clinic and m.user_id = v_user) then
    raise exception 'This person is already a member of the clinic.' using errcode = 'CCONF';
  end if;
  insert into app_public.membership (clinic_id, user_id, role) values (v_clinic, v_user, invite_member.role)
  returning * into v_membership;
  return v_membership;
end;
$$;
comment on function app_public.invite_member(text, text, app_public.member_role, text) is 'Adds a person to the current clinic with a role, creating their user (with this name and password) when the phone is new. Owners and admins; only owners add owners.';

--! split: 008-jobs.sql
-- Background jobs are queued from SQL, in the same transaction as the change
-- that causes them: if the change rolls back, so does the job.

create function app_private.tg_session__schedule_expiry() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  perform graphile_worker.add_job(
    'session__expire',
    json_build_object('id', new.id),
    run_at := new.expires_at,
    job_key := 'session__expire:' || new.id
  );
  return null;
end;
$$;
comment on function app_private.tg_session__schedule_expiry() is 'AFTER INSERT: queues session__expire for the moment the session ends.';

create trigger _800_schedule_expiry after insert on app_private.session
  for each row execute function app_private.tg_session__schedule_expiry();

create function app_private.expire_sessions(session_id uuid default null) returns integer
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  with gone as (
    delete from app_private.session s
    where (expire_sessions.session_id is null or s.id = expire_sessions.session_id)
      and (s.expires_at <= now() or s.revoked_at <= now() - interval '1 day')
    returning 1
  )
  select count(*)::integer from gone;
$$;
comment on function app_private.expire_sessions(uuid) is 'Deletes one session (or, with no id, every session) that has expired, or was revoked more than a day ago; returns how many. Logins stay in the audit log.';

--! split: 009-operations.sql
-- What operations tooling asks of the database.

create function app_hidden.latest_migration() returns text
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select m.filename from graphile_migrate.migrations m order by m.filename desc limit 1;
$$;
comment on function app_hidden.latest_migration() is 'File name of the newest applied committed migration (for GET /ready).';
