--! Previous: sha1:e0597e2223eb9f88290eb847db71a5e2de307212
--! Hash: sha1:4cd8bd5c4325799ce88a5c2b82c8380a5ca31896
--! Message: A draft invoice made by mistake is voided by whoever may make one

-- A draft invoice made by mistake is discarded by whoever may make one: a receptionist the clinic lets invoice voids
-- a draft (a reason given, audited), as owners, admins and cashiers void any invoice; an issued one stays theirs. The
-- draft is voided, not deleted: its number was given when it was made (invoices are numbered without gaps), and a
-- deleted draft would leave that number missing from the clinic's sequence; a void one accounts for it. Before, a
-- receptionist's mistaken draft stayed live (still billing its visit, which the front desk could then not cancel) until
-- someone handling money voided it, and nothing could remove it.

drop policy if exists update_draft_billing on app_public.invoice;
create policy update_draft_billing on app_public.invoice for update
  using (clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.may_invoice()) and status = 'draft')
  with check (clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.may_invoice()) and status in ('draft', 'void'));
comment on policy update_draft_billing on app_public.invoice is 'Whoever may invoice (receptionists too, when the clinic allows it) may update the clinic''s drafts, which stay drafts (what keeps a draft''s totals in step with its lines) or are voided (void_invoice, the one way to the status: the API role writes only notes). Issued invoices change through update_money (owners, admins, cashiers).';

create or replace function app_public.void_invoice(invoice_id uuid, reason text) returns app_public.invoice
language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  v_invoice app_public.invoice;
begin
  if not app_hidden.may_invoice() then
    raise exception 'Only an owner, admin or cashier can void invoices.' using errcode = 'CFORB';
  end if;
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to void an invoice.' using errcode = 'CINVL';
  end if;
  -- after the void in flight, if any
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = app_public.current_clinic_id() and i.id = void_invoice.invoice_id for update;
  if v_invoice.id is null then
    -- a receptionist's lock reaches drafts only (update_draft_billing): one she sees is not a draft
    select * into v_invoice from app_public.invoice i
    where i.clinic_id = app_public.current_clinic_id() and i.id = void_invoice.invoice_id;
  end if;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;
  -- the same void again (a double click, a retry), with the same reason: the invoice as it was voided
  if v_invoice.status = 'void' and v_invoice.void_reason = app_hidden.text_or_null(reason) then
    return v_invoice;
  end if;
  -- a receptionist the clinic lets invoice discards drafts; what was issued is the cashier's record
  if v_invoice.status <> 'draft' and not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can void an invoice once it is issued; you may void a draft.' using errcode = 'CFORB';
  end if;
  update app_public.invoice i set status = 'void', voided_at = now(), voided_by = app_public.current_user_id(), void_reason = app_hidden.text_or_null(reason)
  where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id
  returning * into v_invoice;
  return v_invoice;
end;
$$;
comment on function app_public.void_invoice(invoice_id uuid, reason text) is 'Voids an invoice with a reason (its payments must have been refunded first); a void invoice keeps its number, so a draft made by mistake is voided, not deleted (numbers have no gaps). The same void again, with the same reason, answers the void invoice. Owners, admins and cashiers; receptionists the clinic lets invoice, drafts only.';

-- a visit billed ahead on a draft: a receptionist the clinic lets invoice is told to void it, as she now may
create or replace function app_private.tg_visit__billed_kept() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
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
comment on function app_private.tg_visit__billed_kept() is 'Trigger: refuses (CONFLICT) to change the patient or the doctor of a visit a live invoice (not void) bills, or to cancel it or mark it a no-show, naming the invoice to those who may invoice (its id in the error''s DETAIL, extensions.invoiceId; and who voids it, to a receptionist who may not void it: an issued one); the invoice is voided first (its payments refunded). Reads app_private.visit_bill, whoever the session.';
