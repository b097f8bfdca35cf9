--! Previous: sha1:54a03a487a541ba228cb6a96354c8aabb1b0da57
--! Hash: sha1:e84593dddcf4e2bd6349de27a79df44efca56051
--! Message: every line of one transaction is charged the price in force at its time

-- Every line an import adds is charged the price in force at its transaction's time, whatever it holds
--
-- A line added is charged the price the history gives at its created_at, the transaction's time, but a transaction that
-- held the clinic's audit chain head read the catalog's, which may be its own change's, opened a microsecond after its
-- time: in one transaction (an operator's psql import) begun before a price change that committed meanwhile, the first
-- line (holding no head yet) was charged the history's price and the lines after it, once its audit entry held the
-- head, the catalog's new one, and the first line's quantity raised was refused naming both. Every line now takes the
-- price in force at its transaction's time (line_price): the history's, or the catalog's when the transaction set that
-- price itself after that time (written_by_this_transaction: itself or in a savepoint not rolled back); a quantity
-- raised compares the line's price with the same.

create or replace function app_private.written_by_this_transaction(row_xmin xid) returns boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  -- a row version the transaction sees whose writer is still in progress is its own (another's uncommitted row is not
  -- seen). Its 32-bit xmin is made a full transaction id from this transaction's own, within 2^31 of it as every
  -- unfrozen xmin is; a frozen row's (2) is no writer in progress
  select case when row_xmin::text::bigint > 2 then
    pg_xact_status((t.id - ((t.id % 4294967296) - row_xmin::text::bigint + 6442450944) % 4294967296 + 2147483648)::text::xid8) = 'in progress'
  end
  from (select pg_current_xact_id_if_assigned()::text::bigint as id) t;
$$;
revoke all on function app_private.written_by_this_transaction(xid) from public;
comment on function app_private.written_by_this_transaction(xid) is 'Whether the row version of this xmin, one the transaction sees, was written by the transaction itself or in a savepoint of it not rolled back (pg_xact_status: in progress); false or null for any other, null for a transaction that has written nothing. Read by line_price.';

create or replace function app_private.line_price(service app_public.service) returns numeric
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  -- the catalog's price when this transaction set it after its own time (a second change of it, or one after a change
  -- committed since the transaction began: either opens a microsecond after the price before it), the history
  -- giving then the price before; else the history's at the transaction's time (the catalog's when it has none)
  select case when exists (
      select from app_public.service_price p
      where p.clinic_id = line_price.service.clinic_id and p.service_id = line_price.service.id and p.effective_to is null
        and p.effective_from > now() and app_private.written_by_this_transaction(p.xmin))
    then line_price.service.price
    else coalesce(app_public.service_price_at(line_price.service, now()), line_price.service.price) end;
$$;
revoke all on function app_private.line_price(app_public.service) from public;
comment on function app_private.line_price(app_public.service) is 'The price a line of the service added in this transaction is charged, and at which its quantity is raised: the price in force at the transaction''s time (service_price_at, now; the catalog''s when the history has none), or the catalog''s when the transaction set it itself after that time (a second change of it, or one after a change committed since the transaction began: written_by_this_transaction). Read by tg_visit_service__snapshot.';

create or replace function app_private.tg_visit_service__snapshot() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_line app_public.visit_service := case when tg_op = 'DELETE' then old else new end;
  v_status app_public.visit_status;
  v_price numeric;
  v_currency text;
  v_active boolean; -- a new line's service is active and not deleted
  v_made app_public.visit_service; -- the line of this one's id or idempotency key, on its visit
  v_turn boolean; -- the line waits for a change of its service in flight (it holds no audit chain head of the clinic)
begin
  -- The lock reads only visits the session may also update; one it may not lock is looked for
  -- again, through the select policy alone: none seen at all is NOT_FOUND. Held until commit, it
  -- makes a line and a change of its visit take turns, and (not shared) two lines of one visit:
  -- each gets its place after the other's (tg_visit_service__position).
  select v.status into v_status from app_public.visit v
  where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id
  for no key update;
  if not found and not exists (select from app_public.visit v where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id) then
    raise exception 'No such visit in your clinic.' using errcode = 'CNOTF';
  end if;
  -- a line added, or its quantity raised, holds its service for share before reading its price (below, in a statement
  -- of its own, so read as committed once held): a change of the price, a deletion or a deactivation in flight (its row
  -- held until it commits) is waited for and read, where the line read the price it replaced and then waited for that
  -- change's audit chain head, added at the old price, or raised at it, after the new one had committed. A transaction
  -- holding the clinic's audit chain head already (an operator's import) takes no lock: a change in flight waits for
  -- that head, commits after this line and follows it, as the line read it (it would wait for this lock holding its row)
  if tg_op = 'INSERT' or (tg_op = 'UPDATE' and new.quantity > old.quantity) then
    v_turn := not app_private.holds_audit_chain_head(v_line.clinic_id);
    if v_turn then
      perform from app_public.service s where s.clinic_id = v_line.clinic_id and s.id = v_line.service_id for share;
    end if;
  end if;
  if tg_op = 'INSERT' then
    -- the price in force when the line is made (its created_at, the transaction's time), as the history gives it
    -- (line_price): a change waited for above, or committed before a transaction holding the head took it, whose
    -- transaction began after this one's opened its price after that time (the line is charged the price it replaced,
    -- the history then agreeing), where the catalog's price was the new one
    select app_private.line_price(s) into new.unit_price from app_public.service s
    where s.clinic_id = new.clinic_id and s.id = new.service_id and s.is_active and s.deleted_at is null;
    v_active := found;
    -- a line with the id or idempotency key of a line of its visit, which this insert does not make (ON CONFLICT skips
    -- it, or it fails on the key or id: an import run again once the visit was completed, or its service made
    -- inactive): none of the refusals below, its price the made line's so that the not-null constraint, checked
    -- before ON CONFLICT, does not refuse it. The visit held above, that line keeps its key and id (every write of a
    -- visit's line takes this lock). Read only for a line the refusals below would refuse
    if v_status in ('completed', 'cancelled', 'no_show') or not v_active then
      select * into v_made from app_public.visit_service t
      where t.clinic_id = new.clinic_id and t.visit_id = new.visit_id and (t.id = new.id or t.idempotency_key = new.idempotency_key)
      limit 1;
      if found then
        new.unit_price := v_made.unit_price;
        return new;
      end if;
    end if;
  end if;
  if v_status in ('completed', 'cancelled', 'no_show') then
    raise exception 'The services of a % visit are frozen.', app_hidden.visit_status_words(v_status) using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'INSERT' then
    if not v_active then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  else
    new.unit_price := old.unit_price;
    if (new.visit_id, new.service_id) is distinct from (old.visit_id, old.service_id) then
      raise exception 'Remove the line and add another instead of changing its visit or service.' using errcode = 'CINVL';
    end if;
    -- more of a service is given only while it is in the catalog, and at the price a line of it added now is charged
    -- (line_price): a line of a service deleted or made inactive since, or whose price changed since, keeps what it
    -- was given, lowered or discounted as ever (more of it at today's price is a line of its own)
    if new.quantity > old.quantity then
      select app_private.line_price(s) into v_price from app_public.service s
      where s.clinic_id = new.clinic_id and s.id = new.service_id and s.is_active and s.deleted_at is null;
      if not found then
        raise exception 'That service is no longer in this clinic''s active catalog: a visit is given no more of it than it was (lower the quantity, or add an active service).'
          using errcode = 'CINVL';
      end if;
      if v_price <> old.unit_price then
        select c.currency into v_currency from app_public.clinic c where c.id = new.clinic_id;
        raise exception 'That service''s price has changed since it was added to this visit (% then, % now): more of it is added as a line of its own, at today''s price (add the service again).',
          app_private.money_text(old.unit_price, v_currency), app_private.money_text(v_price, v_currency)
          using errcode = 'CINVL';
      end if;
    end if;
  end if;
  -- what the visit's services come to with this one (the others read under the visit's lock, as the session sees
  -- them: all of a visit it may change), as its invoice's subtotal adds them: at most half the largest amount
  -- (numeric(16,3)), so that its invoice's total holds them with any tax (a rate is at most 0.999999, and one
  -- may change before the visit is invoiced), whatever its lines' rounding; checked for a line added or its quantity
  -- raised alone (its price is kept), so that a visit past it from before (000344 let it reach the largest amount)
  -- is still given a discount or a quantity lowered
  if (tg_op = 'INSERT' or new.quantity > old.quantity) and new.quantity * new.unit_price + (
       select coalesce(sum(s.quantity * s.unit_price), 0) from app_public.visit_service s
       where s.clinic_id = new.clinic_id and s.visit_id = new.visit_id and s.id <> new.id) > 4999999999999.999 then
    raise exception 'A visit''s services come to at most 4999999999999.999 in all (quantity × price, before discounts), so that its invoice holds them with any tax: check this service''s quantity and price.'
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;

