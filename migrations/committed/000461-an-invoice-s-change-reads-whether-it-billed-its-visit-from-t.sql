--! Previous: sha1:33a02389b27a77c6f6feabbff595d3780cac31f8
--! Hash: sha1:c7ce79905b91fa42f2239f9d9026f5fb82d1506f
--! Message: An invoice's change reads whether it billed its visit from the row it was

-- An invoice's change reads whether it billed its visit from the row it was, not from the kept table
--
-- tg_invoice__visit_bill (000457) looked the invoice up in app_private.visit_bill to know whether it was live before
-- the change, at every change of its status, code or visit: every payment that moves an invoice to partially paid or
-- paid. visit_bill holds exactly the invoices made from a visit and not void, as this trigger keeps it, so the row as it
-- was says so: the same rule as the row as it is, read of `old`, and no query.
create or replace function app_private.tg_invoice__visit_bill() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  -- live: made from a visit and not void, what visit_bill holds (an insert was nothing before)
  v_was_live boolean := tg_op = 'UPDATE' and old.visit_id is not null and old.status <> 'void';
  v_is_live boolean := new.visit_id is not null and new.status <> 'void';
begin
  if not v_is_live then
    delete from app_private.visit_bill b where b.clinic_id = new.clinic_id and b.invoice_id = new.id;
  else
    insert into app_private.visit_bill (clinic_id, invoice_id, visit_id, code, status)
    values (new.clinic_id, new.id, new.visit_id, new.code, new.status)
    on conflict (clinic_id, invoice_id) do update set visit_id = excluded.visit_id, code = excluded.code, status = excluded.status;
  end if;
  -- voided (or its visit taken away, or given one), every service its lines bill is counted down (up) by its lines
  if v_was_live <> v_is_live then
    update app_private.visit_service_bills s set live_lines = s.live_lines + case when v_is_live then n.lines else -n.lines end
    from (select l.visit_service_id, count(*)::int as lines from app_private.visit_service_line l
          where l.clinic_id = new.clinic_id and l.invoice_id = new.id group by l.visit_service_id) n
    where s.clinic_id = new.clinic_id and s.visit_service_id = n.visit_service_id;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_invoice__visit_bill() is 'Trigger: keeps app_private.visit_bill as the invoice is now (a row while it bills a visit and is not void); an invoice leaving it (voided) or entering it, as its row was and is, counts the services its lines bill down or up in app_private.visit_service_bills.';
revoke all on function app_private.tg_invoice__visit_bill() from public;
