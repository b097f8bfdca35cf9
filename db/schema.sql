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
-- Name: dashboard; Type: TYPE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TYPE app_public.dashboard AS (
	revenue numeric(20,3),
	revenue_by_day jsonb,
	revenue_by_method jsonb,
	visits_by_status jsonb,
	visits_by_doctor jsonb,
	new_patients integer,
	top_services jsonb,
	outstanding_balance numeric(20,3),
	average_visit_value numeric
);


ALTER TYPE app_public.dashboard OWNER TO :DATABASE_OWNER;

--
-- Name: TYPE dashboard; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TYPE app_public.dashboard IS 'Figures of a clinic for a period of business days.';


--
-- Name: COLUMN dashboard.revenue; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.dashboard.revenue IS 'Payments minus refunds whose business day falls in the period.';


--
-- Name: COLUMN dashboard.revenue_by_day; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.dashboard.revenue_by_day IS 'Net revenue per business day: [{"date", "amount"}], every day of the period, zero included; amounts as decimal strings ("15000.000").';


--
-- Name: COLUMN dashboard.revenue_by_method; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.dashboard.revenue_by_method IS 'Net revenue per payment method: [{"method", "amount"}]; amounts as decimal strings.';


--
-- Name: COLUMN dashboard.visits_by_status; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.dashboard.visits_by_status IS 'Visits scheduled in the period per status: [{"status", "count"}].';


--
-- Name: COLUMN dashboard.visits_by_doctor; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.dashboard.visits_by_doctor IS 'Visits scheduled in the period per doctor: [{"doctorId", "name", "count"}].';


--
-- Name: COLUMN dashboard.new_patients; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.dashboard.new_patients IS 'Patients registered in the period.';


--
-- Name: COLUMN dashboard.top_services; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.dashboard.top_services IS 'The five services on the most invoice value in the period (every invoice but void ones, drafts included): [{"serviceId", "name", "quantity", "amount"}]; amounts as decimal strings.';


--
-- Name: COLUMN dashboard.outstanding_balance; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.dashboard.outstanding_balance IS 'What issued and partially paid invoices still owe, now.';


--
-- Name: COLUMN dashboard.average_visit_value; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.dashboard.average_visit_value IS 'Value of the services of completed visits in the period, per completed visit.';


--
-- Name: duplicate_match; Type: TYPE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TYPE app_public.duplicate_match AS ENUM (
    'name_and_birth_date',
    'phone'
);


ALTER TYPE app_public.duplicate_match OWNER TO :DATABASE_OWNER;

--
-- Name: TYPE duplicate_match; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TYPE app_public.duplicate_match IS 'Why the duplicate warning lists a patient: `name_and_birth_date` (the same names, as the warning compares them, either way round, and the same date of birth: most likely the same person) or `phone` (the same phone: a relative sharing it, such as a parent''s for their children, as often as the same person).';


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
-- Name: export_kind; Type: TYPE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TYPE app_public.export_kind AS ENUM (
    'patients_csv',
    'visits_csv',
    'invoices_csv',
    'payments_csv',
    'invoice_pdf',
    'reconciliation_pdf',
    'monthly_summary_pdf'
);


ALTER TYPE app_public.export_kind OWNER TO :DATABASE_OWNER;

--
-- Name: TYPE export_kind; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TYPE app_public.export_kind IS 'What to export: patients, visits, invoices or payments (and refunds) of a period, as CSV (patients_csv, visits_csv, invoices_csv, payments_csv); or a PDF: an invoice (invoice_pdf), a business day''s reconciliation (reconciliation_pdf) or a month''s summary (monthly_summary_pdf).';


--
-- Name: export_status; Type: TYPE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TYPE app_public.export_status AS ENUM (
    'queued',
    'running',
    'done',
    'failed',
    'cancelled',
    'expired'
);


ALTER TYPE app_public.export_status OWNER TO :DATABASE_OWNER;

--
-- Name: TYPE export_status; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TYPE app_public.export_status IS 'queued → running → done | failed, or cancelled while queued or running (cancelExport); done files expire.';


--
-- Name: invoice_status; Type: TYPE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TYPE app_public.invoice_status AS ENUM (
    'draft',
    'issued',
    'partially_paid',
    'paid',
    'void'
);


ALTER TYPE app_public.invoice_status OWNER TO :DATABASE_OWNER;

--
-- Name: TYPE invoice_status; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TYPE app_public.invoice_status IS 'Where an invoice is: draft, issued, partially_paid, paid or void.';


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
-- Name: payment_method; Type: TYPE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TYPE app_public.payment_method AS ENUM (
    'cash',
    'card',
    'bank_transfer',
    'mobile_money',
    'insurance'
);


ALTER TYPE app_public.payment_method OWNER TO :DATABASE_OWNER;

--
-- Name: TYPE payment_method; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TYPE app_public.payment_method IS 'How a payment was made.';


--
-- Name: reconciliation_status; Type: TYPE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TYPE app_public.reconciliation_status AS ENUM (
    'open',
    'closed'
);


ALTER TYPE app_public.reconciliation_status OWNER TO :DATABASE_OWNER;

--
-- Name: TYPE reconciliation_status; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TYPE app_public.reconciliation_status IS 'open (money may still move) or closed (frozen).';


--
-- Name: sex; Type: TYPE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TYPE app_public.sex AS ENUM (
    'female',
    'male',
    'other',
    'unknown'
);


ALTER TYPE app_public.sex OWNER TO :DATABASE_OWNER;

--
-- Name: TYPE sex; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TYPE app_public.sex IS 'Sex as recorded by the clinic.';


--
-- Name: visit_status; Type: TYPE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TYPE app_public.visit_status AS ENUM (
    'scheduled',
    'checked_in',
    'in_progress',
    'completed',
    'cancelled',
    'no_show'
);


ALTER TYPE app_public.visit_status OWNER TO :DATABASE_OWNER;

--
-- Name: TYPE visit_status; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TYPE app_public.visit_status IS 'Where a visit is in its lifecycle.';


--
-- Name: audit_chain_in_view(); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.audit_chain_in_view() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
  select case
    when app_hidden.current_role_in('owner', 'admin') then app_public.current_clinic_id()
    when app_public.current_user_is_platform_admin() then '00000000-0000-0000-0000-000000000000'::uuid
  end;
$$;


ALTER FUNCTION app_hidden.audit_chain_in_view() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_chain_in_view(); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.audit_chain_in_view() IS 'The audit chain this session reads, as audit_log_chain_seq keys it: the session''s clinic for its owners and admins, else the platform''s (the nil uuid) for a platform administrator; null (none) for everyone else.';


--
-- Name: business_date(uuid, timestamp with time zone); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.business_date(clinic_id uuid, at timestamp with time zone) RETURNS date
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  return (select (at at time zone c.timezone)::date from app_public.clinic c where c.id = business_date.clinic_id);
end;
$$;


ALTER FUNCTION app_hidden.business_date(clinic_id uuid, at timestamp with time zone) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION business_date(clinic_id uuid, at timestamp with time zone); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.business_date(clinic_id uuid, at timestamp with time zone) IS 'The clinic''s business day (its local date) at a moment.';


--
-- Name: calling_code_for(uuid); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.calling_code_for(clinic_id uuid) RETURNS app_public.calling_code
    LANGUAGE plpgsql STABLE
    AS $$
begin
  return coalesce(
    (select c.calling_code from app_public.clinic c where c.id = calling_code_for.clinic_id),
    nullif(current_setting('clinicops.default_calling_code', true), '')::app_public.calling_code
  );
end;
$$;


ALTER FUNCTION app_hidden.calling_code_for(clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION calling_code_for(clinic_id uuid); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.calling_code_for(clinic_id uuid) IS 'The country calling code that completes national phone numbers: the clinic''s, else the deployment default (DEFAULT_CALLING_CODE).';


--
-- Name: change_password(text, text, inet, text[]); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[] DEFAULT NULL::text[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_session app_private.session := app_private.live_session();
  v_secret app_private.user_secret;
  v_ended jsonb;
  v_throttled boolean;
  v_first_throttled boolean;
  v_device uuid;
begin
  if v_session.id is null then
    raise exception 'Log in first.' using errcode = 'CAUTH';
  end if;
  if current_password is null or current_password = '' or char_length(current_password) > 1024 then
    raise exception 'Give your current password (currentPassword).' using errcode = 'CINVL';
  end if;
  perform app_private.check_password(new_password);
  if new_password = current_password then
    raise exception 'The new password is the one you have: choose another.' using errcode = 'CINVL';
  end if;
  -- an address the throttle refuses logins from is refused here too, as a login is: its password not checked,
  -- counted against the address (so it stays refused), audited at the first refusal the throttle makes; but not from a
  -- browser with a device cookie of the account, judged by its device as its login is (the account's lock still holds)
  select t.refused, t.first_refusal into v_throttled, v_first_throttled from app_private.address_throttle(change_password.ip) t;
  if v_throttled and app_private.trusted_device(v_session.user_id, change_password.device_secrets) is null then
    if v_first_throttled then
      perform app_private.audit_failed_login(u.phone, change_password.ip, 'address_throttled', u.id)
      from app_public."user" u where u.id = v_session.user_id;
    end if;
    insert into app_private.login_failure (ip, phone, throttled)
    select app_hidden.throttled_network(change_password.ip), u.phone, true from app_public."user" u where u.id = v_session.user_id;
    return jsonb_build_object('status', 'invalid');
  end if;
  -- locked until this attempt is counted, so guesses through several sessions take turns
  select * into v_secret from app_private.user_secret s where s.user_id = v_session.user_id for update;
  -- and the account's row, which a clinic switch holds (shared) while it opens a session: a switch
  -- before the change has its session ended by it, one after finds its own ended
  perform from app_public."user" u where u.id = v_session.user_id for no key update;
  -- and the sessions' turn, before any session is touched: a change of a membership ends or changes
  -- sessions after its audit entry, this change writes its entry after ending them
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(v_session.user_id));
  -- the session this change was asked from, as it is once those are had: one a switch of it ended
  -- meanwhile is ended (the change went on from it, and ended the switch's new session too)
  if not exists (select from app_private.session s where s.id = v_session.id and s.revoked_at is null) then
    raise exception 'Your session has ended: log in again.' using errcode = 'CAUTH';
  end if;
  -- the browser's device, as it is once the account's attempts take turns (a login counts its failures under that lock)
  v_device := app_private.trusted_device(v_session.user_id, change_password.device_secrets);
  if coalesce(v_secret.locked_until > now(), false)
     or not app_private.password_matches(current_password, v_secret.password_hash) then
    -- the same as a login's failure: audited, counted against the client's address, or its device when one judged it,
    -- and against the account, whose lock holds here with a device too (a stolen session's guesses)
    if v_device is not null then
      perform app_private.count_device_failure(v_device);
    else
      insert into app_private.login_failure (ip, phone)
      select app_hidden.throttled_network(change_password.ip), u.phone from app_public."user" u where u.id = v_session.user_id;
    end if;
    perform app_private.count_password_failure(v_session.user_id);
    perform app_private.audit_failed_login(u.phone, change_password.ip, 'password_change_refused', u.id)
    from app_public."user" u where u.id = v_session.user_id;
    return jsonb_build_object('status', 'invalid');
  end if;
  update app_private.user_secret s set password_hash = app_private.hash_password(new_password),
    failed_login_count = 0, first_failed_login_at = null, locked_until = null, password_set_by_holder = true
  where s.user_id = v_session.user_id;
  -- the networks the old password logged in from are no longer the account's, but the one its holder changed it from
  delete from app_private.login_network n where n.user_id = v_session.user_id;
  perform app_private.note_login_network(v_session.user_id, change_password.ip);
  -- and so the devices, but the one its holder changed it from (whose cookie stays good, its failures cleared as a login's)
  delete from app_private.login_device d where d.user_id = v_session.user_id and d.id is distinct from v_device;
  update app_private.login_device d set failed_login_count = 0, first_failed_login_at = null where d.id = v_device;
  v_ended := app_private.end_sessions_of(v_session.user_id, v_session.id);
  -- the change in the chain of the session that asked, counting the sessions of that chain it ended, and in the chain of
  -- each other clinic the person is of, saying what it was alone (not the address nor the session it was asked from)
  perform app_private.audit_sessions_ended(v_session.clinic_id, 'update', 'user_secret', v_session.user_id,
    jsonb_build_object('passwordChanged', true, 'ip', change_password.ip, 'sessionId', v_session.id), true,
    v_ended, 'password_change', v_session.user_id, jsonb_build_object('passwordChanged', true));
  return jsonb_build_object('status', 'ok', 'sessionsEnded', jsonb_array_length(v_ended));
end;
$$;


ALTER FUNCTION app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[]) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION change_password(current_password text, new_password text, ip inet, device_secrets text[]); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[]) IS 'Changes the session''s user''s password, given the current one: no current password (or one over 1,024 characters) or the same one again is INVALID_INPUT, a new one breaking the password rule WEAK_PASSWORD (check_password); a wrong current one, or an account locked, is {"status": "invalid"}, counted and audited as a failed login (reason password_change_refused); so is one from an address the login throttle refuses (20 failures in 15 minutes), its password not checked, counted against the address alone and audited (address_throttled) at the throttle''s first refusal, as login does; but one with a device cookie of the account (device_secrets: trusted_device) is not refused by the throttle, as its login is not, and its wrong or locked current password counts against that device (count_device_failure) in place of the address, and against the account all the same (its lock holds for a password change, a device or not). On success the account''s other sessions end, in every clinic, the networks it logged in from (login_network) are forgotten but the one of `ip`, which the new password is noted from, and so are its devices (login_device) but the one whose cookie asked (device_secrets: trusted_device), its failures cleared, and the change is audited (update of user_secret, without the hash) in the chain of the session that asked, counting the sessions of that chain it ended (sessionsEnded), and in the chain of each other clinic the person is of (passwordChanged alone, not the address nor the session, and the sessions of that chain it ended: audit_sessions_ended), each other chain whose sessions it ended getting sessions_ended (endedBy password_change): {"status": "ok", "sessionsEnded": n}, n the sessions it ended in every clinic. Called by POST /auth/password.';


--
-- Name: code_number(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.code_number(code text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
  select ltrim(substring(code_number.code from '-([0-9]+)$'), '0');
$_$;


ALTER FUNCTION app_hidden.code_number(code text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION code_number(code text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.code_number(code text) IS 'The number of a code, the digits after its last hyphen without their leading zeros: 12 for PAT-000012, PT-000012 and 2026-000012, 1000000 for PAT-1000000; null for text that ends in no hyphen and digits. Immutable, for the index patient_search_code_number_idx, which the search probes with digits typed alone (patients_matching).';


--
-- Name: code_prefixes_are_valid(jsonb); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.code_prefixes_are_valid(prefixes jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $_$
  select jsonb_typeof(prefixes) = 'object'
    and not exists (
      select 1 from jsonb_each(prefixes) p
      where p.key not in ('PAT', 'SRV', 'VIS', 'INV', 'PAY', 'REF')
         or jsonb_typeof(p.value) <> 'string'
         or p.value #>> '{}' !~ '^[A-Za-z0-9]{1,8}$');
$_$;


ALTER FUNCTION app_hidden.code_prefixes_are_valid(prefixes jsonb) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION code_prefixes_are_valid(prefixes jsonb); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.code_prefixes_are_valid(prefixes jsonb) IS 'Whether a clinic''s code prefix overrides name known prefixes (PAT, SRV, VIS, INV, PAY, REF) and replace each with 1 to 8 letters or digits.';


--
-- Name: contains_pattern(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.contains_pattern(term text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
  select '%' || replace(replace(replace(term, E'\\', E'\\\\'), '%', E'\\%'), '_', E'\\_') || '%';
$$;


ALTER FUNCTION app_hidden.contains_pattern(term text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION contains_pattern(term text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.contains_pattern(term text) IS 'A LIKE pattern for "contains term": %, _ and \ in the term match themselves.';


--
-- Name: country_calling_code(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.country_calling_code(phone text) RETURNS app_public.calling_code
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
begin
  -- ITU-T E.164 country codes are prefix-free: at most one of the first one, two and three digits is a code
  for n in 1..3 loop
    if app_hidden.phone_plan(substr(phone, 2, n)) is not null then
      return substr(phone, 2, n);
    end if;
  end loop;
  return null;
end;
$$;


ALTER FUNCTION app_hidden.country_calling_code(phone text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION country_calling_code(phone text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.country_calling_code(phone text) IS 'The country calling code of a phone number in E.164 form, or of the start of one: 255 for +255712345678 or +2557, 44 for +442071234567, 1 for +14155550100; null when it starts with no code in use (+999…).';


--
-- Name: current_role_in(app_public.member_role[]); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.current_role_in(VARIADIC roles app_public.member_role[]) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select coalesce(app_public.current_role() = any (roles), false);
$$;


ALTER FUNCTION app_hidden.current_role_in(VARIADIC roles app_public.member_role[]) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_role_in(VARIADIC roles app_public.member_role[]); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.current_role_in(VARIADIC roles app_public.member_role[]) IS 'True when the current role is one of `roles`; for policies: `app_hidden.current_role_in(''owner'', ''admin'')`.';


--
-- Name: ended_sessions(uuid[]); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.ended_sessions(session_ids uuid[]) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
  select given.id from unnest(session_ids) as given(id)
  where not exists (
    select from app_private.session s where s.id = given.id and s.revoked_at is null and s.expires_at > now()
  );
$$;


ALTER FUNCTION app_hidden.ended_sessions(session_ids uuid[]) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION ended_sessions(session_ids uuid[]); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.ended_sessions(session_ids uuid[]) IS 'Which of the sessions named have ended: revoked (a logout, a switch, a password change, a membership''s end), expired, or never existed. Asked by the API server for the sessions behind its open websockets, whose connections it then closes (server/websocket-sessions.ts); a session id alone gives no access.';


--
-- Name: export_download_ended(uuid, uuid, boolean); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.export_download_ended(export_id uuid, download_id uuid, whole boolean) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_download app_private.export_download;
begin
  delete from app_private.export_download d
  where d.id = export_download_ended.download_id and d.export_id = export_download_ended.export_id
    and d.session_id = app_public.current_session_id()
  returning d.* into v_download;
  if v_download.id is null or whole then
    return; -- no such download of this session's, one ended already (or swept), or one that sent its whole file: nothing to audit
  end if;
  perform app_private.download_cut_short(v_download, false);
end;
$$;


ALTER FUNCTION app_hidden.export_download_ended(export_id uuid, download_id uuid, whole boolean) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION export_download_ended(export_id uuid, download_id uuid, whole boolean); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.export_download_ended(export_id uuid, download_id uuid, whole boolean) IS 'Ends a download export_for_download began, whole (its file all sent) or not (its client gone, or its file unreadable): takes the download''s row of app_private.export_download and, for one cut short, audits it as export_cut_short (download_cut_short), in its clinic''s chain, by the person who began it, its detail giving the kind, file and download id of its export entry (so that each download cut short is paired with its beginning when one person downloads the export more than once at a time). Only the session that began the download ends it (by its session id claim, even once that session has ended or its row was deleted: the download outlived it), and only once: anything else (a made-up download, another session''s, a second call, one the hourly sweep took a day after it began) writes nothing, so a session cannot write entries of downloads nobody began. Used by GET /exports/:id at the end of each download, and by nothing else.';


--
-- Name: export_for_download(uuid); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.export_for_download(export_id uuid) RETURNS TABLE(kind app_public.export_kind, clinic_id uuid, file_name text, content_type text, download_id uuid)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_export app_public.report_export;
  v_download uuid := gen_random_uuid();
begin
  select * into v_export from app_public.report_export e
  where e.clinic_id = app_public.current_clinic_id() and e.id = export_id and app_hidden.why_not_downloadable(e) is null;
  if v_export.id is null then
    return; -- not found, not this clinic's, not allowed, or not downloadable (why_not_downloadable): all look alike
  end if;
  perform app_private.write_audit(v_export.clinic_id, 'export', 'report_export', v_export.id, null, null,
    jsonb_build_object('kind', v_export.kind, 'file', v_export.file_name, 'download', v_download));
  insert into app_private.export_download (id, clinic_id, export_id, user_id, session_id, kind, file_name)
  values (v_download, v_export.clinic_id, v_export.id, app_public.current_user_id(), app_public.current_session_id(), v_export.kind, v_export.file_name);
  return query select v_export.kind, v_export.clinic_id, v_export.file_name, v_export.content_type, v_download;
end;
$$;


ALTER FUNCTION app_hidden.export_for_download(export_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION export_for_download(export_id uuid); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.export_for_download(export_id uuid) IS 'The export the session may download (one why_not_downloadable gives no reason: done, not past its expiry, not deleted), with the id of this download (and an audit entry of the download, its detail giving that id), or nothing. Keeps what the download''s end is audited with (app_private.export_download: its clinic, person, session, kind and file), for export_download_ended. Used by GET /exports/:id.';


--
-- Name: handles_money(); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.handles_money() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select app_hidden.current_role_in('owner', 'admin', 'cashier');
$$;


ALTER FUNCTION app_hidden.handles_money() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION handles_money(); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.handles_money() IS 'True for the roles that take payments, refund and reconcile: owners, admins and cashiers.';


--
-- Name: in_system_context(); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.in_system_context() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select session_user::text <> ':DATABASE_AUTHENTICATOR';
$$;


ALTER FUNCTION app_hidden.in_system_context() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION in_system_context(); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.in_system_context() IS 'True on connections that did not come through the API (the worker, migrations, an operator''s shell as the owner): they act for the platform, not for one session. Tables give the owner role a `system_context` policy on it; API requests, which always log in as the authenticator, never pass it.';


--
-- Name: include_deleted(); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.include_deleted() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select coalesce(current_setting('clinicops.include_deleted', true), '') = 'on' and current_user = ':DATABASE_OWNER';
$$;


ALTER FUNCTION app_hidden.include_deleted() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION include_deleted(); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.include_deleted() IS 'True while a trusted function needs soft-deleted rows to be visible (select policies hide them otherwise): clinicops.include_deleted is on and the query runs as the database owner role, as a security definer function that sets it in its definition does. A session that turns the setting on by hand (SQL as the API''s role, an analyst) sees no deleted row.';


--
-- Name: is_country_code(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.is_country_code(calling_code text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select coalesce(not app_hidden.phone_plan(calling_code) ? 'worldwide', false);
$$;


ALTER FUNCTION app_hidden.is_country_code(calling_code text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION is_country_code(calling_code text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.is_country_code(calling_code text) IS 'Whether `calling_code` is a country''s code in use (255), not one of no country (800) nor one not in use (999): what a clinic''s calling code and DEFAULT_CALLING_CODE must be.';


--
-- Name: is_practising_doctor(uuid, uuid); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.is_practising_doctor(clinic_id uuid, membership_id uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
begin
  return exists (
    select 1 from app_public.membership m
    where m.clinic_id = is_practising_doctor.clinic_id and m.id = is_practising_doctor.membership_id
      and m.role = 'doctor' and m.is_active and m.deleted_at is null and m.accepted_at is not null
  );
end;
$$;


ALTER FUNCTION app_hidden.is_practising_doctor(clinic_id uuid, membership_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION is_practising_doctor(clinic_id uuid, membership_id uuid); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.is_practising_doctor(clinic_id uuid, membership_id uuid) IS 'Whether the membership is an active, not removed, accepted member of the clinic with the doctor role: who a visit may be booked with. Reads the membership as the caller may.';


--
-- Name: json_numbers_as_text(jsonb); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.json_numbers_as_text(value jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- PL/pgSQL, so its plans are kept for the connection (decision 012)
  return case jsonb_typeof(value)
    when 'number' then to_jsonb(value #>> '{}')
    when 'object' then (select coalesce(jsonb_object_agg(e.key, app_hidden.json_numbers_as_text(e.value)), '{}'::jsonb) from jsonb_each(value) e)
    when 'array' then (select coalesce(jsonb_agg(app_hidden.json_numbers_as_text(a.value) order by a.n), '[]'::jsonb) from jsonb_array_elements(value) with ordinality a(value, n))
    else value
  end;
end;
$$;


ALTER FUNCTION app_hidden.json_numbers_as_text(value jsonb) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION json_numbers_as_text(value jsonb); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.json_numbers_as_text(value jsonb) IS 'The JSON `value` with every number written as its text, as stored (`22480.000` as `"22480.000"`): a JSON number reaches a client as a float, which loses cents and trailing zeros.';


--
-- Name: latest_migration(); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.latest_migration() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
  select m.filename from graphile_migrate.migrations m order by m.filename desc limit 1;
$$;


ALTER FUNCTION app_hidden.latest_migration() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION latest_migration(); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.latest_migration() IS 'File name of the newest applied committed migration (for GET /ready).';


--
-- Name: listen_on(text, boolean); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.listen_on(channel text, listens boolean) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  execute format(case when listen_on.listens then 'listen %I' else 'unlisten %I' end, listen_on.channel);
end;
$$;


ALTER FUNCTION app_hidden.listen_on(channel text, listens boolean) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION listen_on(channel text, listens boolean); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.listen_on(channel text, listens boolean) IS 'LISTEN on `channel` (UNLISTEN when `listens` is false), named by a parameter: what the API''s listening connection of the live queue (server/listening-connection.ts) calls, so that pg_stat_activity, which shows its last statement to every session of the authenticator, does not show the secret channel (visit_queue_channel). Grants nothing: any role may LISTEN on any channel.';


--
-- Name: local_time_text(uuid, timestamp with time zone); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.local_time_text(clinic_id uuid, at timestamp with time zone) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  return (select to_char(at at time zone c.timezone, 'YYYY-MM-DD HH24:MI') from app_public.clinic c where c.id = local_time_text.clinic_id);
end;
$$;


ALTER FUNCTION app_hidden.local_time_text(clinic_id uuid, at timestamp with time zone) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION local_time_text(clinic_id uuid, at timestamp with time zone); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.local_time_text(clinic_id uuid, at timestamp with time zone) IS 'A moment on the clinic''s wall clock, as refusals print it (2026-12-02 09:00); business_date gives its date.';


--
-- Name: login(text, text, uuid, inet, text, interval, text[], uuid); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[] DEFAULT NULL::text[], replaced_session_id uuid DEFAULT NULL::uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_phone app_public.e164_phone;
  v_user app_public."user";
  v_secret app_private.user_secret;
  v_password_ok boolean;
  v_reason text;
  v_refusal jsonb;
  v_result jsonb;
  v_busy boolean := false;
  v_throttled boolean;
  v_first_throttled boolean;
  v_device uuid;
  v_address_refused boolean;
  -- refused for the address's attempts in flight: with its failures, they would take it past its 20
  v_address_busy boolean := false;
  v_in_flight integer;
begin
  begin
    v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  exception when sqlstate 'CINPH' then
    v_refusal := jsonb_build_object('code', 'CINPH', 'message', sqlerrm);
    v_reason := 'invalid_phone';
  end;
  if password is null or password = '' then
    v_refusal := jsonb_build_object('code', 'CINVL', 'message', 'A password is required.');
    v_reason := 'no_password';
  elsif char_length(password) > 1024 then
    v_refusal := jsonb_build_object('code', 'CINVL', 'message', 'The password is too long.');
    v_reason := 'password_too_long';
  end if;

  -- every attempt asks the throttle, one refused for its input too: from an address it refuses, that one is still
  -- answered for its input and counted, but audited only as the throttle's first refusal, as any other attempt is
  select t.refused, t.first_refusal into v_throttled, v_first_throttled from app_private.address_throttle(login.ip) t;
  -- but an attempt with a device cookie of the account, judged by its device (read again below, under the account's lock)
  v_address_refused := v_throttled and (v_refusal is not null
    or app_private.trusted_device((select u.id from app_public."user" u where u.phone = v_phone), login.device_secrets) is null);

  if v_refusal is not null then
    null; -- refused for its input: no account is looked at
  elsif v_address_refused then
    v_reason := 'address_throttled';
  else
    -- the account's row, shared, as a clinic switch holds it: a deactivation or a password change
    -- in flight is waited for, and its outcome read (a login read the account as it was before
    -- and opened a session on an account just deactivated); a switch is not
    select * into v_user from app_public."user" u where u.phone = v_phone for share;
    -- Locked until this attempt is counted, so attempts cannot slip past the lockout by coming at
    -- once. One that finds another attempt on the account in flight is refused without checking
    -- its password (not queued: a burst of guesses would hold the API's connections in line).
    -- The phone's lock first, whether or not it has an account: attempts at once on a phone without
    -- one were never in flight, so a burst answered "busy" for registered phones alone.
    v_busy := not pg_try_advisory_xact_lock(app_private.account_lock_key(v_phone));
    if not v_busy then
      begin
        select * into v_secret from app_private.user_secret s where s.user_id = v_user.id for update nowait;
      exception when lock_not_available then
        v_busy := true;
      end;
    end if;
    -- the device as it is once the account's attempts take turns (its failures are counted under that lock): one
    -- deleted meanwhile by its 5th failure leaves the attempt to the address's rule
    if not v_busy then
      v_device := app_private.trusted_device(v_user.id, login.device_secrets);
      v_address_refused := v_throttled and v_device is null;
    end if;
    -- an attempt the address's rule judges is in flight from here until its transaction ends, and counts as a failure
    -- meanwhile: one that finds the address's failures and the attempts in flight before it at 20 is refused without its
    -- password checked (attempts sent at once each read the failures of those before them, none of those in flight, and
    -- a burst had 39 passwords checked where the rule allows 20). The attempts in flight are read first, the failures
    -- then: one that has ended meanwhile is read as a failure, if it was one. One refused is not in flight: its block is
    -- undone, the address's lock with it, before its audit entry is written (it is never counted, and held until its
    -- transaction ended it refused the address's next attempts, right passwords too, once those it was refused for had
    -- ended)
    if not v_busy and v_device is null and not v_address_refused then
      begin
        v_in_flight := app_private.enter_address_attempt(login.ip);
        if (select t.refused from app_private.address_throttle(login.ip, v_in_flight) t) then
          raise exception 'The address''s attempts in flight and failures are at 20.' using errcode = 'CADBY';
        end if;
      exception when sqlstate 'CADBY' then
        v_address_busy := true; -- the lock let go: only attempts whose password is checked are in flight
      end;
    end if;
    -- An unknown phone, or a busy account, still pays for one bcrypt (password_matches of no hash), so timing tells nothing;
    -- an attempt refused for the address's in flight does not (its answer says nothing of the phone)
    if not v_address_busy then
      v_password_ok := app_private.password_matches(password, case when not v_busy then v_secret.password_hash end);
    end if;
    v_reason := case
      when v_address_refused then 'address_throttled'
      when v_busy then 'attempt_in_flight'
      when v_address_busy then 'address_attempts_in_flight'
      when v_user.id is null then 'unknown_phone'
      when not v_password_ok then 'wrong_password'
      -- the lock keeps out guesses, not the person: a device or a network they logged in from lately is let through
      when v_secret.locked_until > now() and v_device is null and not app_private.logged_in_from(v_user.id, login.ip) then 'locked'
      when not v_user.is_active then 'inactive'
    end;
  end if;

  if v_reason is not null then
    -- an attempt refused for another in flight is no guess (its password is not checked): not counted
    -- against the address, so a double click behind one address does not bring it nearer the throttle;
    -- one with a device cookie of the account counts against that device alone; one refused for the address's attempts
    -- in flight is no guess either (those attempts are counted, as they end)
    if v_device is not null then
      perform app_private.count_device_failure(v_device);
    elsif not v_busy and not v_address_busy then
      insert into app_private.login_failure (ip, phone, throttled) values (app_hidden.throttled_network(login.ip), v_phone, v_throttled);
      if v_secret.user_id is not null and not v_address_refused then
        perform app_private.count_password_failure(v_secret.user_id);
      end if;
    end if;
    -- an address the throttle refuses is audited at the first attempt it refuses (its 20 failures
    -- counted), not at those after it while it keeps trying (still counted, so it stays refused): each
    -- wrote an entry, and a client refused at every request grew the platform's chain without end;
    -- an attempt refused for its input (no password, not a phone) from such an address too
    if not v_address_refused or v_first_throttled then
      perform app_private.audit_failed_login(v_phone, login.ip, case when v_address_refused then 'address_throttled' else v_reason end,
        v_user.id, jsonb_build_object('deviceCookie', v_device is not null));
    end if;
    return case when v_busy then jsonb_build_object('status', 'busy')
      when v_address_busy then jsonb_build_object('status', 'address_busy')
      when v_refusal is null then jsonb_build_object('status', 'invalid')
      else jsonb_build_object('status', 'refused', 'error', v_refusal) end;
  end if;

  begin
    v_result := app_private.open_session(v_user.id, login.clinic_id, login.ip, login.user_agent, login.ttl, login.replaced_session_id);
  exception when sqlstate 'CFORB' then
    -- the right password, for a clinic the user is not (or no longer) an active member of: a failed
    -- login, audited in the platform's chain (the clinic's managers are not shown a stranger's phone)
    perform app_private.audit_failed_login(v_phone, login.ip, 'not_a_member', v_user.id,
      jsonb_build_object('clinicId', login.clinic_id, 'deviceCookie', v_device is not null));
    return jsonb_build_object('status', 'not_a_member', 'message', app_private.not_a_member_message(v_user.id, login.clinic_id));
  end;
  -- a login that opened its session (not one refused above) clears the failures and is the last
  update app_private.user_secret s set failed_login_count = 0, first_failed_login_at = null, locked_until = null,
    last_login_at = now() where s.user_id = v_user.id;
  perform app_private.note_login_network(v_user.id, login.ip);
  perform app_private.audit_session_opened('login', v_result, login.ip, jsonb_build_object('deviceCookie', v_device is not null));
  -- the device's cookie, with a new secret (never audited)
  return v_result || jsonb_build_object('status', 'ok', 'deviceSecret', app_private.note_login_device(v_user.id, v_device));
end;
$$;


ALTER FUNCTION app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[], replaced_session_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[], replaced_session_id uuid); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[], replaced_session_id uuid) IS 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session, which ends the account''s live sessions beyond the newest 10, and first replaced_session_id, the session of the cookie the login replaces, when it is the account''s: a session of another account is ended by the server once the login is answered ok, naming the session opened (app_hidden.logout(replaced_by)), which audits it as ended by this login, sessions_ended, not as its person''s logout; a login that fails leaves it), notes the client''s network (note_login_network) and device (note_login_device) and returns it with status "ok" and deviceSecret, the secret of the device''s new cookie. An attempt with the secret of a device cookie of the account (device_secrets, those the browser holds: trusted_device) is judged by that device: the address throttle and the account''s lock do not refuse it, and its failures count against the device alone, the 5th since its last login deleting it (count_device_failure). An account locked by 5 wrong passwords is locked against the right one too, but from a network it logged in from within the last 30 days (logged_in_from) or with its device''s cookie. A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; one made while another attempt on the phone is in flight (an account''s or not) is {"status": "busy"}, its password not checked, and not counted against the client''s address; one that finds the address''s failures and its attempts in flight at 20 (enter_address_attempt, address_throttle''s in_flight) is {"status": "address_busy"}, its password not checked, no longer in flight itself, and not counted; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, naming the sessions of its clinic the cap ended as endedSessions, those of other clinics, or of none, each in its own chain as sessions_ended: audit_session_opened; or login_failed with the reason; each saying whether a device cookie of the account was presented, deviceCookie), but those from an address the throttle refuses, those refused for their input too (still answered for it), audited once (as address_throttled) for as long as the address keeps being refused; every failure but not_a_member, busy, address_busy and those with a device cookie counts against the client''s address. Called by POST /auth/login.';


--
-- Name: logout(uuid); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.logout(replaced_by uuid DEFAULT NULL::uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_session app_private.session;
  v_by uuid;
begin
  -- as a switch: the account's row and its sessions' turn before the session is touched
  perform app_private.hold_account((select s.user_id from app_private.session s where s.id = app_public.current_session_id()));
  update app_private.session s set revoked_at = now()
  where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now()
  returning * into v_session;
  if v_session.id is null then
    return false;
  end if;
  -- the account that logged in over this session, when the session named is the login's that replaced it (noted by
  -- open_session): the caller's word alone does not put another person's name on this session's end
  select b.user_id into v_by from app_private.session b
  where b.id = logout.replaced_by and b.replaced_session_id = v_session.id and b.user_id <> v_session.user_id;
  if v_by is not null then
    -- as a login ends one's own session in another chain: sessions_ended, endedBy login, by whoever logged in
    perform app_private.audit_sessions_ended(null, null, 'user', v_session.user_id, null, false,
      jsonb_build_array(jsonb_build_object('id', v_session.id, 'clinicId', v_session.clinic_id)), 'login', v_by);
  else
    perform app_private.write_audit(v_session.clinic_id, 'logout', 'user', v_session.user_id, null, null,
      jsonb_build_object('sessionId', v_session.id), v_session.user_id);
  end if;
  return true;
end;
$$;


ALTER FUNCTION app_hidden.logout(replaced_by uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION logout(replaced_by uuid); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.logout(replaced_by uuid) IS 'Ends the current session so its token is refused from now on, and audits its end in its clinic''s chain (the platform''s for a session in none): a logout by its person, or, when replaced_by is the session of a login of another account that replaced this one''s cookie (session.replaced_session_id), sessions_ended (endedBy login) by that account. A session already ended (revoked, or expired: its row is kept a day, expire_sessions) is neither ended again nor audited: false. Called by POST /auth/logout, and by POST /auth/login for the colleague''s session its cookie replaced.';


--
-- Name: may_invoice(); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.may_invoice() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  return app_hidden.current_role_in('owner', 'admin', 'cashier')
    or (app_hidden.current_role_in('receptionist')
        and coalesce((select c.receptionists_may_invoice from app_public.clinic c where c.id = app_public.current_clinic_id()), false));
end;
$$;


ALTER FUNCTION app_hidden.may_invoice() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION may_invoice(); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.may_invoice() IS 'True when the current member may create and see invoices: owners, admins, cashiers, and receptionists if the clinic allows it.';


--
-- Name: name_as_meant(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.name_as_meant(name text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $_$
declare
  -- out wherever they are: bidirectional controls, word joiners, byte order marks, soft hyphens, and
  -- the control characters that are not white space (a bell, an escape, a backspace, C1's but NEL)
  v_name text := regexp_replace(name, '[\u202a-\u202e\u2066-\u2069\u2060\ufeff\u00ad\u0001-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f]', '', 'g');
begin
  -- white space of any kind: one space
  -- (a next-line control, NEL, Hangul fillers and the blank Braille pattern among them)
  v_name := regexp_replace(v_name, '[[:space:]\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0085\u115f\u1160\u3164\uffa0\u2800]+', ' ', 'g');
  -- zero-width spaces and joiners next to a space: out
  v_name := regexp_replace(v_name, ' [\u200b-\u200d]+|[\u200b-\u200d]+ ', ' ', 'g');
  v_name := regexp_replace(v_name, ' {2,}', ' ', 'g');
  -- the ends: spaces, zero-width spaces and direction marks; joiners at the start only
  v_name := regexp_replace(v_name, '^[ \u200b-\u200f\u061c]+|[ \u200b\u200e\u200f\u061c]+$', '', 'g');
  if regexp_replace(v_name, '[ \u200b-\u200f\u061c]', '', 'g') = '' then
    v_name := ''; -- nothing visible: a missing name
  end if;
  return case when current_setting('server_encoding') = 'UTF8' then normalize(v_name, nfc) else v_name end;
end;
$_$;


ALTER FUNCTION app_hidden.name_as_meant(name text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION name_as_meant(name text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.name_as_meant(name text) IS 'A person''s name as it is meant: bidirectional controls, word joiners, byte order marks, soft hyphens and control characters out; white space of any kind (Hangul fillers and the blank Braille pattern too) one space, with no zero-width space or joiner next to it; no spaces, zero-width spaces or direction marks at the ends, nor a joiner at the start; nothing visible is an empty name; in Unicode''s composed form (NFC) on a UTF-8 server.';


--
-- Name: name_key(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.name_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select regexp_replace(app_hidden.name_unpunctuated(app_hidden.search_key(app_hidden.name_as_meant(name_key.name))), '[[:space:]]+', '', 'g');
$$;


ALTER FUNCTION app_hidden.name_key(name text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION name_key(name text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.name_key(name text) IS 'A name as the duplicate warning compares it: as meant (name_as_meant), then as search_key compares text, and without white space, hyphens and dashes, apostrophes and dots, so that José Ramírez, JOSE RAMIREZ and jose  ramirez are one, as are Mary-Jane O''Brien, Mary Jane OBrien and MaryJane O’Brien. Immutable, for the index patient_search_dob_names_idx (rebuilt when it changes).';


--
-- Name: name_unpunctuated(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.name_unpunctuated(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select regexp_replace(name_unpunctuated.name, '[.''’‘ʼʾʿ`´′·‐‑‒–—―−-]+', '', 'g');
$$;


ALTER FUNCTION app_hidden.name_unpunctuated(name text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION name_unpunctuated(name text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.name_unpunctuated(name text) IS 'A name (or a word of a search) without the hyphens and dashes, apostrophes (straight, curly, the modifier letter, and the ʾ and ʿ of transliterated Arabic and Hebrew) and dots (the full stop, and the middle dot of Catalan''s l·l, which is also what search_key reads ŀ as) people type in a name or leave out of it: Mary-Jane O''Brien and MaryJane OBrien are MaryJane OBrien, Marcel·la and Marceŀla Marcella, Saʿīd Said. For name_key and the patient search.';


--
-- Name: national_number(text, text[], text[]); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.national_number(calling_code text, typed text[], guessed text[] DEFAULT '{}'::text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $_$
declare
  v_plan jsonb := app_hidden.phone_plan(calling_code);
  v_readings text[] := app_hidden.phone_readings(v_plan, calling_code, typed);
  v_reading text;
begin
  -- the first reading that is one of the plan's numbers (its length and its pattern), the guessed
  -- versions' last ...
  foreach v_reading in array v_readings || app_hidden.phone_readings(v_plan, calling_code, guessed) loop
    if app_hidden.phone_length_allowed(v_plan, calling_code, v_reading) and v_reading ~ ('^(?:' || (v_plan ->> 'pattern') || ')$') then
      return v_reading;
    end if;
  end loop;
  -- ... else the first of the typed versions' of a length the plan allows, where no number starts with 0
  -- if the trunk prefix is 0
  foreach v_reading in array v_readings loop
    if app_hidden.phone_length_allowed(v_plan, calling_code, v_reading) and not coalesce(v_plan ->> 'trunk' like '0%' and v_reading like '0%', false) then
      return v_reading;
    end if;
  end loop;
  return null;
end;
$_$;


ALTER FUNCTION app_hidden.national_number(calling_code text, typed text[], guessed text[]) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION national_number(calling_code text, typed text[], guessed text[]); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.national_number(calling_code text, typed text[], guessed text[]) IS 'The digits of a number of `calling_code` after the code, read as libphonenumber reads them from the digits typed after it or in national form (`typed`: one or more versions of them, in the order preferred; `guessed`: versions taken only if they make one of the plan''s numbers): of their readings (phone_readings), the first that is one of the plan''s numbers, else the first of the typed ones of an allowed length (0712345678 → 712345678 at 255; 84951234567 → 4951234567 at 7; 8001234567 → itself at 375, Belarus''s toll-free numbers beginning with its trunk 8; 0612345678 → itself at 39, which has no trunk prefix; 919876543210 → 9876543210 at 91; 610412345678 → 412345678 at 61); null when none is (the wrong length, or a 0 left after the trunk 0 is dropped).';


--
-- Name: patients_born_named(date, text, text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 2
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- a deleted patient only to owners and admins, by the session's role (as find_patient_duplicates), not by a setting
  return query select n.id from app_private.patients_born_named(patients_born_named.date_of_birth, patients_born_named.last_name,
                                                                patients_born_named.first_name) n(id)
    where exists (select from app_public.patient p
                  where p.clinic_id = app_public.current_clinic_id() and p.id = n.id
                    and (p.deleted_at is null or (select app_hidden.current_role_in('owner', 'admin'))));
end;
$$;


ALTER FUNCTION app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION patients_born_named(date_of_birth date, last_name text, first_name text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) IS 'The ids of the current clinic''s patients born on `date_of_birth` with these names, either way round (app_private.patients_born_named''s probe), that the session may know of: live ones, and deleted ones for owners and admins alone (as findPatientDuplicates lists them), by the session''s role. For patient_matched_by (matchedBy), which the API''s role runs.';


--
-- Name: patients_matching(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.patients_matching(query text) RETURNS TABLE(patient_id uuid, exact_code boolean, last_name text, first_name text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $_$
begin
  -- its raw length first: what follows normalises and splits the whole query, at a cost that grows with it
  if char_length(query) > 1000 then
    raise exception 'A patient search is at most 1000 characters: search by a name, a code or a phone number.' using errcode = 'CINVL';
  end if;
  declare
    v_clinic_id uuid := app_public.current_clinic_id();
    -- in Unicode's compatibility form (NFKC, on a UTF-8 server), as search_key reads it: a code typed with a Japanese or
    -- Chinese input method (ＰＡＴ－１２, ｐａｔ０００００１) is the code typed in ASCII
    v_trimmed text := btrim(case when current_setting('server_encoding') = 'UTF8' then normalize(query, nfkc) else query end);
    -- a code typed without its hyphen is the code
    v_typed text := case when v_trimmed ~ '^[[:alnum:]]{1,8}[0-9]{6}$' and v_trimmed !~ '^[0-9]+$'
      then regexp_replace(v_trimmed, '([0-9]{6})$', '-\1') else v_trimmed end;
    v_key text := app_hidden.search_key(v_typed);
    v_words text[] := array(select distinct w from regexp_split_to_table(v_key, '[[:space:]\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000,]+') w where w <> '');
    -- what a patient's text must contain, all of it: each word on its own when one has 3 characters
    -- (the trigram index then finds them), else the query as typed, of 2 characters at least
    v_patterns text[] := case
      when exists (select from unnest(v_words) w where char_length(w) >= 3)
        then array(select app_hidden.contains_pattern(w) from unnest(v_words) w)
      when char_length(v_key) >= 2 then array[app_hidden.contains_pattern(v_key)]
      else '{}' end;
    -- each of those words without its hyphens, apostrophes and dots (o'brien: obrien), which a name without them in the
    -- patient's text matches instead: null where that is the word (or nothing); the query's short words as typed
    v_unpunctuated text[] := case
      when exists (select from unnest(v_words) w where char_length(w) >= 3)
        then array(select app_hidden.contains_pattern(nullif(nullif(app_hidden.name_unpunctuated(w), w), '')) from unnest(v_words) w)
      else '{}' end;
    -- digits alone (12, 000012): a code's number (PAT-000012), whatever its prefix, without its leading zeros; or null
    v_number text := case when v_trimmed ~ '^[0-9]+$' then ltrim(v_trimmed, '0') end;
    -- a code typed short (pat-12, PAT 12, pat12: a prefix of 1 to 8 letters or digits, then 1 to 6 digits): its prefix
    -- and its digits, or null; digits alone are a code's number, not a short code of a prefix of digits
    v_short text[] := case when v_number is null then regexp_match(v_trimmed, '^([[:alnum:]]{1,8}?)[-[:space:]]*([0-9]{1,6})$') end;
    -- the clinic's patient prefix, read only for a query that may be a code
    -- a code past 999999 typed without its hyphen or short of it (PAT1000000, pat 1000000): each way of reading it as a
    -- prefix of 1 to 8 letters or digits, then 7 digits or more, the first not a 0 (P21000000: P2-1000000 and
    -- P-21000000), or null; beside v_short, which reads its last 6 digits alone (PAT1-000000)
    v_long text[] := case when v_number is null and v_trimmed ~ '[1-9][0-9]{6,17}$' then array(
      select left(v_trimmed, i) || ' ' || m[1] from generate_series(1, 8) i, regexp_match(substr(v_trimmed, i + 1), '^[-[:space:]]*([1-9][0-9]{6,17})$') m
      where m is not null and left(v_trimmed, i) ~ '^[[:alnum:]]+$') end;
    v_prefix text := case when v_short is not null or cardinality(v_long) > 0 then
      (select coalesce(k.code_prefixes ->> 'PAT', 'PAT') from app_public.clinic k where k.id = v_clinic_id) end;
    -- the codes it may be, as codes are written (PAT-000012): with the clinic's patient prefix as the clinic writes it
    -- (pt-000012) when that is the prefix typed, in any case; with the prefix typed, as typed, in upper and in lower
    -- case, when it has a letter in it (a prefix the clinic had before: its patients keep their codes)
    v_codes text[] := array(
      select distinct prefix || '-' || lpad(s.digits, greatest(6, char_length(s.digits)), '0')
      from (select v_short[1], v_short[2] where v_short is not null
            union all select split_part(l, ' ', 1), split_part(l, ' ', 2) from unnest(v_long) l) s (typed, digits),
      unnest(case when lower(s.typed) = lower(v_prefix) then array[v_prefix] end
             || case when s.typed ~ '[[:alpha:]]' then array[s.typed, upper(s.typed), lower(s.typed)] end) prefix);
    v_coded uuid[] := '{}';
    v_id uuid;
    -- null for names and codes: the planner then drops that condition
    v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
  begin
    if char_length(v_typed) between 2 and 100 and (cardinality(v_patterns) > 0 or v_phone_pattern is not null) then
      -- the patients of the code typed short, by the code's own index, or of the number typed alone, by the index of the
      -- codes' numbers, apart from the words' search (an arm of it made a plan read the whole table where the words alone
      -- read the trigram index)
      if cardinality(v_codes) > 0 then
        v_coded := array(select p.id from app_public.patient p where p.clinic_id = v_clinic_id and p.code = any (v_codes));
      elsif v_number <> '' then
        v_coded := array(select s.patient_id from app_private.patient_search s
                         where s.clinic_id = v_clinic_id and app_hidden.code_number(s.code) = v_number and not s.deleted);
      end if;
      foreach v_id in array v_coded loop
        -- a live one: the code's arm reads the patients through their policy, which shows deleted ones inside this
        -- function to a session that turned clinicops.include_deleted on for itself (it runs as the owner role)
        return query select coded.patient_id, true, coded.last_name, coded.first_name from app_private.patient_search coded
          where coded.clinic_id = v_clinic_id and coded.patient_id = v_id and not coded.deleted;
      end loop;
      -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
      -- whatever the size of the others (000034); one condition per pattern, named by its place in $2 (or its
      -- word without its punctuation, in $5); the patients of the code typed short or of the number ($6) listed once, above
      return query execute format(
        'select s.patient_id, lower(s.code) = lower($4), s.last_name, s.first_name from app_private.patient_search s
         where s.clinic_id = $1 and not s.deleted and ((%s) or s.search_text like $3) %s',
        coalesce((select string_agg(case when v_unpunctuated[i] is null then format('s.search_text like $2[%s]', i)
                                         else format('(s.search_text like $2[%1$s] or s.search_text like $5[%1$s])', i) end, ' and ')
                  from generate_subscripts(v_patterns, 1) i), 'false'),
        -- only when a code found a patient: the statement of any other search is the one before 000285
        case when cardinality(v_coded) > 0 then 'and s.patient_id <> all ($6)' else '' end)
        using v_clinic_id, v_patterns, v_phone_pattern, v_typed, v_unpunctuated, v_coded;
    end if;
  end;
end;
$_$;


ALTER FUNCTION app_hidden.patients_matching(query text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION patients_matching(query text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.patients_matching(query text) IS 'The current clinic''s patients whose names, code and phone contain every word of `query`, in any order, when one of its words has 3 characters or more (words split at white space and commas; a word with hyphens, apostrophes or dots in it also without them, name_unpunctuated, as each name also is in the search''s text: obrien finds O''Brien, o.brien OBrien), else `query` as typed (2 characters at least); or whose phone contains it as people type phones, national or international (phone_search_term). A code typed in full-width forms (ＰＡＴ－１２, by a Japanese or Chinese input method) is read as typed in ASCII (NFKC, on a UTF-8 server); a code typed without its hyphen (PAT000002: a prefix of 1 to 8 letters or digits, then 6 digits) is that code, and so is one typed without its leading zeros (pat-12, PAT 12, pat12: the clinic''s patient prefix in any case, or a prefix with a letter in it as typed, in upper or in lower case, such as one the clinic had before, then 1 to 6 digits, is PAT-000012; a code past 999999 typed so, PAT1000000 or pat 1000000, is PAT-1000000, and P21000000 both P2-1000000 and P-21000000), its patient found by the code''s own index apart from the words'' search. Digits alone (12, 000012, 0000012) are a code''s number: the patients whose code has that number, whatever its prefix (PAT-000012, or 2026-000012 under a prefix of digits), without their leading zeros (code_number), found by the index of the codes'' numbers apart from the words'' search, come first like an exact code; digits are never a short code of a prefix of digits (typed with its hyphen: 1-12). `query` is 2 to 100 characters (once trimmed and in NFKC; one of more than 1000 characters as typed is refused, INVALID_INPUT, before any of it is read); any case, accents aside (search_key); live patients only, for every role, whatever settings the session turned on (patient_search.deleted, for the code typed short too): search_patients lists no deleted patient to anyone, and their ids and names are not the API role''s to read. With what search_patients orders them by: whether the code is `query` (or the code typed short, or has the number typed alone) exactly, in any case (true or false, never null), then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';


--
-- Name: phone_as_registered(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.phone_as_registered(phone text) RETURNS app_public.e164_phone
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- its raw length first: normalize_phone reads the whole of it
  if char_length(phone_as_registered.phone) > 1000 then
    raise exception 'A name or phone checked for duplicates is at most 1000 characters.' using errcode = 'CINVL';
  end if;
  if nullif(btrim(phone_as_registered.phone), '') is null then
    return null;
  end if;
  return app_public.normalize_phone(phone_as_registered.phone, app_hidden.calling_code_for(app_public.current_clinic_id()));
exception when sqlstate 'CINPH' then
  return null; -- not a phone number (yet): no saved patient has it
end;
$$;


ALTER FUNCTION app_hidden.phone_as_registered(phone text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION phone_as_registered(phone text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.phone_as_registered(phone text) IS 'A phone as registration in the current clinic reads it, or null when it is blank or not (yet) a phone number (half-typed, say), which no saved patient has; one of more than 1000 characters as typed is refused, INVALID_INPUT, before it is read. For the duplicate warning: app_private.patient_duplicates and patient_matched_by.';


--
-- Name: phone_is_valid(app_public.e164_phone); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.phone_is_valid(phone app_public.e164_phone) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $_$
declare
  v_code text := app_hidden.country_calling_code(phone);
begin
  return coalesce(substr(phone, 2 + length(v_code)) ~ ('^(?:' || (app_hidden.phone_plan(v_code) ->> 'pattern') || ')$'), false);
end;
$_$;


ALTER FUNCTION app_hidden.phone_is_valid(phone app_public.e164_phone) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION phone_is_valid(phone app_public.e164_phone); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.phone_is_valid(phone app_public.e164_phone) IS 'Whether a phone in E.164 form is one of its country''s numbers by its plan''s pattern (libphonenumber''s isValid), not only of a length the plan allows.';


--
-- Name: phone_length_allowed(jsonb, text, text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.phone_length_allowed(plan jsonb, calling_code text, digits text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select plan -> 'lengths' @> to_jsonb(length(digits)) and length(calling_code) + length(digits) between 7 and 15;
$$;


ALTER FUNCTION app_hidden.phone_length_allowed(plan jsonb, calling_code text, digits text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION phone_length_allowed(plan jsonb, calling_code text, digits text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.phone_length_allowed(plan jsonb, calling_code text, digits text) IS 'Whether `digits`, a reading of a number after its code, have a length the `plan` of `calling_code` allows, and 7 to 15 digits with the code.';


--
-- Name: phone_plan(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.phone_plan(calling_code text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  -- libphonenumber-js 1.13.16, metadata.min.json: for each calling code, the possible national lengths
  -- and the national number patterns of the countries sharing it, and its main country's national
  -- prefix ("trunk") and prefix for parsing ("strip", where libphonenumber has no transform rule for it);
  -- tests/db/phone-plans.test.ts compares them. ClinicOps keeps +1 and +7 to their 10-digit numbers (000066).
  select '{
    "1": {"lengths": [10], "trunk": "1", "strip": "1", "pattern": "(?:[2-9]\\d{9}|3\\d{6})|(?:(?:268|[58]\\d\\d|900)\\d{7})|(?:(?:264|[58]\\d\\d|900)\\d{7})|(?:(?:[58]\\d\\d|684|900)\\d{7})|(?:(?:246|[58]\\d\\d|900)\\d{7})|(?:(?:441|[58]\\d\\d|900)\\d{7})|(?:(?:242|[58]\\d\\d|900)\\d{7})|(?:(?:[58]\\d\\d|767|900)\\d{7})|(?:(?:[58]\\d\\d|900)\\d{7})|(?:(?:473|[58]\\d\\d|900)\\d{7})|(?:(?:[58]\\d\\d|671|900)\\d{7})|(?:(?:[58]\\d\\d|658|900)\\d{7})|(?:(?:345|[58]\\d\\d|900)\\d{7})|(?:(?:[58]\\d\\d|758|900)\\d{7})|(?:[58]\\d{9}|(?:67|90)0\\d{7})|(?:(?:[58]\\d\\d|664|900)\\d{7})|(?:(?:[589]\\d\\d|787)\\d{7})|(?:7215\\d{6}|(?:[58]\\d\\d|900)\\d{7})|(?:(?:[58]\\d\\d|649|900)\\d{7})|(?:(?:[58]\\d\\d|784|900)\\d{7})|(?:(?:284|[58]\\d\\d|900)\\d{7})|(?:[58]\\d{9}|(?:34|90)0\\d{7})"},
    "7": {"lengths": [10], "trunk": "8", "strip": "8", "pattern": "(?:8\\d{13}|[347-9]\\d{9})|(?:8\\d{13}|[78]\\d{9})"},
    "20": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[189]\\d{8,9}|[24-6]\\d{8}|[135]\\d{7}"},
    "27": {"lengths": [5, 6, 7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[1-79]\\d{8}|8\\d{4,9}"},
    "30": {"lengths": [10, 11, 12], "pattern": "5005000\\d{3}|8\\d{9,11}|(?:[269]\\d|70)\\d{8}"},
    "31": {"lengths": [5, 6, 7, 8, 9, 10, 11], "trunk": "0", "strip": "0", "pattern": "(?:[124-7]\\d\\d|3(?:[02-9]\\d|1[0-8]))\\d{6}|8\\d{6,9}|9\\d{6,10}|1\\d{4,5}"},
    "32": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "4\\d{8}|[1-9]\\d{7}"},
    "33": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[1-9]\\d{8}"},
    "34": {"lengths": [9], "pattern": "400\\d{6}|(?:51|[6-9]\\d)\\d{7}"},
    "36": {"lengths": [8, 9], "trunk": "06", "strip": "06", "pattern": "[235-7]\\d{8}|[1-9]\\d{7}"},
    "39": {"lengths": [6, 7, 8, 9, 10, 11, 12], "pattern": "(?:0\\d{5,11}|1\\d{8,10}|3(?:[0-8]\\d{7,10}|9\\d{7,8})|(?:43|55|70)\\d{8}|8\\d{5}(?:\\d{2,4})?)|(?:0\\d{5,10}|3[0-8]\\d{7,10}|55\\d{8}|8\\d{5}(?:\\d{2,4})?|(?:1\\d|39)\\d{7,8})"},
    "40": {"lengths": [6, 9], "trunk": "0", "strip": "0", "pattern": "(?:[2378]\\d|90)\\d{7}|[23]\\d{5}"},
    "41": {"lengths": [9, 12], "trunk": "0", "strip": "0", "pattern": "8\\d{11}|[2-9]\\d{8}"},
    "43": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11, 12, 13], "trunk": "0", "strip": "0", "pattern": "1\\d{3,12}|2\\d{6,12}|43(?:(?:0\\d|5[02-9])\\d{3,9}|2\\d{4,5}|[3467]\\d{4}|8\\d{4,6}|9\\d{4,7})|5\\d{4,12}|8\\d{7,12}|9\\d{8,12}|(?:[367]\\d|4[0-24-9])\\d{4,11}"},
    "44": {"lengths": [7, 9, 10], "trunk": "0", "strip": "0|180020", "pattern": "(?:[1-357-9]\\d{9}|[18]\\d{8}|8\\d{6})|(?:(?:1481|[357-9]\\d{3})\\d{6}|8\\d{6}(?:\\d{2})?)|(?:1624\\d{6}|(?:[3578]\\d|90)\\d{8})|(?:1534\\d{6}|(?:[3578]\\d|90)\\d{8})"},
    "45": {"lengths": [8], "pattern": "[2-9]\\d{7}"},
    "46": {"lengths": [6, 7, 8, 9, 10, 12], "trunk": "0", "strip": "0", "pattern": "(?:[26]\\d\\d|9)\\d{9}|[1-9]\\d{8}|[1-689]\\d{7}|[1-4689]\\d{6}|2\\d{5}"},
    "47": {"lengths": [5, 8], "pattern": "(?:(?:0|[2-9]\\d{3})\\d{4})|(?:0\\d{4}|(?:[489]\\d|79)\\d{6})"},
    "48": {"lengths": [6, 7, 8, 9, 10], "pattern": "(?:6|8\\d\\d)\\d{7}|[1-9]\\d{6}(?:\\d{2})?|[26]\\d{5}"},
    "49": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], "trunk": "0", "strip": "0", "pattern": "[2579]\\d{5,14}|49(?:[34]0|69|8\\d)\\d\\d?|49(?:37|49|60|7[089]|9\\d)\\d{1,3}|49(?:2[024-9]|3[2-689]|7[1-7])\\d{1,8}|(?:1|[368]\\d|4[0-8])\\d{3,13}|49(?:[015]\\d|2[13]|31|[46][1-8])\\d{1,9}"},
    "51": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:[14-8]|9\\d)\\d{7}"},
    "52": {"lengths": [10], "pattern": "[2-9]\\d{9}"},
    "53": {"lengths": [6, 7, 8, 10], "trunk": "0", "strip": "0", "pattern": "(?:[2-7]|8\\d\\d)\\d{7}|[2-47]\\d{6}|[34]\\d{5}"},
    "54": {"lengths": [10, 11], "trunk": "0", "strip": "0", "pattern": "(?:11|[89]\\d\\d)\\d{8}|[2368]\\d{9}"},
    "55": {"lengths": [8, 9, 10, 11], "trunk": "0", "strip": "0", "pattern": "[1-467]\\d{9,10}|55[0-46-9]\\d{8}|[34]\\d{7}|55\\d{7,8}|(?:5[0-46-9]|[89]\\d)\\d{7,9}"},
    "56": {"lengths": [9, 10, 11], "pattern": "12300\\d{6}|6\\d{9,10}|[2-9]\\d{8}"},
    "57": {"lengths": [8, 10, 11], "trunk": "0", "strip": "0([3579]|4(?:[14]4|56))?", "pattern": "(?:46|60\\d\\d)\\d{6}|(?:1\\d|[39])\\d{9}"},
    "58": {"lengths": [10], "trunk": "0", "strip": "0", "pattern": "[68]00\\d{7}|(?:[24]\\d|[59]0)\\d{8}"},
    "60": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "1\\d{8,9}|(?:3\\d|[4-9])\\d{7}"},
    "61": {"lengths": [5, 6, 7, 8, 9, 10, 12], "trunk": "0", "strip": "(183[12])|0", "pattern": "(?:1(?:[0-79]\\d{7}(?:\\d(?:\\d{2})?)?|8[0-24-9]\\d{7})|[2-478]\\d{8}|1\\d{4,7})|(?:1(?:[0-79]\\d{8}(?:\\d{2})?|8[0-24-9]\\d{7})|[148]\\d{8}|1\\d{5,7})"},
    "62": {"lengths": [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17], "trunk": "0", "strip": "0", "pattern": "00[1-9]\\d{9,14}|(?:[1-36]|8\\d{5})\\d{6}|00\\d{9}|[1-9]\\d{8,10}|[2-9]\\d{7}"},
    "63": {"lengths": [6, 8, 9, 10, 11, 12, 13], "trunk": "0", "strip": "0", "pattern": "(?:[2-7]|9\\d)\\d{8}|2\\d{5}|(?:1800|8)\\d{7,9}"},
    "64": {"lengths": [5, 6, 7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[1289]\\d{9}|50\\d{5}(?:\\d{2,3})?|[27-9]\\d{7,8}|(?:[34]\\d|6[0-35-9])\\d{6}|8\\d{4,6}"},
    "65": {"lengths": [8, 10, 11], "pattern": "(?:(?:1\\d|8)\\d\\d|7000)\\d{7}|[3689]\\d{7}"},
    "66": {"lengths": [8, 9, 10, 13], "trunk": "0", "strip": "0", "pattern": "(?:001800|[2-57]|[689]\\d)\\d{7}|1\\d{7,9}"},
    "81": {"lengths": [8, 9, 10, 11, 12, 13, 14, 15, 16, 17], "trunk": "0", "strip": "0", "pattern": "00[1-9]\\d{6,14}|[25-9]\\d{9}|(?:00|[1-9]\\d\\d)\\d{6}"},
    "82": {"lengths": [5, 6, 8, 9, 10, 11, 12, 13, 14], "trunk": "0", "strip": "0(8(?:[1-46-8]|5\\d\\d))?", "pattern": "00[1-9]\\d{8,11}|(?:[12]|5\\d{3})\\d{7}|[13-6]\\d{9}|(?:[1-6]\\d|80)\\d{7}|[3-6]\\d{4,5}|(?:00|7)0\\d{8}"},
    "84": {"lengths": [7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[12]\\d{9}|[135-9]\\d{8}|[16]\\d{6,7}|7\\d{6}"},
    "86": {"lengths": [7, 8, 9, 10, 11, 12], "trunk": "0", "strip": "(1(?:[12]\\d|79)\\d\\d)|0", "pattern": "(?:(?:1[03-689]|2\\d)\\d\\d|6)\\d{8}|1\\d{10}|[126]\\d{6}(?:\\d(?:\\d{2})?)?|86\\d{5,6}|(?:[3-579]\\d|8[0-57-9])\\d{5,9}"},
    "90": {"lengths": [7, 10, 12, 13], "trunk": "0", "strip": "0", "pattern": "4\\d{6}|8\\d{11,12}|(?:[2-58]\\d\\d|900)\\d{7}"},
    "91": {"lengths": [8, 9, 10, 11, 12, 13], "trunk": "0", "strip": "0", "pattern": "(?:000800|[2-9]\\d\\d)\\d{7}|1\\d{7,12}"},
    "92": {"lengths": [8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "122\\d{6}|[24-8]\\d{10,11}|9(?:[013-9]\\d{8,10}|2(?:[01]\\d\\d|2(?:[06-8]\\d|1[01]))\\d{7})|(?:[2-8]\\d{3}|92(?:[0-7]\\d|8[1-9]))\\d{6}|[24-9]\\d{8}|[89]\\d{7}"},
    "93": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[2-7]\\d{8}"},
    "94": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[1-9]\\d{8}"},
    "95": {"lengths": [6, 7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "1\\d{5,7}|95\\d{6}|(?:[4-7]|9[0-46-9])\\d{6,8}|(?:2|8\\d)\\d{5,8}"},
    "98": {"lengths": [4, 5, 6, 7, 10], "trunk": "0", "strip": "0", "pattern": "[1-9]\\d{9}|(?:[1-8]\\d\\d|9)\\d{3,4}"},
    "211": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[19]\\d{8}"},
    "212": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[5-8]\\d{8}"},
    "213": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:[1-4]|[5-79]\\d|80)\\d{7}"},
    "216": {"lengths": [8], "pattern": "[2-57-9]\\d{7}"},
    "218": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[2-9]\\d{8}"},
    "220": {"lengths": [7, 9], "pattern": "[48]\\d{8}|[2-9]\\d{6}"},
    "221": {"lengths": [9], "pattern": "(?:[378]\\d|93)\\d{7}"},
    "222": {"lengths": [8], "pattern": "(?:[2-4]\\d\\d|800)\\d{5}"},
    "223": {"lengths": [8], "pattern": "[24-9]\\d{7}"},
    "224": {"lengths": [8, 9], "pattern": "722\\d{6}|(?:3|6\\d)\\d{7}"},
    "225": {"lengths": [10], "pattern": "[02]\\d{9}"},
    "226": {"lengths": [8], "pattern": "[024-7]\\d{7}"},
    "227": {"lengths": [8], "pattern": "[027-9]\\d{7}"},
    "228": {"lengths": [8], "pattern": "[279]\\d{7}"},
    "229": {"lengths": [10], "pattern": "01\\d{8}"},
    "230": {"lengths": [7, 8, 10], "pattern": "(?:[57]|8\\d\\d)\\d{7}|[2-468]\\d{6}"},
    "231": {"lengths": [7, 8, 9], "trunk": "0", "strip": "0", "pattern": "(?:[2457]\\d|33|88)\\d{7}|(?:2\\d|[4-6])\\d{6}"},
    "232": {"lengths": [8], "trunk": "0", "strip": "0", "pattern": "(?:[237-9]\\d|66)\\d{6}"},
    "233": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "[235]\\d{8}|800\\d{5,6}"},
    "234": {"lengths": [10, 11, 12, 13, 14], "trunk": "0", "strip": "0", "pattern": "(?:20|9\\d)\\d{8}|[78]\\d{9,13}"},
    "235": {"lengths": [8], "pattern": "(?:22|[3689]\\d|77)\\d{6}"},
    "236": {"lengths": [8], "pattern": "8776\\d{4}|(?:[27]\\d|61)\\d{6}"},
    "237": {"lengths": [8, 9], "pattern": "[26]\\d{8}|88\\d{6,7}"},
    "238": {"lengths": [7], "pattern": "(?:[2-59]\\d\\d|800)\\d{4}"},
    "239": {"lengths": [7], "pattern": "(?:22|9\\d)\\d{5}"},
    "240": {"lengths": [9], "pattern": "222\\d{6}|(?:3\\d|55|[89]0)\\d{7}"},
    "241": {"lengths": [7, 8], "pattern": "(?:[067]\\d|11)\\d{6}|[2-7]\\d{6}"},
    "242": {"lengths": [9], "pattern": "222\\d{6}|(?:0\\d|80)\\d{7}"},
    "243": {"lengths": [7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "(?:(?:[189]|5\\d)\\d|2)\\d{7}|[1-68]\\d{6}"},
    "244": {"lengths": [9], "pattern": "[29]\\d{8}"},
    "245": {"lengths": [7, 9], "pattern": "[49]\\d{8}|4\\d{6}"},
    "246": {"lengths": [7], "pattern": "3\\d{6}"},
    "247": {"lengths": [5, 6], "pattern": "(?:[01589]\\d|[2-467])\\d{4}"},
    "248": {"lengths": [7], "pattern": "(?:[2489]\\d|64)\\d{5}"},
    "249": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[19]\\d{8}"},
    "250": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:06|[27]\\d\\d|[89]00)\\d{6}"},
    "251": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "(?:11|[2-57-9]\\d)\\d{7}"},
    "252": {"lengths": [6, 7, 8, 9], "trunk": "0", "strip": "0", "pattern": "[346-9]\\d{8}|[12679]\\d{7}|[1-5]\\d{6}|[1348]\\d{5}"},
    "253": {"lengths": [8], "pattern": "(?:2\\d|77)\\d{6}"},
    "254": {"lengths": [7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "(?:[17]\\d\\d|900)\\d{6}|(?:2|80)0\\d{6,7}|[4-6]\\d{6,8}"},
    "255": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "(?:[25-8]\\d|41|90)\\d{7}"},
    "256": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "800\\d{6}|(?:[29]0|[347]\\d)\\d{7}"},
    "257": {"lengths": [8], "pattern": "(?:[267]\\d|31)\\d{6}"},
    "258": {"lengths": [8, 9], "pattern": "(?:2|8\\d)\\d{7}"},
    "260": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "800\\d{6}|(?:21|[579]\\d|63)\\d{7}"},
    "261": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "[23]\\d{8}"},
    "262": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "(?:709\\d{6}|(?:26|[689]\\d)\\d{7})|(?:(?:639\\d|7093)\\d{5}|(?:26|80|9\\d)\\d{7})"},
    "263": {"lengths": [7, 9, 10], "trunk": "0", "strip": "0", "pattern": "8\\d{6}(?:\\d{3})?|[235-8]\\d{8}"},
    "264": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "[68]\\d{7,8}"},
    "265": {"lengths": [7, 9], "trunk": "0", "strip": "0", "pattern": "(?:[1289]\\d|31|77)\\d{7}|1\\d{6}"},
    "266": {"lengths": [8], "pattern": "(?:[256]\\d\\d|800)\\d{5}"},
    "267": {"lengths": [7, 8, 10], "pattern": "90\\d{5}|(?:0800|[2-6]|(?:7|800)\\d)\\d{6}"},
    "268": {"lengths": [8, 9], "pattern": "0800\\d{4}|(?:[237]\\d|900)\\d{6}"},
    "269": {"lengths": [7], "pattern": "[3478]\\d{6}"},
    "290": {"lengths": [4, 5], "pattern": "(?:(?:[2569]\\d|8)\\d{3})|(?:8\\d{3})"},
    "291": {"lengths": [7], "trunk": "0", "strip": "0", "pattern": "[178]\\d{6}"},
    "297": {"lengths": [7], "pattern": "(?:[25-79]\\d\\d|800)\\d{4}"},
    "298": {"lengths": [6], "strip": "(10(?:01|[12]0|88))", "pattern": "[2-9]\\d{5}"},
    "299": {"lengths": [6], "pattern": "(?:19|[2-689]\\d|70)\\d{4}"},
    "350": {"lengths": [8], "pattern": "(?:[25]\\d|60)\\d{6}"},
    "351": {"lengths": [9], "pattern": "1693\\d{5}|(?:[26-9]\\d|30)\\d{7}"},
    "352": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11], "strip": "(15(?:0[06]|1[12]|[35]5|4[04]|6[26]|77|88|99)\\d)", "pattern": "35[013-9]\\d{4,8}|6\\d{8}|35\\d{2,4}|(?:[2457-9]\\d|3[0-46-9])\\d{2,9}"},
    "353": {"lengths": [7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "(?:1\\d|[2569])\\d{6,8}|4\\d{6,9}|7\\d{8}|8\\d{8,9}"},
    "354": {"lengths": [7, 9], "pattern": "(?:38\\d|[4-9])\\d{6}"},
    "355": {"lengths": [6, 7, 8, 9], "trunk": "0", "strip": "0", "pattern": "(?:700\\d\\d|900)\\d{3}|8\\d{5,7}|(?:[2-5]|6\\d)\\d{7}"},
    "356": {"lengths": [8], "pattern": "3550\\d{4}|(?:[2579]\\d\\d|800)\\d{5}"},
    "357": {"lengths": [8], "pattern": "(?:[279]\\d|[58]0)\\d{6}"},
    "358": {"lengths": [5, 6, 7, 8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "(?:[1-35689]\\d{4}|7\\d{10,11}|(?:[124-7]\\d|3[0-46-9])\\d{8}|[1-9]\\d{5,8})|(?:2\\d{4,9}|35\\d{4,5}|(?:60\\d\\d|800)\\d{4,6}|7\\d{5,11}|(?:[14]\\d|3[0-46-9]|50)\\d{4,8})"},
    "359": {"lengths": [6, 7, 8, 9, 12], "trunk": "0", "strip": "0", "pattern": "00800\\d{7}|[2-7]\\d{6,7}|[89]\\d{6,8}|2\\d{5}"},
    "370": {"lengths": [8], "trunk": "0", "strip": "[08]", "pattern": "(?:[3469]\\d|52|[78]0)\\d{6}"},
    "371": {"lengths": [8], "pattern": "(?:[268]\\d|78|90)\\d{6}"},
    "372": {"lengths": [7, 8, 10], "pattern": "8\\d{9}|[4578]\\d{7}|(?:[3-8]\\d|90)\\d{5}"},
    "373": {"lengths": [8], "trunk": "0", "strip": "0", "pattern": "(?:[235-7]\\d|[89]0)\\d{6}"},
    "374": {"lengths": [8], "trunk": "0", "strip": "0", "pattern": "(?:[1-489]\\d|55|60|77)\\d{6}"},
    "375": {"lengths": [6, 7, 8, 9, 10, 11], "trunk": "8", "strip": "0|80?", "pattern": "(?:[12]\\d|33|44|902)\\d{7}|8(?:0[0-79]\\d{5,7}|[1-7]\\d{9})|8(?:1[0-489]|[5-79]\\d)\\d{7}|8[1-79]\\d{6,7}|8[0-79]\\d{5}|8\\d{5}"},
    "376": {"lengths": [6, 8, 9], "pattern": "(?:1|6\\d)\\d{7}|[135-9]\\d{5}"},
    "377": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:[3489]|[67]\\d)\\d{7}"},
    "378": {"lengths": [8, 10], "pattern": "(?:0549|[5-7]\\d)\\d{6}"},
    "380": {"lengths": [9, 10], "trunk": "0", "strip": "0", "pattern": "[89]\\d{9}|[3-9]\\d{8}"},
    "381": {"lengths": [6, 7, 8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "38[02-9]\\d{6,9}|6\\d{7,9}|90\\d{4,8}|38\\d{5,6}|(?:7\\d\\d|800)\\d{3,9}|(?:[12]\\d|3[0-79])\\d{5,10}"},
    "382": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:20|[3-79]\\d)\\d{6}|80\\d{6,7}"},
    "383": {"lengths": [8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "2\\d{7,8}|3\\d{7,11}|(?:4\\d\\d|[89]00)\\d{5}"},
    "385": {"lengths": [7, 8, 9], "trunk": "0", "strip": "0", "pattern": "[2-69]\\d{8}|80\\d{5,7}|[1-79]\\d{7}|6\\d{6}"},
    "386": {"lengths": [5, 6, 7, 8], "trunk": "0", "strip": "0", "pattern": "[1-7]\\d{7}|8\\d{4,7}|90\\d{4,6}"},
    "387": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "6\\d{8}|(?:[35689]\\d|49|70)\\d{6}"},
    "389": {"lengths": [8], "trunk": "0", "strip": "0", "pattern": "[2-578]\\d{7}"},
    "420": {"lengths": [9, 10, 11, 12], "pattern": "(?:[2-578]\\d|60)\\d{7}|9\\d{8,11}"},
    "421": {"lengths": [6, 7, 9], "trunk": "0", "strip": "0", "pattern": "[2-689]\\d{8}|[2-59]\\d{6}|[2-5]\\d{5}"},
    "423": {"lengths": [7, 9], "trunk": "0", "strip": "(1001)|0", "pattern": "[68]\\d{8}|(?:[2378]\\d|90)\\d{5}"},
    "500": {"lengths": [5], "pattern": "[2-7]\\d{4}"},
    "501": {"lengths": [7, 11], "pattern": "(?:0800\\d|[2-8])\\d{6}"},
    "502": {"lengths": [8, 11], "pattern": "80\\d{6}|(?:1\\d{3}|[2-7])\\d{7}"},
    "503": {"lengths": [7, 8, 11], "pattern": "[25-7]\\d{7}|(?:80\\d|900)\\d{4}(?:\\d{4})?"},
    "504": {"lengths": [8, 11], "pattern": "8\\d{10}|[237-9]\\d{7}"},
    "505": {"lengths": [8], "pattern": "(?:1800|[25-8]\\d{3})\\d{4}"},
    "506": {"lengths": [8, 10], "strip": "(19(?:0[0-2468]|1[09]|20|66|77|99))", "pattern": "(?:8\\d|90)\\d{8}|(?:[24-8]\\d{3}|3005)\\d{4}"},
    "507": {"lengths": [7, 8, 10, 11], "pattern": "(?:00800|8\\d{3})\\d{6}|[68]\\d{7}|[1-57-9]\\d{6}"},
    "508": {"lengths": [6, 9], "trunk": "0", "strip": "0", "pattern": "[78]\\d{8}|[2-9]\\d{5}"},
    "509": {"lengths": [8], "pattern": "[2-589]\\d{7}"},
    "590": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "7090\\d{5}|(?:[56]9|[89]\\d)\\d{7}"},
    "591": {"lengths": [8, 9], "trunk": "0", "strip": "0(1\\d)?", "pattern": "(?:[2-7]\\d\\d|8001)\\d{5}"},
    "592": {"lengths": [7], "pattern": "(?:[2-8]\\d{3}|9008)\\d{3}"},
    "593": {"lengths": [8, 9, 10, 11], "trunk": "0", "strip": "0", "pattern": "1\\d{9,10}|(?:[2-7]|9\\d)\\d{7}"},
    "594": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "(?:694\\d|7093)\\d{5}|(?:59|[89]\\d)\\d{7}"},
    "595": {"lengths": [6, 7, 8, 9, 10, 11], "trunk": "0", "strip": "0", "pattern": "[36-8]\\d{5,8}|4\\d{6,8}|59\\d{6}|9\\d{5,10}|(?:2\\d|5[0-8])\\d{6,7}"},
    "596": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "7091\\d{5}|(?:[56]9|[89]\\d)\\d{7}"},
    "597": {"lengths": [6, 7], "pattern": "(?:[2-5]|[6-9]\\d)\\d{5}"},
    "598": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11, 12, 13], "trunk": "0", "strip": "0", "pattern": "0004\\d{2,9}|[1249]\\d{7}|2\\d{3,4}|(?:[49]\\d|80)\\d{5}"},
    "599": {"lengths": [7, 8], "pattern": "(?:(?:[34]1|60|(?:7|9\\d)\\d)\\d{5})|(?:(?:[34]1|7\\d)\\d{5})"},
    "670": {"lengths": [7, 8], "pattern": "7\\d{7}|(?:[2-47]\\d|[89]0)\\d{5}"},
    "672": {"lengths": [6], "pattern": "[13]\\d{5}"},
    "673": {"lengths": [7], "pattern": "[2-578]\\d{6}"},
    "674": {"lengths": [7], "pattern": "(?:222|444|(?:55|8\\d)\\d|666|777|999)\\d{4}"},
    "675": {"lengths": [7, 8], "pattern": "(?:180|[78]\\d{3})\\d{4}|(?:[2-589]\\d|64)\\d{5}"},
    "676": {"lengths": [5, 7], "pattern": "(?:0800|(?:[5-8]\\d\\d|999)\\d)\\d{3}|[2-8]\\d{4}"},
    "677": {"lengths": [5, 7], "pattern": "[6-9]\\d{6}|[1-6]\\d{4}"},
    "678": {"lengths": [5, 7], "pattern": "[57-9]\\d{6}|(?:[238]\\d|48)\\d{3}"},
    "679": {"lengths": [7, 11], "pattern": "45\\d{5}|(?:0800\\d|[235-9])\\d{6}"},
    "680": {"lengths": [7], "pattern": "(?:[24-8]\\d\\d|345|900)\\d{4}"},
    "681": {"lengths": [6, 9], "pattern": "(?:40|72|8\\d{4})\\d{4}|[89]\\d{5}"},
    "682": {"lengths": [5], "pattern": "[2-578]\\d{4}"},
    "683": {"lengths": [4, 7], "pattern": "(?:[4-7]|888\\d)\\d{3}"},
    "685": {"lengths": [5, 6, 7, 10], "pattern": "(?:[2-6]|8\\d{5})\\d{4}|[78]\\d{6}|[68]\\d{5}"},
    "686": {"lengths": [5, 8], "trunk": "0", "strip": "0", "pattern": "(?:[37]\\d|6[0-79])\\d{6}|(?:[2-48]\\d|50)\\d{3}"},
    "687": {"lengths": [6], "pattern": "(?:050|[2-57-9]\\d\\d)\\d{3}"},
    "688": {"lengths": [5, 6, 7], "pattern": "(?:2|7\\d\\d|90)\\d{4}"},
    "689": {"lengths": [6, 8, 9], "pattern": "4\\d{5}(?:\\d{2})?|8\\d{7,8}"},
    "690": {"lengths": [4, 5, 6, 7], "pattern": "[2-47]\\d{3,6}"},
    "691": {"lengths": [7], "pattern": "(?:[39]\\d\\d|820)\\d{4}"},
    "692": {"lengths": [7], "trunk": "1", "strip": "1", "pattern": "329\\d{4}|(?:[256]\\d|45)\\d{5}"},
    "800": {"lengths": [8], "pattern": "(?:00|[1-9]\\d)\\d{6}", "worldwide": true},
    "808": {"lengths": [8], "pattern": "[1-9]\\d{7}", "worldwide": true},
    "850": {"lengths": [8, 10], "trunk": "0", "strip": "0", "pattern": "85\\d{6}|(?:19\\d|[2-7])\\d{7}"},
    "852": {"lengths": [5, 6, 7, 8, 9, 11], "pattern": "8[0-46-9]\\d{6,7}|9\\d{4,7}|(?:[2-7]|9\\d{3})\\d{7}"},
    "853": {"lengths": [7, 8], "pattern": "0800\\d{3}|(?:28|[68]\\d)\\d{6}"},
    "855": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "1\\d{9}|[1-9]\\d{7,8}"},
    "856": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "(?:2\\d|3)\\d{8}|(?:[235-8]\\d|41)\\d{6}"},
    "870": {"lengths": [9, 12], "pattern": "7\\d{11}|[235-7]\\d{8}", "worldwide": true},
    "878": {"lengths": [12], "pattern": "10\\d{10}", "worldwide": true},
    "880": {"lengths": [6, 7, 8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[1-469]\\d{9}|8[0-79]\\d{7,8}|[2-79]\\d{8}|[2-9]\\d{7}|[3-9]\\d{6}|[57-9]\\d{5}"},
    "881": {"lengths": [9, 10], "pattern": "6\\d{9}|[0-36-9]\\d{8}", "worldwide": true},
    "882": {"lengths": [7, 8, 9, 10, 11, 12], "pattern": "[13]\\d{6}(?:\\d{2,5})?|[19]\\d{7}|(?:[25]\\d\\d|4)\\d{7}(?:\\d{2})?", "worldwide": true},
    "883": {"lengths": [8, 9, 10, 11, 12], "pattern": "(?:[1-4]\\d|51)\\d{6,10}", "worldwide": true},
    "886": {"lengths": [7, 8, 9, 10, 11], "trunk": "0", "strip": "0", "pattern": "[2-689]\\d{8}|7\\d{9,10}|[2-8]\\d{7}|2\\d{6}"},
    "888": {"lengths": [11], "pattern": "\\d{11}", "worldwide": true},
    "960": {"lengths": [7, 10], "pattern": "(?:800|9[0-57-9]\\d)\\d{7}|[34679]\\d{6}"},
    "961": {"lengths": [7, 8], "trunk": "0", "strip": "0", "pattern": "[27-9]\\d{7}|[13-9]\\d{6}"},
    "962": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "(?:(?:[2689]|7\\d)\\d|32|427|53)\\d{6}"},
    "963": {"lengths": [8, 9], "trunk": "0", "strip": "0", "pattern": "[1-359]\\d{8}|[1-5]\\d{7}"},
    "964": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "(?:1|7\\d\\d)\\d{7}|[2-6]\\d{7,8}"},
    "965": {"lengths": [7, 8], "pattern": "18\\d{5}|(?:[2569]\\d|41)\\d{6}"},
    "966": {"lengths": [9, 10], "trunk": "0", "strip": "0", "pattern": "(?:[15]\\d|800|92)\\d{7}"},
    "967": {"lengths": [7, 8, 9], "trunk": "0", "strip": "0", "pattern": "(?:1|7\\d)\\d{7}|[1-7]\\d{6}"},
    "968": {"lengths": [7, 8, 9], "pattern": "(?:1505|[279]\\d{3}|500)\\d{4}|800\\d{5,6}"},
    "970": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[2489]2\\d{6}|(?:1\\d|5)\\d{8}"},
    "971": {"lengths": [5, 6, 7, 8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "(?:[4-7]\\d|9[0-689])\\d{7}|800\\d{2,9}|[2-4679]\\d{7}"},
    "972": {"lengths": [7, 8, 9, 10, 11, 12], "trunk": "0", "strip": "0", "pattern": "1\\d{6}(?:\\d{3,5})?|[57]\\d{8}|[1-489]\\d{7}"},
    "973": {"lengths": [8], "pattern": "[136-9]\\d{7}"},
    "974": {"lengths": [7, 8, 9, 11], "pattern": "800\\d{4}|(?:2|800)\\d{6}|(?:0080|[3-7])\\d{7}"},
    "975": {"lengths": [7, 8], "pattern": "[178]\\d{7}|[2-8]\\d{6}"},
    "976": {"lengths": [8, 9, 10], "trunk": "0", "strip": "0", "pattern": "[12]\\d{7,9}|[5-9]\\d{7}"},
    "977": {"lengths": [8, 10, 11], "trunk": "0", "strip": "0", "pattern": "(?:1\\d|9)\\d{9}|[1-9]\\d{7}"},
    "979": {"lengths": [9], "pattern": "[1359]\\d{8}", "worldwide": true},
    "992": {"lengths": [9], "pattern": "(?:[0-57-9]\\d|66)\\d{7}"},
    "993": {"lengths": [8], "trunk": "8", "strip": "8", "pattern": "[1-7]\\d{7}"},
    "994": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "365\\d{6}|(?:[124579]\\d|60|88)\\d{7}"},
    "995": {"lengths": [9], "trunk": "0", "strip": "0", "pattern": "(?:[3-57]\\d\\d|800)\\d{6}"},
    "996": {"lengths": [9, 10], "trunk": "0", "strip": "0", "pattern": "8\\d{9}|[235-9]\\d{8}"},
    "998": {"lengths": [9], "pattern": "(?:20|33|[5-9]\\d)\\d{7}"}
  }'::jsonb -> calling_code;
$$;


ALTER FUNCTION app_hidden.phone_plan(calling_code text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION phone_plan(calling_code text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.phone_plan(calling_code text) IS 'The numbering plan of a country calling code in use (the ITU-T''s, with libphonenumber''s data): {"lengths": how many digits its numbers have after the code, "pattern": the regular expression its national numbers match, "trunk": the national prefix typed before a national number, "strip": the regular expression of the prefixes dropped from a national number (the trunk, or a carrier code with it), "worldwide": true for a code of no country (+800)}, e.g. {"lengths": [9], "trunk": "0", "strip": "0", "pattern": …} for 255; null for a code not in use.';


--
-- Name: phone_readings(jsonb, text, text[]); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.phone_readings(plan jsonb, calling_code text, versions text[]) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
declare
  v_readings text[] := '{}';
  v_version text;
  v_digits text;
  v_stripped text;
begin
  -- for each version of the digits typed after the code (or in national form), in the order they are
  -- preferred: without the national prefix (0712… → 712…: the trunk typed before a national number or
  -- after the code), as typed; then the same after the country code typed in front of them (255712…,
  -- 255 0712… → 712…: the code typed without + or 00, or twice)
  foreach v_version in array versions loop
    continue when v_version is null;
    foreach v_digits in array array[v_version, case when v_version like calling_code || '_%' then substr(v_version, length(calling_code) + 1) end] loop
      continue when v_digits is null;
      if plan ? 'strip' then
        v_stripped := regexp_replace(v_digits, '^(?:' || (plan ->> 'strip') || ')', '');
        if v_stripped <> v_digits then
          v_readings := v_readings || v_stripped;
        end if;
      end if;
      v_readings := v_readings || v_digits;
    end loop;
  end loop;
  return v_readings;
end;
$$;


ALTER FUNCTION app_hidden.phone_readings(plan jsonb, calling_code text, versions text[]) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION phone_readings(plan jsonb, calling_code text, versions text[]); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.phone_readings(plan jsonb, calling_code text, versions text[]) IS 'The readings national_number weighs, in the order preferred, of each of `versions` of the digits typed for a number of `calling_code` (with its `plan`): without the national prefix, as typed, and the same after the country code typed in front of them (without + or 00, or twice).';


--
-- Name: phone_search_term(text, app_public.calling_code); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.phone_search_term(query text, calling_code app_public.calling_code) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $_$
declare
  v_typed text := btrim(app_hidden.phone_text(query));
  v_trunk text := app_hidden.phone_plan(calling_code) ->> 'trunk';
  v_whole app_public.e164_phone;
  v_digits text;
  v_prefix text := '';
  v_own text;
  v_code text;
  v_code_trunk text;
begin
  if v_typed !~ '[0-9]' or v_typed ~ '[^0-9[:space:]()./+-]' then
    return null; -- not a phone: names and codes are matched as typed
  end if;
  v_digits := regexp_replace(v_typed, '[[:space:]()./-]', '', 'g');
  -- a whole number, typed as one is typed in full (with its + or 00, or its national prefix) and read as
  -- one of its country's numbers: as registration reads it
  if v_digits ~ '^\+?[0-9]{7,}$' and (v_digits ~ '^[+0]' or v_digits like v_trunk || '%') then
    begin
      v_whole := app_public.normalize_phone(v_typed, calling_code);
    exception when sqlstate 'CINPH' then
      null; -- a part of one
    end;
    if app_hidden.phone_is_valid(v_whole) then
      return v_whole;
    end if;
  end if;
  v_own := v_digits;
  if v_digits like '00%' then
    v_prefix := '+'; -- international, 00 for +
    v_own := substr(v_digits, 3);
  elsif v_digits like '0%' and calling_code is not null then
    v_prefix := '+' || calling_code; -- national
    if v_trunk is null then
      v_own := v_digits; -- the country has no trunk prefix: the 0 is the number's
    elsif v_digits like v_trunk || '%' then
      v_own := substr(v_digits, length(v_trunk) + 1);
    else
      v_own := substr(v_digits, 2);
    end if;
  end if;
  if char_length(regexp_replace(v_own, '[^0-9]', '', 'g')) < 2 then
    return null; -- no more than a prefix
  end if;
  v_digits := v_prefix || v_own;
  -- international: a trunk prefix 0 typed after the code, with more after it, is dropped as registration drops it
  if v_digits like '+%' then
    v_code := app_hidden.country_calling_code(v_digits);
    v_code_trunk := app_hidden.phone_plan(v_code) ->> 'trunk';
    if v_code_trunk like '0%' and substr(v_digits, 2 + length(v_code)) like v_code_trunk || '_%' then
      return '+' || v_code || substr(v_digits, 2 + length(v_code) + length(v_code_trunk));
    end if;
  end if;
  return v_digits;
end;
$_$;


ALTER FUNCTION app_hidden.phone_search_term(query text, calling_code app_public.calling_code) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION phone_search_term(query text, calling_code app_public.calling_code); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.phone_search_term(query text, calling_code app_public.calling_code) IS 'A patient search typed as a phone, or part of one, in the E.164 form phones are kept in, without separators: a whole number (one of its country''s numbers) as normalize_phone reads it (0712 345 678 → +255712345678 with calling code 255; 8 (495) 765-43-21 → +74957654321 with calling code 7; +7 8 495 765-43-21 → +74957654321); a part of one with its national 0 or 00 made international (0712 345 → +255712345; 00255 712 → +255712; +255 0713 and +255 (0) 713 → +255713, the trunk prefix after the code dropped; 06 12 → +390612 with calling code 39, whose numbers keep their 0; 345-678 → 345678; 8 495 765 → 8495765, 8 also beginning Russian area codes); spaces of any kind, dashes and digits of other scripts read as normalize_phone reads them; null when the query is not phone-like (it has letters, or no digit) or has fewer than 2 digits after its 00, + or trunk prefix (00, 0-, +2: every phone would match).';


--
-- Name: phone_text(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.phone_text(raw text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  -- digits of other scripts (Arabic-Indic, Persian) and full-width ones (the East Asian keyboards' own,
  -- with their plus, brackets and hyphen) as ASCII, spaces of any kind as spaces, and
  -- hyphens, dashes and minus signs as dashes: what is pasted from documents and other keyboards
  select regexp_replace(regexp_replace(translate(raw, '٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹０１２３４５６７８９＋（）－．／',
                                                     '01234567890123456789' || '0123456789+()-./'),
    '[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]', ' ', 'g'), '[\u2010-\u2015\u2212]', '-', 'g');
$$;


ALTER FUNCTION app_hidden.phone_text(raw text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION phone_text(raw text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.phone_text(raw text) IS 'A phone number as typed or pasted, in the characters normalize_phone and phone_search_term read: ASCII digits for Arabic-Indic, Persian and full-width ones (and ASCII for the full-width plus, brackets, hyphen, dot and slash), a space for a space of any kind (a no-break space), a dash for a hyphen, en or em dash or minus sign.';


--
-- Name: reason_or_null(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.reason_or_null(reason text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case when coalesce(app_hidden.name_as_meant(reason), '') <> '' then app_hidden.text_or_null(reason) end;
$$;


ALTER FUNCTION app_hidden.reason_or_null(reason text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION reason_or_null(reason text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.reason_or_null(reason text) IS 'A reason as it is kept: without the white space around it (text_or_null); null when nothing in it is visible, as name_as_meant reads text (white space, joiners, fillers, control characters).';


--
-- Name: search_key(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.search_key(text text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  -- compatibility forms as their plain characters (NFKC), then without the space NFKC puts before the accent of a
  -- spacing accent (´ is a space and an acute), composed again (NFC)
  select translate(regexp_replace(
    public.unaccent('public.unaccent'::regdictionary,
      lower(case when current_setting('server_encoding') = 'UTF8'
        then normalize(regexp_replace(normalize(search_key.text, nfkc), ' ([\u0300-\u036F\u064B-\u065F\u0670\u3099\u309A])', '\1', 'g'), nfc)
        else search_key.text end)),
    '[\u064B-\u065F\u0670\u0640]', '', 'g'), 'آأإٱىیکة', 'ااااييكه');
$$;


ALTER FUNCTION app_hidden.search_key(text text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION search_key(text text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.search_key(text text) IS 'Text as the patient search and the duplicate warning compare it: in Unicode''s compatibility form (NFKC, on a UTF-8 server: Arabic presentation forms as their letters, ﻋﻼﺀ is علاء and ﷲ الله; half-width and full-width forms, ligatures, superscripts and circled signs as their plain characters, ﾀﾅｶ is タナカ, ＰＡＴ－１２ pat-12, ﬁ fi), a spacing accent no space (O´Brien is one word), lower case, without accents (José and JOSE are jose; ß is ss, œ is oe; Андрей keeps its й), and Arabic script without its vowel marks and tatweel, its alef forms as one alef, alef maksura and Persian yeh as yeh, Persian kaf as kaf, teh marbuta as heh (مُحَمَّد is محمد, أحمد احمد, يحيى يحيي, فاطمة فاطمه). Immutable: unaccent''s rules are read from its dictionary, named here; a new set of rules (a PostgreSQL upgrade, whose Unicode tables NFKC also reads, or a change here) calls for a REINDEX of patient_search_dob_names_idx.';


--
-- Name: switch_clinic(uuid, inet, text, interval); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_user_id uuid;
  v_result jsonb;
  -- the session switched from, as open_session lists those it ended ({id, clinicId})
  v_left jsonb;
begin
  -- the account's row and its sessions' turn before this session is checked, which a statement
  -- after them reads as it is once they are had
  perform app_private.hold_account((select s.user_id from app_private.session s where s.id = app_public.current_session_id()));
  v_user_id := app_public.current_user_id();
  if v_user_id is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  -- the account's openings' turn (open_session's) before this session is touched: a login holding it may
  -- be ending this session as one of the oldest, and would wait for this switch, which waited for it
  perform pg_advisory_xact_lock(app_private.session_opening_key(v_user_id));
  begin
    -- a logout or another switch of this session that committed while this one waited has ended it
    update app_private.session s set revoked_at = now() where s.id = app_public.current_session_id() and s.revoked_at is null
    returning jsonb_build_object('id', s.id, 'clinicId', s.clinic_id) into v_left;
    if v_left is null then
      raise exception 'Your session has ended: log in again.' using errcode = 'CAUTH';
    end if;
    -- the new session ends when the one switched from would have: a switch is no login, and switching to
    -- the same clinic again and again kept a stolen cookie alive for good
    -- the time left as microseconds, not as the difference of the two times: that one comes in days and hours,
    -- and a day added on the clinic's clock (this session's time zone) with summer time is 23 or 25 hours
    v_result := app_private.open_session(v_user_id, switch_clinic.clinic_id, switch_clinic.ip, switch_clinic.user_agent,
      least(switch_clinic.ttl, interval '1 microsecond' *
        (select (extract(epoch from s.expires_at) - extract(epoch from now())) * 1000000 from app_private.session s where s.id = app_public.current_session_id())));
  exception when sqlstate 'CFORB' then
    -- a clinic the user is not (or no longer) an active member of: the session switched from goes on,
    -- and the attempt is audited as a login naming it is (not_a_member), in the platform's chain: once
    -- a quarter of an hour per session, so that a session trying id after id writes no entry a request
    update app_private.session s set switch_refused_at = now()
    where s.id = app_public.current_session_id() and (s.switch_refused_at is null or s.switch_refused_at < now() - interval '15 minutes');
    if found then
      perform app_private.audit_failed_login((select u.phone from app_public."user" u where u.id = v_user_id), switch_clinic.ip,
        'switch_not_a_member', v_user_id, jsonb_build_object('clinicId', switch_clinic.clinic_id));
    end if;
    return jsonb_build_object('status', 'not_a_member', 'message', app_private.not_a_member_message(v_user_id, switch_clinic.clinic_id));
  end;
  -- the session switched from ended as those the cap ended: its end in its clinic's chain, where a logout's would be
  perform app_private.audit_session_opened('switch_clinic',
    v_result || jsonb_build_object('endedSessions', (v_result -> 'endedSessions') || jsonb_build_array(v_left)), switch_clinic.ip);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;


ALTER FUNCTION app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) IS 'Ends the current session and opens one scoped to another clinic of the same user, ending when the one ended would have (a switch is no login: at most ttl from now), holding the account''s row (shared), so that a password change or a deactivation ends the session a switch opens, and a switch after them, or after a logout or another switch of the same session, is told its session has ended (UNAUTHENTICATED); it takes its turn among the account''s openings (session_opening_key) before it ends its session. A clinic the user is not an active member of answers status not_a_member, the session kept, and is audited (audit_failed_login, switch_not_a_member) once a quarter of an hour per session. Audited as switch_clinic in the chain of the clinic entered, naming the sessions of that clinic it ended (endedSessions: the one it comes from, when of that clinic, and those open_session''s cap ended), if any; those of other clinics it ended, the one it comes from among them, are each in their clinic''s chain (the platform''s, for a session in none) as sessions_ended (audit_session_opened). Called by POST /auth/switch-clinic.';


--
-- Name: take_clinic_write_turn(); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.take_clinic_write_turn() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid;
begin
  -- the clinic of the session claimed, live or not (whether it is, the transaction's own statements
  -- tell, through live_session: an ended one waits its turn, then is refused or logged out); nothing
  -- to wait for without a claim or a clinic
  select s.clinic_id into v_clinic from app_private.session s where s.id = app_public.current_session_id();
  if v_clinic is not null then
    perform pg_advisory_xact_lock(hashtextextended('write_turn:' || v_clinic, 0));
  end if;
end;
$$;


ALTER FUNCTION app_hidden.take_clinic_write_turn() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION take_clinic_write_turn(); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.take_clinic_write_turn() IS 'Takes the session''s clinic''s turn to write, until the transaction ends: an advisory lock of the clinic that nothing else takes. The API calls it first in every write transaction of a clinic''s session, so that the API''s writes of a clinic go one after another and none holds a row another waits for while it waits for the audit chain (a deadlock). Nothing for a session of no clinic. A session that has ended takes its turn too: its transaction''s own statements refuse it (live_session), or a logout clears it.';


--
-- Name: text_or_null(text); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.text_or_null(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  -- white space of any kind, the no-break and zero-width spaces included
  select nullif(regexp_replace(value, '^[[:space:]\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+|[[:space:]\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+$', '', 'g'), '');
$_$;


ALTER FUNCTION app_hidden.text_or_null(value text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION text_or_null(value text); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.text_or_null(value text) IS 'A free text as meant: without the white space of any kind around it, and null when nothing else is left.';


--
-- Name: throttled_network(inet); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.throttled_network(ip inet) RETURNS inet
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select case
    when family(ip) = 4 then ip
    -- the 32 bits after the prefix, as the IPv4 address they are
    when ip <<= inet '::ffff:0:0/96' then inet '0.0.0.0' + (ip - inet '::ffff:0:0')
    when ip <<= inet '64:ff9b::/96' then inet '0.0.0.0' + (ip - inet '64:ff9b::')
    else network(set_masklen(ip, 64))
  end;
$$;


ALTER FUNCTION app_hidden.throttled_network(ip inet) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION throttled_network(ip inet); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.throttled_network(ip inet) IS 'What failed logins are counted by: an IPv4 address (also one IPv4-mapped or NAT64 in IPv6, as a server listening on IPv6 sees IPv4 clients: counted as that IPv4 address), or the /64 network of an IPv6 one (a client chooses its address within the /64 it is given).';


--
-- Name: visit_queue_channel(); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.visit_queue_channel() RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
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


ALTER FUNCTION app_hidden.visit_queue_channel() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION visit_queue_channel(); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.visit_queue_channel() IS 'The live visit queue''s channel the live session may listen to, what the API listens to for the subscription visitQueueChanged, and asks again when its channel tells it {"channel_changed": true}: its clinic''s (every visit''s notifications) for owners, admins, receptionists and cashiers, who read every visit; a doctor''s own (their visits'' notifications alone) for a doctor (member_visit_queue_channel). Null without a live session; a live session of no clinic is FORBIDDEN. Without the key (app_private.secret_key, live_queue) it fails, naming the key.';


--
-- Name: visit_status_words(app_public.visit_status); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.visit_status_words(status app_public.visit_status) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case status when 'no_show' then 'no-show' else replace(status::text, '_', ' ') end;
$$;


ALTER FUNCTION app_hidden.visit_status_words(status app_public.visit_status) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION visit_status_words(status app_public.visit_status); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.visit_status_words(status app_public.visit_status) IS 'A visit''s status as refusals write it: scheduled, checked in, in progress, completed, cancelled, no-show.';


--
-- Name: current_clinic_id(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.current_clinic_id() RETURNS uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$ begin return (app_private.live_session()).clinic_id; end; $$;


ALTER FUNCTION app_public.current_clinic_id() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_clinic_id(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.current_clinic_id() IS '@behavior -queryField
The clinic the live session is scoped to, or null. Policies compare clinic_id with `(select app_public.current_clinic_id())`.';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: report_export; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.report_export (
    clinic_id uuid DEFAULT app_public.current_clinic_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    kind app_public.export_kind NOT NULL,
    from_date date NOT NULL,
    to_date date NOT NULL,
    status app_public.export_status DEFAULT 'queued'::app_public.export_status NOT NULL,
    rows_done integer DEFAULT 0 NOT NULL,
    rows_total integer,
    error text,
    file_name text,
    byte_size bigint,
    requested_by uuid,
    requested_at timestamp with time zone DEFAULT now() NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    expires_at timestamp with time zone,
    invoice_id uuid,
    content_type text,
    attempt_id uuid,
    deleted_at timestamp with time zone,
    deleted_by uuid,
    cancelled_by uuid,
    CONSTRAINT report_export_check CHECK (((to_date >= from_date) AND ((to_date - from_date) <= 3660)))
);

ALTER TABLE ONLY app_public.report_export FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.report_export OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE report_export; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.report_export IS '@behavior -insert -update -delete
@defaultOrderBy REQUESTED_AT_DESC
A requested export file: requestExport creates it, the worker fills it in, GET /exports/:id downloads it. Listed newest first.';


--
-- Name: COLUMN report_export.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.clinic_id IS 'The clinic.';


--
-- Name: COLUMN report_export.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.id IS 'Identifier, also in the download URL /exports/:id.';


--
-- Name: COLUMN report_export.kind; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.kind IS '@behavior +filterBy
What is exported.';


--
-- Name: COLUMN report_export.from_date; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.from_date IS 'First business day of the period (clinic time zone).';


--
-- Name: COLUMN report_export.to_date; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.to_date IS 'Last business day of the period.';


--
-- Name: COLUMN report_export.status; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.status IS '@behavior +filterBy
queued, running, done, failed, cancelled or expired.';


--
-- Name: COLUMN report_export.rows_done; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.rows_done IS 'Rows written so far (progress).';


--
-- Name: COLUMN report_export.rows_total; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.rows_total IS 'Rows to write, once known.';


--
-- Name: COLUMN report_export.error; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.error IS 'Why the last attempt failed.';


--
-- Name: COLUMN report_export.file_name; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.file_name IS 'Name the download is saved as.';


--
-- Name: COLUMN report_export.byte_size; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.byte_size IS 'Size of the finished file.';


--
-- Name: COLUMN report_export.requested_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.requested_by IS '@behavior +filterBy
Who asked for it.';


--
-- Name: COLUMN report_export.requested_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.requested_at IS 'When.';


--
-- Name: COLUMN report_export.started_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.started_at IS 'When the worker started the last attempt.';


--
-- Name: COLUMN report_export.finished_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.finished_at IS 'When it finished, failed for good or was cancelled.';


--
-- Name: COLUMN report_export.expires_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.expires_at IS 'When the file will be deleted.';


--
-- Name: COLUMN report_export.invoice_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.invoice_id IS '@behavior +filterBy
The invoice, for an invoice_pdf.';


--
-- Name: COLUMN report_export.content_type; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.content_type IS 'MIME type of the finished file.';


--
-- Name: COLUMN report_export.attempt_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.attempt_id IS '@behavior -*
The attempt of report_export__produce the export is the work of, set as the attempt takes it: only that attempt marks it done, its file then put in place, or tells of its failure; one that outlived its turn (its worker stopped or stuck, another attempt since) drops what it wrote.';


--
-- Name: COLUMN report_export.deleted_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.deleted_at IS 'When it was deleted (deleteExport): its file removed, no longer downloaded; null while it was not.';


--
-- Name: COLUMN report_export.deleted_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.deleted_by IS 'Who deleted it (deleteExport), if anyone.';


--
-- Name: COLUMN report_export.cancelled_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.report_export.cancelled_by IS 'Who cancelled it (cancelExport) while it was waiting or running, if anyone; when is its finishedAt.';


--
-- Name: why_not_downloadable(app_public.report_export); Type: FUNCTION; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_hidden.why_not_downloadable(export app_public.report_export) RETURNS text
    LANGUAGE sql STABLE
    AS $$
  select case
    when why_not_downloadable.export.deleted_at is not null then 'deleted'
    when why_not_downloadable.export.status = 'expired'
      or (why_not_downloadable.export.status = 'done' and not coalesce(why_not_downloadable.export.expires_at > now(), false)) then 'expired'
    when why_not_downloadable.export.status = 'failed' then 'failed'
    when why_not_downloadable.export.status = 'cancelled' then 'cancelled'
    when why_not_downloadable.export.status in ('queued', 'running') then 'not_ready'
  end;
$$;


ALTER FUNCTION app_hidden.why_not_downloadable(export app_public.report_export) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION why_not_downloadable(export app_public.report_export); Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_hidden.why_not_downloadable(export app_public.report_export) IS 'Why the export is not downloaded: deleted (deleteExport), expired (or done and past its expiresAt), failed, cancelled (cancelExport), or not_ready (queued or running); null when it is done and may be downloaded. The one rule of downloads: export_for_download serves an export only when this is null, and GET /exports/:id tells a person who sees the export (its policies) the reason''s sentence (server/export-unavailable.ts).';


--
-- Name: account_lock_key(text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.account_lock_key(phone text) RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select app_private.secret_lock_key('user:' || account_lock_key.phone);
$$;


ALTER FUNCTION app_private.account_lock_key(phone text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION account_lock_key(phone text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.account_lock_key(phone text) IS 'The advisory lock key of the account of a phone (secret_lock_key of ''user:'' || phone), which pg_locks shows without telling the phone.';


--
-- Name: invoice; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.invoice (
    clinic_id uuid DEFAULT app_public.current_clinic_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    code text NOT NULL,
    patient_id uuid NOT NULL,
    visit_id uuid,
    doctor_id uuid,
    status app_public.invoice_status DEFAULT 'draft'::app_public.invoice_status NOT NULL,
    currency text NOT NULL,
    tax_rate numeric NOT NULL,
    subtotal numeric(16,3) DEFAULT 0 NOT NULL,
    discount_total numeric(16,3) DEFAULT 0 NOT NULL,
    tax_total numeric(16,3) DEFAULT 0 NOT NULL,
    total numeric(16,3) DEFAULT 0 NOT NULL,
    amount_paid numeric(16,3) DEFAULT 0 NOT NULL,
    notes text,
    issued_at timestamp with time zone,
    issued_by uuid,
    voided_at timestamp with time zone,
    voided_by uuid,
    void_reason text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    balance numeric(16,3) GENERATED ALWAYS AS (
CASE
    WHEN (status = 'void'::app_public.invoice_status) THEN (0)::numeric
    ELSE (total - amount_paid)
END) STORED,
    idempotency_key text,
    CONSTRAINT invoice_check CHECK (((amount_paid >= (0)::numeric) AND (amount_paid <= total))),
    CONSTRAINT invoice_check1 CHECK (((status <> 'void'::app_public.invoice_status) OR (void_reason IS NOT NULL))),
    CONSTRAINT invoice_idempotency_key_check CHECK (((char_length(idempotency_key) >= 1) AND (char_length(idempotency_key) <= 200))),
    CONSTRAINT invoice_notes_check CHECK ((char_length(notes) <= 2000)),
    CONSTRAINT invoice_tax_rate_check CHECK (((tax_rate >= (0)::numeric) AND (tax_rate < (1)::numeric) AND (scale(tax_rate) <= 6))),
    CONSTRAINT invoice_void_reason_check CHECK ((char_length(void_reason) <= 500)),
    CONSTRAINT tax_rate_is_a_number CHECK ((tax_rate <> 'NaN'::numeric))
);

ALTER TABLE ONLY app_public.invoice FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.invoice OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.invoice IS '@behavior -delete -resource:insert
An invoice to a patient, in the clinic''s currency. Create it with createInvoiceFromVisit or createInvoice and lines; issueInvoice, then payments move it to partially_paid and paid; voidInvoice ends it.';


--
-- Name: COLUMN invoice.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.clinic_id IS 'The clinic; always the session''s clinic.';


--
-- Name: COLUMN invoice.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.id IS 'Internal identifier.';


--
-- Name: COLUMN invoice.code; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.code IS 'Invoice number, INV-000001, consecutive without gaps per clinic.';


--
-- Name: COLUMN invoice.patient_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.patient_id IS 'Who is billed.';


--
-- Name: COLUMN invoice.visit_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.visit_id IS 'The visit it bills, made from it or given by hand (one live invoice per visit).';


--
-- Name: COLUMN invoice.doctor_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.doctor_id IS 'The doctor of that visit (for revenue per doctor).';


--
-- Name: COLUMN invoice.status; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.status IS 'draft, issued, partially_paid, paid or void.';


--
-- Name: COLUMN invoice.currency; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.currency IS 'ISO 4217 currency: the clinic''s when the invoice was made.';


--
-- Name: COLUMN invoice.tax_rate; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.tax_rate IS 'Tax rate copied from the clinic for new lines (a fraction, at most 6 decimals).';


--
-- Name: COLUMN invoice.subtotal; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.subtotal IS 'Sum of quantity × unit price of the lines.';


--
-- Name: COLUMN invoice.discount_total; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.discount_total IS 'Sum of the lines'' discounts.';


--
-- Name: COLUMN invoice.tax_total; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.tax_total IS 'Sum of the lines'' tax.';


--
-- Name: COLUMN invoice.total; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.total IS 'subtotal - discount_total + tax_total.';


--
-- Name: COLUMN invoice.amount_paid; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.amount_paid IS 'Payments minus refunds; never above the total.';


--
-- Name: COLUMN invoice.notes; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.notes IS 'Free notes printed on the invoice.';


--
-- Name: COLUMN invoice.issued_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.issued_at IS 'When it was issued.';


--
-- Name: COLUMN invoice.issued_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.issued_by IS 'Who issued it.';


--
-- Name: COLUMN invoice.voided_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.voided_at IS 'When it was voided.';


--
-- Name: COLUMN invoice.voided_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.voided_by IS 'Who voided it.';


--
-- Name: COLUMN invoice.void_reason; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.void_reason IS 'Why it was voided.';


--
-- Name: COLUMN invoice.created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.created_at IS 'When it was created.';


--
-- Name: COLUMN invoice.created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.created_by IS 'Who created it.';


--
-- Name: COLUMN invoice.updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.updated_at IS 'When the row last changed.';


--
-- Name: COLUMN invoice.updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.updated_by IS 'User who last changed the row.';


--
-- Name: COLUMN invoice.balance; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.balance IS 'What is still owed: total - amount_paid; 0 once void.';


--
-- Name: COLUMN invoice.idempotency_key; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice.idempotency_key IS 'A key chosen by the client per invoice it means to make by hand: the same key again returns the same invoice.';


--
-- Name: invoice_line; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.invoice_line (
    clinic_id uuid DEFAULT app_public.current_clinic_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    invoice_id uuid NOT NULL,
    service_id uuid,
    visit_service_id uuid,
    description text NOT NULL,
    quantity numeric(12,3) DEFAULT 1 NOT NULL,
    unit_price numeric(16,3) NOT NULL,
    discount numeric(16,3) DEFAULT 0 NOT NULL,
    tax_rate numeric NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    decimals smallint DEFAULT 2 NOT NULL,
    line_subtotal numeric(16,3) GENERATED ALWAYS AS (round((quantity * unit_price), (decimals)::integer)) STORED,
    line_tax numeric(16,3) GENERATED ALWAYS AS (round(((round((quantity * unit_price), (decimals)::integer) - discount) * tax_rate), (decimals)::integer)) STORED,
    line_total numeric(16,3) GENERATED ALWAYS AS (((round((quantity * unit_price), (decimals)::integer) - discount) + round(((round((quantity * unit_price), (decimals)::integer) - discount) * tax_rate), (decimals)::integer))) STORED,
    "position" integer NOT NULL,
    visit_service_version integer DEFAULT 0,
    idempotency_key text,
    CONSTRAINT amounts_are_numbers CHECK ((('NaN'::numeric <> quantity) AND ('NaN'::numeric <> unit_price) AND ('NaN'::numeric <> discount) AND ('NaN'::numeric <> tax_rate))),
    CONSTRAINT invoice_line_check CHECK (((quantity <= (0)::numeric) OR (unit_price < (0)::numeric) OR (discount <= round((quantity * unit_price), (decimals)::integer)))),
    CONSTRAINT invoice_line_decimals_check CHECK (((decimals >= 0) AND (decimals <= 3))),
    CONSTRAINT invoice_line_description_check CHECK (((char_length(btrim(description)) >= 1) AND (char_length(btrim(description)) <= 300))),
    CONSTRAINT invoice_line_discount_check CHECK ((discount >= (0)::numeric)),
    CONSTRAINT invoice_line_idempotency_key_check CHECK (((char_length(idempotency_key) >= 1) AND (char_length(idempotency_key) <= 200))),
    CONSTRAINT invoice_line_quantity_check CHECK (((quantity > (0)::numeric) AND (quantity <= (100000)::numeric))),
    CONSTRAINT invoice_line_tax_rate_check CHECK (((tax_rate >= (0)::numeric) AND (tax_rate < (1)::numeric) AND (scale(tax_rate) <= 6))),
    CONSTRAINT invoice_line_unit_price_check CHECK ((unit_price >= (0)::numeric))
);

ALTER TABLE ONLY app_public.invoice_line FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.invoice_line OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.invoice_line IS '@defaultOrderBy INVOICE_ID_ASC,POSITION_ASC
@behavior -resource:insert
A line of an invoice. Lines change only while the invoice is a draft. Listed by invoice, and within an invoice in the order they were added.';


--
-- Name: COLUMN invoice_line.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.clinic_id IS 'The clinic; always the session''s clinic.';


--
-- Name: COLUMN invoice_line.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.id IS 'Internal identifier.';


--
-- Name: COLUMN invoice_line.invoice_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.invoice_id IS 'The invoice.';


--
-- Name: COLUMN invoice_line.service_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.service_id IS 'The catalog service billed, if any.';


--
-- Name: COLUMN invoice_line.visit_service_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.visit_service_id IS 'The visit''s service this line bills, when made from a visit.';


--
-- Name: COLUMN invoice_line.description; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.description IS '@hasDefault
What is billed (the service name by default; required for a line without a service).';


--
-- Name: COLUMN invoice_line.quantity; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.quantity IS 'How many.';


--
-- Name: COLUMN invoice_line.unit_price; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.unit_price IS '@hasDefault
Price of one unit; from the catalog (or the visit''s snapshot) unless given; required for a line without a service.';


--
-- Name: COLUMN invoice_line.discount; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.discount IS 'Discount on the line, in the currency''s decimals, at most quantity × unit price.';


--
-- Name: COLUMN invoice_line.tax_rate; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.tax_rate IS '@hasDefault
Tax rate of the line (the invoice''s by default; a fraction, at most 6 decimals).';


--
-- Name: COLUMN invoice_line.created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.created_at IS 'When the line was added.';


--
-- Name: COLUMN invoice_line.created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.created_by IS 'Who added it.';


--
-- Name: COLUMN invoice_line.updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.updated_at IS 'When the row last changed.';


--
-- Name: COLUMN invoice_line.updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.updated_by IS 'User who last changed the row.';


--
-- Name: COLUMN invoice_line.decimals; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.decimals IS 'Decimals of the invoice''s currency, which the line''s subtotal and tax are rounded to; set when the line is written (lines from before 000022 keep 2).';


--
-- Name: COLUMN invoice_line.line_subtotal; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.line_subtotal IS 'quantity × unit_price, rounded to the currency''s decimals.';


--
-- Name: COLUMN invoice_line.line_tax; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.line_tax IS '(line_subtotal - discount) × tax_rate, rounded to the currency''s decimals.';


--
-- Name: COLUMN invoice_line.line_total; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.line_total IS 'line_subtotal - discount + line_tax.';


--
-- Name: COLUMN invoice_line."position"; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line."position" IS '@behavior +orderBy -attribute:aggregate -attribute:aggregate:orderBy -attribute:aggregate:filterBy -attribute:groupBy -attribute:havingBy
The line''s place on its invoice, in the order the lines were added: one more than the last there when it was added; lines made from a visit follow its services'' order.';


--
-- Name: COLUMN invoice_line.visit_service_version; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.visit_service_version IS '@behavior -*
The version of the visit''s service this line billed (visit_service.version): a change of what it bills comes to the line (invoice_line_visit_service_version_fkey), which the guard refuses while the invoice is live.';


--
-- Name: COLUMN invoice_line.idempotency_key; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.invoice_line.idempotency_key IS 'A key chosen by the client per line it means to add: the same key again returns the same line; the key of a line deleted since stays spent (CONFLICT).';


--
-- Name: CONSTRAINT invoice_line_check ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT invoice_line_check ON app_public.invoice_line IS 'A line''s discount is at most its amount (quantity × unit price, in the currency''s decimals); left to the quantity''s and the price''s own checks when either is not valid.';


--
-- Name: add_to_daily_services(app_public.invoice, app_public.invoice_line[], integer); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.add_to_daily_services(invoice app_public.invoice, lines app_public.invoice_line[], sign integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  insert into app_private.daily_services as d (clinic_id, local_date, service_id, quantity, amount)
  select l.clinic_id, app_private.local_date(invoice.clinic_id, invoice.created_at), l.service_id, sign * sum(l.quantity), sign * sum(l.line_total)
  from unnest(lines) l
  where l.service_id is not null and invoice.status <> 'void'
  group by l.clinic_id, l.service_id
  on conflict (clinic_id, local_date, service_id)
  do update set quantity = d.quantity + excluded.quantity, amount = d.amount + excluded.amount;
end;
$$;


ALTER FUNCTION app_private.add_to_daily_services(invoice app_public.invoice, lines app_public.invoice_line[], sign integer) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION add_to_daily_services(invoice app_public.invoice, lines app_public.invoice_line[], sign integer); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.add_to_daily_services(invoice app_public.invoice, lines app_public.invoice_line[], sign integer) IS 'Adds (sign 1) or takes out (sign -1) lines of an invoice in daily_services: those of a catalog service, and none of a void invoice.';


--
-- Name: address_throttle(inet, integer); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.address_throttle(ip inet, in_flight integer DEFAULT 0, OUT refused boolean, OUT first_refusal boolean) RETURNS record
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  -- the first refusal: none of the window's failures was one (attempts at once can take the count past 20 without
  -- landing on it, which left a throttled address never audited)
  select count(*) + address_throttle.in_flight >= 20, count(*) >= 20 and not coalesce(bool_or(f.throttled), false)
  from app_private.login_failure f
  where f.ip = app_hidden.throttled_network(address_throttle.ip) and f.attempted_at > now() - interval '15 minutes';
$$;


ALTER FUNCTION app_private.address_throttle(ip inet, in_flight integer, OUT refused boolean, OUT first_refusal boolean) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION address_throttle(ip inet, in_flight integer, OUT refused boolean, OUT first_refusal boolean); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.address_throttle(ip inet, in_flight integer, OUT refused boolean, OUT first_refusal boolean) IS 'The login throttle on the client address `ip` (its network, throttled_network): `refused` once it has 20 failures in the last 15 minutes, counting as failures `in_flight` attempts of it under way (enter_address_attempt, which reads them: read before this is called, so that one ended meanwhile is read here as the failure it was), `first_refusal` when none of those failures was itself a refusal by the throttle (the one to audit; attempts in flight aside). Neither for a null address. For login and change_password.';


--
-- Name: audit_chain_of_person(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.audit_chain_of_person(user_id uuid) RETURNS uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
begin
  if v_clinic is not null and (audit_chain_of_person.user_id = app_public.current_user_id()
      or exists (select from app_public.membership m where m.clinic_id = v_clinic and m.user_id = audit_chain_of_person.user_id)) then
    return v_clinic;
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.audit_chain_of_person(user_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_chain_of_person(user_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.audit_chain_of_person(user_id uuid) IS 'The audit chain of a change to a person''s account: the session''s clinic''s when the account is the session''s own or a member of that clinic (removed members too), else the platform''s (null).';


--
-- Name: audit_chain_of_row(text, jsonb); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.audit_chain_of_row(table_name text, row_values jsonb) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
  select case
    when audit_chain_of_row.table_name = 'clinic' then (audit_chain_of_row.row_values ->> 'id')::uuid
    when audit_chain_of_row.row_values ? 'clinic_id' then (audit_chain_of_row.row_values ->> 'clinic_id')::uuid
    when audit_chain_of_row.table_name = 'user' then app_private.audit_chain_of_person((audit_chain_of_row.row_values ->> 'id')::uuid)
    else app_public.current_clinic_id()
  end
$$;


ALTER FUNCTION app_private.audit_chain_of_row(table_name text, row_values jsonb) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_chain_of_row(table_name text, row_values jsonb); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.audit_chain_of_row(table_name text, row_values jsonb) IS 'The audit chain of an entry of a row of table_name (its values as jsonb): a clinic''s own, the clinic of a row with clinic_id, a person''s account''s by audit_chain_of_person, else the session''s clinic''s; null for the platform''s. One expression, inlined into tg__audit and tg__audit_chains_in_order (decision 012), so the heads a statement locks are those its entries are written to.';


--
-- Name: audit_chain_status_of(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.audit_chain_status_of(chain_clinic_id uuid) RETURNS app_public.audit_chain_status
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_genesis constant text := repeat('0', 64);
  v_chain constant uuid := coalesce(chain_clinic_id, '00000000-0000-0000-0000-000000000000'::uuid);
  v_result app_public.audit_chain_status;
  v_head_seq bigint;
  v_head_hash text;
  v_last_seq bigint;
  v_last_hash text;
begin
  select h.seq, h.hash into v_head_seq, v_head_hash from app_private.audit_chain_head h where h.chain_id = v_chain;

  -- `coalesce(clinic_id, nil)` as audit_log_chain_seq indexes it: the chain's entries in seq order
  with chain as (
    select a.seq, a.hash, a.prev_hash,
      lag(a.hash, 1, v_genesis) over w as expected_prev,
      lag(a.seq, 1, 0::bigint) over w as previous_seq,
      app_private.audit_hash(a.prev_hash, a.seq, a.clinic_id, a.occurred_at, a.actor_user_id, a.action,
        a.table_name, a.record_id, a.old_values, a.new_values, a.detail) as recomputed
    from app_public.audit_log a
    where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = v_chain
    window w as (order by a.seq)
  )
  select count(*),
    min(seq) filter (where hash <> recomputed or prev_hash <> expected_prev or seq <> previous_seq + 1),
    max(seq)
  into v_result.entries, v_result.first_broken_seq, v_last_seq
  from chain;
  select a.hash into v_last_hash from app_public.audit_log a
  where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = v_chain
  order by a.seq desc limit 1;

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


ALTER FUNCTION app_private.audit_chain_status_of(chain_clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_chain_status_of(chain_clinic_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.audit_chain_status_of(chain_clinic_id uuid) IS 'Recomputes one audit chain (a clinic''s, or null for the platform''s) and reports the first entry changed, removed or inserted behind the database''s back. No permission check: verify_audit_chain checks who asks.';


--
-- Name: audit_chains_of_person(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.audit_chains_of_person(user_id uuid) RETURNS uuid[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- the session's own memberships (membership's policies: its person's, in every clinic), or any in the system's
  -- context (an operator, a migration): the API changes no account but the session's own
  return array(
    select c from (
      select app_private.audit_chain_of_person(audit_chains_of_person.user_id) as c
      union
      select m.clinic_id from app_public.membership m
      where m.user_id = audit_chains_of_person.user_id and m.accepted_at is not null and m.deleted_at is null
    ) chains
    order by coalesce(c, '00000000-0000-0000-0000-000000000000')
  );
end;
$$;


ALTER FUNCTION app_private.audit_chains_of_person(user_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_chains_of_person(user_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.audit_chains_of_person(user_id uuid) IS 'The audit chains of a change to a person''s account, in the order of their ids: the one audit_chain_of_person names (the session''s clinic''s, or the platform''s as null) and each clinic where the person''s membership is accepted and not removed (a suspended one too: it lists the person), whose staff list shows the change; not a pending invitation''s clinic (not shown the name), nor one the person was removed from.';


--
-- Name: audit_chains_of_row(text, jsonb); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.audit_chains_of_row(table_name text, row_values jsonb) RETURNS uuid[]
    LANGUAGE sql STABLE
    AS $$
  select case
    when audit_chains_of_row.table_name = 'user' then app_private.audit_chains_of_person((audit_chains_of_row.row_values ->> 'id')::uuid)
    else array[app_private.audit_chain_of_row(audit_chains_of_row.table_name, audit_chains_of_row.row_values)]
  end
$$;


ALTER FUNCTION app_private.audit_chains_of_row(table_name text, row_values jsonb) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_chains_of_row(table_name text, row_values jsonb); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.audit_chains_of_row(table_name text, row_values jsonb) IS 'The audit chains an entry of a row of table_name (its values as jsonb) is written in: a person''s account''s in each of audit_chains_of_person, in the order of their ids; any other row''s in the one of audit_chain_of_row. One expression, inlined into tg__audit, tg__audit_chains_in_order and correct_saved_phones (decision 012), so the heads they lock are those the entries are written to.';


--
-- Name: audit_failed_login(text, inet, text, uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb DEFAULT '{}'::jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  perform app_private.write_audit(null, 'login_failed', 'user', audit_failed_login.user_id, null, null,
    jsonb_build_object('phone', audit_failed_login.phone, 'ip', audit_failed_login.ip, 'reason', audit_failed_login.reason)
      || audit_failed_login.extra,
    -- the account did it only if it is known to have: the right password, or its own session
    case when audit_failed_login.reason in ('locked', 'inactive', 'not_a_member', 'password_change_refused', 'switch_not_a_member') then audit_failed_login.user_id end);
end;
$$;


ALTER FUNCTION app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb) IS 'Writes a failed login''s entry (action login_failed) in the platform''s audit chain: the phone (normalised, or null when it was not a phone number), the client address, the reason and, in extra, anything the reason needs (the clinic asked for). The record is the account the phone belongs to, when there is one; the actor is that account only when the password was right (locked, inactive, not_a_member) or its own session asked (password_change_refused, switch_not_a_member: a switch to a clinic it is not a member of), else no one.';


--
-- Name: audit_hash(text, bigint, uuid, timestamp with time zone, uuid, text, text, uuid, jsonb, jsonb, jsonb); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  return encode(sha256(convert_to(jsonb_build_array(
    prev_hash, seq, clinic_id, (extract(epoch from occurred_at) * 1000000)::bigint, actor_user_id,
    action, table_name, record_id, old_values, new_values, detail
  )::text, 'UTF8')), 'hex');
end;
$$;


ALTER FUNCTION app_private.audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb) IS 'The chain hash of one audit entry: independent of session time zone and date style.';


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
-- Name: audit_heads_to_anchor(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.audit_heads_to_anchor() RETURNS SETOF app_private.audit_chain_head
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select h.* from app_private.audit_chain_head h
  where h.seq > 0
    and not exists (select 1 from app_private.audit_anchor a where a.chain_id = h.chain_id and a.seq = h.seq)
  order by h.chain_id;
$$;


ALTER FUNCTION app_private.audit_heads_to_anchor() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_heads_to_anchor(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.audit_heads_to_anchor() IS 'The head of every audit chain that moved since it was last anchored (all of them the first time).';


--
-- Name: audit_session_opened(text, jsonb, inet, jsonb); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.audit_session_opened(action text, opened jsonb, ip inet, extra jsonb DEFAULT '{}'::jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := (opened -> 'user' ->> 'id')::uuid;
begin
  perform app_private.audit_sessions_ended((opened -> 'clinic' ->> 'id')::uuid, audit_session_opened.action, 'user', v_user_id,
    jsonb_build_object('ip', audit_session_opened.ip, 'sessionId', opened ->> 'sessionId') || audit_session_opened.extra, false,
    opened -> 'endedSessions', audit_session_opened.action, v_user_id);
end;
$$;


ALTER FUNCTION app_private.audit_session_opened(action text, opened jsonb, ip inet, extra jsonb) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_session_opened(action text, opened jsonb, ip inet, extra jsonb); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.audit_session_opened(action text, opened jsonb, ip inet, extra jsonb) IS 'Audits a session opened by a login or a switch (action login or switch_clinic; opened as open_session returned it, a switch adding the session it came from to its endedSessions), by the person: its entry, in its clinic''s chain (the platform''s without one), gives the client''s address, the session opened (sessionId), the sessions of that clinic the opening ended (endedSessions) and anything in extra (a login''s deviceCookie); each other chain whose sessions it ended gets an entry sessions_ended naming those alone (endedSessions) and what ended them (endedBy: login or switch_clinic), the chains written in the order of their ids (audit_sessions_ended).';


--
-- Name: audit_sessions_ended(uuid, text, text, uuid, jsonb, boolean, jsonb, text, uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb, counted boolean, ended jsonb, ended_by text, actor_user_id uuid, person_detail jsonb DEFAULT NULL::jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_ended jsonb := coalesce(audit_sessions_ended.ended, '[]');
  -- a change to the person's account (a password): its entry in each chain of theirs too (audit_chains_of_person)
  v_person uuid[] := case when audit_sessions_ended.action is not null and audit_sessions_ended.person_detail is not null
    then app_private.audit_chains_of_person(audit_sessions_ended.user_id) else '{}' end;
  v_chain record;
begin
  -- the chain of the act's own entry (none without an action), those of the person's account when it is one, and those
  -- of the sessions it ended, one entry each an account, in the order of the chains' ids: write_audit locks each chain's
  -- head until commit, and every act that ends sessions of several clinics takes them in this order, so that two at once
  -- lock no head the other holds while waiting for it
  for v_chain in
    select c.clinic_id, coalesce((e.session ->> 'userId')::uuid, audit_sessions_ended.user_id) as user_id,
      coalesce(e.session ->> 'endedBy', audit_sessions_ended.ended_by) as ended_by,
      jsonb_agg(e.session -> 'id' order by e.session ->> 'id') filter (where e.session is not null) as ended
    from (select audit_sessions_ended.clinic_id where audit_sessions_ended.action is not null
          union
          select unnest(v_person)
          union
          select (s ->> 'clinicId')::uuid from jsonb_array_elements(v_ended) s) c(clinic_id)
    left join jsonb_array_elements(v_ended) e(session) on (e.session ->> 'clinicId')::uuid is not distinct from c.clinic_id
    group by 1, 2, 3
    order by coalesce(c.clinic_id, '00000000-0000-0000-0000-000000000000'), 2, 3
  loop
    if audit_sessions_ended.action is not null and v_chain.clinic_id is not distinct from audit_sessions_ended.clinic_id then
      -- the act's entry names (or counts) the sessions of its own chain alone
      perform app_private.write_audit(v_chain.clinic_id, audit_sessions_ended.action, audit_sessions_ended.table_name,
        audit_sessions_ended.user_id, null, null, audit_sessions_ended.detail || case
          when audit_sessions_ended.counted then jsonb_build_object('sessionsEnded', coalesce(jsonb_array_length(v_chain.ended), 0))
          else jsonb_strip_nulls(jsonb_build_object('endedSessions', v_chain.ended)) end,
        audit_sessions_ended.actor_user_id);
    elsif array_position(v_person, v_chain.clinic_id) is not null then
      -- another clinic the person is of: the act as it was (person_detail, not where from), naming its sessions it ended
      perform app_private.write_audit(v_chain.clinic_id, audit_sessions_ended.action, audit_sessions_ended.table_name,
        audit_sessions_ended.user_id, null, null,
        audit_sessions_ended.person_detail || jsonb_strip_nulls(jsonb_build_object('endedSessions', v_chain.ended)),
        audit_sessions_ended.actor_user_id);
    else
      -- nothing of the act but what it was (not where, nor what else it did)
      perform app_private.write_audit(v_chain.clinic_id, 'sessions_ended', 'user', v_chain.user_id, null, null,
        jsonb_build_object('endedSessions', v_chain.ended, 'endedBy', v_chain.ended_by), audit_sessions_ended.actor_user_id);
    end if;
  end loop;
end;
$$;


ALTER FUNCTION app_private.audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb, counted boolean, ended jsonb, ended_by text, actor_user_id uuid, person_detail jsonb) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb, counted boolean, ended jsonb, ended_by text, actor_user_id uuid, person_detail jsonb); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb, counted boolean, ended jsonb, ended_by text, actor_user_id uuid, person_detail jsonb) IS 'Audits an act that ended sessions of the user (ended, as end_sessions_of and open_session list them: {id, clinicId}): its own entry (action on table_name, the user''s id its record_id, detail), in the chain of clinic_id (the platform''s when null), naming the sessions of that chain it ended (endedSessions, their ids, if any) or, when counted, counting them (sessionsEnded); when the act is a change to the person''s account (a password changed or reset: person_detail given), the same action in the chain of each other clinic of audit_chains_of_person (where their membership is accepted and not removed), with person_detail (what was done, by what, not where from) and the sessions of that chain it ended (endedSessions, if any); and each other chain whose sessions it ended an entry sessions_ended naming those alone (endedSessions) and what ended them (endedBy: ended_by), so that no clinic learns another''s session ids nor misses the end of its own. Without an action (a deactivation, whose entry is its row''s update) every chain of the sessions ended gets sessions_ended; sessions of several accounts ended at once each name theirs (userId) and what ended them (endedBy), and each chain gets an entry an account. The chains are written in the order of their ids, which every act that ends sessions follows (a login, a switch, a password change, a reset, a deactivation of one account or several): two at once lock no chain head the other holds while waiting for it. All by actor_user_id.';


--
-- Name: bill_visit_services(app_public.invoice); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.bill_visit_services(draft app_public.invoice) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $$
declare
  v_added integer;
begin
  -- a service deleted from the catalog since the visit was given it is billed all the same (this
  -- function sees deleted rows: its definition sets clinicops.include_deleted)
  insert into app_public.invoice_line (clinic_id, invoice_id, service_id, visit_service_id, visit_service_version, description, quantity, unit_price, discount, tax_rate)
  select s.clinic_id, draft.id, s.service_id, s.id, s.version, svc.name, s.quantity, s.unit_price,
         least(round(s.discount, d.decimals), round(s.quantity * s.unit_price, d.decimals)), draft.tax_rate
  from app_public.visit_service s join app_public.service svc on svc.clinic_id = s.clinic_id and svc.id = s.service_id
  cross join (select app_public.currency_decimals(draft.currency) as decimals) d
  where s.clinic_id = draft.clinic_id and s.visit_id = draft.visit_id
    and not exists (
      select from app_public.invoice_line l join app_public.invoice i on i.clinic_id = l.clinic_id and i.id = l.invoice_id
      where l.clinic_id = s.clinic_id and l.visit_service_id = s.id and i.status <> 'void')
  order by s.position;
  get diagnostics v_added = row_count;
  return v_added;
end;
$$;


ALTER FUNCTION app_private.bill_visit_services(draft app_public.invoice) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION bill_visit_services(draft app_public.invoice); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.bill_visit_services(draft app_public.invoice) IS 'Adds to the draft `draft` of a visit a line for each of the visit''s services that no live invoice bills (deleted from the catalog since or not), at the visit''s quantity, price and discount (in the currency''s decimals) and the invoice''s tax rate, in the visit''s order; returns how many. CONFLICT, adding none, when the draft has a line typed by hand for one of those services (tg_invoice_line__billed_once).';


--
-- Name: check_currency_decimals(numeric, text, numeric); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.check_currency_decimals(amount numeric, currency text, whole numeric) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  if amount <> round(amount, app_public.currency_decimals(currency)) and amount is distinct from whole then
    raise exception 'An amount has no more decimals than the invoice''s currency (%: %).', currency, app_public.currency_decimals(currency)
      using errcode = 'CINVL';
  end if;
end;
$$;


ALTER FUNCTION app_private.check_currency_decimals(amount numeric, currency text, whole numeric) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION check_currency_decimals(amount numeric, currency text, whole numeric); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.check_currency_decimals(amount numeric, currency text, whole numeric) IS 'Refuses (INVALID_INPUT) an amount of a payment or refund finer than its currency''s decimals, unless it is `whole`: all of the invoice''s balance, or all that is left of the payment. Called on the amount as typed by record_payment and refund_payment, and on the row by their trigger.';


--
-- Name: check_idempotency_key(text, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.check_idempotency_key(key text, what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if key is not null and app_hidden.name_as_meant(key) = '' then
    raise exception 'An idempotency key cannot be white space alone: send one per % you mean, or none.', what using errcode = 'CINVL';
  end if;
end;
$$;


ALTER FUNCTION app_private.check_idempotency_key(key text, what text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION check_idempotency_key(key text, what text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.check_idempotency_key(key text, what text) IS 'Refuses an idempotency key with nothing visible in it (INVALID_INPUT, naming `what`: payment, refund, invoice, invoice line), before the key is looked up; none at all is none.';


--
-- Name: check_in_clinic_currency(uuid, text, numeric[]); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.check_in_clinic_currency(clinic_id uuid, what text, VARIADIC amounts numeric[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_currency text;
begin
  perform app_private.lock_clinic_setting(check_in_clinic_currency.clinic_id, 'currency', false);
  select c.currency into v_currency from app_public.clinic c where c.id = check_in_clinic_currency.clinic_id;
  if exists (select from unnest(amounts) a where a <> round(a, app_public.currency_decimals(v_currency))) then
    raise exception '% has no more decimals than the clinic''s currency (%: %).', what, v_currency, app_public.currency_decimals(v_currency)
      using errcode = 'CINVL';
  end if;
end;
$$;


ALTER FUNCTION app_private.check_in_clinic_currency(clinic_id uuid, what text, VARIADIC amounts numeric[]) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION check_in_clinic_currency(clinic_id uuid, what text, VARIADIC amounts numeric[]); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.check_in_clinic_currency(clinic_id uuid, what text, VARIADIC amounts numeric[]) IS 'INVALID_INPUT "<what> has no more decimals than the clinic''s currency" unless every amount fits the clinic''s currency, read under the currency''s lock (shared: a change of it under way finishes first, and one that comes after sees this amount written). Take it before any audited write of the transaction (lock_clinic_setting).';


--
-- Name: check_money_amount(numeric, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.check_money_amount(amount numeric, what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  if amount is null or amount <= 0 or amount = 'NaN' or amount = 'Infinity' then
    raise exception 'A % must be a number more than zero.', what using errcode = 'CINVL';
  end if;
  if amount > 9999999999999.999 then
    raise exception 'A % is at most 9999999999999.999.', what using errcode = 'CINVL';
  end if;
end;
$$;


ALTER FUNCTION app_private.check_money_amount(amount numeric, what text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION check_money_amount(amount numeric, what text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.check_money_amount(amount numeric, what text) IS 'Refuses (INVALID_INPUT) an amount of money that is not a number more than zero (null, NaN, Infinity, zero or less), or more than numeric(16,3) keeps; `what` names it in the message ("A payment must be…").';


--
-- Name: check_password(text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.check_password(password text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if password is null or password = '' then
    raise exception 'A password is required.' using errcode = 'CINVL';
  end if;
  if char_length(password) < 8 then
    raise exception 'Passwords need at least 8 characters.' using errcode = 'CWEAK';
  end if;
  if char_length(password) > 128 then
    raise exception 'Passwords may have at most 128 characters.' using errcode = 'CWEAK';
  end if;
end;
$$;


ALTER FUNCTION app_private.check_password(password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION check_password(password text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.check_password(password text) IS 'The password rule, for every password an account is given: none is INVALID_INPUT, fewer than 8 or more than 128 characters WEAK_PASSWORD. invite_member checks it before the phone is looked up; hash_password before an account is made (find_or_create_user) or its password reset (create_platform_admin).';


--
-- Name: check_password_set_by_holder(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.check_password_set_by_holder(user_id uuid) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if not coalesce((select s.password_set_by_holder from app_private.user_secret s where s.user_id = check_password_set_by_holder.user_id), false) then
    raise exception 'Your password was chosen by whoever made your account: choose your own first, then answer the invitation.'
      using errcode = 'CPWCH';
  end if;
end;
$$;


ALTER FUNCTION app_private.check_password_set_by_holder(user_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION check_password_set_by_holder(user_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.check_password_set_by_holder(user_id uuid) IS 'PASSWORD_CHANGE_REQUIRED (CPWCH) unless the account''s holder set its password: whoever chose it (an inviter, a platform admin, an operator) could otherwise answer invitations as the person. Called by accept_invitation and decline_invitation.';


--
-- Name: check_person_name(text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.check_person_name(full_name text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if char_length(coalesce(app_hidden.name_as_meant(full_name), '')) not between 1 and 200 then
    raise exception 'A name is required, at most 200 characters.' using errcode = 'CINVL';
  end if;
end;
$$;


ALTER FUNCTION app_private.check_person_name(full_name text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION check_person_name(full_name text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.check_person_name(full_name text) IS 'A person''s name as it will be saved (app_hidden.name_as_meant: nothing visible is no name) is 1 to 200 characters, INVALID_INPUT otherwise. Called where an account is made, before the phone is looked up (invite_member, create_clinic_with_owner, create_platform_admin), so a refusal says nothing of whether the phone is registered.';


--
-- Name: clinic_header(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.clinic_header(clinic_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select jsonb_build_object('name', c.name, 'address', c.address, 'phone', c.phone, 'email', c.email,
    'currency', c.currency, 'decimals', app_public.currency_decimals(c.currency), 'timezone', c.timezone, 'locale', c.locale,
    'footer', c.invoice_footer)
  from app_public.clinic c where c.id = clinic_header.clinic_id;
$$;


ALTER FUNCTION app_private.clinic_header(clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION clinic_header(clinic_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.clinic_header(clinic_id uuid) IS 'What every document prints about the clinic, with the decimals of its currency (currency_decimals) that amounts are printed in.';


--
-- Name: clinic_name_key(text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.clinic_name_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select lower(app_hidden.name_as_meant(clinic_name_key.name));
$$;


ALTER FUNCTION app_private.clinic_name_key(name text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION clinic_name_key(name text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.clinic_name_key(name text) IS 'A clinic''s name as two names are compared: as meant (app_hidden.name_as_meant: every run of white space of any kind one space, none at either end, invisible controls out), in lower case.';


--
-- Name: correct_saved_phones(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.correct_saved_phones() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_read jsonb;
  v_row record;
  v_left integer := 0;
begin
  -- each phone read once (materialized: inlined, the function ran in the filter and again in the list), with what its
  -- row's audit entries are written by (audit_chains_of_row)
  with saved as (
    select 'user' as kind, u.id, u.phone as saved, jsonb_build_object('id', u.id) as audited from app_public."user" u
    union all select 'patient', p.id, p.phone, jsonb_build_object('id', p.id, 'clinic_id', p.clinic_id) from app_public.patient p where p.phone is not null
    union all select 'clinic', c.id, c.phone, jsonb_build_object('id', c.id) from app_public.clinic c where c.phone is not null
  ), read as materialized (
    select s.kind, s.id, s.saved, app_private.saved_phone_corrected(s.saved) as phone, s.audited from saved s
  )
  select coalesce(jsonb_agg(to_jsonb(r)), '[]') into v_read from read r where r.phone is distinct from r.saved;
  -- the chains of the rows it corrects, each held to the end once written: all taken now, in order, as a login, a password
  -- change or a deactivation takes them (one correction a statement, 000248's order held for one row at a time)
  perform app_private.lock_audit_chains(array(
    select distinct chain from jsonb_array_elements(v_read) r, unnest(app_private.audit_chains_of_row(r ->> 'kind', r -> 'audited')) chain
    where r ->> 'phone' is not null));
  for v_row in select * from jsonb_to_recordset(v_read) as r(kind text, id uuid, saved text, phone text) loop
    if v_row.phone is null then
      v_left := v_left + 1; -- no phone by today's rules: left for someone who knows it
      continue;
    end if;
    begin
      -- only if it is still the phone read above: one changed since is left as its writer typed it
      case v_row.kind
        when 'user' then update app_public."user" u set phone = v_row.phone where u.id = v_row.id and u.phone = v_row.saved;
        when 'patient' then update app_public.patient p set phone = v_row.phone where p.id = v_row.id and p.phone = v_row.saved;
        else update app_public.clinic c set phone = v_row.phone where c.id = v_row.id and c.phone = v_row.saved;
      end case;
    exception when others then
      v_left := v_left + 1;
    end;
  end loop;
  return v_left;
end;
$$;


ALTER FUNCTION app_private.correct_saved_phones() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION correct_saved_phones(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.correct_saved_phones() IS 'Corrects the users'', patients'' and clinics'' phones that today''s rules read otherwise (saved_phone_corrected), each change audited, a phone changed meanwhile left as it is; answers how many phones were left: no phone by today''s rules (the wrong number of digits for their country, or no country code in use), or the row cannot take the corrected phone (another account has it, or the row breaks a newer rule). The audit chains of the rows it corrects are locked first, in the order of their ids (lock_audit_chains), as logins and password changes take them. Run by 000086; an operator may run it again.';


--
-- Name: count_device_failure(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.count_device_failure(device_id uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_count integer;
begin
  update app_private.login_device d set
    failed_login_count = d.failed_login_count + 1,
    first_failed_login_at = coalesce(d.first_failed_login_at, now())
  where d.id = count_device_failure.device_id
  returning d.failed_login_count into v_count;
  if v_count >= 5 then
    delete from app_private.login_device d where d.id = count_device_failure.device_id;
  end if;
end;
$$;


ALTER FUNCTION app_private.count_device_failure(device_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION count_device_failure(device_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.count_device_failure(device_id uuid) IS 'Counts a wrong password given with the device''s cookie against that device (not the address nor the account): the 5th since the last login with it or password change from it (note_login_device, change_password clear them), however far apart, deletes it, its cookie trusted no longer.';


--
-- Name: count_password_failure(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.count_password_failure(user_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_secret app_private.user_secret;
begin
  update app_private.user_secret s set
    failed_login_count = case when s.first_failed_login_at > now() - interval '15 minutes' then s.failed_login_count + 1 else 1 end,
    first_failed_login_at = case when s.first_failed_login_at > now() - interval '15 minutes' then s.first_failed_login_at else now() end
  where s.user_id = count_password_failure.user_id
  returning * into v_secret;
  if v_secret.failed_login_count >= 5 and not coalesce(v_secret.locked_until > now(), false) then
    update app_private.user_secret s set locked_until = now() + interval '15 minutes' where s.user_id = count_password_failure.user_id;
  end if;
end;
$$;


ALTER FUNCTION app_private.count_password_failure(user_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION count_password_failure(user_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.count_password_failure(user_id uuid) IS 'Counts a wrong password against an account (a login''s, or a password change''s current one): the 5th within 15 minutes of the first locks the account for 15 minutes.';


--
-- Name: create_platform_admin(text, text, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.create_platform_admin(phone text, full_name text, password text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_phone app_public.e164_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  v_user record;
begin
  perform app_private.check_person_name(full_name);
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  -- a new user's secret was made from this password; someone already registered gets it now
  if not v_user.created then
    perform app_private.replace_password(v_user.user_id, app_private.hash_password(password), null, '{"by": "npm run superuser"}');
  end if;
  update app_public."user" u set is_platform_admin = true, is_active = true where u.id = v_user.user_id;
  return v_user.user_id;
end;
$$;


ALTER FUNCTION app_private.create_platform_admin(phone text, full_name text, password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION create_platform_admin(phone text, full_name text, password text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.create_platform_admin(phone text, full_name text, password text) IS 'Creates a platform administrator, or promotes someone who has an account; either way the account gets the password given (`npm run superuser`). A reset of an existing account''s password unlocks it, ends every session of the account, and is audited in the platform''s chain (user_secret, passwordChanged, with the sessions in no clinic it ended; those of each clinic in its chain, sessions_ended: replace_password).';


--
-- Name: csv_safe(text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.csv_safe(value text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
  select regexp_replace(
    regexp_replace(case when value ~ '^[=+\-@\t\r\n]' then '''' || value else value end, '([;\t])(?=[=+\-@\t\r\n])', '\1''', 'g'),
    '([\r\n])([=+\-@\t])', '\1''\2', 'g');
$$;


ALTER FUNCTION app_private.csv_safe(value text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION csv_safe(value text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.csv_safe(value text) IS 'Defuses spreadsheet formulas: a cell starting with = + - @ (or a tab, carriage return or line feed) gets a leading apostrophe, and so does what follows a `;` or a tab starting with one of them (where `;` or a tab separates cells, a cell starts there), and a line starting with = + - @ or a tab after a carriage return or line feed (where `;` separates cells, a quote is text and a line break starts a row).';


--
-- Name: dashboard_for(uuid, date, date); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) RETURNS app_public.dashboard
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinic uuid := dashboard_for.clinic_id;
  v_result app_public.dashboard;
begin
  with per_day as (
    select m.business_date, sum(m.amount) as amount from app_private.daily_money m
    where m.clinic_id = v_clinic and m.business_date between from_date and to_date group by m.business_date
  )
  select (select coalesce(sum(amount), 0) from per_day),
    (select jsonb_agg(jsonb_build_object('date', g::date, 'amount', coalesce(p.amount, 0)::numeric(20,3)::text) order by g)
     from generate_series(from_date::timestamp, to_date::timestamp, interval '1 day') g left join per_day p on p.business_date = g::date),
    -- the methods money moved in (a method a payment was corrected away from keeps a row of none)
    (select coalesce(jsonb_agg(jsonb_build_object('method', method, 'amount', amount::text) order by method), '[]')
     from (select m.method, sum(m.amount) as amount from app_private.daily_money m
           where m.clinic_id = v_clinic and m.business_date between from_date and to_date group by m.method
           having sum(m.movements) > 0) x)
  into v_result.revenue, v_result.revenue_by_day, v_result.revenue_by_method;

  select coalesce(jsonb_agg(jsonb_build_object('status', status, 'count', n) order by status), '[]')
  into v_result.visits_by_status
  from (select d.status, sum(d.visits) as n from app_private.daily_visits d
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date group by d.status having sum(d.visits) > 0) x;

  -- two doctors of one name and count in one order at every load: the order ends with the member's key
  select coalesce(jsonb_agg(jsonb_build_object('doctorId', doctor_id, 'name', full_name, 'count', n) order by n desc, full_name collate "und-x-icu", doctor_id), '[]')
  into v_result.visits_by_doctor
  from (select d.doctor_id, u.full_name, sum(d.visits) as n
        from app_private.daily_visits d
        join app_public.membership m on m.clinic_id = d.clinic_id and m.id = d.doctor_id
        join app_public."user" u on u.id = m.user_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.doctor_id, u.full_name having sum(d.visits) > 0) x;

  select coalesce(sum(d.patients), 0) into v_result.new_patients from app_private.daily_patients d
  where d.clinic_id = v_clinic and d.local_date between from_date and to_date;

  select coalesce(jsonb_agg(jsonb_build_object('serviceId', service_id, 'name', name, 'quantity', quantity, 'amount', amount::text) order by amount desc, name collate "und-x-icu", service_id), '[]')
  into v_result.top_services
  from (select d.service_id, s.name, sum(d.quantity) as quantity, sum(d.amount) as amount
        from app_private.daily_services d
        join app_public.service s on s.clinic_id = d.clinic_id and s.id = d.service_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.service_id, s.name having sum(d.quantity) > 0
        -- ties at the fifth place kept or left out alike at every load: the order ends with the service's key
        order by amount desc, s.name collate "und-x-icu", d.service_id limit 5) x;

  select coalesce(sum(i.balance), 0) into v_result.outstanding_balance from app_public.invoice i
  where i.clinic_id = v_clinic and i.status in ('issued', 'partially_paid');

  select round(sum(d.completed_value) / nullif(sum(d.visits), 0),
    (select app_public.currency_decimals(c.currency) from app_public.clinic c where c.id = v_clinic))
  into v_result.average_visit_value
  from app_private.daily_visits d
  where d.clinic_id = v_clinic and d.status = 'completed' and d.local_date between from_date and to_date;

  return v_result;
end;
$$;


ALTER FUNCTION app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION dashboard_for(clinic_id uuid, from_date date, to_date date); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) IS 'The dashboard figures of a clinic for a period of its business days (see app_public.dashboard); money as decimal strings, in the lists too. Its ranked lists (topServices, visitsByDoctor) are by amount or count, then name, then the row''s id, so ties come in one order at every load.';


--
-- Name: days_to_reopen_late(uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.days_to_reopen_late(clinic_id uuid, as_of timestamp with time zone) RETURNS SETOF date
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select distinct m.business_date from app_private.daily_money m
  join app_public.clinic c on c.id = m.clinic_id
  where m.clinic_id = days_to_reopen_late.clinic_id
    and m.business_date between (as_of at time zone c.timezone)::date - 3 and (as_of at time zone c.timezone)::date - 2
    and not exists (select from app_public.daily_reconciliation r where r.clinic_id = m.clinic_id and r.business_date = m.business_date)
  order by 1;
$$;


ALTER FUNCTION app_private.days_to_reopen_late(clinic_id uuid, as_of timestamp with time zone) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION days_to_reopen_late(clinic_id uuid, as_of timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.days_to_reopen_late(clinic_id uuid, as_of timestamp with time zone) IS 'The two business days before the one that ended before `as_of` (open_reconciliation''s) that have money and no reconciliation yet, earliest first: a change of time zone across the date line between two runs skips a local date. For open_reconciliations.';


--
-- Name: export_download; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.export_download (
    id uuid NOT NULL,
    clinic_id uuid NOT NULL,
    export_id uuid NOT NULL,
    user_id uuid NOT NULL,
    session_id uuid NOT NULL,
    kind app_public.export_kind NOT NULL,
    file_name text NOT NULL,
    begun_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY app_private.export_download FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.export_download OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE export_download; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.export_download IS 'A download of an export under way: what its end''s audit needs, kept by export_for_download as the download begins (in the transaction that checks the session and the export and writes its export entry), and taken by export_download_ended at its end, so that a download cut short is audited for the person and clinic it began with whatever became of its session meanwhile (ended, its row deleted by the hourly sweep). Keyed by the download''s id alone, by which its end finds it. A row whose download''s end never came (the server stopped mid-file, the database unreachable at its end) is taken a day after it began by the hourly sweep (sweep_unended_downloads), which audits the download as cut short, its end never told.';


--
-- Name: COLUMN export_download.id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.export_download.id IS 'The download''s id, which its export entry''s detail gives (`download`).';


--
-- Name: COLUMN export_download.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.export_download.clinic_id IS 'The export''s clinic, whose audit chain the download''s entries are in.';


--
-- Name: COLUMN export_download.export_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.export_download.export_id IS 'The export downloaded.';


--
-- Name: COLUMN export_download.user_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.export_download.user_id IS 'Who began the download: the actor of its entries.';


--
-- Name: COLUMN export_download.session_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.export_download.session_id IS 'The session that began the download: only its session id claim ends it (export_download_ended), even once the session has ended or its row is gone.';


--
-- Name: COLUMN export_download.kind; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.export_download.kind IS 'The export''s kind, as its export entry gives it.';


--
-- Name: COLUMN export_download.file_name; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.export_download.file_name IS 'The export''s file name, as its export entry gives it (`file`).';


--
-- Name: COLUMN export_download.begun_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.export_download.begun_at IS 'When the download began.';


--
-- Name: download_cut_short(app_private.export_download, boolean); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.download_cut_short(download app_private.export_download, end_never_came boolean) RETURNS void
    LANGUAGE sql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select app_private.write_audit(download.clinic_id, 'export_cut_short', 'report_export', download.export_id, null, null,
    jsonb_build_object('kind', download.kind, 'file', download.file_name, 'download', download.id)
      || case when end_never_came then jsonb_build_object('endNeverCame', true) else '{}'::jsonb end,
    download.user_id);
$$;


ALTER FUNCTION app_private.download_cut_short(download app_private.export_download, end_never_came boolean) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION download_cut_short(download app_private.export_download, end_never_came boolean); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.download_cut_short(download app_private.export_download, end_never_came boolean) IS 'Audits a download as cut short (export_cut_short), in its clinic''s chain, by the person who began it, its detail giving the kind, file and download id of its export entry, and `endNeverCame: true` when its end was never told (sweep_unended_downloads). Called by export_download_ended and sweep_unended_downloads, with the row of app_private.export_download each has taken.';


--
-- Name: drop_days_opened_before_clinics(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.drop_days_opened_before_clinics() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_dropped integer;
begin
  -- one statement: the audit chains of its clinics are taken in the order of their ids (tg__audit_chains_in_order).
  -- No day's lock: one a day, they could pass the lock table's room on a large platform. A row a payment dated back
  -- into its day refreshes meanwhile is read again once that payment commits, and kept (its expected total no longer 0)
  delete from app_public.daily_reconciliation d using app_public.clinic c
  where c.id = d.clinic_id
    and d.business_date < (c.created_at at time zone c.timezone)::date
    and d.status = 'open' and d.counted_total is null and d.expected_total = 0
    and d.closed_at is null and d.reopened_at is null and d.notes is null and d.created_by is null and d.updated_by is null
    and not exists (select from app_private.daily_money m where m.clinic_id = d.clinic_id and m.business_date = d.business_date and m.movements > 0);
  get diagnostics v_dropped = row_count;
  return v_dropped;
end;
$$;


ALTER FUNCTION app_private.drop_days_opened_before_clinics() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION drop_days_opened_before_clinics(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.drop_days_opened_before_clinics() IS 'Deletes, each audited, the open days the hourly reconciliation opened before their clinic''s first local day (the date of its creation in its time zone) before 000265: with no money, never counted, closed, reopened or written on. Returns how many. Run by 000265; an operator may run it again.';


--
-- Name: end_sessions_of(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.end_sessions_of(user_id uuid, kept_session_id uuid) RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  with ended as (
    update app_private.session s set revoked_at = now()
    where s.user_id = end_sessions_of.user_id and s.revoked_at is null and s.expires_at > now()
      and s.id is distinct from end_sessions_of.kept_session_id
    returning s.id, s.clinic_id
  )
  select coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'clinicId', e.clinic_id) order by e.id), '[]') from ended e;
$$;


ALTER FUNCTION app_private.end_sessions_of(user_id uuid, kept_session_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION end_sessions_of(user_id uuid, kept_session_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.end_sessions_of(user_id uuid, kept_session_id uuid) IS 'Ends every live session (neither revoked nor expired) of the user but kept_session_id (none when null), as a logout ends them (their tokens UNAUTHENTICATED, their websockets closed); one already expired had ended then, and is left to the sweep (expire_sessions), neither ended nor answered again. Answers them as open_session lists those its cap ended, each its id and clinic ({id, clinicId}; none, an empty array), for audit_sessions_ended.';


--
-- Name: enter_address_attempt(inet); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.enter_address_attempt(ip inet) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_key bigint := app_private.secret_lock_key('address:' || abbrev(app_hidden.throttled_network(enter_address_attempt.ip)));
begin
  if enter_address_attempt.ip is null then
    return 0; -- no address, no throttle (address_throttle)
  end if;
  -- shared: attempts of one address never wait for each other; held until the transaction ends, after its failure is
  -- committed (a transaction is seen committed before its locks are released)
  perform pg_advisory_xact_lock_shared(v_key);
  return (
    select count(*) from pg_locks l
    where l.locktype = 'advisory' and l.granted and l.pid <> pg_backend_pid()
      and l.database = (select d.oid from pg_database d where d.datname = current_database())
      and l.classid = ((v_key >> 32) & 4294967295)::oid and l.objid = (v_key & 4294967295)::oid and l.objsubid = 1);
end;
$$;


ALTER FUNCTION app_private.enter_address_attempt(ip inet) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION enter_address_attempt(ip inet); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.enter_address_attempt(ip inet) IS 'Marks this transaction''s login attempt as in flight from the client address `ip` (its network, throttled_network) until the transaction ends, by a shared advisory lock (secret_lock_key of ''address:'' and the network, which pg_locks shows without telling the address), and returns how many other attempts of it are in flight, which address_throttle counts as failures (read in a statement after this one, READ COMMITTED, so that an attempt ended meanwhile is read as its failure). 0 for a null address, which is not throttled. For login, which calls it in a block of its own and undoes that block, the lock with it, when the attempt is refused for those in flight (address_busy): only attempts whose password is checked are in flight.';


--
-- Name: expected_totals(uuid, date); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.expected_totals(clinic_id uuid, business_date date) RETURNS TABLE(cash numeric, card numeric, bank_transfer numeric, mobile_money numeric, insurance numeric)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  return query
  with movements as (
    select p.method, p.amount from app_public.payment p
    where p.clinic_id = expected_totals.clinic_id and p.business_date = expected_totals.business_date
    union all
    select r.method, -r.amount from app_public.refund r
    where r.clinic_id = expected_totals.clinic_id and r.business_date = expected_totals.business_date
  )
  select coalesce(sum(amount) filter (where method = 'cash'), 0),
         coalesce(sum(amount) filter (where method = 'card'), 0),
         coalesce(sum(amount) filter (where method = 'bank_transfer'), 0),
         coalesce(sum(amount) filter (where method = 'mobile_money'), 0),
         coalesce(sum(amount) filter (where method = 'insurance'), 0)
  from movements;
end;
$$;


ALTER FUNCTION app_private.expected_totals(clinic_id uuid, business_date date) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION expected_totals(clinic_id uuid, business_date date); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.expected_totals(clinic_id uuid, business_date date) IS 'Payments minus refunds per method for one clinic and business day.';


--
-- Name: expire_sessions(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.expire_sessions() RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  with gone as (
    delete from app_private.session s
    where s.id in (
      select o.id from app_private.session o
      where o.expires_at <= now() or o.revoked_at <= now() - interval '1 day'
      for update skip locked)
    returning 1
  )
  select count(*)::integer from gone;
$$;


ALTER FUNCTION app_private.expire_sessions() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION expire_sessions(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.expire_sessions() IS 'Deletes every session that has expired, or was revoked more than a day ago; returns how many. Run hourly by session__expire (worker/crontab), so an expired session is deleted within the hour after its expiry, a revoked one within the hour after its day; a session''s token is refused from its end all the same, its row kept or not (live_session). Nothing reads an ended session''s row but to pass it over (a download it began is audited at its end from what it kept as it began, app_private.export_download): an expired one goes at once since it stays in session_user_live_idx, which each login''s cap reads, until it is deleted. One that another transaction holds (ending it, or changing it) is left to the next hourly run, never waited for: the sweep is in no deadlock with an ending of sessions, whatever order that takes them in. Logins stay in the audit log.';


--
-- Name: export_order(app_public.export_kind); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.export_order(kind app_public.export_kind) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
  select case kind
    when 'patients_csv' then 'p.code'
    when 'visits_csv' then 'v.scheduled_at, v.code'
    when 'invoices_csv' then 'i.code'
    when 'payments_csv' then 'm.business_date, m.moved_at, m.code'
  end;
$$;


ALTER FUNCTION app_private.export_order(kind app_public.export_kind) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION export_order(kind app_public.export_kind); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.export_order(kind app_public.export_kind) IS 'The ORDER BY of each CSV export, over export_rows''s query: payments and refunds by business day, then the moment they moved (not its wall-clock time, which repeats an hour on the day clocks go back).';


--
-- Name: export_query(app_public.export_kind); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.export_query(kind app_public.export_kind) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
  select app_private.export_rows(kind) || ' order by ' || app_private.export_order(kind);
$$;


ALTER FUNCTION app_private.export_query(kind app_public.export_kind) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION export_query(kind app_public.export_kind); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.export_query(kind app_public.export_kind) IS 'The SQL of each CSV export ($1 clinic, $2 and $3 the period): export_rows in export_order.';


--
-- Name: export_rows(app_public.export_kind); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.export_rows(kind app_public.export_kind) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
  select case kind
    when 'patients_csv' then $q$
      select app_private.csv_safe(p.code) as code, app_private.csv_safe(p.first_name) as first_name,
             app_private.csv_safe(p.last_name) as last_name, p.phone, to_char(p.date_of_birth, 'YYYY-MM-DD') as date_of_birth, p.sex,
             app_private.csv_safe(p.address) as address, to_char(p.created_at at time zone c.timezone, 'YYYY-MM-DD') as registered_on
      from app_public.patient p join app_public.clinic c on c.id = p.clinic_id
      where p.clinic_id = $1 and p.deleted_at is null and (p.created_at at time zone c.timezone)::date between $2::date and $3::date
        and p.created_at >= ($2::date - 1)::timestamp at time zone 'UTC'
        and p.created_at < ($3::date + 2)::timestamp at time zone 'UTC' $q$
    when 'visits_csv' then $q$
      select app_private.csv_safe(v.code) as code, app_private.csv_safe(p.code) as patient_code, app_private.csv_safe(u.full_name) as doctor, v.status,
             to_char(v.scheduled_at at time zone c.timezone, 'YYYY-MM-DD HH24:MI:SS') as scheduled_at, app_private.csv_safe(v.reason) as reason,
             app_private.csv_safe(v.cancel_reason) as cancel_reason
      from app_public.visit v join app_public.clinic c on c.id = v.clinic_id
      join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
      join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
      join app_public."user" u on u.id = m.user_id
      where v.clinic_id = $1 and (v.scheduled_at at time zone c.timezone)::date between $2::date and $3::date
        and v.scheduled_at >= ($2::date - 1)::timestamp at time zone 'UTC'
        and v.scheduled_at < ($3::date + 2)::timestamp at time zone 'UTC' $q$
    when 'invoices_csv' then $q$
      select app_private.csv_safe(i.code) as code, app_private.csv_safe(p.code) as patient_code, i.status, i.currency, i.subtotal, i.discount_total, i.tax_total, i.total,
             i.amount_paid, i.balance, to_char(i.created_at at time zone c.timezone, 'YYYY-MM-DD') as created_on,
             app_private.csv_safe(i.void_reason) as void_reason
      from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id
      join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
      where i.clinic_id = $1 and (i.created_at at time zone c.timezone)::date between $2::date and $3::date
        and i.created_at >= ($2::date - 1)::timestamp at time zone 'UTC'
        and i.created_at < ($3::date + 2)::timestamp at time zone 'UTC' $q$
    when 'payments_csv' then $q$
      select m.kind, app_private.csv_safe(m.code) as code, app_private.csv_safe(m.invoice_code) as invoice_code, m.method, m.amount, to_char(m.business_date, 'YYYY-MM-DD') as business_date,
             to_char(m.happened_at, 'YYYY-MM-DD HH24:MI:SS') as happened_at, app_private.csv_safe(m.reference) as reference, m.currency from (
        select 'payment' as kind, p.code, i.code as invoice_code, p.method, p.amount, i.currency, p.business_date,
               p.received_at at time zone c.timezone as happened_at, p.received_at as moved_at, p.reference
        from app_public.payment p join app_public.clinic c on c.id = p.clinic_id
        join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
        where p.clinic_id = $1 and p.business_date between $2 and $3
        union all
        select 'refund', r.code, i.code, r.method, -r.amount, i.currency, r.business_date, r.refunded_at at time zone c.timezone, r.refunded_at, r.reason
        from app_public.refund r join app_public.clinic c on c.id = r.clinic_id
        join app_public.invoice i on i.clinic_id = r.clinic_id and i.id = r.invoice_id
        where r.clinic_id = $1 and r.business_date between $2 and $3) m $q$
  end;
$_$;


ALTER FUNCTION app_private.export_rows(kind app_public.export_kind) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION export_rows(kind app_public.export_kind); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.export_rows(kind app_public.export_kind) IS 'The rows of each CSV export, unsorted ($1 clinic, $2 and $3 the period): what the worker counts before it starts. Free text and codes are defused, dates are the clinic''s calendar dates and times its wall clock; every amount comes with its currency. A period''s patients, visits and invoices are read through their moment''s index, bounded by the period''s days in UTC, a day wider either side (every time zone''s day falls inside), then chosen by their local day: a day''s export reads about that day''s rows, not every row of the clinic.';


--
-- Name: export_storage_per_clinic_mb(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.export_storage_per_clinic_mb() RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select least(coalesce(nullif(current_setting('clinicops.export_storage_per_clinic_mb', true), '')::bigint, v.most_mb), v.most_mb)
  from (select coalesce((select s.most_mb from app_private.export_storage s), 2048) as most_mb) v;
$$;


ALTER FUNCTION app_private.export_storage_per_clinic_mb() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION export_storage_per_clinic_mb(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.export_storage_per_clinic_mb() IS 'A clinic''s export storage in MB: the transaction''s clinicops.export_storage_per_clinic_mb (the server''s EXPORT_STORAGE_PER_CLINIC_MB), never more than the most kept in app_private.export_storage (2048 without a row), and that most without the setting. Any session may set the setting: it lowers its own budget, never raises it. For request_export.';


--
-- Name: export_to_change(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.export_to_change(export_id uuid) RETURNS app_public.report_export
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_export app_public.report_export;
begin
  -- as a download reads it: the session's clinic's, for a money role; anyone else's, or a guess, is no such export
  select * into v_export from app_public.report_export e
  where e.clinic_id = app_public.current_clinic_id() and e.id = export_to_change.export_id and app_hidden.handles_money()
  for update;
  if v_export.id is null then
    raise exception 'No such export.' using errcode = 'CNOTF';
  end if;
  return v_export;
end;
$$;


ALTER FUNCTION app_private.export_to_change(export_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION export_to_change(export_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.export_to_change(export_id uuid) IS 'The export cancel_export or delete_export changes, its row locked to the end of the transaction: one of the session''s clinic, for an owner, admin or cashier, as a download reads it; anyone else''s, or a guess, is NOT_FOUND "No such export.".';


--
-- Name: fail_abandoned_exports(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.fail_abandoned_exports() RETURNS TABLE(clinic_id uuid, id uuid)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- plpgsql: graphile-worker's schema is installed after the migrations on a new database
  return query
  with abandoned as (
    select e.clinic_id, e.id, j.id as job_id, j.attempts, j.max_attempts
    from app_public.report_export e
    left join graphile_worker.jobs j on j.key = 'report_export:' || e.id
    where e.status in ('queued', 'running')
      and (j.id is null
        or (j.attempts >= j.max_attempts and (j.locked_at is null or j.locked_at < now() - interval '4 hours')))
  )
  update app_public.report_export e
  set status = 'failed', finished_at = now(),
      error = case when a.job_id is null then 'The export was interrupted and will not be retried.'
        else format('Attempt %s of %s failed: the export was interrupted (reference: job %s)', a.attempts, a.max_attempts, a.job_id) end
  from abandoned a
  -- asked again of the row as it is once locked: one cancelled or done meanwhile is no longer abandoned
  where e.clinic_id = a.clinic_id and e.id = a.id and e.status in ('queued', 'running')
  returning e.clinic_id, e.id;
end;
$$;


ALTER FUNCTION app_private.fail_abandoned_exports() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION fail_abandoned_exports(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.fail_abandoned_exports() IS 'Marks failed the exports still queued or running whose job will never run again (gone, or out of attempts after its worker died), and returns them; one cancelled or finished while this waits for its row (another transaction writing it) is left as it became. Called by report_export__expire, which then removes the .part files no attempt writes any more: those of exports not queued or running, and those of attempts an export is no longer the work of.';


--
-- Name: find_or_create_user(app_public.e164_phone, text, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text, OUT user_id uuid, OUT created boolean) RETURNS record
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
    -- the password is the caller's choice (an inviter's, a platform admin's, an operator's), not the person's
    insert into app_private.user_secret (user_id, password_hash, password_set_by_holder)
    values (find_or_create_user.user_id, v_password_hash, false);
  end if;
end;
$$;


ALTER FUNCTION app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text, OUT user_id uuid, OUT created boolean) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION find_or_create_user(phone app_public.e164_phone, full_name text, password text, OUT user_id uuid, OUT created boolean); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text, OUT user_id uuid, OUT created boolean) IS 'The user with this phone, and whether this call created them (with the name and the password, which check_password must accept); an existing user keeps their name and password, and needs none given. Looked up under an advisory lock on the phone (account_lock_key, keyed so that pg_locks does not tell the phone), so accounts of one phone are made one at a time and created is true for one caller only.';


--
-- Name: first_day_after_day_without_money(uuid, date); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.first_day_after_day_without_money(clinic_id uuid, business_day date) RETURNS date
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  return (select (c.created_at at time zone c.timezone)::date from app_public.clinic c
          where c.id = first_day_after_day_without_money.clinic_id
            and business_day < (c.created_at at time zone c.timezone)::date
            and not exists (select from app_private.daily_money m
                            where m.clinic_id = c.id and m.business_date = business_day and m.movements > 0));
end;
$$;


ALTER FUNCTION app_private.first_day_after_day_without_money(clinic_id uuid, business_day date) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION first_day_after_day_without_money(clinic_id uuid, business_day date); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.first_day_after_day_without_money(clinic_id uuid, business_day date) IS 'The clinic''s first local day (the date of its creation in its time zone as it is now) when business_day is before it and has no payment or refund: a day that is not one to count (open_reconciliation_of does not open it, close_day does not close it). Null otherwise: a day from the first on, or one with money.';


--
-- Name: hash_password(text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.hash_password(password text) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  perform app_private.check_password(password);
  return app_private.password_hash_of(password);
end;
$$;


ALTER FUNCTION app_private.hash_password(password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION hash_password(password text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.hash_password(password text) IS 'The hash kept of a new password (password_hash_of), once it follows the password rule (check_password).';


--
-- Name: hold_account(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.hold_account(user_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  perform from app_public."user" u where u.id = hold_account.user_id for share;
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(hold_account.user_id));
end;
$$;


ALTER FUNCTION app_private.hold_account(user_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION hold_account(user_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.hold_account(user_id uuid) IS 'Holds, until commit, the account''s row (shared: a password change and a deactivation, which update it, wait, and wait for) and its sessions'' turn (shared: a membership change waits, and is waited for), before a session of the user is touched. Taken by a clinic switch and a logout.';


--
-- Name: hold_for_new_password(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.hold_for_new_password(user_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- the secret before the user row, as a login takes them (000052), then the sessions' turn, as a password
  -- change takes them (change_password)
  perform from app_private.user_secret s where s.user_id = hold_for_new_password.user_id for update;
  perform from app_public."user" u where u.id = hold_for_new_password.user_id for no key update;
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(hold_for_new_password.user_id));
end;
$$;


ALTER FUNCTION app_private.hold_for_new_password(user_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION hold_for_new_password(user_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.hold_for_new_password(user_id uuid) IS 'Takes what a change of the person''s password holds until commit, in the order a password change takes them: their secret, their user row, and their sessions'' turn (shared), so a login, a switch of clinic or a membership change in flight takes turns with it.';


--
-- Name: patient; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.patient (
    clinic_id uuid DEFAULT app_public.current_clinic_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    code text NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    phone text,
    date_of_birth date,
    sex app_public.sex DEFAULT 'unknown'::app_public.sex NOT NULL,
    address text,
    notes text,
    search_text text GENERATED ALWAYS AS (lower(((((((first_name || ' '::text) || last_name) || ' '::text) || code) || ' '::text) || COALESCE(phone, ''::text)))) STORED,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    deleted_at timestamp with time zone,
    deleted_by uuid,
    CONSTRAINT patient_address_check CHECK ((char_length(address) <= 500)),
    CONSTRAINT patient_date_of_birth_check CHECK ((date_of_birth >= '1900-01-01'::date)),
    CONSTRAINT patient_first_name_check CHECK (((char_length(first_name) >= 1) AND (char_length(first_name) <= 100))),
    CONSTRAINT patient_last_name_check CHECK (((char_length(last_name) >= 1) AND (char_length(last_name) <= 100))),
    CONSTRAINT patient_notes_check CHECK ((char_length(notes) <= 5000)),
    CONSTRAINT patient_phone_check CHECK ((phone ~ '^\+[1-9][0-9]{6,14}$'::text))
);

ALTER TABLE ONLY app_public.patient FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.patient OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE patient; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.patient IS '@behavior -delete
A patient of the clinic. Delete with deletePatient (soft delete: hidden, kept), bring back with restorePatient.';


--
-- Name: COLUMN patient.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.clinic_id IS 'The clinic; always the session''s clinic.';


--
-- Name: COLUMN patient.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.id IS 'Internal identifier.';


--
-- Name: COLUMN patient.code; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.code IS 'Human-readable code, PAT-000001, allocated by the database.';


--
-- Name: COLUMN patient.first_name; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.first_name IS '@sortCollation und-x-icu
Given name(s).';


--
-- Name: COLUMN patient.last_name; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.last_name IS '@sortCollation und-x-icu
Family name.';


--
-- Name: COLUMN patient.phone; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.phone IS 'Phone in E.164; typed national numbers are completed with the clinic''s country code.';


--
-- Name: COLUMN patient.date_of_birth; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.date_of_birth IS 'Date of birth; not in the future.';


--
-- Name: COLUMN patient.sex; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.sex IS 'Sex as recorded.';


--
-- Name: COLUMN patient.address; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.address IS 'Postal address.';


--
-- Name: COLUMN patient.notes; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.notes IS 'Free notes (up to 5,000 characters).';


--
-- Name: COLUMN patient.search_text; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.search_text IS '@behavior -*
What searchPatients matches: names, code and phone, lower-cased.';


--
-- Name: COLUMN patient.created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.created_at IS 'When the patient was registered.';


--
-- Name: COLUMN patient.created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.created_by IS 'Who registered the patient.';


--
-- Name: COLUMN patient.updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.updated_at IS 'When the row last changed.';


--
-- Name: COLUMN patient.updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.updated_by IS 'User who last changed the row.';


--
-- Name: COLUMN patient.deleted_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.deleted_at IS 'When the patient was deleted (soft delete); null otherwise.';


--
-- Name: COLUMN patient.deleted_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.patient.deleted_by IS 'Who deleted the patient.';


--
-- Name: index_patients(app_public.patient[]); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.index_patients(patients app_public.patient[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  insert into app_private.patient_search (clinic_id, patient_id, search_text, code, last_name, first_name, date_of_birth, deleted)
  select p.clinic_id, p.id,
         -- the names without their punctuation too, where that makes other text (o'brien: obrien), as people also type them
         concat_ws(' ', app_hidden.search_key(p.search_text),
                   nullif(app_hidden.name_unpunctuated(app_hidden.search_key(p.first_name)), app_hidden.search_key(p.first_name)),
                   nullif(app_hidden.name_unpunctuated(app_hidden.search_key(p.last_name)), app_hidden.search_key(p.last_name))),
         p.code, p.last_name, p.first_name, p.date_of_birth, p.deleted_at is not null
  from unnest(patients) p
  on conflict (clinic_id, patient_id) do update
    set search_text = excluded.search_text, code = excluded.code, last_name = excluded.last_name, first_name = excluded.first_name,
        date_of_birth = excluded.date_of_birth, deleted = excluded.deleted;
end;
$$;


ALTER FUNCTION app_private.index_patients(patients app_public.patient[]) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION index_patients(patients app_public.patient[]); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.index_patients(patients app_public.patient[]) IS 'Copies the searchable text (without accents: search_key; each name also without its hyphens, apostrophes and dots, name_unpunctuated, where that differs), sort keys, date of birth and whether they are deleted of `patients` into patient_search (insert or update).';


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
    deleted_by uuid,
    accepted_at timestamp with time zone DEFAULT now()
);

ALTER TABLE ONLY app_public.membership FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.membership OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE membership; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.membership IS '@behavior -delete
@defaultOrderBy FULL_NAME_ASC,ROLE_ASC,PRIMARY_KEY_ASC
@unique clinic_id,user_id|@behavior -single -update -delete
A user''s role in a clinic, listed by the member''s name. Removing a member soft-deletes the membership (see removeMember / restoreMember).';


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

COMMENT ON COLUMN app_public.membership.role IS '@behavior +filterBy +orderBy
What the member may do in this clinic.';


--
-- Name: COLUMN membership.is_active; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.is_active IS '@behavior +filterBy +orderBy
False suspends the member: no login into this clinic, sessions ended.';


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
-- Name: COLUMN membership.accepted_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.membership.accepted_at IS '@behavior +filterBy +orderBy
When the member accepted the membership; null while it is a pending invitation (invite_member of a phone that already had a user), which gives no access and does not show the person to the clinic until they accept it (acceptInvitation).';


--
-- Name: invite_again(uuid, uuid, app_public.member_role); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.invite_again(clinic_id uuid, user_id uuid, role app_public.member_role) RETURNS app_public.membership
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.reinvitation" TO 'on'
    AS $$
declare
  v_membership app_public.membership;
begin
  -- removed rows are read with include_deleted, and the membership's triggers take this update for an invitation, not
  -- restoreMember's restore, with reinvitation (both on in this function's definition)
  update app_public.membership m
  set deleted_at = null, deleted_by = null, accepted_at = null, role = invite_again.role, is_active = true
  where m.clinic_id = invite_again.clinic_id
    and m.id = (
      select o.id from app_public.membership o
      where o.clinic_id = invite_again.clinic_id and o.user_id = invite_again.user_id and o.deleted_at is not null
      order by o.accepted_at is not null desc, o.deleted_at desc, o.id
      limit 1)
  returning * into v_membership;
  if v_membership.id is not null then
    -- counted in the clinic's hourly limit (memberships_added_lately), under invite_member's turn of the clinic, which
    -- also prunes what the limit no longer reads
    delete from app_private.reinvitation r where r.clinic_id = invite_again.clinic_id and r.invited_at <= now() - interval '1 hour';
    insert into app_private.reinvitation (clinic_id, membership_id) values (invite_again.clinic_id, v_membership.id);
  end if;
  return v_membership;
end;
$$;


ALTER FUNCTION app_private.invite_again(clinic_id uuid, user_id uuid, role app_public.member_role) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION invite_again(clinic_id uuid, user_id uuid, role app_public.member_role); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.invite_again(clinic_id uuid, user_id uuid, role app_public.member_role) IS 'invite_member''s invitation of someone the clinic removed (or whose invitation was withdrawn or declined): their removed membership of the clinic (the newest they had accepted, else the newest) made pending again with the new role, active, so that the visits booked with them are theirs once they accept; null when they have none. Each one is kept in app_private.reinvitation for the clinic''s hourly limit (memberships_added_lately). Sets clinicops.reinvitation in its definition, which the membership''s triggers read (app_private.invited_again) as an invitation.';


--
-- Name: invited_again(app_public.membership, app_public.membership); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.invited_again(old app_public.membership, new app_public.membership) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select coalesce(invited_again.old.deleted_at is not null and invited_again.new.deleted_at is null
                  and invited_again.new.accepted_at is null
                  and current_setting('clinicops.reinvitation', true) = 'on', false);
$$;


ALTER FUNCTION app_private.invited_again(old app_public.membership, new app_public.membership) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION invited_again(old app_public.membership, new app_public.membership); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.invited_again(old app_public.membership, new app_public.membership) IS 'Whether an update of a membership from `old` to `new` is invite_again''s: a removed membership made pending again while invite_again runs (its definition sets clinicops.reinvitation), an invitation like a new one and not restoreMember''s restore. False when the mark is missing (a connection where invite_again never ran). For the membership''s triggers (tg_membership__guard_owners, tg_membership__declined_stays_declined).';


--
-- Name: invoice_document(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.invoice_document(clinic_id uuid, invoice_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select jsonb_build_object(
    'clinic', app_private.clinic_header(i.clinic_id),
    'invoice', jsonb_build_object('code', i.code, 'status', i.status, 'currency', i.currency, 'issuedAt', i.issued_at,
      'createdAt', i.created_at, 'subtotal', i.subtotal, 'discountTotal', i.discount_total, 'taxTotal', i.tax_total,
      'total', i.total, 'amountPaid', i.amount_paid, 'balance', i.balance, 'notes', i.notes, 'voidReason', i.void_reason),
    'patient', jsonb_build_object('code', p.code, 'name', p.first_name || ' ' || p.last_name, 'phone', p.phone, 'address', p.address),
    'lines', (select coalesce(jsonb_agg(jsonb_build_object('description', l.description, 'quantity', l.quantity, 'unitPrice', l.unit_price,
                'discount', l.discount, 'taxRate', l.tax_rate, 'tax', l.line_tax, 'total', l.line_total)
                order by l.position), '[]')
              from app_public.invoice_line l
              where l.clinic_id = i.clinic_id and l.invoice_id = i.id),
    'payments', (select coalesce(jsonb_agg(jsonb_build_object('code', m.code, 'kind', m.kind, 'method', m.method, 'amount', m.amount, 'at', m.at,
                   'reference', m.reference) order by m.at, m.code), '[]')
                 from (select p2.code, 'payment' as kind, p2.method, p2.amount, p2.received_at as at, p2.reference from app_public.payment p2
                       where p2.clinic_id = i.clinic_id and p2.invoice_id = i.id
                       union all
                       select r.code, 'refund', r.method, -r.amount, r.refunded_at, r.reason from app_public.refund r
                       where r.clinic_id = i.clinic_id and r.invoice_id = i.id) m))
  from app_public.invoice i
  join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
  where i.clinic_id = invoice_document.clinic_id and i.id = invoice_document.invoice_id;
$$;


ALTER FUNCTION app_private.invoice_document(clinic_id uuid, invoice_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION invoice_document(clinic_id uuid, invoice_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.invoice_document(clinic_id uuid, invoice_id uuid) IS 'Everything an invoice PDF prints: clinic header, patient, lines, taxes, payments and refunds, balance, footer.';


--
-- Name: kinds_with_codes(uuid, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.kinds_with_codes(clinic_id uuid, prefix text) RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $_$
  select array_remove(array[
    case when exists (select from app_public.patient t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'PAT' end,
    case when exists (select from app_public.service t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'SRV' end,
    case when exists (select from app_public.visit t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'VIS' end,
    case when exists (select from app_public.invoice t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'INV' end,
    case when exists (select from app_public.payment t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'PAY' end,
    case when exists (select from app_public.refund t where t.clinic_id = $1 and upper(t.code) like upper($2) || '-%') then 'REF' end
  ], null);
$_$;


ALTER FUNCTION app_private.kinds_with_codes(clinic_id uuid, prefix text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION kinds_with_codes(clinic_id uuid, prefix text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.kinds_with_codes(clinic_id uuid, prefix text) IS 'The kinds (PAT, SRV, VIS, INV, PAY, REF) of which the clinic has codes beginning with this prefix and a dash, deleted rows included; as seen by the session (its own clinic).';


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
    switch_refused_at timestamp with time zone,
    replaced_session_id uuid,
    CONSTRAINT session_check CHECK (((clinic_id IS NULL) = (role IS NULL)))
);

ALTER TABLE ONLY app_private.session FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.session OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE session; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.session IS 'A login. The JWT carries only its id as the authority: logout, expiry, a role change or a suspension act here, so a token stops working at once. A session ended is refused from its end, its row kept or not; the hourly sweep (expire_sessions) deletes an expired one within the hour after its expiry, a revoked one within the hour after a day. A download it began reads no session at its end (app_private.export_download).';


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

COMMENT ON COLUMN app_private.session.expires_at IS 'The session ends at this time: its token is refused from then on (live_session); the row is deleted by the first hourly sweep past it (expire_sessions).';


--
-- Name: COLUMN session.revoked_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.revoked_at IS 'Set by logout, clinic switch, password change, role removal or suspension, or a login (or switch) of the same account beyond its 10 live sessions (open_session).';


--
-- Name: COLUMN session.ip; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.ip IS 'Client address at login.';


--
-- Name: COLUMN session.user_agent; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.user_agent IS 'Client user agent at login.';


--
-- Name: COLUMN session.switch_refused_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.switch_refused_at IS 'When a switch from this session to a clinic its user is not a member of was last audited: such refusals are audited once a quarter of an hour per session (switch_clinic).';


--
-- Name: COLUMN session.replaced_session_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.session.replaced_session_id IS 'The session of the cookie the login that opened this one replaced (one''s own, or a colleague''s at a shared desk), as the server gave it; null for a switch or a login over no cookie. app_hidden.logout reads it to audit a colleague''s session it ends as ended by this login.';


--
-- Name: live_session(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.live_session() RETURNS app_private.session
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_claim uuid := app_public.current_session_id();
  live app_private.session;
begin
  if v_claim is null then
    return live;
  end if;
  select s.* into live from app_private.session s
  where s.id = v_claim and s.revoked_at is null and s.expires_at > now();
  -- now() is the transaction's start: a session revoked at that instant was revoked by this transaction
  if not found and not exists (select from app_private.session s where s.id = v_claim and s.revoked_at = now()) then
    raise exception 'Your session has ended: log in again.' using errcode = 'CAUTH';
  end if;
  return live;
end;
$$;


ALTER FUNCTION app_private.live_session() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION live_session(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.live_session() IS 'The session behind the request''s session id claim if it is live (neither revoked nor expired); a row of nulls without a claim, or when this very transaction ended the session (logout, switch-clinic). A claim whose session had already ended (or no longer exists) is UNAUTHENTICATED (CAUTH), whatever the request asks. Read by the current_* functions; PL/pgSQL so that its plan is cached per connection.';


--
-- Name: local_date(uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.local_date(clinic_id uuid, at timestamp with time zone) RETURNS date
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  return (select (at at time zone c.timezone)::date from app_public.clinic c where c.id = local_date.clinic_id);
end;
$$;


ALTER FUNCTION app_private.local_date(clinic_id uuid, at timestamp with time zone) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION local_date(clinic_id uuid, at timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.local_date(clinic_id uuid, at timestamp with time zone) IS 'The clinic''s local date at a moment (for any clinic: used by triggers and the worker).';


--
-- Name: lock_audit_chains(uuid[]); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.lock_audit_chains(chains uuid[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  perform from app_private.audit_chain_head h
  where h.chain_id = any (select coalesce(c, '00000000-0000-0000-0000-000000000000') from unnest(lock_audit_chains.chains) c)
  order by h.chain_id for update;
end;
$$;


ALTER FUNCTION app_private.lock_audit_chains(chains uuid[]) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION lock_audit_chains(chains uuid[]); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.lock_audit_chains(chains uuid[]) IS 'Locks the heads of the audit chains (clinic ids, null for the platform''s) until the transaction ends, in the order of their ids, as every writer of several chains takes them (audit_sessions_ended, tg__audit_chains_in_order): a transaction of several statements that write several chains (npm run analyst''s grant: its old grants removed, its new ones added) calls it with all of them before its first write, so no statement of it takes a lower id''s head after a higher one''s. A chain with no head yet (no entry) locks nothing.';


--
-- Name: lock_business_day(uuid, date, boolean); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.lock_business_day(clinic_id uuid, business_date date, exclusive boolean) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- the two-key advisory locks are a space of their own, apart from single-key ones (graphile-worker's)
  if exclusive then
    perform pg_advisory_xact_lock(hashtext(lock_business_day.clinic_id::text), lock_business_day.business_date - date '2000-01-01');
  else
    perform pg_advisory_xact_lock_shared(hashtext(lock_business_day.clinic_id::text), lock_business_day.business_date - date '2000-01-01');
  end if;
end;
$$;


ALTER FUNCTION app_private.lock_business_day(clinic_id uuid, business_date date, exclusive boolean) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION lock_business_day(clinic_id uuid, business_date date, exclusive boolean); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.lock_business_day(clinic_id uuid, business_date date, exclusive boolean) IS 'Locks a clinic''s business day until the end of the transaction: shared for a payment or refund, exclusive for closing the day.';


--
-- Name: lock_clinic_setting(uuid, text, boolean); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.lock_clinic_setting(clinic_id uuid, setting text, exclusive boolean) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if exclusive then
    perform pg_advisory_xact_lock(hashtextextended(setting || ':' || lock_clinic_setting.clinic_id, 0));
  else
    perform pg_advisory_xact_lock_shared(hashtextextended(setting || ':' || lock_clinic_setting.clinic_id, 0));
  end if;
end;
$$;


ALTER FUNCTION app_private.lock_clinic_setting(clinic_id uuid, setting text, exclusive boolean) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION lock_clinic_setting(clinic_id uuid, setting text, exclusive boolean); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.lock_clinic_setting(clinic_id uuid, setting text, exclusive boolean) IS 'Locks a setting of a clinic until the end of the transaction: exclusive for a change of it, shared for what must see it unchanged (the currency for a new invoice, the time zone for a close of a day). Take it before any audited write of the transaction: a change of the setting waits for it holding the clinic''s audit chain head.';


--
-- Name: logged_in_from(uuid, inet); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.logged_in_from(user_id uuid, ip inet) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select exists (
    select from app_private.login_network n
    where n.user_id = logged_in_from.user_id and n.network = app_hidden.throttled_network(logged_in_from.ip)
      and n.last_login_at > now() - interval '30 days');
$$;


ALTER FUNCTION app_private.logged_in_from(user_id uuid, ip inet) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION logged_in_from(user_id uuid, ip inet); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.logged_in_from(user_id uuid, ip inet) IS 'Whether the account logged in from the network of `ip` (throttled_network) within the last 30 days: a login from there with the right password is let through the account''s lock. False for a null address.';


--
-- Name: mark_audit_anchored(jsonb); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.mark_audit_anchored(heads jsonb) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  insert into app_private.audit_anchor as anchored (chain_id, seq, hash)
  select x.chain, x.seq, x.hash from jsonb_to_recordset(heads) as x(chain uuid, seq bigint, hash text)
  on conflict (chain_id) do update set seq = excluded.seq, hash = excluded.hash, anchored_at = now()
  where anchored.seq < excluded.seq;
$$;


ALTER FUNCTION app_private.mark_audit_anchored(heads jsonb) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION mark_audit_anchored(heads jsonb); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.mark_audit_anchored(heads jsonb) IS 'Records heads ([{chain, seq, hash}]) as anchored, once they are safely outside the database.';


--
-- Name: member_elsewhere(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.member_elsewhere(user_id uuid, clinic_id uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.every_clinic" TO 'on'
    AS $$
begin
  return exists (select from app_public.membership m
                 where m.user_id = member_elsewhere.user_id and m.clinic_id <> member_elsewhere.clinic_id and m.deleted_at is null);
end;
$$;


ALTER FUNCTION app_private.member_elsewhere(user_id uuid, clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION member_elsewhere(user_id uuid, clinic_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.member_elsewhere(user_id uuid, clinic_id uuid) IS 'Whether the person belongs to a clinic other than this one, or is invited to one: a membership there not removed (accepted, pending or suspended), whichever clinic the session is of (clinicops.every_clinic).';


--
-- Name: member_visit_queue_channel(uuid, uuid, app_public.member_role); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.member_visit_queue_channel(clinic_id uuid, membership_id uuid, role app_public.member_role) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  -- the clinic's to those who read every visit of the clinic (the visits' select policy), a doctor's own to a doctor
  select app_private.visit_queue_channel(member_visit_queue_channel.clinic_id,
    case when member_visit_queue_channel.role in ('owner', 'admin', 'receptionist', 'cashier') then null else member_visit_queue_channel.membership_id end);
$$;


ALTER FUNCTION app_private.member_visit_queue_channel(clinic_id uuid, membership_id uuid, role app_public.member_role) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION member_visit_queue_channel(clinic_id uuid, membership_id uuid, role app_public.member_role); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.member_visit_queue_channel(clinic_id uuid, membership_id uuid, role app_public.member_role) IS 'The live visit queue channel a member of the clinic with `role` listens on (visit_queue_channel): the clinic''s for owners, admins, receptionists and cashiers, who read every visit; their own (membership_id''s) for a doctor. Null without the key.';


--
-- Name: memberships_added_lately(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.memberships_added_lately(clinic_id uuid) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $$
  select (select count(*) from app_public.membership m
          where m.clinic_id = memberships_added_lately.clinic_id and m.created_at > now() - interval '1 hour')
       + (select count(*) from app_private.reinvitation r
          where r.clinic_id = memberships_added_lately.clinic_id and r.invited_at > now() - interval '1 hour');
$$;


ALTER FUNCTION app_private.memberships_added_lately(clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION memberships_added_lately(clinic_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.memberships_added_lately(clinic_id uuid) IS 'How many memberships the clinic created in the past hour, removed ones included, and how many removed people it invited again (app_private.reinvitation): invite_member allows 50. Sees removed rows by its definition (set clinicops.include_deleted).';


--
-- Name: money_text(numeric, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.money_text(amount numeric, currency text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
  select case when amount = round(amount, app_public.currency_decimals(currency))
    then round(amount, app_public.currency_decimals(currency))::text else trim_scale(amount)::text end;
$$;


ALTER FUNCTION app_private.money_text(amount numeric, currency text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION money_text(amount numeric, currency text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.money_text(amount numeric, currency text) IS 'An amount as messages print it: in the currency''s decimals (2666 yen, 12.50 dollars), or as finely as it is when it is finer (10.005 dollars owed on lines from before 000022).';


--
-- Name: monthly_summary_document(uuid, date, date); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.monthly_summary_document(clinic_id uuid, from_date date, to_date date) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select jsonb_build_object('clinic', app_private.clinic_header(monthly_summary_document.clinic_id),
    'fromDate', from_date, 'toDate', to_date,
    'figures', to_jsonb(app_private.dashboard_for(monthly_summary_document.clinic_id, from_date, to_date)));
$$;


ALTER FUNCTION app_private.monthly_summary_document(clinic_id uuid, from_date date, to_date date) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION monthly_summary_document(clinic_id uuid, from_date date, to_date date); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.monthly_summary_document(clinic_id uuid, from_date date, to_date date) IS 'Everything the monthly summary prints: the dashboard figures of the month.';


--
-- Name: move_rollups_to_zone(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.move_rollups_to_zone(clinic_id uuid, from_zone text, to_zone text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET jit TO 'off'
    AS $$
declare
  v_clinic uuid := move_rollups_to_zone.clinic_id;
begin
  with moved as (
    select v.id, v.status, v.doctor_id, (v.scheduled_at at time zone from_zone)::date as from_date, (v.scheduled_at at time zone to_zone)::date as to_date
    from app_public.visit v
    where v.clinic_id = v_clinic and (v.scheduled_at at time zone from_zone)::date <> (v.scheduled_at at time zone to_zone)::date),
  valued as (
    select m.*, case when m.status = 'completed' then coalesce((select sum(s.line_total) from app_public.visit_service s
                                                                where s.clinic_id = v_clinic and s.visit_id = m.id), 0) else 0 end as value
    from moved m),
  delta as (
    select from_date as local_date, status, doctor_id, -count(*) as visits, -sum(value) as value from valued group by 1, 2, 3
    union all
    select to_date, status, doctor_id, count(*), sum(value) from valued group by 1, 2, 3)
  merge into app_private.daily_visits as d
  using (select x.local_date, x.status, x.doctor_id, sum(x.visits) as visits, sum(x.value) as value from delta x group by 1, 2, 3) x
  on d.clinic_id = v_clinic and d.local_date = x.local_date and d.status = x.status and d.doctor_id = x.doctor_id
  when matched and d.visits + x.visits = 0 then delete
  when matched then update set visits = d.visits + x.visits, completed_value = d.completed_value + x.value
  when not matched and x.visits <> 0 then insert (clinic_id, local_date, status, doctor_id, visits, completed_value)
    values (v_clinic, x.local_date, x.status, x.doctor_id, x.visits, x.value);

  with moved as (
    select (p.created_at at time zone from_zone)::date as from_date, (p.created_at at time zone to_zone)::date as to_date
    from app_public.patient p
    where p.clinic_id = v_clinic and (p.created_at at time zone from_zone)::date <> (p.created_at at time zone to_zone)::date),
  delta as (
    select from_date as local_date, -count(*) as patients from moved group by 1
    union all
    select to_date, count(*) from moved group by 1)
  merge into app_private.daily_patients as d
  using (select x.local_date, sum(x.patients) as patients from delta x group by 1) x
  on d.clinic_id = v_clinic and d.local_date = x.local_date
  when matched and d.patients + x.patients = 0 then delete
  when matched then update set patients = d.patients + x.patients
  when not matched and x.patients <> 0 then insert (clinic_id, local_date, patients) values (v_clinic, x.local_date, x.patients);

  with moved as (
    select (i.created_at at time zone from_zone)::date as from_date, (i.created_at at time zone to_zone)::date as to_date,
           l.service_id, l.quantity, l.line_total
    from app_public.invoice i
    join app_public.invoice_line l on l.clinic_id = i.clinic_id and l.invoice_id = i.id
    where i.clinic_id = v_clinic and l.clinic_id = v_clinic and l.service_id is not null and i.status <> 'void'
      and (i.created_at at time zone from_zone)::date <> (i.created_at at time zone to_zone)::date),
  delta as (
    select from_date as local_date, service_id, -sum(quantity) as quantity, -sum(line_total) as amount from moved group by 1, 2
    union all
    select to_date, service_id, sum(quantity), sum(line_total) from moved group by 1, 2)
  merge into app_private.daily_services as d
  using (select x.local_date, x.service_id, sum(x.quantity) as quantity, sum(x.amount) as amount from delta x group by 1, 2) x
  on d.clinic_id = v_clinic and d.local_date = x.local_date and d.service_id = x.service_id
  -- a line's quantity is above 0: a day's quantity of 0 is no line
  when matched and d.quantity + x.quantity = 0 then delete
  when matched then update set quantity = d.quantity + x.quantity, amount = d.amount + x.amount
  when not matched and x.quantity <> 0 then insert (clinic_id, local_date, service_id, quantity, amount)
    values (v_clinic, x.local_date, x.service_id, x.quantity, x.amount);
end;
$$;


ALTER FUNCTION app_private.move_rollups_to_zone(clinic_id uuid, from_zone text, to_zone text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION move_rollups_to_zone(clinic_id uuid, from_zone text, to_zone text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.move_rollups_to_zone(clinic_id uuid, from_zone text, to_zone text) IS 'On a change of the clinic''s time zone from from_zone to to_zone: each visit, patient (soft-deleted ones included, as rebuild_rollups counts them) and non-void invoice''s service lines whose local day differs between the zones taken off its old day''s rollup and put on its new day''s, a rollup row brought to nothing (no visits, patients or quantity) deleted, as a rebuild has none; money stays on its business day. Without JIT, as rebuild_rollups. Run after the clinic row''s audit entry, holding the clinic''s audit chain head: the clinic''s writes take turns with it.';


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
  from app_public.clinic c
  where c.id = next_code.clinic_id
    and (c.id = app_public.current_clinic_id() or app_hidden.in_system_context());
  if not found then
    if app_public.current_user_id() is null and not app_hidden.in_system_context() then
      raise exception 'You are not logged in, or your session has ended: log in again.' using errcode = 'CAUTH';
    end if;
    if next_code.clinic_id is null and app_public.current_clinic_id() is null then
      raise exception 'Your session is in no clinic: log in to a clinic (or switch to one) to do this.' using errcode = 'CFORB';
    end if;
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

COMMENT ON FUNCTION app_private.next_code(clinic_id uuid, prefix text) IS 'Allocates the next code (PAT-000001, ...) for a clinic and prefix: unique and gap-free under concurrency, honouring the clinic''s prefix overrides. Without a live session: UNAUTHENTICATED (CAUTH); a session in no clinic: FORBIDDEN (CFORB), telling it to log in to one.';


--
-- Name: not_a_member_message(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.not_a_member_message(user_id uuid, clinic_id uuid) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.every_clinic" TO 'on'
    AS $$
declare
  v_member app_public.membership;
begin
  select * into v_member from app_public.membership m
  where m.clinic_id = not_a_member_message.clinic_id and m.user_id = not_a_member_message.user_id and m.deleted_at is null;
  return case
    when v_member.accepted_at is not null and not v_member.is_active
      then 'Your membership of that clinic is suspended: its owner or an admin can make it active again.'
    when v_member.id is not null and v_member.accepted_at is null and v_member.is_active
      then 'You have not accepted that clinic''s invitation: you are its member once you accept it (acceptInvitation).'
    else 'You are not a member of that clinic.'
  end;
end;
$$;


ALTER FUNCTION app_private.not_a_member_message(user_id uuid, clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION not_a_member_message(user_id uuid, clinic_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.not_a_member_message(user_id uuid, clinic_id uuid) IS 'What a login or a switch naming a clinic that opened no session for the person is told: their membership there suspended, its invitation not accepted yet, or (anyone else, a suspended invitation too) not a member. Reads the person''s membership of that clinic whatever the session (clinicops.every_clinic, for its own duration); called once the password is right.';


--
-- Name: note_login_device(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.note_login_device(user_id uuid, device_id uuid) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_secret text := translate(encode(gen_random_bytes(32), 'base64'), '+/=', '-_');
begin
  delete from app_private.login_device d
  where d.user_id = note_login_device.user_id and d.last_login_at <= now() - interval '90 days';
  update app_private.login_device d set secret_hash = sha256(convert_to(v_secret, 'UTF8')), last_login_at = now(),
    failed_login_count = 0, first_failed_login_at = null
  where d.id = note_login_device.device_id and d.user_id = note_login_device.user_id;
  if not found then
    insert into app_private.login_device (user_id, secret_hash) values (note_login_device.user_id, sha256(convert_to(v_secret, 'UTF8')));
  end if;
  delete from app_private.login_device d
  where d.user_id = note_login_device.user_id and d.id not in (
    select k.id from app_private.login_device k where k.user_id = note_login_device.user_id order by k.last_login_at desc, k.created_at desc limit 10);
  return v_secret;
end;
$$;


ALTER FUNCTION app_private.note_login_device(user_id uuid, device_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION note_login_device(user_id uuid, device_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.note_login_device(user_id uuid, device_id uuid) IS 'Notes that the account logged in from a device now: the device given (the trusted one its cookie named) gets a new secret and its failures cleared, else a new device is added; the account keeps its 10 devices last logged in from, and forgets those not logged in from for 90 days. Answers the new secret, for the device''s cookie (only its SHA-256 is kept). Called by app_hidden.login once it has opened a session.';


--
-- Name: note_login_network(uuid, inet); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.note_login_network(user_id uuid, ip inet) RETURNS void
    LANGUAGE sql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  delete from app_private.login_network n
  where n.user_id = note_login_network.user_id and n.last_login_at <= now() - interval '30 days';
  insert into app_private.login_network (user_id, network)
  select note_login_network.user_id, app_hidden.throttled_network(note_login_network.ip)
  where note_login_network.ip is not null
  on conflict on constraint login_network_pkey do update set last_login_at = excluded.last_login_at;
$$;


ALTER FUNCTION app_private.note_login_network(user_id uuid, ip inet) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION note_login_network(user_id uuid, ip inet); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.note_login_network(user_id uuid, ip inet) IS 'Notes that the account logged in from the network of `ip` now (login_network), and forgets the account''s networks not logged in from for 30 days. Called by app_hidden.login once it has opened a session; nothing for a null address.';


--
-- Name: notify_visit_queue(uuid, uuid[], text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.notify_visit_queue(clinic_id uuid, doctor_ids uuid[], payload text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  perform pg_notify(c.channel, notify_visit_queue.payload)
  from (select app_private.visit_queue_channel(notify_visit_queue.clinic_id) as channel
        union
        select app_private.visit_queue_channel(notify_visit_queue.clinic_id, d.id) from unnest(notify_visit_queue.doctor_ids) d(id)) c
  where c.channel is not null; -- without the key no one listens: nothing is sent
end;
$$;


ALTER FUNCTION app_private.notify_visit_queue(clinic_id uuid, doctor_ids uuid[], payload text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION notify_visit_queue(clinic_id uuid, doctor_ids uuid[], payload text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.notify_visit_queue(clinic_id uuid, doctor_ids uuid[], payload text) IS 'Tells the clinic''s live visit queue `payload` (a visit''s id and status, as tg_visit__notify and tg_patient__notify_visits write it): on the clinic''s channel (visit_queue_channel), which owners, admins, receptionists and cashiers listen to, and on the channel of each of `doctor_ids` (visit_queue_channel with the doctor: the visit''s doctor, and the one it was taken from), which that doctor listens to. Without the key (app_private.secret_key, live_queue), nothing is sent.';


--
-- Name: open_reconciliation(uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.open_reconciliation(clinic_id uuid, as_of timestamp with time zone) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_day date := (select (as_of at time zone c.timezone)::date - 1 from app_public.clinic c where c.id = open_reconciliation.clinic_id);
begin
  if v_day is null then
    return 0; -- no such clinic
  end if;
  return app_private.open_reconciliation_of(open_reconciliation.clinic_id, v_day);
end;
$$;


ALTER FUNCTION app_private.open_reconciliation(clinic_id uuid, as_of timestamp with time zone) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION open_reconciliation(clinic_id uuid, as_of timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.open_reconciliation(clinic_id uuid, as_of timestamp with time zone) IS 'Opens (or refreshes, while open) one clinic''s reconciliation of the business day that ended before `as_of` in its time zone (open_reconciliation_of). Returns how many rows it wrote (0 or 1).';


--
-- Name: open_reconciliation_of(uuid, date); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.open_reconciliation_of(clinic_id uuid, business_day date) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_written integer;
begin
  -- the day's payments and refunds in flight commit first, and those that come now wait for this
  -- transaction: the totals below are read after them
  perform app_private.lock_business_day(open_reconciliation_of.clinic_id, business_day, true);
  -- a day before the clinic existed, with no money, is not one to count
  if app_private.first_day_after_day_without_money(open_reconciliation_of.clinic_id, business_day) is not null then
    return 0;
  end if;
  begin
    insert into app_public.daily_reconciliation as r
      (clinic_id, business_date, expected_cash, expected_card, expected_bank_transfer, expected_mobile_money, expected_insurance)
    select open_reconciliation_of.clinic_id, business_day, t.cash, t.card, t.bank_transfer, t.mobile_money, t.insurance
    from app_private.expected_totals(open_reconciliation_of.clinic_id, business_day) t
    on conflict on constraint daily_reconciliation_clinic_id_business_date_key do update set
      expected_cash = excluded.expected_cash, expected_card = excluded.expected_card,
      expected_bank_transfer = excluded.expected_bank_transfer, expected_mobile_money = excluded.expected_mobile_money,
      expected_insurance = excluded.expected_insurance
    where r.status = 'open'
      and (r.expected_cash, r.expected_card, r.expected_bank_transfer, r.expected_mobile_money, r.expected_insurance)
          is distinct from (excluded.expected_cash, excluded.expected_card, excluded.expected_bank_transfer,
                            excluded.expected_mobile_money, excluded.expected_insurance);
    get diagnostics v_written = row_count;
  exception when numeric_value_out_of_range then
    raise warning 'The business day % of clinic % is not opened: its payments'' totals pass the largest a day holds (99999999999999999.999).',
      business_day, open_reconciliation_of.clinic_id;
    v_written := 0;
  end;
  return v_written;
end;
$$;


ALTER FUNCTION app_private.open_reconciliation_of(clinic_id uuid, business_day date) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION open_reconciliation_of(clinic_id uuid, business_day date); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.open_reconciliation_of(clinic_id uuid, business_day date) IS 'Opens (or refreshes, while open) one clinic''s reconciliation of one business day, with its expected totals per method, once the day''s payments and refunds in flight have committed (it takes the day''s lock exclusively, as a close does). A day before the clinic''s first local day (the date of its creation in its time zone) is opened only when it has payments or refunds. A day whose totals pass what a day holds (99999999999999999.999, numeric(20,3)) is passed over with a warning naming the clinic. Returns how many rows it wrote (0 or 1). For open_reconciliation and open_reconciliations.';


--
-- Name: open_reconciliations(timestamp with time zone, integer); Type: PROCEDURE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE PROCEDURE app_private.open_reconciliations(IN as_of timestamp with time zone DEFAULT now(), INOUT opened integer DEFAULT NULL::integer)
    LANGUAGE plpgsql
    AS $$
declare
  v_clinic uuid;
  v_day date;
begin
  opened := 0;
  for v_clinic in select c.id from app_public.clinic c order by c.id loop
    for v_day in select d from app_private.days_to_reopen_late(v_clinic, as_of) d loop
      opened := opened operator(pg_catalog.+) app_private.open_reconciliation_of(v_clinic, v_day);
      commit;
    end loop;
    opened := opened operator(pg_catalog.+) app_private.open_reconciliation(v_clinic, as_of);
    commit;
  end loop;
end;
$$;


ALTER PROCEDURE app_private.open_reconciliations(IN as_of timestamp with time zone, INOUT opened integer) OWNER TO :DATABASE_OWNER;

--
-- Name: PROCEDURE open_reconciliations(IN as_of timestamp with time zone, INOUT opened integer); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON PROCEDURE app_private.open_reconciliations(IN as_of timestamp with time zone, INOUT opened integer) IS 'Opens (or refreshes, while open) every clinic''s reconciliation of the business day that ended before `as_of` (open_reconciliation), and of the two days before it that have money and no row yet (days_to_reopen_late: a change of time zone across the date line skips a local date), each day in a transaction of its own: the clinic''s audit chain and day rows are held only while that day is written, and a crash leaves the days done so far done, which a rerun leaves as they are. Called outside a transaction (`call app_private.open_reconciliations(…)`); `opened` is how many rows it wrote. Run by the reconciliation__open task.';


--
-- Name: open_session(uuid, uuid, inet, text, interval, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval, replaced_session_id uuid DEFAULT NULL::uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_session app_private.session;
  v_user app_public."user";
  v_clinics jsonb;
  v_clinic_id uuid := open_session.clinic_id;
  v_role app_public.member_role;
  v_ended jsonb;
  -- the live sessions an account keeps at most (docs/auth.md says why 10)
  c_live_sessions constant integer := 10;
  -- the session a login replaces, when the account's, ended as the cap ends them ({id, clinicId})
  v_replaced jsonb;
begin
  -- a change of the user's memberships in flight (a removal, a suspension, a new role) first: what
  -- this session gets is read once it has committed, and one after it finds this session to end
  perform pg_advisory_xact_lock_shared(app_private.session_turn_key(open_session.user_id));
  -- then the account's other openings (a login, a switch) are waited for, so that the cap below counts
  -- the sessions they open and end: two at once each counted without the other's, and left one too many
  perform pg_advisory_xact_lock(app_private.session_opening_key(open_session.user_id));
  -- the session of the cookie a login replaces (a browser holds one), when it is this account's and live, ended before
  -- the cap counts, as a switch ends the one it comes from: counted among the 10, it had the oldest, another device's,
  -- ended in its place; a colleague's is ended by the server once the login is answered ok, naming this session
  update app_private.session s set revoked_at = now()
  where s.id = open_session.replaced_session_id and s.user_id = open_session.user_id and s.revoked_at is null and s.expires_at > now()
  returning jsonb_build_object('id', s.id, 'clinicId', s.clinic_id) into v_replaced;
  select * into v_user from app_public."user" u where u.id = open_session.user_id;
  -- the session of the cookie it replaces noted, for a colleague's to be audited as ended by this login (logout)
  insert into app_private.session (user_id, is_platform_admin, expires_at, ip, user_agent, replaced_session_id)
  values (v_user.id, v_user.is_platform_admin, now() + ttl, open_session.ip, left(open_session.user_agent, 500),
          open_session.replaced_session_id)
  returning * into v_session;
  -- From here on this transaction acts as the new session, so the member sees
  -- their own memberships through the ordinary policies (and their invitations, with the inviting
  -- clinics' names, through own_invitations / invited_clinics, which only this owner role has).
  perform set_config('jwt.claims.session_id', v_session.id::text, true);

  -- the clinics as the session lists them at any time (my_clinics), in its order
  select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'role', c.role, 'pending', c.pending) order by c.place), '[]')
  into v_clinics
  from app_public.my_clinics() with ordinality c(id, name, role, pending, place);

  -- the only clinic the user is a member of, not counting invitations (accepted only by
  -- accept_invitation, never by default); not for a platform administrator, whose session without a
  -- clinic is where they read the platform's audit chain (audit_chain_in_view)
  if v_clinic_id is null and not v_user.is_platform_admin
     and (select count(*) from jsonb_array_elements(v_clinics) e where not (e ->> 'pending')::boolean) = 1 then
    v_clinic_id := (select (e ->> 'id')::uuid from jsonb_array_elements(v_clinics) e where not (e ->> 'pending')::boolean);
  end if;
  if v_clinic_id is not null then
    select (e ->> 'role')::app_public.member_role into v_role
    from jsonb_array_elements(v_clinics) e where (e ->> 'id')::uuid = v_clinic_id and not (e ->> 'pending')::boolean;
    if v_role is null then
      -- an invitation too: accept_invitation first, a step of its own, never a side effect of a login
      raise exception 'You are not a member of that clinic.' using errcode = 'CFORB';
    end if;
    update app_private.session s set clinic_id = v_clinic_id, role = v_role where s.id = v_session.id;
  end if;

  -- the account's live sessions beyond the newest 10, this one among them, end as a logout ends them (their
  -- tokens UNAUTHENTICATED, their websockets closed): a script or a person logging in again and again kept
  -- every session it opened, each a cookie good until it expired; one ended meanwhile (a logout) is left as it is
  with ended as (
    update app_private.session s set revoked_at = now()
    where s.revoked_at is null and s.id in (
      select o.id from app_private.session o
      where o.user_id = open_session.user_id and o.id <> v_session.id and o.revoked_at is null and o.expires_at > now()
      order by o.created_at desc, o.id desc
      offset c_live_sessions - 1)
    returning s.id, s.clinic_id
  )
  -- each with its clinic, whose audit chain records its end (audit_session_opened)
  select jsonb_agg(jsonb_build_object('id', e.id, 'clinicId', e.clinic_id) order by e.id) into v_ended from ended e;

  return jsonb_build_object(
    'sessionId', v_session.id,
    'expiresAt', v_session.expires_at,
    'user', jsonb_build_object('id', v_user.id, 'phone', v_user.phone, 'fullName', v_user.full_name,
                               'isPlatformAdmin', v_user.is_platform_admin),
    'clinic', (select jsonb_build_object('id', c.id, 'name', c.name, 'timezone', c.timezone, 'currency', c.currency)
               from app_public.clinic c where c.id = v_clinic_id),
    'role', v_role,
    'clinics', v_clinics,
    'endedSessions', coalesce(v_ended, '[]') || case when v_replaced is null then '[]' else jsonb_build_array(v_replaced) end
  );
end;
$$;


ALTER FUNCTION app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval, replaced_session_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval, replaced_session_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval, replaced_session_id uuid) IS 'Starts a session for a user, scoped to the chosen clinic (one they are a member of: an invitation is accepted with accept_invitation first), or to the only clinic they are a member of (invitations not counted; not for a platform administrator, who logs in to the platform unless they name a clinic), or to none, and ends the user''s live sessions beyond the newest 10, this one among them (the account''s openings taking turns on session_opening_key), after ending replaced_session_id (the session of the cookie a login replaces) when it is the user''s and live, so that it is not counted among the 10; replaced_session_id is noted on the session opened (session.replaced_session_id), so that a colleague''s the server then ends is audited as ended by this login (logout). Returns the session (sessionId and expiresAt, which the token carries), what /auth/login and /auth/switch-clinic answer of it (user, clinic, role, and `clinics`: the user''s active memberships and invitations, `pending: true`, of those only the clinic''s id and name and the role offered), and `endedSessions`, the sessions it ended, each its id and clinic (`{id, clinicId}`; none, an empty array), which audit_session_opened records each in its clinic''s chain and no answer gives.';


--
-- Name: order_audit_chains(regclass); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.order_audit_chains(audited regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event text;
begin
  -- the events of its audit trigger, one trigger each: a trigger with a transition table has one event
  for v_event in
    select e.event from pg_trigger t,
      lateral (values ('insert', 4), ('update', 16), ('delete', 8)) e(event, bit)
    where t.tgrelid = audited and t.tgname = '_500_audit' and t.tgtype & e.bit <> 0
  loop
    execute format('drop trigger if exists %I on %s', '_490_chains_in_order_on_' || v_event, audited);
    execute format('create trigger %I after %s on %s referencing %s table as changed for each row execute function app_private.tg__audit_chains_in_order()',
      '_490_chains_in_order_on_' || v_event, v_event, audited, case v_event when 'delete' then 'old' else 'new' end);
    execute format('comment on trigger %I on %s is %L', '_490_chains_in_order_on_' || v_event, audited,
      format('The audit chains of the rows of %s of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).',
        case v_event when 'delete' then 'a delete' else 'an ' || v_event end));
  end loop;
end;
$$;


ALTER FUNCTION app_private.order_audit_chains(audited regclass) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION order_audit_chains(audited regclass); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.order_audit_chains(audited regclass) IS 'Gives an audited table (its _500_audit trigger made) the triggers _490_chains_in_order_on_<event>, one for each event of its audit, so that a statement of its rows in several clinics locks their audit chains in the order of their ids (tg__audit_chains_in_order). For migrations: every table audited calls it (db/CONVENTIONS.md).';


--
-- Name: password_key(text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.password_key(password text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    RETURN encode(public.digest(password, 'sha256'::text), 'base64'::text);


ALTER FUNCTION app_private.password_key(password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION password_key(password text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.password_key(password text) IS 'What bcrypt is given of a password: the base64 of its SHA-256, 44 characters, so that all of it counts (bcrypt reads 72 bytes).';


--
-- Name: password_hash_of(text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.password_hash_of(password text) RETURNS text
    LANGUAGE sql STRICT
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    RETURN ('sha256$'::text || public.crypt(app_private.password_key(password), public.gen_salt('bf'::text, 10)));


ALTER FUNCTION app_private.password_hash_of(password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION password_hash_of(password text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.password_hash_of(password text) IS 'The hash kept of a password: sha256$ and the bcrypt (cost 10) of its password_key. No rule checked: hash_password checks it first.';


--
-- Name: password_matches(text, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.password_matches(password text, hash text) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
begin
  if hash is null then
    perform crypt(app_private.password_key(coalesce(password, '')), gen_salt('bf', 10)); -- as long as a check
    return false;
  elsif hash like 'sha256$%' then
    return crypt(app_private.password_key(password), substr(hash, 8)) = substr(hash, 8);
  end if;
  return crypt(password, hash) = hash; -- made before 000154: the password's first 72 bytes
end;
$_$;


ALTER FUNCTION app_private.password_matches(password text, hash text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION password_matches(password text, hash text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.password_matches(password text, hash text) IS 'Whether a password is the one a hash was made of (password_hash_of, or a bcrypt of the password itself made before 000154); with no hash (an unknown phone, a busy account) false, after as long as a check takes.';


--
-- Name: patient_duplicates(text, text, text, date, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) RETURNS SETOF app_public.patient
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $$
declare
  v_phone app_public.e164_phone := app_hidden.phone_as_registered(patient_duplicates.phone);
  v_named uuid[] := array(select app_private.patients_born_named(patient_duplicates.date_of_birth, patient_duplicates.last_name,
                                                                 patient_duplicates.first_name));
begin
  return query
  select p.* from app_public.patient p
  where p.clinic_id = app_public.current_clinic_id()
    and p.id is distinct from patient_duplicates.except_patient_id
    and (p.phone = v_phone or p.id = any (v_named))
  order by p.deleted_at is not null, p.id = any (v_named) desc, coalesce(p.phone = v_phone, false) desc, p.created_at, p.id;
end;
$$;


ALTER FUNCTION app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) IS 'The current clinic''s patients that look like the one described, deleted ones included: same phone (read as registration reads it, app_hidden.phone_as_registered; a phone that is not a phone number, such as one half-typed, matches no one), or same names (as app_hidden.name_key compares them, either way round: app_private.patients_born_named) and date of birth. Live ones first, then deleted ones (whenever they were deleted); in each, those matching by names and birth date (with the phone too first), then by phone alone; then by when they were registered, and their id. For find_patient_duplicates and count_deleted_patient_duplicates, which say what of them the session may know.';


--
-- Name: patients_born_named(date, text, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.patients_born_named(date_of_birth date, last_name text, first_name text) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE ROWS 2
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- their raw length first: name_key reads the whole of each
  if char_length(patients_born_named.last_name) > 1000 or char_length(patients_born_named.first_name) > 1000 then
    raise exception 'A name or phone checked for duplicates is at most 1000 characters.' using errcode = 'CINVL';
  end if;
  -- as typed, and the other way round: two probes of patient_search_dob_names_idx
  return query select s.patient_id from app_private.patient_search s
    where s.clinic_id = app_public.current_clinic_id() and s.date_of_birth = patients_born_named.date_of_birth
      and app_hidden.name_key(s.last_name) = app_hidden.name_key(patients_born_named.last_name)
      and app_hidden.name_key(s.first_name) = app_hidden.name_key(patients_born_named.first_name)
    union
    select s.patient_id from app_private.patient_search s
    where s.clinic_id = app_public.current_clinic_id() and s.date_of_birth = patients_born_named.date_of_birth
      and app_hidden.name_key(s.last_name) = app_hidden.name_key(patients_born_named.first_name)
      and app_hidden.name_key(s.first_name) = app_hidden.name_key(patients_born_named.last_name);
end;
$$;


ALTER FUNCTION app_private.patients_born_named(date_of_birth date, last_name text, first_name text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION patients_born_named(date_of_birth date, last_name text, first_name text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.patients_born_named(date_of_birth date, last_name text, first_name text) IS 'The ids of the current clinic''s patients born on `date_of_birth` with these names, as name_key compares them, or with them the other way round (the first name as the last, the last as the first), each once (deleted patients included); a name of more than 1000 characters as typed is refused, INVALID_INPUT, before it is read: probed in patient_search_dob_names_idx by the clinic, the date and both names, where no policy keeps name_key out of the probe. For patient_duplicates, and for app_hidden.patients_born_named, which gives the API''s role those it may know of.';


--
-- Name: login_failure; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.login_failure (
    id bigint NOT NULL,
    ip inet,
    phone text,
    attempted_at timestamp with time zone DEFAULT now() NOT NULL,
    throttled boolean DEFAULT false NOT NULL
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

COMMENT ON COLUMN app_private.login_failure.ip IS 'The client''s address (IPv4), or its /64 network (IPv6): what failures are counted by (app_hidden.throttled_network).';


--
-- Name: COLUMN login_failure.phone; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_failure.phone IS 'Phone as typed (normalised when possible).';


--
-- Name: COLUMN login_failure.attempted_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_failure.attempted_at IS 'When it happened.';


--
-- Name: COLUMN login_failure.throttled; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_failure.throttled IS 'Whether the address throttle refused this attempt (app_hidden.login audits the first such in the window).';


--
-- Name: prune_login_failures(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.prune_login_failures() RETURNS integer
    LANGUAGE sql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    BEGIN ATOMIC
 WITH pruned AS (
          DELETE FROM app_private.login_failure AS f
           WHERE (f.attempted_at < (now() - '01:00:00'::interval))
           RETURNING 1 AS "?column?"
         )
  SELECT (count(*))::integer AS count
    FROM pruned;
END;


ALTER FUNCTION app_private.prune_login_failures() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION prune_login_failures(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.prune_login_failures() IS 'Deletes failed logins older than an hour, past the throttle''s 15 minutes (the audit log keeps them): nothing did, and a client sending failed logins grew the table without end. Run hourly (login_failure__prune). Answers how many.';


--
-- Name: rebuild_rollups(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.rebuild_rollups(clinic_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET jit TO 'off'
    AS $$
begin
  delete from app_private.daily_money m where m.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_money (clinic_id, business_date, method, amount, movements)
  select rebuild_rollups.clinic_id, x.business_date, x.method, sum(x.amount), count(*) from (
    select p.business_date, p.method, p.amount from app_public.payment p where p.clinic_id = rebuild_rollups.clinic_id
    union all
    select r.business_date, r.method, -r.amount from app_public.refund r where r.clinic_id = rebuild_rollups.clinic_id
  ) x group by x.business_date, x.method;

  delete from app_private.daily_visits d where d.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_visits (clinic_id, local_date, status, doctor_id, visits, completed_value)
  select v.clinic_id, (v.scheduled_at at time zone c.timezone)::date, v.status, v.doctor_id, count(*),
         coalesce(sum(s.value) filter (where v.status = 'completed'), 0)
  from app_public.visit v join app_public.clinic c on c.id = v.clinic_id
  left join (select s.visit_id, sum(s.line_total) as value from app_public.visit_service s
             where s.clinic_id = rebuild_rollups.clinic_id group by s.visit_id) s on s.visit_id = v.id
  where v.clinic_id = rebuild_rollups.clinic_id group by 1, 2, 3, 4;

  delete from app_private.daily_patients d where d.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_patients (clinic_id, local_date, patients)
  select p.clinic_id, (p.created_at at time zone c.timezone)::date, count(*)
  from app_public.patient p join app_public.clinic c on c.id = p.clinic_id
  where p.clinic_id = rebuild_rollups.clinic_id group by 1, 2;

  delete from app_private.daily_services d where d.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_services (clinic_id, local_date, service_id, quantity, amount)
  select l.clinic_id, (i.created_at at time zone c.timezone)::date, l.service_id, sum(l.quantity), sum(l.line_total)
  from app_public.invoice_line l
  join app_public.invoice i on i.clinic_id = l.clinic_id and i.id = l.invoice_id
  join app_public.clinic c on c.id = l.clinic_id
  where l.clinic_id = rebuild_rollups.clinic_id and l.service_id is not null and i.status <> 'void'
  group by 1, 2, 3;
end;
$$;


ALTER FUNCTION app_private.rebuild_rollups(clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION rebuild_rollups(clinic_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.rebuild_rollups(clinic_id uuid) IS 'Recomputes a clinic''s dashboard rollups from its payments, refunds, visits and their services, patients (soft-deleted ones included, by its definition: 000061) and invoice lines, without JIT (its statements, costed through the tables'' policies as far larger than they are, were compiled first). For an operator after a bulk load that bypassed the triggers; a change of time zone moves the rollups instead (move_rollups_to_zone).';


--
-- Name: reconciliation_document(uuid, date); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.reconciliation_document(clinic_id uuid, business_date date) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select jsonb_build_object(
    'clinic', app_private.clinic_header(reconciliation_document.clinic_id),
    'businessDate', reconciliation_document.business_date,
    'day', (select to_jsonb(d) from app_public.daily_reconciliation d
            where d.clinic_id = reconciliation_document.clinic_id and d.business_date = reconciliation_document.business_date),
    'expected', (select to_jsonb(t) from app_private.expected_totals(reconciliation_document.clinic_id, reconciliation_document.business_date) t));
$$;


ALTER FUNCTION app_private.reconciliation_document(clinic_id uuid, business_date date) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION reconciliation_document(clinic_id uuid, business_date date); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.reconciliation_document(clinic_id uuid, business_date date) IS 'Everything a daily reconciliation sheet prints: expected per method (live when the day has no row yet), counted, differences, notes.';


--
-- Name: refresh_amount_paid(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.refresh_amount_paid(clinic_id uuid, invoice_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_paid numeric := coalesce((select sum(p.amount) from app_public.payment p
                              where p.clinic_id = refresh_amount_paid.clinic_id and p.invoice_id = refresh_amount_paid.invoice_id), 0)
                  - coalesce((select sum(r.amount) from app_public.refund r
                              where r.clinic_id = refresh_amount_paid.clinic_id and r.invoice_id = refresh_amount_paid.invoice_id), 0);
begin
  update app_public.invoice i set amount_paid = v_paid
  where i.clinic_id = refresh_amount_paid.clinic_id and i.id = refresh_amount_paid.invoice_id
    and i.amount_paid is distinct from v_paid;
end;
$$;


ALTER FUNCTION app_private.refresh_amount_paid(clinic_id uuid, invoice_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION refresh_amount_paid(clinic_id uuid, invoice_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.refresh_amount_paid(clinic_id uuid, invoice_id uuid) IS 'Sets an invoice''s amount_paid to its payments minus its refunds (its status follows), when that changes it: a correction of a payment''s method or reference leaves the invoice alone (a void one too).';


--
-- Name: refresh_invoice_totals(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.refresh_invoice_totals(clinic_id uuid, invoice_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  update app_public.invoice i set
    subtotal = t.subtotal, discount_total = t.discount, tax_total = t.tax, total = t.total
  from (
    select coalesce(sum(l.line_subtotal), 0) as subtotal, coalesce(sum(l.discount), 0) as discount,
           coalesce(sum(l.line_tax), 0) as tax, coalesce(sum(l.line_total), 0) as total
    from app_public.invoice_line l
    where l.clinic_id = refresh_invoice_totals.clinic_id and l.invoice_id = refresh_invoice_totals.invoice_id
  ) t
  where i.clinic_id = refresh_invoice_totals.clinic_id and i.id = refresh_invoice_totals.invoice_id;
end;
$$;


ALTER FUNCTION app_private.refresh_invoice_totals(clinic_id uuid, invoice_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION refresh_invoice_totals(clinic_id uuid, invoice_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.refresh_invoice_totals(clinic_id uuid, invoice_id uuid) IS 'Recomputes an invoice''s subtotal, discounts, tax and total from its lines.';


--
-- Name: refresh_reconciliation(uuid, date); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.refresh_reconciliation(clinic_id uuid, business_date date) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  update app_public.daily_reconciliation d set
    expected_cash = t.cash, expected_card = t.card, expected_bank_transfer = t.bank_transfer,
    expected_mobile_money = t.mobile_money, expected_insurance = t.insurance
  from app_private.expected_totals(refresh_reconciliation.clinic_id, refresh_reconciliation.business_date) t
  where d.clinic_id = refresh_reconciliation.clinic_id and d.business_date = refresh_reconciliation.business_date
    and d.status = 'open'
    and (d.expected_cash, d.expected_card, d.expected_bank_transfer, d.expected_mobile_money, d.expected_insurance)
        is distinct from (t.cash, t.card, t.bank_transfer, t.mobile_money, t.insurance);
end;
$$;


ALTER FUNCTION app_private.refresh_reconciliation(clinic_id uuid, business_date date) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION refresh_reconciliation(clinic_id uuid, business_date date); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.refresh_reconciliation(clinic_id uuid, business_date date) IS 'Brings an open day''s expected totals up to date (a closed day is left as closed).';


--
-- Name: refuse_deleted_patient(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.refuse_deleted_patient(clinic_id uuid, patient_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $$
begin
  -- deleted rows are hidden by the select policy (which binds this definer too) unless asked for,
  -- as this function's definition does
  if (select p.deleted_at is not null from app_public.patient p
      where p.clinic_id = refuse_deleted_patient.clinic_id and p.id = refuse_deleted_patient.patient_id) then
    raise exception 'This patient was deleted: restore them before booking or billing them.' using errcode = 'CINVL';
  end if;
end;
$$;


ALTER FUNCTION app_private.refuse_deleted_patient(clinic_id uuid, patient_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION refuse_deleted_patient(clinic_id uuid, patient_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.refuse_deleted_patient(clinic_id uuid, patient_id uuid) IS 'Refuses (INVALID_INPUT) to book or bill a deleted patient: a visit or an invoice made for them, an invoice of theirs issued, a payment taken.';


--
-- Name: refuse_truncate(regclass); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.refuse_truncate(audited regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  execute format('drop trigger if exists _200_truncate_refused on %s', audited);
  execute format('create trigger _200_truncate_refused before truncate on %s for each statement execute function app_private.tg__truncate_refused()', audited);
  execute format('comment on trigger _200_truncate_refused on %s is %L', audited,
    'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.');
end;
$$;


ALTER FUNCTION app_private.refuse_truncate(audited regclass) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION refuse_truncate(audited regclass); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.refuse_truncate(audited regclass) IS 'Gives an audited table (its _500_audit trigger made) the trigger _200_truncate_refused, so that no truncate takes its rows out without an audit entry (tg__truncate_refused). For migrations: every table audited calls it, with order_audit_chains (db/CONVENTIONS.md).';


--
-- Name: reindex_patient_search(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.reindex_patient_search(clinic_id uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select app_private.index_patients(array(select p from app_public.patient p where p.clinic_id = reindex_patient_search.clinic_id));
$$;


ALTER FUNCTION app_private.reindex_patient_search(clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION reindex_patient_search(clinic_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.reindex_patient_search(clinic_id uuid) IS 'Copies the searchable text of every patient of a clinic into patient_search (existing data, bulk loads that bypassed the trigger).';


--
-- Name: replace_password(uuid, text, uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_secret app_private.user_secret;
  v_ended jsonb;
  v_done jsonb;
begin
  perform app_private.hold_for_new_password(replace_password.user_id);
  select * into v_secret from app_private.user_secret s where s.user_id = replace_password.user_id;
  update app_private.user_secret s set password_hash = replace_password.password_hash, locked_until = null,
    failed_login_count = 0, first_failed_login_at = null, password_set_by_holder = false,
    password_given_by_clinic = replace_password.clinic_id
  where s.user_id = replace_password.user_id;
  -- the networks and devices the old password logged in from (a thief's too) are no longer let through the lock or the throttle
  delete from app_private.login_network n where n.user_id = replace_password.user_id;
  delete from app_private.login_device d where d.user_id = replace_password.user_id;
  v_ended := app_private.end_sessions_of(replace_password.user_id, null);
  -- in the chain of clinic_id with the detail given (a clinic's reset names the membership), and in the chain of each
  -- other clinic the person is of with what it was and by what alone
  v_done := jsonb_build_object('passwordChanged', true, 'unlocked', coalesce(v_secret.locked_until > now(), false));
  perform app_private.audit_sessions_ended(replace_password.clinic_id, 'update', 'user_secret', replace_password.user_id,
    v_done || replace_password.detail, true, v_ended, 'password_reset', app_public.current_user_id(),
    v_done || jsonb_build_object('by', replace_password.detail -> 'by'));
  return jsonb_array_length(v_ended);
end;
$$;


ALTER FUNCTION app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) IS 'Gives the person a password someone else chose (its hash, made by hash_password): the person must choose their own at their next chance (password_set_by_holder false), a lockout ends, every session of theirs ends, the networks and devices they logged in from are forgotten (login_network, login_device: until they log in again, the lock holds everywhere and the address throttle refuses them as anyone), and the change is audited in the chain of clinic_id (the platform''s when null); a clinic''s reset keeps the account to that clinic until the operator''s next (password_given_by_clinic) as an update of user_secret: passwordChanged, unlocked, sessionsEnded (the sessions of that chain it ended) and the detail given (who did it), never the hash; the chain of each other clinic the person is of gets the same update with passwordChanged, unlocked and by alone, and the sessions of that chain it ended (endedSessions: audit_sessions_ended); each other chain whose sessions it ended gets sessions_ended (endedBy password_reset). Answers the sessions it ended, in every clinic. For the operator''s resets (npm run password, npm run superuser) and a clinic''s (reset_member_password).';


--
-- Name: reset_password(text, text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.reset_password(phone text, password text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_phone app_public.e164_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  v_hash text := app_private.hash_password(password);
  v_user uuid;
begin
  -- the phone's lock, as an invitation or a login to the account takes it
  perform pg_advisory_xact_lock(app_private.account_lock_key(v_phone));
  select u.id into v_user from app_public."user" u where u.phone = v_phone;
  if v_user is null then
    raise exception 'No account has the phone %.', v_phone using errcode = 'CNOTF';
  end if;
  return app_private.replace_password(v_user, v_hash, null, '{"by": "npm run password"}');
end;
$$;


ALTER FUNCTION app_private.reset_password(phone text, password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION reset_password(phone text, password text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.reset_password(phone text, password text) IS 'The platform operator''s reset of a forgotten password (npm run password), for any account, without making it a platform administrator (npm run superuser does): the phone as typed (INVALID_PHONE), the password by the rule of every password (WEAK_PASSWORD), an account of that phone or NOT_FOUND; then as replace_password, in the platform''s chain.';


--
-- Name: restore(anyelement, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.restore(sample anyelement, clinic_id uuid, id uuid) RETURNS anyelement
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $_$
declare
  v_table text := pg_typeof(sample)::text;
  v_result alias for $0; -- typed as the actual row type
  v_deleted boolean;
begin
  execute format(
    'update %s t set deleted_at = null, deleted_by = null where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null returning t.*',
    v_table
  ) into v_result using restore.clinic_id, restore.id;
  if v_result is null then
    -- a deleted row the caller sees (deleted rows are visible in this function), which the update
    -- policy kept from them
    execute format('select true from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null', v_table)
      into v_deleted using restore.clinic_id, restore.id;
    if v_deleted then
      raise exception 'Only an owner or admin restores this.' using errcode = 'CFORB';
    end if;
    raise exception 'Nothing to restore: no deleted row with that id in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_result;
end;
$_$;


ALTER FUNCTION app_private.restore(sample anyelement, clinic_id uuid, id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION restore(sample anyelement, clinic_id uuid, id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.restore(sample anyelement, clinic_id uuid, id uuid) IS 'Restores a soft-deleted row (see soft_delete) and returns it; the table''s update policy decides who may. A deleted row of the clinic the caller may not restore is FORBIDDEN; one not deleted, or not seen, is NOT_FOUND. Sees deleted rows (clinicops.include_deleted) for its own duration only.';


--
-- Name: saved_phone_corrected(text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.saved_phone_corrected(phone text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- read again as registration reads a phone today, so that what it saves is left as it is
  return app_public.normalize_phone(phone);
exception when sqlstate 'CINPH' then
  return null;
end;
$$;


ALTER FUNCTION app_private.saved_phone_corrected(phone text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION saved_phone_corrected(phone text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.saved_phone_corrected(phone text) IS 'A phone saved under older rules as today''s read it: itself when it is one of its country''s numbers as it stands, else without the trunk prefix saved after the code (+2550712345678 → +255712345678, +784951234567 → +74951234567), without its country code saved twice (+255255712345678 → +255712345678, +91919876543210 → +919876543210), or with the 0 a national number lost put back (+39612345678 → +390612345678, +225707123451 → +2250707123451), whichever is one of its country''s numbers first: normalize_phone''s reading, so that a phone registration saves is left as it is; null when it is no phone even so (+25512345, +9991234567).';


--
-- Name: secret_hash(text, bytea); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.secret_hash(purpose text, message bytea) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select encode(sha256(k.key || secret_hash.message), 'hex') from app_private.secret_key k where k.purpose = secret_hash.purpose;
$$;


ALTER FUNCTION app_private.secret_hash(purpose text, message bytea) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION secret_hash(purpose text, message bytea); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.secret_hash(purpose text, message bytea) IS 'SHA-256, in hex, of the secret key of `purpose` (secret_key) and `message`: a name nobody can make without the key. Null without the key.';


--
-- Name: secret_lock_key(text); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.secret_lock_key(name text) RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select coalesce(
    ('x' || left(app_private.secret_hash('account_lock', convert_to(secret_lock_key.name, 'UTF8')), 16))::bit(64)::bigint,
    -- without the key (a restore that lost it), the lock of before: still one per name
    hashtextextended(secret_lock_key.name, 0));
$$;


ALTER FUNCTION app_private.secret_lock_key(name text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION secret_lock_key(name text); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.secret_lock_key(name text) IS 'An advisory lock key that pg_locks, which every role reads, shows without telling what it locks: 64 bits of a SHA-256 of the account_lock secret key (secret_key) and the name.';


--
-- Name: session_opening_key(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.session_opening_key(user_id uuid) RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select app_private.secret_lock_key('session-openings:' || session_opening_key.user_id::text);
$$;


ALTER FUNCTION app_private.session_opening_key(user_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION session_opening_key(user_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.session_opening_key(user_id uuid) IS 'The advisory lock on which the openings of a user''s sessions (a login, a clinic switch) take turns, exclusive, so that each counts the live sessions the others leave (open_session''s cap of 10): secret_lock_key of ''session-openings:'' || the user''s id.';


--
-- Name: session_turn_key(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.session_turn_key(user_id uuid) RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select app_private.secret_lock_key('sessions:' || session_turn_key.user_id::text);
$$;


ALTER FUNCTION app_private.session_turn_key(user_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION session_turn_key(user_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.session_turn_key(user_id uuid) IS 'The advisory lock on which opening a session of a user (shared) and changing one of their memberships (exclusive) take turns (secret_lock_key of ''sessions:'' || the user''s id).';


--
-- Name: soft_delete(anyelement, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.soft_delete(sample anyelement, clinic_id uuid, id uuid) RETURNS anyelement
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $_$
declare
  v_table text := pg_typeof(sample)::text;
  v_result alias for $0; -- typed as the actual row type
  v_live boolean;
begin
  -- Only a row the caller may change, not deleted yet, is deleted and returned; a delete in flight
  -- holds the lock until it commits, and then the row is deleted: nothing here. (Deleted rows are
  -- visible in this function, so the live one is asked for by name.)
  execute format('select true from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is null for update', v_table)
    into v_live using soft_delete.clinic_id, soft_delete.id;
  if v_live then
    -- The DELETE goes through the table's delete policy; the trigger turns it into a soft delete.
    execute format('delete from %s where clinic_id = $1 and id = $2', v_table) using soft_delete.clinic_id, soft_delete.id;
    -- read whatever the caller's session has become: a member removing themselves has just ended it
    v_result := app_private.soft_deleted_row(sample, soft_delete.clinic_id, soft_delete.id);
  end if;
  if v_result is null then
    -- a live row the caller sees, which the policies kept from them (every table soft_delete serves lets
    -- owners and admins delete): one it may change (locked above, its delete refused), or only see
    if v_live is null then
      execute format('select true from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is null', v_table)
        into v_live using soft_delete.clinic_id, soft_delete.id;
    end if;
    if v_live then
      raise exception 'Only an owner or admin deletes this.' using errcode = 'CFORB';
    end if;
    raise exception 'Nothing to delete: no such row in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_result;
end;
$_$;


ALTER FUNCTION app_private.soft_delete(sample anyelement, clinic_id uuid, id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION soft_delete(sample anyelement, clinic_id uuid, id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.soft_delete(sample anyelement, clinic_id uuid, id uuid) IS 'Soft-deletes the row of the table whose row type `sample` is (pass null::app_public.patient) and returns it; the table''s delete policy decides who may. A live row the caller sees but may not delete is FORBIDDEN; one already deleted, or not seen, is NOT_FOUND; nothing of it is returned then. Sees deleted rows (clinicops.include_deleted) for its own duration only.';


--
-- Name: soft_deleted_row(anyelement, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.soft_deleted_row(sample anyelement, clinic_id uuid, id uuid) RETURNS anyelement
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'on'
    AS $_$
declare
  v_result alias for $0; -- typed as the actual row type
begin
  execute format('select t.* from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null', pg_typeof(sample))
    into v_result using soft_deleted_row.clinic_id, soft_deleted_row.id;
  return v_result;
end;
$_$;


ALTER FUNCTION app_private.soft_deleted_row(sample anyelement, clinic_id uuid, id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION soft_deleted_row(sample anyelement, clinic_id uuid, id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.soft_deleted_row(sample anyelement, clinic_id uuid, id uuid) IS 'The row soft_delete has just soft-deleted (of the table whose row type `sample` is), read whatever the caller''s session has become: a member removing themselves ends their own session in the removal, and the caller then sees no clinic''s memberships (clinicops.every_clinic, for its own duration only). Called by soft_delete alone, for the row it locked live and deleted.';


--
-- Name: sweep_unended_downloads(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.sweep_unended_downloads() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_download app_private.export_download;
  v_swept integer := 0;
begin
  -- the clinics' chains in the order of their ids (decision 005); a row whose end is being told is its end's
  for v_download in
    select d.* from app_private.export_download d where d.begun_at < now() - interval '1 day'
    order by d.clinic_id, d.begun_at, d.id for update skip locked
  loop
    delete from app_private.export_download d where d.id = v_download.id;
    perform app_private.download_cut_short(v_download, true);
    v_swept := v_swept + 1;
  end loop;
  return v_swept;
end;
$$;


ALTER FUNCTION app_private.sweep_unended_downloads() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION sweep_unended_downloads(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.sweep_unended_downloads() IS 'Audits as cut short (download_cut_short, its detail saying endNeverCame) every download begun more than a day ago whose end never came (the server stopped mid-file, or could not reach the database at its end), taking its row of app_private.export_download; returns how many. A day is far beyond a download: the server tells every end it streams, whole or not, and a clinic''s whole storage budget (2,048 MB by default) goes out within a day at 25 kB/s (the server sets no deadline of its own: a client reading slower still, or stalling, for more than a day has its download audited so, and what it reads after is not). The clinics'' chains are taken in the order of their ids; a row whose end is being told meanwhile is left to it. Run hourly by report_export__expire (worker/crontab).';


--
-- Name: take_members_turn(uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.take_members_turn(clinic_id uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  perform pg_advisory_xact_lock(hashtextextended('members:' || take_members_turn.clinic_id, 0));
end;
$$;


ALTER FUNCTION app_private.take_members_turn(clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION take_members_turn(clinic_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.take_members_turn(clinic_id uuid) IS 'Takes, until commit, the clinic''s turn of changes to its memberships by its owners and admins (tg_membership__managers_take_turns, remove_member), before any membership row is locked: two at once take turns, and the second is judged by the role its caller has once the first has committed (tg_membership__changed_by_a_manager).';


--
-- Name: tg__amounts_in_currency(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__amounts_in_currency() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  -- an update is judged on the amounts it changes: a form that sends an older, finer price back as it was saves the rest
  v_amounts numeric[] := array(select (to_jsonb(new) ->> c)::numeric from unnest(tg_argv[1:]) c
                               where tg_op = 'INSERT' or (to_jsonb(new) -> c) is distinct from (to_jsonb(old) -> c));
begin
  if cardinality(v_amounts) > 0 then
    perform app_private.check_in_clinic_currency(new.clinic_id, tg_argv[0], variadic v_amounts);
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg__amounts_in_currency() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__amounts_in_currency(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__amounts_in_currency() IS 'BEFORE INSERT or UPDATE trigger: the row''s amounts, the columns named after the first argument, fit the clinic''s currency (check_in_clinic_currency), the first argument naming them in the refusal ("A price"); an update''s, those it changes.';


--
-- Name: tg__assign_code(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__assign_code() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
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
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  v_row jsonb := coalesce(v_new, v_old);
  v_action text := lower(tg_op);
  v_chains uuid[];
  v_chain uuid;
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
  v_chains := app_private.audit_chains_of_row(tg_table_name, v_row);
  -- a person's account of several clinics: all their heads first, in order, as a statement of several chains takes them
  if cardinality(v_chains) > 1 then
    perform app_private.lock_audit_chains(v_chains);
  end if;
  foreach v_chain in array v_chains loop
    perform app_private.write_audit(v_chain, v_action, tg_table_name, (v_row ->> 'id')::uuid, v_old, v_new);
  end loop;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg__audit() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__audit(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__audit() IS 'AFTER INSERT OR UPDATE OR DELETE: one audit entry per changed row (soft delete and restore named as such) in its chain (audit_chain_of_row: its clinic''s), a person''s account''s in each chain of audit_chains_of_person (the session''s clinic''s or the platform''s, and every clinic that lists the person), those locked first in the order of their ids. A statement of rows of several chains has locked their heads in order first (tg__audit_chains_in_order).';


--
-- Name: tg__audit_chains_in_order(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__audit_chains_in_order() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_chains uuid[];
begin
  -- a single row's statement, the API's, goes no further: its entries lock their chains (tg__audit)
  if not exists (select from changed c offset 1) then
    return null;
  end if;
  -- the first row (its transition table's first, as its after-row events come in that order) of a statement of several:
  -- the rows after it find the heads already held. Compared by its whole image, as not every audited table has an id
  -- (analyst_grant)
  if (case tg_op when 'DELETE' then old else new end) *= (select c from changed c limit 1) then
    select array_agg(distinct chain) into v_chains
    from changed c, unnest(app_private.audit_chains_of_row(tg_table_name, to_jsonb(c))) chain;
    -- rows of one chain: its entries lock its head, as before
    if cardinality(v_chains) > 1 then
      perform app_private.lock_audit_chains(v_chains);
    end if;
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg__audit_chains_in_order() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__audit_chains_in_order(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__audit_chains_in_order() IS 'AFTER INSERT, UPDATE or DELETE, for each row, before the audit (_500_audit), on every audited table (order_audit_chains): at the first row of a statement whose rows (changed, the transition table) are of several audit chains (audit_chains_of_row: a person''s account of several clinics is of each), locks their heads in the order of their ids (lock_audit_chains), as every act that ends sessions of several clinics takes them (audit_sessions_ended): such a statement (an operator''s, a maintenance job''s) and a login, a password change or a deactivation at once lock no head the other holds while waiting for it. A statement of one row locks nothing here (tg__audit locks the chains of its row). A soft delete is an update of each row in turn (tg__soft_delete), its chain locked there: a delete of rows of several clinics of a soft-deleted table is not ordered: the operator updates their deleted_at instead (docs/decisions/005-audit-chain.md). A transaction of several statements is ordered one statement at a time: it calls lock_audit_chains with all its chains first.';


--
-- Name: tg__money_day(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__money_day() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_at timestamptz := coalesce(v_row ->> 'received_at', v_row ->> 'refunded_at')::timestamptz;
  v_clinic uuid := (v_row ->> 'clinic_id')::uuid;
  v_days date[];
  v_moved boolean := tg_op = 'INSERT'
    or (tg_op = 'UPDATE' and v_at is distinct from coalesce(to_jsonb(old) ->> 'received_at', to_jsonb(old) ->> 'refunded_at')::timestamptz);
  v_closed app_public.daily_reconciliation;
begin
  -- the day the money moved, in the clinic's time zone then; a later change of the zone, or of the
  -- method, leaves it on that day (which a reconciliation may have counted)
  if v_moved then
    new.business_date := app_hidden.business_date(new.clinic_id, v_at);
  elsif tg_op = 'UPDATE' then
    new.business_date := old.business_date;
  end if;
  v_days := array_remove(array[
    case when tg_op <> 'DELETE' then new.business_date end,
    case when tg_op <> 'INSERT' then old.business_date end], null);
  -- Waits for a close of these days in flight; once we hold the lock, no close starts until we commit.
  perform app_private.lock_business_day(v_clinic, d, false) from unnest(v_days) d;
  -- in one read: a closed day of these days, first, or (money moved or dated) one whose hours, as the zone it
  -- was closed in reads them, hold its time (a zone changes the date of a moment by two days at most): its date
  -- there, not a range from the day's midnight to the next, which reads a midnight that comes twice (summer time
  -- ending at 01:00, the Azores) as its second pass
  select * into v_closed from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.status = 'closed'
    and (d.business_date = any (v_days)
      or (v_moved and d.business_date between new.business_date - 2 and new.business_date + 2
          and (v_at at time zone d.closed_in_time_zone)::date = d.business_date
          -- before the count: money of its hours taken after it (the day closed at its evening's cash-up, then the
          -- zone moved east) was never in the drawer counted, and belongs to the open day it falls on now
          and (d.closed_at is null or v_at < d.closed_at)))
  order by d.business_date = any (v_days) desc
  limit 1;
  -- naming the day, and who reopens it (it said neither)
  if found and v_closed.business_date = any (v_days) then
    raise exception 'The business day % is closed: its payments and refunds can no longer change, unless an owner reopens it.', v_closed.business_date
      using errcode = 'CDAYC';
  elsif found then
    raise exception 'That time is within the business day of % (in %, the time zone it was closed in), which is closed: its payments and refunds can no longer change, unless an owner reopens it.',
      v_closed.business_date, v_closed.closed_in_time_zone using errcode = 'CDAYC';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;


ALTER FUNCTION app_private.tg__money_day() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__money_day(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__money_day() IS 'BEFORE INSERT/UPDATE/DELETE on payments and refunds: sets the business day in the clinic''s time zone when the money moves (kept by later updates unless its time is corrected), locks the day against a concurrent close, and refuses any change to a closed day (DAY_CLOSED), and money moved or dated within the hours of a day closed in another time zone, as that zone reads them, before the day was closed (money of those hours taken after its count is the open day''s it falls on).';


--
-- Name: tg__money_rollup(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__money_rollup() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_sign integer := case when tg_table_name = 'refund' then -1 else 1 end;
begin
  if tg_op = 'UPDATE' and (new.amount, new.method, new.business_date) is not distinct from (old.amount, old.method, old.business_date) then
    return null; -- named, not changed: nothing moves (and no audit entry takes its turn with a rebuild)
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    update app_private.daily_money m set amount = m.amount - v_sign * old.amount, movements = m.movements - 1
    where m.clinic_id = old.clinic_id and m.business_date = old.business_date and m.method = old.method;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into app_private.daily_money as m (clinic_id, business_date, method, amount, movements)
    values (new.clinic_id, new.business_date, new.method, v_sign * new.amount, 1)
    on conflict (clinic_id, business_date, method) do update set amount = m.amount + excluded.amount, movements = m.movements + 1;
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg__money_rollup() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__money_rollup(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__money_rollup() IS 'AFTER INSERT/UPDATE/DELETE on payments and refunds: keeps daily_money (the amount and the count of movements); an update that changes none of amount, method and business day leaves it alone.';


--
-- Name: tg__money_totals(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__money_totals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
begin
  perform app_private.refresh_amount_paid((v_row ->> 'clinic_id')::uuid, (v_row ->> 'invoice_id')::uuid);
  perform app_private.refresh_reconciliation((v_row ->> 'clinic_id')::uuid, (v_row ->> 'business_date')::date);
  if tg_op = 'UPDATE' and old.business_date is distinct from new.business_date then -- the day it left
    perform app_private.refresh_reconciliation(old.clinic_id, old.business_date);
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg__money_totals() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__money_totals(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__money_totals() IS 'AFTER INSERT/UPDATE/DELETE on payments and refunds: the invoice''s amount paid and the open day''s expected totals follow (both days'', when a corrected time moves the money).';


--
-- Name: tg__no_discount_is_zero(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__no_discount_is_zero() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  new.discount := coalesce(new.discount, 0);
  return new;
end;
$$;


ALTER FUNCTION app_private.tg__no_discount_is_zero() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__no_discount_is_zero(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__no_discount_is_zero() IS 'Trigger: a discount written as null is 0 (no discount).';


--
-- Name: tg__patient_not_deleted(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__patient_not_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- made, or moved to another patient; or, with the argument 'always', whatever changed (an invoice issued)
  if tg_op = 'INSERT' or tg_argv[0] = 'always' or new.patient_id is distinct from old.patient_id then
    perform app_private.refuse_deleted_patient(new.clinic_id, new.patient_id);
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg__patient_not_deleted() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__patient_not_deleted(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__patient_not_deleted() IS 'AFTER INSERT OR UPDATE OF patient_id on visits and invoices, after the foreign key''s check has locked the patient''s row: the patient is not deleted (INVALID_INPUT), nor being deleted (the check waits for that delete and then refuses). With the argument ''always'', on any update the trigger fires for (an invoice issued).';


--
-- Name: tg__soft_delete(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__soft_delete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $_$
begin
  execute format(
    'update %I.%I set deleted_at = now(), deleted_by = app_public.current_user_id() where clinic_id = $1 and id = $2 and deleted_at is null',
    tg_table_schema, tg_table_name
  ) using old.clinic_id, old.id;
  return null; -- the row stays; the DELETE itself does nothing
end;
$_$;


ALTER FUNCTION app_private.tg__soft_delete() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__soft_delete(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__soft_delete() IS 'BEFORE DELETE: turns a delete into deleted_at/deleted_by, so no role the application uses can hard-delete the row.';


--
-- Name: tg__tax_rate_as_meant(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__tax_rate_as_meant() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  new.tax_rate := trim_scale(new.tax_rate);
  return new;
end;
$$;


ALTER FUNCTION app_private.tg__tax_rate_as_meant() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__tax_rate_as_meant(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__tax_rate_as_meant() IS 'Trigger: a tax rate without its trailing zeros (0.0725000 is 0.0725), before the check of its decimals as typed.';


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
-- Name: tg__truncate_refused(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg__truncate_refused() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
  raise exception 'A truncate of %.% writes no audit entry: delete its rows instead (soft-deleted where the table keeps them), each recorded in the audit log.',
    tg_table_schema, tg_table_name using errcode = 'CFORB';
end;
$$;


ALTER FUNCTION app_private.tg__truncate_refused() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg__truncate_refused(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg__truncate_refused() IS 'BEFORE TRUNCATE, for each statement, on each audited table (refuse_truncate): refuses the truncate, which fires no row trigger and so would take rows out with no audit entry, even when it reaches the table by cascade from another.';


--
-- Name: tg_audit_log__append_only(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_AUDITOR
--

CREATE FUNCTION app_private.tg_audit_log__append_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
  if tg_op = 'INSERT' then
    -- now(): when the writing transaction began; clock_timestamp(): this moment
    if new.occurred_at is null or new.occurred_at < now() or new.occurred_at > clock_timestamp() then
      raise exception 'An audit entry is dated when it is written, not %.', coalesce(new.occurred_at::text, 'null')
        using errcode = 'CFORB';
    end if;
    return new;
  end if;
  raise exception 'The audit log is append-only.' using errcode = 'CFORB';
end;
$$;


ALTER FUNCTION app_private.tg_audit_log__append_only() OWNER TO :DATABASE_AUDITOR;

--
-- Name: FUNCTION tg_audit_log__append_only(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_AUDITOR
--

COMMENT ON FUNCTION app_private.tg_audit_log__append_only() IS 'Refuses UPDATE, DELETE and TRUNCATE on the audit log, whoever asks, and an entry added with another time than that of its writing (between its transaction''s start and now).';


--
-- Name: tg_clinic__code_prefixes_distinct(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_clinic__code_prefixes_distinct() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_kinds constant text[] := array['PAT', 'SRV', 'VIS', 'INV', 'PAY', 'REF'];
  v_kind text;
  v_prefix text;
  v_others text[];
begin
  if tg_op = 'UPDATE' and new.code_prefixes is not distinct from old.code_prefixes
     or not app_hidden.code_prefixes_are_valid(new.code_prefixes) then
    return new; -- unchanged, or told what a prefix is by code_prefixes_are_valid ("%" was told it was on codes of another kind)
  end if;
  -- each kind keeps a prefix of its own: {"PAT": "PT", "INV": "PT"} numbered patients and invoices alike
  if (select count(distinct upper(coalesce(new.code_prefixes ->> k, k)))
      from unnest(v_kinds) k) < cardinality(v_kinds) then
    raise exception 'Code prefixes replace PAT, SRV, VIS, INV, PAY or REF, each with 1 to 8 letters or digits that no other kind of code has.'
      using errcode = 'CINVL';
  end if;
  if tg_op = 'UPDATE' then
    for v_kind, v_prefix in
      select k, coalesce(new.code_prefixes ->> k, k) from unnest(v_kinds) k
      where upper(coalesce(new.code_prefixes ->> k, k)) <> upper(coalesce(old.code_prefixes ->> k, k))
    loop
      v_others := array_remove(app_private.kinds_with_codes(new.id, v_prefix), v_kind);
      if cardinality(v_others) > 0 then
        raise exception 'The prefix % is already on codes of another kind (%): choose one that no other kind of code has had.', v_prefix, array_to_string(v_others, ', ')
          using errcode = 'CINVL';
      end if;
    end loop;
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_clinic__code_prefixes_distinct() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_clinic__code_prefixes_distinct(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_clinic__code_prefixes_distinct() IS 'Trigger: every kind of code keeps a prefix no other kind has, its own default included, nor has had codes under (INVALID_INPUT); checked when the prefixes change.';


--
-- Name: tg_clinic__contact_as_meant(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_clinic__contact_as_meant() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  new.email := app_hidden.text_or_null(new.email);
  new.address := app_hidden.text_or_null(regexp_replace(new.address, '[\u202a-\u202e\u2066-\u2069]', '', 'g'));
  new.invoice_footer := app_hidden.text_or_null(regexp_replace(new.invoice_footer, '[\u202a-\u202e\u2066-\u2069]', '', 'g'));
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_clinic__contact_as_meant() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_clinic__contact_as_meant(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_clinic__contact_as_meant() IS 'Trigger: a clinic''s email, address and invoice footer as meant: without the white space around them, null when blank; the address and footer without the controls that reorder text (U+202A–U+202E, U+2066–U+2069), their line breaks kept.';


--
-- Name: tg_clinic__currency_kept(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_clinic__currency_kept() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_code text;
  v_id uuid;
  v_price numeric;
  v_deleted boolean;
begin
  if not app_public.is_valid_currency(new.currency) then
    return new; -- told so by clinic_currency_check ("Unknown currency"), not that it would be added to the old one
  end if;
  perform app_private.lock_clinic_setting(new.id, 'currency', true);
  -- read after the lock: an invoice, a visit's service or a count made meanwhile has committed (the manager who changes it sees them all)
  if exists (select from app_public.invoice i where i.clinic_id = new.id) then
    raise exception 'The currency cannot change once the clinic has invoices: its totals would add % to %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  if exists (select from app_public.visit_service s where s.clinic_id = new.id) then
    raise exception 'The currency cannot change once the clinic has charged for visits: their values in % would read as %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  if exists (select from app_public.daily_reconciliation d where d.clinic_id = new.id and d.counted_total is not null) then
    raise exception 'The currency cannot change once the clinic has counted its cash: its counts in % would read as %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  -- deleted services too: a restore brings a service back with its price
  select s.code, s.id, s.price, s.deleted_at is not null into v_code, v_id, v_price, v_deleted from app_public.service s
  where s.clinic_id = new.id and s.price <> round(s.price, app_public.currency_decimals(new.currency))
  order by s.deleted_at is not null, s.code limit 1;
  if found then
    raise exception 'The price of % (%) has more decimals than % has (%): change it first%.', v_code, trim_scale(v_price), new.currency,
      app_public.currency_decimals(new.currency), case when v_deleted then ' (a deleted service: restore it, change its price, delete it again)' else '' end
      using errcode = 'CINVL', detail = json_build_object('serviceId', v_id)::text;
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_clinic__currency_kept() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_clinic__currency_kept(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_clinic__currency_kept() IS 'Trigger: refuses a change of currency once the clinic has invoices, services on visits or a counted day, or to a currency its catalog''s prices (deleted services'' too: a restore brings them back) have too many decimals for (INVALID_INPUT, naming the service, its id in the error''s DETAIL, extensions.serviceId); waits for what is being written in the currency (its lock, which new invoices and check_in_clinic_currency share).';


--
-- Name: tg_clinic__no_closed_day_ahead(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_clinic__no_closed_day_ahead() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_day date;
begin
  -- after the row's checks: the new zone is a valid one (closes under way have finished: tg_clinic__time_zone_turn)
  select max(d.business_date) into v_day from app_public.daily_reconciliation d
  where d.clinic_id = new.id and d.status = 'closed' and d.business_date > (now() at time zone new.timezone)::date;
  if v_day is not null then
    raise exception 'The business day % is closed and would not have started yet in %: reopen it first.', v_day, new.timezone
      using errcode = 'CINVL';
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_clinic__no_closed_day_ahead() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_clinic__no_closed_day_ahead(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_clinic__no_closed_day_ahead() IS 'Trigger: refuses (INVALID_INPUT) a time zone in which a closed business day of the clinic has not started yet; reopen the day first.';


--
-- Name: tg_clinic__normalize_phone(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_clinic__normalize_phone() RETURNS trigger
    LANGUAGE plpgsql
    AS $_$
begin
  if tg_op = 'INSERT' and app_hidden.phone_plan(new.calling_code) ? 'worldwide' then
    new.calling_code := null; -- from create_clinic_with_owner, read off its owner's phone
  elsif (tg_op = 'INSERT' or new.calling_code is distinct from old.calling_code) and new.calling_code is not null
        and not app_hidden.is_country_code(new.calling_code) then
    raise exception 'The calling code +% is not a country''s code in use: give the code of the clinic''s country.', new.calling_code
      using errcode = 'CINVL';
  end if;
  if new.phone ~ '^\s*$' then
    new.phone := null;
  elsif new.phone is not null and (tg_op = 'INSERT' or new.phone is distinct from old.phone) then
    new.phone := app_public.normalize_phone(new.phone, coalesce(new.calling_code, app_hidden.calling_code_for(null)));
  end if;
  return new;
end;
$_$;


ALTER FUNCTION app_private.tg_clinic__normalize_phone() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_clinic__normalize_phone(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_clinic__normalize_phone() IS 'Trigger: refuses a calling code that is no country''s code in use when it is set (a new clinic''s of no country is left out), and normalises the clinic''s phone with its calling code (or the deployment default) when it changes, blank meaning none.';


--
-- Name: tg_clinic__time_zone(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_clinic__time_zone() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  insert into app_hidden.clinic_time_zone (clinic_id, time_zone) values (new.id, new.timezone)
  on conflict (clinic_id) do update set time_zone = excluded.time_zone;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_clinic__time_zone() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_clinic__time_zone(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_clinic__time_zone() IS 'AFTER INSERT OR UPDATE OF timezone on clinics: keeps app_hidden.clinic_time_zone.';


--
-- Name: tg_clinic__time_zone_turn(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_clinic__time_zone_turn() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- closes under way finish first, later ones wait for this change: before the row's audit entry locks its chain
  perform app_private.lock_clinic_setting(new.id, 'time zone', true);
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_clinic__time_zone_turn() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_clinic__time_zone_turn(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_clinic__time_zone_turn() IS 'Trigger: a change of the clinic''s time zone takes its turn with the closes of its days (lock_clinic_setting, exclusive) before anything of the row is written.';


--
-- Name: tg_clinic__timezone_rollups(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_clinic__timezone_rollups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  perform app_private.move_rollups_to_zone(new.id, old.timezone, new.timezone);
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_clinic__timezone_rollups() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_clinic__timezone_rollups(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_clinic__timezone_rollups() IS 'AFTER UPDATE OF timezone on clinic: local days moved, so what changed day moves on the rollups (move_rollups_to_zone).';


--
-- Name: tg_clinic__trim_name(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_clinic__trim_name() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  new.name := app_hidden.name_as_meant(new.name);
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_clinic__trim_name() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_clinic__trim_name(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_clinic__trim_name() IS 'Trigger: a clinic''s name is saved as meant (app_hidden.name_as_meant): white space of any kind one space, none at either end, invisible controls out.';


--
-- Name: tg_daily_reconciliation__closed_in_time_zone(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_daily_reconciliation__closed_in_time_zone() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- close_day holds the clinic's time zone setting (lock_clinic_setting): a change of it waits for the close
  new.closed_in_time_zone := case when new.status = 'closed' then (select c.timezone from app_public.clinic c where c.id = new.clinic_id) end;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_daily_reconciliation__closed_in_time_zone() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_daily_reconciliation__closed_in_time_zone(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_daily_reconciliation__closed_in_time_zone() IS 'BEFORE INSERT or UPDATE OF status: a day closed keeps the clinic''s time zone of then (closed_in_time_zone); one reopened forgets it.';


--
-- Name: tg_daily_reconciliation__closed_is_final(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_daily_reconciliation__closed_is_final() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  raise exception 'This business day is closed: an owner can reopen it to change it.' using errcode = 'CDAYC';
end;
$$;


ALTER FUNCTION app_private.tg_daily_reconciliation__closed_is_final() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_daily_reconciliation__closed_is_final(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_daily_reconciliation__closed_is_final() IS 'BEFORE UPDATE of a closed day that leaves it closed: refused (DAY_CLOSED); reopen_day opens it first.';


--
-- Name: tg_invoice__currency_turn(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice__currency_turn() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- shared with other new invoices; a change of the clinic's currency takes it alone (tg_clinic__currency_kept)
  perform app_private.lock_clinic_setting(new.clinic_id, 'currency', false);
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_invoice__currency_turn() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice__currency_turn(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice__currency_turn() IS 'Trigger: a new invoice waits for a change of its clinic''s currency in flight (and holds one off), before anything else about it is decided.';


--
-- Name: tg_invoice__defaults(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice__defaults() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_visit app_public.visit;
  v_live app_public.invoice;
begin
  select c.currency, c.tax_rate into new.currency, new.tax_rate from app_public.clinic c where c.id = new.clinic_id;
  new.status := 'draft';
  new.amount_paid := 0;
  -- checked for those who may invoice: another role's insert is refused by the policies (FORBIDDEN,
  -- saying who may), whatever visit it names
  if new.visit_id is not null and (app_hidden.may_invoice() or app_hidden.in_system_context()) then
    select * into v_visit from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id;
    if not found then
      raise exception 'No such visit in this clinic.' using errcode = 'CNOTF';
    elsif v_visit.status in ('cancelled', 'no_show') then
      raise exception 'A % visit is not invoiced.', app_hidden.visit_status_words(v_visit.status) using errcode = 'CINVL';
    elsif new.patient_id is distinct from v_visit.patient_id then
      if new.patient_id is not null and not exists (select from app_public.patient p where p.clinic_id = new.clinic_id and p.id = new.patient_id) then
        raise exception 'No such patient in your clinic.' using errcode = 'CNOTF';
      end if;
      raise exception 'This visit is another patient''s: bill the patient of the visit.' using errcode = 'CINVL';
    end if;
    select * into v_live from app_public.invoice i where i.clinic_id = new.clinic_id and i.visit_id = new.visit_id and i.status <> 'void' limit 1;
    if found then
      raise exception 'This visit already has an invoice, % (%): %', v_live.code, replace(v_live.status::text, '_', ' '),
        case when v_live.status = 'draft' then 'bill the visit''s services added since on it (billUnbilledServices), or add lines to it.' else 'to bill the visit again, void that one first, its payments refunded.' end
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_live.id)::text;
    end if;
    new.doctor_id := v_visit.doctor_id;
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_invoice__defaults() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice__defaults(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice__defaults() IS 'BEFORE INSERT: a new invoice is a draft in the clinic''s currency and tax rate; one that bills a visit (made from it, or by hand with its visit) bills the visit''s patient and records its doctor: a visit not in the clinic is NOT_FOUND, a cancelled or no-show visit INVALID_INPUT, another patient''s INVALID_INPUT unless that patient is not in the clinic (NOT_FOUND), one with a live invoice CONFLICT naming it (its id in the error''s DETAIL, extensions.invoiceId) (invoice_one_live_per_visit refuses two made at the same moment).';


--
-- Name: tg_invoice__lifecycle(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice__lifecycle() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if old.status = 'void' then
    raise exception 'A void invoice cannot change.' using errcode = 'CTRAN';
  end if;
  if (new.patient_id, new.visit_id, new.currency) is distinct from (old.patient_id, old.visit_id, old.currency)
     and old.status <> 'draft' then
    raise exception 'An issued invoice cannot change its patient, visit or currency.' using errcode = 'CTRAN';
  end if;
  if new.status = 'void' then
    if new.amount_paid > 0 then
      raise exception 'Refund the payments of this invoice before voiding it.' using errcode = 'CINVL';
    end if;
    return new;
  end if;
  -- Once issued, the payments decide the status; nothing left to pay (a total of 0 too) is paid.
  if old.status <> 'draft' or new.status <> 'draft' then
    new.status := case
      when new.amount_paid >= new.total then 'paid'
      when new.amount_paid = 0 then 'issued'
      else 'partially_paid'
    end::app_public.invoice_status;
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_invoice__lifecycle() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice__lifecycle(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice__lifecycle() IS 'BEFORE UPDATE: void is final and needs nothing paid; after issue the status follows amount_paid (issued, partially_paid, paid; an invoice with nothing to pay, a total of 0, is paid).';


--
-- Name: tg_invoice__rollup(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice__rollup() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_lines app_public.invoice_line[] := array(select l from app_public.invoice_line l where l.clinic_id = new.clinic_id and l.invoice_id = new.id);
begin
  -- the lines were counted under the old invoice (when live) and count under the new one (when live)
  perform app_private.add_to_daily_services(old, v_lines, -1);
  perform app_private.add_to_daily_services(new, v_lines, 1);
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_invoice__rollup() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice__rollup(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice__rollup() IS 'AFTER UPDATE of status or created_at on invoices: voiding takes the lines out of daily_services.';


--
-- Name: tg_invoice__visit_bill(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice__visit_bill() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  if new.visit_id is null or new.status = 'void' then
    delete from app_private.visit_bill b where b.clinic_id = new.clinic_id and b.invoice_id = new.id;
  else
    insert into app_private.visit_bill (clinic_id, invoice_id, visit_id, code, status)
    values (new.clinic_id, new.id, new.visit_id, new.code, new.status)
    on conflict (clinic_id, invoice_id) do update set visit_id = excluded.visit_id, code = excluded.code, status = excluded.status;
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_invoice__visit_bill() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice__visit_bill(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice__visit_bill() IS 'Trigger: keeps app_private.visit_bill as the invoice is now (a row while it bills a visit and is not void).';


--
-- Name: tg_invoice_line__billed_once(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice_line__billed_once() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_other app_public.invoice_line;
  v_code text;
begin
  -- after the line guard, which holds the invoice: a line added meanwhile has committed
  select * into v_other from app_public.invoice_line l
  where l.clinic_id = new.clinic_id and l.invoice_id = new.invoice_id and l.service_id = new.service_id and l.id <> new.id
    and (l.visit_service_id is null) <> (new.visit_service_id is null)
  limit 1;
  if not found then
    return new;
  end if;
  select i.code into v_code from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  if new.visit_service_id is not null then
    raise exception 'Invoice % has a line typed by hand for %, which the visit''s service would bill again: take that line off first.', v_code, v_other.description
      using errcode = 'CCONF';
  end if;
  raise exception 'Invoice % bills % from its visit already: a second one is added to the visit (by its doctor, an owner or an admin) and billed with billUnbilledServices, or, the visit completed, typed as a line with its own description and price.',
    v_code, v_other.description using errcode = 'CCONF';
end;
$$;


ALTER FUNCTION app_private.tg_invoice_line__billed_once() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice_line__billed_once(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice_line__billed_once() IS 'BEFORE INSERT or UPDATE of the service of an invoice line: CONFLICT when the invoice bills that service both from its visit (a line tied to the visit''s service) and by a line typed by hand, either coming second: the patient would pay for it twice.';


--
-- Name: tg_invoice_line__bills_the_visit(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice_line__bills_the_visit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_visit_code text;
  v_visit_id uuid;
begin
  if (new.service_id, new.quantity, new.unit_price, new.discount) is not distinct from (old.service_id, old.quantity, old.unit_price, old.discount) then
    return new;
  end if;
  select v.code, v.id into v_visit_code, v_visit_id from app_public.visit_service s
  join app_public.visit v on v.clinic_id = s.clinic_id and v.id = s.visit_id
  where s.clinic_id = old.clinic_id and s.id = old.visit_service_id;
  raise exception 'This line bills a service of %: its quantity, price and discount are the visit''s (change them on the visit, or take the line off and type one by hand).',
    coalesce(v_visit_code, 'a visit')
    using errcode = 'CINVL', detail = json_build_object('visitId', v_visit_id)::text;
end;
$$;


ALTER FUNCTION app_private.tg_invoice_line__bills_the_visit() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice_line__bills_the_visit(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice_line__bills_the_visit() IS 'Trigger: refuses (INVALID_INPUT, naming the visit, its id in the error''s DETAIL, extensions.visitId, when the caller sees it) to change the service, quantity, unit price or discount of a line that bills a visit''s service: they are the visit''s, so the invoice bills the visit''s value.';


--
-- Name: tg_invoice_line__decimals(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice_line__decimals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  select app_public.currency_decimals(i.currency) into new.decimals
  from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  new.decimals := coalesce(new.decimals, 2); -- an invoice not found is the foreign key's to report
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_invoice_line__decimals() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice_line__decimals(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice_line__decimals() IS 'BEFORE INSERT on invoice lines: decimals from the invoice''s currency.';


--
-- Name: tg_invoice_line__guard(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice_line__guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $_$
declare
  v_line app_public.invoice_line := case when tg_op = 'DELETE' then old else new end;
  v_invoice app_public.invoice;
  v_service_active boolean;
  -- what the invoice comes to with this line: before its discounts, and with its tax
  v_subtotal numeric;
  v_total numeric;
begin
  -- locked until commit, so a line and the invoice's issue take turns; both reads planned at each
  -- call (execute), as a foreign key's cascade runs this without row-level security (000180)
  execute 'select * from app_public.invoice i where i.clinic_id = $1 and i.id = $2 for update'
    into v_invoice using v_line.clinic_id, v_line.invoice_id;
  if v_invoice.id is null then
    -- none this session may lock: none it sees (NOT_FOUND), or one no longer a draft for a role that
    -- changes drafts only (issued while it waited, for one), read as it is now
    execute 'select * from app_public.invoice i where i.clinic_id = $1 and i.id = $2'
      into v_invoice using v_line.clinic_id, v_line.invoice_id;
    if v_invoice.id is null then
      raise exception 'No such invoice in your clinic.' using errcode = 'CNOTF';
    end if;
  end if;
  -- the visit's service this line bills is being taken off its visit (the foreign keys' set null), or
  -- what it bills of it (its quantity, discount) changed (a new version, the key's cascade); those
  -- read and write past row-level security, as whoever changes visits' services may not see
  -- invoices: a void invoice's line keeps what it billed, its link following the service; a live
  -- invoice still bills the service as it was (the link and nothing else of the line: a change of
  -- more goes through the checks below)
  if tg_op = 'UPDATE'
     and (new.visit_service_id, new.visit_service_version) is distinct from (old.visit_service_id, old.visit_service_version)
     and (new.visit_service_id is null or new.visit_service_id = old.visit_service_id)
     and (new.clinic_id, new.id, new.invoice_id, new.service_id, new.description, new.quantity, new.unit_price, new.discount, new.tax_rate, new.decimals, new.position)
       is not distinct from (old.clinic_id, old.id, old.invoice_id, old.service_id, old.description, old.quantity, old.unit_price, old.discount, old.tax_rate, old.decimals, old.position) then
    if v_invoice.status <> 'void' and not app_hidden.may_invoice() then
      -- the invoice named only to those who may see invoices (a doctor may not)
      raise exception 'An invoice bills this service: whoever handles billing takes it off that invoice, or voids it, first.' using errcode = 'CCONF';
    elsif v_invoice.status = 'draft' then
      raise exception 'This service is billed on draft invoice %: take its line off that invoice first.', v_invoice.code
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
    elsif v_invoice.status = 'issued' then
      raise exception 'This service is billed on invoice %, which is issued: void that invoice first.', v_invoice.code
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
    elsif v_invoice.status <> 'void' then
      raise exception 'This service is billed on invoice %, which is %: refund its payments and void it first.',
        v_invoice.code, replace(v_invoice.status::text, '_', ' ')
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
    end if;
    return new;
  end if;
  if v_invoice.status = 'void' then
    raise exception 'The lines of a void invoice never change: make a new invoice instead.' using errcode = 'CTRAN';
  elsif v_invoice.status <> 'draft' then
    raise exception 'The lines of % invoice never change: void it and issue a new one.',
      case v_invoice.status when 'issued' then 'an issued' else 'a ' || replace(v_invoice.status::text, '_', ' ') end using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'UPDATE' and new.invoice_id <> old.invoice_id then
    raise exception 'A line cannot move to another invoice.' using errcode = 'CINVL';
  end if;
  new.tax_rate := coalesce(new.tax_rate, v_invoice.tax_rate);
  if new.service_id is not null and (tg_op = 'INSERT' or new.service_id is distinct from old.service_id) then
    select coalesce(new.description, s.name), coalesce(new.unit_price, s.price), s.is_active
    into new.description, new.unit_price, v_service_active
    from app_public.service s
    where s.clinic_id = new.clinic_id and s.id = new.service_id
      -- a deleted service only for a visit's service (bill_visit_services), whatever the session set
      and (s.deleted_at is null or new.visit_service_id is not null);
    if not found then
      raise exception 'No such service in this clinic.' using errcode = 'CNOTF';
    end if;
    -- typed by hand; a visit's service is billed whatever became of it in the catalog since
    if not v_service_active and new.visit_service_id is null then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  end if;
  -- the invoice's subtotal and total as refresh_invoice_totals adds its lines, this one as its generated amounts will
  -- be (the others read under the invoice's lock, planned at each call as above): at most the largest amount
  -- (numeric(16,3)), refused by name rather than by the overflow of the line's or the invoice's amounts
  execute 'select coalesce(sum(l.line_subtotal), 0), coalesce(sum(l.line_total), 0) from app_public.invoice_line l
           where l.clinic_id = $1 and l.invoice_id = $2 and l.id <> $3'
    into v_subtotal, v_total using new.clinic_id, new.invoice_id, new.id;
  v_subtotal := v_subtotal + round(new.quantity * new.unit_price, new.decimals::integer);
  v_total := v_total + round(new.quantity * new.unit_price, new.decimals::integer) - new.discount
    + round((round(new.quantity * new.unit_price, new.decimals::integer) - new.discount) * new.tax_rate, new.decimals::integer);
  if v_subtotal > 9999999999999.999 or v_total > 9999999999999.999 then
    raise exception 'An invoice comes to at most 9999999999999.999, before its discounts and with its tax: check this line''s quantity, price and tax rate.'
      using errcode = 'CINVL';
  end if;
  return new;
end;
$_$;


ALTER FUNCTION app_private.tg_invoice_line__guard() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice_line__guard(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice_line__guard() IS 'BEFORE INSERT/UPDATE/DELETE: the line''s invoice must be one the session sees in its clinic (NOT_FOUND otherwise); lines change only on drafts (INVALID_TRANSITION), the invoice locked so that a line and its issue take turns; a service line defaults to the catalog name and price, every line to the invoice''s tax rate, a deleted service only for a visit''s service (bill_visit_services; clinicops.include_deleted in its definition), NOT_FOUND on a line typed by hand whatever the session set; a line added or changed that takes the invoice past 9999999999999.999 before its discounts or with its tax is refused (INVALID_INPUT), as its amounts would not hold it. A visit''s service taken off its visit unlinks the lines of void invoices (nothing else of them changes), and is refused (CONFLICT) while a draft or issued invoice bills it, naming that invoice to those who may see invoices (its id in the error''s DETAIL, extensions.invoiceId).';


--
-- Name: tg_invoice_line__key_kept(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice_line__key_kept() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  insert into app_private.deleted_invoice_line_key (clinic_id, idempotency_key, invoice_id)
  values (old.clinic_id, old.idempotency_key, old.invoice_id)
  on conflict (clinic_id, idempotency_key) do nothing;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_invoice_line__key_kept() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice_line__key_kept(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice_line__key_kept() IS 'Trigger: keeps the idempotency key of a deleted invoice line in app_private.deleted_invoice_line_key, so that a late retry of the line is refused, not billed again.';


--
-- Name: tg_invoice_line__position(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice_line__position() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  select coalesce(max(l.position), 0) + 1 into new.position
  from app_public.invoice_line l where l.clinic_id = new.clinic_id and l.invoice_id = new.invoice_id;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_invoice_line__position() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice_line__position(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice_line__position() IS 'BEFORE INSERT: the line''s position on its invoice, one more than the last; the invoice is locked by tg_invoice_line__guard, which runs before.';


--
-- Name: tg_invoice_line__rollup(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice_line__rollup() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    perform app_private.add_to_daily_services(i, array[old], -1) from app_public.invoice i where i.clinic_id = old.clinic_id and i.id = old.invoice_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    perform app_private.add_to_daily_services(i, array[new], 1) from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_invoice_line__rollup() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice_line__rollup(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice_line__rollup() IS 'AFTER INSERT/UPDATE/DELETE on invoice lines: keeps daily_services.';


--
-- Name: tg_invoice_line__totals(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice_line__totals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  perform app_private.refresh_invoice_totals(coalesce(new.clinic_id, old.clinic_id), coalesce(new.invoice_id, old.invoice_id));
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_invoice_line__totals() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice_line__totals(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice_line__totals() IS 'AFTER INSERT/UPDATE/DELETE: keeps the invoice''s totals equal to its lines.';


--
-- Name: tg_invoice_line__visit_service_line(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_invoice_line__visit_service_line() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  if tg_op <> 'INSERT' then
    delete from app_private.visit_service_line l where l.clinic_id = old.clinic_id and l.invoice_line_id = old.id;
  end if;
  if tg_op <> 'DELETE' and new.visit_service_id is not null then
    insert into app_private.visit_service_line (clinic_id, invoice_line_id, invoice_id, visit_service_id)
    values (new.clinic_id, new.id, new.invoice_id, new.visit_service_id);
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_invoice_line__visit_service_line() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_invoice_line__visit_service_line(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_invoice_line__visit_service_line() IS 'Trigger: keeps app_private.visit_service_line as the invoice line is now (a row while it bills a visit''s service).';


--
-- Name: tg_membership__changed_by_a_manager(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_membership__changed_by_a_manager() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    AS $$
begin
  -- no session (the operator, the worker), another clinic's or none (a person answering an invitation, a platform
  -- administrator creating a clinic), a person answering their own invitation, and a platform administrator's
  -- insert, which the policies let through whatever their role: not judged here
  if app_public.current_user_id() is null or new.clinic_id is distinct from app_public.current_clinic_id()
     or (tg_op = 'UPDATE' and old.accepted_at is null and old.user_id = app_public.current_user_id())
     or (tg_op = 'INSERT' and app_public.current_user_is_platform_admin()) then
    return new;
  end if;
  -- the caller's role as it is now, under the clinic's turn (a statement of a function of its own reads what has
  -- committed): the policies judged it as it was when the statement began (a session ended meanwhile: CAUTH)
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin adds, changes or removes a member: your role in this clinic has changed.'
      using errcode = 'CFORB';
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_membership__changed_by_a_manager() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_membership__changed_by_a_manager(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_membership__changed_by_a_manager() IS 'BEFORE INSERT or UPDATE (a removal is a soft delete''s update), for each row: a membership of the session''s clinic written in a member''s session is written by an owner or admin as their role is once the clinic''s turn is theirs (tg_membership__managers_take_turns), not as the statement''s snapshot had it: of two managers demoting, suspending or removing each other at once, the second is FORBIDDEN (or UNAUTHENTICATED, its session ended). A person answering their own invitation, and a platform administrator''s insert, are not judged here.';


--
-- Name: tg_membership__declined_stays_declined(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_membership__declined_stays_declined() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    AS $$
begin
  -- the declined invitations are removed rows, which the policies show only with include_deleted
  -- (on in this function's definition); an update other than invite_again's (a membership of before asked again:
  -- an invitation, as a new membership is) is a restore. invite_again's mark is missing (null) on a connection that
  -- never ran it: read as not set, so that the condition is false, not null, and such a restore is one
  if tg_op = 'UPDATE' and not app_private.invited_again(old, new) then
    if old.deleted_at is not null and new.deleted_at is null then
      if old.accepted_at is null and old.deleted_by = old.user_id then
        raise exception 'They declined this invitation: it cannot be brought back.' using errcode = 'CFORB';
      end if;
      if exists (
        select 1 from app_public.membership m
        where m.clinic_id = new.clinic_id and m.user_id = new.user_id and m.id <> new.id
          and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > old.deleted_at
      ) then
        raise exception 'They declined an invitation from this clinic since this was removed: only a new invitation, 30 days after they declined, asks them again.'
          using errcode = 'CFORB';
      end if;
    end if;
    return new;
  end if;
  -- an invitation, on a new membership or on the membership of before: within 30 days of a decline (this
  -- membership's own included), refused
  if exists (
    select 1 from app_public.membership m
    where m.clinic_id = new.clinic_id and m.user_id = new.user_id
      and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > now() - interval '30 days'
  ) then
    raise exception 'They declined an invitation from this clinic less than 30 days ago.' using errcode = 'CCONF';
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_membership__declined_stays_declined() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_membership__declined_stays_declined(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_membership__declined_stays_declined() IS 'BEFORE INSERT, UPDATE OF deleted_at: an invitation its person declined (removed by them while pending) is never restored, nor is any membership of theirs removed before they declined an invitation from the clinic; the clinic invites them again only 30 days after, a new membership or one of before invited again (invite_again, clinicops.reinvitation: an update without it, missing or not on, is a restore).';


--
-- Name: tg_membership__guard_owners(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_membership__guard_owners() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    AS $$
declare
  v_row app_public.membership := coalesce(new, old);
  -- invite_again: a removed membership asked again, an invitation like a new one (its role of before is not changed
  -- but replaced, so it touches an owner only if it invites one)
  v_invited_again boolean := tg_op = 'UPDATE' and app_private.invited_again(old, new);
  v_touches_owner boolean := (tg_op <> 'INSERT' and old.role = 'owner' and not v_invited_again) or (tg_op <> 'DELETE' and new.role = 'owner');
  v_stays_owner boolean := tg_op = 'UPDATE' and new.role = 'owner' and new.is_active and new.deleted_at is null
                           and new.accepted_at is not null;
  -- the person answering their own pending invitation: accepting it (an UPDATE leaving role and
  -- is_active as they were) or declining it (a DELETE, which the soft delete turns into an UPDATE)
  v_own_answer boolean := tg_op <> 'INSERT' and old.accepted_at is null and old.user_id = app_public.current_user_id()
                          and (tg_op = 'DELETE' or (new.role, new.is_active) = (old.role, old.is_active));
begin
  if tg_op = 'UPDATE' and (new.clinic_id, new.user_id) is distinct from (old.clinic_id, old.user_id) then
    raise exception 'A membership cannot move to another clinic or user.' using errcode = 'CFORB';
  end if;
  if tg_op = 'UPDATE' and old.accepted_at is not null and new.accepted_at is null and not v_invited_again then
    raise exception 'An accepted membership cannot become an invitation again.' using errcode = 'CFORB';
  end if;
  -- Without a session only trusted connections (owner, operators) get here. A platform admin adds
  -- an owner only as a clinic's first member: the owner of the clinic they create.
  if v_touches_owner and app_public.current_user_id() is not null and not v_own_answer
     and not (app_hidden.current_role_in('owner')
              or (tg_op = 'INSERT' and app_public.current_user_is_platform_admin()
                  and not exists (select 1 from app_public.membership m where m.clinic_id = new.clinic_id))) then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  if tg_op <> 'INSERT' and old.role = 'owner' and old.is_active and old.deleted_at is null and old.accepted_at is not null
     and not v_stays_owner then
    -- Owners stepping down (or suspending each other) at once take turns: each asked while the
    -- other had not committed, both saw another owner and the clinic was left with none. The
    -- second asks once the first has committed, and sees it (a statement's own snapshot). Updates
    -- only, before the sessions' turns (_480_session_turns, once the statement's rows are written) as
    -- every membership update takes them: a delete is a soft delete, whose update comes back here.
    if tg_op = 'UPDATE' then
      perform pg_advisory_xact_lock(hashtextextended('owners:' || v_row.clinic_id, 0));
    end if;
    if not exists (
      select 1 from app_public.membership m
      where m.clinic_id = v_row.clinic_id and m.id <> v_row.id and m.role = 'owner' and m.is_active and m.deleted_at is null
        and m.accepted_at is not null
    ) then
      raise exception 'A clinic must keep at least one active owner.' using errcode = 'CFORB';
    end if;
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;


ALTER FUNCTION app_private.tg_membership__guard_owners() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_membership__guard_owners(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_membership__guard_owners() IS 'BEFORE INSERT/UPDATE/DELETE: only owners manage owners (a platform admin only adds the first owner of a clinic they create; a person invited as an owner accepts or declines it themselves), a clinic always keeps an active owner who accepted, and an accepted membership never turns pending again, except a removed one invited again (invite_again, clinicops.reinvitation), whose role of before is replaced, not changed.';


--
-- Name: tg_membership__kept_to_the_resetting_clinic(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_membership__kept_to_the_resetting_clinic() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    AS $$
declare
  v_clinic uuid;
begin
  -- a membership that becomes one the person holds: made accepted (a clinic made with them as its owner), an
  -- invitation accepted, a removed membership restored
  if new.accepted_at is not null and new.deleted_at is null
     and (tg_op = 'INSERT' or old.accepted_at is null or old.deleted_at is not null) then
    -- read after the statement's wait for the person's sessions' turn (_480_session_turns), which a reset holds, or
    -- under the phone's lock a clinic's making holds, so a reset committed meanwhile is seen
    select s.password_given_by_clinic into v_clinic from app_private.user_secret s where s.user_id = new.user_id;
    if v_clinic is not null and v_clinic <> new.clinic_id then
      raise exception 'This account''s password was last given by another clinic, which may log in as it: it joins no other clinic until the platform operator resets the password (npm run password).'
        using errcode = 'CFORB';
    end if;
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_membership__kept_to_the_resetting_clinic() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_membership__kept_to_the_resetting_clinic(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_membership__kept_to_the_resetting_clinic() IS 'AFTER INSERT or UPDATE, for each row, after the sessions'' turns (_480_session_turns): an account whose password a clinic gave (user_secret.password_given_by_clinic) is made the owner of no new clinic, accepts no invitation of another clinic and has no membership there restored (FORBIDDEN) until the platform operator resets its password: whoever in that clinic knew the password would have the person''s access there.';


--
-- Name: tg_membership__managers_take_turns(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_membership__managers_take_turns() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    AS $$
begin
  -- the role as it is now (a statement of a function of its own): one who is no longer a manager takes no turn, and
  -- is refused at the row by tg_membership__changed_by_a_manager
  if app_hidden.current_role_in('owner', 'admin') then
    perform app_private.take_members_turn(app_public.current_clinic_id());
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_membership__managers_take_turns() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_membership__managers_take_turns(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_membership__managers_take_turns() IS 'BEFORE INSERT, UPDATE or DELETE, for each statement: a statement of a session whose role is owner or admin takes its clinic''s turn of membership changes (take_members_turn) before it locks any membership row, so that owners and admins changing memberships at once (demoting, suspending, removing each other) take turns.';


--
-- Name: tg_membership__notify_visit_queue(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_membership__notify_visit_queue() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    AS $$
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


ALTER FUNCTION app_private.tg_membership__notify_visit_queue() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_membership__notify_visit_queue(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_membership__notify_visit_queue() IS 'AFTER UPDATE OF role: when the member''s live queue channel changes with their role (member_visit_queue_channel: a doctor made receptionist, an admin made doctor), tells the channel they leave {"channel_changed": true}, so that the API ends their subscriptions (UNAVAILABLE: subscribe again) and they subscribe again on their new channel; the others listening there find theirs unchanged and go on.';


--
-- Name: tg_membership__session_turns(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_membership__session_turns() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    AS $$
declare
  v_user uuid;
begin
  -- the statement's first row (its transition tables' first, as its after-row events come in that order): the rows after
  -- it find the turns already held
  if (new.clinic_id, new.id) = (select c.clinic_id, c.id from changed c limit 1) then
    for v_user in
      select distinct c.user_id
      from changed c join previous p on p.clinic_id = c.clinic_id and p.id = c.id
      where (c.role, c.is_active, c.deleted_at) is distinct from (p.role, p.is_active, p.deleted_at)
      order by c.user_id
    loop
      perform pg_advisory_xact_lock(app_private.session_turn_key(v_user));
    end loop;
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_membership__session_turns() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_membership__session_turns(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_membership__session_turns() IS 'AFTER UPDATE, for each row, first: at a statement''s first row, takes the sessions'' turn (session_turn_key, exclusive) of every person whose membership''s role, activity or removal the statement changes (previous and changed, its transition tables), in the order of their ids, as a deactivation of several accounts takes them: the changes wait for those people''s sessions being opened, and sessions opened meanwhile wait for them, so that tg_membership__sync_sessions reaches them all; and two such statements, or one and a deactivation, at once hold no turn the other waits for. Before any chain is written (_490_chains_in_order_on_update) or session touched (_900_sync_sessions).';


--
-- Name: tg_membership__sync_sessions(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_membership__sync_sessions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    AS $$
begin
  if not new.is_active or new.deleted_at is not null then
    update app_private.session s set revoked_at = now()
    where s.clinic_id = new.clinic_id and s.user_id = new.user_id and s.revoked_at is null and s.expires_at > now();
  elsif new.role <> old.role then
    update app_private.session s set role = new.role
    where s.clinic_id = new.clinic_id and s.user_id = new.user_id and s.revoked_at is null and s.expires_at > now();
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_membership__sync_sessions() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_membership__sync_sessions(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_membership__sync_sessions() IS 'AFTER UPDATE: a role change applies to the person''s live sessions of the clinic (neither revoked nor expired) at once; a suspension or a removal ends them, as a logout ends them. One already expired had ended then, and is left to the sweep (expire_sessions), neither changed nor ended again.';


--
-- Name: tg_money__in_currency_decimals(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_money__in_currency_decimals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_currency text;
  v_all numeric; -- the whole balance, or all that is left of the payment
begin
  if tg_table_name = 'payment' then
    select i.currency, i.balance into v_currency, v_all
    from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  else
    select i.currency, p.amount - app_public.payment_refunded_amount(p) into v_currency, v_all
    from app_public.payment p join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
    where p.clinic_id = new.clinic_id and p.id = new.payment_id;
  end if;
  perform app_private.check_currency_decimals(new.amount, v_currency, v_all);
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_money__in_currency_decimals() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_money__in_currency_decimals(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_money__in_currency_decimals() IS 'BEFORE INSERT on payments and refunds: the amount has the decimals of the invoice''s currency, or is all that is due (the balance; what is left of the payment) (INVALID_INPUT).';


--
-- Name: tg_patient__no_open_invoice(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_patient__no_open_invoice() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_codes text;
  v_ids uuid[];
begin
  -- those who delete patients (owners, admins) see every invoice of their clinic
  select string_agg(i.code, ', ' order by i.code), array_agg(i.id order by i.code) into v_codes, v_ids from app_public.invoice i
  where i.clinic_id = new.clinic_id and i.patient_id = new.id and i.status in ('draft', 'issued', 'partially_paid');
  if v_codes is not null then
    raise exception 'This patient has open invoices (%): void them, or take what is due, before deleting the patient.', v_codes
      using errcode = 'CINVL', detail = json_build_object('invoiceIds', v_ids)::text;
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_patient__no_open_invoice() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_patient__no_open_invoice(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_patient__no_open_invoice() IS 'Trigger: refuses (INVALID_INPUT, naming the invoices, their ids in the error''s DETAIL, extensions.invoiceIds) to delete a patient with an invoice that is a draft, or issued with money still due.';


--
-- Name: tg_patient__no_visit_to_bill(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_patient__no_visit_to_bill() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_codes text;
  v_ids uuid[];
begin
  select string_agg(v.code, ', ' order by v.scheduled_at), array_agg(v.id order by v.scheduled_at) into v_codes, v_ids from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status = 'completed'
    and exists (select from app_public.visit_service s where s.clinic_id = v.clinic_id and s.visit_id = v.id)
    and not exists (select from app_public.invoice i where i.clinic_id = v.clinic_id and i.visit_id = v.id and i.status <> 'void');
  if v_codes is not null then
    raise exception 'This patient has visits done and not billed yet (%): invoice them, or take their services off, before deleting the patient.', v_codes
      using errcode = 'CINVL', detail = json_build_object('visitIds', v_ids)::text;
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_patient__no_visit_to_bill() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_patient__no_visit_to_bill(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_patient__no_visit_to_bill() IS 'Trigger: refuses (INVALID_INPUT, naming the visits, their ids in the error''s DETAIL, extensions.visitIds) to delete a patient with a completed visit that has services and no invoice but void ones.';


--
-- Name: tg_patient__no_visit_under_way(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_patient__no_visit_under_way() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_codes text;
  v_ids uuid[];
begin
  select string_agg(v.code, ', ' order by v.scheduled_at), array_agg(v.id order by v.scheduled_at) into v_codes, v_ids from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status in ('scheduled', 'checked_in', 'in_progress');
  if v_codes is not null then
    raise exception 'This patient has visits under way (%): cancel or finish them before deleting the patient.', v_codes
      using errcode = 'CINVL', detail = json_build_object('visitIds', v_ids)::text;
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_patient__no_visit_under_way() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_patient__no_visit_under_way(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_patient__no_visit_under_way() IS 'Trigger: refuses (INVALID_INPUT, naming the visits, their ids in the error''s DETAIL, extensions.visitIds) to delete a patient with a visit scheduled, checked in or in progress.';


--
-- Name: tg_patient__normalize(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_patient__normalize() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  -- as typed now: a name saved before 000081 stays as it is when something else of the patient changes
  if tg_op = 'INSERT' or new.first_name is distinct from old.first_name then
    new.first_name := app_hidden.name_as_meant(new.first_name);
  end if;
  if tg_op = 'INSERT' or new.last_name is distinct from old.last_name then
    new.last_name := app_hidden.name_as_meant(new.last_name);
  end if;
  if new.phone is not null and btrim(new.phone) = '' then
    new.phone := null;
  elsif new.phone is not null and (tg_op = 'INSERT' or new.phone is distinct from old.phone) then
    new.phone := app_public.normalize_phone(new.phone, app_hidden.calling_code_for(new.clinic_id));
  end if;
  if (tg_op = 'INSERT' or new.date_of_birth is distinct from old.date_of_birth)
     and new.date_of_birth > app_hidden.business_date(new.clinic_id, now()) then
    raise exception 'The date of birth cannot be in the future.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_patient__normalize() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_patient__normalize(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_patient__normalize() IS 'BEFORE INSERT OR UPDATE: trims names, normalises the phone (INVALID_PHONE when it is not one), refuses a birth date after the clinic''s date today as it is written (one saved stays, whatever becomes of the clinic''s time zone).';


--
-- Name: tg_patient__notify_visits(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_patient__notify_visits() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  perform app_private.notify_visit_queue(new.clinic_id, array[v.doctor_id], json_build_object('id', v.id, 'status', v.status)::text)
  from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status in ('scheduled', 'checked_in', 'in_progress');
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_patient__notify_visits() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_patient__notify_visits(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_patient__notify_visits() IS 'AFTER UPDATE OF first_name, last_name on patients, when either changed: tells subscribers of the clinic''s visit queue (visitQueueChanged) of each of the patient''s visits still under way (scheduled, checked in, in progress), with its id and status now, on the clinic''s secret channel and the visit''s doctor''s (notify_visit_queue), so that the queues show the name as it is now. Without the key, nothing is sent.';


--
-- Name: tg_patient__rollup(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_patient__rollup() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  insert into app_private.daily_patients as d (clinic_id, local_date, patients)
  values (new.clinic_id, app_private.local_date(new.clinic_id, new.created_at), 1)
  on conflict (clinic_id, local_date) do update set patients = d.patients + 1;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_patient__rollup() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_patient__rollup(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_patient__rollup() IS 'AFTER INSERT on patients: keeps daily_patients.';


--
-- Name: tg_patient__search_text(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_patient__search_text() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  perform app_private.index_patients(array[new]);
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_patient__search_text() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_patient__search_text(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_patient__search_text() IS 'AFTER INSERT or UPDATE of names, code, phone, date of birth or deleted_at on patients: keeps patient_search (the search''s text, the names and birth date the duplicate warning looks up, and whether the patient is deleted, which the search leaves out).';


--
-- Name: tg_payment__guard(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_payment__guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if (new.invoice_id, new.amount, new.received_at, new.idempotency_key) is distinct from
     (old.invoice_id, old.amount, old.received_at, old.idempotency_key) then
    raise exception 'A payment''s invoice, amount and time never change: refund it instead.' using errcode = 'CINVL';
  end if;
  -- as record_payment keeps it: without the white space of any kind around it, none when nothing else is left
  new.reference := app_hidden.text_or_null(new.reference);
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_payment__guard() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_payment__guard(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_payment__guard() IS 'BEFORE UPDATE: only the method and reference of a payment may be corrected; the reference kept as record_payment keeps it (app_hidden.text_or_null: without the white space of any kind around it, none when nothing else is left).';


--
-- Name: tg_payment__method_to_refunds(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_payment__method_to_refunds() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  update app_public.refund r set method = new.method
  where r.clinic_id = new.clinic_id and r.payment_id = new.id and r.method is distinct from new.method;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_payment__method_to_refunds() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_payment__method_to_refunds(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_payment__method_to_refunds() IS 'BEFORE UPDATE OF method on payments: the payment''s refunds take the corrected method (the tender they left in), so expected totals and rollups per method stay right; a refund on a closed day makes the correction DAY_CLOSED. Before the payment''s audit, so its locks come in the order of a day''s close.';


--
-- Name: tg_payment__patient_not_deleted(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_payment__patient_not_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  perform app_private.refuse_deleted_patient(i.clinic_id, i.patient_id)
  from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_payment__patient_not_deleted() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_payment__patient_not_deleted(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_payment__patient_not_deleted() IS 'BEFORE INSERT on payments: the invoice''s patient is not deleted (INVALID_INPUT, refuse_deleted_patient).';


--
-- Name: tg_report_export__days(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_report_export__days() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if new.from_date < date '2000-01-01' or new.to_date > date '2199-12-31' then
    raise exception 'An export covers days from 2000-01-01 to 2199-12-31.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_report_export__days() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_report_export__days(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_report_export__days() IS 'Trigger: an export asked for covers days from 2000-01-01 to 2199-12-31, the calendar the clinic''s days and visits live in (INVALID_INPUT); exports asked for before 000106 are left as they are.';


--
-- Name: tg_secret_key__notify_visit_queue(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_secret_key__notify_visit_queue() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
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


ALTER FUNCTION app_private.tg_secret_key__notify_visit_queue() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_secret_key__notify_visit_queue(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_secret_key__notify_visit_queue() IS 'BEFORE UPDATE OF key OR DELETE of the live_queue key: tells every live queue channel a member listens on (member_visit_queue_channel of each membership), while it still bears the old key''s name, {"channel_changed": true}, so that the API ends every subscription made with the old key (UNAVAILABLE: subscribe again) and its frontend subscribes again on the channel the new key names.';


--
-- Name: tg_service__names_as_meant(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_service__names_as_meant() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if tg_op = 'INSERT' or new.name is distinct from old.name then
    new.name := app_hidden.name_as_meant(new.name);
  end if;
  if tg_op = 'INSERT' or new.category is distinct from old.category then
    new.category := nullif(app_hidden.name_as_meant(new.category), '');
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_service__names_as_meant() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_service__names_as_meant(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_service__names_as_meant() IS 'BEFORE INSERT OR UPDATE OF name, category: saves them as meant (app_hidden.name_as_meant: white space collapsed and trimmed, one Unicode form); a category of nothing visible is none, a name of nothing visible is refused (service_name_check).';


--
-- Name: tg_service__record_price(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_service__record_price() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_from timestamptz := now();
begin
  if tg_op = 'UPDATE' then
    if new.price = old.price then
      return null;
    end if;
    update app_public.service_price p set effective_to = greatest(now(), p.effective_from + interval '1 microsecond')
    where p.clinic_id = new.clinic_id and p.service_id = new.id and p.effective_to is null
    returning p.effective_to into v_from;
  end if;
  insert into app_public.service_price (clinic_id, service_id, price, effective_from, changed_by)
  values (new.clinic_id, new.id, new.price, coalesce(v_from, now()), app_public.current_user_id());
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_service__record_price() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_service__record_price(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_service__record_price() IS 'AFTER INSERT OR UPDATE OF price: closes the current price and opens the new one, at the transaction''s time or, if the current price began then or later (an earlier change of the same transaction, or a change committed meanwhile), a microsecond after it began: each price is in force a moment at least, so the history lists prices in the order they were set.';


--
-- Name: tg_user__end_sessions(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_user__end_sessions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_user record;
  v_ended jsonb := '[]';
begin
  for v_user in
    select n.id, case when not n.is_active then 'deactivation' else 'platform_admin_change' end as ended_by
    from new_users n join old_users o on o.id = n.id
    where not n.is_active or n.is_platform_admin <> o.is_platform_admin
    order by n.id
  loop
    -- the sessions' turn (shared), as a password change takes it, before any session of the account is touched: a
    -- membership change of the user holds it while it ends that clinic's sessions after writing its chain, which this
    -- statement writes too, below, for every account of it (each would wait for the other)
    perform pg_advisory_xact_lock_shared(app_private.session_turn_key(v_user.id));
    select v_ended || coalesce(jsonb_agg(s || jsonb_build_object('userId', v_user.id, 'endedBy', v_user.ended_by)), '[]')
    into v_ended from jsonb_array_elements(app_private.end_sessions_of(v_user.id, null)) s;
  end loop;
  -- the change itself is each row's update (tg__audit, a row trigger, before this one): by the operator, outside any
  -- session, in the platform's chain, the first of the chains in the order of their ids; then every chain whose sessions
  -- the statement ended, in that order, once every account's turn is had (row by row, a second account's turn was
  -- waited for with the first one's chains held)
  perform app_private.audit_sessions_ended(null, null, null, null, null, false, v_ended, null, app_public.current_user_id());
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_user__end_sessions() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_user__end_sessions(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_user__end_sessions() IS 'AFTER UPDATE, for each statement: deactivating users, or changing their platform admin rights, ends all their sessions once a change of their memberships in flight is done (session_turn_key, shared, in the order of the users'' ids), each chain whose sessions it ended getting sessions_ended for each user (endedBy deactivation or platform_admin_change), all chains in the order of their ids (audit_sessions_ended).';


--
-- Name: tg_user__name_as_meant(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_user__name_as_meant() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if tg_op = 'INSERT' or new.full_name is distinct from old.full_name then
    new.full_name := app_hidden.name_as_meant(new.full_name);
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_user__name_as_meant() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_user__name_as_meant(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_user__name_as_meant() IS 'Trigger: a person''s full name is saved as meant (app_hidden.name_as_meant) when written; nothing visible is a missing name.';


--
-- Name: tg_user__session_turns(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_user__session_turns() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_user uuid;
begin
  -- the statement's first row (its transition tables' first, as its after-row events come in that order): the rows after
  -- it find the turns already held
  if new *= (select n from new_users n limit 1) then
    for v_user in
      select n.id from new_users n join old_users o on o.id = n.id
      where not n.is_active or n.is_platform_admin <> o.is_platform_admin
      order by n.id
    loop
      perform pg_advisory_xact_lock_shared(app_private.session_turn_key(v_user));
    end loop;
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_user__session_turns() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_user__session_turns(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_user__session_turns() IS 'AFTER UPDATE, for each row, before the audit''s chains are locked (_490_chains_in_order_on_update, _500_audit): at a statement''s first row, takes the sessions'' turn (session_turn_key, shared) of every account it deactivates or whose platform rights it changes, in the order of their ids, as _900_end_sessions takes them to end their sessions: the change''s entries are in the chain of each clinic of the person (audit_chains_of_person), which a change of their membership there writes holding that turn.';


--
-- Name: tg_visit__billed_kept(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit__billed_kept() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_bill app_private.visit_bill;
  v_change text := case
    when new.status = 'cancelled' and old.status <> 'cancelled' then 'cancelling it'
    when new.status = 'no_show' and old.status <> 'no_show' then 'marking it a no-show'
    when new.patient_id is distinct from old.patient_id then 'changing its patient'
    when new.doctor_id is distinct from old.doctor_id then 'changing its doctor'
  end;
begin
  if v_change is null then
    return new;
  end if;
  select * into v_bill from app_private.visit_bill b where b.clinic_id = new.clinic_id and b.visit_id = new.id;
  if not found then
    return new;
  elsif not app_hidden.may_invoice() then
    -- the invoice named only to those who may see invoices
    raise exception 'An invoice bills this visit: whoever handles billing voids it before %.', v_change using errcode = 'CCONF';
  elsif v_bill.status <> 'draft' and not app_hidden.handles_money() then
    -- a receptionist the clinic lets invoice, who voids drafts only
    raise exception 'Invoice % bills this visit: an owner, admin or cashier voids it before %.', v_bill.code, v_change
      using errcode = 'CCONF', detail = json_build_object('invoiceId', v_bill.invoice_id)::text;
  elsif v_bill.status in ('draft', 'issued') then
    raise exception 'Invoice % bills this visit: void it before %.', v_bill.code, v_change
      using errcode = 'CCONF', detail = json_build_object('invoiceId', v_bill.invoice_id)::text;
  else
    raise exception 'Invoice % bills this visit and is %: refund its payments and void it before %.',
      v_bill.code, replace(v_bill.status::text, '_', ' '), v_change
      using errcode = 'CCONF', detail = json_build_object('invoiceId', v_bill.invoice_id)::text;
  end if;
end;
$$;


ALTER FUNCTION app_private.tg_visit__billed_kept() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit__billed_kept(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit__billed_kept() IS 'Trigger: refuses (CONFLICT) to change the patient or the doctor of a visit a live invoice (not void) bills, or to cancel it or mark it a no-show, naming the invoice to those who may invoice (its id in the error''s DETAIL, extensions.invoiceId; and who voids it, to a receptionist who may not void it: an issued one); the invoice is voided first (its payments refunded). Reads app_private.visit_bill, whoever the session.';


--
-- Name: tg_visit__booked_in_range(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit__booked_in_range() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  if tg_op = 'UPDATE' and new.scheduled_at is not distinct from old.scheduled_at then
    return new; -- named in the update (a whole form sent back), not changed
  end if;
  -- infinity is left to visit_scheduled_at_is_finite's message
  if isfinite(new.scheduled_at)
     and extract(year from app_private.local_date(new.clinic_id, new.scheduled_at)) not between 2000 and 2199 then
    raise exception 'A visit is booked from 2000 to 2199.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_visit__booked_in_range() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit__booked_in_range(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit__booked_in_range() IS 'Trigger: a visit is booked from 2000 to 2199 in its clinic''s calendar (INVALID_INPUT): times whose offset in the clinic''s zone had seconds, or whose year had 5 digits, came back as other instants or not as RFC 3339 times.';


--
-- Name: tg_visit__booked_once(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit__booked_once() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_code text;
  v_id uuid;
begin
  -- the minute as the index bins it
  select v.code, v.id into v_code, v_id from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.patient_id and v.doctor_id = new.doctor_id
    and v.status in ('scheduled', 'checked_in', 'in_progress') and v.id <> new.id
    and date_bin('00:01:00', v.scheduled_at, '2000-01-01 00:00:00+00') = date_bin('00:01:00', new.scheduled_at, '2000-01-01 00:00:00+00')
  limit 1;
  if found then
    raise exception 'This patient is already booked with this doctor at this time: open % instead.', v_code
      using errcode = 'CCONF', detail = json_build_object('visitId', v_id)::text;
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_visit__booked_once() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit__booked_once(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit__booked_once() IS 'BEFORE INSERT or UPDATE of the patient, doctor or time of an open visit (a status never opens a visit again): CONFLICT naming the open visit of that patient with that doctor in that minute, if there is one (its id in the error''s DETAIL, the API''s extensions.visitId) (visit_patient_booked_once refuses two made at the same moment).';


--
-- Name: tg_visit__check_doctor(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit__check_doctor() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_member app_public.membership;
begin
  if (tg_op = 'INSERT' or new.doctor_id is distinct from old.doctor_id)
     and not app_hidden.is_practising_doctor(new.clinic_id, new.doctor_id) then
    select * into v_member from app_public.membership m
    where m.clinic_id = new.clinic_id and m.id = new.doctor_id and m.deleted_at is null;
    raise exception '%', case
        when v_member.id is null then 'The doctor must be an active member of this clinic with the doctor role.'
        when v_member.role <> 'doctor' then 'This member is not a doctor of the clinic: book a doctor.'
        when v_member.accepted_at is null then 'This doctor has not accepted the clinic''s invitation yet: book them once they have.'
        else 'This doctor is suspended in this clinic: book another doctor.' -- what is_practising_doctor has left
      end
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_visit__check_doctor() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit__check_doctor(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit__check_doctor() IS 'BEFORE INSERT OR UPDATE OF doctor_id: the doctor is an active doctor of the same clinic who accepted the membership (not a pending invitation); INVALID_INPUT saying which of these a member of the clinic is not, one message for any other id.';


--
-- Name: tg_visit__checked_in_to_a_doctor(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit__checked_in_to_a_doctor() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if app_public.current_user_id() is not null and not app_hidden.is_practising_doctor(new.clinic_id, new.doctor_id) then
    raise exception 'This visit''s doctor no longer sees patients in this clinic: give the visit to another doctor, then check the patient in.'
      using errcode = 'CTRAN';
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_visit__checked_in_to_a_doctor() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit__checked_in_to_a_doctor(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit__checked_in_to_a_doctor() IS 'BEFORE UPDATE OF status to checked_in (after the lifecycle''s checks): a session checks a patient in only to a practising doctor of the clinic (is_practising_doctor, read as the caller), INVALID_TRANSITION otherwise, saying to give the visit to another doctor first; the visit of a doctor who left keeps its doctor until then. Trusted connections are not held to it.';


--
-- Name: tg_visit__lifecycle(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit__lifecycle() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
declare
  v_actor uuid := app_public.current_user_id();
  v_is_own_doctor boolean := new.doctor_id = app_public.current_membership_id() and app_hidden.current_role_in('doctor');
  v_front_desk boolean := app_hidden.current_role_in('owner', 'admin', 'receptionist') or v_actor is null;
begin
  if tg_op = 'INSERT' then
    if new.status <> 'scheduled' then
      raise exception 'A new visit starts as scheduled.' using errcode = 'CTRAN';
    end if;
    return new;
  end if;

  if old.status in ('completed', 'cancelled', 'no_show')
     and (to_jsonb(new) - 'updated_at' - 'updated_by') <> (to_jsonb(old) - 'updated_at' - 'updated_by') then
    raise exception 'A % visit cannot change any more%', app_hidden.visit_status_words(old.status),
      case when old.status in ('cancelled', 'no_show') and new.status = 'checked_in'
        then ': a patient who came after all is checked in as a walk-in.' else '.' end
      using errcode = 'CTRAN';
  end if;
  if (new.patient_id, new.doctor_id, new.scheduled_at, new.reason) is distinct from (old.patient_id, old.doctor_id, old.scheduled_at, old.reason)
     and not v_front_desk then
    raise exception 'Only the front desk can change a visit''s patient, doctor, time or reason.' using errcode = 'CFORB';
  end if;
  if (new.patient_id, new.scheduled_at) is distinct from (old.patient_id, old.scheduled_at) and old.status <> 'scheduled' then
    raise exception 'This visit is % and keeps its time and patient: the patient is already here (cancel it and book another for a mistake).', app_hidden.visit_status_words(old.status)
      using errcode = 'CTRAN';
  end if;
  if new.doctor_id is distinct from old.doctor_id and old.status not in ('scheduled', 'checked_in') then
    raise exception 'A visit keeps its doctor once the consultation has started.' using errcode = 'CTRAN';
  end if;

  if new.status is distinct from old.status then
    if not ((old.status, new.status) in (
      ('scheduled'::app_public.visit_status, 'checked_in'::app_public.visit_status),
      ('checked_in', 'in_progress'), ('in_progress', 'completed'),
      ('scheduled', 'cancelled'), ('checked_in', 'cancelled'), ('scheduled', 'no_show')
    )) then
      -- what to do instead, for the steps staff take by mistake (each one refused, as every step not above)
      raise exception 'A visit cannot go from % to %', app_hidden.visit_status_words(old.status), app_hidden.visit_status_words(new.status) ||
        case
          when old.status = 'scheduled' then ': the front desk checks the patient in first.'
          when old.status = 'checked_in' and new.status = 'completed' then ': start the consultation first.'
          when old.status = 'checked_in' and new.status = 'no_show' then ': a patient who left before being seen is cancelled, with a reason.'
          when old.status = 'checked_in' then ': a check-in is not undone; cancel the visit, with a reason, and book another.'
          when old.status = 'in_progress' then ': a consultation under way is completed by the doctor.'
          else '.'
        end
        using errcode = 'CTRAN';
    end if;
    if new.status in ('in_progress', 'completed') and not (v_is_own_doctor or app_hidden.current_role_in('owner', 'admin') or v_actor is null) then
      raise exception 'Only the visit''s doctor, an owner or an admin can start or complete it.' using errcode = 'CFORB';
    end if;
    if new.status in ('checked_in', 'cancelled', 'no_show') and not v_front_desk then
      raise exception 'Only the front desk can check in, cancel or mark a no-show.' using errcode = 'CFORB';
    end if;
    case new.status
      when 'checked_in' then
        -- a visit of a later day checked in by mistake (the patient's other visit) kept that day for
        -- good: a checked-in visit keeps its time and patient (trusted connections load history)
        if v_actor is not null
           and app_hidden.business_date(new.clinic_id, new.scheduled_at) > app_hidden.business_date(new.clinic_id, now()) then
          raise exception 'This visit is booked for %: a patient is checked in on the day of their visit (move it to today first).',
            app_hidden.local_time_text(new.clinic_id, new.scheduled_at) using errcode = 'CTRAN';
        end if;
        new.checked_in_at := now(); new.checked_in_by := v_actor;
      when 'in_progress' then new.started_at := now(); new.started_by := v_actor;
      when 'completed' then new.completed_at := now(); new.completed_by := v_actor;
      when 'cancelled' then
        if nullif(btrim(new.cancel_reason), '') is null then
          raise exception 'A reason is required to cancel a visit.' using errcode = 'CINVL';
        end if;
        new.cancelled_at := now(); new.cancelled_by := v_actor;
      when 'no_show' then
        if new.scheduled_at > now() then
          raise exception 'This visit''s time has not yet come: it cannot be a no-show before %; cancel it instead.',
            app_hidden.local_time_text(new.clinic_id, new.scheduled_at) using errcode = 'CTRAN';
        end if;
        new.no_show_at := now(); new.no_show_by := v_actor;
      else null;
    end case;
  end if;
  -- with any step but cancelling too (a check-in or a start sent with the form's cancel reason): it was kept, and the visit,
  -- seen and completed, read as cancelled for that reason for good
  if new.cancel_reason is distinct from old.cancel_reason and new.status <> 'cancelled' then
    raise exception 'A cancel reason goes with cancelling the visit.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_visit__lifecycle() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit__lifecycle(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit__lifecycle() IS 'BEFORE INSERT OR UPDATE: enforces the visit lifecycle and who may take each step (INVALID_TRANSITION, FORBIDDEN; a step refused says what to do instead), and stamps the step''s time and actor; a check-in on or after the visit''s day (for a session), a no-show only once the visit''s scheduled time has come; its time and patient change only while it is scheduled, its doctor until the consultation starts; a cancel reason only with cancelling (INVALID_INPUT).';


--
-- Name: tg_visit__notify(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit__notify() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_payload jsonb;
  v_doctors uuid[] := array[new.doctor_id];
begin
  if tg_op = 'UPDATE' and (new.status, new.scheduled_at, new.doctor_id, new.patient_id, new.reason)
                          is not distinct from (old.status, old.scheduled_at, old.doctor_id, old.patient_id, old.reason) then
    return null;
  end if;
  v_payload := jsonb_build_object('id', new.id, 'status', new.status);
  if tg_op = 'UPDATE' and new.doctor_id is distinct from old.doctor_id then
    v_payload := v_payload || jsonb_build_object('from_doctor', old.doctor_id);
    v_doctors := v_doctors || old.doctor_id;
  end if;
  perform app_private.notify_visit_queue(new.clinic_id, v_doctors, v_payload::text);
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_visit__notify() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit__notify(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit__notify() IS 'AFTER INSERT OR UPDATE: tells subscribers of the clinic''s visit queue (GraphQL subscription visitQueueChanged) that a visit was booked, changed status, was moved to another time, handed to another doctor, or given another patient or reason, with its id and status now, and, when it was handed to another doctor, the doctor it was taken from (from_doctor: their sessions are told it left their list), on the clinic''s secret channel and on its doctor''s (and the doctor it was taken from''s) secret channel (notify_visit_queue; any role may LISTEN, but only the owner can name the channels). Without the key (app_private.secret_key, live_queue), nothing is sent and the visit is written.';


--
-- Name: tg_visit__reasons_trimmed(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit__reasons_trimmed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if tg_op = 'INSERT' or new.reason is distinct from old.reason then
    new.reason := app_hidden.reason_or_null(new.reason);
  end if;
  if tg_op = 'INSERT' or new.cancel_reason is distinct from old.cancel_reason then
    new.cancel_reason := app_hidden.reason_or_null(new.cancel_reason);
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_visit__reasons_trimmed() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit__reasons_trimmed(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit__reasons_trimmed() IS 'Trigger: a visit''s reason and cancel reason as reasons are kept (reason_or_null): without the white space around them, none when nothing in them is visible. As they are written only.';


--
-- Name: tg_visit__rollup(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit__rollup() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  if tg_op = 'UPDATE' and (new.status, new.scheduled_at, new.doctor_id) is not distinct from (old.status, old.scheduled_at, old.doctor_id) then
    return null; -- named, not changed: nothing moves (and no audit entry takes its turn with a rebuild)
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    update app_private.daily_visits d set visits = d.visits - 1,
      completed_value = d.completed_value - case when old.status = 'completed' then app_private.visit_value(old.clinic_id, old.id) else 0 end
    where d.clinic_id = old.clinic_id and d.local_date = app_private.local_date(old.clinic_id, old.scheduled_at)
      and d.status = old.status and d.doctor_id = old.doctor_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into app_private.daily_visits as d (clinic_id, local_date, status, doctor_id, visits, completed_value)
    values (new.clinic_id, app_private.local_date(new.clinic_id, new.scheduled_at), new.status, new.doctor_id, 1,
            case when new.status = 'completed' then app_private.visit_value(new.clinic_id, new.id) else 0 end)
    on conflict (clinic_id, local_date, status, doctor_id)
    do update set visits = d.visits + 1, completed_value = d.completed_value + excluded.completed_value;
  end if;
  return null;
end;
$$;


ALTER FUNCTION app_private.tg_visit__rollup() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit__rollup(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit__rollup() IS 'AFTER INSERT/UPDATE/DELETE on visits: keeps daily_visits (counts, and the value of completed visits); an update that changes none of status, time and doctor leaves it alone.';


--
-- Name: tg_visit_service__position(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit_service__position() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  select coalesce(max(s.position), 0) + 1 into new.position
  from app_public.visit_service s where s.clinic_id = new.clinic_id and s.visit_id = new.visit_id;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_visit_service__position() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit_service__position(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit_service__position() IS 'BEFORE INSERT: the service''s position among its visit''s, one more than the last; the visit is locked by tg_visit_service__snapshot, which runs before.';


--
-- Name: tg_visit_service__snapshot(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit_service__snapshot() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_line app_public.visit_service := case when tg_op = 'DELETE' then old else new end;
  v_status app_public.visit_status;
begin
  -- The lock reads only visits the session may also update; one it may not lock is looked for
  -- again, through the select policy alone: none seen at all is NOT_FOUND. Held until commit, it
  -- makes a line and a change of its visit take turns, and (not shared) two lines of one visit:
  -- each gets its place after the other's (tg_visit_service__position).
  select v.status into v_status from app_public.visit v
  where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id
  for no key update;
  if not found and not exists (select from app_public.visit v where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id) then
    raise exception 'No such visit in your clinic.' using errcode = 'CNOTF';
  end if;
  if v_status in ('completed', 'cancelled', 'no_show') then
    raise exception 'The services of a % visit are frozen.', app_hidden.visit_status_words(v_status) using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'INSERT' then
    select s.price into new.unit_price from app_public.service s
    where s.clinic_id = new.clinic_id and s.id = new.service_id and s.is_active and s.deleted_at is null;
    if not found then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  else
    new.unit_price := old.unit_price;
    if (new.visit_id, new.service_id) is distinct from (old.visit_id, old.service_id) then
      raise exception 'Remove the line and add another instead of changing its visit or service.' using errcode = 'CINVL';
    end if;
    -- more of a service is given only while it is in the catalog, as a line of it is added: a line of a service deleted
    -- or made inactive since keeps what it was given, lowered or discounted as ever
    if new.quantity > old.quantity and not exists (
         select from app_public.service s
         where s.clinic_id = new.clinic_id and s.id = new.service_id and s.is_active and s.deleted_at is null) then
      raise exception 'That service is no longer in this clinic''s active catalog: a visit is given no more of it than it was (lower the quantity, or add an active service).'
        using errcode = 'CINVL';
    end if;
  end if;
  -- what the visit's services come to with this one (the others read under the visit's lock, as the session sees
  -- them: all of a visit it may change), as its invoice's subtotal adds them: at most half the largest amount
  -- (numeric(16,3)), so that its invoice's total holds them with any tax (a rate is at most 0.999999, and one
  -- may change before the visit is invoiced), whatever its lines' rounding; checked for a line added or its quantity
  -- raised alone (its price is kept), so that a visit past it from before (000344 let it reach the largest amount)
  -- is still given a discount or a quantity lowered
  if (tg_op = 'INSERT' or new.quantity > old.quantity) and new.quantity * new.unit_price + (
       select coalesce(sum(s.quantity * s.unit_price), 0) from app_public.visit_service s
       where s.clinic_id = new.clinic_id and s.visit_id = new.visit_id and s.id <> new.id) > 4999999999999.999 then
    raise exception 'A visit''s services come to at most 4999999999999.999 in all (quantity × price, before discounts), so that its invoice holds them with any tax: check this service''s quantity and price.'
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_visit_service__snapshot() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit_service__snapshot(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit_service__snapshot() IS 'BEFORE INSERT/UPDATE/DELETE: the line''s visit must be one the session sees in its clinic (NOT_FOUND otherwise); copies the catalog price at insert, keeps it afterwards, and freezes the services of finished visits; a line is added, or its quantity raised, only while its service is active and not deleted (INVALID_INPUT; lowered, discounted or taken off whatever became of it); refuses a line added, or a quantity raised, that makes the visit''s services come to more than 4999999999999.999, half what its invoice''s total holds, so that any tax fits (INVALID_INPUT; a visit past it from before is still given a discount or a quantity lowered); locks the visit (FOR NO KEY UPDATE), so a line and a completion of its visit, and two lines of one visit, take turns.';


--
-- Name: tg_visit_service__version(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.tg_visit_service__version() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if (new.quantity, new.discount, new.unit_price) is distinct from (old.quantity, old.discount, old.unit_price) then
    new.version := old.version + 1;
  end if;
  return new;
end;
$$;


ALTER FUNCTION app_private.tg_visit_service__version() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION tg_visit_service__version(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.tg_visit_service__version() IS 'BEFORE UPDATE (after _200_snapshot): a change of what the service bills (quantity, discount, price) makes a new version, which comes to the invoice lines made from it (refused while their invoice is live).';


--
-- Name: trim_payment_references(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.trim_payment_references() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_trimmed integer;
begin
  -- on a closed day too, past its freeze (tg__money_day, the one trigger that refuses it): the reference is
  -- no money, and the guard (tg_payment__guard) keeps amount, invoice and time as they were counted. The
  -- table is held for the statement (a trigger disabled), as a migration holds what it changes
  alter table app_public.payment disable trigger _300_money_day;
  -- one statement: the audit chains of its clinics are taken in the order of their ids (tg__audit_chains_in_order)
  update app_public.payment p set reference = app_hidden.text_or_null(p.reference)
  where p.reference is distinct from app_hidden.text_or_null(p.reference);
  get diagnostics v_trimmed = row_count;
  alter table app_public.payment enable trigger _300_money_day;
  return v_trimmed;
end;
$$;


ALTER FUNCTION app_private.trim_payment_references() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION trim_payment_references(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.trim_payment_references() IS 'Keeps the payments'' references written before 000273 as a reference is kept now (app_hidden.text_or_null: without the white space of any kind around them, none when nothing else is left), each change audited, on closed days too (their amounts, methods and times untouched). Returns how many. Run by 000273; an operator may run it again (it holds the payments table while it runs).';


--
-- Name: trusted_device(uuid, text[]); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.trusted_device(user_id uuid, device_secrets text[]) RETURNS uuid
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select d.id from app_private.login_device d
  where d.secret_hash = any (array(select sha256(convert_to(s, 'UTF8')) from unnest(trusted_device.device_secrets) s))
    and d.user_id = trusted_device.user_id and d.last_login_at > now() - interval '90 days'
  limit 1;
$$;


ALTER FUNCTION app_private.trusted_device(user_id uuid, device_secrets text[]) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION trusted_device(user_id uuid, device_secrets text[]); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.trusted_device(user_id uuid, device_secrets text[]) IS 'The account''s device (login_device) whose cookie''s secret is one of device_secrets and that it logged in from within 90 days: a login presenting it is judged by that device. Null for none (no secrets, another account''s, a forged one, one deleted after 5 failures).';


--
-- Name: visit_queue_channel(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.visit_queue_channel(clinic_id uuid, doctor_id uuid DEFAULT NULL::uuid) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select 'clinicops:visits:' || left(app_private.secret_hash('live_queue',
    uuid_send(visit_queue_channel.clinic_id) || coalesce(uuid_send(visit_queue_channel.doctor_id), ''::bytea)), 40);
$$;


ALTER FUNCTION app_private.visit_queue_channel(clinic_id uuid, doctor_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION visit_queue_channel(clinic_id uuid, doctor_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.visit_queue_channel(clinic_id uuid, doctor_id uuid) IS 'A LISTEN/NOTIFY channel of the clinic''s live visit queue: the clinic''s (every visit''s notifications) without doctor_id, one doctor''s own (their visits'' alone; doctor_id: their membership) with it. 160 bits of a hash of the live_queue secret key (secret_key), the clinic''s id and the doctor''s, which nobody can name without the key; null without the key.';


--
-- Name: visit_value(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.visit_value(clinic_id uuid, visit_id uuid) RETURNS numeric
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  return (
    select coalesce(sum(s.line_total), 0) from app_public.visit_service s
    where s.clinic_id = visit_value.clinic_id and s.visit_id = visit_value.visit_id
  );
end;
$$;


ALTER FUNCTION app_private.visit_value(clinic_id uuid, visit_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION visit_value(clinic_id uuid, visit_id uuid); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.visit_value(clinic_id uuid, visit_id uuid) IS 'The value of a visit''s services: their line totals, summed.';


--
-- Name: warn_of_phones_left(integer); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.warn_of_phones_left(phones_left integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinics integer := (
    select count(*) from app_public.clinic c
    where c.calling_code is not null and not app_hidden.is_country_code(c.calling_code));
begin
  if phones_left > 0 then
    insert into app_private.upgrade_warning (migration, message) values ('000086', format(
      '%s saved phones are not phone numbers by today''s rules, or could not be corrected (another account has the corrected phone): their people cannot log in, or be found by phone, until they are corrected by hand (docs/operations.md, "Migrations")', phones_left));
  end if;
  if v_clinics > 0 then
    insert into app_private.upgrade_warning (migration, message) values ('000086', format(
      '%s clinics have a calling code that is no country''s code in use: their national numbers are refused until an owner sets the code of their country (docs/operations.md, "Migrations")', v_clinics));
  end if;
end;
$$;


ALTER FUNCTION app_private.warn_of_phones_left(phones_left integer) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION warn_of_phones_left(phones_left integer); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.warn_of_phones_left(phones_left integer) IS 'Leaves the operators a warning (upgrade_warning) of the `phones_left` phones correct_saved_phones could not correct, and of the clinics whose calling code is no country''s code in use, when there are any. Run by 000086.';


--
-- Name: warn_of_relabelled_amounts(); Type: FUNCTION; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_private.warn_of_relabelled_amounts() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinics text;
begin
  select string_agg(format('%s (%s)', c.name, c.id), ', ' order by c.name) into v_clinics
  from app_public.clinic c
  where exists (
    select from app_public.audit_log a
    where a.clinic_id = c.id and a.table_name = 'clinic' and a.action = 'update'
      and a.old_values ->> 'currency' is distinct from a.new_values ->> 'currency'
      and (exists (select from app_public.visit_service s where s.clinic_id = c.id and s.created_at < a.occurred_at)
           or exists (select from app_public.daily_reconciliation d
                      where d.clinic_id = c.id and d.counted_total is not null and d.business_date < (a.occurred_at at time zone c.timezone)::date)));
  if v_clinics is not null then
    insert into app_private.upgrade_warning (migration, message) values ('000137', format(
      'Clinics whose currency changed after they had charged visits or counted cash: %s. Their earlier visits'' values and counts show their current currency in reporting.visits and reporting.reconciliations (docs/analysts.md)', v_clinics));
  end if;
end;
$$;


ALTER FUNCTION app_private.warn_of_relabelled_amounts() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION warn_of_relabelled_amounts(); Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_private.warn_of_relabelled_amounts() IS 'Leaves the operators a warning (upgrade_warning) naming the clinics whose currency changed, before 000136 kept it, after they had charged visits or counted cash (their audit chains tell): the analysts'' views show those amounts in the current currency. Run by 000137.';


--
-- Name: current_user_id(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.current_user_id() RETURNS uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$ begin return (app_private.live_session()).user_id; end; $$;


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
-- Name: accept_invitation(uuid, app_public.member_role); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.accept_invitation(clinic_id uuid, role app_public.member_role DEFAULT NULL::app_public.member_role) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_user uuid := app_public.current_user_id();
  v_role app_public.member_role;
begin
  if v_user is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  update app_public.membership m set accepted_at = now()
  where m.clinic_id = accept_invitation.clinic_id and m.user_id = v_user
    and m.accepted_at is null and m.is_active and m.deleted_at is null
  returning m.role into v_role;
  if not found then
    raise exception 'You have no pending invitation from that clinic.' using errcode = 'CNOTF';
  end if;
  -- the raise undoes the acceptance: the invitation stays pending, to be read again
  if accept_invitation.role is not null and v_role <> accept_invitation.role then
    raise exception 'This invitation is now for the role %, not %: read it again before accepting.', v_role, accept_invitation.role
      using errcode = 'CCONF';
  end if;
  -- whoever chose the password can log in as the person: joining another clinic is the person's
  -- once the password is theirs alone (the raise undoes the acceptance)
  perform app_private.check_password_set_by_holder(v_user);
  return true;
end;
$$;


ALTER FUNCTION app_public.accept_invitation(clinic_id uuid, role app_public.member_role) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION accept_invitation(clinic_id uuid, role app_public.member_role); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.accept_invitation(clinic_id uuid, role app_public.member_role) IS 'Accepts the current user''s pending invitation from a clinic (its id is in the login answer''s `clinics`, marked `pending`, with the role offered): they become a member with that role, and the clinic sees their name. Give the role the person was shown: an invitation whose role has changed since is CONFLICT and stays pending (without it, the role the invitation has now is taken). Then POST /auth/switch-clinic enters it. NOT_FOUND when there is no such invitation; PASSWORD_CHANGE_REQUIRED while the account''s password is the one whoever made the account chose (check_password_set_by_holder: change it with POST /auth/password first; `currentUserPasswordSetByHolder` tells beforehand). Audited as an update of the membership.';


--
-- Name: audit_log; Type: TABLE; Schema: app_public; Owner: :DATABASE_AUDITOR
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
    CONSTRAINT audit_log_action_check CHECK ((action = ANY (ARRAY['insert'::text, 'update'::text, 'delete'::text, 'soft_delete'::text, 'restore'::text, 'login'::text, 'login_failed'::text, 'logout'::text, 'switch_clinic'::text, 'sessions_ended'::text, 'export'::text, 'export_cut_short'::text])))
);

ALTER TABLE ONLY app_public.audit_log FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.audit_log OWNER TO :DATABASE_AUDITOR;

--
-- Name: TABLE audit_log; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON TABLE app_public.audit_log IS '@behavior -insert -update -delete -node
@defaultOrderBy SEQ_DESC
Append-only record of every change, login, logout and export. Each entry is chained to the previous entry of its clinic by a SHA-256 hash; `verifyAuditChain` recomputes the chain. An entry is named by its clinic and seq; the log lists newest first unless asked otherwise.';


--
-- Name: COLUMN audit_log.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.id IS '@behavior -*
Global insertion order, of every chain: not in the API (a count of the other clinics'' entries).';


--
-- Name: COLUMN audit_log.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.clinic_id IS 'The clinic whose chain holds the entry; null for the platform''s chain: failed logins, logins and changes of sessions without a clinic, and changes to a person''s account made from a clinic the person is not of (audit_chain_of_person).';


--
-- Name: COLUMN audit_log.seq; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.seq IS 'Position in the clinic''s chain, from 1 without gaps.';


--
-- Name: COLUMN audit_log.occurred_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.occurred_at IS 'When it happened.';


--
-- Name: COLUMN audit_log.actor_user_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.actor_user_id IS 'Who did it; null for the system, and for a failed login whose password was wrong (the account tried is record_id).';


--
-- Name: COLUMN audit_log.action; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.action IS 'insert, update, delete, soft_delete, restore, login, login_failed, logout, switch_clinic, sessions_ended (sessions of this chain''s clinic, or of none in the platform''s, that an act of another chain ended: the person''s login or switch elsewhere, the session a switch came from and those beyond their 10 live sessions; a change or a reset of their password, every session but the one that asked; a deactivation of the account or a change of its platform rights, every session, in each chain; the session of the cookie a login of another account replaced, a colleague''s at a shared desk, by that account, in any chain), export (a download begun) or export_cut_short (that download ended before the whole file was sent).';


--
-- Name: COLUMN audit_log.table_name; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.table_name IS 'The table written, for data changes.';


--
-- Name: COLUMN audit_log.record_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.record_id IS 'The id of the row written.';


--
-- Name: COLUMN audit_log.old_values; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.old_values IS '@behavior -*
The row before the change (secrets excluded); the API gives it as `oldValues`, its numbers as text.';


--
-- Name: COLUMN audit_log.new_values; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.new_values IS '@behavior -*
The row after the change (secrets excluded); the API gives it as `newValues`, its numbers as text.';


--
-- Name: COLUMN audit_log.detail; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.detail IS 'Extra facts, by action: null for a change of a row (insert, update, delete, soft_delete, restore), but an update of user_secret (below). login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the opening ended, if any: the session a switch came from, the account''s session whose cookie a login replaced, and those beyond the account''s cap of 10 live sessions); a login''s deviceCookie (whether a device cookie of the account judged it: app_private.login_device). sessions_ended: endedSessions (the sessions of this chain''s clinic, or of none in the platform''s, that were ended), endedBy (what ended them: login or switch_clinic, into another clinic or none, or login of another account over the session, the actor being that account; password_change, by the person; password_reset, by a clinic''s owner or admin or the operator; deactivation of the account, or platform_admin_change of its rights, by the operator). logout: sessionId (a session its person ended; one a login of another account ended is that login''s sessions_ended). login_failed: phone (normalised; null when it was no phone number), ip, reason, clinicId (the clinic named, for not_a_member and switch_not_a_member), and deviceCookie for a login''s (whether a device cookie of the account judged it, its failure counted against that device alone). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many sessions of this chain''s clinic, or of none in the platform''s, it ended: those of other chains are in their own entries), and ip and sessionId when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it; in the chain of each other clinic the person is of, passwordChanged, and unlocked and by for a reset, with endedSessions (the sessions of that clinic it ended, if any) in place of sessionsEnded, and nothing of where it was done from. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry); an export_cut_short the hourly sweep wrote for a download whose end never came, a day after it began, endNeverCame (true: the server never told its end, and what it sent is not known; sweep_unended_downloads).';


--
-- Name: COLUMN audit_log.prev_hash; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.prev_hash IS 'Hash of the previous entry of the chain (64 zeros for the first).';


--
-- Name: COLUMN audit_log.hash; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON COLUMN app_public.audit_log.hash IS 'SHA-256 over prev_hash and this entry''s fields.';


--
-- Name: audit_log_actor_name(app_public.audit_log); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.audit_log_actor_name(entry app_public.audit_log) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- the entry is read again, and named only if it is of the chain the session reads (select_chain's
  -- audit_chain_in_view: this function runs as the owner role, which reads every entry), so a row made
  -- up by the caller names no one; a clinic's entry names a person who is or was a member of that
  -- clinic (removed ones too), the platform's chain anyone; PL/pgSQL, so its plan is kept for the
  -- connection (decision 012)
  return (
    select u.full_name
    from app_public.audit_log seen
    join app_public."user" u on u.id = seen.actor_user_id
    where seen.id = entry.id
      and coalesce(seen.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = app_hidden.audit_chain_in_view()
      and (seen.clinic_id is null
           or exists (select from app_public.membership m where m.clinic_id = seen.clinic_id and m.user_id = u.id and m.accepted_at is not null)));
end;
$$;


ALTER FUNCTION app_public.audit_log_actor_name(entry app_public.audit_log) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_log_actor_name(entry app_public.audit_log); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.audit_log_actor_name(entry app_public.audit_log) IS '@behavior -resource:aggregate -filterBy -orderBy
The name of who acted, also once they have left the clinic (a removed member is hidden from `user`); null for no one (the worker, a failed login of an unknown phone) and for a person who was never a member of the clinic.';


--
-- Name: audit_log_new_values(app_public.audit_log); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.audit_log_new_values(entry app_public.audit_log) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select app_hidden.json_numbers_as_text(entry.new_values)
$$;


ALTER FUNCTION app_public.audit_log_new_values(entry app_public.audit_log) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_log_new_values(entry app_public.audit_log); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.audit_log_new_values(entry app_public.audit_log) IS '@behavior -resource:aggregate -filterBy -orderBy
The row after the change (secrets excluded), its numbers as text as stored (amounts `"22480.000"`, as everywhere in the API); null for a delete.';


--
-- Name: audit_log_old_values(app_public.audit_log); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.audit_log_old_values(entry app_public.audit_log) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select app_hidden.json_numbers_as_text(entry.old_values)
$$;


ALTER FUNCTION app_public.audit_log_old_values(entry app_public.audit_log) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION audit_log_old_values(entry app_public.audit_log); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.audit_log_old_values(entry app_public.audit_log) IS '@behavior -resource:aggregate -filterBy -orderBy
The row before the change (secrets excluded), its numbers as text as stored (amounts `"22480.000"`, as everywhere in the API); null for an insert.';


--
-- Name: bill_unbilled_services(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.bill_unbilled_services(invoice_id uuid) RETURNS app_public.invoice
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_invoice app_public.invoice;
  v_visit_code text;
begin
  if not app_hidden.may_invoice() then
    raise exception 'You may not change invoices in this clinic.' using errcode = 'CFORB';
  end if;
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = app_public.current_clinic_id() and i.id = bill_unbilled_services.invoice_id;
  if not found then
    raise exception 'No such invoice in your clinic.' using errcode = 'CNOTF';
  elsif v_invoice.visit_id is null then
    raise exception 'Invoice % bills no visit: add its lines by hand.', v_invoice.code using errcode = 'CINVL';
  elsif v_invoice.status = 'draft' then
    -- locked (two clicks at once add the lines once, and an issue waits); a role that changes drafts
    -- only locks none issued meanwhile: read as it is now
    select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id for update;
    if not found then
      select * into v_invoice from app_public.invoice i
      where i.clinic_id = app_public.current_clinic_id() and i.id = bill_unbilled_services.invoice_id;
    end if;
  end if;
  if v_invoice.status = 'void' then
    raise exception 'Invoice % is void: make a new one from the visit (createInvoiceFromVisit).', v_invoice.code using errcode = 'CTRAN';
  elsif v_invoice.status <> 'draft' then
    raise exception 'Invoice % is %: its lines never change. To bill the visit again, it is voided%, by an owner, admin or cashier.',
      v_invoice.code, replace(v_invoice.status::text, '_', ' '), case when v_invoice.status = 'issued' then '' else ', its payments refunded' end
      using errcode = 'CTRAN';
  end if;
  if app_private.bill_visit_services(v_invoice) = 0 then
    select v.code into v_visit_code from app_public.visit v where v.clinic_id = v_invoice.clinic_id and v.id = v_invoice.visit_id;
    if not exists (select from app_public.visit_service s where s.clinic_id = v_invoice.clinic_id and s.visit_id = v_invoice.visit_id) then
      raise exception '% has no services to invoice.', coalesce(v_visit_code, 'The visit') using errcode = 'CINVL';
    end if;
    raise exception 'Every service of % is billed already.', coalesce(v_visit_code, 'the visit') using errcode = 'CINVL';
  end if;
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id;
  return v_invoice;
end;
$$;


ALTER FUNCTION app_public.bill_unbilled_services(invoice_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION bill_unbilled_services(invoice_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.bill_unbilled_services(invoice_id uuid) IS 'Adds to a draft invoice of a visit a line for each of the visit''s services that no live invoice bills (one its doctor added after the invoice was made), as createInvoiceFromVisit makes them; INVALID_INPUT when every service is billed already, the visit has none or the invoice bills no visit, INVALID_TRANSITION once it is issued or void, CONFLICT when the draft has a line typed by hand for one of those services. Owners, admins, cashiers, and receptionists if the clinic allows.';


--
-- Name: cancel_export(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.cancel_export(export_id uuid) RETURNS app_public.report_export
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_export app_public.report_export;
  v_cancelled app_public.report_export;
begin
  v_export := app_private.export_to_change(cancel_export.export_id);
  if v_export.status = 'cancelled' then
    return v_export; -- cancelled already (a second click): nothing more to do
  end if;
  if v_export.status not in ('queued', 'running') then
    raise exception 'This export has finished: there is nothing to cancel (deleteExport removes its file).' using errcode = 'CCONF';
  end if;
  -- held by the row's lock: an attempt's mark of done, waiting for it, then finds the export cancelled and puts no file in place
  update app_public.report_export e
  set status = 'cancelled', finished_at = now(), cancelled_by = app_public.current_user_id()
  where e.clinic_id = v_export.clinic_id and e.id = v_export.id
  returning * into v_cancelled;
  -- a job waiting is removed; one a worker runs is kept from being retried, and its attempt stops at its next batch of rows
  perform graphile_worker.remove_job('report_export:' || v_export.id);
  perform app_private.write_audit(v_export.clinic_id, 'update', 'report_export', v_export.id, to_jsonb(v_export), to_jsonb(v_cancelled));
  return v_cancelled;
end;
$$;


ALTER FUNCTION app_public.cancel_export(export_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION cancel_export(export_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.cancel_export(export_id uuid) IS 'Cancels an export waiting or running: one waiting never runs; one running stops at its next batch of rows (a PDF once rendered), and what it wrote is removed. Frees its place among the person''s 10 and the clinic''s 30 exports in progress (requestExport) at once. The export stays listed, cancelled, with cancelledBy, and its finishedAt the moment; the cancellation is audited. Whoever may download it: an owner, admin or cashier of its clinic; any other export, or a guess, is NOT_FOUND. One finished (done, failed, expired) is CONFLICT: deleteExport removes its file. Cancelling one already cancelled changes nothing.';


--
-- Name: visit; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.visit (
    clinic_id uuid DEFAULT app_public.current_clinic_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    code text NOT NULL,
    patient_id uuid NOT NULL,
    doctor_id uuid NOT NULL,
    scheduled_at timestamp with time zone NOT NULL,
    reason text,
    status app_public.visit_status DEFAULT 'scheduled'::app_public.visit_status NOT NULL,
    checked_in_at timestamp with time zone,
    checked_in_by uuid,
    started_at timestamp with time zone,
    started_by uuid,
    completed_at timestamp with time zone,
    completed_by uuid,
    cancelled_at timestamp with time zone,
    cancelled_by uuid,
    cancel_reason text,
    no_show_at timestamp with time zone,
    no_show_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    CONSTRAINT visit_cancel_reason_check CHECK ((char_length(cancel_reason) <= 500)),
    CONSTRAINT visit_reason_check CHECK ((char_length(reason) <= 1000))
);

ALTER TABLE ONLY app_public.visit FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.visit OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE visit; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.visit IS '@behavior -delete
A patient''s visit to a doctor. Change `status` to move it along its lifecycle; cancel it rather than deleting it.';


--
-- Name: COLUMN visit.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.clinic_id IS 'The clinic; always the session''s clinic.';


--
-- Name: COLUMN visit.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.id IS 'Internal identifier.';


--
-- Name: COLUMN visit.code; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.code IS 'Human-readable code, VIS-000001, allocated by the database.';


--
-- Name: COLUMN visit.patient_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.patient_id IS 'The patient (of the same clinic).';


--
-- Name: COLUMN visit.doctor_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.doctor_id IS 'The doctor: a membership of this clinic with the doctor role.';


--
-- Name: COLUMN visit.scheduled_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.scheduled_at IS 'When the visit is booked for.';


--
-- Name: COLUMN visit.reason; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.reason IS 'Why the patient comes.';


--
-- Name: COLUMN visit.status; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.status IS '@behavior +orderBy
scheduled, checked_in, in_progress, completed, cancelled or no_show; only the lifecycle''s transitions are accepted. Ordered in the lifecycle''s order (STATUS_ASC: scheduled first, then checked in, in progress, completed, cancelled, no-show).';


--
-- Name: COLUMN visit.checked_in_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.checked_in_at IS 'When the patient checked in.';


--
-- Name: COLUMN visit.checked_in_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.checked_in_by IS 'Who checked the patient in.';


--
-- Name: COLUMN visit.started_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.started_at IS 'When the consultation started.';


--
-- Name: COLUMN visit.started_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.started_by IS 'Who started it.';


--
-- Name: COLUMN visit.completed_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.completed_at IS 'When the visit was completed.';


--
-- Name: COLUMN visit.completed_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.completed_by IS 'Who completed it.';


--
-- Name: COLUMN visit.cancelled_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.cancelled_at IS 'When the visit was cancelled.';


--
-- Name: COLUMN visit.cancelled_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.cancelled_by IS 'Who cancelled it.';


--
-- Name: COLUMN visit.cancel_reason; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.cancel_reason IS 'Why it was cancelled (required to cancel).';


--
-- Name: COLUMN visit.no_show_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.no_show_at IS 'When the visit was marked as a no-show.';


--
-- Name: COLUMN visit.no_show_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.no_show_by IS 'Who marked it.';


--
-- Name: COLUMN visit.created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.created_at IS 'When the visit was booked.';


--
-- Name: COLUMN visit.created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.created_by IS 'Who booked it.';


--
-- Name: COLUMN visit.updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.updated_at IS 'When the row last changed.';


--
-- Name: COLUMN visit.updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit.updated_by IS 'User who last changed the row.';


--
-- Name: check_in_walk_in(uuid, uuid, text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.check_in_walk_in(patient_id uuid, doctor_id uuid, reason text DEFAULT NULL::text) RETURNS app_public.visit
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_visit app_public.visit;
  v_here app_public.visit;
begin
  insert into app_public.visit (patient_id, doctor_id, scheduled_at, reason)
  values (check_in_walk_in.patient_id, check_in_walk_in.doctor_id, now(), check_in_walk_in.reason)
  returning * into v_visit;
  -- read after the insert: a walk-in sent at the same time went first (the clinic's turn to write, 000143, and
  -- its visit's code), and this statement sees it committed
  select * into v_here from app_public.visit v
  where v.clinic_id = v_visit.clinic_id and v.patient_id = v_visit.patient_id and v.doctor_id = v_visit.doctor_id
    and v.status in ('checked_in', 'in_progress') and v.id <> v_visit.id
    -- today: a visit left checked in on an earlier day does not keep the patient from walking in
    and app_private.local_date(v.clinic_id, v.checked_in_at) = app_private.local_date(v_visit.clinic_id, v_visit.scheduled_at)
  order by v.checked_in_at desc
  limit 1;
  if found then
    raise exception 'This patient is already checked in with this doctor: open % instead.', v_here.code
      using errcode = 'CCONF', detail = json_build_object('visitId', v_here.id)::text;
  end if;
  -- booked today, not yet checked in: that visit is the one the patient came for (a booking of an earlier day
  -- left scheduled was missed, and does not count)
  select * into v_here from app_public.visit v
  where v.clinic_id = v_visit.clinic_id and v.patient_id = v_visit.patient_id and v.doctor_id = v_visit.doctor_id
    and v.status = 'scheduled' and v.id <> v_visit.id
    and app_private.local_date(v.clinic_id, v.scheduled_at) = app_private.local_date(v_visit.clinic_id, v_visit.scheduled_at)
  order by v.scheduled_at
  limit 1;
  if found then
    raise exception 'This patient is booked with this doctor today at %: check in % instead.',
      right(app_hidden.local_time_text(v_here.clinic_id, v_here.scheduled_at), 5), v_here.code
      using errcode = 'CCONF', detail = json_build_object('visitId', v_here.id)::text;
  end if;
  update app_public.visit v set status = 'checked_in'
  where v.clinic_id = v_visit.clinic_id and v.id = v_visit.id
  returning * into v_visit;
  return v_visit;
end;
$$;


ALTER FUNCTION app_public.check_in_walk_in(patient_id uuid, doctor_id uuid, reason text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION check_in_walk_in(patient_id uuid, doctor_id uuid, reason text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.check_in_walk_in(patient_id uuid, doctor_id uuid, reason text) IS 'A patient who walks in: books a visit with the doctor for now and checks the patient in, at once (one transaction). The booking and the check-in are those of createVisit and updateVisit, with their rules, stamps and audit entries. A patient already checked in with that doctor today, on the clinic''s clock (or in the consultation), is CONFLICT naming that visit (its code in the message, its id in extensions.visitId): the same walk-in sent again books nothing; so is a patient with a visit still scheduled with that doctor today (checked in instead: the patient came for it). Owners, admins and receptionists.';


--
-- Name: daily_reconciliation; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.daily_reconciliation (
    clinic_id uuid DEFAULT app_public.current_clinic_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    business_date date NOT NULL,
    status app_public.reconciliation_status DEFAULT 'open'::app_public.reconciliation_status NOT NULL,
    expected_cash numeric(20,3) DEFAULT 0 NOT NULL,
    expected_card numeric(20,3) DEFAULT 0 NOT NULL,
    expected_bank_transfer numeric(20,3) DEFAULT 0 NOT NULL,
    expected_mobile_money numeric(20,3) DEFAULT 0 NOT NULL,
    expected_insurance numeric(20,3) DEFAULT 0 NOT NULL,
    counted_cash numeric(20,3),
    counted_card numeric(20,3),
    counted_bank_transfer numeric(20,3),
    counted_mobile_money numeric(20,3),
    counted_insurance numeric(20,3),
    notes text,
    closed_at timestamp with time zone,
    closed_by uuid,
    reopened_at timestamp with time zone,
    reopened_by uuid,
    reopen_reason text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    closed_in_time_zone text,
    expected_total numeric(20,3) GENERATED ALWAYS AS (((((expected_cash + expected_card) + expected_bank_transfer) + expected_mobile_money) + expected_insurance)) STORED,
    counted_total numeric(20,3) GENERATED ALWAYS AS (
CASE
    WHEN ((status = 'closed'::app_public.reconciliation_status) OR (num_nonnulls(counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance) > 0)) THEN ((((COALESCE(counted_cash, (0)::numeric) + COALESCE(counted_card, (0)::numeric)) + COALESCE(counted_bank_transfer, (0)::numeric)) + COALESCE(counted_mobile_money, (0)::numeric)) + COALESCE(counted_insurance, (0)::numeric))
    ELSE NULL::numeric
END) STORED,
    cash_difference numeric(20,3) GENERATED ALWAYS AS (
CASE
    WHEN ((status = 'closed'::app_public.reconciliation_status) OR (num_nonnulls(counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance) > 0)) THEN (COALESCE(counted_cash, (0)::numeric) - expected_cash)
    ELSE NULL::numeric
END) STORED,
    difference numeric(20,3) GENERATED ALWAYS AS (
CASE
    WHEN ((status = 'closed'::app_public.reconciliation_status) OR (num_nonnulls(counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance) > 0)) THEN (((((COALESCE(counted_cash, (0)::numeric) + COALESCE(counted_card, (0)::numeric)) + COALESCE(counted_bank_transfer, (0)::numeric)) + COALESCE(counted_mobile_money, (0)::numeric)) + COALESCE(counted_insurance, (0)::numeric)) - ((((expected_cash + expected_card) + expected_bank_transfer) + expected_mobile_money) + expected_insurance))
    ELSE NULL::numeric
END) STORED,
    CONSTRAINT counted_amounts_are_numbers CHECK ((('NaN'::numeric <> counted_cash) AND ('NaN'::numeric <> counted_card) AND ('NaN'::numeric <> counted_bank_transfer) AND ('NaN'::numeric <> counted_mobile_money) AND ('NaN'::numeric <> counted_insurance))),
    CONSTRAINT daily_reconciliation_closed_in_time_zone CHECK (((status = 'closed'::app_public.reconciliation_status) = (closed_in_time_zone IS NOT NULL))),
    CONSTRAINT daily_reconciliation_notes_check CHECK ((char_length(notes) <= 2000)),
    CONSTRAINT daily_reconciliation_reopen_reason_check CHECK ((char_length(reopen_reason) <= 500))
);

ALTER TABLE ONLY app_public.daily_reconciliation FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.daily_reconciliation OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE daily_reconciliation; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.daily_reconciliation IS '@behavior -insert -delete
@defaultOrderBy BUSINESS_DATE_DESC
The cash-up of one business day: expected per method (payments minus refunds), counted, difference. Opened by the worker; closeDay / reopenDay. Listed newest day first unless asked otherwise.';


--
-- Name: COLUMN daily_reconciliation.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.clinic_id IS 'The clinic.';


--
-- Name: COLUMN daily_reconciliation.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.id IS 'Internal identifier.';


--
-- Name: COLUMN daily_reconciliation.business_date; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.business_date IS 'The clinic''s local date reconciled.';


--
-- Name: COLUMN daily_reconciliation.status; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.status IS 'open or closed.';


--
-- Name: COLUMN daily_reconciliation.expected_cash; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.expected_cash IS 'Cash payments minus cash refunds of the day.';


--
-- Name: COLUMN daily_reconciliation.expected_card; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.expected_card IS 'Card payments minus card refunds of the day.';


--
-- Name: COLUMN daily_reconciliation.expected_bank_transfer; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.expected_bank_transfer IS 'Bank transfers minus their refunds.';


--
-- Name: COLUMN daily_reconciliation.expected_mobile_money; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.expected_mobile_money IS 'Mobile money minus its refunds.';


--
-- Name: COLUMN daily_reconciliation.expected_insurance; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.expected_insurance IS 'Insurance payments minus their refunds.';


--
-- Name: COLUMN daily_reconciliation.counted_cash; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.counted_cash IS 'The day''s cash as counted: what is in the drawer less its opening float; negative when more cash was refunded than taken.';


--
-- Name: COLUMN daily_reconciliation.counted_card; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.counted_card IS 'The day''s card total from the terminal; negative when card refunds exceed card payments.';


--
-- Name: COLUMN daily_reconciliation.counted_bank_transfer; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.counted_bank_transfer IS 'The day''s bank transfers seen on the statement; negative when refunds exceed them.';


--
-- Name: COLUMN daily_reconciliation.counted_mobile_money; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.counted_mobile_money IS 'The day''s mobile money seen on the statement; negative when refunds exceed it.';


--
-- Name: COLUMN daily_reconciliation.counted_insurance; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.counted_insurance IS 'The day''s insurance amounts confirmed; negative when refunds exceed them.';


--
-- Name: COLUMN daily_reconciliation.notes; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.notes IS 'The cashier''s notes.';


--
-- Name: COLUMN daily_reconciliation.closed_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.closed_at IS 'When the day was closed.';


--
-- Name: COLUMN daily_reconciliation.closed_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.closed_by IS 'Who closed it.';


--
-- Name: COLUMN daily_reconciliation.reopened_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.reopened_at IS 'When it was last reopened.';


--
-- Name: COLUMN daily_reconciliation.reopened_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.reopened_by IS 'Who reopened it.';


--
-- Name: COLUMN daily_reconciliation.reopen_reason; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.reopen_reason IS 'Why it was reopened.';


--
-- Name: COLUMN daily_reconciliation.created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.created_at IS 'When the day was opened.';


--
-- Name: COLUMN daily_reconciliation.created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.created_by IS 'Who opened it (null: the worker).';


--
-- Name: COLUMN daily_reconciliation.updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.updated_at IS 'When the row last changed.';


--
-- Name: COLUMN daily_reconciliation.updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.updated_by IS 'User who last changed the row.';


--
-- Name: COLUMN daily_reconciliation.closed_in_time_zone; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.closed_in_time_zone IS 'The clinic''s time zone when the day was closed (null while it is open): its hours as that zone reads them, up to its close, stay closed to money moved or dated in them after a change of the clinic''s time zone (money of those hours taken after the close is the open day''s it falls on).';


--
-- Name: COLUMN daily_reconciliation.expected_total; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.expected_total IS 'All expected tenders.';


--
-- Name: COLUMN daily_reconciliation.counted_total; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.counted_total IS 'All counted tenders; null until the day is counted (closeDay).';


--
-- Name: COLUMN daily_reconciliation.cash_difference; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.cash_difference IS 'Counted cash minus expected cash (negative: missing); null until the day is counted.';


--
-- Name: COLUMN daily_reconciliation.difference; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.daily_reconciliation.difference IS 'Counted total minus expected total; null until the day is counted.';


--
-- Name: CONSTRAINT daily_reconciliation_closed_in_time_zone ON daily_reconciliation; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT daily_reconciliation_closed_in_time_zone ON app_public.daily_reconciliation IS 'A closed day, and only a closed day, knows the time zone it was closed in.';


--
-- Name: close_day(date, numeric, numeric, numeric, numeric, numeric, text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.close_day(business_date date, counted_cash numeric DEFAULT 0, counted_card numeric DEFAULT 0, counted_bank_transfer numeric DEFAULT 0, counted_mobile_money numeric DEFAULT 0, counted_insurance numeric DEFAULT 0, notes text DEFAULT NULL::text) RETURNS app_public.daily_reconciliation
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_day app_public.daily_reconciliation;
  v_currency text := (select c.currency from app_public.clinic c where c.id = v_clinic);
  -- notes of white space alone (a close form's field left blank) are none given: the day keeps its own
  v_notes text := case when app_hidden.text_or_null(close_day.notes) is not null then close_day.notes end;
  v_first date; -- the clinic's first local day, when the day asked for is one before it without money
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can close a day.' using errcode = 'CFORB';
  end if;
  -- the clinic's time zone as it is once a change of it under way is done (and a change waits for this close):
  -- a close must not pass a change to a zone in which its day has not started
  perform app_private.lock_clinic_setting(v_clinic, 'time zone', false);
  if business_date is null then
    raise exception 'Give the business day to close (businessDate).' using errcode = 'CINVL';
  end if;
  if business_date > app_hidden.business_date(v_clinic, now()) then
    raise exception 'Only a business day that has started can be closed.' using errcode = 'CINVL';
  end if;
  if business_date < date '2000-01-01' then
    raise exception 'Only a business day from 2000-01-01 on can be closed.' using errcode = 'CINVL';
  end if;
  if exists (select from unnest(array[counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance]) a
             where a <> round(a, app_public.currency_decimals(v_currency))) then
    raise exception 'A counted amount has no more decimals than the clinic''s currency (%: %).', v_currency, app_public.currency_decimals(v_currency)
      using errcode = 'CINVL';
  end if;
  -- Waits for the day's payments and refunds in flight; new ones wait for us (tg__money_day).
  perform app_private.lock_business_day(v_clinic, close_day.business_date, true);
  -- a day before the clinic existed is made a day to count only when it has money (as the hourly run opens one);
  -- one that has a row already (opened, or closed and reopened) is closed as any other
  if not exists (select from app_public.daily_reconciliation d where d.clinic_id = v_clinic and d.business_date = close_day.business_date) then
    v_first := app_private.first_day_after_day_without_money(v_clinic, close_day.business_date);
    if v_first is not null then
      raise exception 'The clinic''s first business day is %: a day before it is closed only when it has payments or refunds, and % has none.',
        v_first, close_day.business_date using errcode = 'CINVL';
    end if;
  end if;
  insert into app_public.daily_reconciliation (clinic_id, business_date) values (v_clinic, close_day.business_date)
  on conflict on constraint daily_reconciliation_clinic_id_business_date_key do nothing;
  select * into v_day from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.business_date = close_day.business_date for update;
  if v_day.status = 'closed' then
    -- the same close again (a double click, a retry after a timeout whose first attempt went through):
    -- the day as it was closed, not a refusal of what was done
    if (v_day.counted_cash, v_day.counted_card, v_day.counted_bank_transfer, v_day.counted_mobile_money, v_day.counted_insurance)
       = (coalesce(close_day.counted_cash, 0), coalesce(close_day.counted_card, 0), coalesce(close_day.counted_bank_transfer, 0),
          coalesce(close_day.counted_mobile_money, 0), coalesce(close_day.counted_insurance, 0))
       and (v_notes is null or v_day.notes is not distinct from v_notes) then
      return v_day;
    end if;
    raise exception 'This business day is already closed, with other counts or notes: an owner reopens it to count again.' using errcode = 'CDAYC';
  end if;
  perform app_private.refresh_reconciliation(v_clinic, close_day.business_date);
  update app_public.daily_reconciliation d set
    -- a count given as null is none counted, as one left out is
    status = 'closed', counted_cash = coalesce(close_day.counted_cash, 0), counted_card = coalesce(close_day.counted_card, 0),
    counted_bank_transfer = coalesce(close_day.counted_bank_transfer, 0), counted_mobile_money = coalesce(close_day.counted_mobile_money, 0),
    counted_insurance = coalesce(close_day.counted_insurance, 0), notes = coalesce(v_notes, d.notes),
    closed_at = now(), closed_by = app_public.current_user_id()
  where d.clinic_id = v_clinic and d.id = v_day.id
  returning * into v_day;
  return v_day;
end;
$$;


ALTER FUNCTION app_public.close_day(business_date date, counted_cash numeric, counted_card numeric, counted_bank_transfer numeric, counted_mobile_money numeric, counted_insurance numeric, notes text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION close_day(business_date date, counted_cash numeric, counted_card numeric, counted_bank_transfer numeric, counted_mobile_money numeric, counted_insurance numeric, notes text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.close_day(business_date date, counted_cash numeric, counted_card numeric, counted_bank_transfer numeric, counted_mobile_money numeric, counted_insurance numeric, notes text) IS 'Records what was counted for a business day and closes it: its payments and refunds are frozen from then on (DAY_CLOSED). The same close again (the same counts, and notes when given) answers the day as it was closed; other counts or notes on a closed day are DAY_CLOSED. A day before the clinic''s first local day with no payment or refund, and no row yet, is INVALID_INPUT naming the first day. Owners, admins and cashiers.';


--
-- Name: count_deleted_patient_duplicates(text, text, text, date, uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.count_deleted_patient_duplicates(phone text DEFAULT NULL::text, first_name text DEFAULT NULL::text, last_name text DEFAULT NULL::text, date_of_birth date DEFAULT NULL::date, except_patient_id uuid DEFAULT NULL::uuid) RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  if not app_hidden.current_role_in('owner', 'admin', 'receptionist') then
    raise exception 'Only the front desk (an owner, admin or receptionist) registers patients and is warned of duplicates among the deleted ones.' using errcode = 'CFORB';
  end if;
  return (select count(*)::integer
          from app_private.patient_duplicates(count_deleted_patient_duplicates.phone, count_deleted_patient_duplicates.first_name,
                                              count_deleted_patient_duplicates.last_name, count_deleted_patient_duplicates.date_of_birth,
                                              count_deleted_patient_duplicates.except_patient_id) d
          where d.deleted_at is not null);
end;
$$;


ALTER FUNCTION app_public.count_deleted_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION count_deleted_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.count_deleted_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) IS 'How many deleted patients look like the one being registered or edited, as findPatientDuplicates compares them, without saying who: a receptionist, who may not read nor restore deleted patients, asks an owner or admin to restore the one that matches rather than register the patient again (owners and admins find them in findPatientDuplicates). The front desk: owners, admins and receptionists.';


--
-- Name: is_valid_currency(text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.is_valid_currency(code text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
  select coalesce(code = any ('{AED,AFN,ALL,AMD,ANG,AOA,ARS,AUD,AWG,AZN,BAM,BBD,BDT,BGN,BHD,BIF,BMD,BND,BOB,BRL,BSD,BTN,BWP,BYN,BZD,
    CAD,CDF,CHF,CLP,CNY,COP,CRC,CUP,CVE,CZK,DJF,DKK,DOP,DZD,EGP,ERN,ETB,EUR,FJD,FKP,GBP,GEL,GHS,GIP,GMD,GNF,GTQ,GYD,
    HKD,HNL,HTG,HUF,IDR,ILS,INR,IQD,IRR,ISK,JMD,JOD,JPY,KES,KGS,KHR,KMF,KPW,KRW,KWD,KYD,KZT,LAK,LBP,LKR,LRD,LSL,LYD,
    MAD,MDL,MGA,MKD,MMK,MNT,MOP,MRU,MUR,MVR,MWK,MXN,MYR,MZN,NAD,NGN,NIO,NOK,NPR,NZD,OMR,PAB,PEN,PGK,PHP,PKR,PLN,PYG,
    QAR,RON,RSD,RUB,RWF,SAR,SBD,SCR,SDG,SEK,SGD,SHP,SLE,SOS,SRD,SSP,STN,SVC,SYP,SZL,THB,TJS,TMT,TND,TOP,TRY,TTD,TWD,
    TZS,UAH,UGX,USD,UYU,UZS,VES,VND,VUV,WST,XAF,XCD,XCG,XOF,XPF,YER,ZAR,ZMW,ZWG}'::text[]), false);
$$;


ALTER FUNCTION app_public.is_valid_currency(code text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION is_valid_currency(code text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.is_valid_currency(code text) IS 'True when `code` is an ISO 4217 currency code in circulation, in capitals, e.g. TZS or KES; false for anything else, null included.';


--
-- Name: is_valid_timezone(text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.is_valid_timezone(name text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  -- the names first: reading pg_timezone_names takes some 30 ms
  select is_valid_timezone.name !~ '^posix/'
    and is_valid_timezone.name not in ('Factory', 'localtime', 'posixrules')
    -- a name that is also an abbreviation is read as the abbreviation by `at time zone`: CET is +01 all year
    and (is_valid_timezone.name in ('UTC', 'UCT', 'GMT')
         or not exists (select 1 from pg_catalog.pg_timezone_abbrevs a where a.abbrev = is_valid_timezone.name))
    and exists (select 1 from pg_catalog.pg_timezone_names t where t.name = is_valid_timezone.name);
$$;


ALTER FUNCTION app_public.is_valid_timezone(name text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION is_valid_timezone(name text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.is_valid_timezone(name text) IS 'True when `name` is an IANA time zone this database knows, e.g. Africa/Dar_es_Salaam: not PostgreSQL''s posix/ copies, Factory, localtime or posixrules, which the exports cannot print in, nor a name that is also a time zone abbreviation (CET, EET, WET, MET, EST, MST, HST), which PostgreSQL reads as the abbreviation when it converts times (CET +01 all year); UTC, UCT and GMT are the same either way.';


--
-- Name: clinic; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.clinic (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    phone text,
    email text,
    address text,
    timezone text DEFAULT 'UTC'::text NOT NULL,
    currency text DEFAULT 'USD'::text NOT NULL,
    calling_code app_public.calling_code,
    tax_rate numeric DEFAULT 0 NOT NULL,
    invoice_footer text,
    code_prefixes jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    receptionists_may_invoice boolean DEFAULT false NOT NULL,
    locale text DEFAULT 'en'::text NOT NULL,
    CONSTRAINT clinic_address_check CHECK ((char_length(address) <= 500)),
    CONSTRAINT clinic_code_prefixes_check CHECK ((jsonb_typeof(code_prefixes) = 'object'::text)),
    CONSTRAINT clinic_currency_check CHECK (app_public.is_valid_currency(currency)),
    CONSTRAINT clinic_email_check CHECK (((char_length(email) <= 320) AND (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'::text))),
    CONSTRAINT clinic_invoice_footer_check CHECK ((char_length(invoice_footer) <= 2000)),
    CONSTRAINT clinic_locale_check CHECK ((locale ~ '^[a-z]{2,3}(-[A-Z]{2})?$'::text)),
    CONSTRAINT clinic_name_check CHECK (((char_length(btrim(name)) >= 1) AND (char_length(btrim(name)) <= 200))),
    CONSTRAINT clinic_phone_check CHECK ((phone = ((phone)::app_public.e164_phone)::text)),
    CONSTRAINT clinic_tax_rate_check CHECK (((tax_rate >= (0)::numeric) AND (tax_rate < (1)::numeric) AND (scale(tax_rate) <= 6))),
    CONSTRAINT clinic_timezone_check CHECK (app_public.is_valid_timezone(timezone)),
    CONSTRAINT tax_rate_is_a_number CHECK ((tax_rate <> 'NaN'::numeric))
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

COMMENT ON COLUMN app_public.clinic.name IS '@sortCollation und-x-icu
Name shown to staff and on documents (1 to 200 characters).';


--
-- Name: COLUMN clinic.phone; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.phone IS 'Contact phone in E.164; a national number typed is completed with the clinic''s calling code.';


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

COMMENT ON COLUMN app_public.clinic.tax_rate IS 'Default tax rate as a fraction (0.18 for 18%, 0.08875 for 8.875%), at most 6 decimals.';


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
-- Name: COLUMN clinic.receptionists_may_invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.receptionists_may_invoice IS 'When true, receptionists may create invoices from visits (and see invoices).';


--
-- Name: COLUMN clinic.locale; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.clinic.locale IS 'BCP 47 language tag for amounts and dates on documents, e.g. en, sw, fr or en-KE.';


--
-- Name: CONSTRAINT clinic_phone_check ON clinic; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT clinic_phone_check ON app_public.clinic IS 'The clinic''s phone is a valid E.164 number, as the e164_phone domain checks it (the column is text: a phone typed as people type it is completed by _150_normalize_phone first).';


--
-- Name: create_clinic_with_owner(text, text, text, text, text, text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text DEFAULT NULL::text) RETURNS app_public.clinic
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $_$
declare
  v_clinic app_public.clinic;
  v_name text := regexp_replace(create_clinic_with_owner.name, '^\s+|\s+$', '', 'g');
  v_phone app_public.e164_phone;
  v_owner record;
begin
  if not app_public.current_user_is_platform_admin() then
    raise exception 'Only a platform administrator can create clinics.' using errcode = 'CFORB';
  end if;
  if not app_public.is_valid_timezone(coalesce(timezone, '')) then
    raise exception 'Unknown time zone: use an IANA name such as Africa/Nairobi.' using errcode = 'CINVL';
  end if;
  perform app_private.check_person_name(owner_name); -- before the phone is looked up
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
  v_owner := app_private.find_or_create_user(v_phone, owner_name, owner_password);
  -- a clinic that reset the password is refused here first (_485_kept_to_the_resetting_clinic), saying what lifts it
  insert into app_public.membership (clinic_id, user_id, role) values (v_clinic.id, v_owner.user_id, 'owner');
  -- whoever chose the password of an account made before (an admin of another clinic inviting a new phone) could log in
  -- as the owner: the person takes a clinic once the password is theirs alone, as they answer an invitation (the raise
  -- undoes the clinic); the one given for a new account is the platform admin's to hand over
  if not v_owner.created
     and not coalesce((select s.password_set_by_holder from app_private.user_secret s where s.user_id = v_owner.user_id), false) then
    raise exception 'This person''s password is still the one whoever made their account chose, who may log in as them: they choose their own first (POST /auth/password), then the clinic is made for them.'
      using errcode = 'CFORB';
  end if;
  return v_clinic;
end;
$_$;


ALTER FUNCTION app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) IS 'Creates a clinic and its first owner (an existing user with that phone keeps their name and password: ownerPassword is needed for a new account only). An existing user whose password is not their own (password_set_by_holder false: chosen by whoever made the account, an inviter of another clinic, or reset) is FORBIDDEN, nothing made, until they change it (POST /auth/password): whoever chose it could log in as the owner; one a clinic reset is FORBIDDEN as such first (_485_kept_to_the_resetting_clinic), until the platform operator resets it and the person then changes it. The clinic completes national phone numbers with the country calling code of the owner''s phone until its settings say otherwise. A second clinic of the same name (any case, white space collapsed) for a person who already owns one is a CONFLICT (a request sent twice makes one clinic). Platform administrators only.';


--
-- Name: create_invoice(app_public.invoice); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.create_invoice(invoice app_public.invoice) RETURNS app_public.invoice
    LANGUAGE plpgsql STRICT SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_first app_public.invoice;
  v_made app_public.invoice;
begin
  perform app_private.check_idempotency_key(invoice.idempotency_key, 'invoice');
  if invoice.idempotency_key is not null then
    -- the same key sent twice at once: the second waits for the first, then finds its invoice
    perform pg_advisory_xact_lock(hashtextextended('invoice_key:' || v_clinic || ':' || invoice.idempotency_key, 0));
    select * into v_first from app_public.invoice i where i.clinic_id = v_clinic and i.idempotency_key = create_invoice.invoice.idempotency_key;
    if v_first.id is not null then
      if (v_first.patient_id, v_first.visit_id, v_first.notes) is distinct from (invoice.patient_id, invoice.visit_id, invoice.notes) then
        raise exception 'This idempotency key was already used for a different invoice.' using errcode = 'CCONF';
      end if;
      return v_first; -- a retry: the same draft, made once
    end if;
  end if;
  insert into app_public.invoice (patient_id, visit_id, notes, idempotency_key)
  values (invoice.patient_id, invoice.visit_id, invoice.notes, invoice.idempotency_key)
  returning * into v_made;
  return v_made;
end;
$$;


ALTER FUNCTION app_public.create_invoice(invoice app_public.invoice) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION create_invoice(invoice app_public.invoice); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.create_invoice(invoice app_public.invoice) IS '@resultFieldName invoice
Makes a draft invoice by hand, for a patient (and the visit it bills, once); add its lines with createInvoiceLine. With an idempotency key, a retry (a double click) returns the first invoice instead of making another (the same key with another patient, visit or notes is CONFLICT; a key of white space alone is INVALID_INPUT). Owners, admins, cashiers, and receptionists if the clinic allows.';


--
-- Name: create_invoice_from_visit(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.create_invoice_from_visit(visit_id uuid) RETURNS app_public.invoice
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_visit app_public.visit;
  v_invoice app_public.invoice;
begin
  if not app_hidden.may_invoice() then
    raise exception 'You may not create invoices in this clinic.' using errcode = 'CFORB';
  end if;
  select * into v_visit from app_public.visit v
  where v.clinic_id = app_public.current_clinic_id() and v.id = create_invoice_from_visit.visit_id;
  if v_visit.id is null then
    raise exception 'No such visit in this clinic.' using errcode = 'CNOTF';
  end if;
  if v_visit.status in ('cancelled', 'no_show') then
    raise exception 'A % visit is not invoiced.', app_hidden.visit_status_words(v_visit.status) using errcode = 'CINVL';
  end if;
  if not exists (select 1 from app_public.visit_service s where s.clinic_id = v_visit.clinic_id and s.visit_id = v_visit.id) then
    raise exception 'This visit has no services to invoice.' using errcode = 'CINVL';
  end if;
  insert into app_public.invoice (clinic_id, patient_id, visit_id) values (v_visit.clinic_id, v_visit.patient_id, v_visit.id)
  returning * into v_invoice;
  perform app_private.bill_visit_services(v_invoice);
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id;
  return v_invoice;
end;
$$;


ALTER FUNCTION app_public.create_invoice_from_visit(visit_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION create_invoice_from_visit(visit_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.create_invoice_from_visit(visit_id uuid) IS 'Creates a draft invoice for a visit with a line per service at the price it was given, services deleted from the catalog since included, discounts in the currency''s decimals (one live invoice per visit). Owners, admins, cashiers, and receptionists if the clinic allows.';


--
-- Name: create_invoice_line(app_public.invoice_line); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.create_invoice_line(invoice_line app_public.invoice_line) RETURNS app_public.invoice_line
    LANGUAGE plpgsql STRICT SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_line app_public.invoice_line := create_invoice_line.invoice_line;
  v_first app_public.invoice_line;
  v_made app_public.invoice_line;
begin
  perform app_private.check_idempotency_key(v_line.idempotency_key, 'invoice line');
  if v_line.idempotency_key is not null then
    perform pg_advisory_xact_lock(hashtextextended('invoice_line_key:' || v_clinic || ':' || v_line.idempotency_key, 0));
    select * into v_first from app_public.invoice_line l where l.clinic_id = v_clinic and l.idempotency_key = v_line.idempotency_key;
    if v_first.id is not null then
      -- compared on what the retry gives: a description, price or tax rate left out is the first line's, as it took
      -- them from the catalog and the invoice then (they may have changed since); quantity and discount left out are 1 and none
      if (v_first.invoice_id, v_first.service_id, v_first.description, v_first.quantity, v_first.unit_price, v_first.discount, v_first.tax_rate)
         is distinct from (v_line.invoice_id, v_line.service_id, coalesce(v_line.description, v_first.description),
                           coalesce(v_line.quantity, 1)::numeric(12,3), coalesce(v_line.unit_price::numeric(16,3), v_first.unit_price),
                           coalesce(v_line.discount, 0)::numeric(16,3), coalesce(v_line.tax_rate, v_first.tax_rate)) then
        raise exception 'This idempotency key was already used for a different invoice line.' using errcode = 'CCONF';
      end if;
      return v_first; -- a retry: the line billed once
    end if;
    -- the line made under this key was deleted from its draft: a late retry does not bill it again
    if exists (select 1 from app_private.deleted_invoice_line_key k
               join app_public.invoice i on i.clinic_id = k.clinic_id and i.id = k.invoice_id
               where k.clinic_id = v_clinic and k.idempotency_key = v_line.idempotency_key) then
      raise exception 'The invoice line added with this idempotency key was deleted since: add it again with a new key if it is still meant.'
        using errcode = 'CCONF';
    end if;
  end if;
  insert into app_public.invoice_line (invoice_id, service_id, description, quantity, unit_price, discount, tax_rate, idempotency_key)
  values (v_line.invoice_id, v_line.service_id, v_line.description, coalesce(v_line.quantity, 1), v_line.unit_price, v_line.discount,
          v_line.tax_rate, v_line.idempotency_key)
  returning * into v_made;
  return v_made;
end;
$$;


ALTER FUNCTION app_public.create_invoice_line(invoice_line app_public.invoice_line) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION create_invoice_line(invoice_line app_public.invoice_line); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.create_invoice_line(invoice_line app_public.invoice_line) IS '@resultFieldName invoiceLine
Adds a line to a draft invoice: a service of the catalog (its name and price unless given) or one typed by hand (description and unitPrice required); quantity 1 and no discount unless given, the invoice''s tax rate unless given. With an idempotency key, a retry (a double click) returns the first line instead of billing it twice, whatever changed in the catalog since: it is compared on what it gives (another invoice, service, quantity or discount, left out 1 and none, or a description, price or tax rate it gives unlike the line''s is CONFLICT; one it leaves out is the line''s); the key of a line deleted since is CONFLICT, not a new line; a key of white space alone is INVALID_INPUT. Owners, admins, cashiers, and receptionists if the clinic allows.';


--
-- Name: currency_decimals(text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.currency_decimals(code text) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case
    when not app_public.is_valid_currency(code) then null
    when code = any ('{BIF,CLP,DJF,GNF,ISK,JPY,KMF,KRW,PYG,RWF,UGX,VND,VUV,XAF,XOF,XPF}'::text[]) then 0
    when code = any ('{BHD,IQD,JOD,KWD,LYD,OMR,TND}'::text[]) then 3
    else 2
  end::smallint;
$$;


ALTER FUNCTION app_public.currency_decimals(code text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION currency_decimals(code text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.currency_decimals(code text) IS 'How many decimals amounts in this ISO 4217 currency have (its minor unit): 0 for JPY, 3 for KWD, 2 for most; null for what is no currency in circulation (is_valid_currency).';


--
-- Name: current_clinic(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.current_clinic() RETURNS app_public.clinic
    LANGUAGE plpgsql STABLE
    AS $$
begin
  return (select c from app_public.clinic c where c.id = app_public.current_clinic_id());
end;
$$;


ALTER FUNCTION app_public.current_clinic() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_clinic(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.current_clinic() IS 'The clinic the session is scoped to, or null.';


--
-- Name: current_membership_id(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.current_membership_id() RETURNS uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  live app_private.session := app_private.live_session();
begin
  return (select m.id from app_public.membership m
          where m.clinic_id = live.clinic_id and m.user_id = live.user_id and m.deleted_at is null and m.accepted_at is not null);
end;
$$;


ALTER FUNCTION app_public.current_membership_id() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_membership_id(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.current_membership_id() IS '@behavior -queryField
The membership of the current user in the current clinic (a doctor''s visits point at it).';


--
-- Name: current_role(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public."current_role"() RETURNS app_public.member_role
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$ begin return (app_private.live_session()).role; end; $$;


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

COMMENT ON COLUMN app_public."user".full_name IS '@sortCollation und-x-icu
Name shown to colleagues (1 to 200 characters).';


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
    LANGUAGE plpgsql STABLE
    AS $$
begin
  return (select u from app_public."user" u where u.id = app_public.current_user_id());
end;
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
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$ begin return coalesce((app_private.live_session()).is_platform_admin, false); end; $$;


ALTER FUNCTION app_public.current_user_is_platform_admin() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_user_is_platform_admin(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.current_user_is_platform_admin() IS '@behavior -queryField
True when the live session belongs to a platform administrator.';


--
-- Name: current_user_password_set_by_holder(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.current_user_password_set_by_holder() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  return (select s.password_set_by_holder from app_private.user_secret s where s.user_id = app_public.current_user_id());
end;
$$;


ALTER FUNCTION app_public.current_user_password_set_by_holder() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION current_user_password_set_by_holder(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.current_user_password_set_by_holder() IS 'Whether the logged-in person set their own password (POST /auth/password); false while it is the one whoever made the account chose (an inviter, a platform admin), which answers no invitation until changed.';


--
-- Name: dashboard(date, date); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.dashboard(from_date date, to_date date) RETURNS app_public.dashboard
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can see the dashboard.' using errcode = 'CFORB';
  end if;
  if from_date is null or to_date is null then
    raise exception 'Give the period: both fromDate and toDate.' using errcode = 'CINVL';
  end if;
  if to_date < from_date or to_date - from_date > 366 then
    raise exception 'Give a period of at most 367 days: fromDate on or before toDate.' using errcode = 'CINVL';
  end if;
  -- deleted services and removed members still name the figures they made (include_deleted is on
  -- in this function's definition)
  return app_private.dashboard_for(app_public.current_clinic_id(), from_date, to_date);
end;
$$;


ALTER FUNCTION app_public.dashboard(from_date date, to_date date) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION dashboard(from_date date, to_date date); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.dashboard(from_date date, to_date date) IS 'The clinic''s figures for the business days from_date to to_date (its own time zone): net revenue (refunds included) per day and method, visits per status and doctor, new patients, top services, outstanding balance, average visit value. Owners, admins and cashiers.';


--
-- Name: decline_invitation(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.decline_invitation(clinic_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_user uuid := app_public.current_user_id();
  v_membership uuid;
begin
  if v_user is null then
    raise exception 'You are not logged in.' using errcode = 'CAUTH';
  end if;
  -- the person's pending membership, locked: the clinic withdrawing it at the same time went first
  -- (then there is nothing to decline) or waits
  select m.id into v_membership from app_public.membership m
  where m.clinic_id = decline_invitation.clinic_id and m.user_id = v_user and m.accepted_at is null and m.deleted_at is null
  for update;
  if v_membership is null then
    raise exception 'You have no pending invitation from that clinic.' using errcode = 'CNOTF';
  end if;
  -- a decline keeps the clinic from inviting them for 30 days: the person's too
  perform app_private.check_password_set_by_holder(v_user);
  -- a soft delete by the person (audited as such in the clinic's chain), through decline_own_invitations
  perform app_private.soft_delete(null::app_public.membership, decline_invitation.clinic_id, v_membership);
  return true;
end;
$$;


ALTER FUNCTION app_public.decline_invitation(clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION decline_invitation(clinic_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.decline_invitation(clinic_id uuid) IS 'Declines the current user''s pending invitation from a clinic (its id is in the login answer''s `clinics`, marked `pending`): the membership is removed for good (restoreMember refuses it) and the clinic may invite them again only 30 days later; the clinic never sees who it invited. NOT_FOUND when there is no such invitation; PASSWORD_CHANGE_REQUIRED while the account''s password is the one whoever made the account chose (check_password_set_by_holder); an accepted membership is left by asking the clinic to remove it.';


--
-- Name: delete_export(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.delete_export(export_id uuid) RETURNS app_public.report_export
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_export app_public.report_export;
  v_deleted app_public.report_export;
begin
  v_export := app_private.export_to_change(delete_export.export_id);
  if v_export.deleted_at is not null then
    return v_export; -- deleted already (a second click): nothing more to do
  end if;
  if v_export.status in ('queued', 'running') then
    raise exception 'This export is not finished yet: cancel it (cancelExport), or delete it once its status is done or failed.' using errcode = 'CCONF';
  end if;
  -- expired as the sweep expires one, so that no download serves it and the sweep removes its file
  update app_public.report_export e
  set deleted_at = now(), deleted_by = app_public.current_user_id(),
      status = case when e.status = 'done' then 'expired'::app_public.export_status else e.status end,
      expires_at = case when e.status = 'done' then least(e.expires_at, now()) else e.expires_at end
  where e.clinic_id = v_export.clinic_id and e.id = v_export.id
  returning * into v_deleted;
  perform app_private.write_audit(v_export.clinic_id, 'soft_delete', 'report_export', v_export.id, to_jsonb(v_export), to_jsonb(v_deleted));
  -- its file removed now, not at the sweep's hour: one sweep for the deletions of the moment (a locked one keeps running,
  -- and another is queued after it)
  perform graphile_worker.add_job('report_export__expire', '{}'::json, job_key := 'report_export__expire:deleted');
  return v_deleted;
end;
$$;


ALTER FUNCTION app_public.delete_export(export_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION delete_export(export_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.delete_export(export_id uuid) IS 'Deletes an export, done, failed or cancelled (one waiting or running is CONFLICT: cancelExport stops it): its file is removed from the server by the worker in the next moments and is no longer downloaded at once; the export stays listed, expired (a failed or cancelled one keeps its status), with deletedAt and deletedBy, and the deletion is audited. Frees the clinic''s export storage (requestExport). Whoever may download it: an owner, admin or cashier of its clinic; any other export, or a guess, is NOT_FOUND. Deleting one already deleted changes nothing.';


--
-- Name: delete_patient(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.delete_patient(patient_id uuid) RETURNS app_public.patient
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
  select app_private.soft_delete(null::app_public.patient, app_public.current_clinic_id(), patient_id);
$$;


ALTER FUNCTION app_public.delete_patient(patient_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION delete_patient(patient_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.delete_patient(patient_id uuid) IS 'Deletes a patient (soft delete: hidden from lists, kept with their history). Owners and admins.';


--
-- Name: service; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.service (
    clinic_id uuid DEFAULT app_public.current_clinic_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    category text,
    price numeric(16,3) NOT NULL,
    duration_minutes integer,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    deleted_at timestamp with time zone,
    deleted_by uuid,
    CONSTRAINT price_is_a_number CHECK ((price <> 'NaN'::numeric)),
    CONSTRAINT service_category_check CHECK ((char_length(category) <= 100)),
    CONSTRAINT service_duration_minutes_check CHECK (((duration_minutes >= 1) AND (duration_minutes <= 1440))),
    CONSTRAINT service_name_check CHECK (((char_length(btrim(name)) >= 1) AND (char_length(btrim(name)) <= 200))),
    CONSTRAINT service_price_check CHECK ((price >= (0)::numeric))
);

ALTER TABLE ONLY app_public.service FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.service OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.service IS '@behavior -delete
A service in the clinic''s catalog (consultation, test, procedure). Delete with deleteService (soft delete), bring back with restoreService.';


--
-- Name: COLUMN service.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.clinic_id IS 'The clinic; always the session''s clinic.';


--
-- Name: COLUMN service.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.id IS 'Internal identifier.';


--
-- Name: COLUMN service.code; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.code IS 'Human-readable code, SRV-000001, allocated by the database.';


--
-- Name: COLUMN service.name; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.name IS '@sortCollation und-x-icu
Name on the catalog and on invoices (1 to 200 characters).';


--
-- Name: COLUMN service.category; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.category IS '@sortCollation und-x-icu
Free grouping such as Consultation, Laboratory, Pharmacy.';


--
-- Name: COLUMN service.price; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.price IS 'Current price in the clinic''s currency; never negative. Changes are kept in `prices` (service_price), with when each took effect.';


--
-- Name: COLUMN service.duration_minutes; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.duration_minutes IS 'Typical duration, for scheduling.';


--
-- Name: COLUMN service.is_active; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.is_active IS 'Inactive services stay in history but cannot be added to visits.';


--
-- Name: COLUMN service.created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.created_at IS 'When the row was created.';


--
-- Name: COLUMN service.created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.created_by IS 'User who created the row.';


--
-- Name: COLUMN service.updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.updated_at IS 'When the row last changed.';


--
-- Name: COLUMN service.updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.updated_by IS 'User who last changed the row.';


--
-- Name: COLUMN service.deleted_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.deleted_at IS 'When the service was deleted (soft delete); null while in the catalog.';


--
-- Name: COLUMN service.deleted_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service.deleted_by IS 'User who deleted it.';


--
-- Name: delete_service(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.delete_service(service_id uuid) RETURNS app_public.service
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
  select app_private.soft_delete(null::app_public.service, app_public.current_clinic_id(), service_id);
$$;


ALTER FUNCTION app_public.delete_service(service_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION delete_service(service_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.delete_service(service_id uuid) IS 'Removes a service from the catalog (soft delete: visits that used it keep it). Owners and admins.';


--
-- Name: deleted_patients(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.deleted_patients() RETURNS SETOF app_public.patient
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can list deleted patients.' using errcode = 'CFORB';
  end if;
  return query select p.* from app_public.patient p
    where p.clinic_id = app_public.current_clinic_id() and p.deleted_at is not null
    order by p.deleted_at desc, p.id;
end;
$$;


ALTER FUNCTION app_public.deleted_patients() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION deleted_patients(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.deleted_patients() IS 'The clinic''s deleted patients, most recent first, for restoring. Owners and admins.';


--
-- Name: deleted_services(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.deleted_services() RETURNS SETOF app_public.service
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can list deleted services.' using errcode = 'CFORB';
  end if;
  return query select s.* from app_public.service s
    where s.clinic_id = app_public.current_clinic_id() and s.deleted_at is not null
    order by s.deleted_at desc, s.id;
end;
$$;


ALTER FUNCTION app_public.deleted_services() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION deleted_services(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.deleted_services() IS 'The clinic''s deleted services, most recent first, for restoring. Owners and admins.';


--
-- Name: find_patient_duplicates(text, text, text, date, uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.find_patient_duplicates(phone text DEFAULT NULL::text, first_name text DEFAULT NULL::text, last_name text DEFAULT NULL::text, date_of_birth date DEFAULT NULL::date, except_patient_id uuid DEFAULT NULL::uuid) RETURNS SETOF app_public.patient
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  return query
  select d.* from app_private.patient_duplicates(find_patient_duplicates.phone, find_patient_duplicates.first_name, find_patient_duplicates.last_name,
                                                 find_patient_duplicates.date_of_birth, find_patient_duplicates.except_patient_id) d
  where d.deleted_at is null or (select app_hidden.current_role_in('owner', 'admin'));
end;
$$;


ALTER FUNCTION app_public.find_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION find_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.find_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) IS 'Existing patients that look like the one being registered or edited: same phone, or same names (white space, accents and case aside) and date of birth. Call it before saving to warn the user; ask each patient''s `matchedBy` with the same arguments to say why it is listed (a sibling sharing a parent''s phone matches by phone alone). The stronger matches come first: names and birth date (with the phone too before without), then the phone alone. To owners and admins, deleted patients too (after the others, `deletedAt` set): restore one (restorePatient) rather than register them again. To others live patients alone; a receptionist is told how many deleted ones match by countDeletedPatientDuplicates, to ask an owner or admin. A name or phone of more than 1000 characters as typed is refused, INVALID_INPUT (by countDeletedPatientDuplicates and matchedBy too).';


--
-- Name: invite_member(text, text, app_public.member_role, text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.invite_member(phone text, full_name text, role app_public.member_role, password text DEFAULT NULL::text) RETURNS app_public.membership
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_phone app_public.e164_phone;
  v_user record;
  v_membership app_public.membership;
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can invite members.' using errcode = 'CFORB';
  end if;
  if role is null then
    raise exception 'A role is required.' using errcode = 'CINVL';
  end if;
  -- Every refusal comes before the phone is looked up, the same whether it has an account or not:
  -- a refusal only a new phone got (no password, a weak one, a bad name) or only a registered one
  -- got (an admin inviting an owner, refused at insert) told which, for free and unaudited.
  if role = 'owner' and not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  perform app_private.check_person_name(full_name);
  perform app_private.check_password(password);
  -- a clinic's invitations take turns here, so requests at once cannot all pass the count; removed
  -- memberships count too (an invitation withdrawn at once still told whether the phone is registered)
  perform pg_advisory_xact_lock(hashtextextended('invite_member:' || v_clinic, 0));
  if app_private.memberships_added_lately(v_clinic) >= 50 then
    raise exception 'Your clinic has added 50 people in the past hour: wait before inviting more.' using errcode = 'CLIMT';
  end if;
  v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(v_clinic));
  -- looked up once, under the phone's lock: created only for the request that made the account
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  if exists (select 1 from app_public.membership m where m.clinic_id = v_clinic and m.user_id = v_user.user_id) then
    raise exception 'This person is already a member of the clinic, or invited to it.' using errcode = 'CCONF';
  end if;
  -- someone the clinic removed is asked again on their membership of before, which the visits booked with them name:
  -- pending, as below, until they accept
  if not v_user.created then
    v_membership := app_private.invite_again(v_clinic, v_user.user_id, invite_member.role);
    if v_membership.id is not null then
      return v_membership;
    end if;
  end if;
  -- someone who already had an account agrees first (accept_invitation): until then the membership
  -- is pending, and the clinic sees neither their name nor their phone
  insert into app_public.membership (clinic_id, user_id, role, accepted_at)
  values (v_clinic, v_user.user_id, invite_member.role, case when v_user.created then now() end)
  returning * into v_membership;
  return v_membership;
end;
$$;


ALTER FUNCTION app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION invite_member(phone text, full_name text, role app_public.member_role, password text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) IS 'Adds a person to the current clinic with a role. A name and a password (8 to 128 characters) are always required: a new phone creates their user with them and they are a member at once; a phone that already has a user makes a pending invitation (acceptedAt null; the name and password are ignored): it shows the clinic neither their name nor their phone and gives them no access until they accept it (acceptInvitation) or decline it. Someone the clinic removed (or whose invitation was withdrawn or declined) is asked again so on their membership of before, the one the visits booked with them name, with the new role. Someone already a member, or invited, is a CONFLICT, as is inviting again within 30 days someone who declined; a clinic adds or asks again at most 50 people an hour (LIMIT_EXCEEDED). Owners and admins; only owners add owners.';


--
-- Name: invoice_patient_name(app_public.invoice); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.invoice_patient_name(i app_public.invoice) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- read again as the session sees it, as visit_patient_name
  return (
    select p.first_name || ' ' || p.last_name
    from app_public.invoice seen join app_public.patient p on p.clinic_id = seen.clinic_id and p.id = seen.patient_id
    where seen.clinic_id = i.clinic_id and seen.id = i.id);
end;
$$;


ALTER FUNCTION app_public.invoice_patient_name(i app_public.invoice) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION invoice_patient_name(i app_public.invoice); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.invoice_patient_name(i app_public.invoice) IS '@behavior -resource:aggregate -filterBy -orderBy
The name of the invoice''s patient, also once the patient is deleted (a deleted patient is hidden, so `patient` is then null).';


--
-- Name: issue_invoice(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.issue_invoice(invoice_id uuid) RETURNS app_public.invoice
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_invoice app_public.invoice;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can issue invoices.' using errcode = 'CFORB';
  end if;
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = app_public.current_clinic_id() and i.id = issue_invoice.invoice_id for update;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;
  if v_invoice.status in ('issued', 'partially_paid', 'paid') then
    -- the same issue again (a double click, a retry, one sent after a payment, or after an invoice of nothing to
    -- pay became paid as it was issued): it was issued, so the invoice as it is
    return v_invoice;
  elsif v_invoice.status <> 'draft' then
    raise exception 'Only a draft can be issued; this invoice is %.', replace(v_invoice.status::text, '_', ' ') using errcode = 'CTRAN';
  end if;
  if not exists (select 1 from app_public.invoice_line l where l.clinic_id = v_invoice.clinic_id and l.invoice_id = v_invoice.id) then
    raise exception 'An invoice needs at least one line to be issued.' using errcode = 'CINVL';
  end if;
  update app_public.invoice i set status = 'issued', issued_at = now(), issued_by = app_public.current_user_id()
  where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id
  returning * into v_invoice;
  return v_invoice;
end;
$$;


ALTER FUNCTION app_public.issue_invoice(invoice_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION issue_invoice(invoice_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.issue_invoice(invoice_id uuid) IS 'Issues a draft invoice: its lines are frozen and it can be paid. Sent again (a double click, a retry), it answers the invoice as it is now, whatever was paid since (partially paid, paid); a void invoice is INVALID_TRANSITION, and a draft without lines INVALID_INPUT. Owners, admins and cashiers.';


--
-- Name: membership_full_name(app_public.membership); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.membership_full_name(m app_public.membership) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- read as the caller: `user`'s policies show a colleague's name, not a pending invitee's; PL/pgSQL, so its
  -- plan is kept for the connection (decision 012)
  return (select u.full_name from app_public."user" u where u.id = m.user_id);
end;
$$;


ALTER FUNCTION app_public.membership_full_name(m app_public.membership) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION membership_full_name(m app_public.membership); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.membership_full_name(m app_public.membership) IS '@behavior +orderBy -resource:aggregate
The member''s name, as `user` shows it to the session: null for an invitation not yet accepted (the clinic does not see whom it invited). Memberships are listed by it, then by role.';


--
-- Name: my_clinics(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.my_clinics() RETURNS TABLE(id uuid, name text, role app_public.member_role, pending boolean)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- as the owner role, whose policies show the person's own invitations and the inviting clinics'
  -- names (own_invitations, invited_clinics), as the login's answer reads them (open_session)
  return query
    select c.id, c.name, m.role, m.accepted_at is null
    from app_public.membership m join app_public.clinic c on c.id = m.clinic_id
    where m.user_id = app_public.current_user_id() and m.is_active and m.deleted_at is null
    order by c.name collate "und-x-icu", c.id;
end;
$$;


ALTER FUNCTION app_public.my_clinics() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION my_clinics(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.my_clinics() IS 'The clinics the logged-in person may enter (POST /auth/switch-clinic) and those inviting them (`pending`: acceptInvitation or declineInvitation, by the clinic''s id), by name, as the login''s answer lists them (`clinics`). A suspended or removed membership is not listed.';


--
-- Name: normalize_phone(text, app_public.calling_code); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.normalize_phone(raw text, default_calling_code app_public.calling_code DEFAULT NULL::text) RETURNS app_public.e164_phone
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
declare
  v_text text;
  v_digits text;
  v_without_0 text;
  v_code text;
  v_national text;
  v_international boolean;
  v_plan jsonb;
  v_lengths int[];
begin
  -- its raw length first: phone_text reads the whole of it (one of more than 32 characters once trimmed is refused below)
  if char_length(raw) > 1000 then
    raise exception 'This is not a phone number: use digits, spaces, dashes or brackets, optionally starting with + or 00.'
      using errcode = 'CINPH';
  end if;
  v_text := btrim(app_hidden.phone_text(raw));
  if v_text is null or v_text = '' then
    raise exception 'A phone number is required.' using errcode = 'CINPH';
  end if;
  -- Separators people type: spaces, dashes, dots, slashes and brackets.
  v_digits := regexp_replace(v_text, '[[:space:]()./-]', '', 'g');
  if length(v_text) > 32 or v_digits !~ '^\+?[0-9]+$' then
    raise exception 'This is not a phone number: use digits, spaces, dashes or brackets, optionally starting with + or 00.'
      using errcode = 'CINPH';
  end if;

  v_international := v_digits like '+%' or v_digits like '00%';
  if v_international then
    -- International form; a "(0)" after the code is the national trunk prefix some people add, read as a
    -- trunk prefix typed there (and kept where the country has none: Italy's numbers start with 0), else
    -- left out (+1 (0) 212…).
    v_digits := regexp_replace(v_digits, '[^0-9]', '', 'g');
    v_without_0 := regexp_replace(replace(v_text, '(0)', ''), '[^0-9]', '', 'g');
    if v_digits like '00%' and v_text !~ '^[[:space:](]*\+' then
      v_digits := substr(v_digits, 3);
      v_without_0 := substr(v_without_0, 3);
    end if;
    if v_digits !~ '^[1-9][0-9]{6,14}$' then
      raise exception 'This is not a phone number: it must have 7 to 15 digits including the country code.'
        using errcode = 'CINPH';
    end if;
    v_code := app_hidden.country_calling_code('+' || v_digits);
    if v_code is null then
      raise exception 'This is not a phone number: it does not start with a country code in use.' using errcode = 'CINPH';
    end if;
    v_national := app_hidden.national_number(v_code,
      array[substr(v_digits, length(v_code) + 1), nullif(substr(v_without_0, length(v_code) + 1), substr(v_digits, length(v_code) + 1))],
      -- a national 0 left out (+39 6…, for +39 06…), as the older rules left it out of national numbers
      array[case when v_code not in ('1', '7') then '0' || substr(v_digits, length(v_code) + 1) end]);
  else
    if default_calling_code is null then
      raise exception 'This phone number has no country code: start it with + and the country code.'
        using errcode = 'CINPH';
    end if;
    v_code := default_calling_code;
    if app_hidden.phone_plan(v_code) is null then
      raise exception 'This phone number has no country code, and +%, the code that would complete it, is not one in use: start it with + and the country code.', v_code
        using errcode = 'CINPH';
    end if;
    v_national := app_hidden.national_number(v_code, array[v_digits], array[case when v_code not in ('1', '7') then '0' || v_digits end]);
  end if;

  if v_national is null then
    v_plan := app_hidden.phone_plan(v_code);
    v_lengths := array(
      select n from (select jsonb_array_elements_text(v_plan -> 'lengths')::int as n) l
      where length(v_code) + n between 7 and 15 order by n);
    raise exception '%', format(
      case when v_international
        then 'This is not a phone number: a number of country code +%s has %s digits after it%s.'
        else 'This is not a phone number of country code +%s, which completes numbers typed without one: a number there has %s digits%s. Type a number of another country with + and its country code.'
      end,
      v_code,
      case
        when cardinality(v_lengths) = 1 then v_lengths[1]::text
        when cardinality(v_lengths) > 2 and v_lengths[cardinality(v_lengths)] - v_lengths[1] + 1 = cardinality(v_lengths)
          then v_lengths[1] || ' to ' || v_lengths[cardinality(v_lengths)]
        else array_to_string(v_lengths[1:cardinality(v_lengths) - 1], ', ') || ' or ' || v_lengths[cardinality(v_lengths)]
      end,
      coalesce(', not counting the national prefix ' || (v_plan ->> 'trunk'), ''))
      using errcode = 'CINPH';
  end if;
  v_digits := v_code || v_national;
  -- North America's area code and exchange never start with 0 or 1.
  if v_code = '1' and v_digits !~ '^1[2-9][0-9]{2}[2-9][0-9]{6}$' then
    raise exception 'This is not a phone number: a number of country code +1 has 10 digits after it, the first and the fourth from 2 to 9.'
      using errcode = 'CINPH';
  end if;
  return '+' || v_digits;
end;
$_$;


ALTER FUNCTION app_public.normalize_phone(raw text, default_calling_code app_public.calling_code) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION normalize_phone(raw text, default_calling_code app_public.calling_code); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.normalize_phone(raw text, default_calling_code app_public.calling_code) IS 'Turns a phone number as typed ("0712 345-678", "(+255) 712 345 678", "00255712345678", "255 712 345 678", "+255 (0) 712…" and "8 495 123-45-67" with calling code 7) into E.164, reading it as libphonenumber does with its country''s numbering plan (app_hidden.phone_plan, app_hidden.national_number): `default_calling_code` completes national numbers, whose national prefix is dropped (0 at 255, 8 at 7; none at 39: 06 1234 5678 → +390612345678), as it is when typed after the code, and a national 0 left out is put back where the number is none of its country''s without it (+39 6…, 6… at 39); the number must have as many digits after the code as the plan allows (9 at 255, exactly 10 at 1 and 7) and start with a code in use; raises INVALID_PHONE naming the rule (and the code national numbers were completed with) for anything that is not a phone number, and for text of more than 1000 characters as typed before reading any of it.';


--
-- Name: patient_matched_by(app_public.patient, text, text, text, date); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.patient_matched_by(patient app_public.patient, phone text DEFAULT NULL::text, first_name text DEFAULT NULL::text, last_name text DEFAULT NULL::text, date_of_birth date DEFAULT NULL::date) RETURNS app_public.duplicate_match[]
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- the names are probed only for a patient born on the date given, and the phone given read only for a patient with a
  -- phone: no other matches them (a warning's siblings, listed by their phone, are not probed by names)
  return array_remove(array[
    case when patient.date_of_birth = patient_matched_by.date_of_birth then
      case when patient.id in (select app_hidden.patients_born_named(patient_matched_by.date_of_birth, patient_matched_by.last_name,
                                                                     patient_matched_by.first_name))
        then 'name_and_birth_date' end end,
    case when patient.phone is not null then
      case when patient.phone = app_hidden.phone_as_registered(patient_matched_by.phone) then 'phone' end end
  ]::app_public.duplicate_match[], null);
end;
$$;


ALTER FUNCTION app_public.patient_matched_by(patient app_public.patient, phone text, first_name text, last_name text, date_of_birth date) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION patient_matched_by(patient app_public.patient, phone text, first_name text, last_name text, date_of_birth date); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.patient_matched_by(patient app_public.patient, phone text, first_name text, last_name text, date_of_birth date) IS '@behavior -filterBy -orderBy
What this patient matches the one described by, as findPatientDuplicates compares them: `name_and_birth_date`, `phone`, both, or none. Give it what was given to findPatientDuplicates (or, on possibleDuplicates, the patient''s own phone, names and birth date), so that the warning says why it lists each patient: a sibling registered with a parent''s phone matches by phone alone, the same person by names and birth date.';


--
-- Name: patient_possible_duplicates(app_public.patient); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.patient_possible_duplicates(patient app_public.patient) RETURNS SETOF app_public.patient
    LANGUAGE sql STABLE
    AS $$
  select * from app_public.find_patient_duplicates(patient.phone, patient.first_name, patient.last_name, patient.date_of_birth, patient.id);
$$;


ALTER FUNCTION app_public.patient_possible_duplicates(patient app_public.patient) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION patient_possible_duplicates(patient app_public.patient); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.patient_possible_duplicates(patient app_public.patient) IS 'Other patients of the clinic with the same phone, or the same names and date of birth, the stronger matches first (findPatientDuplicates: deleted ones too, to owners and admins); each one''s `matchedBy`, given this patient''s phone, names and birth date, says why.';


--
-- Name: payment; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.payment (
    clinic_id uuid DEFAULT app_public.current_clinic_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    code text NOT NULL,
    invoice_id uuid NOT NULL,
    amount numeric(16,3) NOT NULL,
    method app_public.payment_method NOT NULL,
    reference text,
    idempotency_key text,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    received_by uuid,
    business_date date NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    CONSTRAINT amount_is_a_number CHECK ((amount <> 'NaN'::numeric)),
    CONSTRAINT payment_amount_check CHECK ((amount > (0)::numeric)),
    CONSTRAINT payment_idempotency_key_check CHECK (((char_length(idempotency_key) >= 1) AND (char_length(idempotency_key) <= 200))),
    CONSTRAINT payment_reference_check CHECK ((char_length(reference) <= 200))
);

ALTER TABLE ONLY app_public.payment FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.payment OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE payment; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.payment IS '@behavior -insert -delete
@defaultOrderBy RECEIVED_AT_ASC,CODE_ASC
Money received against an invoice. Take payments with recordPayment; refunds are their own rows. Listed in the order they were received (at the same time, by code).';


--
-- Name: COLUMN payment.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.clinic_id IS 'The clinic.';


--
-- Name: COLUMN payment.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.id IS 'Internal identifier.';


--
-- Name: COLUMN payment.code; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.code IS 'Human-readable code, PAY-000001.';


--
-- Name: COLUMN payment.invoice_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.invoice_id IS 'The invoice paid.';


--
-- Name: COLUMN payment.amount; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.amount IS 'Amount received, in the invoice''s currency; more than zero.';


--
-- Name: COLUMN payment.method; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.method IS 'cash, card, bank_transfer, mobile_money or insurance.';


--
-- Name: COLUMN payment.reference; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.reference IS 'Card slip, transfer or mobile money reference.';


--
-- Name: COLUMN payment.idempotency_key; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.idempotency_key IS 'A key chosen by the client per intended payment: the same key again returns the same payment.';


--
-- Name: COLUMN payment.received_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.received_at IS 'When the money was received.';


--
-- Name: COLUMN payment.received_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.received_by IS 'Who received it.';


--
-- Name: COLUMN payment.business_date; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.business_date IS 'The clinic''s business day of received_at (its own time zone).';


--
-- Name: COLUMN payment.created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.created_at IS 'When it was recorded.';


--
-- Name: COLUMN payment.created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.created_by IS 'Who recorded it.';


--
-- Name: COLUMN payment.updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.updated_at IS 'When the row last changed.';


--
-- Name: COLUMN payment.updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.payment.updated_by IS 'User who last changed the row.';


--
-- Name: payment_refunded_amount(app_public.payment); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.payment_refunded_amount(payment app_public.payment) RETURNS numeric
    LANGUAGE sql STABLE
    AS $$
  select coalesce(sum(r.amount), 0) from app_public.refund r where r.clinic_id = payment.clinic_id and r.payment_id = payment.id;
$$;


ALTER FUNCTION app_public.payment_refunded_amount(payment app_public.payment) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION payment_refunded_amount(payment app_public.payment); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.payment_refunded_amount(payment app_public.payment) IS 'How much of the payment was refunded.';


--
-- Name: record_payment(uuid, numeric, app_public.payment_method, text, text, timestamp with time zone); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text DEFAULT NULL::text, idempotency_key text DEFAULT NULL::text, received_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS app_public.payment
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_invoice app_public.invoice;
  v_payment app_public.payment;
  v_issued timestamptz; -- when the invoice was issued (one issued before issued_at was kept: when it was made)
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can take payments.' using errcode = 'CFORB';
  end if;
  perform app_private.check_money_amount(amount, 'payment');
  if method is null then
    raise exception 'A payment method is required.' using errcode = 'CINVL';
  end if;
  perform app_private.check_idempotency_key(record_payment.idempotency_key, 'payment');

  -- The invoice's row lock orders concurrent payments: each sees the balance the previous left.
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = v_clinic and i.id = record_payment.invoice_id for update;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;

  if idempotency_key is not null then
    select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.idempotency_key = record_payment.idempotency_key;
    if v_payment.id is not null then
      -- the reference as it is kept: a retry sends the same; another (a second card slip) is another payment
      if (v_payment.invoice_id, v_payment.amount, v_payment.method, v_payment.reference)
         is distinct from (v_invoice.id, record_payment.amount, record_payment.method, app_hidden.text_or_null(record_payment.reference)) then
        raise exception 'This idempotency key was already used for a different payment.' using errcode = 'CCONF';
      end if;
      return v_payment; -- a retry: the same payment, charged once
    end if;
  end if;

  -- after a retry's lookup: a retry answers its payment whatever time its till's clock now gives
  if record_payment.received_at > now() + interval '5 minutes' then
    raise exception 'A payment cannot be received in the future.' using errcode = 'CINVL';
  end if;
  if v_invoice.status = 'draft' then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  elsif v_invoice.status = 'void' then
    raise exception 'A void invoice cannot be paid.' using errcode = 'CINVL';
  end if;
  v_issued := coalesce(v_invoice.issued_at, v_invoice.created_at);
  -- now() when not given; a payment is not backdated past its invoice's issue (to a day before the clinic opened,
  -- say, or while the invoice was a draft no one could pay: days no one closes, the drawer's cash kept out of
  -- today's count), with the future's 5 minutes of clocks apart
  if record_payment.received_at < v_issued - interval '5 minutes' then
    raise exception 'A payment cannot be received before its invoice was issued (%).', app_hidden.local_time_text(v_clinic, v_issued)
      using errcode = 'CINVL';
  end if;
  -- as typed: stored in numeric(16,3), 1.0004 would be 1.000 before any trigger could tell; after a retry's
  -- lookup (a payment of the whole balance, finer than the currency, leaves a balance of 0 behind it)
  perform app_private.check_currency_decimals(amount, v_invoice.currency, v_invoice.balance);
  if amount > v_invoice.balance then
    -- the balance as data too (extensions.balance), in the API's money form: the text of numeric(16,3);
    -- both amounts in the currency's decimals (1000 was printed as typed next to a balance of 999.00)
    raise exception '%', case when v_invoice.balance = 0 then 'This invoice is paid in full: nothing is left to pay.'
        else format('This payment of %s is more than the balance of %s.', app_private.money_text(amount, v_invoice.currency),
                    app_private.money_text(v_invoice.balance, v_invoice.currency)) end
      using errcode = 'COVPY', detail = json_build_object('balance', v_invoice.balance::numeric(16,3)::text)::text;
  end if;

  insert into app_public.payment (clinic_id, invoice_id, amount, method, reference, idempotency_key, received_at, received_by)
  values (v_clinic, v_invoice.id, amount, method, app_hidden.text_or_null(reference), idempotency_key,
          -- within the 5 minutes before its invoice was issued: at that time, on the invoice's business day;
          -- within the 5 minutes ahead (a till's clock ahead of the database's): now, on today's
          greatest(least(coalesce(record_payment.received_at, now()), now()), v_issued), app_public.current_user_id())
  returning * into v_payment;
  return v_payment;
end;
$$;


ALTER FUNCTION app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone) IS 'Takes a payment against an issued invoice: never more than its balance (OVERPAYMENT, with the balance in the error''s extensions.balance); with an idempotency key, a retry returns the first payment instead of charging again (the same key with another invoice, amount, method or reference is CONFLICT; a key of white space alone is INVALID_INPUT); refused on a closed day (DAY_CLOSED). The reference is kept without the white space of any kind around it, none when nothing else is left (app_hidden.text_or_null). receivedAt defaults to now, and is neither more than 5 minutes ahead (within them it is now: a till''s clock ahead) nor more than 5 minutes before the invoice was issued (within them, the invoice''s issue) (INVALID_INPUT). Owners, admins and cashiers.';


--
-- Name: refund; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.refund (
    clinic_id uuid DEFAULT app_public.current_clinic_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    code text NOT NULL,
    payment_id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    amount numeric(16,3) NOT NULL,
    method app_public.payment_method NOT NULL,
    reason text NOT NULL,
    refunded_at timestamp with time zone DEFAULT now() NOT NULL,
    refunded_by uuid,
    business_date date NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    idempotency_key text,
    CONSTRAINT amount_is_a_number CHECK ((amount <> 'NaN'::numeric)),
    CONSTRAINT refund_amount_check CHECK ((amount > (0)::numeric)),
    CONSTRAINT refund_idempotency_key_check CHECK (((char_length(idempotency_key) >= 1) AND (char_length(idempotency_key) <= 200))),
    CONSTRAINT refund_reason_check CHECK (((char_length(btrim(reason)) >= 1) AND (char_length(btrim(reason)) <= 500)))
);

ALTER TABLE ONLY app_public.refund FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.refund OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE refund; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.refund IS '@behavior -insert -update -delete
@defaultOrderBy REFUNDED_AT_ASC,CODE_ASC
Money given back from a payment, by refundPayment. It counts against its own business day. Listed in the order they were given back (at the same time, by code).';


--
-- Name: COLUMN refund.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.clinic_id IS 'The clinic.';


--
-- Name: COLUMN refund.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.id IS 'Internal identifier.';


--
-- Name: COLUMN refund.code; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.code IS 'Human-readable code, REF-000001.';


--
-- Name: COLUMN refund.payment_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.payment_id IS 'The payment refunded.';


--
-- Name: COLUMN refund.invoice_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.invoice_id IS 'The invoice of that payment.';


--
-- Name: COLUMN refund.amount; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.amount IS 'Amount given back; at most what is left of the payment.';


--
-- Name: COLUMN refund.method; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.method IS 'The payment''s method: the tender the money leaves in.';


--
-- Name: COLUMN refund.reason; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.reason IS 'Why.';


--
-- Name: COLUMN refund.refunded_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.refunded_at IS 'When the money was given back.';


--
-- Name: COLUMN refund.refunded_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.refunded_by IS 'Who gave it back.';


--
-- Name: COLUMN refund.business_date; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.business_date IS 'The clinic''s business day of refunded_at.';


--
-- Name: COLUMN refund.created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.created_at IS 'When it was recorded.';


--
-- Name: COLUMN refund.created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.created_by IS 'Who recorded it.';


--
-- Name: COLUMN refund.updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.updated_at IS 'When the row last changed.';


--
-- Name: COLUMN refund.updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.updated_by IS 'User who last changed the row.';


--
-- Name: COLUMN refund.idempotency_key; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.refund.idempotency_key IS 'A key chosen by the client per intended refund: the same key again returns the same refund.';


--
-- Name: refund_payment(uuid, numeric, text, text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.refund_payment(payment_id uuid, amount numeric, reason text, idempotency_key text DEFAULT NULL::text) RETURNS app_public.refund
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_payment app_public.payment;
  v_refund app_public.refund;
  v_left numeric;
  v_currency text;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can refund.' using errcode = 'CFORB';
  end if;
  perform app_private.check_money_amount(amount, 'refund');
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to refund.' using errcode = 'CINVL';
  end if;
  perform app_private.check_idempotency_key(refund_payment.idempotency_key, 'refund');
  select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.id = refund_payment.payment_id for update;
  if v_payment.id is null then
    raise exception 'No such payment in this clinic.' using errcode = 'CNOTF';
  end if;
  -- The payment's row lock (above) orders concurrent refunds of it, a retry after its first attempt too.
  if refund_payment.idempotency_key is not null then
    select * into v_refund from app_public.refund r where r.clinic_id = v_clinic and r.idempotency_key = refund_payment.idempotency_key;
    if v_refund.id is not null then
      -- the reason as it is kept: a retry sends the same; another is another refund
      if (v_refund.payment_id, v_refund.amount, v_refund.reason)
         is distinct from (v_payment.id, refund_payment.amount, app_hidden.text_or_null(refund_payment.reason)) then
        raise exception 'This idempotency key was already used for a different refund.' using errcode = 'CCONF';
      end if;
      return v_refund; -- a retry: the same refund, paid out once
    end if;
  end if;
  v_left := v_payment.amount - app_public.payment_refunded_amount(v_payment);
  select i.currency into v_currency from app_public.invoice i where i.clinic_id = v_clinic and i.id = v_payment.invoice_id;
  -- as typed: stored in numeric(16,3), 1.0004 would be 1.000 before any trigger could tell
  perform app_private.check_currency_decimals(amount, v_currency, v_left);
  if amount > v_left then
    -- what is left as data too (extensions.refundable), in the API's money form: the text of numeric(16,3);
    -- both amounts printed in the currency's decimals, as OVERPAYMENT prints them (000078)
    raise exception '%', case when v_left <= 0 then 'This payment is refunded in full: nothing is left to refund.'
      else format('A refund of %s is more than the %s left of this payment.', app_private.money_text(amount, v_currency), app_private.money_text(v_left, v_currency)) end
      using errcode = 'CRFND', detail = json_build_object('refundable', v_left::numeric(16,3)::text)::text;
  end if;
  perform 1 from app_public.invoice i where i.clinic_id = v_clinic and i.id = v_payment.invoice_id for update;
  insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason, idempotency_key, refunded_by)
  values (v_clinic, v_payment.id, v_payment.invoice_id, amount, v_payment.method, app_hidden.text_or_null(reason), refund_payment.idempotency_key, app_public.current_user_id())
  returning * into v_refund;
  return v_refund;
end;
$$;


ALTER FUNCTION app_public.refund_payment(payment_id uuid, amount numeric, reason text, idempotency_key text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION refund_payment(payment_id uuid, amount numeric, reason text, idempotency_key text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.refund_payment(payment_id uuid, amount numeric, reason text, idempotency_key text) IS 'Gives money back from a payment (never more than is left of it, REFUND_EXCEEDS_PAYMENT, with what is left in the error''s extensions.refundable), moving the invoice back to partially_paid or issued; with an idempotency key, a retry returns the first refund instead of paying out again (the same key with another payment, amount or reason is CONFLICT; a key of white space alone is INVALID_INPUT); refused on a closed day. Owners, admins and cashiers.';


--
-- Name: remove_member(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.remove_member(membership_id uuid) RETURNS app_public.membership
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
  -- the clinic's turn before soft_delete locks the row: a change of the same member in flight waits for this one, not
  -- each for the other
  select app_private.take_members_turn(app_public.current_clinic_id())
  where app_hidden.current_role_in('owner', 'admin');
  select app_private.soft_delete(null::app_public.membership, app_public.current_clinic_id(), membership_id);
$$;


ALTER FUNCTION app_public.remove_member(membership_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION remove_member(membership_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.remove_member(membership_id uuid) IS 'Removes a member from the current clinic (soft delete: the membership is kept, hidden, and their sessions end). Owners and admins; only owners remove owners. Taking turns with the clinic''s other membership changes (take_members_turn), it is judged by the caller''s role as it is then.';


--
-- Name: removed_members(); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.removed_members() RETURNS TABLE(membership_id uuid, full_name text, role app_public.member_role, removed_at timestamp with time zone)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can list removed members.' using errcode = 'CFORB';
  end if;
  return query
    select m.id, case when m.accepted_at is not null then u.full_name end, m.role, m.deleted_at
    from app_public.membership m join app_public."user" u on u.id = m.user_id
    where m.clinic_id = app_public.current_clinic_id() and m.deleted_at is not null
      -- an invitation its person declined stays declined (restoreMember refuses it): not listed; one removed by no one
      -- named (deleted_by null: the operator's delete) was not declined, as restoreMember reads it too
      and (m.accepted_at is not null or m.deleted_by is distinct from m.user_id)
    order by m.deleted_at desc, m.id;
end;
$$;


ALTER FUNCTION app_public.removed_members() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION removed_members(); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.removed_members() IS 'The members removed from the current clinic and the invitations it withdrew, newest first, to restore one with restoreMember(membershipId); invitations their person declined are not listed (they cannot be restored), those withdrawn with no one named as removing them (the operator''s) are. An invitation never accepted shows no name. Owners and admins (FORBIDDEN otherwise).';


--
-- Name: reopen_day(date, text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.reopen_day(business_date date, reason text) RETURNS app_public.daily_reconciliation
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_reason text := app_hidden.text_or_null(reason);
  v_day app_public.daily_reconciliation;
begin
  if not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner can reopen a closed day.' using errcode = 'CFORB';
  end if;
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to reopen a day.' using errcode = 'CINVL';
  end if;
  -- Waits for a close or a payment of the day in flight; a payment arriving meanwhile waits for the day to be
  -- open again (it was refused as of a closed day), as a close arriving meanwhile waits to close it again.
  perform app_private.lock_business_day(v_clinic, reopen_day.business_date, true);
  select * into v_day from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.business_date = reopen_day.business_date for update;
  if v_day.status = 'closed' then
    update app_public.daily_reconciliation d set status = 'open', reopened_at = now(), reopened_by = app_public.current_user_id(),
      reopen_reason = v_reason, closed_at = null, closed_by = null
    where d.clinic_id = v_clinic and d.id = v_day.id
    returning * into v_day;
  -- an open day is the same reopening again (a double click, a retry after a timeout whose first attempt went
  -- through) when it was reopened for the same reason: the day as it was reopened, as a close sent again answers
  -- the day as it was closed
  elsif v_day.status is distinct from 'open' or v_day.reopen_reason is distinct from v_reason then
    raise exception 'No closed day on that date in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_day;
end;
$$;


ALTER FUNCTION app_public.reopen_day(business_date date, reason text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION reopen_day(business_date date, reason text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.reopen_day(business_date date, reason text) IS 'Reopens a closed business day with a reason (audited). Owners only. Waits for a close or a payment of that day in flight; a payment or close of that day made meanwhile waits for it. The same reopening again (the same reason, the day still open) answers the day as it was reopened.';


--
-- Name: request_export(app_public.export_kind, date, date, uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.request_export(kind app_public.export_kind, from_date date DEFAULT NULL::date, to_date date DEFAULT NULL::date, invoice_id uuid DEFAULT NULL::uuid) RETURNS app_public.report_export
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_from date := from_date;
  v_to date := to_date;
  v_export app_public.report_export;
  v_most_unfinished constant int := 10;
  v_most_unfinished_in_clinic constant int := 30;
  v_mine bigint;
  v_clinics bigint;
  -- the clinic's storage for finished files, in MB of 1,048,576 bytes: the server's EXPORT_STORAGE_PER_CLINIC_MB, within
  -- the most the database keeps (a session raising its setting by hand gets no more)
  v_storage_mb bigint := app_private.export_storage_per_clinic_mb();
  v_kept bigint;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can export.' using errcode = 'CFORB';
  end if;
  -- a clinic's requests take turns here, so requests at once cannot all pass the counts
  perform pg_advisory_xact_lock(hashtextextended('request_export:' || v_clinic, 0));
  select count(*) filter (where e.requested_by = app_public.current_user_id()), count(*)
  into v_mine, v_clinics
  from app_public.report_export e
  where e.clinic_id = v_clinic and e.status in ('queued', 'running');
  if v_mine >= v_most_unfinished then
    raise exception 'You have % exports waiting or in progress: ask for more once one of them is done, or cancel one (cancelExport).', v_most_unfinished
      using errcode = 'CLIMT';
  end if;
  if v_clinics >= v_most_unfinished_in_clinic then
    raise exception 'Your clinic has % exports waiting or in progress: ask for more once some of them are done, or cancel some (cancelExport).', v_most_unfinished_in_clinic
      using errcode = 'CLIMT';
  end if;
  -- the files kept for download (done, not past their expiry): one more export is refused once they fill the clinic's
  -- storage. Exports waiting or running then are not counted (their size is not known yet), and may take it past
  select coalesce(sum(e.byte_size), 0) into v_kept
  from app_public.report_export e
  where e.clinic_id = v_clinic and e.status = 'done' and e.expires_at > now();
  if v_kept >= v_storage_mb * 1048576 then
    raise exception 'Your clinic''s exports take % MB of its % MB: delete some (deleteExport) or wait for them to expire (exports are kept 7 days).',
      v_kept / 1048576, v_storage_mb using errcode = 'CLIMT';
  end if;
  if kind is null then
    raise exception 'Say what to export.' using errcode = 'CINVL';
  end if;
  -- what a kind does not read is refused, not dropped: a sheet asked for a year was made of its first day
  if kind::text <> 'invoice_pdf' and request_export.invoice_id is not null then
    raise exception 'Only an invoice PDF takes an invoice (invoiceId): leave it out.' using errcode = 'CINVL';
  end if;
  if kind::text = 'invoice_pdf' then
    if request_export.invoice_id is null then
      raise exception 'Give the invoice (invoiceId) to print.' using errcode = 'CINVL';
    end if;
    if from_date is not null or to_date is not null then
      raise exception 'An invoice PDF takes no period: give the invoice (invoiceId) alone.' using errcode = 'CINVL';
    end if;
    select (i.created_at at time zone c.timezone)::date into v_from
    from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id
    where i.clinic_id = v_clinic and i.id = request_export.invoice_id;
    if v_from is null then
      raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
    end if;
    v_to := v_from;
  elsif kind::text = 'reconciliation_pdf' then
    if from_date is null then
      raise exception 'Give the business day (fromDate) of the reconciliation sheet.' using errcode = 'CINVL';
    end if;
    if to_date <> from_date then
      raise exception 'A reconciliation sheet is of one business day: give it as fromDate (toDate, if given, the same day).' using errcode = 'CINVL';
    end if;
    if from_date > app_hidden.business_date(v_clinic, now()) then
      raise exception 'The business day % has not started yet: only a day that has started has a reconciliation sheet.', from_date
        using errcode = 'CINVL';
    end if;
    v_to := from_date;
  elsif kind::text = 'monthly_summary_pdf' then
    if from_date is null then
      raise exception 'Give a day of the month (fromDate) to summarise.' using errcode = 'CINVL';
    end if;
    if date_trunc('month', to_date) <> date_trunc('month', from_date) then
      raise exception 'A monthly summary is of one month: give a day of it as fromDate (toDate, if given, in the same month).' using errcode = 'CINVL';
    end if;
    if date_trunc('month', from_date)::date > app_hidden.business_date(v_clinic, now()) then
      raise exception 'The month of % has not started yet: only a month that has started can be summarised.', from_date
        using errcode = 'CINVL';
    end if;
    v_from := date_trunc('month', from_date)::date;
    v_to := (date_trunc('month', from_date) + interval '1 month - 1 day')::date;
  elsif from_date is null or to_date is null then
    raise exception 'Give the period: both fromDate and toDate.' using errcode = 'CINVL';
  elsif to_date < from_date or to_date - from_date > 3660 then
    raise exception 'Give a period of at most 3,661 days (about ten years): fromDate on or before toDate.' using errcode = 'CINVL';
  end if;
  insert into app_public.report_export (clinic_id, kind, from_date, to_date, invoice_id, requested_by)
  values (v_clinic, kind, v_from, v_to, request_export.invoice_id, app_public.current_user_id())
  returning * into v_export;
  perform graphile_worker.add_job('report_export__produce', json_build_object('clinicId', v_export.clinic_id, 'id', v_export.id),
    job_key := 'report_export:' || v_export.id, max_attempts := 3,
    -- behind those of the clinic's exports already waiting or running, beside other clinics' first ones
    priority := v_clinics::smallint);
  return v_export;
end;
$$;


ALTER FUNCTION app_public.request_export(kind app_public.export_kind, from_date date, to_date date, invoice_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION request_export(kind app_public.export_kind, from_date date, to_date date, invoice_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.request_export(kind app_public.export_kind, from_date date, to_date date, invoice_id uuid) IS 'Asks for an export file: a CSV of a period (fromDate, toDate), an invoice_pdf (invoiceId), a reconciliation_pdf (fromDate = the business day, one that has started) or a monthly_summary_pdf (fromDate = any day of a month that has started). What a kind does not take is INVALID_INPUT, not dropped: an invoiceId but for an invoice PDF, a period for an invoice PDF, a toDate other than the sheet''s day or outside the summary''s month. Follow its status and progress, then download it from /exports/<rowId>. At most 10 of one person''s exports, and 30 of the clinic''s, wait or run at once, and the clinic''s finished files not past their expiry take at most its export storage (the server''s EXPORT_STORAGE_PER_CLINIC_MB, 2048 MB by default, never more than app_private.export_storage_per_clinic_mb allows): LIMIT_EXCEEDED beyond (cancelExport frees a place among those in progress, deleteExport frees storage). Owners, admins and cashiers; audited.';


--
-- Name: reset_member_password(uuid, text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.reset_member_password(membership_id uuid, password text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_hash text;
  v_member app_public.membership;
  v_user app_public."user";
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can reset a member''s password.' using errcode = 'CFORB';
  end if;
  -- the password rule first, and bcrypt before any lock is held
  v_hash := app_private.hash_password(reset_member_password.password);
  -- held until commit, so the member's role, suspension or removal waits for the reset, and a change of
  -- them first is read as committed (an admin's reset of a doctor made an owner meanwhile is refused)
  select * into v_member from app_public.membership m
  where m.clinic_id = v_clinic and m.id = reset_member_password.membership_id for share;
  if v_member.id is null then
    raise exception 'No such member in this clinic.' using errcode = 'CNOTF';
  end if;
  if v_member.user_id = app_public.current_user_id() then
    raise exception 'Your own password you change yourself, giving the current one (POST /auth/password).' using errcode = 'CFORB';
  end if;
  if v_member.accepted_at is null then
    raise exception 'This person has not accepted the invitation: their account is not the clinic''s, and only the platform operator resets its password.'
      using errcode = 'CFORB';
  end if;
  if v_member.role = 'owner' then
    raise exception 'An owner''s password is reset by the platform operator alone.' using errcode = 'CFORB';
  end if;
  if v_member.role = 'admin' and not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner resets an admin''s password.' using errcode = 'CFORB';
  end if;
  -- as the operator's reset takes them (reset_password): the phone's lock, which an invitation to the person
  -- from any clinic takes (find_or_create_user), so one in flight is read below, committed, and a login at this
  -- moment is told to retry; then a password change's (replace_password): the secret, the account's row and
  -- the sessions' turn
  select * into v_user from app_public."user" u where u.id = v_member.user_id;
  perform pg_advisory_xact_lock(app_private.account_lock_key(v_user.phone));
  perform app_private.hold_for_new_password(v_user.id);
  select * into v_user from app_public."user" u where u.id = v_user.id;
  if v_user.is_platform_admin then
    raise exception 'This person is a platform administrator: only the platform operator resets their password.' using errcode = 'CFORB';
  end if;
  -- the reset hands whoever knows the new password the person's access everywhere: only where it is this clinic's alone
  if app_private.member_elsewhere(v_user.id, v_clinic) then
    raise exception 'This person also belongs to another clinic, or is invited to one: only the platform operator resets their password.'
      using errcode = 'CFORB';
  end if;
  return app_private.replace_password(v_user.id, v_hash, v_clinic, jsonb_build_object('by', 'resetMemberPassword', 'membershipId', v_member.id));
end;
$$;


ALTER FUNCTION app_public.reset_member_password(membership_id uuid, password text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION reset_member_password(membership_id uuid, password text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.reset_member_password(membership_id uuid, password text) IS 'Gives a member of the current clinic a new password, for one who forgot theirs; answers how many of their sessions it ended. Owners reset admins, doctors, receptionists and cashiers; admins reset doctors, receptionists and cashiers; never their own (POST /auth/password), an owner''s, a platform administrator''s, or that of a person who also belongs to another clinic or is invited to one (the platform operator resets those: npm run password), all FORBIDDEN; nor a pending invitation''s (FORBIDDEN: the account is not the clinic''s until the person accepts). The password follows the rule of every password (check_password); replaced by replace_password. The person must choose their own at their next chance (currentUserPasswordSetByHolder false: they answer no invitation before), every session of theirs ends, an account locked by wrong passwords is unlocked, and the reset is audited in the clinic''s chain (an update of user_secret by the caller, without the password or its hash, counting the sessions in the clinic it ended; those in no clinic in the platform''s chain, sessions_ended). NOT_FOUND for a membership not of the clinic, or removed.';


--
-- Name: restore_member(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.restore_member(membership_id uuid) RETURNS app_public.membership
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
  select app_private.restore(null::app_public.membership, app_public.current_clinic_id(), membership_id);
$$;


ALTER FUNCTION app_public.restore_member(membership_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION restore_member(membership_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.restore_member(membership_id uuid) IS 'Brings back a removed member of the current clinic, or an invitation the clinic withdrew (pending again); an invitation its person declined is FORBIDDEN. Owners and admins.';


--
-- Name: restore_patient(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.restore_patient(patient_id uuid) RETURNS app_public.patient
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can restore a patient.' using errcode = 'CFORB';
  end if;
  return app_private.restore(null::app_public.patient, app_public.current_clinic_id(), patient_id);
end;
$$;


ALTER FUNCTION app_public.restore_patient(patient_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION restore_patient(patient_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.restore_patient(patient_id uuid) IS 'Brings back a deleted patient. Owners and admins.';


--
-- Name: restore_service(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.restore_service(service_id uuid) RETURNS app_public.service
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
  select app_private.restore(null::app_public.service, app_public.current_clinic_id(), service_id);
$$;


ALTER FUNCTION app_public.restore_service(service_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION restore_service(service_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.restore_service(service_id uuid) IS 'Brings a deleted service back into the catalog. Owners and admins.';


--
-- Name: search_patients(text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.search_patients(query text) RETURNS SETOF app_public.patient
    LANGUAGE sql STABLE
    AS $$
  select p.* from (select * from app_hidden.patients_matching(query)
                   order by exact_code desc, last_name collate "und-x-icu", first_name collate "und-x-icu", patient_id) m
  cross join lateral (
    select p.* from app_public.patient p
    where p.clinic_id = (select app_public.current_clinic_id()) and p.id = m.patient_id and p.deleted_at is null
    offset 0) p
  order by m.exact_code desc, m.last_name collate "und-x-icu", m.first_name collate "und-x-icu", m.patient_id
$$;


ALTER FUNCTION app_public.search_patients(query text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION search_patients(query text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.search_patients(query text) IS 'Patients whose name, code or phone contains `query` (2 to 100 characters, any case; one of more than 1000 characters as typed is refused, INVALID_INPUT; a phone may be typed as people do, 0712 345 678 or +255 712…), exact code first (a code typed short, pat-12, or its number alone, 12 or 000012, is PAT-000012), then by name. Uses a trigram index per clinic, so it stays fast at a million patients and in a large clinic.';


--
-- Name: service_price_at(app_public.service, timestamp with time zone); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.service_price_at(service app_public.service, at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS numeric
    LANGUAGE sql STABLE
    AS $$
  select p.price from app_public.service_price p
  where p.clinic_id = service.clinic_id and p.service_id = service.id
    and p.effective_from <= coalesce(service_price_at.at, now())
    and (p.effective_to is null or p.effective_to > coalesce(service_price_at.at, now()))
  order by p.effective_from desc limit 1;
$$;


ALTER FUNCTION app_public.service_price_at(service app_public.service, at timestamp with time zone) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION service_price_at(service app_public.service, at timestamp with time zone); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.service_price_at(service app_public.service, at timestamp with time zone) IS '@behavior -filterBy -orderBy
The price of the service at a given time (now when left out).';


--
-- Name: verify_audit_chain(uuid); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.verify_audit_chain(clinic_id uuid DEFAULT NULL::uuid) RETURNS app_public.audit_chain_status
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := coalesce(verify_audit_chain.clinic_id, app_public.current_clinic_id());
begin
  if not (app_public.current_user_is_platform_admin()
          or (v_clinic = app_public.current_clinic_id() and app_hidden.current_role_in('owner', 'admin'))) then
    raise exception 'Only an owner or admin of the clinic may verify its audit chain.' using errcode = 'CFORB';
  end if;
  if v_clinic is not null and not exists (select 1 from app_public.clinic c where c.id = v_clinic) then
    raise exception 'No such clinic.' using errcode = 'CNOTF';
  end if;
  return app_private.audit_chain_status_of(v_clinic);
end;
$$;


ALTER FUNCTION app_public.verify_audit_chain(clinic_id uuid) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION verify_audit_chain(clinic_id uuid); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.verify_audit_chain(clinic_id uuid) IS 'Recomputes the audit chain of a clinic (default: the session''s; for a platform admin without one, the platform''s) and reports the first entry that was changed, removed or inserted behind the database''s back; an id that is no clinic is NOT_FOUND. A chain rewritten whole, every hash recomputed, passes this check; `npm run audit:verify` also compares it with the heads copied out of the database every hour. Owners and admins of the clinic, and platform admins.';


--
-- Name: visit_doctor_is_available(app_public.visit); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.visit_doctor_is_available(v app_public.visit) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select app_hidden.is_practising_doctor(v.clinic_id, v.doctor_id);
$$;


ALTER FUNCTION app_public.visit_doctor_is_available(v app_public.visit) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION visit_doctor_is_available(v app_public.visit); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.visit_doctor_is_available(v app_public.visit) IS '@behavior +filterBy -resource:aggregate
True while the visit''s doctor practises in the clinic: an active, not removed member with the doctor role who accepted the membership (as a new booking requires). False once they are removed, suspended or moved to another role: filter the visits still to come on false to give them to another doctor.';


--
-- Name: visit_doctor_name(app_public.visit); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.visit_doctor_name(v app_public.visit) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- the visit is read again as the session sees it, so a row made up by the caller (another doctor's
  -- visit, another clinic's) names no one; PL/pgSQL, so its plan is kept for the connection (decision 012). Its
  -- doctor was a member who had accepted when the visit was booked with them or given to them: pending now is
  -- someone invited again, still named
  return (
    select u.full_name
    from app_public.visit seen
    join app_public.membership m on m.clinic_id = seen.clinic_id and m.id = seen.doctor_id
    join app_public."user" u on u.id = m.user_id
    where seen.clinic_id = v.clinic_id and seen.id = v.id);
end;
$$;


ALTER FUNCTION app_public.visit_doctor_name(v app_public.visit) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION visit_doctor_name(v app_public.visit); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.visit_doctor_name(v app_public.visit) IS '@behavior -resource:aggregate -filterBy -orderBy
The name of the visit''s doctor, also once they have left the clinic (a removed member is hidden, so `doctor` is then null), and while the clinic invites them again (pending).';


--
-- Name: visit_patient_name(app_public.visit); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.visit_patient_name(v app_public.visit) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- the visit is read again as the session sees it, so a row made up by the caller names no one
  -- (as visit_doctor_name); PL/pgSQL, so its plan is kept for the connection (decision 012)
  return (
    select p.first_name || ' ' || p.last_name
    from app_public.visit seen join app_public.patient p on p.clinic_id = seen.clinic_id and p.id = seen.patient_id
    where seen.clinic_id = v.clinic_id and seen.id = v.id);
end;
$$;


ALTER FUNCTION app_public.visit_patient_name(v app_public.visit) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION visit_patient_name(v app_public.visit); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.visit_patient_name(v app_public.visit) IS '@behavior -resource:aggregate -filterBy -orderBy
The name of the visit''s patient, also once the patient is deleted (a deleted patient is hidden, so `patient` is then null).';


--
-- Name: visit_service; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.visit_service (
    clinic_id uuid DEFAULT app_public.current_clinic_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    visit_id uuid NOT NULL,
    service_id uuid NOT NULL,
    quantity integer DEFAULT 1 NOT NULL,
    unit_price numeric(16,3) NOT NULL,
    discount numeric(16,3) DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    line_total numeric(16,3) GENERATED ALWAYS AS ((((quantity)::numeric * unit_price) - discount)) STORED,
    "position" integer NOT NULL,
    version integer DEFAULT 0 NOT NULL,
    CONSTRAINT amounts_are_numbers CHECK ((('NaN'::numeric <> unit_price) AND ('NaN'::numeric <> discount))),
    CONSTRAINT visit_service_check CHECK (((quantity < 1) OR (unit_price < (0)::numeric) OR (discount <= ((quantity)::numeric * unit_price)))),
    CONSTRAINT visit_service_discount_check CHECK ((discount >= (0)::numeric)),
    CONSTRAINT visit_service_quantity_check CHECK (((quantity >= 1) AND (quantity <= 1000))),
    CONSTRAINT visit_service_unit_price_check CHECK ((unit_price >= (0)::numeric))
);

ALTER TABLE ONLY app_public.visit_service FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.visit_service OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE visit_service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.visit_service IS '@defaultOrderBy VISIT_ID_ASC,POSITION_ASC
A service given during a visit, with the unit price it had in the catalog at that moment. Listed by visit, and within a visit in the order the services were added.';


--
-- Name: COLUMN visit_service.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.clinic_id IS 'The clinic; always the session''s clinic.';


--
-- Name: COLUMN visit_service.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.id IS 'Internal identifier.';


--
-- Name: COLUMN visit_service.visit_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.visit_id IS 'The visit (of the same clinic).';


--
-- Name: COLUMN visit_service.service_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.service_id IS 'The service (of the same clinic, active, not deleted).';


--
-- Name: COLUMN visit_service.quantity; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.quantity IS 'How many (1 to 1000).';


--
-- Name: COLUMN visit_service.unit_price; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.unit_price IS 'Price of one unit when it was added: copied from the catalog by the database.';


--
-- Name: COLUMN visit_service.discount; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.discount IS 'Discount on this line in the clinic''s currency; at most quantity × unit price.';


--
-- Name: COLUMN visit_service.created_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.created_at IS 'When the service was added.';


--
-- Name: COLUMN visit_service.created_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.created_by IS 'Who added it.';


--
-- Name: COLUMN visit_service.updated_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.updated_at IS 'When the row last changed.';


--
-- Name: COLUMN visit_service.updated_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.updated_by IS 'User who last changed the row.';


--
-- Name: COLUMN visit_service.line_total; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.line_total IS 'Quantity × unit price − discount: what the service is worth in this visit.';


--
-- Name: COLUMN visit_service."position"; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service."position" IS '@behavior +orderBy -attribute:aggregate -attribute:aggregate:orderBy -attribute:aggregate:filterBy -attribute:groupBy -attribute:havingBy
The service''s place among its visit''s services, in the order they were added: one more than the last there when it was added.';


--
-- Name: COLUMN visit_service.version; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.visit_service.version IS '@behavior -*
How many times what this service bills (its quantity, discount) has changed: the version an invoice line made from it names (invoice_line.visit_service_version).';


--
-- Name: CONSTRAINT visit_service_check ON visit_service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT visit_service_check ON app_public.visit_service IS 'A service line''s discount is at most its amount (quantity × unit price); left to the quantity''s and the price''s own checks when either is not valid.';


--
-- Name: visit_service_billed(app_public.visit_service); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.visit_service_billed(visit_service app_public.visit_service) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- the service is read again as the session sees it, so a row made up by the caller (another doctor's
  -- visit, another clinic's) says nothing; PL/pgSQL, so its plan is kept for the connection (decision 012)
  return exists (
    select 1 from app_public.visit_service seen
    join app_private.visit_service_line l on l.clinic_id = seen.clinic_id and l.visit_service_id = seen.id
    join app_private.visit_bill b on b.clinic_id = l.clinic_id and b.invoice_id = l.invoice_id
    where seen.clinic_id = visit_service.clinic_id and seen.id = visit_service.id);
end;
$$;


ALTER FUNCTION app_public.visit_service_billed(visit_service app_public.visit_service) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION visit_service_billed(visit_service app_public.visit_service); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.visit_service_billed(visit_service app_public.visit_service) IS 'Whether a live invoice (a draft, issued, partially paid or paid: any but a void one) bills this service. While one does, its quantity and discount cannot change, nor can it be taken off the visit (CONFLICT), until billing takes its line off the draft or voids the invoice. Readable by every role that sees the visit, doctors included, who may not read invoices: it says nothing of the invoice.';


--
-- Name: visit_service_service_name(app_public.visit_service); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.visit_service_service_name(s app_public.visit_service) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
begin
  -- the line is read again as the session sees it, so a row made up by the caller (another doctor's
  -- visit, another clinic's) names nothing; PL/pgSQL, so its plan is kept for the connection (decision 012)
  return (
    select svc.name
    from app_public.visit_service seen
    join app_public.service svc on svc.clinic_id = seen.clinic_id and svc.id = seen.service_id
    where seen.clinic_id = s.clinic_id and seen.id = s.id);
end;
$$;


ALTER FUNCTION app_public.visit_service_service_name(s app_public.visit_service) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION visit_service_service_name(s app_public.visit_service); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.visit_service_service_name(s app_public.visit_service) IS '@behavior -resource:aggregate -filterBy -orderBy
The name of the service given, also once it has been deleted from the catalog (a deleted service is hidden, so `service` is then null).';


--
-- Name: void_invoice(uuid, text); Type: FUNCTION; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE FUNCTION app_public.void_invoice(invoice_id uuid, reason text) RETURNS app_public.invoice
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_invoice app_public.invoice;
begin
  -- the rule as it applies to whoever asks: a receptionist is told what her clinic would have to allow
  if not app_hidden.may_invoice() and app_hidden.current_role_in('receptionist') then
    raise exception 'A receptionist voids drafts only in a clinic that lets receptionists invoice, and this one does not.' using errcode = 'CFORB';
  elsif not app_hidden.may_invoice() then
    raise exception 'Only an owner, admin or cashier can void invoices (and a receptionist drafts, where the clinic lets receptionists invoice).' using errcode = 'CFORB';
  end if;
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to void an invoice.' using errcode = 'CINVL';
  end if;
  -- after the void in flight, if any
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = app_public.current_clinic_id() and i.id = void_invoice.invoice_id for update;
  if v_invoice.id is null then
    -- a receptionist's lock reaches drafts only (update_draft_billing): one she sees is not a draft
    select * into v_invoice from app_public.invoice i
    where i.clinic_id = app_public.current_clinic_id() and i.id = void_invoice.invoice_id;
  end if;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;
  -- the same void again (a double click, a retry), with the same reason: the invoice as it was voided
  if v_invoice.status = 'void' and v_invoice.void_reason = app_hidden.text_or_null(reason) then
    return v_invoice;
  end if;
  -- with another reason, whoever asks (tg_invoice__lifecycle's refusal, before a receptionist's is taken for an issued one's)
  if v_invoice.status = 'void' then
    raise exception 'A void invoice cannot change.' using errcode = 'CTRAN';
  end if;
  -- a receptionist the clinic lets invoice discards drafts; what was issued is the cashier's record
  if v_invoice.status <> 'draft' and not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can void an invoice once it is issued; you may void a draft.' using errcode = 'CFORB';
  end if;
  update app_public.invoice i set status = 'void', voided_at = now(), voided_by = app_public.current_user_id(), void_reason = app_hidden.text_or_null(reason)
  where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id
  returning * into v_invoice;
  return v_invoice;
end;
$$;


ALTER FUNCTION app_public.void_invoice(invoice_id uuid, reason text) OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION void_invoice(invoice_id uuid, reason text); Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION app_public.void_invoice(invoice_id uuid, reason text) IS 'Voids an invoice with a reason (its payments must have been refunded first); a void invoice keeps its number, so a draft made by mistake is voided, not deleted (numbers have no gaps). The same void again, with the same reason, answers the void invoice; with another reason it is INVALID_TRANSITION, whoever asks. Owners, admins and cashiers; receptionists the clinic lets invoice, drafts only.';


--
-- Name: granted_clinics(); Type: FUNCTION; Schema: reporting; Owner: :DATABASE_OWNER
--

CREATE FUNCTION reporting.granted_clinics() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
  select g.clinic_id from app_private.analyst_grant g where g.role_name = session_user;
$$;


ALTER FUNCTION reporting.granted_clinics() OWNER TO :DATABASE_OWNER;

--
-- Name: FUNCTION granted_clinics(); Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON FUNCTION reporting.granted_clinics() IS 'The clinics granted to the login role of this connection (session_user, which neither SET ROLE nor any setting changes).';


--
-- Name: clinic_time_zone; Type: TABLE; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE TABLE app_hidden.clinic_time_zone (
    clinic_id uuid NOT NULL,
    time_zone text NOT NULL
);

ALTER TABLE ONLY app_hidden.clinic_time_zone FORCE ROW LEVEL SECURITY;


ALTER TABLE app_hidden.clinic_time_zone OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE clinic_time_zone; Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_hidden.clinic_time_zone IS 'Each clinic''s time zone, kept by a trigger on clinic: what an API transaction sets as its TimeZone, read by the login role in the statement that opens it.';


--
-- Name: COLUMN clinic_time_zone.clinic_id; Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_hidden.clinic_time_zone.clinic_id IS 'The clinic.';


--
-- Name: COLUMN clinic_time_zone.time_zone; Type: COMMENT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_hidden.clinic_time_zone.time_zone IS 'Its IANA time zone, as app_public.clinic.timezone.';


--
-- Name: analyst_grant; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.analyst_grant (
    role_name name NOT NULL,
    clinic_id uuid NOT NULL,
    granted_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY app_private.analyst_grant FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.analyst_grant OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE analyst_grant; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.analyst_grant IS 'Which clinics each analyst login role may read through the reporting views.';


--
-- Name: COLUMN analyst_grant.role_name; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.analyst_grant.role_name IS 'The analyst''s PostgreSQL login role.';


--
-- Name: COLUMN analyst_grant.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.analyst_grant.clinic_id IS 'A clinic it may read.';


--
-- Name: COLUMN analyst_grant.granted_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.analyst_grant.granted_at IS 'When it was granted.';


--
-- Name: audit_anchor; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.audit_anchor (
    chain_id uuid NOT NULL,
    seq bigint NOT NULL,
    hash text NOT NULL,
    anchored_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY app_private.audit_anchor FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.audit_anchor OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE audit_anchor; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.audit_anchor IS 'The last head of each audit chain that the worker copied out of the database (audit_chain__anchor), so that it copies only the chains that moved since. The anchors themselves live outside the database, where whoever rewrites the chain cannot rewrite them too.';


--
-- Name: COLUMN audit_anchor.chain_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.audit_anchor.chain_id IS 'Clinic id, or the nil uuid for the platform chain (as audit_chain_head).';


--
-- Name: COLUMN audit_anchor.seq; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.audit_anchor.seq IS 'seq of the chain''s last anchored entry.';


--
-- Name: COLUMN audit_anchor.hash; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.audit_anchor.hash IS 'hash of that entry when it was anchored.';


--
-- Name: COLUMN audit_anchor.anchored_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.audit_anchor.anchored_at IS 'When it was copied out.';


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
-- Name: daily_money; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.daily_money (
    clinic_id uuid NOT NULL,
    business_date date NOT NULL,
    method app_public.payment_method NOT NULL,
    amount numeric(20,3) DEFAULT 0 NOT NULL,
    movements integer DEFAULT 0 NOT NULL
);

ALTER TABLE ONLY app_private.daily_money FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.daily_money OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE daily_money; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.daily_money IS 'Payments minus refunds per clinic, business day and method (dashboard rollup).';


--
-- Name: COLUMN daily_money.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_money.clinic_id IS 'The clinic.';


--
-- Name: COLUMN daily_money.business_date; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_money.business_date IS 'The business day.';


--
-- Name: COLUMN daily_money.method; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_money.method IS 'The tender.';


--
-- Name: COLUMN daily_money.amount; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_money.amount IS 'Payments minus refunds.';


--
-- Name: COLUMN daily_money.movements; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_money.movements IS 'How many payments and refunds were recorded that day in that method (a method corrected away leaves 0): the dashboard lists the methods with any.';


--
-- Name: daily_patients; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.daily_patients (
    clinic_id uuid NOT NULL,
    local_date date NOT NULL,
    patients integer DEFAULT 0 NOT NULL
);

ALTER TABLE ONLY app_private.daily_patients FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.daily_patients OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE daily_patients; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.daily_patients IS 'Patients registered per clinic and local day (dashboard rollup; later deletions do not unregister them).';


--
-- Name: COLUMN daily_patients.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_patients.clinic_id IS 'The clinic.';


--
-- Name: COLUMN daily_patients.local_date; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_patients.local_date IS 'The clinic''s local date of registration.';


--
-- Name: COLUMN daily_patients.patients; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_patients.patients IS 'How many were registered.';


--
-- Name: daily_services; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.daily_services (
    clinic_id uuid NOT NULL,
    local_date date NOT NULL,
    service_id uuid NOT NULL,
    quantity numeric(20,3) DEFAULT 0 NOT NULL,
    amount numeric(20,3) DEFAULT 0 NOT NULL
);

ALTER TABLE ONLY app_private.daily_services FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.daily_services OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE daily_services; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.daily_services IS 'Invoice lines of catalog services per clinic, local day of the invoice''s creation and service, void invoices left out (dashboard rollup).';


--
-- Name: COLUMN daily_services.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_services.clinic_id IS 'The clinic.';


--
-- Name: COLUMN daily_services.local_date; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_services.local_date IS 'The clinic''s local date of the invoice''s creation.';


--
-- Name: COLUMN daily_services.service_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_services.service_id IS 'The catalog service.';


--
-- Name: COLUMN daily_services.quantity; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_services.quantity IS 'Quantity invoiced.';


--
-- Name: COLUMN daily_services.amount; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_services.amount IS 'Line totals invoiced (after discount, with tax).';


--
-- Name: daily_visits; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.daily_visits (
    clinic_id uuid NOT NULL,
    local_date date NOT NULL,
    status app_public.visit_status NOT NULL,
    doctor_id uuid NOT NULL,
    visits integer DEFAULT 0 NOT NULL,
    completed_value numeric(20,3) DEFAULT 0 NOT NULL
);

ALTER TABLE ONLY app_private.daily_visits FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.daily_visits OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE daily_visits; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.daily_visits IS 'Visits per clinic, local day of scheduled_at, status and doctor (dashboard rollup).';


--
-- Name: COLUMN daily_visits.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_visits.clinic_id IS 'The clinic.';


--
-- Name: COLUMN daily_visits.local_date; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_visits.local_date IS 'The clinic''s local date of scheduled_at.';


--
-- Name: COLUMN daily_visits.status; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_visits.status IS 'The visits'' status.';


--
-- Name: COLUMN daily_visits.doctor_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_visits.doctor_id IS 'The doctor (membership).';


--
-- Name: COLUMN daily_visits.visits; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_visits.visits IS 'How many.';


--
-- Name: COLUMN daily_visits.completed_value; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.daily_visits.completed_value IS 'For completed visits, the value of their services (quantity × unit price − discount); 0 for other statuses.';


--
-- Name: deleted_invoice_line_key; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.deleted_invoice_line_key (
    clinic_id uuid NOT NULL,
    idempotency_key text NOT NULL,
    invoice_id uuid NOT NULL,
    deleted_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY app_private.deleted_invoice_line_key FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.deleted_invoice_line_key OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE deleted_invoice_line_key; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.deleted_invoice_line_key IS 'The idempotency key of each invoice line deleted (from its draft), kept by a trigger on invoice lines: create_invoice_line refuses it (CONFLICT) instead of adding the line again.';


--
-- Name: COLUMN deleted_invoice_line_key.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.deleted_invoice_line_key.clinic_id IS 'The clinic.';


--
-- Name: COLUMN deleted_invoice_line_key.idempotency_key; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.deleted_invoice_line_key.idempotency_key IS 'The key the deleted line was added with, as invoice_line.idempotency_key.';


--
-- Name: COLUMN deleted_invoice_line_key.invoice_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.deleted_invoice_line_key.invoice_id IS 'The invoice the line was deleted from: the key is told deleted only to whoever sees it.';


--
-- Name: COLUMN deleted_invoice_line_key.deleted_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.deleted_invoice_line_key.deleted_at IS 'When the line was deleted.';


--
-- Name: export_storage; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.export_storage (
    only_row boolean DEFAULT true NOT NULL,
    most_mb bigint NOT NULL,
    CONSTRAINT export_storage_most_mb_check CHECK (((most_mb >= 1) AND (most_mb <= 1048576))),
    CONSTRAINT export_storage_only_row_check CHECK (only_row)
);

ALTER TABLE ONLY app_private.export_storage FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.export_storage OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE export_storage; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.export_storage IS 'The most export storage a clinic may have (one row, or none: 2048 MB), which the per-transaction setting clinicops.export_storage_per_clinic_mb only lowers (export_storage_per_clinic_mb): written as the owner role by every start of the API server (server/main.ts, through db/export-storage.ts: npm start, npm run dev) with its EXPORT_STORAGE_PER_CLINIC_MB, so the last server started sets it for every server of the database (the worker writes nothing), out of any session''s reach.';


--
-- Name: COLUMN export_storage.only_row; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.export_storage.only_row IS 'Always true: the table has one row at most.';


--
-- Name: COLUMN export_storage.most_mb; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.export_storage.most_mb IS 'The server''s EXPORT_STORAGE_PER_CLINIC_MB at its last start, in MB of 1,048,576 bytes.';


--
-- Name: login_device; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.login_device (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    secret_hash bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_login_at timestamp with time zone DEFAULT now() NOT NULL,
    failed_login_count integer DEFAULT 0 NOT NULL,
    first_failed_login_at timestamp with time zone
);

ALTER TABLE ONLY app_private.login_device FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.login_device OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE login_device; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.login_device IS 'The browsers (devices) each account logged in from with the password it has now, as their device cookies name them: a login presenting the cookie of one of them is judged by that device, not refused by the address throttle nor the account''s lock (app_private.trusted_device), until the 5th of its own failures since its last login deletes it. At most 10 an account, none unused for 90 days; a password given anew forgets them (replace_password), but the device its holder changed it from (change_password).';


--
-- Name: COLUMN login_device.id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_device.id IS 'The device.';


--
-- Name: COLUMN login_device.user_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_device.user_id IS 'The account whose logins the device''s cookie is for.';


--
-- Name: COLUMN login_device.secret_hash; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_device.secret_hash IS 'The SHA-256 of the secret in the device''s cookie (the secret itself is kept by the browser alone), made anew at each login with it.';


--
-- Name: COLUMN login_device.created_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_device.created_at IS 'When the account first logged in from the device.';


--
-- Name: COLUMN login_device.last_login_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_device.last_login_at IS 'When the account last logged in from the device: one not logged in from for 90 days is trusted no longer, and deleted at the account''s next login.';


--
-- Name: COLUMN login_device.failed_login_count; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_device.failed_login_count IS 'Wrong passwords given with the device''s cookie (a login''s, or a password change''s current one) since its last login or password change: the 5th deletes the device.';


--
-- Name: COLUMN login_device.first_failed_login_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_device.first_failed_login_at IS 'When the first of failed_login_count was given (null for none).';


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
-- Name: login_network; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.login_network (
    user_id uuid NOT NULL,
    network inet NOT NULL,
    last_login_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY app_private.login_network FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.login_network OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE login_network; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.login_network IS 'The networks each account logged in from (a login that opened a session) with the password it has now, the last 30 days of them: a login with the right password from one of them is let through the account''s lock (app_private.logged_in_from), which is there to keep out guesses made elsewhere. A password given anew forgets them (replace_password), but the network its holder changed it from (change_password).';


--
-- Name: COLUMN login_network.user_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_network.user_id IS 'The account.';


--
-- Name: COLUMN login_network.network; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_network.network IS 'The client''s address (IPv4), or its /64 network (IPv6), as the address throttle counts it (app_hidden.throttled_network).';


--
-- Name: COLUMN login_network.last_login_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.login_network.last_login_at IS 'When the account last logged in from it.';


--
-- Name: patient_search; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.patient_search (
    clinic_id uuid NOT NULL,
    patient_id uuid NOT NULL,
    search_text text NOT NULL,
    code text NOT NULL,
    last_name text NOT NULL,
    first_name text NOT NULL,
    date_of_birth date,
    deleted boolean DEFAULT false NOT NULL
);

ALTER TABLE ONLY app_private.patient_search FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.patient_search OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE patient_search; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.patient_search IS 'The searchable text and the sort keys of each patient (copies kept by a trigger), indexed by trigrams per clinic for search_patients.';


--
-- Name: COLUMN patient_search.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.patient_search.clinic_id IS 'The clinic.';


--
-- Name: COLUMN patient_search.patient_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.patient_search.patient_id IS 'The patient.';


--
-- Name: COLUMN patient_search.search_text; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.patient_search.search_text IS 'The patient''s names, code and phone as search_patients matches them: search_key of patient.search_text (lower case, without accents), then each name without its hyphens, apostrophes and dots where that differs (name_unpunctuated).';


--
-- Name: COLUMN patient_search.code; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.patient_search.code IS 'The patient''s code, as patient.code (exact code matches come first).';


--
-- Name: COLUMN patient_search.last_name; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.patient_search.last_name IS 'The patient''s last name, as patient.last_name (the order of matches).';


--
-- Name: COLUMN patient_search.first_name; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.patient_search.first_name IS 'The patient''s first name, as patient.first_name (the order of matches).';


--
-- Name: COLUMN patient_search.date_of_birth; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.patient_search.date_of_birth IS 'The patient''s date of birth, as patient.date_of_birth (the duplicate warning''s names are looked up by it).';


--
-- Name: COLUMN patient_search.deleted; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.patient_search.deleted IS 'Whether the patient is deleted (patient.deleted_at is set): the search leaves them out of its candidates (patients_matching).';


--
-- Name: reinvitation; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.reinvitation (
    clinic_id uuid NOT NULL,
    id bigint NOT NULL,
    membership_id uuid NOT NULL,
    invited_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY app_private.reinvitation FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.reinvitation OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE reinvitation; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.reinvitation IS 'Each invitation again of someone the clinic removed (invite_again), kept for the hour of invite_member''s limit (memberships_added_lately counts them); older ones are pruned by the clinic''s next invitation again.';


--
-- Name: COLUMN reinvitation.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.reinvitation.clinic_id IS 'The clinic that invited.';


--
-- Name: COLUMN reinvitation.id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.reinvitation.id IS 'The invitation again.';


--
-- Name: COLUMN reinvitation.membership_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.reinvitation.membership_id IS 'The membership of before the person was asked again on.';


--
-- Name: COLUMN reinvitation.invited_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.reinvitation.invited_at IS 'When they were asked again.';


--
-- Name: reinvitation_id_seq; Type: SEQUENCE; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.reinvitation ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.reinvitation_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: secret_key; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.secret_key (
    purpose text NOT NULL,
    key bytea DEFAULT (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT secret_key_purpose_check CHECK ((purpose = ANY (ARRAY['live_queue'::text, 'account_lock'::text])))
);

ALTER TABLE ONLY app_private.secret_key FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.secret_key OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE secret_key; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.secret_key IS 'The database''s secrets, one per purpose, which only the owner reads: live_queue names the clinics'' live queue channels (visit_queue_channel), account_lock the advisory locks of accounts and of their sessions'' turns (secret_lock_key). A new key (update … set key = default where purpose = …) renames every channel, and the subscriptions made before are told to subscribe again (_700_notify_visit_queue); an account_lock key is changed safely only while no account is being made nor any session opened.';


--
-- Name: COLUMN secret_key.purpose; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.secret_key.purpose IS 'What the key is for: live_queue or account_lock.';


--
-- Name: COLUMN secret_key.key; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.secret_key.key IS '32 bytes from gen_random_uuid''s strong random source (two uuids; 244 random bits).';


--
-- Name: COLUMN secret_key.created_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.secret_key.created_at IS 'When the key was made.';


--
-- Name: upgrade_warning; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.upgrade_warning (
    id bigint NOT NULL,
    migration text NOT NULL,
    message text NOT NULL,
    raised_at timestamp with time zone DEFAULT now() NOT NULL,
    shown_at timestamp with time zone
);

ALTER TABLE ONLY app_private.upgrade_warning FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.upgrade_warning OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE upgrade_warning; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.upgrade_warning IS 'What a migration found that needs an operator (phones it could not correct, say): the next start logs each warning once.';


--
-- Name: COLUMN upgrade_warning.id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.upgrade_warning.id IS 'In the order raised.';


--
-- Name: COLUMN upgrade_warning.migration; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.upgrade_warning.migration IS 'The migration that raised it (000086).';


--
-- Name: COLUMN upgrade_warning.message; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.upgrade_warning.message IS 'What was found and what to do, with the page of docs/ that tells how.';


--
-- Name: COLUMN upgrade_warning.raised_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.upgrade_warning.raised_at IS 'When the migration ran.';


--
-- Name: COLUMN upgrade_warning.shown_at; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.upgrade_warning.shown_at IS 'When a start logged it (each warning is logged once), null until then.';


--
-- Name: upgrade_warning_id_seq; Type: SEQUENCE; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.upgrade_warning ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.upgrade_warning_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: user_secret; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.user_secret (
    user_id uuid NOT NULL,
    password_hash text NOT NULL,
    failed_login_count integer DEFAULT 0 NOT NULL,
    first_failed_login_at timestamp with time zone,
    locked_until timestamp with time zone,
    last_login_at timestamp with time zone,
    password_set_by_holder boolean DEFAULT false NOT NULL,
    password_given_by_clinic uuid
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

COMMENT ON COLUMN app_private.user_secret.password_hash IS 'The password''s hash (password_hash_of: sha256$ and a bcrypt of its SHA-256; before 000154 a bcrypt of the password itself, whose first 72 bytes count until the password is changed); never leaves the database.';


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
-- Name: COLUMN user_secret.password_set_by_holder; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.user_secret.password_set_by_holder IS 'Whether the account''s holder set its password (change_password), rather than whoever made the account or reset it (find_or_create_user, create_platform_admin): until then it answers no invitation.';


--
-- Name: COLUMN user_secret.password_given_by_clinic; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.user_secret.password_given_by_clinic IS 'The clinic whose owner or admin last gave the account its password (reset_member_password), null once the platform operator has reset it (npm run password, npm run superuser) or for none: while set, the account joins no other clinic (tg_membership__kept_to_the_resetting_clinic), as that clinic may log in as it, whatever password it changes to.';


--
-- Name: visit_bill; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.visit_bill (
    clinic_id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    visit_id uuid NOT NULL,
    code text NOT NULL,
    status app_public.invoice_status NOT NULL
);

ALTER TABLE ONLY app_private.visit_bill FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.visit_bill OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE visit_bill; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.visit_bill IS 'Each live invoice (not void) made from a visit, kept by a trigger on invoices: what tg_visit__billed_kept reads, whoever changes the visit.';


--
-- Name: COLUMN visit_bill.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.visit_bill.clinic_id IS 'The clinic.';


--
-- Name: COLUMN visit_bill.invoice_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.visit_bill.invoice_id IS 'The invoice.';


--
-- Name: COLUMN visit_bill.visit_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.visit_bill.visit_id IS 'The visit it bills.';


--
-- Name: COLUMN visit_bill.code; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.visit_bill.code IS 'The invoice''s code, as invoice.code.';


--
-- Name: COLUMN visit_bill.status; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.visit_bill.status IS 'The invoice''s status, as invoice.status (never void: a void invoice has no row).';


--
-- Name: visit_service_line; Type: TABLE; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TABLE app_private.visit_service_line (
    clinic_id uuid NOT NULL,
    invoice_line_id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    visit_service_id uuid NOT NULL
);

ALTER TABLE ONLY app_private.visit_service_line FORCE ROW LEVEL SECURITY;


ALTER TABLE app_private.visit_service_line OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE visit_service_line; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_private.visit_service_line IS 'Each invoice line that bills a visit''s service (its invoice void or not), kept by a trigger on invoice lines: what visit_service_billed reads, with visit_bill, whoever asks.';


--
-- Name: COLUMN visit_service_line.clinic_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.visit_service_line.clinic_id IS 'The clinic.';


--
-- Name: COLUMN visit_service_line.invoice_line_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.visit_service_line.invoice_line_id IS 'The invoice line.';


--
-- Name: COLUMN visit_service_line.invoice_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.visit_service_line.invoice_id IS 'The line''s invoice.';


--
-- Name: COLUMN visit_service_line.visit_service_id; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_private.visit_service_line.visit_service_id IS 'The visit''s service the line bills, as invoice_line.visit_service_id.';


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: app_public; Owner: :DATABASE_AUDITOR
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
-- Name: money_movement; Type: VIEW; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE VIEW app_public.money_movement WITH (security_invoker='true') AS
 SELECT p.clinic_id,
    'payment'::text AS kind,
    p.id AS movement_id,
    p.id AS payment_id,
    p.invoice_id,
    i.doctor_id,
    p.business_date,
    p.method,
    p.amount,
    p.code,
    p.received_at AS moved_at,
    p.received_by AS moved_by,
    p.reference AS note
   FROM (app_public.payment p
     JOIN app_public.invoice i ON (((i.clinic_id = p.clinic_id) AND (i.id = p.invoice_id))))
UNION ALL
 SELECT r.clinic_id,
    'refund'::text AS kind,
    r.id AS movement_id,
    r.payment_id,
    r.invoice_id,
    i.doctor_id,
    r.business_date,
    r.method,
    (- r.amount) AS amount,
    r.code,
    r.refunded_at AS moved_at,
    r.refunded_by AS moved_by,
    r.reason AS note
   FROM (app_public.refund r
     JOIN app_public.invoice i ON (((i.clinic_id = r.clinic_id) AND (i.id = r.invoice_id))));


ALTER TABLE app_public.money_movement OWNER TO :DATABASE_OWNER;

--
-- Name: VIEW money_movement; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON VIEW app_public.money_movement IS '@behavior +connection -list
@primaryKey clinic_id,kind,movement_id
@defaultOrderBy MOVED_AT_ASC,CODE_ASC
@foreignKey (clinic_id,invoice_id) references app_public.invoice (clinic_id,id)|@fieldName invoice|@foreignFieldName moneyMovements
@foreignKey (clinic_id,payment_id) references app_public.payment (clinic_id,id)|@fieldName payment|@foreignFieldName moneyMovements
Every payment (positive) and refund (negative) with its business day, method, code, time and the invoice''s doctor: sum `amount` for net revenue, list them for a cash-up (in the order the money moved, page after page). Visible to those who handle money.';


--
-- Name: COLUMN money_movement.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.clinic_id IS '@behavior +groupBy +filterBy +orderBy
The clinic.';


--
-- Name: COLUMN money_movement.kind; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.kind IS '@behavior +groupBy +filterBy +orderBy
payment or refund.';


--
-- Name: COLUMN money_movement.movement_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.movement_id IS 'The payment''s or the refund''s id.';


--
-- Name: COLUMN money_movement.payment_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.payment_id IS 'The payment (a refund''s payment).';


--
-- Name: COLUMN money_movement.invoice_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.invoice_id IS '@behavior +groupBy +filterBy
The invoice.';


--
-- Name: COLUMN money_movement.doctor_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.doctor_id IS '@behavior +groupBy +filterBy +orderBy
The doctor of the invoiced visit, if any.';


--
-- Name: COLUMN money_movement.business_date; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.business_date IS '@behavior +groupBy +filterBy +orderBy
The clinic''s business day it counts on.';


--
-- Name: COLUMN money_movement.method; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.method IS '@behavior +groupBy +filterBy +orderBy
The tender.';


--
-- Name: COLUMN money_movement.amount; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.amount IS '@behavior +filterBy +orderBy
Positive for a payment, negative for a refund.';


--
-- Name: COLUMN money_movement.code; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.code IS '@behavior +filterBy +orderBy
The payment''s or the refund''s code (PAY-000001, REF-000001).';


--
-- Name: COLUMN money_movement.moved_at; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.moved_at IS '@behavior +filterBy +orderBy
When the payment was received or the refund made.';


--
-- Name: COLUMN money_movement.moved_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.moved_by IS '@behavior +groupBy +filterBy
Who received the payment or made the refund (their user id).';


--
-- Name: COLUMN money_movement.note; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.money_movement.note IS 'The payment''s reference, or why the refund was made.';


--
-- Name: service_price; Type: TABLE; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TABLE app_public.service_price (
    clinic_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    service_id uuid NOT NULL,
    price numeric(16,3) NOT NULL,
    effective_from timestamp with time zone NOT NULL,
    effective_to timestamp with time zone,
    changed_by uuid,
    CONSTRAINT price_is_a_number CHECK ((price <> 'NaN'::numeric)),
    CONSTRAINT service_price_check1 CHECK (((effective_to IS NULL) OR (effective_to >= effective_from))),
    CONSTRAINT service_price_price_check CHECK ((price >= (0)::numeric))
);

ALTER TABLE ONLY app_public.service_price FORCE ROW LEVEL SECURITY;


ALTER TABLE app_public.service_price OWNER TO :DATABASE_OWNER;

--
-- Name: TABLE service_price; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TABLE app_public.service_price IS '@behavior -insert -update -delete
@defaultOrderBy SERVICE_ID_ASC,EFFECTIVE_FROM_ASC
The price history of a service, written by the database whenever the price changes; listed in the order the prices took effect.';


--
-- Name: COLUMN service_price.clinic_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service_price.clinic_id IS 'The clinic.';


--
-- Name: COLUMN service_price.id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service_price.id IS 'Internal identifier.';


--
-- Name: COLUMN service_price.service_id; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service_price.service_id IS 'The service.';


--
-- Name: COLUMN service_price.price; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service_price.price IS 'The price in force between effective_from and effective_to.';


--
-- Name: COLUMN service_price.effective_from; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service_price.effective_from IS 'From when this price applied.';


--
-- Name: COLUMN service_price.effective_to; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service_price.effective_to IS 'Until when it applied; null for the current price.';


--
-- Name: COLUMN service_price.changed_by; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN app_public.service_price.changed_by IS 'Who set this price.';


--
-- Name: payments; Type: VIEW; Schema: reporting; Owner: :DATABASE_OWNER
--

CREATE VIEW reporting.payments WITH (security_barrier='true') AS
 WITH granted AS MATERIALIZED (
         SELECT movement.clinic_id,
            movement.clinic_name,
            movement.kind,
            movement.code,
            movement.invoice_code,
            movement.method,
            movement.amount,
            movement.happened_at,
            movement.business_date,
            movement.currency
           FROM ( SELECT p.clinic_id,
                    c.name AS clinic_name,
                    'payment'::text AS kind,
                    p.code,
                    i.code AS invoice_code,
                    p.method,
                    p.amount,
                    p.received_at AS happened_at,
                    p.business_date,
                    i.currency
                   FROM ((app_public.payment p
                     JOIN app_public.clinic c ON ((c.id = p.clinic_id)))
                     JOIN app_public.invoice i ON (((i.clinic_id = p.clinic_id) AND (i.id = p.invoice_id))))
                  WHERE (p.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics))
                UNION ALL
                 SELECT r.clinic_id,
                    c.name,
                    'refund'::text AS text,
                    r.code,
                    i.code,
                    r.method,
                    (- r.amount),
                    r.refunded_at,
                    r.business_date,
                    i.currency
                   FROM ((app_public.refund r
                     JOIN app_public.clinic c ON ((c.id = r.clinic_id)))
                     JOIN app_public.invoice i ON (((i.clinic_id = r.clinic_id) AND (i.id = r.invoice_id))))
                  WHERE (r.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics))) movement
        )
 SELECT granted.clinic_id,
    granted.clinic_name,
    granted.kind,
    granted.code,
    granted.invoice_code,
    granted.method,
    granted.amount,
    granted.happened_at,
    granted.business_date,
    granted.currency
   FROM granted;


ALTER TABLE reporting.payments OWNER TO :DATABASE_OWNER;

--
-- Name: VIEW payments; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON VIEW reporting.payments IS 'Every payment (positive amount) and refund (negative amount), on its business day.';


--
-- Name: COLUMN payments.clinic_id; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.payments.clinic_id IS 'The clinic.';


--
-- Name: COLUMN payments.clinic_name; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.payments.clinic_name IS 'The clinic''s name.';


--
-- Name: COLUMN payments.kind; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.payments.kind IS 'payment or refund.';


--
-- Name: COLUMN payments.code; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.payments.code IS 'PAY-… or REF-… code.';


--
-- Name: COLUMN payments.invoice_code; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.payments.invoice_code IS 'The invoice.';


--
-- Name: COLUMN payments.method; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.payments.method IS 'cash, card, bank_transfer, mobile_money or insurance.';


--
-- Name: COLUMN payments.amount; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.payments.amount IS 'Positive for a payment, negative for a refund.';


--
-- Name: COLUMN payments.happened_at; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.payments.happened_at IS 'When the money moved.';


--
-- Name: COLUMN payments.business_date; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.payments.business_date IS 'The clinic''s business day it counts on.';


--
-- Name: COLUMN payments.currency; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.payments.currency IS 'ISO 4217 currency of the amount (its invoice''s).';


--
-- Name: daily_revenue; Type: VIEW; Schema: reporting; Owner: :DATABASE_OWNER
--

CREATE VIEW reporting.daily_revenue WITH (security_barrier='true') AS
 SELECT p.clinic_id,
    p.clinic_name,
    p.business_date,
    p.method,
    COALESCE(sum(p.amount) FILTER (WHERE (p.kind = 'payment'::text)), 0.000) AS payments,
    COALESCE((- sum(p.amount) FILTER (WHERE (p.kind = 'refund'::text))), 0.000) AS refunds,
    sum(p.amount) AS net,
    p.currency
   FROM reporting.payments p
  GROUP BY p.clinic_id, p.clinic_name, p.business_date, p.method, p.currency;


ALTER TABLE reporting.daily_revenue OWNER TO :DATABASE_OWNER;

--
-- Name: VIEW daily_revenue; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON VIEW reporting.daily_revenue IS 'Per clinic, business day and method: payments, refunds and net revenue.';


--
-- Name: COLUMN daily_revenue.clinic_id; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.daily_revenue.clinic_id IS 'The clinic.';


--
-- Name: COLUMN daily_revenue.clinic_name; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.daily_revenue.clinic_name IS 'The clinic''s name.';


--
-- Name: COLUMN daily_revenue.business_date; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.daily_revenue.business_date IS 'The business day.';


--
-- Name: COLUMN daily_revenue.method; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.daily_revenue.method IS 'The tender.';


--
-- Name: COLUMN daily_revenue.payments; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.daily_revenue.payments IS 'Payments received (0 on a day and method with only refunds).';


--
-- Name: COLUMN daily_revenue.refunds; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.daily_revenue.refunds IS 'Refunds given (positive).';


--
-- Name: COLUMN daily_revenue.net; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.daily_revenue.net IS 'payments − refunds.';


--
-- Name: COLUMN daily_revenue.currency; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.daily_revenue.currency IS 'ISO 4217 currency of the amounts: sum a period''s revenue per currency.';


--
-- Name: invoices; Type: VIEW; Schema: reporting; Owner: :DATABASE_OWNER
--

CREATE VIEW reporting.invoices WITH (security_barrier='true') AS
 WITH granted AS MATERIALIZED (
         SELECT i.clinic_id,
            c.name AS clinic_name,
            i.code,
            i.status,
            i.currency,
            i.subtotal,
            i.discount_total,
            i.tax_total,
            i.total,
            i.amount_paid,
            i.balance,
            i.issued_at,
            i.voided_at,
            i.void_reason,
            p.code AS patient_code,
            v.code AS visit_code,
            ((i.created_at AT TIME ZONE c.timezone))::date AS created_on,
            ((i.issued_at AT TIME ZONE c.timezone))::date AS issued_on
           FROM (((app_public.invoice i
             JOIN app_public.clinic c ON ((c.id = i.clinic_id)))
             JOIN app_public.patient p ON (((p.clinic_id = i.clinic_id) AND (p.id = i.patient_id))))
             LEFT JOIN app_public.visit v ON (((v.clinic_id = i.clinic_id) AND (v.id = i.visit_id))))
          WHERE (i.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics))
        )
 SELECT granted.clinic_id,
    granted.clinic_name,
    granted.code,
    granted.status,
    granted.currency,
    granted.subtotal,
    granted.discount_total,
    granted.tax_total,
    granted.total,
    granted.amount_paid,
    granted.balance,
    granted.issued_at,
    granted.voided_at,
    granted.void_reason,
    granted.patient_code,
    granted.visit_code,
    granted.created_on,
    granted.issued_on
   FROM granted;


ALTER TABLE reporting.invoices OWNER TO :DATABASE_OWNER;

--
-- Name: VIEW invoices; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON VIEW reporting.invoices IS 'One row per invoice with its totals, amount paid and balance.';


--
-- Name: COLUMN invoices.clinic_id; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.clinic_id IS 'The clinic.';


--
-- Name: COLUMN invoices.clinic_name; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.clinic_name IS 'The clinic''s name.';


--
-- Name: COLUMN invoices.code; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.code IS 'Invoice number (INV-…).';


--
-- Name: COLUMN invoices.status; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.status IS 'draft, issued, partially_paid, paid or void.';


--
-- Name: COLUMN invoices.currency; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.currency IS 'ISO 4217 currency of the amounts.';


--
-- Name: COLUMN invoices.subtotal; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.subtotal IS 'Sum of quantity × unit price.';


--
-- Name: COLUMN invoices.discount_total; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.discount_total IS 'Sum of discounts.';


--
-- Name: COLUMN invoices.tax_total; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.tax_total IS 'Sum of tax.';


--
-- Name: COLUMN invoices.total; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.total IS 'subtotal − discounts + tax.';


--
-- Name: COLUMN invoices.amount_paid; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.amount_paid IS 'Payments minus refunds.';


--
-- Name: COLUMN invoices.balance; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.balance IS 'What is still owed; 0 once void.';


--
-- Name: COLUMN invoices.issued_at; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.issued_at IS 'When it was issued.';


--
-- Name: COLUMN invoices.voided_at; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.voided_at IS 'When it was voided.';


--
-- Name: COLUMN invoices.void_reason; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.void_reason IS 'Why it was voided.';


--
-- Name: COLUMN invoices.patient_code; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.patient_code IS 'The patient''s code.';


--
-- Name: COLUMN invoices.visit_code; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.visit_code IS 'The visit it bills, if any.';


--
-- Name: COLUMN invoices.created_on; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.created_on IS 'The clinic''s day the invoice was made (on its clock), as the invoices CSV''s period counts it.';


--
-- Name: COLUMN invoices.issued_on; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.invoices.issued_on IS 'The clinic''s day it was issued (on its clock); null for a draft.';


--
-- Name: reconciliations; Type: VIEW; Schema: reporting; Owner: :DATABASE_OWNER
--

CREATE VIEW reporting.reconciliations WITH (security_barrier='true') AS
 WITH granted AS MATERIALIZED (
         SELECT d.clinic_id,
            c.name AS clinic_name,
            d.business_date,
            d.status,
            d.expected_cash,
            d.expected_card,
            d.expected_bank_transfer,
            d.expected_mobile_money,
            d.expected_insurance,
            d.expected_total,
            d.counted_total,
            d.cash_difference,
            d.difference,
            d.notes,
            d.closed_at,
            d.reopened_at,
            d.reopen_reason,
            c.currency
           FROM (app_public.daily_reconciliation d
             JOIN app_public.clinic c ON ((c.id = d.clinic_id)))
          WHERE (d.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics))
        )
 SELECT granted.clinic_id,
    granted.clinic_name,
    granted.business_date,
    granted.status,
    granted.expected_cash,
    granted.expected_card,
    granted.expected_bank_transfer,
    granted.expected_mobile_money,
    granted.expected_insurance,
    granted.expected_total,
    granted.counted_total,
    granted.cash_difference,
    granted.difference,
    granted.notes,
    granted.closed_at,
    granted.reopened_at,
    granted.reopen_reason,
    granted.currency
   FROM granted;


ALTER TABLE reporting.reconciliations OWNER TO :DATABASE_OWNER;

--
-- Name: VIEW reconciliations; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON VIEW reporting.reconciliations IS 'The cash-up of each business day: expected, counted, differences.';


--
-- Name: COLUMN reconciliations.clinic_id; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.clinic_id IS 'The clinic.';


--
-- Name: COLUMN reconciliations.clinic_name; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.clinic_name IS 'The clinic''s name.';


--
-- Name: COLUMN reconciliations.business_date; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.business_date IS 'The business day.';


--
-- Name: COLUMN reconciliations.status; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.status IS 'open or closed.';


--
-- Name: COLUMN reconciliations.expected_cash; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.expected_cash IS 'Cash expected (payments − refunds).';


--
-- Name: COLUMN reconciliations.expected_card; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.expected_card IS 'Card expected.';


--
-- Name: COLUMN reconciliations.expected_bank_transfer; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.expected_bank_transfer IS 'Bank transfers expected.';


--
-- Name: COLUMN reconciliations.expected_mobile_money; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.expected_mobile_money IS 'Mobile money expected.';


--
-- Name: COLUMN reconciliations.expected_insurance; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.expected_insurance IS 'Insurance expected.';


--
-- Name: COLUMN reconciliations.expected_total; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.expected_total IS 'All tenders expected.';


--
-- Name: COLUMN reconciliations.counted_total; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.counted_total IS 'All tenders counted; null until the day is counted.';


--
-- Name: COLUMN reconciliations.cash_difference; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.cash_difference IS 'Counted cash − expected cash; null until the day is counted.';


--
-- Name: COLUMN reconciliations.difference; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.difference IS 'Counted total − expected total; null until the day is counted.';


--
-- Name: COLUMN reconciliations.notes; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.notes IS 'The cashier''s notes.';


--
-- Name: COLUMN reconciliations.closed_at; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.closed_at IS 'When the day was closed.';


--
-- Name: COLUMN reconciliations.reopened_at; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.reopened_at IS 'When it was last reopened.';


--
-- Name: COLUMN reconciliations.reopen_reason; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.reopen_reason IS 'Why.';


--
-- Name: COLUMN reconciliations.currency; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.reconciliations.currency IS 'ISO 4217 currency of the amounts (the clinic''s).';


--
-- Name: visits; Type: VIEW; Schema: reporting; Owner: :DATABASE_OWNER
--

CREATE VIEW reporting.visits WITH (security_barrier='true') AS
 WITH granted AS MATERIALIZED (
         SELECT v.clinic_id,
            c.name AS clinic_name,
            v.code,
            v.status,
            v.scheduled_at,
            v.checked_in_at,
            v.started_at,
            v.completed_at,
            v.cancelled_at,
            v.cancel_reason,
            p.code AS patient_code,
            u.full_name AS doctor_name,
            ( SELECT COALESCE(sum(s.line_total), (0)::numeric) AS "coalesce"
                   FROM app_public.visit_service s
                  WHERE ((s.clinic_id = v.clinic_id) AND (s.visit_id = v.id))) AS services_value,
            v.no_show_at,
            c.currency,
            ((v.scheduled_at AT TIME ZONE c.timezone))::date AS business_date
           FROM ((((app_public.visit v
             JOIN app_public.clinic c ON ((c.id = v.clinic_id)))
             JOIN app_public.patient p ON (((p.clinic_id = v.clinic_id) AND (p.id = v.patient_id))))
             JOIN app_public.membership m ON (((m.clinic_id = v.clinic_id) AND (m.id = v.doctor_id))))
             JOIN app_public."user" u ON ((u.id = m.user_id)))
          WHERE (v.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics))
        )
 SELECT granted.clinic_id,
    granted.clinic_name,
    granted.code,
    granted.status,
    granted.scheduled_at,
    granted.checked_in_at,
    granted.started_at,
    granted.completed_at,
    granted.cancelled_at,
    granted.cancel_reason,
    granted.patient_code,
    granted.doctor_name,
    granted.services_value,
    granted.no_show_at,
    granted.currency,
    granted.business_date
   FROM granted;


ALTER TABLE reporting.visits OWNER TO :DATABASE_OWNER;

--
-- Name: VIEW visits; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON VIEW reporting.visits IS 'One row per visit: status, the times of each step, patient code (no names), doctor, value of its services.';


--
-- Name: COLUMN visits.clinic_id; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.clinic_id IS 'The clinic.';


--
-- Name: COLUMN visits.clinic_name; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.clinic_name IS 'The clinic''s name.';


--
-- Name: COLUMN visits.code; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.code IS 'Visit code (VIS-…).';


--
-- Name: COLUMN visits.status; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.status IS 'scheduled, checked_in, in_progress, completed, cancelled or no_show.';


--
-- Name: COLUMN visits.scheduled_at; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.scheduled_at IS 'When the visit was booked for.';


--
-- Name: COLUMN visits.checked_in_at; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.checked_in_at IS 'When the patient checked in.';


--
-- Name: COLUMN visits.started_at; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.started_at IS 'When the consultation started.';


--
-- Name: COLUMN visits.completed_at; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.completed_at IS 'When the visit was completed.';


--
-- Name: COLUMN visits.cancelled_at; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.cancelled_at IS 'When it was cancelled.';


--
-- Name: COLUMN visits.cancel_reason; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.cancel_reason IS 'Why it was cancelled.';


--
-- Name: COLUMN visits.patient_code; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.patient_code IS 'The patient''s code (no names in reporting).';


--
-- Name: COLUMN visits.doctor_name; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.doctor_name IS 'The doctor.';


--
-- Name: COLUMN visits.services_value; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.services_value IS 'Value of the visit''s services: quantity × unit price − discount.';


--
-- Name: COLUMN visits.no_show_at; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.no_show_at IS 'When the visit was marked a no-show.';


--
-- Name: COLUMN visits.currency; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.currency IS 'ISO 4217 currency of services_value (the clinic''s).';


--
-- Name: COLUMN visits.business_date; Type: COMMENT; Schema: reporting; Owner: :DATABASE_OWNER
--

COMMENT ON COLUMN reporting.visits.business_date IS 'The clinic''s day the visit is booked for (scheduled_at on its clock), as the dashboard and the visits CSV count it.';


--
-- Name: clinic_time_zone clinic_time_zone_pkey; Type: CONSTRAINT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_hidden.clinic_time_zone
    ADD CONSTRAINT clinic_time_zone_pkey PRIMARY KEY (clinic_id);


--
-- Name: analyst_grant analyst_grant_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.analyst_grant
    ADD CONSTRAINT analyst_grant_pkey PRIMARY KEY (role_name, clinic_id);


--
-- Name: audit_anchor audit_anchor_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.audit_anchor
    ADD CONSTRAINT audit_anchor_pkey PRIMARY KEY (chain_id);


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
-- Name: daily_money daily_money_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.daily_money
    ADD CONSTRAINT daily_money_pkey PRIMARY KEY (clinic_id, business_date, method);


--
-- Name: daily_patients daily_patients_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.daily_patients
    ADD CONSTRAINT daily_patients_pkey PRIMARY KEY (clinic_id, local_date);


--
-- Name: daily_services daily_services_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.daily_services
    ADD CONSTRAINT daily_services_pkey PRIMARY KEY (clinic_id, local_date, service_id);


--
-- Name: daily_visits daily_visits_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.daily_visits
    ADD CONSTRAINT daily_visits_pkey PRIMARY KEY (clinic_id, local_date, status, doctor_id);


--
-- Name: deleted_invoice_line_key deleted_invoice_line_key_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.deleted_invoice_line_key
    ADD CONSTRAINT deleted_invoice_line_key_pkey PRIMARY KEY (clinic_id, idempotency_key);


--
-- Name: export_download export_download_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.export_download
    ADD CONSTRAINT export_download_pkey PRIMARY KEY (id);


--
-- Name: export_storage export_storage_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.export_storage
    ADD CONSTRAINT export_storage_pkey PRIMARY KEY (only_row);


--
-- Name: login_device login_device_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.login_device
    ADD CONSTRAINT login_device_pkey PRIMARY KEY (id);


--
-- Name: login_device login_device_secret_hash_key; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.login_device
    ADD CONSTRAINT login_device_secret_hash_key UNIQUE (secret_hash);


--
-- Name: login_failure login_failure_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.login_failure
    ADD CONSTRAINT login_failure_pkey PRIMARY KEY (id);


--
-- Name: login_network login_network_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.login_network
    ADD CONSTRAINT login_network_pkey PRIMARY KEY (user_id, network);


--
-- Name: patient_search patient_search_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.patient_search
    ADD CONSTRAINT patient_search_pkey PRIMARY KEY (clinic_id, patient_id);


--
-- Name: reinvitation reinvitation_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.reinvitation
    ADD CONSTRAINT reinvitation_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: secret_key secret_key_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.secret_key
    ADD CONSTRAINT secret_key_pkey PRIMARY KEY (purpose);


--
-- Name: session session_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.session
    ADD CONSTRAINT session_pkey PRIMARY KEY (id);


--
-- Name: upgrade_warning upgrade_warning_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.upgrade_warning
    ADD CONSTRAINT upgrade_warning_pkey PRIMARY KEY (id);


--
-- Name: user_secret user_secret_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.user_secret
    ADD CONSTRAINT user_secret_pkey PRIMARY KEY (user_id);


--
-- Name: visit_bill visit_bill_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.visit_bill
    ADD CONSTRAINT visit_bill_pkey PRIMARY KEY (clinic_id, invoice_id);


--
-- Name: visit_service_line visit_service_line_pkey; Type: CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.visit_service_line
    ADD CONSTRAINT visit_service_line_pkey PRIMARY KEY (clinic_id, invoice_line_id);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

ALTER TABLE ONLY app_public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: CONSTRAINT audit_log_pkey ON audit_log; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON CONSTRAINT audit_log_pkey ON app_public.audit_log IS '@behavior -single';


--
-- Name: clinic clinic_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.clinic
    ADD CONSTRAINT clinic_pkey PRIMARY KEY (id);


--
-- Name: clinic code_prefixes_are_valid; Type: CHECK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.clinic
    ADD CONSTRAINT code_prefixes_are_valid CHECK (app_hidden.code_prefixes_are_valid(code_prefixes)) NOT VALID;


--
-- Name: daily_reconciliation daily_reconciliation_clinic_id_business_date_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.daily_reconciliation
    ADD CONSTRAINT daily_reconciliation_clinic_id_business_date_key UNIQUE (clinic_id, business_date);


--
-- Name: daily_reconciliation daily_reconciliation_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.daily_reconciliation
    ADD CONSTRAINT daily_reconciliation_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: invoice invoice_clinic_id_code_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice
    ADD CONSTRAINT invoice_clinic_id_code_key UNIQUE (clinic_id, code);


--
-- Name: invoice invoice_clinic_id_idempotency_key_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice
    ADD CONSTRAINT invoice_clinic_id_idempotency_key_key UNIQUE (clinic_id, idempotency_key);


--
-- Name: CONSTRAINT invoice_clinic_id_idempotency_key_key ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT invoice_clinic_id_idempotency_key_key ON app_public.invoice IS '@behavior -update -delete
An idempotency key names one invoice of the clinic (create_invoice answers it again; another clinic''s key is its own).';


--
-- Name: invoice_line invoice_line_clinic_id_idempotency_key_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice_line
    ADD CONSTRAINT invoice_line_clinic_id_idempotency_key_key UNIQUE (clinic_id, idempotency_key);


--
-- Name: CONSTRAINT invoice_line_clinic_id_idempotency_key_key ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT invoice_line_clinic_id_idempotency_key_key ON app_public.invoice_line IS '@behavior -update -delete
An idempotency key names one invoice line of the clinic (create_invoice_line answers it again; another clinic''s key is its own).';


--
-- Name: invoice_line invoice_line_discount_decimals_check; Type: CHECK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.invoice_line
    ADD CONSTRAINT invoice_line_discount_decimals_check CHECK ((discount = round(discount, (decimals)::integer))) NOT VALID;


--
-- Name: invoice_line invoice_line_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice_line
    ADD CONSTRAINT invoice_line_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: invoice invoice_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice
    ADD CONSTRAINT invoice_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: membership membership_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.membership
    ADD CONSTRAINT membership_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: patient patient_clinic_id_code_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.patient
    ADD CONSTRAINT patient_clinic_id_code_key UNIQUE (clinic_id, code);


--
-- Name: patient patient_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.patient
    ADD CONSTRAINT patient_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: payment payment_clinic_id_code_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.payment
    ADD CONSTRAINT payment_clinic_id_code_key UNIQUE (clinic_id, code);


--
-- Name: payment payment_clinic_id_idempotency_key_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.payment
    ADD CONSTRAINT payment_clinic_id_idempotency_key_key UNIQUE (clinic_id, idempotency_key);


--
-- Name: payment payment_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.payment
    ADD CONSTRAINT payment_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: refund refund_clinic_id_code_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.refund
    ADD CONSTRAINT refund_clinic_id_code_key UNIQUE (clinic_id, code);


--
-- Name: refund refund_clinic_id_idempotency_key_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.refund
    ADD CONSTRAINT refund_clinic_id_idempotency_key_key UNIQUE (clinic_id, idempotency_key);


--
-- Name: refund refund_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.refund
    ADD CONSTRAINT refund_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: report_export report_export_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.report_export
    ADD CONSTRAINT report_export_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: service service_clinic_id_code_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.service
    ADD CONSTRAINT service_clinic_id_code_key UNIQUE (clinic_id, code);


--
-- Name: service service_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.service
    ADD CONSTRAINT service_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: service_price service_price_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.service_price
    ADD CONSTRAINT service_price_pkey PRIMARY KEY (clinic_id, id);


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
-- Name: visit visit_clinic_id_code_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.visit
    ADD CONSTRAINT visit_clinic_id_code_key UNIQUE (clinic_id, code);


--
-- Name: visit visit_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.visit
    ADD CONSTRAINT visit_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: visit visit_scheduled_at_is_finite; Type: CHECK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.visit
    ADD CONSTRAINT visit_scheduled_at_is_finite CHECK (isfinite(scheduled_at)) NOT VALID;


--
-- Name: CONSTRAINT visit_scheduled_at_is_finite ON visit; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT visit_scheduled_at_is_finite ON app_public.visit IS 'A visit is booked at a date and time, never at infinity or -infinity.';


--
-- Name: visit_service visit_service_id_version_key; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.visit_service
    ADD CONSTRAINT visit_service_id_version_key UNIQUE (clinic_id, id, version);


--
-- Name: CONSTRAINT visit_service_id_version_key ON visit_service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT visit_service_id_version_key ON app_public.visit_service IS '@behavior -*
What invoice_line_visit_service_version_fkey refers to.';


--
-- Name: visit_service visit_service_pkey; Type: CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.visit_service
    ADD CONSTRAINT visit_service_pkey PRIMARY KEY (clinic_id, id);


--
-- Name: login_device_user_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX login_device_user_idx ON app_private.login_device USING btree (user_id, last_login_at);


--
-- Name: login_failure_ip_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX login_failure_ip_idx ON app_private.login_failure USING btree (ip, attempted_at);


--
-- Name: patient_search_code_number_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX patient_search_code_number_idx ON app_private.patient_search USING btree (clinic_id, app_hidden.code_number(code));


--
-- Name: INDEX patient_search_code_number_idx; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_private.patient_search_code_number_idx IS 'The patients of a clinic whose code has a number (code_number): the search''s lookup of digits typed alone (patients_matching), one probe whatever the clinic''s size.';


--
-- Name: patient_search_dob_names_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX patient_search_dob_names_idx ON app_private.patient_search USING btree (clinic_id, date_of_birth, app_hidden.name_key(last_name), app_hidden.name_key(first_name));


--
-- Name: INDEX patient_search_dob_names_idx; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_private.patient_search_dob_names_idx IS 'The patients of a clinic born on a day with these names (name_key): the duplicate warning''s lookup (patients_born_named), whatever the number born that day.';


--
-- Name: patient_search_trigram_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX patient_search_trigram_idx ON app_private.patient_search USING gin (clinic_id, search_text public.gin_trgm_ops) WITH (fastupdate=off);


--
-- Name: INDEX patient_search_trigram_idx; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_private.patient_search_trigram_idx IS 'The patient search''s index (patients_matching): the trigrams of each patient''s search_text, per clinic (btree_gin on clinic_id). Without a pending list (fastupdate off): each registration or renaming enters the index at once, so no search reads, nor is planned around, a list of entries not yet merged.';


--
-- Name: session_clinic_user_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX session_clinic_user_idx ON app_private.session USING btree (clinic_id, user_id);


--
-- Name: INDEX session_clinic_user_idx; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_private.session_clinic_user_idx IS 'A clinic''s sessions, by person: what a membership''s change reads (tg_membership__sync_sessions: a role change, a suspension or a removal acts on the person''s sessions of that clinic), and the index of the foreign key to the clinic.';


--
-- Name: session_expires_at_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX session_expires_at_idx ON app_private.session USING btree (expires_at);


--
-- Name: session_user_live_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX session_user_live_idx ON app_private.session USING btree (user_id, created_at DESC, id DESC) WHERE (revoked_at IS NULL);


--
-- Name: INDEX session_user_live_idx; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_private.session_user_live_idx IS 'An account''s sessions not revoked, newest first: what every statement reading all of an account''s sessions reads (open_session''s cap of 10 at each login and switch, the endings of a password change or reset, a deactivation or a platform administrator''s change: end_sessions_of), however many sessions the account had revoked within the day expire_sessions keeps them. Those expired since the last hourly sweep are in it too (at most 10 for each session lifetime the hour holds, 10 when sessions last an hour or more, as by default: only live sessions expire unrevoked, and an account has 10 live at most), which its readers pass over by their expiry; its predicate cannot leave them out (a partial index''s must be immutable, and expiry is a matter of now()). A membership''s change reads session_clinic_user_idx.';


--
-- Name: visit_bill_visit_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE UNIQUE INDEX visit_bill_visit_idx ON app_private.visit_bill USING btree (clinic_id, visit_id);


--
-- Name: INDEX visit_bill_visit_idx; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_private.visit_bill_visit_idx IS 'The live invoice of a visit (one at most, as invoice_one_live_per_visit says).';


--
-- Name: visit_service_line_visit_service_idx; Type: INDEX; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE INDEX visit_service_line_visit_service_idx ON app_private.visit_service_line USING btree (clinic_id, visit_service_id);


--
-- Name: INDEX visit_service_line_visit_service_idx; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_private.visit_service_line_visit_service_idx IS 'The lines that bill a visit''s service.';


--
-- Name: audit_log_chain_action_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_AUDITOR
--

CREATE INDEX audit_log_chain_action_idx ON app_public.audit_log USING btree (COALESCE(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), action, seq);


--
-- Name: INDEX audit_log_chain_action_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON INDEX app_public.audit_log_chain_action_idx IS 'A chain''s entries of one action, in seq order: the audit log filtered by what was done (action).';


--
-- Name: audit_log_chain_actor_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_AUDITOR
--

CREATE INDEX audit_log_chain_actor_idx ON app_public.audit_log USING btree (COALESCE(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), actor_user_id, seq);


--
-- Name: INDEX audit_log_chain_actor_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON INDEX app_public.audit_log_chain_actor_idx IS 'A chain''s entries by who acted, in seq order: the audit log filtered by its actor (actorUserId).';


--
-- Name: audit_log_chain_occurred_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_AUDITOR
--

CREATE INDEX audit_log_chain_occurred_idx ON app_public.audit_log USING btree (COALESCE(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), occurred_at) INCLUDE (clinic_id);


--
-- Name: INDEX audit_log_chain_occurred_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON INDEX app_public.audit_log_chain_occurred_idx IS 'A chain''s entries in time order: the audit log filtered or ordered by occurredAt; with its clinic_id, which the API filters and orders by only on an indexed column.';


--
-- Name: audit_log_chain_record_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_AUDITOR
--

CREATE INDEX audit_log_chain_record_idx ON app_public.audit_log USING btree (COALESCE(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), table_name, record_id);


--
-- Name: INDEX audit_log_chain_record_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON INDEX app_public.audit_log_chain_record_idx IS 'A chain''s entries of one record: its history (tableName and recordId).';


--
-- Name: audit_log_chain_seq; Type: INDEX; Schema: app_public; Owner: :DATABASE_AUDITOR
--

CREATE UNIQUE INDEX audit_log_chain_seq ON app_public.audit_log USING btree (COALESCE(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), seq);


--
-- Name: daily_reconciliation_status_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX daily_reconciliation_status_idx ON app_public.daily_reconciliation USING btree (clinic_id, status, business_date);


--
-- Name: invoice_clinic_balance_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX invoice_clinic_balance_idx ON app_public.invoice USING btree (clinic_id, balance);


--
-- Name: INDEX invoice_clinic_balance_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.invoice_clinic_balance_idx IS 'A clinic''s invoices by what is still owed: invoices filtered or ordered by balance (who owes most).';


--
-- Name: invoice_clinic_created_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX invoice_clinic_created_idx ON app_public.invoice USING btree (clinic_id, created_at);


--
-- Name: invoice_clinic_doctor_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX invoice_clinic_doctor_idx ON app_public.invoice USING btree (clinic_id, doctor_id);


--
-- Name: invoice_clinic_issued_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX invoice_clinic_issued_idx ON app_public.invoice USING btree (clinic_id, issued_at);


--
-- Name: INDEX invoice_clinic_issued_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.invoice_clinic_issued_idx IS 'A clinic''s invoices by when they were issued: invoices filtered or ordered by issuedAt (those issued today).';


--
-- Name: invoice_clinic_owed_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX invoice_clinic_owed_idx ON app_public.invoice USING btree (clinic_id) INCLUDE (balance) WHERE (status = ANY (ARRAY['issued'::app_public.invoice_status, 'partially_paid'::app_public.invoice_status]));


--
-- Name: INDEX invoice_clinic_owed_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.invoice_clinic_owed_idx IS 'A clinic''s invoices that owe (issued, partly paid) with their balance: the dashboard''s outstanding balance, read from the index alone.';


--
-- Name: invoice_clinic_patient_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX invoice_clinic_patient_idx ON app_public.invoice USING btree (clinic_id, patient_id);


--
-- Name: invoice_clinic_status_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX invoice_clinic_status_idx ON app_public.invoice USING btree (clinic_id, status);


--
-- Name: invoice_clinic_total_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX invoice_clinic_total_idx ON app_public.invoice USING btree (clinic_id, total);


--
-- Name: INDEX invoice_clinic_total_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.invoice_clinic_total_idx IS 'A clinic''s invoices by their total: invoices filtered or ordered by total.';


--
-- Name: invoice_clinic_visit_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX invoice_clinic_visit_idx ON app_public.invoice USING btree (clinic_id, visit_id);


--
-- Name: INDEX invoice_clinic_visit_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.invoice_clinic_visit_idx IS 'Invoices by visit: Visit.invoices, and invoices found or ordered by their visit.';


--
-- Name: invoice_line_position; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE UNIQUE INDEX invoice_line_position ON app_public.invoice_line USING btree (clinic_id, invoice_id, "position");


--
-- Name: invoice_line_service_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX invoice_line_service_idx ON app_public.invoice_line USING btree (clinic_id, service_id);


--
-- Name: invoice_line_visit_service_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX invoice_line_visit_service_idx ON app_public.invoice_line USING btree (clinic_id, visit_service_id);


--
-- Name: invoice_one_live_per_visit; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE UNIQUE INDEX invoice_one_live_per_visit ON app_public.invoice USING btree (clinic_id, visit_id) WHERE (status <> 'void'::app_public.invoice_status);


--
-- Name: membership_clinic_id_user_id_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX membership_clinic_id_user_id_idx ON app_public.membership USING btree (clinic_id, user_id);


--
-- Name: INDEX membership_clinic_id_user_id_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.membership_clinic_id_user_id_idx IS 'A person''s membership of a clinic, removed ones included: what the API reads a stamp''s member through (the partial membership_one_live_per_user serves no query under the policy that hides removed members).';


--
-- Name: membership_one_live_per_user; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE UNIQUE INDEX membership_one_live_per_user ON app_public.membership USING btree (clinic_id, user_id) WHERE (deleted_at IS NULL);


--
-- Name: membership_user_id_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX membership_user_id_idx ON app_public.membership USING btree (user_id);


--
-- Name: patient_clinic_created_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX patient_clinic_created_idx ON app_public.patient USING btree (clinic_id, created_at);


--
-- Name: patient_clinic_date_of_birth_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX patient_clinic_date_of_birth_idx ON app_public.patient USING btree (clinic_id, date_of_birth);


--
-- Name: INDEX patient_clinic_date_of_birth_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.patient_clinic_date_of_birth_idx IS 'The patients of a clinic born on a day, or in a range of days (the API''s dateOfBirth filters and condition).';


--
-- Name: patient_clinic_last_name_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX patient_clinic_last_name_idx ON app_public.patient USING btree (clinic_id, last_name COLLATE "und-x-icu", first_name COLLATE "und-x-icu");


--
-- Name: INDEX patient_clinic_last_name_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.patient_clinic_last_name_idx IS 'A clinic''s patients by surname, then first name, as people read them (und-x-icu): the list A to Z.';


--
-- Name: patient_clinic_phone_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX patient_clinic_phone_idx ON app_public.patient USING btree (clinic_id, phone);


--
-- Name: payment_business_date_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX payment_business_date_idx ON app_public.payment USING btree (clinic_id, business_date, method);


--
-- Name: payment_clinic_amount_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX payment_clinic_amount_idx ON app_public.payment USING btree (clinic_id, amount);


--
-- Name: INDEX payment_clinic_amount_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.payment_clinic_amount_idx IS 'A clinic''s payments by amount: payments filtered or ordered by amount (the payment of a card slip or a receipt).';


--
-- Name: payment_clinic_received_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX payment_clinic_received_idx ON app_public.payment USING btree (clinic_id, received_at);


--
-- Name: payment_invoice_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX payment_invoice_idx ON app_public.payment USING btree (clinic_id, invoice_id);


--
-- Name: payment_method_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX payment_method_idx ON app_public.payment USING btree (clinic_id, method);


--
-- Name: refund_business_date_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX refund_business_date_idx ON app_public.refund USING btree (clinic_id, business_date, method);


--
-- Name: refund_clinic_refunded_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX refund_clinic_refunded_idx ON app_public.refund USING btree (clinic_id, refunded_at);


--
-- Name: refund_invoice_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX refund_invoice_idx ON app_public.refund USING btree (clinic_id, invoice_id);


--
-- Name: refund_payment_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX refund_payment_idx ON app_public.refund USING btree (clinic_id, payment_id);


--
-- Name: report_export_clinic_invoice_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX report_export_clinic_invoice_idx ON app_public.report_export USING btree (clinic_id, invoice_id) WHERE (invoice_id IS NOT NULL);


--
-- Name: INDEX report_export_clinic_invoice_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.report_export_clinic_invoice_idx IS 'An invoice''s PDFs: the list filtered by invoiceId, and the invoice''s foreign key.';


--
-- Name: report_export_clinic_requested_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX report_export_clinic_requested_idx ON app_public.report_export USING btree (clinic_id, requested_at);


--
-- Name: report_export_clinic_requester_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX report_export_clinic_requester_idx ON app_public.report_export USING btree (clinic_id, requested_by, requested_at);


--
-- Name: INDEX report_export_clinic_requester_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.report_export_clinic_requester_idx IS 'A clinic''s exports by who asked, newest first: the list filtered by requestedBy.';


--
-- Name: report_export_kept_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX report_export_kept_idx ON app_public.report_export USING btree (clinic_id, expires_at) INCLUDE (byte_size) WHERE (status = 'done'::app_public.export_status);


--
-- Name: INDEX report_export_kept_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.report_export_kept_idx IS 'A clinic''s finished files and their sizes, which request_export sums against the clinic''s export storage.';


--
-- Name: report_export_unfinished_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX report_export_unfinished_idx ON app_public.report_export USING btree (clinic_id, requested_by) WHERE (status = ANY (ARRAY['queued'::app_public.export_status, 'running'::app_public.export_status]));


--
-- Name: INDEX report_export_unfinished_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.report_export_unfinished_idx IS 'A person''s exports waiting or in progress, which request_export counts.';


--
-- Name: service_clinic_category_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX service_clinic_category_idx ON app_public.service USING btree (clinic_id, category);


--
-- Name: service_clinic_is_active_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX service_clinic_is_active_idx ON app_public.service USING btree (clinic_id, is_active);


--
-- Name: INDEX service_clinic_is_active_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.service_clinic_is_active_idx IS 'A clinic''s active (or inactive) services: the API''s isActive filter and condition.';


--
-- Name: service_clinic_name_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX service_clinic_name_idx ON app_public.service USING btree (clinic_id, name COLLATE "und-x-icu");


--
-- Name: service_clinic_price_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX service_clinic_price_idx ON app_public.service USING btree (clinic_id, price);


--
-- Name: INDEX service_clinic_price_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.service_clinic_price_idx IS 'A clinic''s services by price: the API''s PRICE order and price filters.';


--
-- Name: service_price_one_current; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE UNIQUE INDEX service_price_one_current ON app_public.service_price USING btree (clinic_id, service_id) WHERE (effective_to IS NULL);


--
-- Name: service_price_service_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX service_price_service_idx ON app_public.service_price USING btree (clinic_id, service_id, effective_from);


--
-- Name: visit_clinic_doctor_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX visit_clinic_doctor_idx ON app_public.visit USING btree (clinic_id, doctor_id, scheduled_at);


--
-- Name: visit_clinic_patient_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX visit_clinic_patient_idx ON app_public.visit USING btree (clinic_id, patient_id, scheduled_at);


--
-- Name: visit_clinic_scheduled_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX visit_clinic_scheduled_idx ON app_public.visit USING btree (clinic_id, scheduled_at);


--
-- Name: visit_clinic_status_checked_in_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX visit_clinic_status_checked_in_idx ON app_public.visit USING btree (clinic_id, status, checked_in_at);


--
-- Name: INDEX visit_clinic_status_checked_in_idx; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.visit_clinic_status_checked_in_idx IS 'A clinic''s visits of a status by check-in time: the waiting room in the order people arrived.';


--
-- Name: visit_clinic_status_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX visit_clinic_status_idx ON app_public.visit USING btree (clinic_id, status, scheduled_at);


--
-- Name: visit_patient_booked_once; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE UNIQUE INDEX visit_patient_booked_once ON app_public.visit USING btree (clinic_id, patient_id, doctor_id, date_bin('00:01:00'::interval, scheduled_at, '2000-01-01 00:00:00+00'::timestamp with time zone)) WHERE (status = ANY (ARRAY['scheduled'::app_public.visit_status, 'checked_in'::app_public.visit_status, 'in_progress'::app_public.visit_status]));


--
-- Name: INDEX visit_patient_booked_once; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON INDEX app_public.visit_patient_booked_once IS 'An open visit (scheduled, checked in, in progress) books a patient once with a doctor in a minute: a double-clicked booking, seconds apart or not, is CONFLICT.';


--
-- Name: visit_service_position; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE UNIQUE INDEX visit_service_position ON app_public.visit_service USING btree (clinic_id, visit_id, "position");


--
-- Name: visit_service_service_idx; Type: INDEX; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE INDEX visit_service_service_idx ON app_public.visit_service USING btree (clinic_id, service_id);


--
-- Name: analyst_grant _200_truncate_refused; Type: TRIGGER; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_private.analyst_grant FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON analyst_grant; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_private.analyst_grant IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: analyst_grant _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_private.analyst_grant REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON analyst_grant; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_private.analyst_grant IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: analyst_grant _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_private.analyst_grant REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON analyst_grant; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_private.analyst_grant IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: analyst_grant _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_private.analyst_grant REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON analyst_grant; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_private.analyst_grant IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: analyst_grant _500_audit; Type: TRIGGER; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_private.analyst_grant FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: TRIGGER _500_audit ON analyst_grant; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _500_audit ON app_private.analyst_grant IS 'Audits each clinic granted to an analyst, or revoked, in that clinic''s chain (tg__audit).';


--
-- Name: secret_key _700_notify_visit_queue; Type: TRIGGER; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _700_notify_visit_queue BEFORE DELETE OR UPDATE OF key ON app_private.secret_key FOR EACH ROW WHEN ((old.purpose = 'live_queue'::text)) EXECUTE FUNCTION app_private.tg_secret_key__notify_visit_queue();


--
-- Name: invoice _050_currency_turn; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _050_currency_turn BEFORE INSERT ON app_public.invoice FOR EACH ROW EXECUTE FUNCTION app_private.tg_invoice__currency_turn();


--
-- Name: invoice_line _090_no_discount_is_zero; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _090_no_discount_is_zero BEFORE INSERT OR UPDATE OF discount ON app_public.invoice_line FOR EACH ROW EXECUTE FUNCTION app_private.tg__no_discount_is_zero();


--
-- Name: visit_service _090_no_discount_is_zero; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _090_no_discount_is_zero BEFORE INSERT OR UPDATE OF discount ON app_public.visit_service FOR EACH ROW EXECUTE FUNCTION app_private.tg__no_discount_is_zero();


--
-- Name: visit_service _095_discount_in_currency; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _095_discount_in_currency BEFORE INSERT OR UPDATE OF discount ON app_public.visit_service FOR EACH ROW EXECUTE FUNCTION app_private.tg__amounts_in_currency('A discount', 'discount');


--
-- Name: TRIGGER _095_discount_in_currency ON visit_service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _095_discount_in_currency ON app_public.visit_service IS 'A discount in the decimals of the clinic''s currency (tg__amounts_in_currency).';


--
-- Name: audit_log _100_append_only; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_AUDITOR
--

CREATE TRIGGER _100_append_only BEFORE DELETE OR UPDATE ON app_public.audit_log FOR EACH ROW EXECUTE FUNCTION app_private.tg_audit_log__append_only();


--
-- Name: audit_log _100_append_only_truncate; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_AUDITOR
--

CREATE TRIGGER _100_append_only_truncate BEFORE TRUNCATE ON app_public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_audit_log__append_only();


--
-- Name: audit_log _100_dated_when_written; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_AUDITOR
--

CREATE TRIGGER _100_dated_when_written BEFORE INSERT ON app_public.audit_log FOR EACH ROW EXECUTE FUNCTION app_private.tg_audit_log__append_only();


--
-- Name: TRIGGER _100_dated_when_written ON audit_log; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON TRIGGER _100_dated_when_written ON app_public.audit_log IS 'An entry is dated when it is written, between its transaction''s start and now: no role that may append dates one before its own transaction began.';


--
-- Name: clinic _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.clinic FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: daily_reconciliation _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.daily_reconciliation FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: invoice _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.invoice FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: invoice_line _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.invoice_line FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: membership _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: patient _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.patient FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: payment _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.payment FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: refund _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.refund FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: service _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.service FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: user _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public."user" FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: visit _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.visit FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: visit_service _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.visit_service FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();


--
-- Name: invoice _110_code; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _110_code BEFORE INSERT OR UPDATE ON app_public.invoice FOR EACH ROW EXECUTE FUNCTION app_private.tg__assign_code('INV');


--
-- Name: patient _110_code; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _110_code BEFORE INSERT OR UPDATE ON app_public.patient FOR EACH ROW EXECUTE FUNCTION app_private.tg__assign_code('PAT');


--
-- Name: payment _110_code; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _110_code BEFORE INSERT OR UPDATE ON app_public.payment FOR EACH ROW EXECUTE FUNCTION app_private.tg__assign_code('PAY');


--
-- Name: refund _110_code; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _110_code BEFORE INSERT OR UPDATE ON app_public.refund FOR EACH ROW EXECUTE FUNCTION app_private.tg__assign_code('REF');


--
-- Name: service _110_code; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _110_code BEFORE INSERT OR UPDATE ON app_public.service FOR EACH ROW EXECUTE FUNCTION app_private.tg__assign_code('SRV');


--
-- Name: visit _110_code; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _110_code BEFORE INSERT OR UPDATE ON app_public.visit FOR EACH ROW EXECUTE FUNCTION app_private.tg__assign_code('VIS');


--
-- Name: daily_reconciliation _120_closed_in_time_zone; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _120_closed_in_time_zone BEFORE INSERT OR UPDATE OF status ON app_public.daily_reconciliation FOR EACH ROW EXECUTE FUNCTION app_private.tg_daily_reconciliation__closed_in_time_zone();


--
-- Name: TRIGGER _120_closed_in_time_zone ON daily_reconciliation; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _120_closed_in_time_zone ON app_public.daily_reconciliation IS 'A closed day keeps the time zone it was closed in (tg_daily_reconciliation__closed_in_time_zone).';


--
-- Name: patient _120_no_visit_under_way; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _120_no_visit_under_way BEFORE UPDATE OF deleted_at ON app_public.patient FOR EACH ROW WHEN (((old.deleted_at IS NULL) AND (new.deleted_at IS NOT NULL))) EXECUTE FUNCTION app_private.tg_patient__no_visit_under_way();


--
-- Name: TRIGGER _120_no_visit_under_way ON patient; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _120_no_visit_under_way ON app_public.patient IS 'A patient with a visit under way is not deleted (tg_patient__no_visit_under_way).';


--
-- Name: payment _120_patient_not_deleted; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _120_patient_not_deleted BEFORE INSERT ON app_public.payment FOR EACH ROW EXECUTE FUNCTION app_private.tg_payment__patient_not_deleted();


--
-- Name: TRIGGER _120_patient_not_deleted ON payment; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _120_patient_not_deleted ON app_public.payment IS 'A deleted patient''s invoice is not paid (tg_payment__patient_not_deleted).';


--
-- Name: patient _121_no_open_invoice; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _121_no_open_invoice BEFORE UPDATE OF deleted_at ON app_public.patient FOR EACH ROW WHEN (((old.deleted_at IS NULL) AND (new.deleted_at IS NOT NULL))) EXECUTE FUNCTION app_private.tg_patient__no_open_invoice();


--
-- Name: TRIGGER _121_no_open_invoice ON patient; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _121_no_open_invoice ON app_public.patient IS 'A patient with an open invoice is not deleted (tg_patient__no_open_invoice).';


--
-- Name: patient _122_no_visit_to_bill; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _122_no_visit_to_bill BEFORE UPDATE OF deleted_at ON app_public.patient FOR EACH ROW WHEN (((old.deleted_at IS NULL) AND (new.deleted_at IS NOT NULL))) EXECUTE FUNCTION app_private.tg_patient__no_visit_to_bill();


--
-- Name: TRIGGER _122_no_visit_to_bill ON patient; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _122_no_visit_to_bill ON app_public.patient IS 'A patient with a completed visit not billed yet is not deleted (tg_patient__no_visit_to_bill).';


--
-- Name: service _140_names_as_meant; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _140_names_as_meant BEFORE INSERT OR UPDATE OF name, category ON app_public.service FOR EACH ROW EXECUTE FUNCTION app_private.tg_service__names_as_meant();


--
-- Name: TRIGGER _140_names_as_meant ON service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _140_names_as_meant ON app_public.service IS 'A service''s name and category saved as meant (tg_service__names_as_meant).';


--
-- Name: visit _140_reasons_trimmed; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _140_reasons_trimmed BEFORE INSERT OR UPDATE OF reason, cancel_reason ON app_public.visit FOR EACH ROW EXECUTE FUNCTION app_private.tg_visit__reasons_trimmed();


--
-- Name: clinic _140_time_zone_turn; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _140_time_zone_turn BEFORE UPDATE OF timezone ON app_public.clinic FOR EACH ROW WHEN ((old.timezone IS DISTINCT FROM new.timezone)) EXECUTE FUNCTION app_private.tg_clinic__time_zone_turn();


--
-- Name: TRIGGER _140_time_zone_turn ON clinic; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _140_time_zone_turn ON app_public.clinic IS 'A change of time zone and the closes of the clinic''s days take turns (tg_clinic__time_zone_turn).';


--
-- Name: visit _150_check_doctor; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_check_doctor BEFORE INSERT OR UPDATE OF doctor_id ON app_public.visit FOR EACH ROW EXECUTE FUNCTION app_private.tg_visit__check_doctor();


--
-- Name: clinic _150_contact_as_meant; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_contact_as_meant BEFORE INSERT OR UPDATE OF email, address, invoice_footer ON app_public.clinic FOR EACH ROW EXECUTE FUNCTION app_private.tg_clinic__contact_as_meant();


--
-- Name: TRIGGER _150_contact_as_meant ON clinic; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _150_contact_as_meant ON app_public.clinic IS 'A clinic''s email, address and footer as meant (tg_clinic__contact_as_meant).';


--
-- Name: daily_reconciliation _150_counts_in_currency; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_counts_in_currency BEFORE INSERT OR UPDATE OF counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance ON app_public.daily_reconciliation FOR EACH ROW EXECUTE FUNCTION app_private.tg__amounts_in_currency('A counted amount', 'counted_cash', 'counted_card', 'counted_bank_transfer', 'counted_mobile_money', 'counted_insurance');


--
-- Name: TRIGGER _150_counts_in_currency ON daily_reconciliation; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _150_counts_in_currency ON app_public.daily_reconciliation IS 'Counts in the decimals of the clinic''s currency (tg__amounts_in_currency).';


--
-- Name: report_export _150_days; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_days BEFORE INSERT ON app_public.report_export FOR EACH ROW EXECUTE FUNCTION app_private.tg_report_export__days();


--
-- Name: invoice_line _150_decimals; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_decimals BEFORE INSERT ON app_public.invoice_line FOR EACH ROW EXECUTE FUNCTION app_private.tg_invoice_line__decimals();


--
-- Name: invoice _150_defaults; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_defaults BEFORE INSERT ON app_public.invoice FOR EACH ROW EXECUTE FUNCTION app_private.tg_invoice__defaults();


--
-- Name: payment _150_in_currency_decimals; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_in_currency_decimals BEFORE INSERT ON app_public.payment FOR EACH ROW EXECUTE FUNCTION app_private.tg_money__in_currency_decimals();


--
-- Name: refund _150_in_currency_decimals; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_in_currency_decimals BEFORE INSERT ON app_public.refund FOR EACH ROW EXECUTE FUNCTION app_private.tg_money__in_currency_decimals();


--
-- Name: membership _150_managers_take_turns; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_managers_take_turns BEFORE INSERT OR DELETE OR UPDATE ON app_public.membership FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_membership__managers_take_turns();


--
-- Name: TRIGGER _150_managers_take_turns ON membership; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _150_managers_take_turns ON app_public.membership IS 'Owners and admins changing memberships take turns, the clinic''s turn taken before any row is locked (tg_membership__managers_take_turns).';


--
-- Name: user _150_name_as_meant; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_name_as_meant BEFORE INSERT OR UPDATE OF full_name ON app_public."user" FOR EACH ROW EXECUTE FUNCTION app_private.tg_user__name_as_meant();


--
-- Name: patient _150_normalize; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_normalize BEFORE INSERT OR UPDATE ON app_public.patient FOR EACH ROW EXECUTE FUNCTION app_private.tg_patient__normalize();


--
-- Name: clinic _150_normalize_phone; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_normalize_phone BEFORE INSERT OR UPDATE OF phone, calling_code ON app_public.clinic FOR EACH ROW EXECUTE FUNCTION app_private.tg_clinic__normalize_phone();


--
-- Name: service _150_price_in_currency; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_price_in_currency BEFORE INSERT OR UPDATE OF price ON app_public.service FOR EACH ROW EXECUTE FUNCTION app_private.tg__amounts_in_currency('A price', 'price');


--
-- Name: TRIGGER _150_price_in_currency ON service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _150_price_in_currency ON app_public.service IS 'A price in the decimals of the clinic''s currency (tg__amounts_in_currency).';


--
-- Name: clinic _150_tax_rate_as_meant; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_tax_rate_as_meant BEFORE INSERT OR UPDATE OF tax_rate ON app_public.clinic FOR EACH ROW EXECUTE FUNCTION app_private.tg__tax_rate_as_meant();


--
-- Name: TRIGGER _150_tax_rate_as_meant ON clinic; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _150_tax_rate_as_meant ON app_public.clinic IS 'A tax rate without its trailing zeros (tg__tax_rate_as_meant).';


--
-- Name: invoice_line _150_tax_rate_as_meant; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_tax_rate_as_meant BEFORE INSERT OR UPDATE OF tax_rate ON app_public.invoice_line FOR EACH ROW EXECUTE FUNCTION app_private.tg__tax_rate_as_meant();


--
-- Name: TRIGGER _150_tax_rate_as_meant ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _150_tax_rate_as_meant ON app_public.invoice_line IS 'A tax rate without its trailing zeros (tg__tax_rate_as_meant).';


--
-- Name: clinic _150_trim_name; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _150_trim_name BEFORE INSERT OR UPDATE OF name ON app_public.clinic FOR EACH ROW EXECUTE FUNCTION app_private.tg_clinic__trim_name();


--
-- Name: visit _160_booked_in_range; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _160_booked_in_range BEFORE INSERT OR UPDATE OF scheduled_at ON app_public.visit FOR EACH ROW WHEN ((new.scheduled_at IS NOT NULL)) EXECUTE FUNCTION app_private.tg_visit__booked_in_range();


--
-- Name: clinic _160_code_prefixes_distinct; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _160_code_prefixes_distinct BEFORE INSERT OR UPDATE OF code_prefixes ON app_public.clinic FOR EACH ROW EXECUTE FUNCTION app_private.tg_clinic__code_prefixes_distinct();


--
-- Name: clinic _160_currency_kept; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _160_currency_kept BEFORE UPDATE OF currency ON app_public.clinic FOR EACH ROW WHEN ((new.currency IS DISTINCT FROM old.currency)) EXECUTE FUNCTION app_private.tg_clinic__currency_kept();


--
-- Name: visit _170_booked_once; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _170_booked_once BEFORE INSERT OR UPDATE OF patient_id, doctor_id, scheduled_at ON app_public.visit FOR EACH ROW WHEN ((new.status = ANY (ARRAY['scheduled'::app_public.visit_status, 'checked_in'::app_public.visit_status, 'in_progress'::app_public.visit_status]))) EXECUTE FUNCTION app_private.tg_visit__booked_once();


--
-- Name: TRIGGER _170_booked_once ON visit; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _170_booked_once ON app_public.visit IS 'A second open visit of a patient with a doctor in a minute is refused naming the first (tg_visit__booked_once).';


--
-- Name: membership _190_changed_by_a_manager; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _190_changed_by_a_manager BEFORE INSERT OR UPDATE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg_membership__changed_by_a_manager();


--
-- Name: TRIGGER _190_changed_by_a_manager ON membership; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _190_changed_by_a_manager ON app_public.membership IS 'A membership written in a member''s session is written by an owner or admin as their role is now (tg_membership__changed_by_a_manager).';


--
-- Name: daily_reconciliation _200_closed_is_final; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_closed_is_final BEFORE UPDATE ON app_public.daily_reconciliation FOR EACH ROW WHEN (((old.status = 'closed'::app_public.reconciliation_status) AND (new.status = 'closed'::app_public.reconciliation_status))) EXECUTE FUNCTION app_private.tg_daily_reconciliation__closed_is_final();


--
-- Name: invoice_line _200_guard; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_guard BEFORE INSERT OR DELETE OR UPDATE ON app_public.invoice_line FOR EACH ROW EXECUTE FUNCTION app_private.tg_invoice_line__guard();


--
-- Name: payment _200_guard; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_guard BEFORE UPDATE ON app_public.payment FOR EACH ROW EXECUTE FUNCTION app_private.tg_payment__guard();


--
-- Name: membership _200_guard_owners; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_guard_owners BEFORE INSERT OR DELETE OR UPDATE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg_membership__guard_owners();


--
-- Name: invoice _200_lifecycle; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_lifecycle BEFORE UPDATE ON app_public.invoice FOR EACH ROW EXECUTE FUNCTION app_private.tg_invoice__lifecycle();


--
-- Name: visit _200_lifecycle; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_lifecycle BEFORE INSERT OR UPDATE ON app_public.visit FOR EACH ROW EXECUTE FUNCTION app_private.tg_visit__lifecycle();


--
-- Name: visit_service _200_snapshot; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_snapshot BEFORE INSERT OR DELETE OR UPDATE ON app_public.visit_service FOR EACH ROW EXECUTE FUNCTION app_private.tg_visit_service__snapshot();


--
-- Name: clinic _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.clinic FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON clinic; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.clinic IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: daily_reconciliation _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.daily_reconciliation FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON daily_reconciliation; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.daily_reconciliation IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: invoice _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.invoice FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.invoice IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: invoice_line _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.invoice_line FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.invoice_line IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: membership _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.membership FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON membership; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.membership IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: patient _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.patient FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON patient; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.patient IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: payment _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.payment FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON payment; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.payment IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: refund _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.refund FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON refund; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.refund IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: report_export _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.report_export FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON report_export; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.report_export IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: service _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.service FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.service IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: user _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public."user" FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON "user"; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public."user" IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: visit _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.visit FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON visit; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.visit IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: visit_service _200_truncate_refused; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _200_truncate_refused BEFORE TRUNCATE ON app_public.visit_service FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__truncate_refused();


--
-- Name: TRIGGER _200_truncate_refused ON visit_service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _200_truncate_refused ON app_public.visit_service IS 'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.';


--
-- Name: invoice_line _205_bills_the_visit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _205_bills_the_visit BEFORE UPDATE OF service_id, quantity, unit_price, discount ON app_public.invoice_line FOR EACH ROW WHEN ((old.visit_service_id IS NOT NULL)) EXECUTE FUNCTION app_private.tg_invoice_line__bills_the_visit();


--
-- Name: TRIGGER _205_bills_the_visit ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _205_bills_the_visit ON app_public.invoice_line IS 'A line that bills a visit''s service keeps its quantity, price and discount (tg_invoice_line__bills_the_visit).';


--
-- Name: visit _205_checked_in_to_a_doctor; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _205_checked_in_to_a_doctor BEFORE UPDATE OF status ON app_public.visit FOR EACH ROW WHEN (((new.status = 'checked_in'::app_public.visit_status) AND (old.status IS DISTINCT FROM 'checked_in'::app_public.visit_status))) EXECUTE FUNCTION app_private.tg_visit__checked_in_to_a_doctor();


--
-- Name: visit _210_billed_kept; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _210_billed_kept BEFORE UPDATE OF patient_id, doctor_id, status ON app_public.visit FOR EACH ROW EXECUTE FUNCTION app_private.tg_visit__billed_kept();


--
-- Name: TRIGGER _210_billed_kept ON visit; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _210_billed_kept ON app_public.visit IS 'A visit a live invoice bills keeps its patient and doctor and is not cancelled nor marked a no-show (tg_visit__billed_kept).';


--
-- Name: membership _210_declined_stays_declined; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _210_declined_stays_declined BEFORE INSERT OR UPDATE OF deleted_at ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg_membership__declined_stays_declined();


--
-- Name: invoice_line _210_position; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _210_position BEFORE INSERT ON app_public.invoice_line FOR EACH ROW EXECUTE FUNCTION app_private.tg_invoice_line__position();


--
-- Name: visit_service _210_position; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _210_position BEFORE INSERT ON app_public.visit_service FOR EACH ROW EXECUTE FUNCTION app_private.tg_visit_service__position();


--
-- Name: invoice_line _220_billed_once; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _220_billed_once BEFORE INSERT OR UPDATE OF service_id ON app_public.invoice_line FOR EACH ROW WHEN ((new.service_id IS NOT NULL)) EXECUTE FUNCTION app_private.tg_invoice_line__billed_once();


--
-- Name: TRIGGER _220_billed_once ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _220_billed_once ON app_public.invoice_line IS 'A service of the visit is billed on its invoice once, tied or typed (tg_invoice_line__billed_once).';


--
-- Name: visit_service _220_version; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _220_version BEFORE UPDATE ON app_public.visit_service FOR EACH ROW EXECUTE FUNCTION app_private.tg_visit_service__version();


--
-- Name: payment _300_money_day; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _300_money_day BEFORE INSERT OR DELETE OR UPDATE ON app_public.payment FOR EACH ROW EXECUTE FUNCTION app_private.tg__money_day();


--
-- Name: refund _300_money_day; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _300_money_day BEFORE INSERT OR DELETE OR UPDATE ON app_public.refund FOR EACH ROW EXECUTE FUNCTION app_private.tg__money_day();


--
-- Name: membership _300_soft_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _300_soft_delete BEFORE DELETE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg__soft_delete();


--
-- Name: patient _300_soft_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _300_soft_delete BEFORE DELETE ON app_public.patient FOR EACH ROW EXECUTE FUNCTION app_private.tg__soft_delete();


--
-- Name: service _300_soft_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _300_soft_delete BEFORE DELETE ON app_public.service FOR EACH ROW EXECUTE FUNCTION app_private.tg__soft_delete();


--
-- Name: payment _310_method_to_refunds; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _310_method_to_refunds BEFORE UPDATE OF method ON app_public.payment FOR EACH ROW WHEN ((old.method IS DISTINCT FROM new.method)) EXECUTE FUNCTION app_private.tg_payment__method_to_refunds();


--
-- Name: invoice _450_patient_not_deleted; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _450_patient_not_deleted AFTER INSERT OR UPDATE OF patient_id ON app_public.invoice FOR EACH ROW EXECUTE FUNCTION app_private.tg__patient_not_deleted();


--
-- Name: visit _450_patient_not_deleted; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _450_patient_not_deleted AFTER INSERT OR UPDATE OF patient_id ON app_public.visit FOR EACH ROW EXECUTE FUNCTION app_private.tg__patient_not_deleted();


--
-- Name: invoice _451_patient_not_deleted_when_issued; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _451_patient_not_deleted_when_issued AFTER UPDATE OF status ON app_public.invoice FOR EACH ROW WHEN (((old.status = 'draft'::app_public.invoice_status) AND (new.status <> ALL (ARRAY['draft'::app_public.invoice_status, 'void'::app_public.invoice_status])))) EXECUTE FUNCTION app_private.tg__patient_not_deleted('always');


--
-- Name: TRIGGER _451_patient_not_deleted_when_issued ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _451_patient_not_deleted_when_issued ON app_public.invoice IS 'A deleted patient''s draft is not issued (tg__patient_not_deleted), nor one of nothing to pay, which is issued as paid; it may be voided.';


--
-- Name: membership _480_session_turns; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _480_session_turns AFTER UPDATE ON app_public.membership REFERENCING OLD TABLE AS previous NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg_membership__session_turns();


--
-- Name: TRIGGER _480_session_turns ON membership; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _480_session_turns ON app_public.membership IS 'A change of memberships and the opening of their people''s sessions take turns, the people in the order of their ids (tg_membership__session_turns).';


--
-- Name: user _480_session_turns; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _480_session_turns AFTER UPDATE ON app_public."user" REFERENCING OLD TABLE AS old_users NEW TABLE AS new_users FOR EACH ROW EXECUTE FUNCTION app_private.tg_user__session_turns();


--
-- Name: TRIGGER _480_session_turns ON "user"; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _480_session_turns ON app_public."user" IS 'A deactivation''s or a change of platform rights'' sessions'' turns, taken before any audit chain (tg_user__session_turns).';


--
-- Name: membership _485_kept_to_the_resetting_clinic; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _485_kept_to_the_resetting_clinic AFTER INSERT OR UPDATE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg_membership__kept_to_the_resetting_clinic();


--
-- Name: clinic _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.clinic REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON clinic; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.clinic IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: daily_reconciliation _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.daily_reconciliation REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON daily_reconciliation; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.daily_reconciliation IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: invoice _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.invoice REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.invoice IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: invoice_line _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.invoice_line REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.invoice_line IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: membership _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.membership REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON membership; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.membership IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: patient _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.patient REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON patient; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.patient IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: payment _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.payment REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON payment; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.payment IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: refund _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.refund REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON refund; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.refund IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: report_export _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.report_export REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON report_export; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.report_export IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: service _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.service REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.service IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: user _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public."user" REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON "user"; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public."user" IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: visit _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.visit REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON visit; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.visit IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: visit_service _490_chains_in_order_on_delete; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_delete AFTER DELETE ON app_public.visit_service REFERENCING OLD TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_delete ON visit_service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_delete ON app_public.visit_service IS 'The audit chains of the rows of a delete of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: clinic _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.clinic REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON clinic; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.clinic IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: daily_reconciliation _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.daily_reconciliation REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON daily_reconciliation; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.daily_reconciliation IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: invoice _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.invoice REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.invoice IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: invoice_line _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.invoice_line REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.invoice_line IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: membership _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.membership REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON membership; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.membership IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: patient _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.patient REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON patient; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.patient IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: payment _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.payment REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON payment; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.payment IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: refund _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.refund REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON refund; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.refund IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: report_export _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.report_export REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON report_export; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.report_export IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: service _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.service REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.service IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: user _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public."user" REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON "user"; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public."user" IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: visit _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.visit REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON visit; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.visit IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: visit_service _490_chains_in_order_on_insert; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_insert AFTER INSERT ON app_public.visit_service REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_insert ON visit_service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_insert ON app_public.visit_service IS 'The audit chains of the rows of an insert of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: clinic _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public.clinic REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON clinic; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public.clinic IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: daily_reconciliation _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public.daily_reconciliation REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON daily_reconciliation; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public.daily_reconciliation IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: invoice _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public.invoice REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public.invoice IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: invoice_line _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public.invoice_line REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public.invoice_line IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: membership _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public.membership REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON membership; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public.membership IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: patient _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public.patient REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON patient; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public.patient IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: payment _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public.payment REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON payment; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public.payment IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: refund _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public.refund REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON refund; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public.refund IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: service _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public.service REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public.service IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: user _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public."user" REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON "user"; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public."user" IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: visit _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public.visit REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON visit; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public.visit IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: visit_service _490_chains_in_order_on_update; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _490_chains_in_order_on_update AFTER UPDATE ON app_public.visit_service REFERENCING NEW TABLE AS changed FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit_chains_in_order();


--
-- Name: TRIGGER _490_chains_in_order_on_update ON visit_service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _490_chains_in_order_on_update ON app_public.visit_service IS 'The audit chains of the rows of an update of several chains, locked in the order of their ids at its first row (tg__audit_chains_in_order).';


--
-- Name: clinic _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.clinic FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: daily_reconciliation _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.daily_reconciliation FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: invoice _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.invoice FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: invoice_line _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.invoice_line FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: membership _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: patient _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.patient FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: payment _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.payment FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: refund _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.refund FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: report_export _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE ON app_public.report_export FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: service _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.service FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: user _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public."user" FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: visit _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.visit FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: visit_service _500_audit; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _500_audit AFTER INSERT OR DELETE OR UPDATE ON app_public.visit_service FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();


--
-- Name: clinic _600_no_closed_day_ahead; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _600_no_closed_day_ahead AFTER UPDATE OF timezone ON app_public.clinic FOR EACH ROW WHEN ((old.timezone IS DISTINCT FROM new.timezone)) EXECUTE FUNCTION app_private.tg_clinic__no_closed_day_ahead();


--
-- Name: TRIGGER _600_no_closed_day_ahead ON clinic; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _600_no_closed_day_ahead ON app_public.clinic IS 'A closed business day has started in the clinic''s time zone (tg_clinic__no_closed_day_ahead).';


--
-- Name: service _600_record_price; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _600_record_price AFTER INSERT OR UPDATE OF price ON app_public.service FOR EACH ROW EXECUTE FUNCTION app_private.tg_service__record_price();


--
-- Name: invoice_line _600_totals; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _600_totals AFTER INSERT OR DELETE OR UPDATE OF invoice_id, quantity, unit_price, discount, tax_rate, decimals ON app_public.invoice_line FOR EACH ROW EXECUTE FUNCTION app_private.tg_invoice_line__totals();


--
-- Name: payment _600_totals; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _600_totals AFTER INSERT OR DELETE OR UPDATE ON app_public.payment FOR EACH ROW EXECUTE FUNCTION app_private.tg__money_totals();


--
-- Name: refund _600_totals; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _600_totals AFTER INSERT OR DELETE OR UPDATE ON app_public.refund FOR EACH ROW EXECUTE FUNCTION app_private.tg__money_totals();


--
-- Name: clinic _650_rollup; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _650_rollup AFTER UPDATE OF timezone ON app_public.clinic FOR EACH ROW WHEN ((old.timezone IS DISTINCT FROM new.timezone)) EXECUTE FUNCTION app_private.tg_clinic__timezone_rollups();


--
-- Name: invoice _650_rollup; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _650_rollup AFTER UPDATE OF status, created_at ON app_public.invoice FOR EACH ROW WHEN ((((old.status = 'void'::app_public.invoice_status) IS DISTINCT FROM (new.status = 'void'::app_public.invoice_status)) OR (old.created_at IS DISTINCT FROM new.created_at))) EXECUTE FUNCTION app_private.tg_invoice__rollup();


--
-- Name: invoice_line _650_rollup; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _650_rollup AFTER INSERT OR DELETE OR UPDATE OF invoice_id, service_id, quantity, unit_price, discount, tax_rate ON app_public.invoice_line FOR EACH ROW EXECUTE FUNCTION app_private.tg_invoice_line__rollup();


--
-- Name: patient _650_rollup; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _650_rollup AFTER INSERT ON app_public.patient FOR EACH ROW EXECUTE FUNCTION app_private.tg_patient__rollup();


--
-- Name: payment _650_rollup; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _650_rollup AFTER INSERT OR DELETE OR UPDATE OF amount, method, business_date ON app_public.payment FOR EACH ROW EXECUTE FUNCTION app_private.tg__money_rollup();


--
-- Name: refund _650_rollup; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _650_rollup AFTER INSERT OR DELETE OR UPDATE OF amount, method, business_date ON app_public.refund FOR EACH ROW EXECUTE FUNCTION app_private.tg__money_rollup();


--
-- Name: visit _650_rollup; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _650_rollup AFTER INSERT OR DELETE OR UPDATE OF status, scheduled_at, doctor_id ON app_public.visit FOR EACH ROW EXECUTE FUNCTION app_private.tg_visit__rollup();


--
-- Name: patient _650_search_text; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _650_search_text AFTER INSERT OR UPDATE OF first_name, last_name, code, phone, date_of_birth, deleted_at ON app_public.patient FOR EACH ROW EXECUTE FUNCTION app_private.tg_patient__search_text();


--
-- Name: TRIGGER _650_search_text ON patient; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _650_search_text ON app_public.patient IS 'Keeps the patient''s copy in app_private.patient_search (the search''s text, sort keys, date of birth, whether deleted) as the patient is now.';


--
-- Name: invoice _660_visit_bill; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _660_visit_bill AFTER INSERT ON app_public.invoice FOR EACH ROW WHEN ((new.visit_id IS NOT NULL)) EXECUTE FUNCTION app_private.tg_invoice__visit_bill();


--
-- Name: TRIGGER _660_visit_bill ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _660_visit_bill ON app_public.invoice IS 'Copies a live invoice made from a visit (tg_invoice__visit_bill).';


--
-- Name: invoice_line _660_visit_service_line; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _660_visit_service_line AFTER INSERT OR DELETE OR UPDATE OF visit_service_id ON app_public.invoice_line FOR EACH ROW EXECUTE FUNCTION app_private.tg_invoice_line__visit_service_line();


--
-- Name: TRIGGER _660_visit_service_line ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _660_visit_service_line ON app_public.invoice_line IS 'Copies which visit''s service the line bills (tg_invoice_line__visit_service_line).';


--
-- Name: invoice _661_visit_bill; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _661_visit_bill AFTER UPDATE ON app_public.invoice FOR EACH ROW WHEN ((((new.visit_id IS DISTINCT FROM old.visit_id) OR (new.code IS DISTINCT FROM old.code)) OR (new.status IS DISTINCT FROM old.status))) EXECUTE FUNCTION app_private.tg_invoice__visit_bill();


--
-- Name: TRIGGER _661_visit_bill ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _661_visit_bill ON app_public.invoice IS 'Keeps the copy of a live invoice made from a visit as the invoice is now (tg_invoice__visit_bill).';


--
-- Name: invoice_line _670_key_kept; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _670_key_kept AFTER DELETE ON app_public.invoice_line FOR EACH ROW WHEN ((old.idempotency_key IS NOT NULL)) EXECUTE FUNCTION app_private.tg_invoice_line__key_kept();


--
-- Name: TRIGGER _670_key_kept ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _670_key_kept ON app_public.invoice_line IS 'The key of a deleted line stays spent (tg_invoice_line__key_kept).';


--
-- Name: visit _700_notify; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _700_notify AFTER INSERT OR UPDATE OF status, scheduled_at, doctor_id, patient_id, reason ON app_public.visit FOR EACH ROW EXECUTE FUNCTION app_private.tg_visit__notify();


--
-- Name: TRIGGER _700_notify ON visit; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _700_notify ON app_public.visit IS 'A visit booked, or changed in what the queue shows (status, time, doctor, patient, reason), is told to its clinic''s queue (tg_visit__notify).';


--
-- Name: membership _700_notify_visit_queue; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _700_notify_visit_queue AFTER UPDATE OF role ON app_public.membership FOR EACH ROW WHEN ((old.role IS DISTINCT FROM new.role)) EXECUTE FUNCTION app_private.tg_membership__notify_visit_queue();


--
-- Name: patient _700_notify_visits; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _700_notify_visits AFTER UPDATE OF first_name, last_name ON app_public.patient FOR EACH ROW WHEN (((new.first_name IS DISTINCT FROM old.first_name) OR (new.last_name IS DISTINCT FROM old.last_name))) EXECUTE FUNCTION app_private.tg_patient__notify_visits();


--
-- Name: TRIGGER _700_notify_visits ON patient; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON TRIGGER _700_notify_visits ON app_public.patient IS 'A patient renamed: the live queue hears of each of their visits under way (tg_patient__notify_visits).';


--
-- Name: clinic _700_time_zone; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _700_time_zone AFTER INSERT OR UPDATE OF timezone ON app_public.clinic FOR EACH ROW EXECUTE FUNCTION app_private.tg_clinic__time_zone();


--
-- Name: user _900_end_sessions; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _900_end_sessions AFTER UPDATE ON app_public."user" REFERENCING OLD TABLE AS old_users NEW TABLE AS new_users FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_user__end_sessions();


--
-- Name: membership _900_sync_sessions; Type: TRIGGER; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE TRIGGER _900_sync_sessions AFTER UPDATE ON app_public.membership FOR EACH ROW EXECUTE FUNCTION app_private.tg_membership__sync_sessions();


--
-- Name: clinic_time_zone clinic_time_zone_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_hidden; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_hidden.clinic_time_zone
    ADD CONSTRAINT clinic_time_zone_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id) ON DELETE CASCADE;


--
-- Name: analyst_grant analyst_grant_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.analyst_grant
    ADD CONSTRAINT analyst_grant_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: code_counter code_counter_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.code_counter
    ADD CONSTRAINT code_counter_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: daily_money daily_money_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.daily_money
    ADD CONSTRAINT daily_money_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: daily_patients daily_patients_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.daily_patients
    ADD CONSTRAINT daily_patients_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: daily_services daily_services_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.daily_services
    ADD CONSTRAINT daily_services_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: daily_visits daily_visits_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.daily_visits
    ADD CONSTRAINT daily_visits_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: login_device login_device_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.login_device
    ADD CONSTRAINT login_device_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public."user"(id) ON DELETE CASCADE;


--
-- Name: login_network login_network_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.login_network
    ADD CONSTRAINT login_network_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public."user"(id) ON DELETE CASCADE;


--
-- Name: patient_search patient_search_clinic_id_patient_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.patient_search
    ADD CONSTRAINT patient_search_clinic_id_patient_id_fkey FOREIGN KEY (clinic_id, patient_id) REFERENCES app_public.patient(clinic_id, id) ON DELETE CASCADE;


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
-- Name: visit_bill visit_bill_clinic_id_invoice_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_private.visit_bill
    ADD CONSTRAINT visit_bill_clinic_id_invoice_id_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES app_public.invoice(clinic_id, id) ON DELETE CASCADE;


--
-- Name: audit_log audit_log_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

ALTER TABLE ONLY app_public.audit_log
    ADD CONSTRAINT audit_log_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: daily_reconciliation daily_reconciliation_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.daily_reconciliation
    ADD CONSTRAINT daily_reconciliation_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: invoice invoice_clinic_id_doctor_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice
    ADD CONSTRAINT invoice_clinic_id_doctor_id_fkey FOREIGN KEY (clinic_id, doctor_id) REFERENCES app_public.membership(clinic_id, id);


--
-- Name: CONSTRAINT invoice_clinic_id_doctor_id_fkey ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT invoice_clinic_id_doctor_id_fkey ON app_public.invoice IS '@fieldName doctor
@foreignFieldName doctorInvoices';


--
-- Name: invoice invoice_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice
    ADD CONSTRAINT invoice_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: invoice invoice_clinic_id_patient_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice
    ADD CONSTRAINT invoice_clinic_id_patient_id_fkey FOREIGN KEY (clinic_id, patient_id) REFERENCES app_public.patient(clinic_id, id);


--
-- Name: CONSTRAINT invoice_clinic_id_patient_id_fkey ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT invoice_clinic_id_patient_id_fkey ON app_public.invoice IS '@fieldName patient
@foreignFieldName invoices';


--
-- Name: invoice invoice_clinic_id_visit_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice
    ADD CONSTRAINT invoice_clinic_id_visit_id_fkey FOREIGN KEY (clinic_id, visit_id) REFERENCES app_public.visit(clinic_id, id);


--
-- Name: CONSTRAINT invoice_clinic_id_visit_id_fkey ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT invoice_clinic_id_visit_id_fkey ON app_public.invoice IS '@fieldName visit
@foreignFieldName invoices';


--
-- Name: invoice_line invoice_line_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice_line
    ADD CONSTRAINT invoice_line_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: invoice_line invoice_line_clinic_id_invoice_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice_line
    ADD CONSTRAINT invoice_line_clinic_id_invoice_id_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES app_public.invoice(clinic_id, id);


--
-- Name: CONSTRAINT invoice_line_clinic_id_invoice_id_fkey ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT invoice_line_clinic_id_invoice_id_fkey ON app_public.invoice_line IS '@fieldName invoice
@foreignFieldName lines';


--
-- Name: invoice_line invoice_line_clinic_id_service_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice_line
    ADD CONSTRAINT invoice_line_clinic_id_service_id_fkey FOREIGN KEY (clinic_id, service_id) REFERENCES app_public.service(clinic_id, id);


--
-- Name: CONSTRAINT invoice_line_clinic_id_service_id_fkey ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT invoice_line_clinic_id_service_id_fkey ON app_public.invoice_line IS '@fieldName service
@foreignFieldName invoiceLines';


--
-- Name: invoice_line invoice_line_clinic_id_visit_service_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice_line
    ADD CONSTRAINT invoice_line_clinic_id_visit_service_id_fkey FOREIGN KEY (clinic_id, visit_service_id) REFERENCES app_public.visit_service(clinic_id, id) ON DELETE SET NULL (visit_service_id);


--
-- Name: CONSTRAINT invoice_line_clinic_id_visit_service_id_fkey ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT invoice_line_clinic_id_visit_service_id_fkey ON app_public.invoice_line IS '@fieldName visitService
@foreignFieldName invoiceLines';


--
-- Name: invoice_line invoice_line_visit_service_version_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.invoice_line
    ADD CONSTRAINT invoice_line_visit_service_version_fkey FOREIGN KEY (clinic_id, visit_service_id, visit_service_version) REFERENCES app_public.visit_service(clinic_id, id, version) ON UPDATE CASCADE ON DELETE SET NULL (visit_service_id, visit_service_version);


--
-- Name: CONSTRAINT invoice_line_visit_service_version_fkey ON invoice_line; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT invoice_line_visit_service_version_fkey ON app_public.invoice_line IS '@behavior -*
A line bills its visit''s service as it was: a new version of it comes to the line (and its removal clears the link), which tg_invoice_line__guard refuses while the invoice is live.';


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
-- Name: patient patient_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.patient
    ADD CONSTRAINT patient_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: payment payment_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.payment
    ADD CONSTRAINT payment_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: payment payment_clinic_id_invoice_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.payment
    ADD CONSTRAINT payment_clinic_id_invoice_id_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES app_public.invoice(clinic_id, id);


--
-- Name: CONSTRAINT payment_clinic_id_invoice_id_fkey ON payment; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT payment_clinic_id_invoice_id_fkey ON app_public.payment IS '@fieldName invoice
@foreignFieldName payments';


--
-- Name: refund refund_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.refund
    ADD CONSTRAINT refund_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: refund refund_clinic_id_invoice_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.refund
    ADD CONSTRAINT refund_clinic_id_invoice_id_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES app_public.invoice(clinic_id, id);


--
-- Name: CONSTRAINT refund_clinic_id_invoice_id_fkey ON refund; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT refund_clinic_id_invoice_id_fkey ON app_public.refund IS '@fieldName invoice
@foreignFieldName refunds';


--
-- Name: refund refund_clinic_id_payment_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.refund
    ADD CONSTRAINT refund_clinic_id_payment_id_fkey FOREIGN KEY (clinic_id, payment_id) REFERENCES app_public.payment(clinic_id, id);


--
-- Name: CONSTRAINT refund_clinic_id_payment_id_fkey ON refund; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT refund_clinic_id_payment_id_fkey ON app_public.refund IS '@fieldName payment
@foreignFieldName refunds';


--
-- Name: report_export report_export_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.report_export
    ADD CONSTRAINT report_export_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: report_export report_export_clinic_id_invoice_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.report_export
    ADD CONSTRAINT report_export_clinic_id_invoice_id_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES app_public.invoice(clinic_id, id);


--
-- Name: CONSTRAINT report_export_clinic_id_invoice_id_fkey ON report_export; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT report_export_clinic_id_invoice_id_fkey ON app_public.report_export IS '@behavior -*
An invoice PDF''s invoice, of the export''s clinic (request_export refuses another first, NOT_FOUND); not a relation of the API.';


--
-- Name: service service_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.service
    ADD CONSTRAINT service_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: service_price service_price_clinic_id_service_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.service_price
    ADD CONSTRAINT service_price_clinic_id_service_id_fkey FOREIGN KEY (clinic_id, service_id) REFERENCES app_public.service(clinic_id, id);


--
-- Name: CONSTRAINT service_price_clinic_id_service_id_fkey ON service_price; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT service_price_clinic_id_service_id_fkey ON app_public.service_price IS '@fieldName service
@foreignFieldName prices';


--
-- Name: visit visit_clinic_id_doctor_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.visit
    ADD CONSTRAINT visit_clinic_id_doctor_id_fkey FOREIGN KEY (clinic_id, doctor_id) REFERENCES app_public.membership(clinic_id, id);


--
-- Name: CONSTRAINT visit_clinic_id_doctor_id_fkey ON visit; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT visit_clinic_id_doctor_id_fkey ON app_public.visit IS '@fieldName doctor
@foreignFieldName doctorVisits';


--
-- Name: visit visit_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.visit
    ADD CONSTRAINT visit_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: visit visit_clinic_id_patient_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.visit
    ADD CONSTRAINT visit_clinic_id_patient_id_fkey FOREIGN KEY (clinic_id, patient_id) REFERENCES app_public.patient(clinic_id, id);


--
-- Name: CONSTRAINT visit_clinic_id_patient_id_fkey ON visit; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT visit_clinic_id_patient_id_fkey ON app_public.visit IS '@fieldName patient
@foreignFieldName visits';


--
-- Name: visit_service visit_service_clinic_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.visit_service
    ADD CONSTRAINT visit_service_clinic_id_fkey FOREIGN KEY (clinic_id) REFERENCES app_public.clinic(id);


--
-- Name: visit_service visit_service_clinic_id_service_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.visit_service
    ADD CONSTRAINT visit_service_clinic_id_service_id_fkey FOREIGN KEY (clinic_id, service_id) REFERENCES app_public.service(clinic_id, id);


--
-- Name: CONSTRAINT visit_service_clinic_id_service_id_fkey ON visit_service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT visit_service_clinic_id_service_id_fkey ON app_public.visit_service IS '@fieldName service
@foreignFieldName visitServices';


--
-- Name: visit_service visit_service_clinic_id_visit_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE ONLY app_public.visit_service
    ADD CONSTRAINT visit_service_clinic_id_visit_id_fkey FOREIGN KEY (clinic_id, visit_id) REFERENCES app_public.visit(clinic_id, id);


--
-- Name: CONSTRAINT visit_service_clinic_id_visit_id_fkey ON visit_service; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON CONSTRAINT visit_service_clinic_id_visit_id_fkey ON app_public.visit_service IS '@fieldName visit
@foreignFieldName services';


--
-- Name: clinic_time_zone; Type: ROW SECURITY; Schema: app_hidden; Owner: :DATABASE_OWNER
--

ALTER TABLE app_hidden.clinic_time_zone ENABLE ROW LEVEL SECURITY;

--
-- Name: clinic_time_zone kept_by_trigger; Type: POLICY; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE POLICY kept_by_trigger ON app_hidden.clinic_time_zone TO :DATABASE_OWNER USING (true);


--
-- Name: clinic_time_zone read_by_login; Type: POLICY; Schema: app_hidden; Owner: :DATABASE_OWNER
--

CREATE POLICY read_by_login ON app_hidden.clinic_time_zone FOR SELECT TO :DATABASE_AUTHENTICATOR USING (true);


--
-- Name: analyst_grant; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.analyst_grant ENABLE ROW LEVEL SECURITY;

--
-- Name: audit_anchor; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.audit_anchor ENABLE ROW LEVEL SECURITY;

--
-- Name: audit_chain_head; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.audit_chain_head ENABLE ROW LEVEL SECURITY;

--
-- Name: code_counter; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.code_counter ENABLE ROW LEVEL SECURITY;

--
-- Name: daily_money; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.daily_money ENABLE ROW LEVEL SECURITY;

--
-- Name: daily_patients; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.daily_patients ENABLE ROW LEVEL SECURITY;

--
-- Name: daily_services; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.daily_services ENABLE ROW LEVEL SECURITY;

--
-- Name: daily_visits; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.daily_visits ENABLE ROW LEVEL SECURITY;

--
-- Name: deleted_invoice_line_key; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.deleted_invoice_line_key ENABLE ROW LEVEL SECURITY;

--
-- Name: export_download; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.export_download ENABLE ROW LEVEL SECURITY;

--
-- Name: export_storage; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.export_storage ENABLE ROW LEVEL SECURITY;

--
-- Name: login_device; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.login_device ENABLE ROW LEVEL SECURITY;

--
-- Name: login_failure; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.login_failure ENABLE ROW LEVEL SECURITY;

--
-- Name: login_network; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.login_network ENABLE ROW LEVEL SECURITY;

--
-- Name: analyst_grant owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.analyst_grant TO :DATABASE_OWNER USING (true);


--
-- Name: audit_anchor owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.audit_anchor TO :DATABASE_OWNER USING (true);


--
-- Name: audit_chain_head owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.audit_chain_head TO :DATABASE_OWNER USING (true);


--
-- Name: code_counter owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.code_counter TO :DATABASE_OWNER USING (true);


--
-- Name: daily_money owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.daily_money TO :DATABASE_OWNER USING (true);


--
-- Name: daily_patients owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.daily_patients TO :DATABASE_OWNER USING (true);


--
-- Name: daily_services owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.daily_services TO :DATABASE_OWNER USING (true);


--
-- Name: daily_visits owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.daily_visits TO :DATABASE_OWNER USING (true);


--
-- Name: deleted_invoice_line_key owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.deleted_invoice_line_key TO :DATABASE_OWNER USING (true);


--
-- Name: POLICY owner_only ON deleted_invoice_line_key; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON POLICY owner_only ON app_private.deleted_invoice_line_key IS 'Read and kept by definer functions only.';


--
-- Name: export_download owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.export_download TO :DATABASE_OWNER USING (true);


--
-- Name: POLICY owner_only ON export_download; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON POLICY owner_only ON app_private.export_download IS 'Kept and read by definer functions only (export_for_download, export_download_ended).';


--
-- Name: export_storage owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.export_storage TO :DATABASE_OWNER USING (true);


--
-- Name: login_device owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.login_device TO :DATABASE_OWNER USING (true);


--
-- Name: login_failure owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.login_failure TO :DATABASE_OWNER USING (true);


--
-- Name: login_network owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.login_network TO :DATABASE_OWNER USING (true);


--
-- Name: patient_search owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.patient_search TO :DATABASE_OWNER USING (true);


--
-- Name: reinvitation owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.reinvitation TO :DATABASE_OWNER USING (true);


--
-- Name: POLICY owner_only ON reinvitation; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON POLICY owner_only ON app_private.reinvitation IS 'Read and kept by definer functions only.';


--
-- Name: secret_key owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.secret_key TO :DATABASE_OWNER USING (true);


--
-- Name: session owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.session TO :DATABASE_OWNER USING (true);


--
-- Name: upgrade_warning owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.upgrade_warning TO :DATABASE_OWNER USING (true);


--
-- Name: user_secret owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.user_secret TO :DATABASE_OWNER USING (true);


--
-- Name: visit_bill owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.visit_bill TO :DATABASE_OWNER USING (true);


--
-- Name: POLICY owner_only ON visit_bill; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON POLICY owner_only ON app_private.visit_bill IS 'Read and kept by definer functions only.';


--
-- Name: visit_service_line owner_only; Type: POLICY; Schema: app_private; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_only ON app_private.visit_service_line TO :DATABASE_OWNER USING (true);


--
-- Name: POLICY owner_only ON visit_service_line; Type: COMMENT; Schema: app_private; Owner: :DATABASE_OWNER
--

COMMENT ON POLICY owner_only ON app_private.visit_service_line IS 'Read and kept by definer functions only.';


--
-- Name: patient_search; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.patient_search ENABLE ROW LEVEL SECURITY;

--
-- Name: reinvitation; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.reinvitation ENABLE ROW LEVEL SECURITY;

--
-- Name: secret_key; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.secret_key ENABLE ROW LEVEL SECURITY;

--
-- Name: session; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.session ENABLE ROW LEVEL SECURITY;

--
-- Name: upgrade_warning; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.upgrade_warning ENABLE ROW LEVEL SECURITY;

--
-- Name: user_secret; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.user_secret ENABLE ROW LEVEL SECURITY;

--
-- Name: visit_bill; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.visit_bill ENABLE ROW LEVEL SECURITY;

--
-- Name: visit_service_line; Type: ROW SECURITY; Schema: app_private; Owner: :DATABASE_OWNER
--

ALTER TABLE app_private.visit_service_line ENABLE ROW LEVEL SECURITY;

--
-- Name: membership answer_own_invitations; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY answer_own_invitations ON app_public.membership FOR UPDATE TO :DATABASE_OWNER USING (((user_id = ( SELECT app_public.current_user_id() AS current_user_id)) AND (accepted_at IS NULL) AND (deleted_at IS NULL))) WITH CHECK ((user_id = ( SELECT app_public.current_user_id() AS current_user_id)));


--
-- Name: audit_log; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_AUDITOR
--

ALTER TABLE app_public.audit_log ENABLE ROW LEVEL SECURITY;

--
-- Name: clinic; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.clinic ENABLE ROW LEVEL SECURITY;

--
-- Name: daily_reconciliation; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.daily_reconciliation ENABLE ROW LEVEL SECURITY;

--
-- Name: membership decline_own_invitations; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY decline_own_invitations ON app_public.membership FOR DELETE TO :DATABASE_OWNER USING (((user_id = ( SELECT app_public.current_user_id() AS current_user_id)) AND (accepted_at IS NULL) AND (deleted_at IS NULL)));


--
-- Name: POLICY decline_own_invitations ON membership; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON POLICY decline_own_invitations ON app_public.membership IS 'Owner role only, inside decline_invitation: the current user may delete (soft_delete turns it into an update) their own pending invitation; the visitor role has no such policy.';


--
-- Name: invoice_line delete_billing; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY delete_billing ON app_public.invoice_line FOR DELETE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.may_invoice() AS may_invoice)));


--
-- Name: visit_service delete_clinicians; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY delete_clinicians ON app_public.visit_service FOR DELETE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND (( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in) OR (( SELECT app_hidden.current_role_in(VARIADIC ARRAY['doctor'::app_public.member_role]) AS current_role_in) AND (EXISTS ( SELECT 1
   FROM app_public.visit v
  WHERE ((v.clinic_id = visit_service.clinic_id) AND (v.id = visit_service.visit_id) AND (v.doctor_id = ( SELECT app_public.current_membership_id() AS current_membership_id)))))))));


--
-- Name: membership delete_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY delete_managers ON app_public.membership FOR DELETE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)));


--
-- Name: patient delete_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY delete_managers ON app_public.patient FOR DELETE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)));


--
-- Name: service delete_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY delete_managers ON app_public.service FOR DELETE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)));


--
-- Name: membership every_clinic; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY every_clinic ON app_public.membership FOR SELECT TO :DATABASE_OWNER USING (( SELECT (current_setting('clinicops.every_clinic'::text, true) = 'on'::text)));


--
-- Name: POLICY every_clinic ON membership; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON POLICY every_clinic ON app_public.membership IS 'Owner role only: every clinic''s memberships, while a function has clinicops.every_clinic on in its definition (app_private.member_elsewhere, app_private.soft_deleted_row, app_private.not_a_member_message).';


--
-- Name: invoice insert_billing; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_billing ON app_public.invoice FOR INSERT WITH CHECK (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.may_invoice() AS may_invoice)));


--
-- Name: invoice_line insert_billing; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_billing ON app_public.invoice_line FOR INSERT WITH CHECK (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.may_invoice() AS may_invoice)));


--
-- Name: visit_service insert_clinicians; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_clinicians ON app_public.visit_service FOR INSERT WITH CHECK (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND (( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in) OR (( SELECT app_hidden.current_role_in(VARIADIC ARRAY['doctor'::app_public.member_role]) AS current_role_in) AND (EXISTS ( SELECT 1
   FROM app_public.visit v
  WHERE ((v.clinic_id = visit_service.clinic_id) AND (v.id = visit_service.visit_id) AND (v.doctor_id = ( SELECT app_public.current_membership_id() AS current_membership_id)))))))));


--
-- Name: patient insert_front_desk; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_front_desk ON app_public.patient FOR INSERT WITH CHECK (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role, 'receptionist'::app_public.member_role]) AS current_role_in)));


--
-- Name: visit insert_front_desk; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_front_desk ON app_public.visit FOR INSERT WITH CHECK (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role, 'receptionist'::app_public.member_role]) AS current_role_in)));


--
-- Name: membership insert_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_managers ON app_public.membership FOR INSERT WITH CHECK ((((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)) OR ( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin)));


--
-- Name: service insert_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_managers ON app_public.service FOR INSERT WITH CHECK (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)));


--
-- Name: report_export insert_money; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_money ON app_public.report_export FOR INSERT WITH CHECK (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.handles_money() AS handles_money)));


--
-- Name: clinic insert_platform; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_platform ON app_public.clinic FOR INSERT WITH CHECK (( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin));


--
-- Name: service_price insert_with_service; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY insert_with_service ON app_public.service_price FOR INSERT WITH CHECK ((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)));


--
-- Name: clinic invited_clinics; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY invited_clinics ON app_public.clinic FOR SELECT TO :DATABASE_OWNER USING ((EXISTS ( SELECT 1
   FROM app_public.membership m
  WHERE ((m.clinic_id = clinic.id) AND (m.user_id = ( SELECT app_public.current_user_id() AS current_user_id)) AND (m.accepted_at IS NULL) AND (m.deleted_at IS NULL)))));


--
-- Name: invoice; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.invoice ENABLE ROW LEVEL SECURITY;

--
-- Name: invoice_line; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.invoice_line ENABLE ROW LEVEL SECURITY;

--
-- Name: membership; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.membership ENABLE ROW LEVEL SECURITY;

--
-- Name: daily_reconciliation money_handlers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY money_handlers ON app_public.daily_reconciliation USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.handles_money() AS handles_money)));


--
-- Name: payment money_handlers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY money_handlers ON app_public.payment USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.handles_money() AS handles_money)));


--
-- Name: refund money_handlers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY money_handlers ON app_public.refund USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.handles_money() AS handles_money)));


--
-- Name: membership own_invitations; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY own_invitations ON app_public.membership FOR SELECT TO :DATABASE_OWNER USING (((user_id = ( SELECT app_public.current_user_id() AS current_user_id)) AND (accepted_at IS NULL) AND ((deleted_at IS NULL) OR ( SELECT app_hidden.include_deleted() AS include_deleted))));


--
-- Name: user owner_all; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY owner_all ON app_public."user" TO :DATABASE_OWNER USING (true);


--
-- Name: audit_log owner_appends; Type: POLICY; Schema: app_public; Owner: :DATABASE_AUDITOR
--

CREATE POLICY owner_appends ON app_public.audit_log FOR INSERT TO :DATABASE_OWNER WITH CHECK (true);


--
-- Name: audit_log owner_reads; Type: POLICY; Schema: app_public; Owner: :DATABASE_AUDITOR
--

CREATE POLICY owner_reads ON app_public.audit_log FOR SELECT TO :DATABASE_OWNER USING (true);


--
-- Name: patient; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.patient ENABLE ROW LEVEL SECURITY;

--
-- Name: payment; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.payment ENABLE ROW LEVEL SECURITY;

--
-- Name: refund; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.refund ENABLE ROW LEVEL SECURITY;

--
-- Name: report_export; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.report_export ENABLE ROW LEVEL SECURITY;

--
-- Name: invoice select_billing; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_billing ON app_public.invoice FOR SELECT USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.may_invoice() AS may_invoice)));


--
-- Name: invoice_line select_billing; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_billing ON app_public.invoice_line FOR SELECT USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.may_invoice() AS may_invoice)));


--
-- Name: audit_log select_chain; Type: POLICY; Schema: app_public; Owner: :DATABASE_AUDITOR
--

CREATE POLICY select_chain ON app_public.audit_log FOR SELECT USING ((COALESCE(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = ( SELECT app_hidden.audit_chain_in_view() AS audit_chain_in_view)));


--
-- Name: POLICY select_chain ON audit_log; Type: COMMENT; Schema: app_public; Owner: :DATABASE_AUDITOR
--

COMMENT ON POLICY select_chain ON app_public.audit_log IS 'A session reads one chain (audit_chain_in_view): its clinic''s, for owners and admins; the platform''s (clinic_id null: failed logins, sessions without a clinic, accounts changed from a clinic the person is not of) for platform administrators otherwise.';


--
-- Name: membership select_clinic; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_clinic ON app_public.membership FOR SELECT USING ((((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) OR ((user_id = ( SELECT app_public.current_user_id() AS current_user_id)) AND (accepted_at IS NOT NULL)) OR ( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin)) AND ((deleted_at IS NULL) OR ( SELECT app_hidden.include_deleted() AS include_deleted))));


--
-- Name: patient select_clinic; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_clinic ON app_public.patient FOR SELECT USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ((deleted_at IS NULL) OR ( SELECT app_hidden.include_deleted() AS include_deleted))));


--
-- Name: service select_clinic; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_clinic ON app_public.service FOR SELECT USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ((deleted_at IS NULL) OR ( SELECT app_hidden.include_deleted() AS include_deleted))));


--
-- Name: service_price select_clinic; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_clinic ON app_public.service_price FOR SELECT USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND (( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in) OR (EXISTS ( SELECT
   FROM app_public.service s
  WHERE ((s.clinic_id = service_price.clinic_id) AND (s.id = service_price.service_id)))))));


--
-- Name: POLICY select_clinic ON service_price; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON POLICY select_clinic ON app_public.service_price IS 'The clinic''s price history; a deleted service''s (hidden from the catalog, as its select policy hides the service) to owners and admins only.';


--
-- Name: visit select_clinic; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_clinic ON app_public.visit FOR SELECT USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND (( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role, 'receptionist'::app_public.member_role, 'cashier'::app_public.member_role]) AS current_role_in) OR (doctor_id = ( SELECT app_public.current_membership_id() AS current_membership_id)))));


--
-- Name: user select_colleagues; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_colleagues ON app_public."user" FOR SELECT USING (((id = ( SELECT app_public.current_user_id() AS current_user_id)) OR ( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin) OR (EXISTS ( SELECT 1
   FROM app_public.membership m
  WHERE ((m.user_id = "user".id) AND (m.clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND (m.accepted_at IS NOT NULL))))));


--
-- Name: report_export select_money; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_money ON app_public.report_export FOR SELECT USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.handles_money() AS handles_money)));


--
-- Name: clinic select_own; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_own ON app_public.clinic FOR SELECT USING (((id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) OR ( SELECT app_public.current_user_is_platform_admin() AS current_user_is_platform_admin) OR (EXISTS ( SELECT 1
   FROM app_public.membership m
  WHERE ((m.clinic_id = clinic.id) AND (m.user_id = ( SELECT app_public.current_user_id() AS current_user_id)) AND (m.accepted_at IS NOT NULL) AND m.is_active)))));


--
-- Name: POLICY select_own ON clinic; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON POLICY select_own ON app_public.clinic IS 'A session sees its own clinic, a platform admin every clinic, a person the clinics they may switch to: accepted, active (not suspended) and not removed memberships.';


--
-- Name: visit_service select_with_visit; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY select_with_visit ON app_public.visit_service FOR SELECT USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND (EXISTS ( SELECT 1
   FROM app_public.visit v
  WHERE ((v.clinic_id = visit_service.clinic_id) AND (v.id = visit_service.visit_id))))));


--
-- Name: service; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.service ENABLE ROW LEVEL SECURITY;

--
-- Name: service_price; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.service_price ENABLE ROW LEVEL SECURITY;

--
-- Name: clinic system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.clinic TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: daily_reconciliation system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.daily_reconciliation TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: invoice system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.invoice TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: invoice_line system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.invoice_line TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: membership system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.membership TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: patient system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.patient TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: payment system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.payment TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: refund system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.refund TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: report_export system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.report_export TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: service system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.service TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: service_price system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.service_price TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: visit system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.visit TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: visit_service system_context; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY system_context ON app_public.visit_service TO :DATABASE_OWNER USING (( SELECT app_hidden.in_system_context() AS in_system_context));


--
-- Name: invoice_line update_billing; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_billing ON app_public.invoice_line FOR UPDATE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.may_invoice() AS may_invoice)));


--
-- Name: visit_service update_clinicians; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_clinicians ON app_public.visit_service FOR UPDATE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND (( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in) OR (( SELECT app_hidden.current_role_in(VARIADIC ARRAY['doctor'::app_public.member_role]) AS current_role_in) AND (EXISTS ( SELECT 1
   FROM app_public.visit v
  WHERE ((v.clinic_id = visit_service.clinic_id) AND (v.id = visit_service.visit_id) AND (v.doctor_id = ( SELECT app_public.current_membership_id() AS current_membership_id)))))))));


--
-- Name: invoice update_draft_billing; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_draft_billing ON app_public.invoice FOR UPDATE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.may_invoice() AS may_invoice) AND (status = 'draft'::app_public.invoice_status))) WITH CHECK (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.may_invoice() AS may_invoice) AND (status = ANY (ARRAY['draft'::app_public.invoice_status, 'void'::app_public.invoice_status]))));


--
-- Name: POLICY update_draft_billing ON invoice; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON POLICY update_draft_billing ON app_public.invoice IS 'Whoever may invoice (receptionists too, when the clinic allows it) may update the clinic''s drafts, which stay drafts (what keeps a draft''s totals in step with its lines) or are voided (void_invoice, the one way to the status: the API role writes only notes). Issued invoices change through update_money (owners, admins, cashiers).';


--
-- Name: patient update_front_desk; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_front_desk ON app_public.patient FOR UPDATE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role, 'receptionist'::app_public.member_role]) AS current_role_in)));


--
-- Name: visit update_front_desk_and_doctor; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_front_desk_and_doctor ON app_public.visit FOR UPDATE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND (( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role, 'receptionist'::app_public.member_role]) AS current_role_in) OR (( SELECT app_hidden.current_role_in(VARIADIC ARRAY['doctor'::app_public.member_role]) AS current_role_in) AND (doctor_id = ( SELECT app_public.current_membership_id() AS current_membership_id))))));


--
-- Name: clinic update_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_managers ON app_public.clinic FOR UPDATE USING (((id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)));


--
-- Name: membership update_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_managers ON app_public.membership FOR UPDATE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)));


--
-- Name: service update_managers; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_managers ON app_public.service FOR UPDATE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.current_role_in(VARIADIC ARRAY['owner'::app_public.member_role, 'admin'::app_public.member_role]) AS current_role_in)));


--
-- Name: invoice update_money; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_money ON app_public.invoice FOR UPDATE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.handles_money() AS handles_money)));


--
-- Name: report_export update_money; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_money ON app_public.report_export FOR UPDATE USING (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.handles_money() AS handles_money))) WITH CHECK (((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)) AND ( SELECT app_hidden.handles_money() AS handles_money)));


--
-- Name: POLICY update_money ON report_export; Type: COMMENT; Schema: app_public; Owner: :DATABASE_OWNER
--

COMMENT ON POLICY update_money ON app_public.report_export IS 'An owner, admin or cashier of the export''s clinic marks it deleted (delete_export) or cancelled (cancel_export), through those functions alone (the API''s role may not update exports itself).';


--
-- Name: user update_self; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_self ON app_public."user" FOR UPDATE USING ((id = ( SELECT app_public.current_user_id() AS current_user_id)));


--
-- Name: service_price update_with_service; Type: POLICY; Schema: app_public; Owner: :DATABASE_OWNER
--

CREATE POLICY update_with_service ON app_public.service_price FOR UPDATE USING ((clinic_id = ( SELECT app_public.current_clinic_id() AS current_clinic_id)));


--
-- Name: user; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public."user" ENABLE ROW LEVEL SECURITY;

--
-- Name: visit; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.visit ENABLE ROW LEVEL SECURITY;

--
-- Name: visit_service; Type: ROW SECURITY; Schema: app_public; Owner: :DATABASE_OWNER
--

ALTER TABLE app_public.visit_service ENABLE ROW LEVEL SECURITY;

--
-- Name: SCHEMA app_hidden; Type: ACL; Schema: -; Owner: :DATABASE_OWNER
--

GRANT USAGE ON SCHEMA app_hidden TO :DATABASE_VISITOR;
GRANT USAGE ON SCHEMA app_hidden TO :DATABASE_ANALYST;
GRANT USAGE ON SCHEMA app_hidden TO :DATABASE_AUTHENTICATOR;


--
-- Name: SCHEMA app_public; Type: ACL; Schema: -; Owner: :DATABASE_OWNER
--

GRANT USAGE ON SCHEMA app_public TO :DATABASE_VISITOR;
GRANT USAGE ON SCHEMA app_public TO :DATABASE_ANALYST;


--
-- Name: SCHEMA reporting; Type: ACL; Schema: -; Owner: :DATABASE_OWNER
--

GRANT USAGE ON SCHEMA reporting TO :DATABASE_ANALYST;


--
-- Name: FUNCTION audit_chain_in_view(); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.audit_chain_in_view() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.audit_chain_in_view() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION business_date(clinic_id uuid, at timestamp with time zone); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.business_date(clinic_id uuid, at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.business_date(clinic_id uuid, at timestamp with time zone) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION calling_code_for(clinic_id uuid); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.calling_code_for(clinic_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.calling_code_for(clinic_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION change_password(current_password text, new_password text, ip inet, device_secrets text[]); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.change_password(current_password text, new_password text, ip inet, device_secrets text[]) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION code_number(code text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.code_number(code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.code_number(code text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION code_prefixes_are_valid(prefixes jsonb); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.code_prefixes_are_valid(prefixes jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.code_prefixes_are_valid(prefixes jsonb) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION contains_pattern(term text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.contains_pattern(term text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.contains_pattern(term text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION country_calling_code(phone text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.country_calling_code(phone text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.country_calling_code(phone text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION current_role_in(VARIADIC roles app_public.member_role[]); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.current_role_in(VARIADIC roles app_public.member_role[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.current_role_in(VARIADIC roles app_public.member_role[]) TO :DATABASE_VISITOR;
GRANT ALL ON FUNCTION app_hidden.current_role_in(VARIADIC roles app_public.member_role[]) TO :DATABASE_ANALYST;


--
-- Name: FUNCTION ended_sessions(session_ids uuid[]); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.ended_sessions(session_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.ended_sessions(session_ids uuid[]) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION export_download_ended(export_id uuid, download_id uuid, whole boolean); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.export_download_ended(export_id uuid, download_id uuid, whole boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.export_download_ended(export_id uuid, download_id uuid, whole boolean) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION export_for_download(export_id uuid); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.export_for_download(export_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.export_for_download(export_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION handles_money(); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.handles_money() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.handles_money() TO :DATABASE_VISITOR;
GRANT ALL ON FUNCTION app_hidden.handles_money() TO :DATABASE_ANALYST;


--
-- Name: FUNCTION in_system_context(); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.in_system_context() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.in_system_context() TO :DATABASE_VISITOR;
GRANT ALL ON FUNCTION app_hidden.in_system_context() TO :DATABASE_ANALYST;


--
-- Name: FUNCTION include_deleted(); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.include_deleted() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.include_deleted() TO :DATABASE_VISITOR;
GRANT ALL ON FUNCTION app_hidden.include_deleted() TO :DATABASE_ANALYST;


--
-- Name: FUNCTION is_country_code(calling_code text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.is_country_code(calling_code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.is_country_code(calling_code text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION is_practising_doctor(clinic_id uuid, membership_id uuid); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.is_practising_doctor(clinic_id uuid, membership_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.is_practising_doctor(clinic_id uuid, membership_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION json_numbers_as_text(value jsonb); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.json_numbers_as_text(value jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.json_numbers_as_text(value jsonb) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION latest_migration(); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.latest_migration() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.latest_migration() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION listen_on(channel text, listens boolean); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.listen_on(channel text, listens boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.listen_on(channel text, listens boolean) TO :DATABASE_VISITOR;
GRANT ALL ON FUNCTION app_hidden.listen_on(channel text, listens boolean) TO :DATABASE_AUTHENTICATOR;


--
-- Name: FUNCTION local_time_text(clinic_id uuid, at timestamp with time zone); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.local_time_text(clinic_id uuid, at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.local_time_text(clinic_id uuid, at timestamp with time zone) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[], replaced_session_id uuid); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[], replaced_session_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval, device_secrets text[], replaced_session_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION logout(replaced_by uuid); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.logout(replaced_by uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.logout(replaced_by uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION may_invoice(); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.may_invoice() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.may_invoice() TO :DATABASE_VISITOR;
GRANT ALL ON FUNCTION app_hidden.may_invoice() TO :DATABASE_ANALYST;


--
-- Name: FUNCTION name_as_meant(name text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.name_as_meant(name text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.name_as_meant(name text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION name_key(name text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.name_key(name text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.name_key(name text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION name_unpunctuated(name text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.name_unpunctuated(name text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.name_unpunctuated(name text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION national_number(calling_code text, typed text[], guessed text[]); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.national_number(calling_code text, typed text[], guessed text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.national_number(calling_code text, typed text[], guessed text[]) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION patients_born_named(date_of_birth date, last_name text, first_name text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION patients_matching(query text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.patients_matching(query text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.patients_matching(query text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION phone_as_registered(phone text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.phone_as_registered(phone text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.phone_as_registered(phone text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION phone_is_valid(phone app_public.e164_phone); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.phone_is_valid(phone app_public.e164_phone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.phone_is_valid(phone app_public.e164_phone) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION phone_length_allowed(plan jsonb, calling_code text, digits text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.phone_length_allowed(plan jsonb, calling_code text, digits text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.phone_length_allowed(plan jsonb, calling_code text, digits text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION phone_plan(calling_code text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.phone_plan(calling_code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.phone_plan(calling_code text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION phone_readings(plan jsonb, calling_code text, versions text[]); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.phone_readings(plan jsonb, calling_code text, versions text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.phone_readings(plan jsonb, calling_code text, versions text[]) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION phone_search_term(query text, calling_code app_public.calling_code); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.phone_search_term(query text, calling_code app_public.calling_code) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.phone_search_term(query text, calling_code app_public.calling_code) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION phone_text(raw text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.phone_text(raw text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.phone_text(raw text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION reason_or_null(reason text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.reason_or_null(reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.reason_or_null(reason text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION search_key(text text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.search_key(text text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.search_key(text text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.switch_clinic(clinic_id uuid, ip inet, user_agent text, ttl interval) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION take_clinic_write_turn(); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.take_clinic_write_turn() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.take_clinic_write_turn() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION text_or_null(value text); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.text_or_null(value text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.text_or_null(value text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION throttled_network(ip inet); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.throttled_network(ip inet) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.throttled_network(ip inet) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION visit_queue_channel(); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.visit_queue_channel() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.visit_queue_channel() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION visit_status_words(status app_public.visit_status); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.visit_status_words(status app_public.visit_status) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.visit_status_words(status app_public.visit_status) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION current_clinic_id(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.current_clinic_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_clinic_id() TO :DATABASE_VISITOR;
GRANT ALL ON FUNCTION app_public.current_clinic_id() TO :DATABASE_ANALYST;


--
-- Name: TABLE report_export; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_public.report_export TO :DATABASE_VISITOR;


--
-- Name: FUNCTION why_not_downloadable(export app_public.report_export); Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_hidden.why_not_downloadable(export app_public.report_export) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.why_not_downloadable(export app_public.report_export) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION account_lock_key(phone text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.account_lock_key(phone text) FROM PUBLIC;


--
-- Name: TABLE invoice; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_public.invoice TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice.patient_id; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(patient_id) ON TABLE app_public.invoice TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice.visit_id; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(visit_id) ON TABLE app_public.invoice TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice.notes; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(notes),UPDATE(notes) ON TABLE app_public.invoice TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice.idempotency_key; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(idempotency_key) ON TABLE app_public.invoice TO :DATABASE_VISITOR;


--
-- Name: TABLE invoice_line; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT,DELETE ON TABLE app_public.invoice_line TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice_line.invoice_id; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(invoice_id) ON TABLE app_public.invoice_line TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice_line.service_id; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(service_id) ON TABLE app_public.invoice_line TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice_line.description; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(description),UPDATE(description) ON TABLE app_public.invoice_line TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice_line.quantity; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(quantity),UPDATE(quantity) ON TABLE app_public.invoice_line TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice_line.unit_price; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(unit_price),UPDATE(unit_price) ON TABLE app_public.invoice_line TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice_line.discount; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(discount),UPDATE(discount) ON TABLE app_public.invoice_line TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice_line.tax_rate; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(tax_rate),UPDATE(tax_rate) ON TABLE app_public.invoice_line TO :DATABASE_VISITOR;


--
-- Name: COLUMN invoice_line.idempotency_key; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(idempotency_key) ON TABLE app_public.invoice_line TO :DATABASE_VISITOR;


--
-- Name: FUNCTION add_to_daily_services(invoice app_public.invoice, lines app_public.invoice_line[], sign integer); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.add_to_daily_services(invoice app_public.invoice, lines app_public.invoice_line[], sign integer) FROM PUBLIC;


--
-- Name: FUNCTION address_throttle(ip inet, in_flight integer, OUT refused boolean, OUT first_refusal boolean); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.address_throttle(ip inet, in_flight integer, OUT refused boolean, OUT first_refusal boolean) FROM PUBLIC;


--
-- Name: FUNCTION audit_chain_of_person(user_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.audit_chain_of_person(user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION audit_chain_of_row(table_name text, row_values jsonb); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.audit_chain_of_row(table_name text, row_values jsonb) FROM PUBLIC;


--
-- Name: FUNCTION audit_chain_status_of(chain_clinic_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.audit_chain_status_of(chain_clinic_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION audit_chains_of_person(user_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.audit_chains_of_person(user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION audit_chains_of_row(table_name text, row_values jsonb); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.audit_chains_of_row(table_name text, row_values jsonb) FROM PUBLIC;


--
-- Name: FUNCTION audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb) FROM PUBLIC;


--
-- Name: FUNCTION audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb) FROM PUBLIC;


--
-- Name: FUNCTION audit_heads_to_anchor(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.audit_heads_to_anchor() FROM PUBLIC;


--
-- Name: FUNCTION audit_session_opened(action text, opened jsonb, ip inet, extra jsonb); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.audit_session_opened(action text, opened jsonb, ip inet, extra jsonb) FROM PUBLIC;


--
-- Name: FUNCTION audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb, counted boolean, ended jsonb, ended_by text, actor_user_id uuid, person_detail jsonb); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.audit_sessions_ended(clinic_id uuid, action text, table_name text, user_id uuid, detail jsonb, counted boolean, ended jsonb, ended_by text, actor_user_id uuid, person_detail jsonb) FROM PUBLIC;


--
-- Name: FUNCTION bill_visit_services(draft app_public.invoice); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.bill_visit_services(draft app_public.invoice) FROM PUBLIC;


--
-- Name: FUNCTION check_currency_decimals(amount numeric, currency text, whole numeric); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.check_currency_decimals(amount numeric, currency text, whole numeric) FROM PUBLIC;


--
-- Name: FUNCTION check_idempotency_key(key text, what text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.check_idempotency_key(key text, what text) FROM PUBLIC;


--
-- Name: FUNCTION check_in_clinic_currency(clinic_id uuid, what text, VARIADIC amounts numeric[]); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.check_in_clinic_currency(clinic_id uuid, what text, VARIADIC amounts numeric[]) FROM PUBLIC;


--
-- Name: FUNCTION check_money_amount(amount numeric, what text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.check_money_amount(amount numeric, what text) FROM PUBLIC;


--
-- Name: FUNCTION check_password(password text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.check_password(password text) FROM PUBLIC;


--
-- Name: FUNCTION check_password_set_by_holder(user_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.check_password_set_by_holder(user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION check_person_name(full_name text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.check_person_name(full_name text) FROM PUBLIC;


--
-- Name: FUNCTION clinic_header(clinic_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.clinic_header(clinic_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION clinic_name_key(name text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.clinic_name_key(name text) FROM PUBLIC;


--
-- Name: FUNCTION correct_saved_phones(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.correct_saved_phones() FROM PUBLIC;


--
-- Name: FUNCTION count_device_failure(device_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.count_device_failure(device_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION count_password_failure(user_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.count_password_failure(user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION create_platform_admin(phone text, full_name text, password text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.create_platform_admin(phone text, full_name text, password text) FROM PUBLIC;


--
-- Name: FUNCTION csv_safe(value text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.csv_safe(value text) FROM PUBLIC;


--
-- Name: FUNCTION dashboard_for(clinic_id uuid, from_date date, to_date date); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) FROM PUBLIC;


--
-- Name: FUNCTION days_to_reopen_late(clinic_id uuid, as_of timestamp with time zone); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.days_to_reopen_late(clinic_id uuid, as_of timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION download_cut_short(download app_private.export_download, end_never_came boolean); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.download_cut_short(download app_private.export_download, end_never_came boolean) FROM PUBLIC;


--
-- Name: FUNCTION drop_days_opened_before_clinics(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.drop_days_opened_before_clinics() FROM PUBLIC;


--
-- Name: FUNCTION end_sessions_of(user_id uuid, kept_session_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.end_sessions_of(user_id uuid, kept_session_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION enter_address_attempt(ip inet); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.enter_address_attempt(ip inet) FROM PUBLIC;


--
-- Name: FUNCTION expected_totals(clinic_id uuid, business_date date); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.expected_totals(clinic_id uuid, business_date date) FROM PUBLIC;


--
-- Name: FUNCTION expire_sessions(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.expire_sessions() FROM PUBLIC;


--
-- Name: FUNCTION export_order(kind app_public.export_kind); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.export_order(kind app_public.export_kind) FROM PUBLIC;


--
-- Name: FUNCTION export_query(kind app_public.export_kind); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.export_query(kind app_public.export_kind) FROM PUBLIC;


--
-- Name: FUNCTION export_rows(kind app_public.export_kind); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.export_rows(kind app_public.export_kind) FROM PUBLIC;


--
-- Name: FUNCTION export_storage_per_clinic_mb(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.export_storage_per_clinic_mb() FROM PUBLIC;


--
-- Name: FUNCTION export_to_change(export_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.export_to_change(export_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION fail_abandoned_exports(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.fail_abandoned_exports() FROM PUBLIC;


--
-- Name: FUNCTION find_or_create_user(phone app_public.e164_phone, full_name text, password text, OUT user_id uuid, OUT created boolean); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.find_or_create_user(phone app_public.e164_phone, full_name text, password text, OUT user_id uuid, OUT created boolean) FROM PUBLIC;


--
-- Name: FUNCTION first_day_after_day_without_money(clinic_id uuid, business_day date); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.first_day_after_day_without_money(clinic_id uuid, business_day date) FROM PUBLIC;


--
-- Name: FUNCTION hash_password(password text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.hash_password(password text) FROM PUBLIC;


--
-- Name: FUNCTION hold_account(user_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.hold_account(user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION hold_for_new_password(user_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.hold_for_new_password(user_id uuid) FROM PUBLIC;


--
-- Name: TABLE patient; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT,DELETE ON TABLE app_public.patient TO :DATABASE_VISITOR;


--
-- Name: COLUMN patient.first_name; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(first_name),UPDATE(first_name) ON TABLE app_public.patient TO :DATABASE_VISITOR;


--
-- Name: COLUMN patient.last_name; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(last_name),UPDATE(last_name) ON TABLE app_public.patient TO :DATABASE_VISITOR;


--
-- Name: COLUMN patient.phone; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(phone),UPDATE(phone) ON TABLE app_public.patient TO :DATABASE_VISITOR;


--
-- Name: COLUMN patient.date_of_birth; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(date_of_birth),UPDATE(date_of_birth) ON TABLE app_public.patient TO :DATABASE_VISITOR;


--
-- Name: COLUMN patient.sex; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(sex),UPDATE(sex) ON TABLE app_public.patient TO :DATABASE_VISITOR;


--
-- Name: COLUMN patient.address; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(address),UPDATE(address) ON TABLE app_public.patient TO :DATABASE_VISITOR;


--
-- Name: COLUMN patient.notes; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(notes),UPDATE(notes) ON TABLE app_public.patient TO :DATABASE_VISITOR;


--
-- Name: FUNCTION index_patients(patients app_public.patient[]); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.index_patients(patients app_public.patient[]) FROM PUBLIC;


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
-- Name: FUNCTION invite_again(clinic_id uuid, user_id uuid, role app_public.member_role); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.invite_again(clinic_id uuid, user_id uuid, role app_public.member_role) FROM PUBLIC;


--
-- Name: FUNCTION invited_again(old app_public.membership, new app_public.membership); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.invited_again(old app_public.membership, new app_public.membership) FROM PUBLIC;


--
-- Name: FUNCTION invoice_document(clinic_id uuid, invoice_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.invoice_document(clinic_id uuid, invoice_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION kinds_with_codes(clinic_id uuid, prefix text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.kinds_with_codes(clinic_id uuid, prefix text) FROM PUBLIC;


--
-- Name: FUNCTION live_session(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.live_session() FROM PUBLIC;


--
-- Name: FUNCTION local_date(clinic_id uuid, at timestamp with time zone); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.local_date(clinic_id uuid, at timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION lock_audit_chains(chains uuid[]); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.lock_audit_chains(chains uuid[]) FROM PUBLIC;


--
-- Name: FUNCTION lock_business_day(clinic_id uuid, business_date date, exclusive boolean); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.lock_business_day(clinic_id uuid, business_date date, exclusive boolean) FROM PUBLIC;


--
-- Name: FUNCTION lock_clinic_setting(clinic_id uuid, setting text, exclusive boolean); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.lock_clinic_setting(clinic_id uuid, setting text, exclusive boolean) FROM PUBLIC;


--
-- Name: FUNCTION logged_in_from(user_id uuid, ip inet); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.logged_in_from(user_id uuid, ip inet) FROM PUBLIC;


--
-- Name: FUNCTION mark_audit_anchored(heads jsonb); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.mark_audit_anchored(heads jsonb) FROM PUBLIC;


--
-- Name: FUNCTION member_elsewhere(user_id uuid, clinic_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.member_elsewhere(user_id uuid, clinic_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION member_visit_queue_channel(clinic_id uuid, membership_id uuid, role app_public.member_role); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.member_visit_queue_channel(clinic_id uuid, membership_id uuid, role app_public.member_role) FROM PUBLIC;


--
-- Name: FUNCTION memberships_added_lately(clinic_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.memberships_added_lately(clinic_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION money_text(amount numeric, currency text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.money_text(amount numeric, currency text) FROM PUBLIC;


--
-- Name: FUNCTION monthly_summary_document(clinic_id uuid, from_date date, to_date date); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.monthly_summary_document(clinic_id uuid, from_date date, to_date date) FROM PUBLIC;


--
-- Name: FUNCTION move_rollups_to_zone(clinic_id uuid, from_zone text, to_zone text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.move_rollups_to_zone(clinic_id uuid, from_zone text, to_zone text) FROM PUBLIC;


--
-- Name: FUNCTION next_code(clinic_id uuid, prefix text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.next_code(clinic_id uuid, prefix text) FROM PUBLIC;


--
-- Name: FUNCTION not_a_member_message(user_id uuid, clinic_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.not_a_member_message(user_id uuid, clinic_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION note_login_device(user_id uuid, device_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.note_login_device(user_id uuid, device_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION note_login_network(user_id uuid, ip inet); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.note_login_network(user_id uuid, ip inet) FROM PUBLIC;


--
-- Name: FUNCTION notify_visit_queue(clinic_id uuid, doctor_ids uuid[], payload text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.notify_visit_queue(clinic_id uuid, doctor_ids uuid[], payload text) FROM PUBLIC;


--
-- Name: FUNCTION open_reconciliation(clinic_id uuid, as_of timestamp with time zone); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.open_reconciliation(clinic_id uuid, as_of timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION open_reconciliation_of(clinic_id uuid, business_day date); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.open_reconciliation_of(clinic_id uuid, business_day date) FROM PUBLIC;


--
-- Name: PROCEDURE open_reconciliations(IN as_of timestamp with time zone, INOUT opened integer); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON PROCEDURE app_private.open_reconciliations(IN as_of timestamp with time zone, INOUT opened integer) FROM PUBLIC;


--
-- Name: FUNCTION open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval, replaced_session_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval, replaced_session_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION order_audit_chains(audited regclass); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.order_audit_chains(audited regclass) FROM PUBLIC;


--
-- Name: FUNCTION password_key(password text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.password_key(password text) FROM PUBLIC;


--
-- Name: FUNCTION password_hash_of(password text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.password_hash_of(password text) FROM PUBLIC;


--
-- Name: FUNCTION password_matches(password text, hash text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.password_matches(password text, hash text) FROM PUBLIC;


--
-- Name: FUNCTION patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION patients_born_named(date_of_birth date, last_name text, first_name text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.patients_born_named(date_of_birth date, last_name text, first_name text) FROM PUBLIC;


--
-- Name: FUNCTION prune_login_failures(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.prune_login_failures() FROM PUBLIC;


--
-- Name: FUNCTION rebuild_rollups(clinic_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.rebuild_rollups(clinic_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION reconciliation_document(clinic_id uuid, business_date date); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.reconciliation_document(clinic_id uuid, business_date date) FROM PUBLIC;


--
-- Name: FUNCTION refresh_amount_paid(clinic_id uuid, invoice_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.refresh_amount_paid(clinic_id uuid, invoice_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION refresh_invoice_totals(clinic_id uuid, invoice_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.refresh_invoice_totals(clinic_id uuid, invoice_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION refresh_reconciliation(clinic_id uuid, business_date date); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.refresh_reconciliation(clinic_id uuid, business_date date) FROM PUBLIC;


--
-- Name: FUNCTION refuse_deleted_patient(clinic_id uuid, patient_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.refuse_deleted_patient(clinic_id uuid, patient_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION refuse_truncate(audited regclass); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.refuse_truncate(audited regclass) FROM PUBLIC;


--
-- Name: FUNCTION reindex_patient_search(clinic_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.reindex_patient_search(clinic_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.replace_password(user_id uuid, password_hash text, clinic_id uuid, detail jsonb) FROM PUBLIC;


--
-- Name: FUNCTION reset_password(phone text, password text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.reset_password(phone text, password text) FROM PUBLIC;


--
-- Name: FUNCTION restore(sample anyelement, clinic_id uuid, id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.restore(sample anyelement, clinic_id uuid, id uuid) FROM PUBLIC;


--
-- Name: FUNCTION saved_phone_corrected(phone text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.saved_phone_corrected(phone text) FROM PUBLIC;


--
-- Name: FUNCTION secret_hash(purpose text, message bytea); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.secret_hash(purpose text, message bytea) FROM PUBLIC;


--
-- Name: FUNCTION secret_lock_key(name text); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.secret_lock_key(name text) FROM PUBLIC;


--
-- Name: FUNCTION session_opening_key(user_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.session_opening_key(user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION session_turn_key(user_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.session_turn_key(user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION soft_delete(sample anyelement, clinic_id uuid, id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.soft_delete(sample anyelement, clinic_id uuid, id uuid) FROM PUBLIC;


--
-- Name: FUNCTION soft_deleted_row(sample anyelement, clinic_id uuid, id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.soft_deleted_row(sample anyelement, clinic_id uuid, id uuid) FROM PUBLIC;


--
-- Name: FUNCTION sweep_unended_downloads(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.sweep_unended_downloads() FROM PUBLIC;


--
-- Name: FUNCTION take_members_turn(clinic_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.take_members_turn(clinic_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION tg__amounts_in_currency(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__amounts_in_currency() FROM PUBLIC;


--
-- Name: FUNCTION tg__assign_code(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__assign_code() FROM PUBLIC;


--
-- Name: FUNCTION tg__audit(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__audit() FROM PUBLIC;


--
-- Name: FUNCTION tg__audit_chains_in_order(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__audit_chains_in_order() FROM PUBLIC;


--
-- Name: FUNCTION tg__money_day(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__money_day() FROM PUBLIC;


--
-- Name: FUNCTION tg__money_rollup(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__money_rollup() FROM PUBLIC;


--
-- Name: FUNCTION tg__money_totals(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__money_totals() FROM PUBLIC;


--
-- Name: FUNCTION tg__no_discount_is_zero(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__no_discount_is_zero() FROM PUBLIC;


--
-- Name: FUNCTION tg__patient_not_deleted(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__patient_not_deleted() FROM PUBLIC;


--
-- Name: FUNCTION tg__soft_delete(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__soft_delete() FROM PUBLIC;


--
-- Name: FUNCTION tg__tax_rate_as_meant(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__tax_rate_as_meant() FROM PUBLIC;


--
-- Name: FUNCTION tg__timestamps(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__timestamps() FROM PUBLIC;


--
-- Name: FUNCTION tg__truncate_refused(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg__truncate_refused() FROM PUBLIC;


--
-- Name: FUNCTION tg_audit_log__append_only(); Type: ACL; Schema: app_private; Owner: :DATABASE_AUDITOR
--

REVOKE ALL ON FUNCTION app_private.tg_audit_log__append_only() FROM PUBLIC;


--
-- Name: FUNCTION tg_clinic__code_prefixes_distinct(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_clinic__code_prefixes_distinct() FROM PUBLIC;


--
-- Name: FUNCTION tg_clinic__contact_as_meant(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_clinic__contact_as_meant() FROM PUBLIC;


--
-- Name: FUNCTION tg_clinic__currency_kept(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_clinic__currency_kept() FROM PUBLIC;


--
-- Name: FUNCTION tg_clinic__no_closed_day_ahead(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_clinic__no_closed_day_ahead() FROM PUBLIC;


--
-- Name: FUNCTION tg_clinic__normalize_phone(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_clinic__normalize_phone() FROM PUBLIC;


--
-- Name: FUNCTION tg_clinic__time_zone(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_clinic__time_zone() FROM PUBLIC;


--
-- Name: FUNCTION tg_clinic__time_zone_turn(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_clinic__time_zone_turn() FROM PUBLIC;


--
-- Name: FUNCTION tg_clinic__timezone_rollups(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_clinic__timezone_rollups() FROM PUBLIC;


--
-- Name: FUNCTION tg_clinic__trim_name(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_clinic__trim_name() FROM PUBLIC;


--
-- Name: FUNCTION tg_daily_reconciliation__closed_in_time_zone(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_daily_reconciliation__closed_in_time_zone() FROM PUBLIC;


--
-- Name: FUNCTION tg_daily_reconciliation__closed_is_final(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_daily_reconciliation__closed_is_final() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice__currency_turn(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice__currency_turn() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice__defaults(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice__defaults() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice__lifecycle(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice__lifecycle() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice__rollup(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice__rollup() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice__visit_bill(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice__visit_bill() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice_line__billed_once(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice_line__billed_once() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice_line__bills_the_visit(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice_line__bills_the_visit() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice_line__decimals(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice_line__decimals() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice_line__guard(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice_line__guard() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice_line__key_kept(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice_line__key_kept() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice_line__position(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice_line__position() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice_line__rollup(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice_line__rollup() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice_line__totals(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice_line__totals() FROM PUBLIC;


--
-- Name: FUNCTION tg_invoice_line__visit_service_line(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_invoice_line__visit_service_line() FROM PUBLIC;


--
-- Name: FUNCTION tg_membership__changed_by_a_manager(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_membership__changed_by_a_manager() FROM PUBLIC;


--
-- Name: FUNCTION tg_membership__declined_stays_declined(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_membership__declined_stays_declined() FROM PUBLIC;


--
-- Name: FUNCTION tg_membership__guard_owners(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_membership__guard_owners() FROM PUBLIC;


--
-- Name: FUNCTION tg_membership__kept_to_the_resetting_clinic(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_membership__kept_to_the_resetting_clinic() FROM PUBLIC;


--
-- Name: FUNCTION tg_membership__managers_take_turns(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_membership__managers_take_turns() FROM PUBLIC;


--
-- Name: FUNCTION tg_membership__notify_visit_queue(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_membership__notify_visit_queue() FROM PUBLIC;


--
-- Name: FUNCTION tg_membership__session_turns(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_membership__session_turns() FROM PUBLIC;


--
-- Name: FUNCTION tg_membership__sync_sessions(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_membership__sync_sessions() FROM PUBLIC;


--
-- Name: FUNCTION tg_money__in_currency_decimals(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_money__in_currency_decimals() FROM PUBLIC;


--
-- Name: FUNCTION tg_patient__no_open_invoice(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_patient__no_open_invoice() FROM PUBLIC;


--
-- Name: FUNCTION tg_patient__no_visit_to_bill(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_patient__no_visit_to_bill() FROM PUBLIC;


--
-- Name: FUNCTION tg_patient__no_visit_under_way(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_patient__no_visit_under_way() FROM PUBLIC;


--
-- Name: FUNCTION tg_patient__normalize(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_patient__normalize() FROM PUBLIC;


--
-- Name: FUNCTION tg_patient__notify_visits(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_patient__notify_visits() FROM PUBLIC;


--
-- Name: FUNCTION tg_patient__rollup(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_patient__rollup() FROM PUBLIC;


--
-- Name: FUNCTION tg_patient__search_text(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_patient__search_text() FROM PUBLIC;


--
-- Name: FUNCTION tg_payment__guard(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_payment__guard() FROM PUBLIC;


--
-- Name: FUNCTION tg_payment__method_to_refunds(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_payment__method_to_refunds() FROM PUBLIC;


--
-- Name: FUNCTION tg_payment__patient_not_deleted(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_payment__patient_not_deleted() FROM PUBLIC;


--
-- Name: FUNCTION tg_report_export__days(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_report_export__days() FROM PUBLIC;


--
-- Name: FUNCTION tg_secret_key__notify_visit_queue(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_secret_key__notify_visit_queue() FROM PUBLIC;


--
-- Name: FUNCTION tg_service__names_as_meant(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_service__names_as_meant() FROM PUBLIC;


--
-- Name: FUNCTION tg_service__record_price(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_service__record_price() FROM PUBLIC;


--
-- Name: FUNCTION tg_user__end_sessions(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_user__end_sessions() FROM PUBLIC;


--
-- Name: FUNCTION tg_user__name_as_meant(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_user__name_as_meant() FROM PUBLIC;


--
-- Name: FUNCTION tg_user__session_turns(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_user__session_turns() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit__billed_kept(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit__billed_kept() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit__booked_in_range(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit__booked_in_range() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit__booked_once(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit__booked_once() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit__check_doctor(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit__check_doctor() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit__checked_in_to_a_doctor(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit__checked_in_to_a_doctor() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit__lifecycle(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit__lifecycle() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit__notify(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit__notify() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit__reasons_trimmed(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit__reasons_trimmed() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit__rollup(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit__rollup() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit_service__position(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit_service__position() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit_service__snapshot(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit_service__snapshot() FROM PUBLIC;


--
-- Name: FUNCTION tg_visit_service__version(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.tg_visit_service__version() FROM PUBLIC;


--
-- Name: FUNCTION trim_payment_references(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.trim_payment_references() FROM PUBLIC;


--
-- Name: FUNCTION trusted_device(user_id uuid, device_secrets text[]); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.trusted_device(user_id uuid, device_secrets text[]) FROM PUBLIC;


--
-- Name: FUNCTION visit_queue_channel(clinic_id uuid, doctor_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.visit_queue_channel(clinic_id uuid, doctor_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION visit_value(clinic_id uuid, visit_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.visit_value(clinic_id uuid, visit_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION warn_of_phones_left(phones_left integer); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.warn_of_phones_left(phones_left integer) FROM PUBLIC;


--
-- Name: FUNCTION warn_of_relabelled_amounts(); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.warn_of_relabelled_amounts() FROM PUBLIC;


--
-- Name: FUNCTION current_user_id(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.current_user_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_user_id() TO :DATABASE_VISITOR;
GRANT ALL ON FUNCTION app_public.current_user_id() TO :DATABASE_ANALYST;


--
-- Name: FUNCTION write_audit(clinic_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb, actor_user_id uuid); Type: ACL; Schema: app_private; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_private.write_audit(clinic_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb, actor_user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION accept_invitation(clinic_id uuid, role app_public.member_role); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.accept_invitation(clinic_id uuid, role app_public.member_role) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.accept_invitation(clinic_id uuid, role app_public.member_role) TO :DATABASE_VISITOR;


--
-- Name: TABLE audit_log; Type: ACL; Schema: app_public; Owner: :DATABASE_AUDITOR
--

GRANT SELECT ON TABLE app_public.audit_log TO :DATABASE_VISITOR;
GRANT SELECT,INSERT ON TABLE app_public.audit_log TO :DATABASE_OWNER;


--
-- Name: FUNCTION audit_log_actor_name(entry app_public.audit_log); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.audit_log_actor_name(entry app_public.audit_log) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.audit_log_actor_name(entry app_public.audit_log) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION audit_log_new_values(entry app_public.audit_log); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.audit_log_new_values(entry app_public.audit_log) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.audit_log_new_values(entry app_public.audit_log) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION audit_log_old_values(entry app_public.audit_log); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.audit_log_old_values(entry app_public.audit_log) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.audit_log_old_values(entry app_public.audit_log) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION bill_unbilled_services(invoice_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.bill_unbilled_services(invoice_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.bill_unbilled_services(invoice_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION cancel_export(export_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.cancel_export(export_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.cancel_export(export_id uuid) TO :DATABASE_VISITOR;


--
-- Name: TABLE visit; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_public.visit TO :DATABASE_VISITOR;


--
-- Name: COLUMN visit.patient_id; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(patient_id),UPDATE(patient_id) ON TABLE app_public.visit TO :DATABASE_VISITOR;


--
-- Name: COLUMN visit.doctor_id; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(doctor_id),UPDATE(doctor_id) ON TABLE app_public.visit TO :DATABASE_VISITOR;


--
-- Name: COLUMN visit.scheduled_at; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(scheduled_at),UPDATE(scheduled_at) ON TABLE app_public.visit TO :DATABASE_VISITOR;


--
-- Name: COLUMN visit.reason; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(reason),UPDATE(reason) ON TABLE app_public.visit TO :DATABASE_VISITOR;


--
-- Name: COLUMN visit.status; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(status) ON TABLE app_public.visit TO :DATABASE_VISITOR;


--
-- Name: COLUMN visit.cancel_reason; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(cancel_reason) ON TABLE app_public.visit TO :DATABASE_VISITOR;


--
-- Name: FUNCTION check_in_walk_in(patient_id uuid, doctor_id uuid, reason text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.check_in_walk_in(patient_id uuid, doctor_id uuid, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.check_in_walk_in(patient_id uuid, doctor_id uuid, reason text) TO :DATABASE_VISITOR;


--
-- Name: TABLE daily_reconciliation; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_public.daily_reconciliation TO :DATABASE_VISITOR;


--
-- Name: COLUMN daily_reconciliation.notes; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(notes) ON TABLE app_public.daily_reconciliation TO :DATABASE_VISITOR;


--
-- Name: FUNCTION close_day(business_date date, counted_cash numeric, counted_card numeric, counted_bank_transfer numeric, counted_mobile_money numeric, counted_insurance numeric, notes text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.close_day(business_date date, counted_cash numeric, counted_card numeric, counted_bank_transfer numeric, counted_mobile_money numeric, counted_insurance numeric, notes text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.close_day(business_date date, counted_cash numeric, counted_card numeric, counted_bank_transfer numeric, counted_mobile_money numeric, counted_insurance numeric, notes text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION count_deleted_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.count_deleted_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.count_deleted_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION is_valid_currency(code text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.is_valid_currency(code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.is_valid_currency(code text) TO :DATABASE_VISITOR;


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
-- Name: COLUMN clinic.receptionists_may_invoice; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(receptionists_may_invoice) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: COLUMN clinic.locale; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(locale) ON TABLE app_public.clinic TO :DATABASE_VISITOR;


--
-- Name: FUNCTION create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION create_invoice(invoice app_public.invoice); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.create_invoice(invoice app_public.invoice) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_invoice(invoice app_public.invoice) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION create_invoice_from_visit(visit_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.create_invoice_from_visit(visit_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_invoice_from_visit(visit_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION create_invoice_line(invoice_line app_public.invoice_line); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.create_invoice_line(invoice_line app_public.invoice_line) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_invoice_line(invoice_line app_public.invoice_line) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION currency_decimals(code text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.currency_decimals(code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.currency_decimals(code text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION current_clinic(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.current_clinic() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_clinic() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION current_membership_id(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.current_membership_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_membership_id() TO :DATABASE_VISITOR;
GRANT ALL ON FUNCTION app_public.current_membership_id() TO :DATABASE_ANALYST;


--
-- Name: FUNCTION "current_role"(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public."current_role"() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public."current_role"() TO :DATABASE_VISITOR;
GRANT ALL ON FUNCTION app_public."current_role"() TO :DATABASE_ANALYST;


--
-- Name: FUNCTION current_session_id(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.current_session_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_session_id() TO :DATABASE_VISITOR;
GRANT ALL ON FUNCTION app_public.current_session_id() TO :DATABASE_ANALYST;


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
GRANT ALL ON FUNCTION app_public.current_user_is_platform_admin() TO :DATABASE_ANALYST;


--
-- Name: FUNCTION current_user_password_set_by_holder(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.current_user_password_set_by_holder() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_user_password_set_by_holder() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION dashboard(from_date date, to_date date); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.dashboard(from_date date, to_date date) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.dashboard(from_date date, to_date date) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION decline_invitation(clinic_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.decline_invitation(clinic_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.decline_invitation(clinic_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION delete_export(export_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.delete_export(export_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.delete_export(export_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION delete_patient(patient_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.delete_patient(patient_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.delete_patient(patient_id uuid) TO :DATABASE_VISITOR;


--
-- Name: TABLE service; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT,DELETE ON TABLE app_public.service TO :DATABASE_VISITOR;


--
-- Name: COLUMN service.name; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(name),UPDATE(name) ON TABLE app_public.service TO :DATABASE_VISITOR;


--
-- Name: COLUMN service.category; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(category),UPDATE(category) ON TABLE app_public.service TO :DATABASE_VISITOR;


--
-- Name: COLUMN service.price; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(price),UPDATE(price) ON TABLE app_public.service TO :DATABASE_VISITOR;


--
-- Name: COLUMN service.duration_minutes; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(duration_minutes),UPDATE(duration_minutes) ON TABLE app_public.service TO :DATABASE_VISITOR;


--
-- Name: COLUMN service.is_active; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(is_active),UPDATE(is_active) ON TABLE app_public.service TO :DATABASE_VISITOR;


--
-- Name: FUNCTION delete_service(service_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.delete_service(service_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.delete_service(service_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION deleted_patients(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.deleted_patients() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.deleted_patients() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION deleted_services(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.deleted_services() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.deleted_services() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION find_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.find_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.find_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION invite_member(phone text, full_name text, role app_public.member_role, password text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.invite_member(phone text, full_name text, role app_public.member_role, password text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION invoice_patient_name(i app_public.invoice); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.invoice_patient_name(i app_public.invoice) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.invoice_patient_name(i app_public.invoice) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION issue_invoice(invoice_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.issue_invoice(invoice_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.issue_invoice(invoice_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION membership_full_name(m app_public.membership); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.membership_full_name(m app_public.membership) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.membership_full_name(m app_public.membership) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION my_clinics(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.my_clinics() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.my_clinics() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION normalize_phone(raw text, default_calling_code app_public.calling_code); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.normalize_phone(raw text, default_calling_code app_public.calling_code) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.normalize_phone(raw text, default_calling_code app_public.calling_code) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION patient_matched_by(patient app_public.patient, phone text, first_name text, last_name text, date_of_birth date); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.patient_matched_by(patient app_public.patient, phone text, first_name text, last_name text, date_of_birth date) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.patient_matched_by(patient app_public.patient, phone text, first_name text, last_name text, date_of_birth date) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION patient_possible_duplicates(patient app_public.patient); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.patient_possible_duplicates(patient app_public.patient) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.patient_possible_duplicates(patient app_public.patient) TO :DATABASE_VISITOR;


--
-- Name: TABLE payment; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_public.payment TO :DATABASE_VISITOR;


--
-- Name: COLUMN payment.method; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(method) ON TABLE app_public.payment TO :DATABASE_VISITOR;


--
-- Name: COLUMN payment.reference; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT UPDATE(reference) ON TABLE app_public.payment TO :DATABASE_VISITOR;


--
-- Name: FUNCTION payment_refunded_amount(payment app_public.payment); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.payment_refunded_amount(payment app_public.payment) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.payment_refunded_amount(payment app_public.payment) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone) TO :DATABASE_VISITOR;


--
-- Name: TABLE refund; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_public.refund TO :DATABASE_VISITOR;


--
-- Name: FUNCTION refund_payment(payment_id uuid, amount numeric, reason text, idempotency_key text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.refund_payment(payment_id uuid, amount numeric, reason text, idempotency_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.refund_payment(payment_id uuid, amount numeric, reason text, idempotency_key text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION remove_member(membership_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.remove_member(membership_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.remove_member(membership_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION removed_members(); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.removed_members() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.removed_members() TO :DATABASE_VISITOR;


--
-- Name: FUNCTION reopen_day(business_date date, reason text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.reopen_day(business_date date, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.reopen_day(business_date date, reason text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION request_export(kind app_public.export_kind, from_date date, to_date date, invoice_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.request_export(kind app_public.export_kind, from_date date, to_date date, invoice_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.request_export(kind app_public.export_kind, from_date date, to_date date, invoice_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION reset_member_password(membership_id uuid, password text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.reset_member_password(membership_id uuid, password text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.reset_member_password(membership_id uuid, password text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION restore_member(membership_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.restore_member(membership_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.restore_member(membership_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION restore_patient(patient_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.restore_patient(patient_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.restore_patient(patient_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION restore_service(service_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.restore_service(service_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.restore_service(service_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION search_patients(query text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.search_patients(query text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.search_patients(query text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION service_price_at(service app_public.service, at timestamp with time zone); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.service_price_at(service app_public.service, at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.service_price_at(service app_public.service, at timestamp with time zone) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION verify_audit_chain(clinic_id uuid); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.verify_audit_chain(clinic_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.verify_audit_chain(clinic_id uuid) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION visit_doctor_is_available(v app_public.visit); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.visit_doctor_is_available(v app_public.visit) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.visit_doctor_is_available(v app_public.visit) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION visit_doctor_name(v app_public.visit); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.visit_doctor_name(v app_public.visit) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.visit_doctor_name(v app_public.visit) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION visit_patient_name(v app_public.visit); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.visit_patient_name(v app_public.visit) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.visit_patient_name(v app_public.visit) TO :DATABASE_VISITOR;


--
-- Name: TABLE visit_service; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT,DELETE ON TABLE app_public.visit_service TO :DATABASE_VISITOR;


--
-- Name: COLUMN visit_service.visit_id; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(visit_id) ON TABLE app_public.visit_service TO :DATABASE_VISITOR;


--
-- Name: COLUMN visit_service.service_id; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(service_id) ON TABLE app_public.visit_service TO :DATABASE_VISITOR;


--
-- Name: COLUMN visit_service.quantity; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(quantity),UPDATE(quantity) ON TABLE app_public.visit_service TO :DATABASE_VISITOR;


--
-- Name: COLUMN visit_service.discount; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT INSERT(discount),UPDATE(discount) ON TABLE app_public.visit_service TO :DATABASE_VISITOR;


--
-- Name: FUNCTION visit_service_billed(visit_service app_public.visit_service); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.visit_service_billed(visit_service app_public.visit_service) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.visit_service_billed(visit_service app_public.visit_service) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION visit_service_service_name(s app_public.visit_service); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.visit_service_service_name(s app_public.visit_service) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.visit_service_service_name(s app_public.visit_service) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION void_invoice(invoice_id uuid, reason text); Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION app_public.void_invoice(invoice_id uuid, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.void_invoice(invoice_id uuid, reason text) TO :DATABASE_VISITOR;


--
-- Name: FUNCTION granted_clinics(); Type: ACL; Schema: reporting; Owner: :DATABASE_OWNER
--

REVOKE ALL ON FUNCTION reporting.granted_clinics() FROM PUBLIC;
GRANT ALL ON FUNCTION reporting.granted_clinics() TO :DATABASE_ANALYST;


--
-- Name: TABLE clinic_time_zone; Type: ACL; Schema: app_hidden; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_hidden.clinic_time_zone TO :DATABASE_AUTHENTICATOR;


--
-- Name: SEQUENCE audit_log_id_seq; Type: ACL; Schema: app_public; Owner: :DATABASE_AUDITOR
--

GRANT SELECT,USAGE ON SEQUENCE app_public.audit_log_id_seq TO :DATABASE_VISITOR;
GRANT USAGE ON SEQUENCE app_public.audit_log_id_seq TO :DATABASE_OWNER;


--
-- Name: TABLE money_movement; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_public.money_movement TO :DATABASE_VISITOR;


--
-- Name: TABLE service_price; Type: ACL; Schema: app_public; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE app_public.service_price TO :DATABASE_VISITOR;


--
-- Name: TABLE payments; Type: ACL; Schema: reporting; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE reporting.payments TO :DATABASE_ANALYST;


--
-- Name: TABLE daily_revenue; Type: ACL; Schema: reporting; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE reporting.daily_revenue TO :DATABASE_ANALYST;


--
-- Name: TABLE invoices; Type: ACL; Schema: reporting; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE reporting.invoices TO :DATABASE_ANALYST;


--
-- Name: TABLE reconciliations; Type: ACL; Schema: reporting; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE reporting.reconciliations TO :DATABASE_ANALYST;


--
-- Name: TABLE visits; Type: ACL; Schema: reporting; Owner: :DATABASE_OWNER
--

GRANT SELECT ON TABLE reporting.visits TO :DATABASE_ANALYST;


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


