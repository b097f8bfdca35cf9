--! Previous: sha1:c5a3d6095a61cc55001fd5b1d5a9d66c8ade883d
--! Hash: sha1:e9620db406576d5c02c112e61f4cbde843106efb
--! Message: a visit billed while its services change takes turns

-- A visit's services held before it is billed
--
-- createInvoiceFromVisit and billUnbilledServices locked the visit's services only through their lines' foreign keys,
-- after the invoice's insert (or its first line) had written an audit entry and so held the clinic's audit chain head;
-- a service taken off the visit, or its quantity or discount changed, at once holds the service's row and then waits for
-- that head: "deadlock detected", one of the two undone. Both now lock the visit's services FOR SHARE first
-- (app_private.hold_visit_services), before any audited write and, for billUnbilledServices, before the draft's lock (a
-- change of a service its draft bills locks that draft through the line's foreign key), so both take the service rows
-- before the head: the second waits for the first. createInvoiceFromVisit asks whether the visit has services once it
-- holds them, so that a removal of the last one it waited for leaves no empty draft, and bills those it holds alone
-- (app_private.bill_visit_services, given them): a service added since, not held, could be taken off meanwhile, and
-- its removal and the line's foreign key wait for each other as before (or the line refers to a service gone). A row
-- lock asks the update policies, which let only clinicians change a visit's services: a policy for the owner's definer
-- functions lets whoever may invoice lock them (lock_billing), and change none.

-- the lock, for a cashier too: a row lock asks the update policies as well, which let only clinicians change a visit's
-- services; this one lets the definer functions of whoever may invoice lock them, and change none (its check refuses
-- every row: a row passes an update when any policy's check lets it)
drop policy if exists lock_billing on app_public.visit_service;
create policy lock_billing on app_public.visit_service for update to :DATABASE_OWNER
  using (clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.may_invoice()))
  with check (false);
comment on policy lock_billing on app_public.visit_service is 'Whoever may invoice may lock the clinic''s visit services (app_private.hold_visit_services, run as the owner), as billing them does, and change none: its check lets no row through, the other update policies decide.';

