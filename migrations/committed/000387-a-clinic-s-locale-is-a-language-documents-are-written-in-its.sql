--! Previous: sha1:6fa3b6a4ecb71841c1cf570c8d80386fc091a582
--! Hash: sha1:3767e127b852a7f6ec09dc677260c884aa7aec2f
--! Message: A clinic's locale is a language documents are written in; its calling code is changed, not cleared

-- A clinic's locale is a language documents are written in
--
-- The locale was checked for its form alone (two or three small letters, a country of two capitals), so `tz` (typed
-- for Tanzania), `ke` or `zz` was taken: no language, which Intl, writing the clinic's PDFs, reads as none and writes
-- in en-US, 5 December 2026 as 12/5/2026 on every invoice of a clinic that reads it as 12 May, while each PDF told
-- screen readers it was in that language. A locale set or changed now is a language ICU knows (the ICU collations of
-- the database's pg_catalog, those initdb made from ICU's locales: the language of one of them, `und` aside), with a
-- country, if given, that ICU knows a locale of (en-KE, and fr-TZ as French written in Tanzania); anything else is
-- INVALID_INPUT naming it. A clinic set to one before keeps it, and its other settings change as ever.
create or replace function app_hidden.is_document_locale(locale text) returns boolean
  language sql stable parallel safe
  set search_path = pg_catalog, public, pg_temp
as $$
  select locale ~ '^[a-z]{2,3}(-[A-Z]{2})?$' and split_part(locale, '-', 1) <> 'und'
    and exists (select from pg_catalog.pg_collation c
                where c.collnamespace = 'pg_catalog'::regnamespace and c.collprovider = 'i'
                  and c.collname = split_part(locale, '-', 1) || '-x-icu')
    and (split_part(locale, '-', 2) = ''
         or exists (select from pg_catalog.pg_collation c
                    where c.collnamespace = 'pg_catalog'::regnamespace and c.collprovider = 'i'
                      and c.collname like '%-' || split_part(locale, '-', 2) || '-x-icu'));
$$;
comment on function app_hidden.is_document_locale(text) is
  'Whether a clinic''s locale is one its documents can be written in: a language of the database''s ICU collations (`sw`, `fil`; not `und`), with, if given, a country ICU has a locale of (`en-KE`, `fr-TZ`), as Intl reads them. `tz` or `en-ZZ` is none: Intl would write en-US.';

create or replace function app_private.tg_clinic__locale_known() returns trigger
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
begin
  -- a locale not of the form is clinic_locale_check's to refuse, with its own message; one set before is kept
  if (tg_op = 'INSERT' or new.locale is distinct from old.locale)
     and new.locale ~ '^[a-z]{2,3}(-[A-Z]{2})?$' and not app_hidden.is_document_locale(new.locale) then
    raise exception '% is not a language documents are written in: give a language code, with a country if need be, such as sw, en or en-KE.', new.locale
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_clinic__locale_known() is
  'Refuses a clinic''s locale set or changed to one of no language or no country (app_hidden.is_document_locale), INVALID_INPUT naming it; a locale kept from before is left alone.';
drop trigger if exists _150_locale_known on app_public.clinic;
create trigger _150_locale_known before insert or update of locale on app_public.clinic
  for each row execute function app_private.tg_clinic__locale_known();
comment on trigger _150_locale_known on app_public.clinic is 'A locale set or changed is a language documents are written in (tg_clinic__locale_known).';
comment on column app_public.clinic.locale is 'BCP 47 language tag for amounts and dates on documents, e.g. en, sw, fr or en-KE: a language ICU knows, with a country ICU knows if given (checked when set or changed).';

-- A clinic's calling code is changed, not cleared
--
-- A calling code cleared (callingCode: null, as a form sends a field left blank) was taken, and the clinic's national
-- numbers were then completed with the deployment's DEFAULT_CALLING_CODE: a Kenyan clinic's 0712 345 678, typed for a
-- patient, a member invited or the clinic's own phone, was saved as +255712345678, a Tanzanian number, with no error.
-- A code once set is now changed to another country's, never cleared (INVALID_INPUT, naming the clinic's code); a
-- clinic that has none (one whose owner's phone is of no country, +800…, or made before 000019) keeps the deployment's
-- until it is given one.
create or replace function app_private.tg_clinic__normalize_phone() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'INSERT' and app_hidden.phone_plan(new.calling_code) ? 'worldwide' then
    new.calling_code := null; -- from create_clinic_with_owner, read off its owner's phone
  elsif tg_op = 'UPDATE' and new.calling_code is null and old.calling_code is not null then
    raise exception 'The calling code completes the phone numbers the clinic''s staff type without one: it is changed to the code of another country, not cleared (the clinic''s is +%).', old.calling_code
      using errcode = 'CINVL';
  elsif (tg_op = 'INSERT' or new.calling_code is distinct from old.calling_code) and new.calling_code is not null
        and not app_hidden.is_country_code(new.calling_code) then
    raise exception 'The calling code +% is not a country''s code in use: give the code of the clinic''s country.', new.calling_code
      using errcode = 'CINVL';
  end if;
  if new.phone ~ '^\s*$' then
    new.phone := null;
  elsif new.phone is not null and (tg_op = 'INSERT' or new.phone is distinct from old.phone) then
    new.phone := app_public.normalize_phone(new.phone, coalesce(new.calling_code, app_hidden.calling_code_for(null)));
  end if;
  return new;
end;
$$;
comment on function app_private.tg_clinic__normalize_phone() is 'Trigger: refuses a calling code that is no country''s code in use when it is set (a new clinic''s of no country is left out), and one set cleared (it is changed to another country''s, not cleared: the deployment default would complete the clinic''s national numbers), and normalises the clinic''s phone with its calling code (or the deployment default) when it changes, blank meaning none.';
comment on column app_public.clinic.calling_code is 'Country calling code used to complete national phone numbers typed by staff (e.g. 255); once set, changed to another country''s, never cleared.';
