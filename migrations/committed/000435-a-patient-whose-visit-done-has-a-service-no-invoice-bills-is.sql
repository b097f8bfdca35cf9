--! Previous: sha1:de9319db8e09dfd9f7b84b98d9341750beea330b
--! Hash: sha1:96ac41897452244c6262ac1167de8d8de1158aab
--! Message: A patient whose visit done has a service no invoice bills is not deleted

-- A patient is not deleted while a visit done has a service its invoice does not bill
--
-- 000127 kept a patient from being deleted while a visit of theirs was done and not billed yet, and took a visit with a
-- live invoice for billed. But an invoice bills the services the visit had when it was made: one its doctor adds
-- afterwards (the blood count after an invoice taken ahead and paid) is on no invoice until the visit is billed again
-- (billing.md), and deleting the patient then left it unbilled, a deleted patient being billed nothing (until
-- restored). A completed visit with a service added after its live invoice was made that no live invoice bills, neither
-- by a line made from it nor by a line of its service typed by hand on the visit's invoice, now keeps its patient too
-- (INVALID_INPUT naming the visits: void the invoice and bill the visit again first). A service the visit had when its
-- invoice was made and that billing took off the draft stays billing's choice; a visit with no live invoice is told as
-- before.
create or replace function app_private.tg_patient__no_visit_to_bill() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_codes text;
  v_ids uuid[];
begin
  select string_agg(v.code, ', ' order by v.scheduled_at), array_agg(v.id order by v.scheduled_at) into v_codes, v_ids from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status = 'completed'
    and exists (select from app_public.visit_service s where s.clinic_id = v.clinic_id and s.visit_id = v.id)
    and not exists (select from app_public.invoice i where i.clinic_id = v.clinic_id and i.visit_id = v.id and i.status <> 'void');
  if v_codes is not null then
    raise exception 'This patient has visits done and not billed yet (%): invoice them, or take their services off, before deleting the patient.', v_codes
      using errcode = 'CINVL', detail = json_build_object('visitIds', v_ids)::text;
  end if;
  -- billed, but not all of it: a service added after its invoice was made, which no live invoice bills (by a line made
  -- from it, or by a line of its service typed by hand on the visit's invoice, as tg_invoice_line__billed_once matches
  -- them: more of a service billed, added again, is not billed by the first one's line); one
  -- the visit had when its invoice was made and that is not on it was taken off the draft by billing, which chose so
  select string_agg(v.code, ', ' order by v.scheduled_at), array_agg(v.id order by v.scheduled_at) into v_codes, v_ids from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status = 'completed'
    and exists (
      select from app_public.visit_service s
      where s.clinic_id = v.clinic_id and s.visit_id = v.id
        and s.created_at > (select min(i.created_at) from app_public.invoice i
                            where i.clinic_id = v.clinic_id and i.visit_id = v.id and i.status <> 'void')
        -- a line made from it (by its id), or one of its service typed by hand on the visit's live invoice
        and not exists (
          select from app_public.invoice_line l join app_public.invoice i on i.clinic_id = l.clinic_id and i.id = l.invoice_id
          where l.clinic_id = s.clinic_id and l.visit_service_id = s.id and i.status <> 'void')
        and not exists (
          select from app_public.invoice i join app_public.invoice_line l on l.clinic_id = i.clinic_id and l.invoice_id = i.id
          where i.clinic_id = v.clinic_id and i.visit_id = v.id and i.status <> 'void'
            and l.visit_service_id is null and l.service_id = s.service_id));
  if v_codes is not null then
    raise exception 'This patient has visits done with services their invoice does not bill (%): void the invoice and bill the visit again before deleting the patient.', v_codes
      using errcode = 'CINVL', detail = json_build_object('visitIds', v_ids)::text;
  end if;
  return new;
end;
$$;

comment on function app_private.tg_patient__no_visit_to_bill() is 'Trigger: refuses (INVALID_INPUT, naming the visits, their ids in the error''s DETAIL, extensions.visitIds) to delete a patient with a completed visit that has services and no invoice but void ones, or a service added after its live invoice was made that no live invoice bills, by a line made from it or a line of its service typed by hand on the visit''s invoice (000435).';
