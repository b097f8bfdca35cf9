--! Previous: sha1:c8071b944bbbe0c35465c829a613bcd130ef6683
--! Hash: sha1:7c69aab6ba511f854a755905546592e1752f40a4
--! Message: A visit still names its doctor while the clinic asks them again to join

-- A visit still names its doctor while the clinic asks them again to join
--
-- With a removed doctor invited again on their membership of before (above), that membership is pending until they
-- answer, and Visit.doctorName, which named only a doctor whose membership was accepted, answered null on every visit
-- they had had in the clinic: until they accepted, and for good if they declined or never answered. Now it names the
-- doctor of any visit: a visit is booked with, or given to, a doctor whose membership is accepted (the booking rule,
-- app_hidden.is_practising_doctor), so the condition hid no one the clinic had not had as its doctor, and a person
-- only invited is still named on nothing.

create or replace function app_public.visit_doctor_name(v app_public.visit) returns text
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp set clinicops.include_deleted to on as $$
begin
  -- the visit is read again as the session sees it, so a row made up by the caller (another doctor's
  -- visit, another clinic's) names no one; PL/pgSQL, so its plan is kept for the connection (decision 012). Its
  -- doctor was a member who had accepted when the visit was booked with them or given to them: pending now is
  -- someone invited again, still named
  return (
    select u.full_name
    from app_public.visit seen
    join app_public.membership m on m.clinic_id = seen.clinic_id and m.id = seen.doctor_id
    join app_public."user" u on u.id = m.user_id
    where seen.clinic_id = v.clinic_id and seen.id = v.id);
end;
$$;
revoke all on function app_public.visit_doctor_name(app_public.visit) from public;
grant execute on function app_public.visit_doctor_name(app_public.visit) to :DATABASE_VISITOR;
comment on function app_public.visit_doctor_name(app_public.visit) is E'@behavior -resource:aggregate -filterBy -orderBy\nThe name of the visit''s doctor, also once they have left the clinic (a removed member is hidden, so `doctor` is then null), and while the clinic invites them again (pending).';
