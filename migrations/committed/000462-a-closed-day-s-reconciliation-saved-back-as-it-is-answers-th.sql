--! Previous: sha1:c7ce79905b91fa42f2239f9d9026f5fb82d1506f
--! Hash: sha1:fa7f730137bf25335858324f76108645cd4a63ad
--! Message: A closed day's reconciliation saved back as it is answers the day

-- A closed day's reconciliation saved back as it is answers it, where it was refused DAY_CLOSED
--
-- tg_daily_reconciliation__closed_is_final refused every update of a closed day that left it closed, one that changed
-- nothing too: a cashier opening a closed day's cash-up and saving it without changing anything
-- (updateDailyReconciliation with its notes as they are, as a client that sends every field back does) was told
-- "This business day is closed", and so was an operator's `update … set notes = notes`, where a payment or refund of
-- that day saved back as it is goes through (000459). Such an update now goes through, writing nothing (no audit
-- entry, the stamps kept: _999_unchanged_keeps_stamps compares as this does). Compared as tg__audit compares, the
-- stamps and the generated columns (null in `new` before the row is written) left out, the notes as kept
-- (_150_texts_as_typed ran first). Every change of a closed day is still refused, its notes' too.
create or replace function app_private.tg_daily_reconciliation__closed_is_final() returns trigger
  language plpgsql
  as $$
declare
  v_generated text[] := array(
    select a.attname::text from pg_catalog.pg_attribute a where a.attrelid = tg_relid and a.attgenerated <> '' and not a.attisdropped);
begin
  -- a row saved back as it is (a form that sends every field back) changes nothing the day's count holds
  if (to_jsonb(new) - 'updated_at' - 'updated_by' - v_generated) = (to_jsonb(old) - 'updated_at' - 'updated_by' - v_generated) then
    return new;
  end if;
  raise exception 'This business day is closed: an owner can reopen it to change it.' using errcode = 'CDAYC';
end;
$$;

comment on function app_private.tg_daily_reconciliation__closed_is_final() is 'BEFORE UPDATE of a closed day that leaves it closed: refused (DAY_CLOSED); reopen_day opens it first. An update that changes nothing (a form saved back as it is; compared without the stamps and the generated columns) goes through.';
revoke all on function app_private.tg_daily_reconciliation__closed_is_final() from public;
