--! Previous: sha1:c83efc33d1f0038cee6ac07e3550ac269085f5db
--! Hash: sha1:7a9439074ab7110dd1192d549832baf2bb859af2
--! Message: A code asked for by a transaction that has written the clinic's audit chain takes no setting lock; the prefixes' check of codes given reads them after the change's audit entry

-- Enter migration here

-- A code asked for by a transaction that has written to the clinic's audit chain takes no setting lock: no deadlock
--
-- A change of the code prefixes takes the clinic's currency and code prefixes locks exclusively before its row is
-- written, and then the head of the clinic's audit chain for its audit entry; next_code took the same locks shared
-- before reading the prefix (000474, 000475). An operator's transaction that first wrote something audited of the
-- clinic (a patient corrected, say), holding the chain's head until it ends, and then imported a patient waited in
-- next_code for the locks the change held while the change waited for the head it held: PostgreSQL ended one of them
-- as a deadlock. A change of the prefixes cannot commit before a transaction holding the clinic's chain head ends, so
-- such a transaction's code comes before the change whatever the change has locked: next_code takes no setting lock
-- when this transaction has written the head (its row as this transaction left it), and reads the prefix as committed.
-- The change reads the codes given after its own audit entry, holding the head, so that those codes, committed by
-- then, are seen (tg_clinic__code_prefixes_unused, after _500_audit); tg_clinic__code_prefixes_distinct keeps the
-- rest of its checks and takes the locks, in the order of 000475, before the row's audit entry. An import of new clinics
-- and their patients in one transaction so takes no lock per clinic, where each clinic's two (held until it ended, in
-- PostgreSQL's lock table, which the whole server shares) failed it and others' locks with "out of shared memory" past
-- some 6,400 clinics on the default settings.
create or replace function app_private.next_code(clinic_id uuid, prefix text) returns text
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_display text;
  v_value bigint;
begin
  -- a transaction that has written the clinic's audit chain holds its head until it ends, and a change of the prefixes
  -- writes its entry before it commits: this code comes first whatever the change holds, and the change reads it after
  -- its entry (tg_clinic__code_prefixes_unused); waiting here for the setting locks such a change holds, while it waits
  -- for the head, was a deadlock
  if not exists (select from app_private.audit_chain_head h
                 where h.chain_id = next_code.clinic_id and h.xmin = pg_current_xact_id()::xid) then
    -- the currency before the code prefixes, as every change of the prefixes takes them (tg_clinic__code_prefixes_distinct):
    -- what holds the code prefixes holds the currency too, and a change of both cannot hold one while it waits for the other
    perform app_private.lock_clinic_setting(next_code.clinic_id, 'currency', false);
    -- a change of the prefixes under way finishes first (its prefix read below), and one that comes after sees this code
    perform app_private.lock_clinic_setting(next_code.clinic_id, 'code prefixes', false);
  end if;
  select coalesce(c.code_prefixes ->> next_code.prefix, next_code.prefix) into v_display
  from app_public.clinic c
  where c.id = next_code.clinic_id
    and (c.id = app_public.current_clinic_id() or app_hidden.in_system_context());
  if not found then
    if app_public.current_user_id() is null and not app_hidden.in_system_context() then
      raise exception 'You are not logged in, or your session has ended: log in again.' using errcode = 'CAUTH';
    end if;
    if next_code.clinic_id is null and app_public.current_clinic_id() is null then
      raise exception 'Your session is in no clinic: log in to a clinic (or switch to one) to do this.' using errcode = 'CFORB';
    end if;
    raise exception 'Unknown clinic.' using errcode = 'CNOTF';
  end if;
  -- The row lock taken here serialises allocation per clinic and prefix until
  -- commit; a rolled-back transaction gives its number back: no gaps.
  insert into app_private.code_counter as cc (clinic_id, prefix, last_value)
  values (next_code.clinic_id, next_code.prefix, 1)
  on conflict on constraint code_counter_pkey do update set last_value = cc.last_value + 1
  returning cc.last_value into v_value;
  return v_display || '-' || lpad(v_value::text, greatest(6, length(v_value::text)), '0');
end;
$$;
revoke all on function app_private.next_code(uuid, text) from public;
comment on function app_private.next_code(clinic_id uuid, prefix text) is 'Allocates the next code (PAT-000001, ...) for a clinic and prefix: unique and gap-free under concurrency, honouring the clinic''s prefix overrides, read under the clinic''s code prefixes lock (lock_clinic_setting, shared: a change of the prefixes under way finishes first, and one that comes after sees this code), taken after the currency''s (shared), the order a change of the prefixes takes them in. A transaction that has written the clinic''s audit chain (its head) takes neither: a change of the prefixes commits after it, and reads its codes after its own audit entry (tg_clinic__code_prefixes_unused). Without a live session: UNAUTHENTICATED (CAUTH); a session in no clinic: FORBIDDEN (CFORB), telling it to log in to one.';

