--! Previous: sha1:fbc5146483ef068243f14d311b032b626c926f3a
--! Hash: sha1:4bc1df7e7ad54489e366749eb443ad9d0c547da4
--! Message: Refusals that point at another record give its id in extensions: visitId, invoiceId, visitIds, invoiceIds

-- Refusals that point at another record give its id as well as its code: a double booking the visit
-- booked already (visitId), a visit's live invoice, or the invoice that bills a visit or its service
-- (invoiceId), a patient's deletion the invoices or visits in its way (invoiceIds, visitIds). The ids
-- go in the error's DETAIL as JSON built from the rows, which server/errors.ts passes on as
-- extensions for these codes and keys only, so a frontend opens the record without parsing the
-- message. The functions are restated whole; only their raise statements and comments changed.

create or replace function app_private.tg_visit__booked_once() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_code text;
  v_id uuid;
begin
  -- the minute as the index bins it
  select v.code, v.id into v_code, v_id from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.patient_id and v.doctor_id = new.doctor_id
    and v.status in ('scheduled', 'checked_in', 'in_progress') and v.id <> new.id
    and date_bin('00:01:00', v.scheduled_at, '2000-01-01 00:00:00+00') = date_bin('00:01:00', new.scheduled_at, '2000-01-01 00:00:00+00')
  limit 1;
  if found then
    raise exception 'This patient is already booked with this doctor at this time: open % instead.', v_code
      using errcode = 'CCONF', detail = json_build_object('visitId', v_id)::text;
  end if;
  return new;
end;
$$;

COMMENT ON FUNCTION app_private.tg_visit__booked_once() IS 'BEFORE INSERT or UPDATE of the patient, doctor or time of an open visit (a status never opens a visit again): CONFLICT naming the open visit of that patient with that doctor in that minute, if there is one (its id in the error''s DETAIL, the API''s extensions.visitId) (visit_patient_booked_once refuses two made at the same moment).';

create or replace function app_private.tg_invoice__defaults() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_visit app_public.visit;
  v_live app_public.invoice;
begin
  select c.currency, c.tax_rate into new.currency, new.tax_rate from app_public.clinic c where c.id = new.clinic_id;
  new.status := 'draft';
  new.amount_paid := 0;
  -- checked for those who may invoice: another role's insert is refused by the policies (FORBIDDEN,
  -- saying who may), whatever visit it names
  if new.visit_id is not null and (app_hidden.may_invoice() or app_hidden.in_system_context()) then
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
    select * into v_live from app_public.invoice i where i.clinic_id = new.clinic_id and i.visit_id = new.visit_id and i.status <> 'void' limit 1;
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

COMMENT ON FUNCTION app_private.tg_invoice__defaults() IS 'BEFORE INSERT: a new invoice is a draft in the clinic''s currency and tax rate; one that bills a visit (made from it, or by hand with its visit) bills the visit''s patient and records its doctor: a visit not in the clinic is NOT_FOUND, a cancelled or no-show visit INVALID_INPUT, another patient''s INVALID_INPUT unless that patient is not in the clinic (NOT_FOUND), one with a live invoice CONFLICT naming it (its id in the error''s DETAIL, extensions.invoiceId) (invoice_one_live_per_visit refuses two made at the same moment).';

create or replace function app_private.tg_invoice_line__guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
declare
  v_line app_public.invoice_line := case when tg_op = 'DELETE' then old else new end;
  v_invoice app_public.invoice;
  v_service_active boolean;
