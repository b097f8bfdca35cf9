--! Previous: sha1:650c63a460a4d38845e1c3e5094ed04ab131dbe6
--! Hash: sha1:97f19d3e63b0b5b2469114108297df69b148845d
--! Message: No day opened before the clinic existed

-- No day opened before the clinic existed
--
-- The hourly reconciliation opened, for a clinic created today, a zero "yesterday", a day before the
-- clinic existed; and after a worker outage the runs graphile-worker replays (fill=7d), due before the
-- clinic was created, opened up to a week of such days: each an open day with nothing taken, listed
-- among the days to count and close (the API, the reconciliation PDF, reporting.reconciliations).
-- A run now opens a day only from the clinic's first local day, the date of its creation in its time
-- zone as it is now; a day before that is opened only when it has payments or refunds (money dated
-- back, or a day a change of time zone since put before that date), as every ended day with money is.
-- The days earlier runs opened so, that nobody has counted, closed or written on, are deleted (each audited).

create or replace function app_private.open_reconciliation_of(clinic_id uuid, business_day date) returns integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_written integer;
begin
  -- the day's payments and refunds in flight commit first, and those that come now wait for this
  -- transaction: the totals below are read after them
  perform app_private.lock_business_day(open_reconciliation_of.clinic_id, business_day, true);
  -- a day before the clinic existed, with no money, is not one to count
  if business_day < (select (c.created_at at time zone c.timezone)::date from app_public.clinic c where c.id = open_reconciliation_of.clinic_id)
     and not exists (select from app_private.daily_money m
                     where m.clinic_id = open_reconciliation_of.clinic_id and m.business_date = business_day and m.movements > 0) then
    return 0;
  end if;
  begin
    insert into app_public.daily_reconciliation as r
      (clinic_id, business_date, expected_cash, expected_card, expected_bank_transfer, expected_mobile_money, expected_insurance)
    select open_reconciliation_of.clinic_id, business_day, t.cash, t.card, t.bank_transfer, t.mobile_money, t.insurance
    from app_private.expected_totals(open_reconciliation_of.clinic_id, business_day) t
    on conflict on constraint daily_reconciliation_clinic_id_business_date_key do update set
      expected_cash = excluded.expected_cash, expected_card = excluded.expected_card,
      expected_bank_transfer = excluded.expected_bank_transfer, expected_mobile_money = excluded.expected_mobile_money,
      expected_insurance = excluded.expected_insurance
    where r.status = 'open'
      and (r.expected_cash, r.expected_card, r.expected_bank_transfer, r.expected_mobile_money, r.expected_insurance)
          is distinct from (excluded.expected_cash, excluded.expected_card, excluded.expected_bank_transfer,
                            excluded.expected_mobile_money, excluded.expected_insurance);
    get diagnostics v_written = row_count;
  exception when numeric_value_out_of_range then
    raise warning 'The business day % of clinic % is not opened: its payments'' totals pass the largest a day holds (9999999999999.999).',
      business_day, open_reconciliation_of.clinic_id;
    v_written := 0;
  end;
  return v_written;
end;
$$;

comment on function app_private.open_reconciliation_of(uuid, date) is 'Opens (or refreshes, while open) one clinic''s reconciliation of one business day, with its expected totals per method, once the day''s payments and refunds in flight have committed (it takes the day''s lock exclusively, as a close does). A day before the clinic''s first local day (the date of its creation in its time zone) is opened only when it has payments or refunds. A day whose totals pass what a day holds is passed over with a warning naming the clinic. Returns how many rows it wrote (0 or 1). For open_reconciliation and open_reconciliations.';
revoke all on function app_private.open_reconciliation_of(uuid, date) from public;

-- the zero days earlier runs opened before their clinics existed, that nobody has counted, closed or written on, go
-- from the days to count (each delete audited); run again, it finds none
create or replace function app_private.drop_days_opened_before_clinics() returns integer
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_dropped integer;
begin
  -- one statement: the audit chains of its clinics are taken in the order of their ids (tg__audit_chains_in_order).
  -- No day's lock: one a day, they could pass the lock table's room on a large platform. A row a payment dated back
  -- into its day refreshes meanwhile is read again once that payment commits, and kept (its expected total no longer 0)
  delete from app_public.daily_reconciliation d using app_public.clinic c
  where c.id = d.clinic_id
    and d.business_date < (c.created_at at time zone c.timezone)::date
    and d.status = 'open' and d.counted_total is null and d.expected_total = 0
    and d.closed_at is null and d.reopened_at is null and d.notes is null and d.created_by is null and d.updated_by is null
    and not exists (select from app_private.daily_money m where m.clinic_id = d.clinic_id and m.business_date = d.business_date and m.movements > 0);
  get diagnostics v_dropped = row_count;
  return v_dropped;
end;
$$;
comment on function app_private.drop_days_opened_before_clinics() is 'Deletes, each audited, the open days the hourly reconciliation opened before their clinic''s first local day (the date of its creation in its time zone) before 000NNN: with no money, never counted, closed, reopened or written on. Returns how many. Run by 000NNN; an operator may run it again.';
revoke all on function app_private.drop_days_opened_before_clinics() from public;
select app_private.drop_days_opened_before_clinics();
