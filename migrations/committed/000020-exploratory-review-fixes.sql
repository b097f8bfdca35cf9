--! Previous: sha1:665d880a801c7070594b6bda166638cbf84c48c6
--! Hash: sha1:55b64c4250b2e2b64964e57813feaeb5dcf5583b
--! Message: review fixes: deletes, deleted patients, phone search, time zone, dashboard money

--------------------------------------------------------------------------------
-- Deleting a row again hands back nothing. soft_delete used to re-read the row
-- as deleted whatever its DELETE had done, so a doctor or a receptionist who
-- called deletePatient on a patient an owner had deleted got NOT_FOUND's
-- opposite: the deleted patient's names and address.

create or replace function app_private.soft_delete(sample anyelement, clinic_id uuid, id uuid) returns anyelement
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_table text := pg_typeof(sample)::text;
  v_result alias for $0; -- typed as the actual row type
  v_live boolean;
begin
  -- Only a row the caller can see, not deleted yet, is deleted and returned.
  execute format('select true from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is null', v_table)
    into v_live using soft_delete.clinic_id, soft_delete.id;
  if v_live then
    -- The DELETE goes through the table's delete policy; the trigger turns it into a soft delete.
    execute format('delete from %s where clinic_id = $1 and id = $2', v_table) using soft_delete.clinic_id, soft_delete.id;
    perform set_config('clinicops.include_deleted', 'on', true);
    execute format('select t.* from %s t where t.clinic_id = $1 and t.id = $2 and t.deleted_at is not null', v_table)
      into v_result using soft_delete.clinic_id, soft_delete.id;
    perform set_config('clinicops.include_deleted', '', true);
  end if;
  if v_result is null then
    raise exception 'Nothing to delete: no such row in this clinic, or you may not delete it.' using errcode = 'CNOTF';
  end if;
  return v_result;
end;
$$;
comment on function app_private.soft_delete(anyelement, uuid, uuid) is 'Soft-deletes the row of the table whose row type `sample` is (pass null::app_public.patient) and returns it; the table''s delete policy decides who may. A row already deleted, or one the caller may not delete, is NOT_FOUND and nothing of it is returned.';

--------------------------------------------------------------------------------
-- A deleted patient is neither booked nor billed: restore them first. (The
-- foreign keys saw the row, deleted or not; services were already refused.)

create or replace function app_private.tg__patient_not_deleted() returns trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_previous text := current_setting('clinicops.include_deleted', true);
  v_deleted boolean;
begin
  if tg_op = 'INSERT' or new.patient_id is distinct from old.patient_id then
    -- deleted rows are hidden by the select policy (which binds this definer too) unless asked for
    perform set_config('clinicops.include_deleted', 'on', true);
    select p.deleted_at is not null into v_deleted from app_public.patient p where p.clinic_id = new.clinic_id and p.id = new.patient_id;
    perform set_config('clinicops.include_deleted', coalesce(v_previous, ''), true);
    if v_deleted then
      raise exception 'This patient was deleted: restore them before booking or billing them.' using errcode = 'CINVL';
    end if;
  end if;
  return new;
end;
$$;
comment on function app_private.tg__patient_not_deleted() is 'BEFORE INSERT OR UPDATE OF patient_id on visits and invoices: the patient is not deleted (INVALID_INPUT).';

drop trigger if exists _160_patient_not_deleted on app_public.visit;
create trigger _160_patient_not_deleted before insert or update of patient_id on app_public.visit
  for each row execute function app_private.tg__patient_not_deleted();
-- after _150_defaults, which takes an invoice's patient from its visit
drop trigger if exists _160_patient_not_deleted on app_public.invoice;
create trigger _160_patient_not_deleted before insert or update of patient_id on app_public.invoice
  for each row execute function app_private.tg__patient_not_deleted();

--------------------------------------------------------------------------------
-- Searching by phone as people type it: "0712 345 678" finds +255712345678.
-- Phones are kept in E.164, and the search compared the typed text as it was.

create or replace function app_hidden.phone_search_term(query text, calling_code app_public.calling_code) returns text
language sql immutable parallel safe
as $$
  select case
    when t.typed !~ '[0-9]' or t.typed ~ '[^0-9[:space:]()./+-]' then null -- not a phone: names and codes are matched as typed
    when t.digits like '00%' then '+' || substr(t.digits, 3) -- international, 00 for +
    when t.digits like '0%' and calling_code is not null then '+' || calling_code || substr(t.digits, 2) -- national: trunk 0 for the country
    when t.digits like '0%' then substr(t.digits, 2)
    else t.digits
  end
  from (select btrim(query) as typed, regexp_replace(btrim(query), '[[:space:]()./-]', '', 'g') as digits) t;
