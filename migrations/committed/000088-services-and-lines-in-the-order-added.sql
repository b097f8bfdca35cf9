--! Previous: sha1:b4314b604134a6400f116ec3f2577373f2c5a9e9
--! Hash: sha1:b8347fbe833fbaf7cd2dfb296f88372e80a43b9e
--! Message: services and lines in the order added

--------------------------------------------------------------------------------
-- A visit's services and an invoice's lines are listed in the order they were added.
--
-- Both tables have random (uuid) keys, and the API listed them by key: in no order a person would
-- recognise, different from one invoice to the next. Ordering by created_at did not do either: the
-- lines createInvoiceFromVisit makes share its transaction's time. Each row now gets its place
-- among its visit's or invoice's rows when it is added (one more than the last there), and lists
-- without an orderBy follow it, grouped by their visit or invoice where they are of several
-- (@defaultOrderBy, server/default-order.ts: the (clinic_id, parent, position) index serves that
-- order), as do the invoice PDF and the lines createInvoiceFromVisit copies from the visit.

create or replace function app_private.tg_visit_service__snapshot() RETURNS trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_line app_public.visit_service := case when tg_op = 'DELETE' then old else new end;
  v_status app_public.visit_status;
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
  if v_status in ('completed', 'cancelled', 'no_show') then
    raise exception 'The services of a % visit are frozen.', app_hidden.visit_status_words(v_status) using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'INSERT' then
    select s.price into new.unit_price from app_public.service s
    where s.clinic_id = new.clinic_id and s.id = new.service_id and s.is_active and s.deleted_at is null;
    if not found then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  else
    new.unit_price := old.unit_price;
    if (new.visit_id, new.service_id) is distinct from (old.visit_id, old.service_id) then
      raise exception 'Remove the line and add another instead of changing its visit or service.' using errcode = 'CINVL';
    end if;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit_service__snapshot() is 'BEFORE INSERT/UPDATE/DELETE: the line''s visit must be one the session sees in its clinic (NOT_FOUND otherwise); copies the catalog price at insert, keeps it afterwards, and freezes the services of finished visits; locks the visit (FOR NO KEY UPDATE), so a line and a completion of its visit, and two lines of one visit, take turns.';

-- Each row's place: one more than the last of its parent's, which the trigger before it (_200) has
-- locked until commit, the visit by tg_visit_service__snapshot and the invoice by
-- tg_invoice_line__guard, so rows of one parent added at once get their places one after the other.
create or replace function app_private.tg_visit_service__position() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  select coalesce(max(s.position), 0) + 1 into new.position
  from app_public.visit_service s where s.clinic_id = new.clinic_id and s.visit_id = new.visit_id;
  return new;
end;
$$;
revoke all on function app_private.tg_visit_service__position() from public;
comment on function app_private.tg_visit_service__position() is 'BEFORE INSERT: the service''s position among its visit''s, one more than the last; the visit is locked by tg_visit_service__snapshot, which runs before.';

create or replace function app_private.tg_invoice_line__position() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  select coalesce(max(l.position), 0) + 1 into new.position
  from app_public.invoice_line l where l.clinic_id = new.clinic_id and l.invoice_id = new.invoice_id;
  return new;
end;
$$;
revoke all on function app_private.tg_invoice_line__position() from public;
comment on function app_private.tg_invoice_line__position() is 'BEFORE INSERT: the line''s position on its invoice, one more than the last; the invoice is locked by tg_invoice_line__guard, which runs before.';

