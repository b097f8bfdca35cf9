--! Previous: sha1:28579feb56e009e15d1fd12b3f8efdef6daa8739
--! Hash: sha1:f27a37e7af3adca37c96e0cd18b4804524df84a5
--! Message: amounts with their currency for analysts

-- Every amount an analyst reads says its currency: reporting.payments, daily_revenue, reconciliations
-- and visits had none (only reporting.invoices had), so an analyst granted clinics of several
-- currencies summed yen and dinars into one figure, and could not learn the currency of a clinic
-- without invoices; the payments CSV had none either. Each gains `currency`, at its end (queries
-- that name their columns, or read them by position, read what they read before): a payment's and a
-- refund's is their invoice's, a day's and a visit's the clinic's (kept once it has charged or counted
-- anything, 000136).
-- A clinic whose currency changed before 000136 after it had charged visits or counted cash shows
-- those older amounts in its current currency: the migration leaves the operators a warning naming
-- such clinics (found in their audit chains).

create or replace view reporting.payments with (security_barrier='true') as
 select movement.clinic_id,
    movement.clinic_name,
    movement.kind,
    movement.code,
    movement.invoice_code,
    movement.method,
    movement.amount,
    movement.happened_at,
    movement.business_date,
    movement.currency
   from (select p.clinic_id,
            c.name as clinic_name,
            'payment'::text as kind,
            p.code,
            i.code as invoice_code,
            p.method,
            p.amount,
            p.received_at as happened_at,
            p.business_date,
            i.currency
           from app_public.payment p
             join app_public.clinic c on c.id = p.clinic_id
             join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
          where p.clinic_id in (select reporting.granted_clinics())
        union all
         select r.clinic_id,
            c.name,
            'refund'::text,
            r.code,
            i.code,
            r.method,
            - r.amount,
            r.refunded_at,
            r.business_date,
            i.currency
           from app_public.refund r
             join app_public.clinic c on c.id = r.clinic_id
             join app_public.invoice i on i.clinic_id = r.clinic_id and i.id = r.invoice_id
          where r.clinic_id in (select reporting.granted_clinics())) movement;
comment on column reporting.payments.currency is 'ISO 4217 currency of the amount (its invoice''s).';

create or replace view reporting.daily_revenue with (security_barrier='true') as
 select p.clinic_id,
    p.clinic_name,
    p.business_date,
    p.method,
    coalesce(sum(p.amount) filter (where p.kind = 'payment'), 0.000) as payments,
    coalesce(- sum(p.amount) filter (where p.kind = 'refund'), 0.000) as refunds,
    sum(p.amount) as net,
    p.currency
   from reporting.payments p
  group by p.clinic_id, p.clinic_name, p.business_date, p.method, p.currency;
comment on column reporting.daily_revenue.currency is 'ISO 4217 currency of the amounts: sum a period''s revenue per currency.';

create or replace view reporting.reconciliations with (security_barrier='true') as
 select d.clinic_id,
    c.name as clinic_name,
    d.business_date,
    d.status,
    d.expected_cash,
    d.expected_card,
    d.expected_bank_transfer,
    d.expected_mobile_money,
    d.expected_insurance,
    d.expected_total,
    d.counted_total,
    d.cash_difference,
    d.difference,
    d.notes,
    d.closed_at,
    d.reopened_at,
    d.reopen_reason,
    c.currency
   from app_public.daily_reconciliation d
     join app_public.clinic c on c.id = d.clinic_id
  where d.clinic_id in (select reporting.granted_clinics());
comment on column reporting.reconciliations.currency is 'ISO 4217 currency of the amounts (the clinic''s).';

create or replace view reporting.visits with (security_barrier='true') as
 select v.clinic_id,
    c.name as clinic_name,
    v.code,
    v.status,
    v.scheduled_at,
    v.checked_in_at,
    v.started_at,
    v.completed_at,
    v.cancelled_at,
    v.cancel_reason,
    p.code as patient_code,
    u.full_name as doctor_name,
    (select coalesce(sum(s.line_total), 0::numeric)
       from app_public.visit_service s
      where s.clinic_id = v.clinic_id and s.visit_id = v.id) as services_value,
    v.no_show_at,
    c.currency
   from app_public.visit v
     join app_public.clinic c on c.id = v.clinic_id
     join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
     join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
     join app_public."user" u on u.id = m.user_id
  where v.clinic_id in (select reporting.granted_clinics());
comment on column reporting.visits.currency is 'ISO 4217 currency of services_value (the clinic''s).';

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
               p.received_at at time zone c.timezone as happened_at, p.reference
        from app_public.payment p join app_public.clinic c on c.id = p.clinic_id
        join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
        where p.clinic_id = $1 and p.business_date between $2 and $3
        union all
        select 'refund', r.code, i.code, r.method, -r.amount, i.currency, r.business_date, r.refunded_at at time zone c.timezone, r.reason
        from app_public.refund r join app_public.clinic c on c.id = r.clinic_id
        join app_public.invoice i on i.clinic_id = r.clinic_id and i.id = r.invoice_id
        where r.clinic_id = $1 and r.business_date between $2 and $3) m $q$
  end;
$_$;
comment on function app_private.export_rows(app_public.export_kind) is 'The rows of each CSV export, unsorted ($1 clinic, $2 and $3 the period): what the worker counts before it starts. Free text is defused, dates are the clinic''s calendar dates and times its wall clock; every amount comes with its currency.';

create or replace function app_private.warn_of_relabelled_amounts() returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_clinics text;
begin
  select string_agg(format('%s (%s)', c.name, c.id), ', ' order by c.name) into v_clinics
  from app_public.clinic c
  where exists (
    select from app_public.audit_log a
    where a.clinic_id = c.id and a.table_name = 'clinic' and a.action = 'update'
      and a.old_values ->> 'currency' is distinct from a.new_values ->> 'currency'
      and (exists (select from app_public.visit_service s where s.clinic_id = c.id and s.created_at < a.occurred_at)
           or exists (select from app_public.daily_reconciliation d
                      where d.clinic_id = c.id and d.counted_total is not null and d.business_date < (a.occurred_at at time zone c.timezone)::date)));
  if v_clinics is not null then
    insert into app_private.upgrade_warning (migration, message) values ('000137', format(
      'Clinics whose currency changed after they had charged visits or counted cash: %s. Their earlier visits'' values and counts show their current currency in reporting.visits and reporting.reconciliations (docs/analysts.md)', v_clinics));
  end if;
end;
$$;
comment on function app_private.warn_of_relabelled_amounts() is 'Leaves the operators a warning (upgrade_warning) naming the clinics whose currency changed, before 000136 kept it, after they had charged visits or counted cash (their audit chains tell): the analysts'' views show those amounts in the current currency. Run by 000137.';
revoke all on function app_private.warn_of_relabelled_amounts() from public;
select app_private.warn_of_relabelled_amounts();