comment on function app_private.tg_visit_service__snapshot() IS 'BEFORE INSERT/UPDATE/DELETE: the line''s visit must be one the session sees in its clinic (NOT_FOUND otherwise); copies the catalog price at insert, keeps it afterwards, and freezes the services of finished visits; a line is added, or its quantity raised, only while its service is active and not deleted (INVALID_INPUT; lowered, discounted or taken off whatever became of it); neither refuses an insert of a line with the id or idempotency key of one of its visit''s, which the insert does not make (an import run again, skipped by ON CONFLICT, its price the made line''s), and its quantity raised only while the line''s price is the one in force (INVALID_INPUT naming both: more of it at today''s price is a line of its own); refuses a line added, or a quantity raised, that makes the visit''s services come to more than 4999999999999.999, half what its invoice''s total holds, so that any tax fits (INVALID_INPUT; a visit past it from before is still given a discount or a quantity lowered); locks the visit (FOR NO KEY UPDATE), so a line and a completion of its visit, and two lines of one visit, take turns; a line added or its quantity raised holds its service FOR SHARE before reading its price (unless the transaction holds the clinic''s audit chain head already), so a change of that price, a deletion or a deactivation in flight is waited for and read; a line added is charged, and a quantity raised only at, the price in force at its transaction''s time (line_price), so that a change begun after the line''s transaction, waited for or committed before the transaction wrote in the clinic, does not charge it the new price the history says came after it.';
