--! Previous: sha1:e58cb442fe544651151c7b075bbc9fec85dbebc5
--! Hash: sha1:fbc5146483ef068243f14d311b032b626c926f3a
--! Message: the computed columns of 000204 and 000207 as decision 012 has functions called in queries

-- The computed columns of 000204 and 000207 as decision 012 has functions called in queries: the
-- audit log's `oldValues` and `newValues`, one-line wrappers, SQL that PostgreSQL inlines (their
-- `set search_path` kept them from it: they read no table); the number walk under them and a
-- membership's `fullName`, which query, PL/pgSQL, whose plans are kept for the connection (as SQL
-- they were planned again in every query, and `fullName` is in every membership list's default order).

create or replace function app_hidden.json_numbers_as_text(value jsonb) returns jsonb
language plpgsql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
begin
  -- PL/pgSQL, so its plans are kept for the connection (decision 012)
  return case jsonb_typeof(value)
    when 'number' then to_jsonb(value #>> '{}')
    when 'object' then (select coalesce(jsonb_object_agg(e.key, app_hidden.json_numbers_as_text(e.value)), '{}'::jsonb) from jsonb_each(value) e)
    when 'array' then (select coalesce(jsonb_agg(app_hidden.json_numbers_as_text(a.value) order by a.n), '[]'::jsonb) from jsonb_array_elements(value) with ordinality a(value, n))
    else value
  end;
end;
$$;

-- inlined into the query: no `set` clause (they read no table, only call the function above by its full name)
create or replace function app_public.audit_log_old_values(entry app_public.audit_log) returns jsonb
language sql immutable parallel safe as $$
  select app_hidden.json_numbers_as_text(entry.old_values)
$$;
create or replace function app_public.audit_log_new_values(entry app_public.audit_log) returns jsonb
language sql immutable parallel safe as $$
  select app_hidden.json_numbers_as_text(entry.new_values)
$$;

create or replace function app_public.membership_full_name(m app_public.membership) returns text
language plpgsql stable parallel safe set search_path to pg_catalog, public, pg_temp as $$
begin
  -- read as the caller: `user`'s policies show a colleague's name, not a pending invitee's; PL/pgSQL, so its
  -- plan is kept for the connection (decision 012)
  return (select u.full_name from app_public."user" u where u.id = m.user_id);
end;
$$;
