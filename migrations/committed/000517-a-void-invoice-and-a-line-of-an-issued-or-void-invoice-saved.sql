--! Previous: sha1:e84593dddcf4e2bd6349de27a79df44efca56051
--! Hash: sha1:3ef017fec749a66613c021cdf4cc74d8f0be6267
--! Message: a void invoice, and a line of an issued or void invoice, saved back as it is answers the row

-- A void invoice, and a line of an issued or void invoice, saved back as it is answers the row, where it was refused
--
-- tg_invoice__lifecycle refused every update of a void invoice, and tg_invoice_line__guard every update of a line of an
-- issued, paid or void invoice, one that changed nothing too: a cashier opening a void invoice and saving it without
-- changing anything (updateInvoice with its notes as they are, as a client that sends every field back does) was told
-- "A void invoice cannot change.", and a line of an issued invoice saved back as it is (updateInvoiceLine with its
-- description, quantity, prices and tax rate as they are) "The lines of an issued invoice never change", where a
-- finished visit, a closed day's payment and its cash-up saved back as they are go through. Such an update now goes
-- through, writing nothing (no audit entry, the stamps kept: _999_unchanged_keeps_stamps compares as these do).
-- Compared as tg__audit compares, the stamps and the generated columns (null in `new` before the row is written) left
-- out, the texts and the tax rate as kept (the triggers that keep them ran first). Every change of them is still
-- refused.

create or replace function app_private.tg_invoice__lifecycle() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if old.status = 'void' then
    -- saved back as it is (a form that sends every field back, its notes as kept: _150_texts_as_typed ran first) changes
    -- nothing, and is answered as a finished visit is; compared as tg__audit compares, the stamps and the generated
    -- columns (null in `new` before the row is written) left out
    if app_hidden.changes_nothing_but_stamps(to_jsonb(new), to_jsonb(old), app_hidden.generated_columns(tg_relid)) then
      return new;
    end if;
    raise exception 'A void invoice cannot change.' using errcode = 'CTRAN';
  end if;
  -- the stamps of a step are the step's, set below as it is taken: written otherwise (an operator's psql moving an
  -- issue after its payments, or stamping a void on an invoice not void) they are kept as they were, as created_at
  -- is (tg__timestamps; 000459)
  new.issued_at := old.issued_at;
  new.issued_by := old.issued_by;
  new.voided_at := old.voided_at;
  new.voided_by := old.voided_by;
  if (new.patient_id, new.visit_id, new.currency) is distinct from (old.patient_id, old.visit_id, old.currency)
     and old.status <> 'draft' then
    raise exception 'An issued invoice cannot change its patient, visit or currency.' using errcode = 'CTRAN';
  end if;
  if new.status = 'void' then
    -- whoever writes it (void_invoice, an operator's psql): a reason that says something, and who voided it, when
    new.void_reason := app_hidden.reason_or_null(new.void_reason);
    if new.void_reason is null then
      raise exception 'A reason is required to void an invoice.' using errcode = 'CINVL';
    end if;
    if new.amount_paid > 0 then
      raise exception 'Refund the payments of this invoice before voiding it.' using errcode = 'CINVL';
    end if;
    new.voided_at := now();
    new.voided_by := app_public.current_user_id();
    return new;
  end if;
  -- a draft leaving draft is issued (as paid, when there is nothing to pay), whoever writes it (issue_invoice, an
  -- operator's psql): with a line, and stamped
  if old.status = 'draft' and new.status <> 'draft' then
    if not exists (select from app_public.invoice_line l where l.clinic_id = new.clinic_id and l.invoice_id = new.id) then
      raise exception 'An invoice needs at least one line to be issued.' using errcode = 'CINVL';
    end if;
    new.issued_at := now();
    new.issued_by := app_public.current_user_id();
  end if;
  -- Once issued, the payments decide the status; nothing left to pay (a total of 0 too) is paid.
  if old.status <> 'draft' or new.status <> 'draft' then
    new.status := case
      when new.amount_paid >= new.total then 'paid'
      when new.amount_paid = 0 then 'issued'
      else 'partially_paid'
    end::app_public.invoice_status;
  end if;
  return new;
end;
$$;

alter function app_private.tg_invoice__lifecycle() owner to :DATABASE_OWNER;
comment on function app_private.tg_invoice__lifecycle() is 'BEFORE UPDATE: void is final (a void invoice saved back as it is, changing nothing, goes through: changes_nothing_but_stamps) and needs a reason that says something (kept without the white space around it) and nothing paid; a draft is issued with at least one line (INVALID_INPUT otherwise); issuing stamps issued_at / issued_by and voiding voided_at / voided_by, whoever writes the status (now() and the session''s user, null outside a session: 000437), and those stamps are kept as they were by any other write of them (000459); after issue the status follows amount_paid (issued, partially_paid, paid; an invoice with nothing to pay, a total of 0, is paid).';
revoke all on function app_private.tg_invoice__lifecycle() from public;

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
  -- a line of an issued or void invoice saved back as it is (a form that sends every field back, its description and tax
  -- rate as kept: _150_texts_as_typed and _150_tax_rate_as_meant ran first) changes nothing, and is answered as a
  -- finished visit is; compared as tg__audit compares, the stamps and the generated columns left out
  if tg_op = 'UPDATE' and v_invoice.status <> 'draft'
     and app_hidden.changes_nothing_but_stamps(to_jsonb(new), to_jsonb(old), app_hidden.generated_columns(tg_relid)) then
    return new;
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

alter function app_private.tg_invoice_line__guard() owner to :DATABASE_OWNER;
comment on function app_private.tg_invoice_line__guard() is 'BEFORE INSERT/UPDATE/DELETE: the line''s invoice must be one the session sees in its clinic (NOT_FOUND otherwise); lines change only on drafts (INVALID_TRANSITION; a line of an issued or void invoice saved back as it is, changing nothing, goes through: changes_nothing_but_stamps; not an insert of a line with the id or idempotency key of one of its issued or void invoice''s, which the insert does not make: an import run again, skipped by ON CONFLICT, its empty columns the made line''s), the invoice locked so that a line and its issue take turns; a service line defaults to the catalog name and price, every line to the invoice''s tax rate, a deleted service only for a visit''s service (bill_visit_services; clinicops.include_deleted in its definition), NOT_FOUND on a line typed by hand whatever the session set; a line added or changed that takes the invoice past 9999999999999.999 before its discounts or with its tax is refused (INVALID_INPUT), as its amounts would not hold it. A visit''s service taken off its visit unlinks the lines of void invoices (nothing else of them changes), and is refused (CONFLICT) while a draft or issued invoice bills it, naming that invoice to those who may see invoices (its id in the error''s DETAIL, extensions.invoiceId).';
revoke all on function app_private.tg_invoice_line__guard() from public;
