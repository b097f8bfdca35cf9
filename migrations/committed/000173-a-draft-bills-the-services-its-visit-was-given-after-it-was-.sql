--! Previous: sha1:e4ec19cd6a5c978a2697cdf515be8e5879feec34
--! Hash: sha1:56245813c2efa63f77652305c182e489be5a25f5
--! Message: a draft bills the services its visit was given after it was made

-- A draft bills the services its visit was given after it was made.
--
-- An invoice made from a visit has a line for each service the visit had then; one its doctor adds
-- afterwards (the blood count after the consultation) was on no invoice, and the cashier could bill
-- it only by a line typed by hand, not tied to the visit's service, which then stayed "to bill" (a
-- clinic's day, as its staff). billUnbilledServices adds to a draft of a visit a line for each of the
-- visit's services no live invoice bills, as createInvoiceFromVisit makes them (which now makes its
-- lines the same way, through bill_visit_services). An invoice bills a service of its visit once:
-- a line typed by hand for a service a tied line bills, or the other way round, is CONFLICT naming
-- it (tg_invoice_line__billed_once; a reviewer and a tester of races billed it twice, in either order).

create or replace function app_private.bill_visit_services(draft app_public.invoice) returns integer
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
declare
  v_added integer;
begin
  -- a service deleted from the catalog since the visit was given it is billed all the same (this
  -- function sees deleted rows: its definition sets clinicops.include_deleted)
  insert into app_public.invoice_line (clinic_id, invoice_id, service_id, visit_service_id, visit_service_version, description, quantity, unit_price, discount, tax_rate)
  select s.clinic_id, draft.id, s.service_id, s.id, s.version, svc.name, s.quantity, s.unit_price,
         least(round(s.discount, d.decimals), round(s.quantity * s.unit_price, d.decimals)), draft.tax_rate
  from app_public.visit_service s join app_public.service svc on svc.clinic_id = s.clinic_id and svc.id = s.service_id
  cross join (select app_public.currency_decimals(draft.currency) as decimals) d
  where s.clinic_id = draft.clinic_id and s.visit_id = draft.visit_id
    and not exists (
      select from app_public.invoice_line l join app_public.invoice i on i.clinic_id = l.clinic_id and i.id = l.invoice_id
      where l.clinic_id = s.clinic_id and l.visit_service_id = s.id and i.status <> 'void')
  order by s.position;
  get diagnostics v_added = row_count;
  return v_added;
end;
$$;
comment on function app_private.bill_visit_services(app_public.invoice) is 'Adds to the draft `draft` of a visit a line for each of the visit''s services that no live invoice bills (deleted from the catalog since or not), at the visit''s quantity, price and discount (in the currency''s decimals) and the invoice''s tax rate, in the visit''s order; returns how many. CONFLICT, adding none, when the draft has a line typed by hand for one of those services (tg_invoice_line__billed_once).';
revoke all on function app_private.bill_visit_services(app_public.invoice) from public;

create or replace function app_private.tg_invoice_line__billed_once() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_other app_public.invoice_line;
  v_code text;
begin
  -- after the line guard, which holds the invoice: a line added meanwhile has committed
  select * into v_other from app_public.invoice_line l
  where l.clinic_id = new.clinic_id and l.invoice_id = new.invoice_id and l.service_id = new.service_id and l.id <> new.id
    and (l.visit_service_id is null) <> (new.visit_service_id is null)
  limit 1;
  if not found then
    return new;
  end if;
  select i.code into v_code from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  if new.visit_service_id is not null then
    raise exception 'Invoice % has a line typed by hand for %, which the visit''s service would bill again: take that line off first.', v_code, v_other.description
      using errcode = 'CCONF';
  end if;
  raise exception 'Invoice % bills % from its visit already: a second one is added to the visit (by its doctor, an owner or an admin) and billed with billUnbilledServices, or, the visit completed, typed as a line with its own description and price.',
    v_code, v_other.description using errcode = 'CCONF';
end;
$$;
comment on function app_private.tg_invoice_line__billed_once() is 'BEFORE INSERT or UPDATE of the service of an invoice line: CONFLICT when the invoice bills that service both from its visit (a line tied to the visit''s service) and by a line typed by hand, either coming second: the patient would pay for it twice.';
revoke all on function app_private.tg_invoice_line__billed_once() from public;

drop trigger if exists _220_billed_once on app_public.invoice_line;
create trigger _220_billed_once before insert or update of service_id on app_public.invoice_line
  for each row when (new.service_id is not null)
  execute function app_private.tg_invoice_line__billed_once();
