--! Previous: sha1:e74b5471a47248ddc60830aee00bea6eb7325dd6
--! Hash: sha1:a6c1a402bdfe8e8f2d21dfed5c341c59e34b7b28
--! Message: phone-length-checked-first

-- A phone of more than 1000 characters as typed is refused before it is read
--
-- app_public.normalize_phone (the API's normalizePhone, registration, invitations, login) read the whole of what it was
-- given (phone_text: other scripts' digits, spaces, dashes) before refusing one of more than 32 characters: 100,000
-- characters took 0.2 s of the database a call, and normalizePhone may be asked many times in one request with one
-- large variable, while a number padded with 2,000 spaces was still read and saved. Now text of more than 1000
-- characters as typed is INVALID_PHONE, as one of more than 32 is, before any of it is read.
create or replace function app_public.normalize_phone(raw text, default_calling_code app_public.calling_code default null)
  returns app_public.e164_phone
  language plpgsql immutable
as $$
declare
  v_text text;
  v_digits text;
  v_without_0 text;
  v_code text;
  v_national text;
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
    v_national := app_hidden.national_number(v_code,
      array[substr(v_digits, length(v_code) + 1), nullif(substr(v_without_0, length(v_code) + 1), substr(v_digits, length(v_code) + 1))],
      -- a national 0 left out (+39 6…, for +39 06…), as the older rules left it out of national numbers
      array[case when v_code not in ('1', '7') then '0' || substr(v_digits, length(v_code) + 1) end]);
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
    v_national := app_hidden.national_number(v_code, array[v_digits], array[case when v_code not in ('1', '7') then '0' || v_digits end]);
  end if;

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
  v_digits := v_code || v_national;
  -- North America's area code and exchange never start with 0 or 1.
  if v_code = '1' and v_digits !~ '^1[2-9][0-9]{2}[2-9][0-9]{6}$' then
    raise exception 'This is not a phone number: a number of country code +1 has 10 digits after it, the first and the fourth from 2 to 9.'
      using errcode = 'CINPH';
  end if;
  return '+' || v_digits;
end;
$$;
comment on function app_public.normalize_phone(text, app_public.calling_code) is 'Turns a phone number as typed ("0712 345-678", "(+255) 712 345 678", "00255712345678", "255 712 345 678", "+255 (0) 712…" and "8 495 123-45-67" with calling code 7) into E.164, reading it as libphonenumber does with its country''s numbering plan (app_hidden.phone_plan, app_hidden.national_number): `default_calling_code` completes national numbers, whose national prefix is dropped (0 at 255, 8 at 7; none at 39: 06 1234 5678 → +390612345678), as it is when typed after the code, and a national 0 left out is put back where the number is none of its country''s without it (+39 6…, 6… at 39); the number must have as many digits after the code as the plan allows (9 at 255, exactly 10 at 1 and 7) and start with a code in use; raises INVALID_PHONE naming the rule (and the code national numbers were completed with) for anything that is not a phone number, and for text of more than 1000 characters as typed before reading any of it.';
