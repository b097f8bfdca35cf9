--! Previous: sha1:195259a7059e1bb5db4fbf5eff03078be472822c
--! Hash: sha1:66b9a7ecce4675ede64bf2c5d8bb605cc12b4b3d
--! Message: A time zone written as an interval PostgreSQL cannot read is no zone, not an error

-- Enter migration here

-- A time zone written as an interval PostgreSQL cannot read is no zone, not an error
--
-- time_zone_as_set (000486) sets the session's TimeZone to the name and caught only invalid_parameter_value. But SET
-- TimeZone reads a name beginning with "interval" as SQL's INTERVAL '…' form, the text between the quotes by the
-- interval type's input, which raises its own data exceptions (invalid_datetime_format, 22007): is_valid_timezone('interval
-- ''x''') raised "invalid input syntax for type interval" where the rule of 000158 said false, so isValidTimezone answered
-- INVALID_INPUT "A date or time is not valid." to anyone who asked, and a clinic given that zone was refused by that
-- error instead of clinic_timezone_check, createClinicWithOwner by it instead of "Unknown time zone". Every data
-- exception of setting the zone (class 22, invalid_parameter_value among them) now answers null, so such a name is
-- false as the list said.
create or replace function app_hidden.time_zone_as_set(name text) returns text
    language plpgsql stable strict
    set "TimeZone" to 'GMT'
    as $$
begin
  -- for this call alone: the function's own setting (GMT, which PostgreSQL knows without a file) is put back as it
  -- ends, and with it the caller's
  perform pg_catalog.set_config('TimeZone', time_zone_as_set.name, true);
  return pg_catalog.current_setting('TimeZone');
exception when data_exception then
  -- a name PostgreSQL knows no zone by, or a zone of leap seconds (right/…): invalid_parameter_value; or SQL's INTERVAL
  -- '…' form with text that is no interval (interval 'x'), which SET TimeZone reads with the interval type's input and
  -- its errors (invalid_datetime_format…)
  return null;
end;
$$;
revoke all on function app_hidden.time_zone_as_set(text) from public;
grant all on function app_hidden.time_zone_as_set(text) to :DATABASE_VISITOR;
comment on function app_hidden.time_zone_as_set(name text) is 'The name PostgreSQL gives the time zone of a session set to `name` (SET TimeZone), or null when it refuses it: a zone''s file name as spelled in the tz directory (africa/nairobi is Africa/Nairobi), a POSIX rule in capitals as typed (UTC+3), a number of hours as a rule (3 is <-03>+03), SQL''s INTERVAL ''…'' form as a rule when its text is an interval (interval ''PT'' is <+00>-00), and null when it is not (interval ''x'', which PostgreSQL refuses with the interval type''s own error). The zone''s file is read once a connection, PostgreSQL keeping each zone it reads, and the session''s own time zone is left as it was. What is_valid_timezone asks of a name without a digit.';