comment on trigger _220_billed_once on app_public.invoice_line is 'A service of the visit is billed on its invoice once, tied or typed (tg_invoice_line__billed_once).';

-- it reads no deleted row itself any more: bill_visit_services sees the catalog's deleted services
create or replace function app_public.create_invoice_from_visit(visit_id uuid) RETURNS app_public.invoice
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_visit app_public.visit;
  v_invoice app_public.invoice;
begin
  if not app_hidden.may_invoice() then
    raise exception 'You may not create invoices in this clinic.' using errcode = 'CFORB';
  end if;
  select * into v_visit from app_public.visit v
  where v.clinic_id = app_public.current_clinic_id() and v.id = create_invoice_from_visit.visit_id;
  if v_visit.id is null then
    raise exception 'No such visit in this clinic.' using errcode = 'CNOTF';
  end if;
  if v_visit.status in ('cancelled', 'no_show') then
    raise exception 'A % visit is not invoiced.', app_hidden.visit_status_words(v_visit.status) using errcode = 'CINVL';
  end if;
  if not exists (select 1 from app_public.visit_service s where s.clinic_id = v_visit.clinic_id and s.visit_id = v_visit.id) then
    raise exception 'This visit has no services to invoice.' using errcode = 'CINVL';
  end if;
  insert into app_public.invoice (clinic_id, patient_id, visit_id) values (v_visit.clinic_id, v_visit.patient_id, v_visit.id)
  returning * into v_invoice;
  perform app_private.bill_visit_services(v_invoice);
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id;
  return v_invoice;
end;
$$;

create or replace function app_public.bill_unbilled_services(invoice_id uuid) returns app_public.invoice
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_invoice app_public.invoice;
  v_visit_code text;
begin
  if not app_hidden.may_invoice() then
    raise exception 'You may not change invoices in this clinic.' using errcode = 'CFORB';
  end if;
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = app_public.current_clinic_id() and i.id = bill_unbilled_services.invoice_id;
  if not found then
    raise exception 'No such invoice in your clinic.' using errcode = 'CNOTF';
  elsif v_invoice.visit_id is null then
    raise exception 'Invoice % bills no visit: add its lines by hand.', v_invoice.code using errcode = 'CINVL';
  elsif v_invoice.status = 'draft' then
    -- locked (two clicks at once add the lines once, and an issue waits); a role that changes drafts
    -- only locks none issued meanwhile: read as it is now
    select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id for update;
    if not found then
      select * into v_invoice from app_public.invoice i
      where i.clinic_id = app_public.current_clinic_id() and i.id = bill_unbilled_services.invoice_id;
    end if;
  end if;
  if v_invoice.status = 'void' then
    raise exception 'Invoice % is void: make a new one from the visit (createInvoiceFromVisit).', v_invoice.code using errcode = 'CTRAN';
  elsif v_invoice.status <> 'draft' then
    raise exception 'Invoice % is %: its lines never change. To bill the visit again, it is voided%, by an owner, admin or cashier.',
      v_invoice.code, replace(v_invoice.status::text, '_', ' '), case when v_invoice.status = 'issued' then '' else ', its payments refunded' end
      using errcode = 'CTRAN';
  end if;
  if app_private.bill_visit_services(v_invoice) = 0 then
    select v.code into v_visit_code from app_public.visit v where v.clinic_id = v_invoice.clinic_id and v.id = v_invoice.visit_id;
    if not exists (select from app_public.visit_service s where s.clinic_id = v_invoice.clinic_id and s.visit_id = v_invoice.visit_id) then
      raise exception '% has no services to invoice.', coalesce(v_visit_code, 'The visit') using errcode = 'CINVL';
    end if;
    raise exception 'Every service of % is billed already.', coalesce(v_visit_code, 'the visit') using errcode = 'CINVL';
  end if;
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id;
  return v_invoice;
end;
$$;
comment on function app_public.bill_unbilled_services(uuid) is 'Adds to a draft invoice of a visit a line for each of the visit''s services that no live invoice bills (one its doctor added after the invoice was made), as createInvoiceFromVisit makes them; INVALID_INPUT when every service is billed already, the visit has none or the invoice bills no visit, INVALID_TRANSITION once it is issued or void, CONFLICT when the draft has a line typed by hand for one of those services. Owners, admins, cashiers, and receptionists if the clinic allows.';
revoke all on function app_public.bill_unbilled_services(uuid) from public;
grant execute on function app_public.bill_unbilled_services(uuid) to :DATABASE_VISITOR;
