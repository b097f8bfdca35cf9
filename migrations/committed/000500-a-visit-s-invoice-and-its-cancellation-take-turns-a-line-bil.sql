--! Previous: sha1:9f87eeb47bdd93236e2ac942d41868f7029d09c7
--! Hash: sha1:76cf9b1d4ab0e62180c393a6311e498d057225e0
--! Message: A visit's invoice and its cancellation take turns; a line bills its invoice's visit alone; an invoice's doctor is its visit's

-- Enter migration here
-- A line bills a service of its invoice's visit alone, whoever writes it
--
-- 000498 kept a draft's visit while its lines bill that visit's services (tg_invoice__defaults), but the other half of
-- that rule, a line's visit's service being one of its invoice's visit, was held by no one: bill_visit_services writes
-- only such lines, and the API's roles may not write invoice_line.visit_service_id, but an operator's psql adding a
-- line for a visit's service (`insert into app_public.invoice_line (…, visit_service_id, …)`) or relinking one (`update
-- … set visit_service_id = …`) made a draft bill a service of another visit, of another patient, or a draft of no visit
-- bill one: that service then read as billed (VisitService.billed, left out of unbilledVisitServices, and of the lines
-- createInvoiceFromVisit gave its own visit's invoice), its patient never billed for it, and another's billed instead.
-- Such a line is now refused, INVALID_INPUT, whoever writes it; the invoice's own lock (taken by the line's guard
-- before) makes it take turns with a change of the invoice's visit, which 000498 checks against its lines.
create or replace function app_private.tg_invoice_line__of_its_visit() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_visit_id uuid;
  v_invoice app_public.invoice;
begin
  -- the service it bills kept (another column written, the cascade of the service's version)
  if tg_op = 'UPDATE' and new.visit_service_id is not distinct from old.visit_service_id then
    return new;
  end if;
  -- the invoice held by the line's guard (_200_guard), which runs before: a change of its visit waits for this line
  select s.visit_id into v_visit_id from app_public.visit_service s where s.clinic_id = new.clinic_id and s.id = new.visit_service_id;
  select * into v_invoice from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  if v_visit_id is distinct from v_invoice.visit_id then
    raise exception 'This line bills a service of %, a visit % does not bill: bill it on that visit''s invoice.',
      (select v.code from app_public.visit v where v.clinic_id = new.clinic_id and v.id = v_visit_id), v_invoice.code
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_invoice_line__of_its_visit() is 'BEFORE INSERT, or UPDATE of visit_service_id, of an invoice line billing a visit''s service: that service is one of the visit its invoice bills, INVALID_INPUT otherwise (another visit''s, or an invoice of no visit), whoever writes it (bill_visit_services writes only such lines; an operator''s psql may not write others). The other half of the rule, an invoice''s visit kept while its lines bill that visit''s services, is tg_invoice__defaults''s.';
revoke all on function app_private.tg_invoice_line__of_its_visit() from public;
drop trigger if exists _206_of_its_visit on app_public.invoice_line;
create trigger _206_of_its_visit before insert or update of visit_service_id on app_public.invoice_line
  for each row when (new.visit_service_id is not null) execute function app_private.tg_invoice_line__of_its_visit();
comment on trigger _206_of_its_visit on app_public.invoice_line is 'A line bills a service of its invoice''s visit alone (tg_invoice_line__of_its_visit).';

-- A visit's invoice and the change of the visit it forbids take turns
--
-- An invoice that bills a visit is refused for a cancelled or no-show visit, or another patient's
-- (tg_invoice__defaults, on an insert, and since 000498 a draft's change of visit), and a visit a live invoice bills
-- keeps its patient and doctor and is neither cancelled nor marked a no-show (tg_visit__billed_kept). Each read the other
-- before it committed and locked nothing the other waited for before its check (the invoice's foreign key holds the
-- visit for key share, which a visit's update does not wait for): the front desk cancelling a visit as the cashier
-- invoices it (createInvoiceFromVisit, createInvoice with its visitId), or an operator's psql giving a draft the visit,
-- went through both, a cancelled visit billed by a live invoice (or billing another patient, or crediting its old
-- doctor). Both now take the visit's billing turn (take_visit_billing_turn) before their check: the second waits for
-- the first to commit, then reads it and is refused (CONFLICT naming the invoice, or INVALID_INPUT "A cancelled visit
-- is not invoiced.").
create or replace function app_private.take_visit_billing_turn(clinic_id uuid, visit_id uuid) returns void
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_key bigint := hashtextextended('visit_billing:' || take_visit_billing_turn.clinic_id || ':' || take_visit_billing_turn.visit_id, 0);
begin
  if not app_private.holds_audit_chain_head(take_visit_billing_turn.clinic_id) then
    perform pg_advisory_xact_lock(v_key);
  -- a transaction holding the clinic's audit chain head (an audited write before) does not wait: the one holding the
  -- turn writes its audit entry before it commits, so waits for that head, and waiting for it was a deadlock
  elsif not pg_try_advisory_xact_lock(v_key) then
    raise exception 'This visit is being invoiced or changed at this moment: send it again.' using errcode = 'CCONF';
  end if;
end;
$$;
comment on function app_private.take_visit_billing_turn(clinic_id uuid, visit_id uuid) is 'Takes, until commit, the visit''s billing turn: an invoice made for it or a draft given it (tg_invoice__defaults) and a change of the visit that its live invoice forbids (tg_visit__billed_kept: a cancellation, a no-show, another patient or doctor) take it before their checks, so that the second waits for the first to commit and is judged by what it did. A transaction holding the clinic''s audit chain head (holds_audit_chain_head) does not wait for it, which the holder, writing its audit entry before it commits, would wait for (a deadlock): CONFLICT, to send again, while another holds it.';
revoke all on function app_private.take_visit_billing_turn(clinic_id uuid, visit_id uuid) from public;
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
    return new;
  end if;
  -- an invoice of the visit being made waited for, and read
  perform app_private.take_visit_billing_turn(new.clinic_id, new.id);
  select * into v_bill from app_private.visit_bill b where b.clinic_id = new.clinic_id and b.visit_id = new.id;
  if not found then
    return new;
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
comment on function app_private.tg_visit__billed_kept() is 'Trigger: refuses (CONFLICT) to change the patient or the doctor of a visit a live invoice (not void) bills, or to cancel it or mark it a no-show, naming the invoice to those who may invoice (its id in the error''s DETAIL, extensions.invoiceId; and who voids it, to a receptionist who may not void it: an issued one); the invoice is voided first (its payments refunded). Reads app_private.visit_bill, whoever the session, once it has the visit''s billing turn (take_visit_billing_turn): an invoice of the visit being made is waited for.';
revoke all on function app_private.tg_visit__billed_kept() from public;

-- The doctor of an invoice that bills a visit is the visit's, whoever writes it
--
-- An invoice that bills a visit records the visit's doctor (tg_invoice__defaults, on its insert and, since 000498, on a
-- draft's change of visit), and the visit keeps its doctor while the invoice is live (tg_visit__billed_kept), so that
-- moneyMovements' doctor, the revenue per doctor, credits the doctor who saw the patient. But the invoice's doctor_id
-- itself was anyone's to write: the API's roles may not, but an operator's psql (`update app_public.invoice set
-- doctor_id = …`) credited another doctor, or none, with the payments of an issued or paid invoice, the visit still
-- naming its own. Such a write is now refused, INVALID_INPUT, unless it names the visit's doctor; an invoice of no visit
-- keeps whatever doctor its writer gives it (an import of another system's invoices), and a void one changes not.
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
    -- a change of the visit in flight (its cancellation) waited for, and read
    perform app_private.take_visit_billing_turn(new.clinic_id, new.visit_id);
    select * into v_visit from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id;
    if not found then
      raise exception 'No such visit in this clinic.' using errcode = 'CNOTF';
    elsif v_visit.status in ('cancelled', 'no_show') then
      raise exception 'A % visit is not invoiced.', app_hidden.visit_status_words(v_visit.status) using errcode = 'CINVL';
    elsif new.patient_id is distinct from v_visit.patient_id then
      if new.patient_id is not null and not exists (select from app_public.patient p where p.clinic_id = new.clinic_id and p.id = new.patient_id) then
        raise exception 'No such patient in your clinic.' using errcode = 'CNOTF';
      end if;
      raise exception 'This visit is another patient''s: bill the patient of the visit.' using errcode = 'CINVL';
    end if;
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
comment on function app_private.tg_invoice__defaults() is 'BEFORE INSERT, and UPDATE OF patient_id or visit_id of a draft (an issued invoice''s are tg_invoice__lifecycle''s to refuse): a new invoice is a draft in the clinic''s currency and tax rate, without the stamps of an issue or a void (000459); one that bills a visit (made from it, or by hand with its visit, or a draft given one) bills the visit''s patient and records its doctor: a visit not in the clinic is NOT_FOUND, a cancelled or no-show visit INVALID_INPUT, another patient''s INVALID_INPUT unless that patient is not in the clinic (NOT_FOUND), one with another live invoice CONFLICT naming it (its id in the error''s DETAIL, extensions.invoiceId) (invoice_one_live_per_visit refuses two made at the same moment). A draft whose lines bill the services of its visit keeps that visit (INVALID_INPUT), and a draft''s doctor follows its visit (none once it bills none): the API''s roles write neither column, an operator''s psql does. The doctor of an invoice that bills a visit, issued or draft, is written as the visit''s alone (UPDATE OF doctor_id; INVALID_INPUT otherwise). The visit is read once its billing turn is taken (take_visit_billing_turn): a cancellation in flight is waited for.';
revoke all on function app_private.tg_invoice__defaults() from public;
drop trigger if exists _150_defaults on app_public.invoice;
create trigger _150_defaults before insert or update of patient_id, visit_id, doctor_id on app_public.invoice
  for each row execute function app_private.tg_invoice__defaults();
