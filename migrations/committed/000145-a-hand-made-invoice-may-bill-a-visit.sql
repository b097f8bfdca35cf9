--! Previous: sha1:ac040e6cdbee8627c467feaaa5c0d4330de77cd5
--! Hash: sha1:07e59f5b822e41bbe4c73247a703411aa34181f9
--! Message: a hand made invoice may bill a visit

-- A hand-made invoice may bill a visit.
--
-- The front desk, which adds no services to visits, bills a visit ahead with createInvoice and lines
-- by hand (billing.md); that invoice could not name its visit, so the visit stayed "to bill", and
-- createInvoiceFromVisit billed it a second time once its doctor had added the services (an
-- exploratory tester, as a front desk over HTTP); its revenue had no doctor either. createInvoice now
-- takes `visitId`: the invoice then bills that visit (one live invoice per visit, as from
-- createInvoiceFromVisit) and records its doctor. The visit must be the patient's, in the clinic, and
-- neither cancelled nor a no-show.

grant insert (visit_id) on app_public.invoice to :DATABASE_VISITOR;

create or replace function app_private.tg_invoice__defaults() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_visit app_public.visit;
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
      raise exception 'This visit is another patient''s: bill the patient of the visit.' using errcode = 'CINVL';
    end if;
    new.doctor_id := v_visit.doctor_id;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_invoice__defaults() is 'BEFORE INSERT: a new invoice is a draft in the clinic''s currency and tax rate; one that bills a visit (made from it, or by hand with its visit) bills the visit''s patient and records its doctor: a visit not in the clinic is NOT_FOUND, a cancelled or no-show visit, or another patient''s, INVALID_INPUT.';
comment on column app_public.invoice.visit_id is 'The visit it bills, made from it or given by hand (one live invoice per visit).';
