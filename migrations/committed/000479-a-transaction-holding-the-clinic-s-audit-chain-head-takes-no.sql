--! Previous: sha1:e1ba44c7ed2dbc29d3c3f067f1574d5523950709
--! Hash: sha1:a6cd3fbda9fb956cfb3d96414914251c0395a7e2
--! Message: A transaction holding the clinic's audit chain head takes no setting's shared lock, from a savepoint too; a change of the currency reads what it is refused for after its audit entry

-- A transaction holding the clinic's audit chain head from a savepoint holds it, as one that wrote it itself
--
-- 000477 let a code asked for by a transaction that had written the clinic's audit chain take no setting lock, read from
-- the head's xmin being the transaction's own id. A write made in a savepoint bears the savepoint's id, not the
-- transaction's: an operator's statements each in a savepoint of their own (psql's ON_ERROR_ROLLBACK, an import that
-- skips the rows it cannot take) held the head after a correction, or after their first imported patient, and the next
-- code still took the currency and code prefixes locks that an owner's change of the prefixes held while it waited for
-- the head: PostgreSQL ended one of them as a deadlock, as before 000477. A savepoint's write held the head until its
-- transaction ends, released or still open (one rolled back holds nothing, and its write is no longer the row):
-- holds_audit_chain_head reads such a head as held, and next_code asks it (through lock_clinic_setting, below).
create or replace function app_private.holds_audit_chain_head(chain_id uuid) returns boolean
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_own bigint := pg_current_xact_id()::text::bigint;
  v_writer xid;
  v_after bigint;
