--! Previous: sha1:c0928c69aa1aecf0ffe9adcebe87d93f82e360b2
--! Hash: sha1:75b863e94c02ccc5b7c7fe76c2c33eb0d6e8f678
--! Message: The audit log is filtered by what was done (action), one action's newest entries read straight from an index of the chain's actions in seq order

-- The audit log is filtered by what was done (action): a clinic's logins, exports or deletions, the platform's
-- failed logins. PostGraphile offers filters on indexed columns only, and an index that leads with the chain
-- and the action, in seq order, reads one action's newest entries straight off, however rare the action is in
-- a long chain (an index not in seq order, as tableName's, reads the chain back until the page is full).
create index if not exists audit_log_chain_action_idx on app_public.audit_log
  (coalesce(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), action, seq);
comment on index app_public.audit_log_chain_action_idx is 'A chain''s entries of one action, in seq order: the audit log filtered by what was done (action).';
