--! Previous: sha1:1f1f6ae4635c02cceafb26f4004ed1a250444fef
--! Hash: sha1:4e20d1b4ecd6bb58d6176181351a3525b49ff6c7
--! Message: an issue sent again after a payment answers the invoice as it is

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
