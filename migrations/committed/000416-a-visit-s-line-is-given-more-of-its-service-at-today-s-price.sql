--! Previous: sha1:708108be5eb5d8e01f5da84b2c7b035b400b6ff9
--! Hash: sha1:c7bf9063f7e9e7ae88be903aab8e6414746ce07a
--! Message: A visit's line is given more of its service at today's price only

-- A visit's line is given more of its service at today's price only
--
-- A line's quantity raised after its service's price changed gave the units added then at the price the service had
-- when the line was first added (its unit_price, which never changes): 1 test added at 5,000 and raised to 3 after the
-- price went to 8,000 was invoiced 3 × 5,000, where the same test added then is billed 8,000 (and after a price cut the
-- patient paid the old, higher price for what was given after it); the same after a service taken out of the catalog
-- was restored at a new price, as 000364 refused a raise only while it was out. Now a quantity is raised only while the
-- catalog's price is the line's (INVALID_INPUT otherwise, naming both: more of it is a line of its own, at today's
-- price); the line keeps what it was given, and is still lowered, discounted, taken off and invoiced with its visit.
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
  v_price numeric;
  v_currency text;
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
    -- more of a service is given only while it is in the catalog, and at the catalog's price, as a line of it is added:
    -- a line of a service deleted or made inactive since, or whose price changed since, keeps what it was given,
    -- lowered or discounted as ever (more of it at today's price is a line of its own)
    if new.quantity > old.quantity then
      select s.price into v_price from app_public.service s
      where s.clinic_id = new.clinic_id and s.id = new.service_id and s.is_active and s.deleted_at is null;
      if not found then
        raise exception 'That service is no longer in this clinic''s active catalog: a visit is given no more of it than it was (lower the quantity, or add an active service).'
          using errcode = 'CINVL';
      end if;
      if v_price <> old.unit_price then
        select c.currency into v_currency from app_public.clinic c where c.id = new.clinic_id;
        raise exception 'That service''s price has changed since it was added to this visit (% then, % now): more of it is added as a line of its own, at today''s price (add the service again).',
          app_private.money_text(old.unit_price, v_currency), app_private.money_text(v_price, v_currency)
          using errcode = 'CINVL';
      end if;
    end if;
  end if;
  -- what the visit's services come to with this one (the others read under the visit's lock, as the session sees
  -- them: all of a visit it may change), as its invoice's subtotal adds them: at most half the largest amount
  -- (numeric(16,3)), so that its invoice's total holds them with any tax (a rate is at most 0.999999, and one
  -- may change before the visit is invoiced), whatever its lines' rounding; checked for a line added or its quantity
  -- raised alone (its price is kept), so that a visit past it from before (000344 let it reach the largest amount)
  -- is still given a discount or a quantity lowered
  if (tg_op = 'INSERT' or new.quantity > old.quantity) and new.quantity * new.unit_price + (
       select coalesce(sum(s.quantity * s.unit_price), 0) from app_public.visit_service s
       where s.clinic_id = new.clinic_id and s.visit_id = new.visit_id and s.id <> new.id) > 4999999999999.999 then
    raise exception 'A visit''s services come to at most 4999999999999.999 in all (quantity × price, before discounts), so that its invoice holds them with any tax: check this service''s quantity and price.'
      using errcode = 'CINVL';
  end if;
  return new;
end;
$function$;

revoke all on function app_private.tg_visit_service__snapshot() from public;

comment on function app_private.tg_visit_service__snapshot() is 'BEFORE INSERT/UPDATE/DELETE: the line''s visit must be one the session sees in its clinic (NOT_FOUND otherwise); copies the catalog price at insert, keeps it afterwards, and freezes the services of finished visits; a line is added, or its quantity raised, only while its service is active and not deleted (INVALID_INPUT; lowered, discounted or taken off whatever became of it), and its quantity raised only while the catalog''s price is the line''s (INVALID_INPUT naming both: more of it at today''s price is a line of its own); refuses a line added, or a quantity raised, that makes the visit''s services come to more than 4999999999999.999, half what its invoice''s total holds, so that any tax fits (INVALID_INPUT; a visit past it from before is still given a discount or a quantity lowered); locks the visit (FOR NO KEY UPDATE), so a line and a completion of its visit, and two lines of one visit, take turns.';
