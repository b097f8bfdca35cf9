--! Previous: sha1:34b0c2d33223b8287006b96d0f0c1a7a321bccd8
--! Hash: sha1:5893cfa3429ae11f384bafedcdfe003c1f6e1396
--! Message: The audit log is filtered by what was done (action), one action's newest entries read straight from an index of the chain's actions in seq order

-- The audit log is filtered by what was done (action): a clinic's logins, exports or deletions, the platform's
-- failed logins. PostGraphile offers filters on indexed columns only, and an index that leads with the chain
-- and the action, in seq order, reads one action's newest entries straight off, however rare the action is in
-- a long chain (an index not in seq order, as tableName's, reads the chain back until the page is full).
create index if not exists audit_log_chain_action_idx on app_public.audit_log
  (coalesce(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), action, seq);
comment on index app_public.audit_log_chain_action_idx is 'A chain''s entries of one action, in seq order: the audit log filtered by what was done (action).';