begin
  select h.xmin into v_writer from app_private.audit_chain_head h where h.chain_id = holds_audit_chain_head.chain_id;
  if not found then
    return false;
  end if;
  -- how far the head's writer came after this transaction's own id, modulo 2^32 (as the ids wrap): 0, the transaction
  -- itself; a savepoint of it after, its id given after the transaction's; half the ids round before, another's
  v_after := (v_writer::text::bigint - v_own % 4294967296 + 4294967296) % 4294967296;
  if v_after = 0 then
    return true;
  elsif v_after >= 2147483648 then
    return false;
  end if;
  -- a savepoint of this transaction, released or still open, is in progress until the transaction ends; another's write
  -- is the row only once committed. A head no one has written for some two billion transactions keeps its writer's id,
  -- which may read as one not given yet (no one's)
  begin
    return pg_xact_status((v_own + v_after)::text::xid8) is not distinct from 'in progress';
  exception when invalid_parameter_value then
    return false;
  end;
end;
$$;
revoke all on function app_private.holds_audit_chain_head(uuid) from public;
comment on function app_private.holds_audit_chain_head(chain_id uuid) is 'Whether this transaction holds the head of the audit chain (a clinic id) until it ends: it wrote it, itself or in a savepoint not rolled back (released or still open), so that a writer of the chain, a change of the clinic''s settings among them, commits after it. Read by lock_clinic_setting, which then takes no shared lock (next_code''s, a new invoice''s, an amount''s, a close''s).';

-- A transaction holding the clinic's audit chain head takes no setting's shared lock; a change of the currency reads what it is refused for after its audit entry
--
-- A change of the currency, the code prefixes or the time zone takes the clinic's setting lock exclusively before its
-- row is written, and then the head of the clinic's audit chain for its audit entry; a new invoice (_050_currency_turn),
-- an amount checked in the clinic's currency (check_in_clinic_currency: a price, a discount, a count) and a close of a
-- day (the time zone) took the lock shared, whatever the transaction held. An operator's transaction that corrected a
-- patient (the head held until it ends) and then made an invoice waited for the currency that an owner's change of the
-- prefixes or the currency held, while the change waited for the head: PostgreSQL ended one of them as a deadlock.
-- Such a transaction commits before any change of the clinic's settings, which cannot write its audit entry before
-- then: lock_clinic_setting now takes no shared lock for it (holds_audit_chain_head), as next_code took none since
-- 000477, and what a change reads of the rows written under the old setting is read after its own audit entry, holding
-- the head, when those rows have committed: the prefixes' codes (tg_clinic__code_prefixes_unused, 000477), the closed
-- days of a time zone (tg_clinic__no_closed_day_ahead), and now the currency's invoices, services on visits, counted days
-- and prices (tg_clinic__currency_kept, an AFTER trigger after _500_audit; the lock taken before the row is written by
-- tg_clinic__currency_turn, before the code prefixes', in the order of 000475).
create or replace function app_private.lock_clinic_setting(clinic_id uuid, setting text, exclusive boolean) returns void
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  if exclusive then
    perform pg_advisory_xact_lock(hashtextextended(setting || ':' || lock_clinic_setting.clinic_id, 0));
  -- a transaction holding the clinic's audit chain head comes before any change of the setting, which writes its audit
  -- entry before it commits and reads what was written under the old setting after it: waiting here for a change that
  -- waits for the head was a deadlock
  elsif not app_private.holds_audit_chain_head(lock_clinic_setting.clinic_id) then
    perform pg_advisory_xact_lock_shared(hashtextextended(setting || ':' || lock_clinic_setting.clinic_id, 0));
  end if;
end;
$$;
revoke all on function app_private.lock_clinic_setting(uuid, text, boolean) from public;
comment on function app_private.lock_clinic_setting(clinic_id uuid, setting text, exclusive boolean) is 'Locks a setting of a clinic until the end of the transaction: exclusive for a change of it, shared for what must see it unchanged (the currency for a new invoice, the time zone for a close of a day). Take it before any audited write of the transaction: a change of the setting waits for it holding the clinic''s audit chain head. A transaction that holds that head already (holds_audit_chain_head) takes no shared lock: a change commits after it, and reads what it wrote under the old setting after the change''s own audit entry (tg_clinic__code_prefixes_unused, tg_clinic__currency_kept, tg_clinic__no_closed_day_ahead).';

create or replace function app_private.next_code(clinic_id uuid, prefix text) returns text
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_display text;
  v_value bigint;
begin
  -- the currency before the code prefixes, as every change of the prefixes takes them (tg_clinic__code_prefixes_distinct):
  -- what holds the code prefixes holds the currency too, and a change of both cannot hold one while it waits for the other.
  -- Neither for a transaction holding the clinic's audit chain head (lock_clinic_setting): a change of the prefixes
  -- commits after it, and reads this code after its own audit entry (tg_clinic__code_prefixes_unused)
  perform app_private.lock_clinic_setting(next_code.clinic_id, 'currency', false);
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
comment on function app_private.next_code(clinic_id uuid, prefix text) is 'Allocates the next code (PAT-000001, ...) for a clinic and prefix: unique and gap-free under concurrency, honouring the clinic''s prefix overrides, read under the clinic''s code prefixes lock (lock_clinic_setting, shared: a change of the prefixes under way finishes first, and one that comes after sees this code), taken after the currency''s (shared), the order a change of the prefixes takes them in. A transaction that holds the clinic''s audit chain head (holds_audit_chain_head: it wrote it, itself or in a savepoint not rolled back) takes neither: a change of the prefixes commits after it, and reads its codes after its own audit entry (tg_clinic__code_prefixes_unused). Without a live session: UNAUTHENTICATED (CAUTH); a session in no clinic: FORBIDDEN (CFORB), telling it to log in to one.';

create or replace function app_private.tg_clinic__currency_turn() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
begin
  -- what is being written in the currency (new invoices, check_in_clinic_currency) finishes first, and what comes after
  -- waits for this change: before the row's audit entry locks its chain
  perform app_private.lock_clinic_setting(new.id, 'currency', true);
  return new;
end;
$$;
revoke all on function app_private.tg_clinic__currency_turn() from public;
comment on function app_private.tg_clinic__currency_turn() is 'Trigger: a change of the clinic''s currency takes its turn with what is being written in it (lock_clinic_setting, exclusive: new invoices and check_in_clinic_currency take it shared) before anything of the row is written; tg_clinic__currency_kept reads what it is refused for after the row''s audit entry.';

create or replace function app_private.tg_clinic__currency_kept() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'on'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_code text;
  v_id uuid;
  v_price numeric;
  v_deleted boolean;
begin
  -- read after the row's audit entry, holding the head of the clinic's audit chain, and after tg_clinic__currency_turn's
  -- lock: an invoice, a visit's service or a count made meanwhile has committed (the manager who changes it sees them
  -- all), a transaction that held the head and wrote them without waiting for the lock (lock_clinic_setting) included
  if exists (select from app_public.invoice i where i.clinic_id = new.id) then
    raise exception 'The currency cannot change once the clinic has invoices: its totals would add % to %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  if exists (select from app_public.visit_service s where s.clinic_id = new.id) then
    raise exception 'The currency cannot change once the clinic has charged for visits: their values in % would read as %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  if exists (select from app_public.daily_reconciliation d where d.clinic_id = new.id and d.counted_total is not null) then
    raise exception 'The currency cannot change once the clinic has counted its cash: its counts in % would read as %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  -- deleted services too: a restore brings a service back with its price; the first by code in number order (000385)
  select s.code, s.id, s.price, s.deleted_at is not null into v_code, v_id, v_price, v_deleted from app_public.service s
  where s.clinic_id = new.id and s.price <> round(s.price, app_public.currency_decimals(new.currency))
  order by s.deleted_at is not null, s.code collate app_hidden.digits_as_numbers limit 1;
  if found then
    raise exception 'The price of % (%) has more decimals than % has (%): change it first%.', v_code, trim_scale(v_price), new.currency,
      app_public.currency_decimals(new.currency), case when v_deleted then ' (a deleted service: restore it, change its price, delete it again)' else '' end
      using errcode = 'CINVL', detail = json_build_object('serviceId', v_id)::text;
  end if;
  return null;
end;
$$;
revoke all on function app_private.tg_clinic__currency_kept() from public;
comment on function app_private.tg_clinic__currency_kept() is 'Trigger: refuses a change of currency once the clinic has invoices, services on visits or a counted day, or to a currency its catalog''s prices (deleted services'' too: a restore brings them back) have too many decimals for (INVALID_INPUT, naming the service, the first in number order of their codes, live ones before deleted ones, its id in the error''s DETAIL, extensions.serviceId); read after the row''s audit entry, holding the clinic''s audit chain head, and after tg_clinic__currency_turn''s lock, so that what was being written in the currency, by a transaction that held the head too, has committed and is seen.';
drop trigger if exists _160_currency_kept on app_public.clinic;
drop trigger if exists _160_currency_turn on app_public.clinic;
create trigger _160_currency_turn before update of currency on app_public.clinic for each row
  when (new.currency is distinct from old.currency)
  execute function app_private.tg_clinic__currency_turn();
comment on trigger _160_currency_turn on app_public.clinic is 'A change of the currency and what is being written in it take turns (tg_clinic__currency_turn).';
drop trigger if exists _600_currency_kept on app_public.clinic;
create trigger _600_currency_kept after update of currency on app_public.clinic for each row
  when (new.currency is distinct from old.currency)
  execute function app_private.tg_clinic__currency_kept();
comment on trigger _600_currency_kept on app_public.clinic is 'A change of the currency refused once amounts are kept in it, read after the row''s audit entry (tg_clinic__currency_kept).';
comment on function app_private.check_in_clinic_currency(clinic_id uuid, what text, variadic amounts numeric[]) is 'INVALID_INPUT "<what> has no more decimals than the clinic''s currency" unless every amount fits the clinic''s currency, read under the currency''s lock (shared: a change of it under way finishes first, and one that comes after sees this amount written). Take it before any audited write of the transaction (lock_clinic_setting); a transaction holding the clinic''s audit chain head takes none, and a change of the currency, committing after it, sees the amount (tg_clinic__currency_kept).';
comment on function app_private.tg_invoice__currency_turn() is 'Trigger: a new invoice waits for a change of its clinic''s currency in flight (and holds one off), before anything else about it is decided; one made by a transaction holding the clinic''s audit chain head does not wait (lock_clinic_setting), and the change, committing after it, sees it and is refused (tg_clinic__currency_kept).';
