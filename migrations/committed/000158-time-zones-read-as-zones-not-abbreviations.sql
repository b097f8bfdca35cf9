--! Previous: sha1:d581022f2bbc9bb9ecd170207ac4cbd825c5d9d8
--! Hash: sha1:2f25bd82aae1bf7e0d072204d9b497dcbd8f8c79
--! Message: time zones read as zones not abbreviations

-- A clinic's time zone is a name PostgreSQL reads as the zone wherever times are converted. CET,
-- EET, WET and MET were accepted, and are also time zone abbreviations, which `at time zone` reads
-- first: CET is then +01 all year, where the zone CET keeps summer time. A summer payment at 00:30
-- in a CET clinic went on the day before, every CSV time of the summer was an hour behind, and a
-- day closed in the evening refused the payments of the hour after midnight. A name that is also
-- an abbreviation is refused now (UTC, UCT and GMT aside: the same either way), and the clinics set
-- to one move to the zone tzdata makes it a name of (the same clock: Europe/Brussels for CET and
-- MET, Europe/Athens, Europe/Lisbon; EST, MST and HST, fixed either way, to America/Panama,
-- America/Phoenix and Pacific/Honolulu). A clinic that cannot move (a day closed ahead of its new
-- clock, say) is named in a warning for the operator, and keeps its name.

create or replace function app_public.is_valid_timezone(name text) returns boolean
  language sql stable
  as $$
  -- the names first: reading pg_timezone_names takes some 30 ms
  select is_valid_timezone.name !~ '^posix/'
    and is_valid_timezone.name not in ('Factory', 'localtime', 'posixrules')
    -- a name that is also an abbreviation is read as the abbreviation by `at time zone`: CET is +01 all year
    and (is_valid_timezone.name in ('UTC', 'UCT', 'GMT')
         or not exists (select 1 from pg_catalog.pg_timezone_abbrevs a where a.abbrev = is_valid_timezone.name))
    and exists (select 1 from pg_catalog.pg_timezone_names t where t.name = is_valid_timezone.name);
$$;
comment on function app_public.is_valid_timezone(text) is 'True when `name` is an IANA time zone this database knows, e.g. Africa/Dar_es_Salaam: not PostgreSQL''s posix/ copies, Factory, localtime or posixrules, which the exports cannot print in, nor a name that is also a time zone abbreviation (CET, EET, WET, MET, EST, MST, HST), which PostgreSQL reads as the abbreviation when it converts times (CET +01 all year); UTC, UCT and GMT are the same either way.';

do $$
declare
  v_clinic record;
begin
  for v_clinic in
    select c.id, c.name, c.timezone from app_public.clinic c where not app_public.is_valid_timezone(c.timezone)
  loop
    begin
      update app_public.clinic c set timezone = case v_clinic.timezone
          when 'CET' then 'Europe/Brussels' when 'MET' then 'Europe/Brussels' when 'EET' then 'Europe/Athens'
          when 'WET' then 'Europe/Lisbon' when 'EST' then 'America/Panama' when 'MST' then 'America/Phoenix'
          when 'HST' then 'Pacific/Honolulu' else 'UTC' end
      where c.id = v_clinic.id;
    exception when others then
      insert into app_private.upgrade_warning (migration, message) values ('000158', format(
        'The clinic %s (%s) keeps the time zone %s, which PostgreSQL reads as a fixed offset (no summer time) when it converts times, and could not be moved to its IANA zone: %s. Set its time zone (updateClinic) to the IANA name of its place.',
        v_clinic.name, v_clinic.id, v_clinic.timezone, sqlerrm));
    end;
  end loop;
end;
$$;
