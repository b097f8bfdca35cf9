--! Previous: sha1:3569159dc67c05542554b29abf9d8de90a9f19a9
--! Hash: sha1:e4ec19cd6a5c978a2697cdf515be8e5879feec34
--! Message: the payments csv in the order money moved

-- The payments CSV in the order money moved, on the day clocks go back too.
--
-- It was sorted by each movement's time on the clinic's wall clock: on the day the clocks go back,
-- a payment at 01:45 before the change (05:45 UTC in New York) came after one at 01:30 after it
-- (06:30 UTC), which the invoice PDF lists the other way (an exports checker). Sorted by the moment;
-- the times printed are still the wall clock's.

create or replace function app_private.export_rows(kind app_public.export_kind) RETURNS text
  language sql immutable
as $_$
  select case kind
    when 'patients_csv' then $q$
      select app_private.csv_safe(p.code) as code, app_private.csv_safe(p.first_name) as first_name,
             app_private.csv_safe(p.last_name) as last_name, p.phone, to_char(p.date_of_birth, 'YYYY-MM-DD') as date_of_birth, p.sex,
             app_private.csv_safe(p.address) as address, to_char(p.created_at at time zone c.timezone, 'YYYY-MM-DD') as registered_on
      from app_public.patient p join app_public.clinic c on c.id = p.clinic_id
      where p.clinic_id = $1 and p.deleted_at is null and (p.created_at at time zone c.timezone)::date between $2 and $3 $q$
    when 'visits_csv' then $q$
      select v.code, p.code as patient_code, app_private.csv_safe(u.full_name) as doctor, v.status,
             to_char(v.scheduled_at at time zone c.timezone, 'YYYY-MM-DD HH24:MI:SS') as scheduled_at, app_private.csv_safe(v.reason) as reason,
             app_private.csv_safe(v.cancel_reason) as cancel_reason
      from app_public.visit v join app_public.clinic c on c.id = v.clinic_id
      join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
      join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
      join app_public."user" u on u.id = m.user_id
      where v.clinic_id = $1 and (v.scheduled_at at time zone c.timezone)::date between $2 and $3 $q$
    when 'invoices_csv' then $q$
      select i.code, p.code as patient_code, i.status, i.currency, i.subtotal, i.discount_total, i.tax_total, i.total,
             i.amount_paid, i.balance, to_char(i.created_at at time zone c.timezone, 'YYYY-MM-DD') as created_on,
             app_private.csv_safe(i.void_reason) as void_reason
      from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id
      join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
      where i.clinic_id = $1 and (i.created_at at time zone c.timezone)::date between $2 and $3 $q$
    when 'payments_csv' then $q$
      select m.kind, m.code, m.invoice_code, m.method, m.amount, to_char(m.business_date, 'YYYY-MM-DD') as business_date,
             to_char(m.happened_at, 'YYYY-MM-DD HH24:MI:SS') as happened_at, app_private.csv_safe(m.reference) as reference, m.currency from (
        select 'payment' as kind, p.code, i.code as invoice_code, p.method, p.amount, i.currency, p.business_date,
               p.received_at at time zone c.timezone as happened_at, p.received_at as moved_at, p.reference
        from app_public.payment p join app_public.clinic c on c.id = p.clinic_id
        join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
        where p.clinic_id = $1 and p.business_date between $2 and $3
        union all
        select 'refund', r.code, i.code, r.method, -r.amount, i.currency, r.business_date, r.refunded_at at time zone c.timezone, r.refunded_at, r.reason
        from app_public.refund r join app_public.clinic c on c.id = r.clinic_id
        join app_public.invoice i on i.clinic_id = r.clinic_id and i.id = r.invoice_id
        where r.clinic_id = $1 and r.business_date between $2 and $3) m $q$
  end;
$_$;

create or replace function app_private.export_order(kind app_public.export_kind) returns text
language sql immutable
as $$
  select case kind
    when 'patients_csv' then 'p.code'
    when 'visits_csv' then 'v.scheduled_at, v.code'
    when 'invoices_csv' then 'i.code'
    when 'payments_csv' then 'm.business_date, m.moved_at, m.code'
  end;
$$;
comment on function app_private.export_order(app_public.export_kind) is 'The ORDER BY of each CSV export, over export_rows''s query: payments and refunds by business day, then the moment they moved (not its wall-clock time, which repeats an hour on the day clocks go back).';
