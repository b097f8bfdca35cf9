--! Previous: sha1:8376878d74d46cb3beef433bcf9ca33a8a8e5512
--! Hash: sha1:99ccd292b5b32b495a36c51d7b11bc919585132c
--! Message: A record's history reads that record's entries, not its clinic's whole audit log

-- A record's history reads that record's entries, not its clinic's whole audit log
--
-- `auditLogs(condition: { recordId })`, one record's history (a patient's, a visit's: docs/api.md), was read from
-- audit_log_chain_record_idx, which keyed a chain's entries by table, then record: a record's id alone, without
-- its table, matched no leading part of it past the chain, so each history walked the index entries of the whole
-- chain (200,000 entries of a busy clinic: 1,435 pages and 46–73 ms for a record's 4 entries), more with every write
-- the clinic made. The index now keys a chain's entries by record alone: a record's entries are a few adjacent
-- ones, with or without its table named (a record's id is of one table). Still one index of the same columns, so
-- an audit entry costs no more to write. The table is carried, not a key: the API offers tableName's condition,
-- filter and order only on a column an index holds; and keyed by record then table, a filter on tableName alone was
-- read from it, the whole chain's entries walked and every entry of the table sorted (277 ms for a page of 20 among
-- 200,000), where it reads the chain back by seq (docs/api.md), as it did and does.
drop index if exists app_public.audit_log_chain_record_idx;
create index audit_log_chain_record_idx on app_public.audit_log
  (coalesce(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), record_id) include (table_name);
comment on index app_public.audit_log_chain_record_idx is 'A chain''s entries of one record: its history (recordId, with or without tableName); with its table_name, which the API filters and orders by only on an indexed column.';
