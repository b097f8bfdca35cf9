--------------------------------------------------------------------------------
-- A visit's own doctor is a doctor: a member whose role changed from doctor (to cashier, to
-- receptionist) keeps their visits until the front desk reassigns them, and with them kept the
-- doctor's rights over their services: a cashier could add, discount and remove the lines they
-- then invoiced. The "own visit" branch of these policies now asks for the doctor role too, as the
-- lifecycle trigger already did for starting and completing a visit.

do $$
declare
  v_policy record;
begin
  for v_policy in
    select * from (values ('insert_clinicians', 'insert', 'with check'), ('update_clinicians', 'update', 'using'),
                          ('delete_clinicians', 'delete', 'using')) p(name, command, clause)
  loop
    execute format('drop policy if exists %I on app_public.visit_service', v_policy.name);
    execute format($policy$
      create policy %I on app_public.visit_service for %s %s (
        clinic_id = (select app_public.current_clinic_id())
        and ((select app_hidden.current_role_in('owner', 'admin'))
             or ((select app_hidden.current_role_in('doctor'))
                 and exists (select 1 from app_public.visit v
                             where v.clinic_id = visit_service.clinic_id and v.id = visit_service.visit_id
                               and v.doctor_id = (select app_public.current_membership_id()))))
      )$policy$, v_policy.name, v_policy.command, v_policy.clause);
  end loop;
end;
$$;

drop policy if exists update_front_desk_and_doctor on app_public.visit;
create policy update_front_desk_and_doctor on app_public.visit for update using (
  clinic_id = (select app_public.current_clinic_id())
  and ((select app_hidden.current_role_in('owner', 'admin', 'receptionist'))
       or ((select app_hidden.current_role_in('doctor')) and doctor_id = (select app_public.current_membership_id())))
);

--------------------------------------------------------------------------------
-- The services of a finished visit are frozen, also against a line added, changed or removed at the
-- moment the visit is completed (or cancelled): the check read the visit's status without a lock,
-- so a line added while the completion was in flight saw "in_progress" and was kept on the
-- completed visit, outside the day's completed value. The check now reads the visit FOR SHARE,
-- which waits for a status change in flight and then sees it (INVALID_TRANSITION), and makes a
-- completion that comes second wait for the line, which its rollup then counts.

create or replace function app_private.tg_visit_service__snapshot() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_line app_public.visit_service := case when tg_op = 'DELETE' then old else new end;
  v_status app_public.visit_status;
begin
  select v.status into v_status from app_public.visit v
  where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id
  for share;
  if v_status in ('completed', 'cancelled', 'no_show') then
    raise exception 'The services of a % visit are frozen.', v_status using errcode = 'CTRAN';
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
  return new;
end;
$$;
comment on function app_private.tg_visit_service__snapshot() is 'BEFORE INSERT/UPDATE/DELETE: copies the catalog price at insert, keeps it afterwards, and freezes the services of finished visits; reads the visit FOR SHARE, so a line and a completion of its visit at once take turns.';
