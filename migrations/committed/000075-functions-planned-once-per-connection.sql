--! Previous: sha1:818e548acc35e5dd36d9349622ef3ceb0042ad20
--! Hash: sha1:bfebb08d8c9995db7ae38a16835dae5f1335ba6f
--! Message: functions planned once per connection

-- Functions PostgreSQL plans once per connection, not again in every query.
--
-- A SQL function that PostgreSQL cannot inline (a FROM or a sub-select in its
-- body, a row as its result) is parsed and planned again in every query that
-- calls it; a PL/pgSQL function keeps its plans for the connection (as 000013
-- did for the session functions). A search paid this twice over: its calling
-- code (calling_code_for, whose clinic query is planned with the clinic's
-- row-level security) and its phone pattern (phone_search_term), some 0.5 ms of
-- a 1.1 ms search. And patients_matching's `plan_cache_mode =
-- force_custom_plan` reached the functions it calls, so their plans were made
-- afresh at every call too: its own query is now an EXECUTE, planned at each
-- call with the clinic and the patterns as before (000034), and nothing else is.

create or replace function app_hidden.calling_code_for(clinic_id uuid) returns app_public.calling_code
    language plpgsql stable
    as $$
begin
  return coalesce(
    (select c.calling_code from app_public.clinic c where c.id = calling_code_for.clinic_id),
    nullif(current_setting('clinicops.default_calling_code', true), '')::app_public.calling_code
  );
end;
$$;

create or replace function app_hidden.phone_search_term(query text, calling_code app_public.calling_code) returns text
    language plpgsql immutable parallel safe
    as $_$
begin
  return (
    select case
      when t.typed !~ '[0-9]' or t.typed ~ '[^0-9[:space:]()./+-]' then null -- not a phone: names and codes are matched as typed
      when char_length(regexp_replace(n.own, '[^0-9]', '', 'g')) < 2 then null -- no more than a prefix
      else n.prefix || n.own
    end
    -- (0): the trunk prefix some write after the country code, dropped from an international number
    -- exactly as normalize_phone drops it
    from (select btrim(query) as typed, regexp_replace(case when btrim(query) ~ '^[[:space:](]*(\+|00)' then replace(btrim(query), '(0)', '') else btrim(query) end, '[[:space:]()./-]', '', 'g') as digits) t
    cross join lateral (
      select
        case
          when t.digits like '00%' then '+' -- international, 00 for +
          when n11.trunk then '+' || calling_code -- a whole national number of +1 or +7 with its trunk 1 or 8
          when t.digits like '0%' and calling_code is not null then '+' || calling_code -- national: trunk 0 for the country
          else ''
        end as prefix,
        case
          when t.digits like '00%' then substr(t.digits, 3)
          when n11.trunk or t.digits like '0%' then substr(t.digits, 2)
          else t.digits
        end as own
      from (select (calling_code = '1' and t.digits ~ '^1[0-9]{10}$') or (calling_code = '7' and t.digits ~ '^8[0-9]{10}$') as trunk) n11
    ) n
  );
end;
$_$;

create or replace function app_hidden.patients_matching(query text)
    returns table(patient_id uuid, exact_code boolean, last_name text, first_name text)
    language plpgsql stable security definer rows 50
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_typed text := btrim(query);
  v_text_pattern text := app_hidden.contains_pattern(lower(v_typed));
  -- null for names and codes: the planner then drops that condition
  v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
begin
  if char_length(v_typed) between 2 and 100 then
    -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
    -- whatever the size of the others (000034)
    return query execute
      'select s.patient_id, s.code = upper($4), s.last_name, s.first_name from app_private.patient_search s
       where s.clinic_id = $1 and (s.search_text like $2 or s.search_text like $3)'
      using v_clinic_id, v_text_pattern, v_phone_pattern, v_typed;
  end if;
end;
$$;

create or replace function app_public."current_user"() returns app_public."user"
    language plpgsql stable
    as $$
begin
  return (select u from app_public."user" u where u.id = app_public.current_user_id());
end;
$$;

create or replace function app_public.current_clinic() returns app_public.clinic
    language plpgsql stable
    as $$
begin
  return (select c from app_public.clinic c where c.id = app_public.current_clinic_id());
end;
$$;

create or replace function app_hidden.is_practising_doctor(clinic_id uuid, membership_id uuid) returns boolean
    language plpgsql stable
    as $$
begin
  return exists (
    select 1 from app_public.membership m
    where m.clinic_id = is_practising_doctor.clinic_id and m.id = is_practising_doctor.membership_id
      and m.role = 'doctor' and m.is_active and m.deleted_at is null and m.accepted_at is not null
  );
end;
$$;

-- a clinic's local date at a moment: in the triggers of every payment, refund, visit, patient and invoice
create or replace function app_hidden.business_date(clinic_id uuid, at timestamp with time zone) returns date
    language plpgsql stable security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  return (select (at at time zone c.timezone)::date from app_public.clinic c where c.id = business_date.clinic_id);
end;
$$;

create or replace function app_private.local_date(clinic_id uuid, at timestamp with time zone) returns date
    language plpgsql stable security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  return (select (at at time zone c.timezone)::date from app_public.clinic c where c.id = local_date.clinic_id);
end;
$$;
