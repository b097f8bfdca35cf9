--! Previous: sha1:01db9a1c7093b49bf25405d1be007852bd2e187f
--! Hash: sha1:863079e27554f853bd3e765ebd8712cb39a76f26
--! Message: phones by numbering plan

-- Phones are read with each country's numbering plan: how many digits its numbers have after the country
-- code, and its national trunk prefix. Before, any 7 to 15 digits passed and a national number lost a
-- leading 0 whatever the country: "255712345678" typed at a +255 clinic was saved as +255255712345678,
-- "+255 0712 345 678" as +2550712345678, "12345" as +25512345, and Italy's "06 1234 5678" as +39612345678.
-- Login and the duplicate warning read phones the same way, so such people could log in only with the
-- form they had typed, and were not found as duplicates.

create or replace function app_hidden.phone_plan(calling_code text) returns jsonb
  language sql immutable parallel safe
as $$
  -- libphonenumber-js 1.13.16, metadata.min.json: each calling code's possible national lengths (the union
  -- over the countries sharing it) and national prefix; tests/db/phone-plans.test.ts compares them.
  -- ClinicOps keeps +1 and +7 to their 10-digit numbers (000066), whatever else the data allows.
  select '{
    "1": {"lengths": [10], "trunk": "1"}, "7": {"lengths": [10], "trunk": "8"},
    "20": {"lengths": [8, 9, 10], "trunk": "0"}, "27": {"lengths": [5, 6, 7, 8, 9, 10], "trunk": "0"},
    "30": {"lengths": [10, 11, 12]}, "31": {"lengths": [5, 6, 7, 8, 9, 10, 11], "trunk": "0"},
    "32": {"lengths": [8, 9], "trunk": "0"}, "33": {"lengths": [9], "trunk": "0"}, "34": {"lengths": [9]},
    "36": {"lengths": [8, 9], "trunk": "06"}, "39": {"lengths": [6, 7, 8, 9, 10, 11, 12]},
    "40": {"lengths": [6, 9], "trunk": "0"}, "41": {"lengths": [9, 12], "trunk": "0"},
    "43": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11, 12, 13], "trunk": "0"},
    "44": {"lengths": [7, 9, 10], "trunk": "0"}, "45": {"lengths": [8]},
    "46": {"lengths": [6, 7, 8, 9, 10, 12], "trunk": "0"}, "47": {"lengths": [5, 8]},
    "48": {"lengths": [6, 7, 8, 9, 10]},
    "49": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], "trunk": "0"},
    "51": {"lengths": [8, 9], "trunk": "0"}, "52": {"lengths": [10]},
    "53": {"lengths": [6, 7, 8, 10], "trunk": "0"}, "54": {"lengths": [10, 11], "trunk": "0"},
    "55": {"lengths": [8, 9, 10, 11], "trunk": "0"}, "56": {"lengths": [9, 10, 11]},
    "57": {"lengths": [8, 10, 11], "trunk": "0"}, "58": {"lengths": [10], "trunk": "0"},
    "60": {"lengths": [8, 9, 10], "trunk": "0"}, "61": {"lengths": [5, 6, 7, 8, 9, 10, 12], "trunk": "0"},
    "62": {"lengths": [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17], "trunk": "0"},
    "63": {"lengths": [6, 8, 9, 10, 11, 12, 13], "trunk": "0"},
    "64": {"lengths": [5, 6, 7, 8, 9, 10], "trunk": "0"}, "65": {"lengths": [8, 10, 11]},
    "66": {"lengths": [8, 9, 10, 13], "trunk": "0"},
    "81": {"lengths": [8, 9, 10, 11, 12, 13, 14, 15, 16, 17], "trunk": "0"},
    "82": {"lengths": [5, 6, 8, 9, 10, 11, 12, 13, 14], "trunk": "0"},
    "84": {"lengths": [7, 8, 9, 10], "trunk": "0"}, "86": {"lengths": [7, 8, 9, 10, 11, 12], "trunk": "0"},
    "90": {"lengths": [7, 10, 12, 13], "trunk": "0"}, "91": {"lengths": [8, 9, 10, 11, 12, 13], "trunk": "0"},
    "92": {"lengths": [8, 9, 10, 11, 12], "trunk": "0"}, "93": {"lengths": [9], "trunk": "0"},
    "94": {"lengths": [9], "trunk": "0"}, "95": {"lengths": [6, 7, 8, 9, 10], "trunk": "0"},
    "98": {"lengths": [4, 5, 6, 7, 10], "trunk": "0"}, "211": {"lengths": [9], "trunk": "0"},
    "212": {"lengths": [9], "trunk": "0"}, "213": {"lengths": [8, 9], "trunk": "0"}, "216": {"lengths": [8]},
    "218": {"lengths": [9], "trunk": "0"}, "220": {"lengths": [7, 9]}, "221": {"lengths": [9]},
    "222": {"lengths": [8]}, "223": {"lengths": [8]}, "224": {"lengths": [8, 9]}, "225": {"lengths": [10]},
    "226": {"lengths": [8]}, "227": {"lengths": [8]}, "228": {"lengths": [8]}, "229": {"lengths": [10]},
    "230": {"lengths": [7, 8, 10]}, "231": {"lengths": [7, 8, 9], "trunk": "0"},
    "232": {"lengths": [8], "trunk": "0"}, "233": {"lengths": [8, 9], "trunk": "0"},
    "234": {"lengths": [10, 11, 12, 13, 14], "trunk": "0"}, "235": {"lengths": [8]}, "236": {"lengths": [8]},
    "237": {"lengths": [8, 9]}, "238": {"lengths": [7]}, "239": {"lengths": [7]}, "240": {"lengths": [9]},
    "241": {"lengths": [7, 8]}, "242": {"lengths": [9]}, "243": {"lengths": [7, 8, 9, 10], "trunk": "0"},
    "244": {"lengths": [9]}, "245": {"lengths": [7, 9]}, "246": {"lengths": [7]}, "247": {"lengths": [5, 6]},
    "248": {"lengths": [7]}, "249": {"lengths": [9], "trunk": "0"}, "250": {"lengths": [8, 9], "trunk": "0"},
    "251": {"lengths": [9], "trunk": "0"}, "252": {"lengths": [6, 7, 8, 9], "trunk": "0"}, "253": {"lengths": [8]},
    "254": {"lengths": [7, 8, 9, 10], "trunk": "0"}, "255": {"lengths": [9], "trunk": "0"},
    "256": {"lengths": [9], "trunk": "0"}, "257": {"lengths": [8]}, "258": {"lengths": [8, 9]},
    "260": {"lengths": [9], "trunk": "0"}, "261": {"lengths": [9], "trunk": "0"},
    "262": {"lengths": [9], "trunk": "0"}, "263": {"lengths": [7, 9, 10], "trunk": "0"},
    "264": {"lengths": [8, 9], "trunk": "0"}, "265": {"lengths": [7, 9], "trunk": "0"}, "266": {"lengths": [8]},
    "267": {"lengths": [7, 8, 10]}, "268": {"lengths": [8, 9]}, "269": {"lengths": [7]},
    "290": {"lengths": [4, 5]}, "291": {"lengths": [7], "trunk": "0"}, "297": {"lengths": [7]},
    "298": {"lengths": [6]}, "299": {"lengths": [6]}, "350": {"lengths": [8]}, "351": {"lengths": [9]},
    "352": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11]}, "353": {"lengths": [7, 8, 9, 10], "trunk": "0"},
    "354": {"lengths": [7, 9]}, "355": {"lengths": [6, 7, 8, 9], "trunk": "0"}, "356": {"lengths": [8]},
    "357": {"lengths": [8]}, "358": {"lengths": [5, 6, 7, 8, 9, 10, 11, 12], "trunk": "0"},
    "359": {"lengths": [6, 7, 8, 9, 12], "trunk": "0"}, "370": {"lengths": [8], "trunk": "0"},
    "371": {"lengths": [8]}, "372": {"lengths": [7, 8, 10]}, "373": {"lengths": [8], "trunk": "0"},
    "374": {"lengths": [8], "trunk": "0"}, "375": {"lengths": [6, 7, 8, 9, 10, 11], "trunk": "8"},
    "376": {"lengths": [6, 8, 9]}, "377": {"lengths": [8, 9], "trunk": "0"}, "378": {"lengths": [8, 10]},
    "380": {"lengths": [9, 10], "trunk": "0"}, "381": {"lengths": [6, 7, 8, 9, 10, 11, 12], "trunk": "0"},
    "382": {"lengths": [8, 9], "trunk": "0"}, "383": {"lengths": [8, 9, 10, 11, 12], "trunk": "0"},
    "385": {"lengths": [7, 8, 9], "trunk": "0"}, "386": {"lengths": [5, 6, 7, 8], "trunk": "0"},
    "387": {"lengths": [8, 9], "trunk": "0"}, "389": {"lengths": [8], "trunk": "0"},
    "420": {"lengths": [9, 10, 11, 12]}, "421": {"lengths": [6, 7, 9], "trunk": "0"},
    "423": {"lengths": [7, 9], "trunk": "0"}, "500": {"lengths": [5]}, "501": {"lengths": [7, 11]},
    "502": {"lengths": [8, 11]}, "503": {"lengths": [7, 8, 11]}, "504": {"lengths": [8, 11]},
    "505": {"lengths": [8]}, "506": {"lengths": [8, 10]}, "507": {"lengths": [7, 8, 10, 11]},
    "508": {"lengths": [6, 9], "trunk": "0"}, "509": {"lengths": [8]}, "590": {"lengths": [9], "trunk": "0"},
    "591": {"lengths": [8, 9], "trunk": "0"}, "592": {"lengths": [7]},
    "593": {"lengths": [8, 9, 10, 11], "trunk": "0"}, "594": {"lengths": [9], "trunk": "0"},
    "595": {"lengths": [6, 7, 8, 9, 10, 11], "trunk": "0"}, "596": {"lengths": [9], "trunk": "0"},
    "597": {"lengths": [6, 7]}, "598": {"lengths": [4, 5, 6, 7, 8, 9, 10, 11, 12, 13], "trunk": "0"},
    "599": {"lengths": [7, 8]}, "670": {"lengths": [7, 8]}, "672": {"lengths": [6]}, "673": {"lengths": [7]},
    "674": {"lengths": [7]}, "675": {"lengths": [7, 8]}, "676": {"lengths": [5, 7]}, "677": {"lengths": [5, 7]},
    "678": {"lengths": [5, 7]}, "679": {"lengths": [7, 11]}, "680": {"lengths": [7]}, "681": {"lengths": [6, 9]},
    "682": {"lengths": [5]}, "683": {"lengths": [4, 7]}, "685": {"lengths": [5, 6, 7, 10]},
    "686": {"lengths": [5, 8], "trunk": "0"}, "687": {"lengths": [6]}, "688": {"lengths": [5, 6, 7]},
    "689": {"lengths": [6, 8, 9]}, "690": {"lengths": [4, 5, 6, 7]}, "691": {"lengths": [7]},
    "692": {"lengths": [7], "trunk": "1"}, "800": {"lengths": [8]}, "808": {"lengths": [8]},
    "850": {"lengths": [8, 10], "trunk": "0"}, "852": {"lengths": [5, 6, 7, 8, 9, 11]}, "853": {"lengths": [7, 8]},
    "855": {"lengths": [8, 9, 10], "trunk": "0"}, "856": {"lengths": [8, 9, 10], "trunk": "0"},
    "870": {"lengths": [9, 12]}, "878": {"lengths": [12]}, "880": {"lengths": [6, 7, 8, 9, 10], "trunk": "0"},
    "881": {"lengths": [9, 10]}, "882": {"lengths": [7, 8, 9, 10, 11, 12]}, "883": {"lengths": [8, 9, 10, 11, 12]},
    "886": {"lengths": [7, 8, 9, 10, 11], "trunk": "0"}, "888": {"lengths": [11]}, "960": {"lengths": [7, 10]},
    "961": {"lengths": [7, 8], "trunk": "0"}, "962": {"lengths": [8, 9], "trunk": "0"},
    "963": {"lengths": [8, 9], "trunk": "0"}, "964": {"lengths": [8, 9, 10], "trunk": "0"},
    "965": {"lengths": [7, 8]}, "966": {"lengths": [9, 10], "trunk": "0"},
    "967": {"lengths": [7, 8, 9], "trunk": "0"}, "968": {"lengths": [7, 8, 9]},
    "970": {"lengths": [8, 9, 10], "trunk": "0"}, "971": {"lengths": [5, 6, 7, 8, 9, 10, 11, 12], "trunk": "0"},
    "972": {"lengths": [7, 8, 9, 10, 11, 12], "trunk": "0"}, "973": {"lengths": [8]},
    "974": {"lengths": [7, 8, 9, 11]}, "975": {"lengths": [7, 8]}, "976": {"lengths": [8, 9, 10], "trunk": "0"},
    "977": {"lengths": [8, 10, 11], "trunk": "0"}, "979": {"lengths": [9]}, "992": {"lengths": [9]},
    "993": {"lengths": [8], "trunk": "8"}, "994": {"lengths": [9], "trunk": "0"},
    "995": {"lengths": [9], "trunk": "0"}, "996": {"lengths": [9, 10], "trunk": "0"}, "998": {"lengths": [9]}
  }'::jsonb -> calling_code;
