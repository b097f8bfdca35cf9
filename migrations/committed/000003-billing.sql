--! Previous: sha1:e8f189f39c727b43cdac2993e118f69e01c75611
--! Hash: sha1:643bee42bb239c391284423b4c05f7c60af7d46f
--! Message: billing

--! split: 020-invoices.sql
-- Invoices: numbered without gaps per clinic (INV-000001), built from a
-- visit's services or by hand; totals kept by the database; lines frozen once
-- issued (void and issue a new invoice instead).
--   draft -> issued -> partially_paid -> paid   (the payments move it)
--   draft | issued | partially_paid | paid -> void (with a reason, when nothing is left paid)

alter table app_public.clinic add column receptionists_may_invoice boolean not null default false;
comment on column app_public.clinic.receptionists_may_invoice is 'When true, receptionists may create invoices from visits (and see invoices).';
grant update (receptionists_may_invoice) on app_public.clinic to :DATABASE_VISITOR;

create type app_public.invoice_status as enum ('draft', 'issued', 'partially_paid', 'paid', 'void');
comment on type app_public.invoice_status is 'Where an invoice is: draft, issued, partially_paid, paid or void.';

create or replace function app_hidden.may_invoice() returns boolean
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select app_hidden.current_role_in('owner', 'admin', 'cashier')
    or (app_hidden.current_role_in('receptionist')
        and coalesce((select c.receptionists_may_invoice from app_public.clinic c where c.id = app_public.current_clinic_id()), false));
$$;
comment on function app_hidden.may_invoice() is 'True when the current member may create and see invoices: owners, admins, cashiers, and receptionists if the clinic allows it.';

create or replace function app_hidden.handles_money() returns boolean
language sql stable
as $$
  select app_hidden.current_role_in('owner', 'admin', 'cashier');
$$;
comment on function app_hidden.handles_money() is 'True for the roles that take payments, refund and reconcile: owners, admins and cashiers.';

create table app_public.invoice (
  clinic_id uuid not null default app_public.current_clinic_id() references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  code text not null,
  patient_id uuid not null,
  visit_id uuid,
  doctor_id uuid,
  status app_public.invoice_status not null default 'draft',
  currency text not null,
  tax_rate numeric(6, 4) not null check (tax_rate >= 0 and tax_rate < 1),
  subtotal numeric(16, 3) not null default 0,
  discount_total numeric(16, 3) not null default 0,
  tax_total numeric(16, 3) not null default 0,
  total numeric(16, 3) not null default 0,
  amount_paid numeric(16, 3) not null default 0,
  balance numeric(16, 3) generated always as (total - amount_paid) stored,
  notes text check (char_length(notes) <= 2000),
  issued_at timestamptz,
  issued_by uuid,
  voided_at timestamptz,
  voided_by uuid,
  void_reason text check (char_length(void_reason) <= 500),
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  primary key (clinic_id, id),
  unique (clinic_id, code),
  foreign key (clinic_id, patient_id) references app_public.patient (clinic_id, id),
  foreign key (clinic_id, visit_id) references app_public.visit (clinic_id, id),
  foreign key (clinic_id, doctor_id) references app_public.membership (clinic_id, id),
  check (amount_paid >= 0 and amount_paid <= total),
  check (status <> 'void' or void_reason is not null)
);
create unique index invoice_one_live_per_visit on app_public.invoice (clinic_id, visit_id) where status <> 'void';
create index invoice_clinic_status_idx on app_public.invoice (clinic_id, status);
create index invoice_clinic_patient_idx on app_public.invoice (clinic_id, patient_id);
create index invoice_clinic_doctor_idx on app_public.invoice (clinic_id, doctor_id);
create index invoice_clinic_created_idx on app_public.invoice (clinic_id, created_at);
comment on table app_public.invoice is E'@behavior -delete\nAn invoice to a patient, in the clinic''s currency. Create it with createInvoiceFromVisit or createInvoice and lines; issueInvoice, then payments move it to partially_paid and paid; voidInvoice ends it.';
comment on column app_public.invoice.clinic_id is 'The clinic; always the session''s clinic.';
comment on column app_public.invoice.id is 'Internal identifier.';
comment on column app_public.invoice.code is 'Invoice number, INV-000001, consecutive without gaps per clinic.';
comment on column app_public.invoice.patient_id is 'Who is billed.';
comment on column app_public.invoice.visit_id is 'The visit it bills, if made from one (one live invoice per visit).';
comment on column app_public.invoice.doctor_id is 'The doctor of that visit (for revenue per doctor).';
comment on column app_public.invoice.status is 'draft, issued, partially_paid, paid or void.';
comment on column app_public.invoice.currency is 'ISO 4217 currency: the clinic''s when the invoice was made.';
comment on column app_public.invoice.tax_rate is 'Tax rate copied from the clinic for new lines.';
comment on column app_public.invoice.subtotal is 'Sum of quantity × unit price of the lines.';
comment on column app_public.invoice.discount_total is 'Sum of the lines'' discounts.';
comment on column app_public.invoice.tax_total is 'Sum of the lines'' tax.';
comment on column app_public.invoice.total is 'subtotal - discount_total + tax_total.';
comment on column app_public.invoice.amount_paid is 'Payments minus refunds; never above the total.';
comment on column app_public.invoice.balance is 'What is still owed: total - amount_paid.';
comment on column app_public.invoice.notes is 'Free notes printed on the invoice.';
comment on column app_public.invoice.issued_at is 'When it was issued.';
comment on column app_public.invoice.issued_by is 'Who issued it.';
comment on column app_public.invoice.voided_at is 'When it was voided.';
comment on column app_public.invoice.voided_by is 'Who voided it.';
comment on column app_public.invoice.void_reason is 'Why it was voided.';
comment on column app_public.invoice.created_at is 'When it was created.';
comment on column app_public.invoice.created_by is 'Who created it.';
comment on column app_public.invoice.updated_at is 'When the row last changed.';
comment on column app_public.invoice.updated_by is 'User who last changed the row.';

