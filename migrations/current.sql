-- A walk-in is booked and checked in at once: checkInWalkIn(patientId, doctorId, reason) books the visit for now
-- and checks the patient in, in one transaction, through the same insert and update the two steps make (createVisit,
-- then updateVisit's status), so the same policies, triggers, stamps, audit entries and refusals hold (a doctor who
-- is not one, a patient of another clinic or deleted, the front desk only); the front desk sent two requests, and a
-- second one lost left a walk-in booked and not in the waiting room.

create or replace function app_public.check_in_walk_in(patient_id uuid, doctor_id uuid, reason text default null) returns app_public.visit
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  v_visit app_public.visit;
begin
  insert into app_public.visit (patient_id, doctor_id, scheduled_at, reason)
  values (check_in_walk_in.patient_id, check_in_walk_in.doctor_id, now(), check_in_walk_in.reason)
  returning * into v_visit;
  update app_public.visit v set status = 'checked_in'
  where v.clinic_id = v_visit.clinic_id and v.id = v_visit.id
  returning * into v_visit;
  return v_visit;
end;
$$;
comment on function app_public.check_in_walk_in(uuid, uuid, text) is
  'A patient who walks in: books a visit with the doctor for now and checks the patient in, at once (one transaction). The booking and the check-in are those of createVisit and updateVisit, with their rules, stamps and audit entries. Owners, admins and receptionists.';
revoke all on function app_public.check_in_walk_in(uuid, uuid, text) from public;
grant execute on function app_public.check_in_walk_in(uuid, uuid, text) to :DATABASE_VISITOR;

-- A doctor sees that a visit's service is billed: VisitService.billed, true while a live invoice (draft, issued,
-- paid) bills it. A doctor may not read invoices nor their lines, and learnt it only from the CONFLICT of a change
-- to the service; the answer says nothing of the invoice. Each invoice line made from a visit's service is copied
-- into a private table, as each live invoice made from a visit is (visit_bill, 000144), since a definer function
-- reads under the policies of the session that called it.

create table if not exists app_private.visit_service_line (
  clinic_id uuid not null,
  invoice_line_id uuid not null,
  invoice_id uuid not null,
  visit_service_id uuid not null,
  primary key (clinic_id, invoice_line_id)
);
create index if not exists visit_service_line_visit_service_idx on app_private.visit_service_line (clinic_id, visit_service_id);
comment on table app_private.visit_service_line is 'Each invoice line that bills a visit''s service (its invoice void or not), kept by a trigger on invoice lines: what visit_service_billed reads, with visit_bill, whoever asks.';
comment on column app_private.visit_service_line.clinic_id is 'The clinic.';
comment on column app_private.visit_service_line.invoice_line_id is 'The invoice line.';
comment on column app_private.visit_service_line.invoice_id is 'The line''s invoice.';
comment on column app_private.visit_service_line.visit_service_id is 'The visit''s service the line bills, as invoice_line.visit_service_id.';
comment on index app_private.visit_service_line_visit_service_idx is 'The lines that bill a visit''s service.';
alter table app_private.visit_service_line enable row level security;
alter table app_private.visit_service_line force row level security;
drop policy if exists owner_only on app_private.visit_service_line;
create policy owner_only on app_private.visit_service_line to :DATABASE_OWNER using (true);
comment on policy owner_only on app_private.visit_service_line is 'Read and kept by definer functions only.';

create or replace function app_private.tg_invoice_line__visit_service_line() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  if tg_op <> 'INSERT' then
    delete from app_private.visit_service_line l where l.clinic_id = old.clinic_id and l.invoice_line_id = old.id;
  end if;
  if tg_op <> 'DELETE' and new.visit_service_id is not null then
    insert into app_private.visit_service_line (clinic_id, invoice_line_id, invoice_id, visit_service_id)
    values (new.clinic_id, new.id, new.invoice_id, new.visit_service_id);
  end if;
  return null;
