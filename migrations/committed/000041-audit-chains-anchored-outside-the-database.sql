--! Previous: sha1:cfada4b2f33e009150c3b70808c09366c7217b52
--! Hash: sha1:94aec40dc7535c0b7306f5d3d9a21d50beca9660
--! Message: audit chains anchored outside the database

-- The audit log's hash chain shows a change made behind the database's back only if whoever made
-- it did not also recompute every later hash and the chain's head, which a superuser can do. Anchors
-- close that gap: every hour the worker copies the head (seq and hash) of each chain that moved out of
-- the database, into an append-only file and its log (task audit_chain__anchor), and
-- `npm run audit:verify` checks every chain and every anchor: changing an entry at or before an
-- anchored one changes that entry's hash, whatever is recomputed after it.

create table app_private.audit_anchor (
  chain_id uuid primary key,
  seq bigint not null,
  hash text not null,
  anchored_at timestamptz not null default now()
);
comment on table app_private.audit_anchor is 'The last head of each audit chain that the worker copied out of the database (audit_chain__anchor), so that it copies only the chains that moved since. The anchors themselves live outside the database, where whoever rewrites the chain cannot rewrite them too.';
comment on column app_private.audit_anchor.chain_id is 'Clinic id, or the nil uuid for the platform chain (as audit_chain_head).';
comment on column app_private.audit_anchor.seq is 'seq of the chain''s last anchored entry.';
comment on column app_private.audit_anchor.hash is 'hash of that entry when it was anchored.';
comment on column app_private.audit_anchor.anchored_at is 'When it was copied out.';
alter table app_private.audit_anchor enable row level security;
alter table app_private.audit_anchor force row level security;
create policy owner_only on app_private.audit_anchor to :DATABASE_OWNER using (true);

-- verify_audit_chain's recomputation, without its permission check: the worker's and the command
-- line's (superuser) verification run it for every chain.
create function app_private.audit_chain_status_of(chain_clinic_id uuid) returns app_public.audit_chain_status
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_genesis constant text := repeat('0', 64);
  v_result app_public.audit_chain_status;
  v_head_seq bigint;
  v_head_hash text;
  v_last_seq bigint;
  v_last_hash text;
begin
  select h.seq, h.hash into v_head_seq, v_head_hash from app_private.audit_chain_head h
  where h.chain_id = coalesce(chain_clinic_id, '00000000-0000-0000-0000-000000000000'::uuid);

  with chain as (
    select a.seq, a.hash, a.prev_hash,
      lag(a.hash, 1, v_genesis) over w as expected_prev,
      lag(a.seq, 1, 0::bigint) over w as previous_seq,
      app_private.audit_hash(a.prev_hash, a.seq, a.clinic_id, a.occurred_at, a.actor_user_id, a.action,
        a.table_name, a.record_id, a.old_values, a.new_values, a.detail) as recomputed
    from app_public.audit_log a
    where a.clinic_id is not distinct from chain_clinic_id
    window w as (order by a.seq)
  )
  select count(*),
    min(seq) filter (where hash <> recomputed or prev_hash <> expected_prev or seq <> previous_seq + 1),
    max(seq), (array_agg(hash order by seq desc))[1]
  into v_result.entries, v_result.first_broken_seq, v_last_seq, v_last_hash
  from chain;

  -- Entries removed from (or added to) the end show against the chain's head.
  if v_result.first_broken_seq is null
     and (coalesce(v_last_seq, 0) <> coalesce(v_head_seq, 0)
          or coalesce(v_last_hash, v_genesis) <> coalesce(v_head_hash, v_genesis)) then
    v_result.first_broken_seq := coalesce(v_last_seq, 0) + 1;
  end if;
  v_result.is_valid := v_result.first_broken_seq is null;
  return v_result;
end;
$$;
comment on function app_private.audit_chain_status_of(uuid) is 'Recomputes one audit chain (a clinic''s, or null for the platform''s) and reports the first entry changed, removed or inserted behind the database''s back. No permission check: verify_audit_chain checks who asks.';

create or replace function app_public.verify_audit_chain(clinic_id uuid default null) returns app_public.audit_chain_status
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := coalesce(verify_audit_chain.clinic_id, app_public.current_clinic_id());
begin
  if not (app_public.current_user_is_platform_admin()
          or (v_clinic = app_public.current_clinic_id() and app_hidden.current_role_in('owner', 'admin'))) then
    raise exception 'Only an owner or admin of the clinic may verify its audit chain.' using errcode = 'CFORB';
  end if;
  return app_private.audit_chain_status_of(v_clinic);
end;
$$;
comment on function app_public.verify_audit_chain(uuid) is 'Recomputes the audit chain of a clinic (default: the current one) and reports the first entry that was changed, removed or inserted behind the database''s back. A chain rewritten whole, every hash recomputed, passes this check; `npm run audit:verify` also compares it with the heads copied out of the database every hour. Owners and admins of the clinic, and platform admins.';

create function app_private.audit_heads_to_anchor() returns setof app_private.audit_chain_head
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select h.* from app_private.audit_chain_head h
  where h.seq > 0
    and not exists (select 1 from app_private.audit_anchor a where a.chain_id = h.chain_id and a.seq = h.seq)
  order by h.chain_id;
$$;
comment on function app_private.audit_heads_to_anchor() is 'The head of every audit chain that moved since it was last anchored (all of them the first time).';

create function app_private.mark_audit_anchored(heads jsonb) returns void
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  insert into app_private.audit_anchor as anchored (chain_id, seq, hash)
  select x.chain, x.seq, x.hash from jsonb_to_recordset(heads) as x(chain uuid, seq bigint, hash text)
  on conflict (chain_id) do update set seq = excluded.seq, hash = excluded.hash, anchored_at = now()
  where anchored.seq < excluded.seq;
$$;
comment on function app_private.mark_audit_anchored(jsonb) is 'Records heads ([{chain, seq, hash}]) as anchored, once they are safely outside the database.';

create function app_private.audit_anchor_mismatches(anchors jsonb)
returns table (chain_id uuid, seq bigint, anchored_hash text, hash text)
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select x.chain, x.seq, x.hash, a.hash
  from jsonb_to_recordset(anchors) as x(chain uuid, seq bigint, hash text)
  left join app_public.audit_log a
    on coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = x.chain and a.seq = x.seq
  where a.hash is distinct from x.hash;
$$;
comment on function app_private.audit_anchor_mismatches(jsonb) is 'Of the anchors given ([{chain, seq, hash}]), those whose entry is gone or has another hash now (hash null when gone).';
