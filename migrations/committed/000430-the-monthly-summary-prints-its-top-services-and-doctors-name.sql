--! Previous: sha1:bf6a719237a784a957ddfca54f2abb57ce195b51
--! Hash: sha1:88ab53ad51f1012dfeca21607bebb25fd1adfb30
--! Message: The monthly summary prints its top services' and doctors' names as typed, without control characters kept from before they were kept out

-- The monthly summary's names as typed
--
-- 000402 gave the invoice's and the reconciliation sheet's documents every text as typed (app_hidden.text_as_typed),
-- without the control characters and direction overrides kept before they were kept out, and left the monthly
-- summary's: the names of its top services and of its doctors were the dashboard's, as kept. A service named before
-- 000130 (names as meant; its control characters until 000156) keeps its name as typed until it is edited, and a
-- right-to-left override in it reversed the rest of its label in the summary's chart of top services ("Ultrasound
-- nemodba" printed "Ultrasound abdomen"); a member's name saved before 000101 (staff names as meant) may hold one too.
-- The summary's document now gives both lists' names as typed; the dashboard's figures (the API's) are left as they are.
create or replace function app_private.monthly_summary_document(clinic_id uuid, from_date date, to_date date) returns jsonb
  language sql stable security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  select jsonb_build_object('clinic', app_private.clinic_header(monthly_summary_document.clinic_id),
    'fromDate', from_date, 'toDate', to_date,
    'figures', f.figures || jsonb_build_object(
      'top_services', (select coalesce(jsonb_agg(s.item || jsonb_build_object('name', app_hidden.text_as_typed(s.item ->> 'name')) order by s.n), '[]')
                       from jsonb_array_elements(f.figures -> 'top_services') with ordinality s (item, n)),
      'visits_by_doctor', (select coalesce(jsonb_agg(d.item || jsonb_build_object('name', app_hidden.text_as_typed(d.item ->> 'name')) order by d.n), '[]')
                           from jsonb_array_elements(f.figures -> 'visits_by_doctor') with ordinality d (item, n))))
  from (select to_jsonb(app_private.dashboard_for(monthly_summary_document.clinic_id, from_date, to_date)) as figures) f;
$$;
revoke all on function app_private.monthly_summary_document(uuid, date, date) from public;
comment on function app_private.monthly_summary_document(clinic_id uuid, from_date date, to_date date) is
  'Everything the monthly summary prints: the dashboard figures of the month, the names of its top services and doctors as typed (app_hidden.text_as_typed), without the control characters and direction overrides kept before names were saved as meant (000130 for a service''s: an override reversed the rest of its label in the chart, 000430).';
