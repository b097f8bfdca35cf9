--! Previous: sha1:881472358a32c6f21ac5559c9bdcf603c9e50ece
--! Hash: sha1:de62d3db6565649d7a46d829c79ee9241942a8e9
--! Message: clinics on refused time zones moved to their IANA zone

--------------------------------------------------------------------------------
-- Clinics already set to a time zone that 000035 refuses (PostgreSQL's posix/ copies, Factory,
-- localtime, posixrules) could not be updated at all, not even renamed: the check on the time zone
-- runs at every update of the row ("Unknown time zone"). A posix/ copy becomes the IANA zone it
-- copies (the same clock), posixrules the zone whose rules it holds (America/New_York, as tzdata
-- ships it); Factory and localtime, which name no place, become UTC.
update app_public.clinic c
set timezone = case
  when c.timezone like 'posix/%' and app_public.is_valid_timezone(substr(c.timezone, 7)) then substr(c.timezone, 7)
  when c.timezone = 'posixrules' then 'America/New_York'
  else 'UTC'
end
where not app_public.is_valid_timezone(c.timezone);
