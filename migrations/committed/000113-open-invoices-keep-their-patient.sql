--! Previous: sha1:413b1269dd37ba1cf7e58dc4a5c713c475442e54
--! Hash: sha1:35521f3450a7f9ea00a49fff79de8257a99a7d09
--! Message: open invoices keep their patient

--------------------------------------------------------------------------------
-- A patient whose invoices are still open is not deleted; a visit and an invoice name their
-- patient after the patient is deleted.
--
-- A patient with a draft invoice was deleted, and the draft was then issued and paid all the same,
-- though a deleted patient "cannot be billed" (an exploratory tester, through the API). An open
-- invoice (a draft, or issued with money still due) stops a delete as a visit under way does
-- (000081): the invoice is voided or settled first. And a deleted patient's past visits and
-- invoices read `patient: null` (a deleted patient is hidden), so a list of them named no one:
-- `patientName` names them, as `doctorName` names a doctor who left.

create or replace function app_private.tg_patient__no_open_invoice() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_codes text;
begin
  -- those who delete patients (owners, admins) see every invoice of their clinic
  select string_agg(i.code, ', ' order by i.code) into v_codes from app_public.invoice i
  where i.clinic_id = new.clinic_id and i.patient_id = new.id and i.status in ('draft', 'issued', 'partially_paid');
  if v_codes is not null then
    raise exception 'This patient has open invoices (%): void them, or take what is due, before deleting the patient.', v_codes
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_patient__no_open_invoice() is 'Trigger: refuses (INVALID_INPUT, naming the invoices) to delete a patient with an invoice that is a draft, or issued with money still due.';
revoke all on function app_private.tg_patient__no_open_invoice() from public;
drop trigger if exists _121_no_open_invoice on app_public.patient;
create trigger _121_no_open_invoice before update of deleted_at on app_public.patient
  for each row when (old.deleted_at is null and new.deleted_at is not null) execute function app_private.tg_patient__no_open_invoice();
comment on trigger _121_no_open_invoice on app_public.patient is 'A patient with an open invoice is not deleted (tg_patient__no_open_invoice).';

create or replace function app_public.visit_patient_name(v app_public.visit) returns text
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp set clinicops.include_deleted to 'on' as $$
begin
  -- the visit is read again as the session sees it, so a row made up by the caller names no one
  -- (as visit_doctor_name); PL/pgSQL, so its plan is kept for the connection (decision 012)
  return (
    select p.first_name || ' ' || p.last_name
    from app_public.visit seen join app_public.patient p on p.clinic_id = seen.clinic_id and p.id = seen.patient_id
    where seen.clinic_id = v.clinic_id and seen.id = v.id);
end;
$$;
comment on function app_public.visit_patient_name(app_public.visit) is E'@behavior -resource:aggregate -filterBy -orderBy\nThe name of the visit''s patient, also once the patient is deleted (a deleted patient is hidden, so `patient` is then null).';
revoke all on function app_public.visit_patient_name(app_public.visit) from public;
grant execute on function app_public.visit_patient_name(app_public.visit) to :DATABASE_VISITOR;

create or replace function app_public.invoice_patient_name(i app_public.invoice) returns text
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp set clinicops.include_deleted to 'on' as $$
begin
  -- read again as the session sees it, as visit_patient_name
  return (
    select p.first_name || ' ' || p.last_name
    from app_public.invoice seen join app_public.patient p on p.clinic_id = seen.clinic_id and p.id = seen.patient_id
    where seen.clinic_id = i.clinic_id and seen.id = i.id);
end;
$$;
comment on function app_public.invoice_patient_name(app_public.invoice) is E'@behavior -resource:aggregate -filterBy -orderBy\nThe name of the invoice''s patient, also once the patient is deleted (a deleted patient is hidden, so `patient` is then null).';
revoke all on function app_public.invoice_patient_name(app_public.invoice) from public;
grant execute on function app_public.invoice_patient_name(app_public.invoice) to :DATABASE_VISITOR;
