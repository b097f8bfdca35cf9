--! Previous: sha1:3434417a1aed9bf43b0ef71ecb567bf221e6dcab
--! Hash: sha1:093dbe3e44d0e07c6fdf3d7acee359f4e374aee7
--! Message: a large clinic's search reads the trigram index

--------------------------------------------------------------------------------
-- A search in a clinic much larger than the average reads the trigram index. The clinic and the
-- patterns were sub-selects, values the planner does not know: it priced "this clinic's rows" at
-- the average clinic's, and where most clinics are small it read every patient of a large clinic
-- through the primary key and filtered them (20,000 rows, 4.3 ms instead of 1.7; the time grows
-- with the clinic). They are now the function's variables, and each search is planned with their
-- values (plan_cache_mode): the clinic's own size from the statistics, the trigram index for a
-- large clinic, its primary key for a small one.

create or replace function app_hidden.patients_matching(query text) returns table (patient_id uuid, exact_code boolean, last_name text, first_name text)
language plpgsql stable security definer rows 50
set search_path to pg_catalog, public, pg_temp
set plan_cache_mode to force_custom_plan
as $$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_typed text := btrim(query);
  v_text_pattern text := app_hidden.contains_pattern(lower(v_typed));
  -- null for names and codes: the planner then drops that condition
  v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
begin
  if char_length(v_typed) between 2 and 100 then
    return query
    select s.patient_id, s.code = upper(v_typed), s.last_name, s.first_name from app_private.patient_search s
    where s.clinic_id = v_clinic_id
      and (s.search_text like v_text_pattern or s.search_text like v_phone_pattern);
  end if;
end;
$$;
comment on function app_hidden.patients_matching(text) is 'The current clinic''s patients whose name, code or phone contains `query` (2 to 100 characters, any case; a phone also as people type it, national or international: phone_search_term; deleted ones included), with what search_patients orders them by: whether the code is `query` exactly, then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';