-- the positions of the rows there are follow when they were added (ties, as in one transaction,
-- by key); filling them in is not a change anyone made, so the audit and the row triggers (which
-- refuse changes to issued invoices' lines) are not run for it
alter table app_public.visit_service add column if not exists position integer;
alter table app_public.visit_service disable trigger user;
update app_public.visit_service s set position = n.position
from (select id, row_number() over (partition by clinic_id, visit_id order by created_at, id) as position from app_public.visit_service) n
where s.id = n.id and s.position is null;
alter table app_public.visit_service enable trigger user;
alter table app_public.visit_service alter column position set not null;
create unique index if not exists visit_service_position on app_public.visit_service (clinic_id, visit_id, position);
drop index if exists app_public.visit_service_visit_idx; -- its (clinic_id, visit_id) leads the position's index
drop trigger if exists _210_position on app_public.visit_service;
create trigger _210_position before insert on app_public.visit_service for each row execute function app_private.tg_visit_service__position();
comment on column app_public.visit_service.position is E'@behavior +orderBy -attribute:aggregate -attribute:aggregate:orderBy -attribute:aggregate:filterBy -attribute:groupBy -attribute:havingBy\nThe service''s place among its visit''s services, in the order they were added: one more than the last there when it was added.';
comment on table app_public.visit_service is E'@defaultOrderBy VISIT_ID_ASC,POSITION_ASC\nA service given during a visit, with the unit price it had in the catalog at that moment. Listed by visit, and within a visit in the order the services were added.';

alter table app_public.invoice_line add column if not exists position integer;
alter table app_public.invoice_line disable trigger user;
update app_public.invoice_line l set position = n.position
from (select l2.id, row_number() over (partition by l2.clinic_id, l2.invoice_id order by l2.created_at, vs.position, l2.id) as position
      from app_public.invoice_line l2
      left join app_public.visit_service vs on vs.clinic_id = l2.clinic_id and vs.id = l2.visit_service_id) n
where l.id = n.id and l.position is null;
alter table app_public.invoice_line enable trigger user;
alter table app_public.invoice_line alter column position set not null;
create unique index if not exists invoice_line_position on app_public.invoice_line (clinic_id, invoice_id, position);
drop index if exists app_public.invoice_line_invoice_idx; -- its (clinic_id, invoice_id) leads the position's index
drop trigger if exists _210_position on app_public.invoice_line;
create trigger _210_position before insert on app_public.invoice_line for each row execute function app_private.tg_invoice_line__position();
comment on column app_public.invoice_line.position is E'@behavior +orderBy -attribute:aggregate -attribute:aggregate:orderBy -attribute:aggregate:filterBy -attribute:groupBy -attribute:havingBy\nThe line''s place on its invoice, in the order the lines were added: one more than the last there when it was added; lines made from a visit follow its services'' order.';
comment on table app_public.invoice_line is E'@defaultOrderBy INVOICE_ID_ASC,POSITION_ASC\nA line of an invoice. Lines change only while the invoice is a draft. Listed by invoice, and within an invoice in the order they were added.';

create or replace function app_public.create_invoice_from_visit(visit_id uuid) RETURNS app_public.invoice
language plpgsql security definer set search_path to pg_catalog, public, pg_temp set clinicops.include_deleted to on as $$
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
  -- a service deleted from the catalog since the visit was given it is billed all the same (this
  -- function sees deleted rows: its definition sets clinicops.include_deleted)
  insert into app_public.invoice_line (clinic_id, invoice_id, service_id, visit_service_id, description, quantity, unit_price, discount, tax_rate)
  select s.clinic_id, v_invoice.id, s.service_id, s.id, svc.name, s.quantity, s.unit_price,
         least(round(s.discount, d.decimals), round(s.quantity * s.unit_price, d.decimals)), v_invoice.tax_rate
  from app_public.visit_service s join app_public.service svc on svc.clinic_id = s.clinic_id and svc.id = s.service_id
  cross join (select app_public.currency_decimals(v_invoice.currency) as decimals) d
  where s.clinic_id = v_visit.clinic_id and s.visit_id = v_visit.id
  order by s.position;
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id;
  return v_invoice;
end;
$$;
create or replace function app_private.invoice_document(clinic_id uuid, invoice_id uuid) RETURNS jsonb
language sql stable security definer set search_path to pg_catalog, public, pg_temp as $$
  select jsonb_build_object(
    'clinic', app_private.clinic_header(i.clinic_id),
    'invoice', jsonb_build_object('code', i.code, 'status', i.status, 'currency', i.currency, 'issuedAt', i.issued_at,
      'createdAt', i.created_at, 'subtotal', i.subtotal, 'discountTotal', i.discount_total, 'taxTotal', i.tax_total,
      'total', i.total, 'amountPaid', i.amount_paid, 'balance', i.balance, 'notes', i.notes, 'voidReason', i.void_reason),
    'patient', jsonb_build_object('code', p.code, 'name', p.first_name || ' ' || p.last_name, 'phone', p.phone, 'address', p.address),
    'lines', (select coalesce(jsonb_agg(jsonb_build_object('description', l.description, 'quantity', l.quantity, 'unitPrice', l.unit_price,
                'discount', l.discount, 'taxRate', l.tax_rate, 'tax', l.line_tax, 'total', l.line_total)
                order by l.position), '[]')
              from app_public.invoice_line l
              where l.clinic_id = i.clinic_id and l.invoice_id = i.id),
    'payments', (select coalesce(jsonb_agg(jsonb_build_object('code', m.code, 'kind', m.kind, 'method', m.method, 'amount', m.amount, 'at', m.at) order by m.at), '[]')
                 from (select p2.code, 'payment' as kind, p2.method, p2.amount, p2.received_at as at from app_public.payment p2
                       where p2.clinic_id = i.clinic_id and p2.invoice_id = i.id
                       union all
                       select r.code, 'refund', r.method, -r.amount, r.refunded_at from app_public.refund r
                       where r.clinic_id = i.clinic_id and r.invoice_id = i.id) m))
  from app_public.invoice i
  join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
  where i.clinic_id = invoice_document.clinic_id and i.id = invoice_document.invoice_id;
$$;
