--! Previous: sha1:4d04909650498f9abd09daa7c428e6583bd27767
--! Hash: sha1:db2221181f4147383410306a8ef34f3715417963
--! Message: A draft's patient and visit changed from psql are held to a new invoice's rules

-- Enter migration here
-- A draft's patient and visit, changed from an operator's psql, are held to the rules of a new invoice's
--
-- An invoice that bills a visit bills the visit's patient, a visit neither cancelled nor a no-show nor billed by
-- another live invoice, and records the visit's doctor: tg_invoice__defaults held an insert to that, and
-- tg_invoice__lifecycle keeps an issued invoice's patient and visit, but a draft's could be changed by any update (the
-- API's roles write neither column: an operator's psql "correcting" a draft). Such an update made a draft bill one
-- patient for another patient's visit (that visit then read as billed, and its own patient was never billed), bill a
-- cancelled visit, keep the doctor of the visit it no longer billed, or bill a visit under lines billing another
-- visit's services. The same rules now hold an update of a draft's patient or visit, whoever writes it; a draft whose
-- lines bill the services of its visit keeps that visit (the lines are taken off first), and the doctor follows the
-- visit (none once the visit is taken off).
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
comment on function app_private.tg_invoice__defaults() is 'BEFORE INSERT, and UPDATE OF patient_id or visit_id of a draft (an issued invoice''s are tg_invoice__lifecycle''s to refuse): a new invoice is a draft in the clinic''s currency and tax rate, without the stamps of an issue or a void (000459); one that bills a visit (made from it, or by hand with its visit, or a draft given one) bills the visit''s patient and records its doctor: a visit not in the clinic is NOT_FOUND, a cancelled or no-show visit INVALID_INPUT, another patient''s INVALID_INPUT unless that patient is not in the clinic (NOT_FOUND), one with another live invoice CONFLICT naming it (its id in the error''s DETAIL, extensions.invoiceId) (invoice_one_live_per_visit refuses two made at the same moment). A draft whose lines bill the services of its visit keeps that visit (INVALID_INPUT), and a draft''s doctor follows its visit (none once it bills none): the API''s roles write neither column, an operator''s psql does.';
revoke all on function app_private.tg_invoice__defaults() from public;
drop trigger if exists _150_defaults on app_public.invoice;
create trigger _150_defaults before insert or update of patient_id, visit_id on app_public.invoice
  for each row execute function app_private.tg_invoice__defaults();
