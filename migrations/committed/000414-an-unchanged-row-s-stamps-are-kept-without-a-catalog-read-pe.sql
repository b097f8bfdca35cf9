--! Previous: sha1:06ae677e17a009e662fb0eebb2d476b0726922a7
--! Hash: sha1:7b868137e7acbd0ca38db7f367494203b1a1bc59
--! Message: An unchanged row's stamps are kept without a catalog read per row

-- An unchanged row's stamps are kept without a catalog read per row
--
-- tg__unchanged_keeps_stamps (000408) read pg_attribute at every updated row of every stamped table, for the generated
-- columns it leaves out of its comparison (computed after the before triggers, null in `new` there): a catalog query
-- per row for what a table's definition fixes. The trigger is now given them as its arguments where it is made on each
-- stamped table (a test checks each trigger's arguments are its table's generated columns, so a column made generated
-- later is added to them in its migration: app_private.keep_stamps_of_unchanged_rows(), which makes them again).
create or replace function app_private.tg__unchanged_keeps_stamps() returns trigger
  language plpgsql
as $$
begin
  -- tg_argv: the table's generated columns, computed after the before triggers (null in `new` here), compared
  -- through the columns they are made of (null for a table of none)
  if (to_jsonb(new) - coalesce(tg_argv, '{}') - 'updated_at' - 'updated_by') = (to_jsonb(old) - coalesce(tg_argv, '{}') - 'updated_at' - 'updated_by') then
    new.updated_at := old.updated_at;
    new.updated_by := old.updated_by;
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg__unchanged_keeps_stamps() from public;
comment on function app_private.tg__unchanged_keeps_stamps() is 'BEFORE UPDATE, the last of a stamped table''s before triggers (_999_unchanged_keeps_stamps, given the table''s generated columns as its arguments: keep_stamps_of_unchanged_rows): an update that changes nothing but the stamps (a form sent back as it is) keeps the row''s updated_at and updated_by, which tg__timestamps moved; compared as tg__audit compares, so a row''s stamps move exactly when the audit log writes an entry of it (000408, 000414).';

create or replace function app_private.keep_stamps_of_unchanged_rows() returns integer
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_table regclass;
  v_tables integer := 0;
begin
  for v_table in select t.tgrelid::regclass from pg_trigger t where t.tgname = '_100_timestamps' and not t.tgisinternal order by 1
  loop
    execute format('drop trigger if exists _999_unchanged_keeps_stamps on %s', v_table);
    execute format('create trigger _999_unchanged_keeps_stamps before update on %s for each row execute function app_private.tg__unchanged_keeps_stamps(%s)',
      v_table,
      (select string_agg(quote_literal(a.attname), ', ' order by a.attnum) from pg_attribute a
       where a.attrelid = v_table and a.attgenerated <> '' and not a.attisdropped));
    v_tables := v_tables + 1;
  end loop;
  return v_tables;
end;
$$;
revoke all on function app_private.keep_stamps_of_unchanged_rows() from public;
comment on function app_private.keep_stamps_of_unchanged_rows() is 'Makes (again) the trigger _999_unchanged_keeps_stamps on every stamped table (one with _100_timestamps), giving it the table''s generated columns as its arguments; answers how many tables. Run by 000414, and by a migration that adds a stamped table or a generated column to one (tests/db/audit.test.ts checks every stamped table''s trigger and arguments).';
select app_private.keep_stamps_of_unchanged_rows();