$$;
comment on function app_hidden.phone_plan(text) is 'The numbering plan of a country calling code in use (the ITU-T''s, with libphonenumber''s data): {"lengths": how many digits its numbers have after the code, "trunk": the national prefix typed before a national number, when it has one}, e.g. {"lengths": [9], "trunk": "0"} for 255; null for a code not in use.';

create or replace function app_hidden.country_calling_code(phone app_public.e164_phone) returns app_public.calling_code
  language plpgsql immutable strict parallel safe
as $$
begin
  -- ITU-T E.164 country codes are prefix-free: at most one of the first one, two and three digits is a code
  for n in 1..3 loop
    if app_hidden.phone_plan(substr(phone, 2, n)) is not null then
      return substr(phone, 2, n);
    end if;
  end loop;
  return null;
end;
$$;
comment on function app_hidden.country_calling_code(app_public.e164_phone) is 'The country calling code of a phone number in E.164 form: 255 for +255712345678, 44 for +442071234567, 1 for +14155550100; null when it starts with no code in use (+999…).';

create or replace function app_hidden.national_number(calling_code text, digits text) returns text
  language plpgsql immutable parallel safe
as $$
declare
  v_plan jsonb := app_hidden.phone_plan(calling_code);
  v_trunk text := v_plan ->> 'trunk';
