--! Previous: sha1:9185d59949be29aba5dc0367ae3cc42129cc2675
--! Hash: sha1:1e34f9af515837aa122fb0de737d3f801d41683c
--! Message: csv dates and wall-clock times

-- CSV exports write dates as the clinic's calendar dates (2026-11-30) and times as its wall clock
-- (2026-11-30 13:00:00), formatted here: the worker used to receive them as JavaScript dates and
-- print UTC instants, so a birth date read 1990-01-02T00:00:00.000Z and a 13:00 local visit
-- 13:00:00.000Z (three hours off in Dar es Salaam), or the day before when the worker's own zone
-- was east of UTC.

create or replace function app_private.export_query(kind app_public.export_kind) returns text
language sql immutable
as $$
  select case kind
    when 'patients_csv' then $q$
      select app_private.csv_safe(p.code) as code, app_private.csv_safe(p.first_name) as first_name,
             app_private.csv_safe(p.last_name) as last_name, p.phone, to_char(p.date_of_birth, 'YYYY-MM-DD') as date_of_birth, p.sex,
             app_private.csv_safe(p.address) as address, to_char(p.created_at at time zone c.timezone, 'YYYY-MM-DD') as registered_on
      from app_public.patient p join app_public.clinic c on c.id = p.clinic_id
      where p.clinic_id = $1 and p.deleted_at is null and (p.created_at at time zone c.timezone)::date between $2 and $3
      order by p.code $q$
    when 'visits_csv' then $q$
      select v.code, p.code as patient_code, app_private.csv_safe(u.full_name) as doctor, v.status,
             to_char(v.scheduled_at at time zone c.timezone, 'YYYY-MM-DD HH24:MI:SS') as scheduled_at, app_private.csv_safe(v.reason) as reason,
             app_private.csv_safe(v.cancel_reason) as cancel_reason
      from app_public.visit v join app_public.clinic c on c.id = v.clinic_id
      join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
      join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
      join app_public."user" u on u.id = m.user_id
      where v.clinic_id = $1 and (v.scheduled_at at time zone c.timezone)::date between $2 and $3
      order by v.scheduled_at, v.code $q$
    when 'invoices_csv' then $q$
      select i.code, p.code as patient_code, i.status, i.currency, i.subtotal, i.discount_total, i.tax_total, i.total,
             i.amount_paid, i.balance, to_char(i.created_at at time zone c.timezone, 'YYYY-MM-DD') as created_on,
             app_private.csv_safe(i.void_reason) as void_reason
      from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id
      join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
      where i.clinic_id = $1 and (i.created_at at time zone c.timezone)::date between $2 and $3
      order by i.code $q$
    when 'payments_csv' then $q$
      select m.kind, m.code, m.invoice_code, m.method, m.amount, to_char(m.business_date, 'YYYY-MM-DD') as business_date,
             to_char(m.happened_at, 'YYYY-MM-DD HH24:MI:SS') as happened_at from (
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
      order by m.business_date, m.happened_at, m.code $q$
  end;
$$;
comment on function app_private.export_query(app_public.export_kind) is 'The SQL of each CSV export ($1 clinic, $2 and $3 the period), with formula guards on free text; dates are the clinic''s calendar dates (YYYY-MM-DD) and times its wall clock (YYYY-MM-DD HH:MM:SS), formatted here so that the file says what the database means.';
