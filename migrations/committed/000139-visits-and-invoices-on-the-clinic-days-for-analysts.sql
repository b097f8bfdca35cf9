--! Previous: sha1:ec99c8880ee03722213d10dca2d80a3a9e70672d
--! Hash: sha1:742c0af56cae5d397831db6b89a043b8de1c6906
--! Message: visits and invoices on the clinic days for analysts

-- Analysts count visits and invoices on the clinic's days: reporting.visits and reporting.invoices
-- held only instants, read in the analyst's session time zone (UTC for a BI tool), so a visit at
-- 09:00 in Kiritimati (+14) fell on the day before, and no view told a clinic's time zone. They gain
-- the clinic's calendar dates at their end, as the dashboard and the CSVs count them.

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
    c.currency,
    (v.scheduled_at at time zone c.timezone)::date as business_date
   from app_public.visit v
     join app_public.clinic c on c.id = v.clinic_id
     join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
     join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
     join app_public."user" u on u.id = m.user_id
  where v.clinic_id in (select reporting.granted_clinics());
comment on column reporting.visits.business_date is 'The clinic''s day the visit is booked for (scheduled_at on its clock), as the dashboard and the visits CSV count it.';

create or replace view reporting.invoices with (security_barrier='true') as
 select i.clinic_id,
    c.name as clinic_name,
    i.code,
    i.status,
    i.currency,
    i.subtotal,
    i.discount_total,
    i.tax_total,
    i.total,
    i.amount_paid,
    i.balance,
    i.issued_at,
    i.voided_at,
    i.void_reason,
    p.code as patient_code,
    v.code as visit_code,
    (i.created_at at time zone c.timezone)::date as created_on,
    (i.issued_at at time zone c.timezone)::date as issued_on
   from app_public.invoice i
     join app_public.clinic c on c.id = i.clinic_id
     join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
     left join app_public.visit v on v.clinic_id = i.clinic_id and v.id = i.visit_id
  where i.clinic_id in (select reporting.granted_clinics());
comment on column reporting.invoices.created_on is 'The clinic''s day the invoice was made (on its clock), as the invoices CSV''s period counts it.';
comment on column reporting.invoices.issued_on is 'The clinic''s day it was issued (on its clock); null for a draft.';
