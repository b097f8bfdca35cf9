--! Previous: sha1:24c9ec5f63747249eb41994d498cab880f418962
--! Hash: sha1:62033af8b58e3de354fbe1fdb2ab714de9a40724
--! Message: An update that changes nothing keeps its row's stamps

-- An update that changes nothing keeps its row's stamps
--
-- tg__timestamps (000001) stamps updated_at and updated_by at every update, and a form sent back as it is (an
-- unchanged save: `updateVisit(patch: { status: COMPLETED })` of a completed visit, a patient's screen saved without an
-- edit) is an update that changes nothing: the row read, for good, as last changed then and by whoever saved it (a
-- visit its doctor completed, as last changed by a receptionist who opened and saved it), while the audit log writes no
-- entry for such an update (000264), so it had no change of theirs to show. A row's last stamp after every other
-- trigger has had its say: where nothing but the stamps differs, the row keeps the ones it had, on every stamped table.
-- The comparison is the audit's (the row as jsonb without its updated_at and updated_by; its generated columns, not yet
-- computed in a before trigger, compared through the columns they are made of), so the stamps move exactly when the
-- audit log writes an entry.
create or replace function app_private.tg__unchanged_keeps_stamps() returns trigger
  language plpgsql
as $$
declare
  -- a generated column (a patient's search_text, an invoice's balance) is computed after the before triggers: null in
  -- `new` here, it is what its columns make it, compared through them
  v_generated constant text[] := array(select a.attname::text from pg_catalog.pg_attribute a
                                       where a.attrelid = tg_relid and a.attgenerated <> '' and not a.attisdropped);
begin
  if (to_jsonb(new) - v_generated - 'updated_at' - 'updated_by') = (to_jsonb(old) - v_generated - 'updated_at' - 'updated_by') then
    new.updated_at := old.updated_at;
    new.updated_by := old.updated_by;
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg__unchanged_keeps_stamps() from public;
comment on function app_private.tg__unchanged_keeps_stamps() is 'BEFORE UPDATE, the last of a stamped table''s before triggers (_999_unchanged_keeps_stamps): an update that changes nothing but the stamps (a form sent back as it is) keeps the row''s updated_at and updated_by, which tg__timestamps moved; compared as tg__audit compares, so a row''s stamps move exactly when the audit log writes an entry of it (000408).';
comment on function app_private.tg__timestamps() is 'BEFORE INSERT OR UPDATE: stamps created_at/by once and updated_at/by on every change (an update that changes nothing keeps the ones it had: tg__unchanged_keeps_stamps); nobody can forge them.';
do $$
declare
  v_table regclass;
begin
  for v_table in select t.tgrelid::regclass from pg_trigger t where t.tgname = '_100_timestamps' and not t.tgisinternal order by 1
  loop
    execute format('drop trigger if exists _999_unchanged_keeps_stamps on %s', v_table);
    execute format('create trigger _999_unchanged_keeps_stamps before update on %s for each row execute function app_private.tg__unchanged_keeps_stamps()', v_table);
  end loop;
end
$$;