begin
  -- the trunk prefix typed before a national number (0712…, 8 495…, 1 212…), or after the code (+255 0712…)
  if digits like v_trunk || '%' and v_plan -> 'lengths' @> to_jsonb(length(digits) - length(v_trunk)) then
    return substr(digits, length(v_trunk) + 1);
  end if;
  -- where the trunk prefix is 0, no number starts with 0 after the code
  if v_trunk like '0%' and digits like '0%' then
    return null;
  end if;
  if v_plan -> 'lengths' @> to_jsonb(length(digits)) then
    return digits;
  end if;
  return null;
end;
$$;
comment on function app_hidden.national_number(text, text) is 'The digits of a number of `calling_code` after the code, from the digits typed after it or in national form: without the trunk prefix when they start with it and what follows has a length the plan allows (0712345678 → 712345678 at 255; 84951234567 → 4951234567 at 7), else as typed when their length is allowed (0612345678 at 39, which has no trunk prefix); null when they are no such number (the wrong length, or a 0 left after the trunk 0 is dropped).';

create or replace function app_public.normalize_phone(raw text, default_calling_code app_public.calling_code default null)
  returns app_public.e164_phone
  language plpgsql immutable
as $$
declare
  v_text text := btrim(raw);
  v_digits text;
  v_code text;
  v_national text;
  v_lengths int[];
