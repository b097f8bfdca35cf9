--! Previous: sha1:bd781b3f92eb5911cbb4d926481b37a69be25581
--! Hash: sha1:ed923bf0028b183ac081f924f17ba85ebaf39392
--! Message: An export asked for again with its idempotency key is one export

-- An export asked for twice (a double click, an answer lost and sent again) is one export
--
-- request_export made a second export for a second click: a second job reading the same period, and a second of
-- the person's 10 places in the line. It now takes an idempotency key, as the other requests that make something
-- do: the same key again answers the same export, whatever its status since; another kind, period or invoice under
-- it is CONFLICT. The request's arguments are checked before the clinic's turn is taken, and a retry is answered
-- before the counts, so that it is answered when the person's line is full.

alter table app_public.report_export add column if not exists idempotency_key text
  constraint report_export_idempotency_key_check check (char_length(idempotency_key) between 1 and 200);
comment on column app_public.report_export.idempotency_key is
  'A key chosen by the client per export it means to ask for: the same key again returns the same export, whatever its status since (a new key asks for a new one); another kind, period or invoice under it is CONFLICT.';
alter table app_public.report_export drop constraint if exists report_export_clinic_id_idempotency_key_key;
alter table app_public.report_export add constraint report_export_clinic_id_idempotency_key_key unique (clinic_id, idempotency_key);
comment on constraint report_export_clinic_id_idempotency_key_key on app_public.report_export is '@behavior -update -delete
An idempotency key names one export of the clinic (request_export answers it again; another clinic''s key is its own).';

drop function if exists app_public.request_export(app_public.export_kind, date, date, uuid);
create or replace function app_public.request_export(kind app_public.export_kind, from_date date DEFAULT NULL::date, to_date date DEFAULT NULL::date, invoice_id uuid DEFAULT NULL::uuid, idempotency_key text DEFAULT NULL::text) RETURNS app_public.report_export
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
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
  perform app_private.check_idempotency_key(request_export.idempotency_key, 'export');
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
  -- a clinic's requests take turns here, so requests at once cannot all pass the counts, and the second of a
  -- double click finds the first's export
  perform pg_advisory_xact_lock(hashtextextended('request_export:' || v_clinic, 0));
  -- before the counts: a retry answers its export when the person's line is full (of it, too)
  if request_export.idempotency_key is not null then
    select * into v_export from app_public.report_export e
    where e.clinic_id = v_clinic and e.idempotency_key = request_export.idempotency_key;
    if v_export.id is not null then
      -- the export as it was asked for, whatever its status since (a new key asks for a new one): an invoice PDF by
      -- its invoice (its day is the invoice's in the clinic's zone of the moment), any other by its period
      if (v_export.kind, v_export.invoice_id) is distinct from (request_export.kind, request_export.invoice_id)
         or (request_export.invoice_id is null and (v_export.from_date, v_export.to_date) is distinct from (v_from, v_to)) then
        raise exception 'This idempotency key was already used for a different export.' using errcode = 'CCONF';
      end if;
      return v_export; -- a retry (a double click, an answer lost): the same export, asked for once
    end if;
  end if;
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
  insert into app_public.report_export (clinic_id, kind, from_date, to_date, invoice_id, idempotency_key, requested_by)
  values (v_clinic, kind, v_from, v_to, request_export.invoice_id, request_export.idempotency_key, app_public.current_user_id())
  returning * into v_export;
  perform graphile_worker.add_job('report_export__produce', json_build_object('clinicId', v_export.clinic_id, 'id', v_export.id),
    job_key := 'report_export:' || v_export.id, max_attempts := 3,
    -- behind those of the clinic's exports already waiting or running, beside other clinics' first ones
    priority := v_clinics::smallint);
  return v_export;
end;
$$;

revoke all on function app_public.request_export(app_public.export_kind, date, date, uuid, text) from public;
grant all on function app_public.request_export(app_public.export_kind, date, date, uuid, text) to :DATABASE_VISITOR;
comment on function app_public.request_export(app_public.export_kind, date, date, uuid, text) is 'Asks for an export file: a CSV of a period (fromDate, toDate), an invoice_pdf (invoiceId), a reconciliation_pdf (fromDate = the business day, one that has started) or a monthly_summary_pdf (fromDate = any day of a month that has started). What a kind does not take is INVALID_INPUT, not dropped: an invoiceId but for an invoice PDF, a period for an invoice PDF, a toDate other than the sheet''s day or outside the summary''s month. Follow its status and progress, then download it from /exports/<rowId>. At most 10 of one person''s exports, and 30 of the clinic''s, wait or run at once, and the clinic''s finished files not past their expiry take at most its export storage (the server''s EXPORT_STORAGE_PER_CLINIC_MB, 2048 MB by default, never more than app_private.export_storage_per_clinic_mb allows): LIMIT_EXCEEDED beyond (cancelExport frees a place among those in progress, deleteExport frees storage). An idempotencyKey makes a retry (a double click, an answer lost) answer the export the key first asked for, whatever its status since; the same key with another kind, period or invoice is CONFLICT. Owners, admins and cashiers; audited.';
comment on function app_private.check_idempotency_key(text, text) is 'Refuses an idempotency key with nothing visible in it (INVALID_INPUT, naming `what`: payment, refund, invoice, invoice line, service of a visit, close of a day, reopening of a day, export), before the key is looked up; none at all is none.';
