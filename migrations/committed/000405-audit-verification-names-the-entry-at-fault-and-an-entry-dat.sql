--! Previous: sha1:39974a273d65f6a4b6f460d3010ea62e45ef7eab
--! Hash: sha1:ec09ee793aae4a3dcd90c079257ceae7893b09e7
--! Message: Audit verification names the entry at fault, and an entry dated out of the hash's range breaks its chain

-- Audit verification names the entry at fault, and an entry dated out of the hash's range breaks its chain
--
-- An entry's hash covers its time as epoch microseconds, a bigint (`audit_hash`). An entry whose `occurred_at` a
-- superuser set, behind the database's back, to `infinity`, `-infinity` or past 10 January 294247 has no such
-- number: recomputing its chain failed with "cannot convert infinity to bigint" (or "bigint out of range"), so
-- `verify_audit_chain` answered an error to the clinic's owner, not that its chain is broken, and `npm run
-- audit:verify` stopped at it, naming no chain or entry and checking no other chain or anchor after it. No entry is
-- ever written so (`_100_dated_when_written` dates each between its transaction's start and now), so such a date is a
-- change made behind the database's back: the chain is now broken at that entry, and the other chains are verified
-- as before. `audit_hash` is unchanged (every entry's hash is what it always was).
--
-- A chain whose entries all follow one another is compared at its end with its head, and the entry after its last one
-- was named broken whatever differed: an entry added past the head (seq 11 where the head says 10) was told as entry
-- 12, which does not exist, and the last entry changed with its own hash recomputed (the head left as it was) as the
-- entry after it. Now the entry named is the first one the head does not vouch for: the entry at the head's seq when
-- its hash is not the head's, else the first entry past the head (added) or past the last one (removed), as
-- `first_broken_seq` says ("the first entry that does not verify").
create or replace function app_private.audit_chain_status_of(chain_clinic_id uuid) returns app_public.audit_chain_status
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_genesis constant text := repeat('0', 64);
  v_chain constant uuid := coalesce(chain_clinic_id, '00000000-0000-0000-0000-000000000000'::uuid);
  v_result app_public.audit_chain_status;
  v_head_seq bigint;
  v_head_hash text;
  v_last_seq bigint;
  v_hash_at_head text;
begin
  select h.seq, h.hash into v_head_seq, v_head_hash from app_private.audit_chain_head h where h.chain_id = v_chain;

  -- `coalesce(clinic_id, nil)` as audit_log_chain_seq indexes it: the chain's entries in seq order; an entry whose time
  -- is no bigint of microseconds (infinity, past 10 January 294247) has no hash to recompute: never written so, it is broken
  with chain as (
    select a.seq, a.hash, a.prev_hash,
      lag(a.hash, 1, v_genesis) over w as expected_prev,
      lag(a.seq, 1, 0::bigint) over w as previous_seq,
      case when extract(epoch from a.occurred_at) * 1000000 between -9223372036854775808 and 9223372036854775807 then
        app_private.audit_hash(a.prev_hash, a.seq, a.clinic_id, a.occurred_at, a.actor_user_id, a.action,
          a.table_name, a.record_id, a.old_values, a.new_values, a.detail)
      end as recomputed
    from app_public.audit_log a
    where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = v_chain
    window w as (order by a.seq)
  )
  select count(*),
    min(seq) filter (where hash is distinct from recomputed or prev_hash <> expected_prev or seq <> previous_seq + 1),
    max(seq)
  into v_result.entries, v_result.first_broken_seq, v_last_seq
  from chain;
  select a.hash into v_hash_at_head from app_public.audit_log a
  where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = v_chain and a.seq = v_head_seq;

  -- Entries removed from (or added to) the end show against the chain's head: the first entry it does not vouch for is
  -- the one at its seq changed (its hash recomputed), else the first added past it, or the first removed
  if v_result.first_broken_seq is null then
    if coalesce(v_head_seq, 0) > 0 and v_head_seq <= coalesce(v_last_seq, 0) and v_hash_at_head is distinct from v_head_hash then
      v_result.first_broken_seq := v_head_seq;
    elsif coalesce(v_last_seq, 0) <> coalesce(v_head_seq, 0) then
      v_result.first_broken_seq := least(coalesce(v_last_seq, 0), coalesce(v_head_seq, 0)) + 1;
    end if;
  end if;
  v_result.is_valid := v_result.first_broken_seq is null;
  return v_result;
end;
$$;
revoke all on function app_private.audit_chain_status_of(uuid) from public;
comment on function app_private.audit_chain_status_of(uuid) is 'Recomputes one audit chain (a clinic''s, or null for the platform''s) and reports the first entry changed, removed or inserted behind the database''s back (one dated out of the hash''s range, infinity say, among them; at its end, the first entry its head does not vouch for: 000405). No permission check: verify_audit_chain checks who asks.';
