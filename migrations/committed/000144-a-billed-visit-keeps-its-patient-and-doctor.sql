--! Previous: sha1:0bafa73eb36e4cf32f89047d001696dcf6feae56
--! Hash: sha1:ac040e6cdbee8627c467feaaa5c0d4330de77cd5
--! Message: a billed visit keeps its patient and doctor

-- A billed visit keeps its patient and doctor, and is not cancelled, until its invoice is void.
--
-- A visit may be invoiced before it happens (billing.md: a clinic that bills before the consultation
-- can), and the front desk may change its patient before check-in and its doctor while it waits. The
-- invoice did not follow: a paid invoice named the patient first booked while the visit now named
-- another, its revenue went to the doctor who did not see the patient, and a cancelled visit's issued
-- invoice was still owed on the dashboard, though a cancelled visit is not invoiced (an exploratory
-- tester, as a front desk over HTTP). Such a change, a cancellation or a no-show is now refused while a
-- live invoice (not void) bills the visit, naming the invoice to those who may see it, as a billed
-- service's removal is (000099).
--
-- The front desk and doctors may not see invoices, and a definer function reads under the policies
-- of the session that called it; so each live invoice made from a visit is copied, as the patient
-- search's text is (000012), into a private table no policy filters for its owner.

create table if not exists app_private.visit_bill (
  clinic_id uuid not null,
  invoice_id uuid not null,
  visit_id uuid not null,
  code text not null,
  status app_public.invoice_status not null,
  primary key (clinic_id, invoice_id),
  foreign key (clinic_id, invoice_id) references app_public.invoice (clinic_id, id) on delete cascade
);
create unique index if not exists visit_bill_visit_idx on app_private.visit_bill (clinic_id, visit_id);
comment on table app_private.visit_bill is 'Each live invoice (not void) made from a visit, kept by a trigger on invoices: what tg_visit__billed_kept reads, whoever changes the visit.';
comment on column app_private.visit_bill.clinic_id is 'The clinic.';
comment on column app_private.visit_bill.invoice_id is 'The invoice.';
comment on column app_private.visit_bill.visit_id is 'The visit it bills.';
comment on column app_private.visit_bill.code is 'The invoice''s code, as invoice.code.';
comment on column app_private.visit_bill.status is 'The invoice''s status, as invoice.status (never void: a void invoice has no row).';
comment on index app_private.visit_bill_visit_idx is 'The live invoice of a visit (one at most, as invoice_one_live_per_visit says).';
alter table app_private.visit_bill enable row level security;
alter table app_private.visit_bill force row level security;
drop policy if exists owner_only on app_private.visit_bill;
create policy owner_only on app_private.visit_bill to :DATABASE_OWNER using (true);
comment on policy owner_only on app_private.visit_bill is 'Read and kept by definer functions only.';

create or replace function app_private.tg_invoice__visit_bill() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  if new.visit_id is null or new.status = 'void' then
    delete from app_private.visit_bill b where b.clinic_id = new.clinic_id and b.invoice_id = new.id;
  else
    insert into app_private.visit_bill (clinic_id, invoice_id, visit_id, code, status)
    values (new.clinic_id, new.id, new.visit_id, new.code, new.status)
    on conflict (clinic_id, invoice_id) do update set visit_id = excluded.visit_id, code = excluded.code, status = excluded.status;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_invoice__visit_bill() is 'Trigger: keeps app_private.visit_bill as the invoice is now (a row while it bills a visit and is not void).';
revoke all on function app_private.tg_invoice__visit_bill() from public;
-- no column list on update: an invoice's status is set by its own trigger as payments come and go
drop trigger if exists _660_visit_bill on app_public.invoice;
create trigger _660_visit_bill after insert on app_public.invoice
  for each row when (new.visit_id is not null) execute function app_private.tg_invoice__visit_bill();
comment on trigger _660_visit_bill on app_public.invoice is 'Copies a live invoice made from a visit (tg_invoice__visit_bill).';
drop trigger if exists _661_visit_bill on app_public.invoice;
create trigger _661_visit_bill after update on app_public.invoice
  for each row when ((new.visit_id, new.code, new.status) is distinct from (old.visit_id, old.code, old.status))
  execute function app_private.tg_invoice__visit_bill();
comment on trigger _661_visit_bill on app_public.invoice is 'Keeps the copy of a live invoice made from a visit as the invoice is now (tg_invoice__visit_bill).';

insert into app_private.visit_bill (clinic_id, invoice_id, visit_id, code, status)
select i.clinic_id, i.id, i.visit_id, i.code, i.status from app_public.invoice i
where i.visit_id is not null and i.status <> 'void'
on conflict (clinic_id, invoice_id) do nothing;

create or replace function app_private.tg_visit__billed_kept() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_bill app_private.visit_bill;
  v_change text := case
    when new.status = 'cancelled' and old.status <> 'cancelled' then 'cancelling it'
    when new.status = 'no_show' and old.status <> 'no_show' then 'marking it a no-show'
    when new.patient_id is distinct from old.patient_id then 'changing its patient'
    when new.doctor_id is distinct from old.doctor_id then 'changing its doctor'
  end;
begin
  if v_change is null then
    return new;
  end if;
  select * into v_bill from app_private.visit_bill b where b.clinic_id = new.clinic_id and b.visit_id = new.id;
  if not found then
    return new;
  elsif not app_hidden.may_invoice() then
    -- the invoice named only to those who may see invoices
    raise exception 'An invoice bills this visit: whoever handles billing voids it before %.', v_change using errcode = 'CCONF';
  elsif not app_hidden.handles_money() then
    -- a receptionist the clinic lets invoice, who may not void
    raise exception 'Invoice % bills this visit: an owner, admin or cashier voids it before %.', v_bill.code, v_change using errcode = 'CCONF';
  elsif v_bill.status in ('draft', 'issued') then
    raise exception 'Invoice % bills this visit: void it before %.', v_bill.code, v_change using errcode = 'CCONF';
  else
    raise exception 'Invoice % bills this visit and is %: refund its payments and void it before %.',
      v_bill.code, replace(v_bill.status::text, '_', ' '), v_change using errcode = 'CCONF';
  end if;
end;
$$;
comment on function app_private.tg_visit__billed_kept() is 'Trigger: refuses (CONFLICT) to change the patient or the doctor of a visit a live invoice (not void) bills, or to cancel it or mark it a no-show, naming the invoice to those who may invoice (and who voids it, to those who may not void); the invoice is voided first (its payments refunded). Reads app_private.visit_bill, whoever the session.';
revoke all on function app_private.tg_visit__billed_kept() from public;
drop trigger if exists _210_billed_kept on app_public.visit;
create trigger _210_billed_kept before update of patient_id, doctor_id, status on app_public.visit
  for each row execute function app_private.tg_visit__billed_kept();
comment on trigger _210_billed_kept on app_public.visit is 'A visit a live invoice bills keeps its patient and doctor and is not cancelled nor marked a no-show (tg_visit__billed_kept).';
