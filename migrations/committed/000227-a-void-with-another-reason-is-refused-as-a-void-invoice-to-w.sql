--! Previous: sha1:fad40a8859cf13bd1bf10e74cfbcc8e38e9f8329
--! Hash: sha1:06450aa6d1f765779d4c4d74e46ffc9374d5c7fe
--! Message: A void with another reason is refused as a void invoice to whoever asks

-- A void with another reason is refused as a void invoice to whoever asks (INVALID_TRANSITION "A void invoice
-- cannot change.", as billing.md has it since 000201): 000225 let a receptionist the clinic lets invoice void
-- a draft, and her lock reaches drafts only, so an invoice voided already (her own click again with the reason
-- retyped, or a cashier's void a moment before hers) fell to the check for an issued invoice and was FORBIDDEN
-- "Only an owner, admin or cashier can void an invoice once it is issued; you may void a draft.": wrong about the
-- invoice, and telling her to ask a cashier about an invoice no one may void again.

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