create table app_public.invoice_line (
  clinic_id uuid not null default app_public.current_clinic_id() references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  invoice_id uuid not null,
  service_id uuid,
  visit_service_id uuid,
  description text not null check (char_length(btrim(description)) between 1 and 300),
  quantity numeric(12, 3) not null default 1 check (quantity > 0 and quantity <= 100000),
  unit_price numeric(16, 3) not null check (unit_price >= 0),
  discount numeric(16, 3) not null default 0 check (discount >= 0),
  tax_rate numeric(6, 4) not null check (tax_rate >= 0 and tax_rate < 1),
  line_subtotal numeric(16, 3) generated always as (round(quantity * unit_price, 2)) stored,
  line_tax numeric(16, 3) generated always as (round((round(quantity * unit_price, 2) - discount) * tax_rate, 2)) stored,
  line_total numeric(16, 3) generated always as (
    round(quantity * unit_price, 2) - discount + round((round(quantity * unit_price, 2) - discount) * tax_rate, 2)
  ) stored,
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  primary key (clinic_id, id),
  foreign key (clinic_id, invoice_id) references app_public.invoice (clinic_id, id),
  foreign key (clinic_id, service_id) references app_public.service (clinic_id, id),
  foreign key (clinic_id, visit_service_id) references app_public.visit_service (clinic_id, id),
  check (discount <= round(quantity * unit_price, 2))
);
create index invoice_line_invoice_idx on app_public.invoice_line (clinic_id, invoice_id);
create index invoice_line_service_idx on app_public.invoice_line (clinic_id, service_id);
create index invoice_line_visit_service_idx on app_public.invoice_line (clinic_id, visit_service_id);
comment on table app_public.invoice_line is 'A line of an invoice. Lines change only while the invoice is a draft.';
comment on column app_public.invoice_line.clinic_id is 'The clinic; always the session''s clinic.';
comment on column app_public.invoice_line.id is 'Internal identifier.';
comment on column app_public.invoice_line.invoice_id is 'The invoice.';
comment on column app_public.invoice_line.service_id is 'The catalog service billed, if any.';
comment on column app_public.invoice_line.visit_service_id is 'The visit''s service this line bills, when made from a visit.';
comment on column app_public.invoice_line.description is 'What is billed (the service name by default).';
comment on column app_public.invoice_line.quantity is 'How many.';
comment on column app_public.invoice_line.unit_price is 'Price of one unit; from the catalog (or the visit''s snapshot) unless given.';
comment on column app_public.invoice_line.discount is 'Discount on the line, at most quantity × unit price.';
comment on column app_public.invoice_line.tax_rate is 'Tax rate of the line (the invoice''s by default).';
comment on column app_public.invoice_line.line_subtotal is 'quantity × unit_price, rounded to 2 decimals.';
comment on column app_public.invoice_line.line_tax is '(line_subtotal - discount) × tax_rate, rounded to 2 decimals.';
comment on column app_public.invoice_line.line_total is 'line_subtotal - discount + line_tax.';
comment on column app_public.invoice_line.created_at is 'When the line was added.';
comment on column app_public.invoice_line.created_by is 'Who added it.';
comment on column app_public.invoice_line.updated_at is 'When the row last changed.';
comment on column app_public.invoice_line.updated_by is 'User who last changed the row.';
comment on constraint invoice_line_clinic_id_invoice_id_fkey on app_public.invoice_line is E'@fieldName invoice\n@foreignFieldName lines';
comment on constraint invoice_line_clinic_id_service_id_fkey on app_public.invoice_line is E'@fieldName service\n@foreignFieldName invoiceLines';
comment on constraint invoice_line_clinic_id_visit_service_id_fkey on app_public.invoice_line is E'@fieldName visitService\n@foreignFieldName invoiceLines';
comment on constraint invoice_clinic_id_patient_id_fkey on app_public.invoice is E'@fieldName patient\n@foreignFieldName invoices';
comment on constraint invoice_clinic_id_visit_id_fkey on app_public.invoice is E'@fieldName visit\n@foreignFieldName invoices';
comment on constraint invoice_clinic_id_doctor_id_fkey on app_public.invoice is E'@fieldName doctor\n@foreignFieldName doctorInvoices';

create or replace function app_private.tg_invoice__defaults() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  select c.currency, c.tax_rate into new.currency, new.tax_rate from app_public.clinic c where c.id = new.clinic_id;
  new.status := 'draft';
  new.amount_paid := 0;
  if new.visit_id is not null then
    select v.patient_id, v.doctor_id into new.patient_id, new.doctor_id
    from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_invoice__defaults() is 'BEFORE INSERT: a new invoice is a draft in the clinic''s currency and tax rate; from a visit it bills the visit''s patient and records its doctor.';

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
  -- Once issued, the payments decide the status.
  if old.status <> 'draft' or new.status <> 'draft' then
    new.status := case
      when new.amount_paid = 0 then 'issued'
      when new.amount_paid < new.total then 'partially_paid'
      else 'paid'
    end::app_public.invoice_status;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_invoice__lifecycle() is 'BEFORE UPDATE: void is final and needs nothing paid; after issue the status follows amount_paid (issued, partially_paid, paid).';

create or replace function app_private.refresh_invoice_totals(clinic_id uuid, invoice_id uuid) returns void
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  update app_public.invoice i set
    subtotal = t.subtotal, discount_total = t.discount, tax_total = t.tax, total = t.total
  from (
    select coalesce(sum(l.line_subtotal), 0) as subtotal, coalesce(sum(l.discount), 0) as discount,
           coalesce(sum(l.line_tax), 0) as tax, coalesce(sum(l.line_total), 0) as total
    from app_public.invoice_line l
    where l.clinic_id = refresh_invoice_totals.clinic_id and l.invoice_id = refresh_invoice_totals.invoice_id
  ) t
  where i.clinic_id = refresh_invoice_totals.clinic_id and i.id = refresh_invoice_totals.invoice_id;
$$;
comment on function app_private.refresh_invoice_totals(uuid, uuid) is 'Recomputes an invoice''s subtotal, discounts, tax and total from its lines.';

create or replace function app_private.tg_invoice_line__guard() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_line app_public.invoice_line := case when tg_op = 'DELETE' then old else new end;
  v_invoice app_public.invoice;
