--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: app_hidden; Type: SCHEMA; Schema: -; Owner: :DATABASE_OWNER
--

CREATE SCHEMA app_hidden;


ALTER SCHEMA app_hidden OWNER TO :DATABASE_OWNER;

--
-- Name: SCHEMA app_hidden; Type: COMMENT; Schema: -; Owner: :DATABASE_OWNER
--

COMMENT ON SCHEMA app_hidden IS 'Helpers the API role may call that are not part of the GraphQL API.';


--
-- Name: app_private; Type: SCHEMA; Schema: -; Owner: :DATABASE_OWNER
--

CREATE SCHEMA app_private;


ALTER SCHEMA app_private OWNER TO :DATABASE_OWNER;

--
-- Name: SCHEMA app_private; Type: COMMENT; Schema: -; Owner: :DATABASE_OWNER
--

COMMENT ON SCHEMA app_private IS 'Secrets and bookkeeping; reached only through security definer functions.';


--
-- Name: app_public; Type: SCHEMA; Schema: -; Owner: :DATABASE_OWNER
--

CREATE SCHEMA app_public;


ALTER SCHEMA app_public OWNER TO :DATABASE_OWNER;

--
-- Name: SCHEMA app_public; Type: COMMENT; Schema: -; Owner: :DATABASE_OWNER
--

COMMENT ON SCHEMA app_public IS 'The ClinicOps domain as served by the GraphQL API.';


--
-- Name: reporting; Type: SCHEMA; Schema: -; Owner: :DATABASE_OWNER
--

CREATE SCHEMA reporting;


ALTER SCHEMA reporting OWNER TO :DATABASE_OWNER;

--
-- Name: SCHEMA reporting; Type: COMMENT; Schema: -; Owner: :DATABASE_OWNER
--

COMMENT ON SCHEMA reporting IS 'Read-only views for analysts, limited to the clinics they are granted.';


--
-- Name: audit_chain_status; Type: TYPE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TYPE app_public.audit_chain_status AS (
	is_valid boolean,
	entries bigint,
	first_broken_seq bigint
);


ALTER TYPE app_public.audit_chain_status OWNER TO :DATABASE_OWNER;

--
-- Name: TYPE audit_chain_status; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TYPE app_public.audit_chain_status IS 'Result of verifying an audit chain.';


--
-- Name: COLUMN audit_chain_status.is_valid; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_chain_status.is_valid IS 'True when every entry hashes to its stored hash, links to its predecessor, and the chain ends where its head says.';


--
-- Name: COLUMN audit_chain_status.entries; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_chain_status.entries IS 'Number of entries checked.';


--
-- Name: COLUMN audit_chain_status.first_broken_seq; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_chain_status.first_broken_seq IS 'The first entry that does not verify, or null.';


--
-- Name: calling_code; Type: DOMAIN; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE DOMAIN app_public.calling_code AS text
	CONSTRAINT calling_code_check CHECK ((VALUE ~ '^[1-9][0-9]{0,2}$'::text));


ALTER DOMAIN app_public.calling_code OWNER TO :DATABASE_OWNER;

--
-- Name: DOMAIN calling_code; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON DOMAIN app_public.calling_code IS 'A country calling code without "+", e.g. 255 for Tanzania or 44 for the United Kingdom.';


--
-- Name: e164_phone; Type: DOMAIN; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE DOMAIN app_public.e164_phone AS text
	CONSTRAINT e164_phone_check CHECK ((VALUE ~ '^\+[1-9][0-9]{6,14}$'::text));


ALTER DOMAIN app_public.e164_phone OWNER TO :DATABASE_OWNER;

--
-- Name: DOMAIN e164_phone; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON DOMAIN app_public.e164_phone IS 'A phone number in E.164 form: "+", the country calling code and the subscriber number, 7 to 15 digits in all.';


--
-- Name: member_role; Type: TYPE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TYPE app_public.member_role AS ENUM (
    'owner',
    'admin',
    'doctor',
    'receptionist',
    'cashier'
);


ALTER TYPE app_public.member_role OWNER TO :DATABASE_OWNER;

--
-- Name: TYPE member_role; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TYPE app_public.member_role IS 'What a member may do in a clinic; see docs/permissions.md.';


--
-- Name: calling_code_for(uuid); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.calling_code_for(clinic_id uuid) RETURNS app_public.calling_code
    LANGUAGE sql STABLE
    AS $$
  select coalesce(
    (select c.calling_code from app_public.clinic c where c.id = calling_code_for.clinic_id),
    nullif(current_setting('clinicops.default_calling_code', true), '')::app_public.calling_code
  );
$$;


ALTER FUNCTION app_hidden.calling_code_for(clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION calling_code_for(clinic_id uuid); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.calling_code_for(clinic_id uuid) IS 'The country calling code that completes national phone numbers: the clinic''s, else the deployment default (DEFAULT_CALLING_CODE).';


--
-- Name: current_role_in(app_public.member_role[]); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.current_role_in(VARIADIC roles app_public.member_role[]) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select coalesce((select app_public.current_role()) = any (roles), false);
$$;


ALTER FUNCTION app_hidden.current_role_in(VARIADIC roles app_public.member_role[]) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_role_in(VARIADIC roles app_public.member_role[]); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.current_role_in(VARIADIC roles app_public.member_role[]) IS 'True when the current role is one of `roles`; for policies: `app_hidden.current_role_in(''owner'', ''admin'')`.';


--
-- Name: include_deleted(); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.include_deleted() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select coalesce(current_setting('clinicops.include_deleted', true), '') = 'on';
$$;


ALTER FUNCTION app_hidden.include_deleted() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION include_deleted(); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.include_deleted() IS 'True while a trusted function needs soft-deleted rows to be visible (select policies hide them otherwise).';


--
-- Name: latest_migration(); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.latest_migration() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select m.filename from graphile_migrate.migrations m order by m.filename desc limit 1;
$$;


ALTER FUNCTION app_hidden.latest_migration() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION latest_migration(); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.latest_migration() IS 'File name of the newest applied committed migration (for GET /ready).';


--
-- Name: login(text, text, uuid, inet, text, interval); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) IS 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session) and returns it with status "ok", otherwise {"status": "invalid"} whatever the reason. Called by POST /auth/login.';


