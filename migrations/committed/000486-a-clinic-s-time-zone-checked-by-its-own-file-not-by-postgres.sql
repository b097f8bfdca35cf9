--! Previous: sha1:a13402196b5ee3b4b85758092bb138e1f6ab0a74
--! Hash: sha1:530301a773efbfd20cd0af3f25830f29631a559e
--! Message: A clinic's time zone checked by its own file, not by PostgreSQL's whole list of zones

-- Enter migration here

-- A clinic's time zone checked by its own file, not by PostgreSQL's whole list of zones
--
-- is_valid_timezone looked the name up in pg_timezone_names, which reads every file of the tz directory (1,800 reads,
-- 2.5 MB, some 30 ms warm, 60 under load) whatever the name; and clinic_timezone_check calls it on every insert and
-- update of a clinic's row, whatever changed: a name or a phone corrected took 30 to 60 ms, an import or a bench of
-- 1,000 clinics 30 to 60 s, a data fix of every clinic (000039) that long again. It now asks PostgreSQL for the name
-- it gives a session set to that zone (time_zone_as_set: the zone's own file, read once a connection), which is the
-- name in the list, spelled alike, exactly when the name is a zone of the list. The list is still read where that
-- name cannot tell: a name with a digit (a POSIX rule such as UTC+3 or <+03>-3 is spelled back as typed, as are
-- EST5EDT and Etc/GMT+3, files; and each rule PostgreSQL reads is kept by the connection, so that names made up by
-- the thousand would fill its memory), GMT (known without its file) and posix/ or right/ copies in any case. The
-- answers are those of 000158 for every name (tests/db/time-zones.test.ts compares them over the list, every file
-- of the tz directory and names around them); the constraint stays a constraint, for the owner in psql, restores
-- and imports as for the API (a trigger checking a change of the zone alone would still have read the list for each
-- clinic made, and checks nothing of a row restored or written with triggers disabled).
create or replace function app_hidden.time_zone_as_set(name text) returns text
    language plpgsql stable strict
    set "TimeZone" to 'GMT'
    as $$
begin
  -- for this call alone: the function's own setting (GMT, which PostgreSQL knows without a file) is put back as it
  -- ends, and with it the caller's
  perform pg_catalog.set_config('TimeZone', time_zone_as_set.name, true);
  return pg_catalog.current_setting('TimeZone');
exception when invalid_parameter_value then
  return null; -- a name PostgreSQL knows no zone by, or a zone of leap seconds (right/…)
end;
$$;
revoke all on function app_hidden.time_zone_as_set(text) from public;
grant all on function app_hidden.time_zone_as_set(text) to :DATABASE_VISITOR;
comment on function app_hidden.time_zone_as_set(name text) is 'The name PostgreSQL gives the time zone of a session set to `name` (SET TimeZone), or null when it refuses it: a zone''s file name as spelled in the tz directory (africa/nairobi is Africa/Nairobi), a POSIX rule in capitals as typed (UTC+3), a number of hours as a rule (3 is <-03>+03). The zone''s file is read once a connection, PostgreSQL keeping each zone it reads, and the session''s own time zone is left as it was. What is_valid_timezone asks of a name without a digit.';

create or replace function app_public.is_valid_timezone(name text) returns boolean
    language sql stable
    as $$
  select is_valid_timezone.name !~ '^posix/'
    and is_valid_timezone.name not in ('Factory', 'localtime', 'posixrules')
    -- a name that is also an abbreviation is read as the abbreviation by `at time zone`: CET is +01 all year
    and (is_valid_timezone.name in ('UTC', 'UCT', 'GMT')
         or not exists (select 1 from pg_catalog.pg_timezone_abbrevs a where a.abbrev = is_valid_timezone.name))
    and case
      -- PostgreSQL's list (every file of the tz directory read: some 30 ms) where the name it gives the zone cannot
      -- tell: a POSIX rule (UTC+3, <+03>-3: a digit in each) is spelled back as typed, as are EST5EDT and Etc/GMT+3,
      -- files, and each rule read is kept by the connection; GMT is known without its file; the posix/ and right/
      -- copies, in any case, would each be kept by the connection too
      when is_valid_timezone.name ~ '[0-9]' or is_valid_timezone.name = 'GMT' or is_valid_timezone.name ~* '^(posix|right)/'
        then exists (select 1 from pg_catalog.pg_timezone_names t where t.name = is_valid_timezone.name)
      -- else the zone's own file: a zone of the list is named by its file, spelled as the list spells it
      else coalesce(app_hidden.time_zone_as_set(is_valid_timezone.name) = is_valid_timezone.name, false)
    end;
$$;
revoke all on function app_public.is_valid_timezone(text) from public;
grant all on function app_public.is_valid_timezone(text) to :DATABASE_VISITOR;
comment on function app_public.is_valid_timezone(name text) is 'True when `name` is an IANA time zone this database knows, e.g. Africa/Dar_es_Salaam: not PostgreSQL''s posix/ copies, Factory, localtime or posixrules, which the exports cannot print in, nor a name that is also a time zone abbreviation (CET, EET, WET, MET, EST, MST, HST), which PostgreSQL reads as the abbreviation when it converts times (CET +01 all year); UTC, UCT and GMT are the same either way. A name without a digit is checked by its zone''s own file (time_zone_as_set: well under a millisecond); one with a digit (Etc/GMT+3, EST5EDT, or UTC+3, a POSIX rule and no zone), GMT, and posix/ and right/ in any case, by PostgreSQL''s whole list of zones (pg_timezone_names, some 30 ms).';