begin
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_line.clinic_id and i.id = v_line.invoice_id for update;
  if v_invoice.status <> 'draft' then
    raise exception 'The lines of an issued invoice never change: void it and issue a new one.' using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'UPDATE' and new.invoice_id <> old.invoice_id then
    raise exception 'A line cannot move to another invoice.' using errcode = 'CINVL';
  end if;
  new.tax_rate := coalesce(new.tax_rate, v_invoice.tax_rate);
  if new.service_id is not null and (tg_op = 'INSERT' or new.service_id is distinct from old.service_id) then
    select coalesce(new.description, s.name), coalesce(new.unit_price, s.price) into new.description, new.unit_price
    from app_public.service s where s.clinic_id = new.clinic_id and s.id = new.service_id;
    if not found then
      raise exception 'No such service in this clinic.' using errcode = 'CNOTF';
    end if;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_invoice_line__guard() is 'BEFORE INSERT/UPDATE/DELETE: lines change only on drafts; a service line defaults to the catalog name and price, every line to the invoice''s tax rate.';

create or replace function app_private.tg_invoice_line__totals() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  perform app_private.refresh_invoice_totals(coalesce(new.clinic_id, old.clinic_id), coalesce(new.invoice_id, old.invoice_id));
  return null;
end;
$$;
comment on function app_private.tg_invoice_line__totals() is 'AFTER INSERT/UPDATE/DELETE: keeps the invoice''s totals equal to its lines.';

alter table app_public.invoice enable row level security;
alter table app_public.invoice force row level security;
create policy system_context on app_public.invoice to :DATABASE_OWNER using ((select app_hidden.in_system_context()));
create policy select_billing on app_public.invoice for select using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.may_invoice())
);
create policy insert_billing on app_public.invoice for insert with check (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.may_invoice())
);
create policy update_money on app_public.invoice for update using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.handles_money())
);
grant select on app_public.invoice to :DATABASE_VISITOR;
grant insert (patient_id, notes) on app_public.invoice to :DATABASE_VISITOR;
grant update (notes) on app_public.invoice to :DATABASE_VISITOR;

alter table app_public.invoice_line enable row level security;
alter table app_public.invoice_line force row level security;
create policy system_context on app_public.invoice_line to :DATABASE_OWNER using ((select app_hidden.in_system_context()));
create policy select_billing on app_public.invoice_line for select using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.may_invoice())
);
create policy insert_billing on app_public.invoice_line for insert with check (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.may_invoice())
);
create policy update_billing on app_public.invoice_line for update using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.may_invoice())
);
create policy delete_billing on app_public.invoice_line for delete using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.may_invoice())
);
grant select on app_public.invoice_line to :DATABASE_VISITOR;
grant insert (invoice_id, service_id, description, quantity, unit_price, discount, tax_rate) on app_public.invoice_line to :DATABASE_VISITOR;
grant update (description, quantity, unit_price, discount, tax_rate) on app_public.invoice_line to :DATABASE_VISITOR;
grant delete on app_public.invoice_line to :DATABASE_VISITOR;

create trigger _100_timestamps before insert or update on app_public.invoice
  for each row execute function app_private.tg__timestamps();
create trigger _110_code before insert or update on app_public.invoice
  for each row execute function app_private.tg__assign_code('INV');
create trigger _150_defaults before insert on app_public.invoice
  for each row execute function app_private.tg_invoice__defaults();
create trigger _200_lifecycle before update on app_public.invoice
  for each row execute function app_private.tg_invoice__lifecycle();
create trigger _500_audit after insert or update or delete on app_public.invoice
  for each row execute function app_private.tg__audit();

create trigger _100_timestamps before insert or update on app_public.invoice_line
  for each row execute function app_private.tg__timestamps();
create trigger _200_guard before insert or update or delete on app_public.invoice_line
  for each row execute function app_private.tg_invoice_line__guard();
create trigger _500_audit after insert or update or delete on app_public.invoice_line
  for each row execute function app_private.tg__audit();
create trigger _600_totals after insert or update or delete on app_public.invoice_line
  for each row execute function app_private.tg_invoice_line__totals();

create or replace function app_public.create_invoice_from_visit(visit_id uuid) returns app_public.invoice
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
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
    raise exception 'A % visit is not invoiced.', v_visit.status using errcode = 'CINVL';
  end if;
  if not exists (select 1 from app_public.visit_service s where s.clinic_id = v_visit.clinic_id and s.visit_id = v_visit.id) then
    raise exception 'This visit has no services to invoice.' using errcode = 'CINVL';
  end if;
  insert into app_public.invoice (clinic_id, patient_id, visit_id) values (v_visit.clinic_id, v_visit.patient_id, v_visit.id)
  returning * into v_invoice;
  insert into app_public.invoice_line (clinic_id, invoice_id, service_id, visit_service_id, description, quantity, unit_price, discount, tax_rate)
  select s.clinic_id, v_invoice.id, s.service_id, s.id, svc.name, s.quantity, s.unit_price, s.discount, v_invoice.tax_rate
  from app_public.visit_service s join app_public.service svc on svc.clinic_id = s.clinic_id and svc.id = s.service_id
  where s.clinic_id = v_visit.clinic_id and s.visit_id = v_visit.id
  order by s.created_at;
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id;
  return v_invoice;
end;
$$;
comment on function app_public.create_invoice_from_visit(uuid) is 'Creates a draft invoice for a visit with a line per service at the price it was given (one live invoice per visit). Owners, admins, cashiers, and receptionists if the clinic allows.';

create or replace function app_public.issue_invoice(invoice_id uuid) returns app_public.invoice
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_invoice app_public.invoice;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can issue invoices.' using errcode = 'CFORB';
  end if;
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = app_public.current_clinic_id() and i.id = issue_invoice.invoice_id for update;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;
  if v_invoice.status <> 'draft' then
    raise exception 'Only a draft can be issued; this invoice is %.', v_invoice.status using errcode = 'CTRAN';
  end if;
  if not exists (select 1 from app_public.invoice_line l where l.clinic_id = v_invoice.clinic_id and l.invoice_id = v_invoice.id) then
    raise exception 'An invoice needs at least one line to be issued.' using errcode = 'CINVL';
  end if;
  update app_public.invoice i set status = 'issued', issued_at = now(), issued_by = app_public.current_user_id()
  where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id
  returning * into v_invoice;
  return v_invoice;
