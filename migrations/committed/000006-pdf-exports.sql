--! Previous: sha1:4ac48428a7bd205d589d93b42d55cd9d2ef89d7b
--! Hash: sha1:8de05c9afa80a1f5d46c2ea763cc89749e22578b
--! Message: pdf exports

--! split: 050-pdf-exports.sql
-- PDF exports: an invoice, a daily reconciliation sheet and a monthly summary,
-- rendered by the worker from HTML templates (worker/pdf/). The database hands
-- the worker each document's figures as JSON, so the PDF shows what SQL says.

alter type app_public.export_kind add value 'invoice_pdf';
alter type app_public.export_kind add value 'reconciliation_pdf';
alter type app_public.export_kind add value 'monthly_summary_pdf';

alter table app_public.report_export add column invoice_id uuid;
alter table app_public.report_export add column content_type text;
comment on column app_public.report_export.invoice_id is 'The invoice, for an invoice_pdf.';
comment on column app_public.report_export.content_type is 'MIME type of the finished file.';

-- The dashboard's figures, for any clinic (the worker has no session); app_public.dashboard checks the caller.
create or replace function app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) returns app_public.dashboard
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := dashboard_for.clinic_id;
  v_tz text := (select c.timezone from app_public.clinic c where c.id = v_clinic);
  v_from timestamptz := from_date::timestamp at time zone v_tz;
  v_to timestamptz := (to_date + 1)::timestamp at time zone v_tz;
  v_result app_public.dashboard;
begin
  with movements as (
    select p.business_date, p.method, p.amount from app_public.payment p
    where p.clinic_id = v_clinic and p.business_date between from_date and to_date
    union all
    select r.business_date, r.method, -r.amount from app_public.refund r
    where r.clinic_id = v_clinic and r.business_date between from_date and to_date
  )
  select coalesce(sum(amount), 0),
    (select jsonb_agg(jsonb_build_object('date', d::date, 'amount', coalesce((select sum(m.amount) from movements m where m.business_date = d::date), 0)) order by d)
     from generate_series(from_date, to_date, interval '1 day') d),
    (select coalesce(jsonb_agg(jsonb_build_object('method', method, 'amount', amount) order by method), '[]')
     from (select m.method, sum(m.amount) as amount from movements m group by m.method) x)
  into v_result.revenue, v_result.revenue_by_day, v_result.revenue_by_method
  from movements;

  select coalesce(jsonb_agg(jsonb_build_object('status', status, 'count', n) order by status), '[]')
  into v_result.visits_by_status
  from (select v.status, count(*) as n from app_public.visit v
        where v.clinic_id = v_clinic and v.scheduled_at >= v_from and v.scheduled_at < v_to group by v.status) x;

  select coalesce(jsonb_agg(jsonb_build_object('doctorId', doctor_id, 'name', full_name, 'count', n) order by n desc, full_name), '[]')
  into v_result.visits_by_doctor
  from (select v.doctor_id, u.full_name, count(*) as n
        from app_public.visit v
        join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
        join app_public."user" u on u.id = m.user_id
        where v.clinic_id = v_clinic and v.scheduled_at >= v_from and v.scheduled_at < v_to
        group by v.doctor_id, u.full_name) x;

  select count(*) into v_result.new_patients from app_public.patient p
  where p.clinic_id = v_clinic and p.created_at >= v_from and p.created_at < v_to;

  select coalesce(jsonb_agg(jsonb_build_object('serviceId', service_id, 'name', name, 'quantity', quantity, 'amount', amount) order by amount desc, name), '[]')
  into v_result.top_services
  from (select l.service_id, s.name, sum(l.quantity) as quantity, sum(l.line_total) as amount
        from app_public.invoice_line l
        join app_public.invoice i on i.clinic_id = l.clinic_id and i.id = l.invoice_id
        join app_public.service s on s.clinic_id = l.clinic_id and s.id = l.service_id
        where l.clinic_id = v_clinic and i.status <> 'void' and i.created_at >= v_from and i.created_at < v_to
        group by l.service_id, s.name
        order by amount desc, s.name limit 5) x;

  select coalesce(sum(i.balance), 0) into v_result.outstanding_balance from app_public.invoice i
  where i.clinic_id = v_clinic and i.status in ('issued', 'partially_paid');

  select round(coalesce(sum(s.quantity * s.unit_price - s.discount), 0) / nullif(count(distinct v.id), 0), 2)
  into v_result.average_visit_value
  from app_public.visit v
  left join app_public.visit_service s on s.clinic_id = v.clinic_id and s.visit_id = v.id
  where v.clinic_id = v_clinic and v.status = 'completed' and v.scheduled_at >= v_from and v.scheduled_at < v_to;

  return v_result;
end;
$$;
comment on function app_private.dashboard_for(uuid, date, date) is 'The dashboard figures of a clinic for a period of its business days (see app_public.dashboard).';

create or replace function app_public.dashboard(from_date date, to_date date) returns app_public.dashboard
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can see the dashboard.' using errcode = 'CFORB';
  end if;
  if from_date is null or to_date is null or to_date < from_date or to_date - from_date > 366 then
    raise exception 'Give a period of at most 367 days, from_date before to_date.' using errcode = 'CINVL';
  end if;
  return app_private.dashboard_for(app_public.current_clinic_id(), from_date, to_date);
end;
$$;

