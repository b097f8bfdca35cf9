--! Previous: sha1:9e3652909cb725b8217659f80f7bf2471ff09dcf
--! Hash: sha1:ca58ca4a1c3132149b63b05280e3cfe8542bd8ce
--! Message: A visit's invoice and its change take turns on the clinic's audit chain head, with no lock per visit

-- A visit's invoice and its change take turns on the clinic's audit chain head, with no lock per visit
--
-- 000500 made a visit's invoice and a change of the visit its live invoice forbids (a cancellation, a no-show, another
-- patient or doctor) take turns by a lock of each visit (take_visit_billing_turn), held until commit in PostgreSQL's
-- lock table, which the whole server shares: an operator's statement invoicing or cancelling visits by the thousand
-- (an import of a clinic's invoices, a doctor's bookings called off) took one each and failed past about 6,400
-- ("out of shared memory"), the API's and the worker's locks failing near it too; and an operator's transaction that had
-- written the clinic before was refused CONFLICT when the front desk's change of the same visit waited for it. Both
-- already write the clinic's audit chain before they commit, and its head is held until then: each now checks the
-- other after its own audit entry (AFTER triggers after _500_audit), so the second waits for the first's head and reads
-- what it did, taking no lock of its own (a change of the clinic's currency reads so after its entry,
-- tg_clinic__currency_kept); the invoice's visit is checked before the write as ever (check_visit_billable), and again
-- after its audit entry.
create or replace function app_private.tg_visit__billed_kept() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
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
    return null;
  end if;
  -- read after this change's own audit entry (_500_audit): an invoice of the visit being made, which writes the
  -- clinic's audit chain before it commits, is waited for (its head) and read
  select * into v_bill from app_private.visit_bill b where b.clinic_id = new.clinic_id and b.visit_id = new.id;
  if not found then
    return null;
  elsif not app_hidden.may_invoice() then
    -- the invoice named only to those who may see invoices
    raise exception 'An invoice bills this visit: whoever handles billing voids it before %.', v_change using errcode = 'CCONF';
  elsif v_bill.status <> 'draft' and not app_hidden.handles_money() then
    -- a receptionist the clinic lets invoice, who voids drafts only
    raise exception 'Invoice % bills this visit: an owner, admin or cashier voids it before %.', v_bill.code, v_change
      using errcode = 'CCONF', detail = json_build_object('invoiceId', v_bill.invoice_id)::text;
  elsif v_bill.status in ('draft', 'issued') then
    raise exception 'Invoice % bills this visit: void it before %.', v_bill.code, v_change
      using errcode = 'CCONF', detail = json_build_object('invoiceId', v_bill.invoice_id)::text;
  else
    raise exception 'Invoice % bills this visit and is %: refund its payments and void it before %.',
      v_bill.code, replace(v_bill.status::text, '_', ' '), v_change
      using errcode = 'CCONF', detail = json_build_object('invoiceId', v_bill.invoice_id)::text;
  end if;
end;
$$;
comment on function app_private.tg_visit__billed_kept() is 'Trigger: refuses (CONFLICT) to change the patient or the doctor of a visit a live invoice (not void) bills, or to cancel it or mark it a no-show, naming the invoice to those who may invoice (its id in the error''s DETAIL, extensions.invoiceId; and who voids it, to a receptionist who may not void it: an issued one); the invoice is voided first (its payments refunded). AFTER UPDATE, after the change''s own audit entry (_510_billed_kept, after _500_audit): it reads app_private.visit_bill, whoever the session, once it holds the clinic''s audit chain head, which an invoice of the visit being made holds until it commits (tg_invoice__visit_billable reads the visit so in turn): the second waits for the first and is judged by what it did, with no lock of its own per visit.';
revoke all on function app_private.tg_visit__billed_kept() from public;
drop trigger if exists _210_billed_kept on app_public.visit;
drop trigger if exists _510_billed_kept on app_public.visit;
create trigger _510_billed_kept after update of patient_id, doctor_id, status on app_public.visit
  for each row execute function app_private.tg_visit__billed_kept();