end;
$$;
comment on function app_public.issue_invoice(uuid) is 'Issues a draft invoice: its lines are frozen and it can be paid. Owners, admins and cashiers.';

create or replace function app_public.void_invoice(invoice_id uuid, reason text) returns app_public.invoice
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_invoice app_public.invoice;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can void invoices.' using errcode = 'CFORB';
  end if;
  if nullif(btrim(reason), '') is null then
    raise exception 'A reason is required to void an invoice.' using errcode = 'CINVL';
  end if;
  update app_public.invoice i set status = 'void', voided_at = now(), voided_by = app_public.current_user_id(), void_reason = btrim(reason)
  where i.clinic_id = app_public.current_clinic_id() and i.id = void_invoice.invoice_id
  returning * into v_invoice;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_invoice;
end;
$$;
comment on function app_public.void_invoice(uuid, text) is 'Voids an invoice with a reason (its payments must have been refunded first). Owners, admins and cashiers.';

--! split: 021-payments.sql
-- Payments and refunds. A payment never exceeds the invoice's balance
-- (OVERPAYMENT), a retried payment with the same idempotency key charges once,
-- and a refund never exceeds what is left of its payment. Both count on the
-- business day (in the clinic's time zone) they happen, and a closed day
-- accepts neither (DAY_CLOSED).

create type app_public.payment_method as enum ('cash', 'card', 'bank_transfer', 'mobile_money', 'insurance');
comment on type app_public.payment_method is 'How a payment was made.';

create or replace function app_hidden.business_date(clinic_id uuid, at timestamptz) returns date
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select (at at time zone c.timezone)::date from app_public.clinic c where c.id = business_date.clinic_id;
$$;
comment on function app_hidden.business_date(uuid, timestamptz) is 'The clinic''s business day (its local date) at a moment.';

create table app_public.payment (
  clinic_id uuid not null default app_public.current_clinic_id() references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  code text not null,
  invoice_id uuid not null,
  amount numeric(16, 3) not null check (amount > 0),
  method app_public.payment_method not null,
  reference text check (char_length(reference) <= 200),
  idempotency_key text check (char_length(idempotency_key) between 1 and 200),
  received_at timestamptz not null default now(),
  received_by uuid,
  business_date date not null,
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  primary key (clinic_id, id),
  unique (clinic_id, code),
  unique (clinic_id, idempotency_key),
  foreign key (clinic_id, invoice_id) references app_public.invoice (clinic_id, id)
);
create index payment_invoice_idx on app_public.payment (clinic_id, invoice_id);
create index payment_business_date_idx on app_public.payment (clinic_id, business_date, method);
create index payment_method_idx on app_public.payment (clinic_id, method);
comment on table app_public.payment is E'@behavior -insert -delete\nMoney received against an invoice. Take payments with recordPayment; refunds are their own rows.';
comment on column app_public.payment.clinic_id is 'The clinic.';
comment on column app_public.payment.id is 'Internal identifier.';
comment on column app_public.payment.code is 'Human-readable code, PAY-000001.';
comment on column app_public.payment.invoice_id is 'The invoice paid.';
comment on column app_public.payment.amount is 'Amount received, in the invoice''s currency; more than zero.';
comment on column app_public.payment.method is 'cash, card, bank_transfer, mobile_money or insurance.';
comment on column app_public.payment.reference is 'Card slip, transfer or mobile money reference.';
comment on column app_public.payment.idempotency_key is 'A key chosen by the client per intended payment: the same key again returns the same payment.';
comment on column app_public.payment.received_at is 'When the money was received.';
comment on column app_public.payment.received_by is 'Who received it.';
comment on column app_public.payment.business_date is 'The clinic''s business day of received_at (its own time zone).';
comment on column app_public.payment.created_at is 'When it was recorded.';
comment on column app_public.payment.created_by is 'Who recorded it.';
comment on column app_public.payment.updated_at is 'When the row last changed.';
comment on column app_public.payment.updated_by is 'User who last changed the row.';
comment on constraint payment_clinic_id_invoice_id_fkey on app_public.payment is E'@fieldName invoice\n@foreignFieldName payments';

create table app_public.refund (
  clinic_id uuid not null default app_public.current_clinic_id() references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  code text not null,
  payment_id uuid not null,
  invoice_id uuid not null,
  amount numeric(16, 3) not null check (amount > 0),
  method app_public.payment_method not null,
  reason text not null check (char_length(btrim(reason)) between 1 and 500),
  refunded_at timestamptz not null default now(),
  refunded_by uuid,
  business_date date not null,
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  primary key (clinic_id, id),
  unique (clinic_id, code),
  foreign key (clinic_id, payment_id) references app_public.payment (clinic_id, id),
  foreign key (clinic_id, invoice_id) references app_public.invoice (clinic_id, id)
);
create index refund_payment_idx on app_public.refund (clinic_id, payment_id);
create index refund_invoice_idx on app_public.refund (clinic_id, invoice_id);
create index refund_business_date_idx on app_public.refund (clinic_id, business_date, method);
comment on table app_public.refund is E'@behavior -insert -update -delete\nMoney given back from a payment, by refundPayment. It counts against its own business day.';
comment on column app_public.refund.clinic_id is 'The clinic.';
comment on column app_public.refund.id is 'Internal identifier.';
comment on column app_public.refund.code is 'Human-readable code, REF-000001.';
comment on column app_public.refund.payment_id is 'The payment refunded.';
comment on column app_public.refund.invoice_id is 'The invoice of that payment.';
comment on column app_public.refund.amount is 'Amount given back; at most what is left of the payment.';
comment on column app_public.refund.method is 'The payment''s method: the tender the money leaves in.';
comment on column app_public.refund.reason is 'Why.';
comment on column app_public.refund.refunded_at is 'When the money was given back.';
comment on column app_public.refund.refunded_by is 'Who gave it back.';
comment on column app_public.refund.business_date is 'The clinic''s business day of refunded_at.';
comment on column app_public.refund.created_at is 'When it was recorded.';
comment on column app_public.refund.created_by is 'Who recorded it.';
comment on column app_public.refund.updated_at is 'When the row last changed.';
comment on column app_public.refund.updated_by is 'User who last changed the row.';
comment on constraint refund_clinic_id_payment_id_fkey on app_public.refund is E'@fieldName payment\n@foreignFieldName refunds';
comment on constraint refund_clinic_id_invoice_id_fkey on app_public.refund is E'@fieldName invoice\n@foreignFieldName refunds';

create or replace function app_private.refresh_amount_paid(clinic_id uuid, invoice_id uuid) returns void
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  update app_public.invoice i set amount_paid =
    coalesce((select sum(p.amount) from app_public.payment p where p.clinic_id = i.clinic_id and p.invoice_id = i.id), 0)
    - coalesce((select sum(r.amount) from app_public.refund r where r.clinic_id = i.clinic_id and r.invoice_id = i.id), 0)
  where i.clinic_id = refresh_amount_paid.clinic_id and i.id = refresh_amount_paid.invoice_id;
$$;
comment on function app_private.refresh_amount_paid(uuid, uuid) is 'Sets an invoice''s amount_paid to its payments minus its refunds (its status follows).';

create or replace function app_private.tg__money_day() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_at timestamptz := coalesce(v_row ->> 'received_at', v_row ->> 'refunded_at')::timestamptz;
begin
  if tg_op <> 'DELETE' then
    new.business_date := app_hidden.business_date(new.clinic_id, v_at);
  end if;
  -- The share lock waits for a close in progress and keeps the day from closing under us.
  perform 1 from app_public.daily_reconciliation d
  where d.clinic_id = (v_row ->> 'clinic_id')::uuid and d.status = 'closed'
    and d.business_date in (
      case when tg_op <> 'DELETE' then app_hidden.business_date(new.clinic_id, v_at) end,
      case when tg_op <> 'INSERT' then old.business_date end)
  for share;
  if found then
    raise exception 'The business day is closed: its payments and refunds can no longer change.' using errcode = 'CDAYC';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
comment on function app_private.tg__money_day() is 'BEFORE INSERT/UPDATE/DELETE on payments and refunds: sets the business day in the clinic''s time zone and refuses any change to a closed day (DAY_CLOSED).';

create or replace function app_private.tg__money_totals() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
begin
  perform app_private.refresh_amount_paid((v_row ->> 'clinic_id')::uuid, (v_row ->> 'invoice_id')::uuid);
  perform app_private.refresh_reconciliation((v_row ->> 'clinic_id')::uuid, (v_row ->> 'business_date')::date);
  return null;
end;
$$;
comment on function app_private.tg__money_totals() is 'AFTER INSERT/UPDATE/DELETE on payments and refunds: the invoice''s amount paid and the open day''s expected totals follow.';

create or replace function app_private.tg_payment__guard() returns trigger
language plpgsql
as $$
begin
  if (new.invoice_id, new.amount, new.received_at, new.idempotency_key) is distinct from
     (old.invoice_id, old.amount, old.received_at, old.idempotency_key) then
    raise exception 'A payment''s invoice, amount and time never change: refund it instead.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_payment__guard() is 'BEFORE UPDATE: only the method and reference of a payment may be corrected.';

alter table app_public.payment enable row level security;
alter table app_public.payment force row level security;
create policy system_context on app_public.payment to :DATABASE_OWNER using ((select app_hidden.in_system_context()));
create policy money_handlers on app_public.payment using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.handles_money())
);
grant select on app_public.payment to :DATABASE_VISITOR;
grant update (method, reference) on app_public.payment to :DATABASE_VISITOR;

