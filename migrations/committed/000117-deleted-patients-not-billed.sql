--! Previous: sha1:12d617da5e07d8584a1bb9057ba66669e63c84c9
--! Hash: sha1:7deb3e030ba8b4e795e423910777d2a062610225
--! Message: deleted patients not billed

--------------------------------------------------------------------------------
-- A deleted patient's invoice is neither issued nor paid until the patient is restored.
--
-- 000113 stopped a patient with an open invoice from being deleted, but a review found two ways
-- a deleted patient still owed money that was then taken: a paid invoice refunded after the
-- patient was deleted is open again, and a draft of a patient deleted before 000113 stays a
-- draft; either was then issued and paid, though a deleted patient "cannot be billed". Issuing an
-- invoice and recording a payment now check the patient as making an invoice or booking a visit
-- does (one rule, refuse_deleted_patient). A refund still goes through: it gives money back.

create or replace function app_private.refuse_deleted_patient(clinic_id uuid, patient_id uuid) returns void
language plpgsql security definer set search_path to pg_catalog, public, pg_temp set clinicops.include_deleted to 'on' as $$
begin
  -- deleted rows are hidden by the select policy (which binds this definer too) unless asked for,
  -- as this function's definition does
  if (select p.deleted_at is not null from app_public.patient p
      where p.clinic_id = refuse_deleted_patient.clinic_id and p.id = refuse_deleted_patient.patient_id) then
    raise exception 'This patient was deleted: restore them before booking or billing them.' using errcode = 'CINVL';
  end if;
end;
$$;
comment on function app_private.refuse_deleted_patient(uuid, uuid) is 'Refuses (INVALID_INPUT) to book or bill a deleted patient: a visit or an invoice made for them, an invoice of theirs issued, a payment taken.';
revoke all on function app_private.refuse_deleted_patient(uuid, uuid) from public;

create or replace function app_private.tg__patient_not_deleted() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  -- made, or moved to another patient; or, with the argument 'always', whatever changed (an invoice issued)
  if tg_op = 'INSERT' or tg_argv[0] = 'always' or new.patient_id is distinct from old.patient_id then
    perform app_private.refuse_deleted_patient(new.clinic_id, new.patient_id);
  end if;
  return new;
end;
$$;
comment on function app_private.tg__patient_not_deleted() is 'AFTER INSERT OR UPDATE OF patient_id on visits and invoices, after the foreign key''s check has locked the patient''s row: the patient is not deleted (INVALID_INPUT), nor being deleted (the check waits for that delete and then refuses). With the argument ''always'', on any update the trigger fires for (an invoice issued).';

drop trigger if exists _451_patient_not_deleted_when_issued on app_public.invoice;
create trigger _451_patient_not_deleted_when_issued after update of status on app_public.invoice
  for each row when (old.status = 'draft' and new.status not in ('draft', 'void'))
  execute function app_private.tg__patient_not_deleted('always');
comment on trigger _451_patient_not_deleted_when_issued on app_public.invoice is 'A deleted patient''s draft is not issued (tg__patient_not_deleted), nor one of nothing to pay, which is issued as paid; it may be voided.';

create or replace function app_private.tg_payment__patient_not_deleted() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  perform app_private.refuse_deleted_patient(i.clinic_id, i.patient_id)
  from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  return new;
end;
$$;
comment on function app_private.tg_payment__patient_not_deleted() is 'BEFORE INSERT on payments: the invoice''s patient is not deleted (INVALID_INPUT, refuse_deleted_patient).';
revoke all on function app_private.tg_payment__patient_not_deleted() from public;
drop trigger if exists _120_patient_not_deleted on app_public.payment;
create trigger _120_patient_not_deleted before insert on app_public.payment
  for each row execute function app_private.tg_payment__patient_not_deleted();
comment on trigger _120_patient_not_deleted on app_public.payment is 'A deleted patient''s invoice is not paid (tg_payment__patient_not_deleted).';
