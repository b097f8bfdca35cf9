--! Previous: sha1:568bd0fa4bff9a6f86c0f91dd40801bdd863c402
--! Hash: sha1:9ca1e7b4b5bc105f3bcb23384368e343ece813cb
--! Message: a code typed short without its hyphen is found under a prefix that ends in a digit

-- A code typed short without its hyphen is found under a prefix that ends in a digit
--
-- searchPatients read a code typed short (a prefix, then 1 to 6 digits) one way only, the prefix as short as it could
-- be: at a clinic whose patient prefix ends in a digit (B2, a second branch's; P2), b212 was B-000212 and nothing else,
-- so B2-000012 was found by "b2 12" and "b2-12" but not by "b212", where "pat12" finds PAT-000012. Each way of reading
-- it as a prefix of 1 to 8 letters or digits then its digits is now a code the patient is looked up by, as a code past
-- 999999 typed so already was (P21000000: P2-1000000 and P-21000000), in the same probe of the codes' index.

create or replace function app_hidden.patients_matching(query text) RETURNS TABLE(patient_id uuid, exact_code boolean, last_name text, first_name text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $_$
begin
  -- its raw length first: what follows normalises and splits the whole query, at a cost that grows with it
  if char_length(query) > 1000 then
    raise exception 'A patient search is at most 1000 characters: search by a name, a code or a phone number.' using errcode = 'CINVL';
  end if;
  declare
    v_clinic_id uuid := app_public.current_clinic_id();
    -- in Unicode's compatibility form (NFKC, on a UTF-8 server), as search_key reads it: a code typed with a Japanese or
    -- Chinese input method (ＰＡＴ－１２, ｐａｔ０００００１) is the code typed in ASCII; and with ASCII digits for the
    -- digits of every other script, which NFKC keeps, as phone_text reads a phone's (ascii_digits): the ١٢ or ۱۲ of an
    -- Arabic or a Persian keyboard, the १२ of a Nepali or Hindi one and the ১২ of a Bengali one are 12; without what prints
    -- nothing (printing_nothing_out, as search_key reads the words): a code copied from a right-to-left page or phone,
    -- wrapped in its direction marks, is the code
    v_trimmed text := btrim(app_hidden.ascii_digits(app_hidden.printing_nothing_out(
      case when current_setting('server_encoding') = 'UTF8' then normalize(query, nfkc) else query end)));
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
    -- a code typed short (pat-12, PAT 12, pat12: a prefix of 1 to 8 letters or digits, then 1 to 6 digits): each way of
    -- reading it as a prefix and its digits, as v_long reads a longer one (b212 under a prefix B2 that ends in a digit is
    -- B2-000012, and B-000212 under a former B), or null; digits alone are a code's number, not a short code of a prefix
    -- of digits
    v_short text[] := case when v_number is null then array(
      select left(v_trimmed, i) || ' ' || m[1] from generate_series(1, 8) i, regexp_match(substr(v_trimmed, i + 1), '^[-[:space:]]*([0-9]{1,6})$') m
      where m is not null and left(v_trimmed, i) ~ '^[[:alnum:]]+$') end;
    -- the clinic's patient prefix, read only for a query that may be a code
    -- a code past 999999 typed without its hyphen or short of it (PAT1000000, pat 1000000): each way of reading it as a
    -- prefix of 1 to 8 letters or digits, then 7 digits or more, the first not a 0 (P21000000: P2-1000000 and
    -- P-21000000), or null; beside v_short, which reads its last 6 digits alone (PAT1-000000)
    v_long text[] := case when v_number is null and v_trimmed ~ '[1-9][0-9]{6,17}$' then array(
      select left(v_trimmed, i) || ' ' || m[1] from generate_series(1, 8) i, regexp_match(substr(v_trimmed, i + 1), '^[-[:space:]]*([1-9][0-9]{6,17})$') m
      where m is not null and left(v_trimmed, i) ~ '^[[:alnum:]]+$') end;
    v_prefix text := case when cardinality(v_short) > 0 or cardinality(v_long) > 0 then
      (select coalesce(k.code_prefixes ->> 'PAT', 'PAT') from app_public.clinic k where k.id = v_clinic_id) end;
    -- the codes it may be, as codes are written (PAT-000012): with the clinic's patient prefix as the clinic writes it
    -- (pt-000012) when that is the prefix typed, in any case; with the prefix typed, as typed, in upper and in lower
    -- case, when it has a letter in it (a prefix the clinic had before: its patients keep their codes)
    v_codes text[] := array(
      select distinct prefix || '-' || lpad(s.digits, greatest(6, char_length(s.digits)), '0')
      from (select split_part(l, ' ', 1), split_part(l, ' ', 2) from unnest(v_short || v_long) l) s (typed, digits),
      unnest(case when lower(s.typed) = lower(v_prefix) then array[v_prefix] end
             || case when s.typed ~ '[[:alpha:]]' then array[s.typed, upper(s.typed), lower(s.typed)] end) prefix);
    v_coded uuid[] := '{}';
    v_id uuid;
    -- the query read as a phone (phone_search_terms): what a patient's phone must contain, or null for names and codes
    -- (the planner then drops that condition); and the phone registration would save from it, where that term is no
    -- part of it (0 8 8 355 14 17 56 at +375: +37588355141756, and +375355141756), else null
    v_phone_terms text[] := app_hidden.phone_search_terms(query, app_hidden.calling_code_for(v_clinic_id));
    v_phone_pattern text := app_hidden.contains_pattern(v_phone_terms[1]);
    v_saved_pattern text := app_hidden.contains_pattern(v_phone_terms[2]);
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
      -- word without its punctuation, in $5); the patients of the code typed short or of the number ($6) listed once, above;
      -- the phone as registration would save it ($7), another arm the trigram index reads
      return query execute format(
        'select s.patient_id, lower(s.code) = lower($4), s.last_name, s.first_name from app_private.patient_search s
         where s.clinic_id = $1 and not s.deleted and ((%s) or s.search_text like $3%s) %s',
        coalesce((select string_agg(case when v_unpunctuated[i] is null then format('s.search_text like $2[%s]', i)
                                         else format('(s.search_text like $2[%1$s] or s.search_text like $5[%1$s])', i) end, ' and ')
                  from generate_subscripts(v_patterns, 1) i), 'false'),
        -- only for a phone registration reads otherwise than its term: the statement of any other search is the one before 000488
        case when v_saved_pattern is not null then ' or s.search_text like $7' else '' end,
        -- only when a code found a patient: the statement of any other search is the one before 000285
        case when cardinality(v_coded) > 0 then 'and s.patient_id <> all ($6)' else '' end)
        using v_clinic_id, v_patterns, v_phone_pattern, v_typed, v_unpunctuated, v_coded, v_saved_pattern;
    end if;
  end;
end;
$_$;


revoke all on function app_hidden.patients_matching(query text) from public;
grant all on function app_hidden.patients_matching(query text) to :DATABASE_VISITOR;
comment on function app_hidden.patients_matching(query text) IS 'The current clinic''s patients whose names, code and phone contain every word of `query`, in any order, when one of its words has 3 characters or more (words split at white space and commas; a word with hyphens, apostrophes or dots in it also without them, name_unpunctuated, as each name also is in the search''s text: obrien finds O''Brien, o.brien OBrien), else `query` as typed (2 characters at least); or whose phone contains it as people type phones, national or international (phone_search_terms), or is the phone registration would save from it (a whole number registration takes that its term is no part of: 0 8 8 355 14 17 56 at +375 finds +375355141756). A code typed in full-width forms (ＰＡＴ－１２, by a Japanese or Chinese input method) is read as typed in ASCII (NFKC, on a UTF-8 server), and its digits of any other script (ascii_digits: PAT-١٢ and ۱۲ as Arabic and Persian keyboards type them, PAT-१२ as Nepali and Hindi ones do, ১২ as Bengali ones do) as ASCII digits, as a phone''s are, and without what prints nothing (printing_nothing_out: the direction marks a code copied from a right-to-left page is wrapped in); a code typed without its hyphen (PAT000002: a prefix of 1 to 8 letters or digits, then 6 digits) is that code, and so is one typed without its leading zeros (pat-12, PAT 12, pat12: the clinic''s patient prefix in any case, or a prefix with a letter in it as typed, in upper or in lower case, such as one the clinic had before, then 1 to 6 digits, is PAT-000012, each way it may be read so: b212 under a prefix B2 is B2-000012, and B-000212 under a former B; a code past 999999 typed so, PAT1000000 or pat 1000000, is PAT-1000000, and P21000000 both P2-1000000 and P-21000000), its patient found by the code''s own index apart from the words'' search. Digits alone (12, 000012, 0000012) are a code''s number: the patients whose code has that number, whatever its prefix (PAT-000012, or 2026-000012 under a prefix of digits), without their leading zeros (code_number), found by the index of the codes'' numbers apart from the words'' search, come first like an exact code; digits are never a short code of a prefix of digits (typed with its hyphen: 1-12). `query` is 2 to 100 characters (once trimmed and in NFKC; one of more than 1000 characters as typed is refused, INVALID_INPUT, before any of it is read); any case, accents aside (search_key); live patients only, for every role, whatever settings the session turned on (patient_search.deleted, for the code typed short too): search_patients lists no deleted patient to anyone, and their ids and names are not the API role''s to read. With what search_patients orders them by: whether the code is `query` (or the code typed short, or has the number typed alone) exactly, in any case (true or false, never null), then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';
