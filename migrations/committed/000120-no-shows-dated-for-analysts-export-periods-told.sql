--! Previous: sha1:7b8e1d134d0625091fe5464b8f05da8011bc62ae
--! Hash: sha1:16cf9f9f1e488266e073340e5893420885433202
--! Message: no-shows dated for analysts, export periods told

-- What an analyst and an export's requester are told, made whole.
-- - reporting.visits gives the time of a no-show (no_show_at), as it gives every other step's: an analyst
--   could not date no-shows.
-- - A CSV export asked for without its period is told to give both days, as the dashboard is (000087),
--   not that the period is too long; the period's limit is said as it is counted (3,661 days, about ten
--   years), and a period of one day (fromDate = toDate) as allowed.

create or replace view reporting.visits with (security_barrier = true) as
 SELECT v.clinic_id,
    c.name AS clinic_name,
    v.code,
    v.status,
    v.scheduled_at,
    v.checked_in_at,
    v.started_at,
    v.completed_at,
    v.cancelled_at,
    v.cancel_reason,
    p.code AS patient_code,
    u.full_name AS doctor_name,
    ( SELECT COALESCE(sum(s.line_total), (0)::numeric) AS "coalesce"
           FROM app_public.visit_service s
          WHERE ((s.clinic_id = v.clinic_id) AND (s.visit_id = v.id))) AS services_value,
    v.no_show_at
   FROM ((((app_public.visit v
     JOIN app_public.clinic c ON ((c.id = v.clinic_id)))
     JOIN app_public.patient p ON (((p.clinic_id = v.clinic_id) AND (p.id = v.patient_id))))
     JOIN app_public.membership m ON (((m.clinic_id = v.clinic_id) AND (m.id = v.doctor_id))))
     JOIN app_public."user" u ON ((u.id = m.user_id)))
  WHERE (v.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics));
comment on column reporting.visits.no_show_at is 'When the visit was marked a no-show.';

create or replace function app_public.request_export(kind app_public.export_kind, from_date date DEFAULT NULL::date, to_date date DEFAULT NULL::date, invoice_id uuid DEFAULT NULL::uuid) RETURNS app_public.report_export
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_from date := from_date;
  v_to date := to_date;
  v_export app_public.report_export;
  v_most_unfinished constant int := 10;
  v_most_unfinished_in_clinic constant int := 30;
  v_mine bigint;
  v_clinics bigint;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can export.' using errcode = 'CFORB';
  end if;
  -- a clinic's requests take turns here, so requests at once cannot all pass the counts
  perform pg_advisory_xact_lock(hashtextextended('request_export:' || v_clinic, 0));
  select count(*) filter (where e.requested_by = app_public.current_user_id()), count(*)
  into v_mine, v_clinics
  from app_public.report_export e
  where e.clinic_id = v_clinic and e.status in ('queued', 'running');
  if v_mine >= v_most_unfinished then
    raise exception 'You have % exports waiting or in progress: ask for more once one of them is done.', v_most_unfinished
      using errcode = 'CLIMT';
  end if;
  if v_clinics >= v_most_unfinished_in_clinic then
    raise exception 'Your clinic has % exports waiting or in progress: ask for more once some of them are done.', v_most_unfinished_in_clinic
      using errcode = 'CLIMT';
  end if;
  if kind is null then
    raise exception 'Say what to export.' using errcode = 'CINVL';
  elsif kind::text = 'invoice_pdf' then
    if request_export.invoice_id is null then
      raise exception 'Give the invoice (invoiceId) to print.' using errcode = 'CINVL';
    end if;
    select (i.created_at at time zone c.timezone)::date into v_from
    from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id
    where i.clinic_id = v_clinic and i.id = request_export.invoice_id;
    if v_from is null then
      raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
    end if;
    v_to := v_from;
  elsif kind::text = 'reconciliation_pdf' then
    if from_date is null then
      raise exception 'Give the business day (fromDate) of the reconciliation sheet.' using errcode = 'CINVL';
    end if;
    v_to := from_date;
  elsif kind::text = 'monthly_summary_pdf' then
    if from_date is null then
      raise exception 'Give a day of the month (fromDate) to summarise.' using errcode = 'CINVL';
    end if;
    v_from := date_trunc('month', from_date)::date;
    v_to := (date_trunc('month', from_date) + interval '1 month - 1 day')::date;
  elsif from_date is null or to_date is null then
    raise exception 'Give the period: both fromDate and toDate.' using errcode = 'CINVL';
  elsif to_date < from_date or to_date - from_date > 3660 then
    raise exception 'Give a period of at most 3,661 days (about ten years): fromDate on or before toDate.' using errcode = 'CINVL';
  end if;
  insert into app_public.report_export (clinic_id, kind, from_date, to_date, invoice_id, requested_by)
  values (v_clinic, kind, v_from, v_to, case when kind::text = 'invoice_pdf' then request_export.invoice_id end, app_public.current_user_id())
  returning * into v_export;
  perform graphile_worker.add_job('report_export__produce', json_build_object('clinicId', v_export.clinic_id, 'id', v_export.id),
    job_key := 'report_export:' || v_export.id, max_attempts := 3);
  return v_export;
end;
$$;
