--! Previous: sha1:8d0752f54c0a74a63ab462fc720ca4d1b036d14d
--! Hash: sha1:35c37d97845217bfd346fcd2d7455d597adcb1b4
--! Message: an import run again once its days are closed skips the rows it made

-- A payment or refund an import run again does not make is not refused by its closed day, nor by its deleted patient
--
-- An operator's import of a till's payments and refunds, keyed by the old system's numbers as idempotency keys, run
-- again with ON CONFLICT (after a failure halfway, say) once its day was closed (since, or inserted closed by the import
-- itself) failed at its first payment: tg__money_day judged the row ON CONFLICT would skip, the payment already there,
-- as new money of the closed day, and refused it DAY_CLOSED; and tg_payment__invoice_issued refused it once its
-- invoice's patient had been deleted since. Neither refuses now a row with the id or idempotency key of a payment or
-- refund of its clinic: the insert does not make it (it is skipped, or fails on the key's constraint), and that row is
-- held for key share by tg__number_given_back, which runs before, so it keeps its key and id until the insert ends. A
-- new payment or refund of a closed day is still refused DAY_CLOSED, whoever writes it, and an ON CONFLICT DO UPDATE is
-- judged as the update it makes. The row of the key is looked for only where the row would be refused: a payment of an
-- open day, through the API, reads nothing more than before.
create or replace function app_private.tg__money_day() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_at timestamptz := coalesce(v_row ->> 'received_at', v_row ->> 'refunded_at')::timestamptz;
  v_clinic uuid := (v_row ->> 'clinic_id')::uuid;
  v_days date[];
  v_moved boolean := tg_op = 'INSERT'
    or (tg_op = 'UPDATE' and v_at is distinct from coalesce(to_jsonb(old) ->> 'received_at', to_jsonb(old) ->> 'refunded_at')::timestamptz);
  v_closed app_public.daily_reconciliation;
begin
  -- the day the money moved, in the clinic's time zone then; a later change of the zone, or of the
  -- method, leaves it on that day (which a reconciliation may have counted)
  if v_moved then
    new.business_date := app_hidden.business_date(new.clinic_id, v_at);
  elsif tg_op = 'UPDATE' then
    new.business_date := old.business_date;
  end if;
  -- a row saved back as it is (a form that sends every field back, its reference as kept: tg_payment__guard ran
  -- first) changes nothing a day counted, nor anything else: no closed day refuses it, and it waits for no close
  -- (000459: a cashier saving a payment of a day since closed, unchanged, was told the day is closed). Compared as
  -- tg__audit compares, the stamps and the generated columns (null in `new` before the row is written) left out
  if tg_op = 'UPDATE' and app_hidden.changes_nothing_but_stamps(to_jsonb(new), to_jsonb(old), app_hidden.generated_columns(tg_relid)) then
    return new;
  end if;
  v_days := array_remove(array[
    case when tg_op <> 'DELETE' then new.business_date end,
    case when tg_op <> 'INSERT' then old.business_date end], null);
  -- Waits for a close of these days in flight; once we hold the lock, no close starts until we commit.
  perform app_private.lock_business_day(v_clinic, d, false) from unnest(v_days) d;
  -- in one read: a closed day of these days, first, or (money moved or dated) one whose hours, as the zone it
  -- was closed in reads them, hold its time (a zone changes the date of a moment by two days at most): its date
  -- there, not a range from the day's midnight to the next, which reads a midnight that comes twice (summer time
  -- ending at 01:00, the Azores) as its second pass
  select * into v_closed from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.status = 'closed'
    and (d.business_date = any (v_days)
      or (v_moved and d.business_date between new.business_date - 2 and new.business_date + 2
          and (v_at at time zone d.closed_in_time_zone)::date = d.business_date
          -- before the count: money of its hours taken after it (the day closed at its evening's cash-up, then the
          -- zone moved east) was never in the drawer counted, and belongs to the open day it falls on now
          and (d.closed_at is null or v_at < d.closed_at)))
  order by d.business_date = any (v_days) desc
  limit 1;
  -- not a row with the id or idempotency key of one of its table's rows of the clinic, which this insert does not make
  -- (ON CONFLICT skips it, or it fails on the key or id: an import run again once its day was closed); that row is
  -- held for key share by tg__number_given_back, so it keeps them until this insert ends. Read only for a row the day
  -- refuses: a payment of an open day reads nothing more
  if found and tg_op = 'INSERT' and (case tg_table_name
       when 'payment' then exists (select from app_public.payment t
                                   where t.clinic_id = new.clinic_id and (t.id = new.id or t.idempotency_key = new.idempotency_key))
       else exists (select from app_public.refund t
                    where t.clinic_id = new.clinic_id and (t.id = new.id or t.idempotency_key = new.idempotency_key)) end) then
    return new;
  end if;
  -- naming the day, and who reopens it (it said neither)
  if found and v_closed.business_date = any (v_days) then
    raise exception 'The business day % is closed: its payments and refunds can no longer change, unless an owner reopens it.', v_closed.business_date
      using errcode = 'CDAYC';
  elsif found then
    raise exception 'That time is within the business day of % (in %, the time zone it was closed in), which is closed: its payments and refunds can no longer change, unless an owner reopens it.',
      v_closed.business_date, v_closed.closed_in_time_zone using errcode = 'CDAYC';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
