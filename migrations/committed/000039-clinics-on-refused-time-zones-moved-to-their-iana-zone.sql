--! Previous: sha1:6264c8cfe30225cd67399465ac44fddf7b10a246
--! Hash: sha1:78f9b205cc6e2932a545d264b9bc3a99c018d8e5
--! Message: clinics on refused time zones moved to their IANA zone

--------------------------------------------------------------------------------
-- Clinics already set to a time zone that 000035 refuses (PostgreSQL's posix/ copies, Factory,
-- localtime, posixrules) could not be updated at all, not even renamed: the check on the time zone
-- runs at every update of the row ("Unknown time zone"). A posix/ copy becomes the IANA zone it
-- copies (the same clock); the others, which name no place, become UTC.
update app_public.clinic c
set timezone = case when c.timezone like 'posix/%' and app_public.is_valid_timezone(substr(c.timezone, 7)) then substr(c.timezone, 7) else 'UTC' end
where not app_public.is_valid_timezone(c.timezone);
