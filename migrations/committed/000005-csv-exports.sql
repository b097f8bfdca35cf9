--! Previous: sha1:9b8ad416fb875ae0824866c72b8567135bd30dc5
--! Hash: sha1:4ac48428a7bd205d589d93b42d55cd9d2ef89d7b
--! Message: csv exports

--! split: 040-exports.sql
-- Report exports: a member requests a file (kind + period); a worker job
-- produces it with progress; its clinic downloads it; old files expire.

create type app_public.export_kind as enum ('patients_csv', 'visits_csv', 'invoices_csv', 'payments_csv');
comment on type app_public.export_kind is 'What to export: patients, visits, invoices or payments (and refunds) of a period, as CSV.';
create type app_public.export_status as enum ('queued', 'running', 'done', 'failed', 'expired');
comment on type app_public.export_status is 'queued → running → done | failed; done files expire.';

create table app_public.report_export (
  clinic_id uuid not null default app_public.current_clinic_id() references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  kind app_public.export_kind not null,
  from_date date not null,
  to_date date not null,
  status app_public.export_status not null default 'queued',
  rows_done integer not null default 0,
  rows_total integer,
  error text,
  file_name text,
  byte_size bigint,
  requested_by uuid,
  requested_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  expires_at timestamptz,
  primary key (clinic_id, id),
  check (to_date >= from_date and to_date - from_date <= 3660)
);
create index report_export_clinic_requested_idx on app_public.report_export (clinic_id, requested_at);
comment on table app_public.report_export is E'@behavior -insert -update -delete\nA requested export file: requestExport creates it, the worker fills it in, GET /exports/:id downloads it.';
comment on column app_public.report_export.clinic_id is 'The clinic.';
comment on column app_public.report_export.id is 'Identifier, also in the download URL /exports/:id.';
comment on column app_public.report_export.kind is 'What is exported.';
comment on column app_public.report_export.from_date is 'First business day of the period (clinic time zone).';
comment on column app_public.report_export.to_date is 'Last business day of the period.';
comment on column app_public.report_export.status is 'queued, running, done, failed or expired.';
comment on column app_public.report_export.rows_done is 'Rows written so far (progress).';
comment on column app_public.report_export.rows_total is 'Rows to write, once known.';
comment on column app_public.report_export.error is 'Why the last attempt failed.';
comment on column app_public.report_export.file_name is 'Name the download is saved as.';
comment on column app_public.report_export.byte_size is 'Size of the finished file.';
comment on column app_public.report_export.requested_by is 'Who asked for it.';
comment on column app_public.report_export.requested_at is 'When.';
comment on column app_public.report_export.started_at is 'When the worker started the last attempt.';
comment on column app_public.report_export.finished_at is 'When it finished or failed for good.';
comment on column app_public.report_export.expires_at is 'When the file will be deleted.';

alter table app_public.report_export enable row level security;
alter table app_public.report_export force row level security;
create policy system_context on app_public.report_export to :DATABASE_OWNER using ((select app_hidden.in_system_context()));
create policy select_money on app_public.report_export for select using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.handles_money())
);
create policy insert_money on app_public.report_export for insert with check (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.handles_money())
);
grant select on app_public.report_export to :DATABASE_VISITOR;

create trigger _500_audit after insert or update or delete on app_public.report_export
  for each row execute function app_private.tg__audit();

create or replace function app_public.request_export(kind app_public.export_kind, from_date date, to_date date) returns app_public.report_export
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_export app_public.report_export;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can export.' using errcode = 'CFORB';
  end if;
  if kind is null or from_date is null or to_date is null or to_date < from_date or to_date - from_date > 3660 then
    raise exception 'Give a kind and a period of at most ten years, from_date before to_date.' using errcode = 'CINVL';
  end if;
  insert into app_public.report_export (clinic_id, kind, from_date, to_date, requested_by)
  values (app_public.current_clinic_id(), kind, from_date, to_date, app_public.current_user_id())
  returning * into v_export;
  perform graphile_worker.add_job('report_export__produce', json_build_object('clinicId', v_export.clinic_id, 'id', v_export.id),
    job_key := 'report_export:' || v_export.id, max_attempts := 3);
  return v_export;