begin
  -- locked until commit, so a line and the invoice's issue take turns; both reads planned at each
  -- call (execute), as a foreign key's cascade runs this without row-level security (000180)
  execute 'select * from app_public.invoice i where i.clinic_id = $1 and i.id = $2 for update'
    into v_invoice using v_line.clinic_id, v_line.invoice_id;
  if v_invoice.id is null then
    -- none this session may lock: none it sees (NOT_FOUND), or one no longer a draft for a role that
    -- changes drafts only (issued while it waited, for one), read as it is now
    execute 'select * from app_public.invoice i where i.clinic_id = $1 and i.id = $2'
      into v_invoice using v_line.clinic_id, v_line.invoice_id;
    if v_invoice.id is null then
      raise exception 'No such invoice in your clinic.' using errcode = 'CNOTF';
    end if;
  end if;
  -- the visit's service this line bills is being taken off its visit (the foreign keys' set null), or
  -- what it bills of it (its quantity, discount) changed (a new version, the key's cascade); those
  -- read and write past row-level security, as whoever changes visits' services may not see
  -- invoices: a void invoice's line keeps what it billed, its link following the service; a live
  -- invoice still bills the service as it was (the link and nothing else of the line: a change of
  -- more goes through the checks below)
  if tg_op = 'UPDATE'
     and (new.visit_service_id, new.visit_service_version) is distinct from (old.visit_service_id, old.visit_service_version)
     and (new.visit_service_id is null or new.visit_service_id = old.visit_service_id)
     and (new.clinic_id, new.id, new.invoice_id, new.service_id, new.description, new.quantity, new.unit_price, new.discount, new.tax_rate, new.decimals, new.position)
       is not distinct from (old.clinic_id, old.id, old.invoice_id, old.service_id, old.description, old.quantity, old.unit_price, old.discount, old.tax_rate, old.decimals, old.position) then
    if v_invoice.status <> 'void' and not app_hidden.may_invoice() then
      -- the invoice named only to those who may see invoices (a doctor may not)
      raise exception 'An invoice bills this service: whoever handles billing takes it off that invoice, or voids it, first.' using errcode = 'CCONF';
    elsif v_invoice.status = 'draft' then
      raise exception 'This service is billed on draft invoice %: take its line off that invoice first.', v_invoice.code
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
    elsif v_invoice.status = 'issued' then
      raise exception 'This service is billed on invoice %, which is issued: void that invoice first.', v_invoice.code
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
    elsif v_invoice.status <> 'void' then
      raise exception 'This service is billed on invoice %, which is %: refund its payments and void it first.',
        v_invoice.code, replace(v_invoice.status::text, '_', ' ')
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
    end if;
    return new;
  end if;
  if v_invoice.status = 'void' then
    raise exception 'The lines of a void invoice never change: make a new invoice instead.' using errcode = 'CTRAN';
  elsif v_invoice.status <> 'draft' then
    raise exception 'The lines of % invoice never change: void it and issue a new one.',
      case v_invoice.status when 'issued' then 'an issued' else 'a ' || replace(v_invoice.status::text, '_', ' ') end using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'UPDATE' and new.invoice_id <> old.invoice_id then
    raise exception 'A line cannot move to another invoice.' using errcode = 'CINVL';
  end if;
  new.tax_rate := coalesce(new.tax_rate, v_invoice.tax_rate);
  if new.service_id is not null and (tg_op = 'INSERT' or new.service_id is distinct from old.service_id) then
    select coalesce(new.description, s.name), coalesce(new.unit_price, s.price), s.is_active
    into new.description, new.unit_price, v_service_active
    from app_public.service s where s.clinic_id = new.clinic_id and s.id = new.service_id;
    if not found then
      raise exception 'No such service in this clinic.' using errcode = 'CNOTF';
    end if;
    -- typed by hand; a visit's service is billed whatever became of it in the catalog since
    if not v_service_active and new.visit_service_id is null then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  end if;
  return new;
end;
$_$;
COMMENT ON FUNCTION app_private.tg_invoice_line__guard() IS 'BEFORE INSERT/UPDATE/DELETE: the line''s invoice must be one the session sees in its clinic (NOT_FOUND otherwise); lines change only on drafts (INVALID_TRANSITION), the invoice locked so that a line and its issue take turns; a service line defaults to the catalog name and price, every line to the invoice''s tax rate. A visit''s service taken off its visit unlinks the lines of void invoices (nothing else of them changes), and is refused (CONFLICT) while a draft or issued invoice bills it, naming that invoice to those who may see invoices (its id in the error''s DETAIL, extensions.invoiceId).';

create or replace function app_private.tg_visit__billed_kept() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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

COMMENT ON FUNCTION app_private.tg_visit__billed_kept() IS 'Trigger: refuses (CONFLICT) to change the patient or the doctor of a visit a live invoice (not void) bills, or to cancel it or mark it a no-show, naming the invoice to those who may invoice (its id in the error''s DETAIL, extensions.invoiceId; and who voids it, to those who may not void); the invoice is voided first (its payments refunded). Reads app_private.visit_bill, whoever the session.';

create or replace function app_private.tg_patient__no_open_invoice() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_codes text;
  v_ids uuid[];
begin
  -- those who delete patients (owners, admins) see every invoice of their clinic
  select string_agg(i.code, ', ' order by i.code), array_agg(i.id order by i.code) into v_codes, v_ids from app_public.invoice i
  where i.clinic_id = new.clinic_id and i.patient_id = new.id and i.status in ('draft', 'issued', 'partially_paid');
  if v_codes is not null then
    raise exception 'This patient has open invoices (%): void them, or take what is due, before deleting the patient.', v_codes
      using errcode = 'CINVL', detail = json_build_object('invoiceIds', v_ids)::text;
  end if;
  return new;
end;
$$;

COMMENT ON FUNCTION app_private.tg_patient__no_open_invoice() IS 'Trigger: refuses (INVALID_INPUT, naming the invoices, their ids in the error''s DETAIL, extensions.invoiceIds) to delete a patient with an invoice that is a draft, or issued with money still due.';

create or replace function app_private.tg_patient__no_visit_to_bill() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_codes text;
  v_ids uuid[];
begin
  select string_agg(v.code, ', ' order by v.scheduled_at), array_agg(v.id order by v.scheduled_at) into v_codes, v_ids from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status = 'completed'
    and exists (select from app_public.visit_service s where s.clinic_id = v.clinic_id and s.visit_id = v.id)
    and not exists (select from app_public.invoice i where i.clinic_id = v.clinic_id and i.visit_id = v.id and i.status <> 'void');
  if v_codes is not null then
    raise exception 'This patient has visits done and not billed yet (%): invoice them, or take their services off, before deleting the patient.', v_codes
      using errcode = 'CINVL', detail = json_build_object('visitIds', v_ids)::text;
  end if;
  return new;
end;
$$;

COMMENT ON FUNCTION app_private.tg_patient__no_visit_to_bill() IS 'Trigger: refuses (INVALID_INPUT, naming the visits, their ids in the error''s DETAIL, extensions.visitIds) to delete a patient with a completed visit that has services and no invoice but void ones.';

create or replace function app_private.tg_patient__no_visit_under_way() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_codes text;
  v_ids uuid[];
begin
  select string_agg(v.code, ', ' order by v.scheduled_at), array_agg(v.id order by v.scheduled_at) into v_codes, v_ids from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status in ('scheduled', 'checked_in', 'in_progress');
  if v_codes is not null then
    raise exception 'This patient has visits under way (%): cancel or finish them before deleting the patient.', v_codes
      using errcode = 'CINVL', detail = json_build_object('visitIds', v_ids)::text;
  end if;
  return new;
end;
$$;

COMMENT ON FUNCTION app_private.tg_patient__no_visit_under_way() IS 'Trigger: refuses (INVALID_INPUT, naming the visits, their ids in the error''s DETAIL, extensions.visitIds) to delete a patient with a visit scheduled, checked in or in progress.';