alter table app_public.refund enable row level security;
alter table app_public.refund force row level security;
create policy system_context on app_public.refund to :DATABASE_OWNER using ((select app_hidden.in_system_context()));
create policy money_handlers on app_public.refund using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.handles_money())
);
grant select on app_public.refund to :DATABASE_VISITOR;

create trigger _100_timestamps before insert or update on app_public.payment
  for each row execute function app_private.tg__timestamps();
create trigger _110_code before insert or update on app_public.payment
  for each row execute function app_private.tg__assign_code('PAY');
create trigger _200_guard before update on app_public.payment
  for each row execute function app_private.tg_payment__guard();
create trigger _300_money_day before insert or update or delete on app_public.payment
  for each row execute function app_private.tg__money_day();
create trigger _500_audit after insert or update or delete on app_public.payment
  for each row execute function app_private.tg__audit();
create trigger _600_totals after insert or update or delete on app_public.payment
  for each row execute function app_private.tg__money_totals();

create trigger _100_timestamps before insert or update on app_public.refund
  for each row execute function app_private.tg__timestamps();
create trigger _110_code before insert or update on app_public.refund
  for each row execute function app_private.tg__assign_code('REF');
create trigger _300_money_day before insert or update or delete on app_public.refund
  for each row execute function app_private.tg__money_day();
create trigger _500_audit after insert or update or delete on app_public.refund
  for each row execute function app_private.tg__audit();
create trigger _600_totals after insert or update or delete on app_public.refund
  for each row execute function app_private.tg__money_totals();

create or replace function app_public.record_payment(
  invoice_id uuid, amount numeric, method app_public.payment_method,
  reference text default null, idempotency_key text default null, received_at timestamptz default null
) returns app_public.payment
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_invoice app_public.invoice;
  v_payment app_public.payment;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can take payments.' using errcode = 'CFORB';
  end if;
  if amount is null or amount <= 0 then
    raise exception 'A payment must be more than zero.' using errcode = 'CINVL';
  end if;
  if method is null then
    raise exception 'A payment method is required.' using errcode = 'CINVL';
  end if;
  if record_payment.received_at > now() + interval '5 minutes' then
    raise exception 'A payment cannot be received in the future.' using errcode = 'CINVL';
  end if;

  -- The invoice's row lock orders concurrent payments: each sees the balance the previous left.
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = v_clinic and i.id = record_payment.invoice_id for update;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;

  if idempotency_key is not null then
    select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.idempotency_key = record_payment.idempotency_key;
    if v_payment.id is not null then
      if (v_payment.invoice_id, v_payment.amount, v_payment.method) is distinct from (v_invoice.id, record_payment.amount, record_payment.method) then
        raise exception 'This idempotency key was already used for a different payment.' using errcode = 'CCONF';
      end if;
      return v_payment; -- a retry: the same payment, charged once
    end if;
  end if;

  if v_invoice.status = 'draft' then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  elsif v_invoice.status = 'void' then
    raise exception 'A void invoice cannot be paid.' using errcode = 'CINVL';
  end if;
  if amount > v_invoice.balance then
    raise exception 'This payment of % is more than the balance of %.', amount, v_invoice.balance using errcode = 'COVPY';
  end if;

  insert into app_public.payment (clinic_id, invoice_id, amount, method, reference, idempotency_key, received_at, received_by)
  values (v_clinic, v_invoice.id, amount, method, nullif(btrim(reference), ''), idempotency_key,
          coalesce(record_payment.received_at, now()), app_public.current_user_id())
  returning * into v_payment;
  return v_payment;
