--! Previous: sha1:3e3b1d53f826be5abb6b49f050eb995535ed543b
--! Hash: sha1:b364bd9626066508be2768e74d0cd8ea4e988440
--! Message: visit-services-at-most-the-largest-amount

-- A visit's services come to at most the largest amount in all
--
-- A catalog price may be up to 9999999999999.999 (numeric(16,3), the largest amount a payment, a refund or an invoice
-- holds), and nothing bounded what a visit's services came to together: two services of 9,000,000,000,000 were added to
-- a visit, which then could not be invoiced ("A number is out of range.": its invoice's subtotal overflowed), nor, once
-- completed, its lines frozen, ever be, nor its patient deleted (a visit done and not billed). Now a service added to a
-- visit, or a quantity changed, that makes the visit's services come to more than 9999999999999.999 (quantity × unit
-- price, before discounts, as its invoice's subtotal adds them) is refused, INVALID_INPUT, naming the largest. The lines
-- lock their visit first, so two added at once are counted together.
create or replace function app_private.tg_visit_service__snapshot()
 returns trigger
 language plpgsql
 security definer
 set search_path to 'pg_catalog', 'public', 'pg_temp'
 set "clinicops.include_deleted" to 'off'
 set "clinicops.every_clinic" to 'off'
 set "clinicops.reinvitation" to 'off'
as $function$
declare
  v_line app_public.visit_service := case when tg_op = 'DELETE' then old else new end;
  v_status app_public.visit_status;
begin
  -- The lock reads only visits the session may also update; one it may not lock is looked for
  -- again, through the select policy alone: none seen at all is NOT_FOUND. Held until commit, it
  -- makes a line and a change of its visit take turns, and (not shared) two lines of one visit:
  -- each gets its place after the other's (tg_visit_service__position).
  select v.status into v_status from app_public.visit v
  where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id
  for no key update;
  if not found and not exists (select from app_public.visit v where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id) then
    raise exception 'No such visit in your clinic.' using errcode = 'CNOTF';
  end if;
  if v_status in ('completed', 'cancelled', 'no_show') then
    raise exception 'The services of a % visit are frozen.', app_hidden.visit_status_words(v_status) using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'INSERT' then
    select s.price into new.unit_price from app_public.service s
    where s.clinic_id = new.clinic_id and s.id = new.service_id and s.is_active and s.deleted_at is null;
    if not found then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  else
    new.unit_price := old.unit_price;
    if (new.visit_id, new.service_id) is distinct from (old.visit_id, old.service_id) then
      raise exception 'Remove the line and add another instead of changing its visit or service.' using errcode = 'CINVL';
    end if;
  end if;
  -- what the visit's services come to with this one (the others read under the visit's lock, as the session sees
  -- them: all of a visit it may change), as its invoice's subtotal (numeric(16,3)) adds them
  if new.quantity * new.unit_price + (
       select coalesce(sum(s.quantity * s.unit_price), 0) from app_public.visit_service s
       where s.clinic_id = new.clinic_id and s.visit_id = new.visit_id and s.id <> new.id) > 9999999999999.999 then
    raise exception 'A visit''s services come to at most 9999999999999.999 in all (quantity × price, before discounts): check this service''s quantity and price.'
      using errcode = 'CINVL';
  end if;
  return new;
end;
$function$;
comment on function app_private.tg_visit_service__snapshot() is 'BEFORE INSERT/UPDATE/DELETE: the line''s visit must be one the session sees in its clinic (NOT_FOUND otherwise); copies the catalog price at insert, keeps it afterwards, and freezes the services of finished visits; refuses a line or quantity that makes the visit''s services come to more than 9999999999999.999, what its invoice''s subtotal holds (INVALID_INPUT); locks the visit (FOR NO KEY UPDATE), so a line and a completion of its visit, and two lines of one visit, take turns.';
