--! Previous: sha1:14dccd25dffb3494ac201b14cd616d643360844f
--! Hash: sha1:da994f712adc0f08849ad6c8da54f58b98208326
--! Message: csv-codes-defused

-- Every code in the CSV exports defused, the visits', invoices' and payments' too
--
-- A clinic's code prefixes took any text until 000017 (`{"VIS": "=1+1"}`), and a clinic keeps those it set then, its
-- rows the codes made with them: the patients' export defused its codes (app_private.csv_safe), but the visits',
-- invoices' and payments' exports wrote theirs as they were, and their patients' and invoices' codes too, so a
-- spreadsheet opening the file ran `=1+1-000001` (or a `=HYPERLINK(…)` an admin had made a prefix) as a formula.
-- Every code of every CSV export is now defused like typed text: one starting with =, +, -, @, a tab or a line break
-- gets its apostrophe. Codes made since 000017 start with a letter or a digit and are written as before; the rows are
-- chosen and sorted by the codes as stored, as before.
create or replace function app_private.export_rows(kind app_public.export_kind) RETURNS text
  language sql immutable
as $_$
  select case kind
    when 'patients_csv' then $q$
      select app_private.csv_safe(p.code) as code, app_private.csv_safe(p.first_name) as first_name,
             app_private.csv_safe(p.last_name) as last_name, p.phone, to_char(p.date_of_birth, 'YYYY-MM-DD') as date_of_birth, p.sex,
             app_private.csv_safe(p.address) as address, to_char(p.created_at at time zone c.timezone, 'YYYY-MM-DD') as registered_on
      from app_public.patient p join app_public.clinic c on c.id = p.clinic_id
      where p.clinic_id = $1 and p.deleted_at is null and (p.created_at at time zone c.timezone)::date between $2::date and $3::date
        and p.created_at >= ($2::date - 1)::timestamp at time zone 'UTC'
        and p.created_at < ($3::date + 2)::timestamp at time zone 'UTC' $q$
    when 'visits_csv' then $q$
      select app_private.csv_safe(v.code) as code, app_private.csv_safe(p.code) as patient_code, app_private.csv_safe(u.full_name) as doctor, v.status,
             to_char(v.scheduled_at at time zone c.timezone, 'YYYY-MM-DD HH24:MI:SS') as scheduled_at, app_private.csv_safe(v.reason) as reason,
             app_private.csv_safe(v.cancel_reason) as cancel_reason
      from app_public.visit v join app_public.clinic c on c.id = v.clinic_id
      join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
      join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
      join app_public."user" u on u.id = m.user_id
      where v.clinic_id = $1 and (v.scheduled_at at time zone c.timezone)::date between $2::date and $3::date
        and v.scheduled_at >= ($2::date - 1)::timestamp at time zone 'UTC'
        and v.scheduled_at < ($3::date + 2)::timestamp at time zone 'UTC' $q$
    when 'invoices_csv' then $q$
      select app_private.csv_safe(i.code) as code, app_private.csv_safe(p.code) as patient_code, i.status, i.currency, i.subtotal, i.discount_total, i.tax_total, i.total,
             i.amount_paid, i.balance, to_char(i.created_at at time zone c.timezone, 'YYYY-MM-DD') as created_on,
             app_private.csv_safe(i.void_reason) as void_reason
      from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id
      join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
      where i.clinic_id = $1 and (i.created_at at time zone c.timezone)::date between $2::date and $3::date
        and i.created_at >= ($2::date - 1)::timestamp at time zone 'UTC'
        and i.created_at < ($3::date + 2)::timestamp at time zone 'UTC' $q$
    when 'payments_csv' then $q$
      select m.kind, app_private.csv_safe(m.code) as code, app_private.csv_safe(m.invoice_code) as invoice_code, m.method, m.amount, to_char(m.business_date, 'YYYY-MM-DD') as business_date,
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
comment on function app_private.export_rows(app_public.export_kind) is 'The rows of each CSV export, unsorted ($1 clinic, $2 and $3 the period): what the worker counts before it starts. Free text and codes are defused, dates are the clinic''s calendar dates and times its wall clock; every amount comes with its currency. A period''s patients, visits and invoices are read through their moment''s index, bounded by the period''s days in UTC, a day wider either side (every time zone''s day falls inside), then chosen by their local day: a day''s export reads about that day''s rows, not every row of the clinic.';
