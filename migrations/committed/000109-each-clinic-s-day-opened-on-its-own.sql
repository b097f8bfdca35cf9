--! Previous: sha1:79b5c07e1d2eb7e3ee741ba4a8f0c5000309ac32
--! Hash: sha1:6355d3e2ce1cea8cc86a7eaa3ece5fdcb378b2ee
--! Message: each clinic's day opened on its own

--------------------------------------------------------------------------------
-- One clinic's day cannot stop the other clinics' days from being opened.
--
-- open_reconciliations opened every clinic's day in one statement. A clinic whose day's payments
-- passed the largest total a day's row holds (numeric(16,3): two payments of 6,000,000,000,000, by
-- card and in cash, each within its own limits) failed that statement, so no clinic's day was
-- opened by that run, nor by any run of the 24 hours that day was that clinic's yesterday (an
-- exploratory test, with four mutations of one tenant). Each clinic's day is now opened on its
-- own, with its totals as refresh_reconciliation reads them (expected_totals): one whose totals do
-- not fit is passed over with a warning naming it, and the others are opened.

create or replace function app_private.open_reconciliations(as_of timestamp with time zone default now()) returns integer
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_clinic record;
  v_opened integer := 0;
  v_written integer;
begin
  -- For every clinic: the business day that ended before `as_of` (its local yesterday), with expected
  -- totals recomputed from scratch. Closed days are never touched, so running it again, or after a
  -- crash, changes nothing.
  for v_clinic in
    select c.id as clinic_id, (as_of at time zone c.timezone)::date - 1 as business_date from app_public.clinic c order by c.id
  loop
    begin
      insert into app_public.daily_reconciliation as r
        (clinic_id, business_date, expected_cash, expected_card, expected_bank_transfer, expected_mobile_money, expected_insurance)
      select v_clinic.clinic_id, v_clinic.business_date, t.cash, t.card, t.bank_transfer, t.mobile_money, t.insurance
      from app_private.expected_totals(v_clinic.clinic_id, v_clinic.business_date) t
      on conflict (clinic_id, business_date) do update set
        expected_cash = excluded.expected_cash, expected_card = excluded.expected_card,
        expected_bank_transfer = excluded.expected_bank_transfer, expected_mobile_money = excluded.expected_mobile_money,
        expected_insurance = excluded.expected_insurance
      where r.status = 'open'
        and (r.expected_cash, r.expected_card, r.expected_bank_transfer, r.expected_mobile_money, r.expected_insurance)
            is distinct from (excluded.expected_cash, excluded.expected_card, excluded.expected_bank_transfer,
                              excluded.expected_mobile_money, excluded.expected_insurance);
      get diagnostics v_written = row_count;
      v_opened := v_opened + v_written;
    exception when numeric_value_out_of_range then
      raise warning 'The business day % of clinic % is not opened: its payments'' totals pass the largest a day holds (9999999999999.999).',
        v_clinic.business_date, v_clinic.clinic_id;
    end;
  end loop;
  return v_opened;
end;
$$;
comment on function app_private.open_reconciliations(timestamp with time zone) is 'Opens (or refreshes, while open) every clinic''s reconciliation of the business day that ended before `as_of`, each clinic on its own: a day whose totals pass what a day holds is passed over with a warning naming the clinic, and the others are opened. One transaction, so a crash leaves nothing half done. Returns how many rows it wrote. Run by the reconciliation__open task.';
