--! Previous: sha1:65a48a6a957793316b7c253d466656ecbbe40b1d
--! Hash: sha1:440bbb06b2fc6927f080757d9d46b8f479a1f2f0
--! Message: export-storage-has-a-maximum-a-session-cannot-raise

-- A session raising its export storage setting by hand gets no more storage
--
-- request_export took a clinic's export storage from clinicops.export_storage_per_clinic_mb, which the server gives each
-- transaction (EXPORT_STORAGE_PER_CLINIC_MB), and any session may set a custom setting for itself: SQL run as the API's
-- role (a cashier's session, by `select set_config('clinicops.export_storage_per_clinic_mb', '1048576', true)`) asked
-- for export after export past its clinic's budget, and could fill the exports' disk for every clinic. Now the database
-- keeps the most a clinic may have, app_private.export_storage (EXPORT_STORAGE_PER_CLINIC_MB of the last `npm start`,
-- written as the owner role as the server starts; 2048 MB until one has), and the transaction's setting only lowers it:
-- a session raising it by hand is refused at its budget, and a server started with a smaller budget than another's
-- (the tests' 1 MB beside the default) keeps its own.
create table if not exists app_private.export_storage (
  only_row boolean primary key default true check (only_row),
  most_mb bigint not null check (most_mb between 1 and 1048576)
);
alter table app_private.export_storage enable row level security;
alter table app_private.export_storage force row level security;
drop policy if exists owner_only on app_private.export_storage;
create policy owner_only on app_private.export_storage to :DATABASE_OWNER using (true);
revoke all on table app_private.export_storage from public;
comment on table app_private.export_storage is 'The most export storage a clinic may have (one row, or none: 2048 MB), which the per-transaction setting clinicops.export_storage_per_clinic_mb only lowers (export_storage_per_clinic_mb): written as the server starts (db/setup.ts, EXPORT_STORAGE_PER_CLINIC_MB), by the owner role, out of any session''s reach.';
comment on column app_private.export_storage.only_row is 'Always true: the table has one row at most.';
comment on column app_private.export_storage.most_mb is 'The server''s EXPORT_STORAGE_PER_CLINIC_MB at its last start, in MB of 1,048,576 bytes.';

create or replace function app_private.export_storage_per_clinic_mb() returns bigint
  language sql stable
  set search_path to pg_catalog, public, pg_temp
as $$
  select least(coalesce(nullif(current_setting('clinicops.export_storage_per_clinic_mb', true), '')::bigint, v.most_mb), v.most_mb)
  from (select coalesce((select s.most_mb from app_private.export_storage s), 2048) as most_mb) v;
$$;
revoke all on function app_private.export_storage_per_clinic_mb() from public;
comment on function app_private.export_storage_per_clinic_mb() is 'A clinic''s export storage in MB: the transaction''s clinicops.export_storage_per_clinic_mb (the server''s EXPORT_STORAGE_PER_CLINIC_MB), never more than the most kept in app_private.export_storage (2048 without a row), and that most without the setting. Any session may set the setting: it lowers its own budget, never raises it. For request_export.';

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
  -- the clinic's storage for finished files, in MB of 1,048,576 bytes: the server's EXPORT_STORAGE_PER_CLINIC_MB, within
  -- the most the database keeps (a session raising its setting by hand gets no more)
  v_storage_mb bigint := app_private.export_storage_per_clinic_mb();
  v_kept bigint;
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
    raise exception 'You have % exports waiting or in progress: ask for more once one of them is done, or cancel one (cancelExport).', v_most_unfinished
      using errcode = 'CLIMT';
  end if;
  if v_clinics >= v_most_unfinished_in_clinic then
    raise exception 'Your clinic has % exports waiting or in progress: ask for more once some of them are done, or cancel some (cancelExport).', v_most_unfinished_in_clinic
      using errcode = 'CLIMT';
  end if;
  -- the files kept for download (done, not past their expiry): one more export is refused once they fill the clinic's
  -- storage. Exports waiting or running then are not counted (their size is not known yet), and may take it past
  select coalesce(sum(e.byte_size), 0) into v_kept
  from app_public.report_export e
  where e.clinic_id = v_clinic and e.status = 'done' and e.expires_at > now();
  if v_kept >= v_storage_mb * 1048576 then
    raise exception 'Your clinic''s exports take % MB of its % MB: delete some (deleteExport) or wait for them to expire (exports are kept 7 days).',
      v_kept / 1048576, v_storage_mb using errcode = 'CLIMT';
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

comment on function app_public.request_export(app_public.export_kind, date, date, uuid) is 'Asks for an export file: a CSV of a period (fromDate, toDate), an invoice_pdf (invoiceId), a reconciliation_pdf (fromDate = the business day, one that has started) or a monthly_summary_pdf (fromDate = any day of a month that has started). What a kind does not take is INVALID_INPUT, not dropped: an invoiceId but for an invoice PDF, a period for an invoice PDF, a toDate other than the sheet''s day or outside the summary''s month. Follow its status and progress, then download it from /exports/<rowId>. At most 10 of one person''s exports, and 30 of the clinic''s, wait or run at once, and the clinic''s finished files not past their expiry take at most its export storage (the server''s EXPORT_STORAGE_PER_CLINIC_MB, 2048 MB by default, never more than app_private.export_storage_per_clinic_mb allows): LIMIT_EXCEEDED beyond (cancelExport frees a place among those in progress, deleteExport frees storage). Owners, admins and cashiers; audited.';
