--! Previous: sha1:1ad7ed4ae2db0b0976061fb09516dc64b2334919
--! Hash: sha1:f4bbe893c7421c50ec230fb353652c7229d7f574
--! Message: an audit entry's values give amounts as stored

-- An audit entry's values keep their amounts as stored. The row images are `to_jsonb` of the row, in
-- which a numeric is a JSON number: the API parsed it as a float and printed it again, so a price of
-- 9999999999999.999 read 9999999999999.998 in the log and 22480.000 read 22480, where the API gives
-- every amount as text (a float loses cents). The log a disputed payment is looked up in printed
-- another amount than the one stored. Its values now come with every number as text, as stored
-- (`"22480.000"`); the entries themselves, their hashes and what analysts read are unchanged.

create or replace function app_hidden.json_numbers_as_text(value jsonb) returns jsonb
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select case jsonb_typeof(value)
    when 'number' then to_jsonb(value #>> '{}')
    when 'object' then (select coalesce(jsonb_object_agg(e.key, app_hidden.json_numbers_as_text(e.value)), '{}'::jsonb) from jsonb_each(value) e)
    when 'array' then (select coalesce(jsonb_agg(app_hidden.json_numbers_as_text(a.value) order by a.n), '[]'::jsonb) from jsonb_array_elements(value) with ordinality a(value, n))
    else value
  end
$$;
revoke all on function app_hidden.json_numbers_as_text(jsonb) from public;
grant execute on function app_hidden.json_numbers_as_text(jsonb) to :DATABASE_VISITOR;
comment on function app_hidden.json_numbers_as_text(jsonb) is 'The JSON `value` with every number written as its text, as stored (`22480.000` as `"22480.000"`): a JSON number reaches a client as a float, which loses cents and trailing zeros.';

create or replace function app_public.audit_log_old_values(entry app_public.audit_log) returns jsonb
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select app_hidden.json_numbers_as_text(entry.old_values)
$$;
revoke all on function app_public.audit_log_old_values(app_public.audit_log) from public;
grant execute on function app_public.audit_log_old_values(app_public.audit_log) to :DATABASE_VISITOR;
comment on function app_public.audit_log_old_values(app_public.audit_log) is E'@behavior -resource:aggregate -filterBy -orderBy\nThe row before the change (secrets excluded), its numbers as text as stored (amounts `"22480.000"`, as everywhere in the API); null for an insert.';

create or replace function app_public.audit_log_new_values(entry app_public.audit_log) returns jsonb
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select app_hidden.json_numbers_as_text(entry.new_values)
$$;
revoke all on function app_public.audit_log_new_values(app_public.audit_log) from public;
grant execute on function app_public.audit_log_new_values(app_public.audit_log) to :DATABASE_VISITOR;
comment on function app_public.audit_log_new_values(app_public.audit_log) is E'@behavior -resource:aggregate -filterBy -orderBy\nThe row after the change (secrets excluded), its numbers as text as stored (amounts `"22480.000"`, as everywhere in the API); null for a delete.';

-- the columns are read through the functions above in the API; in SQL, as stored
comment on column app_public.audit_log.old_values is E'@behavior -*\nThe row before the change (secrets excluded); the API gives it as `oldValues`, its numbers as text.';
comment on column app_public.audit_log.new_values is E'@behavior -*\nThe row after the change (secrets excluded); the API gives it as `newValues`, its numbers as text.';