--
-- Name: logout(); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.logout() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_hidden.logout() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION logout(); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.logout() IS 'Ends the current session so its token is refused from now on. Called by POST /auth/logout.';


--
-- Name: switch_clinic(uuid, inet, text, interval); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) IS 'Ends the current session and opens one scoped to another clinic of the same user. Called by POST /auth/switch-clinic.';


--
-- Name: audit_hash(text, bigint, uuid, timestamp with time zone, uuid, text, text, uuid, jsonb, jsonb, jsonb); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
  select encode(sha256(convert_to(jsonb_build_array(
    prev_hash, seq, clinic_id, (extract(epoch from occurred_at) * 1000000)::bigint, actor_user_id,
    action, table_name, record_id, old_values, new_values, detail
  )::text, 'UTF8')), 'hex');
$$;


ALTER FUNCTION app_private.audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb) IS 'The chain hash of one audit entry: independent of session time zone and date style.';


--
-- Name: create_platform_admin(text, text, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.create_platform_admin(phone text, full_name text, password text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_private.create_platform_admin(phone text, full_name text, password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION create_platform_admin(phone text, full_name text, password text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.create_platform_admin(phone text, full_name text, password text) IS 'Creates (or promotes, and resets the password of) a platform administrator; used by `npm run superuser`.';


--
-- Name: expire_sessions(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.expire_sessions(session_id uuid DEFAULT NULL::uuid) RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  with gone as (
    delete from app_private.session s
    where (expire_sessions.session_id is null or s.id = expire_sessions.session_id)
      and (s.expires_at <= now() or s.revoked_at <= now() - interval '1 day')
    returning 1
  )
  select count(*)::integer from gone;
$$;


ALTER FUNCTION app_private.expire_sessions(session_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION expire_sessions(session_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.expire_sessions(session_id uuid) IS 'Deletes one session (or, with no id, every session) that has expired, or was revoked more than a day ago; returns how many. Logins stay in the audit log.';


--
-- Name: find_or_create_user(app_public.e164_phone, text, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION find_or_create_user(phone app_public.e164_phone, full_name text, password text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text) IS 'The user with this phone, created with the name and password when new.';


--
-- Name: hash_password(text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.hash_password(password text) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_private.hash_password(password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION hash_password(password text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.hash_password(password text) IS 'bcrypt (cost 10) of a password of 8 to 128 characters.';


--
-- Name: next_code(uuid, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.next_code(clinic_id uuid, prefix text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_display text;
  v_value bigint;
begin
  select coalesce(c.code_prefixes ->> next_code.prefix, next_code.prefix) into v_display
  from app_public.clinic c where c.id = next_code.clinic_id;
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


ALTER FUNCTION app_private.next_code(clinic_id uuid, prefix text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION next_code(clinic_id uuid, prefix text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.next_code(clinic_id uuid, prefix text) IS 'Allocates the next code (PAT-000001, ...) for a clinic and prefix: unique and gap-free under concurrency, honouring the clinic''s prefix overrides.';


--
-- Name: open_session(uuid, uuid, inet, text, interval); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) IS 'Starts a session for a user, scoped to the chosen clinic, or to their only clinic, or to none; returns what /auth/login answers.';


--
-- Name: restore_row(regclass, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.restore_row(tbl regclass, clinic_id uuid, id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
declare
  v_previous text := current_setting('clinicops.include_deleted', true);
  v_count integer;
begin
  perform set_config('clinicops.include_deleted', 'on', true);
  execute format('update %s set deleted_at = null, deleted_by = null where clinic_id = $1 and id = $2 and deleted_at is not null', tbl)
    using restore_row.clinic_id, restore_row.id;
  get diagnostics v_count = row_count;
  perform set_config('clinicops.include_deleted', coalesce(v_previous, ''), true);
  if v_count = 0 then
    raise exception 'Nothing to restore: no deleted row with that id in this clinic.' using errcode = 'CNOTF';
  end if;
end;
$_$;


ALTER FUNCTION app_private.restore_row(tbl regclass, clinic_id uuid, id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION restore_row(tbl regclass, clinic_id uuid, id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.restore_row(tbl regclass, clinic_id uuid, id uuid) IS 'Restores a soft-deleted row; the table''s update policy decides who may.';


--
-- Name: tg__assign_code(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__assign_code() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if tg_op = 'INSERT' then
    new.code := app_private.next_code(new.clinic_id, tg_argv[0]);
  else
    new.code := old.code;
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg__assign_code() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__assign_code(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__assign_code() IS 'BEFORE INSERT OR UPDATE: assigns `code` from next_code(clinic_id, TG_ARGV[0]) and keeps it immutable.';


--
-- Name: tg__audit(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_private.tg__audit() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__audit(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__audit() IS 'AFTER INSERT OR UPDATE OR DELETE: one audit entry per changed row (soft delete and restore named as such).';


--
-- Name: tg__soft_delete(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__soft_delete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
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
$_$;


ALTER FUNCTION app_private.tg__soft_delete() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__soft_delete(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__soft_delete() IS 'BEFORE DELETE: turns a delete into deleted_at/deleted_by, so no role the application uses can hard-delete the row.';


--
-- Name: tg__timestamps(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__timestamps() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


ALTER FUNCTION app_private.tg__timestamps() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__timestamps(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__timestamps() IS 'BEFORE INSERT OR UPDATE: stamps created_at/by once and updated_at/by on every change; nobody can forge them.';


--
-- Name: tg_audit_log__append_only(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_audit_log__append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  raise exception 'The audit log is append-only.' using errcode = 'CFORB';
end;
$$;


ALTER FUNCTION app_private.tg_audit_log__append_only() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_audit_log__append_only(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_audit_log__append_only() IS 'Refuses UPDATE, DELETE and TRUNCATE on the audit log, whoever asks.';


--
-- Name: tg_membership__guard_owners(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_membership__guard_owners() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_private.tg_membership__guard_owners() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_membership__guard_owners(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_membership__guard_owners() IS 'BEFORE INSERT/UPDATE/DELETE: only owners manage owners, and a clinic always keeps an active owner.';


--
-- Name: tg_membership__sync_sessions(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_membership__sync_sessions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_private.tg_membership__sync_sessions() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_membership__sync_sessions(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_membership__sync_sessions() IS 'AFTER UPDATE: a role change applies to live sessions at once; suspension or removal ends them.';


--
-- Name: tg_session__schedule_expiry(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_session__schedule_expiry() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_private.tg_session__schedule_expiry() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_session__schedule_expiry(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_session__schedule_expiry() IS 'AFTER INSERT: queues session__expire for the moment the session ends.';


--
-- Name: tg_user__end_sessions(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_user__end_sessions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if not new.is_active or new.is_platform_admin <> old.is_platform_admin then
    update app_private.session set revoked_at = now()
    where user_id = new.id and revoked_at is null;
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_user__end_sessions() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_user__end_sessions(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_user__end_sessions() IS 'AFTER UPDATE: deactivating a user, or changing platform admin rights, ends all their sessions.';


--
-- Name: current_user_id(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select s.user_id from app_private.session s
  where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now();
$$;


ALTER FUNCTION app_public.current_user_id() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_user_id(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.current_user_id() IS '@behavior -queryField
The user of the live session, or null.';


--
-- Name: write_audit(uuid, text, text, uuid, jsonb, jsonb, jsonb, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.write_audit(clinic_id uuid, action text, table_name text DEFAULT NULL::text, record_id uuid DEFAULT NULL::uuid, old_values jsonb DEFAULT NULL::jsonb, new_values jsonb DEFAULT NULL::jsonb, detail jsonb DEFAULT NULL::jsonb, actor_user_id uuid DEFAULT app_public.current_user_id()) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_private.write_audit(clinic_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb, actor_user_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION write_audit(clinic_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb, actor_user_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.write_audit(clinic_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb, actor_user_id uuid) IS 'Appends one entry to a clinic''s audit chain (the platform chain when clinic_id is null).';


--
-- Name: is_valid_timezone(text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.is_valid_timezone(name text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select exists (select 1 from pg_catalog.pg_timezone_names t where t.name = is_valid_timezone.name);
$$;


ALTER FUNCTION app_public.is_valid_timezone(name text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION is_valid_timezone(name text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.is_valid_timezone(name text) IS 'True when `name` is an IANA time zone this database knows, e.g. Africa/Dar_es_Salaam.';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: clinic; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.clinic (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    phone app_public.e164_phone,
    email text,
    address text,
    timezone text DEFAULT 'UTC'::text NOT NULL,
    currency text DEFAULT 'USD'::text NOT NULL,
    calling_code app_public.calling_code,
    tax_rate numeric(6,4) DEFAULT 0 NOT NULL,
    invoice_footer text,
    code_prefixes jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    CONSTRAINT clinic_address_check CHECK ((char_length(address) <= 500)),
    CONSTRAINT clinic_code_prefixes_check CHECK ((jsonb_typeof(code_prefixes) = 'object'::text)),
    CONSTRAINT clinic_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT clinic_email_check CHECK (((char_length(email) <= 320) AND (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'::text))),
    CONSTRAINT clinic_invoice_footer_check CHECK ((char_length(invoice_footer) <= 2000)),
    CONSTRAINT clinic_name_check CHECK (((char_length(btrim(name)) >= 1) AND (char_length(btrim(name)) <= 200))),
    CONSTRAINT clinic_tax_rate_check CHECK (((tax_rate >= (0)::numeric) AND (tax_rate < (1)::numeric))),
    CONSTRAINT clinic_timezone_check CHECK (app_public.is_valid_timezone(timezone))
);

ALTER TABLE ONLY app_public.clinic FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.clinic OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE clinic; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.clinic IS 'A clinic: the tenant. Everything a clinic owns carries its id.';


--
-- Name: COLUMN clinic.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.id IS 'Internal identifier of the clinic.';


--
-- Name: COLUMN clinic.name; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.name IS 'Name shown to staff and on documents (1 to 200 characters).';


--
-- Name: COLUMN clinic.phone; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.phone IS 'Contact phone in E.164.';


--
-- Name: COLUMN clinic.email; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.email IS 'Contact email address.';


--
-- Name: COLUMN clinic.address; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.address IS 'Postal address as printed on documents.';


--
-- Name: COLUMN clinic.timezone; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.timezone IS 'IANA time zone that defines the clinic''s business days.';


--
-- Name: COLUMN clinic.currency; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.currency IS 'ISO 4217 code of the currency the clinic bills in.';


--
-- Name: COLUMN clinic.calling_code; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.calling_code IS 'Country calling code used to complete national phone numbers typed by staff (e.g. 255).';


--
-- Name: COLUMN clinic.tax_rate; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.tax_rate IS 'Default tax rate as a fraction (0.18 for 18%).';


--
-- Name: COLUMN clinic.invoice_footer; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.invoice_footer IS 'Text printed at the bottom of invoices.';


--
-- Name: COLUMN clinic.code_prefixes; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.code_prefixes IS 'Optional overrides of code prefixes, e.g. {"PAT": "PT"} makes patient codes PT-000001.';


--
-- Name: COLUMN clinic.created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.created_at IS 'When the row was created.';


--
-- Name: COLUMN clinic.created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.created_by IS 'User who created the row (null for the platform).';


--
-- Name: COLUMN clinic.updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.updated_at IS 'When the row last changed.';


--
-- Name: COLUMN clinic.updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.updated_by IS 'User who last changed the row.';


--
-- Name: create_clinic_with_owner(text, text, text, text, text, text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) RETURNS app_public.clinic
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) IS 'Creates a clinic and its first owner (an existing user with that phone keeps their password). Platform administrators only.';


--
-- Name: current_clinic(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.current_clinic() RETURNS app_public.clinic
    LANGUAGE sql STABLE
    AS $$
  select c.* from app_public.clinic c where c.id = app_public.current_clinic_id();
$$;


ALTER FUNCTION app_public.current_clinic() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_clinic(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.current_clinic() IS 'The clinic the session is scoped to, or null.';


--
-- Name: current_clinic_id(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.current_clinic_id() RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select s.clinic_id from app_private.session s
  where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now();
$$;


ALTER FUNCTION app_public.current_clinic_id() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_clinic_id(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.current_clinic_id() IS '@behavior -queryField
The clinic the live session is scoped to, or null. Policies compare clinic_id with `(select app_public.current_clinic_id())`.';


--
-- Name: current_role(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public."current_role"() RETURNS app_public.member_role
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select s.role from app_private.session s
  where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now();
$$;


ALTER FUNCTION app_public."current_role"() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION "current_role"(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public."current_role"() IS 'The role of the current user in the current clinic, or null.';


--
-- Name: current_session_id(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.current_session_id() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
  select nullif(current_setting('jwt.claims.session_id', true), '')::uuid;
$$;


ALTER FUNCTION app_public.current_session_id() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_session_id(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.current_session_id() IS '@behavior -queryField
The session id claim of the request, not yet checked.';


--
-- Name: user; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public."user" (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    phone app_public.e164_phone NOT NULL,
    full_name text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    is_platform_admin boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    CONSTRAINT user_full_name_check CHECK (((char_length(btrim(full_name)) >= 1) AND (char_length(btrim(full_name)) <= 200)))
);

ALTER TABLE ONLY app_public."user" FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public."user" OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE "user"; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public."user" IS 'A person who can log in, identified by phone. Their password lives in app_private.user_secret and is never returned.';


--
-- Name: COLUMN "user".id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public."user".id IS 'Internal identifier of the user.';


--
-- Name: COLUMN "user".phone; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public."user".phone IS 'Login phone number in E.164; unique across the platform.';


--
-- Name: COLUMN "user".full_name; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public."user".full_name IS 'Name shown to colleagues (1 to 200 characters).';


--
-- Name: COLUMN "user".is_active; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public."user".is_active IS 'False blocks login and ends every session of the user.';


--
-- Name: COLUMN "user".is_platform_admin; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public."user".is_platform_admin IS 'Platform administrators create clinics and their first owners.';


--
-- Name: COLUMN "user".created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public."user".created_at IS 'When the row was created.';


--
-- Name: COLUMN "user".created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public."user".created_by IS 'User who created the row (null for the platform).';


--
-- Name: COLUMN "user".updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public."user".updated_at IS 'When the row last changed.';


--
-- Name: COLUMN "user".updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public."user".updated_by IS 'User who last changed the row.';


--
-- Name: current_user(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public."current_user"() RETURNS app_public."user"
    LANGUAGE sql STABLE
    AS $$
  select u.* from app_public."user" u where u.id = app_public.current_user_id();
$$;


ALTER FUNCTION app_public."current_user"() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION "current_user"(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public."current_user"() IS 'The logged-in user, or null.';


--
-- Name: current_user_is_platform_admin(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.current_user_is_platform_admin() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select coalesce((
    select s.is_platform_admin from app_private.session s
    where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now()
  ), false);
$$;


ALTER FUNCTION app_public.current_user_is_platform_admin() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_user_is_platform_admin(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.current_user_is_platform_admin() IS '@behavior -queryField
True when the live session belongs to a platform administrator.';


--
-- Name: membership; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.membership (
    clinic_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    role app_public.member_role NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    deleted_at timestamp with time zone,
    deleted_by uuid
);

ALTER TABLE ONLY app_public.membership FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.membership OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE membership; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.membership IS '@behavior -delete
A user''s role in a clinic. Removing a member soft-deletes the membership (see removeMember / restoreMember).';


--
-- Name: COLUMN membership.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.clinic_id IS 'The clinic.';


--
-- Name: COLUMN membership.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.id IS 'Internal identifier of the membership.';


--
-- Name: COLUMN membership.user_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.user_id IS 'The member.';


--
-- Name: COLUMN membership.role; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.role IS 'What the member may do in this clinic.';


--
-- Name: COLUMN membership.is_active; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.is_active IS 'False suspends the member: no login into this clinic, sessions ended.';


--
-- Name: COLUMN membership.created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.created_at IS 'When the row was created.';


--
-- Name: COLUMN membership.created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.created_by IS 'User who created the row.';


--
-- Name: COLUMN membership.updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.updated_at IS 'When the row last changed.';


--
-- Name: COLUMN membership.updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.updated_by IS 'User who last changed the row.';


--
-- Name: COLUMN membership.deleted_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.deleted_at IS 'When the member was removed (soft delete); null while a member.';


--
-- Name: COLUMN membership.deleted_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.deleted_by IS 'User who removed the member.';


--
-- Name: invite_member(text, text, app_public.member_role, text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.invite_member(phone text, full_name text, role app_public.member_role, password text DEFAULT NULL::text) RETURNS app_public.membership
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION invite_member(phone text, full_name text, role app_public.member_role, password text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) IS 'Adds a person to the current clinic with a role, creating their user (with this name and password) when the phone is new. Owners and admins; only owners add owners.';


--
-- Name: normalize_phone(text, app_public.calling_code); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.normalize_phone(raw text, default_calling_code app_public.calling_code DEFAULT NULL::text) RETURNS app_public.e164_phone
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
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
$_$;


ALTER FUNCTION app_public.normalize_phone(raw text, default_calling_code app_public.calling_code) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION normalize_phone(raw text, default_calling_code app_public.calling_code); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.normalize_phone(raw text, default_calling_code app_public.calling_code) IS 'Turns a phone number as typed ("0712 345-678", "(+255) 712 345 678", "00255712345678") into E.164, using `default_calling_code` for national numbers; raises INVALID_PHONE for anything that is not a phone number.';


--
-- Name: remove_member(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.remove_member(membership_id uuid) RETURNS app_public.membership
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_result app_public.membership;
begin
  delete from app_public.membership m
  where m.clinic_id = app_public.current_clinic_id() and m.id = membership_id;
  perform set_config('clinicops.include_deleted', 'on', true);
  select * into v_result from app_public.membership m
  where m.clinic_id = app_public.current_clinic_id() and m.id = membership_id and m.deleted_at is not null;
  perform set_config('clinicops.include_deleted', '', true);
  if v_result.id is null then
    raise exception 'No such member in this clinic, or you may not remove them.' using errcode = 'CNOTF';
  end if;
  return v_result;
end;
$$;


ALTER FUNCTION app_public.remove_member(membership_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION remove_member(membership_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.remove_member(membership_id uuid) IS 'Removes a member from the current clinic (soft delete: the membership is kept, hidden, and their sessions end). Owners and admins; only owners remove owners.';


--
-- Name: restore_member(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.restore_member(membership_id uuid) RETURNS app_public.membership
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_result app_public.membership;
begin
  perform app_private.restore_row('app_public.membership', app_public.current_clinic_id(), membership_id);
  select * into v_result from app_public.membership m
  where m.clinic_id = app_public.current_clinic_id() and m.id = membership_id;
  return v_result;
end;
$$;


ALTER FUNCTION app_public.restore_member(membership_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION restore_member(membership_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.restore_member(membership_id uuid) IS 'Brings back a removed member of the current clinic. Owners and admins.';


--
-- Name: verify_audit_chain(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.verify_audit_chain(clinic_id uuid DEFAULT NULL::uuid) RETURNS app_public.audit_chain_status
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


ALTER FUNCTION app_public.verify_audit_chain(clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION verify_audit_chain(clinic_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.verify_audit_chain(clinic_id uuid) IS 'Recomputes the audit chain of a clinic (default: the current one) and reports the first entry that was changed, removed or inserted behind the database''s back. Owners and admins of the clinic, and platform admins.';


--
-- Name: audit_chain_head; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.audit_chain_head (
    chain_id uuid NOT NULL,
    seq bigint DEFAULT 0 NOT NULL,
    hash text DEFAULT repeat('0'::text, 64) NOT NULL
);

ALTER TABLE ONLY app_private.audit_chain_head FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.audit_chain_head OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE audit_chain_head; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.audit_chain_head IS 'Last entry of each audit chain; its row lock orders concurrent writers of one clinic.';


--
-- Name: COLUMN audit_chain_head.chain_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.audit_chain_head.chain_id IS 'Clinic id, or the nil uuid for the platform chain.';


--
-- Name: COLUMN audit_chain_head.seq; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.audit_chain_head.seq IS 'seq of the last entry.';


--
-- Name: COLUMN audit_chain_head.hash; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.audit_chain_head.hash IS 'hash of the last entry.';


--
-- Name: code_counter; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.code_counter (
    clinic_id uuid NOT NULL,
    prefix text NOT NULL,
    last_value bigint NOT NULL,
    CONSTRAINT code_counter_prefix_check CHECK ((prefix ~ '^[A-Z]{2,5}$'::text))
);

ALTER TABLE ONLY app_private.code_counter FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.code_counter OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE code_counter; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.code_counter IS 'Last number handed out per clinic and code prefix.';


--
-- Name: COLUMN code_counter.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.code_counter.clinic_id IS 'The clinic.';


--
-- Name: COLUMN code_counter.prefix; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.code_counter.prefix IS 'The canonical prefix (PAT, VIS, INV, ...), whatever the clinic displays.';


--
-- Name: COLUMN code_counter.last_value; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.code_counter.last_value IS 'Last number allocated.';


--
-- Name: login_failure; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.login_failure (
    id bigint NOT NULL,
    ip inet,
    phone text,
    attempted_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY app_private.login_failure FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.login_failure OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE login_failure; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.login_failure IS 'Failed logins, counted per client address for throttling.';


--
-- Name: COLUMN login_failure.id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_failure.id IS 'Row number.';


--
-- Name: COLUMN login_failure.ip; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_failure.ip IS 'Client address.';


--
-- Name: COLUMN login_failure.phone; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_failure.phone IS 'Phone as typed (normalised when possible).';


--
-- Name: COLUMN login_failure.attempted_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_failure.attempted_at IS 'When it happened.';


--
-- Name: login_failure_id_seq; Type: SEQUENCE; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.login_failure ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.login_failure_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: session; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.session (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    clinic_id uuid,
    role app_public.member_role,
    is_platform_admin boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone,
    ip inet,
    user_agent text,
    CONSTRAINT session_check CHECK (((clinic_id IS NULL) = (role IS NULL)))
);

ALTER TABLE ONLY app_private.session FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.session OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE session; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.session IS 'A login. The JWT carries only its id as the authority: logout, expiry, a role change or a suspension act here, so a token stops working at once.';


--
-- Name: COLUMN session.id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.id IS 'Session id, the `session_id` claim of the JWT.';


--
-- Name: COLUMN session.user_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.user_id IS 'Who logged in.';


--
-- Name: COLUMN session.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.clinic_id IS 'The clinic the session is scoped to; null until one is chosen.';


--
-- Name: COLUMN session.role; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.role IS 'The member''s role in that clinic, kept in step with the membership.';


--
-- Name: COLUMN session.is_platform_admin; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.is_platform_admin IS 'Whether the user was a platform admin at login.';


--
-- Name: COLUMN session.created_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.created_at IS 'Login time.';


--
-- Name: COLUMN session.expires_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.expires_at IS 'The session ends at this time.';


--
-- Name: COLUMN session.revoked_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.revoked_at IS 'Set by logout, clinic switch, role removal or suspension.';


--
-- Name: COLUMN session.ip; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.ip IS 'Client address at login.';


--
-- Name: COLUMN session.user_agent; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.user_agent IS 'Client user agent at login.';


--
-- Name: user_secret; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.user_secret (
    user_id uuid NOT NULL,
    password_hash text NOT NULL,
    failed_login_count integer DEFAULT 0 NOT NULL,
    first_failed_login_at timestamp with time zone,
    locked_until timestamp with time zone,
    last_login_at timestamp with time zone
);

ALTER TABLE ONLY app_private.user_secret FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.user_secret OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE user_secret; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.user_secret IS 'Password hash (bcrypt) and lockout state of a user.';


--
-- Name: COLUMN user_secret.user_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.user_secret.user_id IS 'The user these secrets belong to.';


--
-- Name: COLUMN user_secret.password_hash; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.user_secret.password_hash IS 'bcrypt hash made by pgcrypto; never leaves the database.';


--
-- Name: COLUMN user_secret.failed_login_count; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.user_secret.failed_login_count IS 'Failed logins in the current window.';


--
-- Name: COLUMN user_secret.first_failed_login_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.user_secret.first_failed_login_at IS 'Start of the current failure window.';


--
-- Name: COLUMN user_secret.locked_until; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.user_secret.locked_until IS 'Logins are refused until this time.';


--
-- Name: COLUMN user_secret.last_login_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.user_secret.last_login_at IS 'Time of the last successful login.';


--
-- Name: audit_log; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.audit_log (
    id bigint NOT NULL,
    clinic_id uuid,
    seq bigint NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    actor_user_id uuid,
    action text NOT NULL,
    table_name text,
    record_id uuid,
    old_values jsonb,
    new_values jsonb,
    detail jsonb,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    CONSTRAINT audit_log_action_check CHECK ((action = ANY (ARRAY['insert'::text, 'update'::text, 'delete'::text, 'soft_delete'::text, 'restore'::text, 'login'::text, 'login_failed'::text, 'logout'::text, 'switch_clinic'::text, 'export'::text])))
);

ALTER TABLE ONLY app_public.audit_log FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.audit_log OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE audit_log; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.audit_log IS '@behavior -insert -update -delete
Append-only record of every change, login, logout and export. Each entry is chained to the previous entry of its clinic by a SHA-256 hash; `verifyAuditChain` recomputes the chain.';


--
-- Name: COLUMN audit_log.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.id IS 'Global insertion order.';


--
-- Name: COLUMN audit_log.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.clinic_id IS 'The clinic whose chain holds the entry; null for platform events (failed logins of unknown phones, clinic-less sessions).';


--
-- Name: COLUMN audit_log.seq; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.seq IS 'Position in the clinic''s chain, from 1 without gaps.';


--
-- Name: COLUMN audit_log.occurred_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.occurred_at IS 'When it happened.';


--
-- Name: COLUMN audit_log.actor_user_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.actor_user_id IS 'Who did it; null for the system.';


--
-- Name: COLUMN audit_log.action; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.action IS 'insert, update, delete, soft_delete, restore, login, login_failed, logout, switch_clinic or export.';


--
-- Name: COLUMN audit_log.table_name; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.table_name IS 'The table written, for data changes.';


--
-- Name: COLUMN audit_log.record_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.record_id IS 'The id of the row written.';


--
-- Name: COLUMN audit_log.old_values; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.old_values IS 'The row before the change (secrets excluded).';


--
-- Name: COLUMN audit_log.new_values; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.new_values IS 'The row after the change (secrets excluded).';


--
-- Name: COLUMN audit_log.detail; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.detail IS 'Extra facts: client address, reason, export kind.';


--
-- Name: COLUMN audit_log.prev_hash; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.prev_hash IS 'Hash of the previous entry of the chain (64 zeros for the first).';


--
-- Name: COLUMN audit_log.hash; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.audit_log.hash IS 'SHA-256 over prev_hash and this entry''s fields.';


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: audit_chain_head audit_chain_head_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.audit_chain_head
    ADD CONSTRAINT audit_chain_head_pkey PRIMARY KEY (chain_id);


--
-- Name: code_counter code_counter_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.code_counter
    ADD CONSTRAINT code_counter_pkey PRIMARY KEY (clinic_id, prefix);


--
-- Name: login_failure login_failure_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.login_failure
    ADD CONSTRAINT login_failure_pkey PRIMARY KEY (id);


--
-- Name: session session_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.session
    ADD CONSTRAINT session_pkey PRIMARY KEY (id);


--
-- Name: user_secret user_secret_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.user_secret
    ADD CONSTRAINT user_secret_pkey PRIMARY KEY (user_id);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: clinic clinic_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.clinic
    ADD CONSTRAINT clinic_pkey PRIMARY KEY (id);


--
-- Name: membership membership_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.membership
    ADD CONSTRAINT membership_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: user user_phone_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public."user"
    ADD CONSTRAINT user_phone_key UNIQUE (phone);


--
-- Name: user user_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public."user"
    ADD CONSTRAINT user_pkey PRIMARY KEY (id);


--
-- Name: login_failure_ip_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX login_failure_ip_idx ON app_private.login_failure USING btree (ip, attempted_at);


--
-- Name: session_clinic_user_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX session_clinic_user_idx ON app_private.session USING btree (clinic_id, user_id);


--
-- Name: session_expires_at_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX session_expires_at_idx ON app_private.session USING btree (expires_at);


--
-- Name: session_user_id_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX session_user_id_idx ON app_private.session USING btree (user_id);


--
-- Name: audit_log_chain_seq; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE UNIQUE INDEX audit_log_chain_seq ON app_public.audit_log USING btree (COALESCE(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), seq);


--
-- Name: audit_log_clinic_occurred_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX audit_log_clinic_occurred_idx ON app_public.audit_log USING btree (clinic_id, occurred_at);


--
-- Name: audit_log_clinic_record_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX audit_log_clinic_record_idx ON app_public.audit_log USING btree (clinic_id, table_name, record_id);


--
-- Name: membership_one_live_per_user; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE UNIQUE INDEX membership_one_live_per_user ON app_public.membership USING btree (clinic_id, user_id) WHERE (deleted_at IS NULL);


--
-- Name: membership_user_id_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX membership_user_id_idx ON app_public.membership USING btree (user_id);


--
-- Name: session _800_schedule_expiry; Type: TRIGGER; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _800_schedule_expiry AFTER INSERT ON app_private.session FOR EACH ROW EXECUTE FUNCTION app_private.tg_session__schedule_expiry();


--
-- Name: audit_log _100_append_only; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_append_only BEFORE DELETE OR UPDATE ON app_public.audit_log FOR EACH ROW EXECUTE FUNCTION app_private.tg_audit_log__append_only();


--
-- Name: audit_log _100_append_only_truncate; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_append_only_truncate BEFORE TRUNCATE ON app_public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_audit_log__append_only();


--
-- Name: clinic _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.clinic FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: membership _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: user _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public."user" FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: membership _200_guard_owners; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_guard_owners BEFORE INSERT OR DELETE OR UPDATE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg_membership__guard_owners();


--
-- Name: membership _300_soft_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _300_soft_delete BEFORE DELETE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg__soft_delete();


--
-- Name: clinic _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.clinic FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: membership _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: user _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public."user" FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: user _900_end_sessions; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _900_end_sessions AFTER UPDATE OF is_active, is_platform_admin ON app_public."user" FOR EACH ROW EXECUTE FUNCTION app_private.tg_user__end_sessions();


--
-- Name: membership _900_sync_sessions; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _900_sync_sessions AFTER UPDATE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg_membership__sync_sessions();


--
-- Name: code_counter code_counter_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.code_counter
    ADD CONSTRAINT code_counter_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: session session_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.session
    ADD CONSTRAINT session_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: session session_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.session
    ADD CONSTRAINT session_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public."user"(id) ON DELETE CASCADE;


--
-- Name: user_secret user_secret_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.user_secret
    ADD CONSTRAINT user_secret_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public."user"(id) ON DELETE CASCADE;


--
-- Name: audit_log audit_log_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.audit_log
    ADD CONSTRAINT audit_log_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: membership membership_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.membership
    ADD CONSTRAINT membership_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: membership membership_user_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.membership
    ADD CONSTRAINT membership_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public."user"(id);


--
-- Name: audit_chain_head; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.audit_chain_head ENABLE ROW LEVEL SECURITY;

--
-- Name: code_counter; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.code_counter ENABLE ROW LEVEL SECURITY;

--
-- Name: login_failure; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.login_failure ENABLE ROW LEVEL SECURITY;

--
-- Name: audit_chain_head owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.audit_chain_head TO :DATABASE_OWNER USING (true);


--
-- Name: code_counter owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.code_counter TO :DATABASE_OWNER USING (true);


--
-- Name: login_failure owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.login_failure TO :DATABASE_OWNER USING (true);


--
-- Name: session owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.session TO :DATABASE_OWNER USING (true);


--
-- Name: user_secret owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.user_secret TO :DATABASE_OWNER USING (true);


--
-- Name: session; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.session ENABLE ROW LEVEL SECURITY;

--
-- Name: user_secret; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.user_secret ENABLE ROW LEVEL SECURITY;

--
-- Name: audit_log; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.audit_log ENABLE ROW LEVEL SECURITY;

--
-- Name: clinic; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.clinic ENABLE ROW LEVEL SECURITY;

--
-- Name: membership delete_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY delete_managers ON app_public.membership FOR DELETE USING ((((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)) OR ( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin)));


--
-- Name: membership insert_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_managers ON app_public.membership FOR INSERT WITH CHECK ((((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)) OR ( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin)));


--
-- Name: clinic insert_platform; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_platform ON app_public.clinic FOR INSERT WITH CHECK (( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin));


--
-- Name: membership; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.membership ENABLE ROW LEVEL SECURITY;

--
-- Name: user owner_all; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_all ON app_public."user" TO :DATABASE_OWNER USING (true);


--
-- Name: audit_log owner_appends; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_appends ON app_public.audit_log FOR INSERT TO :DATABASE_OWNER WITH CHECK (true);


--
-- Name: audit_log owner_reads; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_reads ON app_public.audit_log FOR SELECT TO :DATABASE_OWNER USING (true);


--
-- Name: membership select_clinic; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_clinic ON app_public.membership FOR SELECT USING ((((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) OR (user_id = ( SELECT app_public.current_user_id() AS current_user_id)) OR ( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin)) AND ((deleted_at IS NULL) OR ( SELECT app_hidden.include_deleted() AS include_deleted))));


--
-- Name: user select_colleagues; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_colleagues ON app_public."user" FOR SELECT USING (((id = ( SELECT app_public.current_user_id() AS current_user_id)) OR ( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin) OR (EXISTS ( SELECT 1
   FROM app_public.membership m
  WHERE ((m.user_id = "user".id) AND (m.clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)))))));


--
-- Name: audit_log select_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_managers ON app_public.audit_log FOR SELECT USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)));


--
-- Name: clinic select_own; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_own ON app_public.clinic FOR SELECT USING (((id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) OR ( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin) OR (EXISTS ( SELECT 1
   FROM app_public.membership m
  WHERE ((m.clinic_id = clinic.id) AND (m.user_id = ( SELECT app_public.current_user_id() AS current_user_id)))))));


--
-- Name: clinic update_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_managers ON app_public.clinic FOR UPDATE USING (((id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)));


--
-- Name: membership update_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_managers ON app_public.membership FOR UPDATE USING ((((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)) OR ( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin)));


--
-- Name: user update_self; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_self ON app_public."user" FOR UPDATE USING ((id = ( SELECT app_public.current_user_id() AS current_user_id)));


--
-- Name: user; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public."user" ENABLE ROW LEVEL SECURITY;

--
-- Name: SCHEMA app_hidden; Type: ACL; Schema: -; Owner: :DATABASE_OWNER
--

GRANT USAGE ON SCHEMA app_hidden TO :DATABASE_VISITOR;


--
-- Name: SCHEMA app_public; Type: ACL; Schema: -; Owner: :DATABASE_OWNER
--

GRANT USAGE ON SCHEMA app_public TO :DATABASE_VISITOR;


--
-- Name: SCHEMA reporting; Type: ACL; Schema: -; Owner: :DATABASE_OWNER
--

GRANT USAGE ON SCHEMA reporting TO :DATABASE_ANALYST;


--
-- Name: FUNCTION calling_code_for(clinic_id uuid); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.calling_code_for(clinic_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.calling_code_for(clinic_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION current_role_in(VARIADIC roles app_public.member_role[]); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.current_role_in(VARIADIC roles app_public.member_role[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.current_role_in(VARIADIC roles app_public.member_role[]) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION include_deleted(); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.include_deleted() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.include_deleted() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION latest_migration(); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.latest_migration() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.latest_migration() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION logout(); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.logout() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.logout() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb) FROM PUBLIC;


--
-- Name: FUNCTION create_platform_admin(phone text, full_name text, password text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.create_platform_admin(phone text, full_name text, password text) FROM PUBLIC;


--
-- Name: FUNCTION expire_sessions(session_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.expire_sessions(session_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION find_or_create_user(phone app_public.e164_phone, full_name text, password text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text) FROM PUBLIC;


--
-- Name: FUNCTION hash_password(password text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.hash_password(password text) FROM PUBLIC;


--
-- Name: FUNCTION next_code(clinic_id uuid, prefix text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.next_code(clinic_id uuid, prefix text) FROM PUBLIC;


--
-- Name: FUNCTION open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) FROM PUBLIC;


--
-- Name: FUNCTION restore_row(tbl regclass, clinic_id uuid, id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.restore_row(tbl regclass, clinic_id uuid, id uuid) FROM PUBLIC;


--
-- Name: FUNCTION tg__assign_code(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__assign_code() FROM PUBLIC;


--
-- Name: FUNCTION tg__audit(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__audit() FROM PUBLIC;


--
-- Name: FUNCTION tg__soft_delete(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__soft_delete() FROM PUBLIC;


--
-- Name: FUNCTION tg__timestamps(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__timestamps() FROM PUBLIC;


--
-- Name: FUNCTION tg_audit_log__append_only(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_audit_log__append_only() FROM PUBLIC;


--
-- Name: FUNCTION tg_membership__guard_owners(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_membership__guard_owners() FROM PUBLIC;


--
-- Name: FUNCTION tg_membership__sync_sessions(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_membership__sync_sessions() FROM PUBLIC;


--
-- Name: FUNCTION tg_session__schedule_expiry(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_session__schedule_expiry() FROM PUBLIC;


--
-- Name: FUNCTION tg_user__end_sessions(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_user__end_sessions() FROM PUBLIC;


--
-- Name: FUNCTION current_user_id(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.current_user_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_user_id() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION write_audit(clinic_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb, actor_user_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.write_audit(clinic_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb, actor_user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION is_valid_timezone(name text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.is_valid_timezone(name text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.is_valid_timezone(name text) TO :DATABASE_VISITOR;


--
-- Name: TABLE clinic; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: COLUMN clinic.name; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(name) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: COLUMN clinic.phone; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(phone) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: COLUMN clinic.email; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(email) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: COLUMN clinic.address; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(address) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: COLUMN clinic.timezone; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(timezone) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: COLUMN clinic.currency; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(currency) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: COLUMN clinic.calling_code; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(calling_code) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: COLUMN clinic.tax_rate; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(tax_rate) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: COLUMN clinic.invoice_footer; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(invoice_footer) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: COLUMN clinic.code_prefixes; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(code_prefixes) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: FUNCTION create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION current_clinic(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.current_clinic() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_clinic() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION current_clinic_id(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.current_clinic_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_clinic_id() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION "current_role"(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public."current_role"() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public."current_role"() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION current_session_id(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.current_session_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_session_id() TO :DATABASE_VISITOR;


--
-- Name: TABLE "user"; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_public."user" TO :DATABASE_VISITOR;


--
-- Name: COLUMN "user".full_name; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(full_name) ON TABLE app_public."user" TO :DATABASE_VISITOR;


--
-- Name: FUNCTION "current_user"(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public."current_user"() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public."current_user"() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION current_user_is_platform_admin(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.current_user_is_platform_admin() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_user_is_platform_admin() TO :DATABASE_VISITOR;


--
-- Name: TABLE membership; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT,DELETE ON TABLE app_public.membership TO :DATABASE_VISITOR;


--
-- Name: COLUMN membership.role; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(role) ON TABLE app_public.membership TO :DATABASE_VISITOR;


--
-- Name: COLUMN membership.is_active; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(is_active) ON TABLE app_public.membership TO :DATABASE_VISITOR;


--
-- Name: FUNCTION invite_member(phone text, full_name text, role app_public.member_role, password text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION normalize_phone(raw text, default_calling_code app_public.calling_code); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.normalize_phone(raw text, default_calling_code app_public.calling_code) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.normalize_phone(raw text, default_calling_code app_public.calling_code) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION remove_member(membership_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.remove_member(membership_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.remove_member(membership_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION restore_member(membership_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.restore_member(membership_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.restore_member(membership_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION verify_audit_chain(clinic_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.verify_audit_chain(clinic_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.verify_audit_chain(clinic_id uuid) TO :DATABASE_VISITOR;


--
-- Name: TABLE audit_log; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_public.audit_log TO :DATABASE_VISITOR;


--
-- Name: SEQUENCE audit_log_id_seq; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT,USAGE ON SEQUENCE app_public.audit_log_id_seq TO :DATABASE_VISITOR;


--
-- Name: DEFAULT PRIVILEGES FOR SEQUENCES; Type: DEFAULT ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

ALTER DEFAULT PRIVILEGES FOR ROLE :DATABASE_OWNER IN SCHEMA app_hidden GRANT SELECT,USAGE ON SEQUENCES  TO :DATABASE_VISITOR;


--
-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

ALTER DEFAULT PRIVILEGES FOR ROLE :DATABASE_OWNER IN SCHEMA app_hidden GRANT ALL ON FUNCTIONS  TO :DATABASE_VISITOR;


--
-- Name: DEFAULT PRIVILEGES FOR SEQUENCES; Type: DEFAULT ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER DEFAULT PRIVILEGES FOR ROLE :DATABASE_OWNER IN SCHEMA app_public GRANT SELECT,USAGE ON SEQUENCES  TO :DATABASE_VISITOR;


--
-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER DEFAULT PRIVILEGES FOR ROLE :DATABASE_OWNER IN SCHEMA app_public GRANT ALL ON FUNCTIONS  TO :DATABASE_VISITOR;


--
-- PostgreSQL database dump complete
--


