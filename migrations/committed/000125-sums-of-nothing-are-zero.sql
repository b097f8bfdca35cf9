--! Previous: sha1:89652260da761b1caf713228fc1bfb7d7f5ac182
--! Hash: sha1:c9ebd22b452cc9bb5ef76034ca20a65bc67174d5
--! Message: sums of nothing are zero

-- A money sum of nothing is zero, written as money is: a day and method with only refunds had
-- payments null in reporting.daily_revenue (a BI formula payments - refunds was null there), and
-- an empty period's dashboard revenue and a clinic's outstanding balance with no open invoice were
-- "0" where every other amount is "0.000". The dashboard's sums are numeric(20,3): three decimals,
-- and room past what one row holds (a period's revenue adds many days of 9,999,999,999,999.999).

create or replace view reporting.daily_revenue with (security_barrier = true) as
  select p.clinic_id, p.clinic_name, p.business_date, p.method,
    coalesce(sum(p.amount) filter (where p.kind = 'payment'), 0.000) as payments,
    coalesce(-sum(p.amount) filter (where p.kind = 'refund'), 0.000) as refunds,
    sum(p.amount) as net
  from reporting.payments p
  group by p.clinic_id, p.clinic_name, p.business_date, p.method;

comment on column reporting.daily_revenue.payments is 'Payments received (0 on a day and method with only refunds).';

alter type app_public.dashboard
  alter attribute revenue type numeric(20,3),
  alter attribute outstanding_balance type numeric(20,3);
