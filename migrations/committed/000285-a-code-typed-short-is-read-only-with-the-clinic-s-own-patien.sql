--! Previous: sha1:f8c799d5e407051d7a6e683329ea31b4050d6f55
--! Hash: sha1:73e714faa9a283683ad2c87a5f41f473b0b5ce4e
--! Message: A code typed short is read only with the clinic's own patient prefix, and found by the code's index

-- A code typed short is read only with the clinic's own patient prefix, and found by the code's index
--
-- Since 000278 a search of a word and digits was read as a code typed short: "family1234" as the code
-- family-001234, "room12" as room-000012, and the code's arm joined to the words' search by an OR made PostgreSQL
-- plan a sequential scan of the whole search table where the words alone read the clinic's trigram index (seen in
-- the tests' large clinic; across a million patients, every such search would read them all). A code typed short is
-- now only the clinic's own patient prefix (PAT, or the one the clinic chose, in any case) then 1 to 6 digits, and its
-- patient is found apart, through the patient's code (patient_clinic_id_code_key), listed first; the words' search is
-- the one it was before 000278, less that patient.
create or replace function app_hidden.patients_matching(query text)
  returns table (patient_id uuid, exact_code boolean, last_name text, first_name text)
  language plpgsql stable security definer rows 50
  set search_path to pg_catalog, public, pg_temp
as $_$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_trimmed text := btrim(query);
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
  -- a code typed short (pat-12, PAT 12, pat12: the clinic's patient prefix, in any case, then 1 to 6 digits) as
  -- the clinic writes it, PAT-000012; null for anything else (family1234 is a name and digits, not a code)
  v_code text := (select c.prefix || '-' || lpad(m[2], 6, '0')
                  from regexp_match(v_trimmed, '^([[:alnum:]]{1,8}?)[-[:space:]]*([0-9]{1,6})$') m,
                       (select coalesce(k.code_prefixes ->> 'PAT', 'PAT') as prefix from app_public.clinic k where k.id = v_clinic_id) c
                  where lower(m[1]) = lower(c.prefix));
  -- null for names and codes: the planner then drops that condition
  v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
begin
  if char_length(v_typed) between 2 and 100 and (cardinality(v_patterns) > 0 or v_phone_pattern is not null) then
    -- the code typed short: its patient, by the code's own index, apart from the words' search (an arm of it made a
    -- plan read the whole table where the words alone read the trigram index)
    if v_code is not null then
      return query select s.patient_id, true, s.last_name, s.first_name from app_private.patient_search s
        where s.clinic_id = v_clinic_id
          and s.patient_id = (select p.id from app_public.patient p where p.clinic_id = v_clinic_id and p.code = v_code);
    end if;
    -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
    -- whatever the size of the others (000034); one condition per pattern, named by its place in $2 (or its
    -- word without its punctuation, in $5); the patient of the code typed short ($6) listed once, above
    return query execute format(
      'select s.patient_id, lower(s.code) = lower($4), s.last_name, s.first_name from app_private.patient_search s
       where s.clinic_id = $1 and ((%s) or s.search_text like $3) %s',
      coalesce((select string_agg(case when v_unpunctuated[i] is null then format('s.search_text like $2[%s]', i)
                                       else format('(s.search_text like $2[%1$s] or s.search_text like $5[%1$s])', i) end, ' and ')
                from generate_subscripts(v_patterns, 1) i), 'false'),
      case when v_code is not null
        then 'and s.patient_id is distinct from (select p.id from app_public.patient p where p.clinic_id = $1 and p.code = $6)' else '' end)
      using v_clinic_id, v_patterns, v_phone_pattern, v_typed, v_unpunctuated, v_code;
  end if;
end;
$_$;
comment on function app_hidden.patients_matching(query text) is 'The current clinic''s patients whose names, code and phone contain every word of `query`, in any order, when one of its words has 3 characters or more (words split at white space and commas; a word with hyphens, apostrophes or dots in it also without them, name_unpunctuated, as each name also is in the search''s text: obrien finds O''Brien, o.brien OBrien), else `query` as typed (2 characters at least); or whose phone contains it as people type phones, national or international (phone_search_term). A code typed without its hyphen (PAT000002: a prefix of 1 to 8 letters or digits, then 6 digits) is that code, and so is one typed without its leading zeros (pat-12, PAT 12, pat12: the clinic''s patient prefix in any case, then 1 to 6 digits, is PAT-000012), found by the code''s own index apart from the words'' search. `query` is 2 to 100 characters; any case, accents aside (search_key); deleted patients included. With what search_patients orders them by: whether the code is `query` (or the code typed short) exactly, in any case (true or false, never null), then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';
