--! Previous: sha1:3ef017fec749a66613c021cdf4cc74d8f0be6267
--! Hash: sha1:cac03e50deef3ad8a5de94b7b9e7bbc1787e4a82
--! Message: written_by_this_transaction's comments say which rows it answers for

-- written_by_this_transaction's comments say which rows it answers for
--
-- Its comment said a frozen row's xmin reads 2: since PostgreSQL 9.4 a frozen row keeps the xmin it was written with,
-- so a row written more than 2^31 transactions ago could be read as another transaction's. line_price asks only of a
-- price opened after its transaction's time, never so old (review of 000516): the comments now say so.

create or replace function app_private.written_by_this_transaction(row_xmin xid) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  -- a row version the transaction sees whose writer is still in progress is its own (another's uncommitted row is not
  -- seen). Its 32-bit xmin is made a full transaction id from this transaction's own, right for a row written within
  -- 2^31 transactions of it, as every row written since the transaction began is: a frozen row keeps the xmin it was
  -- written with (PostgreSQL 9.4 on), and one written longer ago than that would be read as another transaction's
  -- (line_price asks only of a price opened after its transaction's time). The ids below 3 name no transaction
  -- (invalid, bootstrap, and frozen as a row upgraded from before 9.4 may still be)
  select case when row_xmin::text::bigint > 2 then
    pg_xact_status((t.id - ((t.id % 4294967296) - row_xmin::text::bigint + 6442450944) % 4294967296 + 2147483648)::text::xid8) = 'in progress'
  end
  from (select pg_current_xact_id_if_assigned()::text::bigint as id) t;
$$;

comment on function app_private.written_by_this_transaction(row_xmin xid) IS 'Whether the row version of this xmin, one the transaction sees and written within 2^31 transactions of it (as every row written since it began is; a frozen row keeps its xmin, and one older may be read as another''s), was written by the transaction itself or in a savepoint of it not rolled back (pg_xact_status: in progress); false or null for any other, null for a transaction that has written nothing. Read by line_price, of a price opened after its transaction''s time.';
