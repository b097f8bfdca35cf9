--! Previous: sha1:d0f8813c0174e343cc19e841dde533c4b6760d06
--! Hash: sha1:818e548acc35e5dd36d9349622ef3ceb0042ad20
--! Message: Re-read: one currency lock, kinds listed once

-- Re-read of today's change: the currency lock's key, written in two triggers, is one function
-- beside lock_business_day; the kinds of code are listed once in the prefix trigger.
create or replace function app_private.lock_clinic_currency(clinic_id uuid, exclusive boolean) returns void
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
begin
  if exclusive then
    perform pg_advisory_xact_lock(hashtextextended('currency:' || lock_clinic_currency.clinic_id, 0));
  else
    perform pg_advisory_xact_lock_shared(hashtextextended('currency:' || lock_clinic_currency.clinic_id, 0));
  end if;
end;
$$;
comment on function app_private.lock_clinic_currency(uuid, boolean) is 'Locks a clinic''s currency until the end of the transaction: shared for a new invoice, exclusive for a change of the currency (tg_invoice__currency_turn, tg_clinic__currency_kept).';
revoke all on function app_private.lock_clinic_currency(uuid, boolean) from public;

create or replace function app_private.tg_invoice__currency_turn() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- shared with other new invoices; a change of the clinic's currency takes it alone (tg_clinic__currency_kept)
  perform app_private.lock_clinic_currency(new.clinic_id, false);
  return new;
end;
$$;

create or replace function app_private.tg_clinic__currency_kept() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if not app_public.is_valid_currency(new.currency) then
    return new; -- told so by clinic_currency_check ("Unknown currency"), not that it would be added to the old one
  end if;
  perform app_private.lock_clinic_currency(new.id, true);
  -- read after the lock: an invoice made meanwhile has committed (the manager who changes it sees invoices)
  if exists (select from app_public.invoice i where i.clinic_id = new.id) then
    raise exception 'The currency cannot change once the clinic has invoices: its totals would add % to %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;

create or replace function app_private.tg_clinic__code_prefixes_distinct() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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
