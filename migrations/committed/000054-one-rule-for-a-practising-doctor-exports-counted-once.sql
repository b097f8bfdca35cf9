--! Previous: sha1:9c320974d8f4aacd7ea0e71f4f94c36e37450dee
--! Hash: sha1:46fba446cf0f24d63a4535f04a41887b6edc2639
--! Message: one rule for a practising doctor, exports counted once

-- One rule for "a doctor who practises in this clinic": the booking trigger and
-- Visit.doctorIsAvailable each spelled it out, and the copies already drifted once (000043 added
-- acceptance to the trigger only; 000046 patched the copy).
-- request_export counts a person's and the clinic's unfinished exports in one read (it read them
-- twice).

create function app_hidden.is_practising_doctor(clinic_id uuid, membership_id uuid) returns boolean
language sql stable
as $$
  select exists (
    select 1 from app_public.membership m
    where m.clinic_id = is_practising_doctor.clinic_id and m.id = is_practising_doctor.membership_id
      and m.role = 'doctor' and m.is_active and m.deleted_at is null and m.accepted_at is not null
  );
$$;
comment on function app_hidden.is_practising_doctor(uuid, uuid) is 'Whether the membership is an active, not removed, accepted member of the clinic with the doctor role: who a visit may be booked with. Reads the membership as the caller may.';
grant execute on function app_hidden.is_practising_doctor(uuid, uuid) to :DATABASE_VISITOR;

create or replace function app_private.tg_visit__check_doctor() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if (tg_op = 'INSERT' or new.doctor_id is distinct from old.doctor_id)
     and not app_hidden.is_practising_doctor(new.clinic_id, new.doctor_id) then
    raise exception 'The doctor must be an active member of this clinic with the doctor role.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;

create or replace function app_public.visit_doctor_is_available(v app_public.visit) returns boolean
language sql stable
as $$
  select app_hidden.is_practising_doctor(v.clinic_id, v.doctor_id);
$$;

create or replace function app_public.request_export(kind app_public.export_kind, from_date date default null, to_date date default null, invoice_id uuid default null)
returns app_public.report_export
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_from date := from_date;
  v_to date := to_date;
  v_export app_public.report_export;
  v_most_unfinished constant int := 10;
  v_most_unfinished_in_clinic constant int := 30;
  v_mine bigint;
  v_clinics bigint;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can export.' using errcode = 'CFORB';
  end if;
  -- a clinic's requests take turns here, so requests at once cannot all pass the counts
  perform pg_advisory_xact_lock(hashtextextended('request_export:' || v_clinic, 0));
  select count(*) filter (where e.requested_by = app_public.current_user_id()), count(*)
  into v_mine, v_clinics
  from app_public.report_export e
  where e.clinic_id = v_clinic and e.status in ('queued', 'running');
  if v_mine >= v_most_unfinished then
    raise exception 'You have % exports waiting or in progress: ask for more once one of them is done.', v_most_unfinished
      using errcode = 'CLIMT';
  end if;
  if v_clinics >= v_most_unfinished_in_clinic then
    raise exception 'Your clinic has % exports waiting or in progress: ask for more once some of them are done.', v_most_unfinished_in_clinic
      using errcode = 'CLIMT';
  end if;
  if kind is null then
    raise exception 'Say what to export.' using errcode = 'CINVL';
  elsif kind::text = 'invoice_pdf' then
    select (i.created_at at time zone c.timezone)::date into v_from
    from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id
    where i.clinic_id = v_clinic and i.id = request_export.invoice_id;
    if v_from is null then
      raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
    end if;
    v_to := v_from;
  elsif kind::text = 'reconciliation_pdf' then
    if from_date is null then
      raise exception 'Give the business day (fromDate) of the reconciliation sheet.' using errcode = 'CINVL';
    end if;
    v_to := from_date;
  elsif kind::text = 'monthly_summary_pdf' then
    if from_date is null then
      raise exception 'Give a day of the month (fromDate) to summarise.' using errcode = 'CINVL';
    end if;
    v_from := date_trunc('month', from_date)::date;
    v_to := (date_trunc('month', from_date) + interval '1 month - 1 day')::date;
  elsif from_date is null or to_date is null or to_date < from_date or to_date - from_date > 3660 then
    raise exception 'Give a period of at most ten years, fromDate before toDate.' using errcode = 'CINVL';
  end if;
  insert into app_public.report_export (clinic_id, kind, from_date, to_date, invoice_id, requested_by)
  values (v_clinic, kind, v_from, v_to, case when kind::text = 'invoice_pdf' then request_export.invoice_id end, app_public.current_user_id())
  returning * into v_export;
  perform graphile_worker.add_job('report_export__produce', json_build_object('clinicId', v_export.clinic_id, 'id', v_export.id),
    job_key := 'report_export:' || v_export.id, max_attempts := 3);
  return v_export;
end;
$$;
comment on function app_public.request_export(app_public.export_kind, date, date, uuid) is 'Asks for an export file: a CSV of a period (fromDate, toDate), an invoice_pdf (invoiceId), a reconciliation_pdf (fromDate = the business day) or a monthly_summary_pdf (fromDate = any day of the month). Follow its status and progress, then download it from /exports/<rowId>. At most 10 of one person''s exports, and 30 of the clinic''s, wait or run at once (LIMIT_EXCEEDED beyond). Owners, admins and cashiers; audited.';
