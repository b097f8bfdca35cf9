--! Previous: sha1:a4e9ae8ba42fb8b99b9670d747c22b00f372b715
--! Hash: sha1:90844cb64a130e22eae36026763d579fd3ee15a8
--! Message: An invoice issued or voided twice answers the invoice

-- An invoice issued or voided twice (a double click, a retry after a timeout whose first attempt went through)
-- answered the second "Only a draft can be issued; this invoice is issued." or "A void invoice cannot change."
-- (INVALID_TRANSITION), though what was asked had been done: a close or a reopening sent twice answers the day
-- (000121, 000194). The same issue again answers the issued invoice (one paid since is still refused, naming its
-- status), and the same void again, with the same reason, the void invoice; a void with another reason is
-- INVALID_TRANSITION as before.
create or replace function app_public.issue_invoice(invoice_id uuid) RETURNS app_public.invoice
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
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
  if v_invoice.status = 'issued' then
    return v_invoice; -- the same issue again (a double click, a retry): the invoice as it was issued
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

create or replace function app_public.void_invoice(invoice_id uuid, reason text) RETURNS app_public.invoice
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_invoice app_public.invoice;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can void invoices.' using errcode = 'CFORB';
  end if;
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to void an invoice.' using errcode = 'CINVL';
  end if;
  -- after the void in flight, if any
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = app_public.current_clinic_id() and i.id = void_invoice.invoice_id for update;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;
  -- the same void again (a double click, a retry), with the same reason: the invoice as it was voided
  if v_invoice.status = 'void' and v_invoice.void_reason = app_hidden.text_or_null(reason) then
    return v_invoice;
  end if;
  update app_public.invoice i set status = 'void', voided_at = now(), voided_by = app_public.current_user_id(), void_reason = app_hidden.text_or_null(reason)
  where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id
  returning * into v_invoice;
  return v_invoice;
end;
$$;

comment on function app_public.issue_invoice(invoice_id uuid) is 'Issues a draft invoice: its lines are frozen and it can be paid. The same issue again answers the issued invoice. Owners, admins and cashiers.';
comment on function app_public.void_invoice(invoice_id uuid, reason text) is 'Voids an invoice with a reason (its payments must have been refunded first). The same void again, with the same reason, answers the void invoice. Owners, admins and cashiers.';
