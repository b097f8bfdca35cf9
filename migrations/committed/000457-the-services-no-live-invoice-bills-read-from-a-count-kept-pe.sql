--! Previous: sha1:e2ffb5079b1cf7a4a9dc7ed6db9a6d06e31c7a74
--! Hash: sha1:588187444b0a8ff4d936bb83f0f479fc209a3a22
--! Message: The services no live invoice bills, read from a count kept per service

-- The services no live invoice bills, read from a count kept per service, not among every service the clinic gave
--
-- billing.md's list of the services no live invoice bills (visitServices filtered on the visit's status and `none` of
-- its lines on an invoice not void) read every service the clinic ever gave, about 18 buffers each: 30,000 in
-- 0.5–1.6 s, so the API's statement timeout (5 s) was met between about 100,000 and 300,000 services, a few years of a
-- busy clinic, though nearly every service is billed. Each visit's service now has a row in
-- app_private.visit_service_bills counting the lines of live invoices that bill it (visit_service_billed's one
-- definition: a line in visit_service_line whose invoice is in visit_bill), kept by the triggers that keep those two
-- tables, in the same transaction: a line tied to a service added or taken off (counted while its invoice is live), an
-- invoice going void or otherwise leaving or entering visit_bill (each of its lines counted down or up). A count, not a
-- recomputed yes or no: each change adds or takes one from the service's row, so two transactions that change it take
-- turns on that row and their changes add up whichever commits first (they take turns on the invoice already: a
-- service's live lines are all on its visit's one live invoice, whose lock each line's change and each void takes). A
-- partial index holds the services counted at none, read by unbilled_visit_services (the API's unbilledVisitServices).
create table if not exists app_private.visit_service_bills (
  clinic_id uuid not null,
  visit_service_id uuid not null,
  visit_id uuid not null,
  live_lines int not null default 0 check (live_lines >= 0),
  primary key (clinic_id, visit_service_id),
  foreign key (clinic_id, visit_service_id) references app_public.visit_service (clinic_id, id) on delete cascade
);
create index if not exists visit_service_bills_unbilled_idx on app_private.visit_service_bills (clinic_id, visit_id) where live_lines = 0;
comment on table app_private.visit_service_bills is 'Each visit''s service with the number of lines of live invoices that bill it (a line in visit_service_line whose invoice is in visit_bill, as visit_service_billed reads), kept by the triggers on visits'' services, invoice lines and invoices: what unbilled_visit_services reads.';
comment on column app_private.visit_service_bills.clinic_id is 'The clinic.';
comment on column app_private.visit_service_bills.visit_service_id is 'The visit''s service (deleted with it).';
comment on column app_private.visit_service_bills.visit_id is 'The service''s visit, as visit_service.visit_id (which never changes).';
comment on column app_private.visit_service_bills.live_lines is 'How many lines of live invoices (not void) bill the service: none, it is not billed.';
comment on index app_private.visit_service_bills_unbilled_idx is 'The services no live invoice bills, by visit: unbilled_visit_services.';
alter table app_private.visit_service_bills enable row level security;
alter table app_private.visit_service_bills force row level security;
drop policy if exists owner_only on app_private.visit_service_bills;
create policy owner_only on app_private.visit_service_bills to :DATABASE_OWNER using (true);
comment on policy owner_only on app_private.visit_service_bills is 'Read and kept by definer functions only.';

-- the copies of an invoice's lines, which a void (or an invoice made from a visit) counts down (up): by the clinic's key
-- alone a void would read every copy of the clinic's lines
create index if not exists visit_service_line_invoice_idx on app_private.visit_service_line (clinic_id, invoice_id);
comment on index app_private.visit_service_line_invoice_idx is 'The copies of an invoice''s lines that bill visits'' services: what tg_invoice__visit_bill counts when the invoice is voided.';

create or replace function app_private.tg_visit_service__visit_service_bills() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
begin
  -- a new service: no line bills it yet (taken off its visit, its row goes with it: the foreign key's cascade)
  insert into app_private.visit_service_bills (clinic_id, visit_service_id, visit_id, live_lines)
  values (new.clinic_id, new.id, new.visit_id, 0);
  return null;
end;
$$;
comment on function app_private.tg_visit_service__visit_service_bills() is 'Trigger: a visit''s service added gets its row in app_private.visit_service_bills, billed by no line yet.';
revoke all on function app_private.tg_visit_service__visit_service_bills() from public;
drop trigger if exists _660_visit_service_bills on app_public.visit_service;
create trigger _660_visit_service_bills after insert on app_public.visit_service
  for each row execute function app_private.tg_visit_service__visit_service_bills();
comment on trigger _660_visit_service_bills on app_public.visit_service is 'Counts the service as billed by no line yet (tg_visit_service__visit_service_bills).';

create or replace function app_private.tg_invoice_line__visit_service_line() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
begin
  -- each copy taken away or added counts its service down or up while its invoice is live (in visit_bill), as the
  -- invoice's lock (tg_invoice_line__guard) keeps it until commit
  if tg_op <> 'INSERT' then
    with gone as (
      delete from app_private.visit_service_line l where l.clinic_id = old.clinic_id and l.invoice_line_id = old.id
      returning l.clinic_id, l.invoice_id, l.visit_service_id)
    update app_private.visit_service_bills s set live_lines = s.live_lines - 1
    from gone
    where s.clinic_id = gone.clinic_id and s.visit_service_id = gone.visit_service_id
      and exists (select from app_private.visit_bill b where b.clinic_id = gone.clinic_id and b.invoice_id = gone.invoice_id);
  end if;
  if tg_op <> 'DELETE' and new.visit_service_id is not null then
    insert into app_private.visit_service_line (clinic_id, invoice_line_id, invoice_id, visit_service_id)
    values (new.clinic_id, new.id, new.invoice_id, new.visit_service_id);
    update app_private.visit_service_bills s set live_lines = s.live_lines + 1
    where s.clinic_id = new.clinic_id and s.visit_service_id = new.visit_service_id
      and exists (select from app_private.visit_bill b where b.clinic_id = new.clinic_id and b.invoice_id = new.invoice_id);
  end if;
  return null;
end;
$$;
comment on function app_private.tg_invoice_line__visit_service_line() is 'Trigger: keeps app_private.visit_service_line as the invoice line is now (a row while it bills a visit''s service), and the count of app_private.visit_service_bills of the service it billed and bills, while its invoice is live (in visit_bill).';

create or replace function app_private.tg_invoice__visit_bill() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_was_live boolean := exists (select from app_private.visit_bill b where b.clinic_id = new.clinic_id and b.invoice_id = new.id);
  v_is_live boolean := new.visit_id is not null and new.status <> 'void';
begin
  if not v_is_live then
    delete from app_private.visit_bill b where b.clinic_id = new.clinic_id and b.invoice_id = new.id;
  else
    insert into app_private.visit_bill (clinic_id, invoice_id, visit_id, code, status)
    values (new.clinic_id, new.id, new.visit_id, new.code, new.status)
    on conflict (clinic_id, invoice_id) do update set visit_id = excluded.visit_id, code = excluded.code, status = excluded.status;
  end if;
  -- voided (or its visit taken away, or given one), every service its lines bill is counted down (up) by its lines
  if v_was_live <> v_is_live then
    update app_private.visit_service_bills s set live_lines = s.live_lines + case when v_is_live then n.lines else -n.lines end
    from (select l.visit_service_id, count(*)::int as lines from app_private.visit_service_line l
          where l.clinic_id = new.clinic_id and l.invoice_id = new.id group by l.visit_service_id) n
    where s.clinic_id = new.clinic_id and s.visit_service_id = n.visit_service_id;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_invoice__visit_bill() is 'Trigger: keeps app_private.visit_bill as the invoice is now (a row while it bills a visit and is not void); an invoice leaving it (voided) or entering it counts the services its lines bill down or up in app_private.visit_service_bills.';

-- the services there are, each counted as visit_service_billed reads it
insert into app_private.visit_service_bills (clinic_id, visit_service_id, visit_id, live_lines)
select s.clinic_id, s.id, s.visit_id,
  (select count(*) from app_private.visit_service_line l
   join app_private.visit_bill b on b.clinic_id = l.clinic_id and b.invoice_id = l.invoice_id
   where l.clinic_id = s.clinic_id and l.visit_service_id = s.id)
from app_public.visit_service s
on conflict (clinic_id, visit_service_id) do update set visit_id = excluded.visit_id, live_lines = excluded.live_lines;

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
    join app_public.visit v on v.clinic_id = b.clinic_id and v.id = b.visit_id
    where b.clinic_id = app_public.current_clinic_id() and b.live_lines = 0
      and v.status in ('in_progress', 'completed')
    order by b.visit_id, s.position;
end;
$$;
comment on function app_public.unbilled_visit_services() is 'The services no live invoice bills (VisitService.billed false) of the visits in progress or completed, by visit and in the visit''s order: what is left to bill. Read from a count kept per service, so it reads these services alone, not every service the clinic gave (visitServices with the same filter does). As visitServices, each role sees the services of the visits it sees: a doctor those of their own visits.';
revoke all on function app_public.unbilled_visit_services() from public;
grant execute on function app_public.unbilled_visit_services() to :DATABASE_VISITOR;
