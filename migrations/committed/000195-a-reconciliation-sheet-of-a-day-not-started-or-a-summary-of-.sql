--! Previous: sha1:7631d41e89559d92afab71109bc22a4956d66982
--! Hash: sha1:fa4a04dd12dc299a0f8a8363711a68b74be0cc16
--! Message: A reconciliation sheet of a day not started, or a summary of a month not started, is refused

-- A reconciliation sheet of a business day not started yet, or a summary of a month not started, was made and
-- printed as a day or month of nothing ("not opened yet", every figure 0); a date a day off, or the next
-- month typed for this one, went unnoticed. Both are refused, as closing a day not started is. The CSV
-- exports keep any period: the visits booked for next week are a list a clinic prints.
create or replace function app_public.request_export(kind app_public.export_kind, from_date date DEFAULT NULL::date, to_date date DEFAULT NULL::date, invoice_id uuid DEFAULT NULL::uuid) RETURNS app_public.report_export
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
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
    if from_date > app_hidden.business_date(v_clinic, now()) then
      raise exception 'The business day % has not started yet: only a day that has started has a reconciliation sheet.', from_date
        using errcode = 'CINVL';
    end if;
    v_to := from_date;
  elsif kind::text = 'monthly_summary_pdf' then
    if from_date is null then
      raise exception 'Give a day of the month (fromDate) to summarise.' using errcode = 'CINVL';
    end if;
    if date_trunc('month', from_date)::date > app_hidden.business_date(v_clinic, now()) then
      raise exception 'The month of % has not started yet: only a month that has started can be summarised.', from_date
        using errcode = 'CINVL';
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

comment on function app_public.request_export(kind app_public.export_kind, from_date date, to_date date, invoice_id uuid) is 'Asks for an export file: a CSV of a period (fromDate, toDate), an invoice_pdf (invoiceId), a reconciliation_pdf (fromDate = the business day, one that has started) or a monthly_summary_pdf (fromDate = any day of a month that has started). Follow its status and progress, then download it from /exports/<rowId>. At most 10 of one person''s exports, and 30 of the clinic''s, wait or run at once (LIMIT_EXCEEDED beyond). Owners, admins and cashiers; audited.';
