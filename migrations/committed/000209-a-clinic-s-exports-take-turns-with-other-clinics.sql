--! Previous: sha1:522facd7f01a1d307fe3aff3ee3e5ae4c918e2ee
--! Hash: sha1:e48f118f28506e8bc5399e6c720b1ca5eb35ce0a
--! Message: a clinic's exports take turns with other clinics'

-- A clinic's exports take turns with other clinics'. Every export was a job of one queue, first
-- come first served: one clinic's 30 exports (the most it may have waiting), asked for at once, kept
-- another clinic's single small export waiting for them all (27 s for 100,000 patients a CSV; minutes
-- for PDFs). An export's job now has the priority of its place in its clinic's line: 0 for a clinic's
-- first export waiting or running, 29 for its 30th (graphile-worker runs the smallest first, and in
-- the order asked among equals), so another clinic's first export runs next, ahead of the busy clinic's
-- second. Not a queue per clinic, which graphile-worker runs one job at a time: a worker that died
-- holding one of a clinic's exports would then have held all of them, for its 4 hours. Exports asked
-- for before run as they were queued.

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
  end if;
  -- what a kind does not read is refused, not dropped: a sheet asked for a year was made of its first day
  if kind::text <> 'invoice_pdf' and request_export.invoice_id is not null then
    raise exception 'Only an invoice PDF takes an invoice (invoiceId): leave it out.' using errcode = 'CINVL';
  end if;
  if kind::text = 'invoice_pdf' then
    if request_export.invoice_id is null then
      raise exception 'Give the invoice (invoiceId) to print.' using errcode = 'CINVL';
    end if;
    if from_date is not null or to_date is not null then
      raise exception 'An invoice PDF takes no period: give the invoice (invoiceId) alone.' using errcode = 'CINVL';
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
    if to_date <> from_date then
      raise exception 'A reconciliation sheet is of one business day: give it as fromDate (toDate, if given, the same day).' using errcode = 'CINVL';
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
    if date_trunc('month', to_date) <> date_trunc('month', from_date) then
      raise exception 'A monthly summary is of one month: give a day of it as fromDate (toDate, if given, in the same month).' using errcode = 'CINVL';
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
  values (v_clinic, kind, v_from, v_to, request_export.invoice_id, app_public.current_user_id())
  returning * into v_export;
  perform graphile_worker.add_job('report_export__produce', json_build_object('clinicId', v_export.clinic_id, 'id', v_export.id),
    job_key := 'report_export:' || v_export.id, max_attempts := 3,
    -- behind those of the clinic's exports already waiting or running, beside other clinics' first ones
    priority := v_clinics::smallint);
  return v_export;
end;
$$;