end;
$$;
comment on function app_private.tg_invoice_line__visit_service_line() is 'Trigger: keeps app_private.visit_service_line as the invoice line is now (a row while it bills a visit''s service).';
revoke all on function app_private.tg_invoice_line__visit_service_line() from public;
drop trigger if exists _660_visit_service_line on app_public.invoice_line;
create trigger _660_visit_service_line after insert or delete or update of visit_service_id on app_public.invoice_line
  for each row execute function app_private.tg_invoice_line__visit_service_line();
comment on trigger _660_visit_service_line on app_public.invoice_line is 'Copies which visit''s service the line bills (tg_invoice_line__visit_service_line).';

insert into app_private.visit_service_line (clinic_id, invoice_line_id, invoice_id, visit_service_id)
select l.clinic_id, l.id, l.invoice_id, l.visit_service_id from app_public.invoice_line l
where l.visit_service_id is not null
on conflict (clinic_id, invoice_line_id) do nothing;

create or replace function app_public.visit_service_billed(visit_service app_public.visit_service) returns boolean
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp as $$
begin
  -- the service is read again as the session sees it, so a row made up by the caller (another doctor's
  -- visit, another clinic's) says nothing; PL/pgSQL, so its plan is kept for the connection (decision 012)
  return exists (
    select 1 from app_public.visit_service seen
    join app_private.visit_service_line l on l.clinic_id = seen.clinic_id and l.visit_service_id = seen.id
    join app_private.visit_bill b on b.clinic_id = l.clinic_id and b.invoice_id = l.invoice_id
    where seen.clinic_id = visit_service.clinic_id and seen.id = visit_service.id);
end;
$$;
comment on function app_public.visit_service_billed(app_public.visit_service) is
  'Whether a live invoice (a draft, issued or paid; not void) bills this service: its quantity and discount then do not change, nor is it taken off the visit, until billing takes its line off the draft or voids the invoice (CONFLICT). Readable by every role that sees the visit, doctors included, who may not read invoices: it says nothing of the invoice.';
revoke all on function app_public.visit_service_billed(app_public.visit_service) from public;
grant execute on function app_public.visit_service_billed(app_public.visit_service) to :DATABASE_VISITOR;

-- issueInvoice sent again answers the invoice as it is once it was issued, whatever was paid since: a retry that came
-- after a payment (partially paid, paid), or a double click on an invoice of nothing to pay, paid as soon as it is
-- issued, was INVALID_TRANSITION "Only a draft can be issued; this invoice is paid.", where a retry before the payment
-- answered the issued invoice (000201); a void invoice is still refused.

create or replace function app_public.issue_invoice(invoice_id uuid) returns app_public.invoice
language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
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
  if v_invoice.status in ('issued', 'partially_paid', 'paid') then
    -- the same issue again (a double click, a retry, one sent after a payment, or after an invoice of nothing to
    -- pay became paid as it was issued): it was issued, so the invoice as it is
    return v_invoice;
  elsif v_invoice.status <> 'draft' then
    raise exception 'Only a draft can be issued; this invoice is %.', replace(v_invoice.status::text, '_', ' ') using errcode = 'CTRAN';
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
comment on function app_public.issue_invoice(uuid) is 'Issues a draft invoice: its lines are frozen and it can be paid. The same issue again answers the invoice as it is, once issued (partially paid or paid since included); a void one is INVALID_TRANSITION. Owners, admins and cashiers.';

-- The duplicate warning names deleted patients too, to those who may restore them: registering a patient who was
-- deleted made a second record instead of a restore, since findPatientDuplicates and possibleDuplicates passed over
-- deleted matches, even to an owner. Owners and admins now get them in the list, marked by their deletedAt, to
-- restore (restorePatient); the front desk, who may not restore nor read deleted patients, is told how many deleted
-- patients match (countDeletedPatientDuplicates), without their details, and asks an owner or admin. Deleted
-- patients stay out of every other list.

create or replace function app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid)
returns setof app_public.patient
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp set clinicops.include_deleted = 'on' as $$
begin
  return query
  select p.* from app_public.patient p
  where p.clinic_id = app_public.current_clinic_id()
    and p.id is distinct from patient_duplicates.except_patient_id
    and (
      p.phone = (select app_public.normalize_phone(patient_duplicates.phone, app_hidden.calling_code_for(app_public.current_clinic_id()))
                 where nullif(btrim(patient_duplicates.phone), '') is not null)
      or p.id = any (array(select app_hidden.patients_born_named(patient_duplicates.date_of_birth, patient_duplicates.last_name,
                                                                  patient_duplicates.first_name)))
    )
  order by p.deleted_at nulls first, p.created_at;