comment on trigger _510_billed_kept on app_public.visit is 'A visit a live invoice bills keeps its patient and doctor and is not called off, read after the change''s audit entry (tg_visit__billed_kept).';
create or replace function app_private.check_visit_billable(invoice app_public.invoice, visit app_public.visit) returns void
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  if visit.id is null then
    raise exception 'No such visit in this clinic.' using errcode = 'CNOTF';
  elsif visit.status in ('cancelled', 'no_show') then
    raise exception 'A % visit is not invoiced.', app_hidden.visit_status_words(visit.status) using errcode = 'CINVL';
  elsif invoice.patient_id is distinct from visit.patient_id then
    if invoice.patient_id is not null and not exists (select from app_public.patient p where p.clinic_id = invoice.clinic_id and p.id = invoice.patient_id) then
      raise exception 'No such patient in your clinic.' using errcode = 'CNOTF';
    end if;
    raise exception 'This visit is another patient''s: bill the patient of the visit.' using errcode = 'CINVL';
  end if;
end;
$$;
comment on function app_private.check_visit_billable(invoice app_public.invoice, visit app_public.visit) is 'Refuses an invoice''s visit as read (null: none in the clinic, NOT_FOUND): a cancelled or no-show visit INVALID_INPUT, another patient''s INVALID_INPUT unless the invoice''s patient is not in the clinic (NOT_FOUND). Called by tg_invoice__defaults before the invoice is written, and by tg_invoice__visit_billable after its audit entry, when a change of the visit in flight has committed.';
revoke all on function app_private.check_visit_billable(invoice app_public.invoice, visit app_public.visit) from public;
create or replace function app_private.tg_invoice__defaults() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_visit app_public.visit;
  v_live app_public.invoice;
begin
  if tg_op = 'UPDATE' then
    -- the doctor of an invoice that bills a visit is the visit's (revenue per doctor reads it), whoever writes it: an
    -- operator's psql setting it credited another doctor with the visit's payments; a void invoice's is
    -- tg_invoice__lifecycle's to refuse, and one of no visit is its writer's to say (an import of another system's)
    if new.doctor_id is distinct from old.doctor_id and new.visit_id is not null and new.visit_id is not distinct from old.visit_id
       and old.status <> 'void'
       and new.doctor_id is distinct from (select v.doctor_id from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id) then
      raise exception 'An invoice''s doctor is the doctor of the visit it bills: change the visit''s doctor (its invoice voided first), not the invoice''s.'
        using errcode = 'CINVL';
    end if;
    -- a draft's patient or visit changed (an operator's psql: the API's roles write neither), held to the rules below as
    -- a new invoice is; an issued invoice's is tg_invoice__lifecycle's to refuse
    if old.status <> 'draft' or (new.patient_id, new.visit_id) is not distinct from (old.patient_id, old.visit_id) then
      return new;
    end if;
    -- its lines billing its visit's services would be billed under another visit, or none
    if exists (select from app_public.invoice_line l
               join app_public.visit_service s on s.clinic_id = l.clinic_id and s.id = l.visit_service_id
               where l.clinic_id = new.clinic_id and l.invoice_id = new.id and s.visit_id is distinct from new.visit_id) then
      raise exception '% has lines billing the services of its visit: take them off the draft before it bills another visit, or none.', old.code
        using errcode = 'CINVL';
    end if;
    -- the doctor is the visit's: none once it bills none
    if new.visit_id is distinct from old.visit_id then
      new.doctor_id := null;
    end if;
  else
    select c.currency, c.tax_rate into new.currency, new.tax_rate from app_public.clinic c where c.id = new.clinic_id;
    new.status := 'draft';
    new.amount_paid := 0;
    -- a draft has taken no step: none of the stamps of its issue or void (an operator's insert giving them made a draft
    -- that read as issued in 2020, or voided: 000459); tg_invoice__lifecycle stamps them as the steps are taken
    new.issued_at := null;
    new.issued_by := null;
    new.voided_at := null;
    new.voided_by := null;
  end if;
  -- checked for those who may invoice: another role's insert is refused by the policies (FORBIDDEN,
  -- saying who may), whatever visit it names
  if new.visit_id is not null and (app_hidden.may_invoice() or app_hidden.in_system_context()) then
    -- read again once the invoice has written the clinic's audit chain (tg_invoice__visit_billable): a change of the
    -- visit in flight is waited for there
    select * into v_visit from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id;
    perform app_private.check_visit_billable(new, v_visit);
    -- another than this one (a draft's update names its own)
    select * into v_live from app_public.invoice i
    where i.clinic_id = new.clinic_id and i.visit_id = new.visit_id and i.status <> 'void' and i.id <> new.id limit 1;
    if found then
      raise exception 'This visit already has an invoice, % (%): %', v_live.code, replace(v_live.status::text, '_', ' '),
        case when v_live.status = 'draft' then 'bill the visit''s services added since on it (billUnbilledServices), or add lines to it.' else 'to bill the visit again, void that one first, its payments refunded.' end
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_live.id)::text;
    end if;
    new.doctor_id := v_visit.doctor_id;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_invoice__defaults() is 'BEFORE INSERT, and UPDATE OF patient_id or visit_id of a draft (an issued invoice''s are tg_invoice__lifecycle''s to refuse): a new invoice is a draft in the clinic''s currency and tax rate, without the stamps of an issue or a void (000459); one that bills a visit (made from it, or by hand with its visit, or a draft given one) bills the visit''s patient and records its doctor: one with another live invoice CONFLICT naming it (its id in the error''s DETAIL, extensions.invoiceId) (invoice_one_live_per_visit refuses two made at the same moment); a visit not in the clinic is NOT_FOUND, a cancelled or no-show visit INVALID_INPUT, another patient''s INVALID_INPUT unless that patient is not in the clinic (NOT_FOUND) (check_visit_billable, checked again after the invoice''s audit entry by tg_invoice__visit_billable, a change of the visit in flight committed). A draft whose lines bill the services of its visit keeps that visit (INVALID_INPUT), and a draft''s doctor follows its visit (none once it bills none): the API''s roles write neither column, an operator''s psql does. The doctor of an invoice that bills a visit, issued or draft, is written as the visit''s alone (UPDATE OF doctor_id; INVALID_INPUT otherwise).';