end;
$$;
comment on function app_public.record_payment(uuid, numeric, app_public.payment_method, text, text, timestamptz) is 'Takes a payment against an issued invoice: never more than its balance (OVERPAYMENT); with an idempotency key, a retry returns the first payment instead of charging again; refused on a closed day (DAY_CLOSED). Owners, admins and cashiers.';

create or replace function app_public.payment_refunded_amount(payment app_public.payment) returns numeric
language sql stable
as $$
  select coalesce(sum(r.amount), 0) from app_public.refund r where r.clinic_id = payment.clinic_id and r.payment_id = payment.id;
$$;
comment on function app_public.payment_refunded_amount(app_public.payment) is 'How much of the payment was refunded.';

create or replace function app_public.refund_payment(payment_id uuid, amount numeric, reason text) returns app_public.refund
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_payment app_public.payment;
  v_refund app_public.refund;
  v_left numeric;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can refund.' using errcode = 'CFORB';
  end if;
  if amount is null or amount <= 0 then
    raise exception 'A refund must be more than zero.' using errcode = 'CINVL';
  end if;
  if nullif(btrim(reason), '') is null then
    raise exception 'A reason is required to refund.' using errcode = 'CINVL';
  end if;
  select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.id = refund_payment.payment_id for update;
  if v_payment.id is null then
    raise exception 'No such payment in this clinic.' using errcode = 'CNOTF';
  end if;
  -- The payment's row lock (above) orders concurrent refunds of it.
  v_left := v_payment.amount - app_public.payment_refunded_amount(v_payment);
  if amount > v_left then
    raise exception 'A refund of % is more than the % left of this payment.', amount, v_left using errcode = 'CRFND';
  end if;
  perform 1 from app_public.invoice i where i.clinic_id = v_clinic and i.id = v_payment.invoice_id for update;
  insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason, refunded_by)
  values (v_clinic, v_payment.id, v_payment.invoice_id, amount, v_payment.method, btrim(reason), app_public.current_user_id())
  returning * into v_refund;
  return v_refund;
end;
$$;
comment on function app_public.refund_payment(uuid, numeric, text) is 'Gives money back from a payment (never more than is left of it, REFUND_EXCEEDS_PAYMENT), moving the invoice back to partially_paid or issued; refused on a closed day. Owners, admins and cashiers.';

--! split: 022-reconciliation.sql
-- Daily cash reconciliation per clinic and business day (the clinic's local
-- date): expected totals per method (payments minus refunds of that day), the
-- amounts counted, the difference. The worker opens the days; a cashier or
-- owner closes them; once closed, that day's money cannot change; an owner can
-- reopen with a reason.

create type app_public.reconciliation_status as enum ('open', 'closed');
comment on type app_public.reconciliation_status is 'open (money may still move) or closed (frozen).';

create table app_public.daily_reconciliation (
  clinic_id uuid not null default app_public.current_clinic_id() references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  business_date date not null,
  status app_public.reconciliation_status not null default 'open',
  expected_cash numeric(16, 3) not null default 0,
  expected_card numeric(16, 3) not null default 0,
  expected_bank_transfer numeric(16, 3) not null default 0,
  expected_mobile_money numeric(16, 3) not null default 0,
  expected_insurance numeric(16, 3) not null default 0,
  expected_total numeric(16, 3) generated always as (
    expected_cash + expected_card + expected_bank_transfer + expected_mobile_money + expected_insurance
  ) stored,
  counted_cash numeric(16, 3) check (counted_cash >= 0),
  counted_card numeric(16, 3) check (counted_card >= 0),
  counted_bank_transfer numeric(16, 3) check (counted_bank_transfer >= 0),
  counted_mobile_money numeric(16, 3) check (counted_mobile_money >= 0),
  counted_insurance numeric(16, 3) check (counted_insurance >= 0),
  counted_total numeric(16, 3) generated always as (
    coalesce(counted_cash, 0) + coalesce(counted_card, 0) + coalesce(counted_bank_transfer, 0)
    + coalesce(counted_mobile_money, 0) + coalesce(counted_insurance, 0)
  ) stored,
  cash_difference numeric(16, 3) generated always as (coalesce(counted_cash, 0) - expected_cash) stored,
  difference numeric(16, 3) generated always as (
    coalesce(counted_cash, 0) + coalesce(counted_card, 0) + coalesce(counted_bank_transfer, 0)
    + coalesce(counted_mobile_money, 0) + coalesce(counted_insurance, 0)
    - (expected_cash + expected_card + expected_bank_transfer + expected_mobile_money + expected_insurance)
  ) stored,
  notes text check (char_length(notes) <= 2000),
  closed_at timestamptz,
  closed_by uuid,
  reopened_at timestamptz,
  reopened_by uuid,
  reopen_reason text check (char_length(reopen_reason) <= 500),
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  primary key (clinic_id, id),
  unique (clinic_id, business_date)
);
create index daily_reconciliation_status_idx on app_public.daily_reconciliation (clinic_id, status, business_date);
comment on table app_public.daily_reconciliation is E'@behavior -insert -delete\nThe cash-up of one business day: expected per method (payments minus refunds), counted, difference. Opened by the worker; closeDay / reopenDay.';
comment on column app_public.daily_reconciliation.clinic_id is 'The clinic.';
comment on column app_public.daily_reconciliation.id is 'Internal identifier.';
comment on column app_public.daily_reconciliation.business_date is 'The clinic''s local date reconciled.';
comment on column app_public.daily_reconciliation.status is 'open or closed.';
comment on column app_public.daily_reconciliation.expected_cash is 'Cash payments minus cash refunds of the day.';
comment on column app_public.daily_reconciliation.expected_card is 'Card payments minus card refunds of the day.';
comment on column app_public.daily_reconciliation.expected_bank_transfer is 'Bank transfers minus their refunds.';
comment on column app_public.daily_reconciliation.expected_mobile_money is 'Mobile money minus its refunds.';
comment on column app_public.daily_reconciliation.expected_insurance is 'Insurance payments minus their refunds.';
comment on column app_public.daily_reconciliation.expected_total is 'All expected tenders.';
comment on column app_public.daily_reconciliation.counted_cash is 'Cash counted in the drawer.';
comment on column app_public.daily_reconciliation.counted_card is 'Card total from the terminal.';
comment on column app_public.daily_reconciliation.counted_bank_transfer is 'Bank transfers seen on the statement.';
comment on column app_public.daily_reconciliation.counted_mobile_money is 'Mobile money seen on the statement.';
comment on column app_public.daily_reconciliation.counted_insurance is 'Insurance amounts confirmed.';
comment on column app_public.daily_reconciliation.counted_total is 'All counted tenders.';
comment on column app_public.daily_reconciliation.cash_difference is 'Counted cash minus expected cash (negative: missing).';
comment on column app_public.daily_reconciliation.difference is 'Counted total minus expected total.';
comment on column app_public.daily_reconciliation.notes is 'The cashier''s notes.';
comment on column app_public.daily_reconciliation.closed_at is 'When the day was closed.';
comment on column app_public.daily_reconciliation.closed_by is 'Who closed it.';
comment on column app_public.daily_reconciliation.reopened_at is 'When it was last reopened.';
comment on column app_public.daily_reconciliation.reopened_by is 'Who reopened it.';
comment on column app_public.daily_reconciliation.reopen_reason is 'Why it was reopened.';
comment on column app_public.daily_reconciliation.created_at is 'When the day was opened.';
comment on column app_public.daily_reconciliation.created_by is 'Who opened it (null: the worker).';
comment on column app_public.daily_reconciliation.updated_at is 'When the row last changed.';
comment on column app_public.daily_reconciliation.updated_by is 'User who last changed the row.';

