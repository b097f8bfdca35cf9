--! Previous: sha1:e9620db406576d5c02c112e61f4cbde843106efb
--! Hash: sha1:edaa8e16beb1bb783d7d130f4a4867152fbb0912
--! Message: billUnbilledServices bills the services added while it waited for its draft

-- billUnbilledServices bills the services added while it waited for its draft
--
-- Since the visit's services are held before the draft's lock and only those held are billed, a cashier's
-- billUnbilledServices that waited for its draft (another click, a line being typed on it) while the doctor added a
-- service and committed left that service out, answering "Every service of VIS-... is billed already." though it was
-- not billed. Once it has the draft's lock it now holds too the services added since its first hold, for share skip
-- locked: it waits for none while holding the draft (a change of such a service in flight holds its row and the
-- visit, and a removal of another service the draft bills waits for the draft holding that visit), so one being
-- changed at that moment is left to the next call, as one added after.

create or replace function app_public.bill_unbilled_services(invoice_id uuid) RETURNS app_public.invoice
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_invoice app_public.invoice;
  v_visit_code text;
  v_held uuid[];
begin
  if not app_hidden.may_invoice() then
    raise exception 'You may not change invoices in this clinic.' using errcode = 'CFORB';
  end if;
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = app_public.current_clinic_id() and i.id = bill_unbilled_services.invoice_id;
  if not found then
    raise exception 'No such invoice in your clinic.' using errcode = 'CNOTF';
  elsif v_invoice.visit_id is null then
    raise exception 'Invoice % bills no visit: add its lines by hand.', v_invoice.code using errcode = 'CINVL';
  elsif v_invoice.status = 'draft' then
    -- the visit's services held first, before the invoice is locked and its lines' audit entries hold the clinic's audit
    -- chain head, in the order a removal or a change of one takes them (its row, then the invoice of a line billing it
    -- through the foreign key's action, then the head): waited for here, holding neither
    v_held := app_private.hold_visit_services(v_invoice.clinic_id, v_invoice.visit_id);
    -- locked (two clicks at once add the lines once, and an issue waits); a role that changes drafts
    -- only locks none issued meanwhile: read as it is now
    select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id for update;
    if not found then
      select * into v_invoice from app_public.invoice i
      where i.clinic_id = app_public.current_clinic_id() and i.id = bill_unbilled_services.invoice_id;
    else
      -- and those added while it waited for the draft (a line being typed on it, another click), held too without
      -- waiting: one being changed now holds its row, then the visit, and may wait for this draft (a removal of another
      -- service that the draft bills, holding the visit): skipped, left to the next call as one added after
      v_held := v_held || array(select s.id from app_public.visit_service s
                                where s.clinic_id = v_invoice.clinic_id and s.visit_id = v_invoice.visit_id and s.id <> all (v_held)
                                order by s.id for share skip locked);
    end if;
  end if;
  if v_invoice.status = 'void' then
    raise exception 'Invoice % is void: make a new one from the visit (createInvoiceFromVisit).', v_invoice.code using errcode = 'CTRAN';
  elsif v_invoice.status <> 'draft' then
    raise exception 'Invoice % is %: its lines never change. To bill the visit again, it is voided%, by an owner, admin or cashier.',
      v_invoice.code, replace(v_invoice.status::text, '_', ' '), case when v_invoice.status = 'issued' then '' else ', its payments refunded' end
      using errcode = 'CTRAN';
  end if;
  if app_private.bill_visit_services(v_invoice, v_held) = 0 then
    select v.code into v_visit_code from app_public.visit v where v.clinic_id = v_invoice.clinic_id and v.id = v_invoice.visit_id;
    if not exists (select from app_public.visit_service s where s.clinic_id = v_invoice.clinic_id and s.visit_id = v_invoice.visit_id) then
      raise exception '% has no services to invoice.', coalesce(v_visit_code, 'The visit') using errcode = 'CINVL';
    end if;
    raise exception 'Every service of % is billed already.', coalesce(v_visit_code, 'the visit') using errcode = 'CINVL';
  end if;
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id;
  return v_invoice;
end;
$$;


comment on function app_public.bill_unbilled_services(invoice_id uuid) is 'Adds to a draft invoice of a visit a line for each of the visit''s services that no live invoice bills (one its doctor added after the invoice was made), as createInvoiceFromVisit makes them; INVALID_INPUT when every service is billed already, the visit has none or the invoice bills no visit, INVALID_TRANSITION once it is issued or void, CONFLICT when the draft has a line typed by hand for one of those services. Owners, admins, cashiers, and receptionists if the clinic allows.';

revoke all on function app_public.bill_unbilled_services(invoice_id uuid) from public;
grant all on function app_public.bill_unbilled_services(invoice_id uuid) to :DATABASE_VISITOR;