begin
  if v_text is null or v_text = '' then
    raise exception 'A phone number is required.' using errcode = 'CINPH';
  end if;
  -- Separators people type: spaces, dashes, dots, slashes and brackets.
  v_digits := regexp_replace(v_text, '[[:space:]()./-]', '', 'g');
  if length(v_text) > 32 or v_digits !~ '^\+?[0-9]+$' then
    raise exception 'This is not a phone number: use digits, spaces, dashes or brackets, optionally starting with + or 00.'
      using errcode = 'CINPH';
  end if;

  if v_digits like '+%' or v_digits like '00%' then
    -- International form; "(0)" is the national trunk prefix some people add.
    v_digits := regexp_replace(replace(v_text, '(0)', ''), '[^0-9]', '', 'g');
    if v_digits like '00%' and v_text !~ '^[[:space:](]*\+' then
      v_digits := substr(v_digits, 3);
    end if;
    if v_digits !~ '^[1-9][0-9]{6,14}$' then
      raise exception 'This is not a phone number: it must have 7 to 15 digits including the country code.'
        using errcode = 'CINPH';
    end if;
    v_code := app_hidden.country_calling_code('+' || v_digits);
    if v_code is null then
      raise exception 'This is not a phone number: it does not start with a country code in use.' using errcode = 'CINPH';
    end if;
    v_national := app_hidden.national_number(v_code, substr(v_digits, length(v_code) + 1));
  else
    if default_calling_code is null then
      raise exception 'This phone number has no country code: start it with + and the country code.'
        using errcode = 'CINPH';
    end if;
    v_code := default_calling_code;
    if app_hidden.phone_plan(v_code) is null then
      raise exception 'This phone number has no country code, and the clinic''s calling code +% is not one in use: start it with + and the country code.', v_code
        using errcode = 'CINPH';
    end if;
    -- National form (0712 345 678)
    v_national := app_hidden.national_number(v_code, v_digits);
    if v_national is null and v_digits like v_code || '%' then
      -- else the country code typed without + or 00 and the whole number after it (255 712 345 678)
      v_national := app_hidden.national_number(v_code, substr(v_digits, length(v_code) + 1));
      if length(v_national) <> length(v_digits) - length(v_code) then
        v_national := null;
      end if;
    end if;
  end if;

  if v_national is null then
    v_lengths := array(select jsonb_array_elements_text(app_hidden.phone_plan(v_code) -> 'lengths')::int);
    raise exception 'This is not a phone number: a number of country code +% has % digits after it%.', v_code,
      case
        when cardinality(v_lengths) = 1 then v_lengths[1]::text
        when cardinality(v_lengths) > 2 and v_lengths[cardinality(v_lengths)] - v_lengths[1] + 1 = cardinality(v_lengths)
          then v_lengths[1] || ' to ' || v_lengths[cardinality(v_lengths)]
        else array_to_string(v_lengths[1:cardinality(v_lengths) - 1], ', ') || ' or ' || v_lengths[cardinality(v_lengths)]
      end,
      coalesce(', not counting the national prefix ' || (app_hidden.phone_plan(v_code) ->> 'trunk'), '')
      using errcode = 'CINPH';
  end if;
  v_digits := v_code || v_national;
  if v_digits !~ '^[1-9][0-9]{6,14}$' then
    raise exception 'This is not a phone number: it must have 7 to 15 digits including the country code.'
      using errcode = 'CINPH';
  end if;
  -- North America's area code and exchange never start with 0 or 1.
  if v_code = '1' and v_digits !~ '^1[2-9][0-9]{2}[2-9][0-9]{6}$' then
    raise exception 'This is not a phone number: a number of country code +1 has 10 digits after it, the first and the fourth from 2 to 9.'
      using errcode = 'CINPH';
  end if;
  return '+' || v_digits;