revoke all on function app_private.tg_invoice__defaults() from public;
create or replace function app_private.tg_invoice__visit_billable() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_visit app_public.visit;
begin
  -- a draft's visit or patient changed, or a new invoice (an issued one's are refused by tg_invoice__lifecycle before);
  -- another role's insert is refused by the policies, as tg_invoice__defaults checks for those who may invoice
  if tg_op = 'UPDATE' and (old.status <> 'draft' or (new.patient_id, new.visit_id) is not distinct from (old.patient_id, old.visit_id))
     or not (app_hidden.may_invoice() or app_hidden.in_system_context()) then
    return null;
  end if;
  -- after the invoice's audit entry (_500_audit): a change of the visit in flight, which writes the clinic's audit chain
  -- before it commits, is waited for (its head), and read
  select * into v_visit from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id;
  perform app_private.check_visit_billable(new, v_visit);
  if new.doctor_id is distinct from v_visit.doctor_id then
    -- the doctor tg_invoice__defaults read was changed and committed before this invoice's audit entry
    raise exception 'This visit''s doctor was changed as it was invoiced: send it again.' using errcode = 'CCONF';
  end if;
  return null;
end;
$$;
comment on function app_private.tg_invoice__visit_billable() is 'AFTER INSERT, and UPDATE OF patient_id or visit_id of a draft, of an invoice that bills a visit, after its audit entry (_510_visit_billable, after _500_audit): the visit is not cancelled or a no-show (INVALID_INPUT), and is the invoice''s patient''s (INVALID_INPUT; NOT_FOUND for a patient not in the clinic) and doctor''s (CONFLICT: changed as it was invoiced, to send again). Read once the invoice holds the clinic''s audit chain head, which a change of the visit in flight holds until it commits (tg_visit__billed_kept reads the invoices so in turn): the second waits for the first and is judged by what it did, with no lock of its own per visit. For those who may invoice, and the system context, as tg_invoice__defaults.';
revoke all on function app_private.tg_invoice__visit_billable() from public;
drop trigger if exists _510_visit_billable on app_public.invoice;
create trigger _510_visit_billable after insert or update of patient_id, visit_id on app_public.invoice
  for each row when (new.visit_id is not null) execute function app_private.tg_invoice__visit_billable();
comment on trigger _510_visit_billable on app_public.invoice is 'An invoice''s visit not called off, of its patient and doctor, read after its audit entry (tg_invoice__visit_billable).';
drop function if exists app_private.take_visit_billing_turn(uuid, uuid);
