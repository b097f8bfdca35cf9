--! Previous: sha1:aeddb10d5d3f09800ecaf3d931b717cf96f3fb96
--! Hash: sha1:e46ebc86d9d75d7a29f75390999425f0b26bcb40
--! Message: days skipped by a time zone change opened

-- A business day with money always gets its reconciliation once it has ended: the hourly run opened
-- only the day before the run's local date, so a clinic moved east across the date line (Pago Pago,
-- UTC-11, to Kiritimati, UTC+14) between two runs saw its local date jump by two, and the day in
-- between, with its takings, was never opened (until someone closed it by hand). Each run now also
-- opens the two days before, when they have money and no row yet.

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

comment on function app_private.open_reconciliation_of(uuid, date) is 'Opens (or refreshes, while open) one clinic''s reconciliation of one business day, with its expected totals per method, once the day''s payments and refunds in flight have committed (it takes the day''s lock exclusively, as a close does). A day whose totals pass what a day holds is passed over with a warning naming the clinic. Returns how many rows it wrote (0 or 1). For open_reconciliation.';
revoke all on function app_private.open_reconciliation_of(uuid, date) from public;

create or replace function app_private.open_reconciliation(clinic_id uuid, as_of timestamp with time zone) returns integer
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_day date := (select (as_of at time zone c.timezone)::date - 1 from app_public.clinic c where c.id = open_reconciliation.clinic_id);
  v_missed date;
  v_written integer := 0;
begin
  if v_day is null then
    return 0; -- no such clinic
  end if;
  -- the days a change of time zone skipped (at most one: offsets are 26 hours apart at most), earliest first
  for v_missed in
    select distinct m.business_date from app_private.daily_money m
    where m.clinic_id = open_reconciliation.clinic_id and m.business_date between v_day - 2 and v_day - 1
      and not exists (select from app_public.daily_reconciliation r
                      where r.clinic_id = open_reconciliation.clinic_id and r.business_date = m.business_date)
    order by 1
  loop
    v_written := v_written + app_private.open_reconciliation_of(open_reconciliation.clinic_id, v_missed);
  end loop;
  return v_written + app_private.open_reconciliation_of(open_reconciliation.clinic_id, v_day);
end;
$$;
comment on function app_private.open_reconciliation(uuid, timestamptz) is 'Opens (or refreshes, while open) one clinic''s reconciliation of the business day that ended before `as_of` in its time zone (open_reconciliation_of), and of the two days before it when they have money and no reconciliation yet (a change of time zone across the date line skips a local date). Returns how many rows it wrote.';
