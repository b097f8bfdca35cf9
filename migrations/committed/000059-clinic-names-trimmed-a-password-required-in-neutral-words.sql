--! Previous: sha1:05ea2f3e6df5e39e6b41eca82a85b2ba6d9453a3
--! Hash: sha1:89ed4ad3f2e25d7d9dfaab5be40d38d2dee1f411
--! Message: Clinic names trimmed, a password required in neutral words

-- Review fixes: a clinic's name trimmed of white space however it is set; the password rule's refusal of no password in neutral words.

-- A clinic's name is stored without white space at its ends, however it is set: updateClinic could
-- save "\t" or " Name\n" (clinic_name_check trims spaces only), where createClinicWithOwner stored
-- the name trimmed of all white space (000058). A BEFORE trigger trims it, as the clinic's phone
-- is normalised (_150_normalize_phone); a name of white space alone is then refused by the check.

create or replace function app_private.tg_clinic__trim_name() returns trigger
language plpgsql
set search_path = pg_catalog, public, pg_temp
as $$
begin
  new.name := regexp_replace(new.name, '^\s+|\s+$', '', 'g');
  return new;
end;
$$;
revoke all on function app_private.tg_clinic__trim_name() from public;
comment on function app_private.tg_clinic__trim_name() is 'Trigger: stores a clinic''s name without white space (spaces, tabs, line ends) at either end.';

drop trigger if exists _150_trim_name on app_public.clinic;
create trigger _150_trim_name before insert or update of name on app_public.clinic
  for each row execute function app_private.tg_clinic__trim_name();

-- The password rule's refusal of no password says only that (000058 gave every entry point
-- inviteMember's "a new account gets it, an existing one keeps its own", which is not so for
-- npm run superuser: a promotion sets the password given).
create or replace function app_private.check_password(password text) returns void
language plpgsql immutable set search_path = pg_catalog, public, pg_temp
as $$
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
