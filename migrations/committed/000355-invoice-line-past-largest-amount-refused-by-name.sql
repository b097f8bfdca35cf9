--! Previous: sha1:466fdb0cd3ac7f11c9932e8178a9a9ebcb027d05
--! Hash: sha1:eba4d27039fb7c81635f90a5620f22fbb5b10256
--! Message: invoice-line-past-largest-amount-refused-by-name

-- A line that takes its invoice past the largest amount is refused by name
--
-- A line typed by hand on a draft (or one changed: its quantity, price, discount or tax rate) that took the invoice past
-- what its amounts hold (numeric(16,3): 9999999999999.999) was refused by the overflow itself, "numeric field overflow",
-- which the API gives as "A number is out of range.", naming neither the limit nor what to change: a line of
-- 9,000,000,000,000 in a clinic with a tax of 18%, or one whose subtotal took the invoice's past it though its discount
-- kept its total under. Now such a line is refused, INVALID_INPUT, "An invoice comes to at most 9999999999999.999, before
-- its discounts and with its tax: check this line's quantity, price and tax rate."; what fits is taken as before.
create or replace function app_private.tg_invoice_line__guard()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
 SET "clinicops.include_deleted" TO 'on'
 SET "clinicops.every_clinic" TO 'off'
 SET "clinicops.reinvitation" TO 'off'
AS $function$
declare
  v_line app_public.invoice_line := case when tg_op = 'DELETE' then old else new end;
  v_invoice app_public.invoice;
  v_service_active boolean;
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
$function$;
comment on function app_private.tg_invoice_line__guard() is 'BEFORE INSERT/UPDATE/DELETE: the line''s invoice must be one the session sees in its clinic (NOT_FOUND otherwise); lines change only on drafts (INVALID_TRANSITION), the invoice locked so that a line and its issue take turns; a service line defaults to the catalog name and price, every line to the invoice''s tax rate, a deleted service only for a visit''s service (bill_visit_services; clinicops.include_deleted in its definition), NOT_FOUND on a line typed by hand whatever the session set; a line added or changed that takes the invoice past 9999999999999.999 before its discounts or with its tax is refused (INVALID_INPUT), as its amounts would not hold it. A visit''s service taken off its visit unlinks the lines of void invoices (nothing else of them changes), and is refused (CONFLICT) while a draft or issued invoice bills it, naming that invoice to those who may see invoices (its id in the error''s DETAIL, extensions.invoiceId).';
