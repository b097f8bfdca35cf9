--! Previous: sha1:01dfcec2a24459227b780d43cc30d16e09f034f1
--! Hash: sha1:fdb89fcb890537bc1ca18377c17953ec49c06880
--! Message: the clinic's phone typed as people type it

-- The clinic's own phone was of the type e164_phone, so PostgreSQL refused a number typed as people
-- type it (0712 345 678) when it read the request, before any trigger could complete it: the
-- settings screen took only international numbers, where patients' and staff's phones are
-- completed with the clinic's calling code. The column is now text, normalised as a patient's phone
-- is (INVALID_PHONE when it is not one; blank clears it), and checked to be E.164 afterwards. The
-- GraphQL type of Clinic.phone becomes String (users' phones keep E164Phone).

alter table app_public.clinic alter column phone type text;
alter table app_public.clinic add constraint clinic_phone_check check (phone ~ '^\+[1-9][0-9]{6,14}$');
comment on column app_public.clinic.phone is 'Contact phone in E.164; a national number typed is completed with the clinic''s calling code.';

create function app_private.tg_clinic__normalize_phone() returns trigger
language plpgsql
as $$
begin
  if btrim(new.phone) = '' then
    new.phone := null;
  elsif new.phone is not null then
    new.phone := app_public.normalize_phone(new.phone, coalesce(new.calling_code, app_hidden.calling_code_for(null)));
  end if;
  return new;
end;
$$;
comment on function app_private.tg_clinic__normalize_phone() is 'BEFORE INSERT OR UPDATE OF phone, calling_code: completes a national phone number with the clinic''s calling code (or the deployment''s), INVALID_PHONE when it is not a phone number.';
create trigger _150_normalize_phone before insert or update of phone, calling_code on app_public.clinic
  for each row execute function app_private.tg_clinic__normalize_phone();
