--! Previous: sha1:0aabf09fb2cb32682cdb4678721a42e0cd9dd011
--! Hash: sha1:e8256f3a0804ebb024aa81d1ecc523883f3c84d0
--! Message: visits to bill keep their patient

-- A patient with a completed visit not billed yet is not deleted: the visit was done, with services
-- on it, and no invoice (but a void one) bills it; once the patient was deleted, the cashier could
-- not bill it ("This patient was deleted: restore them before booking or billing them."), as 000081
-- found of visits under way. A visit with no services has nothing to bill.

create or replace function app_private.tg_patient__no_visit_to_bill() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_codes text;
begin
  select string_agg(v.code, ', ' order by v.scheduled_at) into v_codes from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status = 'completed'
    and exists (select from app_public.visit_service s where s.clinic_id = v.clinic_id and s.visit_id = v.id)
    and not exists (select from app_public.invoice i where i.clinic_id = v.clinic_id and i.visit_id = v.id and i.status <> 'void');
  if v_codes is not null then
    raise exception 'This patient has visits done and not billed yet (%): invoice them, or take their services off, before deleting the patient.', v_codes
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_patient__no_visit_to_bill() is
  'Trigger: refuses (INVALID_INPUT, naming the visits) to delete a patient with a completed visit that has services and no invoice but void ones.';

drop trigger if exists _122_no_visit_to_bill on app_public.patient;
create trigger _122_no_visit_to_bill before update of deleted_at on app_public.patient
  for each row when (old.deleted_at is null and new.deleted_at is not null)
  execute function app_private.tg_patient__no_visit_to_bill();
comment on trigger _122_no_visit_to_bill on app_public.patient is
  'A patient with a completed visit not billed yet is not deleted (tg_patient__no_visit_to_bill).';
