--! Previous: sha1:6b5814b492a74f4f0c3f8ebba86c48599d93453b
--! Hash: sha1:102c41e562dc18ba1a2b313ee76b7b7157437f98
--! Message: exports capped per clinic, audit chain read by its index

-- From the review of 000040-000042:
-- * A clinic has at most 30 exports waiting or running, besides a person's 10: an owner could make
--   new accounts (inviteMember of new phones) and give each its 10.
-- * verify_audit_chain read its chain through `clinic_id is not distinct from …`, which no index
--   serves (every call read the whole log), and took the last hash from an array of every hash of
--   the chain. `npm run audit:verify` no longer calls it (it recomputes in Node, trusting no
--   function of the log's owner), nor audit_anchor_mismatches, which goes.
-- * A visit's doctor is available only if they accepted the membership (000043), as a booking
--   requires.

create or replace function app_private.audit_chain_status_of(chain_clinic_id uuid) returns app_public.audit_chain_status
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_genesis constant text := repeat('0', 64);
  v_chain constant uuid := coalesce(chain_clinic_id, '00000000-0000-0000-0000-000000000000'::uuid);
  v_result app_public.audit_chain_status;
  v_head_seq bigint;
  v_head_hash text;
  v_last_seq bigint;
  v_last_hash text;
begin
  select h.seq, h.hash into v_head_seq, v_head_hash from app_private.audit_chain_head h where h.chain_id = v_chain;

  -- `coalesce(clinic_id, nil)` as audit_log_chain_seq indexes it: the chain's entries in seq order
  with chain as (
    select a.seq, a.hash, a.prev_hash,
      lag(a.hash, 1, v_genesis) over w as expected_prev,
      lag(a.seq, 1, 0::bigint) over w as previous_seq,
      app_private.audit_hash(a.prev_hash, a.seq, a.clinic_id, a.occurred_at, a.actor_user_id, a.action,
        a.table_name, a.record_id, a.old_values, a.new_values, a.detail) as recomputed
    from app_public.audit_log a
    where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = v_chain
    window w as (order by a.seq)
  )
  select count(*),
    min(seq) filter (where hash <> recomputed or prev_hash <> expected_prev or seq <> previous_seq + 1),
    max(seq)
  into v_result.entries, v_result.first_broken_seq, v_last_seq
  from chain;
  select a.hash into v_last_hash from app_public.audit_log a
  where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = v_chain
  order by a.seq desc limit 1;

  -- Entries removed from (or added to) the end show against the chain's head.
  if v_result.first_broken_seq is null
     and (coalesce(v_last_seq, 0) <> coalesce(v_head_seq, 0)
          or coalesce(v_last_hash, v_genesis) <> coalesce(v_head_hash, v_genesis)) then
    v_result.first_broken_seq := coalesce(v_last_seq, 0) + 1;
  end if;
  v_result.is_valid := v_result.first_broken_seq is null;
  return v_result;
end;
$$;
comment on function app_private.audit_chain_status_of(uuid) is 'Recomputes one audit chain (a clinic''s, or null for the platform''s) and reports the first entry changed, removed or inserted behind the database''s back. No permission check: verify_audit_chain checks who asks.';

drop function app_private.audit_anchor_mismatches(jsonb);

create or replace function app_public.visit_doctor_is_available(v app_public.visit) returns boolean
language sql stable
as $$
  select exists (
    select 1 from app_public.membership m
    where m.clinic_id = v.clinic_id and m.id = v.doctor_id
      and m.role = 'doctor' and m.is_active and m.deleted_at is null and m.accepted_at is not null
  );
$$;
comment on function app_public.visit_doctor_is_available(app_public.visit) is E'@behavior +filterBy -resource:aggregate\nTrue while the visit''s doctor practises in the clinic: an active, not removed member with the doctor role who accepted the membership (as a new booking requires). False once they are removed, suspended or moved to another role: filter the visits still to come on false to give them to another doctor.';

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
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can export.' using errcode = 'CFORB';
  end if;
  -- a clinic's requests take turns here, so requests at once cannot all pass the counts
  perform pg_advisory_xact_lock(hashtextextended('request_export:' || v_clinic, 0));
  if (select count(*) from app_public.report_export e
      where e.clinic_id = v_clinic and e.requested_by = app_public.current_user_id()
        and e.status in ('queued', 'running')) >= v_most_unfinished then
    raise exception 'You have % exports waiting or in progress: ask for more once one of them is done.', v_most_unfinished
      using errcode = 'CLIMT';
  end if;
  if (select count(*) from app_public.report_export e
      where e.clinic_id = v_clinic and e.status in ('queued', 'running')) >= v_most_unfinished_in_clinic then
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
