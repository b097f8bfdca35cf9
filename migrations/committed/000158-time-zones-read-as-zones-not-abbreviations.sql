--! Previous: sha1:688d1a708061870cb59545963761d7f4dfa507f1
--! Hash: sha1:326b7423e04c28109a5c694778d2b1f56f5bcf34
--! Message: time zones read as zones not abbreviations

-- A clinic's time zone is a name PostgreSQL reads as the zone wherever times are converted. CET,
-- EET, WET and MET were accepted, and are also time zone abbreviations, which `at time zone` reads
-- first: CET is then +01 all year, where the zone CET keeps summer time. A summer payment at 00:30
-- in a CET clinic went on the day before, every CSV time of the summer was an hour behind, and a
-- day closed in the evening refused the payments of the hour after midnight. A name that is also
-- an abbreviation is refused now (UTC, UCT and GMT aside: the same either way), and the clinics set
-- to one move to the zone tzdata makes it a name of (the same clock: Europe/Brussels for CET and
-- MET, Europe/Athens, Europe/Lisbon; EST, MST and HST, fixed either way, to America/Panama,
-- America/Phoenix and Pacific/Honolulu: the same clock now, or an hour ahead in summer, so no closed
-- day is ahead of it). Should one not move, the upgrade stops, naming it and what to run: left on the
-- old name, the clinic could not be updated (its check refuses the name) nor restored from a dump.

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
  -- the seven names alone: a clinic on a name the server's tzdata no longer has (a legacy alias after an
  -- OS upgrade) is no business of this migration
  for v_clinic in
    select c.id, c.name, c.timezone, z.zone from app_public.clinic c
    join (values ('CET', 'Europe/Brussels'), ('MET', 'Europe/Brussels'), ('EET', 'Europe/Athens'), ('WET', 'Europe/Lisbon'),
                 ('EST', 'America/Panama'), ('MST', 'America/Phoenix'), ('HST', 'Pacific/Honolulu')) z (name, zone) on z.name = c.timezone
  loop
    begin
      update app_public.clinic c set timezone = v_clinic.zone where c.id = v_clinic.id;
    exception when others then
      -- left on the old name, the clinic could not be updated at all (its check refuses the name at every
      -- update) nor restored from a dump: the upgrade stops, saying what to do
      raise exception 'Migration 000158 could not move the clinic % (%) from the time zone % to %: %. As a superuser, set it by hand (update app_public.clinic set timezone = ''%'' where id = ''%''), then start again.',
        v_clinic.name, v_clinic.id, v_clinic.timezone, v_clinic.zone, sqlerrm, v_clinic.zone, v_clinic.id;
    end;
  end loop;
end;
$$;
