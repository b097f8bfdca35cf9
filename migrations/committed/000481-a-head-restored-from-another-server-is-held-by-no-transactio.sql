--! Previous: sha1:c9031418622c7064d976340712b56cc23b08f6a8
--! Hash: sha1:429649b4c3264839abdcf699aabfa801456b295e
--! Message: A head restored from another server is held by no transaction of this one: the head notes when its writer began too

-- Enter migration here

-- A head restored from another server is held by no transaction of this one: the head notes when its writer began too
--
-- The head notes the transaction that last wrote it by its 64-bit id (written_by), unique on one server. A database
-- restored on a new server (pg_dump, pg_restore: a move, a major upgrade by dump) keeps each head's id of the old
-- server's, and the new server counts its own ids from far below: in time it gives that id to a transaction of its own,
-- which, asking a setting lock of that clinic before writing anything of it, was read as holding the head
-- (holds_audit_chain_head), took no shared lock (lock_clinic_setting), and read the code prefixes or the currency a
-- change under way was replacing: a patient numbered under PT after the change gave patients PA, and PT perhaps to
-- visits. The head now also notes when its writer began (writer_began, the writer's now()), and is held by the
-- transaction of that id that began then: the old server's began before the backup, a new server's after its restore.
alter table app_private.audit_chain_head add column if not exists writer_began timestamptz;
comment on column app_private.audit_chain_head.writer_began is 'When the transaction that last wrote this head (written_by) began (write_audit: its now()): a head restored from another server names an id this server may give again, to a transaction that began after the restore (holds_audit_chain_head). Null for a head not written since the column was added.';
comment on column app_private.audit_chain_head.written_by is 'The transaction that last wrote this head (write_audit: its pg_current_xact_id(), from a savepoint too), which holds the head until it ends: holds_audit_chain_head, with writer_began (an id of another server''s, restored, may be given again here). Null for a head not written since the column was added.';

create or replace function app_private.write_audit(clinic_id uuid, action text, table_name text default null::text, record_id uuid default null::uuid, old_values jsonb default null::jsonb, new_values jsonb default null::jsonb, detail jsonb default null::jsonb, actor_user_id uuid default app_public.current_user_id()) returns void
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_chain uuid := coalesce(write_audit.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid);
  v_seq bigint;
  v_prev text;
  v_hash text;
  v_at timestamptz := clock_timestamp();
begin
  insert into app_private.audit_chain_head (chain_id) values (v_chain) on conflict do nothing;
  select h.seq + 1, h.hash into v_seq, v_prev from app_private.audit_chain_head h where h.chain_id = v_chain for update;
  v_hash := app_private.audit_hash(v_prev, v_seq, write_audit.clinic_id, v_at, write_audit.actor_user_id,
    write_audit.action, write_audit.table_name, write_audit.record_id, write_audit.old_values, write_audit.new_values, write_audit.detail);
  insert into app_public.audit_log (clinic_id, seq, occurred_at, actor_user_id, action, table_name, record_id,
    old_values, new_values, detail, prev_hash, hash)
  values (write_audit.clinic_id, v_seq, v_at, write_audit.actor_user_id, write_audit.action, write_audit.table_name,
    write_audit.record_id, write_audit.old_values, write_audit.new_values, write_audit.detail, v_prev, v_hash);
  update app_private.audit_chain_head h set seq = v_seq, hash = v_hash, written_by = pg_current_xact_id(), writer_began = now()
  where h.chain_id = v_chain;
end;
$$;
revoke all on function app_private.write_audit(uuid, text, text, uuid, jsonb, jsonb, jsonb, uuid) from public;
comment on function app_private.write_audit(clinic_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb, actor_user_id uuid) is 'Appends one entry to a clinic''s audit chain (the platform chain when clinic_id is null), the chain''s head noting the transaction that wrote it (written_by) and when it began (writer_began).';

create or replace function app_private.holds_audit_chain_head(chain_id uuid) returns boolean
    language sql stable
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
  -- a transaction with no id has written nothing; the id is the transaction's own in a savepoint too, and a version
  -- written in a savepoint rolled back is not the row read. An id restored from another server may be given again here,
  -- to a transaction that began after the restore
  select exists (select from app_private.audit_chain_head h
                 where h.chain_id = holds_audit_chain_head.chain_id and h.written_by = pg_current_xact_id_if_assigned()
                   and h.writer_began = now());
$$;
revoke all on function app_private.holds_audit_chain_head(uuid) from public;
comment on function app_private.holds_audit_chain_head(chain_id uuid) is 'Whether this transaction holds the head of the audit chain (a clinic id) until it ends: it wrote it (written_by, begun at writer_began: a head restored from another server names an id this one may give again), itself or in a savepoint not rolled back (released or still open), so that a writer of the chain, a change of the clinic''s settings among them, commits after it. Read by lock_clinic_setting, which then takes no shared lock (next_code''s, a new invoice''s, an amount''s, a close''s).';