drop function if exists app_private.hold_visit_services(of_clinic uuid, of_visit uuid);
create function app_private.hold_visit_services(of_clinic uuid, of_visit uuid) returns uuid[]
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
begin
  -- for share: a removal, or a change of quantity or discount, waits at its first lock (its row's), holding nothing yet
  -- of its own statement. Not for key share, the lock the lines' foreign keys take: a change of quantity locks its row
  -- for no key update, then the visit (tg_visit_service__snapshot), and only then its row's key (a new version), so it
  -- would wait for this holding the visit, which a removal of another of its services waits for holding its row
  return array(select s.id from app_public.visit_service s where s.clinic_id = of_clinic and s.visit_id = of_visit order by s.id for share);
end;
$$;
revoke all on function app_private.hold_visit_services(of_clinic uuid, of_visit uuid) from public;
comment on function app_private.hold_visit_services(of_clinic uuid, of_visit uuid) is 'Locks the services of the visit `of_visit` of clinic `of_clinic` FOR SHARE (in the order of their ids), before createInvoiceFromVisit and billUnbilledServices make their first audited write: a removal of one, or a change of its quantity or discount, in flight (its row held, waiting for the clinic''s audit chain head) is waited for first, and one to come waits for the invoice at its first lock, holding nothing of its statement, where each waited for the other (a deadlock; a lock for key share, the lines'' foreign keys'', would be waited for by a change of quantity holding the visit, which a removal waits for). Answers the ids of those it holds (none deleted meanwhile), the ones bill_visit_services may bill: a service added since, not held, is left to billUnbilledServices.';

drop function if exists app_private.bill_visit_services(draft app_public.invoice);
create or replace function app_private.bill_visit_services(draft app_public.invoice, held uuid[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $$
declare
  v_added integer;
begin
  -- the services held (hold_visit_services) before the invoice's first audited write alone: one added since, not held,
  -- could be taken off its visit meanwhile, its removal waiting for the audit chain head this transaction holds while
  -- its line's foreign key waited for that removal
  -- a service deleted from the catalog since the visit was given it is billed all the same (this
  -- function sees deleted rows: its definition sets clinicops.include_deleted)
  insert into app_public.invoice_line (clinic_id, invoice_id, service_id, visit_service_id, visit_service_version, description, quantity, unit_price, discount, tax_rate)
  select s.clinic_id, draft.id, s.service_id, s.id, s.version, svc.name, s.quantity, s.unit_price,
         least(round(s.discount, d.decimals), round(s.quantity * s.unit_price, d.decimals)), draft.tax_rate
  from app_public.visit_service s join app_public.service svc on svc.clinic_id = s.clinic_id and svc.id = s.service_id
  join app_private.visit_service_bills b on b.clinic_id = s.clinic_id and b.visit_service_id = s.id and b.live_lines = 0
  cross join (select app_public.currency_decimals(draft.currency) as decimals) d
  where s.clinic_id = draft.clinic_id and s.visit_id = draft.visit_id and s.id = any (held)
  order by s.position;
  get diagnostics v_added = row_count;
  return v_added;
end;
$$;
revoke all on function app_private.bill_visit_services(draft app_public.invoice, held uuid[]) from public;
comment on function app_private.bill_visit_services(draft app_public.invoice, held uuid[]) is 'Adds to the draft `draft` of a visit a line for each of the visit''s services among `held` (those app_private.hold_visit_services locked before the invoice''s first audited write) that no live invoice bills (counted at none in app_private.visit_service_bills; deleted from the catalog since or not), at the visit''s quantity, price and discount (in the currency''s decimals) and the invoice''s tax rate, in the visit''s order; returns how many. CONFLICT, adding none, when the draft has a line typed by hand for one of those services (tg_invoice_line__billed_once).';


create or replace function app_public.create_invoice_from_visit(visit_id uuid) RETURNS app_public.invoice
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_visit app_public.visit;
  v_invoice app_public.invoice;
  v_held uuid[];
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
  -- the visit's services held before the invoice's first audited write (its insert): a removal or a change of one in
  -- flight (which holds its row, then waits for the clinic's audit chain head) is waited for here, holding no head, and
  -- one to come waits for this invoice; then asked whether any is left
  v_held := app_private.hold_visit_services(v_visit.clinic_id, v_visit.id);
  if cardinality(v_held) = 0 then
    raise exception 'This visit has no services to invoice.' using errcode = 'CINVL';
  end if;
  insert into app_public.invoice (clinic_id, patient_id, visit_id) values (v_visit.clinic_id, v_visit.patient_id, v_visit.id)
  returning * into v_invoice;
  perform app_private.bill_visit_services(v_invoice, v_held);
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id;
  return v_invoice;
end;
$$;

comment on function app_public.create_invoice_from_visit(visit_id uuid) IS 'Creates a draft invoice for a visit with a line per service at the price it was given, services deleted from the catalog since included, discounts in the currency''s decimals (one live invoice per visit). Owners, admins, cashiers, and receptionists if the clinic allows.';

revoke all on function app_public.create_invoice_from_visit(visit_id uuid) from public;
grant all on function app_public.create_invoice_from_visit(visit_id uuid) to :DATABASE_VISITOR;

create or replace function app_public.bill_unbilled_services(invoice_id uuid) RETURNS app_public.invoice
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_invoice app_public.invoice;
  v_visit_code text;
  v_held uuid[];
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
    -- the visit's services held first, before the invoice is locked and its lines' audit entries hold the clinic's audit
    -- chain head, in the order a removal or a change of one takes them (its row, then the invoice of a line billing it
    -- through the foreign key's action, then the head): waited for here, holding neither
    v_held := app_private.hold_visit_services(v_invoice.clinic_id, v_invoice.visit_id);
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
  if app_private.bill_visit_services(v_invoice, v_held) = 0 then
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

comment on function app_public.bill_unbilled_services(invoice_id uuid) IS 'Adds to a draft invoice of a visit a line for each of the visit''s services that no live invoice bills (one its doctor added after the invoice was made), as createInvoiceFromVisit makes them; INVALID_INPUT when every service is billed already, the visit has none or the invoice bills no visit, INVALID_TRANSITION once it is issued or void, CONFLICT when the draft has a line typed by hand for one of those services. Owners, admins, cashiers, and receptionists if the clinic allows.';

revoke all on function app_public.bill_unbilled_services(invoice_id uuid) from public;
grant all on function app_public.bill_unbilled_services(invoice_id uuid) to :DATABASE_VISITOR;
