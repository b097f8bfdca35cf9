--! Previous: sha1:609ad458cf5399f6f9a88c6afd15bf20f043e084
--! Hash: sha1:7e3757ebc17da82748d4cb677fda713eab83e936
--! Message: A visit's status steps queue no check of its invoice

-- Enter migration here
-- A visit's status steps queue no check of its invoice
--
-- tg_visit__billed_kept (since 000502 an AFTER trigger, _510_billed_kept, after the change's own audit entry) fired at
-- every update of a visit's status, patient or doctor: at every check-in, start and completion it queued an event and
-- called the function (a security definer one, its settings saved and restored) to find nothing to check. Its WHEN clause now says what the function checks (the visit called off, or given another
-- patient or doctor): an AFTER trigger's WHEN is read as the row is written, and a step it is false for queues nothing.
create or replace function app_private.tg_visit__billed_kept() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
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
  -- read after this change's own audit entry (_500_audit): an invoice of the visit being made, which writes the
  -- clinic's audit chain before it commits, is waited for (its head) and read
  select * into v_bill from app_private.visit_bill b where b.clinic_id = new.clinic_id and b.visit_id = new.id;
  if not found then
    return null;
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
comment on function app_private.tg_visit__billed_kept() is 'Trigger: refuses (CONFLICT) to change the patient or the doctor of a visit a live invoice (not void) bills, or to cancel it or mark it a no-show, naming the invoice to those who may invoice (its id in the error''s DETAIL, extensions.invoiceId; and who voids it, to a receptionist who may not void it: an issued one); the invoice is voided first (its payments refunded). AFTER UPDATE that calls the visit off or changes its patient or doctor (_510_billed_kept''s WHEN: no other step of a visit queues it), after the change''s own audit entry (_510_billed_kept, after _500_audit): it reads app_private.visit_bill, whoever the session, once it holds the clinic''s audit chain head, which an invoice of the visit being made holds until it commits (tg_invoice__visit_billable reads the visit so in turn): the second waits for the first and is judged by what it did, with no lock of its own per visit.';
revoke all on function app_private.tg_visit__billed_kept() from public;
drop trigger if exists _510_billed_kept on app_public.visit;
create trigger _510_billed_kept after update of patient_id, doctor_id, status on app_public.visit
  for each row when (new.status in ('cancelled', 'no_show') and new.status is distinct from old.status
    or new.patient_id is distinct from old.patient_id or new.doctor_id is distinct from old.doctor_id)
  execute function app_private.tg_visit__billed_kept();
comment on trigger _510_billed_kept on app_public.visit is 'A visit a live invoice bills keeps its patient and doctor and is not called off, read after the change''s audit entry (tg_visit__billed_kept), queued only by such a change.';
