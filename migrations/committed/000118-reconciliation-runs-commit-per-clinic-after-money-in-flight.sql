--! Previous: sha1:7deb3e030ba8b4e795e423910777d2a062610225
--! Hash: sha1:dc8ccb770f11177d5224ff1a584374b6af78cea8
--! Message: reconciliation runs commit per clinic after money in flight

-- The hourly run opens each clinic's day on its own, in a transaction of its own, once that day's money
-- in flight has committed.
-- - The run read a day's totals, then waited for the day's row that a payment in flight had refreshed,
--   and wrote its older figures over the payment's: an open day then left out that payment until the
--   next money change or the close. It now waits for the day's payments and refunds in flight first, as
--   a close does (the day's lock, exclusively), and reads the totals once they have committed.
-- - It ran every clinic in one transaction, holding each clinic's audit chain and day rows until the
--   last clinic was done: every audited write of the clinics it had reached (a payment, a visit's
--   check-in) waited for the rest of the run, and was cut off at the statement timeout. Each clinic's
--   day now commits on its own (a procedure: a function cannot commit).

create or replace function app_private.open_reconciliation(clinic_id uuid, as_of timestamptz) returns integer
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_day date := (select (as_of at time zone c.timezone)::date - 1 from app_public.clinic c where c.id = open_reconciliation.clinic_id);
  v_written integer;
begin
  if v_day is null then
    return 0; -- no such clinic
  end if;
  -- the day's payments and refunds in flight commit first, and those that come now wait for this
  -- transaction: the totals below are read after them
  perform app_private.lock_business_day(open_reconciliation.clinic_id, v_day, true);
  begin
    insert into app_public.daily_reconciliation as r
      (clinic_id, business_date, expected_cash, expected_card, expected_bank_transfer, expected_mobile_money, expected_insurance)
    select open_reconciliation.clinic_id, v_day, t.cash, t.card, t.bank_transfer, t.mobile_money, t.insurance
    from app_private.expected_totals(open_reconciliation.clinic_id, v_day) t
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
      v_day, open_reconciliation.clinic_id;
    v_written := 0;
  end;
  return v_written;
end;
$$;
comment on function app_private.open_reconciliation(uuid, timestamptz) is 'Opens (or refreshes, while open) one clinic''s reconciliation of the business day that ended before `as_of` in its time zone, with its expected totals per method, once the day''s payments and refunds in flight have committed (it takes the day''s lock exclusively, as a close does). A day whose totals pass what a day holds is passed over with a warning naming the clinic. Returns how many rows it wrote (0 or 1).';
revoke all on function app_private.open_reconciliation(uuid, timestamptz) from public;

drop function if exists app_private.open_reconciliations(timestamptz);
drop procedure if exists app_private.open_reconciliations(timestamptz, integer);
-- A procedure with SET or SECURITY DEFINER cannot commit: it runs as its caller (the owner role's worker,
-- or an operator), names everything by its schema, and leaves the work to open_reconciliation, which has both.
create procedure app_private.open_reconciliations(as_of timestamptz default now(), inout opened integer default null)
language plpgsql as $$
declare
  v_clinic uuid;
begin
  opened := 0;
  for v_clinic in select c.id from app_public.clinic c order by c.id loop
    opened := opened operator(pg_catalog.+) app_private.open_reconciliation(v_clinic, as_of);
    commit;
  end loop;
end;
$$;
comment on procedure app_private.open_reconciliations(timestamptz, integer) is 'Opens (or refreshes, while open) every clinic''s reconciliation of the business day that ended before `as_of` (open_reconciliation), each clinic''s in a transaction of its own: the clinic''s audit chain and day rows are held only while its own day is written, and a crash leaves the clinics done so far done, which a rerun leaves as they are. Called outside a transaction (`call app_private.open_reconciliations(…)`); `opened` is how many rows it wrote. Run by the reconciliation__open task.';
revoke all on procedure app_private.open_reconciliations(timestamptz, integer) from public;
