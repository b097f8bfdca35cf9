--! Previous: sha1:172b03548c74c7786af8d9dff7de9e7101cfe403
--! Hash: sha1:6d29bfc4cbdaaea8af11f6cab2b3bdc2f667b15a
--! Message: A phone as saved reads as itself

-- A phone as saved reads as itself
--
-- normalize_phone took, where no reading of a phone was one of its country's numbers, the first of a length the plan
-- allows; typed again as saved (+ and the digits, as lists show it, as a user logs in or a receptionist searches), it
-- could read as another number: 0358 947 3855 at 358 was saved +3583589473855 and +3583589473855 read +3589473855 (the
-- code typed twice), 08861965477 at 375 saved +3758861965477 read +375861965477 (the trunk prefix 8 read again): 82
-- of 1,005 numbers of every plan's lengths typed from the code after its trunk prefix, or after the code typed twice
-- (tests/db/phones.test.ts). The person so saved was not found by
-- their phone as shown, and correct_saved_phones (saved_phone_corrected) rewrote what registration saved. The number
-- read is now read once more as saved, and that reading saved. national_number works out the guessed national 0
-- itself, as both its callers passed it.
drop function if exists app_hidden.national_number(text, text[], text[]);
create or replace function app_hidden.national_number(calling_code text, typed text[]) returns text
    language plpgsql immutable parallel safe
    as $_$
declare
  v_plan jsonb := app_hidden.phone_plan(calling_code);
  v_readings text[] := app_hidden.phone_readings(v_plan, calling_code, typed);
  -- a national 0 left out (+39 6…, for +39 06…), as the older rules left it out of national numbers: taken only if it
  -- makes one of the plan's numbers (+1 and +7 have none that starts with 0)
  v_guessed text[] := app_hidden.phone_readings(v_plan, calling_code, array[case when calling_code not in ('1', '7') then '0' || typed[1] end]);
  v_reading text;
begin
  -- the first reading that is one of the plan's numbers (its length and its pattern), the guessed
  -- versions' last ...
  foreach v_reading in array v_readings || v_guessed loop
    if app_hidden.phone_length_allowed(v_plan, calling_code, v_reading) and v_reading ~ ('^(?:' || (v_plan ->> 'pattern') || ')$') then
      return v_reading;
    end if;
  end loop;
  -- ... else the first of the typed versions' of a length the plan allows, where no number starts with 0
  -- if the trunk prefix is 0
  foreach v_reading in array v_readings loop
    if app_hidden.phone_length_allowed(v_plan, calling_code, v_reading) and not coalesce(v_plan ->> 'trunk' like '0%' and v_reading like '0%', false) then
      return v_reading;
    end if;
  end loop;
  return null;
end;
$_$;

revoke all on function app_hidden.national_number(text, text[]) from public;
grant all on function app_hidden.national_number(text, text[]) to :DATABASE_VISITOR;
comment on function app_hidden.national_number(calling_code text, typed text[]) is 'The digits of a number of `calling_code` after the code, read as libphonenumber reads them from the digits typed after it or in national form (`typed`: one or more versions of them, in the order preferred; and the first with a national 0 put back in front, taken only if that makes one of the plan''s numbers, at any code but 1 and 7): of their readings (phone_readings), the first that is one of the plan''s numbers, else the first of the typed ones of an allowed length (0712345678 → 712345678 at 255; 84951234567 → 4951234567 at 7; 8001234567 → itself at 375, Belarus''s toll-free numbers beginning with its trunk 8; 0612345678 → itself at 39, which has no trunk prefix; 919876543210 → 9876543210 at 91; 610412345678 → 412345678 at 61); null when none is (the wrong length, or a 0 left after the trunk 0 is dropped).';

create or replace function app_public.normalize_phone(raw text, default_calling_code app_public.calling_code default null) returns app_public.e164_phone
    language plpgsql immutable
    as $_$
declare
  v_text text;
  v_digits text;
  v_without_0 text;
  v_code text;
  v_national text;
  v_versions text[];
  v_turn int;
  v_international boolean;
  v_plan jsonb;
  v_lengths int[];
