--! Previous: sha1:95dad8d8168d69bd6aa665a3aefcef48af6fcc91
--! Hash: sha1:b907eb5188a2b01d6b3b8f27188cfa1db6ff50ba
--! Message: a patient's code typed without its hyphen is the code

-- A patient's code typed without its hyphen found nothing: "PAT000002" (a barcode scanner's, or a
-- hurried receptionist's), where "PAT-000002", "pat 000002" and "000002" found PAT-000002. A query
-- that is a code's prefix (1 to 8 letters or digits) and its 6 digits run together is now read as
-- that code, and is its exact match, first. (A code past 999999, 7 digits, is still typed with its
-- hyphen; a query of digits alone is a phone's or a code's number, as before.)

create or replace function app_hidden.patients_matching(query text) returns table(patient_id uuid, exact_code boolean, last_name text, first_name text)
language plpgsql stable security definer rows 50 set search_path to pg_catalog, public, pg_temp as $_$
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
  -- null for names and codes: the planner then drops that condition
  v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
begin
  if char_length(v_typed) between 2 and 100 and (cardinality(v_patterns) > 0 or v_phone_pattern is not null) then
    -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
    -- whatever the size of the others (000034); one condition per pattern, named by its place in $2
    return query execute format(
      'select s.patient_id, s.code = upper($4), s.last_name, s.first_name from app_private.patient_search s
       where s.clinic_id = $1 and ((%s) or s.search_text like $3)',
      coalesce((select string_agg(format('s.search_text like $2[%s]', i), ' and ') from generate_subscripts(v_patterns, 1) i), 'false'))
      using v_clinic_id, v_patterns, v_phone_pattern, v_typed;
  end if;
end;
$_$;
comment on function app_hidden.patients_matching(text) is 'The current clinic''s patients whose names, code and phone contain every word of `query`, in any order, when one of its words has 3 characters or more (words split at white space and commas), else `query` as typed (2 characters at least); or whose phone contains it as people type phones, national or international (phone_search_term). A code typed without its hyphen (PAT000002: a prefix of 1 to 8 letters or digits, then 6 digits) is that code. `query` is 2 to 100 characters; any case, accents aside (search_key); deleted patients included. With what search_patients orders them by: whether the code is `query` exactly, then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';