end;
$$;
comment on function app_private.patient_duplicates(text, text, text, date, uuid) is
  'The current clinic''s patients that look like the one described, deleted ones included (live ones first, then by when they were registered): same phone, or same names (as app_hidden.name_key compares them) and date of birth. For find_patient_duplicates and count_deleted_patient_duplicates, which say what of them the session may know.';
revoke all on function app_private.patient_duplicates(text, text, text, date, uuid) from public;

create or replace function app_public.find_patient_duplicates(phone text default null, first_name text default null, last_name text default null,
                                                              date_of_birth date default null, except_patient_id uuid default null)
returns setof app_public.patient
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp as $$
begin
  return query
  select d.* from app_private.patient_duplicates(find_patient_duplicates.phone, find_patient_duplicates.first_name, find_patient_duplicates.last_name,
                                                 find_patient_duplicates.date_of_birth, find_patient_duplicates.except_patient_id) d
  where d.deleted_at is null or (select app_hidden.current_role_in('owner', 'admin'));
end;
$$;
comment on function app_public.find_patient_duplicates(text, text, text, date, uuid) is
  'Existing patients that look like the one being registered or edited: same phone, or same names (as app_hidden.name_key compares them: white space, accents and case aside) and date of birth. Call it before saving to warn the user. To owners and admins, deleted patients too (after the others, `deletedAt` set): restore one (restorePatient) rather than register them again; others are told only how many deleted patients match (countDeletedPatientDuplicates).';

create or replace function app_public.count_deleted_patient_duplicates(phone text default null, first_name text default null, last_name text default null,
                                                                       date_of_birth date default null, except_patient_id uuid default null)
returns integer
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp as $$
begin
  if not app_hidden.current_role_in('owner', 'admin', 'receptionist') then
    raise exception 'Only the front desk (an owner, admin or receptionist) registers patients and is warned of duplicates among the deleted ones.' using errcode = 'CFORB';
  end if;
  return (select count(*)::integer
          from app_private.patient_duplicates(count_deleted_patient_duplicates.phone, count_deleted_patient_duplicates.first_name,
                                              count_deleted_patient_duplicates.last_name, count_deleted_patient_duplicates.date_of_birth,
                                              count_deleted_patient_duplicates.except_patient_id) d
          where d.deleted_at is not null);
end;
$$;
comment on function app_public.count_deleted_patient_duplicates(text, text, text, date, uuid) is
  'How many deleted patients look like the one being registered or edited, as findPatientDuplicates compares them, without saying who: a receptionist, who may not read nor restore deleted patients, asks an owner or admin to restore the one that matches rather than register the patient again (owners and admins find them in findPatientDuplicates). The front desk: owners, admins and receptionists.';
revoke all on function app_public.count_deleted_patient_duplicates(text, text, text, date, uuid) from public;
grant execute on function app_public.count_deleted_patient_duplicates(text, text, text, date, uuid) to :DATABASE_VISITOR;
comment on function app_public.patient_possible_duplicates(app_public.patient) is
  'Other patients of the clinic with the same phone, or the same names and date of birth (findPatientDuplicates: deleted ones too, to owners and admins).';
