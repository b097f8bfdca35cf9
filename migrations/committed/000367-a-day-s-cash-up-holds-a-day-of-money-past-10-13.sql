--! Previous: sha1:9005aef24cba3747788335035e7a3e1f6dfee87e
--! Hash: sha1:7f7de8e18f3d7214548f8cdfe23cb382445610cd
--! Message: A day's cash-up holds a day of money past 10^13

-- A day's cash-up holds a day of money past 10^13
--
-- A day's expected amounts, counted amounts, totals and differences were numeric(16,3), the size of one amount, though
-- they are sums of a day's payments and refunds, read from daily_money, which holds a day's sums (numeric(20,3), 000343):
-- once a day's takings came to 10^13 (invoices priced with extra digits, paid; in TZS or IDR), a payment recorded for
-- that day while it was open (taken yesterday, recorded this morning) failed, "A number is out of range." (a numeric
-- field overflow refreshing the day's expected amounts), and so did the close of such a day, while the hourly run passed
-- the day over with a warning. They are now numeric(20,3), as the rollups and the dashboard's sums are; the generated
-- totals and differences are dropped and made again in that size (PostgreSQL changes no column a generated one reads),
-- and so are the view analysts read them through and the trigger that names the counts.
drop view if exists reporting.reconciliations;
drop trigger if exists _150_counts_in_currency on app_public.daily_reconciliation;
alter table app_public.daily_reconciliation
  drop column if exists expected_total, drop column if exists counted_total,
  drop column if exists cash_difference, drop column if exists difference;
alter table app_public.daily_reconciliation
  alter column expected_cash type numeric(20,3), alter column expected_card type numeric(20,3),
  alter column expected_bank_transfer type numeric(20,3), alter column expected_mobile_money type numeric(20,3),
  alter column expected_insurance type numeric(20,3),
  alter column counted_cash type numeric(20,3), alter column counted_card type numeric(20,3),
  alter column counted_bank_transfer type numeric(20,3), alter column counted_mobile_money type numeric(20,3),
  alter column counted_insurance type numeric(20,3),
  add column expected_total numeric(20,3) generated always as (
    expected_cash + expected_card + expected_bank_transfer + expected_mobile_money + expected_insurance) stored,
  add column counted_total numeric(20,3) generated always as (case
    when status = 'closed' or num_nonnulls(counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance) > 0
    then coalesce(counted_cash, 0) + coalesce(counted_card, 0) + coalesce(counted_bank_transfer, 0) + coalesce(counted_mobile_money, 0)
      + coalesce(counted_insurance, 0) end) stored,
  add column cash_difference numeric(20,3) generated always as (case
    when status = 'closed' or num_nonnulls(counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance) > 0
    then coalesce(counted_cash, 0) - expected_cash end) stored,
  add column difference numeric(20,3) generated always as (case
    when status = 'closed' or num_nonnulls(counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance) > 0
    then coalesce(counted_cash, 0) + coalesce(counted_card, 0) + coalesce(counted_bank_transfer, 0) + coalesce(counted_mobile_money, 0)
      + coalesce(counted_insurance, 0)
      - (expected_cash + expected_card + expected_bank_transfer + expected_mobile_money + expected_insurance) end) stored;
comment on column app_public.daily_reconciliation.expected_total is 'All expected tenders.';
comment on column app_public.daily_reconciliation.counted_total is 'All counted tenders; null until the day is counted (closeDay).';
comment on column app_public.daily_reconciliation.cash_difference is 'Counted cash minus expected cash (negative: missing); null until the day is counted.';
comment on column app_public.daily_reconciliation.difference is 'Counted total minus expected total; null until the day is counted.';

create trigger _150_counts_in_currency before insert or update of counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance
  on app_public.daily_reconciliation for each row
  execute function app_private.tg__amounts_in_currency('A counted amount', 'counted_cash', 'counted_card', 'counted_bank_transfer', 'counted_mobile_money', 'counted_insurance');
comment on trigger _150_counts_in_currency on app_public.daily_reconciliation is 'Counts in the decimals of the clinic''s currency (tg__amounts_in_currency).';

create view reporting.reconciliations with (security_barrier) as
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
grant select on reporting.reconciliations to :DATABASE_ANALYST;
comment on view reporting.reconciliations is 'The cash-up of each business day: expected, counted, differences.';
comment on column reporting.reconciliations.clinic_id is 'The clinic.';
comment on column reporting.reconciliations.clinic_name is 'The clinic''s name.';
comment on column reporting.reconciliations.business_date is 'The business day.';
comment on column reporting.reconciliations.status is 'open or closed.';
comment on column reporting.reconciliations.expected_cash is 'Cash expected (payments − refunds).';
comment on column reporting.reconciliations.expected_card is 'Card expected.';
comment on column reporting.reconciliations.expected_bank_transfer is 'Bank transfers expected.';
comment on column reporting.reconciliations.expected_mobile_money is 'Mobile money expected.';
comment on column reporting.reconciliations.expected_insurance is 'Insurance expected.';
comment on column reporting.reconciliations.expected_total is 'All tenders expected.';
comment on column reporting.reconciliations.counted_total is 'All tenders counted; null until the day is counted.';
comment on column reporting.reconciliations.cash_difference is 'Counted cash − expected cash; null until the day is counted.';
comment on column reporting.reconciliations.difference is 'Counted total − expected total; null until the day is counted.';
comment on column reporting.reconciliations.notes is 'The cashier''s notes.';
comment on column reporting.reconciliations.closed_at is 'When the day was closed.';
comment on column reporting.reconciliations.reopened_at is 'When it was last reopened.';
comment on column reporting.reconciliations.reopen_reason is 'Why.';
comment on column reporting.reconciliations.currency is 'ISO 4217 currency of the amounts (the clinic''s).';

-- A day passed over by the hourly run names what a day now holds
--
-- open_reconciliation_of's warning, for a day whose totals do not fit, named one amount's size (9999999999999.999) as
-- what a day holds; a day holds numeric(20,3) now (the part above): the warning names 99999999999999999.999.
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
  if app_private.first_day_after_day_without_money(open_reconciliation_of.clinic_id, business_day) is not null then
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
    raise warning 'The business day % of clinic % is not opened: its payments'' totals pass the largest a day holds (99999999999999999.999).',
      business_day, open_reconciliation_of.clinic_id;
    v_written := 0;
  end;
  return v_written;
end;
$$;

comment on function app_private.open_reconciliation_of(uuid, date) is 'Opens (or refreshes, while open) one clinic''s reconciliation of one business day, with its expected totals per method, once the day''s payments and refunds in flight have committed (it takes the day''s lock exclusively, as a close does). A day before the clinic''s first local day (the date of its creation in its time zone) is opened only when it has payments or refunds. A day whose totals pass what a day holds (99999999999999999.999, numeric(20,3)) is passed over with a warning naming the clinic. Returns how many rows it wrote (0 or 1). For open_reconciliation and open_reconciliations.';
revoke all on function app_private.open_reconciliation_of(uuid, date) from public;
