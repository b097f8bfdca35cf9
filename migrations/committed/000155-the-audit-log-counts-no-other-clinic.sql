--! Previous: sha1:d7a63609be7b735b6a971580fec4e5d5c4259e08
--! Hash: sha1:d2cbc941bd62bfebd9f8460c344830b511dbd21f
--! Message: the audit log counts no other clinic

-- The audit log's id is no longer in the API: it is one count of every clinic's entries (and the
-- platform's failed logins), so an owner reading their own log saw, in its rowId, its node id and
-- its cursors, how many things every other clinic did between two of theirs. A clinic's entries are
-- named by their chain and seq; cursors are sealed (server/cursors.ts).

comment on table app_public.audit_log is E'@behavior -insert -update -delete -node\nAppend-only record of every change, login, logout and export. Each entry is chained to the previous entry of its clinic by a SHA-256 hash; `verifyAuditChain` recomputes the chain. An entry is named by its clinic and seq.';
comment on column app_public.audit_log.id is E'@behavior -*\nGlobal insertion order, of every chain: not in the API (a count of the other clinics'' entries).';
comment on constraint audit_log_pkey on app_public.audit_log is E'@behavior -single';