end;
$$;
comment on function app_public.request_export(app_public.export_kind, date, date) is 'Asks for an export file; follow its status and progress, then download it from /exports/<rowId>. Owners, admins and cashiers; audited.';

create or replace function app_hidden.export_for_download(export_id uuid) returns table (kind app_public.export_kind, clinic_id uuid, file_name text)
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
  return query select v_export.kind, v_export.clinic_id, v_export.file_name;
end;
$$;
comment on function app_hidden.export_for_download(uuid) is 'The finished export the session may download (and an audit entry of the download), or nothing. Used by GET /exports/:id.';

create or replace function app_private.csv_safe(value text) returns text
language sql immutable
as $$
  select case when value ~ '^[=+\-@\t\r]' then '''' || value else value end;
$$;
comment on function app_private.csv_safe(text) is 'Defuses spreadsheet formulas: a cell starting with = + - @ (or a tab or carriage return) gets a leading apostrophe.';

create or replace function app_private.export_query(kind app_public.export_kind) returns text
language sql immutable
as $$
  select case kind
    when 'patients_csv' then $q$
      select app_private.csv_safe(p.code) as code, app_private.csv_safe(p.first_name) as first_name,
             app_private.csv_safe(p.last_name) as last_name, p.phone, p.date_of_birth, p.sex,
             app_private.csv_safe(p.address) as address, (p.created_at at time zone c.timezone)::date as registered_on
      from app_public.patient p join app_public.clinic c on c.id = p.clinic_id
      where p.clinic_id = $1 and p.deleted_at is null and (p.created_at at time zone c.timezone)::date between $2 and $3
      order by p.code $q$
    when 'visits_csv' then $q$
      select v.code, p.code as patient_code, app_private.csv_safe(u.full_name) as doctor, v.status,
             v.scheduled_at at time zone c.timezone as scheduled_at, app_private.csv_safe(v.reason) as reason,
             app_private.csv_safe(v.cancel_reason) as cancel_reason
      from app_public.visit v join app_public.clinic c on c.id = v.clinic_id
      join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
      join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
      join app_public."user" u on u.id = m.user_id
      where v.clinic_id = $1 and (v.scheduled_at at time zone c.timezone)::date between $2 and $3
      order by v.scheduled_at, v.code $q$
    when 'invoices_csv' then $q$
      select i.code, p.code as patient_code, i.status, i.currency, i.subtotal, i.discount_total, i.tax_total, i.total,
             i.amount_paid, i.balance, (i.created_at at time zone c.timezone)::date as created_on,
             app_private.csv_safe(i.void_reason) as void_reason
      from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id
      join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
      where i.clinic_id = $1 and (i.created_at at time zone c.timezone)::date between $2 and $3
      order by i.code $q$
    when 'payments_csv' then $q$
      select kind, code, invoice_code, method, amount, business_date, happened_at from (
        select 'payment' as kind, p.code, i.code as invoice_code, p.method, p.amount, p.business_date,
               p.received_at at time zone c.timezone as happened_at
        from app_public.payment p join app_public.clinic c on c.id = p.clinic_id
        join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
        where p.clinic_id = $1 and p.business_date between $2 and $3
        union all
        select 'refund', r.code, i.code, r.method, -r.amount, r.business_date, r.refunded_at at time zone c.timezone
        from app_public.refund r join app_public.clinic c on c.id = r.clinic_id
        join app_public.invoice i on i.clinic_id = r.clinic_id and i.id = r.invoice_id
        where r.clinic_id = $1 and r.business_date between $2 and $3) m
      order by business_date, happened_at, code $q$
  end;
$$;
comment on function app_private.export_query(app_public.export_kind) is 'The SQL of each CSV export ($1 clinic, $2 and $3 the period), with formula guards on free text.';
