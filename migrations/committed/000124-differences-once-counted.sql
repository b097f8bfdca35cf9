--! Previous: sha1:1a592797f2657ed7f1c99ebed592a9f22867d7d9
--! Hash: sha1:89652260da761b1caf713228fc1bfb7d7f5ac182
--! Message: differences once counted

-- A day not counted yet has no counted total and no differences: the hourly run opens each day
-- with its expected totals, and its counts stay null until closeDay; the differences read those
-- nulls as 0, so an open day showed its whole takings missing (cashDifference -12220 before anyone
-- had counted), and so did its reconciliation PDF's total and the analysts' view. A day reopened
-- keeps its last counts, and their differences, until it is counted again. A closed day is counted
-- whatever its counts (before 000102 a close kept a count left out as null: those are 0). PostgreSQL 15 cannot
-- change a generated column's expression: the three are made again (at the table's end), and the
-- analysts' view on them with them.

drop view if exists reporting.reconciliations;

alter table app_public.daily_reconciliation
  drop column if exists counted_total,
  drop column if exists cash_difference,
  drop column if exists difference;

-- closeDay writes every count (one left out is 0): an open day with no count at all is a day not counted
alter table app_public.daily_reconciliation
  add column counted_total numeric(16,3) generated always as (
    case when status = 'closed' or num_nonnulls(counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance) > 0 then
      coalesce(counted_cash, 0) + coalesce(counted_card, 0) + coalesce(counted_bank_transfer, 0)
        + coalesce(counted_mobile_money, 0) + coalesce(counted_insurance, 0)
    end) stored,
  add column cash_difference numeric(16,3) generated always as (
    case when status = 'closed' or num_nonnulls(counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance) > 0 then
      coalesce(counted_cash, 0) - expected_cash
    end) stored,
  add column difference numeric(16,3) generated always as (
    case when status = 'closed' or num_nonnulls(counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance) > 0 then
      coalesce(counted_cash, 0) + coalesce(counted_card, 0) + coalesce(counted_bank_transfer, 0)
        + coalesce(counted_mobile_money, 0) + coalesce(counted_insurance, 0)
        - (expected_cash + expected_card + expected_bank_transfer + expected_mobile_money + expected_insurance)
    end) stored;
comment on column app_public.daily_reconciliation.counted_total is 'All counted tenders; null until the day is counted (closeDay).';
comment on column app_public.daily_reconciliation.cash_difference is 'Counted cash minus expected cash (negative: missing); null until the day is counted.';
comment on column app_public.daily_reconciliation.difference is 'Counted total minus expected total; null until the day is counted.';

create view reporting.reconciliations WITH (security_barrier='true') AS
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
    d.reopen_reason
   FROM (app_public.daily_reconciliation d
     JOIN app_public.clinic c ON ((c.id = d.clinic_id)))
  WHERE (d.clinic_id IN ( SELECT reporting.granted_clinics() AS granted_clinics));
comment on VIEW reporting.reconciliations IS 'The cash-up of each business day: expected, counted, differences.';
comment on COLUMN reporting.reconciliations.clinic_id IS 'The clinic.';
comment on COLUMN reporting.reconciliations.clinic_name IS 'The clinic''s name.';
comment on COLUMN reporting.reconciliations.business_date IS 'The business day.';
comment on COLUMN reporting.reconciliations.status IS 'open or closed.';
comment on COLUMN reporting.reconciliations.expected_cash IS 'Cash expected (payments − refunds).';
comment on COLUMN reporting.reconciliations.expected_card IS 'Card expected.';
comment on COLUMN reporting.reconciliations.expected_bank_transfer IS 'Bank transfers expected.';
comment on COLUMN reporting.reconciliations.expected_mobile_money IS 'Mobile money expected.';
comment on COLUMN reporting.reconciliations.expected_insurance IS 'Insurance expected.';
comment on COLUMN reporting.reconciliations.expected_total IS 'All tenders expected.';
comment on COLUMN reporting.reconciliations.counted_total IS 'All tenders counted; null until the day is counted.';
comment on COLUMN reporting.reconciliations.cash_difference IS 'Counted cash − expected cash; null until the day is counted.';
comment on COLUMN reporting.reconciliations.difference IS 'Counted total − expected total; null until the day is counted.';
comment on COLUMN reporting.reconciliations.notes IS 'The cashier''s notes.';
comment on COLUMN reporting.reconciliations.closed_at IS 'When the day was closed.';
comment on COLUMN reporting.reconciliations.reopened_at IS 'When it was last reopened.';
comment on COLUMN reporting.reconciliations.reopen_reason IS 'Why.';

grant select on reporting.reconciliations to :DATABASE_ANALYST;
