--! Previous: sha1:8683f79f0a7bc789eb4051202c263d7be611f906
--! Hash: sha1:9195d688fba0b8b1be037701425c8f8527b3cbfe
--! Message: an analyst's conditions meet the granted clinics' rows alone

-- An analyst's conditions meet the granted clinics' rows alone.
--
-- The reporting views filter on the clinics granted to the analyst's login, behind a security
-- barrier, which keeps another clinic's rows from a function that could fail with, or record, what it
-- is given. But PostgreSQL lets a condition it deems leakproof pass the barrier, and text comparisons
-- are leakproof: an analyst of clinic A ran `explain analyze … from reporting.visits where
-- cancel_reason >= 'R'` and read, in the rows the visit scan returned before the grant's filter, how
-- many of every clinic's cancel reasons sorted after 'R'; halving the range, one character at a time,
-- gave clinic B's cancel reason whole in about 150 queries, and the same way every clinic's name,
-- every doctor's name, void reasons and a closed day's notes (an attacker of the analyst role;
-- analysts.md admitted row counts only).
--
-- Each view now reads its granted rows in a materialized common table expression, a fence no
-- condition passes: the analyst's conditions are applied to the granted clinics' rows alone, after
-- they are read, leakproof or not. What it costs: a query reads all its view's rows of the granted
-- clinics (through the indexes that start with clinic_id) before its own conditions, not through an
-- index of its own; analysts.md says so. reporting.daily_revenue reads reporting.payments, and so
-- the fence too. Columns, comments and grants are as they were.

create or replace view reporting.visits with (security_barrier) as
with granted as materialized (
   SELECT v.clinic_id,
      c.name AS clinic_name,
      v.code,
      v.status,
      v.scheduled_at,
      v.checked_in_at,
      v.started_at,
      v.completed_at,
      v.cancelled_at,
      v.cancel_reason,
      p.code AS patient_code,
      u.full_name AS doctor_name,
      ( SELECT COALESCE(sum(s.line_total), 0::numeric) AS "coalesce"
             FROM app_public.visit_service s
            WHERE s.clinic_id = v.clinic_id AND s.visit_id = v.id) AS services_value,
      v.no_show_at,
      c.currency,
      (v.scheduled_at AT TIME ZONE c.timezone)::date AS business_date
     FROM app_public.visit v
       JOIN app_public.clinic c ON c.id = v.clinic_id
       JOIN app_public.patient p ON p.clinic_id = v.clinic_id AND p.id = v.patient_id
       JOIN app_public.membership m ON m.clinic_id = v.clinic_id AND m.id = v.doctor_id
       JOIN app_public."user" u ON u.id = m.user_id
    WHERE (v.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics))
)
select * from granted;

create or replace view reporting.invoices with (security_barrier) as
with granted as materialized (
   SELECT i.clinic_id,
      c.name AS clinic_name,
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
      p.code AS patient_code,
      v.code AS visit_code,
      (i.created_at AT TIME ZONE c.timezone)::date AS created_on,
      (i.issued_at AT TIME ZONE c.timezone)::date AS issued_on
     FROM app_public.invoice i
       JOIN app_public.clinic c ON c.id = i.clinic_id
       JOIN app_public.patient p ON p.clinic_id = i.clinic_id AND p.id = i.patient_id
       LEFT JOIN app_public.visit v ON v.clinic_id = i.clinic_id AND v.id = i.visit_id
    WHERE (i.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics))
)
select * from granted;

create or replace view reporting.payments with (security_barrier) as
with granted as materialized (
   SELECT movement.clinic_id,
      movement.clinic_name,
      movement.kind,
      movement.code,
      movement.invoice_code,
      movement.method,
      movement.amount,
      movement.happened_at,
      movement.business_date,
      movement.currency
     FROM ( SELECT p.clinic_id,
              c.name AS clinic_name,
              'payment'::text AS kind,
              p.code,
              i.code AS invoice_code,
              p.method,
              p.amount,
              p.received_at AS happened_at,
              p.business_date,
              i.currency
             FROM app_public.payment p
               JOIN app_public.clinic c ON c.id = p.clinic_id
               JOIN app_public.invoice i ON i.clinic_id = p.clinic_id AND i.id = p.invoice_id
            WHERE (p.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics))
          UNION ALL
           SELECT r.clinic_id,
              c.name,
              'refund'::text AS text,
              r.code,
              i.code,
              r.method,
              - r.amount,
              r.refunded_at,
              r.business_date,
              i.currency
             FROM app_public.refund r
               JOIN app_public.clinic c ON c.id = r.clinic_id
               JOIN app_public.invoice i ON i.clinic_id = r.clinic_id AND i.id = r.invoice_id
            WHERE (r.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics))) movement
)
select * from granted;

create or replace view reporting.reconciliations with (security_barrier) as
with granted as materialized (
   SELECT d.clinic_id,
      c.name AS clinic_name,
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
     FROM app_public.daily_reconciliation d
       JOIN app_public.clinic c ON c.id = d.clinic_id
    WHERE (d.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics))
)
select * from granted;
