--! Previous: sha1:f9dbf06de94214185c603b7caa662c13ce0c69b7
--! Hash: sha1:e4b6c93b8688878048c173ba2c6dcba204462ef6
--! Message: The patient search finds a name without its hyphens, apostrophes and dots, and a query typed with them

-- The patient search finds a name without its hyphens, apostrophes and dots, and a query typed with them
--
-- The search matched each word of a query as typed: OBrien or maryjane found no O'Brien or Mary-Jane, nor did o.brien
-- or al-hassan find OBrien or Alhassan, and the front desk, finding no one, registered the patient again. The search's
-- copy of a patient now also holds each name without its hyphens, dashes, apostrophes and dots (name_unpunctuated)
-- where that differs, and a word of a query with such characters in it matches as typed or without them: each one
-- still a LIKE the trigram index finds, all of them needed. Spaces stay where they are (a name run together across
-- them, Ramírez Œhler as ramirezoehler, would be found by zoe), so alhassan still does not find Al Hassan, which the
-- duplicate warning flags. Patients whose names have such characters are copied again.
create or replace function app_private.index_patients(patients app_public.patient[]) returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  insert into app_private.patient_search (clinic_id, patient_id, search_text, code, last_name, first_name, date_of_birth)
  select p.clinic_id, p.id,
         -- the names without their punctuation too, where that makes other text (o'brien: obrien), as people also type them
         concat_ws(' ', app_hidden.search_key(p.search_text),
                   nullif(app_hidden.name_unpunctuated(app_hidden.search_key(p.first_name)), app_hidden.search_key(p.first_name)),
                   nullif(app_hidden.name_unpunctuated(app_hidden.search_key(p.last_name)), app_hidden.search_key(p.last_name))),
         p.code, p.last_name, p.first_name, p.date_of_birth
  from unnest(patients) p
  on conflict (clinic_id, patient_id) do update
    set search_text = excluded.search_text, code = excluded.code, last_name = excluded.last_name, first_name = excluded.first_name,
        date_of_birth = excluded.date_of_birth;
end;
$$;
comment on function app_private.index_patients(patients app_public.patient[]) is 'Copies the searchable text (without accents: search_key; each name also without its hyphens, apostrophes and dots, name_unpunctuated, where that differs), sort keys and date of birth of `patients` into patient_search (insert or update).';
revoke all on function app_private.index_patients(patients app_public.patient[]) from public;
comment on column app_private.patient_search.search_text is 'The patient''s names, code and phone as search_patients matches them: search_key of patient.search_text (lower case, without accents), then each name without its hyphens, apostrophes and dots where that differs (name_unpunctuated).';

select app_private.index_patients(array(
  select p from app_public.patient p
  where app_hidden.name_unpunctuated(app_hidden.search_key(p.first_name)) <> app_hidden.search_key(p.first_name)
     or app_hidden.name_unpunctuated(app_hidden.search_key(p.last_name)) <> app_hidden.search_key(p.last_name)));

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
  -- null for names and codes: the planner then drops that condition
  v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
begin
  if char_length(v_typed) between 2 and 100 and (cardinality(v_patterns) > 0 or v_phone_pattern is not null) then
    -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
    -- whatever the size of the others (000034); one condition per pattern, named by its place in $2 (or its
    -- word without its punctuation, in $5)
    return query execute format(
      'select s.patient_id, s.code = upper($4), s.last_name, s.first_name from app_private.patient_search s
       where s.clinic_id = $1 and ((%s) or s.search_text like $3)',
      coalesce((select string_agg(case when v_unpunctuated[i] is null then format('s.search_text like $2[%s]', i)
                                       else format('(s.search_text like $2[%1$s] or s.search_text like $5[%1$s])', i) end, ' and ')
                from generate_subscripts(v_patterns, 1) i), 'false'))
      using v_clinic_id, v_patterns, v_phone_pattern, v_typed, v_unpunctuated;
  end if;
end;
$_$;
comment on function app_hidden.patients_matching(query text) is 'The current clinic''s patients whose names, code and phone contain every word of `query`, in any order, when one of its words has 3 characters or more (words split at white space and commas; a word with hyphens, apostrophes or dots in it also without them, name_unpunctuated, as each name also is in the search''s text: obrien finds O''Brien, o.brien OBrien), else `query` as typed (2 characters at least); or whose phone contains it as people type phones, national or international (phone_search_term). A code typed without its hyphen (PAT000002: a prefix of 1 to 8 letters or digits, then 6 digits) is that code. `query` is 2 to 100 characters; any case, accents aside (search_key); deleted patients included. With what search_patients orders them by: whether the code is `query` exactly, then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';
revoke all on function app_hidden.patients_matching(query text) from public;
grant execute on function app_hidden.patients_matching(query text) to :DATABASE_VISITOR;