$$;
comment on function app_hidden.phone_search_term(text, app_public.calling_code) is 'A patient search typed as a phone, or part of one, in the E.164 form phones are kept in, without separators (0712 345 678 → +255712345678 with calling code 255; 00255 712 → +255712; 345-678 → 345678); null when the query is not phone-like (it has letters, or no digit).';

create or replace function app_hidden.contains_pattern(term text) returns text
language sql immutable strict parallel safe
as $$
  select '%' || replace(replace(replace(term, E'\\', E'\\\\'), '%', E'\\%'), '_', E'\\_') || '%';
$$;
comment on function app_hidden.contains_pattern(text) is 'A LIKE pattern for "contains term": %, _ and \ in the term match themselves.';

create or replace function app_hidden.patients_matching(query text) returns table (patient_id uuid, exact_code boolean, last_name text, first_name text)
language plpgsql stable security definer rows 50
set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- sub-selects: the clinic and the patterns are computed once, not again for every row rechecked;
  -- the phone form is null for names and codes, and its index scan then finds nothing at once
  return query
  select s.patient_id, s.code = upper(btrim(query)), s.last_name, s.first_name from app_private.patient_search s
  where s.clinic_id = (select app_public.current_clinic_id())
    and char_length(btrim(query)) between 2 and 100
    and (s.search_text like (select app_hidden.contains_pattern(lower(btrim(query))))
      or s.search_text like (select app_hidden.contains_pattern(
        app_hidden.phone_search_term(query, app_hidden.calling_code_for(app_public.current_clinic_id())))));
end;
$$;
comment on function app_hidden.patients_matching(text) is 'The current clinic''s patients whose name, code or phone contains `query` (2 to 100 characters, any case; a phone also as people type it, national or international: phone_search_term; deleted ones included), found through the trigram index, with what search_patients orders them by: whether the code is `query` exactly, then the names. For search_patients, which reads the patients through RLS.';
comment on function app_public.search_patients(text) is 'Patients whose name, code or phone contains `query` (2 to 100 characters, any case; a phone may be typed as people do, 0712 345 678 or +255 712…), exact code first, then by name. Uses a trigram index per clinic, so it stays fast at a million patients and in a large clinic.';

--------------------------------------------------------------------------------
-- A session's time zone is its clinic's as it is now. It came from the cookie,
-- written at login, so after updateClinic(timezone) the clinic's staff kept
-- seeing days and times in the old zone until they logged in again.

create or replace function app_hidden.session_time_zone() returns text
language sql stable security definer
set search_path to pg_catalog, public, pg_temp
as $$
  select c.timezone from app_public.clinic c where c.id = app_public.current_clinic_id();
$$;
comment on function app_hidden.session_time_zone() is 'The time zone of the live session''s clinic (null without one): every API transaction of a session sets it as its TimeZone, so days and times read as the clinic''s.';
revoke all on function app_hidden.session_time_zone() from public;
grant execute on function app_hidden.session_time_zone() to :DATABASE_VISITOR;

--------------------------------------------------------------------------------
-- The dashboard's lists give money as decimal strings ("15000.000"), as every
-- money field of the API does: they were JSON numbers, which a browser reads
-- as floating point. And its period error names the API's arguments.

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

  select round(sum(d.completed_value) / nullif(sum(d.visits), 0), 2)
  into v_result.average_visit_value
  from app_private.daily_visits d
  where d.clinic_id = v_clinic and d.status = 'completed' and d.local_date between from_date and to_date;

  return v_result;
end;
$$;
comment on function app_private.dashboard_for(uuid, date, date) is 'The dashboard figures of a clinic for a period of its business days (see app_public.dashboard); money as decimal strings, in the lists too.';

create or replace function app_public.dashboard(from_date date, to_date date) returns app_public.dashboard
language plpgsql stable security definer
set search_path to pg_catalog, public, pg_temp
as $$
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can see the dashboard.' using errcode = 'CFORB';
  end if;
  if from_date is null or to_date is null or to_date < from_date or to_date - from_date > 366 then
    raise exception 'Give a period of at most 367 days: fromDate on or before toDate.' using errcode = 'CINVL';
  end if;
  return app_private.dashboard_for(app_public.current_clinic_id(), from_date, to_date);
end;
$$;

comment on column app_public.dashboard.revenue_by_day is 'Net revenue per business day: [{"date", "amount"}], every day of the period, zero included; amounts as decimal strings ("15000.000").';
comment on column app_public.dashboard.revenue_by_method is 'Net revenue per payment method: [{"method", "amount"}]; amounts as decimal strings.';
comment on column app_public.dashboard.top_services is 'The five services on the most invoice value in the period (every invoice but void ones, drafts included): [{"serviceId", "name", "quantity", "amount"}]; amounts as decimal strings.';
