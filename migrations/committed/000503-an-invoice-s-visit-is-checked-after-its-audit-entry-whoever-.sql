--! Previous: sha1:ca58ca4a1c3132149b63b05280e3cfe8542bd8ce
--! Hash: sha1:609ad458cf5399f6f9a88c6afd15bf20f043e084
--! Message: An invoice's visit is checked after its audit entry whoever wrote it

-- Enter migration here
-- An invoice's visit is checked after its audit entry whoever wrote it
--
-- 000502 read an invoice's visit again after its audit entry (tg_invoice__visit_billable), once a change of the visit in
-- flight had committed, but only while its writer might invoice (may_invoice) or was the system context, asked there,
-- after the wait: a clinic's receptionists' right to invoice taken away and committed
-- while the invoice waited for the clinic's audit chain head, behind a cancellation of its visit, skipped the check, and
-- the cancelled visit was billed by a live invoice. The policies decided who may write the invoice before it was written
-- (the skip is tg_invoice__defaults', before them, so that another role is told FORBIDDEN): after its audit entry the
-- visit is checked for every invoice written.
create or replace function app_private.tg_invoice__visit_billable() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_visit app_public.visit;
begin
  -- a draft's visit or patient changed, or a new invoice (an issued one's are refused by tg_invoice__lifecycle before);
  -- whoever wrote it, the policies having let it through: its writer's right to invoice, asked again after the wait
  -- below, may have been taken away meanwhile
  if tg_op = 'UPDATE' and (old.status <> 'draft' or (new.patient_id, new.visit_id) is not distinct from (old.patient_id, old.visit_id)) then
    return null;
  end if;
  -- after the invoice's audit entry (_500_audit): a change of the visit in flight, which writes the clinic's audit chain
  -- before it commits, is waited for (its head), and read
  select * into v_visit from app_public.visit v where v.clinic_id = new.clinic_id and v.id = new.visit_id;
  perform app_private.check_visit_billable(new, v_visit);
  if new.doctor_id is distinct from v_visit.doctor_id then
    -- the doctor tg_invoice__defaults read was changed and committed before this invoice's audit entry
    raise exception 'This visit''s doctor was changed as it was invoiced: send it again.' using errcode = 'CCONF';
  end if;
  return null;
end;
$$;
comment on function app_private.tg_invoice__visit_billable() is 'AFTER INSERT, and UPDATE OF patient_id or visit_id of a draft, of an invoice that bills a visit, after its audit entry (_510_visit_billable, after _500_audit): the visit is not cancelled or a no-show (INVALID_INPUT), and is the invoice''s patient''s (INVALID_INPUT; NOT_FOUND for a patient not in the clinic) and doctor''s (CONFLICT: changed as it was invoiced, to send again). Read once the invoice holds the clinic''s audit chain head, which a change of the visit in flight holds until it commits (tg_visit__billed_kept reads the invoices so in turn): the second waits for the first and is judged by what it did, with no lock of its own per visit. For every invoice written, whoever wrote it (the policies let it through), not only while its writer may still invoice, asked after the wait, which a right taken away meanwhile skipped.';
revoke all on function app_private.tg_invoice__visit_billable() from public;
