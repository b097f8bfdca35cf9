--! Previous: sha1:e5b8cc01f68e8a2af7dee13e5e6c3a608e75f3f5
--! Hash: sha1:329fcd73927121089af500e3b10827cf4b7b05ba
--! Message: The outstanding balance sums the open invoices in the clinic's currency alone

-- The outstanding balance counts the invoices in the clinic's currency alone
--
-- A clinic whose currency changed before 000066 may still hold open invoices (issued, paid in part) in its old one;
-- since 000384 they take no payment and are to be voided and invoiced again, and the upgrade to 000386 names them to
-- the operators. The dashboard's outstandingBalance, and the monthly summary PDF's outstanding balance (the same
-- figures), still added their balance as if in the clinic's currency: 100 dollars owed counted as 100 yen, for as long
-- as the invoice stayed open. Now the sum leaves out invoices in another currency than the clinic's, as every other
-- figure counts money in the clinic's currency alone. The reporting views give every amount with its currency
-- already (000137) and are left as they are. The index of the invoices that owe carries their currency beside the
-- clinic, so the sum is still read from the index alone.
create or replace function app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) returns app_public.dashboard
  language plpgsql stable security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := dashboard_for.clinic_id;
  v_result app_public.dashboard;
begin
  with per_day as (
    select m.business_date, sum(m.amount) as amount from app_private.daily_money m
    where m.clinic_id = v_clinic and m.business_date between from_date and to_date group by m.business_date
  )
  select (select coalesce(sum(amount), 0) from per_day),
    (select jsonb_agg(jsonb_build_object('date', g::date, 'amount', coalesce(p.amount, 0)::numeric(20,3)::text) order by g)
     from generate_series(from_date::timestamp, to_date::timestamp, interval '1 day') g left join per_day p on p.business_date = g::date),
    -- the methods money moved in (a method a payment was corrected away from keeps a row of none)
    (select coalesce(jsonb_agg(jsonb_build_object('method', method, 'amount', amount::text) order by method), '[]')
     from (select m.method, sum(m.amount) as amount from app_private.daily_money m
           where m.clinic_id = v_clinic and m.business_date between from_date and to_date group by m.method
           having sum(m.movements) > 0) x)
  into v_result.revenue, v_result.revenue_by_day, v_result.revenue_by_method;

  select coalesce(jsonb_agg(jsonb_build_object('status', status, 'count', n) order by status), '[]')
  into v_result.visits_by_status
  from (select d.status, sum(d.visits) as n from app_private.daily_visits d
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date group by d.status having sum(d.visits) > 0) x;

  -- two doctors of one name and count in one order at every load: the order ends with the member's key
  select coalesce(jsonb_agg(jsonb_build_object('doctorId', doctor_id, 'name', full_name, 'count', n) order by n desc, full_name collate "und-x-icu", doctor_id), '[]')
  into v_result.visits_by_doctor
  from (select d.doctor_id, u.full_name, sum(d.visits) as n
        from app_private.daily_visits d
        join app_public.membership m on m.clinic_id = d.clinic_id and m.id = d.doctor_id
        join app_public."user" u on u.id = m.user_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.doctor_id, u.full_name having sum(d.visits) > 0) x;

  select coalesce(sum(d.patients), 0) into v_result.new_patients from app_private.daily_patients d
  where d.clinic_id = v_clinic and d.local_date between from_date and to_date;

  select coalesce(jsonb_agg(jsonb_build_object('serviceId', service_id, 'name', name, 'quantity', quantity, 'amount', amount::text) order by amount desc, name collate "und-x-icu", service_id), '[]')
  into v_result.top_services
  from (select d.service_id, s.name, sum(d.quantity) as quantity, sum(d.amount) as amount
        from app_private.daily_services d
        join app_public.service s on s.clinic_id = d.clinic_id and s.id = d.service_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.service_id, s.name having sum(d.quantity) > 0
        -- ties at the fifth place kept or left out alike at every load: the order ends with the service's key
        order by amount desc, s.name collate "und-x-icu", d.service_id limit 5) x;

  -- in the clinic's currency, which every figure adds amounts in: an open invoice left in its old one (a change of
  -- currency before 000066) is not counted as the clinic's (100 dollars as 100 yen)
  select coalesce(sum(i.balance), 0) into v_result.outstanding_balance from app_public.invoice i
  where i.clinic_id = v_clinic and i.status in ('issued', 'partially_paid')
    and i.currency = (select c.currency from app_public.clinic c where c.id = v_clinic);

  select round(sum(d.completed_value) / nullif(sum(d.visits), 0),
    (select app_public.currency_decimals(c.currency) from app_public.clinic c where c.id = v_clinic))
  into v_result.average_visit_value
  from app_private.daily_visits d
  where d.clinic_id = v_clinic and d.status = 'completed' and d.local_date between from_date and to_date;

  return v_result;
end;
$$;

comment on function app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) is 'The dashboard figures of a clinic for a period of its business days (see app_public.dashboard); money as decimal strings, in the lists too. Its ranked lists (topServices, visitsByDoctor) are by amount or count, then name, then the row''s id, so ties come in one order at every load. Its outstanding balance sums the open invoices in the clinic''s currency alone (one left in another, from a change of currency before 000066, is not the clinic''s money: it takes no payment, 000384, and is voided and invoiced again).';

create index if not exists invoice_clinic_owed_in_currency_idx on app_public.invoice (clinic_id, currency) include (balance)
  where status in ('issued', 'partially_paid');
comment on index app_public.invoice_clinic_owed_in_currency_idx is
  'A clinic''s invoices that owe (issued, partly paid), by currency, with their balance: the dashboard''s outstanding balance (the clinic''s currency alone), read from the index alone.';
drop index if exists app_public.invoice_clinic_owed_idx;

comment on column app_public.dashboard.outstanding_balance is
  'What issued and partially paid invoices in the clinic''s currency still owe, now (an invoice left in an old currency, from before 000066, is not counted).';
comment on function app_public.dashboard(from_date date, to_date date) is 'The clinic''s figures for the business days from_date to to_date (its own time zone): net revenue (refunds included) per day and method, visits per status and doctor, new patients, top services, outstanding balance (of the invoices in the clinic''s currency), average visit value. Owners, admins and cashiers.';