revoke all on function app_private.tg__money_day() from public;
comment on function app_private.tg__money_day() IS 'BEFORE INSERT/UPDATE/DELETE on payments and refunds: sets the business day in the clinic''s time zone when the money moves (kept by later updates unless its time is corrected), locks the day against a concurrent close, and refuses any change to a closed day (DAY_CLOSED), and money moved or dated within the hours of a day closed in another time zone, as that zone reads them, before the day was closed (money of those hours taken after its count is the open day''s it falls on). An update that changes nothing (a form saved back as it is: changes_nothing_but_stamps) goes through on any day, and locks none (000459). An insert of a row with the id or idempotency key of a payment or refund of its clinic, which it does not make (ON CONFLICT skips it, or it fails on the key: an import run again once its day was closed), is not refused DAY_CLOSED.';

create or replace function app_private.tg_payment__invoice_issued() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_invoice app_public.invoice;
begin
  select * into v_invoice from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  if v_invoice.status = 'draft' then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  end if;
  if found then
    -- its patient not deleted (the patient read with the deleted ones, as refuse_deleted_patient reads it; no invoice
    -- is deleted); not a payment with the id or idempotency key of one of the clinic's, which this insert does not make
    -- (ON CONFLICT skips it, or it fails on the key or id: an import run again once the patient was deleted), read only
    -- for a deleted patient's invoice
    if (select p.deleted_at is not null from app_public.patient p where p.clinic_id = v_invoice.clinic_id and p.id = v_invoice.patient_id)
       and not exists (select from app_public.payment t
                       where t.clinic_id = new.clinic_id and (t.id = new.id or t.idempotency_key = new.idempotency_key)) then
      perform app_private.refuse_deleted_patient(v_invoice.clinic_id, v_invoice.patient_id);
    end if;
    -- dated as record_payment dates it, whoever writes it (000449); one issued before issued_at was kept: when it was made
    new.received_at := app_private.money_moved_at(new.clinic_id, new.received_at, coalesce(v_invoice.issued_at, v_invoice.created_at), 'payment');
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_payment__invoice_issued() from public;
comment on function app_private.tg_payment__invoice_issued() IS 'BEFORE INSERT on payments, the invoice read once: it is not a draft (INVALID_INPUT, as record_payment tells first; the rule held for a payment written other than by record_payment, an operator''s psql), its patient is not deleted (INVALID_INPUT, refuse_deleted_patient; not for a payment with the id or idempotency key of one of the clinic''s, which the insert does not make: an import run again), and the payment is dated as record_payment dates it (000449): not more than 5 minutes ahead nor more than 5 minutes before the invoice was issued (INVALID_INPUT), and within those minutes received now, or when the invoice was issued.';

