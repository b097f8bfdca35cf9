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
