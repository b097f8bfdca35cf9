--! Previous: sha1:0c39178309731e9f3e136dded9ea4fc2d1f13e37
--! Hash: sha1:8cb35d4d9940664fe0891419251027a8c92002ac
--! Message: search words in any order

--------------------------------------------------------------------------------
-- A patient search finds the words typed in any order.
--
-- The search matched the query as one piece of the patient's text ("first last code phone"): "jose
-- ramirez" found José Ramírez, but "ramirez jose", the surname first as a front desk often types it,
-- found nothing, nor did "asha mushi" for Asha Neema Mushi. Each word of the query is now matched on
-- its own, all of them needed: one LIKE per word, each able to use the trigram index, so the planner
-- intersects what the index finds for each. A query of one word is matched as before; a phone typed
-- with spaces is still matched whole as a phone (phone_search_term).

create or replace function app_hidden.patients_matching(query text) returns table(patient_id uuid, exact_code boolean, last_name text, first_name text)
language plpgsql stable security definer rows 50 set search_path to pg_catalog, public, pg_temp as $_$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_typed text := btrim(query);
  v_key text := app_hidden.search_key(v_typed);
  -- the words of the query, each as a pattern: a patient's text must contain them all, in any order
  v_word_patterns text[] := array(select app_hidden.contains_pattern(w) from regexp_split_to_table(v_key, '\s+') w where w <> '');
  -- null for names and codes: the planner then drops that condition
  v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
begin
  -- 2 characters at least, typed and in one word without accents (accents alone would match everything)
  if char_length(v_typed) between 2 and 100
     and exists (select from unnest(v_word_patterns) p where char_length(p) >= 4) then
    -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
    -- whatever the size of the others (000034); one condition per word, named by its place in $2
    return query execute format(
      'select s.patient_id, s.code = upper($4), s.last_name, s.first_name from app_private.patient_search s
       where s.clinic_id = $1 and ((%s) or s.search_text like $3)',
      (select string_agg(format('s.search_text like $2[%s]', i), ' and ') from generate_subscripts(v_word_patterns, 1) i))
      using v_clinic_id, v_word_patterns, v_phone_pattern, v_typed;
  end if;
end;
$_$;
comment on function app_hidden.patients_matching(text) is 'The current clinic''s patients whose names, code and phone contain every word of `query`, in any order (2 to 100 characters, a word of at least 2 without accents; any case, accents aside: search_key), or whose phone contains it as people type phones, national or international (phone_search_term), deleted ones included, with what search_patients orders them by: whether the code is `query` exactly, then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';
