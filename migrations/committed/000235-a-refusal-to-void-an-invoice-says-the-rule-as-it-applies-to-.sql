--! Previous: sha1:fd0dc5a1d05c85763171c672133fd788ced025e4
--! Hash: sha1:4f81665fb8a9239ee57ba09b5e946fcfbff948f5
--! Message: a refusal to void an invoice says the rule as it applies to whoever asks

-- A refusal to void an invoice says the rule as it applies to whoever asks.
--
-- 000225 let a receptionist the clinic lets invoice void a draft, but one whose clinic does not was still told "Only
-- an owner, admin or cashier can void invoices.", and so was a doctor: no longer the whole rule, and to her the
-- wrong one (what stands in her way is the clinic's setting). A receptionist is now told that she voids drafts only
-- in a clinic that lets receptionists invoice, and anyone else the whole rule. (One the clinic lets invoice, voiding
-- an issued invoice, is told she may void a draft, as since 000225.)

create or replace function app_public.void_invoice(invoice_id uuid, reason text) RETURNS app_public.invoice
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_invoice app_public.invoice;
begin
  -- the rule as it applies to whoever asks: a receptionist is told what her clinic would have to allow
  if not app_hidden.may_invoice() and app_hidden.current_role_in('receptionist') then
    raise exception 'A receptionist voids drafts only in a clinic that lets receptionists invoice, and this one does not.' using errcode = 'CFORB';
  elsif not app_hidden.may_invoice() then
    raise exception 'Only an owner, admin or cashier can void invoices (and a receptionist drafts, where the clinic lets receptionists invoice).' using errcode = 'CFORB';
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
  -- with another reason, whoever asks (tg_invoice__lifecycle's refusal, before a receptionist's is taken for an issued one's)
  if v_invoice.status = 'void' then
    raise exception 'A void invoice cannot change.' using errcode = 'CTRAN';
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
comment on function app_public.void_invoice(invoice_id uuid, reason text) is 'Voids an invoice with a reason (its payments must have been refunded first); a void invoice keeps its number, so a draft made by mistake is voided, not deleted (numbers have no gaps). The same void again, with the same reason, answers the void invoice; with another reason it is INVALID_TRANSITION, whoever asks. Owners, admins and cashiers; receptionists the clinic lets invoice, drafts only.';
