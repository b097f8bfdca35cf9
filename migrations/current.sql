-- A visit's services come to at most half the largest amount, so its invoice holds them with any tax
--
-- A visit's services came to at most 9999999999999.999 (000344), what its invoice's subtotal holds, but its invoice adds
-- the clinic's tax on top, and its tax and total hold no more than that either: in a clinic with a tax of 18%, a visit
-- given a service of 9,000,000,000,000 was completed and then could never be invoiced ("A number is out of range.": its
-- invoice's total overflowed), its services frozen. Now a service added to a visit, or a quantity changed, that makes the
-- visit's services come to more than 4999999999999.999 is refused, INVALID_INPUT, naming the largest: a tax rate is
-- under 100% (and may change before the visit is invoiced), so whatever the rate, the invoice's tax and total hold it.
create or replace function app_private.tg_visit_service__snapshot()
 returns trigger
 language plpgsql
 security definer
 set search_path to 'pg_catalog', 'public', 'pg_temp'
 set "clinicops.include_deleted" to 'off'
 set "clinicops.every_clinic" to 'off'
 set "clinicops.reinvitation" to 'off'
as $function$
declare
  v_line app_public.visit_service := case when tg_op = 'DELETE' then old else new end;
  v_status app_public.visit_status;
begin
  -- The lock reads only visits the session may also update; one it may not lock is looked for
  -- again, through the select policy alone: none seen at all is NOT_FOUND. Held until commit, it
  -- makes a line and a change of its visit take turns, and (not shared) two lines of one visit:
  -- each gets its place after the other's (tg_visit_service__position).
  select v.status into v_status from app_public.visit v
  where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id
  for no key update;
  if not found and not exists (select from app_public.visit v where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id) then
    raise exception 'No such visit in your clinic.' using errcode = 'CNOTF';
  end if;
  if v_status in ('completed', 'cancelled', 'no_show') then
    raise exception 'The services of a % visit are frozen.', app_hidden.visit_status_words(v_status) using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'INSERT' then
    select s.price into new.unit_price from app_public.service s
    where s.clinic_id = new.clinic_id and s.id = new.service_id and s.is_active and s.deleted_at is null;
    if not found then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  else
    new.unit_price := old.unit_price;
    if (new.visit_id, new.service_id) is distinct from (old.visit_id, old.service_id) then
      raise exception 'Remove the line and add another instead of changing its visit or service.' using errcode = 'CINVL';
    end if;
  end if;
  -- what the visit's services come to with this one (the others read under the visit's lock, as the session sees
  -- them: all of a visit it may change), as its invoice's subtotal adds them: at most half the largest amount
  -- (numeric(16,3)), so that its invoice's total holds them with any tax (a rate is at most 0.999999, and one
  -- may change before the visit is invoiced), whatever its lines' rounding
  if new.quantity * new.unit_price + (
       select coalesce(sum(s.quantity * s.unit_price), 0) from app_public.visit_service s
       where s.clinic_id = new.clinic_id and s.visit_id = new.visit_id and s.id <> new.id) > 4999999999999.999 then
    raise exception 'A visit''s services come to at most 4999999999999.999 in all (quantity × price, before discounts), so that its invoice holds them with any tax: check this service''s quantity and price.'
      using errcode = 'CINVL';
  end if;
  return new;
end;
$function$;
comment on function app_private.tg_visit_service__snapshot() is 'BEFORE INSERT/UPDATE/DELETE: the line''s visit must be one the session sees in its clinic (NOT_FOUND otherwise); copies the catalog price at insert, keeps it afterwards, and freezes the services of finished visits; refuses a line or quantity that makes the visit''s services come to more than 4999999999999.999, half what its invoice''s total holds, so that any tax fits (INVALID_INPUT); locks the visit (FOR NO KEY UPDATE), so a line and a completion of its visit, and two lines of one visit, take turns.';

-- A patient search of more than 1000 characters is refused before it is read
--
-- A patient search was normalised (NFKC), trimmed, unaccented and split into words whole before its length was checked
-- (2 to 100 characters, else nothing found): a search of 100,000 characters took 0.1 to 0.4 s of the database for each
-- call, and one request could send many searches with one large variable, while two letters and 2,000 spaces found
-- patients. Now a search of more than 1000 characters as typed is refused, INVALID_INPUT, naming the limit, before any
-- of it is read; shorter ones are searched as before.
create or replace function app_hidden.patients_matching(query text)
  returns table (patient_id uuid, exact_code boolean, last_name text, first_name text)
  language plpgsql stable security definer rows 50
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'off'
  set clinicops.every_clinic to 'off'
  set clinicops.reinvitation to 'off'