begin
  -- its raw length first: phone_text reads the whole of it (one of more than 32 characters once trimmed is refused below)
  if char_length(raw) > 1000 then
    raise exception 'This is not a phone number: use digits, spaces, dashes or brackets, optionally starting with + or 00.'
      using errcode = 'CINPH';
  end if;
  v_text := btrim(app_hidden.phone_text(raw));
  if v_text is null or v_text = '' then
    raise exception 'A phone number is required.' using errcode = 'CINPH';
  end if;
  -- Separators people type: spaces, dashes, dots, slashes and brackets.
  v_digits := regexp_replace(v_text, '[[:space:]()./-]', '', 'g');
  if length(v_text) > 32 or v_digits !~ '^\+?[0-9]+$' then
    raise exception 'This is not a phone number: use digits, spaces, dashes or brackets, optionally starting with + or 00.'
      using errcode = 'CINPH';
  end if;

  v_international := v_digits like '+%' or v_digits like '00%';
  if v_international then
    -- International form; a "(0)" after the code is the national trunk prefix some people add, read as a
    -- trunk prefix typed there (and kept where the country has none: Italy's numbers start with 0), else
    -- left out (+1 (0) 212…).
    v_digits := regexp_replace(v_digits, '[^0-9]', '', 'g');
    v_without_0 := regexp_replace(replace(v_text, '(0)', ''), '[^0-9]', '', 'g');
    if v_digits like '00%' and v_text !~ '^[[:space:](]*\+' then
      v_digits := substr(v_digits, 3);
      v_without_0 := substr(v_without_0, 3);
    end if;
    if v_digits !~ '^[1-9][0-9]{6,14}$' then
      raise exception 'This is not a phone number: it must have 7 to 15 digits including the country code.'
        using errcode = 'CINPH';
    end if;
    v_code := app_hidden.country_calling_code('+' || v_digits);
    if v_code is null then
      raise exception 'This is not a phone number: it does not start with a country code in use.' using errcode = 'CINPH';
    end if;
    v_versions := array_remove(array[substr(v_digits, length(v_code) + 1),
                                     nullif(substr(v_without_0, length(v_code) + 1), substr(v_digits, length(v_code) + 1))], null);
  else
    if default_calling_code is null then
      raise exception 'This phone number has no country code: start it with + and the country code.'
        using errcode = 'CINPH';
    end if;
    v_code := default_calling_code;
    if app_hidden.phone_plan(v_code) is null then
      raise exception 'This phone number has no country code, and +%, the code that would complete it, is not one in use: start it with + and the country code.', v_code
        using errcode = 'CINPH';
    end if;
    v_versions := array[v_digits];
  end if;
  v_national := app_hidden.national_number(v_code, v_versions);

  if v_national is null then
    v_plan := app_hidden.phone_plan(v_code);
    v_lengths := array(
      select n from (select jsonb_array_elements_text(v_plan -> 'lengths')::int as n) l
      where length(v_code) + n between 7 and 15 order by n);
    raise exception '%', format(
      case when v_international
        then 'This is not a phone number: a number of country code +%s has %s digits after it%s.'
        else 'This is not a phone number of country code +%s, which completes numbers typed without one: a number there has %s digits%s. Type a number of another country with + and its country code.'
      end,
      v_code,
      case
        when cardinality(v_lengths) = 1 then v_lengths[1]::text
        when cardinality(v_lengths) > 2 and v_lengths[cardinality(v_lengths)] - v_lengths[1] + 1 = cardinality(v_lengths)
          then v_lengths[1] || ' to ' || v_lengths[cardinality(v_lengths)]
        else array_to_string(v_lengths[1:cardinality(v_lengths) - 1], ', ') || ' or ' || v_lengths[cardinality(v_lengths)]
      end,
      coalesce(', not counting the national prefix ' || (v_plan ->> 'trunk'), ''))
      using errcode = 'CINPH';
  end if;
  -- the number saved reads as itself typed as it is saved and shown (+ and its digits): a reading of a length the plan
  -- allows that is none of its numbers may read so as another (0358 947 3855 at 358 saved +3583589473855 read
  -- +3589473855, the code typed twice; 0 8 8 355 14 17 56 at 375 read again without a trunk prefix 8, twice), which is
  -- saved (a number typed as saved, the form most logins and every saved phone read again come in, read so already); a
  -- reading so drops what it read as typed in front of the number (or is one of the plan's numbers, which reads as
  -- itself), at most as many times as a phone has digits
  for v_turn in 1 .. 15 loop
    exit when v_versions = array[v_national];
    v_versions := array[v_national];
    v_national := app_hidden.national_number(v_code, v_versions);
  end loop;
  v_digits := v_code || v_national;
  -- North America's area code and exchange never start with 0 or 1.
  if v_code = '1' and v_digits !~ '^1[2-9][0-9]{2}[2-9][0-9]{6}$' then
    raise exception 'This is not a phone number: a number of country code +1 has 10 digits after it, the first and the fourth from 2 to 9.'
      using errcode = 'CINPH';
  end if;
  return '+' || v_digits;
end;
$_$;

comment on function app_public.normalize_phone(raw text, default_calling_code app_public.calling_code) is 'Turns a phone number as typed ("0712 345-678", "(+255) 712 345 678", "00255712345678", "255 712 345 678", "+255 (0) 712…" and "8 495 123-45-67" with calling code 7) into E.164, reading it as libphonenumber does with its country''s numbering plan (app_hidden.phone_plan, app_hidden.national_number): `default_calling_code` completes national numbers, whose national prefix is dropped (0 at 255, 8 at 7; none at 39: 06 1234 5678 → +390612345678), as it is when typed after the code, and a national 0 left out is put back where the number is none of its country''s without it (+39 6…, 6… at 39); the number must have as many digits after the code as the plan allows (9 at 255, exactly 10 at 1 and 7) and start with a code in use; the number read is read once more as it is saved (+ and its digits), and that reading saved, so that a phone reads as itself typed as it is shown (0358 947 3855 at 358, whose reading +3583589473855 is none of the plan''s numbers, is +3589473855, as +3583589473855 typed reads); raises INVALID_PHONE naming the rule (and the code national numbers were completed with) for anything that is not a phone number, and for text of more than 1000 characters as typed before reading any of it.';

-- The phones saved so are read again as saved (correct_saved_phones, each correction audited; a phone changed meanwhile
-- left as it is), and the operators told of any it had to leave, as 000086 told them.
do $$
declare
  v_left integer := app_private.correct_saved_phones();
begin
  if v_left > 0 then
    insert into app_private.upgrade_warning (migration, message) values ('000484', format(
      '%s saved phones are not phone numbers by today''s rules, or could not be corrected (another account has the corrected phone): their people cannot log in, or be found by phone, until they are corrected by hand (docs/operations.md, "Migrations")', v_left));
  end if;
end;
$$;