end;
$$;
comment on function app_public.normalize_phone(text, app_public.calling_code) is 'Turns a phone number as typed ("0712 345-678", "(+255) 712 345 678", "00255712345678", "255 712 345 678" and "8 495 123-45-67" with calling code 7) into E.164, reading it with its country''s numbering plan (app_hidden.phone_plan): `default_calling_code` completes national numbers, whose trunk prefix is dropped (0 at 255, 8 at 7, none at 39: 06 1234 5678 → +390612345678), as it is when typed after the code (+255 0712…); the number must have as many digits after the code as the plan allows (9 at 255, exactly 10 at 1 and 7) and start with a code in use; raises INVALID_PHONE naming the rule for anything that is not a phone number.';

-- A clinic's calling code completes its national numbers: it must be a code in use, checked when it is set.
create or replace function app_private.tg_clinic__normalize_phone() returns trigger
  language plpgsql
as $$
begin
  if (tg_op = 'INSERT' or new.calling_code is distinct from old.calling_code) and app_hidden.phone_plan(new.calling_code) is null
     and new.calling_code is not null then
    raise exception 'The calling code +% is not a country code in use.', new.calling_code using errcode = 'CINVL';
  end if;
  if new.phone ~ '^\s*$' then
    new.phone := null;
  elsif new.phone is not null then
    new.phone := app_public.normalize_phone(new.phone, coalesce(new.calling_code, app_hidden.calling_code_for(null)));
  end if;
  return new;