create or replace function app_private.tg_clinic__code_prefixes_distinct() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_kinds constant text[] := array['PAT', 'SRV', 'VIS', 'INV', 'PAY', 'REF'];
begin
  if tg_op = 'UPDATE' and new.code_prefixes is not distinct from old.code_prefixes
     or not app_hidden.code_prefixes_are_valid(new.code_prefixes) then
    return new; -- unchanged, or told what a prefix is by code_prefixes_are_valid ("%" was told it was on codes of another kind)
  end if;
  -- each kind keeps a prefix of its own: {"PAT": "PT", "INV": "PT"} numbered patients and invoices alike
  if (select count(distinct upper(coalesce(new.code_prefixes ->> k, k)))
      from unnest(v_kinds) k) < cardinality(v_kinds) then
    raise exception 'Code prefixes replace PAT, SRV, VIS, INV, PAY or REF, each with 1 to 8 letters or digits that no other kind of code has.'
      using errcode = 'CINVL';
  end if;
  if tg_op = 'UPDATE' then
    -- the codes being given (next_code, under this lock shared) are committed before they are read (after the row's
    -- audit entry: tg_clinic__code_prefixes_unused), and codes asked for from now on wait for this change and take the
    -- prefixes it leaves: before the row's audit entry, after the currency (taken alone, whether it changes too or in a
    -- later statement of the transaction: next_code and a new invoice hold it shared before the code prefixes)
    perform app_private.lock_clinic_setting(new.id, 'currency', true);
    perform app_private.lock_clinic_setting(new.id, 'code prefixes', true);
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_clinic__code_prefixes_distinct() from public;
comment on function app_private.tg_clinic__code_prefixes_distinct() is 'Trigger: every kind of code keeps a prefix no other kind has, its own default included (INVALID_INPUT); when the prefixes change, takes the clinic''s currency lock and then its code prefixes lock (lock_clinic_setting, exclusive: the order next_code and a new invoice take them in, shared), so that the codes being given are committed before tg_clinic__code_prefixes_unused reads them and those asked for meanwhile wait and take the new prefixes.';

create or replace function app_private.tg_clinic__code_prefixes_unused() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_kinds constant text[] := array['PAT', 'SRV', 'VIS', 'INV', 'PAY', 'REF'];
  v_kind text;
  v_prefix text;
  v_others text[];
begin
  -- after the row's audit entry, holding the head of the clinic's audit chain: a transaction that had written it, and
  -- gave codes without waiting for this change's locks (next_code), has committed them
  for v_kind, v_prefix in
    select k, coalesce(new.code_prefixes ->> k, k) from unnest(v_kinds) k
    where upper(coalesce(new.code_prefixes ->> k, k)) <> upper(coalesce(old.code_prefixes ->> k, k))
  loop
    v_others := array_remove(app_private.kinds_with_codes(new.id, v_prefix), v_kind);
    if cardinality(v_others) > 0 then
      raise exception 'The prefix % is already on codes of another kind (%): choose one that no other kind of code has had.', v_prefix, array_to_string(v_others, ', ')
        using errcode = 'CINVL';
    end if;
  end loop;
  return null;
end;
$$;
revoke all on function app_private.tg_clinic__code_prefixes_unused() from public;
comment on function app_private.tg_clinic__code_prefixes_unused() is 'Trigger: a kind''s new code prefix is not one another kind has had codes under, a deleted row''s included (INVALID_INPUT); read after the row''s audit entry, holding the clinic''s audit chain head, so that the codes given by a transaction that held it (next_code, which then takes no setting lock) are committed and seen, and after tg_clinic__code_prefixes_distinct''s locks, so that those being given under them are too.';
drop trigger if exists _600_code_prefixes_unused on app_public.clinic;
create trigger _600_code_prefixes_unused after update of code_prefixes on app_public.clinic for each row
  when (old.code_prefixes is distinct from new.code_prefixes)
  execute function app_private.tg_clinic__code_prefixes_unused();
comment on trigger _600_code_prefixes_unused on app_public.clinic is 'A kind''s new code prefix is not on codes of another kind, read after the row''s audit entry (tg_clinic__code_prefixes_unused).';
