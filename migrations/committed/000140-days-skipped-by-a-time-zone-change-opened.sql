--! Previous: sha1:742c0af56cae5d397831db6b89a043b8de1c6906
--! Hash: sha1:1384ce44ee7fbb9c52089882f1ca8fd0105cdb16
--! Message: days skipped by a time zone change opened

-- A business day with money always gets its reconciliation once it has ended: the hourly run opened
-- only the day before the run's local date, so a clinic moved east across the date line (Pago Pago,
-- UTC-11, to Kiritimati, UTC+14) between two runs saw its local date jump by two, and the day in
-- between, with its takings, was never opened (until someone closed it by hand). Each run now also
-- opens the two days before, when they have money and no row yet, each in a transaction of its own
-- (each day's lock, then its audit entry, as payments and closes take them: two days in one
-- transaction would hold the clinic's audit chain head while waiting for the second day's lock).

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

comment on function app_private.open_reconciliation_of(uuid, date) is 'Opens (or refreshes, while open) one clinic''s reconciliation of one business day, with its expected totals per method, once the day''s payments and refunds in flight have committed (it takes the day''s lock exclusively, as a close does). A day whose totals pass what a day holds is passed over with a warning naming the clinic. Returns how many rows it wrote (0 or 1). For open_reconciliation and open_reconciliations.';
revoke all on function app_private.open_reconciliation_of(uuid, date) from public;

create or replace function app_private.open_reconciliation(clinic_id uuid, as_of timestamp with time zone) returns integer
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_day date := (select (as_of at time zone c.timezone)::date - 1 from app_public.clinic c where c.id = open_reconciliation.clinic_id);
begin
  if v_day is null then
    return 0; -- no such clinic
  end if;
  return app_private.open_reconciliation_of(open_reconciliation.clinic_id, v_day);
end;
$$;
comment on function app_private.open_reconciliation(uuid, timestamptz) is 'Opens (or refreshes, while open) one clinic''s reconciliation of the business day that ended before `as_of` in its time zone (open_reconciliation_of). Returns how many rows it wrote (0 or 1).';

create or replace function app_private.days_to_reopen_late(clinic_id uuid, as_of timestamp with time zone) returns setof date
  language sql stable security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  select distinct m.business_date from app_private.daily_money m
  join app_public.clinic c on c.id = m.clinic_id
  where m.clinic_id = days_to_reopen_late.clinic_id
    and m.business_date between (as_of at time zone c.timezone)::date - 3 and (as_of at time zone c.timezone)::date - 2
    and not exists (select from app_public.daily_reconciliation r where r.clinic_id = m.clinic_id and r.business_date = m.business_date)
  order by 1;
$$;
comment on function app_private.days_to_reopen_late(uuid, timestamptz) is 'The two business days before the one that ended before `as_of` (open_reconciliation''s) that have money and no reconciliation yet, earliest first: a change of time zone across the date line between two runs skips a local date. For open_reconciliations.';
revoke all on function app_private.days_to_reopen_late(uuid, timestamptz) from public;

create or replace procedure app_private.open_reconciliations(in as_of timestamp with time zone default now(), inout opened integer default null)
  language plpgsql
as $$
declare
  v_clinic uuid;
  v_day date;
begin
  opened := 0;
  for v_clinic in select c.id from app_public.clinic c order by c.id loop
    for v_day in select d from app_private.days_to_reopen_late(v_clinic, as_of) d loop
      opened := opened operator(pg_catalog.+) app_private.open_reconciliation_of(v_clinic, v_day);
      commit;
    end loop;
    opened := opened operator(pg_catalog.+) app_private.open_reconciliation(v_clinic, as_of);
    commit;
  end loop;
end;
$$;
comment on procedure app_private.open_reconciliations(timestamptz, integer) is 'Opens (or refreshes, while open) every clinic''s reconciliation of the business day that ended before `as_of` (open_reconciliation), and of the two days before it that have money and no row yet (days_to_reopen_late: a change of time zone across the date line skips a local date), each day in a transaction of its own: the clinic''s audit chain and day rows are held only while that day is written, and a crash leaves the days done so far done, which a rerun leaves as they are. Called outside a transaction (`call app_private.open_reconciliations(…)`); `opened` is how many rows it wrote. Run by the reconciliation__open task.';