end;
$$;
comment on function app_private.tg_clinic__normalize_phone() is 'Trigger: refuses a calling code not in use when it is set, and normalises the clinic''s phone with its calling code (or the deployment default), blank meaning none.';

-- Phones saved under the older rules are read again with today's: the ones their people typed with the
-- trunk prefix after the code (+2550712345678) or the country code twice (+255255712345678, typed
-- 255712345678 at a +255 clinic) are corrected, so that they log in and are found by the form they type.
-- This takes over from 000070's correction of +1 and +7 phones, which it covers.
drop function if exists app_private.correct_trunk_phones();
drop function if exists app_private.trunk_phone_corrected(text);

create or replace function app_private.saved_phone_corrected(phone text) returns text
  language plpgsql immutable strict
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_code text := app_hidden.country_calling_code(phone);
begin
  begin
    return app_public.normalize_phone(phone);
  exception when sqlstate 'CINPH' then
    null;
  end;
  if substr(phone, 2 + length(v_code)) like v_code || '%' then
    begin
      return app_public.normalize_phone('+' || substr(phone, 2 + length(v_code)));
    exception when sqlstate 'CINPH' then
      null;
    end;
  end if;
  return null;
end;
$$;
comment on function app_private.saved_phone_corrected(text) is 'A phone saved under older rules as today''s read it: itself when it is a phone as it stands, without the trunk prefix saved after the code (+2550712345678 → +255712345678, +784951234567 → +74951234567) or without its country code saved twice (+255255712345678 → +255712345678); null when it is no phone even so (+25512345, +9991234567).';
revoke all on function app_private.saved_phone_corrected(text) from public;

create or replace function app_private.correct_saved_phones() returns integer
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_row record;
  v_left integer := 0;
begin
  for v_row in
    select 'user' as kind, u.id, app_private.saved_phone_corrected(u.phone) as phone
      from app_public."user" u where app_private.saved_phone_corrected(u.phone) is distinct from u.phone
    union all select 'patient', p.id, app_private.saved_phone_corrected(p.phone)
      from app_public.patient p where app_private.saved_phone_corrected(p.phone) is distinct from p.phone
    union all select 'clinic', c.id, app_private.saved_phone_corrected(c.phone)
      from app_public.clinic c where app_private.saved_phone_corrected(c.phone) is distinct from c.phone
  loop
    if v_row.phone is null then
      v_left := v_left + 1; -- no phone by today's rules: left for someone who knows it
      continue;
    end if;
    begin
      case v_row.kind
        when 'user' then update app_public."user" u set phone = v_row.phone where u.id = v_row.id;
        when 'patient' then update app_public.patient p set phone = v_row.phone where p.id = v_row.id;
        else update app_public.clinic c set phone = v_row.phone where c.id = v_row.id;
      end case;
    exception when others then
      v_left := v_left + 1;
    end;
  end loop;
  return v_left;
