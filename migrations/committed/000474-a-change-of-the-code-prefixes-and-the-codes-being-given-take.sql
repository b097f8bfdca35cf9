--! Previous: sha1:c851eb154ccfa8551b3dbbbd529dc529b17fc84b
--! Hash: sha1:8b2afad5116180efd9ab2816f42816cc4bb27502
--! Message: A change of the code prefixes and the codes being given take turns: the change takes the clinic's 'code prefixes' setting exclusively before it reads the codes given, next_code takes it shared before it reads the prefix

-- Enter migration here

-- A change of the code prefixes and the codes being given take turns
--
-- next_code read the clinic's prefix with no lock, and a change of the prefixes read the codes given with none: a
-- patient being registered under PT (PT-000001, not yet committed) was not seen by a change giving PT to visits at the
-- same moment, which was taken, and a patient registered while such a change was under way read the prefix it replaced
-- and was numbered under it after the change committed (PT-000002 once PT had gone to visits), so that PT-… named
-- patients and visits alike, what a change of the prefixes refuses. A change of the prefixes now takes the clinic's
-- 'code prefixes' setting exclusively (lock_clinic_setting) before it reads the codes given, and next_code takes it
-- shared before it reads the prefix: a change waits for the codes being given and sees them, and a code asked for while
-- a change is under way waits for it and takes the prefix it leaves. The lock is taken before any audited write of the
-- row (a BEFORE trigger; next_code from the code's BEFORE trigger), as the currency's and the time zone's are.
create or replace function app_private.next_code(clinic_id uuid, prefix text) returns text
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_display text;
  v_value bigint;
begin
  -- a change of the prefixes under way finishes first (its prefix read below), and one that comes after sees this code
  perform app_private.lock_clinic_setting(next_code.clinic_id, 'code prefixes', false);
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
comment on function app_private.next_code(clinic_id uuid, prefix text) is 'Allocates the next code (PAT-000001, ...) for a clinic and prefix: unique and gap-free under concurrency, honouring the clinic''s prefix overrides, read under the clinic''s code prefixes lock (lock_clinic_setting, shared: a change of the prefixes under way finishes first, and one that comes after sees this code). Without a live session: UNAUTHENTICATED (CAUTH); a session in no clinic: FORBIDDEN (CFORB), telling it to log in to one.';

create or replace function app_private.tg_clinic__code_prefixes_distinct() returns trigger
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
    -- the codes being given (next_code, under this lock shared) are committed before they are read below, and codes
    -- asked for from now on wait for this change and take the prefixes it leaves: before the row's audit entry
    perform app_private.lock_clinic_setting(new.id, 'code prefixes', true);
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
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_clinic__code_prefixes_distinct() from public;
comment on function app_private.tg_clinic__code_prefixes_distinct() is 'Trigger: every kind of code keeps a prefix no other kind has, its own default included, nor has had codes under (INVALID_INPUT); checked when the prefixes change, under the clinic''s code prefixes lock (lock_clinic_setting, exclusive), so that the codes being given are seen and those asked for meanwhile wait and take the new prefixes.';
