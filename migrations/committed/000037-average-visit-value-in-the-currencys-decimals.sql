--! Previous: sha1:c04f2a512845e4dd09777d0207e42b45b0d5ff51
--! Hash: sha1:26cd09e1abaf8764ebea9245cf2702992ad65b0d
--! Message: average visit value in the currency's decimals

--------------------------------------------------------------------------------
-- The dashboard's (and the monthly summary's) average visit value is in the currency's decimals:
-- it was rounded to 2 whatever the currency, so a Kuwaiti dinar clinic lost its third decimal and a
-- yen clinic got two it does not have. The rest of the function is as it was (000020).

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
    (select jsonb_agg(jsonb_build_object('date', g::date, 'amount', coalesce(p.amount, 0)::numeric(16,3)::text) order by g)
     from generate_series(from_date, to_date, interval '1 day') g left join per_day p on p.business_date = g::date),
    (select coalesce(jsonb_agg(jsonb_build_object('method', method, 'amount', amount::text) order by method), '[]')
     from (select m.method, sum(m.amount) as amount from app_private.daily_money m
           where m.clinic_id = v_clinic and m.business_date between from_date and to_date group by m.method) x)
  into v_result.revenue, v_result.revenue_by_day, v_result.revenue_by_method;

  select coalesce(jsonb_agg(jsonb_build_object('status', status, 'count', n) order by status), '[]')
  into v_result.visits_by_status
  from (select d.status, sum(d.visits) as n from app_private.daily_visits d
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date group by d.status having sum(d.visits) > 0) x;

  select coalesce(jsonb_agg(jsonb_build_object('doctorId', doctor_id, 'name', full_name, 'count', n) order by n desc, full_name), '[]')
  into v_result.visits_by_doctor
  from (select d.doctor_id, u.full_name, sum(d.visits) as n
        from app_private.daily_visits d
        join app_public.membership m on m.clinic_id = d.clinic_id and m.id = d.doctor_id
        join app_public."user" u on u.id = m.user_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.doctor_id, u.full_name having sum(d.visits) > 0) x;

  select coalesce(sum(d.patients), 0) into v_result.new_patients from app_private.daily_patients d
  where d.clinic_id = v_clinic and d.local_date between from_date and to_date;

  select coalesce(jsonb_agg(jsonb_build_object('serviceId', service_id, 'name', name, 'quantity', quantity, 'amount', amount::text) order by amount desc, name), '[]')
  into v_result.top_services
  from (select d.service_id, s.name, sum(d.quantity) as quantity, sum(d.amount) as amount
        from app_private.daily_services d
        join app_public.service s on s.clinic_id = d.clinic_id and s.id = d.service_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.service_id, s.name having sum(d.quantity) > 0
        order by amount desc, s.name limit 5) x;

  select coalesce(sum(i.balance), 0) into v_result.outstanding_balance from app_public.invoice i
  where i.clinic_id = v_clinic and i.status in ('issued', 'partially_paid');

  select round(sum(d.completed_value) / nullif(sum(d.visits), 0),
    (select app_public.currency_decimals(c.currency) from app_public.clinic c where c.id = v_clinic))
  into v_result.average_visit_value
  from app_private.daily_visits d
  where d.clinic_id = v_clinic and d.status = 'completed' and d.local_date between from_date and to_date;

  return v_result;
end;
$$;
comment on function app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) IS 'The dashboard figures of a clinic for a period of its business days (see app_public.dashboard); money as decimal strings, in the lists too.';