end;
$$;
comment on function app_private.correct_saved_phones() is 'Corrects the users'', patients'' and clinics'' phones that today''s rules read otherwise (saved_phone_corrected), each change audited; answers how many phones were left: no phone by today''s rules (the wrong number of digits for their country, or no country code in use), or the row cannot take the corrected phone (another account has it, or the row breaks a newer rule). Run by 000086; an operator may run it again.';
revoke all on function app_private.correct_saved_phones() from public;

do $$
declare
  v_left integer := app_private.correct_saved_phones();
begin
  if v_left > 0 then
    raise warning '% saved phones are not phone numbers by today''s rules and could not be corrected: docs/operations.md', v_left;
  end if;
end;
$$;

-- A search typed as a phone reads it as registration does: a national 0 is kept where the country has no
-- trunk prefix (06 12… at a +39 clinic looks for +390612…), and a trunk 0 typed after the code is dropped
-- (+255 0712… looks for +255712…).
create or replace function app_hidden.phone_search_term(query text, calling_code app_public.calling_code) returns text
  language plpgsql immutable parallel safe
as $$
declare
  v_typed text := btrim(query);
  v_trunk text := app_hidden.phone_plan(calling_code) ->> 'trunk';
  v_digits text;
  v_prefix text := '';
  v_own text;
  v_plan jsonb;
begin
  if v_typed !~ '[0-9]' or v_typed ~ '[^0-9[:space:]()./+-]' then
    return null; -- not a phone: names and codes are matched as typed
  end if;
  -- (0): the trunk prefix some write after the country code, dropped from an international number
  -- exactly as normalize_phone drops it
  v_digits := regexp_replace(case when v_typed ~ '^[[:space:](]*(\+|00)' then replace(v_typed, '(0)', '') else v_typed end,
    '[[:space:]()./-]', '', 'g');
  v_own := v_digits;
  if v_digits like '00%' then
    v_prefix := '+'; -- international, 00 for +
    v_own := substr(v_digits, 3);
  elsif (calling_code = '1' and v_digits ~ '^1[0-9]{10}$') or (calling_code = '7' and v_digits ~ '^8[0-9]{10}$') then
    v_prefix := '+' || calling_code; -- a whole national number of +1 or +7 with its trunk 1 or 8
    v_own := substr(v_digits, 2);
  elsif v_digits like '0%' and calling_code is not null then
    v_prefix := '+' || calling_code; -- national
    if v_trunk is null then
      v_own := v_digits; -- the country has no trunk prefix: the 0 is the number's
    elsif v_digits like v_trunk || '%' then
      v_own := substr(v_digits, length(v_trunk) + 1);
    else
      v_own := substr(v_digits, 2);
    end if;
  end if;
  if char_length(regexp_replace(v_own, '[^0-9]', '', 'g')) < 2 then
    return null; -- no more than a prefix
  end if;
  v_digits := v_prefix || v_own;
  -- international: a trunk prefix typed after the code, with more after it, is dropped as registration drops it
  if v_digits like '+%' then
    for n in 1..3 loop
      v_plan := app_hidden.phone_plan(substr(v_digits, 2, n));
      if v_plan is not null then
        if v_plan ->> 'trunk' like '0%' and substr(v_digits, 2 + n) like (v_plan ->> 'trunk') || '_%' then
          v_digits := '+' || substr(v_digits, 2, n) || substr(v_digits, 2 + n + length(v_plan ->> 'trunk'));
        end if;
        exit;
      end if;
    end loop;
  end if;
  return v_digits;
end;
$$;
comment on function app_hidden.phone_search_term(text, app_public.calling_code) is 'A patient search typed as a phone, or part of one, in the E.164 form phones are kept in, without separators, read as normalize_phone reads a phone (0712 345 678 → +255712345678 with calling code 255; 00255 712 → +255712; +255 (0) 713 and +255 0713 → +255713, the trunk prefix after the code dropped; 06 12 → +390612 with calling code 39, whose numbers keep their 0; a whole national number of +1 or +7 with its trunk 1 or 8, 8 (495) 765-43-21 → +74957654321 with calling code 7; 345-678 → 345678); null when the query is not phone-like (it has letters, or no digit) or has fewer than 2 digits after its 00, + or trunk prefix (00, 0-, +2: every phone would match).';