as $_$
begin
  -- its raw length first: what follows normalises and splits the whole query, at a cost that grows with it
  if char_length(query) > 1000 then
    raise exception 'A patient search is at most 1000 characters: search by a name, a code or a phone number.' using errcode = 'CINVL';
  end if;
  declare
    v_clinic_id uuid := app_public.current_clinic_id();
    -- in Unicode's compatibility form (NFKC, on a UTF-8 server), as search_key reads it: a code typed with a Japanese or
    -- Chinese input method (ＰＡＴ－１２, ｐａｔ０００００１) is the code typed in ASCII
    v_trimmed text := btrim(case when current_setting('server_encoding') = 'UTF8' then normalize(query, nfkc) else query end);
    -- a code typed without its hyphen is the code
    v_typed text := case when v_trimmed ~ '^[[:alnum:]]{1,8}[0-9]{6}$' and v_trimmed !~ '^[0-9]+$'
      then regexp_replace(v_trimmed, '([0-9]{6})$', '-\1') else v_trimmed end;
    v_key text := app_hidden.search_key(v_typed);
    v_words text[] := array(select distinct w from regexp_split_to_table(v_key, '[[:space:]\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000,]+') w where w <> '');
    -- what a patient's text must contain, all of it: each word on its own when one has 3 characters
    -- (the trigram index then finds them), else the query as typed, of 2 characters at least
    v_patterns text[] := case
      when exists (select from unnest(v_words) w where char_length(w) >= 3)
        then array(select app_hidden.contains_pattern(w) from unnest(v_words) w)
      when char_length(v_key) >= 2 then array[app_hidden.contains_pattern(v_key)]
      else '{}' end;
    -- each of those words without its hyphens, apostrophes and dots (o'brien: obrien), which a name without them in the
    -- patient's text matches instead: null where that is the word (or nothing); the query's short words as typed
    v_unpunctuated text[] := case
      when exists (select from unnest(v_words) w where char_length(w) >= 3)
        then array(select app_hidden.contains_pattern(nullif(nullif(app_hidden.name_unpunctuated(w), w), '')) from unnest(v_words) w)
      else '{}' end;
    -- digits alone (12, 000012): a code's number (PAT-000012), whatever its prefix, without its leading zeros; or null
    v_number text := case when v_trimmed ~ '^[0-9]+$' then ltrim(v_trimmed, '0') end;
    -- a code typed short (pat-12, PAT 12, pat12: a prefix of 1 to 8 letters or digits, then 1 to 6 digits): its prefix
    -- and its digits, or null; digits alone are a code's number, not a short code of a prefix of digits
    v_short text[] := case when v_number is null then regexp_match(v_trimmed, '^([[:alnum:]]{1,8}?)[-[:space:]]*([0-9]{1,6})$') end;
    -- the clinic's patient prefix, read only for a query that may be a code
    v_prefix text := case when v_short is not null then
      (select coalesce(k.code_prefixes ->> 'PAT', 'PAT') from app_public.clinic k where k.id = v_clinic_id) end;
    -- the codes it may be, as codes are written (PAT-000012): with the clinic's patient prefix as the clinic writes it
    -- (pt-000012) when that is the prefix typed, in any case; with the prefix typed, as typed, in upper and in lower
    -- case, when it has a letter in it (a prefix the clinic had before: its patients keep their codes)
    v_codes text[] := array(
      select distinct prefix || '-' || lpad(v_short[2], 6, '0')
      from unnest(case when lower(v_short[1]) = lower(v_prefix) then array[v_prefix] end
                  || case when v_short[1] ~ '[[:alpha:]]' then array[v_short[1], upper(v_short[1]), lower(v_short[1])] end) prefix);
    v_coded uuid[] := '{}';
    v_id uuid;
    -- null for names and codes: the planner then drops that condition
    v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
  begin
    if char_length(v_typed) between 2 and 100 and (cardinality(v_patterns) > 0 or v_phone_pattern is not null) then
      -- the patients of the code typed short, by the code's own index, or of the number typed alone, by the index of the
      -- codes' numbers, apart from the words' search (an arm of it made a plan read the whole table where the words alone
      -- read the trigram index)
      if cardinality(v_codes) > 0 then
        v_coded := array(select p.id from app_public.patient p where p.clinic_id = v_clinic_id and p.code = any (v_codes));
      elsif v_number <> '' then
        v_coded := array(select s.patient_id from app_private.patient_search s
                         where s.clinic_id = v_clinic_id and app_hidden.code_number(s.code) = v_number and not s.deleted);
      end if;
      foreach v_id in array v_coded loop
        -- a live one: the code's arm reads the patients through their policy, which shows deleted ones inside this
        -- function to a session that turned clinicops.include_deleted on for itself (it runs as the owner role)
        return query select coded.patient_id, true, coded.last_name, coded.first_name from app_private.patient_search coded
          where coded.clinic_id = v_clinic_id and coded.patient_id = v_id and not coded.deleted;
      end loop;
      -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
      -- whatever the size of the others (000034); one condition per pattern, named by its place in $2 (or its
      -- word without its punctuation, in $5); the patients of the code typed short or of the number ($6) listed once, above
      return query execute format(
        'select s.patient_id, lower(s.code) = lower($4), s.last_name, s.first_name from app_private.patient_search s
         where s.clinic_id = $1 and not s.deleted and ((%s) or s.search_text like $3) %s',
        coalesce((select string_agg(case when v_unpunctuated[i] is null then format('s.search_text like $2[%s]', i)
                                         else format('(s.search_text like $2[%1$s] or s.search_text like $5[%1$s])', i) end, ' and ')
                  from generate_subscripts(v_patterns, 1) i), 'false'),
        -- only when a code found a patient: the statement of any other search is the one before 000285
        case when cardinality(v_coded) > 0 then 'and s.patient_id <> all ($6)' else '' end)
        using v_clinic_id, v_patterns, v_phone_pattern, v_typed, v_unpunctuated, v_coded;
    end if;
  end;
end;
$_$;
comment on function app_hidden.patients_matching(query text) is 'The current clinic''s patients whose names, code and phone contain every word of `query`, in any order, when one of its words has 3 characters or more (words split at white space and commas; a word with hyphens, apostrophes or dots in it also without them, name_unpunctuated, as each name also is in the search''s text: obrien finds O''Brien, o.brien OBrien), else `query` as typed (2 characters at least); or whose phone contains it as people type phones, national or international (phone_search_term). A code typed in full-width forms (ＰＡＴ－１２, by a Japanese or Chinese input method) is read as typed in ASCII (NFKC, on a UTF-8 server); a code typed without its hyphen (PAT000002: a prefix of 1 to 8 letters or digits, then 6 digits) is that code, and so is one typed without its leading zeros (pat-12, PAT 12, pat12: the clinic''s patient prefix in any case, or a prefix with a letter in it as typed, in upper or in lower case, such as one the clinic had before, then 1 to 6 digits, is PAT-000012), its patient found by the code''s own index apart from the words'' search. Digits alone (12, 000012, 0000012) are a code''s number: the patients whose code has that number, whatever its prefix (PAT-000012, or 2026-000012 under a prefix of digits), without their leading zeros (code_number), found by the index of the codes'' numbers apart from the words'' search, come first like an exact code; digits are never a short code of a prefix of digits (typed with its hyphen: 1-12). `query` is 2 to 100 characters (once trimmed and in NFKC; one of more than 1000 characters as typed is refused, INVALID_INPUT, before any of it is read); any case, accents aside (search_key); live patients only, for every role, whatever settings the session turned on (patient_search.deleted, for the code typed short too): search_patients lists no deleted patient to anyone, and their ids and names are not the API role''s to read. With what search_patients orders them by: whether the code is `query` (or the code typed short, or has the number typed alone) exactly, in any case (true or false, never null), then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';
comment on function app_public.search_patients(query text) is 'Patients whose name, code or phone contains `query` (2 to 100 characters, any case; one of more than 1000 characters as typed is refused, INVALID_INPUT; a phone may be typed as people do, 0712 345 678 or +255 712…), exact code first (a code typed short, pat-12, or its number alone, 12 or 000012, is PAT-000012), then by name. Uses a trigram index per clinic, so it stays fast at a million patients and in a large clinic.';

-- The duplicate warning refuses a name or phone of more than 1000 characters before it is read
--
-- The duplicate warning (findPatientDuplicates, countDeletedPatientDuplicates and a patient's matchedBy) read the names
-- and phone it was given whole, normalised (name_key, normalize_phone) before anything bounded them: names and a phone of
-- 100,000 characters each took 0.8 s of the database for one call, with no patient at all, and a request may ask many
-- with one large variable, while a name or phone padded with 2,000 spaces still found its patient. Now a name or phone of
-- more than 1000 characters as typed (a patient's names are at most 100, a phone 32) is refused, INVALID_INPUT, naming
-- the limit, before any of it is read; shorter ones are compared as before.
create or replace function app_hidden.phone_as_registered(phone text) returns app_public.e164_phone
language plpgsql stable set search_path = pg_catalog, public, pg_temp as $$
begin
  -- its raw length first: normalize_phone reads the whole of it
  if char_length(phone_as_registered.phone) > 1000 then
    raise exception 'A name or phone checked for duplicates is at most 1000 characters.' using errcode = 'CINVL';
  end if;
  if nullif(btrim(phone_as_registered.phone), '') is null then
    return null;
  end if;
  return app_public.normalize_phone(phone_as_registered.phone, app_hidden.calling_code_for(app_public.current_clinic_id()));
exception when sqlstate 'CINPH' then
  return null; -- not a phone number (yet): no saved patient has it
end;
$$;
comment on function app_hidden.phone_as_registered(phone text) is 'A phone as registration in the current clinic reads it, or null when it is blank or not (yet) a phone number (half-typed, say), which no saved patient has; one of more than 1000 characters as typed is refused, INVALID_INPUT, before it is read. For the duplicate warning: app_private.patient_duplicates and patient_matched_by.';

create or replace function app_private.patients_born_named(date_of_birth date, last_name text, first_name text)
returns setof uuid
language plpgsql stable rows 2 set search_path = pg_catalog, public, pg_temp
as $$
begin
  -- their raw length first: name_key reads the whole of each
  if char_length(patients_born_named.last_name) > 1000 or char_length(patients_born_named.first_name) > 1000 then
    raise exception 'A name or phone checked for duplicates is at most 1000 characters.' using errcode = 'CINVL';
  end if;
  -- as typed, and the other way round: two probes of patient_search_dob_names_idx
  return query select s.patient_id from app_private.patient_search s
    where s.clinic_id = app_public.current_clinic_id() and s.date_of_birth = patients_born_named.date_of_birth
      and app_hidden.name_key(s.last_name) = app_hidden.name_key(patients_born_named.last_name)
      and app_hidden.name_key(s.first_name) = app_hidden.name_key(patients_born_named.first_name)
    union
    select s.patient_id from app_private.patient_search s
    where s.clinic_id = app_public.current_clinic_id() and s.date_of_birth = patients_born_named.date_of_birth
      and app_hidden.name_key(s.last_name) = app_hidden.name_key(patients_born_named.first_name)
      and app_hidden.name_key(s.first_name) = app_hidden.name_key(patients_born_named.last_name);
end;
$$;
revoke all on function app_private.patients_born_named(date, text, text) from public;
comment on function app_private.patients_born_named(date_of_birth date, last_name text, first_name text) is 'The ids of the current clinic''s patients born on `date_of_birth` with these names, as name_key compares them, or with them the other way round (the first name as the last, the last as the first), each once (deleted patients included); a name of more than 1000 characters as typed is refused, INVALID_INPUT, before it is read: probed in patient_search_dob_names_idx by the clinic, the date and both names, where no policy keeps name_key out of the probe. For patient_duplicates, and for app_hidden.patients_born_named, which gives the API''s role those it may know of.';
comment on function app_public.find_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) is 'Existing patients that look like the one being registered or edited: same phone, or same names (white space, accents and case aside) and date of birth. Call it before saving to warn the user; ask each patient''s `matchedBy` with the same arguments to say why it is listed (a sibling sharing a parent''s phone matches by phone alone). The stronger matches come first: names and birth date (with the phone too before without), then the phone alone. To owners and admins, deleted patients too (after the others, `deletedAt` set): restore one (restorePatient) rather than register them again. To others live patients alone; a receptionist is told how many deleted ones match by countDeletedPatientDuplicates, to ask an owner or admin. A name or phone of more than 1000 characters as typed is refused, INVALID_INPUT (by countDeletedPatientDuplicates and matchedBy too).';

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
