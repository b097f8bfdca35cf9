--! Previous: sha1:b339b89d646d08b192b37a3328714ced80abe0c9
--! Hash: sha1:592bd9361487067dc7e17ef8cc336a3741ca9a06
--! Message: services named after deletion

--------------------------------------------------------------------------------
-- A visit's service is named after the catalog entry is deleted.
--
-- A service deleted from the catalog is hidden from everyone but owners and admins (deletedServices),
-- so a past visit's `service` read null for the doctor, the front desk and the cashier, and its
-- services said only what they cost. As a visit names its doctor after they left (visit_doctor_name,
-- 000090), a visit's service now names its service, deleted or not.

create or replace function app_public.visit_service_service_name(s app_public.visit_service) returns text
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp
set "clinicops.include_deleted" to 'on' as $$
begin
  -- the line is read again as the session sees it, so a row made up by the caller (another doctor's
  -- visit, another clinic's) names nothing; PL/pgSQL, so its plan is kept for the connection (decision 012)
  return (
    select svc.name
    from app_public.visit_service seen
    join app_public.service svc on svc.clinic_id = seen.clinic_id and svc.id = seen.service_id
    where seen.clinic_id = s.clinic_id and seen.id = s.id);
end;
$$;
comment on function app_public.visit_service_service_name(app_public.visit_service) is E'@behavior -resource:aggregate -filterBy -orderBy\nThe name of the service given, also once it has been deleted from the catalog (a deleted service is hidden, so `service` is then null).';
revoke all on function app_public.visit_service_service_name(app_public.visit_service) from public;
grant execute on function app_public.visit_service_service_name(app_public.visit_service) to :DATABASE_VISITOR;