alter table app_public.daily_reconciliation enable row level security;
alter table app_public.daily_reconciliation force row level security;
create policy system_context on app_public.daily_reconciliation to :DATABASE_OWNER using ((select app_hidden.in_system_context()));
create policy money_handlers on app_public.daily_reconciliation using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.handles_money())
);
grant select on app_public.daily_reconciliation to :DATABASE_VISITOR;
grant update (notes) on app_public.daily_reconciliation to :DATABASE_VISITOR;

create trigger _100_timestamps before insert or update on app_public.daily_reconciliation
  for each row execute function app_private.tg__timestamps();
create trigger _500_audit after insert or update or delete on app_public.daily_reconciliation
  for each row execute function app_private.tg__audit();

-- The expected totals of one clinics day, recomputed from its payments and refunds.
create or replace function app_private.expected_totals(clinic_id uuid, business_date date)
returns table (cash numeric, card numeric, bank_transfer numeric, mobile_money numeric, insurance numeric)
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  with movements as (
    select p.method, p.amount from app_public.payment p
    where p.clinic_id = expected_totals.clinic_id and p.business_date = expected_totals.business_date
    union all
    select r.method, -r.amount from app_public.refund r
    where r.clinic_id = expected_totals.clinic_id and r.business_date = expected_totals.business_date
  )
  select coalesce(sum(amount) filter (where method = 'cash'), 0),
         coalesce(sum(amount) filter (where method = 'card'), 0),
         coalesce(sum(amount) filter (where method = 'bank_transfer'), 0),
         coalesce(sum(amount) filter (where method = 'mobile_money'), 0),
         coalesce(sum(amount) filter (where method = 'insurance'), 0)
  from movements;
$$;
comment on function app_private.expected_totals(uuid, date) is 'Payments minus refunds per method for one clinic and business day.';

create or replace function app_private.refresh_reconciliation(clinic_id uuid, business_date date) returns void
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  update app_public.daily_reconciliation d set
    expected_cash = t.cash, expected_card = t.card, expected_bank_transfer = t.bank_transfer,
    expected_mobile_money = t.mobile_money, expected_insurance = t.insurance
  from app_private.expected_totals(refresh_reconciliation.clinic_id, refresh_reconciliation.business_date) t
  where d.clinic_id = refresh_reconciliation.clinic_id and d.business_date = refresh_reconciliation.business_date
    and d.status = 'open'
    and (d.expected_cash, d.expected_card, d.expected_bank_transfer, d.expected_mobile_money, d.expected_insurance)
        is distinct from (t.cash, t.card, t.bank_transfer, t.mobile_money, t.insurance);
$$;
comment on function app_private.refresh_reconciliation(uuid, date) is 'Brings an open day''s expected totals up to date (a closed day is left as closed).';

create or replace function app_private.open_reconciliations(as_of timestamptz default now()) returns integer
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  -- For every clinic: the business day that ended before `as_of` (its local
  -- yesterday), with expected totals recomputed from scratch. Closed days are
  -- never touched, so running it again, or after a crash, changes nothing.
  with days as (
    select c.id as clinic_id, (as_of at time zone c.timezone)::date - 1 as business_date
    from app_public.clinic c
  ),
  totals as (
    select d.clinic_id, d.business_date,
      coalesce(sum(m.amount) filter (where m.method = 'cash'), 0) as cash,
      coalesce(sum(m.amount) filter (where m.method = 'card'), 0) as card,
      coalesce(sum(m.amount) filter (where m.method = 'bank_transfer'), 0) as bank_transfer,
      coalesce(sum(m.amount) filter (where m.method = 'mobile_money'), 0) as mobile_money,
      coalesce(sum(m.amount) filter (where m.method = 'insurance'), 0) as insurance
    from days d
    left join lateral (
      select p.method, p.amount from app_public.payment p where p.clinic_id = d.clinic_id and p.business_date = d.business_date
      union all
      select r.method, -r.amount from app_public.refund r where r.clinic_id = d.clinic_id and r.business_date = d.business_date
    ) m on true
    group by d.clinic_id, d.business_date
  ),
  upserted as (
    insert into app_public.daily_reconciliation as r
      (clinic_id, business_date, expected_cash, expected_card, expected_bank_transfer, expected_mobile_money, expected_insurance)
    select clinic_id, business_date, cash, card, bank_transfer, mobile_money, insurance from totals
    on conflict (clinic_id, business_date) do update set
      expected_cash = excluded.expected_cash, expected_card = excluded.expected_card,
      expected_bank_transfer = excluded.expected_bank_transfer, expected_mobile_money = excluded.expected_mobile_money,
      expected_insurance = excluded.expected_insurance
    where r.status = 'open'
      and (r.expected_cash, r.expected_card, r.expected_bank_transfer, r.expected_mobile_money, r.expected_insurance)
          is distinct from (excluded.expected_cash, excluded.expected_card, excluded.expected_bank_transfer,
                            excluded.expected_mobile_money, excluded.expected_insurance)
    returning 1
  )
  select count(*)::integer from upserted;
