--! Previous: sha1:8b1837beeb3bed8e1c1d399edfde7d0b023b1457
--! Hash: sha1:33a02389b27a77c6f6feabbff595d3780cac31f8
--! Message: What is billed, read from the one kept count

-- What is billed, read from the one kept count
--
-- 000457 kept, per visit's service, the count of the live invoices' lines that bill it, and a copy of the service's
-- visit beside it, which the service's row holds already (a service never changes visit): the copy is dropped, the
-- list reads the visit through the service. And three statements said in three ways whether a service is billed: the
-- count, VisitService.billed (the lines' copies joined to the live invoices') and billUnbilledServices (the lines
-- joined to the invoices not void). Both now read the count, kept by the same triggers in the same transaction, so
-- the list, the flag and what a draft bills cannot disagree.
drop index if exists app_private.visit_service_bills_unbilled_idx;
alter table app_private.visit_service_bills drop column if exists visit_id;
create index if not exists visit_service_bills_unbilled_idx on app_private.visit_service_bills (clinic_id, visit_service_id) where live_lines = 0;
comment on index app_private.visit_service_bills_unbilled_idx is 'The services no live invoice bills: unbilled_visit_services.';
comment on table app_private.visit_service_bills is 'Each visit''s service with the number of lines of live invoices that bill it (a line in visit_service_line whose invoice is in visit_bill), kept by the triggers on visits'' services, invoice lines and invoices: what VisitService.billed, unbilled_visit_services and bill_visit_services read.';

create or replace function app_private.tg_visit_service__visit_service_bills() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
begin
  -- a new service: no line bills it yet (taken off its visit, its row goes with it: the foreign key's cascade)
  insert into app_private.visit_service_bills (clinic_id, visit_service_id, live_lines)
  values (new.clinic_id, new.id, 0);
  return null;
end;
$$;
comment on function app_private.tg_visit_service__visit_service_bills() is 'Trigger: a visit''s service added gets its row in app_private.visit_service_bills, billed by no line yet.';
revoke all on function app_private.tg_visit_service__visit_service_bills() from public;

create or replace function app_public.unbilled_visit_services() returns setof app_public.visit_service
  language plpgsql stable security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
begin
  -- the kept rows counted at none, each service and visit read as the session sees them (the policies: a doctor's
  -- own visits); PL/pgSQL, so its plan is kept for the connection (decision 012)
  return query select s.* from app_private.visit_service_bills b
    join app_public.visit_service s on s.clinic_id = b.clinic_id and s.id = b.visit_service_id
    join app_public.visit v on v.clinic_id = s.clinic_id and v.id = s.visit_id
    where b.clinic_id = app_public.current_clinic_id() and b.live_lines = 0
      and v.status in ('in_progress', 'completed')
    order by s.visit_id, s.position;
end;
$$;
comment on function app_public.unbilled_visit_services() is 'The services no live invoice bills (VisitService.billed false) of the visits in progress or completed, by visit and in the visit''s order: what is left to bill. Read from a count kept per service, so it reads these services alone, not every service the clinic gave (visitServices with the same filter does). As visitServices, each role sees the services of the visits it sees: a doctor those of their own visits.';
revoke all on function app_public.unbilled_visit_services() from public;
grant execute on function app_public.unbilled_visit_services() to :DATABASE_VISITOR;

create or replace function app_public.visit_service_billed(visit_service app_public.visit_service) returns boolean
  language plpgsql stable security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
begin
  -- the service is read again as the session sees it, so a row made up by the caller (another doctor's
  -- visit, another clinic's) says nothing; PL/pgSQL, so its plan is kept for the connection (decision 012)
  return exists (
    select 1 from app_public.visit_service seen
    join app_private.visit_service_bills b on b.clinic_id = seen.clinic_id and b.visit_service_id = seen.id
    where seen.clinic_id = visit_service.clinic_id and seen.id = visit_service.id and b.live_lines > 0);
end;
$$;
comment on function app_public.visit_service_billed(visit_service app_public.visit_service) is 'Whether a live invoice (a draft, issued, partially paid or paid: any but a void one) bills this service (the count of app_private.visit_service_bills). While one does, its quantity and discount cannot change, nor can it be taken off the visit (CONFLICT), until billing takes its line off the draft or voids the invoice. Readable by every role that sees the visit, doctors included, who may not read invoices: it says nothing of the invoice.';
revoke all on function app_public.visit_service_billed(app_public.visit_service) from public;
grant execute on function app_public.visit_service_billed(app_public.visit_service) to :DATABASE_VISITOR;

create or replace function app_private.bill_visit_services(draft app_public.invoice) returns integer
  language plpgsql security definer
  set search_path = pg_catalog, public, pg_temp
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
  join app_private.visit_service_bills b on b.clinic_id = s.clinic_id and b.visit_service_id = s.id and b.live_lines = 0
  cross join (select app_public.currency_decimals(draft.currency) as decimals) d
  where s.clinic_id = draft.clinic_id and s.visit_id = draft.visit_id
  order by s.position;
  get diagnostics v_added = row_count;
  return v_added;
end;
$$;
comment on function app_private.bill_visit_services(draft app_public.invoice) is 'Adds to the draft `draft` of a visit a line for each of the visit''s services that no live invoice bills (counted at none in app_private.visit_service_bills; deleted from the catalog since or not), at the visit''s quantity, price and discount (in the currency''s decimals) and the invoice''s tax rate, in the visit''s order; returns how many. CONFLICT, adding none, when the draft has a line typed by hand for one of those services (tg_invoice_line__billed_once).';
revoke all on function app_private.bill_visit_services(app_public.invoice) from public;

-- the lines' copies by service were read by VisitService.billed alone: the count is kept by invoice and by line
drop index if exists app_private.visit_service_line_visit_service_idx;
comment on table app_private.visit_service_line is 'Each invoice line that bills a visit''s service (its invoice void or not), kept by a trigger on invoice lines: what the counts of visit_service_bills are kept from, with visit_bill (a void counts its lines down).';
