--! Previous: sha1:011ac7a94bf849064adc5a58225969d4d9f3e640
--! Hash: sha1:95e4a8cbffaf3cfe0e755deb79d7b68cf7eef8fe
--! Message: A payment's invoice read once as the payment is written

-- A payment's invoice read once as the payment is written: issued, and of a patient not deleted
--
-- 000374 added a BEFORE INSERT trigger on payments refusing one on a draft beside the one refusing a deleted patient's
-- invoice (000117): both at _120, each reading the payment's invoice, twice for every payment taken. The draft's
-- refusal now comes first in tg_payment__invoice_issued, which reads the invoice once for both, as the definer the
-- deleted patient's check needs; the trigger _120_patient_not_deleted and its function are dropped.
create or replace function app_private.tg_payment__invoice_issued()
 returns trigger
 language plpgsql
 security definer
 set search_path to pg_catalog, public, pg_temp
 set clinicops.include_deleted = 'off'
 set clinicops.every_clinic = 'off'
 set clinicops.reinvitation = 'off'
as $function$
declare
  v_invoice app_public.invoice;
begin
  select * into v_invoice from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  if v_invoice.status = 'draft' then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  end if;
  if found then
    perform app_private.refuse_deleted_patient(v_invoice.clinic_id, v_invoice.patient_id);
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_payment__invoice_issued() from public;
comment on function app_private.tg_payment__invoice_issued() is
  'BEFORE INSERT on payments, the invoice read once: it is not a draft (INVALID_INPUT, as record_payment tells first; the rule held for a payment written other than by record_payment, an operator''s psql), and its patient is not deleted (INVALID_INPUT, refuse_deleted_patient).';
drop trigger if exists _120_patient_not_deleted on app_public.payment;
drop function if exists app_private.tg_payment__patient_not_deleted();
comment on trigger _120_invoice_issued on app_public.payment is 'A payment is of an issued invoice of a patient not deleted (tg_payment__invoice_issued).';
