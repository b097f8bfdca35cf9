--! Previous: sha1:a6cd3fbda9fb956cfb3d96414914251c0395a7e2
--! Hash: sha1:c9031418622c7064d976340712b56cc23b08f6a8
--! Message: Whether a transaction holds the clinic's audit chain head is read from the transaction the head notes as its last writer

-- Enter migration here

-- Whether a transaction holds the clinic's audit chain head, read from the transaction that last wrote it
--
-- 000479 read it from the head row's xmin: a write made in a savepoint bears the savepoint's own id, which took modulo
-- arithmetic over the 32-bit ids, pg_xact_status in an exception block, and a transaction id given to every caller of
-- a setting's shared lock to compare with, to one that writes nothing too (a close answered from its key then wrote a
-- commit record); and a head no one had written for 2^32 transactions keeps a raw xmin that may alias this one's. The
-- head now records the transaction that last wrote it (written_by: write_audit's pg_current_xact_id(), the transaction's
-- own 64-bit id from a savepoint too; a version written in a savepoint rolled back is not the row), and
-- holds_audit_chain_head compares it with this transaction's id, when it has one (none, it wrote nothing).
alter table app_private.audit_chain_head add column if not exists written_by xid8;
comment on column app_private.audit_chain_head.written_by is 'The transaction that last wrote this head (write_audit: its pg_current_xact_id(), from a savepoint too), which holds the head until it ends: holds_audit_chain_head. Null for a head not written since the column was added.';

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
  update app_private.audit_chain_head h set seq = v_seq, hash = v_hash, written_by = pg_current_xact_id() where h.chain_id = v_chain;
end;
$$;
revoke all on function app_private.write_audit(uuid, text, text, uuid, jsonb, jsonb, jsonb, uuid) from public;
comment on function app_private.write_audit(clinic_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb, actor_user_id uuid) is 'Appends one entry to a clinic''s audit chain (the platform chain when clinic_id is null), the chain''s head noting the transaction that wrote it (written_by).';

create or replace function app_private.holds_audit_chain_head(chain_id uuid) returns boolean
    language sql stable
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
  -- a transaction with no id has written nothing; the id is the transaction's own in a savepoint too, and a version
  -- written in a savepoint rolled back is not the row read
  select exists (select from app_private.audit_chain_head h
                 where h.chain_id = holds_audit_chain_head.chain_id and h.written_by = pg_current_xact_id_if_assigned());
$$;
revoke all on function app_private.holds_audit_chain_head(uuid) from public;
comment on function app_private.holds_audit_chain_head(chain_id uuid) is 'Whether this transaction holds the head of the audit chain (a clinic id) until it ends: it wrote it (written_by), itself or in a savepoint not rolled back (released or still open), so that a writer of the chain, a change of the clinic''s settings among them, commits after it. Read by lock_clinic_setting, which then takes no shared lock (next_code''s, a new invoice''s, an amount''s, a close''s).';