create or replace function app_private.clinic_header(clinic_id uuid) returns jsonb
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select jsonb_build_object('name', c.name, 'address', c.address, 'phone', c.phone, 'email', c.email,
    'currency', c.currency, 'timezone', c.timezone, 'footer', c.invoice_footer)
  from app_public.clinic c where c.id = clinic_header.clinic_id;
$$;
comment on function app_private.clinic_header(uuid) is 'What every document prints about the clinic.';

create or replace function app_private.invoice_document(clinic_id uuid, invoice_id uuid) returns jsonb
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select jsonb_build_object(
    'clinic', app_private.clinic_header(i.clinic_id),
    'invoice', jsonb_build_object('code', i.code, 'status', i.status, 'currency', i.currency, 'issuedAt', i.issued_at,
      'createdAt', i.created_at, 'subtotal', i.subtotal, 'discountTotal', i.discount_total, 'taxTotal', i.tax_total,
      'total', i.total, 'amountPaid', i.amount_paid, 'balance', i.balance, 'notes', i.notes, 'voidReason', i.void_reason),
    'patient', jsonb_build_object('code', p.code, 'name', p.first_name || ' ' || p.last_name, 'phone', p.phone, 'address', p.address),
    'lines', (select coalesce(jsonb_agg(jsonb_build_object('description', l.description, 'quantity', l.quantity, 'unitPrice', l.unit_price,
                'discount', l.discount, 'taxRate', l.tax_rate, 'tax', l.line_tax, 'total', l.line_total) order by l.created_at, l.id), '[]')
              from app_public.invoice_line l where l.clinic_id = i.clinic_id and l.invoice_id = i.id),
    'payments', (select coalesce(jsonb_agg(jsonb_build_object('code', m.code, 'kind', m.kind, 'method', m.method, 'amount', m.amount, 'at', m.at) order by m.at), '[]')
                 from (select p2.code, 'payment' as kind, p2.method, p2.amount, p2.received_at as at from app_public.payment p2
                       where p2.clinic_id = i.clinic_id and p2.invoice_id = i.id
                       union all
                       select r.code, 'refund', r.method, -r.amount, r.refunded_at from app_public.refund r
                       where r.clinic_id = i.clinic_id and r.invoice_id = i.id) m))
  from app_public.invoice i
  join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
  where i.clinic_id = invoice_document.clinic_id and i.id = invoice_document.invoice_id;
$$;
comment on function app_private.invoice_document(uuid, uuid) is 'Everything an invoice PDF prints: clinic header, patient, lines, taxes, payments and refunds, balance, footer.';

create or replace function app_private.reconciliation_document(clinic_id uuid, business_date date) returns jsonb
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select jsonb_build_object(
    'clinic', app_private.clinic_header(reconciliation_document.clinic_id),
    'businessDate', reconciliation_document.business_date,
    'day', (select to_jsonb(d) from app_public.daily_reconciliation d
            where d.clinic_id = reconciliation_document.clinic_id and d.business_date = reconciliation_document.business_date),
    'expected', (select to_jsonb(t) from app_private.expected_totals(reconciliation_document.clinic_id, reconciliation_document.business_date) t));
$$;
comment on function app_private.reconciliation_document(uuid, date) is 'Everything a daily reconciliation sheet prints: expected per method (live when the day has no row yet), counted, differences, notes.';

create or replace function app_private.monthly_summary_document(clinic_id uuid, from_date date, to_date date) returns jsonb
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select jsonb_build_object('clinic', app_private.clinic_header(monthly_summary_document.clinic_id),
    'fromDate', from_date, 'toDate', to_date,
    'figures', to_jsonb(app_private.dashboard_for(monthly_summary_document.clinic_id, from_date, to_date)));
$$;
comment on function app_private.monthly_summary_document(uuid, date, date) is 'Everything the monthly summary prints: the dashboard figures of the month.';

drop function if exists app_public.request_export(app_public.export_kind, date, date);
create or replace function app_public.request_export(
  kind app_public.export_kind, from_date date default null, to_date date default null, invoice_id uuid default null
) returns app_public.report_export
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_from date := from_date;
  v_to date := to_date;
  v_export app_public.report_export;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can export.' using errcode = 'CFORB';
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
comment on function app_public.request_export(app_public.export_kind, date, date, uuid) is 'Asks for an export file: a CSV of a period (fromDate, toDate), an invoice_pdf (invoiceId), a reconciliation_pdf (fromDate = the business day) or a monthly_summary_pdf (fromDate = any day of the month). Follow its status and progress, then download it from /exports/<rowId>. Owners, admins and cashiers; audited.';

drop function if exists app_hidden.export_for_download(uuid);
create or replace function app_hidden.export_for_download(export_id uuid) returns table (kind app_public.export_kind, clinic_id uuid, file_name text, content_type text)
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_export app_public.report_export;
begin
  select * into v_export from app_public.report_export e
  where e.clinic_id = app_public.current_clinic_id() and e.id = export_id and e.status = 'done';
  if v_export.id is null then
    return; -- not found, not this clinic's, not allowed or not ready: all look alike
  end if;
  perform app_private.write_audit(v_export.clinic_id, 'export', 'report_export', v_export.id, null, null,
    jsonb_build_object('kind', v_export.kind, 'file', v_export.file_name));
  return query select v_export.kind, v_export.clinic_id, v_export.file_name, v_export.content_type;
end;
$$;
comment on function app_hidden.export_for_download(uuid) is 'The finished export the session may download (and an audit entry of the download), or nothing. Used by GET /exports/:id.';
grant execute on function app_hidden.export_for_download(uuid) to :DATABASE_VISITOR;
