--! Previous: sha1:093dbe3e44d0e07c6fdf3d7acee359f4e374aee7
--! Hash: sha1:6bbf0b1849d54c39caa4a468a8d54558070abb23
--! Message: visits at finite times; time zones the exports can print in

-- A visit is booked at a real time: 'infinity' and '-infinity' are timestamps PostgreSQL accepts,
-- but GraphQL cannot print them (every list holding such a visit answered an error without a code),
-- and no day, rollup, export or no-show rule can place them.
alter table app_public.visit drop constraint if exists visit_scheduled_at_is_finite;
-- NOT VALID: a visit written before keeps its time; new and moved visits may not be at infinity
alter table app_public.visit add constraint visit_scheduled_at_is_finite check (isfinite(scheduled_at)) not valid;
comment on constraint visit_scheduled_at_is_finite on app_public.visit is 'A visit is booked at a date and time, never at infinity or -infinity.';

-- A clinic's time zone is one the exports can print in as well as PostgreSQL: its posix/ copies of
-- the IANA zones, and Factory, localtime and posixrules, are unknown to the ICU that formats the
-- PDFs' dates (Intl.DateTimeFormat), so every PDF of a clinic set to one of them failed.
create or replace function app_public.is_valid_timezone(name text) returns boolean
  language sql stable
  as $$
  -- the names first: reading pg_timezone_names takes some 30 ms
  select is_valid_timezone.name !~ '^posix/'
    and is_valid_timezone.name not in ('Factory', 'localtime', 'posixrules')
    and exists (select 1 from pg_catalog.pg_timezone_names t where t.name = is_valid_timezone.name);
$$;
comment on function app_public.is_valid_timezone(text) is 'True when `name` is an IANA time zone this database knows, e.g. Africa/Dar_es_Salaam (not PostgreSQL''s posix/ copies, Factory, localtime or posixrules, which the exports cannot print in).';
