--! Previous: sha1:de62d3db6565649d7a46d829c79ee9241942a8e9
--! Hash: sha1:cfada4b2f33e009150c3b70808c09366c7217b52
--! Message: a person has at most 10 exports waiting or in progress

-- Each export is a worker job of up to ten years of rows or a PDF in a browser: a member who
-- asked for hundreds at once (one request can alias requestExport hundreds of times) held the
-- worker for every clinic. A person may have at most 10 exports queued or running at once; the
-- 11th is LIMIT_EXCEEDED (CLIMT) until one of them finishes. Counted per person, so a cashier
-- cannot keep the clinic's owner from exporting.

create index if not exists report_export_unfinished_idx on app_public.report_export (clinic_id, requested_by)
  where status in ('queued', 'running');
comment on index app_public.report_export_unfinished_idx is 'A person''s exports waiting or in progress, which request_export counts.';

create or replace function app_public.request_export(kind app_public.export_kind, from_date date default null, to_date date default null, invoice_id uuid default null)
returns app_public.report_export
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_from date := from_date;
  v_to date := to_date;
  v_export app_public.report_export;
  v_most_unfinished constant int := 10;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can export.' using errcode = 'CFORB';
  end if;
  -- one person's requests take turns here, so requests at once cannot all pass the count
  perform pg_advisory_xact_lock(hashtextextended('request_export:' || app_public.current_user_id(), 0));
  if (select count(*) from app_public.report_export e
      where e.clinic_id = v_clinic and e.requested_by = app_public.current_user_id()
        and e.status in ('queued', 'running')) >= v_most_unfinished then
    raise exception 'You have % exports waiting or in progress: ask for more once one of them is done.', v_most_unfinished
      using errcode = 'CLIMT';
  end if;
  if kind is null then
    raise exception 'Say what to export.' using errcode = 'CINVL';
  elsif kind::text = 'invoice_pdf' then
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
  elsif from_date is null or to_date is null or to_date < from_date or to_date - from_date > 3660 then
    raise exception 'Give a period of at most ten years, fromDate before toDate.' using errcode = 'CINVL';
  end if;
  insert into app_public.report_export (clinic_id, kind, from_date, to_date, invoice_id, requested_by)
  values (v_clinic, kind, v_from, v_to, case when kind::text = 'invoice_pdf' then request_export.invoice_id end, app_public.current_user_id())
  returning * into v_export;
  perform graphile_worker.add_job('report_export__produce', json_build_object('clinicId', v_export.clinic_id, 'id', v_export.id),
    job_key := 'report_export:' || v_export.id, max_attempts := 3);
  return v_export;
end;
$$;
comment on function app_public.request_export(app_public.export_kind, date, date, uuid) is 'Asks for an export file: a CSV of a period (fromDate, toDate), an invoice_pdf (invoiceId), a reconciliation_pdf (fromDate = the business day) or a monthly_summary_pdf (fromDate = any day of the month). Follow its status and progress, then download it from /exports/<rowId>. At most 10 of one person''s exports wait or run at once (LIMIT_EXCEEDED beyond). Owners, admins and cashiers; audited.';