-- A line an import run again does not make is not refused by its issued invoice
--
-- An operator's import of invoices and their lines, keyed by the old system's numbers, run again with ON CONFLICT once
-- it had issued the invoices failed at the first line: tg_invoice_line__guard judged the line ON CONFLICT would skip,
-- the one already there, as a new line of an issued invoice (INVALID_TRANSITION "The lines of an issued invoice never
-- change"). A line with the id or idempotency key of a line of its invoice is not refused now: the insert does not make
-- it, and the invoice, held by the guard and not a draft, keeps that line as it is. The columns it leaves empty (a
-- service's line takes its name and price) are the made line's, as a not-null constraint is checked before ON
-- CONFLICT. Read only where the line would be refused: a line of a draft reads nothing more.
create or replace function app_private.tg_invoice_line__guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $_$
declare
  v_line app_public.invoice_line := case when tg_op = 'DELETE' then old else new end;
  v_invoice app_public.invoice;
  v_service_active boolean;
  v_made app_public.invoice_line; -- the line of this one's id or idempotency key, on its issued or void invoice
  -- what the invoice comes to with this line: before its discounts, and with its tax
  v_subtotal numeric;
  v_total numeric;
begin
  -- locked until commit, so a line and the invoice's issue take turns; both reads planned at each
  -- call (execute), as a foreign key's cascade runs this without row-level security (000180)
  execute 'select * from app_public.invoice i where i.clinic_id = $1 and i.id = $2 for update'
    into v_invoice using v_line.clinic_id, v_line.invoice_id;
  if v_invoice.id is null then
    -- none this session may lock: none it sees (NOT_FOUND), or one no longer a draft for a role that
    -- changes drafts only (issued while it waited, for one), read as it is now
    execute 'select * from app_public.invoice i where i.clinic_id = $1 and i.id = $2'
      into v_invoice using v_line.clinic_id, v_line.invoice_id;
    if v_invoice.id is null then
      raise exception 'No such invoice in your clinic.' using errcode = 'CNOTF';
    end if;
  end if;
  -- the visit's service this line bills is being taken off its visit (the foreign keys' set null), or
  -- what it bills of it (its quantity, discount) changed (a new version, the key's cascade); those
  -- read and write past row-level security, as whoever changes visits' services may not see
  -- invoices: a void invoice's line keeps what it billed, its link following the service; a live
  -- invoice still bills the service as it was (the link and nothing else of the line: a change of
  -- more goes through the checks below)
  if tg_op = 'UPDATE'
     and (new.visit_service_id, new.visit_service_version) is distinct from (old.visit_service_id, old.visit_service_version)
     and (new.visit_service_id is null or new.visit_service_id = old.visit_service_id)
     and (new.clinic_id, new.id, new.invoice_id, new.service_id, new.description, new.quantity, new.unit_price, new.discount, new.tax_rate, new.decimals, new.position)
       is not distinct from (old.clinic_id, old.id, old.invoice_id, old.service_id, old.description, old.quantity, old.unit_price, old.discount, old.tax_rate, old.decimals, old.position) then
    if v_invoice.status <> 'void' and not app_hidden.may_invoice() then
      -- the invoice named only to those who may see invoices (a doctor may not)
      raise exception 'An invoice bills this service: whoever handles billing takes it off that invoice, or voids it, first.' using errcode = 'CCONF';
    elsif v_invoice.status = 'draft' then
      raise exception 'This service is billed on draft invoice %: take its line off that invoice first.', v_invoice.code
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
    elsif v_invoice.status = 'issued' then
      raise exception 'This service is billed on invoice %, which is issued: void that invoice first.', v_invoice.code
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
    elsif v_invoice.status <> 'void' then
      raise exception 'This service is billed on invoice %, which is %: refund its payments and void it first.',
        v_invoice.code, replace(v_invoice.status::text, '_', ' ')
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
    end if;
    return new;
  end if;
  -- a line with the id or idempotency key of a line of its invoice, which this insert does not make (ON CONFLICT skips
  -- it, or it fails on the key or id: an import run again once its invoice was issued): no change of the invoice's
  -- lines, none of the checks below (a service deactivated since), its empty columns the made line's so that no
  -- not-null constraint refuses it before ON CONFLICT looks. The invoice held above, which is not a draft, that line
  -- keeps its key and id. Read only for a line its invoice refuses: a line of a draft reads nothing more
  if tg_op = 'INSERT' and v_invoice.status <> 'draft' then
    execute 'select * from app_public.invoice_line l where l.clinic_id = $1 and l.invoice_id = $2 and (l.id = $3 or l.idempotency_key = $4) limit 1'
      into v_made using new.clinic_id, new.invoice_id, new.id, new.idempotency_key;
    if v_made.id is not null then
      new.description := coalesce(new.description, v_made.description);
      new.unit_price := coalesce(new.unit_price, v_made.unit_price);
      new.tax_rate := coalesce(new.tax_rate, v_made.tax_rate);
      return new;
    end if;
  end if;
  if v_invoice.status = 'void' then
    raise exception 'The lines of a void invoice never change: make a new invoice instead.' using errcode = 'CTRAN';
  elsif v_invoice.status <> 'draft' then
    raise exception 'The lines of % invoice never change: void it and issue a new one.',
      case v_invoice.status when 'issued' then 'an issued' else 'a ' || replace(v_invoice.status::text, '_', ' ') end using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'UPDATE' and new.invoice_id <> old.invoice_id then
    raise exception 'A line cannot move to another invoice.' using errcode = 'CINVL';
  end if;
  new.tax_rate := coalesce(new.tax_rate, v_invoice.tax_rate);
  if new.service_id is not null and (tg_op = 'INSERT' or new.service_id is distinct from old.service_id) then
    select coalesce(new.description, s.name), coalesce(new.unit_price, s.price), s.is_active
    into new.description, new.unit_price, v_service_active
    from app_public.service s
    where s.clinic_id = new.clinic_id and s.id = new.service_id
      -- a deleted service only for a visit's service (bill_visit_services), whatever the session set
      and (s.deleted_at is null or new.visit_service_id is not null);
    if not found then
      raise exception 'No such service in this clinic.' using errcode = 'CNOTF';
    end if;
    -- typed by hand; a visit's service is billed whatever became of it in the catalog since
    if not v_service_active and new.visit_service_id is null then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  end if;
  -- the invoice's subtotal and total as refresh_invoice_totals adds its lines, this one as its generated amounts will
  -- be (the others read under the invoice's lock, planned at each call as above): at most the largest amount
  -- (numeric(16,3)), refused by name rather than by the overflow of the line's or the invoice's amounts
  execute 'select coalesce(sum(l.line_subtotal), 0), coalesce(sum(l.line_total), 0) from app_public.invoice_line l
           where l.clinic_id = $1 and l.invoice_id = $2 and l.id <> $3'
    into v_subtotal, v_total using new.clinic_id, new.invoice_id, new.id;
  v_subtotal := v_subtotal + round(new.quantity * new.unit_price, new.decimals::integer);
  v_total := v_total + round(new.quantity * new.unit_price, new.decimals::integer) - new.discount
    + round((round(new.quantity * new.unit_price, new.decimals::integer) - new.discount) * new.tax_rate, new.decimals::integer);
  if v_subtotal > 9999999999999.999 or v_total > 9999999999999.999 then
    raise exception 'An invoice comes to at most 9999999999999.999, before its discounts and with its tax: check this line''s quantity, price and tax rate.'
      using errcode = 'CINVL';
  end if;
  return new;
end;
$_$;
revoke all on function app_private.tg_invoice_line__guard() from public;
comment on function app_private.tg_invoice_line__guard() IS 'BEFORE INSERT/UPDATE/DELETE: the line''s invoice must be one the session sees in its clinic (NOT_FOUND otherwise); lines change only on drafts (INVALID_TRANSITION; not an insert of a line with the id or idempotency key of one of its issued or void invoice''s, which the insert does not make: an import run again, skipped by ON CONFLICT, its empty columns the made line''s), the invoice locked so that a line and its issue take turns; a service line defaults to the catalog name and price, every line to the invoice''s tax rate, a deleted service only for a visit''s service (bill_visit_services; clinicops.include_deleted in its definition), NOT_FOUND on a line typed by hand whatever the session set; a line added or changed that takes the invoice past 9999999999999.999 before its discounts or with its tax is refused (INVALID_INPUT), as its amounts would not hold it. A visit''s service taken off its visit unlinks the lines of void invoices (nothing else of them changes), and is refused (CONFLICT) while a draft or issued invoice bills it, naming that invoice to those who may see invoices (its id in the error''s DETAIL, extensions.invoiceId).';

-- A visit's service an import run again does not make is not refused by its completed visit or inactive service
--
-- An operator's import of visits and their services, keyed by the old system's numbers, run again with ON CONFLICT once
-- it had completed the visits (or once a service was made inactive since) failed at the first service:
-- tg_visit_service__snapshot judged the line ON CONFLICT would skip, the one already there, as a new service of a
-- completed visit (INVALID_TRANSITION "The services of a completed visit are frozen.") or of a service out of the
-- catalog (INVALID_INPUT). A line with the id or idempotency key of a line of its visit is not refused now: the insert
-- does not make it, and the visit, held by the trigger, keeps that line as it is; its price is the made line's, as the
-- not-null constraint is checked before ON CONFLICT. Read only where the line would be refused.
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
  if tg_op = 'INSERT' then
    select s.price into new.unit_price from app_public.service s
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
    -- more of a service is given only while it is in the catalog, and at the catalog's price, as a line of it is added:
    -- a line of a service deleted or made inactive since, or whose price changed since, keeps what it was given,
    -- lowered or discounted as ever (more of it at today's price is a line of its own)
    if new.quantity > old.quantity then
      select s.price into v_price from app_public.service s
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
revoke all on function app_private.tg_visit_service__snapshot() from public;
comment on function app_private.tg_visit_service__snapshot() IS 'BEFORE INSERT/UPDATE/DELETE: the line''s visit must be one the session sees in its clinic (NOT_FOUND otherwise); copies the catalog price at insert, keeps it afterwards, and freezes the services of finished visits; a line is added, or its quantity raised, only while its service is active and not deleted (INVALID_INPUT; lowered, discounted or taken off whatever became of it); neither refuses an insert of a line with the id or idempotency key of one of its visit''s, which the insert does not make (an import run again, skipped by ON CONFLICT, its price the made line''s), and its quantity raised only while the catalog''s price is the line''s (INVALID_INPUT naming both: more of it at today''s price is a line of its own); refuses a line added, or a quantity raised, that makes the visit''s services come to more than 4999999999999.999, half what its invoice''s total holds, so that any tax fits (INVALID_INPUT; a visit past it from before is still given a discount or a quantity lowered); locks the visit (FOR NO KEY UPDATE), so a line and a completion of its visit, and two lines of one visit, take turns.';

-- An invoice an import run again does not make is not refused by its visit called off since
--
-- An operator's import of visits and their invoices, keyed by the old system's numbers, run again with ON CONFLICT
-- once it had voided an invoice and cancelled its visit (as the old system had them) failed at that invoice:
-- tg_invoice__defaults judged the invoice ON CONFLICT would skip, the one already there, as a new invoice of a
-- cancelled visit (INVALID_INPUT "A cancelled visit is not invoiced."). The invoice of the new row's id or idempotency
-- key is not refused now: the insert does not make it, and tg__number_given_back holds it for key share. Read only
-- where the visit would be refused: an invoice of a visit to bill reads nothing more.
create or replace function app_private.tg_invoice__defaults() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_visit app_public.visit;
  v_live app_public.invoice;
begin
  if tg_op = 'UPDATE' then
    -- the doctor of an invoice that bills a visit is the visit's (revenue per doctor reads it), whoever writes it: an
    -- operator's psql setting it credited another doctor with the visit's payments; a void invoice's is
    -- tg_invoice__lifecycle's to refuse, and one of no visit is its writer's to say (an import of another system's)
    if new.doctor_id is distinct from old.doctor_id and new.visit_id is not null and new.visit_id is not distinct from old.visit_id
       and old.status <> 'void'
       and new.doctor_id is distinct from (select v.doctor_id from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id) then
      raise exception 'An invoice''s doctor is the doctor of the visit it bills: change the visit''s doctor (its invoice voided first), not the invoice''s.'
        using errcode = 'CINVL';
    end if;
    -- a draft's patient or visit changed (an operator's psql: the API's roles write neither), held to the rules below as
    -- a new invoice is; an issued invoice's is tg_invoice__lifecycle's to refuse
    if old.status <> 'draft' or (new.patient_id, new.visit_id) is not distinct from (old.patient_id, old.visit_id) then
      return new;
    end if;
    -- its lines billing its visit's services would be billed under another visit, or none
    if exists (select from app_public.invoice_line l
               join app_public.visit_service s on s.clinic_id = l.clinic_id and s.id = l.visit_service_id
               where l.clinic_id = new.clinic_id and l.invoice_id = new.id and s.visit_id is distinct from new.visit_id) then
      raise exception '% has lines billing the services of its visit: take them off the draft before it bills another visit, or none.', old.code
        using errcode = 'CINVL';
    end if;
    -- the doctor is the visit's: none once it bills none
    if new.visit_id is distinct from old.visit_id then
      new.doctor_id := null;
    end if;
  else
    select c.currency, c.tax_rate into new.currency, new.tax_rate from app_public.clinic c where c.id = new.clinic_id;
    new.status := 'draft';
    new.amount_paid := 0;
    -- a draft has taken no step: none of the stamps of its issue or void (an operator's insert giving them made a draft
    -- that read as issued in 2020, or voided: 000459); tg_invoice__lifecycle stamps them as the steps are taken
    new.issued_at := null;
    new.issued_by := null;
    new.voided_at := null;
    new.voided_by := null;
  end if;
  -- checked for those who may invoice: another role's insert is refused by the policies (FORBIDDEN,
  -- saying who may), whatever visit it names
  if new.visit_id is not null and (app_hidden.may_invoice() or app_hidden.in_system_context()) then
    -- read again once the invoice has written the clinic's audit chain (tg_invoice__visit_billable): a change of the
    -- visit in flight is waited for there
    select * into v_visit from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id;
    -- not the invoice of this one's id or idempotency key, which this insert does not make (ON CONFLICT skips it, or it
    -- fails on the key or id: an import run again once the visit was called off, its invoice voided first); that
    -- invoice held for key share by tg__number_given_back. Read only where check_visit_billable would refuse it
    if tg_op = 'INSERT' and (v_visit.id is null or v_visit.status in ('cancelled', 'no_show') or new.patient_id is distinct from v_visit.patient_id)
       and exists (select from app_public.invoice i where i.clinic_id = new.clinic_id and (i.id = new.id or i.idempotency_key = new.idempotency_key)) then
      return new;
    end if;
    perform app_private.check_visit_billable(new, v_visit);
    -- another than this one (a draft's update names its own), nor the invoice of this one's idempotency key, which this
    -- insert does not make (ON CONFLICT skips it, or it fails on the key: an import run again)
    select * into v_live from app_public.invoice i
    where i.clinic_id = new.clinic_id and i.visit_id = new.visit_id and i.status <> 'void' and i.id <> new.id
      and (i.idempotency_key = new.idempotency_key) is not true limit 1;
    if found then
      raise exception 'This visit already has an invoice, % (%): %', v_live.code, replace(v_live.status::text, '_', ' '),
        case when v_live.status = 'draft' then 'bill the visit''s services added since on it (billUnbilledServices), or add lines to it.' else 'to bill the visit again, void that one first, its payments refunded.' end
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_live.id)::text;
    end if;
    new.doctor_id := v_visit.doctor_id;
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_invoice__defaults() from public;
comment on function app_private.tg_invoice__defaults() IS 'BEFORE INSERT, and UPDATE OF patient_id or visit_id of a draft (an issued invoice''s are tg_invoice__lifecycle''s to refuse): a new invoice is a draft in the clinic''s currency and tax rate, without the stamps of an issue or a void (000459); one that bills a visit (made from it, or by hand with its visit, or a draft given one) bills the visit''s patient and records its doctor: one with another live invoice CONFLICT naming it (not the invoice of its idempotency key, which the insert does not make: ON CONFLICT skips it, or it fails on the key) (its id in the error''s DETAIL, extensions.invoiceId) (invoice_one_live_per_visit refuses two made at the same moment); a visit not in the clinic is NOT_FOUND, a cancelled or no-show visit INVALID_INPUT, another patient''s INVALID_INPUT unless that patient is not in the clinic (NOT_FOUND) (check_visit_billable, checked again after the invoice''s audit entry by tg_invoice__visit_billable, a change of the visit in flight committed; not for an insert of the id or idempotency key of an invoice of the clinic, which it does not make: an import run again once the visit was called off). A draft whose lines bill the services of its visit keeps that visit (INVALID_INPUT), and a draft''s doctor follows its visit (none once it bills none): the API''s roles write neither column, an operator''s psql does. The doctor of an invoice that bills a visit, issued or draft, is written as the visit''s alone (UPDATE OF doctor_id; INVALID_INPUT otherwise).';
