--! Previous: sha1:12d70c65e8252de91f91a5ba1cc612d0bffd54cc
--! Hash: sha1:172b03548c74c7786af8d9dff7de9e7101cfe403
--! Message: The kinds of code, and the prefix each is given, named once

-- Enter migration here

-- The kinds of code, and the prefix each is given, named once
--
-- The six kinds of code (PAT, SRV, VIS, INV, PAY, REF) were listed in code_prefixes_are_valid and in each of the two
-- triggers of a change of the prefixes (tg_clinic__code_prefixes_distinct, and tg_clinic__code_prefixes_unused since
-- 000477), the prefix a kind is given (its override, else itself) worked out in each trigger again: code_kinds and
-- code_prefixes_in_full name them once.
create or replace function app_hidden.code_kinds() returns text[]
    language sql immutable parallel safe
    as $$
  select array['PAT', 'SRV', 'VIS', 'INV', 'PAY', 'REF'];
$$;
revoke all on function app_hidden.code_kinds() from public;
grant all on function app_hidden.code_kinds() to :DATABASE_VISITOR;
comment on function app_hidden.code_kinds() is 'The kinds of code a clinic numbers its rows with (patients, services, visits, invoices, payments, refunds), each its own default prefix, which a clinic''s code_prefixes may replace.';

create or replace function app_hidden.code_prefixes_in_full(prefixes jsonb) returns table (kind text, prefix text)
    language sql immutable parallel safe
    as $$
  select k, coalesce(code_prefixes_in_full.prefixes ->> k, k) from unnest(app_hidden.code_kinds()) k;
$$;
revoke all on function app_hidden.code_prefixes_in_full(jsonb) from public;
comment on function app_hidden.code_prefixes_in_full(prefixes jsonb) is 'Each kind of code (code_kinds) with the prefix a clinic''s code_prefixes give it: its override, else the kind itself.';

create or replace function app_hidden.code_prefixes_are_valid(prefixes jsonb) returns boolean
    language sql immutable
    as $_$
  select jsonb_typeof(prefixes) = 'object'
    and not exists (
      select 1 from jsonb_each(prefixes) p
      where p.key <> all (app_hidden.code_kinds())
         or jsonb_typeof(p.value) <> 'string'
         or p.value #>> '{}' !~ '^[A-Za-z0-9]{1,8}$');
$_$;
revoke all on function app_hidden.code_prefixes_are_valid(jsonb) from public;
grant all on function app_hidden.code_prefixes_are_valid(jsonb) to :DATABASE_VISITOR;
comment on function app_hidden.code_prefixes_are_valid(prefixes jsonb) is 'Whether a clinic''s code prefix overrides name known prefixes (code_kinds: PAT, SRV, VIS, INV, PAY, REF) and replace each with 1 to 8 letters or digits.';

create or replace function app_private.tg_clinic__code_prefixes_distinct() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
begin
  if tg_op = 'UPDATE' and new.code_prefixes is not distinct from old.code_prefixes
     or not app_hidden.code_prefixes_are_valid(new.code_prefixes) then
    return new; -- unchanged, or told what a prefix is by code_prefixes_are_valid ("%" was told it was on codes of another kind)
  end if;
  -- each kind keeps a prefix of its own: {"PAT": "PT", "INV": "PT"} numbered patients and invoices alike
  if (select count(distinct upper(p.prefix)) < count(*) from app_hidden.code_prefixes_in_full(new.code_prefixes) p) then
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
comment on function app_private.tg_clinic__code_prefixes_distinct() is 'Trigger: every kind of code keeps a prefix no other kind has, its own default included (code_prefixes_in_full; INVALID_INPUT); when the prefixes change, takes the clinic''s currency lock and then its code prefixes lock (lock_clinic_setting, exclusive: the order next_code and a new invoice take them in, shared), so that the codes being given are committed before tg_clinic__code_prefixes_unused reads them and those asked for meanwhile wait and take the new prefixes.';

create or replace function app_private.tg_clinic__code_prefixes_unused() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_kind text;
  v_prefix text;
  v_others text[];
begin
  -- after the row's audit entry, holding the head of the clinic's audit chain: a transaction that had written it, and
  -- gave codes without waiting for this change's locks (next_code), has committed them
  for v_kind, v_prefix in
    select n.kind, n.prefix from app_hidden.code_prefixes_in_full(new.code_prefixes) n
      join app_hidden.code_prefixes_in_full(old.code_prefixes) o using (kind)
    where upper(n.prefix) <> upper(o.prefix)
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
comment on function app_private.tg_clinic__code_prefixes_unused() is 'Trigger: a kind''s new code prefix (code_prefixes_in_full) is not one another kind has had codes under, a deleted row''s included (INVALID_INPUT); read after the row''s audit entry, holding the clinic''s audit chain head, so that the codes given by a transaction that held it (next_code, which then takes no setting lock) are committed and seen, and after tg_clinic__code_prefixes_distinct''s locks, so that those being given under them are too.';