$$;
comment on function app_private.open_reconciliations(timestamptz) is 'Opens (or refreshes, while open) every clinic''s reconciliation of the business day that ended before `as_of`; one statement, so a crash leaves nothing half done. Returns how many rows it wrote. Run by the reconciliation__open task.';

create or replace function app_public.close_day(
  business_date date, counted_cash numeric default 0, counted_card numeric default 0, counted_bank_transfer numeric default 0,
  counted_mobile_money numeric default 0, counted_insurance numeric default 0, notes text default null
) returns app_public.daily_reconciliation
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_day app_public.daily_reconciliation;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can close a day.' using errcode = 'CFORB';
  end if;
  if business_date is null or business_date > app_hidden.business_date(v_clinic, now()) then
    raise exception 'Only a business day that has started can be closed.' using errcode = 'CINVL';
  end if;
  insert into app_public.daily_reconciliation (clinic_id, business_date) values (v_clinic, close_day.business_date)
  on conflict on constraint daily_reconciliation_clinic_id_business_date_key do nothing;
  -- Lock the day: payments of this day wait for us, and we see them all.
  select * into v_day from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.business_date = close_day.business_date for update;
  if v_day.status = 'closed' then
    raise exception 'This business day is already closed.' using errcode = 'CDAYC';
  end if;
  perform app_private.refresh_reconciliation(v_clinic, close_day.business_date);
  update app_public.daily_reconciliation d set
    status = 'closed', counted_cash = close_day.counted_cash, counted_card = close_day.counted_card,
    counted_bank_transfer = close_day.counted_bank_transfer, counted_mobile_money = close_day.counted_mobile_money,
    counted_insurance = close_day.counted_insurance, notes = coalesce(close_day.notes, d.notes),
    closed_at = now(), closed_by = app_public.current_user_id()
  where d.clinic_id = v_clinic and d.id = v_day.id
  returning * into v_day;
  return v_day;
end;
$$;
comment on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text) is 'Records what was counted for a business day and closes it: its payments and refunds are frozen from then on (DAY_CLOSED). Owners, admins and cashiers.';

create or replace function app_public.reopen_day(business_date date, reason text) returns app_public.daily_reconciliation
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_day app_public.daily_reconciliation;
begin
  if not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner can reopen a closed day.' using errcode = 'CFORB';
  end if;
  if nullif(btrim(reason), '') is null then
    raise exception 'A reason is required to reopen a day.' using errcode = 'CINVL';
  end if;
  update app_public.daily_reconciliation d set status = 'open', reopened_at = now(), reopened_by = app_public.current_user_id(),
    reopen_reason = btrim(reason), closed_at = null, closed_by = null
  where d.clinic_id = app_public.current_clinic_id() and d.business_date = reopen_day.business_date and d.status = 'closed'
  returning * into v_day;
  if v_day.id is null then
    raise exception 'No closed day on that date in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_day;
end;
$$;
comment on function app_public.reopen_day(date, text) is 'Reopens a closed business day with a reason (audited). Owners only.';

--! split: 023-revenue.sql
-- Money as it moved: payments in, refunds out, on their business days. Every
-- revenue figure (per day, per method, per doctor) sums this view, so refunds
-- are never left out of a total.

create or replace view app_public.money_movement with (security_invoker = true) as
  select p.clinic_id, 'payment'::text as kind, p.id as movement_id, p.id as payment_id, p.invoice_id, i.doctor_id,
         p.business_date, p.method, p.amount
  from app_public.payment p
  join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
  union all
  select r.clinic_id, 'refund', r.id, r.payment_id, r.invoice_id, i.doctor_id, r.business_date, r.method, -r.amount
  from app_public.refund r
  join app_public.invoice i on i.clinic_id = r.clinic_id and i.id = r.invoice_id;
comment on view app_public.money_movement is E'@behavior +connection -list\nEvery payment (positive) and refund (negative) with its business day, method and the invoice''s doctor: sum `amount` for net revenue. Visible to those who handle money.';
comment on column app_public.money_movement.clinic_id is E'@behavior +groupBy +filterBy +orderBy\nThe clinic.';
comment on column app_public.money_movement.kind is E'@behavior +groupBy +filterBy +orderBy\npayment or refund.';
comment on column app_public.money_movement.movement_id is 'The payment''s or the refund''s id.';
comment on column app_public.money_movement.payment_id is 'The payment (a refund''s payment).';
comment on column app_public.money_movement.invoice_id is E'@behavior +groupBy +filterBy\nThe invoice.';
comment on column app_public.money_movement.doctor_id is E'@behavior +groupBy +filterBy +orderBy\nThe doctor of the invoiced visit, if any.';
comment on column app_public.money_movement.business_date is E'@behavior +groupBy +filterBy +orderBy\nThe clinic''s business day it counts on.';
comment on column app_public.money_movement.method is E'@behavior +groupBy +filterBy +orderBy\nThe tender.';
comment on column app_public.money_movement.amount is E'@behavior +filterBy +orderBy\nPositive for a payment, negative for a refund.';
grant select on app_public.money_movement to :DATABASE_VISITOR;
