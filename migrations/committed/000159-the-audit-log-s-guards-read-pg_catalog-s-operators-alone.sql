--! Previous: sha1:326b7423e04c28109a5c694778d2b1f56f5bcf34
--! Hash: sha1:894ff5d9f4ca8b0ae693d35ea51ca2acd3e03c20
--! Message: the audit log's guards read pg_catalog's operators alone

-- The audit log's append-only trigger read its comparisons (`<`, `>` of times) through the caller's
-- search_path: the owner role, which may create operators in the schemas it owns and set its own
-- search_path, put an operator of its own before pg_catalog's and appended an entry dated 2020 past
-- the "dated when written" check (000122). The function now reads pg_catalog's alone (pg_temp is
-- never searched for operators or functions). The event trigger that keeps the log from being
-- dropped is fixed the same way at every start (db/setup.ts, GUARD_BODY).

alter function app_private.tg_audit_log__append_only() set search_path to pg_catalog, pg_temp;
