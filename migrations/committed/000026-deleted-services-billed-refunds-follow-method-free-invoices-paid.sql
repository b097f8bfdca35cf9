--! Previous: sha1:575f0c62e9a7a4c5eae4f0b6aeeb8181bb8f3721
--! Hash: sha1:bb86445c4b6ae21ae1cb593c970244a5ad6defd6
--! Message: invoices and dashboard keep deleted services, payment method corrections move refunds, free invoices are paid

--------------------------------------------------------------------------------
-- An invoice from a visit bills every service the visit was given, also one deleted from the
-- catalog since: the lines were read through the service's select policy, which hides deleted
-- services, so their lines were silently left out and the invoice billed less than the visit
-- (with every service deleted, an invoice without lines). The visit's services are history, like
-- the price snapshot: deleted services are read for them (and the line guard finds them too).
--
-- A visit's discount may be finer than the currency (10.005 shillings; or a 3333.333 service given
-- free, a discount of 3333.333 on a line the invoice rounds to 3333.33): the invoice line refused
-- it (INVALID_INPUT), and once the visit was completed its services were frozen, so the visit
-- could never be invoiced. The line now takes the discount in the currency's decimals, at most the
-- rounded line: the invoice stays within a cent per line of the visit's value, as for prices.

create or replace function app_public.create_invoice_from_visit(visit_id uuid) returns app_public.invoice
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_visit app_public.visit;
  v_invoice app_public.invoice;
  v_previous text := current_setting('clinicops.include_deleted', true);
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
    raise exception 'A % visit is not invoiced.', v_visit.status using errcode = 'CINVL';
  end if;
  if not exists (select 1 from app_public.visit_service s where s.clinic_id = v_visit.clinic_id and s.visit_id = v_visit.id) then
    raise exception 'This visit has no services to invoice.' using errcode = 'CINVL';
  end if;
  insert into app_public.invoice (clinic_id, patient_id, visit_id) values (v_visit.clinic_id, v_visit.patient_id, v_visit.id)
  returning * into v_invoice;
  -- a service deleted from the catalog since the visit was given it is billed all the same
  perform set_config('clinicops.include_deleted', 'on', true);
  insert into app_public.invoice_line (clinic_id, invoice_id, service_id, visit_service_id, description, quantity, unit_price, discount, tax_rate)
  select s.clinic_id, v_invoice.id, s.service_id, s.id, svc.name, s.quantity, s.unit_price,
         least(round(s.discount, d.decimals), round(s.quantity * s.unit_price, d.decimals)), v_invoice.tax_rate
  from app_public.visit_service s join app_public.service svc on svc.clinic_id = s.clinic_id and svc.id = s.service_id
  cross join (select app_public.currency_decimals(v_invoice.currency) as decimals) d
  where s.clinic_id = v_visit.clinic_id and s.visit_id = v_visit.id
  order by s.created_at;
  perform set_config('clinicops.include_deleted', coalesce(v_previous, ''), true);
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id;
  return v_invoice;
end;
$$;
comment on function app_public.create_invoice_from_visit(uuid) is 'Creates a draft invoice for a visit with a line per service at the price it was given, services deleted from the catalog since included, discounts in the currency''s decimals (one live invoice per visit). Owners, admins, cashiers, and receptionists if the clinic allows.';

--------------------------------------------------------------------------------
-- The dashboard names the services and doctors of its figures through their select policies,
-- which hide deleted services and removed members: a service deleted from the catalog vanished
-- from topServices (and another took its place in the top 5), and a doctor who left the clinic
-- vanished from visitsByDoctor, though their sales and visits stay in the period. The monthly
-- summary PDF, computed by the worker outside any session, kept them: the two disagreed. The
-- dashboard reports history, so it reads deleted rows while it computes its figures.

create or replace function app_public.dashboard(from_date date, to_date date) returns app_public.dashboard
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_previous text := current_setting('clinicops.include_deleted', true);
  v_result app_public.dashboard;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can see the dashboard.' using errcode = 'CFORB';
  end if;
  if from_date is null or to_date is null or to_date < from_date or to_date - from_date > 366 then
    raise exception 'Give a period of at most 367 days: fromDate on or before toDate.' using errcode = 'CINVL';
  end if;
  perform set_config('clinicops.include_deleted', 'on', true);
  v_result := app_private.dashboard_for(app_public.current_clinic_id(), from_date, to_date);
  perform set_config('clinicops.include_deleted', coalesce(v_previous, ''), true);
  return v_result;
end;
$$;

--------------------------------------------------------------------------------
-- A refund leaves in its payment's tender (refund.method is copied from the payment). Correcting
-- the payment's method afterwards (card → cash) left its refunds in the old one: the day expected
-- the whole payment in cash and a negative amount in card, and the dashboard's revenue per method
-- said the same. The refunds now follow the correction, through their own triggers: the rollups
-- and open days' expected totals follow, and a refund on a closed day refuses the correction
-- (DAY_CLOSED), as a change to that day's money.

create or replace function app_private.tg_payment__method_to_refunds() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  update app_public.refund r set method = new.method
  where r.clinic_id = new.clinic_id and r.payment_id = new.id and r.method is distinct from new.method;
  return null;
end;
$$;
comment on function app_private.tg_payment__method_to_refunds() is 'AFTER UPDATE OF method on payments: the payment''s refunds take the corrected method (the tender they left in), so expected totals and rollups per method stay right; a refund on a closed day makes the correction DAY_CLOSED.';

drop trigger if exists _610_method_to_refunds on app_public.payment;
create trigger _610_method_to_refunds after update of method on app_public.payment
  for each row when (old.method is distinct from new.method) execute function app_private.tg_payment__method_to_refunds();

--------------------------------------------------------------------------------
-- An invoice with nothing to pay (a service given free, a line fully discounted) stayed `issued`
-- for ever once issued: a payment must be more than zero and more than its balance of 0 is an
-- overpayment, so nothing could ever make it paid, and it sat among the open invoices. Issued with
-- nothing left to pay is `paid`: the status is decided by what is left, paid first.

create or replace function app_private.tg_invoice__lifecycle() returns trigger
language plpgsql
as $$
begin
  if old.status = 'void' then
    raise exception 'A void invoice cannot change.' using errcode = 'CTRAN';
  end if;
  if (new.patient_id, new.visit_id, new.currency) is distinct from (old.patient_id, old.visit_id, old.currency)
     and old.status <> 'draft' then
    raise exception 'An issued invoice cannot change its patient, visit or currency.' using errcode = 'CTRAN';
  end if;
  if new.status = 'void' then
    if new.amount_paid > 0 then
      raise exception 'Refund the payments of this invoice before voiding it.' using errcode = 'CINVL';
    end if;
    return new;
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
comment on function app_private.tg_invoice__lifecycle() is 'BEFORE UPDATE: void is final and needs nothing paid; after issue the status follows amount_paid (issued, partially_paid, paid; an invoice with nothing to pay, a total of 0, is paid).';
