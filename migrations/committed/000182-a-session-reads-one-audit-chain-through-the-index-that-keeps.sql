--! Previous: sha1:1b626412e3f93fa227a50766243363b29c2b0df8
--! Hash: sha1:be3a31022121ee8cb7565623c12031ca2b6f2ce9
--! Message: a session reads one audit chain, through the index that keeps it in order

-- A session reads one audit chain, through the index that keeps it in order.
--
-- The visitor's two policies on the audit log, a clinic's managers' (clinic_id = the session's clinic)
-- and platform administrators' (clinic_id null), were ORed by PostgreSQL into one condition no index
-- answers in order: in a clinic of 2,000,000 entries (five years of a large clinic) the newest page of
-- auditLogs took 3 s, paging with cursors timed out on page 5, and a small clinic's first page in the
-- default order (the primary key) walked the large clinic's entries, 0.5 s (a tester of a large
-- clinic's screens). One policy now names one chain, the session's (audit_chain_in_view): an owner's
-- or admin's clinic, else for a platform administrator the platform's (coalesce(clinic_id, nil) as
-- audit_log_chain_seq indexes it); the newest page reads that index backwards. A platform
-- administrator who is an owner or admin of the session's clinic reads that clinic's chain in that
-- session, and the platform's in a session without a clinic. The indexes that serve the log's
-- filters lead with the chain as well, by who acted (in seq order), by record and by time; and the
-- log lists newest first unless asked otherwise (@defaultOrderBy SEQ_DESC: it listed by the
-- primary key, the order entries were written across every clinic).

create or replace function app_hidden.audit_chain_in_view() returns uuid
language sql stable as $$
  select case
    when app_hidden.current_role_in('owner', 'admin') then app_public.current_clinic_id()
    when app_public.current_user_is_platform_admin() then '00000000-0000-0000-0000-000000000000'::uuid
  end;
$$;
comment on function app_hidden.audit_chain_in_view() is
  'The audit chain this session reads, as audit_log_chain_seq keys it: the session''s clinic for its owners and admins, else the platform''s (the nil uuid) for a platform administrator; null (none) for everyone else.';

drop policy if exists select_managers on app_public.audit_log;
drop policy if exists select_platform on app_public.audit_log;
drop policy if exists select_chain on app_public.audit_log;
create policy select_chain on app_public.audit_log for select using (
  coalesce(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = (select app_hidden.audit_chain_in_view())
);
comment on policy select_chain on app_public.audit_log is
  'A session reads one chain (audit_chain_in_view): its clinic''s, for owners and admins; the platform''s (clinic_id null: failed logins, sessions without a clinic, accounts changed from a clinic the person is not of) for platform administrators otherwise.';

drop index if exists app_public.audit_log_clinic_actor_idx;
drop index if exists app_public.audit_log_clinic_occurred_idx;
drop index if exists app_public.audit_log_clinic_record_idx;
create index if not exists audit_log_chain_actor_idx on app_public.audit_log
  (coalesce(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), actor_user_id, seq);
comment on index app_public.audit_log_chain_actor_idx is 'A chain''s entries by who acted, in seq order: the audit log filtered by its actor (actorUserId).';
-- it carries clinic_id, which the API's clinicId filter, order and Clinic.auditLogs need indexed
-- (PostGraphile offers those of indexed columns only)
create index if not exists audit_log_chain_occurred_idx on app_public.audit_log
  (coalesce(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), occurred_at) include (clinic_id);
comment on index app_public.audit_log_chain_occurred_idx is 'A chain''s entries in time order: the audit log filtered or ordered by occurredAt; with its clinic_id, which the API filters and orders by only on an indexed column.';
create index if not exists audit_log_chain_record_idx on app_public.audit_log
  (coalesce(clinic_id, '00000000-0000-0000-0000-000000000000'::uuid), table_name, record_id);
comment on index app_public.audit_log_chain_record_idx is 'A chain''s entries of one record: its history (tableName and recordId).';

comment on table app_public.audit_log is E'@behavior -insert -update -delete -node\n@defaultOrderBy SEQ_DESC\nAppend-only record of every change, login, logout and export. Each entry is chained to the previous entry of its clinic by a SHA-256 hash; `verifyAuditChain` recomputes the chain. An entry is named by its clinic and seq; the log lists newest first unless asked otherwise.';

create or replace function app_public.audit_log_actor_name(entry app_public.audit_log) returns text
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
begin
  -- the entry is read again, and named only if it is of the chain the session reads (select_chain's
  -- audit_chain_in_view: this function runs as the owner role, which reads every entry), so a row made
  -- up by the caller names no one; a clinic's entry names a person who is or was a member of that
  -- clinic (removed ones too), the platform's chain anyone; PL/pgSQL, so its plan is kept for the
  -- connection (decision 012)
  return (
    select u.full_name
    from app_public.audit_log seen
    join app_public."user" u on u.id = seen.actor_user_id
    where seen.id = entry.id
      and coalesce(seen.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = app_hidden.audit_chain_in_view()
      and (seen.clinic_id is null
           or exists (select from app_public.membership m where m.clinic_id = seen.clinic_id and m.user_id = u.id and m.accepted_at is not null)));
end;
$$;
